//! `config.env`: how the operator's sidecar reads it, what the servers run with, and why a change
//! of it is `manual`: MinIO reads it only when it starts, and every server must take it at once.

use std::fmt::Write as _;

use serde_json::Value;

use super::{Names, effect, ticked, with};
use crate::plan::operator::{ConfigEnv, Disruption, Effect, Kind, Side};

const CONFIGURATION: &str = "sidecar/pkg/sidecar/sidecar_utils.go regenCfgWithSecret, \
                             minio cmd/bootstrap-peer-server.go verifyServerSystemConfig";

/// `parseConfEnvSecret` (`pkg/configuration/tenant_configuration.go`): every line that starts
/// with `export ` (after trimming), split at its first `=`, the name trimmed, the value trimmed
/// and stripped of `"` at both ends; a later line wins.
#[must_use]
pub fn parse_config_env(text: &str) -> ConfigEnv {
    let mut out = ConfigEnv::new();
    for line in text.split('\n') {
        let Some(rest) = line.trim().strip_prefix("export ") else {
            continue;
        };
        if let Some((name, value)) = rest.split_once('=') {
            out.insert(
                name.trim().to_string(),
                value.trim().trim_matches('"').to_string(),
            );
        }
    }
    out
}

/// The variables the servers run with: the Tenant's `spec.env`, which the operator writes into
/// `config.env` unless the Secret sets the same name (`buildTenantEnvs`), then the Secret's.
fn effective_config(side: Side<'_>) -> ConfigEnv {
    let mut vars = ConfigEnv::new();
    for entry in side
        .tenant
        .pointer("/spec/env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = entry.get("name").and_then(Value::as_str) {
            let value = entry.get("value").map_or_else(String::new, |v| {
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            });
            vars.insert(name.to_string(), value);
        }
    }
    if let Some(config) = side.config {
        vars.extend(config.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    vars
}

/// The configuration: never rolled, always `manual`. When only one side's Secret is known (the
/// secrets mode changed to or from `existing`), every variable of that side may change.
pub(super) fn configuration(old: Side<'_>, new: Side<'_>, names: &Names) -> Option<Effect> {
    let (a, b) = (effective_config(old), effective_config(new));
    let (added, removed, changed): (Vec<String>, Vec<String>, Vec<String>) =
        if old.config.is_some() == new.config.is_some() {
            (
                b.keys().filter(|k| !a.contains_key(*k)).cloned().collect(),
                a.keys().filter(|k| !b.contains_key(*k)).cloned().collect(),
                a.keys()
                    .filter(|k| b.get(*k).is_some_and(|v| Some(v) != a.get(*k)))
                    .cloned()
                    .collect(),
            )
        } else {
            let known = if new.config.is_some() { &b } else { &a };
            (Vec::new(), Vec::new(), known.keys().cloned().collect())
        };
    if added.is_empty() && removed.is_empty() && changed.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for (what, list) in [
        ("added", &added),
        ("removed", &removed),
        ("changed", &changed),
    ] {
        if !list.is_empty() {
            parts.push(format!("{} {what}", ticked(list)));
        }
    }
    let root = added
        .iter()
        .chain(&removed)
        .chain(&changed)
        .any(|n| ROOT_CREDENTIALS.contains(&n.as_str()));
    Some(with(
        effect(
            Kind::Configuration,
            None,
            format!("`config.env`: {}", parts.join("; ")),
            Disruption::Manual,
        ),
        CONFIGURATION,
        "MinIO reads `config.env` only when it starts; the operator's sidecar rewrites the file \
         in every pod when the Secret changes (`regenCfgWithSecret`) and restarts nothing. A \
         server that starts with other `MINIO_*` values than its peers waits until half of them \
         agree (`verifyServerSystemConfig`, `ServerSystemConfig.Diff`), so the configuration \
         must reach every server at once: miniogen never rolls pods for it"
            .to_string(),
        restart_todo(names, !removed.is_empty(), root),
    ))
}

/// The root credentials in `config.env`.
const ROOT_CREDENTIALS: [&str; 4] = [
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "MINIO_ACCESS_KEY",
    "MINIO_SECRET_KEY",
];

/// How a new configuration reaches every server at once.
///
/// `mc admin service restart` (`ServiceV2Handler`, `cmd/admin-handlers.go`) signals every peer
/// to restart 250 ms later (`restartUpdateDelay`), skipping one whose drives hang
/// (`waitingDrivesNode`), and each MinIO process re-executes itself in its pod with the
/// environment it had (`restartProcess`, `cmd/service.go`), then reads `config.env` over it
/// (`loadEnvVarsFromFiles`): a variable removed from the file survives, so a removal needs the
/// pods themselves restarted, which `podManagementPolicy: Parallel` does all at once.
fn restart_todo(names: &Names, removed: bool, root: bool) -> String {
    let (ns, tenant) = (&names.namespace, &names.tenant);
    let mut todo = format!(
        "apply it, wait until every pod's sidecar has rewritten the file (`kubectl -n {ns} exec \
         POD -c minio -- sha256sum /tmp/minio/config.env` gives one new value for every pod of \
         `kubectl -n {ns} get pods -l v1.min.io/tenant={tenant}`), then restart every server at \
         once: "
    );
    if removed {
        let _ = write!(
            todo,
            "`kubectl -n {ns} delete pod -l v1.min.io/tenant={tenant}` (a removed variable \
             survives `mc admin service restart`, which restarts MinIO with the environment it \
             had); S3 is down until the pods run again"
        );
    } else {
        todo.push_str(
            "`mc admin service restart ALIAS` (`ALIAS`: your `mc alias` for the tenant); S3 \
             requests fail for the seconds every server takes to restart and find its peers; \
             its output must list every server, then `mc admin info ALIAS` shows them online",
        );
    }
    if root {
        todo.push_str(
            ". The root credentials change: restart with the old ones (the servers hold them \
             until then), then update what signs with them, in the order docs/secrets.md gives",
        );
    }
    todo
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::operator::v6_0_2::changes::testing::*;

    /// A configuration change is `manual`, never `rolling`, and says how every server restarts
    /// at once; a removed variable needs the pods restarted, as `restartProcess` keeps the
    /// environment.
    #[test]
    fn configuration_is_manual_and_names_the_restart() {
        let before = "export MINIO_ROOT_USER=\"admin\"\nexport MINIO_API_REQUESTS_MAX=\"6400\"\n";
        let after =
            "export MINIO_ROOT_USER=\"admin\"\nexport MINIO_ERASURE_SET_DRIVE_COUNT=\"8\"\n";
        let verdict = configured(before, after);
        assert_eq!(
            classes(&verdict),
            [(Kind::Configuration, None, Disruption::Manual)]
        );
        let change = &verdict.changes[0];
        assert_eq!(
            change.change,
            "`config.env`: `MINIO_ERASURE_SET_DRIVE_COUNT` added; `MINIO_API_REQUESTS_MAX` removed"
        );
        assert!(
            change
                .todo
                .contains("kubectl -n ns delete pod -l v1.min.io/tenant=t"),
            "{}",
            change.todo
        );
        let added = format!("{before}export MINIO_X=\"1\"\n");
        let verdict = configured(before, &added);
        assert!(
            verdict.changes[0]
                .todo
                .contains("`mc admin service restart ALIAS`")
        );
        assert_eq!(verdict.worst(), Disruption::Manual);
        // The same variables: nothing, whatever the order or quoting.
        let same = "export MINIO_API_REQUESTS_MAX=6400\n  export MINIO_ROOT_USER=\"admin\"";
        assert!(configured(before, same).changes.is_empty());
    }

    /// A rotated root password is a configuration change: `manual`, restarted with the old
    /// credentials, never a value in the message.
    #[test]
    fn a_rotated_root_password_is_manual() {
        let verdict = configured(
            "export MINIO_ROOT_PASSWORD=\"first-secret\"\n",
            "export MINIO_ROOT_PASSWORD=\"second-secret\"\n",
        );
        let change = &verdict.changes[0];
        assert_eq!(
            (change.kind, change.disruption),
            (Kind::Configuration, Disruption::Manual)
        );
        assert!(
            change.todo.contains("restart with the old ones"),
            "{}",
            change.todo
        );
        let text = format!("{change:?}");
        assert!(!text.contains("first-secret") && !text.contains("second-secret"));
    }

    /// `parseConfEnvSecret`: `export` lines only, first `=` splits, quotes trimmed.
    #[test]
    fn config_env_is_read_as_the_sidecar_reads_it() {
        let parsed = parse_config_env(
            "# comment\nexport A=\"x=y\"\n  export B = \"two words\" \nC=\"no export\"\nexport D\n",
        );
        assert_eq!(
            parsed.into_iter().collect::<Vec<_>>(),
            [
                ("A".to_string(), "x=y".to_string()),
                ("B".to_string(), "two words".to_string()),
            ]
        );
    }

    /// The secrets mode changed to or from `existing`: only one side's `config.env` is known,
    /// so every variable of that side may have changed, none is reported as added or removed,
    /// and the root credentials among them say how to restart.
    #[test]
    fn one_known_side_may_change_every_variable() {
        let t = tenant();
        let text = "export MINIO_ROOT_USER=\"admin\"\nexport MINIO_X=\"1\"\n";
        for (before, after) in [(None, Some(text)), (Some(text), None)] {
            let v = judge_configured((&t, before), (&t, after));
            assert_eq!(
                classes(&v),
                [(Kind::Configuration, None, Disruption::Manual)]
            );
            let change = &v.changes[0];
            assert_eq!(
                change.change,
                "`config.env`: `MINIO_ROOT_USER`, `MINIO_X` changed"
            );
            assert!(
                change.todo.contains("`mc admin service restart ALIAS`")
                    && change.todo.contains("restart with the old ones"),
                "{}",
                change.todo
            );
        }
    }
}
