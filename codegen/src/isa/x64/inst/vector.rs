//! Packed (128-bit vector) SSE and AVX operations: the table of opcodes the vector
//! instructions of [`Inst`](super::Inst) name, with their encodings and mnemonics.
//!
//! Every operation here has a legacy SSE encoding (mandatory prefix, `0F`, `0F 38` or
//! `0F 3A` map, opcode byte) and a VEX encoding derived from it (the same prefix as
//! VEX.pp, the same map as VEX.mmmmm, VEX.L = 0, VEX.W = 0), whose mnemonic is the
//! legacy one with a `v` in front. The legacy binary forms are destructive (`dst` is the
//! first source); the VEX forms take a separate first source in VEX.vvvv. Which ISA
//! extension an operation needs is [`VecOp::needs`]: lowering checks it against the
//! `has_*` flags before choosing the operation.

/// The map (escape bytes) of an opcode.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum OpMap {
    /// `0F xx`.
    M0f,
    /// `0F 38 xx`.
    M0f38,
    /// `0F 3A xx`.
    M0f3a,
}

impl OpMap {
    /// The escape bytes of the legacy encoding.
    pub fn escape(self) -> &'static [u8] {
        match self {
            OpMap::M0f => &[0x0f],
            OpMap::M0f38 => &[0x0f, 0x38],
            OpMap::M0f3a => &[0x0f, 0x3a],
        }
    }
    /// VEX.mmmmm.
    pub fn vex_bits(self) -> u8 {
        match self {
            OpMap::M0f => 1,
            OpMap::M0f38 => 2,
            OpMap::M0f3a => 3,
        }
    }
}

/// The encoding of one operation: mandatory prefix (none, `66`, `F3`, `F2`), map and
/// opcode byte.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct OpEnc {
    /// The mandatory prefix.
    pub prefix: Option<u8>,
    /// The map.
    pub map: OpMap,
    /// The opcode byte.
    pub opcode: u8,
}

impl OpEnc {
    /// VEX.pp of the prefix.
    pub fn vex_pp(self) -> u8 {
        match self.prefix {
            None => 0,
            Some(0x66) => 1,
            Some(0xf3) => 2,
            _ => 3,
        }
    }
}

/// The ISA extension an operation needs beyond SSE2.
#[derive(Copy, Clone, PartialEq, Eq, Debug, PartialOrd, Ord)]
pub enum Ext {
    /// SSE and SSE2 (always present on x86-64).
    Sse2,
    /// SSSE3.
    Ssse3,
    /// SSE4.1.
    Sse41,
    /// SSE4.2.
    Sse42,
}

