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

/// A directory the tests need from outside the repository: `../shared` by default. When it is
/// missing the test is skipped with a printed reason, or fails when `CI` is set.
pub fn required_dir(path: PathBuf, why: &str) -> Option<PathBuf> {
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing, and CI is set: {why}",
        path.display()
    );
    skipped(&format!("{} is missing ({why})", path.display()));
    None
}

/// Records that the running test skips itself, and why: on stderr (shown under `--nocapture`)
/// and as a line `reason<TAB>test` in the file `MINIOGEN_SKIP_LOG` names, which `.ci/test` sums
/// up in its last line, so that a skip is never mistaken for a pass.
pub fn skipped(reason: &str) {
    use std::io::Write as _;
    eprintln!("skipped: {reason}");
    let Some(log) = std::env::var_os("MINIOGEN_SKIP_LOG") else {
        return;
    };
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("{}\t{test}\n", reason.replace(['\t', '\n'], " "));
    // One short append per line: lines from tests running at once do not interleave.
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        eprintln!("cannot record the skip in {}: {e}", log.to_string_lossy());
    }
}

/// `../shared/schemas`, holding the upstream CRD schemas.
pub fn shared_schemas() -> Option<PathBuf> {
    let shared =
        std::env::var_os("MINIOGEN_SHARED").map_or_else(|| root().join("../shared"), PathBuf::from);
    required_dir(
        shared.join("schemas"),
        "the upstream CRD schemas live there",
    )
}

/// A tool installed by the test command (`.ci/test`) into `.venv`. Missing: skipped with a printed
/// reason, or a failure when `CI` is set.
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
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing, and CI is set: run the test command `.ci/test`, which installs it",
        path.display()
    );
    skipped(&format!(
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

/// A program on `PATH`. Missing: skipped with a printed reason, or a failure when `CI` is set.
pub fn which(tool: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(tool))
                .find(|p| p.is_file())
        })
        .unwrap_or_default();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is missing, and CI is set"
        );
        skipped(&format!("{tool} is not on PATH"));
    }
    found
}

/// Every file under `dir` with its bytes; a symbolic link with its target, never followed.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            let kind = entry.file_type().ok();
            if kind.is_some_and(|k| k.is_symlink()) {
                let target = std::fs::read_link(&path).unwrap_or_default();
                out.insert(path, target.to_string_lossy().as_bytes().to_vec());
            } else if kind.is_some_and(|k| k.is_dir()) {
                stack.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
            }
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
