//! Changes that must not be applied together, and the order to apply them in.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{effect, str_at, with};
use crate::plan::operator::{Disruption, Effect, Kind};

const INCONSISTENT: &str = "pkg/controller/main-controller.go syncHandler \
                            (StatusInconsistentMinIOVersions), pkg/controller/pools.go \
                            restartInitializedPool";
const MIXED_CONFIGURATION: &str = "minio cmd/bootstrap-peer-server.go verifyServerSystemConfig, \
                                   ServerSystemConfig.Diff, sidecar/pkg/sidecar/sidecar_utils.go \
                                   regenCfgWithSecret";

/// Whether a change touches the pools that exist (not only a new one).
fn on_existing(change: &Effect, added: &BTreeSet<&str>) -> bool {
    change.pool.as_deref().is_none_or(|p| !added.contains(p))
}

/// The pools a render adds.
fn added(changes: &[Effect]) -> BTreeSet<&str> {
    changes
        .iter()
        .filter(|c| c.kind == Kind::PoolAdded)
        .filter_map(|c| c.pool.as_deref())
        .collect()
}

/// The changes that restart MinIO processes in place, by the operator's doing: a roll of a
/// pool's pods, the in-place update of the image, a pool leaving.
fn restarting(changes: &[Effect]) -> Vec<&Effect> {
    changes
        .iter()
        .filter(|c| {
            c.kind != Kind::Configuration
                && matches!(c.disruption, Disruption::Rolling | Disruption::Simultaneous)
        })
        .collect()
}

