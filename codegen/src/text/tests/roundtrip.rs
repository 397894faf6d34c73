//! Round trips: parsing the sample and printing it is stable, numbers are kept, every
//! opcode and format is covered, and comments are attached to the right entities.

use super::{SAMPLE, print_all};
use crate::entity::EntityRef;
use crate::ir::{Block, Function, GlobalValueData, InstructionFormat, Opcode, SourceLoc, Value, ValueDef, types};
use crate::text::{CommentEntity, HeaderLine, parse_functions, parse_test_file};
use std::collections::HashSet;

fn opcodes(funcs: &[Function]) -> HashSet<Opcode> {
    let mut set = HashSet::new();
    for f in funcs {
        for b in f.layout.blocks() {
            for i in f.layout.block_insts(b) {
                set.insert(f.dfg.insts[i].opcode());
            }
        }
    }
    set
}

#[test]
fn sample_covers_every_opcode_and_format() {
    let funcs = parse_functions(SAMPLE).unwrap();
    let seen = opcodes(&funcs);
    let missing: Vec<_> = Opcode::ALL.iter().filter(|op| !seen.contains(op)).collect();
    assert!(missing.is_empty(), "opcodes missing from the sample: {missing:?}");
    let formats: HashSet<InstructionFormat> = seen.iter().map(|op| op.format()).collect();
    let all_formats: HashSet<InstructionFormat> = Opcode::ALL.iter().map(|op| op.format()).collect();
    assert_eq!(formats, all_formats);
}

#[test]
fn sample_round_trips() {
    let first = print_all(SAMPLE).unwrap();
    let second = print_all(&first).unwrap();
    assert_eq!(first, second);
    // Printing keeps the text's value and block numbers.
    assert!(first.contains("v28, v29 = uadd_overflow v27, v0"), "{first}");
    assert!(first.contains("block5(v30: i32, v31: i32):"));
    assert!(first.contains("br_table v32, block9, [block1, block2(v32), block5(v32, v31)]"));
    assert!(first.contains("block9 cold:"));
    assert!(first.contains("block2(v10: i32) cold:"));
    assert!(first.contains("    @0012 v2 = load.i64 notrap aligned v1+16"));
    assert!(first.contains("v3 = load.i32 little heap_oob v1-8"));
    assert!(first.contains("v4 = vconst.f32x4 [0x1.0p0 -0x1.0p0 +NaN 0x0.0p0]"));
    assert!(first.contains("v5 = vconst.i8x16 [2 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0]"));
    assert!(first.contains("v7 = f64const +NaN:0x1"));
    assert!(first.contains("v98 = iadd v97, v3"), "an inferred suffix is not printed");
    assert!(first.contains("v33 = uload8x8 notrap v32+8"), "an extending vector load takes its type from the address");
    assert!(first.contains("v31 = fvdemote v30"));
    assert!(first.contains("v43 = x86_cvtt2dq.i32x4 v31"));
    assert!(first.contains("function %floats(f32, f64) -> f32, f64 fast {"));
    assert!(first.contains("function u0:7(i32, i64) -> i32 windows_fastcall {"));
}

#[test]
fn preamble_is_dense_and_printed_in_order() {
    let funcs = parse_functions(SAMPLE).unwrap();
    let mem = funcs[2].to_string();
    let expected_preamble = "function %memory(i64 vmctx, i64) -> i64 tail {
    ss0 = explicit_slot 16
    ss1 = explicit_slot 32, align = 16
    gv0 = vmctx
    gv1 = load.i64 notrap aligned readonly gv0+8
    gv2 = iadd_imm.i64 gv1, 16
    gv3 = symbol colocated %foo+8
    gv4 = symbol u1:2
    gv5 = symbol tls %tlsvar-16

block0(v0: i64, v1: i64):
";
    assert!(mem.starts_with(expected_preamble), "{mem}");
    assert!(mem.contains("v10 = stack_load.i32 ss0+4"));
    assert!(mem.contains("stack_store v10, ss1+8"));
    assert!(mem.contains("v13 = global_value.i64 gv2"));
    assert!(matches!(funcs[2].global_values[crate::ir::GlobalValue::new(1)], GlobalValueData::Load { .. }));
    let calls = funcs[3].to_string();
    let expected_calls = "    sig0 = (i64) -> i64 tail
    sig1 = (i32, i32) -> i32 system_v
    sig2 = (i32) -> i32 fast
    fn0 = colocated %helper sig2
    fn1 = %other sig0
    fn2 = u2:9 sig1
";
    assert!(calls.contains(expected_calls), "{calls}");
    assert!(calls.contains("v2 = call fn0(v0)"));
    assert!(calls.contains("v4 = call_indirect sig0, v3(v1)"));
    assert!(calls.contains("return_call_indirect sig1, v3(v10, v10)"));
}

