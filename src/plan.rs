//! The plan: every number and name the manifests need, computed once from a checked `Spec`.
//!
//! Erasure layouts, capacities, disruption budgets, service endpoints, secret references and
//! labels are decided here, so that templates only place values and never compute them. The plan
//! is also what `miniogen plan` prints. No IO.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::access::{self, Admin, Consumer, Iam};
use crate::advisories::{self, Software};
use crate::credentials;
use crate::decode::Spec;
use crate::digest;
use crate::erasure::Layout;
use crate::outputs::{self, Outputs};
use crate::quantity;
use crate::requests::{self, ApiRequests};
use crate::spec::{MetricsAuth, RemoteKey, ResourceList, SecretsMode, Site, StoreKind};

/// The label the operator puts on every pod of a tenant.
pub const TENANT_LABEL: &str = "v1.min.io/tenant";
/// The label the operator puts on every pod of a pool.
pub const POOL_LABEL: &str = "v1.min.io/pool";
/// Set through `serviceMetadata` on the S3 service only, so that the per-server ServiceMonitor
/// can select the headless service and not this one, which fronts the same pods.
pub const SCRAPE_LABEL: &str = "miniogen.io/scrape";
/// Annotation with the CCU tier an object was generated for.
pub const TIER_ANNOTATION: &str = "miniogen.io/tier";
/// Annotation with the sha256 of the normalized inputs an object was generated from.
pub const INPUTS_ANNOTATION: &str = "miniogen.io/inputs";
/// Pod annotation with the sha256 of the non-secret configuration.
pub const CONFIG_CHECKSUM: &str = "miniogen.io/config-checksum";
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
    /// Pools, the profile's first.
    pub pools: Vec<Pool>,
    /// Totals over all pools.
    pub capacity: Capacity,
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
    /// Buckets the operator creates.
    pub buckets: Vec<Bucket>,
    /// The ServiceMonitor, when enabled.
    pub monitor: Option<Monitor>,
    /// The LI sync, when enabled.
    pub rclone: Option<Rclone>,
    /// Where credentials come from, and every Secret the manifests reference.
    pub secrets: Secrets,
    /// Annotations every object carries: the tier and a hash of the normalized inputs.
    pub provenance: BTreeMap<String, String>,
    /// Published advisories the pinned images predate the fix of, as warnings.
    pub advisories: Vec<advisories::Finding>,
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
    /// Annotations on every MinIO pod: a checksum of the non-secret configuration, so that a
    /// change to it rolls the pods and an unchanged input changes nothing.
    pub pod_annotations: BTreeMap<String, String>,
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
    /// The erasure layout MinIO will choose.
    pub layout: Layout,
    /// The pool's PodDisruptionBudget.
    pub disruption_budget: DisruptionBudget,
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

/// A PodDisruptionBudget derived from write quorum.
#[derive(Debug, Clone, Serialize)]
pub struct DisruptionBudget {
    /// Object name.
    pub name: String,
    /// Servers that may be evicted at once: never more than write quorum survives.
    pub max_unavailable: u32,
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

/// A key of a Secret whose value is a credential, filled in by the render stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRef {
    /// Secret name.
    pub secret: String,
    /// Key within the Secret (for the root password: its variable in `config.env`).
    pub key: String,
    /// Where the secret store keeps it.
    pub remote: RemoteKey,
    /// The name External Secrets fetches it under, for its template.
    pub variable: String,
    /// The External Secrets template expression that stands for it, such as
    /// `{{ .root_password }}`. Data for our templates, never template source.
    pub template: String,
    /// What the credential is.
    pub kind: CredentialKind,
}

/// What a credential is, which decides how `derived` makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum CredentialKind {
    /// A password or secret key.
    Password,
    /// A metrics bearer token signed by the secret key of `subject`, which is the credential
    /// `signer_key` of Secret `signer_secret`.
    MetricsToken {
        /// The access key the token is issued for.
        subject: String,
        /// Secret of the signing credential.
        signer_secret: String,
        /// Its key.
        signer_key: String,
    },
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
}

