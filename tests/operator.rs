//! What MinIO Operator v6.0.2 does with the output, checked through the model in
//! `src/plan/operator/`: no generated object is one the operator writes itself, unrelated changes
//! leave the Tenant byte-identical and restart nothing, and the changes that do restart MinIO
//! are named in the verdict `gen --out` and `check` give.

use std::path::Path;

use miniogen::plan::operator::Scope::{Pool, Tenant};
use miniogen::plan::operator::{self, Owned};
use serde_json::Value;

use crate::support::{
    TEST_KEY, TIERS, documents, miniogen_env, miniogen_in, ok, root, scratch_dir,
};

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
            // Each tier's own shape, over the one the fixture writes down.
            let ccu_flag = ccu.to_string();
            let mut args = vec!["gen", "--ccu", &ccu_flag, "--config", &config];
            let shape = crate::support::tier_shape(ccu);
            args.extend(shape.iter().map(String::as_str));
            let run = miniogen_in(None, &args);
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

/// The Tenant file of `dir/out`; a missing one fails the test, so that "unchanged" never
/// compares nothing with nothing.
fn tenant_file(dir: &Path) -> String {
    let path = dir.join("out/tenant-matrix-minio.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(text.contains("kind: Tenant"), "{}: {text}", path.display());
    text
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
        assert_eq!(
            folder["verdict"]["changes"],
            serde_json::json!([]),
            "{what}: {folder}"
        );
        // `check` says the same on stderr, and exits 1 for the stale folder as before.
        std::fs::write(dir.join("miniogen.toml"), BASE).unwrap_or_else(|e| panic!("{e}"));
        let check = miniogen_in(Some(&dir), &["check", "--ccu", "10000", "--out", "out"]);
        assert_eq!(check.code, 1, "{}", check.stderr);
        assert!(
            check
                .stderr
                .contains("note: `out`: none: applying this restarts no MinIO server"),
            "{what}: {}",
            check.stderr
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The class each change gets, from operator v6.0.2 and MinIO RELEASE.2025-09-07T16-13-09Z
/// (not from the code under test): a newer image is updated in place and restarts every
/// process at once (`updateServer`, `ServerUpdateV2`); a pool's resources reach its pod template
/// (`poolMinioServerContainer`, `poolSSMatchesSpec`) and roll it; the configuration reaches
/// MinIO only at a start (`regenCfgWithSecret`), so it is `manual` and the Tenant stays as it is.
#[test]
fn each_change_is_classed_as_the_operator_applies_it() {
    for (what, change, kind, class, field) in [
        (
            "image",
            "[tenant]\nimage = \"quay.io/minio/minio:RELEASE.2025-10-15T17-29-55Z\"\n\
             [warnings]\naccepted_advisories = [\"CVE-2025-62506\"]\n",
            "image",
            "simultaneous",
            "`spec.image`",
        ),
        (
            "resources",
            "[sizing.resources.limits]\nmemory = \"64Gi\"\n",
            "pod-template",
            "rolling",
            "`spec.pools[pool-0].resources`",
        ),
        (
            "configuration",
            "[audit]\nwebhook_endpoint = \"https://audit.example.com/minio\"\n",
            "configuration",
            "manual",
            "`MINIO_AUDIT_WEBHOOK_ENDPOINT_miniogen`",
        ),
    ] {
        let dir = scratch_dir(&format!("restart-{what}"));
        gen_with(&dir, BASE);
        let before = tenant_file(&dir);
        let json = gen_with(&dir, &format!("{BASE}{change}"));
        let changes = json["folders"][0]["verdict"]["changes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(changes.len(), 1, "{what}: {json}");
        assert_eq!(
            (
                changes[0]["kind"].as_str(),
                changes[0]["disruption"].as_str()
            ),
            (Some(kind), Some(class)),
            "{what}: {json}"
        );
        assert!(
            changes[0]["change"]
                .as_str()
                .is_some_and(|c| c.contains(field)),
            "{what}: {json}"
        );
        if what == "configuration" {
            // Never a roll: nothing in the Tenant follows `config.env`.
            assert_eq!(tenant_file(&dir), before, "the Tenant changed");
            assert!(
                changes[0]["todo"]
                    .as_str()
                    .is_some_and(|t| t.contains("mc admin service restart")),
                "{json}"
            );
        }
        let check = miniogen_in(
            Some(&dir),
            &[
                "check", "--ccu", "10000", "--out", "out", "--format", "json",
            ],
        );
        assert_eq!(check.code, 0, "{what}: {}", check.stderr);
        // Back again: the same class, except that going back to the older image is a
        // downgrade, which nothing applies.
        std::fs::write(dir.join("miniogen.toml"), BASE).unwrap_or_else(|e| panic!("{e}"));
        let stale = miniogen_in(Some(&dir), &["check", "--ccu", "10000", "--out", "out"]);
        assert_eq!(stale.code, 1);
        let back = if what == "image" { "blocked" } else { class };
        assert!(
            stale.stderr.contains(&format!("`out`: {back}: ")),
            "{what}: {}",
            stale.stderr
        );
        // `plan --out` says the same, with what to do, before anything is written.
        let plan = miniogen_in(Some(&dir), &["plan", "--ccu", "10000", "--out", "out"]);
        assert!(
            plan.stdout.contains(&format!(
                "applying this (MinIO Operator v6.0.2)\n  {back:<20} "
            )),
            "{what}: {}",
            plan.stdout
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// An older release is refused: MinIO answers `ServerUpdateV2` with "server is running the
/// latest version" for any release not newer than its own, so `updateServer` would fail on
/// every reconcile. `check --format json` still names it `blocked`, for CI.
#[test]
fn an_image_downgrade_is_refused() {
    let dir = scratch_dir("downgrade");
    gen_with(&dir, BASE);
    let before = tenant_file(&dir);
    let older =
        format!("{BASE}[tenant]\nimage = \"quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z\"\n");
    std::fs::write(dir.join("miniogen.toml"), &older).unwrap_or_else(|e| panic!("{e}"));
    let refused = miniogen_in(Some(&dir), &["gen", "--ccu", "10000", "--out", "out"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("error: `out`: blocked: `spec.image` from")
            && refused
                .stderr
                .contains("\"server is running the latest version\""),
        "{}",
        refused.stderr
    );
    assert_eq!(tenant_file(&dir), before, "a refused render wrote");
    let check = miniogen_in(
        Some(&dir),
        &[
            "check", "--ccu", "10000", "--out", "out", "--format", "json",
        ],
    );
    assert_eq!(check.code, 1, "{}", check.stderr);
    let json: Value = serde_json::from_str(&check.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        json["folders"][0]["verdict"]["changes"][0]["disruption"], "blocked",
        "{json}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A configuration change together with a roll is refused (issue 22, case 1): the roll brings
/// the servers up one at a time on the new `config.env`, each waiting in
/// `verifyServerSystemConfig` for half of its peers, so writes stop at the second pod of a
/// 4-server pool. The refusal gives the order and the exact TOML that keeps `config.env` for
/// the first step; each step then applies alone, with one class.
#[test]
fn a_configuration_change_with_a_roll_goes_in_two_steps() {
    let dir = scratch_dir("config-and-roll");
    gen_with(&dir, &format!("{BASE}[sizing]\napi_requests_max = 1000\n"));
    let both =
        format!("{BASE}[sizing]\napi_requests_max = 2000\nresources.limits.memory = \"24Gi\"\n");
    std::fs::write(dir.join("miniogen.toml"), &both).unwrap_or_else(|e| panic!("{e}"));
    let before = tenant_file(&dir);
    let refused = miniogen_in(Some(&dir), &["gen", "--ccu", "10000", "--out", "out"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    for needed in [
        "error: `out`: blocked: `config.env` changed together with what restarts MinIO in place",
        "on a 4-server pool writes stop at the second pod",
        "1. what restarts MinIO alone (`spec.pools[pool-0].resources`",
        "2. the configuration alone (`config.env`: `MINIO_API_REQUESTS_MAX` changed)",
        "for step 1, these settings in the site file keep `config.env` as the cluster has it \
         (merge them into its tables); take them out again for step 2:\n\n    [sizing]\n    \
         api_requests_max = 1000\n",
    ] {
        assert!(
            refused.stderr.contains(needed),
            "{needed}:\n{}",
            refused.stderr
        );
    }
    assert_eq!(tenant_file(&dir), before, "a refused render wrote");
    let classes = |site: &str| {
        std::fs::write(dir.join("miniogen.toml"), site).unwrap_or_else(|e| panic!("{e}"));
        let json = gen_with(&dir, site);
        json["folders"][0]["verdict"]["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["disruption"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    // Step 1 as the help says: the roll, with `config.env` as it was.
    assert_eq!(
        classes(&both.replace("api_requests_max = 2000", "api_requests_max = 1000")),
        ["rolling"]
    );
    // Step 2: the configuration alone.
    assert_eq!(classes(&both), ["manual"]);
    let _ = std::fs::remove_dir_all(&dir);
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
        run.stdout.contains("\"kind\": \"volumes\"")
            && run.stdout.contains("\"disruption\": \"none\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("`out`: none: pool `pool-0`: volumes grow from 500Gi to 1Ti"),
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
        "ccu = 20000\n[tenant]\nerasure_sets = \"largest\"\n\
         [sizing]\nservers = 8\nvolumes_per_server = 4\nvolume_size = \"500Gi\"\n",
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

/// Rotating the root password (secrets mode `derived`, `secrets.rotation` bumped) changes only
/// the configuration: `manual`, never a roll, with every server restarted at once (with the old
/// credentials, which the servers hold until then). A server with another root credential than
/// its peers cannot talk to them, and the operator undoes `kubectl rollout restart`
/// (`poolSSMatchesSpec` replaces the template), so there is no safe one-by-one way.
#[test]
fn a_rotated_root_password_is_a_manual_restart_of_every_server() {
    let dir = scratch_dir("rotate-root");
    let key = [("MINIOGEN_MASTER_KEY", TEST_KEY)];
    let render = |rotation: &str| {
        miniogen_env(
            Some(&dir),
            &[
                "gen",
                "--ccu",
                "5000",
                "--secrets-mode",
                "derived",
                "--set",
                &format!("secrets.rotation={rotation}"),
                "--write-plaintext-credentials",
                "--out",
                "out",
                "--format",
                "json",
            ],
            &key,
        )
    };
    assert_eq!(render("0").code, 0);
    let before = tenant_file(&dir);
    let run = render("1");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        tenant_file(&dir),
        before,
        "the Tenant changed: pods would roll"
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}"));
    let changes = json["folders"][0]["verdict"]["changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(changes.len(), 1, "{json}");
    assert_eq!(
        (
            changes[0]["disruption"].as_str(),
            changes[0]["change"].as_str()
        ),
        (
            Some("manual"),
            Some("`config.env`: `MINIO_ROOT_PASSWORD` changed")
        )
    );
    let todo = changes[0]["todo"].as_str().unwrap_or_default();
    assert!(
        todo.contains("`mc admin service restart ALIAS`")
            && todo.contains("restart with the old ones")
            && todo.contains("docs/secrets.md"),
        "{todo}"
    );
    assert!(
        run.stderr
            .contains("warning: `out`: manual: `config.env`: `MINIO_ROOT_PASSWORD` changed"),
        "{}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A probe, as the operator's probe fields hold one.
const PROBE: &str = r#"{"httpGet": {"path": "/minio/health/live", "port": 9000}}"#;

/// Every field of a Tenant that MinIO Operator v6.0.2 copies into a pool's pod template, read from
/// its source at that tag (`pkg/resources/statefulsets/minio-statefulset.go`): where it is
/// (`/spec/...` from the Tenant, or from the pool's entry of `spec.pools`), a value to change it
/// to (JSON), and the name a verdict gives it. `poolSSMatchesSpec` (`pkg/controller/pools.go`)
/// compares the `StatefulSet` `NewPool` builds with the existing one, and `syncHandler`
/// (`pkg/controller/main-controller.go`) replaces a differing template, so changing any of
/// these rolls the pool's pods. Written by hand, apart from the model in `src/plan/operator/`,
/// so that a field the model drops or misspells fails here.
const TEMPLATE_TABLE: &[(operator::Scope, &str, &str, &str)] = &[
    // `poolMinioServerContainer`: `Image`, `ImagePullPolicy`, the console port and argument from
    // `t.TLS()` (`AutoCert()`), `--sftp` from `Features.EnableSFTP`, `--json`, `--anonymous` and
    // `--quiet` from `Logging`, the probes and `Lifecycle`.
    (
        Tenant,
        "/spec/image",
        r#""quay.io/minio/minio:RELEASE.2025-10-15T17-29-55Z""#,
        "spec.image",
    ),
    (
        Tenant,
        "/spec/imagePullPolicy",
        r#""Always""#,
        "spec.imagePullPolicy",
    ),
    (
        Tenant,
        "/spec/requestAutoCert",
        "false",
        "spec.requestAutoCert",
    ),
    (
        Tenant,
        "/spec/features",
        r#"{"enableSFTP": true}"#,
        "spec.features",
    ),
    (Tenant, "/spec/logging", r#"{"json": true}"#, "spec.logging"),
    (Tenant, "/spec/liveness", PROBE, "spec.liveness"),
    (Tenant, "/spec/readiness", PROBE, "spec.readiness"),
    (Tenant, "/spec/startup", PROBE, "spec.startup"),
    (
        Tenant,
        "/spec/lifecycle",
        r#"{"preStop": {"exec": {"command": ["sleep", "5"]}}}"#,
        "spec.lifecycle",
    ),
    // `NewPool`: the certificate volumes from `ExternalCertSecret`, `ExternalClientCertSecrets`,
    // `ExternalCaCertSecret`, and with KES from `ExternalClientCertSecret` and `KES`.
    (
        Tenant,
        "/spec/externalCertSecret",
        r#"[{"name": "tls", "type": "kubernetes.io/tls"}]"#,
        "spec.externalCertSecret",
    ),
    (
        Tenant,
        "/spec/externalCaCertSecret",
        r#"[{"name": "ca", "type": "kubernetes.io/tls"}]"#,
        "spec.externalCaCertSecret",
    ),
    (
        Tenant,
        "/spec/externalClientCertSecrets",
        r#"[{"name": "client", "type": "kubernetes.io/tls"}]"#,
        "spec.externalClientCertSecrets",
    ),
    (
        Tenant,
        "/spec/externalClientCertSecret",
        r#"{"name": "client", "type": "kubernetes.io/tls"}"#,
        "spec.externalClientCertSecret",
    ),
    (
        Tenant,
        "/spec/kes",
        r#"{"image": "quay.io/minio/kes:2024-11-25T13-44-31Z", "kesSecret": {"name": "kes"}}"#,
        "spec.kes",
    ),
    // `NewPool`'s `configuration` volume and `getSideCarContainer`'s `--config-name`: the
    // Secret's name (its content reaches MinIO through the sidecar, not the template).
    (
        Tenant,
        "/spec/configuration",
        r#"{"name": "minio-config-2"}"#,
        "spec.configuration",
    ),
    // `volumeMounts`: `Mountpath` (and the pool's drive count and claim name, below).
    (Tenant, "/spec/mountPath", r#""/data""#, "spec.mountPath"),
    // `NewPool`: `SideCars` containers and volumes (and `getSideCarContainer`'s resources),
    // `InitContainers`, `AdditionalVolumes` and `AdditionalVolumeMounts`, `ServiceAccountName`,
    // `PriorityClassName`, `ImagePullSecret`, and `t.Scheduler.Name` from the Tenant's root.
    (
        Tenant,
        "/spec/sideCars",
        r#"{"containers": [{"name": "side", "image": "busybox:1.36"}]}"#,
        "spec.sideCars",
    ),
    (
        Tenant,
        "/spec/initContainers",
        r#"[{"name": "init", "image": "busybox:1.36"}]"#,
        "spec.initContainers",
    ),
    (
        Tenant,
        "/spec/additionalVolumes",
        r#"[{"name": "extra", "emptyDir": {}}]"#,
        "spec.additionalVolumes",
    ),
    (
        Tenant,
        "/spec/additionalVolumeMounts",
        r#"[{"name": "extra", "mountPath": "/extra"}]"#,
        "spec.additionalVolumeMounts",
    ),
    (
        Tenant,
        "/spec/serviceAccountName",
        r#""minio-sa""#,
        "spec.serviceAccountName",
    ),
    (
        Tenant,
        "/spec/priorityClassName",
        r#""storage-critical""#,
        "spec.priorityClassName",
    ),
    (
        Tenant,
        "/spec/imagePullSecret",
        r#"{"name": "registry"}"#,
        "spec.imagePullSecret",
    ),
    (
        Tenant,
        "/scheduler",
        r#"{"name": "storage-scheduler"}"#,
        "scheduler",
    ),
    // The pool's own: `Resources` (`poolMinioServerContainer`), `Affinity`, `NodeSelector` and
    // `RuntimeClassName` (`NewPool`), `poolTolerations`, `poolTopologySpreadConstraints`,
    // `poolSecurityContext`, `poolContainerSecurityContext`, and in `volumeMounts` one mount per
    // drive, named after the claim template.
    (
        Pool,
        "/resources",
        r#"{"requests": {"cpu": "3", "memory": "8Gi"}}"#,
        "spec.pools[pool-0].resources",
    ),
    (
        Pool,
        "/affinity",
        r#"{"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}}"#,
        "spec.pools[pool-0].affinity",
    ),
    (
        Pool,
        "/nodeSelector",
        r#"{"disktype": "ssd"}"#,
        "spec.pools[pool-0].nodeSelector",
    ),
    (
        Pool,
        "/tolerations",
        r#"[{"key": "dedicated", "operator": "Exists"}]"#,
        "spec.pools[pool-0].tolerations",
    ),
    (
        Pool,
        "/topologySpreadConstraints",
        r#"[{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"}]"#,
        "spec.pools[pool-0].topologySpreadConstraints",
    ),
    (
        Pool,
        "/securityContext",
        r#"{"runAsUser": 2000, "runAsGroup": 2000, "fsGroup": 2000}"#,
        "spec.pools[pool-0].securityContext",
    ),
    (
        Pool,
        "/containerSecurityContext",
        r#"{"runAsUser": 2000, "runAsGroup": 2000}"#,
        "spec.pools[pool-0].containerSecurityContext",
    ),
    (
        Pool,
        "/runtimeClassName",
        r#""gvisor""#,
        "spec.pools[pool-0].runtimeClassName",
    ),
    (
        Pool,
        "/volumesPerServer",
        "4",
        "spec.pools[pool-0].volumesPerServer",
    ),
    (
        Pool,
        "/volumeClaimTemplate/metadata/name",
        r#""disk""#,
        "spec.pools[pool-0].volumeClaimTemplate.metadata.name",
    ),
];

/// Sets `value` at `pointer` (plain segments) in `doc`, making the objects on the way.
fn set_at(doc: &mut Value, pointer: &str, value: Value) {
    let mut at = doc;
    for segment in pointer.trim_start_matches('/').split('/') {
        at = match at {
            Value::Array(items) => {
                let index: usize = segment.parse().unwrap_or_else(|e| panic!("{e}"));
                &mut items[index]
            }
            other => {
                if !other.is_object() {
                    *other = Value::Object(serde_json::Map::new());
                }
                other.as_object_mut().map_or_else(
                    || panic!("{pointer}"),
                    |map| map.entry(segment).or_insert(Value::Null),
                )
            }
        };
    }
    *at = value;
}

/// The fields a verdict names for its pools: every `field` under `pools`, however a verdict
/// groups them.
fn restart_fields(verdict: &operator::Verdict) -> std::collections::BTreeSet<String> {
    let json = serde_json::to_value(verdict).unwrap_or_else(|e| panic!("{e}"));
    let mut out = std::collections::BTreeSet::new();
    for change in json["changes"].as_array().into_iter().flatten() {
        let text = change["change"].as_str().unwrap_or_default();
        // Backticked names alternate with the words around them.
        let parts: Vec<&str> = text.split('`').collect();
        for (i, name) in parts.iter().enumerate().skip(1).step_by(2) {
            match change["kind"].as_str().unwrap_or_default() {
                // A field opens the text or follows a comma; values follow `from` and `to`.
                "image" | "pod-template"
                    if parts[i - 1].is_empty() || parts[i - 1].ends_with(", ") =>
                {
                    out.insert((*name).to_string());
                }
                "pod-metadata" => {
                    let kind = if parts[i - 1].trim_end().ends_with("label") {
                        "label"
                    } else {
                        "annotation"
                    };
                    out.insert(format!("pod {kind} `{name}`"));
                }
                _ => {}
            }
        }
    }
    out
}

/// Changing any one field that reaches the pod template, in the Tenant `gen` writes, gives a
/// verdict that names that field and no other; and the model holds exactly the fields of the
/// table, so a field it loses or misspells fails here. The Tenant's and the pool's labels and
/// annotations (`PodMetadata`) are named by their key.
#[test]
fn every_field_that_reaches_the_pod_template_is_named_when_it_changes() {
    let docs = documents(&ok(&["gen", "--ccu", "5000"]));
    let old = docs
        .iter()
        .find(|d| d["kind"] == "Tenant")
        .cloned()
        .unwrap_or_else(|| panic!("no Tenant"));
    assert_eq!(old["spec"]["pools"][0]["name"], "pool-0");
    let mut cases: Vec<(String, Value, String)> = Vec::new();
    for (scope, pointer, value, field) in TEMPLATE_TABLE {
        let value: Value = serde_json::from_str(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        let at = match scope {
            Tenant => (*pointer).to_string(),
            Pool => format!("/spec/pools/0{pointer}"),
        };
        assert_ne!(old.pointer(&at), Some(&value), "{at}: pick another value");
        let mut new = old.clone();
        set_at(&mut new, &at, value);
        cases.push((at, new, (*field).to_string()));
    }
    // `PodMetadata`: the Tenant's labels and annotations, then the pool's over them.
    for (at, key, kind) in [
        ("/metadata/labels", "example.com/team", "label"),
        ("/metadata/annotations", "example.com/owner", "annotation"),
        ("/spec/pools/0/labels", "example.com/rack", "label"),
        (
            "/spec/pools/0/annotations",
            "miniogen.io/config-checksum",
            "annotation",
        ),
    ] {
        let mut new = old.clone();
        let mut map = new.pointer(at).cloned().unwrap_or_else(json_object);
        map[key] = Value::String("changed".into());
        set_at(&mut new, at, map);
        cases.push((format!("{at}/{key}"), new, format!("pod {kind} `{key}`")));
    }
    for (at, new, field) in cases {
        let side = |tenant| operator::Side {
            tenant,
            config: None,
        };
        let verdict = operator::PINNED.verdict(side(&old), side(&new));
        assert_eq!(
            restart_fields(&verdict),
            std::collections::BTreeSet::from([field.clone()]),
            "changing `{at}`: {verdict:?}"
        );
    }
    // The model's own list holds exactly the table's fields.
    let key = |scope: operator::Scope, pointer: &str| format!("{scope:?} {pointer}");
    let mut modelled: Vec<String> = operator::PINNED
        .template_fields()
        .iter()
        .map(|f| key(f.scope, f.pointer))
        .collect();
    let mut written: Vec<String> = TEMPLATE_TABLE
        .iter()
        .map(|(scope, pointer, _, _)| key(*scope, pointer))
        .collect();
    modelled.sort();
    written.sort();
    assert_eq!(
        modelled, written,
        "the model and the operator's source differ"
    );
}

fn json_object() -> Value {
    Value::Object(serde_json::Map::new())
}
