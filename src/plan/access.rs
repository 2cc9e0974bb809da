//! Least privilege: who uses the tenant, what each may do, and the MinIOJob that declares it.
//!
//! Part of the plan stage, as `erasure` is: it turns the site's consumers into one identity and
//! one IAM policy each, naming only that consumer's buckets and the S3 actions it needs, and
//! computes the MinIOJob (with its ServiceAccount, PolicyBinding and policy ConfigMap) that
//! creates the users and policies through the operator's STS. Consumers never go in the
//! Tenant's `spec.users`: the operator gives every user there `consoleAdmin`, and sets it again
//! (replacing every other policy) whenever it provisions users. No IO.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use crate::model::digest;
use crate::model::spec::{Access, BuiltIn, Holder, Identity, RemoteKey, Site};

/// MinIO's built-in administrator policy: every right over the tenant.
pub const CONSOLE_ADMIN: &str = "consoleAdmin";
/// The built-in policy the operator's STS can grant the job. MinIO has no narrower built-in
/// policy that may create users and policies, and a PolicyBinding can only name policies that
/// exist in the tenant before the job runs, so nothing declarative can give the job less.
pub const JOB_POLICY: &str = CONSOLE_ADMIN;
/// Where the job's commands find the policy documents.
pub const POLICY_DIR: &str = "/policies";
/// The variable a user-creating command reads the secret key from, filled from the consumer's
/// Secret by Kubernetes (`$(VAR)` in a container's command), so the job never holds it.
pub const SECRET_KEY_ENV: &str = "MINIOGEN_SECRET_KEY";
/// The longest name Kubernetes accepts for a Job (its pods carry it as a label value).
pub const MAX_JOB_NAME: usize = 63;

/// One consumer of the tenant: its own MinIO user, Secret and policy.
#[derive(Debug, Clone, Serialize)]
pub struct Consumer {
    /// `synapse`, `cnpg`, `rclone` or the name under `[consumers]`.
    pub name: String,
    /// What it is, for people.
    pub description: String,
    /// Its MinIO access key.
    pub access_key: String,
    /// The Secret holding `CONSOLE_ACCESS_KEY` and `CONSOLE_SECRET_KEY`.
    pub secret: String,
    /// Where the secret store keeps its secret key, when the site says.
    #[serde(skip)]
    pub remote_key: Option<RemoteKey>,
    /// Its policy.
    pub policy: Policy,
}

/// An IAM policy that names only one consumer's buckets.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Its name in MinIO.
    pub name: String,
    /// Its file in the job's policy ConfigMap.
    pub file: String,
    /// What it allows, bucket by bucket.
    pub grants: Vec<Grant>,
    /// The policy document, as `mc admin policy create` reads it.
    pub document: String,
}

/// What a policy allows in one bucket.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// The bucket.
    pub bucket: String,
    /// The access level.
    pub access: Access,
    /// Actions on the bucket itself (`arn:aws:s3:::<bucket>`).
    pub bucket_actions: Vec<&'static str>,
    /// Actions on its objects (`arn:aws:s3:::<bucket>/*`).
    pub object_actions: Vec<&'static str>,
}

impl Grant {
    fn new(bucket: &str, access: Access) -> Self {
        let (bucket_actions, object_actions) = actions(access);
        Self {
            bucket: bucket.to_string(),
            access,
            bucket_actions,
            object_actions,
        }
    }
}

/// The S3 actions of an access level, on the bucket and on its objects. Reading needs the
/// bucket's location and listing (every S3 client asks for both) and `GetObject` (which also
/// answers `HEAD`). Writing adds `PutObject` and what multipart uploads need, since boto3,
/// barman-cloud and rclone all split large files. Deleting is its own level: only
/// CloudNativePG's retention and rclone's `sync` remove objects.
#[must_use]
pub fn actions(access: Access) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut bucket = vec!["s3:GetBucketLocation", "s3:ListBucket"];
    let mut object = vec!["s3:GetObject"];
    if access >= Access::ReadWrite {
        bucket.push("s3:ListBucketMultipartUploads");
        object.extend([
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
            "s3:PutObject",
        ]);
    }
    if access == Access::ReadWriteDelete {
        object.push("s3:DeleteObject");
    }
    object.sort_unstable();
    (bucket, object)
}

/// The administrator user, separate from every consumer.
#[derive(Debug, Clone, Serialize)]
pub struct Admin {
    /// Its access key.
    pub access_key: String,
    /// Its Secret.
    pub secret: String,
    /// What it may do: the operator creates it with this policy.
    pub policy: &'static str,
    /// Where the secret store keeps its secret key, when the site says.
    #[serde(skip)]
    pub remote_key: Option<RemoteKey>,
}

