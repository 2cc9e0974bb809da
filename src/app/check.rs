//! `miniogen check`: each output folder against a fresh render of the inputs it records (or
//! those given), what applying the render would make the operator and MinIO do, and what it
//! refuses. Reads folders through `output::folder`; writes nothing.

use std::fmt::Write as _;

use crate::app::commands::{request, verdict_notes};
use crate::app::failure::{Failure, Usage};
use crate::app::guard::guard;
use crate::app::parallel;
use crate::app::pipeline::{Shared, all_environments, compile, generated, shared, targets};
use crate::input::cli::{Format, Inputs as CliInputs};
use crate::input::load::{self, Request};
use crate::input::recorded::Recorded;
use crate::model::diag::{self, Diagnostic};
use crate::output::{folder, report, sink};

/// `miniogen check` without inputs: renders again from the inputs the folder records (in
/// `DIR`, or in its environments' folders `DIR/<name>`), each set once.
pub(crate) fn check_as_recorded(
    out: &std::path::Path,
    format: Format,
) -> Result<Vec<Diagnostic>, Failure> {
    if !out.is_dir() {
        return Err(missing_folder(out, None));
    }
    let mut states = vec![out.to_path_buf()];
    if !out.join(folder::STATE_FILE).is_file() {
        let mut subfolders: Vec<std::path::PathBuf> = std::fs::read_dir(out)
            .map_err(|source| Usage::Io {
                action: "read",
                path: out.to_path_buf(),
                source,
            })?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .filter(|p| p.join(folder::STATE_FILE).is_file())
            .collect();
        subfolders.sort();
        states = subfolders;
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut seen = Vec::new();
    for dir in states {
        let Some(recorded) = folder::recorded_inputs(&dir)? else {
            continue;
        };
        if seen.contains(&recorded) {
            continue;
        }
        let mut request = recorded
            .request(&dir.join(folder::STATE_FILE))
            .map_err(Failure::Invalid)?;
        seen.push(recorded.clone());
        // `DIR` itself may be one environment's folder, `OUT/<name>`: check that environment
        // there, as `gen --out OUT` wrote it.
        let mut run_out = out.to_path_buf();
        if dir == out
            && let (Some(name), Some(parent)) = (
                out.file_name().and_then(|n| n.to_str()),
                out.parent().filter(|p| !p.as_os_str().is_empty()),
            )
            && request.env.as_deref().is_none_or(|env| env == name)
            && shared(&request)?.site.is_some_and(|site| {
                crate::check::decode::environments(&site)
                    .iter()
                    .any(|e| e == name)
            })
        {
            request.env = Some(name.to_string());
            run_out = parent.to_path_buf();
        }
        runs.push(Run {
            request,
            recorded: Some(recorded),
            out: run_out,
        });
    }
    if runs.is_empty() {
        // Written by an older miniogen, or with inputs it could not record: the site file in
        // the working directory, if any, is all there is to go on.
        let run = Run {
            request: request(&CliInputs::default())?,
            recorded: None,
            out: out.to_path_buf(),
        };
        return check(&[run], out, format).map_err(|e| match e {
            Failure::Usage(Usage::NoCcu(_)) => Usage::NotRecorded(out.to_path_buf()).into(),
            other => other,
        });
    }
    check(&runs, out, format)
}

/// One render `check` compares: the request, the inputs it was recorded as, and its `--out`.
pub(crate) struct Run {
    /// The inputs.
    pub(crate) request: Request,
    /// What the folder records of them, when it does.
    pub(crate) recorded: Option<Recorded>,
    /// The folder `--out` names.
    pub(crate) out: std::path::PathBuf,
}

/// The failure for an output folder that does not exist: one line, not one per file.
fn missing_folder(out: &std::path::Path, recorded: Option<&Recorded>) -> Failure {
    Failure::Drift {
        report: format!("missing: the folder `{}` does not exist\n", out.display()),
        summary: format!(
            "the output folder `{}` does not exist: to write it, {}",
            out.display(),
            regenerate(out, recorded, "")
        ),
        notes: Vec::new(),
    }
}

/// `miniogen check`: compares each folder with a fresh render of each run, and says what
/// applying the render would make the operator do; `out` is the folder named on the command
/// line.
pub(crate) fn check(
    runs: &[Run],
    out: &std::path::Path,
    format: Format,
) -> Result<Vec<Diagnostic>, Failure> {
    if !out.exists() {
        return Err(missing_folder(
            out,
            runs.first().and_then(|r| r.recorded.as_ref()),
        ));
    }
    let mut report = String::new();
    let mut notes = Vec::new();
    let mut edited = false;
    let mut stale_runs = Vec::new();
    let mut entries = Vec::new();
    let mut refused = Vec::new();
    for Run {
        request: inputs,
        recorded,
        out: run_out,
    } in runs
    {
        let shared = shared(inputs)?;
        let to_check = targets(inputs, shared.site.as_deref(), run_out);
        // Held until every folder is read: a `gen --out` swapping one meanwhile would make this
        // run read some files from the old folder and some from the new.
        let paths: Vec<&std::path::Path> = to_check.iter().map(|(_, t)| t.as_path()).collect();
        let _locks = folder::lock_shared(&paths)?;
        let checked = parallel::map(to_check.clone(), |(env, target)| {
            check_folder(inputs, &shared, env.as_deref(), &target, recorded.as_ref())
        });
        let mut stale = false;
        for env in all_environments(checked, |r| &r.notes)? {
            stale |= !env.report.is_empty();
            edited |= env.edited;
            report.push_str(&env.report);
            notes.extend(env.notes);
            entries.push(env.entry);
            refused.extend(env.refused);
        }
        if stale {
            stale_runs.push((run_out, recorded.as_ref()));
        }
    }
    if !refused.is_empty() {
        // Refused changes are input problems (exit 1, as before); CI still gets every change
        // with its class, `blocked` ones included.
        if format == Format::Json {
            sink::print(&report::folders_json(&entries))?;
        }
        refused.extend(
            notes
                .into_iter()
                .filter(|d| d.severity == diag::Severity::Warning),
        );
        return Err(Failure::Invalid(refused));
    }
    let stale = !report.is_empty();
    if format == Format::Json {
        // The findings, as JSON for CI, on stdout either way; the exit code says whether the
        // folder is stale.
        report = report::folders_json(&entries);
        if !stale {
            sink::print(&report)?;
        }
    }
    if !stale {
        return Ok(notes);
    }
    let commands = |extra: &str| -> String {
        let all: Vec<String> = stale_runs
            .iter()
            .map(|(run_out, r)| regenerate(run_out, *r, extra))
            .collect();
        all.join("; and ")
    };
    let summary = if edited {
        format!(
            "the output folder `{}` was edited by hand since miniogen wrote it: to keep a change, \
             make it in the inputs (the site file or a `--set`) and regenerate; to discard it, {}",
            out.display(),
            commands(" --force")
        )
    } else if load::under_pre_commit() {
        let folder = crate::input::recorded::shell_quote(&out.display().to_string());
        format!(
            "the output folder `{}`, as staged, is not what the inputs give: pre-commit checks the \
             staged files, so if you regenerated it already, stage it with `git add {folder}`; \
             otherwise {}, then `git add {folder}`",
            out.display(),
            commands("")
        )
    } else {
        format!(
            "the output folder `{}` is not what the inputs give: to regenerate it, {}",
            out.display(),
            commands("")
        )
    };
    Err(Failure::Drift {
        report,
        summary,
        notes,
    })
}

/// What `check` finds in one environment's folder.
struct Checked {
    /// The findings as printed; empty when the folder is current.
    report: String,
    /// Whether a file was edited by hand.
    edited: bool,
    /// The render's notes, with the verdict when the folder is stale.
    notes: Vec<Diagnostic>,
    /// The JSON entry, verdict included even when the change is refused.
    entry: report::FolderReport,
    /// Why applying the render is refused: pools the operator cannot change, a downgrade, a
    /// new pool with other changes.
    refused: Vec<Diagnostic>,
}

/// What `check` finds in one environment's folder: its report, whether a file was edited by
/// hand, the render's notes (with the verdict when the folder is stale), the JSON entry, and
/// the changes it refuses.
fn check_folder(
    inputs: &Request,
    shared: &Shared,
    env: Option<&str>,
    target: &std::path::Path,
    recorded: Option<&Recorded>,
) -> Result<Checked, Failure> {
    let compiled = compile(inputs, shared, env.map(str::to_string))?;
    let generated = generated(&compiled.plan)?;
    let mut notes = compiled.notes;
    if !target.exists() {
        let missing = format!("missing: the folder `{}` does not exist", target.display());
        let entry = report::FolderReport {
            folder: target.display().to_string(),
            changed: true,
            findings: vec![missing.clone()],
            verdict: None,
        };
        return Ok(Checked {
            report: format!("{missing}\n"),
            edited: false,
            notes,
            entry,
            refused: Vec::new(),
        });
    }
    let files = folder::files(&generated.manifests, &generated.fragments)?;
    let render = (generated.manifests.as_slice(), files.as_slice());
    let found = guard(inputs, shared, env, target, render, &compiled.plan, false)?;
    notes.extend(found.warnings);
    let (verdict, refused) = (found.verdict, found.refused);
    let mode = compiled.plan.secrets.mode;
    let mut findings = Vec::new();
    // What the folder really holds: the files that are not the render's, parsed, and the
    // render's own objects for those that are.
    let mut held = folder::read_objects(target, &files);
    held.extend(generated.manifests.iter().cloned());
    for literal in crate::output::audit::literal_credentials(&held, mode) {
        findings.push(format!(
            "{literal} (in `{}`); secrets mode `{}` never writes one, so move it to your secret \
             store",
            target.display(),
            compiled.plan.secrets.source
        ));
    }
    let mut edited = false;
    for finding in folder::check_recorded(target, &files, recorded)? {
        edited |= matches!(finding, folder::Finding::Edited(..));
        findings.push(finding.to_string().trim_end().to_string());
    }
    let mut report = String::new();
    for finding in &findings {
        let _ = writeln!(report, "{finding}");
    }
    if !report.is_empty()
        && refused.is_empty()
        && let Some(verdict) = &verdict
    {
        notes.extend(verdict_notes(target, verdict));
    }
    let entry = report::FolderReport {
        folder: target.display().to_string(),
        changed: !report.is_empty(),
        findings,
        verdict,
    };
    Ok(Checked {
        report,
        edited,
        notes,
        entry,
        refused,
    })
}

/// How to write `out` again: the recorded command when known.
pub(crate) fn regenerate(
    out: &std::path::Path,
    recorded: Option<&Recorded>,
    extra: &str,
) -> String {
    match recorded {
        Some(r) => format!("run `{}{extra}`", r.command(out)),
        None => format!(
            "run `miniogen gen` with the same inputs and `--out {}{extra}`",
            crate::input::recorded::shell_quote(&out.display().to_string())
        ),
    }
}
