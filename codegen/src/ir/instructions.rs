//! Instructions: the [`Opcode`] enum and its properties (generated from the opcode table in
//! `opcodes.rs`), the instruction formats, and [`InstructionData`], the operands of one
//! instruction.
//!
//! Invariant: the variant of an `InstructionData` is the format named for its opcode in the
//! table (`data.opcode().format() == data.format()`); builders and the reader keep it, the
//! verifier checks it.

use super::entities::{Block, Constant, ExceptionTable, FuncRef, GlobalValue, JumpTable, SigRef, StackSlot, Value};
use super::immediates::{Ieee16, Ieee32, Ieee64, Imm64, Offset32};
use super::types::{self, Type};
use super::{AtomicRmwOp, FloatCC, IntCC, MemFlags, TrapCode};
use crate::entity::{EntityList, ListPool, PrimaryMap};
use std::fmt;

/// A list of values in the function's value-list pool.
pub type ValueList = EntityList<Value>;
/// The pool that holds every [`ValueList`] of a function.
pub type ValueListPool = ListPool<Value>;

/// Where the controlling type variable of an opcode comes from.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum CtrlSource {
    /// Written as a `.type` suffix; equal to the type of the first result.
    Explicit,
    /// The type of the value operand with this index.
    Arg(u8),
    /// The opcode has no controlling type.
    None,
}

/// A set of types the controlling type of an opcode may take.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum TypeSet {
    /// Any type.
    Any,
    /// Integer scalars and integer vectors.
    Int,
    /// Integer scalars `i8`..`i128`.
    IntScalar,
    /// Integer scalars `i8`..`i64`.
    IntScalarNo128,
    /// Integer scalars `i16`..`i128` (those `isplit` can halve).
    IntScalarSplittable,
    /// Float scalars and float vectors.
    Float,
    /// An address: `i32` or `i64`.
    Addr,
    /// Any vector.
    Vector,
    /// Integer vectors.
    IntVector,
    /// Integer vectors with lanes of at least 16 bits (they can be narrowed).
    IntVectorSplittable,
    /// Integer vectors with lanes of at most 32 bits (they can be widened).
    IntVectorMergeable,
    /// Integer vectors with 16- or 32-bit lanes (the fixed-point Q15 and Q31 formats).
    IntVector16Or32,
    /// Exactly `i8x16`.
    I8x16,
}

impl TypeSet {
    /// Whether `ty` is in the set.
    pub fn contains(self, ty: Type) -> bool {
        if ty.is_invalid() {
            return false;
        }
        match self {
            TypeSet::Any => true,
            TypeSet::Int => ty.is_int(),
            TypeSet::IntScalar => ty.is_int_scalar(),
            TypeSet::IntScalarNo128 => ty.is_int_scalar() && ty.bits() <= 64,
            TypeSet::IntScalarSplittable => ty.is_int_scalar() && ty.bits() >= 16,
            TypeSet::Float => ty.is_float(),
            TypeSet::Addr => ty == types::I32 || ty == types::I64,
            TypeSet::Vector => ty.is_vector(),
            TypeSet::IntVector => ty.is_vector() && ty.is_int(),
            TypeSet::IntVectorSplittable => ty.is_vector() && ty.is_int() && ty.lane_bits() >= 16,
            TypeSet::IntVectorMergeable => ty.is_vector() && ty.is_int() && ty.lane_bits() <= 32,
            TypeSet::IntVector16Or32 => ty.is_vector() && ty.is_int() && matches!(ty.lane_bits(), 16 | 32),
            TypeSet::I8x16 => ty == types::I8X16,
        }
    }

    /// A short description for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            TypeSet::Any => "any type",
            TypeSet::Int => "an integer or integer vector type",
            TypeSet::IntScalar => "an integer type",
            TypeSet::IntScalarNo128 => "an integer type of at most 64 bits",
            TypeSet::IntScalarSplittable => "an integer type of at least 16 bits",
            TypeSet::Float => "a float or float vector type",
            TypeSet::Addr => "an address type (i32 or i64)",
            TypeSet::Vector => "a vector type",
            TypeSet::IntVector => "an integer vector type",
            TypeSet::IntVectorSplittable => "an integer vector type with lanes of 16 bits or more",
            TypeSet::IntVectorMergeable => "an integer vector type with lanes of 32 bits or less",
            TypeSet::IntVector16Or32 => "an integer vector type with 16- or 32-bit lanes",
            TypeSet::I8x16 => "i8x16",
        }
    }
}

