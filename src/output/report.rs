//! Human-readable views of plans: `miniogen plan` and `miniogen profiles`.
//!
//! Formats only; every figure comes from the plan. The JSON form of `plan` serializes the plan
//! itself, so scripts see the same numbers the table shows.

use std::fmt::Write as _;

use crate::model::credentials::{CredentialKind, CredentialRef};
use crate::model::diag::Diagnostic;
use crate::model::quantity;
use crate::model::spec::{SecretsMode, StoreKind};
use crate::plan::{KeyValue, Plan, Pool, SET_DRIVE_COUNT_ENV};
use crate::plan::{needs, operator};

/// An exact size, with an approximation in the largest unit when they differ.
fn size(bytes: u128) -> String {
    let exact = quantity::format_bytes(bytes);
    let approx = quantity::approx_bytes(bytes);
    if exact == approx {
        exact
    } else {
        format!("{exact} (~{approx})")
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn losses(drives: u32, servers: u32) -> String {
    format!(
        "{} per set, {}",
        plural(drives, "drive", "drives"),
        plural(servers, "whole server", "whole servers")
    )
}

/// The plan as an aligned, readable report, with `changes` (lines that compare it with an
/// output folder) after the totals.
#[must_use]
pub fn plan_table_with(plan: &Plan, changes: &str) -> String {
    let mut out = String::new();
    let asked = match plan.tier.requested_ccu {
        Some(n) if n != plan.tier.ccu => format!(" for {n} CCU"),
        _ => String::new(),
    };
    let _ = writeln!(out, "tier {} CCU{asked}: {}", plan.tier.ccu, title(plan));
    let _ = writeln!(out, "  profile              {}", plan.tier.profile);
    let _ = writeln!(
        out,
        "  tenant               {} in namespace {}, {}",
        plan.tenant.name, plan.namespace, plan.tenant.image
    );
    let _ = writeln!(
        out,
        "  S3 endpoint          {} (service port {} `{}`)",
        plan.s3.url, plan.s3.port, plan.s3.port_name
    );
    let _ = writeln!(out, "  S3 requests          {}", api_requests(plan));
    for pool in &plan.pools {
        pool_lines(&mut out, plan, pool);
    }
    out.push_str(&crate::plan::daytwo::retired_lines(plan));
    let _ = writeln!(out);
    let _ = writeln!(out, "total");
    let _ = writeln!(
        out,
        "  raw                  {}",
        size(plan.capacity.raw_bytes)
    );
    let _ = writeln!(
        out,
        "  usable               {}",
        size(plan.capacity.usable_bytes)
    );
    let _ = writeln!(
        out,
        "  runbook's usable     {}",
        plan.capacity.runbook_usable
    );
    if let Some(why) = &plan.capacity.correction {
        let _ = writeln!(out, "  correction           {why}");
    }
    if let Some(cost) = &plan.erasure.cost {
        let _ = writeln!(out, "  quorum-safe sets     cost {cost}");
    }
    out.push_str(changes);
    buckets(&mut out, plan);
    consumers(&mut out, plan);
    watched(&mut out, plan);
    cluster_needs(&mut out, plan);
    wrap(&out, PLAN_WIDTH)
}

/// One pool's part of `plan`: drives, erasure sets, capacity, quorum and disruption budget.
fn pool_lines(out: &mut String, plan: &Plan, pool: &crate::plan::Pool) {
    let l = &pool.layout;
    let _ = writeln!(out);
    let _ = writeln!(out, "pool {}", pool.name);
    let _ = writeln!(
        out,
        "  drives               {} x {} = {} of {} (storage class {})",
        plural(pool.servers, "server", "servers"),
        plural(pool.volumes_per_server, "volume", "volumes"),
        plural(l.drives, "drive", "drives"),
        pool.volume_size,
        pool.storage_class
    );
    let forced = match plan.erasure.set_drive_count {
        Some(count) if pool.own_set_size != l.set_size => format!(
            ", `{SET_DRIVE_COUNT_ENV}={count}` (MinIO alone would make sets of {})",
            pool.own_set_size
        ),
        Some(count) => format!(", `{SET_DRIVE_COUNT_ENV}={count}`"),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "  erasure sets         {} of {}, {} data + {} parity each ({}){forced}",
        plural(l.sets, "set", "sets"),
        plural(l.set_size, "drive", "drives"),
        l.data,
        l.parity,
        plan.tenant.storage_class_standard
    );
    let _ = writeln!(
        out,
        "  capacity             raw {}, usable {}: {}% of raw",
        size(pool.raw_bytes),
        size(pool.usable_bytes),
        pool.efficiency_percent
    );
    let _ = writeln!(
        out,
        "  reads need           {} of {} drives per set: may lose {}",
        l.read_quorum,
        l.set_size,
        losses(l.drives_lost_read, l.servers_lost_read)
    );
    let _ = writeln!(
        out,
        "  writes need          {} of {} drives per set: may lose {}",
        l.write_quorum,
        l.set_size,
        losses(l.drives_lost_write, l.servers_lost_write)
    );
    let _ = writeln!(out, "  disruption budget    {}", budget(pool));
}

/// What is watched and at which thresholds, and what the verification Job checks.
fn watched(out: &mut String, plan: &Plan) {
    if plan.watch.is_none() && plan.verify.is_none() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "watched and verified");
    for (label, text) in plan.watch.iter().flat_map(|w| &w.summary) {
        let _ = writeln!(out, "  {label:<20} {text}");
    }
    if let Some(v) = &plan.verify {
        let e = &v.expected;
        let join = |n: &[u32]| {
            n.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "  {:<20} Job `{}` after each sync (Argo CD PostSync hook; Flux replaces it when what \
             it checks changes), as ServiceAccount `{}` with policy `{}` through the operator's \
             STS: {} online and none offline, sets per pool {}, drives per set {}, EC:{}, {} \
             with the object lock, versioning, default retention, noncurrent-version expiry and \
             quota the plan gives each, each consumer allowed on its buckets and refused on the \
             others",
            "verification",
            v.name,
            v.name,
            v.policy,
            plural(e.drives, "drive", "drives"),
            join(&e.sets),
            join(&e.set_drives),
            e.parity,
            plural(
                u32::try_from(e.buckets.len()).unwrap_or(u32::MAX),
                "bucket",
                "buckets"
            ),
        );
        if let Some(job) = &v.bucket_job {
            let _ = writeln!(
                out,
                "  {:<20} a setting MinIOJob `{job}` has not applied yet (it runs once the \
                 operator has created the buckets) fails that run and is named; the Job runs \
                 again, up to {} times within {}",
                "first sync",
                v.backoff_limit,
                crate::plan::watch::duration(u64::from(v.deadline_seconds)),
            );
        }
    }
}

/// Commands to copy, each on a line of its own under what needs them, indented less than the
/// value column so that one fits a line whole (`wrap` never splits a span in backticks).
fn commands(out: &mut String, commands: &[String]) {
    for command in commands {
        let _ = writeln!(out, "    `{command}`");
    }
}

/// What the cluster must hold, with the site's own names (`plan::needs`).
fn cluster_needs(out: &mut String, plan: &Plan) {
    let needs = &plan.needs;
    let _ = writeln!(out);
    let _ = writeln!(out, "cluster needs");
    let nodes = &needs.nodes;
    let _ = writeln!(
        out,
        "  {:<20} {} schedulable nodes with room for one MinIO server each (requests {} CPU, {} \
         memory): a pool's servers must run on different nodes (a required pod anti-affinity on \
         `{}`), and pool `{}` has {}; a server without a node stays Pending, and the tenant does \
         not start",
        "nodes",
        nodes.count,
        nodes.requests.cpu,
        nodes.requests.memory,
        needs::NODE_TOPOLOGY_KEY,
        nodes.pool,
        plural(nodes.count, "server", "servers"),
    );
    let _ = writeln!(
        out,
        "  {:<20} `{}`, which miniogen does not create:",
        "namespace", plan.namespace
    );
    commands(out, std::slice::from_ref(&needs.namespace_command));
    if let Some(p) = &needs.prometheus {
        let monitor = p.service_monitor.as_ref().map_or_else(String::new, |m| {
            format!(" (and whose `serviceMonitorSelector` matches ServiceMonitor `{m}`'s)")
        });
        let chart = match &p.release {
            Some(release) => format!(
                "kube-prometheus-stack's Prometheus (chart {}) selects them by default when its \
                 Helm release is named `{release}`",
                needs::KUBE_PROMETHEUS_STACK
            ),
            None => format!(
                "kube-prometheus-stack's Prometheus (chart {}) selects only `{}: <its Helm \
                 release>` by default, which they lack: add it with `prometheus.labels = {{ {} = \
                 \"<release>\" }}`",
                needs::KUBE_PROMETHEUS_STACK,
                needs::RELEASE_LABEL,
                needs::RELEASE_LABEL
            ),
        };
        let _ = writeln!(
            out,
            "  {:<20} the Prometheus Operator (v0.67 or later) and a Prometheus whose \
             `scrapeConfigSelector` matches the labels of ScrapeConfig `{}`{monitor}: its \
             `app.kubernetes.io/*` labels and `prometheus.labels`; {chart}",
            "Prometheus", p.scrape_config,
        );
    }
    gitops(out, plan);
    if let Some(module) = needs.synapse_module {
        let _ = writeln!(
            out,
            "  {:<20} the `{module}` module in Synapse's image, which the media store names \
             (`s3_storage_provider.S3StorageProviderBackend`)",
            "Synapse"
        );
    }
}

/// The metadata Argo CD and Flux write on the Tenant, which the operator copies into every pod
/// template (`operator::Version::gitops_metadata`): when it rolls the pods, and the Application
/// name under which Argo CD's tracking label keeps the value miniogen renders.
fn gitops(out: &mut String, plan: &Plan) {
    let metadata = operator::PINNED.gitops_metadata();
    let keys: Vec<String> = metadata
        .iter()
        .filter(|k| k.reaches_pods)
        .map(|k| format!("`{}`", k.key))
        .collect();
    if keys.is_empty() {
        return;
    }
    let instance = metadata
        .iter()
        .find(|k| k.on == "label" && k.key == "app.kubernetes.io/instance")
        .and_then(|k| plan.labels.get(k.key))
        .map_or_else(String::new, |value| {
            format!(
                "; under label tracking, an Application named `{value}` writes the value miniogen \
                 renders, and changes nothing"
            )
        });
    let _ = writeln!(
        out,
        "  {:<20} the tracking metadata Argo CD and Flux write on the Tenant ({}) reaches every \
         MinIO pod (MinIO Operator {}, `PodMetadata`): the first sync of a Tenant applied before \
         by other means, a renamed Application or Kustomization, or Argo CD switching to \
         annotation tracking (its default since 3.0) rolls every pod once{instance}",
        "GitOps",
        keys.join(", "),
        operator::PINNED.name(),
    );
}

/// The widest line `plan` prints: terminals and review tools show 100 columns.
pub const PLAN_WIDTH: usize = 99;

/// Where the value of a `  label   value` line of the plan starts.
const VALUE_COLUMN: usize = 23;

/// Wraps each line longer than `width` at spaces, continuing under its value: the column after
/// an indented line's first word and its padding (`  label    value`), or two columns in for a
/// heading. A span in
/// backticks (a name, a command to copy) is never split, so a span longer than the room stays
/// whole on a line of its own.
#[must_use]
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.chars().count() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        // An indented line is `label value`: continue under the value. A heading (no indent)
        // continues indented.
        // Labels are padded to the value column the plan uses (`  {:<20} `); a label with a
        // space in it (`disruption budget`) must not end the label early.
        let bytes = line.as_bytes();
        let padded = indent > 0
            && bytes.get(VALUE_COLUMN - 1) == Some(&b' ')
            && bytes.get(VALUE_COLUMN).is_some_and(|b| *b != b' ');
        let value_column = Some(indent)
            .filter(|&i| i > 0)
            .and_then(|i| line[i..].find(' ').map(|end| i + end))
            .map(|end| line.len() - line[end..].trim_start().len())
            .filter(|&c| c < width / 2)
            .map_or(indent + 2, |c| if padded { VALUE_COLUMN } else { c });
        let mut current = String::new();
        for word in words(line) {
            let fits = current.chars().count() + 1 + word.chars().count() <= width;
            if current.is_empty() {
                current.push_str(word);
            } else if fits {
                current.push(' ');
                current.push_str(word.trim_start());
            } else {
                out.push_str(&current);
                out.push('\n');
                current = format!("{}{}", " ".repeat(value_column), word.trim_start());
            }
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

/// A line's words for `wrap`: split at single spaces outside backticks; the first word keeps
/// the line's indent and the padding after a label stays with the word before it.
fn words(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let bytes = line.as_bytes();
    let indent = line.len() - line.trim_start().len();
    for (i, &b) in bytes.iter().enumerate().skip(indent) {
        match b {
            b'`' => quoted = !quoted,
            b' ' if !quoted
                && i > start
                && bytes[i - 1] != b' '
                && bytes.get(i + 1) != Some(&b' ') =>
            {
                out.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&line[start..]);
    out
}

/// A pool's one PodDisruptionBudget as the cluster will hold it, and whether write quorum
/// survives what it lets go.
fn budget(pool: &Pool) -> String {
    let b = &pool.disruption_budget;
    let l = &pool.layout;
    let (who, rule) = match (b.min_available, b.max_unavailable) {
        (Some(min), _) => (
            format!("MinIO Operator {}'s", operator::PINNED.name()),
            format!("minAvailable {min} of {}", pool.servers),
        ),
        (None, max) => (
            "miniogen's (the operator writes none for 2 servers or fewer)".to_string(),
            format!("maxUnavailable {}", max.unwrap_or_default()),
        ),
    };
    let verdict = if b.quorum_safe {
        "quorum-safe".to_string()
    } else {
        format!(
            "NOT quorum-safe: {} down loses write quorum",
            plural(b.quorum_allows + 1, "server", "servers")
        )
    };
    format!(
        "{who} `{}`: {rule}, lets {} go; write quorum survives {} ({} per server per set): {verdict}",
        b.name,
        plural(b.allows_down, "server", "servers"),
        b.quorum_allows,
        plural(l.drives_per_server_per_set, "drive", "drives"),
    )
}

/// The profile's summary when it describes what runs, one pool laid out as the summary says;
/// otherwise who the tier is for, then the pools that will actually run.
fn title(plan: &Plan) -> String {
    // A custom profile's summary is the user's text: kept on the title's line.
    let summary = crate::output::terminal::line(&plan.tier.summary);
    if let [pool] = plan.pools.as_slice() {
        let layout = format!(
            "{} servers x {} drives of {}",
            pool.servers, pool.volumes_per_server, pool.volume_size
        );
        if summary.ends_with(&layout) {
            return summary.into_owned();
        }
    }
    let who = summary
        .split_once(": ")
        .map_or(summary.as_ref(), |(who, _)| who);
    let pools: Vec<String> = plan
        .pools
        .iter()
        .map(|p| {
            format!(
                "{} {} x {} of {}",
                p.name, p.servers, p.volumes_per_server, p.volume_size
            )
        })
        .collect();
    let servers: u32 = plan.pools.iter().map(|p| p.servers).sum();
    let drives: u32 = plan.pools.iter().map(|p| p.layout.drives).sum();
    format!(
        "{who}, as {}: {} servers, {} drives ({})",
        plural(
            u32::try_from(plan.pools.len()).unwrap_or(u32::MAX),
            "pool",
            "pools"
        ),
        servers,
        drives,
        pools.join(", ")
    )
}

/// What each server accepts at once and why, as `cmd/handler-api.go` reads or derives it.
fn api_requests(plan: &Plan) -> String {
    let r = &plan.tenant.api_requests;
    let memory = plan
        .pools
        .first()
        .map(|p| p.resources.limits.memory.as_str())
        .unwrap_or_default();
    let basis = format!(
        "the {memory} memory limit and erasure sets of {} drives",
        r.set_drives
    );
    match (r.cluster_max, r.per_server, r.memory_safe_per_server) {
        (Some(max), Some(per), safe) => format!(
            "{per} per server at once: `MINIO_API_REQUESTS_MAX` {max} is for the whole cluster, divided by {} (unset, MinIO would derive {} from {basis})",
            plural(r.servers, "server", "servers"),
            safe.map_or_else(
                || "it from each node's free memory".into(),
                |n| n.to_string()
            )
        ),
        (None, Some(per), _) => format!(
            "{per} per server at once, which MinIO derives from {basis} (`MINIO_API_REQUESTS_MAX` unset)"
        ),
        _ => format!(
            "MinIO derives it from each node's free memory: the {memory} limit is too large to count (`MINIO_API_REQUESTS_MAX` unset)"
        ),
    }
}

/// Each bucket with its settings and what they cost, the media the tenant holds beside its
/// lawful-intercept copy, and the job that applies the settings.
fn buckets(out: &mut String, plan: &Plan) {
    use crate::plan::buckets::{self, Role};
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "buckets (the operator creates each one that is missing, with its object lock; it never \
         changes one that exists)"
    );
    for b in &plan.buckets {
        let (head, lines) = buckets::describe(b);
        let _ = writeln!(out, "  {:<20} {head}", b.name);
        for (label, text) in lines {
            let _ = writeln!(out, "    {label:<18} {text}");
        }
    }
    let li = plan
        .buckets
        .iter()
        .find(|b| b.role == Role::LawfulIntercept);
    let media = plan.buckets.iter().find(|b| b.name == media_bucket(plan));
    if let (Some(li), Some(media)) = (li, media) {
        let line = match buckets::media_ceiling(plan.capacity.usable_bytes, li) {
            Some(ceiling) => format!(
                "`{}` and its copy `{}` share the usable {}: with the copy's noncurrent versions \
                 (+{}), Synapse's media fills the tenant at about {}, backups not counted",
                media.name,
                li.name,
                size(plan.capacity.usable_bytes),
                buckets::percent(li.overhead_basis_points().unwrap_or_default()),
                size(ceiling >> 30 << 30)
            ),
            None => format!(
                "`{}` keeps noncurrent versions for ever: the copy outgrows `{}` without bound",
                li.name, media.name
            ),
        };
        let _ = writeln!(out, "  {:<20} {line}", "media ceiling");
    }
    if let Some(job) = &plan.bucket_job {
        let grants: Vec<String> = job
            .policy
            .grants
            .iter()
            .map(|(bucket, actions)| format!("{} on `{bucket}`", actions.join(", ")))
            .chain(
                job.policy
                    .admin_actions
                    .iter()
                    .map(|a| format!("{a} on any bucket")),
            )
            .collect();
        let _ = writeln!(
            out,
            "  {:<20} MinIOJob `{}` as ServiceAccount `{}`, granted only `{}` by PolicyBinding \
             `{}`: {}",
            "applied by",
            job.job,
            job.service_account,
            job.policy.name,
            job.policy_binding,
            grants.join("; ")
        );
        let _ = writeln!(
            out,
            "  {:<20} a command fails until the IAM job has created `{}` and the operator the \
             buckets, restarting in place (up to 6 times, about 10 minutes); a version written \
             before `retention set` ran carries no lock (`mc retention set --recursive` covers \
             it); bump `iam.run` to run both jobs again",
            "first run", job.policy.name
        );
    }
}

/// The bucket the LI sync copies from.
fn media_bucket(plan: &Plan) -> &str {
    plan.rclone
        .as_ref()
        .and_then(|r| r.args.get(1))
        .and_then(|source| source.split_once(':'))
        .map_or("synapse-media", |(_, bucket)| bucket)
}

/// Each consumer with its identity, its buckets and the actions it may take in each; then the
/// administrator and the job that applies it all.
fn consumers(out: &mut String, plan: &Plan) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "consumers (each its own MinIO user and policy; none is in the Tenant's `spec.users`, none has `consoleAdmin`)"
    );
    for c in &plan.consumers {
        let _ = writeln!(
            out,
            "  {:<20} {}: user `{}` (Secret `{}`), policy `{}`",
            c.name, c.description, c.access_key, c.secret, c.policy.name
        );
        for g in &c.policy.grants {
            let denied = if g.denied.is_empty() {
                String::new()
            } else {
                format!("; never {}", g.denied.join(", "))
            };
            let _ = writeln!(
                out,
                "    {:<18} {}: {} on the bucket; {} on its objects{denied}",
                g.bucket,
                g.access.name(),
                g.bucket_actions.join(", "),
                g.object_actions.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "    {:<18} {} (service `minio` port {} `{}`) through {}",
            "reaches",
            plan.s3.url,
            plan.s3.port,
            plan.s3.port_name,
            wiring(plan, &c.name)
        );
    }
    for p in &plan.prerequisites {
        let _ = writeln!(
            out,
            "  {:<20} {} `{}` key `{}`: {}",
            "needs", p.kind, p.name, p.key, p.why
        );
        commands(out, &p.commands);
    }
    match &plan.admin {
        Some(a) => {
            let _ = writeln!(
                out,
                "  {:<20} user `{}` (Secret `{}`) in the Tenant's `spec.users`, so `{}` over the whole tenant: for people, no consumer",
                "administrator", a.access_key, a.secret, a.policy
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  {:<20} none (`[admin]` adds one, separate from every consumer)",
                "administrator"
            );
        }
    }
    let iam = &plan.iam;
    let _ = writeln!(
        out,
        "  {:<20} MinIOJob `{}` as ServiceAccount `{}`, granted `{}` by PolicyBinding `{}` (needs the operator's STS)",
        "applied by",
        iam.job,
        iam.service_account,
        iam.job_policies.join("`, `"),
        iam.policy_binding
    );
    let _ = writeln!(
        out,
        "  {:<20} never by the operator once a command failed; a failing `mc` restarts in place up to 6 times (about 10 minutes) once the tenant is healthy; bump `iam.run` for a new job",
        "re-run"
    );
}

/// Where a consumer's settings come from: the outputs miniogen writes for it.
fn wiring(plan: &Plan, consumer: &str) -> String {
    let dir = crate::plan::outputs::FRAGMENT_DIR;
    let files = |c: &str| -> Vec<String> {
        plan.outputs
            .fragments
            .iter()
            .filter(|f| f.consumer == c)
            .map(|f| format!("`{dir}/{}`", f.file))
            .collect()
    };
    let mut parts = Vec::new();
    match consumer {
        "synapse" => {
            if let Some(cm) = plan
                .outputs
                .synapse
                .as_ref()
                .and_then(|s| s.config_map.as_ref())
            {
                parts.push(format!("ConfigMap `{cm}`"));
            }
            parts.extend(files("synapse"));
        }
        "cnpg" => {
            let cnpg = &plan.outputs.cnpg;
            if cnpg.object_store_in_manifests {
                parts.push(format!("ObjectStore `{}`", cnpg.object_store));
            }
            parts.extend(files("cnpg"));
        }
        "rclone" => {
            if let Some(r) = &plan.rclone {
                parts.push(format!(
                    "ConfigMap `{}` and CronJob `{}`",
                    r.config_map, r.name
                ));
            }
        }
        _ => {}
    }
    if parts.is_empty() {
        "its Secret's keys; you give it the endpoint".into()
    } else {
        parts.join(", ")
    }
}

/// The plan as JSON, for scripts.
#[must_use]
pub fn plan_json(plan: &Plan) -> String {
    json_text(&serde_json::to_value(plan).unwrap_or_default())
}

/// A value as pretty JSON with a closing line break, escaped for the terminal the JSON way.
#[must_use]
pub fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    crate::output::terminal::json(&text).into_owned()
}

/// The Secrets the manifests reference, each with its keys and where every credential comes
/// from in the plan's mode. Names and references only: never a credential value.
#[must_use]
pub fn secrets_table(plan: &Plan) -> String {
    let s = &plan.secrets;
    let mut out = String::new();
    let _ = writeln!(out, "secrets mode: {}", s.source);
    let how = match s.mode {
        SecretsMode::ExternalSecrets => format!(
            "an ExternalSecret builds each Secret from {} `{}`, refreshed every {}",
            store_kind(s.store.kind),
            s.store.name,
            s.store.refresh_interval
        ),
        SecretsMode::VaultPlaceholders => "miniogen writes each Secret with \
            argocd-vault-plugin placeholders, which the plugin replaces"
            .to_string(),
        SecretsMode::Derived => format!(
            "miniogen writes each Secret with credentials derived from the master key, \
             rotation {}",
            s.rotation
        ),
        SecretsMode::Existing => format!(
            "miniogen writes no Secrets: create each one below in namespace `{}` with exactly \
             these keys",
            plan.namespace
        ),
    };
    let _ = writeln!(out, "  {how}");
    for object in &s.objects {
        let _ = writeln!(
            out,
            "\nSecret `{}` in namespace `{}`, used by {}",
            object.name, plan.namespace, object.used_by
        );
        for key in &object.keys {
            match &key.value {
                KeyValue::Literal { text } => {
                    let _ = writeln!(out, "  {:<20} `{text}`", key.name);
                }
                KeyValue::Credential { credential } => {
                    let _ = writeln!(out, "  {:<20} {}", key.name, source(plan, credential));
                }
                KeyValue::ConfigEnv => {
                    let _ = writeln!(
                        out,
                        "  {:<20} MinIO's configuration, these lines:",
                        key.name
                    );
                    for entry in &plan.config_env {
                        let value = entry.credential.as_ref().map_or_else(
                            || entry.value.clone().unwrap_or_default(),
                            |c| format!("<{}>", c.key),
                        );
                        let _ = writeln!(out, "    export {}=\"{value}\"", entry.name);
                    }
                    for credential in &object.credentials {
                        let _ = writeln!(
                            out,
                            "    <{}>: {}",
                            credential.key,
                            source(plan, credential)
                        );
                    }
                }
            }
        }
    }
    prerequisites(&mut out, plan);
    out
}

/// The Secrets and `ConfigMap`s that consumers reference and nobody generates, such as a CA.
fn prerequisites(out: &mut String, plan: &Plan) {
    for p in &plan.prerequisites {
        let _ = writeln!(
            out,
            "\n{} `{}` in namespace `{}`, not a credential\n  {:<20} {}",
            p.kind, p.name, plan.namespace, p.key, p.why
        );
        commands(out, &p.commands);
    }
}

fn store_kind(kind: StoreKind) -> &'static str {
    match kind {
        StoreKind::ClusterSecretStore => "ClusterSecretStore",
        StoreKind::SecretStore => "SecretStore",
    }
}

