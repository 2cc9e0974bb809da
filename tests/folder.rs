//! Output folders as a GitOps user meets them: `gen --out`, `check`, kustomize, hand edits,
//! environments, and failures that must leave the previous folder as it was.

use std::path::Path;
use std::process::Command;

use crate::support::{TIERS, documents, miniogen_env, miniogen_in, root, scratch_dir, snapshot};

fn run_in(dir: &Path, args: &[&str]) -> crate::support::Run {
    miniogen_in(Some(dir), args)
}

fn run_in_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> crate::support::Run {
    miniogen_env(Some(dir), args, env)
}

#[test]
fn committed_out_folder_is_current() {
    for ccu in TIERS {
        let dir = format!("out/tier-{ccu}");
        let run = miniogen_in(None, &["check", "--ccu", &ccu.to_string(), "--out", &dir]);
        assert_eq!(
            run.code, 0,
            "{dir} is stale; regenerate it with `.ci/render-out`:\n{}",
            run.stdout
        );
    }
    let run = miniogen_in(
        None,
        &[
            "check",
            "--config",
            "deploy/example/miniogen.toml",
            "--out",
            "out/example",
        ],
    );
    assert_eq!(
        run.code, 0,
        "out/example is stale; regenerate it with `.ci/render-out`:\n{}",
        run.stdout
    );
}

