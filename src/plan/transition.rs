//! What changes between the Tenant already in an output folder and a new render, pool by pool,
//! and which of those changes MinIO Operator v6.0.2 can apply.
//!
//! A pool's `servers` and `volumesPerServer` cannot change once created (the CRD refuses it with
//! `self == oldSelf`), nor its storage class (a PVC keeps its class). Its volume size may grow:
//! the operator raises every PVC's request (`pkg/controller/pvc.go` `ExpandPVCs`) and never
//! lowers one, and Kubernetes cannot shrink a PVC. A pool that leaves the Tenant is deleted
//! (`pkg/controller/decomission.go` `checkForPoolDecommission`). Nor can a pool's erasure-set
//! size change: MinIO refuses to start on drives formatted with another one (minio/minio
//! `cmd/format-erasure.go` `checkFormatErasureValues`: "already formatted with %d drives per
//! erasure set. This cannot be changed"). This module only finds the changes; `daytwo` decides
//! what to say about them, and `operator` what the operator does with the rest, given the two
//! Tenants and the `config.env` each side's objects hold (`config_env`).

use serde_json::Value;

use crate::model::quantity;
use crate::plan::SET_SIZE_ANNOTATION;
use crate::plan::erasure;
use crate::plan::operator::{self, ConfigEnv};

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
    /// The pool's erasure-set size would change: MinIO cannot reformat its drives.
    SetSize,
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
            Kind::SetSize => write!(
                f,
                "pool `{pool}`: its erasure-set size would change from {old} to {new} drives, but MinIO refuses to start on drives formatted with another set size"
            ),
        }
    }
}

impl Change {
    /// How to keep the formatted erasure-set size, for the message that refuses a change of it.
    #[must_use]
    pub fn set_size_help(&self) -> String {
        let keep = if self.new.parse::<u32>().ok() < self.old.parse::<u32>().ok() {
            "`tenant.erasure_sets = \"largest\"`"
        } else {
            "`tenant.erasure_sets = \"quorum-safe\"`"
        };
        format!(
            "keep the formatted sets of {} with {keep}; pass `--accept-pool-rebuild` only if the \
             pool and its data may be destroyed",
            self.old
        )
    }
}

