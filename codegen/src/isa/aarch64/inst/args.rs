//! Operand kinds of aarch64 instructions: widths, condition codes, shifted and extended
//! register operands, the operation enums of each instruction family, addressing modes
//! and branch conditions. Immediates with encodings of their own are in `imms.rs`.
//!
//! Registers inside an [`AMode`], [`PairAMode`] or [`CondBrKind`] are read, never written:
//! the owning instruction visits them as uses. The pre- and post-indexed modes also write
//! their base back; they are only used with physical bases (sp in prologues and
//! epilogues), which the allocator does not see, so no def is reported for them.

use crate::machinst::{OperandVisitor, Reg};

/// The width of an integer operation (the `sf` bit).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum OperandSize {
    /// 32 bits (`w` registers; writing one zeroes bits 32-63).
    S32,
    /// 64 bits (`x` registers).
    S64,
}

impl OperandSize {
    /// Both widths.
    pub const ALL: [OperandSize; 2] = [OperandSize::S32, OperandSize::S64];
    /// The `sf` bit.
    pub fn sf(self) -> u32 {
        (self == OperandSize::S64) as u32
    }
    /// Whether 64-bit.
    pub fn is64(self) -> bool {
        self == OperandSize::S64
    }
    /// The width in bits.
    pub fn bits(self) -> u32 {
        if self.is64() { 64 } else { 32 }
    }
}

/// The width of a scalar float operation (the `ftype` field).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum FpSize {
    /// Single precision (`s` registers).
    S32,
    /// Double precision (`d` registers).
    S64,
}

impl FpSize {
    /// Both widths.
    pub const ALL: [FpSize; 2] = [FpSize::S32, FpSize::S64];
    /// The `ftype` field: 00 single, 01 double.
    pub fn ftype(self) -> u32 {
        match self {
            FpSize::S32 => 0,
            FpSize::S64 => 1,
        }
    }
    /// The register-name prefix (`s`, `d`).
    pub fn prefix(self) -> char {
        match self {
            FpSize::S32 => 's',
            FpSize::S64 => 'd',
        }
    }
}

/// A condition code, numbered as in the `cond` field.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum Cond {
    /// Equal (Z).
    Eq = 0,
    /// Not equal.
    Ne = 1,
    /// Unsigned higher or same (C).
    Hs = 2,
    /// Unsigned lower.
    Lo = 3,
    /// Negative (N).
    Mi = 4,
    /// Positive or zero.
    Pl = 5,
    /// Overflow (V).
    Vs = 6,
    /// No overflow.
    Vc = 7,
    /// Unsigned higher.
    Hi = 8,
    /// Unsigned lower or same.
    Ls = 9,
    /// Signed greater or equal.
    Ge = 10,
    /// Signed less than.
    Lt = 11,
    /// Signed greater than.
    Gt = 12,
    /// Signed less or equal.
    Le = 13,
    /// Always.
    Al = 14,
    /// Always (the encoding 15, which also means always).
    Nv = 15,
}

impl Cond {
    /// Every condition.
    pub const ALL: [Cond; 16] = [
        Cond::Eq,
        Cond::Ne,
        Cond::Hs,
        Cond::Lo,
        Cond::Mi,
        Cond::Pl,
        Cond::Vs,
        Cond::Vc,
        Cond::Hi,
        Cond::Ls,
        Cond::Ge,
        Cond::Lt,
        Cond::Gt,
        Cond::Le,
        Cond::Al,
        Cond::Nv,
    ];
    /// The field value.
    pub fn bits(self) -> u32 {
        self as u32
    }
    /// The opposite condition (`al` and `nv` invert to each other, both always true).
    pub fn invert(self) -> Cond {
        Cond::ALL[(self as usize) ^ 1]
    }
    /// The assembler name.
    pub fn name(self) -> &'static str {
        ["eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"][self as usize]
    }
}

/// A shift of a register operand.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ShiftOp {
    /// Logical left.
    Lsl = 0,
    /// Logical right.
    Lsr = 1,
    /// Arithmetic right.
    Asr = 2,
    /// Rotate right (logical operations only).
    Ror = 3,
}

