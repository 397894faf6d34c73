//! JIT code seen by the system unwinder and by gdb: a host function called from JIT code
//! walks the stack with `_Unwind_Backtrace` through the JIT frames, the entry trampoline
//! and the entry stub down to the test's own frames; and gdb, through the GDB JIT
//! interface, breaks on a JIT function by name and shows a backtrace with lines.
//!
//! The gdb test runs this test binary under gdb (Debian `gdb`; `.ci/run` installs it),
//! selecting `registered_code_runs_under_a_debugger` with an environment variable.

use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::ExternalName;
use lathe_codegen::isa::{self, TargetIsa};
use lathe_codegen::settings::Flags;
use lathe_jit::{CallOutcome, JitModule};
use lathe_object::DebugOptions;
use std::ffi::c_void;
use std::process::Command;
use std::sync::Mutex;

/// `outer(x)` calls `inner(x + 1)`, which calls the host's `host_callback(x * 2)`.
const CLIF: &str = r#"
function %inner(i64) -> i64 {
    fn0 = %host_callback(i64) -> i64
block0(v0: i64):
@0003 v1 = imul_imm v0, 2
@0004 v2 = call fn0(v1)
@0005 v3 = iadd_imm v2, 7
@0006 return v3
}

function %outer(i64) -> i64 {
    fn0 = %inner(i64) -> i64
block0(v0: i64):
@000b v1 = iadd_imm v0, 1
@000c v2 = call fn0(v1)
@000d return v2
}
"#;

const URC_NO_REASON: i32 = 0;
const URC_END_OF_STACK: i32 = 5;

unsafe extern "C" {
    fn _Unwind_Backtrace(trace: extern "C" fn(*mut c_void, *mut c_void) -> i32, arg: *mut c_void) -> i32;
    fn _Unwind_GetIP(context: *mut c_void) -> usize;
}

/// The instruction pointers of the last backtrace, and how it ended.
static BACKTRACE: Mutex<(Vec<usize>, i32)> = Mutex::new((Vec::new(), -1));

extern "C" fn record_frame(context: *mut c_void, _arg: *mut c_void) -> i32 {
    // SAFETY: the unwinder passes a live context for the frame being visited.
    let ip = unsafe { _Unwind_GetIP(context) };
    BACKTRACE.lock().unwrap().0.push(ip);
    URC_NO_REASON
}

extern "C" fn host_callback(x: i64) -> i64 {
    BACKTRACE.lock().unwrap().0.clear();
    // SAFETY: `record_frame` has the callback signature `_Unwind_Backtrace` expects.
    let end = unsafe { _Unwind_Backtrace(record_frame, std::ptr::null_mut()) };
    BACKTRACE.lock().unwrap().1 = end;
    x + 100
}

/// The two functions loaded, with their code ranges.
fn load(debugger: bool) -> (JitModule, Vec<(String, usize, usize)>) {
    let isa: Box<dyn TargetIsa> = isa::host_isa(Flags::default()).unwrap();
    let mut module = JitModule::new();
    if debugger {
        module.enable_debugger(DebugOptions::new("calls.clif"));
    }
    module.define_host_symbol(ExternalName::TestCase("host_callback".into()), host_callback as *const u8);
    let mut sizes = Vec::new();
    for f in lathe_codegen::text::parse_functions(CLIF).unwrap() {
        let code = isa.compile_function(&f, false).unwrap();
        sizes.push((f.name.clone(), code.code.len()));
        module.define_function(f.name.clone(), &code, &f.signature).unwrap();
    }
    module.finalize().unwrap();
    let ranges = sizes
        .into_iter()
        .map(|(name, len)| {
            let start = module.function_address(module.lookup(&name).unwrap()).unwrap() as usize;
            (name.to_string(), start, start + len)
        })
        .collect();
    (module, ranges)
}

fn call_outer(module: &JitModule) -> CallOutcome {
    let outer = module.lookup(&ExternalName::TestCase("outer".into())).unwrap();
    module.call(outer, &[DataValue::I64(5)]).unwrap()
}

#[test]
fn unwinding_from_a_host_call_walks_through_jit_frames() {
    let (module, ranges) = load(false);
    assert_eq!(call_outer(&module), CallOutcome::Return(vec![DataValue::I64((5 + 1) * 2 + 100 + 7)]));
    let (ips, end) = BACKTRACE.lock().unwrap().clone();
    // A frame's IP is its return address: look at the byte before it.
    let frame_of = |ip: usize| ranges.iter().position(|&(_, start, end)| start < ip && ip - 1 < end);
    let frames: Vec<Option<usize>> = ips.iter().map(|&ip| frame_of(ip)).collect();
    let inner = frames.iter().position(|&f| f == Some(0)).unwrap_or_else(|| panic!("no inner frame in {ips:x?}"));
    assert_eq!(frames.get(inner + 1), Some(&Some(1)), "outer must follow inner: {ips:x?}");
    // Past the JIT frames the walk goes on through the trampoline and the entry stub into
    // Rust, down to the thread's first frame.
    assert_eq!(end, URC_END_OF_STACK, "the walk stopped early after {} frames: {ips:x?}", ips.len());
    assert!(ips.len() > inner + 4, "{ips:x?}");
}

const CHILD: &str = "LATHE_JIT_GDB_CHILD";

/// Under gdb (see below) this is the program being debugged; on its own it checks that
/// code registered with the debugger interface runs and unregisters cleanly.
#[test]
fn registered_code_runs_under_a_debugger() {
    let (module, _) = load(true);
    assert_eq!(call_outer(&module), CallOutcome::Return(vec![DataValue::I64(119)]));
    drop(module);
    // Registering and dropping again leaves the interface's list consistent.
    let (module, _) = load(true);
    assert_eq!(call_outer(&module), CallOutcome::Return(vec![DataValue::I64(119)]));
}

#[test]
fn gdb_shows_jit_functions_with_names_and_lines() {
    if std::env::var_os(CHILD).is_some() {
        return; // This process is the child: only the test above runs here.
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("gdb")
        .args(["-nx", "-batch", "-ex", "set breakpoint pending on", "-ex", "break inner", "-ex", "run", "-ex", "bt"])
        .arg("--args")
        .arg(&exe)
        .args(["--exact", "registered_code_runs_under_a_debugger", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("gdb runs (Debian package gdb)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("inner () at calls.clif:3"), "gdb did not stop in inner at its first line:\n{text}");
    let bt: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert!(bt.first().is_some_and(|l| l.contains("inner () at calls.clif:3")), "{text}");
    assert!(bt.get(1).is_some_and(|l| l.contains("outer () at calls.clif:12")), "{text}");
    // gdb unwinds on through the trampoline and the stub into the test's Rust frames.
    assert!(bt.iter().any(|l| l.contains("registered_code_runs_under_a_debugger")), "{text}");
}
