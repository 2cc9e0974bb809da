//! What `gen --out` and `check` refuse or warn about when a render meets the pools and buckets
//! an output folder already holds: a pool the operator cannot change (with the pool `grow`
//! would add instead), a pool leaving before it is drained, a bucket setting MinIO cannot apply.

use std::fmt::Write as _;

use crate::app::applying::{Baseline, folder_label, folder_tenant, folder_verdict};
use crate::app::failure::Failure;
use crate::app::grow::{first_step, site_path, site_pools, site_text_of, tier_sizing};
use crate::app::pipeline::{Shared, checked_plan};
use crate::check::decode::Inputs;
use crate::input::load::{self, Request};
use crate::model::diag::Diagnostic;
use crate::output::{folder, report};
use crate::plan::daytwo;
use crate::plan::operator::Verdict;
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

/// The `miniogen grow` command line for one environment and its folder.
fn grow_command(inputs: &Request, env: Option<&str>, dir: &std::path::Path) -> String {
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

/// Judges the render `plan` (with its `manifests`) against what the folder `dir` holds, for
/// `gen --out` and `check`.
pub(crate) fn guard(
    inputs: &Request,
    shared: &Shared,
    env: Option<&str>,
    dir: &std::path::Path,
    plan: &crate::plan::Plan,
    manifests: &[post::Manifest],
    accept_pool_rebuild: bool,
) -> Result<Guarded, Failure> {
    let verdict = folder_verdict(dir, plan, manifests)?;
    let mut found = Guarded {
        verdict: None,
        warnings: Vec::new(),
        refused: Vec::new(),
    };
    if !accept_pool_rebuild {
        found.sort(guard_pools((inputs, shared, env), dir, (plan, manifests)))?;
    }
    if let Some(verdict) = &verdict {
        // A downgrade, or a new pool with other changes: refused whatever the flags.
        found
            .refused
            .extend(report::blocked_diagnostics(&folder_label(dir), verdict));
    }
    found.sort(guard_buckets(env, dir, plan))?;
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
/// cannot apply, with the change that grows instead; warns about the changes it applies.
fn guard_pools(
    (inputs, shared, env): (&Request, &Shared, Option<&str>),
    dir: &std::path::Path,
    (plan, manifests): (&crate::plan::Plan, &[post::Manifest]),
) -> Result<Vec<Diagnostic>, Failure> {
    let Some(tenant) = manifests.iter().find(|m| m.kind == "Tenant") else {
        return Ok(Vec::new());
    };
    let Some(old) = folder::read_object(dir, tenant)? else {
        return Ok(Vec::new());
    };
    let first_kept = !plan.retired.contains(&plan.first_pool);
    let existing = daytwo::Existing::from_tenant(&old);
    let tier = tier_sizing(shared, plan);
    // `grow` pins the first pool under `[sizing]`: with that pool retired there is none to pin.
    let mut growth = tier
        .as_ref()
        .filter(|_| first_kept)
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
                (&old, plan),
                Baseline::Folder(dir),
            )?;
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
        &old,
        &tenant.value,
        (&plan.first_pool, first_kept),
        &plan.retired,
        growth.as_ref(),
        &grow_command(inputs, env, dir),
        &room,
    );
    if verdict.errors.is_empty() {
        Ok(verdict.warnings)
    } else {
        Err(Failure::Invalid(verdict.errors))
    }
}

/// Refuses bucket settings that MinIO cannot apply to the buckets the folder's Tenant already
/// holds (a lock added or removed, a compliance retention weakened), with the migration; warns
/// about settings that change or stay behind.
fn guard_buckets(
    env: Option<&str>,
    dir: &std::path::Path,
    plan: &crate::plan::Plan,
) -> Result<Vec<Diagnostic>, Failure> {
    let Some(old) = folder_tenant(dir, plan)? else {
        return Ok(Vec::new());
    };
    let objects = folder::read_objects(dir);
    let recorded = daytwo::recorded_buckets(objects.iter().map(|m| &m.value));
    let verdict = daytwo::judge_buckets(
        daytwo::Scope {
            env,
            dir: Some(dir),
        },
        &old,
        &recorded,
        plan,
    );
    if verdict.errors.is_empty() {
        Ok(verdict.warnings)
    } else {
        Err(Failure::Invalid(verdict.errors))
    }
}
