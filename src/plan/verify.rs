//! The live verification: a Job that checks the running tenant against the plan after each sync.
//!
//! Part of the plan stage: it decides what the Job expects (every drive online, the erasure
//! sets and parity per pool, the buckets and their object lock, each consumer allowed on its own
//! buckets and refused on the others) and the identity it runs as. No IO.
//!
//! The Job runs `templates/verify.sh` with `mc --json` from the `mc` image the IAM MinIOJob
//! already pins (`iam.mc_image`), rather than miniogen in an image of its own: `mc` speaks
//! MinIO's admin API, S3 and the operator's STS, which miniogen would have to reimplement with
//! a TLS stack, and its image (ubi-micro: bash and coreutils, minio/mc `Dockerfile.release`) is
//! one every cluster with the IAM job already pulls; miniogen has no published image. The
//! script reads only the fields named in `templates/verify.sh`, at mc
//! `RELEASE.2025-08-13T08-35-41Z` (madmin-go v3 `InfoMessage`).
//!
//! Its MinIO identity comes from the operator's STS through a PolicyBinding, as the IAM job's
//! does, with policy `miniogen-verify`: `admin:ServerInfo`, and listing buckets and reading
//! their location and object-lock configuration, nothing of their objects. The IAM MinIOJob
//! creates that policy. The consumer checks sign with each consumer's own keys, read from its
//! Secret as files: a check with the keys proves the Secret and MinIO agree, which no admin call
//! can; any pod of the namespace may mount those Secrets already.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use crate::model::digest;
use crate::model::spec::Site;
use crate::plan::access::{Consumer, JobCa};
use crate::plan::buckets::Bucket;
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
    /// Every bucket, with whether object lock is on.
    pub buckets: Vec<(String, bool)>,
    /// Every consumer's access checks.
    pub consumers: Vec<ConsumerCheck>,
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

/// The Job's policy: the server's state, and the buckets' names, location and lock, never an
/// object. Admin actions take no resource in MinIO's policies.
#[must_use]
pub fn policy_document() -> String {
    let mut text = serde_json::to_string_pretty(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["admin:ServerInfo"]},
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetBucketLocation",
                    "s3:GetBucketObjectLockConfiguration",
                    "s3:ListAllMyBuckets",
                ],
                "Resource": ["arn:aws:s3:::*"],
            },
        ],
    }))
    .unwrap_or_default();
    text.push('\n');
    text
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
        buckets: buckets
            .iter()
            .map(|b| (b.name.clone(), b.object_lock))
            .collect(),
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
        policy_document: policy_document(),
        image: site.iam.mc_image.clone(),
        pinned_by_digest: site.iam.mc_image.contains("@sha256:"),
        deadline_seconds: v.deadline_seconds,
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
    for (bucket, lock) in &e.buckets {
        let lock = if *lock { "locked" } else { "unlocked" };
        lines.push(format!("bucket {bucket} {lock}"));
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
