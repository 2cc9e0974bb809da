//! Reading the YAML our templates render back into JSON values, for `post`.
//!
//! Templates write block YAML in which every value from the plan is JSON-escaped (a quoted
//! string, a JSON number or a flow collection) and every other scalar is written by us. This
//! reader takes what such templates produce and refuses the rest: anchors, aliases and tags
//! (no template writes one), keys that are not scalars, duplicate keys, the merge key `<<`, and
//! plain scalars that YAML 1.1 and 1.2 readers resolve differently (`yes`, `on`, `0777`, `0x1f`,
//! `1_000`, `.inf`, `2024-01-01`, `1:30`). A refusal is a bug in a template, never the user's
//! input. It gives the values serde-saphyr gives for everything it accepts (a test compares them
//! over every render).

use granit_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

/// A collection being read.
enum Open {
    Sequence(Vec<Value>),
    /// A mapping, and the key whose value comes next.
    Mapping(Map<String, Value>, Option<String>),
}

/// Reads every document of `text`; an empty document reads as `null`.
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Value> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| e.to_string())?;
        let at = || format!("line {}", span.start.line());
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Comment(..) => {
                continue;
            }
            Event::DocumentStart(..) => {
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                docs.push(root.take().unwrap_or(Value::Null));
                continue;
            }
            Event::Alias(_) | Event::Anchor(..) | Event::UnresolvedAlias(..) => {
                return Err(format!("an anchor or alias at {}", at()));
            }
            Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag)
                if anchor != 0 || tag.is_some() =>
            {
                return Err(format!("an anchor or tag at {}", at()));
            }
            Event::SequenceStart(..) => {
                expect_value(&stack, &at)?;
                stack.push(Open::Sequence(Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                expect_value(&stack, &at)?;
                stack.push(Open::Mapping(Map::new(), None));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Sequence(items)) => Value::Array(items),
                _ => return Err(format!("an unbalanced sequence at {}", at())),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Mapping(map, None)) => Value::Object(map),
                _ => return Err(format!("an unbalanced mapping at {}", at())),
            },
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return Err(format!("an anchor or tag at {}", at()));
                }
                if let Some(Open::Mapping(map, key @ None)) = stack.last_mut() {
                    if style == ScalarStyle::Plain && text == "<<" {
                        return Err(format!("a merge key at {}", at()));
                    }
                    if map.contains_key(text.as_ref()) {
                        return Err(format!("the key `{text}` twice at {}", at()));
                    }
                    *key = Some(text.into_owned());
                    continue;
                }
                scalar(&text, style).map_err(|e| format!("{e} at {}", at()))?
            }
            // The parser's event list may grow; what we do not know, we do not accept.
            _ => return Err(format!("an unexpected YAML construct at {}", at())),
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Sequence(items)) => items.push(node),
            Some(Open::Mapping(map, key)) => {
                if let Some(key) = key.take() {
                    map.insert(key, node);
                }
            }
        }
    }
    Ok(docs)
}

/// A collection may only start where a value goes, never as a mapping key.
fn expect_value(stack: &[Open], at: &dyn Fn() -> String) -> Result<(), String> {
    match stack.last() {
        Some(Open::Mapping(_, None)) => Err(format!("a key that is not a scalar at {}", at())),
        _ => Ok(()),
    }
}

/// The value of a scalar. Quoted and block scalars are strings; plain ones are resolved as
/// YAML 1.2's core schema does, and refused where a YAML 1.1 reader would read them otherwise.
fn scalar(text: &str, style: ScalarStyle) -> Result<Value, String> {
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        "y" | "Y" | "yes" | "Yes" | "YES" | "n" | "N" | "no" | "No" | "NO" | "on" | "On" | "ON"
        | "off" | "Off" | "OFF" => {
            return Err(format!(
                "the plain scalar `{text}`, a boolean to YAML 1.1 readers"
            ));
        }
        _ => {}
    }
    if !number_like(text) {
        return Ok(Value::String(text.to_string()));
    }
    canonical_number(text)
        .ok_or_else(|| format!("the plain scalar `{text}`, which YAML readers disagree on"))
}

