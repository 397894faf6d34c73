//! What each stage of the pipeline did to one function, as plain data (for `lathe explain`).
//!
//! Asked for with `CompileOptions::explain`; [`compile_with`](super::compile_with) then
//! fills [`Explanation`] stage by stage (so a failure in a late stage still leaves the
//! earlier ones): the input IR and the IR after each IR-to-IR pass that changed it, the
//! VCode over virtual registers with the IR instruction and the ISLE rule each machine
//! instruction came from, the allocation (every operand's location, the allocator's
//! moves, spills and reloads), and the emitted instructions with offsets, sizes and
//! origins.
//!
//! Invariants: indices of VCode instructions (`VInst::index`) are the same in the VCode,
//! the allocation and the emitted code, so a renderer can follow one instruction through
//! the stages; IR values and instructions keep their numbers through every IR pass (passes
//! rewrite in place or copy with the same numbering), so a value is one entity in every IR
//! stage. Nothing here is computed unless explaining: the lowering driver only records
//! provenance when asked (see `Lower`'s `trace`).

use super::reg::Reg;
use crate::ir::{Function, Inst, SourceLoc, Value};

/// An entry of an ISA's rule table (the generated `RULES`): (name or `file:line`, term,
/// `file:line`), the file relative to the `lathe-codegen` crate.
pub type RuleEntry = (&'static str, &'static str, &'static str);

/// Every stage of one function.
#[derive(Clone, Debug, Default)]
pub struct Explanation {
    /// The IR as given, then after each IR pass that changed it (`pass` names it).
    pub ir: Vec<IrStage>,
    /// The lowered VCode; `None` if compilation stopped before.
    pub vcode: Option<VCodeStage>,
    /// The allocation; `None` if compilation stopped before.
    pub regalloc: Option<RegallocStage>,
    /// The emitted code; `None` if compilation stopped before.
    pub machine: Option<MachineStage>,
    /// The lowering rules of the ISA, indexed by [`VInst::rule`].
    pub rules: &'static [RuleEntry],
}

/// The IR after one pass.
#[derive(Clone, Debug)]
pub struct IrStage {
    /// `input`, a mid-end pass (`mid-end: gvn`) or a legalization (`legalize: native`).
    pub pass: String,
    /// The function after it.
    pub func: Function,
}

/// The function lowered to machine instructions over virtual registers.
#[derive(Clone, Debug, Default)]
pub struct VCodeStage {
    /// Blocks in emission order.
    pub blocks: Vec<VBlock>,
    /// Each lowered IR value and its virtual registers (aliases resolved: the registers
    /// the instructions name), in value order.
    pub value_regs: Vec<(Value, Vec<Reg>)>,
}

/// One VCode block.
#[derive(Clone, Debug, Default)]
pub struct VBlock {
    /// `block3`, or `edge_block1_0` for a split edge.
    pub name: String,
    /// Its parameters.
    pub params: Vec<Reg>,
    /// Its instructions.
    pub insts: Vec<VInst>,
}

/// One VCode instruction and where it came from.
#[derive(Clone, Debug)]
pub struct VInst {
    /// Its index in the VCode (the same in [`RegallocStage`] and [`MachineStage`]).
    pub index: u32,
    /// As the ISA prints it, over virtual registers.
    pub text: String,
    /// The registers it reads or writes, in operand order.
    pub regs: Vec<Reg>,
    /// The IR instruction being lowered when it was emitted (`None`: the driver's own,
    /// such as the jump of a split edge).
    pub ir_inst: Option<Inst>,
    /// The innermost ISLE rule whose right-hand side emitted it, an index into
    /// [`Explanation::rules`] (`None`: emitted by Rust code outside any rule).
    pub rule: Option<u32>,
    /// Its source location.
    pub srcloc: SourceLoc,
}

/// The allocation regalloc2 computed, as emission will apply it.
#[derive(Clone, Debug, Default)]
pub struct RegallocStage {
    /// Blocks in emission order, the allocator's edits in place.
    pub blocks: Vec<RegallocBlock>,
    /// Each virtual register and every location it was given at an operand, in register
    /// order, locations in order of first appearance.
    pub locations: Vec<(Reg, Vec<String>)>,
    /// How many spill slots the allocator used.
    pub spill_slots: usize,
}

/// One block of the allocation.
#[derive(Clone, Debug, Default)]
pub struct RegallocBlock {
    /// The block's name, as in [`VBlock::name`].
    pub name: String,
    /// Its instructions and the allocator's edits, in order.
    pub lines: Vec<RegallocLine>,
}

/// An instruction with its allocation, or an edit of the allocator.
#[derive(Clone, Debug)]
pub struct RegallocLine {
    /// The instruction as the ISA prints it with the allocation applied.
    pub text: String,
    /// What it is.
    pub kind: RegallocKind,
    /// For an instruction: each operand's virtual register and its location.
    pub allocs: Vec<(Reg, String)>,
}

/// What a [`RegallocLine`] is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RegallocKind {
    /// The VCode instruction of this index.
    Inst(u32),
    /// A register-to-register move the allocator inserted.
    Move,
    /// A store of a register to a spill slot.
    Spill,
    /// A load of a register from a spill slot.
    Reload,
}

/// The machine code as emitted.
#[derive(Clone, Debug, Default)]
pub struct MachineStage {
    /// Block labels and instructions, in address order.
    pub lines: Vec<MachineLine>,
    /// The code's size in bytes.
    pub size: u32,
}

/// A label or an emitted instruction.
#[derive(Clone, Debug)]
pub enum MachineLine {
    /// The start of a block.
    Label(String),
    /// An instruction (or several, for a pseudo instruction that expands to a sequence).
    Inst {
        /// Its offset from the function's start.
        offset: u32,
        /// Its bytes (as the finished code holds them: relocations not applied).
        bytes: Vec<u8>,
        /// As the ISA prints it (may have several lines).
        text: String,
        /// Where it came from.
        origin: EmitOrigin,
    },
}

/// Where an emitted instruction came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum EmitOrigin {
    /// The VCode instruction of this index.
    VInst(u32),
    /// An allocator edit (move, spill or reload).
    Edit,
    /// The prologue or an epilogue.
    Frame,
    /// An island (a jump over constants and veneers).
    Island,
}

/// What emission records per instruction when explaining (its offset range is read from
/// the buffer before and after).
#[derive(Clone, Debug)]
pub(crate) struct EmitRecord {
    pub start: u32,
    pub end: u32,
    pub text: String,
    pub origin: EmitOrigin,
    /// `Some(name)` for a block label (start = end).
    pub label: Option<String>,
}

impl MachineStage {
    /// The stage from emission's records and the finished code.
    pub(crate) fn new(records: Vec<EmitRecord>, code: &[u8]) -> Self {
        let lines = records
            .into_iter()
            .map(|r| match r.label {
                Some(name) => MachineLine::Label(name),
                None => MachineLine::Inst {
                    offset: r.start,
                    bytes: code.get(r.start as usize..r.end as usize).unwrap_or(&[]).to_vec(),
                    text: r.text,
                    origin: r.origin,
                },
            })
            .collect();
        MachineStage { lines, size: code.len() as u32 }
    }
}

/// Per VCode instruction, while lowering: the IR instruction and rule it came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub ir_inst: Option<Inst>,
    /// `NO_RULE` when outside any rule.
    pub rule: u32,
}

/// The rule id meaning "no rule".
pub(crate) const NO_RULE: u32 = u32::MAX;
