//! The Flux manifests, checked offline: they parse, their fields fit Flux's v1 APIs and each
//! other, the path they deploy is a committed output folder that `kubectl kustomize` builds, the
//! health check names that folder's Tenant, and its CEL expressions, run by a CEL
//! implementation, tell an initialized tenant from one still provisioning or stuck.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::{kustomize, output_with_input, root, venv_tool, which, yaml_file};

fn objects() -> (Value, Value) {
    let source = yaml_file("deploy/flux/source.yaml").remove(0);
    let kustomization = yaml_file("deploy/flux/minio.yaml").remove(0);
    (source, kustomization)
}

#[test]
fn the_source_and_the_kustomization_fit_together() {
    let (source, ks) = objects();
    assert_eq!(source["apiVersion"], "source.toolkit.fluxcd.io/v1");
    assert_eq!(source["kind"], "GitRepository");
    assert!(source["spec"]["url"].is_string());
    assert!(source["spec"]["interval"].is_string());
    assert!(source["spec"]["ref"]["branch"].is_string());

    assert_eq!(ks["apiVersion"], "kustomize.toolkit.fluxcd.io/v1");
    assert_eq!(ks["kind"], "Kustomization");
    let spec = &ks["spec"];
    assert_eq!(spec["sourceRef"]["kind"], source["kind"]);
    assert_eq!(spec["sourceRef"]["name"], source["metadata"]["name"]);
    // Without `sourceRef.namespace` the source must live beside the Kustomization.
    assert_eq!(ks["metadata"]["namespace"], source["metadata"]["namespace"]);
    // Required by the v1 API.
    assert!(spec["interval"].is_string());
    assert!(spec["prune"].is_boolean());
    assert!(spec["timeout"].is_string());
    assert!(
        spec.get("wait").is_none(),
        "`wait: true` would ignore `healthChecks`"
    );
    let known = [
        "sourceRef",
        "path",
        "interval",
        "retryInterval",
        "timeout",
        "prune",
        "healthChecks",
        "healthCheckExprs",
    ];
    for key in spec.as_object().into_iter().flat_map(|m| m.keys()) {
        assert!(
            known.contains(&key.as_str()),
            "unexpected field `spec.{key}`"
        );
    }
    // kustomize-controller applies server-side, which writes no last-applied annotation for the
    // operator to copy into the pod templates; `force` would recreate the Tenant.
    assert!(spec.get("force").is_none());
    let text = std::fs::read_to_string(root().join("deploy/flux/minio.yaml")).unwrap_or_default();
    assert!(
        text.contains("applies server-side") && text.contains("last-applied-configuration"),
        "say why the folder relies on server-side apply: {text}"
    );
}

