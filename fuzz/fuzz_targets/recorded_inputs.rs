//! The inputs an output folder records (`.miniogen-state.json`'s `inputs`), read back as `check
//! --out DIR` reads them, then compiled against a site file with environments and consumers.
//!
//! Whatever the record says, the run must not panic; a record it refuses must be refused as
//! invalid input with a message; one it accepts must never choose secrets mode `derived` (which
//! would render credentials with the master key of whoever runs `check`; no key is given, so a
//! record that chose it would end in "needs a master key"), and must compile to output that
//! parses back, or be refused as invalid input, never as an internal failure.

#![no_main]

use libfuzzer_sys::fuzz_target;
use miniogen::input::recorded::Recorded;
use miniogen::{Failure, Usage};

/// A site file with environments and a consumer, so that recorded `--set`s and `--env` have
/// something to reach.
const SITE: &str = r#"ccu = 100
[consumers.loki]
access_key = "loki"
secret = "minio-loki"
buckets = { synapse-media = "read" }
[environments.staging]
namespace = "staging"
[environments.production]
ccu = 5000
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(recorded) = serde_json::from_str::<Recorded>(text) else {
        return;
    };
    let request = match recorded.request(std::path::Path::new("out/.miniogen-state.json")) {
        Ok(request) => request,
        Err(problems) => {
            assert!(!problems.is_empty(), "refused without a message");
            let _ = miniogen::model::diag::render_all(&problems);
            return;
        }
    };
    let ccu = request.ccu.as_ref().map_or(100, |c| c.value);
    let env = request.env.clone().or_else(|| Some("staging".into()));
    match miniogen::compile_site_with("site.toml", SITE, ccu, &request.sets, env.as_deref(), None) {
        Ok(streams) => {
            for stream in &streams {
                let parsed: Result<Vec<serde_json::Value>, _> = serde_saphyr::from_multiple(stream);
                if let Err(e) = parsed {
                    panic!("the output does not parse back: {e}\n{stream}");
                }
            }
        }
        Err(Failure::Invalid(problems)) => {
            assert!(!problems.is_empty(), "refused without a message");
            let _ = miniogen::model::diag::render_all(&problems);
        }
        Err(Failure::Usage(Usage::NoMasterKey)) => {
            panic!("a recorded input chose secrets mode `derived`: {text}")
        }
        Err(other) => panic!("internal failure on a recorded input: {other:?}"),
    }
});
