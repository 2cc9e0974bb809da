//! An output folder prepared by someone else: a crafted state file, links, devices and FIFOs
//! where generated files should be, Secrets edited by hand, folders that must not be replaced.
//! `gen --out` and `check` must never show (or hang on) anything outside the folder, never
//! print a credential, and refuse a folder holding the inputs before touching it.

use std::fmt::Write as _;
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
    let child = Command::new(env!("CARGO_BIN_EXE_miniogen"))
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
    crate::support::bounded(child, &format!("miniogen {args:?} (reading a FIFO?)"))
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
    crate::support::mkfifo(&state);
    let fifo = run(&work, &["gen", "--ccu", "100", "--out", "out"], &[]);
    assert_eq!(fifo.code, 2, "{}", fifo.stderr);
    assert!(
        fifo.stderr.contains("it is a device, FIFO or socket"),
        "{}",
        fifo.stderr
    );
    let _ = std::fs::remove_dir_all(&root);
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// What can stand where `tenant-matrix-minio.yaml` was written; each is made by `make`, which
/// returns false when this system cannot make it (a device, unless running as root): that case
/// is then skipped (`support::skip_case`).
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
        ("a FIFO", "tenant-matrix-minio.yaml", |path, _| {
            crate::support::mkfifo(path);
            true
        }),
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
            crate::support::skip_case(&format!("cannot make {what} here (not root)"));
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

/// How a test damages a file's text.
type Tamper = Box<dyn Fn(&str) -> String>;