impl ShiftOp {
    /// Every shift.
    pub const ALL: [ShiftOp; 4] = [ShiftOp::Lsl, ShiftOp::Lsr, ShiftOp::Asr, ShiftOp::Ror];
    /// The assembler name.
    pub fn name(self) -> &'static str {
        ["lsl", "lsr", "asr", "ror"][self as usize]
    }
}

/// A shifted register operand's shift: the kind and the amount (less than the width).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct ShiftOpAndAmt {
    /// The kind.
    pub op: ShiftOp,
    /// The amount.
    pub amt: u8,
}

/// An extension of a register operand (the `option` field), followed by a left shift of
/// 0-4 in the arithmetic forms.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExtendOp {
    /// Zero-extend the low byte.
    Uxtb = 0,
    /// Zero-extend the low halfword.
    Uxth = 1,
    /// Zero-extend the low word.
    Uxtw = 2,
    /// The whole register (printed `lsl` next to sp).
    Uxtx = 3,
    /// Sign-extend the low byte.
    Sxtb = 4,
    /// Sign-extend the low halfword.
    Sxth = 5,
    /// Sign-extend the low word.
    Sxtw = 6,
    /// The whole register, signed.
    Sxtx = 7,
}

impl ExtendOp {
    /// Every extension.
    pub const ALL: [ExtendOp; 8] = [
        ExtendOp::Uxtb,
        ExtendOp::Uxth,
        ExtendOp::Uxtw,
        ExtendOp::Uxtx,
        ExtendOp::Sxtb,
        ExtendOp::Sxth,
        ExtendOp::Sxtw,
        ExtendOp::Sxtx,
    ];
    /// The assembler name.
    pub fn name(self) -> &'static str {
        ["uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"][self as usize]
    }
    /// Whether the source is named as an `x` register (the 64-bit extensions).
    pub fn source_is64(self) -> bool {
        matches!(self, ExtendOp::Uxtx | ExtendOp::Sxtx)
    }
}

/// Two-source integer operations. Which forms each has: the arithmetic ones (`Add`..`Subs`)
/// take shifted, extended and 12-bit immediate operands; the logical ones (`And`..`Bics`)
/// shifted registers and (except `Bic`, `Orn`, `Eon`, `Bics`) bitmask immediates; the
/// rest are register-only (`Smulh`, `Umulh` are 64-bit only).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AluOp {
    /// `add`.
    Add,
    /// `sub`.
    Sub,
    /// `adds` (sets flags).
    Adds,
    /// `subs` (sets flags).
    Subs,
    /// `and`.
    And,
    /// `orr`.
    Orr,
    /// `eor`.
    Eor,
    /// `ands` (sets flags).
    Ands,
    /// `bic`: and-not.
    Bic,
    /// `orn`: or-not.
    Orn,
    /// `eon`: exclusive-or-not.
    Eon,
    /// `bics`: and-not, setting flags.
    Bics,
    /// `adc`: add with carry.
    Adc,
    /// `adcs`.
    Adcs,
    /// `sbc`: subtract with borrow.
    Sbc,
    /// `sbcs`.
    Sbcs,
    /// `sdiv`.
    Sdiv,
    /// `udiv`.
    Udiv,
    /// `lslv` (printed `lsl`).
    Lslv,
    /// `lsrv` (printed `lsr`).
    Lsrv,
    /// `asrv` (printed `asr`).
    Asrv,
    /// `rorv` (printed `ror`).
    Rorv,
    /// `smulh`: high 64 bits of the signed product (64-bit only).
    Smulh,
    /// `umulh`: high 64 bits of the unsigned product (64-bit only).
    Umulh,
}

