//! The s390x ISA feature flags: the facilities the target CPU has beyond Lathe's
//! baseline (z13: the distinct-operands, high-word, interlocked-access 1 and
//! load/store-on-condition 1 and 2 facilities). Lowering reads the typed struct
//! ([`S390xFlags`]); `target s390x has_mie3` lines, `--target` and `IsaBuilder::set` set
//! them by name. A flag Lathe does not know is rejected by the builder (an unknown
//! setting). The architecture levels `arch_z14` and `arch_z15` are names for the
//! facilities of those machines: [`S390xFlags::implied`] turns the facility flags on.

use crate::isa::isa_flags;

isa_flags! {
    /// The s390x facilities Lathe knows (all off: the z13 baseline).
    pub struct S390xFlags {
        /// Miscellaneous-instruction-extensions facility 2 (z14). Lowering: 64-bit
        /// signed multiplications to 128 bits are one `mgrk` instead of an unsigned
        /// `mlgr` with sign corrections.
        has_mie2,
        /// Miscellaneous-instruction-extensions facility 3 (z15). Lowering: `band_not`,
        /// `bor_not`, `bxor_not` and `bnot` are one `ncgrk`/`ocgrk`/`nxgrk`/`nogrk`;
        /// `select` is `selgr` (no copy of the false value first); `popcnt` of a whole
        /// register is one `popcnt` with mask 8 instead of a byte count and a sum.
        has_mie3,
        /// Vector-enhancements facility 2 (z15). Does not change code yet (Lathe emits
        /// no vector instructions; little-endian float accesses go through a general
        /// register either way).
        has_vxrs_ext2,
        /// The z14 architecture level: `has_mie2`.
        arch_z14,
        /// The z15 architecture level: z14's facilities, `has_mie3` and `has_vxrs_ext2`.
        arch_z15,
    }
}

impl S390xFlags {
    /// The flags with the facilities of the architecture levels turned on.
    pub fn implied(mut self) -> Self {
        if self.arch_z15 {
            self.arch_z14 = true;
            self.has_mie3 = true;
            self.has_vxrs_ext2 = true;
        }
        if self.arch_z14 {
            self.has_mie2 = true;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architecture_levels_imply_their_facilities() {
        let z15 = S390xFlags { arch_z15: true, ..Default::default() }.implied();
        assert!(z15.has_mie2 && z15.has_mie3 && z15.has_vxrs_ext2 && z15.arch_z14);
        let z14 = S390xFlags { arch_z14: true, ..Default::default() }.implied();
        assert!(z14.has_mie2 && !z14.has_mie3);
        assert_eq!(S390xFlags::default().implied(), S390xFlags::default());
    }
}
