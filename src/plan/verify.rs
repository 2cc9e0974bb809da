//! The live verification: a Job that checks the running tenant against the plan after each sync.
//!
//! Part of the plan stage: it decides what the Job expects (every drive online, the erasure
//! sets and parity per pool, the buckets with their object lock, versioning, default retention,
//! noncurrent-version expiry and quota, each consumer allowed on its own buckets and refused on
//! the others) and the identity it runs as. No IO.
//!
//! The Job runs `templates/verify.sh` with `mc --json` from the `mc` image the IAM MinIOJob
//! already pins (`iam.mc_image`), rather than miniogen in an image of its own: `mc` speaks
//! MinIO's admin API, S3 and the operator's STS, which miniogen would have to reimplement with
//! a TLS stack, and its image (ubi-micro: bash and coreutils, minio/mc `Dockerfile.release`) is
//! one every cluster with the IAM job already pulls; miniogen has no published image. The
//! script reads only the fields named in `templates/verify.sh`, at mc
//! `RELEASE.2025-08-13T08-35-41Z`.
//!
//! Its MinIO identity comes from the operator's STS through a PolicyBinding, as the IAM job's
//! does, with policy `miniogen-verify` ([`policy_document`]): reading the server's state, the
//! list of buckets, and the plan's buckets' settings, nothing of their objects. The IAM
//! MinIOJob creates that policy. The consumer checks sign with each consumer's own keys, read
//! from its Secret as files: a check with the keys proves the Secret and MinIO agree, which no
//! admin call can; any pod of the namespace may mount those Secrets already.
//!
//! The bucket job (`plan::buckets`) applies the settings after the operator has created the
//! buckets, so the Job may run before it has: the script then names each setting it does not
//! find, and the Job runs again within its deadline (`templates/verify.sh` says why).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use crate::model::digest;
use crate::model::spec::Site;
use crate::plan::access::{Consumer, JobCa};
use crate::plan::buckets::{Bucket, Retention};
use crate::plan::{Endpoint, Pool};

/// The name the Job's objects and its policy are built from.
pub const NAME: &str = "verify";
/// The policy the Job's identity holds.
pub const POLICY: &str = "miniogen-verify";
/// Where the script and expectations are mounted.
pub const SCRIPT_DIR: &str = "/etc/miniogen-verify";
/// Where each consumer's Secret is mounted, one folder per consumer.
pub const SECRETS_DIR: &str = "/var/run/miniogen/consumers";
/// Where the projected service-account token is mounted.
pub const TOKEN_DIR: &str = "/var/run/secrets/miniogen";
/// How often the Job runs its pod again after a failed run, within `activeDeadlineSeconds`:
/// Kubernetes' default, about ten minutes of back-off (10s doubling to 320s), which covers the
/// tenant, the IAM job and the bucket job coming up on a first sync.
pub const BACKOFF_LIMIT: u32 = 6;
/// The operator's STS port (`STSDefaultPort`, `pkg/controller/sts.go`, v6.0.2).
pub const STS_PORT: u16 = 4223;

