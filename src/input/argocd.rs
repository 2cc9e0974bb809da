//! Argo CD's config-management-plugin contract, the input side: the variables Argo CD sets for a
//! plugin become the same `Request` the command line gives. `app::argocd` announces the
//! parameters listed here.
//!
//! Argo CD passes values three ways (argo-cd `docs/operator-manual/config-management-plugins.md`
//! and `ApplicationSourcePluginParameters.Environ`): each `plugin.env` entry as
//! `ARGOCD_ENV_<NAME>`, and each `plugin.parameters` entry twice, in the JSON list
//! `ARGOCD_APP_PARAMETERS` and as `PARAM_<NAME>` (the name upper-cased, every character outside
//! `[A-Z0-9_]` turned into `_`; an array item `i` as `PARAM_<NAME>_<i>`; empty values left out).
//! A parameter wins over a `plugin.env` entry of the same name. Argo CD derives the `PARAM_`
//! variables from the JSON list, so when the list is present the variables must agree with it.
//! An empty value counts as unset, as Argo CD drops empty variables. A parameter left unset falls
//! back to the site file and then to the schema's default, which is what
//! `app::argocd::announce` shows as its default: Argo CD never sends announced defaults, so they
//! must be what miniogen does anyway.
//!
//! Only `Variables::from_process` reads the process environment; everything else works on the
//! variables it is given.

use std::collections::BTreeMap;
use std::ffi::OsString;

use serde::Deserialize;

use crate::input::load::{CcuArg, Request, SHOWN_CHARS, SetArg, Surface};
use crate::model::diag::{Diagnostic, Location, did_you_mean, excerpt};

/// The JSON list of every parameter set in the Application.
pub const PARAMETERS_VAR: &str = "ARGOCD_APP_PARAMETERS";
/// The prefix of each parameter's own variables.
pub const PARAM_PREFIX: &str = "PARAM_";
/// The prefix Argo CD puts before each `plugin.env` name.
pub const ENV_PREFIX: &str = "ARGOCD_ENV_";

/// A parameter's value: one string, or a list of strings.
/// Whether a parameter takes one string or a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One string.
    String,
    /// A list of strings.
    Array,
}

/// One parameter miniogen accepts.
pub struct Parameter {
    /// Its name in the Application (`plugin.parameters[].name`) and, escaped, in `plugin.env`.
    pub name: &'static str,
    /// What the Argo CD UI shows as its title.
    pub title: &'static str,
    /// One string or a list.
    pub shape: Shape,
    /// The site key it overrides, as a JSON Pointer: its description and default come from the
    /// schema there. `None` for `env` and `set`, which override no single key.
    pub key: Option<&'static str>,
}

/// Every parameter, in the order the UI shows them. Each stands for the `miniogen gen` flag of
/// the same name.
pub const PARAMETERS: [Parameter; 6] = [
    Parameter {
        name: "ccu",
        title: "Concurrent users (CCU)",
        shape: Shape::String,
        key: Some("/ccu"),
    },
    Parameter {
        name: "env",
        title: "Environment of the site file",
        shape: Shape::String,
        key: None,
    },
    Parameter {
        name: "namespace",
        title: "Namespace",
        shape: Shape::String,
        key: Some("/namespace"),
    },
    Parameter {
        name: "storage-class",
        title: "Storage class",
        shape: Shape::String,
        key: Some("/tenant/storage_class"),
    },
    Parameter {
        name: "secrets-mode",
        title: "Secrets mode",
        shape: Shape::String,
        key: Some("/secrets/mode"),
    },
    Parameter {
        name: "set",
        title: "Overrides (key.path=value)",
        shape: Shape::Array,
        key: None,
    },
];

/// The tooltip of `set`, which stands for no single key of the schema.
pub const SET_TOOLTIP: &str = "Site keys to override, one `key.path=value` per item, as \
    `miniogen gen --set` takes them (`sizing.volume_size=1Ti`, `tenant.tls=false`); applied after \
    every other parameter. In `plugin.env`, `SET` takes one per line.";

/// How Argo CD escapes a parameter name into a variable name.
fn escaped(name: &str) -> String {
    name.chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The variables Argo CD set for the plugin: every one named `ARGOCD_APP_PARAMETERS`, or
/// starting with `PARAM_` or `ARGOCD_ENV_`.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    values: BTreeMap<String, String>,
    /// Names whose value is not UTF-8.
    unreadable: Vec<String>,
}

