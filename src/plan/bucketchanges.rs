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
