//! What each subcommand does: which environments it compiles through `pipeline`, and what it
//! prints or writes. IO goes through `load`, `folder` and `sink`, except `schema --write`, a
//! developer command that rewrites `schema/`.

use std::fmt::Write as _;

use crate::cli::{ArgocdCommand, Command, Format, Inputs as CliInputs, SchemaKind};
use crate::decode::Inputs;
use crate::diag::{self, Diagnostic};
use crate::load::{self, LoadError, Request};
use crate::pipeline::{Compiled, checked_plan, compile, compile_one, generated, shared, targets};
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
        } => generate(
            &request(&inputs)?,
            out.as_deref(),
            force,
            accept_pool_rebuild,
            write_plaintext_credentials,
        ),
        Command::Check { inputs, out } => check(&request(&inputs)?, &out),
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
        Command::Profiles { show } => {
            let text = if let Some(ccu) = show {
                load::BUILTINS
                    .iter()
                    .find(|b| b.ccu == ccu)
                    .map(|b| b.text.to_string())
                    .ok_or_else(|| {
                        let tiers: Vec<String> =
                            load::BUILTINS.iter().map(|b| b.ccu.to_string()).collect();
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

/// The command line's inputs as a request.
fn request(inputs: &CliInputs) -> Result<Request, Failure> {
    Request::from_cli(inputs).map_err(Failure::Invalid)
}

/// `miniogen gen`: the stream on stdout, or one folder per environment.
fn generate(
    inputs: &Request,
    out: Option<&std::path::Path>,
    force: bool,
    accept_pool_rebuild: bool,
    write_plaintext_credentials: bool,
) -> Result<Vec<Diagnostic>, Failure> {
    let Some(dir) = out else {
        let compiled = compile_one(inputs)?;
        let generated = generated(&compiled.plan)?;
        // Only the objects: fragments never join the stream Argo CD applies.
        sink::print(&sink::stream(&generated.manifests)?)?;
        return Ok(compiled.notes);
    };
    folder::refuse_unsafe(dir)?;
    let shared = shared(inputs)?;
    let mut notes = Vec::new();
    // Every folder is locked before any is read, so that the folder a run checks (its pools,
    // its hand edits) is the one it replaces, and two runs never mix their files.
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
    notes.extend(restored.into_iter().map(Diagnostic::note));
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
    for result in rendered {
        let (target, files, plaintext, env_notes) = result?;
        notes.extend(env_notes);
        folders.push((target, files, plaintext));
    }
    let written = parallel::map(folders, |(target, files, plaintext)| {
        let options = folder::WriteOptions {
            force,
            owner_only: plaintext,
        };
        let Some(lock) = locks.get(&target) else {
            return Err(Failure::Fatal(format!(
                "`{}` was not locked; please report this",
                target.display()
            )));
        };
        folder::write(lock, &target, &files, options)
            .map_err(|e| fatal_write(e, &target))
            .map(|wrote| {
                Diagnostic::note(if wrote {
                    format!("wrote {} files to `{}`", files.len(), target.display())
                } else {
                    format!("`{}` is current; nothing to write", target.display())
                })
            })
    });
    for note in written {
        notes.push(note?);
    }
    Ok(notes)
}

/// How a folder that could not be written is reported.
fn fatal_write(e: folder::FolderError, target: &std::path::Path) -> Failure {
    match e {
        folder::FolderError::Io { ref path, .. } if *path == target => {
            Failure::Fatal(format!("{e}; nothing was written"))
        }
        folder::FolderError::Io { .. } => Failure::Fatal(format!(
            "cannot write the output folder `{}`, which is left as it was: {e}",
            target.display()
        )),
        other => other.into(),
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

/// `miniogen check`: compares each folder with a fresh render.
fn check(inputs: &Request, out: &std::path::Path) -> Result<Vec<Diagnostic>, Failure> {
    let shared = shared(inputs)?;
    let checked = parallel::map(
        targets(inputs, shared.site.as_deref(), out),
        |(env, target)| {
            let compiled = compile(inputs, &shared, env)?;
            let generated = generated(&compiled.plan)?;
            guard_pools(&target, &generated.manifests)?;
            let files =
                folder::files(&generated.manifests, &generated.fragments, &compiled.header)?;
            let mode = compiled.plan.secrets.mode;
            let mut report = String::new();
            for literal in credentials::literal_credentials(&folder::read_objects(&target), mode) {
                let _ = writeln!(
                    report,
                    "{literal} (in `{}`); secrets mode `{}` never writes one, so move it to your secret store",
                    target.display(),
                    compiled.plan.secrets.source
                );
            }
            for finding in folder::check(&target, &files)? {
                let _ = writeln!(report, "{}", finding.to_string().trim_end());
            }
            Ok::<_, Failure>((report, compiled.notes))
        },
    );
    let mut report = String::new();
    let mut notes = Vec::new();
    for result in checked {
        let (env_report, env_notes) = result?;
        report.push_str(&env_report);
        notes.extend(env_notes);
    }
    if report.is_empty() {
        Ok(notes)
    } else {
        Err(Failure::Drift(report))
    }
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
