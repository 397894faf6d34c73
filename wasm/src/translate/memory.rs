//! Linear memory: loads, stores, `memory.size`, `memory.grow` and bulk memory, for every
//! memory index (multi-memory) and for 32- and 64-bit memories (memory64).
//!
//! An access computes `base + zext(index)` and puts the static offset in the load's
//! immediate when it fits an `i32` (else adds it). With [`BoundsChecks::GuardPages`] a
//! 32-bit memory has no check: the runtime reserves 8 GiB plus a guard after the base, so
//! every address a 32-bit index and a 32-bit offset can form lies in accessible memory or
//! faults, and the fault is a `heap_oob` trap. With [`BoundsChecks::Explicit`] the end of
//! the access is compared with the current length first (`trapnz`), and, unless the
//! setting `enable_heap_access_spectre_mitigation` is off, the address is then computed
//! with `select_spectre_guard` so that it is null when the check fails: a mispredicted
//! check cannot make the access reach outside the memory (docs/security.md). A 64-bit
//! memory's index and offset can reach anywhere, so its accesses are always checked that
//! way, whatever the setting, with the end computed under an overflow flag that counts as
//! out of bounds.
//!
//! A base never changes (memory is reserved at its maximum): memory 0's `VmMemory` and
//! base are loaded once per function, another memory's from the vmctx's memory array at
//! each access; the length is reloaded each time.

use super::{BoundsChecks, FuncTranslator, RuntimeCall};
use crate::{WasmError, WasmTrap};
use lathe_codegen::ir::{Endianness, InstBuilder, IntCC, MemFlags, Type, Value, types};
use wasmparser::{MemArg, MemArgTarget, Operator};

/// The flags of a Wasm memory access: may trap, with the out-of-bounds code, and
/// little-endian on every target (Wasm's memory is; on a big-endian ISA such as s390x
/// the backend uses byte-reversing accesses, on the others the flag changes nothing).
pub(crate) fn heap_flags() -> MemFlags {
    MemFlags::new().with_trap_code(Some(WasmTrap::MemoryOutOfBounds.code())).with_endianness(Endianness::Little)
}

/// The memory an access reads or writes.
fn memory_index(memarg: &MemArg) -> u32 {
    match memarg.target {
        MemArgTarget::Memory(m) => m,
        MemArgTarget::Array(_) => unreachable!("validated: GC array accesses need the GC proposal, not enabled"),
    }
}

