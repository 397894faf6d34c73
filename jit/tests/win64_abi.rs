//! Lathe's `windows_fastcall` convention checked against another implementation of the
//! Microsoft x64 convention: Rust's `extern "win64"` functions (compiled by LLVM). Compiled
//! code calls Rust functions of that ABI (arguments by position in rcx/rdx/r8/r9 and
//! xmm0-3, stack arguments above the 32-byte shadow space the caller reserves, `i128` by
//! reference, results in rax and xmm0), and Rust calls compiled code through function
//! pointers of the matching `extern "win64"` type.

#![cfg(target_arch = "x86_64")]

use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::ExternalName;
use lathe_codegen::ir::immediates::Ieee64;
use lathe_codegen::isa;
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_jit::{CallOutcome, JitModule};

/// A module with the functions of `clif` compiled for the host at `opt_level`, the host
/// symbols given, finalized.
fn module(clif: &str, level: OptLevel, host: &[(&str, *const u8)]) -> JitModule {
    let flags = Flags { opt_level: level, regalloc_checker: true, ..Flags::default() };
    let isa = isa::lookup_by_name("x86_64").expect("the x86_64 target").with_flags(flags).finish().expect("settings");
    let mut m = JitModule::new();
    for &(name, address) in host {
        m.define_host_symbol(ExternalName::TestCase(name.into()), address);
    }
    for f in lathe_codegen::text::parse_functions(clif).expect("valid CLIF") {
        let code = isa.compile_function(&f, false).expect("compiles");
        m.define_function(f.name.clone(), &code, &f.signature).expect("defines");
    }
    m.finalize().expect("finalizes");
    m
}

fn address(m: &JitModule, name: &str) -> *const u8 {
    let id = m.lookup(&ExternalName::TestCase(name.into())).expect("defined");
    m.function_address(id).expect("finalized")
}

fn call(m: &JitModule, name: &str, args: &[DataValue]) -> Vec<DataValue> {
    let id = m.lookup(&ExternalName::TestCase(name.into())).expect("defined");
    match m.call(id, args).expect("callable") {
        CallOutcome::Return(v) => v,
        CallOutcome::Trap(t) => panic!("unexpected trap {t}"),
    }
}

const LEVELS: [OptLevel; 2] = [OptLevel::None, OptLevel::Speed];

/// Seven arguments of mixed classes: positions 0-3 in xmm0, rdx, r8, xmm3; 4-6 on the
/// stack above the shadow space. Each argument has its own weight.
extern "win64" fn host_mixed(a: i64, b: f64, c: i32, d: f32, e: i64, f: f64, g: i8) -> f64 {
    a as f64 + 10.0 * b + 100.0 * c as f64 + 1000.0 * d as f64 + 10000.0 * e as f64 + 100000.0 * f + 1e6 * g as f64
}

/// An `i128` between two integers: its address is the second argument (rdx).
extern "win64" fn host_i128(a: i64, b: i128, c: i64, d: i128, e: i64) -> i64 {
    let high = (b.wrapping_sub(d) >> 64) as i64;
    high.wrapping_add(a.wrapping_mul(3))
        .wrapping_add(c.wrapping_mul(5))
        .wrapping_add(e.wrapping_mul(7))
        .wrapping_add(b as i64)
}

const CALLS_HOST: &str = "
function %calls_host(i64, f64) -> f64 system_v {
    fn0 = %host_mixed(i64, f64, i32, f32, i64, f64, i8) -> f64 windows_fastcall
block0(v0: i64, v1: f64):
    v2 = iconst.i32 -3
    v3 = f32const 0x1.8p1
    v4 = iconst.i64 5
    v5 = f64const -0x1.0p1
    v6 = iconst.i8 -1
    v7 = call fn0(v0, v1, v2, v3, v4, v5, v6)
    return v7
}

function %win_calls_host(i64, i64, i64) -> i64 windows_fastcall {
    fn0 = %host_i128(i64, i128, i64, i128, i64) -> i64 windows_fastcall
block0(v0: i64, v1: i64, v2: i64):
    v3 = sextend.i128 v1
    v4 = iconst.i64 0x1234
    v5 = uextend.i128 v4
    v6 = call fn0(v0, v3, v2, v5, v0)
    return v6
}
";

