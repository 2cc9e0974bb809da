//! What applying a change to a running tenant makes MinIO Operator v6.0.2 and MinIO
//! (`RELEASE.2025-09-07T16-13-09Z`) do, change by change: its `Disruption`, the cause with the
//! upstream function, and what to do; and the order to apply changes in when they must not go
//! together.
//!
//! The mechanisms, read at the tags:
//! - `syncHandler` (`pkg/controller/main-controller.go`) first creates a new pool's `StatefulSet`,
//!   then at once restarts every MinIO process of the initialized pools through the admin API
//!   (`restartInitializedPool`, `pkg/controller/pools.go`, `ServiceRestart`).
//! - It then compares the images of all pools and stops with `StatusInconsistentMinIOVersions`
//!   ("Different versions across MinIO Pools") on every pass while they differ.
//! - When the part of `spec.image` after its first `:` differs from the `StatefulSets`', it pulls
//!   the image itself (`fetchArtifacts`, `pkg/controller/artifacts.go`), hands the binary to
//!   MinIO (`updateServer`, `ServerUpdateV2`), which replaces it on every server and restarts
//!   every process at once (`ServerUpdateV2Handler`, `cmd/admin-handlers.go`), refusing a
//!   release not newer than its own; only then does it update the `StatefulSets`.
//! - Any other difference between a pool's `StatefulSet` and the one `NewPool` builds
//!   (`poolSSMatchesSpec`) replaces the pod template, and the `StatefulSet` restarts the pool's
//!   pods one at a time.
//! - `config.env` reaches MinIO only when it starts: the sidecar rewrites the file in each pod
//!   when the Secret or the Tenant changes (`regenCfgWithSecret`, `regenCfgWithTenant`,
//!   `sidecar/pkg/sidecar/sidecar_utils.go`) and restarts nothing. A starting server waits until
//!   half of its peers report the same `MINIO_*` values, binary and endpoints
//!   (`verifyServerSystemConfig`, `ServerSystemConfig.Diff`, `cmd/bootstrap-peer-server.go`).
//! - A pool left out of the Tenant (`checkForPoolDecommission`, `pkg/controller/decomission.go`)
//!   makes the operator delete the tenant's budgets, restart MinIO and delete the pool's
//!   `StatefulSet`; it moves no data.

mod buckets;
mod config;
mod image;
mod objects;
mod order;
mod template;

use serde_json::Value;

use super::str_at;
use crate::plan::operator::{Disruption, Effect, Kind, Side, Verdict, Version, pools};
use config::configuration;
use image::image;
use objects::{added, buckets_and_users, pool_changes, removed, services};
use order::{combined, steps};
use template::tenant_template;

pub use buckets::bucket_effect;
pub use config::parse_config_env;
pub use image::release;
pub use template::GITOPS_METADATA;

/// What applying `new` over `old` makes the operator v6.0.2 and MinIO do.
#[must_use]
pub fn verdict(old: Side<'_>, new: Side<'_>) -> Verdict {
    let mut changes = Vec::new();
    let names = Names::of(new.tenant);
    if let Some(effect) = image(old.tenant, new.tenant) {
        changes.push(effect);
    }
    if let Some(effect) = configuration(old, new, &names) {
        changes.push(effect);
    }
    changes.extend(tenant_template(old.tenant, new.tenant));
    changes.extend(services(old.tenant, new.tenant));
    changes.extend(buckets_and_users(old.tenant, new.tenant, &names));
    let old_pools = pools(old.tenant);
    for (name, new_pool) in pools(new.tenant) {
        match old_pools.iter().find(|(n, _)| *n == name) {
            Some((_, old_pool)) => changes.extend(pool_changes(name, old_pool, new_pool)),
            None => changes.push(added(name, &names)),
        }
    }
    for (name, _) in &old_pools {
        if !pools(new.tenant).iter().any(|(n, _)| n == name) {
            changes.push(removed(name, &names));
        }
    }
    let steps = steps(&changes, old.tenant);
    if !steps.is_empty() {
        changes.push(combined(&changes));
    }
    Verdict {
        operator: Version::V6_0_2,
        changes,
        steps,
    }
}

