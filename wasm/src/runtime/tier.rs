//! Tiered execution: every function starts at the baseline tier and hot ones move to
//! `opt_level=speed` while the program runs ([`Config::tiering`](super::Config::tiering),
//! `lathe run --tier auto`).
//!
//! The first tier's code counts function entries and loop iterations in the instance's
//! counter array and calls [`tier_up`] when a function's count runs out
//! (`translate/tier.rs` has the code's side). `tier_up` resets the count to the
//! threshold, sends the function (and, from a loop, an OSR entry at that loop) to a
//! background thread that translates and compiles at `speed`, and installs whatever has
//! been compiled meanwhile: each in this instance's tier-up `JitModule`; a function by
//! storing its new entry in the instance's `VmFuncRef::code`, which every call of it
//! (direct calls, tables, imports, `Store::call`) reads; an OSR entry by returning it to
//! the first-tier frame that asked at that loop, which then finishes its call there.
//!
//! An OSR entry at an inner loop leaves for its enclosing loops' entries at branches to
//! their headers (`translate/tier.rs`): installing it asks for those entries next, and
//! a transfer (`tier_up` with `TRANSFER` in the site) gets the entry from
//! [`TierRuntime`], waiting for the background thread if it has it and compiling it on
//! the store's thread if nobody does. A frame in an entry cannot go back to the first
//! tier, so if that compile fails the call ends with the error (`Store::call` returns
//! it; a trap in the code).
//!
//! Why this is safe against running code: the old code is never freed (its `JitModule`
//! lives as long as the store), so frames running it, and callers that read the old
//! pointer, go on correctly; the new code computes the same results (same translation,
//! same runtime data). A store runs on one thread, and only that thread, inside
//! `tier_up`, replaces entries; so no call is half-way through reading one. The
//! background thread only turns Wasm into `CompiledCode` and never touches the store
//! (a transfer's compile on the store's thread does the same, then installs as usual).
//!
//! With `synchronous`, `tier_up` waits for the compiles it asked for: the switch then
//! happens at a known point (tests force it mid-recursion this way).

use super::store::StoreData;
use crate::WasmError;
use crate::module::ModuleInfo;
use crate::translate::{self, RuntimeCall, TierMode, TranslateOptions, tier::ENTRY, tier::TRANSFER};
use lathe_codegen::ir::ExternalName;
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::machinst::CompiledCode;
use lathe_jit::{FuncId, JitModule, Profiler};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

/// When functions move to the optimizing tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiering {
    /// Function entries plus loop iterations before a function asks for optimized code
    /// (and between its later polls for it). At least 1.
    pub threshold: u32,
    /// Wait for each optimized compile where it was asked for, instead of running on
    /// in the first tier meanwhile: deterministic, for tests.
    pub synchronous: bool,
}

impl Default for Tiering {
    fn default() -> Tiering {
        Tiering { threshold: 1000, synchronous: false }
    }
}

/// A compile for the background thread: function `func` of `instance`, or its OSR
/// entry at loop `osr`.
struct Job {
    module: Arc<ModuleInfo>,
    instance: u32,
    func: u32,
    osr: Option<u32>,
}

/// A finished compile.
struct Done {
    instance: u32,
    func: u32,
    osr: Option<u32>,
    code: Result<CompiledCode, WasmError>,
    /// For an OSR entry: the loops enclosing its loop, whose entries its code leaves
    /// for (asked for when it is installed).
    enclosing: Vec<u32>,
}

/// Where an optimized compile stands.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum State {
    Asked,
    /// Installed at this address.
    Ready(usize),
    /// The compile failed; the first tier's code stays.
    Failed,
}

/// Counts of what tiering did, for `lathe run --stats`.
#[derive(Copy, Clone, Default, Debug, PartialEq, Eq)]
pub struct TierStats {
    /// Functions compiled at `speed` and installed.
    pub functions: u32,
    /// OSR entries compiled and installed.
    pub osr_entries: u32,
    /// Frames that left the first tier through an OSR entry.
    pub osr_transfers: u32,
    /// Frames of OSR entries that left for the OSR entry of an enclosing loop (at a
    /// branch to its header).
    pub nested_transfers: u32,
    /// Compiles that failed (their functions stay in the first tier).
    pub failed: u32,
}