impl AluOp {
    /// Every operation.
    pub const ALL: [AluOp; 24] = [
        AluOp::Add,
        AluOp::Sub,
        AluOp::Adds,
        AluOp::Subs,
        AluOp::And,
        AluOp::Orr,
        AluOp::Eor,
        AluOp::Ands,
        AluOp::Bic,
        AluOp::Orn,
        AluOp::Eon,
        AluOp::Bics,
        AluOp::Adc,
        AluOp::Adcs,
        AluOp::Sbc,
        AluOp::Sbcs,
        AluOp::Sdiv,
        AluOp::Udiv,
        AluOp::Lslv,
        AluOp::Lsrv,
        AluOp::Asrv,
        AluOp::Rorv,
        AluOp::Smulh,
        AluOp::Umulh,
    ];
    /// The mnemonic of the plain form.
    pub fn name(self) -> &'static str {
        use AluOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Adds => "adds",
            Subs => "subs",
            And => "and",
            Orr => "orr",
            Eor => "eor",
            Ands => "ands",
            Bic => "bic",
            Orn => "orn",
            Eon => "eon",
            Bics => "bics",
            Adc => "adc",
            Adcs => "adcs",
            Sbc => "sbc",
            Sbcs => "sbcs",
            Sdiv => "sdiv",
            Udiv => "udiv",
            Lslv => "lsl",
            Lsrv => "lsr",
            Asrv => "asr",
            Rorv => "ror",
            Smulh => "smulh",
            Umulh => "umulh",
        }
    }
    /// `add`, `sub`, `adds`, `subs`: the forms with extended registers and 12-bit
    /// immediates.
    pub fn is_arith(self) -> bool {
        matches!(self, AluOp::Add | AluOp::Sub | AluOp::Adds | AluOp::Subs)
    }
    /// The logical operations (shifted-register forms, with `ror`).
    pub fn is_logical(self) -> bool {
        matches!(
            self,
            AluOp::And | AluOp::Orr | AluOp::Eor | AluOp::Ands | AluOp::Bic | AluOp::Orn | AluOp::Eon | AluOp::Bics
        )
    }
    /// The logical operations with a bitmask-immediate form.
    pub fn has_logic_imm(self) -> bool {
        matches!(self, AluOp::And | AluOp::Orr | AluOp::Eor | AluOp::Ands)
    }
    /// Whether only the 64-bit form exists.
    pub fn only64(self) -> bool {
        matches!(self, AluOp::Smulh | AluOp::Umulh)
    }
}

/// Three-source multiply operations: `rd = ra ± rn * rm`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AluOp3 {
    /// `madd` (`mul` when `ra` is zr).
    Madd,
    /// `msub` (`mneg` when `ra` is zr).
    Msub,
    /// `smaddl`: 32x32 signed to 64 (`smull` when `ra` is zr); 64-bit only.
    Smaddl,
    /// `umaddl`: 32x32 unsigned to 64 (`umull` when `ra` is zr); 64-bit only.
    Umaddl,
}

impl AluOp3 {
    /// Every operation.
    pub const ALL: [AluOp3; 4] = [AluOp3::Madd, AluOp3::Msub, AluOp3::Smaddl, AluOp3::Umaddl];
    /// Whether the sources are 32-bit and the result 64 (`smaddl`, `umaddl`).
    pub fn is_widening(self) -> bool {
        matches!(self, AluOp3::Smaddl | AluOp3::Umaddl)
    }
}

/// One-source bit operations.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum BitOp {
    /// `rbit`: reverse the bits.
    Rbit,
    /// `rev16`: reverse the bytes of each halfword.
    Rev16,
    /// `rev32`: reverse the bytes of each word (64-bit only).
    Rev32,
    /// `rev`: reverse the bytes of the register.
    Rev,
    /// `clz`: count leading zeros.
    Clz,
    /// `cls`: count leading sign bits (not counting the sign).
    Cls,
}

impl BitOp {
    /// Every operation.
    pub const ALL: [BitOp; 6] = [BitOp::Rbit, BitOp::Rev16, BitOp::Rev32, BitOp::Rev, BitOp::Clz, BitOp::Cls];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        ["rbit", "rev16", "rev32", "rev", "clz", "cls"][self as usize]
    }
}

/// Bitfield moves that replace the destination (`bfm`, which keeps its other bits, has
/// its own instruction).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum BitfieldOp {
    /// `sbfm` (`asr`, `sbfiz`, `sbfx`, `sxtb`, `sxth`, `sxtw`).
    Sbfm,
    /// `ubfm` (`lsl`, `lsr`, `ubfiz`, `ubfx`, `uxtb`, `uxth`).
    Ubfm,
}

