//! The steps of [`Inst::AtomicLoop`]: an LR/SC loop for the atomic operations the A
//! extension has no single instruction for (`nand`, compare-and-swap, every operation on
//! 8- and 16-bit memory). The printer and the encoder both walk [`steps`], so they agree
//! by construction; every step is a 4-byte instruction (never compressed), so branch
//! distances are counted in steps.
//!
//! Registers: `t5` and `t6` (emission scratch, never allocated) hold the aligned word's
//! address and the bit offset of the value in it for 8- and 16-bit accesses; `old`, `t1`,
//! `t2`, `t3` and `t4` are the instruction's early defs (the loaded word, the new value
//! and the store's status, the value's mask in its word or the byte-swapped new value,
//! a byte-swap temporary).
//!
//! Big-endian memory: the loaded value is byte-swapped into `old` (the operation and
//! comparisons see the value), and the new value swapped back before it is stored. Sub-word values are found in their
//! aligned 32-bit word (little-endian: byte `addr & 3` of it), the new value merged into
//! the word through the mask, and the whole word stored conditionally.

use super::Inst;
use super::args::{AluOp, AmoOrder, AmoWidth, BranchOp, CondBrKind, ImmOp, ShiftOp};
use crate::isa::riscv64::regs;
use crate::machinst::Reg;

/// The operation of an [`Inst::AtomicLoop`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AtomicLoopOp {
    /// Wrapping add.
    Add,
    /// Wrapping subtract.
    Sub,
    /// And.
    And,
    /// Not-and.
    Nand,
    /// Or.
    Or,
    /// Exclusive or.
    Xor,
    /// Exchange.
    Xchg,
    /// Signed minimum.
    Smin,
    /// Signed maximum.
    Smax,
    /// Unsigned minimum.
    Umin,
    /// Unsigned maximum.
    Umax,
    /// Compare-and-swap: store `src` if the old value equals `expected`.
    Cas,
}

impl AtomicLoopOp {
    /// Every operation.
    pub const ALL: [AtomicLoopOp; 12] = [
        AtomicLoopOp::Add,
        AtomicLoopOp::Sub,
        AtomicLoopOp::And,
        AtomicLoopOp::Nand,
        AtomicLoopOp::Or,
        AtomicLoopOp::Xor,
        AtomicLoopOp::Xchg,
        AtomicLoopOp::Smin,
        AtomicLoopOp::Smax,
        AtomicLoopOp::Umin,
        AtomicLoopOp::Umax,
        AtomicLoopOp::Cas,
    ];
}

/// One step of the loop: an instruction, or a branch to another step (by index; the
/// index one past the last is the end of the loop).
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// An instruction.
    Inst(Inst),
    /// A conditional branch to step `to`.
    Branch(CondBrKind, usize),
}

/// The registers of one loop.
#[derive(Copy, Clone, Debug)]
pub struct LoopRegs {
    /// The address.
    pub addr: Reg,
    /// The operand or replacement: for 32-bit accesses sign-extended, for 8 and 16 bits
    /// extended as the comparison of `smin`/`smax` (sign) or `umin`/`umax` (zero) needs.
    pub src: Reg,
    /// The expected value (compare-and-swap): sign-extended for 32 bits.
    pub expected: Reg,
    /// The old value.
    pub old: Reg,
    /// Scratch.
    pub t1: Reg,
    /// Scratch.
    pub t2: Reg,
    /// Scratch.
    pub t3: Reg,
    /// Scratch.
    pub t4: Reg,
}

fn alu(op: AluOp, rd: Reg, rs1: Reg, rs2: Reg) -> Step {
    Step::Inst(Inst::AluRRR { op, rd, rs1, rs2 })
}
fn imm(op: ImmOp, rd: Reg, rs1: Reg, imm: i16) -> Step {
    Step::Inst(Inst::AluRRImm12 { op, rd, rs1, imm })
}
fn shift(op: ShiftOp, rd: Reg, rs1: Reg, shamt: u8) -> Step {
    Step::Inst(Inst::ShiftImm { op, rd, rs1, shamt })
}

