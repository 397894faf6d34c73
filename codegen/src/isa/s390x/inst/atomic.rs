//! The steps of [`Inst::AtomicLoop`]: a compare-and-swap loop for the atomic operations
//! the interlocked-access facility has no instruction for (exchange, `nand`, minimum and
//! maximum, compare-and-swap of 8 and 16 bits, anything on 8- and 16-bit memory or in
//! little-endian byte order). The printer and the encoder both walk [`steps`], so they
//! agree by construction; branches are relative (`brc` with a byte distance counted
//! from the lengths [`step_len`] gives), so the loop needs no labels.
//!
//! The loop, with `T` = `r0` and `N` = `r1` (emission scratch, never allocated; both only
//! hold values, never a base or an index, so `r0` is usable):
//!
//! ```text
//!       l/lg    old, 0(addr)          ; the word as memory holds it
//! loop: T = the value in old          ; see below
//!       N = op(T, src)                ; compare-and-swap: exit to `end` when T != expected
//!       T/N = N back in memory form
//!       cs/csg  old, T/N, 0(addr)     ; stores when memory still is old, else reloads old
//!       jl      loop                  ; CC 1: memory changed under us
//! end:
//! ```
//!
//! 32 and 64 bits: the value is `old` itself (big-endian) or `old` byte-reversed
//! (`lrvr`/`lrvgr`, little-endian). 8 and 16 bits: `addr` is the aligned 32-bit word,
//! `shift` the value's bit offset in it counted from the most significant end (eight
//! times the address: `rll` reads the low 6 bits) and `neg` its negation. The word is
//! rotated left by `shift`, which brings the value to the top bits of `T` (a little-endian
//! 16-bit value: the word byte-reversed and rotated by `16 - shift`, which brings it there
//! in numeric order); the operands `src` and `expected` come shifted to the top as well
//! (their other bits zero), so `ar`, `sr`, the logical operations and the 32-bit
//! comparisons give the right top bits whatever the other bits of `T` are. The new top
//! bits are inserted into `T` with `risbg` and the word rotated back. Compare-and-swap of
//! 8 and 16 bits tests the top bits of `T ^ expected` with `risbg` (which sets the
//! condition code) before the store.
//!
//! After the loop, `old` holds the memory word the operation saw; lowering extracts the
//! value from it (`Inst::AtomicLoop`'s documentation says how).

use super::Inst;
use super::args::{AluRRROp, CasOp, CmpOp, Cond, ImmOp, LoadOp, MemArg, RxSbgOp, ShiftOp, UnaryOp};
use crate::ir::{AtomicRmwOp, TrapCode};
use crate::isa::s390x::emit::uses_short_form;
use crate::isa::s390x::regs;
use crate::machinst::Reg;

/// The operation of an [`Inst::AtomicLoop`]: a read-modify-write, or a compare-and-swap
/// (store `src` if the old value equals `expected`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AtomicLoopOp {
    /// `atomic_rmw`'s operation.
    Rmw(AtomicRmwOp),
    /// Compare-and-swap.
    Cas,
}

impl AtomicLoopOp {
    /// Every operation.
    pub fn all() -> impl Iterator<Item = AtomicLoopOp> {
        AtomicRmwOp::ALL.into_iter().map(AtomicLoopOp::Rmw).chain([AtomicLoopOp::Cas])
    }
}

/// One step of the loop: an instruction, or a `brc` with mask `Cond` to another step (by
/// index; the index one past the last is the end of the loop).
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// An instruction.
    Inst(Inst),
    /// `brc cond, step`.
    Branch(Cond, usize),
}

/// The operands of one loop (see [`Inst::AtomicLoop`]).
#[derive(Copy, Clone, Debug)]
pub struct LoopArgs {
    /// The operation.
    pub op: AtomicLoopOp,
    /// The width: 8, 16, 32 or 64.
    pub bits: u8,
    /// Little-endian memory.
    pub little: bool,
    /// The address (the aligned word's for 8 and 16 bits).
    pub addr: Reg,
    /// 8 and 16 bits: eight times the address.
    pub shift: Reg,
    /// 8 and 16 bits: minus `shift`.
    pub neg: Reg,
    /// The operand or the replacement (8 and 16 bits: shifted to the top of 32 bits).
    pub src: Reg,
    /// The expected value of a compare-and-swap (8 and 16 bits: shifted to the top).
    pub expected: Reg,
    /// The memory word last seen.
    pub old: Reg,
    /// Trap code recorded at the load and at the `cs`.
    pub trap: Option<TrapCode>,
}