/// A type constraint on one operand or result, relative to the controlling type `T`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Constraint {
    /// Exactly `T`.
    Ctrl,
    /// Any integer scalar.
    AnyIntScalar,
    /// An address: `i32` or `i64`.
    Addr,
    /// Exactly `i8`.
    I8,
    /// Exactly `i32`.
    I32,
    /// Exactly `f32`.
    F32,
    /// Exactly `f64`.
    F64,
    /// Exactly `f16`.
    F16,
    /// Exactly `f128`.
    F128,
    /// Exactly `i8x16`.
    I8x16,
    /// Exactly `i16x8`.
    I16x8,
    /// Exactly `i32x4`.
    I32x4,
    /// Exactly `i64x2`.
    I64x2,
    /// Exactly `f32x4`.
    F32x4,
    /// Exactly `f64x2`.
    F64x2,
    /// `i8` when `T` is a scalar; `T` as integer lanes when `T` is a vector.
    CmpResult,
    /// `T` at half the lane width.
    HalfWidth,
    /// `T` at double the lane width.
    DoubleWidth,
    /// The same kind as `T` (integer or float), same lane count, fewer bits per lane.
    Narrower,
    /// The same kind as `T`, same lane count, more bits per lane.
    Wider,
    /// Any type with the same total number of bits as `T`.
    SameSize,
    /// Any integer type with the lane count of `T`.
    IntSameLanes,
    /// Any float type with the lane count of `T`.
    FloatSameLanes,
    /// The lane type of `T`.
    Lane,
    /// Any vector type.
    AnyVector,
    /// Half-width lanes, twice as many.
    SplitLanes,
    /// Double-width lanes, half as many.
    MergeLanes,
}

impl Constraint {
    /// The single type this constraint allows given the controlling type, if it allows
    /// exactly one. Result types are always computed through this.
    pub fn resolve(self, ctrl: Type) -> Option<Type> {
        match self {
            Constraint::Ctrl => (!ctrl.is_invalid()).then_some(ctrl),
            Constraint::I8 => Some(types::I8),
            Constraint::I32 => Some(types::I32),
            Constraint::F32 => Some(types::F32),
            Constraint::F64 => Some(types::F64),
            Constraint::F16 => Some(types::F16),
            Constraint::F128 => Some(types::F128),
            Constraint::I8x16 => Some(types::I8X16),
            Constraint::I16x8 => Some(types::I16X8),
            Constraint::I32x4 => Some(types::I32X4),
            Constraint::I64x2 => Some(types::I64X2),
            Constraint::F32x4 => Some(types::F32X4),
            Constraint::F64x2 => Some(types::F64X2),
            Constraint::CmpResult => {
                if ctrl.is_vector() {
                    Some(ctrl.as_int())
                } else {
                    Some(types::I8)
                }
            }
            Constraint::HalfWidth => ctrl.half_width(),
            Constraint::DoubleWidth => ctrl.double_width(),
            Constraint::Lane => (!ctrl.is_invalid()).then(|| ctrl.lane_type()),
            Constraint::SplitLanes => ctrl.split_lanes(),
            Constraint::MergeLanes => ctrl.merge_lanes(),
            _ => None,
        }
    }

    /// Whether `ty` satisfies the constraint given the controlling type.
    pub fn allows(self, ty: Type, ctrl: Type) -> bool {
        if ty.is_invalid() {
            return false;
        }
        match self {
            Constraint::AnyIntScalar => ty.is_int_scalar(),
            Constraint::Addr => ty == types::I32 || ty == types::I64,
            Constraint::Narrower => {
                ty.lane_count() == ctrl.lane_count()
                    && ty.is_int() == ctrl.is_int()
                    && ty.is_float() == ctrl.is_float()
                    && ty.lane_bits() < ctrl.lane_bits()
            }
            Constraint::Wider => {
                ty.lane_count() == ctrl.lane_count()
                    && ty.is_int() == ctrl.is_int()
                    && ty.is_float() == ctrl.is_float()
                    && ty.lane_bits() > ctrl.lane_bits()
            }
            Constraint::SameSize => ty.bits() == ctrl.bits(),
            Constraint::IntSameLanes => ty.is_int() && ty.lane_count() == ctrl.lane_count(),
            Constraint::FloatSameLanes => ty.is_float() && ty.lane_count() == ctrl.lane_count(),
            Constraint::AnyVector => ty.is_vector(),
            other => other.resolve(ctrl) == Some(ty),
        }
    }

    /// A short description for error messages.
    pub fn describe(self, ctrl: Type) -> String {
        match self.resolve(ctrl) {
            Some(t) => t.to_string(),
            None => match self {
                Constraint::AnyIntScalar => "an integer".into(),
                Constraint::Addr => "an address type (i32 or i64)".into(),
                Constraint::Narrower => format!("a type narrower than {ctrl}"),
                Constraint::Wider => format!("a type wider than {ctrl}"),
                Constraint::SameSize => format!("a type of {} bits", ctrl.bits()),
                Constraint::IntSameLanes => format!("an integer type with {} lane(s)", ctrl.lane_count()),
                Constraint::FloatSameLanes => format!("a float type with {} lane(s)", ctrl.lane_count()),
                Constraint::AnyVector => "a vector type".into(),
                _ => format!("a type derived from {ctrl} (none exists)"),
            },
        }
    }
}

