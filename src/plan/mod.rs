//! The plan: every number and name the manifests need, computed once from a checked `Spec`.
//!
//! Erasure layouts, capacities, disruption budgets, service endpoints, secret references and
//! labels are decided here, so that templates only place values and never compute them. The plan
//! is also what `miniogen plan` prints. No IO.
//!
//! Its parts: `rules` (the cross-field checks a schema cannot say, which need the plan's
//! arithmetic), `erasure` (layouts), `requests` (API request limits), `access` (one identity and
//! policy per consumer), `outputs` (what consumers are told), `operator` (what MinIO Operator
//! does with the Tenant), `transition` and `daytwo` (changes to a running tenant, `grow`),
//! `siteedit` (where `grow`'s edits land in the site file), `watch` (alerts and dashboard, with
//! `schedule` for the LI sync's bound) and `verify` (the verification Job).

pub mod access;
pub mod bucketchanges;
pub mod buckets;
pub mod daytwo;
pub mod erasure;
pub mod needs;
pub mod operator;
pub mod outputs;
pub mod requests;
pub mod rules;
pub mod schedule;
pub mod siteedit;
pub mod transition;
pub mod verify;
pub mod watch;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::advisories::{self, Software};
use crate::model::credentials::{CredentialKind, CredentialRef};
use crate::model::digest;
use crate::model::quantity;
use crate::model::spec::Spec;
use crate::model::spec::{
    ErasureSets, MetricsAuth, RemoteKey, ResourceList, SecretsMode, Site, StoreKind,
};
use crate::plan::access::{Admin, Consumer, Iam};
use crate::plan::erasure::{Layout, SET_SIZES};
use crate::plan::outputs::Outputs;
use crate::plan::requests::ApiRequests;

/// The label the operator puts on every pod of a tenant.
pub const TENANT_LABEL: &str = operator::v6_0_2::TENANT_LABEL;
/// The label the operator puts on every pod of a pool.
pub const POOL_LABEL: &str = operator::v6_0_2::POOL_LABEL;
/// Set through `serviceMetadata` on the S3 service only, so that the per-server ServiceMonitor
/// can select the headless service and not this one, which fronts the same pods.
pub const SCRAPE_LABEL: &str = "miniogen.io/scrape";
/// Pod annotation (set on each pool) with the pool's erasure-set size, which is fixed once its
/// drives are formatted; the folder guard reads it back to refuse a change.
pub const SET_SIZE_ANNOTATION: &str = "miniogen.io/erasure-set-size";
/// MinIO's override of the erasure-set size, read once for every pool
/// (minio/minio `cmd/endpoint-ellipses.go` `EnvErasureSetDriveCount`). It works from
/// `config.env`: `serverMain` (`cmd/server-main.go`) loads that file (`loadEnvVarsFromFiles`)
/// before it lays out the drives (`buildServerCtxt`, `mergeDisksLayoutFromArgs`).
pub const SET_DRIVE_COUNT_ENV: &str = "MINIO_ERASURE_SET_DRIVE_COUNT";
/// MinIO's cluster-wide Prometheus metrics path (`MinIOPrometheusPathCluster`).
pub const METRICS_PATH: &str = "/minio/v2/metrics/cluster";
/// MinIO's per-server Prometheus metrics path.
pub const NODE_METRICS_PATH: &str = "/minio/v2/metrics/node";
/// Where the runbook's capacity column comes from: it halves raw capacity for every tier.
pub const RUNBOOK_EFFICIENCY_PERCENT: u32 = 50;

/// Everything the templates and `miniogen plan` need.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The tier the plan was sized for.
    pub tier: Tier,
    /// Namespace of every object.
    pub namespace: String,
    /// The cluster's DNS domain, as the operator's `CLUSTER_DOMAIN` must hold it.
    pub cluster_domain: String,
    /// Labels every object carries (`app.kubernetes.io/*`).
    pub labels: BTreeMap<String, String>,
    /// The Tenant.
    pub tenant: Tenant,
    /// Pools, the profile's first (unless the site retires it).
    pub pools: Vec<Pool>,
    /// The first pool's name (`tenant.pool_name`), whose shape `[sizing]` gives: the first of
    /// `pools` unless it is `retired`.
    #[serde(skip)]
    pub first_pool: String,
    /// Pools the site file marks decommissioned: left out of the Tenant, so the operator
    /// deletes their `StatefulSet`s (`pkg/controller/decomission.go`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<String>,
    /// Pools the site file marks planned: not in the Tenant yet, but counted for the
    /// erasure-set size, so that the configuration they need can be applied first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub planned: Vec<String>,
    /// Totals over all pools.
    pub capacity: Capacity,
    /// How the erasure-set size was chosen, and what it costs.
    pub erasure: Erasure,
    /// The S3 endpoint consumers use inside the cluster.
    pub s3: Endpoint,
    /// The configuration Secret's `config.env` entries, in file order.
    pub config_env: Vec<EnvEntry>,
    /// Who uses the tenant: one MinIO user, Secret and policy each.
    pub consumers: Vec<Consumer>,
    /// The administrator user, when the site asks for one.
    pub admin: Option<Admin>,
    /// The MinIOJob that creates the consumers' users and policies.
    pub iam: Iam,
    /// What Synapse and CloudNativePG are given to reach their buckets.
    pub outputs: Outputs,
    /// Objects the outputs reference that miniogen does not generate, besides the Secrets.
    pub prerequisites: Vec<Prerequisite>,
    /// What the cluster must hold: nodes, the namespace, Prometheus's selectors, Synapse's module.
    pub needs: needs::Needs,
    /// Buckets the operator creates, each with its settings in effect.
    pub buckets: Vec<buckets::Bucket>,
    /// The MinIOJob that applies the bucket settings, when any bucket has one.
    pub bucket_job: Option<buckets::Job>,
    /// The ServiceMonitor, when enabled.
    pub monitor: Option<Monitor>,
    /// The LI sync, when enabled.
    pub rclone: Option<Rclone>,
    /// The alerting rules and dashboard, with Prometheus scraping on.
    pub watch: Option<watch::Watch>,
    /// The verification Job, when enabled.
    pub verify: Option<verify::Verify>,
    /// Where credentials come from, and every Secret the manifests reference.
    pub secrets: Secrets,
    /// The sha256 of the normalized inputs. Shown here only: on an object it would change that
    /// object with every unrelated input, and on the Tenant it would roll every MinIO pod.
    pub inputs: String,
    /// Published advisories the pinned images predate the fix of, as warnings.
    pub advisories: Vec<advisories::Finding>,
}

/// The erasure-set size, as chosen for the operator's disruption budgets.
#[derive(Debug, Clone, Serialize)]
pub struct Erasure {
    /// The site's choice (`tenant.erasure_sets`).
    pub choice: ErasureSets,
    /// `MINIO_ERASURE_SET_DRIVE_COUNT`, when MinIO's own choice is overridden.
    pub set_drive_count: Option<u32>,
    /// Usable bytes with MinIO's own (largest) sets.
    pub largest_usable_bytes: u128,
    /// `largest_usable_bytes`, formatted.
    pub largest_usable: String,
    /// What the smaller sets cost against MinIO's own, when they are smaller.
    pub cost: Option<String>,
}

