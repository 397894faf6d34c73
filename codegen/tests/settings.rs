//! Each shared setting seen from outside: set by name through the target builder (the
//! path `set`/`target` lines and `lathe --set` take), then either its effect on compiled
//! x86-64 code or its refusal with an error naming it. The parsing of every name and
//! value is tested beside `settings.rs`; what the regalloc2 checker catches is tested with
//! a deliberately broken backend in `isa/x64/tests/pipeline.rs`.

use lathe_codegen::ir::{CallConv, Endianness, Function, types};
use lathe_codegen::isa::{self, TargetIsa};
use lathe_codegen::machinst::{CompileOptions, Pass};
use lathe_codegen::result::CodegenError;
use lathe_codegen::settings::SettingError;

fn isa(settings: &[(&str, &str)]) -> Box<dyn TargetIsa> {
    let mut builder = isa::lookup_by_name("x86_64").expect("x86_64 exists");
    for (name, value) in settings {
        builder.set(name, value).unwrap_or_else(|e| panic!("{name}={value}: {e}"));
    }
    builder.finish().expect("the settings make a target")
}

fn refused(name: &str, value: &str) -> SettingError {
    let mut builder = isa::lookup_by_name("x86_64").expect("x86_64 exists");
    builder.set(name, value).expect_err("refused")
}

fn func(clif: &str) -> Function {
    lathe_codegen::text::parse_functions(clif).expect("valid CLIF").remove(0)
}

fn listing(isa: &dyn TargetIsa, clif: &str) -> Result<String, CodegenError> {
    isa.compile_function(&func(clif), true).map(|c| c.listing.unwrap_or_default())
}

fn after(isa: &dyn TargetIsa, clif: &str, pass: Pass) -> String {
    let mut options = CompileOptions { print_after: Some(pass), ..CompileOptions::default() };
    isa.compile_function_with(&func(clif), &mut options).expect("compiles");
    options.printed.expect("the pass ran")
}

fn setting_error(r: Result<String, CodegenError>) -> (&'static str, String) {
    match r {
        Err(e @ CodegenError::Setting { setting, .. }) => (setting, e.to_string()),
        other => panic!("expected a setting error, got {other:?}"),
    }
}

const ADD_ZERO: &str = "function %f(i64) -> i64 {
block0(v0: i64):
    v1 = iconst.i64 0
    v2 = iadd v0, v1
    return v2
}";

const BIG_FRAME: &str = "function %f(i64) -> i64 {
    ss0 = explicit_slot 10000
block0(v0: i64):
    stack_store v0, ss0
    v1 = stack_load.i64 ss0
    return v1
}";

const SWITCH: &str = "function %f(i32) -> i32 {
block0(v0: i32):
    br_table v0, block2, [block1, block2, block1]
block1:
    v1 = iconst.i32 1
    return v1
block2:
    v2 = iconst.i32 2
    return v2
}";

const PROBE: &str = "mov r11, qword ptr [rsp]";

#[test]
fn opt_level_runs_the_mid_end() {
    assert!(after(&*isa(&[]), ADD_ZERO, Pass::MidEnd).contains("iadd"), "opt_level=none keeps the IR");
    for level in ["speed", "speed_and_size"] {
        let ir = after(&*isa(&[("opt_level", level)]), ADD_ZERO, Pass::MidEnd);
        assert!(!ir.contains("iadd"), "opt_level={level} simplifies `x + 0`:\n{ir}");
    }
}

#[test]
fn enable_verifier_checks_the_input() {
    // The add's operands disagree in type: the verifier says so; without it, the backend
    // compiles what it is given.
    let mixed = "function %f(i64) -> i64 {
block0(v0: i64):
    v1 = iconst.i32 1
    v2 = iadd v0, v1
    return v2
}";
    let e = listing(&*isa(&[]), mixed).expect_err("the verifier refuses it");
    assert!(matches!(e, CodegenError::Verifier(_)), "{e}");
    listing(&*isa(&[("enable_verifier", "false")]), mixed).expect("not verified, compiled");
}