/// A store's tiering state (in `StoreData`, reached by [`tier_up`] through the vmctx).
pub(crate) struct TierRuntime {
    threshold: i32,
    synchronous: bool,
    isa: Arc<dyn TargetIsa>,
    options: TranslateOptions,
    profiler: Profiler,
    /// Function versions by (instance, function index, OSR loop).
    states: HashMap<(u32, u32, Option<u32>), State>,
    /// Per instance, its tier-up code and which function index each `FuncId` is.
    jits: HashMap<u32, (JitModule, Vec<(FuncId, u32)>)>,
    jobs: Option<Sender<Job>>,
    done: Option<Receiver<Done>>,
    pub stats: TierStats,
}

impl TierRuntime {
    pub(crate) fn new(
        tiering: &Tiering,
        isa: Arc<dyn TargetIsa>,
        options: TranslateOptions,
        profiler: Profiler,
    ) -> TierRuntime {
        TierRuntime {
            threshold: tiering.threshold.clamp(1, i32::MAX as u32) as i32,
            synchronous: tiering.synchronous,
            isa,
            options,
            profiler,
            states: HashMap::new(),
            jits: HashMap::new(),
            jobs: None,
            done: None,
            stats: TierStats::default(),
        }
    }

    /// The counter value each function starts with (and is reset to).
    pub(crate) fn threshold(&self) -> i32 {
        self.threshold
    }

    /// Sends a compile to the background thread, started on first use.
    fn ask(&mut self, job: Job) {
        self.states.insert((job.instance, job.func, job.osr), State::Asked);
        if self.jobs.is_none() {
            let (jobs, rx) = mpsc::channel::<Job>();
            let (tx, done) = mpsc::channel::<Done>();
            let isa = self.isa.clone();
            let options = self.options;
            let spawned = std::thread::Builder::new()
                .name("lathe-tier-up".into())
                .spawn(move || compile_jobs(isa, options, rx, tx));
            if spawned.is_err() {
                // No thread: the first tier's code stays.
                self.states.insert((job.instance, job.func, job.osr), State::Failed);
                return;
            }
            self.jobs = Some(jobs);
            self.done = Some(done);
        }
        let key = (job.instance, job.func, job.osr);
        if self.jobs.as_ref().is_some_and(|jobs| jobs.send(job).is_err()) {
            self.states.insert(key, State::Failed);
        }
    }

    /// The first tier's entry and loop checks call here (through [`tier_up`]). Returns
    /// the OSR entry for (`func`, loop `site`) if installed, else null.
    fn on_count(&mut self, instances: &mut [super::store::InstanceData], instance: u32, func: u32, site: u32) -> usize {
        let inst = &instances[instance as usize];
        let module = inst.module.clone();
        // A hot loop's OSR entry first: that frame may run for long yet.
        if site != ENTRY && !self.states.contains_key(&(instance, func, Some(site))) {
            self.ask(Job { module: module.clone(), instance, func, osr: Some(site) });
        }
        if !self.states.contains_key(&(instance, func, None)) {
            self.ask(Job { module, instance, func, osr: None });
        }
        if self.synchronous {
            while self.states.values().any(|&s| s == State::Asked) {
                let Some(done) = self.done.as_ref().and_then(|d| d.recv().ok()) else { break };
                self.install(instances, done);
            }
            // A thread that went away leaves nothing to wait for.
            for s in self.states.values_mut() {
                if *s == State::Asked {
                    *s = State::Failed;
                }
            }
        } else {
            while let Some(done) = self.done.as_ref().and_then(|d| d.try_recv().ok()) {
                self.install(instances, done);
            }
        }
        match self.states.get(&(instance, func, (site != ENTRY).then_some(site))) {
            Some(&State::Ready(address)) if site != ENTRY => {
                self.stats.osr_transfers += 1;
                address
            }
            _ => 0,
        }
    }

    /// OSR code of function `func` leaves for the OSR entry of its enclosing loop
    /// `l`: returns the entry, waiting for the background thread if it is compiling it
    /// and compiling it here if nobody is. An error if it cannot be compiled (the
    /// frame cannot go back to the first tier).
    fn transfer(
        &mut self,
        instances: &mut [super::store::InstanceData],
        instance: u32,
        func: u32,
        l: u32,
    ) -> Result<usize, WasmError> {
        let key = (instance, func, Some(l));
        while self.states.get(&key) == Some(&State::Asked) {
            let Some(done) = self.done.as_ref().and_then(|d| d.recv().ok()) else {
                self.states.insert(key, State::Failed);
                break;
            };
            self.install(instances, done);
        }
        if !matches!(self.states.get(&key), Some(State::Ready(_))) {
            // Not asked, or the thread went away: compile on this thread.
            let module = instances[instance as usize].module.clone();
            let mut ctx = lathe_frontend::FunctionBuilderContext::new();
            let job = Job { module, instance, func, osr: Some(l) };
            let done = compile_job(&*self.isa, self.options, &job, &mut ctx);
            self.install(instances, done);
        }
        match self.states.get(&key) {
            Some(&State::Ready(address)) => {
                self.stats.nested_transfers += 1;
                Ok(address)
            }
            _ => Err(WasmError::Jit(format!(
                "tiering: the OSR entry of function {func} at loop {l}, which running optimized code must continue in, \
                 failed to compile"
            ))),
        }
    }

