//! Day two over folders written by the previous release of the output
//! (`tests/fixtures/previous`, rendered at the commit its README names): growing by a pool from
//! every built-in tier to every larger one, growing volumes in place, refusing to shrink, and
//! retiring a pool only once it is marked decommissioned. Per MinIO Operator v6.0.2:
//! `pkg/controller/pvc.go` `ExpandPVCs` (volumes only grow), `pkg/controller/decomission.go`
//! `checkForPoolDecommission` (a pool left out of the Tenant is deleted), and
//! `pkg/apis/minio.min.io/v2/helper.go` `MinIOHosts` (the endpoints `mc` needs).

use std::path::{Path, PathBuf};

use crate::support::{Run, TIERS, miniogen_in, root, scratch_dir};

fn run_in(dir: &Path, args: &[&str]) -> Run {
    miniogen_in(Some(dir), args)
}

fn ok_in(dir: &Path, args: &[&str]) -> Run {
    let run = run_in(dir, args);
    assert_eq!(
        run.code, 0,
        "miniogen {args:?}:\n{}{}",
        run.stdout, run.stderr
    );
    run
}

/// Copies a fixture folder tree to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

fn previous(name: &str) -> PathBuf {
    root().join("tests/fixtures/previous").join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of a pool's entry in a Tenant file without what follows the tier rather than the
/// pool (`annotations`, the configuration checksum, and `resources`): name, servers, volumes
/// per server, volume claim template, affinity and security contexts, byte for byte.
fn pool_identity(tenant: &str, pool: &str) -> String {
    let start = format!("  - name: {pool}\n");
    let Some(at) = tenant.find(&start) else {
        return String::new();
    };
    let rest = &tenant[at + start.len()..];
    let end = rest.find("\n  - name: ").map_or(rest.len(), |i| i + 1);
    let mut out = start.clone();
    let mut skipping = false;
    for line in rest[..end].lines() {
        if line.starts_with("    ") && !line.starts_with("     ") {
            skipping = line == "    annotations:" || line == "    resources:";
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn usable_bytes(dir: &Path, args: &[&str]) -> u128 {
    let mut all = vec!["plan", "--format", "json"];
    all.extend_from_slice(args);
    let plan: serde_json::Value =
        serde_json::from_str(&ok_in(dir, &all).stdout).unwrap_or_else(|e| panic!("{e}"));
    plan["capacity"]["usable_bytes"]
        .as_u64()
        .map_or_else(|| panic!("no usable_bytes in {plan}"), u128::from)
}

#[test]
fn every_tier_grows_to_every_larger_one_by_a_pool() {
    for (i, from) in TIERS.iter().enumerate().take(TIERS.len() - 1) {
        for to in &TIERS[i + 1..] {
            let dir = scratch_dir(&format!("grow-{from}-{to}"));
            copy_tree(&previous(&format!("tier-{from}")), &dir.join("out"));
            let tenant = dir.join("out/tenant-matrix-minio.yaml");
            let before = read(&tenant);
            let to_flag = to.to_string();

            // Raising the tier alone is refused, with the exact TOML and the command; `check`
            // says the same and writes nothing.
            let refused = run_in(&dir, &["check", "--ccu", &to_flag, "--out", "out"]);
            assert_eq!(refused.code, 1, "{from} -> {to}: {}", refused.stderr);
            if *from < 5000 && *to <= 5000 {
                // 100 and 1000 reach 5000 by volume size alone: growth in place, with the
                // procedure and the way to add a pool instead.
                assert!(
                    refused.stderr.contains("growth is not automatic")
                        && refused
                            .stderr
                            .contains(&format!("`miniogen grow --ccu {to} --out out`")),
                    "{from} -> {to}: {}",
                    refused.stderr
                );
            } else {
                assert!(
                    refused.stderr.contains(&format!(
                        "`miniogen grow --ccu {to} --out out` writes this into the site file"
                    )) && refused
                        .stderr
                        .contains("    [[pools]]\n    name = \"pool-1\""),
                    "{from} -> {to}: {}",
                    refused.stderr
                );
                let gen_refused = run_in(&dir, &["gen", "--ccu", &to_flag, "--out", "out"]);
                assert_eq!(gen_refused.code, 1);
            }
            assert_eq!(read(&tenant), before, "a refused render wrote");

            let grown = ok_in(&dir, &["grow", "--ccu", &to_flag, "--out", "out"]);
            assert!(
                grown.stderr.contains("pool `pool-1` added")
                    && grown.stderr.contains("it starts empty"),
                "{from} -> {to}: {}",
                grown.stderr
            );
            let site = read(&dir.join("miniogen.toml"));
            assert!(site.contains(&format!("ccu = {to}\n")), "{site}");

            ok_in(&dir, &["gen", "--out", "out"]);
            ok_in(&dir, &["check", "--out", "out"]);
            let after = read(&tenant);
            assert_eq!(
                pool_identity(&after, "pool-0"),
                pool_identity(&before, "pool-0"),
                "{from} -> {to}: pool-0 changed"
            );
            assert!(!pool_identity(&after, "pool-1").is_empty());
            // A 10000 folder of the previous release holds MinIO's own 16-drive sets, which
            // growing keeps (`tenant.erasure_sets = "largest"`): the tier's capacity is then
            // the one with those sets.
            // An empty site file: the tier alone (`/dev/null` is refused, not a regular file).
            std::fs::write(dir.join("empty.toml"), "").unwrap_or_else(|e| panic!("{e}"));
            let mut tier_args = vec!["--ccu", &to_flag, "--config", "empty.toml"];
            if site.contains("erasure_sets = \"largest\"") {
                tier_args.extend(["--set", "tenant.erasure_sets=largest"]);
            }
            let tier = usable_bytes(&dir, &tier_args);
            let now = usable_bytes(&dir, &[]);
            assert!(
                now >= tier,
                "{from} -> {to}: usable {now} below the tier's {tier}"
            );
            // Sized to the tier, not beyond: one GiB less per data drive would fall short.
            assert!(now - tier < 24 << 30, "{from} -> {to}: {now} vs {tier}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[test]
fn each_environment_is_reported_and_grown_with_its_name_and_folder() {
    let dir = scratch_dir("grow-fleet");
    copy_tree(&previous("fleet"), &dir);
    let site = dir.join("miniogen.toml");
    let original = read(&site);
    let raised = original
        .replace(
            "[environments.staging]\nccu = 1000",
            "[environments.staging]\nccu = 5000",
        )
        .replace(
            "[environments.production]\nccu = 5000",
            "[environments.production]\nccu = 10000",
        );
    std::fs::write(&site, &raised).unwrap_or_else(|e| panic!("{e}"));

    let refused = run_in(&dir, &["gen", "--out", "out"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains(
            "error: environment `production` (`out/production`): pool `pool-0`: `servers` would change from 4 to 8"
        ) && refused.stderr.contains("[[environments.production.pools]]")
            && refused.stderr.contains(
                "warning: environment `staging` (`out/staging`): pool `pool-0`: volumes grow from 250Gi to 500Gi"
            ),
        "{}",
        refused.stderr
    );
    let check = run_in(&dir, &["check", "--out", "out"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stderr.contains("environment `production`")
            && check.stderr.contains("environment `staging`")
    );

    let staging_tenant = read(&dir.join("out/staging/tenant-matrix-minio.yaml"));
    let production_tenant = read(&dir.join("out/production/tenant-matrix-minio.yaml"));
    ok_in(&dir, &["grow", "--out", "out"]);
    let grown = read(&site);
    // The user's comments and layout stay; each environment gets its own pins and pool.
    for line in original
        .lines()
        .filter(|l| l.starts_with('#') || l.contains("# every"))
    {
        assert!(grown.contains(line), "lost {line:?}:\n{grown}");
    }
    let mut rest = grown.as_str();
    for line in raised.lines() {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} lost or moved:\n{grown}"));
        rest = &rest[at + line.len()..];
    }
    assert!(grown.contains("[environments.staging.sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"250Gi\"\n"));
    assert!(grown.contains("[[environments.production.pools]]\nname = \"pool-1\"\nservers = 8\n"));
    ok_in(&dir, &["gen", "--out", "out"]);
    ok_in(&dir, &["check", "--out", "out"]);
    for (env, before) in [
        ("staging", staging_tenant),
        ("production", production_tenant),
    ] {
        let after = read(&dir.join(format!("out/{env}/tenant-matrix-minio.yaml")));
        assert_eq!(
            pool_identity(&after, "pool-0"),
            pool_identity(&before, "pool-0"),
            "{env}"
        );
        assert!(!pool_identity(&after, "pool-1").is_empty(), "{env}");
    }
    let plan = ok_in(
        &dir,
        &["plan", "--env", "production", "--out", "out/production"],
    );
    // `plan` wraps at 100 columns: compare words, not line breaks.
    let words = plan.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.starts_with(
            "tier 10000 CCU: large organisation, as 2 pools: 12 servers, 24 drives (pool-0 4 x 2 of 500Gi, pool-1 8 x 2 of 250Gi) "
        ),
        "{}",
        plan.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn volumes_grow_in_place_with_the_procedure_and_never_shrink() {
    let dir = scratch_dir("volumes");
    copy_tree(&previous("tier-5000"), &dir.join("out"));
    let tenant = dir.join("out/tenant-matrix-minio.yaml");
    let before = read(&tenant);
    let shrink = run_in(
        &dir,
        &[
            "gen",
            "--ccu",
            "5000",
            "--out",
            "out",
            "--set",
            "sizing.volume_size=250Gi",
        ],
    );
    assert_eq!(shrink.code, 1);
    assert!(
        shrink
            .stderr
            .contains("`out`: pool `pool-0`: volumes would shrink from 500Gi to 250Gi"),
        "{}",
        shrink.stderr
    );
    assert_eq!(read(&tenant), before);
    let grow = ok_in(
        &dir,
        &[
            "gen",
            "--ccu",
            "5000",
            "--out",
            "out",
            "--set",
            "sizing.volume_size=1Ti",
        ],
    );
    for needed in [
        "warning: `out`: pool `pool-0`: volumes grow from 500Gi to 1Ti",
        "growth is not automatic",
        "`ExpandPVCs`",
        "StorageClass `standard` sets `allowVolumeExpansion: true`",
        "kubectl -n matrix delete statefulset matrix-minio-pool-0 --cascade=orphan",
    ] {
        assert!(grow.stderr.contains(needed), "{needed}:\n{}", grow.stderr);
    }
    assert!(read(&tenant).contains("storage: 1Ti"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pool_leaves_only_once_decommissioned_and_its_name_is_never_reused() {
    let dir = scratch_dir("retire");
    copy_tree(&previous("tier-5000"), &dir.join("out"));
    ok_in(&dir, &["grow", "--ccu", "10000", "--out", "out"]);
    ok_in(&dir, &["gen", "--out", "out"]);
    let site = dir.join("miniogen.toml");
    let grown = read(&site);
    let pool_1 = &grown[grown.find("[[pools]]").unwrap_or(0)..];

    std::fs::write(&site, grown.replace(pool_1, "")).unwrap_or_else(|e| panic!("{e}"));
    for command in ["gen", "check"] {
        let early = run_in(&dir, &[command, "--out", "out"]);
        assert_eq!(early.code, 1, "{command}");
        let endpoint = "https://matrix-minio-pool-1-{0...7}.matrix-minio-hl.matrix.svc.cluster.local/export{0...1}";
        for needed in [
            "error: `out`: pool `pool-1` would be removed from the Tenant before MinIO has decommissioned it".to_string(),
            format!("`mc admin decommission start myminio/ {endpoint}`"),
            format!("`mc admin decommission status myminio/ {endpoint}`"),
            "mark the entry `decommissioned = true`".to_string(),
        ] {
            assert!(early.stderr.contains(&needed), "{command}: {needed}:\n{}", early.stderr);
        }
        assert!(!early.stderr.contains("to grow, keep the existing pool"));
    }
    let refused_grow = run_in(&dir, &["grow", "--ccu", "20000", "--out", "out"]);
    assert_eq!(refused_grow.code, 1, "{}", refused_grow.stderr);

    std::fs::write(&site, format!("{grown}decommissioned = true\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let plan = ok_in(&dir, &["plan"]);
    assert!(
        plan.stdout
            .contains("pool pool-1 (decommissioned: not in the Tenant)")
    );
    assert!(plan.stdout.contains(
        "kubectl -n matrix delete pvc -l v1.min.io/tenant=matrix-minio,v1.min.io/pool=pool-1"
    ));
    let retired = ok_in(&dir, &["gen", "--out", "out"]);
    assert!(
        retired
            .stderr
            .contains("pool `pool-1` leaves the Tenant, marked decommissioned")
    );
    let tenant = read(&dir.join("out/tenant-matrix-minio.yaml"));
    assert!(!tenant.contains("pool-1"));
    assert!(
        !dir.join("out/poddisruptionbudget-matrix-minio-pool-1.yaml")
            .exists()
    );
    ok_in(&dir, &["check", "--out", "out"]);

    // Growing again takes pool-2: pool-1 is retired, not free.
    ok_in(&dir, &["grow", "--ccu", "20000", "--out", "out"]);
    let again = read(&site);
    assert!(again.contains("name = \"pool-2\""), "{again}");
    assert_eq!(again.matches("name = \"pool-1\"").count(), 1, "{again}");
    ok_in(&dir, &["gen", "--out", "out"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn grow_without_a_folder_keeps_what_the_site_file_renders() {
    let dir = scratch_dir("grow-site");
    std::fs::write(dir.join("miniogen.toml"), "ccu = 1000 # one pool so far\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let dry = ok_in(&dir, &["grow", "--ccu", "5000", "--dry-run"]);
    assert_eq!(
        dry.stdout,
        "ccu = 5000 # one pool so far\n\n[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"250Gi\"\n\n\
         [[pools]]\nname = \"pool-1\"\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"250Gi\"\n"
    );
    assert_eq!(
        read(&dir.join("miniogen.toml")),
        "ccu = 1000 # one pool so far\n"
    );
    let nothing = ok_in(&dir, &["grow", "--ccu", "1000"]);
    assert!(
        nothing.stderr.contains("nothing to grow"),
        "{}",
        nothing.stderr
    );
    let needs = run_in(&dir, &["grow"]);
    assert_eq!(needs.code, 2);
    assert!(needs.stderr.contains("`grow` needs the tier to grow to"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README's Day two examples compare with `tests/fixtures/daytwo/grown`, the folder its
/// `grown.toml` renders: it must stay current.
#[test]
fn the_readme_fixture_folder_is_current() {
    let run = run_in(
        &root(),
        &[
            "check",
            "--config",
            "tests/fixtures/daytwo/grown.toml",
            "--out",
            "tests/fixtures/daytwo/grown",
        ],
    );
    assert_eq!(
        run.code, 0,
        "tests/fixtures/daytwo/grown is stale; regenerate it with `.ci/render-out`:\n{}",
        run.stdout
    );
}

/// A pool's StorageClass is fixed with its volumes: a `PersistentVolumeClaim` keeps the class it
/// was bound with (`storageClassName` is immutable), so a changed class would leave the
/// `StatefulSet`'s claims and the Tenant disagreeing for good. `check` and `gen --out` refuse it,
/// naming the pool and both classes, and write nothing; only `--accept-pool-rebuild` writes it.
#[test]
fn a_changed_storage_class_is_refused() {
    let dir = scratch_dir("storage-class");
    ok_in(&dir, &["gen", "--ccu", "5000", "--out", "out"]);
    let before = crate::support::snapshot(&dir);
    let changed = [
        "--ccu",
        "5000",
        "--out",
        "out",
        "--set",
        "tenant.storage_class=fast-ssd",
    ];
    let refusal = "pool `pool-0`: `storageClassName` would change from \"standard\" to \
                   \"fast-ssd\", which an existing PersistentVolumeClaim cannot";
    for command in ["check", "gen"] {
        let run = run_in(&dir, &[&[command][..], &changed].concat());
        assert_eq!(run.code, 1, "{command}: {}", run.stderr);
        assert!(run.stderr.contains(refusal), "{command}: {}", run.stderr);
        assert_eq!(
            crate::support::snapshot(&dir),
            before,
            "{command} wrote a refused render"
        );
    }
    ok_in(
        &dir,
        &[&["gen"][..], &changed, &["--accept-pool-rebuild"]].concat(),
    );
    let tenant = read(&dir.join("out/tenant-matrix-minio.yaml"));
    assert!(
        tenant.contains("storageClassName: fast-ssd"),
        "the override did not write the class: {tenant}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
