//! Expanding the plan through the minijinja templates in `templates/`.
//!
//! YAML templates auto-escape every value as JSON, which YAML reads as a quoted scalar or a flow
//! collection, so no input string can end a scalar, open a document or inject a key. Template
//! syntax inside values is never evaluated: values are data, not template source. Undefined
//! variables are errors. File-content templates (`config.env`, `rclone.conf`) are rendered first,
//! through filters that refuse characters their formats cannot carry, and enter the YAML
//! templates as plain strings. Credential values enter only through the `credential()`
//! function, from `credentials::Values`, and only while rendering. `readback` reads what the
//! templates wrote back into values, for `post` and for the Synapse configuration file.

pub mod readback;

use std::sync::{Arc, OnceLock};

use minijinja::value::{Object, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};
use thiserror::Error as ThisError;

use crate::model::credentials::CredentialRef;
use crate::model::credentials::{self, MasterKey, Values};
use crate::model::spec::SecretsMode;
use crate::plan::Plan;

/// Templates that each produce one or more Kubernetes documents.
const MANIFESTS: [(&str, &str); 10] = [
    (
        "secrets.yaml.j2",
        include_str!("../../templates/secrets.yaml.j2"),
    ),
    (
        "externalsecrets.yaml.j2",
        include_str!("../../templates/externalsecrets.yaml.j2"),
    ),
    (
        "tenant.yaml.j2",
        include_str!("../../templates/tenant.yaml.j2"),
    ),
    (
        "poddisruptionbudget.yaml.j2",
        include_str!("../../templates/poddisruptionbudget.yaml.j2"),
    ),
    (
        "monitoring.yaml.j2",
        include_str!("../../templates/monitoring.yaml.j2"),
    ),
    (
        "rclone.yaml.j2",
        include_str!("../../templates/rclone.yaml.j2"),
    ),
    ("iam.yaml.j2", include_str!("../../templates/iam.yaml.j2")),
    (
        "watch.yaml.j2",
        include_str!("../../templates/watch.yaml.j2"),
    ),
    (
        "verify.yaml.j2",
        include_str!("../../templates/verify.yaml.j2"),
    ),
    (
        "consumers.yaml.j2",
        include_str!("../../templates/consumers.yaml.j2"),
    ),
];

/// Templates of the consumer fragments, files written beside the manifests (see `outputs`).
const FRAGMENTS: [(&str, &str); 4] = [
    (
        "synapse-media-storage.yaml.j2",
        include_str!("../../templates/consumers/synapse-media-storage.yaml.j2"),
    ),
    (
        "synapse-pod.yaml.j2",
        include_str!("../../templates/consumers/synapse-pod.yaml.j2"),
    ),
    (
        "cnpg-plugin.yaml.j2",
        include_str!("../../templates/consumers/cnpg-plugin.yaml.j2"),
    ),
    (
        "cnpg-barman-object-store.yaml.j2",
        include_str!("../../templates/consumers/cnpg-barman-object-store.yaml.j2"),
    ),
];

/// A consumer fragment's text.
#[derive(Debug, Clone)]
pub struct RenderedFragment {
    /// Its file name inside the fragment folder.
    pub file: &'static str,
    /// Where it goes, for the comment that opens it.
    pub purpose: &'static str,
    /// Its YAML.
    pub text: String,
}

/// Templates that produce the text of a file carried inside a manifest.
const FILES: [(&str, &str); 2] = [
    (
        "config.env.j2",
        include_str!("../../templates/config.env.j2"),
    ),
    (
        "rclone.conf.j2",
        include_str!("../../templates/rclone.conf.j2"),
    ),
];

/// A template's output.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The template it came from.
    pub template: &'static str,
    /// Zero or more YAML documents.
    pub text: String,
}

/// A template failed; this is a bug in miniogen or a value the rules should have refused.
#[derive(Debug, ThisError)]
#[error("template `{template}` failed: {message}")]
pub struct RenderError {
    /// The template.
    pub template: String,
    /// What went wrong.
    pub message: String,
}

/// The name under which a render's credential values reach `credential()` and
/// `template_literal`: an opaque object, not data a template could print.
const VALUES: &str = "__miniogen_values";

/// One render's credential values, as a template object.
#[derive(Debug)]
struct ValuesObject(Values);

impl Object for ValuesObject {}

/// The credential values of the render `state` belongs to.
fn values(state: &State<'_, '_>) -> Result<Arc<ValuesObject>, Error> {
    state
        .lookup(VALUES)
        .and_then(|v| v.downcast_object::<ValuesObject>())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                "no credential values to render with",
            )
        })
}

/// The template environment, made once per process on first use, each template compiled on
/// its first render: a fleet renders the same templates once per environment. What differs between renders (the credential values) comes in through
/// the render's context, under `VALUES`.
fn environment() -> Result<&'static Environment<'static>, RenderError> {
    static ENVIRONMENT: OnceLock<Result<Environment<'static>, RenderError>> = OnceLock::new();
    ENVIRONMENT
        .get_or_init(compile_templates)
        .as_ref()
        .map_err(|e| RenderError {
            template: e.template.clone(),
            message: e.message.clone(),
        })
}

