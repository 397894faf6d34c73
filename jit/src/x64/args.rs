//! x86-64 argument and result marshalling for [`JitModule::call`](crate::JitModule::call),
//! under System V and Windows x64. This mirrors the backend's conventions
//! (`lathe_codegen::isa::x64::abi`); when they change, this module must follow.
//!
//! **System V** (`system_v`; `fast` and `tail` are treated exactly like it, as the backend
//! uses System V registers for them). Classifies each parameter in order: integers
//! (`i8`-`i64`) take the next of rdi, rsi, rdx, rcx, r8, r9; floats (`f32`, `f64`) take the
//! next of xmm0-7; once a class runs out, its arguments go to the stack, one 8-byte word
//! each, in parameter order. An `i128` takes two consecutive integer registers (low half
//! first) or, when fewer than two are left, a 16-byte-aligned pair of stack words.
//! Results: integers in rax and rdx (an `i128` in both), floats in xmm0 and xmm1.
//!
//! **Windows x64** (`windows_fastcall`). An argument's position decides its register: the
//! first four take rcx, rdx, r8, r9 (integers) or xmm0-3 (floats); the rest go to stack
//! words above four words of shadow space, which the call block always provides. An
//! `i128` is passed by reference: its value is put in 16-byte aligned memory owned by the
//! [`Marshalled`] value and its address is the argument. Results: one integer in rax, one
//! float in xmm0; `i128` results always go to the return area.
//!
//! Under both, results that do not fit go to a return area whose address is passed as a
//! hidden first integer argument (rdi or rcx; see `result_slots`). Narrow integers are
//! widened to 64 bits as `AbiParam::extension` says (`uext`: zero, `sext`: sign); with no
//! extension they are zero-extended, which satisfies any callee. The trampoline calls
//! either kind of target the same way (see `trampoline`). Vectors and other conventions
//! are reported as [`JitError::Unsupported`].

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

/// The `CallBlock::int_args` index (rdi, rsi, rdx, rcx, r8, r9) of each Windows x64
/// integer argument position: rcx, rdx, r8, r9.
const WIN_INT_ARGS: [usize; 4] = [3, 2, 4, 5];

/// Words of shadow space below a Windows x64 call's stack arguments.
const WIN_SHADOW_WORDS: usize = 4;

/// The two register families of the x86-64 conventions.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Family {
    SysV,
    Windows,
}

fn family(conv: CallConv) -> Result<Family, JitError> {
    match conv {
        CallConv::SystemV | CallConv::Fast | CallConv::Tail => Ok(Family::SysV),
        CallConv::WindowsFastcall => Ok(Family::Windows),
        cc => Err(JitError::Unsupported(format!("calling convention {cc}"))),
    }
}

/// Checks that the convention and every type of `sig` are supported.
pub(crate) fn check_signature(sig: &Signature) -> Result<(), JitError> {
    family(sig.call_conv)?;
    for p in sig.params.iter().chain(&sig.returns) {
        if !is_int(p.value_type) && !is_float(p.value_type) {
            return Err(JitError::Unsupported(format!("type {} in a JIT call signature", p.value_type)));
        }
    }
    Ok(())
}

/// Where one result comes back.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum ResultSlot {
    /// In rax (0) or rdx (1).
    Int(usize),
    /// An `i128` in rax (low) and rdx (high).
    IntPair,
    /// In xmm0 (0) or xmm1 (1).
    Float(usize),
    /// In the return area, at this word, taking this many words.
    Area(usize, usize),
}

/// Assigns the results of `sig` in order: integers to rax and rdx (System V) or rax
/// (Windows), floats to xmm0 and xmm1 (System V) or xmm0 (Windows), an `i128` to rax:rdx
/// when both are free (System V only); whatever does not fit goes to the return area, one
/// 8-byte word each (two for an `i128`), in result order. The caller passes the area's
/// address as a hidden first integer argument. This is the convention of the x86-64
/// backend (`lathe_codegen::isa::x64::abi`). `sig`'s convention must be supported.
fn result_slots(sig: &Signature) -> (Vec<ResultSlot>, usize) {
    let regs = match family(sig.call_conv) {
        Ok(Family::Windows) => 1,
        _ => 2,
    };
    let (mut ints, mut floats, mut words) = (0, 0, 0);
    let slots = sig
        .returns
        .iter()
        .map(|r| {
            let ty = r.value_type;
            let mut area = |n: usize| {
                words += n;
                ResultSlot::Area(words - n, n)
            };
            if is_float(ty) {
                floats += 1;
                if floats <= regs { ResultSlot::Float(floats - 1) } else { area(1) }
            } else if ty == types::I128 {
                if ints == 0 && regs == 2 {
                    ints = 2;
                    ResultSlot::IntPair
                } else {
                    area(2)
                }
            } else {
                ints += 1;
                if ints <= regs { ResultSlot::Int(ints - 1) } else { area(1) }
            }
        })
        .collect();
    (slots, words)
}

