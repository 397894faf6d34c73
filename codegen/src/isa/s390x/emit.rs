//! The s390x encoder: writes each [`Inst`] as big-endian halfwords (instructions of 2, 4
//! or 6 bytes) into a [`MachBuffer`], with the label uses of branches and `larl`, the
//! relocations of calls and symbol addresses, and trap and call sites.
//!
//! Label uses ([`S390xLabelUse`]) patch the halfword-offset field of an instruction,
//! counted from the instruction's start, where the encoder left zero: 16 bits in the RI
//! and RIE branches (`brc`, `crj`, `cij`: ±64 KiB) and 32 bits in the RIL ones (`brcl`,
//! `larl`, `lgrl`: ±4 GiB). A 16-bit branch that cannot reach goes to a `jg` (`brcl 15`)
//! veneer placed by the buffer in an island; nothing needs more.
//!
//! Register fields panic on a register of the wrong class or a virtual register, and a
//! two-address form whose result and operand registers differ panics too: that is a bug in
//! lowering or allocation (emission runs after allocation), never an input error.

use super::inst::args::*;
use super::inst::atomic::{self, Step};
use super::inst::imms::{fits_disp12, fits_disp20, split_disp20};
use super::inst::{Inst, JUMP_TABLE_CODE, JUMP_TABLE_LARL_TO_TABLE};
use super::regs;
use crate::machinst::{EmitState, LabelUse, MachBuffer, MachLabel, Reg, RegClass, RelocKind};

/// How an s390x instruction refers to a label. The use offset is the instruction's start,
/// from which the distance counts.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum S390xLabelUse {
    /// A signed 16-bit halfword offset in bytes 2-3 (RI-c, RIE-b/c): ±64 KiB.
    Pc16Dbl,
    /// A signed 32-bit halfword offset in bytes 2-5 (RIL-b/c): ±4 GiB.
    Pc32Dbl,
    /// A signed 32-bit byte offset in bytes 0-3, counted from the field itself: a
    /// jump-table entry (±2 GiB).
    Rel32,
}

impl LabelUse for S390xLabelUse {
    const ALIGN: u32 = 2;

    fn patch_size(self) -> u32 {
        match self {
            S390xLabelUse::Pc16Dbl => 4,
            S390xLabelUse::Pc32Dbl => 6,
            S390xLabelUse::Rel32 => 4,
        }
    }
    fn max_forward(self) -> u32 {
        match self {
            S390xLabelUse::Pc16Dbl => (1 << 16) - 2,
            S390xLabelUse::Pc32Dbl => u32::MAX - 1,
            S390xLabelUse::Rel32 => i32::MAX as u32,
        }
    }
    fn max_backward(self) -> u32 {
        match self {
            S390xLabelUse::Pc16Dbl => 1 << 16,
            S390xLabelUse::Pc32Dbl => u32::MAX - 1,
            S390xLabelUse::Rel32 => 1 << 31,
        }
    }
    fn patch(self, bytes: &mut [u8], use_offset: u32, label_offset: u32) {
        let halfwords = (label_offset as i64 - use_offset as i64) >> 1;
        match self {
            S390xLabelUse::Pc16Dbl => bytes[2..4].copy_from_slice(&(halfwords as i16).to_be_bytes()),
            S390xLabelUse::Pc32Dbl => bytes[2..6].copy_from_slice(&(halfwords as i32).to_be_bytes()),
            S390xLabelUse::Rel32 => {
                let delta = label_offset as i64 - use_offset as i64;
                bytes[0..4].copy_from_slice(&(delta as i32).to_be_bytes())
            }
        }
    }
    fn supports_veneer(self) -> bool {
        self == S390xLabelUse::Pc16Dbl
    }
    fn veneer_size(self) -> u32 {
        match self {
            S390xLabelUse::Pc16Dbl => 6,
            S390xLabelUse::Pc32Dbl | S390xLabelUse::Rel32 => 0,
        }
    }
    fn generate_veneer(self, veneer: &mut [u8], veneer_offset: u32) -> Option<(u32, Self)> {
        match self {
            S390xLabelUse::Pc16Dbl => {
                veneer.copy_from_slice(&ril(0xC04, 15, 0));
                Some((veneer_offset, S390xLabelUse::Pc32Dbl))
            }
            S390xLabelUse::Pc32Dbl | S390xLabelUse::Rel32 => None,
        }
    }
}

