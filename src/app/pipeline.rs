//! One environment through the stages: read and check the shared documents once, then for
//! each environment decode, check the rules and plan (`compile`), and render, read back and
//! cross-check (`generated`). The commands decide what to do with the result.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::app::failure::{Bug, Failure, Usage};
use crate::check::decode::{self, Inputs, Locator};
use crate::check::schema;
use crate::input::load::{self, CcuArg, Request};
use crate::input::source::{self, Document};
use crate::model::diag::Diagnostic;
use crate::model::{credentials, spec};
use crate::output::sink;
use crate::plan::{self, rules};
use crate::post::{self, crosscheck};
use crate::render;

/// What a render gives: the objects of the stream, and the consumer fragments that go beside it.
pub(crate) struct Generated {
    /// The objects of the stream, in kustomize's order.
    pub(crate) manifests: Vec<post::Manifest>,
    /// The consumer fragments, which never join the stream.
    pub(crate) fragments: Vec<post::Fragment>,
}

/// Renders the plan into checked, ordered objects and the consumer fragments, and cross-checks
/// every reference between them. Only `derived` mode reads the master key.
pub(crate) fn generated(plan: &plan::Plan) -> Result<Generated, Failure> {
    let key = if plan.secrets.mode == spec::SecretsMode::Derived {
        Some(load::master_key()?)
    } else {
        None
    };
    generated_with(plan, key.as_ref())
}

/// `generated`, with the master key given rather than read.
fn generated_with(
    plan: &plan::Plan,
    key: Option<&credentials::MasterKey>,
) -> Result<Generated, Failure> {
    let rendered = render::render(plan, key)?;
    let manifests = post::assemble(&rendered, &plan.provenance)?;
    let fragments = post::fragments(&render::fragments(plan)?)?;
    let mut refused = operator_collisions(plan, &manifests);
    refused.extend(too_large(plan, &manifests));
    if !refused.is_empty() {
        return Err(Failure::Invalid(refused));
    }
    let mismatches = crosscheck::check(plan, &manifests, &fragments);
    if !mismatches.is_empty() {
        return Err(Bug::CrossCheck(mismatches).into());
    }
    Ok(Generated {
        manifests,
        fragments,
    })
}

/// An error for each object Kubernetes would refuse for its size.
fn too_large(plan: &plan::Plan, manifests: &[post::Manifest]) -> Vec<Diagnostic> {
    let mib = |bytes: usize| format!("{}.{} MiB", bytes >> 20, ((bytes & 0xf_ffff) * 10) >> 20);
    post::oversized(manifests)
        .into_iter()
        .map(|o| {
            let limit = if o.what == "data" {
                format!(
                    "Kubernetes refuses more than {} of data in one {} (`ValidateConfigMap`, `ValidateSecret`)",
                    mib(o.limit),
                    o.kind
                )
            } else {
                format!("etcd refuses an object over {} by default", mib(o.limit))
            };
            let d = Diagnostic::error(format!(
                "{} `{}` would hold {} of {}; {limit}",
                o.kind,
                o.name,
                mib(o.bytes),
                o.what
            ));
            if o.kind == "ConfigMap" && o.name == plan.iam.config_map {
                d.key("consumers").help(
                    "it holds each consumer's IAM policy, two statements per bucket granted: \
                     grant the consumers fewer buckets, or split them over tenants",
                )
            } else {
                d.help("give the site file fewer entries of what this object lists")
            }
        })
        .collect()
}

