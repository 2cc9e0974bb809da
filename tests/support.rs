//! Running the binary and finding the shared test data.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `miniogen` with `args` in `dir` (the repository root when `None`).
pub fn miniogen_in(dir: Option<&Path>, args: &[&str]) -> Run {
    miniogen_env(dir, args, &[])
}

/// A master key for tests of secrets mode `derived`.
pub const TEST_KEY: &str = "miniogen-test-key-0123456789abcdefghij";

/// Runs `miniogen` with `args` in `dir` (the repository root when `None`), with no master key
/// in the environment but those `env` sets.
pub fn miniogen_env(dir: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Run {
    miniogen_os(&dir.map_or_else(root, Path::to_path_buf), args, env)
}

/// `miniogen_env` for arguments and variables of any string type: generated lists, control
/// characters.
pub fn miniogen_os<A, K, V>(dir: &Path, args: &[A], env: &[(K, V)]) -> Run
where
    A: AsRef<std::ffi::OsStr>,
    K: AsRef<std::ffi::OsStr>,
    V: AsRef<std::ffi::OsStr>,
{
    let output = Command::new(env!("CARGO_BIN_EXE_miniogen"))
        .args(args)
        .current_dir(dir)
        .env_remove("MINIOGEN_MASTER_KEY")
        .env_remove("MINIOGEN_MASTER_KEY_FILE")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run miniogen: {e}"));
    Run::from(output)
}

impl From<std::process::Output> for Run {
    fn from(output: std::process::Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Waits at most 20 seconds for `child`, whose stdout and stderr are piped, draining both while it
/// runs (a stream larger than a pipe's buffer would otherwise block it, and the wait would blame
/// the child); `what` names it in the failure.
pub fn bounded(mut child: std::process::Child, what: &str) -> Run {
    use std::io::Read as _;
    use std::time::{Duration, Instant};
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut out);
            }
            out
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().ok().flatten() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} ran for 20 s: it read without bound or blocked");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let joined = |t: std::thread::JoinHandle<Vec<u8>>| t.join().unwrap_or_default();
    Run::from(std::process::Output {
        status,
        stdout: joined(stdout),
        stderr: joined(stderr),
    })
}

/// Runs `command` with `input` on its stdin and its stdout and stderr captured.
pub fn output_with_input(command: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    child
        .stdin
        .take()
        .map(|mut s| s.write_all(input.as_bytes()))
        .transpose()
        .unwrap_or_else(|e| panic!("{e}"));
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `miniogen` in an empty directory, so that no stray `miniogen.toml` is picked up.
pub fn miniogen(args: &[&str]) -> Run {
    let empty = root().join("tests/fixtures/empty-dir");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    miniogen_in(Some(&empty), args)
}

/// Runs `miniogen` and requires success.
pub fn ok(args: &[&str]) -> String {
    ok_env(args, &[])
}

/// Runs `miniogen` with `env` set in an empty directory and requires success.
pub fn ok_env(args: &[&str], env: &[(&str, &str)]) -> String {
    let empty = root().join("tests/fixtures/empty-dir");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    let run = miniogen_env(Some(&empty), args, env);
    assert_eq!(run.code, 0, "miniogen {args:?} failed:\n{}", run.stderr);
    run.stdout
}

/// Every secrets mode, with the environment each needs: `derived` gets `TEST_KEY`.
pub const MODES: [(&str, &[(&str, &str)]); 4] = [
    ("external-secrets", &[]),
    ("vault-placeholders", &[]),
    ("derived", &[("MINIOGEN_MASTER_KEY", TEST_KEY)]),
    ("existing", &[]),
];

/// The built-in tiers.
pub const TIERS: [u32; 5] = [100, 1000, 5000, 10000, 20000];

/// `--set` arguments that write down the first pool's shape as built-in tier `ccu` gives it: a
/// test that renders one site file at several tiers to stdout gives each tier's shape, since
/// `gen` to stdout refuses a site file that leaves the shape to the tier, and the fixtures
/// write down one.
pub fn tier_shape(ccu: u32) -> Vec<String> {
    let profile: toml::Table = toml::from_str(
        &std::fs::read_to_string(root().join(format!("profiles/{ccu}.toml"))).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("profiles/{ccu}.toml: {e}"));
    let sizing = &profile["sizing"];
    ["servers", "volumes_per_server", "volume_size"]
        .into_iter()
        .flat_map(|key| ["--set".to_string(), format!("sizing.{key}={}", sizing[key])])
        .collect()
}

/// A directory the tests need from outside the repository: `../shared` by default. When it is
/// missing the test is skipped (`skip`).
pub fn required_dir(path: PathBuf, why: &str) -> Option<PathBuf> {
    if path.is_dir() {
        return Some(path);
    }
    skip(&format!("{} is missing ({why})", path.display()));
    None
}

/// Whether a skip stops the whole test or one case of it.
#[derive(Clone, Copy)]
enum Skipped {
    /// The test returns: it checked nothing.
    Test,
    /// The test leaves out one case and checks the others.
    Case,
}

/// The one way a test skips itself when something it needs is missing here; the test returns
/// right after, having checked nothing. Fails the test instead when `CI` is set, where everything
/// a test needs must be there. Otherwise the skip is printed where plain `cargo test` shows it,
/// and recorded for `.ci/test`, which counts the test as skipped, not passed.
pub fn skip(reason: &str) {
    record(Skipped::Test, reason);
}

/// Like `skip`, for one case of a test that goes on with its other cases: `.ci/test` names the
/// test and the reason, and counts the test as run.
pub fn skip_case(reason: &str) {
    record(Skipped::Case, reason);
}

/// Prints and records a skip: on stderr, written past the test harness's capture so that plain
/// `cargo test` shows it beside the `ok` it prints for the test, and as a line
/// `kind<TAB>reason<TAB>test` in the file `MINIOGEN_SKIP_LOG` names, which `.ci/test` sums up in
/// its closing lines.
fn record(kind: Skipped, reason: &str) {
    use std::io::Write as _;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    assert!(
        std::env::var_os("CI").is_none(),
        "{test} cannot run here, and CI is set: {reason}"
    );
    let (word, what) = match kind {
        Skipped::Test => ("test", "checked nothing"),
        Skipped::Case => ("case", "left a case out"),
    };
    let log = std::env::var_os("MINIOGEN_SKIP_LOG");
    let counted = if log.is_some() {
        ""
    } else {
        " (plain `cargo test` still prints `ok` for it; `./.ci/test` counts it)"
    };
    // Not `eprintln!`: the harness captures that and shows it only when the test fails.
    let _ = std::io::stderr()
        .write_all(format!("skipped: `{test}` {what}: {reason}{counted}\n").as_bytes());
    let Some(log) = log else {
        return;
    };
    let line = format!("{word}\t{}\t{test}\n", reason.replace(['\t', '\n'], " "));
    // One short append per line: lines from tests running at once do not interleave.
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        panic!("cannot record the skip in {}: {e}", log.to_string_lossy());
    }
}