/// The new value `t2` from the old value `v` (its low bits, extended as `src` is when
/// `ext` shifts are given) and `src`; min and max keep the old value by branching over
/// the move of `src`.
fn compute(op: AtomicLoopOp, r: &LoopRegs, v: Reg, ext: Option<(u8, bool)>, out: &mut Vec<Step>) {
    let (t2, src) = (r.t2, r.src);
    match op {
        AtomicLoopOp::Add => out.push(alu(AluOp::Add, t2, v, src)),
        AtomicLoopOp::Sub => out.push(alu(AluOp::Sub, t2, v, src)),
        AtomicLoopOp::And => out.push(alu(AluOp::And, t2, v, src)),
        AtomicLoopOp::Or => out.push(alu(AluOp::Or, t2, v, src)),
        AtomicLoopOp::Xor => out.push(alu(AluOp::Xor, t2, v, src)),
        AtomicLoopOp::Nand => {
            out.push(alu(AluOp::And, t2, v, src));
            out.push(imm(ImmOp::Xori, t2, t2, -1));
        }
        AtomicLoopOp::Xchg | AtomicLoopOp::Cas => out.push(Step::Inst(Inst::mv(t2, src))),
        AtomicLoopOp::Smin | AtomicLoopOp::Smax | AtomicLoopOp::Umin | AtomicLoopOp::Umax => {
            match ext {
                Some((shamt, signed)) => {
                    out.push(shift(ShiftOp::Slli, t2, v, shamt));
                    out.push(shift(if signed { ShiftOp::Srai } else { ShiftOp::Srli }, t2, t2, shamt));
                }
                None => out.push(Step::Inst(Inst::mv(t2, v))),
            }
            let signed = matches!(op, AtomicLoopOp::Smin | AtomicLoopOp::Smax);
            let ge = if signed { BranchOp::Bge } else { BranchOp::Bgeu };
            // Keep the old value when it already is the minimum (maximum).
            let keep = if matches!(op, AtomicLoopOp::Smin | AtomicLoopOp::Umin) {
                CondBrKind { op: ge, rs1: src, rs2: t2 }
            } else {
                CondBrKind { op: ge, rs1: t2, rs2: src }
            };
            let after = out.len() + 2;
            out.push(Step::Branch(keep, after));
            out.push(Step::Inst(Inst::mv(t2, src)));
        }
    }
}

/// `dst` = the low `bytes` bytes of `src` in the other byte order (zero above them), with
/// `tmp` as scratch (`dst`, `src` and `tmp` distinct).
fn bswap(dst: Reg, src: Reg, tmp: Reg, bytes: u8, out: &mut Vec<Step>) {
    for i in 0..bytes {
        out.push(shift(ShiftOp::Srli, tmp, src, 8 * i));
        out.push(imm(ImmOp::Andi, tmp, tmp, 255));
        out.push(shift(ShiftOp::Slli, tmp, tmp, 8 * (bytes - 1 - i)));
        out.push(if i == 0 { Step::Inst(Inst::mv(dst, tmp)) } else { alu(AluOp::Or, dst, dst, tmp) });
    }
}

