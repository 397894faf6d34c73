//! Linear memory: loads, stores, `memory.size`, `memory.grow` and bulk memory.
//!
//! An access computes `base + zext(index)` and puts the static offset in the load's
//! immediate when it fits an `i32` (else adds it). With [`BoundsChecks::GuardPages`] there
//! is no check: the runtime reserves 8 GiB plus a guard after the base, so every address a
//! 32-bit index and a 32-bit offset can form lies in mapped-accessible memory or faults,
//! and the fault is a `heap_oob` trap. With [`BoundsChecks::Explicit`] the end of the access
//! is compared with the current length first (`trapnz`), and, unless the setting
//! `enable_heap_access_spectre_mitigation` is off, the address is then computed with
//! `select_spectre_guard` so that it is null when the check fails: a mispredicted check
//! cannot make the access reach outside the memory (docs/security.md). The base never changes (memory is reserved
//! at its maximum), so it is loaded once per function; the length is reloaded each time.

use super::{BoundsChecks, FuncTranslator, RuntimeCall};
use crate::{WasmError, WasmTrap};
use lathe_codegen::ir::{Endianness, InstBuilder, IntCC, MemFlags, Type, Value, types};
use wasmparser::{MemArg, Operator};

/// The flags of a Wasm memory access: may trap, with the out-of-bounds code, and
/// little-endian on every target (Wasm's memory is; on a big-endian ISA such as s390x
/// the backend uses byte-reversing accesses, on the others the flag changes nothing).
pub(crate) fn heap_flags() -> MemFlags {
    MemFlags::new().with_trap_code(Some(WasmTrap::MemoryOutOfBounds.code())).with_endianness(Endianness::Little)
}

impl FuncTranslator<'_> {
    /// The current memory length in bytes, as an `i64`.
    fn memory_len(&mut self) -> Value {
        let vm = self.vm_memory.expect("validated: the module has a memory");
        self.b.ins().load(types::I64, super::trusted(), vm, crate::vmctx::MEM_LEN)
    }

    /// The address and immediate offset of an access of `size` bytes.
    pub(crate) fn address(&mut self, index: Value, memarg: &MemArg, size: u32) -> (Value, i32) {
        use types::I64;
        let base = self.mem_base.expect("validated: the module has a memory");
        let idx = self.b.ins().uextend(I64, index);
        if self.checks == BoundsChecks::Explicit {
            let len = self.memory_len();
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
            Operator::MemorySize { .. } => {
                let len = self.memory_len();
                let pages = self.b.ins().ushr_imm(len, 16);
                let v = self.b.ins().ireduce(I32, pages);
                self.push(v);
            }
            Operator::MemoryGrow { .. } => {
                let delta = self.pop();
                let r = self.call_runtime(RuntimeCall::MemoryGrow, &[delta]).expect("returns the old size");
                self.push(r);
            }
            Operator::MemoryFill { .. } => {
                let (dst, val, len) = self.pop3();
                let s = self.call_runtime(RuntimeCall::MemoryFill, &[dst, val, len]);
                self.trap_if_status(s, WasmTrap::MemoryOutOfBounds);
            }
            Operator::MemoryCopy { .. } => {
                let (dst, src, len) = self.pop3();
                let s = self.call_runtime(RuntimeCall::MemoryCopy, &[dst, src, len]);
                self.trap_if_status(s, WasmTrap::MemoryOutOfBounds);
            }
            Operator::MemoryInit { data_index, .. } => {
                let (dst, src, len) = self.pop3();
                let seg = self.b.ins().iconst(I32, *data_index as i64);
                let s = self.call_runtime(RuntimeCall::MemoryInit, &[seg, dst, src, len]);
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
