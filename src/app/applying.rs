//! What applying a render does to the running tenant: the folder's Tenant and configuration
//! against the render, judged by `plan::operator` for `gen --out`, `check` and `plan --out`; and
//! the site file `grow` edits, rendered again to see that the step it writes applies alone.

use std::path::Path;

use crate::app::failure::Failure;
use crate::app::pipeline::{Shared, compile, generated};
use crate::check::schema;
use crate::input::load::Request;
use crate::output::folder;
use crate::plan::operator::{Kind, Verdict};
use crate::plan::{daytwo, transition};
use crate::post;

/// What applying `manifests` (the render of `plan`) over the folder `dir` makes the operator and
/// MinIO do, change by change, when the folder already holds the Tenant: the Tenants and the
/// `config.env` of the configuration object each side holds (none in secrets mode `existing`).
/// A Tenant or configuration object the folder holds but cannot read back is an error.
pub(crate) fn folder_verdict(
    dir: &Path,
    plan: &crate::plan::Plan,
    manifests: &[post::Manifest],
) -> Result<Option<Verdict>, Failure> {
    let Some(tenant) = manifests.iter().find(|m| m.kind == "Tenant") else {
        return Ok(None);
    };
    let Some(old) = folder::read_object(dir, tenant)? else {
        return Ok(None);
    };
    let secret = &plan.tenant.config_secret;
    let rendered = manifests
        .iter()
        .find(|m| (m.kind == "Secret" || m.kind == "ExternalSecret") && m.name == *secret);
    let new_config = rendered.and_then(|m| transition::config_env(&m.value));
    let mut kinds = vec!["Secret", "ExternalSecret"];
    if rendered.is_some_and(|m| m.kind == "ExternalSecret") {
        kinds.reverse();
    }
    let mut old_config = None;
    for kind in kinds {
        let probe = post::Manifest {
            api_version: String::new(),
            kind: kind.into(),
            name: secret.clone(),
            namespace: String::new(),
            value: serde_json::Value::Null,
        };
        if let Some(object) = folder::read_object(dir, &probe)? {
            old_config = transition::config_env(&object);
            break;
        }
    }
    Ok(Some(transition::verdict(
        &old,
        old_config.as_ref(),
        &tenant.value,
        new_config.as_ref(),
    )))
}

/// How messages about a folder name it.
pub(crate) fn folder_label(dir: &Path) -> String {
    format!("`{}`", dir.display())
}

/// A site file's text as `grow` would write it, checked against the schema, with the profile
/// the run was given.
pub(crate) fn edited(shared: &Shared, path: &Path, text: &str) -> Result<Shared, Failure> {
    use crate::input::source::{Document, Source};
    let edited = Document::parse(Source {
        name: path.display().to_string(),
        text: text.to_string(),
    })
    .map_err(Failure::Invalid)?;
    let problems = crate::check::decode::check_document(schema::Kind::Site, &edited);
    if !problems.is_empty() {
        return Err(Failure::Invalid(problems));
    }
    Ok(Shared {
        site: Some(std::sync::Arc::new(edited)),
        profile: shared.profile.clone(),
    })
}

/// The request that renders an edited site file as it stands, without the `--ccu` that asked
/// for the growth.
pub(crate) fn as_written(inputs: &Request, path: &Path) -> Request {
    Request {
        ccu: None,
        config: Some(path.to_path_buf()),
        ..inputs.clone()
    }
}

/// What applying the site file `text` (for `growth`'s environment) over the folder `dir` does.
pub(crate) fn step_verdict(
    inputs: &Request,
    shared: &Shared,
    path: &Path,
    text: &str,
    env: Option<String>,
    dir: &Path,
) -> Result<Option<Verdict>, Failure> {
    let edited = edited(shared, path, text)?;
    let plan = compile(&as_written(inputs, path), &edited, env)?.plan;
    let manifests = generated(&plan)?.manifests;
    folder_verdict(dir, &plan, &manifests)
}

/// Whether a growth written as is would bring the new pool with a configuration change: then
/// the pool is only planned in the first step (`daytwo::Growth::planned`).
pub(crate) fn needs_configuration_first(verdict: &Verdict) -> bool {
    !verdict.steps.is_empty()
        && verdict
            .changes
            .iter()
            .any(|c| c.kind == Kind::Configuration)
}

/// Whether the folder already holds the configuration a planned pool needs: applying the
/// render changes no `config.env` variable.
pub(crate) fn configuration_applied(verdict: &Verdict) -> bool {
    !verdict
        .changes
        .iter()
        .any(|c| c.kind == Kind::Configuration)
}

/// The `miniogen check` messages for what `grow` would write but cannot apply alone.
pub(crate) fn refused(dir: &Path, verdict: &Verdict) -> Vec<crate::model::diag::Diagnostic> {
    crate::output::report::blocked_diagnostics(&folder_label(dir), verdict)
}

/// The scope of a growth's messages.
pub(crate) fn scope<'a>(growth: &'a daytwo::Growth, dir: Option<&'a Path>) -> daytwo::Scope<'a> {
    daytwo::Scope {
        env: growth.env.as_deref(),
        dir,
    }
}

/// The Tenant object the output folder holds for `plan`'s tenant, if any; an error when it
/// holds one that cannot be read back.
pub(crate) fn folder_tenant(
    dir: &std::path::Path,
    plan: &crate::plan::Plan,
) -> Result<Option<serde_json::Value>, Failure> {
    let manifest = post::Manifest {
        api_version: String::new(),
        kind: "Tenant".into(),
        name: plan.tenant.name.clone(),
        namespace: String::new(),
        value: serde_json::Value::Null,
    };
    Ok(folder::read_object(dir, &manifest)?)
}
