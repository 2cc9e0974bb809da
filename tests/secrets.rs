//! Secrets modes as users meet them: what each mode emits, that every secret reference is
//! satisfied, that `derived` is reproducible and rotates only credentials, and that no
//! credential reaches stderr or a shared folder by accident.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{
    MODES, TEST_KEY, documents, miniogen, miniogen_env, ok, ok_env, root, scratch_dir,
};

/// Site files whose secrets differ: the defaults, a bearer-token `ScrapeConfig` and `ServiceMonitor`, and the example.
fn configs() -> Vec<Option<String>> {
    let mut out = vec![None];
    for name in ["tls-off-bearer", "example", "no-extras"] {
        let path = root().join(format!("tests/fixtures/valid/{name}.toml"));
        out.push(Some(path.to_string_lossy().into_owned()));
    }
    out
}

fn args<'a>(command: &'a str, mode: &'a str, config: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec![command, "--ccu", "5000", "--secrets-mode", mode];
    if let Some(config) = config {
        args.extend(["--config", config]);
    }
    args
}

/// Secret name and key of every reference the Tenant, the CronJob, the MinIOJob, the
/// `ScrapeConfig` and the `ServiceMonitor` make.
fn references(docs: &[Value]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    for doc in docs {
        match doc["kind"].as_str().unwrap_or_default() {
            "Tenant" => {
                out.insert((
                    s(&doc["spec"]["configuration"]["name"]),
                    "config.env".into(),
                ));
                for user in doc["spec"]["users"].as_array().into_iter().flatten() {
                    for key in ["CONSOLE_ACCESS_KEY", "CONSOLE_SECRET_KEY"] {
                        out.insert((s(&user["name"]), key.into()));
                    }
                }
            }
            "CronJob" | "MinIOJob" => secret_key_refs(doc, &mut out),
            "ScrapeConfig" => {
                let credentials = &doc["spec"]["authorization"]["credentials"];
                if credentials.is_object() {
                    out.insert((s(&credentials["name"]), s(&credentials["key"])));
                }
            }
            "ServiceMonitor" => {
                for endpoint in doc["spec"]["endpoints"].as_array().into_iter().flatten() {
                    let credentials = &endpoint["authorization"]["credentials"];
                    if credentials.is_object() {
                        out.insert((s(&credentials["name"]), s(&credentials["key"])));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn secret_key_refs(value: &Value, out: &mut BTreeSet<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("secretKeyRef") {
                out.insert((
                    r["name"].as_str().unwrap_or_default().into(),
                    r["key"].as_str().unwrap_or_default().into(),
                ));
            }
            map.values().for_each(|v| secret_key_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| secret_key_refs(v, out)),
        _ => {}
    }
}

fn keys(map: &Value) -> Vec<String> {
    map.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Secret name and key of every key the stream's Secrets and ExternalSecrets produce.
fn produced(docs: &[Value]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for doc in docs {
        let (name, keys) = match doc["kind"].as_str().unwrap_or_default() {
            "Secret" => (
                &doc["metadata"]["name"],
                [keys(&doc["data"]), keys(&doc["stringData"])].concat(),
            ),
            "ExternalSecret" => {
                let target = &doc["spec"]["target"];
                let template = keys(&target["template"]["data"]);
                let fetched = doc["spec"]["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| d["secretKey"].as_str().unwrap_or_default().to_string())
                    .collect();
                // With a template, External Secrets' default merge policy `Replace` keeps only
                // the templated keys.
                let keys = if template.is_empty() || target["template"]["mergePolicy"] == "Merge" {
                    [template, fetched].concat()
                } else {
                    template
                };
                (&target["name"], keys)
            }
            _ => continue,
        };
        for key in keys {
            out.insert((name.as_str().unwrap_or_default().to_string(), key));
        }
    }
    out
}

/// What `miniogen secrets --format json` lists.
fn listed(mode: &str, config: Option<&str>, env: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    let text = ok_env(
        &[args("secrets", mode, config), vec!["--format", "json"]].concat(),
        env,
    );
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["mode"], mode);
    let mut out = BTreeSet::new();
    for secret in value["secrets"].as_array().into_iter().flatten() {
        for key in secret["keys"].as_array().into_iter().flatten() {
            out.insert((
                secret["name"].as_str().unwrap_or_default().to_string(),
                key["name"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    out
}

/// Whatever the mode, every secret name and key the workloads reference exists: produced by
/// the mode's objects, or for `existing` listed by `miniogen secrets` for the user to create.
#[test]
fn every_reference_is_satisfied_in_every_mode() {
    for config in configs() {
        let mut referenced_by_mode = BTreeMap::new();
        for (mode, env) in MODES {
            let docs = documents(&ok_env(&args("gen", mode, config.as_deref()), env));
            let referenced = references(&docs);
            assert!(referenced.len() >= 3, "{mode}: {referenced:?}");
            let produced = produced(&docs);
            let listed = listed(mode, config.as_deref(), env);
            let satisfied = if mode == "existing" {
                assert!(produced.is_empty(), "existing mode emitted {produced:?}");
                &listed
            } else {
                assert_eq!(produced, listed, "{mode}: `secrets` lists other keys");
                &produced
            };
            let missing: Vec<_> = referenced.difference(satisfied).collect();
            assert!(
                missing.is_empty(),
                "{mode} {config:?}: nothing produces {missing:?}"
            );
            referenced_by_mode.insert(mode, referenced);
        }
        let first = referenced_by_mode.values().next().cloned();
        for (mode, referenced) in &referenced_by_mode {
            assert_eq!(
                Some(referenced),
                first.as_ref(),
                "{mode} references other secrets"
            );
        }
    }
}

/// A new user's first run: no key anywhere, no flags. ExternalSecrets, and no credential value.
#[test]
fn the_default_on_a_fresh_machine_is_external_secrets_without_credentials() {
    let run = miniogen(&["gen", "--ccu", "5000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let docs = documents(&run.stdout);
    assert!(docs.iter().all(|d| d["kind"] != "Secret"));
    let externals: Vec<&Value> = docs
        .iter()
        .filter(|d| d["kind"] == "ExternalSecret")
        .collect();
    assert_eq!(externals.len(), 4);
    for es in externals {
        let data = &es["spec"]["target"]["template"]["data"];
        for (key, value) in data.as_object().into_iter().flatten() {
            let value = value.as_str().unwrap_or_default();
            match key.as_str() {
                "CONSOLE_ACCESS_KEY" => assert!(!value.contains("{{"), "{value}"),
                "CONSOLE_SECRET_KEY" => assert_eq!(value, "{{ .secret_key }}"),
                "config.env" => assert!(
                    value.contains("export MINIO_ROOT_PASSWORD=\"{{ .root_password }}\"\n"),
                    "{value}"
                ),
                other => panic!("unexpected key {other}"),
            }
        }
        for fetched in es["spec"]["data"].as_array().into_iter().flatten() {
            let remote = &fetched["remoteRef"];
            let secret = es["spec"]["target"]["name"].as_str().unwrap_or_default();
            assert_eq!(remote["key"], format!("minio/matrix-minio/{secret}"));
        }
    }
}

/// Every credential of a stream, by where it is: `Secret/<name>/<key>`, and for `config.env`
/// each credential variable.
fn credentials(docs: &[Value]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for doc in docs.iter().filter(|d| d["kind"] == "Secret") {
        let name = doc["metadata"]["name"].as_str().unwrap_or_default();
        for (key, value) in doc["stringData"].as_object().into_iter().flatten() {
            let value = value.as_str().unwrap_or_default();
            if key == "config.env" {
                for line in value.lines() {
                    if let Some(rest) = line.strip_prefix("export MINIO_ROOT_PASSWORD=") {
                        out.insert(
                            format!("Secret/{name}/{key}/MINIO_ROOT_PASSWORD"),
                            rest.into(),
                        );
                    }
                }
            } else if key != "CONSOLE_ACCESS_KEY" {
                out.insert(format!("Secret/{name}/{key}"), value.into());
            }
        }
    }
    out
}

/// The stream with every credential replaced by one marker.
fn without_credentials(stream: &str, credentials: &BTreeMap<String, String>) -> String {
    credentials.values().fold(stream.to_string(), |s, v| {
        s.replace(v.as_str(), "\"<credential>\"")
    })
}

#[test]
fn derived_is_reproducible_and_a_new_key_or_rotation_changes_every_credential_only() {
    let bearer = root().join("tests/fixtures/valid/tls-off-bearer.toml");
    let bearer = bearer.to_string_lossy();
    let base = [
        "gen",
        "--ccu",
        "5000",
        "--secrets-mode",
        "derived",
        "--config",
        &bearer,
    ];
    let key = [("MINIOGEN_MASTER_KEY", TEST_KEY)];
    let first = ok_env(&base, &key);
    assert_eq!(first, ok_env(&base, &key), "the same key gave other output");
    let dir = scratch_dir("derived-key-file");
    let file = dir.join("master.key");
    std::fs::write(&file, format!("{TEST_KEY}\n")).unwrap_or_else(|e| panic!("{e}"));
    let from_file = ok_env(
        &base,
        &[("MINIOGEN_MASTER_KEY_FILE", &file.to_string_lossy())],
    );
    assert_eq!(
        first, from_file,
        "a key file gave other output than the same key inline"
    );

    let creds = credentials(&documents(&first));
    // Root password, three user keys and the metrics token.
    assert_eq!(creds.len(), 5, "{creds:?}");
    for value in creds.values() {
        let v = value.trim_matches('"');
        assert!(
            v.len() >= 8 && (v.len() <= 40 || v.matches('.').count() == 2),
            "{v}"
        );
    }
    let other_key = "another-miniogen-test-key-9876543210zyx";
    let rotated = [base.as_slice(), &["--set", "secrets.rotation=1"]].concat();
    for (label, stream) in [
        (
            "another key",
            ok_env(&base, &[("MINIOGEN_MASTER_KEY", other_key)]),
        ),
        ("rotation 1", ok_env(&rotated, &key)),
    ] {
        let changed = credentials(&documents(&stream));
        assert_eq!(
            changed.keys().collect::<Vec<_>>(),
            creds.keys().collect::<Vec<_>>()
        );
        for (place, value) in &changed {
            assert_ne!(Some(value), creds.get(place), "{label} kept {place}");
        }
        // Rotation also renames the IAM MinIOJob: only a new job sets the new keys in MinIO.
        let job = |s: &str| {
            documents(s)
                .iter()
                .find(|d| {
                    d["kind"] == "MinIOJob"
                        && d["metadata"]["labels"]["app.kubernetes.io/component"] == "iam"
                })
                .map(|d| {
                    d["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .unwrap_or_default()
        };
        let (old_job, new_job) = (job(&first), job(&stream));
        assert_eq!(
            old_job != new_job,
            label == "rotation 1",
            "{label}: {new_job}"
        );
        assert_eq!(
            without_credentials(&stream, &changed).replace(&new_job, &old_job),
            without_credentials(&first, &creds),
            "{label} changed more than the credentials"
        );
    }
}

#[test]
fn derived_without_a_usable_key_fails_clearly_and_shows_no_key() {
    let base = ["gen", "--ccu", "5000", "--secrets-mode", "derived"];
    // A missing key is invalid input like a short one (exit 1); an unreadable file is IO (2).
    let none = miniogen(&base);
    assert_eq!(none.code, 1, "{}", none.stderr);
    assert!(none.stdout.is_empty());
    assert!(
        none.stderr.contains("MINIOGEN_MASTER_KEY_FILE"),
        "{}",
        none.stderr
    );
    let short = miniogen_env(None, &base, &[("MINIOGEN_MASTER_KEY", "hunter2-hunter2")]);
    assert_eq!(short.code, 1, "{}", short.stderr);
    assert!(short.stdout.is_empty());
    assert!(!short.stderr.contains("hunter2"), "{}", short.stderr);
    let missing = miniogen_env(
        None,
        &base,
        &[("MINIOGEN_MASTER_KEY_FILE", "/nonexistent/miniogen.key")],
    );
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("/nonexistent/miniogen.key"));
    for run in [none, short, missing] {
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

/// Invalid input in `derived` mode: the diagnostics never carry a credential or the key.
#[test]
fn errors_in_derived_mode_carry_no_credential() {
    let good = ok_env(
        &["gen", "--ccu", "5000", "--secrets-mode", "derived"],
        &[("MINIOGEN_MASTER_KEY", TEST_KEY)],
    );
    let creds = credentials(&documents(&good));
    let secrets = ok_env(
        &["secrets", "--ccu", "5000", "--secrets-mode", "derived"],
        &[("MINIOGEN_MASTER_KEY", TEST_KEY)],
    );
    let bad = miniogen_env(
        None,
        &[
            "gen",
            "--ccu",
            "5000",
            "--secrets-mode",
            "derived",
            "--set",
            "tenant.tls=maybe",
        ],
        &[("MINIOGEN_MASTER_KEY", TEST_KEY)],
    );
    assert_eq!(bad.code, 1);
    for text in [&bad.stderr, &secrets] {
        assert!(!text.contains(TEST_KEY));
        for value in creds.values() {
            assert!(!text.contains(value.trim_matches('"')), "{text}");
        }
    }
}

#[test]
fn an_output_folder_takes_plaintext_only_when_asked_and_keeps_it_private() {
    let dir = scratch_dir("derived-out");
    let out = dir.join("out");
    let out_text = out.to_string_lossy().into_owned();
    let key = [("MINIOGEN_MASTER_KEY", TEST_KEY)];
    let base = [
        "gen",
        "--ccu",
        "100",
        "--secrets-mode",
        "derived",
        "--out",
        &out_text,
    ];
    let refused = miniogen_env(None, &base, &key);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--write-plaintext-credentials"),
        "{}",
        refused.stderr
    );
    assert!(!out.exists(), "a refused run wrote files");
    let written = miniogen_env(
        None,
        &[base.as_slice(), &["--write-plaintext-credentials"]].concat(),
        &key,
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    let secret = out.join("secret-minio-user.yaml");
    assert!(secret.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&secret)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_default();
        assert_eq!(mode, 0o600, "{}", secret.display());
    }
    // The safe modes need no flag.
    let safe = miniogen(&[
        "gen",
        "--ccu",
        "100",
        "--out",
        &dir.join("safe").to_string_lossy(),
    ]);
    assert_eq!(safe.code, 0, "{}", safe.stderr);
}

#[test]
fn the_secrets_command_names_what_existing_mode_needs() {
    let text = ok(&["secrets", "--ccu", "5000", "--secrets-mode", "existing"]);
    assert!(text.contains("miniogen writes no Secrets"), "{text}");
    for name in [
        "minio-config",
        "minio-user",
        "minio-credentials",
        "minio-rclone-credentials",
    ] {
        assert!(text.contains(&format!("Secret `{name}`")), "{text}");
    }
    assert!(
        text.contains("export MINIO_ROOT_PASSWORD=\"<MINIO_ROOT_PASSWORD>\""),
        "{text}"
    );
}
