//! The riscv64 machine instruction, [`Inst`].
//!
//! Each variant is one RV64GC instruction format (or a family sharing one, picked by an
//! operation enum from `args.rs`) except the documented pseudo-instructions: `CondBr` with
//! two targets, `TrapIf` (an inverted branch over `unimp`), `Jump` (`jal zero`, or a
//! far-jump veneer), `LoadAddr` (`auipc` and `addi` with relocations), `LoadGotAddr` (`auipc` and `ld`), `LoadConst`
//! (`auipc` and a load from the literal pool), `Call`/`ReturnCall` (`auipc` and `jalr`),
//! `AdjustSp`, `Args`, and loads and stores whose [`AMode`] is resolved at emission.
//!
//! There are no two-address forms: every instruction writes a register it does not need
//! to read. Where a field names [`regs::zero`](super::regs::zero) it reads zero or discards
//! the result, as the hardware does. Compressed (C) encodings are not separate variants:
//! the encoder picks one for an instruction that has it when the target has `has_c`
//! (`emit::EmitInfo`). The `MachInst` implementation is in `mach.rs`.

pub mod args;
pub mod atomic;
pub mod imms;
mod mach;

pub use mach::{FRAME, Riscv64FrameRules};

use self::args::*;
use self::imms::*;
use super::regs;
use crate::ir::{CallConv, ExternalName, TrapCode};
use crate::machinst::{MachLabel, PReg, PRegSet, Reg};

