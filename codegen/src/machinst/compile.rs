//! The compilation pipeline on one screen: verify, check the settings' restrictions,
//! optimize (the mid-end), legalize (the shared rewrites the settings ask for, then the
//! ISA's rewrites into IR it lowers), lower, allocate registers (and check the
//! allocation), emit.
//!
//! With `enable_verifier`, the IR is verified before the first pass and again after each
//! IR-to-IR pass that changed it; a failure after a pass is a compiler bug and is reported
//! as [`CodegenError::VerifierAfter`], naming the pass. [`CompileOptions::print_after`]
//! asks for the function as text after one named [`Pass`] (`lathe compile --print-after`);
//! [`CompileOptions::explain`] asks for every stage as data ([`Explanation`], `lathe
//! explain`).

use super::compiled::CompiledCode;
use super::explain::{Explanation, IrStage, MachineStage};
use super::lower::{LowerBackend, lower};
use super::vcode::FrameRules;
use crate::ir::Function;
use crate::result::CodegenError;
use crate::settings::{Flags, OptLevel};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// Time spent in each stage, summed over the functions compiled with it (for the
/// compile-speed benchmark; never asserted in tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageTimes {
    /// The verifier (before the pipeline and after each IR pass).
    pub verify: Duration,
    /// The mid-end.
    pub optimize: Duration,
    /// Legalization and lowering to VCode.
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

/// A pass of the pipeline after which the function can be printed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pass {
    /// The mid-end (IR; unchanged at `opt_level=none`, where it does not run).
    MidEnd,
    /// Legalization (IR).
    Legalize,
    /// Lowering (VCode over virtual registers).
    Lower,
    /// Register allocation (VCode with the allocation applied, and the allocator's moves).
    Regalloc,
    /// Emission (the machine-code listing).
    Emit,
}

impl Pass {
    /// Every pass, in pipeline order.
    pub const ALL: [Pass; 5] = [Pass::MidEnd, Pass::Legalize, Pass::Lower, Pass::Regalloc, Pass::Emit];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Pass::MidEnd => "mid-end",
            Pass::Legalize => "legalize",
            Pass::Lower => "lower",
            Pass::Regalloc => "regalloc",
            Pass::Emit => "emit",
        }
    }
}

