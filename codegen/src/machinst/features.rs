//! What the shared settings forbid in a function: float values (`enable_float=false`),
//! vector values (`enable_simd=false`), atomic instructions and fences
//! (`enable_atomics=false`), and `i128` in signatures (`enable_llvm_abi_extensions=false`).
//!
//! Also what a backend does not lower ([`check_lowerable`]): `f16` and `f128` values on
//! ISAs whose [`Native`] has no `soft_float`, vectors of `f16` lanes anywhere, and
//! `tls_value` and exceptions (`try_call*`, calls of the throw helper) where the ISA's
//! [`Native`] says so.
//!
//! The driver runs [`check_features`] on the input, before any pass, so no pass can
//! introduce what the user ruled out without the check having seen the source of it.
//! Every value is a block parameter or an instruction result, so looking at those types
//! (and at the signatures) finds every use of a type.

use crate::ir::{AbiParam, Function, Opcode, Signature, Type, types};
use crate::legalize::Native;
use crate::result::CodegenError;
use crate::settings::Flags;

/// A type the settings rule out: the setting (as written) and the test.
struct TypeRule {
    setting: &'static str,
    forbids: fn(Type) -> bool,
}

/// The types the settings rule out.
struct TypeRules(Vec<TypeRule>);

impl TypeRules {
    /// An error naming the setting if `ty` is ruled out; `message` says where it was met.
    fn check(&self, ty: Type, message: impl FnOnce() -> String) -> Result<(), CodegenError> {
        match self.0.iter().find(|r| (r.forbids)(ty)) {
            Some(r) => Err(CodegenError::Setting { setting: r.setting, message: message() }),
            None => Ok(()),
        }
    }
}

/// The first thing in `func` that a setting in `flags` forbids, as an error naming the
/// setting.
pub fn check_features(func: &Function, flags: &Flags) -> Result<(), CodegenError> {
    let mut rules = TypeRules(Vec::new());
    if !flags.enable_float {
        rules.0.push(TypeRule { setting: "enable_float=false", forbids: Type::is_float });
    }
    if !flags.enable_simd {
        rules.0.push(TypeRule { setting: "enable_simd=false", forbids: Type::is_vector });
    }
    if rules.0.is_empty() && flags.enable_atomics && flags.enable_llvm_abi_extensions {
        return Ok(());
    }

    let sigs = std::iter::once(("the function's signature".to_string(), &func.signature))
        .chain(func.dfg.signatures.iter().map(|(r, s)| (format!("signature {r}"), s)));
    for (name, sig) in sigs {
        check_signature(&name, sig, flags, &rules)?;
    }
    for block in func.layout.blocks() {
        for &p in func.dfg.block_params(block) {
            let ty = func.dfg.value_type(p);
            rules.check(ty, || format!("parameter {p} of {block} has type `{ty}`"))?;
        }
        for inst in func.layout.block_insts(block) {
            let show = || crate::text::display_inst(func, inst).to_string();
            let op = func.dfg.insts[inst].opcode();
            if !flags.enable_atomics
                && matches!(
                    op,
                    Opcode::AtomicRmw | Opcode::AtomicCas | Opcode::AtomicLoad | Opcode::AtomicStore | Opcode::Fence
                )
            {
                return Err(CodegenError::Setting {
                    setting: "enable_atomics=false",
                    message: format!("`{}` is an atomic instruction", show()),
                });
            }
            for &r in func.dfg.inst_results(inst) {
                let ty = func.dfg.value_type(r);
                rules.check(ty, || format!("`{}` makes a value of type `{ty}`", show()))?;
            }
        }
    }
    Ok(())
}

