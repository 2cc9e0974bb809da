//! Reading the inputs: built-in or user profiles, the site file, and `--set` overrides.
//!
//! This is the only stage that reads files or the environment. It turns paths and arguments into
//! parsed documents and picks the tier for a CCU; it does not judge what the documents say.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;
use thiserror::Error;

use crate::input::source::{Document, MAX_DEPTH, Source, escape_pointer};
use crate::model::credentials::{MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, MasterKey};
use crate::model::diag::{Diagnostic, Location, excerpt};

/// How many characters of an argument or variable a message quotes: enough to recognise it,
/// and a value of a megabyte is not repeated in every message about it.
pub const SHOWN_CHARS: usize = 100;

/// Inputs larger than this are refused before parsing: a real profile or site file is a few
/// kilobytes, and the bound keeps a stray log or image from costing seconds and memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 20;

/// A master key file larger than this is refused unread: a key is tens of bytes.
pub const MAX_KEY_BYTES: u64 = 4096;

/// Why a bounded read gave no bytes.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The path is a device, FIFO, socket or folder: its size says nothing about what a read
    /// returns (`/dev/zero` never ends, a FIFO blocks until a writer comes).
    #[error("not a regular file but {kind}")]
    NotRegular {
        /// What it is, such as `a character device`.
        kind: &'static str,
    },
    /// The file holds more than the limit.
    #[error("{}, more than the {limit} bytes allowed", match size { Some(s) => format!("{s} bytes"), None => "it grew while read".to_string() })]
    TooLarge {
        /// Its size when known; `None` when it grew past the limit while it was read.
        size: Option<u64>,
        /// The limit.
        limit: u64,
    },
    /// The file could not be opened or read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<ReadError> for std::io::Error {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Io(e) => e,
            ReadError::TooLarge { .. } => Self::new(std::io::ErrorKind::FileTooLarge, e),
            ReadError::NotRegular { .. } => Self::new(std::io::ErrorKind::InvalidInput, e),
        }
    }
}

/// Reads the regular file at `path` (following links), refusing anything else and any file over
/// `limit` bytes. Every input file is read through here: a path in a hostile repository can name
/// `/dev/zero`, a FIFO, or a link to either, and each would otherwise grow memory without end or
/// block forever.
///
/// The path is checked before it is opened, so that a device is never opened at all; then opened
/// non-blocking and without becoming a controlling terminal, and checked again through the open
/// handle, in case the path was swapped in between; then read through `take(limit + 1)`, so that a
/// file that grows (or a `/proc` file, which claims 0 bytes) still stops at the limit.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    regular(&std::fs::metadata(path)?, limit)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
        options.custom_flags(flags.bits().cast_signed());
    }
    let file = options.open(path)?;
    let size = regular(&file.metadata()?, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: None, limit });
    }
    Ok(bytes)
}

/// The size of a regular file within the limit, else why not.
fn regular(meta: &std::fs::Metadata, limit: u64) -> Result<u64, ReadError> {
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(ReadError::NotRegular {
            kind: file_kind(kind),
        });
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: Some(meta.len()),
            limit,
        });
    }
    Ok(meta.len())
}

/// What a file that is not a regular one is, as in "not a regular file but {}".
#[must_use]
pub fn file_kind(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// The file a site file is looked up as in the working directory.
pub const SITE_FILE: &str = "miniogen.toml";

/// A built-in profile: one row of the runbook's scaling table.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// The largest CCU it serves.
    pub ccu: u32,
    /// Its TOML text.
    pub text: &'static str,
}

/// The built-in profiles, smallest tier first.
pub const BUILTINS: [Builtin; 5] = [
    Builtin {
        ccu: 100,
        text: include_str!("../../profiles/100.toml"),
    },
    Builtin {
        ccu: 1000,
        text: include_str!("../../profiles/1000.toml"),
    },
    Builtin {
        ccu: 5000,
        text: include_str!("../../profiles/5000.toml"),
    },
    Builtin {
        ccu: 10000,
        text: include_str!("../../profiles/10000.toml"),
    },
    Builtin {
        ccu: 20000,
        text: include_str!("../../profiles/20000.toml"),
    },
];

