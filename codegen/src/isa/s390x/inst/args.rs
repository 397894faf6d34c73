//! Operand kinds of s390x instructions: the operation enums of each instruction family
//! with their mnemonics, opcodes and the facility each needs, condition-code masks,
//! addressing modes ([`MemArg`]) and branch conditions ([`CondBrKind`]).
//!
//! Each operation enum is declared through [`op_table!`] (or [`mem_table!`] for the
//! storage-operand families, which have a short 12-bit-displacement opcode and a long
//! 20-bit one), one line per operation: its mnemonic, its opcode as the z/Architecture
//! Principles of Operation gives it (an 8-bit opcode for RR/RX/RS, 12 bits for RI/RIL
//! written `0xA7A`, 16 bits for RRE/RRF/RXY/RSY/RIE written with the two opcode bytes
//! `0xB9F8`/`0xE358`) and its [`Facility`]. The encoder (`emit.rs`) and the printer read
//! these tables, so an opcode is written down once.
//!
//! Registers inside a [`MemArg`] or a [`CondBrKind`] are read, never written: the owning
//! instruction visits them as uses. In a base or index field, `r0` means "none", as the
//! hardware reads it.

use crate::isa::s390x::regs;
use crate::machinst::{OperandVisitor, Reg};

/// The facility (or architecture level) an operation needs. Everything up to z196 (the
/// distinct-operands, high-word, interlocked-access 1 and load/store-on-condition 1
/// facilities) is the base.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Facility {
    /// z196 and later.
    Base,
    /// Load/store-on-condition facility 2 (z13): `lochi`, `locghi`.
    LoadOnCond2,
    /// Miscellaneous-instruction-extensions facility 2 (z14): `msrkc`, `mgrk`.
    Mie2,
    /// Miscellaneous-instruction-extensions facility 3 (z15, `has_mie3`): `selr`,
    /// `popcnt` with mask 8, the `nnrk` family.
    Mie3,
}

/// Declares an operation enum: variants with their mnemonic, encoding fields (of type
/// `$ty`) and facility; `ALL`, `name()`, `enc()` and `facility()`.
macro_rules! op_table {
    ($(#[$m:meta])* $name:ident: $ty:ty { $($v:ident = $text:literal, $enc:expr, $fac:ident;)* }) => {
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
            /// The facility the operation needs.
            pub fn facility(self) -> Facility {
                match self { $($name::$v => Facility::$fac,)* }
            }
        }
    };
}

