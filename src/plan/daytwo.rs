//! Day two: growing, expanding and retiring pools the way MinIO Operator v6.0.2 allows.
//!
//! Owns what `gen --out`, `check`, `plan --out` and `grow` say when a render meets the pools
//! an output folder (or the site file) already has: which changes the operator can apply
//! (`transition` finds them), the pool to add so that usable capacity reaches a tier's, the
//! TOML that pins the existing pools and adds it, that TOML written into the site file with
//! the user's comments and layout kept (`siteedit` decides where each value lands), and what a
//! pool needs before it may leave: the `mc admin decommission` commands, and the capacity that
//! stays against the pool's and the tier's. Every message names the environment and the
//! folder. No IO: `commands` reads the folder, `output::site` writes the site file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;
use toml_edit::{DocumentMut, InlineTable, Item, Table, TableLike};

use crate::model::diag::Diagnostic;
use crate::model::quantity;
use crate::model::spec::{ErasureSets, ExtraPool, ResourceList, Resources, Sizing};
use crate::plan::Plan;
use crate::plan::erasure::Layout;
use crate::plan::siteedit::Edit;
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
    /// The image the running Tenant has, pinned as `tenant.image` where the render would
    /// change it: a new pool must run the image the others run (the operator stops at
    /// "Different versions across MinIO Pools" otherwise), and an upgrade is a step of its own.
    pub image: Option<Pin<String>>,
    /// The first pool's resources as the running Tenant has them, pinned under `[sizing]`
    /// where the render would change them and the site file does not set them: a roll of the
    /// existing pods is a step of its own. Pools added take the first pool's resources.
    pub resources: Option<Pin<Resources>>,
    /// The new pool is written `planned = true`: the first of two steps, since it needs another
    /// `config.env` (such as `MINIO_ERASURE_SET_DRIVE_COUNT`), which every server must take at
    /// once before the pool's drives are formatted with it.
    pub planned: bool,
    /// Settings that keep `config.env` as the cluster has it, in a step that restarts MinIO
    /// (`catch_up`): a configuration change goes in a step of its own.
    pub config: Vec<ConfigPin>,
    /// Buckets the running Tenant holds without object lock where the render would claim one,
    /// kept `object_lock = false`: MinIO locks a bucket only when it creates it, so the render
    /// may not claim a lock, and the migration to a new, locked bucket is a step of its own.
    pub unlocked: Vec<String>,
    /// Every bucket the render lists, written as the site file's list when it has none (a
    /// `[[buckets]]` list replaces the defaults).
    pub buckets: Vec<String>,
    /// The step `grow` writes first, over a folder that is not what the site file renders
    /// today: it only brings the folder current, and the growth comes when `grow` runs again
    /// (`app::grow::catch_up`). What the refusal's help shows, since it is what `grow` writes.
    pub catch_up_first: Option<Box<Growth>>,
}

/// What the site file sets itself for an environment, which `grow` keeps as it is.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    /// The first pool's resources.
    pub resources: bool,
    /// The buckets whose `object_lock` it sets.
    pub locks: Vec<String>,
}

/// A site-file setting that keeps one `config.env` variable as the cluster has it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigPin {
    /// The variable.
    pub variable: String,
    /// The site file's table (`sizing`, `tenant`, ...), in the environment's scope or the root.
    pub table: &'static str,
    /// The key in that table.
    pub key: &'static str,
    /// The value that renders the variable as the cluster has it.
    pub value: PinValue,
}

/// A pinned setting's value.
#[derive(Debug, Clone, PartialEq)]
pub enum PinValue {
    /// A number.
    Number(u32),
    /// A string.
    Text(String),
}

impl PinValue {
    fn toml(&self) -> toml_edit::Value {
        match self {
            PinValue::Number(n) => i64::from(*n).into(),
            PinValue::Text(t) => t.as_str().into(),
        }
    }
}

/// The site-file settings that render `config.env` as the cluster has it (`old`) where the
/// render (`new`) changes it, and the variables no setting of the site file keeps (a credential,
/// or a variable the render adds for a pool, such as `MINIO_ERASURE_SET_DRIVE_COUNT`). Each
/// variable comes from one setting (`plan::config_env`).
#[must_use]
pub fn config_pins(
    old: &crate::plan::operator::ConfigEnv,
    new: &crate::plan::operator::ConfigEnv,
) -> (Vec<ConfigPin>, Vec<String>) {
    let mut pins = Vec::new();
    let mut unpinned = Vec::new();
    let names: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for name in names {
        let (was, now) = (old.get(name), new.get(name));
        if was == now {
            continue;
        }
        let pin = |table, key, value| ConfigPin {
            variable: name.clone(),
            table,
            key,
            value,
        };
        // A credential's value names the store entry it reads (`transition::config_env`).
        let literal = was.map(String::as_str).filter(|v| !v.contains("<store "));
        let found = match (name.as_str(), literal) {
            ("MINIO_API_REQUESTS_MAX", Some(v)) => v
                .parse()
                .ok()
                .map(|n| pin("sizing", "api_requests_max", PinValue::Number(n))),
            ("MINIO_STORAGE_CLASS_STANDARD", Some(v)) => v
                .strip_prefix("EC:")
                .and_then(|n| n.parse().ok())
                .map(|n| pin("sizing", "parity", PinValue::Number(n))),
            ("MINIO_ROOT_USER", Some(v)) => {
                Some(pin("tenant", "root_user", PinValue::Text(v.to_string())))
            }
            ("MINIO_PROMETHEUS_AUTH_TYPE", Some("public")) => {
                Some(pin("prometheus", "auth", PinValue::Text("public".into())))
            }
            ("MINIO_AUDIT_WEBHOOK_ENDPOINT_miniogen", Some(v)) => Some(pin(
                "audit",
                "webhook_endpoint",
                PinValue::Text(v.to_string()),
            )),
            // Written with the endpoint, and pinned with it.
            ("MINIO_AUDIT_WEBHOOK_ENABLE_miniogen", Some(_))
                if old.contains_key("MINIO_AUDIT_WEBHOOK_ENDPOINT_miniogen") =>
            {
                continue;
            }
            _ => None,
        };
        match found {
            Some(pin) => pins.push(pin),
            None => unpinned.push(name.clone()),
        }
    }
    (pins, unpinned)
}

