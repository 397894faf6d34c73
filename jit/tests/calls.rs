//! Calling hand-written x86-64 functions through the trampoline: argument classes, stack
//! arguments, multiple results, relocations to module functions and host functions.

mod common;

use common::*;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::immediates::{Ieee32, Ieee64};
use lathe_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use lathe_codegen::ir::{AbiParam, CallConv, Signature};
use lathe_codegen::machinst::RelocKind;
use lathe_jit::{CallOutcome, JitError, JitModule};

#[test]
fn add_i32_and_i64() {
    // lea eax, [rdi+rsi]; ret
    let (m, f) = single(code(&[0x8d, 0x04, 0x37, 0xc3]), sig(&[I32, I32], &[I32]));
    assert_eq!(returns(&m, f, &[DataValue::I32(40), DataValue::I32(2)]), [DataValue::I32(42)]);
    assert_eq!(returns(&m, f, &[DataValue::I32(i32::MAX), DataValue::I32(1)]), [DataValue::I32(i32::MIN)]);
    // lea rax, [rdi+rsi]; ret
    let (m, f) = single(code(&[0x48, 0x8d, 0x04, 0x37, 0xc3]), sig(&[I64, I64], &[I64]));
    assert_eq!(returns(&m, f, &[DataValue::I64(1 << 40), DataValue::I64(-3)]), [DataValue::I64((1 << 40) - 3)]);
}

#[test]
fn fast_and_tail_conventions_use_system_v() {
    // lea rax, [rdi+rsi]; ret
    for cc in [CallConv::Fast, CallConv::Tail] {
        let mut s = sig(&[I64, I64], &[I64]);
        s.call_conv = cc;
        let (m, f) = single(code(&[0x48, 0x8d, 0x04, 0x37, 0xc3]), s);
        assert_eq!(returns(&m, f, &[DataValue::I64(5), DataValue::I64(6)]), [DataValue::I64(11)]);
    }
}

#[test]
fn add_floats() {
    // addsd xmm0, xmm1; ret
    let (m, f) = single(code(&[0xf2, 0x0f, 0x58, 0xc1, 0xc3]), sig(&[F64, F64], &[F64]));
    let r = returns(&m, f, &[DataValue::F64(Ieee64::with_float(1.25)), DataValue::F64(Ieee64::with_float(2.5))]);
    assert_eq!(r, [DataValue::F64(Ieee64::with_float(3.75))]);
    // addss xmm0, xmm1; ret
    let (m, f) = single(code(&[0xf3, 0x0f, 0x58, 0xc1, 0xc3]), sig(&[F32, F32], &[F32]));
    let r = returns(&m, f, &[DataValue::F32(Ieee32::with_float(0.5)), DataValue::F32(Ieee32::with_float(-2.0))]);
    assert_eq!(r, [DataValue::F32(Ieee32::with_float(-1.5))]);
}

#[test]
fn eight_integer_arguments_use_the_stack() {
    #[rustfmt::skip]
    let bytes = [
        0x48, 0x8d, 0x04, 0x37,       // lea rax, [rdi+rsi]
        0x48, 0x01, 0xd0,             // add rax, rdx
        0x48, 0x01, 0xc8,             // add rax, rcx
        0x4c, 0x01, 0xc0,             // add rax, r8
        0x4c, 0x01, 0xc8,             // add rax, r9
        0x48, 0x03, 0x44, 0x24, 0x08, // add rax, [rsp+8]   ; 7th argument
        0x48, 0x03, 0x44, 0x24, 0x10, // add rax, [rsp+16]  ; 8th argument
        0xc3,                         // ret
    ];
    let (m, f) = single(code(&bytes), sig(&[I64; 8], &[I64]));
    let args: Vec<_> = (0..8).map(|i| DataValue::I64(1 << (5 * i))).collect();
    let expected: i64 = (0..8).map(|i| 1i64 << (5 * i)).sum();
    assert_eq!(returns(&m, f, &args), [DataValue::I64(expected)]);
}

