//! Argo CD's config-management-plugin contract, the application side: the parameters miniogen
//! accepts, announced from the site file's schema with what miniogen does when each is unset,
//! and the check that keeps a stream without the Tenant from reaching Argo CD, which would
//! prune it. Reading Argo CD's variables is `input::argocd`'s.

use serde_json::{Value, json};

use crate::check::decode;
use crate::check::schema::Kind;
use crate::input::argocd::{PARAMETERS, SET_TOOLTIP, Shape};
use crate::input::source::Document;
use crate::post::Manifest;

/// Refuses a stream without the Tenant: Argo CD prunes whatever the render leaves out, so with
/// `prune: true` a stream that lost the Tenant would delete it, and its data with it.
pub fn check_stream(manifests: &[Manifest]) -> Result<(), NoTenant> {
    if manifests.iter().any(|m| m.kind == "Tenant") {
        Ok(())
    } else {
        Err(NoTenant(manifests.len()))
    }
}

/// A stream of this many objects without the Tenant, which Argo CD must not apply.
#[derive(Debug, thiserror::Error)]
#[error("refusing to print {0} objects without the Tenant: Argo CD would prune the tenant")]
pub struct NoTenant(pub usize);

/// The parameters announcement that `plugin.yaml`'s dynamic command prints: every parameter,
/// with its title, its description from the site schema and, as its default, what miniogen uses
/// when it is unset: the site file's value (for environment `env` when given), else the
/// schema's default.
#[must_use]
pub fn announce(site: Option<&Document>, env: Option<&str>) -> Value {
    let schema: Value = serde_json::from_str(Kind::Site.committed()).unwrap_or(Value::Null);
    let effective = decode::effective_site(site, env)
        .or_else(|_| decode::effective_site(site, None))
        .unwrap_or(Value::Null);
    let environments = site.map(decode::environments).unwrap_or_default();
    let mut out = Vec::new();
    for p in &PARAMETERS {
        let mut entry = serde_json::Map::new();
        entry.insert("name".into(), json!(p.name));
        entry.insert("title".into(), json!(p.title));
        let (description, default) = match p.key {
            // The site file's `ccu` is documented for the command line; the parameter means
            // what `--ccu` means.
            Some(key) if p.name == "ccu" => (flag_help("ccu"), effective.pointer(key).cloned()),
            Some(key) => {
                let (description, default) = describe(&schema, key);
                (description, effective.pointer(key).cloned().or(default))
            }
            None if p.name == "env" => {
                if environments.is_empty() {
                    continue;
                }
                let (description, _) = describe(&schema, "/environments");
                let listed = format!(
                    "{} This site file describes: {}.",
                    description.unwrap_or_default(),
                    environments.join(", ")
                );
                (Some(listed), None)
            }
            None => (Some(SET_TOOLTIP.to_string()), None),
        };
        if let Some(description) = description {
            entry.insert(
                "tooltip".into(),
                json!(description.split_whitespace().collect::<Vec<_>>().join(" ")),
            );
        }
        // Without a value miniogen cannot render: no tier, or no environment chosen.
        let required = match p.name {
            "ccu" => default.is_none(),
            "env" => true,
            _ => false,
        };
        if required {
            entry.insert("required".into(), json!(true));
        }
        if p.shape == Shape::Array {
            entry.insert("collectionType".into(), json!("array"));
        }
        match default {
            Some(Value::String(s)) => {
                entry.insert("string".into(), json!(s));
            }
            Some(Value::Number(n)) => {
                entry.insert("string".into(), json!(n.to_string()));
            }
            _ => {}
        }
        out.push(Value::Object(entry));
    }
    Value::Array(out)
}

/// The help of a `miniogen gen` flag, as `--help` shows it.
fn flag_help(name: &str) -> Option<String> {
    use clap::CommandFactory as _;
    let command = crate::input::cli::Cli::command();
    let generate = command.find_subcommand("gen")?;
    let arg = generate
        .get_arguments()
        .find(|a| a.get_long() == Some(name))?;
    arg.get_help().map(ToString::to_string)
}

