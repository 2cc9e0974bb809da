//! The input types: a sizing profile and a site file, as users write them in TOML.
//!
//! These serde types are the single source of truth for both decoding and the JSON Schemas in
//! `schema/` (schemars derives them), so a field documented here is what an editor shows. They
//! hold what the user wrote, defaults filled in, and nothing computed: arithmetic lives in `plan`.
//! `Spec` is the effective configuration `decode` gives every later stage, and each secrets
//! mode says here what it writes.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A sizing profile: one row of the scaling table, the resources a tier of concurrent users needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "miniogen sizing profile")]
pub struct Profile {
    /// The largest number of concurrent users (CCU) this tier serves. `--ccu N` picks the
    /// smallest built-in tier whose `ccu` is at least N.
    #[schemars(range(min = 1, max = 1_000_000))]
    pub ccu: u32,
    /// One line describing who this tier is for.
    #[schemars(length(max = 200))]
    pub summary: String,
    /// Servers, drives, parity and resources of the tenant's first pool.
    pub sizing: Sizing,
}

/// Everything that varies with the tier. A site file may override any of it under `[sizing]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sizing {
    /// MinIO servers (pods) in the first pool; each runs on its own node.
    #[schemars(range(min = 1, max = 1024))]
    pub servers: u32,
    /// Persistent volumes (drives) per server.
    #[schemars(range(min = 1, max = 64))]
    pub volumes_per_server: u32,
    /// Size of every volume, as a Kubernetes quantity such as `500Gi`.
    #[schemars(extend("format" = "k8s-size"))]
    #[schemars(length(min = 1, max = 64))]
    pub volume_size: String,
    /// Parity shards per erasure set: `EC:N` in `MINIO_STORAGE_CLASS_STANDARD`. At most half the
    /// erasure-set size of every pool.
    #[schemars(range(min = 1, max = 8))]
    pub parity: u32,
    /// `MINIO_API_REQUESTS_MAX`: concurrent S3 requests for the whole cluster. MinIO divides
    /// it by the number of servers (`cmd/handler-api.go`); unset, each server derives a
    /// memory-safe limit from its memory limit and erasure-set size, which `miniogen plan`
    /// shows. Leave it unset unless you have measured.
    #[schemars(range(min = 1, max = 1_000_000))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_requests_max: Option<u32>,
    /// CPU and memory of every MinIO server.
    pub resources: Resources,
}

/// Kubernetes resource requests and limits of a MinIO server container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// What the scheduler reserves for each server.
    pub requests: ResourceList,
    /// The most each server may use.
    pub limits: ResourceList,
}

/// CPU and memory as Kubernetes quantities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceList {
    /// CPU, such as `2` or `500m`.
    #[schemars(extend("format" = "k8s-cpu"))]
    #[schemars(length(min = 1, max = 64))]
    pub cpu: String,
    /// Memory, such as `8Gi`.
    #[schemars(extend("format" = "k8s-size"))]
    #[schemars(length(min = 1, max = 64))]
    pub memory: String,
}

/// The site file (`miniogen.toml`): what varies per installation. Every key is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(title = "miniogen site file")]
pub struct Site {
    /// Namespace of the tenant and of everything miniogen generates.
    #[schemars(extend("format" = "dns-label"))]
    #[schemars(length(max = 253))]
    pub namespace: String,
    /// The cluster's DNS domain, which the MinIO Operator reads from its `CLUSTER_DOMAIN`
    /// variable (default `cluster.local`) to name the S3 service and its certificate. Set both
    /// to the same value: every endpoint, `serverName` and consumer output uses it.
    #[schemars(extend("format" = "dns-domain"))]
    #[schemars(length(max = 253))]
    pub cluster_domain: String,
    /// The MinIO tenant itself.
    pub tenant: TenantSettings,
    /// The first pool (`tenant.pool_name`) and what every pool shares. Its shape (`servers`,
    /// `volumes_per_server`, `volume_size`) is written down as the pool was created, as
    /// `miniogen init` does: a pool never changes shape, and `gen` to stdout and `argocd
    /// generate` refuse a site file that leaves it to the tier, whose next `ccu` would reshape
    /// it. Every other key overrides the profile's value for every pool; unset, the profile's.
    pub sizing: SizingOverride,
    /// Additional pools for horizontal scaling, after the profile's pool. Pools cannot be
    /// resized once created (their volumes may only grow): grow by appending one, which
    /// `miniogen grow` writes for you.
    #[schemars(length(max = 32))]
    pub pools: Vec<ExtraPool>,
    /// Buckets the operator creates.
    #[schemars(length(max = 100))]
    pub buckets: Vec<Bucket>,
    /// The MinIO identities of the built-in consumers (Synapse, CloudNativePG, the LI sync).
    /// None of them is in the Tenant's `spec.users`, which the operator would give
    /// `consoleAdmin`: a MinIOJob creates each with a policy naming only its buckets.
    pub users: Users,
    /// Further consumers, each with its own MinIO user, Secret and policy, such as
    /// `[consumers.loki]` with `buckets = { loki-chunks = "read-write-delete" }`. At most 100,
    /// as many as there may be buckets.
    #[schemars(extend("maxProperties" = 100))]
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub consumers: BTreeMap<String, ExtraConsumer>,
    /// An administrator user for people (the MinIO Console, `mc admin`), separate from every
    /// consumer. The operator creates it with `consoleAdmin`: full rights over the tenant.
    #[schemars(with = "AdminUser")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<AdminUser>,
    /// The MinIOJob that creates the consumers' users and policies.
    pub iam: Iam,
    /// How Synapse reaches its media bucket: the `media_storage_providers` block.
    pub synapse: SynapseOutput,
    /// How CloudNativePG reaches its backup bucket: the Barman Cloud plugin's `ObjectStore` and
    /// the built-in `backup.barmanObjectStore` stanza.
    pub cnpg: CnpgOutput,
    /// Prometheus scraping: the cluster metrics once through a `ScrapeConfig`, each server's own
    /// through a `ServiceMonitor` when asked.
    pub prometheus: Prometheus,
    /// The rclone CronJob that copies Synapse media to the lawful-intercept bucket.
    pub rclone: Rclone,
    /// The verification Job that checks the running tenant against the plan after each sync.
    pub verify: Verify,
    /// MinIO audit logging to a webhook.
    pub audit: Audit,
    /// Warnings that the site may silence.
    pub warnings: Warnings,
    /// Where the credentials come from: the configuration Secret's root password and each
    /// user's secret key. None of them is ever written to Git in plain text unless you choose
    /// `derived` and write the output to a folder.
    pub secrets: Secrets,
    /// The CCU tier to use when the command line gives neither `--ccu` nor `--profile`.
    #[schemars(range(min = 1, max = 1_000_000))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ccu: Option<u32>,
    /// Named installations (such as `staging` and `production`), each overriding any of the
    /// keys above. `gen --out DIR` writes one folder per environment, `DIR/<name>`, so a name
    /// is a DNS-1123 label such as `production`. At most 1,000, which render in about a second.
    #[schemars(extend("propertyNames" = { "format": "dns-label" }, "maxProperties" = 1000))]
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: BTreeMap<String, Site>,
}