#[test]
fn stack_float_arguments_keep_their_order() {
    #[rustfmt::skip]
    let bytes = [
        0xf2, 0x0f, 0x10, 0x44, 0x24, 0x08, // movsd xmm0, [rsp+8]   ; 9th float argument
        0xf2, 0x0f, 0x5c, 0x44, 0x24, 0x10, // subsd xmm0, [rsp+16]  ; minus the 10th
        0xc3,                               // ret
    ];
    let (m, f) = single(code(&bytes), sig(&[F64; 10], &[F64]));
    let args: Vec<_> = (0..10).map(|i| DataValue::F64(Ieee64::with_float(i as f64 * 10.0))).collect();
    assert_eq!(returns(&m, f, &args), [DataValue::F64(Ieee64::with_float(80.0 - 90.0))]);
}

#[test]
fn stack_is_aligned_at_the_call_for_any_number_of_stack_arguments() {
    // mov rax, rsp; and eax, 15; ret   -- rsp mod 16 at entry, 8 when aligned at the call
    let bytes = [0x48, 0x89, 0xe0, 0x83, 0xe0, 0x0f, 0xc3];
    for n in 0..=4 {
        let (m, f) = single(code(&bytes), sig(&vec![I64; 6 + n], &[I64]));
        let args = vec![DataValue::I64(0); 6 + n];
        assert_eq!(returns(&m, f, &args), [DataValue::I64(8)], "{n} stack arguments");
    }
}

#[test]
fn narrow_arguments_are_extended_as_declared() {
    // mov rax, rdi; ret   -- returns the whole register the i8/i16 argument arrived in
    let bytes = [0x48, 0x89, 0xf8, 0xc3];
    let cases = [
        (AbiParam::new(I8).sext(), DataValue::I8(-2), -2i64),
        (AbiParam::new(I8).uext(), DataValue::I8(-2), 0xfe),
        (AbiParam::new(I8), DataValue::I8(-2), 0xfe),
        (AbiParam::new(I16).sext(), DataValue::I16(-300), -300),
        (AbiParam::new(I32), DataValue::I32(-1), 0xffff_ffff),
    ];
    for (param, arg, expected) in cases {
        let s = Signature { params: vec![param], returns: vec![AbiParam::new(I64)], call_conv: CallConv::SystemV };
        let (m, f) = single(code(&bytes), s);
        assert_eq!(returns(&m, f, &[arg]), [DataValue::I64(expected)], "{param}");
    }
    // movsx eax, di; ret   -- an i16 result is read from the low bits of rax
    let (m, f) = single(code(&[0x0f, 0xbf, 0xc7, 0xc3]), sig(&[I16], &[I16]));
    assert_eq!(returns(&m, f, &[DataValue::I16(-7)]), [DataValue::I16(-7)]);
}

#[test]
fn two_integer_and_two_float_results() {
    #[rustfmt::skip]
    let bytes = [
        0x48, 0x89, 0xf0, // mov rax, rsi
        0x48, 0x89, 0xfa, // mov rdx, rdi
        0xc3,             // ret
    ];
    let (m, f) = single(code(&bytes), sig(&[I64, I64], &[I64, I64]));
    assert_eq!(returns(&m, f, &[DataValue::I64(1), DataValue::I64(2)]), [DataValue::I64(2), DataValue::I64(1)]);

    #[rustfmt::skip]
    let bytes = [
        0x66, 0x0f, 0x28, 0xd0, // movapd xmm2, xmm0
        0x66, 0x0f, 0x28, 0xc1, // movapd xmm0, xmm1
        0x66, 0x0f, 0x28, 0xca, // movapd xmm1, xmm2
        0x48, 0x89, 0xf8,       // mov rax, rdi
        0xc3,                   // ret
    ];
    let (m, f) = single(code(&bytes), sig(&[F64, I32, F64], &[F64, I32, F64]));
    let (a, b) = (DataValue::F64(Ieee64::with_float(1.0)), DataValue::F64(Ieee64::with_float(2.0)));
    assert_eq!(returns(&m, f, &[a, DataValue::I32(9), b]), [b, DataValue::I32(9), a]);
}

