//! Least privilege: who uses the tenant, what each may do, and the MinIOJob that declares it.
//!
//! Part of the plan stage, as `erasure` is: it turns the site's consumers into one identity and
//! one IAM policy each, naming only that consumer's buckets and the S3 actions it needs, and
//! computes the MinIOJob (with its ServiceAccount, PolicyBinding and policy ConfigMap) that
//! creates the users and policies through the operator's STS. Consumers never go in the
//! Tenant's `spec.users`: the operator gives every user there `consoleAdmin`, and sets it again
//! (replacing every other policy) whenever it provisions users. No IO.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::json;

use crate::model::digest;
use crate::model::spec::{Access, BuiltIn, Holder, Identity, RemoteKey, Site};
use crate::plan::buckets;

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
    /// Actions denied outright, on the bucket and its objects: in a versioned bucket, a
    /// consumer that writes may never remove a version, lift or shorten a lock, or change the
    /// bucket's versioning, lock or lifecycle (`buckets::PROTECTED_ACTIONS`).
    pub denied: Vec<&'static str>,
}

impl Grant {
    fn new(bucket: &str, access: Access, versioned: &BTreeSet<String>) -> Self {
        let (bucket_actions, object_actions) = actions(access);
        let denied = if access >= Access::ReadWrite && versioned.contains(bucket) {
            buckets::PROTECTED_ACTIONS.to_vec()
        } else {
            Vec::new()
        };
        Self {
            bucket: bucket.to_string(),
            access,
            bucket_actions,
            object_actions,
            denied,
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
    /// Every policy document the job creates, by file: the consumers' and the bucket job's.
    pub policies: Vec<(String, String)>,
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
pub(crate) fn job_cas(site: &Site) -> Vec<JobCa> {
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
    let versioned: BTreeSet<String> = buckets::buckets(site)
        .into_iter()
        .filter(|b| b.versioning)
        .map(|b| b.name)
        .collect();
    let grant = |bucket: &str, access| Grant::new(bucket, access, &versioned);
    let mut out = Vec::new();
    for id in site.identities() {
        let bucket = id.identity.bucket.as_deref().unwrap_or_default();
        let (name, description, remote_key, grants) = match id.holder {
            Holder::BuiltIn(BuiltIn::Synapse) => (
                "synapse",
                "Synapse media store",
                remote.synapse.clone(),
                // The s3 storage provider uploads and downloads; it never deletes.
                vec![grant(bucket, Access::ReadWrite)],
            ),
            Holder::BuiltIn(BuiltIn::Cnpg) => (
                "cnpg",
                "CloudNativePG backups",
                remote.cnpg.clone(),
                // barman-cloud lists, reads and writes; its retention policy deletes.
                vec![grant(bucket, Access::ReadWriteDelete)],
            ),
            Holder::BuiltIn(BuiltIn::Rclone) => (
                "rclone",
                "rclone lawful-intercept media sync",
                remote.rclone.clone(),
                // `rclone sync` reads the source and makes the destination match it, deleting
                // what the source no longer holds.
                vec![
                    grant(&site.rclone.source.bucket, Access::Read),
                    grant(&site.rclone.destination.bucket, Access::ReadWriteDelete),
                ],
            ),
            Holder::Added(name, c) => (
                name,
                "added by the site file",
                c.remote_key.clone(),
                c.buckets
                    .iter()
                    .map(|(bucket, access)| grant(bucket, *access))
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

/// An IAM policy document: per bucket, one statement on the bucket and one on its objects, and
/// in a versioned bucket one that denies what would undo its versions. MinIO evaluates an
/// explicit Deny before any Allow of any policy the user holds (`Policy.IsAllowed`, minio/pkg
/// `policy/policy.go`), so the Deny holds even beside a broader policy attached by hand.
fn document(grants: &[Grant]) -> String {
    let mut statements: Vec<serde_json::Value> = grants
        .iter()
        .flat_map(|g| {
            let bucket = format!("arn:aws:s3:::{}", g.bucket);
            let objects = format!("{bucket}/*");
            [
                json!({
                    "Effect": "Allow",
                    "Action": g.bucket_actions,
                    "Resource": [bucket],
                }),
                json!({
                    "Effect": "Allow",
                    "Action": g.object_actions,
                    "Resource": [objects],
                }),
            ]
        })
        .collect();
    // One Deny for every versioned bucket the consumer writes to: the same actions each time, and
    // a statement per bucket would take a consumer of 32 such buckets past the 20 KiB MinIO
    // accepts for a policy (`MAX_POLICY_BYTES`).
    let denied: BTreeSet<&str> = grants
        .iter()
        .flat_map(|g| g.denied.iter().copied())
        .collect();
    if !denied.is_empty() {
        let resources: Vec<String> = grants
            .iter()
            .filter(|g| !g.denied.is_empty())
            .flat_map(|g| {
                let bucket = format!("arn:aws:s3:::{}", g.bucket);
                [format!("{bucket}/*"), bucket]
            })
            .collect();
        let mut resources = resources;
        resources.sort();
        statements.push(json!({
            "Effect": "Deny",
            "Action": denied,
            "Resource": resources,
        }));
    }
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

/// The command that creates policy `name` from the mounted document `file`.
fn create_policy(command: &str, name: &str, file: &str) -> Command {
    Command {
        name: command.into(),
        op: "admin/policy/create",
        args: BTreeMap::from([
            ("name".to_string(), name.to_string()),
            ("policy".to_string(), format!("{POLICY_DIR}/{file}")),
        ]),
        depends_on: Vec::new(),
        secret_key_from: None,
        policy_file: Some(file.to_string()),
    }
}

/// The job that creates every consumer's user and policy. `rotation` is the site's credential
/// rotation counter: bumping it must set the new secret keys in MinIO, so it is part of the
/// job's name.
#[must_use]
pub fn iam(
    site: &Site,
    consumers: &[Consumer],
    verify_policy: Option<&str>,
    buckets: Option<&buckets::JobPolicy>,
) -> Iam {
    let base = job_name(&site.tenant.name, "");
    let base = base.trim_end_matches('-').to_string();
    let mut commands = Vec::new();
    let mut policies: Vec<(String, String)> = consumers
        .iter()
        .map(|c| (c.policy.file.clone(), c.policy.document.clone()))
        .collect();
    // The verification Job's and the bucket job's identities: a PolicyBinding may name only a
    // policy that exists, and only this job, as `consoleAdmin`, may create one. Their command
    // names cannot be a consumer's (`policy-<consumer>`: `verify` and `buckets` are refused as
    // consumer names).
    if let Some(document) = verify_policy {
        let file = format!("{}.json", crate::plan::verify::POLICY);
        commands.push(create_policy(
            "verify-policy",
            crate::plan::verify::POLICY,
            &file,
        ));
        policies.push((file, document.to_string()));
    }
    if let Some(p) = buckets {
        commands.push(create_policy("policy-buckets", p.name, &p.file));
        policies.push((p.file.clone(), p.document.clone()));
    }
    for c in consumers {
        let [policy, user, attach] = command_names(&c.name);
        commands.push(create_policy(&policy, &c.policy.name, &c.policy.file));
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
        "documents": policies,
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
        policies,
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

    /// The schema's 24 buckets per consumer, each with the longest name S3 allows and the
    /// largest access, give a policy MinIO still accepts.
    #[test]
    fn the_largest_policy_the_schema_allows_fits_minio() {
        // Every bucket versioned: each grant then carries the Deny of a versioned bucket too.
        let names: Vec<String> = (0..24)
            .map(|i| format!("{i:02}{}", "b".repeat(61)))
            .collect();
        let versioned: BTreeSet<String> = names.iter().cloned().collect();
        let grants: Vec<Grant> = names
            .iter()
            .map(|name| Grant::new(name, Access::ReadWriteDelete, &versioned))
            .collect();
        let size = document(&grants).len();
        assert!(size <= MAX_POLICY_BYTES, "{size} bytes");
        let schema: serde_json::Value =
            serde_json::from_str(crate::check::schema::Kind::Site.committed()).unwrap_or_default();
        assert_eq!(
            schema.pointer("/$defs/ExtraConsumer/properties/buckets/maxProperties"),
            Some(&serde_json::json!(24))
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
            // A set: the Deny of a versioned bucket names the bucket and its objects again.
            let resources: BTreeSet<String> = doc["Statement"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["Resource"].as_array().cloned().unwrap_or_default())
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
            let expected: BTreeSet<String> = c
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
            assert_eq!(resources, expected, "{}", c.name);
        }
    }

    /// MinIO's evaluation of an identity policy (minio/pkg `policy/policy.go` `IsAllowed`): an
    /// explicit Deny of the action on the resource wins; otherwise any Allow grants it.
    fn evaluate(doc: &serde_json::Value, action: &str, resource: &str) -> Option<bool> {
        let matches = |st: &serde_json::Value| {
            let listed = |key: &str, value: &str| {
                st[key].as_array().into_iter().flatten().any(|v| {
                    v.as_str().is_some_and(|p| {
                        p == value
                            || p.strip_suffix('*')
                                .is_some_and(|pre| value.starts_with(pre))
                    })
                })
            };
            listed("Action", action) && listed("Resource", resource)
        };
        let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
        if statements
            .iter()
            .any(|s| s["Effect"] == "Deny" && matches(s))
        {
            return Some(false);
        }
        statements
            .iter()
            .any(|s| s["Effect"] == "Allow" && matches(s))
            .then_some(true)
    }

    /// What MinIO lets the rclone identity do in the LI copy, proven against its policy as MinIO
    /// reads it. A DELETE with a `versionId` is checked against `s3:DeleteObject`, with
    /// `s3:DeleteObjectVersion` consulted only for an explicit Deny
    /// (`checkRequestAuthTypeCredential`, `cmd/auth-handler.go`): without the Deny, the
    /// identity that may place delete markers could also remove every version.
    #[test]
    fn the_li_sync_may_delete_but_never_remove_a_version_or_lift_a_lock() {
        let site = Site::default();
        let rclone = consumers(&site)
            .into_iter()
            .find(|c| c.name == "rclone")
            .unwrap_or_else(|| unreachable!());
        let doc: serde_json::Value =
            serde_json::from_str(&rclone.policy.document).unwrap_or_default();
        let object = "arn:aws:s3:::synapse-media-li/local_content/ab/cd/x";
        let bucket = "arn:aws:s3:::synapse-media-li";
        let minio_allows = |doc: &serde_json::Value, action: &str, resource: &str| {
            evaluate(doc, action, resource) == Some(true)
        };
        // A version delete as MinIO checks it.
        let removes_version = |doc: &serde_json::Value| {
            evaluate(doc, "s3:DeleteObjectVersion", object) != Some(false)
                && minio_allows(doc, "s3:DeleteObject", object)
        };
        assert!(minio_allows(&doc, "s3:PutObject", object));
        assert!(
            minio_allows(&doc, "s3:DeleteObject", object),
            "no delete markers"
        );
        assert!(!removes_version(&doc), "the sync could remove a version");
        for action in [
            "s3:PutObjectRetention",
            "s3:BypassGovernanceRetention",
            "s3:PutObjectLegalHold",
        ] {
            assert!(!minio_allows(&doc, action, object), "{action}");
        }
        for action in [
            "s3:PutBucketVersioning",
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutLifecycleConfiguration",
        ] {
            assert!(!minio_allows(&doc, action, bucket), "{action}");
        }
        // The Deny holds beside `consoleAdmin` attached by hand (the runbook's users keep it).
        let mut with_admin = doc.clone();
        if let Some(list) = with_admin["Statement"].as_array_mut() {
            list.push(serde_json::json!({"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"]}));
        }
        assert!(!removes_version(&with_admin));
        assert!(!minio_allows(
            &with_admin,
            "s3:BypassGovernanceRetention",
            object
        ));
        // Without the Deny, MinIO's rule would let it remove versions.
        let mut allow_only = doc.clone();
        if let Some(list) = allow_only["Statement"].as_array_mut() {
            list.retain(|s| s["Effect"] != "Deny");
        }
        assert!(removes_version(&allow_only));
        // Synapse's media bucket is not versioned: nothing to deny there.
        assert!(
            rclone
                .policy
                .grants
                .iter()
                .all(|g| g.denied.is_empty() == (g.bucket == "synapse-media"))
        );
    }

    /// What each consumer may do, bucket by bucket, read from its policy document and compared
    /// with what its client does (not with `actions`): Synapse's storage provider reads and
    /// writes and never deletes; barman-cloud deletes what its retention expires; the LI sync
    /// only reads its source and mirrors into the copy, deleting there; an added consumer gets
    /// exactly the level written for each bucket.
    #[test]
    fn each_consumer_may_do_what_its_client_needs_and_no_more() {
        let read = ["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"];
        let write = [
            "s3:AbortMultipartUpload",
            "s3:ListBucketMultipartUploads",
            "s3:ListMultipartUploadParts",
            "s3:PutObject",
        ];
        let level = |parts: &[&[&str]]| -> Vec<String> {
            let mut all: Vec<String> = parts.concat().iter().map(ToString::to_string).collect();
            all.sort();
            all
        };
        let (r, rw, rwd) = (
            level(&[&read]),
            level(&[&read, &write]),
            level(&[&read, &write, &["s3:DeleteObject"]]),
        );
        let mut site = Site::default();
        site.consumers.insert(
            "loki".into(),
            crate::model::spec::ExtraConsumer {
                access_key: "loki".into(),
                secret: "minio-loki".into(),
                buckets: BTreeMap::from([
                    ("a".into(), Access::Read),
                    ("b".into(), Access::ReadWrite),
                    ("c".into(), Access::ReadWriteDelete),
                ]),
                remote_key: None,
            },
        );
        let allowed = |c: &Consumer| -> BTreeMap<String, Vec<String>> {
            let doc: serde_json::Value =
                serde_json::from_str(&c.policy.document).unwrap_or_default();
            let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
            // The Deny a versioned bucket adds is proven apart
            // (`the_li_sync_may_delete_but_never_remove_a_version_or_lift_a_lock`).
            for s in doc["Statement"].as_array().into_iter().flatten() {
                assert!(s["Effect"] == "Allow" || s["Effect"] == "Deny", "{s}");
                if s["Effect"] == "Deny" {
                    continue;
                }
                for r in s["Resource"].as_array().into_iter().flatten() {
                    let arn = r.as_str().unwrap_or_default();
                    let bucket = arn
                        .trim_start_matches("arn:aws:s3:::")
                        .trim_end_matches("/*");
                    let actions = s["Action"].as_array().into_iter().flatten();
                    let entry = out.entry(bucket.to_string()).or_default();
                    entry.extend(actions.filter_map(|a| a.as_str().map(str::to_string)));
                    entry.sort();
                }
            }
            out
        };
        let got: BTreeMap<String, BTreeMap<String, Vec<String>>> = consumers(&site)
            .iter()
            .map(|c| (c.name.clone(), allowed(c)))
            .collect();
        let want = |pairs: &[(&str, &Vec<String>)]| -> BTreeMap<String, Vec<String>> {
            pairs
                .iter()
                .map(|(b, a)| ((*b).to_string(), (*a).clone()))
                .collect()
        };
        assert_eq!(got["synapse"], want(&[("synapse-media", &rw)]));
        assert_eq!(got["cnpg"], want(&[("postgresql-backups", &rwd)]));
        assert_eq!(
            got["rclone"],
            want(&[("synapse-media", &r), ("synapse-media-li", &rwd)])
        );
        assert_eq!(got["loki"], want(&[("a", &r), ("b", &rw), ("c", &rwd)]));
        assert_eq!(got.len(), 4, "{got:?}");
        // Each has its own policy, user and Secret, named after the consumer.
        for c in consumers(&site) {
            assert_eq!(c.policy.name, format!("miniogen-{}", c.name));
            assert_eq!(c.policy.file, format!("miniogen-{}.json", c.name));
        }
    }

    /// The administrator holds `consoleAdmin` through the operator, and is nobody's consumer.
    #[test]
    fn the_administrator_is_separate() {
        let mut site = Site::default();
        assert!(admin(&site).is_none());
        site.admin = Some(crate::model::spec::AdminUser {
            access_key: "console-admin".into(),
            secret: "minio-console-admin".into(),
        });
        let a = admin(&site).unwrap_or_else(|| panic!("no administrator"));
        assert_eq!(
            (a.access_key.as_str(), a.secret.as_str(), a.policy),
            ("console-admin", "minio-console-admin", CONSOLE_ADMIN)
        );
        assert!(
            !consumers(&site)
                .iter()
                .any(|c| c.access_key == "console-admin")
        );
    }

    /// Per consumer: create its policy from the mounted file, add its user with the secret key
    /// from its Secret, then attach the policy once both exist. `mc` trusts the cluster's CA for
    /// the operator's STS, and the tenant's CA when that is another one.
    #[test]
    fn the_job_creates_policy_and_user_then_attaches() {
        let site = Site::default();
        let verify = crate::plan::verify::policy_document(&buckets::buckets(&site)).0;
        let job = iam(&site, &consumers(&site), Some(&verify), None);
        let synapse: Vec<(&str, &str, Vec<&str>)> = job
            .commands
            .iter()
            .filter(|c| c.name.ends_with("-synapse"))
            .map(|c| {
                let deps = c.depends_on.iter().map(String::as_str).collect();
                (c.name.as_str(), c.op, deps)
            })
            .collect();
        assert_eq!(
            synapse,
            [
                ("policy-synapse", "admin/policy/create", vec![]),
                ("user-synapse", "admin/user/add", vec![]),
                (
                    "attach-synapse",
                    "admin/policy/attach",
                    vec!["policy-synapse", "user-synapse"]
                ),
            ]
        );
        let command = |name: &str| {
            job.commands
                .iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("no command {name}"))
        };
        let user = command("user-synapse");
        assert_eq!(user.args["password"], "$(MINIOGEN_SECRET_KEY)");
        assert_eq!(
            user.secret_key_from,
            Some((site.users.synapse().secret, "CONSOLE_SECRET_KEY".into()))
        );
        assert_eq!(
            command("policy-synapse").policy_file.as_deref(),
            Some("miniogen-synapse.json")
        );
        let files: Vec<&str> = job.cas.iter().map(|c| c.file).collect();
        assert_eq!(
            files,
            ["operator-sts-ca.crt"],
            "the cluster CA is mounted once"
        );
        let mut named = site.clone();
        named.tenant.trust = crate::model::spec::TrustSource::NamedCa;
        named.tenant.ca = Some(crate::model::spec::CaRef {
            kind: crate::model::spec::CaKind::Secret,
            name: "minio-ca".into(),
            key: None,
        });
        let cas: Vec<(&str, String)> = iam(&named, &consumers(&named), None, None)
            .cas
            .iter()
            .map(|c| (c.file, c.name.clone()))
            .collect();
        assert_eq!(
            cas,
            [
                ("operator-sts-ca.crt", "kube-root-ca.crt".to_string()),
                ("tenant-ca.crt", "minio-ca".to_string())
            ]
        );
        // The counter's default enters no hash: the name depends on what the job does alone
        // (here without the bucket job's policy; the golden streams pin the full one).
        assert_eq!(job.job, "matrix-minio-iam-d33ca61e");
    }

    #[test]
    fn the_job_is_renamed_when_what_it_does_changes() {
        let site = Site::default();
        let name = |s: &Site| iam(s, &consumers(s), None, None).job;
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
