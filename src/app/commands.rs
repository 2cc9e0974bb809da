//! What each subcommand does: which environments it compiles through `pipeline`, and what it
//! prints or writes. IO goes through `load`, `folder` and `sink`, except `schema --write`, a
//! developer command that rewrites `schema/`.

use std::fmt::Write as _;

use crate::app::applying::{folder_label, folder_verdict};
use crate::app::failure::{Bug, Failure, Usage};
use crate::app::pipeline::{
    Compiled, Shared, checked_plan, compile, compile_one, compile_pinned, generated, shared,
    targets,
};
use crate::app::{applying, argocd, parallel};
use crate::check::decode::Inputs;
use crate::check::schema;
use crate::input::argocd as input_argocd;
use crate::input::cli::{ArgocdCommand, Command, Format, Inputs as CliInputs, SchemaKind};
use crate::input::load::{self, LoadError, Request};
use crate::input::recorded::{NotRecordable, Recorded};
use crate::model::diag::{self, Diagnostic};
use crate::output::{folder, report, sink, site};
use crate::plan::daytwo;
use crate::post;

/// Runs one command; on success returns the warnings and notes to print.
pub(crate) fn execute(command: Command) -> Result<Vec<Diagnostic>, Failure> {
    match command {
        Command::Gen {
            inputs,
            out,
            force,
            accept_pool_rebuild,
            write_plaintext_credentials,
            format,
            fail_on_change,
        } => generate(
            &request(&inputs)?,
            out.as_deref(),
            GenOptions {
                force,
                accept_pool_rebuild,
                write_plaintext_credentials,
                format,
            },
            fail_on_change,
            &Recorded::from_cli(&inputs),
        ),
        Command::Check {
            inputs,
            out,
            format,
        } => {
            if Recorded::is_empty(&inputs) {
                check_as_recorded(&out, format)
            } else {
                let run = Run {
                    request: request(&inputs)?,
                    recorded: Recorded::from_cli(&inputs).ok(),
                    out: out.clone(),
                };
                check(&[run], &out, format)
            }
        }
        Command::Plan {
            inputs,
            format,
            out,
        } => plan(&request(&inputs)?, format, out.as_deref()),
        Command::Grow {
            inputs,
            out,
            dry_run,
        } => grow(&request(&inputs)?, out.as_deref(), dry_run),
        Command::Secrets { inputs, format } => {
            let Compiled { plan, notes, .. } = compile_one(&request(&inputs)?)?;
            let text = match format {
                Format::Table => report::secrets_table(&plan),
                Format::Json => report::secrets_json(&plan),
            };
            sink::print(&text)?;
            Ok(notes)
        }
        Command::Consumers { inputs } => {
            let compiled = compile_one(&request(&inputs)?)?;
            let generated = generated(&compiled.plan)?;
            if generated.fragments.is_empty() {
                return Ok(vec![Diagnostic::note(
                    "no consumer fragment is selected: see `[synapse]` and `[cnpg]` in the site file",
                )]);
            }
            sink::print(&sink::fragments(&generated.fragments)?)?;
            Ok(compiled.notes)
        }
        Command::Profiles { show } => profiles(show),
        Command::Init { ccu, config } => init(&ccu, &config),
        Command::Argocd { command } => match command {
            ArgocdCommand::Generate => argocd_generate(),
            ArgocdCommand::Parameters => argocd_parameters(),
        },
        Command::Schema { kind, write } => {
            if write {
                let dir = std::path::Path::new("schema");
                for kind in [schema::Kind::Profile, schema::Kind::Site] {
                    let path = dir.join(kind.file_name());
                    // A link in `schema/` is replaced, never written through.
                    crate::output::staging::replace_file(
                        dir,
                        kind.file_name(),
                        &schema::generate(kind),
                    )
                    .map_err(|source| Usage::Io {
                        action: "write",
                        path: path.clone(),
                        source,
                    })?;
                    crate::output::terminal::eprint(&format!("wrote {}\n", path.display()));
                }
                return Ok(Vec::new());
            }
            let kind = match kind {
                SchemaKind::Site => schema::Kind::Site,
                SchemaKind::Profile => schema::Kind::Profile,
            };
            sink::print(kind.committed())?;
            Ok(Vec::new())
        }
    }
}

/// `miniogen init`: the starter site file, written only where nothing is, whole or not at all.
fn init(ccu: &str, path: &std::path::Path) -> Result<Vec<Diagnostic>, Failure> {
    let ccu = load::CcuArg::parse_flag(ccu).map_err(|d| Failure::Invalid(vec![d]))?;
    let (tier, _) = load::select_tier(&ccu).map_err(|d| Failure::Invalid(vec![d]))?;
    // Anything at the path, a symbolic link included, is never replaced nor followed.
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(site::SiteError::Exists(path.to_path_buf()).into());
    }
    let text = crate::app::init::site_file(ccu.value)?;
    site::lock(path)?.create(&text)?;
    let config = if path == std::path::Path::new(load::SITE_FILE) {
        String::new()
    } else {
        format!(
            " --config {}",
            crate::input::recorded::shell_quote(&path.display().to_string())
        )
    };
    Ok(vec![Diagnostic::note(format!(
        "wrote `{}` for {} CCU (the built-in {} CCU tier); `miniogen plan{config}` shows what it \
         gives, and `miniogen gen{config} --out manifests` writes the manifests",
        path.display(),
        ccu.value,
        tier.ccu
    ))])
}

