//! The order in which IR blocks are lowered and emitted, with critical edges split.
//!
//! Reachable blocks come in a reverse post-order that follows the IR layout where it can
//! (see [`layout_rpo`]), each followed by the edge blocks split off
//! its outgoing critical edges (an edge from a block with several successors, or ending in
//! a branch other than `jump`, to a block with several predecessors gets a block of its
//! own, holding only a jump, so regalloc2 has a place for the moves of that edge). Blocks marked `cold` go last. Unreachable
//! blocks are not lowered. Every edge of a `try_call*` is split: the normal edge's block
//! passes the call's results (`retN`), each handler's block is its landing pad (it takes
//! the payload registers, `exnN`), so the call itself passes no branch arguments.

use crate::flowgraph::ControlFlowGraph;
use crate::ir::{Block, Function};

/// One block of the lowered function.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoweredBlock {
    /// An IR block.
    Orig(Block),
    /// The split edge from `pred`'s successor number `succ_index` to `succ`.
    Edge {
        /// The block the edge leaves.
        pred: Block,
        /// Which successor of `pred`'s terminator.
        succ_index: usize,
        /// The block the edge enters.
        succ: Block,
    },
}

/// The lowering order and where each IR successor edge goes in it.
pub struct BlockLoweringOrder {
    /// Blocks in emission order; index = VCode block number.
    pub blocks: Vec<LoweredBlock>,
    /// For each VCode block of an IR block: the VCode block each successor edge of its
    /// terminator targets (the successor itself, or the edge block).
    pub succ_targets: Vec<Vec<u32>>,
    orig_index: Vec<u32>,
}

impl BlockLoweringOrder {
    /// Computes the order for `func`.
    pub fn new(func: &Function) -> Self {
        let cfg = ControlFlowGraph::with_function(func);
        let rpo = layout_rpo(func, &cfg);
        let succs_of = |b: Block| -> Vec<Block> {
            match func.layout.last_inst(b) {
                Some(term) => func.dfg.insts[term]
                    .branch_destinations(&func.dfg.jump_tables, &func.dfg.exception_tables)
                    .iter()
                    .map(|bc| bc.block)
                    .collect(),
                None => Vec::new(),
            }
        };
        let (hot, cold): (Vec<Block>, Vec<Block>) = rpo.iter().partition(|&&b| !func.layout.is_cold(b));
        let mut blocks = Vec::new();
        for b in hot.iter().chain(cold.iter()) {
            blocks.push(LoweredBlock::Orig(*b));
            let succs = succs_of(*b);
            // A terminator other than `jump` may read registers (a `br_table` whose only
            // target is its default still reads its index), and regalloc2 allows no
            // operands on a branch into a block with several predecessors: such an edge
            // is split like a critical one.
            let reads_registers =
                func.layout.last_inst(*b).is_some_and(|t| func.dfg.insts[t].opcode() != crate::ir::Opcode::Jump);
            let is_try = func.layout.last_inst(*b).is_some_and(|t| func.dfg.insts[t].exception_table().is_some());
            if succs.len() > 1 || reads_registers {
                for (i, s) in succs.iter().enumerate() {
                    // Split edges into blocks with several predecessors, and every edge of
                    // a terminator that names the same block twice, so that each VCode
                    // edge is distinct and none is critical.
                    let repeated = succs.iter().filter(|x| *x == s).count() > 1;
                    if cfg.pred_count(*s) > 1 || repeated || is_try {
                        blocks.push(LoweredBlock::Edge { pred: *b, succ_index: i, succ: *s });
                    }
                }
            }
        }
        let mut orig_index = vec![u32::MAX; func.dfg.num_blocks()];
        for (i, lb) in blocks.iter().enumerate() {
            if let LoweredBlock::Orig(b) = lb {
                orig_index[b.as_u32() as usize] = i as u32;
            }
        }
        let edge_index: std::collections::HashMap<(Block, usize), u32> = blocks
            .iter()
            .enumerate()
            .filter_map(|(i, lb)| match *lb {
                LoweredBlock::Edge { pred, succ_index, .. } => Some(((pred, succ_index), i as u32)),
                LoweredBlock::Orig(_) => None,
            })
            .collect();
        let mut succ_targets = vec![Vec::new(); blocks.len()];
        for (i, lb) in blocks.iter().enumerate() {
            match *lb {
                LoweredBlock::Orig(b) => {
                    let succs = succs_of(b);
                    succ_targets[i] = succs
                        .iter()
                        .enumerate()
                        .map(|(k, s)| edge_index.get(&(b, k)).copied().unwrap_or(orig_index[s.as_u32() as usize]))
                        .collect();
                }
                LoweredBlock::Edge { succ, .. } => succ_targets[i] = vec![orig_index[succ.as_u32() as usize]],
            }
        }
        Self { blocks, succ_targets, orig_index }
    }

