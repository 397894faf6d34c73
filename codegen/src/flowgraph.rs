//! The control-flow graph of a function: for each block in the layout, its successors and
//! its predecessors (the block and the branch instruction of each incoming edge).
//!
//! Input: a [`Function`]; edges come from [`InstructionData::branch_destinations`](crate::ir::InstructionData::branch_destinations) of every
//! instruction of every block in the layout (normally only the terminator branches, but a
//! malformed block with a branch in the middle still contributes its edges, so the verifier
//! sees them). Output: adjacency lists used by the dominator tree, the verifier and the
//! mid-end.
//!
//! Invariants: successor lists hold no duplicates (a `brif` with both arms to one block is
//! one edge); a predecessor appears once per (block, branch instruction) pair. Edges to
//! blocks that do not exist or are not in the layout are left out (the verifier reports
//! them); instructions the DFG does not know are skipped. The graph is a snapshot: after
//! the function changes, call [`ControlFlowGraph::compute`] again.
//!
//! Storage is one side table of small inline vectors, so building it allocates only when a
//! block has more than a few predecessors or successors (switches, join points).

use crate::entity::SecondaryMap;
use crate::ir::{Block, Function, Inst};
use smallvec::SmallVec;

/// One incoming edge of a block: the predecessor block and its branch instruction.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct BlockPredecessor {
    /// The block the edge leaves.
    pub block: Block,
    /// The branch instruction in `block` that takes the edge.
    pub inst: Inst,
}

#[derive(Clone, Default, Debug)]
struct CfgNode {
    preds: SmallVec<[BlockPredecessor; 4]>,
    succs: SmallVec<[Block; 2]>,
}

/// Predecessors and successors of every block in the layout.
#[derive(Clone, Default, Debug)]
pub struct ControlFlowGraph {
    nodes: SecondaryMap<Block, CfgNode>,
    valid: bool,
}

impl ControlFlowGraph {
    /// An empty, not yet computed graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// The graph of `func`.
    pub fn with_function(func: &Function) -> Self {
        let mut cfg = Self::new();
        cfg.compute(func);
        cfg
    }