/// A riscv64 machine instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    /// `op rd, rs1, rs2` (R-type).
    AluRRR {
        /// The operation.
        op: AluOp,
        /// Result.
        rd: Reg,
        /// First operand.
        rs1: Reg,
        /// Second operand.
        rs2: Reg,
    },
    /// `op rd, rs1, imm` with a signed 12-bit immediate (I-type).
    AluRRImm12 {
        /// The operation.
        op: ImmOp,
        /// Result.
        rd: Reg,
        /// Operand.
        rs1: Reg,
        /// The immediate, -2048..=2047.
        imm: i16,
    },
    /// `op rd, rs1, shamt`: shifts, rotates and single-bit operations by an immediate.
    ShiftImm {
        /// The operation.
        op: ShiftOp,
        /// Result.
        rd: Reg,
        /// Operand.
        rs1: Reg,
        /// The amount, below 64 (below 32 for the `w` forms).
        shamt: u8,
    },
    /// `op rd, rs1`: counting, extension and byte-order operations.
    AluRR {
        /// The operation.
        op: UnaryOp,
        /// Result.
        rd: Reg,
        /// Operand.
        rs1: Reg,
    },
    /// `lui rd, imm`: `imm << 12`, sign-extended from 32 bits.
    Lui {
        /// Result.
        rd: Reg,
        /// The 20-bit field.
        imm: u32,
    },
    /// `auipc rd, imm`: the instruction's address plus `imm << 12` (sign-extended).
    Auipc {
        /// Result.
        rd: Reg,
        /// The 20-bit field.
        imm: u32,
    },
    /// A load; records a trap site when `trap` is set.
    Load {
        /// Size, extension and register file.
        op: LoadOp,
        /// Destination (integer or float as `op` says).
        rd: Reg,
        /// The address.
        mem: AMode,
        /// Trap code recorded for a fault at the access.
        trap: Option<TrapCode>,
    },
    /// A store; records a trap site when `trap` is set.
    Store {
        /// Size and register file.
        op: StoreOp,
        /// The value (or zero).
        src: Reg,
        /// The address.
        mem: AMode,
        /// Trap code recorded for a fault at the access.
        trap: Option<TrapCode>,
    },
    /// `auipc rd, %pcrel_hi(name+offset); addi rd, rd, %pcrel_lo(...)`: a symbol's address
    /// (±2 GiB) with adjacent `Riscv64PcrelHi20` and `Riscv64PcrelLo12I` relocations.
    LoadAddr {
        /// Result.
        rd: Reg,
        /// The symbol.
        name: ExternalName,
        /// Added to its address.
        offset: i64,
    },
    /// `auipc rd, %got_pcrel_hi(name); ld rd, %pcrel_lo(...)(rd)`: a symbol's address
    /// loaded from its GOT slot (`is_pic`, a symbol outside the unit), with adjacent
    /// `Riscv64GotHi20` and `Riscv64PcrelLo12I` relocations.
    LoadGotAddr {
        /// Result.
        rd: Reg,
        /// The symbol.
        name: ExternalName,
    },
    /// `auipc rd, hi; addi rd, rd, lo`: the address of a label (a jump table, a local
    /// constant) ±2 GiB away.
    LoadLabelAddr {
        /// Result.
        rd: Reg,
        /// The label.
        label: MachLabel,
    },
    /// A constant from the literal pool (the low 4 or 8 bytes of `bits`, as `op` loads):
    /// `auipc` of its page, then `op rd, lo(...)`. An integer load uses `rd` for the
    /// address; a float load uses `t6`.
    LoadConst {
        /// `Lw`, `Ld`, `Flw` or `Fld`.
        op: LoadOp,
        /// Destination.
        rd: Reg,
        /// The value.
        bits: u64,
    },
    /// `j target` (`jal zero`; a veneer extends it past ±1 MiB).
    Jump {
        /// The target block.
        target: MachLabel,
    },
    /// A two-way branch: `b<op> taken`, then `j not_taken`; either is left out when its
    /// target is the next block (the condition is inverted when `taken` is).
    CondBr {
        /// The test.
        kind: CondBrKind,
        /// The target when it holds.
        taken: MachLabel,
        /// The target otherwise.
        not_taken: MachLabel,
    },
    /// Traps with `code` when `kind` holds: the inverted branch over an `unimp`.
    TrapIf {
        /// The trapping test.
        kind: CondBrKind,
        /// The trap code.
        code: TrapCode,
    },
    /// `jalr rd, offset(base)`: an indirect jump (`jr`), or call when `rd` is `ra`.
    Jalr {
        /// The return address register (or zero).
        rd: Reg,
        /// The target's base.
        base: Reg,
        /// Added to the base, -2048..=2047.
        offset: i16,
    },
    /// `ret`; the return values are fixed uses. The driver emits the epilogue before it.
    Ret {
        /// Each returned value and its register.
        rets: Vec<(Reg, PReg)>,
    },
    /// `auipc ra, 0; jalr ra` with a `Riscv64CallPlt` relocation (±2 GiB).
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
    /// `jalr rs` (`jalr ra, 0(rs)`).
    CallInd {
        /// The address called.
        rs: Reg,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
        /// Results, fixed in their registers.
        defs: Vec<(Reg, PReg)>,
        /// Registers the call overwrites besides `defs`.
        clobbers: PRegSet,
    },
    /// A tail call after the epilogue: `auipc t6, 0; jr t6` with a `Riscv64CallPlt`
    /// relocation.
    ReturnCall {
        /// The function called.
        callee: ExternalName,
        /// Arguments, fixed in their registers.
        uses: Vec<(Reg, PReg)>,
    },
    /// An indirect tail call: `jr t1` after the epilogue (t1 is caller-saved and no
    /// argument register, so neither the epilogue nor the arguments touch it).
    ReturnCallInd {
        /// The address called, fixed in t1.
        rs: Reg,
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
    /// `unimp` (`c.unimp` with C): an illegal instruction (SIGILL), recorded as a trap
    /// site with `code`.
    Udf {
        /// The trap code.
        code: TrapCode,
    },
    /// `ebreak`.
    Ebreak,
    /// `nop`.
    Nop,
    /// `fence pred, succ`: each a set of `i`, `o`, `r`, `w` (bits 3..0).
    Fence {
        /// Predecessor set.
        pred: u8,
        /// Successor set.
        succ: u8,
    },
    /// `lr.{w,d}{.aq,.rl} rd, (addr)`.
    LoadReserved {
        /// Width.
        width: AmoWidth,
        /// Ordering.
        order: AmoOrder,
        /// Destination.
        rd: Reg,
        /// Address.
        addr: Reg,
    },
    /// `sc.{w,d} rd, src, (addr)`: `rd` is 0 when the store happened. `rd` is an early
    /// def (it may not share a register with `src` or `addr`).
    StoreConditional {
        /// Width.
        width: AmoWidth,
        /// Ordering.
        order: AmoOrder,
        /// Status.
        rd: Reg,
        /// Address.
        addr: Reg,
        /// The value (or zero).
        src: Reg,
    },
    /// `amo<op>.{w,d} rd, src, (addr)`: memory becomes `op(old, src)`, `rd` the old
    /// value.
    Amo {
        /// The operation.
        op: AmoOp,
        /// Width.
        width: AmoWidth,
        /// Ordering.
        order: AmoOrder,
        /// The old value (or zero).
        rd: Reg,
        /// Address.
        addr: Reg,
        /// The operand (or zero).
        src: Reg,
    },
    /// `op.fmt rd, rs1, rs2`: two-operand float operations (`fsgnj` with `rs1 == rs2` is
    /// the float register move `fmv`).
    FpuRRR {
        /// The operation.
        op: FpuOp2,
        /// Width.
        size: FpSize,
        /// Rounding mode (for the operations that take one; `Dyn` otherwise).
        frm: Frm,
        /// Result.
        rd: Reg,
        /// First operand.
        rs1: Reg,
        /// Second operand.
        rs2: Reg,
    },
    /// `op.fmt rd, rs1`: square root and (Zfa) rounding to an integral value.
    FpuRR {
        /// The operation.
        op: FpuOp1,
        /// Width.
        size: FpSize,
        /// Rounding mode.
        frm: Frm,
        /// Result.
        rd: Reg,
        /// Operand.
        rs1: Reg,
    },
    /// `op.fmt rd, rs1, rs2, rs3`: fused multiply-add.
    FpuRRRR {
        /// The operation.
        op: FpuOp3,
        /// Width.
        size: FpSize,
        /// Rounding mode.
        frm: Frm,
        /// Result.
        rd: Reg,
        /// First factor.
        rs1: Reg,
        /// Second factor.
        rs2: Reg,
        /// Addend.
        rs3: Reg,
    },
    /// `op.fmt rd, rs1, rs2`: a comparison into an integer register (1 or 0).
    FpuCmp {
        /// The comparison.
        op: FpuCmpOp,
        /// Width.
        size: FpSize,
        /// Result (integer).
        rd: Reg,
        /// First operand.
        rs1: Reg,
        /// Second operand.
        rs2: Reg,
    },
    /// `fclass.fmt rd, rs1`: the class bit mask into an integer register.
    FpuClass {
        /// Width.
        size: FpSize,
        /// Result (integer).
        rd: Reg,
        /// Operand.
        rs1: Reg,
    },
    /// `fcvt.s.d` (from `D`, rounding) or `fcvt.d.s` (from `S`, exact).
    FpuCvt {
        /// The source width (the result has the other).
        from: FpSize,
        /// Rounding mode (`fcvt.d.s` encodes `Rne`, being exact).
        frm: Frm,
        /// Result.
        rd: Reg,
        /// Operand.
        rs1: Reg,
    },
    /// `fcvt.<int>.<fmt> rd, rs1, rm`: float to integer (saturating; NaN gives the
    /// largest value).
    FpuToInt {
        /// Width of the float.
        size: FpSize,
        /// Width and signedness of the integer.
        int: IntWidth,
        /// Rounding mode.
        frm: Frm,
        /// Result (integer).
        rd: Reg,
        /// Operand (float).
        rs1: Reg,
    },
    /// `fcvt.<fmt>.<int> rd, rs1, rm`: integer to float (exact conversions, `fcvt.d.w`
    /// and `fcvt.d.wu`, encode `Rne`).
    IntToFpu {
        /// Width of the float.
        size: FpSize,
        /// Width and signedness of the integer.
        int: IntWidth,
        /// Rounding mode.
        frm: Frm,
        /// Result (float).
        rd: Reg,
        /// Operand (integer, or zero).
        rs1: Reg,
    },
    /// `fmv.x.w` / `fmv.x.d`: bits to an integer register (`fmv.x.w` sign-extends).
    FmvToInt {
        /// Width.
        size: FpSize,
        /// Result (integer).
        rd: Reg,
        /// Operand (float).
        rs1: Reg,
    },
    /// `fmv.w.x` / `fmv.d.x`: bits from an integer register.
    FmvFromInt {
        /// Width.
        size: FpSize,
        /// Result (float).
        rd: Reg,
        /// Operand (integer, or zero).
        rs1: Reg,
    },
    /// `fli.fmt rd, imm` (Zfa): one of 32 constants, by index (see `print.rs` for the
    /// table).
    Fli {
        /// Width.
        size: FpSize,
        /// Result.
        rd: Reg,
        /// The constant's index, 0-31.
        index: u8,
    },
    /// `fcvtmod.w.d rd, rs1, rtz` (Zfa): the double truncated modulo 2^32, sign-extended.
    FcvtModWD {
        /// Result (integer).
        rd: Reg,
        /// Operand (float).
        rs1: Reg,
    },
    /// Moves SP by `amount` bytes (up when positive): `addi sp, sp, amount`, or the amount
    /// built in `t6` and `add sp, sp, t6`.
    AdjustSp {
        /// Bytes.
        amount: i64,
    },
    /// The low `bits` of `rs` zero- or sign-extended to 64 bits, for the widths no single
    /// base instruction extends: `slli rd, rs, 64 - bits` then `srli`/`srai rd, rd, 64 -
    /// bits` (`andi` for an unsigned byte, `addiw` for a signed word). Lowering picks the
    /// single Zba/Zbb instruction instead when the target has it.
    Extend {
        /// Result.
        rd: Reg,
        /// Operand.
        rs: Reg,
        /// The width extended from: 8, 16 or 32.
        bits: u8,
        /// Sign (true) or zero extension.
        signed: bool,
    },
    /// An atomic operation as an LR/SC loop (see `atomic.rs`): `nand`, compare-and-swap,
    /// and every operation on 8- and 16-bit memory. Sequentially consistent (`.aqrl`).
    AtomicLoop {
        /// The operation.
        op: atomic::AtomicLoopOp,
        /// The access width: 8, 16, 32 or 64.
        bits: u8,
        /// Big-endian memory.
        big: bool,
        /// The address (aligned to the width).
        addr: Reg,
        /// The operand, or the replacement of a compare-and-swap.
        src: Reg,
        /// The expected value of a compare-and-swap (zero otherwise).
        expected: Reg,
        /// The old value (early def).
        old: Reg,
        /// Scratch (early def).
        t1: Reg,
        /// Scratch (early def).
        t2: Reg,
        /// Scratch (early def).
        t3: Reg,
        /// Scratch (early def).
        t4: Reg,
    },
    /// The address `mem` stands for in `rd` (`addi rd, base, offset`, a large offset
    /// built in `t6` first): stack slots, outgoing and incoming argument areas.
    Lea {
        /// Result.
        rd: Reg,
        /// The address.
        mem: AMode,
    },
}