/// A failure to read inputs.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The input is wrong (exit 1).
    #[error("invalid input")]
    Invalid(Vec<Diagnostic>),
    /// A file could not be read (exit 2).
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The command line is incomplete (exit 2).
    #[error("{0}")]
    Usage(String),
}

/// One `--set key.path=value` (or a flag or an Argo CD parameter that stands for one).
#[derive(Debug, Clone)]
pub struct SetArg {
    /// The argument as the user typed it, for messages.
    pub text: String,
    /// Path segments; numeric segments may index arrays.
    pub path: Vec<String>,
    /// The value: TOML when it parses as a TOML value, else the literal string.
    pub value: Value,
    /// Where the user gave it, such as ``command line `--set a=b` ``: what messages point at.
    pub origin: String,
}

impl SetArg {
    /// Parses `key.path=value` from the command line; keys may be quoted
    /// (`labels."app.kubernetes.io/part-of"=x`).
    pub fn parse(text: &str) -> Result<Self, Diagnostic> {
        let shown = excerpt(text, SHOWN_CHARS);
        Self::parse_from(
            text,
            &format!("--set {shown}"),
            &format!("command line `--set {shown}`"),
            "write `--set key.path=value`, such as `--set sizing.servers=8`",
        )
    }

    /// Parses `key.path=value` given elsewhere: `shown` is how messages quote it, `origin` where
    /// they point, and `help` how to write it there.
    pub fn parse_from(
        text: &str,
        shown: &str,
        origin: &str,
        help: &str,
    ) -> Result<Self, Diagnostic> {
        let location = Some(Location::whole(origin));
        let bad = |why: &str| {
            Diagnostic::error(format!("cannot read `{shown}`: {why}"))
                .at(location.clone())
                .help(help)
        };
        let mut path = Vec::new();
        let mut current = String::new();
        let mut quoted = false;
        let mut chars = text.char_indices();
        let mut value_start = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => quoted = !quoted,
                '\\' if quoted => {
                    if let Some((_, next)) = chars.next() {
                        current.push(next);
                    }
                }
                '.' if !quoted => {
                    path.push(std::mem::take(&mut current));
                    if path.len() >= MAX_DEPTH {
                        return Err(bad(&format!(
                            "the key has more than {MAX_DEPTH} segments, deeper than any key \
                             of the site file"
                        )));
                    }
                }
                '=' if !quoted => {
                    path.push(std::mem::take(&mut current));
                    value_start = Some(i + 1);
                    break;
                }
                _ => current.push(c),
            }
        }
        let Some(start) = value_start else {
            return Err(bad("no `=`"));
        };
        if quoted {
            return Err(bad("unclosed quote in the key"));
        }
        if path.iter().any(String::is_empty) {
            return Err(bad("empty key segment"));
        }
        let raw = &text[start..];
        Ok(Self {
            text: text.into(),
            path,
            value: set_value(raw),
            origin: origin.into(),
        })
    }

    /// A string value for a key, as a flag that stands for one gives it (`--namespace NS`): never
    /// read as TOML, so `--namespace 8` is the string `8`.
    #[must_use]
    pub fn string(path: &[&str], value: &str, text: &str, origin: &str) -> Self {
        Self {
            text: text.into(),
            path: path.iter().map(|s| (*s).to_string()).collect(),
            value: Value::String(value.into()),
            origin: origin.into(),
        }
    }

    /// The JSON Pointer of the key, given the document it applies to (arrays take indices).
    #[must_use]
    pub fn pointer(&self) -> String {
        self.path.iter().fold(String::new(), |mut out, s| {
            out.push('/');
            out.push_str(&escape_pointer(s));
            out
        })
    }

    /// Where messages about this override point.
    #[must_use]
    pub fn location(&self) -> Location {
        Location::whole(&self.origin)
    }

    /// Writes the value into `doc`, creating tables on the way.
    pub fn apply(&self, doc: &mut Value) -> Result<(), Diagnostic> {
        let mut node = doc;
        for (depth, segment) in self.path.iter().enumerate() {
            let last = depth + 1 == self.path.len();
            let here = || self.path[..depth].join(".");
            node = match node {
                Value::Object(map) => {
                    if last {
                        map.insert(segment.clone(), self.value.clone());
                        return Ok(());
                    }
                    map.entry(segment.clone())
                        .or_insert_with(|| Value::Object(serde_json::Map::new()))
                }
                Value::Array(items) => {
                    let index: usize = segment.parse().map_err(|_| {
                        let here = here();
                        Diagnostic::error(format!(
                            "`{here}` is an array: `{}` is not an index",
                            excerpt(segment, SHOWN_CHARS)
                        ))
                        .at(Some(self.location()))
                        .help(format!("write `{here}.0` for its first entry"))
                    })?;
                    let len = items.len();
                    let Some(item) = items.get_mut(index) else {
                        return Err(Diagnostic::error(format!(
                            "`{}` has {len} entries, so `{index}` is out of range",
                            here()
                        ))
                        .at(Some(self.location()))
                        .help("add the entry in the site file first"));
                    };
                    if last {
                        *item = self.value.clone();
                        return Ok(());
                    }
                    item
                }
                _ => {
                    return Err(Diagnostic::error(format!(
                        "`{}` is a value, so `{}` cannot be set inside it",
                        here(),
                        excerpt(&self.path.join("."), SHOWN_CHARS)
                    ))
                    .at(Some(self.location())));
                }
            };
        }
        Ok(())
    }
}

