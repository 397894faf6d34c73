//! Instruction set architectures. Each ISA turns IR into machine code through the shared
//! machine layer (`crate::machinst`).
//!
//! A target is made in three steps: [`lookup`] takes a `target-lexicon` triple and returns
//! an [`IsaBuilder`] for its ISA; the builder takes settings by name (the shared ones of
//! [`crate::settings`] and the ISA's feature flags, [`flags`]) or typed ([`Flags`]);
//! [`IsaBuilder::finish`] returns the [`TargetIsa`]. `target` lines of CLIF files and
//! `lathe --target` go through [`lookup_target`], which is the same path from text;
//! [`host_builder`] and [`host_isa`] (in `host.rs`) start from the machine running Lathe,
//! with the CPU features it has.
//!
//! Adding an ISA: a folder `isa/<name>/` with its flags (`isa_flags!`), a [`Backend`]
//! (what its [`Target`] compiles with: lowering, frame rules, registers, CIE) described
//! by a static `IsaDescription::of::<ItsBackend>()`, and one arm in [`lookup`].
//!
//! Invariant: an ISA knows nothing about Wasm or any other front end.

pub mod aarch64;
mod flags;
mod host;
#[cfg(test)]
mod llvm_mc;
pub mod riscv64;
pub mod s390x;
#[cfg(test)]
mod spectre_tests;
mod target;
pub mod x64;

pub use flags::IsaFlagValues;
pub(crate) use flags::isa_flags;
pub use host::{HostMismatch, host_builder, host_can_run, host_isa};
pub use target::{Backend, IsaFlagSet, Target};
pub use target_lexicon::Triple;

use crate::ir::{CallConv, Endianness, Function, Type, types};
use crate::machinst::{CompileOptions, CompiledCode, StageTimes};
use crate::result::CodegenError;
use crate::settings::{Flags, SettingError, parse_bool};
use target_lexicon::{Architecture, OperatingSystem, PointerWidth};

/// A target: an ISA with its triple, feature flags and the shared settings.
pub trait TargetIsa: Send + Sync {
    /// The ISA's name (`x86_64`).
    fn name(&self) -> &'static str;
    /// The target triple.
    fn triple(&self) -> &Triple;
    /// The shared settings.
    fn flags(&self) -> &Flags;
    /// The ISA feature flags by name (each ISA also offers them typed).
    fn isa_flags(&self) -> IsaFlagValues;
    /// Compiles one function with `options` (listing, `--print-after`, stage times).
    fn compile_function_with(
        &self,
        func: &Function,
        options: &mut CompileOptions,
    ) -> Result<CompiledCode, CodegenError>;

    /// The type of a pointer: `i64` on every 64-bit ISA.
    fn pointer_type(&self) -> Type {
        pointer_type_for(self.triple())
    }
    /// The byte order of memory.
    fn endianness(&self) -> Endianness {
        endianness_for(self.triple())
    }
    /// The calling convention of functions of this triple's platform.
    fn default_call_conv(&self) -> CallConv {
        CallConv::triple_default(self.triple())
    }
    /// The call-frame facts shared by every function of this target, from which
    /// unwind tables are written (the CIE of `.eh_frame`).
    fn unwind_cie(&self) -> crate::machinst::CieDesc;
    /// Compiles one function; with `want_listing`, the result carries the instruction
    /// listing.
    fn compile_function(&self, func: &Function, want_listing: bool) -> Result<CompiledCode, CodegenError> {
        self.compile_function_with(func, &mut CompileOptions { want_listing, ..CompileOptions::default() })
    }
    /// Compiles one function, adding the time of each stage to `times`.
    fn compile_function_timed(&self, func: &Function, times: &mut StageTimes) -> Result<CompiledCode, CodegenError> {
        let mut options = CompileOptions { times: *times, ..CompileOptions::default() };
        let result = self.compile_function_with(func, &mut options);
        *times = options.times;
        result
    }
}

/// Why no target could be made for a triple or name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// An architecture Lathe will target but has no backend for yet (none today: each of
    /// the four targets has one; kept for targets added before their backend).
    #[error("Lathe has no backend for `{0}` yet")]
    Unsupported(String),
    /// An architecture Lathe does not target.
    #[error("Lathe does not target `{0}` (its targets are x86_64, aarch64, riscv64 and s390x)")]
    NotATarget(String),
    /// Neither a triple nor an architecture name.
    #[error("unknown architecture or triple `{0}`")]
    UnknownArch(String),
}

