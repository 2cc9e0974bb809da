//! An output folder prepared by someone else: a crafted state file, links, devices and FIFOs
//! where generated files should be, Secrets edited by hand, folders that must not be replaced.
//! `gen --out` and `check` must never show (or hang on) anything outside the folder, never
//! print a credential, and refuse a folder holding the inputs before touching it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Run, TEST_KEY, scratch_dir, snapshot};

/// The process environment holds this, as it would a master key: `/proc/self/environ` must
/// never reach the output.
const ENV_MARKER: &str = "env-marker-5f1c0ffee";
/// What the file outside the folder holds.
const VICTIM: &str = "victim-content-7d2b";

/// Runs `miniogen` in `dir` with the marker in its environment, killed after 20 s: a FIFO read
/// would otherwise block the test forever.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_miniogen"))
        .args(args)
        .current_dir(dir)
        .env_remove("MINIOGEN_MASTER_KEY")
        .env_remove("MINIOGEN_MASTER_KEY_FILE")
        .env("MINIOGEN_TEST_MARKER", ENV_MARKER)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run miniogen: {e}"));
    let started = Instant::now();
    while child.try_wait().ok().flatten().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("miniogen {args:?} hung for 20 s (reading a FIFO?)");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Run::from(child.wait_with_output().unwrap_or_else(|e| panic!("{e}")))
}