/// The encoding of a storage-operand operation: the short form (RX or RS, unsigned
/// 12-bit displacement) and the long form (RXY or RSY, signed 20-bit displacement), each
/// with its mnemonic, when it exists.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct MemEnc {
    /// The short form's 8-bit opcode and mnemonic.
    pub short: Option<(u8, &'static str)>,
    /// The long form's 16-bit opcode (first and last byte) and mnemonic.
    pub long: Option<(u16, &'static str)>,
}

/// Declares a storage-operand operation enum: `Variant = short, long, facility;` where
/// each form is `(opcode, "mnemonic")` or `-`.
macro_rules! mem_table {
    (@form -) => { None };
    (@form ($op:expr, $text:literal)) => { Some(($op, $text)) };
    ($(#[$m:meta])* $name:ident { $($v:ident = $short:tt, $long:tt;)* }) => {
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $(#[doc = concat!("`", stringify!($short), "` / `", stringify!($long), "`")] $v,)*
        }
        impl $name {
            /// Every operation, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            /// The short and long forms.
            pub fn enc(self) -> MemEnc {
                match self { $($name::$v => MemEnc { short: mem_table!(@form $short), long: mem_table!(@form $long) },)* }
            }
        }
    };
}

op_table! {
    /// Three-operand integer operations `op r1, r2, r3` (RRF-a, distinct operands):
    /// the 16-bit opcode.
    AluRRROp: u16 {
        Ark = "ark", 0xB9F8, Base;
        Agrk = "agrk", 0xB9E8, Base;
        Srk = "srk", 0xB9F9, Base;
        Sgrk = "sgrk", 0xB9E9, Base;
        Alrk = "alrk", 0xB9FA, Base;
        Algrk = "algrk", 0xB9EA, Base;
        Slrk = "slrk", 0xB9FB, Base;
        Slgrk = "slgrk", 0xB9EB, Base;
        Nrk = "nrk", 0xB9F4, Base;
        Ngrk = "ngrk", 0xB9E4, Base;
        Ork = "ork", 0xB9F6, Base;
        Ogrk = "ogrk", 0xB9E6, Base;
        Xrk = "xrk", 0xB9F7, Base;
        Xgrk = "xgrk", 0xB9E7, Base;
        Msrkc = "msrkc", 0xB9FD, Mie2;
        Msgrkc = "msgrkc", 0xB9ED, Mie2;
        Nnrk = "nnrk", 0xB974, Mie3;
        Nngrk = "nngrk", 0xB964, Mie3;
        Nork = "nork", 0xB976, Mie3;
        Nogrk = "nogrk", 0xB966, Mie3;
        Nxrk = "nxrk", 0xB977, Mie3;
        Nxgrk = "nxgrk", 0xB967, Mie3;
        Ncrk = "ncrk", 0xB9F5, Mie3;
        Ncgrk = "ncgrk", 0xB9E5, Mie3;
        Ocrk = "ocrk", 0xB975, Mie3;
        Ocgrk = "ocgrk", 0xB965, Mie3;
    }
}

op_table! {
    /// Two-operand integer operations `op r1, r2` (r1 is read and written): an 8-bit RR
    /// opcode (below 0x100) or a 16-bit RRE opcode.
    AluRROp: u16 {
        Ar = "ar", 0x1A, Base;
        Agr = "agr", 0xB908, Base;
        Agfr = "agfr", 0xB918, Base;
        Sr = "sr", 0x1B, Base;
        Sgr = "sgr", 0xB909, Base;
        Sgfr = "sgfr", 0xB919, Base;
        Alr = "alr", 0x1E, Base;
        Algr = "algr", 0xB90A, Base;
        Algfr = "algfr", 0xB91A, Base;
        Slr = "slr", 0x1F, Base;
        Slgr = "slgr", 0xB90B, Base;
        Slgfr = "slgfr", 0xB91B, Base;
        Alcr = "alcr", 0xB998, Base;
        Alcgr = "alcgr", 0xB988, Base;
        Slbr = "slbr", 0xB999, Base;
        Slbgr = "slbgr", 0xB989, Base;
        Msr = "msr", 0xB252, Base;
        Msgr = "msgr", 0xB90C, Base;
        Msgfr = "msgfr", 0xB91C, Base;
        Nr = "nr", 0x14, Base;
        Ngr = "ngr", 0xB980, Base;
        Or = "or", 0x16, Base;
        Ogr = "ogr", 0xB981, Base;
        Xr = "xr", 0x17, Base;
        Xgr = "xgr", 0xB982, Base;
    }
}

op_table! {
    /// One-operand integer operations `op r1, r2` (r1 written only): moves, negation,
    /// absolute values, extensions, byte reversal, population count: `(opcode, m3)`, the
    /// opcode RR (below 0x100) or RRE/RRF, `m3` the mask field of `popcnt`.
    UnaryOp: (u16, u8) {
        Lr = "lr", (0x18, 0), Base;
        Lgr = "lgr", (0xB904, 0), Base;
        Ltr = "ltr", (0x12, 0), Base;
        Ltgr = "ltgr", (0xB902, 0), Base;
        Lcr = "lcr", (0x13, 0), Base;
        Lcgr = "lcgr", (0xB903, 0), Base;
        Lcgfr = "lcgfr", (0xB913, 0), Base;
        Lpr = "lpr", (0x10, 0), Base;
        Lpgr = "lpgr", (0xB900, 0), Base;
        Lpgfr = "lpgfr", (0xB910, 0), Base;
        Lnr = "lnr", (0x11, 0), Base;
        Lngr = "lngr", (0xB901, 0), Base;
        Lgfr = "lgfr", (0xB914, 0), Base;
        Llgfr = "llgfr", (0xB916, 0), Base;
        Lgbr = "lgbr", (0xB906, 0), Base;
        Llgcr = "llgcr", (0xB984, 0), Base;
        Lghr = "lghr", (0xB907, 0), Base;
        Llghr = "llghr", (0xB985, 0), Base;
        Lbr = "lbr", (0xB926, 0), Base;
        Llcr = "llcr", (0xB994, 0), Base;
        Lhr = "lhr", (0xB927, 0), Base;
        Llhr = "llhr", (0xB995, 0), Base;
        Lrvr = "lrvr", (0xB91F, 0), Base;
        Lrvgr = "lrvgr", (0xB90F, 0), Base;
        Popcnt = "popcnt", (0xB9E1, 0), Base;
        PopcntAll = "popcnt", (0xB9E1, 8), Mie3;
    }
}

/// How an immediate field is read.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ImmKind {
    /// Signed 16 bits (RI).
    S16,
    /// Unsigned 16 bits (RI).
    U16,
    /// Signed 32 bits (RIL).
    S32,
    /// Unsigned 32 bits (RIL).
    U32,
}

impl ImmKind {
    /// Whether the field is 32 bits (RIL) rather than 16 (RI).
    pub fn is_32(self) -> bool {
        matches!(self, ImmKind::S32 | ImmKind::U32)
    }
    /// The value the field holds for the raw bits `imm`, as the printer shows it.
    pub fn value(self, imm: u32) -> i64 {
        match self {
            ImmKind::S16 => imm as u16 as i16 as i64,
            ImmKind::U16 => imm as u16 as i64,
            ImmKind::S32 => imm as i32 as i64,
            ImmKind::U32 => imm as i64,
        }
    }
    /// Whether the raw bits fit the field.
    pub fn fits(self, imm: u32) -> bool {
        self.is_32() || imm < 0x1_0000
    }
}

op_table! {
    /// Operations with an immediate that read and write `r1` (RI or RIL): `(12-bit
    /// opcode, immediate kind)`.
    ImmOp: (u16, ImmKind) {
        Ahi = "ahi", (0xA7A, ImmKind::S16), Base;
        Aghi = "aghi", (0xA7B, ImmKind::S16), Base;
        Mhi = "mhi", (0xA7C, ImmKind::S16), Base;
        Mghi = "mghi", (0xA7D, ImmKind::S16), Base;
        Nill = "nill", (0xA57, ImmKind::U16), Base;
        Nilh = "nilh", (0xA56, ImmKind::U16), Base;
        Nihl = "nihl", (0xA55, ImmKind::U16), Base;
        Nihh = "nihh", (0xA54, ImmKind::U16), Base;
        Oill = "oill", (0xA5B, ImmKind::U16), Base;
        Oilh = "oilh", (0xA5A, ImmKind::U16), Base;
        Oihl = "oihl", (0xA59, ImmKind::U16), Base;
        Oihh = "oihh", (0xA58, ImmKind::U16), Base;
        Iill = "iill", (0xA53, ImmKind::U16), Base;
        Iilh = "iilh", (0xA52, ImmKind::U16), Base;
        Iihl = "iihl", (0xA51, ImmKind::U16), Base;
        Iihh = "iihh", (0xA50, ImmKind::U16), Base;
        Afi = "afi", (0xC29, ImmKind::S32), Base;
        Agfi = "agfi", (0xC28, ImmKind::S32), Base;
        Alfi = "alfi", (0xC2B, ImmKind::U32), Base;
        Algfi = "algfi", (0xC2A, ImmKind::U32), Base;
        Slfi = "slfi", (0xC25, ImmKind::U32), Base;
        Slgfi = "slgfi", (0xC24, ImmKind::U32), Base;
        Msfi = "msfi", (0xC21, ImmKind::S32), Base;
        Msgfi = "msgfi", (0xC20, ImmKind::S32), Base;
        Nilf = "nilf", (0xC0B, ImmKind::U32), Base;
        Nihf = "nihf", (0xC0A, ImmKind::U32), Base;
        Oilf = "oilf", (0xC0D, ImmKind::U32), Base;
        Oihf = "oihf", (0xC0C, ImmKind::U32), Base;
        Xilf = "xilf", (0xC07, ImmKind::U32), Base;
        Xihf = "xihf", (0xC06, ImmKind::U32), Base;
        Iilf = "iilf", (0xC09, ImmKind::U32), Base;
        Iihf = "iihf", (0xC08, ImmKind::U32), Base;
    }
}

op_table! {
    /// Loads of an immediate into `r1` (RI or RIL): `(12-bit opcode, immediate kind)`.
    LoadImmOp: (u16, ImmKind) {
        Lhi = "lhi", (0xA78, ImmKind::S16), Base;
        Lghi = "lghi", (0xA79, ImmKind::S16), Base;
        Llill = "llill", (0xA5F, ImmKind::U16), Base;
        Llilh = "llilh", (0xA5E, ImmKind::U16), Base;
        Llihl = "llihl", (0xA5D, ImmKind::U16), Base;
        Llihh = "llihh", (0xA5C, ImmKind::U16), Base;
        Lgfi = "lgfi", (0xC01, ImmKind::S32), Base;
        Llilf = "llilf", (0xC0F, ImmKind::U32), Base;
        Llihf = "llihf", (0xC0E, ImmKind::U32), Base;
    }
}

op_table! {
    /// Register comparisons setting the condition code: RR (below 0x100) or RRE opcode.
    CmpOp: u16 {
        Cr = "cr", 0x19, Base;
        Cgr = "cgr", 0xB920, Base;
        Cgfr = "cgfr", 0xB930, Base;
        Clr = "clr", 0x15, Base;
        Clgr = "clgr", 0xB921, Base;
        Clgfr = "clgfr", 0xB931, Base;
    }
}

op_table! {
    /// Comparisons with an immediate: `(12-bit opcode, immediate kind)`.
    CmpImmOp: (u16, ImmKind) {
        Chi = "chi", (0xA7E, ImmKind::S16), Base;
        Cghi = "cghi", (0xA7F, ImmKind::S16), Base;
        Cfi = "cfi", (0xC2D, ImmKind::S32), Base;
        Cgfi = "cgfi", (0xC2C, ImmKind::S32), Base;
        Clfi = "clfi", (0xC2F, ImmKind::U32), Base;
        Clgfi = "clgfi", (0xC2E, ImmKind::U32), Base;
    }
}

mem_table! {
    /// Loads (and `la`/`lay`, which compute the address without accessing it).
    LoadOp {
        L = (0x58, "l"), (0xE358, "ly");
        Lg = -, (0xE304, "lg");
        Lgf = -, (0xE314, "lgf");
        Llgf = -, (0xE316, "llgf");
        Lh = (0x48, "lh"), (0xE378, "lhy");
        Lgh = -, (0xE315, "lgh");
        Llh = -, (0xE395, "llh");
        Llgh = -, (0xE391, "llgh");
        Lb = -, (0xE376, "lb");
        Lgb = -, (0xE377, "lgb");
        Llc = -, (0xE394, "llc");
        Llgc = -, (0xE390, "llgc");
        Lrv = -, (0xE31E, "lrv");
        Lrvg = -, (0xE30F, "lrvg");
        Lrvh = -, (0xE31F, "lrvh");
        Le = (0x78, "le"), (0xED64, "ley");
        Ld = (0x68, "ld"), (0xED65, "ldy");
        La = (0x41, "la"), (0xE371, "lay");
    }
}

impl LoadOp {
    /// Whether the destination is a float register.
    pub fn is_fp(self) -> bool {
        matches!(self, LoadOp::Le | LoadOp::Ld)
    }
    /// Whether the operation only computes the address (`la`/`lay`).
    pub fn is_address(self) -> bool {
        self == LoadOp::La
    }
}

mem_table! {
    /// Stores.
    StoreOp {
        St = (0x50, "st"), (0xE350, "sty");
        Stg = -, (0xE324, "stg");
        Sth = (0x40, "sth"), (0xE370, "sthy");
        Stc = (0x42, "stc"), (0xE372, "stcy");
        Strv = -, (0xE33E, "strv");
        Strvg = -, (0xE32F, "strvg");
        Strvh = -, (0xE33F, "strvh");
        Ste = (0x70, "ste"), (0xED66, "stey");
        Std = (0x60, "std"), (0xED67, "stdy");
    }
}

impl StoreOp {
    /// Whether the value is a float register.
    pub fn is_fp(self) -> bool {
        matches!(self, StoreOp::Ste | StoreOp::Std)
    }
}

mem_table! {
    /// Compare and swap (RS/RSY): `r1` the expected value (the old value after), `r3`
    /// the new one.
    CasOp {
        Cs = (0xBA, "cs"), (0xEB14, "csy");
        Csg = -, (0xEB30, "csg");
    }
}

op_table! {
    /// Interlocked-access operations (RSY-a, interlocked-access facility 1, z196): `r1`
    /// gets the old value, memory `op(old, r3)`. The 16-bit opcode.
    AtomicOp: u16 {
        Laa = "laa", 0xEBF8, Base;
        Laag = "laag", 0xEBE8, Base;
        Laal = "laal", 0xEBFA, Base;
        Laalg = "laalg", 0xEBEA, Base;
        Lan = "lan", 0xEBF4, Base;
        Lang = "lang", 0xEBE4, Base;
        Lao = "lao", 0xEBF6, Base;
        Laog = "laog", 0xEBE6, Base;
        Lax = "lax", 0xEBF7, Base;
        Laxg = "laxg", 0xEBE7, Base;
    }
}

op_table! {
    /// Three-operand shifts and rotates (RSY-a): `r1 = r3 shifted by d2(b2)` (the low 6
    /// bits of the address). The 16-bit opcode.
    ShiftOp: u16 {
        Sllg = "sllg", 0xEB0D, Base;
        Srlg = "srlg", 0xEB0C, Base;
        Srag = "srag", 0xEB0A, Base;
        Rllg = "rllg", 0xEB1C, Base;
        Rll = "rll", 0xEB1D, Base;
        Sllk = "sllk", 0xEBDF, Base;
        Srlk = "srlk", 0xEBDE, Base;
        Srak = "srak", 0xEBDC, Base;
    }
}

op_table! {
    /// Two-operand 32-bit shifts (RS-a): `r1` shifted in place. The 8-bit opcode.
    Shift32Op: u8 {
        Sll = "sll", 0x89, Base;
        Srl = "srl", 0x88, Base;
        Sra = "sra", 0x8A, Base;
    }
}

op_table! {
    /// Rotate then insert selected bits (RIE-f): the 16-bit opcode.
    RxSbgOp: u16 {
        Risbg = "risbg", 0xEC55, Base;
        Risbgn = "risbgn", 0xEC59, Base;
    }
}

op_table! {
    /// Load on condition, register (RRF-c): the 16-bit opcode.
    CMovOp: u16 {
        Locr = "locr", 0xB9F2, Base;
        Locgr = "locgr", 0xB9E2, Base;
    }
}

op_table! {
    /// Load halfword immediate on condition (RIE-g): the 16-bit opcode.
    CMovImmOp: u16 {
        Lochi = "lochi", 0xEC42, LoadOnCond2;
        Locghi = "locghi", 0xEC46, LoadOnCond2;
    }
}

op_table! {
    /// Select (RRF-a): `r1 = cond ? r2 : r3`. The 16-bit opcode.
    SelectOp: u16 {
        Selr = "selr", 0xB9F0, Mie3;
        Selgr = "selgr", 0xB9E3, Mie3;
    }
}

op_table! {
    /// Division on an even/odd register pair (RRE): `(opcode, whether the even register
    /// is read as the dividend's high half)`.
    DivOp: (u16, bool) {
        Dsgr = "dsgr", (0xB90D, false), Base;
        Dsgfr = "dsgfr", (0xB91D, false), Base;
        Dlgr = "dlgr", (0xB987, true), Base;
        Dlr = "dlr", (0xB997, true), Base;
    }
}

op_table! {
    /// 64x64 to 128-bit multiplication into an even/odd pair: `(opcode, three operands)`.
    /// `mlgr` multiplies the odd register by `r2` (RRE); `mgrk` multiplies `r2` by `r3`
    /// (RRF-a).
    MulWideOp: (u16, bool) {
        Mlgr = "mlgr", (0xB986, false), Base;
        Mgrk = "mgrk", (0xB9EC, true), Mie2;
    }
}

op_table! {
    /// Two-operand binary float operations `op f1, f2` (f1 read and written, RRE).
    FpuRROp: u16 {
        Aebr = "aebr", 0xB30A, Base;
        Adbr = "adbr", 0xB31A, Base;
        Sebr = "sebr", 0xB30B, Base;
        Sdbr = "sdbr", 0xB31B, Base;
        Meebr = "meebr", 0xB317, Base;
        Mdbr = "mdbr", 0xB31C, Base;
        Debr = "debr", 0xB30D, Base;
        Ddbr = "ddbr", 0xB31D, Base;
    }
}

op_table! {
    /// One-operand float operations `op f1, f2` (RR below 0x100, else RRE).
    FpuUnaryOp: u16 {
        Ler = "ler", 0x38, Base;
        Ldr = "ldr", 0x28, Base;
        Lcebr = "lcebr", 0xB303, Base;
        Lcdbr = "lcdbr", 0xB313, Base;
        Lpebr = "lpebr", 0xB300, Base;
        Lpdbr = "lpdbr", 0xB310, Base;
        Lnebr = "lnebr", 0xB301, Base;
        Lndbr = "lndbr", 0xB311, Base;
        Ltebr = "ltebr", 0xB302, Base;
        Ltdbr = "ltdbr", 0xB312, Base;
        Sqebr = "sqebr", 0xB314, Base;
        Sqdbr = "sqdbr", 0xB315, Base;
        Ldebr = "ldebr", 0xB304, Base;
    }
}

op_table! {
    /// Fused multiply-add/subtract (RRD): `f1 = f3 * f2 ± f1`.
    FpuFmaOp: u16 {
        Maebr = "maebr", 0xB30E, Base;
        Madbr = "madbr", 0xB31E, Base;
        Msebr = "msebr", 0xB30F, Base;
        Msdbr = "msdbr", 0xB31F, Base;
    }
}

op_table! {
    /// Float comparisons setting the condition code (RRE); `k` forms signal on quiet NaNs.
    FpuCmpOp: u16 {
        Cebr = "cebr", 0xB309, Base;
        Cdbr = "cdbr", 0xB319, Base;
        Kebr = "kebr", 0xB308, Base;
        Kdbr = "kdbr", 0xB318, Base;
    }
}

/// How a rounding or conversion instruction (RRF-e) is written: which register files its
/// operands are in and which assembler form llvm prints.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ConvKind {
    /// Float to float with `m3` and `m4`; printed without them (`ledbr f1, f2`) when both
    /// are 0, else with an `a` suffix and both (`ledbra f1, m3, f2, m4`).
    FpShort,
    /// Float to float with `m3`; printed `fidbr f1, m3, f2` when `m4` is 0, else `fidbra f1,
    /// m3, f2, m4`.
    FpRound,
    /// Signed integer to float: `cdgbr f1, r2` when both masks are 0, else `cdgbra f1, m3,
    /// r2, m4`.
    IntToFp,
    /// Unsigned integer to float (floating-point extension facility): always `cdlgbr f1,
    /// m3, r2, m4`.
    UIntToFp,
    /// Float to signed integer: `cgdbr r1, m3, f2` when `m4` is 0, else `cgdbra r1, m3,
    /// f2, m4`.
    FpToInt,
    /// Float to unsigned integer: always `clgdbr r1, m3, f2, m4`.
    FpToUInt,
}