fn list(effects: &[&Effect]) -> String {
    effects
        .iter()
        .map(|e| e.change.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The order to apply the changes in when they must not go together, one commit each; empty
/// when they may. A new pool goes alone, after the configuration it needs and before an image
/// or pod change of the existing pools. A configuration change goes alone too, after what
/// restarts MinIO in place: each server those restarts bring up must find its peers on the
/// configuration it has.
pub(super) fn steps(changes: &[Effect], old: &Value) -> Vec<String> {
    let added = added(changes);
    if added.is_empty() {
        return configuration_steps(changes);
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

/// A configuration change together with changes that restart MinIO in place: those first, with
/// `config.env` as the cluster has it, then the configuration alone.
fn configuration_steps(changes: &[Effect]) -> Vec<String> {
    let config: Vec<&Effect> = changes
        .iter()
        .filter(|c| c.kind == Kind::Configuration)
        .collect();
    let restarts = restarting(changes);
    if config.is_empty() || restarts.is_empty() {
        return Vec::new();
    }
    vec![
        format!(
            "what restarts MinIO alone ({}), with `config.env` as the cluster has it, so that \
             every server it restarts finds its peers on the same configuration",
            list(&restarts)
        ),
        format!(
            "the configuration alone ({}), then every server restarted at once as its change \
             says",
            list(&config)
        ),
    ]
}

/// The changes that must not go together, as one `blocked` entry.
pub(super) fn combined(changes: &[Effect]) -> Effect {
    let added = added(changes);
    if added.is_empty() {
        return configuration_combined(changes);
    }
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

/// A configuration change applied with a roll or a restart, as one `blocked` entry.
fn configuration_combined(changes: &[Effect]) -> Effect {
    let rolls = restarting(changes)
        .iter()
        .any(|c| c.disruption == Disruption::Rolling);
    let mut why = Vec::new();
    if rolls {
        why.push(
            "the roll restarts the servers one at a time onto the new `config.env`, and a \
             server that starts waits until at least half of its peers report the same \
             `MINIO_*` values (`verifyServerSystemConfig`, `ServerSystemConfig.Diff`); the \
             StatefulSet goes on to the next pod meanwhile, so about half the servers are down \
             at once before any of them serves again: on a 4-server pool writes stop at the \
             second pod",
        );
    }
    if restarting(changes)
        .iter()
        .any(|c| c.disruption == Disruption::Simultaneous)
    {
        why.push(
            "the operator restarts every MinIO process at once whether or not each pod's \
             sidecar has rewritten `config.env` yet (`regenCfgWithSecret` restarts nothing), \
             and servers that start on different `MINIO_*` values wait for each other \
             (`ServerSystemConfig.Diff`)",
        );
    }
    with(
        effect(
            Kind::Combined,
            None,
            "`config.env` changed together with what restarts MinIO in place".to_string(),
            Disruption::Blocked,
        ),
        MIXED_CONFIGURATION,
        why.join("; "),
        "apply them in the steps listed, one commit each".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::operator::v6_0_2::changes::testing::*;
    use serde_json::json;

    /// A configuration change with a roll: the roll would bring servers up one at a time on
    /// the new configuration, each waiting in `verifyServerSystemConfig` for half of its peers,
    /// so the two are `blocked` together, with the roll first (on the configuration the cluster
    /// has) and the configuration alone after. The configuration itself stays `manual`.
    #[test]
    fn configuration_with_a_roll_goes_in_two_steps() {
        let (a, b) = ("export MINIO_X=\"1\"\n", "export MINIO_X=\"2\"\n");
        let mut raised = tenant();
        raised["spec"]["pools"][0]["resources"] = json!({"requests": {"cpu": "4"}});
        let verdict = judge_configured((&tenant(), Some(a)), (&raised, Some(b)));
        assert_eq!(
            classes(&verdict),
            [
                (Kind::Configuration, None, Disruption::Manual),
                (Kind::PodTemplate, Some("pool-0"), Disruption::Rolling),
                (Kind::Combined, None, Disruption::Blocked),
            ]
        );
        let combined = &verdict.changes[2];
        assert!(
            combined
                .cause
                .contains("on a 4-server pool writes stop at the second pod")
                && combined.source.contains("verifyServerSystemConfig"),
            "{combined:#?}"
        );
        assert_eq!(verdict.steps.len(), 2, "{:#?}", verdict.steps);
        assert!(
            verdict.steps[0]
                .starts_with("what restarts MinIO alone (`spec.pools[pool-0].resources`")
                && verdict.steps[0].contains("with `config.env` as the cluster has it")
                && verdict.steps[1]
                    .starts_with("the configuration alone (`config.env`: `MINIO_X` changed)"),
            "{:#?}",
            verdict.steps
        );
        // The operator's in-place update of the image restarts every process at once, maybe
        // before every sidecar has rewritten the file: blocked too.
        let mut upgraded = tenant();
        upgraded["spec"]["image"] = json!(NEW);
        let verdict = judge_configured((&tenant(), Some(a)), (&upgraded, Some(b)));
        assert_eq!(verdict.worst(), Disruption::Blocked);
        assert!(
            verdict.changes[2]
                .cause
                .contains("`regenCfgWithSecret` restarts nothing")
        );
        // A pool that leaves restarts MinIO through a pool that stays: blocked too.
        let two = with_pool(tenant(), "pool-1");
        let verdict = judge_configured((&two, Some(a)), (&tenant(), Some(b)));
        assert_eq!(verdict.worst(), Disruption::Blocked, "{verdict:#?}");
        // What restarts nothing goes with it: users to provision, a bucket.
        let mut users = tenant();
        users["spec"]["users"] = json!([{"name": "admin"}]);
        users["spec"]["buckets"] = json!([{"name": "a"}, {"name": "b"}]);
        let verdict = judge_configured((&tenant(), Some(a)), (&users, Some(b)));
        assert!(verdict.steps.is_empty(), "{verdict:#?}");
        assert_eq!(verdict.worst(), Disruption::Manual);
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
    /// The `blocked` entry for a new pool gives the reason of each change it comes with, and
    /// only those: the operator's version check for an image (`syncHandler`), the restart
    /// `restartInitializedPool` gives before the sidecars rewrite `config.env`, the overlap with
    /// a roll of the existing pools (`poolSSMatchesSpec`).
    #[test]
    fn a_new_pool_says_why_for_each_change_it_comes_with() {
        const IMAGE: &str = "Different versions across MinIO Pools";
        const CONFIG: &str = "whether or not each pod's sidecar has rewritten `config.env` yet, \
                              and the new pool's servers format";
        const PODS: &str = "the restart for the new pool and the roll of the existing pools' pods";
        let old = tenant();
        let grown = with_pool(tenant(), "pool-1");
        let cfg = "export MINIO_STORAGE_CLASS_STANDARD=\"EC:4\"\n";
        let more = format!("{cfg}export MINIO_ERASURE_SET_DRIVE_COUNT=\"8\"\n");
        let mut image = grown.clone();
        image["spec"]["image"] = json!(NEW);
        let mut pods = grown.clone();
        pods["spec"]["pools"][0]["resources"] = json!({"requests": {"cpu": "4"}});
        let mut labelled = grown.clone();
        labelled["metadata"]["labels"]["x"] = json!("y");
        for (what, new, after, expected) in [
            ("image", &image, cfg, [true, false, false]),
            ("configuration", &grown, more.as_str(), [false, true, false]),
            ("pool resources", &pods, cfg, [false, false, true]),
            ("tenant label", &labelled, cfg, [false, false, true]),
        ] {
            let v = judge_configured((&old, Some(cfg)), (new, Some(after)));
            let combined = v.changes.last().unwrap_or_else(|| panic!("{what}"));
            assert_eq!(
                (combined.kind, combined.disruption),
                (Kind::Combined, Disruption::Blocked),
                "{what}: {v:#?}"
            );
            assert_eq!(
                combined.change, "pool `pool-1` added together with other changes",
                "{what}"
            );
            assert_eq!(
                [IMAGE, CONFIG, PODS].map(|s| combined.cause.contains(s)),
                expected,
                "{what}: {}",
                combined.cause
            );
            assert_eq!(v.steps.len(), 2, "{what}: {:#?}", v.steps);
        }
    }
}
