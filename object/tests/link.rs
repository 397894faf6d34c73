//! Objects written by `ObjectModule`, linked by the system C compiler with a C driver and
//! run: calls between Lathe functions, a call into C, a data object holding a function's
//! address, and DWARF checked by `llvm-dwarfdump-14 --verify`.
//!
//! Needs `cc` and `llvm-dwarfdump-14` (Debian `gcc`, `llvm-14`); `.ci/run` installs them.

use lathe_codegen::ir::ExternalName;
use lathe_codegen::isa::{self, TargetIsa};
use lathe_codegen::machinst::RelocKind;
use lathe_codegen::settings::Flags;
use lathe_object::{DataDescription, DataReloc, DebugOptions, Linkage, ObjectModule};
use std::path::{Path, PathBuf};
use std::process::Command;

const CLIF: &str = r#"
function %square(i64) -> i64 {
block0(v0: i64):
@000a v1 = imul v0, v0
@000b return v1
}

function %sum_squares(i64, i64) -> i64 {
    sig0 = (i64) -> i64
    fn0 = %square sig0
    fn1 = %c_add(i64, i64) -> i64
block0(v0: i64, v1: i64):
@0014 v2 = call fn0(v0)
@0015 v3 = call fn0(v1)
@0016 v4 = call fn1(v2, v3)
@0017 return v4
}
"#;

const DRIVER: &str = r#"
#include <stdio.h>
long square(long);
long sum_squares(long, long);
extern long (*const table[1])(long);
long c_add(long a, long b) { return a + b + 1000; }
int main(void) {
    printf("%ld %ld %ld\n", square(12), sum_squares(3, 4), table[0](9));
    return 0;
}
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lathe-object-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn host_isa() -> Box<dyn TargetIsa> {
    isa::lookup_by_name("x86_64").unwrap().with_flags(Flags::default()).finish().unwrap()
}

