//! Shared compiler settings: the typed [`Flags`] every ISA reads, settable by name from
//! `set` lines of CLIF files, from `lathe --set name=value` and from the API
//! ([`Flags::set`], or through [`crate::isa::IsaBuilder::set`], which also takes the ISA's
//! own feature flags).
//!
//! # Rule: no setting is accepted and ignored
//!
//! Each setting below either changes what Lathe does (a test shows it), or has exactly one
//! value Lathe honours: that value is accepted and the other one is an error
//! ([`SettingError::Rejected`]) that says why. A name Lathe does not know is an error too.
//! Tests: the unit tests below (every name, every value), `codegen/tests/settings.rs`
//! (each effect observed on compiled code) and the filetests that set them.
//!
//! | setting | default | what it does in Lathe |
//! | --- | --- | --- |
//! | `opt_level` | `none` | `none`: no mid-end, single-pass register allocator; `speed` and `speed_and_size` (the same for now): mid-end and the backtracking allocator; `baseline` (x86-64 and aarch64, other targets refuse it): the single-pass baseline tier (`crate::baseline`), no VCode and no register allocator, each IR instruction emitted once in order; a function it cannot compile yet is compiled at `none` instead and the reason recorded (`CompileOptions::baseline_fallback`) |
//! | `enable_verifier` | `true` | verify the IR before compiling and after every IR-to-IR pass (mid-end, legalization) |
//! | `regalloc_checker` | `false` | check the allocation with regalloc2's checker (and its SSA validation) |
//! | `enable_probestack` | `true` | `false`: the prologue allocates a large frame in one step, without reading each page |
//! | `probestack_size_log2` | `12` | the guard interval the probes step by, `2^n` bytes (8 to 24) |
//! | `probestack_strategy` | `inline` | only `inline` (probes in the prologue); `outline` is rejected: Lathe calls no probe routine |
//! | `enable_jump_tables` | `true` | `false`: `br_table` becomes a chain of compares before lowering (`crate::legalize`) |
//! | `enable_float` | `true` | `false`: a function with a float value is an error |
//! | `enable_simd` | `true` | `false`: a function with a vector value is an error |
//! | `enable_atomics` | `true` | `false`: an atomic instruction or `fence` is an error |
//! | `enable_llvm_abi_extensions` | `true` | `false`: an `i128` parameter or result in a signature is an error |
//! | `is_pic` | `false` | `true`: code must be position-independent; on x86-64 `func_addr` and `symbol_value` then use `lea [rip + sym]` for colocated symbols and a GOT load for the others |
//! | `unwind_info` | `true` | implemented: `false` leaves `CompiledCode::unwind` empty |
//! | `preserve_frame_pointers` | | only `true`: Lathe always keeps frame pointers |
//! | `enable_multi_ret_implicit_sret` | | only `true`: results beyond the return registers always go to a hidden return area |
//! | `use_egraphs` | | only `false`: the mid-end is a rewrite pass, not an e-graph |
//! | `enable_alias_analysis` | | only `false`: the mid-end does no memory alias analysis |
//! | `machine_code_cfg_info` | | only `false`: compiled code records no block boundaries |
//! | `enable_heap_access_spectre_mitigation` | `true` | front ends that bounds-check linear memory explicitly (the Wasm translation) guard each address with `select_spectre_guard`: null when the check fails, so a mispredicted check cannot load out of bounds; `false` (trusted code) leaves only the check. Compiling CLIF it changes nothing: a CLIF function writes its own guards (docs/security.md) |
//! | `enable_table_access_spectre_mitigation` | `true` | the same for table element addresses (`call_indirect`, `table.get`, `table.set`) |
//!
//! Boolean values are written `true`/`false` (or `1`/`0`); a bare name means `true`.
//! The ISA feature flags (`has_sse41`, ...) are not here: each ISA declares its own
//! ([`crate::isa::x64::X64Flags`]).

use std::fmt;

/// How hard to optimize.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub enum OptLevel {
    /// No mid-end; the fast single-pass register allocator.
    #[default]
    None,
    /// The mid-end and the backtracking register allocator.
    Speed,
    /// Like `Speed` (code size is not weighed separately yet).
    SpeedAndSize,
    /// The single-pass baseline tier (x86-64 only): no mid-end, no VCode, no register
    /// allocator; functions it does not cover yet fall back to `None`.
    Baseline,
}

