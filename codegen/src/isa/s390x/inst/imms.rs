//! Immediate and displacement arithmetic of s390x: which values fit the unsigned 12-bit
//! displacement of the short storage forms, the signed 20-bit one of the long forms and
//! the signed or unsigned 16- and 32-bit immediates, and how a 20-bit displacement splits
//! into the DL (low 12 bits) and DH (high 8 bits) fields.

/// Whether `v` fits an unsigned 12-bit displacement (RX, RS: 0..=4095).
pub fn fits_disp12(v: i64) -> bool {
    (0..=4095).contains(&v)
}

/// Whether `v` fits a signed 20-bit displacement (RXY, RSY: -524288..=524287).
pub fn fits_disp20(v: i64) -> bool {
    (-(1 << 19)..(1 << 19)).contains(&v)
}

/// Whether `v` fits a signed 16-bit immediate.
pub fn fits_i16(v: i64) -> bool {
    v == v as i16 as i64
}

/// Whether `v` fits a signed 32-bit immediate.
pub fn fits_i32(v: i64) -> bool {
    v == v as i32 as i64
}

/// The DL and DH fields of a 20-bit displacement: `(low 12 bits, high 8 bits)`.
pub fn split_disp20(disp: i32) -> (u32, u32) {
    let d = disp as u32;
    (d & 0xfff, (d >> 12) & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_bit_displacements_split_and_join() {
        for d in [0i32, 1, 4095, 4096, -1, -4096, (1 << 19) - 1, -(1 << 19)] {
            assert!(fits_disp20(d as i64));
            let (dl, dh) = split_disp20(d);
            let joined = ((((dh << 12) | dl) << 12) as i32) >> 12;
            assert_eq!(joined, d, "{d}");
        }
        assert!(!fits_disp20(1 << 19) && !fits_disp20(-(1 << 19) - 1));
        assert!(fits_disp12(4095) && !fits_disp12(4096) && !fits_disp12(-1));
    }
}
