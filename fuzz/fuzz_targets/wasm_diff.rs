//! Fuzz target `wasm_diff`: a `wasm-smith` module is run by Lathe and by `wasmi`, and every
//! exported function must give the same results or the same kind of trap. The check lives
//! in `lathe_fuzzgen::check_wasm_diff` (its module docs say what is compared and what is
//! skipped); this wrapper panics on a mismatch and now and then prints how many modules
//! were compared, so a run shows that it is not skipping everything.

#![no_main]

use lathe_fuzzgen::Verdict;
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

static RUNS: AtomicU64 = AtomicU64::new(0);
static CHECKED: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|data: &[u8]| {
    match lathe_fuzzgen::check_wasm_diff(data) {
        Ok(Verdict::Checked) => {
            CHECKED.fetch_add(1, Relaxed);
        }
        Ok(Verdict::Skipped(_)) => {}
        Err(m) => panic!("{m}"),
    }
    let runs = RUNS.fetch_add(1, Relaxed) + 1;
    if runs.is_power_of_two() {
        eprintln!("wasm_diff: {runs} inputs, {} modules compared", CHECKED.load(Relaxed));
    }
});