/// Where one credential comes from, in words.
fn source(plan: &Plan, credential: &CredentialRef) -> String {
    let remote = &credential.remote;
    match (plan.secrets.mode, &credential.kind) {
        (SecretsMode::ExternalSecrets, _) => format!(
            "from store key `{}`, property `{}`",
            remote.key, remote.property
        ),
        (SecretsMode::VaultPlaceholders, _) => format!(
            "placeholder `{}`",
            crate::model::credentials::vault_placeholder(&plan.secrets.vault_path_prefix, remote)
        ),
        (SecretsMode::Derived, CredentialKind::Password) => format!(
            "derived from the master key ({} characters)",
            crate::model::credentials::DERIVED_LENGTH
        ),
        (SecretsMode::Derived, CredentialKind::MetricsToken { .. }) => {
            "a metrics token signed with the derived root password".to_string()
        }
        (SecretsMode::Existing, CredentialKind::Password) => {
            "yours: 8 to 40 characters, none of `\"`, `\\`, `$` or a backtick".to_string()
        }
        (SecretsMode::Existing, CredentialKind::MetricsToken { subject, .. }) => {
            format!("yours: the token `mc admin prometheus generate` prints for `{subject}`")
        }
    }
}

/// The Secrets as JSON, for scripts: the mode, the namespace and each Secret with its keys.
#[must_use]
pub fn secrets_json(plan: &Plan) -> String {
    let value = serde_json::json!({
        "mode": plan.secrets.source,
        "namespace": plan.namespace,
        "secrets": plan.secrets.objects,
        "prerequisites": plan.prerequisites,
    });
    json_text(&value)
}

