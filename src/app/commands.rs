//! What each subcommand does: which environments it compiles through `pipeline`, and what it
//! prints or writes (`check` and `grow` have modules of their own). IO goes through `load`, `folder` and `sink`, except `schema --write`, a
//! developer command that rewrites `schema/`.

use std::fmt::Write as _;

use crate::app::applying::{folder_label, folder_tenant, folder_verdict};
use crate::app::check::{Run, check, check_as_recorded, regenerate};
use crate::app::failure::{Bug, Failure, Usage};
use crate::app::grow::grow;
use crate::app::guard::guard;
use crate::app::pipeline::{
    Compiled, Shared, all_environments, checked_plan, compile, compile_one, compile_pinned,
    generated, shared, targets,
};
use crate::app::{argocd, parallel};
use crate::check::decode::Inputs;
use crate::check::schema;
use crate::input::argocd as input_argocd;
use crate::input::cli::{ArgocdCommand, Command, Format, Inputs as CliInputs, SchemaKind};
use crate::input::load::{self, LoadError, Request};
use crate::input::recorded::{NotRecordable, Recorded};
use crate::model::diag::{self, Diagnostic};
use crate::output::{folder, report, sink, site};
use crate::plan::daytwo;

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
pub(crate) fn request(inputs: &CliInputs) -> Result<Request, Failure> {
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
    let files = folder::files(&generated.manifests, &generated.fragments)?;
    let render = (generated.manifests.as_slice(), files.as_slice());
    let mut found = guard(
        inputs,
        shared,
        env,
        &target,
        render,
        &compiled.plan,
        accept_pool_rebuild,
    )?;
    if !found.refused.is_empty() {
        // What the changes that do apply mean goes with the refusal, as `check` prints it.
        found.refused.extend(
            found
                .warnings
                .into_iter()
                .filter(|d| d.severity == diag::Severity::Warning),
        );
        return Err(Failure::Invalid(found.refused));
    }
    notes.extend(found.warnings);
    let verdict = found.verdict;
    Ok((target, files, plaintext, verdict, notes))
}

/// The verdict for stderr: each change with its class, cause and what to do.
pub(crate) fn verdict_notes(
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