/// The MinIOJob that creates the consumers' users and policies, and what it needs.
#[derive(Debug, Clone, Serialize)]
pub struct Iam {
    /// The job's ServiceAccount, which the operator's STS authenticates.
    pub service_account: String,
    /// The PolicyBinding that grants the ServiceAccount MinIO policies.
    pub policy_binding: String,
    /// The policies it grants.
    pub job_policies: Vec<&'static str>,
    /// The ConfigMap holding every policy document.
    pub config_map: String,
    /// The MinIOJob, named after a hash of what it does: the operator runs a MinIOJob once, so
    /// a changed policy, user or rotation must come as a new job.
    pub job: String,
    /// The `mc` image.
    pub mc_image: String,
    /// Where the policy documents are mounted.
    pub policy_dir: &'static str,
    /// The variable user-creating commands read the secret key from.
    pub secret_key_env: &'static str,
    /// The `mc` operations, in order.
    pub commands: Vec<Command>,
    /// Where `mc` reads extra CA certificates: `certs/CAs` of its configuration folder, the
    /// `/.mc` the operator mounts for it (`createJob`, `pkg/utils/miniojob/types.go`), which
    /// `MC_CONFIG_DIR` names (`getMcConfigDir`, minio/mc `cmd/config.go`); `loadRootCAs` adds
    /// every file there to the system's roots.
    pub ca_dir: &'static str,
    /// `mc`'s configuration folder.
    pub config_dir: &'static str,
    /// The CAs mounted there, one file each.
    pub cas: Vec<JobCa>,
}

/// A CA certificate the job's `mc` trusts.
#[derive(Debug, Clone, Serialize)]
pub struct JobCa {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Its key.
    pub key: String,
    /// The file in `ca_dir`.
    pub file: &'static str,
}

/// The CAs the job's `mc` needs: the cluster's, for the operator's STS endpoint, which is
/// always HTTPS (`MC_STS_ENDPOINT_myminio` in `createJob`) with a certificate signed through
/// the operator's `CertificateSigningRequest`; and the tenant's trusted CA, with TLS on.
fn job_cas(site: &Site) -> Vec<JobCa> {
    let mut cas = vec![JobCa {
        kind: "ConfigMap",
        name: "kube-root-ca.crt".into(),
        key: crate::plan::outputs::CA_KEY.into(),
        file: "operator-sts-ca.crt",
    }];
    if let Some(t) = crate::plan::outputs::trust(site).filter(|t| {
        (t.kind, t.name.as_str(), t.key.as_str()) != ("ConfigMap", "kube-root-ca.crt", "ca.crt")
    }) {
        cas.push(JobCa {
            kind: t.kind,
            name: t.name,
            key: t.key,
            file: "tenant-ca.crt",
        });
    }
    cas
}

/// One `mc` operation of the job: one Kubernetes Job.
#[derive(Debug, Clone, Serialize)]
pub struct Command {
    /// Its name, unique in the job; the Job is `<job>-<name>`.
    pub name: String,
    /// The MinIOJob operation, such as `admin/user/add`.
    pub op: &'static str,
    /// Its arguments.
    pub args: BTreeMap<String, String>,
    /// Commands that must succeed first.
    pub depends_on: Vec<String>,
    /// The Secret and key the secret key comes from, as `SECRET_KEY_ENV`.
    pub secret_key_from: Option<(String, String)>,
    /// The policy file to mount, for `admin/policy/create`.
    pub policy_file: Option<String>,
}

/// Every consumer, the built-in ones first, in the order the site names them.
#[must_use]
pub fn consumers(site: &Site) -> Vec<Consumer> {
    let remote = &site.secrets.remote_keys;
    let mut out = Vec::new();
    for id in site.identities() {
        let bucket = id.identity.bucket.as_deref().unwrap_or_default();
        let (name, description, remote_key, grants) = match id.holder {
            Holder::BuiltIn(BuiltIn::Synapse) => (
                "synapse",
                "Synapse media store",
                remote.synapse.clone(),
                // The s3 storage provider uploads and downloads; it never deletes.
                vec![Grant::new(bucket, Access::ReadWrite)],
            ),
            Holder::BuiltIn(BuiltIn::Cnpg) => (
                "cnpg",
                "CloudNativePG backups",
                remote.cnpg.clone(),
                // barman-cloud lists, reads and writes; its retention policy deletes.
                vec![Grant::new(bucket, Access::ReadWriteDelete)],
            ),
            Holder::BuiltIn(BuiltIn::Rclone) => (
                "rclone",
                "rclone lawful-intercept media sync",
                remote.rclone.clone(),
                // `rclone sync` reads the source and makes the destination match it, deleting
                // what the source no longer holds.
                vec![
                    Grant::new(&site.rclone.source.bucket, Access::Read),
                    Grant::new(&site.rclone.destination.bucket, Access::ReadWriteDelete),
                ],
            ),
            Holder::Added(name, c) => (
                name,
                "added by the site file",
                c.remote_key.clone(),
                c.buckets
                    .iter()
                    .map(|(bucket, access)| Grant::new(bucket, *access))
                    .collect(),
            ),
            // The administrator is nobody's consumer: the operator gives it `consoleAdmin`.
            Holder::Admin => continue,
        };
        out.push(consumer(
            name,
            description,
            &id.identity,
            remote_key,
            grants,
        ));
    }
    out
}

