//! Diagnostics: what went wrong with the user's input, where, and how to fix it.
//!
//! Every stage that judges input returns these as data; only `lib::run` prints them. A diagnostic
//! never carries a credential: messages quote keys and locations, and values only where the user
//! typed them into a non-secret field.

use std::fmt::{self, Write as _};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Stops the run with exit code 1.
    Error,
    /// Printed; the run goes on.
    Warning,
    /// Information about a choice miniogen made for the user.
    Note,
}

/// Where a diagnostic points: a file (or the command line) and a span in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// What the user calls the input: a path, `built-in profile 5000`, or `--set a.b=c`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The source line, to show under the location.
    pub source_line: String,
    /// How many characters to underline from `column`.
    pub width: usize,
}

impl Location {
    /// Locates a byte range of `text`; the underline stops at the end of the first line.
    #[must_use]
    pub fn from_span(file: &str, text: &str, span: std::ops::Range<usize>) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let width = text[start..end.min(line_end)].chars().count().max(1);
        let source_line = text[line_start..line_end].trim_end_matches('\r');
        Self {
            file: file.into(),
            line,
            column,
            source_line: printable(source_line),
            width,
        }
    }

    /// A location with no source text, such as a command-line argument.
    #[must_use]
    pub fn whole(file: &str) -> Self {
        Self {
            file: file.into(),
            line: 1,
            column: 1,
            source_line: String::new(),
            width: 0,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Replaces control characters so that a hostile input cannot drive the user's terminal.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// A user's value in a message: in backticks, with anything unprintable escaped.
#[must_use]
pub fn quote(value: &str) -> String {
    if value.chars().any(|c| c.is_control() || c == '`') {
        format!("{value:?}")
    } else {
        format!("`{value}`")
    }
}

/// One problem (or remark) about the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// Where, when the problem has a place in an input.
    pub location: Option<Location>,
    /// The key path, such as `sizing.resources.limits.cpu`.
    pub key: Option<String>,
    /// What was expected, shown under the source line.
    pub label: Option<String>,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with only a message.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    /// A warning with only a message.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    /// A note with only a message.
    pub fn note(message: impl Into<String>) -> Self {
        Self::new(Severity::Note, message)
    }

    fn new(severity: Severity, message: impl Into<String>) -> Self {
        Self {
            severity,
            message: message.into(),
            location: None,
            key: None,
            label: None,
            help: None,
        }
    }

    /// Sets where the problem is.
    #[must_use]
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// Sets the key path.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        self.key = (!key.is_empty()).then_some(key);
        self
    }

    /// Sets the text shown under the source line.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the fix.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// Renders like rustc, plain text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        writeln!(f, "{word}: {}", self.message)?;
        let mut gutter = String::from(" ");
        if let Some(loc) = &self.location {
            let number = loc.line.to_string();
            gutter = " ".repeat(number.len() + 1);
            let arrow = " ".repeat(number.len());
            if loc.source_line.is_empty() {
                writeln!(f, "{arrow}--> {}", loc.file)?;
            } else {
                writeln!(f, "{arrow}--> {}:{}:{}", loc.file, loc.line, loc.column)?;
                writeln!(f, "{gutter}|")?;
                writeln!(f, "{number} | {}", loc.source_line)?;
                let pad: String = loc
                    .source_line
                    .chars()
                    .take(loc.column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let mut marks = format!("{pad}{}", "^".repeat(loc.width));
                if let Some(label) = &self.label {
                    write!(marks, " {label}")?;
                }
                writeln!(f, "{gutter}| {marks}")?;
            }
        } else if let Some(label) = &self.label {
            writeln!(f, "{gutter}= {}", unlocated_label(label))?;
        }
        if let Some(key) = &self.key {
            writeln!(f, "{gutter}= key: {key}")?;
        }
        if let (Some(label), Some(loc)) = (&self.label, &self.location)
            && loc.source_line.is_empty()
        {
            writeln!(f, "{gutter}= {}", unlocated_label(label))?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "{gutter}= help: {help}")?;
        }
        Ok(())
    }
}

/// A label with no source line to stand under, as a note line: `expected an integer` reads as
/// `expected: an integer`, anything else as it is.
fn unlocated_label(label: &str) -> String {
    label
        .strip_prefix("expected ")
        .map_or_else(|| label.to_string(), |rest| format!("expected: {rest}"))
}

/// Renders a list of diagnostics, errors first, with a closing count of errors.
#[must_use]
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    // Errors first, then in the order the user reads the files.
    sorted.sort_by_key(|d| {
        let place = d
            .location
            .as_ref()
            .map(|l| (l.file.clone(), l.line, l.column));
        (d.severity, place.is_none(), place)
    });
    for (i, d) in sorted.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{d}");
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        let plural = if errors == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "\nerror: {errors} problem{plural} in the input; nothing was written"
        );
    }
    out
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
#[must_use]
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j] + 1).min(row[j + 1] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column_in_characters() {
        let text = "a = 1\nnamé = \"x\"\n";
        let start = text.find("\"x\"").unwrap_or_default();
        let loc = Location::from_span("f.toml", text, start..start + 3);
        assert_eq!((loc.line, loc.column, loc.width), (2, 8, 3));
        assert_eq!(loc.source_line, "namé = \"x\"");
    }

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["namespace", "tenant", "buckets"];
        assert_eq!(did_you_mean("namspace", keys), Some("namespace"));
        assert_eq!(did_you_mean("bucket", keys), Some("buckets"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let text = "x = \"\u{1b}[31m\"";
        let loc = Location::from_span("f", text, 0..1);
        assert!(!loc.source_line.contains('\u{1b}'));
        // Each control character becomes one replacement character; a tab stays a tab, so
        // that the underline keeps its column.
        let loc = Location::from_span("f", "\ta\u{7}b\u{9b}c", 0..1);
        assert_eq!(loc.source_line, "\ta\u{fffd}b\u{fffd}c");
    }

    /// A value in a message is in backticks; one that holds a backtick or a control character
    /// is written escaped instead, so that it can neither end the quote nor drive a terminal.
    #[test]
    fn quoted_values_cannot_break_out() {
        assert_eq!(quote("synapse-media"), "`synapse-media`");
        assert_eq!(quote("a`b"), "\"a`b\"");
        assert_eq!(quote("a\u{1b}[2Kb"), "\"a\\u{1b}[2Kb\"");
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
    }
}
