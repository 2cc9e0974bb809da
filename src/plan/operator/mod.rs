//! What MinIO Operator does with the Tenant miniogen writes, keyed by operator version.
//!
//! A JSON Schema says what a Tenant may hold; this module says what the controller that reads it
//! does: which objects it creates for a tenant and each pool (so that miniogen never writes one
//! of them too), which metadata it copies into each pool's pod template and which Tenant and
//! pool fields reach that template (so that changing them rolls the MinIO pods), and the
//! PodDisruptionBudget it writes. Every rule lives in the module of the operator version it was
//! read from (`v6_0_2`) and names the operator file and function it mirrors; another version's
//! behaviour is added as a sibling module and a `Version` variant. The restart verdict compares
//! two Tenants through these rules. Pure functions over Tenant JSON, no IO.

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

    /// What applying `new` over `old` (two Tenant objects as JSON) makes the operator do.
    #[must_use]
    pub fn verdict(self, old: &Value, new: &Value) -> Verdict {
        match self {
            Version::V6_0_2 => v6_0_2::verdict(old, new),
        }
    }
}

/// What applying a new Tenant over the one in the cluster makes the operator do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The operator release the verdict is for.
    pub operator: Version,
    /// Each pool of the new Tenant, in its order.
    pub pools: Vec<PoolVerdict>,
    /// Everything else the operator will act on.
    pub actions: Vec<Action>,
}

impl Verdict {
    /// The operator release, as its tags name it.
    #[must_use]
    pub fn operator_name(&self) -> &'static str {
        self.operator.name()
    }

    /// Whether any pool's MinIO pods are restarted.
    #[must_use]
    pub fn restarts(&self) -> bool {
        self.pools.iter().any(|p| p.restart)
    }
}

/// One pool's part of a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolVerdict {
    /// Pool name.
    pub pool: String,
    /// Whether the pool is new: the operator creates its `StatefulSet`.
    pub new: bool,
    /// Whether the pool's pod template changes, so that its MinIO pods roll.
    pub restart: bool,
    /// What changes the pod template, one entry per field.
    pub causes: Vec<Cause>,
}

/// One field that changes a pod template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// The field, as a path in the Tenant such as `spec.image` or
    /// `spec.pools[pool-0].resources`; for metadata, the pod label or annotation key.
    pub field: String,
    /// The operator function that copies it into the template.
    pub source: &'static str,
}

impl Cause {
    /// The field as a person reads it, with what it means where miniogen knows: a Tenant path
    /// in backticks, a pod label or annotation as it is (its key is in backticks already).
    #[must_use]
    pub fn describe(&self) -> String {
        let field = &self.field;
        let shown = if field.starts_with("pod ") {
            field.clone()
        } else {
            format!("`{field}`")
        };
        let why = if field.contains(crate::plan::CONFIG_CHECKSUM) {
            " (the configuration MinIO reads at start-up changed)"
        } else if field.contains(crate::plan::SET_SIZE_ANNOTATION) {
            " (the erasure-set size)"
        } else if field.contains("kubectl.kubernetes.io/last-applied-configuration") {
            " (client-side `kubectl apply`: use server-side apply)"
        } else {
            ""
        };
        format!("{shown}{why}")
    }
}

/// Something besides pod restarts that the operator does with a changed Tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Buckets the operator creates; it never deletes one, nor changes an existing one.
    CreateBuckets {
        /// Their names.
        buckets: Vec<String>,
    },
    /// Buckets no longer listed: the operator leaves them and their objects in MinIO.
    BucketsKept {
        /// Their names.
        buckets: Vec<String>,
    },
    /// Users added to `spec.users`: the operator provisions users once per tenant, so these are
    /// created only if the tenant never provisioned any.
    UsersOnlyOnFirstProvisioning {
        /// Their Secrets.
        users: Vec<String>,
    },
    /// A pool's volume claims grow in place.
    ExpandVolumes {
        /// The pool.
        pool: String,
        /// The size requested before.
        from: String,
        /// The size requested now.
        to: String,
    },
    /// A new pool: the operator creates its `StatefulSet`, then restarts the MinIO server
    /// processes of the existing pools through the admin API (not their pods), so that they
    /// take the new pool in.
    AddPool {
        /// The pool.
        pool: String,
    },
    /// A pool left the Tenant: the operator decommissions it and deletes every
    /// PodDisruptionBudget labelled with the tenant.
    RemovePool {
        /// The pool.
        pool: String,
    },
    /// A setting the operator reconciles into its Services changed.
    UpdateServices {
        /// The Tenant field.
        field: String,
    },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[String]| {
            items
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Action::CreateBuckets { buckets } => write!(
                f,
                "creates bucket(s) {} (it never changes or deletes an existing bucket)",
                list(buckets)
            ),
            Action::BucketsKept { buckets } => write!(
                f,
                "leaves bucket(s) {} and their objects in MinIO: it never deletes a bucket",
                list(buckets)
            ),
            Action::UsersOnlyOnFirstProvisioning { users } => write!(
                f,
                "does not create user(s) {} on a tenant that already provisioned its users \
                 (`status.provisionedUsers`)",
                list(users)
            ),
            Action::ExpandVolumes { pool, from, to } => write!(
                f,
                "grows the volume claims of pool `{pool}` from {from} to {to} in place"
            ),
            Action::AddPool { pool } => write!(
                f,
                "creates pool `{pool}`, then restarts MinIO in the existing pools through the \
                 admin API (the server processes, not the pods)"
            ),
            Action::RemovePool { pool } => write!(
                f,
                "decommissions pool `{pool}` and deletes the tenant's PodDisruptionBudgets"
            ),
            Action::UpdateServices { field } => {
                write!(f, "updates its Services for the change to `{field}`")
            }
        }
    }
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