fn preg_num(r: Reg) -> u32 {
    let p = r.to_preg().expect("s390x emission needs allocated (physical) registers");
    p.hw_enc() as u32
}

/// A general register field.
pub fn gr(r: Reg) -> u32 {
    assert_eq!(r.class(), RegClass::Int, "{r:?} is not a general register");
    preg_num(r)
}

/// A float register field.
pub fn fr(r: Reg) -> u32 {
    assert_eq!(r.class(), RegClass::Float, "{r:?} is not a float register");
    preg_num(r)
}

fn check(ok: bool, what: &str) {
    assert!(ok, "not encodable: {what}");
}

/// Whether `even` and `odd` are an even/odd register pair.
fn is_pair(even: Reg, odd: Reg) -> bool {
    gr(even).is_multiple_of(2) && gr(odd) == gr(even) + 1
}

/// Checks that a two-address form got its result in its operand's register.
fn same(rd: Reg, ri: Reg) {
    assert_eq!(rd, ri, "a two-address instruction's result must be in its first operand's register");
}

/// RR: `op r1 r2` (2 bytes).
pub fn rr(op: u16, r1: u32, r2: u32) -> Vec<u8> {
    vec![op as u8, ((r1 << 4) | r2) as u8]
}

/// RRE (and RRF/RRD, whose third byte holds more fields): `op16 b2 r1 r2` (4 bytes).
pub fn rrf(op: u16, byte2: u32, r1: u32, r2: u32) -> Vec<u8> {
    let [a, b] = op.to_be_bytes();
    vec![a, b, byte2 as u8, ((r1 << 4) | r2) as u8]
}

/// An RR opcode (below 0x100) or an RRE one.
fn rr_or_rre(op: u16, r1: u32, r2: u32) -> Vec<u8> {
    if op < 0x100 { rr(op, r1, r2) } else { rrf(op, 0, r1, r2) }
}

/// RX/RS: `op8 r1 x2 b2 d12` (4 bytes); RS puts R3 in the X2 place.
pub fn rx(op: u8, r1: u32, x2: u32, b2: u32, d: u32) -> Vec<u8> {
    vec![op, ((r1 << 4) | x2) as u8, ((b2 << 4) | (d >> 8)) as u8, d as u8]
}

/// RXY/RSY: `op r1 x2 b2 dl dh op` (6 bytes); RSY puts R3 in the X2 place.
pub fn rxy(op: u16, r1: u32, x2: u32, b2: u32, disp: i32) -> Vec<u8> {
    let (dl, dh) = split_disp20(disp);
    let [a, b] = op.to_be_bytes();
    vec![a, ((r1 << 4) | x2) as u8, ((b2 << 4) | (dl >> 8)) as u8, dl as u8, dh as u8, b]
}

/// RI: `op r1 op i16` (4 bytes), the 12-bit opcode split around R1.
pub fn ri(op: u16, r1: u32, imm: u16) -> Vec<u8> {
    let [i0, i1] = imm.to_be_bytes();
    vec![(op >> 4) as u8, ((r1 << 4) | (op as u32 & 0xf)) as u8, i0, i1]
}

/// RIL: `op r1 op i32` (6 bytes).
pub fn ril(op: u16, r1: u32, imm: u32) -> [u8; 6] {
    let [i0, i1, i2, i3] = imm.to_be_bytes();
    [(op >> 4) as u8, ((r1 << 4) | (op as u32 & 0xf)) as u8, i0, i1, i2, i3]
}

/// RIE: the first opcode byte, four field bytes, the second opcode byte (6 bytes).
pub fn rie(op: u16, fields: [u8; 4]) -> Vec<u8> {
    let [a, b] = op.to_be_bytes();
    vec![a, fields[0], fields[1], fields[2], fields[3], b]
}

/// The fields of a machine storage operand: `(base, index, disp)`.
fn bxd(mem: &MemArg) -> (u32, u32, i32) {
    match *mem {
        MemArg::BXD { base, index, disp } => (gr(base), gr(index), disp),
        _ => unreachable!("resolved by Inst::expand"),
    }
}