/// Conditional selects: `rd = cond ? rn : op(rm)`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum CSelOp {
    /// `csel`: `rm`.
    Csel,
    /// `csinc`: `rm + 1` (`cset`, `cinc`).
    Csinc,
    /// `csinv`: `!rm` (`csetm`, `cinv`).
    Csinv,
    /// `csneg`: `-rm` (`cneg`).
    Csneg,
}

impl CSelOp {
    /// Every operation.
    pub const ALL: [CSelOp; 4] = [CSelOp::Csel, CSelOp::Csinc, CSelOp::Csinv, CSelOp::Csneg];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        ["csel", "csinc", "csinv", "csneg"][self as usize]
    }
}

/// Conditional compares: when `cond` holds, the flags of `rn - rhs` (`ccmp`) or
/// `rn + rhs` (`ccmn`), else `nzcv`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum CCmpOp {
    /// `ccmp`.
    Ccmp,
    /// `ccmn`.
    Ccmn,
}

/// The second operand of a conditional compare.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum CCmpRhs {
    /// A register.
    Reg(Reg),
    /// An unsigned 5-bit immediate.
    Imm(u8),
}

/// Move-wide operations that replace the destination.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum MoveWideOp {
    /// `movz`: the chunk, zeros elsewhere.
    MovZ,
    /// `movn`: the inverse of the chunk.
    MovN,
}

/// How the index register of a register-offset address is extended, and then shifted by
/// the access size when `scaled`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum IndexExtend {
    /// A 64-bit index as is (`lsl`).
    Lsl,
    /// A 32-bit index, zero-extended.
    Uxtw,
    /// A 32-bit index, sign-extended.
    Sxtw,
    /// A 64-bit index, `sxtx` (the same value as `lsl`).
    Sxtx,
}

impl IndexExtend {
    /// Every extension.
    pub const ALL: [IndexExtend; 4] = [IndexExtend::Lsl, IndexExtend::Uxtw, IndexExtend::Sxtw, IndexExtend::Sxtx];
    /// The `option` field.
    pub fn option(self) -> u32 {
        match self {
            IndexExtend::Uxtw => 0b010,
            IndexExtend::Lsl => 0b011,
            IndexExtend::Sxtw => 0b110,
            IndexExtend::Sxtx => 0b111,
        }
    }
    /// Whether the index is named as an `x` register.
    pub fn index_is64(self) -> bool {
        matches!(self, IndexExtend::Lsl | IndexExtend::Sxtx)
    }
    /// The assembler name.
    pub fn name(self) -> &'static str {
        match self {
            IndexExtend::Lsl => "lsl",
            IndexExtend::Uxtw => "uxtw",
            IndexExtend::Sxtw => "sxtw",
            IndexExtend::Sxtx => "sxtx",
        }
    }
}

/// The address of a load or store. The first five are machine forms; the last four are
/// resolved at emission (against SP or the frame pointer, with x16 holding an offset that
/// fits no immediate form).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AMode {
    /// `[rn, #offset]`: an unsigned offset, a multiple of the access size up to 4095
    /// times it.
    UnsignedOffset {
        /// The base (a register or sp).
        rn: Reg,
        /// Bytes.
        offset: u32,
    },
    /// `[rn, #offset]` with a signed 9-bit byte offset (`ldur`, `stur`).
    Unscaled {
        /// The base (a register or sp).
        rn: Reg,
        /// -256..=255.
        offset: i16,
    },
    /// `[rn, rm{, extend {#shift}}]`: the index extended, then shifted by log2 of the
    /// access size when `scaled`.
    RegOffset {
        /// The base (a register or sp).
        rn: Reg,
        /// The index.
        rm: Reg,
        /// How the index is extended.
        extend: IndexExtend,
        /// Whether the index is scaled by the access size.
        scaled: bool,
    },
    /// `[rn, #offset]!`: the base is first moved by the signed 9-bit offset.
    PreIndex {
        /// The base, written back (physical only).
        rn: Reg,
        /// -256..=255.
        offset: i16,
    },
    /// `[rn], #offset`: the base is moved after the access.
    PostIndex {
        /// The base, written back (physical only).
        rn: Reg,
        /// -256..=255.
        offset: i16,
    },
    /// A base register plus any offset: the shortest of the forms above, or x16 holding
    /// the offset as an index.
    BaseOffset {
        /// The base (a register or sp; not x16).
        rn: Reg,
        /// Bytes.
        offset: i64,
    },
    /// SP plus any offset (spill slots, saved registers, outgoing arguments).
    SpOffset {
        /// Bytes.
        offset: i64,
    },
    /// Byte `offset` of the explicit stack slots (`FrameInfo::stack_slot_offset`).
    StackSlot {
        /// Bytes.
        offset: u32,
    },
    /// Byte `offset` of the incoming stack arguments, `[x29 + 16 + offset]`.
    IncomingArg {
        /// Bytes.
        offset: u32,
    },
}

