//! Phase 1: the shape of the layout.
//!
//! Walks the layout once and records, for the later phases, the blocks and instructions
//! the DFG knows (each once, in order) and which instructions have the format of their
//! opcode. Reports: layout entries the DFG does not know, duplicates, format mismatches,
//! empty blocks, missing or misplaced terminators, a function without blocks, and entry
//! block parameters that disagree with the signature.

use super::{AnyEntity, Verifier};
use crate::entity::SecondaryMap;
use crate::ir::{Block, Inst};

impl Verifier<'_> {
    pub(super) fn check_structure(&mut self) {
        let func = self.func;
        let (dfg, layout) = (&func.dfg, &func.layout);
        let mut seen_block: SecondaryMap<Block, bool> = SecondaryMap::new();
        let mut seen_inst: SecondaryMap<Inst, bool> = SecondaryMap::new();
        for block in layout.blocks() {
            if seen_block[block] {
                // Only a corrupted layout can list a block twice; stop before looping.
                self.error(AnyEntity::Block(block), format!("{block} appears more than once in the layout"));
                break;
            }
            seen_block[block] = true;
            if !dfg.block_is_valid(block) {
                self.error(AnyEntity::Block(block), format!("{block} is in the layout but does not exist"));
                continue;
            }
            self.blocks.push(block);
            let first = self.insts.len();
            for inst in layout.block_insts(block) {
                if seen_inst[inst] {
                    self.error(AnyEntity::Inst(inst), format!("{inst} appears more than once in the layout"));
                    break;
                }
                seen_inst[inst] = true;
                let Some(data) = dfg.insts.get(inst) else {
                    self.error(AnyEntity::Block(block), format!("{block} contains {inst}, which does not exist"));
                    continue;
                };
                self.insts.push((block, inst));
                let op = data.opcode();
                if data.format() == op.format() {
                    self.well_formed[inst] = true;
                } else {
                    self.inst_error(
                        inst,
                        format!(
                            "instruction data has format {:?}, but {op} has format {:?}",
                            data.format(),
                            op.format()
                        ),
                    );
                }
            }
            self.check_terminators(block, first);
        }
        self.check_entry_block();
    }

    /// The instructions of `block` are `self.insts[first..]`.
    fn check_terminators(&mut self, block: Block, first: usize) {
        let dfg = &self.func.dfg;
        let end = self.insts.len();
        if first == end {
            self.error(AnyEntity::Block(block), format!("{block} is empty: every block must end with a terminator"));
            return;
        }
        for idx in first..end - 1 {
            let inst = self.insts[idx].1;
            let op = dfg.insts[inst].opcode();
            if op.is_terminator() {
                self.inst_error(inst, format!("terminator {op} is not the last instruction of {block}"));
            }
        }
        let last = self.insts[end - 1].1;
        let op = dfg.insts[last].opcode();
        if !op.is_terminator() {
            self.inst_error(last, format!("{block} does not end with a terminator: its last instruction is {op}"));
        }
    }

    fn check_entry_block(&mut self) {
        let func = self.func;
        let Some(&entry) = self.blocks.first() else {
            self.error(AnyEntity::Function, "function has no blocks");
            return;
        };
        if func.layout.entry_block() != Some(entry) {
            // The first layout block does not exist; already reported.
            return;
        }
        let params = func.dfg.block_params(entry);
        let sig = &func.signature.params;
        if params.len() != sig.len() {
            self.error(
                AnyEntity::Block(entry),
                format!(
                    "entry block has {} parameters, but the function signature has {}: {}",
                    params.len(),
                    sig.len(),
                    func.signature
                ),
            );
            return;
        }
        for (i, (&p, abi)) in params.iter().zip(sig).enumerate() {
            let ty = func.dfg.value_type(p);
            if ty != abi.value_type {
                self.error(
                    AnyEntity::Block(entry),
                    format!(
                        "entry block parameter {i} ({p}) has type {ty}, but the function signature says {}",
                        abi.value_type
                    ),
                );
            }
        }
    }
}