macro_rules! vec_ops {
    ($($(#[$doc:meta])* $v:ident $name:literal $pfx:tt $map:ident $op:literal $ext:ident $mem:literal;)*) => {
        /// A packed SSE operation (see the module docs).
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub enum VecOp { $($(#[$doc])* $v,)* }

        impl VecOp {
            /// Every operation.
            pub const ALL: &'static [VecOp] = &[$(VecOp::$v),*];
            /// The legacy mnemonic.
            pub fn name(self) -> &'static str {
                match self { $(VecOp::$v => $name,)* }
            }
            /// The encoding.
            pub fn enc(self) -> OpEnc {
                match self { $(VecOp::$v => OpEnc { prefix: vec_ops!(@pfx $pfx), map: OpMap::$map, opcode: $op },)* }
            }
            /// The extension the legacy form needs (the VEX form needs AVX).
            pub fn needs(self) -> Ext {
                match self { $(VecOp::$v => Ext::$ext,)* }
            }
            /// The size keyword of a memory source operand.
            pub fn mem_name(self) -> &'static str {
                match self { $(VecOp::$v => $mem,)* }
            }
        }
    };
    (@pfx none) => { None };
    (@pfx $p:literal) => { Some($p) };
}

vec_ops! {
    // ---- integer arithmetic (SSE2) ----
    /// Lane-wise add, 8-bit lanes.
    Paddb "paddb" 0x66 M0f 0xfc Sse2 "xmmword";
    /// Lane-wise add, 16-bit lanes.
    Paddw "paddw" 0x66 M0f 0xfd Sse2 "xmmword";
    /// Lane-wise add, 32-bit lanes.
    Paddd "paddd" 0x66 M0f 0xfe Sse2 "xmmword";
    /// Lane-wise add, 64-bit lanes.
    Paddq "paddq" 0x66 M0f 0xd4 Sse2 "xmmword";
    /// Lane-wise subtract, 8-bit lanes.
    Psubb "psubb" 0x66 M0f 0xf8 Sse2 "xmmword";
    /// Lane-wise subtract, 16-bit lanes.
    Psubw "psubw" 0x66 M0f 0xf9 Sse2 "xmmword";
    /// Lane-wise subtract, 32-bit lanes.
    Psubd "psubd" 0x66 M0f 0xfa Sse2 "xmmword";
    /// Lane-wise subtract, 64-bit lanes.
    Psubq "psubq" 0x66 M0f 0xfb Sse2 "xmmword";
    /// Signed saturating add, 8-bit lanes.
    Paddsb "paddsb" 0x66 M0f 0xec Sse2 "xmmword";
    /// Signed saturating add, 16-bit lanes.
    Paddsw "paddsw" 0x66 M0f 0xed Sse2 "xmmword";
    /// Unsigned saturating add, 8-bit lanes.
    Paddusb "paddusb" 0x66 M0f 0xdc Sse2 "xmmword";
    /// Unsigned saturating add, 16-bit lanes.
    Paddusw "paddusw" 0x66 M0f 0xdd Sse2 "xmmword";
    /// Signed saturating subtract, 8-bit lanes.
    Psubsb "psubsb" 0x66 M0f 0xe8 Sse2 "xmmword";
    /// Signed saturating subtract, 16-bit lanes.
    Psubsw "psubsw" 0x66 M0f 0xe9 Sse2 "xmmword";
    /// Unsigned saturating subtract, 8-bit lanes.
    Psubusb "psubusb" 0x66 M0f 0xd8 Sse2 "xmmword";
    /// Unsigned saturating subtract, 16-bit lanes.
    Psubusw "psubusw" 0x66 M0f 0xd9 Sse2 "xmmword";
    /// Unsigned rounding average, 8-bit lanes.
    Pavgb "pavgb" 0x66 M0f 0xe0 Sse2 "xmmword";
    /// Unsigned rounding average, 16-bit lanes.
    Pavgw "pavgw" 0x66 M0f 0xe3 Sse2 "xmmword";
    /// Low half of the product, 16-bit lanes.
    Pmullw "pmullw" 0x66 M0f 0xd5 Sse2 "xmmword";
    /// Full 64-bit products of the even (low) 32-bit lanes.
    Pmuludq "pmuludq" 0x66 M0f 0xf4 Sse2 "xmmword";
    /// Low half of the product, 32-bit lanes.
    Pmulld "pmulld" 0x66 M0f38 0x40 Sse41 "xmmword";
    /// Pairwise multiply-add of 16-bit lanes into 32-bit lanes.
    Pmaddwd "pmaddwd" 0x66 M0f 0xf5 Sse2 "xmmword";
    /// High half of the signed product, 16-bit lanes.
    Pmulhw "pmulhw" 0x66 M0f 0xe5 Sse2 "xmmword";
    /// High half of the unsigned product, 16-bit lanes.
    Pmulhuw "pmulhuw" 0x66 M0f 0xe4 Sse2 "xmmword";
    /// Sums of absolute byte differences, each 8 bytes into a 64-bit lane.
    Psadbw "psadbw" 0x66 M0f 0xf6 Sse2 "xmmword";
    /// Full signed 64-bit products of the even (low) 32-bit lanes.
    Pmuldq "pmuldq" 0x66 M0f38 0x28 Sse41 "xmmword";
    /// Rounded Q15 product, 16-bit lanes: bits 15..30 of `x * y + 0x4000`.
    Pmulhrsw "pmulhrsw" 0x66 M0f38 0x0b Ssse3 "xmmword";
    /// Unsigned bytes of the destination times signed bytes of the source, adjacent
    /// products added with signed 16-bit saturation.
    Pmaddubsw "pmaddubsw" 0x66 M0f38 0x04 Ssse3 "xmmword";
    // ---- bitwise ----
    /// And.
    Pand "pand" 0x66 M0f 0xdb Sse2 "xmmword";
    /// And-not: `!dst & src`.
    Pandn "pandn" 0x66 M0f 0xdf Sse2 "xmmword";
    /// Or.
    Por "por" 0x66 M0f 0xeb Sse2 "xmmword";
    /// Xor.
    Pxor "pxor" 0x66 M0f 0xef Sse2 "xmmword";
    // ---- compares ----
    /// Equal, 8-bit lanes (all ones or zero).
    Pcmpeqb "pcmpeqb" 0x66 M0f 0x74 Sse2 "xmmword";
    /// Equal, 16-bit lanes.
    Pcmpeqw "pcmpeqw" 0x66 M0f 0x75 Sse2 "xmmword";
    /// Equal, 32-bit lanes.
    Pcmpeqd "pcmpeqd" 0x66 M0f 0x76 Sse2 "xmmword";
    /// Equal, 64-bit lanes.
    Pcmpeqq "pcmpeqq" 0x66 M0f38 0x29 Sse41 "xmmword";
    /// Signed greater-than, 8-bit lanes.
    Pcmpgtb "pcmpgtb" 0x66 M0f 0x64 Sse2 "xmmword";
    /// Signed greater-than, 16-bit lanes.
    Pcmpgtw "pcmpgtw" 0x66 M0f 0x65 Sse2 "xmmword";
    /// Signed greater-than, 32-bit lanes.
    Pcmpgtd "pcmpgtd" 0x66 M0f 0x66 Sse2 "xmmword";
    /// Signed greater-than, 64-bit lanes.
    Pcmpgtq "pcmpgtq" 0x66 M0f38 0x37 Sse42 "xmmword";
    // ---- min / max ----
    /// Unsigned minimum, 8-bit lanes.
    Pminub "pminub" 0x66 M0f 0xda Sse2 "xmmword";
    /// Unsigned maximum, 8-bit lanes.
    Pmaxub "pmaxub" 0x66 M0f 0xde Sse2 "xmmword";
    /// Signed minimum, 16-bit lanes.
    Pminsw "pminsw" 0x66 M0f 0xea Sse2 "xmmword";
    /// Signed maximum, 16-bit lanes.
    Pmaxsw "pmaxsw" 0x66 M0f 0xee Sse2 "xmmword";
    /// Signed minimum, 8-bit lanes.
    Pminsb "pminsb" 0x66 M0f38 0x38 Sse41 "xmmword";
    /// Signed maximum, 8-bit lanes.
    Pmaxsb "pmaxsb" 0x66 M0f38 0x3c Sse41 "xmmword";
    /// Unsigned minimum, 16-bit lanes.
    Pminuw "pminuw" 0x66 M0f38 0x3a Sse41 "xmmword";
    /// Unsigned maximum, 16-bit lanes.
    Pmaxuw "pmaxuw" 0x66 M0f38 0x3e Sse41 "xmmword";
    /// Signed minimum, 32-bit lanes.
    Pminsd "pminsd" 0x66 M0f38 0x39 Sse41 "xmmword";
    /// Signed maximum, 32-bit lanes.
    Pmaxsd "pmaxsd" 0x66 M0f38 0x3d Sse41 "xmmword";
    /// Unsigned minimum, 32-bit lanes.
    Pminud "pminud" 0x66 M0f38 0x3b Sse41 "xmmword";
    /// Unsigned maximum, 32-bit lanes.
    Pmaxud "pmaxud" 0x66 M0f38 0x3f Sse41 "xmmword";
    // ---- shifts by the low 64 bits of an xmm register ----
    /// Shift left, 16-bit lanes.
    Psllw "psllw" 0x66 M0f 0xf1 Sse2 "xmmword";
    /// Shift left, 32-bit lanes.
    Pslld "pslld" 0x66 M0f 0xf2 Sse2 "xmmword";
    /// Shift left, 64-bit lanes.
    Psllq "psllq" 0x66 M0f 0xf3 Sse2 "xmmword";
    /// Logical shift right, 16-bit lanes.
    Psrlw "psrlw" 0x66 M0f 0xd1 Sse2 "xmmword";
    /// Logical shift right, 32-bit lanes.
    Psrld "psrld" 0x66 M0f 0xd2 Sse2 "xmmword";
    /// Logical shift right, 64-bit lanes.
    Psrlq "psrlq" 0x66 M0f 0xd3 Sse2 "xmmword";
    /// Arithmetic shift right, 16-bit lanes.
    Psraw "psraw" 0x66 M0f 0xe1 Sse2 "xmmword";
    /// Arithmetic shift right, 32-bit lanes.
    Psrad "psrad" 0x66 M0f 0xe2 Sse2 "xmmword";
    // ---- pack / unpack / shuffle ----
    /// Narrow 16-bit lanes to 8 with signed saturation (dst's lanes low, src's high).
    Packsswb "packsswb" 0x66 M0f 0x63 Sse2 "xmmword";
    /// Narrow signed 16-bit lanes to 8 with unsigned saturation.
    Packuswb "packuswb" 0x66 M0f 0x67 Sse2 "xmmword";
    /// Narrow 32-bit lanes to 16 with signed saturation.
    Packssdw "packssdw" 0x66 M0f 0x6b Sse2 "xmmword";
    /// Narrow signed 32-bit lanes to 16 with unsigned saturation.
    Packusdw "packusdw" 0x66 M0f38 0x2b Sse41 "xmmword";
    /// Interleave the low 8-bit lanes.
    Punpcklbw "punpcklbw" 0x66 M0f 0x60 Sse2 "xmmword";
    /// Interleave the low 16-bit lanes.
    Punpcklwd "punpcklwd" 0x66 M0f 0x61 Sse2 "xmmword";
    /// Interleave the low 32-bit lanes.
    Punpckldq "punpckldq" 0x66 M0f 0x62 Sse2 "xmmword";
    /// Interleave the low 64-bit lanes.
    Punpcklqdq "punpcklqdq" 0x66 M0f 0x6c Sse2 "xmmword";
    /// Interleave the high 8-bit lanes.
    Punpckhbw "punpckhbw" 0x66 M0f 0x68 Sse2 "xmmword";
    /// Interleave the high 16-bit lanes.
    Punpckhwd "punpckhwd" 0x66 M0f 0x69 Sse2 "xmmword";
    /// Interleave the high 32-bit lanes.
    Punpckhdq "punpckhdq" 0x66 M0f 0x6a Sse2 "xmmword";
    /// Interleave the high 64-bit lanes.
    Punpckhqdq "punpckhqdq" 0x66 M0f 0x6d Sse2 "xmmword";
    /// Byte shuffle by the indices in the source (a set top bit gives 0).
    Pshufb "pshufb" 0x66 M0f38 0x00 Ssse3 "xmmword";
    /// Horizontal add of adjacent 16-bit lanes.
    Phaddw "phaddw" 0x66 M0f38 0x01 Ssse3 "xmmword";
    /// Horizontal add of adjacent 32-bit lanes.
    Phaddd "phaddd" 0x66 M0f38 0x02 Ssse3 "xmmword";
    // ---- unary integer ----
    /// Absolute value, 8-bit lanes.
    Pabsb "pabsb" 0x66 M0f38 0x1c Ssse3 "xmmword";
    /// Absolute value, 16-bit lanes.
    Pabsw "pabsw" 0x66 M0f38 0x1d Ssse3 "xmmword";
    /// Absolute value, 32-bit lanes.
    Pabsd "pabsd" 0x66 M0f38 0x1e Ssse3 "xmmword";
    /// Sign-extend the low 8 8-bit lanes to 16 bits.
    Pmovsxbw "pmovsxbw" 0x66 M0f38 0x20 Sse41 "qword";
    /// Sign-extend the low 4 16-bit lanes to 32 bits.
    Pmovsxwd "pmovsxwd" 0x66 M0f38 0x23 Sse41 "qword";
    /// Sign-extend the low 2 32-bit lanes to 64 bits.
    Pmovsxdq "pmovsxdq" 0x66 M0f38 0x25 Sse41 "qword";
    /// Zero-extend the low 8 8-bit lanes to 16 bits.
    Pmovzxbw "pmovzxbw" 0x66 M0f38 0x30 Sse41 "qword";
    /// Zero-extend the low 4 16-bit lanes to 32 bits.
    Pmovzxwd "pmovzxwd" 0x66 M0f38 0x33 Sse41 "qword";
    /// Zero-extend the low 2 32-bit lanes to 64 bits.
    Pmovzxdq "pmovzxdq" 0x66 M0f38 0x35 Sse41 "qword";
    /// Shuffle 32-bit lanes by an immediate (unary).
    Pshufd "pshufd" 0x66 M0f 0x70 Sse2 "xmmword";
    /// Shuffle the low four 16-bit lanes by an immediate (unary).
    Pshuflw "pshuflw" 0xf2 M0f 0x70 Sse2 "xmmword";
    /// Shuffle the high four 16-bit lanes by an immediate (unary).
    Pshufhw "pshufhw" 0xf3 M0f 0x70 Sse2 "xmmword";
    // ---- float ----
    /// Add, f32 lanes.
    Addps "addps" none M0f 0x58 Sse2 "xmmword";
    /// Add, f64 lanes.
    Addpd "addpd" 0x66 M0f 0x58 Sse2 "xmmword";
    /// Subtract, f32 lanes.
    Subps "subps" none M0f 0x5c Sse2 "xmmword";
    /// Subtract, f64 lanes.
    Subpd "subpd" 0x66 M0f 0x5c Sse2 "xmmword";
    /// Multiply, f32 lanes.
    Mulps "mulps" none M0f 0x59 Sse2 "xmmword";
    /// Multiply, f64 lanes.
    Mulpd "mulpd" 0x66 M0f 0x59 Sse2 "xmmword";
    /// Divide, f32 lanes.
    Divps "divps" none M0f 0x5e Sse2 "xmmword";
    /// Divide, f64 lanes.
    Divpd "divpd" 0x66 M0f 0x5e Sse2 "xmmword";
    /// Minimum, f32 lanes (the second operand when either is NaN or both are zeros).
    Minps "minps" none M0f 0x5d Sse2 "xmmword";
    /// Minimum, f64 lanes.
    Minpd "minpd" 0x66 M0f 0x5d Sse2 "xmmword";
    /// Maximum, f32 lanes (the second operand when either is NaN or both are zeros).
    Maxps "maxps" none M0f 0x5f Sse2 "xmmword";
    /// Maximum, f64 lanes.
    Maxpd "maxpd" 0x66 M0f 0x5f Sse2 "xmmword";
    /// Square root, f32 lanes (unary).
    Sqrtps "sqrtps" none M0f 0x51 Sse2 "xmmword";
    /// Square root, f64 lanes (unary).
    Sqrtpd "sqrtpd" 0x66 M0f 0x51 Sse2 "xmmword";
    /// And, f32 lanes.
    Andps "andps" none M0f 0x54 Sse2 "xmmword";
    /// And-not (`!dst & src`), f32 lanes.
    Andnps "andnps" none M0f 0x55 Sse2 "xmmword";
    /// Or, f32 lanes.
    Orps "orps" none M0f 0x56 Sse2 "xmmword";
    /// Xor, f32 lanes.
    Xorps "xorps" none M0f 0x57 Sse2 "xmmword";
    /// Compare by the predicate immediate, f32 lanes.
    Cmpps "cmpps" none M0f 0xc2 Sse2 "xmmword";
    /// Compare by the predicate immediate, f64 lanes.
    Cmppd "cmppd" 0x66 M0f 0xc2 Sse2 "xmmword";
    /// Round by the immediate's mode, f32 lanes (unary).
    Roundps "roundps" 0x66 M0f3a 0x08 Sse41 "xmmword";
    /// Round by the immediate's mode, f64 lanes (unary).
    Roundpd "roundpd" 0x66 M0f3a 0x09 Sse41 "xmmword";
    /// Shuffle f32 lanes of both operands by an immediate.
    Shufps "shufps" none M0f 0xc6 Sse2 "xmmword";
    /// i32 lanes to f32 (unary).
    Cvtdq2ps "cvtdq2ps" none M0f 0x5b Sse2 "xmmword";
    /// f32 lanes to i32 toward zero; NaN and out of range give `0x80000000` (unary).
    Cvttps2dq "cvttps2dq" 0xf3 M0f 0x5b Sse2 "xmmword";
    /// The low two f32 lanes to f64 (unary).
    Cvtps2pd "cvtps2pd" none M0f 0x5a Sse2 "qword";
    /// f64 lanes to the low two f32 lanes, the upper two zero (unary).
    Cvtpd2ps "cvtpd2ps" 0x66 M0f 0x5a Sse2 "xmmword";
    /// The low two i32 lanes to f64 (unary).
    Cvtdq2pd "cvtdq2pd" 0xf3 M0f 0xe6 Sse2 "qword";
}

impl VecOp {
    /// Whether the operation has one source (used through [`Inst::VecUnary`](super::Inst));
    /// the others have two ([`Inst::VecBin`](super::Inst)).
    pub fn is_unary(self) -> bool {
        use VecOp::*;
        matches!(
            self,
            Pabsb
                | Pabsw
                | Pabsd
                | Pmovsxbw
                | Pmovsxwd
                | Pmovsxdq
                | Pmovzxbw
                | Pmovzxwd
                | Pmovzxdq
                | Pshufd
                | Pshuflw
                | Pshufhw
                | Sqrtps
                | Sqrtpd
                | Roundps
                | Roundpd
                | Cvtdq2ps
                | Cvttps2dq
                | Cvtps2pd
                | Cvtpd2ps
                | Cvtdq2pd
        )
    }
}

/// The packed shifts by an immediate (`66 0F 71/72/73 /digit ib`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum VecShiftOp {
    /// `psllw`.
    Psllw,
    /// `pslld`.
    Pslld,
    /// `psllq`.
    Psllq,
    /// `psrlw`.
    Psrlw,
    /// `psrld`.
    Psrld,
    /// `psrlq`.
    Psrlq,
    /// `psraw`.
    Psraw,
    /// `psrad`.
    Psrad,
    /// `pslldq`: shift the whole register left by bytes.
    Pslldq,
    /// `psrldq`: shift the whole register right by bytes.
    Psrldq,
}

impl VecShiftOp {
    /// Every shift.
    pub const ALL: [VecShiftOp; 10] = [
        VecShiftOp::Psllw,
        VecShiftOp::Pslld,
        VecShiftOp::Psllq,
        VecShiftOp::Psrlw,
        VecShiftOp::Psrld,
        VecShiftOp::Psrlq,
        VecShiftOp::Psraw,
        VecShiftOp::Psrad,
        VecShiftOp::Pslldq,
        VecShiftOp::Psrldq,
    ];
    /// The opcode byte after `0F` and the ModRM reg digit.
    pub fn enc(self) -> (u8, u8) {
        use VecShiftOp::*;
        match self {
            Psllw => (0x71, 6),
            Pslld => (0x72, 6),
            Psllq => (0x73, 6),
            Psrlw => (0x71, 2),
            Psrld => (0x72, 2),
            Psrlq => (0x73, 2),
            Psraw => (0x71, 4),
            Psrad => (0x72, 4),
            Pslldq => (0x73, 7),
            Psrldq => (0x73, 3),
        }
    }
    /// The legacy mnemonic.
    pub fn name(self) -> &'static str {
        use VecShiftOp::*;
        match self {
            Psllw => "psllw",
            Pslld => "pslld",
            Psllq => "psllq",
            Psrlw => "psrlw",
            Psrld => "psrld",
            Psrlq => "psrlq",
            Psraw => "psraw",
            Psrad => "psrad",
            Pslldq => "pslldq",
            Psrldq => "psrldq",
        }
    }
}

/// The sign-mask moves from an xmm register to a general-purpose one.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum MovmskOp {
    /// `pmovmskb`: the top bit of each 8-bit lane.
    Pmovmskb,
    /// `movmskps`: the top bit of each 32-bit lane.
    Movmskps,
    /// `movmskpd`: the top bit of each 64-bit lane.
    Movmskpd,
}

