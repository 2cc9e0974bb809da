//! What MinIO Operator v6.0.2 does with the output, checked through the model in
//! `src/plan/operator/`: no generated object is one the operator writes itself, unrelated changes
//! leave the Tenant byte-identical and restart nothing, and the changes that do restart MinIO
//! are named in the verdict `gen --out` and `check` give.

use std::path::Path;

use miniogen::plan::operator::{self, Owned};
use serde_json::Value;

use crate::support::{TIERS, documents, miniogen_in, ok, root, scratch_dir};

/// Every object of `stream` that has the kind, namespace and name of one the operator writes
/// for the stream's Tenant.
fn collisions(stream: &str) -> Vec<String> {
    let docs = documents(stream);
    let tenant = docs
        .iter()
        .find(|d| d["kind"] == "Tenant")
        .unwrap_or_else(|| panic!("no Tenant"));
    let owned: Vec<Owned> = operator::PINNED.owned_objects(tenant);
    assert!(
        owned
            .iter()
            .any(|o| o.kind == "PodDisruptionBudget" || o.kind == "StatefulSet"),
        "the model owns nothing: {owned:?}"
    );
    docs.iter()
        .filter(|d| {
            owned.iter().any(|o| {
                d["kind"] == o.kind
                    && d["metadata"]["name"] == o.name.as_str()
                    && d["metadata"]["namespace"].as_str() == o.namespace.as_deref()
            })
        })
        .map(|d| {
            format!(
                "{} `{}`",
                d["kind"].as_str().unwrap_or_default(),
                d["metadata"]["name"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn no_generated_object_is_one_the_operator_writes() {
    let mut streams = Vec::new();
    for ccu in TIERS {
        streams.push((
            format!("tier {ccu}"),
            ok(&["gen", "--ccu", &ccu.to_string()]),
        ));
    }
    let fixtures = root().join("tests/fixtures/valid");
    let mut names: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for path in names {
        let config = path.to_string_lossy().to_string();
        for ccu in TIERS {
            let run = miniogen_in(
                None,
                &["gen", "--ccu", &ccu.to_string(), "--config", &config],
            );
            assert_eq!(run.code, 0, "{config}: {}", run.stderr);
            streams.push((format!("{config} at {ccu}"), run.stdout));
        }
    }
    // A pool the operator writes no budget for keeps miniogen's, which is no collision.
    let small = ok(&[
        "gen",
        "--ccu",
        "100",
        "--set",
        "sizing.servers=2",
        "--set",
        "sizing.parity=2",
        "--set",
        "warnings.servers_multiple_of_4=false",
    ]);
    assert!(small.contains("kind: PodDisruptionBudget"), "{small}");
    streams.push(("2 servers".into(), small));
    for (what, stream) in &streams {
        assert_eq!(collisions(stream), Vec::<String>::new(), "{what}");
    }
    // The check can fail: the stream before this change wrote the operator's budget.
    let mut old = ok(&["gen", "--ccu", "5000"]);
    old.push_str(
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: matrix-minio-pool-0\n  namespace: matrix\n",
    );
    assert_eq!(
        collisions(&old),
        ["PodDisruptionBudget `matrix-minio-pool-0`"]
    );
}

/// Writes `site` as the site file of `dir` and runs `gen --out out` there.
fn gen_with(dir: &Path, site: &str) -> Value {
    std::fs::write(dir.join("miniogen.toml"), site).unwrap_or_else(|e| panic!("{e}"));
    let run = miniogen_in(
        Some(dir),
        &["gen", "--ccu", "10000", "--out", "out", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn tenant_file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out/tenant-matrix-minio.yaml")).unwrap_or_default()
}

const BASE: &str = "[rclone]\nschedule = \"*/15 * * * *\"\n";

#[test]
fn unrelated_changes_leave_the_tenant_alone_and_restart_nothing() {
    for (what, change) in [
        ("rclone schedule", "[rclone]\nschedule = \"0 * * * *\"\n"),
        (
            "scrape interval",
            "[rclone]\nschedule = \"*/15 * * * *\"\n[prometheus]\ninterval = \"1m\"\n",
        ),
        (
            "a consumer",
            "[rclone]\nschedule = \"*/15 * * * *\"\n[consumers.grafana]\naccess_key = \"grafana\"\n\
             secret = \"minio-grafana-credentials\"\nbuckets = { synapse-media = \"read\" }\n",
        ),
    ] {
        let dir = scratch_dir(&format!("verdict-{}", what.replace(' ', "-")));
        let first = gen_with(&dir, BASE);
        assert_eq!(
            first["folders"][0]["verdict"],
            Value::Null,
            "{what}: {first}"
        );
        let before = tenant_file(&dir);
        let json = gen_with(&dir, change);
        let folder = &json["folders"][0];
        assert_eq!(folder["changed"], true, "{what}: nothing changed");
        assert_eq!(tenant_file(&dir), before, "{what} changed the Tenant");
        let pools = folder["verdict"]["pools"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(pools.len(), 1, "{what}: {folder}");
        assert_eq!(pools[0]["restart"], false, "{what}: {folder}");
        assert_eq!(
            folder["verdict"]["actions"],
            serde_json::json!([]),
            "{what}"
        );
        // `check` says the same on stderr, and exits 1 for the stale folder as before.
        std::fs::write(dir.join("miniogen.toml"), BASE).unwrap_or_else(|e| panic!("{e}"));
        let check = miniogen_in(Some(&dir), &["check", "--ccu", "10000", "--out", "out"]);
        assert_eq!(check.code, 1, "{}", check.stderr);
        assert!(
            check
                .stderr
                .contains("note: `out`: applying this restarts no MinIO pod of pool `pool-0`"),
            "{what}: {}",
            check.stderr
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn restarting_changes_name_their_field() {
    for (what, change, field) in [
        (
            "image",
            "[tenant]\nimage = \"quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z\"\n",
            "spec.image",
        ),
        (
            "resources",
            "[sizing.resources.limits]\nmemory = \"64Gi\"\n",
            "spec.pools[pool-0].resources",
        ),
        (
            "configuration",
            "[audit]\nwebhook_endpoint = \"https://audit.example.com/minio\"\n",
            "pod annotation `miniogen.io/config-checksum`",
        ),
    ] {
        let dir = scratch_dir(&format!("restart-{what}"));
        gen_with(&dir, BASE);
        let json = gen_with(&dir, &format!("{BASE}{change}"));
        let pool = &json["folders"][0]["verdict"]["pools"][0];
        assert_eq!(pool["restart"], true, "{what}: {json}");
        let fields: Vec<&str> = pool["causes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["field"].as_str())
            .collect();
        assert_eq!(fields, [field], "{what}");
        let check = miniogen_in(
            Some(&dir),
            &[
                "check", "--ccu", "10000", "--out", "out", "--format", "json",
            ],
        );
        assert_eq!(check.code, 0, "{what}: {}", check.stderr);
        std::fs::write(dir.join("miniogen.toml"), BASE).unwrap_or_else(|e| panic!("{e}"));
        let stale = miniogen_in(Some(&dir), &["check", "--ccu", "10000", "--out", "out"]);
        assert_eq!(stale.code, 1);
        assert!(
            stale
                .stderr
                .contains("applying this restarts the MinIO pods of pool `pool-0`"),
            "{what}: {}",
            stale.stderr
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Bucket, user and volume changes restart nothing but are announced, and the erasure-set size
/// of formatted drives is kept: a folder with MinIO's own 16-drive sets is not switched to 8.
#[test]
fn other_operator_actions_and_the_set_size_guard() {
    let dir = scratch_dir("actions");
    gen_with(&dir, "[tenant]\nerasure_sets = \"largest\"\n");
    let grown = "[tenant]\nerasure_sets = \"largest\"\n[sizing]\nvolume_size = \"1Ti\"\n";
    std::fs::write(dir.join("miniogen.toml"), grown).unwrap_or_else(|e| panic!("{e}"));
    let run = miniogen_in(
        Some(&dir),
        &[
            "gen",
            "--ccu",
            "10000",
            "--out",
            "out",
            "--accept-pool-rebuild",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"action\": \"expand-volumes\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("MinIO Operator v6.0.2 also grows the volume claims of pool `pool-0` from 500Gi to 1Ti in place"),
        "{}",
        run.stderr
    );
    // The default now picks 8-drive sets; the folder's drives hold 16.
    std::fs::write(
        dir.join("miniogen.toml"),
        "[sizing]\nvolume_size = \"1Ti\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let kept = miniogen_in(Some(&dir), &["check", "--ccu", "10000", "--out", "out"]);
    assert_eq!(kept.code, 1, "{}", kept.stderr);
    assert!(
        kept.stderr.contains(
            "pool `pool-0`: its erasure-set size would change from 16 to 8 drives, but MinIO refuses to start on drives formatted with another set size"
        ),
        "{}",
        kept.stderr
    );
    assert!(
        kept.stderr.contains("`tenant.erasure_sets = \"largest\"`"),
        "{}",
        kept.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Secret named like the operator's certificate Secret is refused, not written beside it.
#[test]
fn a_secret_the_operator_writes_is_refused() {
    let run = miniogen_in(
        None,
        &[
            "gen",
            "--ccu",
            "100",
            "--set",
            "tenant.config_secret=matrix-minio-tls",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "Secret `matrix-minio-tls` is written by MinIO Operator v6.0.2 for tenant `matrix-minio`"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    // Without auto-cert the operator writes no such Secret.
    let plain = miniogen_in(
        None,
        &[
            "gen",
            "--ccu",
            "100",
            "--set",
            "tenant.config_secret=matrix-minio-tls",
            "--set",
            "tenant.tls=false",
        ],
    );
    assert_eq!(plain.code, 0, "{}", plain.stderr);
}

/// With the larger sets chosen, `gen`, `plan` and `check` all warn, naming the pool, what the
/// operator's budget lets go and what write quorum survives.
#[test]
fn the_larger_sets_warn_at_gen_plan_and_check() {
    let dir = scratch_dir("largest-warns");
    std::fs::write(
        dir.join("miniogen.toml"),
        "ccu = 20000\n[tenant]\nerasure_sets = \"largest\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let warning = "warning: pool `pool-0`: MinIO Operator v6.0.2's PodDisruptionBudget \
                   `matrix-minio-pool-0` lets 3 of 8 servers go at once, but write quorum \
                   survives only 2 (16-drive sets, 2 drives per server per set)";
    for args in [
        &["gen"][..],
        &["plan"],
        &["gen", "--out", "out"],
        &["check", "--out", "out"],
    ] {
        let run = miniogen_in(Some(&dir), args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(warning), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("miniogen.toml:3:16"),
            "{args:?}: the warning points at the switch: {}",
            run.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `plan` says how many schedulable nodes the tenant needs, and that number is what the render
/// makes necessary: every pool's pods repel one another on `kubernetes.io/hostname` (a required
/// anti-affinity over that pool's pods only, which MinIO Operator v6.0.2 copies into the
/// `StatefulSet` as it is: `NewPool`, `Affinity: pool.Affinity`), so the largest pool sets the
/// count: 4 for the 5000 tier, 8 once a pool of 8 servers joins it.
#[test]
fn plan_counts_the_nodes_the_anti_affinity_needs() {
    let grown = root().join("tests/fixtures/daytwo/grown.toml");
    let grown = grown.display().to_string();
    let cases: Vec<(Vec<String>, u64)> = TIERS
        .iter()
        .map(|t| {
            (
                vec!["--ccu".to_string(), t.to_string()],
                if *t >= 10000 { 8 } else { 4 },
            )
        })
        .chain(std::iter::once((vec!["--config".to_string(), grown], 8)))
        .collect();
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut plan_args = vec!["plan", "--format", "json"];
        plan_args.extend(&args);
        let plan: Value = serde_json::from_str(&ok(&plan_args)).unwrap_or_else(|e| panic!("{e}"));
        let mut gen_args = vec!["gen"];
        gen_args.extend(&args);
        let tenant = documents(&ok(&gen_args))
            .into_iter()
            .find(|d| d["kind"] == "Tenant")
            .unwrap_or_default();
        let mut largest = 0;
        for pool in tenant["spec"]["pools"].as_array().into_iter().flatten() {
            let terms = &pool["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
            assert_eq!(terms.as_array().map(Vec::len), Some(1), "{args:?}: {terms}");
            assert_eq!(terms[0]["topologyKey"], "kubernetes.io/hostname");
            assert_eq!(
                terms[0]["labelSelector"]["matchLabels"],
                serde_json::json!({
                    "v1.min.io/pool": pool["name"],
                    "v1.min.io/tenant": tenant["metadata"]["name"],
                }),
                "{args:?}: the anti-affinity must select this pool's pods only"
            );
            largest = largest.max(pool["servers"].as_u64().unwrap_or_default());
        }
        assert_eq!(largest, expected, "{args:?}");
        assert_eq!(plan["needs"]["nodes"]["count"], largest, "{args:?}");
        let text = ok(&plan_args[..1]
            .iter()
            .chain(&args)
            .copied()
            .collect::<Vec<_>>());
        assert!(
            text.contains(&format!("{largest} schedulable nodes")),
            "{args:?}: {text}"
        );
    }
}