impl Variables {
    /// The plugin's variables from the process environment.
    #[must_use]
    pub fn from_process() -> Self {
        Self::from_pairs(std::env::vars_os())
    }

    /// The plugin's variables among `pairs`; the others are left out.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut out = Self::default();
        for (name, value) in pairs {
            let name = name.into().to_string_lossy().into_owned();
            let ours = name == PARAMETERS_VAR
                || name.starts_with(PARAM_PREFIX)
                || name.starts_with(ENV_PREFIX);
            if !ours {
                continue;
            }
            match value.into().into_string() {
                Ok(value) => {
                    out.values.insert(name, value);
                }
                Err(_) => out.unreadable.push(name),
            }
        }
        out
    }
}

/// A value given for a parameter, and where.
#[derive(Debug, Clone)]
struct Given {
    /// One item for a string parameter; the items of an array.
    items: Vec<Item>,
}

/// One value and where it was given.
#[derive(Debug, Clone)]
struct Item {
    value: String,
    /// How messages quote the assignment, such as `PARAM_CCU=lots`.
    shown: String,
    /// Where messages point, such as ``Argo CD parameter `ccu` (`PARAM_CCU`)``.
    origin: String,
}

/// One entry of `ARGOCD_APP_PARAMETERS`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonParameter {
    name: String,
    #[serde(default)]
    string: Option<String>,
    #[serde(default)]
    array: Option<Vec<String>>,
    #[serde(default)]
    map: Option<BTreeMap<String, String>>,
}

fn variable(name: &str) -> Location {
    Location::whole(&format!(
        "environment variable `{}`",
        excerpt(name, SHOWN_CHARS)
    ))
}

/// How a message quotes `NAME=value`, the value cut to `SHOWN_CHARS`.
fn assignment(name: &str, value: &str) -> String {
    format!("{name}={}", excerpt(value, SHOWN_CHARS))
}

fn parameter(name: &str) -> Option<&'static Parameter> {
    PARAMETERS.iter().find(|p| p.name == name)
}

fn unknown_help(word: &str, known: impl IntoIterator<Item = String>) -> String {
    let known: Vec<String> = known.into_iter().collect();
    if let Some(s) = did_you_mean(word, known.iter().map(String::as_str)) {
        format!("did you mean `{s}`?")
    } else {
        let quoted: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        format!("miniogen takes {}", quoted.join(", "))
    }
}

/// The parameters in `ARGOCD_APP_PARAMETERS`, or `None` when it is not set.
fn json_parameters(
    vars: &Variables,
    errors: &mut Vec<Diagnostic>,
) -> Option<BTreeMap<&'static str, Given>> {
    let text = vars.values.get(PARAMETERS_VAR)?;
    if text.trim().is_empty() {
        return Some(BTreeMap::new());
    }
    let list: Vec<JsonParameter> = match serde_json::from_str(text) {
        Ok(list) => list,
        Err(e) => {
            errors.push(
                Diagnostic::error(format!(
                    "`{PARAMETERS_VAR}` is not the JSON list of parameters Argo CD sends: {}",
                    excerpt(&e.to_string(), SHOWN_CHARS)
                ))
                .at(Some(variable(PARAMETERS_VAR)))
                .help(
                    "Argo CD sets it from the Application's `plugin.parameters`; unset it to \
                     run by hand with `PARAM_` variables",
                ),
            );
            return Some(BTreeMap::new());
        }
    };
    let mut out = BTreeMap::new();
    for entry in list {
        let Some(p) = parameter(&entry.name) else {
            errors.push(
                Diagnostic::error(format!(
                    "`{PARAMETERS_VAR}` sets the unknown parameter `{}`",
                    excerpt(&entry.name, SHOWN_CHARS)
                ))
                .at(Some(variable(PARAMETERS_VAR)))
                .help(unknown_help(
                    &entry.name,
                    PARAMETERS.iter().map(|p| p.name.to_string()),
                )),
            );
            continue;
        };
        let origin = format!("Argo CD parameter `{}` (`{PARAMETERS_VAR}`)", p.name);
        let given = match (p.shape, entry.string, entry.array, entry.map) {
            (_, None, None, None) => continue,
            (Shape::String, Some(value), None, None) => Given {
                items: vec![Item {
                    shown: assignment(p.name, &value),
                    value,
                    origin,
                }],
            },
            (Shape::Array, None, Some(values), None) => Given {
                items: values
                    .into_iter()
                    .enumerate()
                    .map(|(i, value)| Item {
                        shown: assignment(&format!("{}[{i}]", p.name), &value),
                        value,
                        origin: format!(
                            "Argo CD parameter `{}` item {i} (`{PARAMETERS_VAR}`)",
                            p.name
                        ),
                    })
                    .collect(),
            },
            _ => {
                let (takes, example) = match p.shape {
                    Shape::String => ("one string", format!("string: \"{}\"", example(p))),
                    Shape::Array => ("a list", "array: [\"sizing.volume_size=1Ti\"]".into()),
                };
                errors.push(
                    Diagnostic::error(format!(
                        "parameter `{}` takes {takes}, but `{PARAMETERS_VAR}` gives it another \
                         kind of value",
                        p.name
                    ))
                    .at(Some(variable(PARAMETERS_VAR)))
                    .help(format!("write `- name: {}` with `{example}`", p.name)),
                );
                continue;
            }
        };
        if out.insert(p.name, given).is_some() {
            errors.push(
                Diagnostic::error(format!("parameter `{}` is given twice", p.name))
                    .at(Some(variable(PARAMETERS_VAR)))
                    .help("keep one entry of that name in `plugin.parameters`"),
            );
        }
    }
    Some(out)
}

