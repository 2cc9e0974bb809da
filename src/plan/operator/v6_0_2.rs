//! MinIO Operator v6.0.2, read from minio/operator at tag `v6.0.2`.
//!
//! Each rule names the file and function it mirrors; what applying a change does is in
//! `changes`, with MinIO's side read from minio/minio at `RELEASE.2025-09-07T16-13-09Z`. Only
//! what a Tenant written by miniogen can reach is modelled: KES (`spec.kes`), the operator's Prometheus integration
//! (`prometheusOperator`, which miniogen sets to `false`) and legacy `zone` `StatefulSets` are not.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Budget, Owned, PodMetadata, Scope, ServicePort, TemplateField, pools, string_map};

pub mod changes;

/// `pkg/resources/services/service.go`: the `minio` service serves HTTPS on 443
/// (`https-minio`) with TLS and HTTP on 80 (`http-minio`) without. Pods listen on 9000 either
/// way, but nothing in the cluster should address them directly.
#[must_use]
pub fn minio_service(tls: bool) -> ServicePort {
    let (scheme, port, port_name) = if tls {
        ("https", 443, "https-minio")
    } else {
        ("http", 80, "http-minio")
    };
    ServicePort {
        scheme,
        port,
        port_name,
    }
}

/// The names of the `minio` service that the operator's certificate holds (`AllMinIOHosts`,
/// `pkg/apis/minio.min.io/v2/helper.go`): first the FQDN with the operator's `CLUSTER_DOMAIN`
/// (`MinIOFQDNServiceName`, `names.go`, the certificate's common name), then `minio.<ns>.svc`
/// and `minio.<ns>`.
#[must_use]
pub fn minio_hosts(namespace: &str, cluster_domain: &str) -> [String; 3] {
    [
        format!("minio.{namespace}.svc.{cluster_domain}"),
        format!("minio.{namespace}.svc"),
        format!("minio.{namespace}"),
    ]
}

/// The label the operator puts on every object and pod of a tenant
/// (`pkg/apis/minio.min.io/v2/constants.go` `TenantLabel`).
pub const TENANT_LABEL: &str = "v1.min.io/tenant";
/// The label the operator puts on every pod of a pool (`constants.go` `PoolLabel`).
pub const POOL_LABEL: &str = "v1.min.io/pool";
/// The label that ties MinIO pods to the console (`constants.go` `ConsoleTenantLabel`).
pub const CONSOLE_LABEL: &str = "v1.min.io/console";
/// The annotation the operator adds to every pod template with `status.revision`
/// (`constants.go` `Revision`).
pub const REVISION_ANNOTATION: &str = "min.io/revision";

/// `pkg/controller/pdb.go` `CreateOrUpdatePDB`: once the tenant is `Initialized` and the pool's
/// `StatefulSet` has all its replicas ready, every pool with more than 2 servers gets a
/// PodDisruptionBudget `<tenant>-<pool>`, controller-owned by the Tenant, labelled and selecting
/// exactly `v1.min.io/tenant` and `v1.min.io/pool`, with `minAvailable` N - N/2 + 1 for an even
/// N and N - N/2 for an odd N. It is written with `CreateOrUpdate` on every reconcile, so any
/// other writer of that object is overwritten (and an object that also sets `maxUnavailable` is
/// refused by the API server, failing the reconcile).
#[must_use]
pub fn disruption_budget(tenant: &str, pool: &str, servers: u32) -> Option<Budget> {
    // "No PodDisruptionBudget for pools <= 2".
    if servers <= 2 || pool.trim().is_empty() {
        return None;
    }
    let min_available = if servers.is_multiple_of(2) {
        servers - servers / 2 + 1
    } else {
        servers - servers / 2
    };
    Some(Budget {
        name: format!("{tenant}-{pool}"),
        min_available,
        allows_down: servers - min_available,
        labels: BTreeMap::from([
            (TENANT_LABEL.to_string(), tenant.to_string()),
            (POOL_LABEL.to_string(), pool.to_string()),
        ]),
    })
}

