//! `grow`'s edit of a site file (`miniogen::grow_edit`): arbitrary site-file text, and a growth
//! built from the first six bytes (the tier's `ccu`, the environment or every environment the
//! file names, the first pool's shape, the pins and the pool to add, the settings that keep
//! `config.env`, the buckets kept unlocked).
//!
//! Whatever the text, the edit must not panic. A refusal must be one of the edit's own
//! (`Usage::EditToml`, `Usage::Edit`) with a reason, never a bug, and never for a site file the
//! schema accepts. An accepted edit must:
//! - parse as TOML, and pass the schema when the original did (and the pools fit its limit);
//! - keep every value it did not mean to change, and the pools the scope had, in order;
//! - re-read as the values and pools it wrote, the added ones appended after the others, and
//!   as the buckets it wrote: `object_lock = false` on each bucket kept unlocked that sets no
//!   lock itself, in the scope's own list, else in a list of its own copied from the shared one
//!   or naming every bucket the render lists;
//! - keep every full-line comment it did not mean to replace (a commented-out key it sets, the
//!   commented-out `# [[pools]]` or `# [[buckets]]` example where it writes that list), in order;
//! - keep the line endings: an LF file stays LF, a CRLF file stays CRLF (no mixed endings);
//! - be written once: the same growth again, now that its pool exists (what `grow` proposes on
//!   the file it wrote: the same pins, no pool to add), changes nothing.

#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use miniogen::check::{decode, schema};
use miniogen::input::source::{Document, Source};
use miniogen::model::spec::{ExtraPool, ResourceList, Resources};
use miniogen::plan::daytwo::{ConfigPin, Existing, Growth, Pin, PinValue, next_name};
use miniogen::{Failure, Usage};
use serde_json::Value;

const TIERS: [u32; 5] = [100, 1000, 5000, 10000, 20000];
const SERVERS: [u32; 4] = [4, 8, 16, 2];
const VOLUMES: [u32; 4] = [4, 2, 8, 1];
const SIZES: [&str; 4] = ["1Ti", "500Gi", "250Gi", "2Ti"];
const IMAGE: &str = "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z";
/// The schema's limit on a scope's `pools`.
const MAX_POOLS: usize = 32;
/// The schema's limit on a scope's `buckets`.
const MAX_BUCKETS: usize = 100;
/// The buckets a site file without a `[[buckets]]` list renders (`schema/site.schema.json`,
/// `buckets`' default).
const DEFAULT_BUCKETS: [&str; 3] = ["synapse-media", "synapse-media-li", "postgresql-backups"];

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<6>() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let [flags, which, shape, add, config, locks] = *head;
    let original = text.parse::<toml_edit::DocumentMut>().ok();
    let value = original.as_ref().map(|d| to_json(d));
    let environments: Vec<String> = value
        .as_ref()
        .and_then(|v| v.get("environments"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    // `grow` edits the environments the site file names (or the root when it names none);
    // 0xff asks for one it may not name, which the edit must refuse, not invent.
    let envs: Vec<Option<String>> = match which {
        0xff => vec![Some("fuzz-missing".to_string())],
        0xfe if !environments.is_empty() => environments.iter().cloned().map(Some).collect(),
        _ if environments.is_empty() => vec![None],
        n => vec![Some(
            environments[usize::from(n) % environments.len()].clone(),
        )],
    };
    let ccu = (flags & 1 == 1).then(|| TIERS[usize::from(flags >> 1) % TIERS.len()]);
    let started = flags & 0x80 != 0 && text.is_empty();
    let growths: Vec<Growth> = envs
        .iter()
        .map(|env| {
            let mut g = growth(env.as_deref(), flags, shape, add, value.as_ref());
            g.config = config_pins(config);
            (g.buckets, g.unlocked) = buckets(env.as_deref(), locks, value.as_ref());
            g
        })
        .collect();

    let path = Path::new("miniogen.toml");
    let schema_valid = schema_valid_text(text);
    let known = envs
        .iter()
        .all(|e| e.as_ref().is_none_or(|e| environments.contains(e)));
    let edited = match miniogen::grow_edit(path, text, started, &growths, ccu) {
        Ok(edited) => edited,
        Err(Failure::Usage(Usage::EditToml { .. })) => {
            assert!(original.is_none(), "refused a site file toml_edit reads");
            return;
        }
        Err(Failure::Usage(Usage::Edit(_, why))) => {
            assert!(!why.is_empty(), "refused without a reason");
            assert!(
                !(schema_valid && known),
                "refused a site file the schema accepts: {why}"
            );
            return;
        }
        Err(other) => panic!("not a refusal of the edit: {other:?}"),
    };
    let Some(before) = value else {
        panic!("accepted a site file toml_edit does not read");
    };

    line_endings_kept(text, &edited);
    let Ok(after) = edited.parse::<toml_edit::DocumentMut>() else {
        panic!("the edited site file is not TOML:\n{edited}");
    };
    let after = to_json(&after);
    for growth in &growths {
        wrote(&before, &after, growth, ccu);
    }
    kept(&before, &after, &growths, ccu);
    comments_kept(text, &edited, &growths, &before);
    if schema_valid && fits(&after, &growths) {
        assert!(
            schema_valid_text(&edited),
            "the schema refuses the edited site file:\n{edited}"
        );
    }

    // What `grow` proposes on the file it wrote: the same pins, the pool now there.
    let again: Vec<Growth> = growths
        .iter()
        .cloned()
        .map(|mut g| {
            g.added = None;
            g.copied.clear();
            g
        })
        .collect();
    match miniogen::grow_edit(path, &edited, false, &again, ccu) {
        Ok(twice) => assert_eq!(twice, edited, "a second edit changed the file"),
        Err(e) => panic!("a second edit was refused: {e:?}\n{edited}"),
    }
});

