//! How a run ends when it does not succeed, by whose doing, in the manner of uv's error kinds:
//! the user's input (exit 1), drift an output folder shows (exit 1), the way miniogen was called
//! or the machine it runs on (usage and IO, exit 2), or a bug in miniogen (exit 2, asking for a
//! report). Each kind stays typed until `run` prints it; nothing here prints.

use std::path::PathBuf;

use thiserror::Error;

use crate::app::argocd;
use crate::input::load::{LoadError, Surface};
use crate::model::diag::Diagnostic;
use crate::output::{folder, sink, site};
use crate::post::{self, crosscheck};
use crate::render;

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
    /// The way miniogen was called, or the machine it runs on (exit 2).
    Usage(Usage),
    /// A bug in miniogen, never the user's input (exit 2).
    Bug(Bug),
}

/// A command that cannot run as called, or a file that cannot be read or written.
#[derive(Debug, Error)]
pub enum Usage {
    /// An input could not be read, or the command line is incomplete.
    #[error(transparent)]
    Load(LoadError),
    /// Output could not be written.
    #[error(transparent)]
    Sink(#[from] sink::SinkError),
    /// An output folder could not be written or read.
    #[error(transparent)]
    Folder(folder::FolderError),
    /// The output folder itself could not be written.
    #[error("{0}; nothing was written")]
    FolderUnwritten(folder::FolderError),
    /// A file in the output folder could not be written.
    #[error("cannot write the output folder `{}`, which is left as it was: {source}", .target.display())]
    FolderLeft {
        /// The output folder.
        target: PathBuf,
        /// The cause.
        source: folder::FolderError,
    },
    /// A file or folder could not be read or written.
    #[error("cannot {action} `{}`: {source}", .path.display())]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The site file could not be written, or must not be.
    #[error(transparent)]
    Site(#[from] site::SiteError),
    /// `profiles --show` names no tier.
    #[error("no built-in profile for {ccu} CCU; the tiers are {tiers}")]
    NoProfile {
        /// The CCU asked for.
        ccu: u32,
        /// The tiers there are, comma-separated.
        tiers: String,
    },
    /// A plaintext secrets mode, into a folder, without the opt-in.
    #[error(
        "secrets mode `{mode}` writes credentials in plain text, which must never land in Git; \
         pass `--write-plaintext-credentials` to write them to `{}` anyway (readable by you \
         only), or choose `external-secrets` or `vault-placeholders`",
        .target.display()
    )]
    Plaintext {
        /// The mode, as the site file names it.
        mode: String,
        /// The output folder.
        target: PathBuf,
    },
    /// The Argo CD parameters announcement could not be written.
    #[error("cannot write the announcement: {0}")]
    Announcement(serde_json::Error),
    /// No sizing: no CCU and no profile.
    #[error("{}", no_ccu(*.0))]
    NoCcu(Surface),
    /// `check` of a folder that records no inputs, given none.
    #[error(
        "`{}` records no inputs: give them as to `gen` (`--ccu N`, `--config PATH`, ...), or \
         run `gen --out` again to record them",
        .0.display()
    )]
    NotRecorded(PathBuf),
    /// The site file is not TOML that `grow` can edit. The message only: the parser's whole
    /// report would quote the file.
    #[error(
        "cannot edit `{}` as TOML: {}",
        .path.display(),
        crate::model::diag::excerpt(first_line(.source.message()), 200)
    )]
    EditToml {
        /// The site file.
        path: PathBuf,
        /// The cause.
        source: toml_edit::TomlError,
    },
    /// `grow` cannot put the pools into the site file (named first) for the reason given.
    #[error("cannot edit `{}`: {}", .0.display(), .1)]
    Edit(PathBuf, String),
    /// `grow` without a tier to grow to or a folder to grow from, for the environment and
    /// folder given.
    #[error(
        "{0}: `grow` needs the tier to grow to (`--ccu N`), or `--out DIR` with the folder \
         whose Tenant holds the pools to keep"
    )]
    GrowNeedsTier(String),
    /// The tier's profile could not be read back for `grow`, for the environment and folder
    /// given.
    #[error("{0}: cannot read the profile of the tier")]
    TierProfile(String),
    /// `derived` mode without a master key.
    #[error("secrets mode `derived` needs a master key")]
    NoMasterKey,
    /// A site file with environments, and none chosen.
    #[error("the site file describes the environments {}: {}", .names.join(", "), choose_env(*.surface))]
    ChooseEnvironment {
        /// The environments.
        names: Vec<String>,
        /// Where the user gives inputs.
        surface: Surface,
    },
    /// A stream Argo CD must not apply.
    #[error(transparent)]
    NoTenant(#[from] argocd::NoTenant),
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn no_ccu(surface: Surface) -> String {
    match surface {
        Surface::CommandLine => {
            "give `--ccu N` or `--profile PATH`, or set `ccu` in the site file".into()
        }
        Surface::ArgoCd => format!(
            "set the `ccu` parameter, or `ccu` in `{}`",
            crate::input::load::SITE_FILE
        ),
    }
}

fn choose_env(surface: Surface) -> &'static str {
    match surface {
        Surface::CommandLine => {
            "choose one with `--env NAME`, or write them all with `gen --out DIR`"
        }
        Surface::ArgoCd => "choose one with the `env` parameter",
    }
}

