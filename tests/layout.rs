//! The list of hot functions the release build's linker places together (`build.rs`,
//! `bench/hot-symbols`). A stale list never breaks the build, it only loses speed, so these
//! tests say when it no longer names the pipeline it was written for.

use crate::support::root;
use std::collections::BTreeSet;

fn listed() -> Vec<String> {
    let path = root().join("bench/hot-symbols.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// One symbol per line, each once: LLD reads the file line by line and takes `#` as a comment.
#[test]
fn the_list_is_one_symbol_per_line() {
    let names = listed();
    assert!(names.len() > 100, "only {} functions listed", names.len());
    for name in &names {
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.$".contains(c)),
            "not a symbol: {name:?}"
        );
    }
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "a symbol is listed twice");
}

/// Every stage of the pipeline a `gen` runs is in the list, under the name it has today: a
/// stage renamed or moved without `bench/hot-symbols` run again fails here.
#[test]
fn the_list_names_every_stage_of_a_gen() {
    let names = listed();
    for path in [
        "pipeline::generated",
        "pipeline::compile",
        "plan::plan",
        "render::render",
        "render::fragments",
        "readback::documents",
        "post::assemble",
        "crosscheck::check",
        "sink::stream",
        "folder::files",
    ] {
        // Legacy mangling: each path segment prefixed by its length, then the hash.
        let mut prefix = String::from("_ZN");
        for segment in std::iter::once("miniogen").chain(path.split("::")) {
            prefix.push_str(&segment.len().to_string());
            prefix.push_str(segment);
        }
        prefix.push_str("17h");
        assert!(
            names.iter().any(|n| n.starts_with(&prefix)),
            "bench/hot-symbols.txt does not list miniogen::{path}; run bench/hot-symbols"
        );
    }
}
