//! Hostile strings in every string field of the site file. The fields come from walking the
//! generated JSON Schema, so a field added later is covered without touching this test.
//!
//! For each field, a site file that holds a benign value there must render; then each hostile
//! string in its place (newlines, quotes, `---`, template syntax, `: `, YAML anchors and aliases)
//! must either be refused with a message located in the site file, or render so that the output
//! reads back to exactly that string, with the same objects as the benign render. A template
//! expression in a value is never evaluated.

use serde_json::{Map, Value, json};

use miniogen::Failure;
use miniogen::check::schema::{self, Kind};
use miniogen::model::credentials::MasterKey;

use crate::support::TEST_KEY;

/// Stands for the field under test until a value is put in.
const HOLE: &str = "\u{1}hole\u{1}";

const HOSTILE: [&str; 11] = [
    "a\nb",
    "x\n---\nkind: Secret\nmetadata: {name: evil}",
    "\"double\" 'single'",
    "---",
    "{{ 7 * 7 }}",
    "{% if true %}evaluated{% endif %}",
    "{# comment #}",
    "key: value",
    "&a",
    "*a",
    "&a [*a, *a]",
];

/// One string field: where it is, a site document with `HOLE` there, and a value it accepts.
struct Field {
    label: String,
    document: Value,
    benign: String,
}

/// A valid value of each custom format, for fields that have no default.
fn sample(format: Option<&str>) -> &'static str {
    match format {
        Some("dns-label" | "dns-subdomain") => "benign-name",
        Some("s3-bucket") => "benign-bucket",
        Some("k8s-size") => "1Gi",
        Some("k8s-cpu") => "1",
        Some("cron") => "*/5 * * * *",
        Some("duration") => "30s",
        Some("http-url") => "http://audit.example:8080/webhook",
        Some("minio-image") => "quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z",
        Some("pinned-image") => "docker.io/rclone/rclone:1.75.2",
        Some("label-value") => "benign-label",
        Some("access-key") => "benign-user",
        Some("time-zone") => "Etc/UTC",
        Some("go-duration") => "1h",
        Some("secret-path") => "minio/benign",
        Some("secret-property") => "BENIGN",
        Some("secret-key") => "benign.key",
        Some("region") => "us-east-1",
        Some("advisory-id") => "CVE-2025-62506",
        Some(other) => panic!("no sample for format `{other}`: add one here"),
        None => "benign",
    }
}

/// The node's type; `["integer", "null"]` (an `Option`) counts as `integer`.
fn type_of(node: &Value) -> Option<&str> {
    match &node["type"] {
        Value::String(t) => Some(t),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    }
}

struct Walker {
    root: Value,
}

