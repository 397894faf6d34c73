//! Constant folding arithmetic for the mid-end rules: the exact semantics of `docs/ir.md`
//! on immediates of scalar integer types up to 64 bits.
//!
//! Immediates come in and go out in canonical form: the low bits of the type,
//! sign-extended to `i64`. Folding fails (`None`) where the operation would trap, so a
//! rule never folds a trap away. This code is written apart from the interpreter on
//! purpose: `test optimize` files compare the two.

use crate::ir::{IntCC, Opcode, Type};

fn mask(ty: Type) -> u64 {
    match ty.bits() {
        64 => u64::MAX,
        b => (1u64 << b) - 1,
    }
}

/// The canonical form of `x` in type `ty`: its low bits, sign-extended.
pub fn canonical(ty: Type, x: i64) -> i64 {
    let bits = ty.bits();
    if bits >= 64 || bits == 0 {
        return x;
    }
    let shift = 64 - bits;
    (x << shift) >> shift
}

/// `x` read as unsigned in `ty`.
pub fn unsigned(ty: Type, x: i64) -> u64 {
    x as u64 & mask(ty)
}

fn signed_min(ty: Type) -> i64 {
    canonical(ty, 1i64 << (ty.bits() - 1))
}

fn signed_max(ty: Type) -> i64 {
    canonical(ty, (1i64 << (ty.bits() - 1)).wrapping_sub(1))
}

/// Folds a binary integer operation; `None` if it traps or is not an integer operation.
pub fn fold_binary(op: Opcode, ty: Type, a: i64, b: i64) -> Option<i64> {
    let bits = ty.bits();
    if !ty.is_int_scalar() || bits > 64 {
        return None;
    }
    let (ua, ub) = (unsigned(ty, a), unsigned(ty, b));
    let (sa, sb) = (canonical(ty, a), canonical(ty, b));
    // Shift amounts are taken modulo the width; the width divides 2^8, so the low bits of
    // any amount type give the same result.
    let amt = (b as u64 % bits as u64) as u32;
    let r: i64 = match op {
        Opcode::Iadd => a.wrapping_add(b),
        Opcode::Isub => a.wrapping_sub(b),
        Opcode::Imul => a.wrapping_mul(b),
        Opcode::Umulhi => ((ua as u128 * ub as u128) >> bits) as i64,
        Opcode::Smulhi => ((sa as i128 * sb as i128) >> bits) as i64,
        Opcode::Udiv => (ua.checked_div(ub)?) as i64,
        Opcode::Urem => (ua.checked_rem(ub)?) as i64,
        Opcode::Sdiv => {
            if sb == 0 || (sa == signed_min(ty) && sb == -1) {
                return None;
            }
            sa / sb
        }
        Opcode::Srem => {
            if sb == 0 {
                return None;
            }
            if sb == -1 { 0 } else { sa % sb }
        }
        Opcode::Band => a & b,
        Opcode::Bor => a | b,
        Opcode::Bxor => a ^ b,
        Opcode::BandNot => a & !b,
        Opcode::BorNot => a | !b,
        Opcode::BxorNot => a ^ !b,
        Opcode::Ishl => (ua << amt) as i64,
        Opcode::Ushr => (ua >> amt) as i64,
        Opcode::Sshr => sa >> amt,
        Opcode::Rotl | Opcode::Rotr => {
            let left = if op == Opcode::Rotl { amt } else { (bits - amt) % bits };
            if left == 0 { a } else { ((ua << left) | (ua >> (bits - left))) as i64 }
        }
        Opcode::Smin => sa.min(sb),
        Opcode::Smax => sa.max(sb),
        Opcode::Umin => ua.min(ub) as i64,
        Opcode::Umax => ua.max(ub) as i64,
        Opcode::UaddSat => (ua as u128 + ub as u128).min(mask(ty) as u128) as i64,
        Opcode::UsubSat => ua.saturating_sub(ub) as i64,
        Opcode::SaddSat => (sa as i128 + sb as i128).clamp(signed_min(ty) as i128, signed_max(ty) as i128) as i64,
        Opcode::SsubSat => (sa as i128 - sb as i128).clamp(signed_min(ty) as i128, signed_max(ty) as i128) as i64,
        Opcode::AvgRound => ((ua as u128 + ub as u128 + 1) >> 1) as i64,
        _ => return None,
    };
    Some(canonical(ty, r))
}

