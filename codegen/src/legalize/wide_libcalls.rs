//! Library calls for platforms whose C convention passes 128-bit integers in memory
//! (s390x: an `__int128` argument by reference, an `__int128` result through a hidden
//! pointer), shared by the ISAs that need it.
//!
//! [`LibCall::signature`](crate::ir::LibCall::signature) passes each `i128` operand as two
//! `i64` arguments (low half first) and returns an `i128` as two `i64` results, which is
//! how x86-64, aarch64 and riscv64 C compilers pass `__int128` too. On a platform where
//! they do not, this pass (run after [`legalize`](super::legalize)) rewrites every call of
//! a routine with such halves: the routine's signature takes and returns `i128` values
//! (the ABI layer then passes them as the platform does), the halves are joined with
//! `iconcat` before the call and the result split with `isplit` after it.
//!
//! Input: a legalized function. Output: `None` when it calls no such routine, else a
//! rewritten copy (the halves' values keep their numbers, as aliases).

use crate::ir::types::{I64, I128};
use crate::ir::{AbiParam, ExternalName, FuncCursor, Function, Inst, InstBuilder, InstructionData, Value};

/// The calls of library routines with `i128` halves in their signatures.
fn wide_calls(f: &Function) -> Vec<Inst> {
    let is_wide = |inst: Inst| match f.dfg.insts[inst] {
        InstructionData::Call { func_ref, .. } => f.dfg.ext_funcs.get(func_ref).is_some_and(|ext| {
            matches!(ext.name, ExternalName::LibCall(_))
                && f.dfg
                    .signatures
                    .get(ext.signature)
                    .is_some_and(|s| s.params.iter().chain(&s.returns).any(|p| p.value_type == I64))
        }),
        _ => false,
    };
    f.layout.blocks().flat_map(|b| f.layout.block_insts(b)).filter(|&i| is_wide(i)).collect()
}

/// Pairs of `i64`s (in order) become one `i128`; other types stay.
fn join_halves(params: &[AbiParam]) -> Vec<AbiParam> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < params.len() {
        if params[k].value_type == I64 && params.get(k + 1).is_some_and(|p| p.value_type == I64) {
            out.push(AbiParam::new(I128));
            k += 2;
        } else {
            out.push(params[k]);
            k += 1;
        }
    }
    out
}

/// Rewrites the calls of routines with `i128` halves (see the module docs).
pub fn join_i128_libcall_halves(func: &Function) -> Option<Function> {
    if wide_calls(func).is_empty() {
        return None;
    }
    let mut f = func.clone();
    // The routines' signatures, rewritten once each (calls share an imported signature);
    // the original of each is kept to read the calls' halves.
    let mut originals = std::collections::HashMap::new();
    for inst in wide_calls(&f) {
        let InstructionData::Call { func_ref, .. } = f.dfg.insts[inst] else { continue };
        let sig_ref = f.dfg.ext_funcs[func_ref].signature;
        let old_sig = originals
            .entry(sig_ref)
            .or_insert_with(|| {
                let old = f.dfg.signatures[sig_ref].clone();
                let sig = &mut f.dfg.signatures[sig_ref];
                sig.params = join_halves(&old.params);
                sig.returns = join_halves(&old.returns);
                old
            })
            .clone();
        let args: Vec<Value> = f.dfg.inst_args(inst).to_vec();
        let srcloc = f.srclocs[inst];
        let mut pos = FuncCursor::new(&mut f);
        pos.goto_inst(inst);
        pos.set_srcloc(srcloc);
        let mut joined = Vec::new();
        let mut k = 0;
        while k < args.len() {
            let wide =
                old_sig.params[k].value_type == I64 && old_sig.params.get(k + 1).is_some_and(|p| p.value_type == I64);
            if wide {
                joined.push(pos.ins().iconcat(args[k], args[k + 1]));
                k += 2;
            } else {
                joined.push(args[k]);
                k += 1;
            }
        }
        let call = pos.ins().call(func_ref, &joined);
        let new_results: Vec<Value> = pos.func.dfg.inst_results(call).to_vec();
        let mut results = Vec::new();
        for r in new_results {
            if pos.func.dfg.value_type(r) == I128 {
                let (lo, hi) = pos.ins().isplit(r);
                results.extend([lo, hi]);
            } else {
                results.push(r);
            }
        }
        f.dfg.replace_results_with_aliases(inst, &results);
        f.layout.remove_inst(inst);
    }
    Some(f)
}
