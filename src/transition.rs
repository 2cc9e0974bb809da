//! What changes between the Tenant already in an output folder and a new render, pool by pool,
//! and which of those changes MinIO Operator v6.0.2 can apply.
//!
//! A pool's `servers` and `volumesPerServer` cannot change once created (the CRD refuses it with
//! `self == oldSelf`), nor its storage class (a PVC keeps its class). Its volume size may grow:
//! the operator raises every PVC's request (`pkg/controller/pvc.go` `ExpandPVCs`) and never
//! lowers one, and Kubernetes cannot shrink a PVC. A pool that leaves the Tenant is deleted
//! (`pkg/controller/decomission.go` `checkForPoolDecommission`). This module only finds the
//! changes; `daytwo` decides what to say about them.

use serde_json::Value;

use crate::quantity;

/// What happens to one pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `servers` or `volumesPerServer` would change: the operator cannot.
    Layout(&'static str),
    /// The volume size would grow: the operator expands the PVCs, if the StorageClass allows it.
    Grows,
    /// The volume size would shrink: nothing can.
    Shrinks,
    /// The volumes' StorageClass would change: a PVC keeps its class.
    StorageClass,
    /// The pool would leave the Tenant: the operator deletes its `StatefulSet`.
    Removed,
}

/// One change to an existing pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The pool.
    pub pool: String,
    /// What changes.
    pub kind: Kind,
    /// The value in the folder (empty for a removed pool).
    pub old: String,
    /// The value in the new render (empty for a removed pool).
    pub new: String,
}

impl Change {
    /// Whether the operator can apply the change without losing data; growth needs a
    /// StorageClass that allows expansion, which `daytwo` says.
    #[must_use]
    pub fn applicable(&self) -> bool {
        self.kind == Kind::Grows
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pool = &self.pool;
        let (old, new) = (&self.old, &self.new);
        match self.kind {
            Kind::Layout(field) => write!(
                f,
                "pool `{pool}`: `{field}` would change from {old} to {new}, which MinIO Operator v6 cannot do to an existing pool"
            ),
            Kind::Grows => write!(f, "pool `{pool}`: volumes grow from {old} to {new}"),
            Kind::Shrinks => write!(
                f,
                "pool `{pool}`: volumes would shrink from {old} to {new}, which no PersistentVolumeClaim can"
            ),
            Kind::StorageClass => write!(
                f,
                "pool `{pool}`: `storageClassName` would change from {old} to {new}, which an existing PersistentVolumeClaim cannot"
            ),
            Kind::Removed => write!(
                f,
                "pool `{pool}` would be removed from the Tenant before MinIO has decommissioned it, destroying the data it holds"
            ),
        }
    }
}

/// Where a pool's fields are in a Tenant's `spec.pools[]` entry.
pub const STORAGE: &str = "/volumeClaimTemplate/spec/resources/requests/storage";
/// The volumes' StorageClass in a pool entry.
pub const STORAGE_CLASS: &str = "/volumeClaimTemplate/spec/storageClassName";

/// The `spec.pools` entries of a Tenant object.
#[must_use]
pub fn pools(tenant: &Value) -> Vec<&Value> {
    tenant
        .pointer("/spec/pools")
        .and_then(Value::as_array)
        .map(|p| p.iter().collect())
        .unwrap_or_default()
}

/// The changes from `old` to `new` Tenant, pool by pool in the folder's order.
#[must_use]
pub fn pool_changes(old: &Value, new: &Value) -> Vec<Change> {
    let new_pools = pools(new);
    let show = |v: Option<&Value>| v.map_or_else(|| "nothing".into(), Value::to_string);
    let mut out = Vec::new();
    for old_pool in pools(old) {
        let name = old_pool["name"].as_str().unwrap_or_default().to_string();
        let Some(new_pool) = new_pools.iter().find(|p| p["name"] == old_pool["name"]) else {
            out.push(Change {
                pool: name,
                kind: Kind::Removed,
                old: String::new(),
                new: String::new(),
            });
            continue;
        };
        let mut push = |kind, pointer: &str| {
            let (a, b) = (old_pool.pointer(pointer), new_pool.pointer(pointer));
            if a != b {
                out.push(Change {
                    pool: name.clone(),
                    kind,
                    old: show(a),
                    new: show(b),
                });
            }
        };
        push(Kind::Layout("servers"), "/servers");
        push(Kind::Layout("volumesPerServer"), "/volumesPerServer");
        push(Kind::StorageClass, STORAGE_CLASS);
        let size = |pool: &Value| {
            pool.pointer(STORAGE)
                .and_then(Value::as_str)
                .map(|s| (s.to_string(), quantity::bytes(s).ok()))
        };
        if let (Some((a, a_bytes)), Some((b, b_bytes))) = (size(old_pool), size(new_pool))
            && a != b
        {
            // The operator compares quantities (`Cmp`), not strings: `1Ti` and `1024Gi` are
            // the same size, which the PVC keeps.
            let kind = match (a_bytes, b_bytes) {
                (Some(x), Some(y)) if y > x => Some(Kind::Grows),
                (Some(x), Some(y)) if y == x => None,
                _ => Some(Kind::Shrinks),
            };
            if let Some(kind) = kind {
                out.push(Change {
                    pool: name.clone(),
                    kind,
                    old: a,
                    new: b,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tenant(servers: u32, storage: &str, pools: &[&str]) -> Value {
        let pools: Vec<Value> = pools
            .iter()
            .map(|name| {
                json!({"name": name, "servers": servers, "volumesPerServer": 2, "volumeClaimTemplate":
                    {"spec": {"storageClassName": "standard", "resources": {"requests": {"storage": storage}}}}})
            })
            .collect();
        json!({"spec": {"pools": pools}})
    }

    #[test]
    fn growing_by_a_new_pool_is_fine() {
        assert!(
            pool_changes(
                &tenant(4, "500Gi", &["pool-0"]),
                &tenant(4, "500Gi", &["pool-0", "pool-1"])
            )
            .is_empty()
        );
    }

    #[test]
    fn resizing_or_removing_a_pool_is_caught() {
        let changes = pool_changes(
            &tenant(4, "500Gi", &["pool-0", "pool-1"]),
            &tenant(8, "1Ti", &["pool-0"]),
        );
        let kinds: Vec<Kind> = changes.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [Kind::Layout("servers"), Kind::Grows, Kind::Removed]);
        assert_eq!(
            changes[0].to_string(),
            "pool `pool-0`: `servers` would change from 4 to 8, which MinIO Operator v6 cannot do to an existing pool"
        );
        assert!(changes[1].applicable() && !changes[0].applicable());
    }

    /// `ExpandPVCs` raises a request only when `requestedStorage.Cmp(currentStorage) > 0`.
    #[test]
    fn volume_sizes_compare_as_quantities() {
        let grow = pool_changes(&tenant(4, "512Gi", &["p"]), &tenant(4, "0.5Ti", &["p"]));
        assert!(grow.is_empty(), "{grow:?}");
        let shrink = pool_changes(&tenant(4, "1Ti", &["p"]), &tenant(4, "1000Gi", &["p"]));
        assert_eq!(shrink[0].kind, Kind::Shrinks);
        assert!(!shrink[0].applicable());
    }
}
