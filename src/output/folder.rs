//! Output folders: one file per object plus a `kustomization.yaml`, written atomically, and
//! checked against a fresh render without git.
//!
//! A folder records what miniogen wrote in `.miniogen-state.json` (file name and sha256). That
//! record is how miniogen tells its own files from the user's (which it never touches), notices a
//! hand edit (refused without `--force`), and finds files it no longer produces (removed). The
//! new folder is assembled beside the old one and swapped in (`staging`), so an interrupted or
//! failed run leaves the previous folder as it was.
//!
//! A folder may come from someone else's repository. Its state file may name only files
//! miniogen writes (`generated_name`), every file is read through `confine` (no link followed,
//! regular files only, bounded), and diffs go through `mask`, which never shows a Secret's
//! values. The state file is read in one place, `read_state`, which checks every name it holds.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::input::recorded::Recorded;
use crate::model::digest::sha256;
use crate::output::confine::{self, Entry};
use crate::output::sink::{self, SinkError};
use crate::output::staging::{self, Lock, LockError};
use crate::plan::outputs::FRAGMENT_DIR;
use crate::post::{Fragment, Manifest};

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

/// What `.miniogen-state.json` holds. Fields added later must be checked in `read_state` like
/// `files`: the file comes from the folder, so from whoever wrote the repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    /// Generated file name to the sha256 of the content written.
    files: BTreeMap<String, String>,
    /// The inputs that made the folder, for `check --out DIR` alone; read back as hostile
    /// (`recorded`, which refuses unknown fields, absolute paths and `..`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    inputs: Option<Recorded>,
}

/// Whether `name` is one miniogen writes into a folder: `KIND-NAME.yaml` (and
/// `kustomization.yaml`) at the top, or a fragment's file in `consumers/`. Lowercase letters,
/// digits, `.` and `-`, as the Kubernetes names they come from; never a path that leads
/// elsewhere (`..`, `/proc/self/environ`) or a name of miniogen's own (the state file).
#[must_use]
pub fn generated_name(name: &str) -> bool {
    let file = match name.split_once('/') {
        None => name,
        Some((FRAGMENT_DIR, file)) => file,
        Some(_) => return false,
    };
    file.strip_suffix(".yaml").is_some_and(|stem| {
        stem.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && stem
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
            && !stem.contains("..")
    })
}

/// Why a folder was not written.
#[derive(Debug, Error)]
pub enum FolderError {
    /// Files miniogen wrote were edited since: each file's name and what happened to it (a diff
    /// with Secret values masked, or what replaced it).
    #[error("{}", hand_edits(.0))]
    HandEdited(Vec<(String, String)>),
    /// `--out` names a folder that cannot be replaced safely.
    #[error("cannot write the output folder `{}`: {why}", .path.display())]
    Unsafe {
        /// The folder.
        path: PathBuf,
        /// Why not.
        why: String,
    },
    /// Another run holds the folder's lock.
    #[error(
        "`{}` is being written by another miniogen run, which still holds `{}` after {} s; try \
         again when it has finished",
        .path.display(), .lock.display(), .waited.as_secs_f32()
    )]
    Busy {
        /// The folder.
        path: PathBuf,
        /// Its lock file.
        lock: PathBuf,
        /// How long this run waited.
        waited: std::time::Duration,
    },
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
    /// An object the folder holds, which a decision about the running tenant rests on, cannot be
    /// read back.
    #[error(
        "cannot read back `{}`: {why}; miniogen will not judge a change to pools it cannot see: \
         restore the file as miniogen wrote it (such as with `git checkout`), or remove it if \
         this Tenant was never applied",
        .path.display()
    )]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why not.
        why: String,
    },
    /// An object could not be written as YAML.
    #[error(transparent)]
    Yaml(#[from] SinkError),
}

fn hand_edits(edits: &[(String, String)]) -> String {
    let mut out = String::new();
    for (_, what) in edits {
        let _ = writeln!(out, "{}", what.trim_end());
    }
    out.push_str("keep the change in the site file instead, or pass `--force` to overwrite it");
    out
}

/// The file an object is written to: kind and name, which `post` keeps unique.
#[must_use]
pub fn file_name(manifest: &Manifest) -> String {
    format!("{}-{}.yaml", manifest.kind.to_lowercase(), manifest.name)
}