op_table! {
    /// Roundings and conversions (RRF-e): `(opcode, kind)`. The mnemonic is the one
    /// without the `a` suffix.
    ConvOp: (u16, ConvKind) {
        Ledbr = "ledbr", (0xB344, ConvKind::FpShort), Base;
        Fiebr = "fiebr", (0xB357, ConvKind::FpRound), Base;
        Fidbr = "fidbr", (0xB35F, ConvKind::FpRound), Base;
        Cefbr = "cefbr", (0xB394, ConvKind::IntToFp), Base;
        Cdfbr = "cdfbr", (0xB395, ConvKind::IntToFp), Base;
        Cegbr = "cegbr", (0xB3A4, ConvKind::IntToFp), Base;
        Cdgbr = "cdgbr", (0xB3A5, ConvKind::IntToFp), Base;
        Celfbr = "celfbr", (0xB390, ConvKind::UIntToFp), Base;
        Cdlfbr = "cdlfbr", (0xB391, ConvKind::UIntToFp), Base;
        Celgbr = "celgbr", (0xB3A0, ConvKind::UIntToFp), Base;
        Cdlgbr = "cdlgbr", (0xB3A1, ConvKind::UIntToFp), Base;
        Cfebr = "cfebr", (0xB398, ConvKind::FpToInt), Base;
        Cfdbr = "cfdbr", (0xB399, ConvKind::FpToInt), Base;
        Cgebr = "cgebr", (0xB3A8, ConvKind::FpToInt), Base;
        Cgdbr = "cgdbr", (0xB3A9, ConvKind::FpToInt), Base;
        Clfebr = "clfebr", (0xB39C, ConvKind::FpToUInt), Base;
        Clfdbr = "clfdbr", (0xB39D, ConvKind::FpToUInt), Base;
        Clgebr = "clgebr", (0xB3AC, ConvKind::FpToUInt), Base;
        Clgdbr = "clgdbr", (0xB3AD, ConvKind::FpToUInt), Base;
    }
}

