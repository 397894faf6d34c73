//! The aarch64 ISA feature flags: what the target CPU has beyond the Armv8.0-A baseline.
//! Lowering reads the typed struct ([`A64Flags`]); `target aarch64 has_lse` lines,
//! `--target` and `IsaBuilder::set` set them by name, and `isa::host_builder` turns on
//! those the host has (`host.rs`). A flag Lathe does not know is rejected by the builder
//! (an unknown setting); a known flag Lathe cannot honour is rejected by [`check`].

use crate::isa::isa_flags;
use crate::settings::SettingError;

isa_flags! {
    /// The aarch64 CPU features Lathe knows (all off: Armv8.0-A).
    pub struct A64Flags {
        /// Large System Extensions (Armv8.1). Lowering: atomic read-modify-write and
        /// compare-and-swap are single `ldadd`/`ldclr`/`ldset`/`ldeor`/`swp`/`cas`
        /// instructions (without it, `ldaxr`/`stlxr` loops).
        has_lse,
        /// Pointer authentication (Armv8.3). Does not change code by itself: the signing
        /// Lathe does uses hint-space instructions that need no feature check.
        has_pauth,
        /// Sign the return address in every prologue (`paciasp`) and authenticate it
        /// before returning (`autiasp`), with `.eh_frame` rules that tell unwinders
        /// where it is signed. The instructions are `nop`s on CPUs without pointer
        /// authentication, so the flag is safe on any aarch64 CPU; it protects only on
        /// those with it.
        sign_return_address,
    }
}

/// Rejects flag combinations Lathe cannot honour (none today: every known flag is
/// implemented in every combination).
pub fn check(_flags: &A64Flags) -> Result<(), SettingError> {
    Ok(())
}

/// The features of this machine; all off when it is not aarch64.
pub fn detect_host() -> A64Flags {
    #[cfg(target_arch = "aarch64")]
    {
        use std::arch::is_aarch64_feature_detected as has;
        A64Flags { has_lse: has!("lse"), has_pauth: has!("paca"), sign_return_address: false }
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        A64Flags::default()
    }
}
