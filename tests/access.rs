//! Least privilege as an auditor would check it, from the generated objects alone: every
//! consumer has its own user and policy, each policy names exactly that consumer's buckets, no
//! consumer gets `consoleAdmin`, and a renamed bucket changes exactly the policies that use it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{MODES, TIERS, documents, miniogen, ok, ok_env, root};

/// What the job does, read back from the stream.
struct Access {
    /// Secret names in the Tenant's `spec.users`.
    tenant_users: Vec<String>,
    /// Policy name to what its document allows, bucket by bucket, from the policy ConfigMap.
    policies: BTreeMap<String, Grants>,
    /// User to the policies attached to it.
    attached: BTreeMap<String, Vec<String>>,
    /// User to the Secret its secret key comes from.
    secrets: BTreeMap<String, String>,
    /// Policies the PolicyBinding grants, and to which ServiceAccount.
    binding: (Vec<String>, String),
    /// The MinIOJob's name and service account.
    job: (String, String),
    /// The policy ConfigMap's documents, by file.
    documents: BTreeMap<String, String>,
}

/// Bucket to the actions allowed there, each as `bucket <action>` (on the bucket itself) or
/// `object <action>` (on its objects).
type Grants = BTreeMap<String, BTreeSet<String>>;

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn read(stream: &str) -> Access {
    let docs = documents(stream);
    // The IAM job's objects; the bucket settings job has its own, checked below.
    let one = |kind: &str| -> Value {
        let found: Vec<&Value> = docs
            .iter()
            .filter(|d| {
                d["kind"] == kind
                    && (kind == "Tenant"
                        || d["metadata"]["labels"]["app.kubernetes.io/component"] == "iam")
            })
            .collect();
        assert_eq!(found.len(), 1, "one {kind} expected");
        found[0].clone()
    };
    let tenant = one("Tenant");
    let job = one("MinIOJob");
    // The IAM job's binding; the verification Job has its own (tests/watch.rs).
    let binding = docs
        .iter()
        .find(|d| {
            d["kind"] == "PolicyBinding"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with("-iam"))
        })
        .cloned()
        .unwrap_or_else(|| panic!("no PolicyBinding of the IAM job"));
    let config_map = docs
        .iter()
        .find(|d| {
            d["kind"] == "ConfigMap"
                && d["metadata"]["name"] == format!("{}-policies", s(&binding["metadata"]["name"]))
        })
        .cloned()
        .unwrap_or_else(|| panic!("no policy ConfigMap"));
    let mut documents = BTreeMap::new();
    let mut by_file = BTreeMap::new();
    for (file, text) in config_map["data"].as_object().into_iter().flatten() {
        // The verification Job's policy, no consumer's: it reads the buckets' settings and
        // the server's state, with admin actions (tests/watch.rs).
        if file == "miniogen-verify.json" {
            continue;
        }
        let text = text.as_str().unwrap_or_default();
        let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut grants = Grants::new();
        for statement in doc["Statement"].as_array().into_iter().flatten() {
            let effect = s(&statement["Effect"]);
            assert!(effect == "Allow" || effect == "Deny", "{file}");
            let actions: Vec<String> = statement["Action"]
                .as_array()
                .into_iter()
                .flatten()
                .map(s)
                .collect();
            for action in &actions {
                // The bucket job may set quotas, an admin action MinIO scopes to no bucket.
                let quota = file == "miniogen-buckets.json" && action == "admin:SetBucketQuota";
                assert!(
                    (action.starts_with("s3:") || quota) && !action.contains('*'),
                    "{file}: `{action}` is not one exact S3 action"
                );
            }
            for r in statement["Resource"].as_array().into_iter().flatten() {
                let arn = s(r);
                let resource = arn
                    .strip_prefix("arn:aws:s3:::")
                    .unwrap_or_else(|| panic!("{file}: {arn}"));
                let (bucket, on) = match resource.strip_suffix("/*") {
                    Some(bucket) => (bucket, "object"),
                    None => (resource, "bucket"),
                };
                assert!(
                    !bucket.contains(['*', '/', '?']),
                    "{file}: `{arn}` is not one bucket or all of its objects"
                );
                grants
                    .entry(bucket.to_string())
                    .or_default()
                    .extend(actions.iter().map(|a| {
                        if effect == "Deny" {
                            format!("deny {on} {a}")
                        } else {
                            format!("{on} {a}")
                        }
                    }));
            }
        }
        documents.insert(file.clone(), text.to_string());
        by_file.insert(file.clone(), grants);
    }
    let mut policies = BTreeMap::new();
    let mut attached: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for command in job["spec"]["commands"].as_array().into_iter().flatten() {
        let args = &command["args"];
        match command["op"].as_str().unwrap_or_default() {
            "admin/policy/create" => {
                let file = s(&args["policy"]);
                let file = file.rsplit('/').next().unwrap_or_default();
                let mounted = &command["volumes"][0]["configMap"];
                assert_eq!(mounted["name"], config_map["metadata"]["name"]);
                assert_eq!(mounted["items"][0]["key"], file);
                if file == "miniogen-verify.json" {
                    assert_eq!(s(&args["name"]), "miniogen-verify");
                    continue;
                }
                policies.insert(s(&args["name"]), by_file[file].clone());
            }
            "admin/user/add" => {
                // The secret key is a reference Kubernetes fills from the Secret, never a value.
                let password = s(&args["password"]);
                let var = password
                    .strip_prefix("$(")
                    .and_then(|p| p.strip_suffix(')'))
                    .unwrap_or_else(|| panic!("literal password for {}", args["user"]));
                let env = command["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| e["name"] == var)
                    .unwrap_or_else(|| panic!("{var} is not set"));
                let from = &env["valueFrom"]["secretKeyRef"];
                assert_eq!(from["key"], "CONSOLE_SECRET_KEY");
                assert!(
                    secrets.insert(s(&args["user"]), s(&from["name"])).is_none(),
                    "user {} is added twice",
                    args["user"]
                );
            }
            "admin/policy/attach" => {
                attached
                    .entry(s(&args["user"]))
                    .or_default()
                    .push(s(&args["policy"]));
            }
            other => panic!("unexpected operation {other}"),
        }
    }
    Access {
        tenant_users: tenant["spec"]["users"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|u| s(&u["name"]))
            .collect(),
        policies,
        attached,
        secrets,
        binding: (
            binding["spec"]["policies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(s)
                .collect(),
            s(&binding["spec"]["application"]["serviceaccount"]),
        ),
        job: (
            s(&job["metadata"]["name"]),
            s(&job["spec"]["serviceAccountName"]),
        ),
        documents,
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

/// The default consumers and the buckets each must reach, from the runbook and the issue, not
/// from miniogen's code.
fn expected() -> BTreeMap<&'static str, BTreeSet<String>> {
    BTreeMap::from([
        ("synapse", set(&["synapse-media"])),
        ("cnpg", set(&["postgresql-backups"])),
        (
            "rclone-li-sync",
            set(&["synapse-media", "synapse-media-li"]),
        ),
    ])
}

/// Checks what holds for every stream: one policy per user, each naming exactly the buckets
/// `expected` gives that user, no shared Secret, no `consoleAdmin` for a consumer, and the job's
/// own identity bound to it alone.
fn assert_least_privilege(label: &str, a: &Access, expected: &BTreeMap<&str, BTreeSet<String>>) {
    assert_eq!(
        a.attached.keys().map(String::as_str).collect::<Vec<_>>(),
        expected.keys().copied().collect::<Vec<_>>(),
        "{label}: the job creates other users than the consumers"
    );
    for (user, buckets) in expected {
        let policies = &a.attached[*user];
        assert_eq!(policies.len(), 1, "{label}: {user} holds {policies:?}");
        assert!(
            !policies.iter().any(|p| p == "consoleAdmin"),
            "{label}: {user} is an administrator"
        );
        let named: BTreeSet<String> = a.policies[&policies[0]].keys().cloned().collect();
        assert_eq!(&named, buckets, "{label}: {user}");
    }
    let policies: BTreeSet<&String> = a.attached.values().flatten().collect();
    assert_eq!(
        policies.len(),
        a.attached.len(),
        "{label}: users share a policy"
    );
    let secrets: BTreeSet<&String> = a.secrets.values().collect();
    assert_eq!(
        secrets.len(),
        a.secrets.len(),
        "{label}: users share a Secret"
    );
    for secret in &a.tenant_users {
        assert!(
            !secrets.contains(secret),
            "{label}: consumer Secret {secret} is in the Tenant's spec.users, which means consoleAdmin"
        );
    }
    assert_eq!(
        a.binding.1, a.job.1,
        "{label}: the binding is for another account"
    );
    assert_eq!(a.binding.0, ["consoleAdmin"], "{label}");
}

#[test]
fn every_tier_and_mode_gives_each_consumer_exactly_its_buckets() {
    for ccu in TIERS {
        let stream = ok(&["gen", "--ccu", &ccu.to_string()]);
        let a = read(&stream);
        assert_least_privilege(&format!("tier {ccu}"), &a, &expected());
        assert!(
            a.tenant_users.is_empty(),
            "tier {ccu}: {:?}",
            a.tenant_users
        );
    }
    for (mode, env) in MODES {
        let stream = ok_env(&["gen", "--ccu", "5000", "--secrets-mode", mode], env);
        assert_least_privilege(&format!("mode {mode}"), &read(&stream), &expected());
    }
}

#[test]
fn added_consumers_and_the_administrator_are_separate_identities() {
    let config = root().join("tests/fixtures/valid/consumers.toml");
    let config = config.to_string_lossy();
    for (mode, env) in MODES {
        let stream = ok_env(
            &[
                "gen",
                "--ccu",
                "100",
                "--config",
                &config,
                "--secrets-mode",
                mode,
            ],
            env,
        );
        let a = read(&stream);
        let mut want = expected();
        want.insert("loki", set(&["loki-chunks"]));
        want.insert("grafana", set(&["loki-chunks", "synapse-media"]));
        assert_least_privilege(&format!("consumers.toml in mode {mode}"), &a, &want);
        assert_eq!(a.tenant_users, ["minio-console-admin"], "{mode}");
        assert!(!a.attached.contains_key("console-admin"));
    }
    // `plan` wraps long lines: compare the words.
    let plan = ok(&["plan", "--ccu", "100", "--config", &config]);
    let plan = plan.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        plan.contains("user `console-admin` (Secret `minio-console-admin`) in the Tenant's `spec.users`, so `consoleAdmin` over the whole tenant: for people, no consumer"),
        "{plan}"
    );
}

/// Renaming a bucket in the site file changes exactly the policies that name it, and the job's
/// name, so that the operator runs the new job.
#[test]
fn a_renamed_bucket_changes_exactly_the_policies_that_use_it() {
    let base = read(&ok(&["gen", "--ccu", "5000"]));
    let cases = [
        (
            vec![
                "buckets=[{name=\"synapse-media\"},{name=\"synapse-media-li\"},{name=\"pg-backups\"}]",
                "users.cnpg.bucket=pg-backups",
            ],
            "postgresql-backups",
            vec!["miniogen-cnpg.json"],
        ),
        (
            vec![
                "buckets=[{name=\"media\"},{name=\"synapse-media-li\"},{name=\"postgresql-backups\"}]",
                "users.synapse.bucket=media",
                "rclone.source={remote=\"minio-main\",bucket=\"media\"}",
            ],
            "synapse-media",
            vec!["miniogen-rclone.json", "miniogen-synapse.json"],
        ),
        (
            vec![
                "buckets=[{name=\"synapse-media\"},{name=\"li-copy\"},{name=\"postgresql-backups\"}]",
                "rclone.destination={remote=\"minio-li\",bucket=\"li-copy\"}",
            ],
            "synapse-media-li",
            vec!["miniogen-buckets.json", "miniogen-rclone.json"],
        ),
    ];
    for (sets, old, changed) in cases {
        let mut args = vec!["gen", "--ccu", "5000"];
        for set in &sets {
            args.extend(["--set", set]);
        }
        let renamed = read(&ok(&args));
        let differ: Vec<&String> = base
            .documents
            .iter()
            .filter(|(file, text)| renamed.documents.get(*file) != Some(*text))
            .map(|(file, _)| file)
            .collect();
        assert_eq!(differ, changed, "{sets:?}");
        assert_ne!(
            base.job.0, renamed.job.0,
            "{sets:?}: the job would not run again"
        );
        for file in changed {
            assert!(
                !renamed.documents[file].contains(&format!("\"arn:aws:s3:::{old}\"")),
                "{file} still names the old bucket"
            );
        }
    }
}

/// The bucket settings job runs as an identity of its own, bound to one policy that names
/// only the buckets it configures and only bucket-configuration actions: no object is read,
/// written or deleted with it, and it is not `consoleAdmin`.
#[test]
fn the_bucket_job_holds_only_its_own_policy() {
    let docs = documents(&ok(&["gen", "--ccu", "5000"]));
    let of = |kind: &str, component: &str| -> Value {
        docs.iter()
            .find(|d| {
                d["kind"] == kind
                    && d["metadata"]["labels"]["app.kubernetes.io/component"] == component
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {component} {kind}"))
    };
    let (job, binding, iam) = (
        of("MinIOJob", "buckets"),
        of("PolicyBinding", "buckets"),
        of("MinIOJob", "iam"),
    );
    let account = s(&job["spec"]["serviceAccountName"]);
    assert_ne!(account, s(&iam["spec"]["serviceAccountName"]));
    assert_eq!(
        s(&binding["spec"]["application"]["serviceaccount"]),
        account
    );
    assert_eq!(
        binding["spec"]["policies"],
        serde_json::json!(["miniogen-buckets"])
    );
    let a = read(&ok(&["gen", "--ccu", "5000"]));
    // The IAM job creates it, and attaches it to no user.
    assert_eq!(
        a.policies["miniogen-buckets"].keys().collect::<Vec<_>>(),
        ["synapse-media-li"]
    );
    assert!(
        !a.attached
            .values()
            .flatten()
            .any(|p| p == "miniogen-buckets")
    );
    let doc: Value =
        serde_json::from_str(&a.documents["miniogen-buckets.json"]).unwrap_or_default();
    for action in doc["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|st| st["Action"].as_array().cloned().unwrap_or_default())
    {
        let action = s(&action);
        assert!(
            !action.contains("Object") || action == "s3:PutBucketObjectLockConfiguration",
            "the bucket job may touch objects: {action}"
        );
    }
    // Every command is `mc` against the tenant, in the buckets its policy names.
    for command in job["spec"]["commands"].as_array().into_iter().flatten() {
        let words: Vec<String> = command["command"]
            .as_array()
            .into_iter()
            .flatten()
            .map(s)
            .collect();
        assert_eq!(words.first().map(String::as_str), Some("mc"), "{words:?}");
        assert_eq!(
            words.last().map(String::as_str),
            Some("myminio/synapse-media-li"),
            "{words:?}"
        );
    }
}

#[test]
fn consumers_sharing_an_identity_are_refused_where_written() {
    let dir = root().join("tests/fixtures/invalid");
    let run = crate::support::miniogen_in(
        Some(&dir),
        &[
            "gen",
            "--ccu",
            "100",
            "--config",
            "consumer_shares_identity.toml",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("consumer_shares_identity.toml:")
            && run
                .stderr
                .contains("is already the identity of consumer `synapse`"),
        "{}",
        run.stderr
    );
    // Unchanged inputs give the same job; nothing is random.
    assert_eq!(
        read(&ok(&["gen", "--ccu", "100"])).job,
        read(&miniogen(&["gen", "--ccu", "100"]).stdout).job
    );
}

/// Reading: every S3 client asks for the bucket's location and lists it before it reads an
/// object (`GetObject` also answers `HEAD`).
const READ: [&str; 3] = [
    "bucket s3:GetBucketLocation",
    "bucket s3:ListBucket",
    "object s3:GetObject",
];
/// Writing adds `PutObject` and what multipart uploads need: boto3 (Synapse's storage
/// provider), barman-cloud and rclone all split large files, and abort or list the parts of an
/// upload they resume or give up.
const WRITE: [&str; 4] = [
    "bucket s3:ListBucketMultipartUploads",
    "object s3:AbortMultipartUpload",
    "object s3:ListMultipartUploadParts",
    "object s3:PutObject",
];
/// Deleting: only a consumer that must remove objects (barman-cloud's retention, `rclone sync`
/// making the copy match its source).
const DELETE: [&str; 1] = ["object s3:DeleteObject"];

/// Denied outright in a versioned bucket, on the bucket and its objects, whatever else the
/// identity holds: removing a version (MinIO checks `s3:DeleteObjectVersion` only as an explicit
/// Deny when `s3:DeleteObject` is allowed, `checkRequestAuthTypeCredential` in
/// `cmd/auth-handler.go`), shortening or lifting a lock, and turning versioning, lock or
/// lifecycle off (issue 24, item 5).
const PROTECTED: [&str; 7] = [
    "s3:BypassGovernanceRetention",
    "s3:DeleteObjectVersion",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
];

fn denied() -> BTreeSet<String> {
    ["bucket", "object"]
        .iter()
        .flat_map(|on| PROTECTED.iter().map(move |a| format!("deny {on} {a}")))
        .collect()
}

fn level(parts: &[&[&str]]) -> BTreeSet<String> {
    parts
        .iter()
        .flat_map(|p| p.iter())
        .map(|a| (*a).to_string())
        .collect()
}

/// What each consumer may do in each bucket, written from what each client does rather than from
/// miniogen's code: Synapse's media store uploads and downloads and never deletes (media
/// retention runs in Synapse, not in S3); CloudNativePG's barman-cloud writes backups and WAL and
/// deletes what its retention policy expires; the LI sync reads the media bucket and never writes
/// or deletes there, and makes the LI copy match it (writes and deletes); a consumer the site
/// adds gets exactly the level written for each of its buckets.
fn expected_actions() -> BTreeMap<&'static str, Grants> {
    let read = || level(&[&READ]);
    let write = || level(&[&READ, &WRITE]);
    let delete = || level(&[&READ, &WRITE, &DELETE]);
    BTreeMap::from([
        (
            "synapse",
            Grants::from([("synapse-media".to_string(), write())]),
        ),
        (
            "cnpg",
            Grants::from([("postgresql-backups".to_string(), delete())]),
        ),
        (
            "rclone-li-sync",
            Grants::from([
                ("synapse-media".to_string(), read()),
                // The LI copy is versioned and locked: the sync places delete markers and never
                // removes a version.
                (
                    "synapse-media-li".to_string(),
                    delete().union(&denied()).cloned().collect(),
                ),
            ]),
        ),
        (
            "loki",
            Grants::from([("loki-chunks".to_string(), delete())]),
        ),
        (
            "grafana",
            Grants::from([
                ("loki-chunks".to_string(), read()),
                ("synapse-media".to_string(), read()),
            ]),
        ),
        (
            "uploader",
            Grants::from([("loki-chunks".to_string(), write())]),
        ),
    ])
}

/// Each consumer's policy allows exactly the actions of the table above, bucket by bucket, in
/// every secrets mode, for the built-in consumers and for added ones at every access level.
/// Checked apart, because a wider grant there is the one that matters: Synapse can never delete
/// media, and the LI sync can never change the bucket it copies.
#[test]
fn each_consumer_may_do_exactly_what_its_client_needs() {
    let config = root().join("tests/fixtures/valid/consumers.toml");
    let config = config.to_string_lossy();
    let uploader = "consumers.uploader={access_key=\"uploader\",\
                    secret=\"minio-uploader-credentials\",buckets={loki-chunks=\"read-write\"}}";
    let expected = expected_actions();
    for (mode, env) in MODES {
        let stream = ok_env(
            &[
                "gen",
                "--ccu",
                "100",
                "--config",
                &config,
                "--set",
                uploader,
                "--secrets-mode",
                mode,
            ],
            env,
        );
        let a = read(&stream);
        let granted: BTreeMap<&str, &Grants> = a
            .attached
            .iter()
            .map(|(user, policies)| {
                assert_eq!(policies.len(), 1, "{mode}: {user} holds {policies:?}");
                (user.as_str(), &a.policies[&policies[0]])
            })
            .collect();
        assert_eq!(
            granted.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{mode}"
        );
        for (user, want) in &expected {
            assert_eq!(granted[user], want, "{mode}: what `{user}` may do");
        }
        let synapse = granted["synapse"].values().flatten();
        assert!(
            !synapse.into_iter().any(|a| a.contains("Delete")),
            "{mode}: Synapse may delete"
        );
        let source = &granted["rclone-li-sync"]["synapse-media"];
        assert!(
            source
                .iter()
                .all(|a| a.contains(":Get") || a.contains(":List")),
            "{mode}: the LI sync may change its source: {source:?}"
        );
    }
    // The default site, in every tier: the built-in consumers alone, with the same actions.
    for ccu in TIERS {
        let a = read(&ok(&["gen", "--ccu", &ccu.to_string()]));
        for (user, policies) in &a.attached {
            assert_eq!(
                &a.policies[&policies[0]],
                &expected[user.as_str()],
                "tier {ccu}: what `{user}` may do"
            );
        }
        assert_eq!(a.attached.len(), 3, "tier {ccu}");
    }
}
/// Issue 23, item 14: MinIO Operator v6.0.2 joins a MinIOJob command's arguments with spaces
/// and splits them again into `mc`'s (`pkg/utils/miniojob/types.go`), so an access key such as
/// `--help` became an `mc` flag and the user-add step "succeeded" without a user. Every access
/// key that reaches a MinIOJob is refused with a leading `-`, where it was written.
#[test]
fn access_keys_that_mc_would_read_as_flags_are_refused() {
    for key in [
        "users.synapse.access_key=--help",
        "users.rclone.access_key=--insecure",
        "consumers.loki={access_key=\"-loki\", secret=\"loki\", buckets={synapse-media=\"read\"}}",
        "admin={access_key=\"--debug\", secret=\"minio-admin-user\"}",
        "tenant.root_user=-root",
    ] {
        let run = miniogen(&["gen", "--ccu", "100", "--set", key]);
        assert_eq!(run.code, 1, "{key}: {}", run.stderr);
        assert!(
            run.stderr.contains("starts with `-`") && run.stderr.contains("--> command line"),
            "{key}: {}",
            run.stderr
        );
    }
}

/// Issue 23, item 7: `tenant.ca` could name a Secret holding credentials (the root password in
/// `config.env` was then mounted into every client), and a consumer's Secret could be the CA
/// copy or the tenant's certificate (its ExternalSecret, `creationPolicy: Owner`, overwrote the
/// certificate). Every Secret name has one owner: a collision is refused, naming both.
#[test]
fn every_secret_name_has_one_owner() {
    let provided = [
        "tenant.trust=\"provided\"",
        "tenant.certificate_secret=minio-tls",
    ];
    let loki = |secret: &str| {
        format!(
            "consumers.loki={{access_key=\"loki\", secret=\"{secret}\", \
             buckets={{synapse-media=\"read\"}}}}"
        )
    };
    let cases: [(Vec<String>, &str); 4] = [
        (
            vec![
                "tenant.trust=\"named-ca\"".into(),
                "tenant.ca={kind=\"Secret\",name=\"minio-config\",key=\"config.env\"}".into(),
            ],
            "Secret `minio-config` of the CA clients trust (`tenant.ca`) already holds the keys \
             of the configuration (`tenant.config_secret`)",
        ),
        (
            vec![loki("minio-ca")],
            "Secret `minio-ca` of consumer `loki` (`[consumers.loki]`) already holds \
             CloudNativePG's copy of the CA (`cnpg.ca_secret`)",
        ),
        (
            provided
                .iter()
                .map(ToString::to_string)
                .chain([loki("minio-tls")])
                .collect(),
            "Secret `minio-tls` of consumer `loki` (`[consumers.loki]`) already holds the \
             tenant's certificate and its private key",
        ),
        (
            provided
                .iter()
                .map(ToString::to_string)
                .chain(["tenant.ca={kind=\"Secret\",name=\"minio-tls\",key=\"tls.key\"}".into()])
                .collect(),
            "`tenant.ca` names the key `tls.key`, a private key",
        ),
    ];
    for (sets, says) in cases {
        let mut args = vec!["gen", "--ccu", "100"];
        for set in &sets {
            args.extend(["--set", set.as_str()]);
        }
        let run = miniogen(&args);
        assert_eq!(run.code, 1, "{sets:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{sets:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("--> command line"),
            "{sets:?}: {}",
            run.stderr
        );
    }
    // A CA may be read from the certificate's Secret, and shared by the CA's readers.
    let mut args = vec!["gen", "--ccu", "100"];
    for set in provided
        .iter()
        .copied()
        .chain(["tenant.ca={kind=\"Secret\",name=\"minio-tls\",key=\"ca.crt\"}"])
    {
        args.extend(["--set", set]);
    }
    ok(&args);
    ok(&[
        "gen",
        "--ccu",
        "100",
        "--set",
        "tenant.trust=\"named-ca\"",
        "--set",
        "tenant.ca={kind=\"Secret\",name=\"minio-ca\"}",
    ]);
}
