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
    /// The source line to show under the location, or an excerpt of it around the column
    /// (`…` where it was cut) when it is longer than `MAX_SNIPPET_CHARS`.
    pub source_line: String,
    /// The 1-based character of `source_line` where the span starts: `column` for a whole
    /// line, less for an excerpt.
    pub mark: usize,
    /// How many characters to underline from `mark`.
    pub width: usize,
}

/// The most characters of a source line shown under a location. A longer line is cut around
/// the column, so that a long line (a list written on one line, a file that is not TOML such as
/// `/proc/self/environ`) is never repeated whole, once per problem in it.
pub const MAX_SNIPPET_CHARS: usize = 120;

/// Of `MAX_SNIPPET_CHARS`, how many an excerpt cut before the column shows before it; a column
/// this close to the end of the first `MAX_SNIPPET_CHARS` is shown with the line's start.
const SNIPPET_BEFORE: usize = 40;

/// Where each line of a text starts, so that locating a span costs a binary search rather than
/// a scan of the text before it: a file with thousands of problems is located in linear time.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts }
    }

    /// The 0-based line holding byte `offset`, and the byte range of that line without its
    /// line break.
    fn line(&self, text: &str, offset: usize) -> (usize, std::ops::Range<usize>) {
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |next| next - 1);
        (line, start..end.max(start))
    }
}

impl Location {
    /// Locates a byte range of `text`; the underline stops at the end of the first line.
    #[must_use]
    pub fn from_span(file: &str, text: &str, span: std::ops::Range<usize>) -> Self {
        Self::from_span_in(file, text, &LineIndex::new(text), span)
    }