impl MovmskOp {
    /// Every form.
    pub const ALL: [MovmskOp; 3] = [MovmskOp::Pmovmskb, MovmskOp::Movmskps, MovmskOp::Movmskpd];
    /// Prefix and opcode byte after `0F`.
    pub fn enc(self) -> OpEnc {
        let (prefix, opcode) = match self {
            MovmskOp::Pmovmskb => (Some(0x66), 0xd7),
            MovmskOp::Movmskps => (None, 0x50),
            MovmskOp::Movmskpd => (Some(0x66), 0x50),
        };
        OpEnc { prefix, map: OpMap::M0f, opcode }
    }
    /// The legacy mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            MovmskOp::Pmovmskb => "pmovmskb",
            MovmskOp::Movmskps => "movmskps",
            MovmskOp::Movmskpd => "movmskpd",
        }
    }
}

/// The encoding of `pinsr{b,w,d,q}` for a lane size (S8 to S64): `pinsrw` is SSE2 in the
/// `0F` map, the others SSE4.1 in `0F 3A`; REX.W/VEX.W selects `q`.
pub fn pinsr_enc(size: super::args::OperandSize) -> (OpEnc, bool, &'static str) {
    use super::args::OperandSize::*;
    let e = |map, opcode| OpEnc { prefix: Some(0x66), map, opcode };
    match size {
        S8 => (e(OpMap::M0f3a, 0x20), false, "pinsrb"),
        S16 => (e(OpMap::M0f, 0xc4), false, "pinsrw"),
        S32 => (e(OpMap::M0f3a, 0x22), false, "pinsrd"),
        S64 => (e(OpMap::M0f3a, 0x22), true, "pinsrq"),
    }
}

