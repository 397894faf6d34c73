//! Globals, tables, references and calls.
//!
//! Globals are cells reached through the vmctx's pointer array; tables are `VmTable`s
//! reached the same way and are bounds-checked explicitly (they can grow and move), each
//! element address guarded with `select_spectre_guard` unless the setting
//! `enable_table_access_spectre_mitigation` is off. A
//! function reference is a pointer to a `VmFuncRef` (null for `ref.null`). Direct calls to
//! defined functions are IR `call`s; calls to imported functions and `call_indirect` load
//! the callee's code and vmctx from its `VmFuncRef` and use `call_indirect`, after the
//! bounds, null and signature checks `call_indirect` requires. `call_ref` does the same
//! through a typed reference after a null check only: validation proved its type. Tail
//! calls (`return_call`, `return_call_indirect`, `return_call_ref`) are the IR's
//! `return_call` and `return_call_indirect` between functions of one calling convention,
//! so they run in constant stack.

use super::TierMode;
use super::exceptions::Callee;
use super::{FuncTranslator, RuntimeCall, trusted};
use crate::vmctx::{CTX_FUNCS, CTX_GLOBALS, CTX_TABLES, FUNC_CODE, FUNC_TYPE, FUNC_VMCTX, TABLE_BASE, TABLE_LEN};
use crate::{WasmError, WasmTrap};
use lathe_codegen::ir::{InstBuilder, IntCC, Value, types};
use wasmparser::Operator;

/// Flags for a global's cell: it cannot fault, and it is 8-byte aligned, which a `v128`
/// access must not assume.
fn global_flags(ty: lathe_codegen::ir::Type) -> lathe_codegen::ir::MemFlags {
    if ty.is_vector() { lathe_codegen::ir::MemFlags::new().with_notrap() } else { trusted() }
}

