//! miniogen compiles a CCU sizing profile and a site file into the Kubernetes manifests of a
//! distributed MinIO tenant.
//!
//! The pipeline, one module per stage: `load` (read inputs) → `source` (TOML with spans) →
//! `schema` (JSON Schema check) → `decode` (typed, layered `Spec`) → `rules` (what schemas cannot
//! say) → `plan` (all arithmetic) → `render` (templates) → `post` (parse back through
//! `readback`, check, order) → `crosscheck` (every consumer reference resolved) → `sink`
//! (write). `pipeline` runs the stages for one environment, `commands` says what each subcommand
//! does with them, and `run` maps how a run ended to an exit code: 0 success, 1 invalid input or
//! drift, 2 usage, IO or internal failure.

pub mod access;
pub mod advisories;
pub mod argocd;
pub mod cli;
mod commands;
pub mod confine;
pub mod credentials;
pub mod crosscheck;
pub mod daytwo;
pub mod decode;
pub mod diag;
pub mod digest;
pub mod erasure;
pub mod folder;
pub mod init;
pub mod load;
pub mod mask;
pub mod names;
pub mod operator;
pub mod outputs;
pub mod parallel;
mod pipeline;
pub mod plan;
pub mod post;
pub mod quantity;
pub mod readback;
pub mod recorded;
pub mod render;
pub mod report;
pub mod requests;
pub mod rules;
pub mod schema;
pub mod sink;
pub mod source;
pub mod spec;
pub mod staging;
pub mod transition;
pub mod yaml;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::Cli;
use crate::diag::Diagnostic;
use crate::load::LoadError;

pub use crate::pipeline::compile_site;

/// How a run ended.
#[derive(Debug)]
pub enum Failure {
    /// The input is wrong; every diagnostic is reported (exit 1).
    Invalid(Vec<Diagnostic>),
    /// An output folder is not what a fresh render gives (exit 1): the report (findings and
    /// diffs) goes to stdout, then the notes (such as what applying the change restarts) and
    /// the summary (what changed, what to run) to stderr.
    Drift {
        /// Every finding.
        report: String,
        /// What changed and how to regenerate.
        summary: String,
        /// The render's warnings and notes, such as what applying the change restarts.
        notes: Vec<Diagnostic>,
    },
    /// An output folder holds what `gen --out` will not overwrite or a change the caller must
    /// see (exit 1): report and summary go to stderr.
    Changed {
        /// Every change, or the notes of the run.
        report: String,
        /// What happened and what to do.
        summary: String,
    },
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
                Failure::Changed {
                    report: String::new(),
                    summary: e.to_string(),
                }
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
    match commands::execute(cli.command) {
        Ok(notes) => {
            eprint!("{}", diag::render_all(&notes));
            ExitCode::SUCCESS
        }
        Err(Failure::Invalid(diagnostics)) => {
            eprint!("{}", diag::render_all(&diagnostics));
            ExitCode::from(1)
        }
        Err(Failure::Drift {
            report,
            summary,
            notes,
        }) => {
            let _ = sink::print(&report);
            eprint!("{}", diag::render_all(&notes));
            eprintln!("error: {summary}");
            ExitCode::from(1)
        }
        Err(Failure::Changed { report, summary }) => {
            eprint!("{report}");
            eprintln!("error: {summary}");
            ExitCode::from(1)
        }
        Err(Failure::Fatal(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