/// A pool's erasure-set size as the Tenant records it; a pool written before miniogen recorded
/// it has MinIO's own choice, as miniogen never set `MINIO_ERASURE_SET_DRIVE_COUNT` then.
#[must_use]
pub fn set_size(pool: &Value) -> Option<u32> {
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

/// What applying the `new` Tenant and configuration over the `old` ones (those in an output
/// folder, as the cluster holds them) makes the pinned MinIO Operator and MinIO do, change by
/// change, with the `Disruption` of each. A configuration is `None` where the folder or the
/// render holds no configuration object (secrets mode `existing`).
#[must_use]
pub fn verdict(
    old: &Value,
    old_config: Option<&ConfigEnv>,
    new: &Value,
    new_config: Option<&ConfigEnv>,
) -> operator::Verdict {
    operator::PINNED.verdict(
        operator::Side {
            tenant: old,
            config: old_config,
        },
        operator::Side {
            tenant: new,
            config: new_config,
        },
    )
}

/// The `config.env` an object gives MinIO: the configuration Secret's (`stringData`, or `data`
/// in base64), or what the ExternalSecret that builds it templates, each placeholder such as
/// `{{ .root_password }}` replaced by the store entry it reads, so that another entry counts as
/// a change. `None` for any other object, or one without `config.env`.
#[must_use]
pub fn config_env(object: &Value) -> Option<ConfigEnv> {
    let key = crate::plan::CONFIG_ENV;
    let text = match object.get("kind").and_then(Value::as_str)? {
        "Secret" => {
            if let Some(text) = object.pointer(&format!("/stringData/{key}")) {
                text.as_str()?.to_string()
            } else {
                let encoded = object.pointer(&format!("/data/{key}"))?.as_str()?;
                let bytes = data_encoding::BASE64.decode(encoded.as_bytes()).ok()?;
                String::from_utf8(bytes).ok()?
            }
        }
        "ExternalSecret" => object
            .pointer(&format!("/spec/target/template/data/{key}"))?
            .as_str()?
            .to_string(),
        _ => return None,
    };
    let mut vars = operator::PINNED.parse_config_env(&text);
    for entry in object
        .pointer("/spec/data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |p: &str| entry.pointer(p).and_then(Value::as_str).unwrap_or_default();
        let placeholder = format!("{{{{ .{} }}}}", field("/secretKey"));
        let source = format!(
            "<store {}#{}>",
            field("/remoteRef/key"),
            field("/remoteRef/property")
        );
        for value in vars.values_mut() {
            *value = value.replace(&placeholder, &source);
        }
    }
    Some(vars)
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
        // A new shape changes the set size too; that change is reported for the shape.
        let same_shape = ["servers", "volumesPerServer"]
            .iter()
            .all(|k| old_pool.get(k) == new_pool.get(k));
        if same_shape
            && let (Some(a), Some(b)) = (set_size(old_pool), set_size(new_pool))
            && a != b
        {
            out.push(Change {
                pool: name.clone(),
                kind: Kind::SetSize,
                old: a.to_string(),
                new: b.to_string(),
            });
        }
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

pub use crate::plan::operator::BucketKind;

/// One change to a bucket's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketChange {
    /// The bucket.
    pub bucket: String,
    /// What changes.
    pub kind: BucketKind,
    /// The setting before, for people.
    pub old: String,
    /// The setting after, for people.
    pub new: String,
}

/// A retention for people: `governance 90 days`.
fn retention_text(r: Option<crate::plan::buckets::Retention>) -> String {
    r.map_or_else(
        || "none".to_string(),
        |r| format!("{} {} days", r.mode.name(), r.days),
    )
}

/// The changes to buckets that exist in the folder's Tenant `old`, whose settings the folder's
/// bucket job recorded in `recorded` (nothing for a folder from before the job), against the
/// render's `new` buckets.
#[must_use]
pub fn bucket_changes(
    old: &Value,
    recorded: &std::collections::BTreeMap<String, crate::plan::buckets::Recorded>,
    new: &[crate::plan::buckets::Bucket],
) -> Vec<BucketChange> {
    use crate::model::spec::RetentionMode::{Compliance, Governance};
    let mut out = Vec::new();
    let existing = old
        .pointer("/spec/buckets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for b in new {
        let Some(was) = existing.iter().find(|e| e["name"] == b.name.as_str()) else {
            continue;
        };
        let mut push = |kind, old: String, new: String| {
            out.push(BucketChange {
                bucket: b.name.clone(),
                kind,
                old,
                new,
            });
        };
        let locked = was
            .get("objectLock")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        match (locked, b.object_lock) {
            (false, true) => push(BucketKind::LockAdded, "no lock".into(), "lock".into()),
            (true, false) => push(BucketKind::LockRemoved, "lock".into(), "no lock".into()),
            _ => {}
        }
        let Some(r) = recorded.get(&b.name) else {
            continue;
        };
        if locked && b.object_lock {
            let (before, after) = (r.retention, b.retention);
            let text = (retention_text(before), retention_text(after));
            match (before, after) {
                (Some(x), Some(y)) if x.mode == Compliance && y.mode == Governance => {
                    push(BucketKind::ModeWeakened, text.0, text.1);
                }
                (Some(x), Some(y)) if x.mode == Governance && y.mode == Compliance => {
                    push(BucketKind::ModeStrengthened, text.0, text.1);
                }
                (Some(x), Some(y)) if y.days < x.days => {
                    push(BucketKind::RetentionShorter, text.0, text.1);
                }
                (Some(x), Some(y)) if y.days > x.days => {
                    push(BucketKind::RetentionLonger, text.0, text.1);
                }
                (Some(x), None) if x.mode == Compliance => {
                    push(BucketKind::ModeWeakened, text.0, text.1);
                }
                (Some(_), None) => push(BucketKind::RetentionDropped, text.0, text.1),
                _ => {}
            }
        }
        if r.versioning && !r.object_lock && !b.versioning {
            push(BucketKind::VersioningDropped, "on".into(), "off".into());
        }
        if let (Some(days), None) = (r.noncurrent_days, b.noncurrent_days) {
            push(
                BucketKind::LifecycleDropped,
                format!("{days} days"),
                "none".into(),
            );
        }
        if let (Some(q), None) = (&r.quota, &b.quota) {
            push(BucketKind::QuotaDropped, q.clone(), "none".into());
        }
        // What the bucket job sets anew, which nothing above names.
        let mut set = Vec::new();
        if b.versioning && !r.versioning {
            set.push("versioning turned on".to_string());
        }
        if let Some(days) = b.noncurrent_days.filter(|d| Some(*d) != r.noncurrent_days) {
            set.push(format!(
                "noncurrent versions expire after {days} days (were {})",
                r.noncurrent_days
                    .map_or_else(|| "kept for ever".to_string(), |d| format!("{d} days"))
            ));
        }
        let quota = b.quota.as_ref().map(|(text, _)| text);
        if let Some(q) = quota.filter(|q| Some(*q) != r.quota.as_ref()) {
            set.push(format!(
                "quota {q} (was {})",
                r.quota.as_deref().unwrap_or("none")
            ));
        }
        if locked && b.object_lock && r.retention.is_none() && b.retention.is_some() {
            set.push(format!("default retention {}", retention_text(b.retention)));
        }
        if !set.is_empty() {
            push(BucketKind::Reapplied, String::new(), set.join(", "));
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

    /// A PVC keeps the class it was bound with: a changed class is caught and never applicable.
    #[test]
    fn a_storage_class_change_is_caught() {
        let old = tenant(4, "500Gi", &["pool-0"]);
        let mut new = old.clone();
        new["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]["storageClassName"] = json!("fast");
        let changes = pool_changes(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind, Kind::StorageClass);
        assert!(!changes[0].applicable());
        assert_eq!(
            changes[0].to_string(),
            "pool `pool-0`: `storageClassName` would change from \"standard\" to \"fast\", which \
             an existing PersistentVolumeClaim cannot"
        );
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
                changes[0].kind,
                changes[0].old.as_str(),
                changes[0].new.as_str()
            ),
            (Kind::SetSize, "16", "8")
        );
        assert!(
            changes[0]
                .set_size_help()
                .contains("`tenant.erasure_sets = \"largest\"`")
        );
        // Recorded on both sides and equal: nothing to refuse.
        let mut recorded = old;
        recorded["spec"]["pools"][0]["annotations"] = json!({SET_SIZE_ANNOTATION: "16"});
        assert!(pool_changes(&recorded, &recorded.clone()).is_empty());
        assert_eq!(pool_changes(&recorded, &new)[0].old, "16");
        // Larger sets than the drives hold: keep the smaller, quorum-safe ones.
        let larger = &pool_changes(&new, &recorded)[0];
        assert_eq!((larger.old.as_str(), larger.new.as_str()), ("8", "16"));
        assert!(
            larger.set_size_help().contains(
                "keep the formatted sets of 8 with `tenant.erasure_sets = \"quorum-safe\"`"
            )
        );
    }

    /// `config.env` as each side's objects give it: the Secret's `stringData` or base64
    /// `data`, or the ExternalSecret's template with each placeholder named by the store entry
    /// it reads (another entry is another configuration); any other object gives none.
    #[test]
    fn config_env_is_read_from_the_object_that_holds_it() {
        let text = "export MINIO_ROOT_USER=\"admin\"\n";
        let admin = Some(ConfigEnv::from([(
            "MINIO_ROOT_USER".to_string(),
            "admin".to_string(),
        )]));
        let plain = json!({"kind": "Secret", "stringData": {"config.env": text}});
        assert_eq!(config_env(&plain), admin);
        let encoded = data_encoding::BASE64.encode(text.as_bytes());
        let data = json!({"kind": "Secret", "data": {"config.env": encoded}});
        assert_eq!(config_env(&data), admin);
        let external = json!({
            "kind": "ExternalSecret",
            "spec": {
                "target": {"template": {"data": {
                    "config.env": "export MINIO_ROOT_PASSWORD=\"{{ .root_password }}\"\n"
                }}},
                "data": [{"secretKey": "root_password",
                          "remoteRef": {"key": "minio", "property": "root"}}]
            }
        });
        assert_eq!(
            config_env(&external),
            Some(ConfigEnv::from([(
                "MINIO_ROOT_PASSWORD".to_string(),
                "<store minio#root>".to_string(),
            )]))
        );
        let other = json!({"kind": "ConfigMap", "data": {"config.env": text}});
        assert_eq!(config_env(&other), None);
    }

    /// Every case of `bucket_changes`, from a table written from what MinIO keeps and what the
    /// bucket job sets (`plan::buckets`), one bucket at a time: the lock the Tenant holds against
    /// the render's, and each recorded setting against the render's. A case names exactly the
    /// changes it must give, so a change reported where none happens fails too.
    /// One case: what it is, whether the Tenant holds the bucket locked, the recorded settings,
    /// the render's, and the changes it gives.
    type BucketCase = (
        &'static str,
        bool,
        crate::plan::buckets::Recorded,
        crate::plan::buckets::Recorded,
        Vec<(BucketKind, &'static str, &'static str)>,
    );

    #[test]
    #[allow(clippy::too_many_lines)] // one table of cases
    fn each_bucket_setting_change_is_named_exactly() {
        use crate::model::spec::RetentionMode::{Compliance, Governance};
        use crate::plan::buckets::{Bucket, Recorded, Retention, Role};
        let gov = |days| {
            Some(Retention {
                mode: Governance,
                days,
            })
        };
        let comp = |days| {
            Some(Retention {
                mode: Compliance,
                days,
            })
        };
        let base = Recorded {
            object_lock: true,
            versioning: true,
            retention: gov(90),
            noncurrent_days: Some(90),
            quota: None,
        };
        let bucket = |r: &Recorded| Bucket {
            name: "b".into(),
            region: None,
            role: Role::Plain,
            object_lock: r.object_lock,
            versioning: r.versioning,
            retention: r.retention,
            noncurrent_days: r.noncurrent_days,
            quota: r.quota.clone().map(|q| (q, 1)),
            churn_percent: 5,
            lowered_from: None,
        };
        let cases: Vec<BucketCase> = vec![
            ("nothing changes", true, base.clone(), base.clone(), vec![]),
            (
                "the lock leaves: only that, whatever the retention",
                true,
                base.clone(),
                Recorded {
                    object_lock: false,
                    retention: None,
                    ..base.clone()
                },
                vec![(BucketKind::LockRemoved, "lock", "no lock")],
            ),
            (
                "a lock on a bucket that has none",
                false,
                Recorded {
                    object_lock: false,
                    retention: None,
                    ..base.clone()
                },
                base.clone(),
                vec![(BucketKind::LockAdded, "no lock", "lock")],
            ),
            (
                "a governance retention dropped stays in MinIO",
                true,
                base.clone(),
                Recorded {
                    retention: None,
                    ..base.clone()
                },
                vec![(BucketKind::RetentionDropped, "governance 90 days", "none")],
            ),
            (
                "a compliance retention dropped is a weakening",
                true,
                Recorded {
                    retention: comp(90),
                    ..base.clone()
                },
                Recorded {
                    retention: None,
                    ..base.clone()
                },
                vec![(BucketKind::ModeWeakened, "compliance 90 days", "none")],
            ),
            (
                "versioning turned off on an unlocked bucket stays on in MinIO",
                false,
                Recorded {
                    object_lock: false,
                    retention: None,
                    ..base.clone()
                },
                Recorded {
                    object_lock: false,
                    retention: None,
                    versioning: false,
                    ..base.clone()
                },
                vec![(BucketKind::VersioningDropped, "on", "off")],
            ),
            (
                "versioning kept on an unlocked bucket",
                false,
                Recorded {
                    object_lock: false,
                    retention: None,
                    ..base.clone()
                },
                Recorded {
                    object_lock: false,
                    retention: None,
                    ..base.clone()
                },
                vec![],
            ),
            (
                "versioning turned on, noncurrent days and quota changed: the job sets them",
                false,
                Recorded {
                    object_lock: false,
                    versioning: false,
                    retention: None,
                    noncurrent_days: None,
                    quota: Some("1Ti".into()),
                },
                Recorded {
                    object_lock: false,
                    retention: None,
                    noncurrent_days: Some(30),
                    quota: Some("2Ti".into()),
                    ..base.clone()
                },
                vec![(
                    BucketKind::Reapplied,
                    "",
                    "versioning turned on, noncurrent versions expire after 30 days (were kept \
                     for ever), quota 2Ti (was 1Ti)",
                )],
            ),
            (
                "the same noncurrent days and quota: nothing to set",
                true,
                Recorded {
                    quota: Some("1Ti".into()),
                    ..base.clone()
                },
                Recorded {
                    quota: Some("1Ti".into()),
                    ..base.clone()
                },
                vec![],
            ),
            (
                "a quota and the lifecycle dropped stay in MinIO",
                true,
                Recorded {
                    quota: Some("1Ti".into()),
                    ..base.clone()
                },
                Recorded {
                    noncurrent_days: None,
                    ..base.clone()
                },
                vec![
                    (BucketKind::LifecycleDropped, "90 days", "none"),
                    (BucketKind::QuotaDropped, "1Ti", "none"),
                ],
            ),
        ];
        for (what, locked, recorded, new, expected) in cases {
            let old = json!({"spec": {"buckets": [{"name": "b", "objectLock": locked}]}});
            let records = std::collections::BTreeMap::from([("b".to_string(), recorded)]);
            let got: Vec<(BucketKind, String, String)> =
                bucket_changes(&old, &records, &[bucket(&new)])
                    .into_iter()
                    .map(|c| (c.kind, c.old, c.new))
                    .collect();
            let expected: Vec<(BucketKind, String, String)> = expected
                .into_iter()
                .map(|(k, o, n)| (k, o.to_string(), n.to_string()))
                .collect();
            assert_eq!(got, expected, "{what}");
        }
    }
}
