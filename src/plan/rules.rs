//! The rules a JSON Schema cannot express: erasure layouts and parity, uniqueness, and
//! references between keys.
//!
//! The syntax of single values (names, quantities, schedules, images) is checked by the schema
//! stage through the formats in `names`; the rules here see values that already parse. Every
//! rule runs, so the user sees all problems at once. The arithmetic lives in `erasure`.

use std::collections::{BTreeMap, BTreeSet};

use crate::check::decode::Locator;
use crate::check::names;
use crate::input::source::{escape_pointer, key_path};
use crate::model::diag::{Diagnostic, did_you_mean};
use crate::model::quantity;
use crate::model::spec::Spec;
use crate::model::spec::{BuiltIn, Holder, MetricsAuth, SecretsMode};
use crate::plan::access;
use crate::plan::erasure::{Layout, LayoutError};

/// Checks `spec`; errors and warnings come back together.
#[must_use]
pub fn check(spec: &Spec, at: &Locator<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    pools(spec, at, &mut out);
    resources(spec, at, &mut out);
    buckets(spec, at, &mut out);
    users(spec, at, &mut out);
    secrets(spec, at, &mut out);
    consumers(spec, at, &mut out);
    job_names(spec, at, &mut out);
    prometheus(spec, at, &mut out);
    rclone(spec, at, &mut out);
    api_requests(spec, at, &mut out);
    trust(spec, at, &mut out);
    vault_placeholders(spec, at, &mut out);
    out
}

/// Each trust source needs its own keys; the others' are ignored, with a warning.
fn trust(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    use crate::model::spec::TrustSource;
    let t = &spec.site.tenant;
    match t.trust {
        TrustSource::NamedCa if t.ca.is_none() => out.push(
            at.error(
                "/tenant/trust",
                "`tenant.trust = \"named-ca\"` needs `tenant.ca`",
            )
            .help("name the CA, such as `ca = { kind = \"Secret\", name = \"minio-ca\" }`"),
        ),
        TrustSource::Provided if t.certificate_secret.is_none() => out.push(
            at.error(
                "/tenant/trust",
                "`tenant.trust = \"provided\"` needs `tenant.certificate_secret`",
            )
            .help("name the Secret of your certificate, such as cert-manager's `minio-tls`"),
        ),
        TrustSource::Provided if !t.tls => out.push(
            at.error(
                "/tenant/tls",
                "`tenant.trust = \"provided\"` needs `tenant.tls = true`",
            )
            .help("turn TLS on, or leave `tenant.trust` at `cluster-ca`"),
        ),
        _ => {}
    }
    if t.trust != TrustSource::Provided && t.certificate_secret.is_some() {
        out.push(
            at.warning(
                "/tenant/certificate_secret",
                format!(
                    "`tenant.certificate_secret` is ignored: it is only for `tenant.trust = \"provided\"`, not `{}`",
                    t.trust.name()
                ),
            )
            .help("set `tenant.trust = \"provided\"` to serve your certificate, or remove the key"),
        );
    }
    if t.trust == TrustSource::ClusterCa && t.ca.is_some() {
        out.push(
            at.warning(
                "/tenant/ca",
                "`tenant.ca` is ignored with `tenant.trust = \"cluster-ca\"`, which trusts `tenant.ca_config_map`",
            )
            .help("set `tenant.trust = \"named-ca\"` to trust this CA"),
        );
    }
}

/// A set `MINIO_API_REQUESTS_MAX` is for the whole cluster (`cmd/handler-api.go` divides it by
/// the servers); a share above what MinIO derives from the memory limit risks running out of
/// memory under load, which MinIO's own default avoids.
fn api_requests(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let Some(max) = spec.sizing.api_requests_max else {
        return;
    };
    // The pools the Tenant keeps: a retired one no longer runs servers.
    let kept = super::kept(spec, false);
    let servers = kept.iter().map(|p| p.servers).sum::<u32>();
    let set_drives = kept
        .iter()
        .filter_map(|p| crate::plan::erasure::set_size(p.servers, p.volumes_per_server).ok())
        .max()
        .unwrap_or(1);
    let memory = &spec.sizing.resources.limits.memory;
    let r = crate::plan::requests::api_requests(
        Some(max),
        servers,
        set_drives,
        quantity::bytes(memory).unwrap_or_default(),
    );
    if let (Some(per), Some(safe)) = (r.per_server, r.memory_safe_per_server)
        && per > safe
    {
        out.push(
            at.warning(
                "/sizing/api_requests_max",
                format!(
                    "`MINIO_API_REQUESTS_MAX` {max} gives each of {servers} servers {per} requests \
                     at once, more than the {safe} MinIO derives for its {memory} memory limit"
                ),
            )
            .help(format!(
                "the value is for the whole cluster; leave it unset, or set at most {}",
                safe * u64::from(servers)
            )),
        );
    }
}

