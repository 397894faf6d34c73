//! `DataValue`: a typed runtime value, as passed to and returned from functions by the
//! interpreter, the JIT test runner and the `; run:` lines of filetests.
//!
//! Integers are stored as the Rust integer of their width (two's complement); floats as
//! their exact bits, so NaN payloads and signed zeros are kept.

use crate::ir::TrapCode;
use crate::ir::immediates::{Ieee16, Ieee32, Ieee64, Ieee128};
use crate::ir::types::{self, Type};
use std::fmt;

/// The size of the block a thread-local symbol (`symbol tls %x`, reached by `tls_value`)
/// names when functions run on their own, with nothing defining the symbol: in the
/// interpreter and in the JIT as `test run` and the fuzzers load them. Each thread (each
/// top-level interpreter call) starts with the block zero-filled.
pub const STANDALONE_THREAD_LOCAL_BYTES: u64 = 4096;

/// How a call ended, in every engine that runs IR (the interpreter, the JIT) and in the
/// run lines that state expectations: the same type, so results compare directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// The function returned these values.
    Return(Vec<DataValue>),
    /// The function trapped with this code.
    Trap(TrapCode),
}

impl CallOutcome {
    /// Whether two engines' outcomes agree: the same trap code, or the same values bit for
    /// bit, except that any two NaNs agree (hardware and constant folding may produce
    /// different NaN bits), lane by lane in float vectors. This is the one comparison of
    /// the interpreter with compiled code, used by the filetest runner and the fuzzers
    /// alike.
    pub fn agrees_with(&self, other: &CallOutcome) -> bool {
        match (self, other) {
            (CallOutcome::Trap(x), CallOutcome::Trap(y)) => x == y,
            (CallOutcome::Return(x), CallOutcome::Return(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_agree(p, q))
            }
            _ => false,
        }
    }
}

/// Equal bits, or two NaNs; a float vector lane by lane.
fn values_agree(p: &DataValue, q: &DataValue) -> bool {
    match (p, q) {
        (DataValue::V128(tp, a), DataValue::V128(tq, b)) if tp == tq && tp.is_float() => {
            let lane = (tp.lane_bits() / 8) as usize;
            a.chunks(lane).zip(b.chunks(lane)).all(|(x, y)| {
                let bits = |c: &[u8]| {
                    let mut le = [0u8; 16];
                    le[..c.len()].copy_from_slice(c);
                    DataValue::from_bits(u128::from_le_bytes(le), tp.lane_type())
                };
                match (bits(x), bits(y)) {
                    (Some(x), Some(y)) => values_agree(&x, &y),
                    _ => x == y,
                }
            })
        }
        _ => p == q || (p.is_nan() && q.is_nan()),
    }
}

/// A value of one IR type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DataValue {
    /// An `i8`.
    I8(i8),
    /// An `i16`.
    I16(i16),
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `i128`.
    I128(i128),
    /// An `f32`, as bits.
    F32(Ieee32),
    /// An `f64`, as bits.
    F64(Ieee64),
    /// An `f16`, as bits.
    F16(Ieee16),
    /// An `f128`, as bits.
    F128(Ieee128),
    /// A 128-bit vector of the given type, as little-endian lane bytes.
    V128(Type, [u8; 16]),
}

impl DataValue {
    /// The type of the value.
    pub fn ty(&self) -> Type {
        match self {
            DataValue::I8(_) => types::I8,
            DataValue::I16(_) => types::I16,
            DataValue::I32(_) => types::I32,
            DataValue::I64(_) => types::I64,
            DataValue::I128(_) => types::I128,
            DataValue::F32(_) => types::F32,
            DataValue::F64(_) => types::F64,
            DataValue::F16(_) => types::F16,
            DataValue::F128(_) => types::F128,
            DataValue::V128(ty, _) => *ty,
        }
    }

