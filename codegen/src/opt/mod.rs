//! The mid-end: rewrites that make a function simpler without changing what it computes.
//!
//! [`optimize`] is the pipeline: [`simplify`] (the ISLE rules of `simplify.isle`:
//! constant folding and algebraic identities), then alias resolution, then
//! [`hoist_loop_invariants`] (`licm.rs`: invariant instructions out of loops, before value
//! numbering so that the copies hoisted from sibling blocks merge), then
//! [`number_values`] (`gvn.rs`: pure instructions computed again in dominated code), then
//! [`eliminate_redundant_loads`] (`memory.rs`: redundant loads and store-to-load
//! forwarding over alias classes), then [`rematerialize_constants`] (`remat.rs`: each
//! block gets its own copy of the constants it uses, so none is live across a loop),
//! then [`eliminate_dead_code`], then [`sink_to_block_ends`] (`sink.rs`: pure
//! instructions whose results the rest of their block does not use move to its end, where
//! they keep no operand's register from the code before). Input and output are verified IR; the interpreter gives the same
//! results before and after (the `test optimize` filetests check this).
//!
//! Invariant: no rewrite removes a trap or a side effect.

mod bytes;
mod context;
mod divide;
mod fold;
mod gvn;
mod hash;
mod licm;
mod memory;
mod remat;
mod sink;

pub use gvn::number_values;
pub use licm::hoist_loop_invariants;
pub use memory::eliminate_redundant_loads;
pub use remat::rematerialize_constants;
pub use sink::sink_to_block_ends;

use crate::ir::{Function, Value};
use context::OptCtx;

/// The Rust generated from `prelude.isle`, `simplify.isle` and the generated opcode terms.
#[allow(missing_docs, clippy::all, unused_imports, unreachable_code)]
mod isle {
    use crate::ir::types::I8;
    use crate::ir::{FloatCC, IntCC, MemFlags, Opcode, StackSlot, Type, Value};
    use crate::isle_view::InstData;
    include!(concat!(env!("OUT_DIR"), "/isle_opt.rs"));
}

/// The canonical form of an immediate of type `ty`: its low bits, sign-extended to 64.
pub fn canonical_imm(ty: crate::ir::Type, k: i64) -> i64 {
    fold::canonical(ty, k)
}

/// What a run of the optimizer did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OptStats {
    /// Instructions replaced by a simpler value.
    pub simplified: usize,
    /// Instructions moved out of loops.
    pub hoisted: usize,
    /// Pure instructions replaced by an equal dominating one.
    pub numbered: usize,
    /// Loads replaced by an earlier load's or store's value.
    pub loads: usize,
    /// Dead instructions removed.
    pub removed: usize,
    /// Instructions moved to the end of their block.
    pub sunk: usize,
}

/// Runs the mid-end pipeline on `func`.
pub fn optimize(func: &mut Function) -> OptStats {
    optimize_observed(func, |_, _| {})
}