/// Why a target described by text (a `target` line, `--target`) could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The triple or architecture.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// One of the settings.
    #[error(transparent)]
    Setting(#[from] SettingError),
}

/// What [`lookup`] knows about an ISA before it is built: its name, its flags, how to
/// detect them on the host, and how to make the target. Each ISA folder has one.
pub(crate) struct IsaDescription {
    /// The ISA's name, as in error messages.
    pub name: &'static str,
    /// The names of its feature flags.
    pub flag_names: &'static [&'static str],
    /// The flags the machine running Lathe has (called only when the host is this ISA).
    pub detect_host_flags: fn() -> IsaFlagValues,
    /// Makes the target.
    pub build: BuildIsa,
}

/// How an ISA makes its target from a triple, the shared settings and its flags.
pub(crate) type BuildIsa = fn(Triple, Flags, &IsaFlagValues) -> Result<Box<dyn TargetIsa>, SettingError>;

/// Settings for one target before it is made.
#[derive(Clone)]
pub struct IsaBuilder {
    triple: Triple,
    isa: &'static IsaDescription,
    flags: Flags,
    isa_flags: IsaFlagValues,
}

impl IsaBuilder {
    fn new(triple: Triple, isa: &'static IsaDescription) -> Self {
        Self { triple, isa, flags: Flags::default(), isa_flags: IsaFlagValues::new(isa.flag_names, Vec::new()) }
    }

    /// The target triple.
    pub fn triple(&self) -> &Triple {
        &self.triple
    }
    /// The ISA's name (`x86_64`).
    pub fn isa_name(&self) -> &'static str {
        self.isa.name
    }
    /// The shared settings so far.
    pub fn flags(&self) -> &Flags {
        &self.flags
    }
    /// The shared settings, to change them typed.
    pub fn flags_mut(&mut self) -> &mut Flags {
        &mut self.flags
    }
    /// The builder with the shared settings replaced by `flags`.
    pub fn with_flags(mut self, flags: Flags) -> Self {
        self.flags = flags;
        self
    }
    /// The ISA feature flags so far.
    pub fn isa_flags(&self) -> &IsaFlagValues {
        &self.isa_flags
    }

    /// Sets a shared setting or an ISA flag by name (`("opt_level", "speed")`,
    /// `("has_avx2", "true")`). An ISA flag may be named without its `has_` prefix.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), SettingError> {
        self.set_opt(name, Some(value))
    }

    /// Turns on a boolean setting or ISA flag (`enable("has_sse41")`).
    pub fn enable(&mut self, name: &str) -> Result<(), SettingError> {
        self.set_opt(name, None)
    }

    /// Applies one word of a `target` line or `--target`: `name` (on) or `name=value`.
    pub fn set_word(&mut self, word: &str) -> Result<(), SettingError> {
        match word.split_once('=') {
            Some((name, value)) => self.set_opt(name, Some(value)),
            None => self.set_opt(word, None),
        }
    }

    fn set_opt(&mut self, name: &str, value: Option<&str>) -> Result<(), SettingError> {
        match self.flags.set(name, value) {
            Err(SettingError::Unknown { .. }) => {}
            other => return other,
        }
        let prefixed = format!("has_{name}");
        let flag = [name, prefixed.as_str()].into_iter().find(|n| self.isa_flags.get(n).is_some());
        let Some(flag) = flag else {
            return Err(SettingError::Unknown { name: name.into(), isa: Some(self.isa.name) });
        };
        let on = parse_bool(name, value)?;
        self.isa_flags.set(flag, on);
        Ok(())
    }

    /// Makes the target.
    pub fn finish(&self) -> Result<Box<dyn TargetIsa>, SettingError> {
        (self.isa.build)(self.triple.clone(), self.flags.clone(), &self.isa_flags)
    }
}

/// The builder for `triple`'s ISA, with default settings and no ISA flags on.
pub fn lookup(triple: Triple) -> Result<IsaBuilder, LookupError> {
    let isa = match triple.architecture {
        Architecture::X86_64 => &x64::ISA,
        Architecture::Aarch64(_) => &aarch64::ISA,
        Architecture::Riscv64(_) => &riscv64::ISA,
        Architecture::S390x => &s390x::ISA,
        other => return Err(LookupError::NotATarget(other.to_string())),
    };
    Ok(IsaBuilder::new(triple, isa))
}

