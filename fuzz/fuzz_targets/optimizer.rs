//! Fuzz target `optimizer`: the bytes become a random valid program with every scalar type
//! (`Config::interpreter`) and argument sets; the interpreter must give the same outcome
//! before and after the mid-end, whose output must verify. The check lives in
//! `lathe_fuzzgen::check::check_optimizer_bytes`; a `Mismatch` becomes a crash with its
//! report.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(m) = lathe_fuzzgen::check::check_optimizer_bytes(data) {
        panic!("{m}");
    }
});
