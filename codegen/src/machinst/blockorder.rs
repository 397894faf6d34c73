//! The order in which IR blocks are lowered and emitted, with critical edges split.
//!
//! Reachable blocks come in reverse post-order, each followed by the edge blocks split off
//! its outgoing critical edges (an edge from a block with several successors, or ending in
//! a branch other than `jump`, to a block with several predecessors gets a block of its
//! own, holding only a jump, so regalloc2 has a place for the moves of that edge). Blocks marked `cold` go last. Unreachable
//! blocks are not lowered. Every edge of a `try_call*` is split: the normal edge's block
//! passes the call's results (`retN`), each handler's block is its landing pad (it takes
//! the payload registers, `exnN`), so the call itself passes no branch arguments.

use crate::dominator_tree::DominatorTree;
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
        let domtree = DominatorTree::with_function(func, &cfg);
        let rpo: Vec<Block> = domtree.cfg_rpo().collect();
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