/// Properties of an opcode, as bit flags.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct OpcodeFlags(pub u16);

impl OpcodeFlags {
    /// Ends a block.
    pub const TERMINATOR: u16 = 1 << 0;
    /// Transfers control to blocks of this function.
    pub const BRANCH: u16 = 1 << 1;
    /// Calls a function.
    pub const CALL: u16 = 1 << 2;
    /// Leaves the function (returns or tail-calls).
    pub const RETURN: u16 = 1 << 3;
    /// May trap.
    pub const TRAP: u16 = 1 << 4;
    /// Reads memory.
    pub const LOAD: u16 = 1 << 5;
    /// Writes memory.
    pub const STORE: u16 = 1 << 6;
    /// Has another effect that must not be removed or reordered.
    pub const EFFECTS: u16 = 1 << 7;
}

#[doc(hidden)]
#[macro_export]
macro_rules! __opcode_flag {
    (terminator) => {
        $crate::ir::OpcodeFlags::TERMINATOR
    };
    (branch) => {
        $crate::ir::OpcodeFlags::BRANCH
    };
    (call) => {
        $crate::ir::OpcodeFlags::CALL
    };
    (ret) => {
        $crate::ir::OpcodeFlags::RETURN
    };
    (trap) => {
        $crate::ir::OpcodeFlags::TRAP
    };
    (load) => {
        $crate::ir::OpcodeFlags::LOAD
    };
    (store) => {
        $crate::ir::OpcodeFlags::STORE
    };
    (effects) => {
        $crate::ir::OpcodeFlags::EFFECTS
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __ctrl_source {
    (explicit) => {
        $crate::ir::CtrlSource::Explicit
    };
    (arg0) => {
        $crate::ir::CtrlSource::Arg(0)
    };
    (arg1) => {
        $crate::ir::CtrlSource::Arg(1)
    };
    (nocontrol) => {
        $crate::ir::CtrlSource::None
    };
}

/// Everything the table says about one opcode.
#[derive(Debug)]
pub struct OpcodeInfo {
    /// The text name (`iadd`).
    pub name: &'static str,
    /// The instruction format.
    pub format: InstructionFormat,
    /// Where the controlling type comes from.
    pub ctrl: CtrlSource,
    /// The types the controlling type may take.
    pub ctrl_types: TypeSet,
    /// Constraints on the fixed value operands, in order.
    pub args: &'static [Constraint],
    /// Constraints on the results (calls take theirs from the signature).
    pub results: &'static [Constraint],
    /// Properties.
    pub flags: OpcodeFlags,
    /// The one-paragraph description from the table.
    pub doc: &'static str,
}

macro_rules! define_opcodes {
    ($( $(#[doc = $doc:literal])* $v:ident $m:ident $s:literal $fmt:ident $ctrl:ident $ts:ident
        [$($a:ident),*] [$($r:ident),*] [$($f:ident)*]; )*) => {
        /// An IR opcode. See `docs/ir.md` for the semantics of each.
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Opcode {
            $( $(#[doc = $doc])* $v, )*
        }

        impl Opcode {
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$v),*];
        }

        static OPCODE_INFO: &[OpcodeInfo] = &[$(
            OpcodeInfo {
                name: $s,
                format: InstructionFormat::$fmt,
                ctrl: $crate::__ctrl_source!($ctrl),
                ctrl_types: TypeSet::$ts,
                args: &[$(Constraint::$a),*],
                results: &[$(Constraint::$r),*],
                flags: OpcodeFlags(0 $(| $crate::__opcode_flag!($f))*),
                doc: concat!($($doc, "\n"),*),
            },
        )*];
    };
}

crate::for_each_opcode!(define_opcodes);

impl Opcode {
    /// The table entry of this opcode.
    #[inline]
    pub fn info(self) -> &'static OpcodeInfo {
        &OPCODE_INFO[self as usize]
    }
    /// The text name.
    pub fn name(self) -> &'static str {
        self.info().name
    }
    /// The instruction format.
    pub fn format(self) -> InstructionFormat {
        self.info().format
    }
    /// Looks an opcode up by its text name.
    pub fn from_name(name: &str) -> Option<Opcode> {
        // A sorted index, built once; opcode names are looked up for every parsed
        // instruction.
        static INDEX: std::sync::OnceLock<Vec<(&'static str, Opcode)>> = std::sync::OnceLock::new();
        let index = INDEX.get_or_init(|| {
            let mut v: Vec<_> = Opcode::ALL.iter().map(|&op| (op.name(), op)).collect();
            v.sort_unstable_by_key(|&(n, _)| n);
            v
        });
        index.binary_search_by_key(&name, |&(n, _)| n).ok().map(|i| index[i].1)
    }
    fn has(self, flag: u16) -> bool {
        self.info().flags.0 & flag != 0
    }
    /// Whether the instruction ends a block.
    pub fn is_terminator(self) -> bool {
        self.has(OpcodeFlags::TERMINATOR)
    }
    /// Whether the instruction branches to blocks of this function.
    pub fn is_branch(self) -> bool {
        self.has(OpcodeFlags::BRANCH)
    }
    /// Whether the instruction calls a function.
    pub fn is_call(self) -> bool {
        self.has(OpcodeFlags::CALL)
    }
    /// Whether the instruction leaves the function (`return`, `return_call*`).
    pub fn is_return(self) -> bool {
        self.has(OpcodeFlags::RETURN)
    }
    /// Whether the instruction may trap.
    pub fn can_trap(self) -> bool {
        self.has(OpcodeFlags::TRAP)
    }
    /// Whether the instruction reads memory.
    pub fn can_load(self) -> bool {
        self.has(OpcodeFlags::LOAD)
    }
    /// Whether the instruction writes memory.
    pub fn can_store(self) -> bool {
        self.has(OpcodeFlags::STORE)
    }
    /// Whether the instruction may change memory: a store of any kind, an atomic, a call,
    /// or an instruction with other effects (`fence`, `debugtrap`, ...), which the
    /// mid-end treats as changing all of it.
    pub fn may_write_memory(self) -> bool {
        self.has(OpcodeFlags::STORE | OpcodeFlags::CALL | OpcodeFlags::EFFECTS)
    }
    /// Whether the instruction has an effect beyond its results, so it may not be removed
    /// when they are unused, nor reordered with other such instructions.
    pub fn has_side_effects(self) -> bool {
        self.has(
            OpcodeFlags::TERMINATOR | OpcodeFlags::CALL | OpcodeFlags::TRAP | OpcodeFlags::STORE | OpcodeFlags::EFFECTS,
        )
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The shape of an instruction: which immediates and how many value operands it has.
/// Each format is one variant of [`InstructionData`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[allow(missing_docs)]
pub enum InstructionFormat {
    Nullary,
    Unary,
    UnaryImm,
    UnaryIeee32,
    UnaryIeee64,
    UnaryIeee16,
    UnaryConst,
    UnaryGlobalValue,
    Binary,
    BinaryImm64,
    BinaryImm8,
    Ternary,
    TernaryImm8,
    Shuffle,
    IntCompare,
    IntCompareImm,
    FloatCompare,
    Load,
    Store,
    LoadNoOffset,
    StoreNoOffset,
    StackLoad,
    StackStore,
    FuncAddr,
    AtomicRmw,
    AtomicCas,
    Jump,
    Brif,
    BranchTable,
    MultiAry,
    Trap,
    CondTrap,
    IntAddTrap,
    Call,
    CallIndirect,
    TryCall,
    TryCallIndirect,
}

/// A branch destination: a block and the arguments passed to its parameters.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct BlockCall {
    /// The destination block.
    pub block: Block,
    /// The arguments, one per block parameter.
    pub args: ValueList,
}

impl BlockCall {
    /// A call of `block` with `args`.
    pub fn new(block: Block, args: &[Value], pool: &mut ValueListPool) -> Self {
        BlockCall { block, args: ValueList::from_slice(args, pool) }
    }
    /// The arguments.
    pub fn args_slice(self, pool: &ValueListPool) -> &[Value] {
        self.args.as_slice(pool)
    }
}

/// A jump table: the default destination first, then the table entries in index order.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct JumpTableData {
    entries: Vec<BlockCall>,
}

impl JumpTableData {
    /// A table with a default destination and entries.
    pub fn new(default: BlockCall, table: &[BlockCall]) -> Self {
        let mut entries = Vec::with_capacity(table.len() + 1);
        entries.push(default);
        entries.extend_from_slice(table);
        Self { entries }
    }
    /// The destination for an out-of-range index.
    pub fn default_block(&self) -> BlockCall {
        self.entries[0]
    }
    /// The entries for indices `0..len`.
    pub fn as_slice(&self) -> &[BlockCall] {
        &self.entries[1..]
    }
    /// The default followed by every entry.
    pub fn all_branches(&self) -> &[BlockCall] {
        &self.entries
    }
    /// The default followed by every entry, mutably.
    pub fn all_branches_mut(&mut self) -> &mut [BlockCall] {
        &mut self.entries
    }
}

/// One argument of a branch destination, as the value lists store it. Only the
/// destinations of `try_call*` may hold the non-value kinds: `retN` (the callee's N-th
/// return value, on the normal destination) and `exnN` (the N-th exception payload, on a
/// handler).
///
/// Note: the kind is kept in the top two bits of the stored `Value` number, so every
/// value list stays a plain list of `Value`s and passes that only rename values need no
/// change; [`BlockArg::decode`] tells them apart. The reader refuses value numbers that
/// reach those bits ([`BlockArg::MAX_INDEX`]).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum BlockArg {
    /// An ordinary SSA value.
    Value(Value),
    /// `retN`: the N-th return value of the callee of a `try_call`.
    TryCallRet(u32),
    /// `exnN`: the N-th payload value of the exception a handler caught.
    TryCallExn(u32),
}

const BLOCK_ARG_SHIFT: u32 = 30;
const BLOCK_ARG_RET: u32 = 1 << BLOCK_ARG_SHIFT;
const BLOCK_ARG_EXN: u32 = 2 << BLOCK_ARG_SHIFT;

impl BlockArg {
    /// The largest value number or `retN`/`exnN` index that can be stored.
    pub const MAX_INDEX: u32 = BLOCK_ARG_RET - 1;

    /// The form stored in a value list.
    pub fn encode(self) -> Value {
        match self {
            BlockArg::Value(v) => v,
            BlockArg::TryCallRet(n) => Value::from_u32(BLOCK_ARG_RET | (n & Self::MAX_INDEX)),
            BlockArg::TryCallExn(n) => Value::from_u32(BLOCK_ARG_EXN | (n & Self::MAX_INDEX)),
        }
    }

    /// Reads a stored argument back.
    pub fn decode(v: Value) -> BlockArg {
        let bits = v.as_u32();
        match bits >> BLOCK_ARG_SHIFT {
            1 => BlockArg::TryCallRet(bits & Self::MAX_INDEX),
            2 => BlockArg::TryCallExn(bits & Self::MAX_INDEX),
            _ => BlockArg::Value(v),
        }
    }

    /// The value, if this is an ordinary value.
    pub fn as_value(self) -> Option<Value> {
        match self {
            BlockArg::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the stored argument `v` is an ordinary value (not `retN`/`exnN`).
    pub fn is_value(v: Value) -> bool {
        v.as_u32() >> BLOCK_ARG_SHIFT == 0
    }
}

impl fmt::Display for BlockArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockArg::Value(v) => write!(f, "{v}"),
            BlockArg::TryCallRet(n) => write!(f, "ret{n}"),
            BlockArg::TryCallExn(n) => write!(f, "exn{n}"),
        }
    }
}

