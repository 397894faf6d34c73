//! Which x86-64 features the machine running Lathe has (CPUID, through the standard
//! library's detection). Called only through `isa::host_builder`, the one entry point for
//! host detection.

use super::settings::X64Flags;

/// The features of this machine; all off when it is not x86-64.
pub fn detect() -> X64Flags {
    #[cfg(target_arch = "x86_64")]
    {
        use std::is_x86_feature_detected as has;
        X64Flags {
            has_sse3: has!("sse3"),
            has_ssse3: has!("ssse3"),
            has_sse41: has!("sse4.1"),
            has_sse42: has!("sse4.2"),
            has_popcnt: has!("popcnt"),
            has_avx: has!("avx"),
            has_avx2: has!("avx2"),
            has_fma: has!("fma"),
            has_f16c: has!("f16c"),
            has_bmi1: has!("bmi1"),
            has_bmi2: has!("bmi2"),
            has_lzcnt: has!("lzcnt"),
            has_avx512f: has!("avx512f"),
            has_avx512vl: has!("avx512vl"),
            has_avx512dq: has!("avx512dq"),
            has_avx512bitalg: has!("avx512bitalg"),
            has_avx512vbmi: has!("avx512vbmi"),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        X64Flags::default()
    }
}