impl ConvOp {
    /// Whether the destination is an integer register.
    pub fn int_dest(self) -> bool {
        matches!(self.enc().1, ConvKind::FpToInt | ConvKind::FpToUInt)
    }
    /// Whether the source is an integer register.
    pub fn int_src(self) -> bool {
        matches!(self.enc().1, ConvKind::IntToFp | ConvKind::UIntToFp)
    }
}

/// The rounding-mode values of the `m3` field of conversions and `fidbr`.
pub mod round {
    /// The mode in the floating-point control register.
    pub const CURRENT: u8 = 0;
    /// To nearest, ties away from zero.
    pub const NEAREST_AWAY: u8 = 1;
    /// To nearest, ties to even.
    pub const NEAREST_EVEN: u8 = 4;
    /// Towards zero.
    pub const ZERO: u8 = 5;
    /// Towards +infinity.
    pub const UP: u8 = 6;
    /// Towards -infinity.
    pub const DOWN: u8 = 7;
    /// `m4` bit suppressing the inexact exception.
    pub const INEXACT_SUPPRESSED: u8 = 4;
}

/// A condition-code mask: bit 8 selects CC 0, 4 CC 1, 2 CC 2, 1 CC 3. After a comparison
/// CC 0 is equal, 1 low (first operand lower), 2 high; after arithmetic CC 3 is overflow.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Cond(pub u8);

