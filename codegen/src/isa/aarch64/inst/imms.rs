//! The immediate operands of A64 instructions and their encodings: arithmetic 12-bit
//! immediates (optionally shifted left by 12), logical-immediate bitmasks (`N:immr:imms`),
//! move-wide 16-bit chunks and the 8-bit floating-point immediates of `fmov`.
//!
//! Each type can only hold an encodable value: the constructors (`maybe_from_*`) return
//! `None` for anything else, so lowering asks them and the encoder never fails.

use super::args::{FpSize, OperandSize};

/// An unsigned 12-bit immediate, optionally shifted left by 12 (`add`, `sub`, `cmp`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Imm12 {
    /// The 12-bit field.
    pub bits: u16,
    /// `lsl #12`.
    pub shift12: bool,
}

impl Imm12 {
    /// Zero.
    pub const ZERO: Imm12 = Imm12 { bits: 0, shift12: false };

    /// `value` as a 12-bit immediate: 0..=0xfff unshifted, or a multiple of 0x1000 up to
    /// 0xfff000 shifted.
    pub fn maybe_from_u64(value: u64) -> Option<Imm12> {
        if value < 0x1000 {
            Some(Imm12 { bits: value as u16, shift12: false })
        } else if value < 0x100_0000 && value & 0xfff == 0 {
            Some(Imm12 { bits: (value >> 12) as u16, shift12: true })
        } else {
            None
        }
    }
    /// The value the instruction uses.
    pub fn value(self) -> u64 {
        (self.bits as u64) << if self.shift12 { 12 } else { 0 }
    }
}

/// A logical immediate (`and`, `orr`, `eor`, `ands`, `tst`): a repeated element of 2, 4,
/// 8, 16, 32 or 64 bits that is a rotated run of ones, encoded as `N:immr:imms`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct ImmLogic {
    /// The value, as seen by an operation of `size` (a 32-bit value in the low half).
    pub value: u64,
    /// The N bit (1 only for 64-bit elements).
    pub n: bool,
    /// The rotation.
    pub immr: u8,
    /// The element size and run length.
    pub imms: u8,
    /// The operation width the encoding is for.
    pub size: OperandSize,
}

fn ones(n: u32) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// Rotates the low `e` bits of `x` left by `r`.
fn rotl_in(x: u64, r: u32, e: u32) -> u64 {
    let m = ones(e);
    let x = x & m;
    if r == 0 { x } else { ((x << r) | (x >> (e - r))) & m }
}

impl ImmLogic {
    /// The encoding of `value` for an operation of `size`, if it has one. For `S32` only
    /// the low 32 bits of `value` are looked at.
    pub fn maybe_from_u64(value: u64, size: OperandSize) -> Option<ImmLogic> {
        let v = match size {
            OperandSize::S32 => {
                let low = value & 0xffff_ffff;
                low | (low << 32)
            }
            OperandSize::S64 => value,
        };
        if v == 0 || v == u64::MAX {
            return None;
        }
        // The element size: the smallest period of the pattern.
        let mut e = 64;
        while e > 2 {
            let half = e / 2;
            if (v & ones(half)) != ((v >> half) & ones(half)) {
                break;
            }
            e = half;
        }
        let elt = v & ones(e);
        let count = elt.count_ones();
        // Rotating the element left by `r` must give `count` ones at the bottom; the
        // instruction then rotates that run right by `r`.
        let r = (0..e).find(|&r| rotl_in(elt, r, e) == ones(count))?;
        let imms = (((!(e - 1)) << 1) & 0x3f) as u8 | (count - 1) as u8;
        let value = match size {
            OperandSize::S32 => v & 0xffff_ffff,
            OperandSize::S64 => v,
        };
        Some(ImmLogic { value, n: e == 64, immr: r as u8, imms, size })
    }

    /// The value an encoding stands for (the ARM ARM's `DecodeBitMasks` with
    /// `immediate = TRUE`), `None` for a reserved encoding: the inverse of
    /// [`ImmLogic::maybe_from_u64`], used by its tests and by nothing else.
    pub fn decode(n: bool, immr: u8, imms: u8, size: OperandSize) -> Option<u64> {
        if size == OperandSize::S32 && n {
            return None;
        }
        let combined = ((n as u32) << 6) | (!imms as u32 & 0x3f);
        if combined == 0 {
            return None;
        }
        let len = 31 - combined.leading_zeros();
        if len < 1 {
            return None;
        }
        let levels = ones(len) as u32;
        let s = imms as u32 & levels;
        if s == levels {
            return None;
        }
        let r = immr as u32 & levels;
        let e = 1u32 << len;
        let elt = rotl_in(ones(s + 1), (e - r) % e, e);
        let mut v = 0u64;
        let mut at = 0;
        while at < 64 {
            v |= elt << at;
            at += e;
        }
        Some(match size {
            OperandSize::S32 => v & 0xffff_ffff,
            OperandSize::S64 => v,
        })
    }
}

/// A 16-bit chunk placed at bit `16 * shift` (`movz`, `movn`, `movk`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct MoveWideConst {
    /// The chunk.
    pub bits: u16,
    /// Which halfword (0-3; 0-1 for 32-bit operations).
    pub shift: u8,
}

impl MoveWideConst {
    /// `value` as one chunk, if at most one halfword of it is non-zero.
    pub fn maybe_from_u64(value: u64) -> Option<MoveWideConst> {
        (0..4u8)
            .find(|&s| value & !(0xffffu64 << (16 * s)) == 0)
            .map(|s| MoveWideConst { bits: (value >> (16 * s)) as u16, shift: s })
    }
    /// The chunk `shift` (0-3) of `value`.
    pub fn chunk(value: u64, shift: u8) -> MoveWideConst {
        MoveWideConst { bits: (value >> (16 * shift)) as u16, shift }
    }
    /// The value placed (before `movn` inverts it).
    pub fn value(self) -> u64 {
        (self.bits as u64) << (16 * self.shift)
    }
}

