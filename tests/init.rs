//! `miniogen init`: the starter site file shows every key of the schema, renders as written and
//! with everything uncommented, and never replaces a file.

use std::path::Path;

use serde_json::Value;

use crate::support::{TIERS, kustomize, miniogen_in, root, scratch_dir, which};

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
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
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
    init_tier(dir, "5000")
}

fn init_tier(dir: &Path, ccu: &str) -> String {
    let run = miniogen_in(Some(dir), &["init", "--ccu", ccu]);
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

/// The lines of the table that starts at `header`, up to the next line that starts a table or a
/// commented-out table (the `[[pools]]` example).
fn region<'a>(text: &'a str, header: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.starts_with('[') && !l.starts_with("# ["))
        .collect()
}

/// `plan --format json` of a site file given as text, in `dir`, without the pools' pod
/// annotations (a checksum of `config.env`, which a set `MINIO_API_REQUESTS_MAX` changes though
/// each server's limit stays the same).
fn plan_of(dir: &Path, text: &str) -> Value {
    std::fs::write(dir.join("probe.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    let run = miniogen_in(
        Some(dir),
        &["plan", "--config", "probe.toml", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}\n{text}", run.stderr);
    let mut plan: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}"));
    for pool in plan["pools"].as_array_mut().into_iter().flatten() {
        pool.as_object_mut().map(|p| p.remove("pod_annotations"));
    }
    plan
}

/// `init --ccu 5000` showed `servers = 8`, `volumes_per_server = 4`, `volume_size = "1Ti"` (issue
/// 26, item 4). For every tier, `[sizing]` writes down the tier's shape, and uncommenting the
/// rest of `[sizing]` changes nothing: each shown value is the one the file gives. The
/// `[[pools]]` example, uncommented whole, adds the tier's pool and changes nothing else; one of
/// its keys uncommented alone lands in `[sizing]`, which refuses it.
#[test]
fn the_starter_file_shows_the_values_it_gives() {
    let dir = scratch_dir("init-values");
    for ccu in TIERS {
        let ccu = ccu.to_string();
        let _ = std::fs::remove_file(dir.join("miniogen.toml"));
        let text = init_tier(&dir, &ccu);
        let sizing = region(&text, "[sizing]");
        let written: Vec<&str> = sizing
            .iter()
            .copied()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        let profile: toml::Table = toml::from_str(
            &std::fs::read_to_string(root().join(format!("profiles/{ccu}.toml")))
                .unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let tier = &profile["sizing"];
        assert_eq!(
            written,
            [
                format!("servers = {}", tier["servers"]),
                format!("volumes_per_server = {}", tier["volumes_per_server"]),
                format!("volume_size = {}", tier["volume_size"]),
            ],
            "{ccu}"
        );
        let as_written = plan_of(&dir, &text);
        // By position: the `[[pools]]` example repeats some of `[sizing]`'s lines.
        let header = text
            .lines()
            .position(|l| l == "[sizing]")
            .unwrap_or_else(|| panic!("no [sizing]"));
        let uncommented: String = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i > header && i <= header + sizing.len() {
                    uncomment_all(l)
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        assert_ne!(uncommented, text);
        let all = plan_of(&dir, &uncommented);
        assert_eq!(all["pools"], as_written["pools"], "{ccu}");
        assert_eq!(
            all["tenant"]["api_requests"]["per_server"],
            as_written["tenant"]["api_requests"]["per_server"],
            "{ccu}"
        );

        // The `[[pools]]` example, whole.
        let start = text
            .find("# [[pools]]\n")
            .unwrap_or_else(|| panic!("no example"));
        let end = start + text[start..].find("\n\n").unwrap_or(0);
        let example = uncomment_all(&text[start..end]);
        let with_pool = format!("{}{example}{}", &text[..start], &text[end..]);
        let grown = plan_of(&dir, &with_pool);
        let pools = grown["pools"].as_array().cloned().unwrap_or_default();
        assert_eq!(pools.len(), 2, "{ccu}");
        assert_eq!(pools[0], as_written["pools"][0], "{ccu}");
        assert_eq!(pools[1]["name"], "pool-1");
        for key in [
            "servers",
            "volumes_per_server",
            "volume_size",
            "storage_class",
        ] {
            assert_eq!(pools[1][key], pools[0][key], "{ccu}: {key}");
        }
        // One of its keys without the `[[pools]]` line.
        for key in ["name", "servers", "storage_class"] {
            let line = text[start..end]
                .lines()
                .find(|l| l.starts_with(&format!("# {key} = ")))
                .unwrap_or_else(|| panic!("no {key}"));
            let block = text[start..end].replacen(line, &line[2..], 1);
            let stray = format!("{}{block}{}", &text[..start], &text[end..]);
            std::fs::write(dir.join("stray.toml"), &stray).unwrap_or_else(|e| panic!("{e}"));
            let run = miniogen_in(Some(&dir), &["plan", "--config", "stray.toml"]);
            assert_ne!(
                run.code, 0,
                "{ccu}: `{line}` uncommented alone was accepted"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bucket comment said "replaces the defaults below" above a list holding `loki-chunks`,
/// not a default (issue 26, item 4): the buckets it names as created without a list are the
/// ones the file gives.
#[test]
fn the_bucket_comment_names_the_buckets_the_file_gives() {
    let dir = scratch_dir("init-buckets");
    let text = init_in(&dir);
    let comment: String = text
        .lines()
        .skip_while(|l| !l.starts_with("# Without a `[[buckets]]` list"))
        .take_while(|l| l.starts_with('#') && !l.starts_with("# [["))
        .collect::<Vec<_>>()
        .join(" ");
    let named = comment
        .split(". A list replaces")
        .next()
        .unwrap_or_default()
        .split('`')
        .skip(3)
        .step_by(2)
        .map(str::to_string)
        .collect::<Vec<_>>();
    let plan = plan_of(&dir, &text);
    let given: Vec<String> = plan["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["name"].as_str().map(str::to_string))
        .collect();
    assert!(!given.is_empty());
    assert_eq!(named, given, "{comment}");
    let _ = std::fs::remove_dir_all(&dir);
}
