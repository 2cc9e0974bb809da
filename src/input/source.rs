//! Input documents: TOML text turned into a JSON value plus the span of every key and value.
//!
//! The JSON value is what the schema stage checks and the decode stage reads; the spans let any
//! later stage point a diagnostic at the exact place a JSON Pointer names. This module parses; it
//! never reads files (that is `load`) and never judges content (that is `schema` and `rules`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};

use crate::model::diag::{Diagnostic, LineIndex, Location};

/// Tables and arrays nested deeper than this are refused, and `--set` keys with more segments:
/// no valid input comes close, and the limit keeps a hostile file from exhausting the stack.
pub const MAX_DEPTH: usize = 32;

/// At most this many TOML syntax errors are reported, then how many more there are.
const MAX_SYNTAX_ERRORS: usize = 10;

/// One input as the user wrote it.
#[derive(Debug, Clone)]
pub struct Source {
    /// What the user calls it in messages: a path, or `built-in profile 5000`.
    pub name: String,
    /// The whole text.
    pub text: String,
}

/// The spans of one key/value pair.
#[derive(Debug, Clone)]
struct Spans {
    key: Option<Range<usize>>,
    value: Range<usize>,
}

/// A parsed TOML document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from.
    pub source: Source,
    /// The document as JSON, for schema checks and decoding.
    pub value: Value,
    spans: BTreeMap<String, Spans>,
    lines: LineIndex,
}

impl Document {
    /// Parses TOML text, reporting every syntax error at once.
    pub fn parse(source: Source) -> Result<Self, Vec<Diagnostic>> {
        let (table, errors) = DeTable::parse_recoverable(&source.text);
        let lines = LineIndex::new(&source.text);
        if !errors.is_empty() {
            let mut problems: Vec<Diagnostic> = errors
                .iter()
                .take(MAX_SYNTAX_ERRORS)
                .map(|e| {
                    let span = e.span().unwrap_or(0..0);
                    Diagnostic::error(format!(
                        "invalid TOML: {}",
                        crate::model::diag::excerpt(first_line(e.message()), 200)
                    ))
                    .at(Some(Location::from_span_in(
                        &source.name,
                        &source.text,
                        &lines,
                        span,
                    )))
                    .help("see https://toml.io for the syntax")
                })
                .collect();
            // A file that is not TOML at all (a log, `/proc/self/environ`) fails on every
            // line: a few of its errors say so, and each shows only an excerpt of its line.
            if errors.len() > MAX_SYNTAX_ERRORS {
                problems.push(
                    Diagnostic::error(format!(
                        "{} more TOML syntax errors in `{}`",
                        errors.len() - MAX_SYNTAX_ERRORS,
                        source.name
                    ))
                    .help("is this a miniogen site file or profile?"),
                );
            }
            return Err(problems);
        }
        let mut spans = BTreeMap::new();
        let root_span = table.span();
        spans.insert(
            String::new(),
            Spans {
                key: None,
                value: root_span,
            },
        );
        let value = match convert_table(table.get_ref(), "", 0, &mut spans) {
            Ok(value) => value,
            Err((pointer, span, message)) => {
                return Err(vec![
                    Diagnostic::error(message)
                        .at(Some(Location::from_span_in(
                            &source.name,
                            &source.text,
                            &lines,
                            span,
                        )))
                        .key(key_path(&pointer)),
                ]);
            }
        };
        Ok(Self {
            source,
            value,
            spans,
            lines,
        })
    }

    /// Where the value at `pointer` is written; for a pointer to a missing key, its closest
    /// written parent. With `key` set, points at the key rather than the value.
    #[must_use]
    pub fn locate(&self, pointer: &str, key: bool) -> Location {
        let mut p = pointer;
        loop {
            if let Some(s) = self.spans.get(p) {
                let span = if key {
                    s.key.clone().unwrap_or_else(|| s.value.clone())
                } else {
                    s.value.clone()
                };
                return Location::from_span_in(
                    &self.source.name,
                    &self.source.text,
                    &self.lines,
                    span,
                );
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Location::whole(&self.source.name),
            }
        }
    }

    /// True when the document itself writes a value at `pointer`.
    #[must_use]
    pub fn defines(&self, pointer: &str) -> bool {
        self.spans.contains_key(pointer)
    }
}

fn first_line(message: &str) -> &str {
    message
        .lines()
        .next()
        .unwrap_or(message)
        .trim_end_matches('.')
}

type ConvertError = (String, Range<usize>, String);

