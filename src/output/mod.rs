//! Writing: the YAML stream (`sink`), output folders swapped in whole (`folder`, `staging`,
//! `confine`), masked diffs (`mask`), plan and drift reports (`report`), the audit of literal
//! credentials in a folder (`audit`), the site file `init` and `grow` write (`site`), and the
//! escaping of everything printed to a terminal (`terminal`). Everything miniogen writes goes
//! through here, but `schema --write`, a developer command.

pub mod audit;
pub mod confine;
pub mod folder;
pub mod mask;
pub mod report;
pub mod sink;
pub mod site;
pub mod staging;
pub mod terminal;