/// Which front end a request came from, so that messages name what the user can change there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `miniogen gen`, `check`, `plan` and `secrets`.
    CommandLine,
    /// `miniogen argocd generate`: Argo CD's parameters and plugin variables.
    ArgoCd,
}

/// What to compile, from the command line or from Argo CD's variables. Flags that stand for a
/// site key (`--namespace`) are `SetArg`s here already, so that one mechanism layers every
/// override.
#[derive(Debug, Clone)]
pub struct Request {
    /// The CCU asked for, if any.
    pub ccu: Option<CcuArg>,
    /// A custom profile instead of a built-in tier.
    pub profile: Option<PathBuf>,
    /// The site file; `miniogen.toml` in the working directory when not given.
    pub config: Option<PathBuf>,
    /// The environment of the site file to render.
    pub env: Option<String>,
    /// Overrides of site keys, in the order they apply.
    pub sets: Vec<SetArg>,
    /// Where the request came from.
    pub surface: Surface,
}

impl Request {
    /// The request of `gen`, `check`, `plan` and `secrets`; every unreadable `--ccu` or `--set`
    /// is reported.
    pub fn from_cli(args: &crate::input::cli::Inputs) -> Result<Self, Vec<Diagnostic>> {
        // A flag that stands for a site key is a string value, never read as TOML, and messages
        // point at the flag the user typed, not at the `--set` it stands for.
        let flags = [
            ("--namespace", &["namespace"][..], &args.namespace),
            (
                "--storage-class",
                &["tenant", "storage_class"][..],
                &args.storage_class,
            ),
            (
                "--secrets-mode",
                &["secrets", "mode"][..],
                &args.secrets_mode,
            ),
        ];
        let mut sets = Vec::new();
        for (flag, path, value) in flags {
            if let Some(value) = value {
                sets.push(SetArg::string(
                    path,
                    value,
                    &format!("{}={value}", path.join(".")),
                    &format!(
                        "command line `{flag} {}`",
                        excerpt(&shell_word(value), SHOWN_CHARS)
                    ),
                ));
            }
        }
        let mut bad = Vec::new();
        for text in &args.set {
            match SetArg::parse(text) {
                Ok(set) => sets.push(set),
                Err(d) => bad.push(d),
            }
        }
        let ccu = match args.ccu.as_deref().map(CcuArg::parse_flag).transpose() {
            Ok(ccu) => ccu,
            Err(d) => {
                bad.insert(0, d);
                None
            }
        };
        if !bad.is_empty() {
            return Err(bad);
        }
        Ok(Self {
            ccu,
            profile: args.profile.clone(),
            config: args.config.clone(),
            env: args.env.clone(),
            sets,
            surface: Surface::CommandLine,
        })
    }
}