/// The tier.
#[derive(Debug, Clone, Serialize)]
pub struct Tier {
    /// CCU the profile serves.
    pub ccu: u32,
    /// CCU the user asked for.
    pub requested_ccu: Option<u32>,
    /// The profile's summary.
    pub summary: String,
    /// Where the profile came from.
    pub profile: String,
}

/// Tenant-wide settings.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    /// Tenant name.
    pub name: String,
    /// MinIO image.
    pub image: String,
    /// Whether the tenant serves TLS.
    pub tls: bool,
    /// Whether the operator issues its certificate (`requestAutoCert`).
    pub request_auto_cert: bool,
    /// Your certificate's Secret (`externalCertSecret`), for `trust = "provided"`.
    pub external_cert_secret: Option<String>,
    /// The configuration Secret.
    pub config_secret: String,
    /// Secrets of the users the operator creates (with `consoleAdmin`): the administrator's
    /// only, never a consumer's.
    pub users: Vec<String>,
    /// Labels put on the S3 service through `serviceMetadata`.
    pub service_labels: BTreeMap<String, String>,
    /// `MINIO_STORAGE_CLASS_STANDARD`.
    pub storage_class_standard: String,
    /// S3 requests each server accepts at once, as MinIO reads or derives it.
    pub api_requests: ApiRequests,
}

/// One pool and its erasure layout.
#[derive(Debug, Clone, Serialize)]
pub struct Pool {
    /// Pool name.
    pub name: String,
    /// Servers.
    pub servers: u32,
    /// Volumes per server.
    pub volumes_per_server: u32,
    /// Volume size as written.
    pub volume_size: String,
    /// StorageClass of its volumes.
    pub storage_class: String,
    /// Raw bytes over all its drives.
    pub raw_bytes: u128,
    /// Bytes available for data after parity.
    pub usable_bytes: u128,
    /// `raw_bytes`, formatted.
    pub raw: String,
    /// `usable_bytes`, formatted.
    pub usable: String,
    /// Usable share of raw, in whole percent.
    pub efficiency_percent: u32,
    /// The erasure layout MinIO will use.
    pub layout: Layout,
    /// The set size MinIO would choose by itself, without `MINIO_ERASURE_SET_DRIVE_COUNT`.
    pub own_set_size: u32,
    /// The pool's one PodDisruptionBudget, whoever writes it.
    pub disruption_budget: DisruptionBudget,
    /// Annotations of the pool's pods (`spec.pools[].annotations`): the configuration checksum
    /// and the erasure-set size, both of which MinIO reads only at start-up.
    pub pod_annotations: BTreeMap<String, String>,
    /// Pod labels the operator sets, for selectors.
    pub selector: BTreeMap<String, String>,
    /// Container resources.
    pub resources: PoolResources,
}

/// Requests and limits, as Kubernetes wants them.
#[derive(Debug, Clone, Serialize)]
pub struct PoolResources {
    /// Requests.
    pub requests: ResourceList,
    /// Limits.
    pub limits: ResourceList,
}

/// A pool's one PodDisruptionBudget. MinIO Operator v6.0.2 writes its own for every pool of
/// more than 2 servers (see `operator::v6_0_2::disruption_budget`), so miniogen writes one only
/// for the pools the operator leaves without: two writers of one object break the operator's
/// reconcile, and two budgets over one pod block every eviction.
#[derive(Debug, Clone, Serialize)]
pub struct DisruptionBudget {
    /// Object name, `<tenant>-<pool>` whoever writes it.
    pub name: String,
    /// Who writes it: `operator` or `miniogen`.
    pub writer: &'static str,
    /// `minAvailable`, when the operator writes it.
    pub min_available: Option<u32>,
    /// `maxUnavailable`, when miniogen writes it: the servers write quorum survives losing.
    pub max_unavailable: Option<u32>,
    /// Servers it lets go at once.
    pub allows_down: u32,
    /// Servers whose loss every erasure set of the pool survives for writes.
    pub quorum_allows: u32,
    /// Whether the budget never lets more servers go than write quorum survives.
    pub quorum_safe: bool,
}

/// Totals.
#[derive(Debug, Clone, Serialize)]
pub struct Capacity {
    /// Raw bytes.
    pub raw_bytes: u128,
    /// Usable bytes.
    pub usable_bytes: u128,
    /// Raw, formatted.
    pub raw: String,
    /// Usable, formatted.
    pub usable: String,
    /// What the runbook's table says is usable (half of raw).
    pub runbook_usable: String,
    /// Why the figures differ, when they do.
    pub correction: Option<String>,
}

/// An in-cluster HTTP endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Service DNS name.
    pub host: String,
    /// Service port.
    pub port: u16,
    /// Service port name, for a ServiceMonitor.
    pub port_name: &'static str,
    /// The URL clients use.
    pub url: String,
}

/// One `export NAME="value"` line.
#[derive(Debug, Clone, Serialize)]
pub struct EnvEntry {
    /// Variable name.
    pub name: String,
    /// Value, for settings.
    pub value: Option<String>,
    /// Where the value comes from, for credentials: the plan never holds a credential itself.
    pub credential: Option<CredentialRef>,
}

/// Where credentials come from, and every Secret the Tenant, CronJob and ServiceMonitor
/// reference, whoever produces it.
#[derive(Debug, Clone, Serialize)]
pub struct Secrets {
    /// The mode.
    pub mode: SecretsMode,
    /// Its name, as annotated on every object that carries credentials.
    pub source: &'static str,
    /// Whether miniogen emits the Secrets themselves.
    pub emits_secrets: bool,
    /// Whether miniogen emits ExternalSecrets that produce them.
    pub emits_external_secrets: bool,
    /// The rotation counter of `derived`.
    pub rotation: u32,
    /// The Vault path prefix of `vault-placeholders`.
    pub vault_path_prefix: String,
    /// The External Secrets store.
    pub store: Store,
    /// The Secrets, the configuration Secret first.
    pub objects: Vec<SecretObject>,
}

/// An External Secrets store reference.
#[derive(Debug, Clone, Serialize)]
pub struct Store {
    /// Store name.
    pub name: String,
    /// `ClusterSecretStore` or `SecretStore`.
    pub kind: StoreKind,
    /// `refreshInterval`.
    pub refresh_interval: String,
}

/// A Secret the manifests reference.
#[derive(Debug, Clone, Serialize)]
pub struct SecretObject {
    /// Its name.
    pub name: String,
    /// What references it, for `miniogen secrets`.
    pub used_by: String,
    /// `app.kubernetes.io/component`.
    pub component: &'static str,
    /// The consumer of a user's keys (`admin` for the administrator).
    pub consumer: Option<String>,
    /// Its keys, in order.
    pub keys: Vec<SecretKey>,
    /// The credentials its keys hold, to fetch from the store.
    pub credentials: Vec<CredentialRef>,
}