    /// An integer of type `ty` holding the low bits of `x`; `None` if `ty` is not an
    /// integer scalar.
    pub fn from_integer(x: i128, ty: Type) -> Option<DataValue> {
        Some(match ty {
            types::I8 => DataValue::I8(x as i8),
            types::I16 => DataValue::I16(x as i16),
            types::I32 => DataValue::I32(x as i32),
            types::I64 => DataValue::I64(x as i64),
            types::I128 => DataValue::I128(x),
            _ => return None,
        })
    }

    /// A value of type `ty` with the given bits (the low `ty.bits()` bits of `bits`);
    /// `None` for vectors and `INVALID`.
    pub fn from_bits(bits: u128, ty: Type) -> Option<DataValue> {
        match ty {
            types::F32 => Some(DataValue::F32(Ieee32(bits as u32))),
            types::F64 => Some(DataValue::F64(Ieee64(bits as u64))),
            types::F16 => Some(DataValue::F16(Ieee16(bits as u16))),
            types::F128 => Some(DataValue::F128(Ieee128(bits))),
            _ => DataValue::from_integer(bits as i128, ty),
        }
    }

    /// The integer value, sign-extended to 128 bits; `None` for floats and vectors.
    pub fn as_i128(&self) -> Option<i128> {
        Some(match *self {
            DataValue::I8(x) => x as i128,
            DataValue::I16(x) => x as i128,
            DataValue::I32(x) => x as i128,
            DataValue::I64(x) => x as i128,
            DataValue::I128(x) => x,
            _ => return None,
        })
    }

    /// The bits of a scalar, zero-extended to 128 bits; `None` for vectors.
    pub fn bits(&self) -> Option<u128> {
        Some(match *self {
            DataValue::I8(x) => x as u8 as u128,
            DataValue::I16(x) => x as u16 as u128,
            DataValue::I32(x) => x as u32 as u128,
            DataValue::I64(x) => x as u64 as u128,
            DataValue::I128(x) => x as u128,
            DataValue::F32(x) => x.0 as u128,
            DataValue::F64(x) => x.0 as u128,
            DataValue::F16(x) => x.0 as u128,
            DataValue::F128(x) => x.0,
            DataValue::V128(..) => return None,
        })
    }

    /// Whether this is a float NaN.
    pub fn is_nan(&self) -> bool {
        match (float_layout(self.ty()), self.bits()) {
            (Some((w, t)), Some(bits)) => {
                let max_e = (1u128 << w) - 1;
                (bits >> t) & max_e == max_e && bits & ((1u128 << t) - 1) != 0
            }
            _ => false,
        }
    }

    /// Whether `self` (an actual result) matches `expected` under the filetest rule
    /// (docs/testing.md): exact bits, except that an expected NaN written without a
    /// payload (`NaN`, `+NaN`, `-NaN`, the canonical quiet NaN of either sign) matches any
    /// NaN. Vector lanes follow the same rule lane by lane.
    pub fn matches_expected(&self, expected: &DataValue) -> bool {
        match (self, expected) {
            (a, e) if a.ty() == e.ty() && e.ty().is_float_scalar() => {
                let (Some((w, t)), Some(ab), Some(eb)) = (float_layout(e.ty()), a.bits(), e.bits()) else {
                    return false;
                };
                // The canonical quiet NaN, either sign: exponent all ones, top fraction bit.
                let canonical = ((1u128 << w) - 1) << t | 1u128 << (t - 1);
                let magnitude = eb & ((1u128 << (w + t)) - 1);
                (magnitude == canonical && a.is_nan()) || ab == eb
            }
            (DataValue::V128(ta, a), DataValue::V128(te, e)) if ta == te => {
                let lane_bytes = (ta.lane_bits() / 8) as usize;
                if lane_bytes == 0 {
                    return false;
                }
                a.chunks(lane_bytes).zip(e.chunks(lane_bytes)).all(|(la, le)| {
                    let mut ba = [0u8; 16];
                    let mut be = [0u8; 16];
                    ba[..lane_bytes].copy_from_slice(la);
                    be[..lane_bytes].copy_from_slice(le);
                    let lane = ta.lane_type();
                    match (
                        DataValue::from_bits(u128::from_le_bytes(ba), lane),
                        DataValue::from_bits(u128::from_le_bytes(be), lane),
                    ) {
                        (Some(x), Some(y)) => x.matches_expected(&y),
                        _ => false,
                    }
                })
            }
            _ => self == expected,
        }
    }
}

