//! The rules a JSON Schema cannot express: erasure layouts and parity, names, quantities,
//! cross-references between keys.
//!
//! Every rule runs, so the user sees all problems at once. Rules only judge; the arithmetic they
//! rely on lives in `erasure` and `quantity`.

use std::collections::BTreeSet;

use crate::decode::{Locator, Spec};
use crate::diag::Diagnostic;
use crate::erasure::{Layout, LayoutError};
use crate::names;
use crate::quantity;
use crate::spec::MetricsAuth;

/// Checks `spec`; errors and warnings come back together.
#[must_use]
pub fn check(spec: &Spec, at: &Locator<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    pools(spec, at, &mut out);
    resources(spec, at, &mut out);
    kubernetes_names(spec, at, &mut out);
    buckets(spec, at, &mut out);
    users(spec, at, &mut out);
    prometheus(spec, at, &mut out);
    rclone(spec, at, &mut out);
    if let Some(url) = &spec.site.audit.webhook_endpoint {
        if let Err(why) = names::http_url(url) {
            out.push(at.error(
                "/audit/webhook_endpoint",
                format!("audit webhook endpoint {why}"),
            ));
        }
    }
    if let Err(why) = names::pinned_image(&spec.site.tenant.image, true) {
        out.push(
            at.error("/tenant/image", format!("MinIO image {why}"))
                .help("pin a release, such as `quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z`"),
        );
    }
    out
}

struct PoolRef<'a> {
    pointer: String,
    name: &'a str,
    servers: u32,
    volumes: u32,
    size: &'a str,
    size_pointer: String,
}

fn pool_refs(spec: &Spec) -> Vec<PoolRef<'_>> {
    let mut pools = vec![PoolRef {
        pointer: "/sizing".into(),
        name: &spec.site.tenant.pool_name,
        servers: spec.sizing.servers,
        volumes: spec.sizing.volumes_per_server,
        size: &spec.sizing.volume_size,
        size_pointer: "/sizing/volume_size".into(),
    }];
    for (i, p) in spec.site.pools.iter().enumerate() {
        pools.push(PoolRef {
            pointer: format!("/pools/{i}"),
            name: &p.name,
            servers: p.servers,
            volumes: p.volumes_per_server,
            size: &p.volume_size,
            size_pointer: format!("/pools/{i}/volume_size"),
        });
    }
    pools
}

