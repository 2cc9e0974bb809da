//! What each subcommand does: which environments it compiles through `pipeline`, and what it
//! prints or writes. IO goes through `load`, `folder` and `sink`, except `schema --write`, a
//! developer command that rewrites `schema/`.

use std::fmt::Write as _;

use crate::cli::{ArgocdCommand, Command, Format, Inputs as CliInputs, SchemaKind};
use crate::decode::Inputs;
use crate::diag::{self, Diagnostic};
use crate::load::{self, LoadError, Request};
use crate::pipeline::{Compiled, checked_plan, compile, compile_one, generated, shared, targets};
use crate::recorded::{NotRecordable, Recorded};
use crate::{
    Failure, argocd, credentials, folder, parallel, post, report, schema, sink, transition,
};

/// Runs one command; on success returns the warnings and notes to print.
pub(crate) fn execute(command: Command) -> Result<Vec<Diagnostic>, Failure> {
    match command {
        Command::Gen {
            inputs,
            out,
            force,
            accept_pool_rebuild,
            write_plaintext_credentials,
            fail_on_change,
        } => generate(
            &request(&inputs)?,
            out.as_deref(),
            GenOptions {
                force,
                accept_pool_rebuild,
                write_plaintext_credentials,
            },
            fail_on_change,
            &Recorded::from_cli(&inputs),
        ),
        Command::Check { inputs, out } => {
            if Recorded::is_empty(&inputs) {
                check_as_recorded(&out)
            } else {
                let run = Run {
                    request: request(&inputs)?,
                    recorded: Recorded::from_cli(&inputs).ok(),
                    out: out.clone(),
                };
                check(&[run], &out)
            }
        }
        Command::Plan { inputs, format } => {
            let Compiled { plan, notes, .. } = compile_one(&request(&inputs)?)?;
            let text = match format {
                Format::Table => report::plan_table(&plan),
                Format::Json => report::plan_json(&plan),
            };
            sink::print(&text)?;
            Ok(notes)
        }
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
            sink::print(&sink::fragments(&generated.fragments, &compiled.header)?)?;
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
                for kind in [schema::Kind::Profile, schema::Kind::Site] {
                    let path = std::path::Path::new("schema").join(kind.file_name());
                    std::fs::write(&path, schema::generate(kind)).map_err(|e| {
                        Failure::Fatal(format!("cannot write `{}`: {e}", path.display()))
                    })?;
                    eprintln!("wrote {}", path.display());
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

/// `miniogen init`: the starter site file, written only where no file is.
fn init(ccu: &str, path: &std::path::Path) -> Result<Vec<Diagnostic>, Failure> {
    use std::io::Write as _;
    let ccu = load::CcuArg::parse_flag(ccu).map_err(|d| Failure::Invalid(vec![d]))?;
    let (tier, _) = load::select_tier(&ccu).map_err(|d| Failure::Invalid(vec![d]))?;
    let text = crate::init::site_file(ccu.value);
    // `create_new` refuses any existing entry, a symbolic link included, without following it.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::Fatal(format!(
                "`{}` exists, and `miniogen init` never overwrites a file: move it away, or \
                 give another path with `--config PATH`",
                path.display()
            )));
        }
        Err(e) => {
            return Err(Failure::Fatal(format!(
                "cannot write `{}`: {e}",
                path.display()
            )));
        }
    };
    if let Err(e) = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
    {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(Failure::Fatal(format!(
            "cannot write `{}`: {e}; nothing was written",
            path.display()
        )));
    }
    let config = if path == std::path::Path::new(load::SITE_FILE) {
        String::new()
    } else {
        format!(
            " --config {}",
            crate::recorded::shell_quote(&path.display().to_string())
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
                Failure::Fatal(format!(
                    "no built-in profile for {ccu} CCU; the tiers are {}",
                    tiers.join(", ")
                ))
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

/// The command line's inputs as a request.
fn request(inputs: &CliInputs) -> Result<Request, Failure> {
    Request::from_cli(inputs).map_err(Failure::Invalid)
}

/// What `gen --out` may overwrite or write, from its flags.
#[derive(Clone, Copy)]
struct GenOptions {
    force: bool,
    accept_pool_rebuild: bool,
    write_plaintext_credentials: bool,
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
    } = options;
    let Some(dir) = out else {
        let compiled = compile_one(inputs)?;
        let generated = generated(&compiled.plan)?;
        // Only the objects: fragments never join the stream Argo CD applies.
        sink::print(&sink::stream(&generated.manifests)?)?;
        return Ok(compiled.notes);
    };
    let shared = shared(inputs)?;
    // Render every environment before writing any, so that bad input writes nothing.
    let rendered = parallel::map(
        targets(inputs, shared.site.as_deref(), dir),
        |(env, target)| {
            let compiled = compile(inputs, &shared, env)?;
            let plaintext = credentials::writes_plaintext(compiled.plan.secrets.mode);
            if plaintext && !write_plaintext_credentials {
                return Err(Failure::Fatal(format!(
                    "secrets mode `{}` writes credentials in plain text, which must never land in \
                 Git; pass `--write-plaintext-credentials` to write them to `{}` anyway (readable \
                 by you only), or choose `external-secrets` or `vault-placeholders`",
                    compiled.plan.secrets.source,
                    target.display()
                )));
            }
            let generated = generated(&compiled.plan)?;
            if !accept_pool_rebuild {
                guard_pools(&target, &generated.manifests)?;
            }
            let files =
                folder::files(&generated.manifests, &generated.fragments, &compiled.header)?;
            Ok((target, files, plaintext, compiled.notes))
        },
    );
    let mut folders = Vec::new();
    let mut notes = Vec::new();
    for result in rendered {
        let (target, files, plaintext, env_notes) = result?;
        notes.extend(env_notes);
        folders.push((target, files, plaintext));
    }
    let recorded_inputs = recorded.as_ref().ok();
    let written = parallel::map(folders, |(target, files, plaintext)| {
        let options = folder::WriteOptions {
            force,
            owner_only: plaintext,
            inputs: recorded_inputs,
        };
        folder::write(&target, &files, options)
            .map_err(|e| match e {
                folder::FolderError::HandEdited(edits) => {
                    hand_edited(dir, &target, &edits, recorded_inputs)
                }
                folder::FolderError::Io { ref path, .. } if *path == target => {
                    Failure::Fatal(format!("{e}; nothing was written"))
                }
                folder::FolderError::Io { .. } => Failure::Fatal(format!(
                    "cannot write the output folder `{}`, which is left as it was: {e}",
                    target.display()
                )),
                other => other.into(),
            })
            .map(|wrote| {
                let note = Diagnostic::note(if wrote {
                    format!("wrote {} files to `{}`", files.len(), target.display())
                } else {
                    format!("`{}` is current; nothing to write", target.display())
                });
                (wrote, note)
            })
    });
    let mut changed = Vec::new();
    for result in written {
        let (wrote, note) = result?;
        notes.push(note);
        changed.push(wrote);
    }
    if let Err(NotRecordable(why)) = recorded {
        notes.push(Diagnostic::note(format!(
            "the folder records no inputs ({why}): `check` needs them on its command line"
        )));
    }
    if fail_on_change && changed.contains(&true) {
        // pre-commit sees only changes to tracked files: a folder written afresh must fail the
        // hook, or its new files would pass unseen.
        return Err(Failure::Changed {
            report: diag::render_all(&notes),
            summary: format!(
                "`{}` was out of date and has been rewritten: review and commit it",
                dir.display()
            ),
        });
    }
    Ok(notes)
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
    for (name, diff) in edits {
        let _ = writeln!(
            report,
            "edited by hand: `{name}` changed since miniogen wrote it\n{}",
            diff.trim_end()
        );
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
            crate::recorded::shell_quote(&out.display().to_string())
        ),
    }
}

