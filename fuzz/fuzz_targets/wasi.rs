//! Fuzz target `wasi`: sequences of WASI calls with arbitrary arguments, and guest memory
//! the fuzzer fills, against a fresh granted scratch directory and a listening socket:
//! no host panic, and nothing outside the granted directory read or changed. The check
//! lives in `lathe_fuzzgen::check_wasi`. Run with `-close_fd_mask=3`: the calls write to
//! the standard streams.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(m) = lathe_fuzzgen::check_wasi(data) {
        panic!("{m}");
    }
});
