//! What is watched, and at which thresholds: the alerting rules and the dashboard, from the plan.
//!
//! Part of the plan stage. The thresholds that are choices come from the site
//! (`prometheus.alerts`); the ones the layout fixes come from the pools: the drives and servers
//! MinIO should report online, and, per pool, the online drives of an erasure set at which it is
//! one server, or one drive, from losing write quorum. The LI sync's freshness bound comes from
//! its schedule and deadlines. Every Prometheus expression is written here, whole, so that templates
//! only place it; `grafana` turns the dashboard into Grafana's JSON. No IO.
//!
//! Metric names are the ones MinIO serves at `RELEASE.2025-09-07T16-13-09Z` on
//! `/minio/v2/metrics/cluster` (minio/minio `cmd/metrics-v2.go`): the cluster groups
//! (`getClusterStorageMetrics`, `getClusterHealthMetrics`, `getNodeHealthMetrics`) are computed by
//! the one server that answers the scrape, labelled `server` with its name, which changes with
//! every scrape through the `minio` service; the peer groups (`getHTTPMetrics`,
//! `getMinioHealingMetrics`) come from every server, each labelled with its own name
//! (`ReportMetrics`, `GetPeerMetrics`). So every rule aggregates `server` away. The series carry
//! the `minio_tenant` label the `ScrapeConfig` sets on its target: the `job` label
//! prometheus-operator gives a `ScrapeConfig` changed from `scrapeconfig/NS/NAME` (v0.67) to
//! `scrapeConfig/NS/NAME` (`generateScrapeConfig`, `pkg/prometheus/promcfg.go`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::input::load::BUILTINS;
use crate::model::digest;
use crate::model::quantity;
use crate::model::spec::Site;
use crate::plan::{Pool, Rclone, schedule};

/// The label the `ScrapeConfig` puts on every series of the tenant, `<namespace>/<tenant>`.
pub const TENANT_SERIES_LABEL: &str = "minio_tenant";
/// kube-state-metrics first serves `kube_cronjob_status_last_successful_time` in v2.5.0
/// (`internal/store/cronjob.go`); `kube_cronjob_created`, `kube_cronjob_info`, `kube_job_failed`,
/// `kube_job_owner` and `kube_job_status_start_time` are older.
pub const KUBE_STATE_METRICS: &str = "v2.5.0";
/// The CronJob's `startingDeadlineSeconds` (`templates/rclone.yaml.j2`): a run may start this
/// late.
pub const STARTING_DEADLINE_SECONDS: u64 = 300;

/// The tenant's alerting rules and dashboard, when Prometheus scraping is on.
#[derive(Debug, Clone, Serialize)]
pub struct Watch {
    /// Label name and value every series of the tenant carries.
    pub series_label: (String, String),
    /// The `PrometheusRule`, when `prometheus.alerts.enabled`.
    pub rules: Option<Rules>,
    /// The dashboard ConfigMap, when `prometheus.dashboard.enabled`.
    pub dashboard: Option<Dashboard>,
    /// What is watched and at which threshold, for `miniogen plan`.
    pub summary: Vec<(String, String)>,
}

/// The `PrometheusRule`.
#[derive(Debug, Clone, Serialize)]
pub struct Rules {
    /// Its name.
    pub name: String,
    /// Labels Prometheus's `ruleSelector` matches (`prometheus.labels`), over the common ones.
    pub labels: BTreeMap<String, String>,
    /// Rule groups, each evaluated as one.
    pub groups: Vec<Group>,
}

/// A rule group.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Its name, unique in the `PrometheusRule`.
    pub name: String,
    /// Its rules, in evaluation order.
    pub rules: Vec<Rule>,
}

/// A recording or alerting rule.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// The series a recording rule writes.
    pub record: Option<String>,
    /// An alerting rule's name.
    pub alert: Option<String>,
    /// The Prometheus expression.
    pub expr: String,
    /// How long the condition must hold before the alert fires.
    #[serde(rename = "for")]
    pub for_: Option<String>,
    /// Labels the alert carries: `severity` and the tenant.
    pub labels: BTreeMap<String, String>,
    /// `summary` and `description`: what it means and what to do.
    pub annotations: BTreeMap<String, String>,
}

