//! Properties over generated site files: any valid site file gives a stream that parses, whose
//! custom resources pass their strict upstream schemas and whose core objects pass
//! `kubernetes-validate --strict`, and that is byte-identical on a second run.

use std::collections::BTreeMap;
use std::sync::Mutex;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use miniogen::model::credentials::MasterKey;

use crate::support::{TEST_KEY, TIERS, documents, shared_schemas, venv_tool};

/// A DNS-1123 label, including names a YAML 1.1 reader takes for something else.
fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,20}[a-z0-9]",
        Just("on".to_string()),
        Just("no".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("0777".to_string()),
        Just("1e3".to_string()),
    ]
}

fn bucket() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{2,20}[a-z0-9]".prop_filter("not the default buckets", |b| {
        !["synapse-media", "synapse-media-li", "postgresql-backups"].contains(&b.as_str())
    })
}

/// Pool layouts MinIO accepts (servers, volumes per server), with EC:4 fitting every set.
const LAYOUTS: [(u32, u32); 6] = [(4, 2), (4, 4), (8, 1), (8, 2), (8, 4), (16, 2)];

prop_compose! {
    fn extra_pool(index: usize)(
        layout in proptest::sample::select(LAYOUTS.to_vec()),
        size in proptest::sample::select(vec!["100Gi", "500Gi", "1Ti", "2Ti"]),
        storage_class in proptest::option::of(label()),
    ) -> Value {
        let mut pool = json!({
            "name": format!("pool-{}", index + 1),
            "servers": layout.0,
            "volumes_per_server": layout.1,
            "volume_size": size,
        });
        if let Some(class) = storage_class {
            pool["storage_class"] = json!(class);
        }
        pool
    }
}

fn pools() -> impl Strategy<Value = Vec<Value>> {
    (0usize..3).prop_flat_map(|n| (0..n).map(extra_pool).collect::<Vec<_>>())
}

prop_compose! {
    fn prometheus()(
        enabled in any::<bool>(),
        bearer in any::<bool>(),
        labels in proptest::collection::btree_map("[a-z]{1,8}(\\.[a-z]{1,8})?/[a-z]{1,8}", label(), 0..3),
        interval in proptest::sample::select(vec![("30s", "10s"), ("1m", "30s"), ("15s", "15s")]),
    ) -> Value {
        let mut p = json!({
            "enabled": enabled,
            "labels": labels,
            "interval": interval.0,
            "scrape_timeout": interval.1,
        });
        if bearer {
            p["auth"] = json!("bearer");
            p["bearer_token_secret"] = json!("minio-prometheus-token");
        }
        p
    }
}

prop_compose! {
    fn site()(
        namespace in label(),
        tenant in label(),
        storage_class in label(),
        tls in any::<bool>(),
        pools in pools(),
        extra_buckets in proptest::collection::btree_set(bucket(), 0..3),
        lock in any::<bool>(),
        prometheus in prometheus(),
        rclone in any::<bool>(),
        schedule in proptest::sample::select(vec!["*/15 * * * *", "0 3 * * *", "30 */2 * * 1-5"]),
        transfers in 1u32..64,
        mode in proptest::sample::select(vec!["external-secrets", "vault-placeholders", "derived", "existing"]),
        rotation in 0u32..5,
        audit in any::<bool>(),
        volume_size in proptest::option::of(proptest::sample::select(vec!["200Gi", "1Ti", "4Ti"])),
        environment in proptest::option::of(label()),
    ) -> Value {
        let mut buckets: Vec<Value> = ["synapse-media", "synapse-media-li", "postgresql-backups"]
            .iter()
            .map(|b| json!({ "name": b }))
            .collect();
        buckets.extend(extra_buckets.into_iter().map(|b| json!({ "name": b, "object_lock": lock })));
        let mut site = json!({
            "namespace": namespace,
            "tenant": { "name": tenant, "storage_class": storage_class, "tls": tls },
            "pools": pools,
            "buckets": buckets,
            "prometheus": prometheus,
            "rclone": { "enabled": rclone, "schedule": schedule, "transfers": transfers },
            "secrets": { "mode": mode, "rotation": rotation },
        });
        if audit {
            site["audit"] = json!({ "webhook_endpoint": "https://audit.example:8443/minio" });
        }
        if let Some(size) = volume_size {
            site["sizing"] = json!({ "volume_size": size });
        }
        if let Some(name) = environment {
            site["environments"] = json!({ name: { "namespace": "env-ns", "tenant": { "tls": !tls } } });
        }
        site
    }
}

