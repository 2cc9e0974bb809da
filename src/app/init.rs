//! `miniogen init`: a starter site file, written from the site schema itself, so that it shows
//! every key with its documentation and default and cannot fall behind the schema.
//!
//! Settings are commented out (`# key = value`), except `ccu`: uncommenting one gives that key its
//! shown value, which is the default, or for keys without one an example that renders. A table
//! whose keys all have defaults keeps its header (`[tenant]`), so that uncommenting one key is
//! enough; a table that must be filled in whole (`[admin]`) is commented out with its header.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::check::schema;

/// The widest line written.
const WIDTH: usize = 99;

/// Examples for keys that have no default, by dotted path (`*` for any map entry): each renders
/// when uncommented, together with every other.
const EXAMPLES: &[(&str, &str)] = &[
    ("sizing.servers", "8"),
    ("sizing.volumes_per_server", "4"),
    ("sizing.volume_size", "\"1Ti\""),
    ("sizing.parity", "4"),
    ("sizing.api_requests_max", "1600"),
    ("sizing.resources.requests.cpu", "\"4\""),
    ("sizing.resources.requests.memory", "\"16Gi\""),
    ("sizing.resources.limits.cpu", "\"8\""),
    ("sizing.resources.limits.memory", "\"32Gi\""),
    ("pools.name", "\"pool-1\""),
    ("pools.servers", "4"),
    ("pools.volumes_per_server", "4"),
    ("pools.volume_size", "\"1Ti\""),
    ("pools.storage_class", "\"standard\""),
    ("pools.decommissioned", "false"),
    ("tenant.certificate_secret", "\"minio-tls-certificate\""),
    ("tenant.ca.kind", "\"Secret\""),
    ("tenant.ca.name", "\"minio-ca-issuer\""),
    ("tenant.ca.key", "\"ca.crt\""),
    ("buckets.region", "\"us-east-1\""),
    ("buckets.quota", "\"1Ti\""),
    ("users.synapse.access_key", "\"synapse\""),
    ("users.synapse.secret", "\"minio-user\""),
    ("users.synapse.bucket", "\"synapse-media\""),
    ("users.cnpg.access_key", "\"cnpg\""),
    ("users.cnpg.secret", "\"minio-credentials\""),
    ("users.cnpg.bucket", "\"postgresql-backups\""),
    ("users.rclone.access_key", "\"rclone-li-sync\""),
    ("users.rclone.secret", "\"minio-rclone-credentials\""),
    ("consumers.*.access_key", "\"loki\""),
    ("consumers.*.secret", "\"minio-loki-credentials\""),
    (
        "consumers.*.buckets",
        "{ loki-chunks = \"read-write-delete\" }",
    ),
    (
        "consumers.*.remote_key.key",
        "\"minio/matrix-minio/minio-loki-credentials\"",
    ),
    ("consumers.*.remote_key.property", "\"CONSOLE_SECRET_KEY\""),
    ("admin.access_key", "\"console-admin\""),
    ("admin.secret", "\"minio-console-admin\""),
    (
        "prometheus.labels",
        "{ release = \"kube-prometheus-stack\" }",
    ),
    ("prometheus.bearer_token_secret", "\"minio-metrics-token\""),
    (
        "audit.webhook_endpoint",
        "\"http://audit.example:8080/webhook\"",
    ),
    (
        "secrets.remote_keys.root.key",
        "\"minio/matrix-minio/minio-config\"",
    ),
    (
        "secrets.remote_keys.root.property",
        "\"MINIO_ROOT_PASSWORD\"",
    ),
    (
        "secrets.remote_keys.synapse.key",
        "\"minio/matrix-minio/minio-user\"",
    ),
    (
        "secrets.remote_keys.synapse.property",
        "\"CONSOLE_SECRET_KEY\"",
    ),
    (
        "secrets.remote_keys.cnpg.key",
        "\"minio/matrix-minio/minio-credentials\"",
    ),
    (
        "secrets.remote_keys.cnpg.property",
        "\"CONSOLE_SECRET_KEY\"",
    ),
    (
        "secrets.remote_keys.rclone.key",
        "\"minio/matrix-minio/minio-rclone-credentials\"",
    ),
    (
        "secrets.remote_keys.rclone.property",
        "\"CONSOLE_SECRET_KEY\"",
    ),
    (
        "secrets.remote_keys.admin.key",
        "\"minio/matrix-minio/minio-console-admin\"",
    ),
    (
        "secrets.remote_keys.admin.property",
        "\"CONSOLE_SECRET_KEY\"",
    ),
    (
        "secrets.remote_keys.metrics_token.key",
        "\"minio/matrix-minio/minio-metrics-token\"",
    ),
    ("secrets.remote_keys.metrics_token.property", "\"token\""),
];