impl Default for Site {
    fn default() -> Self {
        Self {
            namespace: "matrix".into(),
            cluster_domain: "cluster.local".into(),
            tenant: TenantSettings::default(),
            sizing: SizingOverride::default(),
            pools: Vec::new(),
            buckets: ["synapse-media", "synapse-media-li", "postgresql-backups"]
                .into_iter()
                .map(Bucket::named)
                .collect(),
            users: Users::default(),
            consumers: BTreeMap::new(),
            admin: None,
            iam: Iam::default(),
            synapse: SynapseOutput::default(),
            cnpg: CnpgOutput::default(),
            prometheus: Prometheus::default(),
            rclone: Rclone::default(),
            verify: Verify::default(),
            audit: Audit::default(),
            warnings: Warnings::default(),
            secrets: Secrets::default(),
            ccu: None,
            environments: BTreeMap::new(),
        }
    }
}

/// Settings of the Tenant object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TenantSettings {
    /// Name of the Tenant; the operator derives pod and service names from it.
    #[schemars(extend("format" = "dns-label"))]
    #[schemars(length(max = 253))]
    pub name: String,
    /// MinIO image, pinned to a `RELEASE.` tag or a `@sha256:` digest. The default is the newest
    /// release upstream published an official image for; miniogen warns when the release
    /// predates the fix of a known advisory.
    #[schemars(extend("format" = "minio-image"))]
    #[schemars(length(max = 512))]
    pub image: String,
    /// StorageClass of every volume.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub storage_class: String,
    /// Name of the first pool.
    #[schemars(extend("format" = "dns-label"))]
    #[schemars(length(max = 63))]
    pub pool_name: String,
    /// Serve S3 over TLS: the S3 service then serves HTTPS on port 443 instead of HTTP on port
    /// 80. `trust` says whose certificate it is and which CA every client verifies it with.
    pub tls: bool,
    /// Which CA every client (Synapse, CloudNativePG, rclone, Prometheus, the IAM job's `mc`)
    /// trusts. `cluster-ca` (default): the operator's certificate (`requestAutoCert`), signed
    /// through a `CertificateSigningRequest` (`kubernetes.io/kubelet-serving`, or
    /// `beta.eks.amazonaws.com/app-serving` on EKS, or `MINIO_OPERATOR_CSR_SIGNER_NAME`),
    /// verified with `ca_config_map`; right only where that signer signs with the cluster's
    /// root CA. `named-ca`: the operator's certificate, verified with the CA you name in `ca`.
    /// `provided`: your certificate (such as cert-manager's) in `certificate_secret`
    /// (`requestAutoCert: false` with `externalCertSecret`), verified with `ca`, or that
    /// Secret's `ca.crt`.
    pub trust: TrustSource,
    /// ConfigMap holding the cluster's root CA, for `trust = "cluster-ca"`: every namespace has
    /// `kube-root-ca.crt`.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub ca_config_map: String,
    /// The CA clients trust, for `trust = "named-ca"` (required) and `"provided"`, such as
    /// `{ kind = "Secret", name = "minio-ca", key = "ca.crt" }` from cert-manager.
    #[schemars(with = "CaRef")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca: Option<CaRef>,
    /// For `trust = "provided"`: the Secret with your certificate for the tenant (`tls.crt`,
    /// `tls.key` and `ca.crt`, as cert-manager writes it), given to the operator as
    /// `externalCertSecret` of type `cert-manager.io/v1`.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_secret: Option<String>,
    /// Name of the configuration Secret (`config.env`, root credentials).
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub config_secret: String,
    /// MinIO root user name. Its password lives in the configuration Secret.
    #[schemars(extend("format" = "access-key"))]
    #[schemars(length(min = 3, max = 128))]
    pub root_user: String,
    /// How large MinIO's erasure sets are. `quorum-safe`: the largest size for which the
    /// PodDisruptionBudget MinIO Operator v6.0.2 writes for each pool never lets more servers go
    /// than write quorum survives, set through `MINIO_ERASURE_SET_DRIVE_COUNT` where MinIO's own
    /// choice would not hold (8-drive sets instead of 16 for 8 servers: 50% usable instead of
    /// 75%). `largest`: MinIO's own choice, fewer and larger sets with more usable capacity,
    /// and a warning for each pool whose budget exceeds quorum. Fixed once the drives are
    /// formatted: changing it on an existing pool needs `--accept-pool-rebuild`.
    pub erasure_sets: ErasureSets,
}

/// How large MinIO's erasure sets are: `quorum-safe` or `largest`.
// Variants carry no doc comments on purpose, as for `MetricsAuth`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErasureSets {
    #[allow(missing_docs)]
    #[default]
    QuorumSafe,
    #[allow(missing_docs)]
    Largest,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            name: "matrix-minio".into(),
            image: crate::model::advisories::NEWEST_MINIO_IMAGE.into(),
            storage_class: "standard".into(),
            pool_name: "pool-0".into(),
            tls: true,
            trust: TrustSource::ClusterCa,
            ca_config_map: "kube-root-ca.crt".into(),
            ca: None,
            certificate_secret: None,
            config_secret: "minio-config".into(),
            root_user: "minio-admin".into(),
            erasure_sets: ErasureSets::QuorumSafe,
        }
    }
}

