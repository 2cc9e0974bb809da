//! Writing the site file (`miniogen.toml`), which `init` creates and `grow` edits: the one file
//! miniogen writes outside an output folder.
//!
//! The file comes from a repository, so what stands at its path is hostile input: a symbolic
//! link inside the working directory that leads out of it (`ln -s ../victim miniogen.toml`,
//! or a linked folder on the way), and anything but a regular file, are refused, never written
//! through; a link that stays inside the working directory is followed, and the file it names
//! is replaced. A run holds the file's lock (`staging`'s, beside the file:
//! `.miniogen.toml.miniogen-lock`) from before it reads the file until it has replaced it, so
//! that two runs never lose an edit. The new text goes to `.miniogen.toml.miniogen-new-PID`,
//! created afresh, and replaces the file in one rename, so that a reader (or a run killed
//! half-way) sees the old file or the new one, whole; the next run to take the lock removes what
//! a killed run left there, as it does beside an output folder. This module does not decide what
//! the file says.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::output::staging::{self, Lock, LockError};

/// Why the site file could not be written.
#[derive(Debug, Error)]
pub enum SiteError {
    /// `init` found something at the path.
    #[error(
        "`{}` exists, and `miniogen init` never overwrites a file: move it away, or give \
         another path with `--config PATH`",
        .0.display()
    )]
    Exists(PathBuf),
    /// A link in the working directory leads out of it.
    #[error(
        "`{}` is a symbolic link to `{}`, outside the working directory: miniogen never writes \
         through it; replace the link with the file it names, or give that path with `--config`",
        .link.display(), .target.display()
    )]
    LinkOut {
        /// The link.
        link: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
    /// The path names a folder, a device, a FIFO or a socket.
    #[error("`{}` is not a regular file but {kind}: the site file is written only as one", .path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// Another run holds the file's lock.
    #[error(
        "`{}` is being edited by another miniogen run, which still holds `{}` after {} s; try \
         again when it has finished",
        .path.display(), .lock.display(), .waited.as_secs_f32()
    )]
    Busy {
        /// The site file.
        path: PathBuf,
        /// Its lock file.
        lock: PathBuf,
        /// How long this run waited.
        waited: std::time::Duration,
    },
    /// A file could not be read, written or renamed.
    #[error("cannot {action} `{}`: {source}; the site file is left as it was", .path.display())]
    Io {
        /// What failed: `lock`, `write`, `replace`.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The right to replace one site file, from before it is read until it is written.
#[derive(Debug)]
pub struct SiteLock {
    lock: Lock,
    /// The file written: the path given, or the file an inside link names.
    target: PathBuf,
}

/// Locks the site file at `path` for a run that reads it and may replace it, after refusing a
/// link out of the working directory and anything but a regular file (or nothing) there.
/// Whatever a killed run left beside it is removed.
pub fn lock(path: &Path) -> Result<SiteLock, SiteError> {
    let target = target(path)?;
    let (mut locks, _) = staging::lock_all(&[&target]).map_err(|(at, e)| match e {
        LockError::Busy(waited) => SiteError::Busy {
            lock: staging::Beside::of(&at).lock_file(),
            path: at,
            waited,
        },
        LockError::Io(lock, source) => SiteError::Io {
            action: "lock",
            path: lock,
            source,
        },
    })?;
    let lock = locks.remove(0);
    // Checked again under the lock: what stands there now is what is replaced.
    let target = self::target(path)?;
    Ok(SiteLock { lock, target })
}

/// Where writing `path` lands, refusing what must not be written: `path` itself, or the regular
/// file a link inside the working directory names.
pub fn target(path: &Path) -> Result<PathBuf, SiteError> {
    refuse_links_out(path)?;
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            let linked = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            if linked {
                std::fs::canonicalize(path).map_err(|source| SiteError::Io {
                    action: "resolve",
                    path: path.to_path_buf(),
                    source,
                })
            } else {
                Ok(path.to_path_buf())
            }
        }
        Ok(meta) => Err(SiteError::NotRegular {
            path: path.to_path_buf(),
            kind: crate::input::load::file_kind(meta.file_type()),
        }),
        // A link to nothing is refused too: what it would create is not known.
        Err(_) if std::fs::symlink_metadata(path).is_ok() => Err(SiteError::LinkOut {
            link: path.to_path_buf(),
            target: std::fs::read_link(path).unwrap_or_default(),
        }),
        Err(_) => Ok(path.to_path_buf()),
    }
}

/// Refuses each symbolic link on `path` (the file itself, or a folder on the way) that sits
/// inside the working directory and leads out of it: a link the repository may have planted.
/// A path the user typed that lies outside the working directory is theirs to name.
fn refuse_links_out(path: &Path) -> Result<(), SiteError> {
    let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize) else {
        return Ok(());
    };
    let inside = |p: &Path| p.starts_with(&cwd);
    for at in path.ancestors().filter(|a| !a.as_os_str().is_empty()) {
        let is_link = std::fs::symlink_metadata(at).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            continue;
        }
        let parent = match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let planted = std::fs::canonicalize(parent).is_ok_and(|p| inside(&p));
        let leads = std::fs::canonicalize(at).ok();
        if planted && !leads.as_deref().is_some_and(inside) {
            return Err(SiteError::LinkOut {
                link: at.to_path_buf(),
                target: std::fs::read_link(at).unwrap_or_default(),
            });
        }
    }
    Ok(())
}

impl SiteLock {
    /// The file this lock writes.
    #[must_use]
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Replaces the file with `text` in one rename, keeping its permissions; creates it when
    /// missing.
    pub fn replace(&self, text: &str) -> Result<(), SiteError> {
        let staging = self.staged(text)?;
        if let Ok(meta) = std::fs::metadata(&self.target) {
            let _ = std::fs::set_permissions(&staging, meta.permissions());
        }
        std::fs::rename(&staging, &self.target).map_err(|source| {
            staging::remove(&staging);
            SiteError::Io {
                action: "replace",
                path: self.target.clone(),
                source,
            }
        })
    }

    /// Creates the file with `text`, whole or not at all, and never over anything that stands
    /// at its path.
    pub fn create(&self, text: &str) -> Result<(), SiteError> {
        if std::fs::symlink_metadata(&self.target).is_ok() {
            return Err(SiteError::Exists(self.target.clone()));
        }
        let staging = self.staged(text)?;
        let published = publish(&staging, &self.target);
        staging::remove(&staging);
        published.map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                SiteError::Exists(self.target.clone())
            } else {
                SiteError::Io {
                    action: "write",
                    path: self.target.clone(),
                    source,
                }
            }
        })
    }

    /// Writes `text` to this run's staging file beside the site file, created afresh.
    fn staged(&self, text: &str) -> Result<PathBuf, SiteError> {
        let staging = self.lock.beside().staging();
        // A link planted at the staging name is removed, never written through
        // (`create_file` follows none).
        staging::remove(&staging);
        staging::create_file(&staging, text, false).map_err(|source| {
            staging::remove(&staging);
            SiteError::Io {
                action: "write",
                path: staging.clone(),
                source,
            }
        })?;
        Ok(staging)
    }
}

/// Gives the staged file the site file's name unless something has it: a hard link (the
/// staging name is removed after), which fails if the name is taken; on a file system without
/// hard links, a rename, which the lock keeps other miniogen runs from racing.
fn publish(staging: &Path, target: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(staging, target) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            if std::fs::symlink_metadata(target).is_ok() {
                return Err(std::io::ErrorKind::AlreadyExists.into());
            }
            std::fs::rename(staging, target)
        }
        done => done,
    }
}
