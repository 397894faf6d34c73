//! Loads, stores, stack slots, addresses of globals and functions, and atomics (docs/ir.md,
//! "Memory" and "Atomics").
//!
//! Every access goes through [`Memory`](crate::memory::Memory), which accepts only bytes
//! inside one live stack slot; anything else traps with the access's trap code.

use super::{Ctx, Flow, bad_shape};
use crate::error::{Ex, Halt, invalid, unsupported};
use crate::memory::{FUNC_BASE, FUNC_STRIDE};
use crate::value::{mask, sext};
use lathe_codegen::entity::EntityRef;
use lathe_codegen::ir::{
    ArgumentPurpose, AtomicRmwOp, Endianness, GlobalValue, GlobalValueData, Inst, InstructionData as D, MemFlags,
    Opcode, StackSlot, TrapCode, Type, types,
};

/// How deep `global_value` definitions may nest before they count as a cycle.
const MAX_GLOBAL_DEPTH: usize = 64;

/// The effective address `p + offset`: `p` zero-extended, the offset sign-extended,
/// wrapping in 64 bits.
pub(super) fn effective(p: u128, offset: i32) -> u64 {
    (p as u64).wrapping_add(offset as i64 as u64)
}

/// The lane width in bytes a byte-order swap works on for a value of type `ty`.
fn lane_bytes(ty: Type) -> usize {
    (ty.lane_bits() / 8).max(1) as usize
}

/// Whether an access with these flags is big-endian.
fn is_big(flags: MemFlags) -> bool {
    flags.explicit_endianness() == Some(Endianness::Big)
}

impl Ctx<'_, '_> {
    /// Reads `size` bytes at `addr` as bits (lanes of `lane` bytes in the flags' order).
    pub(super) fn load_bits(&self, addr: u64, size: usize, lane: usize, flags: MemFlags) -> Ex<u128> {
        let mut buf = [0u8; 16];
        let Some(bytes) = buf.get_mut(..size) else {
            return invalid(format!("a {size}-byte access"));
        };
        if !self.mem.read(addr, bytes) {
            return Err(Halt::Trap(flags.trap_code().unwrap_or(TrapCode::HeapOutOfBounds)));
        }
        if is_big(flags) {
            for chunk in bytes.chunks_mut(lane) {
                chunk.reverse();
            }
        }
        Ok(u128::from_le_bytes(buf))
    }

    /// Writes the low `size` bytes of `bits` at `addr`.
    fn store_bits(&mut self, addr: u64, bits: u128, size: usize, lane: usize, flags: MemFlags) -> Ex<()> {
        let mut buf = bits.to_le_bytes();
        let Some(bytes) = buf.get_mut(..size) else {
            return invalid(format!("a {size}-byte access"));
        };
        if is_big(flags) {
            for chunk in bytes.chunks_mut(lane) {
                chunk.reverse();
            }
        }
        if !self.mem.write(addr, bytes) {
            return Err(Halt::Trap(flags.trap_code().unwrap_or(TrapCode::HeapOutOfBounds)));
        }
        Ok(())
    }

    /// The address of a stack slot of the running frame.
    fn slot_addr(&self, slot: StackSlot) -> Ex<u64> {
        match self.frame.slot_addrs.get(slot.index()) {
            Some(&a) => Ok(a),
            None => invalid(format!("{slot} is not declared")),
        }
    }

    /// The address of function `name` of the store.
    pub(super) fn function_address(&self, name: &str) -> Option<u64> {
        self.store.index_of(name).map(|i| FUNC_BASE + FUNC_STRIDE * i as u64)
    }

    /// Traps `stk_ovf` when the running frame's stack pointer (the value
    /// `get_stack_pointer` gives) is below the function's `stack_limit`, the comparison
    /// the backends make after their prologue (`lathe_codegen::legalize`).
    pub(crate) fn check_stack_limit(&self) -> Ex<()> {
        let Some(gv) = self.frame.func.stack_limit else { return Ok(()) };
        let limit = self.global_value(gv, types::I64, 0)?;
        if u128::from(self.frame.mem.end) < limit {
            return Err(Halt::Trap(lathe_codegen::ir::TrapCode::StackOverflow));
        }
        Ok(())
    }

