//! Division by a constant as a multiply by a "magic" reciprocal and shifts.
//!
//! A hardware divide costs tens of cycles (x86-64 `div r64`: up to ~90); a high multiply
//! and a few shifts cost a handful. The mid-end's `udiv_const`/`sdiv_const` rules
//! (simplify.isle) call [`unsigned_magic`] and [`signed_magic`] for 32- and 64-bit
//! divisions by a constant and build the sequences below; remainders become
//! `x - q * d`. Powers of two are left to the shift rules (unsigned) or handled here
//! with a rounding bias (signed). Nothing here traps: a constant divisor is never zero,
//! and `sdiv x, -1` (which can trap) is never rewritten.
//!
//! The arithmetic, for an `n`-bit type and divisor `d`:
//!
//! * Unsigned: take the smallest `p >= n` for which `m = ceil(2^p / d)` has error
//!   `e = m*d - 2^p <= 2^(p-n)`. Then for every `x < 2^n`, `x*m / 2^p` lies in
//!   `[x/d, x/d + 1/d)`, so its floor is `floor(x/d)`. If `m < 2^n` the quotient is
//!   `umulhi(x, m) >> (p-n)`. Otherwise `m` has `n+1` bits; with `m' = m - 2^n` and
//!   `t = umulhi(x, m')`, the quotient is `floor((x + t) / 2^(p-n))`, computed without
//!   overflow as `((x - t) >> 1) + t) >> (p-n-1)` (`t <= x`, and `p > n` in this case).
//!   A divisor above `2^(n-1)` needs none of this: the quotient is `x >= d`.
//! * Signed, `d > 0` not a power of two: the smallest `p >= n` with
//!   `e <= 2^(p-n+1)` gives `x*m / 2^p` in `[x/d, x/d + 1/d)` for `x >= 0` and in
//!   `[x/d - 1/d, x/d]` for `x < 0`, so truncation is `floor(x*m/2^p)` plus one when
//!   `x < 0`. Such a `p` exists with `m < 2^n`. If `m < 2^(n-1)`, `floor(x*m/2^n)` is
//!   `smulhi(x, m)`; otherwise `smulhi(x, m - 2^n) + x` (the sum is exact modulo 2^n and
//!   its true value fits). A negative divisor negates the quotient of `|d|`.
//! * Signed, `d = ±2^k`: `(x + ((x >> (n-1)) >>> (n-k))) >> k` rounds toward zero by
//!   adding `2^k - 1` to negative dividends first.

/// How to divide an unsigned `n`-bit value by a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsignedMagic {
    /// `umulhi(x, multiplier) >> shift`.
    MulShift { multiplier: u64, shift: u32 },
    /// `t = umulhi(x, multiplier)`, then `(((x - t) >> 1) + t) >> shift`.
    MulAddShift { multiplier: u64, shift: u32 },
    /// `x >= d`: a divisor above `2^(n-1)` gives a quotient of 0 or 1.
    AtLeast,
}

/// How to divide a signed `n`-bit value by a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedMagic {
    /// `q = smulhi(x, multiplier)`, plus `x` when `add_dividend`, then `>> shift`
    /// (arithmetic), plus the sign bit of `x`; negated when `negate`.
    Mul { multiplier: u64, add_dividend: bool, shift: u32, negate: bool },
    /// Division by `2^shift`, rounding toward zero; negated when `negate`.
    Pow2 { shift: u32, negate: bool },
}