impl Inst {
    /// `mv rd, rs` (`addi rd, rs, 0`).
    pub fn mv(rd: Reg, rs: Reg) -> Inst {
        Inst::AluRRImm12 { op: ImmOp::Addi, rd, rs1: rs, imm: 0 }
    }
    /// `fmv.d rd, rs` (`fsgnj.d rd, rs, rs`): moves a whole float register.
    pub fn fmv(rd: Reg, rs: Reg) -> Inst {
        Inst::FpuRRR { op: FpuOp2::Sgnj, size: FpSize::D, frm: Frm::Dyn, rd, rs1: rs, rs2: rs }
    }
    /// A move of a whole register of either class (`mv` or `fmv.d`).
    pub fn gen_move_any(rd: Reg, rs: Reg) -> Inst {
        if rd.class() == crate::machinst::RegClass::Int { Inst::mv(rd, rs) } else { Inst::fmv(rd, rs) }
    }
    /// `li rd, imm` (`addi rd, zero, imm`), imm -2048..=2047.
    pub fn li(rd: Reg, imm: i16) -> Inst {
        Inst::AluRRImm12 { op: ImmOp::Addi, rd, rs1: regs::zero(), imm }
    }

    /// The instructions that put `value` in `rd`: `li` for 12 bits, `lui` (+ `addiw`) for
    /// 32 bits, else the upper part built recursively, shifted with `slli` and completed
    /// with `addi`, when that takes at most four instructions; otherwise a literal-pool
    /// load (`auipc` + `ld`). Each step after the first reads `rd`, so `rd` must be
    /// physical (emission's `t6`); lowering builds the same chain with a fresh virtual
    /// register per step.
    pub fn load_constant(rd: Reg, value: u64) -> Vec<Inst> {
        let mut out = Vec::new();
        build_constant(rd, value as i64, &mut out);
        if out.len() > 4 {
            return vec![Inst::LoadConst { op: LoadOp::Ld, rd, bits: value }];
        }
        out
    }
}

