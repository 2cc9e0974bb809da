//! What may not change between the Tenant already in an output folder and a new render.
//!
//! MinIO Operator v6 cannot change an existing pool's servers or volumes per server (the CRD
//! refuses it with `self == oldSelf`), nor its volume size or storage class (the `StatefulSet`'s
//! volume claim templates are immutable). A render that would do so is refused before anything
//! is written, unless the user explicitly accepts rebuilding the pool and losing its data. The
//! same holds for a pool's erasure-set size: MinIO refuses to start on drives formatted with
//! another one (minio/minio `cmd/format-erasure.go` `checkFormatErasureValues`: "already
//! formatted with %d drives per erasure set. This cannot be changed").

use serde_json::Value;

use crate::erasure;
use crate::plan::SET_SIZE_ANNOTATION;

/// The field name a set-size change is reported under.
pub const SET_SIZE_FIELD: &str = "erasure-set size";

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
            Some(SET_SIZE_FIELD) => write!(
                f,
                "pool `{}`: its erasure-set size would change from {} to {} drives, but MinIO \
                 refuses to start on drives formatted with another set size",
                self.pool, self.old, self.new
            ),
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

impl Change {
    /// How to avoid the change, for the message that refuses it.
    #[must_use]
    pub fn help(&self) -> String {
        if self.field == Some(SET_SIZE_FIELD) {
            let keep = if self.new.parse::<u32>().ok() < self.old.parse::<u32>().ok() {
                "`tenant.erasure_sets = \"largest\"`"
            } else {
                "`tenant.erasure_sets = \"quorum-safe\"`"
            };
            format!(
                "keep the formatted sets of {} with {keep}; pass `--accept-pool-rebuild` only if \
                 the pool and its data may be destroyed",
                self.old
            )
        } else {
            "to grow, keep the existing pool as it is and add one under `[[pools]]`; pass \
             `--accept-pool-rebuild` only if the pool and its data may be destroyed"
                .into()
        }
    }
}

/// A pool's erasure-set size as the Tenant records it; a pool written before miniogen recorded
/// it has MinIO's own choice, as miniogen never set `MINIO_ERASURE_SET_DRIVE_COUNT` then.
fn set_size(pool: &Value) -> Option<u32> {
    let recorded = pool
        .pointer(&format!(
            "/annotations/{}",
            SET_SIZE_ANNOTATION.replace('~', "~0").replace('/', "~1")
        ))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok());
    let count = |key: &str| {
        pool.get(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    recorded.or_else(|| erasure::set_size(count("servers")?, count("volumesPerServer")?).ok())
}

/// What applying the `new` Tenant over the `old` one (the one in an output folder, as the
/// cluster holds it) makes the pinned MinIO Operator do: per pool, whether its MinIO pods
/// restart and which field causes it, and everything else it will act on.
#[must_use]
pub fn verdict(old: &Value, new: &Value) -> crate::operator::Verdict {
    crate::operator::PINNED.verdict(old, new)
}

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
        // A new shape changes the set size too; that change is reported for the shape.
        let same_shape = ["servers", "volumesPerServer"]
            .iter()
            .all(|k| old_pool.get(k) == new_pool.get(k));
        let (a, b) = (set_size(&old_pool), set_size(new_pool));
        if same_shape
            && a != b
            && let (Some(a), Some(b)) = (a, b)
        {
            out.push(Change {
                pool: name.clone(),
                field: Some(SET_SIZE_FIELD),
                old: a.to_string(),
                new: b.to_string(),
            });
        }
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

    #[test]
    fn the_erasure_set_size_of_formatted_drives_is_kept() {
        // A pool written before the size was recorded has MinIO's own: 16 for 8 x 2.
        let old = tenant(8, "500Gi", &["pool-0"]);
        let mut new = old.clone();
        new["spec"]["pools"][0]["annotations"] = json!({SET_SIZE_ANNOTATION: "8"});
        let changes = pool_changes(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (
                changes[0].field,
                changes[0].old.as_str(),
                changes[0].new.as_str()
            ),
            (Some(SET_SIZE_FIELD), "16", "8")
        );
        assert!(
            changes[0]
                .help()
                .contains("`tenant.erasure_sets = \"largest\"`")
        );
        // Recorded on both sides and equal: nothing to refuse.
        let mut recorded = old;
        recorded["spec"]["pools"][0]["annotations"] = json!({SET_SIZE_ANNOTATION: "16"});
        assert!(pool_changes(&recorded, &recorded.clone()).is_empty());
        assert_eq!(pool_changes(&recorded, &new)[0].old, "16");
    }
}
