//! Conformance: every object of every render we ship is judged by upstream schemas and real
//! tools, not by our own expectations.
//!
//! The renders: every tier in every secrets mode, every site file in `tests/fixtures/valid/` at
//! the smallest and largest tier, a bearer-token `ScrapeConfig` and `ServiceMonitor` in every mode, and each
//! environment of the example deployment. Each is rendered as the stream and as an output
//! folder, once, and then:
//!
//! - every kind is mapped to a validator, and a kind nobody validates fails the suite: custom
//!   kinds to the strict upstream schema `<kind>.<group>_<version>.strict.json` in
//!   `../shared/schemas`, or in `tests/schemas` for those the project keeps itself (see its
//!   README; unknown fields fail, as `kubeconform -strict` would), core kinds to
//!   `kubernetes-validate --strict` at the oldest and newest Kubernetes minor we support;
//! - `kubectl kustomize` of every folder gives exactly the objects of the stream;
//! - yamllint with the committed `.yamllint.yaml` finds nothing;
//! - checkov, run once over every folder, fails no check; the checks it skips carry a reason;
//! - PyYAML, a YAML 1.1 reader like kubectl's, sees exactly the values we meant.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::support::{
    MODES, TIERS, documents, miniogen_env, ok, output_with_input, root, shared_schemas, venv_tool,
    venv_tool_in, which,
};

/// Oldest and newest Kubernetes minors we support: MinIO Operator v6 needs 1.28.
const KUBERNETES: [&str; 2] = ["1.28", "1.37"];

/// An rclone image pinned by digest.
const RCLONE_BY_DIGEST: &str = "rclone.image=docker.io/rclone/rclone@sha256:\
    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
/// An `mc` image (the IAM job's and the verification Job's) pinned by digest.
const MC_BY_DIGEST: &str = "iam.mc_image=quay.io/minio/mc@sha256:\
    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// One render: its label, the stream `gen` prints and the folder `gen --out` writes.
struct Render {
    label: String,
    mode: String,
    stream: String,
    folder: PathBuf,
}

/// Every render, made once for all tests of this module.
struct Renders {
    root: PathBuf,
    items: Vec<Render>,
}

impl Renders {
    fn streams(&self) -> impl Iterator<Item = (&str, &str)> {
        self.items
            .iter()
            .map(|r| (r.label.as_str(), r.stream.as_str()))
    }

    fn folders(&self) -> PathBuf {
        self.root.join("folders")
    }
}

/// The argument lists of every render, with the secrets mode each uses.
fn render_args() -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    let strings = |args: &[&str]| args.iter().map(ToString::to_string).collect::<Vec<_>>();
    for ccu in TIERS {
        for (mode, _) in MODES {
            let ccu = ccu.to_string();
            out.push((
                format!("tier {ccu} in mode {mode}"),
                mode.to_string(),
                strings(&["--ccu", &ccu, "--secrets-mode", mode]),
            ));
        }
    }
    let valid = root().join("tests/fixtures/valid");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&valid)
        .unwrap_or_else(|e| panic!("{}: {e}", valid.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 4, "the valid fixtures are gone");
    for config in &fixtures {
        let name = config.file_name().unwrap_or_default().to_string_lossy();
        let text = std::fs::read_to_string(config).unwrap_or_default();
        let mode = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("mode = \""))
            .map_or("external-secrets", |m| m.trim_end_matches('"'))
            .to_string();
        for ccu in [100, 20000] {
            // Each tier's own shape, over the one the fixture writes down.
            let mut args = strings(&[
                "--ccu",
                &ccu.to_string(),
                "--config",
                &config.to_string_lossy(),
            ]);
            args.extend(crate::support::tier_shape(ccu));
            out.push((format!("tier {ccu} with {name}"), mode.clone(), args));
        }
    }
    let bearer = valid.join("tls-off-bearer.toml");
    for (mode, _) in MODES {
        out.push((
            format!("tier 5000 in mode {mode} with tls-off-bearer.toml"),
            mode.to_string(),
            strings(&[
                "--ccu",
                "5000",
                "--secrets-mode",
                mode,
                "--config",
                &bearer.to_string_lossy(),
            ]),
        ));
    }
    // TLS on with the bearer token and per-server metrics: the fixtures hold the other corners.
    out.push((
        "tier 5000 with TLS, bearer metrics and node metrics".into(),
        "external-secrets".into(),
        strings(&[
            "--ccu",
            "5000",
            "--set",
            "prometheus.auth=\"bearer\"",
            "--set",
            "prometheus.bearer_token_secret=\"minio-prometheus-token\"",
            "--set",
            "prometheus.node_metrics=true",
        ]),
    ));
    // Pinned by digest, the CronJob and the verification Job no longer skip checkov's digest
    // check: they must pass it.
    out.push((
        "tier 5000 with rclone and mc pinned by digest".into(),
        "external-secrets".into(),
        strings(&[
            "--ccu",
            "5000",
            "--set",
            RCLONE_BY_DIGEST,
            "--set",
            MC_BY_DIGEST,
        ]),
    ));
    let example = root().join("deploy/example/miniogen.toml");
    for env in ["staging", "production"] {
        out.push((
            format!("deploy/example environment {env}"),
            "external-secrets".into(),
            strings(&["--config", &example.to_string_lossy(), "--env", env]),
        ));
    }
    out
}

