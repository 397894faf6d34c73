//! Pure instructions moved to the end of their block when the block's body does not use
//! their results.
//!
//! Such a result is used only by the block's terminator (a branch argument, a condition)
//! or in other blocks: an interpreter's `pc + 1`, computed at the top of the dispatch
//! block and passed on by every case. Computed early, it is live through the rest of the
//! block beside its operand, so an instruction between them that also reads the operand
//! (the fetch address `base + (pc << 3)`) cannot take the operand's register, and a
//! backend that would fold that use into its user (`lea r, [base + pc*8]`) must not, or
//! the increment would need a copy. Computed last, its operands are live until there
//! instead: the move is made only when that costs no register, that is when at most one
//! of its operands is not used later in the block anyway (the result's live range shrinks
//! by as much as that operand's grows). A constant used by the moved instruction alone,
//! in the same block, moves with it. An instruction that reads the last use of a load of
//! its block stays, so a backend can still merge the load into it.
//!
//! Only pure instructions move (as value numbering defines them: no side effects, no
//! traps, no memory reads, no machine state): moving one past anything else in its block
//! changes nothing but when its value is ready. The moved instructions keep their order,
//! before the terminator and the instructions that compute its condition alone (which a
//! backend folds into the branch). Blocks that end in a return are left alone (see
//! [`sink_to_block_ends`]).
//!
//! Input: verified IR with aliases resolved, after dead code elimination. Output: the same
//! instructions, some later in their blocks.

use super::gvn::is_pure;
use crate::entity::SecondaryMap;
use crate::ir::{Block, Function, Inst, Opcode, Value, ValueDef};

/// Moves every pure instruction whose result the rest of its block's body does not use to
/// the block's end, when that costs no register (see the module doc); returns how many
/// moved (constants that followed them included).
pub fn sink_to_block_ends(func: &mut Function) -> usize {
    // Uses of each value in the whole function (operands and branch arguments).
    let mut use_counts: SecondaryMap<Value, u32> = SecondaryMap::new();
    use_counts.resize(func.dfg.num_values());
    let mut vals: Vec<Value> = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            vals.clear();
            func.dfg.inst_values_into(inst, &mut vals);
            for &v in &vals {
                use_counts[v] += 1;
            }
        }
    }
    // Per value, the stamp of the block (its index + 1) in which a later instruction uses
    // it: `below` for any later instruction, `body` for a later non-terminator one.
    let mut below: SecondaryMap<Value, u32> = SecondaryMap::new();
    let mut body: SecondaryMap<Value, u32> = SecondaryMap::new();
    below.resize(func.dfg.num_values());
    body.resize(func.dfg.num_values());
    let mut chain_args: Vec<Value> = Vec::new();
    let mut moved = 0;
    let blocks: Vec<_> = func.layout.blocks().collect();
    for (index, block) in blocks.into_iter().enumerate() {
        let stamp = index as u32 + 1;
        let Some(term) = func.layout.last_inst(block) else { continue };
        // Only before branches: results a `return` (or a tail call) reads go to fixed
        // registers, and computing them last only makes them compete there with the
        // operands still live.
        if !matches!(func.dfg.insts[term].opcode(), Opcode::Jump | Opcode::Brif | Opcode::BrTable) {
            continue;
        }
        vals.clear();
        func.dfg.inst_values_into(term, &mut vals);
        for &v in &vals {
            below[v] = stamp;
        }
        // The branch's condition and what computes it alone, just before it (a compare,
        // an extension of its result): a backend folds them into the branch, so their
        // operands are read there. Moved instructions go before them, so that a backend
        // still sees those operands used after the moved instruction.
        let mut anchor = term;
        chain_args.clear();
        chain_args.extend_from_slice(func.dfg.inst_args(term));
        while let Some(p) = func.layout.prev_inst(anchor) {
            let &[r] = func.dfg.inst_results(p) else { break };
            if use_counts[r] != 1 || !chain_args.contains(&r) || !is_pure(func, p) {
                break;
            }
            // Their operands count as used after any instruction that moves, but not as
            // used by the body: a value only they use may move (to just before them).
            for &v in func.dfg.inst_args(p) {
                below[v] = stamp;
            }
            chain_args.extend_from_slice(func.dfg.inst_args(p));
            anchor = p;
        }
        // The first of the instructions moved so far: the next one goes before it.
        let mut first_moved: Option<Inst> = None;
        let mut cur = func.layout.prev_inst(anchor);
        while let Some(inst) = cur {
            cur = func.layout.prev_inst(inst);
            if let Some(at) = movable(func, block, inst, stamp, &below, &body, &use_counts) {
                let before = first_moved.unwrap_or(anchor);
                func.layout.remove_inst(inst);
                func.layout.insert_inst_before(inst, before);
                first_moved = Some(inst);
                moved += 1;
                if let Some(c) = at.constant {
                    if cur == Some(c) {
                        cur = func.layout.prev_inst(c);
                    }
                    func.layout.remove_inst(c);
                    func.layout.insert_inst_before(c, inst);
                    first_moved = Some(c);
                    moved += 1;
                }
            }
            for &v in func.dfg.inst_args(inst) {
                below[v] = stamp;
                body[v] = stamp;
            }
        }
    }
    moved
}

/// What moves with an instruction found movable.
struct Move {
    /// A constant of the same block that only this instruction uses.
    constant: Option<Inst>,
}

/// Whether `inst` (in `block`, stamped `stamp`, with the later instructions' uses
/// recorded) moves to the block's end.
fn movable(
    func: &Function,
    block: Block,
    inst: Inst,
    stamp: u32,
    below: &SecondaryMap<Value, u32>,
    body: &SecondaryMap<Value, u32>,
    use_counts: &SecondaryMap<Value, u32>,
) -> Option<Move> {
    let &[result] = func.dfg.inst_results(inst) else { return None };
    if body[result] == stamp || !is_pure(func, inst) {
        return None;
    }
    let block = Some(block);
    let args = func.dfg.inst_args(inst);
    let mut dying = 0;
    let mut constant = None;
    for (k, &v) in args.iter().enumerate() {
        if below[v] == stamp || args[..k].contains(&v) {
            continue;
        }
        if let ValueDef::Result(def, _) = func.dfg.value_def(v)
            && matches!(func.dfg.insts[def].opcode(), Opcode::Iconst | Opcode::F32const | Opcode::F64const)
        {
            // A constant costs nothing to keep where it is if it is folded into its user,
            // and moves along if only this instruction uses it.
            if use_counts[v] == 1 && func.layout.inst_block(def) == block && constant.is_none() {
                constant = Some(def);
            }
            continue;
        }
        // A backend may merge a load into its only user when nothing that writes memory
        // comes between them: moving the user past a store or a call would undo that.
        if let ValueDef::Result(def, _) = func.dfg.value_def(v)
            && func.dfg.insts[def].opcode().can_load()
            && func.layout.inst_block(def) == block
        {
            return None;
        }
        dying += 1;
    }
    (dying <= 1).then_some(Move { constant })
}
