//! System V x86-64 argument and result marshalling for [`JitModule::call`](crate::JitModule::call).
//!
//! Classifies each parameter of a signature in order: integers (`i8`-`i64`) take the next
//! of rdi, rsi, rdx, rcx, r8, r9; floats (`f32`, `f64`) take the next of xmm0-7; once a class
//! runs out, its arguments go to the stack, one 8-byte word each, in parameter order.
//! Narrow integers are widened to 64 bits as `AbiParam::extension` says (`uext`: zero,
//! `sext`: sign); with no extension they are zero-extended, which satisfies any callee.
//! Results: up to two integers (rax, rdx) and two floats (xmm0, xmm1).
//!
//! `fast` and `tail` are treated exactly like `system_v`: the backend uses System V
//! registers for them on x86-64 (when it diverges, this module must follow).
//! An `i128` takes two consecutive integer registers (low half first) or, when fewer than
//! two are left, a 16-byte-aligned pair of stack words; an `i128` result comes back in rax
//! and rdx. Vectors, more than two integer words or two floats of results, and other
//! conventions are reported as [`JitError::Unsupported`].

use super::trampoline::CallBlock;
use crate::JitError;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::immediates::{Ieee32, Ieee64};
use lathe_codegen::ir::{AbiParam, ArgumentExtension, CallConv, Signature, Type, types};

/// Where one value lives in the call.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Slot {
    Int(usize),
    Float(usize),
    Stack(usize),
}

const INT_ARG_REGS: usize = 6;
const FLOAT_ARG_REGS: usize = 8;

/// Checks that the convention and every type of `sig` are supported.
pub(crate) fn check_signature(sig: &Signature) -> Result<(), JitError> {
    match sig.call_conv {
        CallConv::SystemV | CallConv::Fast | CallConv::Tail => {}
        cc => return Err(JitError::Unsupported(format!("calling convention {cc}"))),
    }
    for p in sig.params.iter().chain(&sig.returns) {
        if !is_int(p.value_type) && !is_float(p.value_type) {
            return Err(JitError::Unsupported(format!("type {} in a JIT call signature", p.value_type)));
        }
    }
    let int_rets: usize = sig
        .returns
        .iter()
        .filter(|p| is_int(p.value_type))
        .map(|p| if p.value_type == types::I128 { 2 } else { 1 })
        .sum();
    let float_rets = sig.returns.iter().filter(|p| is_float(p.value_type)).count();
    if int_rets > 2 || float_rets > 2 {
        return Err(JitError::Unsupported(format!(
            "{int_rets} integer and {float_rets} float results (at most 2 of each)"
        )));
    }
    Ok(())
}

fn is_int(ty: Type) -> bool {
    matches!(ty, types::I8 | types::I16 | types::I32 | types::I64 | types::I128)
}

fn is_float(ty: Type) -> bool {
    matches!(ty, types::F32 | types::F64)
}

/// Fills `block` with `args` for a function of signature `sig` and returns the stack words
/// (which must stay alive until the call returns; `block.stack_args` points into them).
pub(crate) fn marshal_args(sig: &Signature, args: &[DataValue], block: &mut CallBlock) -> Result<Vec<u64>, JitError> {
    check_signature(sig)?;
    if args.len() != sig.params.len() {
        return Err(JitError::ArgumentMismatch(format!(
            "{} arguments given, the signature {sig} takes {}",
            args.len(),
            sig.params.len()
        )));
    }
    let mut stack = Vec::new();
    let (mut ints, mut floats) = (0, 0);
    for (i, (param, arg)) in sig.params.iter().zip(args).enumerate() {
        if arg.ty() != param.value_type {
            return Err(JitError::ArgumentMismatch(format!(
                "argument {i} is {}, the signature wants {}",
                arg.ty(),
                param.value_type
            )));
        }
        if param.value_type == types::I128 {
            let bits = arg.bits().unwrap_or(0);
            let (lo, hi) = (bits as u64, (bits >> 64) as u64);
            if ints + 2 <= INT_ARG_REGS {
                block.int_args[ints] = lo;
                block.int_args[ints + 1] = hi;
                ints += 2;
            } else {
                ints = INT_ARG_REGS;
                if stack.len() % 2 == 1 {
                    stack.push(0);
                }
                stack.push(lo);
                stack.push(hi);
            }
            continue;
        }
        let word = arg_word(param, arg);
        let slot = if is_int(param.value_type) {
            ints += 1;
            if ints <= INT_ARG_REGS { Slot::Int(ints - 1) } else { Slot::Stack(stack.len()) }
        } else {
            floats += 1;
            if floats <= FLOAT_ARG_REGS { Slot::Float(floats - 1) } else { Slot::Stack(stack.len()) }
        };
        match slot {
            Slot::Int(r) => block.int_args[r] = word,
            Slot::Float(r) => block.float_args[r] = word,
            Slot::Stack(_) => stack.push(word),
        }
    }
    block.stack_args = stack.as_ptr();
    block.stack_count = stack.len() as u64;
    Ok(stack)
}

