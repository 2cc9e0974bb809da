//! The command line as a new user meets it: tiers, notes, errors, exit codes, determinism.

use crate::support::{TIERS, documents, miniogen, miniogen_in, ok, root, scratch_dir};

/// The default MinIO image, the newest upstream published, predates the fix of CVE-2025-62506,
/// which only a source release carries: every run with it says so.
const DEFAULT_IMAGE_ADVISORY: &str = "warning: `tenant.image` \
    `quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z` predates the fix of CVE-2025-62506 \
    (GHSA-jjjj-jwhf-8rgr): service and STS accounts bypass their session policy when creating \
    service accounts; fixed in RELEASE.2025-10-15T17-29-55Z
 = key: tenant.image
 = help: upstream published no image of RELEASE.2025-10-15T17-29-55Z (source only since \
    minio/minio#21647): build one from that tag and pin it, or accept it with \
    `warnings.accepted_advisories = [\"CVE-2025-62506\"]`
";

#[test]
fn an_accepted_advisory_is_silent_and_an_old_pin_warns_of_each() {
    let accepted = miniogen(&[
        "gen",
        "--ccu",
        "5000",
        "--set",
        "warnings.accepted_advisories=[\"GHSA-jjjj-jwhf-8rgr\"]",
    ]);
    assert_eq!((accepted.code, accepted.stderr.as_str()), (0, ""));
    let old = miniogen(&[
        "plan",
        "--ccu",
        "5000",
        "--set",
        "tenant.image=quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z",
    ]);
    assert_eq!(old.code, 0);
    for (cve, fixed) in [
        ("CVE-2024-55949", "RELEASE.2024-12-13T22-19-12Z"),
        ("CVE-2025-31489", "RELEASE.2025-04-03T14-56-28Z"),
        ("CVE-2025-62506", "RELEASE.2025-10-15T17-29-55Z"),
    ] {
        assert!(
            old.stderr.contains(&format!("{cve} (")) && old.stderr.contains(fixed),
            "{}",
            old.stderr
        );
    }
}

#[test]
fn tier_5000_prints_the_runbook_objects_and_nothing_else() {
    let run = miniogen(&["gen", "--ccu", "5000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr, DEFAULT_IMAGE_ADVISORY,
        "an exact tier needs no note, only the default image's advisory"
    );
    let docs = documents(&run.stdout);
    let kinds: Vec<String> = docs
        .iter()
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap_or(""),
                d["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "ServiceAccount/matrix-minio-buckets",
            "ServiceAccount/matrix-minio-iam",
            "ServiceAccount/matrix-minio-verify",
            "ConfigMap/matrix-minio-dashboard",
            "ConfigMap/matrix-minio-iam-policies",
            "ConfigMap/matrix-minio-verify",
            "ConfigMap/minio-li-sync-config",
            "CronJob/minio-li-sync",
            "Job/matrix-minio-verify",
            "ExternalSecret/minio-config",
            "ExternalSecret/minio-credentials",
            "ExternalSecret/minio-rclone-credentials",
            "ExternalSecret/minio-user",
            "MinIOJob/matrix-minio-buckets-1e4477d8",
            "MinIOJob/matrix-minio-iam-73f15a71",
            "Tenant/matrix-minio",
            "PrometheusRule/matrix-minio",
            "ScrapeConfig/matrix-minio",
            "PolicyBinding/matrix-minio-buckets",
            "PolicyBinding/matrix-minio-iam",
            "PolicyBinding/matrix-minio-verify",
        ]
    );
    // No PodDisruptionBudget: MinIO Operator v6.0.2 writes the pool's own. The bucket
    // settings job (the LI copy's retention and lifecycle) has its own account and binding.
    let by_name = |kind: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind}/{name}"))
    };
    let tenant = by_name("Tenant", "matrix-minio");
    let pool = &tenant["spec"]["pools"][0];
    // The lawful-intercept copy is created locked: MinIO makes it versioned, and the bucket
    // job gives it its retention and lifecycle.
    assert_eq!(
        tenant["spec"]["buckets"][1],
        serde_json::json!({"name": "synapse-media-li", "objectLock": true})
    );
    assert_eq!(pool["servers"], 4);
    assert_eq!(pool["volumesPerServer"], 2);
    assert_eq!(
        pool["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"],
        "500Gi"
    );
    let config = by_name("ExternalSecret", "minio-config")["spec"]["target"]["template"]["data"]["config.env"]
        .as_str()
        .unwrap_or_default();
    assert!(
        config.contains("export MINIO_STORAGE_CLASS_STANDARD=\"EC:4\"\n"),
        "{config}"
    );
}

