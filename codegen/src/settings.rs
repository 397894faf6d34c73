//! Shared compiler settings, settable from `set` lines of CLIF files and from the API.

use std::fmt;

/// Boolean settings other code generators take that Lathe accepts with any value and no
/// effect, because what they ask for never changes the meaning of a program under Lathe:
/// Lathe always does it (`enable_llvm_abi_extensions`: `i128` in calls;
/// `enable_multi_ret_implicit_sret`: any number of results; `preserve_frame_pointers`;
/// `enable_probestack`: frames over a page are always probed), or it is an optimisation or
/// hardening toggle without observable effect on a correct program, or a capability Lathe
/// always has. `probestack_strategy` (`inline`/`outline`) and `probestack_size_log2` are
/// accepted on the same terms. Settings that change meaning (NaN canonicalisation, a
/// pinned register) are not in the list and stay unknown.
pub const FIXED_BOOL_SETTINGS: &[&str] = &[
    "enable_llvm_abi_extensions",
    "enable_multi_ret_implicit_sret",
    "preserve_frame_pointers",
    "enable_probestack",
    "unwind_info",
    "enable_alias_analysis",
    "enable_jump_tables",
    "use_egraphs",
    "is_pic",
    "enable_heap_access_spectre_mitigation",
    "enable_table_access_spectre_mitigation",
    "enable_atomics",
    "enable_float",
    "enable_simd",
    "machine_code_cfg_info",
];

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
}

/// The shared settings.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Flags {
    /// Optimization level (`opt_level=none|speed|speed_and_size`).
    pub opt_level: OptLevel,
    /// Run the verifier before compiling (`enable_verifier=true|false`; default true).
    pub enable_verifier: bool,
    /// Check the register allocation with regalloc2's checker (`regalloc_checker`;
    /// default false; the test harness turns it on).
    pub regalloc_checker: bool,
}

impl Default for Flags {
    fn default() -> Self {
        Self { opt_level: OptLevel::None, enable_verifier: true, regalloc_checker: false }
    }
}

/// A setting that could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// No setting of that name.
    #[error("unknown setting `{0}`")]
    Unknown(String),
    /// The value does not fit the setting.
    #[error("bad value `{value}` for setting `{name}`")]
    BadValue {
        /// The setting.
        name: String,
        /// The value given.
        value: String,
    },
}

fn parse_bool(name: &str, value: Option<&str>) -> Result<bool, SetError> {
    match value {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(v) => Err(SetError::BadValue { name: name.into(), value: v.into() }),
    }
}

impl Flags {
    /// Applies `name[=value]`, as in a `set` line.
    pub fn set(&mut self, name: &str, value: Option<&str>) -> Result<(), SetError> {
        match name {
            "opt_level" => {
                self.opt_level = match value {
                    Some("none") => OptLevel::None,
                    Some("speed") => OptLevel::Speed,
                    Some("speed_and_size") => OptLevel::SpeedAndSize,
                    v => {
                        return Err(SetError::BadValue { name: name.into(), value: v.unwrap_or("").into() });
                    }
                }
            }
            "enable_verifier" => self.enable_verifier = parse_bool(name, value)?,
            "regalloc_checker" => self.regalloc_checker = parse_bool(name, value)?,
            "probestack_strategy" => match value {
                Some("inline" | "outline") => {}
                v => return Err(SetError::BadValue { name: name.into(), value: v.unwrap_or("").into() }),
            },
            "probestack_size_log2" => {
                if value.and_then(|v| v.parse::<u8>().ok()).is_none() {
                    return Err(SetError::BadValue { name: name.into(), value: value.unwrap_or("").into() });
                }
            }
            _ if FIXED_BOOL_SETTINGS.contains(&name) => {
                parse_bool(name, value)?;
            }
            _ => return Err(SetError::Unknown(name.into())),
        }
        Ok(())
    }
}

impl fmt::Display for OptLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_without_effect_are_accepted_and_checked() {
        let mut f = Flags::default();
        for name in FIXED_BOOL_SETTINGS {
            f.set(name, Some("true")).unwrap();
            f.set(name, Some("false")).unwrap();
            assert!(f.set(name, Some("maybe")).is_err(), "{name}");
        }
        f.set("probestack_strategy", Some("inline")).unwrap();
        assert!(f.set("probestack_strategy", Some("sideways")).is_err());
        f.set("probestack_size_log2", Some("12")).unwrap();
        assert!(f.set("probestack_size_log2", Some("big")).is_err());
        assert_eq!(f, Flags::default(), "none of them changes a flag");
        assert!(matches!(f.set("enable_nan_canonicalization", Some("true")), Err(SetError::Unknown(_))));
    }

    #[test]
    fn settings_parse() {
        let mut f = Flags::default();
        f.set("opt_level", Some("speed")).unwrap();
        f.set("regalloc_checker", None).unwrap();
        assert_eq!(f.opt_level, OptLevel::Speed);
        assert!(f.regalloc_checker);
        assert!(f.set("opt_level", Some("fast")).is_err());
        assert!(f.set("nonsense", None).is_err());
    }
}