/// A work folder holding `out`, written by `gen`, and beside it a file that must stay private.
fn prepared(name: &str) -> (PathBuf, PathBuf) {
    let root = scratch_dir(name);
    std::fs::write(root.join("victim.txt"), format!("{VICTIM}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(work.join("victim.txt"), format!("{VICTIM}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let first = run(&work, &["gen", "--ccu", "100", "--out", "out"], &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    (root, work)
}

fn leaks(run: &Run) -> Option<&'static str> {
    let all = format!("{}{}", run.stdout, run.stderr);
    [VICTIM, ENV_MARKER, "PATH="]
        .into_iter()
        .find(|secret| all.contains(secret))
}

fn set_state_entry(out: &Path, name: &str) {
    let path = out.join(".miniogen-state.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut state: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    state["files"][name] = serde_json::json!("0".repeat(64));
    std::fs::write(&path, state.to_string()).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_crafted_state_file_never_makes_miniogen_read_outside_the_folder() {
    let crafted = [
        "../victim.txt",
        "../../victim.txt",
        "../../work/victim.txt",
        "/proc/self/environ",
        "consumers/../../victim.txt",
        ".miniogen-state.json",
        "NOTES.md",
        "sub/deeper.yaml",
    ];
    for name in crafted {
        let (root, work) = prepared("crafted-state");
        let out = work.join("out");
        set_state_entry(&out, name);
        let before = snapshot(&root);
        for args in [
            &[
                "gen",
                "--ccu",
                "100",
                "--out",
                "out",
                "--namespace",
                "other",
            ][..],
            &["check", "--ccu", "100", "--out", "out"],
            &["gen", "--ccu", "100", "--out", "out", "--force"],
        ] {
            let run = run(&work, args, &[]);
            assert_eq!(
                leaks(&run),
                None,
                "{name}: {args:?} printed it:\n{}{}",
                run.stdout,
                run.stderr
            );
            assert_eq!(
                run.code, 2,
                "{name}: {args:?}: {}{}",
                run.stdout, run.stderr
            );
            assert!(
                run.stderr.contains("is not a miniogen state file")
                    && run.stderr.contains("which is not a file miniogen writes"),
                "{name}: {}",
                run.stderr
            );
        }
        assert_eq!(snapshot(&root), before, "{name}: something changed");
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// A state file that is itself a link (to the environment, or to a FIFO) is never read.
#[test]
fn a_state_file_that_is_a_link_or_a_fifo_is_refused() {
    let (root, work) = prepared("state-link");
    let state = work.join("out/.miniogen-state.json");
    std::fs::remove_file(&state).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("/proc/self/environ", &state).unwrap_or_else(|e| panic!("{e}"));
    let linked = run(&work, &["check", "--ccu", "100", "--out", "out"], &[]);
    assert_eq!(leaks(&linked), None, "{}{}", linked.stdout, linked.stderr);
    assert_eq!(linked.code, 2, "{}", linked.stderr);
    assert!(
        linked.stderr.contains("it is a symbolic link"),
        "{}",
        linked.stderr
    );
    // A state file that is a hard link to a private file: its content is never quoted.
    std::fs::remove_file(&state).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&state, format!("{{\"files\": \"{VICTIM}\"}}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let quoted = run(&work, &["check", "--ccu", "100", "--out", "out"], &[]);
    assert_eq!(leaks(&quoted), None, "{}", quoted.stderr);
    assert!(
        quoted
            .stderr
            .contains("not a record of generated files (line 1, column "),
        "{}",
        quoted.stderr
    );
    std::fs::remove_file(&state).unwrap_or_else(|e| panic!("{e}"));
    if mkfifo(&state) {
        let fifo = run(&work, &["gen", "--ccu", "100", "--out", "out"], &[]);
        assert_eq!(fifo.code, 2, "{}", fifo.stderr);
        assert!(
            fifo.stderr.contains("it is a device, FIFO or socket"),
            "{}",
            fifo.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// What can stand where `tenant-matrix-minio.yaml` was written; each is made by `make`, which
/// returns false when this system cannot make it.
type Make = fn(&Path, &Path) -> bool;

#[test]
fn links_devices_and_fifos_in_place_of_generated_files_are_never_read() {
    let cases: [(&str, &str, Make); 5] = [
        (
            "a link outside",
            "tenant-matrix-minio.yaml",
            |path, root| std::os::unix::fs::symlink(root.join("victim.txt"), path).is_ok(),
        ),
        (
            "a link to the environment",
            "tenant-matrix-minio.yaml",
            |path, _| std::os::unix::fs::symlink("/proc/self/environ", path).is_ok(),
        ),
        ("a FIFO", "tenant-matrix-minio.yaml", |path, _| mkfifo(path)),
        (
            "a character device",
            "tenant-matrix-minio.yaml",
            |path, _| {
                // `/dev/zero` again: reading it never ends.
                is_root()
                    && Command::new("mknod")
                        .arg(path)
                        .args(["c", "1", "5"])
                        .status()
                        .is_ok_and(|s| s.success())
            },
        ),
        ("a linked fragment folder", "consumers", |path, root| {
            let elsewhere = root.join("elsewhere");
            let _ = std::fs::create_dir_all(&elsewhere);
            for name in [
                "synapse-pod.yaml",
                "synapse-media-storage.yaml",
                "cnpg-plugin.yaml",
            ] {
                let _ = std::fs::write(elsewhere.join(name), format!("{VICTIM}\n"));
            }
            std::os::unix::fs::symlink(&elsewhere, path).is_ok()
        }),
    ];
    for (what, name, make) in cases {
        let (root, work) = prepared("replaced");
        let path = work.join("out").join(name);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{e}"));
        }
        if !make(&path, &root) {
            eprintln!("skipped {what}: cannot make one here");
            let _ = std::fs::remove_dir_all(&root);
            continue;
        }
        let check = run(&work, &["check", "--ccu", "100", "--out", "out"], &[]);
        assert_eq!(
            leaks(&check),
            None,
            "{what}: check printed it:\n{}",
            check.stdout
        );
        assert_eq!(check.code, 1, "{what}: {}{}", check.stdout, check.stderr);
        assert!(
            check.stdout.contains("replaced: `"),
            "{what}: {}",
            check.stdout
        );
        let refused = run(&work, &["gen", "--ccu", "100", "--out", "out"], &[]);
        assert_eq!(
            leaks(&refused),
            None,
            "{what}: gen printed it:\n{}",
            refused.stderr
        );
        assert_eq!(refused.code, 1, "{what}: {}", refused.stderr);
        assert!(
            refused.stderr.contains("was replaced by"),
            "{what}: {}",
            refused.stderr
        );
        let forced = run(
            &work,
            &["gen", "--ccu", "100", "--out", "out", "--force"],
            &[],
        );
        assert_eq!(leaks(&forced), None, "{what}: {}", forced.stderr);
        assert_eq!(forced.code, 0, "{what}: {}", forced.stderr);
        let kind = std::fs::symlink_metadata(&path).map(|m| m.file_type());
        assert!(
            kind.is_ok_and(|k| k.is_file() || k.is_dir()),
            "{what}: not replaced by miniogen's own"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("victim.txt")).ok(),
            Some(format!("{VICTIM}\n")),
            "{what}: the file outside changed"
        );
        let check = run(&work, &["check", "--ccu", "100", "--out", "out"], &[]);
        assert_eq!(check.code, 0, "{what}: {}", check.stdout);
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// Every credential value of the Secrets in a derived-mode folder.
fn credentials(out: &Path) -> Vec<String> {
    let mut values = Vec::new();
    for entry in std::fs::read_dir(out).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("secret-") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for doc in crate::support::documents(&text) {
            for (key, value) in doc["stringData"].as_object().into_iter().flatten() {
                let value = value.as_str().unwrap_or_default();
                if key.ends_with("SECRET_KEY") {
                    values.push(value.to_string());
                }
                // `export MINIO_ROOT_PASSWORD="..."` and the like inside `config.env`.
                for line in value.lines().filter(|l| l.contains("PASSWORD")) {
                    if let Some((_, v)) = line.split_once("=\"") {
                        values.push(v.trim_end_matches('"').to_string());
                    }
                }
            }
        }
    }
    assert!(
        values.len() >= 3,
        "no credentials found in {}",
        out.display()
    );
    values
}

/// Edits a Secret file by hand: a new `CONSOLE_SECRET_KEY`.
fn set_secret_key(path: &Path, value: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let edited = text
        .lines()
        .map(|l| {
            if l.contains("CONSOLE_SECRET_KEY") {
                format!("  CONSOLE_SECRET_KEY: {value}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    std::fs::write(path, edited).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn secret_values_never_appear_in_diffs_or_messages() {
    let root = scratch_dir("masked");
    let other_key = "another-master-key-with-enough-entropy-0123";
    let derived = |out: &'static str| {
        vec![
            "gen",
            "--ccu",
            "100",
            "--secrets-mode",
            "derived",
            "--out",
            out,
            "--write-plaintext-credentials",
        ]
    };
    for (out, key) in [("out", TEST_KEY), ("other", other_key)] {
        let run = run(&root, &derived(out), &[("MINIOGEN_MASTER_KEY", key)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let mut secrets = credentials(&root.join("out"));
    secrets.extend(credentials(&root.join("other")));
    secrets.push("hunter2hunter2".into());
    let shown = |run: &Run| {
        let all = format!("{}{}", run.stdout, run.stderr);
        secrets.iter().find(|s| all.contains(s.as_str())).cloned()
    };
    // `check` with another master key: every credential differs.
    let check = run(
        &root,
        &[
            "check",
            "--ccu",
            "100",
            "--secrets-mode",
            "derived",
            "--out",
            "out",
        ],
        &[("MINIOGEN_MASTER_KEY", other_key)],
    );
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert_eq!(
        shown(&check),
        None,
        "a credential was printed:\n{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("stale: `secret-minio-user.yaml`"),
        "{}",
        check.stdout
    );
    assert!(
        check
            .stdout
            .contains("-  CONSOLE_SECRET_KEY: <hidden>\n+  CONSOLE_SECRET_KEY: <hidden, changed>"),
        "the change is not shown:\n{}",
        check.stdout
    );
    // A Secret edited by hand: refused, with the edit shown and no value in it.
    let path = root.join("out/secret-minio-user.yaml");
    set_secret_key(&path, "hunter2hunter2");
    let refused = run(&root, &derived("out"), &[("MINIOGEN_MASTER_KEY", TEST_KEY)]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert_eq!(
        shown(&refused),
        None,
        "a credential was printed:\n{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("edited by hand: `secret-minio-user.yaml` changed since miniogen wrote it")
            && refused
                .stderr
                .contains("CONSOLE_SECRET_KEY: <hidden, changed>"),
        "{}",
        refused.stderr
    );
    let check = run(
        &root,
        &[
            "check",
            "--ccu",
            "100",
            "--secrets-mode",
            "derived",
            "--out",
            "out",
        ],
        &[("MINIOGEN_MASTER_KEY", TEST_KEY)],
    );
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert_eq!(
        shown(&check),
        None,
        "a credential was printed:\n{}",
        check.stdout
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn output_folders_holding_the_inputs_are_refused_up_front() {
    let root = scratch_dir("unsafe-out");
    let work = root.join("repo/work");
    std::fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(work.join("miniogen.toml"), "ccu = 100\n").unwrap_or_else(|e| panic!("{e}"));
    let before = snapshot(&root);
    let parent = root.join("repo");
    let parent = parent.to_string_lossy();
    let here = work.to_string_lossy();
    // The first ones would be replaced whole, working directory and all; the last ones walked.
    for out in [&*parent, &*here, ".", "./", "..", "../..", "sub/../..", "/"] {
        let started = Instant::now();
        let run = run(&work, &["gen", "--out", out], &[]);
        assert_eq!(run.code, 2, "--out {out}: {}", run.stderr);
        assert!(
            run.stderr.contains("cannot write the output folder"),
            "--out {out}: {}",
            run.stderr
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "--out {out} took long"
        );
        assert_eq!(snapshot(&root), before, "--out {out} changed something");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path).map_or_else(
        |e| panic!("{}: {e}", path.display()),
        |m| m.permissions().mode() & 0o7777,
    )
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[cfg(unix)]
#[test]
fn folder_modes_are_kept_and_derived_folders_are_the_owners_only() {
    let root = scratch_dir("modes");
    let write = |extra: &[&str]| {
        let args = [&["gen", "--ccu", "100", "--out", "out"], extra].concat();
        run(&root, &args, &[("MINIOGEN_MASTER_KEY", TEST_KEY)])
    };
    assert_eq!(write(&[]).code, 0);
    let out = root.join("out");
    for (dir, m) in [("private", 0o700), ("frozen", 0o555), ("shared", 0o775)] {
        std::fs::create_dir_all(out.join(dir).join("inner")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(out.join(dir).join("inner/notes"), "x\n").unwrap_or_else(|e| panic!("{e}"));
        chmod(&out.join(dir), m);
    }
    chmod(&out, 0o750);
    let changed = write(&["--namespace", "chat"]);
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    assert_eq!(mode(&out), 0o750, "the folder's own mode");
    for (dir, m) in [("private", 0o700), ("frozen", 0o555), ("shared", 0o775)] {
        assert_eq!(mode(&out.join(dir)), m, "`{dir}` lost its mode");
        assert!(out.join(dir).join("inner/notes").is_file());
    }
    let derived = write(&["--secrets-mode", "derived", "--write-plaintext-credentials"]);
    assert_eq!(derived.code, 0, "{}", derived.stderr);
    assert_eq!(mode(&out), 0o700, "a folder with credentials");
    assert_eq!(mode(&out.join("consumers")), 0o700);
    assert_eq!(mode(&out.join(".miniogen-state.json")), 0o600);
    assert_eq!(mode(&out.join("secret-minio-user.yaml")), 0o600);
    assert_eq!(
        mode(&out.join("frozen")),
        0o555,
        "a user's folder keeps its mode"
    );
    for dir in ["private", "frozen", "shared"] {
        chmod(&out.join(dir), 0o755);
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// Issue 23, item 9: a state file chose secrets mode `derived` through a TOML escape,
/// `secrets.mode="deriv\u0065d"`, which the check on the text missed; `check` then rendered and
/// diffed derived credentials. The record is judged on the value miniogen reads.
#[test]
fn a_state_file_cannot_choose_derived_mode_through_an_escape() {
    let (root, work) = prepared("escaped-derived");
    let path = work.join("out/.miniogen-state.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let state: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    for set in [
        r#"secrets.mode="deriv\u0065d""#,
        r#"environments={ x = { secrets = { mode = "\u0064erived" } } }"#,
    ] {
        let mut edited = state.clone();
        edited["inputs"]["set"] = serde_json::json!([set]);
        std::fs::write(&path, edited.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let checked = run(
            &work,
            &["check", "--out", "out"],
            &[("MINIOGEN_MASTER_KEY", crate::support::TEST_KEY)],
        );
        assert_eq!(checked.code, 1, "{set}: {}", checked.stderr);
        assert!(
            checked.stderr.contains("records secrets mode `derived`"),
            "{set}: {}",
            checked.stderr
        );
        assert!(
            !checked.stdout.contains("kind: Secret"),
            "{set}: {}",
            checked.stdout
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
