//! Reading files inside an output folder that someone else may have prepared.
//!
//! An output folder comes from a repository: its state file, and whatever stands where a
//! generated file should be, are hostile input. Every read of a file inside the folder goes
//! through `read`, which takes only plain relative names, never follows a symbolic link (not
//! even for a folder on the way), opens nothing but regular files (a FIFO would block, a device
//! never end) and reads at most `MAX_BYTES`. Which names miniogen writes is `folder`'s rule;
//! this module only makes sure a name cannot lead outside.

use std::io::Read as _;
use std::path::{Component, Path};

/// The largest file read back from an output folder. Generated files are a few KiB; a fleet's
/// largest, the IAM policies of 100 buckets, stays far below.
pub const MAX_BYTES: u64 = 4 << 20;

/// What stands at a name inside the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Nothing.
    Absent,
    /// A regular file holding this text.
    Text(String),
    /// Something miniogen never writes and does not read: a symbolic link, a folder, a device,
    /// a FIFO, a file over `MAX_BYTES` or not UTF-8. Says what it is, as in "it is {}".
    Refused(String),
}

/// Reads `name`, a relative path inside `dir`, without following a link and without reading
/// more than `MAX_BYTES`.
pub fn read(dir: &Path, name: &str) -> std::io::Result<Entry> {
    let mut parts = Vec::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => parts.push(part),
            _ => {
                return Ok(Entry::Refused(
                    "a path leading outside the folder".to_string(),
                ));
            }
        }
    }
    let Some((last, folders)) = parts.split_last() else {
        return Ok(Entry::Refused("an empty name".to_string()));
    };
    platform::read(dir, folders, Path::new(last))
}

/// Reads an opened regular file of `size` bytes (as it was when opened), bounded.
fn bounded(file: std::fs::File, size: u64) -> std::io::Result<Entry> {
    // Room for the whole file up front: read in one call (and one more to see its end), not in
    // a series of growing ones.
    let room = usize::try_from(size.min(MAX_BYTES) + 1).unwrap_or(0);
    let mut bytes = Vec::with_capacity(room);
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Ok(Entry::Refused(format!(
            "a file larger than {} MiB",
            MAX_BYTES >> 20
        )));
    }
    Ok(String::from_utf8(bytes).map_or_else(
        |_| Entry::Refused("a file that is not UTF-8 text".to_string()),
        Entry::Text,
    ))
}

#[cfg(unix)]
mod platform {
    use std::ffi::OsStr;
    use std::os::fd::OwnedFd;
    use std::path::Path;

    use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags};
    use rustix::io::Errno;

    use super::{Entry, bounded};

    const FOLDER: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::CLOEXEC);
    /// How the file itself is opened, after `statat` found a regular file there: without
    /// following a link and without waiting should a FIFO have been swapped in since, and never
    /// as the controlling terminal. Only such a swap, between the look and the open, meets these
    /// flags, which no test can time; `fstat` then judges what was opened.
    pub(super) const FILE: OFlags = OFlags::RDONLY
        .union(OFlags::NOFOLLOW)
        .union(OFlags::NONBLOCK)
        .union(OFlags::NOCTTY)
        .union(OFlags::CLOEXEC);

    /// Walks down from `dir` one folder at a time with `openat`, each refusing a link, so that
    /// no link anywhere below `dir` is followed, even one swapped in while reading.
    pub fn read(dir: &Path, folders: &[&OsStr], last: &Path) -> std::io::Result<Entry> {
        let mut at: OwnedFd = match rustix::fs::openat(CWD, dir, FOLDER, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Entry::Absent),
            Err(e) => return Err(e.into()),
        };
        for folder in folders {
            at = match rustix::fs::openat(&at, *folder, FOLDER | OFlags::NOFOLLOW, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Ok(Entry::Absent),
                Err(Errno::LOOP | Errno::NOTDIR) => {
                    return Ok(Entry::Refused(format!(
                        "a path through `{}`, which is a link or a file, not a folder",
                        Path::new(folder).display()
                    )));
                }
                Err(e) => return Err(e.into()),
            };
        }
        // Look before opening: opening a device can have effects of its own.
        let stat = match rustix::fs::statat(&at, last, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            Err(Errno::NOENT) => return Ok(Entry::Absent),
            Err(e) => return Err(e.into()),
        };
        if let Some(refused) = kind(FileType::from_raw_mode(stat.st_mode)) {
            return Ok(refused);
        }
        let fd = match rustix::fs::openat(&at, last, FILE, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Entry::Absent),
            Err(Errno::LOOP) => return Ok(Entry::Refused("a symbolic link".to_string())),
            Err(e) => return Err(e.into()),
        };
        let opened = rustix::fs::fstat(&fd)?;
        if let Some(refused) = kind(FileType::from_raw_mode(opened.st_mode)) {
            return Ok(refused);
        }
        let size = u64::try_from(opened.st_size).unwrap_or(0);
        bounded(std::fs::File::from(fd), size)
    }

    fn kind(kind: FileType) -> Option<Entry> {
        let what = match kind {
            FileType::RegularFile => return None,
            FileType::Symlink => "a symbolic link",
            FileType::Directory => "a folder",
            _ => "a device, FIFO or socket",
        };
        Some(Entry::Refused(what.to_string()))
    }
}