/// The upstream CRD schemas: `../shared/schemas` (as CI has it), else `tests/schemas/fetched`,
/// where `tests/schemas/fetch` puts them on a clone with network access.
pub fn shared_schemas() -> Option<PathBuf> {
    let shared =
        std::env::var_os("MINIOGEN_SHARED").map_or_else(|| root().join("../shared"), PathBuf::from);
    let shared = shared.join("schemas");
    let fetched = root().join(FETCHED_SCHEMAS);
    if !shared.is_dir() && fetched.is_dir() {
        return Some(fetched);
    }
    required_dir(
        shared,
        "the upstream CRD schemas live there; `tests/schemas/fetch` downloads them into \
         tests/schemas/fetched instead",
    )
}

/// Where `tests/schemas/fetch` writes the schemas it builds (git-ignored).
pub const FETCHED_SCHEMAS: &str = "tests/schemas/fetched";

/// A tool installed by the test command (`.ci/test`) into `.venv`. Missing: the test is skipped
/// (`skip`).
pub fn venv_tool(name: &str) -> Option<PathBuf> {
    venv_tool_in(".venv", name)
}

/// A tool the test command installs into the venv `venv` of the checkout (checkov has its own,
/// `.venv-checkov`, as its pins conflict with the other tools').
pub fn venv_tool_in(venv: &str, name: &str) -> Option<PathBuf> {
    let path = root().join(venv).join("bin").join(name);
    if path.is_file() {
        return Some(path);
    }
    skip(&format!(
        "{} is missing; `.ci/test` installs it",
        path.display()
    ));
    None
}

/// Parses a YAML stream into JSON values.
pub fn documents(stream: &str) -> Vec<serde_json::Value> {
    serde_saphyr::from_multiple(stream).unwrap_or_else(|e| panic!("output does not parse: {e}"))
}

/// A fresh, empty scratch folder for one test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("miniogen-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// A program on `PATH`. Missing: the test is skipped (`skip`).
pub fn which(tool: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(tool))
                .find(|p| p.is_file())
        })
        .unwrap_or_default();
    if found.is_none() {
        skip(&format!("{tool} is not on PATH"));
    }
    found
}

/// Makes a FIFO at `path`, or fails the test: no tool is needed, so no case is left out for
/// want of one.
pub fn mkfifo(path: &Path) {
    use rustix::fs::{CWD, FileType, Mode, mknodat};
    mknodat(CWD, path, FileType::Fifo, Mode::RUSR | Mode::WUSR, 0)
        .unwrap_or_else(|e| panic!("cannot make a FIFO at {}: {e}", path.display()));
}

/// Every file under `dir` with its bytes; a symbolic link with its target, never followed; a
/// FIFO, socket or device by its kind, never opened. Anything that cannot be read fails the
/// test: a snapshot that turned errors into empty content would compare equal to another.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn failed(path: &Path, e: &std::io::Error) -> ! {
        panic!("cannot take a snapshot of {}: {e}", path.display())
    }
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| failed(&d, &e)) {
            let entry = entry.unwrap_or_else(|e| failed(&d, &e));
            let path = entry.path();
            let kind = entry.file_type().unwrap_or_else(|e| failed(&path, &e));
            let content = if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap_or_else(|e| failed(&path, &e));
                target.to_string_lossy().as_bytes().to_vec()
            } else if kind.is_dir() {
                stack.push(path);
                continue;
            } else if kind.is_file() {
                std::fs::read(&path).unwrap_or_else(|e| failed(&path, &e))
            } else {
                format!("<{kind:?}>").into_bytes()
            };
            out.insert(path, content);
        }
    }
    out
}

/// Reads a file of the repository as YAML documents.
pub fn yaml_file(path: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(root().join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{path} does not parse: {e}"))
}

/// Runs `kubectl kustomize DIR` and returns its objects.
pub fn kustomize(kubectl: &Path, dir: &Path) -> Vec<serde_json::Value> {
    let built = Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run kubectl: {e}"));
    assert!(
        built.status.success(),
        "kubectl kustomize {}: {}",
        dir.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    documents(&String::from_utf8_lossy(&built.stdout))
}
