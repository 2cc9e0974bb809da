//! miniogen compiles a CCU sizing profile and a site file into the Kubernetes manifests of a
//! distributed MinIO tenant.
//!
//! The pipeline, one module per stage: `load` (read inputs) → `source` (TOML with spans) →
//! `schema` (JSON Schema check) → `decode` (typed, layered `Spec`) → `rules` (what schemas cannot
//! say) → `plan` (all arithmetic) → `render` (templates) → `post` (parse back through
//! `readback`, check, order) → `crosscheck` (every consumer reference resolved) → `sink`
//! (write). `pipeline` runs the stages for one environment, `commands` says what each subcommand
//! does with them, and `run` maps how a run ended to an exit code: 0 success, 1 invalid input or
//! drift, 2 usage, IO or a bug in miniogen (`failure` says which is which).

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
mod failure;
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

pub use crate::failure::{Bug, Failure, Usage};
pub use crate::pipeline::compile_site;

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
        Err(Failure::Usage(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Bug(bug)) => {
            eprint!("{}", bug.report());
            ExitCode::from(2)
        }
    }
}
