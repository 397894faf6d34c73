//! Operand types of x86-64 instructions: operand sizes, condition codes, addressing
//! modes and the register-or-memory(-or-immediate) operand forms.
//!
//! Registers inside an [`Amode`], [`RegMem`] or [`RegMemImm`] are always read (never
//! written); the owning instruction visits them as uses in [`Amode::visit`].

use crate::ir::IntCC;
use crate::machinst::{MachLabel, OperandVisitor, Reg};

/// The width of an operation or memory access.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum OperandSize {
    /// 8 bits (byte registers `al`, `sil`, `r8b`; `byte ptr`).
    S8,
    /// 16 bits (operand-size prefix 0x66; `word ptr`).
    S16,
    /// 32 bits (the default; writing a 32-bit register zeroes bits 32-63).
    S32,
    /// 64 bits (REX.W).
    S64,
}

impl OperandSize {
    /// The size in bytes.
    pub fn bytes(self) -> u32 {
        match self {
            OperandSize::S8 => 1,
            OperandSize::S16 => 2,
            OperandSize::S32 => 4,
            OperandSize::S64 => 8,
        }
    }
    /// The size in bits.
    pub fn bits(self) -> u32 {
        self.bytes() * 8
    }
    /// The size of a value of `bits` bits (8, 16, 32 or 64); `None` for other widths.
    pub fn from_bits(bits: u32) -> Option<Self> {
        match bits {
            8 => Some(OperandSize::S8),
            16 => Some(OperandSize::S16),
            32 => Some(OperandSize::S32),
            64 => Some(OperandSize::S64),
            _ => None,
        }
    }
    /// The Intel memory-operand size keyword (`byte`, `word`, `dword`, `qword`).
    pub fn ptr_name(self) -> &'static str {
        match self {
            OperandSize::S8 => "byte",
            OperandSize::S16 => "word",
            OperandSize::S32 => "dword",
            OperandSize::S64 => "qword",
        }
    }
    /// `imm` as the instruction sees it at this size: an 8- or 16-bit operation uses only
    /// the low bits of the immediate, a 32- or 64-bit one sign-extends it. The encoder and
    /// the printer both go through this, so the text shows exactly what is encoded.
    pub fn imm_value(self, imm: i32) -> i64 {
        match self {
            OperandSize::S8 => imm as i8 as i64,
            OperandSize::S16 => imm as i16 as i64,
            OperandSize::S32 | OperandSize::S64 => imm as i64,
        }
    }
}

/// An x86 condition code, numbered as in the `Jcc`/`SETcc`/`CMOVcc` opcodes (the low
/// four bits of the opcode byte).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum CC {
    /// Overflow (OF=1).
    O = 0,
    /// No overflow (OF=0).
    NO = 1,
    /// Below, unsigned less than (CF=1).
    B = 2,
    /// Not below, unsigned greater or equal (CF=0).
    NB = 3,
    /// Zero, equal (ZF=1).
    Z = 4,
    /// Not zero, not equal (ZF=0).
    NZ = 5,
    /// Below or equal, unsigned (CF=1 or ZF=1).
    BE = 6,
    /// Not below or equal, unsigned greater than (CF=0 and ZF=0).
    NBE = 7,
    /// Sign (SF=1).
    S = 8,
    /// No sign (SF=0).
    NS = 9,
    /// Parity (PF=1).
    P = 10,
    /// No parity (PF=0).
    NP = 11,
    /// Less, signed (SF!=OF).
    L = 12,
    /// Not less, signed greater or equal (SF=OF).
    NL = 13,
    /// Less or equal, signed (ZF=1 or SF!=OF).
    LE = 14,
    /// Not less or equal, signed greater than (ZF=0 and SF=OF).
    NLE = 15,
}

impl CC {
    /// Every condition code, in encoding order.
    pub const ALL: [CC; 16] = [
        CC::O,
        CC::NO,
        CC::B,
        CC::NB,
        CC::Z,
        CC::NZ,
        CC::BE,
        CC::NBE,
        CC::S,
        CC::NS,
        CC::P,
        CC::NP,
        CC::L,
        CC::NL,
        CC::LE,
        CC::NLE,
    ];

    /// The 4-bit encoding.
    pub fn enc(self) -> u8 {
        self as u8
    }

