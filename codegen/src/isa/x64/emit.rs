//! The x86-64 encoder: writes each [`Inst`] as machine code into a [`MachBuffer`].
//!
//! Instructions are encoded as legacy prefix (0x66 for 16-bit operations, 0xF2 for
//! `movsd`), REX, opcode, ModRM, SIB, displacement and immediate, in that order:
//! - REX carries W (64-bit operand), R (reg field bit 3), X (SIB index bit 3) and B
//!   (ModRM r/m or SIB base bit 3). It is also emitted, empty, when an 8-bit operation
//!   names encodings 4-7, which then mean spl/bpl/sil/dil rather than ah/ch/dh/bh; this
//!   encoder never produces the high-byte registers.
//! - Memory operands: a base of rsp or r12 needs a SIB byte; a base of rbp or r13 with no
//!   displacement needs an explicit disp8 of 0; displacements use disp8 when they fit in
//!   an i8, else disp32. rsp cannot be an index (there is no encoding for it).
//! - Immediates use the sign-extended imm8 forms (`83 /n ib`, `6B /r ib`) when the value
//!   fits in an i8.
//! - Branches (`jmp`, `jcc`) are always rel32 for now; a pass shortening them to rel8
//!   can come later in the buffer.
//!
//! Registers must be physical (after allocation); a virtual register reaching the
//! encoder is a bug in the driver and panics with that message.
//!
//! Label references use [`X64LabelUse::Rel32`], which ADDS the distance to the value
//! already in the four bytes: the encoder writes them with a bias first, then records the
//! use (for RIP-relative operands followed by an immediate, minus the immediate's length,
//! since RIP is the end of the instruction; for jump-table entries, so that each entry is
//! relative to the table start). Calls to functions carry an `X86CallPlt4` relocation,
//! `movabs` of a symbol's address an `Abs8`.

use super::inst::Inst;
use super::inst::args::*;
use super::inst::vector;
use crate::ir::{ExternalName, LibCall, TrapCode};
use crate::machinst::{EmitState, LabelUse, MachBuffer, MachLabel, Reg, RegClass, RelocKind};

/// How an x86-64 instruction refers to a label.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum X64LabelUse {
    /// A 4-byte signed offset relative to the end of the four bytes, added to the bias
    /// already stored there: `patch = bias + label - (use + 4)`.
    Rel32,
}

impl LabelUse for X64LabelUse {
    const ALIGN: u32 = 1;

    fn patch_size(self) -> u32 {
        4
    }
    fn max_forward(self) -> u32 {
        i32::MAX as u32
    }
    fn max_backward(self) -> u32 {
        // Backward distance `d` becomes `-(d + 4)` plus the bias; stay clear of the edge.
        i32::MAX as u32 - 8
    }
    fn patch(self, bytes: &mut [u8], use_offset: u32, label_offset: u32) {
        let X64LabelUse::Rel32 = self;
        let bias = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let rel = (label_offset as i64 - (use_offset as i64 + 4)) as i32;
        bytes.copy_from_slice(&bias.wrapping_add(rel).to_le_bytes());
    }
}

/// The hardware encoding of an allocated register.
fn enc(r: Reg) -> u8 {
    r.hw_enc().expect("x64 emission needs allocated (physical) registers")
}

/// A resolved memory address.
#[derive(Copy, Clone)]
enum Addr {
    Base { base: u8, index: Option<(u8, u8)>, disp: i32 },
    Rip(MachLabel),
}

/// The r/m operand of a ModRM encoding.
#[derive(Copy, Clone)]
enum Rm {
    Reg(u8),
    Mem(Addr),
}

fn frame_disp(x: u32) -> i32 {
    i32::try_from(x).expect("frame offsets fit in a 32-bit displacement")
}

/// The resolved form of `a`: stack slots and incoming arguments become rsp- and
/// rbp-relative addresses.
pub(super) fn resolve(a: &Amode, state: &EmitState<'_>) -> Amode {
    match *a {
        Amode::StackSlot { offset } => {
            Amode::ImmReg { base: super::regs::rsp(), disp: frame_disp(state.frame.stack_slot_offset(offset)) }
        }
        Amode::IncomingArg { offset } => {
            Amode::ImmReg { base: super::regs::rbp(), disp: frame_disp(16u32.saturating_add(offset)) }
        }
        other => other,
    }
}

fn addr(a: &Amode, state: &EmitState<'_>) -> Addr {
    match resolve(a, state) {
        Amode::ImmReg { base, disp } => Addr::Base { base: enc(base), index: None, disp },
        Amode::ImmRegRegShift { base, index, shift, disp } => {
            assert!(shift <= 3, "an address scale is 1, 2, 4 or 8");
            Addr::Base { base: enc(base), index: Some((enc(index), shift)), disp }
        }
        Amode::RipRelative(label) => Addr::Rip(label),
        Amode::StackSlot { .. } | Amode::IncomingArg { .. } => unreachable!("resolved above"),
    }
}

fn rm_of(rm: &RegMem, state: &EmitState<'_>) -> Rm {
    match rm {
        RegMem::Reg(r) => Rm::Reg(enc(*r)),
        RegMem::Mem(a) => Rm::Mem(addr(a, state)),
    }
}

/// Register and memory fields of one encoding.
struct Enc<'a> {
    /// A `lock` prefix (0xF0), emitted first.
    lock: bool,
    /// A legacy prefix (0x66, 0xF2).
    prefix: Option<u8>,
    /// REX.W.
    w: bool,
    /// Opcode bytes (including any 0x0F escape).
    opcode: &'a [u8],
    /// The ModRM reg field: a register or an opcode extension digit.
    reg: u8,
    /// The reg field names an 8-bit register.
    byte_reg: bool,
    /// The r/m field, if a register, names an 8-bit register.
    byte_rm: bool,
    /// Bytes of immediate following the ModRM encoding (for RIP-relative operands).
    imm_len: u8,
}

