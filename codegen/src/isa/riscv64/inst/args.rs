//! Operand kinds of riscv64 instructions: the operation enums of each instruction format
//! with their mnemonics, encoding fields and the extension each needs, float widths and
//! rounding modes, atomic orderings, addressing modes and branch conditions.
//!
//! Each operation enum is declared through [`op_table!`], one line per operation: its
//! mnemonic, its encoding fields (the major opcode, `funct3`, `funct7` or the fixed
//! immediate, as the unprivileged ISA manual and the ratified extension specs give them)
//! and its [`Ext`]. The encoder (`emit.rs`) and the printer read these tables, so a field
//! is written down once.
//!
//! Registers inside an [`AMode`] or a [`CondBrKind`] are read, never written: the owning
//! instruction visits them as uses.

use crate::machinst::{OperandVisitor, Reg};

/// The ISA extension an operation belongs to (the base is RV64I; `has_c` and the `Z*`
/// flags of the target select the optional ones).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Ext {
    /// RV64I.
    I,
    /// Integer multiply and divide.
    M,
    /// Atomics.
    A,
    /// Single-precision float.
    F,
    /// Double-precision float.
    D,
    /// Address generation.
    Zba,
    /// Basic bit manipulation.
    Zbb,
    /// Single-bit operations.
    Zbs,
    /// Bit manipulation for cryptography (`pack`, `brev8`).
    Zbkb,
    /// Conditional zeroing.
    Zicond,
    /// Additional float instructions.
    Zfa,
}

/// Declares an operation enum: variants with their mnemonic, encoding fields (of type
/// `$ty`) and extension; `ALL`, `name()`, `enc()` and `ext()`.
macro_rules! op_table {
    ($(#[$m:meta])* $name:ident: $ty:ty { $($v:ident = $text:literal, $enc:expr, $ext:ident;)* }) => {
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $(#[doc = concat!("`", $text, "`")] $v,)*
        }
        impl $name {
            /// Every operation, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            /// The mnemonic.
            pub fn name(self) -> &'static str {
                match self { $($name::$v => $text,)* }
            }
            /// The encoding fields.
            pub fn enc(self) -> $ty {
                match self { $($name::$v => $enc,)* }
            }
            /// The extension the operation needs.
            pub fn ext(self) -> Ext {
                match self { $($name::$v => Ext::$ext,)* }
            }
        }
    };
}

/// Major opcodes.
pub mod opcode {
    /// OP: register-register integer operations.
    pub const OP: u32 = 0x33;
    /// OP-32: register-register operations on the low 32 bits.
    pub const OP_32: u32 = 0x3b;
    /// OP-IMM.
    pub const OP_IMM: u32 = 0x13;
    /// OP-IMM-32.
    pub const OP_IMM_32: u32 = 0x1b;
    /// LOAD.
    pub const LOAD: u32 = 0x03;
    /// LOAD-FP.
    pub const LOAD_FP: u32 = 0x07;
    /// STORE.
    pub const STORE: u32 = 0x23;
    /// STORE-FP.
    pub const STORE_FP: u32 = 0x27;
    /// BRANCH.
    pub const BRANCH: u32 = 0x63;
    /// JAL.
    pub const JAL: u32 = 0x6f;
    /// JALR.
    pub const JALR: u32 = 0x67;
    /// LUI.
    pub const LUI: u32 = 0x37;
    /// AUIPC.
    pub const AUIPC: u32 = 0x17;
    /// AMO.
    pub const AMO: u32 = 0x2f;
    /// OP-FP.
    pub const OP_FP: u32 = 0x53;
    /// MISC-MEM (fences).
    pub const MISC_MEM: u32 = 0x0f;
    /// SYSTEM.
    pub const SYSTEM: u32 = 0x73;
}

use opcode::*;

