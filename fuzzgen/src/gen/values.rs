//! Constants and arguments drawn from values that tend to find bugs: zero, one, all ones,
//! the signed and unsigned extremes, powers of two and their neighbours, small numbers;
//! for floats also signed zeros, infinities, NaNs with and without payloads, subnormals and
//! the bounds of float-to-int conversions.

use arbitrary::{Result, Unstructured};
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::immediates::{Ieee32, Ieee64};
use lathe_codegen::ir::types::{F32, F64, I128};
use lathe_codegen::ir::{Signature, TrapCode};

/// An integer of `bits` (8 to 64) bits, sign-extended to `i64` (the canonical form of an
/// immediate of that width).
pub fn interesting_int(u: &mut Unstructured<'_>, bits: u32) -> Result<i64> {
    let bits = bits.clamp(1, 64);
    let raw: u64 = match u.int_in_range(0u8..=9)? {
        0 => 0,
        1 => 1,
        2 => u64::MAX,
        3 => 1u64 << (bits - 1),                   // signed minimum
        4 => (1u64 << (bits - 1)).wrapping_sub(1), // signed maximum
        5 => u.int_in_range(2u64..=16)?,
        6 => u.int_in_range(2u64..=16)?.wrapping_neg(),
        7 => 1u64 << u.int_in_range(0..=bits - 1)?,
        8 => (1u64 << u.int_in_range(0..=bits - 1)?).wrapping_add(u64::from(u.int_in_range(0u8..=2)?)).wrapping_sub(1),
        _ => u.arbitrary::<u64>()?,
    };
    Ok(sign_extend(raw, bits))
}

fn sign_extend(x: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((x << shift) as i64) >> shift
}

/// The bits of an `f32`.
pub fn interesting_f32(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(match u.int_in_range(0u8..=16)? {
        0 => 0,
        1 => 0x8000_0000, // -0.0
        2 => 1.0f32.to_bits(),
        3 => (-1.0f32).to_bits(),
        4 => 0.5f32.to_bits(),
        5 => f32::INFINITY.to_bits(),
        6 => f32::NEG_INFINITY.to_bits(),
        7 => 0x7fc0_0000,                                     // the canonical quiet NaN
        8 => 0x7fc0_0000 | u.int_in_range(1u32..=0x3f_ffff)?, // a quiet NaN with a payload
        9 => 0x7f80_0000 | u.int_in_range(1u32..=0x3f_ffff)?, // a signalling NaN
        10 => 1,                                              // the smallest subnormal
        11 => f32::MAX.to_bits(),
        12 => 2147483648.0f32.to_bits(), // 2^31
        13 => 4294967296.0f32.to_bits(), // 2^32
        14 => 9.223372e18f32.to_bits(),  // 2^63
        15 => (u.int_in_range(-100i32..=100)? as f32 + 0.5 * f32::from(u.int_in_range(0u8..=1)?)).to_bits(),
        _ => u.arbitrary::<u32>()?,
    })
}

/// The bits of an `f64`.
pub fn interesting_f64(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=17)? {
        0 => 0,
        1 => 0x8000_0000_0000_0000,
        2 => 1.0f64.to_bits(),
        3 => (-1.0f64).to_bits(),
        4 => 0.5f64.to_bits(),
        5 => f64::INFINITY.to_bits(),
        6 => f64::NEG_INFINITY.to_bits(),
        7 => 0x7ff8_0000_0000_0000,
        8 => 0x7ff8_0000_0000_0000 | u.int_in_range(1u64..=0x7_ffff_ffff_ffff)?,
        9 => 0x7ff0_0000_0000_0000 | u.int_in_range(1u64..=0x7_ffff_ffff_ffff)?,
        10 => 1,
        11 => f64::MAX.to_bits(),
        12 => 2147483648.0f64.to_bits(),
        13 => (-2147483649.0f64).to_bits(),
        14 => 4294967296.0f64.to_bits(),
        15 => 9223372036854775808.0f64.to_bits(),
        16 => (f64::from(u.int_in_range(-100i32..=100)?) + 0.5 * f64::from(u.int_in_range(0u8..=1)?)).to_bits(),
        _ => u.arbitrary::<u64>()?,
    })
}

/// A trap code: mostly user codes, sometimes the built-in ones.
pub fn trap_code(u: &mut Unstructured<'_>) -> Result<TrapCode> {
    Ok(match u.int_in_range(0u8..=7)? {
        0 => TrapCode::IntegerOverflow,
        1 => TrapCode::IntegerDivisionByZero,
        2 => TrapCode::HeapOutOfBounds,
        3 => TrapCode::BadConversionToInteger,
        _ => TrapCode::User(u.int_in_range(1..=TrapCode::MAX_USER)?),
    })
}

/// Between one and `max` argument sets for a function of signature `sig`.
pub fn generate_inputs(u: &mut Unstructured<'_>, sig: &Signature, max: usize) -> Result<Vec<Vec<DataValue>>> {
    let n = u.int_in_range(1..=max.max(1))?;
    let mut sets = Vec::with_capacity(n);
    for _ in 0..n {
        let mut args = Vec::with_capacity(sig.params.len());
        for p in &sig.params {
            let ty = p.value_type;
            let v = match ty {
                F32 => DataValue::F32(Ieee32(interesting_f32(u)?)),
                F64 => DataValue::F64(Ieee64(interesting_f64(u)?)),
                I128 => {
                    let hi = interesting_int(u, 64)?;
                    let lo = interesting_int(u, 64)?;
                    DataValue::I128((i128::from(hi) << 64) | i128::from(lo as u64))
                }
                _ => {
                    DataValue::from_integer(i128::from(interesting_int(u, ty.bits())?), ty).unwrap_or(DataValue::I64(0))
                }
            };
            args.push(v);
        }
        sets.push(args);
    }
    Ok(sets)
}
