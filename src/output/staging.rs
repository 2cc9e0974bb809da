//! What happens beside an output folder `DIR`: the lock, the staging folder, the swap, and the
//! clean-up after a killed run.
//!
//! Three names beside `DIR` (here `out`) belong to miniogen: `.out.miniogen-lock`, locked with
//! `flock` by the one run that may read and replace the folder, and removed when it is done;
//! `.out.miniogen-new-PID`, the folder being assembled (after the swap, the previous folder on
//! its way out); and `.out.miniogen-old-PID`, the previous folder between the two renames of the
//! fallback swap. The swap is one `renameat2(RENAME_EXCHANGE)` on Linux, so `DIR` is always either
//! the old folder or the new one, whole. Whatever a killed run left is cleaned up, or put back,
//! by the next run once it holds the lock. This module does not decide what goes in the folder.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a run waits for another one writing the same folder.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

/// `LOCK_WAIT`, or in debug builds `MINIOGEN_LOCK_WAIT_MS` milliseconds, so that a test can see
/// a run give up without waiting half a minute; release builds never read it.
#[must_use]
pub fn lock_wait() -> Duration {
    let set = cfg!(debug_assertions)
        .then(|| std::env::var("MINIOGEN_LOCK_WAIT_MS").ok()?.parse().ok())
        .flatten();
    set.map_or(LOCK_WAIT, Duration::from_millis)
}

/// The names beside one output folder.
#[derive(Debug, Clone)]
pub struct Beside {
    dir: PathBuf,
    parent: PathBuf,
    base: String,
}

impl Beside {
    /// The names beside `dir`, which must have a name of its own (not `/`, `.` or `..`).
    #[must_use]
    pub fn of(dir: &Path) -> Self {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let base = dir
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        Self {
            dir: dir.to_path_buf(),
            parent,
            base,
        }
    }

    fn name(&self, what: &str) -> PathBuf {
        self.parent.join(format!(".{}.miniogen-{what}", self.base))
    }

    /// The lock file.
    #[must_use]
    pub fn lock_file(&self) -> PathBuf {
        self.name("lock")
    }

    /// This run's staging folder.
    #[must_use]
    pub fn staging(&self) -> PathBuf {
        self.name(&format!("new-{}", std::process::id()))
    }

    fn old(&self) -> PathBuf {
        self.name(&format!("old-{}", std::process::id()))
    }
}

/// Why a folder could not be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another run held the lock for all of this wait.
    Busy(Duration),
    /// The lock file could not be created or locked.
    Io(PathBuf, std::io::Error),
}

/// The right to read and replace one output folder, until dropped.
#[derive(Debug)]
pub struct Lock {
    beside: Beside,
    /// `None` when the folder beside cannot be written to at all: no run can replace the folder
    /// then, and one that finds it current may still say so.
    file: Option<fs::File>,
    /// Folders created to hold the lock file, removed again if they stay empty.
    created: Vec<PathBuf>,
}