/// A storage operation in its short form when the displacement fits 12 bits and it has
/// one, else its long form. `r3_or_x` is the second register of RS/RSY forms, which take
/// no index (`None` for RX/RXY, whose index comes from `mem`).
pub fn mem_op(enc: MemEnc, r1: u32, r3_or_x: Option<u32>, mem: &MemArg) -> Vec<u8> {
    let (b, x, d) = bxd(mem);
    let second = match r3_or_x {
        Some(r3) => {
            check(x == 0, "an RS/RSY operand without an index");
            r3
        }
        None => x,
    };
    match (enc.short, enc.long) {
        (Some((op, _)), _) if fits_disp12(d as i64) => rx(op, r1, second, b, d as u32),
        (_, Some((op, _))) => {
            check(fits_disp20(d as i64), "a 20-bit displacement");
            rxy(op, r1, second, b, d)
        }
        _ => panic!("not encodable: a displacement of {d} in a short-only form"),
    }
}

/// Whether `mem_op` picks the short form of `enc` for `mem`.
pub fn uses_short_form(enc: MemEnc, mem: &MemArg) -> bool {
    let MemArg::BXD { disp, .. } = *mem else { return false };
    enc.short.is_some() && fits_disp12(disp as i64)
}

fn put(buf: &mut MachBuffer<S390xLabelUse>, bytes: &[u8]) {
    buf.put_data(bytes);
}

/// Writes `bytes` (an instruction whose offset field is zero) and a use of `label`.
fn put_with_label(buf: &mut MachBuffer<S390xLabelUse>, bytes: &[u8], label: MachLabel, kind: S390xLabelUse) {
    let at = buf.cur_offset();
    put(buf, bytes);
    buf.use_label_at_offset(at, label, kind);
}

/// The branch instruction of `kind` with offset field `halfwords`.
fn branch_bytes(kind: CondBrKind, halfwords: i16) -> Vec<u8> {
    let [h0, h1] = halfwords.to_be_bytes();
    match kind {
        CondBrKind::Cc(cond) => ri(0xA74, cond.0 as u32, halfwords as u16),
        CondBrKind::CmpRR { op, cond, rn, rm } => rie(op.enc(), [((gr(rn) << 4) | gr(rm)) as u8, h0, h1, cond.0 << 4]),
        CondBrKind::CmpRI { op, cond, rn, imm } => {
            rie(op.enc().0, [((gr(rn) << 4) | cond.0 as u32) as u8, h0, h1, imm])
        }
    }
}

fn put_cond_branch(buf: &mut MachBuffer<S390xLabelUse>, kind: CondBrKind, label: MachLabel) {
    put_with_label(buf, &branch_bytes(kind, 0), label, S390xLabelUse::Pc16Dbl);
}

fn put_jump(buf: &mut MachBuffer<S390xLabelUse>, target: MachLabel) {
    put_cond_branch(buf, CondBrKind::Cc(Cond::ALWAYS), target);
}

/// `j .+2`: the trap (see [`Inst::Udf`]).
pub const TRAP: [u8; 4] = [0xA7, 0xF4, 0x00, 0x01];

fn put_trap(buf: &mut MachBuffer<S390xLabelUse>, code: crate::ir::TrapCode) {
    buf.add_trap(code);
    put(buf, &TRAP);
}

/// Writes a RIL instruction with a relocation of its 32-bit field, which starts 2 bytes
/// in; the halfword offset counts from the instruction, so the relocation's addend is 2
/// more than the offset from the symbol wanted.
fn put_ril_reloc(
    buf: &mut MachBuffer<S390xLabelUse>,
    bytes: &[u8; 6],
    kind: RelocKind,
    name: &crate::ir::ExternalName,
    offset: i64,
) {
    put(buf, &bytes[..2]);
    buf.add_reloc(kind, name, offset + 2);
    put(buf, &bytes[2..]);
}

/// Writes the steps of an atomic loop; a branch's distance comes from the lengths
/// `atomic::offsets` counts, which each instruction is checked against.
fn emit_loop(steps: &[Step], buf: &mut MachBuffer<S390xLabelUse>, state: &EmitState<'_>) {
    let at = atomic::offsets(steps);
    let start = buf.cur_offset();
    for (k, step) in steps.iter().enumerate() {
        assert_eq!(buf.cur_offset() - start, at[k], "atomic loop step {k} misplaced");
        match *step {
            Step::Inst(ref i) => emit(i, buf, state),
            Step::Branch(cond, to) => {
                let halfwords = (at[to] as i64 - at[k] as i64) / 2;
                put(buf, &branch_bytes(CondBrKind::Cc(cond), halfwords as i16));
            }
        }
    }
    assert_eq!(buf.cur_offset() - start, at[steps.len()], "atomic loop length");
}

