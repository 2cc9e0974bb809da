//! Diffs that never show a Secret's values.
//!
//! `check` and the hand-edit refusal show how a file differs. A file holding a Kubernetes Secret
//! (every Secret in secrets mode `derived`, or one a user pasted a credential into) shows which
//! keys of `data` and `stringData` changed, never a value. The masking works on the text, so
//! the diff keeps the file's lines; the masked text is then parsed back and compared with the
//! original outside those values. Anything that comparison does not confirm (a file that does
//! not parse, flow style, a Secret nested in a list) shows no content at all rather than risk a
//! value.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

/// What a Secret's value reads as in a diff.
pub const HIDDEN: &str = "<hidden>";
/// What it reads as on the new side when it differs from the old.
pub const CHANGED: &str = "<hidden, changed>";

/// The keys under which a Secret holds its values.
const REGIONS: [&str; 2] = ["data", "stringData"];

/// A unified diff from `old` to `new`, or nothing when they are equal, with the values of any
/// Secret in either masked.
#[must_use]
pub fn diff(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    if old == new {
        return String::new();
    }
    // Parsing costs more than the diff: a text that cannot spell `Secret`, even with YAML's
    // escapes (`"\u0053ecret"`), holds none.
    let may_hold = |text: &str| text.contains("Secret") || text.contains('\\');
    if !may_hold(old) && !may_hold(new) {
        return plain(old, new, old_label, new_label);
    }
    let (old_docs, new_docs) = (
        crate::input::yaml::documents(old),
        crate::input::yaml::documents(new),
    );
    let holds_secret = |text: &str, docs: Option<&Vec<Value>>| {
        docs.map_or_else(|| text.contains("Secret"), |d| d.iter().any(any_secret))
    };
    if !holds_secret(old, old_docs.as_ref()) && !holds_secret(new, new_docs.as_ref()) {
        return plain(old, new, old_label, new_label);
    }
    let masked = match (&old_docs, &new_docs) {
        (Some(old_docs), Some(new_docs)) => {
            let (old_entries, new_entries) = (entries(old), entries(new));
            let old_masked = mask(old, &new_entries, false);
            let new_masked = mask(new, &old_entries, true);
            (confirmed(&old_masked, old_docs) && confirmed(&new_masked, new_docs))
                .then_some((old_masked, new_masked))
        }
        _ => None,
    };
    match masked {
        Some((old_masked, new_masked)) => plain(&old_masked, &new_masked, old_label, new_label),
        None => format!(
            "--- {old_label}\n+++ {new_label}\n(the file holds a Secret in a form whose values \
             cannot be masked reliably, so its content is not shown)\n"
        ),
    }
}

/// How much work a diff may take, in lines times edits: the diff (Myers's, as `similar` runs
/// it) costs the lines that differ times the edits between them, so a file replaced by a few
/// thousand new lines would take seconds and print them all. Past this, the diff says how many
/// lines were replaced instead; a few edits in a long file stay well under it.
const MAX_DIFF_WORK: usize = 4_000_000;

/// At most this many lines added or removed are shown one by one; past it, so many that the
/// diff would bury what matters, the file is said to be replaced.
const MAX_DIFF_EDITS: usize = 2_000;

