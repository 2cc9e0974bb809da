//! Consumer outputs as a platform engineer meets them: fragments beside the manifests and never
//! in the stream, endpoints that match the service the operator creates with TLS on and off, and
//! one source of truth, so that a renamed bucket or user reaches every consumer.

use serde_json::Value;

use crate::support::{documents, miniogen, ok, root, scratch_dir};

/// `miniogen consumers` output split into fragment file name and value.
fn fragments(args: &[&str]) -> Vec<(String, Value)> {
    let out = ok(&[&["consumers"], args].concat());
    out.split("# consumers/")
        .skip(1)
        .map(|section| {
            let (file, rest) = section.split_once('\n').unwrap_or_default();
            let value: Value =
                serde_saphyr::from_str(rest).unwrap_or_else(|e| panic!("{file}: {e}"));
            (file.to_string(), value)
        })
        .collect()
}

fn get<'a>(fragments: &'a [(String, Value)], file: &str) -> &'a Value {
    fragments
        .iter()
        .find(|(f, _)| f == file)
        .map_or_else(|| panic!("no fragment {file}"), |(_, v)| v)
}

fn object<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// The service the operator creates for a tenant in `matrix` (FACTS: `minio`, 443
/// `https-minio` with TLS, 80 `http-minio` without), written out here rather than taken from
/// miniogen.
fn expected(tls: bool) -> (&'static str, &'static str, &'static str) {
    if tls {
        (
            "https://minio.matrix.svc.cluster.local",
            "https",
            "https-minio",
        )
    } else {
        (
            "http://minio.matrix.svc.cluster.local",
            "http",
            "http-minio",
        )
    }
}