struct PoolRef<'a> {
    pointer: String,
    name_pointer: String,
    name: &'a str,
    servers: u32,
    volumes: u32,
}

fn pool_refs(spec: &Spec) -> Vec<PoolRef<'_>> {
    let mut pools = vec![PoolRef {
        pointer: "/sizing".into(),
        name_pointer: "/tenant/pool_name".into(),
        name: &spec.site.tenant.pool_name,
        servers: spec.sizing.servers,
        volumes: spec.sizing.volumes_per_server,
    }];
    for (i, p) in spec.site.pools.iter().enumerate() {
        pools.push(PoolRef {
            pointer: format!("/pools/{i}"),
            name_pointer: format!("/pools/{i}/name"),
            name: &p.name,
            servers: p.servers,
            volumes: p.volumes_per_server,
        });
    }
    pools
}

/// The job whose policy (`miniogen-<name>`) and IAM command (`policy-<name>`) a consumer of this
/// name would take.
fn reserved_consumer(name: &str) -> Option<&'static str> {
    if name == crate::plan::verify::NAME {
        Some("verification Job")
    } else if format!("miniogen-{name}") == crate::plan::buckets::POLICY {
        Some("bucket settings job")
    } else {
        None
    }
}

fn pools(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    if super::kept(spec, false).is_empty() {
        let first = &spec.site.tenant.pool_name;
        out.push(
            at.error(
                "/sizing/decommissioned",
                format!(
                    "pool `{first}` cannot leave the Tenant: no other pool would hold its data, \
                     and a Tenant needs one"
                ),
            )
            .help(
                "add a pool first (`miniogen grow --ccu N`), let MinIO move the data into it \
                 (`miniogen check --out DIR` prints the `mc admin decommission` commands), then \
                 set `decommissioned = true`",
            ),
        );
    }
    let parity = spec.sizing.parity;
    let mut seen = BTreeSet::new();
    for pool in pool_refs(spec) {
        if !seen.insert(pool.name) {
            out.push(
                at.error(
                    &pool.name_pointer,
                    format!("pool name `{}` is used twice", pool.name),
                )
                .help("give every pool its own name, such as `pool-1`, `pool-2`"),
            );
        }
        let servers_pointer = format!("{}/servers", pool.pointer);
        match Layout::new(pool.servers, pool.volumes, parity) {
            Ok(_) => {}
            Err(e @ LayoutError::ParityTooLarge { max, .. }) => out.push(
                at.error("/sizing/parity", format!("pool `{}`: {e}", pool.name))
                    .help(format!(
                        "lower `sizing.parity` to {max} or less, or give pool `{}` more drives",
                        pool.name
                    )),
            ),
            Err(e) => out.push(
                at.error(&servers_pointer, format!("pool `{}`: {e}", pool.name))
                    .help(
                        "choose servers and volumes per server whose product a set size from 2 to \
                         16 divides evenly; the runbook's 4 servers x 2 volumes gives one set of 8",
                    ),
            ),
        }
        if spec.site.warnings.servers_multiple_of_4 && pool.servers % 4 != 0 {
            out.push(
                at.warning(
                    &servers_pointer,
                    format!(
                        "pool `{}` has {} servers; the runbook asks for multiples of 4",
                        pool.name, pool.servers
                    ),
                )
                .help(
                    "MinIO only needs a valid erasure layout; silence this with \
                     `warnings.servers_multiple_of_4 = false`",
                ),
            );
        }
    }
}

fn resources(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let r = &spec.sizing.resources;
    // The schema's formats have already refused values that do not parse.
    let cpu = |q: &str| quantity::millicores(q).ok();
    let memory = |q: &str| quantity::bytes(q).ok();
    if cpu(&r.requests.cpu) > cpu(&r.limits.cpu) {
        out.push(at.error(
            "/sizing/resources/requests/cpu",
            format!(
                "CPU request {} is above the limit {}",
                r.requests.cpu, r.limits.cpu
            ),
        ));
    }
    if memory(&r.requests.memory) > memory(&r.limits.memory) {
        out.push(at.error(
            "/sizing/resources/requests/memory",
            format!(
                "memory request {} is above the limit {}",
                r.requests.memory, r.limits.memory
            ),
        ));
    }
}