/// Whose certificate the tenant serves and which CA verifies it: `cluster-ca`, `named-ca` or
/// `provided`.
// Variants carry no doc comments on purpose, as for `MetricsAuth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TrustSource {
    #[allow(missing_docs)]
    ClusterCa,
    #[allow(missing_docs)]
    NamedCa,
    #[allow(missing_docs)]
    Provided,
}

impl TrustSource {
    /// The name users write, such as `cluster-ca`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ClusterCa => "cluster-ca",
            Self::NamedCa => "named-ca",
            Self::Provided => "provided",
        }
    }
}

/// A CA certificate in a ConfigMap or a Secret of the tenant's namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaRef {
    /// `ConfigMap` or `Secret`.
    pub kind: CaKind,
    /// Its name.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub name: String,
    /// The key holding the PEM certificate; `ca.crt` when unset.
    #[schemars(extend("format" = "secret-key"))]
    #[schemars(length(max = 253))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Where a CA certificate is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CaKind {
    #[allow(missing_docs)]
    ConfigMap,
    #[allow(missing_docs)]
    Secret,
}

impl CaKind {
    /// `ConfigMap` or `Secret`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ConfigMap => "ConfigMap",
            Self::Secret => "Secret",
        }
    }
}

/// The profile's sizing with every key optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SizingOverride {
    /// MinIO servers (pods) in the first pool.
    #[schemars(range(min = 1, max = 1024))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub servers: Option<u32>,
    /// Persistent volumes (drives) per server.
    #[schemars(range(min = 1, max = 64))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volumes_per_server: Option<u32>,
    /// Size of every volume of the first pool, such as `1Ti`.
    #[schemars(extend("format" = "k8s-size"))]
    #[schemars(length(min = 1, max = 64))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_size: Option<String>,
    /// Parity shards per erasure set (`EC:N`).
    #[schemars(range(min = 1, max = 8))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parity: Option<u32>,
    /// `MINIO_API_REQUESTS_MAX`, for the whole cluster: MinIO divides it by the number of
    /// servers. Unset, each server derives a memory-safe limit.
    #[schemars(range(min = 1, max = 1_000_000))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_requests_max: Option<u32>,
    /// CPU and memory overrides.
    pub resources: ResourcesOverride,
    /// Set once MinIO has finished decommissioning the first pool into the others (`mc admin
    /// decommission status` says `Complete`): the pool then leaves the Tenant and the operator
    /// deletes its `StatefulSet`. Keep its shape and `tenant.pool_name` afterwards: they record
    /// the pool, whose name is never used again. Another pool must stay to hold the data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decommissioned: bool,
}

/// Resource requests and limits with every key optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ResourcesOverride {
    /// Request overrides.
    pub requests: ResourceListOverride,
    /// Limit overrides.
    pub limits: ResourceListOverride,
}

/// CPU and memory, each optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceListOverride {
    /// CPU, such as `4`.
    #[schemars(extend("format" = "k8s-cpu"))]
    #[schemars(length(min = 1, max = 64))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Memory, such as `16Gi`.
    #[schemars(extend("format" = "k8s-size"))]
    #[schemars(length(min = 1, max = 64))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

/// A pool added for horizontal scaling. It gets the first pool's resources and parity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraPool {
    /// Pool name, such as `pool-1`.
    #[schemars(extend("format" = "dns-label"))]
    #[schemars(length(max = 63))]
    pub name: String,
    /// MinIO servers (pods) in this pool.
    #[schemars(range(min = 1, max = 1024))]
    pub servers: u32,
    /// Persistent volumes per server.
    #[schemars(range(min = 1, max = 64))]
    pub volumes_per_server: u32,
    /// Size of every volume, such as `500Gi`.
    #[schemars(extend("format" = "k8s-size"))]
    #[schemars(length(min = 1, max = 64))]
    pub volume_size: String,
    /// StorageClass of this pool's volumes; the tenant's when unset.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// Set once MinIO has finished decommissioning this pool (`mc admin decommission status`
    /// says `Complete`): the pool then leaves the Tenant and the operator deletes its
    /// `StatefulSet`. Keep the entry afterwards: it records that the name is taken, since MinIO
    /// and the operator know pools by name and position.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decommissioned: bool,
    /// Listed, but not yet in the Tenant: the first step of adding it, which `miniogen grow`
    /// writes when the pool needs another configuration (such as
    /// `MINIO_ERASURE_SET_DRIVE_COUNT`). Its shape already decides that configuration, so the
    /// render changes `config.env` alone, which every server must take at once before the
    /// pool's drives are formatted with it. Remove the key (or run `miniogen grow` again) once
    /// that is applied and every server restarted: the next render adds the pool.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub planned: bool,
}