fn compile(text: &str, ccu: u32) -> Vec<String> {
    let key = MasterKey::new(TEST_KEY.as_bytes()).ok();
    miniogen::compile_site("generated.toml", text, ccu, key.as_ref())
        .unwrap_or_else(|e| panic!("a valid site file is refused: {e:?}\n{text}"))
}

#[test]
fn any_valid_site_file_gives_valid_identical_output() {
    let Some(schemas) = shared_schemas() else {
        return;
    };
    let mut validators: BTreeMap<String, jsonschema::Validator> = BTreeMap::new();
    // The shared schemas, and those the project keeps itself (`tests/schemas`).
    let own = crate::support::root().join("tests/schemas");
    let entries = std::fs::read_dir(&schemas)
        .into_iter()
        .chain(std::fs::read_dir(&own))
        .flatten()
        .flatten();
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".strict.json") {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let schema: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let validator =
                jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"));
            validators.insert(stem.to_string(), validator);
        }
    }
    let streams = Mutex::new(Vec::new());
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (site(), proptest::sample::select(TIERS.to_vec()));
    let result = runner.run(&strategy, |(site, ccu)| {
        let text = toml::to_string(&site).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let first = compile(&text, ccu);
        prop_assert_eq!(&first, &compile(&text, ccu), "a second run differs");
        for stream in &first {
            for doc in documents(stream) {
                let kind = doc["kind"].as_str().unwrap_or_default().to_lowercase();
                let api = doc["apiVersion"].as_str().unwrap_or_default();
                if let Some((group, version)) = api
                    .rsplit_once('/')
                    .filter(|(g, _)| g.contains('.') && !g.ends_with(".k8s.io"))
                {
                    let stem = format!("{kind}.{group}_{version}");
                    let validator = validators
                        .get(&stem)
                        .ok_or_else(|| TestCaseError::fail(format!("no schema for {stem}")))?;
                    let errors: Vec<String> = validator
                        .iter_errors(&doc)
                        .map(|e| format!("{e} at {}", e.instance_path()))
                        .collect();
                    prop_assert!(
                        errors.is_empty(),
                        "{} fails {}: {:?}\n{}",
                        kind,
                        stem,
                        errors,
                        text
                    );
                }
            }
        }
        streams
            .lock()
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .extend(first);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let Some(tool) = venv_tool("kubernetes-validate") else {
        return;
    };
    let dir = crate::support::scratch_dir("properties");
    let streams = streams.into_inner().unwrap_or_default();
    let files: Vec<std::path::PathBuf> = streams
        .iter()
        .enumerate()
        .map(|(i, stream)| {
            let path = dir.join(format!("{i:03}.yaml"));
            std::fs::write(&path, stream).unwrap_or_else(|e| panic!("{e}"));
            path
        })
        .collect();
    for version in ["1.28", "1.37"] {
        let output = std::process::Command::new(&tool)
            .args(["--strict", "--no-warn", "-k", version])
            .args(&files)
            .output()
            .unwrap_or_else(|e| panic!("cannot run kubernetes-validate: {e}"));
        assert!(
            output.status.success(),
            "kubernetes-validate {version} refused a generated render:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Pools MinIO accepts though no tier uses them are planned in the sets MinIO chooses: the
/// largest size from 2 to 16 that divides the drives and divides, or is divided by, the servers
/// (`possibleSetCountsWithSymmetry`, `commonSetDriveCount` in minio/minio
/// `cmd/endpoint-ellipses.go`). 6 x 3 = 18 drives: 9 divides them but does not spread evenly
/// over 6 servers, so MinIO takes 6.
#[test]
fn uneven_pools_get_the_sets_minio_chooses() {
    for (servers, volumes, parity, set_size) in [(6, 3, 3, 6), (5, 4, 4, 10), (12, 3, 4, 12)] {
        let run = crate::support::miniogen(&[
            "plan",
            "--ccu",
            "5000",
            "--format",
            "json",
            "--set",
            &format!("sizing.servers={servers}"),
            "--set",
            &format!("sizing.volumes_per_server={volumes}"),
            "--set",
            &format!("sizing.parity={parity}"),
            "--set",
            "warnings.servers_multiple_of_4=false",
            "--set",
            "tenant.erasure_sets=\"largest\"",
        ]);
        assert_eq!(run.code, 0, "{servers}x{volumes}: {}", run.stderr);
        let plan: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plan["pools"][0]["own_set_size"], set_size,
            "{servers}x{volumes}: {}",
            plan["pools"][0]
        );
    }
}
