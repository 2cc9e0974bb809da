//! The site file as `init` and `grow` write it (issue 23): never through a link out of the
//! working directory, never over anything but a regular file, never losing a concurrent edit,
//! never leaving a half-written file or a staging file for good, and with the line endings it
//! had.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{Run, miniogen_in, scratch_dir};

fn run_in(dir: &Path, args: &[&str]) -> Run {
    miniogen_in(Some(dir), args)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The names in `dir` that start with `.miniogen.toml.miniogen-`.
fn left_beside(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".miniogen.toml.miniogen-"))
        .collect();
    names.sort();
    names
}

/// `: > ../victim; ln -s ../victim miniogen.toml; miniogen grow ...` wrote the victim (issue 23,
/// item 3). A link out of the working directory, for the file or a folder on its way, is
/// refused and nothing is written; a link that stays inside is followed and kept.
#[cfg(unix)]
#[test]
fn grow_never_writes_through_a_link_out_of_the_working_directory() {
    use std::os::unix::fs::symlink;
    let root = scratch_dir("site-links");
    let repo = root.join("repo");
    std::fs::create_dir_all(repo.join("conf")).unwrap_or_else(|e| panic!("{e}"));
    let victim = root.join("victim.toml");
    write(&victim, "ccu = 1000\n");
    std::fs::create_dir_all(root.join("elsewhere")).unwrap_or_else(|e| panic!("{e}"));
    write(&root.join("elsewhere/miniogen.toml"), "ccu = 1000\n");
    symlink("../victim.toml", repo.join("miniogen.toml")).unwrap_or_else(|e| panic!("{e}"));
    symlink("../elsewhere", repo.join("linked")).unwrap_or_else(|e| panic!("{e}"));
    for args in [
        &["grow", "--ccu", "5000"][..],
        &["grow", "--ccu", "5000", "--dry-run"][..],
        &["grow", "--ccu", "5000", "--config", "linked/miniogen.toml"][..],
    ] {
        let run = run_in(&repo, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("outside the working directory"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert_eq!(read(&victim), "ccu = 1000\n");
    assert_eq!(read(&root.join("elsewhere/miniogen.toml")), "ccu = 1000\n");
    let init = run_in(
        &repo,
        &["init", "--ccu", "5000", "--config", "linked/new.toml"],
    );
    assert_eq!(init.code, 2, "{}", init.stderr);
    assert!(!root.join("elsewhere/new.toml").exists());

    // Inside the working directory: the file the link names is edited, the link stays.
    std::fs::remove_file(repo.join("miniogen.toml")).unwrap_or_else(|e| panic!("{e}"));
    write(&repo.join("conf/site.toml"), "ccu = 1000\n");
    symlink("conf/site.toml", repo.join("miniogen.toml")).unwrap_or_else(|e| panic!("{e}"));
    let run = run_in(&repo, &["grow", "--ccu", "5000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::symlink_metadata(repo.join("miniogen.toml"))
            .is_ok_and(|m| m.file_type().is_symlink())
    );
    assert!(read(&repo.join("conf/site.toml")).contains("[[pools]]"));
    assert_eq!(left_beside(&repo.join("conf")), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&root);
}

/// Two `grow` at once, one per environment, each lost the other's edit 30 times of 30 (issue
/// 23, item 11): each holds the site file's lock from before it reads the file until it has
/// replaced it.
#[test]
fn concurrent_grows_never_lose_an_edit() {
    let dir = scratch_dir("site-race");
    let site = "[environments.staging]\nccu = 100\n\n[environments.production]\nccu = 10000\n";
    for round in 0..6 {
        write(&dir.join("miniogen.toml"), site);
        let spawn = |env: &str, ccu: &str| {
            Command::new(env!("CARGO_BIN_EXE_miniogen"))
                .args(["grow", "--env", env, "--ccu", ccu])
                .current_dir(&dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let children = [spawn("staging", "1000"), spawn("production", "20000")];
        for child in children {
            let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let grown = read(&dir.join("miniogen.toml"));
        for edit in [
            "[[environments.staging.pools]]",
            "[[environments.production.pools]]",
        ] {
            assert!(grown.contains(edit), "round {round}: lost {edit}:\n{grown}");
        }
        assert_eq!(left_beside(&dir), Vec::<String>::new());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A killed `grow` left `.miniogen.toml.miniogen-new-PID` for good (issue 23, item 12): the
/// next run that takes the lock removes what a killed run left, as beside an output folder.
#[test]
fn what_a_killed_run_left_beside_the_site_file_is_cleaned_up() {
    let dir = scratch_dir("site-stale");
    write(&dir.join("miniogen.toml"), "ccu = 1000\n");
    write(&dir.join(".miniogen.toml.miniogen-new-4194301"), "ccu = 10");
    write(&dir.join(".miniogen.toml.miniogen-notes"), "the user's\n");
    let run = run_in(&dir, &["grow", "--ccu", "5000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(left_beside(&dir), [".miniogen.toml.miniogen-notes"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `init` wrote in place: killed half-way, it left a truncated `miniogen.toml` that `plan` used
/// and `init` refused to replace (issue 23, item 13). Here the kernel kills it at its first
/// bytes past a file-size limit (`SIGXFSZ`): no `miniogen.toml` is left, and the next `init`
/// writes it whole and removes the staging file.
#[cfg(unix)]
#[test]
fn a_killed_init_leaves_no_site_file() {
    let dir = scratch_dir("site-init-killed");
    let binary = env!("CARGO_BIN_EXE_miniogen");
    let status = Command::new("sh")
        .args(["-c", "ulimit -f 4 && exec \"$0\" init --ccu 5000", binary])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!status.success(), "the limit did not stop init");
    assert!(
        !dir.join("miniogen.toml").exists(),
        "a killed init left:\n{}",
        read(&dir.join("miniogen.toml"))
    );
    let run = run_in(&dir, &["init", "--ccu", "5000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(left_beside(&dir), Vec::<String>::new());
    let plan = run_in(&dir, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `grow` turned a CRLF file into mixed line endings (issue 23, item 17).
#[test]
fn a_crlf_site_file_stays_crlf() {
    let dir = scratch_dir("site-crlf");
    write(
        &dir.join("miniogen.toml"),
        "# ours\r\nccu = 1000\r\n\r\n[tenant]\r\nname = \"matrix-minio\"\r\n",
    );
    let run = run_in(&dir, &["grow", "--ccu", "5000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let grown = read(&dir.join("miniogen.toml"));
    assert!(grown.contains("[[pools]]\r\n"), "{grown:?}");
    assert_eq!(
        grown.matches('\n').count(),
        grown.matches("\r\n").count(),
        "{grown:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A misspelt `--env` on a site file whose tier is set per environment: the error is the
/// unknown environment, with the names the file has and exit 1, not a request for `--ccu`
/// (which the right environment would have given).
#[test]
fn an_unknown_environment_is_named_before_a_missing_tier() {
    let dir = scratch_dir("site-unknown-env");
    let site = "namespace = \"matrix\"\n\n[environments.production]\nccu = 5000\n\n\
                [environments.production.sizing]\nservers = 4\nvolumes_per_server = 2\n\
                volume_size = \"500Gi\"\n";
    write(&dir.join("miniogen.toml"), site);
    for command in ["gen", "plan"] {
        let run = run_in(
            &dir,
            &[command, "--config", "miniogen.toml", "--env", "prodution"],
        );
        assert_eq!(run.code, 1, "{command}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("the site file has no environment `prodution`")
                && run.stderr.contains("did you mean `production`?")
                && run.stderr.contains("miniogen.toml:3:"),
            "{command}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("--ccu"), "{command}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{command}: {}", run.stdout);
    }
    let good = run_in(
        &dir,
        &["gen", "--config", "miniogen.toml", "--env", "production"],
    );
    assert_eq!(good.code, 0, "{}", good.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
