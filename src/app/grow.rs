//! `miniogen grow`: the next step towards a larger tier written into the site file, per
//! environment, without touching a pool that exists; each step proven to render exactly what
//! it proposes and, over an output folder, to apply alone.

use std::fmt::Write as _;

use crate::app::applying::{self, Baseline, folder_tenant};
use crate::app::failure::{Bug, Failure, Usage};
use crate::app::guard;
use crate::app::pipeline::{Shared, compile, generated, shared, targets};
use crate::input::load::{self, Request};
use crate::model::diag::Diagnostic;
use crate::output::{folder, sink, site};
use crate::plan::daytwo;
use crate::post;

/// `miniogen grow`: writes into the site file, per environment, the change that reaches the
/// asked tier without touching a pool that exists, after proving that the edited site file
/// renders exactly that.
pub(crate) fn grow(
    inputs: &Request,
    out: Option<&std::path::Path>,
    dry_run: bool,
) -> Result<Vec<Diagnostic>, Failure> {
    refuse_sets_grow_writes(inputs)?;
    let path = site_path(inputs);
    // Held from before the site file is read until it is replaced, so that a second `grow`
    // reads what this one wrote; a dry run writes nothing, but refuses what a write would.
    let lock = if dry_run {
        site::target(&path)?;
        None
    } else {
        Some(site::lock(&path)?)
    };
    let shared = shared(inputs)?;
    let original = site_text_of(&shared);
    let mut doc = edit_document(&path, &original)?;
    let current = Request {
        ccu: None,
        ..inputs.clone()
    };
    let mut notes = Vec::new();
    let mut grown = Vec::new();
    let mut advanced = false;
    for (env, dir) in grow_targets(inputs, shared.site.as_deref(), out) {
        let scope = daytwo::Scope {
            env: env.as_deref(),
            dir: dir.as_deref(),
        };
        let target = compile(inputs, &shared, env.clone())?;
        notes.extend(target.notes);
        let plan = target.plan;
        let folder = dir
            .as_deref()
            .map(|d| folder_tenant(d, &plan))
            .transpose()?
            .flatten();
        if !plan.planned.is_empty() {
            // The second step of a growth written before: the pool goes in once the folder
            // holds the configuration it needed.
            let (note, unplanned) = second_step(&mut doc, scope, &plan, &path)?;
            notes.push(note);
            advanced |= unplanned;
            continue;
        }
        // What the step is compared with: the folder's objects, or without a folder the site
        // file as it is, which is what the cluster runs under GitOps.
        let base = match (&folder, &dir) {
            (Some(_), Some(d)) => Base::Folder(d.clone()),
            _ if inputs.ccu.is_none() => {
                return Err(Usage::GrowNeedsTier(scope.to_string()).into());
            }
            _ => Base::Render(generated(&compile(&current, &shared, env.clone())?.plan)?.manifests),
        };
        let Some(running) = base.tenant(&plan)? else {
            return Err(Bug::Grow {
                scope: scope.to_string(),
            }
            .into());
        };
        let mut growth = match proposal(scope, &shared, &running, &plan)? {
            Ok(growth) => growth,
            Err(none) => {
                notes.push(none);
                continue;
            }
        };
        first_step(
            &mut growth,
            (inputs, &shared),
            (&path, &doc),
            (&running, &plan),
            base.baseline(),
        )?;
        if let Base::Folder(folder) = &base
            && let Some(catch) = catch_up(&growth, (inputs, &shared), (&path, &doc), folder)?
        {
            write_growth(&mut doc, &catch.growth, catch.ccu, &path)?;
            notes.extend(catch.notes(scope, &grow_command(inputs, env.as_deref(), folder)));
            grown.push((catch.growth, dir.clone(), base));
            continue;
        }
        write_growth(
            &mut doc,
            &growth,
            inputs.ccu.as_ref().map(|c| c.value),
            &path,
        )?;
        for line in growth.summary(plan.pools[0].layout.parity) {
            notes.push(Diagnostic::note(format!("{scope}: {line}")));
        }
        grown.push((growth, dir.clone(), base));
    }
    if grown.is_empty() && !advanced {
        return Ok(notes);
    }
    let text = grown_text(&original, &doc, shared.site.is_none());
    prove_growth(inputs, &shared, &path, &text, &grown)?;
    let Some(lock) = lock else {
        sink::print(&text)?;
        return Ok(notes);
    };
    lock.replace(&text)?;
    notes.push(written_note(inputs, &path, out));
    Ok(notes)
}

