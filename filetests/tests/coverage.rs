//! Checks the coverage rule: every opcode, scalar and vector, appears in a `test
//! interpret` file, in a function that has run lines.

use lathe_codegen::ir::Opcode;
use lathe_codegen::text;
use lathe_filetests::{collect_files, file_test_kinds};
use std::collections::BTreeSet;
use std::path::Path;

/// Opcodes that are not executed by `test interpret` files, with the reason.
const NOT_INTERPRETED: &[(&str, &str)] = &[
    ("get_frame_pointer", "machine state; no meaningful result in the interpreter"),
    ("get_stack_pointer", "machine state; no meaningful result in the interpreter"),
    ("get_return_address", "machine state; no meaningful result in the interpreter"),
];

#[test]
fn every_opcode_is_interpreted_by_some_filetest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let mut seen = BTreeSet::new();
    for path in collect_files(&[root]).expect("cases folder") {
        let source = std::fs::read_to_string(&path).expect("readable file");
        if !file_test_kinds(&source).iter().any(|k| k == "interpret") {
            continue;
        }
        let Ok(file) = text::parse_test_file(&source) else { continue };
        for tf in &file.functions {
            let has_runs = tf.comments.iter().any(|c| {
                let body = c.text.trim_start_matches(';').trim_start();
                body.starts_with("run") || body.starts_with("print:")
            });
            if !has_runs {
                continue;
            }
            let f = &tf.function;
            for block in f.layout.blocks() {
                for inst in f.layout.block_insts(block) {
                    seen.insert(f.dfg.insts[inst].opcode());
                }
            }
        }
    }
    let missing: Vec<&str> = Opcode::ALL
        .iter()
        .filter(|op| !seen.contains(op))
        .map(|op| op.name())
        .filter(|name| !NOT_INTERPRETED.iter().any(|(n, _)| n == name))
        .collect();
    assert!(missing.is_empty(), "opcodes with no `test interpret` run coverage: {missing:?}");
}
