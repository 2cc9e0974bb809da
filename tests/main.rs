//! Integration tests: one binary (see `Cargo.toml`), one module per concern. Every test here
//! runs the real `miniogen` binary.

mod access;
mod cli;
mod conformance;
mod consumers;
mod folder;
mod golden;
mod precommit;
mod readme;
mod secrets;
mod support;
