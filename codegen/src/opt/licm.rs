//! Loop-invariant code motion: an instruction inside a loop whose operands are all defined
//! outside it computes the same value on every iteration, so it moves to the loop's
//! preheader and runs once.
//!
//! Loops are natural loops found from the dominator tree: an edge `latch -> header` where
//! the header dominates the latch is a back edge, and the loop's blocks are the header plus
//! every block that reaches a latch without passing through the header. A loop is
//! transformed only when it has a preheader already: exactly one predecessor outside the
//! loop, ending in a `jump` to the header (how the Wasm front end and most producers enter
//! loops). Loops are visited smallest first, so an instruction hoisted out of an inner loop
//! lands in a block of the outer loop and can be hoisted again from there.
//!
//! What moves: the instructions global value numbering calls pure (no side effect, no
//! trap, no memory read, no machine state) except the ones as cheap as keeping their
//! result in a register (see [`is_hoistable`]), with the constants they use, and loads
//! marked both
//! `readonly` (nothing writes that memory while the function runs) and `notrap` (so
//! running one on an iteration that would not have is harmless). Everything that moves is
//! safe to run speculatively, so the conditional blocks of a loop body count as well.
//!
//! Input: verified IR with aliases resolved. Output: the same function with invariant
//! instructions moved before the preheader's `jump`, in their original order, so each
//! still follows the definitions of its operands.

use super::gvn::is_pure;
use crate::dominator_tree::DominatorTree;
use crate::entity::EntityRef;
use crate::flowgraph::ControlFlowGraph;
use crate::ir::{Block, Function, Inst, Opcode, Value, ValueDef};

/// A natural loop: its header and its blocks in reverse post-order (the header first).
struct Loop {
    header: Block,
    blocks: Vec<Block>,
}

/// Moves loop-invariant instructions to their loop's preheader; returns how many moved.
pub fn hoist_loop_invariants(func: &mut Function) -> usize {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    hoist_loop_invariants_in(func, &cfg, &domtree)
}

/// [`hoist_loop_invariants`] with the function's CFG and dominator tree already computed.
/// Moving instructions leaves the CFG and the block-level tree as they were (the pipeline
/// keeps both for the passes after this one), but not the tree's instruction numbering:
/// the caller renumbers it ([`DominatorTree::renumber_insts`]) when this returns non-zero.
pub(super) fn hoist_loop_invariants_in(func: &mut Function, cfg: &ControlFlowGraph, domtree: &DominatorTree) -> usize {
    let mut loops = find_loops(func, cfg, domtree);
    if loops.is_empty() {
        return 0;
    }
    loops.sort_by_key(|l| l.blocks.len());
    let num_blocks = func.dfg.num_blocks();
    let mut in_loop = vec![false; num_blocks];
    let mut moved = 0;
    for lp in &loops {
        let Some(preheader) = preheader(func, cfg, lp, &mut in_loop) else { continue };
        let Some(jump) = func.layout.last_inst(preheader) else { continue };
        // `in_loop` marks this loop's blocks (set by `preheader`); they are visited in
        // reverse post-order, so a definition is hoisted before its uses.
        for &block in &lp.blocks {
            let mut next = func.layout.first_inst(block);
            while let Some(inst) = next {
                next = func.layout.next_inst(inst);
                if is_hoistable(func, inst) && operands_outside(func, inst, &in_loop) {
                    // Constant operands defined in the loop go first, so they still come
                    // before their use (rematerialisation later copies them back into
                    // the loop's blocks that use them too).
                    for i in 0..func.dfg.inst_args(inst).len() {
                        let v = func.dfg.resolve_aliases(func.dfg.inst_args(inst)[i]);
                        if let Some(def) = constant_def(func, v)
                            && func.layout.inst_block(def).is_some_and(|b| in_loop[b.index()])
                        {
                            func.layout.remove_inst(def);
                            func.layout.insert_inst_before(def, jump);
                        }
                    }
                    func.layout.remove_inst(inst);
                    func.layout.insert_inst_before(inst, jump);
                    moved += 1;
                }
            }
        }
        for &b in &lp.blocks {
            in_loop[b.index()] = false;
        }
    }
    moved
}

