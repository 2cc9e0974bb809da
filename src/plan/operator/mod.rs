//! What MinIO Operator does with the Tenant miniogen writes, keyed by operator version.
//!
//! A JSON Schema says what a Tenant may hold; this module says what the controller that reads it
//! does: which objects it creates for a tenant and each pool (so that miniogen never writes one
//! of them too), which metadata it copies into each pool's pod template and which Tenant and
//! pool fields reach that template (so that changing them rolls the MinIO pods), and the
//! PodDisruptionBudget it writes; and, for a change to a running tenant, what applying it makes
//! the operator and MinIO do: a `Disruption` per change (`none`, `rolling`, `simultaneous`,
//! `manual`, `blocked`) with its cause and what to do, and the order to apply changes in when
//! they must not go together. Every rule lives in the module of the operator version it was
//! read from (`v6_0_2`, with MinIO at the release miniogen pins) and names the upstream file and
//! function it mirrors; another version's behaviour is added as a sibling module and a `Version`
//! variant. Pure functions over Tenant JSON and `config.env` variables, no IO.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

pub mod v6_0_2;

/// A MinIO Operator release whose behaviour is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Version {
    /// MinIO Operator v6.0.2, the release miniogen targets.
    #[serde(rename = "v6.0.2")]
    V6_0_2,
}

/// The operator release miniogen's output is written for.
pub const PINNED: Version = Version::V6_0_2;

/// An object the operator creates and keeps reconciled.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Owned {
    /// Its kind.
    pub kind: &'static str,
    /// Its namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// The operator function that writes it.
    pub source: &'static str,
}

/// The PodDisruptionBudget the operator writes for a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// Object name.
    pub name: String,
    /// `spec.minAvailable`, in pods (servers).
    pub min_available: u32,
    /// Servers it lets go at once: the pool's servers minus `min_available`.
    pub allows_down: u32,
    /// Its labels, which are also its selector.
    pub labels: BTreeMap<String, String>,
}

/// Labels and annotations of a pool's pod template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PodMetadata {
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
}

/// The port of the `minio` service the operator creates for a tenant, which every client in the
/// cluster addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServicePort {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Service port.
    pub port: u16,
    /// Service port name.
    pub port_name: &'static str,
}

/// A label or annotation a GitOps tool writes on every object it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GitopsKey {
    /// The tool and mode, such as `Argo CD, label tracking`.
    pub tool: &'static str,
    /// `label` or `annotation`.
    pub on: &'static str,
    /// The key.
    pub key: &'static str,
    /// Whether the operator copies it from the Tenant into every pod template.
    pub reaches_pods: bool,
    /// When its value on the Tenant changes, which rolls every pool's pods.
    pub changes_when: &'static str,
}

/// Where a field that reaches the pod template lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// In the Tenant, from its root: every pool's template.
    Tenant,
    /// In one entry of `spec.pools`: that pool's template only.
    Pool,
}

/// A Tenant or pool field the operator puts into a pool's pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateField {
    /// Where it lives.
    pub scope: Scope,
    /// JSON Pointer from the Tenant (`Scope::Tenant`) or the pool (`Scope::Pool`).
    pub pointer: &'static str,
    /// The operator function that copies it.
    pub source: &'static str,
}

