//! Wasm function bodies to Lathe IR, one IR function per Wasm function.
//!
//! Each function gets the signature `(vmctx: i64, params...) -> results` (System V) and
//! the name `u0:<function index>`, so direct calls between functions of one module are
//! plain `call`s the JIT links. The operand stack holds IR values; Wasm locals are
//! frontend [`Variable`]s; each Wasm block, loop and if is a control frame whose exit
//! block takes the results as block parameters (a loop's header takes its parameters).
//! Code after an unconditional branch is skipped up to the end of its frame.
//!
//! Modules: [`control`] (frames, branches), `numeric` (arithmetic, compares,
//! conversions), `memory` (loads, stores, bulk memory), `access` (globals, tables,
//! references, calls), `exceptions` (`try_table`, `throw`, `throw_ref`, and calls that
//! an enclosing `try_table` catches), `simd` (`v128` and relaxed SIMD), `stub` (the IR
//! of host-function stubs).
//!
//! Input: a validated [`ModuleInfo`] (the translator trusts validation: stack depths and
//! types are right). Output: an `ir::Function` for the backend.

mod access;
pub mod control;
mod exceptions;
mod memory;
mod numeric;
mod simd;
pub mod stub;
pub mod tier;

use crate::WasmError;
use crate::module::ModuleInfo;
use control::Frame;
use lathe_codegen::ir::{
    AbiParam, CallConv, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder, MemFlags, Signature, Type, Value,
    types,
};
use lathe_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use wasmparser::{FunctionBody, ValType};

pub use tier::TierMode;

/// How the translated code checks memory accesses.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub enum BoundsChecks {
    /// No check: the memory reserves 8 GiB plus a guard, so every `base + u32 + u32`
    /// address faults outside the accessible length (the default, 64-bit hosts).
    #[default]
    GuardPages,
    /// Compare each access with the current length and trap.
    Explicit,
}

/// How functions are translated: the bounds checks, their Spectre guards, and the checks
/// that let a store stop running code. The default guards every checked access.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct TranslateOptions {
    /// How memory accesses are checked.
    pub bounds_checks: BoundsChecks,
    /// Read the interrupt flag on function entry and at loop headers (`VmCtx::interrupt`).
    pub interruptible: bool,
    /// Take a unit of fuel on function entry and at loop headers (`VmCtx::fuel`).
    pub consume_fuel: bool,
    /// Guard explicitly checked memory addresses with `select_spectre_guard` (the
    /// codegen setting `enable_heap_access_spectre_mitigation`; see `memory.rs`).
    pub spectre_heap: bool,
    /// Guard table element addresses the same way
    /// (`enable_table_access_spectre_mitigation`; see `access.rs`).
    pub spectre_table: bool,
    /// The translation's part in tiered execution (see `tier.rs`).
    pub tier: TierMode,
}

impl Default for TranslateOptions {
    fn default() -> TranslateOptions {
        TranslateOptions {
            bounds_checks: BoundsChecks::default(),
            interruptible: false,
            consume_fuel: false,
            spectre_heap: true,
            spectre_table: true,
            tier: TierMode::Off,
        }
    }
}