/// The dashboard ConfigMap.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// The ConfigMap's name.
    pub config_map: String,
    /// Labels the Grafana sidecar loads it by, over the common ones.
    pub labels: BTreeMap<String, String>,
    /// The file in the ConfigMap.
    pub file: String,
    /// Grafana's `uid`: stable for the tenant, so links to it survive every render.
    pub uid: String,
    /// Its title.
    pub title: String,
    /// Its panels, in reading order.
    pub panels: Vec<Panel>,
}

/// A dashboard panel.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    /// Its title.
    pub title: String,
    /// `stat` or `timeseries`.
    pub kind: &'static str,
    /// Grafana's unit, such as `bytes`.
    pub unit: &'static str,
    /// Queries, each with its legend.
    pub queries: Vec<(String, String)>,
    /// A value drawn as a threshold line, from the plan, such as the write quorum.
    pub threshold: Option<u128>,
    /// Width in grid columns (24 across).
    pub width: u32,
}

/// The erasure-set thresholds of one pool, as MinIO numbers pools (from 0, in Tenant order).
#[derive(Debug, Clone, Serialize)]
pub struct SetThresholds {
    /// MinIO's pool index.
    pub index: usize,
    /// The pool's name.
    pub pool: String,
    /// Drives per set.
    pub set_size: u32,
    /// Online drives per set at or below which losing one more server stops writes.
    pub one_server: u32,
    /// Online drives per set at or below which losing one more drive stops writes.
    pub one_drive: u32,
}

/// The erasure-set thresholds of every pool.
#[must_use]
pub fn set_thresholds(pools: &[Pool]) -> Vec<SetThresholds> {
    pools
        .iter()
        .enumerate()
        .map(|(index, p)| SetThresholds {
            index,
            pool: p.name.clone(),
            set_size: p.layout.set_size,
            one_server: p.layout.write_quorum + p.layout.drives_per_server_per_set - 1,
            one_drive: p.layout.write_quorum,
        })
        .collect()
}

/// The freshness bound of the LI sync: the longest gap its schedule leaves, plus how late a run
/// may start and how long it may run. A sync that succeeds within its deadline is never older.
#[derive(Debug, Clone, Serialize)]
pub struct SyncBound {
    /// The bound, in seconds.
    pub seconds: u64,
    /// The longest gap between two scheduled runs, in seconds.
    pub gap_seconds: u64,
    /// One hour more where the time zone may change its offset (daylight saving time).
    pub offset_change_seconds: u64,
}

/// The LI sync's bound; `None` when its schedule never runs.
#[must_use]
pub fn sync_bound(rclone: &Rclone) -> Option<SyncBound> {
    let gap = schedule::longest_gap_seconds(&rclone.schedule)?;
    let fixed = rclone.time_zone == "UTC" || rclone.time_zone.starts_with("Etc/");
    let offset_change = if fixed { 0 } else { 3600 };
    Some(SyncBound {
        seconds: gap
            + STARTING_DEADLINE_SECONDS
            + u64::from(rclone.deadline_seconds)
            + offset_change,
        gap_seconds: gap,
        offset_change_seconds: offset_change,
    })
}

/// A Prometheus number for a share in percent, written exactly: `0.05` for 5, `1` for 100.
#[must_use]
pub fn share(percent: u32) -> String {
    match percent {
        100.. => "1".to_string(),
        p => format!("0.{p:02}"),
    }
}

/// The free share left at `used_percent` used: `0.20` for 80.
#[must_use]
pub fn free_share(used_percent: u32) -> String {
    share(100 - used_percent.clamp(1, 99))
}

/// A duration in Prometheus's notation from seconds: `80m`, `2h`, `90s`.
#[must_use]
pub fn duration(seconds: u64) -> String {
    if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// Everything the plan knows that the rules need.
pub struct Inputs<'a> {
    /// The site.
    pub site: &'a Site,
    /// The pools in the Tenant, in order.
    pub pools: &'a [Pool],
    /// Usable bytes the plan gives.
    pub usable_bytes: u128,
    /// The tier's CCU.
    pub ccu: u32,
    /// The LI sync, when enabled.
    pub rclone: Option<&'a Rclone>,
    /// Labels of every object.
    pub labels: &'a BTreeMap<String, String>,
    /// Labels Prometheus selects on, over the common ones.
    pub monitor_labels: &'a BTreeMap<String, String>,
}