/// One key of a Secret.
#[derive(Debug, Clone, Serialize)]
pub struct SecretKey {
    /// The key.
    pub name: String,
    /// What it holds.
    pub value: KeyValue,
}

/// What a key of a Secret holds.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum KeyValue {
    /// A value that is not secret, such as an access key.
    Literal {
        /// The value.
        text: String,
    },
    /// A credential.
    Credential {
        /// Which.
        credential: CredentialRef,
    },
    /// MinIO's `config.env`, from `config_env`.
    ConfigEnv,
}

/// An object the outputs reference that someone else creates.
#[derive(Debug, Clone, Serialize)]
pub struct Prerequisite {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// The key referenced.
    pub key: String,
    /// Who creates it and what it holds.
    pub why: String,
    /// Commands that create it, in the tenant's namespace, when miniogen knows them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
}

/// How Prometheus scrapes the tenant: the cluster metrics once, through a `ScrapeConfig`, and
/// each server's own metrics only when asked, through a `ServiceMonitor`.
#[derive(Debug, Clone, Serialize)]
pub struct Monitor {
    /// Name of the `ScrapeConfig`.
    pub name: String,
    /// Labels Prometheus selects on, merged over the common labels.
    pub labels: BTreeMap<String, String>,
    /// Scrape interval.
    pub interval: String,
    /// Scrape timeout.
    pub scrape_timeout: String,
    /// The cluster metrics, from the `minio` service.
    pub cluster: ClusterScrape,
    /// The label put on every series of the tenant (on the target), which the alerts and the
    /// dashboard select by.
    pub target_labels: BTreeMap<String, String>,
    /// Each server's metrics, when `prometheus.node_metrics` asks for them.
    pub node: Option<NodeScrape>,
    /// Server name to verify, when TLS is on: a name of the operator's certificate, which every
    /// server presents.
    pub server_name: Option<String>,
    /// The trusted CA, when TLS is on.
    pub ca: Option<outputs::Trust>,
    /// Bearer token Secret and key, when MinIO's default auth is kept.
    pub bearer: Option<(String, String)>,
}

/// `/minio/v2/metrics/cluster` answers for the whole cluster from any server, so it is scraped
/// from one target, the `minio` service, as the operator's own scrape config does
/// (`GetPrometheusConfig`, `pkg/resources/configmaps/prometheus.go`, v6.0.2).
#[derive(Debug, Clone, Serialize)]
pub struct ClusterScrape {
    /// `host:port` of the `minio` service.
    pub target: String,
    /// `HTTP` or `HTTPS`: the spellings every `ScrapeConfig` since prometheus-operator v0.67
    /// accepts.
    pub scheme: &'static str,
    /// The metrics path.
    pub path: &'static str,
}

/// `/minio/v2/metrics/node` from every server, through the headless service, which fronts each
/// pod on port 9000 (`NewHeadlessForMinIO`, `pkg/resources/services/service.go`).
#[derive(Debug, Clone, Serialize)]
pub struct NodeScrape {
    /// Name of the `ServiceMonitor`.
    pub name: String,
    /// Labels of the tenant's services.
    pub selector: BTreeMap<String, String>,
    /// A label only the `minio` service carries: selecting services without it leaves the
    /// headless one, so no server is scraped twice.
    pub exclude_label: &'static str,
    /// The headless service's port name (`http-minio` or `https-minio`, as on `minio`).
    pub port_name: &'static str,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The metrics path.
    pub path: &'static str,
}

/// The LI sync.
#[derive(Debug, Clone, Serialize)]
pub struct Rclone {
    /// CronJob name.
    pub name: String,
    /// ConfigMap with `rclone.conf`.
    pub config_map: String,
    /// Schedule.
    pub schedule: String,
    /// Time zone.
    pub time_zone: String,
    /// Image.
    pub image: String,
    /// Whether the image is pinned by digest (`@sha256:`), not only by a version tag.
    pub pinned_by_digest: bool,
    /// The container's arguments after `rclone`.
    pub args: Vec<String>,
    /// Remotes of `rclone.conf`.
    pub remotes: Vec<Remote>,
    /// Run deadline.
    pub deadline_seconds: u32,
    /// The trusted CA, mounted with TLS on.
    pub ca: Option<outputs::CaMount>,
}

/// One rclone remote with credentials passed as environment variables.
#[derive(Debug, Clone, Serialize)]
pub struct Remote {
    /// Remote name.
    pub name: String,
    /// S3 endpoint URL.
    pub endpoint: String,
    /// Secret with the keys.
    pub secret: String,
    /// Variable rclone reads the access key from.
    pub access_key_env: String,
    /// Variable rclone reads the secret key from.
    pub secret_key_env: String,
}

