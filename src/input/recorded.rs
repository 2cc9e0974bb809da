//! The inputs an output folder records: what `gen --out` was given, so that `check --out DIR`
//! alone renders the folder again, and a message can say which command regenerates it.
//!
//! Only what the user typed is recorded (tier, paths, flags, `--set`s, environment), never a
//! credential or a value derived from one: the master key stays in its variable, and options
//! that allow something (`--force`, `--write-plaintext-credentials`) are never recorded. A state
//! file is user-controlled text, so what it records is read back like a command line and more
//! strictly: paths must stay inside the working directory, and sizes are bounded.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::input::cli::Inputs as CliInputs;
use crate::input::load::{Request, SetArg};
use crate::model::diag::{Diagnostic, Location};

/// At most this many `--set`s are read back from a state file.
const MAX_SETS: usize = 256;
/// At most this many bytes in one recorded value.
const MAX_VALUE_BYTES: usize = 4096;

/// The inputs of one `gen --out` run, as `.miniogen-state.json` records them.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// `--ccu`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccu: Option<u32>,
    /// `--profile`, relative to the working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `--config`, relative to the working directory; absent for `miniogen.toml` found there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// `--namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `--storage-class`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// `--secrets-mode`: the mode's name, never a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_mode: Option<String>,
    /// Each `--set`, as typed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<String>,
    /// `--env`; absent when every environment was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

/// Why a command line cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRecordable(pub String);

impl Recorded {
    /// What to record for these command-line inputs, or why they cannot be: a path outside the
    /// working directory would make `check` read outside the repository.
    pub fn from_cli(inputs: &CliInputs) -> Result<Self, NotRecordable> {
        let path = |flag: &str, p: &Option<PathBuf>| -> Result<Option<String>, NotRecordable> {
            p.as_deref().map(|p| recordable_path(flag, p)).transpose()
        };
        Ok(Self {
            ccu: inputs
                .ccu
                .as_deref()
                .and_then(|c| c.trim().parse::<u32>().ok()),
            profile: path("--profile", &inputs.profile)?,
            config: path("--config", &inputs.config)?,
            namespace: inputs.namespace.clone(),
            storage_class: inputs.storage_class.clone(),
            secrets_mode: inputs.secrets_mode.clone(),
            set: inputs.set.clone(),
            env: inputs.env.clone(),
        })
    }

    /// True when the command line gave no input at all, so that `check` uses the recorded ones.
    #[must_use]
    pub fn is_empty(inputs: &CliInputs) -> bool {
        inputs.ccu.is_none()
            && inputs.profile.is_none()
            && inputs.config.is_none()
            && inputs.namespace.is_none()
            && inputs.storage_class.is_none()
            && inputs.secrets_mode.is_none()
            && inputs.set.is_empty()
            && inputs.env.is_none()
    }