#[test]
fn check_reports_drift_until_gen_runs_again() {
    let dir = scratch_dir("drift");
    std::fs::write(dir.join("miniogen.toml"), "ccu = 5000\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run_in(&dir, &["gen", "--out", "manifests"]).code, 0);
    assert_eq!(run_in(&dir, &["check", "--out", "manifests"]).code, 0);
    std::fs::write(
        dir.join("miniogen.toml"),
        "ccu = 5000\nnamespace = \"chat\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let stale = run_in(&dir, &["check", "--out", "manifests"]);
    assert_eq!(stale.code, 1);
    assert!(
        stale.stdout.contains("stale: `tenant-matrix-minio.yaml`"),
        "{}",
        stale.stdout
    );
    assert!(
        stale
            .stdout
            .contains("-  namespace: matrix\n+  namespace: chat\n"),
        "{}",
        stale.stdout
    );
    // The folder is what changed, not the input, and the message says how to write it again.
    assert!(
        stale.stderr.contains(
            "error: the output folder `manifests` is not what the inputs give: to regenerate \
             it, run `miniogen gen --out manifests`"
        ),
        "{}",
        stale.stderr
    );
    assert!(
        !stale.stderr.contains("problem in the input"),
        "{}",
        stale.stderr
    );
    assert_eq!(run_in(&dir, &["gen", "--out", "manifests"]).code, 0);
    assert_eq!(run_in(&dir, &["check", "--out", "manifests"]).code, 0);
    std::fs::remove_file(dir.join("manifests/externalsecret-minio-user.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let missing = run_in(&dir, &["check", "--out", "manifests"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stdout
            .contains("missing: `externalsecret-minio-user.yaml`"),
        "{}",
        missing.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_input_and_interrupted_writes_leave_the_folder_as_it_was() {
    let dir = scratch_dir("atomic");
    assert_eq!(
        run_in(&dir, &["gen", "--ccu", "5000", "--out", "out"]).code,
        0
    );
    std::fs::write(dir.join("out/NOTES.md"), "my own file\n").unwrap_or_else(|e| panic!("{e}"));
    let before = snapshot(&dir);
    let invalid = run_in(
        &dir,
        &[
            "gen",
            "--ccu",
            "5000",
            "--out",
            "out",
            "--set",
            "namespace=Bad_Name",
        ],
    );
    assert_eq!(invalid.code, 1);
    assert_eq!(snapshot(&dir), before, "invalid input changed the folder");
    for after in [0, 3, 9] {
        let output = Command::new(env!("CARGO_BIN_EXE_miniogen"))
            .args([
                "gen",
                "--ccu",
                "5000",
                "--out",
                "out",
                "--namespace",
                "faulty",
            ])
            .current_dir(&dir)
            .env("MINIOGEN_FAULT_AFTER_FILES", after.to_string())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("injected fault"));
        assert_eq!(
            snapshot(&dir),
            before,
            "a write interrupted after {after} files changed the folder"
        );
    }
    assert_eq!(
        run_in(
            &dir,
            &[
                "gen",
                "--ccu",
                "10000",
                "--out",
                "out",
                "--accept-pool-rebuild"
            ]
        )
        .code,
        0
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out/NOTES.md"))
            .ok()
            .as_deref(),
        Some("my own file\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hand_edits_are_shown_and_kept_unless_forced() {
    let dir = scratch_dir("hand");
    assert_eq!(
        run_in(&dir, &["gen", "--ccu", "100", "--out", "out"]).code,
        0
    );
    let path = dir.join("out/cronjob-minio-li-sync.yaml");
    let edited = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .replace("--transfers", "--transfer");
    std::fs::write(&path, &edited).unwrap_or_else(|e| panic!("{e}"));
    let refused = run_in(&dir, &["gen", "--ccu", "100", "--out", "out"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains(
            "edited by hand: `cronjob-minio-li-sync.yaml` changed since \
             miniogen wrote it"
        ),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("problem in the input"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("to discard it, run `miniogen gen --ccu 100 --out out --force`"),
        "{}",
        refused.stderr
    );
    // `check` calls it a hand edit too, with the diff the same way round: folder, then render.
    let check = run_in(&dir, &["check", "--out", "out"]);
    assert_eq!(check.code, 1);
    assert!(
        check.stdout.contains(
            "edited by hand: `cronjob-minio-li-sync.yaml` changed since \
             miniogen wrote it"
        ),
        "{}",
        check.stdout
    );
    assert!(
        check
            .stderr
            .contains("was edited by hand since miniogen wrote it")
            && check
                .stderr
                .contains("`miniogen gen --ccu 100 --out out --force`"),
        "{}",
        check.stderr
    );
    for run in [&refused.stderr, &check.stdout] {
        assert!(
            run.contains("-            - --transfer\n+            - --transfers"),
            "{run}"
        );
    }
    assert_eq!(std::fs::read_to_string(&path).ok(), Some(edited));
    assert_eq!(
        run_in(&dir, &["gen", "--ccu", "100", "--out", "out", "--force"]).code,
        0
    );
    assert_eq!(
        run_in(&dir, &["check", "--ccu", "100", "--out", "out"]).code,
        0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn growing_an_existing_pool_is_refused_with_the_way_to_grow() {
    let dir = scratch_dir("grow");
    assert_eq!(
        run_in(&dir, &["gen", "--ccu", "5000", "--out", "out"]).code,
        0
    );
    let before = snapshot(&dir);
    let refused = run_in(&dir, &["gen", "--ccu", "10000", "--out", "out"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("pool `pool-0`: `servers` would change from 4 to 8"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("`miniogen grow --ccu 10000 --out out` writes this into the site file")
            && refused
                .stderr
                .contains("    [[pools]]\n    name = \"pool-1\""),
        "{}",
        refused.stderr
    );
    assert_eq!(snapshot(&dir), before);
    let check = run_in(&dir, &["check", "--ccu", "10000", "--out", "out"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let grown = run_in(
        &dir,
        &[
            "gen",
            "--ccu",
            "5000",
            "--out",
            "out",
            "--set",
            "pools=[{name = \"pool-1\", servers = 4, volumes_per_server = 2, volume_size = \"500Gi\"}]",
        ],
    );
    assert_eq!(grown.code, 0, "{}", grown.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn environments_get_a_folder_each() {
    let dir = scratch_dir("envs");
    let config = root().join("deploy/example/miniogen.toml");
    let config = config.to_string_lossy();
    assert_eq!(
        run_in(&dir, &["gen", "--config", &config, "--out", "out"]).code,
        0
    );
    assert!(dir.join("out/staging/tenant-matrix-minio.yaml").is_file());
    assert!(
        dir.join("out/production/tenant-matrix-minio.yaml")
            .is_file()
    );
    let stdout = run_in(&dir, &["gen", "--config", &config]);
    assert_eq!(stdout.code, 2);
    assert!(
        stdout.stderr.contains("choose one with `--env NAME`"),
        "{}",
        stdout.stderr
    );
    let staging = run_in(&dir, &["gen", "--config", &config, "--env", "staging"]);
    assert_eq!(staging.code, 0, "{}", staging.stderr);
    let tenant = documents(&staging.stdout)
        .into_iter()
        .find(|d| d["kind"] == "Tenant")
        .unwrap_or_default();
    // The Tenant carries no annotation: the operator copies them into every MinIO pod.
    assert_eq!(tenant["metadata"]["annotations"], serde_json::Value::Null);
    // The staging environment's own tier (100 CCU: 100Gi volumes).
    assert_eq!(
        tenant["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"],
        "100Gi"
    );
    let typo = run_in(&dir, &["gen", "--config", &config, "--env", "prodution"]);
    assert_eq!(typo.code, 1);
    assert!(
        typo.stderr.contains("did you mean `production`?"),
        "{}",
        typo.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--out DIR` names the same folder with or without `--env`: one environment is written to, and
/// checked in, `DIR/<name>`, never into `DIR` beside the others.
#[test]
fn env_writes_and_checks_its_own_folder_under_out() {
    let dir = scratch_dir("env-out");
    let config = root().join("deploy/example/miniogen.toml");
    let config = config.to_string_lossy();
    let one = run_in(
        &dir,
        &[
            "gen", "--config", &config, "--env", "staging", "--out", "out",
        ],
    );
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(dir.join("out/staging/tenant-matrix-minio.yaml").is_file());
    assert!(!dir.join("out/tenant-matrix-minio.yaml").exists());
    assert!(!dir.join("out/production").exists());
    let args = [
        "check", "--config", &config, "--env", "staging", "--out", "out",
    ];
    let check = run_in(&dir, &args);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    // All of them then: staging is current, production is written beside it.
    let all = run_in(&dir, &["gen", "--config", &config, "--out", "out"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(
        all.stderr.contains("`out/staging` is current"),
        "{}",
        all.stderr
    );
    let check = run_in(&dir, &["check", "--config", &config, "--out", "out"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_finds_literal_credentials_without_printing_them() {
    let dir = scratch_dir("literal");
    assert_eq!(
        run_in(&dir, &["gen", "--ccu", "100", "--out", "out"]).code,
        0
    );
    assert_eq!(
        run_in(&dir, &["check", "--ccu", "100", "--out", "out"]).code,
        0
    );
    let leak = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pasted\n  namespace: matrix\n\
                stringData:\n  CONSOLE_ACCESS_KEY: synapse\n  CONSOLE_SECRET_KEY: hunter2hunter2\n";
    std::fs::write(dir.join("out/pasted.yaml"), leak).unwrap_or_else(|e| panic!("{e}"));
    let run = run_in(&dir, &["check", "--ccu", "100", "--out", "out"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Secret `pasted` holds a literal credential"),
        "{}",
        run.stdout
    );
    assert!(
        !format!("{}{}", run.stdout, run.stderr).contains("hunter2"),
        "a credential was printed"
    );
    // The JSON for CI carries the same finding, and no credential either.
    let json = run_in(
        &dir,
        &["check", "--ccu", "100", "--out", "out", "--format", "json"],
    );
    assert_eq!(json.code, 1, "{}", json.stderr);
    let value: serde_json::Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.stdout));
    let findings = value["folders"][0]["findings"].to_string();
    assert!(
        findings.contains("Secret `pasted` holds a literal credential"),
        "{findings}"
    );
    assert!(!json.stdout.contains("hunter2"), "a credential was printed");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `check --out DIR` alone renders what `gen` wrote, from the inputs the folder records.
#[test]
fn check_alone_uses_the_inputs_the_folder_records() {
    let dir = scratch_dir("recorded");
    let site = "ccu = 100\n[environments.a]\n[environments.b]\nccu = 1000\n";
    std::fs::create_dir_all(dir.join("site")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("site/fleet.toml"), site).unwrap_or_else(|e| panic!("{e}"));
    let gen_args = [
        "gen",
        "--config",
        "site/fleet.toml",
        "--namespace",
        "chat",
        "--set",
        "rclone.schedule=0 * * * *",
        "--out",
        "out",
    ];
    let written = run_in(&dir, &gen_args);
    assert_eq!(written.code, 0, "{}", written.stderr);
    let state = std::fs::read_to_string(dir.join("out/a/.miniogen-state.json")).unwrap_or_default();
    let recorded: serde_json::Value = serde_json::from_str(&state).unwrap_or_default();
    assert_eq!(
        recorded["inputs"],
        serde_json::json!({
            "config": "site/fleet.toml",
            "namespace": "chat",
            "set": ["rclone.schedule=0 * * * *"]
        })
    );
    let current = run_in(&dir, &["check", "--out", "out"]);
    assert_eq!(current.code, 0, "{}{}", current.stdout, current.stderr);
    // One environment's folder alone is checked as that environment.
    let one = run_in(&dir, &["check", "--out", "out/b"]);
    assert_eq!(one.code, 0, "{}{}", one.stdout, one.stderr);
    // A changed site file: stale, and the message gives the very command that wrote it.
    std::fs::write(
        dir.join("site/fleet.toml"),
        format!("{site}[prometheus]\ninterval = \"1m\"\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let changed = run_in(&dir, &["check", "--out", "out"]);
    assert_eq!(changed.code, 1);
    assert!(
        changed.stderr.contains(
            "run `miniogen gen --config site/fleet.toml --namespace chat --set \
             'rclone.schedule=0 * * * *' --out out`"
        ),
        "{}",
        changed.stderr
    );
    assert!(
        changed
            .stdout
            .contains("stale: `scrapeconfig-matrix-minio.yaml`"),
        "{}",
        changed.stdout
    );
    // Nothing of a credential is recorded, in any mode.
    let derived = run_in_env(
        &dir,
        &[
            "gen",
            "--ccu",
            "100",
            "--secrets-mode",
            "derived",
            "--out",
            "plain",
            "--write-plaintext-credentials",
        ],
        &[("MINIOGEN_MASTER_KEY", crate::support::TEST_KEY)],
    );
    assert_eq!(derived.code, 0, "{}", derived.stderr);
    let state = std::fs::read_to_string(dir.join("plain/.miniogen-state.json")).unwrap_or_default();
    assert!(!state.contains(crate::support::TEST_KEY), "{state}");
    assert!(
        !state.contains("plaintext") && !state.contains("force"),
        "{state}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A state file is the user's text: what it records is refused when it reaches outside the
/// working directory or names an option miniogen never records.
#[test]
fn recorded_inputs_are_read_back_as_hostile() {
    let dir = scratch_dir("recorded-hostile");
    assert_eq!(
        run_in(&dir, &["gen", "--ccu", "100", "--out", "out"]).code,
        0
    );
    let state_path = dir.join("out/.miniogen-state.json");
    let state = std::fs::read_to_string(&state_path).unwrap_or_default();
    let outside = dir.join("outside.toml");
    std::fs::write(&outside, "ccu = 100\n").unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, dir.join("out/link.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let inside = dir.join("inside");
    std::fs::create_dir_all(&inside).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(dir.join("out"), inside.join("out")).unwrap_or_else(|e| panic!("{e}"));
    let state_path = inside.join("out/.miniogen-state.json");
    for (inputs, message) in [
        (
            r#"{"config": "../outside.toml"}"#,
            "is not a path inside the working directory",
        ),
        (
            r#"{"config": "/etc/passwd"}"#,
            "is not a path inside the working directory",
        ),
        (r#"{"config": "out/link.toml"}"#, "through a symbolic link"),
        (
            r#"{"ccu": 100, "force": true}"#,
            "is not a miniogen state file",
        ),
        (r#"{"ccu": 100, "set": ["novalue"]}"#, "no `=`"),
    ] {
        let crafted = state.replacen(
            "\"inputs\": {\n    \"ccu\": 100\n  }",
            &format!("\"inputs\": {inputs}"),
            1,
        );
        assert_ne!(crafted, state);
        std::fs::write(&state_path, crafted).unwrap_or_else(|e| panic!("{e}"));
        let run = run_in(&inside, &["check", "--out", "out"]);
        assert_ne!(run.code, 0, "{inputs} was accepted");
        assert!(run.stderr.contains(message), "{inputs}:\n{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `check` on a folder that does not exist says so once, not once per file.
#[test]
fn check_of_a_missing_folder_says_so_in_one_line() {
    let dir = scratch_dir("missing-folder");
    for args in [
        &["check", "--ccu", "100", "--out", "nowhere"][..],
        &["check", "--out", "nowhere"][..],
    ] {
        let run = run_in(&dir, args);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(
            run.stdout, "missing: the folder `nowhere` does not exist\n",
            "{args:?}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("to write it, run `miniogen gen"),
            "{}",
            run.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The files of two folders rendered side by side: name to content, state file left out (it
/// records the inputs, so it changes with them by design).
fn folder_files(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n != ".miniogen-state.json")
            {
                let name = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
                out.insert(name, text);
            }
        }
    }
    out
}

/// The first line where two texts differ, from each.
fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .find(|(x, y)| x != y)
        .map_or_else(String::new, |(x, y)| format!("- {x}\n+ {y}"))
}

/// A file changes only when what it holds changes: raising `ccu`, adding a `--set` key (even one
/// that sets a default), or naming the site file by another path must leave every file whose
/// object stays the same byte for byte as it was, so that a review and `check` show only what
/// changed. A tier annotation on every object, or a header naming the inputs, would rewrite all
/// of them.
#[test]
fn a_file_changes_only_when_its_object_does() {
    let dir = scratch_dir("only-what-changes");
    std::fs::write(dir.join("miniogen.toml"), "ccu = 1000\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.join("sites")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("sites/other.toml"), "ccu = 1000\n").unwrap_or_else(|e| panic!("{e}"));
    let render = |out: &str, extra: &[&str]| {
        let mut args = vec!["gen", "--out", out];
        args.extend(extra);
        let run = run_in(&dir, &args);
        assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
        folder_files(&dir.join(out))
    };
    let base = render("base", &[]);
    let cases: [(&str, &[&str], usize); 4] = [
        // Same objects: not one file may differ.
        (
            "set-default",
            &["--set", "rclone.schedule=\"*/15 * * * *\""],
            0,
        ),
        ("other-path", &["--config", "sites/other.toml"], 0),
        // The CronJob alone.
        (
            "set-schedule",
            &["--set", "rclone.schedule=\"0 * * * *\""],
            1,
        ),
        // A larger tier changes the Tenant and what sizes with it, not every file.
        ("tier-5000", &["--ccu", "5000"], 1),
    ];
    for (out, extra, at_least) in cases {
        let other = render(out, extra);
        assert_eq!(
            base.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>(),
            "{extra:?}"
        );
        let mut changed = Vec::new();
        for (name, text) in &base {
            let new = &other[name];
            let parsed = |t: &str| {
                if Path::new(name).extension().is_some_and(|e| e == "yaml") {
                    documents(t)
                } else {
                    vec![serde_json::Value::String(t.to_string())]
                }
            };
            if text != new {
                assert_ne!(
                    parsed(text),
                    parsed(new),
                    "{extra:?}: `{name}` changed although its object did not:\n{}",
                    first_difference(text, new)
                );
                changed.push(name.clone());
            }
        }
        assert!(
            changed.len() >= at_least && changed.len() < base.len() / 2,
            "{extra:?}: {} of {} files changed: {changed:?}",
            changed.len(),
            base.len()
        );
        if at_least == 0 {
            assert!(changed.is_empty(), "{extra:?}: {changed:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