    /// `from_span` with the text's `LineIndex`, for locating many spans in one text.
    #[must_use]
    pub fn from_span_in(
        file: &str,
        text: &str,
        index: &LineIndex,
        span: std::ops::Range<usize>,
    ) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let (line, range) = index.line(text, start);
        let (line_start, line_end) = (range.start, range.end.max(start));
        let line_text = text[line_start..line_end].trim_end_matches('\r');
        let line_end = line_start + line_text.len();
        let at = start.min(line_end);
        let before = &text[line_start..at];
        let column = before.chars().count() + 1;
        // A long line shows an excerpt: up to `SNIPPET_BEFORE` characters before the span, then
        // the rest up to `MAX_SNIPPET_CHARS` in all.
        let long = line_text.char_indices().nth(MAX_SNIPPET_CHARS).is_some();
        let from = if long && column > MAX_SNIPPET_CHARS - SNIPPET_BEFORE {
            before
                .char_indices()
                .rev()
                .nth(SNIPPET_BEFORE - 1)
                .map_or(line_start, |(i, _)| line_start + i)
        } else {
            line_start
        };
        let shown_end = text[from..line_end]
            .char_indices()
            .nth(MAX_SNIPPET_CHARS)
            .map_or(line_end, |(i, _)| from + i);
        let cut_before = from > line_start;
        let mut source_line = String::new();
        if cut_before {
            source_line.push('…');
        }
        source_line.push_str(&printable(&text[from..shown_end]));
        if shown_end < line_end {
            source_line.push('…');
        }
        let mark = text[from..at].chars().count() + 1 + usize::from(cut_before);
        let width = text[at..end.clamp(at, shown_end)].chars().count().max(1);
        Self {
            file: file.into(),
            line: line + 1,
            column,
            source_line,
            mark,
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
            mark: 1,
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

/// Whether a character may drive or deceive a terminal or a log viewer when printed as it is:
/// control characters (C0 but line feed and tab, DEL, C1, which hold ESC and CSI), and the
/// invisible format characters that reorder or hide text (bidirectional controls such as U+202E,
/// zero-width characters, line and paragraph separators, byte-order marks, interlinear
/// annotations). `output::terminal` escapes these in everything miniogen prints.
#[must_use]
pub fn unsafe_in_terminal(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// The first character of `text` that `unsafe_in_terminal` refuses. Printable ASCII, line feed
/// and tab, which is nearly all miniogen writes, are checked a byte at a time: decoding each
/// character of a fleet's rendered YAML was a twentieth of a `gen --out` (issue 26).
#[must_use]
pub fn first_unsafe_in_terminal(text: &str) -> Option<char> {
    // Whole chunks without an early exit, so that the compiler checks many bytes at once.
    let printable = |b: u8| matches!(b, b' '..=b'~' | b'\n' | b'\t');
    if text
        .as_bytes()
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |all, &b| all & printable(b)))
    {
        return None;
    }
    text.chars().find(|c| unsafe_in_terminal(*c))
}

/// Replaces what could drive a terminal (`unsafe_in_terminal`) with U+FFFD, one character for
/// one, so that the underline under a source line still lines up.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| {
            if unsafe_in_terminal(c) || c == '\n' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// At most `max` characters of `text`, with `…` where it was cut: for quoting a user's value
/// that may be long (a `--set`, a variable) in a message or a location.
#[must_use]
pub fn excerpt(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

/// A user's value in a message: in backticks, with anything unprintable escaped.
#[must_use]
pub fn quote(value: &str) -> String {
    if value
        .chars()
        .any(|c| c.is_control() || unsafe_in_terminal(c) || c == '`')
    {
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
                    .take(loc.mark - 1)
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

/// At most this many diagnostics are rendered; the rest are counted. A hostile input can hold
/// thousands of problems, and the first ones are what a user fixes first.
pub const MAX_SHOWN: usize = 50;

/// Renders a list of diagnostics, errors first, with a closing count of errors: the first
/// `MAX_SHOWN` in the order the user reads the files, then how many more there are.
#[must_use]
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    fn place(d: &Diagnostic) -> Option<(&str, usize, usize)> {
        d.location
            .as_ref()
            .map(|l| (l.file.as_str(), l.line, l.column))
    }
    let mut out = String::new();
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    // Errors first, then in the order the user reads the files.
    sorted.sort_by(|a, b| {
        let (pa, pb) = (place(a), place(b));
        (a.severity, pa.is_none(), pa).cmp(&(b.severity, pb.is_none(), pb))
    });
    for (i, d) in sorted.iter().take(MAX_SHOWN).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{d}");
    }
    if let Some(hidden) = sorted.get(MAX_SHOWN..).filter(|h| !h.is_empty()) {
        let count = |severity: Severity, one: &str, many: &str| {
            let n = hidden.iter().filter(|d| d.severity == severity).count();
            (n > 0).then(|| format!("{n} more {}", if n == 1 { one } else { many }))
        };
        let kinds: Vec<String> = [
            count(Severity::Error, "error", "errors"),
            count(Severity::Warning, "warning", "warnings"),
            count(Severity::Note, "note", "notes"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let _ = writeln!(
            out,
            "\nnote: {} not shown; the first {MAX_SHOWN} are above",
            kinds.join(" and ")
        );
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
    let length = word.chars().count();
    let limit = (length / 3).max(1);
    candidates
        .into_iter()
        // Words whose lengths differ by more than the limit are further apart than it: skip them
        // before the quadratic comparison, which a long hostile word would make slow.
        .filter(|c| length.abs_diff(c.chars().count()) <= limit)
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

    /// The byte-wise shortcut finds what the per-character check finds, for every character of
    /// the first planes and wherever it stands.
    #[test]
    fn the_ascii_shortcut_finds_every_unsafe_character() {
        for c in (0..0x1_0000u32)
            .filter_map(char::from_u32)
            .chain(['\u{e0001}'])
        {
            let expected = unsafe_in_terminal(c).then_some(c);
            for text in [c.to_string(), format!("key: value{c}"), format!("{c}\n-")] {
                assert_eq!(
                    first_unsafe_in_terminal(&text),
                    expected,
                    "U+{:04X}",
                    u32::from(c)
                );
            }
        }
    }

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