    /// The value of a global value, as bits of type `ty`.
    fn global_value(&self, gv: GlobalValue, ty: Type, depth: usize) -> Ex<u128> {
        let func = self.frame.func;
        if depth > MAX_GLOBAL_DEPTH {
            return invalid(format!("{gv} is defined in terms of itself"));
        }
        let Some(data) = func.global_values.get(gv) else {
            return invalid(format!("{gv} is not declared"));
        };
        match data {
            GlobalValueData::VMContext => {
                let Some(i) = func.signature.params.iter().position(|p| p.purpose == ArgumentPurpose::VMContext) else {
                    return invalid(format!("{gv} is `vmctx` but the function has no `vmctx` parameter"));
                };
                let param = func
                    .entry_block()
                    .filter(|&b| func.dfg.block_is_valid(b))
                    .and_then(|b| func.dfg.block_params(b).get(i).copied());
                match param {
                    Some(v) => Ok(self.arg(v)?.bits & mask(ty.bits())),
                    None => invalid("the entry block lacks the `vmctx` parameter"),
                }
            }
            GlobalValueData::Load { base, offset, global_type, flags } => {
                let addr = self.global_value(*base, types::I64, depth + 1)?;
                let gt = *global_type;
                if gt.is_vector() || gt.is_invalid() {
                    return invalid(format!("{gv} loads type {gt}"));
                }
                let bits = self.load_bits(effective(addr, offset.0), gt.bytes() as usize, lane_bytes(gt), *flags)?;
                Ok(bits & mask(ty.bits()))
            }
            GlobalValueData::IAddImm { base, offset, global_type } => {
                let b = self.global_value(*base, *global_type, depth + 1)?;
                Ok(b.wrapping_add(offset.0 as i128 as u128) & mask(ty.bits()))
            }
            GlobalValueData::Symbol { name, offset, .. } => {
                let key = crate::store::name_key(name);
                match self.function_address(&key) {
                    Some(a) => Ok(u128::from(a).wrapping_add(offset.0 as i128 as u128) & mask(ty.bits())),
                    None => unsupported(
                        Opcode::SymbolValue,
                        format!("symbol `{name}` is not a function of the interpreter's store"),
                    ),
                }
            }
        }
    }
}

/// The access width in bytes of a load or store opcode on a value of type `ty`.
fn access_bytes(op: Opcode, ty: Type) -> usize {
    use Opcode::*;
    match op {
        Uload8 | Sload8 | Istore8 => 1,
        Uload16 | Sload16 | Istore16 => 2,
        Uload32 | Sload32 | Istore32 => 4,
        _ => ty.bytes() as usize,
    }
}

fn rmw(op: AtomicRmwOp, n: u32, old: u128, x: u128) -> u128 {
    let (so, sx) = (sext(old, n), sext(x, n));
    match op {
        AtomicRmwOp::Add => old.wrapping_add(x),
        AtomicRmwOp::Sub => old.wrapping_sub(x),
        AtomicRmwOp::And => old & x,
        AtomicRmwOp::Nand => !(old & x),
        AtomicRmwOp::Or => old | x,
        AtomicRmwOp::Xor => old ^ x,
        AtomicRmwOp::Xchg => x,
        AtomicRmwOp::Umin => old.min(x),
        AtomicRmwOp::Umax => old.max(x),
        AtomicRmwOp::Smin => so.min(sx) as u128,
        AtomicRmwOp::Smax => so.max(sx) as u128,
    }
}

