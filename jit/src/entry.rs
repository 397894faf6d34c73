//! Entry trampolines compiled from IR: how Rust calls a JIT function of any signature.
//!
//! Rust never calls JIT code through the JIT function's own signature, and nothing here
//! knows a calling convention. For each signature `S` called, [`build`] makes the IR
//! function
//!
//! ```text
//! function %entry(i64 callee, i64 buf) <host convention> {
//!     sig0 = S
//! block0(v0: i64, v1: i64):
//!     a_i = load.T_i notrap aligned v1+16*i      ; each parameter
//!     r.. = call_indirect sig0, v0(a..)
//!     store notrap aligned r_j, v1+16*j          ; each result
//!     return
//! }
//! ```
//!
//! and Lathe compiles it like any function, so the ABI of `S` (registers, stack
//! arguments, return areas, arguments by reference, extensions) is decided in one place:
//! the backend's ABI layer. The argument buffer holds one 16-byte slot per parameter and
//! per result (the larger count), each value in the host's byte order at the start of its
//! slot ([`write_args`], [`read_results`]).
//!
//! Only the per-architecture entry stub (`<arch>/stub.rs`) that saves the host's
//! callee-saved registers for trap recovery is machine code written by hand, and it only
//! calls `%entry(callee, buf)` under the host's C convention.

use crate::JitError;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::immediates::{Ieee32, Ieee64};
use lathe_codegen::ir::{
    AbiParam, CallConv, ExternalName, FuncCursor, Function, InstBuilder, MemFlags, Signature, Type, types,
};

/// Bytes of one argument-buffer slot: the widest scalar (`i128`).
pub(crate) const SLOT: usize = 16;

/// The IR trampoline that calls a function of signature `sig` (see the module docs),
/// itself of the host's convention `host`.
pub(crate) fn build(sig: &Signature, host: CallConv) -> Function {
    let mut tsig = Signature::new(host);
    tsig.params = vec![AbiParam::new(types::I64), AbiParam::new(types::I64)];
    let mut f = Function::with_name_signature(ExternalName::TestCase("lathe_entry_trampoline".into()), tsig);
    let sig_ref = f.import_signature(sig.clone());
    let block = f.dfg.make_block();
    f.layout.append_block(block);
    let callee = f.dfg.append_block_param(block, types::I64);
    let buf = f.dfg.append_block_param(block, types::I64);
    let mut pos = FuncCursor::new(&mut f);
    pos.goto_bottom(block);
    let flags = MemFlags::trusted();
    let args: Vec<_> =
        sig.params.iter().enumerate().map(|(i, p)| pos.ins().load(p.value_type, flags, buf, slot_offset(i))).collect();
    let call = pos.ins().call_indirect(sig_ref, callee, &args);
    let results = pos.func.dfg.inst_results(call).to_vec();
    for (j, r) in results.into_iter().enumerate() {
        pos.ins().store(flags, r, buf, slot_offset(j));
    }
    pos.ins().return_(&[]);
    f
}

fn slot_offset(i: usize) -> i32 {
    (i * SLOT) as i32
}

/// Checks that every parameter and result of `sig` is a type the buffer carries.
pub(crate) fn check_signature(sig: &Signature) -> Result<(), JitError> {
    for p in sig.params.iter().chain(&sig.returns) {
        let ty = p.value_type;
        if !(ty.is_int_scalar() || ty.is_float_scalar()) || ty.bits() > 128 {
            return Err(JitError::Unsupported(format!("type {ty} in a JIT call signature")));
        }
    }
    Ok(())
}

/// A zeroed argument buffer for calls of `sig`, 16-byte aligned.
pub(crate) fn buffer(sig: &Signature) -> Vec<u128> {
    vec![0u128; sig.params.len().max(sig.returns.len()).max(1)]
}