/// Computes the plan. The spec must have passed `rules::check` without errors.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn plan(spec: &Spec) -> Plan {
    let site = &spec.site;
    let tenant_name = site.tenant.name.clone();
    let labels = common_labels(&tenant_name);
    let resources = PoolResources {
        requests: spec.sizing.resources.requests.clone(),
        limits: spec.sizing.resources.limits.clone(),
    };
    let set_drive_count = set_drive_count(spec);
    let pools: Vec<Pool> = kept(spec, false)
        .iter()
        .map(|k| {
            pool(
                &tenant_name,
                k.name,
                k.servers,
                k.volumes_per_server,
                k.volume_size,
                k.storage_class,
                spec.sizing.parity,
                set_drive_count,
                &resources,
            )
        })
        .collect();
    let s3 = endpoint(site.tenant.tls, &site.namespace, &site.cluster_domain);
    let config_env = config_env(spec, set_drive_count);
    let consumers = access::consumers(site);
    let admin = access::admin(site);
    let bucket_settings = buckets::buckets(site);
    let bucket_job = buckets::job(site, &bucket_settings, access::job_cas(site));
    let verify_policy = site
        .verify
        .enabled
        .then(|| verify::policy_document(&bucket_settings).0);
    let iam = access::iam(
        site,
        &consumers,
        verify_policy.as_deref(),
        bucket_job.as_ref().map(|j| &j.policy),
    );
    let outputs = outputs::outputs(site, &s3);
    let prerequisites = prerequisites(site, &outputs);
    let monitor = site.prometheus.enabled.then(|| monitor(site, &labels, &s3));
    let rclone = site.rclone.enabled.then(|| rclone(site, &s3));
    let needs = needs::needs(
        &pools,
        &site.namespace,
        monitor.as_ref(),
        outputs.synapse.is_some(),
    );
    let secrets = secrets(
        site,
        &config_env,
        &consumers,
        admin.as_ref(),
        monitor.as_ref(),
    );
    let capacity = capacity(&pools);
    let erasure = erasure(spec, set_drive_count, &capacity);
    let api_requests = api_requests(spec, &pools);
    // No pod annotation follows `config.env`: a configuration change must reach every MinIO
    // server at once, and a changed pod template would roll them one by one onto it, each
    // waiting in `verifyServerSystemConfig` until half its peers agree
    // (`operator::v6_0_2::changes`). `check` and `gen --out` class it `manual` instead.
    let watch = monitor.as_ref().and_then(|m| {
        watch::watch(&watch::Inputs {
            site,
            pools: &pools,
            usable_bytes: capacity.usable_bytes,
            ccu: spec.tier_ccu,
            rclone: rclone.as_ref(),
            labels: &labels,
            monitor_labels: &m.labels,
        })
    });
    let verify = verify::verify(
        site,
        &pools,
        &bucket_settings,
        &consumers,
        &s3,
        &iam.cas,
        bucket_job.as_ref().map(|j| j.job.as_str()),
    );
    Plan {
        tier: Tier {
            ccu: spec.tier_ccu,
            requested_ccu: spec.requested_ccu,
            summary: spec.summary.clone(),
            profile: spec.profile_name.clone(),
        },
        namespace: site.namespace.clone(),
        cluster_domain: site.cluster_domain.clone(),
        labels,
        tenant: Tenant {
            name: tenant_name,
            image: site.tenant.image.clone(),
            tls: site.tenant.tls,
            request_auto_cert: site.tenant.tls
                && outputs
                    .trust
                    .as_ref()
                    .is_none_or(|t| t.certificate_secret.is_none()),
            external_cert_secret: outputs
                .trust
                .as_ref()
                .and_then(|t| t.certificate_secret.clone()),
            config_secret: site.tenant.config_secret.clone(),
            users: admin.iter().map(|a| a.secret.clone()).collect(),
            service_labels: BTreeMap::from([(SCRAPE_LABEL.to_string(), "s3".to_string())]),
            storage_class_standard: format!("EC:{}", spec.sizing.parity),
            api_requests,
        },
        pools,
        first_pool: site.tenant.pool_name.clone(),
        retired: retired(site),
        planned: site
            .pools
            .iter()
            .filter(|p| p.planned && !p.decommissioned)
            .map(|p| p.name.clone())
            .collect(),
        capacity,
        erasure,
        s3,
        config_env,
        consumers,
        admin,
        iam,
        outputs,
        prerequisites,
        needs,
        buckets: bucket_settings,
        bucket_job,
        monitor,
        rclone,
        watch,
        verify,
        secrets,
        inputs: inputs_digest(spec),
        advisories: image_advisories(site),
    }
}

/// A pool the render keeps in the Tenant.
struct Kept<'a> {
    name: &'a str,
    servers: u32,
    volumes_per_server: u32,
    volume_size: &'a str,
    storage_class: &'a str,
}

/// The pools the render keeps, in the Tenant's order: the first (`[sizing]`) unless the site
/// retires it, then every `[[pools]]` entry not marked decommissioned (nor planned, unless
/// `planned`). A retired pool leaves the Tenant; `retired` keeps its name for `plan`. A planned
/// one is not in it yet.
fn kept(spec: &Spec, planned: bool) -> Vec<Kept<'_>> {
    let site = &spec.site;
    let first = (!site.sizing.decommissioned).then(|| Kept {
        name: &site.tenant.pool_name,
        servers: spec.sizing.servers,
        volumes_per_server: spec.sizing.volumes_per_server,
        volume_size: &spec.sizing.volume_size,
        storage_class: &site.tenant.storage_class,
    });
    first
        .into_iter()
        .chain(
            site.pools
                .iter()
                .filter(|p| !p.decommissioned && (planned || !p.planned))
                .map(|p| Kept {
                    name: &p.name,
                    servers: p.servers,
                    volumes_per_server: p.volumes_per_server,
                    volume_size: &p.volume_size,
                    storage_class: p
                        .storage_class
                        .as_deref()
                        .unwrap_or(&site.tenant.storage_class),
                }),
        )
        .collect()
}

/// `MINIO_ERASURE_SET_DRIVE_COUNT`, when MinIO's own set size would leave a pool whose operator
/// budget lets more servers go than write quorum survives, and the site keeps `quorum-safe`
/// (see `quorum_safe_set_size`).
fn set_drive_count(spec: &Spec) -> Option<u32> {
    if spec.site.tenant.erasure_sets == ErasureSets::Largest {
        return None;
    }
    // A planned pool counts: the set size it needs goes into `config.env` before it exists.
    // A retired one too: the pools that stay were formatted under the size it needed, and
    // dropping it would change `config.env` in the very step the operator restarts MinIO to let
    // the pool go (`checkForPoolDecommission`), which a configuration change must not share.
    let mut shapes: Vec<(u32, u32)> = kept(spec, true)
        .iter()
        .map(|k| (k.servers, k.volumes_per_server))
        .collect();
    let site = &spec.site;
    if site.sizing.decommissioned {
        shapes.push((spec.sizing.servers, spec.sizing.volumes_per_server));
    }
    shapes.extend(
        site.pools
            .iter()
            .filter(|p| p.decommissioned)
            .map(|p| (p.servers, p.volumes_per_server)),
    );
    quorum_safe_set_size(&shapes, spec.sizing.parity)
}

/// The set size `MINIO_ERASURE_SET_DRIVE_COUNT` must force for pools of these shapes (servers,
/// volumes per server) at `parity` to stay quorum-safe: `None` when MinIO's own choice already
/// keeps every operator budget within write quorum; else the largest size that every pool
/// accepts (MinIO applies the one value to every pool) and under which every budget keeps
/// write quorum; `None` too when no size would do (the plan then reports the pool as unsafe).
#[must_use]
pub fn quorum_safe_set_size(shapes: &[(u32, u32)], parity: u32) -> Option<u32> {
    // The budget `CreateOrUpdatePDB` writes depends on the servers alone; any pool name will do.
    let shapes: Vec<(u32, u32, Option<operator::Budget>)> = shapes
        .iter()
        .map(|&(servers, volumes)| {
            (
                servers,
                volumes,
                operator::PINNED.disruption_budget("tenant", "pool", servers),
            )
        })
        .collect();
    let safe = |layout: Result<Layout, _>, budget: &Option<operator::Budget>| {
        layout.is_ok_and(|l: Layout| {
            budget
                .as_ref()
                .is_none_or(|b| b.allows_down <= l.servers_lost_write)
        })
    };
    if shapes
        .iter()
        .all(|(servers, volumes, budget)| safe(Layout::new(*servers, *volumes, parity), budget))
    {
        return None;
    }
    SET_SIZES.rev().find(|&size| {
        shapes.iter().all(|(servers, volumes, budget)| {
            safe(
                Layout::with_set_size(*servers, *volumes, parity, size),
                budget,
            )
        })
    })
}

