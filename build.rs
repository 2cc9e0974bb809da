//! Links the `miniogen` binary as a position-dependent executable on Linux.
//!
//! A position-independent (PIE) Rust binary of this size carries about 21,000 relocations that
//! the dynamic loader applies on every start, dirtying the pages they touch; miniogen runs on
//! every commit and every Argo CD refresh, and as a PIE it spent a third of a `gen` there
//! (`bench/run`: 5.2 ms against 3.6 ms). The code stays position-independent; only the final
//! link fixes the executable's own address, so ASLR still moves the stack, heap and libraries.
//! Only the binary is linked this way: tests, build scripts and proc macros are untouched.

fn main() {
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    // A static build through RUSTFLAGS (`-C target-feature=+crt-static`) is a static PIE that
    // relocates itself; `-no-pie` would leave it pointing at a dynamic loader it does not have.
    // The release build (`deploy/argocd/Dockerfile`) gives its flags to the binary alone with
    // `cargo rustc`, which this script does not see, together with `-C relocation-model=static`:
    // a static executable that is not a PIE, for which `-no-pie` is right.
    let static_crt = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|features| features.split(',').any(|f| f == "crt-static"));
    if linux && !static_crt {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
