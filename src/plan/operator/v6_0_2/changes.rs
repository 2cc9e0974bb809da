//! What applying a change to a running tenant makes MinIO Operator v6.0.2 and MinIO
//! (`RELEASE.2025-09-07T16-13-09Z`) do, change by change: its `Disruption`, the cause with the
//! upstream function, and what to do; and the order to apply changes in when they must not go
//! together.
//!
//! The mechanisms, read at the tags:
//! - `syncHandler` (`pkg/controller/main-controller.go`) first creates a new pool's `StatefulSet`,
//!   then at once restarts every MinIO process of the initialized pools through the admin API
//!   (`restartInitializedPool`, `pkg/controller/pools.go`, `ServiceRestart`).
//! - It then compares the images of all pools and stops with `StatusInconsistentMinIOVersions`
//!   ("Different versions across MinIO Pools") on every pass while they differ.
//! - When the part of `spec.image` after its first `:` differs from the `StatefulSets`', it pulls
//!   the image itself (`fetchArtifacts`, `pkg/controller/artifacts.go`), hands the binary to
//!   MinIO (`updateServer`, `ServerUpdateV2`), which replaces it on every server and restarts
//!   every process at once (`ServerUpdateV2Handler`, `cmd/admin-handlers.go`), refusing a
//!   release not newer than its own; only then does it update the `StatefulSets`.
//! - Any other difference between a pool's `StatefulSet` and the one `NewPool` builds
//!   (`poolSSMatchesSpec`) replaces the pod template, and the `StatefulSet` restarts the pool's
//!   pods one at a time.
//! - `config.env` reaches MinIO only when it starts: the sidecar rewrites the file in each pod
//!   when the Secret or the Tenant changes (`regenCfgWithSecret`, `regenCfgWithTenant`,
//!   `sidecar/pkg/sidecar/sidecar_utils.go`) and restarts nothing. A starting server waits until
//!   half of its peers report the same `MINIO_*` values, binary and endpoints
//!   (`verifyServerSystemConfig`, `ServerSystemConfig.Diff`, `cmd/bootstrap-peer-server.go`).
//! - A pool left out of the Tenant (`checkForPoolDecommission`, `pkg/controller/decomission.go`)
//!   makes the operator delete the tenant's budgets, restart MinIO and delete the pool's
//!   `StatefulSet`; it moves no data.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use super::{REVISION_ANNOTATION, TEMPLATE_FIELDS, str_at};
use crate::plan::operator::{
    ConfigEnv, Disruption, Effect, GitopsKey, Kind, Scope, Side, Verdict, Version, changed_keys,
    dotted, pools, string_map,
};

const TEMPLATE: &str =
    "pkg/controller/pools.go poolSSMatchesSpec, pkg/controller/main-controller.go syncHandler";
const POD_METADATA: &str = "pkg/resources/statefulsets/minio-statefulset.go PodMetadata, \
                            pkg/controller/pools.go poolSSMatchesSpec";
const IMAGE_UPDATE: &str = "pkg/controller/artifacts.go fetchArtifacts, \
                            pkg/controller/main-controller.go updateServer, \
                            minio cmd/admin-handlers.go ServerUpdateV2Handler";
const IMAGE_ROLL: &str = "pkg/controller/main-controller.go syncHandler, \
                          minio cmd/bootstrap-peer-server.go ServerSystemConfig.Diff";
const CONFIGURATION: &str = "sidecar/pkg/sidecar/sidecar_utils.go regenCfgWithSecret, \
                             minio cmd/bootstrap-peer-server.go verifyServerSystemConfig";
const POOL_ADDED: &str = "pkg/controller/main-controller.go syncHandler, \
                          pkg/controller/pools.go restartInitializedPool, \
                          minio cmd/bootstrap-peer-server.go verifyServerSystemConfig";
const POOL_REMOVED: &str = "pkg/controller/decomission.go checkForPoolDecommission, \
                            pkg/controller/pools.go restartInitializedPool";
const IMMUTABLE: &str = "pkg/apis/minio.min.io/v2/types.go Pool (XValidation self == oldSelf)";
const CLAIMS: &str =
    "pkg/controller/pvc.go ExpandPVCs, pkg/controller/main-controller.go syncHandler";
const BUCKETS: &str = "pkg/controller/operator.go createBuckets";
const USERS: &str = "pkg/controller/main-controller.go syncHandler (createUsers)";
const SERVICES: &str = "pkg/controller/minio-services.go checkMinIOSvc, checkMinIOHLSvc, \
                        pkg/controller/console.go checkConsoleSvc";
const INCONSISTENT: &str = "pkg/controller/main-controller.go syncHandler \
                            (StatusInconsistentMinIOVersions), pkg/controller/pools.go \
                            restartInitializedPool";

/// Tenant fields the operator reconciles into its Services: `checkMinIOSvc`,
/// `checkMinIOHLSvc` (`pkg/controller/minio-services.go`) and `checkConsoleSvc`
/// (`pkg/controller/console.go`) compare labels, annotations, ports and type.
const SERVICE_FIELDS: [&str; 5] = [
    "/spec/requestAutoCert",
    "/spec/externalCertSecret",
    "/spec/serviceMetadata",
    "/spec/exposeServices",
    "/spec/features",
];

/// The metadata GitOps tools write on every object they apply. `PodMetadata` copies every
/// label and annotation of the Tenant into every pool's pod template, theirs included, so a
/// change of its value rolls every MinIO pod once, one at a time.
pub const GITOPS_METADATA: &[GitopsKey] = &[
    GitopsKey {
        tool: "Argo CD, label tracking (its default before 3.0)",
        on: "label",
        key: "app.kubernetes.io/instance",
        reaches_pods: true,
        changes_when: "the first sync of a Tenant applied before by other means, a renamed \
                       Application, or a switch to label tracking; Argo CD writes the \
                       Application's name over the value miniogen renders",
    },
    GitopsKey {
        tool: "Argo CD, annotation tracking (its default since 3.0)",
        on: "annotation",
        key: "argocd.argoproj.io/tracking-id",
        reaches_pods: true,
        changes_when: "the first sync under annotation tracking (an upgrade to Argo CD 3 \
                       switches to it), or a renamed Application or Application namespace",
    },
    GitopsKey {
        tool: "Flux kustomize-controller",
        on: "label",
        key: "kustomize.toolkit.fluxcd.io/name",
        reaches_pods: true,
        changes_when: "the first apply by Flux, or a renamed Kustomization",
    },
    GitopsKey {
        tool: "Flux kustomize-controller",
        on: "label",
        key: "kustomize.toolkit.fluxcd.io/namespace",
        reaches_pods: true,
        changes_when: "the first apply by Flux, or a Kustomization moved to another namespace",
    },
];