/// The scaling table: one row per plan, with the runbook's figure beside ours.
#[must_use]
pub fn profiles_table(plans: &[Plan]) -> String {
    let header = [
        "CCU",
        "servers",
        "volumes",
        "size",
        "drives",
        "erasure sets",
        "parity",
        "raw",
        "usable",
        "runbook usable",
        "PDB",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| (*s).to_string()).collect()];
    let mut corrected = false;
    for plan in plans {
        let pool = &plan.pools[0];
        let l = &pool.layout;
        let wrong = plan.capacity.runbook_usable != plan.capacity.usable;
        corrected |= wrong;
        rows.push(vec![
            plan.tier.ccu.to_string(),
            pool.servers.to_string(),
            pool.volumes_per_server.to_string(),
            pool.volume_size.clone(),
            l.drives.to_string(),
            format!("{} x {} ({}+{})", l.sets, l.set_size, l.data, l.parity),
            plan.tenant.storage_class_standard.clone(),
            plan.capacity.raw.clone(),
            format!("{} ({}%)", plan.capacity.usable, pool.efficiency_percent),
            format!(
                "{}{}",
                plan.capacity.runbook_usable,
                if wrong { " (wrong)" } else { "" }
            ),
            match (
                pool.disruption_budget.min_available,
                pool.disruption_budget.max_unavailable,
            ) {
                (Some(min), _) => format!(
                    "operator's minAvailable {min}{}",
                    if pool.disruption_budget.quorum_safe {
                        ""
                    } else {
                        " (unsafe)"
                    }
                ),
                (None, max) => format!("maxUnavailable {}", max.unwrap_or_default()),
            },
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    if corrected {
        let _ = writeln!(
            out,
            "\nThe runbook's usable column halves raw capacity for every tier. That holds only for \
             erasure sets where data equals parity (4+4 on 8 drives). With 16-drive sets, EC:4 keeps \
             12 data + 4 parity shards: 75% of raw is usable."
        );
    }
    out
}

/// One output folder's part of the JSON that `gen --out` and `check` print with `--format json`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FolderReport {
    /// The folder.
    pub folder: String,
    /// Whether the folder changes: written by `gen`, stale for `check`.
    pub changed: bool,
    /// What applying the new render makes the operator do; `null` when the folder held no
    /// Tenant yet.
    pub verdict: Option<operator::Verdict>,
    /// What `check` found, as it prints it (empty for `gen`).
    pub findings: Vec<String>,
}

/// The folders' reports as JSON.
#[must_use]
pub fn folders_json(folders: &[FolderReport]) -> String {
    json_text(&serde_json::json!({ "folders": folders }))
}

/// One change as a message: its class, what changes, why, and what to do (`help`).
fn effect_diagnostic(folder: &str, effect: &operator::Effect) -> Diagnostic {
    let message = format!(
        "{folder}: {}: {}: {} ({})",
        effect.disruption, effect.change, effect.cause, effect.source
    );
    let d = match effect.disruption {
        operator::Disruption::Blocked => Diagnostic::error(message),
        operator::Disruption::Manual => Diagnostic::warning(message),
        _ => Diagnostic::note(message),
    };
    if effect.todo.is_empty() {
        d
    } else {
        d.help(effect.todo.clone())
    }
}

/// The verdict as messages for stderr, one per change with its class, cause and what to do;
/// one line when nothing restarts. Blocked changes are left to `blocked_diagnostics`.
#[must_use]
pub fn verdict_diagnostics(folder: &str, verdict: &operator::Verdict) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = verdict
        .changes
        .iter()
        .filter(|e| e.disruption != operator::Disruption::Blocked)
        .map(|e| effect_diagnostic(folder, e))
        .collect();
    if verdict.worst() == operator::Disruption::None {
        out.push(Diagnostic::note(format!(
            "{folder}: none: applying this restarts no MinIO server (MinIO Operator {})",
            verdict.operator_name()
        )));
    }
    out
}