#[test]
fn every_consumer_reaches_the_service_the_operator_creates_with_tls_on_and_off() {
    let config = root().join("tests/fixtures/valid/consumers.toml");
    let config = config.to_string_lossy();
    for tls in [true, false] {
        let set = format!("tenant.tls={tls}");
        let args = ["--ccu", "100", "--config", &config, "--set", &set];
        let (url, scheme, port) = expected(tls);
        let docs = documents(&ok(&[&["gen"], args.as_slice()].concat()));
        let frags = fragments(&args);

        let synapse = &get(&frags, "synapse-media-storage.yaml")["media_storage_providers"][0];
        assert_eq!(synapse["config"]["endpoint_url"], url, "tls {tls}");
        let env = &get(&frags, "synapse-pod.yaml")["container"]["env"];
        let ca = env
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["name"] == "AWS_CA_BUNDLE");
        assert_eq!(ca.is_some(), tls, "tls {tls}: CA bundle");

        let barman =
            &get(&frags, "cnpg-barman-object-store.yaml")["spec"]["backup"]["barmanObjectStore"];
        let store = &object(&docs, "ObjectStore")["spec"]["configuration"];
        for stanza in [barman, store] {
            assert_eq!(stanza["endpointURL"], url, "tls {tls}");
            assert_eq!(
                stanza["endpointCA"].is_object(),
                tls,
                "tls {tls}: endpointCA"
            );
        }
        let conf = docs
            .iter()
            .find(|d| d["data"]["rclone.conf"].is_string())
            .map(|d| {
                d["data"]["rclone.conf"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default();
        assert_eq!(
            conf.matches(&format!("endpoint = {url}\n")).count(),
            2,
            "{conf}"
        );
        // The cluster metrics: one target, the `minio` service, as Synapse reaches it.
        let scrape = &object(&docs, "ScrapeConfig")["spec"];
        let target = format!(
            "{}:{}",
            url.split_once("://").map_or("", |(_, h)| h),
            if tls { 443 } else { 80 }
        );
        assert_eq!(
            (
                scrape["scheme"].as_str().map(str::to_lowercase),
                &scrape["staticConfigs"][0]["targets"]
            ),
            (Some(scheme.to_string()), &Value::from(vec![target]))
        );
        // Each server's metrics, when asked: the headless service's port of the same name.
        let docs = documents(&ok(&[
            &["gen"],
            args.as_slice(),
            &["--set", "prometheus.node_metrics=true"],
        ]
        .concat()));
        let endpoint = &object(&docs, "ServiceMonitor")["spec"]["endpoints"][0];
        assert_eq!(
            (endpoint["scheme"].as_str(), endpoint["port"].as_str()),
            (Some(scheme), Some(port))
        );
        let plugin = &get(&frags, "cnpg-plugin.yaml")["spec"]["plugins"][0];
        assert_eq!(
            plugin["parameters"]["barmanObjectName"],
            object(&docs, "ObjectStore")["metadata"]["name"]
        );
    }
}

/// Renaming Synapse's bucket and user in the site file reaches the Synapse fragments, the LI
/// sync, the policies and the job; renaming CloudNativePG's Secret reaches both backup styles.
#[test]
fn a_renamed_bucket_or_user_changes_every_consumer_consistently() {
    let config = root().join("tests/fixtures/valid/consumers.toml");
    let config = config.to_string_lossy();
    let renames = [
        "buckets=[{name=\"media\"},{name=\"synapse-media-li\"},{name=\"postgresql-backups\"},{name=\"loki-chunks\"}]",
        "users.synapse={access_key=\"matrix-media\",secret=\"matrix-media-keys\",bucket=\"media\"}",
        "rclone.source={remote=\"minio-main\",bucket=\"media\"}",
        "users.cnpg={secret=\"pg-backup-keys\"}",
        "consumers.grafana.buckets={loki-chunks=\"read\",media=\"read\"}",
    ];
    let mut args = vec!["--ccu", "100", "--config", &config];
    for r in &renames {
        args.extend(["--set", r]);
    }
    let docs = documents(&ok(&[&["gen"], args.as_slice()].concat()));
    let frags = fragments(&args);
    let stream = serde_json::to_string(&docs).unwrap_or_default();
    let text = serde_json::to_string(&frags).unwrap_or_default();
    for old in [
        "\"synapse-media\"",
        "minio-user",
        "minio-credentials",
        "synapse-media/*",
        ":synapse-media\"",
    ] {
        assert!(
            !stream.contains(old) && !text.contains(old),
            "`{old}` is still referenced"
        );
    }
    assert_eq!(
        get(&frags, "synapse-media-storage.yaml")["media_storage_providers"][0]["config"]["bucket"],
        "media"
    );
    let env = &get(&frags, "synapse-pod.yaml")["container"]["env"];
    assert_eq!(
        env[0]["valueFrom"]["secretKeyRef"]["name"],
        "matrix-media-keys"
    );
    let job = docs
        .iter()
        .find(|d| {
            d["kind"] == "MinIOJob"
                && d["metadata"]["labels"]["app.kubernetes.io/component"] == "iam"
        })
        .unwrap_or_else(|| panic!("no IAM MinIOJob"));
    let users: Vec<&Value> = job["spec"]["commands"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["op"] == "admin/user/add")
        .collect();
    assert!(users.iter().any(|c| c["args"]["user"] == "matrix-media"
        && c["env"][0]["valueFrom"]["secretKeyRef"]["name"] == "matrix-media-keys"));
    let cron = object(&docs, "CronJob");
    let args_text =
        cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
            .to_string();
    assert!(args_text.contains("\"minio-main:media\""), "{args_text}");
    let barman =
        &get(&frags, "cnpg-barman-object-store.yaml")["spec"]["backup"]["barmanObjectStore"];
    let store = &object(&docs, "ObjectStore")["spec"]["configuration"];
    for stanza in [barman, store] {
        assert_eq!(
            stanza["s3Credentials"]["accessKeyId"]["name"],
            "pg-backup-keys"
        );
        assert_eq!(stanza["destinationPath"], "s3://postgresql-backups/main/");
    }
    // `gen` succeeded, so the cross-check found every reference; the plan agrees.
    let plan = ok(&[&["plan"], args.as_slice()].concat());
    assert!(
        plan.contains("user `matrix-media` (Secret `matrix-media-keys`)"),
        "{plan}"
    );
}

/// Fragments are never in the stream; `gen --out` writes them under `consumers/`, which the
/// kustomization leaves out, and `check` compares them like any other file.
#[test]
fn fragments_live_beside_the_manifests_never_in_them() {
    for doc in documents(&ok(&["gen", "--ccu", "100"])) {
        assert!(doc["kind"].is_string(), "a document without kind: {doc}");
    }
    let dir = scratch_dir("consumer-fragments");
    let out = dir.join("out");
    let out_arg = out.to_string_lossy().into_owned();
    ok(&["gen", "--ccu", "100", "--out", &out_arg]);
    let kustomization = std::fs::read_to_string(out.join("kustomization.yaml")).unwrap_or_default();
    assert!(!kustomization.contains("consumers/"), "{kustomization}");
    let fragment = out.join("consumers/synapse-media-storage.yaml");
    let text = std::fs::read_to_string(&fragment).unwrap_or_default();
    assert!(
        text.starts_with("# Generated by miniogen") && text.contains("media_storage_providers:"),
        "{text}"
    );
    ok(&["check", "--ccu", "100", "--out", &out_arg]);
    let changed = miniogen(&[
        "check",
        "--ccu",
        "100",
        "--out",
        &out_arg,
        "--set",
        "synapse.region=eu-west-1",
    ]);
    assert_eq!(changed.code, 1);
    assert!(
        changed
            .stdout
            .contains("stale: `consumers/synapse-media-storage.yaml`"),
        "{}",
        changed.stdout
    );
    // Turning Synapse's output off removes its fragments and keeps the user's own files.
    std::fs::write(out.join("consumers/mine.yaml"), "mine: true\n")
        .unwrap_or_else(|e| panic!("{e}"));
    ok(&[
        "gen",
        "--ccu",
        "100",
        "--out",
        &out_arg,
        "--set",
        "synapse.output=\"none\"",
    ]);
    assert!(!fragment.exists());
    assert!(out.join("consumers/mine.yaml").exists());
    assert!(out.join("consumers/cnpg-barman-object-store.yaml").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