/// The tenant's names, for the commands a `todo` gives.
pub(super) struct Names {
    tenant: String,
    namespace: String,
}

impl Names {
    fn of(tenant: &Value) -> Self {
        Self {
            tenant: str_at(tenant, "/metadata/name").to_string(),
            namespace: str_at(tenant, "/metadata/namespace").to_string(),
        }
    }
}

pub(super) fn effect(
    kind: Kind,
    pool: Option<&str>,
    change: String,
    disruption: Disruption,
) -> Effect {
    Effect {
        kind,
        pool: pool.map(str::to_string),
        change,
        disruption,
        cause: String::new(),
        source: "",
        todo: String::new(),
    }
}

pub(super) fn with(
    mut effect: Effect,
    source: &'static str,
    cause: String,
    todo: String,
) -> Effect {
    effect.source = source;
    effect.cause = cause;
    effect.todo = todo;
    effect
}

pub(super) fn ticked(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn show(value: Option<&Value>) -> String {
    value.map_or_else(
        || "nothing".to_string(),
        |v| v.as_str().map_or_else(|| v.to_string(), str::to_string),
    )
}

/// Tenants and configurations for the tests of every rule.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Value, Verdict, parse_config_env, verdict};
    use crate::plan::operator::{ConfigEnv, Disruption, Kind, Side};
    use serde_json::json;

    pub(crate) const NEW: &str = "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z";

    pub(crate) fn tenant() -> Value {
        super::super::example_tenant()
    }

    pub(crate) fn config(text: &str) -> ConfigEnv {
        parse_config_env(text)
    }

    pub(crate) fn judge(old: &Value, new: &Value) -> Verdict {
        judge_configured((old, None), (new, None))
    }

    /// Each side's Tenant and `config.env` text, when known.
    pub(crate) fn judge_configured(
        (old, before): (&Value, Option<&str>),
        (new, after): (&Value, Option<&str>),
    ) -> Verdict {
        let (before, after) = (before.map(config), after.map(config));
        verdict(
            Side {
                tenant: old,
                config: before.as_ref(),
            },
            Side {
                tenant: new,
                config: after.as_ref(),
            },
        )
    }

    /// The same Tenant, with `config.env` going from `before` to `after`.
    pub(crate) fn configured(before: &str, after: &str) -> Verdict {
        let tenant = tenant();
        judge_configured((&tenant, Some(before)), (&tenant, Some(after)))
    }

    pub(crate) fn classes(verdict: &Verdict) -> Vec<(Kind, Option<&str>, Disruption)> {
        verdict
            .changes
            .iter()
            .map(|c| (c.kind, c.pool.as_deref(), c.disruption))
            .collect()
    }

    pub(crate) fn with_pool(mut t: Value, name: &str) -> Value {
        let mut pool = t["spec"]["pools"][0].clone();
        pool["name"] = json!(name);
        t["spec"]["pools"]
            .as_array_mut()
            .unwrap_or_else(|| panic!())
            .push(pool);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use serde_json::json;

    /// The table the classes are written from, one row per change the model knows, each with
    /// the upstream function that decides it (read at operator v6.0.2 and MinIO
    /// RELEASE.2025-09-07T16-13-09Z), not with the code under test.
    #[test]
    #[allow(clippy::too_many_lines)] // one row per change the model knows
    fn each_change_gets_the_class_upstream_gives_it() {
        type Edit = fn(&mut Value);
        let rows: [(&str, Edit, Kind, Disruption, &str); 13] = [
            // `syncHandler`: tags differ, `updateServer` -> `ServerUpdateV2` restarts all.
            (
                "image upgraded",
                |t| t["spec"]["image"] = json!(NEW),
                Kind::Image,
                Disruption::Simultaneous,
                "updateServer",
            ),
            // `ServerUpdateV2Handler`: "server is running the latest version".
            (
                "image downgraded",
                |t| {
                    t["spec"]["image"] = json!("quay.io/minio/minio:RELEASE.2023-01-01T00-00-00Z");
                },
                Kind::Image,
                Disruption::Blocked,
                "ServerUpdateV2Handler",
            ),
            // Same tag after the first `:`: only `poolSSMatchesSpec` sees it.
            (
                "image moved to a mirror",
                |t| {
                    t["spec"]["image"] =
                        json!("mirror.example/minio/minio:RELEASE.2024-10-13T13-34-11Z");
                },
                Kind::Image,
                Disruption::Rolling,
                "poolSSMatchesSpec",
            ),
            // `NewPool` sets `PriorityClassName` on every pool's template.
            (
                "priority class",
                |t| t["spec"]["priorityClassName"] = json!("high"),
                Kind::PodTemplate,
                Disruption::Rolling,
                "poolSSMatchesSpec",
            ),
            // `poolMinioServerContainer` takes `pool.Resources`.
            (
                "resources",
                |t| {
                    t["spec"]["pools"][0]["resources"] = json!({"requests": {"cpu": "2"}});
                },
                Kind::PodTemplate,
                Disruption::Rolling,
                "poolSSMatchesSpec",
            ),
            // `PodMetadata` copies the Tenant's labels.
            (
                "tenant label",
                |t| t["metadata"]["labels"]["x"] = json!("y"),
                Kind::PodMetadata,
                Disruption::Rolling,
                "PodMetadata",
            ),
            (
                "pool annotation",
                |t| {
                    t["spec"]["pools"][0]["annotations"] = json!({"a": "b"});
                },
                Kind::PodMetadata,
                Disruption::Rolling,
                "PodMetadata",
            ),
            // `buildTenantEnvs` writes `spec.env` into `config.env`, which only a start reads.
            (
                "spec.env",
                |t| t["spec"]["env"] = json!([{"name": "MINIO_X", "value": "1"}]),
                Kind::Configuration,
                Disruption::Manual,
                "regenCfgWithSecret",
            ),
            // `restartInitializedPool` right after creating the StatefulSet.
            (
                "pool added",
                |t| *t = with_pool(t.clone(), "pool-1"),
                Kind::PoolAdded,
                Disruption::Simultaneous,
                "restartInitializedPool",
            ),
            // CRD `self == oldSelf`.
            (
                "servers",
                |t| t["spec"]["pools"][0]["servers"] = json!(8),
                Kind::PoolReshaped,
                Disruption::Blocked,
                "self == oldSelf",
            ),
            // `ExpandPVCs` raises claims in place.
            (
                "volumes grow",
                |t| {
                    t["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]["resources"]["requests"]
                        ["storage"] = json!("1Ti");
                },
                Kind::Volumes,
                Disruption::None,
                "ExpandPVCs",
            ),
            // `createBuckets` creates what is missing.
            (
                "bucket",
                |t| t["spec"]["buckets"] = json!([{"name": "a"}, {"name": "b"}]),
                Kind::Buckets,
                Disruption::None,
                "createBuckets",
            ),
            // `createUsers` only while `!status.provisionedUsers`.
            (
                "user",
                |t| t["spec"]["users"] = json!([{"name": "admin"}]),
                Kind::Users,
                Disruption::Manual,
                "createUsers",
            ),
        ];
        for (what, edit, kind, class, function) in rows {
            let old = tenant();
            let mut new = tenant();
            edit(&mut new);
            let v = judge(&old, &new);
            assert_eq!(v.changes.len(), 1, "{what}: {v:#?}");
            let c = &v.changes[0];
            assert_eq!((c.kind, c.disruption), (kind, class), "{what}: {c:#?}");
            assert!(c.source.contains(function), "{what}: {}", c.source);
        }
    }

    #[test]
    fn the_same_tenant_changes_nothing() {
        let v = judge(&tenant(), &tenant());
        assert!(v.changes.is_empty());
        assert_eq!(v.worst(), Disruption::None);
    }
}