fn compile_templates() -> Result<Environment<'static>, RenderError> {
    // Only miniogen's own filters and function below: the templates use no built-in one (the
    // crate is built without them), so registering them would be start-up work for nothing.
    let mut env = Environment::empty();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| RenderError {
            template: "(syntax)".into(),
            message: e.to_string(),
        })?;
    env.set_syntax(syntax);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".yaml.j2") {
            AutoEscape::Json
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("component", component);
    env.add_filter("env_value", env_value);
    env.add_filter("ini_value", ini_value);
    env.add_filter("template_literal", |state: &State<'_, '_>, text: &str| {
        Ok::<_, Error>(if values(state)?.0.mode == SecretsMode::ExternalSecrets {
            credentials::go_template_literal(text)
        } else {
            text.to_string()
        })
    });
    env.add_function("credential", |state: &State<'_, '_>, reference: &Value| {
        credential(&values(state)?.0, reference)
    });
    // Each template is compiled the first time a render asks for it, so a command compiles only
    // what it renders (no fragment template without a consumer output, for instance).
    env.set_loader(|name| {
        Ok(MANIFESTS
            .iter()
            .chain(FILES.iter())
            .chain(FRAGMENTS.iter())
            .find(|(known, _)| *known == name)
            .map(|(_, source)| (*source).to_string()))
    });
    Ok(env)
}

/// The common labels plus `app.kubernetes.io/component`.
fn component(labels: &Value, name: &str) -> Result<Value, Error> {
    let mut map: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
    for key in labels.try_iter()? {
        let value = labels.get_item(&key)?;
        map.insert(key.to_string(), value);
    }
    map.insert("app.kubernetes.io/component".into(), Value::from(name));
    Ok(Value::from(map))
}

/// The value of a credential reference from the plan. Credentials enter only here, at the last
/// moment, so that the plan (and `miniogen plan --format json`) never holds one.
fn credential(values: &Values, reference: &Value) -> Result<String, Error> {
    let reference =
        <CredentialRef as serde::Deserialize>::deserialize(reference.clone()).map_err(|e| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("not a credential reference: {e}"),
            )
        })?;
    values
        .value(&reference)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
}

/// A `config.env` value. MinIO strips the quotes but does no unescaping, so a value that would
/// need escaping cannot be written faithfully and is refused.
fn env_value(value: &str) -> Result<String, Error> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() || matches!(c, '"' | '\\' | '$' | '`'))
    {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("a config.env value contains {c:?}, which MinIO cannot read back"),
        ));
    }
    Ok(value.to_string())
}

/// An `rclone.conf` value: one line, no section brackets at the start.
fn ini_value(value: &str) -> Result<String, Error> {
    if value.chars().any(char::is_control) || value.starts_with(['[', ';', '#']) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{value:?} cannot be written as an rclone.conf value"),
        ));
    }
    Ok(value.to_string())
}

/// What every template renders against: the plan, and the credential values of its tenant
/// (from `key`, the master key of `derived` mode, which no other mode reads).
fn context(plan: &Plan, key: Option<&MasterKey>) -> Value {
    let values = Values {
        mode: plan.secrets.mode,
        key: key.cloned().map(Arc::new),
        namespace: plan.namespace.clone(),
        tenant: plan.tenant.name.clone(),
        rotation: plan.secrets.rotation,
        vault_path_prefix: plan.secrets.vault_path_prefix.clone(),
    };
    minijinja::context! {
        __miniogen_values => Value::from_object(ValuesObject(values)),
        ..Value::from(minijinja::value::Serde(plan))
    }
}

