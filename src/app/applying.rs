//! What applying a render does to the running tenant: the render against what the cluster was
//! given (an output folder's Tenant and configuration, or, without a folder, the render of the
//! site file as it is, which is what the cluster runs under GitOps), judged by `plan::operator`
//! for `gen --out`, `check`, `plan --out` and `grow`; and the site file `grow` edits, rendered
//! again to see that the step it writes applies alone.

use std::path::Path;

use serde_json::Value;

use crate::app::failure::Failure;
use crate::app::pipeline::{Shared, compile, generated};
use crate::check::schema;
use crate::input::load::Request;
use crate::output::folder;
use crate::plan::operator::{ConfigEnv, Kind, Verdict};
use crate::plan::{bucketchanges, daytwo, transition};
use crate::post;

/// What a render is compared with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Baseline<'a> {
    /// The objects an output folder holds, as the cluster was given them, and the render when
    /// the caller has its files: a file equal to the render's is not parsed again.
    Folder(&'a Path, folder::Render<'a>),
    /// Another render's objects: without a folder, the site file as it is renders what the
    /// cluster runs under GitOps.
    Render(&'a [post::Manifest]),
}

impl Baseline<'_> {
    /// The object of `kind` and `name` the baseline holds; an error when a folder holds one that
    /// cannot be read back.
    pub(crate) fn object(self, kind: &str, name: &str) -> Result<Option<Value>, Failure> {
        match self {
            Baseline::Folder(dir, render) => {
                let probe = post::Manifest {
                    api_version: String::new(),
                    kind: kind.into(),
                    name: name.into(),
                    namespace: String::new(),
                    value: Value::Null,
                };
                Ok(folder::read_object(dir, &probe, render)?)
            }
            Baseline::Render(manifests) => Ok(manifests
                .iter()
                .find(|m| m.kind == kind && m.name == name)
                .map(|m| m.value.clone())),
        }
    }
}

/// A render against its baseline: the `config.env` of each side (none in secrets mode
/// `existing`), and what applying the render does.
#[derive(Debug, Clone)]
pub(crate) struct Compared {
    /// The baseline's `config.env`.
    pub(crate) old_config: Option<ConfigEnv>,
    /// The render's `config.env`.
    pub(crate) new_config: Option<ConfigEnv>,
    /// What applying the render over the baseline makes the operator and MinIO do.
    pub(crate) verdict: Verdict,
    /// The baseline's Tenant, read once for every judge that needs it: an unreadable one has
    /// stopped the run before (`Baseline::object`).
    pub(crate) old: Value,
}

/// `manifests` (the render of `plan`) against `base`, when the baseline holds the Tenant.
pub(crate) fn compare(
    base: Baseline<'_>,
    plan: &crate::plan::Plan,
    manifests: &[post::Manifest],
) -> Result<Option<Compared>, Failure> {
    let Some(tenant) = manifests.iter().find(|m| m.kind == "Tenant") else {
        return Ok(None);
    };
    let Some(old) = base.object("Tenant", &tenant.name)? else {
        return Ok(None);
    };
    let secret = &plan.tenant.config_secret;
    let rendered = manifests
        .iter()
        .find(|m| (m.kind == "Secret" || m.kind == "ExternalSecret") && m.name == *secret);
    let new_config = rendered.and_then(|m| transition::config_env(&m.value));
    let mut kinds = ["Secret", "ExternalSecret"];
    if rendered.is_some_and(|m| m.kind == "ExternalSecret") {
        kinds.reverse();
    }
    let mut old_config = None;
    for kind in kinds {
        if let Some(object) = base.object(kind, secret)? {
            old_config = transition::config_env(&object);
            break;
        }
    }
    let mut verdict = transition::verdict(
        &old,
        old_config.as_ref(),
        &tenant.value,
        new_config.as_ref(),
    );
    // The bucket settings the baseline's bucket job recorded, against the render's.
    let recorded = match base {
        Baseline::Folder(dir, render) => {
            let jobs = folder::read_objects_of_kind(dir, "MinIOJob", render);
            bucketchanges::recorded_buckets(jobs.iter().map(|m| &m.value))
        }
        Baseline::Render(manifests) => {
            bucketchanges::recorded_buckets(manifests.iter().map(|m| &m.value))
        }
    };
    // Tenant-wide, so before the pools' changes and the combination, as `Verdict` orders them.
    let at = verdict
        .changes
        .iter()
        .position(|c| c.pool.is_some() || c.kind == Kind::Combined)
        .unwrap_or(verdict.changes.len());
    verdict
        .changes
        .splice(at..at, bucketchanges::bucket_effects(&old, &recorded, plan));
    Ok(Some(Compared {
        old_config,
        new_config,
        verdict,
        old,
    }))
}

/// What applying `manifests` (the render of `plan`) over the folder `dir` makes the operator and
/// MinIO do, change by change, when the folder already holds the Tenant. A Tenant or
/// configuration object the folder holds but cannot read back is an error.
pub(crate) fn folder_verdict(
    dir: &Path,
    plan: &crate::plan::Plan,
    manifests: &[post::Manifest],
) -> Result<Option<Verdict>, Failure> {
    let base = Baseline::Folder(dir, folder::Render::default());
    Ok(compare(base, plan, manifests)?.map(|c| c.verdict))
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

/// What applying the site file `text` (for `env`) over `base` does.
pub(crate) fn step_verdict(
    inputs: &Request,
    shared: &Shared,
    (path, text): (&Path, &str),
    env: Option<String>,
    base: Baseline<'_>,
) -> Result<Option<Compared>, Failure> {
    let edited = edited(shared, path, text)?;
    let plan = compile(&as_written(inputs, path), &edited, env)?.plan;
    let manifests = generated(&plan)?.manifests;
    compare(base, &plan, &manifests)
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
pub(crate) fn refused(
    scope: daytwo::Scope<'_>,
    verdict: &Verdict,
) -> Vec<crate::model::diag::Diagnostic> {
    crate::output::report::blocked_diagnostics(&scope.to_string(), verdict, None)
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
    Ok(folder::read_object(
        dir,
        &manifest,
        folder::Render::default(),
    )?)
}
