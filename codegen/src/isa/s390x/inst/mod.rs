//! The s390x machine instruction, [`Inst`].
//!
//! Each variant is one instruction format family (picked by an operation enum from
//! `args.rs`) except the documented pseudo-instructions: `CondBr` with two targets,
//! `TrapIf` (an inverted branch over the trap), `Udf` (`j .+2`, a branch into its own
//! second halfword, which is an illegal opcode), `LoadSymbolAddr` (`larl` with a
//! relocation), `LoadGotAddr` (`lgrl` from the GOT slot, with a relocation), `LoadConst` (a literal-pool load), `Call`/`ReturnCall` (`brasl`/`jg` with
//! relocations), `AdjustSp`, `Args`, and loads and stores whose [`MemArg`] is resolved at
//! emission.
//!
//! Many s390x instructions are two-address: they read and write their first operand. Such
//! a variant names the value read `ri` and the one written `rd`; the allocator puts both
//! in one register (`reg_reuse_def`), and the encoder checks that it did. A storage
//! operation picks its short (RX/RS, 12-bit displacement) or long (RXY/RSY, 20-bit) form
//! by displacement at emission, so the two are one operation ([`args::MemEnc`]). The
//! `MachInst` implementation is in `mach.rs`.

pub mod args;
pub mod atomic;
pub mod imms;
mod mach;

pub use mach::{FRAME, S390xFrameRules, return_call_target};

use self::args::*;
use self::imms::*;
use super::regs;
use crate::ir::{CallConv, ExternalName, TrapCode};
use crate::machinst::{MachLabel, PReg, PRegSet, Reg};

/// Bytes from SP to the CFA besides the function's own frame: the 160-byte register save
/// area the caller provides.
pub const SAVE_AREA: u32 = 160;