/// A bucket the operator creates when the tenant starts, and the settings a MinIOJob applies
/// to it. Unset settings take the defaults of the bucket's role: the lawful-intercept copy
/// (`rclone.destination.bucket`) is locked and versioned, with a retention of 90 days in
/// governance mode and noncurrent versions expired after as long; every other bucket is plain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// Bucket name, following the S3 naming rules.
    #[schemars(extend("format" = "s3-bucket"))]
    #[schemars(length(max = 63))]
    pub name: String,
    /// Region reported for the bucket, such as `us-east-1`.
    #[schemars(extend("format" = "region"))]
    #[schemars(length(max = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Create the bucket with object lock, which also makes it versioned. MinIO allows it only
    /// when the bucket is created: it can neither be added to a bucket that exists nor removed.
    /// On for the lawful-intercept copy, off for other buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_lock: Option<bool>,
    /// Keep every version of an object: a delete or an overwrite leaves the old version,
    /// noncurrent, until the lifecycle expires it. On for the lawful-intercept copy and every
    /// locked bucket (which cannot turn it off), off for other buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<bool>,
    /// The default retention of a locked bucket: every object version written is locked for
    /// `days` from its write, such as `{ mode = "governance", days = 90 }`. 90 days in
    /// governance mode for the lawful-intercept copy; none for other buckets.
    #[schemars(with = "Retention")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
    /// Lifecycle: days after which a noncurrent version (deleted or replaced) is removed, with
    /// any delete marker left without versions; `0` keeps noncurrent versions for ever. For a
    /// versioned bucket, its retention's days (or 30 without one); none for other buckets.
    #[schemars(range(max = 36_500))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_days: Option<u32>,
    /// A hard quota on the bucket's size, such as `2Ti`: MinIO refuses writes beyond it. None
    /// unless set.
    #[schemars(extend("format" = "k8s-size"))]
    #[schemars(length(min = 1, max = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<String>,
    /// For `miniogen plan`'s estimate of what versions cost: the percentage of the bucket's
    /// data deleted or replaced in 30 days, a whole number. 5 unless set.
    #[schemars(range(max = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn_percent: Option<u32>,
}

impl Bucket {
    /// A bucket with only a name: every setting takes its role's default.
    #[must_use]
    pub fn named(name: &str) -> Self {
        Self {
            name: name.into(),
            region: None,
            object_lock: None,
            versioning: None,
            retention: None,
            noncurrent_days: None,
            quota: None,
            churn_percent: None,
        }
    }
}

/// A locked bucket's default retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// `governance`: no one may remove or overwrite a locked version, or shorten its lock,
    /// except an identity granted `s3:BypassGovernanceRetention` (the administrators) asking to
    /// bypass it. `compliance`: no one at all, root included, until the lock ends.
    pub mode: RetentionMode,
    /// How long each version stays locked after it is written, in days.
    #[schemars(range(min = 1, max = 36_500))]
    pub days: u32,
    /// For a compliance retention that really must become shorter (the obligation behind it
    /// changed): the days it had, as an acknowledgement that `check` and `gen --out` ask for.
    #[schemars(range(min = 1, max = 36_500))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowered_from: Option<u32>,
}

/// How strictly a retention holds: `governance` or `compliance`.
// Variants carry no doc comments on purpose, as for `MetricsAuth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RetentionMode {
    #[allow(missing_docs)]
    Governance,
    #[allow(missing_docs)]
    Compliance,
}

impl RetentionMode {
    /// The name users and `mc` write, such as `governance`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Governance => "governance",
            Self::Compliance => "compliance",
        }
    }
}

/// One MinIO identity per built-in consumer, so that each can be scoped and rotated on its own.
/// Every key is optional; unset ones keep the defaults named below.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Users {
    /// The Synapse media store (user `synapse`, Secret `minio-user`, bucket `synapse-media`):
    /// reads and writes its bucket, never deletes.
    pub synapse: BucketUser,
    /// CloudNativePG backups (user `cnpg`, Secret `minio-credentials`, bucket
    /// `postgresql-backups`): reads, writes and deletes (retention) in its bucket.
    pub cnpg: BucketUser,
    /// The rclone lawful-intercept sync (user `rclone-li-sync`, Secret
    /// `minio-rclone-credentials`): reads `rclone.source.bucket`, and reads, writes and deletes
    /// in `rclone.destination.bucket`.
    pub rclone: AppUser,
}

/// A consumer miniogen knows without being told, set under `[users.<name>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltIn {
    /// Synapse's media store.
    Synapse,
    /// CloudNativePG's backups.
    Cnpg,
    /// The LI sync.
    Rclone,
}

impl BuiltIn {
    /// Every built-in consumer, in the order identities are listed.
    pub const ALL: [BuiltIn; 3] = [BuiltIn::Synapse, BuiltIn::Cnpg, BuiltIn::Rclone];

    /// Its name, which `[consumers]` may not reuse.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            BuiltIn::Synapse => "synapse",
            BuiltIn::Cnpg => "cnpg",
            BuiltIn::Rclone => "rclone",
        }
    }
}

/// Whose an identity of the site is.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    /// A built-in consumer.
    BuiltIn(BuiltIn),
    /// A consumer the site adds under `[consumers.<name>]`.
    Added(&'a str, &'a ExtraConsumer),
    /// The administrator, `[admin]`.
    Admin,
}

impl<'a> Holder<'a> {
    /// The consumer's name; `None` for the administrator.
    #[must_use]
    pub fn consumer(self) -> Option<&'a str> {
        match self {
            Holder::BuiltIn(b) => Some(b.name()),
            Holder::Added(name, _) => Some(name),
            Holder::Admin => None,
        }
    }
}

/// One MinIO identity the site gives someone: whose it is, and its access key and Secret.
#[derive(Debug, Clone)]
pub struct SiteIdentity<'a> {
    /// Whose it is.
    pub holder: Holder<'a>,
    /// Its access key, Secret and bucket.
    pub identity: Identity,
}

impl Site {
    /// Every identity of the site, with the defaults applied: the built-in consumers (the LI
    /// sync's only when it is enabled), the site's consumers in name order, then the
    /// administrator.
    #[must_use]
    pub fn identities(&self) -> Vec<SiteIdentity<'_>> {
        let mut out: Vec<SiteIdentity<'_>> = BuiltIn::ALL
            .into_iter()
            .filter(|b| *b != BuiltIn::Rclone || self.rclone.enabled)
            .map(|b| SiteIdentity {
                holder: Holder::BuiltIn(b),
                identity: match b {
                    BuiltIn::Synapse => self.users.synapse(),
                    BuiltIn::Cnpg => self.users.cnpg(),
                    BuiltIn::Rclone => self.users.rclone(),
                },
            })
            .collect();
        for (name, c) in &self.consumers {
            out.push(SiteIdentity {
                holder: Holder::Added(name, c),
                identity: Identity {
                    access_key: c.access_key.clone(),
                    secret: c.secret.clone(),
                    bucket: None,
                },
            });
        }
        if let Some(a) = &self.admin {
            out.push(SiteIdentity {
                holder: Holder::Admin,
                identity: Identity {
                    access_key: a.access_key.clone(),
                    secret: a.secret.clone(),
                    bucket: None,
                },
            });
        }
        out
    }
}

