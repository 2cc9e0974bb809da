//! Golden files: every byte of every tier's stream, every plan, and every class of error message
//! is pinned in `snapshots/`. A change to one is a change to the spec: review it with
//! `cargo insta review`.

use std::path::Path;

use crate::support::{MODES, TIERS, miniogen_in, ok, ok_env, root, scratch_dir};

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

#[test]
fn every_tier_stream() {
    settings().bind(|| {
        for ccu in TIERS {
            let out = ok(&["gen", "--ccu", &ccu.to_string()]);
            insta::assert_snapshot!(format!("gen-{ccu}"), out);
        }
    });
}

#[test]
fn example_site_streams() {
    settings().bind(|| {
        for name in ["example", "tls-off-bearer", "no-extras"] {
            let config = root().join(format!("tests/fixtures/valid/{name}.toml"));
            let config = config.to_string_lossy();
            let out = ok(&["gen", "--ccu", "5000", "--config", &config]);
            insta::assert_snapshot!(format!("gen-5000-{name}"), out);
        }
    });
}

/// One tier in every secrets mode, and what `miniogen secrets` says about each; `derived` with
/// the fixed test key, so its credentials are pinned too.
#[test]
fn every_secrets_mode() {
    settings().bind(|| {
        for (mode, env) in MODES {
            let stream = ok_env(&["gen", "--ccu", "5000", "--secrets-mode", mode], env);
            insta::assert_snapshot!(format!("gen-5000-mode-{mode}"), stream);
            let table = ok_env(&["secrets", "--ccu", "5000", "--secrets-mode", mode], env);
            insta::assert_snapshot!(format!("secrets-5000-{mode}"), table);
        }
    });
}

#[test]
fn every_tier_plan() {
    settings().bind(|| {
        for ccu in TIERS {
            let ccu = ccu.to_string();
            insta::assert_snapshot!(format!("plan-{ccu}"), ok(&["plan", "--ccu", &ccu]));
            insta::assert_snapshot!(
                format!("plan-{ccu}-json"),
                ok(&["plan", "--ccu", &ccu, "--format", "json"])
            );
        }
        let example = root().join("tests/fixtures/valid/example.toml");
        insta::assert_snapshot!(
            "plan-5000-example",
            ok(&[
                "plan",
                "--ccu",
                "5000",
                "--config",
                &example.to_string_lossy()
            ])
        );
    });
}

#[test]
fn profiles_table() {
    settings().bind(|| insta::assert_snapshot!("profiles", ok(&["profiles"])));
}

/// Every file in `tests/fixtures/invalid/` is a broken input: a site file, or a profile when
/// its name ends in `.profile.toml`. Each must fail with exit code 1, print nothing on stdout,
/// and report exactly what its snapshot shows.
#[test]
fn every_invalid_input() {
    let dir = root().join("tests/fixtures/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "toml")
        })
        .collect();
    names.sort();
    assert!(names.len() >= 60, "the corpus shrank to {}", names.len());
    settings().bind(|| {
        for name in names {
            let (flag, stem) = match name.strip_suffix(".profile.toml") {
                Some(stem) => ("--profile", format!("profile-{stem}")),
                None => ("--config", name.trim_end_matches(".toml").to_string()),
            };
            let args = ["gen", "--ccu", "5000", flag, &name];
            let run = miniogen_in(Some(Path::new(&dir)), &args);
            refused(&name, &run);
            insta::assert_snapshot!(format!("invalid-{stem}"), run.stderr);
        }
    });
}

fn refused(name: &str, run: &crate::support::Run) {
    assert_eq!(run.code, 1, "{name} exited {}:\n{}", run.code, run.stderr);
    assert!(run.stdout.is_empty(), "{name} printed to stdout");
    assert!(!run.stderr.contains("panicked"), "{name} panicked");
}

/// A 50 MB site file (made here, not committed) is refused before it is read whole.
#[test]
fn a_huge_input_is_refused_unread() {
    let dir = scratch_dir("huge");
    let path = dir.join("huge.toml");
    let line = "# padding padding padding padding padding padding padding padding padding\n";
    let text = line.repeat(50_000_000 / line.len());
    std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    let run = miniogen_in(
        Some(&dir),
        &["gen", "--ccu", "100", "--config", "huge.toml"],
    );
    refused("huge.toml", &run);
    settings().bind(|| insta::assert_snapshot!("invalid-huge_file", run.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