/// The example entry of each map of tables, and what the entry shows.
/// Bucket keys shown only on the entries whose role sets them.
const ONLY_WHERE_SET: [&str; 2] = ["retention", "noncurrent_days"];

const MAP_EXAMPLES: &[(&str, &str)] = &[("consumers", "loki"), ("environments", "staging")];

/// An extra example entry after a list's defaults: a bucket of the site's own (the consumer
/// example uses it).
const EXTRA_BUCKET: &str = "loki-chunks";

/// The starter site file for a tenant of `ccu` concurrent users.
#[must_use]
pub fn site_file(ccu: u32) -> String {
    let schema: Value = serde_json::from_str(schema::Kind::Site.committed()).unwrap_or_default();
    let mut w = Writer {
        defs: schema.get("$defs").cloned().unwrap_or_default(),
        out: String::new(),
    };
    w.out.push_str(
        "# miniogen site file, written by `miniogen init`. Every key is optional: a commented-out \
         key\n# shows its default (or, where it has none, an example), so uncomment what differs \
         at your\n# site. `miniogen plan` shows what these settings give, `miniogen schema` the \
         whole schema;\n# point your editor's TOML language server at \
         `schema/site.schema.json` for completion.\n",
    );
    w.table(&schema, &[], None, false, ccu);
    w.out
}

struct Writer {
    defs: Value,
    out: String,
}

