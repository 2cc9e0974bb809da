//! Watch and verify: the alerting rules and the dashboard's queries judged by Prometheus's own
//! engine (`promtool`), each alert proved to fire at the threshold the plan computes and not on
//! the quiet side of it, and the verification Job's expectations and script held to the plan.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::{TIERS, documents, ok, root, scratch_dir, which};

/// The objects of `gen ARGS` and the plan of the same inputs.
fn render(args: &[&str]) -> (Vec<Value>, Value) {
    let stream = ok(&[&["gen"], args].concat());
    let plan: Value = serde_json::from_str(&ok(&[&["plan", "--format", "json"], args].concat()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    (documents(&stream), plan)
}

fn object<'a>(docs: &'a [Value], kind: &str, suffix: &str) -> &'a Value {
    docs.iter()
        .find(|d| {
            d["kind"] == kind
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with(suffix))
        })
        .unwrap_or_else(|| panic!("no {kind} named *{suffix}"))
}

/// The renders the rules are judged on: every tier, MinIO's own sets, two pools with different
/// layouts, a daily sync in a zone with daylight saving time, and no LI sync.
fn variants() -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = TIERS
        .iter()
        .map(|c| vec!["--ccu".to_string(), c.to_string()])
        .collect();
    let strings = |a: &[&str]| a.iter().map(ToString::to_string).collect::<Vec<_>>();
    out.push(strings(&[
        "--ccu",
        "20000",
        "--set",
        "tenant.erasure_sets=\"largest\"",
    ]));
    out.push(vec!["--config".to_string(), grown()]);
    out.push(strings(&[
        "--ccu",
        "5000",
        "--set",
        "rclone.schedule=\"0 3 * * *\"",
        "--set",
        "rclone.time_zone=\"Europe/Berlin\"",
    ]));
    out.push(strings(&["--ccu", "1000", "--set", "rclone.enabled=false"]));
    out
}

/// Two pools of different layouts (4 x 2 and 8 x 2).
fn grown() -> String {
    root()
        .join("tests/fixtures/daytwo/grown.toml")
        .to_string_lossy()
        .into_owned()
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        serde_json::to_string_pretty(value).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// A Prometheus rule file of every query of the dashboard, one recording rule each, so that
/// `promtool check rules` parses them with the engine Prometheus runs.
fn dashboard_rules(docs: &[Value]) -> Value {
    let config_map = object(docs, "ConfigMap", "-dashboard");
    let text = config_map["data"]
        .as_object()
        .and_then(|d| d.values().next())
        .and_then(Value::as_str)
        .unwrap_or_default();
    let model: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("dashboard: {e}"));
    let exprs: Vec<&str> = model["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str())
        .collect();
    assert!(exprs.len() >= 12, "too few queries: {exprs:?}");
    let rules: Vec<Value> = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"record": format!("dashboard:query_{i}"), "expr": e}))
        .collect();
    json!({"groups": [{"name": "dashboard", "rules": rules}]})
}

fn promtool(args: &[&str], files: &[PathBuf]) -> (bool, String) {
    let tool = which("promtool").unwrap_or_default();
    let out = Command::new(tool)
        .args(args)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("promtool: {e}"));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn every_rule_file_and_dashboard_query_passes_promtool_check() {
    if which("promtool").is_none() {
        return;
    }
    let dir = scratch_dir("watch-check");
    let mut files = Vec::new();
    for (n, args) in variants().iter().enumerate() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (docs, _) = render(&args);
        let rules = object(&docs, "PrometheusRule", "");
        files.push(write_json(&dir, &format!("rules-{n}.json"), &rules["spec"]));
        files.push(write_json(
            &dir,
            &format!("dashboard-{n}.json"),
            &dashboard_rules(&docs),
        ));
    }
    let (passed, report) = promtool(&["check", "rules"], &files);
    assert!(passed, "{report}");
    assert_eq!(report.matches("SUCCESS").count(), files.len(), "{report}");
    // promtool must be able to refuse: a rule it cannot parse.
    let bad = write_json(
        &dir,
        "bad.json",
        &json!({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "rate(x[5m]"}]}]}),
    );
    assert!(!promtool(&["check", "rules"], &[bad]).0);
}

/// The annotations promtool expands for an alert with these labels.
fn expanded(rule: &Value, labels: &BTreeMap<String, String>) -> Value {
    let mut out = serde_json::Map::new();
    for (k, v) in rule["annotations"].as_object().into_iter().flatten() {
        let mut text = v.as_str().unwrap_or_default().to_string();
        for (name, value) in labels {
            text = text.replace(&format!("{{{{ $labels.{name} }}}}"), value);
        }
        out.insert(k.clone(), Value::String(text));
    }
    Value::Object(out)
}

/// Builds promtool unit tests: each case feeds series and names the alerts it expects.
struct Cases<'a> {
    rules: &'a [Value],
    tests: Vec<Value>,
}

impl Cases<'_> {
    fn rule(&self, alert: &str) -> Option<&Value> {
        self.rules.iter().find(|r| r["alert"] == alert)
    }

    /// A case: `series` as (series, values), then at `eval` the alert `alert` fires with
    /// `labels` (each firing alert one label set) or stays quiet (`firing` empty).
    fn case(
        &mut self,
        series: &[(String, String)],
        eval: &str,
        alert: &str,
        firing: &[BTreeMap<&str, String>],
    ) {
        let exp: Vec<Value> = firing
            .iter()
            .map(|labels| {
                let rule = self
                    .rule(alert)
                    .unwrap_or_else(|| panic!("no alert {alert}"));
                let mut all: BTreeMap<String, String> = labels
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.clone()))
                    .collect();
                for (k, v) in rule["labels"].as_object().into_iter().flatten() {
                    all.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
                }
                json!({"exp_labels": all, "exp_annotations": expanded(rule, &all)})
            })
            .collect();
        self.tests.push(json!({
            "interval": "1m",
            "input_series": series.iter().map(|(s, v)| json!({"series": s, "values": v})).collect::<Vec<_>>(),
            "alert_rule_test": [{"eval_time": eval, "alertname": alert, "exp_alerts": exp}],
        }));
    }
}