/// An s390x machine instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    /// `op rd, rn, rm` (RRF-a, distinct operands).
    AluRRR {
        /// The operation.
        op: AluRRROp,
        /// Result.
        rd: Reg,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
    },
    /// `op rd, rm` (RR/RRE): `rd = ri op rm`, `rd` and `ri` in one register.
    AluRR {
        /// The operation.
        op: AluRROp,
        /// Result.
        rd: Reg,
        /// First operand (the result's register).
        ri: Reg,
        /// Second operand.
        rm: Reg,
    },
    /// `op rd, imm` (RI/RIL): `rd = ri op imm`, `rd` and `ri` in one register.
    AluImm {
        /// The operation (and the immediate's width and signedness).
        op: ImmOp,
        /// Result.
        rd: Reg,
        /// Operand (the result's register).
        ri: Reg,
        /// The immediate's raw bits (16 or 32).
        imm: u32,
    },
    /// `op rd, rn`: moves, negation, extension, byte reversal, population count.
    Unary {
        /// The operation.
        op: UnaryOp,
        /// Result.
        rd: Reg,
        /// Operand.
        rn: Reg,
    },
    /// `op rd, imm`: an immediate into a register (RI/RIL).
    LoadImm {
        /// The operation.
        op: LoadImmOp,
        /// Result.
        rd: Reg,
        /// The immediate's raw bits.
        imm: u32,
    },
    /// `op rn, rm`: sets the condition code.
    Cmp {
        /// The comparison.
        op: CmpOp,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
    },
    /// `op rn, imm`: sets the condition code.
    CmpImm {
        /// The comparison.
        op: CmpImmOp,
        /// The register.
        rn: Reg,
        /// The immediate's raw bits.
        imm: u32,
    },
    /// A load (or `la`); records a trap site when `trap` is set.
    Load {
        /// Size, extension, byte order and register file.
        op: LoadOp,
        /// Destination.
        rd: Reg,
        /// The address.
        mem: MemArg,
        /// Trap code recorded for a fault at the access.
        trap: Option<TrapCode>,
    },
    /// A store; records a trap site when `trap` is set.
    Store {
        /// Size, byte order and register file.
        op: StoreOp,
        /// The value.
        rs: Reg,
        /// The address.
        mem: MemArg,
        /// Trap code recorded for a fault at the access.
        trap: Option<TrapCode>,
    },
    /// `cs`/`csy`/`csg rd, rn, mem`: when memory equals `ri`, it becomes `rn`; `rd` (in
    /// `ri`'s register) gets the old memory value. CC 0 when swapped.
    Cas {
        /// Width.
        op: CasOp,
        /// The old value.
        rd: Reg,
        /// The expected value (the result's register).
        ri: Reg,
        /// The new value.
        rn: Reg,
        /// The address (no index).
        mem: MemArg,
        /// Trap code recorded for a fault at the access.
        trap: Option<TrapCode>,
    },
    /// `op rd, rn, mem` (interlocked access): `rd` gets the old value, memory `op(old,
    /// rn)`.
    AtomicRmw {
        /// The operation.
        op: AtomicOp,
        /// The old value.
        rd: Reg,
        /// The operand.
        rn: Reg,
        /// The address (no index).
        mem: MemArg,
        /// Trap code recorded for a fault at the access.
        trap: Option<TrapCode>,
    },
    /// A compare-and-swap loop (`atomic.rs` lists its steps) for an atomic operation with
    /// no interlocked-access instruction. Afterwards `old` holds the memory word the
    /// operation saw, from which lowering takes the value: itself (32 and 64 bits,
    /// big-endian), byte-reversed (little-endian), or for 8 and 16 bits rotated left by
    /// `shift + bits` (little-endian 16 bits: byte-reversed and rotated by `neg`), the
    /// value then in the low bits.
    AtomicLoop {
        /// The operation.
        op: atomic::AtomicLoopOp,
        /// The width: 8, 16, 32 or 64.
        bits: u8,
        /// Little-endian memory.
        little: bool,
        /// The address, aligned to the width (for 8 and 16 bits: the aligned word's).
        addr: Reg,
        /// 8 and 16 bits: eight times the address (`r0` otherwise).
        shift: Reg,
        /// 8 and 16 bits: minus `shift` (`r0` otherwise).
        neg: Reg,
        /// The operand or the replacement; for 8 and 16 bits shifted to the top of the
        /// low 32 bits, the bits below zero.
        src: Reg,
        /// The expected value of a compare-and-swap, placed as `src` (`r0` otherwise).
        expected: Reg,
        /// The memory word last seen (early def).
        old: Reg,
        /// Trap code recorded at the load and at the `cs`.
        trap: Option<TrapCode>,
    },
    /// `lmg first, last, mem`: loads the physical registers `first..=last` (wrapping
    /// from r15 to r0). Used by the epilogue only.
    LoadMultiple {
        /// First register.
        first: Reg,
        /// Last register.
        last: Reg,
        /// The address (no index).
        mem: MemArg,
    },
    /// `stmg first, last, mem`: stores `first..=last`. Used by the prologue only.
    StoreMultiple {
        /// First register.
        first: Reg,
        /// Last register.
        last: Reg,
        /// The address (no index).
        mem: MemArg,
    },
    /// `op rd, rn, amt(amt_reg)` (RSY): shifts by the low 6 bits of `amt + amt_reg`.
    Shift {
        /// The operation.
        op: ShiftOp,
        /// Result.
        rd: Reg,
        /// Operand.
        rn: Reg,
        /// The displacement part of the amount (signed 20 bits).
        amt: i32,
        /// The register part of the amount (`r0`: none).
        amt_reg: Reg,
    },
    /// `op rd, amt(amt_reg)` (RS): a 32-bit shift in place, `rd` in `ri`'s register.
    Shift32 {
        /// The operation.
        op: Shift32Op,
        /// Result.
        rd: Reg,
        /// Operand (the result's register).
        ri: Reg,
        /// The displacement part of the amount (0..=4095).
        amt: u16,
        /// The register part of the amount (`r0`: none).
        amt_reg: Reg,
    },
    /// `op rd, rn, start, end, rotate`: `rn` rotated left by `rotate`, bits `start..=end`
    /// (big-endian bit numbers; bit 0x80 of `end` zeroes the others) inserted into `ri`.
    RxSbg {
        /// The operation.
        op: RxSbgOp,
        /// Result.
        rd: Reg,
        /// The value inserted into (the result's register).
        ri: Reg,
        /// The rotated operand.
        rn: Reg,
        /// I3: first bit.
        start: u8,
        /// I4: last bit, with the zero-remaining flag 0x80.
        end: u8,
        /// I5: rotate amount.
        rotate: u8,
    },
    /// `loc[g]r<cond> rd, rm`: `rd = cond ? rm : ri`, `rd` in `ri`'s register.
    CMov {
        /// Width.
        op: CMovOp,
        /// The condition.
        cond: Cond,
        /// Result.
        rd: Reg,
        /// The value kept otherwise (the result's register).
        ri: Reg,
        /// The value taken when `cond` holds.
        rm: Reg,
    },
    /// `loc[g]hi<cond> rd, imm`: `rd = cond ? imm : ri`.
    CMovImm {
        /// Width.
        op: CMovImmOp,
        /// The condition.
        cond: Cond,
        /// Result.
        rd: Reg,
        /// The value kept otherwise (the result's register).
        ri: Reg,
        /// The immediate.
        imm: i16,
    },
    /// `sel[g]r<cond> rd, rn, rm`: `rd = cond ? rn : rm` (z15).
    Select {
        /// Width.
        op: SelectOp,
        /// The condition.
        cond: Cond,
        /// Result.
        rd: Reg,
        /// Taken when `cond` holds.
        rn: Reg,
        /// Taken otherwise.
        rm: Reg,
    },
    /// `op %r2, rn`: divides the pair r2:r3; the remainder goes to r2, the quotient to r3.
    DivMod {
        /// The division.
        op: DivOp,
        /// The remainder, fixed in r2.
        rem: Reg,
        /// The quotient, fixed in r3.
        quot: Reg,
        /// The dividend's high half, fixed in r2 (for the unsigned forms only).
        hi: Option<Reg>,
        /// The dividend (its low half), fixed in r3.
        lo: Reg,
        /// The divisor.
        rn: Reg,
    },
    /// `mlgr %r2, rm` (`rn` is the odd register r3) or `mgrk %r2, rn, rm`: the 128-bit
    /// product in r2 (high) and r3 (low).
    MulWide {
        /// The multiplication.
        op: MulWideOp,
        /// The high half, fixed in r2.
        hi: Reg,
        /// The low half, fixed in r3.
        lo: Reg,
        /// First factor (fixed in r3 for `mlgr`).
        rn: Reg,
        /// Second factor.
        rm: Reg,
    },
    /// `flogr %r2, rn`: the leading-zero count (64 for zero) in r2; r3 is overwritten.
    Flogr {
        /// The count, fixed in r2.
        rd: Reg,
        /// The clobbered odd register, fixed in r3.
        clobber: Reg,
        /// Operand.
        rn: Reg,
    },
    /// `op rd, rm` (RRE): `rd = ri op rm`, `rd` in `ri`'s register.
    FpuRR {
        /// The operation.
        op: FpuRROp,
        /// Result.
        rd: Reg,
        /// First operand (the result's register).
        ri: Reg,
        /// Second operand.
        rm: Reg,
    },
    /// `op rd, rn`: one-operand float operations and moves.
    FpuUnary {
        /// The operation.
        op: FpuUnaryOp,
        /// Result.
        rd: Reg,
        /// Operand.
        rn: Reg,
    },
    /// `op rd, rn, rm` (RRD): `rd = rn * rm ± ri`, `rd` in `ri`'s register.
    FpuFma {
        /// The operation.
        op: FpuFmaOp,
        /// Result.
        rd: Reg,
        /// The addend (the result's register).
        ri: Reg,
        /// First factor (the R3 field).
        rn: Reg,
        /// Second factor (the R2 field).
        rm: Reg,
    },
    /// `op rn, rm`: a float comparison setting the condition code (CC 3: unordered).
    FpuCmp {
        /// The comparison.
        op: FpuCmpOp,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
    },
    /// A rounding or conversion with its mask fields (RRF-e).
    FpuConv {
        /// The operation (its register files are in the table).
        op: ConvOp,
        /// Result.
        rd: Reg,
        /// Operand.
        rn: Reg,
        /// M3: the rounding mode ([`args::round`]).
        m3: u8,
        /// M4: the inexact-suppression flag.
        m4: u8,
    },
    /// `ldgr rd, rn`: 64 bits from a general register into a float register.
    MovToFpr {
        /// Result (float).
        rd: Reg,
        /// Operand (general).
        rn: Reg,
    },
    /// `lgdr rd, rn`: 64 bits from a float register into a general register.
    MovFromFpr {
        /// Result (general).
        rd: Reg,
        /// Operand (float).
        rn: Reg,
    },
    /// `lzer rd` / `lzdr rd`: +0.0.
    FpuZero {
        /// Double precision (`lzdr`).
        double: bool,
        /// Result.
        rd: Reg,
    },
    /// `larl rd, name+offset`: a symbol's address (±4 GiB) with an `S390xPc32Dbl`
    /// relocation. An odd offset adds `la rd, 1(rd)` (`larl` addresses halfwords).
    LoadSymbolAddr {
        /// Result.
        rd: Reg,
        /// The symbol.
        name: ExternalName,
        /// Added to its address.
        offset: i64,
    },
    /// `lgrl rd, name@GOTENT`: a symbol's address from its GOT slot (position-independent
    /// code, a symbol another module may define), with an `S390xGotEnt` relocation.
    LoadGotAddr {
        /// Result.
        rd: Reg,
        /// The symbol.
        name: ExternalName,
    },
    /// `larl rd, label`: the address of a label (a jump table, a local constant).
    LoadLabelAddr {
        /// Result.
        rd: Reg,
        /// The label.
        label: MachLabel,
    },
    /// A constant from the literal pool: `lrl`/`lgrl rd, =const` for `L`/`Lg`, `larl r1,
    /// =const` and `le`/`ld rd, 0(r1)` for floats.
    LoadConst {
        /// `L`, `Lg`, `Le` or `Ld`.
        op: LoadOp,
        /// Destination.
        rd: Reg,
        /// The value (the low 4 bytes for `L` and `Le`).
        bits: u64,
    },
    /// `br_table`: `llilf %r1, len; clgr index, %r1; locgrl %r1, index` (`locgr` when lower); sllg %r1, %r1, 2;
    /// larl %r0, table; agr %r1, %r0; lgf %r0, 0(%r1); agr %r1, %r0; br %r1; table: .long
    /// target - ., ..., default - .` (the index clamped to the default's entry without a
    /// branch: [`Inst::jump_table_parts`]). Entry `k` holds its target's distance from the entry itself, so the entry's
    /// address plus the entry is the target. The table follows the code, so the whole
    /// sequence is one instruction for the buffer; `r0` and `r1` are emission scratch.
    JumpTable {
        /// The index, zero-extended to 64 bits by lowering.
        index: Reg,
        /// Where an index past the table goes.
        default: MachLabel,
        /// The table.
        targets: Vec<MachLabel>,
    },
    /// `j target` (`brc 15`; a `jg` veneer extends it past ±64 KiB).
    Jump {
        /// The target block.
        target: MachLabel,
    },
    /// A two-way branch: `brc`/`crj`/`cij` to `taken`, then `j not_taken`; either is left
    /// out when its target is the next block (the condition is inverted when `taken` is).
    CondBr {
        /// The test.
        kind: CondBrKind,
        /// The target when it holds.
        taken: MachLabel,
        /// The target otherwise.
        not_taken: MachLabel,
    },
    /// Traps with `code` when `kind` holds: the inverted branch over a trap.
    TrapIf {
        /// The trapping test.
        kind: CondBrKind,
        /// The trap code.
        code: TrapCode,
    },
    /// `j .+2`: jumps to its own second halfword, 0x0001, an invalid opcode (the one
    /// debuggers use as a breakpoint), so the CPU raises an operation exception
    /// (SIGILL). The trap site is the `j`; the fault is reported at the halfword after it.
    Udf {
        /// The trap code.
        code: TrapCode,
    },
    /// `brasl %r14, callee@PLT` with an `S390xPlt32Dbl` relocation (±4 GiB).
    Call {
        /// The function called.
        callee: ExternalName,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
        /// Results, fixed in their registers.
        defs: Vec<(Reg, PReg)>,
        /// Registers the call overwrites besides `defs`.
        clobbers: PRegSet,
    },
    /// `basr %r14, rn`.
    CallInd {
        /// The address called.
        rn: Reg,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
        /// Results, fixed in their registers.
        defs: Vec<(Reg, PReg)>,
        /// Registers the call overwrites besides `defs`.
        clobbers: PRegSet,
    },
    /// `br %r14`; the return values are fixed uses. The driver emits the epilogue before
    /// it.
    Ret {
        /// Each returned value and its register.
        rets: Vec<(Reg, PReg)>,
    },
    /// A tail call after the epilogue: `jg callee@PLT` (`brcl 15`, `S390xPlt32Dbl`).
    ReturnCall {
        /// The function called.
        callee: ExternalName,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
    },
    /// An indirect tail call: `br rn` after the epilogue, `rn` fixed in a caller-saved
    /// register no argument takes (`mach::return_call_target`: the epilogue's `lmg`
    /// does not touch r2..r5).
    ReturnCallInd {
        /// The address called.
        rn: Reg,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
    },
    /// Pseudo-instruction at function entry: defines the incoming argument registers and
    /// names the function's calling convention. Emits nothing.
    Args {
        /// Each argument value and its register.
        args: Vec<(Reg, PReg)>,
        /// The function's calling convention.
        call_conv: CallConv,
    },
    /// `bcr 0, %r0`: no operation.
    Nop,
    /// `bcr 15, %r0` (serialization) or, with `fast`, `bcr 14, %r0` (fast-BCR
    /// serialization, z196): a full memory barrier.
    Fence {
        /// The fast form.
        fast: bool,
    },
    /// Moves SP by `amount` bytes (up when positive): `aghi`/`agfi %r15`, or the amount
    /// built in r1 and `agr %r15, %r1`.
    AdjustSp {
        /// Bytes.
        amount: i64,
    },
}