impl Walker {
    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some("#") => &self.root,
            Some(reference) => {
                let name = reference.trim_start_matches("#/$defs/");
                let target = &self.root["$defs"][name];
                assert!(target.is_object(), "unresolved {reference}");
                target
            }
            None => node,
        }
    }

    /// A valid value for a node without a default; `name` is the key it sits under.
    fn fill(&self, node: &Value, name: &str) -> Value {
        let node_default = node.get("default").cloned();
        let node = self.resolve(node);
        if let Some(default) = node_default.or_else(|| node.get("default").cloned()) {
            return default;
        }
        if let Some(choices) = node.get("enum").and_then(Value::as_array) {
            return choices[0].clone();
        }
        match type_of(node) {
            // A consumer must be granted a bucket the tenant has.
            Some("object") if name == "buckets" => {
                json!({"synapse-media": self.fill(&node["additionalProperties"], "")})
            }
            Some("object") => self.fill_object(node),
            Some("array") => json!([]),
            Some("integer") => match name {
                "servers" => json!(4),
                "volumes_per_server" => json!(2),
                _ => node.get("minimum").cloned().unwrap_or(json!(1)),
            },
            Some("boolean") => json!(false),
            _ => json!(sample(node["format"].as_str())),
        }
    }

    /// An object with every required key filled.
    fn fill_object(&self, node: &Value) -> Value {
        let mut out = Map::new();
        for key in node["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            out.insert(key.into(), self.fill(&node["properties"][key], key));
        }
        Value::Object(out)
    }

    /// Every string field under `node`, as the value of `node` with `HOLE` in that field.
    /// `value` is the node's value around the field (its default, or a filled one).
    fn walk(
        &self,
        node: &Value,
        value: &Value,
        label: &str,
        in_env: bool,
    ) -> Vec<(String, Value, String)> {
        let default = node.get("default").cloned();
        let node = self.resolve(node);
        let value = &match value {
            Value::Null => default
                .or_else(|| node.get("default").cloned())
                .unwrap_or(Value::Null),
            other => other.clone(),
        };
        if node.get("enum").is_some() || type_of(node) == Some("string") {
            // A limit must stay above the tier's request, a request below its limit.
            let benign = match (value.as_str(), node["format"].as_str()) {
                (Some(v), _) => v.to_string(),
                (None, Some("k8s-cpu")) if label.contains(".limits.") => "64".into(),
                (None, Some("k8s-size")) if label.contains(".limits.") => "256Gi".into(),
                // A bucket a consumer uses must be one the tenant has.
                (None, Some("s3-bucket")) if !label.contains("buckets[]") => "synapse-media".into(),
                (None, format) => sample(format).to_string(),
            };
            return vec![(label.to_string(), json!(HOLE), benign)];
        }
        let mut out = Vec::new();
        match type_of(node) {
            Some("object") => {
                let base = match value {
                    Value::Object(_) => value.clone(),
                    _ => self.fill_object(node),
                };
                for (key, property) in node["properties"].as_object().into_iter().flatten() {
                    let inner = base.get(key).cloned().unwrap_or(Value::Null);
                    for (l, v, b) in self.walk(property, &inner, &format!("{label}.{key}"), in_env)
                    {
                        let mut object = base.clone();
                        object[key] = v;
                        out.push((l, object, b));
                    }
                }
                if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
                    let environments = values.get("$ref").and_then(Value::as_str) == Some("#");
                    if !(environments && in_env) {
                        // The keys of a consumer's bucket map must be buckets the tenant has.
                        let key = if label.ends_with(".buckets") {
                            "synapse-media-li"
                        } else {
                            "benign-key"
                        };
                        let filled = if environments {
                            json!({})
                        } else {
                            self.fill(values, "")
                        };
                        let mut object = base.clone();
                        object[HOLE] = filled.clone();
                        out.push((format!("{label}.<key>"), object, key.into()));
                        for (l, v, b) in self.walk(
                            self.resolve(values),
                            &filled,
                            &format!("{label}.{key}"),
                            in_env || environments,
                        ) {
                            let mut object = base.clone();
                            object[key] = v;
                            out.push((l, object, b));
                        }
                    }
                }
            }
            Some("array") => {
                let base: Vec<Value> = value.as_array().cloned().unwrap_or_default();
                let items = &node["items"];
                let mut filled = self.fill(items, "");
                // A bucket with a retention must be locked (MinIO sets no retention on a bucket
                // without lock), so the benign extra bucket is.
                if label.ends_with("buckets") {
                    filled["object_lock"] = json!(true);
                }
                for (l, v, b) in self.walk(items, &filled, &format!("{label}[]"), in_env) {
                    let mut array = base.clone();
                    array.push(v);
                    out.push((l, Value::Array(array), b));
                }
            }
            _ => {}
        }
        out
    }
}

/// Every string field of the site schema, top level and inside an environment.
fn fields() -> Vec<Field> {
    let root: Value =
        serde_json::from_str(&schema::generate(Kind::Site)).unwrap_or_else(|e| panic!("{e}"));
    let walker = Walker { root: root.clone() };
    walker
        .walk(&root, &json!({}), "", false)
        .into_iter()
        .map(|(label, document, benign)| Field {
            label: label.trim_start_matches('.').to_string(),
            document,
            benign,
        })
        .collect()
}

