//! Shared legalization: IR-to-IR rewrites that do not depend on an ISA. Input and output
//! are verified IR (the pipeline driver, `machinst/compile.rs`, checks the output with
//! `enable_verifier`).
//!
//! - `br_table.rs`: `br_table` as a search tree of compares, which the driver runs when
//!   the settings ask for it (`enable_jump_tables=false`) or the ISA has no jump tables.
//! - `stack_limit.rs`: the `stack_limit` check as IR at the top of the entry block, which
//!   the driver runs for every function that declares one.
//! - `global_value.rs`: every `global_value` as the loads and adds of its chain.
//! - `native.rs`: rewrites of what an ISA cannot do natively (library calls, `i128`
//!   expansions on 64-bit halves, accesses in the other byte order), which the driver
//!   runs with the [`Native`] description an ISA's `LowerBackend::native` gives.
//! - `soft_float.rs`: `f16` and `f128` arithmetic, comparisons and conversions through
//!   `f32` and library calls, for ISAs that only keep those values in registers; runs
//!   before `native.rs`, which expands what it produces in turn.
//! - `wide_libcalls.rs`: library calls with `i128` operands for platforms whose C
//!   convention passes them in memory (s390x), run after `native.rs`.

mod br_table;
mod global_value;
mod native;
mod soft_float;
mod stack_limit;
mod wide_libcalls;

use crate::ir::{
    CallConv, ExtFuncData, ExternalName, FuncCursor, FuncRef, Function, Inst, InstBuilder, LibCall, Value,
};
use smallvec::SmallVec;
use std::collections::HashMap;

pub use br_table::{expand_br_tables, has_br_table};
pub use global_value::{expand_global_values, has_global_values};
pub use native::{Native, legalize};
pub use soft_float::soften_floats;
pub use stack_limit::{expand_stack_limit, has_stack_limit};
pub use wide_libcalls::join_i128_libcall_halves;

/// The library routines a function calls, each imported once (with
/// [`LibCall::signature`]) however many calls a pass adds.
#[derive(Default)]
struct LibCalls(HashMap<LibCall, FuncRef>);

impl LibCalls {
    /// Calls `call` with `args` at `pos` and returns its results.
    fn call(&mut self, pos: &mut FuncCursor<'_>, call: LibCall, args: &[Value]) -> SmallVec<[Value; 2]> {
        let fref = *self.0.entry(call).or_insert_with(|| {
            let signature = pos.func.import_signature(call.signature(CallConv::SystemV));
            pos.func.import_function(ExtFuncData { name: ExternalName::LibCall(call), signature, colocated: false })
        });
        let inst = pos.ins().call(fref, args);
        pos.func.dfg.inst_results(inst).iter().copied().collect()
    }
}

/// The driver of an expansion pass: while some instruction needs rewriting
/// (`classify`), up to `rounds` times, builds each one's replacement before it with
/// `expand` (at the cursor, with the instruction's source location, sharing one
/// [`LibCalls`]), makes the instruction's results aliases of the values `expand` returns,
/// and removes it. Each round rewrites what the previous one produced. `None` when
/// nothing needed rewriting (no copy is made).
fn rewrite_to_fixpoint<K: Copy>(
    func: &Function,
    rounds: usize,
    classify: impl Fn(&Function, Inst) -> Option<K>,
    mut expand: impl FnMut(&mut FuncCursor<'_>, &mut LibCalls, Inst, K) -> SmallVec<[Value; 2]>,
) -> Option<Function> {
    let needed = func.layout.blocks().any(|b| func.layout.block_insts(b).any(|i| classify(func, i).is_some()));
    if !needed {
        return None;
    }
    let mut f = func.clone();
    let mut libcalls = LibCalls::default();
    for _ in 0..rounds {
        let work: Vec<(Inst, K)> = f
            .layout
            .blocks()
            .flat_map(|b| f.layout.block_insts(b))
            .filter_map(|i| classify(&f, i).map(|k| (i, k)))
            .collect();
        if work.is_empty() {
            break;
        }
        for (inst, how) in work {
            let srcloc = f.srclocs[inst];
            let mut pos = FuncCursor::new(&mut f);
            pos.goto_inst(inst);
            pos.set_srcloc(srcloc);
            let results = expand(&mut pos, &mut libcalls, inst, how);
            if !results.is_empty() {
                f.dfg.replace_results_with_aliases(inst, &results);
            }
            f.layout.remove_inst(inst);
        }
    }
    Some(f)
}
