//! The Argo CD plugin as Argo CD runs it: `plugin.yaml`'s commands, in a copy of an application
//! folder, as a user without a writable home, with the variables Argo CD derives from the
//! committed example Application; the kustomize component against an argocd-repo-server base;
//! and the sidecar image's Dockerfile against what the crate needs.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{Run, documents, kustomize, miniogen_in, root, scratch_dir, which, yaml_file};

/// Argo CD's variables for one run.
type Vars = Vec<(String, String)>;

/// Where the Dockerfile installs miniogen, and so what `plugin.yaml` runs.
const IMAGE_BINARY: &str = "/usr/local/bin/miniogen";
/// How the release binary is built: statically linked but still position-independent (a static
/// PIE), the flag given to the binary alone. The profile may differ (`dist` in the image,
/// `release` where only behaviour is compared).
const RELEASE_BUILD: &str = "--locked --bin miniogen";
const RELEASE_FLAGS: &str = "-C target-feature=+crt-static";
/// Flags that would give up address-space randomisation of the executable.
const NOT_PIE: [&str; 2] = ["relocation-model=static", "no-pie"];
/// The user Argo CD's sidecars run as.
const SIDECAR_UID: u32 = 999;

/// How argo-cd escapes a parameter name into a variable name (`escaped` in
/// `pkg/apis/application/v1alpha1/types.go`).
fn escaped(name: &str) -> String {
    name.to_ascii_uppercase()
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The variables Argo CD gives a plugin for an Application's `spec.source.plugin`, as argo-cd's
/// `ApplicationSourcePluginParameters.Environ` and the CMP server's `environ` build them: the
/// JSON list, one `PARAM_` variable per string, array item or map entry, `ARGOCD_ENV_` for
/// each `env` entry, empty values left out; plus the standard build environment.
fn argo_variables(app: &Value) -> Vec<(String, String)> {
    let plugin = &app["spec"]["source"]["plugin"];
    let parameters: Vec<Value> = plugin["parameters"].as_array().cloned().unwrap_or_default();
    let mut vars = vec![
        (
            "ARGOCD_APP_NAME".into(),
            app["metadata"]["name"].as_str().unwrap_or("").into(),
        ),
        (
            "ARGOCD_APP_NAMESPACE".into(),
            app["spec"]["destination"]["namespace"]
                .as_str()
                .unwrap_or("")
                .into(),
        ),
        (
            "ARGOCD_APP_REVISION".into(),
            "0123456789abcdef0123456789abcdef01234567".into(),
        ),
        (
            "ARGOCD_APP_SOURCE_PATH".into(),
            app["spec"]["source"]["path"].as_str().unwrap_or("").into(),
        ),
        (
            "ARGOCD_APP_SOURCE_REPO_URL".into(),
            app["spec"]["source"]["repoURL"]
                .as_str()
                .unwrap_or("")
                .into(),
        ),
        (
            "ARGOCD_APP_SOURCE_TARGET_REVISION".into(),
            app["spec"]["source"]["targetRevision"]
                .as_str()
                .unwrap_or("")
                .into(),
        ),
        ("KUBE_VERSION".into(), "1.30.0".into()),
        (
            "KUBE_API_VERSIONS".into(),
            "v1,apps/v1,batch/v1,policy/v1".into(),
        ),
        (
            "ARGOCD_APP_PARAMETERS".into(),
            Value::Array(parameters.clone()).to_string(),
        ),
    ];
    for p in &parameters {
        let base = format!("PARAM_{}", escaped(p["name"].as_str().unwrap_or("")));
        if let Some(s) = p["string"].as_str() {
            vars.push((base.clone(), s.into()));
        }
        for (key, value) in p["map"].as_object().into_iter().flatten() {
            vars.push((
                format!("{base}_{}", escaped(key)),
                value.as_str().unwrap_or("").into(),
            ));
        }
        for (i, value) in p["array"].as_array().into_iter().flatten().enumerate() {
            vars.push((format!("{base}_{i}"), value.as_str().unwrap_or("").into()));
        }
    }
    for e in plugin["env"].as_array().into_iter().flatten() {
        let name = e["name"].as_str().unwrap_or("");
        vars.push((
            format!("ARGOCD_ENV_{name}"),
            e["value"].as_str().unwrap_or("").into(),
        ));
    }
    vars.retain(|(_, value)| !value.is_empty());
    vars
}

/// The `miniogen gen` flags that stand for the same parameters and `plugin.env` entries: each
/// parameter is the flag of its name.
fn gen_flags(app: &Value) -> Vec<String> {
    let plugin = &app["spec"]["source"]["plugin"];
    let mut flags = Vec::new();
    for e in plugin["env"].as_array().into_iter().flatten() {
        let flag = e["name"]
            .as_str()
            .unwrap_or("")
            .to_ascii_lowercase()
            .replace('_', "-");
        flags.extend([
            format!("--{flag}"),
            e["value"].as_str().unwrap_or("").into(),
        ]);
    }
    for p in plugin["parameters"].as_array().into_iter().flatten() {
        let flag = format!("--{}", p["name"].as_str().unwrap_or(""));
        if let Some(s) = p["string"].as_str() {
            flags.extend([flag.clone(), s.into()]);
        }
        for item in p["array"].as_array().into_iter().flatten() {
            flags.extend([flag.clone(), item.as_str().unwrap_or("").into()]);
        }
    }
    flags
}

fn example_application() -> Value {
    yaml_file("deploy/argocd/application.yaml").remove(0)
}

fn plugin() -> Value {
    yaml_file("deploy/argocd/plugin.yaml").remove(0)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A folder nobody but root may write: the sidecar user's home and the application's copy.
fn read_only(dir: &Path) {
    let mode = if is_root() { 0o755 } else { 0o555 };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// The sidecar's world in a scratch folder: a copy of the binary where user 999 can run it, a
/// home it cannot write, and the application folder (a copy of `deploy/example`).
struct Sidecar {
    dir: PathBuf,
    binary: PathBuf,
    home: PathBuf,
    app: PathBuf,
}

impl Sidecar {
    fn new(name: &str, site: &str) -> Self {
        let dir = scratch_dir(name);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        let bin = dir.join("bin");
        let home = dir.join("home");
        let app = dir.join("app");
        for d in [&bin, &home, &app] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        // The checkout may sit where user 999 cannot reach; the image has it at a fixed path.
        let binary = bin.join("miniogen");
        std::fs::copy(env!("CARGO_BIN_EXE_miniogen"), &binary).unwrap_or_else(|e| panic!("{e}"));
        // A process forked by another test while the copy was open for writing holds that
        // descriptor until it runs its own program: until then, running the copy fails with
        // ETXTBSY ("Text file busy"). Wait for those to pass.
        for _ in 0..100 {
            match Command::new(&binary).arg("--version").output() {
                Err(e) if e.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                _ => break,
            }
        }
        // An empty text stands for no site file at all.
        if !site.is_empty() {
            std::fs::write(app.join("miniogen.toml"), site).unwrap_or_else(|e| panic!("{e}"));
        }
        for d in [&bin, &home, &app] {
            read_only(d);
        }
        Self {
            dir,
            binary,
            home,
            app,
        }
    }

    /// Runs one of `plugin.yaml`'s commands as the sidecar does: in the application folder, as
    /// user 999 (when the test runs as root), with only Argo CD's variables and a home it cannot
    /// write.
    fn run(&self, command: &[String], vars: &[(String, String)]) -> Run {
        assert_eq!(
            command.first().map(String::as_str),
            Some(IMAGE_BINARY),
            "plugin.yaml must run the binary where the Dockerfile installs it"
        );
        let mut argv: Vec<String> = Vec::new();
        if is_root() {
            let setpriv = which("setpriv").unwrap_or_else(|| panic!("setpriv is missing"));
            argv.extend([
                setpriv.to_string_lossy().into_owned(),
                format!("--reuid={SIDECAR_UID}"),
                format!("--regid={SIDECAR_UID}"),
                "--clear-groups".into(),
                "--".into(),
            ]);
        }
        argv.push(self.binary.to_string_lossy().into_owned());
        argv.extend(command[1..].iter().cloned());
        let output = Command::new(&argv[0])
            .args(&argv[1..])
            .current_dir(&self.app)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &self.home)
            .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {argv:?}: {e}"));
        Run::from(output)
    }

    fn generate(&self, vars: &[(String, String)]) -> Run {
        self.run(&command(&plugin()["spec"]["generate"]), vars)
    }

    fn parameters(&self, vars: &[(String, String)]) -> Run {
        self.run(&command(&plugin()["spec"]["parameters"]["dynamic"]), vars)
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn command(spec: &Value) -> Vec<String> {
    spec["command"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(spec["args"].as_array().into_iter().flatten())
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

fn example_site() -> String {
    std::fs::read_to_string(root().join("deploy/example/miniogen.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Client-side apply writes `kubectl.kubernetes.io/last-applied-configuration` on the Tenant,
/// and MinIO Operator v6.0.2 copies every Tenant annotation into every MinIO pod template
/// (`operator::v6_0_2::pod_metadata`): only server-side apply keeps a bucket change from rolling
/// the pods.
#[test]
fn the_application_applies_server_side() {
    let app = example_application();
    let options: Vec<&str> = app["spec"]["syncPolicy"]["syncOptions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    assert!(options.contains(&"ServerSideApply=true"), "{options:?}");
    // Replace would delete and recreate the Tenant on a conflict.
    assert!(
        !options.iter().any(|o| o.starts_with("Replace=true")),
        "{options:?}"
    );
    let text =
        std::fs::read_to_string(root().join("deploy/argocd/application.yaml")).unwrap_or_default();
    assert!(
        text.contains("last-applied-configuration"),
        "say why: {text}"
    );
}

/// The quickstart's Argo CD Application, for a committed folder: it syncs server-side (so a
/// Tenant change restarts no MinIO pod), and its source and destination are the folder of step
/// 4 and the default site's namespace. The plugin's example Application's destination is that
/// namespace too, and the README says to change it.
#[test]
fn the_quickstart_application_applies_the_folder_server_side() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let quickstart = readme
        .split("## Quickstart")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_default();
    let app: Value = quickstart
        .split("```yaml\n")
        .skip(1)
        .filter_map(|s| s.split("```").next())
        .map(|y| serde_saphyr::from_str::<Value>(y).unwrap_or_else(|e| panic!("{e}: {y}")))
        .find(|v| v["kind"] == "Application")
        .unwrap_or_else(|| panic!("the quickstart shows no Application"));
    let options = &app["spec"]["syncPolicy"]["syncOptions"];
    assert!(
        options
            .as_array()
            .is_some_and(|o| o.contains(&json!("ServerSideApply=true"))),
        "{options}"
    );
    assert!(
        quickstart.contains("last-applied-configuration"),
        "the quickstart must say why"
    );
    let folder = quickstart
        .lines()
        .find_map(|l| l.strip_prefix("$ miniogen gen --out "))
        .unwrap_or_default();
    assert_eq!(app["spec"]["source"]["path"], folder);
    assert!(app["spec"]["source"]["plugin"].is_null());
    let plan: Value = serde_json::from_str(&crate::support::ok(&[
        "plan", "--ccu", "5000", "--format", "json",
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app["spec"]["destination"]["namespace"], plan["namespace"]);
    assert_eq!(
        example_application()["spec"]["destination"]["namespace"],
        plan["namespace"]
    );
    assert!(plugin_section().contains("`spec.destination.namespace`"));
}

#[test]
fn generate_prints_what_gen_prints_with_the_same_parameters() {
    let sidecar = Sidecar::new("argocd-generate", &example_site());
    let app = example_application();
    let run = sidecar.generate(&argo_variables(&app));
    assert_eq!(run.code, 0, "the plugin failed:\n{}", run.stderr);

    let flags = gen_flags(&app);
    let mut args = vec!["gen"];
    args.extend(flags.iter().map(String::as_str));
    let cli = miniogen_in(Some(&sidecar.app), &args);
    assert_eq!(cli.code, 0, "{}", cli.stderr);
    assert_eq!(
        run.stdout, cli.stdout,
        "the plugin and `miniogen {args:?}` differ"
    );

    // The parameters reached the render: not merely the defaults on both sides.
    let plain = miniogen_in(Some(&sidecar.app), &["gen", "--env", "production"]);
    assert_ne!(run.stdout, plain.stdout, "the parameters changed nothing");
    let docs = documents(&run.stdout);
    let cronjob = docs
        .iter()
        .find(|d| d["kind"] == "CronJob")
        .cloned()
        .unwrap_or_default();
    assert_eq!(cronjob["spec"]["schedule"], "*/30 * * * *");
    assert!(docs.iter().any(|d| d["kind"] == "Tenant"));
}

#[test]
fn parameters_announce_what_generate_does_when_they_are_unset() {
    let sidecar = Sidecar::new("argocd-parameters", &example_site());
    let app = example_application();
    let vars = argo_variables(&app);
    let run = sidecar.parameters(&vars);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let announced: Vec<Value> = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout));
    let names: BTreeSet<&str> = announced
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "ccu",
            "env",
            "namespace",
            "storage-class",
            "secrets-mode",
            "set"
        ])
    );
    // The production environment's values, since the Application chose it.
    let default = |name: &str| {
        announced
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["string"].clone())
            .unwrap_or_default()
    };
    assert_eq!(default("ccu"), "10000");
    assert_eq!(default("storage-class"), "fast-ssd");

    // Argo CD never sends a default: setting each one explicitly must change nothing.
    let baseline = sidecar.generate(&vars);
    assert_eq!(baseline.code, 0, "{}", baseline.stderr);
    for p in &announced {
        let (Some(name), Some(value)) = (p["name"].as_str(), p["string"].as_str()) else {
            continue;
        };
        let mut with = app.clone();
        let list = with["spec"]["source"]["plugin"]["parameters"]
            .as_array_mut()
            .unwrap_or_else(|| panic!("no parameters"));
        list.retain(|q| q["name"] != name);
        list.push(json!({"name": name, "string": value}));
        let run = sidecar.generate(&argo_variables(&with));
        assert_eq!(run.code, 0, "{name}={value}: {}", run.stderr);
        assert_eq!(
            run.stdout, baseline.stdout,
            "setting `{name}` to its announced default `{value}` changed the render"
        );
    }
}

#[test]
fn failures_exit_non_zero_and_print_nothing() {
    let app = example_application();
    let sidecar = Sidecar::new("argocd-failures", &example_site());
    let with = |extra: &[(&str, &str)]| {
        let mut vars = argo_variables(&app);
        vars.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        );
        vars
    };
    let cases: [(&str, Vars, i32, &str); 4] = [
        (
            "a bad value",
            with(&[("ARGOCD_ENV_CCU", "lots")]),
            1,
            "`ARGOCD_ENV_CCU=lots`: `lots` is not a number",
        ),
        (
            "an unknown variable",
            with(&[("ARGOCD_ENV_NAMESAPCE", "x")]),
            1,
            "did you mean `NAMESPACE`?",
        ),
        (
            "no environment chosen",
            Vec::new(),
            2,
            "choose one with the `env` parameter",
        ),
        (
            "derived without a master key",
            with(&[("ARGOCD_ENV_SECRETS_MODE", "derived")]),
            1,
            "needs a master key",
        ),
    ];
    for (what, vars, code, message) in cases {
        let run = sidecar.generate(&vars);
        assert_eq!(run.code, code, "{what}: {}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "{what} printed to stdout:\n{}",
            run.stdout
        );
        assert!(run.stderr.contains(message), "{what}:\n{}", run.stderr);
    }

    let broken = Sidecar::new("argocd-broken-site", "ccu = 5000\nnamespace = \"Chat\"\n");
    let run = broken.generate(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("miniogen.toml:2:13"), "{}", run.stderr);
}

/// The TOML a refusal's help gives to add: its indented lines after the blank line.
fn toml_to_add(stderr: &str) -> String {
    let block: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("    ["))
        .take_while(|l| l.starts_with("    "))
        .map(|l| &l[4..])
        .collect();
    assert!(!block.is_empty(), "no TOML to add in:\n{stderr}");
    format!("{}\n", block.join("\n"))
}

/// The first pool of the Tenant a stream holds: name, servers, volumes per server.
fn first_pool(stream: &str) -> (String, u64, u64) {
    let tenant = documents(stream)
        .into_iter()
        .find(|d| d["kind"] == "Tenant")
        .unwrap_or_else(|| panic!("no Tenant in:\n{stream}"));
    let pool = &tenant["spec"]["pools"][0];
    (
        pool["name"].as_str().unwrap_or_default().to_string(),
        pool["servers"].as_u64().unwrap_or_default(),
        pool["volumesPerServer"].as_u64().unwrap_or_default(),
    )
}

/// A site file's `ccu = 5000` changed to `ccu = 20000` gave pool-0 `servers: 8`,
/// `volumesPerServer: 4`, exit 0, which Argo CD applied (issue 22, case 6). `generate` refuses
/// a site file (or parameters alone) that leave the first pool's shape to the tier, with the
/// exact TOML to add and where; with that TOML added, a change of `ccu` keeps the pool.
#[test]
fn generate_never_reshapes_a_pool() {
    let bare = Sidecar::new("argocd-unpinned", "ccu = 5000\n");
    let refused = bare.generate(&[]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    for needed in [
        "miniogen.toml:1:1",
        "= key: sizing",
        "a change of `ccu` would reshape the pool",
    ] {
        assert!(
            refused.stderr.contains(needed),
            "{needed}:\n{}",
            refused.stderr
        );
    }
    let pins = toml_to_add(&refused.stderr);
    assert_eq!(
        pins,
        "[sizing]\nservers = 4\nvolumes_per_server = 2\nvolume_size = \"500Gi\"\n"
    );
    let pinned = Sidecar::new("argocd-pinned", &format!("ccu = 5000\n{pins}"));
    let before = pinned.generate(&[]);
    assert_eq!(before.code, 0, "{}", before.stderr);
    let grown = Sidecar::new("argocd-pinned-20000", &format!("ccu = 20000\n{pins}"));
    let after = grown.generate(&[]);
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert_eq!(first_pool(&before.stdout), ("pool-0".into(), 4, 2));
    assert_eq!(first_pool(&after.stdout), ("pool-0".into(), 4, 2));

    // Parameters alone: the tier decides the shape, so the same refusal says where to write it.
    let none = Sidecar::new("argocd-no-site", "");
    let run = none.generate(&[("ARGOCD_ENV_CCU".into(), "5000".into())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("write `miniogen.toml` beside the Application's source"),
        "{}",
        run.stderr
    );
    assert_eq!(toml_to_add(&run.stderr), pins);

    // The same from the command line, to stdout; the main job, without a site file, is free.
    let dir = scratch_dir("gen-unpinned");
    std::fs::write(dir.join("miniogen.toml"), "ccu = 20000\n").unwrap_or_else(|e| panic!("{e}"));
    let cli = miniogen_in(Some(&dir), &["gen"]);
    assert_eq!(cli.code, 1, "{}", cli.stderr);
    assert!(cli.stdout.is_empty());
    assert_eq!(
        toml_to_add(&cli.stderr),
        "[sizing]\nservers = 8\nvolumes_per_server = 4\nvolume_size = \"500Gi\"\n"
    );
    let main_job = miniogen_in(None, &["gen", "--ccu", "5000"]);
    assert_eq!(main_job.code, 0, "{}", main_job.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// argo-cd's `cmpserver/plugin/config.go` `PluginConfig`, every field known, nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PluginConfig {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: PluginSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PluginSpec {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    init: Option<PluginCommand>,
    generate: PluginCommand,
    discover: Discover,
    #[serde(default)]
    parameters: Option<Parameters>,
    #[serde(default)]
    preserve_file_mode: Option<bool>,
    #[serde(default)]
    provide_git_creds: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginCommand {
    command: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Discover {
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    find: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Parameters {
    #[serde(default)]
    r#static: Vec<Value>,
    dynamic: Option<PluginCommand>,
}

#[test]
fn plugin_yaml_is_a_sidecar_plugin_argo_cd_accepts() {
    let text = std::fs::read_to_string(root().join("deploy/argocd/plugin.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let config: PluginConfig =
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("plugin.yaml: {e}"));
    // argo-cd's `ValidatePluginConfig`, and the v2 sidecar form.
    assert_eq!(config.api_version, "argoproj.io/v1alpha1");
    assert_eq!(config.kind, "ConfigManagementPlugin");
    assert!(!config.metadata.name.is_empty());
    assert!(!config.spec.generate.command.is_empty());
    // No version, so that Applications name the plugin `miniogen`, as application.yaml does.
    assert!(config.spec.version.is_none());
    assert_eq!(
        example_application()["spec"]["source"]["plugin"]["name"],
        config.metadata.name.as_str()
    );
    assert!(config.spec.init.is_none(), "generate needs no init step");
    assert!(config.spec.discover.find.is_none());
    assert_eq!(
        config.spec.discover.file_name.as_deref(),
        Some("./miniogen.toml")
    );
    assert_ne!(config.spec.preserve_file_mode, Some(true));
    assert_ne!(config.spec.provide_git_creds, Some(true));
    let parameters = config
        .spec
        .parameters
        .unwrap_or_else(|| panic!("no parameters"));
    assert!(
        parameters.r#static.is_empty(),
        "every parameter comes from the schema"
    );
    let dynamic = parameters
        .dynamic
        .unwrap_or_else(|| panic!("no dynamic parameters"));
    assert_eq!(dynamic.command, [IMAGE_BINARY, "argocd", "parameters"]);
    assert_eq!(
        config.spec.generate.command,
        [IMAGE_BINARY, "argocd", "generate"]
    );
    assert!(dynamic.args.is_empty() && config.spec.generate.args.is_empty());
}

/// The README's section on the plugin, from its heading to the next.
fn plugin_section() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    readme
        .split("## Render in Argo CD")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_default()
        .to_string()
}

/// An Argo CD installation with the plugin, made as the README says: `deploy/argocd` copied by
/// its `cp` command into a folder beside the installation's `kustomization.yaml`, and its YAML
/// added to that file, over an `argocd-repo-server` base. A copy named otherwise than the
/// component the snippet lists fails to build, as it would for a user.
fn installation_as_the_readme_says(name: &str) -> PathBuf {
    let section = plugin_section();
    let copy = section
        .lines()
        .find(|l| l.starts_with("cp -R deploy/argocd "))
        .unwrap_or_else(|| panic!("the README shows no `cp -R deploy/argocd` command"));
    let target = copy.rsplit(' ').next().unwrap_or_default();
    let install = target
        .strip_prefix("path/to/argocd/")
        .unwrap_or_else(|| panic!("{copy}: not into path/to/argocd/"));
    let snippet = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap_or_default();
    assert!(snippet.contains("components:"), "{snippet}");
    let dir = scratch_dir(name);
    let copy_tree = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
        for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            std::fs::copy(&path, to.join(path.file_name().unwrap_or_default()))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    };
    copy_tree(
        &root().join("tests/fixtures/argocd/base"),
        &dir.join("base"),
    );
    copy_tree(&root().join("deploy/argocd"), &dir.join(install));
    std::fs::write(
        dir.join("kustomization.yaml"),
        format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: \
             argocd\nresources:\n  - base\n{snippet}"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    dir
}

#[test]
fn the_component_adds_the_sidecar_to_argocd_repo_server() {
    let Some(kubectl) = which("kubectl") else {
        return;
    };
    let fixture = root().join("tests/fixtures/argocd");
    let base = kustomize(&kubectl, &fixture.join("base"));
    let installation = installation_as_the_readme_says("argocd-component");
    let built = kustomize(&kubectl, &installation);
    let _ = std::fs::remove_dir_all(&installation);
    let find = |docs: &[Value], kind: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let deployment = find(&built, "Deployment");
    let pod = &deployment["spec"]["template"]["spec"];
    let containers = pod["containers"].as_array().cloned().unwrap_or_default();
    let container = |name: &str| {
        containers
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no container {name}"))
    };

    // The repo-server itself is untouched.
    assert_eq!(
        container("argocd-repo-server"),
        find(&base, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    );
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"],
        "argocd-repo-server"
    );

    let sidecar = container("miniogen");
    assert_eq!(
        sidecar["command"],
        json!(["/var/run/argocd/argocd-cmp-server"])
    );
    assert_eq!(
        sidecar["image"], "registry.example.com/platform/miniogen-cmp:0.1.0",
        "the `images:` entry the README shows must replace the placeholder"
    );
    let security = &sidecar["securityContext"];
    assert_eq!(security["runAsNonRoot"], true);
    assert_eq!(security["runAsUser"], SIDECAR_UID);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    let mounts: Vec<(String, String, Value)> = sidecar["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                m["mountPath"].as_str().unwrap_or_default().to_string(),
                m["name"].as_str().unwrap_or_default().to_string(),
                m["subPath"].clone(),
            )
        })
        .collect();
    let mount = |path: &str| {
        mounts
            .iter()
            .find(|m| m.0 == path)
            .cloned()
            .unwrap_or_else(|| panic!("nothing mounted at {path}"))
    };
    assert_eq!(mount("/var/run/argocd").1, "var-files");
    assert_eq!(mount("/home/argocd/cmp-server/plugins").1, "plugins");
    let config = mount("/home/argocd/cmp-server/config/plugin.yaml");
    assert_eq!(config.2, "plugin.yaml");
    let tmp = mount("/tmp");
    assert_ne!(
        tmp.1, "tmp",
        "the sidecar must not share the repo-server's /tmp"
    );

    let volumes = pod["volumes"].as_array().cloned().unwrap_or_default();
    let volume = |name: &str| {
        let found: Vec<&Value> = volumes.iter().filter(|v| v["name"] == name).collect();
        assert_eq!(found.len(), 1, "volume {name}: {found:?}");
        found[0].clone()
    };
    for name in ["var-files", "plugins"] {
        assert!(volume(name)["emptyDir"].is_object());
    }
    assert!(volume(&tmp.1)["emptyDir"].is_object());
    // plugin.yaml reaches the sidecar byte for byte, through the hashed ConfigMap.
    let config_map = find(&built, "ConfigMap");
    assert_eq!(
        volume(&config.1)["configMap"]["name"],
        config_map["metadata"]["name"]
    );
    assert_eq!(
        config_map["data"]["plugin.yaml"].as_str(),
        std::fs::read_to_string(root().join("deploy/argocd/plugin.yaml"))
            .ok()
            .as_deref()
    );
    assert_eq!(config_map["metadata"]["namespace"], "argocd");
}

/// `FROM`, `COPY` and `RUN` lines of the Dockerfile, by stage.
fn dockerfile() -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(root().join("deploy/argocd/Dockerfile"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut stages: Vec<Vec<(String, String)>> = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        if word == "FROM" {
            stages.push(Vec::new());
        }
        stages
            .last_mut()
            .unwrap_or_else(|| panic!("an instruction before FROM"))
            .push((word.to_string(), rest.to_string()));
    }
    stages
}

/// Every file the build reads: the manifest, the lock file, the build script if there is one,
/// src, each folder that any file under src embeds with `include_str!`, and each file the build
/// script says it reads.
fn files_the_build_reads() -> BTreeSet<String> {
    let mut needed: BTreeSet<String> = ["Cargo.toml", "Cargo.lock", "src"].map(String::from).into();
    if let Ok(build_script) = std::fs::read_to_string(root().join("build.rs")) {
        needed.insert("build.rs".into());
        for part in build_script.split("cargo:rerun-if-changed=").skip(1) {
            needed.insert(part.split('"').next().unwrap_or_default().to_string());
        }
    }
    let mut dirs = vec![root().join("src")];
    let mut files = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for part in text.split("include_str!(\"").skip(1) {
                // The path is relative to the file, which may sit in a stage folder: its first
                // component past the `..`s is the top-level folder the build reads.
                let path = part.split('"').next().unwrap_or_default();
                let top = path.split('/').find(|c| *c != "..").unwrap_or_default();
                needed.insert(top.to_string());
            }
        }
    }
    assert!(files > 10, "src/ was not read: {files} files");
    needed
}

#[test]
fn the_image_builds_from_what_the_crate_compiles() {
    let stages = dockerfile();
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let (build, runtime) = (&stages[0], &stages[1]);

    // Every file the build reads is copied, and the build context holds nothing else.
    let needed = files_the_build_reads();
    let copied: BTreeSet<String> = build
        .iter()
        .filter(|(w, _)| w == "COPY")
        .flat_map(|(_, rest)| {
            let words: Vec<&str> = rest.split_whitespace().collect();
            words[..words.len() - 1]
                .iter()
                .map(|w| (*w).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        copied, needed,
        "the build stage copies other files than the crate needs"
    );

    // The build context holds exactly that (the root .dockerignore is an allowlist).
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap_or_default();
    let allowed: BTreeSet<String> = ignore
        .lines()
        .filter_map(|l| l.strip_prefix('!'))
        .map(String::from)
        .collect();
    assert!(
        ignore.lines().any(|l| l == "*"),
        ".dockerignore must start from nothing"
    );
    assert_eq!(allowed, needed);

    let run = build
        .iter()
        .find(|(w, _)| w == "RUN")
        .map(|(_, r)| r.clone())
        .unwrap_or_default();
    // The image's binary is the release binary the benchmark measures and CI checks against
    // the tested one: the same command and flags in all three places.
    for (name, text) in [
        ("deploy/argocd/Dockerfile", run),
        (
            "bench/run",
            std::fs::read_to_string(root().join("bench/run")).unwrap_or_default(),
        ),
        (
            ".ci/test",
            std::fs::read_to_string(root().join(".ci/test")).unwrap_or_default(),
        ),
    ] {
        for words in [RELEASE_BUILD, RELEASE_FLAGS] {
            assert!(text.contains(words), "{name} does not run `{words}`");
        }
        for words in NOT_PIE {
            assert!(
                !text.contains(words),
                "{name} links a position-dependent binary: `{words}`"
            );
        }
    }

    // A toolchain at least as new as the crate asks for.
    let image = &build[0].1;
    let version = image
        .split(':')
        .nth(1)
        .and_then(|t| t.split('-').next())
        .unwrap_or_default()
        .to_string();
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap_or_default();
    let wanted = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap_or_default()
        .trim_matches('"')
        .to_string();
    let parse = |v: &str| -> Vec<u32> { v.split('.').filter_map(|n| n.parse().ok()).collect() };
    assert!(
        !parse(&version).is_empty(),
        "the Rust image is not pinned: {image}"
    );
    assert!(
        parse(&version) >= parse(&wanted),
        "{image} is older than rust-version {wanted}"
    );

    // The runtime stage holds the binary where plugin.yaml runs it, as the sidecar's user.
    assert!(runtime.iter().any(|(w, rest)| w == "COPY"
        && rest.starts_with("--from=")
        && rest.ends_with(&format!(" {IMAGE_BINARY}"))));
    assert!(
        runtime
            .iter()
            .any(|(w, rest)| w == "USER" && rest == &format!("{SIDECAR_UID}:{SIDECAR_UID}"))
    );
    let patch = yaml_file("deploy/argocd/repo-server-patch.yaml").remove(0);
    assert_eq!(
        patch["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsUser"],
        SIDECAR_UID
    );
}

/// MinIO Operator v6.0.2 copies every Tenant label and annotation into every pod template
/// (`PodMetadata`, `pkg/resources/statefulsets/minio-statefulset.go`), Argo CD's and Flux's
/// tracking metadata included: `plan` names each key the model knows, and the Application name
/// under which Argo CD's label tracking writes the `app.kubernetes.io/instance` value miniogen
/// renders on the Tenant, so that its first sync of a Tenant applied before changes no pod.
#[test]
fn plan_says_which_gitops_metadata_rolls_the_pods() {
    let dir = scratch_dir("argocd-gitops-metadata");
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    for namespace in ["matrix", "chat"] {
        let args = [
            "--ccu",
            "5000",
            "--namespace",
            namespace,
            "--set",
            "tenant.name=media-s3",
        ];
        let plan = miniogen_in(Some(&dir), &[&["plan"][..], &args].concat());
        assert_eq!(plan.code, 0, "{}", plan.stderr);
        let stream = miniogen_in(Some(&dir), &[&["gen"][..], &args].concat());
        assert_eq!(stream.code, 0, "{}", stream.stderr);
        let tenant = documents(&stream.stdout)
            .into_iter()
            .find(|d| d["kind"] == "Tenant")
            .unwrap_or_else(|| panic!("no Tenant:\n{}", stream.stdout));
        let instance = tenant["metadata"]["labels"]["app.kubernetes.io/instance"]
            .as_str()
            .unwrap_or_else(|| panic!("{tenant:#}"));
        let text = words(&plan.stdout);
        for key in [
            "app.kubernetes.io/instance",
            "argocd.argoproj.io/tracking-id",
            "kustomize.toolkit.fluxcd.io/name",
            "kustomize.toolkit.fluxcd.io/namespace",
        ] {
            assert!(text.contains(&format!("`{key}`")), "{key}: {text}");
        }
        assert!(
            text.contains(&format!(
                "under label tracking, an Application named `{instance}` writes the value \
                 miniogen renders"
            )),
            "{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