/// [`optimize`], calling `observe` with each pass's name and the function after it
/// (`lathe explain` shows the ones that changed it).
pub fn optimize_observed(func: &mut Function, mut observe: impl FnMut(&'static str, &Function)) -> OptStats {
    let simplified = simplify(func);
    resolve_aliases(func);
    observe("simplify", func);
    // From here on no pass adds, removes or retargets a branch (LICM moves instructions
    // into existing preheaders; value numbering, redundant loads and dead code removal
    // remove instructions without side effects; remat copies constants), so one CFG and
    // dominator tree serve them all. Only the tree's instruction numbering goes stale
    // when LICM moves instructions, and is redone then.
    let cfg = crate::flowgraph::ControlFlowGraph::with_function(func);
    let mut domtree = crate::dominator_tree::DominatorTree::with_function(func, &cfg);
    let hoisted = licm::hoist_loop_invariants_in(func, &cfg, &domtree);
    if hoisted > 0 {
        domtree.renumber_insts(func);
    }
    observe("licm", func);
    let numbered = gvn::number_values_in(func, &domtree);
    if numbered > 0 {
        resolve_aliases(func);
    }
    observe("gvn", func);
    let loads = memory::eliminate_redundant_loads_in(func, &cfg, &domtree);
    if loads > 0 {
        resolve_aliases(func);
    }
    observe("redundant loads", func);
    rematerialize_constants(func);
    observe("remat constants", func);
    let removed = eliminate_dead_code(func);
    observe("dce", func);
    let sunk = sink_to_block_ends(func);
    observe("sink", func);
    OptStats { simplified, hoisted, numbered, loads, removed, sunk }
}

/// Applies the simplification rules to every single-result instruction, in layout order.
/// A simplified instruction is removed and its result becomes an alias of the simpler
/// value. Returns how many instructions were simplified.
pub fn simplify(func: &mut Function) -> usize {
    let mut count = 0;
    let blocks: Vec<_> = func.layout.blocks().collect();
    for block in blocks {
        let mut next = func.layout.first_inst(block);
        while let Some(inst) = next {
            next = func.layout.next_inst(inst);
            let [result] = *func.dfg.inst_results(inst) else { continue };
            let simpler = {
                let mut ctx = OptCtx::new(func, inst);
                isle::constructor_simplify(&mut ctx, result)
            };
            if let Some(v) = simpler.filter(|&v| func.dfg.resolve_aliases(v) != result) {
                func.dfg.replace_results_with_aliases(inst, &[v]);
                func.layout.remove_inst(inst);
                count += 1;
            }
        }
    }
    count
}

/// Rewrites every operand that is an alias to the value it stands for.
pub fn resolve_aliases(func: &mut Function) {
    // The layout is only read and the instructions only written: walk it in place rather
    // than collecting each block's instructions first (one allocation per block).
    let (layout, dfg) = (&func.layout, &mut func.dfg);
    for block in layout.blocks() {
        for inst in layout.block_insts(block) {
            dfg.resolve_aliases_in(inst);
        }
    }
}

/// Removes instructions without side effects whose results are unused, until none is left.
/// Returns how many were removed.
pub fn eliminate_dead_code(func: &mut Function) -> usize {
    let mut uses = vec![0u32; func.dfg.num_values()];
    let mut scratch: Vec<Value> = Vec::new();
    let blocks: Vec<_> = func.layout.blocks().collect();
    for &block in &blocks {
        for inst in func.layout.block_insts(block) {
            scratch.clear();
            func.dfg.inst_values_into(inst, &mut scratch);
            for &v in &scratch {
                let v = func.dfg.resolve_aliases(v);
                if let Some(n) = uses.get_mut(v.as_u32() as usize) {
                    *n += 1;
                }
            }
        }
    }
    let mut removed = 0;
    loop {
        let mut changed = false;
        for &block in blocks.iter().rev() {
            let mut cur = func.layout.last_inst(block);
            while let Some(inst) = cur {
                cur = func.layout.prev_inst(inst);
                let op = func.dfg.insts[inst].opcode();
                if op.has_side_effects() || op.can_load() {
                    continue;
                }
                let dead = func.dfg.inst_results(inst).iter().all(|v| uses.get(v.as_u32() as usize) == Some(&0));
                if !dead {
                    continue;
                }
                scratch.clear();
                func.dfg.inst_values_into(inst, &mut scratch);
                for &v in &scratch {
                    let v = func.dfg.resolve_aliases(v);
                    if let Some(n) = uses.get_mut(v.as_u32() as usize) {
                        *n = n.saturating_sub(1);
                    }
                }
                func.layout.remove_inst(inst);
                removed += 1;
                changed = true;
            }
        }
        if !changed {
            return removed;
        }
    }
}

/// The mid-end's rules (`src/opt/*.isle`) and how often each fired (see
/// [`crate::rule_coverage`]).
pub fn rule_set() -> crate::rule_coverage::RuleSet {
    crate::rule_coverage::isle_rule_set!("mid-end", isle)
}
