//! What the x86-64 backend refuses, and that it says so with a clear `Unsupported` error
//! rather than producing wrong code.

use crate::isa::lookup_by_name;
use crate::result::CodegenError;
use crate::text::parse_functions;

fn compile(src: &str) -> Result<(), CodegenError> {
    let isa = lookup_by_name("x86_64").expect("x86_64 exists").finish().expect("default settings");
    let func = parse_functions(src).expect("parses").remove(0);
    isa.compile_function(&func, false).map(|_| ())
}

#[test]
fn tail_call_needing_more_stack_than_received_is_unsupported() {
    // The callee takes two stack arguments; this function received none, so there is no
    // incoming area to pass them in.
    let src = "function %f(i64) -> i64 tail {
    fn0 = %g(i64, i64, i64, i64, i64, i64, i64, i64) -> i64 tail
block0(v0: i64):
    return_call fn0(v0, v0, v0, v0, v0, v0, v0, v0)
}
";
    match compile(src) {
        Err(CodegenError::Unsupported(msg)) => {
            assert!(msg.contains("16 bytes of stack arguments") && msg.contains("received 0"), "{msg}")
        }
        other => panic!("expected an unsupported error, got {other:?}"),
    }
}

#[test]
fn tail_call_within_the_incoming_area_compiles() {
    let src = "function %f(i64, i64, i64, i64, i64, i64, i64, i64) -> i64 tail {
    fn0 = %g(i64, i64, i64, i64, i64, i64, i64) -> i64 tail
block0(v0: i64, v1: i64, v2: i64, v3: i64, v4: i64, v5: i64, v6: i64, v7: i64):
    return_call fn0(v7, v6, v5, v4, v3, v2, v1)
}
";
    compile(src).expect("one stack argument fits in the two received");
}

fn unsupported_message(src: &str) -> String {
    match compile(src) {
        Err(CodegenError::Unsupported(msg)) => msg,
        other => panic!("expected an unsupported error, got {other:?}"),
    }
}

#[test]
fn vector_instructions_without_a_lowering_name_the_opcode_and_type() {
    // A vector `fma` needs FMA3, as a scalar one does: the default flags lack it.
    let msg = unsupported_message(
        "function %f(f32x4, f32x4, f32x4) -> f32x4 {
block0(v0: f32x4, v1: f32x4, v2: f32x4):
    v3 = fma v0, v1, v2
    return v3
}
",
    );
    assert!(msg.contains("`fma`") && msg.contains("has_fma"), "{msg}");
    // Vectors narrower than 128 bits are not lowered: the error names the type and the
    // instruction.
    let msg = unsupported_message(
        "function %f(i64) {
block0(v0: i64):
    v1 = load.i32x2 v0
    v2 = iadd v1, v1
    store v2, v0
    return
}
",
    );
    assert!(msg.contains("`i32x2` on x86_64") && msg.contains("(in `"), "{msg}");
}
