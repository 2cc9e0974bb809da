//! The lawful-intercept sync for real: a real S3 server (`rclone serve s3`) on loopback, the
//! exact command, arguments and environment of the generated CronJob, and the generated
//! `rclone.conf` with only its endpoints pointed at the server.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TEST_KEY, documents, ok_env, scratch_dir, snapshot, venv_tool, which};

/// The longest the server may live, whatever happens to the test.
const SERVER_SECONDS: &str = "180";
/// The longest one rclone client command may take.
const CLIENT_SECONDS: &str = "60";

/// A running `rclone serve s3`, stopped by its PID when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        // `child` is `timeout`, which passes SIGTERM on to the server and then exits; SIGKILL
        // would leave the server running without its time bound.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate for 127.0.0.1 that is its own CA, made with openssl.
struct TestCa {
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

impl TestCa {
    fn make(dir: &Path, openssl: &Path) -> Self {
        let ca = Self {
            cert: dir.join("ca.crt"),
            key: dir.join("server.key"),
        };
        let output = Command::new(openssl)
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(&ca.key)
            .arg("-out")
            .arg(&ca.cert)
            .output()
            .unwrap_or_else(|e| panic!("cannot run openssl: {e}"));
        succeeded("making a test CA", &output);
        ca
    }
}

/// A free loopback port: bound, read and released.
fn free_port() -> u16 {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()) {
        Ok(address) => address.port(),
        Err(e) => panic!("no free loopback port: {e}"),
    }
}

/// Starts the server over `data`, accepting one key pair; retries when another process took the
/// port between `free_port` and the bind.
fn serve(
    rclone: &Path,
    timeout: &Path,
    data: &Path,
    keys: (&str, &str),
    tls: Option<&TestCa>,
) -> Server {
    for _ in 0..3 {
        let port = free_port();
        let mut command = Command::new(timeout);
        command
            .args([SERVER_SECONDS])
            .arg(rclone)
            .args(["serve", "s3", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--auth-key", &format!("{},{}", keys.0, keys.1)]);
        if let Some(ca) = tls {
            command
                .arg("--cert")
                .arg(&ca.cert)
                .arg("--key")
                .arg(&ca.key);
        }
        let mut child = command
            .arg(data)
            .env("RCLONE_CONFIG", "/dev/null")
            .env_remove("AWS_CA_BUNDLE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start rclone serve s3: {e}"));
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Server { child, port };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "rclone serve s3 on port {port} did not come up: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    panic!("rclone serve s3 did not start");
}

/// Runs an rclone client command, bounded in time, with `AWS_CA_BUNDLE` cleared.
fn client(timeout: &Path, rclone: &Path, args: &[&str], env: &BTreeMap<String, String>) -> Output {
    Command::new(timeout)
        .arg(CLIENT_SECONDS)
        .arg(rclone)
        .args(args)
        .env_remove("AWS_CA_BUNDLE")
        .envs(env)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run rclone: {e}"))
}

fn succeeded(what: &str, output: &Output) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn object<'a>(docs: &'a [Value], kind: &str, name: Option<&str>) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && name.is_none_or(|n| d["metadata"]["name"] == n))
        .unwrap_or_else(|| panic!("no {kind} {name:?} in the render"))
}

/// Every file under `dir`, relative path to bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(dir)
        .into_iter()
        .filter_map(|(path, bytes)| {
            let rel = path.strip_prefix(dir).ok()?.to_string_lossy().into_owned();
            Some((rel, bytes))
        })
        .collect()
}