/// The object a folder already holds in the file `manifest` would be written to; `None` when
/// there is no such file. A regular file that is there but cannot be read back (not one YAML
/// document, such as one with more aliases than the reader allows, over the size bound, not
/// UTF-8) is an error, never "absent": what `gen --out`, `check` and `grow` decide about a
/// running tenant's pools rests on it, and they must not decide blind. Something miniogen never
/// writes (a symbolic link, a device, a FIFO) also reads as `None`: the write refuses it as a
/// replaced file unless `--force`, and `check` reports it.
///
/// A file byte for byte equal to the render's own file for that object (`render`) holds exactly
/// the render's object, which is taken from memory instead of being parsed again: the file is
/// `sink::HEADER` and the YAML writer's text of that value, which reads back as the value
/// (`render::tests::hostile_strings_round_trip_exactly`).
pub fn read_object(
    dir: &Path,
    manifest: &Manifest,
    render: Render<'_>,
) -> Result<Option<serde_json::Value>, FolderError> {
    // No folder, or something else at its name: nothing is held there, and the write refuses
    // to replace what is not a folder.
    if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Ok(None);
    }
    let name = file_name(manifest);
    let path = dir.join(&name);
    let unreadable = |why: String| FolderError::Unreadable {
        path: path.clone(),
        why,
    };
    match confine::read(dir, &name).map_err(io("read", &path))? {
        Entry::Absent => Ok(None),
        Entry::Refused(what) => {
            if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                Err(unreadable(format!("it is {what}")))
            } else {
                Ok(None)
            }
        }
        Entry::Text(text) => match render
            .object_in(&name, &text)
            .filter(|m| m.kind == manifest.kind)
        {
            Some(ours) => Ok(Some(ours.value.clone())),
            None => parsed(&text, &manifest.kind, unreadable),
        },
    }
}

/// The object of `kind` in a folder's file `text`, for `read_object`.
fn parsed(
    text: &str,
    kind: &str,
    unreadable: impl Fn(String) -> FolderError,
) -> Result<Option<serde_json::Value>, FolderError> {
    match crate::input::yaml::document(text) {
        // Another kind (or none) in the file of this object: what it stands for in the
        // cluster is unknown, and a verdict over it would be made up.
        Some(value) if value.is_object() && value["kind"] == kind => Ok(Some(value)),
        Some(value) if value.is_object() => Err(unreadable(format!(
            "it holds {} instead of a {kind}",
            value["kind"].as_str().map_or_else(
                || "no `kind`".to_string(),
                |k| format!("a `{}`", k.chars().take(63).collect::<String>())
            ),
        ))),
        Some(_) => Err(unreadable("it holds no object".to_string())),
        // Where, not what: the reader's messages may quote the file.
        None => Err(unreadable(
            "it is not one YAML document miniogen can read (such as one with more aliases \
             than the reader allows)"
                .to_string(),
        )),
    }
}

/// Every Kubernetes object in the folder's top-level YAML files, whoever wrote them, for scans of
/// what the folder really holds, except those in a file byte for byte equal to one of `known`
/// (the render's own files, whose objects the caller holds already: parsing them again would
/// cost most of a `check`). Files that do not parse, links and anything but regular files, and
/// documents without a kind, are skipped: `check` compares files byte for byte anyway.
#[must_use]
pub fn read_objects(dir: &Path, known: &[File]) -> Vec<Manifest> {
    objects(dir, Known::Skip(known), None)
}

/// The objects of `kind` in the files miniogen names after that kind (`file_name`), as
/// `read_objects(dir, &[])` gives them: miniogen writes each object to a file named after its
/// kind, so its own objects of a kind are there, and parsing every other file of every folder
/// to find them was a third of a current fleet's `gen --out` (issue 26). An object of that kind
/// someone put in a file named otherwise is not one miniogen wrote.
///
/// A file byte for byte equal to the render's own file (`render`) gives the render's object, as
/// in `read_object`.
#[must_use]
pub fn read_objects_of_kind(dir: &Path, kind: &str, render: Render<'_>) -> Vec<Manifest> {
    let mut out = objects(
        dir,
        Known::Render(render),
        Some(&format!("{}-", kind.to_lowercase())),
    );
    out.retain(|m| m.kind == kind);
    out
}

/// The render beside the files `files` writes its objects to (`files(manifests, ..)`), for the
/// readers of a folder: a file of the folder byte for byte equal to the render's holds exactly
/// the render's object. `Render::default()` knows no file, so every file is parsed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Render<'a> {
    /// The render's objects.
    pub manifests: &'a [Manifest],
    /// Their files, as `files` writes them.
    pub files: &'a [File],
}

impl<'a> Render<'a> {
    /// The render's object whose file is `name`, when `text` is that file's content.
    fn object_in(&self, name: &str, text: &str) -> Option<&'a Manifest> {
        self.files
            .iter()
            .find(|f| f.name == name && f.content == text)?;
        self.manifests.iter().find(|m| file_name(m) == name)
    }
}