/// An error for each object miniogen would write, or each Secret it references, that MinIO
/// Operator writes itself for this Tenant: two writers of one object never settle.
fn operator_collisions(plan: &plan::Plan, manifests: &[post::Manifest]) -> Vec<Diagnostic> {
    let Some(tenant) = manifests.iter().find(|m| m.kind == "Tenant") else {
        return Vec::new();
    };
    let owned = crate::plan::operator::PINNED.owned_objects(&tenant.value);
    let ours = manifests
        .iter()
        .map(|m| (m.kind.as_str(), m.name.as_str()))
        // Every Secret the manifests reference, whoever makes it: an ExternalSecret's target,
        // or one the user creates in `existing` mode, is that Secret all the same.
        .chain(
            plan.secrets
                .objects
                .iter()
                .map(|o| ("Secret", o.name.as_str())),
        );
    let mut out: Vec<Diagnostic> = Vec::new();
    for (kind, name) in ours {
        let Some(theirs) = owned.iter().find(|o| {
            o.kind == kind && o.name == name && o.namespace.as_deref() == Some(&plan.namespace)
        }) else {
            continue;
        };
        let message = format!(
            "{kind} `{name}` is written by MinIO Operator {} for tenant `{}` (`{}`); miniogen \
             must not write or reference it too",
            crate::plan::operator::PINNED.name(),
            plan.tenant.name,
            theirs.source
        );
        if !out.iter().any(|d| d.message == message) {
            out.push(Diagnostic::error(message).help(
                "give the Secret or object another name in the site file, such as \
                 `tenant.config_secret`",
            ));
        }
    }
    out
}

/// Compiles a site file given as text, with the built-in tier for `ccu`, into the YAML stream
/// `miniogen gen --ccu CCU --config NAME` prints: one stream per environment the site file
/// describes (in name order), or one when it describes none. The whole load, check, plan, render,
/// post and cross-check path runs, without touching files or the environment; `key` stands for
/// the master key of `derived` mode. This is the entry point of the fuzz target and the property
/// tests.
pub fn compile_site(
    name: &str,
    text: &str,
    ccu: u32,
    key: Option<&credentials::MasterKey>,
) -> Result<Vec<String>, Failure> {
    compile_site_with(name, text, ccu, &[], None, key)
}

/// `compile_site` with overrides (`--set`s and the flags that stand for one) and, when `env` is
/// given, only that environment: what a command line, Argo CD's variables or the inputs an
/// output folder records make of a site file. The entry point of the recorded-inputs fuzz target.
pub fn compile_site_with(
    name: &str,
    text: &str,
    ccu: u32,
    sets: &[load::SetArg],
    env: Option<&str>,
    key: Option<&credentials::MasterKey>,
) -> Result<Vec<String>, Failure> {
    let site = source::Document::parse(source::Source {
        name: name.into(),
        text: text.into(),
    })
    .map_err(Failure::Invalid)?;
    let problems = decode::check_document(schema::Kind::Site, &site);
    if !problems.is_empty() {
        return Err(Failure::Invalid(problems));
    }
    decode::fleet_size(Some(&site), sets).map_err(|d| Failure::Invalid(vec![d]))?;
    let names = decode::environments(&site);
    let environments: Vec<Option<String>> = match env {
        Some(env) => vec![Some(env.to_string())],
        None if names.is_empty() => vec![None],
        None => names.into_iter().map(Some).collect(),
    };
    let (tier, _) = load::select_tier(&CcuArg::flag(ccu)).map_err(|d| Failure::Invalid(vec![d]))?;
    let site = Arc::new(site);
    let mut streams = Vec::new();
    for environment in environments {
        let sets = decode::environment_sets(sets, Some(&site), environment.as_deref())
            .map_err(Failure::Invalid)?;
        let inputs = Inputs {
            profile: load::builtin_document(tier)?.into(),
            site: Some(Arc::clone(&site)),
            sets,
            requested_ccu: Some(ccu),
            environment,
        };
        let (plan, _) = checked_plan(&inputs)?;
        let key = match (plan.secrets.mode, key) {
            (spec::SecretsMode::Derived, None) => {
                return Err(Usage::NoMasterKey.into());
            }
            (spec::SecretsMode::Derived, key) => key,
            _ => None,
        };
        streams.push(sink::stream(&generated_with(&plan, key)?.manifests)?);
    }
    Ok(streams)
}