#[test]
fn the_path_is_a_committed_folder_whose_tenant_is_health_checked() {
    let Some(kubectl) = which("kubectl") else {
        return;
    };
    let (_, ks) = objects();
    let path = ks["spec"]["path"].as_str().unwrap_or_default();
    let folder = root().join(path.trim_start_matches("./"));
    assert!(
        folder.join("kustomization.yaml").is_file(),
        "{path} is no output folder of this repository"
    );
    let built = kustomize(&kubectl, &folder);
    let tenant = built
        .iter()
        .find(|d| d["kind"] == "Tenant")
        .cloned()
        .unwrap_or_else(|| panic!("{path} holds no Tenant"));
    let checks = ks["spec"]["healthChecks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(checks.len(), 2, "{checks:?}");
    // The Tenant, and the verification Job of the same folder.
    let verify = built
        .iter()
        .find(|d| d["kind"] == "Job")
        .cloned()
        .unwrap_or_else(|| panic!("{path} holds no verification Job"));
    for (check, object) in checks.iter().zip([&tenant, &verify]) {
        assert_eq!(check["apiVersion"], object["apiVersion"]);
        assert_eq!(check["kind"], object["kind"]);
        assert_eq!(check["name"], object["metadata"]["name"]);
        assert_eq!(check["namespace"], object["metadata"]["namespace"]);
    }
    let exprs = ks["spec"]["healthCheckExprs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        exprs
            .iter()
            .any(|e| e["apiVersion"] == tenant["apiVersion"] && e["kind"] == tenant["kind"]),
        "no expressions for the Tenant: {exprs:?}"
    );

    // Both objects build as one kustomization, as a flux-system folder would hold them.
    let both = kustomize(&kubectl, &root().join("deploy/flux"));
    assert_eq!(both.len(), 2);
}

/// Evaluates each CEL expression against each object with the `cel` module of the test venv
/// (common-expression-language); `None` stands for an evaluation error.
fn evaluate(python: &std::path::Path, cases: &[(String, Value)]) -> Vec<Option<bool>> {
    let script = "import cel, json, sys\n\
        out = []\n\
        for expr, obj in json.load(sys.stdin):\n\
        \x20   try:\n\
        \x20       out.append(bool(cel.evaluate(expr, obj)))\n\
        \x20   except Exception:\n\
        \x20       out.append(None)\n\
        print(json.dumps(out))\n";
    let input = serde_json::to_string(cases).unwrap_or_default();
    let output = output_with_input(Command::new(python).args(["-c", script]), &input);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_health_check_waits_for_an_initialized_tenant() {
    let Some(python) = venv_tool("python") else {
        return;
    };
    let (_, ks) = objects();
    let exprs = &ks["spec"]["healthCheckExprs"][0];
    let current = exprs["current"].as_str().unwrap_or_default().to_string();
    let failed = exprs["failed"].as_str().unwrap_or_default().to_string();
    // The Tenant's status as MinIO Operator v6 writes it (`status.currentState`, one of the
    // `Status*` messages of `pkg/controller/main-controller.go`).
    let tenant = |state: &str| {
        json!({
            "apiVersion": "minio.min.io/v2",
            "kind": "Tenant",
            "metadata": {"name": "matrix-minio", "namespace": "matrix", "generation": 1},
            "spec": {"pools": []},
            "status": {"currentState": state, "healthStatus": "green", "availableReplicas": 4}
        })
    };
    let states = [
        ("Initialized", Some(true), Some(false)),
        ("Provisioning MinIO Statefulset", Some(false), Some(false)),
        (
            "Waiting for MinIO TLS Certificate",
            Some(false),
            Some(false),
        ),
        ("Provisioning default buckets", Some(false), Some(false)),
        (
            "Another MinIO Tenant already exists in the namespace",
            Some(false),
            Some(true),
        ),
        (
            "Statefulset not controlled by operator",
            Some(false),
            Some(true),
        ),
        ("Pool Decommissioning Not Allowed", Some(false), Some(true)),
    ];
    let mut cases = Vec::new();
    for (state, _, _) in &states {
        cases.push((current.clone(), tenant(state)));
        cases.push((failed.clone(), tenant(state)));
    }
    let results = evaluate(&python, &cases);
    for (i, (state, is_current, is_failed)) in states.iter().enumerate() {
        assert_eq!(results[2 * i], *is_current, "`current` for {state:?}");
        assert_eq!(results[2 * i + 1], *is_failed, "`failed` for {state:?}");
    }
}

/// Every scalar of `value` with its path (`spec.healthChecks[0].name`).
fn scalars(value: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                scalars(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                scalars(v, &format!("{path}[{i}]"), out);
            }
        }
        other => out.push((path.to_string(), other.clone())),
    }
}

/// The quickstart's step 7, where the README says what to change in the copies.
fn deploy_step() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    readme
        .split("**7. Deploy it**")
        .nth(1)
        .and_then(|s| s.split("**8. Verify**").next())
        .unwrap_or_default()
        .to_string()
}

/// The Flux objects are examples a user copies, not output: the fields that come from the site
/// file (the health check's Tenant) hold what the default site gives, and the quickstart names
/// each of them, so that a site in another namespace knows to change it. A new field with a
/// site value (the namespace, the tenant's name) that the README does not name fails here.
#[test]
fn the_example_follows_the_default_site_and_the_readme_names_each_field_to_change() {
    let plan: Value = serde_json::from_str(&crate::support::ok(&[
        "plan", "--ccu", "5000", "--format", "json",
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let site_values = [
        plan["namespace"].clone(),
        plan["tenant"]["name"].clone(),
        Value::String(format!(
            "{}-verify",
            plan["tenant"]["name"].as_str().unwrap_or_default()
        )),
    ];
    let (_, ks) = objects();
    let check = &ks["spec"]["healthChecks"][0];
    assert_eq!(check["name"], plan["tenant"]["name"]);
    assert_eq!(check["namespace"], plan["namespace"]);
    let step = deploy_step();
    let mut named = 0;
    for file in ["deploy/flux/source.yaml", "deploy/flux/minio.yaml"] {
        let mut found = Vec::new();
        scalars(&yaml_file(file).remove(0), "", &mut found);
        for (path, value) in found {
            if site_values.contains(&value) {
                assert!(
                    step.contains(&format!("`{path}`")),
                    "{file}: `{path}` holds {value}, from the site file, but the quickstart does \
                     not say to change it"
                );
                named += 1;
            }
        }
    }
    assert_eq!(
        named, 4,
        "the health checks' names and namespaces: the Tenant's and the verification Job's"
    );
    // And what depends on the user's repository.
    for field in ["`spec.url`", "`spec.path`"] {
        assert!(step.contains(field), "the quickstart does not name {field}");
    }
}