    /// The request these recorded inputs stand for, checked like a command line and more: the
    /// paths must lead to files inside the working directory. `state` names the file they come
    /// from, where messages point.
    pub fn request(&self, state: &Path) -> Result<Request, Vec<Diagnostic>> {
        let shown = state.display().to_string();
        let bad = |what: String| {
            Diagnostic::error(format!("`{shown}` records {what}"))
                .at(Some(Location::whole(&shown)))
                .help(
                    "miniogen never records that: give the inputs on the command line, as to \
                     `gen`, and run `gen --out` again to record them",
                )
        };
        let mut problems = Vec::new();
        if self.set.len() > MAX_SETS {
            problems.push(bad(format!(
                "{} `--set`s; at most {MAX_SETS} are read",
                self.set.len()
            )));
        }
        let values = [
            &self.profile,
            &self.config,
            &self.namespace,
            &self.storage_class,
            &self.secrets_mode,
            &self.env,
        ];
        if values
            .iter()
            .filter_map(|v| v.as_deref())
            .chain(self.set.iter().map(String::as_str))
            .any(|v| v.len() > MAX_VALUE_BYTES || v.contains(['\0', '\n', '\r']))
        {
            problems.push(bad(format!(
                "a value longer than {MAX_VALUE_BYTES} bytes or with a line break"
            )));
        }
        // `derived` renders credentials, which a diff would print: a mode only the user chooses,
        // on the command line or in the site file, never one a record chooses for them. Judged
        // on what the `--set`s say once read as miniogen reads them (`"deriv\u0065d"` is
        // `derived`), applied in order, not on their text.
        if self
            .secrets_mode
            .as_deref()
            .is_some_and(|m| m.contains("derived"))
            || sets_choose_derived(&self.set)
        {
            problems.push(bad(
                "secrets mode `derived`, which only the command line or the site file may choose"
                    .into(),
            ));
        }
        for (flag, path) in [("--profile", &self.profile), ("--config", &self.config)] {
            if let Some(path) = path
                && let Err(why) = inside_working_directory(Path::new(path))
            {
                problems.push(bad(format!("`{flag} {path}`, which {why}")));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let inputs = CliInputs {
            ccu: self.ccu.map(|c| c.to_string()),
            profile: self.profile.as_ref().map(PathBuf::from),
            config: self.config.as_ref().map(PathBuf::from),
            namespace: self.namespace.clone(),
            storage_class: self.storage_class.clone(),
            set: self.set.clone(),
            secrets_mode: self.secrets_mode.clone(),
            env: self.env.clone(),
        };
        Request::from_cli(&inputs)
    }

    /// The command that writes `out` from these inputs, to show in messages.
    #[must_use]
    pub fn command(&self, out: &Path) -> String {
        let mut words = vec!["miniogen".to_string(), "gen".to_string()];
        let mut flag = |name: &str, value: Option<&str>| {
            if let Some(value) = value {
                words.push(name.to_string());
                words.push(shell_quote(value));
            }
        };
        let ccu = self.ccu.map(|c| c.to_string());
        flag("--ccu", ccu.as_deref());
        flag("--profile", self.profile.as_deref());
        flag("--config", self.config.as_deref());
        flag("--namespace", self.namespace.as_deref());
        flag("--storage-class", self.storage_class.as_deref());
        flag("--secrets-mode", self.secrets_mode.as_deref());
        for set in &self.set {
            flag("--set", Some(set));
        }
        flag("--env", self.env.as_deref());
        flag("--out", Some(&out.display().to_string()));
        words.join(" ")
    }
}

/// Whether `--set`s, decoded and applied in order to an empty site file, choose secrets mode
/// `derived` for it or for any environment.
fn sets_choose_derived(sets: &[String]) -> bool {
    let mut site = serde_json::Value::Object(serde_json::Map::new());
    for text in sets {
        // One that does not read or apply is refused on its own when the record is used.
        if let Ok(set) = SetArg::parse(text) {
            let _ = set.apply(&mut site);
        }
    }
    let derived = |v: &serde_json::Value| {
        v.pointer("/secrets/mode").and_then(|m| m.as_str()) == Some("derived")
    };
    derived(&site)
        || site
            .get("environments")
            .and_then(serde_json::Value::as_object)
            .is_some_and(|envs| envs.values().any(derived))
}

/// A path as recorded: relative to the working directory, without `..`.
fn recordable_path(flag: &str, path: &Path) -> Result<String, NotRecordable> {
    let cwd = std::env::current_dir().map_err(|e| NotRecordable(e.to_string()))?;
    let relative = if path.is_absolute() {
        path.strip_prefix(&cwd).map_err(|_| {
            NotRecordable(format!(
                "`{flag} {}` is outside the working directory",
                path.display()
            ))
        })?
    } else {
        path
    };
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(NotRecordable(format!(
            "`{flag} {}` leaves the working directory",
            path.display()
        )));
    }
    relative
        .to_str()
        .map(str::to_string)
        .ok_or_else(|| NotRecordable(format!("`{flag}` is not UTF-8")))
}

/// Whether a recorded path names a place inside the working directory, symbolic links
/// resolved; `Err` says why not.
fn inside_working_directory(path: &Path) -> Result<(), String> {
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err("is not a path inside the working directory".into());
    }
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot be resolved: {e}"))?;
    match std::fs::canonicalize(path) {
        Ok(real) if real.starts_with(&cwd) => Ok(()),
        Ok(_) => Err("leads outside the working directory through a symbolic link".into()),
        // A missing file is reported when it is read, with its path.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot be resolved: {e}")),
    }
}

