//! Inputs that would make miniogen's own output or work explode (issue 23): thousands of
//! problems in one line, thousands of bad `--set`s, a file replaced by thousands of new lines.
//! No test here times anything: each counts what was printed, which grows with the input when
//! a bound is missing.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;

use crate::support::{Run, scratch_dir};

/// The most a refusal may print, however many problems the input holds: the first 50
/// diagnostics, each with a cut source line, and the count of the rest.
const MAX_STDERR: usize = 64 << 10;

fn run(dir: &Path, args: &[OsString], env: &[(String, String)]) -> Run {
    crate::support::miniogen_os(dir, args, env)
}

fn args(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

/// A refusal of `problems` problems (at least), bounded: at most 50 diagnostics, each source line
/// cut, a note counting the rest, and the total.
fn bounded(what: &str, printed: &Run, problems: usize) {
    assert_eq!(
        printed.code,
        1,
        "{what}: {}",
        &printed.stderr[..printed.stderr.len().min(2000)]
    );
    assert!(
        printed.stdout.is_empty(),
        "{what}: a refusal printed to stdout"
    );
    assert!(
        printed.stderr.len() <= MAX_STDERR,
        "{what}: {} bytes on stderr",
        printed.stderr.len()
    );
    let shown = printed
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: ") && !l.contains("in the input; nothing"))
        .count();
    assert!(shown <= 50, "{what}: {shown} diagnostics shown");
    assert!(
        printed
            .stderr
            .contains("more errors not shown; the first 50 are above"),
        "{what}: no count of the rest:\n{}",
        &printed.stderr[printed.stderr.len().saturating_sub(500)..]
    );
    let total: usize = printed
        .stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: ")?.split(' ').next()?.parse().ok())
        .unwrap_or_default();
    assert!(total >= problems, "{what}: {total} problems counted");
    let longest = printed.stderr.lines().map(|l| l.chars().count()).max();
    assert!(
        longest.unwrap_or(0) <= 300,
        "{what}: a line of {longest:?} characters"
    );
}

/// Issue 23, item 1: every diagnostic used to reprint its whole source line, for every problem
/// (a 39 KB site file gave 291 MB of stderr), and every item of an over-long list was checked.
#[test]
fn thousands_of_problems_print_a_bounded_report() {
    let dir = scratch_dir("limits-diagnostics");
    let advisories = |n: usize| -> String {
        let items: Vec<String> = (0..n).map(|i| format!("\"x{i}\"")).collect();
        format!("[{}]", items.join(","))
    };
    // One long line: a list over its limit, then a table of unknown keys.
    let keys: Vec<String> = (0..2000).map(|i| format!("k{i} = 1")).collect();
    std::fs::write(
        dir.join("long.toml"),
        format!(
            "[warnings]\naccepted_advisories = {}\n[tenant]\nx = {{ {} }}\n",
            advisories(5000),
            keys.join(", ")
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let printed = run(
        &dir,
        &args(&["gen", "--ccu", "100", "--config", "long.toml"]),
        &[],
    );
    bounded("a long line", &printed, 60);
    // Past `maxItems` nothing is checked: the 65th advisory is never named.
    assert!(
        !printed.stderr.contains("accepted_advisories[64]"),
        "items past the limit were checked"
    );
    // The same through one `--set` and `PARAM_SET_0`.
    let set = format!("warnings.accepted_advisories={}", advisories(5000));
    let printed = run(&dir, &args(&["gen", "--ccu", "100", "--set", &set]), &[]);
    bounded("one --set", &printed, 60);
    let env = [
        ("PARAM_CCU".to_string(), "100".to_string()),
        ("PARAM_SET_0".to_string(), set.clone()),
    ];
    let printed = run(&dir, &args(&["argocd", "generate"]), &env);
    bounded("PARAM_SET_0", &printed, 60);
    // Thousands of bad `--set`s, and as many Argo CD parameters.
    let mut many = args(&["gen", "--ccu", "100"]);
    let mut env = vec![("PARAM_CCU".to_string(), "100".to_string())];
    for i in 0..3000 {
        many.push("--set".into());
        many.push(format!("x{i}.a=1").into());
        env.push((format!("PARAM_SET_{i}"), format!("x{i}.a=1")));
    }
    bounded("3000 --set", &run(&dir, &many, &[]), 3000);
    bounded(
        "3000 PARAM_SET_n",
        &run(&dir, &args(&["argocd", "generate"]), &env),
        3000,
    );
    // A key 50,000 segments deep is refused at once.
    let deep = format!("{}=1", vec!["a"; 50_000].join("."));
    let printed = run(&dir, &args(&["gen", "--ccu", "100", "--set", &deep]), &[]);
    assert_eq!(printed.code, 1, "{}", printed.stderr);
    assert!(
        printed.stderr.contains("more than 32 segments"),
        "{}",
        printed.stderr
    );
    assert!(printed.stderr.len() < 2000, "{}", printed.stderr.len());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes a folder with `gen --out`, then replaces its Tenant file with `lines` unique lines.
fn replaced_folder(name: &str, lines: usize, record: bool) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    let made = run(&dir, &args(&["gen", "--ccu", "100", "--out", "out"]), &[]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let file = dir.join("out/cronjob-minio-li-sync.yaml");
    let text = (0..lines).fold(String::new(), |mut text, i| {
        let _ = writeln!(text, "line-{i}: {i}");
        text
    });
    std::fs::write(&file, &text).unwrap_or_else(|e| panic!("{e}"));
    if record {
        // As if miniogen had written it: `check` diffs it as a stale file, not a hand edit.
        let state_path = dir.join("out/.miniogen-state.json");
        let state = std::fs::read_to_string(&state_path).unwrap_or_else(|e| panic!("{e}"));
        let mut state: serde_json::Value =
            serde_json::from_str(&state).unwrap_or_else(|e| panic!("{e}"));
        state["files"]["cronjob-minio-li-sync.yaml"] =
            serde_json::json!(miniogen::model::digest::sha256(&text));
        std::fs::write(&state_path, state.to_string()).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

/// Issue 23, item 5: the diff of a file replaced by N unique lines was quadratic (1 MiB took
/// 33 s) and printed every line. Past a budget of work it says the file was replaced instead.
#[test]
fn a_replaced_file_is_reported_not_diffed_line_by_line() {
    let lines = 30_000;
    let dir = replaced_folder("limits-diff-check", lines, true);
    let printed = run(&dir, &args(&["check", "--ccu", "100", "--out", "out"]), &[]);
    assert_eq!(printed.code, 1, "{}", printed.stderr);
    assert!(
        printed
            .stdout
            .contains(&format!("(replaced: {lines} lines here,")),
        "{}",
        &printed.stdout[..printed.stdout.len().min(2000)]
    );
    assert!(
        printed.stdout.len() < 4096,
        "{} bytes on stdout",
        printed.stdout.len()
    );
    let _ = std::fs::remove_dir_all(&dir);

    // The hand-edit refusal of `gen --out` goes through the same diff.
    let dir = replaced_folder("limits-diff-gen", lines, false);
    let printed = run(&dir, &args(&["gen", "--ccu", "100", "--out", "out"]), &[]);
    assert_eq!(printed.code, 1, "{}", printed.stderr);
    assert!(
        printed
            .stderr
            .contains(&format!("(replaced: {lines} lines here,")),
        "{}",
        &printed.stderr[..printed.stderr.len().min(2000)]
    );
    assert!(
        printed.stderr.len() < 4096,
        "{} bytes on stderr",
        printed.stderr.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A site file with `consumers` consumers of `buckets` buckets each (of the 100 it lists), in
/// `environments` environments (none for 0). The verification is off: its policy names every
/// bucket and would meet the STS's 2048 characters first, which is not what these cases test.
fn fleet(consumers: usize, buckets: usize, environments: usize) -> String {
    let names: Vec<String> = (0..100).map(|i| format!("bucket-{i:03}")).collect();
    let mut text = format!(
        "buckets = [{}]\n[users.synapse]\nbucket = \"bucket-000\"\n[users.cnpg]\nbucket = \
         \"bucket-001\"\n[rclone]\nenabled = false\n[verify]\nenabled = false\n",
        names
            .iter()
            .map(|n| format!("{{ name = \"{n}\" }}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for c in 0..consumers {
        let grants: Vec<String> = names[..buckets]
            .iter()
            .map(|n| format!("{n} = \"read-write-delete\""))
            .collect();
        let _ = writeln!(
            text,
            "[consumers.c{c}]\naccess_key = \"user-{c}\"\nsecret = \"secret-{c}\"\nbuckets = {{ {} }}",
            grants.join(", ")
        );
    }
    for e in 0..environments {
        let _ = writeln!(text, "[environments.e{e}]");
    }
    text
}

/// Issue 23, items 6 and 10: schema-valid input made thousands of policies (1,000 environments x
/// 100 consumers x 100 buckets: past 300 s, 6.4 GB of memory, 4.8 GB written), and a policies
/// ConfigMap of 5.98 MB that Kubernetes refuses and the next run took for a hand edit. Each
/// limit is refused before anything is written, naming it.
#[test]
fn input_that_explodes_is_refused_naming_the_limit() {
    let dir = scratch_dir("limits-fleet");
    let refused = |text: String, says: &str| {
        std::fs::write(dir.join("site.toml"), text).unwrap_or_else(|e| panic!("{e}"));
        let printed = run(
            &dir,
            &args(&[
                "gen",
                "--ccu",
                "100",
                "--config",
                "site.toml",
                "--out",
                "out",
            ]),
            &[],
        );
        assert_eq!(printed.code, 1, "{says}: {}", printed.stderr);
        assert!(printed.stderr.contains(says), "{says}: {}", printed.stderr);
        assert!(!dir.join("out").exists(), "{says}: a folder was written");
    };
    // MinIO refuses a policy over 20 KiB: 24 buckets per consumer.
    refused(fleet(1, 25, 0), "expected at most 24");
    // 10 consumers of 24 buckets in 42 environments: 10,080 grants.
    refused(
        fleet(10, 24, 42),
        "the consumers are granted 10080 buckets in all over its 42 environments; one run \
         renders at most 10000",
    );
    // 100 consumers of 24 buckets: 2,400 policy statement pairs in one ConfigMap.
    refused(
        fleet(100, 24, 0),
        "ConfigMap `matrix-minio-iam-policies` would hold 1.1 MiB of data; Kubernetes refuses \
         more than 1.0 MiB of data in one ConfigMap",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