impl Lock {
    /// Locks the folder `dir`, waiting up to `lock_wait()` for another run; `lock_all` then cleans
    /// up beside it.
    fn take(dir: &Path) -> Result<Self, LockError> {
        let beside = Beside::of(dir);
        let mut created = Vec::new();
        let path = beside.lock_file();
        let started = Instant::now();
        let wait = lock_wait();
        let file = loop {
            let file = match open_lock(&path) {
                Ok(file) => file,
                // The folder to hold it is missing, or was removed by a run letting go of its
                // lock: create it (again).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if started.elapsed() >= wait {
                        return Err(LockError::Io(path, e));
                    }
                    let made = create_parents(&beside.parent)
                        .map_err(|e| LockError::Io(beside.parent.clone(), e))?;
                    created.extend(made);
                    continue;
                }
                Err(e) if read_only(&e) => {
                    return Ok(Self {
                        beside,
                        file: None,
                        created,
                    });
                }
                Err(e) => return Err(LockError::Io(path, e)),
            };
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    if started.elapsed() >= wait {
                        remove_created(&created);
                        return Err(LockError::Busy(wait));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                Err(fs::TryLockError::Error(e)) => return Err(LockError::Io(path, e)),
            }
            // The run that held it removes the file before letting go: a lock on a file no
            // longer at the path locks nothing, so take the one that is there now.
            if same_file(&file, &path) {
                break file;
            }
        };
        Ok(Self {
            beside,
            file: Some(file),
            created,
        })
    }

    /// The names beside the locked folder.
    #[must_use]
    pub fn beside(&self) -> &Beside {
        &self.beside
    }

    /// The locked folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.beside.dir
    }

    /// Puts back, or removes, what killed runs left beside this folder: `stale` holds each
    /// staging folder found, `true` for one the fallback swap had moved aside. When the folder
    /// itself is missing because a run was killed between the two renames, the previous folder
    /// is put back first, so that no later check mistakes a pool for a new one.
    fn settle(&self, mut stale: Vec<(bool, PathBuf)>) -> Option<String> {
        let b = &self.beside;
        stale.sort();
        let mut note = None;
        let missing = fs::symlink_metadata(&b.dir).is_err();
        if missing && let Some(at) = stale.iter().rposition(|(old, _)| *old) {
            let (_, old) = stale.remove(at);
            if fs::rename(&old, &b.dir).is_ok() {
                note = Some(format!(
                    "put `{}` back from `{}`, where an interrupted run had left it",
                    b.dir.display(),
                    old.display()
                ));
            }
        }
        for (_, path) in stale {
            remove(&path);
        }
        note
    }
}

/// Locks every folder of `dirs` (in that order: callers sort, so that two runs over the same
/// folders cannot each wait for the other), then cleans up what killed runs left beside them,
/// reading each parent folder once however many folders it holds. Returns the locks and a note
/// for each folder put back; on failure, the folder that could not be locked.
pub fn lock_all(dirs: &[&Path]) -> Result<(Vec<Lock>, Vec<String>), (PathBuf, LockError)> {
    let mut locks = Vec::with_capacity(dirs.len());
    for dir in dirs {
        locks.push(Lock::take(dir).map_err(|e| (dir.to_path_buf(), e))?);
    }
    let mut by_parent: BTreeMap<&Path, BTreeMap<&str, &Lock>> = BTreeMap::new();
    for lock in locks.iter().filter(|l| l.file.is_some()) {
        by_parent
            .entry(&lock.beside.parent)
            .or_default()
            .insert(&lock.beside.base, lock);
    }
    let mut notes = Vec::new();
    for (parent, bases) in by_parent {
        let mut stale: BTreeMap<&str, Vec<(bool, PathBuf)>> = BTreeMap::new();
        for entry in fs::read_dir(parent).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let Some((base, rest)) = name
                .to_str()
                .and_then(|n| n.strip_prefix('.'))
                .and_then(|n| n.rsplit_once(".miniogen-"))
            else {
                continue;
            };
            let Some((&base, _)) = bases.get_key_value(base) else {
                continue;
            };
            let Some((what, pid)) = rest.split_once('-') else {
                continue;
            };
            let digits = !pid.is_empty() && pid.bytes().all(|c| c.is_ascii_digit());
            if digits && (what == "new" || what == "old") {
                stale
                    .entry(base)
                    .or_default()
                    .push((what == "old", entry.path()));
            }
        }
        for (base, found) in stale {
            notes.extend(bases.get(base).and_then(|lock| lock.settle(found)));
        }
    }
    Ok((locks, notes))
}

/// A shared hold on one output folder's lock, for a run that only reads the folder (`check`):
/// while any is held no run can take the lock to replace the folder, so every file read comes
/// from the same folder, never half from the old one and half from the new.
#[derive(Debug)]
pub struct SharedLock {
    path: PathBuf,
    /// `None` where the lock file cannot be made (a read-only checkout, a missing parent): no
    /// run can replace the folder there either.
    file: Option<fs::File>,
}

impl SharedLock {
    /// Takes the lock of `dir` shared, waiting up to `lock_wait()` for a run that writes it.
    pub fn take(dir: &Path) -> Result<Self, LockError> {
        let path = Beside::of(dir).lock_file();
        let started = Instant::now();
        let wait = lock_wait();
        loop {
            let file = match open_lock(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound || read_only(&e) => {
                    return Ok(Self { path, file: None });
                }
                Err(e) => return Err(LockError::Io(path, e)),
            };
            match file.try_lock_shared() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    if started.elapsed() >= wait {
                        return Err(LockError::Busy(wait));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                Err(fs::TryLockError::Error(e)) => return Err(LockError::Io(path, e)),
            }
            // A writer removes the file before letting go: a lock on a file no longer at the
            // path holds nothing, so take the one that is there now.
            if same_file(&file, &path) {
                return Ok(Self {
                    path,
                    file: Some(file),
                });
            }
        }
    }
}