fn is_int(ty: Type) -> bool {
    matches!(ty, types::I8 | types::I16 | types::I32 | types::I64 | types::I128)
}

fn is_float(ty: Type) -> bool {
    matches!(ty, types::F32 | types::F64)
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
    check_signature(sig)?;
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
    let (_, area_words) = result_slots(sig);
    let ret_area = vec![0u64; area_words];
    let ret_ptr = (area_words > 0).then_some(ret_area.as_ptr() as u64);
    let (stack, by_ref) = match family(sig.call_conv)? {
        Family::SysV => (marshal_sysv(sig, args, ret_ptr, block), Vec::new()),
        Family::Windows => marshal_windows(sig, args, ret_ptr, block),
    };
    block.stack_args = stack.as_ptr();
    block.stack_count = stack.len() as u64;
    Ok(Marshalled { stack, ret_area, by_ref })
}

/// System V: fills the registers of `block`, returns the stack words.
fn marshal_sysv(sig: &Signature, args: &[DataValue], ret_ptr: Option<u64>, block: &mut CallBlock) -> Vec<u64> {
    let mut stack = Vec::new();
    let (mut ints, mut floats) = (0, 0);
    if let Some(p) = ret_ptr {
        block.int_args[0] = p;
        ints = 1;
    }
    for (param, arg) in sig.params.iter().zip(args) {
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
    stack
}

/// Windows x64: fills the registers of `block`, returns the stack words (shadow space
/// first) and the memory of the arguments passed by reference.
fn marshal_windows(
    sig: &Signature,
    args: &[DataValue],
    ret_ptr: Option<u64>,
    block: &mut CallBlock,
) -> (Vec<u64>, Vec<ByRefWords>) {
    let mut stack = vec![0u64; WIN_SHADOW_WORDS];
    // Every i128 value first, so the vector never moves once addresses are taken.
    let by_ref: Vec<ByRefWords> = sig
        .params
        .iter()
        .zip(args)
        .filter(|(p, _)| p.value_type == types::I128)
        .map(|(_, a)| {
            let bits = a.bits().unwrap_or(0);
            ByRefWords([bits as u64, (bits >> 64) as u64])
        })
        .collect();
    let mut refs = by_ref.iter().map(|w| w as *const ByRefWords as u64);
    let mut put = |position: usize, float: bool, word: u64| match (position < 4, float) {
        (true, false) => block.int_args[WIN_INT_ARGS[position]] = word,
        (true, true) => block.float_args[position] = word,
        (false, _) => stack.push(word),
    };
    let hidden = ret_ptr.is_some() as usize;
    if let Some(p) = ret_ptr {
        put(0, false, p);
    }
    for (k, (param, arg)) in sig.params.iter().zip(args).enumerate() {
        let word = if param.value_type == types::I128 { refs.next().unwrap_or(0) } else { arg_word(param, arg) };
        put(hidden + k, is_float(param.value_type), word);
    }
    (stack, by_ref)
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
    let (slots, _) = result_slots(sig);
    sig.returns
        .iter()
        .zip(slots)
        .map(|(r, slot)| {
            let ty = r.value_type;
            let word = |i: usize| ret_area.get(i).copied().unwrap_or(0);
            let (lo, hi) = match slot {
                ResultSlot::Int(i) => (block.ret_int[i], 0),
                ResultSlot::IntPair => (block.ret_int[0], block.ret_int[1]),
                ResultSlot::Float(i) => (block.ret_float[i], 0),
                ResultSlot::Area(w, n) => (word(w), if n > 1 { word(w + 1) } else { 0 }),
            };
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
        assert!(matches!(check_signature(&s), Err(JitError::Unsupported(_))));
        let mut s = sig(&[]);
        s.call_conv = CallConv::AppleAarch64;
        assert!(matches!(check_signature(&s), Err(JitError::Unsupported(_))));
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
        let (slots, words) = result_slots(&s);
        assert_eq!(
            slots,
            [ResultSlot::Int(0), ResultSlot::Area(0, 2), ResultSlot::Float(0), ResultSlot::Area(2, 1)],
            "one integer and one float register; i128 in the area"
        );
        assert_eq!(words, 3);
        let args = [DataValue::I128((7i128 << 64) | 8), DataValue::I64(9)];
        let mut block = CallBlock::new(0);
        let m = marshal_args(&s, &args, &mut block).unwrap();
        assert_eq!(block.int_args[3], m.ret_area.as_ptr() as u64, "rcx holds the return area");
        assert_eq!(m.by_ref, [ByRefWords([8, 7])]);
        assert_eq!(block.int_args[2], &m.by_ref[0] as *const ByRefWords as u64, "rdx holds the i128's address");
        assert_eq!(block.int_args[2] % 16, 0, "16-byte aligned");
        assert_eq!(block.int_args[4], 9, "r8");
        assert_eq!(m.stack, [0; 4]);
    }
}