#[test]
fn call_another_module_function_through_a_relocation() {
    let mut m = JitModule::new();
    #[rustfmt::skip]
    let caller = code_with_reloc(&[
        0x48, 0x83, 0xec, 0x08,       // sub rsp, 8   ; keep the stack aligned
        0xe8, 0x00, 0x00, 0x00, 0x00, // call %callee ; X86CallPlt4 at 5, addend -4
        0x48, 0x83, 0xc4, 0x08,       // add rsp, 8
        0x83, 0xc0, 0x01,             // add eax, 1
        0xc3,                         // ret
    ], 5, RelocKind::X86CallPlt4, "callee", -4);
    // Defined before its callee: resolution happens at finalize.
    let f = m.define_function(name("caller"), &caller, &sig(&[I32, I32], &[I32])).unwrap();
    // lea eax, [rdi+rsi]; ret
    m.define_function(name("callee"), &code(&[0x8d, 0x04, 0x37, 0xc3]), &sig(&[I32, I32], &[I32])).unwrap();
    m.finalize().unwrap();
    assert_eq!(m.lookup(&name("caller")), Some(f));
    assert_eq!(returns(&m, f, &[DataValue::I32(20), DataValue::I32(21)]), [DataValue::I32(42)]);
}

#[test]
fn later_finalize_can_call_earlier_functions() {
    let mut m = JitModule::new();
    // lea rax, [rdi+rsi]; ret
    m.define_function(name("add"), &code(&[0x48, 0x8d, 0x04, 0x37, 0xc3]), &sig(&[I64, I64], &[I64])).unwrap();
    m.finalize().unwrap();
    #[rustfmt::skip]
    let caller = code_with_reloc(&[
        0x48, 0x83, 0xec, 0x08,       // sub rsp, 8
        0xe8, 0x00, 0x00, 0x00, 0x00, // call %add
        0x48, 0x83, 0xc4, 0x08,       // add rsp, 8
        0xc3,                         // ret
    ], 5, RelocKind::X86CallPlt4, "add", -4);
    let f = m.define_function(name("caller"), &caller, &sig(&[I64, I64], &[I64])).unwrap();
    m.finalize().unwrap();
    assert_eq!(returns(&m, f, &[DataValue::I64(3), DataValue::I64(4)]), [DataValue::I64(7)]);
}

extern "sysv64" fn host_mul(a: i64, b: i64) -> i64 {
    a.wrapping_mul(b)
}

#[test]
fn call_a_host_function_through_relocations() {
    let mut m = JitModule::new();
    m.define_host_symbol(name("mul"), host_mul as *const u8);
    // Through rel32 (a veneer if the host function is more than 2 GiB away).
    #[rustfmt::skip]
    let near = code_with_reloc(&[
        0x48, 0x83, 0xec, 0x08,       // sub rsp, 8
        0xe8, 0x00, 0x00, 0x00, 0x00, // call %mul
        0x48, 0x83, 0xc4, 0x08,       // add rsp, 8
        0xc3,                         // ret
    ], 5, RelocKind::X86CallPlt4, "mul", -4);
    // Through an absolute address.
    #[rustfmt::skip]
    let abs = code_with_reloc(&[
        0x48, 0x83, 0xec, 0x08,                                     // sub rsp, 8
        0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // movabs rax, %mul ; Abs8 at 6
        0xff, 0xd0,                                                 // call rax
        0x48, 0x83, 0xc4, 0x08,                                     // add rsp, 8
        0xc3,                                                       // ret
    ], 6, RelocKind::Abs8, "mul", 0);
    let s = sig(&[I64, I64], &[I64]);
    let f1 = m.define_function(name("near"), &near, &s).unwrap();
    let f2 = m.define_function(name("abs"), &abs, &s).unwrap();
    m.finalize().unwrap();
    for f in [f1, f2] {
        assert_eq!(returns(&m, f, &[DataValue::I64(-6), DataValue::I64(7)]), [DataValue::I64(-42)]);
    }
    assert!(m.function_address(f1).is_some());
}