/// A built-in consumer's identity, with the defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Its access key.
    pub access_key: String,
    /// Its Secret.
    pub secret: String,
    /// Its bucket, for consumers that work in one.
    pub bucket: Option<String>,
}

impl Users {
    /// Synapse's identity.
    #[must_use]
    pub fn synapse(&self) -> Identity {
        self.synapse
            .resolve("synapse", "minio-user", "synapse-media")
    }

    /// CloudNativePG's identity.
    #[must_use]
    pub fn cnpg(&self) -> Identity {
        self.cnpg
            .resolve("cnpg", "minio-credentials", "postgresql-backups")
    }

    /// The LI sync's identity.
    #[must_use]
    pub fn rclone(&self) -> Identity {
        let u = &self.rclone;
        Identity {
            access_key: u
                .access_key
                .clone()
                .unwrap_or_else(|| "rclone-li-sync".into()),
            secret: u
                .secret
                .clone()
                .unwrap_or_else(|| "minio-rclone-credentials".into()),
            bucket: None,
        }
    }
}

/// A MinIO user and the Secret that holds its keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AppUser {
    /// The user's access key (its name in MinIO).
    #[schemars(extend("format" = "access-key"))]
    #[schemars(length(min = 3, max = 128))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// Secret holding `CONSOLE_ACCESS_KEY` and `CONSOLE_SECRET_KEY`: the user's keys, which
    /// the MinIOJob creates the user with and the consumer authenticates with.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A MinIO user that works in one bucket of the tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BucketUser {
    /// The user's access key (its name in MinIO).
    #[schemars(extend("format" = "access-key"))]
    #[schemars(length(min = 3, max = 128))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// Secret holding `CONSOLE_ACCESS_KEY` and `CONSOLE_SECRET_KEY`.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Its bucket, one of `buckets`; its policy names this bucket and no other.
    #[schemars(extend("format" = "s3-bucket"))]
    #[schemars(length(max = 63))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
}

impl BucketUser {
    fn resolve(&self, access_key: &str, secret: &str, bucket: &str) -> Identity {
        Identity {
            access_key: self.access_key.clone().unwrap_or_else(|| access_key.into()),
            secret: self.secret.clone().unwrap_or_else(|| secret.into()),
            bucket: Some(self.bucket.clone().unwrap_or_else(|| bucket.into())),
        }
    }
}

/// A consumer the site adds: its own MinIO user, Secret and policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraConsumer {
    /// The user's access key (its name in MinIO).
    #[schemars(extend("format" = "access-key"))]
    #[schemars(length(min = 3, max = 128))]
    pub access_key: String,
    /// Secret holding `CONSOLE_ACCESS_KEY` and `CONSOLE_SECRET_KEY`.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub secret: String,
    /// What it may do in each bucket of the tenant: `read`, `read-write` (no deletes) or
    /// `read-write-delete`. Its policy names these buckets and no other. At most 24: MinIO
    /// refuses a policy document over 20 KiB, and a versioned bucket adds a Deny to it.
    #[schemars(extend("maxProperties" = 24))]
    pub buckets: BTreeMap<String, Access>,
    /// Where its secret key lives in the secret store; by default the key
    /// `minio/<tenant>/<secret>`, property `CONSOLE_SECRET_KEY`.
    #[schemars(with = "RemoteKey")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_key: Option<RemoteKey>,
}

/// What a consumer may do in a bucket: `read` (list and get), `read-write` (also put, never
/// delete) or `read-write-delete`.
// Variants carry no doc comments on purpose, as for `MetricsAuth`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    #[allow(missing_docs)]
    Read,
    #[allow(missing_docs)]
    ReadWrite,
    #[allow(missing_docs)]
    ReadWriteDelete,
}

impl Access {
    /// The name users write, such as `read-write`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::ReadWrite => "read-write",
            Self::ReadWriteDelete => "read-write-delete",
        }
    }
}

/// The administrator user: created by the operator through the Tenant's `spec.users`, with
/// `consoleAdmin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminUser {
    /// The administrator's access key.
    #[schemars(extend("format" = "access-key"))]
    #[schemars(length(min = 3, max = 128))]
    pub access_key: String,
    /// Secret holding `CONSOLE_ACCESS_KEY` and `CONSOLE_SECRET_KEY`.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub secret: String,
}

/// The MinIOJob that creates each consumer's user and policy through the operator's STS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Iam {
    /// The `mc` image the job runs, pinned. `mc admin policy attach` must treat an attached
    /// policy as success, which releases since late 2024 do, so that a re-run is harmless.
    #[schemars(extend("format" = "pinned-image"))]
    #[schemars(length(max = 512))]
    pub mc_image: String,
    /// Bump to run the MinIOJob again with nothing else changed, such as after a command
    /// failed: the operator runs each command of a MinIOJob once and never retries a failed one,
    /// so only a job of a new name runs again.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub run: u32,
}

impl Default for Iam {
    fn default() -> Self {
        Self {
            mc_image: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z".into(),
            run: 0,
        }
    }
}

/// Synapse's media storage configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SynapseOutput {
    /// `fragment` (default): a `homeserver.yaml` fragment and the pod's environment, written
    /// beside the manifests (`gen --out DIR` writes `DIR/consumers/`; `miniogen consumers`
    /// prints them); `config-map`: the fragment also as a ConfigMap in the manifests, to mount
    /// into Synapse's config directory; `none`.
    pub output: SynapseOutputKind,
    /// `region_name` Synapse signs requests for, such as `us-east-1`; MinIO accepts any unless
    /// its region is set.
    #[schemars(extend("format" = "region"))]
    #[schemars(length(min = 1, max = 64))]
    pub region: String,
    /// Name of the ConfigMap, for `output = "config-map"`.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub config_map: String,
}