fn plain(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    if !diffable(old, new, MAX_DIFF_WORK) {
        return format!(
            "--- {old_label}\n+++ {new_label}\n(replaced: {} lines here, {} in the other; too \
             different to show line by line)\n",
            old.lines().count(),
            new.lines().count()
        );
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

/// Whether the line diff from `old` to `new` takes at most `work` steps: the lines between
/// their common start and end, times the edits between them, found by Myers's greedy search
/// (Myers 1986, "An O(ND) difference algorithm"), which stops as soon as the edits pass the
/// budget. Linear in the texts, and deterministic: no clock decides what is shown.
fn diffable(old: &str, new: &str, work: usize) -> bool {
    let mut ids = std::collections::HashMap::new();
    let mut id = |line: &str| {
        let next = ids.len();
        *ids.entry(line.to_string()).or_insert(next)
    };
    let old_ids: Vec<usize> = old.split_inclusive('\n').map(&mut id).collect();
    let new_ids: Vec<usize> = new.split_inclusive('\n').map(&mut id).collect();
    let prefix = old_ids
        .iter()
        .zip(&new_ids)
        .take_while(|(x, y)| x == y)
        .count();
    let (before, after) = (&old_ids[prefix..], &new_ids[prefix..]);
    let suffix = before
        .iter()
        .rev()
        .zip(after.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let before = &before[..before.len() - suffix];
    let after = &after[..after.len() - suffix];
    let (rows, columns) = (before.len(), after.len());
    if rows + columns == 0 {
        return true;
    }
    let max_edits = (work / (rows + columns)).min(MAX_DIFF_EDITS);
    if rows == 0 || columns == 0 {
        return rows + columns <= max_edits;
    }
    // reach[k + offset]: the furthest row reached on diagonal `k = row - column`.
    let offset = max_edits + 1;
    let mut reach = vec![0usize; 2 * max_edits + 3];
    for edits in 0..=max_edits {
        for step in 0..=edits {
            let diagonal = 2 * step + offset - edits;
            let mut row =
                if step == 0 || (step != edits && reach[diagonal - 1] < reach[diagonal + 1]) {
                    reach[diagonal + 1]
                } else {
                    reach[diagonal - 1] + 1
                };
            let mut column = (row + offset).saturating_sub(diagonal);
            while row < rows && column < columns && before[row] == after[column] {
                row += 1;
                column += 1;
            }
            reach[diagonal] = row;
            if row >= rows && column >= columns {
                return true;
            }
        }
    }
    false
}

/// Whether a Secret appears anywhere in the value, at the top or nested (a `List`'s items).
fn any_secret(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.get("kind").and_then(Value::as_str) == Some("Secret")
                || map.values().any(any_secret)
        }
        Value::Array(items) => items.iter().any(any_secret),
        _ => false,
    }
}

/// One piece of a file's text: a line shown as it is, or a value of `data`/`stringData` (the
/// key's line and every line below it), or a line left out (a comment among the values).
enum Piece<'a> {
    Keep(&'a str),
    Value {
        region: &'a str,
        indent: usize,
        key: &'a str,
        raw: String,
    },
}

/// Splits the text at the values of `data` and `stringData`, written as block mappings at the
/// top level of a document. Other layouts are left for `confirmed` to catch.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out: Vec<Piece<'_>> = Vec::new();
    let mut region: Option<&str> = None;
    let mut entry_indent: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let body = content.trim_start_matches(' ');
        let indent = content.len() - body.len();
        let top_level = indent == 0
            && !body.is_empty()
            && !body.starts_with('#')
            && !body.starts_with("- ")
            && body != "-";
        if top_level {
            region = None;
            let found = REGIONS.iter().find_map(|r| {
                body.strip_prefix(r)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .map(|rest| (*r, rest))
            });
            match found {
                Some((name, rest)) if rest.trim().is_empty() => {
                    region = Some(name);
                    entry_indent = None;
                    out.push(Piece::Keep(line));
                }
                // A value on the key's own line: a flow mapping or a scalar, all of it hidden.
                Some((name, rest)) => out.push(Piece::Value {
                    region: name,
                    indent: 0,
                    key: name,
                    raw: rest.to_string(),
                }),
                None => out.push(Piece::Keep(line)),
            }
            continue;
        }
        let Some(name) = region else {
            out.push(Piece::Keep(line));
            continue;
        };
        let starts_entry = !body.is_empty()
            && !body.starts_with('#')
            && entry_indent.is_none_or(|at| indent <= at);
        if starts_entry {
            entry_indent = Some(indent);
            let key = body
                .split_once(": ")
                .map_or_else(|| body.trim_end_matches(':'), |(k, _)| k);
            out.push(Piece::Value {
                region: name,
                indent,
                key,
                raw: line.to_string(),
            });
        } else if let Some(Piece::Value { raw, .. }) = out.last_mut() {
            raw.push_str(line);
        }
        // A comment or blank line before the first value is simply left out.
    }
    out
}