/// The runtime functions translated code calls, by the symbol the runtime defines.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum RuntimeCall {
    /// `(vmctx, delta: i32) -> i32`.
    MemoryGrow,
    /// `(vmctx, dst: i32, val: i32, len: i32) -> i32 status`.
    MemoryFill,
    /// `(vmctx, dst: i32, src: i32, len: i32) -> i32 status`.
    MemoryCopy,
    /// `(vmctx, seg: i32, dst: i32, src: i32, len: i32) -> i32 status`.
    MemoryInit,
    /// `(vmctx, seg: i32)`.
    DataDrop,
    /// `(vmctx, table: i32, init: i64, delta: i64) -> i64` (element counts and indices
    /// are `i64`, a 32-bit table's zero-extended; failure is `u64::MAX`).
    TableGrow,
    /// `(vmctx, table: i32, dst: i64, val: i64, len: i64) -> i32 status`.
    TableFill,
    /// `(vmctx, dst_table: i32, src_table: i32, dst: i64, src: i64, len: i64) -> i32 status`.
    TableCopy,
    /// `(vmctx, table: i32, seg: i32, dst: i64, src: i32, len: i32) -> i32 status`.
    TableInit,
    /// `(vmctx, seg: i32)`.
    ElemDrop,
    /// `(vmctx, host index: i32, values: i64) -> i32 status`.
    HostCall,
    /// `(vmctx, tag: i32, values: i64) -> i64 exnref`: a new exception of tag `tag` with
    /// the values in the buffer (16-byte slots).
    ExnNew,
    /// `(vmctx, func: i32, site: i32) -> i64`: a counted function's counter ran out at
    /// `site` (a loop ordinal, or `tier::ENTRY`); returns the OSR entry for that loop
    /// if there is one yet, else 0 (see `tier.rs`). With `tier::TRANSFER` added to a loop
    /// ordinal: OSR code asks for an enclosing loop's entry (0: it failed to compile).
    TierUp,
}

impl RuntimeCall {
    /// Every runtime call.
    pub const ALL: [RuntimeCall; 13] = [
        RuntimeCall::MemoryGrow,
        RuntimeCall::MemoryFill,
        RuntimeCall::MemoryCopy,
        RuntimeCall::MemoryInit,
        RuntimeCall::DataDrop,
        RuntimeCall::TableGrow,
        RuntimeCall::TableFill,
        RuntimeCall::TableCopy,
        RuntimeCall::TableInit,
        RuntimeCall::ElemDrop,
        RuntimeCall::HostCall,
        RuntimeCall::ExnNew,
        RuntimeCall::TierUp,
    ];

    /// The symbol name.
    pub fn symbol(self) -> &'static str {
        match self {
            RuntimeCall::MemoryGrow => "lathe_wasm_memory_grow",
            RuntimeCall::MemoryFill => "lathe_wasm_memory_fill",
            RuntimeCall::MemoryCopy => "lathe_wasm_memory_copy",
            RuntimeCall::MemoryInit => "lathe_wasm_memory_init",
            RuntimeCall::DataDrop => "lathe_wasm_data_drop",
            RuntimeCall::TableGrow => "lathe_wasm_table_grow",
            RuntimeCall::TableFill => "lathe_wasm_table_fill",
            RuntimeCall::TableCopy => "lathe_wasm_table_copy",
            RuntimeCall::TableInit => "lathe_wasm_table_init",
            RuntimeCall::ElemDrop => "lathe_wasm_elem_drop",
            RuntimeCall::HostCall => "lathe_wasm_host_call",
            RuntimeCall::ExnNew => "lathe_wasm_exn_new",
            RuntimeCall::TierUp => "lathe_wasm_tier_up",
        }
    }

    /// The IR name.
    pub fn name(self) -> ExternalName {
        ExternalName::TestCase(self.symbol().to_string())
    }

    fn signature(self) -> Signature {
        use types::{I32, I64};
        let (params, returns): (&[Type], &[Type]) = match self {
            // Memory indices are `i32`; addresses, lengths and page counts `i64` (a 32-bit
            // memory's zero-extended).
            RuntimeCall::MemoryGrow => (&[I64, I32, I64], &[I64]),
            RuntimeCall::MemoryFill => (&[I64, I32, I64, I32, I64], &[I32]),
            RuntimeCall::MemoryCopy => (&[I64, I32, I32, I64, I64, I64], &[I32]),
            RuntimeCall::MemoryInit => (&[I64, I32, I32, I64, I32, I32], &[I32]),
            RuntimeCall::DataDrop | RuntimeCall::ElemDrop => (&[I64, I32], &[]),
            RuntimeCall::TableGrow => (&[I64, I32, I64, I64], &[I64]),
            RuntimeCall::TableFill => (&[I64, I32, I64, I64, I64], &[I32]),
            RuntimeCall::TableCopy => (&[I64, I32, I32, I64, I64, I64], &[I32]),
            RuntimeCall::TableInit => (&[I64, I32, I32, I64, I32, I32], &[I32]),
            RuntimeCall::HostCall => (&[I64, I32, I64], &[I32]),
            RuntimeCall::ExnNew => (&[I64, I32, I64], &[I64]),
            RuntimeCall::TierUp => (&[I64, I32, I32], &[I64]),
        };
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params = params.iter().map(|&t| AbiParam::new(t)).collect();
        sig.returns = returns.iter().map(|&t| AbiParam::new(t)).collect();
        sig
    }
}

