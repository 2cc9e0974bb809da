//! What reaches the pods' template: Tenant and pool fields (`NewPool`) and labels and
//! annotations (`PodMetadata`), which roll a pool's pods when they differ (`poolSSMatchesSpec`),
//! and the metadata GitOps tools write on the Tenant.

use std::fmt::Write as _;

use serde_json::Value;

use super::{effect, ticked, with};
use crate::plan::operator::v6_0_2::{
    CONSOLE_LABEL, POOL_LABEL, REVISION_ANNOTATION, TEMPLATE_FIELDS, TENANT_LABEL,
};
use crate::plan::operator::{
    Disruption, Effect, GitopsKey, Kind, Scope, changed_keys, dotted, string_map,
};

pub(super) const TEMPLATE: &str =
    "pkg/controller/pools.go poolSSMatchesSpec, pkg/controller/main-controller.go syncHandler";

const POD_METADATA: &str = "pkg/resources/statefulsets/minio-statefulset.go PodMetadata, \
                            pkg/controller/pools.go poolSSMatchesSpec";

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

/// Tenant-wide fields of the pod template, and the Tenant's own labels and annotations.
pub(super) fn tenant_template(old: &Value, new: &Value) -> Vec<Effect> {
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
    for (what, pointer, overwritten) in [
        (
            "label",
            "/metadata/labels",
            &[TENANT_LABEL, POOL_LABEL, CONSOLE_LABEL][..],
        ),
        (
            "annotation",
            "/metadata/annotations",
            &[REVISION_ANNOTATION][..],
        ),
    ] {
        for key in changed_keys(&string_map(old, pointer), &string_map(new, pointer)) {
            // `PodMetadata` sets these after copying the Tenant's own, so the Tenant's value
            // never reaches a pod.
            if !overwritten.contains(&key.as_str()) {
                keys.push((what, key));
            }
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

/// What reaches its pods: the fields of the pod template and its own labels and annotations.
pub(super) fn pool_pods(name: &str, old: &Value, new: &Value) -> Vec<Effect> {
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
        // Every key, the operator's own included: `PodMetadata` merges the pool's labels and
        // annotations over everything else (`MergeMaps`, `pkg/apis/minio.min.io/v2/helper.go`:
        // the second map wins), so a pool's `min.io/revision` replaces the status's.
        for key in changed_keys(&string_map(old, pointer), &string_map(new, pointer)) {
            keys.push((what, key));
        }
    }
    if !keys.is_empty() {
        out.push(metadata_effect(Some(name), &keys));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::operator::v6_0_2::changes::testing::*;
    use serde_json::json;

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
            let meta = crate::plan::operator::v6_0_2::pod_metadata(&t, &t["spec"]["pools"][0]);
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

    /// What `PodMetadata` puts last decides: the operator's own keys on the Tenant never reach
    /// a pod, and the same keys on a pool always do (the pool's maps are merged over all).
    #[test]
    fn the_operator_keys_count_where_they_reach_the_pods() {
        let base = tenant();
        let mut tenant_keys = tenant();
        tenant_keys["metadata"]["labels"][TENANT_LABEL] = json!("other");
        tenant_keys["metadata"]["labels"][POOL_LABEL] = json!("x");
        tenant_keys["metadata"]["annotations"][REVISION_ANNOTATION] = json!("7");
        assert_eq!(classes(&judge(&base, &tenant_keys)), []);
        let pools = crate::plan::operator::v6_0_2::pod_metadata;
        assert_eq!(
            pools(&base, &base["spec"]["pools"][0]),
            pools(&tenant_keys, &tenant_keys["spec"]["pools"][0])
        );
        let mut pool_keys = tenant();
        pool_keys["spec"]["pools"][0]["annotations"][REVISION_ANNOTATION] = json!("7");
        assert_ne!(
            pools(&base, &base["spec"]["pools"][0]),
            pools(&pool_keys, &pool_keys["spec"]["pools"][0])
        );
        let pool = base["spec"]["pools"][0]["name"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(
            classes(&judge(&base, &pool_keys)),
            [(Kind::PodMetadata, Some(pool), Disruption::Rolling)]
        );
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

    /// Two GitOps keys changed at once (a first sync by Argo CD with label tracking and by
    /// Flux): one roll, whose `todo` explains each key once, in one readable list.
    #[test]
    fn each_changed_gitops_key_is_explained_once() {
        let old = tenant();
        let mut new = tenant();
        new["metadata"]["labels"]["app.kubernetes.io/instance"] = json!("matrix");
        new["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] = json!("matrix");
        let v = judge(&old, &new);
        assert_eq!(
            classes(&v),
            [(Kind::PodMetadata, None, Disruption::Rolling)]
        );
        let todo = &v.changes[0].todo;
        assert_eq!(todo.matches(" is written by ").count(), 2, "{todo}");
        assert!(
            todo.starts_with("`app.kubernetes.io/instance` is written by Argo CD")
                && todo.contains("; `kustomize.toolkit.fluxcd.io/name` is written by Flux"),
            "{todo}"
        );
    }

    /// New resource requests must fit the nodes, or the roll stops with a server down; other
    /// fields of a pool's template roll it with nothing to check first.
    #[test]
    fn only_new_resources_ask_for_room_on_the_nodes() {
        let old = tenant();
        let mut raised = tenant();
        raised["spec"]["pools"][0]["resources"] = json!({"limits": {"memory": "8Gi"}});
        let v = judge(&old, &raised);
        assert_eq!(
            classes(&v),
            [(Kind::PodTemplate, Some("pool-0"), Disruption::Rolling)]
        );
        assert_eq!(
            v.changes[0].change,
            "`spec.pools[pool-0].resources` from requests cpu 1 to limits memory 8Gi"
        );
        assert!(v.changes[0].todo.contains("room for the new requests"));
        let mut placed = tenant();
        placed["spec"]["pools"][0]["nodeSelector"] = json!({"disk": "ssd"});
        let v = judge(&old, &placed);
        assert_eq!(
            classes(&v),
            [(Kind::PodTemplate, Some("pool-0"), Disruption::Rolling)]
        );
        assert_eq!(v.changes[0].change, "`spec.pools[pool-0].nodeSelector`");
        assert!(v.changes[0].todo.is_empty(), "{}", v.changes[0].todo);
    }
}