/// How to take the first of the steps a configuration change together with a roll or restart
/// must be split into (`operator` orders them): the settings that keep `config.env` as the
/// cluster has it (`old`) for that step, as TOML, and the variables no setting keeps.
#[must_use]
pub fn keep_configuration(
    env: Option<&str>,
    old: &crate::plan::operator::ConfigEnv,
    new: &crate::plan::operator::ConfigEnv,
) -> Option<String> {
    let (pins, unpinned) = config_pins(old, new);
    if pins.is_empty() && unpinned.is_empty() {
        return None;
    }
    let mut help = String::new();
    if !pins.is_empty() {
        let _ = write!(
            help,
            "for step 1, these settings in the site file keep `config.env` as the cluster has \
             it (merge them into its tables); take them out again for step 2:\n\n{}",
            indent(&config_pins_toml(&pins, env))
        );
    }
    if !unpinned.is_empty() {
        if !help.is_empty() {
            help.push_str("\n\n");
        }
        let _ = write!(
            help,
            "no setting of the site file keeps {} as the cluster has it: for step 1, put back \
             what changed it (a new pool's set size goes with the pool; a credential stays as \
             the store has it)",
            unpinned
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Some(help)
}

/// The pins as TOML for the site file, table by table, in `env`'s scope.
#[must_use]
pub fn config_pins_toml(pins: &[ConfigPin], env: Option<&str>) -> String {
    let prefix = env
        .map(|e| format!("environments.{e}."))
        .unwrap_or_default();
    let mut tables: BTreeMap<&str, Vec<&ConfigPin>> = BTreeMap::new();
    for pin in pins {
        tables.entry(pin.table).or_default().push(pin);
    }
    let mut out = String::new();
    for (table, pins) in tables {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "[{prefix}{table}]");
        for pin in pins {
            let _ = writeln!(out, "{} = {}", pin.key, pin.value.toml());
        }
    }
    out
}

/// A value kept as the running tenant has it, and what the render would have made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin<T> {
    /// As it runs, and as the site file now pins it.
    pub kept: T,
    /// What the render would have given.
    pub instead: T,
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
    // The site's other pools, as the render keeps them.
    let others: Vec<Existing> = Existing::from_plan(plan).split_off(1);
    // The set size the written render forces: the one its pools need to stay quorum-safe under
    // the operator's budgets (`plan::quorum_safe_set_size`), the new pool's included, since
    // MinIO applies one size to every pool.
    let largest = plan.erasure.choice == ErasureSets::Largest;
    let forced = |with_new: bool| {
        let mut shapes: Vec<(u32, u32)> = std::iter::once(&first)
            .chain(&others)
            .map(|p| (p.servers, p.volumes_per_server))
            .collect();
        if with_new {
            shapes.push((tier.servers, tier.volumes_per_server));
        }
        (!largest)
            .then(|| crate::plan::quorum_safe_set_size(&shapes, parity))
            .flatten()
    };
    let own = crate::plan::erasure::set_size(first.servers, first.volumes_per_server).ok();
    let keep_largest = forced(true)
        .is_some_and(|forced| first.set_size.is_some_and(|formatted| formatted != forced))
        && first.set_size == own;
    let set_for = |with_new: bool| if keep_largest { None } else { forced(with_new) };
    // The tier as `miniogen profiles` shows it: its pool alone, in the sets in force.
    let target = tier_usable(
        tier,
        (!largest && !keep_largest)
            .then(|| {
                crate::plan::quorum_safe_set_size(
                    &[(tier.servers, tier.volumes_per_server)],
                    parity,
                )
            })
            .flatten(),
    );
    let kept_with = |set: Option<u32>| {
        first.usable(parity, set) + others.iter().map(|p| p.usable(parity, set)).sum::<u128>()
    };
    let with_pool = set_for(true);
    let mut taken: Vec<&str> = existing.iter().map(|p| p.name.as_str()).collect();
    taken.extend(plan.pools.iter().map(|p| p.name.as_str()));
    taken.extend(site.names.iter().map(String::as_str));
    let added = (target > kept_with(with_pool))
        .then(|| {
            new_pool(
                tier,
                (parity, with_pool),
                target - kept_with(with_pool),
                next_name(&taken),
            )
        })
        .flatten();
    let set_size = if added.is_some() {
        with_pool
    } else {
        set_for(false)
    };
    // What the pools hold now, each in the sets its drives are formatted with.
    let before: u128 = existing.iter().map(|p| p.usable(parity, p.set_size)).sum();
    let after = kept_with(set_size)
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
        image: None,
        resources: None,
        planned: false,
        config: Vec::new(),
        unlocked: Vec::new(),
        buckets: Vec::new(),
        catch_up_first: None,
    })
}