fn convert_table(
    table: &DeTable<'_>,
    pointer: &str,
    depth: usize,
    spans: &mut BTreeMap<String, Spans>,
) -> Result<Value, ConvertError> {
    let mut map = Map::new();
    for (key, value) in table {
        let child = format!("{pointer}/{}", escape_pointer(key.get_ref()));
        spans.insert(
            child.clone(),
            Spans {
                key: Some(key.span()),
                value: value.span(),
            },
        );
        let converted = convert_value(value.get_ref(), value.span(), &child, depth + 1, spans)?;
        map.insert(key.get_ref().to_string(), converted);
    }
    Ok(Value::Object(map))
}

fn convert_value(
    value: &DeValue<'_>,
    span: Range<usize>,
    pointer: &str,
    depth: usize,
    spans: &mut BTreeMap<String, Spans>,
) -> Result<Value, ConvertError> {
    if depth > MAX_DEPTH {
        return Err((
            pointer.into(),
            span,
            format!("tables and arrays are nested more than {MAX_DEPTH} deep"),
        ));
    }
    Ok(match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let n = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).map_err(|_| {
                (
                    pointer.to_string(),
                    span.clone(),
                    "integer does not fit in 64 bits".to_string(),
                )
            })?;
            Value::Number(n.into())
        }
        DeValue::Float(f) => {
            let parsed: f64 = f.as_str().replace('_', "").parse().unwrap_or(f64::NAN);
            Number::from_f64(parsed).map_or_else(|| Value::String(f.as_str().into()), Value::Number)
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        // No key takes a date or time; passing one on as text would blame its characters.
        DeValue::Datetime(d) => {
            return Err((
                pointer.into(),
                span,
                format!(
                    "`{d}` is a TOML date-time, which no key takes; quote it if you meant text"
                ),
            ));
        }
        DeValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let child = format!("{pointer}/{index}");
                spans.insert(
                    child.clone(),
                    Spans {
                        key: None,
                        value: item.span(),
                    },
                );
                out.push(convert_value(
                    item.get_ref(),
                    item.span(),
                    &child,
                    depth + 1,
                    spans,
                )?);
            }
            Value::Array(out)
        }
        DeValue::Table(table) => convert_table(table, pointer, depth, spans)?,
    })
}

/// Escapes one JSON Pointer segment (RFC 6901).
#[must_use]
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Turns a JSON Pointer into the key path users write: `/buckets/1/name` → `buckets[1].name`.
#[must_use]
pub fn key_path(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            let _ = write!(out, "[{segment}]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            if segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                && !segment.is_empty()
            {
                out.push_str(&segment);
            } else {
                let _ = write!(out, "{segment:?}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        Document::parse(Source {
            name: "t.toml".into(),
            text: text.into(),
        })
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn converts_to_json_and_keeps_spans() {
        let d = doc("a = 1\n[t]\nlist = [\"x\", \"y\"]\n");
        assert_eq!(
            d.value,
            serde_json::json!({"a": 1, "t": {"list": ["x", "y"]}})
        );
        let loc = d.locate("/t/list/1", false);
        assert_eq!((loc.line, loc.column), (3, 14));
        let key = d.locate("/t/list", true);
        assert_eq!((key.line, key.column), (3, 1));
        let missing = d.locate("/t/nothing", true);
        assert_eq!(missing.line, 2);
    }

    #[test]
    fn reports_every_syntax_error() {
        let errors = Document::parse(Source {
            name: "t.toml".into(),
            text: "a = \nb = [\n".into(),
        })
        .err()
        .unwrap_or_default();
        assert!(!errors.is_empty());
        assert!(errors[0].location.is_some());
    }

    #[test]
    fn refuses_deep_nesting() {
        let text = format!("a = {}1{}", "[".repeat(40), "]".repeat(40));
        let errors = Document::parse(Source {
            name: "t.toml".into(),
            text,
        })
        .err()
        .unwrap_or_default();
        assert!(errors[0].message.contains("nested"), "{errors:?}");
    }

    #[test]
    fn key_paths_read_like_toml() {
        assert_eq!(key_path("/buckets/1/name"), "buckets[1].name");
        assert_eq!(
            key_path("/prometheus/labels/a~1b"),
            "prometheus.labels.\"a/b\""
        );
        assert_eq!(key_path(""), "");
        // RFC 6901: `~` first, then `/`, so that an escape is never escaped again.
        assert_eq!(escape_pointer("a/b~c"), "a~1b~0c");
        assert_eq!(escape_pointer("~1"), "~01");
        assert_eq!(escape_pointer("plain"), "plain");
    }
}
