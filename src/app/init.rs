//! `miniogen init`: a starter site file, written from the site schema itself, so that it shows
//! every key with its documentation and default and cannot fall behind the schema.
//!
//! Settings are commented out (`# key = value`), except `ccu` and the first pool's shape
//! (`[sizing]` `servers`, `volumes_per_server`, `volume_size`, the tier's), which the file writes
//! down so that a later `ccu` never reshapes the pool. Every shown value is the one the file
//! gives without that line: the default, the tier's (the rest of `[sizing]`, and the tier's pool
//! in the `[[pools]]` example), or for keys with neither an example that renders. A table whose
//! keys all have defaults keeps its header (`[tenant]`), so that uncommenting one key is enough;
//! a table that must be filled in whole (`[admin]`, a `[[pools]]` entry) is commented out with
//! its header. `[sizing]`'s resources are dotted lines, not tables, so that the `[[pools]]` example
//! follows the first pool directly and a key uncommented without its `[[pools]]` line lands in
//! `[sizing]`, where the file refuses it, never in another table.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::app::failure::Failure;
use crate::app::pipeline::checked_plan;
use crate::check::decode::Inputs;
use crate::check::schema;
use crate::input::load::{self, CcuArg};
use crate::model::spec::{Profile, Site};

/// The widest line written.
const WIDTH: usize = 99;

