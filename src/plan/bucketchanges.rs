//! Day two for bucket settings: what a render does to the buckets the cluster holds, whose
//! settings the bucket MinIOJob recorded (`buckets::RECORD_ANNOTATION`). Each change becomes an
//! `Effect` with the class `operator` gives it (`Version::bucket_effect`), and here the site
//! file's side: what to write, or the `mc` command an administrator runs, as its `todo`. No IO.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::model::spec::RetentionMode;
use crate::plan::Plan;
use crate::plan::buckets;
use crate::plan::daytwo::{indent, toml_string};
use crate::plan::operator::{self, BucketKind, Effect};
use crate::plan::transition;

/// The settings the folder's bucket MinIOJob recorded (`buckets::RECORD_ANNOTATION`), from
/// the folder's objects; empty for a folder from before the job, or one whose record does not
/// read (the folder is the user's: a record that does not parse is no record).
#[must_use]
pub fn recorded_buckets<'a>(
    objects: impl IntoIterator<Item = &'a Value>,
) -> BTreeMap<String, buckets::Recorded> {
    let pointer = format!(
        "/metadata/annotations/{}",
        buckets::RECORD_ANNOTATION.replace('/', "~1")
    );
    objects
        .into_iter()
        .filter(|o| o["kind"] == "MinIOJob")
        .find_map(|o| serde_json::from_str(o.pointer(&pointer)?.as_str()?).ok())
        .unwrap_or_default()
}

/// What the render's bucket settings do to the buckets the Tenant `old` holds, whose settings
/// its bucket job recorded in `recorded`: each change with its class and what to do. A lock can
/// be neither added nor removed, a compliance retention neither shortened nor weakened without
/// the site saying so, and a setting the site drops stays in MinIO until someone removes it.
#[must_use]
pub fn bucket_effects(
    old: &Value,
    recorded: &BTreeMap<String, buckets::Recorded>,
    plan: &Plan,
) -> Vec<Effect> {
    let mut out = Vec::new();
    for change in transition::bucket_changes(old, recorded, &plan.buckets) {
        let name = &change.bucket;
        let target = format!("{}/{name}", buckets::ALIAS);
        let bucket = plan.buckets.iter().find(|b| &b.name == name);
        let retention = bucket.and_then(|b| b.retention);
        let compliance = retention.is_some_and(|r| r.mode == RetentionMode::Compliance);
        let recorded_days = recorded.get(name).and_then(|r| r.retention).map(|r| r.days);
        let weakens = change.kind == BucketKind::RetentionShorter
            && compliance
            && recorded_days != bucket.and_then(|b| b.lowered_from);
        let todo = match change.kind {
            BucketKind::LockAdded => lock_migration(plan, name),
            BucketKind::LockRemoved => format!(
                "remove `object_lock = false` from bucket `{name}`; a bucket without lock needs a \
                 new name, created empty"
            ),
            BucketKind::ModeWeakened => format!(
                "keep `mode = \"compliance\"`{}; versions already written keep their lock either \
                 way",
                recorded_days.map_or(String::new(), |d| format!(" and at least {d} days"))
            ),
            BucketKind::RetentionShorter if weakens => format!(
                "keep the days; if the obligation behind them really changed, say so in the site \
                 file: `retention = {{ mode = \"compliance\", days = {}, lowered_from = {} }}`",
                retention.map_or(0, |r| r.days),
                recorded_days.unwrap_or_default()
            ),
            BucketKind::RetentionShorter if compliance => {
                "acknowledged by `lowered_from`: the bucket job sets the shorter default"
                    .to_string()
            }
            BucketKind::RetentionShorter => format!(
                "in governance mode an administrator may also shorten one version's lock, with the \
                 bypass: `mc retention set --bypass governance 1d {target}/OBJECT`; the bucket job \
                 changes only the default"
            ),
            BucketKind::RetentionLonger => "versions already written keep theirs (`mc retention \
                                            set --recursive --versions` extends them)"
                .to_string(),
            BucketKind::ModeStrengthened => "every version written from then on is locked \
                                             against everyone, root included, until its date, and \
                                             nothing can shorten it: make sure the days are right \
                                             before you apply it"
                .to_string(),
            BucketKind::RetentionDropped => format!(
                "to remove it, run `mc retention clear --default {target}` as an administrator"
            ),
            BucketKind::VersioningDropped => format!(
                "to stop keeping new versions, run `mc version suspend {target}` as an \
                 administrator; versions already kept stay until the lifecycle or someone \
                 removes them"
            ),
            BucketKind::LifecycleDropped => format!(
                "to keep noncurrent versions for ever, run `mc ilm rule rm --all --force {target}` \
                 as an administrator"
            ),
            BucketKind::QuotaDropped => {
                format!("to remove it, run `mc quota clear {target}` as an administrator")
            }
            BucketKind::Reapplied => String::new(),
        };
        let mut effect =
            operator::PINNED.bucket_effect(name, change.kind, (&change.old, &change.new), weakens);
        effect.todo = todo;
        out.push(effect);
    }
    out
}

