//! The `miniogen` binary: everything happens in the library's `run`.

fn main() -> std::process::ExitCode {
    miniogen::run(std::env::args_os())
}
