//! A function: its name and signature, the preamble entities (stack slots, global values,
//! signatures, external functions), the data-flow graph, the layout and source locations.
//! Also the types those entities are made of.

use super::MemFlags;
use super::dfg::DataFlowGraph;
use super::entities::{GlobalValue, Inst, SigRef, StackSlot};
use super::immediates::{Imm64, Offset32};
use super::layout::Layout;
use super::types::Type;
use crate::entity::{PrimaryMap, SecondaryMap};
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
}

impl CallConv {
    /// Every convention.
    pub const ALL: [CallConv; 5] =
        [CallConv::Fast, CallConv::Tail, CallConv::SystemV, CallConv::WindowsFastcall, CallConv::AppleAarch64];
    /// The text name.
    pub fn name(self) -> &'static str {
        match self {
            CallConv::Fast => "fast",
            CallConv::Tail => "tail",
            CallConv::SystemV => "system_v",
            CallConv::WindowsFastcall => "windows_fastcall",
            CallConv::AppleAarch64 => "apple_aarch64",
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

/// The name of a function or symbol.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExternalName {
    /// A user-defined name `u<namespace>:<index>`, for embedders that number their symbols.
    User {
        /// The namespace.
        namespace: u32,
        /// The index in the namespace.
        index: u32,
    },
    /// A name written `%name` in text, as in tests.
    TestCase(String),
    /// A runtime routine a backend calls for an operation it has no instructions for
    /// (written `%CeilF32` and so on; made by legalization, never read from text).
    LibCall(super::LibCall),
}

impl Default for ExternalName {
    fn default() -> Self {
        ExternalName::User { namespace: 0, index: 0 }
    }
}

impl fmt::Display for ExternalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternalName::User { namespace, index } => write!(f, "u{namespace}:{index}"),
            ExternalName::TestCase(name) => write!(f, "%{name}"),
            ExternalName::LibCall(l) => write!(f, "%{l}"),
        }
    }
}

/// A declared external function (`fn0 = colocated %f sig0`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ExtFuncData {
    /// Its name.
    pub name: ExternalName,
    /// Its signature.
    pub signature: SigRef,
    /// Whether it is in the same compilation unit (so a near call reaches it).
    pub colocated: bool,
}

/// The kind of a stack slot.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum StackSlotKind {
    /// Memory the function reads and writes explicitly (`explicit_slot`).
    ExplicitSlot,
}

/// A stack slot declaration.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct StackSlotData {
    /// The kind.
    pub kind: StackSlotKind,
    /// Size in bytes.
    pub size: u32,
    /// log2 of the alignment in bytes.
    pub align_shift: u8,
}

impl StackSlotData {
    /// An explicit slot of `size` bytes aligned to `2^align_shift`.
    pub fn new(kind: StackSlotKind, size: u32, align_shift: u8) -> Self {
        Self { kind, size, align_shift }
    }
}

impl fmt::Display for StackSlotData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            StackSlotKind::ExplicitSlot => write!(f, "explicit_slot {}", self.size)?,
        }
        if self.align_shift != 0 {
            write!(f, ", align = {}", 1u64 << self.align_shift)?;
        }
        Ok(())
    }
}

/// A global value declaration.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum GlobalValueData {
    /// The VM context pointer passed as the function's `vmctx` parameter.
    VMContext,
    /// A value loaded from `base + offset`.
    Load {
        /// The global value holding the address.
        base: GlobalValue,
        /// Byte offset added to the address.
        offset: Offset32,
        /// Type of the loaded value.
        global_type: Type,
        /// Flags of the load.
        flags: MemFlags,
    },
    /// `base + offset`.
    IAddImm {
        /// The base global value.
        base: GlobalValue,
        /// The constant added.
        offset: Imm64,
        /// Type of the result.
        global_type: Type,
    },
    /// The address of a symbol plus an offset.
    Symbol {
        /// The symbol.
        name: ExternalName,
        /// Byte offset from the symbol.
        offset: Imm64,
        /// Whether the symbol is in the same compilation unit.
        colocated: bool,
        /// Whether it is a thread-local symbol.
        tls: bool,
    },
}

/// A source location: an opaque 32-bit offset chosen by the producer (for Wasm, the byte
/// offset in the module). Written `@xxxx` in hex before an instruction.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct SourceLoc(u32);

impl SourceLoc {
    /// A location; `u32::MAX` is reserved for "no location".
    pub fn new(bits: u32) -> Self {
        SourceLoc(bits)
    }
    /// Whether this is the default "no location".
    pub fn is_default(self) -> bool {
        self.0 == u32::MAX
    }
    /// The offset.
    pub fn bits(self) -> u32 {
        self.0
    }
}

impl Default for SourceLoc {
    fn default() -> Self {
        SourceLoc(u32::MAX)
    }
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_default() { f.write_str("@-") } else { write!(f, "@{:04x}", self.0) }
    }
}

/// A function of the IR.
#[derive(Clone, Debug, Default)]
pub struct Function {
    /// Its name.
    pub name: ExternalName,
    /// Its signature.
    pub signature: Signature,
    /// Stack slots.
    pub stack_slots: PrimaryMap<StackSlot, StackSlotData>,
    /// Global values.
    pub global_values: PrimaryMap<GlobalValue, GlobalValueData>,
    /// Instructions, values, blocks and the tables they use.
    pub dfg: DataFlowGraph,
    /// Order of blocks and instructions.
    pub layout: Layout,
    /// Source location of each instruction (the default where none was given).
    pub srclocs: SecondaryMap<Inst, SourceLoc>,
}

impl Function {
    /// An empty function with a name and signature.
    pub fn with_name_signature(name: ExternalName, signature: Signature) -> Self {
        Self { name, signature, ..Self::default() }
    }

    /// An empty function named `%name`.
    pub fn new_test(name: &str, signature: Signature) -> Self {
        Self::with_name_signature(ExternalName::TestCase(name.to_string()), signature)
    }

    /// Adds a stack slot.
    pub fn create_stack_slot(&mut self, data: StackSlotData) -> StackSlot {
        self.stack_slots.push(data)
    }

    /// Adds a global value.
    pub fn create_global_value(&mut self, data: GlobalValueData) -> GlobalValue {
        self.global_values.push(data)
    }

    /// Adds a signature for calls.
    pub fn import_signature(&mut self, sig: Signature) -> SigRef {
        self.dfg.signatures.push(sig)
    }

    /// Declares an external function.
    pub fn import_function(&mut self, data: ExtFuncData) -> super::FuncRef {
        self.dfg.ext_funcs.push(data)
    }

    /// The entry block.
    pub fn entry_block(&self) -> Option<super::Block> {
        self.layout.entry_block()
    }

    /// Number of instructions in the layout.
    pub fn num_placed_insts(&self) -> usize {
        self.layout.blocks().map(|b| self.layout.block_insts(b).count()).sum()
    }

    /// Sets the source location of `inst`.
    pub fn set_srcloc(&mut self, inst: Inst, loc: SourceLoc) {
        self.srclocs[inst] = loc;
    }
}