/// The exception table of a `try_call`: the callee's signature, an optional context value
/// (opaque to Lathe; kept for the unwinder of an embedder), the normal-return destination
/// and the catch handlers in order, each with a tag (`None` for `default`).
///
/// Invariant: `dests` is the normal destination followed by one entry per handler, so
/// `dests.len() == tags.len() + 1`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ExceptionTableData {
    sig: SigRef,
    context: Option<Value>,
    dests: Vec<BlockCall>,
    tags: Vec<Option<u32>>,
}

impl ExceptionTableData {
    /// A table for a callee of signature `sig`.
    pub fn new(sig: SigRef, context: Option<Value>, normal: BlockCall, handlers: &[(Option<u32>, BlockCall)]) -> Self {
        let mut dests = Vec::with_capacity(handlers.len() + 1);
        dests.push(normal);
        dests.extend(handlers.iter().map(|&(_, bc)| bc));
        Self { sig, context, dests, tags: handlers.iter().map(|&(t, _)| t).collect() }
    }
    /// The callee's signature.
    pub fn signature(&self) -> SigRef {
        self.sig
    }
    /// The context value, if the table has one.
    pub fn context(&self) -> Option<Value> {
        self.context
    }
    /// The context value, mutably.
    pub fn context_mut(&mut self) -> Option<&mut Value> {
        self.context.as_mut()
    }
    /// Where a normal return goes.
    pub fn normal_return(&self) -> BlockCall {
        self.dests[0]
    }
    /// The handlers in order: a tag (`None` for `default`) and its destination.
    pub fn handlers(&self) -> impl Iterator<Item = (Option<u32>, BlockCall)> + '_ {
        self.tags.iter().copied().zip(self.dests[1..].iter().copied())
    }
    /// The normal destination followed by every handler's.
    pub fn all_branches(&self) -> &[BlockCall] {
        &self.dests
    }
    /// The normal destination followed by every handler's, mutably.
    pub fn all_branches_mut(&mut self) -> &mut [BlockCall] {
        &mut self.dests
    }
    /// The first handler that catches `tag` (a matching tag or `default`), as its index
    /// in [`handlers`](Self::handlers) and its destination.
    pub fn handler_for(&self, tag: u32) -> Option<(usize, BlockCall)> {
        self.handlers().enumerate().find(|(_, (t, _))| t.is_none_or(|t| t == tag)).map(|(i, (_, bc))| (i, bc))
    }
}