/// An "unsupported" error for the first `f16`/`f128` value, parameter or result in
/// `func` on an ISA without [`Native::soft_float`] (and for vectors of `f16` lanes, which
/// no backend lowers yet), or `tls_value` on an ISA without it.
/// One line each, naming the construct and why.
pub fn check_lowerable(func: &Function, native: &Native) -> Result<(), CodegenError> {
    let unlowered =
        |ty: Type| matches!(ty.lane_type(), types::F16 | types::F128) && (ty.is_vector() || !native.soft_float);
    let refuse = |what: String, ty: Type| {
        let why = if ty.is_vector() {
            "vectors of f16 lanes are not lowered by any backend yet (the interpreter runs them)"
        } else {
            "f16 and f128 are lowered on x86_64 only so far (the interpreter runs them)"
        };
        Err(CodegenError::Unsupported(format!("{what}: {why}")))
    };
    let sigs = std::iter::once(("the function's signature".to_string(), &func.signature))
        .chain(func.dfg.signatures.iter().map(|(r, s)| (format!("signature {r}"), s)));
    for (name, sig) in sigs {
        if let Some(p) = sig.params.iter().chain(&sig.returns).find(|p| unlowered(p.value_type)) {
            return refuse(format!("{name} has a `{}` parameter or result", p.value_type), p.value_type);
        }
    }
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if func.dfg.insts[inst].opcode() == Opcode::TlsValue && !native.tls_value {
                return Err(CodegenError::Unsupported(format!(
                    "`{}`: thread-local storage is lowered on x86_64 only so far",
                    crate::text::display_inst(func, inst)
                )));
            }
            if !native.exceptions && throws_or_catches(func, inst) {
                return Err(CodegenError::Unsupported(format!(
                    "`{}`: exceptions (try_call, try_call_indirect and the throw helper) are lowered on x86_64 only so far (the interpreter runs them)",
                    crate::text::display_inst(func, inst)
                )));
            }
            if let Some(&r) = func.dfg.inst_results(inst).iter().find(|&&r| unlowered(func.dfg.value_type(r))) {
                let ty = func.dfg.value_type(r);
                return refuse(format!("`{}` makes a value of type `{ty}`", crate::text::display_inst(func, inst)), ty);
            }
        }
    }
    Ok(())
}

/// Whether `inst` is a `try_call*` or a call of the throw helper.
fn throws_or_catches(func: &Function, inst: crate::ir::Inst) -> bool {
    match func.dfg.insts[inst] {
        crate::ir::InstructionData::TryCallIndirect { .. } => true,
        crate::ir::InstructionData::TryCall { .. } => true,
        crate::ir::InstructionData::Call { func_ref, .. } | crate::ir::InstructionData::FuncAddr { func_ref, .. } => {
            func.dfg.ext_funcs.get(func_ref).is_some_and(
                |f| matches!(&f.name, crate::ir::ExternalName::TestCase(n) if n == crate::ir::THROW_FUNCTION),
            )
        }
        _ => false,
    }
}

