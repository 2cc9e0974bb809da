//! The `miniogen` binary: everything happens in the library's `run`.

// Why mimalloc, and why without huge pages: Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    miniogen::run(std::env::args_os())
}
