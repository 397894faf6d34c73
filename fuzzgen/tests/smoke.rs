//! Smoke tests: every checker on a few thousand fixed seeds, so CI runs the fuzzers'
//! checks without nightly. A failure prints the seed and the reproducer; rerun one seed by
//! changing `FIRST_SEED`/the counts locally, or feed `seed_bytes(seed, LEN)` to the
//! checker in a unit test.

use lathe_fuzzgen::check::{check_jit_bytes, check_optimizer_bytes, check_target_bytes, check_wasm_diff};
use lathe_fuzzgen::seed::{mutate, seed_bytes};
use lathe_fuzzgen::{
    Config, CrossTarget, Verdict, arbitrary, check_isle, check_reader, check_wasm_reader, generate_program,
};
use std::collections::BTreeMap;

/// Bytes per generated program: enough that the generator rarely runs out.
const LEN: usize = 4096;

/// Programs per generated-program checker.
const SEEDS: u64 = 3000;

/// Modules for the Wasm differential check (each is compiled by Lathe and run by both).
const WASM_SEEDS: u64 = 3000;

/// Counts verdicts; panics with the seed and the reproducer on a mismatch.
#[derive(Default)]
struct Tally {
    checked: usize,
    skipped: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, seed: u64, r: Result<Verdict, lathe_fuzzgen::Mismatch>) {
        match r {
            Ok(Verdict::Checked) => self.checked += 1,
            Ok(Verdict::Skipped(why)) => {
                // Group reasons by their first words so the summary stays short.
                let key: String = why.split_whitespace().take(8).collect::<Vec<_>>().join(" ");
                *self.skipped.entry(key).or_default() += 1;
            }
            Err(m) => panic!("seed {seed}: {m}"),
        }
    }

    fn skipped(&self) -> usize {
        self.skipped.values().sum()
    }

    fn report(&self, name: &str) {
        eprintln!("{name}: {} checked, {} skipped", self.checked, self.skipped());
        for (why, n) in &self.skipped {
            eprintln!("  {n:5} {why}");
        }
    }
}

#[test]
fn interpreter_and_jit_agree_on_generated_programs() {
    let mut tally = Tally::default();
    for seed in 0..SEEDS {
        tally.add(seed, check_jit_bytes(&seed_bytes(seed, LEN)));
    }
    tally.report("interp vs jit");
    // The backend compiles every scalar opcode and type, so nearly every program is
    // compared; a drop means an opcode became unsupported.
    assert!(tally.checked * 100 >= SEEDS as usize * 99, "only {} of {SEEDS} programs were compared", tally.checked);
}

/// Programs for each cross check: each builds two programs (one per optimisation level)
/// with the cross gcc and runs them under qemu, about a second a seed.
const CROSS_SEEDS: u64 = 8;

/// The interpreter and `arch`'s code under qemu agree on every seed's program.
fn cross_check(arch: &str) {
    // Missing tools fail the test (naming the Debian packages): CI installs them.
    let target = CrossTarget::new(arch).unwrap_or_else(|e| panic!("{e}"));
    let mut tally = Tally::default();
    for seed in 0..CROSS_SEEDS {
        tally.add(seed, check_target_bytes(&seed_bytes(seed, LEN), &target));
    }
    tally.report(&format!("interp vs {arch}"));
    assert_eq!(tally.checked, CROSS_SEEDS as usize, "every seed's program is compared");
}

#[test]
fn interpreter_and_aarch64_under_qemu_agree_on_generated_programs() {
    cross_check("aarch64");
}

#[test]
fn interpreter_and_s390x_under_qemu_agree_on_generated_programs() {
    cross_check("s390x");
}

#[test]
fn interpreter_and_riscv64_under_qemu_agree_on_generated_programs() {
    cross_check("riscv64");
}

#[test]
fn optimizer_keeps_outcomes_of_generated_programs() {
    let mut tally = Tally::default();
    for seed in 0..SEEDS {
        tally.add(seed, check_optimizer_bytes(&seed_bytes(seed, LEN)));
    }
    tally.report("optimizer");
    assert!(tally.checked * 10 >= SEEDS as usize * 9, "only {} of {SEEDS} programs were compared", tally.checked);
}

#[test]
fn reader_round_trips_generated_and_mutated_text() {
    let mut tally = Tally::default();
    let cfg = Config::interpreter();
    for seed in 0..1000 {
        let bytes = seed_bytes(seed, LEN);
        let mut u = arbitrary::Unstructured::new(&bytes);
        let program = generate_program(&mut u, &cfg).expect("the generator never fails on data");
        let text = program.to_clif();
        // The printed program round-trips, and so (or fails cleanly) do mutations of it.
        tally.add(seed, check_reader(text.as_bytes()));
        for k in 0..3 {
            tally.add(seed, check_reader(&mutate(text.as_bytes(), seed * 3 + k)));
        }
        tally.add(seed, check_reader(&bytes[..64 + (seed as usize % 256)]));
    }
    tally.report("reader");
    assert_eq!(tally.skipped(), 0);
}

#[test]
fn isle_compiler_survives_mutated_rule_files() {
    let opt = [include_str!("../../codegen/src/opt/prelude.isle"), include_str!("../../codegen/src/opt/simplify.isle")]
        .concat();
    let sources: [&str; 3] = [
        &opt,
        include_str!("../../codegen/src/isa/x64/lower/lower.isle"),
        include_str!("../../isle/tests/diagnostics/arity.isle"),
    ];
    let mut tally = Tally::default();
    for seed in 0..600u64 {
        let base = sources[seed as usize % sources.len()];
        tally.add(seed, check_isle(&mutate(base.as_bytes(), seed)));
        tally.add(seed, check_isle(&seed_bytes(seed, 16 + seed as usize % 200)));
    }
    tally.report("isle");
    assert_eq!(tally.skipped(), 0);
}

#[test]
fn wasm_reader_survives_mutated_modules() {
    let sources: [&[u8]; 3] = [
        include_bytes!("../../examples/hello.wasm"),
        include_bytes!("../../examples/mandelbrot.wasm"),
        include_bytes!("../../examples/primes.wasm"),
    ];
    let mut tally = Tally::default();
    for seed in 0..300u64 {
        let base = sources[seed as usize % sources.len()];
        tally.add(seed, check_wasm_reader(&mutate(base, seed)));
        let mut random = b"\0asm\x01\0\0\0".to_vec();
        random.extend(seed_bytes(seed, 8 + seed as usize % 300));
        tally.add(seed, check_wasm_reader(&random));
    }
    tally.report("wasm_reader");
    assert_eq!(tally.skipped(), 0);
}

#[test]
fn lathe_and_wasmi_agree_on_generated_modules() {
    let mut tally = Tally::default();
    for seed in 0..WASM_SEEDS {
        tally.add(seed, check_wasm_diff(&seed_bytes(seed, 1024 + (seed as usize % 4) * 1024)));
    }
    tally.report("wasm_diff");
    // Most seeds make a module with something to call; fewer than half compared means the
    // generator configuration or the front end has drifted.
    assert!(tally.checked * 2 >= WASM_SEEDS as usize, "only {} of {WASM_SEEDS} modules were compared", tally.checked);
}

#[test]
fn wasi_calls_never_panic_or_reach_outside() {
    let mut tally = Tally::default();
    for seed in 0..300u64 {
        tally.add(seed, lathe_fuzzgen::check_wasi(&seed_bytes(seed, 256 + (seed as usize % 8) * 256)));
    }
    tally.report("wasi");
    assert_eq!(tally.skipped(), 0);
}
