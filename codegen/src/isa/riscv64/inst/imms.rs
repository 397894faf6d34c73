//! Immediate arithmetic of riscv64: which values fit the signed 12-bit I/S fields, and how
//! a 32-bit offset splits into the `lui`/`auipc` upper 20 bits and a signed low 12 (the
//! low part is sign-extended when added, so the upper part is rounded).

/// Whether `v` fits a signed 12-bit immediate (-2048..=2047).
pub fn fits_simm12(v: i64) -> bool {
    (-2048..=2047).contains(&v)
}

/// Whether `v` fits a signed `bits`-bit immediate.
pub fn fits_signed(v: i64, bits: u32) -> bool {
    let half = 1i64 << (bits - 1);
    (-half..half).contains(&v)
}

/// The low 12 bits of `v`, sign-extended (what an I-type immediate adds).
pub fn lo12(v: i64) -> i16 {
    (((v & 0xfff) as i16) << 4) >> 4
}

/// `v` as `(hi20, lo12)` with `(sext(hi20) << 12) + lo12 == v` in 64-bit arithmetic, when
/// `hi20` fits the signed 20 bits of `lui`/`auipc` (`v` within about ±2 GiB: from
/// `-2^31 - 2^11` to `2^31 - 2^11 - 1`). `hi20` is returned as the raw 20-bit field.
pub fn split_hi_lo(v: i64) -> Option<(u32, i16)> {
    let lo = lo12(v);
    let hi = (v - lo as i64) >> 12;
    fits_signed(hi, 20).then_some(((hi as u32) & 0xf_ffff, lo))
}

/// The values `fli` (Zfa) loads, by index: -1.0, the smallest normal (index 1), powers of
/// two and small fractions, infinity (30) and the canonical NaN (31). Index 1 differs by
/// width, so it is `None` here (see [`fli_index`]).
const FLI_VALUES: [Option<f64>; 32] = [
    Some(-1.0),
    None,
    Some(1.0 / 65536.0),
    Some(1.0 / 32768.0),
    Some(1.0 / 256.0),
    Some(1.0 / 128.0),
    Some(0.0625),
    Some(0.125),
    Some(0.25),
    Some(0.3125),
    Some(0.375),
    Some(0.4375),
    Some(0.5),
    Some(0.625),
    Some(0.75),
    Some(0.875),
    Some(1.0),
    Some(1.25),
    Some(1.5),
    Some(1.75),
    Some(2.0),
    Some(2.5),
    Some(3.0),
    Some(4.0),
    Some(8.0),
    Some(16.0),
    Some(128.0),
    Some(256.0),
    Some(32768.0),
    Some(65536.0),
    Some(f64::INFINITY),
    None,
];

/// The `fli` index that loads the double with bits `bits` (`single`: the single with the
/// low 32 bits), if there is one. The canonical NaN is index 31, the smallest positive
/// normal index 1.
pub fn fli_index(bits: u64, single: bool) -> Option<u8> {
    let (value, min_normal, canonical_nan) = if single {
        (f32::from_bits(bits as u32) as f64, f32::MIN_POSITIVE.to_bits() as u64, 0x7fc0_0000u64)
    } else {
        (f64::from_bits(bits), f64::MIN_POSITIVE.to_bits(), 0x7ff8_0000_0000_0000)
    };
    let bits = if single { bits & 0xffff_ffff } else { bits };
    if bits == min_normal {
        return Some(1);
    }
    if bits == canonical_nan {
        return Some(31);
    }
    FLI_VALUES.iter().position(|v| v.is_some_and(|v| v.to_bits() == value.to_bits())).map(|i| i as u8)
}

/// The operand text of `fli` index `index`, as the Zfa assembler syntax writes it
/// (`min`, `inf`, `nan`, or the number).
pub fn fli_text(index: u8) -> String {
    match index {
        1 => "min".into(),
        30 => "inf".into(),
        31 => "nan".into(),
        i => match FLI_VALUES.get(i as usize).copied().flatten() {
            Some(v) => format!("{v:?}"),
            None => format!("<bad fli index {i}>"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hi_lo_splits_add_back_up() {
        for v in [0i64, 1, -1, 2047, 2048, -2048, -2049, 0x7fff_f7ff, -0x8000_0800, 0x1234_5678, -0x1234_5678] {
            let (hi, lo) = split_hi_lo(v).unwrap_or_else(|| panic!("{v:#x} splits"));
            let hi = ((hi << 12) as i32) as i64;
            assert_eq!(hi + lo as i64, v, "{v:#x}");
            assert!(fits_simm12(lo as i64));
        }
        assert_eq!(split_hi_lo(0x7fff_f800), None, "rounding up overflows the 20 bits");
        assert_eq!(split_hi_lo(-0x8000_0801), None);
    }

    #[test]
    fn fli_indices_round_trip() {
        assert_eq!(fli_index(1.0f64.to_bits(), false), Some(16));
        assert_eq!(fli_index(0.5f32.to_bits() as u64, true), Some(12));
        assert_eq!(fli_index(f64::MIN_POSITIVE.to_bits(), false), Some(1));
        assert_eq!(fli_index(f64::NAN.to_bits(), false), Some(31));
        assert_eq!(fli_index(f32::INFINITY.to_bits() as u64, true), Some(30));
        assert_eq!(fli_index(0.1f64.to_bits(), false), None);
        assert_eq!(fli_index((-0.0f64).to_bits(), false), None);
        assert_eq!(fli_text(2), "1.52587890625e-5");
    }
}