    /// The condition that holds exactly when `self` does not (flipping the low bit of
    /// the encoding).
    pub fn invert(self) -> CC {
        CC::ALL[(self.enc() ^ 1) as usize]
    }

    /// The condition that holds after `cmp a, b` exactly when `a cond b` does.
    pub fn from_intcc(cc: IntCC) -> CC {
        match cc {
            IntCC::Equal => CC::Z,
            IntCC::NotEqual => CC::NZ,
            IntCC::SignedLessThan => CC::L,
            IntCC::SignedGreaterThanOrEqual => CC::NL,
            IntCC::SignedGreaterThan => CC::NLE,
            IntCC::SignedLessThanOrEqual => CC::LE,
            IntCC::UnsignedLessThan => CC::B,
            IntCC::UnsignedGreaterThanOrEqual => CC::NB,
            IntCC::UnsignedGreaterThan => CC::NBE,
            IntCC::UnsignedLessThanOrEqual => CC::BE,
        }
    }

    /// The mnemonic suffix (`z` in `jz`, `setz`, `cmovz`).
    pub fn name(self) -> &'static str {
        match self {
            CC::O => "o",
            CC::NO => "no",
            CC::B => "b",
            CC::NB => "nb",
            CC::Z => "z",
            CC::NZ => "nz",
            CC::BE => "be",
            CC::NBE => "nbe",
            CC::S => "s",
            CC::NS => "ns",
            CC::P => "p",
            CC::NP => "np",
            CC::L => "l",
            CC::NL => "nl",
            CC::LE => "le",
            CC::NLE => "nle",
        }
    }
}

/// A memory address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Amode {
    /// `[base + disp]`.
    ImmReg {
        /// The base register.
        base: Reg,
        /// The displacement.
        disp: i32,
    },
    /// `[base + index << shift + disp]`. The index may not be rsp (x86 has no encoding
    /// for it).
    ImmRegRegShift {
        /// The base register.
        base: Reg,
        /// The index register.
        index: Reg,
        /// The scale as a shift amount, 0-3 (scale 1, 2, 4, 8).
        shift: u8,
        /// The displacement.
        disp: i32,
    },
    /// `[rip + label]`: the address of a label in this function (constants, jump tables).
    RipRelative(MachLabel),
    /// Byte `offset` of the explicit stack-slot area; resolves at emission to
    /// `[rsp + frame.stack_slot_offset(offset)]`.
    StackSlot {
        /// Offset within the stack-slot area.
        offset: u32,
    },
    /// Byte `offset` of the incoming stack arguments: `[rbp + 16 + offset]` (above the
    /// saved rbp and the return address).
    IncomingArg {
        /// Offset within the incoming-argument area.
        offset: u32,
    },
}

impl Amode {
    /// `[base + disp]`.
    pub fn imm_reg(disp: i32, base: Reg) -> Amode {
        Amode::ImmReg { base, disp }
    }
    /// `[base + index << shift + disp]`.
    pub fn imm_reg_reg_shift(disp: i32, base: Reg, index: Reg, shift: u8) -> Amode {
        Amode::ImmRegRegShift { base, index, shift, disp }
    }
    /// Visits the address's registers as uses.
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            Amode::ImmReg { base, .. } => v.reg_use(base),
            Amode::ImmRegRegShift { base, index, .. } => {
                v.reg_use(base);
                v.reg_use(index);
            }
            Amode::RipRelative(_) | Amode::StackSlot { .. } | Amode::IncomingArg { .. } => {}
        }
    }
}

/// A register or memory operand.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RegMem {
    /// A register.
    Reg(Reg),
    /// A memory location.
    Mem(Amode),
}

impl RegMem {
    /// Visits the operand's registers as uses.
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            RegMem::Reg(r) => v.reg_use(r),
            RegMem::Mem(a) => a.visit(v),
        }
    }
}

/// A register, memory or 32-bit immediate operand (sign-extended to 64 bits by 64-bit
/// operations; truncated by 8- and 16-bit ones, see [`OperandSize::imm_value`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RegMemImm {
    /// A register.
    Reg(Reg),
    /// A memory location.
    Mem(Amode),
    /// An immediate.
    Imm(i32),
}