impl Enc<'_> {
    fn emit(&self, buf: &mut MachBuffer<X64LabelUse>, rm: Rm) {
        if self.lock {
            buf.put1(0xf0);
        }
        if let Some(p) = self.prefix {
            buf.put1(p);
        }
        let (x, b) = match rm {
            Rm::Reg(r) => (0, r >> 3),
            Rm::Mem(Addr::Base { base, index, .. }) => (index.map_or(0, |(i, _)| i >> 3), base >> 3),
            Rm::Mem(Addr::Rip(_)) => (0, 0),
        };
        let needs_rex_for_byte = (self.byte_reg && (4..8).contains(&self.reg))
            || (self.byte_rm && matches!(rm, Rm::Reg(r) if (4..8).contains(&r)));
        let rex = 0x40 | ((self.w as u8) << 3) | ((self.reg >> 3) << 2) | (x << 1) | b;
        if rex != 0x40 || needs_rex_for_byte {
            buf.put1(rex);
        }
        buf.put_data(self.opcode);
        modrm_sib(buf, self.reg, rm, self.imm_len);
    }
}

/// The ModRM byte, SIB byte and displacement of `reg` (a register or opcode digit, low
/// three bits used) and `rm`; `imm_len` bytes of immediate follow (for RIP-relative
/// operands).
fn modrm_sib(buf: &mut MachBuffer<X64LabelUse>, reg: u8, rm: Rm, imm_len: u8) {
    let reg = (reg & 7) << 3;
    {
        match rm {
            Rm::Reg(r) => buf.put1(0xc0 | reg | (r & 7)),
            Rm::Mem(Addr::Rip(label)) => {
                buf.put1(reg | 0b101);
                let at = buf.cur_offset();
                buf.put4((-(imm_len as i32)) as u32);
                buf.use_label_at_offset(at, label, X64LabelUse::Rel32);
            }
            Rm::Mem(Addr::Base { base, index, disp }) => {
                let (mode, disp_len) = if disp == 0 && base & 7 != 5 {
                    (0u8, 0)
                } else if i8::try_from(disp).is_ok() {
                    (1, 1)
                } else {
                    (2, 4)
                };
                match index {
                    None if base & 7 != 4 => buf.put1((mode << 6) | reg | (base & 7)),
                    None => {
                        // rsp/r12 base: SIB with "no index" (100) and scale 1.
                        buf.put1((mode << 6) | reg | 0b100);
                        buf.put1(0b00_100_000 | (base & 7));
                    }
                    Some((idx, shift)) => {
                        assert!(idx != 4, "rsp cannot be an index register");
                        buf.put1((mode << 6) | reg | 0b100);
                        buf.put1((shift << 6) | ((idx & 7) << 3) | (base & 7));
                    }
                }
                match disp_len {
                    0 => {}
                    1 => buf.put1(disp as i8 as u8),
                    _ => buf.put4(disp as u32),
                }
            }
        }
    }
}

fn enc_rm<'a>(size: OperandSize, opcode: &'a [u8], reg: u8) -> Enc<'a> {
    Enc {
        lock: false,
        prefix: (size == OperandSize::S16).then_some(0x66),
        w: size == OperandSize::S64,
        opcode,
        reg,
        byte_reg: false,
        byte_rm: false,
        imm_len: 0,
    }
}

fn put_imm(buf: &mut MachBuffer<X64LabelUse>, len: u8, v: i64) {
    match len {
        1 => buf.put1(v as u8),
        2 => buf.put2(v as u16),
        _ => buf.put4(v as u32),
    }
}

fn fits_i8(v: i64) -> bool {
    i8::try_from(v).is_ok()
}

/// Bytes of a full-size immediate at `size` (imm8, imm16, or imm32 for 32/64-bit).
fn full_imm_len(size: OperandSize) -> u8 {
    match size {
        OperandSize::S8 => 1,
        OperandSize::S16 => 2,
        _ => 4,
    }
}

/// `op r/m, imm` of the ALU group (`80`/`81`/`83 /digit`), choosing imm8 when it fits.
fn alu_imm(buf: &mut MachBuffer<X64LabelUse>, size: OperandSize, digit: u8, rm: Rm, imm: i32) {
    let v = size.imm_value(imm);
    let (opcode, len) = match size {
        OperandSize::S8 => (0x80, 1),
        _ if fits_i8(v) => (0x83, 1),
        _ => (0x81, full_imm_len(size)),
    };
    Enc { byte_rm: size == OperandSize::S8, imm_len: len, ..enc_rm(size, &[opcode], digit) }.emit(buf, rm);
    put_imm(buf, len, v);
}

/// `op r/m, reg` (`rm_form`) or `op reg, r/m` (`rm_form + 2`) of the ALU group, whose
/// 8-bit forms have opcodes one less.
fn alu_rr_rm(buf: &mut MachBuffer<X64LabelUse>, size: OperandSize, base: u8, reg: u8, rm: Rm, reg_is_dst: bool) {
    let byte = size == OperandSize::S8;
    let opcode = base + if reg_is_dst { 2 } else { 0 } + if byte { 0 } else { 1 };
    Enc { byte_reg: byte, byte_rm: byte, ..enc_rm(size, &[opcode], reg) }.emit(buf, rm);
}

/// How [`Inst::MovImm`] encodes its constant; shared with the printer.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum MovImmForm {
    /// `mov r32, imm32` (zero-extends to 64 bits).
    Mov32(u32),
    /// `mov r64, simm32` (`REX.W C7 /0`).
    MovSx32(i32),
    /// `movabs r64, imm64`.
    Movabs(u64),
}

pub(super) fn mov_imm_form(size: OperandSize, imm: u64) -> MovImmForm {
    if size != OperandSize::S64 {
        MovImmForm::Mov32(imm as u32)
    } else if let Ok(v) = u32::try_from(imm) {
        MovImmForm::Mov32(v)
    } else if let Ok(v) = i32::try_from(imm as i64) {
        MovImmForm::MovSx32(v)
    } else {
        MovImmForm::Movabs(imm)
    }
}

/// Which move instruction a load or register extension becomes; shared with the printer.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum MovForm {
    /// `mov r, r/m` of this size.
    Mov(OperandSize),
    /// `movzx r32, r/m8|16` (the operand size of the source).
    Movzx(OperandSize),
    /// `movsx r32|r64, r/m8|16`: (source size, destination size).
    Movsx(OperandSize, OperandSize),
    /// `movsxd r64, r/m32`.
    Movsxd,
}

