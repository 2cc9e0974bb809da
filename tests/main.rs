//! Integration tests: one binary (see `Cargo.toml`), one module per concern. Every test here
//! runs the real `miniogen` binary.

mod access;
mod argocd;
mod cli;
mod conformance;
mod consumers;
mod daytwo;
mod faults;
mod flux;
mod folder;
mod golden;
mod hostile;
mod hostile_folder;
mod init;
mod li_sync;
mod limits;
mod operator;
mod precommit;
mod properties;
mod races;
mod readme;
mod schemas;
mod secrets;
mod site;
mod stages;
mod support;
mod terminal;
mod watch;