/// The operands of one instruction. One variant per [`InstructionFormat`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[allow(missing_docs)]
pub enum InstructionData {
    Nullary {
        opcode: Opcode,
    },
    Unary {
        opcode: Opcode,
        arg: Value,
    },
    UnaryImm {
        opcode: Opcode,
        imm: Imm64,
    },
    UnaryIeee32 {
        opcode: Opcode,
        imm: Ieee32,
    },
    UnaryIeee64 {
        opcode: Opcode,
        imm: Ieee64,
    },
    UnaryIeee16 {
        opcode: Opcode,
        imm: Ieee16,
    },
    UnaryConst {
        opcode: Opcode,
        constant: Constant,
    },
    UnaryGlobalValue {
        opcode: Opcode,
        global_value: GlobalValue,
    },
    Binary {
        opcode: Opcode,
        args: [Value; 2],
    },
    BinaryImm64 {
        opcode: Opcode,
        arg: Value,
        imm: Imm64,
    },
    BinaryImm8 {
        opcode: Opcode,
        arg: Value,
        imm: u8,
    },
    Ternary {
        opcode: Opcode,
        args: [Value; 3],
    },
    TernaryImm8 {
        opcode: Opcode,
        args: [Value; 2],
        imm: u8,
    },
    Shuffle {
        opcode: Opcode,
        args: [Value; 2],
        mask: Constant,
    },
    IntCompare {
        opcode: Opcode,
        cond: IntCC,
        args: [Value; 2],
    },
    IntCompareImm {
        opcode: Opcode,
        cond: IntCC,
        arg: Value,
        imm: Imm64,
    },
    FloatCompare {
        opcode: Opcode,
        cond: FloatCC,
        args: [Value; 2],
    },
    Load {
        opcode: Opcode,
        flags: MemFlags,
        arg: Value,
        offset: Offset32,
    },
    Store {
        opcode: Opcode,
        flags: MemFlags,
        args: [Value; 2],
        offset: Offset32,
    },
    LoadNoOffset {
        opcode: Opcode,
        flags: MemFlags,
        arg: Value,
    },
    StoreNoOffset {
        opcode: Opcode,
        flags: MemFlags,
        args: [Value; 2],
    },
    StackLoad {
        opcode: Opcode,
        stack_slot: StackSlot,
        offset: Offset32,
    },
    StackStore {
        opcode: Opcode,
        arg: Value,
        stack_slot: StackSlot,
        offset: Offset32,
    },
    FuncAddr {
        opcode: Opcode,
        func_ref: FuncRef,
    },
    AtomicRmw {
        opcode: Opcode,
        flags: MemFlags,
        op: AtomicRmwOp,
        args: [Value; 2],
    },
    AtomicCas {
        opcode: Opcode,
        flags: MemFlags,
        args: [Value; 3],
    },
    Jump {
        opcode: Opcode,
        destination: BlockCall,
    },
    Brif {
        opcode: Opcode,
        arg: Value,
        blocks: [BlockCall; 2],
    },
    BranchTable {
        opcode: Opcode,
        arg: Value,
        table: JumpTable,
    },
    MultiAry {
        opcode: Opcode,
        args: ValueList,
    },
    Trap {
        opcode: Opcode,
        code: TrapCode,
    },
    CondTrap {
        opcode: Opcode,
        arg: Value,
        code: TrapCode,
    },
    IntAddTrap {
        opcode: Opcode,
        args: [Value; 2],
        code: TrapCode,
    },
    /// `args` are the call arguments.
    Call {
        opcode: Opcode,
        func_ref: FuncRef,
        args: ValueList,
    },
    /// `args[0]` is the callee address, the rest are the call arguments.
    CallIndirect {
        opcode: Opcode,
        sig_ref: SigRef,
        args: ValueList,
    },
    /// `args` are the call arguments; `exception` holds the signature and destinations.
    TryCall {
        opcode: Opcode,
        func_ref: FuncRef,
        args: ValueList,
        exception: ExceptionTable,
    },
    /// `args[0]` is the callee address, the rest are the call arguments.
    TryCallIndirect {
        opcode: Opcode,
        args: ValueList,
        exception: ExceptionTable,
    },
}

