//! Links the `miniogen` binary for a fast start on Linux: position-dependent, and in a release
//! build with its hot code gathered.
//!
//! A position-independent (PIE) Rust binary of this size carries about 21,000 relocations that
//! the dynamic loader applies on every start, dirtying the pages they touch; miniogen runs on
//! every commit and every Argo CD refresh, and as a PIE it spent a third of a `gen` there
//! (`bench/run`: 5.2 ms against 3.6 ms). The code stays position-independent; only the final
//! link fixes the executable's own address, so ASLR still moves the stack, heap and libraries.
//!
//! A `gen` executes about 1 MiB of the binary's 7 MiB of code, and a short process pays a page
//! fault for every page of code it touches: spread out, that was 70 faults, a tenth of a `gen`.
//! The linker places the functions `bench/hot-symbols.txt` lists first and together (about 20
//! faults); `bench/hot-symbols` writes that list from a profile. Only the layout changes, never
//! the code. Only LLD reads the list: x86_64-unknown-linux-gnu's default linker since Rust 1.90.
//!
//! Only the binary is linked this way: tests, build scripts and proc macros are untouched.

fn main() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let linux = var("CARGO_CFG_TARGET_OS") == "linux";
    // A static build through RUSTFLAGS (`-C target-feature=+crt-static`) is a static PIE that
    // relocates itself; `-no-pie` would leave it pointing at a dynamic loader it does not have.
    // The release build (`deploy/argocd/Dockerfile`) gives its flags to the binary alone with
    // `cargo rustc`, which this script does not see, together with `-C relocation-model=static`:
    // a static executable that is not a PIE, for which `-no-pie` is right.
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if linux && !static_crt {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    // Release builds only: a debug binary's names differ, and tests need no layout. Only where
    // rustc links with LLD: GNU ld, which an older toolchain or an opt-out
    // (`-C linker-features=-lld` in RUSTFLAGS) links with, would refuse the option.
    let lld = var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && !var("CARGO_ENCODED_RUSTFLAGS").contains("linker-features=-lld")
        && rustc_minor(&var("RUSTC")).is_some_and(|minor| minor >= 90);
    let list = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("bench/hot-symbols.txt");
    if linux && lld && var("PROFILE") == "release" && list.exists() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            list.display()
        );
    }
    println!("cargo:rerun-if-changed=bench/hot-symbols.txt");
    println!("cargo:rerun-if-changed=build.rs");
}

/// The minor version of the Rust compiler at `rustc` (95 for `rustc 1.95.0 (...)`): LLD is
/// x86_64-unknown-linux-gnu's default linker since 1.90, and Cargo.toml allows 1.89.
fn rustc_minor(rustc: &str) -> Option<u32> {
    let out = std::process::Command::new(rustc).arg("-V").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let (major, rest) = text.split_whitespace().nth(1)?.split_once('.')?;
    if major != "1" {
        return None;
    }
    rest.split('.').next()?.parse().ok()
}