impl fmt::Display for Pass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A pass name that is not one of [`Pass::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown pass `{0}` (the passes are: mid-end, legalize, lower, regalloc, emit)")]
pub struct UnknownPass(pub String);

impl FromStr for Pass {
    type Err = UnknownPass;
    fn from_str(s: &str) -> Result<Self, UnknownPass> {
        Pass::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| UnknownPass(s.to_string()))
    }
}

/// What a caller asks of one compilation besides the code, and what it gets back.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Put the instruction listing into `CompiledCode::listing`.
    pub want_listing: bool,
    /// Print the function after this pass into [`printed`](Self::printed).
    pub print_after: Option<Pass>,
    /// Out: the function as text after `print_after`, once that pass has run (set even
    /// when a later stage fails).
    pub printed: Option<String>,
    /// Out: the time of each stage is added here.
    pub times: StageTimes,
    /// Record every stage into [`explanation`](Self::explanation).
    pub explain: bool,
    /// Out, with `explain`: what each stage did, as far as compilation got.
    pub explanation: Option<Explanation>,
    /// Out, at `opt_level=baseline`: why the baseline tier could not compile the
    /// function, which was then compiled at `opt_level=none` (`None`: the tier compiled
    /// it, or another level was asked for). See `crate::baseline`.
    pub baseline_fallback: Option<String>,
}

impl CompileOptions {
    /// Records the text of `pass` if it is the one asked for; `text` runs only then.
    fn observe(&mut self, pass: Pass, text: impl FnOnce() -> String) {
        if self.print_after == Some(pass) {
            self.printed = Some(text());
        }
    }
}

/// Adds the time `f` takes to `slot`.
fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}

/// After an IR-to-IR pass: verifies `func` (when the settings ask for it and the pass
/// changed the function) and prints it if asked. A verifier failure here is the pass's
/// fault and names it.
fn check_after_pass(
    pass: Pass,
    func: &Function,
    changed: bool,
    flags: &Flags,
    options: &mut CompileOptions,
) -> Result<(), CodegenError> {
    if flags.enable_verifier && changed {
        timed(&mut options.times.verify, || crate::verifier::verify_function(func))
            .map_err(|errors| CodegenError::VerifierAfter { pass, errors })?;
    }
    options.observe(pass, || func.to_string());
    Ok(())
}

/// With an explanation being recorded: adds `func` as the IR after `pass`, unless the pass
/// left it as it was.
fn record_ir(explanation: &mut Option<Explanation>, pass: &str, func: &Function) {
    let Some(ex) = explanation else { return };
    if ex.ir.last().is_some_and(|last| last.func.to_string() == func.to_string()) {
        return;
    }
    ex.ir.push(IrStage { pass: pass.to_string(), func: func.clone() });
}

thread_local! {
    /// The register allocator's working memory, kept from one function to the next on
    /// each thread: allocating and growing its dozens of tables for every function (and
    /// faulting their pages in) was a tenth of a Wasm module's compile time. The allocator
    /// clears the tables itself at the start of each run, so the result is the same as
    /// with a fresh context. Only functions up to [`KEEP_CTX_INSTS`] use and keep it: a
    /// larger function frees it and allocates its own tables (as without reuse), so the
    /// peak memory of compiling a large function is not raised by the tables of an earlier
    /// one, and an idle thread holds little.
    static REGALLOC_CTX: std::cell::RefCell<regalloc2::Ctx> = std::cell::RefCell::new(regalloc2::Ctx::default());
}

/// The largest function (in machine instructions) whose allocator tables a thread keeps
/// for the next one: well above the common Wasm function (tens to hundreds), small enough
/// that what is kept is about a MiB. (1024 until the compiled functions stopped holding
/// their buffers' spare capacity, `CompiledCode::from_buffer`: that freed ~10 MiB at the
/// end of compiling bench/big, and 4096 spends 1.6 MiB of it for 3.5% less compile time.)
const KEEP_CTX_INSTS: usize = 4096;

/// Runs the register allocator on `vcode` with this thread's kept context and takes its
/// output.
fn allocate<F: regalloc2::Function>(
    vcode: &F,
    env: &regalloc2::MachineEnv,
    options: &regalloc2::RegallocOptions,
) -> Result<regalloc2::Output, CodegenError> {
    let run = |ctx: &mut regalloc2::Ctx| {
        regalloc2::run_with_ctx(vcode, env, options, ctx).map_err(|e| CodegenError::Regalloc(format!("{e:?}")))?;
        Ok(std::mem::take(&mut ctx.output))
    };
    REGALLOC_CTX.with(|cell| {
        // Not reachable today (the allocator does not call back into compilation), but a
        // fresh context is always correct.
        let Ok(mut kept) = cell.try_borrow_mut() else { return run(&mut regalloc2::Ctx::default()) };
        if vcode.num_insts() > KEEP_CTX_INSTS {
            // Free the kept tables first, so that they are not held beside (or grown by
            // doubling into) the large function's, and give it fresh ones it sizes itself.
            *kept = regalloc2::Ctx::default();
            drop(kept);
            return run(&mut regalloc2::Ctx::default());
        }
        run(&mut kept)
    })
}

/// Compiles `func` with an ISA's lowering `backend`, frame rules and register environment.
pub fn compile_with<B: LowerBackend>(
    func: &Function,
    backend: &B,
    frame_rules: &dyn FrameRules,
    env: &regalloc2::MachineEnv,
    flags: &Flags,
    options: &mut CompileOptions,
) -> Result<CompiledCode, CodegenError> {
    let mut explanation = options.explain.then(|| Explanation { rules: backend.rule_table(), ..Default::default() });
    let result = run_pipeline(func, backend, frame_rules, env, flags, options, &mut explanation);
    options.explanation = explanation;
    result
}

/// The body of [`compile_with`]; `ex` is the explanation being recorded, if any.
fn run_pipeline<B: LowerBackend>(
    func: &Function,
    backend: &B,
    frame_rules: &dyn FrameRules,
    env: &regalloc2::MachineEnv,
    flags: &Flags,
    options: &mut CompileOptions,
    ex: &mut Option<Explanation>,
) -> Result<CompiledCode, CodegenError> {
    record_ir(ex, "input", func);
    if flags.enable_verifier {
        timed(&mut options.times.verify, || crate::verifier::verify_function(func))?;
    }
    super::features::check_features(func, flags)?;
    super::features::check_lowerable(func, &backend.native())?;

    let mut func = Cow::Borrowed(func);
    let optimize = flags.opt_level != OptLevel::None;
    if optimize {
        timed(&mut options.times.optimize, || {
            crate::opt::optimize_observed(func.to_mut(), |pass, f| record_ir(ex, &format!("mid-end: {pass}"), f))
        });
    }
    check_after_pass(Pass::MidEnd, &func, optimize, flags, options)?;

    let mut legalized = false;
    timed(&mut options.times.lower, || {
        if crate::legalize::has_stack_limit(&func) {
            crate::legalize::expand_stack_limit(func.to_mut(), crate::ir::types::I64);
            legalized = true;
            record_ir(ex, "legalize: stack limit", &func);
        }
        if crate::legalize::has_global_values(&func) {
            crate::legalize::expand_global_values(func.to_mut());
            legalized = true;
            record_ir(ex, "legalize: global values", &func);
        }
        let native = backend.native();
        if !(flags.enable_jump_tables && native.jump_tables) && crate::legalize::has_br_table(&func) {
            crate::legalize::expand_br_tables(func.to_mut());
            legalized = true;
            record_ir(ex, "legalize: br_table", &func);
        }
        if let Some(f) = crate::legalize::soften_floats(&func, native) {
            func = Cow::Owned(f);
            legalized = true;
            record_ir(ex, "legalize: soft float", &func);
        }
        if let Some(f) = crate::legalize::legalize(&func, native) {
            func = Cow::Owned(f);
            legalized = true;
            record_ir(ex, "legalize: native", &func);
        }
        if let Some(f) = backend.legalize(&func) {
            func = Cow::Owned(f);
            legalized = true;
            record_ir(ex, "legalize: isa", &func);
        }
    });
    check_after_pass(Pass::Legalize, &func, legalized, flags, options)?;

    let vcode = timed(&mut options.times.lower, || lower(&func, backend, ex.is_some()))?;
    options.observe(Pass::Lower, || vcode.print_virtual());
    if let Some(ex) = ex {
        ex.vcode = Some(vcode.explain(ex.rules));
    }

    let algorithm = match flags.opt_level {
        OptLevel::None => regalloc2::Algorithm::Fastalloc,
        _ => regalloc2::Algorithm::Ion,
    };
    let ra_options = regalloc2::RegallocOptions { verbose_log: false, validate_ssa: flags.regalloc_checker, algorithm };
    let output = timed(&mut options.times.regalloc, || -> Result<regalloc2::Output, CodegenError> {
        let output = allocate(&vcode, env, &ra_options)?;
        if flags.regalloc_checker {
            let mut checker = regalloc2::checker::Checker::new(&vcode, env);
            checker.prepare(&output);
            checker.run().map_err(|e| CodegenError::RegallocChecker(format!("{e:?}")))?;
        }
        Ok(output)
    })?;
    options.observe(Pass::Regalloc, || vcode.print_allocated(&output, frame_rules));
    if let Some(ex) = ex {
        ex.regalloc = Some(vcode.explain_allocation(&output, frame_rules));
    }

    let want_listing = options.want_listing || options.print_after == Some(Pass::Emit);
    let mut records = ex.is_some().then(Vec::new);
    let mut code = timed(&mut options.times.emit, || {
        vcode.emit_recorded(&output, frame_rules, flags.stack_probe_interval(), want_listing, records.as_mut())
    })?;
    if let (Some(ex), Some(records)) = (ex, records) {
        ex.machine = Some(MachineStage::new(records, &code.code));
    }
    if !flags.unwind_info {
        code.unwind.clear();
    }
    options.observe(Pass::Emit, || code.listing.clone().unwrap_or_default());
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_names_round_trip_and_unknown_ones_list_the_valid_ones() {
        for p in Pass::ALL {
            assert_eq!(p.name().parse::<Pass>(), Ok(p));
        }
        let e = "regallocate".parse::<Pass>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown pass `regallocate` (the passes are: mid-end, legalize, lower, regalloc, emit)"
        );
    }

    fn broken() -> Function {
        // `v1` is used before any instruction defines it.
        let text = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v2 = iadd v0, v0\n    return v2\n}\n";
        let mut f = crate::text::parse_functions(text).unwrap().remove(0);
        let block = f.layout.entry_block().unwrap();
        let ret = f.layout.last_inst(block).unwrap();
        let add = f.layout.prev_inst(ret).unwrap();
        f.layout.remove_inst(add);
        f
    }

    #[test]
    fn a_pass_that_breaks_the_ir_is_named() {
        let mut options = CompileOptions::default();
        let e = check_after_pass(Pass::Legalize, &broken(), true, &Flags::default(), &mut options).unwrap_err();
        assert!(matches!(e, CodegenError::VerifierAfter { pass: Pass::Legalize, .. }), "{e}");
        assert!(e.to_string().starts_with("the function does not verify after legalize"), "{e}");
        // Unchanged functions and `enable_verifier=false` skip the check.
        check_after_pass(Pass::Legalize, &broken(), false, &Flags::default(), &mut options).unwrap();
        let off = Flags { enable_verifier: false, ..Flags::default() };
        check_after_pass(Pass::MidEnd, &broken(), true, &off, &mut options).unwrap();
    }

    #[test]
    fn only_the_asked_pass_is_printed() {
        let mut options = CompileOptions { print_after: Some(Pass::MidEnd), ..CompileOptions::default() };
        let f = crate::text::parse_functions("function %g() {\nblock0:\n    return\n}\n").unwrap().remove(0);
        check_after_pass(Pass::Legalize, &f, false, &Flags::default(), &mut options).unwrap();
        assert_eq!(options.printed, None);
        check_after_pass(Pass::MidEnd, &f, false, &Flags::default(), &mut options).unwrap();
        assert_eq!(options.printed.as_deref(), Some(f.to_string().as_str()));
    }
}