/// `miniogen argocd generate`: the stream for the Application in the working directory, from
/// Argo CD's variables. Any failure exits non-zero with nothing on stdout.
fn argocd_generate() -> Result<Vec<Diagnostic>, Failure> {
    let request = argocd::request(&argocd::Variables::from_process()).map_err(Failure::Invalid)?;
    let compiled = compile_one(&request)?;
    // Only the objects: fragments never join the stream Argo CD applies.
    let manifests = generated(&compiled.plan)?.manifests;
    argocd::check_stream(&manifests).map_err(Failure::Fatal)?;
    // Argo CD must see a failed write as a failure, not as a reader that had enough.
    sink::print_all(&sink::stream(&manifests)?)?;
    Ok(compiled.notes)
}

/// `miniogen argocd parameters`: the parameters announcement. Problems with the inputs are
/// warnings here, so that the UI still shows the parameters; `generate` reports them as errors.
fn argocd_parameters() -> Result<Vec<Diagnostic>, Failure> {
    let mut warnings = Vec::new();
    let env = match argocd::request(&argocd::Variables::from_process()) {
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
    let mut text = serde_json::to_string_pretty(&announcement)
        .map_err(|e| Failure::Fatal(format!("cannot write the announcement: {e}")))?;
    text.push('\n');
    sink::print_all(&text)?;
    Ok(warnings)
}

/// `miniogen check` without inputs: renders again from the inputs the folder records (in
/// `DIR`, or in its environments' folders `DIR/<name>`), each set once.
fn check_as_recorded(out: &std::path::Path) -> Result<Vec<Diagnostic>, Failure> {
    if !out.is_dir() {
        return Err(missing_folder(out, None));
    }
    let mut states = vec![out.to_path_buf()];
    if !out.join(folder::STATE_FILE).is_file() {
        let mut subfolders: Vec<std::path::PathBuf> = std::fs::read_dir(out)
            .map_err(|e| Failure::Fatal(format!("cannot read `{}`: {e}", out.display())))?
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
            && shared(&request)?
                .site
                .is_some_and(|site| crate::decode::environments(&site).iter().any(|e| e == name))
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
        return check(&[run], out).map_err(|e| match e {
            Failure::Fatal(message) if message.starts_with("give `--ccu N`") => {
                Failure::Fatal(format!(
                    "`{}` records no inputs: give them as to `gen` (`--ccu N`, `--config PATH`, \
                     ...), or run `gen --out` again to record them",
                    out.display()
                ))
            }
            other => other,
        });
    }
    check(&runs, out)
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
    }
}

