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
use crate::model::diag::{self, Diagnostic};
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
    let manifests = post::assemble(&rendered)?;
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
/// tests, so it renders what `gen` would refuse for leaving the first pool's shape to the tier
/// (`compile_pinned`): that refusal looks at which keys a site file writes, not at the render.
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
}

/// Compiles the one environment that `gen` to stdout, `plan` and `secrets` render.
pub(crate) fn compile_one(args: &Request) -> Result<Compiled, Failure> {
    let shared = shared(args)?;
    let env = one_environment(args, shared.site.as_deref())?;
    compile(args, &shared, env)
}

/// Compiles the one environment that `gen` to stdout and `argocd generate` render, refusing a
/// site file that leaves the first pool's shape to the tier (`unpinned`). Without a folder to
/// compare with, only the site file can keep a pool as it was created; `gen --ccu N` with no
/// site file (the main job) stays free to follow the tier.
pub(crate) fn compile_pinned(args: &Request) -> Result<Compiled, Failure> {
    let shared = shared(args)?;
    let env = one_environment(args, shared.site.as_deref())?;
    let compiled = compile(args, &shared, env.clone())?;
    if (shared.site.is_some() || args.surface == load::Surface::ArgoCd)
        && let Some(problem) = unpinned(args, &shared, env.as_deref(), &compiled.plan)?
    {
        return Err(Failure::Invalid(vec![problem]));
    }
    Ok(compiled)
}

/// The `[sizing]` keys that fix the first pool's shape: what MinIO Operator v6.0.2 never lets
/// change on a pool that exists (the CRD's `self == oldSelf` rules on `servers` and
/// `volumesPerServer`; a volume only grows, `ExpandPVCs`).
pub(crate) const SHAPE: [&str; 3] = ["servers", "volumes_per_server", "volume_size"];

/// An error when the first pool's shape is not written down, by the site file (shared or the
/// environment's `[sizing]`), a `--set` (an Argo CD parameter) or a profile of the user's own:
/// it then follows the CCU tier, and a change of `ccu` reshapes the pool, which the operator
/// refuses. The help gives the TOML to add, with the shape the tier gives it today.
fn unpinned(
    args: &Request,
    shared: &Shared,
    env: Option<&str>,
    plan: &plan::Plan,
) -> Result<Option<Diagnostic>, Failure> {
    // A profile of the user's own is written down; a retired first pool is rendered no more.
    if args.profile.is_some() || plan.retired.contains(&plan.first_pool) {
        return Ok(None);
    }
    let mut site = decode::effective_site(shared.site.as_deref(), env)
        .map_err(|d| Failure::Invalid(vec![d]))?;
    for set in &args.sets {
        // A `--set` that does not apply is reported by the render already.
        let _ = set.apply(&mut site);
    }
    let missing: Vec<&str> = SHAPE
        .into_iter()
        .filter(|key| site.pointer(&format!("/sizing/{key}")).is_none())
        .collect();
    let Some(first) = plan.pools.first().filter(|_| !missing.is_empty()) else {
        return Ok(None);
    };
    let value = |key: &str| match key {
        "servers" => first.servers.to_string(),
        "volumes_per_server" => first.volumes_per_server.to_string(),
        _ => toml_edit::Value::from(first.volume_size.as_str()).to_string(),
    };
    // Into the environment's own table: each environment has its own tier.
    let table = match env {
        Some(e) => format!("environments.{e}.sizing"),
        None => "sizing".to_string(),
    };
    let mut toml = format!("[{table}]\n");
    for key in &missing {
        let _ = writeln!(toml, "{key} = {}", value(key));
    }
    let indented = toml
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    let where_ = match (&shared.site, args.surface) {
        (Some(site), _) => format!("`{}`", site.source.name),
        (None, load::Surface::ArgoCd) => "the Application's inputs".to_string(),
        (None, load::Surface::CommandLine) => "the inputs".to_string(),
    };
    let add = match (&shared.site, args.surface) {
        (None, load::Surface::ArgoCd) => format!(
            "write `{}` beside the Application's source with",
            load::SITE_FILE
        ),
        _ => "add".to_string(),
    };
    let message = format!(
        "{where_} leaves the shape of pool `{}` to the {} CCU tier ({} not written down): a \
         change of `ccu` would reshape the pool, which MinIO Operator v6 refuses for a pool that \
         exists",
        first.name,
        plan.tier.ccu,
        missing
            .iter()
            .map(|k| format!("`sizing.{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let help = format!(
        "{add} the shape the tier gives it today (if the tenant runs already, the shape it was \
         created with instead, which `kubectl -n {ns} get tenant {tenant} -o \
         jsonpath='{{.spec.pools[0].servers}} {{.spec.pools[0].volumesPerServer}} \
         {{.spec.pools[0].volumeClaimTemplate.spec.resources.requests.storage}}'` prints), then \
         grow by adding a pool (`miniogen grow`):\n\n{indented}",
        ns = plan.namespace,
        tenant = plan.tenant.name,
    );
    let mut problem = Diagnostic::error(message).key(table.clone()).help(help);
    if let Some(site) = &shared.site {
        let pointer = match env {
            Some(e) => format!("/environments/{}/sizing", source::escape_pointer(e)),
            None => "/sizing".to_string(),
        };
        let pointer = if site.defines(&pointer) || env.is_none() {
            pointer
        } else if site.defines("/sizing") {
            "/sizing".to_string()
        } else {
            pointer
        };
        problem = problem.at(Some(site.locate(&pointer, true)));
    }
    Ok(Some(problem))
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
            load::builtin_shared(tier)?
        }
        (None, None) => {
            // A misspelt `--env` is why no `ccu` was found: say that, with the names there are.
            if environment.is_some() {
                decode::effective_site(site.as_deref(), environment.as_deref())
                    .map_err(|d| Failure::Invalid(vec![d]))?;
            }
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
    Ok(Compiled { plan, notes })
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

/// The results of every environment, or every environment's problems at once: a problem in
/// one environment must not hide another's. A fatal failure wins.
/// The warnings of the environments that succeeded go with the problems, so that what one
/// environment's change means is never hidden by another's error.
pub(crate) fn all_environments<T>(
    results: Vec<Result<T, Failure>>,
    notes: impl Fn(&T) -> &[Diagnostic],
) -> Result<Vec<T>, Failure> {
    let mut ok = Vec::new();
    let mut invalid = Vec::new();
    for result in results {
        match result {
            Ok(value) => ok.push(value),
            Err(Failure::Invalid(problems)) => invalid.extend(problems),
            Err(other) => return Err(other),
        }
    }
    if invalid.is_empty() {
        return Ok(ok);
    }
    for value in &ok {
        invalid.extend(
            notes(value)
                .iter()
                .filter(|d| d.severity == diag::Severity::Warning)
                .cloned(),
        );
    }
    Err(Failure::Invalid(invalid))
}