/// Writes a jump table (see [`Inst::JumpTable`]): the bounds check, the dispatch
/// ([`Inst::jump_table_dispatch`], around the `larl` of the table) and the entries.
fn emit_jump_table(
    index: Reg,
    default: MachLabel,
    targets: &[MachLabel],
    buf: &mut MachBuffer<S390xLabelUse>,
    state: &EmitState<'_>,
) {
    let size = JUMP_TABLE_CODE + 4 * (targets.len() as u32 + 1);
    // The table may be longer than the usual worst case: an island first when it would
    // carry a waiting 16-bit branch out of reach.
    if buf.island_needed(size) {
        buf.emit_island(size, &mut |b, after| put_jump(b, after));
    }
    let start = buf.cur_offset();
    let (check, dispatch) = Inst::jump_table_parts(index, targets.len() as u32);
    for i in &check {
        emit(i, buf, state);
    }
    emit(&dispatch[0], buf, state);
    // `larl %r0, table`: the table follows the rest of the dispatch.
    put(buf, &ril(0xC00, 0, JUMP_TABLE_LARL_TO_TABLE / 2));
    for i in &dispatch[1..] {
        emit(i, buf, state);
    }
    put(buf, &rr(0x07, 15, gr(regs::scratch())));
    assert_eq!(buf.cur_offset() - start, JUMP_TABLE_CODE, "jump table code length");
    for &t in targets.iter().chain([&default]) {
        let at = buf.cur_offset();
        put(buf, &[0; 4]);
        buf.use_label_at_offset(at, t, S390xLabelUse::Rel32);
    }
}

