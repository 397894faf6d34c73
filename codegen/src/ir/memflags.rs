//! Flags on memory accesses (`notrap aligned readonly little big can_move`, an alias
//! class, and a trap code), and the operations of `atomic_rmw`.
//!
//! Alias classes partition memory for alias reasoning: two accesses in different classes
//! never touch the same bytes, and an access without a class may touch any. A class is
//! either one of the older fixed keywords `heap`, `table` and `vmctx`, or a region
//! declared in the function's preamble (`region0 = 8 "vmctx+8"`, see
//! [`AliasRegionData`](super::AliasRegionData)) and named `region0` in the flags; what
//! is disjoint from what is [`Function::may_alias`](super::Function::may_alias). Lathe
//! reads, prints and verifies them (at most one per access); the mid-end's redundant-load
//! elimination (`opt/memory.rs`) relies on them.

use super::{AliasRegion, TrapCode};
use crate::entity::PackedOption;
use std::fmt;

/// The flags of a load, store or atomic. The default is "may trap with `heap_oob`, may be
/// unaligned, native byte order".
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct MemFlags {
    bits: u16,
    /// The trap code of a faulting access, when it is not the default `heap_oob`.
    trap_code: Option<TrapCode>,
    /// The declared alias region named by the flags (`region0`), if any.
    region: PackedOption<AliasRegion>,
}

/// Byte order of a memory access.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Endianness {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

const NOTRAP: u16 = 1 << 0;
const ALIGNED: u16 = 1 << 1;
const READONLY: u16 = 1 << 2;
const LITTLE: u16 = 1 << 3;
const BIG: u16 = 1 << 4;
const CAN_MOVE: u16 = 1 << 5;
const HEAP: u16 = 1 << 6;
const TABLE: u16 = 1 << 7;
const VMCTX: u16 = 1 << 8;
const REGIONS: u16 = HEAP | TABLE | VMCTX;

const NAMES: [(&str, u16); 9] = [
    ("notrap", NOTRAP),
    ("aligned", ALIGNED),
    ("readonly", READONLY),
    ("little", LITTLE),
    ("big", BIG),
    ("can_move", CAN_MOVE),
    ("heap", HEAP),
    ("table", TABLE),
    ("vmctx", VMCTX),
];

/// A disjoint part of memory named by an access's flags.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AliasClass {
    /// `heap`: a heap (Wasm linear memory, say). An older spelling, kept for old files.
    Heap,
    /// `table`: a table. An older spelling.
    Table,
    /// `vmctx`: the VM context structure. An older spelling.
    Vmctx,
    /// A region declared in the preamble.
    Region(AliasRegion),
}