/// The IR type of a Wasm value type.
pub fn ir_type(ty: ValType) -> Result<Type, WasmError> {
    Ok(match ty {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::Ref(_) => types::I64,
        // One type for every v128: operations bitcast to the lane shape they need.
        ValType::V128 => types::I8X16,
    })
}

/// The IR signature of a Wasm function type: vmctx first.
pub fn wasm_signature(ty: &wasmparser::FuncType) -> Result<Signature, WasmError> {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.push(AbiParam::new(types::I64));
    for &p in ty.params() {
        sig.params.push(AbiParam::new(ir_type(p)?));
    }
    for &r in ty.results() {
        sig.returns.push(AbiParam::new(ir_type(r)?));
    }
    Ok(sig)
}

/// The IR name of function `index` of a module.
pub fn func_name(index: u32) -> ExternalName {
    ExternalName::User { namespace: 0, index }
}

/// Flags for loads of runtime data that cannot fault (vmctx fields and the structures
/// they point to).
pub(crate) fn trusted() -> MemFlags {
    MemFlags::trusted()
}

/// Translates defined function `index` of `module`.
pub fn translate_function(
    module: &ModuleInfo,
    index: u32,
    options: TranslateOptions,
    ctx: &mut FunctionBuilderContext,
) -> Result<Function, WasmError> {
    let mut func = Function::default();
    translate_function_into(module, index, options, ctx, &mut func)?;
    Ok(func)
}

/// [`translate_function`] into `func`, which is reset first: a caller translating many
/// functions reuses one `Function`'s memory.
pub fn translate_function_into(
    module: &ModuleInfo,
    index: u32,
    options: TranslateOptions,
    ctx: &mut FunctionBuilderContext,
    func: &mut Function,
) -> Result<(), WasmError> {
    let defined = index
        .checked_sub(module.num_imported_funcs)
        .ok_or_else(|| WasmError::Invalid(format!("function {index} is imported")))?;
    let range = module.bodies[defined as usize].clone();
    let body = FunctionBody::new(wasmparser::BinaryReader::new(&module.bytes[range.clone()], range.start as u64));
    let ty = module.func_type(index);
    let mut sig = wasm_signature(ty)?;
    if options.tier.osr_loop().is_some() {
        sig = tier::osr_signature(&sig.returns);
    }
    func.reset(func_name(index), sig);
    FuncTranslator::new(func, ctx, module, options, index).translate(ty, &body)
}