fn renders() -> &'static Renders {
    static RENDERS: OnceLock<Renders> = OnceLock::new();
    RENDERS.get_or_init(|| {
        let root_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("conformance");
        let _ = std::fs::remove_dir_all(&root_dir);
        std::fs::create_dir_all(root_dir.join("folders")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(root_dir.join("streams")).unwrap_or_else(|e| panic!("{e}"));
        let items = render_args()
            .into_iter()
            .enumerate()
            .map(|(i, (label, mode, args))| {
                let env: &[(&str, &str)] = MODES
                    .iter()
                    .find(|(m, _)| *m == mode)
                    .map_or(&[], |(_, e)| e);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let run = miniogen_env(None, &[&["gen"], args.as_slice()].concat(), env);
                assert_eq!(run.code, 0, "{label}: {}", run.stderr);
                let folder = root_dir.join(format!("folders/{i:02}"));
                let folder_arg = folder.to_string_lossy().into_owned();
                let gen_out = [
                    &["gen"],
                    args.as_slice(),
                    &["--out", &folder_arg, "--write-plaintext-credentials"],
                ]
                .concat();
                let written = miniogen_env(None, &gen_out, env);
                assert_eq!(written.code, 0, "{label} --out: {}", written.stderr);
                std::fs::write(root_dir.join(format!("streams/{i:02}.yaml")), &run.stdout)
                    .unwrap_or_else(|e| panic!("{e}"));
                // One environment of a site file is written to its own folder under `--out`.
                let env = args.iter().position(|a| *a == "--env").map(|i| args[i + 1]);
                Render {
                    label,
                    mode,
                    stream: run.stdout,
                    folder: env.map_or_else(|| folder.clone(), |env| folder.join(env)),
                }
            })
            .collect();
        Renders {
            root: root_dir,
            items,
        }
    })
}

/// Who judges a kind.
#[derive(Debug, PartialEq)]
enum Judge {
    /// `kubernetes-validate` knows it.
    Core,
    /// The strict upstream schema in this file of `../shared/schemas`.
    Schema(String),
}

/// Built-in Kubernetes API groups have no dot (`apps`, `batch`, `policy`) or end in `.k8s.io`.
fn is_core(api_version: &str) -> bool {
    match api_version.rsplit_once('/') {
        None => true,
        Some((group, _)) => !group.contains('.') || group.ends_with(".k8s.io"),
    }
}

/// The validator of a document: core kinds go to `kubernetes-validate`, custom kinds to the
/// strict schema named after kind, group and version, in `schemas` or else in the project's own
/// `tests/schemas`; `None` when nobody can judge it.
fn judge(doc: &Value, schemas: &Path) -> Option<Judge> {
    let api_version = doc["apiVersion"].as_str()?;
    let kind = doc["kind"].as_str()?;
    if is_core(api_version) {
        return Some(Judge::Core);
    }
    let (group, version) = api_version.rsplit_once('/')?;
    let file = format!("{}.{group}_{version}.strict.json", kind.to_lowercase());
    [schemas.to_path_buf(), own_schemas()]
        .iter()
        .any(|dir| dir.join(&file).is_file())
        .then_some(Judge::Schema(file))
}