#[test]
fn compiled_code_calls_rust_win64_functions() {
    for level in LEVELS {
        let m = module(
            CALLS_HOST,
            level,
            &[("host_mixed", host_mixed as *const u8), ("host_i128", host_i128 as *const u8)],
        );
        let want = host_mixed(7, 0.5, -3, 3.0, 5, -2.0, -1);
        assert_eq!(
            call(&m, "calls_host", &[DataValue::I64(7), DataValue::F64(Ieee64::with_float(0.5))]),
            [DataValue::F64(Ieee64::with_float(want))],
            "opt_level={level}"
        );
        for (a, b, c) in [(1, 2, 3), (-4, -1, 9), (i64::MAX, i64::MIN, 0)] {
            let want = host_i128(a, b as i128, c, 0x1234, a);
            assert_eq!(
                call(&m, "win_calls_host", &[DataValue::I64(a), DataValue::I64(b), DataValue::I64(c)]),
                [DataValue::I64(want)],
                "opt_level={level}"
            );
        }
    }
}

const CALLED_FROM_RUST: &str = "
function %mixed(i64, f64, i32, f32, i64, f64, i8, f32) -> f64 windows_fastcall {
block0(v0: i64, v1: f64, v2: i32, v3: f32, v4: i64, v5: f64, v6: i8, v7: f32):
    v10 = sextend.i64 v2
    v11 = imul_imm v10, 10
    v12 = imul_imm v4, 100
    v13 = sextend.i64 v6
    v14 = imul_imm v13, 1000
    v15 = iadd v0, v11
    v16 = iadd v15, v12
    v17 = iadd v16, v14
    v18 = fcvt_from_sint.f64 v17
    v20 = fpromote.f64 v3
    v21 = f64const 0x1.0p1
    v22 = fmul v20, v21
    v23 = f64const 0x1.0p2
    v24 = fmul v5, v23
    v25 = fpromote.f64 v7
    v26 = f64const 0x1.0p3
    v27 = fmul v25, v26
    v28 = fadd v1, v22
    v29 = fadd v28, v24
    v30 = fadd v29, v27
    v31 = fadd v30, v18
    return v31
}

function %sum_i128(i64, i128, i128) -> i64 windows_fastcall {
block0(v0: i64, v1: i128, v2: i128):
    v3 = isub v1, v2
    v4 = ireduce.i64 v3
    v5 = ushr_imm v3, 64
    v6 = ireduce.i64 v5
    v7 = iadd v0, v4
    v8 = iadd v7, v6
    return v8
}
";

#[test]
fn rust_calls_compiled_win64_functions() {
    type Mixed = extern "win64" fn(i64, f64, i32, f32, i64, f64, i8, f32) -> f64;
    type SumI128 = extern "win64" fn(i64, i128, i128) -> i64;
    for level in LEVELS {
        let m = module(CALLED_FROM_RUST, level, &[]);
        // SAFETY: `%mixed` was compiled for exactly this signature under the Windows x64
        // convention, which `extern "win64"` is; the module outlives the calls, and the
        // code cannot trap (integer and float arithmetic only).
        let mixed: Mixed = unsafe { std::mem::transmute(address(&m, "mixed")) };
        assert_eq!(mixed(1, 1.0, 2, 1.0, 3, 1.0, 4, 1.0), 4321.0 + 15.0, "opt_level={level}");
        assert_eq!(mixed(-1, 1.5, -2, -0.5, -3, 16.0, -4, 0.25), -4321.0 + 66.5, "opt_level={level}");
        // SAFETY: as above, for `%sum_i128`.
        let sum: SumI128 = unsafe { std::mem::transmute(address(&m, "sum_i128")) };
        let (b, c) = ((5i128 << 64) | 9, (2i128 << 64) | 4);
        assert_eq!(sum(100, b, c), 100 + 5 + 3, "opt_level={level}");
        assert_eq!(sum(0, -1, 1), -2 + -1, "opt_level={level}");
    }
}