impl AMode {
    /// Visits the registers of the address (all uses).
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            AMode::UnsignedOffset { rn, .. }
            | AMode::Unscaled { rn, .. }
            | AMode::PreIndex { rn, .. }
            | AMode::PostIndex { rn, .. }
            | AMode::BaseOffset { rn, .. } => v.reg_use(rn),
            AMode::RegOffset { rn, rm, .. } => {
                v.reg_use(rn);
                v.reg_use(rm);
            }
            AMode::SpOffset { .. } | AMode::StackSlot { .. } | AMode::IncomingArg { .. } => {}
        }
    }
}

/// The address of a load or store pair: a signed 7-bit offset scaled by the register
/// size.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum PairAMode {
    /// `[rn, #offset]`.
    SignedOffset {
        /// The base (a register or sp).
        rn: Reg,
        /// Bytes: a multiple of the register size, -64..=63 times it.
        offset: i16,
    },
    /// `[rn, #offset]!`.
    PreIndex {
        /// The base, written back (physical only).
        rn: Reg,
        /// Bytes.
        offset: i16,
    },
    /// `[rn], #offset`.
    PostIndex {
        /// The base, written back (physical only).
        rn: Reg,
        /// Bytes.
        offset: i16,
    },
}

impl PairAMode {
    /// The base register.
    pub fn base_mut(&mut self) -> &mut Reg {
        match self {
            PairAMode::SignedOffset { rn, .. } | PairAMode::PreIndex { rn, .. } | PairAMode::PostIndex { rn, .. } => rn,
        }
    }
}

/// Loads: the access size, the extension and the destination register file.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum LoadOp {
    /// `ldrb w`: a byte, zero-extended.
    Ldrb,
    /// `ldrsb w`: a byte, sign-extended to 32 bits.
    LdrsbW,
    /// `ldrsb x`: a byte, sign-extended to 64 bits.
    LdrsbX,
    /// `ldrh w`.
    Ldrh,
    /// `ldrsh w`.
    LdrshW,
    /// `ldrsh x`.
    LdrshX,
    /// `ldr w`: a word, zero-extended.
    LdrW,
    /// `ldrsw x`: a word, sign-extended.
    Ldrsw,
    /// `ldr x`.
    LdrX,
    /// `ldr s`: 32-bit float.
    LdrS,
    /// `ldr d`: 64-bit float.
    LdrD,
    /// `ldr q`: 128 bits.
    LdrQ,
}

impl LoadOp {
    /// Every load.
    pub const ALL: [LoadOp; 12] = [
        LoadOp::Ldrb,
        LoadOp::LdrsbW,
        LoadOp::LdrsbX,
        LoadOp::Ldrh,
        LoadOp::LdrshW,
        LoadOp::LdrshX,
        LoadOp::LdrW,
        LoadOp::Ldrsw,
        LoadOp::LdrX,
        LoadOp::LdrS,
        LoadOp::LdrD,
        LoadOp::LdrQ,
    ];
    /// log2 of the bytes accessed.
    pub fn size_log2(self) -> u32 {
        use LoadOp::*;
        match self {
            Ldrb | LdrsbW | LdrsbX => 0,
            Ldrh | LdrshW | LdrshX => 1,
            LdrW | Ldrsw | LdrS => 2,
            LdrX | LdrD => 3,
            LdrQ => 4,
        }
    }
    /// Whether the destination is a SIMD&FP register.
    pub fn is_fp(self) -> bool {
        matches!(self, LoadOp::LdrS | LoadOp::LdrD | LoadOp::LdrQ)
    }
    /// The mnemonic without the `u` of the unscaled form (`ldrsb`, `ldr`).
    pub fn name(self) -> &'static str {
        use LoadOp::*;
        match self {
            Ldrb => "ldrb",
            LdrsbW | LdrsbX => "ldrsb",
            Ldrh => "ldrh",
            LdrshW | LdrshX => "ldrsh",
            Ldrsw => "ldrsw",
            LdrW | LdrX | LdrS | LdrD | LdrQ => "ldr",
        }
    }
    /// The destination's name for register `r`.
    pub fn reg_name(self, r: Reg) -> String {
        use LoadOp::*;
        match self {
            LdrsbX | LdrshX | Ldrsw | LdrX => super::super::regs::gpr_name(r, true),
            Ldrb | LdrsbW | Ldrh | LdrshW | LdrW => super::super::regs::gpr_name(r, false),
            LdrS => super::super::regs::fpr_name(r, 's'),
            LdrD => super::super::regs::fpr_name(r, 'd'),
            LdrQ => super::super::regs::fpr_name(r, 'q'),
        }
    }
}

