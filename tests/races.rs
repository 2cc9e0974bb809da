//! `gen --out` racing other processes: another user reading while credentials are written, a run
//! killed at any moment, two runs at once. Each loop is bounded in rounds and in time, so that
//! the suite stays fast; a failure prints the seed of the random delays.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TEST_KEY, scratch_dir};

fn miniogen(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_miniogen"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("MINIOGEN_MASTER_KEY")
        .env_remove("MINIOGEN_MASTER_KEY_FILE")
        .env_remove("MINIOGEN_FAULT_AFTER_FILES")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn gen_args(namespace: &str) -> Vec<&str> {
    vec![
        "gen",
        "--ccu",
        "100",
        "--out",
        "out",
        "--namespace",
        namespace,
    ]
}

/// Runs `gen` to the end and requires success.
fn gen_ok(dir: &Path, namespace: &str) {
    let output = miniogen(dir, &gen_args(namespace), &[])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `dir`, by its path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    crate::support::snapshot(dir)
        .into_iter()
        .map(|(path, bytes)| (path.strip_prefix(dir).unwrap_or(&path).to_path_buf(), bytes))
        .collect()
}

/// What `gen` writes for `namespace` into a folder holding the user's `NOTES.md`.
fn reference(root: &Path, namespace: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    let dir = root.join(format!("ref-{namespace}"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    gen_ok(&dir, namespace);
    std::fs::write(dir.join("out/NOTES.md"), "mine\n").unwrap_or_else(|e| panic!("{e}"));
    files(&dir.join("out"))
}

/// Names beside `out` that miniogen uses for its work.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".miniogen-"))
        .collect()
}

/// Which of the expected folders `dir` is, whole; panics with the odd files otherwise.
fn whole(dir: &Path, expected: &[(&str, &BTreeMap<PathBuf, Vec<u8>>)], context: &str) -> String {
    let found = files(dir);
    if let Some((name, _)) = expected.iter().find(|(_, e)| **e == found) {
        return (*name).to_string();
    }
    let odd: Vec<String> = found
        .iter()
        .filter(|(path, bytes)| !expected.iter().any(|(_, e)| e.get(*path) == Some(*bytes)))
        .map(|(path, _)| path.display().to_string())
        .collect();
    let missing: Vec<String> = expected[0]
        .1
        .keys()
        .filter(|p| !found.contains_key(*p))
        .map(|p| p.display().to_string())
        .collect();
    panic!(
        "{context}: `{}` is neither render whole; files of neither: {odd:?}; missing: {missing:?}",
        dir.display()
    );
}

/// A small random number generator (xorshift), seeded from the clock and printed on failure.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| u64::from(d.subsec_nanos()) | 1);
        Self(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// This run's staging folder beside `out`, once it holds at least `files` entries.
fn staging_with(dir: &Path, files: usize) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".out.miniogen-new-"))
                && std::fs::read_dir(p).map_or(0, Iterator::count) >= files
        })
}

