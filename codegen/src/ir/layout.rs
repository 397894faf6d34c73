//! The layout: the order of blocks in a function and of instructions in each block, as
//! doubly linked lists over entity indices, so that inserting and removing are O(1).
//!
//! Invariant: a block is in the layout at most once; an instruction is in at most one
//! block, and only in a block that is itself in the layout.

use super::entities::{Block, Inst};
use crate::entity::{PackedOption, SecondaryMap};

#[derive(Clone, Copy, Default, Debug)]
struct BlockNode {
    prev: PackedOption<Block>,
    next: PackedOption<Block>,
    first_inst: PackedOption<Inst>,
    last_inst: PackedOption<Inst>,
    inserted: bool,
    cold: bool,
}

#[derive(Clone, Copy, Default, Debug)]
struct InstNode {
    block: PackedOption<Block>,
    prev: PackedOption<Inst>,
    next: PackedOption<Inst>,
}

/// The order of blocks and instructions.
#[derive(Clone, Default, Debug)]
pub struct Layout {
    blocks: SecondaryMap<Block, BlockNode>,
    insts: SecondaryMap<Inst, InstNode>,
    first_block: PackedOption<Block>,
    last_block: PackedOption<Block>,
}

impl Layout {
    /// An empty layout.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every block and instruction, keeping the tables' memory.
    pub fn clear(&mut self) {
        let Layout { blocks, insts, first_block, last_block } = self;
        blocks.clear();
        insts.clear();
        *first_block = None.into();
        *last_block = None.into();
    }

    // ---- Blocks ----

    /// Whether `block` is in the layout.
    pub fn is_block_inserted(&self, block: Block) -> bool {
        self.blocks[block].inserted
    }

    /// The first block (the entry block).
    pub fn entry_block(&self) -> Option<Block> {
        self.first_block.expand()
    }

    /// The last block.
    pub fn last_block(&self) -> Option<Block> {
        self.last_block.expand()
    }

    /// Appends `block` at the end. It must not be in the layout already.
    pub fn append_block(&mut self, block: Block) {
        assert!(!self.is_block_inserted(block), "{block} is already in the layout");
        let last = self.last_block;
        {
            let node = &mut self.blocks[block];
            node.inserted = true;
            node.prev = last;
            node.next = PackedOption::none();
        }
        match last.expand() {
            Some(l) => self.blocks[l].next = block.into(),
            None => self.first_block = block.into(),
        }
        self.last_block = block.into();
    }

    /// Inserts `block` right before `before`.
    pub fn insert_block_before(&mut self, block: Block, before: Block) {
        assert!(!self.is_block_inserted(block), "{block} is already in the layout");
        assert!(self.is_block_inserted(before), "{before} is not in the layout");
        let prev = self.blocks[before].prev;
        {
            let node = &mut self.blocks[block];
            node.inserted = true;
            node.prev = prev;
            node.next = before.into();
        }
        self.blocks[before].prev = block.into();
        match prev.expand() {
            Some(p) => self.blocks[p].next = block.into(),
            None => self.first_block = block.into(),
        }
    }

    /// Inserts `block` right after `after`.
    pub fn insert_block_after(&mut self, block: Block, after: Block) {
        match self.blocks[after].next.expand() {
            Some(next) => self.insert_block_before(block, next),
            None => self.append_block(block),
        }
    }

    /// Removes `block` from the layout; its instructions stay attached to it.
    pub fn remove_block(&mut self, block: Block) {
        assert!(self.is_block_inserted(block), "{block} is not in the layout");
        let BlockNode { prev, next, .. } = self.blocks[block];
        match prev.expand() {
            Some(p) => self.blocks[p].next = next,
            None => self.first_block = next,
        }
        match next.expand() {
            Some(n) => self.blocks[n].prev = prev,
            None => self.last_block = prev,
        }
        let node = &mut self.blocks[block];
        node.inserted = false;
        node.prev = PackedOption::none();
        node.next = PackedOption::none();
    }

    /// The block after `block`.
    pub fn next_block(&self, block: Block) -> Option<Block> {
        self.blocks[block].next.expand()
    }

    /// The block before `block`.
    pub fn prev_block(&self, block: Block) -> Option<Block> {
        self.blocks[block].prev.expand()
    }