impl Cond {
    /// Equal (CC 0).
    pub const EQ: Cond = Cond(8);
    /// Not equal (CC 1, 2 or 3).
    pub const NE: Cond = Cond(7);
    /// Low (CC 1).
    pub const LT: Cond = Cond(4);
    /// High (CC 2).
    pub const GT: Cond = Cond(2);
    /// Low or equal.
    pub const LE: Cond = Cond(12);
    /// High or equal.
    pub const GE: Cond = Cond(10);
    /// Overflow (CC 3).
    pub const OVERFLOW: Cond = Cond(1);
    /// Always.
    pub const ALWAYS: Cond = Cond(15);

    /// The mask that holds exactly when this one does not (all four condition codes).
    pub fn invert(self) -> Cond {
        Cond(self.0 ^ 0xf)
    }
    /// The extended-mnemonic suffix llvm prints for the mask (`e`, `nhe`, ...), for the
    /// masks 1 to 14.
    pub fn suffix(self) -> Option<&'static str> {
        const S: [&str; 16] =
            ["", "o", "h", "nle", "l", "nhe", "lh", "ne", "e", "nlh", "he", "nl", "le", "nh", "no", ""];
        (1..=14).contains(&self.0).then(|| S[self.0 as usize])
    }
}

op_table! {
    /// Compare and branch, registers (RIE-b): the 16-bit opcode.
    CmpBrOp: u16 {
        Crj = "crj", 0xEC76, Base;
        Cgrj = "cgrj", 0xEC64, Base;
        Clrj = "clrj", 0xEC77, Base;
        Clgrj = "clgrj", 0xEC65, Base;
    }
}