/// The `--set`s of what `grow` writes into the site file (the tier, the pools and their pins,
/// the buckets' locks, the `config.env` pins), each with the setting it names.
pub(crate) fn sets_grow_writes(inputs: &Request) -> Vec<(&load::SetArg, &'static str)> {
    const TABLES: [&str; 4] = ["ccu", "sizing", "pools", "buckets"];
    const KEYS: [&str; 5] = [
        "tenant.image",
        "tenant.erasure_sets",
        "tenant.root_user",
        "prometheus.auth",
        "audit.webhook_endpoint",
    ];
    let written = |set: &load::SetArg| -> Option<&'static str> {
        let path = match set.path.as_slice() {
            [environments, _, rest @ ..] if environments == "environments" => rest,
            all => all,
        };
        let first = path.first()?;
        TABLES.into_iter().find(|t| t == first).or_else(|| {
            let key = path.get(..2)?.join(".");
            KEYS.into_iter().find(|k| *k == key)
        })
    };
    inputs
        .sets
        .iter()
        .filter_map(|set| Some((set, written(set)?)))
        .collect()
}

/// Refuses a `--set` of what `grow` writes (`sets_grow_writes`): a `--set` overrides the site
/// file, so the file as written would not render what `grow` proposed.
fn refuse_sets_grow_writes(inputs: &Request) -> Result<(), Failure> {
    let problems: Vec<Diagnostic> = sets_grow_writes(inputs)
        .into_iter()
        .map(|(set, key)| {
            Diagnostic::error(format!(
                "a `--set` of `{key}` overrides what `grow` writes into the site file: the file \
                 as written would not render the growth"
            ))
            .at(Some(set.location()))
            .help(if key == "ccu" {
                "give the tier as `--ccu N`, which `grow` writes into the site file"
            } else {
                "leave it out of `grow`: write the setting into the site file instead, or run \
                 `grow` first and change it afterwards in a step of its own"
            })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Invalid(problems))
    }
}

/// The site file `grow` edits: `--config`, else `miniogen.toml`.
pub(crate) fn site_path(inputs: &Request) -> std::path::PathBuf {
    inputs
        .config
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(load::SITE_FILE))
}

/// The site file's text as read (empty when there is none yet).
pub(crate) fn site_text_of(shared: &Shared) -> String {
    shared
        .site
        .as_ref()
        .map_or_else(String::new, |s| s.source.text.clone())
}

/// `grow`'s edit of a site file, on its text alone: `original` (the text of the site file at
/// `path`; empty and `started` when there is none yet) with each growth written into it, as
/// `grow` writes it. No IO, no render and no proof that the result renders those pools (`grow`
/// compiles it again for that): the entry point of the `grow_edit` fuzz target. A site file
/// the edit cannot take is refused with `Usage::EditToml` or `Usage::Edit`.
pub fn grow_edit(
    path: &std::path::Path,
    original: &str,
    started: bool,
    growths: &[daytwo::Growth],
    ccu: Option<u32>,
) -> Result<String, Failure> {
    let mut doc = edit_document(path, original)?;
    for growth in growths {
        write_growth(&mut doc, growth, ccu, path)?;
    }
    Ok(grown_text(original, &doc, started))
}