/// What `objects` does with a file byte for byte equal to one the caller knows.
#[derive(Clone, Copy)]
enum Known<'a> {
    /// Leaves it out: the caller holds its objects already.
    Skip(&'a [File]),
    /// Gives the render's object for it.
    Render(Render<'a>),
}

/// `read_objects`, over the files whose names start with `prefix` when one is given.
fn objects(dir: &Path, known: Known<'_>, prefix: Option<&str>) -> Vec<Manifest> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| prefix.is_none_or(|p| n.starts_with(p)))
        .filter(|n| {
            Path::new(n)
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml")
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let Ok(Entry::Text(text)) = confine::read(dir, &name) else {
            continue;
        };
        match known {
            Known::Skip(files) if files.iter().any(|f| f.name == name && f.content == text) => {
                continue;
            }
            Known::Render(render) => {
                if let Some(ours) = render.object_in(&name, &text) {
                    out.push(ours.clone());
                    continue;
                }
            }
            Known::Skip(_) => {}
        }
        let Some(docs) = crate::input::yaml::documents(&text) else {
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

/// The files of a folder for these objects, each opening with `sink::HEADER`, then the
/// kustomization, then the consumer fragments in their own folder, which the kustomization (and
/// a plain `kubectl apply -f DIR`) leaves out.
pub fn files(manifests: &[Manifest], fragments: &[Fragment]) -> Result<Vec<File>, FolderError> {
    let header = sink::HEADER;
    let mut out = Vec::with_capacity(manifests.len() + 1);
    let mut kustomization = format!(
        "{header}\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
    );
    for m in manifests {
        let name = file_name(m);
        let _ = writeln!(kustomization, "- {name}");
        out.push(File {
            content: format!("{header}\n{}", sink::object_yaml(m)?),
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
            content: sink::fragment_file(f)?,
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

/// The folder's state file, and its text as it is on disk (`None` when there is none). Every read
/// of the state file goes through here: a name it holds that miniogen would not write, or a
/// digest that is not one, refuses the whole file, so that nothing else ever opens such a path.
fn read_state(dir: &Path) -> Result<(State, Option<String>), FolderError> {
    let path = dir.join(STATE_FILE);
    let bad = |message: String| FolderError::BadState {
        path: path.clone(),
        message,
    };
    let text = match confine::read(dir, STATE_FILE).map_err(io("read", &path))? {
        Entry::Absent => return Ok((State::default(), None)),
        Entry::Refused(what) => return Err(bad(format!("it is {what}"))),
        Entry::Text(text) => text,
    };
    // Where, not what: serde's messages quote the offending value, and this file may be a
    // hard link to anything its owner can read.
    let state: State = serde_json::from_str(&text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "not a record of generated files",
            _ => "not JSON",
        };
        bad(format!("{what} (line {}, column {})", e.line(), e.column()))
    })?;
    for (name, digest) in &state.files {
        if !generated_name(name) {
            return Err(bad(format!(
                "it names `{}`, which is not a file miniogen writes; remove the state file if \
                 the folder is yours",
                name.escape_debug()
            )));
        }
        if digest.len() != 64
            || !digest
                .bytes()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad(format!("the digest of `{name}` is not a sha256")));
        }
    }
    Ok((state, Some(text)))
}

/// The inputs a folder records, if it records any.
pub fn recorded_inputs(dir: &Path) -> Result<Option<Recorded>, FolderError> {
    Ok(read_state(dir)?.0.inputs)
}

fn state_text(files: &[File], inputs: Option<&Recorded>) -> String {
    let state = State {
        files: files
            .iter()
            .map(|f| (f.name.clone(), sha256(&f.content)))
            .collect(),
        inputs: inputs.cloned(),
    };
    let mut text = serde_json::to_string_pretty(&state).unwrap_or_default();
    text.push('\n');
    text
}

/// A unified diff from `old` to `new`, or nothing when they are equal. A Secret's values are
/// never shown, only which of them changed.
#[must_use]
pub fn diff(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    crate::output::mask::diff(old, new, old_label, new_label)
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
    /// Something miniogen never writes (a link, a device) stands where a file should be.
    Replaced(String, String),
    /// A file was changed since miniogen wrote it; the diff goes from the folder to the render.
    Edited(String, String),
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
            Finding::Edited(name, diff) => write!(
                f,
                "edited by hand: `{name}` changed since miniogen wrote it\n{diff}"
            ),
            Finding::Replaced(name, what) => write!(
                f,
                "replaced: `{name}` is {what}, which miniogen never writes; it would be written \
                 as a file"
            ),
        }
    }
}

/// Compares a folder with the files a fresh render gives; an empty list means it is current.
pub fn check(dir: &Path, expected: &[File]) -> Result<Vec<Finding>, FolderError> {
    check_recorded(dir, expected, None)
}

/// `check`, where the folder must also record `inputs`.
pub fn check_recorded(
    dir: &Path,
    expected: &[File],
    inputs: Option<&Recorded>,
) -> Result<Vec<Finding>, FolderError> {
    compare(dir, expected, inputs, true)
}

/// Whether a folder holds exactly the files a fresh render gives, recording `inputs`.
fn is_current(
    dir: &Path,
    expected: &[File],
    inputs: Option<&Recorded>,
) -> Result<bool, FolderError> {
    compare(dir, expected, inputs, false).map(|findings| findings.is_empty())
}

/// The findings of `check`; without `diffs`, only whether there is one, found at the least cost.
fn compare(
    dir: &Path,
    expected: &[File],
    inputs: Option<&Recorded>,
    diffs: bool,
) -> Result<Vec<Finding>, FolderError> {
    let (state, recorded) = read_state(dir)?;
    let mut findings = Vec::new();
    for file in expected {
        if !diffs && !findings.is_empty() {
            return Ok(findings);
        }
        let path = dir.join(&file.name);
        match confine::read(dir, &file.name).map_err(io("read", &path))? {
            Entry::Text(current) if current == file.content => {}
            Entry::Text(_) if !diffs => {
                findings.push(Finding::Differs(file.name.clone(), String::new()));
            }
            Entry::Text(current) => {
                let diff = diff(
                    &current,
                    &file.content,
                    &format!("{}/{}", dir.display(), file.name),
                    "fresh render",
                );
                // Changed since miniogen wrote it: by hand, not by new inputs.
                let edited = state
                    .files
                    .get(&file.name)
                    .is_some_and(|hash| *hash != sha256(&current));
                findings.push(if edited {
                    Finding::Edited(file.name.clone(), diff)
                } else {
                    Finding::Differs(file.name.clone(), diff)
                });
            }
            Entry::Absent => findings.push(Finding::Missing(file.name.clone())),
            Entry::Refused(what) => findings.push(Finding::Replaced(file.name.clone(), what)),
        }
    }
    for name in state.files.keys() {
        if !expected.iter().any(|f| &f.name == name) && present(dir, name) {
            findings.push(Finding::Orphan(name.clone()));
        }
    }
    if findings.is_empty() && recorded != Some(state_text(expected, inputs)) {
        findings.push(Finding::Differs(
            STATE_FILE.into(),
            "the record of generated files is out of date\n".into(),
        ));
    }
    Ok(findings)
}

/// How a folder is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions<'a> {
    /// Overwrite hand-edited files and files miniogen did not write.
    pub force: bool,
    /// Make the folder and everything miniogen writes in it readable by the owner only (for
    /// plaintext credentials), from creation on.
    pub owner_only: bool,
    /// The inputs to record in the state file.
    pub inputs: Option<&'a Recorded>,
}

/// Refuses an output folder that cannot be replaced without harm, before anything is read: one
/// without a name of its own (`/`, `.`, `..`), the root, or a folder holding the working
/// directory, whose files are the inputs and which the swap would take along into itself.
pub fn refuse_unsafe(dir: &Path) -> Result<(), FolderError> {
    let refuse = |why: String| {
        Err(FolderError::Unsafe {
            path: dir.to_path_buf(),
            why,
        })
    };
    if dir.file_name().is_none() {
        return refuse(
            "it names no folder of its own (`/`, `.` or `..`); give a folder inside the working \
             directory, such as `out`"
                .into(),
        );
    }
    let Some(absolute) = resolve(dir) else {
        // A path that cannot be resolved is left to the write, which names what failed.
        return Ok(());
    };
    if absolute.parent().is_none() {
        return refuse("it is the root of the file system".into());
    }
    let cwd = std::env::current_dir().and_then(fs::canonicalize);
    if let Ok(cwd) = cwd
        && cwd.starts_with(&absolute)
    {
        return refuse(format!(
            "it holds the working directory `{}`, whose files miniogen reads and would carry \
             into the new folder; give a folder inside it, such as `out`",
            cwd.display()
        ));
    }
    Ok(())
}

/// `dir` as an absolute path with links resolved as far as it exists.
fn resolve(dir: &Path) -> Option<PathBuf> {
    let mut existing = std::path::absolute(dir).ok()?;
    let mut rest = Vec::new();
    while fs::symlink_metadata(&existing).is_err() {
        rest.push(existing.file_name()?.to_os_string());
        existing.pop();
    }
    let mut out = fs::canonicalize(&existing).ok()?;
    out.extend(rest.iter().rev());
    Some(out)
}

/// Takes the locks of the folders `dirs`, which `write` needs: taken before a folder is read at
/// all, so that what a run checks is what it replaces, and in sorted order, so that two runs
/// over the same folders cannot each wait for the other. Returns each folder's lock and notes
/// on what killed runs had left and was put back.
pub fn lock_all(dirs: &[&Path]) -> Result<(BTreeMap<PathBuf, Lock>, Vec<String>), FolderError> {
    let mut sorted = dirs.to_vec();
    sorted.sort();
    sorted.dedup();
    let (locks, notes) = staging::lock_all(&sorted).map_err(|(dir, e)| match e {
        LockError::Busy(waited) => FolderError::Busy {
            waited,
            lock: staging::Beside::of(&dir).lock_file(),
            path: dir,
        },
        LockError::Io(path, source) => FolderError::Io {
            action: "lock",
            path: dir,
            source: std::io::Error::new(
                source.kind(),
                format!("cannot create `{}`: {source}", path.display()),
            ),
        },
    })?;
    let locks = sorted
        .into_iter()
        .map(Path::to_path_buf)
        .zip(locks)
        .collect();
    Ok((locks, notes))
}

/// What `write` did to a folder, file by file against what it held before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Files written (the state file left out).
    pub total: usize,
    /// Of those, files the folder did not hold.
    pub new: usize,
    /// Of those, files whose content changed.
    pub changed: usize,
    /// Files miniogen wrote before and no longer produces, removed.
    pub removed: usize,
    /// Whether the folder did not exist before.
    pub fresh: bool,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files = |n: usize| if n == 1 { "file" } else { "files" };
        if self.fresh {
            return write!(f, "{} {}", self.total, files(self.total));
        }
        write!(
            f,
            "{} of {} {} changed",
            self.changed + self.new,
            self.total,
            files(self.total)
        )?;
        if self.new > 0 {
            write!(f, " ({} new)", self.new)?;
        }
        if self.removed > 0 {
            write!(f, ", {} removed", self.removed)?;
        }
        Ok(())
    }
}

