//! JSON Schemas of the profile and site files, and the check of a document against them.
//!
//! The schemas are generated from the `spec` types with schemars and committed in `schema/`; the
//! binary embeds the committed files, and a test fails when they drift from the types. Checking
//! reports every violation at once, each turned into a located diagnostic with the key path, what
//! was expected and, for unknown keys, the closest known key.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::input::source::{escape_pointer, key_path};
use crate::model::diag::{Diagnostic, Location, did_you_mean};
use crate::model::spec::{Profile, Site};

/// Which of the two input kinds a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A sizing profile (`profiles/*.toml`, `--profile`).
    Profile,
    /// A site file (`miniogen.toml`, `--config`).
    Site,
}

impl Kind {
    /// File name of the committed schema under `schema/`.
    #[must_use]
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::Profile => "profile.schema.json",
            Kind::Site => "site.schema.json",
        }
    }

    /// The committed schema text, as embedded in the binary.
    #[must_use]
    pub fn committed(self) -> &'static str {
        match self {
            Kind::Profile => include_str!("../../schema/profile.schema.json"),
            Kind::Site => include_str!("../../schema/site.schema.json"),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Profile => "the profile",
            Kind::Site => "the site file",
        }
    }
}

/// Generates a schema from the Rust types, pretty-printed with a trailing newline.
#[must_use]
pub fn generate(kind: Kind) -> String {
    let schema = match kind {
        Kind::Profile => schemars::schema_for!(Profile),
        Kind::Site => schemars::schema_for!(Site),
    };
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Finds where a JSON Pointer is written: `(pointer, at_key)` to a location.
pub type Locate<'a> = dyn Fn(&str, bool) -> Location + 'a;

/// A committed schema and its compiled validator.
struct Compiled {
    schema: Value,
    validator: jsonschema::Validator,
}

/// Compiles the committed schema of `kind` once per process, on first use: compiling costs more
/// than checking a document, and a fleet of environments checks one per environment.
fn compiled(kind: Kind) -> Result<&'static Compiled, String> {
    static PROFILE: OnceLock<Result<Compiled, String>> = OnceLock::new();
    static SITE: OnceLock<Result<Compiled, String>> = OnceLock::new();
    let cell = match kind {
        Kind::Profile => &PROFILE,
        Kind::Site => &SITE,
    };
    cell.get_or_init(|| {
        let schema: Value = serde_json::from_str(kind.committed())
            .map_err(|e| format!("embedded schema is broken: {e}"))?;
        let mut options = jsonschema::options().should_validate_formats(true);
        for (name, _, check) in crate::check::names::FORMATS {
            options = options.with_format(name, move |value: &str| check(value).is_ok());
        }
        let validator = options
            .build(&schema)
            .map_err(|e| format!("embedded schema is broken: {e}"))?;
        Ok(Compiled { schema, validator })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Checks `value` against the committed schema of `kind`; an empty list means it conforms.
#[must_use]
pub fn check(kind: Kind, value: &Value, locate: &Locate<'_>) -> Vec<Diagnostic> {
    let Compiled { schema, validator } = match compiled(kind) {
        Ok(compiled) => compiled,
        Err(message) => return vec![Diagnostic::error(message)],
    };
    // Entries past a `maxItems` or `maxProperties` are not checked: one diagnostic says the
    // list is too long, rather than one per entry of a list of thousands.
    let mut limits = Vec::new();
    over_limit(
        schema,
        resolve(schema, schema),
        value,
        &mut String::new(),
        &mut limits,
    );
    let truncated = (!limits.is_empty()).then(|| within_limits(value, &limits));
    let value = truncated.as_ref().unwrap_or(value);
    let mut floats = Vec::new();
    whole_floats(
        schema,
        resolve(schema, schema),
        value,
        &mut String::new(),
        &mut floats,
    );
    let mut out: Vec<Diagnostic> = limits
        .iter()
        .map(|(pointer, limit)| too_many(locate, pointer, *limit))
        .collect();
    out.extend(floats.iter().map(|pointer| {
        Diagnostic::error(format!(
            "wrong type for `{}`: expected an integer, found a float",
            key_path(pointer)
        ))
        .at(Some(locate(pointer, false)))
        .key(key_path(pointer))
        .label("expected an integer")
        .help("write it without a decimal point or exponent")
    }));
    let floats: std::collections::HashSet<String> = floats.into_iter().collect();
    for error in validator.iter_errors(value) {
        let pointer = error.instance_path().to_string();
        if floats.contains(&pointer) {
            continue;
        }
        out.extend(describe(
            kind,
            schema,
            value,
            locate,
            &pointer,
            error.kind(),
        ));
    }
    out
}

fn describe(
    kind: Kind,
    schema: &Value,
    value: &Value,
    locate: &Locate<'_>,
    pointer: &str,
    error: &ValidationErrorKind,
) -> Vec<Diagnostic> {
    let here = || Some(locate(pointer, false));
    let path = key_path(pointer);
    let found = value.pointer(pointer);
    let one = |d: Diagnostic| vec![d.key(path.clone())];
    match error {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|key| unknown_key(kind, schema, locate, pointer, key))
            .collect(),
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let child = format!("{pointer}/{}", escape_pointer(name));
            one(
                Diagnostic::error(format!("missing key `{}`", key_path(&child)))
                    .at(here())
                    .label(format!("`{name}` is required here"))
                    .help(format!(
                        "add `{name} = ...`; see `miniogen schema` for its type"
                    )),
            )
        }
        ValidationErrorKind::Type { kind: expected } => {
            let expected = type_name(expected);
            one(Diagnostic::error(format!(
                "wrong type for `{path}`: expected {expected}, found {}",
                found.map_or("nothing", json_type)
            ))
            .at(here())
            .label(format!("expected {expected}")))
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            one(Diagnostic::error(format!("`{path}` is too small"))
                .at(here())
                .label(format!("expected at least {limit}")))
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            one(Diagnostic::error(format!("`{path}` is too large"))
                .at(here())
                .label(format!("expected at most {limit}")))
        }
        ValidationErrorKind::MinLength { limit } => {
            one(Diagnostic::error(format!("`{path}` is too short"))
                .at(here())
                .label(format!("expected at least {limit} characters")))
        }
        ValidationErrorKind::MaxLength { limit } => {
            one(Diagnostic::error(format!("`{path}` is too long"))
                .at(here())
                .label(format!("expected at most {limit} characters")))
        }
        ValidationErrorKind::MaxProperties { limit } | ValidationErrorKind::MaxItems { limit } => {
            vec![too_many(locate, pointer, *limit)]
        }
        ValidationErrorKind::Enum { options } => {
            let choices: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| format!("`{}`", o.as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            let mut d = Diagnostic::error(format!("`{path}` has no such choice"))
                .at(here())
                .label(format!("expected one of {}", choices.join(", ")));
            if let Some(s) = found.and_then(Value::as_str) {
                let names: Vec<&str> = options
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(suggestion) = did_you_mean(s, names) {
                    d = d.help(format!("did you mean `{suggestion}`?"));
                }
            }
            one(d)
        }
        ValidationErrorKind::Format { format } => vec![bad_format(locate, pointer, format, found)],
        ValidationErrorKind::PropertyNames { error } => {
            vec![bad_property_name(locate, pointer, error)]
        }
        other => one(Diagnostic::error(format!("`{path}` is not valid"))
            .at(here())
            .label(other_message(other))),
    }
}

/// A list or table with more entries than its schema's `maxItems` or `maxProperties`.
fn too_many(locate: &Locate<'_>, pointer: &str, limit: u64) -> Diagnostic {
    let path = key_path(pointer);
    Diagnostic::error(format!("`{path}` has too many entries"))
        .at(Some(locate(pointer, false)))
        .key(path)
        .label(format!("expected at most {limit}"))
        .help(
            "the limit keeps a run bounded (split the site file if you need more); entries \
             past it were not checked",
        )
}

/// The pointers of lists and tables longer than their schema's `maxItems` or `maxProperties`,
/// each with its limit. Entries past a limit are not looked into.
fn over_limit(
    root: &Value,
    node: &Value,
    value: &Value,
    pointer: &mut String,
    out: &mut Vec<(String, u64)>,
) {
    let (len, key) = match value {
        Value::Object(map) => (map.len(), "maxProperties"),
        Value::Array(items) => (items.len(), "maxItems"),
        _ => return,
    };
    let max = node.get(key).and_then(Value::as_u64);
    if let Some(max) = max.filter(|&m| len as u64 > m) {
        out.push((pointer.clone(), max));
    }
    let keep = usize::try_from(max.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
    children(
        root,
        node,
        value,
        keep,
        pointer,
        &mut |child, inner, pointer| {
            over_limit(root, child, inner, pointer, out);
        },
    );
}

/// Calls `visit` with the schema, the value and the pointer of each of the first `keep` entries
/// of `value` (a table or a list) that the schema `node` describes.
fn children(
    root: &Value,
    node: &Value,
    value: &Value,
    keep: usize,
    pointer: &mut String,
    visit: &mut dyn FnMut(&Value, &Value, &mut String),
) {
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter().take(keep) {
                let child = node
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(child) = child {
                    pointer.push('/');
                    pointer.push_str(&escape_pointer(key));
                    visit(resolve(root, child), inner, pointer);
                    pointer.truncate(len);
                }
            }
        }
        Value::Array(items) => {
            if let Some(child) = node.get("items") {
                for (i, inner) in items.iter().enumerate().take(keep) {
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    visit(resolve(root, child), inner, pointer);
                    pointer.truncate(len);
                }
            }
        }
        _ => {}
    }
}

/// `value` with every list and table of `limits` cut to its limit.
fn within_limits(value: &Value, limits: &[(String, u64)]) -> Value {
    let mut value = value.clone();
    for (pointer, limit) in limits {
        let keep = usize::try_from(*limit).unwrap_or(usize::MAX);
        match value.pointer_mut(pointer) {
            Some(Value::Array(items)) => items.truncate(keep),
            Some(Value::Object(map)) => {
                let mut seen = 0;
                map.retain(|_, _| {
                    seen += 1;
                    seen <= keep
                });
            }
            _ => {}
        }
    }
    value
}

/// The pointers of floats where the schema wants an integer. JSON Schema's `integer` takes any
/// number whose fraction is zero (2020-12 Validation, section 6.1.1), so `servers = 4.0` and
/// `1e12` pass it; the types then refuse them, with no location. TOML tells floats from integers,
/// and so does this walk.
fn whole_floats(
    root: &Value,
    node: &Value,
    value: &Value,
    pointer: &mut String,
    out: &mut Vec<String>,
) {
    if let Value::Number(n) = value {
        let wants_integer = match &node["type"] {
            Value::String(t) => t == "integer",
            Value::Array(ts) => {
                ts.iter().any(|t| t == "integer") && !ts.iter().any(|t| t == "number")
            }
            _ => false,
        };
        if n.is_f64() && wants_integer {
            out.push(pointer.clone());
        }
        return;
    }
    children(
        root,
        node,
        value,
        usize::MAX,
        pointer,
        &mut |child, inner, pointer| {
            whole_floats(root, child, inner, pointer, out);
        },
    );
}

fn unknown_key(
    kind: Kind,
    schema: &Value,
    locate: &Locate<'_>,
    pointer: &str,
    key: &str,
) -> Diagnostic {
    let child = format!("{pointer}/{}", escape_pointer(key));
    let known = known_keys(schema, pointer);
    let path = key_path(pointer);
    let parent = if path.is_empty() {
        kind.noun().to_string()
    } else {
        format!("`{path}`")
    };
    let d = Diagnostic::error(format!("unknown key `{key}`"))
        .at(Some(locate(&child, true)))
        .key(key_path(&child))
        .label(format!("not a key of {parent}"));
    if let Some(suggestion) = did_you_mean(key, known.iter().map(String::as_str)) {
        d.help(format!("did you mean `{suggestion}`?"))
    } else if known.is_empty() {
        d
    } else {
        d.help(format!("known keys: {}", known.join(", ")))
    }
}

fn bad_format(
    locate: &Locate<'_>,
    pointer: &str,
    format: &str,
    found: Option<&Value>,
) -> Diagnostic {
    let path = key_path(pointer);
    let value = found.and_then(Value::as_str).unwrap_or_default();
    let (expected, why) = crate::check::names::check_format(format, value)
        .unwrap_or(("a valid value", "is not valid".into()));
    Diagnostic::error(format!(
        "`{path}`: {} {why}",
        crate::model::diag::quote(value)
    ))
    .at(Some(locate(pointer, false)))
    .key(path)
    .label(format!("expected {expected}"))
}

/// A key that breaks its table's `propertyNames`: the message points at the key itself.
fn bad_property_name(
    locate: &Locate<'_>,
    pointer: &str,
    error: &jsonschema::ValidationError<'_>,
) -> Diagnostic {
    let key = error.instance().as_str().unwrap_or_default();
    let child = format!("{pointer}/{}", escape_pointer(key));
    let (expected, why) = match error.kind() {
        ValidationErrorKind::Format { format } => crate::check::names::check_format(format, key)
            .unwrap_or(("a valid name", "is not valid".into())),
        other => ("a valid name", other_message(other)),
    };
    Diagnostic::error(format!(
        "`{}`: the name {} {why}",
        key_path(pointer),
        crate::model::diag::quote(key)
    ))
    .at(Some(locate(&child, true)))
    .key(key_path(&child))
    .label(format!("expected {expected}"))
}

fn other_message(kind: &ValidationErrorKind) -> String {
    match kind {
        ValidationErrorKind::Pattern { pattern } => format!("expected to match `{pattern}`"),
        ValidationErrorKind::MinItems { limit } => format!("expected at least {limit} entries"),
        _ => "does not match the schema".into(),
    }
}

fn type_name(kind: &TypeKind) -> String {
    let name = |t: &jsonschema::types::JsonType| match t.to_string().as_str() {
        "integer" => "an integer".to_string(),
        "number" => "a number".to_string(),
        "string" => "a string".to_string(),
        "boolean" => "a boolean (`true` or `false`)".to_string(),
        "object" => "a table".to_string(),
        "array" => "an array".to_string(),
        "null" => "nothing".to_string(),
        other => other.to_string(),
    };
    match kind {
        TypeKind::Single(t) => name(t),
        TypeKind::Multiple(ts) => ts
            .iter()
            .filter(|t| t.to_string() != "null")
            .map(|t| name(&t))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a table",
    }
}

/// The property names the schema allows for the object at an instance pointer.
fn known_keys(root: &Value, pointer: &str) -> Vec<String> {
    let mut node = resolve(root, root);
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        let next = node
            .get("properties")
            .and_then(|p| p.get(&segment))
            .or_else(|| node.get("items"))
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()));
        match next {
            Some(n) => node = resolve(root, n),
            None => return Vec::new(),
        }
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// `node`, or what its `$ref`s (JSON Pointers into `root`, such as `#/$defs/Tenant`) lead to; a
/// reference that leads nowhere, or a chain longer than eight, stops where it is.
#[must_use]
pub fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => node = target,
                None => return node,
            },
            None => return node,
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::source::{Document, Source};

    fn site(text: &str) -> Vec<Diagnostic> {
        let doc = Document::parse(Source {
            name: "miniogen.toml".into(),
            text: text.into(),
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
        check(Kind::Site, &doc.value, &|p, k| doc.locate(p, k))
    }

    #[test]
    fn committed_schemas_are_current() {
        for kind in [Kind::Profile, Kind::Site] {
            assert!(
                generate(kind) == kind.committed(),
                "schema/{} is stale: run `cargo run -- schema --write`",
                kind.file_name()
            );
        }
    }

    #[test]
    fn reports_every_violation_with_location() {
        let d = site("namspace = \"x\"\n[sizing]\nservers = \"four\"\nparity = 0\n");
        assert_eq!(d.len(), 3, "{d:#?}");
        let unknown = d.iter().find(|d| d.message.contains("namspace")).cloned();
        let unknown = unknown.unwrap_or_else(|| panic!("{d:#?}"));
        assert_eq!(unknown.help.as_deref(), Some("did you mean `namespace`?"));
        assert_eq!(unknown.location.map(|l| (l.line, l.column)), Some((1, 1)));
        let wrong = d
            .iter()
            .find(|d| d.key.as_deref() == Some("sizing.servers"));
        assert!(wrong.is_some_and(|w| w.message.contains("expected an integer, found a string")));
    }

    #[test]
    fn nested_unknown_keys_get_suggestions() {
        let d = site("[sizing.resources.limits]\ncpuu = \"4\"\n");
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `cpu`?"));
        assert_eq!(d[0].key.as_deref(), Some("sizing.resources.limits.cpuu"));
    }
}
