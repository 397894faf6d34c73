//! Integer operations up to 64 bits: the dispatch of the generic rules by opcode (floats
//! go to `float.rs`, `i128` to `i128.rs`), shifts and rotates, division with its traps,
//! bit counting and byte swapping (Zbb/Zbkb instructions when the target has them, else
//! base-ISA sequences), comparisons as values and as branch conditions, selects, and the
//! overflow families.
//!
//! Narrow values (`i8`-`i32`) live in 64-bit registers with unspecified upper bits; the
//! operations whose result depends on them extend their operands first.

use super::{RuleCtx, mask};
use crate::ir::{IntCC, Opcode, TrapCode, Type, Value};
use crate::isa::riscv64::inst::Inst as MInst;
use crate::isa::riscv64::inst::args::{AluOp, BranchOp, CondBrKind, ImmOp, ShiftOp, UnaryOp};
use crate::isa::riscv64::regs;
use crate::machinst::{Reg, ValueRegs};

/// Whether a comparison looks at its operands as signed numbers.
fn is_signed(cc: IntCC) -> bool {
    matches!(
        cc,
        IntCC::SignedLessThan
            | IntCC::SignedGreaterThanOrEqual
            | IntCC::SignedGreaterThan
            | IntCC::SignedLessThanOrEqual
    )
}

/// The base opcode of a `*_imm` form.
fn imm_base(op: Opcode) -> Option<Opcode> {
    Some(match op {
        Opcode::IaddImm => Opcode::Iadd,
        Opcode::ImulImm => Opcode::Imul,
        Opcode::UdivImm => Opcode::Udiv,
        Opcode::SdivImm => Opcode::Sdiv,
        Opcode::UremImm => Opcode::Urem,
        Opcode::SremImm => Opcode::Srem,
        Opcode::BandImm => Opcode::Band,
        Opcode::BorImm => Opcode::Bor,
        Opcode::BxorImm => Opcode::Bxor,
        Opcode::IshlImm => Opcode::Ishl,
        Opcode::UshrImm => Opcode::Ushr,
        Opcode::SshrImm => Opcode::Sshr,
        Opcode::RotlImm => Opcode::Rotl,
        Opcode::RotrImm => Opcode::Rotr,
        _ => return None,
    })
}

impl RuleCtx<'_, '_> {
    fn check_int(&mut self, ty: Type) -> bool {
        let ok = ty.is_int_scalar() && ty.bits() <= 64;
        if !ok {
            self.unsupported(format!("values of type `{ty}` in this operation on riscv64"));
        }
        ok
    }

    pub(super) fn unary_op(&mut self, op: Opcode, ty: Type, from: Type, x: ValueRegs) -> ValueRegs {
        if ty.is_float() || from.is_float() {
            return ValueRegs::one(self.float_unary(op, ty, from, x.lo()));
        }
        if ty.bits() == 128 || from.bits() == 128 {
            return self.i128_unary(op, ty, from, x);
        }
        if !self.check_int(ty) {
            return x;
        }
        let r = x.lo();
        let bits = ty.bits();
        let out = match op {
            Opcode::Ineg => self.neg(r),
            Opcode::Bnot => self.not(r),
            Opcode::Uextend => self.ext_ty(false, from, r),
            Opcode::Sextend => self.ext_ty(true, from, r),
            Opcode::Ireduce | Opcode::Bitcast => r,
            Opcode::Iabs => {
                let s = self.ext(true, bits, r);
                if self.flags().has_zbb {
                    let n = self.neg(s);
                    self.alu(AluOp::Max, s, n)
                } else {
                    let m = self.shift_imm(ShiftOp::Srai, s, 63);
                    let t = self.alu(AluOp::Xor, s, m);
                    self.alu(AluOp::Sub, t, m)
                }
            }
            Opcode::Bmask => {
                let z = self.ext(false, from.bits(), r);
                let b = self.snez(z);
                self.neg(b)
            }
            Opcode::Popcnt => {
                let z = self.ext(false, bits, r);
                self.popcnt64(z)
            }
            Opcode::Clz => {
                let z = self.ext(false, bits, r);
                let n = self.clz64(z);
                self.alu_imm(ImmOp::Addi, n, -(64 - bits as i16))
            }
            Opcode::Cls => {
                // clz(x ^ (x >> 63)) - 1, on the sign-extended value.
                let s = self.ext(true, bits, r);
                let m = self.shift_imm(ShiftOp::Srai, s, 63);
                let t = self.alu(AluOp::Xor, s, m);
                let n = self.clz64(t);
                self.alu_imm(ImmOp::Addi, n, -(65 - bits as i16))
            }
            Opcode::Ctz => {
                // A bit just above the value's width bounds the count by it.
                let t = if bits < 64 {
                    let b = self.konst(1u64 << bits);
                    self.alu(AluOp::Or, r, b)
                } else {
                    r
                };
                self.ctz64(t)
            }
            Opcode::Bswap => self.bswap_bytes(r, (bits / 8) as u8),
            Opcode::Bitrev => {
                let s = self.bitrev64(r);
                self.shift_imm(ShiftOp::Srli, s, (64 - bits) as u8)
            }
            _ => {
                self.unsupported(format!("`{op}` on riscv64"));
                r
            }
        };
        ValueRegs::one(out)
    }

