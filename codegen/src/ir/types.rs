//! Value types of the IR: scalar integers and floats, and fixed-size SIMD vectors.
//!
//! A [`Type`] is a `u16`: the low four bits name the lane type (`i8` .. `f64`, then `f16`
//! and `f128`), the next
//! four bits hold log2 of the lane count. Scalars have one lane. `INVALID` (0) means "no
//! type" and is what instructions without a controlling type report.

use std::fmt;
use std::str::FromStr;

/// The type of an SSA value.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Type(u16);

const LANE_MASK: u16 = 0xf;
const LOG2_LANES_SHIFT: u32 = 4;
const MAX_LOG2_LANES: u16 = 8;

/// No type: the controlling type of an instruction that has none.
pub const INVALID: Type = Type(0);
/// 8-bit integer.
pub const I8: Type = Type(1);
/// 16-bit integer.
pub const I16: Type = Type(2);
/// 32-bit integer.
pub const I32: Type = Type(3);
/// 64-bit integer.
pub const I64: Type = Type(4);
/// 128-bit integer.
pub const I128: Type = Type(5);
/// IEEE 754 binary32.
pub const F32: Type = Type(6);
/// IEEE 754 binary64.
pub const F64: Type = Type(7);
/// IEEE 754 binary16 (half precision).
pub const F16: Type = Type(8);
/// IEEE 754 binary128 (quadruple precision).
pub const F128: Type = Type(9);

const fn vec(lane: Type, log2: u16) -> Type {
    Type(lane.0 | (log2 << LOG2_LANES_SHIFT))
}

/// Sixteen `i8` lanes.
pub const I8X16: Type = vec(I8, 4);
/// Eight `i16` lanes.
pub const I16X8: Type = vec(I16, 3);
/// Four `i32` lanes.
pub const I32X4: Type = vec(I32, 2);
/// Two `i64` lanes.
pub const I64X2: Type = vec(I64, 1);
/// Four `f32` lanes.
pub const F32X4: Type = vec(F32, 2);
/// Two `f64` lanes.
pub const F64X2: Type = vec(F64, 1);

/// Every scalar type, in order.
pub const SCALARS: [Type; 9] = [I8, I16, I32, I64, I128, F16, F32, F64, F128];