/// The state of translating one function.
pub(crate) struct FuncTranslator<'a> {
    pub(crate) b: FunctionBuilder<'a>,
    pub(crate) module: &'a ModuleInfo,
    pub(crate) checks: BoundsChecks,
    /// Guard checked heap and table addresses against speculation (see
    /// [`TranslateOptions`]).
    pub(crate) spectre_heap: bool,
    pub(crate) spectre_table: bool,
    /// Emit interrupt and fuel checks (see [`TranslateOptions`]).
    interruptible: bool,
    consume_fuel: bool,
    /// The operand stack.
    pub(crate) stack: Vec<Value>,
    /// The control frames, outermost (the function body) first.
    pub(crate) frames: Vec<Frame>,
    /// Wasm locals, parameters first.
    pub(crate) locals: Vec<Variable>,
    /// Whether the current position can be reached.
    pub(crate) reachable: bool,
    pub(crate) vmctx: Value,
    /// Memory 0's base address, loaded once at entry (the memory never moves).
    pub(crate) mem_base: Option<Value>,
    /// Memory 0's `VmMemory` pointer, loaded once at entry.
    pub(crate) vm_memory: Option<Value>,
    runtime_refs: [Option<FuncRef>; RuntimeCall::ALL.len()],
    /// The open `try_table`s whose entry was reachable, innermost last.
    pub(crate) handlers: Vec<exceptions::Handler>,
    /// The throw helper, declared on first use.
    pub(crate) thrower: Option<FuncRef>,
    func_refs: Vec<Option<FuncRef>>,
    sig_refs: Vec<Option<lathe_codegen::ir::SigRef>>,
    /// The function's index in the module.
    pub(crate) func_index: u32,
    /// How the translation takes part in tiering, and its state for that.
    pub(crate) tier_mode: TierMode,
    pub(crate) tier: tier::TierState,
}

impl<'a> FuncTranslator<'a> {
    fn new(
        func: &'a mut Function,
        ctx: &'a mut FunctionBuilderContext,
        module: &'a ModuleInfo,
        options: TranslateOptions,
        func_index: u32,
    ) -> Self {
        let b = FunctionBuilder::new(func, ctx);
        FuncTranslator {
            b,
            module,
            checks: options.bounds_checks,
            spectre_heap: options.spectre_heap,
            spectre_table: options.spectre_table,
            interruptible: options.interruptible,
            consume_fuel: options.consume_fuel,
            stack: Vec::new(),
            frames: Vec::new(),
            locals: Vec::new(),
            reachable: true,
            vmctx: Value::from_u32(0),
            mem_base: None,
            vm_memory: None,
            runtime_refs: [None; RuntimeCall::ALL.len()],
            handlers: Vec::new(),
            thrower: None,
            func_refs: vec![None; module.funcs.len()],
            sig_refs: vec![None; module.types.len()],
            func_index,
            tier_mode: options.tier,
            tier: tier::TierState::default(),
        }
    }

    /// Traps `stk_ovf` when the stack pointer is below the limit the runtime set (see
    /// `VmCtx::stack_limit`), so deep recursion stops before the guard page, whatever the
    /// size of the frames.
    fn stack_check(&mut self) {
        let ptr = self.b.ins().load(types::I64, trusted(), self.vmctx, crate::vmctx::CTX_STACK_LIMIT);
        let limit = self.b.ins().load(types::I64, trusted(), ptr, 0);
        let sp = self.b.ins().get_stack_pointer(types::I64);
        let below = self.b.ins().icmp(lathe_codegen::ir::IntCC::UnsignedLessThan, sp, limit);
        self.b.ins().trapnz(below, crate::trap::WasmTrap::CallStackExhausted.code());
    }

    /// At function entry and loop headers: trap `interrupt` when the store's flag is set,
    /// and take a unit of fuel, trapping when none is left. The flag is read with an
    /// atomic load, which no pass may merge with an earlier read: another thread sets it.
    pub(crate) fn metering_checks(&mut self) {
        if self.interruptible {
            let ptr = self.b.ins().load(types::I64, trusted().with_readonly(), self.vmctx, crate::vmctx::CTX_INTERRUPT);
            let flag = self.b.ins().atomic_load(types::I64, trusted(), ptr);
            self.b.ins().trapnz(flag, crate::trap::WasmTrap::Interrupted.code());
        }
        if self.consume_fuel {
            let ptr = self.b.ins().load(types::I64, trusted().with_readonly(), self.vmctx, crate::vmctx::CTX_FUEL);
            let fuel = self.b.ins().load(types::I64, trusted(), ptr, 0);
            let left = self.b.ins().iadd_imm(fuel, -1);
            let out = self.b.ins().icmp_imm(lathe_codegen::ir::IntCC::SignedLessThan, left, 0);
            self.b.ins().trapnz(out, crate::trap::WasmTrap::OutOfFuel.code());
            self.b.ins().store(trusted(), left, ptr, 0);
        }
    }