/// How to get a locked copy where a bucket without lock exists: keep it unlocked and say so,
/// or move to a new, locked bucket and retire the old one.
fn lock_migration(plan: &Plan, name: &str) -> String {
    let li = plan
        .buckets
        .iter()
        .any(|b| b.name == name && b.role == buckets::Role::LawfulIntercept);
    let new_name = format!("{}-locked", &name[..name.len().min(56)]);
    let list = |with_new: bool| {
        let mut text = String::new();
        for b in &plan.buckets {
            let _ = writeln!(text, "[[buckets]]\nname = {}", toml_string(&b.name));
            if b.name == name {
                text.push_str("object_lock = false\n");
            }
        }
        if with_new {
            let _ = writeln!(text, "[[buckets]]\nname = {}", toml_string(&new_name));
            if !li {
                text.push_str("object_lock = true\n");
            }
        }
        if with_new && li {
            let remote = plan
                .rclone
                .as_ref()
                .and_then(|r| r.remotes.get(1))
                .map_or("minio-li", |r| r.name.as_str());
            let _ = write!(
                text,
                "\n[rclone.destination]\nremote = {}\nbucket = {}\n",
                toml_string(remote),
                toml_string(&new_name)
            );
        }
        text
    };
    format!(
        "either keep `{name}` unlocked and say so in the site file (a `[[buckets]]` list \
         replaces the defaults, so it names every bucket; keep the settings you gave them):\n\n\
         {keep}\n\nor move to a new, locked bucket: (1) add it{sync}:\n\n{new}\n\n(2) `gen --out` \
         and apply: the operator creates `{new_name}` with its lock, and the bucket MinIOJob sets \
         its retention and lifecycle (`kubectl get miniojob` shows `Success`){reader}; (3) copy \
         what only the old bucket holds, as an administrator: `mc mirror --preserve \
         {alias}/{name} {alias}/{new_name}` (each copy is locked from the day it is copied); (4) \
         retire `{name}`: once the copy is checked, remove its `[[buckets]]` entry (the operator \
         never deletes a bucket), keep it as long as its contents must be kept, then `mc rb \
         --force {alias}/{name}`",
        keep = indent(&list(false)),
        new = indent(&list(true)),
        sync = if li { " and point the sync at it" } else { "" },
        reader = if li {
            "; point the lawful-intercept instance at the new bucket too"
        } else {
            ""
        },
        alias = buckets::ALIAS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::operator::Disruption;
    use serde_json::json;

    const LI: &str = "synapse-media-li";

    fn site_plan(site: &str) -> Plan {
        let inputs = crate::check::decode::Inputs::for_test(1, Some(site), &[]);
        crate::app::pipeline::checked_plan(&inputs)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .0
    }

    /// The plan for a site whose lawful-intercept bucket has `settings`.
    fn plan(settings: &str) -> Plan {
        site_plan(&format!(
            "[[buckets]]\nname = \"synapse-media\"\n\n[[buckets]]\nname = \"{LI}\"\n{settings}\n\n\
             [[buckets]]\nname = \"postgresql-backups\"\n"
        ))
    }

    /// The Tenant the cluster holds, with the lawful-intercept bucket created with lock, and
    /// the settings `plan`'s bucket job recorded.
    fn cluster(plan: &Plan) -> (Value, BTreeMap<String, buckets::Recorded>) {
        let tenant = json!({"spec": {"buckets": [
            {"name": "synapse-media"},
            {"name": LI, "objectLock": true},
            {"name": "postgresql-backups"},
        ]}});
        let recorded = plan
            .buckets
            .iter()
            .map(|b| (b.name.clone(), b.record()))
            .collect();
        (tenant, recorded)
    }

    /// `(disruption, todo)` of the retention's change from the settings `before` to `after`:
    /// the first change (what the bucket job sets anew comes last, applied as it is).
    fn retention(before: &str, after: &str) -> (Disruption, String) {
        let (tenant, recorded) = cluster(&plan(before));
        let effects = bucket_effects(&tenant, &recorded, &plan(after));
        assert!(
            effects.len() == 1
                || effects[1..]
                    .iter()
                    .all(|e| e.disruption == Disruption::None && e.todo.is_empty()),
            "{effects:#?}"
        );
        let first = effects.first().unwrap_or_else(|| panic!("{after}"));
        assert!(first.change.contains("retention"), "{first:#?}");
        (first.disruption, first.todo.clone())
    }

    /// A shorter compliance retention is refused unless `lowered_from` names the recorded
    /// days (MinIO would lock every new version for less, and nobody could undo it); a
    /// shorter governance retention is applied, with the bypass an administrator may use.
    #[test]
    fn a_shorter_retention_is_refused_only_in_compliance_mode() {
        let compliance = "retention = { mode = \"compliance\", days = 90 }";
        let shorter = retention(
            compliance,
            "retention = { mode = \"compliance\", days = 30 }",
        );
        assert_eq!(shorter.0, Disruption::Blocked);
        assert!(
            shorter
                .1
                .contains("`retention = { mode = \"compliance\", days = 30, lowered_from = 90 }`"),
            "{}",
            shorter.1
        );
        let acknowledged = retention(
            compliance,
            "retention = { mode = \"compliance\", days = 30, lowered_from = 90 }",
        );
        assert_eq!(acknowledged.0, Disruption::None);
        assert!(acknowledged.1.starts_with("acknowledged by `lowered_from`"));
        // Acknowledging other days than the recorded ones acknowledges nothing.
        let other = retention(
            compliance,
            "retention = { mode = \"compliance\", days = 30, lowered_from = 60 }",
        );
        assert_eq!(other.0, Disruption::Blocked, "{other:?}");
        let longer = retention(
            compliance,
            "retention = { mode = \"compliance\", days = 120 }",
        );
        assert_eq!(longer.0, Disruption::None);
        assert!(
            longer
                .1
                .contains("`mc retention set --recursive --versions`"),
            "{}",
            longer.1
        );
        let governance = retention(
            "retention = { mode = \"governance\", days = 90 }",
            "retention = { mode = \"governance\", days = 30 }",
        );
        assert_eq!(governance.0, Disruption::None);
        assert!(
            governance.1.contains(&format!(
                "`mc retention set --bypass governance 1d myminio/{LI}/OBJECT`"
            )),
            "{}",
            governance.1
        );
        let (tenant, recorded) = cluster(&plan("retention = { mode = \"governance\", days = 90 }"));
        let effects = bucket_effects(
            &tenant,
            &recorded,
            &plan("retention = { mode = \"governance\", days = 30 }"),
        );
        assert_eq!(
            effects[0].change,
            format!(
                "bucket `{LI}`: the default retention would shorten from governance 90 days to \
                 governance 30 days"
            )
        );
    }

    /// A lock asked of a bucket that exists without one: the migration keeps the other
    /// buckets as they are, marks only that one unlocked, and the new bucket is locked; the
    /// lawful-intercept bucket's new copy is locked by its role and the sync points at it.
    #[test]
    fn a_lock_on_an_existing_bucket_gives_the_migration_for_that_bucket() {
        let after = plan("");
        let (mut tenant, recorded) = cluster(&after);
        tenant["spec"]["buckets"][1]["objectLock"] = json!(false);
        let locked = site_plan(&format!(
            "[[buckets]]\nname = \"synapse-media\"\nobject_lock = true\n\n[[buckets]]\nname = \
             \"{LI}\"\n\n[[buckets]]\nname = \"postgresql-backups\"\n"
        ));
        let effects = bucket_effects(&tenant, &recorded, &locked);
        let media: Vec<&Effect> = effects
            .iter()
            .filter(|e| e.change == "bucket `synapse-media` exists without object lock")
            .collect();
        assert_eq!(media.len(), 1, "{effects:#?}");
        let todo = &media[0].todo;
        // In both lists: the bucket stays, unlocked, beside its locked copy.
        assert_eq!(todo.matches("object_lock = false").count(), 2, "{todo}");
        assert!(
            todo.contains("name = \"synapse-media\"\n    object_lock = false")
                && todo.contains("name = \"synapse-media-locked\"\n    object_lock = true")
                && !todo.contains("[rclone.destination]")
                && todo.contains(
                    "`mc mirror --preserve myminio/synapse-media myminio/synapse-media-locked`"
                ),
            "{todo}"
        );
        let li: Vec<&Effect> = effects
            .iter()
            .filter(|e| e.change == format!("bucket `{LI}` exists without object lock"))
            .collect();
        assert_eq!(li.len(), 1, "{effects:#?}");
        let todo = &li[0].todo;
        assert!(
            todo.contains(&format!("name = \"{LI}-locked\"\n"))
                && !todo.contains(&format!("name = \"{LI}-locked\"\n    object_lock"))
                && todo.contains(&format!("bucket = \"{LI}-locked\""))
                && todo.contains("[rclone.destination]")
                && todo.contains("point the lawful-intercept instance at the new bucket"),
            "{todo}"
        );
    }

    /// The record is read from the bucket MinIOJob only, and a record that does not parse is
    /// no record.
    #[test]
    fn the_record_comes_from_the_bucket_job() {
        let record = |kind: &str, text: &str| json!({"kind": kind, "metadata": {"annotations": {buckets::RECORD_ANNOTATION: text}}});
        let mine = buckets::Recorded {
            object_lock: true,
            versioning: true,
            retention: None,
            noncurrent_days: Some(30),
            quota: None,
        };
        let other = buckets::Recorded {
            object_lock: false,
            ..mine.clone()
        };
        let text = |r: &buckets::Recorded| {
            serde_json::to_string(&BTreeMap::from([("b".to_string(), r.clone())]))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let objects = [
            record("ConfigMap", &text(&other)),
            record("MinIOJob", &text(&mine)),
        ];
        assert_eq!(
            recorded_buckets(&objects),
            BTreeMap::from([("b".to_string(), mine)])
        );
        assert!(recorded_buckets(&[record("MinIOJob", "{not json")]).is_empty());
    }

    /// Each retention change of a locked bucket, as `transition::bucket_changes` tells them
    /// apart: a compliance retention weakened is refused, governance made compliance or a
    /// longer retention applies, the same retention is no change.
    #[test]
    fn each_retention_change_is_told_apart() {
        let r =
            |mode: &str, days: u32| format!("retention = {{ mode = \"{mode}\", days = {days} }}");
        let cases = [
            (
                r("compliance", 90),
                r("governance", 90),
                Some((
                    Disruption::Blocked,
                    "its compliance retention (compliance 90 days) would become governance 90 days",
                )),
            ),
            (
                r("governance", 90),
                r("compliance", 90),
                Some((
                    Disruption::None,
                    "the default retention becomes compliance 90 days (was governance 90 days)",
                )),
            ),
            (
                r("compliance", 90),
                r("compliance", 120),
                Some((
                    Disruption::None,
                    "the default retention grows from compliance 90 days to compliance 120 days",
                )),
            ),
            (r("compliance", 90), r("compliance", 90), None),
        ];
        for (before, after, expected) in cases {
            let (tenant, recorded) = cluster(&plan(&before));
            let effects = bucket_effects(&tenant, &recorded, &plan(&after));
            let found = effects
                .iter()
                .find(|e| e.change.contains("retention"))
                .map(|e| (e.disruption, e.change.as_str()));
            match expected {
                Some((class, text)) => assert!(
                    found.is_some_and(|(c, t)| c == class && t.contains(text)),
                    "{before} -> {after}: {effects:#?}"
                ),
                None => assert!(found.is_none(), "{before} -> {after}: {effects:#?}"),
            }
        }
    }
}