/// What the chosen set size costs against MinIO's own.
fn erasure(spec: &Spec, set_drive_count: Option<u32>, capacity: &Capacity) -> Erasure {
    let own: u128 = kept(spec, false)
        .iter()
        .map(|k| {
            let layout = Layout::new(k.servers, k.volumes_per_server, spec.sizing.parity)
                .unwrap_or_else(|e| unreachable!("rules let through an invalid layout: {e}"));
            quantity::bytes(k.volume_size).unwrap_or_default()
                * u128::from(layout.sets * layout.data)
        })
        .sum();
    let cost = (own > capacity.usable_bytes).then(|| {
        format!(
            "{} of usable capacity against MinIO's own larger sets ({} usable), so that the \
             operator's PodDisruptionBudgets keep write quorum",
            quantity::format_bytes(own - capacity.usable_bytes),
            quantity::format_bytes(own)
        )
    });
    Erasure {
        choice: spec.site.tenant.erasure_sets,
        set_drive_count,
        largest_usable_bytes: own,
        largest_usable: quantity::format_bytes(own),
        cost,
    }
}

/// The pools the site file marks decommissioned, which the render leaves out: the first
/// (`[sizing]`) first.
fn retired(site: &Site) -> Vec<String> {
    let first = site
        .sizing
        .decommissioned
        .then(|| site.tenant.pool_name.clone());
    first
        .into_iter()
        .chain(
            site.pools
                .iter()
                .filter(|p| p.decommissioned)
                .map(|p| p.name.clone()),
        )
        .collect()
}

/// Every pinned image against the advisories known to miniogen, less those the site accepts.
fn image_advisories(site: &Site) -> Vec<advisories::Finding> {
    let accepted = &site.warnings.accepted_advisories;
    let mut found = advisories::check(
        "tenant.image",
        &site.tenant.image,
        Software::Minio,
        accepted,
    );
    found.extend(advisories::check(
        "iam.mc_image",
        &site.iam.mc_image,
        Software::Mc,
        accepted,
    ));
    if site.rclone.enabled {
        found.extend(advisories::check(
            "rclone.image",
            &site.rclone.image,
            Software::Rclone,
            accepted,
        ));
    }
    found
}

/// The label every object gets for its part of the tenant, beside `common_labels`.
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";

/// The `app.kubernetes.io/*` labels of every object.
fn common_labels(tenant_name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), "minio".to_string()),
        (
            "app.kubernetes.io/instance".to_string(),
            tenant_name.to_string(),
        ),
        (
            "app.kubernetes.io/part-of".to_string(),
            "matrix".to_string(),
        ),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "miniogen".to_string(),
        ),
    ])
}

/// What the outputs reference and miniogen does not create: with TLS on, the trusted CA, your
/// certificate for `provided`, and the Secret copy CloudNativePG needs of a CA kept in a
/// ConfigMap; and always the cluster CA, with which the IAM job's `mc` verifies the operator's
/// STS.
fn prerequisites(site: &Site, outputs: &Outputs) -> Vec<Prerequisite> {
    let mut out = Vec::new();
    if let Some(t) = &outputs.trust {
        let why = match (t.source, t.name.as_str()) {
            ("cluster-ca", "kube-root-ca.crt") => CLUSTER_CA_CONDITION.to_string(),
            ("cluster-ca", _) => "yours: the cluster's root CA, which signs the operator's certificate".into(),
            ("named-ca", _) => "yours: the CA that signs the operator's certificate (`tenant.trust = \"named-ca\"`)".into(),
            _ => "yours, such as a cert-manager Certificate's: the CA of the tenant's certificate".into(),
        };
        out.push(Prerequisite {
            kind: t.kind,
            name: t.name.clone(),
            key: t.key.clone(),
            why,
            commands: Vec::new(),
        });
        if let Some(secret) = &t.certificate_secret {
            let (ns, domain) = (&site.namespace, &site.cluster_domain);
            out.push(Prerequisite {
                kind: "Secret",
                name: secret.clone(),
                key: "tls.crt".into(),
                why: format!(
                    "yours, such as a cert-manager Certificate's (`tls.crt`, `tls.key`, `ca.crt`): \
                     the tenant's certificate, the operator's `externalCertSecret`; it must name \
                     `minio.{ns}.svc.{domain}`, `minio.{ns}.svc`, `minio.{ns}` and \
                     `*.{}-hl.{ns}.svc.{domain}`",
                    site.tenant.name
                ),
                commands: Vec::new(),
            });
        }
        let cnpg = &outputs.cnpg;
        if let Some(secret) = cnpg
            .ca_secret
            .as_ref()
            .filter(|_| t.kind == "ConfigMap" && (cnpg.fragments || cnpg.object_store_in_manifests))
        {
            let (ca, ns) = (&t.name, &site.namespace);
            out.push(Prerequisite {
                kind: "Secret",
                name: secret.clone(),
                key: outputs::CA_KEY.into(),
                why: format!(
                    "yours, for CloudNativePG's `endpointCA`: the same CA as ConfigMap `{ca}`, \
                     made with"
                ),
                // Two short commands rather than one long one: each fits a line of `plan` whole.
                commands: vec![
                    format!(
                        "kubectl -n {ns} get cm {ca} -o jsonpath='{{.data.ca\\.crt}}' > ca.crt"
                    ),
                    format!("kubectl -n {ns} create secret generic {secret} --from-file=ca.crt"),
                ],
            });
        }
    }
    if !out
        .iter()
        .any(|p| p.kind == "ConfigMap" && p.name == "kube-root-ca.crt" && p.key == outputs::CA_KEY)
    {
        out.push(Prerequisite {
            kind: "ConfigMap",
            name: "kube-root-ca.crt".into(),
            key: outputs::CA_KEY.into(),
            why: "Kubernetes creates it in every namespace: the cluster CA, with which the IAM \
                  job's `mc` verifies the operator's STS (always HTTPS, its certificate signed \
                  through the operator's CertificateSigningRequest)"
                .into(),
            commands: Vec::new(),
        });
    }
    out
}

/// When `kube-root-ca.crt` verifies the operator's certificate (`pkg/certificates/csr.go`, v6.0.2):
/// the certificate is signed by the CSR signer, which is the cluster CA only where that signer
/// uses the cluster's root CA.
pub const CLUSTER_CA_CONDITION: &str = "Kubernetes creates it in every namespace: the cluster CA, \
    trusted for the operator's certificate and STS; right only where the operator's \
    CertificateSigningRequest signer (`kubernetes.io/kubelet-serving`, \
    `beta.eks.amazonaws.com/app-serving` on EKS, or `MINIO_OPERATOR_CSR_SIGNER_NAME`) signs with \
    the cluster's root CA, otherwise set `tenant.trust`";

/// MinIO counts every server of every pool (`totalNodeCount`) and sizes a request by the
/// largest erasure set of any pool (`apiConfig.init`, `cmd/handler-api.go`).
fn api_requests(spec: &Spec, pools: &[Pool]) -> ApiRequests {
    requests::api_requests(
        spec.sizing.api_requests_max,
        pools.iter().map(|p| p.servers).sum(),
        pools.iter().map(|p| p.layout.set_size).max().unwrap_or(1),
        quantity::bytes(&spec.sizing.resources.limits.memory).unwrap_or_default(),
    )
}

