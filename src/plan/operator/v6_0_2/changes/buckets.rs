//! The settings of a bucket that exists: object lock, retention, versioning, lifecycle and
//! quota. The operator creates a listed bucket only when it is missing (`createBuckets`,
//! `pkg/controller/operator.go`, through `CreateBuckets`, `pkg/apis/minio.min.io/v2/helper.go`,
//! which passes `objectLock` to `MakeBucket` and skips `BucketAlreadyOwnedByYou`); every other
//! setting is applied by miniogen's bucket MinIOJob, named after what it does, whose `mc`
//! commands the job controller runs once per name (`createJob`, `pkg/utils/miniojob/types.go`).
//! None of it restarts a MinIO process. What the job cannot do, MinIO refuses (a lock on a
//! bucket that exists), or only an administrator can undo (a setting the site file no longer
//! declares stays in MinIO: `manual`, as `spec.users` is).

use super::{effect, with};
use crate::plan::operator::{BucketKind, Disruption, Effect, Kind};

const LOCK: &str = "minio cmd/bucket-handlers.go PutBucketObjectLockConfigHandler, \
                    internal/bucket/object/lock/lock.go Config.UnmarshalXML, \
                    pkg/apis/minio.min.io/v2/helper.go CreateBuckets";
const JOB: &str = "pkg/utils/miniojob/types.go createJob, \
                   minio cmd/bucket-handlers.go PutBucketObjectLockConfigHandler";
const SET: &str = "pkg/utils/miniojob/types.go createJob, \
                   minio cmd/bucket-versioning-handler.go PutBucketVersioningHandler, \
                   cmd/bucket-lifecycle-handlers.go PutBucketLifecycleHandler, \
                   cmd/admin-bucket-handlers.go PutBucketQuotaConfigHandler";
const RETENTION_LEFT: &str = "minio cmd/bucket-handlers.go PutBucketObjectLockConfigHandler, \
                              pkg/utils/miniojob/types.go createJob";
const VERSIONING_LEFT: &str = "minio cmd/bucket-versioning-handler.go \
                               PutBucketVersioningHandler, pkg/utils/miniojob/types.go createJob";
const LIFECYCLE_LEFT: &str = "minio cmd/bucket-lifecycle-handlers.go \
                              DeleteBucketLifecycleHandler, pkg/utils/miniojob/types.go createJob";
const QUOTA_LEFT: &str = "minio cmd/admin-bucket-handlers.go PutBucketQuotaConfigHandler, \
                          pkg/utils/miniojob/types.go createJob";

/// A change to the settings of `bucket`, which exists, from `was` to `will` (for people):
/// what applying it does. `weakens` says that the change lowers what a compliance retention
/// promises without the site file acknowledging it: MinIO would take it for the versions
/// written from then on, and nobody could undo that for them.
#[must_use]
pub fn bucket_effect(
    bucket: &str,
    kind: BucketKind,
    (was, will): (&str, &str),
    weakens: bool,
) -> Effect {
    let (class, source, cause) = judged(kind, weakens);
    with(
        effect(
            Kind::BucketSettings,
            None,
            described(bucket, kind, (was, will)),
            class,
        ),
        source,
        cause.to_string(),
        String::new(),
    )
}

/// The change, for people.
fn described(bucket: &str, kind: BucketKind, (was, will): (&str, &str)) -> String {
    match kind {
        BucketKind::LockAdded => format!("bucket `{bucket}` exists without object lock"),
        BucketKind::LockRemoved => {
            format!("bucket `{bucket}` was created with object lock, which nothing can remove")
        }
        BucketKind::ModeWeakened => {
            format!("bucket `{bucket}`: its compliance retention ({was}) would become {will}")
        }
        BucketKind::RetentionShorter => {
            format!("bucket `{bucket}`: the default retention would shorten from {was} to {will}")
        }
        BucketKind::RetentionLonger => {
            format!("bucket `{bucket}`: the default retention grows from {was} to {will}")
        }
        BucketKind::ModeStrengthened => {
            format!("bucket `{bucket}`: the default retention becomes {will} (was {was})")
        }
        BucketKind::RetentionDropped => {
            format!("bucket `{bucket}` no longer declares its default retention ({was})")
        }
        BucketKind::VersioningDropped => {
            format!("bucket `{bucket}` is no longer declared versioned")
        }
        BucketKind::LifecycleDropped => {
            format!("bucket `{bucket}` no longer expires noncurrent versions ({was})")
        }
        BucketKind::QuotaDropped => {
            format!("bucket `{bucket}` no longer declares its quota ({was})")
        }
        BucketKind::Reapplied => format!("bucket `{bucket}`: {will}"),
    }
}

