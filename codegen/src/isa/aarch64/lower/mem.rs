//! Loads and stores (with the big-endian forms: a byte reversal after the load or before
//! the store), and atomics: `ldar`/`stlr` for loads and stores, LSE instructions for
//! read-modify-write and compare-and-swap when the target has `has_lse`, else (and for
//! `nand` and big-endian memory) load-exclusive/store-exclusive loops
//! (`Inst::AtomicRmwLoop`, `Inst::AtomicCasLoop`).

use super::isle::{Context as _, Ext};
use super::{RuleCtx, size_of};
use crate::ir::{AtomicRmwOp, Endianness, MemFlags, Type, Value, types};
use crate::isa::aarch64::inst::Inst as MInst;
use crate::isa::aarch64::inst::args::{AMode, AluOp, BitOp, LoadOp, LseOp, MemSize, OperandSize, Ordering, StoreOp};
use crate::isa::aarch64::regs;
use crate::machinst::Reg;

fn is_big(flags: MemFlags) -> bool {
    flags.explicit_endianness() == Some(Endianness::Big)
}

fn mem_size(bits: u32) -> MemSize {
    match bits {
        8 => MemSize::B8,
        16 => MemSize::B16,
        32 => MemSize::B32,
        _ => MemSize::B64,
    }
}

impl RuleCtx<'_, '_> {
    /// The low `bits` of `x` with their bytes reversed (zero above them when `bits` is
    /// 16 and `x` was zero-extended).
    fn byte_swap(&mut self, bits: u32, x: Reg) -> Reg {
        let (op, size) = match bits {
            8 => return x,
            16 => (BitOp::Rev16, OperandSize::S32),
            32 => (BitOp::Rev, OperandSize::S32),
            _ => (BitOp::Rev, OperandSize::S64),
        };
        let rd = self.tmp();
        self.emit(MInst::BitRR { op, size, rd, rn: x });
        rd
    }

    pub(super) fn load_impl(&mut self, ty: Type, bits: u32, ext: Ext, flags: MemFlags, mem: AMode) -> Reg {
        let trap = Self::trap_code(flags);
        if ty.is_float() {
            if is_big(flags) {
                let raw = self.load_impl(Type::int_with_bits(bits).unwrap_or(types::I64), bits, Ext::Zero, flags, mem);
                let rd = self.ftmp();
                self.emit(MInst::MovToFpu { size: size_of(ty), rd, rn: raw });
                return rd;
            }
            let rd = self.ftmp();
            let op = if bits == 32 { LoadOp::LdrS } else { LoadOp::LdrD };
            self.emit(MInst::Load { op, rt: rd, mem, trap });
            return rd;
        }
        let big = is_big(flags);
        let signed = ext == Ext::Sign && bits < ty.bits() && !big;
        let wide = ty.bits() == 64;
        let op = match (bits, signed, wide) {
            (8, false, _) => LoadOp::Ldrb,
            (8, true, false) => LoadOp::LdrsbW,
            (8, true, true) => LoadOp::LdrsbX,
            (16, false, _) => LoadOp::Ldrh,
            (16, true, false) => LoadOp::LdrshW,
            (16, true, true) => LoadOp::LdrshX,
            (32, false, _) => LoadOp::LdrW,
            (32, true, _) => LoadOp::Ldrsw,
            _ => LoadOp::LdrX,
        };
        let rd = self.tmp();
        self.emit(MInst::Load { op, rt: rd, mem, trap });
        if !big {
            return rd;
        }
        let swapped = self.byte_swap(bits, rd);
        if ext == Ext::Sign && bits < ty.bits() { self.extend(true, bits, size_of(ty), swapped) } else { swapped }
    }

    pub(super) fn store_impl(&mut self, ty: Type, bits: u32, flags: MemFlags, x: Reg, mem: AMode) {
        let trap = Self::trap_code(flags);
        let big = is_big(flags);
        if ty.is_float() && !big {
            let op = if bits == 32 { StoreOp::StrS } else { StoreOp::StrD };
            self.emit(MInst::Store { op, rt: x, mem, trap });
            return;
        }
        let x = if ty.is_float() {
            let rd = self.tmp();
            self.emit(MInst::MovFromFpu { size: size_of(ty), rd, rn: x });
            rd
        } else {
            x
        };
        let x = if big { self.byte_swap(bits, x) } else { x };
        let op = match bits {
            8 => StoreOp::Strb,
            16 => StoreOp::Strh,
            32 => StoreOp::StrW,
            _ => StoreOp::StrX,
        };
        self.emit(MInst::Store { op, rt: x, mem, trap });
    }

