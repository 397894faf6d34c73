//! Unwinding and debugging through the frames of a linked Lathe object: C calls Lathe,
//! Lathe calls back into C, and the C side walks the stack with `_Unwind_Backtrace`; gdb
//! breaks on a Lathe function and prints a backtrace with names and lines. The unwinding
//! check also runs on aarch64 with signed return addresses (`sign_return_address`), under
//! `qemu-aarch64`, whose default CPU authenticates pointers: an `.eh_frame` without the
//! `negate_ra_state` rules would hand the unwinder a signed return address it cannot find.
//!
//! Needs `cc`, `gdb`, `aarch64-linux-gnu-gcc` and `qemu-aarch64` (Debian `gcc`, `gdb`,
//! `gcc-aarch64-linux-gnu`, `qemu-user`); `.ci/run` installs them.

use lathe_codegen::ir::ExternalName;
use lathe_codegen::isa::{self, TargetIsa};
use lathe_codegen::settings::Flags;
use lathe_object::{DebugOptions, Linkage, ObjectModule};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `outer(x)` calls `inner(x + 1)`, which calls the C function `c_callback(x * 2)`.
const CLIF: &str = r#"
function %inner(i64) -> i64 {
    fn0 = %c_callback(i64) -> i64
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

/// Records the function name of every frame `_Unwind_Backtrace` visits.
const DRIVER: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unwind.h>
long outer(long);
static char names[4096];
static _Unwind_Reason_Code frame(struct _Unwind_Context *ctx, void *arg) {
    Dl_info info;
    /* The return address may be just past the call: look up the byte before it. */
    void *ip = (void *)(_Unwind_GetIP(ctx) - 1);
    const char *name = dladdr(ip, &info) && info.dli_sname ? info.dli_sname : "?";
    strncat(names, name, sizeof names - strlen(names) - 2);
    strcat(names, ",");
    return _URC_NO_REASON;
}
__attribute__((noinline)) long c_callback(long x) {
    _Unwind_Backtrace(frame, 0);
    return x + 100;
}
__attribute__((noinline)) long c_entry(long x) { return outer(x) * 1; }
int main(void) {
    long r = c_entry(5);
    printf("%ld %s\n", r, names);
    return 0;
}
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lathe-object-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("running {cmd:?}: {e} (is it installed?)"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed: {text}");
    text
}

/// The machine the program is built for and run on.
struct Target {
    /// `isa::lookup_target` arguments: the ISA and its flags.
    isa: &'static [&'static str],
    /// The C compiler that links the program.
    cc: &'static str,
    /// The emulator and its arguments, empty to run the program directly.
    runner: &'static [&'static str],
}

const HOST: Target = Target { isa: &["x86_64"], cc: "cc", runner: &[] };

/// aarch64 with return-address signing, dynamically linked (for `dladdr`).
const AARCH64_SIGNED: Target = Target {
    isa: &["aarch64", "sign_return_address"],
    cc: "aarch64-linux-gnu-gcc",
    runner: &["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"],
};

/// Writes the object (with DWARF whose lines are the srclocs of `CLIF` in `calls.clif`)
/// and the driver, and links them into `dir/prog`.
fn build(dir: &Path, target: &Target) -> PathBuf {
    let isa: Box<dyn TargetIsa> =
        isa::lookup_target(target.isa.iter().copied(), Flags::default()).unwrap().finish().unwrap();
    let mut module = ObjectModule::new(&*isa).unwrap();
    module.set_debug_info(DebugOptions::new("calls.clif"));
    module.declare_function("c_callback", Linkage::Import).unwrap();
    for f in lathe_codegen::text::parse_functions(CLIF).unwrap() {
        let ExternalName::TestCase(name) = &f.name else { panic!("test functions are named %name") };
        let id = module.declare_function(name, Linkage::Export).unwrap();
        module.define_function(id, &isa.compile_function(&f, false).unwrap()).unwrap();
    }
    std::fs::write(dir.join("calls.o"), module.finish().unwrap()).unwrap();
    let verify = run(Command::new("llvm-dwarfdump-14").arg("--verify").arg(dir.join("calls.o")));
    assert!(verify.contains("No errors."), "{verify}");
    std::fs::write(dir.join("driver.c"), DRIVER).unwrap();
    let exe = dir.join("prog");
    run(Command::new(target.cc)
        .args(["-g", "-O1", "-rdynamic", "-fasynchronous-unwind-tables"])
        .arg(dir.join("driver.c"))
        .arg(dir.join("calls.o"))
        .arg("-o")
        .arg(&exe));
    exe
}

/// Builds and runs the program for `target` and checks the frames the unwinder saw.
fn unwind_through_lathe_frames(name: &str, target: &Target) {
    let dir = scratch(name);
    let exe = build(&dir, target);
    let mut cmd = match target.runner.split_first() {
        Some((emulator, args)) => {
            let mut c = Command::new(emulator);
            c.args(args).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    let out = run(&mut cmd);
    let (result, frames) = out.trim().split_once(' ').unwrap();
    assert_eq!(result, format!("{}", (5 + 1) * 2 + 100 + 7));
    assert!(frames.contains("c_callback,inner,outer,c_entry,main,"), "the unwinder lost a frame: {frames}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unwind_backtrace_from_c_walks_through_lathe_frames() {
    unwind_through_lathe_frames("unwind", &HOST);
}

#[test]
fn unwind_backtrace_walks_through_signed_aarch64_frames() {
    unwind_through_lathe_frames("unwind-a64-signed", &AARCH64_SIGNED);
}

#[test]
fn gdb_breaks_on_a_lathe_function_and_shows_names_and_lines() {
    let dir = scratch("gdb");
    let exe = build(&dir, &HOST);
    let out =
        run(Command::new("gdb").args(["-nx", "-batch", "-ex", "break inner", "-ex", "run", "-ex", "bt"]).arg(&exe));
    // The breakpoint lands after inner's prologue, on its first line (srcloc 3); outer is
    // in the call on line 0xc; C frames follow.
    assert!(out.contains("Breakpoint 1, inner () at calls.clif:3"), "{out}");
    let bt: Vec<&str> = out.lines().filter(|l| l.starts_with('#')).collect();
    assert!(bt.len() >= 4, "{out}");
    assert!(bt[0].contains("inner () at calls.clif:3"), "{out}");
    assert!(bt[1].contains("outer () at calls.clif:12"), "{out}");
    assert!(bt[2].contains("c_entry"), "{out}");
    assert!(bt[3].contains("main"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}