pub(super) fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// `pkg/apis/minio.min.io/v2/helper.go` `AutoCert`: `requestAutoCert` unset means on.
fn auto_cert(tenant: &Value) -> bool {
    tenant
        .pointer("/spec/requestAutoCert")
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

/// Every object the operator creates for a tenant and its pools.
#[must_use]
pub fn owned_objects(tenant: &Value) -> Vec<Owned> {
    let name = str_at(tenant, "/metadata/name");
    let ns = Some(str_at(tenant, "/metadata/namespace").to_string());
    let owned = |kind, name: String, source| Owned {
        kind,
        namespace: ns.clone(),
        name,
        source,
    };
    let service_account = match str_at(tenant, "/spec/serviceAccountName") {
        // `helper.go` `EnsureDefaults`.
        "" => format!("{name}-sa"),
        given => given.to_string(),
    };
    let mut out = vec![
        // `names.go` `MinIOCIServiceName`: "DO NOT CHANGE, this should be constant".
        owned(
            "Service",
            "minio".into(),
            "pkg/controller/minio-services.go checkMinIOSvc (services.NewClusterIPForMinIO)",
        ),
        owned(
            "Service",
            format!("{name}-hl"),
            "pkg/controller/minio-services.go checkMinIOHLSvc (services.NewHeadlessForMinIO)",
        ),
        owned(
            "Service",
            format!("{name}-console"),
            "pkg/controller/console.go checkConsoleSvc (services.NewClusterIPForConsole)",
        ),
        owned(
            "ServiceAccount",
            service_account,
            "pkg/controller/service-account.go checkAndCreateServiceAccount",
        ),
        owned(
            "Role",
            format!("{name}-role"),
            "pkg/controller/service-account.go getTenantRole",
        ),
        owned(
            "RoleBinding",
            format!("{name}-binding"),
            "pkg/controller/service-account.go getRoleBinding",
        ),
    ];
    if auto_cert(tenant) {
        out.push(owned(
            "Secret",
            format!("{name}-tls"),
            "pkg/controller/minio.go createMinIOCSR (MinIOTLSSecretName)",
        ));
        // `names.go` `MinIOCSRName`: the namespace makes the cluster-wide name unique.
        out.push(Owned {
            kind: "CertificateSigningRequest",
            namespace: None,
            name: format!("{name}-{}-csr", ns.as_deref().unwrap_or_default()),
            source: "pkg/controller/minio.go createMinIOCSR (MinIOCSRName)",
        });
    }
    for (pool, value) in pools(tenant) {
        out.push(owned(
            "StatefulSet",
            format!("{name}-{pool}"),
            "pkg/resources/statefulsets/minio-statefulset.go NewPool (PoolStatefulsetName)",
        ));
        let servers = value
            .get("servers")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0);
        if let Some(budget) = disruption_budget(name, pool, servers) {
            out.push(owned(
                "PodDisruptionBudget",
                budget.name,
                "pkg/controller/pdb.go CreateOrUpdatePDB",
            ));
        }
    }
    out.sort();
    out
}

/// `pkg/resources/statefulsets/minio-statefulset.go` `PodMetadata`: the Tenant's own labels and
/// annotations, every one of them (`kubectl.kubernetes.io/last-applied-configuration`
/// included), then `min.io/revision`, `v1.min.io/tenant`, `v1.min.io/pool` and
/// `v1.min.io/console`, then the pool's `annotations` and `labels` over them (`MergeMaps`: the
/// pool wins).
#[must_use]
pub fn pod_metadata(tenant: &Value, pool: &Value) -> PodMetadata {
    let name = str_at(tenant, "/metadata/name");
    let mut annotations = string_map(tenant, "/metadata/annotations");
    // `t.Status.Revision`: miniogen never writes a status, and a status the cluster holds is the
    // same on both sides of a comparison.
    annotations.insert(
        REVISION_ANNOTATION.into(),
        tenant
            .pointer("/status/revision")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .to_string(),
    );
    let mut labels = string_map(tenant, "/metadata/labels");
    // `MinIOPodLabels`, `PoolLabel`, `ConsolePodLabels` (`ConsoleDeploymentName`).
    labels.insert(TENANT_LABEL.into(), name.into());
    labels.insert(POOL_LABEL.into(), str_at(pool, "/name").into());
    labels.insert(CONSOLE_LABEL.into(), format!("{name}-console"));
    annotations.extend(string_map(pool, "/annotations"));
    labels.extend(string_map(pool, "/labels"));
    PodMetadata {
        labels,
        annotations,
    }
}

