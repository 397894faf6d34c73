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
        /// instructions (without it they are unsupported until the LL/SC loops exist).
        has_lse,
        /// Pointer authentication (Armv8.3). Does not change code by itself.
        has_pauth,
        /// Sign the return address in every prologue (`paciasp`) and authenticate it
        /// before returning (`autiasp`). Rejected for now: see [`check`].
        sign_return_address,
    }
}

/// Rejects flag combinations Lathe cannot honour. `sign_return_address` needs the
/// `.eh_frame` of every function to toggle the return-address state
/// (`DW_CFA_AARCH64_negate_ra_state`) around the signed region, which the shared unwind
/// events (`UnwindInst`) cannot express yet; signing without it would make every unwinder
/// misread the return address, so it is refused rather than done half-way.
pub fn check(flags: &A64Flags) -> Result<(), SettingError> {
    if flags.sign_return_address {
        return Err(SettingError::Rejected {
            name: "sign_return_address".into(),
            value: "true".into(),
            reason: "aarch64 return-address signing needs a negate_ra_state unwind rule, which Lathe's unwind \
                     records cannot express yet",
        });
    }
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
