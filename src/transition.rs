//! What may not change between the Tenant already in an output folder and a new render.
//!
//! MinIO Operator v6 cannot change an existing pool's servers or volumes per server (the CRD
//! refuses it with `self == oldSelf`), nor its volume size or storage class (the `StatefulSet`'s
//! volume claim templates are immutable). A render that would do so is refused before anything
//! is written, unless the user explicitly accepts rebuilding the pool and losing its data.

use serde_json::Value;

/// One change to an existing pool that the operator cannot apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The pool.
    pub pool: String,
    /// The Tenant field, such as `servers`; `None` when the whole pool disappears.
    pub field: Option<&'static str>,
    /// The value in the folder.
    pub old: String,
    /// The value in the new render.
    pub new: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field {
            Some(field) => write!(
                f,
                "pool `{}`: `{field}` would change from {} to {}, which MinIO Operator v6 cannot do to an existing pool",
                self.pool, self.old, self.new
            ),
            None => write!(
                f,
                "pool `{}` would be removed from the Tenant, destroying the data it holds",
                self.pool
            ),
        }
    }
}

const FIELDS: [(&str, &str); 4] = [
    ("servers", "/servers"),
    ("volumesPerServer", "/volumesPerServer"),
    (
        "storage",
        "/volumeClaimTemplate/spec/resources/requests/storage",
    ),
    (
        "storageClassName",
        "/volumeClaimTemplate/spec/storageClassName",
    ),
];

/// The changes from `old` to `new` Tenant that the operator cannot apply.
#[must_use]
pub fn pool_changes(old: &Value, new: &Value) -> Vec<Change> {
    let pools = |tenant: &Value| -> Vec<Value> {
        tenant
            .pointer("/spec/pools")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let new_pools = pools(new);
    let mut out = Vec::new();
    for old_pool in pools(old) {
        let name = old_pool["name"].as_str().unwrap_or_default().to_string();
        let Some(new_pool) = new_pools.iter().find(|p| p["name"] == old_pool["name"]) else {
            out.push(Change {
                pool: name,
                field: None,
                old: String::new(),
                new: String::new(),
            });
            continue;
        };
        for (field, pointer) in FIELDS {
            let (a, b) = (old_pool.pointer(pointer), new_pool.pointer(pointer));
            if a != b {
                let show = |v: Option<&Value>| v.map_or_else(|| "nothing".into(), Value::to_string);
                out.push(Change {
                    pool: name.clone(),
                    field: Some(field),
                    old: show(a),
                    new: show(b),
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
        let fields: Vec<Option<&str>> = changes.iter().map(|c| c.field).collect();
        assert_eq!(fields, [Some("servers"), Some("storage"), None]);
        assert_eq!(
            changes[0].to_string(),
            "pool `pool-0`: `servers` would change from 4 to 8, which MinIO Operator v6 cannot do to an existing pool"
        );
    }
}
