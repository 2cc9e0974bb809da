//! Bucket settings: object lock, versioning, default retention, lifecycle and quota, each
//! bucket's effective value with its role's default, what they cost, and the MinIOJob that
//! applies them under a policy of its own.
//!
//! Part of the plan stage. MinIO Operator v6.0.2 only creates buckets (`CreateBuckets`,
//! `pkg/apis/minio.min.io/v2/helper.go`, with `objectLock` passed to `MakeBucket`, and only for
//! buckets that do not exist); everything else a bucket needs is applied here by `mc` commands
//! in a MinIOJob, which the job controller runs as given (`createJob`,
//! `pkg/utils/miniojob/types.go`: a command spec with `command:` becomes the container's
//! command). The job runs as its own ServiceAccount, which a PolicyBinding grants only the
//! policy `miniogen-buckets`: the bucket-configuration actions on the buckets it configures.
//! No IO.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use crate::model::digest;
use crate::model::quantity;
use crate::model::spec::{RetentionMode, Site};
use crate::plan::access::JobCa;

/// The alias `createJob` gives the tenant in every job pod (`MC_HOST_myminio`).
pub const ALIAS: &str = "myminio";
/// The policy the bucket job's PolicyBinding names, created by the IAM job.
pub const POLICY: &str = "miniogen-buckets";
/// The longest policy the operator's STS hands out: `AssumeRoleWithWebIdentity` merges a
/// PolicyBinding's policies and refuses more than 2048 characters of compact JSON
/// (`pkg/controller/sts_handlers.go`, "PolicyBinding resulting policy is too long").
pub const MAX_STS_POLICY: usize = 2048;
/// Default retention of the lawful-intercept copy, in days: a preservation request asks a
/// provider to keep records for 90 days (18 U.S.C. § 2703(f)), and a quarter covers the time
/// between a deletion and someone noticing it in most review cycles.
pub const LI_RETENTION_DAYS: u32 = 90;
/// Noncurrent versions of a versioned bucket without a retention: a month to notice a
/// mistaken delete or overwrite.
pub const NONCURRENT_DAYS: u32 = 30;
/// What `plan` assumes of a bucket's churn when the site says nothing: 5% of its data deleted
/// or replaced in 30 days.
pub const CHURN_PERCENT: u32 = 5;
/// Actions no consumer may take in a versioned bucket, denied explicitly. MinIO lets
/// `s3:DeleteObject` remove a version (`checkRequestAuthTypeCredential`, `cmd/auth-handler.go`,
/// checks `s3:DeleteObjectVersion` only as an explicit Deny), so the Deny is what keeps
/// versions; the others would shorten or lift a lock, or turn versioning, lock or lifecycle off.
pub const PROTECTED_ACTIONS: [&str; 7] = [
    "s3:BypassGovernanceRetention",
    "s3:DeleteObjectVersion",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
];

/// What a bucket is for, which decides its defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// `rclone.destination.bucket`: the lawful-intercept copy.
    LawfulIntercept,
    /// CloudNativePG's bucket, whose backups barman-cloud expires itself.
    Backups,
    /// Any other bucket.
    Plain,
}

/// A bucket's default retention, in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Retention {
    /// `governance` or `compliance`.
    pub mode: RetentionMode,
    /// Days each version stays locked after it is written.
    pub days: u32,
}

/// A bucket with every setting in effect.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// Region, if set.
    pub region: Option<String>,
    /// What it is for.
    pub role: Role,
    /// Created with object lock.
    pub object_lock: bool,
    /// Versioned.
    pub versioning: bool,
    /// The default retention, for a locked bucket.
    pub retention: Option<Retention>,
    /// Days after which noncurrent versions expire; `None` keeps them (and for an unversioned
    /// bucket there are none).
    pub noncurrent_days: Option<u32>,
    /// The hard quota as written, and in bytes.
    pub quota: Option<(String, u128)>,
    /// The churn `plan` assumes, in percent per 30 days.
    pub churn_percent: u32,
    /// The days of the compliance retention that the site acknowledges lowering.
    pub lowered_from: Option<u32>,
}