impl fmt::Display for DataValue {
    /// Integers in decimal, floats in the exact hex form, vectors as `[a b c d]`: the
    /// syntax of run lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataValue::I8(x) => write!(f, "{x}"),
            DataValue::I16(x) => write!(f, "{x}"),
            DataValue::I32(x) => write!(f, "{x}"),
            DataValue::I64(x) => write!(f, "{x}"),
            DataValue::I128(x) => write!(f, "{x}"),
            DataValue::F32(x) => write!(f, "{x}"),
            DataValue::F64(x) => write!(f, "{x}"),
            DataValue::F16(x) => write!(f, "{x}"),
            DataValue::F128(x) => write!(f, "{x}"),
            DataValue::V128(ty, bytes) => {
                let lane_bytes = (ty.lane_bits() / 8).max(1) as usize;
                f.write_str("[")?;
                for (i, chunk) in bytes.chunks(lane_bytes).enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    let mut b = [0u8; 16];
                    b[..chunk.len()].copy_from_slice(chunk);
                    match DataValue::from_bits(u128::from_le_bytes(b), ty.lane_type()) {
                        Some(lane) => write!(f, "{lane}")?,
                        None => f.write_str("?")?,
                    }
                }
                f.write_str("]")
            }
        }
    }
}

/// The exponent and fraction widths of a float scalar type.
fn float_layout(ty: Type) -> Option<(u32, u32)> {
    match ty {
        types::F16 => Some((5, 10)),
        types::F32 => Some((8, 23)),
        types::F64 => Some((11, 52)),
        types::F128 => Some((15, 112)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_rule() {
        let canonical = DataValue::F32(Ieee32(0x7fc0_0000));
        let neg_canonical = DataValue::F32(Ieee32(0xffc0_0000));
        let payload = DataValue::F32(Ieee32(0x7fc0_0001));
        assert!(payload.matches_expected(&canonical));
        assert!(neg_canonical.matches_expected(&canonical));
        assert!(!canonical.matches_expected(&payload));
        assert!(payload.matches_expected(&payload));
        let zero = DataValue::F64(Ieee64(0));
        let neg_zero = DataValue::F64(Ieee64(1 << 63));
        assert!(!zero.matches_expected(&neg_zero));
        assert_eq!(DataValue::from_integer(-1, types::I8), Some(DataValue::I8(-1)));
        assert_eq!(DataValue::I16(-2).bits(), Some(0xfffe));
    }

    #[test]
    fn float_vector_lanes_agree_when_both_are_nan() {
        let lanes = |l: [u32; 4]| {
            let mut b = [0u8; 16];
            for (i, x) in l.iter().enumerate() {
                b[4 * i..4 * i + 4].copy_from_slice(&x.to_le_bytes());
            }
            b
        };
        let ret = |t, l| CallOutcome::Return(vec![DataValue::V128(t, lanes(l))]);
        let a = ret(types::F32X4, [0x7fc0_0000, 1, 2, 3]);
        assert!(a.agrees_with(&ret(types::F32X4, [0xffc0_0000, 1, 2, 3])));
        assert!(!a.agrees_with(&ret(types::F32X4, [0xffc0_0000, 1, 2, 4])));
        assert!(!a.agrees_with(&ret(types::F32X4, [0x7f80_0000, 1, 2, 3])), "infinity is not NaN");
        // Integer lanes are bits, whatever they would mean as floats.
        assert!(!ret(types::I32X4, [0x7fc0_0000, 0, 0, 0]).agrees_with(&ret(types::I32X4, [0xffc0_0000, 0, 0, 0])));
    }
}