/// A growth for `env`, as `daytwo::propose` and `pin_running` make one.
fn growth(env: Option<&str>, flags: u8, shape: u8, add: u8, site: Option<&Value>) -> Growth {
    let scope = scope_value(site, env);
    let own_pools = scope.and_then(|s| s.get("pools"));
    // An environment without its own `pools` inherits the shared ones, which it must copy.
    let inherited = env.is_some() && own_pools.is_none();
    let listed = if inherited {
        site.and_then(|s| s.get("pools"))
    } else {
        own_pools
    };
    let listed: Vec<&Value> = listed
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut taken: Vec<&str> = listed
        .iter()
        .filter_map(|p| p.get("name")?.as_str())
        .collect();
    taken.push("pool-0");
    let added = (add & 1 == 1).then(|| ExtraPool {
        name: next_name(&taken),
        servers: SERVERS[usize::from(add >> 1) % 4],
        volumes_per_server: VOLUMES[usize::from(add >> 3) % 4],
        volume_size: format!("{}Gi", u32::from(add >> 5) * 100 + 1),
        storage_class: None,
        decommissioned: false,
        planned: flags & 0x40 != 0,
    });
    let copied = if inherited && added.is_some() {
        listed
            .iter()
            .filter_map(|p| serde_json::from_value::<ExtraPool>((*p).clone()).ok())
            .collect()
    } else {
        Vec::new()
    };
    // `pin_running` pins resources only where the site file does not set them.
    let asked = [site, scope]
        .iter()
        .any(|s| s.and_then(|s| s.pointer("/sizing/resources")).is_some());
    let list = |cpu: &str, memory: &str| ResourceList {
        cpu: cpu.into(),
        memory: memory.into(),
    };
    let resources = (flags & 0x20 != 0 && !asked).then(|| Pin {
        kept: Resources {
            requests: list("2", "8Gi"),
            limits: list("4", "16Gi"),
        },
        instead: Resources {
            requests: list("4", "16Gi"),
            limits: list("8", "32Gi"),
        },
    });
    Growth {
        env: env.map(str::to_string),
        first: Existing {
            name: "pool-0".into(),
            servers: SERVERS[usize::from(shape) % 4],
            volumes_per_server: VOLUMES[usize::from(shape >> 2) % 4],
            volume_size: SIZES[usize::from(shape >> 4) % 4].into(),
            set_size: None,
        },
        planned: added.as_ref().is_some_and(|a| a.planned),
        copied,
        added,
        before: 0,
        after: 0,
        target: 0,
        tier_ccu: 0,
        set_size: None,
        keep_largest: flags & 0x10 != 0,
        image: (flags & 0x08 != 0).then(|| Pin {
            kept: IMAGE.into(),
            instead: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z".into(),
        }),
        resources,
        config: Vec::new(),
        unlocked: Vec::new(),
        buckets: Vec::new(),
        catch_up_first: None,
    }
}