/// The changes nothing may apply, as errors, and the order to apply combined ones in, with
/// `first_step` (how to take the first of them) after it when given. A pool reshaped is left
/// out: `daytwo::judge` refuses it with the pool to add instead, and `--accept-pool-rebuild`
/// overrides that.
#[must_use]
pub fn blocked_diagnostics(
    folder: &str,
    verdict: &operator::Verdict,
    first_step: Option<&str>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for effect in verdict
        .blocked()
        .filter(|e| e.kind != operator::Kind::PoolReshaped)
    {
        let mut d = effect_diagnostic(folder, effect);
        if effect.kind == operator::Kind::Combined {
            let mut steps = String::from("apply them in this order, one commit each:");
            for (i, step) in verdict.steps.iter().enumerate() {
                let _ = write!(steps, "\n    {}. {step}", i + 1);
            }
            if let Some(first) = first_step {
                let _ = write!(steps, "\n\n{first}");
            }
            d = d.help(steps);
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_word_and_backtick_spans_whole() {
        let line = "  needs                Secret `minio-ca` key `ca.crt`: yours, such as \
                    `kubectl get cm kube-root-ca.crt -o jsonpath='{.data.ca\\.crt}' > ca.crt` \
                    then `kubectl create secret generic minio-ca --from-file=ca.crt`";
        let wrapped = wrap(line, 60);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 2, "{wrapped}");
        // Continuations start under the value.
        for l in &lines[1..] {
            assert!(
                l.starts_with(&" ".repeat(23)) && !l[23..].starts_with(' '),
                "{l:?}"
            );
        }
        // Nothing lost or reordered, and the commands each on one line.
        let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&wrapped), words(line));
        assert!(lines.iter().any(|l| l.contains(
            "`kubectl get cm kube-root-ca.crt -o jsonpath='{.data.ca\\.crt}' > ca.crt`"
        )));
        // Short lines are untouched.
        assert_eq!(wrap("a  b\n", 60), "a  b\n");
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(plural(1, "drive", "drives"), "1 drive");
        assert_eq!(plural(2, "drive", "drives"), "2 drives");
        assert_eq!(losses(1, 0), "1 drive per set, 0 whole servers");
    }
}