/// The media a Synapse would store: nested keys, a binary blob, an empty file, odd names.
fn media(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let blob: Vec<u8> = (0..1_500_000u32)
        .map(|i| u8::try_from(i.wrapping_mul(2_654_435_761) >> 24).unwrap_or(0))
        .collect();
    let files: BTreeMap<String, Vec<u8>> = [
        ("local_content/ab/cd/efghijklmnop", blob),
        (
            "local_content/ab/cd/thumbnail 32x32.png",
            b"\x89PNG fake".to_vec(),
        ),
        (
            "remote_content/matrix.org/xy/zz/über-file",
            b"remote".to_vec(),
        ),
        ("empty", Vec::new()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (name, bytes) in &files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap_or(dir)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    files
}

/// What the generated CronJob runs: command and arguments, its environment as the kubelet
/// resolves it from the rendered Secrets, and the `rclone.conf` of the ConfigMap it mounts.
struct Job {
    command: Vec<String>,
    env: BTreeMap<String, String>,
    conf: String,
    buckets: Vec<String>,
}

fn generated_job(docs: &[Value]) -> Job {
    let cronjob = object(docs, "CronJob", None);
    let pod = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let command: Vec<String> = container["command"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(container["args"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .map(String::from)
        .collect();
    let config_map = pod["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|v| {
            v["configMap"]["name"]
                .as_str()
                .filter(|_| v["name"] == "config")
        })
        .unwrap_or_else(|| panic!("the CronJob mounts no rclone configuration"));
    let conf = object(docs, "ConfigMap", Some(config_map))["data"]["rclone.conf"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut env = BTreeMap::new();
    for var in container["env"].as_array().into_iter().flatten() {
        let name = var["name"].as_str().unwrap_or_default().to_string();
        let value = if let Some(value) = var["value"].as_str() {
            value.to_string()
        } else {
            let reference = &var["valueFrom"]["secretKeyRef"];
            let secret = object(docs, "Secret", reference["name"].as_str());
            secret["stringData"][reference["key"].as_str().unwrap_or_default()]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: {reference} is not in the render"))
                .to_string()
        };
        env.insert(name, value);
    }
    let buckets = object(docs, "Tenant", None)["spec"]["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["name"].as_str().map(String::from))
        .collect();
    Job {
        command,
        env,
        conf,
        buckets,
    }
}

/// The generated `rclone.conf` with only its endpoints changed.
fn pointed_at(conf: &str, endpoint: &str) -> String {
    let mut changed = 0;
    let text = conf
        .lines()
        .map(|line| {
            if line.starts_with("endpoint = ") {
                changed += 1;
                format!("endpoint = {endpoint}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    assert_eq!(changed, 2, "{conf}");
    text
}

/// The variable of the CronJob's environment whose name ends in `suffix`.
fn rclone_variable(env: &BTreeMap<String, String>, suffix: &str) -> String {
    match env
        .iter()
        .find(|(k, _)| k.starts_with("RCLONE_CONFIG_") && k.ends_with(suffix))
    {
        Some((_, v)) => v.clone(),
        None => panic!("the CronJob sets no RCLONE_CONFIG_*{suffix}"),
    }
}

/// An administrator's view of the same server, to create the buckets and read them back.
fn administrator(dir: &Path, endpoint: &str, keys: &(String, String)) -> BTreeMap<String, String> {
    let conf = dir.join("admin.conf");
    std::fs::write(
        &conf,
        format!(
            "[admin]\ntype = s3\nprovider = Rclone\nendpoint = {endpoint}\naccess_key_id = {}\n\
             secret_access_key = {}\n",
            keys.0, keys.1
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    BTreeMap::from([
        (
            "RCLONE_CONFIG".to_string(),
            conf.to_string_lossy().into_owned(),
        ),
        ("HOME".to_string(), dir.to_string_lossy().into_owned()),
    ])
}

/// Creates the buckets of the Tenant and writes the media to put into `synapse-media`.
fn seed(
    admin: &dyn Fn(&[&str]) -> Output,
    buckets: &[String],
    source: &Path,
) -> BTreeMap<String, Vec<u8>> {
    for name in buckets {
        succeeded(
            &format!("creating bucket {name}"),
            &admin(&["mkdir", &format!("admin:{name}")]),
        );
    }
    media(source)
}

/// `synapse-media-li` holds exactly `expected`, as S3 lists and compares it and as it is stored.
fn assert_mirrored(
    admin: &dyn Fn(&[&str]) -> Output,
    data: &Path,
    expected: &BTreeMap<String, Vec<u8>>,
) {
    let listing = |bucket: &str| {
        succeeded(
            &format!("listing {bucket}"),
            &admin(&["lsf", "-R", "--files-only", &format!("admin:{bucket}")]),
        )
    };
    assert_eq!(listing("synapse-media-li"), listing("synapse-media"));
    succeeded(
        "comparing the buckets",
        &admin(&["check", "admin:synapse-media", "admin:synapse-media-li"]),
    );
    assert_eq!(
        &tree(&data.join("synapse-media-li")),
        expected,
        "the copies differ"
    );
}

/// With TLS on (the default), over HTTPS with a test CA standing in for the cluster's.
#[test]
fn the_generated_cronjob_syncs_real_objects_over_https() {
    let Some(openssl) = which("openssl") else {
        return;
    };
    sync_for_real("https", &[], Some(&openssl));
}

/// With TLS off, over plain HTTP.
#[test]
fn the_generated_cronjob_syncs_real_objects_over_http() {
    sync_for_real("http", &["--set", "tenant.tls=false"], None);
}

/// The generated CronJob copies `synapse-media` to `synapse-media-li` on a real S3 server: the
/// command and arguments come from the rendered CronJob, the configuration from the rendered
/// ConfigMap (only the endpoints pointed at the server), the keys from the `RCLONE_CONFIG_*`
/// variables the CronJob sets, resolved from the rendered Secrets (mode `derived`, fixed key).
/// With TLS the CronJob's `RCLONE_CA_CERT` names the test CA instead of the cluster's.
fn sync_for_real(name: &str, args: &[&str], openssl: Option<&Path>) {
    let Some(rclone) = venv_tool("rclone") else {
        return;
    };
    let Some(timeout) = which("timeout") else {
        return;
    };
    let base = ["gen", "--ccu", "5000", "--secrets-mode", "derived"];
    let stream = ok_env(
        &[base.as_slice(), args].concat(),
        &[("MINIOGEN_MASTER_KEY", TEST_KEY)],
    );
    let Job {
        command,
        mut env,
        conf,
        buckets,
    } = generated_job(&documents(&stream));
    assert_eq!(command.first().map(String::as_str), Some("rclone"));
    assert!(
        command.iter().any(|a| a == "minio-main:synapse-media")
            && command.iter().any(|a| a == "minio-li:synapse-media-li"),
        "{command:?}"
    );
    let keys = (
        rclone_variable(&env, "_ACCESS_KEY_ID"),
        rclone_variable(&env, "_SECRET_ACCESS_KEY"),
    );
    assert!(keys.0.len() >= 3 && keys.1.len() >= 12, "{keys:?}");

    let dir = scratch_dir(&format!("sync-{name}"));
    let data = dir.join("s3");
    std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
    let ca = openssl.map(|openssl| TestCa::make(&dir, openssl));
    let server = serve(&rclone, &timeout, &data, (&keys.0, &keys.1), ca.as_ref());
    let endpoint = format!("{name}://127.0.0.1:{}", server.port);
    let conf_path = dir.join("rclone.conf");
    std::fs::write(&conf_path, pointed_at(&conf, &endpoint)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        env.get("RCLONE_CONFIG").map(String::as_str),
        Some("/etc/rclone/config/rclone.conf")
    );
    env.insert(
        "RCLONE_CONFIG".into(),
        conf_path.to_string_lossy().into_owned(),
    );
    env.insert("HOME".into(), dir.to_string_lossy().into_owned());
    // The CronJob verifies the server with the CA it mounts: the test CA stands in for it.
    let mut admin_env = administrator(&dir, &endpoint, &keys);
    match &ca {
        Some(ca) => {
            assert_eq!(
                env.get("RCLONE_CA_CERT").map(String::as_str),
                Some("/etc/rclone/ca/ca.crt")
            );
            // Without the CA the server is refused: the certificate really is verified.
            let once = [
                "lsd",
                "admin:",
                "--retries",
                "1",
                "--low-level-retries",
                "1",
            ];
            let refused = client(&timeout, &rclone, &once, &admin_env);
            let why = String::from_utf8_lossy(&refused.stderr);
            assert!(
                !refused.status.success() && why.contains("certificate"),
                "an unknown CA was accepted: {why}"
            );
            let path = ca.cert.to_string_lossy().into_owned();
            env.insert("RCLONE_CA_CERT".into(), path.clone());
            admin_env.insert("RCLONE_CA_CERT".into(), path);
        }
        None => assert!(!env.contains_key("RCLONE_CA_CERT"), "{env:?}"),
    }
    let admin = |args: &[&str]| client(&timeout, &rclone, args, &admin_env);
    let source = dir.join("media");
    let files = seed(&admin, &buckets, &source);
    let put = || {
        succeeded(
            "putting objects into synapse-media",
            &admin(&["copy", &source.to_string_lossy(), "admin:synapse-media"]),
        )
    };
    put();

    let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();
    let sync = |what: &str| succeeded(what, &client(&timeout, &rclone, &args, &env));
    sync("the CronJob's rclone command");
    assert_mirrored(&admin, &data, &files);

    // A second run mirrors a new object and a deletion, and changes nothing else.
    std::fs::write(source.join("new-upload"), b"later").unwrap_or_else(|e| panic!("{e}"));
    put();
    succeeded(
        "deleting an object",
        &admin(&["deletefile", "admin:synapse-media/empty"]),
    );
    sync("the second run");
    let mut expected = files.clone();
    expected.remove("empty");
    expected.insert("new-upload".into(), b"later".to_vec());
    assert_mirrored(&admin, &data, &expected);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tests/s3/lock.py` with `args`, `input` as JSON on stdin, bounded in time; its JSON answer.
fn lock_py(python: &Path, timeout: &Path, args: &[&str], input: &Value) -> Value {
    let mut command = Command::new(timeout);
    command
        .arg(CLIENT_SECONDS)
        .arg(python)
        .arg(crate::support::root().join("tests/s3/lock.py"))
        .args(args)
        .env_remove("AWS_CA_BUNDLE");
    let output = crate::support::output_with_input(&mut command, &input.to_string());
    let text = succeeded(&format!("lock.py {args:?}"), &output);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("lock.py {args:?}: {e}: {text}"))
}

/// moto on loopback, allowing exactly `unauthenticated` requests before it checks every
/// signature and policy; retried when another process took the port first.
fn serve_moto(python: &Path, timeout: &Path, unauthenticated: usize) -> Server {
    for _ in 0..3 {
        let port = free_port();
        let mut child = Command::new(timeout)
            .arg(SERVER_SECONDS)
            .arg(python)
            .arg(crate::support::root().join("tests/s3/lock.py"))
            .args(["serve", &port.to_string()])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", unauthenticated.to_string())
            .env_remove("AWS_CA_BUNDLE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto: {e}"));
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Server { child, port };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("moto did not start");
}

/// A policy document of the IAM job's ConfigMap.
fn policy_document(docs: &[Value], file: &str) -> String {
    docs.iter()
        .filter(|d| d["kind"] == "ConfigMap")
        .find_map(|d| d["data"][file].as_str())
        .unwrap_or_else(|| panic!("no policy {file}"))
        .to_string()
}

/// The generated CronJob's rclone syncs into the lawful-intercept copy on an S3 server that
/// enforces the generated policies and object lock (moto), with the bucket job's settings
/// applied: after media is deleted and replaced in `synapse-media`, the old versions stay in
/// the copy, readable and locked, and the sync's identity can remove none of them, bypass
/// governance, or turn versioning or the lifecycle off.
#[test]
#[allow(clippy::too_many_lines)]
fn the_li_copy_keeps_what_the_sync_deletes_and_replaces() {
    let Some(rclone) = venv_tool("rclone") else {
        return;
    };
    let Some(python) = venv_tool("python") else {
        return;
    };
    let Some(timeout) = which("timeout") else {
        return;
    };
    let stream = ok_env(
        &[
            "gen",
            "--ccu",
            "5000",
            "--secrets-mode",
            "derived",
            "--set",
            "tenant.tls=false",
        ],
        &[("MINIOGEN_MASTER_KEY", TEST_KEY)],
    );
    let docs = documents(&stream);
    let Job {
        command,
        mut env,
        conf,
        ..
    } = generated_job(&docs);
    let buckets: Vec<Value> = object(&docs, "Tenant", None)["spec"]["buckets"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|b| json!({"name": b["name"], "lock": b["objectLock"] == true}))
        .collect();
    assert!(buckets.contains(&json!({"name": "synapse-media-li", "lock": true})));
    let job = docs
        .iter()
        .find(|d| {
            d["kind"] == "MinIOJob"
                && d["metadata"]["labels"]["app.kubernetes.io/component"] == "buckets"
        })
        .unwrap_or_else(|| panic!("no bucket MinIOJob"));
    let commands: Vec<Value> = job["spec"]["commands"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["command"].clone())
        .collect();
    let users = json!({
        "rclone": policy_document(&docs, "miniogen-rclone.json"),
        "buckets": policy_document(&docs, "miniogen-buckets.json"),
        "admin": json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"]}]}).to_string(),
    });
    // `setup` creates each bucket, then per user the user, its policy and an access key.
    let unauthenticated = buckets.len() + 3 * users.as_object().map_or(0, serde_json::Map::len);
    let server = serve_moto(&python, &timeout, unauthenticated);
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let keys = lock_py(
        &python,
        &timeout,
        &["setup"],
        &json!({"endpoint": endpoint, "buckets": buckets, "users": users}),
    );
    let applied = lock_py(
        &python,
        &timeout,
        &["apply"],
        &json!({"endpoint": endpoint, "keys": keys, "commands": commands}),
    );
    assert_eq!(applied.as_array().map(Vec::len), Some(commands.len()));

    let dir = scratch_dir("li-lock");
    let conf_path = dir.join("rclone.conf");
    std::fs::write(&conf_path, pointed_at(&conf, &endpoint)).unwrap_or_else(|e| panic!("{e}"));
    // The sync's keys are the ones moto made for the generated policy.
    for (name, value) in &mut env {
        if name.ends_with("_ACCESS_KEY_ID") {
            *value = keys["rclone"][0].as_str().unwrap_or_default().to_string();
        } else if name.ends_with("_SECRET_ACCESS_KEY") {
            *value = keys["rclone"][1].as_str().unwrap_or_default().to_string();
        }
    }
    env.insert(
        "RCLONE_CONFIG".into(),
        conf_path.to_string_lossy().into_owned(),
    );
    env.insert("HOME".into(), dir.to_string_lossy().into_owned());
    let admin_keys = (
        keys["admin"][0].as_str().unwrap_or_default().to_string(),
        keys["admin"][1].as_str().unwrap_or_default().to_string(),
    );
    let admin_env = administrator(&dir, &endpoint, &admin_keys);
    let admin = |args: &[&str]| client(&timeout, &rclone, args, &admin_env);
    let source = dir.join("media");
    let files = media(&source);
    let put = || {
        succeeded(
            "putting objects into synapse-media",
            &admin(&["sync", &source.to_string_lossy(), "admin:synapse-media"]),
        )
    };
    put();
    let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();
    let sync = |what: &str| succeeded(what, &client(&timeout, &rclone, &args, &env));
    sync("the CronJob's rclone command");

    // Synapse deletes one file and replaces another; the sync mirrors both.
    let (deleted, replaced) = ("remote_content/matrix.org/xy/zz/über-file", "empty");
    std::fs::remove_file(source.join(deleted)).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(source.join(replaced), b"replaced").unwrap_or_else(|e| panic!("{e}"));
    put();
    sync("the second run");
    let listing = succeeded(
        "listing the copy",
        &admin(&["lsf", "-R", "--files-only", "admin:synapse-media-li"]),
    );
    assert!(
        !listing.contains("über-file"),
        "the deletion was not mirrored:\n{listing}"
    );

    let report = lock_py(
        &python,
        &timeout,
        &["check"],
        &json!({"endpoint": endpoint, "keys": keys, "bucket": "synapse-media-li",
                "source": "synapse-media", "deleted": deleted, "replaced": replaced}),
    );
    assert_eq!(
        report["default_retention"],
        json!({"Mode": "GOVERNANCE", "Days": 90, "Years": 0})
    );
    assert_eq!(report["versioning"], "Enabled");
    assert_eq!(
        report["lifecycle"],
        json!([{"NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                "Expiration": {"ExpiredObjectDeleteMarker": true}}]),
        "{report}"
    );
    assert_eq!(report["delete_marker"], json!([deleted]));
    for key in [deleted, replaced] {
        let kept = &report["kept"][key];
        let bytes = data_encoding::BASE64
            .decode(kept["bytes"].as_str().unwrap_or_default().as_bytes())
            .unwrap_or_default();
        assert_eq!(
            &bytes, &files[key],
            "{key}: the old version is not the original"
        );
        assert_eq!(kept["lock"], "GOVERNANCE", "{key}");
    }
    for (what, answer) in report["sync"].as_object().into_iter().flatten() {
        assert_eq!(
            answer, "AccessDenied",
            "the sync identity may {what}: {report}"
        );
    }
    let admin_answers = &report["admin"];
    assert_eq!(
        admin_answers["delete locked version"], "AccessDenied",
        "{report}"
    );
    assert_eq!(
        admin_answers["put without Content-MD5 or checksum"],
        "MissingUploadObjectWithObjectLockHeaders",
        "{report}"
    );
    assert_eq!(
        admin_answers["delete locked version bypassing governance"], "allowed",
        "{report}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