impl Version {
    /// The release, as the operator's tags name it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Version::V6_0_2 => "v6.0.2",
        }
    }

    /// The PodDisruptionBudget the operator writes for a pool of `servers` servers, or `None`
    /// when it writes none for such a pool.
    #[must_use]
    pub fn disruption_budget(self, tenant: &str, pool: &str, servers: u32) -> Option<Budget> {
        match self {
            Version::V6_0_2 => v6_0_2::disruption_budget(tenant, pool, servers),
        }
    }

    /// The port of the tenant's `minio` service, with TLS on (auto-cert or your certificate) or
    /// off.
    #[must_use]
    pub fn minio_service(self, tls: bool) -> ServicePort {
        match self {
            Version::V6_0_2 => v6_0_2::minio_service(tls),
        }
    }

    /// The names of the tenant's `minio` service in `namespace`, the one clients use first.
    #[must_use]
    pub fn minio_hosts(self, namespace: &str, cluster_domain: &str) -> [String; 3] {
        match self {
            Version::V6_0_2 => v6_0_2::minio_hosts(namespace, cluster_domain),
        }
    }

    /// Every object the operator creates for `tenant` (a Tenant object as JSON).
    #[must_use]
    pub fn owned_objects(self, tenant: &Value) -> Vec<Owned> {
        match self {
            Version::V6_0_2 => v6_0_2::owned_objects(tenant),
        }
    }

    /// The labels and annotations the operator gives the pod template of `pool` (one entry of
    /// the Tenant's `spec.pools`).
    #[must_use]
    pub fn pod_metadata(self, tenant: &Value, pool: &Value) -> PodMetadata {
        match self {
            Version::V6_0_2 => v6_0_2::pod_metadata(tenant, pool),
        }
    }

    /// The Tenant and pool fields, besides metadata, that reach a pool's pod template.
    #[must_use]
    pub fn template_fields(self) -> &'static [TemplateField] {
        match self {
            Version::V6_0_2 => v6_0_2::TEMPLATE_FIELDS,
        }
    }

    /// What applying `new` over `old` (Tenant objects as JSON, with their configuration when
    /// known) makes the operator and MinIO do, change by change.
    #[must_use]
    pub fn verdict(self, old: Side<'_>, new: Side<'_>) -> Verdict {
        match self {
            Version::V6_0_2 => v6_0_2::changes::verdict(old, new),
        }
    }

    /// The variables of a `config.env` text, read as the operator's sidecar reads them.
    #[must_use]
    pub fn parse_config_env(self, text: &str) -> ConfigEnv {
        match self {
            Version::V6_0_2 => v6_0_2::changes::parse_config_env(text),
        }
    }

    /// What applying a change to the settings of `bucket`, which exists, does: from `was` to
    /// `will` (for people); `weakens` when it lowers a compliance retention the site file has
    /// not acknowledged lowering.
    #[must_use]
    pub fn bucket_effect(
        self,
        bucket: &str,
        kind: BucketKind,
        (was, will): (&str, &str),
        weakens: bool,
    ) -> Effect {
        match self {
            Version::V6_0_2 => v6_0_2::changes::bucket_effect(bucket, kind, (was, will), weakens),
        }
    }

    /// The metadata Argo CD and Flux put on every object they apply, and what the operator
    /// does with it on a Tenant.
    #[must_use]
    pub fn gitops_metadata(self) -> &'static [GitopsKey] {
        match self {
            Version::V6_0_2 => v6_0_2::changes::GITOPS_METADATA,
        }
    }
}

/// What applying a change makes the MinIO servers go through: the five words `check` and
/// `gen --out` print for each change, and that `--format json` gives CI to gate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Disruption {
    /// No MinIO process restarts.
    None,
    /// The pods of a pool restart one at a time: the operator replaces the pod template.
    Rolling,
    /// Every MinIO process restarts at once, by the operator's doing.
    Simultaneous,
    /// Takes effect only after an action miniogen names, such as restarting every server.
    Manual,
    /// The operator or MinIO refuses it, or loops on it: not to be applied.
    Blocked,
}

impl Disruption {
    /// The word, as JSON and messages print it.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Disruption::None => "none",
            Disruption::Rolling => "rolling",
            Disruption::Simultaneous => "simultaneous",
            Disruption::Manual => "manual",
            Disruption::Blocked => "blocked",
        }
    }
}

impl fmt::Display for Disruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// What a change is, for telling which changes may be applied together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `spec.image`.
    Image,
    /// `config.env` (the configuration Secret) or the Tenant's `spec.env`, which the operator
    /// writes into it.
    Configuration,
    /// A field the operator copies into a pool's pod template.
    PodTemplate,
    /// A label or annotation the operator copies into a pool's pod template.
    PodMetadata,
    /// A pool new to the Tenant.
    PoolAdded,
    /// A pool that leaves the Tenant.
    PoolRemoved,
    /// A pool's servers, volumes, storage class or volume size that cannot change.
    PoolReshaped,
    /// A pool's volume claims grow.
    Volumes,
    /// Buckets listed or no longer listed.
    Buckets,
    /// Users of `spec.users`.
    Users,
    /// Settings of the Services the operator writes.
    Services,
    /// Object lock, versioning, retention, lifecycle or quota of a bucket that exists.
    BucketSettings,
    /// Changes that must not be applied together.
    Combined,
}