op_table! {
    /// Compare and branch with an 8-bit immediate (RIE-c): `(opcode, signed)`.
    CmpBrImmOp: (u16, bool) {
        Cij = "cij", (0xEC7E, true), Base;
        Cgij = "cgij", (0xEC7C, true), Base;
        Clij = "clij", (0xEC7F, false), Base;
        Clgij = "clgij", (0xEC7D, false), Base;
    }
}

/// A branch condition.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum CondBrKind {
    /// The condition code, as set by an earlier instruction (`brc`).
    Cc(Cond),
    /// A comparison of two registers (`crj` family).
    CmpRR {
        /// The comparison.
        op: CmpBrOp,
        /// The mask (2, 4, 6, 8, 10 or 12 have extended mnemonics).
        cond: Cond,
        /// First operand.
        rn: Reg,
        /// Second operand.
        rm: Reg,
    },
    /// A comparison with an 8-bit immediate (`cij` family).
    CmpRI {
        /// The comparison.
        op: CmpBrImmOp,
        /// The mask.
        cond: Cond,
        /// The register.
        rn: Reg,
        /// The immediate's 8 bits (signed or not as `op` says).
        imm: u8,
    },
}

impl CondBrKind {
    /// The condition that holds exactly when this one does not. A comparison never sets
    /// CC 3, so the compare-and-branch masks are inverted within CC 0-2 (keeping the
    /// extended mnemonics).
    pub fn invert(self) -> CondBrKind {
        let cmp = |c: Cond| Cond(c.0 ^ 0xe);
        match self {
            CondBrKind::Cc(c) => CondBrKind::Cc(c.invert()),
            CondBrKind::CmpRR { op, cond, rn, rm } => CondBrKind::CmpRR { op, cond: cmp(cond), rn, rm },
            CondBrKind::CmpRI { op, cond, rn, imm } => CondBrKind::CmpRI { op, cond: cmp(cond), rn, imm },
        }
    }
    /// Visits the registers compared (uses).
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            CondBrKind::Cc(_) => {}
            CondBrKind::CmpRR { rn, rm, .. } => {
                v.reg_use(rn);
                v.reg_use(rm);
            }
            CondBrKind::CmpRI { rn, .. } => v.reg_use(rn),
        }
    }
}