const NEW_POOL: &str = "pkg/resources/statefulsets/minio-statefulset.go NewPool";
const SERVER_CONTAINER: &str =
    "pkg/resources/statefulsets/minio-statefulset.go poolMinioServerContainer";

/// The fields besides metadata that `NewPool` puts into a pool's pod template
/// (`pkg/resources/statefulsets/minio-statefulset.go`). `poolSSMatchesSpec`
/// (`pkg/controller/pools.go`) compares the whole expected `StatefulSet` spec with the existing
/// one, and on any difference `syncHandler` (`pkg/controller/main-controller.go`) replaces the
/// existing template with the expected one, which rolls the pool's pods. Fields absent here
/// (`servers`, `volumeClaimTemplate` sizes, `podManagementPolicy`, `users`, `buckets`,
/// `configuration` contents, `env`) do not reach the template: the update copies only
/// `spec.template` and `spec.updateStrategy`.
pub const TEMPLATE_FIELDS: &[TemplateField] = &[
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/image",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/imagePullPolicy",
        source: SERVER_CONTAINER,
    },
    // `TLS()` picks the console port and its argument.
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/requestAutoCert",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/externalCertSecret",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/externalCaCertSecret",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/externalClientCertSecrets",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/externalClientCertSecret",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/kes",
        source: NEW_POOL,
    },
    // The name only: the Secret's contents reach MinIO through the sidecar, not the template.
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/configuration",
        source: "pkg/resources/statefulsets/minio-statefulset.go NewPool, getSideCarContainer",
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/mountPath",
        source: "pkg/resources/statefulsets/minio-statefulset.go volumeMounts",
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/features",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/logging",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/liveness",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/readiness",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/startup",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/lifecycle",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/sideCars",
        source: "pkg/resources/statefulsets/minio-statefulset.go NewPool, getSideCarContainer",
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/initContainers",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/additionalVolumes",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/additionalVolumeMounts",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/serviceAccountName",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/priorityClassName",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/spec/imagePullSecret",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Tenant,
        pointer: "/scheduler",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/resources",
        source: SERVER_CONTAINER,
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/affinity",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/nodeSelector",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/tolerations",
        source: "pkg/resources/statefulsets/minio-statefulset.go poolTolerations",
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/topologySpreadConstraints",
        source: "pkg/resources/statefulsets/minio-statefulset.go poolTopologySpreadConstraints",
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/securityContext",
        source: "pkg/resources/statefulsets/minio-statefulset.go poolSecurityContext, \
                 poolContainerSecurityContext",
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/containerSecurityContext",
        source: "pkg/resources/statefulsets/minio-statefulset.go poolContainerSecurityContext",
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/runtimeClassName",
        source: NEW_POOL,
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/volumesPerServer",
        source: "pkg/resources/statefulsets/minio-statefulset.go volumeMounts",
    },
    TemplateField {
        scope: Scope::Pool,
        pointer: "/volumeClaimTemplate/metadata/name",
        source: "pkg/resources/statefulsets/minio-statefulset.go volumeMounts",
    },
];