fn rrr(op: AluRRROp, rd: Reg, rn: Reg, rm: Reg) -> Step {
    Step::Inst(Inst::AluRRR { op, rd, rn, rm })
}
fn unary(op: UnaryOp, rd: Reg, rn: Reg) -> Step {
    Step::Inst(Inst::Unary { op, rd, rn })
}
fn rll(rd: Reg, rn: Reg, amt: i32, amt_reg: Reg) -> Step {
    Step::Inst(Inst::Shift { op: ShiftOp::Rll, rd, rn, amt, amt_reg })
}
/// `risbg rd, rn, 32, 32 + bits - 1 (| 0x80 when `zero`), 0`: the top `bits` of the low
/// word of `rn` into `rd`.
fn insert_top(rd: Reg, rn: Reg, bits: u8, zero: bool) -> Step {
    let end = 31 + bits + if zero { 0x80 } else { 0 };
    Step::Inst(Inst::RxSbg { op: RxSbgOp::Risbg, rd, ri: rd, rn, start: 32, end, rotate: 0 })
}

/// The new value `N` from the value `v` and `src` (for compare-and-swap, `src` itself
/// after the test); returns the register holding it.
fn compute(a: &LoopArgs, v: Reg, out: &mut Vec<Step>) -> (Reg, Option<usize>) {
    let n = regs::scratch();
    let wide = a.bits == 64;
    let pick = |w: AluRRROp, g: AluRRROp| if wide { g } else { w };
    let mut exit = None;
    let new = match a.op {
        AtomicLoopOp::Rmw(AtomicRmwOp::Add) => {
            out.push(rrr(pick(AluRRROp::Ark, AluRRROp::Agrk), n, v, a.src));
            n
        }
        AtomicLoopOp::Rmw(AtomicRmwOp::Sub) => {
            out.push(rrr(pick(AluRRROp::Srk, AluRRROp::Sgrk), n, v, a.src));
            n
        }
        AtomicLoopOp::Rmw(AtomicRmwOp::And) => {
            out.push(rrr(pick(AluRRROp::Nrk, AluRRROp::Ngrk), n, v, a.src));
            n
        }
        AtomicLoopOp::Rmw(AtomicRmwOp::Or) => {
            out.push(rrr(pick(AluRRROp::Ork, AluRRROp::Ogrk), n, v, a.src));
            n
        }
        AtomicLoopOp::Rmw(AtomicRmwOp::Xor) => {
            out.push(rrr(pick(AluRRROp::Xrk, AluRRROp::Xgrk), n, v, a.src));
            n
        }
        AtomicLoopOp::Rmw(AtomicRmwOp::Nand) => {
            out.push(rrr(pick(AluRRROp::Nrk, AluRRROp::Ngrk), n, v, a.src));
            out.push(Step::Inst(Inst::AluImm { op: ImmOp::Xilf, rd: n, ri: n, imm: u32::MAX }));
            if wide {
                out.push(Step::Inst(Inst::AluImm { op: ImmOp::Xihf, rd: n, ri: n, imm: u32::MAX }));
            }
            n
        }
        AtomicLoopOp::Rmw(AtomicRmwOp::Xchg) => a.src,
        AtomicLoopOp::Rmw(AtomicRmwOp::Smin | AtomicRmwOp::Smax | AtomicRmwOp::Umin | AtomicRmwOp::Umax) => {
            let signed = matches!(a.op, AtomicLoopOp::Rmw(AtomicRmwOp::Smin | AtomicRmwOp::Smax));
            let cmp = match (signed, wide) {
                (true, false) => CmpOp::Cr,
                (true, true) => CmpOp::Cgr,
                (false, false) => CmpOp::Clr,
                (false, true) => CmpOp::Clgr,
            };
            // N = v, replaced by src when src is below (minimum) or above (maximum) it.
            let take = if matches!(a.op, AtomicLoopOp::Rmw(AtomicRmwOp::Smin | AtomicRmwOp::Umin)) {
                Cond::LT
            } else {
                Cond::GT
            };
            out.push(unary(UnaryOp::Lgr, n, v));
            out.push(Step::Inst(Inst::Cmp { op: cmp, rn: a.src, rm: v }));
            let op = if wide { super::args::CMovOp::Locgr } else { super::args::CMovOp::Locr };
            out.push(Step::Inst(Inst::CMov { op, cond: take, rd: n, ri: n, rm: a.src }));
            n
        }
        AtomicLoopOp::Cas => {
            if a.bits >= 32 {
                out.push(Step::Inst(Inst::Cmp {
                    op: if wide { CmpOp::Cgr } else { CmpOp::Cr },
                    rn: v,
                    rm: a.expected,
                }));
            } else {
                // The top bits of v ^ expected, alone: risbg sets CC 0 when they are zero.
                out.push(rrr(AluRRROp::Xrk, n, v, a.expected));
                out.push(insert_top(n, n, a.bits, true));
            }
            exit = Some(out.len());
            out.push(Step::Branch(Cond::NE, usize::MAX));
            a.src
        }
    };
    (new, exit)
}

