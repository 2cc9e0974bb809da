//! Reading what the user gives: the command line (`cli`), Argo CD's variables (`argocd`), profiles, site files and `--set`
//! (`load`), TOML with the span of every key (`source`), YAML users may have written (`yaml`) and
//! the inputs an output folder records (`recorded`). The only input IO besides `output`'s reads
//! of its own folders.

pub mod argocd;
pub mod cli;
pub mod load;
pub mod recorded;
pub mod source;
pub mod yaml;
