//! Day two: growing, expanding and retiring pools the way MinIO Operator v6.0.2 allows.
//!
//! Owns what `gen --out`, `check`, `plan --out` and `grow` say when a render meets the pools
//! an output folder (or the site file) already has: which changes the operator can apply
//! (`transition` finds them), the pool to add so that usable capacity reaches a tier's, the
//! TOML that pins the existing pools and adds it, that TOML written into the site file with
//! the user's comments and layout kept (`toml_edit`), and the `mc admin decommission` commands
//! a pool needs before it may leave. Every message names the environment and the folder. No
//! IO: `commands` reads the folder and writes the site file.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike};

use crate::model::diag::Diagnostic;
use crate::model::quantity;
use crate::model::spec::{ExtraPool, Sizing};
use crate::plan::Plan;
use crate::plan::erasure::Layout;
use crate::plan::transition::{self, Change, Kind};

/// Which environment and output folder a message is about.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The environment of the site file, if it has environments.
    pub env: Option<&'a str>,
    /// The output folder, if the command has one.
    pub dir: Option<&'a Path>,
}

impl std::fmt::Display for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.env, self.dir) {
            (Some(env), Some(dir)) => write!(f, "environment `{env}` (`{}`)", dir.display()),
            (Some(env), None) => write!(f, "environment `{env}`"),
            (None, Some(dir)) => write!(f, "`{}`", dir.display()),
            (None, None) => write!(f, "the site file"),
        }
    }
}

/// A pool as it exists: in an output folder's Tenant, or as a plan renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// Pool name.
    pub name: String,
    /// Servers.
    pub servers: u32,
    /// Volumes per server.
    pub volumes_per_server: u32,
    /// Volume size as written.
    pub volume_size: String,
    /// The erasure-set size its drives are formatted with (or will be), when known.
    pub set_size: Option<u32>,
}

impl Existing {
    /// The pools of a Tenant object, in its order; entries that do not read as pools are left
    /// out (the folder is the user's, and `check` reports its bytes anyway).
    #[must_use]
    pub fn from_tenant(tenant: &Value) -> Vec<Self> {
        transition::pools(tenant)
            .into_iter()
            .filter_map(|p| {
                Some(Self {
                    name: p.get("name")?.as_str()?.to_string(),
                    servers: u32::try_from(p.get("servers")?.as_u64()?).ok()?,
                    volumes_per_server: u32::try_from(p.get("volumesPerServer")?.as_u64()?).ok()?,
                    volume_size: p.pointer(transition::STORAGE)?.as_str()?.to_string(),
                    set_size: transition::set_size(p),
                })
            })
            .collect()
    }

    /// The pools a plan renders.
    #[must_use]
    pub fn from_plan(plan: &Plan) -> Vec<Self> {
        plan.pools
            .iter()
            .map(|p| Self {
                name: p.name.clone(),
                servers: p.servers,
                volumes_per_server: p.volumes_per_server,
                volume_size: p.volume_size.clone(),
                set_size: Some(p.layout.set_size),
            })
            .collect()
    }

    /// Usable bytes at this parity; 0 for a layout MinIO would refuse.
    #[must_use]
    pub fn usable(&self, parity: u32, set_size: Option<u32>) -> u128 {
        usable(
            self.servers,
            self.volumes_per_server,
            &self.volume_size,
            parity,
            set_size,
        )
    }

    /// `4 servers x 2 volumes of 500Gi`.
    #[must_use]
    pub fn layout(&self) -> String {
        format!(
            "{} servers x {} volumes of {}",
            self.servers, self.volumes_per_server, self.volume_size
        )
    }
}

/// Usable bytes of a pool, with the erasure-set size `MINIO_ERASURE_SET_DRIVE_COUNT` forces
/// (the plan's `erasure.set_drive_count`) or else MinIO's own.
fn usable(
    servers: u32,
    volumes_per_server: u32,
    size: &str,
    parity: u32,
    set_size: Option<u32>,
) -> u128 {
    let layout = match set_size {
        Some(set) => Layout::with_set_size(servers, volumes_per_server, parity, set),
        None => Layout::new(servers, volumes_per_server, parity),
    };
    let Ok(layout) = layout else {
        return 0;
    };
    quantity::bytes(size).unwrap_or(0) * u128::from(layout.sets * layout.data)
}

/// The usable capacity of a tier: its profile's pool alone with the erasure-set size in force,
/// the `usable` column of `miniogen profiles`.
#[must_use]
pub fn tier_usable(tier: &Sizing, set_size: Option<u32>) -> u128 {
    usable(
        tier.servers,
        tier.volumes_per_server,
        &tier.volume_size,
        tier.parity,
        set_size,
    )
}