/// Every alert at its threshold and one step on the quiet side, with the thresholds taken from
/// the plan's own numbers (write quorum, drives per server per set, drives, servers, usable
/// capacity) and the site's defaults, not from the rules.
#[allow(clippy::too_many_lines)]
fn unit_tests(args: &[&str], li_bound_seconds: Option<u64>) -> Value {
    let (docs, plan) = render(args);
    let spec = &object(&docs, "PrometheusRule", "")["spec"];
    let rules: Vec<Value> = spec["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
        .collect();
    let ns = plan["namespace"].as_str().unwrap_or_default();
    let tenant_name = plan["tenant"]["name"].as_str().unwrap_or_default();
    let tenant = format!("{ns}/{tenant_name}");
    let t = format!("minio_tenant=\"{tenant}\"");
    let base = |extra: &[(&'static str, String)]| {
        let mut m = BTreeMap::from([("minio_tenant", tenant.clone())]);
        for (k, v) in extra {
            m.insert(*k, v.clone());
        }
        m
    };
    let mut c = Cases {
        rules: &rules,
        tests: Vec::new(),
    };
    let pools = plan["pools"].as_array().cloned().unwrap_or_default();
    let series = |name: &str, labels: &str, values: &str| {
        (
            format!("{name}{{{t}, server=\"pool-0-0:9000\"{labels}}}"),
            values.to_string(),
        )
    };

    // Erasure sets: per pool, from its layout.
    for (index, pool) in pools.iter().enumerate() {
        let l = &pool["layout"];
        let n = |k: &str| l[k].as_u64().unwrap_or_default();
        let (wq, per_server, size) = (
            n("write_quorum"),
            n("drives_per_server_per_set"),
            n("set_size"),
        );
        let set = |online: u64| {
            vec![series(
                "minio_cluster_health_erasure_set_online_drives",
                &format!(", pool=\"{index}\", set=\"0\""),
                &format!("{online}x20"),
            )]
        };
        let labels = base(&[("pool", index.to_string()), ("set", "0".into())]);
        let one_server = wq + per_server - 1;
        let server_alert = "MinIOErasureSetOneServerFromWriteQuorum";
        if per_server > 1 {
            c.case(
                &set(one_server),
                "10m",
                server_alert,
                std::slice::from_ref(&labels),
            );
            c.case(&set(one_server + 1), "10m", server_alert, &[]);
        } else {
            // One drive per server per set: a server down is a drive down, the next alert.
            c.case(&set(wq), "10m", server_alert, &[]);
        }
        let drive_alert = "MinIOErasureSetOneDriveFromWriteQuorum";
        c.case(&set(wq), "10m", drive_alert, std::slice::from_ref(&labels));
        c.case(&set((wq + 1).min(size)), "10m", drive_alert, &[]);
        let lost = "MinIOErasureSetWriteQuorumLost";
        c.case(&set(wq - 1), "10m", lost, std::slice::from_ref(&labels));
        c.case(&set(wq), "10m", lost, &[]);
    }

    // Drives and servers online, against the plan's totals.
    let sum = |k: &str| -> u64 {
        pools
            .iter()
            .map(|p| p["layout"][k].as_u64().unwrap_or_default())
            .sum()
    };
    for (metric, alert, total) in [
        (
            "minio_cluster_drive_online_total",
            "MinIODrivesOffline",
            sum("drives"),
        ),
        (
            "minio_cluster_nodes_online_total",
            "MinIOServersOffline",
            sum("servers"),
        ),
    ] {
        let s = |v: u64| vec![series(metric, "", &format!("{v}x30"))];
        c.case(&s(total - 1), "15m", alert, &[base(&[])]);
        c.case(&s(total), "15m", alert, &[]);
    }

    // Capacity: 80% of usable used by default, against MinIO's reported total (the plan's).
    let total = plan["capacity"]["usable_bytes"]
        .as_u64()
        .unwrap_or_default();
    let free_at = total / 100 * 20;
    let capacity = |free: u64| {
        vec![
            series(
                "minio_cluster_capacity_usable_total_bytes",
                "",
                &format!("{total}x30"),
            ),
            series(
                "minio_cluster_capacity_usable_free_bytes",
                "",
                &format!("{free}x30"),
            ),
        ]
    };
    c.case(&capacity(free_at), "20m", "MinIOCapacityHigh", &[base(&[])]);
    c.case(&capacity(free_at + 1), "20m", "MinIOCapacityHigh", &[]);

    // Fill forecast: 14 days at the last 6h's rate; a straight decline of `d` per minute whose
    // trend reaches zero an hour inside the horizon, or an hour beyond it.
    let d: u64 = 1 << 20;
    let horizon = 14 * 24 * 60 * d;
    let falling = |now: u64| {
        let start = now + 480 * d;
        vec![series(
            "minio_cluster_capacity_usable_free_bytes",
            "",
            &format!("{start}-{d}x480"),
        )]
    };
    c.case(
        &falling(horizon - 120 * d),
        "8h",
        "MinIOCapacityFullSoon",
        &[base(&[])],
    );
    c.case(
        &falling(horizon + 60 * d),
        "8h",
        "MinIOCapacityFullSoon",
        &[],
    );

    // Scraping.
    let up = |v: u64| {
        vec![(
            format!("up{{{t}, job=\"scrapeConfig/x/y\", instance=\"minio:443\"}}"),
            format!("{v}x20"),
        )]
    };
    c.case(&up(0), "10m", "MinIOScrapeFailing", &[base(&[])]);
    c.case(&up(1), "10m", "MinIOScrapeFailing", &[]);
    let other = vec![("up{job=\"other\"}".to_string(), "1x30".to_string())];
    c.case(&other, "20m", "MinIOScrapeMissing", &[base(&[])]);
    c.case(&up(1), "20m", "MinIOScrapeMissing", &[]);

    // Healing errors: one in the last hour.
    let heal = |v: &str| {
        vec![series(
            "minio_heal_objects_errors_total",
            ", type=\"object\"",
            v,
        )]
    };
    c.case(&heal("0x5 1x5"), "10m", "MinIOHealingErrors", &[base(&[])]);
    c.case(&heal("1x10"), "10m", "MinIOHealingErrors", &[]);

    // 5% of S3 requests fail with 5xx by default.
    let s3 = |errors: u64, requests: u64| {
        vec![
            series(
                "minio_s3_requests_total",
                ", api=\"getobject\"",
                &format!("0+{requests}x30"),
            ),
            series(
                "minio_s3_requests_5xx_errors_total",
                ", api=\"getobject\"",
                &format!("0+{errors}x30"),
            ),
        ]
    };
    // Increments whose rates over 5m are whole numbers, so that 5% is exactly 0.05.
    c.case(&s3(60, 1200), "20m", "MinIOS3ServerErrors", &[base(&[])]);
    c.case(&s3(60, 1260), "20m", "MinIOS3ServerErrors", &[]);
    let rejected = |v: &str| vec![series("minio_s3_requests_rejected_auth_total", "", v)];
    c.case(
        &rejected("0+1x30"),
        "25m",
        "MinIOS3AuthRejected",
        &[base(&[])],
    );
    c.case(&rejected("3x30"), "25m", "MinIOS3AuthRejected", &[]);

    // The LI sync, from kube-state-metrics.
    if let Some(bound) = li_bound_seconds {
        let cron = plan["rclone"]["name"].as_str().unwrap_or_default();
        let k = format!("namespace=\"{ns}\", cronjob=\"{cron}\"");
        let minutes = bound / 60;
        assert_eq!(bound % 60, 0);
        let stale_labels = base(&[("namespace", ns.to_string()), ("cronjob", cron.to_string())]);
        let last = |v: &str| {
            vec![(
                format!("kube_cronjob_status_last_successful_time{{{k}}}"),
                v.to_string(),
            )]
        };
        let span = format!("0x{}", minutes + 5);
        c.case(
            &last(&span),
            &format!("{}m", minutes + 1),
            "MinIOLISyncStale",
            std::slice::from_ref(&stale_labels),
        );
        c.case(
            &last(&span),
            &format!("{minutes}m"),
            "MinIOLISyncStale",
            &[],
        );
        let created = vec![(format!("kube_cronjob_created{{{k}}}"), span.clone())];
        c.case(
            &created,
            &format!("{}m", minutes + 1),
            "MinIOLISyncStale",
            &[stale_labels],
        );
        let job = format!("{cron}-29000000");
        let failed = |last_success: u64| {
            vec![
                (
                    format!(
                        "kube_job_failed{{namespace=\"{ns}\", job_name=\"{job}\", condition=\"true\"}}"
                    ),
                    "1x20".to_string(),
                ),
                (
                    format!(
                        "kube_job_owner{{namespace=\"{ns}\", job_name=\"{job}\", owner_kind=\"CronJob\", owner_name=\"{cron}\", owner_is_controller=\"true\"}}"
                    ),
                    "1x20".to_string(),
                ),
                (
                    format!("kube_job_status_start_time{{namespace=\"{ns}\", job_name=\"{job}\"}}"),
                    "600x20".to_string(),
                ),
                (
                    format!("kube_cronjob_status_last_successful_time{{{k}}}"),
                    format!("{last_success}x20"),
                ),
            ]
        };
        let job_labels = base(&[("namespace", ns.to_string()), ("job_name", job.clone())]);
        c.case(&failed(599), "10m", "MinIOLISyncFailing", &[job_labels]);
        c.case(&failed(600), "10m", "MinIOLISyncFailing", &[]);
        let info = vec![(
            format!("kube_cronjob_info{{{k}, schedule=\"x\"}}"),
            "1x40".to_string(),
        )];
        let absent = base(&[("namespace", ns.to_string()), ("cronjob", cron.to_string())]);
        c.case(&other, "35m", "MinIOLISyncNotMonitored", &[absent]);
        c.case(&info, "35m", "MinIOLISyncNotMonitored", &[]);
    } else {
        assert!(c.rule("MinIOLISyncStale").is_none());
    }
    json!({"rule_files": ["rules.json"], "evaluation_interval": "1m", "tests": c.tests})
}

fn run_unit_tests(name: &str, args: &[&str], li_bound_seconds: Option<u64>) {
    let dir = scratch_dir(&format!("watch-test-{name}"));
    let (docs, _) = render(args);
    write_json(
        &dir,
        "rules.json",
        &object(&docs, "PrometheusRule", "")["spec"],
    );
    let tests = write_json(&dir, "tests.json", &unit_tests(args, li_bound_seconds));
    let (passed, report) = promtool(&["test", "rules"], &[tests]);
    assert!(passed, "{name}: promtool test rules failed:\n{report}");
    assert!(report.contains("SUCCESS"), "{report}");
}

#[test]
fn each_alert_fires_at_its_computed_threshold_and_not_below() {
    if which("promtool").is_none() {
        return;
    }
    // The default sync runs every 15 minutes: 15m gap + 5m start deadline + 60m run deadline.
    run_unit_tests("5000", &["--ccu", "5000"], Some(80 * 60));
    run_unit_tests("20000", &["--ccu", "20000"], Some(80 * 60));
    run_unit_tests(
        "20000-largest",
        &["--ccu", "20000", "--set", "tenant.erasure_sets=\"largest\""],
        Some(80 * 60),
    );
    run_unit_tests("grown", &["--config", &grown()], Some(80 * 60));
    // Daily at 03:00 in a zone with daylight saving time: 24h + 5m + 60m + 1h.
    run_unit_tests(
        "daily",
        &[
            "--ccu",
            "5000",
            "--set",
            "rclone.schedule=\"0 3 * * *\"",
            "--set",
            "rclone.time_zone=\"Europe/Berlin\"",
        ],
        Some((24 * 60 + 5 + 60 + 60) * 60),
    );
}

/// promtool's unit tests must be able to fail: a rule whose threshold is one drive off.
#[test]
fn a_threshold_one_off_fails_the_unit_tests() {
    if which("promtool").is_none() {
        return;
    }
    let args = ["--ccu", "5000"];
    let dir = scratch_dir("watch-test-broken");
    let (docs, _) = render(&args);
    let mut spec = object(&docs, "PrometheusRule", "")["spec"].clone();
    for group in spec["groups"].as_array_mut().into_iter().flatten() {
        for rule in group["rules"].as_array_mut().into_iter().flatten() {
            if rule["alert"] == "MinIOErasureSetOneDriveFromWriteQuorum" {
                let expr = rule["expr"]
                    .as_str()
                    .unwrap_or_default()
                    .replace("<= 5", "<= 4");
                rule["expr"] = Value::String(expr);
            }
        }
    }
    write_json(&dir, "rules.json", &spec);
    let tests = write_json(&dir, "tests.json", &unit_tests(&args, Some(80 * 60)));
    let (passed, report) = promtool(&["test", "rules"], &[tests]);
    assert!(!passed, "{report}");
    assert!(
        report.contains("MinIOErasureSetOneDriveFromWriteQuorum"),
        "{report}"
    );
}

/// The MinIOJob whose name holds `part`, such as `-iam-`.
fn minio_job<'a>(docs: &'a [Value], part: &str) -> Option<&'a Value> {
    docs.iter().find(|d| {
        d["kind"] == "MinIOJob"
            && d["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.contains(part))
    })
}

/// A site's own bucket settings: a quota on a plain bucket whose versioning is written off, a
/// compliance retention with a longer noncurrent expiry, a quota on the backups, and a plain
/// bucket versioned with the default expiry.
const CUSTOM_BUCKETS: &str = "buckets=[\
    {name=\"synapse-media\",versioning=false,quota=\"2Ti\"},\
    {name=\"synapse-media-li\",retention={mode=\"compliance\",days=30},noncurrent_days=45},\
    {name=\"postgresql-backups\",quota=\"500Gi\"},\
    {name=\"media-archive\",versioning=true}]";

/// The expectation lines of one bucket of the plan's JSON, as `verify.sh` reads them.
fn bucket_expectations(b: &Value) -> Vec<String> {
    let name = b["name"].as_str().unwrap_or_default();
    let lock = if b["object_lock"] == true {
        "locked"
    } else {
        "unlocked"
    };
    let versioning = if b["versioning"] == true { "on" } else { "off" };
    let retention = match b["retention"]["mode"].as_str() {
        Some(mode) => format!("{mode} {} days", b["retention"]["days"]),
        None => "none".into(),
    };
    let noncurrent = b["noncurrent_days"]
        .as_u64()
        .map_or_else(|| "none".into(), |d| format!("{d} days"));
    let quota = b["quota"][1]
        .as_u64()
        .map_or_else(|| "none".into(), |q| format!("{q} bytes"));
    vec![
        format!("bucket {name} {lock}"),
        format!("versioning {name} {versioning}"),
        format!("retention {name} {retention}"),
        format!("noncurrent {name} {noncurrent}"),
        format!("quota {name} {quota}"),
    ]
}

/// The verification's expectations, read back from the rendered ConfigMap, are the plan's, for
/// every tier, the variants, a site with consumers of its own and one with bucket settings of
/// its own; its policy reads exactly what the checks need, in the plan's buckets.
#[test]
#[allow(clippy::too_many_lines)]
fn the_verification_expects_what_the_plan_says_for_every_tier() {
    let mut renders: Vec<Vec<String>> = variants();
    renders.push(vec![
        "--ccu".into(),
        "100".into(),
        "--config".into(),
        root()
            .join("tests/fixtures/valid/consumers.toml")
            .to_string_lossy()
            .into_owned(),
    ]);
    renders.push(vec![
        "--ccu".into(),
        "20000".into(),
        "--set".into(),
        CUSTOM_BUCKETS.into(),
    ]);
    let mut custom_seen = false;
    for args in &renders {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (docs, plan) = render(&args);
        let name = format!(
            "{}-verify",
            plan["tenant"]["name"].as_str().unwrap_or_default()
        );
        let config_map = object(&docs, "ConfigMap", "-verify");
        let text = config_map["data"]["expected"].as_str().unwrap_or_default();
        let mut got: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        got.sort();
        let pools = plan["pools"].as_array().cloned().unwrap_or_default();
        let layout = |k: &str| -> Vec<u64> {
            pools
                .iter()
                .map(|p| p["layout"][k].as_u64().unwrap_or_default())
                .collect()
        };
        let join = |v: Vec<u64>| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut want = vec![
            format!("drives {}", layout("drives").iter().sum::<u64>()),
            format!("parity {}", layout("parity")[0]),
            format!("sets {}", join(layout("sets"))),
            format!("set-drives {}", join(layout("set_size"))),
        ];
        let buckets: Vec<&Value> = plan["buckets"].as_array().into_iter().flatten().collect();
        for b in &buckets {
            want.extend(bucket_expectations(b));
        }
        if args.contains(&CUSTOM_BUCKETS) {
            // The site's own settings, written out, so that the plan's JSON cannot agree with
            // the expectations by both missing them.
            custom_seen = true;
            for line in [
                "quota synapse-media 2199023255552 bytes",
                "versioning synapse-media off",
                "retention synapse-media-li compliance 30 days",
                "noncurrent synapse-media-li 45 days",
                "quota postgresql-backups 536870912000 bytes",
                "versioning media-archive on",
                "noncurrent media-archive 30 days",
            ] {
                assert!(got.iter().any(|l| l == line), "no `{line}` in {got:?}");
            }
        }
        for c in plan["consumers"].as_array().into_iter().flatten() {
            let consumer = c["name"].as_str().unwrap_or_default();
            let granted: Vec<&str> = c["policy"]["grants"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|g| g["bucket"].as_str())
                .collect();
            for b in &buckets {
                let b = b["name"].as_str().unwrap_or_default();
                let verdict = if granted.contains(&b) {
                    "allowed"
                } else {
                    "refused"
                };
                want.push(format!("consumer {consumer} {verdict} {b}"));
            }
        }
        want.sort();
        assert_eq!(got, want, "{args:?}");
        // The Job reads those files, reaches the plan's endpoint, mounts each consumer's
        // Secret, and is bound to the policy the IAM job creates.
        let job = object(&docs, "Job", "-verify");
        assert_eq!(job["metadata"]["name"], name.as_str());
        let pod = &job["spec"]["template"]["spec"];
        let env: BTreeMap<&str, &str> = pod["containers"][0]["env"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| Some((e["name"].as_str()?, e["value"].as_str()?)))
            .collect();
        assert_eq!(
            env.get("MC_HOST_myminio"),
            plan["s3"]["url"].as_str().as_ref()
        );
        assert_eq!(
            env.get("MINIOGEN_ENDPOINT"),
            plan["s3"]["url"].as_str().as_ref()
        );
        // The script names the bucket job when a setting is not there yet.
        let bucket_job = minio_job(&docs, "-buckets-").and_then(|d| d["metadata"]["name"].as_str());
        assert_eq!(
            env.get("MINIOGEN_BUCKET_JOB").copied(),
            bucket_job,
            "{args:?}"
        );
        let secrets: Vec<&str> = pod["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["secret"]["secretName"].as_str())
            .collect();
        for c in plan["consumers"].as_array().into_iter().flatten() {
            assert!(
                secrets.contains(&c["secret"].as_str().unwrap_or_default()),
                "{args:?}"
            );
        }
        let binding = object(&docs, "PolicyBinding", "-verify");
        assert_eq!(binding["spec"]["policies"], json!(["miniogen-verify"]));
        let iam = minio_job(&docs, "-iam-").unwrap_or_else(|| panic!("no IAM MinIOJob"));
        assert!(
            iam["spec"]["commands"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["args"]["name"] == "miniogen-verify"),
            "{args:?}: the IAM job does not create the verification's policy"
        );
        // Least privilege: the server's state, the list of buckets, and the settings of the
        // plan's buckets only, never an object; small enough for the operator's STS.
        let policies = object(&docs, "ConfigMap", "-iam-policies");
        let text = policies["data"]["miniogen-verify.json"]
            .as_str()
            .unwrap_or_default();
        let policy: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let mut grants: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for statement in policy["Statement"].as_array().into_iter().flatten() {
            assert_eq!(statement["Effect"], "Allow");
            let resources: Vec<String> = match statement["Resource"].as_array() {
                Some(r) => r
                    .iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect(),
                None => vec!["(admin)".into()],
            };
            for resource in resources {
                let actions = grants.entry(resource).or_default();
                for action in statement["Action"].as_array().into_iter().flatten() {
                    actions.push(action.as_str().unwrap_or_default().to_string());
                }
                actions.sort();
            }
        }
        let mut want: BTreeMap<String, Vec<String>> = BTreeMap::from([
            (
                "(admin)".to_string(),
                vec!["admin:GetBucketQuota".into(), "admin:ServerInfo".into()],
            ),
            (
                "arn:aws:s3:::*".to_string(),
                vec!["s3:ListAllMyBuckets".into()],
            ),
        ]);
        for b in &buckets {
            want.insert(
                format!("arn:aws:s3:::{}", b["name"].as_str().unwrap_or_default()),
                [
                    "s3:GetBucketLocation",
                    "s3:GetBucketObjectLockConfiguration",
                    "s3:GetBucketVersioning",
                    "s3:GetLifecycleConfiguration",
                ]
                .map(String::from)
                .to_vec(),
            );
        }
        assert_eq!(grants, want, "{args:?}");
        let compact = serde_json::to_string(&policy).unwrap_or_default();
        assert!(compact.len() <= 2048, "{args:?}: {}", compact.len());
    }
    assert!(custom_seen);
}

/// The operator's STS hands out no policy longer than 2048 characters: a site whose buckets
/// would make the verification's policy longer is refused before anything is written, and
/// turning the verification off is the way out.
#[test]
fn a_verification_policy_the_sts_would_refuse_is_an_error() {
    // The three buckets of the consumers and 21 of 63 characters: 2106 characters of
    // compact JSON, where the bucket job's policy names only the LI copy.
    let mut buckets: Vec<String> = ["synapse-media", "synapse-media-li", "postgresql-backups"]
        .iter()
        .map(|b| format!("{{name=\"{b}\"}}"))
        .collect();
    buckets.extend((0..21).map(|i| format!("{{name=\"{i:02}{}\"}}", "b".repeat(61))));
    let set = format!("buckets=[{}]", buckets.join(","));
    let run = crate::support::miniogen(&["gen", "--ccu", "100", "--set", &set]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the verification Job's policy `miniogen-verify` is")
            && run
                .stderr
                .contains("more than the 2048 the operator's STS hands out"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    let off = crate::support::miniogen(&[
        "gen",
        "--ccu",
        "100",
        "--set",
        &set,
        "--set",
        "verify.enabled=false",
    ]);
    assert_eq!(off.code, 0, "{}", off.stderr);
}

/// A consumer as the stand-in `mc` sees it: name, access key, buckets it may list.
type Grant = (String, String, Vec<String>);

/// One bucket's settings as the stand-in `mc` answers for them.
#[derive(Clone)]
struct Settings {
    lock: bool,
    /// `versioning.status`: `Enabled`, `Suspended`, or empty when never enabled.
    versioning: &'static str,
    /// The default retention's mode as MinIO names it (`GOVERNANCE`), and its days.
    retention: Option<(String, u64)>,
    /// The lifecycle rules, each as minio-go `lifecycle.Rule.MarshalJSON` writes it.
    rules: Vec<Value>,
    /// The hard quota in bytes.
    quota: Option<u64>,
}

/// A lifecycle rule as the bucket job leaves it (`mc ilm rule add --noncurrent-expire-days N
/// --expire-delete-marker`), its keys in `Rule.MarshalJSON`'s order.
fn noncurrent_rule(days: u64) -> Value {
    json!({
        "Expiration": {"ExpiredObjectDeleteMarker": true},
        "ID": "d3fl7s0hjl3s3e2iv7mg",
        "NoncurrentVersionExpiration": {"NoncurrentDays": days},
        "Status": "Enabled",
    })
}

/// What MinIO holds for a bucket of the plan's JSON once the operator and the bucket job ran.
fn planned(b: &Value) -> Settings {
    Settings {
        lock: b["object_lock"] == true,
        versioning: if b["versioning"] == true {
            "Enabled"
        } else {
            ""
        },
        retention: b["retention"]["mode"].as_str().map(|m| {
            (
                m.to_uppercase(),
                b["retention"]["days"].as_u64().unwrap_or_default(),
            )
        }),
        rules: b["noncurrent_days"]
            .as_u64()
            .map(noncurrent_rule)
            .into_iter()
            .collect(),
        quota: b["quota"][1].as_u64(),
    }
}

/// `mc --json`'s failure as cmd/error.go `fatal` prints it, with minio-go's `ErrorResponse`.
fn mc_error(message: &str, code: &str, bucket: &str) -> Value {
    json!({
        "status": "error",
        "error": {
            "message": message,
            "cause": {
                "message": "",
                "error": {"Code": code, "Message": "", "BucketName": bucket, "Key": "", "StatusCode": 404},
            },
            "type": "fatal",
        },
    })
}

/// The stand-in's answers for one bucket, compact, as mc prints them when its output is no
/// terminal (minio/colorjson `MarshalIndent`).
fn answers(fake: &Path, bucket: &str, s: &Settings) {
    let retention = if s.lock {
        let (mode, validity) = s.retention.clone().map_or_else(
            || (String::new(), "0".to_string()),
            |(m, d)| (m, format!("{d}DAYS")),
        );
        json!({"op": "info", "enabled": "Enabled", "mode": mode, "validity": validity, "status": "success"})
    } else {
        // `fatalIfBucketLockNotSupported`: an `errDummy`, no minio-go response.
        json!({
            "status": "error",
            "error": {
                "message": format!("Remote bucket `myminio/{bucket}` does not support locking"),
                "cause": {"message": "", "error": {}},
                "type": "fatal",
            },
        })
    };
    let version = json!({
        "Op": "info",
        "status": "success",
        "url": format!("myminio/{bucket}"),
        "versioning": {"status": s.versioning, "MFADelete": ""},
    });
    let ilm = if s.rules.is_empty() {
        mc_error(
            "Unable to get lifecycle",
            "NoSuchLifecycleConfiguration",
            bucket,
        )
    } else {
        json!({
            "status": "success",
            "target": format!("myminio/{bucket}"),
            "config": {"Rules": s.rules},
            "updatedAt": "2026-01-01T00:00:00Z",
        })
    };
    let quota = match s.quota {
        Some(q) => json!({"status": "success", "bucket": bucket, "quota": q, "type": "hard"}),
        None => json!({"status": "success", "bucket": bucket}),
    };
    for (command, answer) in [
        ("retention", retention),
        ("version", version),
        ("ilm", ilm),
        ("quota", quota),
    ] {
        let dir = fake.join(command);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join(bucket), format!("{answer}\n")).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The tenant as the stand-in `mc` sees it.
struct Tenant {
    /// `mc admin info --json`.
    info: Value,
    /// The buckets `mc ls` lists.
    buckets: Vec<String>,
    /// What each consumer's keys may list.
    grants: Vec<Grant>,
    /// Each bucket's settings.
    settings: BTreeMap<String, Settings>,
}

impl Tenant {
    fn bucket(&mut self, name: &str) -> &mut Settings {
        self.settings
            .get_mut(name)
            .unwrap_or_else(|| panic!("no bucket {name}"))
    }
}

/// Changes the stand-in's answers.
type Tamper = dyn Fn(&mut Tenant);

/// The verification script, run by bash against a stand-in `mc` that answers in mc's JSON
/// (the fields the script cites), tells a tenant that matches the plan from one that drifted,
/// naming each drift: of the layout, the buckets and every setting the plan gives them, and the
/// consumers' access. The site has bucket settings of its own (`CUSTOM_BUCKETS`).
#[test]
#[allow(clippy::too_many_lines)]
fn the_verification_script_tells_a_matching_tenant_from_a_drifted_one() {
    let Some(bash) = which("bash") else { return };
    let (docs, plan) = render(&["--ccu", "20000", "--set", CUSTOM_BUCKETS]);
    let expected = object(&docs, "ConfigMap", "-verify")["data"]["expected"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let bucket_job =
        object(&docs, "Job", "-verify")["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["name"] == "MINIOGEN_BUCKET_JOB")
            .and_then(|e| e["value"].as_str())
            .unwrap_or_else(|| panic!("no MINIOGEN_BUCKET_JOB"))
            .to_string();
    let script = root().join("templates/verify.sh");
    let consumers: Vec<Grant> = plan["consumers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["access_key"].as_str().unwrap_or_default().to_string(),
                c["policy"]["grants"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g["bucket"].as_str().map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    let buckets: Vec<String> = plan["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["name"].as_str().map(str::to_string))
        .collect();
    let settings: BTreeMap<String, Settings> = plan["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                b["name"].as_str().unwrap_or_default().to_string(),
                planned(b),
            )
        })
        .collect();

    // The stand-in: `mc` as far as the script uses it, answering from files in $FAKE; a bucket
    // command fails as mc does when its answer is an error.
    let fake_mc = r#"#!/bin/bash
set -u
answer() {
  cat "$FAKE/$1/$2" || exit 2
  grep -q '"status":"success"' "$FAKE/$1/$2"
  exit $?
}
case "$1 ${2:-}" in
  "ready myminio") exit 0 ;;
  "admin info") cat "$FAKE/info.json"; exit 0 ;;
  "ls myminio") cat "$FAKE/buckets.json"; exit 0 ;;
  "retention info") [[ $3 == --default ]] && answer retention "${4#myminio/}" ;;
  "version info") answer version "${3#myminio/}" ;;
  "ilm rule") [[ $3 == ls ]] && answer ilm "${4#myminio/}" ;;
  "quota info") answer quota "${3#myminio/}" ;;
  "alias set")
    IFS= read -r access; IFS= read -r secret
    mkdir -p "$FAKE/aliases"; printf '%s' "$access" >"$FAKE/aliases/$3"; exit 0 ;;
  "ls "*)
    target=${2%/}; alias=${target%%/*}; bucket=${target#*/}
    access=$(<"$FAKE/aliases/$alias")
    if [[ -e $FAKE/grants/$access/$bucket ]]; then exit 0; fi
    printf '{\n "status": "error",\n "error": {\n  "message": "Unable to list folder.",\n  "cause": {\n   "message": "Access Denied.",\n   "error": {\n    "Code": "AccessDenied",\n    "Message": "Access Denied.",\n    "BucketName": "%s"\n   }\n  },\n  "type": "error"\n }\n}\n' "$bucket"
    exit 1 ;;