/// A hash of the normalized inputs: the effective configuration after layering and defaults, so
/// that two inputs that mean the same thing hash the same.
fn inputs_digest(spec: &Spec) -> String {
    // The rotation counter is an input to credentials only, like the master key: bumping it
    // must change the credentials and nothing else.
    let mut site = spec.site.clone();
    site.secrets.rotation = 0;
    let normalized = serde_json::json!({
        "ccu": spec.tier_ccu,
        "sizing": spec.sizing,
        "site": site,
    });
    format!("sha256:{}", digest::sha256(&normalized.to_string()))
}

fn capacity(pools: &[Pool]) -> Capacity {
    let raw_bytes: u128 = pools.iter().map(|p| p.raw_bytes).sum();
    let usable_bytes: u128 = pools.iter().map(|p| p.usable_bytes).sum();
    let runbook_usable = raw_bytes * u128::from(RUNBOOK_EFFICIENCY_PERCENT) / 100;
    let correction = (runbook_usable != usable_bytes).then(|| {
        let sets: Vec<String> = pools
            .iter()
            .map(|p| format!("{}+{} of {}", p.layout.data, p.layout.parity, p.layout.set_size))
            .collect();
        format!(
            "the runbook assumes {RUNBOOK_EFFICIENCY_PERCENT}% usable for every tier, which only holds \
             when data equals parity; these erasure sets ({}) keep {} usable",
            sets.join(", "),
            quantity::format_bytes(usable_bytes)
        )
    });
    Capacity {
        raw_bytes,
        usable_bytes,
        raw: quantity::format_bytes(raw_bytes),
        usable: quantity::format_bytes(usable_bytes),
        runbook_usable: quantity::format_bytes(runbook_usable),
        correction,
    }
}

/// The operator's `minio` service, by the name its certificate gives first.
fn endpoint(tls: bool, namespace: &str, cluster_domain: &str) -> Endpoint {
    let [host, ..] = operator::PINNED.minio_hosts(namespace, cluster_domain);
    let operator::ServicePort {
        scheme,
        port,
        port_name,
    } = operator::PINNED.minio_service(tls);
    Endpoint {
        scheme,
        url: format!("{scheme}://{host}"),
        host,
        port,
        port_name,
    }
}

fn config_env(spec: &Spec, set_drive_count: Option<u32>) -> Vec<EnvEntry> {
    let site = &spec.site;
    let mut entries = vec![
        env("MINIO_ROOT_USER", &site.tenant.root_user),
        EnvEntry {
            name: ROOT_PASSWORD.into(),
            value: None,
            credential: Some(credential(
                site,
                &site.tenant.config_secret,
                ROOT_PASSWORD,
                site.secrets.remote_keys.root.as_ref(),
                "root_password",
                CredentialKind::Password,
            )),
        },
        env(
            "MINIO_STORAGE_CLASS_STANDARD",
            &format!("EC:{}", spec.sizing.parity),
        ),
    ];
    // Cluster-wide (`cmd/handler-api.go` divides it by the servers); unset, MinIO derives a
    // memory-safe value per server, which is what the profiles rely on.
    if let Some(max) = spec.sizing.api_requests_max {
        entries.push(env("MINIO_API_REQUESTS_MAX", &max.to_string()));
    }
    if site.prometheus.enabled && site.prometheus.auth == MetricsAuth::Public {
        entries.push(env("MINIO_PROMETHEUS_AUTH_TYPE", "public"));
    }
    if let Some(url) = &site.audit.webhook_endpoint {
        entries.push(env("MINIO_AUDIT_WEBHOOK_ENABLE_miniogen", "on"));
        entries.push(env("MINIO_AUDIT_WEBHOOK_ENDPOINT_miniogen", url));
    }
    if let Some(count) = set_drive_count {
        entries.push(env(SET_DRIVE_COUNT_ENV, &count.to_string()));
    }
    entries
}

/// The `config.env` variable holding the root password.
pub const ROOT_PASSWORD: &str = "MINIO_ROOT_PASSWORD";
/// The user Secret key holding the access key.
pub const ACCESS_KEY: &str = "CONSOLE_ACCESS_KEY";
/// The user Secret key holding the secret key.
pub const SECRET_KEY: &str = "CONSOLE_SECRET_KEY";
/// The configuration Secret's only key.
pub const CONFIG_ENV: &str = "config.env";

/// A reference to credential `key` of Secret `secret`, stored at `remote` or at the default
/// `minio/<tenant>/<secret>`, property `key`.
fn credential(
    site: &Site,
    secret: &str,
    key: &str,
    remote: Option<&RemoteKey>,
    variable: &str,
    kind: CredentialKind,
) -> CredentialRef {
    CredentialRef {
        secret: secret.into(),
        key: key.into(),
        remote: remote.cloned().unwrap_or_else(|| RemoteKey {
            key: format!("minio/{}/{secret}", site.tenant.name),
            property: key.into(),
        }),
        variable: variable.into(),
        template: format!("{{{{ .{variable} }}}}"),
        kind,
    }
}

/// The Secret of one MinIO user: its access key as it is, its secret key a credential.
fn user_secret(
    site: &Site,
    name: &str,
    access_key: &str,
    secret: &str,
    remote: Option<&RemoteKey>,
) -> SecretObject {
    let secret_key = credential(
        site,
        secret,
        SECRET_KEY,
        remote,
        "secret_key",
        CredentialKind::Password,
    );
    SecretObject {
        name: secret.to_string(),
        used_by: String::new(),
        component: "credentials",
        consumer: Some(name.to_string()),
        keys: vec![
            SecretKey {
                name: ACCESS_KEY.into(),
                value: KeyValue::Literal {
                    text: access_key.to_string(),
                },
            },
            SecretKey {
                name: SECRET_KEY.into(),
                value: KeyValue::Credential {
                    credential: secret_key.clone(),
                },
            },
        ],
        credentials: vec![secret_key],
    }
}

