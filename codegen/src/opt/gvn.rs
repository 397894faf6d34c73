//! Global value numbering: an instruction that computes exactly what a dominating
//! instruction computes (the same opcode, immediates, operands and controlling type) is
//! replaced by that instruction's results.
//!
//! Only pure instructions take part: no side effects, no traps, no memory reads, no value
//! lists (calls and branches), and none that read machine state (`get_pinned_reg`, the
//! stack and frame pointers, the return address). Two such instructions with equal data
//! compute equal results wherever both run, and the earlier one dominates the later, so
//! its results are available there.
//!
//! Input: verified IR with aliases resolved (so equal operands are equal values). Blocks
//! are visited in reverse post-order, so a dominator comes before the blocks it
//! dominates. Output: the same function, duplicates removed and their results aliases of
//! the earlier ones.

use super::hash::{FastMap, fast_map};
use crate::dominator_tree::DominatorTree;
use crate::flowgraph::ControlFlowGraph;
use crate::ir::{Block, Function, Inst, InstructionData, Opcode, Type};

/// Whether `inst` takes part: pure, and a function of its data and type alone.
pub(super) fn is_pure(func: &Function, inst: Inst) -> bool {
    let data = &func.dfg.insts[inst];
    let op = data.opcode();
    !op.has_side_effects()
        && !op.can_load()
        && !op.can_trap()
        && data.value_list().is_none()
        && !func.dfg.inst_results(inst).is_empty()
        && !matches!(
            op,
            Opcode::GetPinnedReg | Opcode::GetStackPointer | Opcode::GetFramePointer | Opcode::GetReturnAddress
        )
}

/// Removes instructions that repeat a dominating one; returns how many.
pub fn number_values(func: &mut Function) -> usize {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    number_values_in(func, &domtree)
}

/// [`number_values`] with the function's dominator tree already computed (the pipeline
/// shares it with the redundant-load pass: neither changes the CFG).
pub(super) fn number_values_in(func: &mut Function, domtree: &DominatorTree) -> usize {
    let rpo: Vec<Block> = domtree.cfg_rpo().collect();
    // Room for every instruction: most take part, and the table then never rehashes.
    let mut seen: FastMap<(InstructionData, Type), Inst> = fast_map(func.dfg.insts.len());
    let mut removed = 0;
    let mut results = Vec::new();
    for block in rpo {
        let mut next = func.layout.first_inst(block);
        while let Some(inst) = next {
            next = func.layout.next_inst(inst);
            if !is_pure(func, inst) {
                continue;
            }
            // An operand may be an alias made earlier in this pass (or by the passes
            // before it): resolve it, so equal computations have equal keys.
            func.dfg.resolve_aliases_in(inst);
            let key = (func.dfg.insts[inst], func.dfg.ctrl_typevar(inst));
            match seen.get(&key) {
                Some(&earlier) if domtree.inst_dominates(earlier, inst, &func.layout) => {
                    results.clear();
                    results.extend_from_slice(func.dfg.inst_results(earlier));
                    func.dfg.replace_results_with_aliases(inst, &results);
                    func.layout.remove_inst(inst);
                    removed += 1;
                }
                _ => {
                    seen.insert(key, inst);
                }
            }
        }
    }
    removed
}