#[test]
fn host_data_through_a_got_slot() {
    static DATA: u64 = 0x1122_3344_5566_7788;
    let mut m = JitModule::new();
    m.define_host_symbol(name("data"), (&raw const DATA).cast());
    #[rustfmt::skip]
    let load = code_with_reloc(&[
        0x48, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00, // mov rax, [rip+data@GOTPCREL] ; at 3
        0x48, 0x8b, 0x00,                         // mov rax, [rax]
        0xc3,                                     // ret
    ], 3, RelocKind::X86GotPcRel4, "data", -4);
    let f = m.define_function(name("load"), &load, &sig(&[], &[I64])).unwrap();
    m.finalize().unwrap();
    assert_eq!(returns(&m, f, &[]), [DataValue::I64(0x1122_3344_5566_7788)]);
}

#[test]
fn errors_are_typed() {
    let mut m = JitModule::new();
    let s = sig(&[I64], &[I64]);
    let f = m.define_function(name("f"), &code(&[0xc3]), &s).unwrap();
    assert!(matches!(m.call(f, &[DataValue::I64(1)]), Err(JitError::NotFinalized(_))));
    assert!(matches!(m.define_function(name("f"), &code(&[0xc3]), &s), Err(JitError::DuplicateDefinition(_))));
    assert!(matches!(m.define_function(name("e"), &code(&[]), &s), Err(JitError::BadCode { .. })));
    let bad_reloc = code_with_reloc(&[0xe8, 0, 0, 0, 0], 3, RelocKind::X86CallPlt4, "f", -4);
    assert!(matches!(m.define_function(name("r"), &bad_reloc, &s), Err(JitError::BadCode { .. })));
    // Another ISA's relocation (aarch64 `bl`).
    let foreign = code_with_reloc(&[0, 0, 0, 0x94], 0, RelocKind::Aarch64Call26, "f", 0);
    assert!(matches!(
        m.define_function(name("a"), &foreign, &s),
        Err(JitError::UnsupportedRelocation { kind: RelocKind::Aarch64Call26, .. })
    ));
    let unknown = code_with_reloc(&[0xe8, 0, 0, 0, 0, 0xc3], 1, RelocKind::X86CallPlt4, "nowhere", -4);
    m.define_function(name("u"), &unknown, &s).unwrap();
    assert!(matches!(m.finalize(), Err(JitError::UnknownSymbol(n)) if n == "%nowhere"));
    // The failed finalize placed nothing.
    assert!(m.function_address(f).is_none());

    let mut m = JitModule::new();
    let f = m.define_function(name("f"), &code(&[0xc3]), &s).unwrap();
    // 128-bit vectors are carried; a 64-bit vector is not.
    let i32x2 = I32.by(2).unwrap();
    let wide = m.define_function(name("w"), &code(&[0xc3]), &sig(&[i32x2], &[])).unwrap();
    m.finalize().unwrap();
    assert!(matches!(m.call(f, &[]), Err(JitError::ArgumentMismatch(_))));
    assert!(matches!(m.call(f, &[DataValue::I32(1)]), Err(JitError::ArgumentMismatch(_))));
    assert!(matches!(m.call(wide, &[DataValue::V128(i32x2, [0; 16])]), Err(JitError::Unsupported(_))));
    assert!(matches!(m.call(f, &[DataValue::I64(5)]), Ok(CallOutcome::Return(_))));
}
