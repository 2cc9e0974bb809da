//! The examples in the README and `docs/` are run, not trusted: every `$ miniogen ...` line in a
//! `console` block runs from the repository root (or from `DIR` for `$ cd DIR && ...`, with the
//! `NAME=value` variables written before `miniogen`), and its stdout followed by its stderr must
//! be exactly the lines under it (or start with them, when the last shown line is `...`). The
//! examples of the quickstart run in order in one empty folder, as a new user's would, and may
//! also show `$ kubectl kustomize DIR` (run when `kubectl` is on `PATH`).

use crate::support::{TEST_KEY, miniogen_env, root, scratch_dir, which};

struct Example {
    line: usize,
    /// `miniogen`, or `kubectl` for `kubectl kustomize`.
    program: String,
    dir: Option<String>,
    env: Vec<(String, String)>,
    args: Vec<String>,
    expected: Vec<String>,
}

/// Splits a command line like a POSIX shell would for the simple quoting the README uses.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// Where the quickstart's examples run: one empty folder, made afresh for each run.
const QUICKSTART: &str = "<quickstart>";

fn examples(readme: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut in_console = false;
    let mut in_quickstart = false;
    for (i, line) in readme.lines().enumerate() {
        if let Some(heading) = line.strip_prefix("## ") {
            in_quickstart = heading.starts_with("Quickstart");
        }
        if line.starts_with("```") {
            in_console = !in_console && line == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            let mut args = words(command);
            let mut dir = in_quickstart.then(|| QUICKSTART.to_string());
            if args.first().map(String::as_str) == Some("cd")
                && args.get(2).map(String::as_str) == Some("&&")
            {
                dir = Some(args[1].clone());
                args.drain(..3);
            }
            let mut env = Vec::new();
            while let Some((name, value)) = args.first().and_then(|w| w.split_once('=')) {
                env.push((name.to_string(), value.to_string()));
                args.remove(0);
            }
            let program = args.first().cloned().unwrap_or_default();
            assert!(
                program == "miniogen"
                    || (in_quickstart
                        && args.get(..2) == Some(&["kubectl".into(), "kustomize".into()])),
                "README line {}: only `miniogen`, and `kubectl kustomize` in the quickstart",
                i + 1
            );
            out.push(Example {
                line: i + 1,
                program,
                dir,
                env,
                args: args[1..].to_vec(),
                expected: Vec::new(),
            });
        } else if let Some(example) = out.last_mut() {
            example.expected.push(line.to_string());
        }
    }
    out
}

#[test]
fn every_readme_example_prints_what_the_readme_shows() {
    let mut examples_run = 0;
    for doc in ["README.md", "docs/secrets.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap_or_default();
        let examples = examples(&text);
        examples_run += examples.len();
        run_examples(doc, examples);
    }
    assert!(examples_run >= 8, "the docs lost their examples");
}

fn run_examples(doc: &str, examples: Vec<Example>) {
    let quickstart = scratch_dir(&format!("readme-quickstart-{}", doc.replace('/', "-")));
    for example in examples {
        let args: Vec<&str> = example.args.iter().map(String::as_str).collect();
        let dir = example.dir.as_ref().map(|d| {
            if d == QUICKSTART {
                quickstart.clone()
            } else {
                root().join(d)
            }
        });
        let env: Vec<(&str, &str)> = example
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let run = if example.program == "kubectl" {
            let Some(kubectl) = which("kubectl") else {
                continue;
            };
            crate::support::Run::from(
                std::process::Command::new(kubectl)
                    .args(&args)
                    .current_dir(dir.clone().unwrap_or_else(root))
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run kubectl: {e}")),
            )
        } else {
            miniogen_env(dir.as_deref(), &args, &env)
        };
        let program = &example.program;
        let actual = format!("{}{}", run.stdout, run.stderr);
        let actual: Vec<&str> = actual.lines().collect();
        let mut expected: Vec<&str> = example.expected.iter().map(String::as_str).collect();
        if expected.last() == Some(&"...") {
            expected.pop();
            assert!(
                actual.len() >= expected.len() && actual[..expected.len()] == expected[..],
                "{doc} line {}: `{program} {}` does not start with what it shows:\n{}",
                example.line,
                args.join(" "),
                actual.join("\n")
            );
        } else {
            assert_eq!(
                actual,
                expected,
                "{doc} line {}: `{program} {}` prints something else",
                example.line,
                args.join(" ")
            );
        }
    }
    let _ = std::fs::remove_dir_all(&quickstart);
}