impl FuncTranslator<'_> {
    /// Whether memory `mem` has 64-bit indices.
    pub(crate) fn is_memory64(&self, mem: u32) -> bool {
        self.module.memories[mem as usize].memory64
    }

    /// The `VmMemory` pointer of memory `mem`.
    fn vm_memory_of(&mut self, mem: u32) -> Value {
        if mem == 0 {
            return self.vm_memory.expect("validated: the module has a memory");
        }
        let flags = super::trusted().with_readonly();
        let array = self.b.ins().load(types::I64, flags, self.vmctx, crate::vmctx::CTX_MEMORIES);
        self.b.ins().load(types::I64, flags, array, (mem * 8) as i32)
    }

    /// The base address of memory `mem` (it never moves).
    fn memory_base(&mut self, mem: u32) -> Value {
        if mem == 0 {
            return self.mem_base.expect("validated: the module has a memory");
        }
        let vm = self.vm_memory_of(mem);
        self.b.ins().load(types::I64, super::trusted().with_readonly(), vm, crate::vmctx::MEM_BASE)
    }

    /// The current length of memory `mem` in bytes, as an `i64`.
    fn memory_len(&mut self, mem: u32) -> Value {
        let vm = self.vm_memory_of(mem);
        self.b.ins().load(types::I64, super::trusted(), vm, crate::vmctx::MEM_LEN)
    }

    /// `v` as an `i64` (a 32-bit memory's index or length zero-extended).
    pub(crate) fn widen_to_i64(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == types::I64 { v } else { self.b.ins().uextend(types::I64, v) }
    }

    /// The address and immediate offset of an access of `size` bytes.
    pub(crate) fn address(&mut self, index: Value, memarg: &MemArg, size: u32) -> (Value, i32) {
        let mem = memory_index(memarg);
        let base = self.memory_base(mem);
        let idx = self.widen_to_i64(index);
        if self.is_memory64(mem) {
            return self.address64(base, idx, memarg, size);
        }
        if self.checks == BoundsChecks::Explicit {
            let len = self.memory_len(mem);
            let end = self.b.ins().iadd_imm(idx, (memarg.offset + size as u64) as i64);
            let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
            self.b.ins().trapnz(oob, WasmTrap::MemoryOutOfBounds.code());
            if self.spectre_heap {
                // The whole effective address goes through the guard, offset included, so
                // a guarded access touches address 0 (never mapped) rather than `offset`,
                // which could be host memory.
                let addr = self.b.ins().iadd(base, idx);
                let addr = if memarg.offset == 0 { addr } else { self.b.ins().iadd_imm(addr, memarg.offset as i64) };
                return (self.spectre_guard(oob, addr), 0);
            }
        }
        let addr = self.b.ins().iadd(base, idx);
        match i32::try_from(memarg.offset) {
            Ok(off) => (addr, off),
            Err(_) => (self.b.ins().iadd_imm(addr, memarg.offset as i64), 0),
        }
    }

    /// The address of an access of `size` bytes to a 64-bit memory, always checked: the
    /// end `index + offset + size` may wrap, and a wrap counts as out of bounds (in the
    /// Spectre guard's condition too). The address carries the whole offset.
    fn address64(&mut self, base: Value, idx: Value, memarg: &MemArg, size: u32) -> (Value, i32) {
        use types::{I8, I64};
        let len = self.memory_len(memory_index(memarg));
        let oob = match memarg.offset.checked_add(size as u64) {
            Some(reach) => {
                let reach = self.b.ins().iconst(I64, reach as i64);
                let (end, wrapped) = self.b.ins().uadd_overflow(idx, reach);
                let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
                self.b.ins().bor(past, wrapped)
            }
            // No index makes this access fit.
            None => self.b.ins().iconst(I8, 1),
        };
        self.b.ins().trapnz(oob, WasmTrap::MemoryOutOfBounds.code());
        let addr = self.b.ins().iadd(base, idx);
        let addr = if memarg.offset == 0 { addr } else { self.b.ins().iadd_imm(addr, memarg.offset as i64) };
        if self.spectre_heap { (self.spectre_guard(oob, addr), 0) } else { (addr, 0) }
    }

    fn load(&mut self, memarg: &MemArg, size: u32, f: impl FnOnce(&mut Self, MemFlags, Value, i32) -> Value) {
        let index = self.pop();
        let (addr, off) = self.address(index, memarg, size);
        let v = f(self, heap_flags(), addr, off);
        self.push(v);
    }

    fn store(&mut self, memarg: &MemArg, size: u32, f: impl FnOnce(&mut Self, MemFlags, Value, Value, i32)) {
        let (index, value) = self.pop2();
        let (addr, off) = self.address(index, memarg, size);
        f(self, heap_flags(), value, addr, off);
    }

    fn trap_if_status(&mut self, status: Option<Value>, trap: WasmTrap) {
        let status = status.expect("the runtime call returns a status");
        self.b.ins().trapnz(status, trap.code());
    }

    /// Handles memory operators; false if `op` is not one.
    pub(crate) fn memory(&mut self, op: &Operator<'_>) -> Result<bool, WasmError> {
        use types::{F32, F64, I32, I64};
        macro_rules! ld {
            ($m:ident, $ty:expr, $size:expr, $memarg:expr) => {
                self.load($memarg, $size, |t, fl, a, o| t.b.ins().$m($ty, fl, a, o))
            };
        }
        macro_rules! st {
            ($m:ident, $size:expr, $memarg:expr) => {
                self.store($memarg, $size, |t, fl, v, a, o| {
                    t.b.ins().$m(fl, v, a, o);
                })
            };
        }
        let plain: fn(Type) -> Type = |t| t;
        match op {
            Operator::I32Load { memarg } => ld!(load, plain(I32), 4, memarg),
            Operator::I64Load { memarg } => ld!(load, plain(I64), 8, memarg),
            Operator::F32Load { memarg } => ld!(load, plain(F32), 4, memarg),
            Operator::F64Load { memarg } => ld!(load, plain(F64), 8, memarg),
            Operator::I32Load8S { memarg } => ld!(sload8, I32, 1, memarg),
            Operator::I32Load8U { memarg } => ld!(uload8, I32, 1, memarg),
            Operator::I32Load16S { memarg } => ld!(sload16, I32, 2, memarg),
            Operator::I32Load16U { memarg } => ld!(uload16, I32, 2, memarg),
            Operator::I64Load8S { memarg } => ld!(sload8, I64, 1, memarg),
            Operator::I64Load8U { memarg } => ld!(uload8, I64, 1, memarg),
            Operator::I64Load16S { memarg } => ld!(sload16, I64, 2, memarg),
            Operator::I64Load16U { memarg } => ld!(uload16, I64, 2, memarg),
            Operator::I64Load32S { memarg } => ld!(sload32, I64, 4, memarg),
            Operator::I64Load32U { memarg } => ld!(uload32, I64, 4, memarg),
            Operator::I32Store { memarg } | Operator::F32Store { memarg } => st!(store, 4, memarg),
            Operator::I64Store { memarg } | Operator::F64Store { memarg } => st!(store, 8, memarg),
            Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => st!(istore8, 1, memarg),
            Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => st!(istore16, 2, memarg),
            Operator::I64Store32 { memarg } => st!(istore32, 4, memarg),
            Operator::MemorySize { mem } => {
                let len = self.memory_len(*mem);
                let pages = self.b.ins().ushr_imm(len, 16);
                let v = if self.is_memory64(*mem) { pages } else { self.b.ins().ireduce(I32, pages) };
                self.push(v);
            }
            Operator::MemoryGrow { mem } => {
                // The runtime takes and returns 64-bit page counts; a 32-bit memory's
                // failure (`u64::MAX`) narrows to its -1.
                let delta = self.pop();
                let delta = self.widen_to_i64(delta);
                let m = self.b.ins().iconst(I32, *mem as i64);
                let r = self.call_runtime(RuntimeCall::MemoryGrow, &[m, delta]).expect("returns the old size");
                let r = if self.is_memory64(*mem) { r } else { self.b.ins().ireduce(I32, r) };
                self.push(r);
            }
            Operator::MemoryFill { mem } => {
                let (dst, val, len) = self.pop3();
                let (dst, len) = (self.widen_to_i64(dst), self.widen_to_i64(len));
                let m = self.b.ins().iconst(I32, *mem as i64);
                let s = self.call_runtime(RuntimeCall::MemoryFill, &[m, dst, val, len]);
                self.trap_if_status(s, WasmTrap::MemoryOutOfBounds);
            }
            Operator::MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.pop3();
                let (dst, src, len) = (self.widen_to_i64(dst), self.widen_to_i64(src), self.widen_to_i64(len));
                let d = self.b.ins().iconst(I32, *dst_mem as i64);
                let s_m = self.b.ins().iconst(I32, *src_mem as i64);
                let s = self.call_runtime(RuntimeCall::MemoryCopy, &[d, s_m, dst, src, len]);
                self.trap_if_status(s, WasmTrap::MemoryOutOfBounds);
            }
            Operator::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                let dst = self.widen_to_i64(dst);
                let m = self.b.ins().iconst(I32, *mem as i64);
                let seg = self.b.ins().iconst(I32, *data_index as i64);
                let s = self.call_runtime(RuntimeCall::MemoryInit, &[m, seg, dst, src, len]);
                self.trap_if_status(s, WasmTrap::MemoryOutOfBounds);
            }
            Operator::DataDrop { data_index } => {
                let seg = self.b.ins().iconst(I32, *data_index as i64);
                self.call_runtime(RuntimeCall::DataDrop, &[seg]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub(crate) fn trap_status(&mut self, status: Option<Value>, trap: WasmTrap) {
        self.trap_if_status(status, trap);
    }
}
