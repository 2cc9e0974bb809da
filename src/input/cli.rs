//! The command line: clap's definitions and nothing else.
//!
//! Flags that stand for a site key (`--namespace`) are turned into `--set` overrides by `lib`,
//! so that one mechanism layers every override.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compiles a CCU sizing profile into the Kubernetes manifests of a distributed MinIO tenant.
#[derive(Debug, Parser)]
// Later options win over earlier ones, so that hook arguments (`args: [--out, DIR]`) can replace
// the defaults a hook's entry sets.
#[command(
    name = "miniogen",
    version,
    about,
    max_term_width = 100,
    args_override_self = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every manifest of the tenant as one YAML stream, or write them to a folder.
    #[command(mut_arg("env", |a| a.help(ENV_FOLDER_HELP)))]
    Gen {
        /// The inputs.
        #[command(flatten)]
        inputs: Inputs,
        /// Write one file per object and a `kustomization.yaml` to this folder instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// With `--out`: overwrite files edited by hand or not written by miniogen.
        #[arg(long, requires = "out")]
        force: bool,
        /// With `--out`: allow a change to an existing pool that the operator can only apply by
        /// destroying the pool and its data.
        #[arg(long, requires = "out")]
        accept_pool_rebuild: bool,
        /// With `--out` and secrets mode `derived`: write the credentials in plain text, to
        /// files only their owner can read. Never commit such a folder.
        #[arg(long, requires = "out")]
        write_plaintext_credentials: bool,
        /// With `--out`: `json` prints, for each folder, what applying the new render makes MinIO
        /// Operator do (which pools restart, and why) on stdout, for CI.
        #[arg(long, value_enum, default_value_t = Format::Table, requires = "out")]
        format: Format,
        /// With `--out`: exit 1 when anything was written, as a pre-commit hook must (it sees
        /// only changes to tracked files, not new ones).
        #[arg(long, requires = "out")]
        fail_on_change: bool,
    },
    /// Check that an output folder holds exactly what `gen --out` would write; no git needed.
    ///
    /// Without inputs, renders again from the inputs `gen --out` recorded in the folder.
    #[command(mut_arg("env", |a| a.help(ENV_FOLDER_HELP)))]
    Check {
        /// The inputs.
        #[command(flatten)]
        inputs: Inputs,
        /// The folder to check.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Output format: `json` prints each folder's findings and what applying the fresh
        /// render makes MinIO Operator do, for CI. The exit code is the same either way.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write a starter site file with every key, its documentation and its default.
    ///
    /// Every setting is commented out but for `ccu`. Never overwrites a file.
    Init {
        /// Concurrent users to size for, written as the file's `ccu`.
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        ccu: String,
        /// Where to write it.
        #[arg(long, value_name = "PATH", default_value = "miniogen.toml")]
        config: PathBuf,
    },
    /// Print the erasure layout, capacity and disruption budget the manifests are built on.
    Plan {
        /// The inputs.
        #[command(flatten)]
        inputs: Inputs,
        /// `table` for people, or `json`: the whole plan, for scripts.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also compare the pools with those this output folder holds: which are kept, added
        /// or leave, and the capacity before and after (table format only).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Grow without touching the pools that exist: write into the site file the change that
    /// reaches the tier of `--ccu` (or of the site file's `ccu`), the existing pools pinned as
    /// they are and a new pool sized to make up the usable capacity. Then run `gen`.
    Grow {
        /// The inputs; `--ccu` is the tier to grow to.
        #[command(flatten)]
        inputs: Inputs,
        /// The output folder whose Tenant holds the pools to keep; without it, the pools the
        /// site file renders now.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the site file as it would be written instead of writing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the Secrets the manifests reference and the keys each holds, for the secrets mode
    /// chosen; with `existing`, the Secrets you must create. Never prints a credential.
    Secrets {
        /// The inputs.
        #[command(flatten)]
        inputs: Inputs,
        /// `table` for people, or `json`: the same Secrets and keys, for scripts.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the consumer fragments (Synapse's `media_storage_providers` and pod wiring,
    /// CloudNativePG's Cluster stanzas) that `gen --out DIR` writes to `DIR/consumers/`. They
    /// are never part of the manifests `gen` prints.
    Consumers {
        /// The inputs.
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Print the built-in scaling table with computed capacity.
    Profiles {
        /// Print one built-in profile's TOML instead, to start a custom profile from.
        #[arg(long, value_name = "CCU")]
        show: Option<u32>,
    },
    /// Run as an Argo CD config-management plugin (`deploy/argocd/plugin.yaml`), in the
    /// Application's folder, with Argo CD's parameters and `plugin.env` as input.
    Argocd {
        /// What the plugin does.
        #[command(subcommand)]
        command: ArgocdCommand,
    },
    /// Print the JSON Schemas of the profile and site files.
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Site)]
        kind: SchemaKind,
        /// Write both schemas to `schema/` in the working directory instead (for developers).
        #[arg(long)]
        write: bool,
    },
}

/// What the Argo CD plugin runs.
#[derive(Debug, Subcommand)]
pub enum ArgocdCommand {
    /// Print the manifests, as `gen` with the Application's parameters (`PARAM_*`,
    /// `ARGOCD_APP_PARAMETERS`) and `plugin.env` (`ARGOCD_ENV_*`) as flags.
    Generate,
    /// Print the parameters announcement (JSON), with the site file's values as defaults.
    Parameters,
}

/// The inputs of `gen` and `plan`.
#[derive(Debug, Default, Args)]
pub struct Inputs {
    /// Concurrent users to size for; picks the smallest built-in tier that serves them.
    // Text, checked by `load`: a negative or unreadable count is invalid input (exit 1) with a
    // located message, like one above the largest tier, not a usage error.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub ccu: Option<String>,
    /// A custom sizing profile (TOML) instead of a built-in tier.
    #[arg(long, value_name = "PATH")]
    pub profile: Option<PathBuf>,
    /// The site file; `miniogen.toml` in the working directory when present.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Namespace of the tenant (same as `--set namespace=NS`).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// StorageClass of the volumes (same as `--set tenant.storage_class=NAME`).
    #[arg(long, value_name = "NAME")]
    pub storage_class: Option<String>,
    /// Override one site key, such as `--set sizing.volume_size=1Ti`; repeatable, applied last.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Where credentials come from: `external-secrets`, `vault-placeholders`, `derived` or
    /// `existing` (same as `--set secrets.mode=MODE`).
    #[arg(long, value_name = "MODE")]
    pub secrets_mode: Option<String>,
    /// The environment of the site file (`[environments.NAME]`) to render; needed when the site
    /// file describes any.
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
}

/// What `--env` means where an output folder holds every environment (`gen --out`, `check`).
const ENV_FOLDER_HELP: &str = "The environment of the site file (`[environments.NAME]`) to \
    render. With `--out DIR`, its folder is `DIR/NAME` as without `--env`, which writes or \
    checks every environment";

/// How `plan` and `secrets` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable report.
    Table,
    /// JSON, for scripts; never holds a credential value.
    Json,
}

/// Which schema `schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The site file (`miniogen.toml`).
    Site,
    /// A sizing profile.
    Profile,
}