/// The `toml` code blocks of a document, each with its line.
fn toml_blocks(doc: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in doc.lines().enumerate() {
        if let Some((_, text)) = current.as_mut() {
            if line.starts_with("```") {
                out.extend(current.take());
            } else {
                text.push_str(line);
                text.push('\n');
            }
        } else if line == "```toml" {
            current = Some((i + 1, String::new()));
        }
    }
    out
}

/// Every TOML snippet in the docs is a site file that renders as it stands: written to a file
/// and given to `gen --out` (which takes every environment it describes), it must give a folder.
#[test]
fn every_toml_snippet_renders() {
    let dir = scratch_dir("readme-toml");
    let mut rendered = 0;
    for doc in ["README.md", "docs/secrets.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap_or_default();
        for (line, snippet) in toml_blocks(&text) {
            let site = dir.join(format!("{}-{line}.toml", doc.replace('/', "-")));
            std::fs::write(&site, &snippet).unwrap_or_else(|e| panic!("{e}"));
            let out = dir.join(format!("out-{rendered}"));
            let (site, out) = (site.to_string_lossy(), out.to_string_lossy());
            let mut args = vec!["gen", "--config", &site, "--out", &out];
            args.push("--write-plaintext-credentials");
            if !snippet.lines().any(|l| l.starts_with("ccu = ")) {
                args.extend(["--ccu", "5000"]);
            }
            let run = miniogen_env(None, &args, &[("MINIOGEN_MASTER_KEY", TEST_KEY)]);
            assert_eq!(
                run.code, 0,
                "{doc} line {line}: the TOML snippet does not render:\n{snippet}\n{}",
                run.stderr
            );
            rendered += 1;
        }
    }
    assert!(rendered >= 2, "the docs lost their TOML snippets");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_readme_has_exactly_two_setup_commands() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let setup = readme
        .split("## Set up")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_default();
    let commands: Vec<&str> = setup
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .flat_map(str::lines)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        commands,
        ["cargo run --release -- gen --ccu 5000", "./.ci/test"]
    );
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap_or_default();
    assert!(
        ci.contains("./.ci/test"),
        ".ci/run must run the README's test command"
    );
}

#[test]
fn directories_and_variables_before_the_command() {
    let found = examples("```console\n$ cd deploy/example && A=1 B='x y' miniogen gen\nout\n```\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].dir.as_deref(), Some("deploy/example"));
    assert_eq!(
        found[0].env,
        [
            ("A".to_string(), "1".to_string()),
            ("B".to_string(), "x y".to_string())
        ]
    );
    assert_eq!(found[0].args, ["gen"]);
    assert_eq!(found[0].expected, ["out"]);
    let quick = examples(
        "## Quickstart\n```console\n$ miniogen init --ccu 5\n```\n## Next\n```console\n$ miniogen plan\n```\n",
    );
    assert_eq!(quick[0].dir.as_deref(), Some(QUICKSTART));
    assert_eq!(quick[1].dir, None);
}

#[test]
fn shell_words() {
    assert_eq!(
        words("gen --set 'a=b c' --x \"y z\""),
        ["gen", "--set", "a=b c", "--x", "y z"]
    );
}

/// pre-commit clones a hook repository at `rev`. This one has no release tags, so the README's
/// configuration pins a full commit hash, never a tag name it cannot clone.
#[test]
fn the_pre_commit_example_pins_a_commit() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let config = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|s| s.split("```").next())
        .find(|y| y.starts_with("repos:"))
        .unwrap_or_else(|| panic!("the README shows no pre-commit configuration"));
    let config: serde_json::Value =
        serde_saphyr::from_str(config).unwrap_or_else(|e| panic!("{e}"));
    let rev = config["repos"][0]["rev"].as_str().unwrap_or_default();
    assert!(
        rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
        "`rev: {rev}` is no full commit hash"
    );
}