#[test]
fn a_killed_gen_leaves_the_old_or_the_new_folder_whole() {
    let root = scratch_dir("kill-loop");
    let alpha = reference(&root, "alpha");
    let beta = reference(&root, "beta");
    let expected = [("alpha", &alpha), ("beta", &beta)];
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    gen_ok(&work, "alpha");
    std::fs::write(work.join("out/NOTES.md"), "mine\n").unwrap_or_else(|e| panic!("{e}"));
    // Most of a run is starting and rendering; the kills aim at its last two thirds, where the
    // folder is written and swapped.
    let mut took: Vec<u64> = (0..3)
        .map(|_| {
            let started = Instant::now();
            gen_ok(&work, "alpha");
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
        })
        .collect();
    took.sort_unstable();
    let run_ms = took[1].max(3);
    let mut rng = Rng::new();
    let seed = rng.0;
    let started = Instant::now();
    let mut rounds = 0;
    while rounds < 80 && started.elapsed() < Duration::from_secs(8) {
        let namespace = if rounds % 2 == 0 { "beta" } else { "alpha" };
        let mut child = miniogen(&work, &gen_args(namespace), &[])
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        if rounds % 4 == 3 {
            // Right at the swap: the staging folder is complete once its state file is there.
            let ready = Instant::now();
            while ready.elapsed() < Duration::from_secs(2)
                && child.try_wait().ok().flatten().is_none()
                && !staging_with(&work, 1).is_some_and(|s| s.join(".miniogen-state.json").exists())
            {
                std::thread::yield_now();
            }
        } else {
            let at = run_ms / 3 + rng.below(run_ms);
            std::thread::sleep(Duration::from_millis(at));
        }
        kill(child);
        whole(
            &work.join("out"),
            &expected,
            &format!("round {rounds} (seed {seed})"),
        );
        rounds += 1;
    }
    eprintln!(
        "{rounds} kills in {:?}, a run taking about {run_ms} ms",
        started.elapsed()
    );
    gen_ok(&work, "alpha");
    assert_eq!(
        whole(&work.join("out"), &expected, "after a whole run"),
        "alpha"
    );
    assert_eq!(
        leftovers(&work),
        Vec::<String>::new(),
        "left by killed runs"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn two_gens_at_once_never_mix_their_renders() {
    let root = scratch_dir("concurrent");
    let alpha = reference(&root, "alpha");
    let beta = reference(&root, "beta");
    let expected = [("alpha", &alpha), ("beta", &beta)];
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    gen_ok(&work, "gamma");
    std::fs::write(work.join("out/NOTES.md"), "mine\n").unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut rounds = 0;
    while rounds < 15 && started.elapsed() < Duration::from_secs(10) {
        gen_ok(&work, "gamma");
        let children: Vec<Child> = ["alpha", "beta"]
            .iter()
            .map(|ns| {
                miniogen(&work, &gen_args(ns), &[])
                    .spawn()
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
            assert!(
                output.status.success(),
                "round {rounds}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let winner = whole(&work.join("out"), &expected, &format!("round {rounds}"));
        let check = miniogen(
            &work,
            &[
                "check",
                "--ccu",
                "100",
                "--out",
                "out",
                "--namespace",
                &winner,
            ],
            &[],
        )
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(check.success(), "round {rounds}: `check` disagrees");
        rounds += 1;
    }
    eprintln!("{rounds} rounds in {:?}", started.elapsed());
    assert_eq!(leftovers(&work), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_second_gen_waits_for_the_first_then_says_who_holds_the_folder() {
    let root = scratch_dir("busy");
    gen_ok(&root, "alpha");
    let first = miniogen(&root, &gen_args("beta"), &[])
        .env("MINIOGEN_FAULT_AFTER_FILES", "3:PAUSE")
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let waiting = Instant::now();
    while staging_with(&root, 3).is_none() {
        assert!(
            waiting.elapsed() < Duration::from_secs(10),
            "the first run never stopped half-way"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = Instant::now();
    let second = miniogen(
        &root,
        &gen_args("gamma"),
        &[("MINIOGEN_LOCK_WAIT_MS", "700")],
    )
    .output()
    .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "it did not wait"
    );
    assert!(
        stderr.contains(
            "`out` is being written by another miniogen run, which still holds \
             `./.out.miniogen-lock` after 0.7 s"
        ),
        "{stderr}"
    );
    kill(first);
    // The killed run held the lock and left its staging folder: the next run has both.
    gen_ok(&root, "gamma");
    assert_eq!(leftovers(&root), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&root);
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The command prefix that runs a program as `nobody`, or `None` when this test cannot switch
/// users (the test is then skipped, `support::skip`).
fn as_nobody() -> Option<Vec<&'static str>> {
    let found = |tool: &str| {
        ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
            .iter()
            .any(|d| Path::new(d).join(tool).is_file())
    };
    let prefix = if !is_root() {
        Err("not running as root, so no process of another user can be started")
    } else if found("setpriv") {
        Ok(vec![
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
        ])
    } else if found("runuser") {
        Ok(vec!["runuser", "-u", "nobody", "--"])
    } else {
        Err("neither `setpriv` nor `runuser` is installed")
    };
    match prefix {
        Ok(prefix) => Some(prefix),
        Err(why) => {
            crate::support::skip(why);
            None
        }
    }
}

/// Runs a shell script as `nobody`; returns its stdout and stderr together.
fn nobody_sh(prefix: &[&str], script: &str, arg: &Path) -> String {
    let output = Command::new(prefix[0])
        .args(&prefix[1..])
        .args(["sh", "-c", script, "sh"])
        .arg(arg)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// What only a credential file holds.
fn holds_credentials(text: &str) -> bool {
    text.contains("stringData") || text.contains("SECRET_KEY") || text.contains("PASSWORD")
}

#[cfg(unix)]
#[test]
fn another_user_never_reads_credentials_while_the_folder_is_written() {
    use std::os::unix::fs::PermissionsExt as _;
    let Some(prefix) = as_nobody() else {
        return;
    };
    let root = scratch_dir("other-user");
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let key = [("MINIOGEN_MASTER_KEY", TEST_KEY)];
    let derived = |namespace: &'static str| {
        let mut args = gen_args(namespace);
        args.extend(["--secrets-mode", "derived", "--write-plaintext-credentials"]);
        args
    };
    let status = miniogen(&root, &derived("alpha"), &key)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    // The probe itself works: `nobody` reads a world-readable file here.
    std::fs::write(root.join("public.txt"), "readable\n").unwrap_or_else(|e| panic!("{e}"));
    let probe = nobody_sh(&prefix, "cat \"$1\"/public.txt", &root);
    assert!(probe.contains("readable"), "the probe cannot read: {probe}");
    let done = nobody_sh(&prefix, "ls -a \"$1\"/out; cat \"$1\"/out/*.yaml", &root);
    assert!(!holds_credentials(&done), "the written folder: {done}");

    // Stopped half-way through writing: the staging folder is closed to others.
    let paused = miniogen(&root, &derived("beta"), &key)
        .env("MINIOGEN_FAULT_AFTER_FILES", "10:PAUSE")
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let waiting = Instant::now();
    let staging = loop {
        if let Some(staging) = staging_with(&root, 10) {
            break staging;
        }
        assert!(
            waiting.elapsed() < Duration::from_secs(10),
            "the run never stopped half-way"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(&staging)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    let listed = nobody_sh(&prefix, "ls -a \"$1\"", &staging);
    assert!(
        listed.contains("Permission denied"),
        "another user lists the staging folder: {listed}"
    );
    for path in &names {
        let read = nobody_sh(&prefix, "cat \"$1\"", path);
        assert!(
            read.contains("Permission denied") && !holds_credentials(&read),
            "another user reads {}: {read}",
            path.display()
        );
    }
    kill(paused);

    // While runs follow one another, another user keeps trying every file.
    let log = root.join("reader.log");
    let reader = Command::new(prefix[0])
        .args(&prefix[1..])
        .args([
            "sh",
            "-c",
            "cd \"$1\" && while :; do cat .out.miniogen-new-*/*.yaml .out.miniogen-new-*/.miniogen-state.json out/*.yaml; done",
            "sh",
        ])
        .arg(&root)
        .stdout(std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}")))
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut runs = 0;
    while runs < 40 && started.elapsed() < Duration::from_secs(3) {
        let namespace = if runs % 2 == 0 { "beta" } else { "alpha" };
        let status = miniogen(&root, &derived(namespace), &key)
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success());
        runs += 1;
    }
    kill(reader);
    let seen = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !holds_credentials(&seen),
        "another user read credentials during {runs} runs:\n{}",
        seen.chars().take(2000).collect::<String>()
    );
    // The paused run was killed: the next run cleaned up after it.
    assert_eq!(leftovers(&root), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&root);
}

/// Issue 23, item 8: `check` took no lock, so while `gen --out` swapped the folder about one check
/// in ten read some files from the old folder and some from the new. It holds the lock shared:
/// each check sees one render whole (no finding, or every file of the other render), and leaves
/// no lock file behind.
#[test]
fn a_check_during_a_swap_reads_one_folder_whole() {
    let root = scratch_dir("check-swap");
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    let check_alpha = |work: &Path| {
        let output = miniogen(
            work,
            &[
                "check",
                "--ccu",
                "100",
                "--out",
                "out",
                "--namespace",
                "alpha",
            ],
            &[],
        )
        .stdout(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
        let report = String::from_utf8_lossy(&output.stdout).into_owned();
        let stale = report.lines().filter(|l| l.starts_with("stale: ")).count();
        (output.status.code(), stale, report)
    };
    // How a check of the other render, whole, reads.
    gen_ok(&work, "beta");
    let (code, whole_beta, report) = check_alpha(&work);
    assert_eq!(code, Some(1), "{report}");
    assert!(whole_beta > 3, "{report}");
    // Counted, not timed: a loaded machine renders slowly, and a fixed time would give too few
    // samples. Bounded all the same.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = std::thread::spawn({
        let work = work.clone();
        let stop = stop.clone();
        move || {
            let mut rounds = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || rounds < 8 {
                gen_ok(&work, if rounds % 2 == 0 { "alpha" } else { "beta" });
                rounds += 1;
            }
            rounds
        }
    });
    let started = Instant::now();
    let mut checks = 0;
    while checks < 8 || !writer.is_finished() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{checks} checks in 120 s"
        );
        let (code, stale, report) = check_alpha(&work);
        match code {
            Some(0) => assert_eq!(stale, 0, "check {checks}: {report}"),
            Some(1) => assert_eq!(
                stale, whole_beta,
                "check {checks} read a mixed folder: {stale} of {whole_beta} files stale\n{report}"
            ),
            other => panic!("check {checks} exited {other:?}"),
        }
        checks += 1;
        if checks >= 8 {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let rounds = writer
        .join()
        .unwrap_or_else(|_| panic!("the writer panicked"));
    eprintln!("{checks} checks during {rounds} writes");
    assert_eq!(leftovers(&work), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&root);
}