impl RegMemImm {
    /// Visits the operand's registers as uses.
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            RegMemImm::Reg(r) => v.reg_use(r),
            RegMemImm::Mem(a) => a.visit(v),
            RegMemImm::Imm(_) => {}
        }
    }
}

/// The two-operand integer ALU operations (`op dst, src`), numbered as in their opcodes
/// (the `/digit` of `81 /n`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AluOp {
    /// `add`.
    Add = 0,
    /// `or`.
    Or = 1,
    /// `adc` (add with carry in).
    Adc = 2,
    /// `sbb` (subtract with borrow in).
    Sbb = 3,
    /// `and`.
    And = 4,
    /// `sub`.
    Sub = 5,
    /// `xor`.
    Xor = 6,
}

impl AluOp {
    /// Every operation.
    pub const ALL: [AluOp; 7] = [AluOp::Add, AluOp::Or, AluOp::Adc, AluOp::Sbb, AluOp::And, AluOp::Sub, AluOp::Xor];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            AluOp::Add => "add",
            AluOp::Or => "or",
            AluOp::Adc => "adc",
            AluOp::Sbb => "sbb",
            AluOp::And => "and",
            AluOp::Sub => "sub",
            AluOp::Xor => "xor",
        }
    }
}

/// One-operand integer operations.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum UnaryOp {
    /// Two's-complement negation (`neg`).
    Neg,
    /// Bitwise not (`not`).
    Not,
}

/// Shifts and rotates, numbered as the `/digit` of their opcodes.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ShiftKind {
    /// Rotate left.
    Rol = 0,
    /// Rotate right.
    Ror = 1,
    /// Shift left.
    Shl = 4,
    /// Logical shift right.
    Shr = 5,
    /// Arithmetic shift right.
    Sar = 7,
}

impl ShiftKind {
    /// Every kind.
    pub const ALL: [ShiftKind; 5] = [ShiftKind::Rol, ShiftKind::Ror, ShiftKind::Shl, ShiftKind::Shr, ShiftKind::Sar];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            ShiftKind::Rol => "rol",
            ShiftKind::Ror => "ror",
            ShiftKind::Shl => "shl",
            ShiftKind::Shr => "shr",
            ShiftKind::Sar => "sar",
        }
    }
}

/// How far a shift goes.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ShiftAmount {
    /// An immediate count (the hardware masks it to 5 or 6 bits).
    Imm(u8),
    /// The count in `cl`: the register is a fixed use of rcx.
    Cl(Reg),
}

/// How a load widens the loaded value into the 64-bit destination register.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExtMode {
    /// No extension: a plain `mov` of the access size (an 8- or 16-bit load keeps the
    /// register's other bits; a 32-bit one zeroes bits 32-63).
    None,
    /// Zero-extend to 64 bits (`movzx r32`, or `mov r32` for 32-bit accesses).
    Zero,
    /// Sign-extend to 64 bits (`movsx r64`, `movsxd`).
    Sign,
}

/// Scalar SSE/SSE2 operations on the low lane of xmm registers (`ss` on `f32`, `sd` on
/// `f64`) and the packed bitwise operations used on scalars (`ps`: the upper lanes are
/// computed too but never looked at).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum SseOp {
    /// `addss`.
    Addss,
    /// `addsd`.
    Addsd,
    /// `subss`.
    Subss,
    /// `subsd`.
    Subsd,
    /// `mulss`.
    Mulss,
    /// `mulsd`.
    Mulsd,
    /// `divss`.
    Divss,
    /// `divsd`.
    Divsd,
    /// `minss` (the second operand when either is NaN or both are zeros).
    Minss,
    /// `minsd`.
    Minsd,
    /// `sqrtss`.
    Sqrtss,
    /// `sqrtsd`.
    Sqrtsd,
    /// `cvtss2sd` (f32 to f64).
    Cvtss2sd,
    /// `cvtsd2ss` (f64 to f32).
    Cvtsd2ss,
    /// `andps`.
    Andps,
    /// `orps`.
    Orps,
    /// `xorps`.
    Xorps,
}