/// A value as a shell would need it written: bare when it is a plain word, quoted otherwise.
fn shell_word(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@'))
    {
        value.to_string()
    } else {
        format!("{value:?}")
    }
}

/// A `--set` value is TOML when it reads as one TOML value (`8`, `true`, `"8"`, `["a"]`), and
/// otherwise the literal text, so that `--set namespace=prod` needs no quotes.
fn set_value(raw: &str) -> Value {
    if raw.contains('\n') {
        return Value::String(raw.into());
    }
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or_else(|| Value::String(raw.into()))
}

/// A CCU count and where the user gave it, so that a message can quote and point at it.
#[derive(Debug, Clone)]
pub struct CcuArg {
    /// The count.
    pub value: u32,
    /// How messages quote it, such as `--ccu 0` or `PARAM_CCU=0`.
    pub shown: String,
    /// Where messages point.
    pub location: Location,
}

impl CcuArg {
    /// A count given with `--ccu`.
    #[must_use]
    pub fn flag(value: u32) -> Self {
        Self {
            value,
            shown: format!("--ccu {value}"),
            location: Location::whole("command line `--ccu`"),
        }
    }

    /// A count given with `--ccu` as text: a whole number, or an error that points at it.
    pub fn parse_flag(text: &str) -> Result<Self, Diagnostic> {
        let trimmed = text.trim();
        if let Ok(value) = trimmed.parse::<u32>() {
            return Ok(Self::flag(value));
        }
        let largest = BUILTINS[BUILTINS.len() - 1].ccu;
        let shown = shell_word(&excerpt(text, SHOWN_CHARS));
        let why = if trimmed.parse::<i64>().is_ok_and(|n| n < 0) {
            "a tenant needs at least one user".to_string()
        } else {
            format!("`{shown}` is not a number of concurrent users")
        };
        Err(Diagnostic::error(format!("`--ccu {shown}`: {why}"))
            .at(Some(Location::whole("command line `--ccu`")))
            .help(format!(
                "give a whole number such as `--ccu 5000`; built-in tiers serve 1 to {largest} \
                 concurrent users"
            )))
    }
}

/// The tier a CCU count runs on, and a note when it is not an exact match.
pub fn select_tier(ccu: &CcuArg) -> Result<(Builtin, Option<Diagnostic>), Diagnostic> {
    let largest = BUILTINS[BUILTINS.len() - 1].ccu;
    let shown = &ccu.shown;
    if ccu.value == 0 {
        return Err(
            Diagnostic::error(format!("`{shown}`: a tenant needs at least one user"))
                .at(Some(ccu.location.clone()))
                .help(format!(
                    "built-in tiers serve 1 to {largest} concurrent users"
                )),
        );
    }
    let Some(tier) = BUILTINS.iter().find(|b| b.ccu >= ccu.value) else {
        return Err(Diagnostic::error(format!(
            "`{shown}` is above the largest built-in tier ({largest} CCU)"
        ))
        .at(Some(ccu.location.clone()))
        .help(format!(
            "write a custom profile (start from `miniogen profiles --show {largest} > my-profile.toml`, \
             raise `ccu` and `[sizing]`) and pass it with `--profile my-profile.toml`, or ask for \
             {largest} CCU and raise `[sizing]` in the site file"
        )));
    };
    let note = (tier.ccu != ccu.value).then(|| {
        Diagnostic::note(format!(
            "{} CCU uses the built-in {} CCU tier (the smallest tier that serves it)",
            ccu.value, tier.ccu
        ))
    });
    Ok((*tier, note))
}