/// Settings that keep `config.env` as the cluster has it, one for each variable
/// `daytwo::config_pins` pins (its order: by variable), chosen by the low five bits of `byte`,
/// with values the schema takes (chosen by the top three).
fn config_pins(byte: u8) -> Vec<ConfigPin> {
    let variant = usize::from(byte >> 5);
    let pin = |variable: &str, table, key, value| ConfigPin {
        variable: variable.into(),
        table,
        key,
        value,
    };
    let text = |choices: [&str; 2]| PinValue::Text(choices[variant % 2].into());
    let candidates = [
        pin(
            "MINIO_API_REQUESTS_MAX",
            "sizing",
            "api_requests_max",
            PinValue::Number([1, 1000, 4096, 1_000_000][variant % 4]),
        ),
        pin(
            "MINIO_AUDIT_WEBHOOK_ENDPOINT_miniogen",
            "audit",
            "webhook_endpoint",
            text([
                "https://audit.example.com/minio",
                "http://audit.logging.svc.cluster.local:8080/",
            ]),
        ),
        pin(
            "MINIO_PROMETHEUS_AUTH_TYPE",
            "prometheus",
            "auth",
            PinValue::Text("public".into()),
        ),
        pin(
            "MINIO_ROOT_USER",
            "tenant",
            "root_user",
            text(["minio-admin", "root-admin"]),
        ),
        pin(
            "MINIO_STORAGE_CLASS_STANDARD",
            "sizing",
            "parity",
            // 1 to 8, the schema's range.
            PinValue::Number(u32::from(byte >> 5) + 1),
        ),
    ];
    candidates
        .into_iter()
        .enumerate()
        .filter(|(i, _)| byte >> i & 1 == 1)
        .map(|(_, pin)| pin)
        .collect()
}

/// Every bucket the render lists for `env` (the names of the list in effect: the scope's own,
/// else the shared one an environment inherits, else the defaults), and those of them kept
/// unlocked, chosen by the bits of `byte` (bucket `i` by bit `i % 8`), as `pin_running` makes
/// them. A bucket that sets its lock is chosen too: the edit must leave it as it is.
fn buckets(env: Option<&str>, byte: u8, site: Option<&Value>) -> (Vec<String>, Vec<String>) {
    let listed = effective_buckets(site, env).and_then(Value::as_array);
    let names: Vec<String> = match listed {
        Some(list) => list
            .iter()
            .filter_map(|b| b.get("name")?.as_str())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect(),
        None => DEFAULT_BUCKETS.iter().map(ToString::to_string).collect(),
    };
    let unlocked = names
        .iter()
        .enumerate()
        .filter(|(i, _)| byte >> (i % 8) & 1 == 1)
        .map(|(_, n)| n.clone())
        .collect();
    (names, unlocked)
}

/// The `buckets` in effect for `env`: its own, else the shared ones.
fn effective_buckets<'a>(site: Option<&'a Value>, env: Option<&str>) -> Option<&'a Value> {
    scope_value(site, env)
        .and_then(|s| s.get("buckets"))
        .or_else(|| site?.get("buckets"))
}

fn scope_value<'a>(site: Option<&'a Value>, env: Option<&str>) -> Option<&'a Value> {
    match env {
        Some(env) => site?.get("environments")?.get(env),
        None => site,
    }
}

fn scope_path(env: Option<&str>) -> Vec<String> {
    env.map_or_else(Vec::new, |e| vec!["environments".into(), e.into()])
}

