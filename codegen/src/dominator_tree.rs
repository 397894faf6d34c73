//! The dominator tree of a function's control-flow graph.
//!
//! Input: a [`Function`] and its [`ControlFlowGraph`]. Output: a post-order of the blocks
//! reachable from the entry, the immediate dominator of each reachable block, and
//! constant-time dominance queries between blocks and between instructions.
//!
//! How: an explicit-stack depth-first search numbers the reachable blocks in reverse
//! post-order (RPO); the immediate dominators are then found by the iterative algorithm of
//! Cooper, Harvey and Kennedy ("A Simple, Fast Dominance Algorithm"), which repeatedly
//! intersects the dominator chains of each block's processed predecessors, comparing RPO
//! numbers, until nothing changes. A second explicit-stack walk of the finished tree gives
//! every block a pre-order and post-order number, so `dominates` is two comparisons rather
//! than a walk up the tree (the verifier asks once per value use). No step recurses, so a
//! CFG of any depth is fine.
//!
//! Invariants: unreachable blocks have no RPO number and no immediate dominator, and are
//! dominated only by themselves; the entry block has no immediate dominator. Instruction
//! positions are numbered when the tree is computed: recompute after editing the layout
//! (or only renumber them, [`DominatorTree::renumber_insts`], when the CFG is unchanged).

use crate::entity::SecondaryMap;
use crate::flowgraph::ControlFlowGraph;
use crate::ir::{Block, Function, Inst, Layout};

#[derive(Clone, Copy, Default, Debug)]
struct DomNode {
    /// Position in reverse post-order, from 1 for the entry; 0 for unreachable blocks.
    rpo: u32,
    /// The immediate dominator (none for the entry and unreachable blocks).
    idom: Option<Block>,
    /// Pre-order number in the dominator tree.
    pre: u32,
    /// Post-order number in the dominator tree.
    post: u32,
}

/// Marks a block the DFS has reached but not yet finished.
const SEEN: u32 = u32::MAX;

/// Dominance information for the blocks and instructions of one function.
#[derive(Clone, Default, Debug)]
pub struct DominatorTree {
    nodes: SecondaryMap<Block, DomNode>,
    postorder: Vec<Block>,
    /// Position of each instruction in its block, from 1; 0 for instructions not numbered.
    inst_seq: SecondaryMap<Inst, u32>,
    valid: bool,
}

impl DominatorTree {
    /// An empty, not yet computed tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dominator tree of `func`, whose CFG is `cfg`.
    pub fn with_function(func: &Function, cfg: &ControlFlowGraph) -> Self {
        let mut tree = Self::new();
        tree.compute(func, cfg);
        tree
    }