/// `miniogen profiles`: the scaling table, or one built-in profile's text.
fn profiles(show: Option<u32>) -> Result<Vec<Diagnostic>, Failure> {
    let text = if let Some(ccu) = show {
        load::BUILTINS
            .iter()
            .find(|b| b.ccu == ccu)
            .map(|b| b.text.to_string())
            .ok_or_else(|| {
                let tiers: Vec<String> = load::BUILTINS.iter().map(|b| b.ccu.to_string()).collect();
                Usage::NoProfile {
                    ccu,
                    tiers: tiers.join(", "),
                }
            })?
    } else {
        let mut plans = Vec::new();
        for builtin in load::BUILTINS {
            let inputs = Inputs {
                profile: load::builtin_document(builtin)?.into(),
                site: None,
                sets: Vec::new(),
                requested_ccu: None,
                environment: None,
            };
            plans.push(checked_plan(&inputs)?.0);
        }
        report::profiles_table(&plans)
    };
    sink::print(&text)?;
    Ok(Vec::new())
}

/// `miniogen plan`, and with `--out` the pools against those the folder holds.
fn plan(
    request: &Request,
    format: Format,
    out: Option<&std::path::Path>,
) -> Result<Vec<Diagnostic>, Failure> {
    let Compiled {
        plan, mut notes, ..
    } = compile_one(request)?;
    let mut changes = String::new();
    if let (Some(dir), Format::Table) = (out, format) {
        let scope = daytwo::Scope {
            env: request.env.as_deref(),
            dir: Some(dir),
        };
        match folder_tenant(dir, &plan)? {
            Some(old) => {
                // The render, for what applying it does; without a master key (`derived` mode)
                // the plan still shows the rest.
                let verdict = match generated(&plan) {
                    Ok(g) => folder_verdict(dir, &plan, &g.manifests)?,
                    Err(_) => None,
                };
                changes = daytwo::plan_changes(scope, &plan, &old, verdict.as_ref());
            }
            None => notes.push(Diagnostic::note(format!(
                "{scope} holds no Tenant `{}`: every pool is new",
                plan.tenant.name
            ))),
        }
    }
    let text = match format {
        Format::Table => report::plan_table_with(&plan, &changes),
        Format::Json => report::plan_json(&plan),
    };
    sink::print(&text)?;
    Ok(notes)
}

/// The command line's inputs as a request.
fn request(inputs: &CliInputs) -> Result<Request, Failure> {
    Request::from_cli(inputs).map_err(Failure::Invalid)
}

/// The flags of `gen` that only matter with `--out`.
#[derive(Clone, Copy)]
#[allow(clippy::struct_excessive_bools)]
struct GenOptions {
    force: bool,
    accept_pool_rebuild: bool,
    write_plaintext_credentials: bool,
    format: Format,
}

/// `miniogen gen`: the stream on stdout, or one folder per environment, recording `recorded`
/// (or noting why it cannot); with `fail_on_change`, a folder written counts as a failure.
fn generate(
    inputs: &Request,
    out: Option<&std::path::Path>,
    options: GenOptions,
    fail_on_change: bool,
    recorded: &Result<Recorded, NotRecordable>,
) -> Result<Vec<Diagnostic>, Failure> {
    let GenOptions {
        force,
        accept_pool_rebuild,
        write_plaintext_credentials,
        format,
    } = options;
    let Some(dir) = out else {
        let compiled = compile_pinned(inputs)?;
        let generated = generated(&compiled.plan)?;
        // Only the objects: fragments never join the stream Argo CD applies.
        sink::print(&sink::stream(&generated.manifests)?)?;
        return Ok(compiled.notes);
    };
    folder::refuse_unsafe(dir)?;
    let shared = shared(inputs)?;
    let (locks, mut notes) = lock_folders(inputs, &shared, dir)?;
    // Render every environment before writing any, so that bad input writes nothing.
    let rendered = parallel::map(
        targets(inputs, shared.site.as_deref(), dir),
        |(env, target)| {
            render_folder(
                inputs,
                &shared,
                env.as_deref(),
                target,
                accept_pool_rebuild,
                write_plaintext_credentials,
            )
        },
    );
    let mut folders = Vec::new();
    for result in all_environments(rendered, |r| &r.4)? {
        let (target, files, plaintext, verdict, env_notes) = result;
        notes.extend(env_notes);
        folders.push((target, files, plaintext, verdict));
    }
    let recorded_inputs = recorded.as_ref().ok();
    let written = parallel::map(folders, |(target, files, plaintext, verdict)| {
        let options = folder::WriteOptions {
            force,
            owner_only: plaintext,
            inputs: recorded_inputs,
        };
        let Some(lock) = locks.get(&target) else {
            return Err(Bug::Unlocked(target.clone()).into());
        };
        folder::write(lock, &target, &files, options)
            .map_err(|e| match e {
                folder::FolderError::HandEdited(edits) => {
                    hand_edited(dir, &target, &edits, recorded_inputs)
                }
                other => fatal_write(other, &target),
            })
            .map(|written| {
                let wrote = written.is_some();
                let mut notes = vec![Diagnostic::note(match written {
                    Some(w) if w.fresh => format!("wrote {w} to `{}`", target.display()),
                    Some(w) => format!("wrote `{}`: {w}", target.display()),
                    None => format!("`{}` is current; nothing to write", target.display()),
                })];
                if wrote && let Some(verdict) = &verdict {
                    notes.extend(verdict_notes(&target, verdict));
                }
                let entry = report::FolderReport {
                    folder: target.display().to_string(),
                    changed: wrote,
                    findings: Vec::new(),
                    verdict,
                };
                (wrote, notes, entry)
            })
    });
    let mut changed = Vec::new();
    let mut entries = Vec::new();
    for result in written {
        let (wrote, folder_notes, entry) = result?;
        notes.extend(folder_notes);
        changed.push(wrote);
        entries.push(entry);
    }
    if let Err(NotRecordable(why)) = recorded {
        notes.push(Diagnostic::note(format!(
            "the folder records no inputs ({why}): `check` needs them on its command line"
        )));
    }
    if format == Format::Json {
        sink::print(&report::folders_json(&entries))?;
    }
    if fail_on_change && changed.contains(&true) {
        // pre-commit sees only changes to tracked files: a folder written afresh must fail the
        // hook, or its new files would pass unseen.
        return Err(Failure::Changed {
            report: diag::render_all(&notes),
            summary: format!(
                "`{}` was out of date and has been rewritten: review it, then stage it with \
                 `git add {}`",
                dir.display(),
                crate::input::recorded::shell_quote(&dir.display().to_string())
            ),
        });
    }
    Ok(notes)
}

