//! `gen --out` when the file system says no: a read-only folder, a path that is a file, a
//! symbolic link pointing outside, a full disk. Each run must exit 2 with the path named, and
//! leave the previous output exactly as it was, with no staging folder left behind.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{miniogen_env, scratch_dir, snapshot};

fn gen_in(dir: &Path, out: &str, env: &[(&str, &str)], extra: &[&str]) -> crate::support::Run {
    let args = [&["gen", "--ccu", "100", "--out", out], extra].concat();
    miniogen_env(Some(dir), &args, env)
}

/// The previous output: a folder `out` in `dir`, with a file of the user's.
fn previous_output(dir: &Path) {
    let run = gen_in(dir, "out", &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(dir.join("out/NOTES.md"), "mine\n").unwrap_or_else(|e| panic!("{e}"));
}

/// A new render that differs from the previous one, so that a write has work to do.
const CHANGE: [&str; 2] = ["--namespace", "chat"];

fn refused_with_path(run: &crate::support::Run, path: &str, why: &str) {
    assert_eq!(run.code, 2, "exit {}: {}", run.code, run.stderr);
    assert!(
        run.stderr.contains(&format!("`{path}`")),
        "the path is not named: {}",
        run.stderr
    );
    assert!(run.stderr.contains(why), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

fn no_staging_left(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".miniogen-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A tmpfs mounted for one test (root only), unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        if !is_root() {
            return None;
        }
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(dir.to_path_buf()))
    }

    fn read_only(&self) -> bool {
        Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A folder whose parent is read-only. As an ordinary user the parent loses its write bits; as
/// root, which ignores them, the parent is a tmpfs remounted read-only. When root cannot mount
/// (a container without the right), the test is skipped (`support::skip`).
#[test]
fn a_read_only_folder_is_refused_and_left_as_it_was() {
    let dir = scratch_dir("read-only");
    let parent = dir.join("parent");
    let mount = if is_root() {
        let mount = Tmpfs::mount(&parent, "4m");
        if mount.is_none() {
            crate::support::skip(
                "running as root, which ignores permissions, and no tmpfs can be mounted to make \
                 a read-only folder",
            );
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
        mount
    } else {
        std::fs::create_dir_all(&parent).unwrap_or_else(|e| panic!("{e}"));
        None
    };
    previous_output(&parent);
    let before = snapshot(&parent);
    match &mount {
        Some(mount) => assert!(mount.read_only(), "cannot remount the tmpfs read-only"),
        None => chmod(&parent, "555"),
    }
    let run = gen_in(&parent, "out", &[], &CHANGE);
    if mount.is_none() {
        chmod(&parent, "755");
    }
    let why = if mount.is_some() {
        "Read-only file system"
    } else {
        "Permission denied"
    };
    refused_with_path(&run, "out", why);
    assert_eq!(snapshot(&parent), before, "the previous output changed");
    no_staging_left(&parent);
    drop(mount);
    let _ = std::fs::remove_dir_all(&dir);
}

fn chmod(path: &Path, mode: &str) {
    let ok = Command::new("chmod")
        .arg(mode)
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "chmod {mode} {}", path.display());
}

#[test]
fn a_path_that_is_a_file_is_refused_and_left_as_it_was() {
    let dir = scratch_dir("out-file");
    std::fs::write(dir.join("out"), "not a folder\n").unwrap_or_else(|e| panic!("{e}"));
    let before = snapshot(&dir);
    let run = gen_in(&dir, "out", &[], &[]);
    refused_with_path(&run, "out", "it is not a folder");
    assert_eq!(snapshot(&dir), before);
    no_staging_left(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--out` names a symbolic link to a folder elsewhere. Replacing the folder by renames would
/// replace the link, so miniogen refuses and asks for the real path; the link and the folder it
/// points to stay as they were.
#[test]
fn a_symbolic_link_pointing_outside_is_refused_and_left_as_it_was() {
    let dir = scratch_dir("symlink");
    let outside = scratch_dir("symlink-outside");
    previous_output(&outside);
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(outside.join("out"), work.join("out"))
        .unwrap_or_else(|e| panic!("{e}"));
    let before = (snapshot(&work), snapshot(&outside));
    let run = gen_in(&work, "out", &[], &CHANGE);
    refused_with_path(&run, "out", "symbolic link");
    assert_eq!((snapshot(&work), snapshot(&outside)), before);
    no_staging_left(&work);
    no_staging_left(&outside);
    // A generated file's name that is a link to outside is only ever replaced, never written
    // through: the file outside keeps its content.
    let victim = outside.join("victim.yaml");
    std::fs::write(&victim, "outside\n").unwrap_or_else(|e| panic!("{e}"));
    let inside = dir.join("inside");
    std::fs::create_dir_all(&inside).unwrap_or_else(|e| panic!("{e}"));
    previous_output(&inside);
    let target = inside.join("out/tenant-matrix-minio.yaml");
    std::fs::remove_file(&target).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&victim, &target).unwrap_or_else(|e| panic!("{e}"));
    let run = gen_in(&inside, "out", &[], &["--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&victim).ok().as_deref(),
        Some("outside\n")
    );
    assert!(
        !target.is_symlink(),
        "the link was kept instead of the generated file"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&outside);
}

/// A full disk, for real on a small tmpfs when the test may mount one, and always through the
/// debug build's injected `ENOSPC`.
#[test]
fn a_full_disk_is_reported_and_the_previous_output_kept() {
    let dir = scratch_dir("full");
    let injected = dir.join("injected");
    std::fs::create_dir_all(&injected).unwrap_or_else(|e| panic!("{e}"));
    previous_output(&injected);
    let before = snapshot(&injected);
    for after in ["0", "4"] {
        let fault = format!("{after}:ENOSPC");
        let run = gen_in(
            &injected,
            "out",
            &[("MINIOGEN_FAULT_AFTER_FILES", &fault)],
            &CHANGE,
        );
        refused_with_path(&run, "out", "No space left on device");
        assert_eq!(snapshot(&injected), before);
        no_staging_left(&injected);
    }

    let disk = dir.join("disk");
    // Room for one output folder (each file takes at least a 4 KiB page), not for two.
    let Some(mount) = Tmpfs::mount(&disk, "256k") else {
        crate::support::skip_case(
            "no tmpfs can be mounted here (needs root), so no real disk fills up; the injected \
             `ENOSPC` ran",
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    };
    previous_output(&disk);
    // Leave less room than a second copy of the folder needs.
    let used: usize = snapshot(&disk).values().map(Vec::len).sum();
    let filler = vec![b'x'; (256 * 1024usize).saturating_sub(used * 2).max(4096)];
    let _ = std::fs::write(disk.join("filler"), &filler);
    let before = snapshot(&disk);
    let run = gen_in(&disk, "out", &[], &CHANGE);
    refused_with_path(&run, "out", "No space left on device");
    assert_eq!(snapshot(&disk), before);
    no_staging_left(&disk);
    drop(mount);
    let _ = std::fs::remove_dir_all(&dir);
}
