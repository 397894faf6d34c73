//! The aarch64 encoder: writes each [`Inst`] as little-endian 32-bit words into a
//! [`MachBuffer`], with the label uses of branches, `adr` and literal loads, and the
//! relocations of calls and symbol addresses.
//!
//! Register fields: [`rz`] encodes a field where 31 means the zero register, [`rs`] one
//! where 31 means sp, [`rv`] a SIMD&FP register; each panics on the register the field
//! cannot hold (a bug in lowering or allocation, never an input error), and on a virtual
//! register (emission runs after allocation).
//!
//! Label uses ([`AArch64LabelUse`]) patch the offset field of an instruction whose field
//! the encoder left zero. Conditional and test branches that cannot reach their label go
//! through a veneer, an unconditional `b` placed by the buffer in an island; `b`, `bl`,
//! `adr` and literal loads have no veneer (their reach, ±128 MiB and ±1 MiB, bounds the
//! function and its literal pool).

use super::inst::args::*;
use super::inst::{Inst, LoopStep, trap_imm};
use super::regs;
use crate::machinst::{EmitState, LabelUse, MachBuffer, MachLabel, Reg, RegClass, RelocKind};

/// How an aarch64 instruction refers to a label. Distances are in bytes from the
/// instruction (the use offset) to the label; all fields count words except `Adr21`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum AArch64LabelUse {
    /// `b`/`bl`: imm26 in bits 0-25 (±128 MiB).
    Branch26,
    /// `b.cond`, `cbz`, `cbnz`: imm19 in bits 5-23 (±1 MiB).
    Branch19,
    /// `tbz`, `tbnz`: imm14 in bits 5-18 (±32 KiB).
    Branch14,
    /// `adr`: a byte offset, immlo in bits 29-30 and immhi in bits 5-23 (±1 MiB).
    Adr21,
    /// `ldr` (literal): imm19 in bits 5-23 (±1 MiB).
    Ldr19,
    /// A jump-table entry: a 32-bit word holding a bias plus the byte distance from the
    /// word to the label (±2 GiB).
    PcRel32,
}

impl AArch64LabelUse {
    /// Bits of the signed offset field (in its unit) and the unit's log2.
    fn field(self) -> (u32, u32) {
        match self {
            AArch64LabelUse::Branch26 => (26, 2),
            AArch64LabelUse::Branch19 | AArch64LabelUse::Ldr19 => (19, 2),
            AArch64LabelUse::Branch14 => (14, 2),
            AArch64LabelUse::Adr21 => (21, 0),
            AArch64LabelUse::PcRel32 => (32, 0),
        }
    }
}

impl LabelUse for AArch64LabelUse {
    const ALIGN: u32 = 4;

    fn patch_size(self) -> u32 {
        4
    }
    fn max_forward(self) -> u32 {
        let (bits, unit) = self.field();
        ((1u32 << (bits - 1)) - 1) << unit
    }
    fn max_backward(self) -> u32 {
        let (bits, unit) = self.field();
        (1u32 << (bits - 1)) << unit
    }
    fn patch(self, bytes: &mut [u8], use_offset: u32, label_offset: u32) {
        let word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if self == AArch64LabelUse::PcRel32 {
            let delta = (label_offset as i64 - use_offset as i64) as u32;
            bytes.copy_from_slice(&word.wrapping_add(delta).to_le_bytes());
            return;
        }
        let (bits, unit) = self.field();
        let delta = (label_offset as i64 - use_offset as i64) >> unit;
        let v = (delta as u32) & ((1u32 << bits) - 1);
        let word = match self {
            AArch64LabelUse::Branch26 => (word & !0x03ff_ffff) | v,
            AArch64LabelUse::Branch19 | AArch64LabelUse::Ldr19 => (word & !(0x7ffff << 5)) | (v << 5),
            AArch64LabelUse::Branch14 => (word & !(0x3fff << 5)) | (v << 5),
            AArch64LabelUse::Adr21 => (word & !((3 << 29) | (0x7ffff << 5))) | ((v & 3) << 29) | ((v >> 2) << 5),
            AArch64LabelUse::PcRel32 => word,
        };
        bytes.copy_from_slice(&word.to_le_bytes());
    }
    fn supports_veneer(self) -> bool {
        matches!(self, AArch64LabelUse::Branch19 | AArch64LabelUse::Branch14)
    }
    fn veneer_size(self) -> u32 {
        if self.supports_veneer() { 4 } else { 0 }
    }
    fn generate_veneer(self, veneer: &mut [u8], veneer_offset: u32) -> Option<(u32, Self)> {
        if !self.supports_veneer() {
            return None;
        }
        veneer.copy_from_slice(&0x1400_0000u32.to_le_bytes());
        Some((veneer_offset, AArch64LabelUse::Branch26))
    }
}

