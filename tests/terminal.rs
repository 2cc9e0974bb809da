//! Terminal control sequences in user text (issue 23, item 4): an OSC that sets the window
//! title, cursor-up and erase-line that hide the lines above, a C1 CSI, a bidirectional override
//! that reorders what a reviewer reads. Each surface that quotes a user's text (keys, names,
//! cron fields, `--env`, `--set`, paths, Argo CD variables, values a state file records, diffs of
//! folder files, a custom profile's summary) gets them, and none may reach stdout or stderr as
//! it is: each run's output must hold the payload escaped, and no character that could drive a
//! terminal.

use std::ffi::OsString;
use std::path::Path;

use crate::support::{Run, scratch_dir};

/// The payload: an OSC title, cursor up, erase line, a C1 CSI, DEL, a right-to-left override.
const PAYLOAD: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[1A\u{1b}[2K\u{9b}2K\u{7f}\u{202e}";

/// What must never be printed: any control character but line feed and tab, and the
/// bidirectional and invisible format characters.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
        )
}

fn run(dir: &Path, args: &[OsString], env: &[(OsString, OsString)]) -> Run {
    crate::support::miniogen_os(dir, args, env)
}

fn os(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

/// Runs `args` in `dir` and requires that nothing unsafe was printed, and that the run said
/// something about the payload (`PWNED` escaped), so that a surface that stopped quoting the
/// user's text does not pass unseen.
fn clean(surface: &str, dir: &Path, args: &[OsString], env: &[(OsString, OsString)]) {
    let printed = run(dir, args, env);
    for (stream, text) in [("stdout", &printed.stdout), ("stderr", &printed.stderr)] {
        if let Some(c) = text.chars().find(|c| unsafe_char(*c)) {
            panic!(
                "{surface}: {stream} holds U+{:04X} raw (exit {}):\n{}",
                u32::from(c),
                printed.code,
                text.escape_debug()
            );
        }
    }
    assert!(
        printed.stdout.contains("PWNED") || printed.stderr.contains("PWNED"),
        "{surface}: the payload is not quoted at all (exit {}):\n{}",
        printed.code,
        printed.stderr
    );
}

/// A TOML basic string holding the payload, written with TOML's escapes.
fn toml_payload() -> String {
    PAYLOAD
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c.to_string()
            } else {
                format!("\\u{:04X}", u32::from(c))
            }
        })
        .collect()
}