/// A word as a POSIX shell reads it back: bare when plain, in single quotes otherwise.
#[must_use]
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '=' | ',')
        })
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_quote_what_a_shell_would_split() {
        let r = Recorded {
            ccu: Some(5000),
            set: vec!["rclone.schedule=0 * * * *".into(), "namespace=it's".into()],
            env: Some("staging".into()),
            ..Recorded::default()
        };
        assert_eq!(
            r.command(Path::new("out")),
            "miniogen gen --ccu 5000 --set 'rclone.schedule=0 * * * *' --set 'namespace=it'\\''s' \
             --env staging --out out"
        );
    }

    #[test]
    fn recorded_paths_stay_inside_the_working_directory() {
        let state = Path::new("out/.miniogen-state.json");
        for path in ["/etc/passwd", "../secret.toml", "a/../../b.toml", ""] {
            let r = Recorded {
                config: Some(path.into()),
                ..Recorded::default()
            };
            if path.is_empty() {
                continue;
            }
            let Err(problems) = r.request(state) else {
                panic!("`{path}` was accepted");
            };
            let text = crate::model::diag::render_all(&problems);
            assert!(text.contains("out/.miniogen-state.json"), "{text}");
        }
        let fine = Recorded {
            config: Some("miniogen.toml".into()),
            ccu: Some(100),
            ..Recorded::default()
        };
        assert!(fine.request(state).is_ok());
        assert!(recordable_path("--config", Path::new("../x.toml")).is_err());
        assert!(recordable_path("--config", Path::new("/elsewhere/x.toml")).is_err());
        assert_eq!(
            recordable_path("--config", Path::new("deploy/miniogen.toml")),
            Ok("deploy/miniogen.toml".into())
        );
    }

    #[test]
    fn recorded_values_are_bounded_and_checked_like_flags() {
        let state = Path::new("s.json");
        let many = Recorded {
            set: vec!["a=b".into(); MAX_SETS + 1],
            ..Recorded::default()
        };
        assert!(many.request(state).is_err());
        let long = Recorded {
            namespace: Some("x".repeat(MAX_VALUE_BYTES + 1)),
            ..Recorded::default()
        };
        assert!(long.request(state).is_err());
        let bad_set = Recorded {
            set: vec!["novalue".into()],
            ..Recorded::default()
        };
        assert!(bad_set.request(state).is_err());
        // A record never chooses the mode that renders credentials.
        for derived in [
            Recorded {
                secrets_mode: Some("derived".into()),
                ..Recorded::default()
            },
            Recorded {
                set: vec!["secrets.\"mode\"=derived".into()],
                ..Recorded::default()
            },
            Recorded {
                set: vec!["environments.prod.secrets={mode = \"derived\"}".into()],
                ..Recorded::default()
            },
            // A TOML escape spells it without the word.
            Recorded {
                set: vec!["secrets.mode=\"deriv\\u0065d\"".into()],
                ..Recorded::default()
            },
            Recorded {
                set: vec!["environments={prod={secrets={mode=\"\\u0064erived\"}}}".into()],
                ..Recorded::default()
            },
        ] {
            let Err(problems) = derived.request(state) else {
                panic!("{derived:?} was accepted");
            };
            assert!(crate::model::diag::render_all(&problems).contains("`derived`"));
        }
        for other in [
            vec!["tenant.name=derived-name".to_string()],
            // Chosen, then replaced by a later `--set`: what applies is not `derived`.
            vec![
                "secrets.mode=derived".to_string(),
                "secrets.mode=existing".to_string(),
            ],
        ] {
            let other = Recorded {
                set: other,
                ..Recorded::default()
            };
            assert!(other.request(state).is_ok(), "{other:?}");
        }
        // Unknown fields (an option miniogen never records) are refused when read.
        assert!(serde_json::from_str::<Recorded>(r#"{"force": true}"#).is_err());
    }
}