/// The document with `text` in the hole (as a value or as a key), written as TOML.
fn site_file(document: &Value, text: &str) -> String {
    fn fill(value: &Value, text: &str) -> Value {
        match value {
            Value::String(s) if s == HOLE => json!(text),
            Value::Array(items) => Value::Array(items.iter().map(|v| fill(v, text)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        (
                            if k == HOLE {
                                text.to_string()
                            } else {
                                k.clone()
                            },
                            fill(v, text),
                        )
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    toml::to_string(&fill(document, text)).unwrap_or_else(|e| panic!("{e}"))
}

fn compile(text: &str) -> Result<Vec<String>, Failure> {
    let key = MasterKey::new(TEST_KEY.as_bytes()).ok();
    miniogen::compile_site("hostile.toml", text, 5000, key.as_ref())
}

/// Every string value and map key of the documents, and every value of the files carried in
/// them: `config.env` (`export NAME="value"`) and `rclone.conf` (`key = value`).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            out.push(s.clone());
            for line in s.lines() {
                if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                    out.push(section.to_string());
                } else if let Some((_, v)) = line
                    .strip_prefix("export ")
                    .and_then(|l| l.split_once("=\""))
                {
                    out.push(v.strip_suffix('"').unwrap_or(v).to_string());
                } else if let Some((_, v)) = line.split_once(" = ") {
                    out.push(v.to_string());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

fn found(streams: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for stream in streams {
        for doc in crate::support::documents(stream) {
            strings(&doc, &mut out);
        }
    }
    out
}

fn kinds(streams: &[String]) -> Vec<(String, String)> {
    streams
        .iter()
        .flat_map(|s| crate::support::documents(s))
        .map(|d| {
            let name = d["metadata"]["name"].as_str().unwrap_or_default();
            // The MinIOJob is named after a hash of what it does, so that the operator runs it
            // again when that changes: any user string it carries changes the suffix.
            let name = match d["kind"].as_str() {
                Some("MinIOJob") => name.rsplit_once('-').map_or(name, |(stem, _)| stem),
                _ => name,
            };
            (d["kind"].to_string(), name.to_string())
        })
        .collect()
}

/// Renders the field's site file with its benign value: the objects, and whether the value
/// appears in the output.
fn benign_render(field: &Field, document: &Value) -> (Vec<(String, String)>, bool) {
    let benign = site_file(document, &field.benign);
    match compile(&benign) {
        Ok(streams) => (kinds(&streams), found(&streams).contains(&field.benign)),
        Err(e) => panic!(
            "{}: the benign site file is refused: {e:?}\n{benign}",
            field.label
        ),
    }
}

/// Sets every key of `extra` in `document`, except the field under test.
fn overlay(document: &mut Value, extra: &Value) {
    for (key, value) in extra.as_object().into_iter().flatten() {
        match document.get_mut(key) {
            Some(inner @ Value::Object(_)) if value.is_object() => overlay(inner, value),
            Some(Value::String(s)) if s == HOLE => {}
            _ => document[key] = value.clone(),
        }
    }
}

#[test]
fn hostile_strings_in_every_field_are_refused_with_a_location_or_kept_exactly() {
    let fields = fields();
    let expected = [
        "namespace",
        "tenant.image",
        "buckets[].region",
        "prometheus.labels.<key>",
        "environments.<key>",
    ];
    for label in expected {
        assert!(
            fields.iter().any(|f| f.label == label),
            "the walk missed `{label}`"
        );
    }
    assert!(
        fields
            .iter()
            .any(|f| f.label.starts_with("environments.benign-key.tenant")),
        "the walk did not enter environments"
    );
    let mut kept = Vec::new();
    let mut unused = Vec::new();
    for field in &fields {
        // Some fields only reach the output in another configuration: try that one too.
        let mut document = field.document.clone();
        let (mut baseline, mut used) = benign_render(field, &document);
        let bearer =
            json!({"prometheus": {"auth": "bearer", "bearer_token_secret": "metrics-token"}});
        let vault = json!({"secrets": {"mode": "vault-placeholders"}});
        for extra in [&bearer, &vault] {
            if used {
                break;
            }
            let mut other = field.document.clone();
            overlay(&mut other, extra);
            let (other_baseline, other_used) = benign_render(field, &other);
            if other_used {
                (document, baseline, used) = (other, other_baseline, true);
            }
        }
        if !used {
            unused.push(field.label.clone());
        }
        for hostile in HOSTILE {
            let text = site_file(&document, hostile);
            match compile(&text) {
                Err(Failure::Invalid(diagnostics)) => {
                    let report = miniogen::model::diag::render_all(&diagnostics);
                    assert!(
                        report.contains("--> hostile.toml:"),
                        "{}: {hostile:?} is refused without a location in the site file:\n{report}",
                        field.label
                    );
                }
                Ok(streams) => {
                    assert_eq!(
                        kinds(&streams),
                        baseline,
                        "{}: {hostile:?} changed the objects",
                        field.label
                    );
                    let found = found(&streams);
                    // A field this configuration does not use (a bearer token key while auth is
                    // public) cannot appear; the objects and their parsing are checked above.
                    assert!(
                        !used || found.iter().any(|s| s == hostile),
                        "{}: {hostile:?} is not in the output as it was written",
                        field.label
                    );
                    // Kept exactly means not evaluated; and no evaluated copy appears elsewhere.
                    assert!(
                        !found
                            .iter()
                            .any(|s| s.contains("evaluated") && !s.contains("{%")),
                        "{}: {hostile:?} was evaluated",
                        field.label
                    );
                    kept.push(format!("{}: {hostile:?}", field.label));
                }
                Err(other) => panic!("{}: {hostile:?} broke the render: {other:?}", field.label),
            }
        }
    }
    eprintln!("{} string fields; kept exactly: {kept:#?}", fields.len());
    // A field that stops reaching the output is checked less from then on: it must be named
    // here, with the reason, or this fails.
    let mut expected: Vec<String> = NEVER_WHOLE.iter().map(|(f, _)| (*f).to_string()).collect();
    expected.push("environments.<key>".into());
    for (field, _) in NEVER_WHOLE.iter().chain(NEVER_WHOLE_IN_AN_ENVIRONMENT) {
        expected.push(format!("environments.benign-key.{field}"));
    }
    expected.sort();
    unused.sort();
    assert_eq!(
        unused, expected,
        "the string fields whose value never appears whole in the output changed: a field \
         that no longer reaches the output, or one that now does; update `NEVER_WHOLE` with \
         the reason"
    );
}

/// String fields whose value never appears whole in the rendered manifests, in the
/// configurations the walk renders (the defaults, then `prometheus.auth = "bearer"`, then secrets
/// mode `vault-placeholders`), and why. For these the walk checks only that a hostile value is
/// refused where it was written or leaves the objects unchanged. The same fields inside an
/// environment are expected too, and so is the environment's name (`environments.<key>`), which
/// names an output folder and stream, not a value.
const NEVER_WHOLE: &[(&str, &str)] = &[
    (
        "buckets[].quota",
        "given to `mc quota set` in bytes, and recorded inside the bucket job's JSON annotation",
    ),
    (
        "prometheus.alerts.fill_window",
        "only ever part of a PromQL range (`[6h]`) and of an alert's description",
    ),
    (
        "verify.operator_namespace",
        "only ever part of the operator's STS URL (`https://sts.<ns>.svc.<domain>:4223/...`)",
    ),
    (
        "cluster_domain",
        "only ever part of a host name or URL (`minio.<ns>.svc.<domain>`)",
    ),
    (
        "tenant.trust",
        "a choice among CA sources, written as what it selects",
    ),
    (
        "tenant.ca.name",
        "read only with `tenant.trust` `named-ca` or `provided`, not the default",
    ),
    (
        "tenant.ca.key",
        "read only with `tenant.trust` `named-ca` or `provided`, not the default",
    ),
    (
        "tenant.certificate_secret",
        "read only with `tenant.trust = \"provided\"`",
    ),
    (
        "tenant.erasure_sets",
        "a choice of set sizes, written as numbers",
    ),
    (
        "consumers.benign-key.buckets.synapse-media-li",
        "an access level, written as the S3 actions it allows",
    ),
    ("synapse.output", "a choice of which objects to write"),
    (
        "synapse.region",
        "written only into the Synapse fragment, beside the manifests",
    ),
    (
        "synapse.config_map",
        "read only with `synapse.output = \"config-map\"`",
    ),
    (
        "cnpg.object_store_name",
        "in the manifests only with `cnpg.object_store = true`",
    ),
    (
        "cnpg.path",
        "only ever part of the backup destination `s3://<bucket>/<path>/`",
    ),
    (
        "cnpg.retention",
        "in the manifests only with `cnpg.object_store = true`",
    ),
    (
        "cnpg.ca_secret",
        "in the manifests only with `cnpg.object_store = true`",
    ),
    (
        "warnings.accepted_advisories[]",
        "silences a warning; written nowhere",
    ),
    (
        "secrets.vault_path_prefix",
        "only ever part of a placeholder `<path:<prefix>/<key>#<property>>`",
    ),
    (
        "secrets.remote_keys.admin.key",
        "read only with an `[admin]`, which the walk has not",
    ),
    (
        "secrets.remote_keys.admin.property",
        "read only with an `[admin]`, which the walk has not",
    ),
];

/// Fields that reach the output at the top level but not inside an environment, and why.
const NEVER_WHOLE_IN_AN_ENVIRONMENT: &[(&str, &str)] = &[
    (
        "prometheus.bearer_token_secret",
        "read only with `prometheus.auth = \"bearer\"`, which the walk sets at the top level only",
    ),
    (
        "prometheus.bearer_token_key",
        "read only with `prometheus.auth = \"bearer\"`, which the walk sets at the top level only",
    ),
];

/// Line breaks as some YAML reader knows them: LF and CR (YAML 1.2), NEL, LS and PS (YAML 1.1,
/// PyYAML), with the text an attacker would put after them.
const BREAKS: [&str; 5] = ["\n", "\r", "\r\n", "\u{85}", "\u{2028}"];

/// What one YAML file holds for PyYAML (a YAML 1.1 reader, like kubectl's), by file name.
fn pyyaml_documents(python: &std::path::Path, files: &[std::path::PathBuf]) -> Vec<Vec<Value>> {
    let script = "import sys, json, yaml\n\
        json.dump([list(yaml.safe_load_all(open(p, encoding='utf-8', newline=''))) for p in sys.argv[1:]], sys.stdout)";
    let output = std::process::Command::new(python)
        .args(["-c", script])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run PyYAML: {e}"));
    assert!(
        output.status.success(),
        "PyYAML could not read the files: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"))
}

/// Every `.yaml` file under `dir`, sorted.
fn yaml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Site-file paths and `--set` text are the user's, and a line break in them would end a YAML
/// comment and start YAML of their choosing. No comment miniogen writes holds them: every file
/// opens with the same header, whatever the inputs, and PyYAML and `kubectl kustomize` read
/// exactly the objects of the stream, and the `consumers` fragments the same as we do.
#[test]
fn paths_and_set_text_never_reach_a_comment() {
    let (Some(python), Some(kubectl)) = (
        crate::support::venv_tool("python"),
        crate::support::which("kubectl"),
    ) else {
        return;
    };
    let dir = crate::support::scratch_dir("header-comment");
    // A `--set` value is read as TOML, where a comment may hold NEL, LS and PS, so such a `--set`
    // is accepted (the header names its key only). With LF or CR it is a literal string, which
    // `synapse.region` refuses: then nothing may be written at all.
    let mut cases: Vec<(String, Option<String>)> = Vec::new();
    for b in BREAKS {
        cases.push((format!("s{b}namePrefix: pwned-{b}#.toml"), None));
        cases.push((
            "s.toml".into(),
            Some(format!(
                "synapse.region=\"eu\" #{b}namespace: kube-system{b}#"
            )),
        ));
    }
    cases.push((
        "s\u{2029}namePrefix: pwned-\u{1b}[2K\t\u{feff}\u{202e}.toml".into(),
        Some("synapse.region=\"eu\" #\u{2029}namespace: kube-system\\".into()),
    ));
    let mut rendered = 0;
    for (i, (site, set)) in cases.iter().enumerate() {
        let case = dir.join(i.to_string());
        std::fs::create_dir_all(&case).unwrap_or_else(|e| panic!("{e}"));
        // The first pool written down: `gen` to stdout refuses a site file that leaves it to
        // the tier.
        let text =
            "ccu = 5000\n[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"500Gi\"\n";
        std::fs::write(case.join(site), text).unwrap_or_else(|e| panic!("{e}"));
        let mut args = vec!["--ccu", "5000", "--config", site.as_str()];
        if let Some(set) = set {
            args.extend(["--set", set.as_str()]);
        }
        let mut out_args = vec!["gen", "--out", "out"];
        out_args.extend(&args);
        let first = crate::support::miniogen_in(Some(&case), &out_args);
        if first.code == 1 && set.as_ref().is_some_and(|s| s.contains(['\n', '\r'])) {
            assert!(!case.join("out").exists(), "{set:?}: refused, yet written");
            continue;
        }
        assert_eq!(first.code, 0, "{site:?} {set:?}: {}", first.stderr);
        rendered += 1;
        let run = |command: &[&str]| {
            let all: Vec<&str> = command.iter().chain(&args).copied().collect();
            let run = crate::support::miniogen_in(Some(&case), &all);
            assert_eq!(
                run.code, 0,
                "{site:?} {set:?}: {all:?} failed: {}",
                run.stderr
            );
            run.stdout
        };
        let stream = run(&["gen"]);
        let consumers = run(&["consumers"]);
        let label = format!("site file {site:?}, --set {set:?}");

        let mut files = yaml_files(&case.join("out"));
        assert!(files.len() > 10, "{label}: {} files", files.len());
        let consumers_file = case.join("consumers.yaml");
        std::fs::write(&consumers_file, &consumers).unwrap_or_else(|e| panic!("{e}"));
        files.push(consumers_file);
        let theirs = pyyaml_documents(&python, &files);
        for (path, theirs) in files.iter().zip(theirs) {
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
            let comments: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
            let theirs_in = |l: &&str| ["pwned", "s.toml", "region"].iter().any(|t| l.contains(t));
            assert!(
                comments.contains(&"# Generated by miniogen. Change the inputs, not this file.")
                    && !comments.iter().any(theirs_in),
                "{label}: {}: {comments:?}",
                path.display()
            );
            assert_eq!(
                theirs,
                crate::support::documents(&text),
                "{label}: PyYAML reads {} otherwise",
                path.display()
            );
        }
        let built = std::process::Command::new(&kubectl)
            .arg("kustomize")
            .arg(case.join("out"))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(built.status.success(), "{label}: kubectl kustomize failed");
        assert_eq!(
            crate::support::documents(&String::from_utf8_lossy(&built.stdout)),
            crate::support::documents(&stream),
            "{label}: kubectl kustomize gives other objects than the stream"
        );
    }
    // Every file name, and the `--set` text with NEL, LS and PS, was rendered.
    assert_eq!(
        rendered,
        BREAKS.len() + 2 + 1,
        "cases that should render were refused"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `miniogen` in `dir`, killing it and failing the test if it runs for more than 20 s.
fn run_bounded(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> crate::support::Run {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_miniogen"))
        .args(args)
        .current_dir(dir)
        .env_remove("MINIOGEN_MASTER_KEY")
        .env_remove("MINIOGEN_MASTER_KEY_FILE")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run miniogen: {e}"));
    crate::support::bounded(child, &format!("miniogen {args:?} {env:?}"))
}

/// Arguments, environment, and the path the message must name.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

/// Inputs that are not regular files have no size to check: `/dev/zero` never ends and a FIFO
/// blocks until a writer comes. Each is refused at once, named, with exit 2, whether named on the
/// command line, in the environment, found as `miniogen.toml`, or met as an output folder's state
/// file, directly or through a symbolic link.
#[test]
fn devices_fifos_and_links_to_them_are_refused_unread() {
    use std::os::unix::fs::symlink;
    let dir = crate::support::scratch_dir("not-regular");
    let fifo = dir.join("site.fifo");
    crate::support::mkfifo(&fifo);
    symlink("/dev/zero", dir.join("zero.toml")).unwrap_or_else(|e| panic!("{e}"));
    // `check` reports a missing folder before it reads any input: give it one.
    std::fs::create_dir_all(dir.join("o")).unwrap_or_else(|e| panic!("{e}"));
    let key = crate::support::TEST_KEY;
    let cases: [Case; 8] = [
        (
            &["gen", "--ccu", "100", "--config", "/dev/zero"],
            &[],
            "/dev/zero",
        ),
        (
            &["gen", "--ccu", "100", "--profile", "/dev/urandom"],
            &[],
            "/dev/urandom",
        ),
        (
            &["plan", "--ccu", "100", "--config", "site.fifo"],
            &[],
            "site.fifo",
        ),
        (
            &["gen", "--ccu", "100", "--config", "zero.toml"],
            &[],
            "zero.toml",
        ),
        (
            &[
                "check",
                "--ccu",
                "100",
                "--profile",
                "site.fifo",
                "--out",
                "o",
            ],
            &[],
            "site.fifo",
        ),
        (
            &["gen", "--ccu", "100", "--secrets-mode", "derived"],
            &[("MINIOGEN_MASTER_KEY_FILE", "/dev/zero")],
            "/dev/zero",
        ),
        (
            &["gen", "--ccu", "100", "--secrets-mode", "derived"],
            &[("MINIOGEN_MASTER_KEY_FILE", "site.fifo")],
            "site.fifo",
        ),
        (&["gen", "--ccu", "100", "--config", "."], &[], "`.`"),
    ];
    for (args, env, named) in cases {
        let run = run_bounded(&dir, args, env);
        assert_eq!(run.code, 2, "{args:?} {env:?}: {}", run.stderr);
        // A link out of the working directory is refused before what it leads to is looked at.
        assert!(
            run.stderr.contains(named)
                && (run.stderr.contains("not a regular file")
                    || run.stderr.contains("outside the working directory")),
            "{args:?} {env:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains(key));
    }

    // The site file found by name, and the state file of an output folder, as links.
    let found = dir.join("found");
    std::fs::create_dir_all(&found).unwrap_or_else(|e| panic!("{e}"));
    symlink("/dev/zero", found.join("miniogen.toml")).unwrap_or_else(|e| panic!("{e}"));
    let run = run_bounded(&found, &["gen", "--ccu", "100"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("miniogen.toml")
            && run.stderr.contains("outside the working directory"),
        "{}",
        run.stderr
    );

    let folder = dir.join("folder");
    std::fs::create_dir_all(&folder).unwrap_or_else(|e| panic!("{e}"));
    let run = run_bounded(&folder, &["gen", "--ccu", "100", "--out", "out"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let state = folder.join("out/.miniogen-state.json");
    for target in ["/dev/zero", "../../site.fifo"] {
        let _ = std::fs::remove_file(&state);
        symlink(target, &state).unwrap_or_else(|e| panic!("{e}"));
        for command in ["gen", "check"] {
            let run = run_bounded(&folder, &[command, "--ccu", "100", "--out", "out"], &[]);
            assert_ne!(
                run.code, 0,
                "{command} with the state file linked to {target}"
            );
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A float with no fraction where an integer belongs is the user's mistake, located like any
/// other, from the site file and from `--set`; never an internal error.
#[test]
fn whole_floats_for_integers_are_located() {
    let run = crate::support::miniogen(&["gen", "--ccu", "5000", "--set", "sizing.servers=8.0"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: wrong type for `sizing.servers`: expected an integer, found a float\n \
             --> command line `--set sizing.servers=8.0`"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("please report"), "{}", run.stderr);
}

/// Each `--set` is refused with exit 1, pointing at the command line, and says `expected`.
fn refused_at_the_command_line(sets: &[&str], expected: &str) {
    for set in sets {
        let run = crate::support::miniogen(&["gen", "--ccu", "5000", "--set", set]);
        assert_eq!(run.code, 1, "--set {set:?} was not refused: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("--> command line `--set {set}`"))
                && run.stderr.contains(expected),
            "--set {set:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
}

/// Image references follow the grammar of distribution/reference (`regexp.go`), which the kubelet
/// parses them with: what it would refuse never reaches a manifest.
#[test]
fn image_references_that_are_not_references_are_refused() {
    refused_at_the_command_line(
        &[
            "rclone.image=:1.68",
            "rclone.image=RCLONE/Rclone:1.68",
            "rclone.image=rclone/rclone:{{x}}",
            "rclone.image=rclone/rclone:$(TAG)",
            "rclone.image=rclone/rclone:a\"b",
            "rclone.image=rclone/rclone:-1",
            "rclone.image=rclone/rclone:1.68#x",
            "tenant.image=quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z#x",
        ],
        "expected: an image pinned to",
    );
}

/// Schedules the CronJob controller's parser (robfig/cron v3 `getRange`) refuses are refused
/// here, and a zero scrape interval is refused where it was written.
#[test]
fn schedules_and_intervals_kubernetes_would_refuse_are_located() {
    refused_at_the_command_line(
        &["rclone.schedule=5-1 * * * *", "rclone.schedule=* * * * 7"],
        "expected: a schedule",
    );
    refused_at_the_command_line(&["prometheus.interval=0s"], "`prometheus.interval` is zero");
    let run =
        crate::support::miniogen(&["gen", "--ccu", "5000", "--set", "rclone.schedule=@every 5m"]);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert_eq!(first.matches("@every 5m").count(), 1, "{first}");
}

/// In `vault-placeholders` mode argocd-vault-plugin replaces `<path:...#...>` in every string of
/// every manifest (`pkg/kube/util.go`, `specificPathPlaceholder`), so a user value holding one
/// would bring a secret into the open. It is refused where it was written; other modes keep it
/// as text.
#[test]
fn vault_placeholders_in_user_values_are_refused() {
    // The webhook URL is the one field whose format lets `<` through; it lands in the config
    // Secret, whose values the plugin base64-decodes and searches too.
    let placeholder = "audit.webhook_endpoint=http://x/<path:secret/data/m/c#MINIO_ROOT_PASSWORD>";
    for set in [
        placeholder,
        "audit.webhook_endpoint=http://x/a?<path:a#b#1>",
    ] {
        let run = crate::support::miniogen(&[
            "gen",
            "--ccu",
            "5000",
            "--secrets-mode",
            "vault-placeholders",
            "--set",
            set,
        ]);
        assert_eq!(run.code, 1, "{set:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("argocd-vault-plugin would replace")
                && run
                    .stderr
                    .contains("--> command line `--set audit.webhook_endpoint="),
            "{}",
            run.stderr
        );
    }
    let run = crate::support::miniogen(&[
        "gen",
        "--ccu",
        "5000",
        "--secrets-mode",
        "external-secrets",
        "--set",
        placeholder,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Issue 23, item 2: a site file that is a link out of the working directory used to be read and
/// echoed (`ln -s /proc/self/environ miniogen.toml` printed the environment, the master key
/// included). Every command that reads the site file refuses it unread, with its name, and never
/// prints what it leads to; a file that is not TOML is quoted only in short excerpts.
#[test]
fn a_site_file_linked_out_of_the_working_directory_is_never_read() {
    use std::os::unix::fs::symlink;
    let dir = crate::support::scratch_dir("site-link");
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("out")).unwrap_or_else(|e| panic!("{e}"));
    // What CI keeps next to the checkout, and the process's own environment.
    let secret = "hunter2-token-do-not-print";
    std::fs::write(
        dir.join("credentials"),
        format!("token = \"{secret}\"\nTOKEN={secret}\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let commands: [&[&str]; 7] = [
        &["gen", "--ccu", "100"],
        &["check", "--out", "out"],
        &["plan", "--ccu", "100"],
        &["grow", "--ccu", "10000", "--dry-run"],
        &["argocd", "generate"],
        &["argocd", "parameters"],
        &["gen", "--ccu", "100", "--config", "miniogen.toml"],
    ];
    let env = [
        ("MINIOGEN_MASTER_KEY", secret),
        ("TOKEN", secret),
        ("PARAM_CCU", "100"),
    ];
    for target in ["/proc/self/environ", "../credentials"] {
        let link = repo.join("miniogen.toml");
        let _ = std::fs::remove_file(&link);
        symlink(target, &link).unwrap_or_else(|e| panic!("{e}"));
        for args in commands {
            let run = run_bounded(&repo, args, &env);
            let printed = format!("{}{}", run.stdout, run.stderr);
            assert!(
                !printed.contains(secret) && !printed.contains("hunter2"),
                "{args:?} with miniogen.toml -> {target} printed it:\n{printed}"
            );
            assert!(
                run.stderr.contains("miniogen.toml")
                    && run.stderr.contains("outside the working directory"),
                "{args:?} with miniogen.toml -> {target}:\n{}",
                run.stderr
            );
            // The announcement still goes out, without the site file's defaults.
            let expected = if args[..2] == ["argocd", "parameters"] {
                0
            } else {
                2
            };
            assert_eq!(run.code, expected, "{args:?}: {}", run.stderr);
        }
    }
    // A link to nothing is no absent site file.
    let link = repo.join("miniogen.toml");
    std::fs::remove_file(&link).unwrap_or_else(|e| panic!("{e}"));
    symlink("../nothing.toml", &link).unwrap_or_else(|e| panic!("{e}"));
    let run = run_bounded(&repo, &["gen", "--ccu", "100"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // A link inside the working directory is a site file like any other.
    std::fs::remove_file(&link).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(repo.join("deploy")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        repo.join("deploy/site.toml"),
        "namespace = \"chat\"\n[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"100Gi\"\n",
    )
        .unwrap_or_else(|e| panic!("{e}"));
    symlink("deploy/site.toml", &link).unwrap_or_else(|e| panic!("{e}"));
    let run = run_bounded(&repo, &["gen", "--ccu", "100"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("namespace: chat"));
    // ... and what it leads to must be a regular file.
    let made = std::process::Command::new("mkfifo")
        .arg(repo.join("site.fifo"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run mkfifo: {e}"));
    assert!(made.success());
    std::fs::remove_file(&link).unwrap_or_else(|e| panic!("{e}"));
    symlink("site.fifo", &link).unwrap_or_else(|e| panic!("{e}"));
    let run = run_bounded(&repo, &["gen", "--ccu", "100"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);

    // A file given that is not TOML is quoted only around where it fails, escaped.
    let long = format!(
        "{}\u{1b}]0;x\u{7} {secret}\n{}\n",
        "not toml ".repeat(20),
        "still not".repeat(5)
    );
    std::fs::write(dir.join("notes.txt"), long).unwrap_or_else(|e| panic!("{e}"));
    let run = run_bounded(
        &repo,
        &["gen", "--ccu", "100", "--config", "../notes.txt"],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains(secret), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 23, item 16: `schema --write` wrote through a symbolic link in `schema/`. A link there
/// is replaced by the schema file; a `schema` folder that is itself a link is refused.
#[test]
fn schema_write_never_writes_through_a_link() {
    use std::os::unix::fs::symlink;
    let dir = crate::support::scratch_dir("schema-links");
    let work = dir.join("work");
    std::fs::create_dir_all(work.join("schema")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("victim"), "mine\n").unwrap_or_else(|e| panic!("{e}"));
    symlink("../../victim", work.join("schema/site.schema.json")).unwrap_or_else(|e| panic!("{e}"));
    let run = run_bounded(&work, &["schema", "--write"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("victim")).ok().as_deref(),
        Some("mine\n")
    );
    let written = std::fs::symlink_metadata(work.join("schema/site.schema.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(written.is_file(), "the link was kept");
    let site = std::fs::read_to_string(work.join("schema/site.schema.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(site.contains("\"title\": \"miniogen site file\""));

    let linked = dir.join("linked");
    std::fs::create_dir_all(dir.join("elsewhere")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(&linked).unwrap_or_else(|e| panic!("{e}"));
    symlink("../elsewhere", linked.join("schema")).unwrap_or_else(|e| panic!("{e}"));
    let run = run_bounded(&linked, &["schema", "--write"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(dir.join("elsewhere"))
            .map(Iterator::count)
            .ok(),
        Some(0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