/// The verification Job and what it expects.
#[derive(Debug, Clone, Serialize)]
pub struct Verify {
    /// Name of the Job, its ServiceAccount, PolicyBinding and ConfigMap.
    pub name: String,
    /// The policy the PolicyBinding grants.
    pub policy: &'static str,
    /// The policy's file in the IAM job's ConfigMap.
    pub policy_file: String,
    /// The policy document.
    pub policy_document: String,
    /// The `mc` image.
    pub image: String,
    /// Whether the image is pinned by digest (`@sha256:`), not only by a release tag.
    pub pinned_by_digest: bool,
    /// `activeDeadlineSeconds`.
    pub deadline_seconds: u32,
    /// `backoffLimit`.
    pub backoff_limit: u32,
    /// The tenant's S3 URL, as the consumers reach it.
    pub endpoint: String,
    /// The operator's STS endpoint for the tenant's namespace (`createJob`,
    /// `pkg/utils/miniojob/types.go`).
    pub sts_endpoint: String,
    /// `mc`'s configuration folder.
    pub config_dir: &'static str,
    /// Where `mc` reads extra CAs.
    pub ca_dir: &'static str,
    /// The CAs mounted there: the operator's STS and, with TLS on, the tenant's.
    pub cas: Vec<JobCa>,
    /// Where the script and expectations are.
    pub script_dir: &'static str,
    /// Where the consumers' Secrets are.
    pub secrets_dir: &'static str,
    /// Where the token is.
    pub token_dir: &'static str,
    /// The token file `mc` reads (`MC_WEB_IDENTITY_TOKEN_FILE_myminio`).
    pub token_file: String,
    /// The expectations file.
    pub expected_file: String,
    /// The container's command.
    pub command: Vec<String>,
    /// What the Job expects.
    pub expected: Expected,
    /// The expectations file, as the script reads it.
    pub expected_text: String,
    /// A hash of the script and the expectations, on the pod template: a changed expectation
    /// changes the Job, which Flux then replaces and runs.
    pub checksum: String,
    /// The bucket MinIOJob that applies the settings checked, which the script names when one
    /// is not there yet.
    pub bucket_job: Option<String>,
}

/// What the running tenant must show.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    /// Drives online over every pool (`backend.onlineDisks`); none offline.
    pub drives: u32,
    /// `EC:N` parity (`backend.standardSCParity`).
    pub parity: u32,
    /// Erasure sets per pool, in MinIO's pool order (`backend.totalSets`).
    pub sets: Vec<u32>,
    /// Drives per set per pool (`backend.totalDrivesPerSet`).
    pub set_drives: Vec<u32>,
    /// Every bucket, with the settings it must show.
    pub buckets: Vec<BucketCheck>,
    /// Every consumer's access checks.
    pub consumers: Vec<ConsumerCheck>,
}

/// One bucket's settings as the running tenant must show them: the plan's, whether the bucket
/// job sets them or they are left off.
#[derive(Debug, Clone, Serialize)]
pub struct BucketCheck {
    /// The bucket.
    pub name: String,
    /// Object lock on.
    pub object_lock: bool,
    /// Versioning on (`Enabled`); off is never enabled or suspended.
    pub versioning: bool,
    /// The default retention; `None` for none.
    pub retention: Option<Retention>,
    /// Days after which the lifecycle expires noncurrent versions; `None` for no such rule.
    pub noncurrent_days: Option<u32>,
    /// The hard quota in bytes; `None` for none.
    pub quota_bytes: Option<u128>,
}

impl BucketCheck {
    fn of(b: &Bucket) -> Self {
        Self {
            name: b.name.clone(),
            object_lock: b.object_lock,
            versioning: b.versioning,
            retention: b.retention,
            noncurrent_days: b.noncurrent_days,
            quota_bytes: b.quota.as_ref().map(|(_, bytes)| *bytes),
        }
    }
}

/// One consumer's checks.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerCheck {
    /// The consumer.
    pub name: String,
    /// Its Secret.
    pub secret: String,
    /// Buckets it must be allowed to list.
    pub allowed: Vec<String>,
    /// Buckets it must be refused.
    pub refused: Vec<String>,
    /// The pod volume of its Secret.
    pub volume: String,
    /// Where that volume is mounted: the script reads `CONSOLE_ACCESS_KEY` and
    /// `CONSOLE_SECRET_KEY` there.
    pub mount: String,
}

/// The bucket-level actions the checks need in each bucket of the plan, read from the handlers
/// of MinIO `RELEASE.2025-09-07T16-13-09Z` and named as minio/pkg v3.1.3 `policy/action.go`
/// has them: `GetBucketObjectLockConfigHandler` (`cmd/bucket-handlers.go`),
/// `GetBucketVersioningHandler` (`cmd/bucket-versioning-handler.go`) and
/// `GetBucketLifecycleHandler` (`cmd/bucket-lifecycle-handlers.go`), plus the location minio-go
/// asks for before a bucket's first request.
pub const BUCKET_ACTIONS: [&str; 4] = [
    "s3:GetBucketLocation",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketVersioning",
    "s3:GetLifecycleConfiguration",
];
/// The admin actions: `mc admin info` (`ServerInfoHandler`) and `mc quota info`
/// (`GetBucketQuotaConfigHandler`, `cmd/admin-bucket-handlers.go`), both in minio/pkg v3.1.3
/// `policy/admin-action.go` `supportedAdminActions`. MinIO matches admin actions against no
/// resource (`isAdmin`, `policy/statement.go`).
pub const ADMIN_ACTIONS: [&str; 2] = ["admin:GetBucketQuota", "admin:ServerInfo"];