fn buckets(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for (i, bucket) in spec.site.buckets.iter().enumerate() {
        if !seen.insert(bucket.name.as_str()) {
            out.push(
                at.error(
                    &format!("/buckets/{i}/name"),
                    format!("bucket `{}` is listed twice", bucket.name),
                )
                .help("remove the second entry"),
            );
        }
    }
    bucket_settings(spec, at, out);
}

/// What MinIO allows of each bucket's settings, and what would quietly protect less than it
/// seems to.
#[allow(clippy::too_many_lines)]
fn bucket_settings(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    use crate::model::spec::RetentionMode;
    use crate::plan::buckets::{self, Role};
    let effective = buckets::buckets(&spec.site);
    for (i, (written, b)) in spec.site.buckets.iter().zip(&effective).enumerate() {
        let name = &b.name;
        let key = |k: &str| format!("/buckets/{i}/{k}");
        if written.retention.is_some() && !b.object_lock {
            out.push(
                at.error(
                    &key("retention"),
                    format!("bucket `{name}` has a retention but no object lock"),
                )
                .help(
                    "MinIO refuses a default retention on a bucket created without lock \
                     (`PutBucketObjectLockConfigHandler`, `ErrObjectLockConfigurationNotAllowed`): \
                     set `object_lock = true` on a bucket that does not exist yet, or remove \
                     `retention`",
                ),
            );
        }
        if written.versioning == Some(false) && b.object_lock {
            out.push(
                at.error(
                    &key("versioning"),
                    format!("bucket `{name}` is locked, and a locked bucket is always versioned"),
                )
                .help(
                    "MinIO refuses to suspend versioning while an object lock configuration is \
                     present (`PutBucketVersioningHandler`: \"versioning cannot be suspended\"), \
                     and a lock cannot be removed: remove `versioning = false`",
                ),
            );
        }
        if written.noncurrent_days.is_some_and(|d| d > 0) && !b.versioning {
            out.push(
                at.error(
                    &key("noncurrent_days"),
                    format!(
                        "bucket `{name}` is not versioned, so it has no noncurrent versions to \
                         expire"
                    ),
                )
                .help("set `versioning = true`, or remove `noncurrent_days`"),
            );
        }
        if let (Some(days), Some(r)) = (written.noncurrent_days, b.retention)
            && days > 0
            && days < r.days
        {
            out.push(
                at.warning(
                    &key("noncurrent_days"),
                    format!(
                        "bucket `{name}`: noncurrent versions expire after {days} days, but each \
                         stays locked {} days after it was written, and the lifecycle cannot \
                         remove a locked version",
                        r.days
                    ),
                )
                .help(format!(
                    "set `noncurrent_days` to at least {} so that `plan` says what really happens",
                    r.days
                )),
            );
        }
        if let Some(r) = &written.retention
            && let Some(from) = r.lowered_from
            && (r.mode != RetentionMode::Compliance || from <= r.days)
        {
            out.push(
                at.error(
                    &key("retention/lowered_from"),
                    format!(
                        "bucket `{name}`: `lowered_from = {from}` acknowledges a compliance \
                         retention made shorter, but this one is {} for {} days",
                        r.mode.name(),
                        r.days
                    ),
                )
                .help("remove `lowered_from`: only a shorter compliance retention needs it"),
            );
        }
        if b.role == Role::LawfulIntercept && !b.versioning {
            out.push(
                at.warning(
                    &key("versioning"),
                    format!(
                        "the lawful-intercept copy `{name}` is not versioned: media deleted from \
                         Synapse disappears from it at the next sync, and the rclone identity can \
                         overwrite what was copied"
                    ),
                )
                .help(
                    "remove `versioning = false` (and `object_lock = false`) to keep what is \
                     deleted or replaced",
                ),
            );
        } else if b.role == Role::LawfulIntercept && !b.object_lock {
            out.push(
                at.warning(
                    &key("object_lock"),
                    format!(
                        "the lawful-intercept copy `{name}` is versioned but not locked: no \
                         consumer can remove a version, but an administrator can, at any time"
                    ),
                )
                .help(
                    "a lock can only be set when a bucket is created: without this line, \
                     `miniogen check --out` over the folder that holds the bucket gives the \
                     migration to a new, locked bucket",
                ),
            );
        }
    }
    if let Some(job) = buckets::job(&spec.site, &effective, Vec::new()) {
        sts_policy(
            at,
            out,
            "bucket settings job",
            job.policy.name,
            job.policy.compact_len,
            "give fewer buckets settings of their own, or give buckets the same settings \
             (they then share one statement)",
        );
    }
    if spec.site.verify.enabled {
        sts_policy(
            at,
            out,
            "verification Job",
            crate::plan::verify::POLICY,
            crate::plan::verify::policy_document(&effective).1,
            "list fewer buckets or shorter names, or leave the verification out with \
             `verify.enabled = false`",
        );
    }
}

