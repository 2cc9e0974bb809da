//! Conformance: every object of every tier and example site is judged by upstream schemas and
//! real tools, not by our own expectations.
//!
//! - Tenant, ServiceMonitor, ExternalSecret, MinIOJob, PolicyBinding and `ObjectStore` against the
//!   strict CRD schemas in `../shared/schemas` (unknown fields fail, as `kubeconform -strict`
//!   would); CloudNativePG's built-in `barmanObjectStore` fragment against the same
//!   configuration type, which the Barman Cloud plugin's `ObjectStore` shares.
//! - Core kinds with `kubernetes-validate --strict` at the oldest and newest Kubernetes minor we
//!   support.
//! - The whole stream read by PyYAML, a YAML 1.1 reader like kubectl's, must give exactly the
//!   values we meant.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{
    MODES, TIERS, documents, ok, ok_env, root, scratch_dir, shared_schemas, venv_tool,
};

/// Oldest and newest Kubernetes minors we support: MinIO Operator v6 needs 1.28.
const KUBERNETES: [&str; 2] = ["1.28", "1.37"];

/// Custom kinds and their strict upstream schema files.
const CRD_SCHEMAS: [(&str, &str); 6] = [
    ("Tenant", "tenant.minio.min.io_v2.strict.json"),
    (
        "ServiceMonitor",
        "servicemonitor.monitoring.coreos.com_v1.strict.json",
    ),
    (
        "ExternalSecret",
        "externalsecret.external-secrets.io_v1.strict.json",
    ),
    ("MinIOJob", "miniojob.job.min.io_v1alpha1.strict.json"),
    (
        "ObjectStore",
        "objectstore.barmancloud.cnpg.io_v1.strict.json",
    ),
    (
        "PolicyBinding",
        "policybinding.sts.min.io_v1beta1.strict.json",
    ),
];

/// Kinds `kubernetes-validate` knows.
const CORE_KINDS: [&str; 5] = [
    "Secret",
    "ConfigMap",
    "CronJob",
    "PodDisruptionBudget",
    "ServiceAccount",
];

/// Every stream we ship: each tier bare, the smallest and largest tier with each example site
/// file, and each secrets mode with the defaults and with a bearer-token ServiceMonitor.
fn streams() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = TIERS
        .iter()
        .map(|ccu| {
            (
                format!("tier {ccu}"),
                ok(&["gen", "--ccu", &ccu.to_string()]),
            )
        })
        .collect();
    for name in [
        "example",
        "tls-off-bearer",
        "no-extras",
        "yaml11-specials",
        "consumers",
    ] {
        let config = root().join(format!("tests/fixtures/valid/{name}.toml"));
        for ccu in ["100", "20000"] {
            let stream = ok(&["gen", "--ccu", ccu, "--config", &config.to_string_lossy()]);
            out.push((format!("tier {ccu} with {name}.toml"), stream));
        }
    }
    let bearer = root().join("tests/fixtures/valid/tls-off-bearer.toml");
    let bearer = bearer.to_string_lossy();
    for (mode, env) in MODES {
        let base = ["gen", "--ccu", "5000", "--secrets-mode", mode];
        out.push((format!("tier 5000 in mode {mode}"), ok_env(&base, env)));
        out.push((
            format!("tier 5000 in mode {mode} with tls-off-bearer.toml"),
            ok_env(&[base.as_slice(), &["--config", &bearer]].concat(), env),
        ));
    }
    out
}

#[test]
fn every_kind_is_covered_by_a_validator() {
    for (label, stream) in streams() {
        for doc in documents(&stream) {
            let kind = doc["kind"].as_str().unwrap_or_default();
            assert!(
                CORE_KINDS.contains(&kind) || CRD_SCHEMAS.iter().any(|(k, _)| *k == kind),
                "{label}: no validator covers kind {kind}"
            );
        }
    }
}

#[test]
fn custom_resources_pass_the_strict_upstream_schemas() {
    let Some(dir) = shared_schemas() else { return };
    let validators: BTreeMap<&str, jsonschema::Validator> = CRD_SCHEMAS
        .iter()
        .map(|(kind, file)| {
            let text =
                std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            let schema: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let validator =
                jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{file}: {e}"));
            (*kind, validator)
        })
        .collect();
    let mut checked = 0;
    for (label, stream) in streams() {
        for doc in documents(&stream) {
            let kind = doc["kind"].as_str().unwrap_or_default();
            if let Some(validator) = validators.get(kind) {
                let errors: Vec<String> = validator
                    .iter_errors(&doc)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{label}: {kind} fails its schema:\n{}",
                    errors.join("\n")
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} custom resources were checked"
    );
}

/// The schemas must catch what they exist to catch, or the test above proves nothing.
#[test]
fn strict_schemas_refuse_a_misplaced_field() {
    let Some(dir) = shared_schemas() else { return };
    let docs = documents(&ok(&["gen", "--ccu", "100"]));
    let misplaced = [
        ("Tenant", "/spec/pools/0"),
        ("MinIOJob", "/spec/commands/0"),
        ("PolicyBinding", "/spec/application"),
    ];
    for (kind, pointer) in misplaced {
        let file = CRD_SCHEMAS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, f)| *f)
            .unwrap_or_default();
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        let schema: Value = serde_json::from_str(&text).unwrap_or_default();
        let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"));
        let mut doc = docs
            .iter()
            .find(|d| d["kind"] == kind)
            .cloned()
            .unwrap_or_default();
        assert!(validator.is_valid(&doc), "{kind}");
        if let Some(Value::Object(map)) = doc.pointer_mut(pointer) {
            map.insert("misspeled".into(), Value::from(2));
        }
        assert!(!validator.is_valid(&doc), "{kind} takes an unknown field");
    }
}