impl Inst {
    /// The steps of an [`Inst::AtomicLoop`] (`None` for other instructions).
    pub fn atomic_steps(&self) -> Option<Vec<atomic::Step>> {
        match *self {
            Inst::AtomicLoop { op, bits, little, addr, shift, neg, src, expected, old, trap } => {
                let args = atomic::LoopArgs { op, bits, little, addr, shift, neg, src, expected, old, trap };
                Some(atomic::steps(&args))
            }
            _ => None,
        }
    }

    /// `lgr rd, rn`.
    pub fn mov64(rd: Reg, rn: Reg) -> Inst {
        Inst::Unary { op: UnaryOp::Lgr, rd, rn }
    }
    /// `ldr rd, rn`: moves a whole float register.
    pub fn fmov(rd: Reg, rn: Reg) -> Inst {
        Inst::FpuUnary { op: FpuUnaryOp::Ldr, rd, rn }
    }

    /// The instructions that put the 64-bit `value` in `rd`: `lghi` (16-bit signed),
    /// `lgfi` (32-bit signed), `llilf` (32-bit unsigned), `llihf` (the high half alone),
    /// else `llihf` and `iilf` (the second reads `rd`, so lowering gives each step its
    /// own register or uses a physical one).
    pub fn load_constant(rd: Reg, value: u64) -> Vec<Inst> {
        let v = value as i64;
        let (hi, lo) = ((value >> 32) as u32, value as u32);
        if fits_i16(v) {
            vec![Inst::LoadImm { op: LoadImmOp::Lghi, rd, imm: v as u16 as u32 }]
        } else if fits_i32(v) {
            vec![Inst::LoadImm { op: LoadImmOp::Lgfi, rd, imm: lo }]
        } else if hi == 0 {
            vec![Inst::LoadImm { op: LoadImmOp::Llilf, rd, imm: lo }]
        } else if lo == 0 {
            vec![Inst::LoadImm { op: LoadImmOp::Llihf, rd, imm: hi }]
        } else {
            vec![
                Inst::LoadImm { op: LoadImmOp::Llihf, rd, imm: hi },
                Inst::AluImm { op: ImmOp::Iilf, rd, ri: rd, imm: lo },
            ]
        }
    }
}

