//! Writing: the YAML stream (`sink`), output folders swapped in whole (`folder`, `staging`,
//! `confine`), masked diffs (`mask`), plan and drift reports (`report`), the audit of literal
//! credentials in a folder (`audit`) and the escaping of everything printed to a terminal
//! (`terminal`). Everything a render writes goes through here; `init` and `grow`, which write
//! the site file itself, are `app`'s.

pub mod audit;
pub mod confine;
pub mod folder;
pub mod mask;
pub mod report;
pub mod sink;
pub mod staging;
pub mod terminal;
