//! miniogen compiles a CCU sizing profile and a site file into the Kubernetes manifests of a
//! distributed MinIO tenant.
//!
//! The pipeline, one module per stage: `load` (read inputs) → `source` (TOML with spans) →
//! `schema` (JSON Schema check) → `decode` (typed, layered `Spec`) → `rules` (what schemas cannot
//! say) → `plan` (all arithmetic) → `render` (templates) → `post` (parse back, check, order) →
//! `sink` (write). `run` wires them and maps failures to exit codes: 0 success, 1 invalid input,
//! 2 usage, IO or internal failure.

pub mod cli;
pub mod credentials;
pub mod decode;
pub mod diag;
pub mod erasure;
pub mod load;
pub mod names;
pub mod plan;
pub mod post;
pub mod quantity;
pub mod render;
pub mod report;
pub mod rules;
pub mod schema;
pub mod sink;
pub mod source;
pub mod spec;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command, Format, Inputs as CliInputs, SchemaKind};
use crate::decode::{Inputs, Locator};
use crate::diag::Diagnostic;
use crate::load::{LoadError, SetArg};

/// How a run ended.
#[derive(Debug)]
pub enum Failure {
    /// The input is wrong; every diagnostic is reported (exit 1).
    Invalid(Vec<Diagnostic>),
    /// Usage, IO or internal failure (exit 2).
    Fatal(String),
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
        Err(Failure::Fatal(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs one command; on success returns the warnings and notes to print.
fn execute(command: Command) -> Result<Vec<Diagnostic>, Failure> {
    match command {
        Command::Gen(inputs) => {
            let (plan, notes) = compile(&inputs)?;
            let rendered = render::render(&plan).map_err(|e| Failure::Fatal(e.to_string()))?;
            let manifests = post::assemble(&rendered).map_err(|e| Failure::Fatal(e.to_string()))?;
            let text = sink::stream(&manifests).map_err(|e| Failure::Fatal(e.to_string()))?;
            sink::print(&text).map_err(|e| Failure::Fatal(e.to_string()))?;
            Ok(notes)
        }
        Command::Plan { inputs, format } => {
            let (plan, notes) = compile(&inputs)?;
            let text = match format {
                Format::Table => report::plan_table(&plan),
                Format::Json => report::plan_json(&plan),
            };
            sink::print(&text).map_err(|e| Failure::Fatal(e.to_string()))?;
            Ok(notes)
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
                        profile: load::builtin_document(builtin)?,
                        site: None,
                        sets: Vec::new(),
                        requested_ccu: None,
                    };
                    plans.push(checked_plan(&inputs)?.0);
                }
                report::profiles_table(&plans)
            };
            sink::print(&text).map_err(|e| Failure::Fatal(e.to_string()))?;
            Ok(Vec::new())
        }
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
            sink::print(kind.committed()).map_err(|e| Failure::Fatal(e.to_string()))?;
            Ok(Vec::new())
        }
    }
}

/// Loads, checks and plans the inputs of `gen` and `plan`.
fn compile(args: &CliInputs) -> Result<(plan::Plan, Vec<Diagnostic>), Failure> {
    let mut notes = Vec::new();
    let profile = match (&args.profile, args.ccu) {
        (Some(path), _) => load::read_document(path)?,
        (None, Some(ccu)) => {
            let (tier, note) = load::select_tier(ccu).map_err(|d| Failure::Invalid(vec![d]))?;
            notes.extend(note);
            load::builtin_document(tier)?
        }
        (None, None) => return Err(Failure::Fatal("give `--ccu N` or `--profile PATH`".into())),
    };
    let site = load::site_document(args.config.as_deref())?;
    let mut sets = Vec::new();
    let mut bad = Vec::new();
    let flags = [
        args.namespace.as_ref().map(|v| format!("namespace={v:?}")),
        args.storage_class
            .as_ref()
            .map(|v| format!("tenant.storage_class={v:?}")),
    ];
    for text in flags.into_iter().flatten().chain(args.set.iter().cloned()) {
        match SetArg::parse(&text) {
            Ok(set) => sets.push(set),
            Err(d) => bad.push(d),
        }
    }
    if !bad.is_empty() {
        return Err(Failure::Invalid(bad));
    }
    let inputs = Inputs {
        profile,
        site,
        sets,
        requested_ccu: args.ccu,
    };
    let (plan, warnings) = checked_plan(&inputs)?;
    notes.extend(warnings);
    if let (Some(asked), true) = (args.ccu, args.profile.is_some()) {
        if asked > plan.tier.ccu {
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
    }
    Ok((plan, notes))
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
