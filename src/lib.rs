//! miniogen compiles a CCU sizing profile and a site file into the Kubernetes manifests of a
//! distributed MinIO tenant.
//!
//! The pipeline, one module per stage: `load` (read inputs) → `source` (TOML with spans) →
//! `schema` (JSON Schema check) → `decode` (typed, layered `Spec`) → `rules` (what schemas cannot
//! say) → `plan` (all arithmetic) → `render` (templates) → `post` (parse back, check, order) →
//! `sink` (write). `run` wires them and maps failures to exit codes: 0 success, 1 invalid input,
//! 2 usage, IO or internal failure.

pub mod access;
pub mod argocd;
pub mod cli;
pub mod credentials;
pub mod crosscheck;
pub mod decode;
pub mod diag;
pub mod digest;
pub mod erasure;
pub mod folder;
pub mod load;
pub mod names;
pub mod outputs;
pub mod parallel;
pub mod plan;
pub mod post;
pub mod quantity;
pub mod readback;
pub mod render;
pub mod report;
pub mod rules;
pub mod schema;
pub mod sink;
pub mod source;
pub mod spec;
pub mod transition;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser as _;

use crate::cli::{ArgocdCommand, Cli, Command, Format, Inputs as CliInputs, SchemaKind};
use std::fmt::Write as _;

use crate::decode::{Inputs, Locator};
use crate::diag::Diagnostic;
use crate::load::{CcuArg, LoadError, Request, Surface};
use crate::source::Document;

/// How a run ended.
#[derive(Debug)]
pub enum Failure {
    /// The input is wrong; every diagnostic is reported (exit 1).
    Invalid(Vec<Diagnostic>),
    /// An output folder is not what a fresh render gives; the report goes to stdout (exit 1).
    Drift(String),
    /// Usage, IO or internal failure (exit 2).
    Fatal(String),
}

impl From<sink::SinkError> for Failure {
    fn from(e: sink::SinkError) -> Self {
        Failure::Fatal(e.to_string())
    }
}

impl From<folder::FolderError> for Failure {
    fn from(e: folder::FolderError) -> Self {
        match e {
            folder::FolderError::HandEdited(_) | folder::FolderError::NotOurs(_) => {
                Failure::Invalid(vec![Diagnostic::error(e.to_string())])
            }
            other => Failure::Fatal(other.to_string()),
        }
    }
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Invalid(d) => Failure::Invalid(d),
            other => Failure::Fatal(other.to_string()),
        }
    }
}

