//! What `gen --out` and `check` refuse or warn about when a render meets the pools and buckets
//! an output folder already holds: a pool the operator cannot change (with the pool `grow`
//! would add instead), a pool leaving before it is drained, a bucket setting MinIO cannot apply.

use crate::app::applying::{Baseline, Compared, compare, folder_label};
use crate::app::failure::Failure;
use crate::app::grow::{
    catch_up, first_step, grow_command, sets_grow_writes, site_path, site_pools, site_text_of,
    tier_sizing,
};
use crate::app::pipeline::{Shared, checked_plan};
use crate::check::decode::Inputs;
use crate::input::load::{self, Request};
use crate::model::diag::Diagnostic;
use crate::output::{folder, report};
use crate::plan::daytwo;
use crate::plan::operator::{Kind, Verdict};
use crate::post;

/// The usable capacity of the tier a plan was made from, as `miniogen profiles` shows it: the
/// tier's profile rendered alone.
fn tier_capacity(shared: &Shared, plan: &crate::plan::Plan) -> Option<u128> {
    let profile = if let Some(profile) = &shared.profile {
        std::sync::Arc::clone(profile)
    } else {
        let builtin = load::BUILTINS.iter().find(|b| b.ccu == plan.tier.ccu)?;
        load::builtin_document(*builtin).ok()?.into()
    };
    let inputs = Inputs {
        profile,
        site: None,
        sets: Vec::new(),
        requested_ccu: None,
        environment: None,
    };
    checked_plan(&inputs)
        .ok()
        .map(|(tier, _)| tier.capacity.usable_bytes)
}

/// What a render meets in an output folder that already holds the Tenant: what applying it
/// does, the warnings to print, and why it is refused.
pub(crate) struct Guarded {
    /// What applying the render makes the operator and MinIO do; `None` without a Tenant.
    pub(crate) verdict: Option<Verdict>,
    /// Changes that apply, with what to know or do.
    pub(crate) warnings: Vec<Diagnostic>,
    /// Changes nothing may apply: pools the operator cannot change (unless
    /// `accept_pool_rebuild`), blocked changes, bucket settings MinIO cannot apply.
    pub(crate) refused: Vec<Diagnostic>,
}

/// Judges the render `plan` (with its `manifests` and, when the caller has them, their `files`)
/// against what the folder `dir` holds, for `gen --out` and `check`.
pub(crate) fn guard(
    inputs: &Request,
    shared: &Shared,
    env: Option<&str>,
    dir: &std::path::Path,
    (manifests, files): (&[post::Manifest], &[folder::File]),
    plan: &crate::plan::Plan,
    accept_pool_rebuild: bool,
) -> Result<Guarded, Failure> {
    let render = folder::Render { manifests, files };
    let compared = compare(Baseline::Folder(dir, render), plan, manifests)?;
    let verdict = compared.as_ref().map(|c| c.verdict.clone());
    let mut found = Guarded {
        verdict: None,
        warnings: Vec::new(),
        refused: Vec::new(),
    };
    if !accept_pool_rebuild {
        let old = compared.as_ref().map(|c| &c.old);
        found.sort(guard_pools(
            (inputs, shared, env),
            (dir, old),
            (plan, manifests),
        ))?;
    }
    // A render refused for its pools comes with the change that replaces it (the growth, or
    // the pool kept until it is drained), whose own order the next `check` or `grow` judges: an
    // order to apply this render in would be advice for a render nothing may apply. A pool
    // rebuilt from scratch (`--accept-pool-rebuild`) takes the configuration when its servers
    // first start: the order of a configuration change and the restarts no longer matters.
    let pools_refused = !found.refused.is_empty();
    let judged = verdict.clone().map(|mut v| {
        let rebuilt = accept_pool_rebuild
            && v.configuration_last()
            && v.changes.iter().any(|c| c.kind == Kind::PoolReshaped);
        if pools_refused || rebuilt {
            v.changes.retain(|c| c.kind != Kind::Combined);
            v.steps.clear();
        }
        v
    });
    if let Some(verdict) = &judged {
        // A downgrade, or a new pool with other changes: refused whatever the flags.
        // A configuration change with a roll or restart goes second: how to keep `config.env`
        // for the first step.
        let first_step = match &compared {
            Some(Compared {
                old_config: Some(old),
                new_config: Some(new),
                ..
            }) if verdict.configuration_last() => daytwo::keep_configuration(env, old, new),
            _ => None,
        };
        found.refused.extend(report::blocked_diagnostics(
            &folder_label(dir),
            verdict,
            first_step.as_deref(),
        ));
    }
    found.verdict = verdict;
    Ok(found)
}