/// How `files` differ from what `dir` holds, read without following a link.
fn count_changes(dir: &Path, files: &[File], state: &State, fresh: bool) -> Written {
    let mut written = Written {
        total: files.len(),
        fresh,
        ..Written::default()
    };
    if fresh {
        return written;
    }
    for file in files {
        match confine::read(dir, &file.name) {
            Ok(Entry::Text(text)) if text == file.content => {}
            Ok(Entry::Absent) => written.new += 1,
            _ => written.changed += 1,
        }
    }
    written.removed = state
        .files
        .keys()
        .filter(|name| !files.iter().any(|f| &f.name == *name) && present(dir, name))
        .count();
    written
}

/// Takes the locks of the folders `dirs` shared, in sorted order, for reading them whole: no
/// `gen --out` swaps one while they are held.
pub fn lock_shared(dirs: &[&Path]) -> Result<Vec<staging::SharedLock>, FolderError> {
    let mut sorted = dirs.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .into_iter()
        .map(|dir| {
            staging::SharedLock::take(dir).map_err(|e| match e {
                LockError::Busy(waited) => FolderError::Busy {
                    waited,
                    lock: staging::Beside::of(dir).lock_file(),
                    path: dir.to_path_buf(),
                },
                LockError::Io(path, source) => FolderError::Io {
                    action: "lock",
                    path: dir.to_path_buf(),
                    source: std::io::Error::new(
                        source.kind(),
                        format!("cannot create `{}`: {source}", path.display()),
                    ),
                },
            })
        })
        .collect()
}

