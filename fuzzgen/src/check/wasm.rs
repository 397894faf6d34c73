//! The Wasm reader check: arbitrary bytes into the Wasm front end (parse, validate,
//! translate, compile). Invalid input must give an error; a panic is the finding.

use super::{Mismatch, Verdict};
use std::sync::OnceLock;

/// One engine for every check (the engine only holds the target and settings).
fn engine() -> &'static lathe_wasm::Engine {
    static ENGINE: OnceLock<lathe_wasm::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| lathe_wasm::Engine::new(lathe_wasm::Config::default()).expect("the host is supported"))
}

/// Feeds `bytes` to `Module::new`. Any `Ok` or `Err` is fine (the error is rendered, which
/// must not panic either).
pub fn check_wasm_reader(bytes: &[u8]) -> Result<Verdict, Mismatch> {
    match lathe_wasm::Module::new(engine(), bytes) {
        Ok(_) => {}
        Err(e) => {
            let _ = e.to_string();
        }
    }
    Ok(Verdict::Checked)
}