/// The strict schemas the project keeps itself, for kinds `../shared/schemas` lacks.
fn own_schemas() -> PathBuf {
    root().join("tests/schemas")
}

/// The text of a strict schema `judge` named, from whichever folder holds it.
fn schema_text(schemas: &Path, file: &str) -> String {
    let shared = schemas.join(file);
    let path = if shared.is_file() {
        shared
    } else {
        own_schemas().join(file)
    };
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_kind_has_a_validator() {
    let Some(schemas) = shared_schemas() else {
        return;
    };
    let mut unjudged = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    for (label, stream) in renders().streams() {
        for doc in documents(stream) {
            let kind = format!("{} {}", doc["apiVersion"], doc["kind"]);
            if judge(&doc, &schemas).is_none() {
                unjudged.insert(format!("{label}: {kind}"));
            }
            kinds.insert(kind);
        }
    }
    assert!(
        unjudged.is_empty(),
        "no validator covers these kinds (add the strict schema to ../shared/schemas):\n{}",
        unjudged.into_iter().collect::<Vec<_>>().join("\n")
    );
    assert!(
        kinds.len() >= 7,
        "only these kinds were rendered: {kinds:?}"
    );
}

/// The mapping finds a schema by kind, group and version, and nothing for a kind without one.
#[test]
fn kinds_map_to_validators_by_name() {
    let Some(schemas) = shared_schemas() else {
        return;
    };
    let doc = |api: &str, kind: &str| json!({ "apiVersion": api, "kind": kind });
    assert_eq!(judge(&doc("v1", "Secret"), &schemas), Some(Judge::Core));
    assert_eq!(
        judge(&doc("batch/v1", "CronJob"), &schemas),
        Some(Judge::Core)
    );
    assert_eq!(
        judge(&doc("rbac.authorization.k8s.io/v1", "Role"), &schemas),
        Some(Judge::Core)
    );
    assert_eq!(
        judge(&doc("minio.min.io/v2", "Tenant"), &schemas),
        Some(Judge::Schema("tenant.minio.min.io_v2.strict.json".into()))
    );
    assert_eq!(judge(&doc("minio.min.io/v1", "Tenant"), &schemas), None);
    assert_eq!(judge(&doc("example.com/v1", "Unjudged"), &schemas), None);
}

#[test]
fn custom_resources_pass_the_strict_upstream_schemas() {
    let Some(dir) = shared_schemas() else { return };
    let mut validators: BTreeMap<String, jsonschema::Validator> = BTreeMap::new();
    let mut checked = BTreeMap::<String, usize>::new();
    for (label, stream) in renders().streams() {
        for doc in documents(stream) {
            let Some(Judge::Schema(file)) = judge(&doc, &dir) else {
                continue;
            };
            let validator = validators.entry(file.clone()).or_insert_with(|| {
                let text = schema_text(&dir, &file);
                let schema: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
                jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{file}: {e}"))
            });
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{label}: {} `{}` fails {file}:\n{}",
                doc["kind"],
                doc["metadata"]["name"],
                errors.join("\n")
            );
            *checked.entry(file).or_default() += 1;
        }
    }
    assert!(
        checked.len() >= 3 && checked.values().sum::<usize>() >= 50,
        "too few custom resources were checked: {checked:?}"
    );
    for kind in [
        "scrapeconfig.monitoring.coreos.com_v1alpha1.strict.json",
        "servicemonitor.monitoring.coreos.com_v1.strict.json",
    ] {
        assert!(checked.get(kind) >= Some(&3), "{kind}: {checked:?}");
    }
}

