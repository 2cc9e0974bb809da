//! Writing results: the YAML stream and text on stdout.
//!
//! The only stage that writes. Output is built whole in memory first, so an error never leaves a
//! half-written stream, and a reader that closes the pipe early (`| head`) ends the run quietly.

use std::io::Write as _;

use thiserror::Error;

use crate::model::diag::unsafe_in_terminal;
use crate::output::terminal;
use crate::plan::outputs::FRAGMENT_DIR;
use crate::post::{Fragment, Manifest};

/// Output could not be produced or written.
#[derive(Debug, Error)]
pub enum SinkError {
    /// The YAML writer refused a value; a bug, since every value came from a parsed document.
    #[error("cannot write `{kind}` `{name}` as YAML: {message}")]
    Yaml {
        /// Object kind.
        kind: String,
        /// Object name.
        name: String,
        /// Cause.
        message: String,
    },
    /// stdout failed for a reason other than a closed pipe.
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),
}

fn yaml_options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        // Multi-line values (config.env, rclone.conf) become literal blocks; long one-line values
        // stay on one line instead of being folded, so that diffs show exactly what changed.
        folded_wrap_chars: usize::MAX,
    }
}

/// One object as YAML. serde-saphyr quotes every string a YAML 1.1 reader such as kubectl would
/// otherwise take for a boolean, number or timestamp (`on`, `no`, `12:30`).
pub fn object_yaml(manifest: &Manifest) -> Result<String, SinkError> {
    let yaml =
        serde_saphyr::to_string_with_options(&manifest.value, yaml_options()).map_err(|e| {
            SinkError::Yaml {
                kind: manifest.kind.clone(),
                name: manifest.name.clone(),
                message: e.to_string(),
            }
        })?;
    printable(yaml, &manifest.kind, &manifest.name)
}

/// A consumer fragment as a file: a comment saying where it goes, then its YAML.
pub fn fragment_file(fragment: &Fragment, header: &str) -> Result<String, SinkError> {
    let yaml =
        serde_saphyr::to_string_with_options(&fragment.value, yaml_options()).map_err(|e| {
            SinkError::Yaml {
                kind: "fragment".into(),
                name: fragment.file.into(),
                message: e.to_string(),
            }
        })?;
    printable(
        format!(
            "# {header}\n# For {}: merge it in. Not a Kubernetes object, so not in the manifests.\n{yaml}",
            fragment.purpose
        ),
        "fragment",
        fragment.file,
    )
}

/// The path of a fragment inside an output folder.
#[must_use]
pub fn fragment_path(fragment: &Fragment) -> String {
    format!("{FRAGMENT_DIR}/{}", fragment.file)
}

/// What `miniogen consumers` prints: every fragment, each opened by its path.
pub fn fragments(fragments: &[Fragment], header: &str) -> Result<String, SinkError> {
    let mut out = String::new();
    for f in fragments {
        out.push_str("# ");
        out.push_str(&fragment_path(f));
        out.push('\n');
        out.push_str(&fragment_file(f, header)?);
        out.push('\n');
    }
    Ok(out)
}

/// The multi-document stream `miniogen gen` prints.
pub fn stream(manifests: &[Manifest]) -> Result<String, SinkError> {
    let mut out = String::new();
    for m in manifests {
        out.push_str("---\n");
        out.push_str(&object_yaml(m)?);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

/// Writes `text` (a stream, a report, a diff) to stdout at once, escaped for the terminal
/// (`terminal::text`; JSON comes escaped already, by `terminal::json`, so that it stays JSON). A
/// closed pipe is not an error: the reader has what it wanted.
pub fn print(text: &str) -> Result<(), SinkError> {
    write_stdout(&terminal::text(text), false)
}

/// Writes `text` to stdout at once, escaped as `print` does; unlike `print`, a closed pipe is an
/// error too, for readers that must never take a cut stream for a whole one.
pub fn print_all(text: &str) -> Result<(), SinkError> {
    write_stdout(&terminal::text(text), true)
}

fn write_stdout(text: &str, whole: bool) -> Result<(), SinkError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if whole || e.kind() != std::io::ErrorKind::BrokenPipe => Err(SinkError::Stdout(e)),
        _ => Ok(()),
    }
}

/// Refuses YAML holding a character that could drive a terminal: the YAML writer escapes
/// control characters in quoted strings, but writes format characters (U+202E) as they are, and
/// escaping them afterwards would change the value. Every string a render holds passed a format
/// that refuses them, so this is a bug when it happens, and the fuzz target looks for it.
fn printable(yaml: String, kind: &str, name: &str) -> Result<String, SinkError> {
    match yaml.chars().find(|c| unsafe_in_terminal(*c)) {
        None => Ok(yaml),
        Some(c) => Err(SinkError::Yaml {
            kind: kind.into(),
            name: name.into(),
            message: format!(
                "it would hold the character U+{:04X}, which could drive a terminal",
                u32::from(c)
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest(value: serde_json::Value) -> Manifest {
        Manifest {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: "x".into(),
            namespace: "n".into(),
            value,
        }
    }

    /// Why serde-saphyr and not the successors of `serde_yaml`: these strings must survive a YAML 1.1
    /// reader, and only a writer that quotes them makes that so.
    #[test]
    fn yaml_1_1_specials_are_quoted() {
        let specials = [
            "on",
            "off",
            "no",
            "yes",
            "y",
            "n",
            "ON",
            "No",
            "~",
            "null",
            "12:30",
            "1e3",
            "0x1F",
            "0o17",
            "2024-01-01",
            "1_000",
            ".inf",
            "-.5",
        ];
        let data: serde_json::Map<String, serde_json::Value> = specials
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("k{i}"), json!(s)))
            .collect();
        let yaml = object_yaml(&manifest(json!({ "data": data }))).unwrap_or_default();
        for (i, s) in specials.iter().enumerate() {
            let line = yaml
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("k{i}:")))
                .unwrap_or_default();
            let value = line.split_once(": ").map(|(_, v)| v).unwrap_or_default();
            assert!(
                value.starts_with('"') || value.starts_with('\''),
                "{s:?} is written unquoted: {line:?}"
            );
        }
        let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap_or_default();
        assert_eq!(back["data"], json!(data));
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        let yaml = object_yaml(&manifest(json!({"data": {"f": "a\nb\n"}}))).unwrap_or_default();
        assert!(yaml.contains("f: |\n"), "{yaml}");
        let long = "x ".repeat(100);
        let yaml = object_yaml(&manifest(json!({"data": {"f": long}}))).unwrap_or_default();
        assert_eq!(yaml.lines().count(), 2, "{yaml}");
    }
}