/// What `render_folder` gives: folder, files, plaintext, verdict, notes.
type RenderedFolder = (
    std::path::PathBuf,
    Vec<folder::File>,
    bool,
    Option<crate::plan::operator::Verdict>,
    Vec<Diagnostic>,
);

/// One environment's render for `gen --out`, before anything is written: its folder, files,
/// whether they hold plaintext credentials, the operator's verdict over what the folder holds,
/// and the render's notes.
fn render_folder(
    inputs: &Request,
    shared: &Shared,
    env: Option<&str>,
    target: std::path::PathBuf,
    accept_pool_rebuild: bool,
    write_plaintext_credentials: bool,
) -> Result<RenderedFolder, Failure> {
    let compiled = compile(inputs, shared, env.map(str::to_string))?;
    let plaintext = compiled.plan.secrets.mode.writes_plaintext();
    if plaintext && !write_plaintext_credentials {
        return Err(Usage::Plaintext {
            mode: compiled.plan.secrets.source.to_string(),
            target,
        }
        .into());
    }
    let generated = generated(&compiled.plan)?;
    let mut notes = compiled.notes;
    let verdict = folder_verdict(&target, &compiled.plan, &generated.manifests)?;
    let mut errors = Vec::new();
    if !accept_pool_rebuild {
        match guard_pools(
            inputs,
            shared,
            env,
            &target,
            &compiled.plan,
            &generated.manifests,
        ) {
            Ok(warnings) => notes.extend(warnings),
            Err(Failure::Invalid(problems)) => errors.extend(problems),
            Err(other) => return Err(other),
        }
    }
    if let Some(verdict) = &verdict {
        // A downgrade, or a new pool with other changes: refused whatever the flags.
        errors.extend(report::blocked_diagnostics(&folder_label(&target), verdict));
    }
    match guard_buckets(env, &target, &compiled.plan) {
        Ok(warnings) => notes.extend(warnings),
        Err(Failure::Invalid(problems)) => errors.extend(problems),
        Err(other) => return Err(other),
    }
    if !errors.is_empty() {
        return Err(Failure::Invalid(errors));
    }
    let files = folder::files(&generated.manifests, &generated.fragments)?;
    Ok((target, files, plaintext, verdict, notes))
}

/// The verdict for stderr: each change with its class, cause and what to do.
fn verdict_notes(
    dir: &std::path::Path,
    verdict: &crate::plan::operator::Verdict,
) -> Vec<Diagnostic> {
    report::verdict_diagnostics(&folder_label(dir), verdict)
}

/// The failure of `gen --out` over a folder edited by hand: each edit as a diff, then how to
/// keep or discard it.
fn hand_edited(
    out: &std::path::Path,
    target: &std::path::Path,
    edits: &[(String, String)],
    recorded: Option<&Recorded>,
) -> Failure {
    let mut report = String::new();
    // Each entry says what happened to the file: edited (with the diff) or replaced.
    for (_, change) in edits {
        let _ = writeln!(report, "{}", change.trim_end());
    }
    Failure::Changed {
        report,
        summary: format!(
            "the output folder `{}` was edited by hand since miniogen wrote it, so nothing was \
             written: to keep a change, make it in the inputs (the site file or a `--set`) and \
             run `gen` again; to discard it, {}",
            target.display(),
            regenerate(out, recorded, " --force")
        ),
    }
}

