//! Changes that must not be applied together, and the order to apply them in.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use super::{effect, str_at, with};
use crate::plan::operator::{Disruption, Effect, Kind};

const INCONSISTENT: &str = "pkg/controller/main-controller.go syncHandler \
                            (StatusInconsistentMinIOVersions), pkg/controller/pools.go \
                            restartInitializedPool";

/// A configuration change applied with changes that restart MinIO by themselves: a roll brings
/// servers up on the new configuration one at a time, each waiting for half of its peers, and an
/// in-place update may restart them before every sidecar has rewritten `config.env`. Allowed
/// (every server ends on the new configuration once the restarts are through), but the user
/// must know, and may split it.
pub(super) fn warn_restarts_with_configuration(changes: &mut [Effect]) {
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

/// Whether a change touches the pools that exist (not only a new one).
fn on_existing(change: &Effect, added: &BTreeSet<&str>) -> bool {
    change.pool.as_deref().is_none_or(|p| !added.contains(p))
}

/// The order to apply the changes in when a new pool comes with changes to the configuration,
/// the image or the existing pools' pods; empty when they may go together.
pub(super) fn steps(changes: &[Effect], old: &Value) -> Vec<String> {
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
pub(super) fn combined(changes: &[Effect]) -> Effect {
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
    use crate::plan::operator::v6_0_2::changes::testing::*;
    use serde_json::json;

    /// A configuration change with a roll: still `manual`, never `rolling`, and it says why to
    /// split them.
    #[test]
    fn configuration_with_a_roll_says_to_split_them() {
        let mut raised = tenant();
        raised["spec"]["pools"][0]["resources"] = json!({"requests": {"cpu": "4"}});
        let verdict = judge_configured(
            (&tenant(), Some("export MINIO_X=\"1\"\n")),
            (&raised, Some("export MINIO_X=\"2\"\n")),
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

    /// A new pool with another image, configuration or pod change: `blocked`, with the order.
    #[test]
    fn a_new_pool_goes_alone() {
        let old = tenant();
        let mut new = with_pool(tenant(), "pool-1");
        new["spec"]["image"] = json!(NEW);
        let v = judge_configured(
            (&old, Some("export MINIO_STORAGE_CLASS_STANDARD=\"EC:4\"\n")),
            (
                &new,
                Some(
                    "export MINIO_STORAGE_CLASS_STANDARD=\"EC:4\"\nexport MINIO_ERASURE_SET_DRIVE_COUNT=\"8\"\n",
                ),
            ),
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
}