/// A small Tenant for the tests of this version's rules.
#[cfg(test)]
fn example_tenant() -> Value {
    serde_json::json!({
        "apiVersion": "minio.min.io/v2",
        "kind": "Tenant",
        "metadata": {"name": "t", "namespace": "ns", "labels": {"app": "minio"}},
        "spec": {
            "image": "quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z",
            "requestAutoCert": true,
            "configuration": {"name": "cfg"},
            "buckets": [{"name": "a"}],
            "users": [],
            "pools": [{
                "name": "pool-0", "servers": 4, "volumesPerServer": 2,
                "resources": {"requests": {"cpu": "1"}},
                "volumeClaimTemplate": {"metadata": {"name": "data"},
                    "spec": {"storageClassName": "standard",
                        "resources": {"requests": {"storage": "500Gi"}}}}
            }]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tenant() -> Value {
        example_tenant()
    }

    /// `pkg/controller/pdb.go` `CreateOrUpdatePDB`: N - N/2 + 1 for even N, N - N/2 for odd N,
    /// nothing for 2 servers or fewer.
    #[test]
    fn the_operator_budget_follows_create_or_update_pdb() {
        let allowed: Vec<(u32, Option<(u32, u32)>)> = [1, 2, 3, 4, 5, 6, 8, 16]
            .into_iter()
            .map(|n| {
                (
                    n,
                    disruption_budget("t", "p", n).map(|b| (b.min_available, b.allows_down)),
                )
            })
            .collect();
        assert_eq!(
            allowed,
            [
                (1, None),
                (2, None),
                (3, Some((2, 1))),
                (4, Some((3, 1))),
                (5, Some((3, 2))),
                (6, Some((4, 2))),
                (8, Some((5, 3))),
                (16, Some((9, 7))),
            ]
        );
        let budget = disruption_budget("matrix-minio", "pool-0", 8).unwrap_or_else(|| panic!());
        assert_eq!(budget.name, "matrix-minio-pool-0");
        assert_eq!(
            budget.labels.keys().collect::<Vec<_>>(),
            [POOL_LABEL, TENANT_LABEL]
        );
        // "if strings.TrimSpace(pool.Name) == "" { continue }"
        assert_eq!(disruption_budget("t", " ", 8), None);
    }

    /// Services from `minio-services.go` and `console.go`, the ServiceAccount, Role and
    /// `RoleBinding` from `service-account.go`, the certificate from `minio.go`
    /// `createMinIOCSR`, a `StatefulSet` per pool from `NewPool` and a PDB per pool of more than
    /// 2 servers from `pdb.go`.
    #[test]
    fn owned_objects_follow_the_controller() {
        let mut t = tenant();
        t["spec"]["pools"]
            .as_array_mut()
            .unwrap_or_else(|| panic!())
            .push(json!({"name": "small", "servers": 2, "volumesPerServer": 2}));
        let owned: Vec<(&str, Option<String>, String)> = owned_objects(&t)
            .into_iter()
            .map(|o| (o.kind, o.namespace, o.name))
            .collect();
        let ns = || Some("ns".to_string());
        assert_eq!(
            owned,
            [
                ("CertificateSigningRequest", None, "t-ns-csr".into()),
                ("PodDisruptionBudget", ns(), "t-pool-0".into()),
                ("Role", ns(), "t-role".into()),
                ("RoleBinding", ns(), "t-binding".into()),
                ("Secret", ns(), "t-tls".into()),
                ("Service", ns(), "minio".into()),
                ("Service", ns(), "t-console".into()),
                ("Service", ns(), "t-hl".into()),
                ("ServiceAccount", ns(), "t-sa".into()),
                ("StatefulSet", ns(), "t-pool-0".into()),
                ("StatefulSet", ns(), "t-small".into()),
            ]
        );
        // `AutoCert`: no certificate without `requestAutoCert`; `EnsureDefaults` keeps a given
        // service account name.
        t["spec"]["requestAutoCert"] = json!(false);
        t["spec"]["serviceAccountName"] = json!("mine");
        let owned = owned_objects(&t);
        assert!(!owned.iter().any(|o| o.kind == "Secret"));
        assert!(
            owned
                .iter()
                .any(|o| o.kind == "ServiceAccount" && o.name == "mine")
        );
    }

    /// `minio-statefulset.go` `PodMetadata`: Tenant labels and annotations, the revision, the
    /// tenant, pool and console labels, then the pool's own maps over them.
    #[test]
    fn pod_metadata_copies_the_tenant_then_the_pool() {
        let mut t = tenant();
        t["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/last-applied-configuration": "{}", "x": "tenant"});
        t["spec"]["pools"][0]["annotations"] = json!({"x": "pool"});
        t["spec"]["pools"][0]["labels"] = json!({"app": "pool"});
        let meta = pod_metadata(&t, &t["spec"]["pools"][0]);
        assert_eq!(
            meta.labels,
            BTreeMap::from([
                ("app".to_string(), "pool".to_string()),
                (CONSOLE_LABEL.into(), "t-console".into()),
                (POOL_LABEL.into(), "pool-0".into()),
                (TENANT_LABEL.into(), "t".into()),
            ])
        );
        assert_eq!(
            meta.annotations,
            BTreeMap::from([
                (
                    "kubectl.kubernetes.io/last-applied-configuration".to_string(),
                    "{}".to_string()
                ),
                (REVISION_ANNOTATION.into(), "0".into()),
                ("x".into(), "pool".into()),
            ])
        );
    }
}