impl Default for SynapseOutput {
    fn default() -> Self {
        Self {
            output: SynapseOutputKind::Fragment,
            region: "us-east-1".into(),
            config_map: "synapse-media-storage".into(),
        }
    }
}

/// Where Synapse's configuration goes: `fragment`, `config-map` or `none`.
// Variants carry no doc comments on purpose, as for `MetricsAuth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SynapseOutputKind {
    #[allow(missing_docs)]
    Fragment,
    #[allow(missing_docs)]
    ConfigMap,
    #[allow(missing_docs)]
    None,
}

/// CloudNativePG's backup configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CnpgOutput {
    /// Write the Cluster fragments beside the manifests: the `plugins` entry for the Barman
    /// Cloud plugin and the built-in `backup.barmanObjectStore` stanza (deprecated since
    /// CloudNativePG 1.26).
    pub fragments: bool,
    /// Put the Barman Cloud plugin's `ObjectStore` (`barmancloud.cnpg.io/v1`) in the manifests.
    /// Its CRD must be installed, so this is off until you turn it on.
    pub object_store: bool,
    /// Name of the `ObjectStore`, which the Cluster's `plugins` entry names.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub object_store_name: String,
    /// Folder under the backup bucket: backups go to `s3://<bucket>/<path>/`.
    #[schemars(extend("format" = "dns-label"))]
    #[schemars(length(max = 63))]
    pub path: String,
    /// How long barman keeps base backups and WAL, such as `30d`, `4w` or `6m`.
    #[schemars(extend("format" = "barman-retention"))]
    #[schemars(length(max = 16))]
    pub retention: String,
    /// With TLS on and a trusted CA kept in a ConfigMap: the Secret holding a copy of that CA
    /// (CloudNativePG reads `endpointCA` from a Secret, not a ConfigMap). You create it;
    /// `miniogen plan` says how. A CA already in a Secret is used as it is.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub ca_secret: String,
}

impl Default for CnpgOutput {
    fn default() -> Self {
        Self {
            fragments: true,
            object_store: false,
            object_store_name: "minio-backups".into(),
            path: "main".into(),
            retention: "30d".into(),
            ca_secret: "minio-ca".into(),
        }
    }
}

/// How Prometheus scrapes the tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Prometheus {
    /// Emit a `ScrapeConfig` (`monitoring.coreos.com/v1alpha1`, prometheus-operator v0.67 or
    /// later) that scrapes `/minio/v2/metrics/cluster` from the `minio` service: one target, as
    /// every server answers for the whole cluster. Your Prometheus's `scrapeConfigSelector`
    /// must match `labels`.
    pub enabled: bool,
    /// Also scrape `/minio/v2/metrics/node` from every server, through a `ServiceMonitor` on the
    /// tenant's headless service (its `serviceMonitorSelector` must match `labels`).
    pub node_metrics: bool,
    /// Labels your Prometheus's `scrapeConfigSelector` (and `serviceMonitorSelector`) match, such as
    /// `{ release = "kube-prometheus-stack" }`.
    #[schemars(extend("additionalProperties" = { "type": "string", "format": "label-value" }))]
    pub labels: BTreeMap<String, String>,
    /// Scrape interval, such as `30s`.
    #[schemars(extend("format" = "duration"))]
    #[schemars(length(max = 16))]
    pub interval: String,
    /// Scrape timeout, shorter than the interval.
    #[schemars(extend("format" = "duration"))]
    #[schemars(length(max = 16))]
    pub scrape_timeout: String,
    /// `public` sets `MINIO_PROMETHEUS_AUTH_TYPE=public` so the metrics need no token;
    /// `bearer` keeps MinIO's default and sends the token in `bearer_token_secret`.
    pub auth: MetricsAuth,
    /// Secret holding the token from `mc admin prometheus generate`, for `auth = "bearer"`.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token_secret: Option<String>,
    /// Key of the token within `bearer_token_secret`.
    #[schemars(extend("format" = "secret-key"))]
    #[schemars(length(max = 253))]
    pub bearer_token_key: String,
    /// Alerting rules computed from the plan, as a `PrometheusRule` (prometheus-operator): its
    /// Prometheus's `ruleSelector` must match `labels`.
    pub alerts: Alerts,
    /// A Grafana dashboard of the tenant against its plan, as a ConfigMap that Grafana's
    /// dashboard sidecar loads.
    pub dashboard: Dashboard,
}

/// The alerting rules: thresholds that are choices; the ones the layout fixes (drives, servers,
/// write quorum, the LI sync's schedule) come from the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Alerts {
    /// Emit the `PrometheusRule` (`monitoring.coreos.com/v1`).
    pub enabled: bool,
    /// Warn when this share of the usable capacity MinIO reports is used, in percent.
    #[schemars(range(min = 1, max = 99))]
    pub capacity_percent: u32,
    /// Warn when, at the rate of the last `fill_window`, usable space runs out within this many
    /// days.
    #[schemars(range(min = 1, max = 365))]
    pub fill_days: u32,
    /// The window whose rate the fill forecast extrapolates, such as `6h`.
    #[schemars(extend("format" = "duration"))]
    #[schemars(length(max = 16))]
    pub fill_window: String,
    /// Warn when this share of S3 requests fails with a server error (5xx), in percent.
    #[schemars(range(min = 1, max = 100))]
    pub s3_error_percent: u32,
}

impl Default for Alerts {
    fn default() -> Self {
        Self {
            enabled: true,
            capacity_percent: 80,
            fill_days: 14,
            fill_window: "6h".into(),
            s3_error_percent: 5,
        }
    }
}

/// The Grafana dashboard ConfigMap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Dashboard {
    /// Emit the dashboard ConfigMap.
    pub enabled: bool,
    /// Labels by which Grafana's dashboard sidecar loads a ConfigMap. The `kube-prometheus-stack`
    /// chart's default is `{ grafana_dashboard = "1" }` (`grafana.sidecar.dashboards.label` and
    /// `labelValue`, checked at chart version 88.5.3, which also searches every namespace).
    #[schemars(extend("additionalProperties" = { "type": "string", "format": "label-value" }))]
    pub labels: BTreeMap<String, String>,
}

