//! miniogen compiles a CCU sizing profile and a site file into the Kubernetes manifests of a
//! distributed MinIO tenant.
//!
//! One folder per stage, each importing only the stages before it (`tests/stages.rs` holds the
//! order): `model` (the spec types, credentials, quantities, diagnostics) → `input` (reading
//! files, the command line, Argo CD's variables, `--set`, recorded inputs) → `check` (schema,
//! names, decode) → `plan` (rules and all arithmetic, the operator's model) → `render`
//! (templates, read back) → `post` (checked, ordered objects, the cross-check) → `output`
//! (stream, folder, reports) → `app` (the one pipeline, the commands and `run`).

pub mod app;
pub mod check;
pub mod input;
pub mod model;
pub mod output;
pub mod plan;
pub mod post;
pub mod render;

pub use crate::app::{Bug, Failure, Usage, compile_site, compile_site_with, grow_edit, run};
