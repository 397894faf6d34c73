//! The IR of a host-function stub: a Wasm-callable function `(vmctx, params...) ->
//! results` that spills its arguments to a stack buffer of 16-byte slots, calls the
//! runtime's `lathe_wasm_host_call(vmctx, host index, buffer)`, and returns the results
//! the host wrote back into the buffer. When that returns [`HOST_THREW`], the host threw a
//! Wasm exception, whose `exnref` it left in the buffer's first slot: the stub throws it
//! to its caller. Any other non-zero status traps [`WasmTrap::HostExit`] (the runtime
//! keeps the reason).

use super::{RuntimeCall, func_name, ir_type, wasm_signature};
use crate::{WasmError, WasmTrap};
use lathe_codegen::ir::{ExtFuncData, Function, InstBuilder, IntCC, StackSlotData, StackSlotKind, types};
use lathe_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmparser::FuncType;

/// Bytes per value in the stub's buffer.
pub const SLOT: u32 = 16;

/// The status `lathe_wasm_host_call` returns when the host function threw.
pub const HOST_THREW: u32 = 2;

/// Builds the stub for function index `func` of type `ty`, calling host function
/// `host_index` of the instance.
pub fn host_stub(
    func: u32,
    ty: &FuncType,
    host_index: u32,
    ctx: &mut FunctionBuilderContext,
) -> Result<Function, WasmError> {
    let mut f = Function::with_name_signature(func_name(func), wasm_signature(ty)?);
    let mut b = FunctionBuilder::new(&mut f, ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let n = ty.params().len().max(ty.results().len()).max(1) as u32;
    let slot = b.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, n * SLOT, 4));
    for (i, &p) in params[1..].iter().enumerate() {
        b.ins().stack_store(p, slot, (i as u32 * SLOT) as i32);
    }
    let addr = b.ins().stack_addr(types::I64, slot, 0);
    let idx = b.ins().iconst(types::I32, host_index as i64);
    let call = RuntimeCall::HostCall;
    let sig = b.import_signature(call.signature());
    let r = b.import_function(ExtFuncData { name: call.name(), signature: sig, colocated: false });
    let inst = b.ins().call(r, &[params[0], idx, addr]);
    let status = b.inst_results(inst)[0];
    let (failed, done) = (b.create_block(), b.create_block());
    b.ins().brif(status, failed, &[], done, &[]);
    b.seal_block(failed);
    b.seal_block(done);
    b.switch_to_block(failed);
    let threw = b.ins().icmp_imm(IntCC::Equal, status, i64::from(HOST_THREW));
    b.ins().trapz(threw, WasmTrap::HostExit.code());
    let exn = b.ins().stack_load(types::I64, slot, 0);
    super::exceptions::throw_to_caller(&mut b, &mut None, exn);
    b.switch_to_block(done);
    let mut rets = Vec::new();
    for (i, &t) in ty.results().iter().enumerate() {
        rets.push(b.ins().stack_load(ir_type(t)?, slot, (i as u32 * SLOT) as i32));
    }
    b.ins().return_(&rets);
    b.finish().map_err(|e| WasmError::Unsupported(format!("frontend: {e}")))?;
    Ok(f)
}
