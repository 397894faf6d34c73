//! Fuzz target `wasm_reader`: arbitrary bytes into the Wasm front end (parse, validate,
//! translate, compile): an error for invalid input, never a panic. The check lives in
//! `lathe_fuzzgen::check_wasm_reader`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(m) = lathe_fuzzgen::check_wasm_reader(data) {
        panic!("{m}");
    }
});
