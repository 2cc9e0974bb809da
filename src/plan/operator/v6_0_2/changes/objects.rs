//! What the operator reconciles besides the pod template: pools added, removed or reshaped, their
//! volume claims, the tenant's Services, buckets and users.

use serde_json::Value;

use super::template::pool_pods;
use super::{Names, effect, show, str_at, ticked, with};
use crate::plan::operator::{Disruption, Effect, Kind, dotted};

const POOL_ADDED: &str = "pkg/controller/main-controller.go syncHandler, \
                          pkg/controller/pools.go restartInitializedPool, \
                          minio cmd/bootstrap-peer-server.go verifyServerSystemConfig";

const POOL_REMOVED: &str = "pkg/controller/decomission.go checkForPoolDecommission, \
                            pkg/controller/pools.go restartInitializedPool";

const IMMUTABLE: &str = "pkg/apis/minio.min.io/v2/types.go Pool (XValidation self == oldSelf)";

const CLAIMS: &str =
    "pkg/controller/pvc.go ExpandPVCs, pkg/controller/main-controller.go syncHandler";

const BUCKETS: &str = "pkg/controller/operator.go createBuckets";

const USERS: &str = "pkg/controller/main-controller.go syncHandler (createUsers)";

const SERVICES: &str = "pkg/controller/minio-services.go checkMinIOSvc, checkMinIOHLSvc, \
                        pkg/controller/console.go checkConsoleSvc";

/// Tenant fields the operator reconciles into its Services: `checkMinIOSvc`,
/// `checkMinIOHLSvc` (`pkg/controller/minio-services.go`) and `checkConsoleSvc`
/// (`pkg/controller/console.go`) compare labels, annotations, ports and type.
const SERVICE_FIELDS: [&str; 5] = [
    "/spec/requestAutoCert",
    "/spec/externalCertSecret",
    "/spec/serviceMetadata",
    "/spec/exposeServices",
    "/spec/features",
];

/// Fields of the Services the operator writes: no MinIO process restarts.
pub(super) fn services(old: &Value, new: &Value) -> Vec<Effect> {
    let fields: Vec<String> = SERVICE_FIELDS
        .iter()
        .filter(|p| old.pointer(p) != new.pointer(p))
        .map(|p| dotted(p))
        .collect();
    if fields.is_empty() {
        return Vec::new();
    }
    vec![with(
        effect(
            Kind::Services,
            None,
            format!("{} (the tenant's Services)", ticked(&fields)),
            Disruption::None,
        ),
        SERVICES,
        "the operator updates its Services `minio`, `<tenant>-hl` and `<tenant>-console`"
            .to_string(),
        String::new(),
    )]
}

