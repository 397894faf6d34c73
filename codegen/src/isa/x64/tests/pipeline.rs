//! The pipeline driver's own checks (`machinst/compile.rs`), shown with test backends that
//! break its contract on purpose: each wraps the x86-64 lowering and spoils one stage, and
//! the check the settings turn on must catch it, naming the stage.

use crate::ir::{Function, Inst, Value};
use crate::isa::x64::inst::Inst as MInst;
use crate::isa::x64::lower::X64Lower;
use crate::isa::x64::{SysVFrameRules, X64Flags, regs};
use crate::machinst::{CompileOptions, Lower, LowerBackend, MachLabel, Pass, RegClass, compile_with};
use crate::result::CodegenError;
use crate::settings::{Flags, OptLevel};

fn x64() -> X64Lower {
    X64Lower { isa_flags: X64Flags::default(), is_pic: false }
}

/// Delegates every stage to the x86-64 backend, except what `broken_legalize` and
/// `undefined_use` change.
struct Spoiled {
    inner: X64Lower,
    /// Legalization drops the first instruction of the entry block (its result stays
    /// used): invalid IR.
    broken_legalize: bool,
    /// Each lowered instruction also reads a virtual register that nothing defines.
    undefined_use: bool,
}

impl LowerBackend for Spoiled {
    type MInst = MInst;

    fn native(&self) -> crate::legalize::Native {
        self.inner.native()
    }
    fn legalize(&self, func: &Function) -> Option<Function> {
        let mut f = self.inner.legalize(func).unwrap_or_else(|| func.clone());
        if self.broken_legalize {
            let entry = f.layout.entry_block()?;
            let first = f.layout.first_inst(entry)?;
            f.layout.remove_inst(first);
        }
        Some(f)
    }
    fn lower_params(&self, ctx: &mut Lower<'_, MInst>, params: &[Value]) -> Result<(), CodegenError> {
        self.inner.lower_params(ctx, params)
    }
    fn lower_inst(&self, ctx: &mut Lower<'_, MInst>, inst: Inst) -> Result<(), CodegenError> {
        if self.undefined_use {
            let (src, dst) = (ctx.alloc_tmp(RegClass::Int), ctx.alloc_tmp(RegClass::Int));
            ctx.emit(MInst::mov64(src, dst));
        }
        self.inner.lower_inst(ctx, inst)
    }
    fn lower_branch(&self, ctx: &mut Lower<'_, MInst>, inst: Inst, targets: &[MachLabel]) -> Result<(), CodegenError> {
        self.inner.lower_branch(ctx, inst, targets)
    }
}

const ADD: &str = "function %f(i64) -> i64 {
block0(v0: i64):
    v1 = iconst.i64 7
    v2 = iadd v0, v1
    return v2
}";

fn compile(backend: &Spoiled, flags: &Flags) -> Result<(), CodegenError> {
    let func = crate::text::parse_functions(ADD).expect("valid CLIF").remove(0);
    let mut options = CompileOptions::default();
    compile_with(&func, backend, &SysVFrameRules, &regs::machine_env(), flags, &mut options).map(|_| ())
}

#[test]
fn the_unspoiled_wrapper_compiles() {
    let backend = Spoiled { inner: x64(), broken_legalize: false, undefined_use: false };
    compile(&backend, &Flags::default()).expect("the wrapper alone changes nothing");
}

#[test]
fn a_legalization_that_breaks_the_ir_is_caught_and_named() {
    let backend = Spoiled { inner: x64(), broken_legalize: true, undefined_use: false };
    for opt_level in [OptLevel::None, OptLevel::Speed] {
        let e = compile(&backend, &Flags { opt_level, ..Flags::default() }).expect_err("caught");
        match &e {
            CodegenError::VerifierAfter { pass: Pass::Legalize, errors } => {
                assert!(errors.to_string().contains("v1"), "{errors}")
            }
            other => panic!("expected a verifier error after legalize, got {other}"),
        }
        assert!(e.to_string().starts_with("the function does not verify after legalize"), "{e}");
    }
}

#[test]
fn regalloc_checker_catches_an_undefined_register() {
    let backend = Spoiled { inner: x64(), broken_legalize: false, undefined_use: true };
    // The single-pass allocator (opt_level=none) allocates the read of nothing without
    // complaint; with `regalloc_checker`, regalloc2 validates its input first and refuses.
    let unchecked = Flags { regalloc_checker: false, ..Flags::default() };
    compile(&backend, &unchecked).expect("nothing checks the allocator's input");
    let checked = Flags { regalloc_checker: true, ..Flags::default() };
    let e = compile(&backend, &checked).expect_err("the checker sees the read of nothing");
    assert!(matches!(&e, CodegenError::Regalloc(m) if m.starts_with("SSA")), "{e}");
}
