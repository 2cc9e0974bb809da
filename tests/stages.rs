//! The stages import one way: each folder of `src/` may use only the stages before it (and
//! itself). A stage that needs something from a later one has a type in the wrong place.

use std::path::{Path, PathBuf};

use crate::support::root;

/// The stages, in the order data flows through them. `lib.rs` and `main.rs` sit above them all.
const ORDER: [&str; 8] = [
    "model", "input", "check", "plan", "render", "post", "output", "app",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first segment of a path, such as `input` of `input::load::{self, Request}`.
fn first_segment(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The stages a file's code (its tests left out: they may drive the pipeline) names through
/// `crate::`, in `use` lines and in paths alike, grouped imports included.
fn stages_used(text: &str) -> Vec<String> {
    let code = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    let mut used = Vec::new();
    for part in code.split("crate::").skip(1) {
        let Some(group) = part.trim_start().strip_prefix('{') else {
            used.push(first_segment(part));
            continue;
        };
        // `crate::{a::X, b::{self, Y}}`: the first segment of each item of the outer group.
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => used.push(first_segment(&std::mem::take(&mut item))),
                _ if depth == 0 => item.push(c),
                _ => {}
            }
        }
        used.push(first_segment(&item));
    }
    used.retain(|s| !s.is_empty());
    used
}

#[test]
fn every_stage_imports_only_the_stages_before_it() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap_or(file);
        let mut parts = relative.components();
        let first = parts
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        if parts.next().is_none() {
            // `lib.rs` and `main.rs`: the crate root declares the stages and may name any.
            assert!(
                first == "lib.rs" || first == "main.rs",
                "`src/{first}` belongs in a stage folder"
            );
            continue;
        }
        let Some(own) = ORDER.iter().position(|s| *s == first) else {
            panic!("`src/{first}/` is not a stage; add it to ORDER in its place");
        };
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{e}"));
        for used in stages_used(&text) {
            match ORDER.iter().position(|s| *s == used) {
                Some(stage) if stage > own => wrong.push(format!(
                    "src/{} (stage `{}`) uses `crate::{used}`, a later stage",
                    relative.display(),
                    ORDER[own]
                )),
                Some(_) => {}
                // Only the stages are at the crate root (and `run` and the failure types,
                // which belong to `app`).
                None => wrong.push(format!(
                    "src/{} uses `crate::{used}`, which is not a stage: name it by its stage",
                    relative.display()
                )),
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} imports were found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The reader of `use` lines finds what it must, so that the test above cannot pass by
/// reading nothing.
#[test]
fn imports_are_read_in_every_form() {
    let text = "use crate::model::spec::Spec;\n\
                use crate::{input::load, plan::{self, Plan}, output::sink::{stream, Fragment}};\n\
                fn f() { crate::app::run(); }\n\
                #[cfg(test)]\nmod tests {\n    use crate::app::x;\n}\n";
    assert_eq!(
        stages_used(text),
        ["model", "input", "plan", "output", "app"]
    );
}