/// Renders every manifest template against the plan; `key` is the master key of `derived`
/// mode, which no other mode reads.
pub fn render(plan: &Plan, key: Option<&MasterKey>) -> Result<Vec<Rendered>, RenderError> {
    let env = environment()?;
    let failed = |template: &str| {
        let template = template.to_string();
        move |e: Error| RenderError {
            template: template.clone(),
            message: format!("{e:#}"),
        }
    };
    let base = context(plan, key);
    let file = |name: &str| -> Result<String, RenderError> {
        env.get_template(name)
            .and_then(|t| t.render(&base))
            .map_err(failed(name))
    };
    let config_env_text = if plan.secrets.emits_secrets || plan.secrets.emits_external_secrets {
        file("config.env.j2")?
    } else {
        String::new()
    };
    let rclone_conf_text = if plan.rclone.is_some() {
        file("rclone.conf.j2")?
    } else {
        String::new()
    };
    let synapse_config_text = if plan.outputs.synapse.is_some() {
        // Written out again by the YAML writer, so that the mounted file reads as the fragment
        // file does, not as the escaped template output.
        let text = file("synapse-media-storage.yaml.j2")?;
        crate::render::readback::documents(&text)
            .ok()
            .and_then(|docs| <[serde_json::Value; 1]>::try_from(docs).ok())
            .and_then(|[v]| serde_saphyr::to_string(&v).ok())
            .ok_or_else(|| RenderError {
                template: "synapse-media-storage.yaml.j2".into(),
                message: "does not read back as YAML".into(),
            })?
    } else {
        String::new()
    };
    let dashboard_json = plan
        .watch
        .as_ref()
        .and_then(|w| w.dashboard.as_ref())
        .map(crate::plan::watch::grafana)
        .unwrap_or_default();
    let verify_script = if plan.verify.is_some() {
        crate::plan::verify::SCRIPT
    } else {
        ""
    };
    let ctx = minijinja::context! {
        config_env_text,
        rclone_conf_text,
        synapse_config_text,
        dashboard_json,
        verify_script,
        ..base
    };
    MANIFESTS
        .iter()
        .map(|(name, _)| {
            let text = env
                .get_template(name)
                .and_then(|t| t.render(&ctx))
                .map_err(failed(name))?;
            Ok(Rendered {
                template: name,
                text,
            })
        })
        .collect()
}

/// Renders the consumer fragments the plan lists. They hold Secret references, never a
/// credential, so no secrets mode changes them.
pub fn fragments(plan: &Plan) -> Result<Vec<RenderedFragment>, RenderError> {
    let env = environment()?;
    let base = context(plan, None);
    plan.outputs
        .fragments
        .iter()
        .map(|f| {
            let text = env
                .get_template(f.template)
                .and_then(|t| t.render(&base))
                .map_err(|e| RenderError {
                    template: f.template.into(),
                    message: format!("{e:#}"),
                })?;
            Ok(RenderedFragment {
                file: f.file,
                purpose: f.purpose,
                text,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Templates compile on first use: this is where a syntax error in one shows up, whether or
    /// not a test renders it.
    #[test]
    fn every_template_compiles() {
        let env = environment().unwrap_or_else(|e| panic!("{e}"));
        for (name, _) in MANIFESTS.iter().chain(FILES.iter()).chain(FRAGMENTS.iter()) {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
        assert!(env.get_template("missing.yaml.j2").is_err());
    }

    #[test]
    fn env_values_that_need_escaping_are_refused() {
        assert!(env_value("EC:4").is_ok());
        for bad in ["a\"b", "a$b", "a\\b", "a\nb", "`x`"] {
            assert!(env_value(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ini_values_stay_on_one_line() {
        assert!(ini_value("https://minio.matrix.svc.cluster.local").is_ok());
        assert!(ini_value("x\n[evil]").is_err());
        assert!(ini_value("[evil]").is_err());
    }

    /// User strings reach the templates as data: whatever they hold, the YAML read back holds
    /// exactly the same string, and template syntax inside them is never evaluated.
    #[test]
    fn hostile_strings_round_trip_exactly() {
        use crate::check::decode::{Inputs, decode};
        let inputs = Inputs::for_test(2, None, &[]);
        let spec = decode(&inputs).unwrap_or_else(|e| panic!("{e:?}"));
        let hostile = [
            "a\"b\nc",
            "---\nkind: Evil",
            "{{ 7 * 7 }}",
            "{% raw %}x",
            "key: value",
            "&anchor *alias",
            "on",
            "12:30",
            "- item",
            "# comment",
            "'single' \"double\" `tick` \\ back",
            "\u{2028}line\u{85}sep\t",
        ];
        for text in hostile {
            let mut plan = crate::plan::plan(&spec);
            plan.namespace = text.to_string();
            plan.tenant.image = text.to_string();
            let rendered = render(&plan, None).unwrap_or_else(|e| panic!("{e}"));
            let manifests =
                crate::post::assemble(&rendered).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let tenant = manifests.iter().find(|m| m.kind == "Tenant");
            let tenant = tenant.unwrap_or_else(|| panic!("{text:?}: no Tenant"));
            assert_eq!(tenant.namespace, text);
            assert_eq!(tenant.value["spec"]["image"], text);
            for m in &manifests {
                assert_eq!(m.namespace, text, "{} {}", m.kind, m.name);
            }
            // No PodDisruptionBudget: the operator writes the 4-server pool's own. The
            // PrometheusRule, the dashboard and the verification Job's four objects are there,
            // and the bucket settings job brings its ServiceAccount, PolicyBinding and MinIOJob.
            assert_eq!(manifests.len(), 21, "{text:?} added or removed objects");
            let stream = crate::output::sink::stream(&manifests).unwrap_or_else(|e| panic!("{e}"));
            let back: Vec<serde_json::Value> =
                serde_saphyr::from_multiple(&stream).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let written: Vec<&serde_json::Value> = manifests.iter().map(|m| &m.value).collect();
            assert_eq!(back.iter().collect::<Vec<_>>(), written, "{text:?}");
        }
    }
}
