//! Output folders: one file per object plus a `kustomization.yaml`, written atomically, and
//! checked against a fresh render without git.
//!
//! A folder records what miniogen wrote in `.miniogen-state.json` (file name and sha256). That
//! record is how miniogen tells its own files from the user's (which it never touches), notices a
//! hand edit (refused without `--force`), and finds files it no longer produces (removed). The
//! new folder is assembled beside the old one and swapped in with two renames, so an interrupted
//! or failed run leaves the previous folder as it was.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::digest::sha256;
use crate::load;
use crate::post::{Fragment, Manifest};
use crate::sink::{self, SinkError};

/// The record of what miniogen wrote.
pub const STATE_FILE: &str = ".miniogen-state.json";
/// The kustomization listing the objects in stream order.
pub const KUSTOMIZATION: &str = "kustomization.yaml";

/// One file of an output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// File name inside the folder.
    pub name: String,
    /// Its whole content.
    pub content: String,
}

/// What `.miniogen-state.json` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    /// Generated file name to the sha256 of the content written.
    files: BTreeMap<String, String>,
}

/// Why a folder was not written.
#[derive(Debug, Error)]
pub enum FolderError {
    /// Files miniogen wrote were edited since; the message shows each edit.
    #[error("{}", hand_edits(.0))]
    HandEdited(Vec<(String, String)>),
    /// A file miniogen would write exists but was not written by miniogen.
    #[error("`{0}` exists and was not written by miniogen; move it away or pass `--force`")]
    NotOurs(String),
    /// A filesystem operation failed.
    #[error("cannot {action} `{}`: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On what.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file is not miniogen's.
    #[error("`{}` is not a miniogen state file: {message}", .path.display())]
    BadState {
        /// The file.
        path: PathBuf,
        /// The parse error.
        message: String,
    },
    /// An object could not be written as YAML.
    #[error(transparent)]
    Yaml(#[from] SinkError),
}

fn hand_edits(edits: &[(String, String)]) -> String {
    let mut out = String::new();
    for (name, diff) in edits {
        let _ = writeln!(
            out,
            "`{name}` was edited by hand since miniogen wrote it:\n{diff}"
        );
    }
    out.push_str("keep the change in the site file instead, or pass `--force` to overwrite it");
    out
}

/// The file an object is written to: kind and name, which `post` keeps unique.
#[must_use]
pub fn file_name(manifest: &Manifest) -> String {
    format!("{}-{}.yaml", manifest.kind.to_lowercase(), manifest.name)
}

/// The object a folder already holds in the file `manifest` would be written to, if it holds one
/// that parses.
#[must_use]
pub fn read_object(dir: &Path, manifest: &Manifest) -> Option<serde_json::Value> {
    let text = fs::read_to_string(dir.join(file_name(manifest))).ok()?;
    serde_saphyr::from_str(&text).ok()
}

/// Every Kubernetes object in the folder's top-level YAML files, whoever wrote them, for scans of
/// what the folder really holds. Files that do not parse, and documents without a kind, are
/// skipped: `check` compares files byte for byte anyway.
#[must_use]
pub fn read_objects(dir: &Path) -> Vec<Manifest> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let Ok(docs) = serde_saphyr::from_multiple::<serde_json::Value>(&text) else {
            continue;
        };
        for value in docs {
            let field = |p: &str| {
                value
                    .pointer(p)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            if field("/kind").is_empty() {
                continue;
            }
            out.push(Manifest {
                api_version: field("/apiVersion"),
                kind: field("/kind"),
                name: field("/metadata/name"),
                namespace: field("/metadata/namespace"),
                value: value.clone(),
            });
        }
    }
    out
}

/// The files of a folder for these objects, each opening with `header` as a comment, then the
/// kustomization, then the consumer fragments in their own folder, which the kustomization (and
/// a plain `kubectl apply -f DIR`) leaves out.
pub fn files(
    manifests: &[Manifest],
    fragments: &[Fragment],
    header: &str,
) -> Result<Vec<File>, FolderError> {
    let mut out = Vec::with_capacity(manifests.len() + 1);
    let mut kustomization = format!(
        "# {header}\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
    );
    for m in manifests {
        let name = file_name(m);
        let _ = writeln!(kustomization, "- {name}");
        out.push(File {
            content: format!("# {header}\n{}", sink::object_yaml(m)?),
            name,
        });
    }
    out.push(File {
        name: KUSTOMIZATION.into(),
        content: kustomization,
    });
    for f in fragments {
        out.push(File {
            name: sink::fragment_path(f),
            content: sink::fragment_file(f, header)?,
        });
    }
    Ok(out)
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> FolderError {
    let path = path.to_path_buf();
    move |source| FolderError::Io {
        action,
        path,
        source,
    }
}

fn read_state(dir: &Path) -> Result<State, FolderError> {
    let path = dir.join(STATE_FILE);
    match load::read_text(&path, load::MAX_STATE_BYTES) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| FolderError::BadState {
            path,
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(io("read", &path)(e)),
    }
}

fn state_text(files: &[File]) -> String {
    let state = State {
        files: files
            .iter()
            .map(|f| (f.name.clone(), sha256(&f.content)))
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&state).unwrap_or_default();
    text.push('\n');
    text
}

/// A unified diff from `old` to `new`, or nothing when they are equal.
#[must_use]
pub fn diff(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

/// What reading a folder back says about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// An expected file is absent.
    Missing(String),
    /// A file differs from the fresh render; the diff goes from the folder to the render.
    Differs(String, String),
    /// A file miniogen wrote before and no longer produces.
    Orphan(String),
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Missing(name) => write!(f, "missing: `{name}` would be written"),
            Finding::Differs(name, diff) => write!(f, "stale: `{name}`\n{diff}"),
            Finding::Orphan(name) => write!(
                f,
                "orphaned: `{name}` is no longer generated and would be removed"
            ),
        }
    }
}