fn build_constant(rd: Reg, v: i64, out: &mut Vec<Inst>) {
    if fits_simm12(v) {
        out.push(Inst::li(rd, v as i16));
        return;
    }
    let lo = lo12(v);
    if v == v as i32 as i64 {
        // `addiw` wraps at 32 bits, so an upper part of 0x80000 (for values just below
        // 2^31) still gives the right sign-extended result.
        out.push(Inst::Lui { rd, imm: ((v.wrapping_sub(lo as i64) >> 12) as u32) & 0xf_ffff });
        if lo != 0 {
            out.push(Inst::AluRRImm12 { op: ImmOp::Addiw, rd, rs1: rd, imm: lo });
        }
        return;
    }
    // Every step wraps modulo 2^64, so the upper part may wrap too (values near
    // `i64::MAX` with a negative low part).
    let hi = v.wrapping_sub(lo as i64) >> 12;
    let shift = hi.trailing_zeros();
    build_constant(rd, hi >> shift, out);
    out.push(Inst::ShiftImm { op: ShiftOp::Slli, rd, rs1: rd, shamt: (12 + shift) as u8 });
    if lo != 0 {
        out.push(Inst::AluRRImm12 { op: ImmOp::Addi, rd, rs1: rd, imm: lo });
    }
}

/// The machine address for `base + offset`: the offset itself when it fits 12 bits;
/// else `lui t6, hi; add t6, t6, base` and the low 12 bits; else the whole offset built in
/// `t6`, added to the base. Returns the instructions to put before the access.
pub fn offset_amode(base: Reg, offset: i64) -> (Vec<Inst>, AMode) {
    if fits_simm12(offset) {
        return (Vec::new(), AMode::RegOffset { base, offset: offset as i16 });
    }
    let tmp = regs::spilltmp();
    let add = Inst::AluRRR { op: AluOp::Add, rd: tmp, rs1: tmp, rs2: base };
    if let Some((hi, lo)) = split_hi_lo(offset) {
        return (vec![Inst::Lui { rd: tmp, imm: hi }, add], AMode::RegOffset { base: tmp, offset: lo });
    }
    let mut prefix = Inst::load_constant(tmp, offset as u64);
    prefix.push(add);
    (prefix, AMode::RegOffset { base: tmp, offset: 0 })
}

