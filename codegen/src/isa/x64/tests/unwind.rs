//! The unwind events of x86-64 prologues and epilogues: they must describe exactly what
//! the emitted instructions do, at the offsets where they do it.

use crate::isa::lookup_by_name;
use crate::machinst::{CompiledCode, DwarfReg, UnwindInst};
use crate::settings::OptLevel;
use crate::text::parse_functions;

fn compile(src: &str) -> CompiledCode {
    let mut builder = lookup_by_name("x86_64").expect("x86_64 exists");
    builder.flags_mut().opt_level = OptLevel::Speed;
    let isa = builder.finish().expect("default settings");
    let func = parse_functions(src).expect("parses").remove(0);
    isa.compile_function(&func, false).expect("compiles")
}

const RBP: DwarfReg = DwarfReg(6);

/// Checks the events of `code` against its bytes: the frame setup, that every register
/// the prologue saves is restored by every epilogue, and that each epilogue ends with the
/// CFA back at SP + 8 right before a `ret` (0xc3). Returns the registers saved.
fn check_frame_events(code: &CompiledCode, returns: usize) -> Vec<(DwarfReg, i32)> {
    let ev = &code.unwind;
    assert_eq!(code.code[0], 0x55, "push rbp");
    assert_eq!(ev[0].offset, 1);
    assert_eq!(ev[0].inst, UnwindInst::CfaSp { offset: 16 });
    assert_eq!(ev[1].inst, UnwindInst::Saved { reg: RBP, offset: -16 });
    assert_eq!(&code.code[1..4], &[0x48, 0x89, 0xe5], "mov rbp, rsp");
    assert_eq!((ev[2].offset, ev[2].inst), (4, UnwindInst::CfaFp { reg: RBP, offset: 16 }));
    let first_epilogue = ev.iter().position(|e| e.inst == UnwindInst::RememberState).expect("an epilogue");
    let saved: Vec<(DwarfReg, i32)> = ev[3..first_epilogue]
        .iter()
        .map(|e| match e.inst {
            UnwindInst::Saved { reg, offset } => (reg, offset),
            other => panic!("unexpected prologue event {other:?}"),
        })
        .collect();
    let mut epilogues = 0;
    let mut i = first_epilogue;
    while i < ev.len() {
        assert_eq!(ev[i].inst, UnwindInst::RememberState);
        let end = i + ev[i..].iter().position(|e| e.inst == UnwindInst::RestoreState).expect("state restored");
        let body = &ev[i + 1..end];
        for (reg, _) in &saved {
            assert!(body.iter().any(|r| r.inst == UnwindInst::Restored { reg: *reg }), "{reg:?} restored");
        }
        let last_cfa = body.iter().rev().find_map(|e| match e.inst {
            UnwindInst::CfaSp { offset } => Some(offset),
            _ => None,
        });
        assert_eq!(last_cfa, Some(8), "after `pop rbp` only the return address is left");
        let ret_at = ev[end].offset as usize - 1;
        assert_eq!(code.code[ret_at], 0xc3, "the epilogue's return");
        assert_eq!(body.last().unwrap().offset as usize, ret_at, "the CFA rule changes right before the ret");
        epilogues += 1;
        i = end + 1;
    }
    assert_eq!(epilogues, returns);
    saved
}

#[test]
fn a_leaf_function_only_sets_up_the_frame_pointer() {
    let code = compile(
        "function %f(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = iadd v0, v1
    return v2
}",
    );
    assert!(check_frame_events(&code, 1).is_empty());
}

#[test]
fn callee_saved_registers_are_described_where_they_are_pushed() {
    // Eight values live across a call: more than the caller-saved registers can keep, so
    // the allocator uses callee-saved ones, which the prologue pushes below rbp.
    let code = compile(
        "function %f(i64, i64, i64, i64, i64, i64) -> i64 {
    fn0 = %g() system_v
block0(v0: i64, v1: i64, v2: i64, v3: i64, v4: i64, v5: i64):
    brif v0, block1, block2
block1:
    call fn0()
    v6 = iadd v0, v1
    v7 = iadd v2, v3
    v8 = iadd v4, v5
    v9 = iadd v6, v7
    v10 = iadd v8, v9
    return v10
block2:
    return v1
}",
    );
    let saved = check_frame_events(&code, 2);
    assert!(!saved.is_empty(), "some callee-saved register is used");
    for (k, (reg, offset)) in saved.iter().enumerate() {
        assert_eq!(*offset, -24 - 8 * k as i32, "pushed in order below rbp");
        assert!(matches!(reg.0, 3 | 12..=15), "{reg:?} is rbx or r12-r15");
    }
}

#[test]
fn windows_xmm_saves_are_described_relative_to_the_cfa() {
    // xmm6-15 are callee-saved under Windows x64; values live across a call take them.
    let code = compile(
        "function %f(f64, f64, f64, f64) -> f64 windows_fastcall {
    fn0 = %g() windows_fastcall
block0(v0: f64, v1: f64, v2: f64, v3: f64):
    call fn0()
    v4 = fadd v0, v1
    v5 = fadd v2, v3
    v6 = fadd v4, v5
    return v6
}",
    );
    let saved = check_frame_events(&code, 1);
    let xmm: Vec<_> = saved.iter().filter(|(r, _)| r.0 >= 17).collect();
    assert!(!xmm.is_empty(), "some xmm register is saved: {saved:?}");
    for (reg, offset) in xmm {
        assert!((23..=32).contains(&reg.0), "{reg:?} is xmm6-15");
        assert!(*offset < -16 && offset % 16 == 0, "a 16-byte slot below the frame: {offset}");
    }
}
