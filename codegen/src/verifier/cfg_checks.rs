//! Phase 4: values crossing control-flow and call boundaries.
//!
//! Branch arguments (of `jump`, both arms of `brif`, every `br_table` entry and its
//! default) must match the destination's parameters in number and type; `return` values
//! must match the function's signature; call arguments must match the callee's
//! signature; and a tail call's callee must return what this function returns.
//!
//! A `try_call*`'s destinations are checked the same way, with its special arguments:
//! `retN` only on the normal destination, typed by the callee's N-th return; `exnN` only
//! on handlers, `N < 2`, of the payload type `i64`. Its tags are distinct, there is at most
//! one `default`, and the callee's calling convention is one exceptions may cross.

use super::Verifier;
use crate::ir::{AbiParam, BlockArg, CallConv, Inst, InstructionData, Opcode, Signature, Value, types};

/// How many exception payload values a handler can receive (`exn0`, `exn1`).
pub const EXCEPTION_PAYLOADS: u32 = 2;

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
        let callee_returns = dfg
            .call_signature(inst)
            .and_then(|s| dfg.signatures.get(s))
            .map(|s| s.returns.iter().map(|p| p.value_type).collect::<Vec<_>>());
        let is_try = data.exception_table().is_some();
        for (dest_index, bc) in data.branch_destinations(&dfg.jump_tables, &dfg.exception_tables).iter().enumerate() {
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
                let pt = dfg.value_type(p);
                let at = match BlockArg::decode(a) {
                    BlockArg::Value(v) => dfg.value_type(v),
                    BlockArg::TryCallRet(n) if is_try && dest_index == 0 => {
                        match callee_returns.as_ref().and_then(|r| r.get(n as usize)) {
                            Some(&t) => t,
                            None => {
                                self.inst_error(
                                    inst,
                                    format!("argument {i} to {dest} is ret{n}, but the callee has no return value {n}"),
                                );
                                continue;
                            }
                        }
                    }
                    BlockArg::TryCallExn(n) if is_try && dest_index > 0 => {
                        if n >= EXCEPTION_PAYLOADS {
                            self.inst_error(
                                inst,
                                format!("argument {i} to {dest} is exn{n}, but exceptions carry {EXCEPTION_PAYLOADS} payload values"),
                            );
                            continue;
                        }
                        types::I64
                    }
                    other => {
                        let place = if is_try && dest_index == 0 {
                            "the normal destination of a try_call"
                        } else if is_try {
                            "an exception handler (use exnN there)"
                        } else {
                            "a branch that is not a try_call"
                        };
                        self.inst_error(inst, format!("argument {i} to {dest} is {other}, which {place} cannot pass"));
                        continue;
                    }
                };
                if at != pt {
                    self.inst_error(
                        inst,
                        format!(
                            "argument {i} to {dest} ({}) has type {at}, but the parameter {p} has type {pt}",
                            BlockArg::decode(a)
                        ),
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
            InstructionData::TryCall { func_ref, exception, .. } => {
                let sig = &dfg.signatures[dfg.ext_funcs[func_ref].signature];
                self.check_call(inst, op, &func_ref.to_string(), args, sig);
                self.check_exception_table(inst, exception, sig);
            }
            InstructionData::TryCallIndirect { exception, .. } => {
                let sig_ref = dfg.exception_tables[exception].signature();
                let call_args = args.get(1..).unwrap_or(&[]);
                let sig = &dfg.signatures[sig_ref];
                self.check_call(inst, op, &format!("the callee of type {sig_ref}"), call_args, sig);
                self.check_exception_table(inst, exception, sig);
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

    fn check_exception_table(&mut self, inst: Inst, table: crate::ir::ExceptionTable, sig: &Signature) {
        let dfg = &self.func.dfg;
        if !matches!(sig.call_conv, CallConv::Tail | CallConv::SystemV) {
            self.inst_error(
                inst,
                format!(
                    "try_call needs a callee of calling convention tail or system_v (one exceptions can unwind through), not {}",
                    sig.call_conv
                ),
            );
        }
        let mut seen = std::collections::HashSet::new();
        let mut defaults = 0;
        let handlers: Vec<_> = dfg.exception_tables[table].handlers().map(|(t, _)| t).collect();
        for tag in handlers {
            match tag {
                Some(t) if !seen.insert(t) => self.inst_error(inst, format!("tag{t} has more than one handler")),
                Some(_) => {}
                None => {
                    defaults += 1;
                    if defaults == 2 {
                        self.inst_error(inst, "the exception table has more than one default handler");
                    }
                }
            }
        }
        if let Some(ctx) = dfg.exception_tables[table].context() {
            let ty = dfg.value_type(ctx);
            if !matches!(ty, types::I32 | types::I64) {
                self.inst_error(
                    inst,
                    format!("the exception context {ctx} has type {ty}, but it must be an address (i32 or i64)"),
                );
            }
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