    /// Forgets every edge; the graph is no longer valid.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.valid = false;
    }

    /// Recomputes the graph from `func`, reusing the tables' memory.
    pub fn compute(&mut self, func: &Function) {
        self.nodes.clear();
        let dfg = &func.dfg;
        let layout = &func.layout;
        self.nodes.resize(dfg.num_blocks());
        // `succ_of[b]`: the block `b` was last added as a successor of. Blocks are visited
        // once each, so this finds a repeated successor in constant time (a `br_table`
        // with a thousand targets would otherwise search its list once per target).
        let mut succ_of: SecondaryMap<Block, Option<Block>> = SecondaryMap::new();
        succ_of.resize(dfg.num_blocks());
        for block in layout.blocks() {
            for inst in layout.block_insts(block) {
                let Some(data) = dfg.insts.get(inst) else { continue };
                for dest in data.branch_destinations(&dfg.jump_tables, &dfg.exception_tables) {
                    let succ = dest.block;
                    if !dfg.block_is_valid(succ) || !layout.is_block_inserted(succ) {
                        continue;
                    }
                    if succ_of[succ] != Some(block) {
                        succ_of[succ] = Some(block);
                        self.nodes[block].succs.push(succ);
                    }
                    // Edges are added instruction by instruction, so an edge of `inst`
                    // already recorded is the last predecessor of `succ`.
                    let pred = BlockPredecessor { block, inst };
                    let preds = &mut self.nodes[succ].preds;
                    if preds.last() != Some(&pred) {
                        preds.push(pred);
                    }
                }
            }
        }
        self.valid = true;
    }

    /// The incoming edges of `block`, in the order the branches appear in the layout.
    pub fn pred_iter(&self, block: Block) -> impl Iterator<Item = BlockPredecessor> + '_ {
        self.nodes[block].preds.iter().copied()
    }

    /// The successors of `block`, each once, in the order the branches name them.
    pub fn succ_iter(&self, block: Block) -> impl Iterator<Item = Block> + '_ {
        self.nodes[block].succs.iter().copied()
    }

    /// The successors of `block` as a slice (for walks that keep an index into it).
    pub fn succ_slice(&self, block: Block) -> &[Block] {
        &self.nodes[block].succs
    }

    /// Number of incoming edges of `block`.
    pub fn pred_count(&self, block: Block) -> usize {
        self.nodes[block].preds.len()
    }

    /// Number of distinct successors of `block`.
    pub fn succ_count(&self, block: Block) -> usize {
        self.nodes[block].succs.len()
    }

    /// Whether the graph has been computed (and not cleared since).
    pub fn is_valid(&self) -> bool {
        self.valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FuncCursor, InstBuilder, JumpTableData, Signature, types::*};

    #[test]
    fn diamond_edges() {
        let mut func = Function::new_test("f", Signature::default());
        let b: Vec<Block> = (0..4).map(|_| func.dfg.make_block()).collect();
        for &bl in &b {
            func.layout.append_block(bl);
        }
        let mut cur = FuncCursor::new(&mut func);
        cur.goto_bottom(b[0]);
        let c = cur.ins().iconst(I32, 1);
        let br = cur.ins().brif(c, b[1], &[], b[2], &[]);
        cur.goto_bottom(b[1]);
        let j1 = cur.ins().jump(b[3], &[]);
        cur.goto_bottom(b[2]);
        let j2 = cur.ins().jump(b[3], &[]);
        cur.goto_bottom(b[3]);
        cur.ins().return_(&[]);
        let cfg = ControlFlowGraph::with_function(&func);
        assert!(cfg.is_valid());
        assert_eq!(cfg.succ_iter(b[0]).collect::<Vec<_>>(), [b[1], b[2]]);
        assert_eq!(cfg.pred_iter(b[1]).collect::<Vec<_>>(), [BlockPredecessor { block: b[0], inst: br }]);
        assert_eq!(
            cfg.pred_iter(b[3]).collect::<Vec<_>>(),
            [BlockPredecessor { block: b[1], inst: j1 }, BlockPredecessor { block: b[2], inst: j2 }]
        );
        assert_eq!(cfg.succ_count(b[3]), 0);
        assert_eq!(cfg.pred_count(b[0]), 0);
    }

    #[test]
    fn duplicate_edges_and_tables() {
        let mut func = Function::new_test("f", Signature::default());
        let b: Vec<Block> = (0..3).map(|_| func.dfg.make_block()).collect();
        for &bl in &b {
            func.layout.append_block(bl);
        }
        let d = func.dfg.block_call(b[1], &[]);
        let e1 = func.dfg.block_call(b[2], &[]);
        let e2 = func.dfg.block_call(b[1], &[]);
        let jt = func.dfg.make_jump_table(JumpTableData::new(d, &[e1, e2]));
        let mut cur = FuncCursor::new(&mut func);
        cur.goto_bottom(b[0]);
        let x = cur.ins().iconst(I32, 0);
        let bt = cur.ins().br_table(x, jt);
        cur.goto_bottom(b[1]);
        let br = cur.ins().brif(x, b[2], &[], b[2], &[]);
        cur.goto_bottom(b[2]);
        cur.ins().return_(&[]);
        let mut cfg = ControlFlowGraph::new();
        assert!(!cfg.is_valid());
        cfg.compute(&func);
        assert_eq!(cfg.succ_iter(b[0]).collect::<Vec<_>>(), [b[1], b[2]]);
        assert_eq!(cfg.succ_iter(b[1]).collect::<Vec<_>>(), [b[2]]);
        assert_eq!(
            cfg.pred_iter(b[2]).collect::<Vec<_>>(),
            [BlockPredecessor { block: b[0], inst: bt }, BlockPredecessor { block: b[1], inst: br }]
        );
        cfg.clear();
        assert!(!cfg.is_valid());
        assert_eq!(cfg.succ_count(b[0]), 0);
    }

    #[test]
    fn edges_to_missing_blocks_are_dropped() {
        let mut func = Function::new_test("f", Signature::default());
        let b0 = func.dfg.make_block();
        let outside = func.dfg.make_block();
        func.layout.append_block(b0);
        let mut cur = FuncCursor::new(&mut func);
        cur.goto_bottom(b0);
        let c = cur.ins().iconst(I8, 0);
        cur.ins().brif(c, outside, &[], Block::from_u32(77), &[]);
        let cfg = ControlFlowGraph::with_function(&func);
        assert_eq!(cfg.succ_count(b0), 0);
        assert_eq!(cfg.pred_count(outside), 0);
    }
}