/// Runs miniogen with the given arguments (the first is the program name) and returns the exit
/// code. Results go to stdout, diagnostics to stderr.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match execute(cli.command) {
        Ok(notes) => {
            eprint!("{}", diag::render_all(&notes));
            ExitCode::SUCCESS
        }
        Err(Failure::Invalid(diagnostics)) => {
            eprint!("{}", diag::render_all(&diagnostics));
            ExitCode::from(1)
        }
        Err(Failure::Drift(report)) => {
            let _ = sink::print(&report);
            eprintln!(
                "error: the output folder is stale: run the same command as `gen` to update it"
            );
            ExitCode::from(1)
        }
        Err(Failure::Fatal(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs one command; on success returns the warnings and notes to print.
fn execute(command: Command) -> Result<Vec<Diagnostic>, Failure> {
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
        // Only the objects: fragments never join the stream Argo CD applies.
        sink::print(&sink::stream(&generated(&compiled.plan)?.manifests)?)?;
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
    let written = parallel::map(folders, |(target, files, plaintext)| {
        let options = folder::WriteOptions {
            force,
            owner_only: plaintext,
        };
        folder::write(&target, &files, options)
            .map_err(|e| match e {
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

/// What a render gives: the objects of the stream, and the consumer fragments that go beside it.
struct Generated {
    manifests: Vec<post::Manifest>,
    fragments: Vec<post::Fragment>,
}

/// Renders the plan into checked, ordered objects and the consumer fragments, and cross-checks
/// every reference between them. Only `derived` mode reads the master key.
fn generated(plan: &plan::Plan) -> Result<Generated, Failure> {
    let key = if plan.secrets.mode == spec::SecretsMode::Derived {
        Some(load::master_key()?)
    } else {
        None
    };
    generated_with(plan, key.as_ref())
}

/// `generated`, with the master key given rather than read.
fn generated_with(
    plan: &plan::Plan,
    key: Option<&credentials::MasterKey>,
) -> Result<Generated, Failure> {
    let rendered = render::render(plan, key).map_err(|e| Failure::Fatal(e.to_string()))?;
    let manifests =
        post::assemble(&rendered, &plan.provenance).map_err(|e| Failure::Fatal(e.to_string()))?;
    let fragments = render::fragments(plan)
        .map_err(|e| Failure::Fatal(e.to_string()))
        .and_then(|r| post::fragments(&r).map_err(|e| Failure::Fatal(e.to_string())))?;
    let mismatches = crosscheck::check(plan, &manifests, &fragments);
    if !mismatches.is_empty() {
        return Err(Failure::Invalid(
            mismatches
                .iter()
                .map(|m| {
                    Diagnostic::error(format!("cross-check: {m}")).help(
                        "a consumer would be sent where the tenant is not; this is a bug in \
                         miniogen: please report it with your site file",
                    )
                })
                .collect(),
        ));
    }
    Ok(Generated {
        manifests,
        fragments,
    })
}

/// Compiles a site file given as text, with the built-in tier for `ccu`, into the YAML stream
/// `miniogen gen --ccu CCU --config NAME` prints: one stream per environment the site file
/// describes (in name order), or one when it describes none. The whole load, check, plan, render,
/// post and cross-check path runs, without touching files or the environment; `key` stands for
/// the master key of `derived` mode. This is the entry point of the fuzz target and the property
/// tests.
pub fn compile_site(
    name: &str,
    text: &str,
    ccu: u32,
    key: Option<&credentials::MasterKey>,
) -> Result<Vec<String>, Failure> {
    let site = source::Document::parse(source::Source {
        name: name.into(),
        text: text.into(),
    })
    .map_err(Failure::Invalid)?;
    let problems = decode::check_document(schema::Kind::Site, &site);
    if !problems.is_empty() {
        return Err(Failure::Invalid(problems));
    }
    let names = decode::environments(&site);
    let environments: Vec<Option<String>> = if names.is_empty() {
        vec![None]
    } else {
        names.into_iter().map(Some).collect()
    };
    let (tier, _) = load::select_tier(&CcuArg::flag(ccu)).map_err(|d| Failure::Invalid(vec![d]))?;
    let site = Arc::new(site);
    let mut streams = Vec::new();
    for environment in environments {
        let inputs = Inputs {
            profile: load::builtin_document(tier)?.into(),
            site: Some(Arc::clone(&site)),
            sets: Vec::new(),
            requested_ccu: Some(ccu),
            environment,
        };
        let (plan, _) = checked_plan(&inputs)?;
        let key = match (plan.secrets.mode, key) {
            (spec::SecretsMode::Derived, None) => {
                return Err(Failure::Fatal(
                    "secrets mode `derived` needs a master key".into(),
                ));
            }
            (spec::SecretsMode::Derived, key) => key,
            _ => None,
        };
        streams.push(sink::stream(&generated_with(&plan, key)?.manifests)?);
    }
    Ok(streams)
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

/// A checked plan and what goes with it.
struct Compiled {
    plan: plan::Plan,
    notes: Vec<Diagnostic>,
    /// The comment that opens every generated file: what it was generated from.
    header: String,
}

/// Compiles the one environment that `gen` to stdout, `plan` and `secrets` render.
fn compile_one(args: &Request) -> Result<Compiled, Failure> {
    let shared = shared(args)?;
    let env = one_environment(args, shared.site.as_deref())?;
    compile(args, &shared, env)
}

/// What every environment of one run shares: the site file and a custom profile, each read and
/// checked against its schema once.
struct Shared {
    site: Option<Arc<Document>>,
    profile: Option<Arc<Document>>,
}

/// Reads and checks the documents every environment shares. Built-in profiles are not checked
/// here: a test proves each conforms, and they cannot change after the build.
fn shared(args: &Request) -> Result<Shared, Failure> {
    let site = load::site_document(args.config.as_deref())?;
    let profile = args
        .profile
        .as_deref()
        .map(load::read_document)
        .transpose()?;
    let mut problems = Vec::new();
    if let Some(profile) = &profile {
        problems.extend(decode::check_document(schema::Kind::Profile, profile));
    }
    if let Some(site) = &site {
        problems.extend(decode::check_document(schema::Kind::Site, site));
    }
    if !problems.is_empty() {
        return Err(Failure::Invalid(problems));
    }
    Ok(Shared {
        site: site.map(Arc::new),
        profile: profile.map(Arc::new),
    })
}

/// The environment `gen` to stdout and `plan` render: the one named, or none when the site file
/// has none; a site file with several needs `--env`.
fn one_environment(args: &Request, site: Option<&Document>) -> Result<Option<String>, Failure> {
    if args.env.is_some() {
        return Ok(args.env.clone());
    }
    let names = site.map(decode::environments).unwrap_or_default();
    if names.is_empty() {
        Ok(None)
    } else {
        let how = match args.surface {
            Surface::CommandLine => {
                "choose one with `--env NAME`, or write them all with `gen --out DIR`"
            }
            Surface::ArgoCd => "choose one with the `env` parameter",
        };
        Err(Failure::Fatal(format!(
            "the site file describes the environments {}: {how}",
            names.join(", ")
        )))
    }
}

/// The environments `gen --out` and `check` handle, each with its folder: `DIR` for a site file
/// without environments or with `--env`, `DIR/<name>` for each environment otherwise.
fn targets(
    args: &Request,
    site: Option<&Document>,
    dir: &std::path::Path,
) -> Vec<(Option<String>, std::path::PathBuf)> {
    let names = site.map(decode::environments).unwrap_or_default();
    if args.env.is_some() || names.is_empty() {
        return vec![(args.env.clone(), dir.to_path_buf())];
    }
    names
        .into_iter()
        .map(|name| (Some(name.clone()), dir.join(name)))
        .collect()
}

/// The CCU the site file asks for when the request does not: the environment's `ccu`, else the
/// shared one.
fn site_ccu(site: Option<&Document>, env: Option<&str>) -> Option<CcuArg> {
    let site = site?;
    let shared = "/ccu".to_string();
    let pointers = env
        .map(|e| format!("/environments/{}/ccu", source::escape_pointer(e)))
        .into_iter()
        .chain(std::iter::once(shared));
    pointers.into_iter().find_map(|pointer| {
        let value = site
            .value
            .pointer(&pointer)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())?;
        Some(CcuArg {
            value,
            shown: format!("ccu = {value}"),
            location: site.locate(&pointer, false),
        })
    })
}

/// Loads, checks and plans the inputs of `gen`, `check` and `plan` for one environment.
fn compile(
    args: &Request,
    shared: &Shared,
    environment: Option<String>,
) -> Result<Compiled, Failure> {
    let mut notes = Vec::new();
    let site = shared.site.clone();
    let ccu = args
        .ccu
        .clone()
        .or_else(|| site_ccu(site.as_deref(), environment.as_deref()));
    let profile = match (&shared.profile, &ccu) {
        (Some(profile), _) => Arc::clone(profile),
        (None, Some(ccu)) => {
            let (tier, note) = load::select_tier(ccu).map_err(|d| Failure::Invalid(vec![d]))?;
            notes.extend(note);
            load::builtin_document(tier)?.into()
        }
        (None, None) => {
            return Err(Failure::Fatal(match args.surface {
                Surface::CommandLine => {
                    "give `--ccu N` or `--profile PATH`, or set `ccu` in the site file".into()
                }
                Surface::ArgoCd => {
                    format!("set the `ccu` parameter, or `ccu` in `{}`", load::SITE_FILE)
                }
            }));
        }
    };
    let inputs = Inputs {
        profile,
        site,
        sets: args.sets.clone(),
        requested_ccu: ccu.as_ref().map(|c| c.value),
        environment,
    };
    let (plan, warnings) = checked_plan(&inputs)?;
    notes.extend(warnings);
    let mut sources = vec![inputs.profile.source.name.clone()];
    sources.extend(
        inputs
            .site
            .iter()
            .map(|s| format!("site file {}", s.source.name)),
    );
    sources.extend(
        inputs
            .environment
            .iter()
            .map(|e| format!("environment {e}")),
    );
    sources.extend(inputs.sets.iter().map(|s| format!("--set {}", s.text)));
    let header = format!(
        "Generated by miniogen from {}. Change the inputs, not this file.",
        sources.join(", ")
    );
    if let (Some(asked), true) = (args.ccu.as_ref().map(|c| c.value), args.profile.is_some())
        && asked > plan.tier.ccu
    {
        return Err(Failure::Invalid(vec![
            Diagnostic::error(format!(
                "`--ccu {asked}` is more than the profile serves ({} CCU)",
                plan.tier.ccu
            ))
            .at(Some(inputs.profile.locate("/ccu", false)))
            .key("ccu")
            .help("raise `ccu` and the sizing in the profile, or leave out `--ccu`"),
        ]));
    }
    Ok(Compiled {
        plan,
        notes,
        header,
    })
}

/// Decodes, checks the rules and plans; warnings come back beside the plan.
fn checked_plan(inputs: &Inputs) -> Result<(plan::Plan, Vec<Diagnostic>), Failure> {
    let spec = decode::decode(inputs).map_err(Failure::Invalid)?;
    let diagnostics = rules::check(&spec, &Locator::new(inputs));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Failure::Invalid(diagnostics));
    }
    Ok((plan::plan(&spec), diagnostics))
}