impl Default for Dashboard {
    fn default() -> Self {
        Self {
            enabled: true,
            labels: BTreeMap::from([("grafana_dashboard".to_string(), "1".to_string())]),
        }
    }
}

/// The verification Job: after each sync, checks the running tenant against the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Verify {
    /// Emit the verification Job, an Argo CD `PostSync` hook that Flux runs as a plain Job,
    /// with its ServiceAccount, PolicyBinding and script.
    pub enabled: bool,
    /// Namespace of the MinIO Operator, whose STS gives the Job its MinIO identity.
    #[schemars(extend("format" = "dns-label"))]
    #[schemars(length(max = 63))]
    pub operator_namespace: String,
    /// Seconds the whole verification may take (`activeDeadlineSeconds`), waiting for the
    /// tenant and the IAM job included.
    #[schemars(range(min = 60, max = 86_400))]
    pub deadline_seconds: u32,
}

impl Default for Verify {
    fn default() -> Self {
        Self {
            enabled: true,
            operator_namespace: "minio-operator".into(),
            deadline_seconds: 1800,
        }
    }
}

impl Default for Prometheus {
    fn default() -> Self {
        Self {
            enabled: true,
            node_metrics: false,
            labels: BTreeMap::new(),
            interval: "30s".into(),
            scrape_timeout: "10s".into(),
            auth: MetricsAuth::Public,
            bearer_token_secret: None,
            bearer_token_key: "token".into(),
            alerts: Alerts::default(),
            dashboard: Dashboard::default(),
        }
    }
}

/// How the metrics endpoint authenticates Prometheus: `public` (no token; keep the port inside
/// the cluster) or `bearer` (MinIO's default, a JWT).
// Variants carry no doc comments on purpose: schemars would turn them into a `oneOf`, whose
// errors say far less than an `enum`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MetricsAuth {
    #[allow(missing_docs)]
    Public,
    #[allow(missing_docs)]
    Bearer,
}

/// The lawful-intercept media sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Rclone {
    /// Emit the rclone configuration and CronJob.
    pub enabled: bool,
    /// CronJob name.
    #[schemars(extend("format" = "dns-label"))]
    #[schemars(length(max = 52))]
    pub name: String,
    /// Cron schedule, such as `*/15 * * * *`.
    #[schemars(extend("format" = "cron"))]
    #[schemars(length(max = 100))]
    pub schedule: String,
    /// Time zone of the schedule (`timeZone`), such as `Etc/UTC`.
    #[schemars(extend("format" = "time-zone"))]
    #[schemars(length(max = 64))]
    pub time_zone: String,
    /// rclone image, pinned to a version tag or digest.
    #[schemars(extend("format" = "pinned-image"))]
    #[schemars(length(max = 512))]
    pub image: String,
    /// Where media is copied from.
    pub source: RcloneEnd,
    /// Where media is copied to.
    pub destination: RcloneEnd,
    /// `--transfers`: files copied in parallel.
    #[schemars(range(min = 1, max = 256))]
    pub transfers: u32,
    /// `--checkers`: files compared in parallel.
    #[schemars(range(min = 1, max = 256))]
    pub checkers: u32,
    /// Seconds after which a run is stopped (`activeDeadlineSeconds`).
    #[schemars(range(min = 60, max = 604_800))]
    pub deadline_seconds: u32,
}

impl Default for Rclone {
    fn default() -> Self {
        Self {
            enabled: true,
            name: "minio-li-sync".into(),
            schedule: "*/15 * * * *".into(),
            time_zone: "Etc/UTC".into(),
            image: "docker.io/rclone/rclone:1.75.2".into(),
            source: RcloneEnd {
                remote: "minio-main".into(),
                bucket: "synapse-media".into(),
            },
            destination: RcloneEnd {
                remote: "minio-li".into(),
                bucket: "synapse-media-li".into(),
            },
            transfers: 4,
            checkers: 8,
            deadline_seconds: 3600,
        }
    }
}

/// One side of the sync: an rclone remote and a bucket of the tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RcloneEnd {
    /// rclone remote name, as in `minio-main:synapse-media`.
    #[schemars(extend("format" = "dns-label"))]
    #[schemars(length(max = 63))]
    pub remote: String,
    /// Bucket, one of `buckets`.
    #[schemars(extend("format" = "s3-bucket"))]
    #[schemars(length(max = 63))]
    pub bucket: String,
}

/// MinIO audit logging.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Audit {
    /// HTTP(S) endpoint that receives MinIO's audit events; none when unset.
    #[schemars(extend("format" = "http-url"))]
    #[schemars(length(max = 2048))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_endpoint: Option<String>,
}

/// Warnings a site may silence once it has read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[allow(clippy::struct_excessive_bools)]
pub struct Warnings {
    /// Warn when a pool's servers are not a multiple of 4, as the runbook advises. MinIO itself
    /// only needs a valid erasure-set layout.
    pub servers_multiple_of_4: bool,
    /// Published advisories (CVE or GHSA identifiers, such as `CVE-2025-62506`) you have read
    /// and accept for the pinned MinIO, `mc` and rclone images: miniogen no longer warns that an
    /// image predates their fix.
    #[schemars(length(max = 64))]
    #[schemars(extend("items" = { "type": "string", "format": "advisory-id", "maxLength": 32 }))]
    pub accepted_advisories: Vec<String>,
}

impl Default for Warnings {
    fn default() -> Self {
        Self {
            servers_multiple_of_4: true,
            accepted_advisories: Vec::new(),
        }
    }
}