impl Type {
    /// The type with the same lanes but one lane: `i32x4` gives `i32`.
    pub const fn lane_type(self) -> Type {
        Type(self.0 & LANE_MASK)
    }
    /// log2 of the number of lanes.
    pub const fn log2_lane_count(self) -> u32 {
        (self.0 >> LOG2_LANES_SHIFT) as u32
    }
    /// Number of lanes (1 for scalars).
    pub const fn lane_count(self) -> u32 {
        1 << self.log2_lane_count()
    }
    /// Bits in one lane (0 for `INVALID`).
    pub const fn lane_bits(self) -> u32 {
        match self.lane_type().0 {
            1 => 8,
            2 | 8 => 16,
            3 | 6 => 32,
            4 | 7 => 64,
            5 | 9 => 128,
            _ => 0,
        }
    }
    /// Total bits.
    pub const fn bits(self) -> u32 {
        self.lane_bits() * self.lane_count()
    }
    /// Total bytes.
    pub const fn bytes(self) -> u32 {
        self.bits() / 8
    }
    /// Whether this is `INVALID`.
    pub const fn is_invalid(self) -> bool {
        self.0 == 0
    }
    /// Whether this is a vector type (more than one lane).
    pub const fn is_vector(self) -> bool {
        self.log2_lane_count() > 0
    }
    /// Whether the lanes are integers (scalar or vector).
    pub const fn is_int(self) -> bool {
        matches!(self.lane_type().0, 1..=5)
    }
    /// Whether the lanes are floats (scalar or vector).
    pub const fn is_float(self) -> bool {
        matches!(self.lane_type().0, 6..=9)
    }
    /// Whether this is a scalar integer.
    pub const fn is_int_scalar(self) -> bool {
        self.is_int() && !self.is_vector()
    }
    /// Whether this is a scalar float.
    pub const fn is_float_scalar(self) -> bool {
        self.is_float() && !self.is_vector()
    }
    /// The integer type of the same lane width and count: `f32x4` gives `i32x4`.
    pub const fn as_int(self) -> Type {
        let lane = match self.lane_type().0 {
            6 => I32,
            7 => I64,
            8 => I16,
            9 => I128,
            _ => self.lane_type(),
        };
        Type(lane.0 | (self.0 & !LANE_MASK))
    }
    /// The integer type of the given lane width (8..=128), if any.
    pub const fn int_with_bits(bits: u32) -> Option<Type> {
        match bits {
            8 => Some(I8),
            16 => Some(I16),
            32 => Some(I32),
            64 => Some(I64),
            128 => Some(I128),
            _ => None,
        }
    }
    /// The float type of the given width (16, 32, 64 or 128), if any.
    pub const fn float_with_bits(bits: u32) -> Option<Type> {
        match bits {
            16 => Some(F16),
            32 => Some(F32),
            64 => Some(F64),
            _ => None,
        }
    }
    /// The same kind of lane at half the width, same lane count: `i64` gives `i32`,
    /// `f64` gives `f32`. `None` below 8-bit ints and 16-bit floats.
    pub fn half_width(self) -> Option<Type> {
        let lane = if self.is_int() {
            Type::int_with_bits(self.lane_bits() / 2)?
        } else if self.is_float() {
            Type::float_with_bits(self.lane_bits() / 2)?
        } else {
            return None;
        };
        Some(Type(lane.0 | (self.0 & !LANE_MASK)))
    }
    /// The same kind of lane at double the width, same lane count.
    pub fn double_width(self) -> Option<Type> {
        let lane = if self.is_int() {
            Type::int_with_bits(self.lane_bits() * 2)?
        } else if self.is_float() {
            Type::float_with_bits(self.lane_bits() * 2)?
        } else {
            return None;
        };
        Some(Type(lane.0 | (self.0 & !LANE_MASK)))
    }
    /// Half-width lanes, twice as many (same total size): `i32x4` gives `i16x8`.
    pub fn split_lanes(self) -> Option<Type> {
        let half = self.half_width()?;
        half.by(2)
    }
    /// Double-width lanes, half as many (same total size): `i16x8` gives `i32x4`.
    pub fn merge_lanes(self) -> Option<Type> {
        if self.log2_lane_count() == 0 {
            return None;
        }
        let wide = self.double_width()?;
        Some(Type(wide.lane_type().0 | (((self.log2_lane_count() - 1) as u16) << LOG2_LANES_SHIFT)))
    }
    /// The type with `n` times as many lanes (`n` a power of two).
    pub fn by(self, n: u32) -> Option<Type> {
        if !n.is_power_of_two() || self.is_invalid() {
            return None;
        }
        let log2 = self.log2_lane_count() + n.trailing_zeros();
        if log2 > MAX_LOG2_LANES as u32 {
            return None;
        }
        Some(Type(self.lane_type().0 | ((log2 as u16) << LOG2_LANES_SHIFT)))
    }
    /// The raw encoding, for tables and hashing.
    pub const fn repr(self) -> u16 {
        self.0
    }
    /// Smallest and largest value of a scalar integer type, as signed.
    pub fn int_bounds_signed(self) -> (i128, i128) {
        let bits = self.lane_bits();
        if bits >= 128 { (i128::MIN, i128::MAX) } else { (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1) }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lane = match self.lane_type().0 {
            1 => "i8",
            2 => "i16",
            3 => "i32",
            4 => "i64",
            5 => "i128",
            6 => "f32",
            7 => "f64",
            8 => "f16",
            9 => "f128",
            _ => return f.write_str("INVALID"),
        };
        f.write_str(lane)?;
        if self.is_vector() {
            write!(f, "x{}", self.lane_count())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Type {
    type Err = ();
    /// Parses `i32`, `f64`, `i8x16`, ... (lane counts are powers of two from 2 to 256).
    fn from_str(s: &str) -> Result<Type, ()> {
        let (lane_s, lanes_s) = match s.find('x') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let lane = match lane_s {
            "i8" => I8,
            "i16" => I16,
            "i32" => I32,
            "i64" => I64,
            "i128" => I128,
            "f16" => F16,
            "f32" => F32,
            "f64" => F64,
            "f128" => F128,
            _ => return Err(()),
        };
        match lanes_s {
            None => Ok(lane),
            Some(n) => {
                if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
                    return Err(());
                }
                let n: u32 = n.parse().map_err(|_| ())?;
                if n < 2 {
                    return Err(());
                }
                lane.by(n).ok_or(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in [
            "i8", "i16", "i32", "i64", "i128", "f32", "f64", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2",
            "i8x8",
        ] {
            let ty: Type = t.parse().unwrap();
            assert_eq!(ty.to_string(), t);
        }
        for bad in ["i7", "x4", "i32x", "i32x3", "i32x1", "i32x04", "f8", "f256", ""] {
            assert!(bad.parse::<Type>().is_err(), "{bad} must not parse");
        }
    }

    #[test]
    fn derived_types() {
        assert_eq!(I32X4.bits(), 128);
        assert_eq!(F32X4.as_int(), I32X4);
        assert_eq!(I64.half_width(), Some(I32));
        assert_eq!(I8.half_width(), None);
        assert_eq!(F32.double_width(), Some(F64));
        assert_eq!(I32X4.split_lanes(), Some(I16X8));
        assert_eq!(I16X8.merge_lanes(), Some(I32X4));
        assert_eq!(I8.by(16), Some(I8X16));
        assert_eq!(I8.int_bounds_signed(), (-128, 127));
    }
}
