//! What miniogen prints to a terminal or a log: every byte on stderr and every text on stdout
//! passes through here, which escapes what could drive or deceive the terminal
//! (`diag::unsafe_in_terminal`): ESC and every other control character but line feed and tab,
//! and the invisible format characters that reorder or hide text (bidirectional controls such as
//! U+202E, zero-width characters).
//!
//! A user's text (a key of their site file, a path, a `--set`, an Argo CD variable, a line of a
//! folder's file in a diff) reaches messages through many stages. This is the one place where it
//! becomes bytes on a terminal, so the one place that makes it safe: stages build messages and
//! reports as data and never print. Text is escaped as Rust writes it (`\u{1b}`); JSON with
//! JSON's own escapes (`\u001b`), which read back as the same string. The YAML a render prints is
//! checked rather than escaped, in `sink`: escaping would change what it says.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

use crate::model::diag::{self, Diagnostic, first_unsafe_in_terminal, unsafe_in_terminal};

/// `text` with every character that could drive a terminal escaped as `\u{..}`; line feeds and
/// tabs stay, as they shape the text.
#[must_use]
pub fn text(text: &str) -> Cow<'_, str> {
    if first_unsafe_in_terminal(text).is_none() {
        return Cow::Borrowed(text);
    }
    escape(text, unsafe_in_terminal, |out, c| {
        let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
    })
}

/// `text` as one line: `text`, with line feeds escaped as `\n` too, for a value that must not
/// start a line of its own (a path, a name, a message that a hostile value could otherwise
/// continue with a forged `error:` line).
#[must_use]
pub fn line(text: &str) -> Cow<'_, str> {
    escape(
        text,
        |c| c == '\n' || unsafe_in_terminal(c),
        |out, c| {
            if c == '\n' {
                out.push_str("\\n");
            } else {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        },
    )
}

/// JSON text with every such character written as a JSON escape (`\u202e`), which any JSON
/// reader reads back as the same character: `serde_json` escapes C0 controls itself, but not
/// DEL, C1 or the format characters. They can only stand inside strings, where the escape means
/// the same.
#[must_use]
pub fn json(text: &str) -> Cow<'_, str> {
    escape(text, unsafe_in_terminal, |out, c| {
        // Every such character is in the Basic Multilingual Plane: one escape each.
        let _ = write!(out, "\\u{:04x}", u32::from(c));
    })
}

fn escape(
    text: &str,
    unsafe_char: impl Fn(char) -> bool,
    write: impl Fn(&mut String, char),
) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            write(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Diagnostics as they are printed: each one-line field (message, location, key, label) kept
/// on its line, rendered as `diag::render_all` renders them (the first `diag::MAX_SHOWN`, then
/// a count), and escaped.
#[must_use]
pub fn diagnostics(diagnostics: &[Diagnostic]) -> String {
    let one_line = |s: &mut String| {
        if let Cow::Owned(escaped) = line(s) {
            *s = escaped;
        }
    };
    let safe: Vec<Diagnostic> = diagnostics
        .iter()
        .map(|d| {
            let mut d = d.clone();
            one_line(&mut d.message);
            if let Some(label) = &mut d.label {
                one_line(label);
            }
            if let Some(key) = &mut d.key {
                one_line(key);
            }
            if let Some(location) = &mut d.location {
                one_line(&mut location.file);
            }
            d
        })
        .collect();
    text(&diag::render_all(&safe)).into_owned()
}

/// Writes `text` to stderr, escaped. A failed write to stderr has nowhere to be reported.
pub fn eprint(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(self::text(text).as_bytes())
        .and_then(|()| stderr.flush());
}

/// Writes `message` to stderr as one `error:` line.
pub fn eprint_error(message: &str) {
    eprint(&format!("error: {}\n", line(message)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_format_characters_are_escaped_and_the_rest_kept() {
        let hostile = "a\u{1b}]0;PWNED\u{7}b\u{1b}[1A\u{1b}[2Kc\u{202e}d\u{9b}e\r\u{7f}\u{200b}";
        assert_eq!(
            text(hostile),
            "a\\u{1b}]0;PWNED\\u{7}b\\u{1b}[1A\\u{1b}[2Kc\\u{202e}d\\u{9b}e\\u{d}\\u{7f}\\u{200b}"
        );
        assert_eq!(text("plain\ttext\n é ✓"), "plain\ttext\n é ✓");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
        assert_eq!(line("a\nerror: forged"), "a\\nerror: forged");
        assert_eq!(json("\"\u{202e}\u{85}\""), "\"\\u202e\\u0085\"");
        let back: String = serde_json::from_str(&json("\"\u{202e}\u{85}\"")).unwrap_or_default();
        assert_eq!(back, "\u{202e}\u{85}");
    }

    #[test]
    fn every_character_that_is_escaped_is_gone() {
        let all: String = (0..=0x10_ffff_u32).filter_map(char::from_u32).collect();
        for escaped in [text(&all), json(&all), line(&all)] {
            assert_eq!(escaped.chars().find(|c| unsafe_in_terminal(*c)), None);
        }
    }

    #[test]
    fn a_diagnostic_field_cannot_start_a_line() {
        let d = Diagnostic::error("unknown key `a\nerror: all is well`")
            .key("a\nb")
            .label("x\u{1b}[2K");
        let shown = diagnostics(&[d]);
        assert!(!shown.contains("\nerror: all is well"), "{shown}");
        assert!(!shown.contains('\u{1b}'), "{shown}");
    }
}