/// How the credentials of the configuration and user Secrets are produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Secrets {
    /// `external-secrets` (default): ExternalSecrets pull every credential from your secret
    /// store; `vault-placeholders`: Secrets holding argocd-vault-plugin placeholders;
    /// `derived`: Secrets with values derived from a master key (`MINIOGEN_MASTER_KEY_FILE` or
    /// `MINIOGEN_MASTER_KEY`), for renders that never land in Git; `existing`: no Secrets, you
    /// create them (`miniogen secrets` lists their keys). `--secrets-mode` overrides it.
    pub mode: SecretsMode,
    /// For `derived`: bump it to rotate every credential at once.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub rotation: u32,
    /// For `external-secrets`: the store every credential is read from.
    pub store: SecretStore,
    /// For `external-secrets`: how often values are read again from the store, as a Go
    /// duration such as `1h` or `15m`.
    #[schemars(extend("format" = "go-duration"))]
    #[schemars(length(max = 32))]
    pub refresh_interval: String,
    /// For `vault-placeholders`: the Vault path every remote key is under, such as
    /// `secret/data` for a KV version 2 engine mounted at `secret`.
    #[schemars(extend("format" = "secret-path"))]
    #[schemars(length(min = 1, max = 256))]
    pub vault_path_prefix: String,
    /// Where each credential lives in the store. Unset ones default to the key
    /// `minio/<tenant>/<secret>` and the property named like the Secret key
    /// (`MINIO_ROOT_PASSWORD`, `CONSOLE_SECRET_KEY`, or the bearer token's key).
    pub remote_keys: RemoteKeys,
}

impl Default for Secrets {
    fn default() -> Self {
        Self {
            mode: SecretsMode::ExternalSecrets,
            rotation: 0,
            store: SecretStore::default(),
            refresh_interval: "1h".into(),
            vault_path_prefix: "secret/data".into(),
            remote_keys: RemoteKeys::default(),
        }
    }
}

/// Where credentials come from: `external-secrets`, `vault-placeholders`, `derived` or
/// `existing`.
// Variants carry no doc comments on purpose, as for `MetricsAuth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SecretsMode {
    #[allow(missing_docs)]
    ExternalSecrets,
    #[allow(missing_docs)]
    VaultPlaceholders,
    #[allow(missing_docs)]
    Derived,
    #[allow(missing_docs)]
    Existing,
}

impl SecretsMode {
    /// Whether the mode writes credential values in plain text, so that its output must never
    /// land in Git: an output folder then needs an explicit opt-in and owner-only files.
    #[must_use]
    pub fn writes_plaintext(self) -> bool {
        match self {
            SecretsMode::Derived => true,
            SecretsMode::ExternalSecrets
            | SecretsMode::VaultPlaceholders
            | SecretsMode::Existing => false,
        }
    }

    /// Whether the mode emits Kubernetes Secrets itself (the others reference or generate them).
    #[must_use]
    pub fn emits_secrets(self) -> bool {
        matches!(self, SecretsMode::Derived | SecretsMode::VaultPlaceholders)
    }

    /// The name users write, such as `external-secrets`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ExternalSecrets => "external-secrets",
            Self::VaultPlaceholders => "vault-placeholders",
            Self::Derived => "derived",
            Self::Existing => "existing",
        }
    }
}

/// The External Secrets store that holds the credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SecretStore {
    /// Name of the store.
    #[schemars(extend("format" = "dns-subdomain"))]
    #[schemars(length(max = 253))]
    pub name: String,
    /// `ClusterSecretStore` (one store for the cluster) or `SecretStore` (in the tenant's
    /// namespace).
    pub kind: StoreKind,
}

impl Default for SecretStore {
    fn default() -> Self {
        Self {
            name: "default".into(),
            kind: StoreKind::ClusterSecretStore,
        }
    }
}

/// The kind of an External Secrets store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum StoreKind {
    #[allow(missing_docs)]
    ClusterSecretStore,
    #[allow(missing_docs)]
    SecretStore,
}

/// Where each credential lives in the secret store; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RemoteKeys {
    /// The root password (`MINIO_ROOT_PASSWORD` in `config.env`).
    // TOML has no null: describing the table itself, not `anyOf` with null, gives errors that
    // point inside it.
    #[schemars(with = "RemoteKey")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<RemoteKey>,
    /// The Synapse user's secret key.
    #[schemars(with = "RemoteKey")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synapse: Option<RemoteKey>,
    /// The CloudNativePG user's secret key.
    #[schemars(with = "RemoteKey")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cnpg: Option<RemoteKey>,
    /// The rclone user's secret key.
    #[schemars(with = "RemoteKey")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rclone: Option<RemoteKey>,
    /// The administrator's secret key, when `[admin]` is set.
    #[schemars(with = "RemoteKey")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<RemoteKey>,
    /// The metrics bearer token, for `prometheus.auth = "bearer"`.
    #[schemars(with = "RemoteKey")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<RemoteKey>,
}

/// One credential in the secret store: a key (a path) and a property within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteKey {
    /// The key or path in the store, such as `minio/matrix-minio/minio-config`.
    #[schemars(extend("format" = "secret-path"))]
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
    /// The property of that key holding the value, such as `MINIO_ROOT_PASSWORD`.
    #[schemars(extend("format" = "secret-property"))]
    #[schemars(length(min = 1, max = 253))]
    pub property: String,
}

/// The effective configuration, every default filled in.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Spec {
    /// The CCU the profile is sized for.
    pub tier_ccu: u32,
    /// The CCU the user asked for, when given.
    pub requested_ccu: Option<u32>,
    /// The profile's one-line summary.
    pub summary: String,
    /// Where the profile came from, for provenance.
    pub profile_name: String,
    /// The profile's sizing with the site's overrides applied.
    pub sizing: Sizing,
    /// The site settings.
    pub site: Site,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_derived_writes_plaintext() {
        for mode in [
            SecretsMode::ExternalSecrets,
            SecretsMode::VaultPlaceholders,
            SecretsMode::Existing,
        ] {
            assert!(!mode.writes_plaintext(), "{mode:?}");
        }
        assert!(SecretsMode::Derived.writes_plaintext());
        assert!(SecretsMode::Derived.emits_secrets());
        assert!(SecretsMode::VaultPlaceholders.emits_secrets());
        assert!(!SecretsMode::ExternalSecrets.emits_secrets());
        assert!(!SecretsMode::Existing.emits_secrets());
    }
}