/// Stores: the access size and the source register file.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum StoreOp {
    /// `strb w`.
    Strb,
    /// `strh w`.
    Strh,
    /// `str w`.
    StrW,
    /// `str x`.
    StrX,
    /// `str s`.
    StrS,
    /// `str d`.
    StrD,
    /// `str q`.
    StrQ,
}

impl StoreOp {
    /// Every store.
    pub const ALL: [StoreOp; 7] =
        [StoreOp::Strb, StoreOp::Strh, StoreOp::StrW, StoreOp::StrX, StoreOp::StrS, StoreOp::StrD, StoreOp::StrQ];
    /// log2 of the bytes accessed.
    pub fn size_log2(self) -> u32 {
        match self {
            StoreOp::Strb => 0,
            StoreOp::Strh => 1,
            StoreOp::StrW | StoreOp::StrS => 2,
            StoreOp::StrX | StoreOp::StrD => 3,
            StoreOp::StrQ => 4,
        }
    }
    /// Whether the source is a SIMD&FP register.
    pub fn is_fp(self) -> bool {
        matches!(self, StoreOp::StrS | StoreOp::StrD | StoreOp::StrQ)
    }
    /// The mnemonic without the `u` of the unscaled form.
    pub fn name(self) -> &'static str {
        match self {
            StoreOp::Strb => "strb",
            StoreOp::Strh => "strh",
            _ => "str",
        }
    }
    /// The source's name for register `r`.
    pub fn reg_name(self, r: Reg) -> String {
        use super::super::regs::{fpr_name, gpr_name};
        match self {
            StoreOp::Strb | StoreOp::Strh | StoreOp::StrW => gpr_name(r, false),
            StoreOp::StrX => gpr_name(r, true),
            StoreOp::StrS => fpr_name(r, 's'),
            StoreOp::StrD => fpr_name(r, 'd'),
            StoreOp::StrQ => fpr_name(r, 'q'),
        }
    }
}

/// The registers of a load or store pair.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum PairSize {
    /// Two `w` registers.
    W,
    /// Two `x` registers.
    X,
    /// Two `s` registers.
    S,
    /// Two `d` registers.
    D,
    /// Two `q` registers.
    Q,
}

impl PairSize {
    /// Every size.
    pub const ALL: [PairSize; 5] = [PairSize::W, PairSize::X, PairSize::S, PairSize::D, PairSize::Q];
    /// Bytes of each register.
    pub fn bytes(self) -> i16 {
        match self {
            PairSize::W | PairSize::S => 4,
            PairSize::X | PairSize::D => 8,
            PairSize::Q => 16,
        }
    }
    /// Whether the registers are SIMD&FP registers.
    pub fn is_fp(self) -> bool {
        matches!(self, PairSize::S | PairSize::D | PairSize::Q)
    }
    /// The name of register `r` in a pair of this size.
    pub fn reg_name(self, r: Reg) -> String {
        use super::super::regs::{fpr_name, gpr_name};
        match self {
            PairSize::W => gpr_name(r, false),
            PairSize::X => gpr_name(r, true),
            PairSize::S => fpr_name(r, 's'),
            PairSize::D => fpr_name(r, 'd'),
            PairSize::Q => fpr_name(r, 'q'),
        }
    }
}

