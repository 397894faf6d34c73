//! Hardware traps in JIT code become trap codes and the process carries on: ud2, divide
//! error, bad loads, stack overflow, many traps in a row, traps on several threads, and
//! nested calls (JIT → host → JIT).

mod common;

use common::*;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::TrapCode;
use lathe_codegen::ir::types::{I32, I64};
use lathe_codegen::machinst::RelocKind;
use lathe_jit::{CallOutcome, DEFAULT_ILLEGAL_INSTRUCTION_TRAP, FuncId, JitModule};
use std::sync::OnceLock;

/// `ud2` with a `user1` trap site.
fn ud2_module() -> (JitModule, FuncId) {
    // ud2
    single(code_with_traps(&[0x0f, 0x0b], &[(0, TrapCode::User(1))]), sig(&[], &[]))
}

/// `a / b` on i32 with an `int_divz` site on the idiv.
#[rustfmt::skip]
const DIV: [u8; 6] = [
    0x89, 0xf8, // mov eax, edi
    0x99,       // cdq
    0xf7, 0xfe, // idiv esi      ; offset 3
    0xc3,       // ret
];

/// `mov rax, [rdi]; ret`: a load from the address in the first argument.
const LOAD: [u8; 4] = [0x48, 0x8b, 0x07, 0xc3];

/// `call self` forever: `call rel32 -5`.
const RECURSE: [u8; 5] = [0xe8, 0xfb, 0xff, 0xff, 0xff];

/// `lea rax, [rdi+rsi]; ret`, to show normal calls still work after traps.
const ADD: [u8; 5] = [0x48, 0x8d, 0x04, 0x37, 0xc3];

fn add_works(m: &JitModule, add: FuncId) {
    assert_eq!(returns(m, add, &[DataValue::I64(2), DataValue::I64(3)]), [DataValue::I64(5)]);
}

/// One module with every trapping function and a normal one.
struct Zoo {
    m: JitModule,
    ud2: FuncId,
    div: FuncId,
    load_site: FuncId,
    load_default: FuncId,
    recurse: FuncId,
    add: FuncId,
}

fn zoo() -> Zoo {
    let mut m = JitModule::new();
    let ud2 = m
        .define_function(name("ud2"), &code_with_traps(&[0x0f, 0x0b], &[(0, TrapCode::User(1))]), &sig(&[], &[]))
        .unwrap();
    let div = m
        .define_function(
            name("div"),
            &code_with_traps(&DIV, &[(3, TrapCode::IntegerDivisionByZero)]),
            &sig(&[I32, I32], &[I32]),
        )
        .unwrap();
    let load_site = m
        .define_function(name("load_site"), &code_with_traps(&LOAD, &[(0, TrapCode::User(5))]), &sig(&[I64], &[I64]))
        .unwrap();
    let load_default = m.define_function(name("load_default"), &code(&LOAD), &sig(&[I64], &[I64])).unwrap();
    let recurse = m.define_function(name("recurse"), &code(&RECURSE), &sig(&[], &[])).unwrap();
    let add = m.define_function(name("add"), &code(&ADD), &sig(&[I64, I64], &[I64])).unwrap();
    m.finalize().unwrap();
    Zoo { m, ud2, div, load_site, load_default, recurse, add }
}

#[test]
fn ud2_at_a_trap_site_reports_its_code() {
    let (m, f) = ud2_module();
    assert_eq!(traps(&m, f, &[]), TrapCode::User(1));
    assert_eq!(traps(&m, f, &[]), TrapCode::User(1));
}

#[test]
fn ud2_without_a_trap_site_reports_the_default() {
    let (m, f) = single(code(&[0x0f, 0x0b]), sig(&[], &[]));
    assert_eq!(traps(&m, f, &[]), DEFAULT_ILLEGAL_INSTRUCTION_TRAP);
}

#[test]
fn divide_by_zero() {
    let z = zoo();
    assert_eq!(traps(&z.m, z.div, &[DataValue::I32(7), DataValue::I32(0)]), TrapCode::IntegerDivisionByZero);
    assert_eq!(returns(&z.m, z.div, &[DataValue::I32(7), DataValue::I32(2)]), [DataValue::I32(3)]);
    // Without a trap site, a divide error defaults to int_divz too.
    let (m, f) = single(code(&DIV), sig(&[I32, I32], &[I32]));
    assert_eq!(traps(&m, f, &[DataValue::I32(1), DataValue::I32(0)]), TrapCode::IntegerDivisionByZero);
}

#[test]
fn load_from_address_zero() {
    let z = zoo();
    assert_eq!(traps(&z.m, z.load_site, &[DataValue::I64(0)]), TrapCode::User(5));
    assert_eq!(traps(&z.m, z.load_default, &[DataValue::I64(0)]), TrapCode::HeapOutOfBounds);
    let x: i64 = 1234;
    let addr = &x as *const i64 as i64;
    assert_eq!(returns(&z.m, z.load_default, &[DataValue::I64(addr)]), [DataValue::I64(1234)]);
}

#[test]
fn unbounded_recursion_is_a_stack_overflow() {
    let z = zoo();
    for _ in 0..3 {
        assert_eq!(traps(&z.m, z.recurse, &[]), TrapCode::StackOverflow);
        add_works(&z.m, z.add);
    }
}