/// A bucket.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// Region, if set.
    pub region: Option<String>,
    /// Object lock.
    pub object_lock: bool,
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
pub fn plan(spec: &Spec) -> Plan {
    let site = &spec.site;
    let tenant_name = site.tenant.name.clone();
    let labels = common_labels(&tenant_name);
    let resources = PoolResources {
        requests: spec.sizing.resources.requests.clone(),
        limits: spec.sizing.resources.limits.clone(),
    };
    let mut pools = vec![pool(
        &tenant_name,
        &site.tenant.pool_name,
        spec.sizing.servers,
        spec.sizing.volumes_per_server,
        &spec.sizing.volume_size,
        &site.tenant.storage_class,
        spec.sizing.parity,
        &resources,
    )];
    for extra in &site.pools {
        pools.push(pool(
            &tenant_name,
            &extra.name,
            extra.servers,
            extra.volumes_per_server,
            &extra.volume_size,
            extra
                .storage_class
                .as_deref()
                .unwrap_or(&site.tenant.storage_class),
            spec.sizing.parity,
            &resources,
        ));
    }
    let s3 = endpoint(site.tenant.tls, &site.namespace, &site.cluster_domain);
    let config_env = config_env(spec);
    let consumers = access::consumers(site);
    let admin = access::admin(site);
    let iam = access::iam(site, &consumers);
    let outputs = outputs::outputs(site, &s3);
    let prerequisites = prerequisites(site, &outputs);
    let monitor = site.prometheus.enabled.then(|| monitor(site, &labels, &s3));
    let rclone = site.rclone.enabled.then(|| rclone(site, &s3));
    let secrets = secrets(
        site,
        &config_env,
        &consumers,
        admin.as_ref(),
        monitor.as_ref(),
    );
    let capacity = capacity(&pools);
    let api_requests = api_requests(spec, &pools);
    let config_checksum = digest::sha256(&serde_json::to_string(&config_env).unwrap_or_default());
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
            pod_annotations: BTreeMap::from([(CONFIG_CHECKSUM.to_string(), config_checksum)]),
            api_requests,
        },
        pools,
        capacity,
        s3,
        config_env,
        consumers,
        admin,
        iam,
        outputs,
        prerequisites,
        buckets: buckets(site),
        monitor,
        rclone,
        secrets,
        provenance: provenance(spec),
        advisories: image_advisories(site),
    }
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
            });
        }
        let cnpg = &outputs.cnpg;
        if let Some(secret) = cnpg
            .ca_secret
            .as_ref()
            .filter(|_| t.kind == "ConfigMap" && (cnpg.fragments || cnpg.object_store_in_manifests))
        {
            let ca = &t.name;
            out.push(Prerequisite {
                kind: "Secret",
                name: secret.clone(),
                key: outputs::CA_KEY.into(),
                why: format!(
                    "yours, for CloudNativePG's `endpointCA`: the same CA as ConfigMap `{ca}`, such as \
                     `kubectl create secret generic {secret} --from-file=ca.crt=<(kubectl get configmap \
                     {ca} -o jsonpath='{{.data.ca\\.crt}}')`"
                ),
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

fn buckets(site: &Site) -> Vec<Bucket> {
    site.buckets
        .iter()
        .map(|b| Bucket {
            name: b.name.clone(),
            region: b.region.clone(),
            object_lock: b.object_lock,
        })
        .collect()
}

/// The tier and a hash of the normalized inputs: the effective configuration after layering and
/// defaults, so that two inputs that mean the same thing hash the same.
fn provenance(spec: &Spec) -> BTreeMap<String, String> {
    // The rotation counter is an input to credentials only, like the master key: bumping it
    // must change the credentials and nothing else.
    let mut site = spec.site.clone();
    site.secrets.rotation = 0;
    let normalized = serde_json::json!({
        "ccu": spec.tier_ccu,
        "sizing": spec.sizing,
        "site": site,
    });
    BTreeMap::from([
        (TIER_ANNOTATION.to_string(), spec.tier_ccu.to_string()),
        (
            INPUTS_ANNOTATION.to_string(),
            format!("sha256:{}", digest::sha256(&normalized.to_string())),
        ),
    ])
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

/// The operator's `minio` service: HTTPS on 443 with auto-cert, HTTP on 80 without. Pods listen
/// on 9000 either way, but nothing in the cluster should address them directly. The host is the
/// operator's `MinIOFQDNServiceName` (`pkg/apis/minio.min.io/v2/names.go`), the certificate's
/// common name: `minio.<namespace>.svc.<CLUSTER_DOMAIN>`.
fn endpoint(tls: bool, namespace: &str, cluster_domain: &str) -> Endpoint {
    let host = format!("minio.{namespace}.svc.{cluster_domain}");
    let (scheme, port, port_name) = if tls {
        ("https", 443, "https-minio")
    } else {
        ("http", 80, "http-minio")
    };
    Endpoint {
        scheme,
        url: format!("{scheme}://{host}"),
        host,
        port,
        port_name,
    }
}

fn config_env(spec: &Spec) -> Vec<EnvEntry> {
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
        emits_secrets: credentials::emits_secrets(s.mode),
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
    let mut monitor_labels = labels.clone();
    monitor_labels.extend(site.prometheus.labels.clone());
    let tls = site.tenant.tls;
    Monitor {
        name: site.tenant.name.clone(),
        labels: monitor_labels,
        interval: site.prometheus.interval.clone(),
        scrape_timeout: site.prometheus.scrape_timeout.clone(),
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
    resources: &PoolResources,
) -> Pool {
    // rules::check has refused every layout and size that would fail here.
    let layout = Layout::new(servers, volumes_per_server, parity)
        .unwrap_or_else(|e| unreachable!("rules let through an invalid layout: {e}"));
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
        disruption_budget: DisruptionBudget {
            name: format!("{tenant}-{name}"),
            max_unavailable: layout.servers_lost_write,
        },
        selector: BTreeMap::from([
            (TENANT_LABEL.to_string(), tenant.to_string()),
            (POOL_LABEL.to_string(), name.to_string()),
        ]),
        resources: resources.clone(),
        layout,
    }
}
