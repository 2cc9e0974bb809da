//! The pre-commit hooks, run by the real `pre-commit try-repo` against this checkout in a
//! throwaway repository: stale output fails with the diff, regenerated output passes.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{miniogen_in, root, scratch_dir, venv_tool};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=miniogen-test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"));
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn try_repo(pre_commit: &Path, dir: &Path, hook: &str) -> Output {
    try_repo_on(pre_commit, dir, hook, true)
}

/// `try-repo` on every file, or, without `all_files`, as a commit runs it: on the staged files,
/// with unstaged changes stashed away.
fn try_repo_on(pre_commit: &Path, dir: &Path, hook: &str, all_files: bool) -> Output {
    let repo = root().to_string_lossy().into_owned();
    let mut args = vec!["try-repo", repo.as_str(), hook, "--verbose"];
    if all_files {
        args.push("--all-files");
    }
    Command::new(pre_commit)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", root().join("target/pre-commit-home"))
        // try-repo builds the hook afresh each time (`cargo install`); one shared target folder
        // and an unoptimized profile keep that to a relink after the first build. What is under
        // test is the hook definition, not the optimizer.
        .env("CARGO_TARGET_DIR", root().join("target/pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run pre-commit: {e}"))
}

#[test]
fn hooks_fail_on_stale_output_and_pass_on_fresh_output() {
    let Some(pre_commit) = venv_tool("pre-commit") else {
        return;
    };
    let dir = scratch_dir("precommit");
    git(&dir, &["init", "--quiet"]);
    std::fs::write(dir.join("miniogen.toml"), "ccu = 100\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        miniogen_in(Some(&dir), &["gen", "--out", "manifests"]).code,
        0
    );
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "--quiet", "-m", "rendered"]);

    let fresh = try_repo(&pre_commit, &dir, "miniogen-check");
    let log = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert!(
        fresh.status.success(),
        "fresh output failed the hook:\n{}",
        log(&fresh)
    );

    std::fs::write(
        dir.join("miniogen.toml"),
        "ccu = 100\nnamespace = \"chat\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let stale = try_repo(&pre_commit, &dir, "miniogen-check");
    assert!(
        !stale.status.success(),
        "stale output passed the hook:\n{}",
        log(&stale)
    );
    assert!(
        log(&stale).contains("+  namespace: chat"),
        "the hook did not show the diff:\n{}",
        log(&stale)
    );

    let regenerated = try_repo(&pre_commit, &dir, "miniogen-gen");
    // pre-commit fails a hook that changed files, so that the user stages them.
    assert!(
        log(&regenerated).contains("files were modified by this hook"),
        "{}",
        log(&regenerated)
    );
    let passes = try_repo(&pre_commit, &dir, "miniogen-check");
    assert!(
        passes.status.success(),
        "regenerated output failed the hook:\n{}",
        log(&passes)
    );
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "--quiet", "-m", "regenerated"]);
    let current = try_repo(&pre_commit, &dir, "miniogen-gen");
    assert!(
        current.status.success(),
        "a current folder failed the gen hook:\n{}",
        log(&current)
    );

    // Regenerated but not staged: a commit's hook sees the staged folder, stale, and must say
    // to stage it rather than to run `gen` again.
    std::fs::write(
        dir.join("miniogen.toml"),
        "ccu = 100\nnamespace = \"chat-two\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    git(&dir, &["add", "miniogen.toml"]);
    assert_eq!(
        miniogen_in(Some(&dir), &["gen", "--out", "manifests"]).code,
        0
    );
    let unstaged = try_repo_on(&pre_commit, &dir, "miniogen-check", false);
    assert!(
        !unstaged.status.success() && log(&unstaged).contains("stage it with `git add manifests`"),
        "{}",
        log(&unstaged)
    );
    git(&dir, &["add", "manifests"]);
    let staged = try_repo_on(&pre_commit, &dir, "miniogen-check", false);
    assert!(staged.status.success(), "{}", log(&staged));
    git(&dir, &["commit", "--quiet", "-m", "staged"]);

    // A folder the hook creates holds only untracked files, which pre-commit does not see as
    // changes: the hook itself must fail, or it would pass with the folder left uncommitted.
    std::fs::remove_dir_all(dir.join("manifests")).unwrap_or_else(|e| panic!("{e}"));
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "--quiet", "-m", "removed"]);
    let created = try_repo(&pre_commit, &dir, "miniogen-gen");
    assert!(
        !created.status.success(),
        "the gen hook passed while it wrote a new folder:\n{}",
        log(&created)
    );
    assert!(
        log(&created).contains(
            "`manifests` was out of date and has been rewritten: review it, then stage it with \
             `git add manifests`"
        ),
        "{}",
        log(&created)
    );
    assert!(dir.join("manifests/kustomization.yaml").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