fn names_at(tenant: &Value, pointer: &str) -> Vec<String> {
    tenant
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn buckets_and_users(old: &Value, new: &Value, names: &Names) -> Vec<Effect> {
    let mut out = Vec::new();
    let (before, after) = (
        names_at(old, "/spec/buckets"),
        names_at(new, "/spec/buckets"),
    );
    let created: Vec<String> = after
        .iter()
        .filter(|b| !before.contains(b))
        .cloned()
        .collect();
    if !created.is_empty() {
        out.push(with(
            effect(
                Kind::Buckets,
                None,
                format!("bucket(s) {} added", ticked(&created)),
                Disruption::None,
            ),
            BUCKETS,
            "the operator creates each listed bucket that does not exist; it never changes or \
             deletes an existing one"
                .to_string(),
            String::new(),
        ));
    }
    let kept: Vec<String> = before
        .iter()
        .filter(|b| !after.contains(b))
        .cloned()
        .collect();
    if !kept.is_empty() {
        out.push(with(
            effect(
                Kind::Buckets,
                None,
                format!("bucket(s) {} no longer listed", ticked(&kept)),
                Disruption::None,
            ),
            BUCKETS,
            "the operator never deletes a bucket: it stays in MinIO with its objects".to_string(),
            String::new(),
        ));
    }
    let old_users = names_at(old, "/spec/users");
    let users: Vec<String> = names_at(new, "/spec/users")
        .into_iter()
        .filter(|u| !old_users.contains(u))
        .collect();
    if !users.is_empty() {
        out.push(with(
            effect(
                Kind::Users,
                None,
                format!("user Secret(s) {} added to `spec.users`", ticked(&users)),
                Disruption::Manual,
            ),
            USERS,
            "the operator provisions `spec.users` once per tenant (`createUsers` runs only while \
             `status.provisionedUsers` is false)"
                .to_string(),
            format!(
                "have it provision them again: `kubectl -n {} patch tenant {} \
                 --subresource=status --type=merge -p \
                 '{{\"status\":{{\"provisionedUsers\":false}}}}'`",
                names.namespace, names.tenant
            ),
        ));
    }
    out
}

const STORAGE: &str = "/volumeClaimTemplate/spec/resources/requests/storage";

/// The changes to a pool both sides hold.
pub(super) fn pool_changes(name: &str, old: &Value, new: &Value) -> Vec<Effect> {
    let mut out = pool_shape(name, old, new);
    out.extend(pool_pods(name, old, new));
    out
}

/// Its servers, drives, storage class and volume size: only growth applies.
fn pool_shape(name: &str, old: &Value, new: &Value) -> Vec<Effect> {
    let mut out = Vec::new();
    let shape: Vec<String> = ["servers", "volumesPerServer"]
        .into_iter()
        .filter(|k| old.get(k) != new.get(k))
        .map(|k| format!("{k} {} to {}", show(old.get(k)), show(new.get(k))))
        .collect();
    if !shape.is_empty() {
        out.push(with(
            effect(
                Kind::PoolReshaped,
                Some(name),
                format!("pool `{name}`: {}", shape.join(", ")),
                Disruption::Blocked,
            ),
            IMMUTABLE,
            "the Tenant CRD refuses the update (`servers` and `volumesPerServer` are immutable, \
             `self == oldSelf`), and a pool's drives keep the erasure sets they were formatted \
             with"
                .to_string(),
            "keep the pool as it is and add one (`miniogen grow`)".to_string(),
        ));
    }
    let class = "/volumeClaimTemplate/spec/storageClassName";
    if old.pointer(class) != new.pointer(class) {
        out.push(with(
            effect(
                Kind::PoolReshaped,
                Some(name),
                format!(
                    "pool `{name}`: storage class {} to {}",
                    show(old.pointer(class)),
                    show(new.pointer(class))
                ),
                Disruption::Blocked,
            ),
            CLAIMS,
            "the operator copies only the pod template into the StatefulSet, whose volume claim \
             templates Kubernetes never updates, and an existing claim keeps its class"
                .to_string(),
            "keep the class; add a pool on the new one instead".to_string(),
        ));
    }
    let (from, to) = (str_at(old, STORAGE), str_at(new, STORAGE));
    match (
        crate::model::quantity::bytes(from),
        crate::model::quantity::bytes(to),
    ) {
        (Ok(a), Ok(b)) if b > a => out.push(with(
            effect(
                Kind::Volumes,
                Some(name),
                format!("pool `{name}`: volumes grow from {from} to {to}"),
                Disruption::None,
            ),
            CLAIMS,
            "the operator raises each claim's request in place (`ExpandPVCs`), if the \
             StorageClass allows expansion"
                .to_string(),
            String::new(),
        )),
        (Ok(a), Ok(b)) if b < a => out.push(with(
            effect(
                Kind::PoolReshaped,
                Some(name),
                format!("pool `{name}`: volumes shrink from {from} to {to}"),
                Disruption::Blocked,
            ),
            CLAIMS,
            "`ExpandPVCs` never lowers a claim, and Kubernetes refuses to shrink one".to_string(),
            "keep the size".to_string(),
        )),
        _ => {}
    }
    out
}

pub(super) fn added(name: &str, names: &Names) -> Effect {
    with(
        effect(
            Kind::PoolAdded,
            Some(name),
            format!("pool `{name}` added"),
            Disruption::Simultaneous,
        ),
        POOL_ADDED,
        format!(
            "the operator creates StatefulSet `{}-{name}`, then at once restarts every MinIO \
             process of the existing pools through the admin API (`restartInitializedPool`, \
             `ServiceRestart`); each waits until half of all servers, the new pool's included, \
             answer with the same pools and configuration (`verifyServerSystemConfig`), and the \
             new pool's drives are formatted only once its servers run",
            names.tenant
        ),
        "before applying, make sure every pod of the new pool can be scheduled and bound to \
         its volumes: S3 requests fail from the restart until the new pool's servers are up; \
         afterwards `mc admin info ALIAS` lists every server. Existing objects stay where they \
         are (`mc admin rebalance start ALIAS`)"
            .to_string(),
    )
}

pub(super) fn removed(name: &str, names: &Names) -> Effect {
    with(
        effect(
            Kind::PoolRemoved,
            Some(name),
            format!("pool `{name}` leaves the Tenant"),
            Disruption::Simultaneous,
        ),
        POOL_REMOVED,
        format!(
            "the operator deletes the tenant's PodDisruptionBudgets, restarts every MinIO process \
             through a pool that stays (`restartInitializedPool`) and deletes StatefulSet \
             `{}-{name}`; it moves no data, and its volume claims stay",
            names.tenant
        ),
        "only once `mc admin decommission status` says `Complete` for the pool".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::operator::v6_0_2::changes::testing::*;
    use serde_json::json;

    /// `checkMinIOSvc`, `checkMinIOHLSvc` and `checkConsoleSvc` reconcile the Services: a
    /// change of their type restarts no MinIO process. TLS changes their ports (443 or 80) and
    /// the pod template too (`NewPool` mounts the certificates).
    #[test]
    fn service_fields_change_the_services() {
        let old = tenant();
        let mut new = tenant();
        new["spec"]["exposeServices"] = json!({"minio": true});
        let v = judge(&old, &new);
        assert_eq!(classes(&v), [(Kind::Services, None, Disruption::None)]);
        assert_eq!(
            v.changes[0].change,
            "`spec.exposeServices` (the tenant's Services)"
        );
        assert!(v.changes[0].source.contains("checkMinIOSvc"));
        new["spec"]["requestAutoCert"] = json!(false);
        let v = judge(&old, &new);
        assert_eq!(
            classes(&v),
            [
                (Kind::PodTemplate, None, Disruption::Rolling),
                (Kind::Services, None, Disruption::None),
            ]
        );
        assert_eq!(
            v.changes[1].change,
            "`spec.requestAutoCert`, `spec.exposeServices` (the tenant's Services)"
        );
    }

    /// Buckets and users the operator creates name only what is new, and a bucket taken off
    /// the list is named as staying in MinIO (`createBuckets` never deletes one).
    #[test]
    fn buckets_and_users_name_only_what_changed() {
        let mut old = tenant();
        old["spec"]["buckets"] = json!([{"name": "a"}, {"name": "b"}]);
        old["spec"]["users"] = json!([{"name": "synapse"}]);
        let mut new = tenant();
        new["spec"]["buckets"] = json!([{"name": "b"}, {"name": "c"}]);
        new["spec"]["users"] = json!([{"name": "synapse"}, {"name": "rclone"}]);
        let v = judge(&old, &new);
        assert_eq!(
            classes(&v),
            [
                (Kind::Buckets, None, Disruption::None),
                (Kind::Buckets, None, Disruption::None),
                (Kind::Users, None, Disruption::Manual),
            ]
        );
        let changes: Vec<&str> = v.changes.iter().map(|c| c.change.as_str()).collect();
        assert_eq!(
            changes,
            [
                "bucket(s) `c` added",
                "bucket(s) `a` no longer listed",
                "user Secret(s) `rclone` added to `spec.users`",
            ]
        );
        assert!(
            v.changes[2]
                .todo
                .contains("kubectl -n ns patch tenant t --subresource=status"),
            "{}",
            v.changes[2].todo
        );
    }

    /// The CRD keeps `servers`, `volumesPerServer` (`self == oldSelf`) and, through the
    /// `StatefulSet`'s claim templates, the storage class; `ExpandPVCs` only raises a claim.
    #[test]
    fn a_pool_keeps_its_shape_and_class_and_only_grows() {
        let old = tenant();
        let mut new = tenant();
        new["spec"]["pools"][0]["servers"] = json!(8);
        new["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]["storageClassName"] = json!("fast");
        new["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] =
            json!("400Gi");
        let v = judge(&old, &new);
        let pool = Some("pool-0");
        assert_eq!(
            classes(&v),
            [
                (Kind::PoolReshaped, pool, Disruption::Blocked),
                (Kind::PoolReshaped, pool, Disruption::Blocked),
                (Kind::PoolReshaped, pool, Disruption::Blocked),
            ]
        );
        let changes: Vec<&str> = v.changes.iter().map(|c| c.change.as_str()).collect();
        assert_eq!(
            changes,
            [
                "pool `pool-0`: servers 4 to 8",
                "pool `pool-0`: storage class standard to fast",
                "pool `pool-0`: volumes shrink from 500Gi to 400Gi",
            ]
        );
        // A class set where there was none is shown as such.
        let mut unset = tenant();
        unset["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]
            .as_object_mut()
            .map(|s| s.remove("storageClassName"));
        let v = judge(&unset, &old);
        assert_eq!(
            v.changes[0].change,
            "pool `pool-0`: storage class nothing to standard"
        );
        // The same size in other units is no change (`Cmp` compares quantities).
        let mut same = tenant();
        same["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] =
            json!("512000Mi");
        let v = judge(&old, &same);
        assert!(v.changes.is_empty(), "{v:#?}");
    }

    /// A pool left out of the Tenant: `checkForPoolDecommission` restarts MinIO and deletes
    /// the `StatefulSet` without moving data.
    #[test]
    fn a_pool_left_out_restarts_minio_and_waits_for_its_decommission() {
        let two = with_pool(tenant(), "pool-1");
        let v = judge(&two, &tenant());
        assert_eq!(
            classes(&v),
            [(Kind::PoolRemoved, Some("pool-1"), Disruption::Simultaneous)]
        );
        assert!(v.changes[0].cause.contains("StatefulSet `t-pool-1`"));
        assert!(v.changes[0].todo.contains("mc admin decommission status"));
    }
}