/// The natural loops of `func`, one per header (back edges to one header share a loop),
/// each with its blocks in reverse post-order. Linear in the size of the loops: back edges
/// are grouped by header first, so each loop is walked with one mark value and no table
/// is cleared between loops.
fn find_loops(func: &Function, cfg: &ControlFlowGraph, domtree: &DominatorTree) -> Vec<Loop> {
    let num_blocks = func.dfg.num_blocks();
    let mut loop_of_header = vec![u32::MAX; num_blocks];
    let mut loops: Vec<Loop> = Vec::new();
    let mut back_edges: Vec<(u32, Block)> = Vec::new();
    for latch in domtree.cfg_rpo() {
        for header in cfg.succ_iter(latch) {
            if !domtree.dominates(header, latch) {
                continue;
            }
            let index = &mut loop_of_header[header.index()];
            if *index == u32::MAX {
                *index = loops.len() as u32;
                loops.push(Loop { header, blocks: vec![header] });
            }
            back_edges.push((*index, latch));
        }
    }
    back_edges.sort_by_key(|&(index, _)| index);
    // `mark[b] == index + 1`: block `b` is already in loop `index`.
    let mut mark = vec![0u32; num_blocks];
    let mut stack = Vec::new();
    for &(index, latch) in &back_edges {
        let lp = &mut loops[index as usize];
        let m = index + 1;
        mark[lp.header.index()] = m;
        stack.push(latch);
        while let Some(b) = stack.pop() {
            if mark[b.index()] == m || !domtree.is_reachable(b) {
                continue;
            }
            mark[b.index()] = m;
            lp.blocks.push(b);
            stack.extend(cfg.pred_iter(b).map(|p| p.block));
        }
    }
    for lp in &mut loops {
        lp.blocks.sort_by_key(|&b| domtree.rpo_number(b));
    }
    loops
}

/// The loop's preheader, if it has one: its only predecessor outside the loop, ending in a
/// `jump` (so it has no other successor). Marks the loop's blocks in `in_loop` either way.
fn preheader(func: &Function, cfg: &ControlFlowGraph, lp: &Loop, in_loop: &mut [bool]) -> Option<Block> {
    for &b in &lp.blocks {
        in_loop[b.index()] = true;
    }
    let mut outside = cfg.pred_iter(lp.header).map(|p| p.block).filter(|p| !in_loop[p.index()]);
    let pre = outside.next()?;
    if outside.next().is_some() {
        return None;
    }
    let last = func.layout.last_inst(pre)?;
    (func.dfg.insts[last].opcode() == Opcode::Jump).then_some(pre)
}

/// Whether `inst` may run once before the loop instead of on each iteration, and is worth
/// it. Constants and what is as cheap as a register copy (adding a constant, which the
/// backends fold into addresses; extensions, reductions and bitcasts) stay: hoisted, their
/// results would be live across the whole loop, and on a loop that already uses most
/// registers that costs spills and reloads inside it (fannkuch ran 9% slower when they
/// moved), more than recomputing them saves.
fn is_hoistable(func: &Function, inst: Inst) -> bool {
    let data = &func.dfg.insts[inst];
    match data.opcode() {
        Opcode::Load => data.memflags().is_some_and(|f| f.readonly() && f.notrap()),
        Opcode::IaddImm | Opcode::Uextend | Opcode::Sextend | Opcode::Ireduce | Opcode::Bitcast => false,
        Opcode::Iadd | Opcode::Isub => {
            let args = func.dfg.inst_args(inst);
            is_pure(func, inst) && !args.iter().any(|&a| constant_def(func, func.dfg.resolve_aliases(a)).is_some())
        }
        _ => is_pure(func, inst) && constant_def(func, func.dfg.first_result(inst)).is_none(),
    }
}