/// A job's policy that the operator's STS would refuse to hand out: `AssumeRoleWithWebIdentity`
/// merges a PolicyBinding's policies and refuses more than `MAX_STS_POLICY` characters of
/// compact JSON, and the job then fails on every run.
fn sts_policy(
    at: &Locator<'_>,
    out: &mut Vec<Diagnostic>,
    job: &str,
    policy: &str,
    compact_len: usize,
    help: &str,
) {
    use crate::plan::buckets::MAX_STS_POLICY;
    if compact_len > MAX_STS_POLICY {
        out.push(
            at.error(
                "/buckets",
                format!(
                    "the {job}'s policy `{policy}` is {compact_len} characters, more than the \
                     {MAX_STS_POLICY} the operator's STS hands out (`pkg/controller/sts_handlers.go`)"
                ),
            )
            .help(help),
        );
    }
}

/// One identity of the site file: where it is written, its access key and its Secret.
struct SiteIdentity<'a> {
    pointer: String,
    /// The consumer's name; `None` for the administrator.
    consumer: Option<&'a str>,
    what: String,
    access_key: String,
    secret: String,
}

fn identities(spec: &Spec) -> Vec<SiteIdentity<'_>> {
    spec.site
        .identities()
        .into_iter()
        .map(|id| {
            let (pointer, what) = match id.holder {
                Holder::BuiltIn(b) => {
                    let name = b.name();
                    (
                        format!("/users/{name}"),
                        format!("consumer `{name}` (`[users.{name}]`)"),
                    )
                }
                Holder::Added(name, _) => (
                    format!("/consumers/{}", escape_pointer(name)),
                    format!("consumer `{name}` (`[consumers.{name}]`)"),
                ),
                Holder::Admin => ("/admin".into(), "the administrator (`[admin]`)".into()),
            };
            SiteIdentity {
                pointer,
                consumer: id.holder.consumer(),
                what,
                access_key: id.identity.access_key,
                secret: id.identity.secret,
            }
        })
        .collect()
}

/// No two identities share an access key or a Secret: each consumer is scoped and rotated
/// alone, and the administrator is nobody's consumer.
fn users(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let site = &spec.site;
    let mut keys = BTreeMap::from([(
        site.tenant.root_user.clone(),
        "the root user (`tenant.root_user`)".to_string(),
    )]);
    for id in identities(spec) {
        if let Some(owner) = keys.get(&id.access_key) {
            out.push(
                at.error(
                    &format!("{}/access_key", id.pointer),
                    format!(
                        "access key `{}` of {} is already the identity of {owner}",
                        id.access_key, id.what
                    ),
                )
                .help("give every consumer its own MinIO user so that each can be scoped and rotated alone"),
            );
        } else {
            keys.insert(id.access_key.clone(), id.what.clone());
        }
    }
}

/// What a Secret the manifests name holds, for telling which may share a name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// Credentials miniogen's Secrets or ExternalSecrets write (`creationPolicy: Owner`).
    Credentials,
    /// The tenant's certificate and its private key, which the user provides.
    Certificate,
    /// A CA certificate that clients read.
    Ca,
}

/// One use of a Secret name: what it holds, whose it is, and where it is set.
struct SecretUse {
    name: String,
    holds: Holds,
    what: String,
    pointer: String,
}

impl SecretUse {
    /// What it holds, said after "already holds".
    fn contents(&self) -> String {
        match self.holds {
            Holds::Credentials => format!("the keys of {}", self.what),
            Holds::Certificate | Holds::Ca => self.what.clone(),
        }
    }
}