impl MemFlags {
    /// No flags.
    pub fn new() -> Self {
        Self::default()
    }
    /// `notrap aligned`: an access known to be valid and aligned.
    pub fn trusted() -> Self {
        let mut f = Self::new();
        f.bits = NOTRAP | ALIGNED;
        f
    }
    /// Sets the flag called `name`; false if there is no such flag.
    pub fn set_by_name(&mut self, name: &str) -> bool {
        match NAMES.iter().find(|(n, _)| *n == name) {
            Some(&(_, bit)) => {
                self.bits |= bit;
                true
            }
            None => false,
        }
    }
    /// Whether the access is known not to trap.
    pub fn notrap(self) -> bool {
        self.bits & NOTRAP != 0
    }
    /// Marks the access as known not to trap.
    pub fn with_notrap(mut self) -> Self {
        self.bits |= NOTRAP;
        self
    }
    /// Whether the address is known to be aligned to the access size.
    pub fn aligned(self) -> bool {
        self.bits & ALIGNED != 0
    }
    /// Marks the access aligned.
    pub fn with_aligned(mut self) -> Self {
        self.bits |= ALIGNED;
        self
    }
    /// Whether the memory is never written while the function runs.
    pub fn readonly(self) -> bool {
        self.bits & READONLY != 0
    }
    /// Marks the access readonly.
    pub fn with_readonly(mut self) -> Self {
        self.bits |= READONLY;
        self
    }
    /// Whether the load may be moved past other code (it depends only on its address).
    pub fn can_move(self) -> bool {
        self.bits & CAN_MOVE != 0
    }
    /// The explicit byte order, if any.
    pub fn explicit_endianness(self) -> Option<Endianness> {
        if self.bits & LITTLE != 0 {
            Some(Endianness::Little)
        } else if self.bits & BIG != 0 {
            Some(Endianness::Big)
        } else {
            None
        }
    }
    /// Sets an explicit byte order.
    pub fn with_endianness(mut self, e: Endianness) -> Self {
        self.bits &= !(LITTLE | BIG);
        self.bits |= match e {
            Endianness::Little => LITTLE,
            Endianness::Big => BIG,
        };
        self
    }
    /// Whether both `little` and `big` are set (rejected by the verifier).
    pub fn has_conflicting_endianness(self) -> bool {
        self.bits & (LITTLE | BIG) == (LITTLE | BIG)
    }
    /// The alias class, if exactly one is named.
    pub fn alias_class(self) -> Option<AliasClass> {
        match (self.bits & REGIONS, self.region.expand()) {
            (0, Some(r)) => Some(AliasClass::Region(r)),
            (HEAP, None) => Some(AliasClass::Heap),
            (TABLE, None) => Some(AliasClass::Table),
            (VMCTX, None) => Some(AliasClass::Vmctx),
            _ => None,
        }
    }
    /// Sets the alias class (replacing any other), or clears it with `None`.
    pub fn with_alias_class(mut self, class: Option<AliasClass>) -> Self {
        self.bits &= !REGIONS;
        self.region = PackedOption::none();
        match class {
            None => {}
            Some(AliasClass::Heap) => self.bits |= HEAP,
            Some(AliasClass::Table) => self.bits |= TABLE,
            Some(AliasClass::Vmctx) => self.bits |= VMCTX,
            Some(AliasClass::Region(r)) => self.region = r.into(),
        }
        self
    }
    /// The declared region named by the flags, if any.
    pub fn alias_region(self) -> Option<AliasRegion> {
        self.region.expand()
    }
    /// Names the declared region `r` (a second one replaces the first; the fixed keywords
    /// stay, so naming both is visible to the verifier).
    pub fn with_alias_region(mut self, r: AliasRegion) -> Self {
        self.region = r.into();
        self
    }
    /// Whether more than one alias class is named (rejected by the verifier).
    pub fn has_conflicting_alias_classes(self) -> bool {
        (self.bits & REGIONS).count_ones() + u32::from(self.region.is_some()) > 1
    }
    /// The trap code named in the flags, if any (an access without one traps with
    /// `heap_oob`).
    pub fn trap_code(self) -> Option<TrapCode> {
        self.trap_code
    }
    /// Sets the trap code.
    pub fn with_trap_code(mut self, code: Option<TrapCode>) -> Self {
        self.trap_code = code;
        self
    }
    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.bits == 0 && self.trap_code.is_none() && self.region.is_none()
    }
}

impl fmt::Display for MemFlags {
    /// Writes each set flag preceded by a space (nothing for no flags).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, bit) in NAMES {
            if self.bits & bit != 0 {
                write!(f, " {name}")?;
            }
        }
        if let Some(r) = self.region.expand() {
            write!(f, " {r}")?;
        }
        if let Some(code) = self.trap_code {
            write!(f, " {code}")?;
        }
        Ok(())
    }
}

/// The read-modify-write operation of `atomic_rmw`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AtomicRmwOp {
    /// Wrapping add.
    Add,
    /// Wrapping subtract.
    Sub,
    /// Bitwise and.
    And,
    /// Bitwise not-and: `!(old & x)`.
    Nand,
    /// Bitwise or.
    Or,
    /// Bitwise exclusive or.
    Xor,
    /// Exchange: store `x`.
    Xchg,
    /// Unsigned minimum.
    Umin,
    /// Unsigned maximum.
    Umax,
    /// Signed minimum.
    Smin,
    /// Signed maximum.
    Smax,
}

impl AtomicRmwOp {
    /// Every operation.
    pub const ALL: [AtomicRmwOp; 11] = [
        AtomicRmwOp::Add,
        AtomicRmwOp::Sub,
        AtomicRmwOp::And,
        AtomicRmwOp::Nand,
        AtomicRmwOp::Or,
        AtomicRmwOp::Xor,
        AtomicRmwOp::Xchg,
        AtomicRmwOp::Umin,
        AtomicRmwOp::Umax,
        AtomicRmwOp::Smin,
        AtomicRmwOp::Smax,
    ];
    /// The text name.
    pub fn name(self) -> &'static str {
        match self {
            AtomicRmwOp::Add => "add",
            AtomicRmwOp::Sub => "sub",
            AtomicRmwOp::And => "and",
            AtomicRmwOp::Nand => "nand",
            AtomicRmwOp::Or => "or",
            AtomicRmwOp::Xor => "xor",
            AtomicRmwOp::Xchg => "xchg",
            AtomicRmwOp::Umin => "umin",
            AtomicRmwOp::Umax => "umax",
            AtomicRmwOp::Smin => "smin",
            AtomicRmwOp::Smax => "smax",
        }
    }
}

impl fmt::Display for AtomicRmwOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for AtomicRmwOp {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        AtomicRmwOp::ALL.iter().copied().find(|op| op.name() == s).ok_or(())
    }
}
