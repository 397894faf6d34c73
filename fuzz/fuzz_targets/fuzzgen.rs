//! Fuzz target `fuzzgen`: the bytes become a random valid program (`lathe_fuzzgen::gen`,
//! `Config::jit`) and argument sets; the interpreter and x86-64 native code must agree at
//! `opt_level=none` and `speed` with the regalloc2 checker on. The check lives in
//! `lathe_fuzzgen::check::check_jit_bytes`; a `Mismatch` becomes a crash with its report.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(m) = lathe_fuzzgen::check::check_jit_bytes(data) {
        panic!("{m}");
    }
});