impl Bucket {
    /// Whether the job applies anything to this bucket.
    #[must_use]
    pub fn managed(&self) -> bool {
        (self.versioning && !self.object_lock)
            || self.retention.is_some()
            || self.noncurrent_days.is_some()
            || self.quota.is_some()
    }

    /// What versions cost, in hundredths of a percent of the bucket's current data: churn
    /// times the days noncurrent versions are kept. `None` when they are kept for ever.
    #[must_use]
    pub fn overhead_basis_points(&self) -> Option<u32> {
        if !self.versioning {
            return Some(0);
        }
        let days = self.noncurrent_days?;
        Some(self.churn_percent * days * 100 / 30)
    }

    /// The settings that day two compares, as the bucket job records them.
    #[must_use]
    pub fn record(&self) -> Recorded {
        Recorded {
            object_lock: self.object_lock,
            versioning: self.versioning,
            retention: self.retention,
            noncurrent_days: self.noncurrent_days,
            quota: self.quota.as_ref().map(|(text, _)| text.clone()),
        }
    }
}

/// One bucket's settings as the bucket job's annotation records them, for day two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Recorded {
    /// Created with object lock.
    pub object_lock: bool,
    /// Versioned.
    pub versioning: bool,
    /// The default retention.
    pub retention: Option<Retention>,
    /// Noncurrent versions expire after these days.
    pub noncurrent_days: Option<u32>,
    /// The hard quota.
    pub quota: Option<String>,
}

/// The annotation on the bucket MinIOJob that records every bucket's settings.
pub const RECORD_ANNOTATION: &str = "miniogen.io/bucket-settings";

/// Every bucket of the site with its settings in effect, in the site's order.
#[must_use]
pub fn buckets(site: &Site) -> Vec<Bucket> {
    site.buckets
        .iter()
        .map(|b| {
            let role = if b.name == site.rclone.destination.bucket {
                Role::LawfulIntercept
            } else if site.users.cnpg().bucket.as_deref() == Some(b.name.as_str()) {
                Role::Backups
            } else {
                Role::Plain
            };
            let li = role == Role::LawfulIntercept;
            let object_lock = b.object_lock.unwrap_or(li);
            // MinIO makes a bucket created with lock versioned (`MakeBucket`,
            // `cmd/erasure-server-pool.go`); the rules refuse `versioning = false` beside it.
            let versioning = object_lock || b.versioning.unwrap_or(li);
            let retention = match &b.retention {
                Some(r) => Some(Retention {
                    mode: r.mode,
                    days: r.days,
                }),
                None if li && object_lock => Some(Retention {
                    mode: RetentionMode::Governance,
                    days: LI_RETENTION_DAYS,
                }),
                None => None,
            };
            let noncurrent_days = match b.noncurrent_days {
                Some(0) => None,
                Some(days) => Some(days),
                None if versioning => Some(retention.map_or(
                    if li {
                        LI_RETENTION_DAYS
                    } else {
                        NONCURRENT_DAYS
                    },
                    |r| r.days,
                )),
                None => None,
            };
            Bucket {
                name: b.name.clone(),
                region: b.region.clone(),
                role,
                object_lock,
                versioning,
                retention,
                noncurrent_days,
                quota: b
                    .quota
                    .as_ref()
                    .map(|q| (q.clone(), quantity::bytes(q).unwrap_or_default())),
                churn_percent: b.churn_percent.unwrap_or(CHURN_PERCENT),
                lowered_from: b.retention.as_ref().and_then(|r| r.lowered_from),
            }
        })
        .collect()
}

/// One `mc` command of the bucket job: one Kubernetes Job.
#[derive(Debug, Clone, Serialize)]
pub struct Command {
    /// Its name, unique in the job; the Job is `<job>-<name>`.
    pub name: String,
    /// The bucket it configures.
    pub bucket: String,
    /// The container's command, `mc` and its arguments.
    pub command: Vec<String>,
    /// Commands that must succeed first.
    pub depends_on: Vec<String>,
}