/// The move of a `from`-sized value widened by `ext` into a `to`-sized register.
pub(super) fn mov_form(from: OperandSize, to: OperandSize, ext: ExtMode) -> MovForm {
    use OperandSize::*;
    match (ext, from) {
        (ExtMode::None, _) => MovForm::Mov(from),
        (_, S64) => MovForm::Mov(S64),
        (ExtMode::Zero, S32) => MovForm::Mov(S32),
        (ExtMode::Zero, _) => MovForm::Movzx(from),
        (ExtMode::Sign, _) if from.bytes() >= to.bytes() => MovForm::Mov(to),
        (ExtMode::Sign, S32) => MovForm::Movsxd,
        (ExtMode::Sign, _) => MovForm::Movsx(from, to),
    }
}

fn emit_mov_form(buf: &mut MachBuffer<X64LabelUse>, form: MovForm, dst: u8, src: Rm) {
    let e = match form {
        MovForm::Mov(OperandSize::S8) => Enc { byte_reg: true, byte_rm: true, ..enc_rm(OperandSize::S8, &[0x8a], dst) },
        MovForm::Mov(size) => enc_rm(size, &[0x8b], dst),
        MovForm::Movzx(from) => {
            let op: &[u8] = if from == OperandSize::S8 { &[0x0f, 0xb6] } else { &[0x0f, 0xb7] };
            Enc { byte_rm: from == OperandSize::S8, ..enc_rm(OperandSize::S32, op, dst) }
        }
        MovForm::Movsx(from, to) => {
            let op: &[u8] = if from == OperandSize::S8 { &[0x0f, 0xbe] } else { &[0x0f, 0xbf] };
            Enc { byte_rm: from == OperandSize::S8, ..enc_rm(to, op, dst) }
        }
        MovForm::Movsxd => enc_rm(OperandSize::S64, &[0x63], dst),
    };
    e.emit(buf, src);
}

fn emit_trap(buf: &mut MachBuffer<X64LabelUse>, code: Option<TrapCode>) {
    if let Some(code) = code {
        buf.add_trap(code);
    }
}

/// `jmp rel32` to `target`.
fn jmp(buf: &mut MachBuffer<X64LabelUse>, target: MachLabel) {
    buf.put1(0xe9);
    let at = buf.cur_offset();
    buf.put4(0);
    buf.use_label_at_offset(at, target, X64LabelUse::Rel32);
}

/// `jcc rel32` to `target`.
fn jcc(buf: &mut MachBuffer<X64LabelUse>, cc: CC, target: MachLabel) {
    buf.put_data(&[0x0f, 0x80 | cc.enc()]);
    let at = buf.cur_offset();
    buf.put4(0);
    buf.use_label_at_offset(at, target, X64LabelUse::Rel32);
}

/// `push`/`pop` (`base` 0x50 or 0x58) of a 64-bit register.
fn push_pop(buf: &mut MachBuffer<X64LabelUse>, base: u8, r: u8) {
    if r >= 8 {
        buf.put1(0x41);
    }
    buf.put1(base | (r & 7));
}

fn rsp_imm(buf: &mut MachBuffer<X64LabelUse>, digit: u8, amount: u32) {
    let imm = i32::try_from(amount).expect("stack adjustments fit in 31 bits");
    alu_imm(buf, OperandSize::S64, digit, Rm::Reg(4), imm);
}

fn sp_mem(offset: u32) -> Rm {
    Rm::Mem(Addr::Base { base: 4, index: None, disp: frame_disp(offset) })
}

