//! Writing: the YAML stream (`sink`), output folders swapped in whole (`folder`, `staging`,
//! `confine`), masked diffs (`mask`), plan and drift reports (`report`) and the audit of literal
//! credentials in a folder (`audit`). The only output IO.

pub mod audit;
pub mod confine;
pub mod folder;
pub mod mask;
pub mod report;
pub mod sink;
pub mod staging;