/// The class of a change, the upstream functions that decide it, and why.
fn judged(kind: BucketKind, weakens: bool) -> (Disruption, &'static str, &'static str) {
    match kind {
        BucketKind::LockAdded => (
            Disruption::Blocked,
            LOCK,
            "no lock can be added to a bucket that exists: MinIO refuses it \
             (`PutBucketObjectLockConfigHandler`, `ErrObjectLockConfigurationNotAllowed`) and \
             the operator only creates buckets that are missing (`CreateBuckets`), so the render \
             would claim a lock the bucket does not have",
        ),
        BucketKind::LockRemoved => (
            Disruption::Blocked,
            LOCK,
            "MinIO takes only an enabled lock configuration (`Config.UnmarshalXML`: \"only \
             'Enabled' value is allowed\"), so the render would claim an unlocked bucket",
        ),
        BucketKind::ModeWeakened => (
            Disruption::Blocked,
            JOB,
            "MinIO would apply it to every version written from then on (the bucket job sets the \
             default, `PutBucketObjectLockConfigHandler`), and no one could undo that for them; a \
             compliance retention exists so that no one can weaken it",
        ),
        BucketKind::RetentionShorter if weakens => (
            Disruption::Blocked,
            JOB,
            "which in compliance mode weakens what the mode promises, for every version written \
             from then on, and the site file has not acknowledged it (`lowered_from`)",
        ),
        BucketKind::RetentionDropped => (
            Disruption::Manual,
            RETENTION_LEFT,
            "the bucket job only sets what is declared, so MinIO keeps the retention until an \
             administrator clears it",
        ),
        BucketKind::VersioningDropped => (
            Disruption::Manual,
            VERSIONING_LEFT,
            "the bucket job only turns versioning on, so MinIO keeps it on until an \
             administrator suspends it",
        ),
        BucketKind::LifecycleDropped => (
            Disruption::Manual,
            LIFECYCLE_LEFT,
            "the bucket job only sets the rule it declares, so MinIO keeps the rule until an \
             administrator removes it",
        ),
        BucketKind::QuotaDropped => (
            Disruption::Manual,
            QUOTA_LEFT,
            "the bucket job only sets a declared quota, so MinIO keeps it until an administrator \
             clears it",
        ),
        BucketKind::RetentionShorter
        | BucketKind::RetentionLonger
        | BucketKind::ModeStrengthened => (
            Disruption::None,
            JOB,
            "the bucket MinIOJob is named after what it does, so the operator runs the new one \
             once (`createJob`) and `mc retention set --default` changes the default: no MinIO \
             process restarts; versions written from then on get the new retention, versions \
             already written keep the date they are locked until",
        ),
        BucketKind::Reapplied => (
            Disruption::None,
            SET,
            "the bucket MinIOJob is named after what it does, so the operator runs the new one \
             once (`createJob`) and its `mc` commands set it: no MinIO process restarts",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classes issue 24's bucket changes get: the job's new run restarts nothing, MinIO
    /// refuses a lock on a bucket that exists, a weakened compliance retention is refused, and
    /// what the site file drops stays in MinIO until an administrator runs `mc`.
    #[test]
    fn each_bucket_change_gets_its_class() {
        let class = |kind, weakens| bucket_effect("b", kind, ("x", "y"), weakens).disruption;
        for (kind, weakens, expected) in [
            (BucketKind::LockAdded, false, Disruption::Blocked),
            (BucketKind::LockRemoved, false, Disruption::Blocked),
            (BucketKind::ModeWeakened, false, Disruption::Blocked),
            (BucketKind::RetentionShorter, true, Disruption::Blocked),
            (BucketKind::RetentionShorter, false, Disruption::None),
            (BucketKind::RetentionLonger, false, Disruption::None),
            (BucketKind::ModeStrengthened, false, Disruption::None),
            (BucketKind::Reapplied, false, Disruption::None),
            (BucketKind::RetentionDropped, false, Disruption::Manual),
            (BucketKind::VersioningDropped, false, Disruption::Manual),
            (BucketKind::LifecycleDropped, false, Disruption::Manual),
            (BucketKind::QuotaDropped, false, Disruption::Manual),
        ] {
            assert_eq!(class(kind, weakens), expected, "{kind:?}");
            let effect = bucket_effect("b", kind, ("x", "y"), weakens);
            assert_eq!(effect.kind, Kind::BucketSettings);
            assert!(
                effect.source.contains("createJob") || effect.source.contains("CreateBuckets"),
                "{kind:?}: {}",
                effect.source
            );
            assert!(
                effect.source.contains("minio cmd/"),
                "{kind:?}: {}",
                effect.source
            );
        }
    }

    /// Each change says which bucket, and the old and new setting in that order: a reader
    /// decides from it whether to apply, so a swapped pair would tell them the opposite.
    #[test]
    fn each_bucket_change_names_the_bucket_and_both_settings() {
        for (kind, expected) in [
            (
                BucketKind::LockAdded,
                "bucket `b` exists without object lock",
            ),
            (
                BucketKind::LockRemoved,
                "bucket `b` was created with object lock, which nothing can remove",
            ),
            (
                BucketKind::ModeWeakened,
                "bucket `b`: its compliance retention (OLD) would become NEW",
            ),
            (
                BucketKind::RetentionShorter,
                "bucket `b`: the default retention would shorten from OLD to NEW",
            ),
            (
                BucketKind::RetentionLonger,
                "bucket `b`: the default retention grows from OLD to NEW",
            ),
            (
                BucketKind::ModeStrengthened,
                "bucket `b`: the default retention becomes NEW (was OLD)",
            ),
            (
                BucketKind::RetentionDropped,
                "bucket `b` no longer declares its default retention (OLD)",
            ),
            (
                BucketKind::VersioningDropped,
                "bucket `b` is no longer declared versioned",
            ),
            (
                BucketKind::LifecycleDropped,
                "bucket `b` no longer expires noncurrent versions (OLD)",
            ),
            (
                BucketKind::QuotaDropped,
                "bucket `b` no longer declares its quota (OLD)",
            ),
            (BucketKind::Reapplied, "bucket `b`: NEW"),
        ] {
            let effect = bucket_effect("b", kind, ("OLD", "NEW"), false);
            assert_eq!(effect.change, expected, "{kind:?}");
            assert!(effect.todo.is_empty(), "{kind:?}: {}", effect.todo);
        }
    }
}