/// The encoding of `pextr{b,w,d,q}` for a lane size, and whether the xmm register is in
/// the ModRM reg field (all but `pextrw`'s SSE2 form `0F C5`, whose reg field is the
/// general-purpose destination).
pub fn pextr_enc(size: super::args::OperandSize) -> (OpEnc, bool, bool, &'static str) {
    use super::args::OperandSize::*;
    let e = |map, opcode| OpEnc { prefix: Some(0x66), map, opcode };
    match size {
        S8 => (e(OpMap::M0f3a, 0x14), false, true, "pextrb"),
        S16 => (e(OpMap::M0f, 0xc5), false, false, "pextrw"),
        S32 => (e(OpMap::M0f3a, 0x16), false, true, "pextrd"),
        S64 => (e(OpMap::M0f3a, 0x16), true, true, "pextrq"),
    }
}

/// The variable blends (SSE4.1): lane `i` of the second source where the top bit of lane
/// `i` of the mask is set, else of the first. The legacy form's mask is implicitly `xmm0`
/// and its first source is the destination (`66 0F 38 10/14/15`); the AVX form names all
/// four registers, the mask in bits 7:4 of an immediate (`VEX.66.0F3A 4C/4A/4B /r is4`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum BlendvOp {
    /// `pblendvb`: by the top bit of each byte.
    Pblendvb,
    /// `blendvps`: by the top bit of each 32-bit lane.
    Blendvps,
    /// `blendvpd`: by the top bit of each 64-bit lane.
    Blendvpd,
}

impl BlendvOp {
    /// Every form.
    pub const ALL: [BlendvOp; 3] = [BlendvOp::Pblendvb, BlendvOp::Blendvps, BlendvOp::Blendvpd];
    /// The legacy encoding.
    pub fn enc(self) -> OpEnc {
        let opcode = match self {
            BlendvOp::Pblendvb => 0x10,
            BlendvOp::Blendvps => 0x14,
            BlendvOp::Blendvpd => 0x15,
        };
        OpEnc { prefix: Some(0x66), map: OpMap::M0f38, opcode }
    }
    /// The VEX encoding.
    pub fn vex_enc(self) -> OpEnc {
        let opcode = match self {
            BlendvOp::Pblendvb => 0x4c,
            BlendvOp::Blendvps => 0x4a,
            BlendvOp::Blendvpd => 0x4b,
        };
        OpEnc { prefix: Some(0x66), map: OpMap::M0f3a, opcode }
    }
    /// The legacy mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            BlendvOp::Pblendvb => "pblendvb",
            BlendvOp::Blendvps => "blendvps",
            BlendvOp::Blendvpd => "blendvpd",
        }
    }
}