/// The instruction defining `v` if it is a constant.
fn constant_def(func: &Function, v: Value) -> Option<Inst> {
    let ValueDef::Result(def, _) = func.dfg.value_def(v) else { return None };
    matches!(
        func.dfg.insts[def].opcode(),
        Opcode::Iconst | Opcode::F16const | Opcode::F32const | Opcode::F64const | Opcode::F128const | Opcode::Vconst
    )
    .then_some(def)
}

/// Whether every operand of `inst` is defined outside the loop or by a constant (which
/// moves with it).
fn operands_outside(func: &Function, inst: Inst, in_loop: &[bool]) -> bool {
    func.dfg.inst_args(inst).iter().all(|&v| {
        let v = func.dfg.resolve_aliases(v);
        let block = match func.dfg.value_def(v) {
            ValueDef::Result(i, _) => func.layout.inst_block(i),
            ValueDef::Param(b, _) => Some(b),
            _ => None,
        };
        block.is_some_and(|b| !in_loop[b.index()]) || constant_def(func, v).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_functions;

    fn hoisted(src: &str) -> (usize, String) {
        let mut func = parse_functions(src).unwrap().remove(0);
        let n = hoist_loop_invariants(&mut func);
        (n, func.to_string())
    }

    #[test]
    fn an_invariant_add_moves_to_the_preheader_and_a_variant_one_stays() {
        let (n, text) = hoisted(
            "function %f(i32, i32) -> i32 {
             block0(v0: i32, v1: i32):
                 jump block1(v1)
             block1(v2: i32):
                 v3 = iadd v0, v0
                 v4 = iadd v2, v3
                 brif v4, block1(v4), block2
             block2:
                 return v3
             }",
        );
        assert_eq!(n, 1, "{text}");
        let block0 = text.split("block1(").next().unwrap();
        assert!(block0.contains("v3 = iadd v0, v0"), "{text}");
        assert!(text.contains("v4 = iadd v2, v3"), "{text}");
    }

    #[test]
    fn without_a_preheader_nothing_moves() {
        // block1 is entered from block0 by a conditional branch: no block to hoist into.
        let (n, _) = hoisted(
            "function %f(i32, i32) -> i32 {
             block0(v0: i32, v1: i32):
                 brif v1, block1(v1), block2
             block1(v2: i32):
                 v3 = iadd v0, v0
                 v4 = iadd v2, v3
                 brif v4, block1(v4), block2
             block2:
                 return v0
             }",
        );
        assert_eq!(n, 0);
    }

    #[test]
    fn trapping_and_writable_memory_reads_stay() {
        let (n, text) = hoisted(
            "function %f(i32, i64) -> i32 {
             block0(v0: i32, v1: i64):
                 jump block1(v0)
             block1(v2: i32):
                 v3 = udiv v0, v0
                 v4 = load.i32 notrap v1
                 v5 = load.i32 notrap readonly v1
                 v6 = iadd v3, v4
                 v7 = iadd v6, v5
                 v8 = iadd v2, v7
                 brif v8, block1(v8), block2
             block2:
                 return v8
             }",
        );
        assert_eq!(n, 1, "{text}");
        let block0 = text.split("block1(").next().unwrap();
        assert!(block0.contains("readonly"), "{text}");
    }

    #[test]
    fn an_inner_loop_invariant_reaches_the_outer_preheader() {
        let (n, text) = hoisted(
            "function %f(i64, i64) -> i64 {
             block0(v0: i64, v1: i64):
                 jump block1(v1)
             block1(v2: i64):
                 jump block2(v2)
             block2(v3: i64):
                 v4 = imul v0, v0
                 v5 = iadd v3, v4
                 brif v5, block2(v5), block3
             block3:
                 brif v2, block1(v5), block4
             block4:
                 return v5
             }",
        );
        // Out of the inner loop into block1, then out of the outer loop into block0.
        assert_eq!(n, 2, "{text}");
        let block0 = text.split("block1(").next().unwrap();
        assert!(block0.contains("v4 = imul v0, v0"), "{text}");
    }
}