/// Compares a folder with the files a fresh render gives; an empty list means it is current.
pub fn check(dir: &Path, expected: &[File]) -> Result<Vec<Finding>, FolderError> {
    let state = read_state(dir)?;
    let mut findings = Vec::new();
    for file in expected {
        let path = dir.join(&file.name);
        match fs::read_to_string(&path) {
            Ok(current) if current == file.content => {}
            Ok(current) => findings.push(Finding::Differs(
                file.name.clone(),
                diff(
                    &current,
                    &file.content,
                    &format!("{}/{}", dir.display(), file.name),
                    "fresh render",
                ),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                findings.push(Finding::Missing(file.name.clone()));
            }
            Err(e) => return Err(io("read", &path)(e)),
        }
    }
    for name in state.files.keys() {
        if !expected.iter().any(|f| &f.name == name) && dir.join(name).exists() {
            findings.push(Finding::Orphan(name.clone()));
        }
    }
    if findings.is_empty()
        && load::read_text(&dir.join(STATE_FILE), load::MAX_STATE_BYTES).ok()
            != Some(state_text(expected))
    {
        findings.push(Finding::Differs(
            STATE_FILE.into(),
            "the record of generated files is out of date\n".into(),
        ));
    }
    Ok(findings)
}

/// How a folder is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Overwrite hand-edited files and files miniogen did not write.
    pub force: bool,
    /// Make generated files readable by the owner only (for plaintext credentials).
    pub owner_only: bool,
}

/// Writes `files` as the folder `dir`, atomically: assembled beside it, then swapped in. Returns
/// whether anything was written: a folder that already holds exactly these files is left alone.
pub fn write(dir: &Path, files: &[File], options: WriteOptions) -> Result<bool, FolderError> {
    // The folder is replaced by renames, which would replace a symbolic link with a folder of
    // its own and leave what it points to stale: refuse it and ask for the real path.
    if let Ok(link) = fs::read_link(dir) {
        return Err(io("write a folder at", dir)(std::io::Error::other(
            format!(
                "it is a symbolic link to `{}`; give the folder's real path",
                link.display()
            ),
        )));
    }
    let exists = dir.exists();
    if exists && !dir.is_dir() {
        return Err(io("write a folder at", dir)(std::io::Error::other(
            "it is not a folder",
        )));
    }
    let state = if exists {
        read_state(dir)?
    } else {
        State::default()
    };
    // A folder that already holds exactly this render is left alone: no file is rewritten, so
    // an unchanged input changes nothing, not even a modification time, and a fleet that did not
    // change costs only reads. Owner-only folders are always rewritten, which also restores
    // their permissions.
    if exists && !options.owner_only && check(dir, files)?.is_empty() {
        return Ok(false);
    }
    if exists && !options.force {
        refuse_foreign_changes(dir, files, &state)?;
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = dir
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{base}.miniogen-new-{}", std::process::id()));
    let result = stage(&staging, dir, files, &state, exists, options)
        .and_then(|()| swap(&staging, dir, &parent, &base, exists));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|()| true)
}

fn refuse_foreign_changes(dir: &Path, files: &[File], state: &State) -> Result<(), FolderError> {
    let mut edits = Vec::new();
    for (name, hash) in &state.files {
        let path = dir.join(name);
        let Ok(current) = fs::read_to_string(&path) else {
            continue;
        };
        if &sha256(&current) != hash {
            let fresh = files
                .iter()
                .find(|f| &f.name == name)
                .map_or("", |f| f.content.as_str());
            edits.push((
                name.clone(),
                diff(
                    fresh,
                    &current,
                    "generated",
                    &format!("{} (on disk)", path.display()),
                ),
            ));
        }
    }
    if !edits.is_empty() {
        return Err(FolderError::HandEdited(edits));
    }
    for file in files {
        if !state.files.contains_key(&file.name) && dir.join(&file.name).exists() {
            return Err(FolderError::NotOurs(
                dir.join(&file.name).display().to_string(),
            ));
        }
    }
    Ok(())
}