/// The shared settings. Each field is documented with its setting name; the module
/// documentation has the whole table, with the settings that have only one honoured value.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Flags {
    /// Optimization level (`opt_level=none|speed|speed_and_size|baseline`).
    pub opt_level: OptLevel,
    /// Verify the IR before compiling and after each IR-to-IR pass (`enable_verifier`;
    /// default true).
    pub enable_verifier: bool,
    /// Check the register allocation with regalloc2's checker (`regalloc_checker`;
    /// default false; the test harness turns it on).
    pub regalloc_checker: bool,
    /// Probe the stack when a frame is larger than the guard interval
    /// (`enable_probestack`; default true).
    pub enable_probestack: bool,
    /// The guard interval stack probes step by, as a power of two
    /// (`probestack_size_log2`; default 12, 4 KiB).
    pub probestack_size_log2: u8,
    /// Lower `br_table` through a jump table (`enable_jump_tables`; default true); when
    /// false, the driver rewrites it into compares first.
    pub enable_jump_tables: bool,
    /// Allow float values (`enable_float`; default true).
    pub enable_float: bool,
    /// Allow vector values (`enable_simd`; default true).
    pub enable_simd: bool,
    /// Allow atomic instructions and fences (`enable_atomics`; default true).
    pub enable_atomics: bool,
    /// Allow `i128` parameters and results in signatures (`enable_llvm_abi_extensions`;
    /// default true).
    pub enable_llvm_abi_extensions: bool,
    /// Generate position-independent code (`is_pic`; default false). Backends read it
    /// and refuse what they cannot make position-independent.
    pub is_pic: bool,
    /// Record what prologues and epilogues do to the frame (`unwind_info`; default true):
    /// `CompiledCode::unwind`, from which `.eh_frame` is written.
    pub unwind_info: bool,
    /// Guard explicitly bounds-checked heap addresses against speculation
    /// (`enable_heap_access_spectre_mitigation`; default true). Read by front ends that
    /// emit the checks (the Wasm translation), not by the backends: the guard is an IR
    /// `select_spectre_guard`, which every backend lowers without a branch.
    pub enable_heap_access_spectre_mitigation: bool,
    /// The same for table element addresses (`enable_table_access_spectre_mitigation`;
    /// default true).
    pub enable_table_access_spectre_mitigation: bool,
}

impl Default for Flags {
    fn default() -> Self {
        Self {
            opt_level: OptLevel::None,
            enable_verifier: true,
            regalloc_checker: false,
            enable_probestack: true,
            probestack_size_log2: 12,
            enable_jump_tables: true,
            enable_float: true,
            enable_simd: true,
            enable_atomics: true,
            enable_llvm_abi_extensions: true,
            is_pic: false,
            unwind_info: true,
            enable_heap_access_spectre_mitigation: true,
            enable_table_access_spectre_mitigation: true,
        }
    }
}

/// A setting that could not be applied. Every variant names the setting.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// No setting of that name (`isa`: the ISA whose flags were searched too).
    #[error("unknown setting `{name}`{}", isa.map(|a| format!(" (neither a shared setting nor an ISA flag of {a})")).unwrap_or_default())]
    Unknown {
        /// The name given.
        name: String,
        /// The ISA whose flags were also searched, if any.
        isa: Option<&'static str>,
    },
    /// The value does not fit the setting.
    #[error("bad value `{value}` for setting `{name}` (expected {expected})")]
    BadValue {
        /// The setting.
        name: String,
        /// The value given.
        value: String,
        /// What the setting takes.
        expected: &'static str,
    },
    /// A well-formed value that Lathe does not honour.
    #[error("setting `{name}={value}` is not supported: {reason}")]
    Rejected {
        /// The setting.
        name: String,
        /// The value given.
        value: String,
        /// Why Lathe cannot honour it.
        reason: &'static str,
    },
}

/// A boolean setting with one value Lathe honours and the reason the other is refused.
struct FixedSetting {
    name: &'static str,
    honoured: bool,
    reason: &'static str,
}

/// The settings of other code generators that Lathe meets in one way only.
const FIXED_SETTINGS: &[FixedSetting] = &[
    FixedSetting { name: "preserve_frame_pointers", honoured: true, reason: "Lathe always keeps frame pointers" },
    FixedSetting {
        name: "enable_multi_ret_implicit_sret",
        honoured: true,
        reason: "Lathe always returns results beyond the return registers through a hidden return area",
    },
    FixedSetting { name: "use_egraphs", honoured: false, reason: "Lathe's mid-end is a rewrite pass, not an e-graph" },
    FixedSetting {
        name: "enable_alias_analysis",
        honoured: false,
        reason: "Lathe's mid-end does no memory alias analysis",
    },
    FixedSetting {
        name: "machine_code_cfg_info",
        honoured: false,
        reason: "Lathe's compiled code records no machine-code block boundaries",
    },
];