/// The steps of the loop for `op` on `bits`-bit memory in the byte order `big` says.
pub fn steps(op: AtomicLoopOp, bits: u8, big: bool, r: &LoopRegs) -> Vec<Step> {
    let big = big && bits > 8;
    let order = AmoOrder::AcqRel;
    let (t5, t6) = (regs::spilltmp2(), regs::spilltmp());
    let mut out = Vec::new();
    if bits >= 32 {
        let width = if bits == 32 { AmoWidth::W } else { AmoWidth::D };
        let bytes = bits / 8;
        if big {
            out.push(Step::Inst(Inst::LoadReserved { width, order, rd: r.t1, addr: r.addr }));
            bswap(r.old, r.t1, r.t4, bytes, &mut out);
            if bits == 32 {
                out.push(imm(ImmOp::Addiw, r.old, r.old, 0));
            }
        } else {
            out.push(Step::Inst(Inst::LoadReserved { width, order, rd: r.old, addr: r.addr }));
        }
        let cas_exit = out.len();
        let new = if op == AtomicLoopOp::Cas {
            out.push(Step::Branch(CondBrKind { op: BranchOp::Bne, rs1: r.old, rs2: r.expected }, usize::MAX));
            r.src
        } else {
            compute(op, r, r.old, None, &mut out);
            r.t2
        };
        let new = if big {
            bswap(r.t3, new, r.t4, bytes, &mut out);
            r.t3
        } else {
            new
        };
        out.push(Step::Inst(Inst::StoreConditional { width, order, rd: r.t1, addr: r.addr, src: new }));
        out.push(Step::Branch(CondBrKind { op: BranchOp::Bne, rs1: r.t1, rs2: regs::zero() }, 0));
        let end = out.len();
        if let Step::Branch(_, to) = &mut out[cas_exit] {
            *to = end;
        }
        return out;
    }
    // The aligned word, the value's bit offset in it and its mask there.
    let pre = vec![
        imm(ImmOp::Andi, t5, r.addr, -4),
        imm(ImmOp::Andi, t6, r.addr, 3),
        shift(ShiftOp::Slli, t6, t6, 3),
        imm(ImmOp::Addi, r.t3, regs::zero(), -1),
        shift(ShiftOp::Srli, r.t3, r.t3, 64 - bits),
        alu(AluOp::Sll, r.t3, r.t3, t6),
    ];
    let start = pre.len();
    out.extend(pre);
    out.push(Step::Inst(Inst::LoadReserved { width: AmoWidth::W, order, rd: r.t1, addr: t5 }));
    out.push(alu(AluOp::Srl, r.old, r.t1, t6));
    if big {
        // Only 16 bits here: swap the two low bytes of `old` in place.
        out.push(shift(ShiftOp::Srli, r.t4, r.old, 8));
        out.push(imm(ImmOp::Andi, r.t4, r.t4, 255));
        out.push(imm(ImmOp::Andi, r.old, r.old, 255));
        out.push(shift(ShiftOp::Slli, r.old, r.old, 8));
        out.push(alu(AluOp::Or, r.old, r.old, r.t4));
    }
    let mut cas_exit = None;
    if op == AtomicLoopOp::Cas {
        // ((old ^ expected) << offset) & mask is zero exactly when the values are equal.
        out.push(alu(AluOp::Xor, r.t2, r.old, r.expected));
        out.push(alu(AluOp::Sll, r.t2, r.t2, t6));
        out.push(alu(AluOp::And, r.t2, r.t2, r.t3));
        cas_exit = Some(out.len());
        out.push(Step::Branch(CondBrKind { op: BranchOp::Bne, rs1: r.t2, rs2: regs::zero() }, usize::MAX));
    }
    let signed = matches!(op, AtomicLoopOp::Smin | AtomicLoopOp::Smax);
    compute(op, r, r.old, Some((64 - bits, signed)), &mut out);
    if big {
        out.push(shift(ShiftOp::Srli, r.t4, r.t2, 8));
        out.push(imm(ImmOp::Andi, r.t4, r.t4, 255));
        out.push(imm(ImmOp::Andi, r.t2, r.t2, 255));
        out.push(shift(ShiftOp::Slli, r.t2, r.t2, 8));
        out.push(alu(AluOp::Or, r.t2, r.t2, r.t4));
    }
    // word ^ ((word ^ (new << offset)) & mask): the new value in the old word.
    out.push(alu(AluOp::Sll, r.t2, r.t2, t6));
    out.push(alu(AluOp::Xor, r.t2, r.t2, r.t1));
    out.push(alu(AluOp::And, r.t2, r.t2, r.t3));
    out.push(alu(AluOp::Xor, r.t2, r.t2, r.t1));
    out.push(Step::Inst(Inst::StoreConditional { width: AmoWidth::W, order, rd: r.t1, addr: t5, src: r.t2 }));
    out.push(Step::Branch(CondBrKind { op: BranchOp::Bne, rs1: r.t1, rs2: regs::zero() }, start));
    let end = out.len();
    if let Some(i) = cas_exit
        && let Step::Branch(_, to) = &mut out[i]
    {
        *to = end;
    }
    out
}

/// The byte distance of a branch at step `from` to step `to`.
pub fn branch_delta(from: usize, to: usize) -> i64 {
    (to as i64 - from as i64) * 4
}