/// What changes in one bucket that exists, between the settings the folder records and the
/// render's. MinIO fixes object lock when it creates a bucket (`MakeBucket` with
/// `LockEnabled`, `cmd/erasure-server-pool.go`) and refuses it afterwards
/// (`PutBucketObjectLockConfigHandler`, `cmd/bucket-handlers.go`:
/// `ErrObjectLockConfigurationNotAllowed`); a default retention may be changed at any time and
/// applies to versions written afterwards, each version keeping the retain-until date it was
/// written with (`checkPutObjectLockAllowed`, `cmd/bucket-object-lock.go`); the bucket job only
/// sets what the site declares, so a setting the site drops stays in MinIO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BucketKind {
    /// The render asks for a lock on a bucket created without one.
    LockAdded,
    /// The render drops the lock of a bucket created with one.
    LockRemoved,
    /// The default retention gets shorter, in the same mode.
    RetentionShorter,
    /// The default retention gets longer, in the same mode.
    RetentionLonger,
    /// Compliance becomes governance, or the retention is dropped from a compliance bucket.
    ModeWeakened,
    /// Governance becomes compliance.
    ModeStrengthened,
    /// The governance retention is dropped from the site: MinIO keeps it.
    RetentionDropped,
    /// Versioning is turned off on a bucket that is not locked: MinIO keeps it on.
    VersioningDropped,
    /// The noncurrent lifecycle is dropped: MinIO keeps the rule.
    LifecycleDropped,
    /// The quota is dropped: MinIO keeps it.
    QuotaDropped,
    /// Any other setting changes: the bucket job applies it.
    Reapplied,
}

/// One change between the Tenant (and configuration) in the cluster and a new render, and what
/// applying it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// What changes, for telling which changes go together.
    pub kind: Kind,
    /// The pool it is about; `None` for the whole tenant.
    pub pool: Option<String>,
    /// The change, such as `` `spec.image` from `A` to `B` ``.
    pub change: String,
    /// What applying it makes happen to the MinIO servers.
    pub disruption: Disruption,
    /// Why: what the operator and MinIO do with it.
    pub cause: String,
    /// The upstream functions that do it, file and name.
    pub source: &'static str,
    /// What to do before or after applying it; empty when nothing.
    pub todo: String,
}

/// What applying a new render over the Tenant and configuration in the cluster does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The operator release the verdict is for.
    pub operator: Version,
    /// Every change, tenant-wide ones first, then by pool in the new Tenant's order.
    pub changes: Vec<Effect>,
    /// When changes must not be applied together: the order to apply them in, one commit each.
    pub steps: Vec<String>,
}

impl Verdict {
    /// The operator release, as its tags name it.
    #[must_use]
    pub fn operator_name(&self) -> &'static str {
        self.operator.name()
    }

    /// The worst disruption of any change; `None` when nothing changes.
    #[must_use]
    pub fn worst(&self) -> Disruption {
        self.changes
            .iter()
            .map(|c| c.disruption)
            .max()
            .unwrap_or(Disruption::None)
    }

    /// Whether `steps` puts a configuration change last, after what restarts MinIO in place:
    /// the first step then keeps `config.env` as the cluster has it.
    #[must_use]
    pub fn configuration_last(&self) -> bool {
        !self.steps.is_empty()
            && self.changes.iter().any(|c| c.kind == Kind::Configuration)
            && !self.changes.iter().any(|c| c.kind == Kind::PoolAdded)
    }

    /// The changes nothing may apply: the operator or MinIO refuses or loops on them.
    pub fn blocked(&self) -> impl Iterator<Item = &Effect> {
        self.changes
            .iter()
            .filter(|c| c.disruption == Disruption::Blocked)
    }
}