/// Compiles the CLIF functions into an object with a data object `table` holding
/// `square`'s address.
fn build_object(isa: &dyn TargetIsa, debug: bool) -> Vec<u8> {
    let funcs = lathe_codegen::text::parse_functions(CLIF).unwrap();
    let mut module = ObjectModule::new(isa).unwrap();
    if debug {
        module.set_debug_info(DebugOptions::new("sum.clif"));
    }
    for f in &funcs {
        let ExternalName::TestCase(name) = &f.name else { panic!("test functions are named %name") };
        let id = module.declare_function(name, Linkage::Export).unwrap();
        let code = isa.compile_function(f, false).unwrap();
        module.define_function(id, &code).unwrap();
    }
    module.declare_function("c_add", Linkage::Import).unwrap();
    let table = module.declare_data("table", Linkage::Export, false).unwrap();
    let target = ExternalName::TestCase("square".into());
    let data =
        DataDescription { bytes: vec![0; 8], align: 8, relocs: vec![DataReloc { offset: 0, target, addend: 0 }] };
    module.define_data(table, data).unwrap();
    module.finish().unwrap()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("running {cmd:?}: {e} (is it installed?)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn link_and_run(dir: &Path, object: &[u8]) -> String {
    link_and_run_with(dir, object, &toolchain("x86_64"))
}

/// How programs for an architecture are linked and run here: the host's `cc`, or a Debian
/// cross compiler linking statically and `qemu-user` running the result.
struct Toolchain {
    cc: String,
    cc_args: Vec<&'static str>,
    emulator: Option<String>,
}

fn toolchain(arch: &str) -> Toolchain {
    match arch {
        "x86_64" => Toolchain { cc: "cc".into(), cc_args: vec!["-no-pie"], emulator: None },
        _ => Toolchain {
            cc: format!("{arch}-linux-gnu-gcc"),
            cc_args: vec!["-static"],
            emulator: Some(format!("qemu-{arch}")),
        },
    }
}

fn link_and_run_with(dir: &Path, object: &[u8], tools: &Toolchain) -> String {
    std::fs::write(dir.join("lathe.o"), object).unwrap();
    std::fs::write(dir.join("driver.c"), DRIVER).unwrap();
    let exe = dir.join("prog");
    run(Command::new(&tools.cc)
        .args(&tools.cc_args)
        .arg(dir.join("driver.c"))
        .arg(dir.join("lathe.o"))
        .arg("-o")
        .arg(&exe));
    match &tools.emulator {
        None => run(&mut Command::new(&exe)),
        Some(qemu) => run(Command::new(qemu).arg(&exe)),
    }
}

fn dwarf_verify(path: &Path) {
    let verify = run(Command::new("llvm-dwarfdump-14").arg("--verify").arg(path));
    assert!(verify.contains("No errors."), "{}: {verify}", path.display());
}

/// The same program on every ISA with a backend: x86-64 natively, the others through their
/// cross compiler and qemu (Debian `gcc-<arch>-linux-gnu`, `qemu-user`). ISAs without a
/// backend yet are listed, not run; x86-64 always runs.
#[test]
fn objects_link_with_c_and_run_on_every_backend() {
    let mut ran = Vec::new();
    for arch in ["x86_64", "aarch64", "riscv64", "s390x"] {
        let builder = match isa::lookup_by_name(arch) {
            Ok(b) => b,
            Err(isa::LookupError::Unsupported(_)) => {
                eprintln!("{arch}: no backend yet");
                continue;
            }
            Err(e) => panic!("{arch}: {e}"),
        };
        let isa = builder.with_flags(Flags::default()).finish().unwrap();
        let dir = scratch(&format!("run-{arch}"));
        let object = build_object(&*isa, true);
        std::fs::write(dir.join("lathe.o"), &object).unwrap();
        dwarf_verify(&dir.join("lathe.o"));
        let out = link_and_run_with(&dir, &object, &toolchain(arch));
        assert_eq!(out.trim(), format!("144 {} 81", 9 + 16 + 1000), "{arch}");
        std::fs::remove_dir_all(&dir).ok();
        ran.push(arch);
    }
    assert!(ran.contains(&"x86_64"), "{ran:?}");
}

#[test]
fn x86_64_dwarf_verifies_and_maps_lines_to_srclocs() {
    let dir = scratch("x64-dwarf");
    let object = build_object(&*host_isa(), true);
    let path = dir.join("lathe.o");
    std::fs::write(&path, &object).unwrap();
    dwarf_verify(&path);
    let lines = run(Command::new("llvm-dwarfdump-14").arg("--debug-line").arg(&path));
    // Every srcloc given in the CLIF appears as a line of sum.clif.
    let rows: Vec<u64> = lines
        .lines()
        .filter(|l| l.starts_with("0x0"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    for want in [0x0a, 0x0b, 0x14, 0x15, 0x16, 0x17] {
        assert!(rows.contains(&want), "line {want} missing from\n{lines}");
    }
    let info = run(Command::new("llvm-dwarfdump-14").arg("--debug-info").arg(&path));
    for want in ["DW_AT_producer\t(\"Lathe", "\"square\"", "\"sum_squares\"", "DW_OP_call_frame_cfa", "\"sum.clif\""] {
        assert!(info.contains(want), "{want} missing from\n{info}");
    }
    // The program still links and runs with debug information in it.
    let out = link_and_run(&dir, &object);
    assert_eq!(out.trim(), format!("144 {} 81", 9 + 16 + 1000));
    std::fs::remove_dir_all(&dir).ok();
}

/// With `is_pic`, addresses of symbols come from the GOT (imports) or PC-relative
/// addressing (colocated), so the object links into a position-independent executable with
/// no text relocations, on every ISA with a backend: x86-64 natively, the others
/// dynamically linked by their cross compiler and run under qemu with the cross C library
/// (`-L /usr/<arch>-linux-gnu`).
#[test]
fn pic_object_links_into_a_position_independent_executable() {
    const PIC: &str = r#"
function %local_twice(i64) -> i64 {
block0(v0: i64):
    v1 = iadd v0, v0
    return v1
}

function %through_pointers(i64) -> i64 {
    sig0 = (i64) -> i64
    fn0 = %c_triple sig0
    fn1 = colocated %local_twice sig0
    gv0 = symbol %c_counter
block0(v0: i64):
    v1 = func_addr.i64 fn0
    v2 = call_indirect sig0, v1(v0)
    v3 = func_addr.i64 fn1
    v4 = call_indirect sig0, v3(v2)
    v5 = symbol_value.i64 gv0
    v6 = load.i64 v5
    v7 = iadd v4, v6
    return v7
}
"#;
    const MAIN: &str = r#"
#include <stdio.h>
long through_pointers(long);
long c_counter = 1000;
long c_triple(long x) { return 3 * x; }
int main(void) { printf("%ld\n", through_pointers(7)); return 0; }
"#;
    let flags = Flags { is_pic: true, ..Flags::default() };
    let mut ran = Vec::new();
    'arch: for arch in ["x86_64", "aarch64", "riscv64", "s390x"] {
        let builder = match isa::lookup_by_name(arch) {
            Ok(b) => b,
            Err(isa::LookupError::Unsupported(_)) => continue,
            Err(e) => panic!("{arch}: {e}"),
        };
        let isa = builder.with_flags(flags.clone()).finish().unwrap();
        let mut module = ObjectModule::new(&*isa).unwrap();
        module.declare_function("c_triple", Linkage::Import).unwrap();
        module.declare_data("c_counter", Linkage::Import, true).unwrap();
        for f in lathe_codegen::text::parse_functions(PIC).unwrap() {
            let ExternalName::TestCase(name) = &f.name else { panic!("test functions are named %name") };
            let linkage = if name == "local_twice" { Linkage::Local } else { Linkage::Export };
            let id = module.declare_function(name, linkage).unwrap();
            let code = match isa.compile_function(&f, true) {
                Ok(code) => code,
                // A backend without GOT loads refuses, naming why.
                Err(lathe_codegen::result::CodegenError::Unsupported(why)) => {
                    eprintln!("{arch}: {why}");
                    continue 'arch;
                }
                Err(e) => panic!("{arch}: {e}"),
            };
            let absolute: Vec<_> = code.relocs.iter().filter(|r| r.kind == RelocKind::Abs8).collect();
            assert!(absolute.is_empty(), "{arch}: absolute addresses in PIC code: {absolute:?}");
            module.define_function(id, &code).unwrap();
        }
        let dir = scratch(&format!("pic-{arch}"));
        std::fs::write(dir.join("pic.o"), module.finish().unwrap()).unwrap();
        dwarf_verify(&dir.join("pic.o"));
        std::fs::write(dir.join("main.c"), MAIN).unwrap();
        let exe = dir.join("prog");
        let host = arch == "x86_64";
        let cc = if host { "cc".to_string() } else { format!("{arch}-linux-gnu-gcc") };
        // -pie and fatal text relocations: the link fails if the code needs patching at load.
        run(Command::new(cc)
            .args(["-pie", "-fPIE", "-Wl,-z,text"])
            .arg(dir.join("main.c"))
            .arg(dir.join("pic.o"))
            .arg("-o")
            .arg(&exe));
        let out = if host {
            run(&mut Command::new(&exe))
        } else {
            run(Command::new(format!("qemu-{arch}")).arg("-L").arg(format!("/usr/{arch}-linux-gnu")).arg(&exe))
        };
        assert_eq!(out.trim(), format!("{}", 7 * 3 * 2 + 1000), "{arch}");
        std::fs::remove_dir_all(&dir).ok();
        ran.push(arch);
    }
    assert_eq!(ran, ["x86_64", "aarch64", "riscv64", "s390x"], "the ISAs with GOT loads");
}

/// `tls_value` in objects: a thread-local variable the object defines (with an initial
/// value) and one a C file defines, each thread with its own copies, linked into an
/// executable (where the linker relaxes the general-dynamic sequence) and into a shared
/// library (where `__tls_get_addr` really runs).
#[test]
fn thread_locals_link_with_c_per_thread() {
    const TLS: &str = r#"
function %bump_own(i64) -> i64 {
    gv0 = symbol tls %lathe_tls
block0(v0: i64):
    v1 = tls_value.i64 gv0
    v2 = load.i64 v1
    v3 = iadd v2, v0
    store v3, v1
    return v3
}

function %bump_c(i64) -> i64 {
    gv0 = symbol tls %c_tls+8
block0(v0: i64):
    v1 = tls_value.i64 gv0
    v2 = load.i64 v1-8
    v3 = iadd v2, v0
    store v3, v1-8
    return v3
}
"#;
    const MAIN: &str = r#"
#include <pthread.h>
#include <stdio.h>
long bump_own(long);
long bump_c(long);
extern __thread long lathe_tls;
__thread long c_tls[2] = {7, 0};
static void *worker(void *arg) {
    long a = bump_own(1), b = bump_c(1);
    printf("worker %ld %ld %ld\n", a, b, lathe_tls);
    return arg;
}
int main(void) {
    long a = bump_own(2), b = bump_c(3);
    pthread_t t;
    pthread_create(&t, 0, worker, 0);
    pthread_join(t, 0);
    a = bump_own(a - 40), b = bump_c(b - 7);
    printf("main %ld %ld %ld %ld\n", a, b, lathe_tls, c_tls[0]);
    return 0;
}
"#;
    for shared in [false, true] {
        let flags = Flags { is_pic: true, ..Flags::default() };
        let isa = isa::lookup_by_name("x86_64").unwrap().with_flags(flags).finish().unwrap();
        let mut module = ObjectModule::new(&*isa).unwrap();
        let own = module.declare_thread_local("lathe_tls", Linkage::Export).unwrap();
        module
            .define_data(own, DataDescription { bytes: 40i64.to_le_bytes().to_vec(), align: 8, relocs: vec![] })
            .unwrap();
        module.declare_thread_local("c_tls", Linkage::Import).unwrap();
        for f in lathe_codegen::text::parse_functions(TLS).unwrap() {
            let ExternalName::TestCase(name) = &f.name else { panic!("test functions are named %name") };
            let id = module.declare_function(name, Linkage::Export).unwrap();
            let code = isa.compile_function(&f, false).unwrap();
            assert!(code.relocs.iter().any(|r| r.kind == RelocKind::X86TlsGd4), "{name}: no TLSGD relocation");
            module.define_function(id, &code).unwrap();
        }
        let dir = scratch(if shared { "tls-shared" } else { "tls-exe" });
        let object = dir.join("tls.o");
        std::fs::write(&object, module.finish().unwrap()).unwrap();
        std::fs::write(dir.join("main.c"), MAIN).unwrap();
        let exe = dir.join("prog");
        if shared {
            let lib = dir.join("libtls.so");
            run(Command::new("cc").args(["-shared", "-Wl,-z,text", "-o"]).arg(&lib).arg(&object));
            run(Command::new("cc")
                .arg(dir.join("main.c"))
                .arg(&lib)
                .arg(format!("-Wl,-rpath,{}", dir.display()))
                .args(["-pthread", "-o"])
                .arg(&exe));
        } else {
            run(Command::new("cc").arg(dir.join("main.c")).arg(&object).args(["-pthread", "-o"]).arg(&exe));
        }
        let out = run(&mut Command::new(&exe));
        // main: 40+2=42, 7+3=10; the worker starts from the initial values: 41, 8; main
        // again adds 2 and 3 to its own copies: 44, 13.
        assert_eq!(out, "worker 41 8 41\nmain 44 13 44 13\n", "shared library: {shared}");
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// `f16` and `f128` in objects: the soft-float legalization's library calls resolve
/// against libgcc and glibc (`__addtf3`, `__truncdfhf2`, `sqrtf128`, ...), values travel
/// in XMM registers as GCC passes `_Float16` and `__float128`, and every result matches
/// what GCC computes for the same inputs in C, bit for bit.
#[test]
fn f16_and_f128_match_gcc() {
    // (name, CLIF signature, body computing v9 from the parameters v0.., C expression
    // over the parameters a, b, c computing the same, C prototype).
    const CASES: &[(&str, &str, &str, &str, &str)] = &[
        ("q_add", "(f128, f128, f128) -> f128", "v9 = fadd v0, v1", "a + b", "q (q a, q b, q c)"),
        ("q_sub", "(f128, f128, f128) -> f128", "v9 = fsub v0, v1", "a - b", "q (q a, q b, q c)"),
        ("q_mul", "(f128, f128, f128) -> f128", "v9 = fmul v0, v1", "a * b", "q (q a, q b, q c)"),
        ("q_div", "(f128, f128, f128) -> f128", "v9 = fdiv v0, v1", "a / b", "q (q a, q b, q c)"),
        ("q_fma", "(f128, f128, f128) -> f128", "v9 = fma v0, v1, v2", "fmaf128(a, b, c)", "q (q a, q b, q c)"),
        (
            "q_sqrt",
            "(f128, f128, f128) -> f128",
            "v9 = sqrt v0",
            "a >= 0 ? sqrtf128(a) : q_sqrt(a, b, c)",
            "q (q a, q b, q c)",
        ),
        ("q_floor", "(f128, f128, f128) -> f128", "v9 = floor v0", "floorf128(a)", "q (q a, q b, q c)"),
        ("q_nearest", "(f128, f128, f128) -> f128", "v9 = nearest v0", "roundevenf128(a)", "q (q a, q b, q c)"),
        ("q_to_f64", "(f128, f128, f128) -> f64", "v9 = fdemote.f64 v0", "(double)a", "double (q a, q b, q c)"),
        ("q_to_f16", "(f128, f128, f128) -> f16", "v9 = fdemote.f16 v0", "(h)a", "h (q a, q b, q c)"),
        ("q_lt", "(f128, f128, f128) -> i8", "v9 = fcmp lt v0, v1", "a < b", "_Bool (q a, q b, q c)"),
        ("q_ueq", "(f128, f128, f128) -> i8", "v9 = fcmp ueq v0, v1", "!(a < b || a > b)", "_Bool (q a, q b, q c)"),
        ("q_uno", "(f128, f128, f128) -> i8", "v9 = fcmp uno v0, v1", "a != a || b != b", "_Bool (q a, q b, q c)"),
        (
            "q_to_i64_sat",
            "(f128, f128, f128) -> i64",
            "v9 = fcvt_to_sint_sat.i64 v0",
            "a != a ? 0 : a >= 0x1p63Q ? 0x7fffffffffffffffL : a < -0x1p63Q ? (long)-0x8000000000000000L : (long)a",
            "long (q a, q b, q c)",
        ),
        (
            "q_to_u128_sat",
            "(f128, f128, f128) -> i128",
            "v9 = fcvt_to_uint_sat.i128 v0",
            "a >= 0x1p128Q ? ~(unsigned __int128)0 : !(a > 0) ? 0 : (unsigned __int128)a",
            "unsigned __int128 (q a, q b, q c)",
        ),
        ("q_from_i64", "(i64) -> f128", "v9 = fcvt_from_sint.f128 v0", "(q)i64", "q (long i)"),
        ("q_from_u128", "(i128) -> f128", "v9 = fcvt_from_uint.f128 v0", "(q)u", "q (unsigned __int128 u)"),
        ("h_add", "(f16, f16, f64) -> f16", "v9 = fadd v0, v1", "(h)(x + y)", "h (h x, h y, double d)"),
        ("h_div", "(f16, f16, f64) -> f16", "v9 = fdiv v0, v1", "(h)(x / y)", "h (h x, h y, double d)"),
        ("h_from_f64", "(f16, f16, f64) -> f16", "v9 = fdemote.f16 v2", "(h)d", "h (h x, h y, double d)"),
        ("h_to_f32", "(f16, f16, f64) -> f32", "v9 = fpromote.f32 v0", "(float)x", "float (h x, h y, double d)"),
        ("h_to_f128", "(f16, f16, f64) -> f128", "v9 = fpromote.f128 v1", "(q)y", "q (h x, h y, double d)"),
    ];
    let mut clif = String::new();
    let mut c = String::from(
        "#include <math.h>\n#include <stdio.h>\n#include <string.h>\ntypedef __float128 q;\ntypedef _Float16 h;\nstatic int bad;\n",
    );
    for (name, sig, body, _, proto) in CASES {
        let (params, ret) = sig.split_once(" -> ").unwrap();
        let types: Vec<&str> = params.trim_matches(['(', ')']).split(", ").collect();
        let block_params: Vec<String> = types.iter().enumerate().map(|(k, t)| format!("v{k}: {t}")).collect();
        clif += &format!(
            "function %{name}{params} -> {ret} {{\nblock0({}):\n    {body}\n    return v9\n}}\n\n",
            block_params.join(", ")
        );
        let (ret_c, args_c) = proto.split_once(" (").unwrap();
        c += &format!("{ret_c} {name}({args_c};\n");
    }
    // Each case on every combination of the inputs, compared by bits with GCC's result.
    c += "#define SAME(f, expect, ...) do { __typeof__(expect) e_ = (expect), g_ = f(__VA_ARGS__); \\\n    if (memcmp(&e_, &g_, sizeof e_)) { printf(\"%s differs\\n\", #f); bad = 1; } } while (0)\n";
    c += "int main(void) {\n";
    c += "    q qs[] = { 1.5Q, -2.25Q, 3.0Q, 1e-4000Q, 1e4000Q, -0.0Q, 0.1Q, 123456789.75Q, 1.0Q / 3.0Q,\n";
    c += "               9.3e18Q, -9.3e18Q, 4e38Q, __builtin_infq(), -0x1p63Q, 0x1p128Q - 1 };\n";
    c += "    h hs[] = { 1.5f16, -2.25f16, 65504.0f16, 6e-8f16, 0.1f16, -0.0f16, 1000.0f16 };\n";
    c += "    double ds[] = { 1.0 + 0x1p-11 + 0x1p-30, 65519.99, 65520.0, 3e-8, -0.1 };\n";
    c += "    int nq = sizeof qs / sizeof qs[0];\n";
    c += "    for (int i = 0; i < nq; i++) for (int j = 0; j < nq; j++) {\n";
    c += "        q a = qs[i], b = qs[j], c = qs[(i + j) % nq]; long i64 = (long)(i - 7) * 0x123456789abcdL;\n";
    c += "        unsigned __int128 u = (unsigned __int128)(j + 1) << (9 * i);\n";
    for (name, _, _, expr, proto) in CASES {
        if proto.contains("q a") {
            c += &format!("        SAME({name}, {expr}, a, b, c);\n");
        } else if proto.contains("long i") {
            c += &format!("        SAME({name}, {expr}, i64);\n");
        } else if proto.contains("__int128 u") {
            c += &format!("        SAME({name}, {expr}, u);\n");
        }
    }
    c += "    }\n    for (int i = 0; i < 7; i++) for (int j = 0; j < 7; j++) {\n";
    c += "        h x = hs[i], y = hs[j]; double d = ds[(i + j) % 5];\n";
    for (name, _, _, expr, proto) in CASES {
        if proto.contains("h x") {
            c += &format!("        SAME({name}, {expr}, x, y, d);\n");
        }
    }
    c += "    }\n    printf(bad ? \"differences\\n\" : \"same\\n\");\n    return 0;\n}\n";

    let isa = host_isa();
    let mut module = ObjectModule::new(&*isa).unwrap();
    for f in lathe_codegen::text::parse_functions(&clif).unwrap_or_else(|e| panic!("{e}\n{clif}")) {
        let ExternalName::TestCase(name) = &f.name else { panic!("test functions are named %name") };
        let id = module.declare_function(name, Linkage::Export).unwrap();
        module.define_function(id, &isa.compile_function(&f, false).unwrap()).unwrap();
    }
    let dir = scratch("soft-float");
    let object = dir.join("soft.o");
    std::fs::write(&object, module.finish().unwrap()).unwrap();
    std::fs::write(dir.join("main.c"), &c).unwrap();
    let exe = dir.join("prog");
    run(Command::new("cc").arg(dir.join("main.c")).arg(&object).args(["-lm", "-o"]).arg(&exe));
    assert_eq!(run(&mut Command::new(&exe)), "same\n", "{c}");
    std::fs::remove_dir_all(&dir).ok();
}