/// One-source scalar float operations.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum FpuOp1 {
    /// `fabs`.
    Abs,
    /// `fneg`.
    Neg,
    /// `fsqrt`.
    Sqrt,
    /// `frintn`: to nearest, ties to even.
    RintN,
    /// `frintm`: toward minus infinity (floor).
    RintM,
    /// `frintp`: toward plus infinity (ceil).
    RintP,
    /// `frintz`: toward zero (trunc).
    RintZ,
    /// `frinta`: to nearest, ties away from zero.
    RintA,
    /// `frintx`: current mode, signalling inexact.
    RintX,
    /// `frinti`: current mode.
    RintI,
}

impl FpuOp1 {
    /// Every operation.
    pub const ALL: [FpuOp1; 10] = [
        FpuOp1::Abs,
        FpuOp1::Neg,
        FpuOp1::Sqrt,
        FpuOp1::RintN,
        FpuOp1::RintM,
        FpuOp1::RintP,
        FpuOp1::RintZ,
        FpuOp1::RintA,
        FpuOp1::RintX,
        FpuOp1::RintI,
    ];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        ["fabs", "fneg", "fsqrt", "frintn", "frintm", "frintp", "frintz", "frinta", "frintx", "frinti"][self as usize]
    }
}

/// Two-source scalar float operations.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum FpuOp2 {
    /// `fadd`.
    Add,
    /// `fsub`.
    Sub,
    /// `fmul`.
    Mul,
    /// `fdiv`.
    Div,
    /// `fmax`: NaN if either is NaN.
    Max,
    /// `fmin`.
    Min,
    /// `fmaxnm`: the number if one operand is a quiet NaN.
    MaxNm,
    /// `fminnm`.
    MinNm,
}

impl FpuOp2 {
    /// Every operation.
    pub const ALL: [FpuOp2; 8] =
        [FpuOp2::Add, FpuOp2::Sub, FpuOp2::Mul, FpuOp2::Div, FpuOp2::Max, FpuOp2::Min, FpuOp2::MaxNm, FpuOp2::MinNm];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        ["fadd", "fsub", "fmul", "fdiv", "fmax", "fmin", "fmaxnm", "fminnm"][self as usize]
    }
}

/// Fused multiply-add forms: `rd = ±ra ± rn * rm` with one rounding.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum FpuOp3 {
    /// `fmadd`: `ra + rn*rm`.
    Madd,
    /// `fmsub`: `ra - rn*rm`.
    Msub,
    /// `fnmadd`: `-ra - rn*rm`.
    Nmadd,
    /// `fnmsub`: `-ra + rn*rm`.
    Nmsub,
}

impl FpuOp3 {
    /// Every operation.
    pub const ALL: [FpuOp3; 4] = [FpuOp3::Madd, FpuOp3::Msub, FpuOp3::Nmadd, FpuOp3::Nmsub];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        ["fmadd", "fmsub", "fnmadd", "fnmsub"][self as usize]
    }
}

/// Integer to float conversions (current rounding mode).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum IntToFpOp {
    /// `scvtf`: signed.
    Scvtf,
    /// `ucvtf`: unsigned.
    Ucvtf,
}

/// Float to integer conversions toward zero, saturating (NaN gives 0).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum FpToIntOp {
    /// `fcvtzs`: signed.
    Fcvtzs,
    /// `fcvtzu`: unsigned.
    Fcvtzu,
}

/// The access size of atomic and exclusive instructions (the `size` field).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum MemSize {
    /// A byte (`b` suffix, `w` registers).
    B8 = 0,
    /// A halfword (`h` suffix, `w` registers).
    B16 = 1,
    /// A word (`w` registers).
    B32 = 2,
    /// A doubleword (`x` registers).
    B64 = 3,
}

impl MemSize {
    /// Every size.
    pub const ALL: [MemSize; 4] = [MemSize::B8, MemSize::B16, MemSize::B32, MemSize::B64];
    /// The mnemonic suffix.
    pub fn suffix(self) -> &'static str {
        ["b", "h", "", ""][self as usize]
    }
    /// Whether registers are named `x`.
    pub fn is64(self) -> bool {
        self == MemSize::B64
    }
}

