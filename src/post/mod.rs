//! Parsing rendered templates back into Kubernetes objects, checking them, and ordering them.
//!
//! Every document is read back by `readback`, which refuses YAML that readers disagree on, so a
//! template can only produce values every reader sees alike. Objects must name their apiVersion, kind, name
//! and namespace, and no two may share kind, namespace and name. The order is kustomize's legacy
//! order (namespaces and config before workloads), so `kubectl kustomize` of an output folder
//! lists objects as the stream does. `crosscheck` then proves every consumer reference resolves.

pub mod crosscheck;

use std::collections::BTreeSet;

use serde_json::Value;
use thiserror::Error;

use crate::render::readback;
use crate::render::{Rendered, RenderedFragment};

/// kustomize's `orderFirst` (api/resid/gvk.go): these kinds come first, in this order.
const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// kustomize's `orderLast`: these kinds come after every other.
const ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The most data one ConfigMap or Secret may hold: `ValidateConfigMap` and `ValidateSecret`
/// (kubernetes `pkg/apis/core/validation/validation.go`) refuse more than `MaxSecretSize`, 1 MiB,
/// summed over the values (a Secret's `stringData` is merged into `data` first).
pub const MAX_DATA_BYTES: usize = 1 << 20;

/// The largest object the API server can store with etcd's default `--max-request-bytes`
/// (1.5 MiB): a larger one is refused as "request is too large".
pub const MAX_OBJECT_BYTES: usize = 3 << 19;

/// An object Kubernetes would refuse for its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversized {
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// What is too large: its data, or the whole object.
    pub what: &'static str,
    /// Its size in bytes.
    pub bytes: usize,
    /// The limit.
    pub limit: usize,
}

/// The objects Kubernetes would refuse for their size: writing them would give a folder that
/// neither the cluster nor the next `gen` takes.
#[must_use]
pub fn oversized(manifests: &[Manifest]) -> Vec<Oversized> {
    let strings = |v: Option<&Value>| -> usize {
        v.and_then(Value::as_object).map_or(0, |m| {
            m.values().filter_map(Value::as_str).map(str::len).sum()
        })
    };
    // Base64 values count as the bytes they decode to.
    let decoded = |v: Option<&Value>| -> usize {
        v.and_then(Value::as_object).map_or(0, |m| {
            m.values()
                .filter_map(Value::as_str)
                .map(|s| s.trim_end_matches('=').len() * 3 / 4)
                .sum()
        })
    };
    let mut out = Vec::new();
    for m in manifests {
        let data = match m.kind.as_str() {
            "ConfigMap" => strings(m.value.get("data")) + decoded(m.value.get("binaryData")),
            "Secret" => decoded(m.value.get("data")) + strings(m.value.get("stringData")),
            _ => 0,
        };
        let whole = json_len(&m.value);
        let (what, bytes, limit) = if data > MAX_DATA_BYTES {
            ("data", data, MAX_DATA_BYTES)
        } else if whole > MAX_OBJECT_BYTES {
            ("object", whole, MAX_OBJECT_BYTES)
        } else {
            continue;
        };
        out.push(Oversized {
            kind: m.kind.clone(),
            name: m.name.clone(),
            what,
            bytes,
            limit,
        });
    }
    out
}

/// The length of `value` written as compact JSON, as the API server stores it, counted without
/// building the text.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_or(0, |()| count.0)
}

/// One Kubernetes object, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// The whole object.
    pub value: Value,
}

/// A rendered template that is not a valid object: a bug in miniogen, never the user's input.
#[derive(Debug, Error)]
#[error("template `{template}` produced an invalid object: {message}")]
pub struct PostError {
    /// The template.
    pub template: String,
    /// What is wrong.
    pub message: String,
}

/// Parses, checks and orders the rendered documents.
pub fn assemble(rendered: &[Rendered]) -> Result<Vec<Manifest>, PostError> {
    let mut manifests = Vec::new();
    let mut seen = BTreeSet::new();
    for r in rendered {
        let fail = |message: String| PostError {
            template: r.template.into(),
            message,
        };
        let docs = readback::documents(&r.text).map_err(fail)?;
        for value in docs {
            if value.is_null() {
                continue;
            }
            let field = |pointer: &str| {
                value
                    .pointer(pointer)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| fail(format!("`{pointer}` is missing or not a string")))
            };
            let manifest = Manifest {
                api_version: field("/apiVersion")?,
                kind: field("/kind")?,
                name: field("/metadata/name")?,
                namespace: field("/metadata/namespace")?,
                value,
            };
            let id = (
                manifest.kind.clone(),
                manifest.namespace.clone(),
                manifest.name.clone(),
            );
            if !seen.insert(id) {
                return Err(fail(format!(
                    "{} `{}` is generated twice",
                    manifest.kind, manifest.name
                )));
            }
            manifests.push(manifest);
        }
    }
    manifests.sort_by_cached_key(sort_key);
    Ok(manifests)
}