    /// The VCode block of an IR block, if it is lowered.
    pub fn lowered_index(&self, b: Block) -> Option<u32> {
        self.orig_index.get(b.as_u32() as usize).copied().filter(|&i| i != u32::MAX)
    }
}

/// The reachable blocks in a reverse post-order of a depth-first search that visits each
/// block's successors latest-in-layout first, so that of the successors not yet placed,
/// the one the producer laid out first comes right after the block.
///
/// Any reverse post-order puts a definition before its uses, but they differ in how far
/// apart they put them. With successors visited in branch order, a loop `head: brif c,
/// body, exit` gets `head, exit, <everything after the loop>, body`: every value of the
/// head that the body uses is live across the rest of the function. A function of
/// thousands of such loops then has thousands of values live at every block boundary,
/// which costs the single-pass allocator time quadratic in the size of the function
/// (docs/performance.md, "Block order"). Following the layout keeps each loop together.
pub fn layout_rpo(func: &Function, cfg: &ControlFlowGraph) -> Vec<Block> {
    let Some(entry) = func.layout.entry_block() else { return Vec::new() };
    let n = func.dfg.num_blocks();
    let mut position = vec![0u32; n];
    for (i, b) in func.layout.blocks().enumerate() {
        position[b.as_u32() as usize] = i as u32;
    }
    let mut seen = vec![false; n];
    let mut postorder = Vec::with_capacity(n);
    // Successors waiting to be visited, each block's in a run sorted so that the last
    // (the next popped) is the latest in layout; a frame is (block, its run's start).
    let mut pending: Vec<Block> = Vec::new();
    let mut frames: Vec<(Block, usize)> = Vec::new();
    let enter = |b: Block, pending: &mut Vec<Block>, frames: &mut Vec<(Block, usize)>| {
        let start = pending.len();
        pending.extend_from_slice(cfg.succ_slice(b));
        pending[start..].sort_unstable_by_key(|s| position[s.as_u32() as usize]);
        frames.push((b, start));
    };
    seen[entry.as_u32() as usize] = true;
    enter(entry, &mut pending, &mut frames);
    while let Some(&(block, start)) = frames.last() {
        if pending.len() > start {
            let next = pending.pop().expect("the run is not empty");
            if !std::mem::replace(&mut seen[next.as_u32() as usize], true) {
                enter(next, &mut pending, &mut frames);
            }
        } else {
            frames.pop();
            postorder.push(block);
        }
    }
    postorder.reverse();
    postorder
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_functions;

    fn order(src: &str) -> Vec<String> {
        let func = parse_functions(src).expect("valid CLIF").remove(0);
        let cfg = ControlFlowGraph::with_function(&func);
        layout_rpo(&func, &cfg).iter().map(|b| b.to_string()).collect()
    }

    #[test]
    fn a_loop_body_follows_its_header_as_laid_out() {
        // Two loops in a row: each header's first successor is its body. The order keeps
        // each loop together instead of putting the bodies after everything else.
        let src = "function %f(i64) -> i64 {
            block0(v0: i64):
                jump block1(v0)
            block1(v1: i64):
                brif v1, block2, block3
            block2:
                v2 = iadd_imm v1, -1
                jump block1(v2)
            block3:
                jump block4(v0)
            block4(v3: i64):
                brif v3, block5, block6
            block5:
                v4 = iadd_imm v3, -1
                jump block4(v4)
            block6:
                return v0
            }";
        assert_eq!(order(src), ["block0", "block1", "block2", "block3", "block4", "block5", "block6"]);
    }

    #[test]
    fn the_order_is_a_reverse_postorder_whatever_the_layout() {
        // block3 comes first in layout but is entered only from block1: it must still
        // follow its predecessor, and the unreachable block9 is left out.
        let src = "function %f(i64) -> i64 {
            block0(v0: i64):
                brif v0, block1, block2
            block9:
                return v0
            block3:
                return v0
            block2:
                jump block1
            block1:
                jump block3
            }";
        assert_eq!(order(src), ["block0", "block2", "block1", "block3"]);
    }
}