/// The keys a growth writes into the site file `before`, under its scope: a bucket's
/// `object_lock` in the scope's own list, or the whole list when the scope has none.
fn written(growth: &Growth, ccu: Option<u32>, before: &Value) -> Vec<Vec<String>> {
    let mut keys = vec![
        vec!["sizing", "servers"],
        vec!["sizing", "volumes_per_server"],
        vec!["sizing", "volume_size"],
    ];
    if ccu.is_some() {
        keys.push(vec!["ccu"]);
    }
    if growth.keep_largest {
        keys.push(vec!["tenant", "erasure_sets"]);
    }
    if growth.image.is_some() {
        keys.push(vec!["tenant", "image"]);
    }
    if growth.resources.is_some() {
        keys.push(vec!["sizing", "resources"]);
    }
    keys.extend(growth.config.iter().map(|pin| vec![pin.table, pin.key]));
    let mut keys: Vec<Vec<String>> = keys
        .into_iter()
        .map(|k| k.into_iter().map(str::to_string).collect())
        .collect();
    if growth.unlocked.is_empty() {
        return keys;
    }
    match scope_value(Some(before), growth.env.as_deref()).and_then(|s| s.get("buckets")) {
        Some(Value::Array(list)) => keys.extend(
            list.iter()
                .enumerate()
                .filter(|(_, b)| pinned(b, &growth.unlocked))
                .map(|(i, _)| vec!["buckets".into(), i.to_string(), "object_lock".into()]),
        ),
        _ => keys.push(vec!["buckets".into()]),
    }
    keys
}

/// Whether the edit writes `object_lock = false` into the list entry `bucket`: one of the
/// buckets kept unlocked that does not set its lock itself.
fn pinned(bucket: &Value, unlocked: &[String]) -> bool {
    bucket.as_object().is_some_and(|b| {
        !b.contains_key("object_lock")
            && b.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| unlocked.iter().any(|u| u == n))
    })
}

/// Whether `path` is one the growths may change: a key they write, a table above it, a value
/// it replaced, or a pool after the ones the scope listed (`listed`, by scope).
fn may_change(
    path: &[String],
    growths: &[Growth],
    (ccu, before): (Option<u32>, &Value),
    listed: &[usize],
) -> bool {
    growths.iter().zip(listed).any(|(growth, &listed)| {
        let scope = scope_path(growth.env.as_deref());
        let related = |key: &[String]| {
            let n = path.len().min(key.len());
            path[..n] == key[..n]
        };
        let keys = written(growth, ccu, before)
            .into_iter()
            .map(|k| scope.iter().cloned().chain(k).collect::<Vec<_>>());
        let mut pools = scope.clone();
        pools.push("pools".into());
        let pool = growth.added.is_some()
            && path.len() > pools.len()
            && path[..pools.len()] == pools[..]
            && path[pools.len()]
                .parse::<usize>()
                .is_ok_and(|i| i >= listed);
        let above_pools = growth.added.is_some() && pools.starts_with(path);
        keys.into_iter().any(|k| related(&k)) || pool || above_pools
    })
}