/// A consumer fragment, read back: a YAML mapping a consumer merges into its own configuration.
/// Never a Kubernetes object, never in the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    /// Its file name inside the fragment folder.
    pub file: &'static str,
    /// Where it goes.
    pub purpose: &'static str,
    /// Its content.
    pub value: Value,
}

/// Parses each rendered fragment back; each must be one mapping without `kind`, so that no
/// tool can take it for an object to apply.
pub fn fragments(rendered: &[RenderedFragment]) -> Result<Vec<Fragment>, PostError> {
    rendered
        .iter()
        .map(|r| {
            let fail = |message: String| PostError {
                template: r.file.into(),
                message,
            };
            let docs = readback::documents(&r.text).map_err(fail)?;
            let [value] = <[Value; 1]>::try_from(docs)
                .map_err(|_| fail("a fragment must be one YAML document".into()))?;
            if !value.is_object() || value.get("kind").is_some() {
                return Err(fail(
                    "a fragment must be a mapping that is not an object".into(),
                ));
            }
            Ok(Fragment {
                file: r.file,
                purpose: r.purpose,
                value,
            })
        })
        .collect()
}

fn sort_key(m: &Manifest) -> (usize, String, String, String) {
    let rank = ORDER_FIRST
        .iter()
        .position(|k| *k == m.kind)
        .or_else(|| {
            ORDER_LAST
                .iter()
                .position(|k| *k == m.kind)
                .map(|i| ORDER_FIRST.len() + 1 + i)
        })
        .unwrap_or(ORDER_FIRST.len());
    let (group, version) = m
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", &m.api_version));
    (
        rank,
        format!("{group}_{version}_{}", m.kind),
        m.namespace.clone(),
        m.name.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counted_length_is_the_written_length() {
        let values = [
            serde_json::json!(null),
            serde_json::json!({"a": "é\n\"x\"", "b": [1, 2.5, true], "c": {"d": "\u{202e}"}}),
            serde_json::json!("x".repeat(10_000)),
        ];
        for v in values {
            assert_eq!(
                json_len(&v),
                serde_json::to_string(&v).map_or(0, |t| t.len()),
                "{v}"
            );
        }
    }

    fn assemble_plain(rendered: &[Rendered]) -> Result<Vec<Manifest>, PostError> {
        assemble(rendered)
    }

    fn rendered(text: &str) -> Vec<Rendered> {
        vec![Rendered {
            template: "t",
            text: text.into(),
        }]
    }

    #[test]
    fn orders_like_kustomize() {
        let doc = |kind: &str, api: &str, name: &str| {
            format!(
                "---\napiVersion: {api}\nkind: {kind}\nmetadata: {{name: {name}, namespace: ns}}\n"
            )
        };
        let text = [
            doc("Tenant", "minio.min.io/v2", "t"),
            doc("PodDisruptionBudget", "policy/v1", "p"),
            doc("Secret", "v1", "b"),
            doc("Secret", "v1", "a"),
            doc("ServiceMonitor", "monitoring.coreos.com/v1", "m"),
            doc("ConfigMap", "v1", "c"),
            doc("CronJob", "batch/v1", "j"),
        ]
        .concat();
        let kinds: Vec<String> = assemble(&rendered(&text))
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|m| format!("{}/{}", m.kind, m.name))
            .collect();
        assert_eq!(
            kinds,
            [
                "ConfigMap/c",
                "Secret/a",
                "Secret/b",
                "CronJob/j",
                "PodDisruptionBudget/p",
                "Tenant/t",
                "ServiceMonitor/m"
            ]
        );
    }

    #[test]
    fn refuses_incomplete_or_duplicate_objects() {
        assert!(
            assemble_plain(&rendered(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n"
            ))
            .is_err()
        );
        let twice = "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: n}\n---\n\
                     apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: n}\n";
        assert!(assemble_plain(&rendered(twice)).is_err());
        assert!(assemble_plain(&rendered("")).is_ok_and(|m| m.is_empty()));
    }
}