fn write_streams() -> Vec<PathBuf> {
    let dir = scratch_dir("conformance");
    streams()
        .into_iter()
        .enumerate()
        .map(|(i, (_, stream))| {
            let path = dir.join(format!("stream-{i}.yaml"));
            std::fs::write(&path, stream).unwrap_or_else(|e| panic!("{e}"));
            path
        })
        .collect()
}

#[test]
fn core_kinds_pass_kubernetes_validate_strict() {
    let Some(tool) = venv_tool("kubernetes-validate") else {
        return;
    };
    let files = write_streams();
    for version in KUBERNETES {
        let output = Command::new(&tool)
            .args(["--strict", "--no-warn", "-k", version])
            .args(&files)
            .output()
            .unwrap_or_else(|e| panic!("cannot run kubernetes-validate: {e}"));
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "kubernetes-validate {version} failed:\n{report}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let passed = report
            .lines()
            .filter(|l| l.contains(" passed for resource "))
            .count();
        let expected: usize = streams()
            .iter()
            .map(|(_, s)| {
                documents(s)
                    .iter()
                    .filter(|d| CORE_KINDS.contains(&d["kind"].as_str().unwrap_or_default()))
                    .count()
            })
            .sum();
        assert_eq!(
            passed, expected,
            "kubernetes-validate {version} did not pass every core object:\n{report}"
        );
    }
    if let Some(dir) = files.first().and_then(|f| f.parent()) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// kubectl reads YAML 1.1, where `on`, `no` and `12:30` are not strings. PyYAML reads YAML 1.1
/// too: if it sees exactly the values we meant, so does kubectl.
#[test]
fn yaml_1_1_readers_see_the_values_we_meant() {
    let Some(python) = venv_tool("python") else {
        return;
    };
    let script =
        "import sys, json, yaml\njson.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout)";
    let streams = streams();
    assert!(streams.iter().any(|(l, _)| l.contains("yaml11-specials")));
    for (label, stream) in streams {
        let mut child = Command::new(&python)
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run python: {e}"));
        child
            .stdin
            .take()
            .map(|mut s| s.write_all(stream.as_bytes()))
            .transpose()
            .unwrap_or_else(|e| panic!("{e}"));
        let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            output.status.success(),
            "{label}: PyYAML could not read the stream"
        );
        let theirs: Vec<Value> =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(
            theirs,
            documents(&stream),
            "{label}: a YAML 1.1 reader sees other values"
        );
    }
}

/// CloudNativePG's built-in `backup.barmanObjectStore` has the type the Barman Cloud plugin's
/// `ObjectStore` holds as `spec.configuration`: the fragment must pass that strict schema too.
#[test]
fn the_barman_object_store_fragment_passes_the_strict_schema() {
    let Some(dir) = shared_schemas() else { return };
    let file = dir.join("objectstore.barmancloud.cnpg.io_v1.strict.json");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"));
    for tls in ["true", "false"] {
        let out = ok(&[
            "consumers",
            "--ccu",
            "100",
            "--set",
            &format!("tenant.tls={tls}"),
        ]);
        let section = out
            .split("# consumers/")
            .find(|s| s.starts_with("cnpg-barman-object-store.yaml\n"))
            .and_then(|s| s.split_once('\n'))
            .map_or_else(|| panic!("no barman fragment:\n{out}"), |(_, yaml)| yaml);
        let fragment: Value = serde_saphyr::from_str(section).unwrap_or_else(|e| panic!("{e}"));
        let backup = &fragment["spec"]["backup"];
        let object = serde_json::json!({
            "apiVersion": "barmancloud.cnpg.io/v1",
            "kind": "ObjectStore",
            "metadata": {"name": "check"},
            "spec": {
                "configuration": backup["barmanObjectStore"],
                "retentionPolicy": backup["retentionPolicy"],
            },
        });
        let errors: Vec<String> = validator
            .iter_errors(&object)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "tls {tls}: {}", errors.join("\n"));
    }
}