/// Every Secret name has one owner: credentials share their Secret with nothing (an
/// ExternalSecret with `creationPolicy: Owner` would overwrite the certificate or CA under the
/// same name, and a CA mounted from a credentials Secret hands its keys to every client); a CA
/// may be read from the certificate's Secret (cert-manager writes `ca.crt` beside the
/// certificate), never its private key.
fn secrets(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let site = &spec.site;
    let secret = |name: &str, holds, what: &str, pointer: &str| SecretUse {
        name: name.to_string(),
        holds,
        what: what.to_string(),
        pointer: pointer.to_string(),
    };
    let mut uses = Vec::new();
    if let Some(trust) = crate::plan::outputs::trust(site) {
        if let Some(certificate) = &trust.certificate_secret {
            uses.push(secret(
                certificate,
                Holds::Certificate,
                "the tenant's certificate and its private key (`tenant.certificate_secret`)",
                "/tenant/certificate_secret",
            ));
        }
        if trust.kind == "Secret" {
            let pointer = if site.tenant.ca.is_some() {
                "/tenant/ca/name"
            } else {
                "/tenant/certificate_secret"
            };
            if trust.key == "tls.key" {
                out.push(
                    at.error(
                        "/tenant/ca",
                        "`tenant.ca` names the key `tls.key`, a private key, as the CA every \
                         client trusts",
                    )
                    .help("name the key holding the CA certificate, such as `ca.crt`"),
                );
            }
            uses.push(secret(
                &trust.name,
                Holds::Ca,
                "the CA clients trust (`tenant.ca`)",
                pointer,
            ));
        } else {
            uses.push(secret(
                &site.cnpg.ca_secret,
                Holds::Ca,
                "CloudNativePG's copy of the CA (`cnpg.ca_secret`)",
                "/cnpg/ca_secret",
            ));
        }
    }
    uses.push(secret(
        &site.tenant.config_secret,
        Holds::Credentials,
        "the configuration (`tenant.config_secret`)",
        "/tenant/config_secret",
    ));
    for id in identities(spec) {
        uses.push(secret(
            &id.secret,
            Holds::Credentials,
            &id.what,
            &format!("{}/secret", id.pointer),
        ));
    }
    let p = &site.prometheus;
    if let (true, MetricsAuth::Bearer, Some(name)) = (p.enabled, p.auth, &p.bearer_token_secret) {
        uses.push(secret(
            name,
            Holds::Credentials,
            "the metrics token (`prometheus.bearer_token_secret`)",
            "/prometheus/bearer_token_secret",
        ));
    }
    let mut owners: BTreeMap<&str, &SecretUse> = BTreeMap::new();
    for here in &uses {
        let Some(first) = owners.get(here.name.as_str()).copied() else {
            owners.insert(&here.name, here);
            continue;
        };
        let shared = here.holds != Holds::Credentials && first.holds != Holds::Credentials;
        if shared {
            continue;
        }
        // Point at the one the user wrote: a default collides with nothing on its own.
        let (this, other) = if at.find(&here.pointer).is_some() || at.find(&first.pointer).is_none()
        {
            (here, first)
        } else {
            (first, here)
        };
        out.push(
            at.error(
                &this.pointer,
                format!(
                    "Secret `{}` of {} already holds {}",
                    this.name,
                    this.what,
                    other.contents()
                ),
            )
            .help("give each its own Secret: every Secret has one owner"),
        );
    }
}