/// A checked plan and what goes with it.
pub(crate) struct Compiled {
    /// The plan.
    pub(crate) plan: plan::Plan,
    /// Warnings and notes for stderr.
    pub(crate) notes: Vec<Diagnostic>,
    /// The comment that opens every generated file: what it was generated from.
    pub(crate) header: String,
}

/// Compiles the one environment that `gen` to stdout, `plan` and `secrets` render.
pub(crate) fn compile_one(args: &Request) -> Result<Compiled, Failure> {
    let shared = shared(args)?;
    let env = one_environment(args, shared.site.as_deref())?;
    compile(args, &shared, env)
}

/// What every environment of one run shares: the site file and a custom profile, each read and
/// checked against its schema once.
pub(crate) struct Shared {
    /// The site file, if any.
    pub(crate) site: Option<Arc<Document>>,
    /// A custom profile, if one was given.
    pub(crate) profile: Option<Arc<Document>>,
}

/// Reads and checks the documents every environment shares. Built-in profiles are not checked
/// here: a test proves each conforms, and they cannot change after the build.
pub(crate) fn shared(args: &Request) -> Result<Shared, Failure> {
    let site = load::site_document(args.config.as_deref())?;
    let profile = args
        .profile
        .as_deref()
        .map(load::read_document)
        .transpose()?;
    let mut problems = Vec::new();
    if let Some(profile) = &profile {
        problems.extend(decode::check_document(schema::Kind::Profile, profile));
    }
    if let Some(site) = &site {
        problems.extend(decode::check_document(schema::Kind::Site, site));
    }
    if problems.is_empty()
        && let Err(too_large) = decode::fleet_size(site.as_ref(), &args.sets)
    {
        problems.push(too_large);
    }
    if !problems.is_empty() {
        return Err(Failure::Invalid(problems));
    }
    Ok(Shared {
        site: site.map(Arc::new),
        profile: profile.map(Arc::new),
    })
}

/// The environment `gen` to stdout and `plan` render: the one named, or none when the site file
/// has none; a site file with several needs `--env`.
fn one_environment(args: &Request, site: Option<&Document>) -> Result<Option<String>, Failure> {
    if args.env.is_some() {
        return Ok(args.env.clone());
    }
    let names = site.map(decode::environments).unwrap_or_default();
    if names.is_empty() {
        Ok(None)
    } else {
        Err(Usage::ChooseEnvironment {
            names,
            surface: args.surface,
        }
        .into())
    }
}

/// The environments `gen --out` and `check` handle, each with its folder: `DIR` for a site file
/// without environments, `DIR/<name>` for each environment otherwise, or for the one `--env`
/// names. So `--out` names the same folder with or without `--env`.
pub(crate) fn targets(
    args: &Request,
    site: Option<&Document>,
    dir: &std::path::Path,
) -> Vec<(Option<String>, std::path::PathBuf)> {
    let names = site.map(decode::environments).unwrap_or_default();
    match &args.env {
        // Only a name the site file defines becomes a path; any other fails to compile before
        // anything is read or written.
        Some(env) if names.contains(env) => vec![(Some(env.clone()), dir.join(env))],
        Some(_) => vec![(args.env.clone(), dir.to_path_buf())],
        None if names.is_empty() => vec![(None, dir.to_path_buf())],
        None => names
            .into_iter()
            .map(|name| (Some(name.clone()), dir.join(name)))
            .collect(),
    }
}

/// The CCU the last `--set ccu=N` (or `environments.NAME.ccu=N` for this environment) asks for:
/// it overrides the site file's like any `--set`. A value that is not a count is left to the
/// schema check, which says so where it was given.
fn set_ccu(sets: &[load::SetArg]) -> Option<CcuArg> {
    let set = sets.iter().rev().find(|s| s.path == ["ccu"])?;
    let value = u32::try_from(set.value.as_u64()?).ok()?;
    Some(CcuArg {
        value,
        shown: crate::model::diag::excerpt(&set.text, load::SHOWN_CHARS).into_owned(),
        location: set.location(),
    })
}

