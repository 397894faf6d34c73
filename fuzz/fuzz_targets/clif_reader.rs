//! Fuzz target `clif_reader`: arbitrary bytes into the CLIF reader: never a panic; what
//! parses prints and parses back to the same text. The check lives in
//! `lathe_fuzzgen::check_reader`; a `Mismatch` becomes a crash with its report.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(m) = lathe_fuzzgen::check_reader(data) {
        panic!("{m}");
    }
});
