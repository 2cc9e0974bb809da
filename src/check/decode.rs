//! From parsed documents to one typed `Spec`: schema checks, serde decoding and layering.
//!
//! Layers, lowest first: the profile, the site file, then command-line flags and `--set`
//! overrides (which apply to the site document). The `Locator` remembers which layer wrote each
//! key so that later stages can point a diagnostic at the line the user must change.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::check::schema::{self, Kind};
use crate::input::load::SetArg;
use crate::input::source::{Document, key_path};
use crate::model::diag::{Diagnostic, Location};
use crate::model::spec::{Profile, Site, Sizing, Spec};

/// Everything the user gave, parsed.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The sizing profile.
    pub profile: Arc<Document>,
    /// The site file, when there is one; shared by every environment of a run.
    pub site: Option<Arc<Document>>,
    /// Flags and `--set` overrides, in the order they apply.
    pub sets: Vec<SetArg>,
    /// The CCU asked for with `--ccu`, if any.
    pub requested_ccu: Option<u32>,
    /// The environment of the site file to render, if any.
    pub environment: Option<String>,
}

/// Points a JSON Pointer of the effective configuration at the layer that wrote it.
pub struct Locator<'a> {
    inputs: &'a Inputs,
    /// The last `--set` that writes each pointer, by its index in `inputs.sets`.
    set_at: HashMap<String, usize>,
    /// The last `--set` that writes inside each pointer (a key below it).
    set_below: HashMap<String, usize>,
}

impl<'a> Locator<'a> {
    /// A locator over these inputs. It indexes the overrides once, so that locating a problem
    /// costs the depth of its pointer, not the number of overrides: thousands of bad `--set`s
    /// are reported in linear time.
    #[must_use]
    pub fn new(inputs: &'a Inputs) -> Self {
        let mut set_at = HashMap::new();
        let mut set_below = HashMap::new();
        for (i, set) in inputs.sets.iter().enumerate() {
            let pointer = set.pointer();
            for (cut, _) in pointer.match_indices('/').skip(1) {
                set_below.insert(pointer[..cut].to_string(), i);
            }
            set_below.insert(String::new(), i);
            set_at.insert(pointer, i);
        }
        Self {
            inputs,
            set_at,
            set_below,
        }
    }

    /// The location of the highest layer that writes `pointer`, if any writes it.
    #[must_use]
    pub fn find(&self, pointer: &str) -> Option<Location> {
        if let Some(set) = self.set_for(pointer) {
            return Some(set.location());
        }
        // An environment's own value wins over the shared one.
        if let (Some(env), Some(site)) = (self.environment_pointer(pointer), &self.inputs.site) {
            return Some(site.locate(&env, false));
        }
        for doc in self
            .inputs
            .site
            .iter()
            .chain(std::iter::once(&self.inputs.profile))
        {
            if doc.defines(pointer) {
                return Some(doc.locate(pointer, false));
            }
        }
        None
    }

    /// The last override that writes `pointer`, a key above it or a key below it.
    fn set_for(&self, pointer: &str) -> Option<&SetArg> {
        let above = pointer
            .match_indices('/')
            .map(|(cut, _)| &pointer[..cut])
            .chain(std::iter::once(pointer))
            .filter_map(|p| self.set_at.get(p));
        let below = self.set_below.get(pointer);
        above
            .chain(below)
            .max()
            .and_then(|&i| self.inputs.sets.get(i))
    }

    /// The pointer in the site document where an environment overrides `pointer`, if it does.
    fn environment_pointer(&self, pointer: &str) -> Option<String> {
        let env = self.inputs.environment.as_ref()?;
        let site = self.inputs.site.as_ref()?;
        let overridden = format!(
            "/environments/{}{pointer}",
            crate::input::source::escape_pointer(env)
        );
        site.defines(&overridden).then_some(overridden)
    }