impl Drop for SharedLock {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            // The last holder removes the file, as a writer does, so that a `check` leaves
            // nothing beside the folder. Only once it holds the lock alone: a reader or writer
            // that holds it, or takes it first, keeps the file.
            if file.try_lock().is_ok() {
                let _ = fs::remove_file(&self.path);
            }
            let _ = file.unlock();
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            // Removed while still locked: a run waiting on this file finds it gone and retries.
            let _ = fs::remove_file(self.beside.lock_file());
            let _ = file.unlock();
        }
        remove_created(&self.created);
    }
}

/// Removes a file, a link or a whole folder, without following links.
pub fn remove(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Creates the missing folders of `path`; returns those it created, outermost first.
fn create_parents(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = Some(path);
    while let Some(p) = at.filter(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err())
    {
        missing.push(p.to_path_buf());
        at = p.parent();
    }
    missing.reverse();
    fs::create_dir_all(path)?;
    Ok(missing)
}

fn remove_created(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        // Only an empty folder goes: a written folder (or anything else) stays.
        let _ = fs::remove_dir(dir);
    }
}

/// Swaps the assembled `staging` folder in as `dir`. When `dir` exists, the two are exchanged
/// in one step and the previous folder, now at `staging`, is removed.
pub fn swap(beside: &Beside, staging: &Path, exists: bool) -> std::io::Result<()> {
    let dir = &beside.dir;
    if !exists {
        return fs::rename(staging, dir);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags};
        use rustix::io::Errno;
        match rustix::fs::renameat_with(CWD, staging, CWD, dir, RenameFlags::EXCHANGE) {
            Ok(()) => {
                remove(staging);
                return Ok(());
            }
            // Linux before 3.15, or a file system without the exchange: rename twice.
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    swap_by_renames(beside, staging)
}

/// Moves the previous folder aside, then the new one in. Killed between the two, this leaves
/// `dir` missing for a moment; `lock_all` puts the previous folder back on the next run.
fn swap_by_renames(beside: &Beside, staging: &Path) -> std::io::Result<()> {
    let (dir, old) = (&beside.dir, beside.old());
    remove(&old);
    fs::rename(dir, &old)?;
    if let Err(e) = fs::rename(staging, dir) {
        // Put the previous folder back before reporting.
        let _ = fs::rename(&old, dir);
        return Err(e);
    }
    remove(&old);
    Ok(())
}

/// Creates a folder: readable by its owner only when `owner_only`, else as the umask says.
pub fn create_dir(path: &Path, owner_only: bool) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(if owner_only { 0o700 } else { 0o777 });
    }
    #[cfg(not(unix))]
    let _ = owner_only;
    builder.create(path)
}

/// Creates a new file holding `content`. When `owner_only`, it is 0600 from the moment it exists,
/// before its first byte: never written, then restricted.
pub fn create_file(path: &Path, content: &str, owner_only: bool) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if owner_only { 0o600 } else { 0o666 });
        // A link planted at the name is never written through.
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed());
    }
    #[cfg(not(unix))]
    let _ = owner_only;
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.flush()
}

/// Replaces the file `name` in the folder `dir` with `content`, through a new file renamed over
/// it: a symbolic link at `name` is replaced, never written through, and `dir` itself must be a
/// folder, not a link to one.
pub fn replace_file(dir: &Path, name: &str, content: &str) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other(format!(
            "`{}` is not a folder but {}",
            dir.display(),
            if meta.file_type().is_symlink() {
                "a symbolic link"
            } else {
                "a file"
            }
        )));
    }
    let staging = dir.join(format!(".{name}.miniogen-new-{}", std::process::id()));
    remove(&staging);
    create_file(&staging, content, false)?;
    fs::rename(&staging, dir.join(name)).inspect_err(|_| remove(&staging))
}

