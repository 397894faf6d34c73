//! Fuzz target `fuzzgen_aarch64`: the bytes become a random valid program (`Config::jit`)
//! and argument sets, as for `fuzzgen`; the program is compiled for aarch64, linked with the
//! cross-run driver by `aarch64-linux-gnu-gcc` and run under `qemu-aarch64` (one program per
//! optimisation level: `none`, `speed` and `baseline`, the baseline tier; every argument
//! set in it), and must agree with the interpreter. The
//! check is `lathe_fuzzgen::check::check_target_bytes`; a `Mismatch` becomes a crash with
//! its report, and missing cross tools stop the run naming the Debian packages. Each input
//! starts qemu three times, so expect a few executions per second.

#![no_main]

use lathe_fuzzgen::CrossTarget;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn target() -> &'static CrossTarget {
    static TARGET: OnceLock<CrossTarget> = OnceLock::new();
    TARGET.get_or_init(|| CrossTarget::new("aarch64").unwrap_or_else(|e| panic!("{e}")))
}

fuzz_target!(|data: &[u8]| {
    if let Err(m) = lathe_fuzzgen::check::check_target_bytes(data, target()) {
        panic!("{m}");
    }
});
