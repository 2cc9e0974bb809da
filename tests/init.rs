//! `miniogen init`: the starter site file shows every key of the schema, renders as written and
//! with everything uncommented, and never replaces a file.

use std::path::Path;

use serde_json::Value;

use crate::support::{kustomize, miniogen_in, root, scratch_dir, which};

/// The file with every commented-out setting and table header uncommented; documentation
/// stays a comment.
fn uncomment_all(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let setting = line.strip_prefix("# ").filter(|rest| {
            rest.starts_with('[')
                || rest.split_once(" = ").is_some_and(|(key, _)| {
                    !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                })
        });
        out.push_str(setting.unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Every property path of the site schema, `$ref`s followed; a list stands for its first entry
/// and a map of tables for the example entry `init` writes.
fn schema_paths(schema: &Value, defs: &Value, path: &str, out: &mut Vec<String>) {
    let resolve = |node: &Value| -> Value {
        node.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|n| defs.get(n))
            .cloned()
            .unwrap_or_else(|| node.clone())
    };
    let node = resolve(schema);
    let Some(properties) = node.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, child) in properties {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}/{key}")
        };
        out.push(here.clone());
        let inner = resolve(child);
        if let Some(items) = inner.get("items") {
            schema_paths(items, defs, &format!("{here}/0"), out);
        } else if key == "consumers" {
            schema_paths(
                &inner["additionalProperties"],
                defs,
                &format!("{here}/loki"),
                out,
            );
        } else if key != "environments" {
            schema_paths(child, defs, &here, out);
        }
    }
}

fn init_in(dir: &Path) -> String {
    let run = miniogen_in(Some(dir), &["init", "--ccu", "5000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("wrote `miniogen.toml`"),
        "{}",
        run.stderr
    );
    std::fs::read_to_string(dir.join("miniogen.toml")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_starter_file_shows_every_key_of_the_schema() {
    let dir = scratch_dir("init-keys");
    let text = init_in(&dir);
    let all: toml::Table = toml::from_str(&uncomment_all(&text))
        .unwrap_or_else(|e| panic!("uncommented, the file is not TOML: {e}"));
    let all = serde_json::to_value(all).unwrap_or_default();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/site.schema.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    let mut paths = Vec::new();
    schema_paths(&schema, &schema["$defs"], "", &mut paths);
    assert!(paths.len() > 80, "the schema walk found only {paths:?}");
    // A list's key counts when any entry shows it: a bucket's retention only holds for a
    // locked one. `lowered_from` acknowledges a shortened compliance retention, a change no
    // starter file has to make.
    let shown = |p: &str| {
        (0..8).any(|i| {
            all.pointer(&format!("/{}", p.replacen("/0/", &format!("/{i}/"), 1)))
                .is_some()
        })
    };
    let missing: Vec<&String> = paths
        .iter()
        .filter(|p| !p.ends_with("/lowered_from") && !shown(p))
        .collect();
    assert!(missing.is_empty(), "init leaves out {missing:?}");
    // Each key comes with its documentation: the line above a setting is a comment.
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("# ") && uncomment_all(line) != format!("{line}\n") && i > 0 {
            let above = lines[i - 1];
            assert!(
                above.starts_with('#') || above.starts_with('['),
                "no doc above {line}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_starter_file_renders_as_written_and_uncommented() {
    let dir = scratch_dir("init-render");
    let text = init_in(&dir);
    let written = miniogen_in(Some(&dir), &["gen", "--out", "manifests"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(dir.join("manifests/tenant-matrix-minio.yaml").is_file());
    if let Some(kubectl) = which("kubectl") {
        assert!(
            kustomize(&kubectl, &dir.join("manifests"))
                .iter()
                .any(|o| o["kind"] == "Tenant")
        );
    }
    // Everything uncommented: every example renders together, in every environment.
    std::fs::write(dir.join("all.toml"), uncomment_all(&text)).unwrap_or_else(|e| panic!("{e}"));
    let all = miniogen_in(Some(&dir), &["gen", "--config", "all.toml", "--out", "all"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(dir.join("all/staging/tenant-matrix-minio.yaml").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_never_replaces_a_file() {
    let dir = scratch_dir("init-exists");
    std::fs::write(dir.join("miniogen.toml"), "ccu = 100\n").unwrap_or_else(|e| panic!("{e}"));
    let run = miniogen_in(Some(&dir), &["init", "--ccu", "5000"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("never overwrites a file"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("miniogen.toml"))
            .ok()
            .as_deref(),
        Some("ccu = 100\n")
    );
    let bad = miniogen_in(Some(&dir), &["init", "--ccu", "-5", "--config", "new.toml"]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(!dir.join("new.toml").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
