//! Reading the inputs: built-in or user profiles, the site file, and `--set` overrides.
//!
//! This is the only stage that reads files or the environment. It turns paths and arguments into
//! parsed documents and picks the tier for a CCU; it does not judge what the documents say.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;
use thiserror::Error;

use crate::credentials::{MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, MasterKey};
use crate::diag::{Diagnostic, Location};
use crate::source::{Document, Source, escape_pointer};

/// Inputs larger than this are refused before parsing: a real profile or site file is a few
/// kilobytes, and the bound keeps a stray log or image from costing seconds and memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 20;

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
        text: include_str!("../profiles/100.toml"),
    },
    Builtin {
        ccu: 1000,
        text: include_str!("../profiles/1000.toml"),
    },
    Builtin {
        ccu: 5000,
        text: include_str!("../profiles/5000.toml"),
    },
    Builtin {
        ccu: 10000,
        text: include_str!("../profiles/10000.toml"),
    },
    Builtin {
        ccu: 20000,
        text: include_str!("../profiles/20000.toml"),
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

/// One `--set key.path=value` (or a flag that stands for one).
#[derive(Debug, Clone)]
pub struct SetArg {
    /// The argument as the user typed it, for messages.
    pub text: String,
    /// Path segments; numeric segments may index arrays.
    pub path: Vec<String>,
    /// The value: TOML when it parses as a TOML value, else the literal string.
    pub value: Value,
}

impl SetArg {
    /// Parses `key.path=value`; keys may be quoted (`labels."app.kubernetes.io/part-of"=x`).
    pub fn parse(text: &str) -> Result<Self, Diagnostic> {
        let location = Some(Location::whole(&format!("command line `--set {text}`")));
        let bad = |why: &str| {
            Diagnostic::error(format!("cannot read `--set {text}`: {why}"))
                .at(location.clone())
                .help("write `--set key.path=value`, such as `--set sizing.servers=8`")
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
                '.' if !quoted => path.push(std::mem::take(&mut current)),
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
        })
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
        Location::whole(&format!("command line `--set {}`", self.text))
    }

    /// Writes the value into `doc`, creating tables on the way.
    pub fn apply(&self, doc: &mut Value) -> Result<(), Diagnostic> {
        let mut node = doc;
        for (depth, segment) in self.path.iter().enumerate() {
            let last = depth + 1 == self.path.len();
            let here = self.path[..depth].join(".");
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
                        Diagnostic::error(format!(
                            "`{here}` is an array: `{segment}` is not an index"
                        ))
                        .at(Some(self.location()))
                        .help(format!("write `{here}.0` for its first entry"))
                    })?;
                    let len = items.len();
                    let Some(item) = items.get_mut(index) else {
                        return Err(Diagnostic::error(format!(
                            "`{here}` has {len} entries, so `{index}` is out of range"
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
                        "`{here}` is a value, so `{}` cannot be set inside it",
                        self.path.join(".")
                    ))
                    .at(Some(self.location())));
                }
            };
        }
        Ok(())
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

/// The tier a CCU count runs on, and a note when it is not an exact match.
pub fn select_tier(ccu: u32) -> Result<(Builtin, Option<Diagnostic>), Diagnostic> {
    let largest = BUILTINS[BUILTINS.len() - 1].ccu;
    if ccu == 0 {
        return Err(
            Diagnostic::error("`--ccu 0`: a tenant needs at least one user")
                .at(Some(Location::whole("command line `--ccu`")))
                .help(format!(
                    "built-in tiers serve 1 to {largest} concurrent users"
                )),
        );
    }
    let Some(tier) = BUILTINS.iter().find(|b| b.ccu >= ccu) else {
        return Err(Diagnostic::error(format!(
            "`--ccu {ccu}` is above the largest built-in tier ({largest} CCU)"
        ))
        .at(Some(Location::whole("command line `--ccu`")))
        .help(format!(
            "write a custom profile (start from `miniogen profiles --show {largest} > my-profile.toml`, \
             raise `ccu` and `[sizing]`) and pass it with `--profile my-profile.toml`"
        )));
    };
    let note = (tier.ccu != ccu).then(|| {
        Diagnostic::note(format!(
            "{ccu} CCU uses the built-in {} CCU tier (the smallest tier that serves it)",
            tier.ccu
        ))
    });
    Ok((*tier, note))
}

/// The name a built-in profile is shown under.
#[must_use]
pub fn builtin_name(ccu: u32) -> String {
    format!("built-in profile profiles/{ccu}.toml")
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
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let name = path.display().to_string();
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a directory")));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(LoadError::Invalid(vec![
            Diagnostic::error(format!(
                "`{name}` is {} bytes; inputs are limited to {MAX_INPUT_BYTES} bytes",
                meta.len()
            ))
            .at(Some(Location::whole(&name)))
            .help("pass a miniogen profile or site file, which is a few kilobytes of TOML"),
        ]));
    }
    let bytes = std::fs::read(path).map_err(io)?;
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
pub fn site_document(explicit: Option<&Path>) -> Result<Option<Document>, LoadError> {
    if let Some(path) = explicit {
        return read_document(path).map(Some);
    }
    let path = Path::new(SITE_FILE);
    if path.exists() {
        read_document(path).map(Some)
    } else {
        Ok(None)
    }
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
        (Some(_), Some(_)) => {
            return Err(LoadError::Usage(format!(
                "both `{MASTER_KEY_FILE_ENV}` and `{MASTER_KEY_ENV}` are set; unset one, so \
                 that it is clear which key the credentials come from"
            )));
        }
        (Some(path), None) => {
            let path = PathBuf::from(path);
            std::fs::read(&path).map_err(|source| LoadError::Io { path, source })?
        }
        (None, Some(value)) => value.into_encoded_bytes(),
        (None, None) => {
            return Err(LoadError::Usage(format!(
                "secrets mode `derived` needs a master key: name a file holding it in \
                 `{MASTER_KEY_FILE_ENV}`, or set `{MASTER_KEY_ENV}`; to render without one, \
                 choose another mode with `--secrets-mode`"
            )));
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
        assert!(matches!(both, Err(LoadError::Usage(_))));
        assert!(matches!(none, Err(LoadError::Usage(_))));
        assert!(matches!(missing, Err(LoadError::Io { .. })));
        let Err(LoadError::Invalid(d)) = short else {
            panic!("a short key was accepted")
        };
        let text = crate::diag::render_all(&d);
        assert!(!text.contains("hunter2"), "{text}");
        for e in [both, none, missing].into_iter().filter_map(Result::err) {
            assert!(!e.to_string().contains(secret));
        }
    }

    #[test]
    fn tiers_round_up() {
        let pick = |n| select_tier(n).map(|(t, note)| (t.ccu, note.is_some()));
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