/// How to write `out` again: the recorded command when known.
fn regenerate(out: &std::path::Path, recorded: Option<&Recorded>, extra: &str) -> String {
    match recorded {
        Some(r) => format!("run `{}{extra}`", r.command(out)),
        None => format!(
            "run `miniogen gen` with the same inputs and `--out {}{extra}`",
            crate::input::recorded::shell_quote(&out.display().to_string())
        ),
    }
}

/// Locks every folder `gen --out` writes before any is read, so that the folder a run checks
/// (its pools, its hand edits) is the one it replaces, and two runs never mix their files.
/// Returns the locks and notes on what killed runs had left and was put back.
fn lock_folders(
    inputs: &Request,
    shared: &Shared,
    dir: &std::path::Path,
) -> Result<
    (
        std::collections::BTreeMap<std::path::PathBuf, crate::output::staging::Lock>,
        Vec<Diagnostic>,
    ),
    Failure,
> {
    let to_lock = targets(inputs, shared.site.as_deref(), dir);
    let paths: Vec<&std::path::Path> = to_lock.iter().map(|(_, t)| t.as_path()).collect();
    for path in &paths {
        folder::refuse_unsafe(path)?;
    }
    let (locks, restored) = folder::lock_all(&paths).map_err(|e| match e {
        folder::FolderError::Io { ref path, .. } => {
            let path = path.clone();
            fatal_write(e, &path)
        }
        other => other.into(),
    })?;
    Ok((locks, restored.into_iter().map(Diagnostic::note).collect()))
}

/// How a folder that could not be written is reported.
fn fatal_write(e: folder::FolderError, target: &std::path::Path) -> Failure {
    match e {
        folder::FolderError::Io { ref path, .. } if *path == target => {
            Usage::FolderUnwritten(e).into()
        }
        folder::FolderError::Io { .. } => Usage::FolderLeft {
            target: target.to_path_buf(),
            source: e,
        }
        .into(),
        other => other.into(),
    }
}

/// `miniogen argocd generate`: the stream for the Application in the working directory, from
/// Argo CD's variables. Any failure exits non-zero with nothing on stdout.
fn argocd_generate() -> Result<Vec<Diagnostic>, Failure> {
    let request = input_argocd::request(&input_argocd::Variables::from_process())
        .map_err(Failure::Invalid)?;
    let compiled = compile_pinned(&request)?;
    // Only the objects: fragments never join the stream Argo CD applies.
    let manifests = generated(&compiled.plan)?.manifests;
    argocd::check_stream(&manifests).map_err(Usage::from)?;
    // Argo CD must see a failed write as a failure, not as a reader that had enough.
    sink::print_all(&sink::stream(&manifests)?)?;
    Ok(compiled.notes)
}

/// `miniogen argocd parameters`: the parameters announcement. Problems with the inputs are
/// warnings here, so that the UI still shows the parameters; `generate` reports them as errors.
fn argocd_parameters() -> Result<Vec<Diagnostic>, Failure> {
    let mut warnings = Vec::new();
    let env = match input_argocd::request(&input_argocd::Variables::from_process()) {
        Ok(request) => request.env,
        Err(problems) => {
            warnings.extend(problems);
            None
        }
    };
    let site = match load::site_document(None) {
        Ok(site) => site,
        Err(LoadError::Invalid(problems)) => {
            warnings.extend(problems);
            None
        }
        Err(e) => {
            warnings.push(Diagnostic::error(e.to_string()));
            None
        }
    };
    for w in &mut warnings {
        w.severity = diag::Severity::Warning;
    }
    let announcement = argocd::announce(site.as_ref(), env.as_deref());
    let value = serde_json::to_value(&announcement).map_err(Usage::Announcement)?;
    sink::print_all(&report::json_text(&value))?;
    Ok(warnings)
}