    /// Forgets everything; the tree is no longer valid.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.postorder.clear();
        self.inst_seq.clear();
        self.valid = false;
    }

    /// Whether the tree has been computed (and not cleared since).
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Recomputes the tree for `func` and its CFG, reusing memory.
    pub fn compute(&mut self, func: &Function, cfg: &ControlFlowGraph) {
        self.clear();
        self.number_insts(func);
        if let Some(entry) = func.layout.entry_block().filter(|&b| func.dfg.block_is_valid(b)) {
            self.compute_postorder(entry, cfg);
            self.compute_idoms(cfg);
            self.number_tree();
        }
        self.valid = true;
    }

    /// Numbers the instruction positions again after instructions moved within or
    /// between blocks while the CFG stayed the same (loop-invariant code motion), so
    /// [`inst_dominates`](Self::inst_dominates) sees the new order; the block-level tree is
    /// kept. Linear in the instructions, where [`compute`](Self::compute) also rebuilds the
    /// tree (and needs a fresh CFG).
    pub fn renumber_insts(&mut self, func: &Function) {
        self.inst_seq.clear();
        self.number_insts(func);
    }

    fn number_insts(&mut self, func: &Function) {
        self.inst_seq.resize(func.dfg.insts.len());
        for block in func.layout.blocks() {
            for (i, inst) in func.layout.block_insts(block).enumerate() {
                self.inst_seq[inst] = i as u32 + 1;
            }
        }
    }

    /// Depth-first search from `entry` with an explicit stack of (block, next successor).
    fn compute_postorder(&mut self, entry: Block, cfg: &ControlFlowGraph) {
        let mut stack: Vec<(Block, usize)> = vec![(entry, 0)];
        self.nodes[entry].rpo = SEEN;
        while let Some(top) = stack.last_mut() {
            let (block, next) = *top;
            match cfg.succ_slice(block).get(next) {
                Some(&succ) => {
                    top.1 += 1;
                    if self.nodes[succ].rpo == 0 {
                        self.nodes[succ].rpo = SEEN;
                        stack.push((succ, 0));
                    }
                }
                None => {
                    stack.pop();
                    self.postorder.push(block);
                }
            }
        }
        let n = self.postorder.len() as u32;
        for (i, &block) in self.postorder.iter().enumerate() {
            self.nodes[block].rpo = n - i as u32;
        }
    }

    /// The Cooper-Harvey-Kennedy fixed point over blocks in reverse post-order.
    fn compute_idoms(&mut self, cfg: &ControlFlowGraph) {
        let Some((&entry, rest)) = self.postorder.split_last() else { return };
        let mut changed = true;
        while changed {
            changed = false;
            for &block in rest.iter().rev() {
                let mut new_idom: Option<Block> = None;
                for pred in cfg.pred_iter(block) {
                    let p = pred.block;
                    let processed = p == entry || self.nodes[p].idom.is_some();
                    if self.nodes[p].rpo == 0 || !processed {
                        continue;
                    }
                    new_idom = Some(match new_idom {
                        None => p,
                        Some(cur) => self.intersect(p, cur),
                    });
                }
                if new_idom.is_some() && self.nodes[block].idom != new_idom {
                    self.nodes[block].idom = new_idom;
                    changed = true;
                }
            }
        }
    }

    /// The nearest common dominator of two processed blocks: walk the one later in RPO up
    /// its dominator chain until the two meet.
    fn intersect(&self, mut a: Block, mut b: Block) -> Block {
        while a != b {
            while self.nodes[a].rpo > self.nodes[b].rpo {
                match self.nodes[a].idom {
                    Some(up) => a = up,
                    None => return b,
                }
            }
            while self.nodes[b].rpo > self.nodes[a].rpo {
                match self.nodes[b].idom {
                    Some(up) => b = up,
                    None => return a,
                }
            }
        }
        a
    }

    /// Pre- and post-order numbers of the dominator tree, by an explicit-stack walk over
    /// children lists laid out by RPO index (compressed rows).
    fn number_tree(&mut self) {
        let n = self.postorder.len();
        // Index i in 0..n is the block with RPO number i + 1.
        let rpo_block = |i: usize| self.postorder[n - 1 - i];
        let mut start = vec![0u32; n + 1];
        for i in 1..n {
            if let Some(idom) = self.nodes[rpo_block(i)].idom {
                start[self.nodes[idom].rpo as usize] += 1;
            }
        }
        // The count of index p sits at p + 1, so running sums leave the children of index p
        // at children[start[p]..start[p + 1]].
        for i in 1..=n {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        let mut children = vec![0u32; start[n] as usize];
        for i in 1..n {
            if let Some(idom) = self.nodes[rpo_block(i)].idom {
                let p = self.nodes[idom].rpo as usize - 1;
                children[fill[p] as usize] = i as u32;
                fill[p] += 1;
            }
        }
        let mut pre = 0;
        let mut post = 0;
        let mut stack: Vec<(u32, u32)> = vec![(0, start[0])];
        self.nodes[rpo_block(0)].pre = pre;
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if next < start[node as usize + 1] {
                top.1 += 1;
                let child = children[next as usize];
                pre += 1;
                let block = rpo_block(child as usize);
                self.nodes[block].pre = pre;
                stack.push((child, start[child as usize]));
            } else {
                stack.pop();
                let block = rpo_block(node as usize);
                self.nodes[block].post = post;
                post += 1;
            }
        }
    }

    /// The reachable blocks in post-order (the entry last). Iterate it backwards for a
    /// reverse post-order, where every block comes after its dominators.
    pub fn cfg_postorder(&self) -> &[Block] {
        &self.postorder
    }

    /// The reachable blocks in reverse post-order (the entry first).
    pub fn cfg_rpo(&self) -> impl Iterator<Item = Block> + '_ {
        self.postorder.iter().rev().copied()
    }

    /// The RPO number of `block` (1 for the entry), or `None` if it is unreachable.
    pub fn rpo_number(&self, block: Block) -> Option<u32> {
        let rpo = self.nodes[block].rpo;
        (rpo != 0).then_some(rpo)
    }

    /// The immediate dominator of `block`; `None` for the entry and unreachable blocks.
    pub fn idom(&self, block: Block) -> Option<Block> {
        self.nodes[block].idom
    }

    /// Whether `block` is reachable from the entry block.
    pub fn is_reachable(&self, block: Block) -> bool {
        self.nodes[block].rpo != 0
    }

    /// Whether every path from the entry to `b` goes through `a`. A block dominates itself;
    /// otherwise both must be reachable.
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        if a == b {
            return true;
        }
        let (na, nb) = (self.nodes[a], self.nodes[b]);
        na.rpo != 0 && nb.rpo != 0 && na.pre <= nb.pre && nb.post <= na.post
    }

    /// Whether `def_inst` dominates `use_inst`: in the same block, `def_inst` comes first
    /// or is the same instruction; else `def_inst`'s block dominates `use_inst`'s. False when
    /// either is not in `layout`.
    pub fn inst_dominates(&self, def_inst: Inst, use_inst: Inst, layout: &Layout) -> bool {
        let (Some(def_block), Some(use_block)) = (layout.inst_block(def_inst), layout.inst_block(use_inst)) else {
            return false;
        };
        if def_block != use_block {
            return self.dominates(def_block, use_block);
        }
        match (self.inst_seq[def_inst], self.inst_seq[use_inst]) {
            (d, u) if d != 0 && u != 0 => d <= u,
            // Not numbered (inserted after the tree was computed): walk back from the use.
            _ => {
                let mut cur = Some(use_inst);
                while let Some(i) = cur {
                    if i == def_inst {
                        return true;
                    }
                    cur = layout.prev_inst(i);
                }
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FuncCursor, InstBuilder, Signature, types::*};

    /// Builds a function whose blocks branch as `edges[i]` says (0, 1 or 2 successors;
    /// `brif` on a constant for two) and returns it with its blocks.
    fn graph(n: usize, edges: &[&[usize]]) -> (Function, Vec<Block>) {
        let mut func = Function::new_test("g", Signature::default());
        let blocks: Vec<Block> = (0..n).map(|_| func.dfg.make_block()).collect();
        for &b in &blocks {
            func.layout.append_block(b);
        }
        let mut cur = FuncCursor::new(&mut func);
        for (i, succ) in edges.iter().enumerate() {
            cur.goto_bottom(blocks[i]);
            match succ {
                [] => {
                    cur.ins().return_(&[]);
                }
                [a] => {
                    cur.ins().jump(blocks[*a], &[]);
                }
                [a, b] => {
                    let c = cur.ins().iconst(I8, 1);
                    cur.ins().brif(c, blocks[*a], &[], blocks[*b], &[]);
                }
                _ => panic!("at most two successors in this helper"),
            }
        }
        (func, blocks)
    }

    fn tree(func: &Function) -> DominatorTree {
        let cfg = ControlFlowGraph::with_function(func);
        DominatorTree::with_function(func, &cfg)
    }

    #[test]
    fn diamond() {
        let (func, b) = graph(4, &[&[1, 2], &[3], &[3], &[]]);
        let dt = tree(&func);
        assert!(dt.is_valid());
        assert_eq!(dt.idom(b[0]), None);
        assert_eq!(dt.idom(b[1]), Some(b[0]));
        assert_eq!(dt.idom(b[2]), Some(b[0]));
        assert_eq!(dt.idom(b[3]), Some(b[0]));
        assert!(dt.dominates(b[0], b[3]));
        assert!(!dt.dominates(b[1], b[3]));
        assert!(!dt.dominates(b[3], b[0]));
        assert_eq!(dt.cfg_postorder().last(), Some(&b[0]));
        assert_eq!(dt.cfg_rpo().next(), Some(b[0]));
        assert_eq!(dt.rpo_number(b[0]), Some(1));
    }

    #[test]
    fn loop_with_exit() {
        // 0 -> 1; 1 -> 2 | 3; 2 -> 1 (back edge); 3 exits.
        let (func, b) = graph(4, &[&[1], &[2, 3], &[1], &[]]);
        let dt = tree(&func);
        assert_eq!(dt.idom(b[1]), Some(b[0]));
        assert_eq!(dt.idom(b[2]), Some(b[1]));
        assert_eq!(dt.idom(b[3]), Some(b[1]));
        assert!(dt.dominates(b[1], b[2]));
        assert!(!dt.dominates(b[2], b[1]));
    }

    #[test]
    fn irreducible() {
        // 0 -> 1 | 2; 1 -> 2; 2 -> 1 | 3: the loop {1, 2} has two entries.
        let (func, b) = graph(4, &[&[1, 2], &[2], &[1, 3], &[]]);
        let dt = tree(&func);
        assert_eq!(dt.idom(b[1]), Some(b[0]));
        assert_eq!(dt.idom(b[2]), Some(b[0]));
        assert_eq!(dt.idom(b[3]), Some(b[2]));
        assert!(!dt.dominates(b[1], b[2]));
        assert!(!dt.dominates(b[2], b[1]));
        assert!(dt.dominates(b[0], b[3]));
    }

    #[test]
    fn unreachable_blocks() {
        // 2 is unreachable and jumps into the reachable part.
        let (func, b) = graph(4, &[&[1], &[], &[3], &[1]]);
        let dt = tree(&func);
        assert!(!dt.is_reachable(b[2]));
        assert!(!dt.is_reachable(b[3]));
        assert_eq!(dt.idom(b[2]), None);
        assert_eq!(dt.idom(b[1]), Some(b[0]));
        assert!(!dt.dominates(b[0], b[2]));
        assert!(dt.dominates(b[2], b[2]));
        assert!(!dt.dominates(b[3], b[1]));
        assert_eq!(dt.cfg_postorder().len(), 2);
        assert_eq!(dt.rpo_number(b[3]), None);
    }

    #[test]
    fn instruction_dominance() {
        let (func, b) = graph(3, &[&[1, 2], &[], &[]]);
        let dt = tree(&func);
        let i0: Vec<Inst> = func.layout.block_insts(b[0]).collect();
        let i1 = func.layout.first_inst(b[1]).unwrap();
        let i2 = func.layout.first_inst(b[2]).unwrap();
        assert!(dt.inst_dominates(i0[0], i0[1], &func.layout));
        assert!(!dt.inst_dominates(i0[1], i0[0], &func.layout));
        assert!(dt.inst_dominates(i0[0], i0[0], &func.layout));
        assert!(dt.inst_dominates(i0[0], i1, &func.layout));
        assert!(!dt.inst_dominates(i1, i2, &func.layout));
    }

    #[test]
    fn instructions_added_later_are_found_by_walking() {
        let (mut func, b) = graph(1, &[&[]]);
        let dt = tree(&func);
        let ret = func.layout.first_inst(b[0]).unwrap();
        let mut cur = FuncCursor::new(&mut func);
        cur.goto_inst(ret);
        let v = cur.ins().iconst(I32, 3);
        let def = func.dfg.value_inst(v).unwrap();
        assert!(dt.inst_dominates(def, ret, &func.layout));
        assert!(!dt.inst_dominates(ret, def, &func.layout));
    }

    #[test]
    fn long_chain_does_not_recurse() {
        const N: usize = 100_000;
        let edges: Vec<Vec<usize>> = (0..N).map(|i| if i + 1 < N { vec![i + 1] } else { vec![] }).collect();
        let refs: Vec<&[usize]> = edges.iter().map(|e| e.as_slice()).collect();
        let (func, b) = graph(N, &refs);
        let dt = tree(&func);
        assert_eq!(dt.cfg_postorder().len(), N);
        assert_eq!(dt.idom(b[N - 1]), Some(b[N - 2]));
        assert!(dt.dominates(b[0], b[N - 1]));
        assert!(dt.dominates(b[N / 2], b[N - 1]));
        assert!(!dt.dominates(b[N - 1], b[N / 2]));
    }

    /// Dominators by the textbook data-flow definition, on sets, for cross-checking.
    fn naive_dominators(n: usize, edges: &[Vec<usize>]) -> Vec<Option<Vec<bool>>> {
        let mut reach = vec![false; n];
        let mut work = vec![0];
        reach[0] = true;
        while let Some(b) = work.pop() {
            for &s in &edges[b] {
                if !reach[s] {
                    reach[s] = true;
                    work.push(s);
                }
            }
        }
        let mut dom: Vec<Vec<bool>> = (0..n).map(|i| (0..n).map(|j| i != 0 || j == 0).collect()).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for b in 1..n {
                if !reach[b] {
                    continue;
                }
                let mut new = vec![true; n];
                for p in (0..n).filter(|&p| reach[p] && edges[p].contains(&b)) {
                    for j in 0..n {
                        new[j] &= dom[p][j];
                    }
                }
                new[b] = true;
                if new != dom[b] {
                    dom[b] = new;
                    changed = true;
                }
            }
        }
        (0..n).map(|b| reach[b].then(|| dom[b].clone())).collect()
    }

    #[test]
    fn matches_naive_dominators_on_random_graphs() {
        let mut state = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..500 {
            let n = 1 + (next() % 9) as usize;
            let edges: Vec<Vec<usize>> = (0..n)
                .map(|_| {
                    let k = (next() % 3) as usize;
                    (0..k).map(|_| (next() % n as u64) as usize).collect()
                })
                .collect();
            let refs: Vec<&[usize]> = edges.iter().map(|e| e.as_slice()).collect();
            let (func, b) = graph(n, &refs);
            let dt = tree(&func);
            let naive = naive_dominators(n, &edges);
            for x in 0..n {
                assert_eq!(dt.is_reachable(b[x]), naive[x].is_some(), "reachability of {x} in {edges:?}");
                for y in 0..n {
                    let want = x == y || naive[y].as_ref().is_some_and(|d| d[x] && naive[x].is_some());
                    assert_eq!(dt.dominates(b[x], b[y]), want, "{x} dom {y} in {edges:?}");
                }
            }
        }
    }

    #[test]
    fn empty_function() {
        let func = Function::new_test("e", Signature::default());
        let dt = tree(&func);
        assert!(dt.is_valid());
        assert!(dt.cfg_postorder().is_empty());
    }
}
