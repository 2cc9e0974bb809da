//! The application: the one pipeline every command, the Argo CD plugin and the fuzz target run
//! (`pipeline`), what each subcommand does with it (`commands`; `check` and `grow` in modules of
//! their own), what applying a render does to a running tenant (`applying`) and what `gen --out`
//! and `check` refuse over a folder (`guard`), how a run ends (`failure`) and
//! `run`, which turns that into output and an exit code: 0 success, 1 invalid input or drift, 2
//! usage, IO or a bug in miniogen. The only stage that may import every other one.

mod applying;
pub mod argocd;
mod check;
mod commands;
pub mod failure;
mod grow;
mod guard;
pub mod init;
pub mod parallel;
pub(crate) mod pipeline;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser as _;

use crate::input::cli::Cli;
use crate::output::{sink, terminal};

pub use self::failure::{Bug, Failure, Usage};
pub use self::grow::grow_edit;
pub use self::pipeline::{compile_site, compile_site_with};

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
            // An error quotes the argument it refused, which may hold anything; help and the
            // version hold only our text.
            if e.use_stderr() {
                terminal::eprint(&e.render().to_string());
            } else {
                let _ = e.print();
            }
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match commands::execute(cli.command) {
        Ok(notes) => {
            terminal::eprint(&terminal::diagnostics(&notes));
            ExitCode::SUCCESS
        }
        Err(Failure::Invalid(diagnostics)) => {
            terminal::eprint(&terminal::diagnostics(&diagnostics));
            ExitCode::from(1)
        }
        Err(Failure::Drift {
            report,
            summary,
            notes,
        }) => {
            let _ = sink::print(&report);
            terminal::eprint(&terminal::diagnostics(&notes));
            terminal::eprint_error(&summary);
            ExitCode::from(1)
        }
        Err(Failure::Changed { report, summary }) => {
            terminal::eprint(&report);
            terminal::eprint_error(&summary);
            ExitCode::from(1)
        }
        Err(Failure::Usage(e)) => {
            terminal::eprint_error(&e.to_string());
            ExitCode::from(2)
        }
        Err(Failure::Bug(bug)) => {
            terminal::eprint(&bug.report());
            ExitCode::from(2)
        }
    }
}
