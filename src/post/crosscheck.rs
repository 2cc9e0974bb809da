//! The cross-check: after `post`, proves that every endpoint, port, scheme, bucket, Secret and
//! key a consumer is told to use exists in what miniogen generated.
//!
//! It reads the generated objects and fragments back, not the plan: the S3 service comes from
//! the Tenant object (its namespace and `requestAutoCert`, and the service the operator makes
//! from them), buckets from its `spec.buckets`, Secrets and keys from the Secrets or
//! ExternalSecrets in the stream, and each user's buckets from the IAM MinIOJob and its policy
//! documents. Only what miniogen never generates comes from the plan, each as a declared
//! prerequisite: the Secrets of secrets mode `existing`, the CA ConfigMap Kubernetes puts in
//! every namespace, and the CA Secret CloudNativePG needs. Any mismatch is an error.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::input::yaml;
use crate::plan::operator::{self, ServicePort};
use crate::plan::{ACCESS_KEY, KeyValue, METRICS_PATH, NODE_METRICS_PATH, Plan};
use crate::post::{Fragment, Manifest};

/// One reference that does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The output that holds it, such as ``ConfigMap `minio-li-sync-config` ``.
    pub output: String,
    /// Where in it, as a JSON Pointer or a file's own terms.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at `{}`: {}", self.output, self.at, self.message)
    }
}

/// The S3 service the operator creates for the Tenant, from the Tenant object alone and the
/// operator's model.
#[derive(Debug, Clone)]
struct Service {
    namespace: String,
    /// The operator's `CLUSTER_DOMAIN`, which no generated object holds: declared by the plan.
    cluster_domain: String,
    /// Its names, as the operator's certificate holds them.
    names: [String; 3],
    port: ServicePort,
}

/// Everything a reference may resolve to.
#[derive(Debug, Default)]
struct World {
    service: Option<Service>,
    buckets: BTreeSet<String>,
    /// Secret name to its keys, generated or declared.
    secrets: BTreeMap<String, BTreeSet<String>>,
    /// Secret name to its access key, where the stream shows it.
    access_keys: BTreeMap<String, String>,
    /// ConfigMap name to its keys, generated or declared.
    config_maps: BTreeMap<String, BTreeSet<String>>,
    /// MinIO user to the Secret its key comes from, from the MinIOJob.
    user_secrets: BTreeMap<String, String>,
    /// MinIO user to the buckets its attached policies name.
    user_buckets: BTreeMap<String, BTreeSet<String>>,
    object_stores: BTreeSet<String>,
    /// The CA `tenant.trust` names (kind, name, key), with TLS on: declared by the plan, since
    /// every client must trust that one and no other.
    trusted: Option<(String, String, String)>,
    /// The Secret copy of a CA kept in a ConfigMap, for CloudNativePG.
    trusted_copy: Option<String>,
    /// Your certificate's Secret, from the Tenant's `externalCertSecret`.
    external_certs: Vec<String>,
}