/// The description and default of a site key in the schema, following `$ref`s; a default is the
/// key's own or the one its parent's default gives it.
fn describe(schema: &Value, pointer: &str) -> (Option<String>, Option<Value>) {
    let mut node = schema;
    let mut default: Option<Value> = None;
    for segment in pointer.split('/').skip(1) {
        let Some(child) = crate::check::schema::resolve(schema, node)
            .get("properties")
            .and_then(|p| p.get(segment))
        else {
            return (None, None);
        };
        default = child
            .get("default")
            .cloned()
            .or_else(|| default.and_then(|d| d.get(segment).cloned()));
        node = child;
    }
    let description = node
        .get("description")
        .or_else(|| crate::check::schema::resolve(schema, node).get("description"))
        .and_then(|d| d.as_str().map(str::to_string));
    (description, default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::source::Source;

    fn site(text: &str) -> Document {
        Document::parse(Source {
            name: "miniogen.toml".into(),
            text: text.into(),
        })
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn a_stream_without_the_tenant_is_refused() {
        assert!(check_stream(&[]).is_err());
        let cm = Manifest {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: "x".into(),
            namespace: "n".into(),
            value: json!({}),
        };
        assert!(check_stream(std::slice::from_ref(&cm)).is_err());
        let tenant = Manifest {
            kind: "Tenant".into(),
            ..cm.clone()
        };
        assert!(check_stream(&[cm, tenant]).is_ok());
    }

    fn announced(a: &Value, name: &str) -> Value {
        a.as_array()
            .and_then(|l| l.iter().find(|p| p["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    }

    #[test]
    fn defaults_are_what_miniogen_does_when_unset() {
        let without = announce(None, None);
        assert_eq!(announced(&without, "namespace")["string"], "matrix");
        assert_eq!(announced(&without, "storage-class")["string"], "standard");
        assert_eq!(
            announced(&without, "secrets-mode")["string"],
            "external-secrets"
        );
        assert_eq!(announced(&without, "ccu")["required"], true);
        assert!(announced(&without, "ccu").get("string").is_none());
        assert_eq!(
            announced(&without, "env"),
            Value::Null,
            "no environments, no `env`"
        );
        assert_eq!(announced(&without, "set")["collectionType"], "array");

        let doc = site(
            "ccu = 1000\n[tenant]\nstorage_class = \"fast\"\n\
             [environments.prod]\nccu = 10000\nnamespace = \"prod\"\n[environments.dev]\n",
        );
        let shared = announce(Some(&doc), None);
        assert_eq!(announced(&shared, "ccu")["string"], "1000");
        assert!(announced(&shared, "ccu").get("required").is_none());
        assert_eq!(announced(&shared, "storage-class")["string"], "fast");
        assert_eq!(announced(&shared, "namespace")["string"], "matrix");
        let env = announced(&shared, "env");
        assert_eq!(env["required"], true);
        assert!(
            env["tooltip"]
                .as_str()
                .is_some_and(|t| t.ends_with("describes: dev, prod.")),
            "{env}"
        );
        let prod = announce(Some(&doc), Some("prod"));
        assert_eq!(announced(&prod, "ccu")["string"], "10000");
        assert_eq!(announced(&prod, "namespace")["string"], "prod");
        // An unknown environment falls back to the shared settings.
        assert_eq!(announce(Some(&doc), Some("nope")), shared);
    }

    #[test]
    fn every_parameter_is_the_gen_flag_of_its_name() {
        for p in &PARAMETERS {
            assert!(flag_help(p.name).is_some(), "`gen` has no `--{}`", p.name);
        }
    }

    #[test]
    fn tooltips_come_from_the_schema() {
        let a = announce(None, None);
        let schema: Value = serde_json::from_str(Kind::Site.committed()).unwrap_or_default();
        let storage =
            schema["$defs"]["TenantSettings"]["properties"]["storage_class"]["description"]
                .as_str()
                .unwrap_or_default();
        assert!(!storage.is_empty());
        assert_eq!(announced(&a, "storage-class")["tooltip"], storage);
        assert!(
            announced(&a, "secrets-mode")["tooltip"]
                .as_str()
                .is_some_and(|t| t.contains("`vault-placeholders`"))
        );
        for p in a.as_array().into_iter().flatten() {
            assert!(
                p["tooltip"].as_str().is_some_and(|t| !t.contains('\n')),
                "{p}"
            );
            assert!(p["title"].is_string(), "{p}");
        }
    }
}
