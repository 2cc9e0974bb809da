//! The audit of what an output folder really holds: literal credential data where the secrets
//! mode promises references only. It names where, never what.

use std::fmt;

use serde_json::Value;

use crate::model::spec::SecretsMode;
use crate::post::Manifest;

/// Literal credential data found where a mode promises none. It names where, never what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralCredential {
    /// Kind of the object.
    pub kind: String,
    /// Name of the object.
    pub name: String,
    /// Where in the object, such as `stringData.CONSOLE_SECRET_KEY` or
    /// `stringData.config.env: MINIO_ROOT_PASSWORD`.
    pub field: String,
}

impl fmt::Display for LiteralCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` holds a literal credential in `{}`",
            self.kind, self.name, self.field
        )
    }
}

/// Keys of a Secret whose values are identifiers, not credentials.
const NON_SECRET_KEYS: [&str; 1] = ["CONSOLE_ACCESS_KEY"];
/// Keys whose value is a whole `config.env`, checked line by line.
const CONFIG_FILE_KEYS: [&str; 1] = ["config.env"];

/// Literal credential data in `manifests`, for a mode that promises none: a Secret `data` or
/// `stringData` value, or an ExternalSecret template value, that is a credential and neither a
/// vault placeholder nor an External Secrets template expression. `config.env` is judged line
/// by line: only variables named like a credential (`PASSWORD`, `SECRET`, `TOKEN`) count.
/// Plaintext modes give no findings: their output is meant to hold credentials.
#[must_use]
pub fn literal_credentials(manifests: &[Manifest], mode: SecretsMode) -> Vec<LiteralCredential> {
    if mode.writes_plaintext() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for m in manifests {
        let fields: Vec<(&str, &Value)> = match m.kind.as_str() {
            "Secret" => vec![
                ("data", &m.value["data"]),
                ("stringData", &m.value["stringData"]),
            ],
            "ExternalSecret" => vec![(
                "spec.target.template.data",
                &m.value["spec"]["target"]["template"]["data"],
            )],
            _ => continue,
        };
        for (field, map) in fields {
            let Some(map) = map.as_object() else { continue };
            for (key, value) in map {
                let text = value.as_str().unwrap_or_default();
                let mut report = |detail: String| {
                    found.push(LiteralCredential {
                        kind: m.kind.clone(),
                        name: m.name.clone(),
                        field: detail,
                    });
                };
                if CONFIG_FILE_KEYS.contains(&key.as_str()) {
                    for (name, value) in env_lines(text) {
                        if credential_name(name) && is_literal(value) {
                            report(format!("{field}.{key}: {name}"));
                        }
                    }
                } else if !NON_SECRET_KEYS.contains(&key.as_str()) && is_literal(text) {
                    report(format!("{field}.{key}"));
                }
            }
        }
    }
    found
}

/// `NAME` and value of each `export NAME="value"` (or `NAME=value`) line.
fn env_lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (name, value) = line.split_once('=')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((name.trim(), value))
    })
}

fn credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASSWORD", "SECRET", "TOKEN"]
        .iter()
        .any(|w| upper.contains(w))
}

/// Whether a non-empty value is itself a credential rather than a reference to one: not an
/// argocd-vault-plugin placeholder (`<path:...#...>` or `<name>`) and not one template action.
fn is_literal(value: &str) -> bool {
    let value = value.trim();
    let placeholder = value.starts_with('<')
        && value.ends_with('>')
        && !value[1..value.len() - 1].contains(['<', '>']);
    let action = value.starts_with("{{")
        && value.ends_with("}}")
        && !value[2..value.len() - 2].contains("{{");
    !(value.is_empty() || placeholder || action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, string_data: &Value) -> Manifest {
        Manifest {
            api_version: "v1".into(),
            kind: "Secret".into(),
            name: name.into(),
            namespace: "matrix".into(),
            value: serde_json::json!({ "stringData": string_data }),
        }
    }

    #[test]
    fn literal_credentials_are_found_and_references_are_not() {
        let placeholders = secret(
            "ok",
            &serde_json::json!({
                "CONSOLE_ACCESS_KEY": "synapse",
                "CONSOLE_SECRET_KEY": "<path:secret/data/minio/x#CONSOLE_SECRET_KEY>",
                "config.env": "export MINIO_ROOT_USER=\"admin\"\nexport MINIO_ROOT_PASSWORD=\"<path:secret/data/x#p>\"\nexport MINIO_STORAGE_CLASS_STANDARD=\"EC:4\"\n",
            }),
        );
        let literal = secret(
            "bad",
            &serde_json::json!({
                "CONSOLE_ACCESS_KEY": "synapse",
                "CONSOLE_SECRET_KEY": "s3cr3t-value",
                "config.env": "export MINIO_ROOT_USER=\"admin\"\nexport MINIO_ROOT_PASSWORD=\"hunter22\"\n",
            }),
        );
        let mut data = secret("data", &Value::Null);
        data.value = serde_json::json!({ "data": { "token": "aHVudGVyMg==" } });
        let template = Manifest {
            kind: "ExternalSecret".into(),
            name: "es".into(),
            value: serde_json::json!({ "spec": { "target": { "template": { "data": {
                "CONSOLE_ACCESS_KEY": "synapse",
                "CONSOLE_SECRET_KEY": "{{ .secret_key }}",
                "config.env": "export MINIO_ROOT_PASSWORD=\"{{ .root_password }}\"\n",
            }}}}}),
            ..placeholders.clone()
        };
        let manifests = [placeholders, literal, data, template];
        let found = literal_credentials(&manifests, SecretsMode::VaultPlaceholders);
        let described: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            described,
            [
                "Secret `bad` holds a literal credential in `stringData.CONSOLE_SECRET_KEY`",
                "Secret `bad` holds a literal credential in `stringData.config.env: MINIO_ROOT_PASSWORD`",
                "Secret `data` holds a literal credential in `data.token`",
            ]
        );
        assert!(
            !described
                .iter()
                .any(|d| d.contains("hunter") || d.contains("s3cr3t"))
        );
        assert_eq!(
            literal_credentials(&manifests, SecretsMode::ExternalSecrets).len(),
            3
        );
        assert!(literal_credentials(&manifests, SecretsMode::Derived).is_empty());
    }
}
