//! The x86-64 ISA feature flags: what the target CPU has beyond the x86-64 baseline
//! (SSE2). Lowering reads the typed struct ([`X64Flags`]); `target x86_64 has_sse41` lines,
//! `--target` and `IsaBuilder::set` set them by name, and `isa::host_builder` turns on
//! those the host has (`host.rs`).
//!
//! A flag says the CPU has a feature, so code may use it. The flags marked "lowering"
//! change the instructions chosen (the filetests under `compile/x64/` show each); the
//! others do not change code yet, and only say where the code may run (`test run` skips a
//! target whose flags the host lacks).

use crate::isa::isa_flags;

isa_flags! {
    /// The x86-64 CPU features Lathe knows (all off: the x86-64 baseline).
    pub struct X64Flags {
        /// SSE3.
        has_sse3,
        /// SSSE3. Lowering: vector `pshufb` shuffles, swizzles, splats and bit counts,
        /// `pabs*`, `phadd*` (without it, SSE2 sequences).
        has_ssse3,
        /// SSE4.1. Lowering: `ceil`, `floor`, `trunc` and `nearest` use `roundss`/`roundsd`
        /// (without it they are library calls) and `roundps`/`roundpd`; vector `pmulld`,
        /// 8/16/32-bit min/max, `pextr*`/`pinsr*`, `pmovsx`/`pmovzx`, `pcmpeqq`, `packusdw`.
        has_sse41,
        /// SSE4.2. Lowering: 64-bit vector compares by `pcmpgtq`.
        has_sse42,
        /// POPCNT. Lowering: `popcnt` is one instruction (without it, a bit-twiddling
        /// sequence).
        has_popcnt,
        /// AVX. Lowering: every vector instruction in its VEX-encoded three-operand form.
        has_avx,
        /// AVX2.
        has_avx2,
        /// F16C. Lowering: `fpromote` from `f16` to `f32` and `fdemote` from `f32` to `f16`
        /// use `vcvtph2ps`/`vcvtps2ph` (without it, library calls), and so does `f16`
        /// arithmetic, which is done in `f32`.
        has_f16c,
        /// FMA3. Lowering: `fma` uses `vfmadd231ss`/`sd` (without it, a library call).
        has_fma,
        /// BMI1. Lowering: `ctz` uses `tzcnt` (without it, `bsf` and a zero test), and
        /// `band_not` uses `andn` (without it, `not` and `and`).
        has_bmi1,
        /// BMI2. Lowering: 32- and 64-bit shifts by a register use `shlx`/`shrx`/`sarx`
        /// (without it, the count goes to `cl`), rotates by a constant use `rorx`; both
        /// write a register of their own, so a live source needs no copy.
        has_bmi2,
        /// LZCNT. Lowering: `clz` uses `lzcnt` (without it, `bsr` and a zero test).
        has_lzcnt,
        /// AVX-512 Foundation.
        has_avx512f,
        /// AVX-512 vector length extensions.
        has_avx512vl,
        /// AVX-512 doubleword and quadword instructions.
        has_avx512dq,
        /// AVX-512 bit algorithms.
        has_avx512bitalg,
        /// AVX-512 vector byte manipulation instructions.
        has_avx512vbmi,
    }
}

impl X64Flags {
    /// The flags with those each implies turned on: every CPU with AVX2 has AVX, with AVX
    /// has SSE4.2, then SSE4.1, SSSE3 and SSE3 (each level includes the one before), so
    /// lowering may test the lowest flag an instruction needs.
    pub fn implied(mut self) -> X64Flags {
        self.has_avx |= self.has_avx2;
        self.has_sse42 |= self.has_avx;
        self.has_sse41 |= self.has_sse42;
        self.has_ssse3 |= self.has_sse41;
        self.has_sse3 |= self.has_ssse3;
        self
    }
}
