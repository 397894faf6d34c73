//! Conversions between types: `vconst`, `bitcast`, integer width changes, float width
//! changes, float <-> integer conversions, `isplit` and `iconcat` (docs/ir.md,
//! "Conversions").

use super::float::{canon32, canon64};
use super::{Ctx, Flow, bad_shape};
use crate::error::{Ex, Halt, invalid};
use crate::value::{mask, sext};
use lathe_codegen::ir::{Endianness, Inst, InstructionData as D, Opcode, Type};
use lathe_codegen::softfloat;

/// An `n`-bit integer to a float of `out` bits, rounding to nearest even.
fn int_to_float(x: u128, n: u32, signed: bool, out: u32) -> u128 {
    if out == 32 {
        let f = if signed { sext(x, n) as f32 } else { x as f32 };
        canon32(f)
    } else {
        let f = if signed { sext(x, n) as f64 } else { x as f64 };
        canon64(f)
    }
}

/// `bits` (a value of type `ty`, at most 128 bits) with the bytes of each lane reversed.
fn swap_lane_bytes(bits: u128, ty: Type) -> u128 {
    let mut bytes = bits.to_le_bytes();
    let size = (ty.bytes() as usize).min(16);
    let lane = (ty.lane_bits() as usize / 8).max(1);
    for chunk in bytes[..size].chunks_mut(lane) {
        chunk.reverse();
    }
    u128::from_le_bytes(bytes)
}

/// Executes a conversion.
pub(super) fn exec(ctx: &mut Ctx<'_, '_>, inst: Inst, data: &D, op: Opcode, ctrl: Type) -> Ex<Flow> {
    let n = ctrl.bits();
    match *data {
        D::UnaryConst { constant, .. } => {
            let Some(bytes) = ctx.frame.func.dfg.constants.get(constant) else {
                return invalid(format!("{constant} is not declared"));
            };
            let Ok(b) = <[u8; 16]>::try_from(bytes.as_slice()) else {
                return invalid(format!("{constant} has {} bytes, not 16", bytes.len()));
            };
            ctx.result1(inst, u128::from_le_bytes(b))
        }
        D::LoadNoOffset { flags, arg, .. } => {
            // bitcast: a store of `x` and a load of `T` at one address with these flags.
            // Only `big` changes the bits: the bytes of each lane of `x`, then of each lane
            // of `T`, are reversed (which cancels out when the lanes have the same width).
            let x = ctx.arg(arg)?;
            let bits = if flags.explicit_endianness() == Some(Endianness::Big) {
                swap_lane_bytes(swap_lane_bytes(x.bits, x.ty), ctrl)
            } else {
                x.bits
            };
            ctx.result1(inst, bits)
        }
        D::Unary { arg, .. } => {
            let x = ctx.arg(arg)?;
            let m = x.ty.bits();
            let r = match op {
                Opcode::Ireduce | Opcode::Uextend => x.bits,
                Opcode::Sextend => sext(x.bits, m) as u128,
                Opcode::Fpromote if (m, n) == (32, 64) => canon64(f64::from(f32::from_bits(x.bits as u32))),
                Opcode::Fdemote if (m, n) == (64, 32) => canon32(f64::from_bits(x.bits as u64) as f32),
                Opcode::Fpromote | Opcode::Fdemote => softfloat::convert(m, n, x.bits),
                Opcode::FcvtToUint | Opcode::FcvtToSint | Opcode::FcvtToUintSat | Opcode::FcvtToSintSat => {
                    let signed = matches!(op, Opcode::FcvtToSint | Opcode::FcvtToSintSat);
                    let saturate = matches!(op, Opcode::FcvtToUintSat | Opcode::FcvtToSintSat);
                    softfloat::to_int(m, x.bits, n, signed, saturate).map_err(Halt::Trap)?
                }
                Opcode::FcvtFromUint | Opcode::FcvtFromSint => {
                    let signed = op == Opcode::FcvtFromSint;
                    match n {
                        32 | 64 => int_to_float(x.bits, m, signed, n),
                        _ => softfloat::from_int(n, x.bits, m, signed),
                    }
                }
                Opcode::Isplit => {
                    let h = m / 2;
                    ctx.result(inst, 0, x.bits & mask(h))?;
                    ctx.result(inst, 1, x.bits >> h)?;
                    return Ok(Flow::Next);
                }
                _ => return bad_shape(op),
            };
            ctx.result1(inst, r)
        }
        D::Binary { args: [lo, hi], .. } if op == Opcode::Iconcat => {
            let (lo, hi) = (ctx.arg(lo)?.bits, ctx.arg(hi)?.bits);
            ctx.result1(inst, lo | (hi << n))
        }
        _ => bad_shape(op),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Halt;
    use lathe_codegen::ir::TrapCode;

    /// `fcvt_to_*` of an `f64` given as a Rust float.
    fn to_int(x: f64, n: u32, signed: bool, saturate: bool) -> Ex<u128> {
        softfloat::to_int(64, u128::from(x.to_bits()), n, signed, saturate).map_err(Halt::Trap)
    }

    #[test]
    fn float_to_int_bounds() {
        assert_eq!(to_int(-0.9, 32, false, false).ok(), Some(0));
        assert!(matches!(to_int(-1.0, 32, false, false), Err(Halt::Trap(TrapCode::IntegerOverflow))));
        assert_eq!(to_int(-(2f64.powi(63)), 64, true, false).ok().map(|r| r & mask(64)), Some(1 << 63));
        assert!(matches!(to_int(2f64.powi(63), 64, true, false), Err(Halt::Trap(_))));
        assert_eq!(to_int(f64::INFINITY, 8, false, true).ok(), Some(255));
        assert_eq!(to_int(-1e300, 8, true, true).ok().map(|r| r & mask(8)), Some(0x80));
        assert_eq!(to_int(f64::NAN, 8, true, true).ok(), Some(0));
        assert!(matches!(to_int(f64::NAN, 8, true, false), Err(Halt::Trap(TrapCode::BadConversionToInteger))));
        assert_eq!(to_int(1e38, 128, false, false).ok(), Some(1e38f64 as u128));
        assert_eq!(to_int(-1e38, 128, true, false).ok(), Some((-1e38f64 as i128) as u128));
    }
}
