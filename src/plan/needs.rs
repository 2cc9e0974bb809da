//! What the cluster must hold for the manifests to work, said for this site: nodes enough for
//! the one-server-per-node rule of each pool, the namespace, the selector a Prometheus needs to
//! pick up the `ScrapeConfig`, and the module Synapse loads. `plan` prints it with the site's own
//! names, so that the commands it shows run as they stand.

use serde::Serialize;

use crate::model::spec::ResourceList;
use crate::plan::{Monitor, Pool};

/// The kube-prometheus-stack chart whose defaults `plan` names. Its Prometheus selects
/// `ScrapeConfig`s and `ServiceMonitor`s by `release: <Helm release name>` unless the values say
/// otherwise: `scrapeConfigSelectorNilUsesHelmValues` and `serviceMonitorSelectorNilUsesHelmValues`
/// default to true, and an empty selector then becomes `matchLabels: {release: ...}`
/// (prometheus-community/helm-charts, tag `kube-prometheus-stack-88.5.3`,
/// `charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml`); its namespace selectors
/// default to `{}`, every namespace.
pub const KUBE_PROMETHEUS_STACK: &str = "88.5.3";
/// The label that chart's Prometheus selects on by default.
pub const RELEASE_LABEL: &str = "release";
/// The Python module that provides `s3_storage_provider.S3StorageProviderBackend`
/// (matrix-org/synapse-s3-storage-provider); Synapse's own image does not hold it.
pub const SYNAPSE_MODULE: &str = "synapse-s3-storage-provider";
/// The topology key of each pool's required pod anti-affinity (`templates/tenant.yaml.j2`).
pub const NODE_TOPOLOGY_KEY: &str = "kubernetes.io/hostname";

/// What the cluster needs.
#[derive(Debug, Clone, Serialize)]
pub struct Needs {
    /// Nodes for the MinIO servers.
    pub nodes: Nodes,
    /// The command that creates the namespace, which miniogen never writes.
    pub namespace_command: String,
    /// What a Prometheus must select, when the site scrapes metrics.
    pub prometheus: Option<Prometheus>,
    /// The module Synapse's image must hold, when miniogen wires Synapse.
    pub synapse_module: Option<&'static str>,
}

/// Each pool's servers repel one another: a required pod anti-affinity on
/// `kubernetes.io/hostname` over the pool's pods (`templates/tenant.yaml.j2`), which MinIO
/// Operator v6.0.2 copies into the pool's `StatefulSet` unchanged (`NewPool` in
/// `pkg/resources/statefulsets/minio-statefulset.go`: `Affinity: pool.Affinity`) and adds no
/// other. Pods of different pools may share a node, so the largest pool sets the count.
#[derive(Debug, Clone, Serialize)]
pub struct Nodes {
    /// Schedulable nodes needed.
    pub count: u32,
    /// The pool that needs that many.
    pub pool: String,
    /// What one server requests: each of those nodes must have room for it.
    pub requests: ResourceList,
}

/// The selectors a Prometheus needs to pick up what miniogen writes for it.
#[derive(Debug, Clone, Serialize)]
pub struct Prometheus {
    /// The `ScrapeConfig`, whose labels the Prometheus's `scrapeConfigSelector` must match.
    pub scrape_config: String,
    /// The per-server `ServiceMonitor`, when asked for: `serviceMonitorSelector` must match it.
    pub service_monitor: Option<String>,
    /// The Helm release a kube-prometheus-stack Prometheus must be named for its default
    /// selector to pick these up, when the labels carry `release`.
    pub release: Option<String>,
}

/// What the cluster needs for these pools, namespace and outputs.
#[must_use]
pub fn needs(pools: &[Pool], namespace: &str, monitor: Option<&Monitor>, synapse: bool) -> Needs {
    // The first of the largest pools: the one a reader meets first in `plan`.
    let largest = pools.iter().rev().max_by_key(|p| p.servers);
    Needs {
        nodes: Nodes {
            count: largest.map_or(0, |p| p.servers),
            pool: largest.map(|p| p.name.clone()).unwrap_or_default(),
            requests: largest.map_or_else(
                || ResourceList {
                    cpu: String::new(),
                    memory: String::new(),
                },
                |p| p.resources.requests.clone(),
            ),
        },
        namespace_command: format!("kubectl create namespace {namespace}"),
        prometheus: monitor.map(|m| Prometheus {
            scrape_config: m.name.clone(),
            service_monitor: m.node.as_ref().map(|n| n.name.clone()),
            release: m.labels.get(RELEASE_LABEL).cloned(),
        }),
        synapse_module: synapse.then_some(SYNAPSE_MODULE),
    }
}