/// How a render grows over pools that already exist: the first pool pinned as it is, the
/// site file's other pools as they are, and at most one new pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    /// The environment whose settings change.
    pub env: Option<String>,
    /// The first pool (`[sizing]`), pinned.
    pub first: Existing,
    /// Pools the environment inherits from the shared `[[pools]]` and must copy, because an
    /// environment's own `pools` replaces the shared list.
    pub copied: Vec<ExtraPool>,
    /// The pool to add, when the pools that exist fall short of the tier.
    pub added: Option<ExtraPool>,
    /// Usable bytes of the pools that exist.
    pub before: u128,
    /// Usable bytes once the change runs.
    pub after: u128,
    /// The tier's usable bytes.
    pub target: u128,
    /// The tier.
    pub tier_ccu: u32,
    /// The erasure-set size every pool is laid out with once the change runs, when miniogen
    /// forces one (`MINIO_ERASURE_SET_DRIVE_COUNT`, see `plan::Erasure`).
    pub set_size: Option<u32>,
    /// The first pool's drives hold MinIO's own (larger) sets, written before miniogen made
    /// sets quorum-safe: growing keeps them, with `tenant.erasure_sets = "largest"`, since one
    /// `MINIO_ERASURE_SET_DRIVE_COUNT` applies to every pool and formatted drives keep theirs.
    pub keep_largest: bool,
}

/// What `propose` needs to know about the site file.
#[derive(Debug, Clone, Default)]
pub struct SitePools {
    /// Every pool name the site file holds for this environment, decommissioned ones
    /// included: names that are taken.
    pub names: Vec<String>,
    /// The shared `[[pools]]`, when the environment has no list of its own.
    pub inherited: Vec<ExtraPool>,
}

/// The growth that keeps `existing` as it is and reaches `tier`'s usable capacity. `plan` is
/// the render that asked for more (its first pool is the tier's, its other pools are the site
/// file's). `None` when the first pool of the render does not exist yet, so nothing is pinned.
#[must_use]
pub fn propose(
    existing: &[Existing],
    plan: &Plan,
    tier: &Sizing,
    site: &SitePools,
    env: Option<&str>,
) -> Option<Growth> {
    let first_name = &plan.pools.first()?.name;
    let first = existing.iter().find(|p| &p.name == first_name)?.clone();
    let parity = plan.pools[0].layout.parity;
    // The render for the new tier chose the set size its pools need to stay quorum-safe under
    // the operator's budgets; the tier's own pool decides it, and the pools kept accept it
    // (every built-in layout divides into sets of 8).
    let own = crate::plan::erasure::set_size(first.servers, first.volumes_per_server).ok();
    let keep_largest = plan
        .erasure
        .set_drive_count
        .is_some_and(|forced| first.set_size.is_some_and(|formatted| formatted != forced))
        && first.set_size == own;
    let set_size = if keep_largest {
        None
    } else {
        plan.erasure.set_drive_count
    };
    let before: u128 = existing.iter().map(|p| p.usable(parity, set_size)).sum();
    let kept = first.usable(parity, set_size)
        + plan.pools[1..].iter().map(|p| p.usable_bytes).sum::<u128>();
    let target = tier_usable(tier, set_size);
    let added = (target > kept)
        .then(|| {
            let layout = match set_size {
                Some(set) => {
                    Layout::with_set_size(tier.servers, tier.volumes_per_server, parity, set)
                }
                None => Layout::new(tier.servers, tier.volumes_per_server, parity),
            }
            .ok()?;
            let data_drives = u128::from(layout.sets * layout.data);
            let gib = 1u128 << 30;
            let per_drive = (target - kept).div_ceil(data_drives).div_ceil(gib);
            let mut taken: Vec<&str> = existing.iter().map(|p| p.name.as_str()).collect();
            taken.extend(plan.pools.iter().map(|p| p.name.as_str()));
            taken.extend(site.names.iter().map(String::as_str));
            Some(ExtraPool {
                name: next_name(&taken),
                servers: tier.servers,
                volumes_per_server: tier.volumes_per_server,
                volume_size: format!("{per_drive}Gi"),
                storage_class: None,
                decommissioned: false,
            })
        })
        .flatten();
    let after = kept
        + added.as_ref().map_or(0, |p| {
            usable(
                p.servers,
                p.volumes_per_server,
                &p.volume_size,
                parity,
                set_size,
            )
        });
    Some(Growth {
        env: env.map(str::to_string),
        first,
        copied: if added.is_some() {
            site.inherited.clone()
        } else {
            Vec::new()
        },
        added,
        before,
        after,
        target,
        tier_ccu: plan.tier.ccu,
        set_size,
        keep_largest,
    })
}