/// The 8-bit floating-point immediate of `fmov`: ±(16..31)/16 × 2^(-3..4).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct FpImm8 {
    /// `a:bcdefgh`.
    pub imm8: u8,
}

impl FpImm8 {
    /// The bits of the value of `imm8` at `size` (the ARM ARM's `VFPExpandImm`).
    pub fn expand(imm8: u8, size: FpSize) -> u64 {
        let sign = (imm8 >> 7) as u64;
        let b = (imm8 >> 6) as u64 & 1;
        let cd = (imm8 >> 4) as u64 & 3;
        let frac = imm8 as u64 & 0xf;
        match size {
            FpSize::S32 => {
                // exponent: NOT(b):b*5:c:d (8 bits); fraction: efgh then 19 zeros.
                let exp = ((b ^ 1) << 7) | (if b == 1 { 0b11111 << 2 } else { 0 }) | cd;
                (sign << 31) | (exp << 23) | (frac << 19)
            }
            FpSize::S64 => {
                // exponent: NOT(b):b*8:c:d (11 bits); fraction: efgh then 48 zeros.
                let exp = ((b ^ 1) << 10) | (if b == 1 { 0xff << 2 } else { 0 }) | cd;
                (sign << 63) | (exp << 52) | (frac << 48)
            }
        }
    }
    /// The immediate for the float with bits `bits` at `size`, if it has one.
    pub fn maybe_from_bits(bits: u64, size: FpSize) -> Option<FpImm8> {
        (0..=255u8).find(|&i| FpImm8::expand(i, size) == bits).map(|imm8| FpImm8 { imm8 })
    }
    /// The value as an `f64` (exact at either size).
    pub fn to_f64(self) -> f64 {
        f64::from_bits(FpImm8::expand(self.imm8, FpSize::S64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every value the decoder gives for some encoding, per size.
    fn all_decoded(size: OperandSize) -> HashSet<u64> {
        let mut set = HashSet::new();
        for n in [false, true] {
            for immr in 0..64u8 {
                for imms in 0..64u8 {
                    if let Some(v) = ImmLogic::decode(n, immr, imms, size) {
                        set.insert(v);
                    }
                }
            }
        }
        set
    }

    #[test]
    fn logical_immediates_match_a_brute_force_decoder() {
        for size in [OperandSize::S32, OperandSize::S64] {
            let decoded = all_decoded(size);
            let expected = if size == OperandSize::S64 { 5334 } else { 1302 };
            assert_eq!(decoded.len(), expected, "distinct bitmask immediates at {size:?}");
            for &v in &decoded {
                let imm = ImmLogic::maybe_from_u64(v, size).unwrap_or_else(|| panic!("{v:#x} is encodable"));
                assert_eq!(ImmLogic::decode(imm.n, imm.immr, imm.imms, size), Some(v), "{v:#x} round-trips");
                assert_eq!(imm.value, v);
            }
            // Values that are not encodable: neighbours of encodable ones and a scatter.
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            let mut probes: Vec<u64> =
                decoded.iter().flat_map(|&v| [v ^ 1, v.wrapping_add(1), v ^ (1 << 40)]).collect();
            for _ in 0..20000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                probes.push(x);
            }
            probes.extend([0, u64::MAX, 0xffff_ffff, 0x1_0000_0000]);
            for v in probes {
                let v = if size == OperandSize::S32 { v & 0xffff_ffff } else { v };
                assert_eq!(ImmLogic::maybe_from_u64(v, size).is_some(), decoded.contains(&v), "{v:#x} at {size:?}");
            }
        }
    }

    #[test]
    fn arithmetic_and_move_wide_immediates() {
        assert_eq!(Imm12::maybe_from_u64(0xfff), Some(Imm12 { bits: 0xfff, shift12: false }));
        assert_eq!(Imm12::maybe_from_u64(0xfff000), Some(Imm12 { bits: 0xfff, shift12: true }));
        assert_eq!(Imm12::maybe_from_u64(0x1001), None);
        assert_eq!(Imm12::maybe_from_u64(0x100_0000), None);
        assert_eq!(MoveWideConst::maybe_from_u64(0xabcd_0000_0000), Some(MoveWideConst { bits: 0xabcd, shift: 2 }));
        assert_eq!(MoveWideConst::maybe_from_u64(0), Some(MoveWideConst { bits: 0, shift: 0 }));
        assert_eq!(MoveWideConst::maybe_from_u64(0x1_0001), None);
    }

    #[test]
    fn fp_immediates() {
        for (v, ok) in [(1.0f64, true), (-0.125, true), (31.0, true), (0.0, false), (0.1, false), (32.0, false)] {
            assert_eq!(FpImm8::maybe_from_bits(v.to_bits(), FpSize::S64).is_some(), ok, "{v}");
            assert_eq!(FpImm8::maybe_from_bits((v as f32).to_bits() as u64, FpSize::S32).is_some(), ok, "{v}");
        }
        let i = FpImm8::maybe_from_bits(2.5f64.to_bits(), FpSize::S64).unwrap();
        assert_eq!(i.to_f64(), 2.5);
        assert_eq!(FpImm8::expand(i.imm8, FpSize::S32), 2.5f32.to_bits() as u64);
    }
}