/// Folds a unary integer operation; `None` if it is not one.
pub fn fold_unary(op: Opcode, ty: Type, a: i64) -> Option<i64> {
    let bits = ty.bits();
    if !ty.is_int_scalar() || bits > 64 {
        return None;
    }
    let ua = unsigned(ty, a);
    let sa = canonical(ty, a);
    let r: i64 = match op {
        Opcode::Ineg => a.wrapping_neg(),
        Opcode::Iabs => sa.wrapping_abs(),
        Opcode::Bnot => !a,
        Opcode::Clz => (ua.leading_zeros() - (64 - bits)) as i64,
        Opcode::Ctz => (ua.trailing_zeros().min(bits)) as i64,
        Opcode::Cls => {
            let x = if sa < 0 { !sa } else { sa };
            (unsigned(ty, x).leading_zeros() - (64 - bits)) as i64 - 1
        }
        Opcode::Popcnt => ua.count_ones() as i64,
        Opcode::Bitrev => (ua.reverse_bits() >> (64 - bits)) as i64,
        Opcode::Bswap => (ua.swap_bytes() >> (64 - bits)) as i64,
        _ => return None,
    };
    Some(canonical(ty, r))
}

/// Folds `icmp cc a, b` in type `ty`: 1 or 0.
pub fn fold_icmp(cc: IntCC, ty: Type, a: i64, b: i64) -> i64 {
    let (ua, ub) = (unsigned(ty, a), unsigned(ty, b));
    let (sa, sb) = (canonical(ty, a), canonical(ty, b));
    let r = match cc {
        IntCC::Equal => ua == ub,
        IntCC::NotEqual => ua != ub,
        IntCC::SignedLessThan => sa < sb,
        IntCC::SignedGreaterThanOrEqual => sa >= sb,
        IntCC::SignedGreaterThan => sa > sb,
        IntCC::SignedLessThanOrEqual => sa <= sb,
        IntCC::UnsignedLessThan => ua < ub,
        IntCC::UnsignedGreaterThanOrEqual => ua >= ub,
        IntCC::UnsignedGreaterThan => ua > ub,
        IntCC::UnsignedLessThanOrEqual => ua <= ub,
    };
    r as i64
}

/// What `icmp cc x, x` gives.
pub fn cc_on_equal(cc: IntCC) -> i64 {
    matches!(
        cc,
        IntCC::Equal
            | IntCC::SignedGreaterThanOrEqual
            | IntCC::SignedLessThanOrEqual
            | IntCC::UnsignedGreaterThanOrEqual
            | IntCC::UnsignedLessThanOrEqual
    ) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::types::{I8, I16, I32, I64};

    #[test]
    fn folding_matches_the_documented_edges() {
        assert_eq!(fold_binary(Opcode::Iadd, I8, 127, 1), Some(-128));
        assert_eq!(fold_binary(Opcode::Udiv, I32, 7, 0), None);
        assert_eq!(fold_binary(Opcode::Sdiv, I32, i32::MIN as i64, -1), None);
        assert_eq!(fold_binary(Opcode::Srem, I32, i32::MIN as i64, -1), Some(0));
        assert_eq!(fold_binary(Opcode::Ishl, I8, 1, 9), Some(2));
        assert_eq!(fold_binary(Opcode::Ushr, I8, -1, 1), Some(0x7f));
        assert_eq!(fold_binary(Opcode::Sshr, I8, -128, 7), Some(-1));
        assert_eq!(fold_binary(Opcode::Rotl, I8, 0x81u8 as i8 as i64, 1), Some(3));
        assert_eq!(fold_binary(Opcode::Rotr, I16, 1, 1), Some(i16::MIN as i64));
        assert_eq!(fold_binary(Opcode::Umulhi, I64, -1, -1), Some(-2));
        assert_eq!(fold_binary(Opcode::Smulhi, I64, i64::MIN, i64::MIN), Some(1 << 62));
        assert_eq!(fold_binary(Opcode::UaddSat, I8, -1, 1), Some(-1));
        assert_eq!(fold_binary(Opcode::SsubSat, I8, -128, 1), Some(-128));
        assert_eq!(fold_binary(Opcode::AvgRound, I8, -1, -1), Some(-1));
        assert_eq!(fold_unary(Opcode::Clz, I32, 0), Some(32));
        assert_eq!(fold_unary(Opcode::Cls, I8, -1), Some(7));
        assert_eq!(fold_unary(Opcode::Cls, I8, 1), Some(6));
        assert_eq!(fold_unary(Opcode::Ctz, I16, 0), Some(16));
        assert_eq!(fold_unary(Opcode::Bitrev, I8, 1), Some(-128));
        assert_eq!(fold_unary(Opcode::Bswap, I16, 0x0102), Some(0x0201));
        assert_eq!(fold_unary(Opcode::Iabs, I8, -128), Some(-128));
        assert_eq!(fold_icmp(IntCC::UnsignedLessThan, I8, 1, -1), 1);
        assert_eq!(fold_icmp(IntCC::SignedLessThan, I8, 1, -1), 0);
    }
}