/// A storage operand. Only [`MemArg::BXD`] is a machine form; the others are resolved at
/// emission (`Inst::expand`), those out of the 20-bit displacement's reach through `r1`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum MemArg {
    /// `disp(index, base)`: unsigned 12 bits in the short forms, signed 20 bits in the
    /// long ones. `r0` as base or index means none.
    BXD {
        /// Base (or `r0`).
        base: Reg,
        /// Index (or `r0`); RS/RSY operations take none.
        index: Reg,
        /// Displacement.
        disp: i32,
    },
    /// `base + offset`, any offset.
    RegOffset {
        /// Base.
        base: Reg,
        /// Offset.
        offset: i64,
    },
    /// `r15 + offset`.
    SpOffset {
        /// Offset.
        offset: i64,
    },
    /// An explicit stack slot: offset inside the stack-slot area.
    StackSlot {
        /// Offset.
        offset: u32,
    },
    /// An incoming stack argument: offset from the CFA (the caller's SP plus 160, where
    /// the caller's argument area starts).
    IncomingArg {
        /// Offset.
        offset: u32,
    },
}

impl MemArg {
    /// `disp(base)` without an index.
    pub fn bd(base: Reg, disp: i32) -> MemArg {
        MemArg::BXD { base, index: regs::zero_reg(), disp }
    }
    /// Visits the base and index registers (uses), if any.
    pub fn visit(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            MemArg::BXD { base, index, .. } => {
                v.reg_use(base);
                v.reg_use(index);
            }
            MemArg::RegOffset { base, .. } => v.reg_use(base),
            MemArg::SpOffset { .. } | MemArg::StackSlot { .. } | MemArg::IncomingArg { .. } => {}
        }
    }
}
