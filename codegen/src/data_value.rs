//! `DataValue`: a typed runtime value, as passed to and returned from functions by the
//! interpreter, the JIT test runner and the `; run:` lines of filetests.
//!
//! Integers are stored as the Rust integer of their width (two's complement); floats as
//! their exact bits, so NaN payloads and signed zeros are kept.

use crate::ir::TrapCode;
use crate::ir::immediates::{Ieee32, Ieee64};
use crate::ir::types::{self, Type};
use std::fmt;

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
    /// different NaN bits). This is the one comparison of the interpreter with compiled
    /// code, used by the filetest runner and the fuzzers alike.
    pub fn agrees_with(&self, other: &CallOutcome) -> bool {
        match (self, other) {
            (CallOutcome::Trap(x), CallOutcome::Trap(y)) => x == y,
            (CallOutcome::Return(x), CallOutcome::Return(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p == q || (p.is_nan() && q.is_nan()))
            }
            _ => false,
        }
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
            DataValue::V128(..) => return None,
        })
    }

    /// Whether this is a float NaN.
    pub fn is_nan(&self) -> bool {
        match self {
            DataValue::F32(x) => x.as_f32().is_nan(),
            DataValue::F64(x) => x.as_f64().is_nan(),
            _ => false,
        }
    }

    /// Whether `self` (an actual result) matches `expected` under the filetest rule
    /// (docs/testing.md): exact bits, except that an expected NaN written without a
    /// payload (`NaN`, `+NaN`, `-NaN`, the canonical quiet NaN of either sign) matches any
    /// NaN. Vector lanes follow the same rule lane by lane.
    pub fn matches_expected(&self, expected: &DataValue) -> bool {
        match (self, expected) {
            (DataValue::F32(a), DataValue::F32(e)) => {
                (e.0 & 0x7fff_ffff == 0x7fc0_0000 && a.as_f32().is_nan()) || a.0 == e.0
            }
            (DataValue::F64(a), DataValue::F64(e)) => {
                (e.0 & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000 && a.as_f64().is_nan()) || a.0 == e.0
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
}