/// The permission bits of a folder, to give a rebuilt folder the mode its previous one had.
#[cfg(unix)]
#[must_use]
pub fn mode(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    Some(meta.permissions().mode() & 0o7777)
}

/// The permission bits of a folder, to give a rebuilt folder the mode its previous one had.
#[cfg(not(unix))]
#[must_use]
pub fn mode(_: &fs::Metadata) -> Option<u32> {
    None
}

/// Gives a folder the mode `mode` (from `mode`).
pub fn set_mode(path: &Path, mode: Option<u32>) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt as _;
        return fs::set_permissions(path, fs::Permissions::from_mode(mode));
    }
    let _ = (path, mode);
    Ok(())
}

/// Whether creating a file failed because the folder cannot be written to.
fn read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

fn open_lock(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed());
    }
    options.open(path)
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &fs::File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("miniogen-staging-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_killed_fallback_swap_is_put_back_and_stale_staging_removed() {
        let root = scratch("recover");
        let out = root.join("out");
        // A run killed between the two renames: the previous folder aside, the new one beside.
        fs::create_dir_all(root.join(".out.miniogen-old-41")).unwrap_or_else(|e| panic!("{e}"));
        fs::write(root.join(".out.miniogen-old-41/a.yaml"), "old\n")
            .unwrap_or_else(|e| panic!("{e}"));
        fs::create_dir_all(root.join(".out.miniogen-new-41")).unwrap_or_else(|e| panic!("{e}"));
        fs::create_dir_all(root.join(".out.miniogen-new-7/x")).unwrap_or_else(|e| panic!("{e}"));
        // Another folder's staging, and a user's file, are not this folder's business.
        fs::create_dir_all(root.join(".other.miniogen-new-7")).unwrap_or_else(|e| panic!("{e}"));
        fs::write(root.join(".out.miniogen-notes"), "mine\n").unwrap_or_else(|e| panic!("{e}"));
        let (mut locks, notes) = lock_all(&[&out]).unwrap_or_else(|e| panic!("{e:?}"));
        let lock = locks.remove(0);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(
            fs::read_to_string(out.join("a.yaml")).ok().as_deref(),
            Some("old\n")
        );
        drop(lock);
        assert_eq!(
            names(&root),
            [".other.miniogen-new-7", ".out.miniogen-notes", "out"]
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn both_swaps_replace_the_folder_whole() {
        let root = scratch("swap");
        let out = root.join("out");
        let lock = Lock::take(&out).unwrap_or_else(|e| panic!("{e:?}"));
        fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{e}"));
        fs::write(out.join("a"), "1").unwrap_or_else(|e| panic!("{e}"));
        for (round, exchange) in [(2, true), (3, false)] {
            let staging = lock.beside().staging();
            fs::create_dir_all(&staging).unwrap_or_else(|e| panic!("{e}"));
            fs::write(staging.join("a"), round.to_string()).unwrap_or_else(|e| panic!("{e}"));
            let swapped = if exchange {
                swap(lock.beside(), &staging, true)
            } else {
                swap_by_renames(lock.beside(), &staging)
            };
            assert!(swapped.is_ok(), "{swapped:?}");
            assert_eq!(
                fs::read_to_string(out.join("a")).ok(),
                Some(round.to_string())
            );
            assert_eq!(names(&root), [".out.miniogen-lock", "out"]);
        }
        drop(lock);
        assert_eq!(names(&root), ["out"]);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let root = scratch("lock");
        let out = root.join("env/out");
        let first = Lock::take(&out).unwrap_or_else(|e| panic!("{e:?}"));
        let waited = std::thread::spawn({
            let out = out.clone();
            move || {
                let started = Instant::now();
                let taken = Lock::take(&out).map(|_| started.elapsed());
                taken.map_err(|e| format!("{e:?}"))
            }
        });
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
        let elapsed = waited
            .join()
            .unwrap_or_else(|_| panic!("the waiting thread panicked"));
        assert!(
            elapsed
                .as_ref()
                .is_ok_and(|d| *d >= Duration::from_millis(250)),
            "{elapsed:?}"
        );
        // The folder created only to hold the lock is gone with it.
        assert_eq!(names(&root), Vec::<String>::new());
        let _ = fs::remove_dir_all(&root);
    }
}
