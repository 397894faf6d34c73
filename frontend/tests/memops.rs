//! Memory operations: small constant sizes become inline loads and stores, larger ones a
//! call to the imported (or supplied) libcall.

use lathe_codegen::ir::{
    AbiParam, CallConv, ExtFuncData, ExternalName, Function, InstBuilder, MemFlags, Opcode, Signature, types::*,
};
use lathe_frontend::{FunctionBuilder, FunctionBuilderContext, LibCall, MemOpConfig};

fn opcodes(func: &Function) -> Vec<Opcode> {
    let block = func.layout.entry_block().unwrap();
    func.layout.block_insts(block).map(|i| func.dfg.insts[i].opcode()).collect()
}

/// Builds `f(dest, src)` with one memory operation in it.
fn build(op: impl FnOnce(&mut FunctionBuilder, lathe_codegen::ir::Value, lathe_codegen::ir::Value)) -> Function {
    let mut sig = Signature::default();
    sig.params.extend([AbiParam::new(I64), AbiParam::new(I64)]);
    let mut func = Function::new_test("f", sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    b.set_verify_on_finish(true);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (d, s) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    op(&mut b, d, s);
    b.ins().return_(&[]);
    b.finish().unwrap();
    func
}

const CONFIG: MemOpConfig = MemOpConfig { pointer_type: I64, call_conv: CallConv::SystemV };

#[test]
fn small_copies_are_inline_loads_then_stores() {
    assert_eq!(CONFIG.inline_limit(), 32);
    let func = build(|b, d, s| b.emit_small_memory_copy(CONFIG, d, s, 15, 8, 1, true, MemFlags::new()));
    use Opcode::*;
    assert_eq!(opcodes(&func), [Load, Load, Load, Load, Store, Store, Store, Store, Return]);
    let stores: Vec<_> = func
        .layout
        .block_insts(func.layout.entry_block().unwrap())
        .filter(|&i| func.dfg.insts[i].opcode() == Store)
        .map(|i| func.dfg.insts[i].memflags().unwrap().aligned())
        .collect();
    // dest is 8-aligned: the accesses at 0 (8 bytes), 8 (4), 12 (2) and 14 (1) all are.
    assert_eq!(stores, [true, true, true, true]);
    assert!(func.dfg.ext_funcs.is_empty());
}

#[test]
fn large_copies_call_memcpy_or_memmove() {
    for (non_overlapping, name) in [(true, "memcpy"), (false, "memmove")] {
        let func = build(|b, d, s| b.emit_small_memory_copy(CONFIG, d, s, 33, 8, 8, non_overlapping, MemFlags::new()));
        assert_eq!(opcodes(&func), [Opcode::Iconst, Opcode::Call, Opcode::Return]);
        assert_eq!(func.dfg.ext_funcs.len(), 1);
        let f = func.dfg.ext_funcs.values().next().unwrap();
        assert_eq!(f.name, ExternalName::TestCase(name.into()));
        let sig = &func.dfg.signatures[f.signature];
        assert_eq!(sig.params.len(), 3);
        assert_eq!(sig.call_conv, CallConv::SystemV);
    }
}

#[test]
fn memset_inline_and_libcall() {
    let func = build(|b, d, _| b.emit_small_memset(CONFIG, d, 0xab, 12, 4, MemFlags::new()));
    use Opcode::*;
    // One constant per width: 8 bytes then 4.
    assert_eq!(opcodes(&func), [Iconst, Store, Iconst, Store, Return]);
    let func = build(|b, d, _| b.emit_small_memset(CONFIG, d, 0, 100, 4, MemFlags::new()));
    assert_eq!(opcodes(&func), [Iconst, Iconst, Call, Return]);
    let f = func.dfg.ext_funcs.values().next().unwrap();
    assert_eq!(func.dfg.signatures[f.signature].params[1].value_type, I32);
}

#[test]
fn supplied_libcalls_are_used_and_imports_happen_once() {
    let func = build(|b, d, s| {
        let mut copy_sig = Signature::new(CallConv::SystemV);
        copy_sig.params.extend([AbiParam::new(I64); 3]);
        let sig = b.import_signature(copy_sig);
        let mine = b.import_function(ExtFuncData {
            name: ExternalName::TestCase("my_copy".into()),
            signature: sig,
            colocated: true,
        });
        b.set_libcall(LibCall::Memcpy, mine);
        b.emit_small_memory_copy(CONFIG, d, s, 1000, 1, 1, true, MemFlags::new());
        b.emit_small_memory_copy(CONFIG, d, s, 1000, 1, 1, false, MemFlags::new());
        b.emit_small_memory_copy(CONFIG, d, s, 2000, 1, 1, false, MemFlags::new());
    });
    let names: Vec<String> = func.dfg.ext_funcs.values().map(|f| f.name.to_string()).collect();
    assert_eq!(names, ["%my_copy", "%memmove"]);
}