/// A pool of the tier's shape, named `name`, whose volumes make up `missing` usable bytes with
/// `parity` in sets of `set_size` (MinIO's own when `None`), rounded up to whole GiB.
fn new_pool(
    tier: &Sizing,
    (parity, set_size): (u32, Option<u32>),
    missing: u128,
    name: String,
) -> Option<ExtraPool> {
    let layout = match set_size {
        Some(set) => Layout::with_set_size(tier.servers, tier.volumes_per_server, parity, set),
        None => Layout::new(tier.servers, tier.volumes_per_server, parity),
    }
    .ok()?;
    let data_drives = u128::from(layout.sets * layout.data);
    let per_drive = missing.div_ceil(data_drives).div_ceil(1u128 << 30);
    Some(ExtraPool {
        name,
        servers: tier.servers,
        volumes_per_server: tier.volumes_per_server,
        volume_size: format!("{per_drive}Gi"),
        storage_class: None,
        decommissioned: false,
        planned: false,
    })
}

/// The resources of a Tenant's pool entry, when they are the requests and limits of CPU and
/// memory miniogen writes.
fn resources_of(pool: &Value) -> Option<Resources> {
    let list = |which: &str| {
        Some(ResourceList {
            cpu: pool
                .pointer(&format!("/resources/{which}/cpu"))?
                .as_str()?
                .to_string(),
            memory: pool
                .pointer(&format!("/resources/{which}/memory"))?
                .as_str()?
                .to_string(),
        })
    };
    Some(Resources {
        requests: list("requests")?,
        limits: list("limits")?,
    })
}

impl Growth {
    /// Keeps what the running Tenant (`folder`) has where the render (`plan`) would change it
    /// along with the new pool: the image, the first pool's resources and the buckets without
    /// a lock, unless the site file sets them itself (`asked`). Each is a step of its own.
    pub fn pin_running(&mut self, folder: &Value, plan: &Plan, asked: &Asked) {
        let running = folder
            .pointer("/spec/image")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !running.is_empty() && running != plan.tenant.image {
            self.image = Some(Pin {
                kept: running.to_string(),
                instead: plan.tenant.image.clone(),
            });
        }
        let first = transition::pools(folder)
            .into_iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(self.first.name.as_str()));
        let rendered = plan.pools.first().map(|p| Resources {
            requests: p.resources.requests.clone(),
            limits: p.resources.limits.clone(),
        });
        if !asked.resources
            && let (Some(kept), Some(instead)) = (first.and_then(resources_of), rendered)
            && kept != instead
        {
            self.resources = Some(Pin { kept, instead });
        }
        let exists_unlocked = |name: &str| {
            folder
                .pointer("/spec/buckets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|b| b["name"] == name && b.get("objectLock") != Some(&Value::Bool(true)))
        };
        self.unlocked = plan
            .buckets
            .iter()
            .filter(|b| b.object_lock && exists_unlocked(&b.name) && !asked.locks.contains(&b.name))
            .map(|b| b.name.clone())
            .collect();
        self.buckets = plan.buckets.iter().map(|b| b.name.clone()).collect();
    }

    /// Makes this the first of two steps: the new pool is written `planned = true`, so that
    /// the render changes only the configuration it needs.
    pub fn plan_only(&mut self) {
        if let Some(added) = &mut self.added {
            added.planned = true;
            self.planned = true;
        }
    }

    /// Sets `tenant.image` and `[sizing] resources` in the edited scope (the environment's or
    /// the root) to the pinned values.
    fn write_pins(&self, edit: &mut Edit<'_>) -> Result<(), String> {
        if let Some(pin) = &self.image {
            edit.set(
                &["tenant"],
                "image",
                toml_edit::Value::from(pin.kept.as_str()),
            )?;
        }
        if let Some(pin) = &self.resources {
            edit.set(&["sizing"], "resources", resources_inline(&pin.kept).into())?;
        }
        for pin in &self.config {
            edit.set(&[pin.table], pin.key, pin.value.toml())?;
        }
        Ok(())
    }
}

fn resources_inline(resources: &Resources) -> InlineTable {
    let list = |l: &ResourceList| {
        let mut t = InlineTable::new();
        t.insert("cpu", l.cpu.as_str().into());
        t.insert("memory", l.memory.as_str().into());
        t
    };
    let mut t = InlineTable::new();
    t.insert("requests", list(&resources.requests).into());
    t.insert("limits", list(&resources.limits).into());
    t
}