/// Writes `inst`'s machine code into `buf`.
pub fn emit(inst: &Inst, buf: &mut MachBuffer<X64LabelUse>, state: &EmitState<'_>) {
    use OperandSize::*;
    match inst {
        Inst::AluRmiR { size, op, src2, dst, trap, .. } => {
            emit_trap(buf, *trap);
            let base = (*op as u8) << 3;
            match src2 {
                RegMemImm::Reg(r) => alu_rr_rm(buf, *size, base, enc(*r), Rm::Reg(enc(*dst)), false),
                RegMemImm::Mem(a) => alu_rr_rm(buf, *size, base, enc(*dst), Rm::Mem(addr(a, state)), true),
                RegMemImm::Imm(i) => alu_imm(buf, *size, *op as u8, Rm::Reg(enc(*dst)), *i),
            }
        }
        Inst::Cmp { size, src1, src2 } => match src2 {
            RegMemImm::Reg(r) => alu_rr_rm(buf, *size, 0x38, enc(*r), Rm::Reg(enc(*src1)), false),
            RegMemImm::Mem(a) => alu_rr_rm(buf, *size, 0x38, enc(*src1), Rm::Mem(addr(a, state)), true),
            RegMemImm::Imm(i) => alu_imm(buf, *size, 7, Rm::Reg(enc(*src1)), *i),
        },
        Inst::Test { size, src1, src2 } => {
            let byte = *size == S8;
            let op = if byte { 0x84 } else { 0x85 };
            match src2 {
                RegMemImm::Reg(r) => Enc { byte_reg: byte, byte_rm: byte, ..enc_rm(*size, &[op], enc(*r)) }
                    .emit(buf, Rm::Reg(enc(*src1))),
                RegMemImm::Mem(a) => {
                    Enc { byte_reg: byte, ..enc_rm(*size, &[op], enc(*src1)) }.emit(buf, Rm::Mem(addr(a, state)))
                }
                RegMemImm::Imm(i) => {
                    let op = if byte { 0xf6 } else { 0xf7 };
                    let len = full_imm_len(*size);
                    Enc { byte_rm: byte, imm_len: len, ..enc_rm(*size, &[op], 0) }.emit(buf, Rm::Reg(enc(*src1)));
                    put_imm(buf, len, size.imm_value(*i));
                }
            }
        }
        Inst::Imul { size, src2, dst, .. } => {
            assert!(*size != S8, "imul has no 8-bit two-operand form");
            enc_rm(*size, &[0x0f, 0xaf], enc(*dst)).emit(buf, rm_of(src2, state));
        }
        Inst::ImulImm { size, src, imm, dst } => {
            assert!(*size != S8, "imul has no 8-bit immediate form");
            let v = size.imm_value(*imm);
            let (op, len) = if fits_i8(v) { (0x6b, 1) } else { (0x69, full_imm_len(*size)) };
            Enc { imm_len: len, ..enc_rm(*size, &[op], enc(*dst)) }.emit(buf, rm_of(src, state));
            put_imm(buf, len, v);
        }
        Inst::Unary { size, op, dst, .. } => {
            let digit = match op {
                UnaryOp::Not => 2,
                UnaryOp::Neg => 3,
            };
            let byte = *size == S8;
            let opc = if byte { 0xf6 } else { 0xf7 };
            Enc { byte_rm: byte, ..enc_rm(*size, &[opc], digit) }.emit(buf, Rm::Reg(enc(*dst)));
        }
        Inst::Shift { size, kind, amount, dst, .. } => {
            let byte = *size == S8;
            match amount {
                ShiftAmount::Imm(n) => {
                    let opc = if byte { 0xc0 } else { 0xc1 };
                    Enc { byte_rm: byte, imm_len: 1, ..enc_rm(*size, &[opc], *kind as u8) }
                        .emit(buf, Rm::Reg(enc(*dst)));
                    buf.put1(*n);
                }
                ShiftAmount::Cl(_) => {
                    let opc = if byte { 0xd2 } else { 0xd3 };
                    Enc { byte_rm: byte, ..enc_rm(*size, &[opc], *kind as u8) }.emit(buf, Rm::Reg(enc(*dst)));
                }
            }
        }
        Inst::Div { size, signed, divisor, trap, .. } => {
            assert!(*size != S8, "8-bit division (through ah) is not supported");
            buf.add_trap(*trap);
            enc_rm(*size, &[0xf7], if *signed { 7 } else { 6 }).emit(buf, Rm::Reg(enc(*divisor)));
        }
        Inst::SignExtendAxDx { size, .. } => match size {
            S8 => panic!("cwd/cdq/cqo have no 8-bit form"),
            S16 => buf.put_data(&[0x66, 0x99]),
            S32 => buf.put1(0x99),
            S64 => buf.put_data(&[0x48, 0x99]),
        },
        Inst::MulHi { size, signed, src2, .. } => {
            assert!(*size != S8, "8-bit widening multiply (into ax) is not supported");
            enc_rm(*size, &[0xf7], if *signed { 5 } else { 4 }).emit(buf, Rm::Reg(enc(*src2)));
        }
        Inst::MovRR { size, src, dst } => {
            let byte = *size == S8;
            let op = if byte { 0x88 } else { 0x89 };
            Enc { byte_reg: byte, byte_rm: byte, ..enc_rm(*size, &[op], enc(*src)) }.emit(buf, Rm::Reg(enc(*dst)));
        }
        Inst::MovImm { size, imm, dst } => {
            let d = enc(*dst);
            match mov_imm_form(*size, *imm) {
                MovImmForm::Mov32(v) => {
                    if d >= 8 {
                        buf.put1(0x41);
                    }
                    buf.put1(0xb8 | (d & 7));
                    buf.put4(v);
                }
                MovImmForm::MovSx32(v) => {
                    Enc { imm_len: 4, ..enc_rm(S64, &[0xc7], 0) }.emit(buf, Rm::Reg(d));
                    buf.put4(v as u32);
                }
                MovImmForm::Movabs(v) => {
                    buf.put1(0x48 | (d >> 3));
                    buf.put1(0xb8 | (d & 7));
                    buf.put8(v);
                }
            }
        }
        Inst::Lea { size, addr: a, dst } => enc_rm(*size, &[0x8d], enc(*dst)).emit(buf, Rm::Mem(addr(a, state))),
        Inst::MovzxRmR { from, to, src, dst } => {
            emit_mov_form(buf, mov_form(*from, *to, ExtMode::Zero), enc(*dst), rm_of(src, state))
        }
        Inst::MovsxRmR { from, to, src, dst } => {
            emit_mov_form(buf, mov_form(*from, *to, ExtMode::Sign), enc(*dst), rm_of(src, state))
        }
        Inst::Load { size, ext, addr: a, dst, trap } => {
            emit_trap(buf, *trap);
            emit_mov_form(buf, mov_form(*size, S64, *ext), enc(*dst), Rm::Mem(addr(a, state)));
        }
        Inst::Store { size, src, addr: a, trap } => {
            emit_trap(buf, *trap);
            let byte = *size == S8;
            let op = if byte { 0x88 } else { 0x89 };
            Enc { byte_reg: byte, ..enc_rm(*size, &[op], enc(*src)) }.emit(buf, Rm::Mem(addr(a, state)));
        }
        Inst::StoreImm { size, imm, addr: a, trap } => {
            emit_trap(buf, *trap);
            let len = full_imm_len(*size);
            let op = if *size == S8 { 0xc6 } else { 0xc7 };
            Enc { imm_len: len, ..enc_rm(*size, &[op], 0) }.emit(buf, Rm::Mem(addr(a, state)));
            put_imm(buf, len, i64::from(*imm));
        }
        Inst::Setcc { cc, dst } => {
            Enc { byte_rm: true, ..enc_rm(S32, &[0x0f, 0x90 | cc.enc()], 0) }.emit(buf, Rm::Reg(enc(*dst)));
        }
        Inst::Cmov { size, cc, consequent, dst, .. } => {
            assert!(*size != S8, "cmov has no 8-bit form");
            enc_rm(*size, &[0x0f, 0x40 | cc.enc()], enc(*dst)).emit(buf, rm_of(consequent, state));
        }
        // A jump to the block emitted next is left out.
        Inst::Jmp { target } => {
            if state.next_block != Some(*target) {
                jmp(buf, *target)
            }
        }
        Inst::JmpCond { cc, taken, not_taken } => {
            if state.next_block == Some(*not_taken) {
                jcc(buf, *cc, *taken);
            } else if state.next_block == Some(*taken) {
                jcc(buf, cc.invert(), *not_taken);
            } else {
                jcc(buf, *cc, *taken);
                jmp(buf, *not_taken);
            }
        }
        Inst::JmpTable { index, tmp1, tmp2, default, targets } => {
            emit_jump_table(buf, enc(*index), enc(*tmp1), enc(*tmp2), *default, targets)
        }
        Inst::Ret { .. } => buf.put1(0xc3),
        Inst::Ud2 { code } => {
            buf.add_trap(*code);
            buf.put_data(&[0x0f, 0x0b]);
        }
        Inst::TrapIf { cc, code } => {
            // j!cc over the 2-byte ud2.
            buf.put_data(&[0x70 | cc.invert().enc(), 0x02]);
            buf.add_trap(*code);
            buf.put_data(&[0x0f, 0x0b]);
        }
        Inst::Args { .. } => {}
        Inst::CallKnown { callee, .. } => {
            buf.put1(0xe8);
            buf.add_reloc(RelocKind::X86CallPlt4, callee, -4);
            buf.put4(0);
            buf.add_call_site();
        }
        Inst::CallUnknown { target, .. } => {
            enc_rm(S32, &[0xff], 2).emit(buf, rm_of(target, state));
            buf.add_call_site();
        }
        Inst::TryCall { callee, target, targets, tags, .. } => {
            match (callee, target) {
                (Some(callee), _) => {
                    buf.put1(0xe8);
                    buf.add_reloc(RelocKind::X86CallPlt4, callee, -4);
                    buf.put4(0);
                }
                (None, Some(target)) => enc_rm(S32, &[0xff], 2).emit(buf, rm_of(target, state)),
                (None, None) => unreachable!("a TryCall has a callee or a target (built by gen_try_call)"),
            }
            buf.add_call_site();
            buf.add_exception_site(tags.iter().copied().zip(targets[1..].iter().copied()).collect());
            if state.next_block != Some(targets[0]) {
                jmp(buf, targets[0]);
            }
        }
        Inst::LandingPad { .. } => {}
        Inst::ReturnCallKnown { callee, .. } => {
            buf.put1(0xe9);
            buf.add_reloc(RelocKind::X86CallPlt4, callee, -4);
            buf.put4(0);
        }
        Inst::ReturnCallUnknown { target, .. } => {
            enc_rm(S32, &[0xff], 4).emit(buf, rm_of(&RegMem::Reg(*target), state));
        }
        Inst::LoadExtName { dst, name, mode: SymbolAddress::Absolute } => {
            let d = enc(*dst);
            buf.put1(0x48 | (d >> 3));
            buf.put1(0xb8 | (d & 7));
            buf.add_reloc(RelocKind::Abs8, name, 0);
            buf.put8(0);
        }
        Inst::LoadExtName { dst, name, mode } => {
            // REX.W (+R), lea or mov, ModRM mod=00 rm=101: [rip + disp32].
            let d = enc(*dst);
            let (opcode, kind) = match mode {
                SymbolAddress::PcRel => (0x8d, RelocKind::X86PcRel4),
                _ => (0x8b, RelocKind::X86GotPcRel4),
            };
            buf.put1(0x48 | ((d >> 3) << 2));
            buf.put1(opcode);
            buf.put1(((d & 7) << 3) | 0b101);
            // The displacement counts from the end of the instruction, 4 bytes on.
            buf.add_reloc(kind, name, -4);
            buf.put4(0);
        }
        Inst::ElfTlsGetAddr { symbol, .. } => {
            // The psABI's general-dynamic sequence, byte for byte (linkers match it):
            // 66 48 8d 3d <TLSGD> = data16 lea rdi, [rip + symbol@TLSGD]
            // 66 66 48 e8 <PLT32> = data16 data16 rex.W call __tls_get_addr
            buf.put_data(&[0x66, 0x48, 0x8d, 0x3d]);
            buf.add_reloc(RelocKind::X86TlsGd4, symbol, -4);
            buf.put4(0);
            buf.put_data(&[0x66, 0x66, 0x48, 0xe8]);
            buf.add_reloc(RelocKind::X86CallPlt4, &ExternalName::LibCall(LibCall::ElfTlsGetAddr), -4);
            buf.put4(0);
            buf.add_call_site();
        }
        Inst::Push64 { src } => push_pop(buf, 0x50, enc(*src)),
        Inst::Pop64 { dst } => push_pop(buf, 0x58, enc(*dst)),
        Inst::AddRspImm(n) => rsp_imm(buf, 0, *n),
        Inst::SubRspImm(n) => rsp_imm(buf, 5, *n),
        Inst::MovToSp { offset, src, class } => match class {
            RegClass::Int => enc_rm(S64, &[0x89], enc(*src)).emit(buf, sp_mem(*offset)),
            RegClass::Float | RegClass::Vector => {
                Enc { prefix: Some(0xf2), ..enc_rm(S32, &[0x0f, 0x11], enc(*src)) }.emit(buf, sp_mem(*offset))
            }
        },
        Inst::MovFromSp { offset, dst, class } => match class {
            RegClass::Int => enc_rm(S64, &[0x8b], enc(*dst)).emit(buf, sp_mem(*offset)),
            RegClass::Float | RegClass::Vector => {
                Enc { prefix: Some(0xf2), ..enc_rm(S32, &[0x0f, 0x10], enc(*dst)) }.emit(buf, sp_mem(*offset))
            }
        },
        Inst::XmmSaveToSp { offset, src } => enc_rm(S32, &[0x0f, 0x11], enc(*src)).emit(buf, sp_mem(*offset)),
        Inst::XmmRestoreFromSp { offset, dst } => enc_rm(S32, &[0x0f, 0x10], enc(*dst)).emit(buf, sp_mem(*offset)),
        Inst::XmmMovRR { src, dst } => enc_rm(S32, &[0x0f, 0x28], enc(*dst)).emit(buf, Rm::Reg(enc(*src))),
        Inst::XmmRmR { op, src2, dst, .. } => {
            let (prefix, opc) = op.encoding();
            sse(prefix, false, &[0x0f, opc], enc(*dst)).emit(buf, rm_of(src2, state));
        }
        Inst::XmmUnary { op, src, dst } => {
            let (prefix, opc) = op.encoding();
            sse(prefix, false, &[0x0f, opc], enc(*dst)).emit(buf, rm_of(src, state));
        }
        Inst::XmmRound { double, imm, src, dst } => {
            let opc = if *double { 0x0b } else { 0x0a };
            Enc { imm_len: 1, ..sse(Some(0x66), false, &[0x0f, 0x3a, opc], enc(*dst)) }.emit(buf, Rm::Reg(enc(*src)));
            buf.put1(*imm);
        }
        Inst::HalfConvert { to_half, src, dst } => {
            // vcvtps2ph names its destination in ModRM.rm and its source in ModRM.reg.
            let (map, opcode, reg, rm, imm) = if *to_half {
                (vector::OpMap::M0f3a, 0x1d, enc(*src), enc(*dst), 1)
            } else {
                (vector::OpMap::M0f38, 0x13, enc(*dst), enc(*src), 0)
            };
            vex_op(buf, vector::OpEnc { prefix: Some(0x66), map, opcode }, false, reg, 0, Rm::Reg(rm), imm);
            if *to_half {
                // Round to nearest even, whatever MXCSR says.
                buf.put1(0);
            }
        }
        Inst::XmmCmp { double, src1, src2 } => {
            sse(double.then_some(0x66), false, &[0x0f, 0x2e], enc(*src1)).emit(buf, rm_of(src2, state));
        }
        Inst::GprToXmm { size, src, dst } => {
            sse(Some(0x66), *size == S64, &[0x0f, 0x6e], enc(*dst)).emit(buf, Rm::Reg(enc(*src)));
        }
        Inst::XmmToGpr { size, src, dst } => {
            sse(Some(0x66), *size == S64, &[0x0f, 0x7e], enc(*src)).emit(buf, Rm::Reg(enc(*dst)));
        }
        Inst::CvtIntToFloat { double, size, src, dst } => {
            sse(Some(sd_prefix(*double)), *size == S64, &[0x0f, 0x2a], enc(*dst)).emit(buf, Rm::Reg(enc(*src)));
        }
        Inst::CvtFloatToInt { double, size, src, dst } => {
            sse(Some(sd_prefix(*double)), *size == S64, &[0x0f, 0x2c], enc(*dst)).emit(buf, Rm::Reg(enc(*src)));
        }
        Inst::XmmLoad { double, addr: a, dst, trap } => {
            emit_trap(buf, *trap);
            sse(Some(sd_prefix(*double)), false, &[0x0f, 0x10], enc(*dst)).emit(buf, Rm::Mem(addr(a, state)));
        }
        Inst::XmmStore { double, src, addr: a, trap } => {
            emit_trap(buf, *trap);
            sse(Some(sd_prefix(*double)), false, &[0x0f, 0x11], enc(*src)).emit(buf, Rm::Mem(addr(a, state)));
        }
        Inst::XmmConst { double, bits, dst } => {
            let label = if *double {
                buf.constant(&bits.to_le_bytes(), 8)
            } else {
                buf.constant(&(*bits as u32).to_le_bytes(), 4)
            };
            sse(Some(sd_prefix(*double)), false, &[0x0f, 0x10], enc(*dst)).emit(buf, Rm::Mem(Addr::Rip(label)));
        }
        Inst::VecBin { op, vex, src1, src2, imm, dst, trap } => {
            emit_trap(buf, *trap);
            let rm = rm_of(src2, state);
            if *vex {
                vex_op(buf, op.enc(), false, enc(*dst), enc(*src1), rm, imm.is_some() as u8);
            } else {
                legacy_op(buf, op.enc(), false, enc(*dst), rm, imm.is_some() as u8);
            }
            if let Some(i) = imm {
                buf.put1(*i);
            }
        }
        Inst::VecUnary { op, vex, src, imm, dst, trap } => {
            emit_trap(buf, *trap);
            let rm = rm_of(src, state);
            if *vex {
                vex_op(buf, op.enc(), false, enc(*dst), 0, rm, imm.is_some() as u8);
            } else {
                legacy_op(buf, op.enc(), false, enc(*dst), rm, imm.is_some() as u8);
            }
            if let Some(i) = imm {
                buf.put1(*i);
            }
        }
        Inst::Blendv { op, vex, src1, src2, mask, dst } => {
            if *vex {
                vex_op(buf, op.vex_enc(), false, enc(*dst), enc(*src1), Rm::Reg(enc(*src2)), 1);
                buf.put1(enc(*mask) << 4);
            } else {
                legacy_op(buf, op.enc(), false, enc(*dst), Rm::Reg(enc(*src2)), 0);
            }
        }
        Inst::VecShiftImm { op, vex, src, imm, dst } => {
            let (opcode, digit) = op.enc();
            let e = vector::OpEnc { prefix: Some(0x66), map: vector::OpMap::M0f, opcode };
            if *vex {
                // VEX.NDD: the destination in VEX.vvvv, the source in ModRM r/m.
                vex_op(buf, e, false, digit, enc(*dst), Rm::Reg(enc(*src)), 1);
            } else {
                legacy_op(buf, e, false, digit, Rm::Reg(enc(*dst)), 1);
            }
            buf.put1(*imm);
        }
        Inst::VecLoad { aligned, addr: a, dst, trap } => {
            emit_trap(buf, *trap);
            let e = vector::OpEnc { prefix: Some(movdq_prefix(*aligned)), map: vector::OpMap::M0f, opcode: 0x6f };
            legacy_op(buf, e, false, enc(*dst), Rm::Mem(addr(a, state)), 0);
        }
        Inst::VecStore { aligned, src, addr: a, trap } => {
            emit_trap(buf, *trap);
            let e = vector::OpEnc { prefix: Some(movdq_prefix(*aligned)), map: vector::OpMap::M0f, opcode: 0x7f };
            legacy_op(buf, e, false, enc(*src), Rm::Mem(addr(a, state)), 0);
        }
        Inst::VecConst { bits, dst } => {
            let label = buf.constant(&bits.to_le_bytes(), 16);
            let e = vector::OpEnc { prefix: Some(0xf3), map: vector::OpMap::M0f, opcode: 0x6f };
            legacy_op(buf, e, false, enc(*dst), Rm::Mem(Addr::Rip(label)), 0);
        }
        Inst::VecFill { ones, dst } => {
            let op = if *ones { vector::VecOp::Pcmpeqd } else { vector::VecOp::Pxor };
            legacy_op(buf, op.enc(), false, enc(*dst), Rm::Reg(enc(*dst)), 0);
        }
        Inst::Pinsr { size, vex, src1, src2, lane, dst } => {
            let (e, w, _) = vector::pinsr_enc(*size);
            if *vex {
                vex_op(buf, e, w, enc(*dst), enc(*src1), Rm::Reg(enc(*src2)), 1);
            } else {
                legacy_op(buf, e, w, enc(*dst), Rm::Reg(enc(*src2)), 1);
            }
            buf.put1(*lane);
        }
        Inst::Pextr { size, vex, src, lane, dst } => {
            let (e, w, xmm_in_reg, _) = vector::pextr_enc(*size);
            let (reg, rm) = if xmm_in_reg { (enc(*src), enc(*dst)) } else { (enc(*dst), enc(*src)) };
            if *vex {
                vex_op(buf, e, w, reg, 0, Rm::Reg(rm), 1);
            } else {
                legacy_op(buf, e, w, reg, Rm::Reg(rm), 1);
            }
            buf.put1(*lane);
        }
        Inst::Movmsk { op, vex, src, dst } => {
            if *vex {
                vex_op(buf, op.enc(), false, enc(*dst), 0, Rm::Reg(enc(*src)), 0);
            } else {
                legacy_op(buf, op.enc(), false, enc(*dst), Rm::Reg(enc(*src)), 0);
            }
        }
        Inst::Fma { double, packed, src2, src3, dst, .. } => {
            // VEX.LIG.66.0F38.W0|W1 A9 /r: vfmadd213ss|sd dst, src2, src3; VEX.128 A8 /r:
            // vfmadd213ps|pd.
            let (d, v, m) = (enc(*dst), enc(*src2), enc(*src3));
            buf.put1(0xc4);
            buf.put1((((d >> 3) ^ 1) << 7) | (1 << 6) | (((m >> 3) ^ 1) << 5) | 0b00010);
            buf.put1(((*double as u8) << 7) | ((!v & 0xf) << 3) | 0b01);
            buf.put1(if *packed { 0xa8 } else { 0xa9 });
            modrm_sib(buf, d, Rm::Reg(m), 0);
        }
        Inst::BitCount { op, size, src, dst } => {
            let (prefix, opc) = op.encoding();
            sse(prefix, *size == S64, &[0x0f, opc], enc(*dst)).emit(buf, Rm::Reg(enc(*src)));
        }
        Inst::Bswap { size, dst, .. } => bswap(buf, *size, enc(*dst)),
        Inst::Bmi { op, size, rm, vvvv, dst } => {
            // VEX.LZ.{np,66,F3,F2}.0F38.W0|W1 F2|F7 /r.
            let (prefix, opcode) = op.encoding();
            let e = vector::OpEnc { prefix, map: vector::OpMap::M0f38, opcode };
            vex_op(buf, e, *size == S64, enc(*dst), enc(*vvvv), Rm::Reg(enc(*rm)), 0);
        }
        Inst::Rorx { size, src, imm, dst } => {
            // VEX.LZ.F2.0F3A.W0|W1 F0 /r ib.
            let e = vector::OpEnc { prefix: Some(0xf2), map: vector::OpMap::M0f3a, opcode: 0xf0 };
            vex_op(buf, e, *size == S64, enc(*dst), 0, Rm::Reg(enc(*src)), 1);
            buf.put1(*imm);
        }
        Inst::Mfence => buf.put_data(&[0x0f, 0xae, 0xf0]),
        Inst::AtomicXadd { xchg, size, addr: a, src, .. } => {
            let byte = *size == S8;
            let e = if *xchg {
                enc_rm(*size, if byte { &[0x86] } else { &[0x87] }, enc(*src))
            } else {
                Enc { lock: true, ..enc_rm(*size, if byte { &[0x0f, 0xc0] } else { &[0x0f, 0xc1] }, enc(*src)) }
            };
            Enc { byte_reg: byte, ..e }.emit(buf, Rm::Mem(addr(a, state)));
        }
        Inst::LockCmpxchg { size, addr: a, replacement, .. } => {
            lock_cmpxchg(buf, *size, enc(*replacement), Rm::Mem(addr(a, state)));
        }
        Inst::AtomicRmwLoop { op, size, big, addr: a, operand, tmp, .. } => {
            emit_rmw_loop(buf, *op, *size, *big, enc(*a), enc(*operand), enc(*tmp));
        }
    }
}