impl InstructionData {
    /// The opcode.
    pub fn opcode(&self) -> Opcode {
        use InstructionData::*;
        match *self {
            Nullary { opcode }
            | Unary { opcode, .. }
            | UnaryImm { opcode, .. }
            | UnaryIeee32 { opcode, .. }
            | UnaryIeee64 { opcode, .. }
            | UnaryIeee16 { opcode, .. }
            | UnaryConst { opcode, .. }
            | UnaryGlobalValue { opcode, .. }
            | Binary { opcode, .. }
            | BinaryImm64 { opcode, .. }
            | BinaryImm8 { opcode, .. }
            | Ternary { opcode, .. }
            | TernaryImm8 { opcode, .. }
            | Shuffle { opcode, .. }
            | IntCompare { opcode, .. }
            | IntCompareImm { opcode, .. }
            | FloatCompare { opcode, .. }
            | Load { opcode, .. }
            | Store { opcode, .. }
            | LoadNoOffset { opcode, .. }
            | StoreNoOffset { opcode, .. }
            | StackLoad { opcode, .. }
            | StackStore { opcode, .. }
            | FuncAddr { opcode, .. }
            | AtomicRmw { opcode, .. }
            | AtomicCas { opcode, .. }
            | Jump { opcode, .. }
            | Brif { opcode, .. }
            | BranchTable { opcode, .. }
            | MultiAry { opcode, .. }
            | Trap { opcode, .. }
            | CondTrap { opcode, .. }
            | IntAddTrap { opcode, .. }
            | Call { opcode, .. }
            | CallIndirect { opcode, .. }
            | TryCall { opcode, .. }
            | TryCallIndirect { opcode, .. } => opcode,
        }
    }