/// A pool besides the first that exists and that the site file no longer lists would leave
/// the Tenant: growing must not hide that.
#[must_use]
pub fn unlisted(scope: Scope<'_>, existing: &[Existing], site: &SitePools) -> Option<Diagnostic> {
    let lost: Vec<&str> = existing
        .iter()
        .skip(1)
        .map(|p| p.name.as_str())
        .filter(|name| !site.names.iter().any(|n| n == name))
        .collect();
    (!lost.is_empty()).then(|| {
        Diagnostic::error(format!(
            "{scope}: the Tenant holds pool `{}`, which the site file no longer lists",
            lost.join("`, `")
        ))
        .help(
            "put its `[[pools]]` entry back as it was before growing; to retire it, \
             `miniogen check` prints the commands that drain it first",
        )
    })
}

/// The next `pool-N` after every `pool-N` taken, never filling a gap: a retired pool's name
/// stays retired, since MinIO and the operator know pools by name and position.
#[must_use]
pub fn next_name(taken: &[&str]) -> String {
    let next = taken
        .iter()
        .filter_map(|n| n.strip_prefix("pool-")?.parse::<u32>().ok())
        .max()
        .map_or(1, |n| n + 1);
    let mut n = next;
    loop {
        let name = format!("pool-{n}");
        if !taken.contains(&name.as_str()) {
            return name;
        }
        n += 1;
    }
}

impl Growth {
    /// The TOML that pins the first pool and adds the new one, for the site file.
    #[must_use]
    pub fn toml(&self) -> String {
        let prefix = self
            .env
            .as_ref()
            .map(|e| format!("environments.{e}."))
            .unwrap_or_default();
        let mut out = format!(
            "[{prefix}sizing]\nservers = {}\nvolumes_per_server = {}\nvolume_size = {}\n",
            self.first.servers,
            self.first.volumes_per_server,
            toml_string(&self.first.volume_size)
        );
        if self.keep_largest {
            let _ = write!(
                out,
                "\n[{prefix}tenant]\n# the drives of `{}` hold MinIO's own sets of {}; one set size serves every pool\nerasure_sets = \"largest\"\n",
                self.first.name,
                self.first.set_size.unwrap_or_default()
            );
        }
        if let Some(added) = &self.added {
            for pool in self.copied.iter().chain(std::iter::once(added)) {
                let _ = write!(out, "\n[[{prefix}pools]]\n");
                for (key, value) in pool_entries(pool) {
                    let _ = writeln!(out, "{key} = {value}");
                }
            }
        }
        out
    }

    /// One line per pool with what happens to it, then the capacity.
    #[must_use]
    pub fn summary(&self, parity: u32) -> Vec<String> {
        let mut lines = vec![format!(
            "pool `{}` kept as it is: {}, usable {}",
            self.first.name,
            self.first.layout(),
            quantity::format_bytes(self.first.usable(parity, self.set_size))
        )];
        if self.keep_largest {
            lines.push(format!(
                "`tenant.erasure_sets = \"largest\"`: the drives of `{}` hold MinIO's own sets of {}, \
                 which every pool then uses; `miniogen plan` says which pools the operator's \
                 PodDisruptionBudget leaves short of write quorum",
                self.first.name,
                self.first.set_size.unwrap_or_default()
            ));
        }
        if let Some(p) = &self.added {
            lines.push(format!(
                "pool `{}` added: {} servers x {} volumes of {}, usable {}; it starts empty",
                p.name,
                p.servers,
                p.volumes_per_server,
                p.volume_size,
                quantity::format_bytes(usable(
                    p.servers,
                    p.volumes_per_server,
                    &p.volume_size,
                    parity,
                    self.set_size
                ))
            ));
        }
        lines.push(format!(
            "usable {} before, {} after; the {} CCU tier has {}",
            quantity::format_bytes(self.before),
            quantity::format_bytes(self.after),
            self.tier_ccu,
            quantity::format_bytes(self.target)
        ));
        lines
    }

    /// Writes the growth into a site file: `ccu` (when given), the pins and the new pool, in
    /// the environment's table when there is one. Comments, order and layout stay as they are.
    pub fn write_into(&self, doc: &mut DocumentMut, ccu: Option<u32>) -> Result<(), String> {
        let root = doc.as_item_mut();
        let table: &mut dyn TableLike = match &self.env {
            None => root.as_table_like_mut(),
            Some(env) => root
                .get_mut("environments")
                .and_then(|e| e.get_mut(env.as_str()))
                .and_then(Item::as_table_like_mut),
        }
        .ok_or_else(|| match &self.env {
            Some(env) => format!("the site file has no table `[environments.{env}]`"),
            None => "the site file is not a TOML table".to_string(),
        })?;
        if let Some(ccu) = ccu {
            set(table, "ccu", toml_edit::Value::from(i64::from(ccu)));
        }
        if self.keep_largest {
            let tenant = child_table(table, "tenant")?;
            set(tenant, "erasure_sets", toml_edit::Value::from("largest"));
        }
        let sizing = child_table(table, "sizing")?;
        set(
            sizing,
            "servers",
            toml_edit::Value::from(i64::from(self.first.servers)),
        );
        set(
            sizing,
            "volumes_per_server",
            toml_edit::Value::from(i64::from(self.first.volumes_per_server)),
        );
        set(
            sizing,
            "volume_size",
            toml_edit::Value::from(self.first.volume_size.as_str()),
        );
        let Some(added) = &self.added else {
            return Ok(());
        };
        match table.get_mut("pools") {
            Some(Item::ArrayOfTables(pools)) => pools.push(pool_table(added)),
            Some(Item::Value(toml_edit::Value::Array(pools))) => pools.push(pool_inline(added)),
            Some(_) => return Err("`pools` in the site file is not a list of tables".into()),
            None => {
                let mut pools = ArrayOfTables::new();
                for pool in self.copied.iter().chain(std::iter::once(added)) {
                    pools.push(pool_table(pool));
                }
                table.insert("pools", Item::ArrayOfTables(pools));
                if table.get("pools").is_none() {
                    // An inline table cannot hold an array of tables.
                    let mut pools = toml_edit::Array::new();
                    for pool in self.copied.iter().chain(std::iter::once(added)) {
                        pools.push(pool_inline(pool));
                    }
                    table.insert("pools", Item::Value(pools.into()));
                }
            }
        }
        Ok(())
    }
}

fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

fn pool_entries(pool: &ExtraPool) -> Vec<(&'static str, toml_edit::Value)> {
    let mut entries = vec![
        ("name", toml_edit::Value::from(pool.name.as_str())),
        ("servers", i64::from(pool.servers).into()),
        (
            "volumes_per_server",
            i64::from(pool.volumes_per_server).into(),
        ),
        ("volume_size", pool.volume_size.as_str().into()),
    ];
    if let Some(class) = &pool.storage_class {
        entries.push(("storage_class", class.as_str().into()));
    }
    if pool.decommissioned {
        entries.push(("decommissioned", true.into()));
    }
    entries
}

fn pool_table(pool: &ExtraPool) -> Table {
    let mut table = Table::new();
    for (key, value) in pool_entries(pool) {
        table.insert(key, Item::Value(value));
    }
    table
}

fn pool_inline(pool: &ExtraPool) -> toml_edit::Value {
    let mut table = InlineTable::new();
    for (key, value) in pool_entries(pool) {
        table.insert(key, value);
    }
    table.into()
}

/// Sets `key`, keeping the comment after an existing value.
fn set(table: &mut dyn TableLike, key: &str, value: toml_edit::Value) {
    if let Some(old) = table.get_mut(key).and_then(Item::as_value_mut) {
        let decor = old.decor().clone();
        *old = value;
        *old.decor_mut() = decor;
    } else {
        table.insert(key, Item::Value(value));
    }
}

/// The table under `key`, created as a `[header]` table (or an inline one inside an inline
/// table) when absent.
fn child_table<'a>(
    parent: &'a mut dyn TableLike,
    key: &str,
) -> Result<&'a mut dyn TableLike, String> {
    if parent.get(key).is_none() {
        parent.insert(key, Item::Table(Table::new()));
        if parent.get(key).is_none() {
            parent.insert(key, Item::Value(InlineTable::new().into()));
        }
    }
    parent
        .get_mut(key)
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| format!("`{key}` in the site file is not a table"))
}

/// The address MinIO knows a pool by: the arguments the operator starts every server with
/// (`GetContainerArgs` in `pkg/resources/statefulsets/minio-statefulset.go`): per pool, the
/// headless service's pod hostnames in MinIO's ellipsis form (`MinIOHosts` in
/// `pkg/apis/minio.min.io/v2/helper.go`, `<tenant>-<pool>-{0...N-1}.<tenant>-hl.<namespace>.svc.
/// <cluster domain>`) and the volume paths (`VolumePathForPool`: `/export{0...V-1}`, the
/// Tenant's `mountPath`). `mc admin decommission` takes exactly that string.
#[must_use]
pub fn pool_endpoint(tenant: &Value, pool: &Existing) -> String {
    let text = |p: &str, default: &str| {
        tenant
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    let name = text("/metadata/name", "");
    let namespace = text("/metadata/namespace", "");
    let mount = text("/spec/mountPath", "/export");
    let tls = tenant
        .pointer("/spec/requestAutoCert")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let scheme = if tls { "https" } else { "http" };
    let hosts = if pool.servers == 1 {
        "0".to_string()
    } else {
        format!("{{0...{}}}", pool.servers - 1)
    };
    let volumes = if pool.volumes_per_server == 1 {
        String::new()
    } else {
        format!("{{0...{}}}", pool.volumes_per_server - 1)
    };
    format!(
        "{scheme}://{name}-{}-{hosts}.{name}-hl.{namespace}.svc.cluster.local{mount}{volumes}",
        pool.name
    )
}

/// What the user runs, with `mc`, before a pool may leave the site file.
#[must_use]
pub fn decommission_help(tenant: &Value, pool: &Existing) -> String {
    let endpoint = pool_endpoint(tenant, pool);
    format!(
        "keep its `[[pools]]` entry and drain it first: `mc admin decommission start myminio/ {endpoint}`, \
         then `mc admin decommission status myminio/ {endpoint}` until it says `Complete` \
         (`myminio` is your `mc alias` for the tenant; the other pools must have room for its \
         data); then mark the entry `decommissioned = true`, and the render leaves the pool out"
    )
}

/// How a render that meets the folder's pools ends: errors that stop it, and warnings.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Changes the operator cannot apply; nothing is written.
    pub errors: Vec<Diagnostic>,
    /// Changes it applies, with what the user must know or do.
    pub warnings: Vec<Diagnostic>,
}

