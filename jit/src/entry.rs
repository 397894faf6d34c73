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
//! per result (the larger count), each value at the start of its slot in the target's
//! byte order ([`write_args`], [`read_results`]).
//!
//! Only the per-architecture entry stub (`<arch>/stub.rs`) that saves the host's
//! callee-saved registers for trap recovery is machine code written by hand, and it only
//! calls `%entry(callee, buf)` under the host's C convention.
//!
//! The module is public because the filetest runner's object path uses the same
//! trampolines and buffer for code of any ISA (compiled into an object file and called as
//! `void tramp(void *callee, void *buf)` from a C driver, possibly under an emulator):
//! one copy of the marshalling for the JIT and for cross-ISA runs.

use crate::JitError;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::{
    AbiParam, CallConv, Endianness, ExternalName, FuncCursor, Function, InstBuilder, MemFlags, Signature, Type, types,
};

/// Bytes of one argument-buffer slot: the widest scalar (`i128`).
pub const SLOT: usize = 16;

/// The byte order of the machine running Lathe, the order [`JitModule`](crate::JitModule)
/// passes to [`write_args`] and [`read_results`].
pub const HOST_ENDIANNESS: Endianness =
    if cfg!(target_endian = "little") { Endianness::Little } else { Endianness::Big };

/// The IR trampoline that calls a function of signature `sig` (see the module docs),
/// itself of the convention `conv` (the C convention of whoever calls it).
pub fn build(sig: &Signature, conv: CallConv) -> Function {
    let mut tsig = Signature::new(conv);
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

/// Checks that every parameter and result of `sig` is a type the buffer carries: scalars
/// of at most 128 bits and 128-bit vectors.
pub fn check_signature(sig: &Signature) -> Result<(), JitError> {
    for p in sig.params.iter().chain(&sig.returns) {
        let ty = p.value_type;
        let vector = ty.is_vector() && ty.bits() == 128;
        if !(ty.is_int_scalar() || ty.is_float_scalar() || vector) || ty.bits() > 128 {
            return Err(JitError::Unsupported(format!("type {ty} in a JIT call signature")));
        }
    }
    Ok(())
}

/// A zeroed argument buffer for calls of `sig`, 16-byte aligned: one slot per parameter
/// and per result (the larger count, at least one). Each `u128` holds the bytes of one
/// slot as they lie in memory (`to_ne_bytes` gives them back).
pub fn buffer(sig: &Signature) -> Vec<u128> {
    vec![0u128; sig.params.len().max(sig.returns.len()).max(1)]
}

/// Writes `args`, checked against `sig`, into the slots of `buf`, each value in the byte
/// order `order` (the target's: the trampoline loads them with its native loads).
pub fn write_args(sig: &Signature, args: &[DataValue], buf: &mut [u128], order: Endianness) -> Result<(), JitError> {
    if args.len() != sig.params.len() {
        return Err(JitError::ArgumentMismatch(format!(
            "{} arguments given, the signature {sig} takes {}",
            args.len(),
            sig.params.len()
        )));
    }
    if buf.len() < args.len() {
        return Err(JitError::ArgumentMismatch(format!("{} slots for {} arguments", buf.len(), args.len())));
    }
    for (i, (param, arg)) in sig.params.iter().zip(args).enumerate() {
        if arg.ty() != param.value_type {
            return Err(JitError::ArgumentMismatch(format!(
                "argument {i} is {}, the signature wants {}",
                arg.ty(),
                param.value_type
            )));
        }
        let n = (param.value_type.bits() / 8) as usize;
        let le = match arg {
            // Lane 0 first; each lane's bytes in `order` (see `value`).
            DataValue::V128(ty, bytes) => {
                buf[i] = u128::from_ne_bytes(lanes_in_order(*ty, *bytes, order));
                continue;
            }
            _ => arg.bits().unwrap_or(0).to_le_bytes(),
        };
        let mut bytes = [0u8; SLOT];
        // The low `n` bytes of the value at the start of the slot, in `order`.
        match order {
            Endianness::Little => bytes[..n].copy_from_slice(&le[..n]),
            Endianness::Big => bytes[..n].iter_mut().zip(le[..n].iter().rev()).for_each(|(b, &v)| *b = v),
        }
        buf[i] = u128::from_ne_bytes(bytes);
    }
    Ok(())
}

/// Reads the results of a call of `sig` from `buf`, each in the byte order `order`.
pub fn read_results(sig: &Signature, buf: &[u128], order: Endianness) -> Vec<DataValue> {
    sig.returns.iter().zip(buf).map(|(r, slot)| value(r.value_type, slot.to_ne_bytes(), order)).collect()
}

/// The bytes of a vector whose lanes are little-endian (as `DataValue::V128` holds them)
/// with each lane's bytes in `order` (its own inverse).
fn lanes_in_order(ty: Type, mut bytes: [u8; SLOT], order: Endianness) -> [u8; SLOT] {
    if order == Endianness::Big {
        let lane = (ty.lane_bits() / 8).max(1) as usize;
        bytes.chunks_mut(lane).for_each(<[u8]>::reverse);
    }
    bytes
}

fn value(ty: Type, bytes: [u8; SLOT], order: Endianness) -> DataValue {
    if ty.is_vector() {
        return DataValue::V128(ty, lanes_in_order(ty, bytes, order));
    }
    let n = (ty.bits() / 8) as usize;
    let mut le = [0u8; SLOT];
    match order {
        Endianness::Little => le[..n].copy_from_slice(&bytes[..n]),
        Endianness::Big => le[..n].iter_mut().zip(bytes[..n].iter().rev()).for_each(|(l, &b)| *l = b),
    }
    let bits = u128::from_le_bytes(le);
    DataValue::from_bits(bits, ty).unwrap_or(DataValue::I128(bits as i128))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_codegen::ir::immediates::{Ieee32, Ieee64};

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
        let back = sig(&[], &[types::I8, types::I16, types::F32, types::F64, types::I128]);
        for order in [Endianness::Little, Endianness::Big] {
            let mut buf = buffer(&s);
            write_args(&s, &args, &mut buf, order).unwrap();
            assert_eq!(read_results(&back, &buf, order), args);
        }
    }

    #[test]
    fn slots_hold_values_in_the_given_byte_order() {
        let s = sig(&[types::I32, types::F64, types::I16], &[]);
        let args = [DataValue::I32(0x0102_0304), DataValue::F64(Ieee64(0x1122_3344_5566_7788)), DataValue::I16(-2)];
        let mut buf = buffer(&s);
        write_args(&s, &args, &mut buf, Endianness::Big).unwrap();
        assert_eq!(buf[0].to_ne_bytes()[..5], [1, 2, 3, 4, 0]);
        assert_eq!(buf[1].to_ne_bytes()[..9], [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0]);
        assert_eq!(buf[2].to_ne_bytes()[..3], [0xff, 0xfe, 0]);
        write_args(&s, &args, &mut buf, Endianness::Little).unwrap();
        assert_eq!(buf[0].to_ne_bytes()[..5], [4, 3, 2, 1, 0]);
        assert_eq!(buf[2].to_ne_bytes()[..3], [0xfe, 0xff, 0]);
    }

    #[test]
    fn wrong_arguments_and_vectors_are_errors() {
        let s = sig(&[types::I32], &[]);
        let mut buf = buffer(&s);
        let order = HOST_ENDIANNESS;
        assert!(matches!(write_args(&s, &[], &mut buf, order), Err(JitError::ArgumentMismatch(_))));
        assert!(matches!(write_args(&s, &[DataValue::I64(1)], &mut buf, order), Err(JitError::ArgumentMismatch(_))));
        assert!(check_signature(&sig(&[types::I32X4], &[types::F64X2])).is_ok());
        assert!(matches!(check_signature(&sig(&[types::I32.by(2).unwrap()], &[])), Err(JitError::Unsupported(_))));
    }

    #[test]
    fn vectors_round_trip_lane_by_lane() {
        let s = sig(&[types::I16X8], &[]);
        let back = sig(&[], &[types::I16X8]);
        let bytes: [u8; 16] = std::array::from_fn(|i| i as u8);
        let args = [DataValue::V128(types::I16X8, bytes)];
        for order in [Endianness::Little, Endianness::Big] {
            let mut buf = buffer(&s);
            write_args(&s, &args, &mut buf, order).unwrap();
            let first_lane = &buf[0].to_ne_bytes()[..2];
            assert_eq!(first_lane, if order == Endianness::Little { [0, 1] } else { [1, 0] });
            assert_eq!(read_results(&back, &buf, order), args);
        }
    }
}
