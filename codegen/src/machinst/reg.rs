//! Registers of machine instructions, and the visitor through which an instruction names
//! its register operands.
//!
//! A [`Reg`] is a regalloc2 `VReg` before register allocation and a physical register
//! after it. Numbers below [`FIRST_VIRTUAL`] stand for physical registers (`PReg` index
//! and class), so prologue, epilogue and ISA code can name them directly; the lowering
//! driver numbers virtual registers from there up.
//!
//! Each instruction lists its register fields once, in [`MachInst::visit_operands`]
//! (`super::MachInst`), with their constraints. The same walk serves two purposes: the
//! [`OperandCollector`] turns it into regalloc2 operands, and the [`AllocationApplier`]
//! rewrites each field to the physical register the allocator chose, in the same order.

use regalloc2::{Allocation, Operand, PReg, RegClass, VReg};
use std::fmt;

/// Virtual register numbers start here; lower numbers name physical registers.
pub const FIRST_VIRTUAL: u32 = PReg::NUM_INDEX as u32;

/// A register operand: virtual before allocation, physical after.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(VReg);

impl Reg {
    /// A physical register.
    pub fn from_preg(p: PReg) -> Reg {
        Reg(VReg::new(p.index(), p.class()))
    }
    /// The virtual register numbered `n` (counting from [`FIRST_VIRTUAL`]) of `class`.
    pub fn virt(n: u32, class: RegClass) -> Reg {
        Reg(VReg::new((FIRST_VIRTUAL + n) as usize, class))
    }
    /// The register a regalloc2 `VReg` names (physical below [`FIRST_VIRTUAL`]).
    pub fn from_vreg(v: VReg) -> Reg {
        Reg(v)
    }
    /// The regalloc2 view.
    pub fn vreg(self) -> VReg {
        self.0
    }
    /// The register class.
    pub fn class(self) -> RegClass {
        self.0.class()
    }
    /// Whether this names a physical register.
    pub fn is_physical(self) -> bool {
        (self.0.vreg() as u32) < FIRST_VIRTUAL
    }
    /// The physical register, if this is one.
    pub fn to_preg(self) -> Option<PReg> {
        self.is_physical().then(|| PReg::from_index(self.0.vreg()))
    }
    /// The hardware encoding of a physical register (its number in the ISA's instruction
    /// encodings), if it is one.
    pub fn hw_enc(self) -> Option<u8> {
        self.to_preg().map(|p| p.hw_enc() as u8)
    }
}

impl From<PReg> for Reg {
    fn from(p: PReg) -> Reg {
        Reg::from_preg(p)
    }
}

impl fmt::Debug for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_preg() {
            Some(p) => write!(f, "{p}"),
            None => write!(f, "%v{}", self.0.vreg() as u32 - FIRST_VIRTUAL),
        }
    }
}

/// What an instruction tells about each of its register fields. Every method takes the
/// field by `&mut` so that the same walk can rewrite it after allocation. The order of the
/// calls must not depend on anything but the instruction itself.
pub trait OperandVisitor {
    /// A register read at the start of the instruction.
    fn reg_use(&mut self, reg: &mut Reg);
    /// A register read late: it stays live until the defs are written, so no def shares
    /// its register.
    fn reg_late_use(&mut self, reg: &mut Reg);
    /// A register read in a fixed physical register.
    fn reg_fixed_use(&mut self, reg: &mut Reg, preg: PReg);
    /// A register written at the end of the instruction.
    fn reg_def(&mut self, reg: &mut Reg);
    /// A register written early: it may not share a register with any use.
    fn reg_early_def(&mut self, reg: &mut Reg);
    /// A register written in a fixed physical register.
    fn reg_fixed_def(&mut self, reg: &mut Reg, preg: PReg);
    /// A register written in the same register as the use operand number `use_index`
    /// (counting all operands visited so far, in order): two-address forms, whose
    /// destination is also their first source.
    fn reg_reuse_def(&mut self, reg: &mut Reg, use_index: usize);
}

/// Turns an operand walk into regalloc2 operands. Physical registers named directly are
/// not operands (the allocator is told about them through clobbers or not at all).
#[derive(Default)]
pub struct OperandCollector {
    /// The operands, in visit order.
    pub operands: Vec<Operand>,
}

impl OperandCollector {
    fn push(&mut self, reg: &Reg, op: impl FnOnce(VReg) -> Operand) {
        if !reg.is_physical() {
            self.operands.push(op(reg.vreg()));
        }
    }
}

impl OperandVisitor for OperandCollector {
    fn reg_use(&mut self, reg: &mut Reg) {
        self.push(reg, Operand::reg_use);
    }
    fn reg_late_use(&mut self, reg: &mut Reg) {
        self.push(reg, Operand::reg_use_at_end);
    }
    fn reg_fixed_use(&mut self, reg: &mut Reg, preg: PReg) {
        self.push(reg, |v| Operand::reg_fixed_use(v, preg));
    }
    fn reg_def(&mut self, reg: &mut Reg) {
        self.push(reg, Operand::reg_def);
    }
    fn reg_early_def(&mut self, reg: &mut Reg) {
        self.push(reg, Operand::reg_def_at_start);
    }
    fn reg_fixed_def(&mut self, reg: &mut Reg, preg: PReg) {
        self.push(reg, |v| Operand::reg_fixed_def(v, preg));
    }
    fn reg_reuse_def(&mut self, reg: &mut Reg, use_index: usize) {
        self.push(reg, |v| Operand::reg_reuse_def(v, use_index));
    }
}

/// Rewrites each virtual register field to its allocated physical register, consuming the
/// allocations in operand order.
pub struct AllocationApplier<'a> {
    allocs: std::slice::Iter<'a, Allocation>,
}

impl<'a> AllocationApplier<'a> {
    /// An applier over one instruction's allocations.
    pub fn new(allocs: &'a [Allocation]) -> Self {
        Self { allocs: allocs.iter() }
    }
    fn apply(&mut self, reg: &mut Reg) {
        if reg.is_physical() {
            return;
        }
        let alloc = self.allocs.next().expect("one allocation per operand");
        let preg = alloc.as_reg().expect("register operands are allocated to registers");
        *reg = Reg::from_preg(preg);
    }
}

impl OperandVisitor for AllocationApplier<'_> {
    fn reg_use(&mut self, reg: &mut Reg) {
        self.apply(reg);
    }
    fn reg_late_use(&mut self, reg: &mut Reg) {
        self.apply(reg);
    }
    fn reg_fixed_use(&mut self, reg: &mut Reg, _: PReg) {
        self.apply(reg);
    }
    fn reg_def(&mut self, reg: &mut Reg) {
        self.apply(reg);
    }
    fn reg_early_def(&mut self, reg: &mut Reg) {
        self.apply(reg);
    }
    fn reg_fixed_def(&mut self, reg: &mut Reg, _: PReg) {
        self.apply(reg);
    }
    fn reg_reuse_def(&mut self, reg: &mut Reg, _: usize) {
        self.apply(reg);
    }
}