/// Examples for keys that have no default, by dotted path (`*` for any map entry): each renders
/// when uncommented, together with every other.
const EXAMPLES: &[(&str, &str)] = &[
    ("sizing.decommissioned", "false"),
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

/// Keys written down, not commented out: the first pool's shape, as the tier gives it.
const WRITTEN: &[&str] = &[
    "sizing.servers",
    "sizing.volumes_per_server",
    "sizing.volume_size",
];

/// What a shown value is, where the documentation alone does not say.
const KEY_NOTES: &[(&str, &str)] = &[(
    "sizing.api_requests_max",
    "Shown: the limits the tier's servers derive, added up.",
)];

/// Tables shown as one dotted line per sub-table (`# resources.limits = { ... }`), not as
/// headers of their own.
const INLINE: &[&str] = &["sizing.resources"];

/// The example entry of each map of tables, and what the entry shows.
/// Bucket keys shown only on the entries whose role sets them.
const ONLY_WHERE_SET: [&str; 2] = ["retention", "noncurrent_days"];

const MAP_EXAMPLES: &[(&str, &str)] = &[("consumers", "loki"), ("environments", "staging")];

/// An extra example entry after a list's defaults: a bucket of the site's own (the consumer
/// example uses it).
const EXTRA_BUCKET: &str = "loki-chunks";

/// The starter site file for a tenant of `ccu` concurrent users, with the values of the
/// built-in tier that serves them.
pub fn site_file(ccu: u32) -> Result<String, Failure> {
    let (builtin, _) =
        load::select_tier(&CcuArg::flag(ccu)).map_err(|d| Failure::Invalid(vec![d]))?;
    let document = load::builtin_document(builtin)?;
    let profile: Profile = serde_json::from_value(document.value.clone()).map_err(|e| {
        Failure::Invalid(vec![crate::model::diag::Diagnostic::error(e.to_string())])
    })?;
    let inputs = Inputs {
        profile: document.into(),
        site: None,
        sets: Vec::new(),
        requested_ccu: Some(ccu),
        environment: None,
    };
    let (plan, _) = checked_plan(&inputs)?;
    let schema: Value = serde_json::from_str(schema::Kind::Site.committed()).unwrap_or_default();
    let mut w = Writer {
        defs: schema.get("$defs").cloned().unwrap_or_default(),
        tier: tier_values(&profile, &plan),
        out: String::new(),
    };
    let _ = write!(
        w.out,
        "# miniogen site file, written by `miniogen init` for {ccu} CCU (the built-in {tier} CCU \
         tier).\n# `[sizing]` writes down the first pool's shape as the tier gives it: a pool never \
         changes\n# shape, so keep these three lines once the tenant runs, and grow by adding a \
         pool (`miniogen\n# grow`). Every other key is optional: a commented-out key shows the \
         value the file gives\n# without it (its default, the tier's, or where it has neither, an \
         example), so uncomment\n# what differs at your site. `miniogen plan` shows what these \
         settings give, `miniogen\n# schema` the whole schema; point your editor's TOML language \
         server at\n# `schema/site.schema.json` for completion.\n",
        tier = profile.ccu
    );
    w.table(&schema, &[], None, false, ccu);
    Ok(w.out)
}

/// What the file gives, by dotted path, where the tier decides it: the tier's sizing (with
/// `api_requests_max` as MinIO derives it for every server together), and its pool as the
/// `[[pools]]` example, named after the first pool.
fn tier_values(profile: &Profile, plan: &crate::plan::Plan) -> Vec<(String, String)> {
    let sizing = &profile.sizing;
    let site = Site::default();
    let mut values = vec![
        ("sizing.servers", sizing.servers.to_string()),
        (
            "sizing.volumes_per_server",
            sizing.volumes_per_server.to_string(),
        ),
        (
            "sizing.volume_size",
            inline(&Value::from(sizing.volume_size.as_str())),
        ),
        ("sizing.parity", sizing.parity.to_string()),
        (
            "sizing.resources.requests",
            inline(&serde_json::to_value(&sizing.resources.requests).unwrap_or_default()),
        ),
        (
            "sizing.resources.limits",
            inline(&serde_json::to_value(&sizing.resources.limits).unwrap_or_default()),
        ),
        (
            "pools.name",
            inline(&Value::from(crate::plan::daytwo::next_name(&[site
                .tenant
                .pool_name
                .as_str()]))),
        ),
        ("pools.servers", sizing.servers.to_string()),
        (
            "pools.volumes_per_server",
            sizing.volumes_per_server.to_string(),
        ),
        (
            "pools.volume_size",
            inline(&Value::from(sizing.volume_size.as_str())),
        ),
        (
            "pools.storage_class",
            inline(&Value::from(site.tenant.storage_class.as_str())),
        ),
        ("pools.decommissioned", "false".to_string()),
        ("pools.planned", "false".to_string()),
    ];
    let requests = &plan.tenant.api_requests;
    if let Some(per_server) = sizing.api_requests_max.map(u64::from).or_else(|| {
        requests
            .memory_safe_per_server
            .map(|n| n * u64::from(requests.servers))
    }) {
        values.push(("sizing.api_requests_max", per_server.to_string()));
    }
    values
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

struct Writer {
    defs: Value,
    /// What the tier gives, by dotted path.
    tier: Vec<(String, String)>,
    out: String,
}

impl Writer {
    fn tier_value(&self, path: &[String]) -> Option<String> {
        let name = path.join(".");
        self.tier
            .iter()
            .find(|(p, _)| *p == name)
            .map(|(_, v)| v.clone())
    }

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
            .to_string();
        self.paragraph(&text);
    }

    /// `text` as comment lines, wrapped at `WIDTH`.
    fn paragraph(&mut self, text: &str) {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
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
            let is_table =
                inner.get("properties").is_some() && !INLINE.iter().any(|i| here.join(".") == *i);
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
            if let Some((_, note)) = KEY_NOTES.iter().find(|(p, _)| here.join(".") == *p) {
                self.paragraph(note);
            }
            if path.is_empty() && key == "ccu" {
                let _ = writeln!(self.out, "ccu = {ccu}");
                continue;
            }
            if INLINE.iter().any(|i| here.join(".") == *i) {
                // One dotted line per sub-table, each short and uncommented alone.
                for sub in inner
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
                {
                    let at: Vec<String> = here.iter().cloned().chain([sub.clone()]).collect();
                    let value = self
                        .tier_value(&at)
                        .unwrap_or_else(|| panic!("`{}` has no value of the tier", at.join(".")));
                    let _ = writeln!(self.out, "# {key}.{sub} = {value}");
                }
                continue;
            }
            let value = self
                .tier_value(&here)
                .or_else(|| own_default.filter(|v| !v.is_null()).map(inline))
                .or_else(|| example(&here).map(str::to_string))
                .unwrap_or_else(|| {
                    panic!("`{}` has neither a default nor an example", here.join("."))
                });
            let written = WRITTEN.iter().any(|w| here.join(".") == *w);
            let _ = writeln!(
                self.out,
                "{}{key} = {value}",
                if written { "" } else { "# " }
            );
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
            let defaults: Vec<String> = entries
                .iter()
                .filter_map(|b| b.get("name").and_then(Value::as_str))
                .map(|b| format!("`{b}`"))
                .collect();
            let named = match defaults.split_last() {
                Some((last, first)) if !first.is_empty() => {
                    format!("{} and {last}", first.join(", "))
                }
                _ => defaults.join(""),
            };
            self.paragraph(&format!(
                "Without a `[[buckets]]` list the operator creates {named}. A list replaces them: \
                 list every bucket you want, such as those and `{EXTRA_BUCKET}`, which the \
                 `[consumers.loki]` example below uses."
            ));
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
        if name == "pools" {
            self.paragraph(
                "The entry below is the tier's pool; uncomment it whole, its `[[pools]]` line \
                 included.",
            );
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
                    .map(inline)
                    .or_else(|| self.tier_value(&here))
                    .or_else(|| node.get("default").map(inline))
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
        let text = site_file(5000).unwrap_or_else(|e| panic!("{e:?}"));
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