/// The 64-bit register or stack word for one argument.
fn arg_word(param: &AbiParam, arg: &DataValue) -> u64 {
    match *arg {
        DataValue::F32(x) => x.0 as u64,
        DataValue::F64(x) => x.0,
        _ => {
            let signed = arg.as_i128().unwrap_or(0);
            let unsigned = arg.bits().unwrap_or(0);
            match param.extension {
                ArgumentExtension::Sext => signed as u64,
                ArgumentExtension::Uext | ArgumentExtension::None => unsigned as u64,
            }
        }
    }
}

/// Reads the results of a function of signature `sig` from a returned `block`.
pub(crate) fn unmarshal_results(sig: &Signature, block: &CallBlock) -> Vec<DataValue> {
    let (mut ints, mut floats) = (0, 0);
    sig.returns
        .iter()
        .map(|r| {
            let ty = r.value_type;
            if is_float(ty) {
                let bits = block.ret_float[floats];
                floats += 1;
                if ty == types::F32 { DataValue::F32(Ieee32(bits as u32)) } else { DataValue::F64(Ieee64(bits)) }
            } else if ty == types::I128 {
                let (lo, hi) = (block.ret_int[ints], block.ret_int[ints + 1]);
                ints += 2;
                DataValue::I128(((hi as u128) << 64 | lo as u128) as i128)
            } else {
                let bits = block.ret_int[ints];
                ints += 1;
                DataValue::from_integer(bits as i64 as i128, ty).unwrap_or(DataValue::I64(bits as i64))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(params: &[AbiParam]) -> Signature {
        Signature { params: params.to_vec(), returns: vec![], call_conv: CallConv::SystemV }
    }

    #[test]
    fn classifies_registers_then_stack_in_order() {
        let mut params = vec![AbiParam::new(types::I64); 8];
        params.insert(2, AbiParam::new(types::F64));
        let args: Vec<DataValue> = params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if p.value_type == types::F64 {
                    DataValue::F64(Ieee64::with_float(1.5))
                } else {
                    DataValue::I64(i as i64)
                }
            })
            .collect();
        let mut block = CallBlock::new(0);
        let stack = marshal_args(&sig(&params), &args, &mut block).unwrap();
        assert_eq!(block.int_args, [0, 1, 3, 4, 5, 6]);
        assert_eq!(block.float_args[0], 1.5f64.to_bits());
        assert_eq!(stack, vec![7, 8]);
        assert_eq!(block.stack_count, 2);
    }

    #[test]
    fn i128_takes_a_register_pair_or_an_aligned_stack_pair() {
        let mut params = vec![AbiParam::new(types::I64); 5];
        params.insert(1, AbiParam::new(types::I128));
        params.push(AbiParam::new(types::I128));
        let mut args: Vec<DataValue> = (0..6).map(DataValue::I64).collect();
        args[1] = DataValue::I128((7i128 << 64) | 8);
        args.push(DataValue::I128((9i128 << 64) | 10));
        let mut block = CallBlock::new(0);
        let stack = marshal_args(&sig(&params), &args, &mut block).unwrap();
        assert_eq!(block.int_args, [0, 8, 7, 2, 3, 4]);
        assert_eq!(stack, vec![5, 0, 10, 9], "the second i128 starts at an even stack word");
    }

    #[test]
    fn extends_narrow_integers_as_declared() {
        let params = [AbiParam::new(types::I8).sext(), AbiParam::new(types::I8).uext(), AbiParam::new(types::I16)];
        let args = [DataValue::I8(-1), DataValue::I8(-1), DataValue::I16(-2)];
        let mut block = CallBlock::new(0);
        marshal_args(&sig(&params), &args, &mut block).unwrap();
        assert_eq!(block.int_args[..3], [u64::MAX, 0xff, 0xfffe]);
    }

    #[test]
    fn rejects_wrong_arguments_and_unsupported_types() {
        let mut block = CallBlock::new(0);
        let s = sig(&[AbiParam::new(types::I32)]);
        assert!(matches!(marshal_args(&s, &[], &mut block), Err(JitError::ArgumentMismatch(_))));
        assert!(matches!(marshal_args(&s, &[DataValue::I64(1)], &mut block), Err(JitError::ArgumentMismatch(_))));
        let s = sig(&[AbiParam::new(types::I32X4)]);
        assert!(matches!(check_signature(&s), Err(JitError::Unsupported(_))));
        let mut s = sig(&[]);
        s.call_conv = CallConv::WindowsFastcall;
        assert!(matches!(check_signature(&s), Err(JitError::Unsupported(_))));
    }
}