    fn translate(mut self, ty: &wasmparser::FuncType, body: &FunctionBody<'_>) -> Result<(), WasmError> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let params: Vec<Value> = self.b.block_params(entry).to_vec();
        self.vmctx = params[0];
        self.stack_check();
        let osr = self.tier_mode.osr_loop().is_some();
        if !osr {
            // (An OSR entry continues a call that was charged on its entry.)
            self.metering_checks();
        }
        if !self.module.memories.is_empty() {
            let vm = self.b.ins().load(types::I64, trusted().with_readonly(), self.vmctx, crate::vmctx::CTX_MEMORY);
            let base = self.b.ins().load(types::I64, trusted().with_readonly(), vm, crate::vmctx::MEM_BASE);
            self.vm_memory = Some(vm);
            self.mem_base = Some(base);
        }
        if osr {
            // An OSR entry goes straight to the block that loads the state (filled at the
            // loop); the code before the loop follows, unreachable (see `tier.rs`).
            let load_state = self.b.create_block();
            self.b.ins().jump(load_state, &[]);
            self.b.seal_block(load_state);
            self.tier.osr = Some((params[1], load_state));
            let before = self.b.create_block();
            self.b.seal_block(before);
            self.b.switch_to_block(before);
        } else if self.tier_mode == TierMode::Counted {
            self.tier_count(tier::ENTRY);
        }
        for (i, &p) in ty.params().iter().enumerate() {
            let t = ir_type(p)?;
            let var = self.b.declare_var(t);
            let v = if osr { self.zero(t) } else { params[i + 1] };
            self.b.def_var(var, v);
            self.locals.push(var);
        }
        let mut locals = body.get_locals_reader().map_err(|e| WasmError::Invalid(e.to_string()))?;
        for _ in 0..locals.get_count() {
            let (count, vt) = locals.read().map_err(|e| WasmError::Invalid(e.to_string()))?;
            let t = ir_type(vt)?;
            for _ in 0..count {
                let var = self.b.declare_var(t);
                // A non-nullable reference local starts as null too: validation proved
                // that it is set before any read, so nothing sees this value.
                let zero = self.zero(t);
                self.b.def_var(var, zero);
                self.locals.push(var);
            }
        }
        // The function body is a block whose exit returns.
        let exit = self.b.create_block();
        let results: Vec<Type> = ty.results().iter().map(|&r| ir_type(r)).collect::<Result<_, _>>()?;
        for &r in &results {
            self.b.append_block_param(exit, r);
        }
        self.frames.push(Frame::block(exit, 0, results.len(), true));

        let mut reader = body.get_operators_reader().map_err(|e| WasmError::Invalid(e.to_string()))?;
        while !reader.eof() {
            // Each instruction's IR carries its byte offset in the module, so a trap can be
            // reported at its Wasm code offset.
            self.b.set_srcloc(lathe_codegen::ir::SourceLoc::new(reader.original_position() as u32));
            let op = reader.read().map_err(|e| WasmError::Invalid(e.to_string()))?;
            self.operator(op)?;
        }
        if !self.frames.is_empty() {
            return Err(WasmError::Invalid("function body ends inside a block".into()));
        }
        if let Some((_, load_state)) = self.tier.osr
            && !self.b.is_filled(load_state)
        {
            return Err(WasmError::Invalid(format!(
                "no reachable loop {} to enter in function {}",
                self.tier_mode.osr_loop().unwrap_or(0),
                self.func_index
            )));
        }
        // `end` of the body left us in the exit block (if anything reaches it).
        if self.reachable {
            let rets = std::mem::take(&mut self.stack);
            self.b.ins().return_(&rets);
        }
        self.b.finish().map_err(|e| WasmError::Unsupported(format!("frontend: {e}")))
    }