/// Every bucket a consumer is granted exists, and every consumer added by the site is granted
/// one and named so that policies and Jobs can carry its name.
fn consumers(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let site = &spec.site;
    let names: Vec<&str> = site.buckets.iter().map(|b| b.name.as_str()).collect();
    let unknown = |pointer: &str, bucket: &str, whose: &str| {
        let d = at.error(
            pointer,
            format!("{whose} bucket `{bucket}` is not one of the tenant's buckets"),
        );
        match did_you_mean(bucket, names.iter().copied()) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help(format!(
                "add it to `buckets`, which has: {}",
                names.join(", ")
            )),
        }
    };
    for (name, id) in [
        ("synapse", site.users.synapse()),
        ("cnpg", site.users.cnpg()),
    ] {
        let bucket = id.bucket.unwrap_or_default();
        let pointer = format!("/users/{name}/bucket");
        if names.contains(&bucket.as_str()) {
            continue;
        }
        if at.find(&pointer).is_some() {
            out.push(unknown(&pointer, &bucket, &format!("consumer `{name}`")));
        } else {
            out.push(
                at.error(
                    "/buckets",
                    format!(
                        "consumer `{name}` uses bucket `{bucket}` (the default of \
                         `users.{name}.bucket`), which is not one of the tenant's buckets"
                    ),
                )
                .help(format!(
                    "add `{bucket}` to `buckets`, or set `users.{name}.bucket` to one of: {}",
                    names.join(", ")
                )),
            );
        }
    }
    for (name, c) in &site.consumers {
        let pointer = format!("/consumers/{}", escape_pointer(name));
        if BuiltIn::ALL.iter().any(|b| b.name() == name) {
            out.push(
                at.error(&pointer, format!("`{name}` is a built-in consumer"))
                    .help(format!("set its identity under `[users.{name}]`, or give this consumer another name")),
            );
        } else if let Some(job) = reserved_consumer(name) {
            out.push(
                at.error(
                    &pointer,
                    format!("`{name}` names the {job}'s policy `miniogen-{name}`"),
                )
                .help("give this consumer another name"),
            );
        } else if let Err(why) = names::dns_label(name) {
            out.push(at.error(&pointer, format!("consumer name `{name}` {why}")).help(
                "name consumers like Kubernetes objects, such as `loki`: the name is part of \
                 its policy and Job names",
            ));
        }
        if c.buckets.is_empty() {
            out.push(
                at.error(
                    &format!("{pointer}/buckets"),
                    format!("consumer `{name}` is granted no bucket"),
                )
                .help("grant it what it needs, such as `buckets = { loki-chunks = \"read-write-delete\" }`"),
            );
        }
        for bucket in c.buckets.keys() {
            if !names.contains(&bucket.as_str()) {
                out.push(unknown(
                    &format!("{pointer}/buckets/{}", escape_pointer(bucket)),
                    bucket,
                    &format!("consumer `{name}`"),
                ));
            }
        }
    }
}

/// The Job names of the IAM and bucket jobs fit Kubernetes' limit.
fn job_names(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let site = &spec.site;
    let buckets_job = crate::plan::buckets::job_name(&site.tenant.name, "00000000");
    let longest = format!(
        "{buckets_job}-{}",
        crate::plan::buckets::longest_command(site.buckets.len().saturating_sub(1))
    );
    if longest.len() > access::MAX_JOB_NAME {
        out.push(
            at.error(
                "/tenant/name",
                format!(
                    "the bucket settings MinIOJob's Jobs would be named up to `{longest}`, longer \
                     than the {} characters Kubernetes allows",
                    access::MAX_JOB_NAME
                ),
            )
            .help("shorten the tenant's name"),
        );
    }
    let job = access::job_name(&site.tenant.name, "00000000");
    let mut tenant_reported = false;
    for id in identities(spec) {
        let Some(name) = id.consumer else {
            continue;
        };
        let longest = format!("{job}-{}", access::command_names(name)[2]);
        if longest.len() > access::MAX_JOB_NAME {
            let pointer = if id.pointer.starts_with("/users/") {
                if tenant_reported {
                    continue;
                }
                tenant_reported = true;
                "/tenant/name".to_string()
            } else {
                id.pointer.clone()
            };
            out.push(
                at.error(
                    &pointer,
                    format!(
                        "the MinIOJob's Job for consumer `{name}` would be named `{longest}`, longer \
                         than the {} characters Kubernetes allows",
                        access::MAX_JOB_NAME
                    ),
                )
                .help("shorten the tenant's or the consumer's name"),
            );
        }
    }
}