/// What the pools of the new render do to the pools of the folder's Tenant `old`.
/// `growth` is the proposal for a first pool that would change layout; `suggest` is the
/// `miniogen grow` command line that writes it; `retired` the pools the site file marks
/// decommissioned.
#[must_use]
pub fn judge(
    scope: Scope<'_>,
    old: &Value,
    new: &Value,
    first: &str,
    retired: &[String],
    growth: Option<&Growth>,
    suggest: &str,
) -> Verdict {
    let mut verdict = Verdict::default();
    let changes = transition::pool_changes(old, new);
    let existing = Existing::from_tenant(old);
    let mut proposed = false;
    for change in &changes {
        let message = format!("{scope}: {change}");
        match change.kind {
            Kind::Removed if retired.contains(&change.pool) => {
                let tenant = old
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                verdict.warnings.push(Diagnostic::note(format!(
                    "{scope}: pool `{}` leaves the Tenant, marked decommissioned: the operator \
                     deletes StatefulSet `{tenant}-{}` and keeps its PersistentVolumeClaims \
                     (`miniogen plan` says how to remove them)",
                    change.pool, change.pool
                )));
            }
            Kind::Removed => {
                let help = if existing.first().is_some_and(|p| p.name == change.pool) {
                    format!(
                        "pool `{}` is the first pool, which `[sizing]` and `tenant.pool_name` \
                         describe, and miniogen cannot retire it: set `tenant.pool_name` back to \
                         `{}`",
                        change.pool, change.pool
                    )
                } else {
                    existing
                        .iter()
                        .find(|p| p.name == change.pool)
                        .map_or_else(String::new, |p| decommission_help(old, p))
                };
                verdict.errors.push(Diagnostic::error(message).help(help));
            }
            Kind::Grows => verdict
                .warnings
                .push(Diagnostic::warning(message).help(expansion_help(change, old, suggest))),
            Kind::Layout(_) | Kind::Shrinks if change.pool == first => {
                let lead = if change.kind == Kind::Shrinks {
                    "a volume never shrinks"
                } else {
                    "a pool's layout is fixed once created"
                };
                let help = match growth {
                    Some(g) if !proposed => {
                        proposed = true;
                        let (add, capacity) = if g.added.is_some() {
                            (
                                " and add a pool",
                                format!(
                                    "\n\n    # usable {} now, {} after; the {} CCU tier has {}; a \
                                     new pool starts empty",
                                    quantity::format_bytes(g.before),
                                    quantity::format_bytes(g.after),
                                    g.tier_ccu,
                                    quantity::format_bytes(g.target),
                                ),
                            )
                        } else {
                            ("", String::new())
                        };
                        format!(
                            "{lead}: keep pool `{first}` as it is{add}; `{suggest}` writes this \
                             into the site file:\n\n{}{capacity}",
                            indent(&g.toml()),
                        )
                    }
                    Some(_) => "see the change proposed above".to_string(),
                    None => format!("{lead}: keep pool `{first}` as it is"),
                };
                verdict.errors.push(Diagnostic::error(message).help(help));
            }
            Kind::SetSize => verdict
                .errors
                .push(Diagnostic::error(message).help(change.set_size_help())),
            Kind::Layout(_) | Kind::Shrinks | Kind::StorageClass => {
                verdict.errors.push(Diagnostic::error(message).help(format!(
                    "put pool `{}` back as it was (`{}`); to grow, add a pool: `{suggest}`",
                    change.pool, change.old
                )));
            }
        }
    }
    if !verdict.errors.is_empty() {
        verdict.errors.push(Diagnostic::note(format!(
            "{scope}: `gen --accept-pool-rebuild` overrides this, only for pools whose data may be destroyed"
        )));
    }
    verdict
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("    {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Growth in place is not automatic: what the operator does with it and what the user does.
///
/// At v6.0.2, `syncHandler` in `pkg/controller/main-controller.go` compares each pool's
/// `StatefulSet` with the one `statefulsets.NewPool` builds (`poolSSMatchesSpec` in
/// `pkg/controller/pools.go` compares the whole spec, `volumeClaimTemplates` included), and on a
/// difference updates a copy of the existing `StatefulSet` with only `Template` and
/// `UpdateStrategy` replaced: the update succeeds, the templates keep the old size, and the
/// difference stays. `ExpandPVCs` then updates each claim whose request is smaller, returning
/// the API server's refusal, which ends the reconcile, when the StorageClass cannot expand.
/// A `StatefulSet` that is missing is created again from the Tenant by the same handler.
fn expansion_help(change: &Change, tenant: &Value, suggest: &str) -> String {
    let name = tenant
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let namespace = tenant
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let statefulset = format!("{name}-{}", change.pool);
    let class = transition::pools(tenant)
        .into_iter()
        .find(|p| p["name"] == change.pool.as_str())
        .and_then(|p| p.pointer(transition::STORAGE_CLASS))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    format!(
        "growth is not automatic. MinIO Operator v6.0.2 raises each PersistentVolumeClaim of the \
         pool to {new} (`ExpandPVCs`, `pkg/controller/pvc.go`) only if StorageClass `{class}` sets \
         `allowVolumeExpansion: true` (`kubectl get storageclass {class}`); otherwise Kubernetes \
         refuses the update and every reconcile of the tenant fails at that step. The StatefulSet \
         `{statefulset}` keeps {old} in its `volumeClaimTemplates`, which Kubernetes does not let \
         anyone update: the operator copies only the pod template into it and finds it different \
         again on every reconcile. Once `kubectl -n {namespace} get pvc -l \
         v1.min.io/tenant={name},v1.min.io/pool={pool}` shows {new} for every claim (a claim \
         with the condition `FileSystemResizePending` needs its pod restarted), run `kubectl -n \
         {namespace} delete statefulset {statefulset} --cascade=orphan`: the pods keep running \
         and the operator creates the StatefulSet again with {new}. To keep the volumes as they \
         are and add a pool instead, run `{suggest}`",
        new = change.new,
        old = change.old,
        pool = change.pool,
    )
}

/// The `plan --out` section: every pool against what the folder holds, the capacity before and
/// after, what the operator does, and what a new pool means for the data.
#[must_use]
pub fn plan_changes(
    scope: Scope<'_>,
    plan: &Plan,
    old: &Value,
    verdict: Option<&crate::plan::operator::Verdict>,
) -> String {
    let existing = Existing::from_tenant(old);
    let parity = plan.pools.first().map_or(0, |p| p.layout.parity);
    let mut out = String::new();
    let _ = writeln!(out, "\nchanges against {scope}");
    let mut added = Vec::new();
    for pool in &plan.pools {
        let now = Existing::from_plan(plan)
            .into_iter()
            .find(|p| p.name == pool.name)
            .unwrap_or_else(|| unreachable!("the pool comes from the plan"));
        let line = match existing.iter().find(|p| p.name == pool.name) {
            None => {
                added.push(pool.name.clone());
                format!(
                    "new: {}, usable {}; it starts empty",
                    now.layout(),
                    quantity::format_bytes(pool.usable_bytes)
                )
            }
            Some(before)
                if before.servers != now.servers
                    || before.volumes_per_server != now.volumes_per_server
                    || !grows(&before.volume_size, &now.volume_size) =>
            {
                format!(
                    "would change from {} to {}: refused by `gen --out`, which proposes a pool \
                     to add instead (`miniogen grow`)",
                    before.layout(),
                    now.layout()
                )
            }
            Some(before) if before.volume_size != now.volume_size => format!(
                "volumes grow in place from {} to {}: not automatic, `gen --out` says what to do",
                before.volume_size, now.volume_size
            ),
            Some(_) => {
                // The operator's model says which pod-template fields change
                // (`operator::v6_0_2`, `poolSSMatchesSpec`).
                let restart = verdict
                    .and_then(|v| v.pools.iter().find(|p| p.pool == pool.name && p.restart))
                    .map_or_else(String::new, |p| {
                        let fields: Vec<String> = p
                            .causes
                            .iter()
                            .map(crate::plan::operator::Cause::describe)
                            .collect();
                        format!("; its pods restart ({})", fields.join(", "))
                    });
                format!("kept: {}{restart}", now.layout())
            }
        };
        let _ = writeln!(out, "  {:<20} {line}", pool.name);
    }
    for gone in existing
        .iter()
        .filter(|p| !plan.pools.iter().any(|q| q.name == p.name))
    {
        let _ = writeln!(
            out,
            "  {:<20} leaves the Tenant{}",
            gone.name,
            if plan.retired.contains(&gone.name) {
                " (decommissioned)"
            } else {
                ": refused by `gen --out` until it is decommissioned"
            }
        );
    }
    let before: u128 = existing
        .iter()
        .map(|p| p.usable(parity, plan.erasure.set_drive_count))
        .sum();
    let _ = writeln!(
        out,
        "  {:<20} {} before, {} after",
        "usable",
        quantity::format_bytes(before),
        quantity::format_bytes(plan.capacity.usable_bytes)
    );
    added_notes(&mut out, plan, &added);
    out
}

/// What the operator and MinIO do when pools are added, and what the user may want to run.
fn added_notes(out: &mut String, plan: &Plan, added: &[String]) {
    if !added.is_empty() {
        let tenant = &plan.tenant.name;
        let _ = writeln!(
            out,
            "  {:<20} the operator creates StatefulSet {}, then restarts MinIO on every server so \
             that all of them know the new pool (`restartInitializedPool`): S3 requests fail for \
             the seconds that takes",
            "operator",
            added
                .iter()
                .map(|p| format!("`{tenant}-{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            out,
            "  {:<20} MinIO does not move existing objects to a new pool: it writes each new \
             object to a pool chosen by free space, so the new pool takes most writes and the \
             old objects stay where they are. `mc admin rebalance start myminio/` moves objects \
             until every pool is about equally full, in the background (`mc admin rebalance \
             status myminio/`); run it when the old pools are nearly full or carry most of the \
             reads, at a quiet time: it reads and rewrites data",
            "rebalance"
        );
    }
}

/// Whether a volume size stays or grows, compared as quantities as the operator does.
fn grows(old: &str, new: &str) -> bool {
    match (quantity::bytes(old), quantity::bytes(new)) {
        (Ok(a), Ok(b)) => b >= a,
        _ => old == new,
    }
}

/// The `plan` lines for pools the site file marks decommissioned: what the operator deletes
/// when the Tenant without them is applied (`checkForPoolDecommission` in
/// `pkg/controller/decomission.go`).
#[must_use]
pub fn retired_lines(plan: &Plan) -> String {
    let mut out = String::new();
    let tenant = &plan.tenant.name;
    let ns = &plan.namespace;
    for pool in &plan.retired {
        let _ = writeln!(out, "\npool {pool} (decommissioned: not in the Tenant)");
        let _ = writeln!(
            out,
            "  operator deletes     StatefulSet `{tenant}-{pool}` and its pods, after restarting MinIO \
             through a pool that stays so that no server still names it; every PodDisruptionBudget \
             it made for the tenant, which it makes again for the pools that stay"
        );
        let _ = writeln!(
            out,
            "  no longer rendered   its objects in the output (such as its PodDisruptionBudget): \
             `gen --out` removes their files, and Flux or Argo CD with `prune: true` delete them"
        );
        let _ = writeln!(
            out,
            "  left for you         its PersistentVolumeClaims, which hold nothing MinIO needs once \
             the decommission is `Complete`: `kubectl -n {ns} delete pvc -l \
             v1.min.io/tenant={tenant},v1.min.io/pool={pool}`"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan_for(tier: usize, site: &str) -> Plan {
        let inputs = crate::check::decode::Inputs::for_test(tier, Some(site), &[]);
        crate::app::pipeline::checked_plan(&inputs)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .0
    }

    fn sizing(tier: usize) -> Sizing {
        let doc = crate::input::load::builtin_document(crate::input::load::BUILTINS[tier])
            .unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_value::<crate::model::spec::Profile>(doc.value)
            .unwrap_or_else(|e| panic!("{e}"))
            .sizing
    }

    fn pool0(size: &str) -> Existing {
        Existing {
            name: "pool-0".into(),
            servers: 4,
            volumes_per_server: 2,
            volume_size: size.into(),
            set_size: Some(8),
        }
    }

    /// 5000 to 10000: the tier has 4000Gi usable in quorum-safe sets of 8 (4 data + 4 parity);
    /// 2000Gi kept, 2000Gi missing, 8 data drives of the tier's 8 x 2 layout: 250Gi each.
    #[test]
    fn the_new_pool_makes_up_the_tiers_usable_capacity() {
        let plan = plan_for(3, "");
        let growth = propose(
            &[pool0("500Gi")],
            &plan,
            &sizing(3),
            &SitePools::default(),
            None,
        )
        .unwrap_or_else(|| panic!("no growth"));
        let added = growth.added.clone().unwrap_or_else(|| panic!("no pool"));
        assert_eq!(
            (added.name.as_str(), added.servers, added.volumes_per_server),
            ("pool-1", 8, 2)
        );
        assert_eq!(added.volume_size, "250Gi");
        assert_eq!(growth.before, 2000 << 30);
        assert_eq!(growth.target, 4000 << 30);
        assert_eq!(growth.after, (2000 + 250 * 8) << 30);
        assert!(!growth.keep_largest);
    }

    /// A first pool written before miniogen made sets quorum-safe holds MinIO's own sets (16 for
    /// 8 x 2); growing it to 20000 keeps them, as one set size serves every pool.
    #[test]
    fn drives_formatted_with_larger_sets_keep_them() {
        let plan = plan_for(4, "");
        let first = Existing {
            name: "pool-0".into(),
            servers: 8,
            volumes_per_server: 2,
            volume_size: "500Gi".into(),
            set_size: Some(16),
        };
        let growth = propose(&[first], &plan, &sizing(4), &SitePools::default(), None)
            .unwrap_or_else(|| panic!("no growth"));
        assert!(growth.keep_largest);
        assert_eq!(growth.set_size, None);
        assert!(
            growth.toml().contains("erasure_sets = \"largest\""),
            "{}",
            growth.toml()
        );
        // 16-drive sets, 12 data + 4 parity: 6000Gi kept of the tier's 12000Gi.
        assert_eq!(growth.before, 6000 << 30);
        assert_eq!(growth.target, 12000 << 30);
    }

    /// A decommissioned `pool-1` in the site file takes its name for good; a first pool that
    /// already holds the tier's capacity gets no company.
    #[test]
    fn retired_names_stay_taken_and_enough_is_enough() {
        let site = "[[pools]]\nname = \"pool-1\"\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"1Ti\"\ndecommissioned = true\n";
        let plan = plan_for(4, site);
        assert_eq!(plan.retired, ["pool-1"]);
        assert_eq!(plan.pools.len(), 1);
        let taken = SitePools {
            names: vec!["pool-1".into()],
            inherited: Vec::new(),
        };
        let growth = propose(&[pool0("500Gi")], &plan, &sizing(4), &taken, None)
            .unwrap_or_else(|| panic!("no growth"));
        assert_eq!(growth.added.map(|p| p.name), Some("pool-2".to_string()));
        let big = propose(&[pool0("4Ti")], &plan, &sizing(4), &taken, None)
            .unwrap_or_else(|| panic!("no growth"));
        assert!(big.added.is_none(), "{big:?}");
        assert!(
            big.toml().starts_with(
                "[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"4Ti\"\n"
            )
        );
    }

    #[test]
    fn names_never_fill_a_gap() {
        assert_eq!(next_name(&["pool-0"]), "pool-1");
        assert_eq!(next_name(&["pool-0", "pool-2"]), "pool-3");
        assert_eq!(next_name(&["data"]), "pool-1");
        assert_eq!(next_name(&["pool-1", "data"]), "pool-2");
    }

    /// The endpoint string of `MinIOHosts` and `VolumePathForPool` at v6.0.2.
    #[test]
    fn endpoints_use_the_operators_hostnames_and_minios_ellipses() {
        let tenant = json!({"metadata": {"name": "matrix-minio", "namespace": "matrix"},
            "spec": {"requestAutoCert": true, "mountPath": "/export"}});
        let pool = |servers, volumes| Existing {
            name: "pool-1".into(),
            servers,
            volumes_per_server: volumes,
            volume_size: "500Gi".into(),
            set_size: None,
        };
        assert_eq!(
            pool_endpoint(&tenant, &pool(4, 2)),
            "https://matrix-minio-pool-1-{0...3}.matrix-minio-hl.matrix.svc.cluster.local/export{0...1}"
        );
        let plain = json!({"metadata": {"name": "t", "namespace": "n"},
            "spec": {"requestAutoCert": false, "mountPath": "/export"}});
        assert_eq!(
            pool_endpoint(&plain, &pool(1, 1)),
            "http://t-pool-1-0.t-hl.n.svc.cluster.local/export"
        );
    }

    #[test]
    fn growth_goes_into_the_environment_and_keeps_comments() {
        let growth = Growth {
            env: Some("production".into()),
            first: Existing {
                name: "pool-0".into(),
                servers: 4,
                volumes_per_server: 2,
                volume_size: "500Gi".into(),
                set_size: Some(8),
            },
            copied: Vec::new(),
            added: Some(ExtraPool {
                name: "pool-1".into(),
                servers: 8,
                volumes_per_server: 2,
                volume_size: "334Gi".into(),
                storage_class: None,
                decommissioned: false,
            }),
            before: 0,
            after: 0,
            target: 0,
            tier_ccu: 10000,
            set_size: Some(8),
            keep_largest: false,
        };
        let mut doc: DocumentMut = "# mine\n[environments.production]\nccu = 5000 # was\n"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        growth
            .write_into(&mut doc, Some(10000))
            .unwrap_or_else(|e| panic!("{e}"));
        let text = doc.to_string();
        assert_eq!(
            text,
            "# mine\n[environments.production]\nccu = 10000 # was\n\n\
             [environments.production.sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"500Gi\"\n\n\
             [[environments.production.pools]]\nname = \"pool-1\"\nservers = 8\nvolumes_per_server = 2\nvolume_size = \"334Gi\"\n"
        );
        assert!(text.ends_with(&growth.toml()[growth.toml().find("[[").unwrap_or(0)..]));
        let mut inline: DocumentMut = "environments = { production = { ccu = 5000 } }\n"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        growth
            .write_into(&mut inline, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let value: toml::Table =
            toml::from_str(&inline.to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            value["environments"]["production"]["pools"][0]["name"].as_str(),
            Some("pool-1")
        );
    }
}