/// The Job's policy, as `mc admin policy create` reads it, and its length as compact JSON,
/// which the operator's STS bounds (`buckets::MAX_STS_POLICY`): the server's state, the list of
/// buckets (`s3:ListAllMyBuckets`, which `ListBucketsHandler` checks against no bucket, so on
/// all), and the settings of the plan's buckets only, never an object.
///
/// The operator's STS parses the policy again before it merges a PolicyBinding's policies
/// (`AssumeRoleWithWebIdentity`, `pkg/controller/sts_handlers.go`) with minio/pkg v1.7.5
/// `iam/policy`, which knows every action of [`BUCKET_ACTIONS`] and [`ADMIN_ACTIONS`], and
/// skips a policy it cannot parse.
#[must_use]
pub fn policy_document(buckets: &[Bucket]) -> (String, usize) {
    let mut statements = vec![
        json!({"Effect": "Allow", "Action": ADMIN_ACTIONS}),
        json!({
            "Effect": "Allow",
            "Action": ["s3:ListAllMyBuckets"],
            "Resource": ["arn:aws:s3:::*"],
        }),
    ];
    // A statement without a resource is refused (`policy/statement.go` `isValid`).
    if !buckets.is_empty() {
        let resources: Vec<String> = buckets
            .iter()
            .map(|b| format!("arn:aws:s3:::{}", b.name))
            .collect();
        statements.push(json!({
            "Effect": "Allow",
            "Action": BUCKET_ACTIONS,
            "Resource": resources,
        }));
    }
    let doc = json!({"Version": "2012-10-17", "Statement": statements});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    (text, doc.to_string().len())
}

/// The verification, when the site keeps it on.
#[must_use]
pub fn verify(
    site: &Site,
    pools: &[Pool],
    buckets: &[Bucket],
    consumers: &[Consumer],
    s3: &Endpoint,
    cas: &[JobCa],
    bucket_job: Option<&str>,
) -> Option<Verify> {
    let v = &site.verify;
    if !v.enabled {
        return None;
    }
    let all: Vec<&str> = buckets.iter().map(|b| b.name.as_str()).collect();
    let expected = Expected {
        drives: pools.iter().map(|p| p.layout.drives).sum(),
        parity: pools.first().map_or(0, |p| p.layout.parity),
        sets: pools.iter().map(|p| p.layout.sets).collect(),
        set_drives: pools.iter().map(|p| p.layout.set_size).collect(),
        buckets: buckets.iter().map(BucketCheck::of).collect(),
        consumers: consumers
            .iter()
            .enumerate()
            .map(|(n, c)| {
                let granted: Vec<String> =
                    c.policy.grants.iter().map(|g| g.bucket.clone()).collect();
                ConsumerCheck {
                    name: c.name.clone(),
                    secret: c.secret.clone(),
                    refused: all
                        .iter()
                        .filter(|b| !granted.iter().any(|g| g == *b))
                        .map(|b| (*b).to_string())
                        .collect(),
                    allowed: granted,
                    volume: format!("consumer-{n}"),
                    mount: format!("{SECRETS_DIR}/{}", c.name),
                }
            })
            .collect(),
    };
    let name = format!("{}-{NAME}", site.tenant.name);
    let checksum = digest::sha256(
        &json!({
            "expected": expected,
            "script": SCRIPT,
            "endpoint": s3.url,
        })
        .to_string(),
    );
    Some(Verify {
        name,
        policy: POLICY,
        policy_file: format!("{POLICY}.json"),
        policy_document: policy_document(buckets).0,
        image: site.iam.mc_image.clone(),
        pinned_by_digest: site.iam.mc_image.contains("@sha256:"),
        deadline_seconds: v.deadline_seconds,
        backoff_limit: BACKOFF_LIMIT,
        endpoint: s3.url.clone(),
        sts_endpoint: format!(
            "https://sts.{}.svc.{}:{STS_PORT}/sts/{}",
            v.operator_namespace, site.cluster_domain, site.namespace
        ),
        config_dir: "/.mc",
        ca_dir: "/.mc/certs/CAs",
        cas: cas.to_vec(),
        script_dir: SCRIPT_DIR,
        secrets_dir: SECRETS_DIR,
        token_dir: TOKEN_DIR,
        token_file: format!("{TOKEN_DIR}/web-identity-token"),
        expected_file: format!("{SCRIPT_DIR}/expected"),
        command: vec!["/bin/bash".into(), format!("{SCRIPT_DIR}/verify.sh")],
        expected_text: expected_text(&expected, &site.tenant.name),
        expected,
        checksum,
        bucket_job: bucket_job.map(str::to_string),
    })
}