/// Writes `files` as the folder `dir`, atomically: assembled beside it, then swapped in. `lock`
/// is the folder's, taken before it was read. Returns what changed, or `None` when nothing was
/// written: a folder that already holds exactly these files is left alone.
pub fn write(
    lock: &Lock,
    dir: &Path,
    files: &[File],
    options: WriteOptions<'_>,
) -> Result<Option<Written>, FolderError> {
    if lock.dir() != dir {
        return Err(FolderError::Unsafe {
            path: dir.to_path_buf(),
            why: format!(
                "the lock held is `{}`'s; please report this",
                lock.dir().display()
            ),
        });
    }
    refuse_unsafe(dir)?;
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
    let meta = fs::symlink_metadata(dir).ok();
    let exists = meta.is_some();
    if meta.as_ref().is_some_and(|m| !m.is_dir()) {
        return Err(io("write a folder at", dir)(std::io::Error::other(
            "it is not a folder",
        )));
    }
    if let Some(file) = files.iter().find(|f| !generated_name(&f.name)) {
        return Err(FolderError::Unsafe {
            path: dir.join(&file.name),
            why: "miniogen would write a name it does not allow; please report this".into(),
        });
    }
    let state = read_state(dir)?.0;
    // A folder that already holds exactly this render is left alone: no file is rewritten, so
    // an unchanged input changes nothing, not even a modification time, and a fleet that did not
    // change costs only reads. Owner-only folders are always rewritten, which also restores
    // their permissions.
    if exists && !options.owner_only && is_current(dir, files, options.inputs)? {
        return Ok(None);
    }
    if exists && !options.force {
        refuse_foreign_changes(dir, files, &state)?;
    }
    let written = count_changes(dir, files, &state, !exists);
    let beside = lock.beside();
    let staging = beside.staging();
    let previous = meta.as_ref().map(|m| Previous {
        mode: staging::mode(m),
    });
    let result = stage(&staging, dir, files, &state, previous, options)
        .and_then(|()| staging::swap(beside, &staging, exists).map_err(io("move into place", dir)));
    if result.is_err() {
        staging::remove(&staging);
    }
    result.map(|()| Some(written))
}