/// The sequence for `x / d` in `bits` (32 or 64) unsigned bits, or `None` where a plain
/// shift does better (`d` a power of two) or there is nothing to do (`d` is 0 or 1).
pub fn unsigned_magic(bits: u32, d: u64) -> Option<UnsignedMagic> {
    debug_assert!(bits == 32 || bits == 64);
    let d = d & width_mask(bits);
    if d < 2 || d.is_power_of_two() {
        return None;
    }
    if d > 1u64 << (bits - 1) {
        return Some(UnsignedMagic::AtLeast);
    }
    let d = u128::from(d);
    let n = bits;
    // p = n + ceil(log2 d) always satisfies the error bound (e < d <= 2^(p-n)).
    let limit = n + (128 - (d - 1).leading_zeros());
    for p in n..=limit {
        let two_p = 1u128 << p;
        let m = two_p.div_ceil(d);
        let e = m * d - two_p;
        if e <= 1u128 << (p - n) {
            return Some(if m < 1u128 << n {
                UnsignedMagic::MulShift { multiplier: m as u64, shift: p - n }
            } else {
                UnsignedMagic::MulAddShift { multiplier: (m - (1u128 << n)) as u64, shift: p - n - 1 }
            });
        }
    }
    unreachable!("p = n + ceil(log2 d) meets the bound")
}

/// The sequence for `x / d` in `bits` (32 or 64) signed bits (`d` read as signed), or
/// `None` for 0, 1, -1 (which can trap) and the most negative value.
pub fn signed_magic(bits: u32, d: i64) -> Option<SignedMagic> {
    debug_assert!(bits == 32 || bits == 64);
    let d = sign_extend(bits, d);
    let min = -(1i128 << (bits - 1));
    if matches!(d, -1..=1) || i128::from(d) == min {
        return None;
    }
    let negate = d < 0;
    let ad = d.unsigned_abs();
    if ad.is_power_of_two() {
        return Some(SignedMagic::Pow2 { shift: ad.trailing_zeros(), negate });
    }
    let n = bits;
    let ad = u128::from(ad);
    let limit = n - 1 + (128 - (ad - 1).leading_zeros());
    for p in n..=limit {
        let two_p = 1u128 << p;
        let m = two_p.div_ceil(ad);
        let e = m * ad - two_p;
        if e <= 1u128 << (p - n + 1) && m < 1u128 << n {
            let add_dividend = m >= 1u128 << (n - 1);
            return Some(SignedMagic::Mul { multiplier: m as u64, add_dividend, shift: p - n, negate });
        }
    }
    unreachable!("p = n - 1 + ceil(log2 |d|) meets the bound")
}

fn width_mask(bits: u32) -> u64 {
    if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 }
}

