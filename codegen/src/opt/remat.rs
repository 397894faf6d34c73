//! Constants made again in each block that uses them.
//!
//! Value numbering (`gvn.rs`) leaves one `iconst` for every use of the same constant it
//! dominates, so a constant defined in the entry block and used inside a loop is one
//! value live across the whole loop: it holds a register there, or is spilled and
//! reloaded. Making a constant costs one instruction with no inputs, cheaper than either;
//! so after numbering, [`rematerialize_constants`] gives each block that uses an `iconst`
//! of another block its own copy, placed before the block's first use, and points the
//! block's uses (operands and branch arguments) at it. The original goes away in dead
//! code elimination when nothing else uses it. Constants a backend folds into
//! immediates are unaffected: the copy is folded just the same.
//!
//! Input: verified IR after value numbering. Output: verified IR computing the same.

use crate::entity::SecondaryMap;
use crate::ir::immediates::Imm64;
use crate::ir::{Block, BlockArg, Function, Inst, InstructionData, Opcode, Value, ValueDef};

/// Gives every block its own copy of each `iconst` of another block that it uses; returns
/// how many copies were made. Operands must not be aliases (the pipeline resolves them
/// first). The arguments of a `br_table` stay as they are: its jump table may be shared.
pub fn rematerialize_constants(func: &mut Function) -> usize {
    // The current block's copy of each constant, and which entries to clear after it.
    let mut copy: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    let mut touched: Vec<Value> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let mut made = 0;
    let blocks: Vec<_> = func.layout.blocks().collect();
    for block in blocks {
        let mut next = func.layout.first_inst(block);
        while let Some(inst) = next {
            next = func.layout.next_inst(inst);
            args.clear();
            let data = &func.dfg.insts[inst];
            args.extend_from_slice(data.arguments(&func.dfg.value_lists));
            if !matches!(data, InstructionData::BranchTable { .. }) {
                for call in data.branch_destinations(&func.dfg.jump_tables, &func.dfg.exception_tables) {
                    // `retN`/`exnN` of a `try_call` are not values.
                    args.extend(
                        call.args_slice(&func.dfg.value_lists).iter().copied().filter(|&v| BlockArg::is_value(v)),
                    );
                }
            }
            let mut uses_copy = false;
            for &v in &args {
                let Some(imm) = foreign_iconst(func, v, block) else { continue };
                uses_copy = true;
                if copy[v].is_none() {
                    let c = func.dfg.make_inst(InstructionData::UnaryImm { opcode: Opcode::Iconst, imm });
                    func.dfg.make_inst_results(c, func.dfg.value_type(v));
                    func.layout.insert_inst_before(c, inst);
                    func.srclocs[c] = func.srclocs[inst];
                    copy[v] = Some(func.dfg.first_result(c));
                    touched.push(v);
                    made += 1;
                }
            }
            if uses_copy {
                replace_uses(func, inst, &copy);
            }
        }
        for v in touched.drain(..) {
            copy[v] = None;
        }
    }
    made
}

/// The immediate of `v` when it is an `iconst` defined outside `block`.
fn foreign_iconst(func: &Function, v: Value, block: Block) -> Option<Imm64> {
    let ValueDef::Result(def, _) = func.dfg.value_def(v) else { return None };
    match func.dfg.insts[def] {
        InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } if func.layout.inst_block(def) != Some(block) => {
            Some(imm)
        }
        _ => None,
    }
}

/// Points `inst`'s operands and (except a `br_table`'s) branch arguments that have a copy
/// at the copy.
fn replace_uses(func: &mut Function, inst: Inst, copy: &SecondaryMap<Value, Option<Value>>) {
    let rewrite = |vals: &mut [Value]| {
        for a in vals {
            if let Some(c) = copy[*a] {
                *a = c;
            }
        }
    };
    let dfg = &mut func.dfg;
    let data = &mut dfg.insts[inst];
    rewrite(data.arguments_mut(&mut dfg.value_lists));
    if !matches!(data, InstructionData::BranchTable { .. }) {
        for call in data.branch_destinations_mut(&mut dfg.jump_tables, &mut dfg.exception_tables) {
            rewrite(call.args.as_mut_slice(&mut dfg.value_lists));
        }
    }
}