#[test]
fn stack_probe_settings_change_the_prologue() {
    let probes = |settings: &[(&str, &str)]| listing(&*isa(settings), BIG_FRAME).unwrap().matches(PROBE).count();
    assert_eq!(probes(&[]), 3, "10 KiB in 4 KiB steps");
    assert_eq!(probes(&[("probestack_strategy", "inline")]), 3, "inline is what Lathe does");
    assert_eq!(probes(&[("probestack_size_log2", "13")]), 2, "10 KiB in 8 KiB steps");
    assert_eq!(probes(&[("probestack_size_log2", "14")]), 0, "10 KiB fits in a 16 KiB guard");
    assert_eq!(probes(&[("enable_probestack", "false")]), 0);
    let e = refused("probestack_strategy", "outline");
    assert!(e.to_string().contains("probestack_strategy=outline"), "{e}");
}

#[test]
fn enable_jump_tables_false_compiles_br_table_to_compares() {
    let with = listing(&*isa(&[]), SWITCH).unwrap();
    assert!(with.contains("[rip+jt]"), "{with}");
    let without = listing(&*isa(&[("enable_jump_tables", "false")]), SWITCH).unwrap();
    assert!(!without.contains("jt") && without.matches("cmp ").count() == 3, "{without}");
    let ir = after(&*isa(&[("enable_jump_tables", "false")]), SWITCH, Pass::Legalize);
    assert!(!ir.contains("br_table") && ir.contains("icmp_imm uge"), "{ir}");
}

#[test]
fn feature_switches_refuse_what_they_turn_off() {
    let float = "function %f(f64) -> f64 {\nblock0(v0: f64):\n    return v0\n}";
    assert!(listing(&*isa(&[]), float).is_ok());
    let (setting, msg) = setting_error(listing(&*isa(&[("enable_float", "false")]), float));
    assert_eq!(setting, "enable_float=false", "{msg}");

    let vector = "function %f(i64) {\nblock0(v0: i64):\n    v1 = load.i8x16 v0\n    return\n}";
    let (setting, _) = setting_error(listing(&*isa(&[("enable_simd", "false")]), vector));
    assert_eq!(setting, "enable_simd=false");

    let atomic = "function %f(i64) -> i64 {\nblock0(v0: i64):\n    v1 = atomic_load.i64 v0\n    return v1\n}";
    assert!(listing(&*isa(&[]), atomic).is_ok());
    let (setting, msg) = setting_error(listing(&*isa(&[("enable_atomics", "false")]), atomic));
    assert_eq!(setting, "enable_atomics=false");
    assert!(msg.contains("atomic_load"), "{msg}");

    let wide = "function %f(i128) -> i128 {\nblock0(v0: i128):\n    return v0\n}";
    assert!(listing(&*isa(&[]), wide).is_ok());
    let (setting, msg) = setting_error(listing(&*isa(&[("enable_llvm_abi_extensions", "false")]), wide));
    assert_eq!(setting, "enable_llvm_abi_extensions=false");
    assert!(msg.contains("`i128` parameter"), "{msg}");
}

#[test]
fn is_pic_makes_addresses_position_independent() {
    let addr = "function %f() -> i64 {\n    fn0 = %g() system_v\nblock0:\n    v0 = func_addr.i64 fn0\n    return v0\n}";
    let near = "function %f() -> i64 {\n    fn0 = colocated %g() system_v\nblock0:\n    v0 = func_addr.i64 fn0\n    return v0\n}";
    let call = "function %f() {\n    fn0 = %g() system_v\nblock0:\n    call fn0()\n    return\n}";
    assert!(listing(&*isa(&[]), addr).unwrap().contains("movabs"));
    assert!(!isa(&[]).flags().is_pic);
    let pic = isa(&[("is_pic", "true")]);
    assert!(pic.flags().is_pic, "backends read it from the target");
    let got = listing(&*pic, addr).unwrap();
    assert!(got.contains("[rip + %g@GOTPCREL]") && !got.contains("movabs"), "{got}");
    assert!(listing(&*pic, near).unwrap().contains("lea rax, [rip + %g]"));
    assert!(listing(&*pic, call).unwrap().contains("call"), "a PC-relative call is position-independent");
}