fn sign_extend(bits: u32, x: i64) -> i64 {
    let s = 64 - bits;
    (x << s) >> s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;

    fn umulhi(bits: u32, a: u64, b: u64) -> u64 {
        ((u128::from(a) * u128::from(b)) >> bits) as u64 & width_mask(bits)
    }

    fn smulhi(bits: u32, a: i64, b: i64) -> i64 {
        sign_extend(bits, ((i128::from(a) * i128::from(b)) >> bits) as i64)
    }

    /// Runs the unsigned sequence the way the rewritten IR does, in `bits`-bit wrapping
    /// arithmetic.
    fn run_unsigned(bits: u32, magic: UnsignedMagic, x: u64, d: u64) -> u64 {
        let mask = width_mask(bits);
        match magic {
            UnsignedMagic::MulShift { multiplier, shift } => umulhi(bits, x, multiplier) >> shift,
            UnsignedMagic::MulAddShift { multiplier, shift } => {
                let t = umulhi(bits, x, multiplier);
                ((((x.wrapping_sub(t) & mask) >> 1) + t) & mask) >> shift
            }
            UnsignedMagic::AtLeast => u64::from(x >= d),
        }
    }

    fn run_signed(bits: u32, magic: SignedMagic, x: i64) -> i64 {
        let mask = width_mask(bits);
        let wrap = |v: i64| sign_extend(bits, v);
        let sign_bit = ((x as u64 & mask) >> (bits - 1)) as i64;
        let (q, negate) = match magic {
            SignedMagic::Mul { multiplier, add_dividend, shift, negate } => {
                let mut q = smulhi(bits, x, sign_extend(bits, multiplier as i64));
                if add_dividend {
                    q = wrap(q.wrapping_add(x));
                }
                (wrap((q >> shift).wrapping_add(sign_bit)), negate)
            }
            SignedMagic::Pow2 { shift, negate } => {
                let bias = ((wrap(x >> (bits - 1)) as u64 & mask) >> (bits - shift)) as i64;
                (wrap(x.wrapping_add(bias)) >> shift, negate)
            }
        };
        if negate { wrap(q.wrapping_neg()) } else { q }
    }

    fn interesting_u(bits: u32, rng: &mut Rng) -> Vec<u64> {
        let max = width_mask(bits);
        let mut xs = vec![0, 1, 2, 3, max, max - 1, max / 2, max / 2 + 1, max / 3];
        xs.extend((0..200).map(|_| rng.next() & max));
        xs
    }

    fn divisors(bits: u32, rng: &mut Rng) -> Vec<u64> {
        let max = width_mask(bits);
        let mut ds: Vec<u64> = (2..300).collect();
        ds.extend([7, 10, 13, 1000, 1_000_000_007, max, max - 1, max / 2, max / 3, max / 2 + 1, max / 2 + 3]);
        ds.extend((0..300).map(|_| (rng.next() & max) >> (rng.next() % u64::from(bits))));
        ds
    }

    #[test]
    fn unsigned_quotients_match_division() {
        let mut rng = Rng(0x6469_7669);
        for bits in [32, 64] {
            for d in divisors(bits, &mut rng) {
                let Some(magic) = unsigned_magic(bits, d) else {
                    assert!(d < 2 || d.is_power_of_two(), "no sequence for {d}");
                    continue;
                };
                for x in interesting_u(bits, &mut rng) {
                    assert_eq!(run_unsigned(bits, magic, x, d), x / d, "{bits}-bit {x} / {d} via {magic:?}");
                }
            }
        }
    }

    #[test]
    fn signed_quotients_match_division() {
        let mut rng = Rng(0x7364_6976);
        for bits in [32, 64] {
            let min = sign_extend(bits, 1i64 << (bits - 1));
            let max = !min & width_mask(bits) as i64;
            for du in divisors(bits, &mut rng) {
                for d in [sign_extend(bits, du as i64), sign_extend(bits, du as i64).wrapping_neg()] {
                    let d = sign_extend(bits, d);
                    let Some(magic) = signed_magic(bits, d) else {
                        assert!(matches!(d, -1..=1) || d == min, "no sequence for {d}");
                        continue;
                    };
                    let mut xs = vec![
                        0,
                        1,
                        -1,
                        2,
                        -2,
                        min,
                        min + 1,
                        max,
                        max - 1,
                        d,
                        d.wrapping_neg(),
                        d.wrapping_add(1),
                        d - 1,
                    ];
                    xs.extend(interesting_u(bits, &mut rng).into_iter().map(|u| sign_extend(bits, u as i64)));
                    for x in xs {
                        let x = sign_extend(bits, x);
                        let want = sign_extend(bits, x.wrapping_div(d));
                        assert_eq!(run_signed(bits, magic, x), want, "{bits}-bit {x} / {d} via {magic:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn small_divisors_use_the_expected_shapes() {
        // Known shapes: 32-bit unsigned /3 fits in n bits, /7 needs the add form.
        assert_eq!(unsigned_magic(32, 3), Some(UnsignedMagic::MulShift { multiplier: 0xAAAA_AAAB, shift: 1 }));
        assert!(matches!(unsigned_magic(32, 7), Some(UnsignedMagic::MulAddShift { .. })));
        assert_eq!(unsigned_magic(32, 8), None);
        assert_eq!(signed_magic(32, -1), None);
        assert_eq!(signed_magic(32, 4), Some(SignedMagic::Pow2 { shift: 2, negate: false }));
    }
}