/// The name a built-in profile is shown under.
#[must_use]
pub fn builtin_name(ccu: u32) -> String {
    format!("built-in profile profiles/{ccu}.toml")
}

/// A built-in profile, parsed once per process: the environments of a fleet share their tier's.
pub fn builtin_shared(tier: Builtin) -> Result<std::sync::Arc<Document>, LoadError> {
    static PARSED: [std::sync::OnceLock<std::sync::Arc<Document>>; BUILTINS.len()] =
        [const { std::sync::OnceLock::new() }; BUILTINS.len()];
    let Some(cell) = BUILTINS
        .iter()
        .position(|b| b.ccu == tier.ccu)
        .and_then(|i| PARSED.get(i))
    else {
        return builtin_document(tier).map(std::sync::Arc::new);
    };
    if let Some(doc) = cell.get() {
        return Ok(std::sync::Arc::clone(doc));
    }
    let doc = std::sync::Arc::new(builtin_document(tier)?);
    Ok(std::sync::Arc::clone(cell.get_or_init(|| doc)))
}

/// Parses the text of a built-in profile.
pub fn builtin_document(tier: Builtin) -> Result<Document, LoadError> {
    Document::parse(Source {
        name: builtin_name(tier.ccu),
        text: tier.text.into(),
    })
    .map_err(LoadError::Invalid)
}

/// Reads and parses a TOML file, refusing oversized or non-UTF-8 input with a located message.
pub fn read_document(path: &Path) -> Result<Document, LoadError> {
    read_named(path, path)
}

/// `read_document` of the file at `real`, which messages call `path`.
fn read_named(path: &Path, real: &Path) -> Result<Document, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let name = path.display().to_string();
    let bytes = match read_bounded(real, MAX_INPUT_BYTES) {
        Ok(bytes) => bytes,
        Err(ReadError::TooLarge { size, limit }) => {
            let size = size.map_or_else(|| format!("more than {limit}"), |s| s.to_string());
            return Err(LoadError::Invalid(vec![
                Diagnostic::error(format!(
                    "`{name}` is {size} bytes; inputs are limited to {limit} bytes"
                ))
                .at(Some(Location::whole(&name)))
                .help("pass a miniogen profile or site file, which is a few kilobytes of TOML"),
            ]));
        }
        Err(e) => return Err(io(e.into())),
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let text = format!("{prefix}\u{fffd}");
            return Err(LoadError::Invalid(vec![
                Diagnostic::error("not UTF-8 text")
                    .at(Some(Location::from_span(&name, &text, valid..valid + 1)))
                    .label("invalid byte here")
                    .help("TOML files are UTF-8; is this the right file?"),
            ]));
        }
    };
    Document::parse(Source { name, text }).map_err(LoadError::Invalid)
}