/// An example value of a string parameter, for help texts.
fn example(p: &Parameter) -> &'static str {
    match p.name {
        "ccu" => "5000",
        "env" => "production",
        "namespace" => "matrix",
        "storage-class" => "fast-ssd",
        _ => "external-secrets",
    }
}

/// The parameters in `PARAM_` variables.
fn param_variables(
    vars: &Variables,
    errors: &mut Vec<Diagnostic>,
) -> BTreeMap<&'static str, Given> {
    let mut strings: BTreeMap<&'static str, Item> = BTreeMap::new();
    let mut arrays: BTreeMap<&'static str, BTreeMap<usize, Item>> = BTreeMap::new();
    for (name, value) in vars.values.range(PARAM_PREFIX.to_string()..) {
        let Some(rest) = name.strip_prefix(PARAM_PREFIX) else {
            break;
        };
        let string = PARAMETERS
            .iter()
            .find(|p| p.shape == Shape::String && escaped(p.name) == rest);
        let item = |p: &Parameter| Item {
            value: value.clone(),
            shown: assignment(name, value),
            origin: format!("Argo CD parameter `{}` (`{name}`)", p.name),
        };
        if let Some(p) = string {
            strings.insert(p.name, item(p));
            continue;
        }
        let array = PARAMETERS.iter().find_map(|p| {
            let index = rest.strip_prefix(&format!("{}_", escaped(p.name)))?;
            let index: usize = index.parse().ok()?;
            (p.shape == Shape::Array).then_some((p, index))
        });
        if let Some((p, index)) = array {
            arrays.entry(p.name).or_default().insert(index, item(p));
            continue;
        }
        errors.push(
            Diagnostic::error(format!(
                "`{}` is no parameter of miniogen",
                excerpt(name, SHOWN_CHARS)
            ))
            .at(Some(variable(name)))
            .help(unknown_help(
                name,
                PARAMETERS.iter().map(|p| match p.shape {
                    Shape::String => format!("{PARAM_PREFIX}{}", escaped(p.name)),
                    Shape::Array => format!("{PARAM_PREFIX}{}_<n>", escaped(p.name)),
                }),
            )),
        );
    }
    let mut out: BTreeMap<&'static str, Given> = strings
        .into_iter()
        .map(|(name, item)| (name, Given { items: vec![item] }))
        .collect();
    for (name, items) in arrays {
        out.insert(
            name,
            Given {
                items: items.into_values().collect(),
            },
        );
    }
    out
}