op_table! {
    /// Register-register integer operations (R-type): `(opcode, funct3, funct7)`.
    AluOp: (u32, u32, u32) {
        Add = "add", (OP, 0, 0x00), I;
        Sub = "sub", (OP, 0, 0x20), I;
        Sll = "sll", (OP, 1, 0x00), I;
        Slt = "slt", (OP, 2, 0x00), I;
        Sltu = "sltu", (OP, 3, 0x00), I;
        Xor = "xor", (OP, 4, 0x00), I;
        Srl = "srl", (OP, 5, 0x00), I;
        Sra = "sra", (OP, 5, 0x20), I;
        Or = "or", (OP, 6, 0x00), I;
        And = "and", (OP, 7, 0x00), I;
        Addw = "addw", (OP_32, 0, 0x00), I;
        Subw = "subw", (OP_32, 0, 0x20), I;
        Sllw = "sllw", (OP_32, 1, 0x00), I;
        Srlw = "srlw", (OP_32, 5, 0x00), I;
        Sraw = "sraw", (OP_32, 5, 0x20), I;
        Mul = "mul", (OP, 0, 0x01), M;
        Mulh = "mulh", (OP, 1, 0x01), M;
        Mulhsu = "mulhsu", (OP, 2, 0x01), M;
        Mulhu = "mulhu", (OP, 3, 0x01), M;
        Div = "div", (OP, 4, 0x01), M;
        Divu = "divu", (OP, 5, 0x01), M;
        Rem = "rem", (OP, 6, 0x01), M;
        Remu = "remu", (OP, 7, 0x01), M;
        Mulw = "mulw", (OP_32, 0, 0x01), M;
        Divw = "divw", (OP_32, 4, 0x01), M;
        Divuw = "divuw", (OP_32, 5, 0x01), M;
        Remw = "remw", (OP_32, 6, 0x01), M;
        Remuw = "remuw", (OP_32, 7, 0x01), M;
        Sh1add = "sh1add", (OP, 2, 0x10), Zba;
        Sh2add = "sh2add", (OP, 4, 0x10), Zba;
        Sh3add = "sh3add", (OP, 6, 0x10), Zba;
        AddUw = "add.uw", (OP_32, 0, 0x04), Zba;
        Sh1addUw = "sh1add.uw", (OP_32, 2, 0x10), Zba;
        Sh2addUw = "sh2add.uw", (OP_32, 4, 0x10), Zba;
        Sh3addUw = "sh3add.uw", (OP_32, 6, 0x10), Zba;
        Andn = "andn", (OP, 7, 0x20), Zbb;
        Orn = "orn", (OP, 6, 0x20), Zbb;
        Xnor = "xnor", (OP, 4, 0x20), Zbb;
        Max = "max", (OP, 6, 0x05), Zbb;
        Maxu = "maxu", (OP, 7, 0x05), Zbb;
        Min = "min", (OP, 4, 0x05), Zbb;
        Minu = "minu", (OP, 5, 0x05), Zbb;
        Rol = "rol", (OP, 1, 0x30), Zbb;
        Ror = "ror", (OP, 5, 0x30), Zbb;
        Rolw = "rolw", (OP_32, 1, 0x30), Zbb;
        Rorw = "rorw", (OP_32, 5, 0x30), Zbb;
        Bclr = "bclr", (OP, 1, 0x24), Zbs;
        Bset = "bset", (OP, 1, 0x14), Zbs;
        Binv = "binv", (OP, 1, 0x34), Zbs;
        Bext = "bext", (OP, 5, 0x24), Zbs;
        Pack = "pack", (OP, 4, 0x04), Zbkb;
        Packh = "packh", (OP, 7, 0x04), Zbkb;
        Packw = "packw", (OP_32, 4, 0x04), Zbkb;
        CzeroEqz = "czero.eqz", (OP, 5, 0x07), Zicond;
        CzeroNez = "czero.nez", (OP, 7, 0x07), Zicond;
    }
}

op_table! {
    /// Operations with a 12-bit signed immediate (I-type): `(opcode, funct3)`.
    ImmOp: (u32, u32) {
        Addi = "addi", (OP_IMM, 0), I;
        Slti = "slti", (OP_IMM, 2), I;
        Sltiu = "sltiu", (OP_IMM, 3), I;
        Xori = "xori", (OP_IMM, 4), I;
        Ori = "ori", (OP_IMM, 6), I;
        Andi = "andi", (OP_IMM, 7), I;
        Addiw = "addiw", (OP_IMM_32, 0), I;
    }
}