fn secrets(
    site: &Site,
    config_env: &[EnvEntry],
    consumers: &[Consumer],
    admin: Option<&Admin>,
    monitor: Option<&Monitor>,
) -> Secrets {
    let s = &site.secrets;
    let mut objects = vec![SecretObject {
        name: site.tenant.config_secret.clone(),
        used_by: "Tenant `spec.configuration`".into(),
        component: "configuration",
        consumer: None,
        keys: vec![SecretKey {
            name: CONFIG_ENV.into(),
            value: KeyValue::ConfigEnv,
        }],
        credentials: config_env
            .iter()
            .filter_map(|e| e.credential.clone())
            .collect(),
    }];
    for c in consumers {
        let mut object = user_secret(
            site,
            &c.name,
            &c.access_key,
            &c.secret,
            c.remote_key.as_ref(),
        );
        object.used_by = if c.name == "rclone" {
            "the IAM MinIOJob (creates the user), rclone CronJob".into()
        } else {
            format!("the IAM MinIOJob (creates the user), {}", c.description)
        };
        objects.push(object);
    }
    if let Some(a) = admin {
        let mut object = user_secret(
            site,
            "admin",
            &a.access_key,
            &a.secret,
            a.remote_key.as_ref(),
        );
        object.used_by =
            "Tenant `spec.users` (the administrator, with `consoleAdmin`; no consumer)".into();
        objects.push(object);
    }
    if let Some((secret, key)) = monitor.and_then(|m| m.bearer.as_ref()) {
        let token = credential(
            site,
            secret,
            key,
            s.remote_keys.metrics_token.as_ref(),
            "token",
            CredentialKind::MetricsToken {
                subject: site.tenant.root_user.clone(),
                signer_secret: site.tenant.config_secret.clone(),
                signer_key: ROOT_PASSWORD.into(),
            },
        );
        objects.push(SecretObject {
            name: secret.clone(),
            used_by: if monitor.is_some_and(|m| m.node.is_some()) {
                "ScrapeConfig and ServiceMonitor `authorization.credentials`".into()
            } else {
                "ScrapeConfig `authorization.credentials`".into()
            },
            component: "monitoring",
            consumer: Some("prometheus".into()),
            keys: vec![SecretKey {
                name: key.clone(),
                value: KeyValue::Credential {
                    credential: token.clone(),
                },
            }],
            credentials: vec![token],
        });
    }
    Secrets {
        mode: s.mode,
        source: s.mode.name(),
        emits_secrets: s.mode.emits_secrets(),
        emits_external_secrets: s.mode == SecretsMode::ExternalSecrets,
        rotation: s.rotation,
        vault_path_prefix: s.vault_path_prefix.clone(),
        store: Store {
            name: s.store.name.clone(),
            kind: s.store.kind,
            refresh_interval: s.refresh_interval.clone(),
        },
        objects,
    }
}

fn monitor(site: &Site, labels: &BTreeMap<String, String>, s3: &Endpoint) -> Monitor {
    // Prometheus's labels beside miniogen's own, never over them (`rules` refuses those keys).
    let mut monitor_labels = site.prometheus.labels.clone();
    monitor_labels.extend(labels.clone());
    let tls = site.tenant.tls;
    Monitor {
        name: site.tenant.name.clone(),
        labels: monitor_labels,
        interval: site.prometheus.interval.clone(),
        scrape_timeout: site.prometheus.scrape_timeout.clone(),
        target_labels: BTreeMap::from([(
            watch::TENANT_SERIES_LABEL.to_string(),
            format!("{}/{}", site.namespace, site.tenant.name),
        )]),
        cluster: ClusterScrape {
            target: format!("{}:{}", s3.host, s3.port),
            scheme: if tls { "HTTPS" } else { "HTTP" },
            path: METRICS_PATH,
        },
        node: site.prometheus.node_metrics.then(|| NodeScrape {
            name: format!("{}-nodes", site.tenant.name),
            selector: BTreeMap::from([(TENANT_LABEL.to_string(), site.tenant.name.clone())]),
            exclude_label: SCRAPE_LABEL,
            port_name: s3.port_name,
            scheme: s3.scheme,
            path: NODE_METRICS_PATH,
        }),
        server_name: tls.then(|| s3.host.clone()),
        ca: outputs::trust(site),
        bearer: site
            .prometheus
            .bearer_token_secret
            .clone()
            .filter(|_| site.prometheus.auth == MetricsAuth::Bearer)
            .map(|secret| (secret, site.prometheus.bearer_token_key.clone())),
    }
}

fn rclone(site: &Site, s3: &Endpoint) -> Rclone {
    let r = &site.rclone;
    let remote = |name: &str| Remote {
        name: name.to_string(),
        endpoint: s3.url.clone(),
        secret: site.users.rclone().secret,
        // rclone reads `RCLONE_CONFIG_<REMOTE>_<OPTION>`, upper-casing the remote name but
        // keeping its dashes (fs.ConfigToEnv since rclone 1.6x; checked against 1.75).
        access_key_env: format!("RCLONE_CONFIG_{}_ACCESS_KEY_ID", name.to_uppercase()),
        secret_key_env: format!("RCLONE_CONFIG_{}_SECRET_ACCESS_KEY", name.to_uppercase()),
    };
    Rclone {
        name: r.name.clone(),
        config_map: format!("{}-config", r.name),
        schedule: r.schedule.clone(),
        time_zone: r.time_zone.clone(),
        image: r.image.clone(),
        pinned_by_digest: r.image.contains("@sha256:"),
        args: vec![
            "sync".into(),
            format!("{}:{}", r.source.remote, r.source.bucket),
            format!("{}:{}", r.destination.remote, r.destination.bucket),
            "--transfers".into(),
            r.transfers.to_string(),
            "--checkers".into(),
            r.checkers.to_string(),
        ],
        remotes: vec![remote(&r.source.remote), remote(&r.destination.remote)],
        deadline_seconds: r.deadline_seconds,
        ca: outputs::trust(site).map(|t| t.mount("/etc/rclone/ca")),
    }
}