/// Each value's text by region and key, to tell a changed value from an unchanged one.
fn entries(text: &str) -> BTreeMap<(String, String), String> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Value {
                region, key, raw, ..
            } => Some(((region.to_string(), key.to_string()), raw)),
            Piece::Keep(_) => None,
        })
        .collect()
}

/// The text with every value replaced; on the new side, a value that differs from the old one's
/// reads `CHANGED`, so that the diff shows the line.
fn mask(text: &str, other: &BTreeMap<(String, String), String>, new: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Keep(line) => out.push_str(line),
            Piece::Value {
                region,
                indent,
                key,
                raw,
            } => {
                let changed = other
                    .get(&(region.to_string(), key.to_string()))
                    .is_some_and(|theirs| *theirs != raw);
                let marker = if new && changed { CHANGED } else { HIDDEN };
                let _ = writeln!(out, "{:indent$}{key}: {marker}", "");
            }
        }
    }
    out
}

/// Whether the masked text reads as the original with only the values of `data` and
/// `stringData` replaced by markers.
fn confirmed(masked: &str, original: &[Value]) -> bool {
    let Some(docs) = crate::input::yaml::documents(masked) else {
        return false;
    };
    if docs.len() != original.len() {
        return false;
    }
    let marker = |v: &Value| v.as_str().is_some_and(|s| s == HIDDEN || s == CHANGED);
    docs.iter().zip(original).all(|(masked, original)| {
        let (mut masked, mut original) = (masked.clone(), original.clone());
        for region in REGIONS {
            let values = masked.as_object_mut().and_then(|m| m.remove(region));
            if let Some(o) = original.as_object_mut() {
                o.remove(region);
            }
            let only_markers = match &values {
                None => true,
                Some(Value::Object(map)) => map.values().all(marker),
                Some(other) => marker(other),
            };
            if !only_markers {
                return false;
            }
        }
        // Anything left must be exactly the original, and hold no Secret of its own.
        masked == original && !any_secret_below(&masked)
    })
}