impl FuncTranslator<'_> {
    /// Loads entry `index` of the pointer array at `vmctx + field`.
    pub(crate) fn vm_pointer(&mut self, field: i32, index: u32) -> Value {
        let array = self.b.ins().load(types::I64, trusted().with_readonly(), self.vmctx, field);
        self.b.ins().load(types::I64, trusted().with_readonly(), array, (index * 8) as i32)
    }

    /// The address of element `index` of `table` after a bounds check trapping `trap`,
    /// guarded against speculation unless `enable_table_access_spectre_mitigation` is off.
    fn table_elem_addr(&mut self, table: u32, index: Value, trap: WasmTrap) -> Value {
        let t = self.vm_pointer(CTX_TABLES, table);
        let len = self.b.ins().load(types::I64, trusted(), t, TABLE_LEN);
        let idx = self.widen_to_i64(index);
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, idx, len);
        self.b.ins().trapnz(oob, trap.code());
        let base = self.b.ins().load(types::I64, trusted(), t, TABLE_BASE);
        let off = self.b.ins().ishl_imm(idx, 3);
        let addr = self.b.ins().iadd(base, off);
        if self.spectre_table { self.spectre_guard(oob, addr) } else { addr }
    }

    /// Whether table `table` has 64-bit indices (`table64`, part of memory64).
    fn is_table64(&self, table: u32) -> bool {
        self.module.tables[table as usize].table64
    }

    /// The code and vmctx of imported function `function_index`, from its vmctx entry.
    fn imported_callee(&mut self, function_index: u32) -> (Value, Value) {
        let f = self.vm_pointer(CTX_FUNCS, function_index);
        let code = self.b.ins().load(types::I64, trusted().with_readonly(), f, FUNC_CODE);
        let callee_vmctx = self.b.ins().load(types::I64, trusted().with_readonly(), f, FUNC_VMCTX);
        (code, callee_vmctx)
    }

    /// Calls function `function_index` (imported or defined) with the top arguments of its
    /// type; a tail call when `tail` (see [`Self::call_through`]).
    fn call_direct(&mut self, function_index: u32, tail: bool) -> Result<(), WasmError> {
        let type_index = self.module.funcs[function_index as usize];
        let args = self.pop_args(type_index);
        if function_index < self.module.num_imported_funcs {
            let (code, callee_vmctx) = self.imported_callee(function_index);
            return self.call_through(type_index, code, callee_vmctx, args, tail);
        }
        // An optimized function calls itself directly: its code is the one the call
        // would find in the slot anyway (`runtime/tier.rs` names it as the function).
        let self_call = function_index == self.func_index && self.tier_mode == (TierMode::Optimized { osr_loop: None });
        if self.tier_mode.calls_through_slots() && !self_call {
            // Tiered: the callee's current code, which the runtime replaces when it has
            // optimized it (`tier.rs`). Any value read is a valid entry of the callee.
            let f = self.vm_pointer(CTX_FUNCS, function_index);
            let code = self.b.ins().load(types::I64, trusted(), f, FUNC_CODE);
            let vmctx = self.vmctx;
            return self.call_through(type_index, code, vmctx, args, tail);
        }
        let r = self.func_ref(function_index)?;
        let all = prepend(self.vmctx, args);
        if tail {
            self.b.ins().return_call(r, &all);
        } else {
            let results = self.emit_call(Callee::Direct(r), &all);
            self.stack.extend(results);
        }
        Ok(())
    }

    /// Calls `code` with `callee_vmctx` and `args` (of type `type_index`), pushing the
    /// results; or, when `tail`, tail-calls it: this function's frame is gone before the
    /// callee runs, so tail recursion of any depth runs in constant stack.
    fn call_through(
        &mut self,
        type_index: u32,
        code: Value,
        callee_vmctx: Value,
        args: Vec<Value>,
        tail: bool,
    ) -> Result<(), WasmError> {
        let sig = self.sig_ref(type_index)?;
        let all = prepend(callee_vmctx, args);
        if tail {
            self.b.ins().return_call_indirect(sig, code, &all);
        } else {
            let results = self.emit_call(Callee::Indirect(sig, code), &all);
            self.stack.extend(results);
        }
        Ok(())
    }

    /// The code and vmctx of the function at `index` of `table`, after the checks
    /// `call_indirect` requires: in bounds, not null, and of type `type_index`.
    fn indirect_callee(&mut self, type_index: u32, table_index: u32, index: Value) -> (Value, Value) {
        use types::I64;
        let addr = self.table_elem_addr(table_index, index, WasmTrap::UndefinedElement);
        let f = self.b.ins().load(I64, trusted(), addr, 0);
        self.b.ins().trapz(f, WasmTrap::UninitializedElement.code());
        let tid = self.b.ins().load(I64, trusted().with_readonly(), f, FUNC_TYPE);
        let want = self.module.type_ids[type_index as usize] as i64;
        let bad = self.b.ins().icmp_imm(IntCC::NotEqual, tid, want);
        self.b.ins().trapnz(bad, WasmTrap::IndirectCallTypeMismatch.code());
        let code = self.b.ins().load(I64, trusted().with_readonly(), f, FUNC_CODE);
        let callee_vmctx = self.b.ins().load(I64, trusted().with_readonly(), f, FUNC_VMCTX);
        (code, callee_vmctx)
    }

    /// The code and vmctx of the function `f` (a typed function reference) points to,
    /// after the null check `call_ref` requires. No signature check: validation proved
    /// that `f` is of the type the call expects.
    fn ref_callee(&mut self, f: Value) -> (Value, Value) {
        self.b.ins().trapz(f, WasmTrap::NullFunctionReference.code());
        let code = self.b.ins().load(types::I64, trusted().with_readonly(), f, FUNC_CODE);
        let callee_vmctx = self.b.ins().load(types::I64, trusted().with_readonly(), f, FUNC_VMCTX);
        (code, callee_vmctx)
    }

    fn pop_args(&mut self, type_index: u32) -> Vec<Value> {
        let n = self.module.types[type_index as usize].params().len();
        self.stack.split_off(self.stack.len() - n)
    }

    /// Handles global, table, reference and call operators; false if `op` is not one.
    pub(crate) fn access(&mut self, op: &Operator<'_>) -> Result<bool, WasmError> {
        use types::{I32, I64};
        match *op {
            Operator::GlobalGet { global_index } => {
                let ty = super::ir_type(self.module.globals[global_index as usize].content_type)?;
                let cell = self.vm_pointer(CTX_GLOBALS, global_index);
                let v = self.b.ins().load(ty, global_flags(ty), cell, 0);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop();
                let cell = self.vm_pointer(CTX_GLOBALS, global_index);
                let ty = self.b.func.dfg.value_type(v);
                self.b.ins().store(global_flags(ty), v, cell, 0);
            }
            Operator::Call { function_index } => self.call_direct(function_index, false)?,
            Operator::CallIndirect { type_index, table_index } => {
                let index = self.pop();
                let args = self.pop_args(type_index);
                let (code, callee_vmctx) = self.indirect_callee(type_index, table_index, index);
                self.call_through(type_index, code, callee_vmctx, args, false)?;
            }
            Operator::ReturnCall { function_index } => {
                self.call_direct(function_index, true)?;
                self.reachable = false;
            }
            Operator::ReturnCallIndirect { type_index, table_index } => {
                let index = self.pop();
                let args = self.pop_args(type_index);
                let (code, callee_vmctx) = self.indirect_callee(type_index, table_index, index);
                self.call_through(type_index, code, callee_vmctx, args, true)?;
                self.reachable = false;
            }
            Operator::CallRef { type_index } => {
                let f = self.pop();
                let args = self.pop_args(type_index);
                let (code, callee_vmctx) = self.ref_callee(f);
                self.call_through(type_index, code, callee_vmctx, args, false)?;
            }
            Operator::ReturnCallRef { type_index } => {
                let f = self.pop();
                let args = self.pop_args(type_index);
                let (code, callee_vmctx) = self.ref_callee(f);
                self.call_through(type_index, code, callee_vmctx, args, true)?;
                self.reachable = false;
            }
            Operator::RefAsNonNull => {
                let a = *self.stack.last().expect("validated");
                self.b.ins().trapz(a, WasmTrap::NullReference.code());
            }
            Operator::RefNull { .. } => {
                let v = self.b.ins().iconst(I64, 0);
                self.push(v);
            }
            Operator::RefIsNull => {
                let a = self.pop();
                let c = self.b.ins().icmp_imm(IntCC::Equal, a, 0);
                let v = self.bool_to_i32(c);
                self.push(v);
            }
            Operator::RefFunc { function_index } => {
                let v = self.vm_pointer(CTX_FUNCS, function_index);
                self.push(v);
            }
            Operator::TableGet { table } => {
                let index = self.pop();
                let addr = self.table_elem_addr(table, index, WasmTrap::TableOutOfBounds);
                let v = self.b.ins().load(I64, trusted(), addr, 0);
                self.push(v);
            }
            Operator::TableSet { table } => {
                let (index, value) = self.pop2();
                let addr = self.table_elem_addr(table, index, WasmTrap::TableOutOfBounds);
                self.b.ins().store(trusted(), value, addr, 0);
            }
            Operator::TableSize { table } => {
                let t = self.vm_pointer(CTX_TABLES, table);
                let len = self.b.ins().load(I64, trusted(), t, TABLE_LEN);
                let v = if self.is_table64(table) { len } else { self.b.ins().ireduce(I32, len) };
                self.push(v);
            }
            Operator::TableGrow { table } => {
                let (init, delta) = self.pop2();
                let delta = self.widen_to_i64(delta);
                let t = self.b.ins().iconst(I32, table as i64);
                let v = self.call_runtime(RuntimeCall::TableGrow, &[t, init, delta]).expect("returns the old size");
                // A 32-bit table's failure (`u64::MAX`) narrows to its -1.
                let v = if self.is_table64(table) { v } else { self.b.ins().ireduce(I32, v) };
                self.push(v);
            }
            Operator::TableFill { table } => {
                let (dst, val, len) = self.pop3();
                let (dst, len) = (self.widen_to_i64(dst), self.widen_to_i64(len));
                let t = self.b.ins().iconst(I32, table as i64);
                let s = self.call_runtime(RuntimeCall::TableFill, &[t, dst, val, len]);
                self.trap_status(s, WasmTrap::TableOutOfBounds);
            }
            Operator::TableCopy { dst_table, src_table } => {
                let (dst, src, len) = self.pop3();
                let (dst, src, len) = (self.widen_to_i64(dst), self.widen_to_i64(src), self.widen_to_i64(len));
                let d = self.b.ins().iconst(I32, dst_table as i64);
                let s_t = self.b.ins().iconst(I32, src_table as i64);
                let s = self.call_runtime(RuntimeCall::TableCopy, &[d, s_t, dst, src, len]);
                self.trap_status(s, WasmTrap::TableOutOfBounds);
            }
            Operator::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                let dst = self.widen_to_i64(dst);
                let t = self.b.ins().iconst(I32, table as i64);
                let e = self.b.ins().iconst(I32, elem_index as i64);
                let s = self.call_runtime(RuntimeCall::TableInit, &[t, e, dst, src, len]);
                self.trap_status(s, WasmTrap::TableOutOfBounds);
            }
            Operator::ElemDrop { elem_index } => {
                let e = self.b.ins().iconst(I32, elem_index as i64);
                self.call_runtime(RuntimeCall::ElemDrop, &[e]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `first` followed by `rest`: a callee's vmctx before its Wasm arguments.
fn prepend(first: Value, rest: Vec<Value>) -> Vec<Value> {
    let mut all = Vec::with_capacity(rest.len() + 1);
    all.push(first);
    all.extend(rest);
    all
}