impl SseOp {
    /// The scalar instruction of `fadd`, `fsub`, `fmul` or `fdiv` on an `f32` (`ss`) or,
    /// when `double`, an `f64` (`sd`); `None` for other opcodes. The one table both the
    /// optimizing lowering and the baseline tier use.
    pub fn scalar_arith(op: crate::ir::Opcode, double: bool) -> Option<SseOp> {
        use crate::ir::Opcode;
        Some(match (op, double) {
            (Opcode::Fadd, false) => SseOp::Addss,
            (Opcode::Fadd, true) => SseOp::Addsd,
            (Opcode::Fsub, false) => SseOp::Subss,
            (Opcode::Fsub, true) => SseOp::Subsd,
            (Opcode::Fmul, false) => SseOp::Mulss,
            (Opcode::Fmul, true) => SseOp::Mulsd,
            (Opcode::Fdiv, false) => SseOp::Divss,
            (Opcode::Fdiv, true) => SseOp::Divsd,
            _ => return None,
        })
    }

    /// Every operation.
    pub const ALL: [SseOp; 17] = [
        SseOp::Addss,
        SseOp::Addsd,
        SseOp::Subss,
        SseOp::Subsd,
        SseOp::Mulss,
        SseOp::Mulsd,
        SseOp::Divss,
        SseOp::Divsd,
        SseOp::Minss,
        SseOp::Minsd,
        SseOp::Sqrtss,
        SseOp::Sqrtsd,
        SseOp::Cvtss2sd,
        SseOp::Cvtsd2ss,
        SseOp::Andps,
        SseOp::Orps,
        SseOp::Xorps,
    ];
    /// The mandatory prefix (F3 for `ss`, F2 for `sd`, none for `ps`) and the opcode byte
    /// after 0F.
    pub fn encoding(self) -> (Option<u8>, u8) {
        use SseOp::*;
        match self {
            Addss => (Some(0xf3), 0x58),
            Addsd => (Some(0xf2), 0x58),
            Subss => (Some(0xf3), 0x5c),
            Subsd => (Some(0xf2), 0x5c),
            Mulss => (Some(0xf3), 0x59),
            Mulsd => (Some(0xf2), 0x59),
            Divss => (Some(0xf3), 0x5e),
            Divsd => (Some(0xf2), 0x5e),
            Minss => (Some(0xf3), 0x5d),
            Minsd => (Some(0xf2), 0x5d),
            Sqrtss => (Some(0xf3), 0x51),
            Sqrtsd => (Some(0xf2), 0x51),
            Cvtss2sd => (Some(0xf3), 0x5a),
            Cvtsd2ss => (Some(0xf2), 0x5a),
            Andps => (None, 0x54),
            Orps => (None, 0x56),
            Xorps => (None, 0x57),
        }
    }
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        use SseOp::*;
        match self {
            Addss => "addss",
            Addsd => "addsd",
            Subss => "subss",
            Subsd => "subsd",
            Mulss => "mulss",
            Mulsd => "mulsd",
            Divss => "divss",
            Divsd => "divsd",
            Minss => "minss",
            Minsd => "minsd",
            Sqrtss => "sqrtss",
            Sqrtsd => "sqrtsd",
            Cvtss2sd => "cvtss2sd",
            Cvtsd2ss => "cvtsd2ss",
            Andps => "andps",
            Orps => "orps",
            Xorps => "xorps",
        }
    }
    /// The size keyword of a memory source operand (`dword`, `qword`, `xmmword`).
    pub fn mem_name(self) -> &'static str {
        match self.encoding().0 {
            Some(0xf3) => "dword",
            Some(_) => "qword",
            None => "xmmword",
        }
    }
}

/// Bit-counting instructions (`r, r/m`; sizes S32 and S64).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum BitOp {
    /// `popcnt` (needs `has_popcnt`).
    Popcnt,
    /// `lzcnt` (needs `has_lzcnt`).
    Lzcnt,
    /// `tzcnt` (needs `has_bmi1`).
    Tzcnt,
    /// `bsr`: index of the highest set bit; ZF=1 and the destination unspecified for 0.
    Bsr,
    /// `bsf`: index of the lowest set bit; ZF=1 and the destination unspecified for 0.
    Bsf,
}