fn pools(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let parity = spec.sizing.parity;
    let mut seen = BTreeSet::new();
    for pool in pool_refs(spec) {
        let name_pointer = if pool.pointer == "/sizing" {
            "/tenant/pool_name".to_string()
        } else {
            format!("{}/name", pool.pointer)
        };
        if let Err(why) = names::dns_label(pool.name) {
            out.push(at.error(&name_pointer, format!("pool name `{}` {why}", pool.name)));
        } else if !seen.insert(pool.name) {
            out.push(
                at.error(
                    &name_pointer,
                    format!("pool name `{}` is used twice", pool.name),
                )
                .help("give every pool its own name, such as `pool-1`, `pool-2`"),
            );
        }
        if let Err(e) = quantity::bytes(pool.size) {
            out.push(
                at.error(&pool.size_pointer, format!("volume size {e}"))
                    .label("expected a size such as `500Gi` or `1Ti`"),
            );
        }
        let servers_pointer = format!("{}/servers", pool.pointer);
        match Layout::new(pool.servers, pool.volumes, parity) {
            Ok(_) => {}
            Err(e @ LayoutError::ParityTooLarge { max, .. }) => {
                out.push(
                    at.error("/sizing/parity", format!("pool `{}`: {e}", pool.name))
                        .help(format!(
                            "lower `sizing.parity` to {max} or less, or give pool `{}` more drives",
                            pool.name
                        )),
                );
            }
            Err(e) => {
                out.push(
                    at.error(&servers_pointer, format!("pool `{}`: {e}", pool.name))
                        .help(format!(
                            "{} servers x {} volumes has no valid MinIO layout; the runbook's \
                             4 servers x 2 volumes gives one erasure set of 8",
                            pool.servers, pool.volumes
                        )),
                );
            }
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
    let mut parsed = Vec::new();
    for (kind, list) in [("requests", &r.requests), ("limits", &r.limits)] {
        let cpu_pointer = format!("/sizing/resources/{kind}/cpu");
        let mem_pointer = format!("/sizing/resources/{kind}/memory");
        let cpu = quantity::millicores(&list.cpu)
            .map_err(|e| {
                out.push(
                    at.error(&cpu_pointer, format!("CPU {kind}: {e}"))
                        .label("expected CPU such as `2` or `500m`"),
                );
            })
            .ok();
        let memory = quantity::bytes(&list.memory)
            .map_err(|e| {
                out.push(
                    at.error(&mem_pointer, format!("memory {kind}: {e}"))
                        .label("expected memory such as `8Gi`"),
                );
            })
            .ok();
        parsed.push((cpu, memory));
    }
    if let [
        (Some(req_cpu), Some(req_mem)),
        (Some(lim_cpu), Some(lim_mem)),
    ] = parsed[..]
    {
        if req_cpu > lim_cpu {
            out.push(at.error(
                "/sizing/resources/requests/cpu",
                format!(
                    "CPU request {} is above the limit {}",
                    r.requests.cpu, r.limits.cpu
                ),
            ));
        }
        if req_mem > lim_mem {
            out.push(at.error(
                "/sizing/resources/requests/memory",
                format!(
                    "memory request {} is above the limit {}",
                    r.requests.memory, r.limits.memory
                ),
            ));
        }
    }
}

fn kubernetes_names(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let site = &spec.site;
    let labels: [(&str, &str, &str); 2] = [
        ("/namespace", &site.namespace, "namespace"),
        ("/tenant/name", &site.tenant.name, "tenant name"),
    ];
    for (pointer, value, what) in labels {
        if let Err(why) = names::dns_label(value) {
            out.push(
                at.error(pointer, format!("{what} `{value}` {why}"))
                    .label("expected a DNS-1123 label such as `matrix-minio`"),
            );
        }
    }
    let subdomains: [(&str, &str, &str); 4] = [
        (
            "/tenant/storage_class",
            &site.tenant.storage_class,
            "storage class",
        ),
        (
            "/tenant/config_secret",
            &site.tenant.config_secret,
            "configuration Secret name",
        ),
        (
            "/tenant/ca_config_map",
            &site.tenant.ca_config_map,
            "CA ConfigMap name",
        ),
        ("/rclone/name", &site.rclone.name, "CronJob name"),
    ];
    for (pointer, value, what) in subdomains {
        if let Err(why) = names::dns_subdomain(value) {
            out.push(at.error(pointer, format!("{what} `{value}` {why}")));
        }
    }
    for (i, pool) in site.pools.iter().enumerate() {
        if let Some(class) = &pool.storage_class {
            if let Err(why) = names::dns_subdomain(class) {
                out.push(at.error(
                    &format!("/pools/{i}/storage_class"),
                    format!("storage class `{class}` {why}"),
                ));
            }
        }
    }
}

fn buckets(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for (i, bucket) in spec.site.buckets.iter().enumerate() {
        let pointer = format!("/buckets/{i}/name");
        if let Err(why) = names::bucket(&bucket.name) {
            out.push(at.error(&pointer, format!("bucket name `{}` {why}", bucket.name)));
        } else if !seen.insert(bucket.name.as_str()) {
            out.push(
                at.error(
                    &pointer,
                    format!("bucket `{}` is listed twice", bucket.name),
                )
                .help("remove the second entry"),
            );
        }
    }
}

fn users(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let site = &spec.site;
    let users = [
        ("synapse", &site.users.synapse),
        ("cnpg", &site.users.cnpg),
        ("rclone", &site.users.rclone),
    ];
    let mut keys = BTreeSet::from([site.tenant.root_user.as_str()]);
    let mut secrets = BTreeSet::from([site.tenant.config_secret.as_str()]);
    for (role, user) in users {
        let key_pointer = format!("/users/{role}/access_key");
        if let Some(c) = user
            .access_key
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@')))
        {
            out.push(
                at.error(
                    &key_pointer,
                    format!("access key `{}` contains {c:?}", user.access_key),
                )
                .label("expected letters, digits, `-`, `_`, `.` or `@`"),
            );
        } else if !keys.insert(&user.access_key) {
            out.push(
                at.error(&key_pointer, format!("access key `{}` is already used by another identity", user.access_key))
                    .help("give every consumer its own MinIO user so that each can be scoped and rotated alone"),
            );
        }
        let secret_pointer = format!("/users/{role}/secret");
        if let Err(why) = names::dns_subdomain(&user.secret) {
            out.push(at.error(
                &secret_pointer,
                format!("Secret name `{}` {why}", user.secret),
            ));
        } else if !secrets.insert(&user.secret) {
            out.push(at.error(
                &secret_pointer,
                format!(
                    "Secret `{}` is already used by another identity",
                    user.secret
                ),
            ));
        }
    }
    if let Some(c) = site
        .tenant
        .root_user
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        out.push(at.error("/tenant/root_user", format!("root user contains {c:?}")));
    }
}

fn prometheus(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let p = &spec.site.prometheus;
    if !p.enabled {
        return;
    }
    for (key, value) in &p.labels {
        let pointer = format!("/prometheus/labels/{}", crate::source::escape_pointer(key));
        if let Err(why) = names::label_key(key) {
            out.push(at.error(&pointer, format!("label key `{key}` {why}")));
        }
        if let Err(why) = names::label_value(value) {
            out.push(at.error(&pointer, format!("label value of `{key}` {why}")));
        }
    }
    let interval = names::duration_ms(&p.interval)
        .map_err(|why| out.push(at.error("/prometheus/interval", why)))
        .ok();
    let timeout = names::duration_ms(&p.scrape_timeout)
        .map_err(|why| out.push(at.error("/prometheus/scrape_timeout", why)))
        .ok();
    if let (Some(i), Some(t)) = (interval, timeout) {
        if t > i {
            out.push(at.error(
                "/prometheus/scrape_timeout",
                format!(
                    "scrape timeout {} is longer than the interval {}",
                    p.scrape_timeout, p.interval
                ),
            ));
        }
    }
    if p.auth == MetricsAuth::Bearer {
        if p.bearer_token_secret.is_empty() {
            out.push(
                at.error("/prometheus/auth", "`auth = \"bearer\"` needs `prometheus.bearer_token_secret`")
                    .help("store the token from `mc admin prometheus generate` in a Secret and name it here, or use `auth = \"public\"`"),
            );
        } else if let Err(why) = names::dns_subdomain(&p.bearer_token_secret) {
            out.push(at.error(
                "/prometheus/bearer_token_secret",
                format!("Secret name {why}"),
            ));
        }
    }
}

fn rclone(spec: &Spec, at: &Locator<'_>, out: &mut Vec<Diagnostic>) {
    let r = &spec.site.rclone;
    if !r.enabled {
        return;
    }
    if let Err(why) = names::cron(&r.schedule) {
        out.push(
            at.error("/rclone/schedule", format!("schedule {why}"))
                .label("expected a schedule such as `*/15 * * * *`"),
        );
    }
    if r.time_zone.is_empty()
        || r.time_zone
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
    {
        out.push(
            at.error(
                "/rclone/time_zone",
                format!("`{}` is not a time zone name", r.time_zone),
            )
            .label("expected an IANA name such as `Etc/UTC`"),
        );
    }
    if let Err(why) = names::pinned_image(&r.image, false) {
        out.push(
            at.error("/rclone/image", format!("rclone image {why}"))
                .help("pin a version, such as `docker.io/rclone/rclone:1.75.2`"),
        );
    }
    for (side, end) in [("source", &r.source), ("destination", &r.destination)] {
        if let Err(why) = names::dns_label(&end.remote) {
            out.push(at.error(
                &format!("/rclone/{side}/remote"),
                format!("rclone remote name `{}` {why}", end.remote),
            ));
        }
        if !spec.site.buckets.iter().any(|b| b.name == end.bucket) {
            let names: Vec<&str> = spec.site.buckets.iter().map(|b| b.name.as_str()).collect();
            let mut d = at.error(
                &format!("/rclone/{side}/bucket"),
                format!(
                    "rclone {side} bucket `{}` is not one of the tenant's buckets",
                    end.bucket
                ),
            );
            if let Some(s) = crate::diag::did_you_mean(&end.bucket, names.iter().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            } else {
                d = d.help(format!(
                    "add it to `buckets`, which has: {}",
                    names.join(", ")
                ));
            }
            out.push(d);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Inputs, decode};
    use crate::load::{BUILTINS, SetArg, builtin_document};

    fn run(tier: usize, sets: &[&str]) -> Vec<Diagnostic> {
        let inputs = Inputs {
            profile: builtin_document(BUILTINS[tier]).unwrap_or_else(|e| panic!("{e}")),
            site: None,
            sets: sets
                .iter()
                .map(|s| SetArg::parse(s).unwrap_or_else(|e| panic!("{e}")))
                .collect(),
            requested_ccu: None,
        };
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

    #[test]
    fn every_broken_name_is_reported() {
        let d = run(
            2,
            &[
                "namespace=Matrix",
                "tenant.name=matrix_minio",
                "buckets=[{name = \"Synapse\"}, {name = \"ok-bucket\"}, {name = \"ok-bucket\"}]",
                "sizing.volume_size=500GB",
                "tenant.image=quay.io/minio/minio:latest",
            ],
        );
        let errors = d.iter().filter(|d| d.is_error()).count();
        // three names, a duplicate bucket, a size, an image, and both rclone buckets now missing
        assert_eq!(errors, 8, "{d:#?}");
    }
}