impl Inst {
    /// The steps of an [`Inst::AtomicLoop`] (`None` for other instructions).
    pub fn atomic_steps(&self) -> Option<Vec<atomic::Step>> {
        match *self {
            Inst::AtomicLoop { op, bits, big, addr, src, expected, old, t1, t2, t3, t4 } => {
                Some(atomic::steps(op, bits, big, &atomic::LoopRegs { addr, src, expected, old, t1, t2, t3, t4 }))
            }
            _ => None,
        }
    }

    /// The machine instructions a pseudo-form stands for, when it is one: `AdjustSp`, and
    /// loads and stores whose address is resolved at emission (`BaseOffset`, `SpOffset`,
    /// and, given the frame, `StackSlot` and `IncomingArg`). `None` for a machine
    /// instruction, or when the frame is needed and not given. The encoder emits the
    /// expansion and the printer prints it, so both agree by construction.
    pub fn expand(&self, frame: Option<&crate::machinst::FrameInfo>) -> Option<Vec<Inst>> {
        let resolve = |mem: &AMode| -> Option<(Vec<Inst>, AMode)> {
            let sp = regs::sp();
            Some(match *mem {
                AMode::BaseOffset { base, offset } => offset_amode(base, offset),
                AMode::SpOffset { offset } => offset_amode(sp, offset),
                AMode::StackSlot { offset } => offset_amode(sp, frame?.stack_slot_offset(offset) as i64),
                AMode::IncomingArg { offset } => offset_amode(regs::fp(), offset as i64),
                AMode::RegOffset { .. } => return None,
            })
        };
        match self {
            Inst::AdjustSp { amount } => Some(adjust_sp(*amount)),
            &Inst::Extend { rd, rs, bits, signed } => Some(extend(rd, rs, bits, signed)),
            Inst::Lea { rd, mem } => {
                let (mut out, mem) = match *mem {
                    AMode::RegOffset { base, offset } => (Vec::new(), AMode::RegOffset { base, offset }),
                    other => resolve(&other)?,
                };
                let AMode::RegOffset { base, offset } = mem else { return None };
                out.push(Inst::AluRRImm12 { op: ImmOp::Addi, rd: *rd, rs1: base, imm: offset });
                Some(out)
            }
            Inst::Load { op, rd, mem, trap } => {
                let (mut out, mem) = resolve(mem)?;
                out.push(Inst::Load { op: *op, rd: *rd, mem, trap: *trap });
                Some(out)
            }
            Inst::Store { op, src, mem, trap } => {
                let (mut out, mem) = resolve(mem)?;
                out.push(Inst::Store { op: *op, src: *src, mem, trap: *trap });
                Some(out)
            }
            _ => None,
        }
    }
}

