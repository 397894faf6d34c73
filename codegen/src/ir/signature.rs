//! Signatures: calling conventions, parameters and results with their ABI attributes.
//! Shared by the data-flow graph (call signatures) and the function (its own signature),
//! and by every backend's ABI layer.

use super::types::Type;
use std::fmt;
use std::str::FromStr;

/// A calling convention. A target triple's default is `CallConv::triple_default`, defined
/// in `crate::isa` so that the IR knows nothing about targets.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub enum CallConv {
    /// The backend's choice, for calls within one compilation unit.
    #[default]
    Fast,
    /// Like `fast`, and supports tail calls (`return_call`).
    Tail,
    /// The System V ABI of Unix-like systems.
    SystemV,
    /// The Windows x64 ABI.
    WindowsFastcall,
    /// The Apple variant of AAPCS64.
    AppleAarch64,
    /// Arguments as the platform convention, but the callee preserves every register
    /// except the result registers (for calls on cold paths that must not disturb the
    /// caller's registers).
    PreserveAll,
    /// Wasmtime's baseline-compiler convention. Read and printed so files that use it
    /// parse; no Lathe backend implements it.
    Winch,
}

impl CallConv {
    /// Every convention.
    pub const ALL: [CallConv; 7] = [
        CallConv::Fast,
        CallConv::Tail,
        CallConv::SystemV,
        CallConv::WindowsFastcall,
        CallConv::AppleAarch64,
        CallConv::PreserveAll,
        CallConv::Winch,
    ];
    /// The text name.
    pub fn name(self) -> &'static str {
        match self {
            CallConv::Fast => "fast",
            CallConv::Tail => "tail",
            CallConv::SystemV => "system_v",
            CallConv::WindowsFastcall => "windows_fastcall",
            CallConv::AppleAarch64 => "apple_aarch64",
            CallConv::PreserveAll => "preserve_all",
            CallConv::Winch => "winch",
        }
    }
}

impl fmt::Display for CallConv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CallConv {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        CallConv::ALL.iter().copied().find(|c| c.name() == s).ok_or(())
    }
}

/// How a narrow integer argument or return value is extended to register width.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub enum ArgumentExtension {
    /// Not extended: the upper bits are undefined.
    #[default]
    None,
    /// Zero-extended (`uext`).
    Uext,
    /// Sign-extended (`sext`).
    Sext,
}

/// What a parameter is for, beyond carrying a value.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub enum ArgumentPurpose {
    /// An ordinary value.
    #[default]
    Normal,
    /// The address of the memory for returned structs (`sret`).
    StructReturn,
    /// The VM context pointer (`vmctx`).
    VMContext,
}

/// One parameter or return value of a signature.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct AbiParam {
    /// Its type.
    pub value_type: Type,
    /// How it is extended.
    pub extension: ArgumentExtension,
    /// What it is for.
    pub purpose: ArgumentPurpose,
}

impl AbiParam {
    /// An ordinary parameter of type `ty`.
    pub fn new(ty: Type) -> Self {
        Self { value_type: ty, extension: ArgumentExtension::None, purpose: ArgumentPurpose::Normal }
    }
    /// The same parameter, zero-extended.
    pub fn uext(mut self) -> Self {
        self.extension = ArgumentExtension::Uext;
        self
    }
    /// The same parameter, sign-extended.
    pub fn sext(mut self) -> Self {
        self.extension = ArgumentExtension::Sext;
        self
    }
    /// A parameter with a special purpose.
    pub fn special(ty: Type, purpose: ArgumentPurpose) -> Self {
        Self { purpose, ..Self::new(ty) }
    }
}

impl fmt::Display for AbiParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value_type)?;
        match self.extension {
            ArgumentExtension::None => {}
            ArgumentExtension::Uext => f.write_str(" uext")?,
            ArgumentExtension::Sext => f.write_str(" sext")?,
        }
        match self.purpose {
            ArgumentPurpose::Normal => {}
            ArgumentPurpose::StructReturn => f.write_str(" sret")?,
            ArgumentPurpose::VMContext => f.write_str(" vmctx")?,
        }
        Ok(())
    }
}

/// A function signature: parameters, returns and calling convention.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Signature {
    /// The parameters.
    pub params: Vec<AbiParam>,
    /// The return values.
    pub returns: Vec<AbiParam>,
    /// The calling convention.
    pub call_conv: CallConv,
}

impl Signature {
    /// An empty signature with the given convention.
    pub fn new(call_conv: CallConv) -> Self {
        Self { params: Vec::new(), returns: Vec::new(), call_conv }
    }
}

impl fmt::Display for Signature {
    /// `(i32, i64) -> i32 system_v`, as in the text format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{p}")?;
        }
        f.write_str(")")?;
        if !self.returns.is_empty() {
            f.write_str(" -> ")?;
            for (i, p) in self.returns.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{p}")?;
            }
        }
        write!(f, " {}", self.call_conv)
    }
}