/// The schemas must catch what they exist to catch, or the test above proves nothing.
#[test]
fn strict_schemas_refuse_a_misplaced_field() {
    let Some(dir) = shared_schemas() else { return };
    let docs = documents(&renders().items[0].stream);
    let misplaced = [
        (
            "Tenant",
            "tenant.minio.min.io_v2.strict.json",
            "/spec/pools/0",
        ),
        (
            "MinIOJob",
            "miniojob.job.min.io_v1alpha1.strict.json",
            "/spec/commands/0",
        ),
        (
            "PolicyBinding",
            "policybinding.sts.min.io_v1beta1.strict.json",
            "/spec/application",
        ),
        (
            "ScrapeConfig",
            "scrapeconfig.monitoring.coreos.com_v1alpha1.strict.json",
            "/spec/tlsConfig",
        ),
    ];
    for (kind, file, pointer) in misplaced {
        let text = schema_text(&dir, file);
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

/// Every core object of every stream must be reported as passed, one by one: a kind that
/// `kubernetes-validate` does not know is only a warning there, which must not pass here.
#[test]
fn core_kinds_pass_kubernetes_validate_strict() {
    let Some(tool) = venv_tool("kubernetes-validate") else {
        return;
    };
    let renders = renders();
    let files: Vec<PathBuf> = (0..renders.items.len())
        .map(|i| renders.root.join(format!("streams/{i:02}.yaml")))
        .collect();
    let mut expected = BTreeSet::new();
    for (file, (_, stream)) in files.iter().zip(renders.streams()) {
        for doc in documents(stream) {
            if is_core(doc["apiVersion"].as_str().unwrap_or_default()) {
                expected.insert(format!(
                    "{} {}/{}",
                    file.display(),
                    doc["kind"].as_str().unwrap_or_default().to_lowercase(),
                    doc["metadata"]["name"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    assert!(
        expected.len() >= 100,
        "only {} core objects",
        expected.len()
    );
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
        let passed: BTreeSet<String> = report
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("INFO ")?;
                let (file, rest) = rest.split_once(" passed for resource ")?;
                let (object, _) = rest.split_once(" against version ")?;
                Some(format!("{file} {object}"))
            })
            .collect();
        let missing: Vec<&String> = expected.difference(&passed).collect();
        assert!(
            missing.is_empty(),
            "kubernetes-validate {version} did not pass these objects:\n{missing:#?}\n{report}"
        );
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
    let renders = renders();
    assert!(
        renders
            .items
            .iter()
            .any(|r| r.label.contains("yaml11-specials"))
    );
    for (label, stream) in renders.streams() {
        let output = output_with_input(Command::new(&python).args(["-c", script]), stream);
        assert!(
            output.status.success(),
            "{label}: PyYAML could not read the stream"
        );
        let theirs: Vec<Value> =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(
            theirs,
            documents(stream),
            "{label}: a YAML 1.1 reader sees other values"
        );
    }
}

#[test]
fn kustomize_of_every_folder_gives_the_stream() {
    let Some(kubectl) = which("kubectl") else {
        return;
    };
    for render in &renders().items {
        let built = Command::new(&kubectl)
            .arg("kustomize")
            .arg(&render.folder)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            built.status.success(),
            "{}: kubectl kustomize failed: {}",
            render.label,
            String::from_utf8_lossy(&built.stderr)
        );
        assert_eq!(
            documents(&String::from_utf8_lossy(&built.stdout)),
            documents(&render.stream),
            "{}: kubectl kustomize gives other objects than the stream",
            render.label
        );
    }
}

#[test]
fn yamllint_finds_nothing() {
    let Some(yamllint) = venv_tool("yamllint") else {
        return;
    };
    let renders = renders();
    let output = Command::new(&yamllint)
        .args(["--strict", "-f", "parsable", "-c"])
        .arg(root().join(".yamllint.yaml"))
        .arg(&renders.root)
        .arg(root().join("out"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run yamllint: {e}"));
    assert!(
        output.status.success(),
        "yamllint found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // yamllint must have read the renders, or its silence proves nothing.
    let bad = renders.root.join("streams/broken.yml");
    std::fs::write(&bad, "a: 1\na: 2\nb: yes\n").unwrap_or_else(|e| panic!("{e}"));
    let output = Command::new(&yamllint)
        .args(["--strict", "-f", "parsable", "-c"])
        .arg(root().join(".yamllint.yaml"))
        .arg(&bad)
        .output()
        .unwrap_or_else(|e| panic!("cannot run yamllint: {e}"));
    let _ = std::fs::remove_file(&bad);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("key-duplicates") && report.contains("truthy"),
        "{report}"
    );
}

/// One checkov result: the check, where, and the reason of a skip.
#[derive(Debug)]
struct Finding {
    framework: String,
    check: String,
    file: String,
    reason: String,
}

/// checkov, installed in its own venv by `.ci/test`, run once over every folder, offline.
fn checkov(dir: &Path) -> Option<(Vec<Finding>, Vec<Finding>, usize)> {
    let tool = venv_tool_in(".venv-checkov", "checkov")?;
    let output = Command::new(&tool)
        .args(["--skip-download", "--framework", "kubernetes", "kustomize"])
        .args(["secrets", "--output", "json", "--directory"])
        .arg(dir)
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")
        .env_remove("AWS_CA_BUNDLE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run checkov: {e}"));
    let text = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}):\n{text}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let reports = match report {
        Value::Array(items) => items,
        one => vec![one],
    };
    let (mut failed, mut skipped, mut passed) = (Vec::new(), Vec::new(), 0);
    for report in &reports {
        let framework = report["check_type"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let results = &report["results"];
        passed += results["passed_checks"].as_array().map_or(0, Vec::len);
        let findings = |key: &str| -> Vec<Finding> {
            results[key]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| Finding {
                    framework: framework.clone(),
                    check: c["check_id"].as_str().unwrap_or_default().to_string(),
                    file: c["file_path"].as_str().unwrap_or_default().to_string(),
                    reason: c["check_result"]["suppress_comment"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                })
                .collect()
        };
        failed.extend(findings("failed_checks"));
        skipped.extend(findings("skipped_checks"));
        let errors = results["parsing_errors"].as_array().map_or(0, Vec::len);
        assert_eq!(errors, 0, "checkov could not parse some files: {report}");
    }
    Some((failed, skipped, passed))
}

/// checkov fails no check on any render. The checks that cannot apply are skipped in the
/// templates, each with its reason. One kind of finding is expected: in mode `derived` the
/// Secrets hold real credentials (the user chose that mode, and `gen --out` writes it only with
/// `--write-plaintext-credentials`), and checkov's secret scanner must find them there and only
/// there, which also shows that it ran.
#[test]
fn checkov_fails_no_check() {
    let renders = renders();
    let Some((failed, skipped, passed)) = checkov(&renders.folders()) else {
        return;
    };
    let derived: Vec<String> = renders
        .items
        .iter()
        .filter(|r| r.mode == "derived")
        .filter_map(|r| {
            r.folder
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .collect();
    let in_derived_secret = |f: &Finding| {
        let mut parts = f.file.trim_start_matches('/').split('/');
        let (folder, file) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        f.framework == "secrets"
            && f.check.starts_with("CKV_SECRET_")
            && derived.iter().any(|d| d == folder)
            && file.starts_with("secret-")
    };
    let unexpected: Vec<&Finding> = failed.iter().filter(|f| !in_derived_secret(f)).collect();
    assert!(
        unexpected.is_empty(),
        "checkov failed checks:\n{unexpected:#?}"
    );
    assert!(
        failed.iter().any(in_derived_secret),
        "checkov's secret scanner found none of the credentials mode `derived` writes"
    );
    assert!(passed >= 1000, "checkov passed only {passed} checks");
    for skip in &skipped {
        assert!(
            skip.reason.split_whitespace().count() >= 8,
            "checkov skips {} in {} without a reason a reviewer can judge: {:?}",
            skip.check,
            skip.file,
            skip.reason
        );
    }
    let by_digest = renders
        .items
        .iter()
        .find(|r| r.label.contains("by digest"))
        .and_then(|r| r.folder.file_name())
        .map(|n| format!("/{}/", n.to_string_lossy()))
        .unwrap_or_default();
    assert!(
        !skipped
            .iter()
            .any(|s| s.check == "CKV_K8S_43" && s.file.starts_with(&by_digest)),
        "the digest check is skipped although the image is pinned by digest"
    );
    let checks: BTreeSet<&str> = skipped.iter().map(|s| s.check.as_str()).collect();
    eprintln!(
        "checkov: {passed} passed, {} skipped ({checks:?})",
        skipped.len()
    );
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