#[test]
fn values_blocks_aliases_and_srclocs_are_kept() {
    let funcs = parse_functions(SAMPLE).unwrap();
    let control = &funcs[4];
    let v = Value::from_u32;
    assert_eq!(control.dfg.value_def(v(40)), ValueDef::Alias(v(30)));
    assert_eq!(control.dfg.resolve_aliases(v(41)), v(30));
    assert_eq!(control.dfg.value_type(v(41)), types::I32);
    assert_eq!(control.dfg.value_type(v(32)), types::I32);
    assert!(control.layout.is_cold(Block::from_u32(9)));
    let text = control.to_string();
    assert!(text.contains("    v40 -> v30\n    v41 -> v40\n    v32 = iadd v41, v50"), "{text}");
    let mem = &funcs[2];
    let first = mem.layout.first_inst(mem.layout.entry_block().unwrap()).unwrap();
    assert_eq!(mem.srclocs[first], SourceLoc::new(0x12));
}

#[test]
fn test_file_headers_and_comments() {
    let tf = parse_test_file(SAMPLE).unwrap();
    assert_eq!(tf.commands.len(), 2);
    assert_eq!(tf.commands[1].name, "compile");
    assert_eq!(tf.commands[1].options, vec!["precise-output".to_string()]);
    assert_eq!(tf.headers.len(), 3);
    assert!(
        matches!(&tf.headers[1], HeaderLine::Target { arch, flags, line: 4 } if arch == "x86_64" && flags == &["has_avx"])
    );
    let f0 = &tf.functions[0];
    assert_eq!(f0.start_line, 8);
    assert_eq!(f0.comments[0].entity, CommentEntity::Function);
    assert_eq!(f0.comments[0].text, "; the function line");
    assert!(matches!(f0.comments[1].entity, CommentEntity::Block(b) if b == Block::from_u32(0)));
    assert!(matches!(f0.comments[2].entity, CommentEntity::Inst(_)));
    assert_eq!(f0.comments.last().unwrap().text, "; run: %consts_and_arith(1, 2, 3) == [4, 5]");
    assert_eq!(f0.comments.last().unwrap().entity, CommentEntity::None);
    // The first comment of the file sits before any function and belongs to none.
    assert!(tf.functions.iter().all(|f| f.comments.iter().all(|c| !c.text.contains("A sample covering"))));
    let last = tf.functions.last().unwrap();
    assert_eq!(last.comments.last().unwrap().text, ";; a double comment is a comment too");
    let end = SAMPLE.lines().position(|l| l == "}").unwrap() + 1;
    assert_eq!(f0.end_line, end);
}

#[test]
fn forms_that_print_differently() {
    // The older jump table form, explicit suffixes on inferred opcodes, `NaN` without a
    // sign, unsorted and sparse preamble numbers.
    let text = "function %f(i32) {
    jt4 = jump_table [block1, block2]
block0(v0: i32):
    v1 = iadd.i32 v0, v0
    v2 = f32const NaN
    br_table v1, block2, jt4
block1:
    return
block2:
    return
}";
    let out = print_all(text).unwrap();
    assert!(out.contains("br_table v1, block2, [block1, block2]"), "{out}");
    assert!(out.contains("v1 = iadd v0, v0"));
    assert!(out.contains("v2 = f32const +NaN"));
    assert_eq!(print_all(&out).unwrap(), out);
}

#[test]
fn unused_aliases_are_dropped_and_numbers_sparse() {
    let text = "function %f(i64) -> i64 {
block7(v100: i64):
    v200 -> v100
    v300 = iadd v100, v100
    return v300
}";
    let out = print_all(text).unwrap();
    assert_eq!(
        out,
        "function %f(i64) -> i64 fast {\nblock7(v100: i64):\n    v300 = iadd v100, v100\n    return v300\n}\n"
    );
}