fn consumer(
    name: &str,
    description: &str,
    identity: &Identity,
    remote_key: Option<RemoteKey>,
    grants: Vec<Grant>,
) -> Consumer {
    let policy = policy_name(name);
    Consumer {
        name: name.into(),
        description: description.into(),
        access_key: identity.access_key.clone(),
        secret: identity.secret.clone(),
        remote_key,
        policy: Policy {
            file: format!("{policy}.json"),
            document: document(&grants),
            name: policy,
            grants,
        },
    }
}

/// The largest policy document MinIO accepts: `mc admin policy create` sends the file as it is,
/// and `AddCannedPolicy` (minio/minio `cmd/admin-handlers-users.go`) refuses a body over
/// `maxBucketPolicySize`, 20 KiB (`cmd/bucket-policy-handlers.go`). The site schema's limit of 32
/// buckets per consumer keeps every document under it (a test below proves it).
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// The policy name of consumer `name`: derived from the consumer, not its buckets, so that a
/// renamed bucket changes the policy's content and not which policy the user holds.
#[must_use]
pub fn policy_name(name: &str) -> String {
    format!("miniogen-{name}")
}

/// An IAM policy document: per bucket, one statement on the bucket and one on its objects.
fn document(grants: &[Grant]) -> String {
    let statements: Vec<serde_json::Value> = grants
        .iter()
        .flat_map(|g| {
            [
                json!({
                    "Effect": "Allow",
                    "Action": g.bucket_actions,
                    "Resource": [format!("arn:aws:s3:::{}", g.bucket)],
                }),
                json!({
                    "Effect": "Allow",
                    "Action": g.object_actions,
                    "Resource": [format!("arn:aws:s3:::{}/*", g.bucket)],
                }),
            ]
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "Version": "2012-10-17",
        "Statement": statements,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

/// The administrator, when the site asks for one.
#[must_use]
pub fn admin(site: &Site) -> Option<Admin> {
    site.admin.as_ref().map(|a| Admin {
        access_key: a.access_key.clone(),
        secret: a.secret.clone(),
        policy: CONSOLE_ADMIN,
        remote_key: site.secrets.remote_keys.admin.clone(),
    })
}

/// The MinIOJob's name for tenant `tenant` and a hash of what it does.
#[must_use]
pub fn job_name(tenant: &str, hash: &str) -> String {
    format!("{tenant}-iam-{hash}")
}

/// The names of the job's commands for consumer `name`: create its policy, add its user,
/// attach the policy once both exist.
#[must_use]
pub fn command_names(name: &str) -> [String; 3] {
    [
        format!("policy-{name}"),
        format!("user-{name}"),
        format!("attach-{name}"),
    ]
}

/// The job that creates every consumer's user and policy. `rotation` is the site's credential
/// rotation counter: bumping it must set the new secret keys in MinIO, so it is part of the
/// job's name.
#[must_use]
pub fn iam(site: &Site, consumers: &[Consumer]) -> Iam {
    let base = job_name(&site.tenant.name, "");
    let base = base.trim_end_matches('-').to_string();
    let mut commands = Vec::new();
    for c in consumers {
        let [policy, user, attach] = command_names(&c.name);
        commands.push(Command {
            name: policy.clone(),
            op: "admin/policy/create",
            args: BTreeMap::from([
                ("name".to_string(), c.policy.name.clone()),
                (
                    "policy".to_string(),
                    format!("{POLICY_DIR}/{}", c.policy.file),
                ),
            ]),
            depends_on: Vec::new(),
            secret_key_from: None,
            policy_file: Some(c.policy.file.clone()),
        });
        commands.push(Command {
            name: user.clone(),
            op: "admin/user/add",
            args: BTreeMap::from([
                ("user".to_string(), c.access_key.clone()),
                ("password".to_string(), format!("$({SECRET_KEY_ENV})")),
            ]),
            depends_on: Vec::new(),
            secret_key_from: Some((c.secret.clone(), crate::plan::SECRET_KEY.to_string())),
            policy_file: None,
        });
        commands.push(Command {
            name: attach,
            op: "admin/policy/attach",
            args: BTreeMap::from([
                ("policy".to_string(), c.policy.name.clone()),
                ("user".to_string(), c.access_key.clone()),
            ]),
            depends_on: vec![policy, user],
            secret_key_from: None,
            policy_file: None,
        });
    }
    let cas = job_cas(site);
    let mut fingerprint = json!({
        "cas": cas,
        "commands": commands,
        "documents": consumers.iter().map(|c| (&c.policy.name, &c.policy.document)).collect::<Vec<_>>(),
        "image": site.iam.mc_image,
        "rotation": site.secrets.rotation,
    });
    // Only a bumped counter enters the hash, so that the counter's default names no job anew.
    if site.iam.run > 0 {
        fingerprint["run"] = json!(site.iam.run);
    }
    let hash = digest::sha256(&fingerprint.to_string());
    Iam {
        service_account: base.clone(),
        policy_binding: base.clone(),
        job_policies: vec![JOB_POLICY],
        config_map: format!("{base}-policies"),
        job: job_name(&site.tenant.name, &hash[..8]),
        mc_image: site.iam.mc_image.clone(),
        policy_dir: POLICY_DIR,
        secret_key_env: SECRET_KEY_ENV,
        commands,
        ca_dir: "/.mc/certs/CAs",
        config_dir: "/.mc",
        cas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema's 32 buckets per consumer, each with the longest name S3 allows and the
    /// largest access, give a policy MinIO still accepts.
    #[test]
    fn the_largest_policy_the_schema_allows_fits_minio() {
        let grants: Vec<Grant> = (0..32)
            .map(|i| {
                Grant::new(
                    &format!("{i:02}{}", "b".repeat(61)),
                    Access::ReadWriteDelete,
                )
            })
            .collect();
        let size = document(&grants).len();
        assert!(size <= MAX_POLICY_BYTES, "{size} bytes");
        let schema: serde_json::Value =
            serde_json::from_str(crate::check::schema::Kind::Site.committed()).unwrap_or_default();
        assert_eq!(
            schema.pointer("/$defs/ExtraConsumer/properties/buckets/maxProperties"),
            Some(&serde_json::json!(32))
        );
    }

    #[test]
    fn access_levels_only_add_actions() {
        let (rb, ro) = actions(Access::Read);
        let (wb, wo) = actions(Access::ReadWrite);
        let (db, d) = actions(Access::ReadWriteDelete);
        assert!(rb.iter().all(|a| wb.contains(a)) && wb == db);
        assert!(ro.iter().all(|a| wo.contains(a)) && wo.iter().all(|a| d.contains(a)));
        assert!(!wo.contains(&"s3:DeleteObject") && d.contains(&"s3:DeleteObject"));
        assert_eq!(ro, ["s3:GetObject"]);
    }

    #[test]
    fn every_policy_names_only_its_consumers_buckets() {
        let site = Site::default();
        for c in consumers(&site) {
            let doc: serde_json::Value =
                serde_json::from_str(&c.policy.document).unwrap_or_default();
            let mut resources: Vec<String> = doc["Statement"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["Resource"].as_array().cloned().unwrap_or_default())
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
            resources.sort();
            let mut expected: Vec<String> = c
                .policy
                .grants
                .iter()
                .flat_map(|g| {
                    [
                        format!("arn:aws:s3:::{}", g.bucket),
                        format!("arn:aws:s3:::{}/*", g.bucket),
                    ]
                })
                .collect();
            expected.sort();
            assert_eq!(resources, expected, "{}", c.name);
        }
    }

    #[test]
    fn the_job_is_renamed_when_what_it_does_changes() {
        let site = Site::default();
        let name = |s: &Site| iam(s, &consumers(s)).job;
        let mut renamed = site.clone();
        renamed.users.cnpg.bucket = Some("pg-backups".into());
        let mut rotated = site.clone();
        rotated.secrets.rotation = 1;
        let mut scheduled = site.clone();
        scheduled.rclone.schedule = "0 * * * *".into();
        let mut rerun = site.clone();
        rerun.iam.run = 1;
        let mut trusted = site.clone();
        trusted.tenant.trust = crate::model::spec::TrustSource::NamedCa;
        trusted.tenant.ca = Some(crate::model::spec::CaRef {
            kind: crate::model::spec::CaKind::Secret,
            name: "ca".into(),
            key: None,
        });
        assert_ne!(name(&site), name(&renamed));
        assert_ne!(name(&site), name(&rotated));
        assert_ne!(name(&site), name(&rerun));
        assert_ne!(name(&site), name(&trusted));
        assert_eq!(name(&site), name(&scheduled));
    }
}