#[test]
fn tiers_match_the_runbook_rows() {
    // (ccu, servers, volumes per server, volume size): the runbook's scaling table.
    let rows = [
        (100, 4, 2, "100Gi"),
        (1000, 4, 2, "250Gi"),
        (5000, 4, 2, "500Gi"),
        (10000, 8, 2, "500Gi"),
        (20000, 8, 4, "500Gi"),
    ];
    for (ccu, servers, volumes, size) in rows {
        let docs = documents(&ok(&["gen", "--ccu", &ccu.to_string()]));
        let tenant = docs
            .iter()
            .find(|d| d["kind"] == "Tenant")
            .cloned()
            .unwrap_or_default();
        let pool = &tenant["spec"]["pools"][0];
        assert_eq!(pool["servers"], servers, "{ccu}");
        assert_eq!(pool["volumesPerServer"], volumes, "{ccu}");
        assert_eq!(
            pool["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"], size,
            "{ccu}"
        );
    }
}

#[test]
fn between_tiers_rounds_up_and_says_so() {
    let run = miniogen(&["gen", "--ccu", "3000"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stderr,
        format!(
            "{DEFAULT_IMAGE_ADVISORY}\nnote: 3000 CCU uses the built-in 5000 CCU tier (the \
             smallest tier that serves it)\n"
        )
    );
    assert_eq!(run.stdout, ok(&["gen", "--ccu", "5000"]));
}

#[test]
fn above_the_largest_tier_explains_custom_profiles() {
    let run = miniogen(&["gen", "--ccu", "50000"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("above the largest built-in tier (20000 CCU)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--profile my-profile.toml"),
        "{}",
        run.stderr
    );
    let zero = miniogen(&["gen", "--ccu", "0"]);
    assert_eq!(zero.code, 1, "{}", zero.stderr);
    // Below, above or not a number: every bad count is invalid input, pointed at the flag.
    for (ccu, message) in [
        ("-5", "`--ccu -5`: a tenant needs at least one user"),
        (
            "lots",
            "`--ccu lots`: `lots` is not a number of concurrent users",
        ),
        ("1e9", "`1e9` is not a number"),
    ] {
        let run = miniogen(&["gen", "--ccu", ccu]);
        assert_eq!(run.code, 1, "--ccu {ccu}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        assert!(run.stderr.contains(message), "{}", run.stderr);
        assert!(
            run.stderr.contains("--> command line `--ccu`"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_flag_that_stands_for_a_key_is_reported_as_the_flag() {
    let run = miniogen(&["gen", "--ccu", "100", "--namespace", "Foo"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("--> command line `--namespace Foo`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("--set"), "{}", run.stderr);
    // An unlocated label reads as one phrase, not `expected: expected ...`.
    assert!(
        run.stderr.contains("= expected: a DNS-1123 label"),
        "{}",
        run.stderr
    );
    let class = miniogen(&["gen", "--ccu", "100", "--storage-class", "Fast SSD"]);
    assert!(
        class
            .stderr
            .contains("--> command line `--storage-class \"Fast SSD\"`"),
        "{}",
        class.stderr
    );
    assert!(!class.stderr.contains("kube-root-ca"), "{}", class.stderr);
}

#[test]
fn plan_20000_shows_four_sets_of_eight_under_the_operators_budget() {
    // `plan` wraps at 100 columns: compare words, not line breaks.
    let out = ok(&["plan", "--ccu", "20000"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        out.contains(
            "4 sets of 8 drives, 4 data + 4 parity each (EC:4), `MINIO_ERASURE_SET_DRIVE_COUNT=8`"
        ),
        "{out}"
    );
    assert!(out.contains("MinIO Operator v6.0.2's `matrix-minio-pool-0`: minAvailable 5 of 8, lets 3 servers go; write quorum survives 3 (1 drive per server per set): quorum-safe"), "{out}");
    assert!(
        out.contains("quorum-safe sets cost 4000Gi of usable capacity"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["plan", "--ccu", "20000", "--format", "json"]))
            .unwrap_or_else(|e| panic!("{e}"));
    let budget = &json["pools"][0]["disruption_budget"];
    assert_eq!(
        (
            &budget["writer"],
            &budget["min_available"],
            &budget["quorum_safe"]
        ),
        (&"operator".into(), &5.into(), &true.into())
    );
    assert_eq!(json["erasure"]["set_drive_count"], 8);
}

/// With `tenant.erasure_sets = "largest"`, MinIO's own sets of 16 and a warning that names the
/// pool, what the operator allows and what quorum allows.
#[test]
fn plan_20000_with_the_largest_sets_shows_two_sets_of_sixteen() {
    let run = miniogen(&[
        "plan",
        "--ccu",
        "20000",
        "--set",
        "tenant.erasure_sets=largest",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: pool `pool-0`: MinIO Operator v6.0.2's PodDisruptionBudget `matrix-minio-pool-0` lets 3 of 8 servers go at once, but write quorum survives only 2"),
        "{}",
        run.stderr
    );
    let out = run.stdout;
    assert!(
        out.contains("8 servers x 4 volumes = 32 drives of 500Gi"),
        "{out}"
    );
    assert!(
        out.contains("2 sets of 16 drives, 12 data + 4 parity each"),
        "{out}"
    );
    assert!(
        out.contains("raw 16000Gi (~15.63Ti), usable 12000Gi (~11.72Ti): 75% of raw"),
        "{out}"
    );
    assert!(out.contains("reads need           12 of 16 drives per set: may lose 4 drives per set, 2 whole servers"), "{out}");
    assert!(out.contains("writes need          12 of 16 drives per set: may lose 4 drives per set, 2 whole servers"), "{out}");
    assert!(out.contains("runbook's usable     8000Gi"), "{out}");
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "plan",
        "--ccu",
        "20000",
        "--format",
        "json",
        "--set",
        "tenant.erasure_sets=largest",
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let layout = &json["pools"][0]["layout"];
    assert_eq!(
        (layout["sets"].as_u64(), layout["set_size"].as_u64()),
        (Some(2), Some(16))
    );
    assert_eq!(
        (layout["data"].as_u64(), layout["parity"].as_u64()),
        (Some(12), Some(4))
    );
    assert_eq!(json["pools"][0]["disruption_budget"]["quorum_safe"], false);
}

#[test]
fn output_is_byte_identical_across_runs_and_directories() {
    for ccu in TIERS {
        let ccu = ccu.to_string();
        let first = ok(&["gen", "--ccu", &ccu]);
        let elsewhere = miniogen_in(Some(&std::env::temp_dir()), &["gen", "--ccu", &ccu]);
        assert_eq!(first, ok(&["gen", "--ccu", &ccu]));
        assert_eq!(first, elsewhere.stdout);
    }
}

#[test]
fn site_file_is_found_in_the_working_directory() {
    let dir = scratch_dir("cwd");
    std::fs::write(
        dir.join("miniogen.toml"),
        "namespace = \"from-cwd\"\n[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"100Gi\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = miniogen_in(Some(&dir), &["gen", "--ccu", "100"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        documents(&run.stdout)
            .iter()
            .all(|d| d["metadata"]["namespace"] == "from-cwd")
    );
}

#[test]
fn flags_override_the_site_file_and_set_overrides_flags() {
    let example = root().join("tests/fixtures/valid/example.toml");
    let example = example.to_string_lossy();
    let namespace_of = |args: &[&str]| {
        let docs = documents(&ok(args));
        docs[0]["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        namespace_of(&["gen", "--ccu", "100", "--config", &example]),
        "chat"
    );
    assert_eq!(
        namespace_of(&[
            "gen",
            "--ccu",
            "100",
            "--config",
            &example,
            "--namespace",
            "flag"
        ]),
        "flag"
    );
    assert_eq!(
        namespace_of(&[
            "gen",
            "--ccu",
            "100",
            "--config",
            &example,
            "--namespace",
            "flag",
            "--set",
            "namespace=set"
        ]),
        "set"
    );
    let docs = documents(&ok(&[
        "gen",
        "--ccu",
        "100",
        "--set",
        "sizing.volume_size=3Ti",
    ]));
    let tenant = docs
        .iter()
        .find(|d| d["kind"] == "Tenant")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        tenant["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"],
        "3Ti"
    );
}

#[test]
fn a_bad_set_points_at_the_command_line() {
    let run = miniogen(&["gen", "--ccu", "100", "--set", "sizing.servers=many"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("--> command line `--set sizing.servers=many`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("expected an integer, found a string"),
        "{}",
        run.stderr
    );
}

#[test]
fn custom_profiles_are_checked_like_site_files() {
    let dir = scratch_dir("profile");
    let shown = ok(&["profiles", "--show", "20000"]);
    let custom = shown
        .replace("ccu = 20000", "ccu = 40000")
        .replace("servers = 8", "servers = 16");
    std::fs::write(dir.join("big.toml"), &custom).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("broken.toml"), "ccu = 40000\nsumary = \"x\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let good = miniogen_in(
        Some(&dir),
        &["plan", "--profile", "big.toml", "--ccu", "30000"],
    );
    let broken = miniogen_in(Some(&dir), &["gen", "--profile", "broken.toml"]);
    let too_many = miniogen_in(
        Some(&dir),
        &["gen", "--profile", "big.toml", "--ccu", "50000"],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(good.code, 0, "{}", good.stderr);
    assert!(
        good.stdout.contains("16 servers x 4 volumes = 64 drives"),
        "{}",
        good.stdout
    );
    assert_eq!(broken.code, 1);
    assert!(
        broken.stderr.contains("--> broken.toml:2:1"),
        "{}",
        broken.stderr
    );
    assert!(
        broken.stderr.contains("did you mean `summary`?"),
        "{}",
        broken.stderr
    );
    assert!(
        broken.stderr.contains("missing key `sizing`"),
        "{}",
        broken.stderr
    );
    assert_eq!(too_many.code, 1);
    assert!(
        too_many
            .stderr
            .contains("more than the profile serves (40000 CCU)"),
        "{}",
        too_many.stderr
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(miniogen(&["gen"]).code, 2);
    assert_eq!(miniogen(&["frobnicate"]).code, 2);
    let missing = miniogen(&["gen", "--ccu", "100", "--config", "does-not-exist.toml"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("does-not-exist.toml"),
        "{}",
        missing.stderr
    );
    assert!(missing.stdout.is_empty());
    assert_eq!(miniogen(&["--help"]).code, 0);
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let path = std::env::temp_dir().join(format!("miniogen-big-{}.toml", std::process::id()));
    let line = "# padding padding padding padding padding padding padding padding\n";
    std::fs::write(&path, line.repeat(50 * 1024 * 1024 / line.len()))
        .unwrap_or_else(|e| panic!("{e}"));
    let run = miniogen(&["gen", "--ccu", "100", "--config", &path.to_string_lossy()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("inputs are limited to 1048576 bytes"),
        "{}",
        run.stderr
    );
}

#[test]
fn schema_command_prints_the_committed_schemas() {
    let site = std::fs::read_to_string(root().join("schema/site.schema.json")).unwrap_or_default();
    let profile =
        std::fs::read_to_string(root().join("schema/profile.schema.json")).unwrap_or_default();
    assert_eq!(ok(&["schema"]), site);
    assert_eq!(ok(&["schema", "profile"]), profile);
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_miniogen"))
        .args(["gen", "--ccu", "20000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    drop(child.stdout.take());
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    let mut stderr = String::new();
    let _ = child
        .stderr
        .take()
        .map(|mut s| s.read_to_string(&mut stderr));
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn plan_lines_fit_in_100_columns() {
    let mut runs: Vec<Vec<String>> = TIERS
        .iter()
        .map(|t| vec!["plan".into(), "--ccu".into(), t.to_string()])
        .collect();
    for fixture in ["consumers", "example", "no-extras", "tls-off-bearer"] {
        runs.push(vec![
            "plan".into(),
            "--ccu".into(),
            "5000".into(),
            "--config".into(),
            root()
                .join(format!("tests/fixtures/valid/{fixture}.toml"))
                .display()
                .to_string(),
        ]);
    }
    for args in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = ok(&args);
        for line in text.lines() {
            assert!(
                line.chars().count() < 100,
                "`miniogen {}` prints a line of {} columns:\n{line}",
                args.join(" "),
                line.chars().count()
            );
        }
    }
}

/// Every span in backticks is a name or a command to copy: it opens and closes on one line and
/// never holds another span, which would read as two spans with text between them (a field
/// already in backticks wrapped in backticks again, as `plan --out` once printed causes).
#[test]
fn backtick_spans_are_never_nested() {
    let previous = root().join("tests/fixtures/previous/tier-5000");
    let grown = root().join("tests/fixtures/daytwo/grown.toml");
    let previous = previous.display().to_string();
    let grown = grown.display().to_string();
    let runs: [&[&str]; 6] = [
        &["plan", "--ccu", "5000", "--out", &previous],
        &["plan", "--config", &grown, "--out", &previous],
        &[
            "plan",
            "--ccu",
            "20000",
            "--set",
            "tenant.erasure_sets=\"largest\"",
        ],
        &["secrets", "--ccu", "5000"],
        &["secrets", "--ccu", "100", "--secrets-mode", "existing"],
        &["check", "--ccu", "5000", "--out", &previous],
    ];
    for args in runs {
        let run = miniogen(args);
        for line in run.stdout.lines().chain(run.stderr.lines()) {
            let parts: Vec<&str> = line.split('`').collect();
            assert!(
                parts.len() % 2 == 1,
                "`miniogen {}`: an unclosed backtick in {line:?}",
                args.join(" ")
            );
            for span in parts.iter().skip(1).step_by(2) {
                assert!(
                    !span.starts_with(' ') && !span.ends_with(' '),
                    "`miniogen {}`: nested backticks in {line:?}",
                    args.join(" ")
                );
            }
        }
    }
}

/// Every `kubectl` command miniogen prints for a namespaced object names the site's namespace:
/// without `-n`, it would act on the current context's namespace. Cluster-scoped objects
/// (namespaces, storage classes) are the exception.
#[test]
fn printed_commands_carry_the_sites_namespace() {
    let dir = scratch_dir("namespace-in-commands");
    std::fs::write(
        dir.join("miniogen.toml"),
        "ccu = 5000\nnamespace = \"chat\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = |args: &[&str]| {
        let run = miniogen_in(Some(&dir), args);
        format!("{}{}", run.stdout, run.stderr)
    };
    assert_eq!(miniogen_in(Some(&dir), &["gen", "--out", "out"]).code, 0);
    let texts = [
        run(&["plan"]),
        run(&["secrets"]),
        run(&["secrets", "--secrets-mode", "existing"]),
        // Volumes grown in place: the warning says how to settle the StatefulSet.
        run(&[
            "check",
            "--set",
            "sizing.volume_size=\"1Ti\"",
            "--out",
            "out",
        ]),
        run(&["plan", "--set", "prometheus.labels.release=\"kps\""]),
    ];
    let mut commands = 0;
    for text in &texts {
        for span in text.split('`').skip(1).step_by(2) {
            if !span.starts_with("kubectl ") {
                continue;
            }
            commands += 1;
            let cluster_scoped =
                span.contains(" storageclass ") || span.starts_with("kubectl create namespace ");
            assert!(
                cluster_scoped || span.contains(" -n chat "),
                "a printed command without the site's namespace: {span}\nin:\n{text}"
            );
            assert!(
                !span.contains("-n matrix "),
                "the default namespace: {span}"
            );
        }
    }
    // The CA Secret's two commands, the namespace, and the StatefulSet's two.
    assert!(
        commands >= 7,
        "only {commands} commands printed:\n{texts:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// kube-prometheus-stack's Prometheus (chart 88.5.3, `templates/prometheus/prometheus.yaml`)
/// selects `ScrapeConfig`s with `matchLabels: {release: <Helm release>}` unless told otherwise.
/// The default `ScrapeConfig` has no such label, and `plan` says so and how to add it; with it,
/// the rendered `ScrapeConfig` matches that selector and `plan` names the release.
#[test]
fn plan_names_the_scrape_config_selector_to_match() {
    let matches = |stream: &str, release: &str| {
        documents(stream)
            .iter()
            .filter(|d| d["kind"] == "ScrapeConfig")
            .all(|d| d["metadata"]["labels"]["release"] == release)
    };
    // The plan's lines are wrapped: read it as one line.
    let flat = |text: String| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let plan = flat(ok(&["plan", "--ccu", "5000"]));
    assert!(
        plan.contains("selects only `release: <its Helm release>` by default, which they lack")
            && plan.contains("`prometheus.labels = { release = \"<release>\" }`"),
        "{plan}"
    );
    assert!(!matches(&ok(&["gen", "--ccu", "5000"]), "kps"));
    let set = [
        "--ccu",
        "5000",
        "--set",
        "prometheus.labels.release=\"kps\"",
    ];
    let plan = flat(ok(&[&["plan"][..], &set].concat()));
    assert!(
        plan.contains("selects them by default when its Helm release is named `kps`"),
        "{plan}"
    );
    assert!(matches(&ok(&[&["gen"][..], &set].concat()), "kps"));
    let off = ok(&["plan", "--ccu", "5000", "--set", "prometheus.enabled=false"]);
    assert!(!off.contains("scrapeConfigSelector"), "{off}");
}

/// Issue 23, item 15: `--set environments.NAME.key=value` (and `PARAM_SET_n`) was accepted and
/// ignored. It applies to environment `NAME`, after its own keys; one naming an environment the
/// site file does not describe is refused.
#[test]
fn a_set_of_an_environment_applies_to_it_or_is_refused() {
    let dir = scratch_dir("env-set");
    std::fs::write(
        dir.join("miniogen.toml"),
        "ccu = 100\n[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"100Gi\"\n\
         [environments.staging]\nnamespace = \"stage\"\n[environments.production]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let namespace = |stream: &str| -> Vec<String> {
        documents(stream)
            .iter()
            .filter_map(|d| {
                d.pointer("/metadata/namespace")?
                    .as_str()
                    .map(str::to_string)
            })
            .collect()
    };
    for set in [
        "environments.staging.namespace=chat",
        "environments.staging={ namespace = \"chat\" }",
    ] {
        let run = miniogen_in(Some(&dir), &["gen", "--env", "staging", "--set", set]);
        assert_eq!(run.code, 0, "{set}: {}", run.stderr);
        let found = namespace(&run.stdout);
        assert!(
            !found.is_empty() && found.iter().all(|n| n == "chat"),
            "{set}: {found:?}"
        );
    }
    // Another environment's override leaves this one as it is.
    let run = miniogen_in(
        Some(&dir),
        &[
            "gen",
            "--env",
            "production",
            "--set",
            "environments.staging.namespace=chat",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(namespace(&run.stdout).iter().all(|n| n == "matrix"));
    // Through Argo CD's parameters too.
    let run = crate::support::miniogen_env(
        Some(&dir),
        &["argocd", "generate"],
        &[
            ("PARAM_ENV", "staging"),
            ("PARAM_SET_0", "environments.staging.namespace=chat"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(namespace(&run.stdout).iter().all(|n| n == "chat"));
    // The tier too: a `ccu` override wins over the site file's, for all or for one environment.
    let tier = |args: &[&str]| -> String {
        let run = miniogen_in(Some(&dir), args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run.stdout.lines().next().unwrap_or_default().to_string()
    };
    assert!(
        tier(&["plan", "--env", "staging", "--set", "ccu=20000"]).starts_with("tier 20000 CCU")
    );
    assert!(
        tier(&[
            "plan",
            "--env",
            "staging",
            "--set",
            "environments.staging.ccu=5000"
        ])
        .starts_with("tier 5000 CCU")
    );
    assert!(
        tier(&[
            "plan",
            "--env",
            "production",
            "--set",
            "environments.staging.ccu=5000"
        ])
        .starts_with("tier 100 CCU")
    );
    // An environment the site file does not describe, or all of them at once: refused.
    for (set, says) in [
        (
            "environments.stagign.namespace=chat",
            "did you mean `staging`?",
        ),
        ("environments={}", "every environment at once"),
        ("environments.staging=chat", "needs a table of keys"),
    ] {
        let run = miniogen_in(Some(&dir), &["gen", "--env", "staging", "--set", set]);
        assert_eq!(run.code, 1, "{set}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{set}: {}", run.stderr);
        assert!(
            run.stderr.contains("--> command line `--set"),
            "{set}: {}",
            run.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 23, item 17: `prometheus.labels` replaced miniogen's own labels on the `ScrapeConfig` and
/// `ServiceMonitor`, and `cluster_domain` took DNS labels longer than DNS allows.
#[test]
fn prometheus_labels_add_and_cluster_domains_are_dns() {
    for (set, says) in [
        (
            "prometheus.labels.\"app.kubernetes.io/name\"=other",
            "label `app.kubernetes.io/name` is one miniogen sets on every object",
        ),
        (
            "prometheus.labels.\"app.kubernetes.io/component\"=x",
            "label `app.kubernetes.io/component` is one miniogen sets",
        ),
        (
            &format!("cluster_domain={}.local", "a".repeat(64)) as &str,
            "a DNS label has at most 63",
        ),
    ] {
        let run = miniogen(&["gen", "--ccu", "100", "--set", set]);
        assert_eq!(run.code, 1, "{set}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{set}: {}", run.stderr);
    }
    let stream = ok(&[
        "gen",
        "--ccu",
        "100",
        "--set",
        "prometheus.labels.release=kube-prometheus-stack",
        "--set",
        "prometheus.node_metrics=true",
    ]);
    let monitors: Vec<serde_json::Value> = documents(&stream)
        .into_iter()
        .filter(|d| d["kind"] == "ScrapeConfig" || d["kind"] == "ServiceMonitor")
        .collect();
    assert_eq!(monitors.len(), 2);
    for m in monitors {
        let labels = &m["metadata"]["labels"];
        assert_eq!(labels["release"], "kube-prometheus-stack");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "miniogen");
        assert_eq!(labels["app.kubernetes.io/component"], "monitoring");
    }
}