fn preg_num(r: Reg) -> usize {
    let p = r.to_preg().expect("aarch64 emission needs allocated (physical) registers");
    p.hw_enc()
}

/// An integer register field where 31 is the zero register.
pub fn rz(r: Reg) -> u32 {
    assert_eq!(r.class(), RegClass::Int, "{r:?} is not an integer register");
    let n = preg_num(r);
    assert!(n != regs::SP_NUM, "this field cannot name sp");
    n as u32
}

/// An integer register field where 31 is sp.
pub fn rs(r: Reg) -> u32 {
    assert_eq!(r.class(), RegClass::Int, "{r:?} is not an integer register");
    let n = preg_num(r);
    assert!(n != regs::ZR_NUM, "this field cannot name the zero register");
    if n == regs::SP_NUM { 31 } else { n as u32 }
}

/// A SIMD&FP register field.
pub fn rv(r: Reg) -> u32 {
    assert_eq!(r.class(), RegClass::Float, "{r:?} is not a SIMD&FP register");
    preg_num(r) as u32
}

fn check(ok: bool, what: &str) {
    assert!(ok, "not encodable: {what}");
}

/// `rd`, `rn`, `rm` fields at bits 0, 5 and 16.
fn r3(rd: u32, rn: u32, rm: u32) -> u32 {
    rd | (rn << 5) | (rm << 16)
}

fn alu_rrr(op: AluOp, sf: u32, rd: u32, rn: u32, rm: u32, shift: u32, amt: u32) -> u32 {
    use AluOp::*;
    let base = match op {
        Add => 0x0b00_0000,
        Adds => 0x2b00_0000,
        Sub => 0x4b00_0000,
        Subs => 0x6b00_0000,
        And => 0x0a00_0000,
        Bic => 0x0a20_0000,
        Orr => 0x2a00_0000,
        Orn => 0x2a20_0000,
        Eor => 0x4a00_0000,
        Eon => 0x4a20_0000,
        Ands => 0x6a00_0000,
        Bics => 0x6a20_0000,
        Adc | Adcs | Sbc | Sbcs | Sdiv | Udiv | Lslv | Lsrv | Asrv | Rorv | Smulh | Umulh => {
            check(shift == 0 && amt == 0, "a shift on a register-only operation");
            let base = match op {
                Adc => 0x1a00_0000,
                Adcs => 0x3a00_0000,
                Sbc => 0x5a00_0000,
                Sbcs => 0x7a00_0000,
                Udiv => 0x1ac0_0800,
                Sdiv => 0x1ac0_0c00,
                Lslv => 0x1ac0_2000,
                Lsrv => 0x1ac0_2400,
                Asrv => 0x1ac0_2800,
                Rorv => 0x1ac0_2c00,
                Smulh => 0x9b40_7c00,
                _ => 0x9bc0_7c00,
            };
            if op.only64() {
                check(sf == 1, "smulh/umulh are 64-bit only");
                return base | r3(rd, rn, rm);
            }
            return base | (sf << 31) | r3(rd, rn, rm);
        }
    };
    check(op.is_logical() || shift != ShiftOp::Ror as u32, "ror on an arithmetic operation");
    check(amt < 32 << sf, "shift amount below the width");
    base | (sf << 31) | (shift << 22) | (amt << 10) | r3(rd, rn, rm)
}

fn arith_s_bits(op: AluOp) -> u32 {
    match op {
        AluOp::Add => 0,
        AluOp::Adds => 1 << 29,
        AluOp::Sub => 1 << 30,
        AluOp::Subs => 3 << 29,
        _ => panic!("not encodable: {op:?} has no extended or immediate form"),
    }
}

/// Whether `op`'s destination field in the immediate and extended forms is sp (the
/// non-flag-setting ones) or the zero register.
fn dest_is_sp(op: AluOp) -> bool {
    matches!(op, AluOp::Add | AluOp::Sub)
}