/// Every shared setting name, in the order of the module table (for error messages and
/// tests that go through all of them).
pub const SETTING_NAMES: &[&str] = &[
    "opt_level",
    "enable_verifier",
    "regalloc_checker",
    "enable_probestack",
    "probestack_size_log2",
    "probestack_strategy",
    "enable_jump_tables",
    "enable_float",
    "enable_simd",
    "enable_atomics",
    "enable_llvm_abi_extensions",
    "is_pic",
    "unwind_info",
    "preserve_frame_pointers",
    "enable_multi_ret_implicit_sret",
    "use_egraphs",
    "enable_alias_analysis",
    "machine_code_cfg_info",
    "enable_heap_access_spectre_mitigation",
    "enable_table_access_spectre_mitigation",
];

/// Reads a boolean value: `true`/`1`, `false`/`0`; no value means true.
pub fn parse_bool(name: &str, value: Option<&str>) -> Result<bool, SettingError> {
    match value {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(v) => Err(SettingError::BadValue { name: name.into(), value: v.into(), expected: "`true` or `false`" }),
    }
}

fn rejected(name: &str, value: Option<&str>, reason: &'static str) -> SettingError {
    SettingError::Rejected { name: name.into(), value: value.unwrap_or("true").into(), reason }
}

impl Flags {
    /// Applies `name[=value]`, as in a `set` line.
    pub fn set(&mut self, name: &str, value: Option<&str>) -> Result<(), SettingError> {
        let bad = |expected| SettingError::BadValue { name: name.into(), value: value.unwrap_or("").into(), expected };
        match name {
            "opt_level" => {
                self.opt_level = match value {
                    Some("none") => OptLevel::None,
                    Some("speed") => OptLevel::Speed,
                    Some("speed_and_size") => OptLevel::SpeedAndSize,
                    Some("baseline") => OptLevel::Baseline,
                    _ => return Err(bad("`none`, `speed`, `speed_and_size` or `baseline`")),
                }
            }
            "enable_verifier" => self.enable_verifier = parse_bool(name, value)?,
            "regalloc_checker" => self.regalloc_checker = parse_bool(name, value)?,
            "enable_probestack" => self.enable_probestack = parse_bool(name, value)?,
            "probestack_size_log2" => {
                self.probestack_size_log2 = match value.and_then(|v| v.parse::<u8>().ok()) {
                    Some(n @ 8..=24) => n,
                    _ => return Err(bad("a number from 8 to 24")),
                }
            }
            "probestack_strategy" => match value {
                Some("inline") => {}
                Some("outline") => {
                    return Err(rejected(name, value, "Lathe probes the stack inline and calls no probe routine"));
                }
                _ => return Err(bad("`inline` or `outline`")),
            },
            "enable_jump_tables" => self.enable_jump_tables = parse_bool(name, value)?,
            "enable_float" => self.enable_float = parse_bool(name, value)?,
            "enable_simd" => self.enable_simd = parse_bool(name, value)?,
            "enable_atomics" => self.enable_atomics = parse_bool(name, value)?,
            "enable_llvm_abi_extensions" => self.enable_llvm_abi_extensions = parse_bool(name, value)?,
            "is_pic" => self.is_pic = parse_bool(name, value)?,
            "unwind_info" => self.unwind_info = parse_bool(name, value)?,
            "enable_heap_access_spectre_mitigation" => {
                self.enable_heap_access_spectre_mitigation = parse_bool(name, value)?
            }
            "enable_table_access_spectre_mitigation" => {
                self.enable_table_access_spectre_mitigation = parse_bool(name, value)?
            }
            _ => {
                let Some(fixed) = FIXED_SETTINGS.iter().find(|s| s.name == name) else {
                    return Err(SettingError::Unknown { name: name.into(), isa: None });
                };
                if parse_bool(name, value)? != fixed.honoured {
                    return Err(rejected(name, value, fixed.reason));
                }
            }
        }
        Ok(())
    }

    /// The interval in bytes stack probes step by, or `None` when probing is off.
    pub fn stack_probe_interval(&self) -> Option<u32> {
        self.enable_probestack.then(|| 1u32 << self.probestack_size_log2)
    }
}