/// `miniogen check`: compares each folder with a fresh render of each run; `out` is the folder
/// named on the command line.
fn check(runs: &[Run], out: &std::path::Path) -> Result<Vec<Diagnostic>, Failure> {
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
    for Run {
        request: inputs,
        recorded,
        out: run_out,
    } in runs
    {
        let shared = shared(inputs)?;
        let checked = parallel::map(
            targets(inputs, shared.site.as_deref(), run_out),
            |(env, target)| {
                let compiled = compile(inputs, &shared, env)?;
                let generated = generated(&compiled.plan)?;
                if !target.exists() {
                    return Ok::<_, Failure>((
                        format!(
                            "missing: the folder `{}` does not exist\n",
                            target.display()
                        ),
                        false,
                        compiled.notes,
                    ));
                }
                guard_pools(&target, &generated.manifests)?;
                let files =
                    folder::files(&generated.manifests, &generated.fragments, &compiled.header)?;
                let mode = compiled.plan.secrets.mode;
                let mut report = String::new();
                for literal in
                    credentials::literal_credentials(&folder::read_objects(&target), mode)
                {
                    let _ = writeln!(
                        report,
                        "{literal} (in `{}`); secrets mode `{}` never writes one, so move it to your secret store",
                        target.display(),
                        compiled.plan.secrets.source
                    );
                }
                let mut edited = false;
                for finding in folder::check_recorded(&target, &files, recorded.as_ref())? {
                    edited |= matches!(finding, folder::Finding::Edited(..));
                    let _ = writeln!(report, "{}", finding.to_string().trim_end());
                }
                Ok((report, edited, compiled.notes))
            },
        );
        let mut stale = false;
        for result in checked {
            let (env_report, env_edited, env_notes) = result?;
            stale |= !env_report.is_empty();
            edited |= env_edited;
            report.push_str(&env_report);
            notes.extend(env_notes);
        }
        if stale {
            stale_runs.push((run_out, recorded.as_ref()));
        }
    }
    if report.is_empty() {
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
    } else {
        format!(
            "the output folder `{}` is not what the inputs give: to regenerate it, {}",
            out.display(),
            commands("")
        )
    };
    Err(Failure::Drift { report, summary })
}

/// Refuses a render that would change a pool the folder already holds in a way the operator
/// can only apply by destroying it.
fn guard_pools(dir: &std::path::Path, manifests: &[post::Manifest]) -> Result<(), Failure> {
    let Some(tenant) = manifests.iter().find(|m| m.kind == "Tenant") else {
        return Ok(());
    };
    let Some(old) = folder::read_object(dir, tenant) else {
        return Ok(());
    };
    let changes = transition::pool_changes(&old, &tenant.value);
    if changes.is_empty() {
        return Ok(());
    }
    Err(Failure::Invalid(
        changes
            .iter()
            .map(|c| {
                Diagnostic::error(c.to_string()).help(
                    "to grow, keep the existing pool as it is and add one under `[[pools]]`; \
                     pass `--accept-pool-rebuild` only if the pool and its data may be destroyed",
                )
            })
            .collect(),
    ))
}
