//! The whole load, check, plan, render and post path on arbitrary site files.
//!
//! The first byte picks the built-in tier, the rest is the site file. Whatever the input, the
//! run must not panic; an input the compiler accepts must give a stream that parses back and is
//! the same on a second run; an input it refuses must be refused as invalid input, with at least
//! one located message, never with an internal failure (a template or YAML error means a value
//! reached the templates that the checks should have refused).

#![no_main]

use libfuzzer_sys::fuzz_target;
use miniogen::Failure;
use miniogen::model::credentials::MasterKey;

const TIERS: [u32; 5] = [100, 1000, 5000, 10000, 20000];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let ccu = TIERS[usize::from(first) % TIERS.len()];
    let key = MasterKey::new(b"miniogen-fuzz-key-0123456789abcdefghij").ok();
    match miniogen::compile_site("fuzz.toml", text, ccu, key.as_ref()) {
        Ok(streams) => {
            for stream in &streams {
                let parsed: Result<Vec<serde_json::Value>, _> = serde_saphyr::from_multiple(stream);
                if let Err(e) = parsed {
                    panic!("the output does not parse back: {e}\n{stream}");
                }
            }
            let again = miniogen::compile_site("fuzz.toml", text, ccu, key.as_ref());
            assert!(
                matches!(&again, Ok(s) if *s == streams),
                "a second run gave other output"
            );
        }
        Err(Failure::Invalid(diagnostics)) => {
            assert!(!diagnostics.is_empty(), "refused without a message");
            let _ = miniogen::model::diag::render_all(&diagnostics);
        }
        Err(other) => panic!("internal failure on user input: {other:?}"),
    }
});
