//! The fix-ups [`FunctionBuilder::finish`](crate::FunctionBuilder::finish) applies to the
//! finished function, after SSA construction and before the optional verifier.
//!
//! 1. Alias resolution: removed trivial parameters live on as aliases; every operand and
//!    branch argument is rewritten to the value its alias chain ends at, so later stages
//!    never see an alias.
//! 2. Unreachable cycles: in reachable code a trivial parameter's unique other argument
//!    dominates it, but in a loop that nothing enters it can be computed from the
//!    parameter itself, and removing the parameter leaves an instruction that uses its own
//!    result (`v4 = iadd_imm v4, 1`). So in each block not reachable from the entry, an
//!    operand defined by an instruction of an unreachable block must be defined earlier
//!    in the same block; any other such operand is replaced by a zero of its type at the
//!    top of the block. Nothing can observe values in unreachable code, so this changes no
//!    behaviour; reachable blocks are never touched.

use crate::ssa::zero_value;
use lathe_codegen::entity::SecondaryMap;
use lathe_codegen::ir::{Block, Function, Inst, Type, Value, ValueDef};

/// Rewrites operands that name aliases (see the module docs).
pub(crate) fn resolve_all_aliases(func: &mut Function) {
    let mut block = func.layout.entry_block();
    while let Some(b) = block {
        block = func.layout.next_block(b);
        let mut next = func.layout.first_inst(b);
        while let Some(inst) = next {
            next = func.layout.next_inst(inst);
            func.dfg.resolve_aliases_in(inst);
        }
    }
}

/// The blocks reachable from the entry block along branch destinations.
fn reachable_blocks(func: &Function) -> SecondaryMap<Block, bool> {
    let mut seen = SecondaryMap::new();
    let Some(entry) = func.layout.entry_block() else {
        return seen;
    };
    let mut stack = vec![entry];
    seen[entry] = true;
    while let Some(b) = stack.pop() {
        // A block's branches are its terminator, its last instruction (the IR's rule).
        if let Some(inst) = func.layout.last_inst(b) {
            let dfg = &func.dfg;
            for bc in dfg.insts[inst].branch_destinations(&dfg.jump_tables, &dfg.exception_tables) {
                if !seen[bc.block] {
                    seen[bc.block] = true;
                    stack.push(bc.block);
                }
            }
        }
    }
    seen
}

/// Breaks operand cycles in unreachable blocks (see the module docs).
pub(crate) fn break_unreachable_cycles(func: &mut Function) {
    let reachable = reachable_blocks(func);
    let dead: Vec<Block> = func.layout.blocks().filter(|&b| !reachable[b]).collect();
    if dead.is_empty() {
        return;
    }
    let mut defined_here: SecondaryMap<Inst, bool> = SecondaryMap::new();
    let mut vals = Vec::new();
    for block in dead {
        let mut zeros: Vec<(Type, Value)> = Vec::new();
        let mut next = func.layout.first_inst(block);
        while let Some(inst) = next {
            next = func.layout.next_inst(inst);
            vals.clear();
            func.dfg.inst_values_into(inst, &mut vals);
            let mut changed = false;
            for v in vals.iter_mut() {
                let ValueDef::Result(def, _) = func.dfg.value_def(*v) else {
                    continue;
                };
                let def_block = func.layout.inst_block(def);
                let def_dead = def_block.is_some_and(|db| !reachable[db]);
                if def_dead && !(def_block == Some(block) && defined_here[def]) {
                    let ty = func.dfg.value_type(*v);
                    let z = match zeros.iter().find(|(t, _)| *t == ty) {
                        Some(&(_, z)) => z,
                        None => {
                            let z = zero_value(func, block, ty);
                            zeros.push((ty, z));
                            z
                        }
                    };
                    *v = z;
                    changed = true;
                }
            }
            if changed {
                let mut it = vals.iter().copied();
                func.dfg.map_inst_values(inst, |v| it.next().unwrap_or(v));
            }
            defined_here[inst] = true;
        }
    }
}