/// The variables of `config.env` as the operator's sidecar reads them (name to value, a
/// credential's value or template included): never printed, only compared.
pub type ConfigEnv = BTreeMap<String, String>;

/// One side of a comparison: a Tenant object as JSON, and the configuration it runs with when
/// known (`None` when the configuration Secret is not miniogen's to see).
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The Tenant.
    pub tenant: &'a Value,
    /// `config.env`'s variables.
    pub config: Option<&'a ConfigEnv>,
}

/// The pools of a Tenant object, by name, in order.
pub(crate) fn pools(tenant: &Value) -> Vec<(&str, &Value)> {
    tenant
        .pointer("/spec/pools")
        .and_then(Value::as_array)
        .map(|pools| {
            pools
                .iter()
                .map(|p| (p.get("name").and_then(Value::as_str).unwrap_or_default(), p))
                .collect()
        })
        .unwrap_or_default()
}

/// A string map at `pointer`, empty when absent; values that are not strings are shown as
/// JSON, as the API server would refuse them anyway.
pub(crate) fn string_map(value: &Value, pointer: &str) -> BTreeMap<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The keys whose values differ between two maps, in order.
pub(crate) fn changed_keys(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Vec<String> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .cloned()
        .collect()
}

/// A JSON Pointer as a dotted Tenant path: `/spec/image` → `spec.image`.
pub(crate) fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tenant(image: &str, annotations: &Value) -> Value {
        json!({
            "metadata": {"name": "t", "namespace": "ns"},
            "spec": {
                "image": image,
                "requestAutoCert": true,
                "pools": [{"name": "pool-0", "servers": 4, "volumesPerServer": 2,
                           "annotations": annotations}]
            }
        })
    }

    /// Each question about the operator reaches the pinned release's rules.
    #[test]
    fn the_pinned_release_answers_through_its_rules() {
        assert_eq!(PINNED.name(), "v6.0.2");
        assert_eq!(
            PINNED.minio_service(true),
            ServicePort {
                scheme: "https",
                port: 443,
                port_name: "https-minio"
            }
        );
        assert_eq!(PINNED.minio_service(false).port, 80);
        assert_eq!(
            PINNED.minio_hosts("chat", "example.org"),
            ["minio.chat.svc.example.org", "minio.chat.svc", "minio.chat"]
        );
        let budget = PINNED.disruption_budget("t", "pool-0", 8);
        assert_eq!(
            budget.map(|b| (b.name, b.min_available)),
            Some(("t-pool-0".into(), 5))
        );
        assert_eq!(PINNED.template_fields(), v6_0_2::TEMPLATE_FIELDS);
        let t = tenant("a", &json!({"x": "1"}));
        let owned = PINNED.owned_objects(&t);
        assert!(
            owned
                .iter()
                .any(|o| o.kind == "StatefulSet" && o.name == "t-pool-0")
        );
        let meta = PINNED.pod_metadata(&t, &t["spec"]["pools"][0]);
        assert_eq!(meta.annotations.get("x").map(String::as_str), Some("1"));
        assert_eq!(
            meta.labels.get("v1.min.io/pool").map(String::as_str),
            Some("pool-0")
        );
    }

    /// An unchanged Tenant gives no change; a changed image and pool annotation give one change
    /// each, with their classes, and the verdict names the release it is for.
    #[test]
    fn a_verdict_classes_each_change() {
        let side = |tenant| Side {
            tenant,
            config: None,
        };
        let old = tenant(
            "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z",
            &json!({"x": "1"}),
        );
        let same = PINNED.verdict(side(&old), side(&old));
        assert!(same.changes.is_empty(), "{same:?}");
        assert_eq!(same.worst(), Disruption::None);
        assert_eq!(same.operator_name(), "v6.0.2");
        let new = tenant(
            "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
            &json!({"x": "2"}),
        );
        let changed = PINNED.verdict(side(&old), side(&new));
        let classes: Vec<(Kind, Option<&str>, Disruption)> = changed
            .changes
            .iter()
            .map(|c| (c.kind, c.pool.as_deref(), c.disruption))
            .collect();
        assert_eq!(
            classes,
            [
                (Kind::Image, None, Disruption::Simultaneous),
                (Kind::PodMetadata, Some("pool-0"), Disruption::Rolling),
            ]
        );
        assert_eq!(changed.worst(), Disruption::Simultaneous);
        assert_eq!(changed.blocked().count(), 0);
    }

    #[test]
    fn maps_pointers_and_keys() {
        let value = json!({"m": {"a": "1", "b": 2}});
        let map = string_map(&value, "/m");
        assert_eq!(
            map,
            BTreeMap::from([("a".to_string(), "1".to_string()), ("b".into(), "2".into())])
        );
        let mut other = map.clone();
        other.insert("b".into(), "3".into());
        other.insert("c".into(), "4".into());
        other.remove("a");
        assert_eq!(changed_keys(&map, &other), ["a", "b", "c"]);
        assert!(changed_keys(&map, &map).is_empty());
        assert_eq!(dotted("/spec/pools"), "spec.pools");
        assert_eq!(
            pools(&json!({"spec": {"pools": [{"name": "p"}, {}]}}))
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>(),
            ["p", ""]
        );
    }

    /// The words `check` prints and `--format json` gives CI, one per class, and the
    /// operator's own readings reached through the pinned release.
    #[test]
    fn each_class_has_its_word_and_the_release_its_readings() {
        let words: Vec<String> = [
            Disruption::None,
            Disruption::Rolling,
            Disruption::Simultaneous,
            Disruption::Manual,
            Disruption::Blocked,
        ]
        .iter()
        .map(|d| {
            assert_eq!(json!(d), json!(d.word()));
            d.to_string()
        })
        .collect();
        assert_eq!(
            words,
            ["none", "rolling", "simultaneous", "manual", "blocked"]
        );
        assert_eq!(
            PINNED.parse_config_env("export MINIO_X=\"1\"\n"),
            ConfigEnv::from([("MINIO_X".to_string(), "1".to_string())])
        );
        assert!(
            PINNED
                .gitops_metadata()
                .iter()
                .any(|k| k.key == "argocd.argoproj.io/tracking-id")
        );
    }

    /// `configuration_last`: steps that put `config.env` after what restarts MinIO in place,
    /// which a new pool's steps never do (its configuration goes first).
    #[test]
    fn configuration_goes_last_only_beside_a_restart_without_a_new_pool() {
        let (a, b) = (
            PINNED.parse_config_env("export MINIO_X=\"1\"\n"),
            PINNED.parse_config_env("export MINIO_X=\"2\"\n"),
        );
        let old = tenant(
            "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z",
            &json!({}),
        );
        let mut rolled = old.clone();
        rolled["spec"]["pools"][0]["annotations"] = json!({"x": "1"});
        let verdict = |new: &Value, config: &ConfigEnv| {
            PINNED.verdict(
                Side {
                    tenant: &old,
                    config: Some(&a),
                },
                Side {
                    tenant: new,
                    config: Some(config),
                },
            )
        };
        // A roll and a configuration change: the roll first, the configuration last.
        assert!(verdict(&rolled, &b).configuration_last());
        // The configuration alone, or the roll alone: no steps.
        assert!(!verdict(&old, &b).configuration_last());
        assert!(!verdict(&rolled, &a).configuration_last());
        // A new pool with the configuration: the configuration goes first.
        let mut grown = old.clone();
        let mut pool = old["spec"]["pools"][0].clone();
        pool["name"] = json!("pool-1");
        grown["spec"]["pools"]
            .as_array_mut()
            .unwrap_or_else(|| panic!())
            .push(pool);
        let v = verdict(&grown, &b);
        assert!(!v.steps.is_empty() && !v.configuration_last(), "{v:#?}");
        // A new pool with a roll but no configuration change.
        grown["spec"]["pools"][0]["annotations"] = json!({"x": "1"});
        let v = verdict(&grown, &a);
        assert!(!v.steps.is_empty() && !v.configuration_last(), "{v:#?}");
    }
}
