//! The riscv64 ISA feature flags: what the target CPU has beyond RV64GC (IMAFD with
//! Zicsr and Zifencei; the C extension is a flag because it changes encodings). Lowering
//! reads the typed struct ([`Rv64Flags`]); `target riscv64 has_zbb` lines, `--target` and
//! `IsaBuilder::set` set them by name, and `isa::host_builder` turns on those the host
//! has. A flag Lathe does not know is rejected by the builder (an unknown setting).

use crate::isa::isa_flags;

isa_flags! {
    /// The riscv64 extensions Lathe knows (all off: RV64GC without compressed code).
    pub struct Rv64Flags {
        /// Zba (address generation): `sh1add`/`sh2add`/`sh3add` for an index scaled by 2, 4
        /// or 8 added to a base, `add.uw` (`zext.w`) for 32-bit zero extension.
        has_zba,
        /// Zbb (basic bit manipulation): `clz`/`ctz`/`cpop` (and their `w` forms), `rev8`,
        /// `min`/`max`/`minu`/`maxu`, `andn`/`orn`/`xnor`, `rol`/`ror`/`rori`, `sext.b`,
        /// `sext.h`, `zext.h`.
        has_zbb,
        /// Zbs (single-bit operations): `bseti`/`bclri`/`binvi` for `or`/`and`/`xor` with a
        /// single-bit constant (or its complement), `bexti` for a single-bit test.
        has_zbs,
        /// Zbkb: `brev8` (with `rev8`) for `bitrev`, `packh`/`pack` for `iconcat`.
        has_zbkb,
        /// Zicond: `select` of integers as `czero.eqz`, `czero.nez` and `or`.
        has_zicond,
        /// Zfa: `fminm`/`fmaxm` for `fmin`/`fmax` (NaN-propagating), `fli` for float
        /// constants, `fround` for `ceil`/`floor`/`trunc`/`nearest` (without it they are
        /// library calls).
        has_zfa,
        /// C (compressed instructions): 16-bit encodings where an instruction has one.
        has_c,
    }
}

/// The features of this machine; all off when it is not riscv64 (detection on a riscv64
/// host is not implemented: Lathe does not run there yet, so nothing is assumed).
pub fn detect_host() -> Rv64Flags {
    Rv64Flags::default()
}