/// `parseConfEnvSecret` (`pkg/configuration/tenant_configuration.go`): every line that starts
/// with `export ` (after trimming), split at its first `=`, the name trimmed, the value trimmed
/// and stripped of `"` at both ends; a later line wins.
#[must_use]
pub fn parse_config_env(text: &str) -> ConfigEnv {
    let mut out = ConfigEnv::new();
    for line in text.split('\n') {
        let Some(rest) = line.trim().strip_prefix("export ") else {
            continue;
        };
        if let Some((name, value)) = rest.split_once('=') {
            out.insert(
                name.trim().to_string(),
                value.trim().trim_matches('"').to_string(),
            );
        }
    }
    out
}

/// What `syncHandler` compares to decide on an in-place update: the part of the image after its
/// first `:` (`strings.Split(image, ":")`, element 1), or nothing.
fn operator_tag(image: &str) -> &str {
    image.split(':').nth(1).unwrap_or_default()
}

/// The release date of a MinIO image reference from its `RELEASE.` tag, as
/// `YYYY-MM-DDTHH-MM-SSZ` (which sorts as time does), the way `ReleaseTagToReleaseTime`
/// (`pkg/apis/minio.min.io/v2/helper.go`) reads a tag; `None` for a digest alone or another tag.
#[must_use]
pub fn release(image: &str) -> Option<&str> {
    let name = image.rsplit('/').next().unwrap_or(image);
    let tag = name.split_once(':')?.1;
    let date = tag.strip_prefix("RELEASE.")?.get(..20)?;
    let shape = date.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 | 13 | 16 => b == b'-',
        10 => b == b'T',
        19 => b == b'Z',
        _ => b.is_ascii_digit(),
    });
    shape.then_some(date)
}

/// What applying `new` over `old` makes the operator v6.0.2 and MinIO do.
#[must_use]
pub fn verdict(old: Side<'_>, new: Side<'_>) -> Verdict {
    let mut changes = Vec::new();
    let names = Names::of(new.tenant);
    if let Some(effect) = image(old.tenant, new.tenant) {
        changes.push(effect);
    }
    if let Some(effect) = configuration(old, new, &names) {
        changes.push(effect);
    }
    changes.extend(tenant_template(old.tenant, new.tenant));
    changes.extend(services(old.tenant, new.tenant));
    changes.extend(buckets_and_users(old.tenant, new.tenant, &names));
    let old_pools = pools(old.tenant);
    for (name, new_pool) in pools(new.tenant) {
        match old_pools.iter().find(|(n, _)| *n == name) {
            Some((_, old_pool)) => changes.extend(pool_changes(name, old_pool, new_pool)),
            None => changes.push(added(name, &names)),
        }
    }
    for (name, _) in &old_pools {
        if !pools(new.tenant).iter().any(|(n, _)| n == name) {
            changes.push(removed(name, &names));
        }
    }
    let steps = steps(&changes, old.tenant);
    if steps.is_empty() {
        warn_restarts_with_configuration(&mut changes);
    } else {
        changes.push(combined(&changes));
    }
    Verdict {
        operator: Version::V6_0_2,
        changes,
        steps,
    }
}

/// The tenant's names, for the commands a `todo` gives.
struct Names {
    tenant: String,
    namespace: String,
}

impl Names {
    fn of(tenant: &Value) -> Self {
        Self {
            tenant: str_at(tenant, "/metadata/name").to_string(),
            namespace: str_at(tenant, "/metadata/namespace").to_string(),
        }
    }
}

fn effect(kind: Kind, pool: Option<&str>, change: String, disruption: Disruption) -> Effect {
    Effect {
        kind,
        pool: pool.map(str::to_string),
        change,
        disruption,
        cause: String::new(),
        source: "",
        todo: String::new(),
    }
}

fn with(mut effect: Effect, source: &'static str, cause: String, todo: String) -> Effect {
    effect.source = source;
    effect.cause = cause;
    effect.todo = todo;
    effect
}