#[test]
fn settings_with_one_honoured_value() {
    // Accepted: what Lathe does anyway (frame pointers, for one, are always kept).
    let honoured = [
        ("preserve_frame_pointers", "true"),
        ("enable_multi_ret_implicit_sret", "true"),
        ("use_egraphs", "false"),
        ("enable_alias_analysis", "false"),
        ("machine_code_cfg_info", "false"),
    ];
    let code = listing(&*isa(&honoured), ADD_ZERO).unwrap();
    assert!(code.contains("push rbp\n  mov rbp, rsp"), "{code}");
    // Refused, naming the setting and saying why.
    for (name, value) in honoured {
        let other = if value == "true" { "false" } else { "true" };
        let e = refused(name, other);
        assert!(matches!(e, SettingError::Rejected { .. }), "{name}: {e}");
        assert!(e.to_string().starts_with(&format!("setting `{name}={other}` is not supported: ")), "{e}");
    }
    assert!(refused("preserve_frame_pointers", "false").to_string().ends_with("Lathe always keeps frame pointers"));
}

#[test]
fn the_target_knows_its_triple() {
    let linux = isa::lookup_target(["x86_64-unknown-linux-gnu", "has_popcnt"], Default::default()).unwrap();
    let linux = linux.finish().unwrap();
    assert_eq!((linux.pointer_type(), linux.endianness()), (types::I64, Endianness::Little));
    assert_eq!(linux.default_call_conv(), CallConv::SystemV);
    assert_eq!(linux.isa_flags().to_string(), "has_popcnt");
    let windows = isa::lookup_target(["x86_64-pc-windows-msvc"], Default::default()).unwrap().finish().unwrap();
    assert_eq!(windows.default_call_conv(), CallConv::WindowsFastcall);
    let z = isa::lookup_target(["s390x-ibm-linux", "arch_z14"], Default::default()).unwrap().finish().unwrap();
    assert_eq!((z.name(), z.endianness(), z.default_call_conv()), ("s390x", Endianness::Big, CallConv::SystemV));
    assert_eq!(z.isa_flags().to_string(), "has_mie2 arch_z14");
    let rv = isa::lookup_target(["riscv64gc-unknown-linux-gnu", "has_zbb"], Default::default()).unwrap();
    let rv = rv.finish().unwrap();
    assert_eq!((rv.name(), rv.default_call_conv()), ("riscv64", CallConv::SystemV));
    assert_eq!(rv.isa_flags().to_string(), "has_zbb");
    assert!(isa::lookup_target(["riscv64", "has_zbc"], Default::default()).is_err(), "an unknown flag is rejected");
    let a64 =
        isa::lookup_target(["aarch64-unknown-linux-gnu", "has_lse"], Default::default()).unwrap().finish().unwrap();
    assert_eq!((a64.name(), a64.default_call_conv()), ("aarch64", CallConv::SystemV));
    assert_eq!(a64.isa_flags().to_string(), "has_lse");
    let signed = isa::lookup_target(["aarch64", "sign_return_address"], Default::default()).unwrap().finish().unwrap();
    assert_eq!(signed.isa_flags().to_string(), "sign_return_address");
    assert!(isa::lookup_target(["aarch64", "has_avx"], Default::default()).is_err());
}

#[test]
fn isa_flags_change_lowering() {
    let popcnt = "function %f(i64) -> i64 {\nblock0(v0: i64):\n    v1 = popcnt v0\n    return v1\n}";
    assert!(!listing(&*isa(&[]), popcnt).unwrap().contains("popcnt"));
    assert!(listing(&*isa(&[("has_popcnt", "true")]), popcnt).unwrap().contains("popcnt"));
}

#[test]
fn unwind_info_decides_whether_frames_are_described() {
    let on = isa(&[]).compile_function(&func(ADD_ZERO), false).expect("compiles");
    assert!(!on.unwind.is_empty(), "recorded by default");
    let off = isa(&[("unwind_info", "false")]).compile_function(&func(ADD_ZERO), false).expect("compiles");
    assert!(off.unwind.is_empty());
    assert_eq!(on.code, off.code, "the code is the same either way");
}