/// Checks that the `PARAM_` variables say what `ARGOCD_APP_PARAMETERS` says: Argo CD derives both
/// from the same list, so a difference means one of them was set by hand.
fn agree(
    json: &BTreeMap<&'static str, Given>,
    params: &BTreeMap<&'static str, Given>,
    errors: &mut Vec<Diagnostic>,
) {
    for (name, given) in params {
        // A set, so that thousands of items are compared in linear time.
        let listed: std::collections::HashSet<&str> = json
            .get(name)
            .map(|g| g.items.iter().map(|i| i.value.as_str()).collect())
            .unwrap_or_default();
        for item in &given.items {
            // Argo CD leaves out empty items, so the variables hold a subsequence of the list.
            if !listed.contains(&item.value.as_str()) {
                let var = item.shown.split('=').next().unwrap_or_default();
                errors.push(
                    Diagnostic::error(format!(
                        "`{}` is not in `{PARAMETERS_VAR}`, which Argo CD sets from the same \
                         parameters",
                        item.shown
                    ))
                    .at(Some(variable(var)))
                    .help(format!(
                        "one of the two was set by hand: unset `{var}` or `{PARAMETERS_VAR}`"
                    )),
                );
            }
        }
    }
}

/// The `plugin.env` entries, `ARGOCD_ENV_<NAME>`; `SET` holds one override per line.
fn plugin_env(vars: &Variables, errors: &mut Vec<Diagnostic>) -> BTreeMap<&'static str, Given> {
    let mut out = BTreeMap::new();
    for (name, value) in vars.values.range(ENV_PREFIX.to_string()..) {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            break;
        };
        // `plugin.env` names are the user's: accept `storage-class` as well as `STORAGE_CLASS`.
        let Some(p) = PARAMETERS.iter().find(|p| escaped(p.name) == escaped(rest)) else {
            errors.push(
                Diagnostic::error(format!(
                    "`{}` (`plugin.env` entry `{}`) is no parameter of miniogen",
                    excerpt(name, SHOWN_CHARS),
                    excerpt(rest, SHOWN_CHARS)
                ))
                .at(Some(variable(name)))
                .help(unknown_help(
                    &escaped(rest),
                    PARAMETERS.iter().map(|p| escaped(p.name)),
                )),
            );
            continue;
        };
        let origin = format!("Argo CD plugin env `{rest}` (`{name}`)");
        let items = match p.shape {
            Shape::String => vec![Item {
                value: value.clone(),
                shown: assignment(name, value),
                origin,
            }],
            Shape::Array => value
                .lines()
                .enumerate()
                .filter(|(_, line)| !line.trim().is_empty())
                .map(|(i, line)| Item {
                    value: line.trim_end_matches('\r').to_string(),
                    shown: format!("{name} line {}: {}", i + 1, excerpt(line, SHOWN_CHARS)),
                    origin: format!("{origin}, line {}", i + 1),
                })
                .collect(),
        };
        out.insert(p.name, Given { items });
    }
    out
}