impl Writer {
    /// Follows a `$ref` into `$defs`, keeping the referring node's description and default.
    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        node.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|name| self.defs.get(name))
            .unwrap_or(node)
    }

    fn doc(&mut self, node: &Value, resolved: &Value) {
        let text = node
            .get("description")
            .or_else(|| resolved.get("description"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // Words, with a span in backticks kept whole, so that a value is never split.
        let mut words: Vec<String> = Vec::new();
        let mut open = false;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            match words.last_mut() {
                Some(last) if open => {
                    last.push(' ');
                    last.push_str(word);
                }
                _ => words.push(word.to_string()),
            }
            if word.matches('`').count() % 2 == 1 {
                open = !open;
            }
        }
        let mut line = String::from("#");
        for word in &words {
            if line.len() + 1 + word.len() > WIDTH && line.len() > 1 {
                let _ = writeln!(self.out, "{line}");
                line = String::from("#");
            }
            line.push(' ');
            line.push_str(word);
        }
        if line.len() > 1 {
            let _ = writeln!(self.out, "{line}");
        }
    }

    /// The keys of one table: values first, then its sub-tables, as TOML requires.
    fn table(
        &mut self,
        schema: &Value,
        path: &[String],
        default: Option<&Value>,
        commented: bool,
        ccu: u32,
    ) {
        let resolved = self.resolve(schema).clone();
        let Some(properties) = resolved.get("properties").and_then(Value::as_object) else {
            return;
        };
        let mut tables = Vec::new();
        for (key, node) in properties {
            let inner = self.resolve(node).clone();
            let here: Vec<String> = path.iter().cloned().chain([key.clone()]).collect();
            let own_default = node
                .get("default")
                .or_else(|| default.and_then(|d| d.get(key)));
            let is_table = inner.get("properties").is_some();
            let is_list_of_tables = inner.get("type") == Some(&Value::from("array"))
                && inner
                    .get("items")
                    .is_some_and(|i| self.resolve(i).get("properties").is_some());
            let is_map_of_tables = inner
                .get("additionalProperties")
                .is_some_and(|a| a.get("$ref").is_some())
                && MAP_EXAMPLES.iter().any(|(m, _)| here.join(".") == *m);
            if is_table || is_list_of_tables || is_map_of_tables {
                tables.push((key.clone(), node.clone(), own_default.cloned()));
                continue;
            }
            let _ = writeln!(self.out);
            self.doc(node, &inner);
            if path.is_empty() && key == "ccu" {
                let _ = writeln!(self.out, "ccu = {ccu}");
                continue;
            }
            let value = own_default
                .filter(|v| !v.is_null())
                .map(inline)
                .or_else(|| example(&here).map(str::to_string))
                .unwrap_or_else(|| {
                    panic!("`{}` has neither a default nor an example", here.join("."))
                });
            let _ = writeln!(self.out, "# {key} = {value}");
        }
        for (key, node, own_default) in tables {
            let here: Vec<String> = path.iter().cloned().chain([key.clone()]).collect();
            let inner = self.resolve(&node).clone();
            let _ = writeln!(self.out);
            self.doc(&node, &inner);
            if inner.get("type") == Some(&Value::from("array")) {
                self.list(&here, &inner, own_default.as_ref());
            } else if inner.get("properties").is_none() {
                self.map(&here, &inner, ccu);
            } else {
                let required = inner
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|r| !r.is_empty());
                let hide = commented || required || own_default.is_none();
                let header = format!("[{}]", here.join("."));
                let _ = writeln!(self.out, "{}{header}", if hide { "# " } else { "" });
                self.table(&node, &here, own_default.as_ref(), hide, ccu);
            }
        }
    }

    /// A list of tables: each default entry, commented out, or one example entry.
    fn list(&mut self, path: &[String], schema: &Value, default: Option<&Value>) {
        let items = schema.get("items").cloned().unwrap_or_default();
        let name = path.join(".");
        let mut entries: Vec<Value> = default
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if name == "buckets" {
            let _ = writeln!(
                self.out,
                "# A `[[buckets]]` list replaces the defaults below: list every bucket you want."
            );
            entries.push(serde_json::json!({"name": EXTRA_BUCKET}));
            // A bucket's settings default by its role: show each entry's own.
            let mut site = crate::model::spec::Site::default();
            site.buckets
                .push(crate::model::spec::Bucket::named(EXTRA_BUCKET));
            for (entry, b) in entries.iter_mut().zip(crate::plan::buckets::buckets(&site)) {
                if let Some(map) = entry.as_object_mut() {
                    map.insert("object_lock".into(), b.object_lock.into());
                    map.insert("versioning".into(), b.versioning.into());
                    if let Some(r) = b.retention {
                        map.insert(
                            "retention".into(),
                            serde_json::json!({"mode": r.mode.name(), "days": r.days}),
                        );
                    }
                    if let Some(days) = b.noncurrent_days {
                        map.insert("noncurrent_days".into(), days.into());
                    }
                    map.insert("churn_percent".into(), b.churn_percent.into());
                }
            }
        }
        if entries.is_empty() {
            entries.push(Value::Object(Map::new()));
        }
        for (i, entry) in entries.iter().enumerate() {
            let _ = writeln!(self.out, "# [[{name}]]");
            let item = self.resolve(&items).clone();
            let Some(properties) = item.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (key, node) in properties {
                let here: Vec<String> = path.iter().cloned().chain([key.clone()]).collect();
                // Documentation once, on the first entry.
                if i == 0 {
                    let inner = self.resolve(node).clone();
                    self.doc(node, &inner);
                }
                // A bucket's retention and lifecycle hold only for a locked or versioned one:
                // shown where the bucket's role gives them, not as an example elsewhere.
                if name == "buckets"
                    && ONLY_WHERE_SET.contains(&key.as_str())
                    && entry.get(key).is_none()
                {
                    continue;
                }
                let value = entry
                    .get(key)
                    .or_else(|| node.get("default"))
                    .map(inline)
                    .or_else(|| example(&here).map(str::to_string))
                    .unwrap_or_else(|| panic!("`{}` has no example", here.join(".")));
                let _ = writeln!(self.out, "# {key} = {value}");
            }
        }
    }

    /// A map of tables (`[consumers.<name>]`, `[environments.<name>]`): one example entry.
    fn map(&mut self, path: &[String], schema: &Value, ccu: u32) {
        let name = path.join(".");
        let entry = MAP_EXAMPLES
            .iter()
            .find(|(m, _)| *m == name)
            .map_or("example", |(_, e)| e);
        let _ = writeln!(self.out, "# [{name}.{entry}]");
        if name == "environments" {
            let _ = writeln!(
                self.out,
                "# Any key above, for this environment only, such as:\n# ccu = {ccu}\n# namespace = \"matrix-{entry}\""
            );
            return;
        }
        let item = schema
            .get("additionalProperties")
            .cloned()
            .unwrap_or_default();
        let wildcard: Vec<String> = path.iter().cloned().chain(["*".to_string()]).collect();
        self.table(&item, &wildcard, None, true, ccu);
        // The table above wrote `[consumers.*.x]` headers for its sub-tables: name the entry.
        self.out = self
            .out
            .replace(&format!("[{name}.*."), &format!("[{name}.{entry}."));
    }
}

/// A value as inline TOML.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "\"\"".into(),
        // A JSON string is a TOML basic string: the same escapes.
        Value::Bool(_) | Value::Number(_) | Value::String(_) => value.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A key as TOML writes it: bare when it can be.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_string()
    } else {
        Value::from(k).to_string()
    }
}

fn example(path: &[String]) -> Option<&'static str> {
    let name = path.join(".");
    EXAMPLES.iter().find(|(p, _)| *p == name).map(|(_, e)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_file_parses_and_keeps_to_the_width() {
        let text = site_file(5000);
        assert!(toml::from_str::<toml::Table>(&text).is_ok(), "{text}");
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{line}");
        }
        assert!(text.contains("\nccu = 5000\n"));
    }

    #[test]
    fn inline_values_are_toml() {
        let v = serde_json::json!({"a b": "x\"y", "n": [1, true]});
        let text = format!("v = {}", inline(&v));
        let parsed: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(parsed["v"]["a b"].as_str(), Some("x\"y"));
    }
}
