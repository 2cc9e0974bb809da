//! `tests/schemas/fetch`, the script that builds the upstream CRD schemas on a clone without
//! `../shared/schemas`, checked without the network: its strict step gives exactly the strict
//! schemas CI judges by, from their wrapped forms, and a CRD whose SHA-256 is not the recorded
//! one (a moved tag, an altered download) stops it before anything is written.

use std::path::Path;
use std::process::Command;

use crate::support::{root, scratch_dir, shared_schemas, venv_tool, which};

#[test]
fn the_strict_step_gives_the_strict_schemas_ci_uses() {
    let (Some(dir), Some(python)) = (shared_schemas(), venv_tool("python")) else {
        return;
    };
    let scratch = scratch_dir("schemas-strict");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(stem) = name
            .strip_suffix(".json")
            .filter(|s| !s.ends_with(".strict"))
        else {
            continue;
        };
        let strict = dir.join(format!("{stem}.strict.json"));
        if !strict.is_file() {
            continue;
        }
        let built = scratch.join(format!("{stem}.strict.json"));
        let status = Command::new(&python)
            .arg(root().join("tests/schemas/build.py"))
            .arg("--strict")
            .args([&path, &built])
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success(), "build.py --strict {name} failed");
        let read = |p: &Path| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        };
        assert!(
            read(&built) == read(&strict),
            "build.py --strict {name} differs from {}",
            strict.display()
        );
        checked += 1;
    }
    assert!(
        checked >= 6,
        "only {checked} schemas checked in {}",
        dir.display()
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn a_crd_with_another_digest_is_refused_and_nothing_written() {
    let (Some(python), Some(git)) = (venv_tool("python"), which("git")) else {
        return;
    };
    let scratch = scratch_dir("schemas-digest");
    let clone = scratch.join("operator");
    let crds = clone.join("resources/base/crds");
    std::fs::create_dir_all(&crds).unwrap_or_else(|e| panic!("{e}"));
    // Valid YAML of a CRD, but not the bytes the tag holds upstream.
    std::fs::write(
        crds.join("minio.min.io_tenants.yaml"),
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: \
         minio.min.io\n  names: {kind: Tenant}\n  versions:\n  - name: v2\n    served: true\n    \
         schema: {openAPIV3Schema: {type: object}}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let git_in = |args: &[&str]| {
        let status = Command::new(&git)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .current_dir(&clone)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success(), "git {args:?}");
    };
    git_in(&["init", "-q"]);
    git_in(&["add", "."]);
    git_in(&["commit", "-q", "-m", "a moved tag"]);
    git_in(&["tag", "v6.0.2"]);
    let out = scratch.join("fetched");
    let run = Command::new(&python)
        .arg(root().join("tests/schemas/fetch"))
        .arg("--out")
        .arg(&out)
        .arg("--git")
        .arg(format!("minio/operator={}", clone.join(".git").display()))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(
        stderr.contains("minio.min.io_tenants.yaml has SHA-256")
            && stderr.contains(
                "not the recorded 4c2ce9000f64937bc8002e747ba6a937a4f6b9504f03207730109002f89ec1a1"
            ),
        "{stderr}"
    );
    assert!(!out.exists(), "written although refused");
    let _ = std::fs::remove_dir_all(&scratch);
}