fn env(name: &str, value: &str) -> EnvEntry {
    EnvEntry {
        name: name.into(),
        value: Some(value.into()),
        credential: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn pool(
    tenant: &str,
    name: &str,
    servers: u32,
    volumes_per_server: u32,
    volume_size: &str,
    storage_class: &str,
    parity: u32,
    set_drive_count: Option<u32>,
    resources: &PoolResources,
) -> Pool {
    // rules::check has refused every layout and size that would fail here, and
    // `set_drive_count` is only a size every pool accepts.
    let own = Layout::new(servers, volumes_per_server, parity)
        .unwrap_or_else(|e| unreachable!("rules let through an invalid layout: {e}"));
    let layout = match set_drive_count {
        Some(size) => Layout::with_set_size(servers, volumes_per_server, parity, size)
            .unwrap_or_else(|e| unreachable!("a set size a pool refuses was chosen: {e}")),
        None => own.clone(),
    };
    let volume_bytes = quantity::bytes(volume_size).unwrap_or_default();
    let raw_bytes = volume_bytes * u128::from(layout.drives);
    let usable_bytes = volume_bytes * u128::from(layout.sets * layout.data);
    Pool {
        name: name.into(),
        servers,
        volumes_per_server,
        volume_size: volume_size.into(),
        storage_class: storage_class.into(),
        raw: quantity::format_bytes(raw_bytes),
        usable: quantity::format_bytes(usable_bytes),
        raw_bytes,
        usable_bytes,
        efficiency_percent: layout.data * 100 / layout.set_size,
        own_set_size: own.set_size,
        disruption_budget: disruption_budget(tenant, name, servers, &layout),
        pod_annotations: BTreeMap::from([(
            SET_SIZE_ANNOTATION.to_string(),
            layout.set_size.to_string(),
        )]),
        selector: BTreeMap::from([
            (TENANT_LABEL.to_string(), tenant.to_string()),
            (POOL_LABEL.to_string(), name.to_string()),
        ]),
        resources: resources.clone(),
        layout,
    }
}

/// The pool's one budget: the operator's where it writes one, else miniogen's from write quorum.
/// The operator never writes one for a pool of 2 servers or fewer, and a pool's servers cannot
/// change (the CRD's `self == oldSelf`), so miniogen's stays the only one.
fn disruption_budget(tenant: &str, pool: &str, servers: u32, layout: &Layout) -> DisruptionBudget {
    let quorum_allows = layout.servers_lost_write;
    match operator::PINNED.disruption_budget(tenant, pool, servers) {
        Some(budget) => DisruptionBudget {
            name: budget.name,
            writer: "operator",
            min_available: Some(budget.min_available),
            max_unavailable: None,
            allows_down: budget.allows_down,
            quorum_allows,
            quorum_safe: budget.allows_down <= quorum_allows,
        },
        None => DisruptionBudget {
            name: format!("{tenant}-{pool}"),
            writer: "miniogen",
            min_available: None,
            max_unavailable: Some(quorum_allows),
            allows_down: quorum_allows,
            quorum_allows,
            quorum_safe: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::decode::{Inputs, decode};

    fn plan_of(tier: usize, sets: &[&str]) -> Plan {
        let spec = decode(&Inputs::for_test(tier, None, sets)).unwrap_or_else(|e| panic!("{e:?}"));
        plan(&spec)
    }

    fn config_value(plan: &Plan, name: &str) -> Option<String> {
        plan.config_env
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| e.value.clone())
    }

    /// The 4-server tiers keep MinIO's own sets of 8 (the operator lets 1 of 4 go, quorum 1);
    /// the 8-server tiers get sets of 8 (the operator lets 3 of 8 go; 16-drive sets survive 2).
    #[test]
    fn every_builtin_tier_is_quorum_safe_under_the_operators_budget() {
        for (tier, count, set_size) in [
            (0, None, 8),
            (1, None, 8),
            (2, None, 8),
            (3, Some(8), 8),
            (4, Some(8), 8),
        ] {
            let plan = plan_of(tier, &[]);
            let pool = &plan.pools[0];
            assert_eq!(plan.erasure.set_drive_count, count, "tier {tier}");
            assert_eq!(
                config_value(&plan, SET_DRIVE_COUNT_ENV),
                count.map(|c| c.to_string())
            );
            assert_eq!(pool.layout.set_size, set_size, "tier {tier}");
            assert_eq!(pool.layout.parity, 4, "tier {tier}: EC:4 is kept");
            assert_eq!(pool.disruption_budget.writer, "operator");
            assert!(pool.disruption_budget.quorum_safe, "tier {tier}");
            assert_eq!(
                pool.pod_annotations.get(SET_SIZE_ANNOTATION),
                Some(&set_size.to_string())
            );
        }
        let big = plan_of(4, &[]);
        assert_eq!(big.pools[0].own_set_size, 16);
        assert_eq!(big.erasure.largest_usable, "12000Gi");
        assert_eq!(big.capacity.usable, "8000Gi");
        assert!(big.erasure.cost.is_some());
    }

    #[test]
    fn the_largest_sets_are_kept_on_request_and_reported_unsafe() {
        let plan = plan_of(4, &["tenant.erasure_sets=largest"]);
        let pool = &plan.pools[0];
        assert_eq!(plan.erasure.set_drive_count, None);
        assert_eq!(config_value(&plan, SET_DRIVE_COUNT_ENV), None);
        assert_eq!(pool.layout.set_size, 16);
        let b = &pool.disruption_budget;
        assert_eq!(
            (
                b.min_available,
                b.allows_down,
                b.quorum_allows,
                b.quorum_safe
            ),
            (Some(5), 3, 2, false)
        );
        assert_eq!(plan.erasure.cost, None);
    }

    /// One value serves every pool (`mergeDisksLayoutFromArgs`): the size must fit each.
    #[test]
    fn one_set_size_fits_every_pool() {
        // 8 x 2 (MinIO alone: 16) beside 4 x 2 (MinIO alone: 8): 8 fits both.
        let extra =
            "pools=[{name=\"pool-1\", servers=4, volumes_per_server=2, volume_size=\"1Ti\"}]";
        let plan = plan_of(3, &[extra]);
        assert_eq!(plan.erasure.set_drive_count, Some(8));
        for pool in &plan.pools {
            assert!(pool.disruption_budget.quorum_safe, "{}", pool.name);
            assert_eq!(pool.layout.set_size, 8, "{}", pool.name);
        }
        assert_eq!(plan.pools[1].own_set_size, 8);
        // 8 x 2 beside 4 x 3 at EC:2: only 2 and 4 divide both 16 and 12, 2 cannot hold EC:2,
        // and 4-drive sets (2+2) survive one drive per set: no size keeps the 8-server pool's
        // budget (3 down) within quorum, so MinIO's own sets stay and the plan says so.
        let extra =
            "pools=[{name=\"pool-1\", servers=4, volumes_per_server=3, volume_size=\"1Ti\"}]";
        let plan = plan_of(3, &["sizing.parity=2", extra]);
        assert_eq!(plan.erasure.set_drive_count, None);
        assert!(!plan.pools[0].disruption_budget.quorum_safe);
        assert_eq!(plan.pools[0].layout.set_size, 16);
    }

    /// A pool of 2 servers gets no budget from the operator, so miniogen writes the one budget,
    /// from write quorum.
    #[test]
    fn a_two_server_pool_gets_miniogens_budget() {
        let plan = plan_of(
            0,
            &[
                "sizing.servers=2",
                "sizing.parity=2",
                "warnings.servers_multiple_of_4=false",
            ],
        );
        let b = &plan.pools[0].disruption_budget;
        assert_eq!(
            (b.writer, b.min_available, b.max_unavailable, b.quorum_safe),
            ("miniogen", None, Some(0), true)
        );
    }

    /// Nothing in a pool's pod template follows `config.env`: a configuration change must
    /// never roll the pods (MinIO waits in `verifyServerSystemConfig` until half its peers run
    /// the same `MINIO_*` values), so the Tenant stays byte-identical when only the
    /// configuration changes.
    #[test]
    fn the_configuration_never_reaches_the_pod_template() {
        let plan = |sets: &[&str]| plan_of(2, sets);
        let base = plan(&[]);
        for sets in [
            &["audit.webhook_endpoint=\"https://audit.example.com/\""][..],
            &["tenant.root_user=\"other-admin\""],
            &["sizing.api_requests_max=1000"],
        ] {
            let changed = plan(sets);
            assert_ne!(
                format!("{:?}", base.config_env),
                format!("{:?}", changed.config_env),
                "{sets:?} should change the configuration"
            );
            assert_eq!(
                base.pools
                    .iter()
                    .map(|p| &p.pod_annotations)
                    .collect::<Vec<_>>(),
                changed
                    .pools
                    .iter()
                    .map(|p| &p.pod_annotations)
                    .collect::<Vec<_>>(),
                "{sets:?}"
            );
        }
    }
}