/// The F3 (`ss`) or F2 (`sd`) prefix.
fn sd_prefix(double: bool) -> u8 {
    if double { 0xf2 } else { 0xf3 }
}

/// An SSE-style encoding: mandatory prefix, optional REX.W, opcode bytes.
fn sse(prefix: Option<u8>, w: bool, opcode: &[u8], reg: u8) -> Enc<'_> {
    Enc { prefix, w, ..enc_rm(OperandSize::S32, opcode, reg) }
}

/// `movdqa`'s (66) or `movdqu`'s (F3) prefix.
fn movdq_prefix(aligned: bool) -> u8 {
    if aligned { 0x66 } else { 0xf3 }
}

/// A legacy SSE encoding of `e`: prefix, REX (W when `w`), the map's escape bytes and the
/// opcode, ModRM with `reg`; `imm_len` bytes of immediate follow.
fn legacy_op(buf: &mut MachBuffer<X64LabelUse>, e: vector::OpEnc, w: bool, reg: u8, rm: Rm, imm_len: u8) {
    let mut opcode = [0u8; 3];
    let escape = e.map.escape();
    opcode[..escape.len()].copy_from_slice(escape);
    opcode[escape.len()] = e.opcode;
    Enc { imm_len, ..sse(e.prefix, w, &opcode[..escape.len() + 1], reg) }.emit(buf, rm);
}

