//! The backends without vector lowering refuse vector code cleanly: every function of the
//! `filetests/cases/interpret/vector/` files, compiled for aarch64, riscv64 and s390x (at
//! `opt_level=none` and `speed`), either compiles or fails with
//! `CodegenError::Unsupported`; never a panic nor any other error.
//!
//! The functions of those files take and return vectors, which the calling conventions
//! refuse before any instruction is lowered. So each instruction is also compiled alone,
//! in a probe function with a scalar signature (`fn(p: i64)`): its operands are loaded
//! from `p`, its scalar results stored back to `p`. That drives every vector opcode
//! through the mid-end (at `speed`) and, where lowering reaches it, through instruction
//! selection: instructions are lowered last to first and a pure instruction only when
//! its result is used, so an opcode with a scalar result (`vhigh_bits`, `extractlane`,
//! ...) or a load (`uload8x8`, ..., whose vector result is left unused) is lowered
//! itself, while one with a vector result is refused at the store of that result.

use lathe_codegen::ir::{Function, Inst, InstructionData, Opcode};
use lathe_codegen::isa::lookup_by_name;
use lathe_codegen::result::CodegenError;
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_codegen::text::{display_inst, parse_functions, parse_test_file};
use lathe_filetests::collect_files;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// The ISAs whose vector lowering is not done; each must refuse, not miscompile.
const ISAS: &[&str] = &["aarch64", "riscv64", "s390x"];

/// Whether `inst` can be copied into a probe on its own: no block, stack slot, global
/// value or function references, and not control flow.
fn probeable(func: &Function, inst: Inst) -> bool {
    let data = &func.dfg.insts[inst];
    let op = data.opcode();
    let refers_elsewhere = matches!(
        data,
        InstructionData::StackLoad { .. }
            | InstructionData::StackStore { .. }
            | InstructionData::UnaryGlobalValue { .. }
            | InstructionData::FuncAddr { .. }
    );
    let control = op.is_terminator() || op.is_call() || op.is_branch();
    !refers_elsewhere && !control && op != Opcode::Nop
}

/// A function with a scalar signature that runs `inst` of `func` alone (see the module
/// docs). Value numbers are kept; the pointer is the first number past `func`'s values.
fn probe(func: &Function, inst: Inst) -> String {
    let dfg = &func.dfg;
    let p = format!("v{}", dfg.num_values());
    let mut body = String::new();
    let mut slot = 0;
    let mut seen = Vec::new();
    for &v in dfg.inst_args(inst) {
        if !seen.contains(&v) {
            seen.push(v);
            body.push_str(&format!("    {v} = load.{} notrap {p}+{}\n", dfg.value_type(v), 16 * slot));
            slot += 1;
        }
    }
    body.push_str(&format!("    {}\n", display_inst(func, inst)));
    for &r in dfg.inst_results(inst) {
        // A load is lowered even when unused; leaving its vector result alone makes the
        // backend lower the load itself rather than refuse the store first.
        if dfg.value_type(r).is_vector() && dfg.insts[inst].opcode().can_load() {
            continue;
        }
        body.push_str(&format!("    store notrap {r}, {p}+{}\n", 16 * slot));
        slot += 1;
    }
    format!("function %probe(i64) {{\nblock0({p}: i64):\n{body}    return\n}}\n")
}

/// Compiles `func` for `isa` at `opt`; `None` when that is acceptable, else what went wrong.
fn check(func: &Function, isa: &str, opt: OptLevel) -> Option<String> {
    let flags = Flags { opt_level: opt, ..Flags::default() };
    let target = match lookup_by_name(isa).map(|b| b.with_flags(flags).finish()) {
        Ok(Ok(t)) => t,
        _ => return Some(format!("no {isa} target")),
    };
    // A panic is caught and reported by the test; keep its message out of the way.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| lathe_codegen::isa::compile(func, target.as_ref())));
    std::panic::set_hook(hook);
    match result {
        Ok(Ok(_)) | Ok(Err(CodegenError::Unsupported(_))) => None,
        Ok(Err(e)) => Some(format!("error other than unsupported: {e}")),
        Err(_) => Some("panicked".into()),
    }
}

#[test]
fn backends_without_vector_lowering_refuse_vector_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/interpret/vector");
    let files = collect_files(std::slice::from_ref(&dir)).expect("the vector cases folder is readable");
    assert!(!files.is_empty(), "no files under {}", dir.display());
    let mut failures = Vec::new();
    let mut compiled = 0;
    for path in &files {
        let source = std::fs::read_to_string(path).expect("readable file");
        let file = parse_test_file(&source).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for tf in &file.functions {
            let func = &tf.function;
            let mut units = vec![(format!("{}", func.name), func.clone())];
            for block in func.layout.blocks() {
                for inst in func.layout.block_insts(block).filter(|&i| probeable(func, i)) {
                    let text = probe(func, inst);
                    let mut parsed =
                        parse_functions(&text).unwrap_or_else(|e| panic!("probe does not parse: {e}\n{text}"));
                    units.push((format!("{} `{}`", func.name, display_inst(func, inst)), parsed.remove(0)));
                }
            }
            for (what, unit) in &units {
                for isa in ISAS {
                    for opt in [OptLevel::None, OptLevel::Speed] {
                        compiled += 1;
                        if let Some(why) = check(unit, isa, opt) {
                            failures.push(format!("{}: {what} on {isa} ({opt:?}): {why}", path.display()));
                        }
                    }
                }
            }
        }
    }
    assert!(compiled > 0);
    assert!(failures.is_empty(), "{} of {compiled} compilations went wrong:\n{}", failures.len(), failures.join("\n"));
}