/// Checks every consumer reference in `manifests` and `fragments`; nothing comes back when all
/// resolve.
#[must_use]
pub fn check(plan: &Plan, manifests: &[Manifest], fragments: &[Fragment]) -> Vec<Mismatch> {
    let world = world(plan, manifests);
    let mut out = Checker {
        world: &world,
        found: Vec::new(),
    };
    if world.service.is_none() {
        out.fail("the manifests", "/", "there is no Tenant to reach");
        return out.found;
    }
    for m in manifests {
        let output = format!("{} `{}`", m.kind, m.name);
        match m.kind.as_str() {
            "ConfigMap" if m.value["data"]["rclone.conf"].is_string() => {
                out.rclone_conf(&output, &m.value);
            }
            "CronJob" => out.cron_job(&output, &m.value),
            "ScrapeConfig" => out.scrape_config(&output, &m.value),
            "ServiceMonitor" => out.service_monitor(&output, &m.value),
            "ObjectStore" => out.barman(&output, "/spec/configuration", &m.value),
            "MinIOJob" => out.job(&output, &m.value),
            "Tenant" => {
                for (i, name) in world.external_certs.iter().enumerate() {
                    out.secret_ref(
                        &output,
                        &format!("/spec/externalCertSecret/{i}"),
                        name,
                        "tls.crt",
                    );
                }
            }
            "ConfigMap" => {
                // A file is read in the format its name gives, as Synapse reads its
                // configuration: parsing every text (the 15 KB dashboard, the verification
                // script) as YAML was most of the cross-check (issue 26).
                let files = m.value["data"].as_object().into_iter().flatten();
                for (key, text) in files.filter(|(key, _)| names_yaml(key)) {
                    let parsed = text.as_str().and_then(yaml::document);
                    if let Some(config) =
                        parsed.filter(|v| v.get("media_storage_providers").is_some())
                    {
                        out.synapse_config(&output, &format!("/data/{key}"), &config);
                    }
                }
            }
            _ => {}
        }
    }
    let pod = fragments.iter().find(|f| f.file == "synapse-pod.yaml");
    for f in fragments {
        let output = format!("fragment `consumers/{}`", f.file);
        match f.file {
            "synapse-media-storage.yaml" => {
                out.synapse_config(&output, "", &f.value);
                if let Some(pod) = pod {
                    out.synapse_pod(&output, &f.value, &pod.value);
                } else {
                    out.fail(&output, "/", "no pod fragment gives Synapse its keys");
                }
            }
            "cnpg-barman-object-store.yaml" => {
                out.barman(&output, "/spec/backup/barmanObjectStore", &f.value);
            }
            "cnpg-plugin.yaml" => {
                for (i, p) in f.value["spec"]["plugins"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let name = p["parameters"]["barmanObjectName"]
                        .as_str()
                        .unwrap_or_default();
                    if !world.object_stores.contains(name) {
                        out.fail(
                            &output,
                            &format!("/spec/plugins/{i}/parameters/barmanObjectName"),
                            &format!("names ObjectStore `{name}`, which the manifests do not hold"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    out.found
}

/// Whether a file name says its file is YAML.
fn names_yaml(file: &str) -> bool {
    std::path::Path::new(file)
        .extension()
        .is_some_and(|e| e == "yaml" || e == "yml")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn keys(v: &Value) -> impl Iterator<Item = String> + '_ {
    v.as_object().into_iter().flatten().map(|(k, _)| k.clone())
}

fn world(plan: &Plan, manifests: &[Manifest]) -> World {
    let mut w = World::default();
    // Policy file to the buckets it names; policy name to its file; (user, policy) attached.
    let mut policies: BTreeMap<&str, &str> = BTreeMap::new();
    let mut created: BTreeMap<String, String> = BTreeMap::new();
    let mut attached: Vec<(String, String)> = Vec::new();
    for m in manifests {
        let v = &m.value;
        match m.kind.as_str() {
            "Tenant" => {
                // `TLS()`: `AutoCert() || ExternalCert()` (pkg/apis/minio.min.io/v2/helper.go).
                let certs = v["spec"]["externalCertSecret"].as_array();
                w.external_certs = certs
                    .into_iter()
                    .flatten()
                    .map(|c| s(&c["name"]).to_string())
                    .collect();
                let tls = v["spec"]["requestAutoCert"].as_bool().unwrap_or(true)
                    || !w.external_certs.is_empty();
                w.service = Some(Service {
                    namespace: m.namespace.clone(),
                    cluster_domain: plan.cluster_domain.clone(),
                    names: operator::PINNED.minio_hosts(&m.namespace, &plan.cluster_domain),
                    port: operator::PINNED.minio_service(tls),
                });
                for b in v["spec"]["buckets"].as_array().into_iter().flatten() {
                    w.buckets.insert(s(&b["name"]).to_string());
                }
            }
            "Secret" => {
                let entry = w.secrets.entry(m.name.clone()).or_default();
                entry.extend(keys(&v["data"]).chain(keys(&v["stringData"])));
                if let Some(key) = v["stringData"][ACCESS_KEY].as_str() {
                    w.access_keys.insert(m.name.clone(), key.to_string());
                }
            }
            "ExternalSecret" => {
                let target = &v["spec"]["target"];
                let data = &target["template"]["data"];
                let entry = w.secrets.entry(s(&target["name"]).to_string()).or_default();
                entry.extend(keys(data));
                if let Some(key) = data[ACCESS_KEY].as_str() {
                    w.access_keys
                        .insert(s(&target["name"]).to_string(), key.to_string());
                }
            }
            "ConfigMap" => {
                w.config_maps
                    .entry(m.name.clone())
                    .or_default()
                    .extend(keys(&v["data"]));
                for (file, text) in v["data"].as_object().into_iter().flatten() {
                    policies.insert(file, s(text));
                }
            }
            "ObjectStore" => {
                w.object_stores.insert(m.name.clone());
            }
            "MinIOJob" => job_commands(v, &mut created, &mut attached, &mut w.user_secrets),
            _ => {}
        }
    }
    // Only the files the IAM job makes policies from are read as policies, each once.
    let mut read: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for file in created.values() {
        // A policy is a JSON object: any other text grants nothing.
        let doc = policies
            .get(file.as_str())
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .filter(Value::is_object);
        read.insert(file, doc.as_ref().map(resources).unwrap_or_default());
    }
    for (user, policy) in attached {
        let file = created.get(&policy).map(String::as_str).unwrap_or_default();
        let buckets = read.get(file).cloned().unwrap_or_default();
        w.user_buckets.entry(user).or_default().extend(buckets);
    }
    declared(plan, &mut w);
    w
}

/// Policies created, users attached and where each user's key comes from, in the IAM job.
fn job_commands(
    job: &Value,
    created: &mut BTreeMap<String, String>,
    attached: &mut Vec<(String, String)>,
    user_secrets: &mut BTreeMap<String, String>,
) {
    for c in job["spec"]["commands"].as_array().into_iter().flatten() {
        let args = &c["args"];
        match s(&c["op"]) {
            "admin/policy/create" => {
                let file = s(&args["policy"]).rsplit('/').next().unwrap_or_default();
                created.insert(s(&args["name"]).to_string(), file.to_string());
            }
            "admin/user/add" => {
                let from = c["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| &e["valueFrom"]["secretKeyRef"])
                    .find(|r| r.is_object());
                if let Some(r) = from {
                    user_secrets.insert(s(&args["user"]).to_string(), s(&r["name"]).to_string());
                }
            }
            "admin/policy/attach" => {
                attached.push((s(&args["user"]).to_string(), s(&args["policy"]).to_string()));
            }
            _ => {}
        }
    }
}

/// What miniogen never generates, declared by the plan: the Secrets the user creates in
/// `existing` mode, and the CAs.
fn declared(plan: &Plan, w: &mut World) {
    if !plan.secrets.emits_secrets && !plan.secrets.emits_external_secrets {
        for object in &plan.secrets.objects {
            w.secrets
                .entry(object.name.clone())
                .or_default()
                .extend(object.keys.iter().map(|k| k.name.clone()));
            for k in &object.keys {
                if let (ACCESS_KEY, KeyValue::Literal { text }) = (k.name.as_str(), &k.value) {
                    w.access_keys.insert(object.name.clone(), text.clone());
                }
            }
        }
    }
    if let Some(t) = &plan.outputs.trust {
        w.trusted = Some((t.kind.to_string(), t.name.clone(), t.key.clone()));
        if t.kind == "ConfigMap" {
            w.trusted_copy.clone_from(&plan.outputs.cnpg.ca_secret);
        }
    }
    for p in &plan.prerequisites {
        let map = if p.kind == "ConfigMap" {
            &mut w.config_maps
        } else {
            &mut w.secrets
        };
        map.entry(p.name.clone()).or_default().insert(p.key.clone());
    }
}

/// The bucket names a policy document's resources name.
fn resources(doc: &Value) -> BTreeSet<String> {
    doc["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|st| st["Resource"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| {
            r.as_str()
                .and_then(|a| a.strip_prefix("arn:aws:s3:::"))
                .map(|b| b.trim_end_matches("/*").to_string())
        })
        .collect()
}

struct Checker<'a> {
    world: &'a World,
    found: Vec<Mismatch>,
}

impl Checker<'_> {
    fn fail(&mut self, output: &str, at: &str, message: &str) {
        self.found.push(Mismatch {
            output: output.to_string(),
            at: at.to_string(),
            message: message.to_string(),
        });
    }

    fn service(&self) -> &Service {
        // `check` returns early without a Tenant.
        self.world
            .service
            .as_ref()
            .unwrap_or_else(|| unreachable!("checked before"))
    }

    /// An S3 endpoint URL must be the operator's `minio` service in the Tenant's namespace,
    /// with the scheme and port it serves.
    fn endpoint(&mut self, output: &str, at: &str, url: &str) {
        let svc = self.service().clone();
        let Some((scheme, rest)) = url.split_once("://") else {
            return self.fail(output, at, &format!("`{url}` is not a URL"));
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().ok()),
            None => (authority, Some(if scheme == "https" { 443 } else { 80 })),
        };
        if scheme != svc.port.scheme {
            self.fail(
                output,
                at,
                &format!(
                    "`{url}` uses {scheme}, but the tenant's `minio` service serves {}",
                    svc.port.scheme
                ),
            );
        }
        if port != Some(svc.port.port) {
            self.fail(
                output,
                at,
                &format!("`{url}` reaches port {authority}, but the `minio` service serves port {} (`{}`)", svc.port.port, svc.port.port_name),
            );
        }
        let ns = &svc.namespace;
        if !svc.names.iter().any(|h| h == host) {
            self.fail(
                output,
                at,
                &format!("`{url}` is not the tenant's `minio` service in namespace `{ns}`"),
            );
        }
    }

    /// A Secret and key must exist; returns whether they do.
    fn secret_ref(&mut self, output: &str, at: &str, name: &str, key: &str) -> bool {
        let ok = self
            .world
            .secrets
            .get(name)
            .is_some_and(|k| k.contains(key));
        if !ok {
            self.fail(
                output,
                at,
                &format!("Secret `{name}` key `{key}` is neither generated nor declared"),
            );
        }
        ok
    }

    fn config_map_ref(&mut self, output: &str, at: &str, name: &str, key: &str) {
        if !self
            .world
            .config_maps
            .get(name)
            .is_some_and(|k| k.contains(key))
        {
            self.fail(
                output,
                at,
                &format!("ConfigMap `{name}` key `{key}` is neither generated nor declared"),
            );
        }
    }

    /// A bucket must be the tenant's, and within the policy of the user whose keys live in
    /// `secret`.
    fn bucket(&mut self, output: &str, at: &str, bucket: &str, secret: &str) {
        if !self.world.buckets.contains(bucket) {
            return self.fail(
                output,
                at,
                &format!("bucket `{bucket}` is not one of the Tenant's buckets"),
            );
        }
        let users: Vec<&String> = self
            .world
            .user_secrets
            .iter()
            .filter(|(_, s)| s.as_str() == secret)
            .map(|(u, _)| u)
            .collect();
        let [user] = users.as_slice() else {
            return self.fail(
                output,
                at,
                &format!(
                    "the IAM MinIOJob creates {} users from Secret `{secret}`, not one",
                    users.len()
                ),
            );
        };
        if let Some(shown) = self.world.access_keys.get(secret)
            && shown != *user
        {
            self.fail(
                    output,
                    at,
                    &format!("Secret `{secret}` holds access key `{shown}`, but the MinIOJob creates user `{user}` from it"),
                );
        }
        if !self
            .world
            .user_buckets
            .get(*user)
            .is_some_and(|b| b.contains(bucket))
        {
            self.fail(
                output,
                at,
                &format!("user `{user}` (Secret `{secret}`) has no policy for bucket `{bucket}`"),
            );
        }
    }

    fn synapse_config(&mut self, output: &str, base: &str, config: &Value) {
        for (i, p) in config["media_storage_providers"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("{base}/media_storage_providers/{i}/config");
            let c = &p["config"];
            self.endpoint(output, &format!("{at}/endpoint_url"), s(&c["endpoint_url"]));
            if !self.world.buckets.contains(s(&c["bucket"])) {
                self.fail(
                    output,
                    &format!("{at}/bucket"),
                    &format!(
                        "bucket `{}` is not one of the Tenant's buckets",
                        s(&c["bucket"])
                    ),
                );
            }
        }
    }

    /// The pod fragment gives Synapse the keys of a user whose policy covers the bucket, and
    /// with HTTPS the CA.
    fn synapse_pod(&mut self, output: &str, config: &Value, pod: &Value) {
        let pod_output = "fragment `consumers/synapse-pod.yaml`";
        let env = pod["container"]["env"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let var = |name: &str| env.iter().position(|e| e["name"] == name);
        let mut secret = String::new();
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            let Some(i) = var(name) else {
                self.fail(
                    pod_output,
                    "/container/env",
                    &format!("`{name}` is not set"),
                );
                continue;
            };
            let r = &env[i]["valueFrom"]["secretKeyRef"];
            if self.secret_ref(
                pod_output,
                &format!("/container/env/{i}"),
                s(&r["name"]),
                s(&r["key"]),
            ) {
                secret = s(&r["name"]).to_string();
            }
        }
        if !secret.is_empty() {
            for (i, p) in config["media_storage_providers"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                let bucket = s(&p["config"]["bucket"]);
                self.bucket(
                    output,
                    &format!("/media_storage_providers/{i}/config/bucket"),
                    bucket,
                    &secret,
                );
            }
        }
        if self.service().port.scheme == "https" {
            match var("AWS_CA_BUNDLE") {
                None => self.fail(
                    pod_output,
                    "/container/env",
                    "the tenant serves HTTPS, but `AWS_CA_BUNDLE` is not set",
                ),
                Some(i) => {
                    let path = s(&env[i]["value"]).to_string();
                    self.mounted_ca(
                        pod_output,
                        &path,
                        &pod["container"]["volumeMounts"],
                        &pod["pod"]["volumes"],
                    );
                }
            }
        }
    }

    /// A CA file path must lie in a mounted volume of a ConfigMap that holds the file's key.
    fn mounted_ca(&mut self, output: &str, path: &str, mounts: &Value, volumes: &Value) {
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let mount = mounts
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| s(&m["mountPath"]) == dir);
        let Some(mount) = mount else {
            return self.fail(
                output,
                path,
                "no volume is mounted where the CA is read from",
            );
        };
        let volume = volumes
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == mount["name"]);
        let source = volume.and_then(|v| {
            if v["configMap"].is_object() {
                Some(("ConfigMap", &v["configMap"], s(&v["configMap"]["name"])))
            } else if v["secret"].is_object() {
                Some(("Secret", &v["secret"], s(&v["secret"]["secretName"])))
            } else {
                None
            }
        });
        let Some((kind, source, name)) = source else {
            return self.fail(
                output,
                path,
                "the CA's volume is neither a ConfigMap nor a Secret",
            );
        };
        let item = source["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| s(&i["path"]) == file);
        match item {
            Some(item) => self.ca_ref(output, path, kind, name, s(&item["key"]), false),
            None => self.fail(output, path, &format!("the CA volume has no file `{file}`")),
        }
    }

    /// A CA reference must exist, and be the CA `tenant.trust` names: every client trusts the
    /// same one. CloudNativePG (`copy`) may use the Secret copy of a CA kept in a ConfigMap.
    fn ca_ref(&mut self, output: &str, at: &str, kind: &str, name: &str, key: &str, copy: bool) {
        if kind == "Secret" {
            self.secret_ref(output, at, name, key);
        } else {
            self.config_map_ref(output, at, name, key);
        }
        let Some((t_kind, t_name, t_key)) = &self.world.trusted else {
            return;
        };
        let is_trusted = (kind, name, key) == (t_kind.as_str(), t_name.as_str(), t_key.as_str());
        let is_copy = copy
            && kind == "Secret"
            && key == crate::plan::outputs::CA_KEY
            && self.world.trusted_copy.as_deref() == Some(name);
        if !is_trusted && !is_copy {
            self.fail(
                output,
                at,
                &format!(
                    "trusts {kind} `{name}` key `{key}`, not the CA `tenant.trust` names ({t_kind} `{t_name}` key `{t_key}`)"
                ),
            );
        }
    }

    /// A barman object store configuration, in the plugin's `ObjectStore` or the built-in stanza.
    fn barman(&mut self, output: &str, base: &str, doc: &Value) {
        let Some(c) = doc.pointer(base) else {
            return self.fail(output, base, "is missing");
        };
        self.endpoint(output, &format!("{base}/endpointURL"), s(&c["endpointURL"]));
        let creds = &c["s3Credentials"];
        let mut secrets = BTreeSet::new();
        for field in ["accessKeyId", "secretAccessKey"] {
            let r = &creds[field];
            if self.secret_ref(
                output,
                &format!("{base}/s3Credentials/{field}"),
                s(&r["name"]),
                s(&r["key"]),
            ) {
                secrets.insert(s(&r["name"]).to_string());
            }
        }
        let path = s(&c["destinationPath"]);
        let bucket = path
            .strip_prefix("s3://")
            .and_then(|p| p.split('/').next())
            .unwrap_or_default();
        if let (Some(secret), 1) = (secrets.iter().next(), secrets.len()) {
            self.bucket(output, &format!("{base}/destinationPath"), bucket, secret);
        }
        let ca = &c["endpointCA"];
        if self.service().port.scheme == "https" {
            if ca.is_object() {
                self.ca_ref(
                    output,
                    &format!("{base}/endpointCA"),
                    "Secret",
                    s(&ca["name"]),
                    s(&ca["key"]),
                    true,
                );
            } else {
                self.fail(
                    output,
                    &format!("{base}/endpointCA"),
                    "the tenant serves HTTPS, but no CA is given",
                );
            }
        }
    }

    /// rclone's remotes must all reach the tenant.
    fn rclone_conf(&mut self, output: &str, config_map: &Value) {
        let mut remote = String::new();
        for line in s(&config_map["data"]["rclone.conf"]).lines() {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                remote = name.to_string();
            } else if let Some(url) = line.strip_prefix("endpoint = ") {
                self.endpoint(
                    output,
                    &format!("/data/rclone.conf [{remote}] endpoint"),
                    url,
                );
            }
        }
    }

    /// The sync's buckets must be in the policy of the user whose keys each remote gets, and
    /// its CA must be mounted when the tenant serves HTTPS.
    fn cron_job(&mut self, output: &str, cron: &Value) {
        let base = "/spec/jobTemplate/spec/template/spec";
        let Some(pod) = cron.pointer(base) else {
            return;
        };
        for (ci, c) in pod["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let env = c["env"].as_array().cloned().unwrap_or_default();
            let mut remotes: BTreeMap<String, String> = BTreeMap::new();
            for (i, e) in env.iter().enumerate() {
                let r = &e["valueFrom"]["secretKeyRef"];
                if r.is_object() {
                    let at = format!("{base}/containers/{ci}/env/{i}");
                    if self.secret_ref(output, &at, s(&r["name"]), s(&r["key"]))
                        && let Some(remote) = s(&e["name"])
                            .strip_prefix("RCLONE_CONFIG_")
                            .and_then(|n| n.strip_suffix("_ACCESS_KEY_ID"))
                    {
                        remotes.insert(remote.to_lowercase(), s(&r["name"]).to_string());
                    }
                }
            }
            for (i, arg) in c["args"].as_array().into_iter().flatten().enumerate() {
                let Some((remote, bucket)) = s(arg).split_once(':') else {
                    continue;
                };
                let at = format!("{base}/containers/{ci}/args/{i}");
                match remotes.get(remote) {
                    Some(secret) => {
                        let secret = secret.clone();
                        self.bucket(output, &at, bucket, &secret);
                    }
                    None => self.fail(output, &at, &format!("remote `{remote}` gets no keys")),
                }
            }
            if self.service().port.scheme == "https" {
                match env.iter().find(|e| e["name"] == "RCLONE_CA_CERT") {
                    Some(e) => {
                        let path = s(&e["value"]).to_string();
                        self.mounted_ca(output, &path, &c["volumeMounts"], &pod["volumes"]);
                    }
                    None => self.fail(
                        output,
                        &format!("{base}/containers/{ci}/env"),
                        "the tenant serves HTTPS, but `RCLONE_CA_CERT` is not set",
                    ),
                }
            }
        }
    }

    /// The cluster metrics come from one target: the `minio` service, with its scheme and port.
    fn scrape_config(&mut self, output: &str, scrape: &Value) {
        let spec = &scrape["spec"];
        let scheme = s(&spec["scheme"]).to_lowercase();
        let mut targets = 0;
        for (i, group) in spec["staticConfigs"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            for (j, target) in group["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                targets += 1;
                self.endpoint(
                    output,
                    &format!("/spec/staticConfigs/{i}/targets/{j}"),
                    &format!("{scheme}://{}", s(target)),
                );
            }
        }
        if targets != 1 {
            self.fail(
                output,
                "/spec/staticConfigs",
                &format!("scrapes {targets} targets; the cluster metrics need exactly one"),
            );
        }
        if s(&spec["metricsPath"]) != METRICS_PATH {
            self.fail(
                output,
                "/spec/metricsPath",
                &format!(
                    "scrapes `{}`, not `{METRICS_PATH}`",
                    s(&spec["metricsPath"])
                ),
            );
        }
        self.scrape_tls_and_auth(output, "/spec", spec);
    }

    /// Per-server metrics come from the headless service, on the port the `minio` service names
    /// alike, over the tenant's scheme.
    fn service_monitor(&mut self, output: &str, monitor: &Value) {
        let svc = self.service().clone();
        for (i, e) in monitor["spec"]["endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("/spec/endpoints/{i}");
            if s(&e["port"]) != svc.port.port_name || s(&e["scheme"]) != svc.port.scheme {
                self.fail(
                    output,
                    &at,
                    &format!(
                        "scrapes port `{}` over {}, but the tenant's services serve `{}` over {}",
                        s(&e["port"]),
                        s(&e["scheme"]),
                        svc.port.port_name,
                        svc.port.scheme
                    ),
                );
            }
            if s(&e["path"]) != NODE_METRICS_PATH {
                self.fail(
                    output,
                    &format!("{at}/path"),
                    &format!(
                        "scrapes `{}` from every server, not `{NODE_METRICS_PATH}`",
                        s(&e["path"])
                    ),
                );
            }
            self.scrape_tls_and_auth(output, &at, e);
        }
    }

    /// A scrape's `serverName` must be a name of the tenant's certificate, its CA and bearer
    /// token must exist, and HTTPS needs a CA.
    fn scrape_tls_and_auth(&mut self, output: &str, at: &str, e: &Value) {
        let svc = self.service().clone();
        let server_name = &e["tlsConfig"]["serverName"];
        if let Some(name) = server_name.as_str()
            && !svc.names.iter().any(|h| h == name)
        {
            self.fail(
                output,
                &format!("{at}/tlsConfig/serverName"),
                &format!(
                    "`{name}` is not a name of the tenant's certificate in namespace `{}` and cluster domain `{}`",
                    svc.namespace, svc.cluster_domain
                ),
            );
        }
        let ca = &e["tlsConfig"]["ca"];
        let (kind, ca) = if ca["secret"].is_object() {
            ("Secret", &ca["secret"])
        } else {
            ("ConfigMap", &ca["configMap"])
        };
        if ca.is_object() {
            self.ca_ref(
                output,
                &format!("{at}/tlsConfig/ca"),
                kind,
                s(&ca["name"]),
                s(&ca["key"]),
                false,
            );
        } else if svc.port.scheme == "https" {
            self.fail(
                output,
                &format!("{at}/tlsConfig"),
                "the tenant serves HTTPS, but no CA is given",
            );
        }
        let bearer = &e["authorization"]["credentials"];
        if bearer.is_object() {
            self.secret_ref(
                output,
                &format!("{at}/authorization"),
                s(&bearer["name"]),
                s(&bearer["key"]),
            );
        }
    }

    /// Every Secret the IAM job reads a key from must exist, and each command's `mc` must
    /// find in `certs/CAs` of its configuration folder the cluster CA (for the operator's STS,
    /// always HTTPS) and, with TLS on, the CA `tenant.trust` names.
    fn job(&mut self, output: &str, job: &Value) {
        for (i, c) in job["spec"]["commands"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            self.job_cas(output, &format!("/spec/commands/{i}"), c);
            for (j, e) in c["env"].as_array().into_iter().flatten().enumerate() {
                let r = &e["valueFrom"]["secretKeyRef"];
                if r.is_object() {
                    self.secret_ref(
                        output,
                        &format!("/spec/commands/{i}/env/{j}"),
                        s(&r["name"]),
                        s(&r["key"]),
                    );
                }
            }
        }
    }
}

impl Checker<'_> {
    fn job_cas(&mut self, output: &str, at: &str, c: &Value) {
        let env = c["env"].as_array().cloned().unwrap_or_default();
        let config_dir = env
            .iter()
            .find(|e| e["name"] == "MC_CONFIG_DIR")
            .map_or("/.mc", |e| s(&e["value"]));
        let ca_dir = format!("{config_dir}/certs/CAs");
        let mount = c["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| s(&m["mountPath"]) == ca_dir);
        let volume = mount.and_then(|m| {
            c["volumes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|v| v["name"] == m["name"])
        });
        let mut refs = Vec::new();
        for (j, source) in volume
            .map(|v| &v["projected"]["sources"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (kind, src) = if source["secret"].is_object() {
                ("Secret", &source["secret"])
            } else {
                ("ConfigMap", &source["configMap"])
            };
            for item in src["items"].as_array().into_iter().flatten() {
                let r = (
                    kind,
                    s(&src["name"]).to_string(),
                    s(&item["key"]).to_string(),
                );
                let at = format!("{at}/volumes/trusted-cas/{j}");
                if kind == "Secret" {
                    self.secret_ref(output, &at, &r.1, &r.2);
                } else {
                    self.config_map_ref(output, &at, &r.1, &r.2);
                }
                refs.push(r);
            }
        }
        let has = |kind: &str, name: &str, key: &str| {
            refs.iter()
                .any(|(k, n, y)| (*k, n.as_str(), y.as_str()) == (kind, name, key))
        };
        if !has(
            "ConfigMap",
            "kube-root-ca.crt",
            crate::plan::outputs::CA_KEY,
        ) {
            self.fail(
                output,
                at,
                &format!("`mc` finds no cluster CA in `{ca_dir}` to verify the operator's STS"),
            );
        }
        if let Some((kind, name, key)) = self.world.trusted.clone()
            && !has(&kind, &name, &key)
        {
            self.fail(
                output,
                at,
                &format!("`mc` finds no {kind} `{name}` key `{key}` in `{ca_dir}`: the tenant's trusted CA"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::decode::{Inputs, decode};

    /// The plan, objects and fragments of the 5000 tier with `sets`, as `gen` makes them.
    fn generated(sets: &[&str]) -> (Plan, Vec<Manifest>, Vec<Fragment>) {
        let inputs = Inputs::for_test(2, None, sets);
        let spec = decode(&inputs).unwrap_or_else(|e| panic!("{e:?}"));
        let plan = crate::plan::plan(&spec);
        let rendered = crate::render::render(&plan, None).unwrap_or_else(|e| panic!("{e}"));
        let manifests = crate::post::assemble(&rendered).unwrap_or_else(|e| panic!("{e}"));
        let rendered = crate::render::fragments(&plan).unwrap_or_else(|e| panic!("{e}"));
        let fragments = crate::post::fragments(&rendered).unwrap_or_else(|e| panic!("{e}"));
        (plan, manifests, fragments)
    }

    const EVERYTHING: [&str; 3] = [
        "synapse.output=\"config-map\"",
        "cnpg.object_store=true",
        "prometheus.node_metrics=true",
    ];

    fn object<'a>(manifests: &'a mut [Manifest], kind: &str, name: &str) -> &'a mut Value {
        manifests
            .iter_mut()
            .find(|m| m.kind == kind && (name.is_empty() || m.name == name))
            .map_or_else(|| panic!("no {kind} {name}"), |m| &mut m.value)
    }

    fn fragment<'a>(fragments: &'a mut [Fragment], file: &str) -> &'a mut Value {
        fragments
            .iter_mut()
            .find(|f| f.file == file)
            .map_or_else(|| panic!("no fragment {file}"), |f| &mut f.value)
    }

    fn found(mismatches: &[Mismatch], output: &str, text: &str) -> bool {
        mismatches
            .iter()
            .any(|m| m.output.contains(output) && m.to_string().contains(text))
    }

    #[test]
    fn what_miniogen_generates_resolves_with_tls_on_and_off() {
        for tls in ["tenant.tls=true", "tenant.tls=false"] {
            for mode in ["external-secrets", "vault-placeholders", "existing"] {
                let mode = format!("secrets.mode=\"{mode}\"");
                let (plan, manifests, fragments) =
                    generated(&[tls, &mode, EVERYTHING[0], EVERYTHING[1], EVERYTHING[2]]);
                assert!(manifests.iter().any(|m| m.kind == "ScrapeConfig"));
                assert!(manifests.iter().any(|m| m.kind == "ServiceMonitor"));
                assert_eq!(fragments.len(), 4, "{tls}");
                assert_eq!(check(&plan, &manifests, &fragments), [], "{tls} {mode}");
            }
        }
    }

    /// Each kind of broken reference is caught, in objects and in fragments alike.
    type Tamper = fn(&mut Vec<Manifest>, &mut Vec<Fragment>);

    /// Renders `sets`, then for each case tampers with a fresh copy of the output and requires
    /// the cross-check to name `output` with `text`.
    fn each_is_caught(sets: &[&str], cases: &[(&str, &str, &str, Tamper)]) {
        let (plan, clean, clean_fragments) = generated(sets);
        for (what, output, text, tamper) in cases {
            let (mut manifests, mut fragments) = (clean.clone(), clean_fragments.clone());
            tamper(&mut manifests, &mut fragments);
            let mismatches = check(&plan, &manifests, &fragments);
            assert!(found(&mismatches, output, text), "{what}: {mismatches:#?}");
        }
    }

    /// The Synapse configuration the ConfigMap carries as a YAML file is checked like the
    /// fragment: a wrong bucket in its text is found, under the ConfigMap's name.
    #[test]
    fn the_synapse_configuration_in_its_config_map_is_checked() {
        let (plan, mut manifests, fragments) = generated(&EVERYTHING);
        let file = "media-storage.yaml";
        let carrier = manifests
            .iter_mut()
            .find(|m| m.kind == "ConfigMap" && m.value["data"][file].is_string());
        let carrier = carrier.unwrap_or_else(|| panic!("no ConfigMap carries {file}"));
        let name = carrier.name.clone();
        let text = carrier.value["data"][file].as_str().unwrap_or_default();
        assert!(text.contains("bucket: synapse-media\n"), "{text}");
        carrier.value["data"][file] =
            Value::from(text.replace("bucket: synapse-media\n", "bucket: synapse-mediaa\n"));
        let mismatches = check(&plan, &manifests, &fragments);
        assert!(
            found(
                &mismatches,
                &format!("ConfigMap `{name}`"),
                "`synapse-mediaa` is not one of the Tenant's buckets"
            ),
            "{mismatches:#?}"
        );
    }

    #[test]
    fn a_broken_reference_is_an_error() {
        let cases: [(&str, &str, &str, Tamper); 9] = [
            (
                "the runbook's endpoint",
                "ConfigMap `minio-li-sync-config`",
                "uses http",
                |m, _| {
                    let conf =
                        &mut object(m, "ConfigMap", "minio-li-sync-config")["data"]["rclone.conf"];
                    *conf = Value::from(conf.as_str().unwrap_or_default().replace(
                        "https://minio.matrix.svc.cluster.local",
                        "http://minio.matrix.svc.cluster.local:9000",
                    ));
                },
            ),
            (
                "another namespace",
                "synapse-media-storage.yaml",
                "not the tenant's `minio` service",
                |_, f| {
                    fragment(f, "synapse-media-storage.yaml")["media_storage_providers"][0]["config"]
                        ["endpoint_url"] = Value::from("https://minio.chat.svc.cluster.local");
                },
            ),
            (
                "an unknown bucket",
                "synapse-media-storage.yaml",
                "`synapse-mediaa` is not one of the Tenant's buckets",
                |_, f| {
                    fragment(f, "synapse-media-storage.yaml")["media_storage_providers"][0]["config"]
                        ["bucket"] = Value::from("synapse-mediaa");
                },
            ),
            (
                "a missing Secret",
                "synapse-pod.yaml",
                "Secret `minio-users` key",
                |_, f| {
                    fragment(f, "synapse-pod.yaml")["container"]["env"][1]["valueFrom"]["secretKeyRef"]
                        ["name"] = Value::from("minio-users");
                },
            ),
            (
                "a missing key",
                "ObjectStore `minio-backups`",
                "key `ACCESS_KEY`",
                |m, _| {
                    object(m, "ObjectStore", "")["spec"]["configuration"]["s3Credentials"]["accessKeyId"]
                        ["key"] = Value::from("ACCESS_KEY");
                },
            ),
            (
                "no CA over HTTPS",
                "cnpg-barman-object-store.yaml",
                "no CA is given",
                |_, f| {
                    let stanza = &mut fragment(f, "cnpg-barman-object-store.yaml")["spec"]["backup"]
                        ["barmanObjectStore"];
                    stanza.as_object_mut().map(|o| o.remove("endpointCA"));
                },
            ),
            (
                "a bucket outside the user's policy",
                "CronJob `minio-li-sync`",
                "has no policy for bucket `synapse-media-li`",
                |m, _| {
                    let doc = &mut object(m, "ConfigMap", "matrix-minio-iam-policies")["data"]["miniogen-rclone.json"];
                    *doc = Value::from(
                        doc.as_str()
                            .unwrap_or_default()
                            .replace("synapse-media-li", "elsewhere"),
                    );
                },
            ),
            (
                "the wrong port name",
                "ServiceMonitor",
                "serve `https-minio`",
                |m, _| {
                    object(m, "ServiceMonitor", "")["spec"]["endpoints"][0]["port"] =
                        Value::from("http-minio");
                },
            ),
            (
                "an ObjectStore that is not there",
                "cnpg-plugin.yaml",
                "names ObjectStore `minio-backup`",
                |_, f| {
                    fragment(f, "cnpg-plugin.yaml")["spec"]["plugins"][0]["parameters"]["barmanObjectName"] =
                        Value::from("minio-backup");
                },
            ),
        ];
        each_is_caught(&EVERYTHING, &cases);
    }

    /// The cluster metrics come from one target, and each server's own from the node path.
    #[test]
    fn metrics_scraped_from_the_wrong_place_are_an_error() {
        let cases: [(&str, &str, &str, Tamper); 2] = [
            (
                "cluster metrics from every pod",
                "ScrapeConfig `matrix-minio`",
                "scrapes 2 targets; the cluster metrics need exactly one",
                |m, _| {
                    object(m, "ScrapeConfig", "")["spec"]["staticConfigs"][0]["targets"] =
                        serde_json::json!([
                            "matrix-minio-pool-0-0.matrix-minio-hl.matrix.svc.cluster.local:9000",
                            "matrix-minio-pool-0-1.matrix-minio-hl.matrix.svc.cluster.local:9000"
                        ]);
                },
            ),
            (
                "node metrics as the cluster's",
                "ServiceMonitor `matrix-minio-nodes`",
                "not `/minio/v2/metrics/node`",
                |m, _| {
                    object(m, "ServiceMonitor", "")["spec"]["endpoints"][0]["path"] =
                        Value::from("/minio/v2/metrics/cluster");
                },
            ),
        ];
        each_is_caught(&EVERYTHING, &cases);
    }

    /// Every trust source resolves in every output, and a client that trusts another CA than
    /// the one `tenant.trust` names is refused, as is an `mc` without it.
    #[test]
    fn every_client_trusts_the_one_ca_the_site_names() {
        let named = [
            "tenant.trust=\"named-ca\"",
            "tenant.ca={kind=\"Secret\",name=\"csr-signer-ca\"}",
        ];
        let provided = [
            "tenant.trust=\"provided\"",
            "tenant.certificate_secret=\"minio-tls\"",
        ];
        for trust in [&named[..], &provided[..]] {
            let sets: Vec<&str> = trust.iter().chain(EVERYTHING.iter()).copied().collect();
            let (plan, manifests, fragments) = generated(&sets);
            assert_eq!(check(&plan, &manifests, &fragments), [], "{trust:?}");
        }
        let sets: Vec<&str> = named.iter().chain(EVERYTHING.iter()).copied().collect();
        let (plan, mut manifests, mut fragments) = generated(&sets);
        fragment(&mut fragments, "synapse-pod.yaml")["pod"]["volumes"][0] = serde_json::json!({
            "name": "minio-ca",
            "configMap": { "name": "kube-root-ca.crt", "items": [{ "key": "ca.crt", "path": "ca.crt" }] }
        });
        let volumes = &mut object(&mut manifests, "MinIOJob", "")["spec"]["commands"][0]["volumes"];
        for v in volumes.as_array_mut().into_iter().flatten() {
            if let Some(list) = v["projected"]["sources"].as_array_mut() {
                list.truncate(1);
            }
        }
        let mismatches = check(&plan, &manifests, &fragments);
        assert!(
            found(
                &mismatches,
                "synapse-pod.yaml",
                "not the CA `tenant.trust` names (Secret `csr-signer-ca` key `ca.crt`)"
            ),
            "{mismatches:#?}"
        );
        assert!(
            found(&mismatches, "MinIOJob", "finds no Secret `csr-signer-ca`"),
            "{mismatches:#?}"
        );
    }

    /// The operator names the service and its certificate with `CLUSTER_DOMAIN`
    /// (`GetClusterDomain`, `MinIOFQDNServiceName`): a site's domain reaches every endpoint and
    /// `serverName`, and the default's name is then refused.
    #[test]
    fn the_cluster_domain_reaches_every_endpoint() {
        let domain = "cluster_domain=\"corp.example\"";
        let (plan, mut manifests, mut fragments) =
            generated(&[domain, EVERYTHING[0], EVERYTHING[1], EVERYTHING[2]]);
        assert_eq!(check(&plan, &manifests, &fragments), []);
        let everything = format!(
            "{:?}{:?}",
            manifests.iter().map(|m| &m.value).collect::<Vec<_>>(),
            fragments.iter().map(|f| &f.value).collect::<Vec<_>>()
        );
        assert!(!everything.contains("cluster.local"), "{everything}");
        assert!(everything.contains("minio.matrix.svc.corp.example"));
        fragment(&mut fragments, "synapse-media-storage.yaml")["media_storage_providers"][0]["config"]
            ["endpoint_url"] = Value::from("https://minio.matrix.svc.cluster.local");
        for e in object(&mut manifests, "ServiceMonitor", "")["spec"]["endpoints"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            e["tlsConfig"]["serverName"] = Value::from("minio.matrix.svc.cluster.local");
        }
        object(&mut manifests, "ScrapeConfig", "")["spec"]["staticConfigs"][0]["targets"][0] =
            Value::from("minio.matrix.svc.cluster.local:443");
        let mismatches = check(&plan, &manifests, &fragments);
        assert!(
            found(
                &mismatches,
                "synapse-media-storage",
                "not the tenant's `minio` service"
            ),
            "{mismatches:#?}"
        );
        assert!(
            found(
                &mismatches,
                "ServiceMonitor",
                "cluster domain `corp.example`"
            ),
            "{mismatches:#?}"
        );
        assert!(
            found(
                &mismatches,
                "ScrapeConfig",
                "not the tenant's `minio` service"
            ),
            "{mismatches:#?}"
        );
    }

    #[test]
    fn with_tls_off_an_https_endpoint_is_an_error() {
        let (plan, manifests, mut fragments) = generated(&["tenant.tls=false"]);
        fragment(&mut fragments, "cnpg-barman-object-store.yaml")["spec"]["backup"]["barmanObjectStore"]
            ["endpointURL"] = Value::from("https://minio.matrix.svc.cluster.local");
        let mismatches = check(&plan, &manifests, &fragments);
        assert!(
            found(&mismatches, "cnpg-barman", "uses https"),
            "{mismatches:#?}"
        );
        assert!(
            found(&mismatches, "cnpg-barman", "serves port 80 (`http-minio`)"),
            "{mismatches:#?}"
        );
    }
}