fn ticked(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `spec.image`: an in-place update of every server (`simultaneous`), refused for a release
/// that is not newer (`blocked`), or a roll of the pods when the operator sees the same tag.
fn image(old: &Value, new: &Value) -> Option<Effect> {
    let (from, to) = (str_at(old, "/spec/image"), str_at(new, "/spec/image"));
    if from == to {
        return None;
    }
    let change = format!("`spec.image` from `{from}` to `{to}`");
    let releases = (release(from), release(to));
    let update = "the operator pulls the image itself (`fetchArtifacts`, with the Tenant's \
                  `imagePullSecret` or the operator's own credentials) and hands its binary to \
                  MinIO (`updateServer`, `ServerUpdateV2`), which replaces the binary on every \
                  server and restarts every MinIO process at once; then the StatefulSets roll \
                  one pod at a time onto the new image";
    let registry = "make sure the operator's pod can pull it (registry access from the \
                    operator's namespace, the pull secret); S3 requests fail for the seconds \
                    every server takes to restart and find its peers, then one server is down \
                    at a time while the pods roll";
    if operator_tag(from) != operator_tag(to) {
        let e = match releases {
            (Some(a), Some(b)) if b > a => with(
                effect(Kind::Image, None, change, Disruption::Simultaneous),
                IMAGE_UPDATE,
                update.to_string(),
                registry.to_string(),
            ),
            (Some(a), Some(b)) => with(
                effect(Kind::Image, None, change, Disruption::Blocked),
                IMAGE_UPDATE,
                format!(
                    "release {b} is not newer than {a}: MinIO answers `ServerUpdateV2` with \
                     \"server is running the latest version\" for any release not newer than its \
                     own, so `updateServer` fails on every reconcile and returns before volume \
                     expansion, buckets and PodDisruptionBudgets"
                ),
                format!(
                    "keep `{from}` or move to a newer release; MinIO has no supported \
                     downgrade"
                ),
            ),
            _ => with(
                effect(Kind::Image, None, change, Disruption::Simultaneous),
                IMAGE_UPDATE,
                format!(
                    "{update}. miniogen cannot tell the releases apart (no `RELEASE.` tag): \
                     MinIO refuses a release that is not newer than the one it runs, and the \
                     operator then fails on every reconcile"
                ),
                format!(
                    "{registry}; first read the release the image holds (its `release` label: \
                     `crane config IMAGE`, or `docker inspect`) and compare it with what `mc \
                     admin info` reports, and pin images as `...:RELEASE.<date>@sha256:<digest>` \
                     so that miniogen can compare them"
                ),
            ),
        };
        return Some(e);
    }
    Some(match releases {
        (Some(a), Some(b)) if a != b => with(
            effect(Kind::Image, None, change, Disruption::Blocked),
            IMAGE_ROLL,
            format!(
                "the operator compares only the part of the image after its first `:` (`{}` on \
                 both sides), so it skips the in-place update and rolls the pods one at a time \
                 onto release {b}; MinIO refuses a peer whose binary differs from its own \
                 (`ServerSystemConfig.Diff`), so each restarted server waits for peers that \
                 never match",
                operator_tag(to)
            ),
            "name the image without a registry port (the first `:` must precede the tag), or \
             upgrade through a mirror that has none"
                .to_string(),
        ),
        _ => with(
            effect(Kind::Image, None, change, Disruption::Rolling),
            TEMPLATE,
            format!(
                "the operator sees the same tag (`{}`) and does no in-place update: it replaces \
                 the pod templates, and the pods restart one at a time",
                operator_tag(to)
            ),
            "make sure both names hold the very same MinIO binary: MinIO refuses a peer whose \
             binary differs (`ServerSystemConfig.Diff` compares checksums), so a restarted \
             server would wait for peers that never match"
                .to_string(),
        ),
    })
}

/// The variables the servers run with: the Tenant's `spec.env`, which the operator writes into
/// `config.env` unless the Secret sets the same name (`buildTenantEnvs`), then the Secret's.
fn effective_config(side: Side<'_>) -> ConfigEnv {
    let mut vars = ConfigEnv::new();
    for entry in side
        .tenant
        .pointer("/spec/env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = entry.get("name").and_then(Value::as_str) {
            let value = entry.get("value").map_or_else(String::new, |v| {
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            });
            vars.insert(name.to_string(), value);
        }
    }
    if let Some(config) = side.config {
        vars.extend(config.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    vars
}

/// The configuration: never rolled, always `manual`. When only one side's Secret is known (the
/// secrets mode changed to or from `existing`), every variable of that side may change.
fn configuration(old: Side<'_>, new: Side<'_>, names: &Names) -> Option<Effect> {
    let (a, b) = (effective_config(old), effective_config(new));
    let (added, removed, changed): (Vec<String>, Vec<String>, Vec<String>) =
        if old.config.is_some() == new.config.is_some() {
            (
                b.keys().filter(|k| !a.contains_key(*k)).cloned().collect(),
                a.keys().filter(|k| !b.contains_key(*k)).cloned().collect(),
                a.keys()
                    .filter(|k| b.get(*k).is_some_and(|v| Some(v) != a.get(*k)))
                    .cloned()
                    .collect(),
            )
        } else {
            let known = if new.config.is_some() { &b } else { &a };
            (Vec::new(), Vec::new(), known.keys().cloned().collect())
        };
    if added.is_empty() && removed.is_empty() && changed.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for (what, list) in [
        ("added", &added),
        ("removed", &removed),
        ("changed", &changed),
    ] {
        if !list.is_empty() {
            parts.push(format!("{} {what}", ticked(list)));
        }
    }
    let root = added
        .iter()
        .chain(&removed)
        .chain(&changed)
        .any(|n| ROOT_CREDENTIALS.contains(&n.as_str()));
    Some(with(
        effect(
            Kind::Configuration,
            None,
            format!("`config.env`: {}", parts.join("; ")),
            Disruption::Manual,
        ),
        CONFIGURATION,
        "MinIO reads `config.env` only when it starts; the operator's sidecar rewrites the file \
         in every pod when the Secret changes (`regenCfgWithSecret`) and restarts nothing. A \
         server that starts with other `MINIO_*` values than its peers waits until half of them \
         agree (`verifyServerSystemConfig`, `ServerSystemConfig.Diff`), so the configuration \
         must reach every server at once: miniogen never rolls pods for it"
            .to_string(),
        restart_todo(names, !removed.is_empty(), root),
    ))
}

/// The root credentials in `config.env`.
const ROOT_CREDENTIALS: [&str; 4] = [
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "MINIO_ACCESS_KEY",
    "MINIO_SECRET_KEY",
];

/// How a new configuration reaches every server at once.
///
/// `mc admin service restart` (`ServiceV2Handler`, `cmd/admin-handlers.go`) signals every peer
/// to restart 250 ms later (`restartUpdateDelay`), skipping one whose drives hang
/// (`waitingDrivesNode`), and each MinIO process re-executes itself in its pod with the
/// environment it had (`restartProcess`, `cmd/service.go`), then reads `config.env` over it
/// (`loadEnvVarsFromFiles`): a variable removed from the file survives, so a removal needs the
/// pods themselves restarted, which `podManagementPolicy: Parallel` does all at once.
fn restart_todo(names: &Names, removed: bool, root: bool) -> String {
    let (ns, tenant) = (&names.namespace, &names.tenant);
    let mut todo = format!(
        "apply it, wait until every pod's sidecar has rewritten the file (`kubectl -n {ns} exec \
         POD -c minio -- sha256sum /tmp/minio/config.env` gives one new value for every pod of \
         `kubectl -n {ns} get pods -l v1.min.io/tenant={tenant}`), then restart every server at \
         once: "
    );
    if removed {
        let _ = write!(
            todo,
            "`kubectl -n {ns} delete pod -l v1.min.io/tenant={tenant}` (a removed variable \
             survives `mc admin service restart`, which restarts MinIO with the environment it \
             had); S3 is down until the pods run again"
        );
    } else {
        todo.push_str(
            "`mc admin service restart ALIAS` (`ALIAS`: your `mc alias` for the tenant); S3 \
             requests fail for the seconds every server takes to restart and find its peers; \
             its output must list every server, then `mc admin info ALIAS` shows them online",
        );
    }
    if root {
        todo.push_str(
            ". The root credentials change: restart with the old ones (the servers hold them \
             until then), then update what signs with them, in the order docs/secrets.md gives",
        );
    }
    todo
}

/// A configuration change applied with changes that restart MinIO by themselves: a roll brings
/// servers up on the new configuration one at a time, each waiting for half of its peers, and an
/// in-place update may restart them before every sidecar has rewritten `config.env`. Allowed
/// (every server ends on the new configuration once the restarts are through), but the user
/// must know, and may split it.
fn warn_restarts_with_configuration(changes: &mut [Effect]) {
    let restarting: Vec<String> = changes
        .iter()
        .filter(|c| {
            c.kind != Kind::Configuration
                && matches!(c.disruption, Disruption::Rolling | Disruption::Simultaneous)
        })
        .map(|c| c.change.clone())
        .collect();
    if restarting.is_empty() {
        return;
    }
    if let Some(config) = changes.iter_mut().find(|c| c.kind == Kind::Configuration) {
        let _ = write!(
            config.todo,
            ". This render also restarts MinIO ({}): servers restarted one at a time come up on \
             the new configuration and wait for half of their peers, so apply the configuration \
             alone first, or restart every server as soon as the sidecars have rewritten the file",
            restarting.join("; ")
        );
    }
}

/// Tenant-wide fields of the pod template, and the Tenant's own labels and annotations.
fn tenant_template(old: &Value, new: &Value) -> Vec<Effect> {
    let mut out = Vec::new();
    let fields: Vec<String> = TEMPLATE_FIELDS
        .iter()
        .filter(|f| f.scope == Scope::Tenant && f.pointer != "/spec/image")
        .filter(|f| old.pointer(f.pointer) != new.pointer(f.pointer))
        .map(|f| dotted(f.pointer))
        .collect();
    if !fields.is_empty() {
        out.push(with(
            effect(
                Kind::PodTemplate,
                None,
                format!("{} (every pool)", ticked(&fields)),
                Disruption::Rolling,
            ),
            TEMPLATE,
            "the operator puts it into every pool's pod template (`NewPool`) and replaces the \
             StatefulSets' templates (`poolSSMatchesSpec`): each pool restarts its pods one at a \
             time"
                .to_string(),
            String::new(),
        ));
    }
    let mut keys = Vec::new();
    for (what, pointer) in [
        ("label", "/metadata/labels"),
        ("annotation", "/metadata/annotations"),
    ] {
        for key in changed_keys(&string_map(old, pointer), &string_map(new, pointer)) {
            keys.push((what, key));
        }
    }
    if !keys.is_empty() {
        out.push(metadata_effect(None, &keys));
    }
    out
}

/// A change of pod labels or annotations: a roll, with what the key's writer means.
fn metadata_effect(pool: Option<&str>, keys: &[(&str, String)]) -> Effect {
    let shown: Vec<String> = keys.iter().map(|(w, k)| format!("{w} `{k}`")).collect();
    let whose = if pool.is_some() {
        "the pool's"
    } else {
        "the Tenant's"
    };
    let mut todo = String::new();
    if keys
        .iter()
        .any(|(_, k)| k == "kubectl.kubernetes.io/last-applied-configuration")
    {
        todo.push_str(
            "client-side `kubectl apply` writes the whole Tenant into this annotation, so every \
             change rolls every pod: apply server-side",
        );
    }
    for key in GITOPS_METADATA {
        if keys.iter().any(|(_, k)| k == key.key) {
            if !todo.is_empty() {
                todo.push_str("; ");
            }
            let _ = write!(
                todo,
                "`{}` is written by {} on every object it applies; it changes on {}",
                key.key, key.tool, key.changes_when
            );
        }
    }
    with(
        effect(
            Kind::PodMetadata,
            pool,
            format!("{whose} {}", shown.join(", ")),
            Disruption::Rolling,
        ),
        POD_METADATA,
        format!(
            "the operator copies {whose} labels and annotations into the pod template \
             (`PodMetadata`) and replaces the template when they differ: {} one pod at a time",
            if pool.is_some() {
                "the pool restarts"
            } else {
                "every pool restarts"
            }
        ),
        todo,
    )
}

/// Fields of the Services the operator writes: no MinIO process restarts.
fn services(old: &Value, new: &Value) -> Vec<Effect> {
    let fields: Vec<String> = SERVICE_FIELDS
        .iter()
        .filter(|p| old.pointer(p) != new.pointer(p))
        .map(|p| dotted(p))
        .collect();
    if fields.is_empty() {
        return Vec::new();
    }
    vec![with(
        effect(
            Kind::Services,
            None,
            format!("{} (the tenant's Services)", ticked(&fields)),
            Disruption::None,
        ),
        SERVICES,
        "the operator updates its Services `minio`, `<tenant>-hl` and `<tenant>-console`"
            .to_string(),
        String::new(),
    )]
}

fn names_at(tenant: &Value, pointer: &str) -> Vec<String> {
    tenant
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn buckets_and_users(old: &Value, new: &Value, names: &Names) -> Vec<Effect> {
    let mut out = Vec::new();
    let (before, after) = (
        names_at(old, "/spec/buckets"),
        names_at(new, "/spec/buckets"),
    );
    let created: Vec<String> = after
        .iter()
        .filter(|b| !before.contains(b))
        .cloned()
        .collect();
    if !created.is_empty() {
        out.push(with(
            effect(
                Kind::Buckets,
                None,
                format!("bucket(s) {} added", ticked(&created)),
                Disruption::None,
            ),
            BUCKETS,
            "the operator creates each listed bucket that does not exist; it never changes or \
             deletes an existing one"
                .to_string(),
            String::new(),
        ));
    }
    let kept: Vec<String> = before
        .iter()
        .filter(|b| !after.contains(b))
        .cloned()
        .collect();
    if !kept.is_empty() {
        out.push(with(
            effect(
                Kind::Buckets,
                None,
                format!("bucket(s) {} no longer listed", ticked(&kept)),
                Disruption::None,
            ),
            BUCKETS,
            "the operator never deletes a bucket: it stays in MinIO with its objects".to_string(),
            String::new(),
        ));
    }
    let old_users = names_at(old, "/spec/users");
    let users: Vec<String> = names_at(new, "/spec/users")
        .into_iter()
        .filter(|u| !old_users.contains(u))
        .collect();
    if !users.is_empty() {
        out.push(with(
            effect(
                Kind::Users,
                None,
                format!("user Secret(s) {} added to `spec.users`", ticked(&users)),
                Disruption::Manual,
            ),
            USERS,
            "the operator provisions `spec.users` once per tenant (`createUsers` runs only while \
             `status.provisionedUsers` is false)"
                .to_string(),
            format!(
                "have it provision them again: `kubectl -n {} patch tenant {} \
                 --subresource=status --type=merge -p \
                 '{{\"status\":{{\"provisionedUsers\":false}}}}'`",
                names.namespace, names.tenant
            ),
        ));
    }
    out
}

const STORAGE: &str = "/volumeClaimTemplate/spec/resources/requests/storage";

/// The changes to a pool both sides hold.
fn pool_changes(name: &str, old: &Value, new: &Value) -> Vec<Effect> {
    let mut out = pool_shape(name, old, new);
    out.extend(pool_pods(name, old, new));
    out
}

/// Its servers, drives, storage class and volume size: only growth applies.
fn pool_shape(name: &str, old: &Value, new: &Value) -> Vec<Effect> {
    let mut out = Vec::new();
    let shape: Vec<String> = ["servers", "volumesPerServer"]
        .into_iter()
        .filter(|k| old.get(k) != new.get(k))
        .map(|k| format!("{k} {} to {}", show(old.get(k)), show(new.get(k))))
        .collect();
    if !shape.is_empty() {
        out.push(with(
            effect(
                Kind::PoolReshaped,
                Some(name),
                format!("pool `{name}`: {}", shape.join(", ")),
                Disruption::Blocked,
            ),
            IMMUTABLE,
            "the Tenant CRD refuses the update (`servers` and `volumesPerServer` are immutable, \
             `self == oldSelf`), and a pool's drives keep the erasure sets they were formatted \
             with"
                .to_string(),
            "keep the pool as it is and add one (`miniogen grow`)".to_string(),
        ));
    }
    let class = "/volumeClaimTemplate/spec/storageClassName";
    if old.pointer(class) != new.pointer(class) {
        out.push(with(
            effect(
                Kind::PoolReshaped,
                Some(name),
                format!(
                    "pool `{name}`: storage class {} to {}",
                    show(old.pointer(class)),
                    show(new.pointer(class))
                ),
                Disruption::Blocked,
            ),
            CLAIMS,
            "the operator copies only the pod template into the StatefulSet, whose volume claim \
             templates Kubernetes never updates, and an existing claim keeps its class"
                .to_string(),
            "keep the class; add a pool on the new one instead".to_string(),
        ));
    }
    let (from, to) = (str_at(old, STORAGE), str_at(new, STORAGE));
    match (
        crate::model::quantity::bytes(from),
        crate::model::quantity::bytes(to),
    ) {
        (Ok(a), Ok(b)) if b > a => out.push(with(
            effect(
                Kind::Volumes,
                Some(name),
                format!("pool `{name}`: volumes grow from {from} to {to}"),
                Disruption::None,
            ),
            CLAIMS,
            "the operator raises each claim's request in place (`ExpandPVCs`), if the \
             StorageClass allows expansion"
                .to_string(),
            String::new(),
        )),
        (Ok(a), Ok(b)) if b < a => out.push(with(
            effect(
                Kind::PoolReshaped,
                Some(name),
                format!("pool `{name}`: volumes shrink from {from} to {to}"),
                Disruption::Blocked,
            ),
            CLAIMS,
            "`ExpandPVCs` never lowers a claim, and Kubernetes refuses to shrink one".to_string(),
            "keep the size".to_string(),
        )),
        _ => {}
    }
    out
}

/// What reaches its pods: the fields of the pod template and its own labels and annotations.
fn pool_pods(name: &str, old: &Value, new: &Value) -> Vec<Effect> {
    let mut out = Vec::new();
    let fields: Vec<(String, String)> = TEMPLATE_FIELDS
        .iter()
        .filter(|f| f.scope == Scope::Pool)
        .filter(|f| old.pointer(f.pointer) != new.pointer(f.pointer))
        .map(|f| {
            let field = format!("spec.pools[{name}].{}", dotted(f.pointer));
            let shown = if f.pointer == "/resources" {
                format!(
                    "`{field}` from {} to {}",
                    resources_text(old.get("resources")),
                    resources_text(new.get("resources"))
                )
            } else {
                format!("`{field}`")
            };
            (f.pointer.to_string(), shown)
        })
        .collect();
    if !fields.is_empty() {
        let todo = if fields.iter().any(|(p, _)| p == "/resources") {
            "make sure every node that runs a server of the pool has room for the new requests: \
             a pod that cannot be scheduled stops the roll with that server down"
                .to_string()
        } else {
            String::new()
        };
        out.push(with(
            effect(
                Kind::PodTemplate,
                Some(name),
                fields
                    .iter()
                    .map(|(_, s)| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                Disruption::Rolling,
            ),
            TEMPLATE,
            "the operator puts it into the pool's pod template (`NewPool`) and replaces the \
             StatefulSet's template (`poolSSMatchesSpec`): the pool's pods restart one at a time"
                .to_string(),
            todo,
        ));
    }
    let mut keys = Vec::new();
    for (what, pointer) in [("label", "/labels"), ("annotation", "/annotations")] {
        for key in changed_keys(&string_map(old, pointer), &string_map(new, pointer)) {
            // `min.io/revision` comes from the Tenant's status, which miniogen never writes.
            if key != REVISION_ANNOTATION {
                keys.push((what, key));
            }
        }
    }
    if !keys.is_empty() {
        out.push(metadata_effect(Some(name), &keys));
    }
    out
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(
        || "nothing".to_string(),
        |v| v.as_str().map_or_else(|| v.to_string(), str::to_string),
    )
}

/// `requests cpu 2, memory 8Gi; limits cpu 4, memory 8Gi`.
fn resources_text(value: Option<&Value>) -> String {
    let Some(value) = value.filter(|v| v.is_object()) else {
        return "none".to_string();
    };
    let part = |which: &str| {
        let list = string_map(value, &format!("/{which}"));
        if list.is_empty() {
            return None;
        }
        Some(format!(
            "{which} {}",
            list.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    let parts: Vec<String> = ["requests", "limits"]
        .into_iter()
        .filter_map(part)
        .collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join("; ")
    }
}

fn added(name: &str, names: &Names) -> Effect {
    with(
        effect(
            Kind::PoolAdded,
            Some(name),
            format!("pool `{name}` added"),
            Disruption::Simultaneous,
        ),
        POOL_ADDED,
        format!(
            "the operator creates StatefulSet `{}-{name}`, then at once restarts every MinIO \
             process of the existing pools through the admin API (`restartInitializedPool`, \
             `ServiceRestart`); each waits until half of all servers, the new pool's included, \
             answer with the same pools and configuration (`verifyServerSystemConfig`), and the \
             new pool's drives are formatted only once its servers run",
            names.tenant
        ),
        "before applying, make sure every pod of the new pool can be scheduled and bound to \
         its volumes: S3 requests fail from the restart until the new pool's servers are up; \
         afterwards `mc admin info ALIAS` lists every server. Existing objects stay where they \
         are (`mc admin rebalance start ALIAS`)"
            .to_string(),
    )
}

fn removed(name: &str, names: &Names) -> Effect {
    with(
        effect(
            Kind::PoolRemoved,
            Some(name),
            format!("pool `{name}` leaves the Tenant"),
            Disruption::Simultaneous,
        ),
        POOL_REMOVED,
        format!(
            "the operator deletes the tenant's PodDisruptionBudgets, restarts every MinIO process \
             through a pool that stays (`restartInitializedPool`) and deletes StatefulSet \
             `{}-{name}`; it moves no data, and its volume claims stay",
            names.tenant
        ),
        "only once `mc admin decommission status` says `Complete` for the pool".to_string(),
    )
}

/// Whether a change touches the pools that exist (not only a new one).
fn on_existing(change: &Effect, added: &BTreeSet<&str>) -> bool {
    change.pool.as_deref().is_none_or(|p| !added.contains(p))
}

/// The order to apply the changes in when a new pool comes with changes to the configuration,
/// the image or the existing pools' pods; empty when they may go together.
fn steps(changes: &[Effect], old: &Value) -> Vec<String> {
    let added: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.kind == Kind::PoolAdded)
        .filter_map(|c| c.pool.as_deref())
        .collect();
    if added.is_empty() {
        return Vec::new();
    }
    let find = |kinds: &[Kind]| -> Vec<&Effect> {
        changes
            .iter()
            .filter(|c| kinds.contains(&c.kind) && on_existing(c, &added))
            .collect()
    };
    let config = find(&[Kind::Configuration]);
    let image = find(&[Kind::Image]);
    let pods = find(&[Kind::PodTemplate, Kind::PodMetadata]);
    if config.is_empty() && image.is_empty() && pods.is_empty() {
        return Vec::new();
    }
    let list = |effects: &[&Effect]| {
        effects
            .iter()
            .map(|e| e.change.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut out = Vec::new();
    if !config.is_empty() {
        out.push(format!(
            "the configuration alone ({}), then every server restarted at once as its change \
             says, so that the new pool's drives are formatted with it",
            list(&config)
        ));
    }
    let pools: Vec<String> = added.iter().map(|p| format!("`{p}`")).collect();
    out.push(format!(
        "pool {} alone, on the image the tenant runs (`{}`), with the existing pools as they are",
        pools.join(", "),
        str_at(old, "/spec/image")
    ));
    if !image.is_empty() {
        out.push(format!("the image ({})", list(&image)));
    }
    if !pods.is_empty() {
        out.push(format!("the existing pools' pods ({})", list(&pods)));
    }
    out
}

/// The changes a new pool must not come with, as one `blocked` entry.
fn combined(changes: &[Effect]) -> Effect {
    let added: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.kind == Kind::PoolAdded)
        .filter_map(|c| c.pool.as_deref())
        .collect();
    let has = |kind: Kind| {
        changes
            .iter()
            .any(|c| c.kind == kind && on_existing(c, &added))
    };
    let mut why = Vec::new();
    if has(Kind::Image) {
        why.push(
            "the new pool's StatefulSet gets the new image while the others run the old one, \
             and the operator then answers `Different versions across MinIO Pools` \
             (`StatusInconsistentMinIOVersions`) on every reconcile without ever updating them; \
             MinIO refuses peers with another binary (`ServerSystemConfig.Diff`)",
        );
    }
    if has(Kind::Configuration) {
        why.push(
            "the operator restarts every server the moment it creates the new pool's \
             StatefulSet (`restartInitializedPool`), whether or not each pod's sidecar has \
             rewritten `config.env` yet, and the new pool's servers format their drives with \
             the configuration they find when they start (such as \
             `MINIO_ERASURE_SET_DRIVE_COUNT`)",
        );
    }
    if has(Kind::PodTemplate) || has(Kind::PodMetadata) {
        why.push(
            "the restart for the new pool and the roll of the existing pools' pods overlap: \
             servers restart one by one while the others wait for the new pool",
        );
    }
    with(
        effect(
            Kind::Combined,
            None,
            format!(
                "pool {} added together with other changes",
                added
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Disruption::Blocked,
        ),
        INCONSISTENT,
        why.join("; "),
        "apply them in the steps listed, one commit each".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::operator::ConfigEnv;
    use serde_json::json;

    const NEW: &str = "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z";

    fn tenant() -> Value {
        super::super::example_tenant()
    }

    fn config(text: &str) -> ConfigEnv {
        parse_config_env(text)
    }

    fn judge(old: &Value, new: &Value) -> Verdict {
        verdict(
            Side {
                tenant: old,
                config: None,
            },
            Side {
                tenant: new,
                config: None,
            },
        )
    }

    /// The same Tenant, with `config.env` going from `before` to `after`.
    fn configured(before: &str, after: &str) -> Verdict {
        let tenant = tenant();
        let (before, after) = (config(before), config(after));
        verdict(
            Side {
                tenant: &tenant,
                config: Some(&before),
            },
            Side {
                tenant: &tenant,
                config: Some(&after),
            },
        )
    }

    fn classes(verdict: &Verdict) -> Vec<(Kind, Option<&str>, Disruption)> {
        verdict
            .changes
            .iter()
            .map(|c| (c.kind, c.pool.as_deref(), c.disruption))
            .collect()
    }

    fn with_pool(mut t: Value, name: &str) -> Value {
        let mut pool = t["spec"]["pools"][0].clone();
        pool["name"] = json!(name);
        t["spec"]["pools"]
            .as_array_mut()
            .unwrap_or_else(|| panic!())
            .push(pool);
        t
    }

    /// The table the classes are written from, one row per change the model knows, each with
    /// the upstream function that decides it (read at operator v6.0.2 and MinIO
    /// RELEASE.2025-09-07T16-13-09Z), not with the code under test.
    #[test]
    #[allow(clippy::too_many_lines)] // one row per change the model knows
    fn each_change_gets_the_class_upstream_gives_it() {
        type Edit = fn(&mut Value);
        let rows: [(&str, Edit, Kind, Disruption, &str); 13] = [
            // `syncHandler`: tags differ, `updateServer` -> `ServerUpdateV2` restarts all.
            (
                "image upgraded",
                |t| t["spec"]["image"] = json!(NEW),
                Kind::Image,
                Disruption::Simultaneous,
                "updateServer",
            ),
            // `ServerUpdateV2Handler`: "server is running the latest version".
            (
                "image downgraded",
                |t| {
                    t["spec"]["image"] = json!("quay.io/minio/minio:RELEASE.2023-01-01T00-00-00Z");
                },
                Kind::Image,
                Disruption::Blocked,
                "ServerUpdateV2Handler",
            ),
            // Same tag after the first `:`: only `poolSSMatchesSpec` sees it.
            (
                "image moved to a mirror",
                |t| {
                    t["spec"]["image"] =
                        json!("mirror.example/minio/minio:RELEASE.2024-10-13T13-34-11Z");
                },
                Kind::Image,
                Disruption::Rolling,
                "poolSSMatchesSpec",
            ),
            // `NewPool` sets `PriorityClassName` on every pool's template.
            (
                "priority class",
                |t| t["spec"]["priorityClassName"] = json!("high"),
                Kind::PodTemplate,
                Disruption::Rolling,
                "poolSSMatchesSpec",
            ),
            // `poolMinioServerContainer` takes `pool.Resources`.
            (
                "resources",
                |t| {
                    t["spec"]["pools"][0]["resources"] = json!({"requests": {"cpu": "2"}});
                },
                Kind::PodTemplate,
                Disruption::Rolling,
                "poolSSMatchesSpec",
            ),
            // `PodMetadata` copies the Tenant's labels.
            (
                "tenant label",
                |t| t["metadata"]["labels"]["x"] = json!("y"),
                Kind::PodMetadata,
                Disruption::Rolling,
                "PodMetadata",
            ),
            (
                "pool annotation",
                |t| {
                    t["spec"]["pools"][0]["annotations"] = json!({"a": "b"});
                },
                Kind::PodMetadata,
                Disruption::Rolling,
                "PodMetadata",
            ),
            // `buildTenantEnvs` writes `spec.env` into `config.env`, which only a start reads.
            (
                "spec.env",
                |t| t["spec"]["env"] = json!([{"name": "MINIO_X", "value": "1"}]),
                Kind::Configuration,
                Disruption::Manual,
                "regenCfgWithSecret",
            ),
            // `restartInitializedPool` right after creating the StatefulSet.
            (
                "pool added",
                |t| *t = with_pool(t.clone(), "pool-1"),
                Kind::PoolAdded,
                Disruption::Simultaneous,
                "restartInitializedPool",
            ),
            // CRD `self == oldSelf`.
            (
                "servers",
                |t| t["spec"]["pools"][0]["servers"] = json!(8),
                Kind::PoolReshaped,
                Disruption::Blocked,
                "self == oldSelf",
            ),
            // `ExpandPVCs` raises claims in place.
            (
                "volumes grow",
                |t| {
                    t["spec"]["pools"][0]["volumeClaimTemplate"]["spec"]["resources"]["requests"]
                        ["storage"] = json!("1Ti");
                },
                Kind::Volumes,
                Disruption::None,
                "ExpandPVCs",
            ),
            // `createBuckets` creates what is missing.
            (
                "bucket",
                |t| t["spec"]["buckets"] = json!([{"name": "a"}, {"name": "b"}]),
                Kind::Buckets,
                Disruption::None,
                "createBuckets",
            ),
            // `createUsers` only while `!status.provisionedUsers`.
            (
                "user",
                |t| t["spec"]["users"] = json!([{"name": "admin"}]),
                Kind::Users,
                Disruption::Manual,
                "createUsers",
            ),
        ];
        for (what, edit, kind, class, function) in rows {
            let old = tenant();
            let mut new = tenant();
            edit(&mut new);
            let v = judge(&old, &new);
            assert_eq!(v.changes.len(), 1, "{what}: {v:#?}");
            let c = &v.changes[0];
            assert_eq!((c.kind, c.disruption), (kind, class), "{what}: {c:#?}");
            assert!(c.source.contains(function), "{what}: {}", c.source);
        }
    }

    /// A configuration change is `manual`, never `rolling`, and says how every server restarts
    /// at once; a removed variable needs the pods restarted, as `restartProcess` keeps the
    /// environment.
    #[test]
    fn configuration_is_manual_and_names_the_restart() {
        let before = "export MINIO_ROOT_USER=\"admin\"\nexport MINIO_API_REQUESTS_MAX=\"6400\"\n";
        let after =
            "export MINIO_ROOT_USER=\"admin\"\nexport MINIO_ERASURE_SET_DRIVE_COUNT=\"8\"\n";
        let verdict = configured(before, after);
        assert_eq!(
            classes(&verdict),
            [(Kind::Configuration, None, Disruption::Manual)]
        );
        let change = &verdict.changes[0];
        assert_eq!(
            change.change,
            "`config.env`: `MINIO_ERASURE_SET_DRIVE_COUNT` added; `MINIO_API_REQUESTS_MAX` removed"
        );
        assert!(
            change
                .todo
                .contains("kubectl -n ns delete pod -l v1.min.io/tenant=t"),
            "{}",
            change.todo
        );
        let added = format!("{before}export MINIO_X=\"1\"\n");
        let verdict = configured(before, &added);
        assert!(
            verdict.changes[0]
                .todo
                .contains("`mc admin service restart ALIAS`")
        );
        assert_eq!(verdict.worst(), Disruption::Manual);
        // The same variables: nothing, whatever the order or quoting.
        let same = "export MINIO_API_REQUESTS_MAX=6400\n  export MINIO_ROOT_USER=\"admin\"";
        assert!(configured(before, same).changes.is_empty());
    }

    /// A configuration change with a roll: still `manual`, never `rolling`, and it says why to
    /// split them.
    #[test]
    fn configuration_with_a_roll_says_to_split_them() {
        let mut raised = tenant();
        raised["spec"]["pools"][0]["resources"] = json!({"requests": {"cpu": "4"}});
        let (before, after) = (
            config("export MINIO_X=\"1\"\n"),
            config("export MINIO_X=\"2\"\n"),
        );
        let verdict = verdict(
            Side {
                tenant: &tenant(),
                config: Some(&before),
            },
            Side {
                tenant: &raised,
                config: Some(&after),
            },
        );
        assert_eq!(
            classes(&verdict),
            [
                (Kind::Configuration, None, Disruption::Manual),
                (Kind::PodTemplate, Some("pool-0"), Disruption::Rolling)
            ]
        );
        assert!(
            verdict.changes[0]
                .todo
                .contains("apply the configuration alone first"),
            "{}",
            verdict.changes[0].todo
        );
    }

    /// A rotated root password is a configuration change: `manual`, restarted with the old
    /// credentials, never a value in the message.
    #[test]
    fn a_rotated_root_password_is_manual() {
        let verdict = configured(
            "export MINIO_ROOT_PASSWORD=\"first-secret\"\n",
            "export MINIO_ROOT_PASSWORD=\"second-secret\"\n",
        );
        let change = &verdict.changes[0];
        assert_eq!(
            (change.kind, change.disruption),
            (Kind::Configuration, Disruption::Manual)
        );
        assert!(
            change.todo.contains("restart with the old ones"),
            "{}",
            change.todo
        );
        let text = format!("{change:?}");
        assert!(!text.contains("first-secret") && !text.contains("second-secret"));
    }

    /// `parseConfEnvSecret`: `export` lines only, first `=` splits, quotes trimmed.
    #[test]
    fn config_env_is_read_as_the_sidecar_reads_it() {
        let parsed = parse_config_env(
            "# comment\nexport A=\"x=y\"\n  export B = \"two words\" \nC=\"no export\"\nexport D\n",
        );
        assert_eq!(
            parsed.into_iter().collect::<Vec<_>>(),
            [
                ("A".to_string(), "x=y".to_string()),
                ("B".to_string(), "two words".to_string()),
            ]
        );
    }

    #[test]
    fn releases_are_read_from_the_tag() {
        assert_eq!(release(NEW), Some("2025-09-07T16-13-09Z"));
        assert_eq!(
            release("registry:5000/minio/minio:RELEASE.2025-09-07T16-13-09Z.hotfix.1@sha256:ab"),
            Some("2025-09-07T16-13-09Z")
        );
        assert_eq!(release("quay.io/minio/minio@sha256:abcd"), None);
        assert_eq!(release("quay.io/minio/minio:latest"), None);
        assert_eq!(release("quay.io/minio/minio:RELEASE.2025-9-7"), None);
        assert_eq!(
            operator_tag("registry:5000/minio/minio:RELEASE.x"),
            "5000/minio/minio"
        );
        assert_eq!(operator_tag("minio/minio"), "");
    }

    /// A digest alone: the operator still updates in place, and miniogen says it cannot tell.
    #[test]
    fn a_digest_without_a_release_says_so() {
        let old = tenant();
        let mut new = tenant();
        new["spec"]["image"] = json!("quay.io/minio/minio@sha256:0123");
        let v = judge(&old, &new);
        let c = &v.changes[0];
        assert_eq!(c.disruption, Disruption::Simultaneous);
        assert!(c.cause.contains("cannot tell"), "{}", c.cause);
        assert!(c.todo.contains("`release` label"), "{}", c.todo);
    }

    /// A registry port: the operator's tag comparison sees `5000/minio/minio` on both sides
    /// and rolls another release in, which MinIO refuses as a peer.
    #[test]
    fn another_release_behind_a_registry_port_is_blocked() {
        let mut old = tenant();
        old["spec"]["image"] = json!("registry:5000/minio/minio:RELEASE.2024-10-13T13-34-11Z");
        let mut new = tenant();
        new["spec"]["image"] = json!("registry:5000/minio/minio:RELEASE.2025-09-07T16-13-09Z");
        let v = judge(&old, &new);
        assert_eq!(classes(&v), [(Kind::Image, None, Disruption::Blocked)]);
    }

    /// A new pool with another image, configuration or pod change: `blocked`, with the order.
    #[test]
    fn a_new_pool_goes_alone() {
        let old = tenant();
        let mut new = with_pool(tenant(), "pool-1");
        new["spec"]["image"] = json!(NEW);
        let a = config("export MINIO_STORAGE_CLASS_STANDARD=\"EC:4\"\n");
        let b = config(
            "export MINIO_STORAGE_CLASS_STANDARD=\"EC:4\"\nexport MINIO_ERASURE_SET_DRIVE_COUNT=\"8\"\n",
        );
        let v = verdict(
            Side {
                tenant: &old,
                config: Some(&a),
            },
            Side {
                tenant: &new,
                config: Some(&b),
            },
        );
        assert_eq!(v.worst(), Disruption::Blocked);
        let combined = v.blocked().next().unwrap_or_else(|| panic!("{v:#?}"));
        assert_eq!(combined.kind, Kind::Combined);
        assert!(combined.cause.contains("StatusInconsistentMinIOVersions"));
        assert_eq!(v.steps.len(), 3, "{:#?}", v.steps);
        assert!(v.steps[0].starts_with("the configuration alone"));
        assert!(v.steps[1].starts_with("pool `pool-1` alone, on the image the tenant runs (`quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z`)"));
        assert!(v.steps[2].starts_with("the image"));
        // The pool alone may go.
        let alone = with_pool(tenant(), "pool-1");
        let v = judge(&old, &alone);
        assert!(v.steps.is_empty());
        assert_eq!(
            classes(&v),
            [(Kind::PoolAdded, Some("pool-1"), Disruption::Simultaneous)]
        );
        // With the existing pool's resources raised: steps again.
        let mut raised = alone.clone();
        raised["spec"]["pools"][0]["resources"] = json!({"requests": {"cpu": "4"}});
        let v = judge(&old, &raised);
        assert_eq!(v.steps.len(), 2, "{:#?}", v.steps);
        assert!(
            v.changes[0]
                .change
                .contains("requests cpu 1 to requests cpu 4"),
            "{:#?}",
            v.changes[0]
        );
    }

    /// `PodMetadata` copies every Tenant label and annotation: the GitOps tools' keys reach
    /// every pod, and the model says when they change.
    #[test]
    fn gitops_metadata_reaches_the_pods() {
        for key in GITOPS_METADATA {
            assert!(key.reaches_pods);
            let mut t = tenant();
            let pointer = if key.on == "label" {
                "labels"
            } else {
                "annotations"
            };
            t["metadata"][pointer] = json!({key.key: "matrix"});
            let meta = super::super::pod_metadata(&t, &t["spec"]["pools"][0]);
            let map = if key.on == "label" {
                &meta.labels
            } else {
                &meta.annotations
            };
            assert_eq!(
                map.get(key.key).map(String::as_str),
                Some("matrix"),
                "{}",
                key.key
            );
            let mut renamed = t.clone();
            renamed["metadata"][pointer] = json!({key.key: "renamed"});
            let v = judge(&t, &renamed);
            assert_eq!(
                classes(&v),
                [(Kind::PodMetadata, None, Disruption::Rolling)]
            );
            assert!(v.changes[0].todo.contains(key.tool), "{:#?}", v.changes[0]);
        }
    }

    /// `poolSSMatchesSpec` ignores `last-applied-configuration` only on the `StatefulSet`'s own
    /// metadata; `PodMetadata` copies it into the template, so client-side apply rolls.
    #[test]
    fn client_side_apply_rolls_every_pool() {
        let old = tenant();
        let mut new = tenant();
        new["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/last-applied-configuration": "{\"spec\":{}}"});
        let v = judge(&old, &new);
        assert_eq!(
            classes(&v),
            [(Kind::PodMetadata, None, Disruption::Rolling)]
        );
        assert!(v.changes[0].todo.contains("apply server-side"));
    }

    #[test]
    fn the_same_tenant_changes_nothing() {
        let v = judge(&tenant(), &tenant());
        assert!(v.changes.is_empty());
        assert_eq!(v.worst(), Disruption::None);
    }
}
