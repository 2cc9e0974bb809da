//! What the other stages share: the site and profile types and their defaults (`spec`),
//! quantities, diagnostics, digests, the MinIO advisories table and credential values. No IO,
//! and no import of any other stage.

pub mod advisories;
pub mod credentials;
pub mod diag;
pub mod digest;
pub mod quantity;
pub mod spec;
