//! Integration tests: one binary (see `Cargo.toml`), one module per concern.