#[test]
fn hundreds_of_traps_in_a_row() {
    let z = zoo();
    for i in 0..300 {
        assert_eq!(traps(&z.m, z.ud2, &[]), TrapCode::User(1), "iteration {i}");
        assert_eq!(traps(&z.m, z.div, &[DataValue::I32(i), DataValue::I32(0)]), TrapCode::IntegerDivisionByZero);
        assert_eq!(traps(&z.m, z.load_default, &[DataValue::I64(8)]), TrapCode::HeapOutOfBounds);
        add_works(&z.m, z.add);
    }
}

#[test]
fn traps_on_one_thread_while_another_runs() {
    let z = zoo();
    std::thread::scope(|s| {
        let trapping = s.spawn(|| {
            for _ in 0..200 {
                assert_eq!(traps(&z.m, z.ud2, &[]), TrapCode::User(1));
                assert_eq!(traps(&z.m, z.load_default, &[DataValue::I64(0)]), TrapCode::HeapOutOfBounds);
            }
            assert_eq!(traps(&z.m, z.recurse, &[]), TrapCode::StackOverflow);
        });
        let normal = s.spawn(|| {
            for i in 0..20_000i64 {
                assert_eq!(returns(&z.m, z.add, &[DataValue::I64(i), DataValue::I64(1)]), [DataValue::I64(i + 1)]);
            }
        });
        trapping.join().unwrap();
        normal.join().unwrap();
    });
    add_works(&z.m, z.add);
}

#[test]
fn a_thread_with_a_small_stack_overflows_cleanly() {
    let z = zoo();
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped(s, || {
                assert_eq!(traps(&z.m, z.recurse, &[]), TrapCode::StackOverflow);
                add_works(&z.m, z.add);
            })
            .unwrap()
            .join()
            .unwrap();
    });
}

/// The module the host function below re-enters.
static INNER: OnceLock<(JitModule, FuncId)> = OnceLock::new();

fn inner() -> &'static (JitModule, FuncId) {
    INNER.get_or_init(|| {
        // ud2 with a user7 site
        let (m, f) = single(code_with_traps(&[0x0f, 0x0b], &[(0, TrapCode::User(7))]), sig(&[], &[]));
        (m, f)
    })
}

/// Called from JIT code: calls JIT code that traps, and returns the trap's user number.
extern "sysv64" fn reenter() -> i64 {
    let (m, f) = inner();
    match m.call(*f, &[]) {
        Ok(CallOutcome::Trap(TrapCode::User(n))) => n as i64,
        _ => -1,
    }
}

#[test]
fn nested_calls_have_their_own_contexts() {
    inner();
    let mut m = JitModule::new();
    m.define_host_symbol(name("reenter"), reenter as *const u8);
    #[rustfmt::skip]
    let outer = code_with_reloc(&[
        0x53,                         // push rbx            ; also aligns the stack
        0x48, 0x89, 0xfb,             // mov rbx, rdi        ; keep the argument across the call
        0xe8, 0x00, 0x00, 0x00, 0x00, // call %reenter       ; X86CallPlt4 at 5
        0x48, 0x83, 0xc0, 0x64,       // add rax, 100        ; 107 if the inner call trapped with user7
        0x48, 0x85, 0xdb,             // test rbx, rbx
        0x74, 0x02,                   // jz +2               ; argument 0: return normally
        0x0f, 0x0b,                   // ud2                 ; offset 18, user2: trap after the nested trap
        0x5b,                         // pop rbx
        0xc3,                         // ret
    ], 5, RelocKind::X86CallPlt4, "reenter", -4);
    let mut outer = outer;
    outer.traps.push(lathe_codegen::machinst::TrapSite { offset: 18, code: TrapCode::User(2) });
    let f = m.define_function(name("outer"), &outer, &sig(&[I64], &[I64])).unwrap();
    m.finalize().unwrap();
    for _ in 0..50 {
        assert_eq!(returns(&m, f, &[DataValue::I64(0)]), [DataValue::I64(107)]);
        assert_eq!(traps(&m, f, &[DataValue::I64(1)]), TrapCode::User(2));
    }
}

/// A fault outside JIT code must not be swallowed: it reaches the previous handler (here
/// the default action), so the child process dies of SIGSEGV.
#[test]
fn faults_outside_jit_code_reach_the_previous_handler() {
    use std::os::unix::process::ExitStatusExt;
    const CHILD: &str = "LATHE_JIT_FAULT_CHILD";
    if std::env::var_os(CHILD).is_some() {
        // JIT code calls a "host function" at the address of non-executable data: the
        // fault is at that address, outside JIT code, while a JIT call is active.
        static DATA: [u8; 16] = [0; 16];
        let mut m = JitModule::new();
        m.define_host_symbol(name("data"), DATA.as_ptr());
        #[rustfmt::skip]
        let bytes = code_with_reloc(&[
            0x48, 0x83, 0xec, 0x08,                                     // sub rsp, 8
            0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // movabs rax, %data ; Abs8 at 6
            0xff, 0xd0,                                                 // call rax
            0x48, 0x83, 0xc4, 0x08,                                     // add rsp, 8
            0xc3,                                                       // ret
        ], 6, RelocKind::Abs8, "data", 0);
        let f = m.define_function(name("f"), &bytes, &sig(&[], &[])).unwrap();
        m.finalize().unwrap();
        let _ = m.call(f, &[]);
        std::process::exit(0);
    }
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new(exe)
        .args(["--exact", "faults_outside_jit_code_reach_the_previous_handler", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.signal(), Some(libc::SIGSEGV), "child status {status:?}");
}