/// A Secret anywhere but the top of the document, whose values the text masking cannot reach.
fn any_secret_below(doc: &Value) -> bool {
    match doc {
        Value::Object(map) => map.values().any(any_secret),
        Value::Array(items) => items.iter().any(any_secret),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "# header\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n\
        stringData:\n  CONSOLE_ACCESS_KEY: synapse\n  CONSOLE_SECRET_KEY: hunter2hunter2\n  \
        config.env: |\n    export A=\"x\"\n    export PASSWORD=\"swordfish\"\ntype: Opaque\n";

    #[test]
    fn values_are_masked_and_changes_still_show() {
        let new = SECRET
            .replace("hunter2hunter2", "correcthorse")
            .replace("name: s", "name: t");
        let diff = diff(SECRET, &new, "old", "new");
        for secret in ["hunter2", "correcthorse", "swordfish", "synapse"] {
            assert!(!diff.contains(secret), "{secret} shown:\n{diff}");
        }
        assert!(
            diff.contains(
                "-  CONSOLE_SECRET_KEY: <hidden>\n+  CONSOLE_SECRET_KEY: <hidden, changed>"
            ),
            "{diff}"
        );
        assert!(diff.contains("-  name: s\n+  name: t"), "{diff}");
        assert!(
            diff.contains("\n   config.env: <hidden>\n"),
            "an unchanged value is not context:\n{diff}"
        );
    }

    /// A Secret on one side only (a file replaced by a Secret, or a Secret replaced by something
    /// else) is masked as when both sides hold one, whichever side it is on; the rest of the
    /// diff still shows.
    #[test]
    fn a_secret_on_one_side_only_is_masked() {
        let other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: plain\n";
        for (old, new) in [(SECRET, other), (other, SECRET)] {
            let shown = diff(old, new, "old", "new");
            for secret in ["hunter2", "swordfish", "synapse"] {
                assert!(!shown.contains(secret), "{secret} shown:\n{shown}");
            }
            assert!(
                shown.contains("CONSOLE_SECRET_KEY: <hidden>") && shown.contains("name: cm"),
                "{shown}"
            );
        }
    }

    #[test]
    fn other_files_diff_as_they_are() {
        let old = "kind: ConfigMap\ndata:\n  a: one\n";
        let new = "kind: ConfigMap\ndata:\n  a: two\n";
        assert!(diff(old, new, "o", "n").contains("-  a: one\n+  a: two"));
    }

    /// A value on the key's own line (a flow mapping) is masked whole, as one value, and the
    /// rest of the diff still shows.
    #[test]
    fn a_flow_mapping_is_masked_as_one_value() {
        let old = "kind: Secret\nmetadata:\n  name: a\nstringData: {a: hunter2}\n";
        let new = "kind: Secret\nmetadata:\n  name: b\nstringData: {a: swordfish}\n";
        let shown = diff(old, new, "o", "n");
        assert!(
            shown.contains("\n-stringData: <hidden>\n")
                && shown.contains("\n+stringData: <hidden, changed>\n")
                && shown.contains("\n+  name: b\n"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2") && !shown.contains("swordfish"));
    }

    /// A file replaced by thousands of new lines is said to be replaced, in linear time, while a
    /// few edits in a file of the same length still show as a diff.
    #[test]
    fn diffs_are_bounded_by_the_work_they_take() {
        let lines = |prefix: &str, n: usize| -> String {
            (0..n).fold(String::new(), |mut out, i| {
                let _ = writeln!(out, "{prefix}{i}: x");
                out
            })
        };
        let (old, new) = (lines("a", 20_000), lines("b", 20_000));
        let shown = diff(&old, &new, "o", "n");
        assert!(
            shown.contains("(replaced: 20000 lines here, 20000 in the other;"),
            "{}",
            &shown[..shown.len().min(500)]
        );
        assert!(shown.len() < 200, "{}", shown.len());
        let edited = old
            .replacen("a7: x\n", "a7: y\n", 1)
            .replacen("a19000: x", "z: x", 1);
        let shown = diff(&old, &edited, "o", "n");
        assert!(shown.contains("-a7: x\n+a7: y\n"), "{shown}");
        assert!(shown.contains("-a19000: x\n+z: x\n"), "{shown}");
        // Emptied: as many removed lines as the budget allows, then a replacement.
        assert!(diff(&old, "", "o", "n").contains("(replaced: 20000 lines here, 0 in"));
        assert!(diff(&lines("a", 10), "", "o", "n").contains("-a9: x"));
        assert!(diffable("a\nb\n", "a\nc\nb\n", 100));
        assert!(!diffable(&lines("a", 100), &lines("b", 100), 100));
    }

    #[test]
    fn unusual_layouts_show_nothing() {
        let flow_nested = [
            "kind: Secret\nstringData: {a: hunter2}\n",
            "kind: List\nitems:\n- kind: Secret\n  stringData:\n    a: hunter2\n",
            "- kind: Secret\n  stringData:\n    a: hunter2\n",
            "kind: Secret\nstringData:\n  a: hunter2\n  b: [unclosed\n",
            "kind: Secret\n\"stringData\":\n  a: hunter2\n",
            "kind: \"\\u0053ecret\"\nstringData:\n  a: hunter2\n",
        ];
        for text in flow_nested {
            let shown = diff(SECRET, text, "o", "n");
            assert!(!shown.contains("hunter2"), "{text:?} leaks:\n{shown}");
            assert!(!shown.contains("swordfish"), "{text:?} leaks:\n{shown}");
        }
    }
}