impl BitOp {
    /// Every operation.
    pub const ALL: [BitOp; 5] = [BitOp::Popcnt, BitOp::Lzcnt, BitOp::Tzcnt, BitOp::Bsr, BitOp::Bsf];
    /// The mandatory prefix and the opcode byte after 0F.
    pub fn encoding(self) -> (Option<u8>, u8) {
        match self {
            BitOp::Popcnt => (Some(0xf3), 0xb8),
            BitOp::Lzcnt => (Some(0xf3), 0xbd),
            BitOp::Tzcnt => (Some(0xf3), 0xbc),
            BitOp::Bsr => (None, 0xbd),
            BitOp::Bsf => (None, 0xbc),
        }
    }
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            BitOp::Popcnt => "popcnt",
            BitOp::Lzcnt => "lzcnt",
            BitOp::Tzcnt => "tzcnt",
            BitOp::Bsr => "bsr",
            BitOp::Bsf => "bsf",
        }
    }
}

/// The operation of an atomic read-modify-write loop ([`super::Inst::AtomicRmwLoop`]).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum RmwLoopOp {
    /// `add` (only in big-endian loops: little-endian adds use `lock xadd`).
    Add,
    /// `sub` (only in big-endian loops: little-endian subtractions use `lock xadd` of
    /// the negated operand).
    Sub,
    /// `and`.
    And,
    /// `and` then `not`.
    Nand,
    /// `or`.
    Or,
    /// `xor`.
    Xor,
    /// Unsigned minimum (`cmp`, `cmova`).
    Umin,
    /// Unsigned maximum (`cmp`, `cmovb`).
    Umax,
    /// Signed minimum (`cmp`, `cmovnle`).
    Smin,
    /// Signed maximum (`cmp`, `cmovl`).
    Smax,
}

impl RmwLoopOp {
    /// Every operation.
    pub const ALL: [RmwLoopOp; 10] = [
        RmwLoopOp::Add,
        RmwLoopOp::Sub,
        RmwLoopOp::And,
        RmwLoopOp::Nand,
        RmwLoopOp::Or,
        RmwLoopOp::Xor,
        RmwLoopOp::Umin,
        RmwLoopOp::Umax,
        RmwLoopOp::Smin,
        RmwLoopOp::Smax,
    ];
    /// For min/max: the condition under which `cmp old, operand` selects the operand.
    pub fn select_cc(self) -> Option<CC> {
        match self {
            RmwLoopOp::Umin => Some(CC::NBE),
            RmwLoopOp::Umax => Some(CC::B),
            RmwLoopOp::Smin => Some(CC::NLE),
            RmwLoopOp::Smax => Some(CC::L),
            _ => None,
        }
    }
}

/// How [`Inst::LoadExtName`](super::Inst::LoadExtName) forms a symbol's address.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum SymbolAddress {
    /// An absolute 64-bit immediate the loader patches (`movabs`).
    Absolute,
    /// PC-relative (`lea [rip + sym]`): the symbol is in the same linked unit.
    PcRel,
    /// Loaded from the symbol's GOT slot (`mov [rip + sym@GOTPCREL]`): it may be in another
    /// shared object.
    Got,
}

/// The three-operand BMI1/BMI2 instructions (VEX-encoded, flags untouched except `andn`):
/// a result register separate from both sources, so no copy is needed to keep a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BmiOp {
    /// `andn dst, a, b`: `!a & b` (BMI1).
    Andn,
    /// `shlx dst, x, n`: `x << n` (BMI2).
    Shlx,
    /// `shrx dst, x, n`: `x >> n`, logical (BMI2).
    Shrx,
    /// `sarx dst, x, n`: `x >> n`, arithmetic (BMI2).
    Sarx,
}

impl BmiOp {
    /// Every operation.
    pub const ALL: [BmiOp; 4] = [BmiOp::Andn, BmiOp::Shlx, BmiOp::Shrx, BmiOp::Sarx];
    /// The mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            BmiOp::Andn => "andn",
            BmiOp::Shlx => "shlx",
            BmiOp::Shrx => "shrx",
            BmiOp::Sarx => "sarx",
        }
    }
    /// The prefix VEX.pp implies and the opcode in map 0F38.
    pub fn encoding(self) -> (Option<u8>, u8) {
        match self {
            BmiOp::Andn => (None, 0xf2),
            BmiOp::Shlx => (Some(0x66), 0xf7),
            BmiOp::Sarx => (Some(0xf3), 0xf7),
            BmiOp::Shrx => (Some(0xf2), 0xf7),
        }
    }
}