impl Guarded {
    /// A guard's warnings go with the warnings, its refusals with the refusals.
    fn sort(&mut self, result: Result<Vec<Diagnostic>, Failure>) -> Result<(), Failure> {
        match result {
            Ok(warnings) => self.warnings.extend(warnings),
            Err(Failure::Invalid(problems)) => self.refused.extend(problems),
            Err(other) => return Err(other),
        }
        Ok(())
    }
}

/// Refuses a render that would change a pool the folder already holds in a way the operator
/// cannot apply, with the change that grows instead; warns about the changes it applies. `old`
/// is the folder's Tenant, as `compare` read it (once per environment: issue 26).
fn guard_pools(
    (inputs, shared, env): (&Request, &Shared, Option<&str>),
    (dir, old): (&std::path::Path, Option<&serde_json::Value>),
    (plan, manifests): (&crate::plan::Plan, &[post::Manifest]),
) -> Result<Vec<Diagnostic>, Failure> {
    let Some(tenant) = manifests.iter().find(|m| m.kind == "Tenant") else {
        return Ok(Vec::new());
    };
    let Some(old) = old else {
        return Ok(Vec::new());
    };
    let first_kept = !plan.retired.contains(&plan.first_pool);
    let existing = daytwo::Existing::from_tenant(old);
    let tier = tier_sizing(shared, plan);
    // `grow` pins the first pool under `[sizing]`: with that pool retired there is none to pin.
    // Nor is there one to show when a `--set` of what `grow` writes is given: `grow` refuses it.
    let sets = sets_grow_writes(inputs);
    let mut growth = tier
        .as_ref()
        .filter(|_| first_kept && sets.is_empty())
        .and_then(|tier| daytwo::propose(&existing, plan, tier, &site_pools(shared, env), env));
    // The help shows what `grow` would write: only its first step, when the first pool would
    // change at all (the only case the help shows it).
    if let Some(g) = &mut growth
        && daytwo::Existing::from_plan(plan).first() != Some(&g.first)
    {
        let path = site_path(inputs);
        let text = site_text_of(shared);
        if let Ok(doc) = text.parse::<toml_edit::DocumentMut>() {
            first_step(
                g,
                (inputs, shared),
                (&path, &doc),
                (old, plan),
                Baseline::Folder(dir, folder::Render::default()),
            )?;
            // Over a folder that is not what the site file renders today, `grow` writes a
            // step before the pool: the help shows that step.
            if g.added.is_some() {
                g.catch_up_first = catch_up(g, (inputs, shared), (&path, &doc), dir)?
                    .map(|step| Box::new(step.growth));
            }
        }
    }
    // The tier's capacity is worth a render only when a pool leaves.
    let leaving = existing
        .iter()
        .any(|p| !plan.pools.iter().any(|q| q.name == p.name));
    let room = daytwo::Room {
        left: plan.capacity.usable_bytes,
        tier: leaving
            .then(|| tier_capacity(shared, plan))
            .flatten()
            .map(|usable| (plan.tier.ccu, usable)),
        parity: plan.pools.first().map_or(0, |p| p.layout.parity),
    };
    let verdict = daytwo::judge(
        daytwo::Scope {
            env,
            dir: Some(dir),
        },
        old,
        &tenant.value,
        (&plan.first_pool, first_kept),
        &plan.retired,
        growth.as_ref(),
        &grow_command(inputs, env, dir),
        &room,
    );
    if verdict.errors.is_empty() {
        return Ok(verdict.warnings);
    }
    let mut errors = verdict.errors;
    for (set, key) in sets {
        errors.push(
            Diagnostic::note(format!(
                "a `--set` of `{key}` is part of this render: `miniogen grow` refuses it, since \
                 it would override the site file `grow` writes"
            ))
            .at(Some(set.location()))
            .help(if key == "ccu" {
                "to grow to another tier, give it to `miniogen grow` as `--ccu N`"
            } else {
                "leave it out: the pools that exist stay as they are; to grow, `miniogen grow \
                 --ccu N` writes the pools into the site file"
            }),
        );
    }
    Err(Failure::Invalid(errors))
}
