//! Phase 5: single assignment and dominance.
//!
//! Each block parameter must be recorded as that block's own (results were checked in
//! phase 2), so every value has exactly one definition. Every use (operands and branch
//! arguments, which count as uses at the branch) must be defined by something in the
//! layout, and in a reachable block the definition must dominate the use: a result's
//! instruction comes strictly before the use in the same block or its block dominates the
//! use's block; a parameter's block dominates the use's block. In unreachable blocks only
//! the first part is required, since dominance means nothing there.

use super::{AnyEntity, Verifier, value_origin};
use crate::dominator_tree::DominatorTree;
use crate::flowgraph::ControlFlowGraph;
use crate::ir::{Block, Inst, Value, ValueDef};

impl Verifier<'_> {
    pub(super) fn check_ssa(&mut self) {
        let func = self.func;
        let dfg = &func.dfg;
        for bi in 0..self.blocks.len() {
            let block = self.blocks[bi];
            for (i, &p) in dfg.block_params(block).iter().enumerate() {
                if dfg.value_def(p) != ValueDef::Param(block, i) {
                    self.error(
                        AnyEntity::Block(block),
                        format!("parameter {i} ({p}) is not recorded as defined by {block}"),
                    );
                }
            }
        }
        let cfg = ControlFlowGraph::with_function(func);
        let domtree = DominatorTree::with_function(func, &cfg);
        let insts: Vec<(Block, Inst)> = self.checked_insts().collect();
        let mut uses: Vec<Value> = Vec::new();
        for (block, inst) in insts {
            uses.clear();
            dfg.inst_values_into(inst, &mut uses);
            let reachable = domtree.is_reachable(block);
            for &v in &uses {
                self.check_use(inst, block, v, reachable, &domtree);
            }
        }
    }

    fn check_use(&mut self, inst: Inst, block: Block, v: Value, reachable: bool, domtree: &DominatorTree) {
        let layout = &self.func.layout;
        // Phase 2 made sure every value of a checked instruction has an origin.
        let Some(origin) = value_origin(self.func, v) else { return };
        match origin {
            ValueDef::Result(def, _) => {
                if layout.inst_block(def).is_none() {
                    self.inst_error(inst, format!("uses {v}, defined by {def}, which is not in the layout"));
                } else if def == inst {
                    self.inst_error(inst, format!("uses its own result {v}"));
                } else if reachable && !domtree.inst_dominates(def, inst, layout) {
                    self.inst_error(inst, format!("uses {v}, whose definition in {def} does not dominate this use"));
                }
            }
            ValueDef::Param(def_block, _) => {
                if !self.func.dfg.block_is_valid(def_block) || !layout.is_block_inserted(def_block) {
                    self.inst_error(inst, format!("uses {v}, a parameter of {def_block}, which is not in the layout"));
                } else if reachable && !domtree.dominates(def_block, block) {
                    self.inst_error(
                        inst,
                        format!("uses {v}, a parameter of {def_block}, which does not dominate this use"),
                    );
                }
            }
            ValueDef::Alias(_) | ValueDef::Placeholder => {}
        }
    }
}