/// LSE atomic read-modify-write operations (`ld<op>`, `swp`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum LseOp {
    /// `ldadd`.
    Add,
    /// `ldclr`: and-not.
    Clr,
    /// `ldeor`.
    Eor,
    /// `ldset`: or.
    Set,
    /// `ldsmax`.
    Smax,
    /// `ldsmin`.
    Smin,
    /// `ldumax`.
    Umax,
    /// `ldumin`.
    Umin,
    /// `swp`.
    Swp,
}

impl LseOp {
    /// Every operation.
    pub const ALL: [LseOp; 9] = [
        LseOp::Add,
        LseOp::Clr,
        LseOp::Eor,
        LseOp::Set,
        LseOp::Smax,
        LseOp::Smin,
        LseOp::Umax,
        LseOp::Umin,
        LseOp::Swp,
    ];
    /// The operation part of the mnemonic (`add` of `ldadd`, `swp`).
    pub fn name(self) -> &'static str {
        ["add", "clr", "eor", "set", "smax", "smin", "umax", "umin", "swp"][self as usize]
    }
}

/// The ordering of an atomic access: the A (acquire) and L/R (release) bits.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Ordering {
    /// Neither.
    Relaxed,
    /// Acquire (`a` suffix).
    Acquire,
    /// Release (`l` suffix).
    Release,
    /// Both (`al` suffix): sequentially consistent.
    AcqRel,
}

impl Ordering {
    /// Every ordering.
    pub const ALL: [Ordering; 4] = [Ordering::Relaxed, Ordering::Acquire, Ordering::Release, Ordering::AcqRel];
    /// Whether acquire.
    pub fn acquire(self) -> bool {
        matches!(self, Ordering::Acquire | Ordering::AcqRel)
    }
    /// Whether release.
    pub fn release(self) -> bool {
        matches!(self, Ordering::Release | Ordering::AcqRel)
    }
    /// The mnemonic suffix.
    pub fn suffix(self) -> &'static str {
        ["", "a", "l", "al"][self as usize]
    }
}

/// Pointer-authentication hints on the return address (x30) with SP as modifier; each is
/// a `nop` on cores without the feature.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum PacOp {
    /// Sign with key A.
    Paciasp,
    /// Authenticate with key A.
    Autiasp,
    /// Sign with key B.
    Pacibsp,
    /// Authenticate with key B.
    Autibsp,
}

impl PacOp {
    /// Every operation.
    pub const ALL: [PacOp; 4] = [PacOp::Paciasp, PacOp::Autiasp, PacOp::Pacibsp, PacOp::Autibsp];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        ["paciasp", "autiasp", "pacibsp", "autibsp"][self as usize]
    }
}

/// What a conditional branch tests.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum CondBrKind {
    /// The flags (`b.cond`).
    Cond(Cond),
    /// A register is zero (`cbz`).
    Zero(Reg, OperandSize),
    /// A register is not zero (`cbnz`).
    NotZero(Reg, OperandSize),
    /// Bit `n` (0-63) of a register is zero (`tbz`).
    BitZero(Reg, u8),
    /// Bit `n` of a register is one (`tbnz`).
    BitNotZero(Reg, u8),
}

impl CondBrKind {
    /// The opposite test.
    pub fn invert(self) -> CondBrKind {
        match self {
            CondBrKind::Cond(c) => CondBrKind::Cond(c.invert()),
            CondBrKind::Zero(r, s) => CondBrKind::NotZero(r, s),
            CondBrKind::NotZero(r, s) => CondBrKind::Zero(r, s),
            CondBrKind::BitZero(r, b) => CondBrKind::BitNotZero(r, b),
            CondBrKind::BitNotZero(r, b) => CondBrKind::BitZero(r, b),
        }
    }
    /// Visits the tested register, if any (a use).
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            CondBrKind::Cond(_) => {}
            CondBrKind::Zero(r, _)
            | CondBrKind::NotZero(r, _)
            | CondBrKind::BitZero(r, _)
            | CondBrKind::BitNotZero(r, _) => v.reg_use(r),
        }
    }
}