fn check_signature(name: &str, sig: &Signature, flags: &Flags, rules: &TypeRules) -> Result<(), CodegenError> {
    let params = sig.params.iter().map(|p| (p, "parameter"));
    let returns = sig.returns.iter().map(|p| (p, "result"));
    for (&AbiParam { value_type: ty, .. }, kind) in params.chain(returns) {
        if ty == types::I128 && !flags.enable_llvm_abi_extensions {
            return Err(CodegenError::Setting {
                setting: "enable_llvm_abi_extensions=false",
                message: format!("{name} has an `i128` {kind}"),
            });
        }
        rules.check(ty, || format!("{name} has a `{ty}` {kind}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(text: &str) -> Function {
        crate::text::parse_functions(text).expect("valid CLIF").remove(0)
    }

    fn refused(f: &Function, flags: Flags) -> String {
        check_features(f, &flags).expect_err("refused").to_string()
    }

    #[test]
    fn everything_is_allowed_by_default() {
        let f = func(
            "function %f(i128, f64) -> f32 {\nblock0(v0: i128, v1: f64):\n    fence\n    v2 = fdemote.f32 v1\n    return v2\n}\n",
        );
        check_features(&f, &Flags::default()).unwrap();
    }

    #[test]
    fn each_setting_names_what_it_forbids() {
        let float = func("function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = f32const 0x1.0p0\n    return v0\n}\n");
        assert_eq!(
            refused(&float, Flags { enable_float: false, ..Flags::default() }),
            "`v1 = f32const 0x1.0p0` makes a value of type `f32`, which `enable_float=false` forbids"
        );
        check_features(&float, &Flags { enable_simd: false, ..Flags::default() }).unwrap();

        let sig = func("function %f(f64) {\nblock0(v0: f64):\n    return\n}\n");
        assert_eq!(
            refused(&sig, Flags { enable_float: false, ..Flags::default() }),
            "the function's signature has a `f64` parameter, which `enable_float=false` forbids"
        );

        let vector = func("function %f(i64) {\nblock0(v0: i64):\n    v1 = load.i32x4 v0\n    return\n}\n");
        assert_eq!(
            refused(&vector, Flags { enable_simd: false, ..Flags::default() }),
            "`v1 = load.i32x4 v0` makes a value of type `i32x4`, which `enable_simd=false` forbids"
        );

        let atomic = func("function %f(i64) {\nblock0(v0: i64):\n    fence\n    return\n}\n");
        assert_eq!(
            refused(&atomic, Flags { enable_atomics: false, ..Flags::default() }),
            "`fence` is an atomic instruction, which `enable_atomics=false` forbids"
        );

        let wide = func(
            "function %f(i64) {\n    sig0 = (i64) -> i128 system_v\n    fn0 = %g sig0\nblock0(v0: i64):\n    v1 = call fn0(v0)\n    return\n}\n",
        );
        assert_eq!(
            refused(&wide, Flags { enable_llvm_abi_extensions: false, ..Flags::default() }),
            "signature sig0 has an `i128` result, which `enable_llvm_abi_extensions=false` forbids"
        );
    }
}

#[cfg(test)]
mod lowerable_tests {
    use super::*;

    #[test]
    fn tls_value_is_refused_where_the_isa_lacks_it() {
        let f = crate::text::parse_functions(
            "function %f() -> i64 {\n    gv0 = symbol tls %t\nblock0:\n    v0 = tls_value.i64 gv0\n    return v0\n}",
        )
        .unwrap()
        .remove(0);
        let native = |tls_value| Native { tls_value, ..Native::EVERYTHING };
        assert!(check_lowerable(&f, &native(true)).is_ok());
        let e = check_lowerable(&f, &native(false)).unwrap_err().to_string();
        assert!(e.contains("tls_value.i64 gv0") && e.contains("x86_64 only"), "{e}");
        for isa in ["aarch64", "riscv64", "s390x"] {
            let isa = crate::isa::lookup_by_name(isa).unwrap().finish().unwrap();
            let e = isa.compile_function(&f, false).unwrap_err();
            assert!(matches!(&e, CodegenError::Unsupported(m) if m.contains("thread-local")), "{e}");
        }
    }

    #[test]
    fn exceptions_are_refused_where_the_isa_lacks_them() {
        let catches = crate::text::parse_functions(
            "function %f(i64) -> i64 tail {\n    fn0 = %g(i64) -> i64 tail\nblock0(v0: i64):\n    \
             try_call fn0(v0), block1(ret0), [ default: block1(exn0) ]\nblock1(v1: i64):\n    return v1\n}",
        )
        .unwrap()
        .remove(0);
        let throws = crate::text::parse_functions(
            "function %f(i32, i64) {\n    fn0 = %__lathe_throw(i32, i64) system_v\nblock0(v0: i32, v1: i64):\n    \
             call fn0(v0, v1)\n    return\n}",
        )
        .unwrap()
        .remove(0);
        let native = |exceptions| Native { exceptions, ..Native::EVERYTHING };
        for f in [&catches, &throws] {
            assert!(check_lowerable(f, &native(true)).is_ok());
            let e = check_lowerable(f, &native(false)).unwrap_err().to_string();
            assert!(e.contains("exceptions") && e.contains("x86_64 only"), "{e}");
            for isa in ["aarch64", "riscv64", "s390x"] {
                let isa = crate::isa::lookup_by_name(isa).unwrap().finish().unwrap();
                let e = isa.compile_function(f, false).unwrap_err();
                assert!(matches!(&e, CodegenError::Unsupported(m) if m.contains("try_call")), "{e}");
            }
        }
        let x64 = crate::isa::lookup_by_name("x86_64").unwrap().finish().unwrap();
        let code = x64.compile_function(&catches, false).unwrap();
        assert_eq!(code.exception_sites.len(), 1);
        let site = &code.exception_sites[0];
        assert_eq!(site.handlers.len(), 1);
        assert!(code.call_sites.iter().any(|c| c.ret_offset == site.ret_offset));
        let (tag, pad) = site.handlers[0];
        assert_eq!(tag, None);
        assert!(pad as usize <= code.code.len() && pad != site.ret_offset, "the landing pad is its own block");
    }
}
