//! The runtime routines behind [`LibCall`]: what a backend calls for operations it has no
//! instructions for (see `lathe_codegen::ir::LibCall` for the list and signatures).
//!
//! Each is a Rust `extern "C"` function, so it follows the platform convention the
//! backend's call uses (System V on the Linux hosts the JIT supports); an `i128` travels as
//! two `u64` halves, low first, and comes back as a `#[repr(C)]` pair, which System V
//! returns in a register pair.
//! Every routine is total and cannot panic (a panic may not unwind out of an `extern "C"`
//! function): the compiled code checks for traps before calling, and the routines still
//! give a defined value for the inputs it excludes.
//!
//! The `f16` and `f128` routines are in `soft_float.rs`.
//!
//! [`JitModule`](crate::JitModule) resolves relocations to `ExternalName::LibCall` names
//! with [`address`], without the embedder declaring anything.

use crate::soft_float as sf;
use lathe_codegen::ir::LibCall;

/// A 128-bit integer returned in two registers.
#[repr(C)]
pub(crate) struct Pair {
    pub(crate) lo: u64,
    pub(crate) hi: u64,
}

fn join(lo: u64, hi: u64) -> u128 {
    (u128::from(hi) << 64) | u128::from(lo)
}

pub(crate) fn pair(x: u128) -> Pair {
    Pair { lo: x as u64, hi: (x >> 64) as u64 }
}

extern "C" fn ceil_f32(x: f32) -> f32 {
    x.ceil()
}
extern "C" fn ceil_f64(x: f64) -> f64 {
    x.ceil()
}
extern "C" fn floor_f32(x: f32) -> f32 {
    x.floor()
}
extern "C" fn floor_f64(x: f64) -> f64 {
    x.floor()
}
extern "C" fn trunc_f32(x: f32) -> f32 {
    x.trunc()
}
extern "C" fn trunc_f64(x: f64) -> f64 {
    x.trunc()
}
extern "C" fn nearest_f32(x: f32) -> f32 {
    x.round_ties_even()
}
extern "C" fn nearest_f64(x: f64) -> f64 {
    x.round_ties_even()
}
extern "C" fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}
extern "C" fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

extern "C" fn udiv_i128(al: u64, ah: u64, bl: u64, bh: u64) -> Pair {
    pair(join(al, ah).checked_div(join(bl, bh)).unwrap_or(0))
}
extern "C" fn sdiv_i128(al: u64, ah: u64, bl: u64, bh: u64) -> Pair {
    pair((join(al, ah) as i128).checked_div(join(bl, bh) as i128).unwrap_or(0) as u128)
}
extern "C" fn urem_i128(al: u64, ah: u64, bl: u64, bh: u64) -> Pair {
    pair(join(al, ah).checked_rem(join(bl, bh)).unwrap_or(0))
}
extern "C" fn srem_i128(al: u64, ah: u64, bl: u64, bh: u64) -> Pair {
    // `checked_rem` refuses MIN % -1, whose remainder is 0.
    pair((join(al, ah) as i128).checked_rem(join(bl, bh) as i128).unwrap_or(0) as u128)
}

/// The high 128 bits of the full unsigned product, from four 64-by-64-bit partial products.
fn umulhi(a: u128, b: u128) -> u128 {
    let (al, ah) = (a as u64 as u128, a >> 64);
    let (bl, bh) = (b as u64 as u128, b >> 64);
    let ll = al * bl;
    let lh = al * bh;
    let hl = ah * bl;
    let hh = ah * bh;
    // The middle column: the high half of ll plus the low halves of the cross products.
    let mid = (ll >> 64) + (lh as u64 as u128) + (hl as u64 as u128);
    hh + (lh >> 64) + (hl >> 64) + (mid >> 64)
}

/// The high 128 bits of the full signed product: the unsigned one corrected for each
/// negative operand (reading a negative `x` as unsigned adds `2^128` to it).
fn smulhi(a: i128, b: i128) -> i128 {
    let mut hi = umulhi(a as u128, b as u128);
    if a < 0 {
        hi = hi.wrapping_sub(b as u128);
    }
    if b < 0 {
        hi = hi.wrapping_sub(a as u128);
    }
    hi as i128
}