/// Writes the site files and the profile each surface reads into a fresh folder.
fn inputs(name: &str) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    let p = toml_payload();
    let site = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    site("key.toml", format!("\"{p}\" = 1\n[tenant]\n\"{p}\" = 2\n"));
    site(
        "consumer.toml",
        format!(
            "[consumers.\"{p}\"]\naccess_key = \"loki\"\nsecret = \"loki\"\n\
             buckets = {{ synapse-media = \"read\" }}\n"
        ),
    );
    site(
        "bucket.toml",
        format!(
            "[consumers.loki]\naccess_key = \"loki\"\nsecret = \"loki\"\n\
             buckets = {{ \"{p}\" = \"read\" }}\n"
        ),
    );
    site(
        "label.toml",
        format!("[prometheus.labels]\n\"{p}\" = \"x\"\n"),
    );
    site(
        "cron.toml",
        format!("[rclone]\nschedule = \"{p}PWNED * * * *\"\n"),
    );
    site(
        "envs.toml",
        "[environments.production]\nccu = 100\n".to_string(),
    );
    site(
        "webhook.toml",
        // Only a format character: a control character was always refused there.
        "[audit]\nwebhook_endpoint = \"https://audit.example/PWNED\\u202Ex\"\n".to_string(),
    );
    let profile = std::fs::read_to_string(crate::support::root().join("profiles/100.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let profile: Vec<String> = profile
        .lines()
        .map(|l| {
            if l.starts_with("summary") {
                format!("summary = \"{p}\"")
            } else {
                l.to_string()
            }
        })
        .collect();
    site("profile.toml", profile.join("\n"));
    let forged: Vec<String> = profile
        .iter()
        .map(|l| {
            if l.starts_with("summary") {
                "summary = \"PWNED\\nerror: forged line\"".to_string()
            } else {
                l.clone()
            }
        })
        .collect();
    site("forged.toml", forged.join("\n"));
    dir
}

const NO_ENV: &[(OsString, OsString)] = &[];

#[test]
fn control_sequences_in_a_site_file_never_reach_the_terminal() {
    let dir = inputs("terminal-site");
    for (surface, file) in [
        ("unknown keys, quoted", "key.toml"),
        ("consumer names", "consumer.toml"),
        ("bucket-map keys", "bucket.toml"),
        ("label keys", "label.toml"),
        ("cron fields", "cron.toml"),
        (
            "a URL, which the render would write as it is",
            "webhook.toml",
        ),
    ] {
        let args = os(&["gen", "--ccu", "100", "--config", file]);
        clean(surface, &dir, &args, NO_ENV);
        // Refused as the user's input, never as miniogen's failure to print it.
        assert_eq!(run(&dir, &args, NO_ENV).code, 1, "{surface}");
    }
    // A line break in the summary stays in the title's line.
    let plan = run(&dir, &os(&["plan", "--profile", "forged.toml"]), NO_ENV);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout
            .lines()
            .next()
            .is_some_and(|l| l.contains("PWNED\\nerror"))
            && !plan.stdout.lines().any(|l| l.starts_with("error: forged")),
        "{}",
        plan.stdout
    );
    for format in ["table", "json"] {
        clean(
            &format!("a custom profile's summary in `plan --format {format}`"),
            &dir,
            &os(&["plan", "--profile", "profile.toml", "--format", format]),
            NO_ENV,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn control_sequences_on_the_command_line_never_reach_the_terminal() {
    let dir = inputs("terminal-cli");
    let cases: [(&str, Vec<String>); 5] = [
        (
            "--env",
            vec![
                "--config".into(),
                "envs.toml".into(),
                "--env".into(),
                PAYLOAD.into(),
            ],
        ),
        (
            "the --set locator",
            vec!["--set".into(), format!("namespace={PAYLOAD}")],
        ),
        (
            "a --set key",
            vec!["--set".into(), format!("\"{PAYLOAD}\"=1")],
        ),
        ("paths", vec!["--config".into(), format!("{PAYLOAD}.toml")]),
        // clap drops escape sequences from what it quotes itself, so the name comes first.
        ("arguments clap refuses", vec![format!("PWNED{PAYLOAD}")]),
    ];
    for (surface, extra) in cases {
        let mut args = os(&["gen", "--ccu", "100"]);
        args.extend(extra.into_iter().map(OsString::from));
        clean(surface, &dir, &args, NO_ENV);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn control_sequences_in_argo_cd_variables_never_reach_the_terminal() {
    let dir = scratch_dir("terminal-argocd");
    for (name, value) in [
        ("PARAM_CCU", PAYLOAD.to_string()),
        ("PARAM_NAMESPACE", PAYLOAD.to_string()),
        ("PARAM_SET_0", format!("namespace={PAYLOAD}")),
        (&format!("PARAM_{PAYLOAD}") as &str, "1".to_string()),
        (&format!("ARGOCD_ENV_{PAYLOAD}") as &str, "1".to_string()),
        (
            "ARGOCD_APP_PARAMETERS",
            format!(
                "[{{\"name\":{}}}]",
                serde_json::Value::String(PAYLOAD.into())
            ),
        ),
    ] {
        let mut env = vec![(OsString::from(name), OsString::from(value))];
        if name != "PARAM_CCU" {
            env.push((OsString::from("PARAM_CCU"), OsString::from("100")));
        }
        clean(
            &format!("Argo CD variable {}", name.escape_debug()),
            &dir,
            &os(&["argocd", "generate"]),
            &env,
        );
        // The announcement quotes only what it refuses; whatever it prints must be clean.
        let printed = run(&dir, &os(&["argocd", "parameters"]), &env);
        assert!(
            !printed
                .stdout
                .chars()
                .chain(printed.stderr.chars())
                .any(unsafe_char),
            "`argocd parameters` with {}:\n{}",
            name.escape_debug(),
            printed.stderr.escape_debug()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder's state file records the payload as a value; a generated file holds it as a hand
/// edit: `check` and `gen --out` print what they found without it.
#[test]
fn control_sequences_in_a_folder_never_reach_the_terminal() {
    let dir = scratch_dir("terminal-folder");
    let none = NO_ENV;
    let made = run(&dir, &os(&["gen", "--ccu", "100", "--out", "out"]), none);
    assert_eq!(made.code, 0, "{}", made.stderr);
    // A hand edit holding the payload: the diff quotes it.
    let file = dir.join("out/kustomization.yaml");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&file, format!("{text}# {PAYLOAD}\n")).unwrap_or_else(|e| panic!("{e}"));
    clean(
        "a diff of a folder file (check)",
        &dir,
        &os(&["check", "--out", "out"]),
        none,
    );
    clean(
        "a diff of a folder file (gen --out)",
        &dir,
        &os(&["gen", "--ccu", "100", "--out", "out"]),
        none,
    );
    clean(
        "a diff of a folder file (check --format json)",
        &dir,
        &os(&["check", "--out", "out", "--format", "json"]),
        none,
    );
    // Recorded values: a namespace and an environment, read back by `check` alone.
    let state_path = dir.join("out/.miniogen-state.json");
    let state = std::fs::read_to_string(&state_path).unwrap_or_else(|e| panic!("{e}"));
    let mut state: serde_json::Value =
        serde_json::from_str(&state).unwrap_or_else(|e| panic!("{e}"));
    for (key, value) in [
        ("namespace", serde_json::json!(PAYLOAD)),
        ("set", serde_json::json!([format!("tenant.name={PAYLOAD}")])),
    ] {
        let mut edited = state.clone();
        edited["inputs"][key] = value;
        std::fs::write(&state_path, edited.to_string()).unwrap_or_else(|e| panic!("{e}"));
        clean(
            &format!("a value recorded as `{key}`"),
            &dir,
            &os(&["check", "--out", "out"]),
            none,
        );
    }
    state["inputs"]["env"] = serde_json::json!(PAYLOAD);
    std::fs::write(&state_path, state.to_string()).unwrap_or_else(|e| panic!("{e}"));
    clean(
        "an environment recorded",
        &dir,
        &os(&["check", "--out", "out"]),
        none,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