    /// The format of this data.
    pub fn format(&self) -> InstructionFormat {
        use InstructionData as D;
        use InstructionFormat as F;
        match self {
            D::Nullary { .. } => F::Nullary,
            D::Unary { .. } => F::Unary,
            D::UnaryImm { .. } => F::UnaryImm,
            D::UnaryIeee32 { .. } => F::UnaryIeee32,
            D::UnaryIeee64 { .. } => F::UnaryIeee64,
            D::UnaryIeee16 { .. } => F::UnaryIeee16,
            D::UnaryConst { .. } => F::UnaryConst,
            D::UnaryGlobalValue { .. } => F::UnaryGlobalValue,
            D::Binary { .. } => F::Binary,
            D::BinaryImm64 { .. } => F::BinaryImm64,
            D::BinaryImm8 { .. } => F::BinaryImm8,
            D::Ternary { .. } => F::Ternary,
            D::TernaryImm8 { .. } => F::TernaryImm8,
            D::Shuffle { .. } => F::Shuffle,
            D::IntCompare { .. } => F::IntCompare,
            D::IntCompareImm { .. } => F::IntCompareImm,
            D::FloatCompare { .. } => F::FloatCompare,
            D::Load { .. } => F::Load,
            D::Store { .. } => F::Store,
            D::LoadNoOffset { .. } => F::LoadNoOffset,
            D::StoreNoOffset { .. } => F::StoreNoOffset,
            D::StackLoad { .. } => F::StackLoad,
            D::StackStore { .. } => F::StackStore,
            D::FuncAddr { .. } => F::FuncAddr,
            D::AtomicRmw { .. } => F::AtomicRmw,
            D::AtomicCas { .. } => F::AtomicCas,
            D::Jump { .. } => F::Jump,
            D::Brif { .. } => F::Brif,
            D::BranchTable { .. } => F::BranchTable,
            D::MultiAry { .. } => F::MultiAry,
            D::Trap { .. } => F::Trap,
            D::CondTrap { .. } => F::CondTrap,
            D::IntAddTrap { .. } => F::IntAddTrap,
            D::Call { .. } => F::Call,
            D::CallIndirect { .. } => F::CallIndirect,
            D::TryCall { .. } => F::TryCall,
            D::TryCallIndirect { .. } => F::TryCallIndirect,
        }
    }

    /// The value operands, not counting branch arguments. For `call_indirect` the callee
    /// comes first.
    pub fn arguments<'a>(&'a self, pool: &'a ValueListPool) -> &'a [Value] {
        use InstructionData::*;
        match self {
            Unary { arg, .. }
            | BinaryImm64 { arg, .. }
            | BinaryImm8 { arg, .. }
            | IntCompareImm { arg, .. }
            | Load { arg, .. }
            | LoadNoOffset { arg, .. }
            | StackStore { arg, .. }
            | Brif { arg, .. }
            | BranchTable { arg, .. }
            | CondTrap { arg, .. } => std::slice::from_ref(arg),
            Binary { args, .. }
            | TernaryImm8 { args, .. }
            | Shuffle { args, .. }
            | IntCompare { args, .. }
            | FloatCompare { args, .. }
            | Store { args, .. }
            | StoreNoOffset { args, .. }
            | AtomicRmw { args, .. }
            | IntAddTrap { args, .. } => args,
            Ternary { args, .. } | AtomicCas { args, .. } => args,
            MultiAry { args, .. }
            | Call { args, .. }
            | CallIndirect { args, .. }
            | TryCall { args, .. }
            | TryCallIndirect { args, .. } => args.as_slice(pool),
            Nullary { .. }
            | UnaryImm { .. }
            | UnaryIeee32 { .. }
            | UnaryIeee64 { .. }
            | UnaryIeee16 { .. }
            | UnaryConst { .. }
            | UnaryGlobalValue { .. }
            | StackLoad { .. }
            | FuncAddr { .. }
            | Jump { .. }
            | Trap { .. } => &[],
        }
    }