fn prometheus(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let p = &spec.site.prometheus;
    if !p.enabled {
        return;
    }
    let own = crate::plan::common_labels(&spec.site.tenant.name);
    for key in p.labels.keys() {
        let pointer = format!("/prometheus/labels/{}", escape_pointer(key));
        if let Err(why) = names::label_key(key) {
            out.push(at.error(&pointer, format!("label key `{key}` {why}")));
        } else if own.contains_key(key) || key == crate::plan::COMPONENT_LABEL {
            // The ScrapeConfig and ServiceMonitor carry miniogen's labels like every object;
            // replacing one would hide them from `kubectl get -l` and from Argo CD's view.
            out.push(
                at.error(
                    &pointer,
                    format!("label `{key}` is one miniogen sets on every object it writes"),
                )
                .help(
                    "`prometheus.labels` adds the labels your Prometheus selects on; choose \
                     another key, such as `release`",
                ),
            );
        }
    }
    let interval = names::duration_ms(&p.interval).ok();
    let timeout = names::duration_ms(&p.scrape_timeout).ok();
    // Prometheus reads a zero duration as unset (`model.Duration`'s zero value), so `0s` would
    // silently become its global default rather than what the user asked for.
    let mut zero = false;
    for (pointer, value, ms) in [
        ("/prometheus/interval", &p.interval, interval),
        ("/prometheus/scrape_timeout", &p.scrape_timeout, timeout),
    ] {
        if ms == Some(0) {
            zero = true;
            out.push(
                at.error(pointer, format!("`{}` is zero", key_path(pointer)))
                    .label(format!("`{value}` is no duration for Prometheus"))
                    .help("Prometheus reads zero as unset; give a duration such as `30s`"),
            );
        }
    }
    if timeout > interval && !zero {
        // Point at what the user wrote: the timeout, or else the interval it no longer fits.
        let pointer = if at.find("/prometheus/scrape_timeout").is_some() {
            "/prometheus/scrape_timeout"
        } else {
            "/prometheus/interval"
        };
        out.push(at.error(
            pointer,
            format!(
                "scrape timeout {} is longer than the interval {}",
                p.scrape_timeout, p.interval
            ),
        ));
    }
    if p.auth == MetricsAuth::Bearer && p.bearer_token_secret.is_none() {
        out.push(
            at.error("/prometheus/auth", "`auth = \"bearer\"` needs `prometheus.bearer_token_secret`")
                .help("store the token from `mc admin prometheus generate` in a Secret and name it here, or use `auth = \"public\"`"),
        );
    }
}

fn rclone(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let r = &spec.site.rclone;
    if !r.enabled {
        return;
    }
    let names: Vec<&str> = spec.site.buckets.iter().map(|b| b.name.as_str()).collect();
    for (side, end) in [("source", &r.source), ("destination", &r.destination)] {
        if names.contains(&end.bucket.as_str()) {
            continue;
        }
        let pointer = format!("/rclone/{side}/bucket");
        if at.find(&pointer).is_some() {
            let d = at.error(
                &pointer,
                format!(
                    "rclone {side} bucket `{}` is not one of the tenant's buckets",
                    end.bucket
                ),
            );
            out.push(match did_you_mean(&end.bucket, names.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "add it to `buckets`, which has: {}",
                    names.join(", ")
                )),
            });
        } else {
            // A default the site file never wrote: point at the bucket list that left it out.
            out.push(
                at.error(
                    "/buckets",
                    format!(
                        "rclone {side} bucket `{}` (the default of `rclone.{side}.bucket`) is not \
                         one of the tenant's buckets",
                        end.bucket
                    ),
                )
                .help(format!(
                    "add `{}` to `buckets`, set `rclone.{side}.bucket` to one of: {}, or turn \
                     the sync off with `rclone.enabled = false`",
                    end.bucket,
                    names.join(", ")
                )),
            );
        }
    }
    if r.source.bucket == r.destination.bucket {
        out.push(at.error(
            "/rclone/destination/bucket",
            "the sync would copy a bucket onto itself",
        ));
    }
    if r.source.remote == r.destination.remote {
        out.push(
            at.error(
                "/rclone/destination/remote",
                "source and destination use the same rclone remote name",
            )
            .help("name them apart, such as `minio-main` and `minio-li`"),
        );
    }
}

/// What starts an argocd-vault-plugin placeholder without the `avp.kubernetes.io/path`
/// annotation, which miniogen never writes: `specificPathPlaceholder`,
/// `<path:([^#]+)#([^#]+)(?:#([^#]+))?>`, in `pkg/kube/util.go` (v1.18.1).
const VAULT_PLACEHOLDER: &str = "<path:";

/// In `vault-placeholders` mode the plugin runs over every string of every manifest
/// (`replaceInner`), inside longer strings and across lines, and over the base64-decoded values
/// of Secrets (`secretReplacement`): a user value holding `<path:...#...>` would be replaced with
/// whatever Vault holds there, such as the root password, in a ConfigMap anyone may read. There is
/// no escape the plugin understands, so such a value is refused. Every string of the site, keys
/// included, is checked: keys become names and labels.
fn vault_placeholders(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    if spec.site.secrets.mode != SecretsMode::VaultPlaceholders {
        return;
    }
    let Ok(site) = serde_json::to_value(&spec.site) else {
        return;
    };
    let mut found = Vec::new();
    placeholder_strings(&site, &mut String::new(), &mut found);
    for pointer in found {
        out.push(
            at.error(
                &pointer,
                format!(
                    "`{}` holds `{VAULT_PLACEHOLDER}`, which argocd-vault-plugin would replace \
                     with a secret from Vault",
                    key_path(&pointer)
                ),
            )
            .help(
                "in secrets mode `vault-placeholders` the plugin replaces `<path:...#...>` in \
                 every string it renders; write the value without `<path:`",
            ),
        );
    }
}