/// Writes `inst`'s machine code.
pub fn emit(inst: &Inst, buf: &mut MachBuffer<S390xLabelUse>, state: &EmitState<'_>) {
    if let Some(expansion) = inst.expand(Some(state.frame)) {
        for i in &expansion {
            emit(i, buf, state);
        }
        return;
    }
    if let Some(steps) = inst.atomic_steps() {
        emit_loop(&steps, buf, state);
        return;
    }
    if let Inst::JumpTable { index, default, targets } = inst {
        emit_jump_table(*index, *default, targets, buf, state);
        return;
    }
    let bytes: Vec<u8> = match inst {
        &Inst::AluRRR { op, rd, rn, rm } => rrf(op.enc(), gr(rm) << 4, gr(rd), gr(rn)),
        &Inst::AluRR { op, rd, ri, rm } => {
            same(rd, ri);
            rr_or_rre(op.enc(), gr(rd), gr(rm))
        }
        &Inst::AluImm { op, rd, ri: rin, imm } => {
            same(rd, rin);
            let (opc, kind) = op.enc();
            check(kind.fits(imm), "an immediate of the field's width");
            if kind.is_32() { ril(opc, gr(rd), imm).to_vec() } else { ri(opc, gr(rd), imm as u16) }
        }
        &Inst::Unary { op, rd, rn } => {
            let (opc, m3) = op.enc();
            if opc < 0x100 { rr(opc, gr(rd), gr(rn)) } else { rrf(opc, (m3 as u32) << 4, gr(rd), gr(rn)) }
        }
        &Inst::LoadImm { op, rd, imm } => {
            let (opc, kind) = op.enc();
            check(kind.fits(imm), "an immediate of the field's width");
            if kind.is_32() { ril(opc, gr(rd), imm).to_vec() } else { ri(opc, gr(rd), imm as u16) }
        }
        &Inst::Cmp { op, rn, rm } => rr_or_rre(op.enc(), gr(rn), gr(rm)),
        &Inst::CmpImm { op, rn, imm } => {
            let (opc, kind) = op.enc();
            check(kind.fits(imm), "an immediate of the field's width");
            if kind.is_32() { ril(opc, gr(rn), imm).to_vec() } else { ri(opc, gr(rn), imm as u16) }
        }
        Inst::Load { op, rd, mem, trap } => {
            if let Some(code) = trap {
                buf.add_trap(*code);
            }
            let r1 = if op.is_fp() { fr(*rd) } else { gr(*rd) };
            mem_op(op.enc(), r1, None, mem)
        }
        Inst::Store { op, rs, mem, trap } => {
            if let Some(code) = trap {
                buf.add_trap(*code);
            }
            let r1 = if op.is_fp() { fr(*rs) } else { gr(*rs) };
            mem_op(op.enc(), r1, None, mem)
        }
        Inst::Cas { op, rd, ri: rin, rn, mem, trap } => {
            same(*rd, *rin);
            if let Some(code) = trap {
                buf.add_trap(*code);
            }
            mem_op(op.enc(), gr(*rd), Some(gr(*rn)), mem)
        }
        Inst::AtomicRmw { op, rd, rn, mem, trap } => {
            if let Some(code) = trap {
                buf.add_trap(*code);
            }
            let (b, x, d) = bxd(mem);
            check(x == 0 && fits_disp20(d as i64), "an RSY operand");
            rxy(op.enc(), gr(*rd), gr(*rn), b, d)
        }
        Inst::LoadMultiple { first, last, mem } | Inst::StoreMultiple { first, last, mem } => {
            let (b, x, d) = bxd(mem);
            check(x == 0 && fits_disp20(d as i64), "an RSY operand");
            let op = if matches!(inst, Inst::LoadMultiple { .. }) { 0xEB04 } else { 0xEB24 };
            rxy(op, gr(*first), gr(*last), b, d)
        }
        &Inst::Shift { op, rd, rn, amt, amt_reg } => {
            check(fits_disp20(amt as i64), "a 20-bit shift displacement");
            rxy(op.enc(), gr(rd), gr(rn), gr(amt_reg), amt)
        }
        &Inst::Shift32 { op, rd, ri: rin, amt, amt_reg } => {
            same(rd, rin);
            check(fits_disp12(amt as i64), "a 12-bit shift displacement");
            rx(op.enc(), gr(rd), 0, gr(amt_reg), amt as u32)
        }
        &Inst::RxSbg { op, rd, ri: rin, rn, start, end, rotate } => {
            same(rd, rin);
            rie(op.enc(), [((gr(rd) << 4) | gr(rn)) as u8, start, end, rotate])
        }
        &Inst::CMov { op, cond, rd, ri: rin, rm } => {
            same(rd, rin);
            rrf(op.enc(), (cond.0 as u32) << 4, gr(rd), gr(rm))
        }
        &Inst::CMovImm { op, cond, rd, ri: rin, imm } => {
            same(rd, rin);
            let [i0, i1] = imm.to_be_bytes();
            rie(op.enc(), [((gr(rd) << 4) | cond.0 as u32) as u8, i0, i1, 0])
        }
        &Inst::Select { op, cond, rd, rn, rm } => rrf(op.enc(), (gr(rm) << 4) | cond.0 as u32, gr(rd), gr(rn)),
        &Inst::DivMod { op, rem, quot, rn, .. } => {
            check(is_pair(rem, quot), "an even/odd register pair");
            rrf(op.enc().0, 0, gr(rem), gr(rn))
        }
        &Inst::MulWide { op, hi, lo, rn, rm } => {
            check(is_pair(hi, lo), "an even/odd register pair");
            let (opc, three) = op.enc();
            if three {
                rrf(opc, gr(rm) << 4, gr(hi), gr(rn))
            } else {
                check(rn == lo, "mlgr's first factor in the odd register");
                rrf(opc, 0, gr(hi), gr(rm))
            }
        }
        &Inst::Flogr { rd, clobber, rn } => {
            check(is_pair(rd, clobber), "an even/odd register pair");
            rrf(0xB983, 0, gr(rd), gr(rn))
        }
        &Inst::FpuRR { op, rd, ri: rin, rm } => {
            same(rd, rin);
            rrf(op.enc(), 0, fr(rd), fr(rm))
        }
        &Inst::FpuUnary { op, rd, rn } => {
            let opc = op.enc();
            if opc < 0x100 { rr(opc, fr(rd), fr(rn)) } else { rrf(opc, 0, fr(rd), fr(rn)) }
        }
        &Inst::FpuFma { op, rd, ri: rin, rn, rm } => {
            same(rd, rin);
            rrf(op.enc(), fr(rd) << 4, fr(rn), fr(rm))
        }
        &Inst::FpuCmp { op, rn, rm } => rrf(op.enc(), 0, fr(rn), fr(rm)),
        &Inst::FpuConv { op, rd, rn, m3, m4 } => {
            check(m3 < 16 && m4 < 16, "4-bit mask fields");
            let r1 = if op.int_dest() { gr(rd) } else { fr(rd) };
            let r2 = if op.int_src() { gr(rn) } else { fr(rn) };
            rrf(op.enc().0, ((m3 as u32) << 4) | m4 as u32, r1, r2)
        }
        &Inst::MovToFpr { rd, rn } => rrf(0xB3C1, 0, fr(rd), gr(rn)),
        &Inst::MovFromFpr { rd, rn } => rrf(0xB3CD, 0, gr(rd), fr(rn)),
        &Inst::FpuZero { double, rd } => rrf(if double { 0xB375 } else { 0xB374 }, 0, fr(rd), 0),
        Inst::LoadSymbolAddr { rd, name, offset } => {
            let rd = gr(*rd);
            let even = offset & !1;
            put_ril_reloc(buf, &ril(0xC00, rd, 0), RelocKind::S390xPc32Dbl, name, even);
            if offset & 1 != 0 {
                put(buf, &rx(0x41, rd, 0, rd, 1));
            }
            return;
        }
        Inst::LoadGotAddr { rd, name } => {
            put_ril_reloc(buf, &ril(0xC48, gr(*rd), 0), RelocKind::S390xGotEnt, name, 0);
            return;
        }
        &Inst::LoadLabelAddr { rd, label } => {
            put_with_label(buf, &ril(0xC00, gr(rd), 0), label, S390xLabelUse::Pc32Dbl);
            return;
        }
        &Inst::LoadConst { op, rd, bits } => {
            let (len, fp) = match op {
                LoadOp::L => (4, false),
                LoadOp::Lg => (8, false),
                LoadOp::Le => (4, true),
                LoadOp::Ld => (8, true),
                _ => panic!("not encodable: a literal-pool load with {op:?}"),
            };
            let label = buf.constant(&bits.to_be_bytes()[8 - len..], len as u32);
            if fp {
                let tmp = regs::scratch();
                put_with_label(buf, &ril(0xC00, gr(tmp), 0), label, S390xLabelUse::Pc32Dbl);
                mem_op(op.enc(), fr(rd), None, &MemArg::bd(tmp, 0))
            } else {
                let opc = if len == 8 { 0xC48 } else { 0xC4D };
                put_with_label(buf, &ril(opc, gr(rd), 0), label, S390xLabelUse::Pc32Dbl);
                return;
            }
        }
        &Inst::Jump { target } => {
            if state.next_block != Some(target) {
                put_jump(buf, target);
            }
            return;
        }
        &Inst::CondBr { kind, taken, not_taken } => {
            if state.next_block == Some(taken) {
                put_cond_branch(buf, kind.invert(), not_taken);
            } else {
                put_cond_branch(buf, kind, taken);
                if state.next_block != Some(not_taken) {
                    put_jump(buf, not_taken);
                }
            }
            return;
        }
        &Inst::TrapIf { kind, code } => {
            // The inverted test jumps over the trap: its own size plus the trap's.
            let own = if matches!(kind, CondBrKind::Cc(_)) { 4 } else { 6 };
            put(buf, &branch_bytes(kind.invert(), (own + TRAP.len() as i16) / 2));
            put_trap(buf, code);
            return;
        }
        &Inst::Udf { code } => {
            put_trap(buf, code);
            return;
        }
        Inst::Call { callee, .. } => {
            put_ril_reloc(buf, &ril(0xC05, 14, 0), RelocKind::S390xPlt32Dbl, callee, 0);
            buf.add_call_site();
            return;
        }
        Inst::CallInd { rn, .. } => {
            put(buf, &rr(0x0D, 14, gr(*rn)));
            buf.add_call_site();
            return;
        }
        Inst::Ret { .. } => rr(0x07, 15, 14),
        Inst::ReturnCall { callee, .. } => {
            put_ril_reloc(buf, &ril(0xC04, 15, 0), RelocKind::S390xPlt32Dbl, callee, 0);
            return;
        }
        Inst::ReturnCallInd { rn, .. } => {
            check(gr(*rn) != 0, "a branch target register other than r0");
            rr(0x07, 15, gr(*rn))
        }
        Inst::Args { .. } => return,
        Inst::Nop => rr(0x07, 0, 0),
        &Inst::Fence { fast } => rr(0x07, if fast { 14 } else { 15 }, 0),
        Inst::AdjustSp { .. } | Inst::AtomicLoop { .. } | Inst::JumpTable { .. } => {
            unreachable!("expanded above")
        }
    };
    put(buf, &bytes);
}