op_table! {
    /// Shifts and single-bit operations by an immediate amount: `(opcode, funct3, imm[11:6],
    /// bits of the amount)`; the amount fills `imm[5:0]` (or `imm[4:0]` for the 32-bit
    /// forms, whose `imm[5]` is zero).
    ShiftOp: (u32, u32, u32, u32) {
        Slli = "slli", (OP_IMM, 1, 0x00, 6), I;
        Srli = "srli", (OP_IMM, 5, 0x00, 6), I;
        Srai = "srai", (OP_IMM, 5, 0x10, 6), I;
        Slliw = "slliw", (OP_IMM_32, 1, 0x00, 5), I;
        Srliw = "srliw", (OP_IMM_32, 5, 0x00, 5), I;
        Sraiw = "sraiw", (OP_IMM_32, 5, 0x10, 5), I;
        SlliUw = "slli.uw", (OP_IMM_32, 1, 0x02, 6), Zba;
        Rori = "rori", (OP_IMM, 5, 0x18, 6), Zbb;
        Roriw = "roriw", (OP_IMM_32, 5, 0x18, 5), Zbb;
        Bclri = "bclri", (OP_IMM, 1, 0x12, 6), Zbs;
        Bseti = "bseti", (OP_IMM, 1, 0x0a, 6), Zbs;
        Binvi = "binvi", (OP_IMM, 1, 0x1a, 6), Zbs;
        Bexti = "bexti", (OP_IMM, 5, 0x12, 6), Zbs;
    }
}

op_table! {
    /// One-operand integer operations, encoded as I-type with a fixed immediate (or
    /// R-type with a fixed `rs2`): `(opcode, funct3, imm12)`.
    UnaryOp: (u32, u32, u32) {
        Clz = "clz", (OP_IMM, 1, 0x600), Zbb;
        Ctz = "ctz", (OP_IMM, 1, 0x601), Zbb;
        Cpop = "cpop", (OP_IMM, 1, 0x602), Zbb;
        Clzw = "clzw", (OP_IMM_32, 1, 0x600), Zbb;
        Ctzw = "ctzw", (OP_IMM_32, 1, 0x601), Zbb;
        Cpopw = "cpopw", (OP_IMM_32, 1, 0x602), Zbb;
        SextB = "sext.b", (OP_IMM, 1, 0x604), Zbb;
        SextH = "sext.h", (OP_IMM, 1, 0x605), Zbb;
        ZextH = "zext.h", (OP_32, 4, 0x080), Zbb;
        Rev8 = "rev8", (OP_IMM, 5, 0x6b8), Zbb;
        OrcB = "orc.b", (OP_IMM, 5, 0x287), Zbb;
        Brev8 = "brev8", (OP_IMM, 5, 0x687), Zbkb;
    }
}

op_table! {
    /// Loads: `(opcode, funct3, log2 of the size)`.
    LoadOp: (u32, u32, u32) {
        Lb = "lb", (LOAD, 0, 0), I;
        Lh = "lh", (LOAD, 1, 1), I;
        Lw = "lw", (LOAD, 2, 2), I;
        Ld = "ld", (LOAD, 3, 3), I;
        Lbu = "lbu", (LOAD, 4, 0), I;
        Lhu = "lhu", (LOAD, 5, 1), I;
        Lwu = "lwu", (LOAD, 6, 2), I;
        Flw = "flw", (LOAD_FP, 2, 2), F;
        Fld = "fld", (LOAD_FP, 3, 3), D;
    }
}

impl LoadOp {
    /// Whether the destination is a float register.
    pub fn is_fp(self) -> bool {
        self.enc().0 == LOAD_FP
    }
    /// Log2 of the access size.
    pub fn size_log2(self) -> u32 {
        self.enc().2
    }
}

op_table! {
    /// Stores: `(opcode, funct3, log2 of the size)`.
    StoreOp: (u32, u32, u32) {
        Sb = "sb", (STORE, 0, 0), I;
        Sh = "sh", (STORE, 1, 1), I;
        Sw = "sw", (STORE, 2, 2), I;
        Sd = "sd", (STORE, 3, 3), I;
        Fsw = "fsw", (STORE_FP, 2, 2), F;
        Fsd = "fsd", (STORE_FP, 3, 3), D;
    }
}

impl StoreOp {
    /// Whether the value is a float register.
    pub fn is_fp(self) -> bool {
        self.enc().0 == STORE_FP
    }
    /// Log2 of the access size.
    pub fn size_log2(self) -> u32 {
        self.enc().2
    }
}

op_table! {
    /// Conditional branches (B-type): `funct3`.
    BranchOp: u32 {
        Beq = "beq", 0, I;
        Bne = "bne", 1, I;
        Blt = "blt", 4, I;
        Bge = "bge", 5, I;
        Bltu = "bltu", 6, I;
        Bgeu = "bgeu", 7, I;
    }
}

