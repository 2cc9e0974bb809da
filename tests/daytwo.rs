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

/// A folder of the previous release holds the lawful-intercept copy without object lock, which
/// no render may claim (see `a_previous_folder_gets_the_lock_migration_not_a_false_claim`). The
/// tests about pools take the first way out that guard offers: keep it unlocked, said in the
/// site file, appended to whatever `site` holds.
fn keep_li_unlocked(site: &Path) {
    let before = std::fs::read_to_string(site).unwrap_or_default();
    std::fs::write(
        site,
        format!(
            "{before}[[buckets]]\nname = \"synapse-media\"\n[[buckets]]\nname = \"synapse-media-li\"\n\
             object_lock = false\n[[buckets]]\nname = \"postgresql-backups\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

/// The first pool's shape at 5000 CCU, written down as a site file must for `gen` to stdout.
const SHAPE_5000: &str = "[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"500Gi\"\n";

/// The previous release's `MINIO_API_REQUESTS_MAX` at 5000 CCU, which the current profiles leave
/// unset: a render over its folder keeps it, since a configuration change must not come with
/// the roll the render brings (the annotations that release wrote leave the Tenant).
const API_5000: &str = "sizing.api_requests_max=6400";

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

/// The second step `grow` writes when the new pool needs another configuration: once the
/// first is rendered (and, on a cluster, applied with every server restarted), `grow` again
/// takes the pool out of `planned`, and the next render adds it.
fn second_step(dir: &Path) {
    let site = dir.join("miniogen.toml");
    if read(&site).contains("planned = true") {
        ok_in(dir, &["grow", "--out", "out"]);
        assert!(!read(&site).contains("planned = true"), "{}", read(&site));
        ok_in(dir, &["gen", "--out", "out"]);
    }
}

/// `grow` as a user takes it over a folder of the previous release, whose Tenant carries
/// annotations the render drops and whose `config.env` sets `MINIO_API_REQUESTS_MAX`: `grow`
/// first writes the step that brings the folder current (restarts only, `config.env` kept as
/// the folder has it), which is rendered before `grow` runs again and grows.
fn grow_in_steps(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["grow"];
    all.extend_from_slice(args);
    let first = ok_in(dir, &all);
    if !first.stderr.contains("only brings the folder current") {
        return first;
    }
    let found = classes(dir);
    assert!(
        !found
            .iter()
            .any(|(kind, class)| kind == "configuration" || class == "blocked"),
        "{found:?}"
    );
    ok_in(dir, &["gen", "--out", "out"]);
    ok_in(dir, &all)
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
            keep_li_unlocked(&dir.join("miniogen.toml"));
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
                // The TOML shown is what `grow` writes next: over these folders of the previous
                // release, the step that brings the folder current before the pool.
                assert!(
                    refused
                        .stderr
                        .contains(&format!("`miniogen grow --ccu {to} --out out` ")),
                    "{from} -> {to}: {}",
                    refused.stderr
                );
                shown_is_written(
                    &dir,
                    &refused.stderr,
                    &["grow", "--ccu", &to_flag, "--out", "out", "--dry-run"],
                );
                let gen_refused = run_in(&dir, &["gen", "--ccu", &to_flag, "--out", "out"]);
                assert_eq!(gen_refused.code, 1);
            }
            assert_eq!(read(&tenant), before, "a refused render wrote");

            let grown = grow_in_steps(&dir, &["--ccu", &to_flag, "--out", "out"]);
            assert!(
                grown.stderr.contains("pool `pool-1` added")
                    && grown.stderr.contains("it starts empty"),
                "{from} -> {to}: {}",
                grown.stderr
            );
            let site = read(&dir.join("miniogen.toml"));
            assert!(site.contains(&format!("ccu = {to}\n")), "{site}");

            ok_in(&dir, &["gen", "--out", "out"]);
            second_step(&dir);
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
            // What `grow` claimed is what `plan` renders: before, the folder's pool in the sets
            // the previous release formatted (MinIO's own); after, the written file's; the tier
            // alone, as `miniogen profiles` shows it.
            let from_flag = from.to_string();
            let formatted = [
                "--ccu",
                &from_flag,
                "--config",
                "empty.toml",
                "--set",
                "tenant.erasure_sets=largest",
            ];
            assert_eq!(
                claims(&grown.stderr),
                (
                    usable_shown(&dir, &formatted),
                    usable_shown(&dir, &[]),
                    usable_shown(&dir, &tier_args)
                ),
                "{from} -> {to}: {}",
                grown.stderr
            );
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
    keep_li_unlocked(&site);
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
        ) && refused.stderr.contains("[environments.production.sizing]")
            && refused.stderr.contains(
                "warning: environment `staging` (`out/staging`): pool `pool-0`: volumes grow from 250Gi to 500Gi"
            ),
        "{}",
        refused.stderr
    );
    shown_is_written(
        &dir,
        &refused.stderr,
        &["grow", "--out", "out", "--dry-run"],
    );
    let check = run_in(&dir, &["check", "--out", "out"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stderr.contains("environment `production`")
            && check.stderr.contains("environment `staging`")
    );

    let staging_tenant = read(&dir.join("out/staging/tenant-matrix-minio.yaml"));
    let production_tenant = read(&dir.join("out/production/tenant-matrix-minio.yaml"));
    grow_in_steps(&dir, &["--out", "out"]);
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
    second_step(&dir);
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
    keep_li_unlocked(&dir.join("miniogen.toml"));
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
            "--set",
            API_5000,
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
            "--set",
            API_5000,
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
    keep_li_unlocked(&dir.join("miniogen.toml"));
    grow_in_steps(&dir, &["--ccu", "10000", "--out", "out"]);
    ok_in(&dir, &["gen", "--out", "out"]);
    second_step(&dir);
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
            "`mc admin decommission status myminio/` lists each pool's used and total capacity".to_string(),
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

/// pool-0 could never be retired, though users retire the oldest pool first, and its refusal's
/// headline (decommission first) and help (never) contradicted each other (issue 22, case 7).
/// Renaming it away is refused with both ways out; once another pool holds the data it leaves
/// like any other, marked under `[sizing]`; marked with no other pool, it is refused.
#[test]
fn the_first_pool_retires_like_any_other() {
    let dir = scratch_dir("retire-first");
    copy_tree(&previous("tier-5000"), &dir.join("out"));
    keep_li_unlocked(&dir.join("miniogen.toml"));
    grow_in_steps(&dir, &["--ccu", "10000", "--out", "out"]);
    ok_in(&dir, &["gen", "--out", "out"]);
    second_step(&dir);
    let site = dir.join("miniogen.toml");
    let grown = read(&site);

    // `grow` pinned the image the tenant runs under `[tenant]`.
    let renamed = grown.replacen("[tenant]\n", "[tenant]\npool_name = \"pool-9\"\n", 1);
    assert_ne!(renamed, grown, "{grown}");
    std::fs::write(&site, &renamed).unwrap_or_else(|e| panic!("{e}"));
    let early = run_in(&dir, &["check", "--out", "out"]);
    assert_eq!(early.code, 1, "{}", early.stderr);
    let endpoint = "https://matrix-minio-pool-0-{0...3}.matrix-minio-hl.matrix.svc.cluster.local/export{0...1}";
    for needed in [
        "pool `pool-0` would be removed from the Tenant before MinIO has decommissioned it"
            .to_string(),
        "set `tenant.pool_name` back to `pool-0`".to_string(),
        format!("`mc admin decommission start myminio/ {endpoint}`"),
        "set `decommissioned = true` under `[sizing]`".to_string(),
        "the pools that stay have 2000Gi usable in all, pool `pool-0` 2000Gi".to_string(),
    ] {
        assert!(
            early.stderr.contains(&needed),
            "{needed}:\n{}",
            early.stderr
        );
    }
    assert!(!early.stderr.contains("cannot retire"), "{}", early.stderr);

    let retired = grown.replacen(
        "volume_size = \"500Gi\"\n",
        "volume_size = \"500Gi\"\ndecommissioned = true\n",
        1,
    );
    std::fs::write(&site, &retired).unwrap_or_else(|e| panic!("{e}"));
    let plan = ok_in(&dir, &["plan"]);
    assert!(
        plan.stdout
            .contains("pool pool-0 (decommissioned: not in the Tenant)"),
        "{}",
        plan.stdout
    );
    let written = ok_in(&dir, &["gen", "--out", "out"]);
    assert!(
        written
            .stderr
            .contains("pool `pool-0` leaves the Tenant, marked decommissioned"),
        "{}",
        written.stderr
    );
    // 2000Gi is left of the 10000 CCU tier's 4000Gi.
    assert!(
        written.stderr.contains(
            "without pool `pool-0`, 2000Gi usable is less than the 10000 CCU tier's 4000Gi"
        ),
        "{}",
        written.stderr
    );
    let tenant = read(&dir.join("out/tenant-matrix-minio.yaml"));
    assert!(!tenant.contains("name: pool-0"), "{tenant}");
    assert!(tenant.contains("name: pool-1"), "{tenant}");
    ok_in(&dir, &["check", "--out", "out"]);
    // To stdout too: the pools that stay are all written down.
    ok_in(&dir, &["gen"]);
    let grow = run_in(&dir, &["grow", "--ccu", "20000", "--out", "out"]);
    assert_eq!(grow.code, 1, "{}", grow.stderr);
    assert!(
        grow.stderr
            .contains("add the next pool by hand: a `[[pools]]` entry named `pool-2`"),
        "{}",
        grow.stderr
    );

    // With no other pool, the first cannot leave.
    let alone = "ccu = 5000\n[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"500Gi\"\ndecommissioned = true\n";
    std::fs::write(dir.join("alone.toml"), alone).unwrap_or_else(|e| panic!("{e}"));
    let refused = run_in(&dir, &["plan", "--config", "alone.toml"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    for needed in [
        "alone.toml:6:18",
        "no other pool would hold its data",
        "key: sizing.decommissioned",
    ] {
        assert!(
            refused.stderr.contains(needed),
            "{needed}:\n{}",
            refused.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Retiring pool-1 of a 20000 site showed "usable 14000Gi before, 2000Gi after" with no warning
/// (issue 22, case 7): before draining, the refusal compares what stays with the pool and the
/// tier and says how to see what the pool holds; once it leaves, a shortfall against the tier
/// is a warning.
#[test]
fn retiring_a_pool_compares_what_stays_with_the_pool_and_the_tier() {
    let dir = scratch_dir("retire-room");
    copy_tree(&previous("tier-5000"), &dir.join("out"));
    keep_li_unlocked(&dir.join("miniogen.toml"));
    grow_in_steps(&dir, &["--ccu", "20000", "--out", "out"]);
    ok_in(&dir, &["gen", "--out", "out"]);
    second_step(&dir);
    let site = dir.join("miniogen.toml");
    let grown = read(&site);
    let pool_1 = &grown[grown.find("[[pools]]").unwrap_or(0)..];
    std::fs::write(&site, grown.replace(pool_1, "")).unwrap_or_else(|e| panic!("{e}"));
    let early = run_in(&dir, &["check", "--out", "out"]);
    assert_eq!(early.code, 1, "{}", early.stderr);
    for needed in [
        "the pools that stay have 2000Gi usable in all, pool `pool-1` ",
        "so they are smaller than the pool they take in",
        "2000Gi usable is less than the 20000 CCU tier's",
        "`mc admin decommission status myminio/` lists each pool's used and total capacity",
        "`mc admin info myminio/`",
        "`mc du --depth 1 myminio/`",
        "the decommission fails part-way",
    ] {
        assert!(early.stderr.contains(needed), "{needed}:\n{}", early.stderr);
    }
    std::fs::write(&site, format!("{grown}decommissioned = true\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let written = ok_in(&dir, &["gen", "--out", "out"]);
    assert!(
        written.stderr.contains(
            "warning: `out`: without pool `pool-1`, 2000Gi usable is less than the 20000 CCU tier's"
        ),
        "{}",
        written.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without a folder, what the site file renders as it is runs in the cluster: `grow` keeps its
/// pool and the resources its pods run (the 5000 tier asks for more, which would roll them).
#[test]
fn grow_without_a_folder_keeps_what_the_site_file_renders() {
    let dir = scratch_dir("grow-site");
    std::fs::write(dir.join("miniogen.toml"), "ccu = 1000 # one pool so far\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let dry = ok_in(&dir, &["grow", "--ccu", "5000", "--dry-run"]);
    assert_eq!(
        dry.stdout,
        "ccu = 5000 # one pool so far\n\n[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"250Gi\"\n\
         resources = { requests = { cpu = \"1\", memory = \"4Gi\" }, limits = { cpu = \"2\", memory = \"8Gi\" } }\n\n\
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

/// The classes of the changes `check --format json` names for the folder `out` in `dir` (its
/// environments' folders one after the other).
fn classes(dir: &Path) -> Vec<(String, String)> {
    let run = run_in(dir, &["check", "--out", "out", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    report["folders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["verdict"]["changes"].as_array())
        .flatten()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or_default().to_string(),
                c["disruption"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Argo CD users render with `argocd generate` and have no output folder. `grow` then compares
/// the grown render with the site file's as it is (what the cluster runs under GitOps) and takes
/// the same steps as over a folder: the pool only planned while it needs another `config.env`
/// (`MINIO_ERASURE_SET_DRIVE_COUNT`, which every server must take first), the resources the
/// pods run pinned. A folder written from the starter file stands in for the cluster.
#[test]
fn grow_without_a_folder_takes_the_same_steps() {
    let dir = scratch_dir("grow-gitops");
    ok_in(&dir, &["init", "--ccu", "5000"]);
    ok_in(&dir, &["gen", "--out", "out"]);
    let first = ok_in(&dir, &["grow", "--ccu", "10000"]);
    let site = read(&dir.join("miniogen.toml"));
    assert!(
        site.contains("volume_size = \"250Gi\"\nplanned = true\n")
            && site.contains("resources = { requests = { cpu = \"2\", memory = \"8Gi\" }"),
        "{site}\n{}",
        first.stderr
    );
    assert_eq!(classes(&dir), [("configuration".into(), "manual".into())]);
    // Step 1 synced and every server restarted: the pool alone.
    ok_in(&dir, &["gen", "--out", "out"]);
    let second = ok_in(&dir, &["grow"]);
    assert!(
        second
            .stderr
            .contains("`miniogen grow` cannot see the cluster"),
        "{}",
        second.stderr
    );
    assert!(!read(&dir.join("miniogen.toml")).contains("planned = true"));
    assert_eq!(
        classes(&dir),
        [("pool-added".into(), "simultaneous".into())]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What `grow` claims: `usable BEFORE before, AFTER after; the N CCU tier has TIER`.
fn claims(stderr: &str) -> (String, String, String) {
    let line = stderr
        .lines()
        .find(|l| l.contains(" before, ") && l.contains(" CCU tier has "))
        .unwrap_or_else(|| panic!("no capacity line in\n{stderr}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = |w: &str| {
        words
            .iter()
            .position(|x| *x == w)
            .unwrap_or_else(|| panic!("{line}"))
    };
    (
        words[at("before,") - 1].to_string(),
        words[at("after;") - 1].to_string(),
        words[words.len() - 1].to_string(),
    )
}

/// `plan --format json`'s usable capacity, as `grow` prints capacities.
fn usable_shown(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["plan", "--format", "json"];
    all.extend_from_slice(args);
    let plan: serde_json::Value =
        serde_json::from_str(&ok_in(dir, &all).stdout).unwrap_or_else(|e| panic!("{e}"));
    plan["capacity"]["usable"]
        .as_str()
        .unwrap_or_else(|| panic!("{plan}"))
        .to_string()
}

/// For every pair of tiers, `grow` from the starter file (no folder) claims what `plan` then
/// renders: the capacity after growing (once the second step takes the planned pool in) is the
/// written file's, and the tier's is the tier's alone, as `miniogen profiles` shows it. The set
/// size must be the one the grown render forces, the new pool's shape included.
#[test]
fn grow_claims_what_plan_renders_for_every_tier_pair() {
    for (i, from) in TIERS.iter().enumerate().take(TIERS.len() - 1) {
        for to in &TIERS[i + 1..] {
            let dir = scratch_dir(&format!("claims-{from}-{to}"));
            ok_in(&dir, &["init", "--ccu", &from.to_string()]);
            let before = usable_shown(&dir, &[]);
            let grown = ok_in(&dir, &["grow", "--ccu", &to.to_string()]);
            let (was, after, tier) = claims(&grown.stderr);
            if read(&dir.join("miniogen.toml")).contains("planned = true") {
                ok_in(&dir, &["grow"]);
            }
            std::fs::write(dir.join("empty.toml"), "").unwrap_or_else(|e| panic!("{e}"));
            let alone = usable_shown(&dir, &["--ccu", &to.to_string(), "--config", "empty.toml"]);
            assert_eq!(
                (was, after, tier),
                (before, usable_shown(&dir, &[]), alone),
                "{from} -> {to}: {}",
                grown.stderr
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// Every real key of the table that starts at `header`, each with no commented-out line of
/// its own still showing another value (issue 26).
fn untrue_comments(text: &str, header: &str) -> Vec<String> {
    let start = text
        .find(&format!("\n{header}\n"))
        .unwrap_or_else(|| panic!("no {header}"));
    let region: Vec<&str> = text[start + 1..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .collect();
    let keys: Vec<&str> = region
        .iter()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k))
        .filter(|k| !k.starts_with('#'))
        .collect();
    region
        .iter()
        .filter(|l| {
            l.strip_prefix("# ")
                .and_then(|rest| rest.split_once(" = "))
                .is_some_and(|(k, _)| keys.contains(&k))
        })
        .map(ToString::to_string)
        .collect()
}

/// `grow` on the file `init` wrote edits it where a person would: the first pool's keys where
/// they stand, the new pool in place of the commented-out `[[pools]]` example (not at the end,
/// inside the secrets documentation), and no comment left showing another value.
#[test]
fn grow_edits_the_starter_file_where_a_person_would() {
    let dir = scratch_dir("grow-init");
    ok_in(&dir, &["init", "--ccu", "5000"]);
    ok_in(&dir, &["grow", "--ccu", "10000"]);
    let grown = read(&dir.join("miniogen.toml"));
    assert_eq!(
        untrue_comments(&grown, "[sizing]"),
        Vec::<String>::new(),
        "{grown}"
    );
    let pools = grown
        .find("\n[[pools]]\nname = \"pool-1\"\n")
        .unwrap_or_else(|| panic!("{grown}"));
    let sizing = grown.find("\n[sizing]\n").unwrap_or_default();
    let buckets = grown
        .find("\n# Buckets the operator creates.")
        .unwrap_or_default();
    assert!(sizing < pools && pools < buckets, "{grown}");
    assert!(
        !grown.contains("# [[pools]]"),
        "the example is left beside the pool:\n{grown}"
    );
    ok_in(&dir, &["gen", "--out", "out"]);
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

/// Growing the previous release's 5000 folder to 20000 used to apply the new pool, a new image,
/// a `config.env` change and pool-0's new resources at once; then a first step whose
/// configuration change (`MINIO_ERASURE_SET_DRIVE_COUNT` added, `MINIO_API_REQUESTS_MAX`
/// removed) came with the roll of the annotations that release wrote, which brings servers up
/// one at a time on the new configuration, each waiting in `verifyServerSystemConfig` for half
/// of its peers. Now every step `grow` writes applies alone, and `check --format json` names
/// each change with its class: the folder brought current (rolling only, `config.env` and the
/// unlocked lawful-intercept copy kept), the configuration the pool needs (`manual` only, never
/// `rolling`), then the pool (`simultaneous` only).
#[test]
fn growing_the_previous_5000_to_20000_goes_in_steps() {
    let dir = scratch_dir("steps-5000-20000");
    copy_tree(&previous("tier-5000"), &dir.join("out"));
    let site = dir.join("miniogen.toml");
    // All at once is refused, with the order.
    let at_once = run_in(&dir, &["check", "--ccu", "20000", "--out", "out"]);
    assert_eq!(at_once.code, 1, "{}", at_once.stderr);

    // Step 1: the folder brought current, nothing else.
    let first = ok_in(&dir, &["grow", "--ccu", "20000", "--out", "out"]);
    assert!(
        first
            .stderr
            .contains("the folder is not what the site file renders today")
            && first
                .stderr
                .contains("then run `miniogen grow --ccu 20000 --out out` again"),
        "{}",
        first.stderr
    );
    let text = read(&site);
    for pinned in [
        "ccu = 5000\n",
        "api_requests_max = 6400\n",
        "image = \"quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z\"",
        "resources = { requests = { cpu = \"2\", memory = \"8Gi\" }, limits = { cpu = \"4\", memory = \"8Gi\" } }",
        "name = \"synapse-media-li\"\n# `synapse-media-li` exists without object lock",
        "render and gives the migration to a new, locked bucket.\nobject_lock = false\n",
    ] {
        assert!(text.contains(pinned), "{pinned}:\n{text}");
    }
    assert!(!text.contains("[[pools]]"), "{text}");
    let words = ["none", "rolling", "simultaneous", "manual", "blocked"];
    let step = classes(&dir);
    assert!(
        step.iter()
            .all(|(_, class)| words.contains(&class.as_str())),
        "{step:?}"
    );
    assert_eq!(
        step,
        [
            ("pod-metadata".into(), "rolling".into()),
            ("pod-metadata".into(), "rolling".into())
        ]
    );
    ok_in(&dir, &["gen", "--out", "out"]);

    // Step 2: the configuration the new pool needs, alone: `manual`, never `rolling`.
    ok_in(&dir, &["grow", "--ccu", "20000", "--out", "out"]);
    let text = read(&site);
    assert!(
        text.contains(
            "name = \"pool-1\"\nservers = 8\nvolumes_per_server = 4\nvolume_size = \"375Gi\"\nplanned = true\n"
        ),
        "{text}"
    );
    assert_eq!(classes(&dir), [("configuration".into(), "manual".into())]);
    let json = run_in(&dir, &["check", "--out", "out", "--format", "json"]);
    assert!(
        json.stdout
            .contains("\"change\": \"`config.env`: `MINIO_ERASURE_SET_DRIVE_COUNT` added\""),
        "{}",
        json.stdout
    );
    ok_in(&dir, &["gen", "--out", "out"]);

    // Step 3, once every server took it: the pool alone, every process restarted.
    ok_in(&dir, &["grow", "--out", "out"]);
    assert_eq!(
        classes(&dir),
        [("pool-added".into(), "simultaneous".into())]
    );
    ok_in(&dir, &["gen", "--out", "out"]);
    ok_in(&dir, &["check", "--out", "out"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A new pool together with another image: the operator would create the pool on the new image
/// while the others run the old one and answer "Different versions across MinIO Pools"
/// (`StatusInconsistentMinIOVersions`, `syncHandler`) on every pass. Refused, with the order.
#[test]
fn a_pool_added_with_another_image_is_refused() {
    let dir = scratch_dir("pool-and-image");
    std::fs::write(dir.join("miniogen.toml"), "ccu = 5000\n").unwrap_or_else(|e| panic!("{e}"));
    ok_in(&dir, &["gen", "--out", "out"]);
    let tenant = read(&dir.join("out/tenant-matrix-minio.yaml"));
    std::fs::write(
        dir.join("miniogen.toml"),
        "ccu = 5000\n[tenant]\nimage = \"quay.io/minio/minio:RELEASE.2025-10-15T17-29-55Z\"\n\
         [warnings]\naccepted_advisories = [\"CVE-2025-62506\"]\n\
         [[pools]]\nname = \"pool-1\"\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"500Gi\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let refused = run_in(&dir, &["gen", "--out", "out"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    for needed in [
        "error: `out`: blocked: pool `pool-1` added together with other changes",
        "`StatusInconsistentMinIOVersions`",
        "1. pool `pool-1` alone, on the image the tenant runs (`quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z`)",
        "2. the image (`spec.image` from",
    ] {
        assert!(
            refused.stderr.contains(needed),
            "{needed}:\n{}",
            refused.stderr
        );
    }
    assert_eq!(read(&dir.join("out/tenant-matrix-minio.yaml")), tenant);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The first TOML block of a refusal's help is what `grow` (run with `grow_args` in `dir`)
/// writes into the site file: every table and value it shows is in the file `grow` writes.
fn shown_is_written(dir: &Path, stderr: &str, grow_args: &[&str]) {
    fn within(written: &toml::Value, shown: &toml::Value) -> bool {
        match (written, shown) {
            (toml::Value::Table(w), toml::Value::Table(s)) => s
                .iter()
                .all(|(k, v)| w.get(k).is_some_and(|w| within(w, v))),
            (w, s) => w == s,
        }
    }
    let block = toml_blocks(stderr).into_iter().next();
    let block = block.unwrap_or_else(|| panic!("no TOML in the help:\n{stderr}"));
    let shown: toml::Table = block.parse().unwrap_or_else(|e| panic!("{e}:\n{block}"));
    let grown = ok_in(dir, grow_args).stdout;
    let written: toml::Table = grown.parse().unwrap_or_else(|e| panic!("{e}:\n{grown}"));
    assert!(
        within(&toml::Value::Table(written), &toml::Value::Table(shown)),
        "the help shows what grow does not write:\n{block}\ngrow writes:\n{grown}"
    );
}

/// The indented TOML blocks of a help text, in order.
fn toml_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(toml) = line.strip_prefix("    ") {
            current.push_str(toml);
            current.push('\n');
        } else if line.is_empty() && !current.is_empty() {
            current.push('\n');
        } else if !current.trim().is_empty() {
            blocks.push(std::mem::take(&mut current));
        } else {
            current.clear();
        }
    }
    blocks
}

/// MinIO sets object lock only when it creates a bucket, and the operator creates only missing
/// buckets: over a folder of the previous release, whose lawful-intercept copy has no lock,
/// `check` and `gen --out` refuse a render that claims one, and each way out they print works.
#[test]
#[allow(clippy::too_many_lines)] // one user's path: the refusal, then each way out
fn a_previous_folder_gets_the_lock_migration_not_a_false_claim() {
    let dir = scratch_dir("lock-migration");
    copy_tree(&previous("tier-5000"), &dir.join("out"));
    let tenant = dir.join("out/tenant-matrix-minio.yaml");
    let before = read(&tenant);
    let mut help = String::new();
    for command in ["check", "gen"] {
        let refused = run_in(&dir, &[command, "--ccu", "5000", "--out", "out"]);
        assert_eq!(refused.code, 1, "{command}: {}", refused.stderr);
        for needed in [
            "bucket `synapse-media-li` exists without object lock",
            "`ErrObjectLockConfigurationNotAllowed`",
            "`CreateBuckets`",
            "the render would claim a lock the bucket does not have",
            "`mc mirror --preserve myminio/synapse-media-li myminio/synapse-media-li-locked`",
            "`mc rb --force myminio/synapse-media-li`",
        ] {
            assert!(
                refused.stderr.contains(needed),
                "{command}: {needed}:\n{}",
                refused.stderr
            );
        }
        help = refused.stderr;
    }
    assert_eq!(read(&tenant), before, "a refused render wrote");
    let lock = bucket_settings(&dir, &["check", "--ccu", "5000", "--out", "out"]);
    assert!(
        lock.iter().any(|(change, class, _)| class == "blocked"
            && change == "bucket `synapse-media-li` exists without object lock"),
        "{lock:?}"
    );
    // The same render drops the previous release's `MINIO_API_REQUESTS_MAX` while the roll of
    // its annotations restarts the servers: refused too, with the setting that keeps it.
    let blocks = toml_blocks(&help);
    assert!(
        blocks
            .iter()
            .any(|b| b.trim_end() == "[sizing]\napi_requests_max = 6400"),
        "{help}"
    );
    let blocks: Vec<String> = blocks
        .into_iter()
        .filter(|b| b.contains("[[buckets]]"))
        .collect();
    assert_eq!(blocks.len(), 2, "{help}");

    // Keep it unlocked, said in the site file: versioned (the rclone identity still cannot
    // remove a version), no retention claimed, and `plan` says it is not locked.
    std::fs::write(
        dir.join("miniogen.toml"),
        format!(
            "ccu = 5000\n{SHAPE_5000}api_requests_max = 6400\n{}",
            blocks[0]
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let kept = ok_in(&dir, &["gen", "--out", "out"]);
    assert!(
        kept.stderr.contains("is versioned but not locked"),
        "{}",
        kept.stderr
    );
    let stream = ok_in(&dir, &["gen"]).stdout;
    assert!(
        !stream.contains("objectLock: true"),
        "a lock is still claimed"
    );
    assert!(
        !stream.contains("- retention"),
        "a retention is still claimed"
    );
    assert!(stream.contains("- version\n    - enable\n    - myminio/synapse-media-li"));
    let plan = ok_in(&dir, &["plan"]).stdout;
    let words = plan.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("synapse-media-li versioned, not locked, the lawful-intercept copy"),
        "{plan}"
    );

    // Or move to a new, locked bucket: the operator creates it, the sync points at it.
    std::fs::write(
        dir.join("miniogen.toml"),
        format!(
            "ccu = 5000\n{SHAPE_5000}api_requests_max = 6400\n{}",
            blocks[1]
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let moved = ok_in(&dir, &["gen", "--out", "out"]);
    assert!(
        moved
            .stderr
            .contains("bucket(s) `synapse-media-li-locked` added: the operator creates"),
        "{}",
        moved.stderr
    );
    let tenant = read(&tenant);
    assert!(
        tenant.contains("- name: synapse-media-li-locked\n    objectLock: true"),
        "{tenant}"
    );
    let cronjob = read(&dir.join("out/cronjob-minio-li-sync.yaml"));
    assert!(
        cronjob.contains("minio-li:synapse-media-li-locked"),
        "{cronjob}"
    );
    ok_in(&dir, &["check", "--out", "out"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The site's buckets with the lawful-intercept copy's own settings, as a `--set`.
fn li_settings(settings: &str) -> String {
    format!(
        "buckets=[{{name=\"synapse-media\"}},{{name=\"synapse-media-li\",{settings}}},\
         {{name=\"postgresql-backups\"}}]"
    )
}

/// Day two of the bucket settings, against the folder's recorded ones: a longer retention is
/// applied, a shorter one is explained in governance mode and refused in compliance mode unless
/// acknowledged, compliance never weakens to governance, and neither the lock nor (on a locked
/// bucket) versioning can be turned off.
#[test]
fn retention_and_versioning_change_only_the_way_minio_allows() {
    let dir = scratch_dir("retention");
    let render = |settings: &str| {
        let set = li_settings(settings);
        run_in(
            &dir,
            &["gen", "--ccu", "5000", "--out", "out", "--set", &set],
        )
    };
    let ok = |settings: &str| {
        let run = render(settings);
        assert_eq!(run.code, 0, "{settings}: {}", run.stderr);
        run.stderr
    };
    let refused = |settings: &str| {
        let run = render(settings);
        assert_eq!(run.code, 1, "{settings}: {}", run.stderr);
        run.stderr
    };
    ok("retention={mode=\"governance\",days=90}");
    let longer = ok("retention={mode=\"governance\",days=120}");
    assert!(
        longer
            .contains("the default retention grows from governance 90 days to governance 120 days"),
        "{longer}"
    );
    let shorter = ok("retention={mode=\"governance\",days=30}");
    assert!(
        shorter.contains("would shorten from governance 120 days to governance 30 days")
            && shorter.contains("versions already written keep the date")
            && shorter.contains("`mc retention set --bypass governance"),
        "{shorter}"
    );
    let stricter = ok("retention={mode=\"compliance\",days=90}");
    assert!(stricter.contains("root included"), "{stricter}");
    let tenant = dir.join("out/tenant-matrix-minio.yaml");
    let before = read(&tenant);
    let job_files = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.join("out"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("miniojob-matrix-minio-buckets-"))
            .collect();
        names.sort();
        names
    };
    let job = job_files();
    let weaker = refused("retention={mode=\"compliance\",days=30}");
    assert!(
        weaker.contains("which in compliance mode weakens what the mode promises")
            && weaker.contains("lowered_from = 90"),
        "{weaker}"
    );
    let governance = refused("retention={mode=\"governance\",days=90}");
    assert!(
        governance.contains(
            "its compliance retention (compliance 90 days) would become governance 90 days"
        ),
        "{governance}"
    );
    let dropped = refused("versioning=false");
    assert!(
        dropped.contains("a locked bucket is always versioned"),
        "{dropped}"
    );
    let unlocked = refused("object_lock=false");
    assert!(
        unlocked.contains("was created with object lock, which nothing can remove"),
        "{unlocked}"
    );
    assert_eq!(read(&tenant), before, "a refused render wrote");
    assert_eq!(job_files(), job, "a refused render wrote");
    // Acknowledged: the shorter compliance retention is applied, with the warning.
    let acknowledged = ok("retention={mode=\"compliance\",days=30,lowered_from=90}");
    assert!(
        acknowledged.contains("acknowledged by `lowered_from`"),
        "{acknowledged}"
    );
    assert_ne!(job_files(), job);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `(change, disruption, todo)` of each bucket-settings change `args --format json` names.
fn bucket_settings(dir: &Path, args: &[&str]) -> Vec<(String, String, String)> {
    let run = run_in(dir, &[args, &["--format", "json"]].concat());
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    report["folders"][0]["verdict"]["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["kind"] == "bucket-settings")
        .map(|c| {
            let field = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (field("change"), field("disruption"), field("todo"))
        })
        .collect()
}

/// Each change to a bucket that exists is a day-two change with its class, in `check`'s text and
/// in `check --format json`: the bucket job's new run restarts nothing (`none`); a setting the
/// site file drops stays in MinIO until an administrator runs the `mc` command named (`manual`);
/// a compliance retention shortened without `lowered_from` is refused (`blocked`).
#[test]
fn bucket_settings_are_changes_with_their_class() {
    let dir = scratch_dir("bucket-classes");
    let set = li_settings("retention={mode=\"compliance\",days=90},quota=\"1Ti\"");
    ok_in(
        &dir,
        &["gen", "--ccu", "5000", "--out", "out", "--set", &set],
    );
    // `(change, disruption, todo)` of each bucket change, and the text `check` prints.
    let changes = |settings: &str| {
        let set = li_settings(settings);
        let args = ["check", "--ccu", "5000", "--out", "out", "--set", &set];
        let text = run_in(&dir, &args).stderr;
        let found = bucket_settings(&dir, &args);
        (found, text)
    };
    let (longer, text) = changes("retention={mode=\"compliance\",days=120},quota=\"1Ti\"");
    assert!(
        longer.iter().any(|(c, class, _)| class == "none"
            && c.contains(
                "the default retention grows from compliance 90 days to compliance 120 days"
            )),
        "{longer:?}"
    );
    assert!(
        longer.iter().all(|(_, class, _)| class == "none"),
        "{longer:?}"
    );
    assert!(
        text.contains("note: `out`: none: bucket `synapse-media-li`: the default retention grows"),
        "{text}"
    );
    let (dropped, text) = changes("retention={mode=\"compliance\",days=90}");
    assert_eq!(
        dropped,
        [(
            "bucket `synapse-media-li` no longer declares its quota (1Ti)".to_string(),
            "manual".to_string(),
            "to remove it, run `mc quota clear myminio/synapse-media-li` as an administrator"
                .to_string()
        )]
    );
    assert!(
        text.contains("warning: `out`: manual: bucket `synapse-media-li` no longer declares"),
        "{text}"
    );
    let (weaker, text) = changes("retention={mode=\"compliance\",days=30},quota=\"1Ti\"");
    let blocked: Vec<_> = weaker.iter().filter(|(_, c, _)| c == "blocked").collect();
    assert!(
        blocked.len() == 1 && blocked[0].2.contains("lowered_from = 90"),
        "{weaker:?}"
    );
    assert!(
        text.contains(
            "error: `out`: blocked: bucket `synapse-media-li`: the default retention \
                       would shorten from compliance 90 days to compliance 30 days"
        ),
        "{text}"
    );
    let (acknowledged, _) =
        changes("retention={mode=\"compliance\",days=30,lowered_from=90},quota=\"1Ti\"");
    assert!(
        acknowledged.iter().all(|(_, class, _)| class == "none") && !acknowledged.is_empty(),
        "{acknowledged:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A render refused for its pools is refused for that alone, with the change that replaces
/// it: an order to apply the refused render in (here its `config.env` change with the roll the
/// previous folder's annotations bring) would be advice for a render nothing may apply. The
/// JSON verdict still names every change, the combination included.
#[test]
fn a_render_refused_for_its_pools_gives_no_order_to_apply_it() {
    let site = "tests/fixtures/daytwo/previous-5000.toml";
    let folder = "tests/fixtures/previous/tier-5000";
    for change in [["--ccu", "10000"], ["--set", "sizing.volume_size=250Gi"]] {
        let args = [&["check", "--config", site, "--out", folder][..], &change].concat();
        let run = run_in(&root(), &args);
        assert_eq!(run.code, 1, "{change:?}: {}", run.stderr);
        assert!(
            // The way out: the step `grow` writes, or for a `--set`, leaving it out.
            run.stderr.contains(if change[0] == "--ccu" {
                "writes this"
            } else {
                "a `--set` of `sizing` is part of this render"
            }) && !run.stderr.contains("apply them in this order")
                && run.stderr.contains("error: 1 problem in the input"),
            "{change:?}: {}",
            run.stderr
        );
        let json = run_in(&root(), &[&args[..], &["--format", "json"]].concat());
        assert!(
            json.stdout.contains("\"kind\": \"combined\""),
            "{change:?}: {}",
            json.stdout
        );
    }
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

/// A `--set` of what `grow` writes (the tier, the first pool's shape, a pin) would override the
/// site file `grow` writes, whose growth then would not render: refused as input, exit 1,
/// nothing written, never reported as a bug in miniogen.
#[test]
fn grow_refuses_a_set_of_what_it_writes() {
    let dir = scratch_dir("grow-set");
    copy_tree(&previous("tier-5000"), &dir.join("out"));
    keep_li_unlocked(&dir.join("miniogen.toml"));
    let site = read(&dir.join("miniogen.toml"));
    for (set, shown, help) in [
        (
            "sizing.volume_size=250Gi",
            "`sizing`",
            "write the setting into the site file",
        ),
        (
            "environments.x.pools=[]",
            "`pools`",
            "write the setting into the site file",
        ),
        (
            "tenant.image=minio:x",
            "`tenant.image`",
            "write the setting into the site file",
        ),
        ("ccu=10000", "`ccu`", "give the tier as `--ccu N`"),
    ] {
        for dry in [true, false] {
            let mut args = vec!["grow", "--ccu", "10000", "--set", set, "--out", "out"];
            if dry {
                args.push("--dry-run");
            }
            let run = run_in(&dir, &args);
            assert_eq!(run.code, 1, "{set}: {}", run.stderr);
            assert!(
                run.stderr.contains(&format!(
                    "a `--set` of {shown} overrides what `grow` writes"
                )) && run.stderr.contains(help)
                    && run.stderr.contains(&format!("command line `--set {set}`"))
                    && !run.stderr.contains("bug"),
                "{set}: {}",
                run.stderr
            );
            assert!(run.stdout.is_empty(), "{set}: {}", run.stdout);
            assert_eq!(read(&dir.join("miniogen.toml")), site, "{set}");
        }
    }
    // A `--set` of anything else is the render's business, as in every command.
    let other = run_in(
        &dir,
        &[
            "grow",
            "--ccu",
            "10000",
            "--set",
            "prometheus.node_metrics=true",
            "--out",
            "out",
            "--dry-run",
        ],
    );
    assert!(
        !other.stderr.contains("overrides what `grow` writes"),
        "{}",
        other.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}