fn ldst_fields_load(op: LoadOp) -> (u32, u32, u32) {
    use LoadOp::*;
    match op {
        Ldrb => (0, 0, 1),
        LdrsbW => (0, 0, 3),
        LdrsbX => (0, 0, 2),
        Ldrh => (1, 0, 1),
        LdrshW => (1, 0, 3),
        LdrshX => (1, 0, 2),
        LdrW => (2, 0, 1),
        Ldrsw => (2, 0, 2),
        LdrX => (3, 0, 1),
        LdrS => (2, 1, 1),
        LdrD => (3, 1, 1),
        LdrQ => (0, 1, 3),
    }
}

fn ldst_fields_store(op: StoreOp) -> (u32, u32, u32) {
    match op {
        StoreOp::Strb => (0, 0, 0),
        StoreOp::Strh => (1, 0, 0),
        StoreOp::StrW => (2, 0, 0),
        StoreOp::StrX => (3, 0, 0),
        StoreOp::StrS => (2, 1, 0),
        StoreOp::StrD => (3, 1, 0),
        StoreOp::StrQ => (0, 1, 2),
    }
}

fn simm9(offset: i16) -> u32 {
    check((-256..=255).contains(&offset), "a 9-bit signed offset");
    (offset as u32 & 0x1ff) << 12
}

/// A single load or store word: `(size, V, opc)` fields, access log2, Rt, machine address.
fn ldst(fields: (u32, u32, u32), log2: u32, rt: u32, mem: &AMode) -> u32 {
    let (size, v, opc) = fields;
    let common = (size << 30) | (v << 26) | (opc << 22) | rt;
    match *mem {
        AMode::UnsignedOffset { rn, offset } => {
            check(offset & ((1 << log2) - 1) == 0 && offset >> log2 < 4096, "a scaled 12-bit offset");
            0x3900_0000 | common | ((offset >> log2) << 10) | (rs(rn) << 5)
        }
        AMode::Unscaled { rn, offset } => 0x3800_0000 | common | simm9(offset) | (rs(rn) << 5),
        AMode::PostIndex { rn, offset } => 0x3800_0400 | common | simm9(offset) | (rs(rn) << 5),
        AMode::PreIndex { rn, offset } => 0x3800_0c00 | common | simm9(offset) | (rs(rn) << 5),
        AMode::RegOffset { rn, rm, extend, scaled } => {
            0x3820_0800 | common | (rz(rm) << 16) | (extend.option() << 13) | ((scaled as u32) << 12) | (rs(rn) << 5)
        }
        AMode::BaseOffset { .. } | AMode::SpOffset { .. } | AMode::StackSlot { .. } | AMode::IncomingArg { .. } => {
            unreachable!("pseudo addresses are expanded before encoding")
        }
    }
}

fn pair(size: PairSize, load: bool, rt: u32, rt2: u32, mem: &PairAMode) -> u32 {
    let (opc, v) = match size {
        PairSize::W => (0, 0),
        PairSize::X => (2, 0),
        PairSize::S => (0, 1),
        PairSize::D => (1, 1),
        PairSize::Q => (2, 1),
    };
    let (mode, rn, offset) = match *mem {
        PairAMode::PostIndex { rn, offset } => (1, rn, offset),
        PairAMode::SignedOffset { rn, offset } => (2, rn, offset),
        PairAMode::PreIndex { rn, offset } => (3, rn, offset),
    };
    let scale = size.bytes();
    check(offset % scale == 0 && (-64..=63).contains(&(offset / scale)), "a scaled 7-bit pair offset");
    let imm7 = ((offset / scale) as u32) & 0x7f;
    0x2800_0000
        | (opc << 30)
        | (v << 26)
        | (mode << 23)
        | ((load as u32) << 22)
        | (imm7 << 15)
        | (rt2 << 10)
        | (rs(rn) << 5)
        | rt
}

fn literal_opc(op: LoadOp) -> u32 {
    match op {
        LoadOp::LdrW => 0x1800_0000,
        LoadOp::LdrX => 0x5800_0000,
        LoadOp::Ldrsw => 0x9800_0000,
        LoadOp::LdrS => 0x1c00_0000,
        LoadOp::LdrD => 0x5c00_0000,
        LoadOp::LdrQ => 0x9c00_0000,
        _ => panic!("not encodable: {op:?} has no literal form"),
    }
}

fn load_rt(op: LoadOp, rt: Reg) -> u32 {
    if op.is_fp() { rv(rt) } else { rz(rt) }
}

