//! x86-64 argument and result marshalling for [`JitModule::call`](crate::JitModule::call).
//!
//! Where each argument and result goes is not decided here: the backend's shared ABI layer
//! computes it ([`CallLayout`] from the convention's description in
//! `lathe_codegen::isa::x64::abi`), so compiled code and the JIT cannot disagree. This
//! module only maps those locations onto the trampoline's [`CallBlock`]: the System V
//! argument registers rdi, rsi, rdx, rcx, r8, r9 and xmm0-7 (a Windows x64 target finds
//! its rcx, rdx, r8, r9 among them), the stack words (a Windows shadow space is part of
//! the layout's argument area), and the result registers rax, rdx, xmm0, xmm1.
//!
//! Narrow integers are widened to 64 bits as `AbiParam::extension` says (`uext`: zero,
//! `sext`: sign); with no extension they are zero-extended, which satisfies any callee.
//! Arguments passed by reference (Windows x64 `i128`) are put in 16-byte aligned memory
//! owned by the [`Marshalled`] value; the return area, when the results need one, too.
//! Vectors and other conventions are reported as [`JitError::Unsupported`].

use super::trampoline::CallBlock;
use crate::JitError;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::immediates::{Ieee32, Ieee64};
use lathe_codegen::ir::{AbiParam, ArgumentExtension, Signature, types};
use lathe_codegen::isa::x64::abi::conv_desc;
use lathe_codegen::machinst::abi::{ArgLoc, CallLayout, ParamLoc, RetLoc};
use lathe_codegen::machinst::{PReg, RegClass};

/// The x86-64 hardware numbers of the integer registers in `CallBlock::int_args` order:
/// rdi, rsi, rdx, rcx, r8, r9.
const INT_ARG_HW: [usize; 6] = [7, 6, 2, 1, 8, 9];

/// The hardware numbers of rax and rdx, in `CallBlock::ret_int` order.
const INT_RET_HW: [usize; 2] = [0, 2];

/// The layout of `sig`: its convention must be one the x86-64 backend has, and every type
/// one that calls pass.
pub(crate) fn layout(sig: &Signature) -> Result<CallLayout, JitError> {
    let desc = conv_desc(sig.call_conv).map_err(|e| JitError::Unsupported(e.to_string()))?;
    CallLayout::new(desc, sig).map_err(|e| JitError::Unsupported(e.to_string()))
}

/// Where an argument register's value goes in the block.
fn arg_slot(block: &mut CallBlock, p: PReg) -> Result<&mut u64, JitError> {
    let index = match p.class() {
        RegClass::Int => INT_ARG_HW.iter().position(|&h| h == p.hw_enc()).map(|i| &mut block.int_args[i]),
        _ => block.float_args.get_mut(p.hw_enc()),
    };
    index.ok_or_else(|| JitError::Unsupported(format!("argument register {p:?} in a JIT call")))
}

/// The value of a result register after the call.
fn ret_slot(block: &CallBlock, p: PReg) -> u64 {
    match p.class() {
        RegClass::Int => INT_RET_HW.iter().position(|&h| h == p.hw_enc()).map_or(0, |i| block.ret_int[i]),
        _ => block.ret_float.get(p.hw_enc()).copied().unwrap_or(0),
    }
}

/// An `i128` passed by reference (Windows x64): 16-byte aligned, low half first.
#[repr(C, align(16))]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct ByRefWords(pub [u64; 2]);

/// The memory a marshalled call points into; it must stay alive until the call returns.
pub(crate) struct Marshalled {
    /// The stack argument words (`block.stack_args` points into them): owned here only to
    /// keep them alive during the call, never read back.
    #[cfg_attr(not(test), allow(dead_code))]
    pub stack: Vec<u64>,
    /// The return area (its address is the hidden first argument), empty if none.
    pub ret_area: Vec<u64>,
    /// The values of arguments passed by reference (their addresses are the arguments):
    /// owned here only to keep them alive during the call.
    #[cfg_attr(not(test), allow(dead_code))]
    pub by_ref: Vec<ByRefWords>,
}