/// Turns the variables Argo CD set into the request `miniogen gen` would make with the same
/// parameters as flags. Every problem is reported at once, each naming its variable.
pub fn request(vars: &Variables) -> Result<Request, Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = vars
        .unreadable
        .iter()
        .map(|name| {
            Diagnostic::error(format!(
                "`{}` is not UTF-8 text",
                excerpt(name, SHOWN_CHARS)
            ))
            .at(Some(variable(name)))
        })
        .collect();
    let json = json_parameters(vars, &mut errors);
    let params = param_variables(vars, &mut errors);
    let parameters = match json {
        Some(json) => {
            agree(&json, &params, &mut errors);
            json
        }
        None => params,
    };
    let env = plugin_env(vars, &mut errors);

    let mut request = Request {
        ccu: None,
        profile: None,
        config: None,
        env: None,
        sets: Vec::new(),
        surface: Surface::ArgoCd,
    };
    let mut overrides = Vec::new();
    for p in &PARAMETERS {
        let chosen: Vec<&Item> = match p.shape {
            // A parameter wins over a `plugin.env` entry; empty values count as unset.
            Shape::String => parameters
                .get(p.name)
                .and_then(|g| g.items.first())
                .filter(|i| !i.value.is_empty())
                .or_else(|| {
                    env.get(p.name)
                        .and_then(|g| g.items.first())
                        .filter(|i| !i.value.is_empty())
                })
                .into_iter()
                .collect(),
            // Overrides from both apply, the parameters' last so that they win.
            Shape::Array => env
                .get(p.name)
                .into_iter()
                .chain(parameters.get(p.name))
                .flat_map(|g| &g.items)
                .filter(|i| !i.value.is_empty())
                .collect(),
        };
        for item in chosen {
            let value = item.value.trim();
            match p.name {
                "ccu" => match value.parse::<u32>() {
                    Ok(n) => {
                        request.ccu = Some(CcuArg {
                            value: n,
                            shown: item.shown.clone(),
                            location: Location::whole(&item.origin),
                        });
                    }
                    Err(_) => errors.push(
                        Diagnostic::error(format!(
                            "`{}`: `{}` is not a number of concurrent users",
                            item.shown,
                            excerpt(value, SHOWN_CHARS)
                        ))
                        .at(Some(Location::whole(&item.origin)))
                        .help("set `ccu` to a whole number such as `5000`"),
                    ),
                },
                "env" => request.env = Some(value.to_string()),
                "set" => match SetArg::parse_from(
                    &item.value,
                    &item.shown,
                    &item.origin,
                    "write one `key.path=value` per item, such as `sizing.volume_size=1Ti`",
                ) {
                    Ok(set) => overrides.push(set),
                    Err(d) => errors.push(d),
                },
                _ => {
                    let path: Vec<&str> = p.key.unwrap_or_default().split('/').skip(1).collect();
                    request
                        .sets
                        .push(SetArg::string(&path, value, &item.shown, &item.origin));
                }
            }
        }
    }
    request.sets.extend(overrides);
    if errors.is_empty() {
        Ok(request)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn vars(pairs: &[(&str, &str)]) -> Variables {
        Variables::from_pairs(pairs.iter().copied())
    }

    fn sets(request: &Request) -> Vec<(String, Value)> {
        request
            .sets
            .iter()
            .map(|s| (s.path.join("."), s.value.clone()))
            .collect()
    }

    fn errors(pairs: &[(&str, &str)]) -> String {
        match request(&vars(pairs)) {
            Ok(r) => panic!("accepted: {r:?}"),
            Err(d) => crate::model::diag::render_all(&d),
        }
    }

    #[test]
    fn names_are_escaped_like_argo_cd_does() {
        assert_eq!(escaped("storage-class"), "STORAGE_CLASS");
        assert_eq!(escaped("image.tag"), "IMAGE_TAG");
        assert_eq!(escaped("a_b9"), "A_B9");
    }

    #[test]
    fn all_three_channels_give_the_same_request() {
        let json = r#"[{"name":"ccu","string":"5000"},{"name":"namespace","string":"chat"},
            {"name":"set","array":["tenant.tls=false","sizing.volume_size=1Ti"]}]"#;
        let from_json = request(&vars(&[(PARAMETERS_VAR, json)]));
        let from_params = request(&vars(&[
            ("PARAM_CCU", "5000"),
            ("PARAM_NAMESPACE", "chat"),
            ("PARAM_SET_0", "tenant.tls=false"),
            ("PARAM_SET_1", "sizing.volume_size=1Ti"),
        ]));
        let from_both = request(&vars(&[
            (PARAMETERS_VAR, json),
            ("PARAM_CCU", "5000"),
            ("PARAM_NAMESPACE", "chat"),
            ("PARAM_SET_0", "tenant.tls=false"),
            ("PARAM_SET_1", "sizing.volume_size=1Ti"),
        ]));
        let from_env = request(&vars(&[
            ("ARGOCD_ENV_CCU", "5000"),
            ("ARGOCD_ENV_NAMESPACE", "chat"),
            (
                "ARGOCD_ENV_SET",
                "tenant.tls=false\n\nsizing.volume_size=1Ti\n",
            ),
        ]));
        let expected = vec![
            ("namespace".to_string(), json!("chat")),
            ("tenant.tls".to_string(), json!(false)),
            ("sizing.volume_size".to_string(), json!("1Ti")),
        ];
        for r in [from_json, from_params, from_both, from_env] {
            let r = r.unwrap_or_else(|d| panic!("{}", crate::model::diag::render_all(&d)));
            assert_eq!(r.ccu.as_ref().map(|c| c.value), Some(5000));
            assert_eq!(sets(&r), expected);
            assert_eq!(r.surface, Surface::ArgoCd);
        }
    }

    #[test]
    fn parameters_win_over_plugin_env_and_overrides_stack() {
        let r = request(&vars(&[
            ("ARGOCD_ENV_NAMESPACE", "from-env"),
            ("ARGOCD_ENV_storage-class", "env-class"),
            ("PARAM_NAMESPACE", "from-param"),
            ("ARGOCD_ENV_SET", "rclone.enabled=false"),
            ("PARAM_SET_0", "rclone.enabled=true"),
            ("PARAM_SECRETS_MODE", "existing"),
        ]))
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(
            sets(&r),
            [
                ("namespace".to_string(), json!("from-param")),
                ("tenant.storage_class".to_string(), json!("env-class")),
                ("secrets.mode".to_string(), json!("existing")),
                ("rclone.enabled".to_string(), json!(false)),
                ("rclone.enabled".to_string(), json!(true)),
            ]
        );
    }

    #[test]
    fn empty_values_are_unset_and_flags_stay_strings() {
        let r = request(&vars(&[
            (
                PARAMETERS_VAR,
                r#"[{"name":"namespace","string":""},{"name":"env"}]"#,
            ),
            ("ARGOCD_ENV_NAMESPACE", "8"),
            ("PARAM_SET_2", "sizing.servers=8"),
        ]));
        // `PARAM_SET_2` without the JSON listing it is refused below; here without it.
        assert!(r.is_err());
        let r = request(&vars(&[
            (
                PARAMETERS_VAR,
                r#"[{"name":"namespace","string":""},{"name":"env"}]"#,
            ),
            ("ARGOCD_ENV_NAMESPACE", "8"),
        ]))
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(sets(&r), [("namespace".to_string(), json!("8"))]);
        assert!(r.env.is_none() && r.ccu.is_none());
    }

    #[test]
    fn array_items_argo_cd_left_out_keep_their_order() {
        // Argo CD drops empty items from the variables but not from the JSON.
        let r = request(&vars(&[
            (
                PARAMETERS_VAR,
                r#"[{"name":"set","array":["a.b=1","","a.c=2"]}]"#,
            ),
            ("PARAM_SET_0", "a.b=1"),
            ("PARAM_SET_2", "a.c=2"),
        ]))
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(
            sets(&r),
            [("a.b".to_string(), json!(1)), ("a.c".to_string(), json!(2))]
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        let text = errors(&[("PARAM_CCU", "lots")]);
        assert!(
            text.contains("`PARAM_CCU=lots`: `lots` is not a number"),
            "{text}"
        );
        assert!(
            text.contains("--> Argo CD parameter `ccu` (`PARAM_CCU`)"),
            "{text}"
        );

        let text = errors(&[("PARAM_SET_0", "novalue")]);
        assert!(
            text.contains("cannot read `PARAM_SET_0=novalue`: no `=`"),
            "{text}"
        );

        let text = errors(&[("ARGOCD_ENV_CCCU", "100")]);
        assert!(text.contains("`ARGOCD_ENV_CCCU`"), "{text}");
        assert!(text.contains("did you mean `CCU`?"), "{text}");

        let text = errors(&[("PARAM_NAMESPAC", "x")]);
        assert!(text.contains("did you mean `PARAM_NAMESPACE`?"), "{text}");

        let text = errors(&[(PARAMETERS_VAR, "not json")]);
        assert!(
            text.contains("`ARGOCD_APP_PARAMETERS` is not the JSON list"),
            "{text}"
        );

        let text = errors(&[(PARAMETERS_VAR, r#"[{"name":"ccu","array":["1"]}]"#)]);
        assert!(text.contains("parameter `ccu` takes one string"), "{text}");

        let text = errors(&[(PARAMETERS_VAR, r#"[{"name":"sets","array":["a=1"]}]"#)]);
        assert!(text.contains("unknown parameter `sets`"), "{text}");
        assert!(text.contains("did you mean `set`?"), "{text}");

        let text = errors(&[
            (PARAMETERS_VAR, r#"[{"name":"ccu","string":"100"}]"#),
            ("PARAM_CCU", "20000"),
        ]);
        assert!(
            text.contains("`PARAM_CCU=20000` is not in `ARGOCD_APP_PARAMETERS`"),
            "{text}"
        );

        // Every problem at once.
        let text = errors(&[("PARAM_CCU", "x"), ("ARGOCD_ENV_FOO", "y")]);
        assert!(text.contains("2 problems"), "{text}");
    }

    #[test]
    fn other_variables_are_ignored() {
        let r = request(&vars(&[
            ("HOME", "/"),
            ("ARGOCD_APP_NAME", "minio"),
            ("KUBE_VERSION", "1.30"),
        ]))
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert!(r.sets.is_empty() && r.ccu.is_none() && r.env.is_none());
    }
}
