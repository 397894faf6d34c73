//! Functions compiled by the x86-64 backend (not hand-written bytes) whose behaviour
//! depends on the JIT and the backend together: stack overflow with large frames.

mod common;

use common::*;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::TrapCode;
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_jit::JitModule;

/// Compiles every function of `src` for x86-64 and finalizes them in one module.
fn module(src: &str, opt_level: OptLevel) -> (JitModule, Vec<lathe_jit::FuncId>) {
    let flags = Flags { opt_level, ..Flags::default() };
    let isa = lathe_codegen::isa::lookup_by_name("x86_64")
        .expect("x86_64 exists")
        .with_flags(flags)
        .finish()
        .expect("settings");
    let mut m = JitModule::new();
    let ids = lathe_codegen::text::parse_functions(src)
        .expect("parses")
        .iter()
        .map(|f| {
            let code = isa.compile_function(f, false).expect("compiles");
            m.define_function(f.name.clone(), &code, &f.signature).expect("defines")
        })
        .collect();
    m.finalize().expect("finalizes");
    (m, ids)
}

/// Unbounded recursion with 64 KiB frames: each frame is larger than a guard page, so
/// without stack probes a frame's first access could land beyond the guard region. With
/// them, the overflow is caught on the guard page and reported as `stk_ovf`, on a thread
/// with a small stack and on one with a large stack, again and again.
const BIG_FRAMES: &str = "function %deep(i64) -> i64 {
    ss0 = explicit_slot 65536
    fn0 = %deep(i64) -> i64
block0(v0: i64):
    stack_store v0, ss0
    stack_store v0, ss0+65528
    v1 = iadd_imm v0, 1
    v2 = call fn0(v1)
    v3 = stack_load.i64 ss0+65528
    v4 = iadd v2, v3
    return v4
}

function %shallow(i64) -> i64 {
    ss0 = explicit_slot 20000
block0(v0: i64):
    stack_store v0, ss0
    stack_store v0, ss0+19992
    v1 = stack_load.i64 ss0
    v2 = stack_load.i64 ss0+19992
    v3 = iadd v1, v2
    return v3
}
";

#[test]
fn recursion_with_frames_larger_than_a_page_overflows_cleanly() {
    for level in [OptLevel::None, OptLevel::Speed] {
        let (m, ids) = module(BIG_FRAMES, level);
        let (deep, shallow) = (ids[0], ids[1]);
        for stack in [256 << 10, 8 << 20] {
            std::thread::scope(|s| {
                std::thread::Builder::new()
                    .stack_size(stack)
                    .spawn_scoped(s, || {
                        for _ in 0..3 {
                            assert_eq!(traps(&m, deep, &[DataValue::I64(0)]), TrapCode::StackOverflow);
                            // A large frame that fits still works after the overflow.
                            assert_eq!(returns(&m, shallow, &[DataValue::I64(21)]), [DataValue::I64(42)]);
                        }
                    })
                    .expect("spawns");
            });
        }
    }
}