/// The script the Job runs: bash and `mc` only, the tools of the `mc` image.
pub const SCRIPT: &str = include_str!("../../templates/verify.sh");

/// The expectations file the script reads: one check per line, words separated by spaces.
/// Bucket and consumer names hold no spaces (S3 and DNS-label rules).
#[must_use]
pub fn expected_text(e: &Expected, tenant: &str) -> String {
    let join = |v: &[u32]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut lines = vec![
        format!("# What miniogen's plan says tenant {tenant} must show; read by verify.sh."),
        format!("drives {}", e.drives),
        format!("parity {}", e.parity),
        format!("sets {}", join(&e.sets)),
        format!("set-drives {}", join(&e.set_drives)),
    ];
    let or_none = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    for b in &e.buckets {
        let name = &b.name;
        let lock = if b.object_lock { "locked" } else { "unlocked" };
        let versioning = if b.versioning { "on" } else { "off" };
        lines.extend([
            format!("bucket {name} {lock}"),
            format!("versioning {name} {versioning}"),
            format!(
                "retention {name} {}",
                or_none(
                    b.retention
                        .map(|r| format!("{} {} days", r.mode.name(), r.days))
                )
            ),
            format!(
                "noncurrent {name} {}",
                or_none(b.noncurrent_days.map(|d| format!("{d} days")))
            ),
            format!(
                "quota {name} {}",
                or_none(b.quota_bytes.map(|q| format!("{q} bytes")))
            ),
        ]);
    }
    for c in &e.consumers {
        for b in &c.allowed {
            lines.push(format!("consumer {} allowed {b}", c.name));
        }
        for b in &c.refused {
            lines.push(format!("consumer {} refused {b}", c.name));
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Labels of the Job's objects.
#[must_use]
pub fn labels(common: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut l = common.clone();
    l.insert("app.kubernetes.io/component".into(), NAME.into());
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_reads_settings_in_the_plans_buckets_only() {
        let buckets = crate::plan::buckets::buckets(&Site::default());
        let (text, compact_len) = policy_document(&buckets);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        // The length the rule bounds is the document's, compact.
        assert_eq!(doc.to_string().len(), compact_len);
        let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[0]["Action"], json!(ADMIN_ACTIONS));
        assert!(statements[0].get("Resource").is_none());
        assert_eq!(statements[1]["Resource"], json!(["arn:aws:s3:::*"]));
        assert_eq!(statements[2]["Action"], json!(BUCKET_ACTIONS));
        assert_eq!(
            statements[2]["Resource"],
            json!([
                "arn:aws:s3:::synapse-media",
                "arn:aws:s3:::synapse-media-li",
                "arn:aws:s3:::postgresql-backups"
            ])
        );
        // MinIO refuses a statement without a resource: none is written without a bucket.
        let (text, _) = policy_document(&[]);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(doc["Statement"].as_array().map(Vec::len), Some(2));
    }
}