/// Writes a branch word with its label use.
fn branch_to(buf: &mut MachBuffer<AArch64LabelUse>, word: u32, label: MachLabel, kind: AArch64LabelUse) {
    let at = buf.cur_offset();
    buf.put4(word);
    buf.use_label_at_offset(at, label, kind);
}

/// The word of a conditional branch of `kind` with a zero offset, and its label use.
fn cond_branch_word(kind: CondBrKind) -> (u32, AArch64LabelUse) {
    match kind {
        CondBrKind::Cond(c) => (0x5400_0000 | c.bits(), AArch64LabelUse::Branch19),
        CondBrKind::Zero(r, size) => (0x3400_0000 | (size.sf() << 31) | rz(r), AArch64LabelUse::Branch19),
        CondBrKind::NotZero(r, size) => (0x3500_0000 | (size.sf() << 31) | rz(r), AArch64LabelUse::Branch19),
        CondBrKind::BitZero(r, bit) | CondBrKind::BitNotZero(r, bit) => {
            check(bit < 64, "a bit number below 64");
            let op = if matches!(kind, CondBrKind::BitZero(..)) { 0x3600_0000 } else { 0x3700_0000 };
            let b = bit as u32;
            (op | ((b >> 5) << 31) | ((b & 31) << 19) | rz(r), AArch64LabelUse::Branch14)
        }
    }
}

fn put_cond_branch(buf: &mut MachBuffer<AArch64LabelUse>, kind: CondBrKind, label: MachLabel) {
    let (word, use_kind) = cond_branch_word(kind);
    branch_to(buf, word, label, use_kind);
}

fn fp_int_conv(sf: u32, ftype: u32, rmode: u32, opcode: u32, rd: u32, rn: u32) -> u32 {
    0x1e20_0000 | (sf << 31) | (ftype << 22) | (rmode << 19) | (opcode << 16) | (rn << 5) | rd
}