/// The VEX.128 encoding of `e` with ModRM `reg` and `rm` and the extra source `vvvv`
/// (0 when unused, which VEX writes as 1111): the two-byte `C5` form when it can say
/// everything (map `0F`, W0, no X or B extension), else the three-byte `C4` form. The
/// R, X, B and vvvv fields are stored inverted.
fn vex_op(buf: &mut MachBuffer<X64LabelUse>, e: vector::OpEnc, w: bool, reg: u8, vvvv: u8, rm: Rm, imm_len: u8) {
    let (x, b) = match rm {
        Rm::Reg(r) => (0, r >> 3),
        Rm::Mem(Addr::Base { base, index, .. }) => (index.map_or(0, |(i, _)| i >> 3), base >> 3),
        Rm::Mem(Addr::Rip(_)) => (0, 0),
    };
    let r = (reg >> 3) & 1;
    let tail = ((!vvvv & 0xf) << 3) | e.vex_pp();
    if e.map == vector::OpMap::M0f && !w && x == 0 && b == 0 {
        buf.put1(0xc5);
        buf.put1(((r ^ 1) << 7) | tail);
    } else {
        buf.put1(0xc4);
        buf.put1(((r ^ 1) << 7) | ((x ^ 1) << 6) | ((b ^ 1) << 5) | e.map.vex_bits());
        buf.put1(((w as u8) << 7) | tail);
    }
    buf.put1(e.opcode);
    modrm_sib(buf, reg, rm, imm_len);
}