/// The bytes of a [`Inst::JumpTable`] before its table: `llilf` (6), `clgr` (4), `locgr`
/// (4), `sllg` (6), `larl` (6), `agr` (4), `lgf` (6), `agr` (4), `br` (2).
pub const JUMP_TABLE_CODE: u32 = 42;
/// From the `larl` of a jump table to the table: the `larl` and the 16 bytes after it.
pub const JUMP_TABLE_LARL_TO_TABLE: u32 = 22;

impl Inst {
    /// A jump table's index clamp and its dispatch. The clamp: `llilf %r1, len`, `clgr
    /// index, %r1`, `locgr %r1, index` when lower: the index, or the length (the default's
    /// entry, last in the table) when it is not below it. A conditional load rather than
    /// a bounds branch, so a misprediction cannot index past the table (Spectre v1). The
    /// dispatch: `sllg %r1, %r1, 2`, then (after the `larl %r0, table` the encoder
    /// writes) `agr %r1, %r0`, `lgf %r0, 0(%r1)`, `agr %r1, %r0`; `br %r1` ends it.
    pub fn jump_table_parts(index: Reg, len: u32) -> (Vec<Inst>, Vec<Inst>) {
        let (r0, r1) = (regs::zero_reg(), regs::scratch());
        let check = vec![
            Inst::LoadImm { op: LoadImmOp::Llilf, rd: r1, imm: len },
            Inst::Cmp { op: CmpOp::Clgr, rn: index, rm: r1 },
            Inst::CMov { op: CMovOp::Locgr, cond: Cond::LT, rd: r1, ri: r1, rm: index },
        ];
        let dispatch = vec![
            Inst::Shift { op: ShiftOp::Sllg, rd: r1, rn: r1, amt: 2, amt_reg: r0 },
            Inst::AluRR { op: AluRROp::Agr, rd: r1, ri: r1, rm: r0 },
            Inst::Load { op: LoadOp::Lgf, rd: r0, mem: MemArg::bd(r1, 0), trap: None },
            Inst::AluRR { op: AluRROp::Agr, rd: r1, ri: r1, rm: r0 },
        ];
        (check, dispatch)
    }
}