    fn site_location(&self, pointer: &str, key: bool) -> Location {
        if let Some(set) = self.set_for(pointer) {
            return set.location();
        }
        match &self.inputs.site {
            Some(doc) => doc.locate(
                &self
                    .environment_pointer(pointer)
                    .unwrap_or_else(|| pointer.into()),
                key,
            ),
            None => Location::whole("site defaults"),
        }
    }

    /// A diagnostic about the key at `pointer`, located and with its key path.
    #[must_use]
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message)
            .at(self.find(pointer))
            .key(key_path(pointer))
    }

    /// A warning about the key at `pointer`.
    #[must_use]
    pub fn warning(&self, pointer: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(message)
            .at(self.find(pointer))
            .key(key_path(pointer))
    }
}

/// Checks a document as written against the schema of its kind, before any layering, so that
/// every problem (in every environment of a site file) is reported where it is written. Run it
/// once per document, not per environment: a fleet's environments share one site file.
#[must_use]
pub fn check_document(kind: Kind, doc: &Document) -> Vec<Diagnostic> {
    schema::check(kind, &doc.value, &|p, k| doc.locate(p, k))
}

/// Decodes the layers into one `Spec`, checking the site settings as layered. The documents must
/// have passed `check_document` (built-in profiles pass it by a test, not at run time).
pub fn decode(inputs: &Inputs) -> Result<Spec, Vec<Diagnostic>> {
    let locator = Locator::new(inputs);
    let mut diagnostics = Vec::new();
    let mut site_value = effective_site(inputs.site.as_deref(), inputs.environment.as_deref())
        .map_err(|d| vec![d])?;
    for set in &inputs.sets {
        if let Err(d) = set.apply(&mut site_value) {
            diagnostics.push(d);
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    // Without a site file or an override the site settings are all defaults, which hold by
    // construction; the check would only cost the schema's compilation.
    if inputs.site.is_some() || !inputs.sets.is_empty() {
        diagnostics.extend(schema::check(Kind::Site, &site_value, &|p, k| {
            locator.site_location(p, k)
        }));
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }

    let profile: Profile = typed(&inputs.profile.value, &inputs.profile.source.name)?;
    let site: Site = typed(&site_value, "the site file")?;
    let mut sizing_value = inputs
        .profile
        .value
        .get("sizing")
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(overrides) = site_value.get("sizing") {
        let mut overrides = overrides.clone();
        // Whether the first pool is retired is the site's to say, not a profile's.
        if let Some(keys) = overrides.as_object_mut() {
            keys.remove("decommissioned");
        }
        merge(&mut sizing_value, &overrides);
    }
    let sizing: Sizing = typed(&sizing_value, "the merged sizing")?;
    Ok(Spec {
        tier_ccu: profile.ccu,
        requested_ccu: inputs.requested_ccu,
        summary: profile.summary,
        profile_name: inputs.profile.source.name.clone(),
        sizing,
        site,
    })
}

/// The overrides that apply to `environment`, each as it applies to the effective site file:
/// `--set environments.NAME.key=value` becomes `key=value` for environment `NAME` (after its own
/// keys, in the order given, like every `--set`) and is left out for the others. One that names
/// an environment the site file does not describe, or sets `environments` whole, is refused:
/// it could only be ignored.
pub fn environment_sets(
    sets: &[SetArg],
    site: Option<&Document>,
    environment: Option<&str>,
) -> Result<Vec<SetArg>, Vec<Diagnostic>> {
    let described = |name: &str| {
        site.and_then(|s| s.value.get("environments"))
            .and_then(|e| e.get(name))
            .is_some()
    };
    let mut out = Vec::with_capacity(sets.len());
    let mut problems = Vec::new();
    for set in sets {
        if set.path.first().map(String::as_str) != Some("environments") {
            out.push(set.clone());
            continue;
        }
        let Some(name) = set.path.get(1) else {
            problems.push(
                Diagnostic::error(
                    "`--set environments=...` would replace every environment at once",
                )
                .at(Some(set.location()))
                .help("set one environment's key, such as `environments.NAME.namespace=...`"),
            );
            continue;
        };
        if !described(name) {
            let names = site.map(environments).unwrap_or_default();
            let mut d = Diagnostic::error(format!(
                "the site file describes no environment {}",
                crate::model::diag::quote(&crate::model::diag::excerpt(name, 64))
            ))
            .at(Some(set.location()));
            d = match crate::model::diag::did_you_mean(name, names.iter().map(String::as_str)) {
                Some(near) => d.help(format!("did you mean `{near}`?")),
                None => d.help(format!(
                    "describe it in the site file first, under `[environments.{}]`",
                    if names.is_empty() {
                        "NAME"
                    } else {
                        names[0].as_str()
                    }
                )),
            };
            problems.push(d);
            continue;
        }
        if environment != Some(name.as_str()) {
            continue;
        }
        let rest = &set.path[2..];
        if !rest.is_empty() {
            out.push(SetArg {
                path: rest.to_vec(),
                ..set.clone()
            });
            continue;
        }
        // `environments.NAME={...}`: each key of the table, as `--set key=value` would set it.
        match &set.value {
            Value::Object(table) => out.extend(table.iter().map(|(key, value)| SetArg {
                path: vec![key.clone()],
                value: value.clone(),
                ..set.clone()
            })),
            _ => problems.push(
                Diagnostic::error(format!(
                    "`--set environments.{name}=...` needs a table of keys"
                ))
                .at(Some(set.location()))
                .help(format!(
                    "write `environments.{name}.KEY=VALUE`, or `environments.{name}={{ KEY = VALUE }}`"
                )),
            ),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The most bucket grants (a consumer's access to a bucket, `[consumers.NAME] buckets`) one run
/// renders, summed over the environments of a site file: each costs a policy statement pair in
/// every environment's IAM job, and a fleet of 1,000 environments with 10 consumers of 32
/// buckets each took 15 s of CPU and wrote 320 MB.
pub const MAX_FLEET_GRANTS: usize = 10_000;

/// Refuses a site file (with the overrides given) whose environments grant more buckets to
/// consumers, in all, than `MAX_FLEET_GRANTS`, before any environment is rendered.
pub fn fleet_size(site: Option<&Document>, sets: &[SetArg]) -> Result<(), Diagnostic> {
    let shared = site.and_then(|s| s.value.get("consumers"));
    let names = site.map(environments).unwrap_or_default();
    let environments: Vec<Option<&str>> = if names.is_empty() {
        vec![None]
    } else {
        names.iter().map(|n| Some(n.as_str())).collect()
    };
    let mut grants = 0;
    for env in &environments {
        // Only the consumers: what this environment's site file and overrides make of them.
        let mut consumers =
            serde_json::json!({ "consumers": shared.cloned().unwrap_or(Value::Null) });
        if let (Some(site), Some(env)) = (site, env) {
            let own = site.value.pointer(&format!(
                "/environments/{}/consumers",
                crate::input::source::escape_pointer(env)
            ));
            if let Some(own) = own {
                merge(&mut consumers, &serde_json::json!({ "consumers": own }));
            }
        }
        // Overrides that do not read are reported when the environment is compiled.
        for set in environment_sets(sets, site, *env).unwrap_or_default() {
            if set.path.first().map(String::as_str) == Some("consumers") {
                let _ = set.apply(&mut consumers);
            }
        }
        grants += consumers["consumers"].as_object().map_or(0, |all| {
            all.values()
                .filter_map(|c| c.get("buckets").and_then(Value::as_object))
                .map(serde_json::Map::len)
                .sum()
        });
    }
    if grants <= MAX_FLEET_GRANTS {
        return Ok(());
    }
    let over = if environments.len() > 1 {
        format!(" over its {} environments", environments.len())
    } else {
        String::new()
    };
    let at = site.map(|s| {
        s.locate(
            if environments.len() > 1 {
                "/environments"
            } else {
                "/consumers"
            },
            true,
        )
    });
    Err(Diagnostic::error(format!(
        "the consumers are granted {grants} buckets in all{over}; one run renders at most \
         {MAX_FLEET_GRANTS}"
    ))
    .at(at)
    .help(
        "the limit keeps a run bounded: grant consumers fewer buckets, or split the \
         environments over several site files",
    ))
}

/// The names of the environments a site document describes, sorted.
#[must_use]
pub fn environments(site: &Document) -> Vec<String> {
    site.value
        .get("environments")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The site document with the chosen environment's overrides merged over the shared settings,
/// and without the `environments` table itself.
pub fn effective_site(
    site: Option<&Document>,
    environment: Option<&str>,
) -> Result<Value, Diagnostic> {
    let Some(site) = site else {
        if let Some(env) = environment {
            return Err(Diagnostic::error(format!(
                "`--env {env}` needs a site file that describes it"
            )));
        }
        return Ok(Value::Object(serde_json::Map::new()));
    };
    // Copy the shared settings without the environments: a fleet's site file holds every
    // environment, and copying them all for each one would make a fleet quadratic.
    let mut value = match &site.value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != "environments")
                .map(|(key, v)| (key.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    let environments = site.value.get("environments").unwrap_or(&Value::Null);
    if let Some(env) = environment {
        let Some(overrides) = environments.get(env) else {
            let names = self::environments(site);
            let mut d = Diagnostic::error(format!("the site file has no environment `{env}`"))
                .at(Some(site.locate("/environments", true)));
            d = match crate::model::diag::did_you_mean(env, names.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None if names.is_empty() => d.help("add one under `[environments.<name>]`"),
                None => d.help(format!("its environments are: {}", names.join(", "))),
            };
            return Err(d);
        };
        if overrides.get("environments").is_some() {
            return Err(
                Diagnostic::error("environments cannot contain environments")
                    .at(Some(site.locate(
                        &format!(
                            "/environments/{}/environments",
                            crate::input::source::escape_pointer(env)
                        ),
                        true,
                    )))
                    .key(format!("environments.{env}.environments")),
            );
        }
        merge(&mut value, overrides);
    }
    Ok(value)
}

/// Decodes a value the schema already accepted; a failure here means the schema and the types
/// disagree, which the schema drift test exists to prevent.
fn typed<T: serde::de::DeserializeOwned>(value: &Value, what: &str) -> Result<T, Vec<Diagnostic>> {
    serde_json::from_value(value.clone()).map_err(|e| {
        vec![
            Diagnostic::error(format!("cannot decode {what}: {e}")).help(
                "the schema accepted input the types refuse; please report this with the input",
            ),
        ]
    })
}

/// Deep-merges `top` over `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut Value, top: &Value) {
    match (base, top) {
        (Value::Object(base), Value::Object(top)) => {
            for (key, value) in top {
                match base.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, top) => *base = top.clone(),
    }
}

#[cfg(test)]
impl Inputs {
    /// Inputs for unit tests: the built-in tier `BUILTINS[tier]`, a site file's text (named
    /// `miniogen.toml`) and `--set` overrides.
    pub(crate) fn for_test(tier: usize, site: Option<&str>, sets: &[&str]) -> Self {
        use crate::input::load::{BUILTINS, builtin_document};
        use crate::input::source::Source;
        Self {
            profile: builtin_document(BUILTINS[tier])
                .unwrap_or_else(|e| panic!("{e}"))
                .into(),
            site: site.map(|text| {
                Document::parse(Source {
                    name: "miniogen.toml".into(),
                    text: text.into(),
                })
                .unwrap_or_else(|e| panic!("{e:?}"))
                .into()
            }),
            sets: sets
                .iter()
                .map(|s| SetArg::parse(s).unwrap_or_else(|e| panic!("{e}")))
                .collect(),
            requested_ccu: None,
            environment: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load::{BUILTINS, builtin_document};
    use crate::input::source::Source;

    fn inputs(site: Option<&str>, sets: &[&str]) -> Inputs {
        Inputs::for_test(2, site, sets)
    }

    /// The run time skips the schema check of built-in profiles: this is where they pass it.
    #[test]
    fn builtin_profiles_conform_to_the_profile_schema() {
        for builtin in BUILTINS {
            let doc = builtin_document(builtin).unwrap_or_else(|e| panic!("{e}"));
            let problems = check_document(Kind::Profile, &doc);
            assert!(problems.is_empty(), "{}: {problems:?}", builtin.ccu);
        }
        let broken = Document::parse(Source {
            name: "broken.toml".into(),
            text: BUILTINS[0]
                .text
                .replace("servers = 4", "servers = \"four\""),
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(check_document(Kind::Profile, &broken).len(), 1);
    }

    /// Without a site file or overrides the run time skips the site check: the defaults must
    /// pass it.
    #[test]
    fn the_default_site_conforms_to_the_site_schema() {
        let defaults = serde_json::to_value(Site::default()).unwrap_or_else(|e| panic!("{e}"));
        let problems = schema::check(Kind::Site, &defaults, &|_, _| Location::whole("defaults"));
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn layers_apply_in_order() {
        let i = inputs(
            Some("[sizing]\nvolume_size = \"1Ti\"\n[sizing.resources.limits]\nmemory = \"16Gi\"\n"),
            &["sizing.volume_size=2Ti", "namespace=chat"],
        );
        let spec = decode(&i).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(spec.sizing.volume_size, "2Ti");
        assert_eq!(spec.sizing.resources.limits.memory, "16Gi");
        assert_eq!(spec.sizing.resources.limits.cpu, "4");
        assert_eq!(spec.sizing.servers, 4);
        assert_eq!(spec.site.namespace, "chat");
        let loc = Locator::new(&i);
        assert!(
            loc.find("/sizing/volume_size")
                .is_some_and(|l| l.file.contains("--set"))
        );
        assert!(
            loc.find("/sizing/resources/limits/memory")
                .is_some_and(|l| l.line == 4)
        );
        assert!(
            loc.find("/sizing/servers")
                .is_some_and(|l| l.file.contains("profiles/5000"))
        );
        assert!(loc.find("/tenant/name").is_none());
    }

    #[test]
    fn the_fleet_is_counted_in_bucket_grants_over_environments() {
        use std::fmt::Write as _;
        let site = |environments: usize, extra: &str| {
            let mut text = String::from(
                "[consumers.a]\naccess_key = \"aaa\"\nsecret = \"a\"\n\
                 buckets = { synapse-media = \"read\", postgresql-backups = \"read\" }\n",
            );
            for e in 0..environments {
                let _ = write!(text, "[environments.e{e}]\n{extra}");
            }
            Document::parse(Source {
                name: "s.toml".into(),
                text,
            })
            .unwrap_or_else(|e| panic!("{e:?}"))
        };
        assert!(fleet_size(Some(&site(5000, "")), &[]).is_ok());
        assert!(fleet_size(Some(&site(5001, "")), &[]).is_err());
        // An environment's own consumers and the overrides count too.
        let own = "[environments.x.consumers.b]\naccess_key = \"bbb\"\nsecret = \"b\"\n\
                   buckets = { synapse-media = \"read\" }\n";
        let mut doc = site(4998, "");
        doc = Document::parse(Source {
            name: "s.toml".into(),
            text: format!("{}{own}", doc.source.text),
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(fleet_size(Some(&doc), &[]).is_ok());
        let set = SetArg::parse("consumers.c={buckets={a=\"read\",b=\"read\"}}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(fleet_size(Some(&doc), &[set]).is_err());
    }

    #[test]
    fn bad_set_values_point_at_the_command_line() {
        let errors = decode(&inputs(None, &["sizing.servers=four"]))
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0]
                .location
                .as_ref()
                .is_some_and(|l| l.file.contains("--set sizing.servers=four"))
        );
    }
}