    /// Places a finished compile in its instance's tier-up module and makes it current.
    /// An OSR entry's enclosing loops' entries are asked for next, so that its
    /// transfers to them find them ready.
    fn install(&mut self, instances: &mut [super::store::InstanceData], done: Done) {
        let key = (done.instance, done.func, done.osr);
        for &e in &done.enclosing {
            if !self.states.contains_key(&(done.instance, done.func, Some(e))) {
                let module = instances[done.instance as usize].module.clone();
                self.ask(Job { module, instance: done.instance, func: done.func, osr: Some(e) });
            }
        }
        let placed = done.code.and_then(|code| {
            let inst = &instances[done.instance as usize];
            let ty = inst.module.func_type(done.func);
            let mut sig = translate::wasm_signature(ty)?;
            if done.osr.is_some() {
                sig = translate::tier::osr_signature(&sig.returns);
            }
            let (jit, ids) = self.jits.entry(done.instance).or_insert_with(|| {
                let mut jit = JitModule::new();
                jit.set_profiler(self.profiler.clone());
                for call in RuntimeCall::ALL {
                    jit.define_host_symbol(call.name(), super::libcalls::address(call));
                }
                (jit, Vec::new())
            });
            let (name, display) = match done.osr {
                // Under the function's own name, which its direct self-calls use.
                None => (translate::func_name(done.func), format!("{} (speed)", inst.module.func_name(done.func))),
                Some(l) => (
                    ExternalName::TestCase(format!("lathe_osr_{}_{l}", done.func)),
                    format!("{} (speed, entered at loop {l})", inst.module.func_name(done.func)),
                ),
            };
            let jit_err = |e: lathe_jit::JitError| WasmError::Jit(e.to_string());
            let id = jit.define_function_named(name, &display, &code, &sig).map_err(jit_err)?;
            jit.finalize().map_err(jit_err)?;
            ids.push((id, done.func));
            jit.function_address(id).ok_or_else(|| WasmError::Jit("tier-up code not placed".into()))
        });
        match placed {
            Ok(address) => {
                if done.osr.is_none() {
                    let inst = &mut instances[done.instance as usize];
                    inst.funcrefs[done.func as usize].code = address;
                    self.stats.functions += 1;
                } else {
                    self.stats.osr_entries += 1;
                }
                self.states.insert(key, State::Ready(address as usize));
            }
            Err(_) => {
                self.stats.failed += 1;
                self.states.insert(key, State::Failed);
            }
        }
    }

    /// The instance and function index of tier-up code holding `pc`, with the code's
    /// module and the function's id there (for backtraces).
    pub(crate) fn locate(&self, pc: usize) -> Option<(u32, u32, &JitModule, FuncId)> {
        self.jits.iter().find_map(|(&instance, (jit, ids))| {
            let (id, _) = jit.locate(pc)?;
            let &(_, func) = ids.iter().find(|(i, _)| *i == id)?;
            Some((instance, func, jit, id))
        })
    }
}

/// The background thread: translates and compiles each job at the optimizing tier until
/// the store hangs up.
fn compile_jobs(isa: Arc<dyn TargetIsa>, options: TranslateOptions, jobs: Receiver<Job>, done: Sender<Done>) {
    let mut ctx = lathe_frontend::FunctionBuilderContext::new();
    while let Ok(job) = jobs.recv() {
        if done.send(compile_job(&*isa, options, &job, &mut ctx)).is_err() {
            return;
        }
    }
}