    /// The zero of an IR type.
    pub(crate) fn zero(&mut self, t: Type) -> Value {
        if t == types::F32 {
            self.b.ins().f32const(0.0f32)
        } else if t == types::F64 {
            self.b.ins().f64const(0.0f64)
        } else if t.is_vector() {
            let c = self.b.func.dfg.make_constant(vec![0; 16]);
            self.b.ins().vconst(t, c)
        } else {
            self.b.ins().iconst(t, 0)
        }
    }

    pub(crate) fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated code never pops an empty stack")
    }

    pub(crate) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    pub(crate) fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    pub(crate) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    /// The `FuncRef` of a runtime call, declared on first use.
    pub(crate) fn runtime(&mut self, call: RuntimeCall) -> FuncRef {
        let i = RuntimeCall::ALL.iter().position(|&c| c == call).expect("every call is listed");
        if let Some(r) = self.runtime_refs[i] {
            return r;
        }
        let sig = self.b.import_signature(call.signature());
        let r = self.b.import_function(ExtFuncData { name: call.name(), signature: sig, colocated: false });
        self.runtime_refs[i] = Some(r);
        r
    }

    /// Calls a runtime function with the vmctx first; returns its first result, if any.
    pub(crate) fn call_runtime(&mut self, call: RuntimeCall, args: &[Value]) -> Option<Value> {
        let r = self.runtime(call);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let inst = self.b.ins().call(r, &all);
        self.b.inst_results(inst).first().copied()
    }

    /// The `FuncRef` of a defined function of this module, for direct calls.
    pub(crate) fn func_ref(&mut self, index: u32) -> Result<FuncRef, WasmError> {
        if let Some(r) = self.func_refs[index as usize] {
            return Ok(r);
        }
        let sig = wasm_signature(self.module.func_type(index))?;
        let sig = self.b.import_signature(sig);
        let r = self.b.import_function(ExtFuncData { name: func_name(index), signature: sig, colocated: true });
        self.func_refs[index as usize] = Some(r);
        Ok(r)
    }

    /// The `SigRef` of a type index, for indirect calls.
    pub(crate) fn sig_ref(&mut self, type_index: u32) -> Result<lathe_codegen::ir::SigRef, WasmError> {
        if let Some(r) = self.sig_refs[type_index as usize] {
            return Ok(r);
        }
        let sig = wasm_signature(&self.module.types[type_index as usize])?;
        let r = self.b.import_signature(sig);
        self.sig_refs[type_index as usize] = Some(r);
        Ok(r)
    }

    /// `addr`, or null when `oob` (a bounds check's condition, already `trapnz`ed) is set,
    /// chosen without a branch: the trap's branch may be mispredicted as not taken, and
    /// the access through `addr` must not reach out of bounds even then (Spectre v1;
    /// docs/security.md).
    pub(crate) fn spectre_guard(&mut self, oob: Value, addr: Value) -> Value {
        let null = self.b.ins().iconst(types::I64, 0);
        self.b.ins().select_spectre_guard(oob, null, addr)
    }

    /// Turns an `i8` condition into a Wasm `i32` boolean.
    pub(crate) fn bool_to_i32(&mut self, c: Value) -> Value {
        self.b.ins().uextend(types::I32, c)
    }

    fn operator(&mut self, op: wasmparser::Operator<'_>) -> Result<(), WasmError> {
        if !self.reachable {
            return self.unreachable_operator(&op);
        }
        if self.control(&op)?
            || self.numeric(&op)?
            || self.memory(&op)?
            || self.access(&op)?
            || self.exceptions(&op)?
            || self.simd(&op)?
        {
            return Ok(());
        }
        Err(WasmError::Unsupported(format!("operator {op:?}")))
    }
}
