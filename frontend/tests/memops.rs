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

/// Inline copies, moves (overlapping) and fills run in the interpreter on a stack slot,
/// for every size up to the inline limit and several alignments.
#[test]
fn inline_operations_have_the_right_effect() {
    use lathe_codegen::data_value::DataValue;
    use lathe_codegen::ir::{StackSlotData, StackSlotKind};
    use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter};
    const LEN: u64 = 80;
    // Initial buffer: byte i holds i + 1.
    let initial: Vec<u8> = (0..LEN as u8).map(|i| i + 1).collect();
    for size in 0..=CONFIG.inline_limit() {
        for (dst_off, src_off) in [(0u64, 32u64), (3, 40), (8, 4), (4, 8), (1, 2)] {
            for op in ["copy", "move", "set"] {
                // Build: fill the slot, do the operation, return the whole slot as words.
                let mut expected = initial.clone();
                match op {
                    "set" => expected[dst_off as usize..(dst_off + size) as usize].fill(0x5a),
                    _ => {
                        let src = initial[src_off as usize..(src_off + size) as usize].to_vec();
                        expected[dst_off as usize..(dst_off + size) as usize].copy_from_slice(&src);
                    }
                }
                let non_overlapping = op == "copy" && (dst_off + size <= src_off || src_off + size <= dst_off);
                if op == "copy" && !non_overlapping {
                    continue;
                }
                let mut sig = Signature::default();
                for _ in 0..LEN / 8 {
                    sig.returns.push(AbiParam::new(I64));
                }
                let mut func = Function::new_test("f", sig);
                let mut ctx = FunctionBuilderContext::new();
                let mut b = FunctionBuilder::new(&mut func, &mut ctx);
                b.set_verify_on_finish(true);
                let ss = b.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, LEN as u32, 3));
                let entry = b.create_block();
                b.switch_to_block(entry);
                b.seal_block(entry);
                for w in 0..LEN / 8 {
                    let bytes: [u8; 8] = initial[(w * 8) as usize..(w * 8 + 8) as usize].try_into().unwrap();
                    let v = b.ins().iconst(I64, i64::from_le_bytes(bytes));
                    b.ins().stack_store(v, ss, (w * 8) as i32);
                }
                let base = b.ins().stack_addr(I64, ss, 0);
                let dst = b.ins().iadd_imm(base, dst_off as i64);
                let src = b.ins().iadd_imm(base, src_off as i64);
                let align = |off: u64| 1u8 << off.trailing_zeros().min(3);
                let flags = MemFlags::new().with_endianness(lathe_codegen::ir::Endianness::Little);
                match op {
                    "set" => b.emit_small_memset(CONFIG, dst, 0x5a, size, align(dst_off), flags),
                    _ => b.emit_small_memory_copy(
                        CONFIG,
                        dst,
                        src,
                        size,
                        align(dst_off),
                        align(src_off),
                        non_overlapping,
                        flags,
                    ),
                }
                let words: Vec<_> = (0..LEN / 8).map(|w| b.ins().stack_load(I64, ss, (w * 8) as i32)).collect();
                b.ins().return_(&words);
                b.finish().unwrap();
                let mut store = FunctionStore::new();
                store.add(&func);
                let got = Interpreter::new(store).call_by_name("f", &[]);
                let want: Vec<DataValue> =
                    expected.chunks(8).map(|c| DataValue::I64(i64::from_le_bytes(c.try_into().unwrap()))).collect();
                assert_eq!(got, Ok(CallOutcome::Return(want)), "{op} size {size} dst {dst_off} src {src_off}");
            }
        }
    }
}