/// Whether anything stands at `name` inside `dir`, found without following a link.
fn present(dir: &Path, name: &str) -> bool {
    !matches!(confine::read(dir, name), Ok(Entry::Absent))
}

fn refuse_foreign_changes(dir: &Path, files: &[File], state: &State) -> Result<(), FolderError> {
    let mut edits = Vec::new();
    for (name, hash) in &state.files {
        let path = dir.join(name);
        match confine::read(dir, name) {
            Ok(Entry::Text(current)) if &sha256(&current) != hash => {
                let fresh = files
                    .iter()
                    .find(|f| &f.name == name)
                    .map_or("", |f| f.content.as_str());
                // From the folder to the render, as `check` shows it.
                let diff = diff(&current, fresh, &path.display().to_string(), "fresh render");
                edits.push((
                    name.clone(),
                    format!("edited by hand: `{name}` changed since miniogen wrote it\n{diff}"),
                ));
            }
            Ok(Entry::Refused(what)) => edits.push((
                name.clone(),
                format!("replaced: `{name}` was replaced by {what} since miniogen wrote it"),
            )),
            _ => {}
        }
    }
    if !edits.is_empty() {
        return Err(FolderError::HandEdited(edits));
    }
    for file in files {
        if !state.files.contains_key(&file.name) && present(dir, &file.name) {
            return Err(FolderError::NotOurs(
                dir.join(&file.name).display().to_string(),
            ));
        }
    }
    Ok(())
}

/// What the new folder keeps of the one it replaces, besides the user's files.
#[derive(Debug, Clone, Copy)]
struct Previous {
    /// Its permission bits, where the platform has them.
    mode: Option<u32>,
}

/// Assembles the new folder at `staging`. With `owner_only`, the folder is 0700 and every file
/// 0600 from creation, so that no other user can read a credential at any moment; otherwise
/// the folder ends with the mode of the previous one, `previous` (when there is one).
fn stage(
    staging: &Path,
    dir: &Path,
    files: &[File],
    state: &State,
    previous: Option<Previous>,
    options: WriteOptions<'_>,
) -> Result<(), FolderError> {
    let owner_only = options.owner_only;
    staging::remove(staging);
    staging::create_dir(staging, owner_only).map_err(io("create", staging))?;
    let fault = injected_fault();
    for (written, file) in files.iter().enumerate() {
        let path = staging.join(&file.name);
        match fault {
            Some(Fault::Fail(after, error)) if after == written => {
                return Err(io("write", &path)(error()));
            }
            Some(Fault::Pause(after)) if after == written => {
                std::thread::sleep(std::time::Duration::from_secs(30));
            }
            _ => {}
        }
        if let Some(parent) = path.parent()
            && fs::symlink_metadata(parent).is_err()
        {
            staging::create_dir(parent, owner_only).map_err(io("create", parent))?;
        }
        staging::create_file(&path, &file.content, owner_only).map_err(io("write", &path))?;
    }
    let path = staging.join(STATE_FILE);
    staging::create_file(&path, &state_text(files, options.inputs), owner_only)
        .map_err(io("write", &path))?;
    if let Some(Previous { mode }) = previous {
        // The user's own files come along untouched: hard links keep the very same file.
        carry_over(dir, staging, Path::new(""), files, state)?;
        if !owner_only {
            staging::set_mode(staging, mode).map_err(io("set the mode of", staging))?;
        }
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
            // A folder of the user's keeps its mode, given once it is filled (a 0555 folder
            // could not be filled after); one miniogen writes into keeps miniogen's.
            let created = fs::symlink_metadata(&target).is_err();
            if created {
                fs::create_dir(&target).map_err(io("create", &target))?;
            }
            carry_over(dir, staging, &rel, files, state)?;
            if created {
                let mode = entry.metadata().ok().as_ref().and_then(staging::mode);
                staging::set_mode(&target, mode).map_err(io("set the mode of", &target))?;
            }
        } else if fs::symlink_metadata(&target).is_ok() {
            // A link or file where miniogen now writes a folder (`consumers`), only with
            // `--force`: the folder takes its place.
        } else if fs::hard_link(&source, &target).is_err() {
            if kind.is_symlink() {
                let link = fs::read_link(&source).map_err(io("read", &source))?;
                symlink(&link, &target)?;
            } else if kind.is_file() {
                fs::copy(&source, &target).map_err(io("copy", &source))?;
            } else {
                // Copying a FIFO or a device would read it: wait forever, or never end.
                return Err(io("carry over", &source)(std::io::Error::other(
                    "it is not a regular file and cannot be linked into the new folder",
                )));
            }
        }
    }
    Ok(())
}