esac
echo "fake mc: unexpected: $*" >&2; exit 2
"#;

    let run = |name: &str, tamper: &Tamper| {
        let dir = scratch_dir(&format!("verify-{name}"));
        let fake = dir.join("fake");
        let bin = dir.join("bin");
        for d in [&fake, &bin] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        let mc = bin.join("mc");
        std::fs::write(&mc, fake_mc).unwrap_or_else(|e| panic!("{e}"));
        let _ = Command::new("chmod").arg("+x").arg(&mc).status();
        let pools = plan["pools"].as_array().cloned().unwrap_or_default();
        let layout = |k: &str| -> Vec<u64> {
            pools
                .iter()
                .map(|p| p["layout"][k].as_u64().unwrap_or_default())
                .collect()
        };
        // `mc admin info --json`: `clusterStruct` marshalled with four-space indentation.
        let info = json!({
            "status": "success",
            "info": {
                "mode": "online",
                "backend": {
                    "backendType": "Erasure",
                    "onlineDisks": layout("drives").iter().sum::<u64>(),
                    "offlineDisks": 0,
                    "standardSCParity": layout("parity")[0],
                    "rrSCParity": 2,
                    "totalSets": layout("sets"),
                    "totalDrivesPerSet": layout("set_size"),
                },
                "servers": [{"state": "online", "endpoint": "x:9000", "drives": [{"state": "ok"}]}],
            },
        });
        let mut tenant = Tenant {
            info,
            buckets: buckets.clone(),
            grants: consumers.clone(),
            settings: settings.clone(),
        };
        tamper(&mut tenant);
        let mut text = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut text, formatter);
        serde::Serialize::serialize(&tenant.info, &mut ser).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(fake.join("info.json"), &text).unwrap_or_else(|e| panic!("{e}"));
        // `mc ls ALIAS --json`: one `contentMessage` per bucket, one-space indentation.
        let mut listing = String::new();
        for b in &tenant.buckets {
            let _ = write!(
                listing,
                "{{\n \"status\": \"success\",\n \"type\": \"folder\",\n \"lastModified\": \"2026-01-01T00:00:00Z\",\n \"size\": 0,\n \"key\": \"{b}/\",\n \"etag\": \"\",\n \"url\": \"https://minio/\"\n}}\n"
            );
        }
        std::fs::write(fake.join("buckets.json"), listing).unwrap_or_else(|e| panic!("{e}"));
        for (bucket, s) in &tenant.settings {
            answers(&fake, bucket, s);
        }
        let secrets = dir.join("secrets");
        for (consumer, access, granted) in &tenant.grants {
            let s = secrets.join(consumer);
            std::fs::create_dir_all(&s).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(s.join("CONSOLE_ACCESS_KEY"), access).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(s.join("CONSOLE_SECRET_KEY"), "a secret: with @ and /")
                .unwrap_or_else(|e| panic!("{e}"));
            for b in granted {
                std::fs::create_dir_all(fake.join("grants").join(access).join(b))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        std::fs::write(dir.join("expected"), &expected).unwrap_or_else(|e| panic!("{e}"));
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new(&bash)
            .arg(&script)
            .env("PATH", path)
            .env("FAKE", &fake)
            .env("MINIOGEN_EXPECTED", dir.join("expected"))
            .env("MINIOGEN_SECRETS", &secrets)
            .env(
                "MINIOGEN_ENDPOINT",
                "https://minio.matrix.svc.cluster.local",
            )
            .env("MINIOGEN_BUCKET_JOB", &bucket_job)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };

    let (code, out) = run("matching", &|_| {});
    assert_eq!(code, Some(0), "{out}");
    assert!(out.ends_with("the tenant matches the plan\n"), "{out}");
    assert!(!out.contains("FAILED"), "{out}");
    let checks = out.lines().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(
        checks,
        5 + 5 * buckets.len() + consumers.len() * buckets.len(),
        "{out}"
    );
    for line in [
        "ok      bucket synapse-media: quota: 2199023255552 bytes",
        "ok      bucket synapse-media: versioning: off",
        "ok      bucket synapse-media-li: default retention: compliance 30 days",
        "ok      bucket synapse-media-li: noncurrent-version expiry: 45 days",
        "ok      bucket media-archive: versioning: on",
        "ok      bucket media-archive: noncurrent-version expiry: 30 days",
        "ok      bucket postgresql-backups: noncurrent-version expiry: none",
    ] {
        assert!(out.contains(line), "no `{line}` in:\n{out}");
    }

    let pending = format!(
        "the operator creates the buckets, and the bucket job `{bucket_job}` applies their \
         settings after it: on a first sync or right after a change, this Job runs again until \
         its deadline"
    );
    let cases: Vec<(&str, &str, Box<Tamper>)> = vec![
        (
            "drive-offline",
            "FAILED  drives online",
            Box::new(|t| {
                let b = &mut t.info["info"]["backend"];
                b["onlineDisks"] = json!(b["onlineDisks"].as_u64().unwrap_or(0) - 1);
                b["offlineDisks"] = json!(1);
            }),
        ),
        (
            "sets-of-16",
            "FAILED  drives per erasure set per pool: 16",
            Box::new(|t| {
                t.info["info"]["backend"]["totalSets"] = json!([2]);
                t.info["info"]["backend"]["totalDrivesPerSet"] = json!([16]);
            }),
        ),
        (
            "parity",
            "FAILED  parity (EC:N): 2",
            Box::new(|t| {
                t.info["info"]["backend"]["standardSCParity"] = json!(2);
            }),
        ),
        (
            "bucket-missing",
            "FAILED  bucket postgresql-backups: missing",
            Box::new(|t| {
                t.buckets.retain(|x| x != "postgresql-backups");
            }),
        ),
        (
            "lock-missing",
            "FAILED  bucket synapse-media-li: object lock off where the plan says on",
            Box::new(|t| {
                t.bucket("synapse-media-li").lock = false;
            }),
        ),
        (
            "versioning-off",
            "FAILED  bucket media-archive: versioning: off where the plan says on",
            Box::new(|t| {
                t.bucket("media-archive").versioning = "";
            }),
        ),
        (
            "versioning-suspended",
            "FAILED  bucket media-archive: versioning: off (suspended) where the plan says on",
            Box::new(|t| {
                t.bucket("media-archive").versioning = "Suspended";
            }),
        ),
        (
            "versioning-unplanned",
            "FAILED  bucket synapse-media: versioning: on where the plan says off; the bucket job \
             only sets what the plan declares, `mc version suspend myminio/synapse-media` \
             removes it",
            Box::new(|t| {
                t.bucket("synapse-media").versioning = "Enabled";
            }),
        ),
        (
            "retention-shorter",
            "FAILED  bucket synapse-media-li: default retention: compliance 7 days where the plan \
             says compliance 30 days",
            Box::new(|t| {
                t.bucket("synapse-media-li").retention = Some(("COMPLIANCE".into(), 7));
            }),
        ),
        (
            "retention-governance",
            "FAILED  bucket synapse-media-li: default retention: governance 30 days where the \
             plan says compliance 30 days",
            Box::new(|t| {
                t.bucket("synapse-media-li").retention = Some(("GOVERNANCE".into(), 30));
            }),
        ),
        (
            "retention-missing",
            "FAILED  bucket synapse-media-li: default retention: none where the plan says \
             compliance 30 days",
            Box::new(|t| {
                t.bucket("synapse-media-li").retention = None;
            }),
        ),
        (
            "lifecycle-missing",
            "FAILED  bucket synapse-media-li: noncurrent-version expiry: none where the plan says \
             45 days",
            Box::new(|t| {
                t.bucket("synapse-media-li").rules.clear();
            }),
        ),
        (
            "lifecycle-disabled",
            "FAILED  bucket media-archive: noncurrent-version expiry: none where the plan says 30 \
             days",
            Box::new(|t| {
                t.bucket("media-archive").rules[0]["Status"] = json!("Disabled");
            }),
        ),
        (
            "lifecycle-other",
            "FAILED  bucket synapse-media-li: noncurrent-version expiry: 45 days, 1 days where \
             the plan says 45 days",
            Box::new(|t| {
                // A second rule, as `mc ilm rule add` leaves one beside the job's.
                t.bucket("synapse-media-li").rules.push(noncurrent_rule(1));
            }),
        ),
        (
            "lifecycle-filtered",
            "FAILED  bucket synapse-media-li: noncurrent-version expiry: 45 days (for some \
             objects only) where the plan says 45 days",
            Box::new(|t| {
                let rule = &mut t.bucket("synapse-media-li").rules[0];
                let mut filtered = serde_json::Map::new();
                for (k, v) in rule.as_object().cloned().unwrap_or_default() {
                    filtered.insert(k.clone(), v);
                    if k == "ID" {
                        filtered.insert("Filter".into(), json!({"Prefix": "local_content/"}));
                    }
                }
                *rule = Value::Object(filtered);
            }),
        ),
        (
            "lifecycle-unplanned",
            "FAILED  bucket postgresql-backups: noncurrent-version expiry: 7 days where the plan \
             says none; the bucket job only sets what the plan declares, `mc ilm rule rm --all \
             --force myminio/postgresql-backups` removes it",
            Box::new(|t| {
                t.bucket("postgresql-backups")
                    .rules
                    .push(noncurrent_rule(7));
            }),
        ),
        (
            "quota-other",
            "FAILED  bucket synapse-media: quota: 1099511627776 bytes where the plan says \
             2199023255552 bytes",
            Box::new(|t| {
                t.bucket("synapse-media").quota = Some(1 << 40);
            }),
        ),
        (
            "quota-missing",
            "FAILED  bucket postgresql-backups: quota: none where the plan says 536870912000 \
             bytes",
            Box::new(|t| {
                t.bucket("postgresql-backups").quota = None;
            }),
        ),
        (
            "quota-unplanned",
            "FAILED  bucket media-archive: quota: 1099511627776 bytes where the plan says none; \
             the bucket job only sets what the plan declares, `mc quota clear \
             myminio/media-archive` removes it",
            Box::new(|t| {
                t.bucket("media-archive").quota = Some(1 << 40);
            }),
        ),
        (
            "consumer-overgranted",
            "FAILED  consumer synapse: allowed on postgresql-backups",
            Box::new(|t| {
                t.grants[0].2.push("postgresql-backups".into());
            }),
        ),
        (
            "key-rotated",
            "FAILED  consumer cnpg: refused on postgresql-backups, which its policy grants",
            Box::new(|t| {
                t.grants[1].2.clear();
            }),
        ),
        (
            "admin-info-error",
            "FAILED  mc admin info myminio",
            Box::new(|t| {
                t.info["status"] = json!("error");
            }),
        ),
    ];
    for (name, line, tamper) in &cases {
        let (code, out) = run(name, tamper.as_ref());
        assert_eq!(code, Some(1), "{name}: {out}");
        assert!(out.contains(line), "{name}: expected `{line}` in:\n{out}");
        // One drift, one failure: a check does not spill into another's. Losing a drive shows
        // online and offline; other sets show as both sets and their size; a bucket without
        // lock has no retention either.
        let two = ["drive-offline", "sets-of-16", "lock-missing"].contains(name);
        assert_eq!(
            out.lines().filter(|l| l.starts_with("FAILED")).count(),
            if two { 2 } else { 1 },
            "{name}:\n{out}"
        );
        // A setting that is missing or other may not be applied yet; one the plan does not
        // declare, or the layout, never is.
        let may_be_pending = name.starts_with("bucket-missing")
            || ["versioning-off", "versioning-suspended"].contains(name)
            || (name.starts_with("retention-")
                || name.starts_with("lifecycle-")
                || name.starts_with("quota-"))
                && !name.ends_with("-unplanned");
        assert_eq!(out.contains(&pending), may_be_pending, "{name}:\n{out}");
    }
}
