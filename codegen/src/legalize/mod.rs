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

use crate::ir::{CallConv, ExtFuncData, ExternalName, FuncCursor, FuncRef, InstBuilder, LibCall, Value};
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