/// Writes `inst`'s machine code.
pub fn emit(inst: &Inst, buf: &mut MachBuffer<AArch64LabelUse>, state: &EmitState<'_>) {
    if let Some(expansion) = inst.expand(Some(state.frame)) {
        for i in &expansion {
            emit(i, buf, state);
        }
        return;
    }
    if let Some((check, dispatch)) = inst.jump_table_parts() {
        let Inst::JmpTable { default, targets, .. } = inst else { unreachable!("only a jump table has parts") };
        for i in &check {
            emit(i, buf, state);
        }
        buf.put4(super::inst::JUMP_TABLE_ADR_WORD);
        for i in &dispatch {
            emit(i, buf, state);
        }
        for (k, &t) in targets.iter().chain([default]).enumerate() {
            // Entry k sits 4k bytes into the table: a bias of 4k turns the distance from
            // the entry into the distance from the table.
            let at = buf.cur_offset();
            buf.put4(4 * k as u32);
            buf.use_label_at_offset(at, t, AArch64LabelUse::PcRel32);
        }
        return;
    }
    if let Some(steps) = inst.atomic_loop() {
        for step in &steps {
            match *step {
                LoopStep::I(ref i) => emit(i, buf, state),
                LoopStep::BranchNe(words) => {
                    buf.put4(cond_branch_word(CondBrKind::Cond(Cond::Ne)).0 | ((words as u32 & 0x7ffff) << 5))
                }
                LoopStep::Cbnz(r, words) => {
                    let kind = CondBrKind::NotZero(r, OperandSize::S32);
                    buf.put4(cond_branch_word(kind).0 | ((words as u32 & 0x7ffff) << 5))
                }
            }
        }
        return;
    }
    let word = match inst {
        &Inst::AluRRR { op, size, rd, rn, rm } => alu_rrr(op, size.sf(), rz(rd), rz(rn), rz(rm), 0, 0),
        &Inst::AluRRRShift { op, size, rd, rn, rm, shift } => {
            check(op.is_arith() || op.is_logical(), "a shifted operand of an arithmetic or logical operation");
            alu_rrr(op, size.sf(), rz(rd), rz(rn), rz(rm), shift.op as u32, shift.amt as u32)
        }
        &Inst::AluRRRExtend { op, size, rd, rn, rm, extend, amount } => {
            check(amount <= 4, "an extend shift of at most 4");
            let rd = if dest_is_sp(op) { rs(rd) } else { rz(rd) };
            0x0b20_0000
                | (size.sf() << 31)
                | arith_s_bits(op)
                | ((extend as u32) << 13)
                | ((amount as u32) << 10)
                | r3(rd, rs(rn), rz(rm))
        }
        &Inst::AluRRImm12 { op, size, rd, rn, imm } => {
            check(imm.bits < 4096, "a 12-bit immediate");
            let rd = if dest_is_sp(op) { rs(rd) } else { rz(rd) };
            0x1100_0000
                | (size.sf() << 31)
                | arith_s_bits(op)
                | ((imm.shift12 as u32) << 22)
                | ((imm.bits as u32) << 10)
                | (rs(rn) << 5)
                | rd
        }
        &Inst::AluRRImmLogic { op, size, rd, rn, imm } => {
            check(imm.size == size, "a logical immediate made for the operation's width");
            let opc = match op {
                AluOp::And => 0,
                AluOp::Orr => 1,
                AluOp::Eor => 2,
                AluOp::Ands => 3,
                _ => panic!("not encodable: {op:?} has no immediate form"),
            };
            let rd = if op == AluOp::Ands { rz(rd) } else { rs(rd) };
            0x1200_0000
                | (size.sf() << 31)
                | (opc << 29)
                | ((imm.n as u32) << 22)
                | ((imm.immr as u32) << 16)
                | ((imm.imms as u32) << 10)
                | (rz(rn) << 5)
                | rd
        }
        &Inst::AluRRRR { op, size, rd, rn, rm, ra } => {
            let base = match op {
                AluOp3::Madd => 0x1b00_0000 | (size.sf() << 31),
                AluOp3::Msub => 0x1b00_8000 | (size.sf() << 31),
                AluOp3::Smaddl => 0x9b20_0000,
                AluOp3::Umaddl => 0x9ba0_0000,
            };
            check(!op.is_widening() || size.is64(), "the widening multiplies are 64-bit");
            base | r3(rz(rd), rz(rn), rz(rm)) | (rz(ra) << 10)
        }
        &Inst::BitRR { op, size, rd, rn } => {
            let opcode = match (op, size) {
                (BitOp::Rbit, _) => 0,
                (BitOp::Rev16, _) => 1,
                (BitOp::Rev32, OperandSize::S64) => 2,
                (BitOp::Rev32, OperandSize::S32) => panic!("not encodable: rev32 is 64-bit only"),
                (BitOp::Rev, OperandSize::S32) => 2,
                (BitOp::Rev, OperandSize::S64) => 3,
                (BitOp::Clz, _) => 4,
                (BitOp::Cls, _) => 5,
            };
            0x5ac0_0000 | (size.sf() << 31) | (opcode << 10) | (rz(rn) << 5) | rz(rd)
        }
        &Inst::MovWide { op, size, rd, imm } => {
            check(imm.shift < if size.is64() { 4 } else { 2 }, "a halfword inside the register");
            let base = match op {
                MoveWideOp::MovN => 0x1280_0000,
                MoveWideOp::MovZ => 0x5280_0000,
            };
            base | (size.sf() << 31) | ((imm.shift as u32) << 21) | ((imm.bits as u32) << 5) | rz(rd)
        }
        &Inst::MovK { size, rd, rn, imm } => {
            check(rd == rn, "movk's destination is its source");
            check(imm.shift < if size.is64() { 4 } else { 2 }, "a halfword inside the register");
            0x7280_0000 | (size.sf() << 31) | ((imm.shift as u32) << 21) | ((imm.bits as u32) << 5) | rz(rd)
        }
        &Inst::Mov { size, rd, rm } => 0x2a00_03e0 | (size.sf() << 31) | (rz(rm) << 16) | rz(rd),
        &Inst::Bitfield { op, size, rd, rn, immr, imms } => {
            check((immr as u32) < size.bits() && (imms as u32) < size.bits(), "bitfield positions inside the width");
            let base = match op {
                BitfieldOp::Sbfm => 0x1300_0000,
                BitfieldOp::Ubfm => 0x5300_0000,
            };
            base | (size.sf() * 0x8040_0000) | ((immr as u32) << 16) | ((imms as u32) << 10) | (rz(rn) << 5) | rz(rd)
        }
        &Inst::Bfm { size, rd, ri, rn, immr, imms } => {
            check(rd == ri, "bfm's destination is its insertion target");
            check((immr as u32) < size.bits() && (imms as u32) < size.bits(), "bitfield positions inside the width");
            0x3300_0000
                | (size.sf() * 0x8040_0000)
                | ((immr as u32) << 16)
                | ((imms as u32) << 10)
                | (rz(rn) << 5)
                | rz(rd)
        }
        &Inst::Extr { size, rd, rn, rm, lsb } => {
            check((lsb as u32) < size.bits(), "an extract position inside the width");
            0x1380_0000 | (size.sf() * 0x8040_0000) | ((lsb as u32) << 10) | r3(rz(rd), rz(rn), rz(rm))
        }
        &Inst::CSel { op, size, rd, rn, rm, cond } => {
            let base = match op {
                CSelOp::Csel => 0x1a80_0000,
                CSelOp::Csinc => 0x1a80_0400,
                CSelOp::Csinv => 0x5a80_0000,
                CSelOp::Csneg => 0x5a80_0400,
            };
            base | (size.sf() << 31) | (cond.bits() << 12) | r3(rz(rd), rz(rn), rz(rm))
        }
        &Inst::CCmp { op, size, rn, rhs, nzcv, cond } => {
            check(nzcv < 16, "4 flag bits");
            let base = match op {
                CCmpOp::Ccmn => 0x3a40_0000,
                CCmpOp::Ccmp => 0x7a40_0000,
            };
            let rhs = match rhs {
                CCmpRhs::Reg(rm) => rz(rm) << 16,
                CCmpRhs::Imm(imm) => {
                    check(imm < 32, "a 5-bit immediate");
                    0x800 | ((imm as u32) << 16)
                }
            };
            base | (size.sf() << 31) | rhs | (cond.bits() << 12) | (rz(rn) << 5) | nzcv as u32
        }
        &Inst::Adr { rd, label } => {
            branch_to(buf, 0x1000_0000 | rz(rd), label, AArch64LabelUse::Adr21);
            return;
        }
        Inst::LoadAddr { rd, name, offset } => {
            let rd = rz(*rd);
            buf.add_reloc(RelocKind::Aarch64AdrPrelPgHi21, name, *offset);
            buf.put4(0x9000_0000 | rd);
            buf.add_reloc(RelocKind::Aarch64AddAbsLo12Nc, name, *offset);
            buf.put4(0x9100_0000 | (rd << 5) | rd);
            return;
        }
        Inst::LoadGotAddr { rd, name } => {
            let rd = rz(*rd);
            buf.add_reloc(RelocKind::Aarch64AdrGotPage, name, 0);
            buf.put4(0x9000_0000 | rd);
            buf.add_reloc(RelocKind::Aarch64Ld64GotLo12Nc, name, 0);
            // `ldr xd, [xd, #0]` (unsigned offset form); the linker fills the offset.
            buf.put4(0xf940_0000 | (rd << 5) | rd);
            return;
        }
        &Inst::Load { op, rt, mem, trap } => {
            if let Some(code) = trap {
                buf.add_trap(code);
            }
            ldst(ldst_fields_load(op), op.size_log2(), load_rt(op, rt), &mem)
        }
        &Inst::Store { op, rt, mem, trap } => {
            if let Some(code) = trap {
                buf.add_trap(code);
            }
            let rt = if op.is_fp() { rv(rt) } else { rz(rt) };
            ldst(ldst_fields_store(op), op.size_log2(), rt, &mem)
        }
        &Inst::LoadPair { size, rt, rt2, mem } => {
            let (a, b) = if size.is_fp() { (rv(rt), rv(rt2)) } else { (rz(rt), rz(rt2)) };
            pair(size, true, a, b, &mem)
        }
        &Inst::StorePair { size, rt, rt2, mem } => {
            let (a, b) = if size.is_fp() { (rv(rt), rv(rt2)) } else { (rz(rt), rz(rt2)) };
            pair(size, false, a, b, &mem)
        }
        &Inst::LoadLiteral { op, rt, label } => {
            branch_to(buf, literal_opc(op) | load_rt(op, rt), label, AArch64LabelUse::Ldr19);
            return;
        }
        &Inst::LoadConst { op, rt, bits } => {
            let len = 1usize << op.size_log2();
            let label = buf.constant(&bits.to_le_bytes()[..len], len as u32);
            branch_to(buf, literal_opc(op) | load_rt(op, rt), label, AArch64LabelUse::Ldr19);
            return;
        }
        &Inst::Jump { target } => {
            if state.next_block != Some(target) {
                branch_to(buf, 0x1400_0000, target, AArch64LabelUse::Branch26);
            }
            return;
        }
        &Inst::CondBr { kind, taken, not_taken } => {
            if state.next_block == Some(taken) {
                put_cond_branch(buf, kind.invert(), not_taken);
            } else {
                put_cond_branch(buf, kind, taken);
                if state.next_block != Some(not_taken) {
                    branch_to(buf, 0x1400_0000, not_taken, AArch64LabelUse::Branch26);
                }
            }
            return;
        }
        &Inst::TrapIf { kind, code } => {
            // The inverted test jumps over the `udf`: an offset of two words.
            let (word, use_kind) = cond_branch_word(kind.invert());
            let patched = match use_kind {
                AArch64LabelUse::Branch14 | AArch64LabelUse::Branch19 => word | (2 << 5),
                _ => unreachable!("conditional branches use 19- or 14-bit offsets"),
            };
            buf.put4(patched);
            buf.add_trap(code);
            trap_imm(code) as u32
        }
        &Inst::Br { rn } => 0xd61f_0000 | (rz(rn) << 5),
        Inst::Ret { .. } => 0xd65f_03c0,
        Inst::Call { callee, .. } => {
            buf.add_reloc(RelocKind::Aarch64Call26, callee, 0);
            buf.put4(0x9400_0000);
            buf.add_call_site();
            return;
        }
        Inst::CallInd { rn, .. } => {
            buf.put4(0xd63f_0000 | (rz(*rn) << 5));
            buf.add_call_site();
            return;
        }
        Inst::ReturnCall { callee, .. } => {
            buf.add_reloc(RelocKind::Aarch64Jump26, callee, 0);
            0x1400_0000
        }
        Inst::ReturnCallInd { rn, .. } => 0xd61f_0000 | (rz(*rn) << 5),
        Inst::Args { .. } => return,
        &Inst::Udf { code } => {
            buf.add_trap(code);
            trap_imm(code) as u32
        }
        &Inst::Brk { imm } => 0xd420_0000 | ((imm as u32) << 5),
        Inst::Nop => 0xd503_201f,
        Inst::Dmb => 0xd503_3bbf,
        Inst::Csdb => 0xd503_229f,
        &Inst::Pac { op } => match op {
            PacOp::Paciasp => 0xd503_233f,
            PacOp::Autiasp => 0xd503_23bf,
            PacOp::Pacibsp => 0xd503_237f,
            PacOp::Autibsp => 0xd503_23ff,
        },
        &Inst::FpuMove { size, rd, rn } => 0x1e20_4000 | (size.ftype() << 22) | (rv(rn) << 5) | rv(rd),
        &Inst::FpuMove128 { rd, rn } => 0x4ea0_1c00 | r3(rv(rd), rv(rn), rv(rn)),
        &Inst::FpuRR { op, size, rd, rn } => {
            let opcode = match op {
                FpuOp1::Abs => 0b000001,
                FpuOp1::Neg => 0b000010,
                FpuOp1::Sqrt => 0b000011,
                FpuOp1::RintN => 0b001000,
                FpuOp1::RintP => 0b001001,
                FpuOp1::RintM => 0b001010,
                FpuOp1::RintZ => 0b001011,
                FpuOp1::RintA => 0b001100,
                FpuOp1::RintX => 0b001110,
                FpuOp1::RintI => 0b001111,
            };
            0x1e20_4000 | (size.ftype() << 22) | (opcode << 15) | (rv(rn) << 5) | rv(rd)
        }
        &Inst::FpuCvt { from, rd, rn } => {
            // opcode 0001:opc, opc the destination type.
            let to = match from {
                FpSize::S32 => 0b000101,
                FpSize::S64 => 0b000100,
            };
            0x1e20_4000 | (from.ftype() << 22) | (to << 15) | (rv(rn) << 5) | rv(rd)
        }
        &Inst::FpuRRR { op, size, rd, rn, rm } => {
            let opcode = match op {
                FpuOp2::Mul => 0,
                FpuOp2::Div => 1,
                FpuOp2::Add => 2,
                FpuOp2::Sub => 3,
                FpuOp2::Max => 4,
                FpuOp2::Min => 5,
                FpuOp2::MaxNm => 6,
                FpuOp2::MinNm => 7,
            };
            0x1e20_0800 | (size.ftype() << 22) | (opcode << 12) | r3(rv(rd), rv(rn), rv(rm))
        }
        &Inst::FpuRRRR { op, size, rd, rn, rm, ra } => {
            let (o1, o0) = match op {
                FpuOp3::Madd => (0, 0),
                FpuOp3::Msub => (0, 1),
                FpuOp3::Nmadd => (1, 0),
                FpuOp3::Nmsub => (1, 1),
            };
            0x1f00_0000 | (size.ftype() << 22) | (o1 << 21) | (o0 << 15) | (rv(ra) << 10) | r3(rv(rd), rv(rn), rv(rm))
        }
        &Inst::FpuCmp { size, rn, rm } => {
            let (rm, zero) = match rm {
                Some(rm) => (rv(rm), 0),
                None => (0, 8),
            };
            0x1e20_2000 | (size.ftype() << 22) | (rm << 16) | (rv(rn) << 5) | zero
        }
        &Inst::FpuCSel { size, rd, rn, rm, cond } => {
            0x1e20_0c00 | (size.ftype() << 22) | (cond.bits() << 12) | r3(rv(rd), rv(rn), rv(rm))
        }
        &Inst::FpuMoveImm { size, rd, imm } => 0x1e20_1000 | (size.ftype() << 22) | ((imm.imm8 as u32) << 13) | rv(rd),
        &Inst::IntToFpu { op, int_size, fp_size, rd, rn } => {
            let opcode = match op {
                IntToFpOp::Scvtf => 2,
                IntToFpOp::Ucvtf => 3,
            };
            fp_int_conv(int_size.sf(), fp_size.ftype(), 0, opcode, rv(rd), rz(rn))
        }
        &Inst::FpuToInt { op, int_size, fp_size, rd, rn } => {
            let opcode = match op {
                FpToIntOp::Fcvtzs => 0,
                FpToIntOp::Fcvtzu => 1,
            };
            fp_int_conv(int_size.sf(), fp_size.ftype(), 3, opcode, rz(rd), rv(rn))
        }
        &Inst::MovToFpu { size, rd, rn } => fp_int_conv(size.sf(), size.sf(), 0, 7, rv(rd), rz(rn)),
        &Inst::MovFromFpu { size, rd, rn } => fp_int_conv(size.sf(), size.sf(), 0, 6, rz(rd), rv(rn)),
        &Inst::VecCnt { rd, rn } => 0x0e20_5800 | (rv(rn) << 5) | rv(rd),
        &Inst::VecAddv { rd, rn } => 0x0e31_b800 | (rv(rn) << 5) | rv(rd),
        &Inst::LoadExclusive { acquire, size, rt, rn } => {
            0x085f_7c00 | ((size as u32) << 30) | ((acquire as u32) << 15) | (rs(rn) << 5) | rz(rt)
        }
        &Inst::StoreExclusive { release, size, rs: status, rt, rn } => {
            0x0800_7c00 | ((size as u32) << 30) | (rz(status) << 16) | ((release as u32) << 15) | (rs(rn) << 5) | rz(rt)
        }
        &Inst::LoadAcquire { size, rt, rn } => 0x08df_fc00 | ((size as u32) << 30) | (rs(rn) << 5) | rz(rt),
        &Inst::StoreRelease { size, rt, rn } => 0x089f_fc00 | ((size as u32) << 30) | (rs(rn) << 5) | rz(rt),
        &Inst::AtomicRmw { op, size, order, rs: operand, rt, rn } => {
            let (o3, opc) = match op {
                LseOp::Swp => (1, 0),
                op => (0, op as u32),
            };
            0x3820_0000
                | ((size as u32) << 30)
                | ((order.acquire() as u32) << 23)
                | ((order.release() as u32) << 22)
                | (rz(operand) << 16)
                | (o3 << 15)
                | (opc << 12)
                | (rs(rn) << 5)
                | rz(rt)
        }
        &Inst::Cas { size, order, rd, rs: expected, rt, rn } => {
            check(rd == expected, "cas returns the old value in its comparison register");
            0x08a0_7c00
                | ((size as u32) << 30)
                | ((order.acquire() as u32) << 22)
                | (rz(expected) << 16)
                | ((order.release() as u32) << 15)
                | (rs(rn) << 5)
                | rz(rt)
        }
        Inst::AdjustSp { .. }
        | Inst::StackAddr { .. }
        | Inst::AtomicRmwLoop { .. }
        | Inst::AtomicCasLoop { .. }
        | Inst::JmpTable { .. } => {
            unreachable!("expanded above")
        }
    };
    buf.put4(word);
}
