//! The compilation pipeline on one screen: verify, optimize, lower, allocate registers,
//! (check the allocation,) emit.

use super::compiled::CompiledCode;
use super::lower::{LowerBackend, lower};
use super::vcode::FrameRules;
use crate::ir::Function;
use crate::result::CodegenError;
use crate::settings::{Flags, OptLevel};

/// Compiles `func` with an ISA's lowering `backend`, frame rules and register environment.
pub fn compile_with<B: LowerBackend>(
    func: &Function,
    backend: &B,
    frame_rules: &dyn FrameRules,
    env: &regalloc2::MachineEnv,
    flags: &Flags,
    want_listing: bool,
) -> Result<CompiledCode, CodegenError> {
    if flags.enable_verifier {
        crate::verifier::verify_function(func)?;
    }
    let optimized;
    let func = if flags.opt_level == OptLevel::None {
        func
    } else {
        let mut f = func.clone();
        crate::opt::optimize(&mut f);
        optimized = f;
        &optimized
    };
    let vcode = lower(func, backend)?;
    let algorithm = match flags.opt_level {
        OptLevel::None => regalloc2::Algorithm::Fastalloc,
        _ => regalloc2::Algorithm::Ion,
    };
    let options = regalloc2::RegallocOptions { verbose_log: false, validate_ssa: flags.regalloc_checker, algorithm };
    let output = regalloc2::run(&vcode, env, &options).map_err(|e| CodegenError::Regalloc(format!("{e:?}")))?;
    if flags.regalloc_checker {
        let mut checker = regalloc2::checker::Checker::new(&vcode, env);
        checker.prepare(&output);
        checker.run().map_err(|e| CodegenError::RegallocChecker(format!("{e:?}")))?;
    }
    Ok(vcode.emit(&output, frame_rules, want_listing)?)
}