/// The hint every capacity alert gives: the next built-in tier through `grow`, or a pool.
fn grow_hint(ccu: u32) -> String {
    match BUILTINS.iter().find(|b| b.ccu > ccu) {
        Some(next) => format!(
            "run `miniogen grow --ccu {}` (it adds a pool for the next tier and keeps the ones \
             that exist; README, Day two), then `miniogen gen`",
            next.ccu
        ),
        None => "add a pool under `[[pools]]` in the site file (`miniogen plan` shows what it \
                 adds; README, Day two), then `miniogen gen`"
            .to_string(),
    }
}

/// The rules, the dashboard and the summary, or `None` when Prometheus scraping is off.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn watch(i: &Inputs<'_>) -> Option<Watch> {
    let prometheus = &i.site.prometheus;
    if !prometheus.enabled || !(prometheus.alerts.enabled || prometheus.dashboard.enabled) {
        return None;
    }
    let tenant = &i.site.tenant.name;
    let ns = &i.site.namespace;
    let label_value = format!("{ns}/{tenant}");
    let sel = format!("{TENANT_SERIES_LABEL}=\"{label_value}\"");
    let by = format!("by ({TENANT_SERIES_LABEL})");
    let a = &prometheus.alerts;
    let drives: u32 = i.pools.iter().map(|p| p.layout.drives).sum();
    let servers: u32 = i.pools.iter().map(|p| p.servers).sum();
    let sets = set_thresholds(i.pools);
    let usable = quantity::format_bytes(i.usable_bytes);
    let hint = grow_hint(i.ccu);
    let free_rec = "minio_tenant:minio_cluster_capacity_usable_free_bytes:min".to_string();
    let total_rec = "minio_tenant:minio_cluster_capacity_usable_total_bytes:max".to_string();
    let fill_seconds = u64::from(a.fill_days) * 86_400;
    let bound = i.rclone.and_then(sync_bound);
    let tenant_labels = |severity: &str| {
        BTreeMap::from([
            ("severity".to_string(), severity.to_string()),
            (TENANT_SERIES_LABEL.to_string(), label_value.clone()),
        ])
    };
    let text = |summary: String, description: String| {
        BTreeMap::from([
            ("summary".to_string(), summary),
            ("description".to_string(), description),
        ])
    };
    let alert = |name: &str,
                 expr: String,
                 for_: Option<&str>,
                 severity: &str,
                 summary: String,
                 description: String| Rule {
        record: None,
        alert: Some(name.to_string()),
        expr,
        for_: for_.map(str::to_string),
        labels: tenant_labels(severity),
        annotations: text(summary, description),
    };
    let record = |name: &str, expr: String| Rule {
        record: Some(name.to_string()),
        alert: None,
        expr,
        for_: None,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
    };
    let per_pool = |op: &str, value: &dyn Fn(&SetThresholds) -> u32, pools: &[&SetThresholds]| {
        pools
            .iter()
            .map(|t| {
                format!(
                    "min by ({TENANT_SERIES_LABEL}, pool, set) (minio_cluster_health_erasure_set_online_drives{{{sel}, pool=\"{}\"}}) {op} {}",
                    t.index,
                    value(t)
                )
            })
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let who = format!("MinIO tenant `{tenant}` in namespace `{ns}`");
    let pods = format!(
        "`kubectl -n {ns} get pods -l v1.min.io/tenant={tenant}` shows which server is down, \
         `mc admin info ALIAS` which drives"
    );

    let capacity = Group {
        name: "minio-capacity".into(),
        rules: vec![
            record(
                &free_rec,
                format!("min {by} (minio_cluster_capacity_usable_free_bytes{{{sel}}})"),
            ),
            record(
                &total_rec,
                format!("max {by} (minio_cluster_capacity_usable_total_bytes{{{sel}}})"),
            ),
            alert(
                "MinIOCapacityHigh",
                format!(
                    "{free_rec} / {total_rec} <= {}",
                    free_share(a.capacity_percent)
                ),
                Some("15m"),
                "warning",
                format!(
                    "{who} has used {}% or more of its usable capacity",
                    a.capacity_percent
                ),
                format!(
                    "MinIO reports {}% or more of its usable capacity used (the plan gives {usable} \
                     usable). Writes fail once it is full. To add capacity, {hint}; a larger \
                     `volume_size` grows the volumes in place where the StorageClass allows \
                     expansion.",
                    a.capacity_percent
                ),
            ),
            alert(
                "MinIOCapacityFullSoon",
                format!(
                    "predict_linear({free_rec}[{}], {fill_seconds}) <= 0",
                    a.fill_window
                ),
                Some("1h"),
                "warning",
                format!(
                    "{who} fills its usable capacity within {} days",
                    a.fill_days
                ),
                format!(
                    "At the rate of the last {}, MinIO's usable free space runs out within {} \
                     days (the plan gives {usable} usable). To add capacity before writes fail, \
                     {hint}.",
                    a.fill_window, a.fill_days
                ),
            ),
        ],
    };

    let mut availability = vec![
        alert(
            "MinIODrivesOffline",
            format!("min {by} (minio_cluster_drive_online_total{{{sel}}}) < {drives}"),
            Some("10m"),
            "warning",
            format!("{who} has fewer than the {drives} drives of its plan online"),
            format!(
                "MinIO reports fewer drives online than the {drives} the plan lays out. {pods}; \
                 a drive that comes back heals by itself. Erasure sets at risk have alerts of \
                 their own."
            ),
        ),
        alert(
            "MinIOServersOffline",
            format!("min {by} (minio_cluster_nodes_online_total{{{sel}}}) < {servers}"),
            Some("10m"),
            "warning",
            format!("{who} has fewer than the {servers} servers of its plan online"),
            format!(
                "MinIO reports fewer servers online than the {servers} of the plan. {pods}. \
                 Drain nodes one at a time: the PodDisruptionBudget of each pool stops a drain \
                 that would take more."
            ),
        ),
    ];
    let wider: Vec<&SetThresholds> = sets.iter().filter(|t| t.one_server > t.one_drive).collect();
    let all: Vec<&SetThresholds> = sets.iter().collect();
    // Each pool's threshold beside its set size: `pool 0 `pool-0`: 5 of 8`.
    let numbers = |online: &dyn Fn(&SetThresholds) -> u32, pools: &[&SetThresholds]| {
        pools
            .iter()
            .map(|t| {
                format!(
                    "pool {} `{}`: {} of {}",
                    t.index,
                    t.pool,
                    online(t),
                    t.set_size
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !wider.is_empty() {
        availability.push(alert(
            "MinIOErasureSetOneServerFromWriteQuorum",
            per_pool("<=", &|t| t.one_server, &wider),
            Some("5m"),
            "warning",
            format!(
                "Erasure set {{{{ $labels.set }}}} of pool {{{{ $labels.pool }}}} of {who} stops \
                 writes if one more server goes down"
            ),
            format!(
                "Its online drives are down to where losing one more server loses write quorum \
                 ({}). Bring the missing server back before draining or restarting another: {pods}.",
                numbers(&|t| t.one_server, &wider)
            ),
        ));
    }
    availability.push(alert(
        "MinIOErasureSetOneDriveFromWriteQuorum",
        per_pool("<=", &|t| t.one_drive, &all),
        Some("1m"),
        "critical",
        format!(
            "Erasure set {{{{ $labels.set }}}} of pool {{{{ $labels.pool }}}} of {who} stops \
             writes if one more drive fails"
        ),
        format!(
            "Its online drives are at its write quorum ({}): one more drive lost and writes to \
             this set fail. {pods}; restore the missing drives or servers first.",
            numbers(&|t| t.one_drive, &all)
        ),
    ));
    availability.push(alert(
        "MinIOErasureSetWriteQuorumLost",
        per_pool("<", &|t| t.one_drive, &all),
        None,
        "critical",
        format!(
            "Erasure set {{{{ $labels.set }}}} of pool {{{{ $labels.pool }}}} of {who} has lost \
             write quorum"
        ),
        format!(
            "Fewer drives are online than its write quorum ({}): writes to this set fail. {pods}; \
             every drive brought back counts.",
            numbers(&|t| t.one_drive, &all)
        ),
    ));
    availability.push(alert(
        "MinIOScrapeFailing",
        format!("min {by} (up{{{sel}}}) == 0"),
        Some("5m"),
        "critical",
        format!("Prometheus cannot scrape {who}"),
        format!(
            "The `ScrapeConfig` `{tenant}` target answers no metrics, so no other alert of this \
             tenant can fire. Check the `minio` service in namespace `{ns}`, the certificate \
             Prometheus verifies and, with `prometheus.auth = \"bearer\"`, the token."
        ),
    ));
    availability.push(alert(
        "MinIOScrapeMissing",
        format!("absent(up{{{sel}}})"),
        Some("15m"),
        "warning",
        format!("Prometheus has no target for {who}"),
        format!(
            "No series carries `{sel}`: your Prometheus does not select the `ScrapeConfig` \
             `{tenant}`. Its `scrapeConfigSelector` must match `prometheus.labels` and its \
             `scrapeConfigNamespaceSelector` namespace `{ns}`."
        ),
    ));

    let health = Group {
        name: "minio-health".into(),
        rules: vec![
            alert(
                "MinIOHealingErrors",
                format!("sum {by} (increase(minio_heal_objects_errors_total{{{sel}}}[1h])) > 0"),
                None,
                "warning",
                format!("{who} failed to heal objects in the last hour"),
                "MinIO's background healing failed on some objects. `mc admin heal -r ALIAS` \
                 retries; `mc admin info ALIAS` shows offline or healing drives, which are the \
                 usual cause."
                    .to_string(),
            ),
            alert(
                "MinIOS3ServerErrors",
                format!(
                    "sum {by} (rate(minio_s3_requests_5xx_errors_total{{{sel}}}[5m])) / sum {by} (rate(minio_s3_requests_total{{{sel}}}[5m])) >= {}",
                    share(a.s3_error_percent)
                ),
                Some("10m"),
                "warning",
                format!(
                    "{}% or more of the S3 requests to {who} fail with a server error",
                    a.s3_error_percent
                ),
                "MinIO answers 5xx to S3 requests (4xx, such as a missing object, are the \
                 client's and not counted). The usual causes are lost quorum, full drives or \
                 too many requests at once: see the other alerts and `mc admin trace ALIAS`."
                    .to_string(),
            ),
            alert(
                "MinIOS3AuthRejected",
                format!("sum {by} (rate(minio_s3_requests_rejected_auth_total{{{sel}}}[5m])) > 0"),
                Some("15m"),
                "warning",
                format!("{who} refuses S3 requests for bad credentials"),
                format!(
                    "A client signs S3 requests with keys MinIO does not accept: usually a \
                     consumer whose Secret no longer matches its MinIO user. The verification \
                     Job names which; after rotating a key in the store, bump `secrets.rotation` \
                     or `iam.run` so that the IAM MinIOJob sets it in MinIO (`kubectl -n {ns} get \
                     miniojob`)."
                ),
            ),
        ],
    };

    let mut groups = vec![
        capacity,
        Group {
            name: "minio-availability".into(),
            rules: availability,
        },
        health,
    ];
    if let (Some(r), Some(b)) = (i.rclone, bound.as_ref()) {
        let k = format!("namespace=\"{ns}\", cronjob=\"{}\"", r.name);
        let t = b.seconds;
        let cron = format!("CronJob `{}` in namespace `{ns}`", r.name);
        groups.push(Group {
            name: "minio-li-sync".into(),
            rules: vec![
                alert(
                    "MinIOLISyncStale",
                    format!(
                        "(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{{{k}}}) > {t}) or (time() - max by (namespace, cronjob) (kube_cronjob_created{{{k}}}) > {t} unless on (namespace, cronjob) kube_cronjob_status_last_successful_time{{{k}}})"
                    ),
                    None,
                    "critical",
                    format!("The lawful-intercept media copy of {who} is older than its schedule allows"),
                    format!(
                        "{cron} has not completed a sync for {} ({}: the longest gap of `{}` plus \
                         the start and run deadlines), so `{}` lags `{}`. `kubectl -n {ns} get \
                         jobs -l app.kubernetes.io/component=li-sync` and the last Job's log say \
                         why; a suspended CronJob counts as stale.",
                        duration(t),
                        sync_terms(b),
                        r.schedule,
                        r.args.get(2).map_or("", |d| d.as_str()),
                        r.args.get(1).map_or("", |s| s.as_str())
                    ),
                ),
                alert(
                    "MinIOLISyncFailing",
                    format!(
                        "max by (namespace, job_name) (kube_job_failed{{namespace=\"{ns}\", condition=\"true\"}}) == 1 and on (namespace, job_name) max by (namespace, job_name) (kube_job_owner{{namespace=\"{ns}\", owner_kind=\"CronJob\", owner_name=\"{}\"}}) unless on (namespace, job_name) (kube_job_status_start_time{{namespace=\"{ns}\"}} <= on (namespace) group_left () max by (namespace) (kube_cronjob_status_last_successful_time{{{k}}}))",
                        r.name
                    ),
                    None,
                    "warning",
                    format!("A run of the lawful-intercept sync of {who} failed"),
                    format!(
                        "Job `{{{{ $labels.job_name }}}}` of {cron} failed, and no run has \
                         succeeded since it started. `kubectl -n {ns} logs job/{{{{ \
                         $labels.job_name }}}}` says why: refused keys, a full destination or \
                         the run deadline of {}.",
                        duration(u64::from(r.deadline_seconds))
                    ),
                ),
                alert(
                    "MinIOLISyncNotMonitored",
                    format!("absent(kube_cronjob_info{{{k}}})"),
                    Some("30m"),
                    "warning",
                    format!("The lawful-intercept sync of {who} is not monitored"),
                    format!(
                        "kube-state-metrics reports no {cron}, so the sync's alerts cannot fire. \
                         The CronJob is missing, or kube-state-metrics ({KUBE_STATE_METRICS} or \
                         later, with the object's `namespace` label kept, as kube-prometheus-stack \
                         does with `honorLabels`) is not scraped."
                    ),
                ),
            ],
        });
    }

    let rules = prometheus.alerts.enabled.then(|| {
        let mut labels = i.monitor_labels.clone();
        labels.insert("app.kubernetes.io/component".into(), "monitoring".into());
        Rules {
            name: tenant.clone(),
            labels,
            groups,
        }
    });
    let dashboard = prometheus
        .dashboard
        .enabled
        .then(|| dashboard(i, &sel, &by, drives, servers, &sets, bound.as_ref()));
    let mut summary = Vec::new();
    if let Some(r) = &rules {
        let count: usize = r
            .groups
            .iter()
            .flat_map(|g| &g.rules)
            .filter(|r| r.alert.is_some())
            .count();
        summary.push((
            "alerts".to_string(),
            format!(
                "PrometheusRule `{}`: {count} alerts on series labelled `{sel}`",
                r.name
            ),
        ));
        summary.push((
            "capacity".to_string(),
            format!(
                "warning at {}% of usable used ({usable} planned); warning when full within {} \
                 days at the last {}'s rate; both hint at `{}`",
                a.capacity_percent,
                a.fill_days,
                a.fill_window,
                grow_command(i.ccu)
            ),
        ));
        summary.push((
            "drives, servers".to_string(),
            format!("warning below {drives} drives or {servers} servers online, for 10m"),
        ));
        for t in &sets {
            let server = if t.one_server > t.one_drive {
                format!(
                    "warning at {} (one server from write quorum), ",
                    t.one_server
                )
            } else {
                String::new()
            };
            summary.push((
                format!("sets of {}", t.pool),
                format!(
                    "online drives of {} per set: {server}critical at {} (one drive from it) and \
                     below {} (writes fail)",
                    t.set_size, t.one_drive, t.one_drive
                ),
            ));
        }
        summary.push((
            "S3, healing".to_string(),
            format!(
                "warning at {}% server errors (5xx) for 10m, at refused signatures for 15m, at any \
                 heal error in an hour",
                a.s3_error_percent
            ),
        ));
        summary.push((
            "scrape".to_string(),
            "critical when the target answers no metrics for 5m, warning when no target exists"
                .to_string(),
        ));
        if let (Some(r), Some(b)) = (i.rclone, bound.as_ref()) {
            summary.push((
                "LI sync".to_string(),
                format!(
                    "critical when `{}` has no success for {} ({}); warning when a run fails; \
                     needs kube-state-metrics {KUBE_STATE_METRICS} or later",
                    r.name,
                    duration(b.seconds),
                    sync_terms(b)
                ),
            ));
        } else if let Some(r) = i.rclone {
            summary.push((
                "LI sync".to_string(),
                format!("not watched: schedule `{}` never runs", r.schedule),
            ));
        }
    }
    if let Some(d) = &dashboard {
        summary.push((
            "dashboard".to_string(),
            format!(
                "ConfigMap `{}` ({}), Grafana uid `{}`",
                d.config_map,
                d.labels
                    .iter()
                    .filter(|(k, _)| !k.starts_with("app.kubernetes.io/"))
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                d.uid
            ),
        ));
    }
    Some(Watch {
        series_label: (TENANT_SERIES_LABEL.to_string(), label_value),
        rules,
        dashboard,
        summary,
    })
}

/// The `grow` command of the capacity alerts, short.
fn grow_command(ccu: u32) -> String {
    match BUILTINS.iter().find(|b| b.ccu > ccu) {
        Some(next) => format!("miniogen grow --ccu {}", next.ccu),
        None => "[[pools]]".to_string(),
    }
}

fn sync_terms(b: &SyncBound) -> String {
    let dst = if b.offset_change_seconds > 0 {
        format!(
            " + {} for a change of offset",
            duration(b.offset_change_seconds)
        )
    } else {
        String::new()
    };
    format!(
        "schedule gap {} + start deadline {} + run deadline {}{dst}",
        duration(b.gap_seconds),
        duration(STARTING_DEADLINE_SECONDS),
        duration(b.seconds - b.gap_seconds - STARTING_DEADLINE_SECONDS - b.offset_change_seconds)
    )
}

#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
fn dashboard(
    i: &Inputs<'_>,
    sel: &str,
    by: &str,
    drives: u32,
    servers: u32,
    sets: &[SetThresholds],
    bound: Option<&SyncBound>,
) -> Dashboard {
    let tenant = &i.site.tenant.name;
    let ns = &i.site.namespace;
    let q = |expr: String, legend: &str| (expr, legend.to_string());
    let panel = |title: &str,
                 kind: &'static str,
                 unit: &'static str,
                 width: u32,
                 queries: Vec<(String, String)>,
                 threshold: Option<u128>| Panel {
        title: title.into(),
        kind,
        unit,
        queries,
        threshold,
        width,
    };
    let free = format!("min {by} (minio_cluster_capacity_usable_free_bytes{{{sel}}})");
    let total = format!("max {by} (minio_cluster_capacity_usable_total_bytes{{{sel}}})");
    let quorum = sets.iter().map(|t| t.one_drive).min().unwrap_or(0);
    let mut panels = vec![
        panel(
            "Usable capacity used",
            "stat",
            "percentunit",
            6,
            vec![q(format!("1 - {free} / {total}"), "used")],
            None,
        ),
        panel(
            "Usable capacity against the plan",
            "timeseries",
            "bytes",
            12,
            vec![
                q(total.clone(), "usable (MinIO)"),
                q(format!("{total} - {free}"), "used"),
            ],
            Some(i.usable_bytes),
        ),
        panel(
            "Days until full at the last 6h's rate",
            "stat",
            "d",
            6,
            vec![q(
                format!("{free} / clamp_min(-deriv(({free})[6h:5m]), 1) / 86400"),
                "days",
            )],
            None,
        ),
        panel(
            "Drives online",
            "stat",
            "none",
            6,
            vec![q(
                format!("min {by} (minio_cluster_drive_online_total{{{sel}}})"),
                "online",
            )],
            Some(u128::from(drives)),
        ),
        panel(
            "Servers online",
            "stat",
            "none",
            6,
            vec![q(
                format!("min {by} (minio_cluster_nodes_online_total{{{sel}}})"),
                "online",
            )],
            Some(u128::from(servers)),
        ),
        panel(
            "Online drives per erasure set (line: write quorum)",
            "timeseries",
            "none",
            12,
            vec![q(
                format!(
                    "min by (pool, set) (minio_cluster_health_erasure_set_online_drives{{{sel}}})"
                ),
                "pool {{pool}} set {{set}}",
            )],
            Some(u128::from(quorum)),
        ),
        panel(
            "S3 requests per second",
            "timeseries",
            "reqps",
            12,
            vec![q(
                format!("sum by (api) (rate(minio_s3_requests_total{{{sel}}}[5m]))"),
                "{{api}}",
            )],
            None,
        ),
        panel(
            "S3 errors per second",
            "timeseries",
            "reqps",
            12,
            vec![
                q(
                    format!("sum (rate(minio_s3_requests_5xx_errors_total{{{sel}}}[5m]))"),
                    "5xx",
                ),
                q(
                    format!("sum (rate(minio_s3_requests_4xx_errors_total{{{sel}}}[5m]))"),
                    "4xx",
                ),
                q(
                    format!("sum (rate(minio_s3_requests_rejected_auth_total{{{sel}}}[5m]))"),
                    "refused signature",
                ),
            ],
            None,
        ),
        panel(
            "Healing",
            "timeseries",
            "none",
            12,
            vec![
                q(
                    format!(
                        "max by (pool, set) (minio_cluster_health_erasure_set_healing_drives{{{sel}}})"
                    ),
                    "healing drives, pool {{pool}} set {{set}}",
                ),
                q(
                    format!("sum (increase(minio_heal_objects_heal_total{{{sel}}}[1h]))"),
                    "objects healed per hour",
                ),
                q(
                    format!("sum (increase(minio_heal_objects_errors_total{{{sel}}}[1h]))"),
                    "heal errors per hour",
                ),
            ],
            None,
        ),
    ];
    if let Some(r) = i.rclone {
        let k = format!("namespace=\"{ns}\", cronjob=\"{}\"", r.name);
        panels.push(panel(
            "LI sync: time since the last success (line: the alert's bound)",
            "timeseries",
            "s",
            12,
            vec![q(
                format!("time() - max (kube_cronjob_status_last_successful_time{{{k}}})"),
                "since last success",
            )],
            bound.map(|b| u128::from(b.seconds)),
        ));
    }
    let digest = digest::sha256(&format!("{ns}/{tenant}"));
    Dashboard {
        config_map: format!("{tenant}-dashboard"),
        labels: {
            let mut l = i.labels.clone();
            l.insert("app.kubernetes.io/component".into(), "monitoring".into());
            l.extend(i.site.prometheus.dashboard.labels.clone());
            l
        },
        file: format!("{tenant}.json"),
        uid: format!("miniogen-{}", &digest[..12]),
        title: format!("MinIO {ns}/{tenant}"),
        panels,
    }
}

/// The dashboard as Grafana's JSON model: a `datasource` variable picks the Prometheus, and
/// panels flow left to right in rows of 24 columns.
#[must_use]
pub fn grafana(d: &Dashboard) -> String {
    let (mut x, mut y, mut row) = (0_u32, 0_u32, 0_u32);
    let ds = json!({"type": "prometheus", "uid": "${datasource}"});
    let panels: Vec<Value> = d
        .panels
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let height = if p.kind == "stat" { 5 } else { 8 };
            if x + p.width > 24 {
                x = 0;
                y += row;
                row = 0;
            }
            let grid = json!({"h": height, "w": p.width, "x": x, "y": y});
            x += p.width;
            row = row.max(height);
            let targets: Vec<Value> = p
                .queries
                .iter()
                .zip('A'..='Z')
                .map(|((expr, legend), id)| {
                    json!({"refId": id.to_string(), "datasource": ds, "expr": expr, "legendFormat": legend})
                })
                .collect();
            let mut steps = vec![json!({"color": "green", "value": null})];
            if let Some(t) = p.threshold {
                steps.push(json!({"color": "red", "value": t}));
            }
            let mut defaults = json!({
                "unit": p.unit,
                "thresholds": {"mode": "absolute", "steps": steps},
            });
            if p.kind == "timeseries" && p.threshold.is_some() {
                defaults["custom"] = json!({"thresholdsStyle": {"mode": "line"}});
            }
            json!({
                "id": n + 1,
                "type": p.kind,
                "title": p.title,
                "datasource": ds,
                "gridPos": grid,
                "targets": targets,
                "fieldConfig": {"defaults": defaults, "overrides": []},
                "options": {},
            })
        })
        .collect();
    let model = json!({
        "uid": d.uid,
        "title": d.title,
        "tags": ["minio", "miniogen"],
        "editable": false,
        "schemaVersion": 39,
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "1m",
        "templating": {"list": [{
            "name": "datasource",
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
        }]},
        "panels": panels,
    });
    let mut text = serde_json::to_string_pretty(&model).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_durations_are_written_exactly() {
        assert_eq!(free_share(80), "0.20");
        assert_eq!(free_share(95), "0.05");
        assert_eq!(free_share(1), "0.99");
        assert_eq!(duration(4800), "80m");
        assert_eq!(duration(7200), "2h");
        assert_eq!(duration(90), "90s");
    }
}