/// Translates and compiles one job at the optimizing tier.
fn compile_job(
    isa: &dyn TargetIsa,
    options: TranslateOptions,
    job: &Job,
    ctx: &mut lathe_frontend::FunctionBuilderContext,
) -> Done {
    let options = TranslateOptions { tier: TierMode::Optimized { osr_loop: job.osr }, ..options };
    // A panic in the compiler is a bug, but it must not kill the background thread
    // silently (every later job would stay in the first tier) nor unwind through compiled
    // code when the store's own thread compiles: it becomes this job's failure.
    let compile = std::panic::AssertUnwindSafe(|| {
        translate::translate_function(&job.module, job.func, options, ctx).and_then(|ir| {
            isa.compile_function(&ir, false).map_err(|e| WasmError::Codegen { func: job.func, message: e.to_string() })
        })
    });
    let code = std::panic::catch_unwind(compile).unwrap_or_else(|panic| {
        *ctx = lathe_frontend::FunctionBuilderContext::new();
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        Err(WasmError::Codegen { func: job.func, message: format!("the optimizing compile panicked: {what}") })
    });
    let enclosing = match (job.osr, &code) {
        (Some(l), Ok(_)) => translate::tier::enclosing_loops(&job.module, job.func, l).unwrap_or_default(),
        _ => Vec::new(),
    };
    Done { instance: job.instance, func: job.func, osr: job.osr, code, enclosing }
}

/// `RuntimeCall::TierUp`: a first-tier function's count ran out at `site` (a loop
/// ordinal or `ENTRY`). Resets the count; returns the OSR entry for that loop, or 0.
/// With `TRANSFER` added to a loop ordinal: OSR code leaves for that enclosing loop's
/// entry; returns it, or 0 (a trap, the error kept aside) if it cannot be compiled.
pub(crate) extern "C" fn tier_up(vmctx: *mut crate::vmctx::VmCtx, func: u32, site: u32) -> u64 {
    // SAFETY: compiled code passes its own live vmctx during a call from `Store::call`,
    // which holds no reference into the store's data meanwhile.
    let (data, instance) = unsafe { super::libcalls::context(vmctx) };
    let StoreData { tier, instances, pending, .. } = data;
    let Some(tier) = tier.as_mut() else { return 0 };
    if site != ENTRY && site & TRANSFER != 0 {
        return match tier.transfer(instances, instance as u32, func, site & !TRANSFER) {
            Ok(address) => address as u64,
            Err(e) => {
                *pending = Some(e);
                0
            }
        };
    }
    let inst = &mut instances[instance];
    let defined = func - inst.module.num_imported_funcs;
    if let Some(counters) = inst.tier_counters.as_mut() {
        counters[defined as usize] = tier.threshold();
    }
    tier.on_count(instances, instance as u32, func, site) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_codegen::isa::{IsaFlagValues, Triple};
    use lathe_codegen::machinst::{CieDesc, CompileOptions};
    use lathe_codegen::result::CodegenError;
    use lathe_codegen::settings::Flags;

    /// The host ISA, except that compiling panics (a compiler bug, as the job sees it).
    struct Panicking(Box<dyn TargetIsa>);

    impl TargetIsa for Panicking {
        fn name(&self) -> &'static str {
            self.0.name()
        }
        fn triple(&self) -> &Triple {
            self.0.triple()
        }
        fn flags(&self) -> &Flags {
            self.0.flags()
        }
        fn isa_flags(&self) -> IsaFlagValues {
            self.0.isa_flags()
        }
        fn compile_function_with(
            &self,
            _: &lathe_codegen::ir::Function,
            _: &mut CompileOptions,
        ) -> Result<CompiledCode, CodegenError> {
            panic!("injected compiler bug")
        }
        fn unwind_cie(&self) -> CieDesc {
            self.0.unwind_cie()
        }
    }

    #[test]
    fn a_panicking_compile_is_the_jobs_failure_and_the_context_stays_usable() {
        let buf = wast::parser::ParseBuffer::new("(module (func (result i32) (i32.const 7)))").expect("lexes");
        let mut wat: wast::Wat = wast::parser::parse(&buf).expect("parses");
        let bytes = wat.encode().expect("encodes");
        let module = Arc::new(crate::module::parse(&bytes).expect("valid"));
        let host = lathe_codegen::isa::host_isa(Flags::default()).expect("host ISA");
        let job = Job { module, instance: 0, func: 0, osr: None };
        let mut ctx = lathe_frontend::FunctionBuilderContext::new();
        let done = compile_job(&Panicking(host), TranslateOptions::default(), &job, &mut ctx);
        match done.code {
            Err(WasmError::Codegen { func: 0, message }) => {
                assert!(message.contains("injected compiler bug"), "{message}")
            }
            other => panic!("expected the panic as a codegen error, got {:?}", other.map(|_| ())),
        }
        // The next job on the same thread compiles normally.
        let host = lathe_codegen::isa::host_isa(Flags::default()).expect("host ISA");
        let done = compile_job(&*host, TranslateOptions::default(), &job, &mut ctx);
        assert!(done.code.is_ok());
    }
}