impl BranchOp {
    /// The branch taken exactly when this one is not.
    pub fn invert(self) -> BranchOp {
        match self {
            BranchOp::Beq => BranchOp::Bne,
            BranchOp::Bne => BranchOp::Beq,
            BranchOp::Blt => BranchOp::Bge,
            BranchOp::Bge => BranchOp::Blt,
            BranchOp::Bltu => BranchOp::Bgeu,
            BranchOp::Bgeu => BranchOp::Bltu,
        }
    }
}

op_table! {
    /// Atomic memory operations (AMO format): `funct5`.
    AmoOp: u32 {
        Swap = "amoswap", 0x01, A;
        Add = "amoadd", 0x00, A;
        Xor = "amoxor", 0x04, A;
        And = "amoand", 0x0c, A;
        Or = "amoor", 0x08, A;
        Min = "amomin", 0x10, A;
        Max = "amomax", 0x14, A;
        Minu = "amominu", 0x18, A;
        Maxu = "amomaxu", 0x1c, A;
    }
}

/// The width of an atomic access.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AmoWidth {
    /// 32 bits (`.w`; loads sign-extend).
    W,
    /// 64 bits (`.d`).
    D,
}

impl AmoWidth {
    /// Both widths.
    pub const ALL: [AmoWidth; 2] = [AmoWidth::W, AmoWidth::D];
    /// `funct3`.
    pub fn funct3(self) -> u32 {
        match self {
            AmoWidth::W => 2,
            AmoWidth::D => 3,
        }
    }
    /// The mnemonic suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            AmoWidth::W => ".w",
            AmoWidth::D => ".d",
        }
    }
}

/// The ordering bits of an atomic instruction (`aq`, `rl`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AmoOrder {
    /// Neither.
    Relaxed,
    /// `.aq`.
    Acquire,
    /// `.rl`.
    Release,
    /// `.aqrl` (sequentially consistent).
    AcqRel,
}

impl AmoOrder {
    /// Every ordering.
    pub const ALL: [AmoOrder; 4] = [AmoOrder::Relaxed, AmoOrder::Acquire, AmoOrder::Release, AmoOrder::AcqRel];
    /// The `aq` and `rl` bits, as instruction bits 26 and 25.
    pub fn bits(self) -> u32 {
        match self {
            AmoOrder::Relaxed => 0,
            AmoOrder::Acquire => 2 << 25,
            AmoOrder::Release => 1 << 25,
            AmoOrder::AcqRel => 3 << 25,
        }
    }
    /// The mnemonic suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            AmoOrder::Relaxed => "",
            AmoOrder::Acquire => ".aq",
            AmoOrder::Release => ".rl",
            AmoOrder::AcqRel => ".aqrl",
        }
    }
}

/// The width of a scalar float operation.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum FpSize {
    /// Single precision (`.s`, F).
    S,
    /// Double precision (`.d`, D).
    D,
}

impl FpSize {
    /// Both widths.
    pub const ALL: [FpSize; 2] = [FpSize::S, FpSize::D];
    /// The `fmt` field (bits 25-26).
    pub fn fmt(self) -> u32 {
        match self {
            FpSize::S => 0,
            FpSize::D => 1,
        }
    }
    /// The mnemonic suffix (`s`, `d`), also the letter in conversions.
    pub fn letter(self) -> &'static str {
        match self {
            FpSize::S => "s",
            FpSize::D => "d",
        }
    }
    /// The integer-register letter of `fmv` to and from this width (`w`, `d`).
    pub fn fmv_letter(self) -> &'static str {
        match self {
            FpSize::S => "w",
            FpSize::D => "d",
        }
    }
}

/// A float rounding mode (the `rm` field).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Frm {
    /// To nearest, ties to even.
    Rne,
    /// Towards zero.
    Rtz,
    /// Down.
    Rdn,
    /// Up.
    Rup,
    /// To nearest, ties away from zero.
    Rmm,
    /// The mode in `fcsr` (printed as nothing).
    Dyn,
}

impl Frm {
    /// Every mode.
    pub const ALL: [Frm; 6] = [Frm::Rne, Frm::Rtz, Frm::Rdn, Frm::Rup, Frm::Rmm, Frm::Dyn];
    /// The field.
    pub fn bits(self) -> u32 {
        match self {
            Frm::Rne => 0,
            Frm::Rtz => 1,
            Frm::Rdn => 2,
            Frm::Rup => 3,
            Frm::Rmm => 4,
            Frm::Dyn => 7,
        }
    }
    /// The operand suffix as llvm prints it (`, rtz`; nothing for `dyn`).
    pub fn suffix(self) -> &'static str {
        match self {
            Frm::Rne => ", rne",
            Frm::Rtz => ", rtz",
            Frm::Rdn => ", rdn",
            Frm::Rup => ", rup",
            Frm::Rmm => ", rmm",
            Frm::Dyn => "",
        }
    }
}