    pub(super) fn binary_op(&mut self, op: Opcode, ty: Type, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        if ty.is_float() {
            return ValueRegs::one(self.float_binary(op, ty, x.lo(), y.lo()));
        }
        if ty.bits() == 128 {
            return self.i128_binary(op, x, y);
        }
        if op == Opcode::Iconcat {
            return self.iconcat(ty, x.lo(), y.lo());
        }
        if !self.check_int(ty) {
            return x;
        }
        ValueRegs::one(self.int_binary(op, ty, x.lo(), y.lo()))
    }

    fn iconcat(&mut self, half: Type, lo: Reg, hi: Reg) -> ValueRegs {
        if half.bits() == 64 {
            return ValueRegs::two(lo, hi);
        }
        let bits = half.bits();
        let z = self.ext(false, bits, lo);
        let h = self.shift_imm(ShiftOp::Slli, hi, bits as u8);
        ValueRegs::one(self.alu(AluOp::Or, z, h))
    }

    /// A binary operation on values of `ty` (at most 64 bits).
    pub(super) fn int_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        let zbb = self.flags().has_zbb;
        match op {
            Opcode::Iadd => self.alu(AluOp::Add, x, y),
            Opcode::Isub => self.alu(AluOp::Sub, x, y),
            Opcode::Imul => self.alu(AluOp::Mul, x, y),
            Opcode::Band => self.alu(AluOp::And, x, y),
            Opcode::Bor => self.alu(AluOp::Or, x, y),
            Opcode::Bxor => self.alu(AluOp::Xor, x, y),
            Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot if zbb => {
                let op = match op {
                    Opcode::BandNot => AluOp::Andn,
                    Opcode::BorNot => AluOp::Orn,
                    _ => AluOp::Xnor,
                };
                self.alu(op, x, y)
            }
            Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot => {
                let n = self.not(y);
                let op = match op {
                    Opcode::BandNot => AluOp::And,
                    Opcode::BorNot => AluOp::Or,
                    _ => AluOp::Xor,
                };
                self.alu(op, x, n)
            }
            Opcode::Ishl | Opcode::Ushr | Opcode::Sshr | Opcode::Rotl | Opcode::Rotr => self.shift(op, ty, x, y),
            Opcode::Udiv | Opcode::Sdiv | Opcode::Urem | Opcode::Srem => self.div(op, ty, x, y),
            Opcode::Umulhi | Opcode::Smulhi => {
                let signed = op == Opcode::Smulhi;
                if bits == 64 {
                    return self.alu(if signed { AluOp::Mulh } else { AluOp::Mulhu }, x, y);
                }
                let (a, b) = (self.ext(signed, bits, x), self.ext(signed, bits, y));
                let p = self.alu(AluOp::Mul, a, b);
                self.shift_imm(if signed { ShiftOp::Srai } else { ShiftOp::Srli }, p, bits as u8)
            }
            Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax => {
                let signed = matches!(op, Opcode::Smin | Opcode::Smax);
                let (a, b) = (self.ext(signed, bits, x), self.ext(signed, bits, y));
                self.minmax(op, a, b)
            }
            Opcode::UaddSat | Opcode::UsubSat | Opcode::SaddSat | Opcode::SsubSat => self.sat(op, ty, x, y),
            Opcode::AvgRound => {
                // (x | y) - ((x ^ y) >> 1) on the zero-extended values.
                let (a, b) = (self.ext(false, bits, x), self.ext(false, bits, y));
                let o = self.alu(AluOp::Or, a, b);
                let e = self.alu(AluOp::Xor, a, b);
                let h = self.shift_imm(ShiftOp::Srli, e, 1);
                self.alu(AluOp::Sub, o, h)
            }
            _ => {
                self.unsupported(format!("`{op}` on riscv64"));
                x
            }
        }
    }

    fn minmax(&mut self, op: Opcode, a: Reg, b: Reg) -> Reg {
        if self.flags().has_zbb {
            let op = match op {
                Opcode::Smin => AluOp::Min,
                Opcode::Smax => AluOp::Max,
                Opcode::Umin => AluOp::Minu,
                _ => AluOp::Maxu,
            };
            return self.alu(op, a, b);
        }
        let signed = matches!(op, Opcode::Smin | Opcode::Smax);
        let lt = self.alu(if signed { AluOp::Slt } else { AluOp::Sltu }, a, b);
        if matches!(op, Opcode::Smin | Opcode::Umin) { self.select_reg(lt, a, b) } else { self.select_reg(lt, b, a) }
    }

    /// Saturating arithmetic: narrow values exactly in 64 bits, then clamped; 64-bit
    /// values with the overflow test.
    fn sat(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        let signed = matches!(op, Opcode::SaddSat | Opcode::SsubSat);
        let add = matches!(op, Opcode::UaddSat | Opcode::SaddSat);
        if bits < 64 {
            let (a, b) = (self.ext(signed, bits, x), self.ext(signed, bits, y));
            let r = self.alu(if add { AluOp::Add } else { AluOp::Sub }, a, b);
            return if signed {
                let hi = self.konst(mask(bits - 1));
                let lo = self.konst(!mask(bits - 1));
                let m = self.minmax(Opcode::Smin, r, hi);
                self.minmax(Opcode::Smax, m, lo)
            } else if add {
                let hi = self.konst(mask(bits));
                self.minmax(Opcode::Umin, r, hi)
            } else {
                self.minmax(Opcode::Smax, r, regs::zero())
            };
        }
        match op {
            Opcode::UaddSat => {
                let s = self.alu(AluOp::Add, x, y);
                let c = self.alu(AluOp::Sltu, s, x);
                let m = self.neg(c);
                self.alu(AluOp::Or, s, m)
            }
            Opcode::UsubSat => {
                let d = self.alu(AluOp::Sub, x, y);
                let c = self.alu(AluOp::Sltu, x, y);
                let m = self.alu_imm(ImmOp::Addi, c, -1);
                self.alu(AluOp::And, d, m)
            }
            _ => {
                let r = self.alu(if add { AluOp::Add } else { AluOp::Sub }, x, y);
                let ovf = self.signed_overflow64(add, x, y, r);
                // The saturated value: MAX when x is non-negative, MIN otherwise.
                let s = self.shift_imm(ShiftOp::Srai, x, 63);
                let max = self.konst(i64::MAX as u64);
                let sat = self.alu(AluOp::Xor, s, max);
                self.select_reg(ovf, sat, r)
            }
        }
    }

    /// 1 when `r = x + y` (or `x - y`) overflowed as signed 64-bit numbers.
    fn signed_overflow64(&mut self, add: bool, x: Reg, y: Reg, r: Reg) -> Reg {
        let t = if add {
            let a = self.alu(AluOp::Xor, r, x);
            let b = self.alu(AluOp::Xor, r, y);
            self.alu(AluOp::And, a, b)
        } else {
            let a = self.alu(AluOp::Xor, x, y);
            let b = self.alu(AluOp::Xor, x, r);
            self.alu(AluOp::And, a, b)
        };
        self.shift_imm(ShiftOp::Srli, t, 63)
    }

    pub(super) fn binary_imm_op(&mut self, op: Opcode, ty: Type, x: ValueRegs, k: i64) -> ValueRegs {
        if ty.bits() == 128
            && let Some(base @ (Opcode::Ishl | Opcode::Ushr | Opcode::Sshr | Opcode::Rotl | Opcode::Rotr)) =
                imm_base(op)
        {
            // The other `i128` immediate forms are legalized; shifts keep theirs.
            let amt = self.konst(k as u64 & 127);
            return self.i128_binary(base, x, ValueRegs::one(amt));
        }
        if !self.check_int(ty) {
            return x;
        }
        let r = x.lo();
        if op == Opcode::IrsubImm {
            let c = self.konst(k as u64);
            return ValueRegs::one(self.alu(AluOp::Sub, c, r));
        }
        let Some(base) = imm_base(op) else {
            self.unsupported(format!("`{op}` on riscv64"));
            return x;
        };
        if matches!(base, Opcode::Ishl | Opcode::Ushr | Opcode::Sshr | Opcode::Rotl | Opcode::Rotr) {
            return ValueRegs::one(self.shift_by_imm(base, ty, r, k));
        }
        let c = self.konst(k as u64);
        ValueRegs::one(self.int_binary(base, ty, r, c))
    }

    /// A shift or rotate by a constant (modulo the width); Zbb's `rori` is chosen by the
    /// rules before this.
    pub(super) fn shift_by_imm(&mut self, op: Opcode, ty: Type, x: Reg, k: i64) -> Reg {
        let bits = ty.bits();
        let k = (k as u64 % bits as u64) as u8;
        match op {
            Opcode::Ishl => self.shift_imm(ShiftOp::Slli, x, k),
            Opcode::Ushr => {
                let z = self.ext(false, bits, x);
                self.shift_imm(ShiftOp::Srli, z, k)
            }
            Opcode::Sshr => {
                let s = self.ext(true, bits, x);
                self.shift_imm(ShiftOp::Srai, s, k)
            }
            _ => {
                let left = if op == Opcode::Rotl { k } else { (bits as u8 - k) % bits as u8 };
                if left == 0 {
                    return x;
                }
                let z = self.ext(false, bits, x);
                let l = self.shift_imm(ShiftOp::Slli, z, left);
                let r = self.shift_imm(ShiftOp::Srli, z, bits as u8 - left);
                self.alu(AluOp::Or, l, r)
            }
        }
    }

    /// A shift or rotate by a register amount (modulo the width); Zbb's rotations are
    /// chosen by the rules before this.
    fn shift(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        match (op, bits) {
            (Opcode::Ishl, 64) => return self.alu(AluOp::Sll, x, y),
            (Opcode::Ushr, 64) => return self.alu(AluOp::Srl, x, y),
            (Opcode::Sshr, 64) => return self.alu(AluOp::Sra, x, y),
            (Opcode::Ishl, 32) => return self.alu(AluOp::Sllw, x, y),
            (Opcode::Ushr, 32) => return self.alu(AluOp::Srlw, x, y),
            (Opcode::Sshr, 32) => return self.alu(AluOp::Sraw, x, y),
            _ => {}
        }
        let amt = self.alu_imm(ImmOp::Andi, y, (bits - 1) as i16);
        match op {
            Opcode::Ishl => self.alu(AluOp::Sll, x, amt),
            Opcode::Ushr => {
                let z = self.ext(false, bits, x);
                self.alu(AluOp::Srl, z, amt)
            }
            Opcode::Sshr => {
                let s = self.ext(true, bits, x);
                self.alu(AluOp::Sra, s, amt)
            }
            _ => {
                // (z << l) | (z >> ((bits - l) % bits)), l the left rotation.
                let z = self.ext(false, bits, x);
                let l = if op == Opcode::Rotl {
                    amt
                } else {
                    let n = self.neg(amt);
                    self.alu_imm(ImmOp::Andi, n, (bits - 1) as i16)
                };
                let nl = self.neg(l);
                let r_amt = self.alu_imm(ImmOp::Andi, nl, (bits - 1) as i16);
                let a = self.alu(AluOp::Sll, z, l);
                let b = self.alu(AluOp::Srl, z, r_amt);
                self.alu(AluOp::Or, a, b)
            }
        }
    }

    /// Division and remainder with their traps: division by zero, and (signed division)
    /// `MIN / -1`. The remainder of `MIN % -1` is 0, as `rem` gives it.
    fn div(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        let signed = matches!(op, Opcode::Sdiv | Opcode::Srem);
        let (a, b) = (self.ext(signed, bits, x), self.ext(signed, bits, y));
        self.trap_if(CondBrKind { op: BranchOp::Beq, rs1: b, rs2: regs::zero() }, TrapCode::IntegerDivisionByZero);
        if op == Opcode::Sdiv {
            // Overflow when b == -1 and a == MIN of the width.
            let b1 = self.alu_imm(ImmOp::Addi, b, 1);
            let min = self.konst(!mask(bits - 1));
            let d = self.alu(AluOp::Xor, a, min);
            let either = self.alu(AluOp::Or, b1, d);
            self.trap_if(CondBrKind { op: BranchOp::Beq, rs1: either, rs2: regs::zero() }, TrapCode::IntegerOverflow);
        }
        let op = match op {
            Opcode::Udiv => AluOp::Divu,
            Opcode::Sdiv => AluOp::Div,
            Opcode::Urem => AluOp::Remu,
            _ => AluOp::Rem,
        };
        self.alu(op, a, b)
    }

    pub(super) fn popcnt64(&mut self, x: Reg) -> Reg {
        if self.flags().has_zbb {
            return self.unary(UnaryOp::Cpop, x);
        }
        // Bits counted in pairs, nibbles and bytes, then summed by a multiply.
        let m1 = self.konst(0x5555_5555_5555_5555);
        let m2 = self.konst(0x3333_3333_3333_3333);
        let m4 = self.konst(0x0f0f_0f0f_0f0f_0f0f);
        let h01 = self.konst(0x0101_0101_0101_0101);
        let s1 = self.shift_imm(ShiftOp::Srli, x, 1);
        let a1 = self.alu(AluOp::And, s1, m1);
        let x1 = self.alu(AluOp::Sub, x, a1);
        let lo2 = self.alu(AluOp::And, x1, m2);
        let s2 = self.shift_imm(ShiftOp::Srli, x1, 2);
        let hi2 = self.alu(AluOp::And, s2, m2);
        let x2 = self.alu(AluOp::Add, lo2, hi2);
        let s4 = self.shift_imm(ShiftOp::Srli, x2, 4);
        let x3 = self.alu(AluOp::Add, x2, s4);
        let x4 = self.alu(AluOp::And, x3, m4);
        let p = self.alu(AluOp::Mul, x4, h01);
        self.shift_imm(ShiftOp::Srli, p, 56)
    }

    pub(super) fn clz64(&mut self, x: Reg) -> Reg {
        if self.flags().has_zbb {
            return self.unary(UnaryOp::Clz, x);
        }
        // Every bit below the highest set one is set, then 64 minus the count.
        let mut s = x;
        for k in [1u8, 2, 4, 8, 16, 32] {
            let t = self.shift_imm(ShiftOp::Srli, s, k);
            s = self.alu(AluOp::Or, s, t);
        }
        let n = self.popcnt64(s);
        let sixty_four = self.konst(64);
        self.alu(AluOp::Sub, sixty_four, n)
    }

    pub(super) fn ctz64(&mut self, x: Reg) -> Reg {
        if self.flags().has_zbb {
            return self.unary(UnaryOp::Ctz, x);
        }
        // The bits below the lowest set one: (x - 1) & !x.
        let d = self.alu_imm(ImmOp::Addi, x, -1);
        let n = self.not(x);
        let m = self.alu(AluOp::And, d, n);
        self.popcnt64(m)
    }

    pub(super) fn bswap64(&mut self, x: Reg) -> Reg {
        self.bswap_bytes(x, 8)
    }

    /// The low `bytes` bytes of `x` in the other order, zero-extended (`rev8` and a shift
    /// with Zbb, else byte by byte).
    pub(super) fn bswap_bytes(&mut self, x: Reg, bytes: u8) -> Reg {
        if self.flags().has_zbb {
            let r = self.unary(UnaryOp::Rev8, x);
            return self.shift_imm(ShiftOp::Srli, r, 64 - 8 * bytes);
        }
        let mut acc = regs::zero();
        for i in 0..bytes {
            let b = self.shift_imm(ShiftOp::Srli, x, 8 * i);
            let b = self.alu_imm(ImmOp::Andi, b, 0xff);
            let b = self.shift_imm(ShiftOp::Slli, b, 8 * (bytes - 1 - i));
            acc = if i == 0 { b } else { self.alu(AluOp::Or, acc, b) };
        }
        acc
    }

    pub(super) fn bitrev64(&mut self, x: Reg) -> Reg {
        let bytes = if self.flags().has_zbkb {
            self.unary(UnaryOp::Brev8, x)
        } else {
            // Swap bits, pairs and nibbles within each byte.
            let mut v = x;
            for (k, m) in [(1u8, 0x5555_5555_5555_5555u64), (2, 0x3333_3333_3333_3333), (4, 0x0f0f_0f0f_0f0f_0f0f)] {
                let mr = self.konst(m);
                let hi = self.shift_imm(ShiftOp::Srli, v, k);
                let hi = self.alu(AluOp::And, hi, mr);
                let lo = self.alu(AluOp::And, v, mr);
                let lo = self.shift_imm(ShiftOp::Slli, lo, k);
                v = self.alu(AluOp::Or, hi, lo);
            }
            v
        };
        self.bswap64(bytes)
    }

    pub(super) fn ternary_op(&mut self, op: Opcode, ty: Type, x: ValueRegs, y: ValueRegs, z: ValueRegs) -> ValueRegs {
        match op {
            Opcode::Fma => ValueRegs::one(self.fma(ty, x.lo(), y.lo(), z.lo())),
            Opcode::Bitselect if ty.is_float() => ValueRegs::one(self.float_bitselect(ty, x.lo(), y.lo(), z.lo())),
            Opcode::Bitselect => {
                // y ^ ((x ^ y) & c), per register.
                let mut out = Vec::new();
                for i in 0..x.regs().len() {
                    let (c, a, b) = (x.regs()[i], y.regs()[i], z.regs()[i]);
                    let d = self.alu(AluOp::Xor, a, b);
                    let m = self.alu(AluOp::And, d, c);
                    out.push(self.alu(AluOp::Xor, b, m));
                }
                if out.len() == 2 { ValueRegs::two(out[0], out[1]) } else { ValueRegs::one(out[0]) }
            }
            _ => {
                self.unsupported(format!("`{op}` on riscv64"));
                x
            }
        }
    }

    /// `x` where `c` (non-zero for true) holds, else `y`, for any type.
    pub(super) fn select(&mut self, ty: Type, c: Reg, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        if ty.is_float() {
            return ValueRegs::one(self.float_select(ty, c, x.lo(), y.lo()));
        }
        let lo = self.select_reg(c, x.lo(), y.lo());
        if ty.bits() == 128 {
            let hi = self.select_reg(c, x.hi(), y.hi());
            return ValueRegs::two(lo, hi);
        }
        ValueRegs::one(lo)
    }

    /// The comparison as a value: 1 when it holds, else 0.
    pub(super) fn icmp(&mut self, cc: IntCC, ty: Type, x: ValueRegs, y: ValueRegs) -> Reg {
        if ty.bits() == 128 {
            return self.i128_cmp(cc, x, y);
        }
        if !self.check_int(ty) {
            return x.lo();
        }
        let signed = is_signed(cc);
        let (a, b) = (self.ext_ty(signed, ty, x.lo()), self.ext_ty(signed, ty, y.lo()));
        self.cmp_value(cc, a, b)
    }

    /// `cc` on two 64-bit registers, as 0 or 1.
    pub(super) fn cmp_value(&mut self, cc: IntCC, a: Reg, b: Reg) -> Reg {
        match cc {
            IntCC::Equal => {
                let d = self.alu(AluOp::Xor, a, b);
                self.seqz(d)
            }
            IntCC::NotEqual => {
                let d = self.alu(AluOp::Xor, a, b);
                self.snez(d)
            }
            IntCC::SignedLessThan => self.alu(AluOp::Slt, a, b),
            IntCC::SignedGreaterThan => self.alu(AluOp::Slt, b, a),
            IntCC::UnsignedLessThan => self.alu(AluOp::Sltu, a, b),
            IntCC::UnsignedGreaterThan => self.alu(AluOp::Sltu, b, a),
            IntCC::SignedGreaterThanOrEqual => {
                let t = self.alu(AluOp::Slt, a, b);
                self.alu_imm(ImmOp::Xori, t, 1)
            }
            IntCC::SignedLessThanOrEqual => {
                let t = self.alu(AluOp::Slt, b, a);
                self.alu_imm(ImmOp::Xori, t, 1)
            }
            IntCC::UnsignedGreaterThanOrEqual => {
                let t = self.alu(AluOp::Sltu, a, b);
                self.alu_imm(ImmOp::Xori, t, 1)
            }
            IntCC::UnsignedLessThanOrEqual => {
                let t = self.alu(AluOp::Sltu, b, a);
                self.alu_imm(ImmOp::Xori, t, 1)
            }
        }
    }

    /// The comparison as the operands of a conditional branch.
    pub(super) fn cmp_branch(&mut self, ty: Type, cc: IntCC, a: Reg, b: Reg) -> CondBrKind {
        let signed = is_signed(cc);
        let (a, b) = (self.ext_ty(signed, ty, a), self.ext_ty(signed, ty, b));
        let (op, rs1, rs2) = match cc {
            IntCC::Equal => (BranchOp::Beq, a, b),
            IntCC::NotEqual => (BranchOp::Bne, a, b),
            IntCC::SignedLessThan => (BranchOp::Blt, a, b),
            IntCC::SignedGreaterThanOrEqual => (BranchOp::Bge, a, b),
            IntCC::SignedGreaterThan => (BranchOp::Blt, b, a),
            IntCC::SignedLessThanOrEqual => (BranchOp::Bge, b, a),
            IntCC::UnsignedLessThan => (BranchOp::Bltu, a, b),
            IntCC::UnsignedGreaterThanOrEqual => (BranchOp::Bgeu, a, b),
            IntCC::UnsignedGreaterThan => (BranchOp::Bltu, b, a),
            IntCC::UnsignedLessThanOrEqual => (BranchOp::Bgeu, b, a),
        };
        CondBrKind { op, rs1, rs2 }
    }

    /// The two-result overflow family (with a carry or borrow in `c` for the `_cin`/`_bin`
    /// forms): narrow values exactly in 64 bits, overflowing when extending the result's
    /// low bits changes it; 64-bit values by comparisons.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn overflow(
        &mut self,
        op: Opcode,
        ty: Type,
        a: Value,
        b: Value,
        c: Option<Value>,
        r0: Value,
        r1: Value,
    ) {
        if ty.bits() == 128 {
            return self.i128_overflow(op, a, b, c, r0, r1);
        }
        if !self.check_int(ty) {
            return;
        }
        let (x, y) = (self.put_in_reg_checked(a), self.put_in_reg_checked(b));
        let cin = c.map(|c| {
            let r = self.put_in_reg_checked(c);
            let z = self.ext(false, 8, r);
            self.snez(z)
        });
        let bits = ty.bits();
        let signed = matches!(
            op,
            Opcode::SaddOverflow
                | Opcode::SsubOverflow
                | Opcode::SmulOverflow
                | Opcode::SaddOverflowCin
                | Opcode::SsubOverflowBin
        );
        let kind = match op {
            Opcode::UaddOverflow | Opcode::SaddOverflow | Opcode::UaddOverflowCin | Opcode::SaddOverflowCin => 0,
            Opcode::UsubOverflow | Opcode::SsubOverflow | Opcode::UsubOverflowBin | Opcode::SsubOverflowBin => 1,
            Opcode::UmulOverflow | Opcode::SmulOverflow => 2,
            _ => {
                self.unsupported(format!("`{op}` on riscv64"));
                return;
            }
        };
        let (value, flag) = if bits < 64 {
            let (xe, ye) = (self.ext(signed, bits, x), self.ext(signed, bits, y));
            let mut r = match kind {
                0 => self.alu(AluOp::Add, xe, ye),
                1 => self.alu(AluOp::Sub, xe, ye),
                _ => self.alu(AluOp::Mul, xe, ye),
            };
            if let Some(ci) = cin {
                r = self.alu(if kind == 0 { AluOp::Add } else { AluOp::Sub }, r, ci);
            }
            let back = self.ext(signed, bits, r);
            let d = self.alu(AluOp::Xor, back, r);
            (r, self.snez(d))
        } else {
            match (kind, signed) {
                (0, false) => {
                    let s = self.alu(AluOp::Add, x, y);
                    let c1 = self.alu(AluOp::Sltu, s, x);
                    match cin {
                        None => (s, c1),
                        Some(ci) => {
                            let s2 = self.alu(AluOp::Add, s, ci);
                            let c2 = self.alu(AluOp::Sltu, s2, s);
                            (s2, self.alu(AluOp::Or, c1, c2))
                        }
                    }
                }
                (1, false) => {
                    let d = self.alu(AluOp::Sub, x, y);
                    let b1 = self.alu(AluOp::Sltu, x, y);
                    match cin {
                        None => (d, b1),
                        Some(ci) => {
                            let d2 = self.alu(AluOp::Sub, d, ci);
                            let b2 = self.alu(AluOp::Sltu, d, ci);
                            (d2, self.alu(AluOp::Or, b1, b2))
                        }
                    }
                }
                (0 | 1, true) => {
                    let add = kind == 0;
                    let mut r = self.alu(if add { AluOp::Add } else { AluOp::Sub }, x, y);
                    if let Some(ci) = cin {
                        r = self.alu(if add { AluOp::Add } else { AluOp::Sub }, r, ci);
                    }
                    (r, self.signed_overflow64(add, x, y, r))
                }
                (_, false) => {
                    let r = self.alu(AluOp::Mul, x, y);
                    let hi = self.alu(AluOp::Mulhu, x, y);
                    (r, self.snez(hi))
                }
                (_, true) => {
                    let r = self.alu(AluOp::Mul, x, y);
                    let hi = self.alu(AluOp::Mulh, x, y);
                    let s = self.shift_imm(ShiftOp::Srai, r, 63);
                    let d = self.alu(AluOp::Xor, hi, s);
                    (r, self.snez(d))
                }
            }
        };
        self.lower.set_output(r0, value);
        self.lower.set_output(r1, flag);
    }

    pub(super) fn put_in_reg_checked(&mut self, v: Value) -> Reg {
        <Self as super::isle::Context>::put_in_reg(self, v)
    }

    /// `uadd_overflow_trap`: the sum, trapping with `code` on unsigned overflow.
    pub(super) fn add_trap(&mut self, v: Value, a: Value, b: Value, code: TrapCode) {
        let ty = self.lower.value_type(v);
        if !self.check_int(ty) {
            return;
        }
        let (x, y) = (self.put_in_reg_checked(a), self.put_in_reg_checked(b));
        let bits = ty.bits();
        let s = if bits < 64 {
            let (xe, ye) = (self.ext(false, bits, x), self.ext(false, bits, y));
            let s = self.alu(AluOp::Add, xe, ye);
            let hi = self.shift_imm(ShiftOp::Srli, s, bits as u8);
            self.trap_if_nonzero(hi, code);
            s
        } else {
            let s = self.alu(AluOp::Add, x, y);
            self.trap_if(CondBrKind { op: BranchOp::Bltu, rs1: s, rs2: x }, code);
            s
        };
        self.lower.set_output(v, s);
    }

    /// `func_addr`, `symbol_value`, `get_stack_pointer`, `get_frame_pointer`.
    pub(super) fn addr_of(&mut self, inst: crate::ir::Inst) {
        use crate::ir::InstructionData;
        let f = self.lower.f;
        let result = f.dfg.first_result(inst);
        if let InstructionData::Nullary { opcode: op @ (Opcode::GetStackPointer | Opcode::GetFramePointer) } =
            f.dfg.insts[inst]
        {
            let rd = self.tmp();
            let src = if op == Opcode::GetStackPointer { regs::sp() } else { regs::fp() };
            self.emit(MInst::mv(rd, src));
            self.lower.set_output(result, rd);
            return;
        }
        let Some((name, offset, colocated)) = self.symbol_ref(inst, "riscv64") else { return };
        if self.backend.is_pic && !colocated {
            // The GOT slot holds the symbol's own address; the offset is added after.
            let got = self.tmp();
            self.emit(MInst::LoadGotAddr { rd: got, name });
            let rd = match offset {
                0 => got,
                k if crate::isa::riscv64::inst::imms::fits_simm12(k) => self.alu_imm(ImmOp::Addi, got, k as i16),
                k => {
                    let c = self.konst(k as u64);
                    self.alu(AluOp::Add, got, c)
                }
            };
            self.lower.set_output(result, rd);
            return;
        }
        let rd = self.tmp();
        self.emit(MInst::LoadAddr { rd, name, offset });
        self.lower.set_output(result, rd);
    }
}