    /// The value operands, mutably (not counting branch arguments).
    pub fn arguments_mut<'a>(&'a mut self, pool: &'a mut ValueListPool) -> &'a mut [Value] {
        use InstructionData::*;
        match self {
            Unary { arg, .. }
            | BinaryImm64 { arg, .. }
            | BinaryImm8 { arg, .. }
            | IntCompareImm { arg, .. }
            | Load { arg, .. }
            | LoadNoOffset { arg, .. }
            | StackStore { arg, .. }
            | Brif { arg, .. }
            | BranchTable { arg, .. }
            | CondTrap { arg, .. } => std::slice::from_mut(arg),
            Binary { args, .. }
            | TernaryImm8 { args, .. }
            | Shuffle { args, .. }
            | IntCompare { args, .. }
            | FloatCompare { args, .. }
            | Store { args, .. }
            | StoreNoOffset { args, .. }
            | AtomicRmw { args, .. }
            | IntAddTrap { args, .. } => args,
            Ternary { args, .. } | AtomicCas { args, .. } => args,
            MultiAry { args, .. }
            | Call { args, .. }
            | CallIndirect { args, .. }
            | TryCall { args, .. }
            | TryCallIndirect { args, .. } => args.as_mut_slice(pool),
            Nullary { .. }
            | UnaryImm { .. }
            | UnaryIeee32 { .. }
            | UnaryIeee64 { .. }
            | UnaryIeee16 { .. }
            | UnaryConst { .. }
            | UnaryGlobalValue { .. }
            | StackLoad { .. }
            | FuncAddr { .. }
            | Jump { .. }
            | Trap { .. } => &mut [],
        }
    }

    /// The branch destinations: one for `jump`, two for `brif` (taken first), the default
    /// and then every entry for `br_table`, the normal destination and then every handler
    /// for `try_call*`; empty for other instructions.
    pub fn branch_destinations<'a>(
        &'a self,
        jump_tables: &'a PrimaryMap<JumpTable, JumpTableData>,
        exception_tables: &'a PrimaryMap<ExceptionTable, ExceptionTableData>,
    ) -> &'a [BlockCall] {
        match self {
            InstructionData::TryCall { exception, .. } | InstructionData::TryCallIndirect { exception, .. } => {
                match exception_tables.get(*exception) {
                    Some(t) => t.all_branches(),
                    None => &[],
                }
            }
            InstructionData::Jump { destination, .. } => std::slice::from_ref(destination),
            InstructionData::Brif { blocks, .. } => blocks,
            InstructionData::BranchTable { table, .. } => match jump_tables.get(*table) {
                Some(t) => t.all_branches(),
                None => &[],
            },
            _ => &[],
        }
    }

    /// The branch destinations, mutably.
    pub fn branch_destinations_mut<'a>(
        &'a mut self,
        jump_tables: &'a mut PrimaryMap<JumpTable, JumpTableData>,
        exception_tables: &'a mut PrimaryMap<ExceptionTable, ExceptionTableData>,
    ) -> &'a mut [BlockCall] {
        match self {
            InstructionData::TryCall { exception, .. } | InstructionData::TryCallIndirect { exception, .. } => {
                match exception_tables.get_mut(*exception) {
                    Some(t) => t.all_branches_mut(),
                    None => &mut [],
                }
            }
            InstructionData::Jump { destination, .. } => std::slice::from_mut(destination),
            InstructionData::Brif { blocks, .. } => blocks,
            InstructionData::BranchTable { table, .. } => match jump_tables.get_mut(*table) {
                Some(t) => t.all_branches_mut(),
                None => &mut [],
            },
            _ => &mut [],
        }
    }

    /// The trap code, for instructions that name one.
    pub fn trap_code(&self) -> Option<TrapCode> {
        match *self {
            InstructionData::Trap { code, .. }
            | InstructionData::CondTrap { code, .. }
            | InstructionData::IntAddTrap { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The memory flags, for memory accesses (and `bitcast`).
    pub fn memflags(&self) -> Option<MemFlags> {
        match *self {
            InstructionData::Load { flags, .. }
            | InstructionData::Store { flags, .. }
            | InstructionData::LoadNoOffset { flags, .. }
            | InstructionData::StoreNoOffset { flags, .. }
            | InstructionData::AtomicRmw { flags, .. }
            | InstructionData::AtomicCas { flags, .. } => Some(flags),
            _ => None,
        }
    }

    /// The 64-bit immediate, for formats that have one.
    pub fn imm64(&self) -> Option<Imm64> {
        match *self {
            InstructionData::UnaryImm { imm, .. }
            | InstructionData::BinaryImm64 { imm, .. }
            | InstructionData::IntCompareImm { imm, .. } => Some(imm),
            _ => None,
        }
    }

    /// The value-list handle of variable-operand formats (`return`, calls).
    pub fn value_list(&self) -> Option<ValueList> {
        match *self {
            InstructionData::MultiAry { args, .. }
            | InstructionData::Call { args, .. }
            | InstructionData::CallIndirect { args, .. }
            | InstructionData::TryCall { args, .. }
            | InstructionData::TryCallIndirect { args, .. } => Some(args),
            _ => None,
        }
    }

    /// The exception table, for `try_call` and `try_call_indirect`.
    pub fn exception_table(&self) -> Option<ExceptionTable> {
        match *self {
            InstructionData::TryCall { exception, .. } | InstructionData::TryCallIndirect { exception, .. } => {
                Some(exception)
            }
            _ => None,
        }
    }
}