/// The MinIOJob that applies the bucket settings, and what it needs.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// Its ServiceAccount, which the operator's STS authenticates.
    pub service_account: String,
    /// The PolicyBinding that grants the ServiceAccount `policy`.
    pub policy_binding: String,
    /// The MinIOJob, named after a hash of what it does: the operator runs a MinIOJob once.
    pub job: String,
    /// Its policy, which the IAM job creates.
    pub policy: JobPolicy,
    /// The `mc` image.
    pub mc_image: String,
    /// The commands, bucket by bucket.
    pub commands: Vec<Command>,
    /// Every bucket's settings as compact JSON, for day two.
    pub record: String,
    /// Where `mc` reads extra CA certificates (as for the IAM job).
    pub ca_dir: &'static str,
    /// `mc`'s configuration folder.
    pub config_dir: &'static str,
    /// The CAs mounted there.
    pub cas: Vec<JobCa>,
}

/// The bucket job's policy.
#[derive(Debug, Clone, Serialize)]
pub struct JobPolicy {
    /// Its name in MinIO.
    pub name: &'static str,
    /// Its file in the IAM job's policy ConfigMap.
    pub file: String,
    /// Per bucket, the actions it allows there.
    pub grants: Vec<(String, Vec<&'static str>)>,
    /// Admin actions, which MinIO matches against no resource (`isAdmin`, minio/pkg
    /// `policy/statement.go`): a quota may be set on any bucket once granted.
    pub admin_actions: Vec<&'static str>,
    /// The document, as `mc admin policy create` reads it.
    pub document: String,
    /// Its length as compact JSON, which the operator's STS bounds.
    pub compact_len: usize,
}

/// The commands that apply one bucket's settings. Each is safe to run again: `version enable`,
/// `retention set --default` and `quota set` set a state; `mc ilm rule add` appends a rule with
/// a random ID and `mc ilm rule rm --all` fails on a bucket without lifecycle
/// (`cmd/ilm-rule-add.go`, `cmd/ilm-remove.go` at mc RELEASE.2025-08-13T08-35-41Z), so the
/// lifecycle takes three steps: add a harmless rule, remove every rule, add the declared one.
/// The bucket ends with exactly that rule however often the job runs, without a shell.
fn commands(index: usize, b: &Bucket) -> Vec<Command> {
    let target = format!("{ALIAS}/{}", b.name);
    let mut out = Vec::new();
    let mut push = |name: String, args: &[&str], depends_on: Vec<String>| {
        let mut command = vec!["mc".to_string()];
        command.extend(args.iter().map(|a| (*a).to_string()));
        command.push(target.clone());
        out.push(Command {
            name,
            bucket: b.name.clone(),
            command,
            depends_on,
        });
    };
    let versioning = format!("versioning-{index}");
    let versioned_here = b.versioning && !b.object_lock;
    if versioned_here {
        push(versioning.clone(), &["version", "enable"], Vec::new());
    }
    if let Some(r) = b.retention {
        push(
            format!("retention-{index}"),
            &[
                "retention",
                "set",
                "--default",
                r.mode.name(),
                &format!("{}d", r.days),
            ],
            Vec::new(),
        );
    }
    if let Some(days) = b.noncurrent_days {
        let [a, rm, add] = ["a", "b", "c"].map(|s| format!("lifecycle-{index}-{s}"));
        push(
            a.clone(),
            &["ilm", "rule", "add", "--expire-delete-marker"],
            Vec::new(),
        );
        push(
            rm.clone(),
            &["ilm", "rule", "rm", "--all", "--force"],
            vec![a],
        );
        let mut after = vec![rm];
        if versioned_here {
            after.push(versioning.clone());
        }
        push(
            add,
            &[
                "ilm",
                "rule",
                "add",
                "--noncurrent-expire-days",
                &days.to_string(),
                "--expire-delete-marker",
            ],
            after,
        );
    }
    if let Some((_, bytes)) = &b.quota {
        push(
            format!("quota-{index}"),
            &["quota", "set", "--size", &bytes.to_string()],
            Vec::new(),
        );
    }
    out
}

/// The longest command name of bucket `index`, for the rule that bounds Job names.
#[must_use]
pub fn longest_command(index: usize) -> String {
    format!("lifecycle-{index}-a")
}

/// The job's name for tenant `tenant` and a hash of what it does.
#[must_use]
pub fn job_name(tenant: &str, hash: &str) -> String {
    format!("{tenant}-buckets-{hash}")
}

/// What the job needs in each bucket: the actions of the commands it runs there, read from
/// MinIO's handlers at the pinned release (`PutBucketVersioningHandler`,
/// `PutBucketObjectLockConfigHandler`, `PutBucketLifecycleHandler` and
/// `DeleteBucketLifecycleHandler`, `GetBucketLifecycleHandler`), plus the location minio-go asks
/// for first; a quota is an admin call (`PutBucketQuotaConfigHandler`,
/// `cmd/admin-bucket-handlers.go`: `admin:SetBucketQuota`).
fn policy(buckets: &[Bucket]) -> JobPolicy {
    let mut grants = Vec::new();
    let mut admin_actions = Vec::new();
    for b in buckets.iter().filter(|b| b.managed()) {
        let mut actions = vec!["s3:GetBucketLocation"];
        if b.versioning && !b.object_lock {
            actions.push("s3:PutBucketVersioning");
        }
        if b.retention.is_some() {
            actions.push("s3:PutBucketObjectLockConfiguration");
        }
        if b.noncurrent_days.is_some() {
            actions.extend([
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
            ]);
        }
        actions.sort_unstable();
        if b.quota.is_some() && admin_actions.is_empty() {
            admin_actions.push("admin:SetBucketQuota");
        }
        grants.push((b.name.clone(), actions));
    }
    // One statement per set of actions, naming every bucket that needs exactly those; a bucket
    // with only a quota needs no S3 action (the admin API asks no bucket location).
    grants.retain(|(_, actions)| actions.len() > 1);
    let mut statements: BTreeMap<Vec<&str>, Vec<String>> = BTreeMap::new();
    for (bucket, actions) in &grants {
        statements
            .entry(actions.clone())
            .or_default()
            .push(format!("arn:aws:s3:::{bucket}"));
    }
    let mut docs: Vec<serde_json::Value> = statements
        .into_iter()
        .map(|(actions, resources)| {
            json!({"Effect": "Allow", "Action": actions, "Resource": resources})
        })
        .collect();
    if !admin_actions.is_empty() {
        docs.push(json!({"Effect": "Allow", "Action": admin_actions}));
    }
    let doc = json!({"Version": "2012-10-17", "Statement": docs});
    let mut document = serde_json::to_string_pretty(&doc).unwrap_or_default();
    document.push('\n');
    JobPolicy {
        name: POLICY,
        file: format!("{POLICY}.json"),
        grants,
        admin_actions,
        compact_len: doc.to_string().len(),
        document,
    }
}

/// The bucket job, when any bucket has a setting to apply.
#[must_use]
pub fn job(site: &Site, buckets: &[Bucket], cas: Vec<JobCa>) -> Option<Job> {
    if !buckets.iter().any(Bucket::managed) {
        return None;
    }
    let commands: Vec<Command> = buckets
        .iter()
        .enumerate()
        .flat_map(|(i, b)| commands(i, b))
        .collect();
    let policy = policy(buckets);
    let record: BTreeMap<&str, Recorded> = buckets
        .iter()
        .map(|b| (b.name.as_str(), b.record()))
        .collect();
    let mut fingerprint = json!({
        "cas": cas,
        "commands": commands,
        "image": site.iam.mc_image,
        "policy": policy.document,
    });
    if site.iam.run > 0 {
        fingerprint["run"] = json!(site.iam.run);
    }
    let hash = digest::sha256(&fingerprint.to_string());
    let base = job_name(&site.tenant.name, "");
    let base = base.trim_end_matches('-').to_string();
    Some(Job {
        service_account: base.clone(),
        policy_binding: base,
        job: job_name(&site.tenant.name, &hash[..8]),
        policy,
        mc_image: site.iam.mc_image.clone(),
        commands,
        record: serde_json::to_string(&record).unwrap_or_default(),
        ca_dir: "/.mc/certs/CAs",
        config_dir: "/.mc",
        cas,
    })
}

/// `12.5%` from hundredths of a percent.
#[must_use]
pub fn percent(basis_points: u32) -> String {
    let whole = basis_points / 100;
    let tenth = (basis_points % 100) / 10;
    if tenth == 0 {
        format!("{whole}%")
    } else {
        format!("{whole}.{tenth}%")
    }
}

/// How much of Synapse's media the usable capacity holds beside its lawful-intercept copy and
/// that copy's noncurrent versions: `usable / (2 + overhead)`, backups not counted. `None`
/// without an LI copy, or when its versions are kept for ever.
#[must_use]
pub fn media_ceiling(usable: u128, li: &Bucket) -> Option<u128> {
    let overhead = u128::from(li.overhead_basis_points()?);
    Some(usable * 10_000 / (20_000 + overhead))
}

/// The `plan` lines of one bucket's settings: what it is, then labelled details.
#[must_use]
pub fn describe(b: &Bucket) -> (String, Vec<(&'static str, String)>) {
    let mut head = match (b.object_lock, b.versioning) {
        (true, _) => "locked and versioned",
        (false, true) => "versioned, not locked",
        (false, false) => "not versioned",
    }
    .to_string();
    match b.role {
        Role::LawfulIntercept => head.push_str(", the lawful-intercept copy"),
        Role::Backups => head.push_str(", CloudNativePG's backups"),
        Role::Plain => {}
    }
    let mut lines = Vec::new();
    if let Some(r) = b.retention {
        lines.push((
            "retention",
            format!(
                "every version is locked for {} days after it is written, in {} mode: {}",
                r.days,
                r.mode.name(),
                match r.mode {
                    RetentionMode::Governance => {
                        "no consumer may remove it or shorten its lock; an administrator may, \
                         with `s3:BypassGovernanceRetention` and the bypass header"
                    }
                    RetentionMode::Compliance => {
                        "no one may remove it or shorten its lock, root included"
                    }
                }
            ),
        ));
    } else if b.object_lock {
        lines.push((
            "retention",
            "none by default; a client may still lock a version it writes".to_string(),
        ));
    }
    match (b.versioning, b.noncurrent_days) {
        (true, Some(days)) => lines.push((
            "lifecycle",
            format!(
                "a deleted or replaced version is kept {days} days after it stops being \
                 current{}, then removed, with any delete marker left alone",
                if b.retention.is_some_and(|r| r.days > days) {
                    " (longer while its lock lasts)"
                } else {
                    ""
                }
            ),
        )),
        (true, None) => lines.push((
            "lifecycle",
            "none: deleted and replaced versions are kept for ever".into(),
        )),
        (false, _) if b.role == Role::Backups => lines.push((
            "lifecycle",
            "none: barman-cloud deletes backups and WAL files itself (`retentionPolicy`), \
             keeping every file a recovery in the window needs; a lifecycle rule counts only \
             age and would delete a base backup or WAL file barman still counts on"
                .into(),
        )),
        _ => {}
    }
    if let Some((text, _)) = &b.quota {
        lines.push((
            "quota",
            format!("{text}, a hard limit: MinIO refuses writes beyond it"),
        ));
    }
    if b.versioning {
        lines.push((
            "cost",
            match b.overhead_basis_points() {
                Some(bp) => format!(
                    "noncurrent versions add about {} of the bucket's data: {}% of it deleted or \
                     replaced every 30 days (`churn_percent`), each kept {} days",
                    percent(bp),
                    b.churn_percent,
                    b.noncurrent_days.unwrap_or_default()
                ),
                None => format!(
                    "grows by about {}% of the bucket's data every 30 days (`churn_percent`), \
                     without bound",
                    b.churn_percent
                ),
            },
        ));
    }
    (head, lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::Bucket as SiteBucket;

    fn site(buckets: Vec<SiteBucket>) -> Site {
        Site {
            buckets,
            ..Site::default()
        }
    }

    #[test]
    fn the_li_copy_is_locked_versioned_retained_and_expired() {
        let b = buckets(&Site::default());
        let li = b
            .iter()
            .find(|b| b.name == "synapse-media-li")
            .unwrap_or_else(|| unreachable!());
        assert_eq!(li.role, Role::LawfulIntercept);
        assert!(li.object_lock && li.versioning);
        assert_eq!(
            li.retention,
            Some(Retention {
                mode: RetentionMode::Governance,
                days: 90
            })
        );
        assert_eq!(li.noncurrent_days, Some(90));
        for plain in b.iter().filter(|b| b.name != "synapse-media-li") {
            assert!(!plain.managed(), "{plain:?}");
        }
    }

    #[test]
    fn the_job_applies_retention_and_one_lifecycle_rule() {
        let s = Site::default();
        let b = buckets(&s);
        let job = job(&s, &b, Vec::new()).unwrap_or_else(|| unreachable!());
        let lines: Vec<String> = job.commands.iter().map(|c| c.command.join(" ")).collect();
        assert_eq!(
            lines,
            [
                "mc retention set --default governance 90d myminio/synapse-media-li",
                "mc ilm rule add --expire-delete-marker myminio/synapse-media-li",
                "mc ilm rule rm --all --force myminio/synapse-media-li",
                "mc ilm rule add --noncurrent-expire-days 90 --expire-delete-marker myminio/synapse-media-li",
            ]
        );
        assert_eq!(job.commands[3].depends_on, ["lifecycle-1-b"]);
        // Only what those commands need, only in that bucket.
        assert_eq!(
            job.policy.grants,
            [(
                "synapse-media-li".to_string(),
                vec![
                    "s3:GetBucketLocation",
                    "s3:GetLifecycleConfiguration",
                    "s3:PutBucketObjectLockConfiguration",
                    "s3:PutLifecycleConfiguration"
                ]
            )]
        );
        assert!(job.policy.admin_actions.is_empty());
        assert!(job.policy.compact_len < MAX_STS_POLICY);
    }

    #[test]
    fn a_versioned_plain_bucket_and_a_quota() {
        let mut media = SiteBucket::named("synapse-media");
        media.versioning = Some(true);
        media.quota = Some("1Ti".into());
        let s = site(vec![media, SiteBucket::named("synapse-media-li")]);
        let b = buckets(&s);
        assert_eq!(b[0].noncurrent_days, Some(NONCURRENT_DAYS));
        let job = job(&s, &b, Vec::new()).unwrap_or_else(|| unreachable!());
        let first: Vec<String> = job
            .commands
            .iter()
            .filter(|c| c.bucket == "synapse-media")
            .map(|c| c.command.join(" "))
            .collect();
        assert_eq!(first[0], "mc version enable myminio/synapse-media");
        assert_eq!(
            first.last().map(String::as_str),
            Some("mc quota set --size 1099511627776 myminio/synapse-media")
        );
        assert_eq!(job.policy.admin_actions, ["admin:SetBucketQuota"]);
    }

    #[test]
    fn the_job_is_renamed_when_what_it_does_changes() {
        let s = Site::default();
        let name = |s: &Site| job(s, &buckets(s), Vec::new()).map(|j| j.job);
        let mut longer = s.clone();
        let mut li = SiteBucket::named("synapse-media-li");
        li.retention = Some(crate::model::spec::Retention {
            mode: RetentionMode::Governance,
            days: 120,
            lowered_from: None,
        });
        longer.buckets[1] = li;
        let mut scheduled = s.clone();
        scheduled.rclone.schedule = "0 * * * *".into();
        assert_ne!(name(&s), name(&longer));
        assert_eq!(name(&s), name(&scheduled));
    }

    #[test]
    fn overhead_and_ceiling() {
        let li = &buckets(&Site::default())[1];
        // 5% a month for 90 days: 15%.
        assert_eq!(li.overhead_basis_points(), Some(1500));
        assert_eq!(percent(1500), "15%");
        assert_eq!(percent(1250), "12.5%");
        // 2000Gi usable over 2.15 copies.
        assert_eq!(media_ceiling(2150, li), Some(1000));
    }
}