/// A Tenant file that is there but cannot be read back, with the state file's hash updated so
/// that it passes for miniogen's own: `gen --out`, `check` and `grow` stop with the file named
/// and exit 2, as for a state file they cannot read (nothing on the command line is wrong, and
/// the same command succeeds once the file is restored). Before, the unreadable Tenant counted
/// as none: `gen --out` dropped the site's 30 pools with exit 0.
#[test]
fn a_tenant_that_cannot_be_read_back_stops_every_command() {
    let mut site = String::new();
    for n in 1..=30 {
        let _ = write!(
            site,
            "[[pools]]\nname = \"pool-{n}\"\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"100Gi\"\n"
        );
    }
    let aliases = format!(
        "x-anchors:\n  base: &a [1, 2, 3]\n  refs: [{}]\n",
        vec!["*a"; 100].join(", ")
    );
    let tamperings: [(&str, Tamper, &str); 3] = [
        (
            "100 aliases",
            Box::new(move |t: &str| format!("{t}{aliases}")),
            "not one YAML document",
        ),
        (
            "bad YAML",
            Box::new(|t: &str| format!("{t}spec: [\n")),
            "not one YAML document",
        ),
        (
            "too big",
            Box::new(|t: &str| format!("{t}#{}\n", "x".repeat(5 << 20))),
            "larger than 4 MiB",
        ),
    ];
    for (what, tamper, why) in tamperings {
        let dir = scratch_dir(&format!("unreadable-{}", what.replace(' ', "-")));
        std::fs::write(dir.join("miniogen.toml"), &site).unwrap_or_else(|e| panic!("{e}"));
        let first = run(&dir, &["gen", "--ccu", "5000", "--out", "out"], &[]);
        assert_eq!(first.code, 0, "{}", first.stderr);
        let tenant = dir.join("out/tenant-matrix-minio.yaml");
        let text = tamper(&std::fs::read_to_string(&tenant).unwrap_or_default());
        std::fs::write(&tenant, &text).unwrap_or_else(|e| panic!("{e}"));
        let state_path = dir.join("out/.miniogen-state.json");
        let mut state: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{e}"));
        state["files"]["tenant-matrix-minio.yaml"] =
            serde_json::json!(miniogen::model::digest::sha256(&text));
        std::fs::write(&state_path, state.to_string()).unwrap_or_else(|e| panic!("{e}"));
        // The site file no longer lists the pools: a render that would drop all 30.
        std::fs::write(dir.join("miniogen.toml"), "").unwrap_or_else(|e| panic!("{e}"));
        let before = snapshot(&dir.join("out"));
        for args in [
            &["gen", "--ccu", "5000", "--out", "out"][..],
            &["check", "--ccu", "5000", "--out", "out"],
            &["grow", "--ccu", "20000", "--out", "out"],
            &["plan", "--ccu", "5000", "--out", "out"],
        ] {
            let refused = run(&dir, args, &[]);
            assert_eq!(refused.code, 2, "{what}: {args:?}: {}", refused.stderr);
            assert!(
                refused
                    .stderr
                    .contains("cannot read back `out/tenant-matrix-minio.yaml`")
                    && refused.stderr.contains(why),
                "{what}: {args:?}: {}",
                refused.stderr
            );
        }
        assert_eq!(
            snapshot(&dir.join("out")),
            before,
            "{what}: a refused run wrote"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("miniogen.toml"))
                .ok()
                .as_deref(),
            Some(""),
            "{what}: grow wrote"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// What a case runs (arguments, environment) and the file whose diff it shows.
type Shown<'a> = (&'a str, Vec<&'a str>, &'a [(&'a str, &'a str)], &'a str);

/// The diff of a file that holds a Secret on one side only masks it as well, whichever side it
/// is on: a generated file a user replaced by a Secret (the Secret is in the folder), and a
/// generated Secret a user replaced by something else (the Secret is in the render). `check`
/// shows the diff on stdout, the refusal of `gen` on stderr; neither shows a value.
#[test]
fn a_secret_on_one_side_of_a_diff_is_masked_in_check_and_gen() {
    let root = scratch_dir("one-sided");
    let key = [("MINIOGEN_MASTER_KEY", TEST_KEY)];
    let pasted = "hunter2hunter2";
    // In the folder only: a ServiceAccount file (no `Secret` in its text) replaced by a Secret.
    let first = run(&root, &["gen", "--ccu", "100", "--out", "out"], &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let account = root.join("out/serviceaccount-matrix-minio-iam.yaml");
    let rendered = std::fs::read_to_string(&account).unwrap_or_else(|e| panic!("{e}"));
    assert!(!rendered.contains("Secret") && !rendered.contains('\\'));
    std::fs::write(
        &account,
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pasted\nstringData:\n  \
             CONSOLE_SECRET_KEY: {pasted}\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // In the render only: a derived-mode Secret replaced by a ConfigMap.
    let derived = [
        "--ccu",
        "100",
        "--secrets-mode",
        "derived",
        "--out",
        "derived",
    ];
    let written = run(
        &root,
        &[&["gen"][..], &derived, &["--write-plaintext-credentials"]].concat(),
        &key,
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    let mut secrets = credentials(&root.join("derived"));
    secrets.push(pasted.into());
    std::fs::write(
        root.join("derived/secret-minio-user.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: minio-user\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let cases: [Shown; 4] = [
        (
            "check, Secret in the folder",
            vec!["check", "--ccu", "100", "--out", "out"],
            &[],
            "serviceaccount-matrix-minio-iam.yaml",
        ),
        (
            "gen, Secret in the folder",
            vec!["gen", "--ccu", "100", "--out", "out"],
            &[],
            "serviceaccount-matrix-minio-iam.yaml",
        ),
        (
            "check, Secret in the render",
            [&["check"][..], &derived].concat(),
            &key,
            "secret-minio-user.yaml",
        ),
        (
            "gen, Secret in the render",
            [&["gen"][..], &derived, &["--write-plaintext-credentials"]].concat(),
            &key,
            "secret-minio-user.yaml",
        ),
    ];
    for (what, args, env, file) in cases {
        let shown = run(&root, &args, env);
        let all = format!("{}{}", shown.stdout, shown.stderr);
        assert_eq!(shown.code, 1, "{what}: {all}");
        assert!(all.contains(file), "{what}: {all}");
        if let Some(secret) = secrets.iter().find(|s| all.contains(s.as_str())) {
            panic!("{what}: `{secret}` was printed:\n{all}");
        }
        assert!(
            all.contains("CONSOLE_SECRET_KEY: <hidden>"),
            "{what}: the diff is not shown, masked:\n{all}"
        );
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