/// The machine address for `base + offset` (no index given): the offset itself when it
/// fits 20 bits; else the offset built in r1 and used as the index, or, for an operation
/// that takes no index (`indexed` false), added to the base with `la %r1, 0(%r1,base)`.
/// Returns the instructions to put before the access.
pub fn offset_memarg(base: Reg, offset: i64, indexed: bool) -> (Vec<Inst>, MemArg) {
    if fits_disp20(offset) {
        return (Vec::new(), MemArg::bd(base, offset as i32));
    }
    let tmp = regs::scratch();
    let mut prefix = Inst::load_constant(tmp, offset as u64);
    if indexed {
        return (prefix, MemArg::BXD { base, index: tmp, disp: 0 });
    }
    let sum = MemArg::BXD { base, index: tmp, disp: 0 };
    prefix.push(Inst::Load { op: LoadOp::La, rd: tmp, mem: sum, trap: None });
    (prefix, MemArg::bd(tmp, 0))
}

impl Inst {
    /// The machine instructions a pseudo-form stands for, when it is one: `AdjustSp`, and
    /// storage operations whose address is resolved at emission (`RegOffset`,
    /// `SpOffset`, and, given the frame, `StackSlot` and `IncomingArg`). `None` for a
    /// machine instruction, or when the frame is needed and not given. The encoder emits
    /// the expansion and the printer prints it, so both agree by construction.
    pub fn expand(&self, frame: Option<&crate::machinst::FrameInfo>) -> Option<Vec<Inst>> {
        let resolve = |mem: &MemArg, indexed: bool| -> Option<(Vec<Inst>, MemArg)> {
            let sp = regs::sp();
            Some(match *mem {
                MemArg::RegOffset { base, offset } => offset_memarg(base, offset, indexed),
                MemArg::SpOffset { offset } => offset_memarg(sp, offset, indexed),
                MemArg::StackSlot { offset } => offset_memarg(sp, frame?.stack_slot_offset(offset) as i64, indexed),
                MemArg::IncomingArg { offset } => {
                    let f = frame?;
                    offset_memarg(sp, (f.fixed_frame_size + SAVE_AREA + offset) as i64, indexed)
                }
                MemArg::BXD { .. } => return None,
            })
        };
        let with = |mem: &MemArg, indexed: bool, make: &dyn Fn(MemArg) -> Inst| -> Option<Vec<Inst>> {
            let (mut out, mem) = resolve(mem, indexed)?;
            out.push(make(mem));
            Some(out)
        };
        match self {
            Inst::AdjustSp { amount } => Some(adjust_sp(*amount)),
            Inst::Load { op, rd, mem, trap } => {
                with(mem, true, &|mem| Inst::Load { op: *op, rd: *rd, mem, trap: *trap })
            }
            Inst::Store { op, rs, mem, trap } => {
                with(mem, true, &|mem| Inst::Store { op: *op, rs: *rs, mem, trap: *trap })
            }
            Inst::Cas { op, rd, ri, rn, mem, trap } => {
                with(mem, false, &|mem| Inst::Cas { op: *op, rd: *rd, ri: *ri, rn: *rn, mem, trap: *trap })
            }
            Inst::AtomicRmw { op, rd, rn, mem, trap } => {
                with(mem, false, &|mem| Inst::AtomicRmw { op: *op, rd: *rd, rn: *rn, mem, trap: *trap })
            }
            Inst::LoadMultiple { first, last, mem } => {
                with(mem, false, &|mem| Inst::LoadMultiple { first: *first, last: *last, mem })
            }
            Inst::StoreMultiple { first, last, mem } => {
                with(mem, false, &|mem| Inst::StoreMultiple { first: *first, last: *last, mem })
            }
            _ => None,
        }
    }
}

/// `AdjustSp`'s instructions: one `aghi` or `agfi %r15`, or the amount built in r1 and
/// `agr %r15, %r1`.
fn adjust_sp(amount: i64) -> Vec<Inst> {
    let sp = regs::sp();
    if amount == 0 {
        return Vec::new();
    }
    if fits_i16(amount) {
        return vec![Inst::AluImm { op: ImmOp::Aghi, rd: sp, ri: sp, imm: amount as u16 as u32 }];
    }
    if fits_i32(amount) {
        return vec![Inst::AluImm { op: ImmOp::Agfi, rd: sp, ri: sp, imm: amount as u32 }];
    }
    let tmp = regs::scratch();
    let mut out = Inst::load_constant(tmp, amount as u64);
    out.push(Inst::AluRR { op: AluRROp::Agr, rd: sp, ri: sp, rm: tmp });
    out
}