/// A pool besides the first (`first`, `[sizing]`'s) that exists and that the site file no longer
/// lists would leave the Tenant: growing must not hide that.
#[must_use]
pub fn unlisted(
    scope: Scope<'_>,
    existing: &[Existing],
    site: &SitePools,
    first: &str,
) -> Option<Diagnostic> {
    let lost: Vec<&str> = existing
        .iter()
        .map(|p| p.name.as_str())
        .filter(|name| *name != first && !site.names.iter().any(|n| n == name))
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

/// `grow` keeps the first pool under `[sizing]`: with that pool retired there is none to keep,
/// and the next pool is the user's to add.
#[must_use]
pub fn first_retired(scope: Scope<'_>, first: &str, site: &SitePools) -> Diagnostic {
    let mut taken: Vec<&str> = site.names.iter().map(String::as_str).collect();
    taken.push(first);
    Diagnostic::error(format!(
        "{scope}: the first pool `{first}` is retired (`decommissioned = true` under `[sizing]`), \
         and `miniogen grow` keeps the first pool under `[sizing]`"
    ))
    .help(format!(
        "add the next pool by hand: a `[[pools]]` entry named `{}` with the tier's servers and \
         volumes per server (`miniogen profiles` shows them) and a volume size that brings usable \
         capacity to the tier's",
        next_name(&taken)
    ))
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
        if let Some(pin) = &self.resources {
            let _ = writeln!(out, "resources = {}", resources_inline(&pin.kept));
        }
        let pins = |out: &mut String, table: &str| {
            for pin in self.config.iter().filter(|p| p.table == table) {
                let _ = writeln!(out, "{} = {}", pin.key, pin.value.toml().to_string().trim());
            }
        };
        pins(&mut out, "sizing");
        if self.keep_largest
            || self.image.is_some()
            || self.config.iter().any(|p| p.table == "tenant")
        {
            let _ = write!(out, "\n[{prefix}tenant]\n");
        }
        if let Some(pin) = &self.image {
            let _ = writeln!(out, "image = {}", toml_string(&pin.kept));
        }
        pins(&mut out, "tenant");
        if self.keep_largest {
            let _ = write!(
                out,
                "# the drives of `{}` hold MinIO's own sets of {}; one set size serves every pool\nerasure_sets = \"largest\"\n",
                self.first.name,
                self.first.set_size.unwrap_or_default()
            );
        }
        let mut others: Vec<&str> = self
            .config
            .iter()
            .map(|p| p.table)
            .filter(|t| !matches!(*t, "sizing" | "tenant"))
            .collect();
        others.sort_unstable();
        others.dedup();
        for table in others {
            let _ = write!(out, "\n[{prefix}{table}]\n");
            pins(&mut out, table);
        }
        if let Some(added) = &self.added {
            for pool in self.copied.iter().chain(std::iter::once(added)) {
                let _ = write!(out, "\n[[{prefix}pools]]\n");
                for (key, value) in pool_entries(pool) {
                    let _ = writeln!(out, "{key} = {value}");
                }
            }
            if added.planned {
                out.push_str(
                    "# planned: this step changes only `config.env`, for the pool; once it is \
                     applied and every\n# server restarted, `miniogen grow` again adds the pool\n",
                );
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
        lines.extend(self.steps_left());
        lines
    }

    /// What this step leaves for later steps, each applied alone.
    #[must_use]
    pub fn steps_left(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let (true, Some(p)) = (self.planned, &self.added) {
            lines.push(format!(
                "pool `{}` is only planned (`planned = true`): this step changes `config.env` \
                 alone, for the pool; apply it and restart every server at once as `miniogen \
                 check` says, then run `miniogen grow` again, which adds the pool",
                p.name
            ));
        }
        if let Some(pin) = &self.image {
            lines.push(format!(
                "`tenant.image` kept at `{}`, which the tenant runs: a new pool must run the \
                 others' image; move to `{}` in a later step of its own",
                pin.kept, pin.instead
            ));
        }
        if let Some(pin) = &self.resources {
            lines.push(format!(
                "the resources of `{}` kept as they run ({}), and the new pool takes them too; \
                 the tier asks for {}: raise them in a later step of its own (it rolls the pods)",
                self.first.name,
                resources_text(&pin.kept),
                resources_text(&pin.instead)
            ));
        }
        for name in &self.unlocked {
            lines.push(format!(
                "bucket `{name}` kept without object lock (`object_lock = false`), as it exists: \
                 MinIO locks a bucket only when it creates it; moving to a new, locked bucket is \
                 a step of its own, which `miniogen check` gives without that line"
            ));
        }
        for pin in &self.config {
            lines.push(format!(
                "`{}.{} = {}` keeps `{}` as the cluster has it: change it later in a step of its \
                 own, a configuration change (every server restarted at once)",
                pin.table,
                pin.key,
                pin.value.toml(),
                pin.variable
            ));
        }
        lines
    }

    /// The step that brings a folder current before this growth: the pins as they are, without
    /// the new pool, with `config.env` kept as the cluster has it by `config`.
    #[must_use]
    pub fn catch_up(&self, config: Vec<ConfigPin>) -> Growth {
        Growth {
            added: None,
            copied: Vec::new(),
            planned: false,
            config,
            catch_up_first: None,
            ..self.clone()
        }
    }

    /// Writes the growth into a site file: `ccu` (when given), the pins and the new pool, in
    /// the environment's table when there is one. Comments, order and layout stay as they are,
    /// and each value lands where a person would write it (`siteedit`).
    pub fn write_into(&self, doc: &mut DocumentMut, ccu: Option<u32>) -> Result<(), String> {
        let scope: Vec<&str> = match &self.env {
            Some(env) => vec!["environments", env.as_str()],
            None => Vec::new(),
        };
        let mut edit = Edit::new(doc, &scope)?;
        if let Some(ccu) = ccu {
            edit.set(&[], "ccu", toml_edit::Value::from(i64::from(ccu)))?;
        }
        if self.keep_largest {
            edit.set(
                &["tenant"],
                "erasure_sets",
                toml_edit::Value::from("largest"),
            )?;
        }
        edit.set(
            &["sizing"],
            "servers",
            toml_edit::Value::from(i64::from(self.first.servers)),
        )?;
        edit.set(
            &["sizing"],
            "volumes_per_server",
            toml_edit::Value::from(i64::from(self.first.volumes_per_server)),
        )?;
        edit.set(
            &["sizing"],
            "volume_size",
            toml_edit::Value::from(self.first.volume_size.as_str()),
        )?;
        self.write_pins(&mut edit)?;
        if let Some(added) = &self.added {
            // `copied` holds the shared pools when the environment has no list of its own,
            // which replaces the shared one: they come first.
            edit.append(
                "pools",
                self.copied
                    .iter()
                    .chain(std::iter::once(added))
                    .map(pool_table)
                    .collect(),
            )?;
        }
        self.write_locks(doc, &scope)
    }
}

impl Growth {
    /// Writes `object_lock = false` for the buckets kept unlocked, with a comment that names the
    /// migration: in the scope's own `[[buckets]]` list; else in a list of its own, copied from
    /// the shared one an environment inherits (its own list replaces the shared one), or naming
    /// every bucket the render lists.
    fn write_locks(&self, doc: &mut DocumentMut, scope: &[&str]) -> Result<(), String> {
        if self.unlocked.is_empty() {
            return Ok(());
        }
        let comment = |name: &str| {
            format!(
                "# `{name}` exists without object lock, which MinIO sets only when it creates\n\
                 # a bucket: it stays unlocked. Without this line `miniogen check` refuses the\n\
                 # render and gives the migration to a new, locked bucket.\n"
            )
        };
        // An inline table holds no comment in TOML 1.0 (Python's `tomllib`, taplo and many
        // editors refuse one), so an inline entry gets the setting alone; `check` says why.
        let pin = |entry: &mut dyn TableLike, commented: bool| {
            let name = entry
                .get("name")
                .and_then(Item::as_str)
                .unwrap_or_default()
                .to_string();
            if self.unlocked.contains(&name) && entry.get("object_lock").is_none() {
                entry.insert("object_lock", Item::Value(false.into()));
                if commented && let Some(mut key) = entry.key_mut("object_lock") {
                    key.leaf_decor_mut().set_prefix(comment(&name));
                }
            }
        };
        let mut table: &mut dyn TableLike = doc.as_table_mut();
        for key in scope {
            table = table
                .get_mut(key)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| "the site file has no table for the environment".to_string())?;
        }
        match table.get_mut("buckets") {
            Some(Item::ArrayOfTables(list)) => {
                for entry in list.iter_mut() {
                    pin(entry, true);
                }
                return Ok(());
            }
            Some(Item::Value(toml_edit::Value::Array(list))) => {
                for entry in list.iter_mut() {
                    if let Some(entry) = entry.as_inline_table_mut() {
                        pin(entry, false);
                    }
                }
                return Ok(());
            }
            Some(Item::None) | None => {}
            Some(_) => return Err("`buckets` in the site file is not a list of tables".into()),
        }
        let shared: Vec<Table> = match doc.get("buckets") {
            Some(Item::ArrayOfTables(list)) if !scope.is_empty() => list.iter().cloned().collect(),
            Some(Item::Value(toml_edit::Value::Array(list))) if !scope.is_empty() => list
                .iter()
                .filter_map(toml_edit::Value::as_inline_table)
                .map(|t| t.clone().into_table())
                .collect(),
            _ => self
                .buckets
                .iter()
                .map(|name| {
                    let mut t = Table::new();
                    t.insert("name", Item::Value(name.as_str().into()));
                    t
                })
                .collect(),
        };
        let mut tables = shared;
        for table in &mut tables {
            table.decor_mut().clear();
            pin(table, true);
        }
        Edit::new(doc, scope)?.append("buckets", tables)
    }
}

/// The second step of a growth: removes `planned = true` from the `[[pools]]` entries named
/// `names` of environment `env` (or of the root), so that the next render adds those pools.
/// Returns the names it changed.
pub fn unplan(
    doc: &mut DocumentMut,
    env: Option<&str>,
    names: &[String],
) -> Result<Vec<String>, String> {
    // The environment's own list, or the shared one it inherits.
    let own = env.is_some_and(|env| {
        doc.get("environments")
            .and_then(|e| e.get(env))
            .and_then(|t| t.get("pools"))
            .is_some()
    });
    let root = doc.as_item_mut();
    let table = match env {
        Some(env) if own => root
            .get_mut("environments")
            .and_then(|e| e.get_mut(env))
            .and_then(Item::as_table_like_mut),
        _ => root.as_table_like_mut(),
    }
    .ok_or_else(|| "the site file has no table for the environment".to_string())?;
    let mut done = Vec::new();
    let mut unplan_one = |pool: &mut dyn TableLike| {
        let name = pool
            .get("name")
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_string();
        if names.contains(&name) && pool.remove("planned").is_some() {
            done.push(name);
        }
    };
    match table.get_mut("pools") {
        Some(Item::ArrayOfTables(pools)) => {
            for pool in pools.iter_mut() {
                unplan_one(pool);
            }
        }
        Some(Item::Value(toml_edit::Value::Array(pools))) => {
            for pool in pools.iter_mut() {
                if let Some(pool) = pool.as_inline_table_mut() {
                    unplan_one(pool);
                }
            }
        }
        _ => return Err("`pools` in the site file is not a list of tables".to_string()),
    }
    Ok(done)
}

pub(crate) fn toml_string(s: &str) -> String {
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
    if pool.planned {
        entries.push(("planned", true.into()));
    }
    entries
}

fn resources_text(r: &Resources) -> String {
    format!(
        "requests cpu {}, memory {}; limits cpu {}, memory {}",
        r.requests.cpu, r.requests.memory, r.limits.cpu, r.limits.memory
    )
}

fn pool_table(pool: &ExtraPool) -> Table {
    let mut table = Table::new();
    for (key, value) in pool_entries(pool) {
        table.insert(key, Item::Value(value));
    }
    table
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

/// What the user runs, with `mc`, before a pool may leave the site file; `first` when the pool
/// is the first one (`[sizing]`), whose mark goes there.
#[must_use]
pub fn decommission_help(tenant: &Value, pool: &Existing, first: bool) -> String {
    let endpoint = pool_endpoint(tenant, pool);
    let (keep, mark) = if first {
        (
            "keep `[sizing]` as it is, with `tenant.pool_name` naming the pool,",
            "set `decommissioned = true` under `[sizing]`",
        )
    } else {
        (
            "keep its `[[pools]]` entry",
            "mark the entry `decommissioned = true`",
        )
    };
    format!(
        "{keep} and drain it first: `mc admin decommission start myminio/ {endpoint}`, then \
         `mc admin decommission status myminio/ {endpoint}` until it says `Complete` (`myminio` \
         is your `mc alias` for the tenant); then {mark}, and the render leaves the pool out"
    )
}

/// The usable capacity a retirement leaves, against the pool's and the tier's.
#[derive(Debug, Clone, Copy)]
pub struct Room {
    /// Usable bytes of the pools the render keeps.
    pub left: u128,
    /// The CCU tier and its usable bytes, when known.
    pub tier: Option<(u32, u128)>,
    /// The parity every pool is formatted with.
    pub parity: u32,
}

impl Room {
    /// What a pool about to be drained holds against the room `staying` (the other pools that
    /// exist, usable bytes) have, and how to check that its objects fit. Said, not enforced:
    /// what counts is what the pool holds,
    /// which only MinIO knows. MinIO starts a decommission without comparing it with the other
    /// pools' free space (`StartDecommission` in `cmd/erasure-server-pool-decom.go` records the
    /// pool's size and checks nothing) and marks it failed when an object cannot move
    /// (`decommissionInBackground`), leaving the data split between the pools.
    #[must_use]
    pub fn before_draining(&self, pool: &Existing, staying: u128) -> String {
        let own = pool.usable(self.parity, pool.set_size);
        let mut out = format!(
            "before you start, make sure its objects fit: the pools that stay have {} usable in \
             all, pool `{}` {}",
            quantity::format_bytes(staying),
            pool.name,
            quantity::format_bytes(own)
        );
        if staying < own {
            out.push_str(", so they are smaller than the pool they take in");
        }
        if let Some(short) = (Self {
            left: staying,
            ..*self
        })
        .short_of_tier()
        {
            let _ = write!(out, "; {short}");
        }
        out.push_str(
            ". `mc admin decommission status myminio/` lists each pool's used and total \
             capacity, `mc admin info myminio/` the used space of each server's drives and `mc \
             du --depth 1 myminio/` what each bucket holds: the objects on the pool must fit in \
             what the other pools have free, or the decommission fails part-way and leaves the \
             data split",
        );
        out
    }

    /// How the capacity left falls short of the tier's, if it does.
    fn short_of_tier(&self) -> Option<String> {
        let (ccu, target) = self.tier?;
        (self.left < target).then(|| {
            format!(
                "{} usable is less than the {ccu} CCU tier's {} (`miniogen grow --ccu {ccu}` adds \
                 a pool)",
                quantity::format_bytes(self.left),
                quantity::format_bytes(target)
            )
        })
    }
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
/// `first` is the name of the site's first pool (`[sizing]`, `tenant.pool_name`) and whether
/// the render keeps it; `growth` is the proposal for a first pool that would change layout;
/// `suggest` is the `miniogen grow` command line that writes it; `retired` the pools the site
/// file marks decommissioned; `room` the capacity the render keeps.
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn judge(
    scope: Scope<'_>,
    old: &Value,
    new: &Value,
    first: (&str, bool),
    retired: &[String],
    growth: Option<&Growth>,
    suggest: &str,
    room: &Room,
) -> Verdict {
    let (first_name, first_kept) = first;
    // The pool a layout change of which `growth` answers: the first, while the render keeps it.
    let first = if first_kept { first_name } else { "" };
    let mut verdict = Verdict::default();
    let changes = transition::pool_changes(old, new);
    let existing = Existing::from_tenant(old);
    let mut proposed = false;
    for change in &changes {
        let message = format!("{scope}: {change}");
        match change.kind {
            Kind::Removed => removed(
                &mut verdict,
                scope,
                old,
                change,
                &changes,
                &existing,
                message,
                first_name,
                retired,
                room,
            ),
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
                        match &g.catch_up_first {
                            Some(step) => format!(
                                "{lead}: keep pool `{first}` as it is{add}; the folder is not \
                                 what the site file renders today, so `{suggest}` first writes \
                                 this step, which only brings the folder current, and adds the \
                                 pool when run again once that step is applied:\n\n{}{capacity}",
                                indent(&step.toml()),
                            ),
                            None => format!(
                                "{lead}: keep pool `{first}` as it is{add}; `{suggest}` writes \
                                 this into the site file:\n\n{}{capacity}",
                                indent(&g.toml()),
                            ),
                        }
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

/// A pool of the folder's Tenant that the render leaves out: a note (and a warning when the
/// tier is left short) once the site marks it decommissioned, else an error with how to drain
/// it and whether its objects fit in the pools that stay.
#[allow(clippy::too_many_arguments)]
fn removed(
    verdict: &mut Verdict,
    scope: Scope<'_>,
    old: &Value,
    change: &Change,
    changes: &[Change],
    existing: &[Existing],
    message: String,
    first_name: &str,
    retired: &[String],
    room: &Room,
) {
    if retired.contains(&change.pool) {
        let tenant = old
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        verdict.warnings.push(Diagnostic::note(format!(
            "{scope}: pool `{}` leaves the Tenant, marked decommissioned: the operator restarts \
             MinIO on the pools that stay and deletes StatefulSet `{tenant}-{}`, keeping its \
             PersistentVolumeClaims (`checkForPoolDecommission`; `miniogen plan` says how to \
             remove them); it moves no data, which `mc admin decommission` must have moved already",
            change.pool, change.pool
        )));
        if let Some(short) = room.short_of_tier() {
            verdict.warnings.push(Diagnostic::warning(format!(
                "{scope}: without pool `{}`, {short}",
                change.pool
            )));
        }
        return;
    }
    let pool = existing.iter().find(|p| p.name == change.pool);
    // The old Tenant's first pool, gone because `tenant.pool_name` names another.
    let renamed = existing.first().is_some_and(|p| p.name == change.pool)
        && !first_name.is_empty()
        && first_name != change.pool
        && !existing.iter().any(|p| p.name == first_name);
    // What MinIO drains the pool into: the other pools the Tenant has now.
    let staying: u128 = existing
        .iter()
        .filter(|e| {
            !changes
                .iter()
                .any(|c| c.kind == Kind::Removed && c.pool == e.name)
        })
        .map(|e| e.usable(room.parity, e.set_size))
        .sum();
    let help = pool.map_or_else(String::new, |p| {
        let drain = format!(
            "{}; {}",
            decommission_help(old, p, renamed),
            room.before_draining(p, staying)
        );
        if renamed {
            format!(
                "pool `{}` is the first pool, which `[sizing]` describes and `tenant.pool_name` \
                 names, now `{first_name}`: set `tenant.pool_name` back to `{}`. To retire the \
                 pool instead, {drain}",
                change.pool, change.pool
            )
        } else {
            drain
        }
    });
    verdict.errors.push(Diagnostic::error(message).help(help));
}

pub(crate) fn indent(text: &str) -> String {
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
            Some(_) => format!("kept: {}", now.layout()),
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
                " (marked decommissioned)"
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
    added_notes(&mut out, &added);
    if let Some(verdict) = verdict {
        applying(&mut out, verdict);
    }
    out
}

/// Each change of the verdict with its class and what to do, and the order when changes must
/// not go together: what a reviewer needs before applying.
fn applying(out: &mut String, verdict: &crate::plan::operator::Verdict) {
    let _ = writeln!(
        out,
        "\napplying this (MinIO Operator {})",
        verdict.operator_name()
    );
    if verdict.changes.is_empty() {
        let _ = writeln!(out, "  {:<20} no change the operator acts on", "none");
    }
    for change in &verdict.changes {
        let mut line = format!("{}: {}", change.change, change.cause);
        if !change.todo.is_empty() {
            let _ = write!(line, "; to do: {}", change.todo);
        }
        let _ = writeln!(out, "  {:<20} {line}", change.disruption.word());
    }
    for (i, step) in verdict.steps.iter().enumerate() {
        let _ = writeln!(out, "  {:<20} {step}", format!("step {}", i + 1));
    }
}

/// What a new pool means for the data, and what the user may want to run; what the operator
/// does with it is in the verdict.
fn added_notes(out: &mut String, added: &[String]) {
    if !added.is_empty() {
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
        let grow = |plan: &Plan| {
            propose(
                &[pool0("500Gi")],
                plan,
                &sizing(3),
                &SitePools::default(),
                None,
            )
            .unwrap_or_else(|| panic!("no growth"))
        };
        let growth = grow(&plan_for(3, ""));
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
        // The first pool written down as `init` does: the render alone needs no forced set
        // size, but the grown one does (8 x 2 would make sets of 16), and the sizes follow it.
        let pinned = plan_for(
            3,
            "[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"500Gi\"\n",
        );
        assert_eq!(pinned.erasure.set_drive_count, None);
        let same = grow(&pinned);
        assert_eq!(
            (same.set_size, same.target, same.after),
            (Some(8), growth.target, growth.after)
        );
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

    /// The second step takes `planned` off the named pools only, in the environment's own list
    /// or the shared one it inherits, keeping comments.
    #[test]
    fn unplanning_removes_only_the_key() {
        let text = "[[pools]]\nname = \"pool-1\" # new\nservers = 8\nplanned = true\n\n\
                    [[pools]]\nname = \"pool-2\"\nplanned = true\n\n\
                    [environments.prod]\nccu = 10000\n";
        let mut doc: DocumentMut = text.parse().unwrap_or_else(|e| panic!("{e}"));
        let done = unplan(&mut doc, Some("prod"), &["pool-1".to_string()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(done, ["pool-1"]);
        assert_eq!(
            doc.to_string(),
            text.replacen("servers = 8\nplanned = true\n", "servers = 8\n", 1)
        );
        let mut inline: DocumentMut = "pools = [{ name = \"pool-1\", planned = true }]\n"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            unplan(&mut inline, None, &["pool-1".to_string()]).unwrap_or_else(|e| panic!("{e}")),
            ["pool-1"]
        );
        assert!(!inline.to_string().contains("planned"));
    }

    /// Each `config.env` variable the render writes comes from one setting of the site file
    /// (`plan::config_env`): that setting, with the cluster's value, keeps it; a credential, or
    /// the set size a pool forces, has no such setting.
    #[test]
    fn config_pins_name_the_setting_behind_each_variable() {
        let env = |pairs: &[(&str, &str)]| -> crate::plan::operator::ConfigEnv {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect()
        };
        let old = env(&[
            ("MINIO_API_REQUESTS_MAX", "6400"),
            ("MINIO_STORAGE_CLASS_STANDARD", "EC:4"),
            ("MINIO_ROOT_USER", "admin"),
            ("MINIO_ROOT_PASSWORD", "<store minio/x#MINIO_ROOT_PASSWORD>"),
            ("MINIO_PROMETHEUS_AUTH_TYPE", "public"),
            ("MINIO_AUDIT_WEBHOOK_ENABLE_miniogen", "on"),
            ("MINIO_AUDIT_WEBHOOK_ENDPOINT_miniogen", "http://a"),
        ]);
        let new = env(&[
            ("MINIO_STORAGE_CLASS_STANDARD", "EC:2"),
            ("MINIO_ROOT_USER", "root"),
            ("MINIO_ROOT_PASSWORD", "<store minio/y#MINIO_ROOT_PASSWORD>"),
            ("MINIO_ERASURE_SET_DRIVE_COUNT", "8"),
        ]);
        let (pins, unpinned) = config_pins(&old, &new);
        assert_eq!(
            config_pins_toml(&pins, Some("prod")),
            "[environments.prod.audit]\nwebhook_endpoint = \"http://a\"\n\n\
             [environments.prod.prometheus]\nauth = \"public\"\n\n\
             [environments.prod.sizing]\napi_requests_max = 6400\nparity = 4\n\n\
             [environments.prod.tenant]\nroot_user = \"admin\"\n"
        );
        assert_eq!(
            unpinned,
            ["MINIO_ERASURE_SET_DRIVE_COUNT", "MINIO_ROOT_PASSWORD"]
        );
        assert_eq!(config_pins(&old, &old), (Vec::new(), Vec::new()));
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

    /// A bucket kept unlocked: `object_lock = false` with the comment naming the migration,
    /// in the list the scope has; an environment that inherits the shared list gets a copy of
    /// its own (its list replaces the shared one), settings kept; a site with no list gets every
    /// bucket the render lists; a lock the site sets itself is never touched.
    #[test]
    fn buckets_kept_unlocked_are_written_where_the_list_is() {
        let growth = Growth {
            env: None,
            added: None,
            unlocked: vec!["li".into()],
            buckets: vec!["media".into(), "li".into()],
            ..sample_growth()
        };
        let write = |growth: &Growth, text: &str| {
            let mut doc: DocumentMut = text.parse().unwrap_or_else(|e| panic!("{e}"));
            growth
                .write_into(&mut doc, None)
                .unwrap_or_else(|e| panic!("{e}"));
            doc.to_string()
        };
        let comment = "# `li` exists without object lock, which MinIO sets only when it creates\n\
                       # a bucket: it stays unlocked. Without this line `miniogen check` refuses the\n\
                       # render and gives the migration to a new, locked bucket.\n";
        let listed = write(
            &growth,
            "[[buckets]]\nname = \"media\"\n\n[[buckets]]\nname = \"li\" # ours\nquota = \"1Ti\"\n",
        );
        assert!(
            listed.contains(&format!(
                "[[buckets]]\nname = \"li\" # ours\nquota = \"1Ti\"\n{comment}object_lock = false\n"
            )),
            "{listed}"
        );
        let none = write(&growth, "ccu = 5000\n");
        assert!(
            none.ends_with(&format!(
                "[[buckets]]\nname = \"media\"\n\n[[buckets]]\nname = \"li\"\n{comment}object_lock = false\n"
            )),
            "{none}"
        );
        let inherited = write(
            &Growth {
                env: Some("prod".into()),
                ..growth.clone()
            },
            "[[buckets]]\nname = \"li\"\nquota = \"1Ti\"\n\n[environments.prod]\nccu = 5000\n",
        );
        assert!(
            inherited.starts_with("[[buckets]]\nname = \"li\"\nquota = \"1Ti\"\n\n[environments.prod]")
                && inherited.ends_with(&format!(
                    "[[environments.prod.buckets]]\nname = \"li\"\nquota = \"1Ti\"\n{comment}object_lock = false\n"
                )),
            "{inherited}"
        );
        // Inline tables hold no comment in TOML 1.0: the setting alone.
        let inline = write(
            &growth,
            "buckets = [{ name = \"media\" }, { name = \"li\" }]\n",
        );
        let first = inline.lines().next().unwrap_or_default();
        assert!(
            first.ends_with("object_lock = false }]") && !inline.contains('#'),
            "{inline}"
        );
        let asked = write(&growth, "[[buckets]]\nname = \"li\"\nobject_lock = true\n");
        assert!(
            asked.starts_with("[[buckets]]\nname = \"li\"\nobject_lock = true\n\n[sizing]"),
            "{asked}"
        );
    }

    fn sample_growth() -> Growth {
        Growth {
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
                planned: false,
            }),
            before: 0,
            after: 0,
            target: 0,
            tier_ccu: 10000,
            set_size: Some(8),
            keep_largest: false,
            image: None,
            resources: None,
            planned: false,
            config: Vec::new(),
            unlocked: Vec::new(),
            buckets: Vec::new(),
            catch_up_first: None,
        }
    }

    /// The TOML a refusal's help shows is what `grow` writes: both read as the same values,
    /// for a growth and for the catch-up step with its `config.env` pins.
    #[test]
    fn the_toml_shown_is_the_toml_written() {
        let pin = |table, key, value| ConfigPin {
            variable: format!("MINIO_{key}"),
            table,
            key,
            value,
        };
        let pins = vec![
            pin("sizing", "api_requests_max", PinValue::Number(6400)),
            pin("tenant", "root_user", PinValue::Text("minio".into())),
            pin("prometheus", "auth", PinValue::Text("public".into())),
        ];
        let shared = Growth {
            env: None,
            ..sample_growth()
        };
        let production = sample_growth();
        let growths = [
            shared.catch_up(pins.clone()),
            production.catch_up(pins),
            shared,
            production,
        ];
        for g in &growths {
            let shown: toml::Table = g.toml().parse().unwrap_or_else(|e| panic!("{e}"));
            let scope = g
                .env
                .as_ref()
                .map(|env| format!("[environments.{env}]\n"))
                .unwrap_or_default();
            let mut doc: DocumentMut = scope.parse().unwrap_or_else(|e| panic!("{e}"));
            g.write_into(&mut doc, None)
                .unwrap_or_else(|e| panic!("{e}"));
            let written: toml::Table = doc.to_string().parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(shown, written, "{}", g.toml());
        }
    }

    #[test]
    fn growth_goes_into_the_environment_and_keeps_comments() {
        let growth = sample_growth();
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