/// The builder for a triple (`x86_64-unknown-linux-gnu`) or a bare architecture name
/// (`x86_64`, which means an unknown vendor and operating system).
pub fn lookup_by_name(name: &str) -> Result<IsaBuilder, LookupError> {
    let triple = match name.parse::<Triple>() {
        Ok(t) => t,
        Err(_) => match name.parse::<Architecture>() {
            Ok(architecture) => Triple { architecture, ..Triple::unknown() },
            Err(_) => return Err(LookupError::UnknownArch(name.to_string())),
        },
    };
    lookup(triple)
}

/// The builder for a target written as words: a triple or architecture name, then
/// settings (`x86_64 has_sse41 has_fma`, `x86_64-pc-windows-msvc has_avx=true`), as
/// `target` lines and `lathe --target` write it (`spec.split_whitespace()`). `flags` are
/// the shared settings in force.
pub fn lookup_target<'a>(words: impl IntoIterator<Item = &'a str>, flags: Flags) -> Result<IsaBuilder, TargetError> {
    let mut words = words.into_iter();
    let name = words.next().unwrap_or("");
    let mut builder = lookup_by_name(name)?.with_flags(flags);
    for word in words {
        builder.set_word(word)?;
    }
    Ok(builder)
}

/// Compiles `func` for `isa` (the entry point of code generation).
pub fn compile(func: &Function, isa: &dyn TargetIsa) -> Result<CompiledCode, CodegenError> {
    isa.compile_function(func, false)
}

/// The pointer type of `triple`'s architecture (every architecture Lathe targets has a
/// known width; `i64` is the answer for all of them).
pub fn pointer_type_for(triple: &Triple) -> Type {
    match triple.pointer_width() {
        Ok(PointerWidth::U16) => types::I16,
        Ok(PointerWidth::U32) => types::I32,
        Ok(PointerWidth::U64) | Err(()) => types::I64,
    }
}

/// The byte order of `triple`'s architecture: little for x86-64, aarch64 and riscv64,
/// big for s390x.
pub fn endianness_for(triple: &Triple) -> Endianness {
    match triple.endianness() {
        Ok(target_lexicon::Endianness::Big) => Endianness::Big,
        Ok(target_lexicon::Endianness::Little) | Err(()) => Endianness::Little,
    }
}

impl CallConv {
    /// The convention of ordinary functions on `triple`'s platform: `windows_fastcall` on
    /// Windows, `apple_aarch64` on Apple's aarch64 systems, `system_v` everywhere else
    /// (including an unknown operating system). Defined here, not in `ir`, so that the
    /// IR knows nothing about targets.
    pub fn triple_default(triple: &Triple) -> CallConv {
        match (triple.operating_system, triple.architecture) {
            (OperatingSystem::Windows, _) => CallConv::WindowsFastcall,
            (os, Architecture::Aarch64(_)) if os.is_like_darwin() => CallConv::AppleAarch64,
            _ => CallConv::SystemV,
        }
    }
}

