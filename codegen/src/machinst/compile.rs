//! The compilation pipeline on one screen: verify, optimize, legalize (the ISA's
//! rewrites into IR it lowers), lower, allocate registers, (check the allocation,) emit.

use super::compiled::CompiledCode;
use super::lower::{LowerBackend, lower};
use super::vcode::FrameRules;
use crate::ir::Function;
use crate::result::CodegenError;
use crate::settings::{Flags, OptLevel};
use std::time::{Duration, Instant};

/// Time spent in each stage, summed over the functions compiled with it (for the
/// compile-speed benchmark; never asserted in tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageTimes {
    /// The verifier.
    pub verify: Duration,
    /// The mid-end.
    pub optimize: Duration,
    /// Lowering to VCode.
    pub lower: Duration,
    /// Register allocation (and its checker, when on).
    pub regalloc: Duration,
    /// Emission into machine code.
    pub emit: Duration,
}

impl StageTimes {
    /// The sum of all stages.
    pub fn total(&self) -> Duration {
        self.verify + self.optimize + self.lower + self.regalloc + self.emit
    }
}

/// Adds the time `f` takes to `slot`.
fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}

/// Compiles `func` with an ISA's lowering `backend`, frame rules and register environment.
pub fn compile_with<B: LowerBackend>(
    func: &Function,
    backend: &B,
    frame_rules: &dyn FrameRules,
    env: &regalloc2::MachineEnv,
    flags: &Flags,
    want_listing: bool,
) -> Result<CompiledCode, CodegenError> {
    compile_with_times(func, backend, frame_rules, env, flags, want_listing, &mut StageTimes::default())
}

/// [`compile_with`], adding the time of each stage to `times`.
pub fn compile_with_times<B: LowerBackend>(
    func: &Function,
    backend: &B,
    frame_rules: &dyn FrameRules,
    env: &regalloc2::MachineEnv,
    flags: &Flags,
    want_listing: bool,
    times: &mut StageTimes,
) -> Result<CompiledCode, CodegenError> {
    if flags.enable_verifier {
        timed(&mut times.verify, || crate::verifier::verify_function(func))?;
    }
    let optimized;
    let func = if flags.opt_level == OptLevel::None {
        func
    } else {
        let mut f = func.clone();
        timed(&mut times.optimize, || crate::opt::optimize(&mut f));
        optimized = f;
        &optimized
    };
    let legalized;
    let func = match timed(&mut times.lower, || backend.legalize(func)) {
        Some(f) => {
            legalized = f;
            &legalized
        }
        None => func,
    };
    let vcode = timed(&mut times.lower, || lower(func, backend))?;
    let algorithm = match flags.opt_level {
        OptLevel::None => regalloc2::Algorithm::Fastalloc,
        _ => regalloc2::Algorithm::Ion,
    };
    let options = regalloc2::RegallocOptions { verbose_log: false, validate_ssa: flags.regalloc_checker, algorithm };
    let output = timed(&mut times.regalloc, || -> Result<regalloc2::Output, CodegenError> {
        let output = regalloc2::run(&vcode, env, &options).map_err(|e| CodegenError::Regalloc(format!("{e:?}")))?;
        if flags.regalloc_checker {
            let mut checker = regalloc2::checker::Checker::new(&vcode, env);
            checker.prepare(&output);
            checker.run().map_err(|e| CodegenError::RegallocChecker(format!("{e:?}")))?;
        }
        Ok(output)
    })?;
    Ok(timed(&mut times.emit, || vcode.emit(&output, frame_rules, want_listing))?)
}