    /// Whether an atomic access of `ty` can be lowered; records why not.
    fn atomic_ok(&mut self, ty: Type) -> bool {
        if !(ty.is_int_scalar() && ty.bits() <= 64) {
            self.unsupported(format!("atomic accesses of `{ty}` on aarch64"));
            return false;
        }
        true
    }

    pub(super) fn atomic_load(&mut self, v: Value, flags: MemFlags, addr: Value) {
        let ty = self.lower.value_type(v);
        if !self.atomic_ok(ty) {
            return;
        }
        let rn = self.put_in_reg(addr);
        let rd = self.tmp();
        self.emit(MInst::LoadAcquire { size: mem_size(ty.bits()), rt: rd, rn });
        let rd = if is_big(flags) { self.byte_swap(ty.bits(), rd) } else { rd };
        self.lower.set_output(v, rd);
    }

    pub(super) fn atomic_store(&mut self, flags: MemFlags, x: Value, addr: Value) {
        let ty = self.lower.value_type(x);
        if !self.atomic_ok(ty) {
            return;
        }
        let (rt, rn) = (self.put_in_reg(x), self.put_in_reg(addr));
        let rt = if is_big(flags) { self.byte_swap(ty.bits(), rt) } else { rt };
        self.emit(MInst::StoreRelease { size: mem_size(ty.bits()), rt, rn });
    }

    pub(super) fn atomic_rmw(&mut self, v: Value, flags: MemFlags, op: AtomicRmwOp, addr: Value, x: Value) {
        let ty = self.lower.value_type(v);
        if !self.atomic_ok(ty) {
            return;
        }
        let (rn, x) = (self.put_in_reg(addr), self.put_in_reg(x));
        let size = size_of(ty);
        let big = is_big(flags);
        let lse = match op {
            _ if big || !self.backend.isa_flags.has_lse => None,
            AtomicRmwOp::Add => Some((LseOp::Add, x)),
            AtomicRmwOp::Sub => Some((LseOp::Add, self.alu(size, AluOp::Sub, regs::zr(), x))),
            // ldclr clears the bits set in its operand: and with x is clear with !x.
            AtomicRmwOp::And => Some((LseOp::Clr, self.alu(size, AluOp::Orn, regs::zr(), x))),
            AtomicRmwOp::Or => Some((LseOp::Set, x)),
            AtomicRmwOp::Xor => Some((LseOp::Eor, x)),
            AtomicRmwOp::Xchg => Some((LseOp::Swp, x)),
            AtomicRmwOp::Smin => Some((LseOp::Smin, x)),
            AtomicRmwOp::Smax => Some((LseOp::Smax, x)),
            AtomicRmwOp::Umin => Some((LseOp::Umin, x)),
            AtomicRmwOp::Umax => Some((LseOp::Umax, x)),
            AtomicRmwOp::Nand => None,
        };
        let rt = self.tmp();
        if let Some((lse, rs)) = lse {
            self.emit(MInst::AtomicRmw { op: lse, size: mem_size(ty.bits()), order: Ordering::AcqRel, rs, rt, rn });
            self.lower.set_output(v, rt);
            return;
        }
        // The loop compares the extended values of narrow min/max.
        let rs = match op {
            AtomicRmwOp::Smin | AtomicRmwOp::Smax => self.ext_reg(true, ty, x),
            AtomicRmwOp::Umin | AtomicRmwOp::Umax => self.ext_reg(false, ty, x),
            _ => x,
        };
        self.emit(MInst::AtomicRmwLoop { op, size: mem_size(ty.bits()), big, rn, rs, rt });
        let old = if big { self.byte_swap(ty.bits(), rt) } else { rt };
        self.lower.set_output(v, old);
    }

    pub(super) fn atomic_cas(&mut self, v: Value, flags: MemFlags, addr: Value, e: Value, r: Value) {
        let ty = self.lower.value_type(v);
        if !self.atomic_ok(ty) {
            return;
        }
        let (rn, rs, rt) = (self.put_in_reg(addr), self.put_in_reg(e), self.put_in_reg(r));
        let big = is_big(flags);
        let size = mem_size(ty.bits());
        let rd = self.tmp();
        if self.backend.isa_flags.has_lse && !big {
            // `cas` compares the access's low bits only: no extension needed.
            self.emit(MInst::Cas { size, order: Ordering::AcqRel, rd, rs, rt, rn });
            self.lower.set_output(v, rd);
            return;
        }
        let expected = self.ext_reg(false, ty, rs);
        let replacement = if big { self.byte_swap(ty.bits(), rt) } else { rt };
        self.emit(MInst::AtomicCasLoop { size, big, rn, expected, replacement, rt: rd });
        let old = if big { self.byte_swap(ty.bits(), rd) } else { rd };
        self.lower.set_output(v, old);
    }
}