extern "C" fn umulhi_i128(al: u64, ah: u64, bl: u64, bh: u64) -> Pair {
    pair(umulhi(join(al, ah), join(bl, bh)))
}
extern "C" fn smulhi_i128(al: u64, ah: u64, bl: u64, bh: u64) -> Pair {
    pair(smulhi(join(al, ah) as i128, join(bl, bh) as i128) as u128)
}
extern "C" fn umul_overflow_i128(al: u64, ah: u64, bl: u64, bh: u64) -> u8 {
    join(al, ah).checked_mul(join(bl, bh)).is_none() as u8
}
extern "C" fn smul_overflow_i128(al: u64, ah: u64, bl: u64, bh: u64) -> u8 {
    (join(al, ah) as i128).checked_mul(join(bl, bh) as i128).is_none() as u8
}

// Integer-to-float `as` rounds to nearest, ties to even; float-to-integer `as` truncates
// and saturates, with NaN giving 0: exactly the `_sat` conversions.
extern "C" fn i128_to_f32(lo: u64, hi: u64) -> f32 {
    join(lo, hi) as i128 as f32
}
extern "C" fn i128_to_f64(lo: u64, hi: u64) -> f64 {
    join(lo, hi) as i128 as f64
}
extern "C" fn u128_to_f32(lo: u64, hi: u64) -> f32 {
    join(lo, hi) as f32
}
extern "C" fn u128_to_f64(lo: u64, hi: u64) -> f64 {
    join(lo, hi) as f64
}
extern "C" fn f32_to_i128_sat(x: f32) -> Pair {
    pair(x as i128 as u128)
}
extern "C" fn f64_to_i128_sat(x: f64) -> Pair {
    pair(x as i128 as u128)
}
extern "C" fn f32_to_u128_sat(x: f32) -> Pair {
    pair(x as u128)
}
extern "C" fn f64_to_u128_sat(x: f64) -> Pair {
    pair(x as u128)
}

