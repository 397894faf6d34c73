//! Phase 2: entity references.
//!
//! Checks that everything the preamble and each well-formed placed instruction names
//! exists: values (defined, not placeholders, aliases that end), blocks (created and in
//! the layout), jump tables, stack slots, global values, signatures, external functions
//! and constants; that aliases keep the type of the value they name; that global-value
//! bases form no cycle; and that each instruction's results are recorded as its own.
//! Instructions that pass are marked in `refs_ok`, and valid global values in `gv_ok`,
//! for the later phases.

use super::{AnyEntity, Verifier};
use crate::ir::{BlockArg, GlobalValue, GlobalValueData, Inst, InstructionData, Value, ValueDef};

impl Verifier<'_> {
    pub(super) fn check_entities(&mut self) {
        self.check_aliases();
        self.check_preamble();
        for idx in 0..self.insts.len() {
            let inst = self.insts[idx].1;
            if !self.well_formed[inst] {
                continue;
            }
            let before = self.errors.len();
            let silent_problem = self.check_inst_refs(inst);
            self.refs_ok[inst] = !silent_problem && self.errors.len() == before;
        }
    }

    /// Every alias must lead, without a cycle, to a defined value of the same type.
    fn check_aliases(&mut self) {
        let dfg = &self.func.dfg;
        for i in 0..dfg.num_values() {
            let v = Value::from_u32(i as u32);
            let ValueDef::Alias(original) = dfg.value_def(v) else { continue };
            if dfg.alias_cycle(v) {
                self.error(AnyEntity::Value(v), format!("{v} is an alias in a cycle of aliases"));
                continue;
            }
            let target = dfg.resolve_aliases(v);
            if !dfg.value_is_defined(target) {
                self.error(AnyEntity::Value(v), format!("{v} is an alias of {original}, which is not defined"));
                continue;
            }
            let (ty, target_ty) = (dfg.value_type(v), dfg.value_type(target));
            if ty != target_ty {
                self.error(
                    AnyEntity::Value(v),
                    format!("{v} is an alias of {target} but has type {ty}, while {target} has type {target_ty}"),
                );
            }
        }
    }

    fn check_preamble(&mut self) {
        let func = self.func;
        let dfg = &func.dfg;
        for (fr, ext) in dfg.ext_funcs.iter() {
            if !dfg.signatures.is_valid(ext.signature) {
                self.error(AnyEntity::FuncRef(fr), format!("{fr} uses {}, which does not exist", ext.signature));
            }
        }
        let n = func.global_values.len();
        for (gv, data) in func.global_values.iter() {
            if let GlobalValueData::Load { flags, .. } = data {
                if flags.has_conflicting_alias_classes() {
                    self.error(AnyEntity::GlobalValue(gv), format!("{gv}'s flags name more than one alias class"));
                }
                if let Some(r) = flags.alias_region().filter(|&r| !func.alias_regions.is_valid(r)) {
                    self.error(AnyEntity::GlobalValue(gv), format!("{gv}'s flags name {r}, which is not declared"));
                }
            }
            let base = match data {
                GlobalValueData::Load { base, .. } | GlobalValueData::IAddImm { base, .. } => *base,
                GlobalValueData::VMContext | GlobalValueData::Symbol { .. } => {
                    self.gv_ok[gv] = true;
                    continue;
                }
            };
            if !func.global_values.is_valid(base) {
                self.error(AnyEntity::GlobalValue(gv), format!("{gv} has base {base}, which does not exist"));
                continue;
            }
            // Follow the bases; at most `n` steps reach a root unless the chain loops.
            let mut cur = gv;
            let mut steps = 0;
            let mut on_cycle = false;
            let mut ends = false;
            while steps <= n {
                match func.global_values.get(cur) {
                    Some(GlobalValueData::Load { base, .. } | GlobalValueData::IAddImm { base, .. }) => cur = *base,
                    Some(_) => {
                        ends = true;
                        break;
                    }
                    None => break,
                }
                steps += 1;
                if cur == gv {
                    on_cycle = true;
                    break;
                }
            }
            if on_cycle {
                self.error(AnyEntity::GlobalValue(gv), format!("{gv} is part of a cycle of global value bases"));
            }
            // Chains into a cycle or to a missing base are reported where the fault is.
            self.gv_ok[gv] = ends;
        }
    }

    /// Checks every reference of `inst`; returns true when something is wrong that was
    /// reported elsewhere (an alias fault, a function reference with a bad signature).
    fn check_inst_refs(&mut self, inst: Inst) -> bool {
        let func = self.func;
        let dfg = &func.dfg;
        let data = &dfg.insts[inst];
        let mut silent = false;
        for &v in data.arguments(&dfg.value_lists) {
            silent |= self.check_value_ref(inst, v);
        }
        for (i, &r) in dfg.inst_results(inst).iter().enumerate() {
            if dfg.value_def(r) != ValueDef::Result(inst, i) {
                self.inst_error(inst, format!("result {i} ({r}) is not recorded as defined by {inst}"));
            }
        }
        if let InstructionData::BranchTable { table, .. } = *data
            && !dfg.jump_tables.is_valid(table)
        {
            self.inst_error(inst, format!("uses {table}, which does not exist"));
        }
        if let Some(table) = data.exception_table() {
            match dfg.exception_tables.get(table) {
                None => self.inst_error(inst, format!("uses {table}, which does not exist")),
                Some(t) => {
                    if !dfg.signatures.is_valid(t.signature()) {
                        self.inst_error(inst, format!("uses {}, which does not exist", t.signature()));
                    }
                    if let Some(ctx) = t.context() {
                        silent |= self.check_value_ref(inst, ctx);
                    }
                }
            }
        }
        for bc in data.branch_destinations(&dfg.jump_tables, &dfg.exception_tables) {
            let b = bc.block;
            if !dfg.block_is_valid(b) {
                self.inst_error(inst, format!("branches to {b}, which does not exist"));
            } else if !func.layout.is_block_inserted(b) {
                self.inst_error(inst, format!("branches to {b}, which is not in the layout"));
            }
            // `retN`/`exnN` are checked against the callee and the payload registers in
            // `cfg_checks`.
            for &v in bc.args_slice(&dfg.value_lists) {
                if let Some(v) = BlockArg::decode(v).as_value() {
                    silent |= self.check_value_ref(inst, v);
                }
            }
        }
        match *data {
            InstructionData::StackLoad { stack_slot, .. } | InstructionData::StackStore { stack_slot, .. }
                if !func.stack_slots.is_valid(stack_slot) =>
            {
                self.inst_error(inst, format!("uses {stack_slot}, which does not exist"));
            }
            InstructionData::UnaryGlobalValue { global_value, .. } => self.check_gv_ref(inst, global_value),
            InstructionData::FuncAddr { func_ref, .. }
            | InstructionData::Call { func_ref, .. }
            | InstructionData::TryCall { func_ref, .. } => match dfg.ext_funcs.get(func_ref) {
                None => self.inst_error(inst, format!("uses {func_ref}, which does not exist")),
                Some(ext) => silent |= !dfg.signatures.is_valid(ext.signature),
            },
            InstructionData::CallIndirect { sig_ref, .. } if !dfg.signatures.is_valid(sig_ref) => {
                self.inst_error(inst, format!("uses {sig_ref}, which does not exist"));
            }
            InstructionData::UnaryConst { constant, .. } | InstructionData::Shuffle { mask: constant, .. }
                if !dfg.constants.is_valid(constant) =>
            {
                self.inst_error(inst, format!("uses {constant}, which does not exist"));
            }
            _ => {}
        }
        silent
    }

    fn check_gv_ref(&mut self, inst: Inst, gv: GlobalValue) {
        if !self.func.global_values.is_valid(gv) {
            self.inst_error(inst, format!("uses {gv}, which does not exist"));
        } else if !self.gv_ok[gv] {
            self.inst_error(inst, format!("uses {gv}, whose chain of bases is invalid"));
        }
    }

    /// Reports a missing or undefined value; returns true for an alias fault (reported
    /// once, at the alias).
    fn check_value_ref(&mut self, inst: Inst, v: Value) -> bool {
        let dfg = &self.func.dfg;
        if !dfg.value_is_valid(v) {
            self.inst_error(inst, format!("uses {v}, which does not exist"));
            false
        } else if !dfg.value_is_defined(v) {
            self.inst_error(inst, format!("uses {v}, which is never defined"));
            false
        } else {
            !self.value_ok(v)
        }
    }
}