/// Finds the site file: the one given, else `miniogen.toml` in the working directory, else none.
///
/// A repository may hold `miniogen.toml` as a symbolic link to anything its checkout can read
/// (`/proc/self/environ`, a credentials file CI wrote beside it): a site file inside the working
/// directory that leads outside it through a link is refused unread, as is a link to nothing.
/// A path outside the working directory that the user typed is read as given.
pub fn site_document(explicit: Option<&Path>) -> Result<Option<Document>, LoadError> {
    let path = explicit.unwrap_or(Path::new(SITE_FILE));
    // A link to nothing is no absent file: `symlink_metadata`, unlike `exists`, sees the link.
    if explicit.is_none()
        && std::fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    {
        return Ok(None);
    }
    let real = confined(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_named(path, &real).map(Some)
}

/// The path to read for `path`: its real path when it lies inside the working directory, else
/// why it may not be read. A path that lies outside as written (`../site.toml`, an absolute one)
/// is the user's choice and is returned as it is.
fn confined(path: &Path) -> std::io::Result<PathBuf> {
    use std::path::Component;
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize)?;
    // The path as written, made absolute without following anything.
    let mut written = cwd.clone();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                written.pop();
            }
            Component::CurDir => {}
            other => written.push(other),
        }
    }
    if !written.starts_with(&cwd) {
        return Ok(path.to_path_buf());
    }
    match std::fs::canonicalize(path) {
        Ok(real) if real.starts_with(&cwd) => Ok(real),
        Ok(_) => Err(std::io::Error::other(
            "it leads outside the working directory through a symbolic link, so it is not read",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match std::fs::symlink_metadata(path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    Err(std::io::Error::other("it is a symbolic link to nothing"))
                }
                _ => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Whether miniogen runs as a pre-commit hook: pre-commit sets `PRE_COMMIT=1` for every hook it
/// runs (pre-commit 4.x, `pre_commit/commands/run.py`), and on a commit it runs them on the
/// staged files alone, unstaged changes stashed away. A folder regenerated but not staged is
/// then stale to the hook, and the fix is `git add`, not another `gen`.
#[must_use]
pub fn under_pre_commit() -> bool {
    std::env::var_os("PRE_COMMIT").is_some_and(|v| v == "1")
}

/// The master key of `derived` mode, from the file named by `MINIOGEN_MASTER_KEY_FILE` or from
/// `MINIOGEN_MASTER_KEY`. There is no flag: a key on the command line lands in shell history
/// and process lists.
pub fn master_key() -> Result<MasterKey, LoadError> {
    master_key_from(
        std::env::var_os(MASTER_KEY_FILE_ENV),
        std::env::var_os(MASTER_KEY_ENV),
    )
}

/// `master_key` with the two variables' values given.
pub fn master_key_from(
    file: Option<OsString>,
    inline: Option<OsString>,
) -> Result<MasterKey, LoadError> {
    let bytes = match (file, inline) {
        // Missing or ambiguous, the key is input like a short one: invalid input (exit 1).
        (Some(_), Some(_)) => {
            return Err(LoadError::Invalid(vec![
                Diagnostic::error(format!(
                    "both `{MASTER_KEY_FILE_ENV}` and `{MASTER_KEY_ENV}` are set"
                ))
                .help("unset one, so that it is clear which key the credentials come from"),
            ]));
        }
        (Some(path), None) => {
            let path = PathBuf::from(path);
            read_bounded(&path, MAX_KEY_BYTES).map_err(|e| LoadError::Io {
                path,
                source: e.into(),
            })?
        }
        (None, Some(value)) => value.into_encoded_bytes(),
        (None, None) => {
            return Err(LoadError::Invalid(vec![
                Diagnostic::error("secrets mode `derived` needs a master key").help(format!(
                    "name a file holding it in `{MASTER_KEY_FILE_ENV}`, or set \
                     `{MASTER_KEY_ENV}`; to render without one, choose another mode with \
                     `--secrets-mode`"
                )),
            ]));
        }
    };
    MasterKey::new(&bytes).map_err(|e| {
        LoadError::Invalid(vec![Diagnostic::error(e.to_string()).help(format!(
            "make one with `head -c 32 /dev/urandom | base64 > master.key` and set \
             `{MASTER_KEY_FILE_ENV}=master.key`"
        ))])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn master_keys_come_from_one_place_and_are_never_shown() {
        let secret = "correct horse battery staple, very long";
        let inline = master_key_from(None, Some(secret.into()));
        assert!(inline.is_ok());
        let both = master_key_from(Some("k".into()), Some(secret.into()));
        let none = master_key_from(None, None);
        let short = master_key_from(None, Some("hunter2".into()));
        let missing = master_key_from(Some("/nonexistent/miniogen.key".into()), None);
        // Missing, ambiguous or short, the key is invalid input; only an unreadable file is IO.
        assert!(matches!(both, Err(LoadError::Invalid(_))));
        assert!(matches!(none, Err(LoadError::Invalid(_))));
        assert!(matches!(missing, Err(LoadError::Io { .. })));
        let Err(LoadError::Invalid(d)) = short else {
            panic!("a short key was accepted")
        };
        let text = crate::model::diag::render_all(&d);
        assert!(!text.contains("hunter2"), "{text}");
        for e in [both, none, missing].into_iter().filter_map(Result::err) {
            let text = match e {
                LoadError::Invalid(d) => crate::model::diag::render_all(&d),
                other => other.to_string(),
            };
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn reads_stop_at_the_limit_whatever_the_size_claims() {
        // `/proc` files claim 0 bytes: only the bounded read stops them.
        let proc = Path::new("/proc/self/status");
        if proc.exists() {
            assert!(matches!(
                read_bounded(proc, 16),
                Err(ReadError::TooLarge { size: None, .. })
            ));
            assert!(read_bounded(proc, MAX_INPUT_BYTES).is_ok());
        }
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert!(matches!(
            read_bounded(&manifest, 16),
            Err(ReadError::TooLarge { size: Some(_), .. })
        ));
        assert!(matches!(
            read_bounded(Path::new("/dev/null"), 16),
            Err(ReadError::NotRegular {
                kind: "a character device"
            })
        ));
        assert!(matches!(
            read_bounded(Path::new(env!("CARGO_MANIFEST_DIR")), 16),
            Err(ReadError::NotRegular {
                kind: "a directory"
            })
        ));
    }

    #[test]
    fn tiers_round_up() {
        let pick = |n| select_tier(&CcuArg::flag(n)).map(|(t, note)| (t.ccu, note.is_some()));
        assert_eq!(pick(100).ok(), Some((100, false)));
        assert_eq!(pick(3000).ok(), Some((5000, true)));
        assert_eq!(pick(20000).ok(), Some((20000, false)));
        assert!(pick(20001).is_err());
        assert!(pick(0).is_err());
    }

    #[test]
    fn set_values_are_typed_like_toml() {
        let set = |t| SetArg::parse(t).map(|s| (s.path, s.value)).ok();
        assert_eq!(
            set("sizing.servers=8"),
            Some((vec!["sizing".into(), "servers".into()], json!(8)))
        );
        assert_eq!(set("tenant.tls=false").map(|s| s.1), Some(json!(false)));
        assert_eq!(set("namespace=prod").map(|s| s.1), Some(json!("prod")));
        assert_eq!(set("namespace=\"8\"").map(|s| s.1), Some(json!("8")));
        assert_eq!(
            set("prometheus.labels.\"app.kubernetes.io/x\"=y").map(|s| s.0),
            Some(vec![
                "prometheus".into(),
                "labels".into(),
                "app.kubernetes.io/x".into()
            ])
        );
        assert!(SetArg::parse("novalue").is_err());
        assert!(SetArg::parse("a..b=1").is_err());
    }

    #[test]
    fn set_applies_into_tables_and_arrays() {
        let mut doc = json!({"pools": [{"name": "pool-1"}]});
        let apply = |doc: &mut Value, t: &str| SetArg::parse(t).and_then(|s| s.apply(doc));
        assert!(apply(&mut doc, "pools.0.servers=8").is_ok());
        assert!(apply(&mut doc, "tenant.name=x").is_ok());
        assert_eq!(
            doc,
            json!({"pools": [{"name": "pool-1", "servers": 8}], "tenant": {"name": "x"}})
        );
        assert!(apply(&mut doc, "pools.5.servers=8").is_err());
        assert!(apply(&mut doc, "tenant.name.x=1").is_err());
    }

    #[test]
    fn builtin_profiles_parse() {
        for b in BUILTINS {
            assert!(builtin_document(b).is_ok(), "{}", b.ccu);
        }
    }
}