/// The entry address of the routine for `call`.
// `__m128i` in the `f16`/`f128` routines' types: see `soft_float` for why that is sound.
#[allow(improper_ctypes_definitions)]
pub fn address(call: LibCall) -> usize {
    type Un32 = extern "C" fn(f32) -> f32;
    type Un64 = extern "C" fn(f64) -> f64;
    type Wide = extern "C" fn(u64, u64, u64, u64) -> Pair;
    type Flag = extern "C" fn(u64, u64, u64, u64) -> u8;
    // An `f16` or `f128` in an XMM register (see `soft_float`).
    type X = core::arch::x86_64::__m128i;
    type Un128 = extern "C" fn(X) -> X;
    type Bin128 = extern "C" fn(X, X) -> X;
    type Cmp128 = extern "C" fn(X, X) -> i32;
    match call {
        LibCall::CeilF32 => ceil_f32 as Un32 as usize,
        LibCall::CeilF64 => ceil_f64 as Un64 as usize,
        LibCall::FloorF32 => floor_f32 as Un32 as usize,
        LibCall::FloorF64 => floor_f64 as Un64 as usize,
        LibCall::TruncF32 => trunc_f32 as Un32 as usize,
        LibCall::TruncF64 => trunc_f64 as Un64 as usize,
        LibCall::NearestF32 => nearest_f32 as Un32 as usize,
        LibCall::NearestF64 => nearest_f64 as Un64 as usize,
        LibCall::FmaF32 => fma_f32 as extern "C" fn(f32, f32, f32) -> f32 as usize,
        LibCall::FmaF64 => fma_f64 as extern "C" fn(f64, f64, f64) -> f64 as usize,
        LibCall::UdivI128 => udiv_i128 as Wide as usize,
        LibCall::SdivI128 => sdiv_i128 as Wide as usize,
        LibCall::UremI128 => urem_i128 as Wide as usize,
        LibCall::SremI128 => srem_i128 as Wide as usize,
        LibCall::UmulhiI128 => umulhi_i128 as Wide as usize,
        LibCall::SmulhiI128 => smulhi_i128 as Wide as usize,
        LibCall::UmulOverflowI128 => umul_overflow_i128 as Flag as usize,
        LibCall::SmulOverflowI128 => smul_overflow_i128 as Flag as usize,
        LibCall::I128ToF32 => i128_to_f32 as extern "C" fn(u64, u64) -> f32 as usize,
        LibCall::I128ToF64 => i128_to_f64 as extern "C" fn(u64, u64) -> f64 as usize,
        LibCall::U128ToF32 => u128_to_f32 as extern "C" fn(u64, u64) -> f32 as usize,
        LibCall::U128ToF64 => u128_to_f64 as extern "C" fn(u64, u64) -> f64 as usize,
        LibCall::F32ToI128Sat => f32_to_i128_sat as extern "C" fn(f32) -> Pair as usize,
        LibCall::F64ToI128Sat => f64_to_i128_sat as extern "C" fn(f64) -> Pair as usize,
        LibCall::F32ToU128Sat => f32_to_u128_sat as extern "C" fn(f32) -> Pair as usize,
        LibCall::F64ToU128Sat => f64_to_u128_sat as extern "C" fn(f64) -> Pair as usize,
        LibCall::F16ToF32 => sf::f16_to_f32 as extern "C" fn(X) -> f32 as usize,
        LibCall::F32ToF16 => sf::f32_to_f16 as extern "C" fn(f32) -> X as usize,
        LibCall::F64ToF16 => sf::f64_to_f16 as extern "C" fn(f64) -> X as usize,
        LibCall::F128ToF16 => sf::f128_to_f16 as Un128 as usize,
        LibCall::F32ToF128 => sf::f32_to_f128 as extern "C" fn(f32) -> X as usize,
        LibCall::F64ToF128 => sf::f64_to_f128 as extern "C" fn(f64) -> X as usize,
        LibCall::F128ToF32 => sf::f128_to_f32 as extern "C" fn(X) -> f32 as usize,
        LibCall::F128ToF64 => sf::f128_to_f64 as extern "C" fn(X) -> f64 as usize,
        LibCall::AddF128 => sf::add_f128 as Bin128 as usize,
        LibCall::SubF128 => sf::sub_f128 as Bin128 as usize,
        LibCall::MulF128 => sf::mul_f128 as Bin128 as usize,
        LibCall::DivF128 => sf::div_f128 as Bin128 as usize,
        LibCall::FmaF128 => sf::fma_f128 as extern "C" fn(X, X, X) -> X as usize,
        LibCall::SqrtF128 => sf::sqrt_f128 as Un128 as usize,
        LibCall::CeilF128 => sf::ceil_f128 as Un128 as usize,
        LibCall::FloorF128 => sf::floor_f128 as Un128 as usize,
        LibCall::TruncF128 => sf::trunc_f128 as Un128 as usize,
        LibCall::NearestF128 => sf::nearest_f128 as Un128 as usize,
        LibCall::EqF128 | LibCall::NeF128 => sf::eq_f128 as Cmp128 as usize,
        LibCall::LtF128 | LibCall::LeF128 => sf::le_f128 as Cmp128 as usize,
        LibCall::GtF128 | LibCall::GeF128 => sf::ge_f128 as Cmp128 as usize,
        LibCall::UnordF128 => sf::unord_f128 as Cmp128 as usize,
        LibCall::I32ToF128 => sf::i32_to_f128 as extern "C" fn(i32) -> X as usize,
        LibCall::U32ToF128 => sf::u32_to_f128 as extern "C" fn(u32) -> X as usize,
        LibCall::I64ToF128 => sf::i64_to_f128 as extern "C" fn(i64) -> X as usize,
        LibCall::U64ToF128 => sf::u64_to_f128 as extern "C" fn(u64) -> X as usize,
        LibCall::I128ToF128 => sf::i128_to_f128 as extern "C" fn(u64, u64) -> X as usize,
        LibCall::U128ToF128 => sf::u128_to_f128 as extern "C" fn(u64, u64) -> X as usize,
        LibCall::F128ToI32 => sf::f128_to_i32 as extern "C" fn(X) -> i32 as usize,
        LibCall::F128ToU32 => sf::f128_to_u32 as extern "C" fn(X) -> u32 as usize,
        LibCall::F128ToI64 => sf::f128_to_i64 as extern "C" fn(X) -> i64 as usize,
        LibCall::F128ToU64 => sf::f128_to_u64 as extern "C" fn(X) -> u64 as usize,
        LibCall::F128ToI128 => sf::f128_to_i128 as extern "C" fn(X) -> Pair as usize,
        LibCall::F128ToU128 => sf::f128_to_u128 as extern "C" fn(X) -> Pair as usize,
        LibCall::ElfTlsGetAddr => {
            crate::tls::get_addr as extern "C" fn(*const crate::tls::Descriptor) -> *mut u8 as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_products_match_a_wider_reference() {
        // Checked against the schoolbook product on 32-bit limbs, computed independently.
        fn reference_umulhi(a: u128, b: u128) -> u128 {
            let limbs = |x: u128| [x as u32 as u64, (x >> 32) as u32 as u64, (x >> 64) as u32 as u64, (x >> 96) as u64];
            let (a, b) = (limbs(a), limbs(b));
            let mut acc = [0u64; 9];
            for (i, &ai) in a.iter().enumerate() {
                for (j, &bj) in b.iter().enumerate() {
                    let mut k = i + j;
                    let mut carry = ai * bj;
                    while carry != 0 {
                        let sum = acc[k] + (carry & 0xffff_ffff);
                        acc[k] = sum & 0xffff_ffff;
                        carry = (carry >> 32) + (sum >> 32);
                        k += 1;
                    }
                }
            }
            (acc[4] as u128) | (acc[5] as u128) << 32 | (acc[6] as u128) << 64 | (acc[7] as u128) << 96
        }
        let samples = [
            0u128,
            1,
            2,
            u64::MAX as u128,
            1 << 64,
            u128::MAX,
            u128::MAX - 1,
            0x1234_5678_9abc_def0_0fed_cba9_8765_4321,
            1 << 127,
        ];
        for &a in &samples {
            for &b in &samples {
                assert_eq!(umulhi(a, b), reference_umulhi(a, b), "{a:#x} * {b:#x}");
                let (sa, sb) = (a as i128, b as i128);
                // The signed high half, from the exact product of the sign-extended values.
                let neg = (sa < 0) != (sb < 0);
                let mag = reference_umulhi(sa.unsigned_abs(), sb.unsigned_abs());
                let low = sa.unsigned_abs().wrapping_mul(sb.unsigned_abs());
                let expected = if neg && (mag != 0 || low != 0) {
                    // -(mag * 2^128 + low): the high half is !mag, plus one when low is 0.
                    (!mag).wrapping_add((low == 0) as u128) as i128
                } else {
                    mag as i128
                };
                assert_eq!(smulhi(sa, sb), expected, "{sa} * {sb}");
            }
        }
    }

    #[test]
    fn division_routines_are_total() {
        assert_eq!(join(udiv_i128(7, 0, 0, 0).lo, 0), 0);
        let min = pair(i128::MIN as u128);
        let r = srem_i128(min.lo, min.hi, u64::MAX, u64::MAX);
        assert_eq!(join(r.lo, r.hi), 0);
        let q = sdiv_i128(min.lo, min.hi, u64::MAX, u64::MAX);
        assert_eq!(join(q.lo, q.hi), 0);
    }

    #[test]
    fn every_libcall_has_an_address() {
        for &l in LibCall::ALL {
            assert_ne!(address(l), 0, "{l}");
        }
    }
}
