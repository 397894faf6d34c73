//! The target every ISA makes ([`Target`]): a triple, the shared settings, the ISA's
//! typed flags and its register environment, with the [`TargetIsa`] methods that are the
//! same for every ISA. What differs comes from the ISA's [`Backend`]: how a function is
//! compiled (its lowering backend and frame rules), the CIE, the registers, the flags.
//!
//! An ISA folder implements [`Backend`] for a unit struct and describes itself to
//! [`lookup`](super::lookup) with `IsaDescription::of::<ThatStruct>()`.

use super::{IsaDescription, IsaFlagValues, TargetIsa, Triple};
use crate::ir::Function;
use crate::machinst::{CieDesc, CompileOptions, CompiledCode};
use crate::result::CodegenError;
use crate::settings::{Flags, SettingError};

/// An ISA's typed feature flags (the struct `isa_flags!` declares).
pub trait IsaFlagSet: Copy + Default + Send + Sync + 'static {
    /// The flag names, in declaration order.
    const NAMES: &'static [&'static str];
    /// The flags from by-name values of this ISA.
    fn from_values(values: &IsaFlagValues) -> Self;
    /// The flags by name.
    fn to_values(self) -> IsaFlagValues;
}

/// What one ISA adds to the generic [`Target`].
pub trait Backend: Sized + Send + Sync + 'static {
    /// The ISA's typed flags.
    type Flags: IsaFlagSet;
    /// The ISA's name (`x86_64`), as in `target` lines and error messages.
    const NAME: &'static str;
    /// The flags of the machine running Lathe (asked only when the host is this ISA).
    fn detect_host() -> Self::Flags {
        Self::Flags::default()
    }
    /// The flags as the target uses them: flags implied by others turned on, or an error
    /// for a combination the ISA refuses.
    fn settle(flags: Self::Flags) -> Result<Self::Flags, SettingError> {
        Ok(flags)
    }
    /// The registers the allocator may use.
    fn machine_env() -> regalloc2::MachineEnv;
    /// Compiles one function (the ISA's lowering backend and frame rules, through
    /// `machinst::compile_with`).
    fn compile(
        target: &Target<Self>,
        func: &Function,
        options: &mut CompileOptions,
    ) -> Result<CompiledCode, CodegenError>;
    /// Compiles one function with the baseline tier (`opt_level=baseline`, see
    /// `crate::baseline`). Only x86-64 and aarch64 have the tier so far; other ISAs refuse
    /// it.
    fn compile_baseline(
        target: &Target<Self>,
        func: &Function,
        options: &mut CompileOptions,
    ) -> Result<CompiledCode, CodegenError> {
        let _ = (target, func, options);
        Err(CodegenError::Unsupported("baseline tier: x86_64 and aarch64 only for now".to_string()))
    }
    /// The call-frame facts of every function of the target (the CIE of `.eh_frame`).
    fn unwind_cie(flags: Self::Flags) -> CieDesc;
}

/// A target of the ISA `B`.
pub struct Target<B: Backend> {
    triple: Triple,
    flags: Flags,
    isa_flags: B::Flags,
    env: regalloc2::MachineEnv,
}

impl<B: Backend> Target<B> {
    /// The target for `triple` with the shared settings and ISA flags.
    pub fn new(triple: Triple, flags: Flags, isa_flags: B::Flags) -> Result<Self, SettingError> {
        Ok(Self { triple, flags, isa_flags: B::settle(isa_flags)?, env: B::machine_env() })
    }
    /// The ISA flags, typed.
    pub fn typed_flags(&self) -> B::Flags {
        self.isa_flags
    }
    /// The shared settings.
    pub fn settings(&self) -> &Flags {
        &self.flags
    }
    /// The registers the allocator may use.
    pub fn machine_env(&self) -> &regalloc2::MachineEnv {
        &self.env
    }
}

impl<B: Backend> TargetIsa for Target<B> {
    fn name(&self) -> &'static str {
        B::NAME
    }
    fn triple(&self) -> &Triple {
        &self.triple
    }
    fn flags(&self) -> &Flags {
        &self.flags
    }
    fn isa_flags(&self) -> IsaFlagValues {
        self.isa_flags.to_values()
    }
    fn compile_function_with(
        &self,
        func: &Function,
        options: &mut CompileOptions,
    ) -> Result<CompiledCode, CodegenError> {
        if self.flags.opt_level == crate::settings::OptLevel::Baseline {
            return B::compile_baseline(self, func, options);
        }
        B::compile(self, func, options)
    }
    fn unwind_cie(&self) -> CieDesc {
        B::unwind_cie(self.isa_flags)
    }
}

impl IsaDescription {
    /// The description of the ISA `B`.
    pub(crate) const fn of<B: Backend>() -> Self {
        IsaDescription {
            name: B::NAME,
            flag_names: B::Flags::NAMES,
            detect_host_flags: || B::detect_host().to_values(),
            build: |triple, flags, values| {
                Ok(Box::new(Target::<B>::new(triple, flags, B::Flags::from_values(values))?))
            },
        }
    }
}