/// `AdjustSp`'s instructions: one `addi sp, sp, amount`, or the amount built in `t6` and
/// `add sp, sp, t6`.
fn adjust_sp(amount: i64) -> Vec<Inst> {
    let sp = regs::sp();
    if amount == 0 {
        return Vec::new();
    }
    if fits_simm12(amount) {
        return vec![Inst::AluRRImm12 { op: ImmOp::Addi, rd: sp, rs1: sp, imm: amount as i16 }];
    }
    let tmp = regs::spilltmp();
    let mut out = Inst::load_constant(tmp, amount as u64);
    out.push(Inst::AluRRR { op: AluOp::Add, rd: sp, rs1: sp, rs2: tmp });
    out
}

/// `Extend`'s instructions (see [`Inst::Extend`]).
fn extend(rd: Reg, rs: Reg, bits: u8, signed: bool) -> Vec<Inst> {
    match (bits, signed) {
        (8, false) => vec![Inst::AluRRImm12 { op: ImmOp::Andi, rd, rs1: rs, imm: 255 }],
        (32, true) => vec![Inst::AluRRImm12 { op: ImmOp::Addiw, rd, rs1: rs, imm: 0 }],
        _ => {
            let shamt = 64 - bits.min(63);
            let right = if signed { ShiftOp::Srai } else { ShiftOp::Srli };
            vec![
                Inst::ShiftImm { op: ShiftOp::Slli, rd, rs1: rs, shamt },
                Inst::ShiftImm { op: right, rd, rs1: rd, shamt },
            ]
        }
    }
}