/// A bug in miniogen: what it generated, or how it went about it, is wrong whatever the input.
#[derive(Debug, Error)]
pub enum Bug {
    /// A template failed.
    #[error(transparent)]
    Render(#[from] render::RenderError),
    /// A template produced an invalid object.
    #[error(transparent)]
    Post(#[from] post::PostError),
    /// A consumer would be sent where the tenant is not.
    #[error("{} cross-check mismatches", .0.len())]
    CrossCheck(Vec<crosscheck::Mismatch>),
    /// An output folder was written without its lock.
    #[error("`{}` was not locked; please report this", .0.display())]
    Unlocked(PathBuf),
    /// `grow`'s edit of the site file does not give the pools it proposed.
    #[error(
        "the edited site file does not render the proposed pools for {scope}; nothing was \
         written: this is a bug in miniogen, please report it with your site file"
    )]
    Grow {
        /// The environment and folder.
        scope: String,
    },
}

impl Bug {
    /// What `run` prints for it on stderr: a diagnostic for each cross-check mismatch, else one
    /// `error:` line.
    #[must_use]
    pub fn report(&self) -> String {
        match self {
            Bug::CrossCheck(mismatches) => {
                let diagnostics: Vec<Diagnostic> = mismatches
                    .iter()
                    .map(|m| {
                        Diagnostic::error(format!("cross-check: {m}")).help(
                            "a consumer would be sent where the tenant is not; this is a bug in \
                             miniogen: please report it with your site file",
                        )
                    })
                    .collect();
                crate::model::diag::render_all(&diagnostics)
            }
            other => format!("error: {other}\n"),
        }
    }
}

impl From<Usage> for Failure {
    fn from(e: Usage) -> Self {
        Failure::Usage(e)
    }
}

impl From<Bug> for Failure {
    fn from(e: Bug) -> Self {
        Failure::Bug(e)
    }
}

impl From<render::RenderError> for Failure {
    fn from(e: render::RenderError) -> Self {
        Failure::Bug(e.into())
    }
}

impl From<post::PostError> for Failure {
    fn from(e: post::PostError) -> Self {
        Failure::Bug(e.into())
    }
}

impl From<sink::SinkError> for Failure {
    fn from(e: sink::SinkError) -> Self {
        Failure::Usage(e.into())
    }
}

impl From<site::SiteError> for Failure {
    fn from(e: site::SiteError) -> Self {
        Failure::Usage(e.into())
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
            other => Failure::Usage(Usage::Folder(other)),
        }
    }
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Invalid(d) => Failure::Invalid(d),
            other => Failure::Usage(Usage::Load(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cross-check mismatch is our bug: it is reported as the diagnostics it always was, and
    /// asks for a report.
    #[test]
    fn a_cross_check_failure_is_a_bug_that_asks_for_a_report() {
        let bug = Bug::CrossCheck(vec![crosscheck::Mismatch {
            output: "ConfigMap `x`".into(),
            at: "/data/y".into(),
            message: "`z` is not a URL".into(),
        }]);
        let report = bug.report();
        assert!(
            report.starts_with("error: cross-check: ConfigMap `x` at `/data/y`: `z` is not a URL"),
            "{report}"
        );
        assert!(
            report.contains("please report it with your site file"),
            "{report}"
        );
        let unlocked = Bug::Unlocked("out".into()).report();
        assert_eq!(
            unlocked,
            "error: `out` was not locked; please report this\n"
        );
    }

    /// Usage errors keep the messages they had as strings.
    #[test]
    fn usage_messages() {
        assert_eq!(
            Usage::NoCcu(Surface::CommandLine).to_string(),
            "give `--ccu N` or `--profile PATH`, or set `ccu` in the site file"
        );
        assert_eq!(
            Usage::ChooseEnvironment {
                names: vec!["a".into(), "b".into()],
                surface: Surface::ArgoCd
            }
            .to_string(),
            "the site file describes the environments a, b: choose one with the `env` parameter"
        );
        assert_eq!(
            Usage::Plaintext {
                mode: "derived".into(),
                target: "out".into()
            }
            .to_string(),
            "secrets mode `derived` writes credentials in plain text, which must never land in \
             Git; pass `--write-plaintext-credentials` to write them to `out` anyway (readable \
             by you only), or choose `external-secrets` or `vault-placeholders`"
        );
    }
}