/// Fills `block` with `args` for a function of signature `sig`.
pub(crate) fn marshal_args(sig: &Signature, args: &[DataValue], block: &mut CallBlock) -> Result<Marshalled, JitError> {
    let layout = layout(sig)?;
    if args.len() != sig.params.len() {
        return Err(JitError::ArgumentMismatch(format!(
            "{} arguments given, the signature {sig} takes {}",
            args.len(),
            sig.params.len()
        )));
    }
    for (i, (param, arg)) in sig.params.iter().zip(args).enumerate() {
        if arg.ty() != param.value_type {
            return Err(JitError::ArgumentMismatch(format!(
                "argument {i} is {}, the signature wants {}",
                arg.ty(),
                param.value_type
            )));
        }
    }
    let ret_area = vec![0u64; layout.ret_area_size.div_ceil(8) as usize];
    let mut stack = vec![0u64; layout.stack_args_size.div_ceil(8) as usize];
    // Every by-reference value first, so the vector never moves once addresses are taken.
    let by_ref: Vec<ByRefWords> = layout
        .params
        .iter()
        .zip(args)
        .filter(|(l, _)| matches!(l, ParamLoc::ByRef(_)))
        .map(|(_, a)| {
            let bits = a.bits().unwrap_or(0);
            ByRefWords([bits as u64, (bits >> 64) as u64])
        })
        .collect();
    let mut refs = by_ref.iter().map(|w| w as *const ByRefWords as u64);
    let mut put = |at: ArgLoc, word: u64, block: &mut CallBlock| -> Result<(), JitError> {
        match at {
            ArgLoc::Reg(p) => *arg_slot(block, p)? = word,
            ArgLoc::Stack(off) => stack[off as usize / 8] = word,
        }
        Ok(())
    };
    if let Some(at) = layout.ret_area_ptr {
        put(at, ret_area.as_ptr() as u64, block)?;
    }
    for ((param, arg), loc) in sig.params.iter().zip(args).zip(&layout.params) {
        match loc {
            ParamLoc::Direct(locs) if locs.len() == 2 => {
                let bits = arg.bits().unwrap_or(0);
                put(locs[0], bits as u64, block)?;
                put(locs[1], (bits >> 64) as u64, block)?;
            }
            ParamLoc::Direct(locs) => put(locs[0], arg_word(param, arg), block)?,
            ParamLoc::ByRef(at) => put(*at, refs.next().unwrap_or(0), block)?,
        }
    }
    block.stack_args = stack.as_ptr();
    block.stack_count = stack.len() as u64;
    Ok(Marshalled { stack, ret_area, by_ref })
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

/// Reads the results of a function of signature `sig` from a returned `block` and its
/// return area.
pub(crate) fn unmarshal_results(sig: &Signature, block: &CallBlock, ret_area: &[u64]) -> Vec<DataValue> {
    let rets = layout(sig).map(|l| l.rets).unwrap_or_default();
    sig.returns
        .iter()
        .zip(rets)
        .map(|(r, locs)| {
            let ty = r.value_type;
            let word = |l: &RetLoc| match *l {
                RetLoc::Reg(p) => ret_slot(block, p),
                RetLoc::Area(off) => ret_area.get(off as usize / 8).copied().unwrap_or(0),
            };
            let lo = locs.first().map_or(0, word);
            let hi = locs.get(1).map_or(0, word);
            match ty {
                types::F32 => DataValue::F32(Ieee32(lo as u32)),
                types::F64 => DataValue::F64(Ieee64(lo)),
                types::I128 => DataValue::I128(((hi as u128) << 64 | lo as u128) as i128),
                _ => DataValue::from_integer(lo as i64 as i128, ty).unwrap_or(DataValue::I64(lo as i64)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_codegen::ir::{CallConv, Type};

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
        let stack = marshal_args(&sig(&params), &args, &mut block).unwrap().stack;
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
        let stack = marshal_args(&sig(&params), &args, &mut block).unwrap().stack;
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
        assert!(matches!(layout(&s), Err(JitError::Unsupported(_))));
        let mut s = sig(&[]);
        s.call_conv = CallConv::AppleAarch64;
        assert!(matches!(layout(&s), Err(JitError::Unsupported(_))));
    }

    fn win_sig(params: &[Type], returns: &[Type]) -> Signature {
        Signature {
            params: params.iter().map(|&t| AbiParam::new(t)).collect(),
            returns: returns.iter().map(|&t| AbiParam::new(t)).collect(),
            call_conv: CallConv::WindowsFastcall,
        }
    }

    #[test]
    fn windows_arguments_go_by_position_above_the_shadow_space() {
        let s = win_sig(&[types::F64, types::I64, types::I32, types::F32, types::I64, types::F64], &[types::I64]);
        let args = [
            DataValue::F64(Ieee64::with_float(1.5)),
            DataValue::I64(2),
            DataValue::I32(3),
            DataValue::F32(Ieee32::with_float(4.0)),
            DataValue::I64(5),
            DataValue::F64(Ieee64::with_float(6.0)),
        ];
        let mut block = CallBlock::new(0);
        let m = marshal_args(&s, &args, &mut block).unwrap();
        assert_eq!(block.float_args[0], 1.5f64.to_bits(), "xmm0");
        assert_eq!(block.int_args[2], 2, "rdx, the second position");
        assert_eq!(block.int_args[4], 3, "r8, the third position");
        assert_eq!(block.float_args[3], 4.0f32.to_bits() as u64, "xmm3");
        assert_eq!(block.int_args[3], 0, "rcx is unused: position 0 is a float");
        assert_eq!(m.stack, vec![0, 0, 0, 0, 5, 6.0f64.to_bits()], "shadow space, then positions 4 and 5");
        assert_eq!(block.stack_count, 6);
    }

    #[test]
    fn windows_return_area_in_rcx_and_i128_by_reference() {
        let s = win_sig(&[types::I128, types::I64], &[types::I64, types::I128, types::F64, types::F64]);
        let args = [DataValue::I128((7i128 << 64) | 8), DataValue::I64(9)];
        let mut block = CallBlock::new(0);
        let m = marshal_args(&s, &args, &mut block).unwrap();
        assert_eq!(block.int_args[3], m.ret_area.as_ptr() as u64, "rcx holds the return area");
        assert_eq!(m.by_ref, [ByRefWords([8, 7])]);
        assert_eq!(block.int_args[2], &m.by_ref[0] as *const ByRefWords as u64, "rdx holds the i128's address");
        assert_eq!(block.int_args[2] % 16, 0, "16-byte aligned");
        assert_eq!(block.int_args[4], 9, "r8");
        assert_eq!(m.stack, [0; 4]);
        assert_eq!(m.ret_area.len(), 3, "an i128 and an f64 in the return area");
        // One integer and one float register; the i128 and the second f64 in the area.
        block.ret_int = [11, 0];
        block.ret_float = [2.5f64.to_bits(), 0];
        let area = [1, 2, 3.5f64.to_bits()];
        let results = unmarshal_results(&s, &block, &area);
        assert_eq!(
            results,
            [
                DataValue::I64(11),
                DataValue::I128((2i128 << 64) | 1),
                DataValue::F64(Ieee64::with_float(2.5)),
                DataValue::F64(Ieee64::with_float(3.5))
            ]
        );
    }
}