/// The `funct3` of an OP-FP operation: a rounding mode, or a fixed selector.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Funct3 {
    /// The instruction's rounding mode.
    Rm,
    /// A fixed value.
    Fixed(u32),
}

op_table! {
    /// Two-operand float operations: `(funct5, funct3)`.
    FpuOp2: (u32, Funct3) {
        Add = "fadd", (0x00, Funct3::Rm), F;
        Sub = "fsub", (0x01, Funct3::Rm), F;
        Mul = "fmul", (0x02, Funct3::Rm), F;
        Div = "fdiv", (0x03, Funct3::Rm), F;
        Sgnj = "fsgnj", (0x04, Funct3::Fixed(0)), F;
        Sgnjn = "fsgnjn", (0x04, Funct3::Fixed(1)), F;
        Sgnjx = "fsgnjx", (0x04, Funct3::Fixed(2)), F;
        Min = "fmin", (0x05, Funct3::Fixed(0)), F;
        Max = "fmax", (0x05, Funct3::Fixed(1)), F;
        Minm = "fminm", (0x05, Funct3::Fixed(2)), Zfa;
        Maxm = "fmaxm", (0x05, Funct3::Fixed(3)), Zfa;
    }
}

op_table! {
    /// One-operand float operations: `(funct5, rs2)`; all take a rounding mode.
    FpuOp1: (u32, u32) {
        Sqrt = "fsqrt", (0x0b, 0), F;
        Round = "fround", (0x08, 4), Zfa;
        RoundNx = "froundnx", (0x08, 5), Zfa;
    }
}

op_table! {
    /// Float comparisons into an integer register: `funct3` (funct5 0x14).
    FpuCmpOp: u32 {
        Eq = "feq", 2, F;
        Lt = "flt", 1, F;
        Le = "fle", 0, F;
        Leq = "fleq", 4, Zfa;
        Ltq = "fltq", 5, Zfa;
    }
}

op_table! {
    /// Fused multiply-add operations (R4-type): the major opcode.
    FpuOp3: u32 {
        Madd = "fmadd", 0x43, F;
        Msub = "fmsub", 0x47, F;
        Nmsub = "fnmsub", 0x4b, F;
        Nmadd = "fnmadd", 0x4f, F;
    }
}

op_table! {
    /// The integer side of a float conversion: the `rs2` selector of `fcvt`.
    IntWidth: u32 {
        W = "w", 0, F;
        Wu = "wu", 1, F;
        L = "l", 2, F;
        Lu = "lu", 3, F;
    }
}

/// An address: a base register and an offset. Only [`AMode::RegOffset`] is a machine
/// form; the others are resolved at emission (`Inst::expand`), those that do not fit
/// 12 bits through `t6`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum AMode {
    /// `offset(base)`, offset -2048..=2047.
    RegOffset {
        /// Base.
        base: Reg,
        /// Offset.
        offset: i16,
    },
    /// `base + offset`, any offset.
    BaseOffset {
        /// Base.
        base: Reg,
        /// Offset.
        offset: i64,
    },
    /// `sp + offset`.
    SpOffset {
        /// Offset.
        offset: i64,
    },
    /// An explicit stack slot: offset inside the stack-slot area.
    StackSlot {
        /// Offset.
        offset: u32,
    },
    /// An incoming stack argument: offset from the CFA (`s0`).
    IncomingArg {
        /// Offset.
        offset: u32,
    },
}

impl AMode {
    /// Visits the base register (a use), if any.
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            AMode::RegOffset { base, .. } | AMode::BaseOffset { base, .. } => v.reg_use(base),
            AMode::SpOffset { .. } | AMode::StackSlot { .. } | AMode::IncomingArg { .. } => {}
        }
    }
}

/// A branch condition: `op rs1, rs2`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct CondBrKind {
    /// The comparison.
    pub op: BranchOp,
    /// First operand (or zero).
    pub rs1: Reg,
    /// Second operand (or zero).
    pub rs2: Reg,
}

impl CondBrKind {
    /// The condition that holds exactly when this one does not.
    pub fn invert(self) -> CondBrKind {
        CondBrKind { op: self.op.invert(), ..self }
    }
    /// Visits both operands (uses).
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        v.reg_use(&mut self.rs1);
        v.reg_use(&mut self.rs2);
    }
}