/// The CCU the site file asks for when the request does not: the environment's `ccu`, else the
/// shared one.
fn site_ccu(site: Option<&Document>, env: Option<&str>) -> Option<CcuArg> {
    let site = site?;
    let shared = "/ccu".to_string();
    let pointers = env
        .map(|e| format!("/environments/{}/ccu", source::escape_pointer(e)))
        .into_iter()
        .chain(std::iter::once(shared));
    pointers.into_iter().find_map(|pointer| {
        let value = site
            .value
            .pointer(&pointer)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())?;
        Some(CcuArg {
            value,
            shown: format!("ccu = {value}"),
            location: site.locate(&pointer, false),
        })
    })
}

/// Loads, checks and plans the inputs of `gen`, `check` and `plan` for one environment.
pub(crate) fn compile(
    args: &Request,
    shared: &Shared,
    environment: Option<String>,
) -> Result<Compiled, Failure> {
    let mut notes = Vec::new();
    let site = shared.site.clone();
    let sets = decode::environment_sets(&args.sets, site.as_deref(), environment.as_deref())
        .map_err(Failure::Invalid)?;
    let ccu = args
        .ccu
        .clone()
        .or_else(|| set_ccu(&sets))
        .or_else(|| site_ccu(site.as_deref(), environment.as_deref()));
    let profile = match (&shared.profile, &ccu) {
        (Some(profile), _) => Arc::clone(profile),
        (None, Some(ccu)) => {
            let (tier, note) = load::select_tier(ccu).map_err(|d| Failure::Invalid(vec![d]))?;
            notes.extend(note);
            load::builtin_document(tier)?.into()
        }
        (None, None) => {
            return Err(Usage::NoCcu(args.surface).into());
        }
    };
    let inputs = Inputs {
        profile,
        site,
        sets,
        requested_ccu: ccu.as_ref().map(|c| c.value),
        environment,
    };
    let (plan, warnings) = checked_plan(&inputs)?;
    notes.extend(warnings);
    let mut sources = vec![inputs.profile.source.name.clone()];
    sources.extend(
        inputs
            .site
            .iter()
            .map(|s| format!("site file {}", s.source.name)),
    );
    sources.extend(
        inputs
            .environment
            .iter()
            .map(|e| format!("environment {e}")),
    );
    // The keys only: with a value, every file would change whenever one `--set` value did. As
    // typed, of the overrides that apply to this environment.
    sources.extend(
        args.sets
            .iter()
            .filter(|s| {
                s.path.first().map(String::as_str) != Some("environments")
                    || s.path.get(1).map(String::as_str) == inputs.environment.as_deref()
            })
            .map(|s| format!("--set {}", set_key(&s.path))),
    );
    let header = format!(
        "Generated by miniogen from {}. Change the inputs, not this file.",
        comment_text(&sources.join(", "))
    );
    if let (Some(asked), true) = (args.ccu.as_ref().map(|c| c.value), args.profile.is_some())
        && asked > plan.tier.ccu
    {
        return Err(Failure::Invalid(vec![
            Diagnostic::error(format!(
                "`--ccu {asked}` is more than the profile serves ({} CCU)",
                plan.tier.ccu
            ))
            .at(Some(inputs.profile.locate("/ccu", false)))
            .key("ccu")
            .help("raise `ccu` and the sizing in the profile, or leave out `--ccu`"),
        ]));
    }
    Ok(Compiled {
        plan,
        notes,
        header,
    })
}