    /// Every block in layout order.
    pub fn blocks(&self) -> Blocks<'_> {
        Blocks { layout: self, next: self.first_block.expand() }
    }

    /// Marks `block` cold (placed out of line by backends) or not.
    pub fn set_cold(&mut self, block: Block, cold: bool) {
        self.blocks[block].cold = cold;
    }

    /// Whether `block` is marked cold.
    pub fn is_cold(&self, block: Block) -> bool {
        self.blocks[block].cold
    }

    // ---- Instructions ----

    /// The block holding `inst`, if it is in the layout.
    pub fn inst_block(&self, inst: Inst) -> Option<Block> {
        self.insts[inst].block.expand()
    }

    /// Appends `inst` at the end of `block`.
    pub fn append_inst(&mut self, inst: Inst, block: Block) {
        assert!(self.inst_block(inst).is_none(), "{inst} is already in the layout");
        assert!(self.is_block_inserted(block), "{block} must be in the layout before instructions are added to it");
        let last = self.blocks[block].last_inst;
        {
            let node = &mut self.insts[inst];
            node.block = block.into();
            node.prev = last;
            node.next = PackedOption::none();
        }
        match last.expand() {
            Some(l) => self.insts[l].next = inst.into(),
            None => self.blocks[block].first_inst = inst.into(),
        }
        self.blocks[block].last_inst = inst.into();
    }

    /// Inserts `inst` right before `before`.
    pub fn insert_inst_before(&mut self, inst: Inst, before: Inst) {
        assert!(self.inst_block(inst).is_none(), "{inst} is already in the layout");
        let block = self.inst_block(before).expect("the instruction to insert before is not in the layout");
        let prev = self.insts[before].prev;
        {
            let node = &mut self.insts[inst];
            node.block = block.into();
            node.prev = prev;
            node.next = before.into();
        }
        self.insts[before].prev = inst.into();
        match prev.expand() {
            Some(p) => self.insts[p].next = inst.into(),
            None => self.blocks[block].first_inst = inst.into(),
        }
    }

    /// Inserts `inst` right after `after`.
    pub fn insert_inst_after(&mut self, inst: Inst, after: Inst) {
        match self.insts[after].next.expand() {
            Some(next) => self.insert_inst_before(inst, next),
            None => {
                let block = self.inst_block(after).expect("the instruction to insert after is not in the layout");
                self.append_inst(inst, block)
            }
        }
    }

    /// Removes `inst` from the layout.
    pub fn remove_inst(&mut self, inst: Inst) {
        let block = self.inst_block(inst).expect("the instruction to remove is not in the layout");
        let InstNode { prev, next, .. } = self.insts[inst];
        match prev.expand() {
            Some(p) => self.insts[p].next = next,
            None => self.blocks[block].first_inst = next,
        }
        match next.expand() {
            Some(n) => self.insts[n].prev = prev,
            None => self.blocks[block].last_inst = prev,
        }
        self.insts[inst] = InstNode::default();
    }

    /// How many instructions are in blocks that are in the layout (one pass over the
    /// instruction table, not a walk of the lists).
    pub fn num_placed_insts(&self) -> usize {
        self.insts.iter().filter(|(_, n)| n.block.expand().is_some_and(|b| self.blocks[b].inserted)).count()
    }

    /// The first instruction of `block`.
    pub fn first_inst(&self, block: Block) -> Option<Inst> {
        self.blocks[block].first_inst.expand()
    }

    /// The last instruction of `block` (its terminator, in a valid function).
    pub fn last_inst(&self, block: Block) -> Option<Inst> {
        self.blocks[block].last_inst.expand()
    }

    /// The instruction after `inst` in its block.
    pub fn next_inst(&self, inst: Inst) -> Option<Inst> {
        self.insts[inst].next.expand()
    }

    /// The instruction before `inst` in its block.
    pub fn prev_inst(&self, inst: Inst) -> Option<Inst> {
        self.insts[inst].prev.expand()
    }

    /// The instructions of `block` in order.
    pub fn block_insts(&self, block: Block) -> Insts<'_> {
        Insts { layout: self, next: self.first_inst(block), back: self.last_inst(block) }
    }
}

/// Iterator over blocks in layout order.
pub struct Blocks<'a> {
    layout: &'a Layout,
    next: Option<Block>,
}

impl Iterator for Blocks<'_> {
    type Item = Block;
    fn next(&mut self) -> Option<Block> {
        let b = self.next?;
        self.next = self.layout.next_block(b);
        Some(b)
    }
}

/// Iterator over the instructions of one block, from either end.
pub struct Insts<'a> {
    layout: &'a Layout,
    next: Option<Inst>,
    back: Option<Inst>,
}

impl Iterator for Insts<'_> {
    type Item = Inst;
    fn next(&mut self) -> Option<Inst> {
        let i = self.next?;
        if Some(i) == self.back {
            self.next = None;
            self.back = None;
        } else {
            self.next = self.layout.next_inst(i);
        }
        Some(i)
    }
}

impl DoubleEndedIterator for Insts<'_> {
    fn next_back(&mut self) -> Option<Inst> {
        let i = self.back?;
        if Some(i) == self.next {
            self.next = None;
            self.back = None;
        } else {
            self.back = self.layout.prev_inst(i);
        }
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_remove_keep_links() {
        let mut l = Layout::new();
        let (b0, b1, b2) = (Block::from_u32(0), Block::from_u32(1), Block::from_u32(2));
        l.append_block(b0);
        l.append_block(b2);
        l.insert_block_before(b1, b2);
        assert_eq!(l.blocks().collect::<Vec<_>>(), [b0, b1, b2]);
        let i: Vec<Inst> = (0..4).map(Inst::from_u32).collect();
        l.append_inst(i[0], b1);
        l.append_inst(i[2], b1);
        l.insert_inst_before(i[1], i[2]);
        l.insert_inst_after(i[3], i[2]);
        assert_eq!(l.block_insts(b1).collect::<Vec<_>>(), i);
        assert_eq!(l.block_insts(b1).rev().collect::<Vec<_>>(), i.iter().rev().copied().collect::<Vec<_>>());
        l.remove_inst(i[0]);
        l.remove_inst(i[3]);
        assert_eq!(l.block_insts(b1).collect::<Vec<_>>(), [i[1], i[2]]);
        assert_eq!(l.inst_block(i[0]), None);
        l.remove_block(b0);
        assert_eq!(l.entry_block(), Some(b1));
        l.remove_block(b2);
        assert_eq!(l.last_block(), Some(b1));
    }
}