#[cfg(not(unix))]
mod platform {
    use std::ffi::OsStr;
    use std::path::Path;

    use super::{Entry, bounded};

    /// What a file type is called in a message.
    fn refused_kind(kind: &std::fs::FileType) -> Option<Entry> {
        let what = if kind.is_symlink() {
            "a symbolic link"
        } else if kind.is_dir() {
            "a folder"
        } else if kind.is_file() {
            return None;
        } else {
            "a device, FIFO or socket"
        };
        Some(Entry::Refused(what.to_string()))
    }

    /// Checks each step with `symlink_metadata` before opening: without `O_NOFOLLOW`, a link
    /// swapped in between the check and the open is not caught here.
    pub fn read(dir: &Path, folders: &[&OsStr], last: &Path) -> std::io::Result<Entry> {
        let mut path = dir.to_path_buf();
        for folder in folders.iter().map(Path::new).chain(std::iter::once(last)) {
            path.push(folder);
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if folder == last => {
                    if let Some(refused) = refused_kind(&meta.file_type()) {
                        return Ok(refused);
                    }
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Ok(Entry::Refused(format!(
                        "a path through `{}`, which is a link or a file, not a folder",
                        folder.display()
                    )));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Entry::Absent),
                Err(e) => return Err(e),
            }
        }
        let file = std::fs::File::open(&path)?;
        let size = file.metadata().map_or(0, |m| m.len());
        bounded(file, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("miniogen-confine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("in/sub")).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    #[test]
    fn reads_plain_files_and_refuses_everything_else() {
        let root = scratch("read");
        let dir = root.join("in");
        std::fs::write(dir.join("a.yaml"), "a\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("sub/b.yaml"), "b\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join("victim.txt"), "secret\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read(&dir, "a.yaml").ok(), Some(Entry::Text("a\n".into())));
        assert_eq!(
            read(&dir, "sub/b.yaml").ok(),
            Some(Entry::Text("b\n".into()))
        );
        assert_eq!(read(&dir, "none.yaml").ok(), Some(Entry::Absent));
        for name in ["../victim.txt", "/proc/self/environ", "sub/../a.yaml", ""] {
            assert!(
                matches!(read(&dir, name), Ok(Entry::Refused(_))),
                "{name} was read"
            );
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("victim.txt"), dir.join("link.yaml"))
                .unwrap_or_else(|e| panic!("{e}"));
            std::os::unix::fs::symlink(&root, dir.join("up")).unwrap_or_else(|e| panic!("{e}"));
            // Each refusal says what stands there, as the user's message quotes it.
            for (name, what) in [
                ("link.yaml", "a symbolic link"),
                (
                    "up/victim.txt",
                    "a path through `up`, which is a link or a file, not a folder",
                ),
                ("sub", "a folder"),
                (
                    "a.yaml/x",
                    "a path through `a.yaml`, which is a link or a file, not a folder",
                ),
            ] {
                assert_eq!(
                    read(&dir, name).ok(),
                    Some(Entry::Refused(what.to_string())),
                    "{name}"
                );
            }
            assert_eq!(read(&dir, "none/a.yaml").ok(), Some(Entry::Absent));
            // Made without the `mkfifo` tool, so that this case never goes missing.
            rustix::fs::mknodat(
                rustix::fs::CWD,
                dir.join("fifo.yaml").as_path(),
                rustix::fs::FileType::Fifo,
                rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
                0,
            )
            .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                read(&dir, "fifo.yaml").ok(),
                Some(Entry::Refused("a device, FIFO or socket".into()))
            );
        }
        // Up to `MAX_BYTES` is read whole, one byte more is refused; an empty file is text.
        let mut big = vec![b'x'; usize::try_from(MAX_BYTES).unwrap_or(0)];
        std::fs::write(dir.join("full.yaml"), &big).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(read(&dir, "full.yaml"), Ok(Entry::Text(t)) if t.len() == big.len()),
            "a file of exactly the bound is not read whole"
        );
        big.push(b'x');
        std::fs::write(dir.join("big.yaml"), big).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read(&dir, "big.yaml").ok(),
            Some(Entry::Refused("a file larger than 4 MiB".into()))
        );
        std::fs::write(dir.join("empty.yaml"), "").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read(&dir, "empty.yaml").ok(),
            Some(Entry::Text(String::new()))
        );
        std::fs::write(dir.join("latin1.yaml"), b"caf\xe9\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read(&dir, "latin1.yaml").ok(),
            Some(Entry::Refused("a file that is not UTF-8 text".into()))
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    /// The flags a file is opened with hold every defence against a swap after the look.
    #[cfg(unix)]
    #[test]
    fn files_are_opened_without_following_waiting_or_a_terminal() {
        use rustix::fs::OFlags;
        let wanted = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        assert!(platform::FILE.contains(wanted), "{:?}", platform::FILE);
        assert!(!platform::FILE.intersects(OFlags::WRONLY | OFlags::RDWR | OFlags::CREATE));
    }
}
