//! `Val`, the interpreter's compact value: a type and its bits (at most 128, so every
//! scalar and every 128-bit vector fits), and the conversions to and from `DataValue`.
//!
//! Invariant: the bits above the type's width are zero. Every constructor masks.

use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::immediates::{Ieee16, Ieee32, Ieee64, Ieee128};
use lathe_codegen::ir::types::{self, Type};

/// A typed value; `ty == INVALID` marks a frame slot that holds no value yet.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Val {
    /// The type.
    pub ty: Type,
    /// The bits, zero above the type's width. Vector lanes are little-endian (lane 0 in
    /// the low bits).
    pub bits: u128,
}

/// All ones in the low `n` bits.
#[inline]
pub(crate) fn mask(n: u32) -> u128 {
    if n >= 128 { u128::MAX } else { (1u128 << n) - 1 }
}

/// The low `n` bits of `bits` read as a two's complement number.
#[inline]
pub(crate) fn sext(bits: u128, n: u32) -> i128 {
    if n == 0 {
        0
    } else if n >= 128 {
        bits as i128
    } else {
        let s = 128 - n;
        ((bits << s) as i128) >> s
    }
}

impl Val {
    /// A value of type `ty` holding the low bits of `bits`.
    #[inline]
    pub fn new(ty: Type, bits: u128) -> Val {
        Val { ty, bits: bits & mask(ty.bits()) }
    }

    /// Whether the slot holds a value.
    #[inline]
    pub fn is_set(self) -> bool {
        !self.ty.is_invalid()
    }

    /// The value of a `DataValue`.
    pub fn from_data(dv: &DataValue) -> Val {
        match *dv {
            DataValue::V128(ty, bytes) => Val::new(ty, u128::from_le_bytes(bytes)),
            other => Val::new(other.ty(), other.bits().unwrap_or(0)),
        }
    }

    /// The `DataValue` of this value (`None` for `INVALID` and types `DataValue` lacks).
    pub fn to_data(self) -> Option<DataValue> {
        let b = self.bits;
        Some(match self.ty {
            types::I8 => DataValue::I8(b as u8 as i8),
            types::I16 => DataValue::I16(b as u16 as i16),
            types::I32 => DataValue::I32(b as u32 as i32),
            types::I64 => DataValue::I64(b as u64 as i64),
            types::I128 => DataValue::I128(b as i128),
            types::F32 => DataValue::F32(Ieee32(b as u32)),
            types::F64 => DataValue::F64(Ieee64(b as u64)),
            types::F16 => DataValue::F16(Ieee16(b as u16)),
            types::F128 => DataValue::F128(Ieee128(b)),
            ty if ty.is_vector() && ty.bits() == 128 => DataValue::V128(ty, b.to_le_bytes()),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_extension_and_masks() {
        assert_eq!(sext(0xff, 8), -1);
        assert_eq!(sext(0x7f, 8), 127);
        assert_eq!(sext(u128::MAX, 128), -1);
        assert_eq!(mask(128), u128::MAX);
        assert_eq!(Val::new(types::I8, 0x1ff).bits, 0xff);
        let dv = DataValue::I16(-2);
        assert_eq!(Val::from_data(&dv).to_data(), Some(dv));
        let v = DataValue::V128(types::I32X4, [7; 16]);
        assert_eq!(Val::from_data(&v).to_data(), Some(v));
    }
}