fn pools_of<'a>(site: &'a Value, env: Option<&str>) -> &'a [Value] {
    scope_value(Some(site), env)
        .and_then(|s| s.get("pools"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Every value the growths did not mean to change is there as it was.
fn kept(before: &Value, after: &Value, growths: &[Growth], ccu: Option<u32>) {
    let listed: Vec<usize> = growths
        .iter()
        .map(|g| pools_of(before, g.env.as_deref()).len())
        .collect();
    let others = |v: &Value| -> BTreeMap<Vec<String>, Value> {
        let mut leaves = BTreeMap::new();
        flatten(v, &mut Vec::new(), &mut leaves);
        leaves.retain(|p, _| !may_change(p, growths, (ccu, before), &listed));
        leaves
    };
    let (b, a) = (others(before), others(after));
    if b != a {
        let lost: Vec<_> = b.iter().filter(|(k, v)| a.get(*k) != Some(v)).collect();
        let new: Vec<_> = a.iter().filter(|(k, v)| b.get(*k) != Some(v)).collect();
        panic!("the edit changed values it did not mean to: before {lost:?}, after {new:?}");
    }
}

/// The edited file re-reads as the values and pools the growth wrote.
fn wrote(before: &Value, after: &Value, growth: &Growth, ccu: Option<u32>) {
    let env = growth.env.as_deref();
    let Some(scope) = scope_value(Some(after), env) else {
        panic!("the edit lost its scope {env:?}");
    };
    let at = |p: &str| scope.pointer(p);
    let expect = |p: &str, v: Value| {
        assert_eq!(
            at(p),
            Some(&v),
            "`{p}` of {env:?} does not re-read as written"
        );
    };
    expect("/sizing/servers", growth.first.servers.into());
    expect(
        "/sizing/volumes_per_server",
        growth.first.volumes_per_server.into(),
    );
    expect(
        "/sizing/volume_size",
        growth.first.volume_size.clone().into(),
    );
    if let Some(ccu) = ccu {
        expect("/ccu", ccu.into());
    }
    if growth.keep_largest {
        expect("/tenant/erasure_sets", "largest".into());
    }
    if let Some(pin) = &growth.image {
        expect("/tenant/image", pin.kept.clone().into());
    }
    if let Some(pin) = &growth.resources {
        let r = &pin.kept;
        expect(
            "/sizing/resources",
            serde_json::json!({
                "requests": { "cpu": r.requests.cpu, "memory": r.requests.memory },
                "limits": { "cpu": r.limits.cpu, "memory": r.limits.memory },
            }),
        );
    }
    for pin in &growth.config {
        let value = match &pin.value {
            PinValue::Number(n) => Value::from(*n),
            PinValue::Text(t) => Value::from(t.as_str()),
        };
        expect(&format!("/{}/{}", pin.table, pin.key), value);
    }
    if let Some(list) = buckets_written(before, growth) {
        expect("/buckets", list);
    }
    let listed = pools_of(before, env);
    let pools = pools_of(after, env);
    let Some(added) = &growth.added else {
        assert_eq!(
            pools, listed,
            "the pools of {env:?} changed without a pool to add"
        );
        return;
    };
    let appended: Vec<ExtraPool> = growth
        .copied
        .iter()
        .chain(std::iter::once(added))
        .cloned()
        .collect();
    assert_eq!(
        pools.len(),
        listed.len() + appended.len(),
        "{env:?} does not re-read with the pools written"
    );
    assert_eq!(
        &pools[..listed.len()],
        listed,
        "the pools listed before changed"
    );
    for (read, pool) in pools[listed.len()..].iter().zip(&appended) {
        let read: Result<ExtraPool, _> = serde_json::from_value(read.clone());
        assert!(
            read.as_ref().is_ok_and(|r| r == pool),
            "pool `{}` of {env:?} re-reads as {read:?}",
            pool.name
        );
    }
}

/// The scope's `buckets` once the growth is written into `before`, when it keeps buckets
/// unlocked: the scope's own list, else a copy of the shared tables an environment inherits,
/// else every bucket the render lists; `object_lock = false` on each bucket kept unlocked that
/// does not set its lock.
fn buckets_written(before: &Value, growth: &Growth) -> Option<Value> {
    if growth.unlocked.is_empty() {
        return None;
    }
    let env = growth.env.as_deref();
    let mut list: Vec<Value> = match scope_value(Some(before), env).and_then(|s| s.get("buckets")) {
        Some(Value::Array(own)) => own.clone(),
        Some(other) => panic!("wrote buckets into a scope whose `buckets` is {other}"),
        None => match before.get("buckets") {
            Some(Value::Array(shared)) if env.is_some() => {
                shared.iter().filter(|b| b.is_object()).cloned().collect()
            }
            _ => growth
                .buckets
                .iter()
                .map(|name| serde_json::json!({ "name": name }))
                .collect(),
        },
    };
    for bucket in &mut list {
        if pinned(bucket, &growth.unlocked)
            && let Some(b) = bucket.as_object_mut()
        {
            b.insert("object_lock".into(), false.into());
        }
    }
    Some(Value::Array(list))
}

/// The scope's pools and buckets fit the schema's limits.
fn fits(after: &Value, growths: &[Growth]) -> bool {
    growths.iter().all(|g| {
        let buckets = scope_value(Some(after), g.env.as_deref())
            .and_then(|s| s.get("buckets"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        pools_of(after, g.env.as_deref()).len() <= MAX_POOLS && buckets <= MAX_BUCKETS
    })
}

/// LF stays LF, CRLF stays CRLF; a file with both becomes CRLF when most of its lines are.
fn line_endings_kept(original: &str, edited: &str) {
    let crlf = original.matches("\r\n").count();
    let lf = original.matches('\n').count() - crlf;
    let edited_crlf = edited.matches("\r\n").count();
    let edited_lf = edited.matches('\n').count() - edited_crlf;
    if crlf == 0 {
        assert_eq!(edited_crlf, 0, "an LF file gained CRLF:\n{edited:?}");
    } else if crlf > lf {
        assert_eq!(edited_lf, 0, "a CRLF file gained LF line ends:\n{edited:?}");
    }
}

/// Every full-line comment of the original is still there, in order, but the ones the edit
/// replaces: a commented-out key it writes (`# servers = 8`) and the lines of a commented-out
/// `# [[pools]]` example, or `# [[buckets]]` where it writes a list of buckets.
fn comments_kept(original: &str, edited: &str, growths: &[Growth], before: &Value) {
    let mut keys = vec![
        "ccu",
        "servers",
        "volumes_per_server",
        "volume_size",
        "erasure_sets",
        "image",
        "resources",
    ];
    keys.extend(
        growths
            .iter()
            .flat_map(|g| g.config.iter().map(|pin| pin.key)),
    );
    let adds = growths.iter().any(|g| g.added.is_some());
    // A list of buckets of the scope's own, where it had none.
    let lists = growths.iter().any(|g| {
        !g.unlocked.is_empty()
            && scope_value(Some(before), g.env.as_deref())
                .and_then(|s| s.get("buckets"))
                .is_none()
    });
    let comments = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    let mut replaceable = Vec::new();
    let mut in_example = false;
    for line in original.lines().map(str::trim) {
        let comment = line.strip_prefix('#').map(str::trim);
        in_example = match comment {
            Some(c) if c.starts_with("[[") && c.contains("pools") => adds,
            Some(c) if c.starts_with("[[") && c.contains("buckets") => lists,
            Some(_) => in_example,
            None => false,
        };
        let commented_key = comment.is_some_and(|c| {
            keys.iter().any(|k| {
                c.strip_prefix(k)
                    .is_some_and(|r| r.trim_start().starts_with('='))
            })
        });
        replaceable.push(in_example || commented_key);
    }
    let originals: Vec<String> = original
        .lines()
        .map(str::trim)
        .zip(&replaceable)
        .filter(|(l, r)| l.starts_with('#') && !**r)
        .map(|(l, _)| l.to_string())
        .collect();
    let mut edited_comments = comments(edited).into_iter();
    for comment in &originals {
        assert!(
            edited_comments.any(|c| &c == comment),
            "the edit lost or moved the comment {comment:?}:\n{edited}"
        );
    }
}

/// Whether miniogen's own reader and the site schema accept `text`.
fn schema_valid_text(text: &str) -> bool {
    Document::parse(Source {
        name: "miniogen.toml".into(),
        text: text.into(),
    })
    .is_ok_and(|doc| decode::check_document(schema::Kind::Site, &doc).is_empty())
}

/// A TOML document as JSON, dates as their text.
fn to_json(doc: &toml_edit::DocumentMut) -> Value {
    fn item(i: &toml_edit::Item) -> Value {
        match i {
            toml_edit::Item::None => Value::Null,
            toml_edit::Item::Value(v) => value(v),
            toml_edit::Item::Table(t) => table(t.iter()),
            toml_edit::Item::ArrayOfTables(a) => {
                Value::Array(a.iter().map(|t| table(t.iter())).collect())
            }
        }
    }
    fn table<'a>(entries: impl Iterator<Item = (&'a str, &'a toml_edit::Item)>) -> Value {
        Value::Object(entries.map(|(k, v)| (k.to_string(), item(v))).collect())
    }
    fn value(v: &toml_edit::Value) -> Value {
        match v {
            toml_edit::Value::String(s) => s.value().clone().into(),
            toml_edit::Value::Integer(n) => (*n.value()).into(),
            toml_edit::Value::Float(f) => serde_json::Number::from_f64(*f.value())
                .map_or_else(|| f.to_string().into(), Value::Number),
            toml_edit::Value::Boolean(b) => (*b.value()).into(),
            toml_edit::Value::Datetime(d) => d.value().to_string().into(),
            toml_edit::Value::Array(a) => Value::Array(a.iter().map(value).collect()),
            toml_edit::Value::InlineTable(t) => {
                Value::Object(t.iter().map(|(k, v)| (k.to_string(), value(v))).collect())
            }
        }
    }
    item(doc.as_item())
}

fn flatten(v: &Value, path: &mut Vec<String>, out: &mut BTreeMap<Vec<String>, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                path.push(k.clone());
                flatten(v, path, out);
                path.pop();
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                path.push(i.to_string());
                flatten(v, path, out);
                path.pop();
            }
        }
        _ => {
            out.insert(path.clone(), v.clone());
        }
    }
}
