//! Branches, returns, traps, calls, special registers and `nop` (docs/ir.md, "Control
//! flow", "Calls", "Special registers and no-ops").
//!
//! Branches and calls only describe where control goes ([`Flow`]); the run loop in
//! `lib.rs` binds block parameters and pushes and pops frames.

use super::{Ctx, Flow, bad_shape};
use crate::InterpreterError;
use crate::error::{Ex, Halt, invalid, unsupported};
use crate::memory::{FUNC_BASE, FUNC_STRIDE};
use lathe_codegen::ir::{Inst, InstructionData as D, Opcode, Type};

/// The throw helper's arguments, `(i32 tag, i64 payload)`, as a [`Flow::Throw`].
fn throw(args: &[crate::value::Val]) -> Ex<Flow> {
    match args {
        [tag, payload] if tag.ty == lathe_codegen::ir::types::I32 && payload.ty == lathe_codegen::ir::types::I64 => {
            Ok(Flow::Throw { tag: tag.bits as u32, payload: payload.bits as u64 })
        }
        _ => invalid(format!("`%{}` takes (i32 tag, i64 payload)", crate::THROW_FUNCTION)),
    }
}

/// Executes a control-flow, call or special-register instruction.
pub(super) fn exec(ctx: &mut Ctx<'_, '_>, inst: Inst, data: &D, op: Opcode, _ctrl: Type) -> Ex<Flow> {
    use Opcode::*;
    let func = ctx.frame.func;
    let dfg = &func.dfg;
    match *data {
        D::Jump { destination, .. } => Ok(Flow::Jump(destination)),
        D::Brif { arg, blocks, .. } => {
            let taken = ctx.arg(arg)?.bits != 0;
            Ok(Flow::Jump(if taken { blocks[0] } else { blocks[1] }))
        }
        D::BranchTable { arg, table, .. } => {
            let index = ctx.arg(arg)?.bits as u32 as usize;
            let Some(jt) = dfg.jump_tables.get(table) else {
                return invalid(format!("{table} is not declared"));
            };
            let all = jt.all_branches();
            match all.get(index + 1).or(all.first()) {
                Some(&bc) => Ok(Flow::Jump(bc)),
                None => invalid(format!("{table} has no default destination")),
            }
        }
        D::MultiAry { args, .. } => {
            let vals = args.as_slice(&dfg.value_lists).iter().map(|&v| ctx.arg(v)).collect::<Ex<Vec<_>>>()?;
            Ok(Flow::Return(vals))
        }
        D::Trap { code, .. } => Err(Halt::Trap(code)),
        D::CondTrap { arg, code, .. } => {
            let c = ctx.arg(arg)?.bits != 0;
            if (op == Trapz && !c) || (op == Trapnz && c) { Err(Halt::Trap(code)) } else { Ok(Flow::Next) }
        }
        D::Call { func_ref, args, .. } | D::TryCall { func_ref, args, .. } => {
            let Some(ext) = dfg.ext_funcs.get(func_ref) else {
                return invalid(format!("{func_ref} is not declared"));
            };
            let key = crate::store::name_key(&ext.name);
            let args = args.as_slice(&dfg.value_lists).iter().map(|&v| ctx.arg(v)).collect::<Ex<Vec<_>>>()?;
            if key == crate::THROW_FUNCTION {
                return throw(&args);
            }
            let Some(callee) = ctx.store.index_of(&key) else {
                return Err(Halt::Error(InterpreterError::UnknownFunction(key)));
            };
            Ok(Flow::Call { callee, args, tail: op == ReturnCall })
        }
        D::CallIndirect { .. } | D::TryCallIndirect { .. } => {
            let (args, sig_ref) = match *data {
                D::CallIndirect { sig_ref, args, .. } => (args, sig_ref),
                D::TryCallIndirect { args, exception, .. } => match dfg.exception_tables.get(exception) {
                    Some(t) => (args, t.signature()),
                    None => return invalid(format!("{exception} is not declared")),
                },
                _ => return bad_shape(op),
            };
            let list = args.as_slice(&dfg.value_lists);
            let Some((&target, rest)) = list.split_first() else {
                return invalid("an indirect call without a callee");
            };
            let addr = ctx.arg(target)?.bits as u64;
            let index = addr.checked_sub(FUNC_BASE).filter(|d| d % FUNC_STRIDE == 0).map(|d| d / FUNC_STRIDE);
            let Some((callee, callee_func)) =
                index.and_then(|i| usize::try_from(i).ok()).and_then(|i| ctx.store.get_by_index(i).map(|f| (i, f)))
            else {
                return Err(Halt::Error(InterpreterError::BadCallTarget(addr)));
            };
            let Some(sig) = dfg.signatures.get(sig_ref) else {
                return invalid(format!("{sig_ref} is not declared"));
            };
            let types_of = |ps: &[lathe_codegen::ir::AbiParam]| ps.iter().map(|p| p.value_type).collect::<Vec<_>>();
            if types_of(&sig.params) != types_of(&callee_func.signature.params)
                || types_of(&sig.returns) != types_of(&callee_func.signature.returns)
            {
                return Err(Halt::Error(InterpreterError::ArgumentMismatch {
                    function: crate::store::name_key(&callee_func.name),
                    reason: format!("called through {sig_ref} `{sig}`, but it is `{}`", callee_func.signature),
                }));
            }
            let args = rest.iter().map(|&v| ctx.arg(v)).collect::<Ex<Vec<_>>>()?;
            Ok(Flow::Call { callee, args, tail: op == ReturnCallIndirect })
        }
        D::Nullary { .. } => match op {
            Debugtrap | Nop => Ok(Flow::Next),
            GetFramePointer => {
                let a = ctx.frame.mem.start;
                ctx.result1(inst, u128::from(a))
            }
            GetStackPointer => {
                let a = ctx.frame.mem.end;
                ctx.result1(inst, u128::from(a))
            }
            GetReturnAddress => unsupported(op, "the interpreter has no code addresses"),
            GetPinnedReg => {
                let r = *ctx.pinned;
                ctx.result1(inst, u128::from(r))
            }
            _ => bad_shape(op),
        },
        D::Unary { arg, .. } if op == SetPinnedReg => {
            *ctx.pinned = ctx.arg(arg)?.bits as u64;
            Ok(Flow::Next)
        }
        _ => bad_shape(op),
    }
}