/// `miniogen check` without inputs: renders again from the inputs the folder records (in
/// `DIR`, or in its environments' folders `DIR/<name>`), each set once.
fn check_as_recorded(out: &std::path::Path, format: Format) -> Result<Vec<Diagnostic>, Failure> {
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
struct Run {
    request: Request,
    recorded: Option<Recorded>,
    out: std::path::PathBuf,
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
fn check(runs: &[Run], out: &std::path::Path, format: Format) -> Result<Vec<Diagnostic>, Failure> {
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
    let verdict = folder_verdict(target, &compiled.plan, &generated.manifests)?;
    let mut refused = Vec::new();
    match guard_pools(
        inputs,
        shared,
        env,
        target,
        &compiled.plan,
        &generated.manifests,
    ) {
        Ok(warnings) => notes.extend(warnings),
        Err(Failure::Invalid(problems)) => refused.extend(problems),
        Err(other) => return Err(other),
    }
    if let Some(verdict) = &verdict {
        refused.extend(report::blocked_diagnostics(&folder_label(target), verdict));
    }
    match guard_buckets(env, target, &compiled.plan) {
        Ok(warnings) => notes.extend(warnings),
        Err(Failure::Invalid(problems)) => refused.extend(problems),
        Err(other) => return Err(other),
    }
    let files = folder::files(&generated.manifests, &generated.fragments)?;
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

/// The results of every environment, or every environment's problems at once: a problem in
/// one environment must not hide another's. A fatal failure wins.
/// The warnings of the environments that succeeded go with the problems, so that what one
/// environment's change means is never hidden by another's error.
fn all_environments<T>(
    results: Vec<Result<T, Failure>>,
    notes: impl Fn(&T) -> &[Diagnostic],
) -> Result<Vec<T>, Failure> {
    let mut ok = Vec::new();
    let mut invalid = Vec::new();
    for result in results {
        match result {
            Ok(value) => ok.push(value),
            Err(Failure::Invalid(problems)) => invalid.extend(problems),
            Err(other) => return Err(other),
        }
    }
    if invalid.is_empty() {
        return Ok(ok);
    }
    for value in &ok {
        invalid.extend(
            notes(value)
                .iter()
                .filter(|d| d.severity == diag::Severity::Warning)
                .cloned(),
        );
    }
    Err(Failure::Invalid(invalid))
}

/// The Tenant object the output folder holds for `plan`'s tenant, if any; an error when it
/// holds one that cannot be read back.
fn folder_tenant(
    dir: &std::path::Path,
    plan: &crate::plan::Plan,
) -> Result<Option<serde_json::Value>, Failure> {
    let manifest = post::Manifest {
        api_version: String::new(),
        kind: "Tenant".into(),
        name: plan.tenant.name.clone(),
        namespace: String::new(),
        value: serde_json::Value::Null,
    };
    Ok(folder::read_object(dir, &manifest)?)
}

/// The sizing of the tier a plan was made from: the custom profile, or the built-in tier.
fn tier_sizing(shared: &Shared, plan: &crate::plan::Plan) -> Option<crate::model::spec::Sizing> {
    let value = if let Some(profile) = &shared.profile {
        profile.value.clone()
    } else {
        let builtin = load::BUILTINS.iter().find(|b| b.ccu == plan.tier.ccu)?;
        load::builtin_shared(*builtin).ok()?.value.clone()
    };
    serde_json::from_value::<crate::model::spec::Profile>(value)
        .ok()
        .map(|p| p.sizing)
}

/// The usable capacity of the tier a plan was made from, as `miniogen profiles` shows it: the
/// tier's profile rendered alone.
fn tier_capacity(shared: &Shared, plan: &crate::plan::Plan) -> Option<u128> {
    let profile = if let Some(profile) = &shared.profile {
        std::sync::Arc::clone(profile)
    } else {
        let builtin = load::BUILTINS.iter().find(|b| b.ccu == plan.tier.ccu)?;
        load::builtin_document(*builtin).ok()?.into()
    };
    let inputs = Inputs {
        profile,
        site: None,
        sets: Vec::new(),
        requested_ccu: None,
        environment: None,
    };
    checked_plan(&inputs)
        .ok()
        .map(|(tier, _)| tier.capacity.usable_bytes)
}

/// The pool names the site file takes for an environment (decommissioned ones included), and
/// the shared pools an environment would have to copy to add one of its own.
fn site_pools(shared: &Shared, env: Option<&str>) -> daytwo::SitePools {
    let Some(site) = shared.site.as_deref() else {
        return daytwo::SitePools::default();
    };
    let pools = |value: Option<&serde_json::Value>| -> Vec<crate::model::spec::ExtraPool> {
        value
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    };
    let effective = crate::check::decode::effective_site(Some(site), env).unwrap_or_default();
    let names = pools(effective.get("pools"))
        .into_iter()
        .map(|p| p.name)
        .collect();
    let own = env.and_then(|e| {
        site.value.pointer(&format!(
            "/environments/{}/pools",
            crate::input::source::escape_pointer(e)
        ))
    });
    let inherited = if env.is_some() && own.is_none() {
        pools(site.value.get("pools"))
    } else {
        Vec::new()
    };
    daytwo::SitePools { names, inherited }
}

/// The `miniogen grow` command line for one environment and its folder.
fn grow_command(inputs: &Request, env: Option<&str>, dir: &std::path::Path) -> String {
    let mut command = String::from("miniogen grow");
    if let Some(ccu) = &inputs.ccu {
        let _ = write!(command, " --ccu {}", ccu.value);
    }
    if let Some(config) = &inputs.config {
        let _ = write!(command, " --config {}", config.display());
    }
    if let Some(env) = env {
        let _ = write!(command, " --env {env}");
    }
    let _ = write!(command, " --out {}", dir.display());
    command
}

/// Refuses a render that would change a pool the folder already holds in a way the operator
/// cannot apply, with the change that grows instead; warns about the changes it applies.
fn guard_pools(
    inputs: &Request,
    shared: &Shared,
    env: Option<&str>,
    dir: &std::path::Path,
    plan: &crate::plan::Plan,
    manifests: &[post::Manifest],
) -> Result<Vec<Diagnostic>, Failure> {
    let Some(tenant) = manifests.iter().find(|m| m.kind == "Tenant") else {
        return Ok(Vec::new());
    };
    let Some(old) = folder::read_object(dir, tenant)? else {
        return Ok(Vec::new());
    };
    let first_kept = !plan.retired.contains(&plan.first_pool);
    let existing = daytwo::Existing::from_tenant(&old);
    let tier = tier_sizing(shared, plan);
    // `grow` pins the first pool under `[sizing]`: with that pool retired there is none to pin.
    let mut growth = tier
        .as_ref()
        .filter(|_| first_kept)
        .and_then(|tier| daytwo::propose(&existing, plan, tier, &site_pools(shared, env), env));
    // The help shows what `grow` would write: only its first step, when the first pool would
    // change at all (the only case the help shows it).
    if let Some(g) = &mut growth
        && daytwo::Existing::from_plan(plan).first() != Some(&g.first)
    {
        let path = site_path(inputs);
        let text = site_text_of(shared);
        if let Ok(doc) = text.parse::<toml_edit::DocumentMut>() {
            first_step(g, inputs, shared, &path, &doc, &old, plan, dir)?;
        }
    }
    // The tier's capacity is worth a render only when a pool leaves.
    let leaving = existing
        .iter()
        .any(|p| !plan.pools.iter().any(|q| q.name == p.name));
    let room = daytwo::Room {
        left: plan.capacity.usable_bytes,
        tier: leaving
            .then(|| tier_capacity(shared, plan))
            .flatten()
            .map(|usable| (plan.tier.ccu, usable)),
        parity: plan.pools.first().map_or(0, |p| p.layout.parity),
    };
    let verdict = daytwo::judge(
        daytwo::Scope {
            env,
            dir: Some(dir),
        },
        &old,
        &tenant.value,
        (&plan.first_pool, first_kept),
        &plan.retired,
        growth.as_ref(),
        &grow_command(inputs, env, dir),
        &room,
    );
    if verdict.errors.is_empty() {
        Ok(verdict.warnings)
    } else {
        Err(Failure::Invalid(verdict.errors))
    }
}

/// Refuses bucket settings that MinIO cannot apply to the buckets the folder's Tenant already
/// holds (a lock added or removed, a compliance retention weakened), with the migration; warns
/// about settings that change or stay behind.
fn guard_buckets(
    env: Option<&str>,
    dir: &std::path::Path,
    plan: &crate::plan::Plan,
) -> Result<Vec<Diagnostic>, Failure> {
    let Some(old) = folder_tenant(dir, plan)? else {
        return Ok(Vec::new());
    };
    let objects = folder::read_objects(dir, &[]);
    let recorded = daytwo::recorded_buckets(objects.iter().map(|m| &m.value));
    let verdict = daytwo::judge_buckets(
        daytwo::Scope {
            env,
            dir: Some(dir),
        },
        &old,
        &recorded,
        plan,
    );
    if verdict.errors.is_empty() {
        Ok(verdict.warnings)
    } else {
        Err(Failure::Invalid(verdict.errors))
    }
}

/// `miniogen grow`: writes into the site file, per environment, the change that reaches the
/// asked tier without touching a pool that exists, after proving that the edited site file
/// renders exactly that.
fn grow(
    inputs: &Request,
    out: Option<&std::path::Path>,
    dry_run: bool,
) -> Result<Vec<Diagnostic>, Failure> {
    let path = site_path(inputs);
    // Held from before the site file is read until it is replaced, so that a second `grow`
    // reads what this one wrote; a dry run writes nothing, but refuses what a write would.
    let lock = if dry_run {
        site::target(&path)?;
        None
    } else {
        Some(site::lock(&path)?)
    };
    let shared = shared(inputs)?;
    let original = site_text_of(&shared);
    let mut doc = edit_document(&path, &original)?;
    let current = Request {
        ccu: None,
        ..inputs.clone()
    };
    let mut notes = Vec::new();
    let mut grown = Vec::new();
    let mut advanced = false;
    for (env, dir) in grow_targets(inputs, shared.site.as_deref(), out) {
        let scope = daytwo::Scope {
            env: env.as_deref(),
            dir: dir.as_deref(),
        };
        let target = compile(inputs, &shared, env.clone())?;
        notes.extend(target.notes);
        let plan = target.plan;
        let folder = dir
            .as_deref()
            .map(|d| folder_tenant(d, &plan))
            .transpose()?
            .flatten();
        if !plan.planned.is_empty() {
            // The second step of a growth written before: the pool goes in once the folder
            // holds the configuration it needed.
            let (note, unplanned) = second_step(&mut doc, scope, &plan, &path)?;
            notes.push(note);
            advanced |= unplanned;
            continue;
        }
        let existing = match &folder {
            Some(tenant) => daytwo::Existing::from_tenant(tenant),
            None if inputs.ccu.is_none() => {
                return Err(Usage::GrowNeedsTier(scope.to_string()).into());
            }
            None => daytwo::Existing::from_plan(&compile(&current, &shared, env.clone())?.plan),
        };
        let site_pools = site_pools(&shared, env.as_deref());
        if let Some(problem) = daytwo::unlisted(scope, &existing, &site_pools, &plan.first_pool) {
            return Err(Failure::Invalid(vec![problem]));
        }
        if plan.retired.contains(&plan.first_pool) {
            let refusal = daytwo::first_retired(scope, &plan.first_pool, &site_pools);
            return Err(Failure::Invalid(vec![refusal]));
        }
        let tier =
            tier_sizing(&shared, &plan).ok_or_else(|| Usage::TierProfile(scope.to_string()))?;
        let Some(mut growth) =
            daytwo::propose(&existing, &plan, &tier, &site_pools, env.as_deref())
        else {
            notes.push(Diagnostic::note(format!(
                "{scope}: pool `{}` does not exist yet, so there is nothing to keep",
                plan.pools[0].name
            )));
            continue;
        };
        let rendered_first = daytwo::Existing::from_plan(&plan).remove(0);
        if rendered_first == growth.first && growth.added.is_none() {
            notes.push(Diagnostic::note(format!(
                "{scope}: the pools already serve the {} CCU tier as they are; nothing to grow",
                plan.tier.ccu
            )));
            continue;
        }
        if let (Some(tenant), Some(d)) = (&folder, dir.as_deref()) {
            first_step(&mut growth, inputs, &shared, &path, &doc, tenant, &plan, d)?;
        }
        write_growth(
            &mut doc,
            &growth,
            inputs.ccu.as_ref().map(|c| c.value),
            &path,
        )?;
        for line in growth.summary(plan.pools[0].layout.parity) {
            notes.push(Diagnostic::note(format!("{scope}: {line}")));
        }
        grown.push((growth, dir.clone()));
    }
    if grown.is_empty() && !advanced {
        return Ok(notes);
    }
    let text = grown_text(&original, &doc, shared.site.is_none());
    prove_growth(inputs, &shared, &path, &text, &grown)?;
    let Some(lock) = lock else {
        sink::print(&text)?;
        return Ok(notes);
    };
    lock.replace(&text)?;
    notes.push(written_note(inputs, &path, out));
    Ok(notes)
}

/// The site file `grow` edits: `--config`, else `miniogen.toml`.
fn site_path(inputs: &Request) -> std::path::PathBuf {
    inputs
        .config
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(load::SITE_FILE))
}

/// The site file's text as read (empty when there is none yet).
fn site_text_of(shared: &Shared) -> String {
    shared
        .site
        .as_ref()
        .map_or_else(String::new, |s| s.source.text.clone())
}

/// `grow`'s edit of a site file, on its text alone: `original` (the text of the site file at
/// `path`; empty and `started` when there is none yet) with each growth written into it, as
/// `grow` writes it. No IO, no render and no proof that the result renders those pools (`grow`
/// compiles it again for that): the entry point of the `grow_edit` fuzz target. A site file
/// the edit cannot take is refused with `Usage::EditToml` or `Usage::Edit`.
pub fn grow_edit(
    path: &std::path::Path,
    original: &str,
    started: bool,
    growths: &[daytwo::Growth],
    ccu: Option<u32>,
) -> Result<String, Failure> {
    let mut doc = edit_document(path, original)?;
    for growth in growths {
        write_growth(&mut doc, growth, ccu, path)?;
    }
    Ok(grown_text(original, &doc, started))
}

/// The site file's text as the document `grow` edits, comments and layout kept.
fn edit_document(
    path: &std::path::Path,
    original: &str,
) -> Result<toml_edit::DocumentMut, Failure> {
    original.parse().map_err(|source| {
        Usage::EditToml {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

/// Writes `growth` (and `ccu`, when given) into the site file's document.
fn write_growth(
    doc: &mut toml_edit::DocumentMut,
    growth: &daytwo::Growth,
    ccu: Option<u32>,
    path: &std::path::Path,
) -> Result<(), Failure> {
    growth
        .write_into(doc, ccu)
        .map_err(|why| Usage::Edit(path.to_path_buf(), why).into())
}

/// The edited site file: the line endings of the original, and a first comment when `grow`
/// starts the file.
fn grown_text(original: &str, doc: &toml_edit::DocumentMut, started: bool) -> String {
    let mut text = crate::plan::siteedit::line_endings_like(original, &doc.to_string());
    if started {
        text.insert_str(
            0,
            "# miniogen site file, started by `miniogen grow`: the pools below are pinned as they\n\
             # were created. Pools never change layout; grow by adding one.\n",
        );
    }
    text
}

/// What `grow` says once it has written the site file: how to render it.
fn written_note(
    inputs: &Request,
    path: &std::path::Path,
    out: Option<&std::path::Path>,
) -> Diagnostic {
    let mut render = format!("miniogen gen --config {}", path.display());
    if let Some(env) = &inputs.env {
        let _ = write!(render, " --env {env}");
    }
    if let Some(dir) = out {
        let _ = write!(render, " --out {}", dir.display());
    }
    Diagnostic::note(format!(
        "wrote `{}`; render it with `{render}`",
        path.display()
    ))
}

/// The environments `grow` changes, each with its output folder when `--out` is given.
fn grow_targets(
    inputs: &Request,
    site: Option<&crate::input::source::Document>,
    out: Option<&std::path::Path>,
) -> Vec<(Option<String>, Option<std::path::PathBuf>)> {
    match out {
        Some(dir) => targets(inputs, site, dir)
            .into_iter()
            .map(|(env, dir)| (env, Some(dir)))
            .collect(),
        None if inputs.env.is_some() => vec![(inputs.env.clone(), None)],
        None => {
            let names = site
                .map(crate::check::decode::environments)
                .unwrap_or_default();
            if names.is_empty() {
                vec![(None, None)]
            } else {
                names.into_iter().map(|n| (Some(n), None)).collect()
            }
        }
    }
}

/// Proves an edited site file before it is written: it must pass the schema and render, for
/// every environment grown, exactly the pools proposed (a planned one listed as planned), and
/// over a folder, a first step that applies alone.
fn prove_growth(
    inputs: &Request,
    shared: &Shared,
    path: &std::path::Path,
    text: &str,
    grown: &[(daytwo::Growth, Option<std::path::PathBuf>)],
) -> Result<(), Failure> {
    let edited = applying::edited(shared, path, text)?;
    let verify = applying::as_written(inputs, path);
    for (growth, dir) in grown {
        let plan = compile(&verify, &edited, growth.env.clone())?.plan;
        let pools = daytwo::Existing::from_plan(&plan);
        let added_ok = growth.added.as_ref().is_none_or(|a| {
            if a.planned {
                plan.planned.contains(&a.name)
            } else {
                pools
                    .iter()
                    .any(|p| p.name == a.name && p.volume_size == a.volume_size)
            }
        });
        if pools.first() != Some(&growth.first) || !added_ok {
            return Err(Bug::Grow {
                scope: applying::scope(growth, None).to_string(),
            }
            .into());
        }
        if let Some(dir) = dir
            && let Some(verdict) =
                applying::folder_verdict(dir, &plan, &generated(&plan)?.manifests)?
            && verdict.blocked().next().is_some()
        {
            let mut problems = applying::refused(dir, &verdict);
            problems.push(Diagnostic::note(format!(
                "{}: `miniogen grow` writes only a step that applies alone; apply the change \
                 above first, or put it back as the folder has it",
                applying::scope(growth, Some(dir))
            )));
            return Err(Failure::Invalid(problems));
        }
    }
    Ok(())
}

/// Makes `growth` over the folder `dir` (whose Tenant is `tenant`) only the first step: the new
/// pool on the image and resources the tenant runs, and only planned when it needs another
/// configuration, which must reach every server first.
#[allow(clippy::too_many_arguments)]
fn first_step(
    growth: &mut daytwo::Growth,
    inputs: &Request,
    shared: &Shared,
    path: &std::path::Path,
    doc: &toml_edit::DocumentMut,
    tenant: &serde_json::Value,
    plan: &crate::plan::Plan,
    dir: &std::path::Path,
) -> Result<(), Failure> {
    growth.pin_running(tenant, plan, resources_asked(shared, growth.env.as_deref()));
    let mut trial = doc.clone();
    write_growth(
        &mut trial,
        growth,
        inputs.ccu.as_ref().map(|c| c.value),
        path,
    )?;
    let verdict = applying::step_verdict(
        inputs,
        shared,
        path,
        &trial.to_string(),
        growth.env.clone(),
        dir,
    )?;
    if verdict
        .as_ref()
        .is_some_and(applying::needs_configuration_first)
    {
        growth.plan_only();
    }
    Ok(())
}

/// Whether the site file sets the first pool's resources for `env`: then `grow` keeps them.
fn resources_asked(shared: &Shared, env: Option<&str>) -> bool {
    shared.site.as_deref().is_some_and(|site| {
        crate::check::decode::effective_site(Some(site), env)
            .is_ok_and(|s| s.pointer("/sizing/resources").is_some())
    })
}

/// `grow` over a site file that plans a pool: the second step, which adds it, once the folder
/// holds the configuration the first step brought. Without a folder to tell, the user decides.
fn second_step(
    doc: &mut toml_edit::DocumentMut,
    scope: daytwo::Scope<'_>,
    plan: &crate::plan::Plan,
    path: &std::path::Path,
) -> Result<(Diagnostic, bool), Failure> {
    let names = plan
        .planned
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(dir) = scope.dir else {
        return Ok((
            Diagnostic::note(format!(
                "{scope}: pool {names} is planned: once the configuration it needs is applied \
                 and every server restarted, remove `planned = true` from it, or run `miniogen \
                 grow --out DIR`, which checks the folder first"
            )),
            false,
        ));
    };
    let verdict = applying::folder_verdict(dir, plan, &generated(plan)?.manifests)?;
    if verdict
        .as_ref()
        .is_some_and(|v| !applying::configuration_applied(v))
    {
        return Err(Failure::Invalid(vec![
            Diagnostic::error(format!(
                "{scope}: pool {names} is planned, but the folder does not hold the \
                 configuration it needs yet"
            ))
            .help(format!(
                "render and apply the first step (`miniogen gen --config {} --out ...`), restart \
                 every server as `miniogen check` says, then run `miniogen grow` again",
                path.display()
            )),
        ]));
    }
    let done = daytwo::unplan(doc, scope.env, &plan.planned)
        .map_err(|why| Usage::Edit(path.to_path_buf(), why))?;
    let note = Diagnostic::note(format!(
        "{scope}: pool {} no longer planned: the folder holds the configuration it needs (once \
         applied with every server restarted, as the first step said), so the next render adds \
         it; every MinIO process restarts then, as `miniogen check` says",
        done.iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok((note, !done.is_empty()))
}