/// Each ISA's lowering rules with their firing counts, for `lathe coverage` (see
/// [`crate::rule_coverage`]).
pub fn lowering_rule_sets() -> Vec<crate::rule_coverage::RuleSet> {
    vec![x64::lowering_rules(), aarch64::lowering_rules(), riscv64::lowering_rules(), s390x::lowering_rules()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triple(s: &str) -> Triple {
        s.parse().expect("a valid triple")
    }

    #[test]
    fn lookup_by_triple_and_name() {
        let b = lookup(triple("x86_64-unknown-linux-gnu")).unwrap();
        assert_eq!(b.isa_name(), "x86_64");
        let b = lookup_by_name("x86_64").unwrap();
        assert_eq!(b.triple().architecture, Architecture::X86_64);
        let isa = b.finish().unwrap();
        assert_eq!((isa.name(), isa.pointer_type(), isa.endianness()), ("x86_64", types::I64, Endianness::Little));
        assert_eq!(isa.default_call_conv(), CallConv::SystemV);
        let win = lookup_by_name("x86_64-pc-windows-msvc").unwrap().finish().unwrap();
        assert_eq!(win.default_call_conv(), CallConv::WindowsFastcall);
    }

    #[test]
    fn every_target_has_a_backend_and_others_are_refused() {
        for name in ["x86_64", "aarch64", "riscv64gc-unknown-linux-gnu", "riscv64", "s390x-ibm-linux", "s390x"] {
            assert!(lookup_by_name(name).is_ok(), "{name}");
        }
        assert!(matches!(lookup_by_name("i686-unknown-linux-gnu"), Err(LookupError::NotATarget(_))));
        assert!(matches!(lookup_by_name("vax11"), Err(LookupError::UnknownArch(_))));
    }

    #[test]
    fn s390x_flags_by_name_with_architecture_levels() {
        let mut b = lookup_by_name("s390x").unwrap();
        assert!(matches!(b.enable("has_nnpa"), Err(SettingError::Unknown { .. })), "unknown facilities are refused");
        b.enable("arch_z15").unwrap();
        let isa = b.finish().unwrap();
        assert_eq!(isa.endianness(), Endianness::Big);
        let on: Vec<&str> = isa.isa_flags().enabled().collect();
        assert_eq!(on, ["has_mie2", "has_mie3", "has_vxrs_ext2", "arch_z14", "arch_z15"]);
    }

    #[test]
    fn facts_from_the_triple() {
        let cases = [
            ("x86_64-unknown-linux-gnu", CallConv::SystemV, Endianness::Little),
            ("x86_64-apple-darwin", CallConv::SystemV, Endianness::Little),
            ("x86_64-pc-windows-gnu", CallConv::WindowsFastcall, Endianness::Little),
            ("aarch64-unknown-linux-gnu", CallConv::SystemV, Endianness::Little),
            ("aarch64-apple-darwin", CallConv::AppleAarch64, Endianness::Little),
            ("aarch64-pc-windows-msvc", CallConv::WindowsFastcall, Endianness::Little),
            ("riscv64gc-unknown-linux-gnu", CallConv::SystemV, Endianness::Little),
            ("s390x-unknown-linux-gnu", CallConv::SystemV, Endianness::Big),
        ];
        for (t, conv, endian) in cases {
            let t = triple(t);
            assert_eq!(CallConv::triple_default(&t), conv, "{t}");
            assert_eq!(endianness_for(&t), endian, "{t}");
            assert_eq!(pointer_type_for(&t), types::I64, "{t}");
        }
    }

    #[test]
    fn builder_sets_shared_settings_and_isa_flags_by_name() {
        let mut b = lookup_by_name("x86_64").unwrap();
        b.set("opt_level", "speed").unwrap();
        b.enable("has_sse41").unwrap();
        b.set("has_avx2", "true").unwrap();
        b.set_word("fma").unwrap();
        b.set_word("has_avx2=false").unwrap();
        let isa = b.finish().unwrap();
        assert_eq!(isa.flags().opt_level, crate::settings::OptLevel::Speed);
        assert_eq!(isa.isa_flags().to_string(), "has_sse41 has_fma");
        let e = b.enable("has_neon").unwrap_err();
        assert_eq!(e.to_string(), "unknown setting `has_neon` (neither a shared setting nor an ISA flag of x86_64)");
        let e = b.set("has_avx", "yes").unwrap_err();
        assert!(matches!(&e, SettingError::BadValue { name, .. } if name == "has_avx"), "{e}");
        let e = b.set("preserve_frame_pointers", "false").unwrap_err();
        assert!(e.to_string().contains("always keeps frame pointers"), "{e}");
    }

    #[test]
    fn targets_from_text() {
        let b = lookup_target("x86_64 has_sse41 opt_level=speed".split_whitespace(), Flags::default()).unwrap();
        assert_eq!(b.isa_flags().to_string(), "has_sse41");
        assert_eq!(b.flags().opt_level, crate::settings::OptLevel::Speed);
        assert!(matches!(lookup_target(["x86_64", "has_nothing"], Flags::default()), Err(TargetError::Setting(_))));
        let b = lookup_target(["riscv64", "has_zbb", "zba"], Flags::default()).unwrap();
        assert_eq!(b.isa_flags().to_string(), "has_zba has_zbb");
        assert!(matches!(lookup_target(["riscv64", "has_zbc"], Flags::default()), Err(TargetError::Setting(_))));
        assert!(matches!(lookup_target(["i686"], Flags::default()), Err(TargetError::Lookup(_))));
        assert!(matches!(lookup_target([], Flags::default()), Err(TargetError::Lookup(_))));
    }
}
