//! Fuzz target `isle`: arbitrary bytes into the ISLE compiler: never a panic. The check
//! lives in `lathe_fuzzgen::check_isle`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(m) = lathe_fuzzgen::check_isle(data) {
        panic!("{m}");
    }
});