/// `lock cmpxchg rm, reg` of `size`.
fn lock_cmpxchg(buf: &mut MachBuffer<X64LabelUse>, size: OperandSize, reg: u8, rm: Rm) {
    let byte = size == OperandSize::S8;
    let op: &[u8] = if byte { &[0x0f, 0xb0] } else { &[0x0f, 0xb1] };
    Enc { lock: true, byte_reg: byte, ..enc_rm(size, op, reg) }.emit(buf, rm);
}

/// `bswap r32|r64` (S32 or S64).
fn bswap(buf: &mut MachBuffer<X64LabelUse>, size: OperandSize, r: u8) {
    let rex = 0x40 | (((size == OperandSize::S64) as u8) << 3) | (r >> 3);
    if rex != 0x40 {
        buf.put1(rex);
    }
    buf.put_data(&[0x0f, 0xc8 | (r & 7)]);
}

/// Reverses the bytes of the low `size` bytes of register `r`: `rol r16, 8` at 16 bits,
/// `bswap` at 32 and 64, nothing at 8 (the printer's `swap_text` shows the same).
fn byte_swap_reg(buf: &mut MachBuffer<X64LabelUse>, size: OperandSize, r: u8) {
    match size {
        OperandSize::S8 => {}
        OperandSize::S16 => {
            Enc { imm_len: 1, ..enc_rm(size, &[0xc1], ShiftKind::Rol as u8) }.emit(buf, Rm::Reg(r));
            buf.put1(8);
        }
        _ => bswap(buf, size, r),
    }
}

