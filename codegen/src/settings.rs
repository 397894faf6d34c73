//! Shared compiler settings, settable from `set` lines of CLIF files and from the API.

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