/// A fault to inject after how many files: fail with an error, or stop for 30 s (long enough
/// for a test to look at the half-written folder, then kill the run).
#[derive(Clone, Copy)]
enum Fault {
    Fail(usize, fn() -> std::io::Error),
    Pause(usize),
}

/// Debug builds fail a write after N files when `MINIOGEN_FAULT_AFTER_FILES` is `N` (an
/// injected fault) or `N:ENOSPC` (a full disk), or stop there when it is `N:PAUSE`, so that
/// tests can interrupt a write at a known point; release builds never read it.
fn injected_fault() -> Option<Fault> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let value = std::env::var("MINIOGEN_FAULT_AFTER_FILES").ok()?;
    let (count, kind) = value.split_once(':').unwrap_or((&value, ""));
    let count = count.parse().ok()?;
    let error: fn() -> std::io::Error = match kind {
        "PAUSE" => return Some(Fault::Pause(count)),
        "ENOSPC" => disk_full,
        _ => || std::io::Error::other("injected fault"),
    };
    Some(Fault::Fail(count, error))
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

    fn locked_write(
        dir: &Path,
        files: &[File],
        options: WriteOptions,
    ) -> Result<Option<Written>, FolderError> {
        let (locks, _) = lock_all(&[dir])?;
        let lock = locks
            .get(dir)
            .unwrap_or_else(|| panic!("{} is not locked", dir.display()));
        write(lock, dir, files, options)
    }

    fn file(name: &str, content: &str) -> File {
        File {
            name: name.into(),
            content: content.into(),
        }
    }

    /// A file equal to the render's own is the render's object, taken from memory (here a
    /// value its text would not give, to tell the two apart); an edited one is read as edited.
    #[test]
    fn a_file_equal_to_the_render_gives_the_render_object() {
        let dir = scratch("render");
        let job = |x: &str| Manifest {
            api_version: "job.min.io/v1alpha1".into(),
            kind: "MinIOJob".into(),
            name: "t-buckets-1".into(),
            namespace: "n".into(),
            value: serde_json::json!({"kind": "MinIOJob", "metadata": {"name": "t-buckets-1"}, "x": x}),
        };
        let ours = job("in memory");
        let name = file_name(&ours);
        let files = [file(
            &name,
            "kind: MinIOJob\nmetadata: {name: t-buckets-1}\nx: on disk\n",
        )];
        let render = Render {
            manifests: std::slice::from_ref(&ours),
            files: &files,
        };
        let x = |objects: Vec<Manifest>| -> Vec<String> {
            objects
                .iter()
                .map(|m| m.value["x"].as_str().unwrap_or_default().to_string())
                .collect()
        };
        let probe = job("");
        let read = |render| {
            read_object(&dir, &probe, render)
                .ok()
                .flatten()
                .map(|v| v["x"].clone())
        };
        fs::write(dir.join(&name), &files[0].content).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            x(read_objects_of_kind(&dir, "MinIOJob", render)),
            ["in memory"]
        );
        assert_eq!(read(render), Some("in memory".into()));
        assert_eq!(
            x(read_objects_of_kind(&dir, "MinIOJob", Render::default())),
            ["on disk"]
        );
        assert_eq!(read(Render::default()), Some("on disk".into()));
        let edited = files[0].content.replace("on disk", "edited");
        fs::write(dir.join(&name), edited).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            x(read_objects_of_kind(&dir, "MinIOJob", render)),
            ["edited"]
        );
        assert_eq!(read(render), Some("edited".into()));
        let _ = fs::remove_dir_all(&dir);
    }

    /// The objects of one kind are those `read_objects` finds of that kind in the files
    /// miniogen names after it: none from another kind's file, an edited one as edited.
    #[test]
    fn objects_of_a_kind_are_read_from_the_files_named_after_it() {
        let dir = scratch("of-kind");
        for (name, text) in [
            (
                "miniojob-t-buckets-1.yaml",
                "kind: MinIOJob\nmetadata: {name: t-buckets-1}\n",
            ),
            (
                "miniojob-t-iam-2.yaml",
                "kind: MinIOJob\nmetadata: {name: t-iam-2, x: edited}\n",
            ),
            ("configmap-t.yaml", "kind: ConfigMap\nmetadata: {name: t}\n"),
            ("extra.yaml", "kind: MinIOJob\nmetadata: {name: not-ours}\n"),
        ] {
            fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
        }
        let names: Vec<String> = read_objects_of_kind(&dir, "MinIOJob", Render::default())
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, ["t-buckets-1", "t-iam-2"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn writes_checks_and_removes_orphans_but_keeps_user_files() {
        let root = scratch("cycle");
        let out = root.join("out");
        let first = [file("a.yaml", "a: 1\n"), file("b.yaml", "b: 1\n")];
        assert!(locked_write(&out, &first, WriteOptions::default()).is_ok());
        assert_eq!(check(&out, &first).ok(), Some(vec![]));
        fs::write(out.join("README.md"), "mine\n").unwrap_or_else(|e| panic!("{e}"));
        let second = [file("a.yaml", "a: 2\n")];
        let findings = check(&out, &second).unwrap_or_default();
        assert!(
            matches!(&findings[0], Finding::Differs(n, d) if n == "a.yaml" && d.contains("-a: 1\n+a: 2"))
        );
        assert_eq!(findings[1], Finding::Orphan("b.yaml".into()));
        assert!(locked_write(&out, &second, WriteOptions::default()).is_ok());
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
            locked_write(&out, &files, WriteOptions::default())
                .ok()
                .flatten()
                .map(|w| w.to_string()),
            Some("2 files".into())
        );
        let before = |name: &str| {
            let meta = fs::metadata(out.join(name)).unwrap_or_else(|e| panic!("{e}"));
            (meta.ino(), meta.mtime_nsec(), meta.mtime())
        };
        let seen = [before("a.yaml"), before(STATE_FILE), before(".")];
        assert_eq!(
            locked_write(&out, &files, WriteOptions::default()).ok(),
            Some(None)
        );
        assert_eq!([before("a.yaml"), before(STATE_FILE), before(".")], seen);
        // One changed file: the folder is rewritten as a whole, as before, and says how many
        // of its files changed.
        let changed = [file("a.yaml", "a: 2\n"), file("b.yaml", "b: 1\n")];
        assert_eq!(
            locked_write(&out, &changed, WriteOptions::default())
                .ok()
                .flatten()
                .map(|w| w.to_string()),
            Some("1 of 2 files changed".into())
        );
        assert_ne!(before("a.yaml"), seen[0]);
        assert_eq!(check(&out, &changed).ok(), Some(vec![]));
        let next = [file("a.yaml", "a: 2\n"), file("c.yaml", "c: 1\n")];
        assert_eq!(
            locked_write(&out, &next, WriteOptions::default())
                .ok()
                .flatten()
                .map(|w| w.to_string()),
            Some("1 of 2 files changed (1 new), 1 removed".into())
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn hand_edits_are_refused_and_shown() {
        let root = scratch("edit");
        let out = root.join("out");
        let files = [file("a.yaml", "a: 1\n")];
        assert!(locked_write(&out, &files, WriteOptions::default()).is_ok());
        fs::write(out.join("a.yaml"), "a: 666\n").unwrap_or_else(|e| panic!("{e}"));
        let err = locked_write(&out, &files, WriteOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("edited by hand: `a.yaml` changed since miniogen wrote it"),
            "{err}"
        );
        assert!(err.contains("-a: 666\n+a: 1"), "{err}");
        assert_eq!(
            fs::read_to_string(out.join("a.yaml")).ok().as_deref(),
            Some("a: 666\n")
        );
        let forced = WriteOptions {
            force: true,
            ..WriteOptions::default()
        };
        assert!(locked_write(&out, &files, forced).is_ok());
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
        let err = locked_write(&out, &[file("a.yaml", "ours\n")], WriteOptions::default());
        assert!(matches!(err, Err(FolderError::NotOurs(_))));
        assert_eq!(
            fs::read_to_string(out.join("a.yaml")).ok().as_deref(),
            Some("theirs\n")
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn only_names_miniogen_writes_are_generated_names() {
        for name in [
            "tenant-matrix-minio.yaml",
            "kustomization.yaml",
            "miniojob-matrix-minio-iam-028d1d0d.yaml",
            "consumers/synapse-pod.yaml",
        ] {
            assert!(generated_name(name), "{name}");
        }
        for name in [
            "../victim.txt",
            "/proc/self/environ",
            "consumers/../../x.yaml",
            "../x.yaml",
            "..yaml",
            "a..b.yaml",
            ".miniogen-state.json",
            ".hidden.yaml",
            "NOTES.md",
            "Tenant.yaml",
            "sub/x.yaml",
            "consumers/sub/x.yaml",
            "consumers/",
            "x.yaml\n",
            "",
        ] {
            assert!(!generated_name(name), "{name:?}");
        }
    }

    #[test]
    fn a_path_that_is_a_file_is_refused() {
        let root = scratch("file");
        let out = root.join("out");
        fs::write(&out, "x").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            locked_write(&out, &[file("a.yaml", "a\n")], WriteOptions::default()),
            Err(FolderError::Io { .. })
        ));
        assert_eq!(fs::read_to_string(&out).ok().as_deref(), Some("x"));
        let _ = fs::remove_dir_all(&root);
    }
}