/// Executes a memory instruction.
pub(super) fn exec(ctx: &mut Ctx<'_, '_>, inst: Inst, data: &D, op: Opcode, ctrl: Type) -> Ex<Flow> {
    use Opcode::*;
    match *data {
        D::Load { flags, arg, offset, .. } => {
            let addr = effective(ctx.arg(arg)?.bits, offset.0);
            let size = access_bytes(op, ctrl);
            if size * 8 > ctrl.bits() as usize {
                return invalid(format!("`{op}` cannot produce the narrower type {ctrl}"));
            }
            let bits = ctx.load_bits(addr, size, lane_bytes(ctrl).min(size), flags)?;
            let r = match op {
                Sload8 | Sload16 | Sload32 => sext(bits, size as u32 * 8) as u128,
                _ => bits,
            };
            ctx.result1(inst, r)
        }
        D::Store { flags, args: [x, p], offset, .. } => {
            let x = ctx.arg(x)?;
            let addr = effective(ctx.arg(p)?.bits, offset.0);
            let size = access_bytes(op, x.ty);
            if size * 8 > x.ty.bits() as usize {
                return invalid(format!("`{op}` of the narrower type {}", x.ty));
            }
            ctx.store_bits(addr, x.bits, size, lane_bytes(x.ty).min(size), flags)?;
            Ok(Flow::Next)
        }
        D::StackLoad { stack_slot, offset, .. } if op == StackAddr => {
            let a = ctx.slot_addr(stack_slot)?;
            ctx.result1(inst, u128::from(effective(u128::from(a), offset.0)))
        }
        D::StackLoad { stack_slot, offset, .. } => {
            let addr = effective(u128::from(ctx.slot_addr(stack_slot)?), offset.0);
            let bits = ctx.load_bits(addr, ctrl.bytes() as usize, lane_bytes(ctrl), MemFlags::new())?;
            ctx.result1(inst, bits)
        }
        D::StackStore { arg, stack_slot, offset, .. } => {
            let x = ctx.arg(arg)?;
            let addr = effective(u128::from(ctx.slot_addr(stack_slot)?), offset.0);
            ctx.store_bits(addr, x.bits, x.ty.bytes() as usize, lane_bytes(x.ty), MemFlags::new())?;
            Ok(Flow::Next)
        }
        D::UnaryGlobalValue { opcode: Opcode::TlsValue, global_value } => {
            let Some(GlobalValueData::Symbol { name, offset, tls: true, .. }) =
                ctx.frame.func.global_values.get(global_value)
            else {
                return invalid(format!("`tls_value` of {global_value}, which is not a thread-local symbol"));
            };
            let offset = offset.0 as u64;
            let Some(base) = ctx.mem.thread_local(&crate::store::name_key(name)) else {
                return unsupported(op, "more than 1024 thread-local symbols");
            };
            ctx.result1(inst, u128::from(base.wrapping_add(offset)) & mask(ctrl.bits()))
        }
        D::UnaryGlobalValue { global_value, .. } => {
            let bits = ctx.global_value(global_value, ctrl, 0)?;
            ctx.result1(inst, bits)
        }
        D::FuncAddr { func_ref, .. } => {
            let Some(ext) = ctx.frame.func.dfg.ext_funcs.get(func_ref) else {
                return invalid(format!("{func_ref} is not declared"));
            };
            let key = crate::store::name_key(&ext.name);
            match ctx.function_address(&key) {
                Some(a) => ctx.result1(inst, u128::from(a)),
                None => Err(Halt::Error(crate::InterpreterError::UnknownFunction(key))),
            }
        }
        D::AtomicRmw { flags, op: rmw_op, args: [p, x], .. } => {
            let addr = ctx.arg(p)?.bits as u64;
            let x = ctx.arg(x)?.bits;
            let size = ctrl.bytes() as usize;
            let old = ctx.load_bits(addr, size, size, flags)?;
            ctx.store_bits(addr, rmw(rmw_op, ctrl.bits(), old, x), size, size, flags)?;
            ctx.result1(inst, old)
        }
        D::AtomicCas { flags, args: [p, expected, replacement], .. } => {
            let addr = ctx.arg(p)?.bits as u64;
            let (e, r) = (ctx.arg(expected)?.bits, ctx.arg(replacement)?.bits);
            let size = ctrl.bytes() as usize;
            let old = ctx.load_bits(addr, size, size, flags)?;
            if old == e {
                ctx.store_bits(addr, r, size, size, flags)?;
            }
            ctx.result1(inst, old)
        }
        D::LoadNoOffset { flags, arg, .. } if op == AtomicLoad => {
            let addr = ctx.arg(arg)?.bits as u64;
            let size = ctrl.bytes() as usize;
            let bits = ctx.load_bits(addr, size, size, flags)?;
            ctx.result1(inst, bits)
        }
        D::StoreNoOffset { flags, args: [x, p], .. } if op == AtomicStore => {
            let x = ctx.arg(x)?;
            let addr = ctx.arg(p)?.bits as u64;
            let size = x.ty.bytes() as usize;
            ctx.store_bits(addr, x.bits, size, size, flags)?;
            Ok(Flow::Next)
        }
        D::Nullary { .. } if op == Fence => Ok(Flow::Next),
        _ => bad_shape(op),
    }
}