/// Whether some YAML reader could take `text` for a number, a timestamp or a special float:
/// it starts like one and holds only what those forms are made of.
fn number_like(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    matches!(body, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN")
        || (body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && body.chars().all(|c| {
                c.is_ascii_hexdigit()
                    || matches!(c, '.' | '_' | ':' | '-' | '+' | ' ' | 'x' | 'X' | 'o' | 'O')
                    || matches!(c, 'T' | 't' | 'Z' | 'z')
            }))
}

/// A number every YAML reader reads alike: `-?(0|[1-9][0-9]*)`, optionally with a fraction.
/// An exponent is refused: YAML 1.1 readers take `1e3` for a string.
fn canonical_number(text: &str) -> Option<Value> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let canonical_int = int == "0"
        || (int.starts_with(|c: char| matches!(c, '1'..='9'))
            && int.chars().all(|c| c.is_ascii_digit()));
    if !canonical_int {
        return None;
    }
    if !digits.contains('.') {
        return if text.starts_with('-') {
            text.parse::<i64>().ok().map(Value::from)
        } else {
            text.parse::<u64>().ok().map(Value::from)
        };
    }
    if fraction.is_empty() || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Value, String> {
        documents(text).map(|mut docs| docs.remove(0))
    }

    #[test]
    fn reads_what_templates_write() {
        let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"a\"\n  labels: {\"x\": \"y\"}\ndata:\n  n: 3\n  f: 1.5\n  neg: -2\n  b: true\n  cpu: 100m\n  mem: 128Mi\n  list: [\"a\", 1]\n  block: |\n    line\n  empty:\n";
        let value = one(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            value,
            serde_json::json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "a", "labels": {"x": "y"}},
                "data": {"n": 3, "f": 1.5, "neg": -2, "b": true, "cpu": "100m", "mem": "128Mi",
                         "list": ["a", 1], "block": "line\n", "empty": null},
            })
        );
    }

    #[test]
    fn refuses_what_readers_disagree_on() {
        for plain in [
            "yes",
            "on",
            "NO",
            "0777",
            "0x1f",
            "0o17",
            "1_000",
            ".inf",
            "-.inf",
            ".nan",
            "+1",
            "2024-01-01",
            "1:30",
            "1e",
            "1.",
            "01.5",
            "1e3",
            "2001-12-14T21:59:43Z",
        ] {
            assert!(one(&format!("a: {plain}\n")).is_err(), "{plain}");
            assert_eq!(
                one(&format!("a: \"{plain}\"\n")).ok(),
                Some(serde_json::json!({"a": plain}))
            );
        }
        for bad in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "<<: {a: 1}\n",
            "a: 1\na: 2\n",
            "? [a]\n: 1\n",
        ] {
            assert!(one(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn several_documents_and_empty_ones() {
        let docs = documents("---\na: 1\n---\n---\nb: 2\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(docs.len(), 3);
        assert!(docs[1].is_null());
        assert_eq!(
            documents("").unwrap_or_else(|e| panic!("{e}")),
            Vec::<Value>::new()
        );
    }

    /// Over every template output of every tier, secrets mode and example site file, the reader
    /// accepts it (a template that writes what it refuses fails here) and gives exactly what
    /// serde-saphyr gives.
    #[test]
    fn agrees_with_serde_saphyr_on_every_render() {
        use crate::check::decode::{Inputs, decode};
        use crate::input::load::{BUILTINS, SetArg, builtin_document};
        use crate::input::source::{Document, Source};
        use crate::model::credentials::MasterKey;

        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
        let mut sites: Vec<Option<Document>> = vec![None];
        for entry in std::fs::read_dir(&fixtures).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let name = entry.path().display().to_string();
            let doc = Document::parse(Source { name, text }).unwrap_or_else(|e| panic!("{e:?}"));
            if crate::check::decode::environments(&doc).is_empty() {
                sites.push(Some(doc));
            }
        }
        assert!(sites.len() > 3, "the valid fixtures were not found");
        let key =
            MasterKey::new(b"readback-test-key-0123456789abcdef").unwrap_or_else(|e| panic!("{e}"));
        let mut compared = 0;
        for builtin in BUILTINS {
            for site in &sites {
                for mode in [
                    "external-secrets",
                    "vault-placeholders",
                    "derived",
                    "existing",
                ] {
                    let set = SetArg::parse(&format!("secrets.mode={mode}"))
                        .unwrap_or_else(|e| panic!("{e}"));
                    let inputs = Inputs {
                        profile: builtin_document(builtin)
                            .unwrap_or_else(|e| panic!("{e}"))
                            .into(),
                        site: site.clone().map(Into::into),
                        sets: vec![set],
                        requested_ccu: None,
                        environment: None,
                    };
                    let spec = decode(&inputs).unwrap_or_else(|e| panic!("{e:?}"));
                    let plan = crate::plan::plan(&spec);
                    let rendered =
                        crate::render::render(&plan, Some(&key)).unwrap_or_else(|e| panic!("{e}"));
                    let fragments =
                        crate::render::fragments(&plan).unwrap_or_else(|e| panic!("{e}"));
                    let texts = rendered
                        .iter()
                        .map(|r| (r.template, &r.text))
                        .chain(fragments.iter().map(|f| (f.file, &f.text)));
                    for (name, text) in texts {
                        let ours = documents(text).unwrap_or_else(|e| {
                            panic!("{name} in mode {mode} is refused: {e}\n{text}")
                        });
                        let theirs: Vec<Value> = serde_saphyr::from_multiple(text)
                            .unwrap_or_else(|e| panic!("{name}: {e}"));
                        assert_eq!(ours, theirs, "{name} in mode {mode}");
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 500, "{compared}");
    }
}