/// Writes `args`, checked against `sig`, into the slots of `buf`.
pub(crate) fn write_args(sig: &Signature, args: &[DataValue], buf: &mut [u128]) -> Result<(), JitError> {
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
        let mut bytes = [0u8; SLOT];
        match *arg {
            DataValue::F32(x) => bytes[..4].copy_from_slice(&x.0.to_ne_bytes()),
            DataValue::F64(x) => bytes[..8].copy_from_slice(&x.0.to_ne_bytes()),
            _ => {
                let n = (param.value_type.bits() / 8) as usize;
                let bits = arg.bits().unwrap_or(0);
                let le = bits.to_le_bytes();
                // The low `n` bytes of the value, in the host's order.
                if cfg!(target_endian = "little") {
                    bytes[..n].copy_from_slice(&le[..n]);
                } else {
                    for k in 0..n {
                        bytes[k] = le[n - 1 - k];
                    }
                }
            }
        }
        buf[i] = u128::from_ne_bytes(bytes);
    }
    Ok(())
}

/// Reads the results of a call of `sig` from `buf`.
pub(crate) fn read_results(sig: &Signature, buf: &[u128]) -> Vec<DataValue> {
    sig.returns.iter().zip(buf).map(|(r, slot)| value(r.value_type, slot.to_ne_bytes())).collect()
}

fn value(ty: Type, bytes: [u8; SLOT]) -> DataValue {
    let n = (ty.bits() / 8) as usize;
    let mut le = [0u8; SLOT];
    if cfg!(target_endian = "little") {
        le[..n].copy_from_slice(&bytes[..n]);
    } else {
        for k in 0..n {
            le[k] = bytes[n - 1 - k];
        }
    }
    let bits = u128::from_le_bytes(le);
    match ty {
        types::F32 => DataValue::F32(Ieee32(bits as u32)),
        types::F64 => DataValue::F64(Ieee64(bits as u64)),
        _ => {
            // Sign-extend from the type's width, then narrow to the type.
            let shift = 128 - ty.bits();
            let signed = ((bits << shift) as i128) >> shift;
            DataValue::from_integer(signed, ty).unwrap_or(DataValue::I128(signed))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(params: &[Type], returns: &[Type]) -> Signature {
        let mut s = Signature::new(CallConv::SystemV);
        s.params = params.iter().map(|&t| AbiParam::new(t)).collect();
        s.returns = returns.iter().map(|&t| AbiParam::new(t)).collect();
        s
    }

    #[test]
    fn the_trampoline_loads_calls_and_stores_and_verifies() {
        let s = sig(&[types::I8, types::F32, types::I128], &[types::I64, types::F64]);
        let f = build(&s, CallConv::SystemV);
        lathe_codegen::verifier::verify_function(&f).expect("valid IR");
        let text = f.to_string();
        assert!(text.contains("call_indirect"), "{text}");
        assert!(text.contains("load.i128 notrap aligned v1+32"), "{text}");
        assert!(text.contains("store notrap aligned"), "{text}");
    }

    #[test]
    fn values_round_trip_through_slots() {
        let s = sig(&[types::I8, types::I16, types::F32, types::F64, types::I128], &[]);
        let args = [
            DataValue::I8(-3),
            DataValue::I16(0x1234),
            DataValue::F32(Ieee32::with_float(1.5)),
            DataValue::F64(Ieee64::with_float(-2.25)),
            DataValue::I128(-(1i128 << 100)),
        ];
        let mut buf = buffer(&s);
        write_args(&s, &args, &mut buf).unwrap();
        let back = sig(&[], &[types::I8, types::I16, types::F32, types::F64, types::I128]);
        assert_eq!(read_results(&back, &buf), args);
    }

    #[test]
    fn wrong_arguments_and_vectors_are_errors() {
        let s = sig(&[types::I32], &[]);
        let mut buf = buffer(&s);
        assert!(matches!(write_args(&s, &[], &mut buf), Err(JitError::ArgumentMismatch(_))));
        assert!(matches!(write_args(&s, &[DataValue::I64(1)], &mut buf), Err(JitError::ArgumentMismatch(_))));
        assert!(matches!(check_signature(&sig(&[types::I32X4], &[])), Err(JitError::Unsupported(_))));
    }
}