/// The steps of the loop.
pub fn steps(a: &LoopArgs) -> Vec<Step> {
    let (t, n) = (regs::zero_reg(), regs::scratch());
    let wide = a.bits == 64;
    let mem = MemArg::bd(a.addr, 0);
    let mut out =
        vec![Step::Inst(Inst::Load { op: if wide { LoadOp::Lg } else { LoadOp::L }, rd: a.old, mem, trap: a.trap })];
    let top = 1;
    let little16 = a.little && a.bits == 16;
    let rev = if wide { UnaryOp::Lrvgr } else { UnaryOp::Lrvr };
    // The value, in `v`.
    let v = if a.bits >= 32 {
        // An exchange of a whole word never looks at the old value.
        if a.little && a.op != AtomicLoopOp::Rmw(AtomicRmwOp::Xchg) {
            out.push(unary(rev, t, a.old));
            t
        } else {
            a.old
        }
    } else if little16 {
        out.push(unary(UnaryOp::Lrvr, t, a.old));
        out.push(rll(t, t, 16, a.neg));
        t
    } else {
        out.push(rll(t, a.old, 0, a.shift));
        t
    };
    let (new, exit) = compute(a, v, &mut out);
    // The new word, in `word`.
    let word = if a.bits >= 32 {
        if a.little {
            out.push(unary(rev, n, new));
            n
        } else {
            new
        }
    } else {
        out.push(insert_top(t, new, a.bits, false));
        if little16 {
            out.push(rll(t, t, -16, a.shift));
            out.push(unary(UnaryOp::Lrvr, t, t));
        } else {
            out.push(rll(t, t, 0, a.neg));
        }
        t
    };
    let op = if wide { CasOp::Csg } else { CasOp::Cs };
    out.push(Step::Inst(Inst::Cas { op, rd: a.old, ri: a.old, rn: word, mem, trap: a.trap }));
    out.push(Step::Branch(Cond::LT, top));
    let end = out.len();
    if let Some(i) = exit
        && let Step::Branch(_, to) = &mut out[i]
    {
        *to = end;
    }
    out
}

/// The encoded length of an instruction the loop uses (virtual registers allowed, so the
/// printer can count before allocation); the encoder checks it against what it wrote.
pub fn step_len(inst: &Inst) -> u32 {
    let by_opcode = |opc: u16| if opc < 0x100 { 2 } else { 4 };
    match inst {
        Inst::Load { op, mem, .. } => {
            if uses_short_form(op.enc(), mem) {
                4
            } else {
                6
            }
        }
        Inst::Cas { op, mem, .. } => {
            if uses_short_form(op.enc(), mem) {
                4
            } else {
                6
            }
        }
        Inst::Unary { op, .. } => by_opcode(op.enc().0),
        Inst::Cmp { op, .. } => by_opcode(op.enc()),
        Inst::AluImm { op, .. } => {
            if op.enc().1.is_32() {
                6
            } else {
                4
            }
        }
        Inst::AluRRR { .. } | Inst::CMov { .. } => 4,
        Inst::RxSbg { .. } | Inst::Shift { .. } => 6,
        other => panic!("not a step of an atomic loop: {other:?}"),
    }
}

/// The byte offset of each step from the loop's start, and the loop's length last.
pub fn offsets(steps: &[Step]) -> Vec<u32> {
    let mut at = 0;
    let mut out = Vec::with_capacity(steps.len() + 1);
    for s in steps {
        out.push(at);
        at += match s {
            Step::Inst(i) => step_len(i),
            Step::Branch(..) => 4,
        };
    }
    out.push(at);
    out
}