/// A `--set` key path for the header comment: plain segments as they are, any other quoted as
/// JSON, so that no character of it can end the comment.
fn set_key(path: &[String]) -> String {
    path.iter()
        .map(|segment| {
            if !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                segment.clone()
            } else {
                serde_json::Value::String(segment.clone()).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `text` made safe for the inside of a one-line YAML comment: paths and `--set` text are the
/// user's, and a line break in them would end the comment and start YAML of their choosing.
/// YAML 1.2 breaks lines at LF and CR (section 5.4); YAML 1.1 readers such as PyYAML also at NEL,
/// LS and PS, and go-yaml refuses other control characters. Every one of those, the invisible
/// format characters that reorder or hide text, and the backslash that introduces the escapes
/// are written as JSON-style escapes (`\n`, `\u2028`), so the line stays one line and shows what
/// the user typed.
pub(crate) fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || invisible(c) || crate::model::diag::unsafe_in_terminal(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Line and paragraph separators, byte-order marks, non-characters and the format characters
/// that hide or reorder text (zero-width, bidirectional controls).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{ffff}'
    )
}

/// Decodes, checks the rules and plans; warnings come back beside the plan.
pub(crate) fn checked_plan(inputs: &Inputs) -> Result<(plan::Plan, Vec<Diagnostic>), Failure> {
    let spec = decode::decode(inputs).map_err(Failure::Invalid)?;
    let at = Locator::new(inputs);
    let mut diagnostics = rules::check(&spec, &at);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Failure::Invalid(diagnostics));
    }
    let plan = plan::plan(&spec);
    // Advisories are warnings about an input that is otherwise fine: only a plan has them.
    diagnostics.extend(plan.advisories.iter().map(|f| {
        at.warning(&format!("/{}", f.key.replace('.', "/")), f.message())
            .help(f.help())
    }));
    diagnostics.extend(unsafe_budgets(&plan, &at));
    Ok((plan, diagnostics))
}

/// A warning for each pool whose operator-written PodDisruptionBudget lets more servers go than
/// write quorum survives: `gen`, `plan` and `check` all print it.
fn unsafe_budgets(plan: &plan::Plan, at: &Locator<'_>) -> Vec<Diagnostic> {
    plan.pools
        .iter()
        .filter(|p| !p.disruption_budget.quorum_safe)
        .map(|pool| {
            let b = &pool.disruption_budget;
            let l = &pool.layout;
            let help = match plan.erasure.choice {
                spec::ErasureSets::Largest => format!(
                    "`tenant.erasure_sets = \"quorum-safe\"` picks sets small enough for the \
                     operator's budget (at a cost in usable capacity, shown by `miniogen plan`); \
                     drives already formatted keep their set size, so on an existing pool this \
                     needs `--accept-pool-rebuild`; until then drain at most {} of pool `{}`'s \
                     nodes at a time",
                    b.quorum_allows, pool.name
                ),
                spec::ErasureSets::QuorumSafe => format!(
                    "no erasure-set size from 2 to 16 fits every pool and keeps write quorum \
                     under the operator's budgets; give pool `{}` more servers or drives per \
                     server, and drain at most {} of its nodes at a time",
                    pool.name, b.quorum_allows
                ),
            };
            at.warning(
                "/tenant/erasure_sets",
                format!(
                    "pool `{}`: MinIO Operator {}'s PodDisruptionBudget `{}` lets {} of {} servers \
                     go at once, but write quorum survives only {} ({}-drive sets, {} drives per \
                     server per set)",
                    pool.name,
                    crate::plan::operator::PINNED.name(),
                    b.name,
                    b.allows_down,
                    pool.servers,
                    b.quorum_allows,
                    l.set_size,
                    l.drives_per_server_per_set
                ),
            )
            .help(help)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::comment_text;

    #[test]
    fn comment_text_is_one_visible_line() {
        let all: String = (0..=0x10_ffff_u32).filter_map(char::from_u32).collect();
        let escaped = comment_text(&all);
        let breaking = escaped.chars().find(|c| {
            c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{202e}')
        });
        assert_eq!(breaking, None);
        assert_eq!(
            comment_text("a\nb\r\u{85}\u{2028}\\n\t"),
            "a\\nb\\r\\u0085\\u2028\\\\n\\t"
        );
        assert_eq!(
            comment_text("profiles/5000.toml, --set a=b"),
            "profiles/5000.toml, --set a=b"
        );
    }
}
