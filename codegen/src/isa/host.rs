//! The machine running Lathe: its triple and CPU features, in one place. The JIT's users
//! (the Wasm runtime, the filetest runner, the benchmarks) start from [`host_builder`] or
//! [`host_isa`], and ask [`host_can_run`] whether code for a target runs here. Each ISA
//! detects its own features (`IsaDescription::detect_host_flags`, for x86-64 in
//! `x64/host.rs`); nothing else reads CPUID or its equivalents.

use super::{IsaBuilder, LookupError, TargetError, TargetIsa, Triple, lookup};
use crate::settings::Flags;

/// The builder for the host's triple with every ISA feature the host has turned on.
pub fn host_builder() -> Result<IsaBuilder, LookupError> {
    let mut builder = lookup(Triple::host())?;
    builder.isa_flags = (builder.isa.detect_host_flags)();
    Ok(builder)
}

/// The target for the host, with the features it has and the shared settings `flags`.
pub fn host_isa(flags: Flags) -> Result<Box<dyn TargetIsa>, TargetError> {
    Ok(host_builder()?.with_flags(flags).finish()?)
}

/// Why code for a target cannot run on this machine.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostMismatch {
    /// The target is another architecture.
    #[error("the host cannot run `{0}` code")]
    OtherArch(String),
    /// The target has an ISA flag the host lacks.
    #[error("the host lacks `{0}`")]
    MissingFlag(&'static str),
    /// Lathe has no backend for the host.
    #[error(transparent)]
    NoHostBackend(#[from] LookupError),
}

/// Whether code compiled by `target` runs here: the same architecture, and every ISA flag
/// it turns on present in the host.
pub fn host_can_run(target: &IsaBuilder) -> Result<(), HostMismatch> {
    if target.triple().architecture != Triple::host().architecture {
        return Err(HostMismatch::OtherArch(target.triple().architecture.to_string()));
    }
    let host = host_builder()?;
    match target.isa_flags().enabled().find(|f| host.isa_flags().get(f) != Some(true)) {
        Some(missing) => Err(HostMismatch::MissingFlag(missing)),
        None => Ok(()),
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::isa::lookup_by_name;

    #[test]
    fn the_host_runs_its_own_features_and_baseline_code() {
        let host = host_builder().unwrap();
        assert_eq!(host_can_run(&host), Ok(()));
        assert_eq!(host_can_run(&lookup_by_name("x86_64").unwrap()), Ok(()));
        // Code that needs one flag runs exactly when the host has it; if not, the flag is
        // named.
        for name in host.isa_flags().names() {
            let mut b = lookup_by_name("x86_64").unwrap();
            b.enable(name).unwrap();
            match host.isa_flags().get(name) {
                Some(true) => assert_eq!(host_can_run(&b), Ok(())),
                _ => assert_eq!(host_can_run(&b), Err(HostMismatch::MissingFlag(name))),
            }
        }
        let isa = host_isa(Flags::default()).unwrap();
        assert_eq!(isa.isa_flags(), *host.isa_flags());
    }
}