fn stage(
    staging: &Path,
    dir: &Path,
    files: &[File],
    state: &State,
    exists: bool,
    options: WriteOptions,
) -> Result<(), FolderError> {
    let _ = fs::remove_dir_all(staging);
    fs::create_dir_all(staging).map_err(io("create", staging))?;
    let fault = injected_fault();
    for (written, file) in files.iter().enumerate() {
        let path = staging.join(&file.name);
        if let Some((after, error)) = &fault
            && *after == written
        {
            return Err(io("write", &path)(error()));
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        fs::write(&path, &file.content).map_err(io("write", &path))?;
        if options.owner_only {
            restrict(&path)?;
        }
    }
    let path = staging.join(STATE_FILE);
    fs::write(&path, state_text(files)).map_err(io("write", &path))?;
    if exists {
        // The user's own files come along untouched: hard links keep the very same file.
        carry_over(dir, staging, Path::new(""), files, state)?;
    }
    Ok(())
}

fn carry_over(
    dir: &Path,
    staging: &Path,
    relative: &Path,
    files: &[File],
    state: &State,
) -> Result<(), FolderError> {
    let from = dir.join(relative);
    for entry in fs::read_dir(&from).map_err(io("read", &from))? {
        let entry = entry.map_err(io("read", &from))?;
        let rel = relative.join(entry.file_name());
        let name = rel.to_string_lossy().into_owned();
        // Generated files, at any depth, come from the new render, never from the old folder.
        if (relative.as_os_str().is_empty() && name == STATE_FILE)
            || state.files.contains_key(&name)
            || files.iter().any(|f| f.name == name)
        {
            continue;
        }
        let source = entry.path();
        let target = staging.join(&rel);
        let kind = entry.file_type().map_err(io("read", &source))?;
        if kind.is_dir() {
            fs::create_dir_all(&target).map_err(io("create", &target))?;
            carry_over(dir, staging, &rel, files, state)?;
        } else if fs::hard_link(&source, &target).is_err() {
            if kind.is_symlink() {
                let link = fs::read_link(&source).map_err(io("read", &source))?;
                symlink(&link, &target)?;
            } else {
                fs::copy(&source, &target).map_err(io("copy", &source))?;
            }
        }
    }
    Ok(())
}

/// A fault to inject: after how many files, and the error.
type Fault = (usize, fn() -> std::io::Error);

/// Debug builds fail a write after N files when `MINIOGEN_FAULT_AFTER_FILES` is `N` (an
/// injected fault) or `N:ENOSPC` (a full disk), so that tests can interrupt a write at a known
/// point; release builds never read it.
fn injected_fault() -> Option<Fault> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let value = std::env::var("MINIOGEN_FAULT_AFTER_FILES").ok()?;
    let (count, kind) = value.split_once(':').unwrap_or((&value, ""));
    let error: fn() -> std::io::Error = match kind {
        "ENOSPC" => disk_full,
        _ => || std::io::Error::other("injected fault"),
    };
    Some((count.parse().ok()?, error))
}

#[cfg(unix)]
fn disk_full() -> std::io::Error {
    // ENOSPC, as the kernel reports it.
    std::io::Error::from_raw_os_error(28)
}

#[cfg(not(unix))]
fn disk_full() -> std::io::Error {
    std::io::Error::from(std::io::ErrorKind::StorageFull)
}

#[cfg(unix)]
fn symlink(link: &Path, target: &Path) -> Result<(), FolderError> {
    std::os::unix::fs::symlink(link, target).map_err(io("link", target))
}

#[cfg(not(unix))]
fn symlink(link: &Path, target: &Path) -> Result<(), FolderError> {
    fs::copy(link, target).map(|_| ()).map_err(io("copy", link))
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<(), FolderError> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io("restrict", path))
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> Result<(), FolderError> {
    Ok(())
}