impl fmt::Display for OptLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
            OptLevel::Baseline => "baseline",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected_reason(r: Result<(), SettingError>) -> &'static str {
        match r {
            Err(SettingError::Rejected { reason, .. }) => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn every_name_is_known_and_checks_its_value() {
        for name in SETTING_NAMES {
            let mut f = Flags::default();
            let e = f.set(name, Some("maybe")).expect_err(name);
            assert!(matches!(e, SettingError::BadValue { .. }), "{name}: {e}");
            assert!(e.to_string().contains(name), "the error names the setting: {e}");
        }
        let e = Flags::default().set("enable_nan_canonicalization", Some("true")).unwrap_err();
        assert_eq!(e.to_string(), "unknown setting `enable_nan_canonicalization`");
    }

    #[test]
    fn typed_settings_change_their_field() {
        let mut f = Flags::default();
        f.set("opt_level", Some("speed")).unwrap();
        assert_eq!(f.opt_level, OptLevel::Speed);
        f.set("opt_level", Some("speed_and_size")).unwrap();
        assert_eq!(f.opt_level, OptLevel::SpeedAndSize);
        f.set("opt_level", Some("baseline")).unwrap();
        assert_eq!((f.opt_level, f.opt_level.to_string().as_str()), (OptLevel::Baseline, "baseline"));
        f.set("regalloc_checker", None).unwrap();
        assert!(f.regalloc_checker);
        f.set("enable_verifier", Some("0")).unwrap();
        assert!(!f.enable_verifier);
        for (name, field) in [
            ("enable_probestack", (|f: &Flags| f.enable_probestack) as fn(&Flags) -> bool),
            ("enable_jump_tables", |f| f.enable_jump_tables),
            ("enable_float", |f| f.enable_float),
            ("enable_simd", |f| f.enable_simd),
            ("enable_atomics", |f| f.enable_atomics),
            ("enable_llvm_abi_extensions", |f| f.enable_llvm_abi_extensions),
            ("is_pic", |f| f.is_pic),
            ("enable_heap_access_spectre_mitigation", |f| f.enable_heap_access_spectre_mitigation),
            ("enable_table_access_spectre_mitigation", |f| f.enable_table_access_spectre_mitigation),
        ] {
            let mut f = Flags::default();
            f.set(name, Some("false")).unwrap();
            assert!(!field(&f), "{name}=false");
            f.set(name, Some("true")).unwrap();
            assert!(field(&f), "{name}=true");
        }
        assert!(f.set("opt_level", Some("fast")).is_err());
    }

    #[test]
    fn probe_settings() {
        let mut f = Flags::default();
        assert_eq!(f.stack_probe_interval(), Some(4096));
        f.set("probestack_size_log2", Some("16")).unwrap();
        assert_eq!(f.stack_probe_interval(), Some(65536));
        assert!(matches!(f.set("probestack_size_log2", Some("7")), Err(SettingError::BadValue { .. })));
        assert!(matches!(f.set("probestack_size_log2", Some("big")), Err(SettingError::BadValue { .. })));
        f.set("enable_probestack", Some("false")).unwrap();
        assert_eq!(f.stack_probe_interval(), None);
        f.set("probestack_strategy", Some("inline")).unwrap();
        assert_eq!(
            rejected_reason(f.set("probestack_strategy", Some("outline"))),
            "Lathe probes the stack inline and calls no probe routine"
        );
    }

    #[test]
    fn unwind_info_is_a_plain_switch() {
        let mut f = Flags::default();
        assert!(f.unwind_info, "on by default");
        f.set("unwind_info", Some("false")).unwrap();
        assert!(!f.unwind_info);
        f.set("unwind_info", None).unwrap();
        assert!(f.unwind_info, "a bare name means true");
    }

    #[test]
    fn fixed_settings_accept_only_the_honoured_value() {
        for s in FIXED_SETTINGS {
            let mut f = Flags::default();
            let honoured = if s.honoured { "true" } else { "false" };
            let other = if s.honoured { "false" } else { "true" };
            f.set(s.name, Some(honoured)).unwrap();
            assert_eq!(f, Flags::default(), "{}: nothing to change", s.name);
            let e = f.set(s.name, Some(other)).unwrap_err();
            assert_eq!(e.to_string(), format!("setting `{}={other}` is not supported: {}", s.name, s.reason));
            assert!(SETTING_NAMES.contains(&s.name), "{} is listed", s.name);
        }
        assert_eq!(
            rejected_reason(Flags::default().set("preserve_frame_pointers", Some("false"))),
            "Lathe always keeps frame pointers"
        );
    }
}