/// The compare-exchange loop of [`Inst::AtomicRmwLoop`] (see there); `addr` holds the
/// address, the old value ends in rax.
fn emit_rmw_loop(
    buf: &mut MachBuffer<X64LabelUse>,
    op: RmwLoopOp,
    size: OperandSize,
    big: bool,
    a: u8,
    operand: u8,
    tmp: u8,
) {
    use OperandSize::*;
    let mem = Rm::Mem(Addr::Base { base: a, index: None, disp: 0 });
    emit_mov_form(buf, MovForm::Mov(size), 0, mem);
    let again = buf.get_label();
    buf.bind_label(again);
    enc_rm(S64, &[0x89], 0).emit(buf, Rm::Reg(tmp));
    if big {
        byte_swap_reg(buf, size, tmp);
    }
    let byte = size == S8;
    let alu = |buf: &mut MachBuffer<X64LabelUse>, base: u8| alu_rr_rm(buf, size, base, operand, Rm::Reg(tmp), false);
    match op {
        RmwLoopOp::Add => alu(buf, 0x00),
        RmwLoopOp::Sub => alu(buf, 0x28),
        RmwLoopOp::And => alu(buf, 0x20),
        RmwLoopOp::Nand => {
            alu(buf, 0x20);
            Enc { byte_rm: byte, ..enc_rm(size, if byte { &[0xf6] } else { &[0xf7] }, 2) }.emit(buf, Rm::Reg(tmp));
        }
        RmwLoopOp::Or => alu(buf, 0x08),
        RmwLoopOp::Xor => alu(buf, 0x30),
        RmwLoopOp::Umin | RmwLoopOp::Umax | RmwLoopOp::Smin | RmwLoopOp::Smax => {
            alu(buf, 0x38);
            let cc = op.select_cc().expect("min/max select a condition");
            let csize = if byte { S32 } else { size };
            enc_rm(csize, &[0x0f, 0x40 | cc.enc()], tmp).emit(buf, Rm::Reg(operand));
        }
    }
    if big {
        byte_swap_reg(buf, size, tmp);
    }
    lock_cmpxchg(buf, size, tmp, mem);
    jcc(buf, CC::NZ, again);
    if big {
        byte_swap_reg(buf, size, 0);
    }
}

/// The jump-table sequence (see [`Inst::JmpTable`]):
///
/// ```text
///     mov    tmp2_32, index32            ; unless tmp2 is index
///     mov    tmp1_32, len
///     cmp    tmp2_32, tmp1_32
///     cmovnb tmp2_32, tmp1_32            ; past the end: entry len, the default
///     lea    tmp1, [rip+table]
///     movsxd tmp2, dword ptr [tmp1+tmp2*4]
///     add    tmp1, tmp2
///     jmp    tmp1
/// table:
///     .long  target0 - table, target1 - table, ..., default - table
/// ```
///
/// The index is clamped by a conditional move, not checked by a branch: a mispredicted
/// bounds branch would let the table load, and the jump, use any index (Spectre v1);
/// `cmov` is a data dependency the CPU does not predict. The default is the table's last
/// entry, so the clamp is also how out-of-range indexes reach it. A 32-bit `cmov` clears
/// bits 32-63 of its destination whether or not it moves, so the index need not be
/// zero-extended first.
fn emit_jump_table(
    buf: &mut MachBuffer<X64LabelUse>,
    index: u8,
    tmp1: u8,
    tmp2: u8,
    default: MachLabel,
    targets: &[MachLabel],
) {
    use OperandSize::*;
    let len = u32::try_from(targets.len()).ok().filter(|&n| n < i32::MAX as u32);
    let len = len.expect("a jump table has fewer than 2^31 - 1 entries");
    if index != tmp2 {
        enc_rm(S32, &[0x89], index).emit(buf, Rm::Reg(tmp2));
    }
    Enc { imm_len: 4, ..enc_rm(S32, &[0xc7], 0) }.emit(buf, Rm::Reg(tmp1));
    put_imm(buf, 4, len as i64);
    enc_rm(S32, &[0x39], tmp1).emit(buf, Rm::Reg(tmp2));
    enc_rm(S32, &[0x0f, 0x43], tmp2).emit(buf, Rm::Reg(tmp1));
    let table = buf.get_label();
    enc_rm(S64, &[0x8d], tmp1).emit(buf, Rm::Mem(Addr::Rip(table)));
    enc_rm(S64, &[0x63], tmp2).emit(buf, Rm::Mem(Addr::Base { base: tmp1, index: Some((tmp2, 2)), disp: 0 }));
    enc_rm(S64, &[0x01], tmp2).emit(buf, Rm::Reg(tmp1));
    enc_rm(S32, &[0xff], 4).emit(buf, Rm::Reg(tmp1));
    buf.bind_label(table);
    for (i, &t) in targets.iter().chain([&default]).enumerate() {
        // Entry i sits 4*i bytes into the table; a bias of 4 + 4*i makes Rel32's
        // `label - (use + 4)` into `label - table`.
        let at = buf.cur_offset();
        buf.put4(4 + 4 * i as u32);
        buf.use_label_at_offset(at, t, X64LabelUse::Rel32);
    }
}