fn swap(
    staging: &Path,
    dir: &Path,
    parent: &Path,
    base: &str,
    exists: bool,
) -> Result<(), FolderError> {
    if !exists {
        return fs::rename(staging, dir).map_err(io("move into place", dir));
    }
    let old = parent.join(format!(".{base}.miniogen-old-{}", std::process::id()));
    let _ = fs::remove_dir_all(&old);
    fs::rename(dir, &old).map_err(io("move aside", dir))?;
    if let Err(e) = fs::rename(staging, dir) {
        // Put the previous folder back before reporting.
        let _ = fs::rename(&old, dir);
        return Err(io("move into place", dir)(e));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("miniogen-folder-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    fn file(name: &str, content: &str) -> File {
        File {
            name: name.into(),
            content: content.into(),
        }
    }

    #[test]
    fn writes_checks_and_removes_orphans_but_keeps_user_files() {
        let root = scratch("cycle");
        let out = root.join("out");
        let first = [file("a.yaml", "a: 1\n"), file("b.yaml", "b: 1\n")];
        assert!(write(&out, &first, WriteOptions::default()).is_ok());
        assert_eq!(check(&out, &first).ok(), Some(vec![]));
        fs::write(out.join("README.md"), "mine\n").unwrap_or_else(|e| panic!("{e}"));
        let second = [file("a.yaml", "a: 2\n")];
        let findings = check(&out, &second).unwrap_or_default();
        assert!(
            matches!(&findings[0], Finding::Differs(n, d) if n == "a.yaml" && d.contains("-a: 1\n+a: 2"))
        );
        assert_eq!(findings[1], Finding::Orphan("b.yaml".into()));
        assert!(write(&out, &second, WriteOptions::default()).is_ok());
        assert!(!out.join("b.yaml").exists());
        assert_eq!(
            fs::read_to_string(out.join("README.md")).ok().as_deref(),
            Some("mine\n")
        );
        assert_eq!(check(&out, &second).ok(), Some(vec![]));
        let leftovers: Vec<_> = fs::read_dir(&root)
            .map(Iterator::count)
            .into_iter()
            .collect();
        assert_eq!(leftovers, [1], "staging folders left behind");
        let _ = fs::remove_dir_all(&root);
    }

    #[cfg(unix)]
    #[test]
    fn an_unchanged_render_touches_nothing() {
        use std::os::unix::fs::MetadataExt as _;
        let root = scratch("unchanged");
        let out = root.join("out");
        let files = [file("a.yaml", "a: 1\n"), file("b.yaml", "b: 1\n")];
        assert_eq!(
            write(&out, &files, WriteOptions::default()).ok(),
            Some(true)
        );
        let before = |name: &str| {
            let meta = fs::metadata(out.join(name)).unwrap_or_else(|e| panic!("{e}"));
            (meta.ino(), meta.mtime_nsec(), meta.mtime())
        };
        let seen = [before("a.yaml"), before(STATE_FILE), before(".")];
        assert_eq!(
            write(&out, &files, WriteOptions::default()).ok(),
            Some(false)
        );
        assert_eq!([before("a.yaml"), before(STATE_FILE), before(".")], seen);
        // One changed file: the folder is rewritten as a whole, as before.
        let changed = [file("a.yaml", "a: 2\n"), file("b.yaml", "b: 1\n")];
        assert!(write(&out, &changed, WriteOptions::default()).is_ok());
        assert_ne!(before("a.yaml"), seen[0]);
        assert_eq!(check(&out, &changed).ok(), Some(vec![]));
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn hand_edits_are_refused_and_shown() {
        let root = scratch("edit");
        let out = root.join("out");
        let files = [file("a.yaml", "a: 1\n")];
        assert!(write(&out, &files, WriteOptions::default()).is_ok());
        fs::write(out.join("a.yaml"), "a: 666\n").unwrap_or_else(|e| panic!("{e}"));
        let err = write(&out, &files, WriteOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("`a.yaml` was edited by hand"), "{err}");
        assert!(err.contains("-a: 1\n+a: 666"), "{err}");
        assert_eq!(
            fs::read_to_string(out.join("a.yaml")).ok().as_deref(),
            Some("a: 666\n")
        );
        let forced = WriteOptions {
            force: true,
            ..WriteOptions::default()
        };
        assert!(write(&out, &files, forced).is_ok());
        assert_eq!(
            fs::read_to_string(out.join("a.yaml")).ok().as_deref(),
            Some("a: 1\n")
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn foreign_files_are_never_overwritten() {
        let root = scratch("foreign");
        let out = root.join("out");
        fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{e}"));
        fs::write(out.join("a.yaml"), "theirs\n").unwrap_or_else(|e| panic!("{e}"));
        let err = write(&out, &[file("a.yaml", "ours\n")], WriteOptions::default());
        assert!(matches!(err, Err(FolderError::NotOurs(_))));
        assert_eq!(
            fs::read_to_string(out.join("a.yaml")).ok().as_deref(),
            Some("theirs\n")
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_path_that_is_a_file_is_refused() {
        let root = scratch("file");
        let out = root.join("out");
        fs::write(&out, "x").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            write(&out, &[file("a.yaml", "a\n")], WriteOptions::default()),
            Err(FolderError::Io { .. })
        ));
        assert_eq!(fs::read_to_string(&out).ok().as_deref(), Some("x"));
        let _ = fs::remove_dir_all(&root);
    }
}
