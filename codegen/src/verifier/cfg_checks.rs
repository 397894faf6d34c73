//! Phase 4: values crossing control-flow and call boundaries.
//!
//! Branch arguments (of `jump`, both arms of `brif`, every `br_table` entry and its
//! default) must match the destination's parameters in number and type; `return` values
//! must match the function's signature; call arguments must match the callee's
//! signature; and a tail call's callee must return what this function returns.

use super::Verifier;
use crate::ir::{AbiParam, Inst, InstructionData, Opcode, Signature, Value};

impl Verifier<'_> {
    pub(super) fn check_control_flow(&mut self) {
        let insts: Vec<Inst> = self.checked_insts().map(|(_, i)| i).collect();
        for inst in insts {
            self.check_branch_args(inst);
            self.check_signatures(inst);
        }
    }

    fn check_branch_args(&mut self, inst: Inst) {
        let dfg = &self.func.dfg;
        let data = &dfg.insts[inst];
        for bc in data.branch_destinations(&dfg.jump_tables) {
            let dest = bc.block;
            let params = dfg.block_params(dest);
            let args = bc.args_slice(&dfg.value_lists);
            if params.len() != args.len() {
                self.inst_error(
                    inst,
                    format!("{dest} takes {} arguments, but the branch passes {}", params.len(), args.len()),
                );
                continue;
            }
            for (i, (&a, &p)) in args.iter().zip(params).enumerate() {
                let (at, pt) = (dfg.value_type(a), dfg.value_type(p));
                if at != pt {
                    self.inst_error(
                        inst,
                        format!("argument {i} to {dest} ({a}) has type {at}, but the parameter {p} has type {pt}"),
                    );
                }
            }
        }
    }

    fn check_signatures(&mut self, inst: Inst) {
        let func = self.func;
        let dfg = &func.dfg;
        let data = &dfg.insts[inst];
        let op = data.opcode();
        let args = data.arguments(&dfg.value_lists);
        match *data {
            InstructionData::MultiAry { opcode: Opcode::Return, .. } => {
                self.check_values_against(inst, args, &func.signature.returns, "return value", "the function returns");
            }
            InstructionData::Call { func_ref, .. } => {
                let sig = &dfg.signatures[dfg.ext_funcs[func_ref].signature];
                self.check_call(inst, op, &func_ref.to_string(), args, sig);
            }
            InstructionData::CallIndirect { sig_ref, .. } => {
                // The callee address is operand 0; its type is checked by the opcode table.
                let call_args = args.get(1..).unwrap_or(&[]);
                self.check_call(
                    inst,
                    op,
                    &format!("the callee of type {sig_ref}"),
                    call_args,
                    &dfg.signatures[sig_ref],
                );
            }
            _ => {}
        }
    }

    fn check_call(&mut self, inst: Inst, op: Opcode, callee: &str, args: &[Value], sig: &Signature) {
        self.check_values_against(inst, args, &sig.params, "argument", &format!("{callee} takes"));
        if op.is_return() {
            let ours = &self.func.signature.returns;
            let same = ours.len() == sig.returns.len()
                && ours.iter().zip(&sig.returns).all(|(a, b)| a.value_type == b.value_type);
            if !same {
                self.inst_error(
                    inst,
                    format!(
                        "tail call to {callee} returns ({}), but this function returns ({})",
                        list(&sig.returns),
                        list(ours)
                    ),
                );
            }
        }
    }

    /// Checks `values` against `abi` in count and type; `what` names one value, `against`
    /// says what the ABI list belongs to.
    fn check_values_against(&mut self, inst: Inst, values: &[Value], abi: &[AbiParam], what: &str, against: &str) {
        let dfg = &self.func.dfg;
        if values.len() != abi.len() {
            self.inst_error(
                inst,
                format!("{} {what}s given, but {against} {} ({})", values.len(), abi.len(), list(abi)),
            );
            return;
        }
        for (i, (&v, p)) in values.iter().zip(abi).enumerate() {
            let ty = dfg.value_type(v);
            if ty != p.value_type {
                self.inst_error(inst, format!("{what} {i} ({v}) has type {ty}, but {against} {}", p.value_type));
            }
        }
    }
}

fn list(abi: &[AbiParam]) -> String {
    abi.iter().map(|p| p.value_type.to_string()).collect::<Vec<_>>().join(", ")
}