/// The site file's text as the document `grow` edits, comments and layout kept.
fn edit_document(
    path: &std::path::Path,
    original: &str,
) -> Result<toml_edit::DocumentMut, Failure> {
    original.parse().map_err(|source| {
        Usage::EditToml {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

/// Writes `growth` (and `ccu`, when given) into the site file's document.
fn write_growth(
    doc: &mut toml_edit::DocumentMut,
    growth: &daytwo::Growth,
    ccu: Option<u32>,
    path: &std::path::Path,
) -> Result<(), Failure> {
    growth
        .write_into(doc, ccu)
        .map_err(|why| Usage::Edit(path.to_path_buf(), why).into())
}

/// The edited site file: the line endings of the original, and a first comment when `grow`
/// starts the file.
fn grown_text(original: &str, doc: &toml_edit::DocumentMut, started: bool) -> String {
    let mut text = crate::plan::siteedit::line_endings_like(original, &doc.to_string());
    if started {
        text.insert_str(
            0,
            "# miniogen site file, started by `miniogen grow`: the pools below are pinned as they\n\
             # were created. Pools never change layout; grow by adding one.\n",
        );
    }
    text
}

/// What `grow` says once it has written the site file: how to render it.
fn written_note(
    inputs: &Request,
    path: &std::path::Path,
    out: Option<&std::path::Path>,
) -> Diagnostic {
    let mut render = format!("miniogen gen --config {}", path.display());
    if let Some(env) = &inputs.env {
        let _ = write!(render, " --env {env}");
    }
    if let Some(dir) = out {
        let _ = write!(render, " --out {}", dir.display());
    }
    Diagnostic::note(format!(
        "wrote `{}`; render it with `{render}`",
        path.display()
    ))
}

/// The environments `grow` changes, each with its output folder when `--out` is given.
fn grow_targets(
    inputs: &Request,
    site: Option<&crate::input::source::Document>,
    out: Option<&std::path::Path>,
) -> Vec<(Option<String>, Option<std::path::PathBuf>)> {
    match out {
        Some(dir) => targets(inputs, site, dir)
            .into_iter()
            .map(|(env, dir)| (env, Some(dir)))
            .collect(),
        None if inputs.env.is_some() => vec![(inputs.env.clone(), None)],
        None => {
            let names = site
                .map(crate::check::decode::environments)
                .unwrap_or_default();
            if names.is_empty() {
                vec![(None, None)]
            } else {
                names.into_iter().map(|n| (Some(n), None)).collect()
            }
        }
    }
}

/// The growth `plan` asks for over the pools the running Tenant `running` holds, or the note
/// that says why there is none.
fn proposal(
    scope: daytwo::Scope<'_>,
    shared: &Shared,
    running: &serde_json::Value,
    plan: &crate::plan::Plan,
) -> Result<Result<daytwo::Growth, Diagnostic>, Failure> {
    let existing = daytwo::Existing::from_tenant(running);
    let site_pools = site_pools(shared, scope.env);
    if let Some(problem) = daytwo::unlisted(scope, &existing, &site_pools, &plan.first_pool) {
        return Err(Failure::Invalid(vec![problem]));
    }
    if plan.retired.contains(&plan.first_pool) {
        let refusal = daytwo::first_retired(scope, &plan.first_pool, &site_pools);
        return Err(Failure::Invalid(vec![refusal]));
    }
    let tier = tier_sizing(shared, plan).ok_or_else(|| Usage::TierProfile(scope.to_string()))?;
    let Some(growth) = daytwo::propose(&existing, plan, &tier, &site_pools, scope.env) else {
        return Ok(Err(Diagnostic::note(format!(
            "{scope}: pool `{}` does not exist yet, so there is nothing to keep",
            plan.pools[0].name
        ))));
    };
    let rendered_first = daytwo::Existing::from_plan(plan).remove(0);
    if rendered_first == growth.first && growth.added.is_none() {
        return Ok(Err(Diagnostic::note(format!(
            "{scope}: the pools already serve the {} CCU tier as they are; nothing to grow",
            plan.tier.ccu
        ))));
    }
    Ok(Ok(growth))
}

/// What one environment's growth is compared with: the folder's objects, or without a folder
/// the render of the site file as it is.
enum Base {
    Folder(std::path::PathBuf),
    Render(Vec<post::Manifest>),
}

impl Base {
    fn baseline(&self) -> Baseline<'_> {
        match self {
            Base::Folder(dir) => Baseline::Folder(dir, folder::Render::default()),
            Base::Render(manifests) => Baseline::Render(manifests),
        }
    }

    /// The Tenant the baseline holds for `plan`'s tenant.
    fn tenant(&self, plan: &crate::plan::Plan) -> Result<Option<serde_json::Value>, Failure> {
        self.baseline().object("Tenant", &plan.tenant.name)
    }
}

/// Proves an edited site file before it is written: it must pass the schema and render, for
/// every environment grown, exactly the pools proposed (a planned one listed as planned), and
/// a first step that applies alone over what the cluster runs.
fn prove_growth(
    inputs: &Request,
    shared: &Shared,
    path: &std::path::Path,
    text: &str,
    grown: &[(daytwo::Growth, Option<std::path::PathBuf>, Base)],
) -> Result<(), Failure> {
    let edited = applying::edited(shared, path, text)?;
    let verify = applying::as_written(inputs, path);
    for (growth, dir, base) in grown {
        let plan = compile(&verify, &edited, growth.env.clone())?.plan;
        let pools = daytwo::Existing::from_plan(&plan);
        let added_ok = growth.added.as_ref().is_none_or(|a| {
            if a.planned {
                plan.planned.contains(&a.name)
            } else {
                pools
                    .iter()
                    .any(|p| p.name == a.name && p.volume_size == a.volume_size)
            }
        });
        if pools.first() != Some(&growth.first) || !added_ok {
            return Err(Bug::Grow {
                scope: applying::scope(growth, None).to_string(),
            }
            .into());
        }
        let manifests = generated(&plan)?.manifests;
        let env = growth.env.as_deref();
        // What `gen --out` would refuse over the folder, or applying over the site file's render.
        let mut problems = match base {
            Base::Folder(dir) => {
                let render = (manifests.as_slice(), &[][..]);
                guard::guard(&verify, &edited, env, dir, render, &plan, false)?.refused
            }
            Base::Render(_) => applying::compare(base.baseline(), &plan, &manifests)?
                .map(|c| applying::refused(applying::scope(growth, None), &c.verdict))
                .unwrap_or_default(),
        };
        if !problems.is_empty() {
            let scope = applying::scope(growth, dir.as_deref());
            problems.push(Diagnostic::note(format!(
                "{scope}: `miniogen grow` writes only a step that applies alone; apply the change \
                 above first, or put it back as the cluster has it",
            )));
            return Err(Failure::Invalid(problems));
        }
    }
    Ok(())
}

/// Makes `growth` over `base` (whose Tenant is `running`; `plan` is the render that asked for
/// the growth) only the first step: the new pool on the image and resources the tenant runs,
/// and only planned when it needs another configuration, which must reach every server first.
pub(crate) fn first_step(
    growth: &mut daytwo::Growth,
    (inputs, shared): (&Request, &Shared),
    (path, doc): (&std::path::Path, &toml_edit::DocumentMut),
    (running, plan): (&serde_json::Value, &crate::plan::Plan),
    base: Baseline<'_>,
) -> Result<(), Failure> {
    growth.pin_running(running, plan, &asked(shared, growth.env.as_deref()));
    let mut trial = doc.clone();
    write_growth(
        &mut trial,
        growth,
        inputs.ccu.as_ref().map(|c| c.value),
        path,
    )?;
    let step = applying::step_verdict(
        inputs,
        shared,
        (path, &trial.to_string()),
        growth.env.clone(),
        base,
    )?;
    if step
        .as_ref()
        .is_some_and(|s| applying::needs_configuration_first(&s.verdict))
    {
        growth.plan_only();
    }
    Ok(())
}

/// The step that brings a folder current before a growth that would also apply what the folder
/// lacks: its `ccu` (when the site file has none), the growth's pins, `config.env` kept.
pub(crate) struct CatchUp {
    pub(crate) growth: daytwo::Growth,
    ccu: Option<u32>,
    verdict: crate::plan::operator::Verdict,
}

impl CatchUp {
    fn notes(&self, scope: daytwo::Scope<'_>, again: &str) -> Vec<Diagnostic> {
        let changes: Vec<String> = self
            .verdict
            .changes
            .iter()
            .map(|c| format!("{}: {}", c.disruption, c.change))
            .collect();
        let mut notes = vec![
            Diagnostic::warning(format!(
                "{scope}: the folder is not what the site file renders today (it was written by \
                 an older miniogen, or the inputs changed since), and growing now would apply \
                 that in the same step as the growth: {}",
                changes.join("; ")
            ))
            .help(format!(
                "this step only brings the folder current, with `config.env` as it has it: \
                 render and apply it (`miniogen check` names each change), then run `{again}` \
                 again"
            )),
        ];
        notes.extend(
            self.growth
                .steps_left()
                .into_iter()
                .map(|line| Diagnostic::note(format!("{scope}: {line}"))),
        );
        notes
    }
}

/// When the step `growth` writes over the folder `dir` would not apply alone because the folder
/// is not what the site file renders today (such as a folder of an older miniogen, whose
/// Tenant carries annotations the render drops, with another `config.env`), the step to take
/// first: the site file as it is with the growth's pins (image, resources, the first pool) and
/// settings that keep `config.env` as the folder has it, without the new pool.
pub(crate) fn catch_up(
    growth: &daytwo::Growth,
    (inputs, shared): (&Request, &Shared),
    (path, doc): (&std::path::Path, &toml_edit::DocumentMut),
    dir: &std::path::Path,
) -> Result<Option<CatchUp>, Failure> {
    let asked = inputs.ccu.as_ref().map(|c| c.value);
    let judge = |g: &daytwo::Growth, ccu: Option<u32>| {
        let mut trial = doc.clone();
        write_growth(&mut trial, g, ccu, path)?;
        applying::step_verdict(
            inputs,
            shared,
            (path, &trial.to_string()),
            g.env.clone(),
            Baseline::Folder(dir, folder::Render::default()),
        )
    };
    let blocked = |c: &Option<applying::Compared>| {
        c.as_ref()
            .is_some_and(|c| c.verdict.blocked().next().is_some())
    };
    if !blocked(&judge(growth, asked)?) {
        return Ok(None);
    }
    // The tier the folder was written for, when the site file names none.
    let ccu = if site_ccu(shared, growth.env.as_deref()) {
        None
    } else {
        folder_tier(dir).or(asked)
    };
    let mut first = growth.catch_up(Vec::new());
    let mut compared = judge(&first, ccu)?;
    if blocked(&compared)
        && let Some(c) = &compared
        && let (Some(old), Some(new)) = (&c.old_config, &c.new_config)
    {
        first.config = daytwo::config_pins(old, new).0;
        compared = judge(&first, ccu)?;
    }
    // A folder that is current: the growth itself does not apply alone, which `prove_growth`
    // says.
    Ok(compared
        .filter(|c| !c.verdict.changes.is_empty())
        .map(|c| CatchUp {
            growth: first,
            ccu,
            verdict: c.verdict,
        }))
}

/// Whether the site file gives `env` a tier (`ccu`).
fn site_ccu(shared: &Shared, env: Option<&str>) -> bool {
    shared.site.as_deref().is_some_and(|site| {
        crate::check::decode::effective_site(Some(site), env).is_ok_and(|s| s.get("ccu").is_some())
    })
}

/// The tier a folder was written for: the `--ccu` its state file records, or the
/// `miniogen.io/tier` annotation miniogen wrote on its objects before issue 26.
fn folder_tier(dir: &std::path::Path) -> Option<u32> {
    if let Ok(Some(recorded)) = crate::output::folder::recorded_inputs(dir)
        && recorded.ccu.is_some()
    {
        return recorded.ccu;
    }
    crate::output::folder::read_objects(dir, &[])
        .iter()
        .find_map(|m| {
            m.value
                .pointer("/metadata/annotations/miniogen.io~1tier")?
                .as_str()?
                .parse()
                .ok()
        })
}

/// What the site file sets itself for `env` (the first pool's resources, buckets' locks), which
/// `grow` keeps as it is.
fn asked(shared: &Shared, env: Option<&str>) -> daytwo::Asked {
    let Some(site) = shared
        .site
        .as_deref()
        .and_then(|site| crate::check::decode::effective_site(Some(site), env).ok())
    else {
        return daytwo::Asked::default();
    };
    daytwo::Asked {
        resources: site.pointer("/sizing/resources").is_some(),
        locks: site
            .get("buckets")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter(|b| b.get("object_lock").is_some())
            .filter_map(|b| b.get("name")?.as_str().map(str::to_string))
            .collect(),
    }
}

/// `grow` over a site file that plans a pool: the second step, which adds it, once the folder
/// holds the configuration the first step brought. Without a folder, the site file as it is
/// (the first step) is what the cluster runs under GitOps, which `grow` cannot see: it says
/// what must have happened first.
fn second_step(
    doc: &mut toml_edit::DocumentMut,
    scope: daytwo::Scope<'_>,
    plan: &crate::plan::Plan,
    path: &std::path::Path,
) -> Result<(Diagnostic, bool), Failure> {
    let names = plan
        .planned
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(dir) = scope.dir
        && applying::folder_verdict(dir, plan, &generated(plan)?.manifests)?
            .is_some_and(|v| !applying::configuration_applied(&v))
    {
        return Err(Failure::Invalid(vec![
            Diagnostic::error(format!(
                "{scope}: pool {names} is planned, but the folder does not hold the \
                 configuration it needs yet"
            ))
            .help(format!(
                "render and apply the first step (`miniogen gen --config {} --out ...`), restart \
                 every server as `miniogen check` says, then run `miniogen grow` again",
                path.display()
            )),
        ]));
    }
    let done = daytwo::unplan(doc, scope.env, &plan.planned)
        .map_err(|why| Usage::Edit(path.to_path_buf(), why))?;
    let done = done
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let note = if scope.dir.is_some() {
        Diagnostic::note(format!(
            "{scope}: pool {done} no longer planned: the folder holds the configuration it needs \
             (once applied with every server restarted, as the first step said), so the next \
             render adds it; every MinIO process restarts then, as `miniogen check` says"
        ))
    } else {
        Diagnostic::warning(format!(
            "{scope}: pool {done} no longer planned, so the next render adds it and every MinIO \
             process restarts then"
        ))
        .help(
            "`miniogen grow` cannot see the cluster: commit this only once the first step (the \
             site file as it was) is synced and every server was restarted at once since, as \
             its configuration change said (`mc admin info ALIAS` lists every server online); \
             the new pool's drives are formatted with the configuration its servers start with",
        )
    };
    Ok((note, !done.is_empty()))
}

/// The sizing of the tier a plan was made from: the custom profile, or the built-in tier.
pub(crate) fn tier_sizing(
    shared: &Shared,
    plan: &crate::plan::Plan,
) -> Option<crate::model::spec::Sizing> {
    let value = if let Some(profile) = &shared.profile {
        profile.value.clone()
    } else {
        let builtin = load::BUILTINS.iter().find(|b| b.ccu == plan.tier.ccu)?;
        load::builtin_shared(*builtin).ok()?.value.clone()
    };
    serde_json::from_value::<crate::model::spec::Profile>(value)
        .ok()
        .map(|p| p.sizing)
}

/// The pool names the site file takes for an environment (decommissioned ones included), and
/// the shared pools an environment would have to copy to add one of its own.
pub(crate) fn site_pools(shared: &Shared, env: Option<&str>) -> daytwo::SitePools {
    let Some(site) = shared.site.as_deref() else {
        return daytwo::SitePools::default();
    };
    let pools = |value: Option<&serde_json::Value>| -> Vec<crate::model::spec::ExtraPool> {
        value
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    };
    let effective = crate::check::decode::effective_site(Some(site), env).unwrap_or_default();
    let names = pools(effective.get("pools"))
        .into_iter()
        .map(|p| p.name)
        .collect();
    let own = env.and_then(|e| {
        site.value.pointer(&format!(
            "/environments/{}/pools",
            crate::input::source::escape_pointer(e)
        ))
    });
    let inherited = if env.is_some() && own.is_none() {
        pools(site.value.get("pools"))
    } else {
        Vec::new()
    };
    daytwo::SitePools { names, inherited }
}

/// The `miniogen grow` command line for one environment and its folder.
pub(crate) fn grow_command(inputs: &Request, env: Option<&str>, dir: &std::path::Path) -> String {
    let mut command = String::from("miniogen grow");
    if let Some(ccu) = &inputs.ccu {
        let _ = write!(command, " --ccu {}", ccu.value);
    }
    if let Some(config) = &inputs.config {
        let _ = write!(command, " --config {}", config.display());
    }
    if let Some(env) = env {
        let _ = write!(command, " --env {env}");
    }
    let _ = write!(command, " --out {}", dir.display());
    command
}
