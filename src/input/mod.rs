//! Reading what the user gives: the command line (`cli`), Argo CD's variables (`argocd`),
//! profiles, site files, `--set` and the master key (`load`), TOML with the span of every key
//! (`source`), YAML users may have written (`yaml`) and the inputs an output folder records
//! (`recorded`). Nothing else reads the user's inputs; `output` reads back its own folders.

pub mod argocd;
pub mod cli;
pub mod load;
pub mod recorded;
pub mod source;
pub mod yaml;