/// The pointers of strings (values or keys) that hold `VAULT_PLACEHOLDER`.
fn placeholder_strings(value: &serde_json::Value, pointer: &mut String, out: &mut Vec<String>) {
    let len = pointer.len();
    match value {
        serde_json::Value::String(s) if s.contains(VAULT_PLACEHOLDER) => out.push(pointer.clone()),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointer.push('/');
                pointer.push_str(&i.to_string());
                placeholder_strings(item, pointer, out);
                pointer.truncate(len);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
                if key.contains(VAULT_PLACEHOLDER) {
                    out.push(pointer.clone());
                } else {
                    placeholder_strings(item, pointer, out);
                }
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::decode::{Inputs, decode};
    use crate::input::load::BUILTINS;

    fn run(tier: usize, sets: &[&str]) -> Vec<Diagnostic> {
        let inputs = Inputs::for_test(tier, None, sets);
        let spec = decode(&inputs).unwrap_or_else(|e| panic!("{e:?}"));
        check(&spec, &Locator::new(&inputs))
    }

    #[test]
    fn builtin_tiers_pass_clean() {
        for tier in 0..BUILTINS.len() {
            assert_eq!(run(tier, &[]), vec![], "tier {tier}");
        }
    }

    #[test]
    fn parity_must_fit_every_pool() {
        let d = run(0, &["sizing.parity=6"]);
        assert!(
            d.iter()
                .any(|d| d.message.contains("parity 6 is more than half")),
            "{d:#?}"
        );
        // 8x4 has sets of 16, so EC:8 fits the first pool, but not a 4x2 pool beside it.
        let d = run(
            4,
            &[
                "sizing.parity=8",
                "pools=[{name = \"pool-1\", servers = 4, volumes_per_server = 2, volume_size = \"500Gi\"}]",
            ],
        );
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(d[0].message.starts_with("pool `pool-1`"));
    }

    #[test]
    fn multiple_of_four_is_a_silenceable_warning() {
        let d = run(2, &["sizing.servers=6"]);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(!d[0].is_error());
        assert!(
            run(
                2,
                &["sizing.servers=6", "warnings.servers_multiple_of_4=false"]
            )
            .is_empty()
        );
    }

    /// The old 5000 profile's 6400 meant 1600 per server (`cmd/handler-api.go` divides it by
    /// the 4 servers), over the 719 MinIO derives for an 8Gi pod with sets of 8.
    #[test]
    fn a_cluster_wide_request_limit_above_the_memory_safe_share_warns() {
        let d = run(2, &["sizing.api_requests_max=6400"]);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(!d[0].is_error());
        assert!(d[0].message.contains("each of 4 servers 1600"), "{d:#?}");
        assert!(d[0].message.contains("the 719 MinIO derives"), "{d:#?}");
        assert!(run(2, &["sizing.api_requests_max=2876"]).is_empty());
        assert_eq!(run(2, &["sizing.api_requests_max=2880"]).len(), 1);
    }

    #[test]
    fn broken_values_are_all_reported_by_the_schema_stage() {
        let inputs = Inputs::for_test(
            2,
            None,
            &[
                "namespace=Matrix",
                "tenant.name=matrix_minio",
                "buckets=[{name = \"Synapse\"}, {name = \"ok-bucket\"}, {name = \"ok-bucket\"}]",
                "sizing.volume_size=500GB",
                "tenant.image=quay.io/minio/minio:latest",
            ],
        );
        let errors = decode(&inputs).err().unwrap_or_default();
        let mut keys: Vec<&str> = errors.iter().filter_map(|d| d.key.as_deref()).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "buckets[0].name",
                "namespace",
                "sizing.volume_size",
                "tenant.image",
                "tenant.name"
            ],
            "{errors:#?}"
        );
    }

    #[test]
    fn the_metrics_token_gets_a_secret_of_its_own() {
        let d = run(
            2,
            &[
                "prometheus.auth=\"bearer\"",
                "prometheus.bearer_token_secret=minio-user",
            ],
        );
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0].message
                .contains("already holds the keys of consumer `synapse`"),
            "{d:#?}"
        );
        assert!(
            run(
                2,
                &[
                    "prometheus.auth=\"bearer\"",
                    "prometheus.bearer_token_secret=token"
                ]
            )
            .is_empty()
        );
    }
}
