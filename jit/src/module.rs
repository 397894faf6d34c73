//! [`JitModule`]: define functions from compiled code, name host symbols, finalize into
//! executable memory, and call.
//!
//! Lifecycle: `define_function` and `define_host_symbol` any number of times, then
//! `finalize`, which places every function defined since the previous finalize in one new
//! region (so the functions of one finalize are within rel32 reach of each other). More
//! functions may be defined and finalized later; they can call the earlier ones.
//!
//! Symbol resolution for a relocation: a function of this module first, then a
//! thread-local variable of the module (`tls.rs`), a library routine, then a host symbol. Each region is unregistered from the trap handler and unmapped when the module
//! is dropped; addresses from [`JitModule::function_address`] must not be used after that.
//!
//! With a [`Profiler`] set, every placed function and entry trampoline is reported to it
//! (address, size, display name) before the placement takes effect.

use crate::debug::FrameRegistration;
use crate::debug::gdb::GdbRegistration;
use crate::entry;
use crate::host::stub::{CallBlock, stub};
use crate::link::{self, PendingFunc, Target};
use crate::memory::CodeRegion;
use crate::profile::{CodeRecord, Profiler, ProfilingStrategy};
use crate::traps::{self, registry};
use crate::{CallOutcome, JitError};
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::{ExternalName, Signature};
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::machinst::CompiledCode;
use lathe_object::DebugOptions;
use lathe_object::image::ImageFunction;
use std::collections::HashMap;
use std::sync::Mutex;

/// The index of a function defined in a [`JitModule`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct FuncId(u32);

impl FuncId {
    /// The index, in definition order.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

struct Func {
    name: ExternalName,
    /// The name profilers show, when not the `ExternalName`'s text.
    display: Option<String>,
    code: CompiledCode,
    signature: Signature,
    /// Set by finalize.
    address: Option<usize>,
}

/// A finalized region, registered with the trap handler, the system unwinder and (when
/// asked) gdb while it lives. Fields drop in order: the registrations go before the code.
struct PlacedRegion {
    registry_id: u64,
    _gdb: Option<GdbRegistration>,
    _frames: Option<FrameRegistration>,
    region: CodeRegion,
}

impl Drop for PlacedRegion {
    fn drop(&mut self) {
        // Unregister before the mapping goes (the region field drops after this).
        registry::unregister(self.registry_id);
    }
}

/// The entry trampolines of a module (`crate::entry`), compiled and placed on first use,
/// one per signature called.
#[derive(Default)]
struct EntryCache {
    /// The host target, made on first use.
    isa: Option<Box<dyn TargetIsa>>,
    /// The placed trampoline of each signature.
    by_sig: HashMap<Signature, usize>,
    /// Their regions, freed with the module.
    regions: Vec<PlacedRegion>,
}

/// A set of JIT-compiled functions and the host symbols they may refer to.
#[derive(Default)]
pub struct JitModule {
    funcs: Vec<Func>,
    by_name: HashMap<ExternalName, FuncId>,
    host: HashMap<ExternalName, usize>,
    /// Thread-local variables, by name: their keys in `tls.rs`.
    thread_locals: HashMap<ExternalName, u64>,
    regions: Vec<PlacedRegion>,
    entries: Mutex<EntryCache>,
    /// With `Some`, regions are described to gdb (see [`JitModule::enable_debugger`]).
    debugger: Option<DebugOptions>,
    profiler: Profiler,
}

impl JitModule {
    /// An empty module.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty module reporting its code to the profiler of `strategy`, writing where
    /// perf looks by default (see [`Profiler::new`]).
    pub fn with_profiler(strategy: ProfilingStrategy) -> Result<Self, JitError> {
        Ok(Self { profiler: Profiler::new(strategy)?, ..Self::default() })
    }

    /// Reports the code placed from now on to `profiler` (by default, nothing is reported).
    pub fn set_profiler(&mut self, profiler: Profiler) {
        self.profiler = profiler;
    }

    /// Declares and defines a function from compiled code with its signature. The code is
    /// checked (relocations of kinds the JIT applies on this host, inside the code with the
    /// trap sites, a power-of-two alignment up to a page) and copied; it is placed at the next [`finalize`](Self::finalize).
    /// Profilers show it under the text of `name`.
    pub fn define_function(
        &mut self,
        name: ExternalName,
        code: &CompiledCode,
        signature: &Signature,
    ) -> Result<FuncId, JitError> {
        self.define(name, None, code, signature)
    }

    /// Like [`define_function`](Self::define_function), with the name profilers show
    /// (a source-level name such as a Wasm function's, where `name` is only an index).
    pub fn define_function_named(
        &mut self,
        name: ExternalName,
        display: &str,
        code: &CompiledCode,
        signature: &Signature,
    ) -> Result<FuncId, JitError> {
        self.define(name, Some(display.to_string()), code, signature)
    }

    fn define(
        &mut self,
        name: ExternalName,
        display: Option<String>,
        code: &CompiledCode,
        signature: &Signature,
    ) -> Result<FuncId, JitError> {
        if self.by_name.contains_key(&name) {
            return Err(JitError::DuplicateDefinition(name.to_string()));
        }
        check_code(&name, code)?;
        let id = FuncId(u32::try_from(self.funcs.len()).map_err(|_| JitError::Unsupported("2^32 functions".into()))?);
        self.by_name.insert(name.clone(), id);
        self.funcs.push(Func { name, display, code: code.clone(), signature: signature.clone(), address: None });
        Ok(id)
    }

    /// Describes every region finalized from now on to gdb through the GDB JIT interface:
    /// an in-memory ELF image with the functions' names, unwind tables and DWARF whose
    /// line table comes from `options` (a front end's map from source locations to its
    /// files and lines). Without it, only the system unwinder is told about the code.
    pub fn enable_debugger(&mut self, options: DebugOptions) {
        self.debugger = Some(options);
    }

    /// Makes a host symbol (a Rust `extern "C"` / `extern "sysv64"` function or a data
    /// address) available to relocations by name. A later definition of the same name
    /// replaces the earlier one for functions finalized afterwards; a function of the
    /// module with the same name takes precedence.
    pub fn define_host_symbol(&mut self, name: ExternalName, address: *const u8) {
        self.host.insert(name, address as usize);
    }

    /// Defines a thread-local variable of `size` bytes aligned to `align` (a power of two):
    /// `tls_value` of `name` gives, in each thread, the address of that thread's own
    /// zero-filled block, allocated on the thread's first access. Redefining a name makes
    /// a new variable for functions finalized afterwards.
    pub fn define_thread_local(&mut self, name: ExternalName, size: usize, align: usize) -> Result<(), JitError> {
        if !align.is_power_of_two() {
            return Err(JitError::Unsupported(format!("thread-local {name}: alignment {align} is not a power of two")));
        }
        let key = crate::tls::register(size, align)
            .ok_or_else(|| JitError::Unsupported(format!("thread-local {name}: {size} bytes aligned to {align}")))?;
        self.thread_locals.insert(name, key);
        Ok(())
    }

    /// Places all functions defined since the last finalize in one new region, applies
    /// their relocations, makes the region read+execute, and registers its trap sites.
    /// On error nothing is placed and the module is unchanged.
    pub fn finalize(&mut self) -> Result<(), JitError> {
        let pending: Vec<usize> = (0..self.funcs.len()).filter(|&i| self.funcs[i].address.is_none()).collect();
        if pending.is_empty() {
            return Ok(());
        }
        let mut list = Vec::with_capacity(pending.len());
        for &i in &pending {
            let f = &self.funcs[i];
            let targets = f.code.relocs.iter().map(|r| self.resolve(&r.target, &pending)).collect::<Result<_, _>>()?;
            list.push(PendingFunc { name: &f.name, code: &f.code, targets });
        }
        let funcs = &self.funcs;
        let display = |k: usize| {
            let f = &funcs[pending[k]];
            f.display.clone().unwrap_or_else(|| symbol_name(&f.name))
        };
        let (placed, base, offsets) = place(&list, self.debugger.as_ref(), &self.profiler, display)?;
        for (&i, &off) in pending.iter().zip(&offsets) {
            self.funcs[i].address = Some(base + off);
        }
        self.regions.push(placed);
        Ok(())
    }

    /// The entry trampoline for calls of signature `sig`, compiled and placed on first
    /// use.
    fn entry_for(&self, sig: &Signature) -> Result<usize, JitError> {
        let mut cache = self.entries.lock().map_err(|_| JitError::Unsupported("a poisoned entry cache".into()))?;
        if let Some(&address) = cache.by_sig.get(sig) {
            return Ok(address);
        }
        entry::check_signature(sig)?;
        let isa = match cache.isa.take() {
            Some(isa) => isa,
            None => lathe_codegen::isa::host_isa(lathe_codegen::settings::Flags::default())
                .map_err(|e| JitError::Unsupported(format!("the host target: {e}")))?,
        };
        // The entry stub calls trampolines as the host's C functions.
        let func = entry::build(sig, isa.default_call_conv());
        let compiled = isa.compile_function(&func, false);
        cache.isa = Some(isa);
        let code = compiled.map_err(|e| JitError::Unsupported(format!("calls of signature {sig}: {e}")))?;
        check_code(&func.name, &code)?;
        if !code.relocs.is_empty() {
            return Err(JitError::BadCode {
                name: func.name.to_string(),
                reason: "relocations in a trampoline".into(),
            });
        }
        let list = [PendingFunc { name: &func.name, code: &code, targets: Vec::new() }];
        let (placed, base, offsets) =
            place(&list, self.debugger.as_ref(), &self.profiler, |_| format!("lathe_entry_{sig}"))?;
        let address = base + offsets[0];
        cache.regions.push(placed);
        cache.by_sig.insert(sig.clone(), address);
        Ok(address)
    }

    /// Where a relocation's symbol is: a function of this module, a library routine, then a
    /// host symbol.
    fn resolve(&self, name: &ExternalName, pending: &[usize]) -> Result<Target, JitError> {
        if let Some(id) = self.by_name.get(name) {
            let f = &self.funcs[id.index()];
            return Ok(match f.address {
                Some(a) => Target::Absolute(a),
                None => Target::Local(pending.binary_search(&id.index()).expect("unplaced functions are pending")),
            });
        }
        if let Some(&key) = self.thread_locals.get(name) {
            return Ok(Target::ThreadLocal(key));
        }
        if let ExternalName::LibCall(call) = name {
            return Ok(Target::Absolute(crate::libcalls::address(*call)));
        }
        if matches!(name, ExternalName::TestCase(n) if n == lathe_codegen::ir::THROW_FUNCTION) {
            return Ok(Target::Absolute(crate::host::throw::address()));
        }
        self.host.get(name).map(|&a| Target::Absolute(a)).ok_or_else(|| JitError::UnknownSymbol(name.to_string()))
    }

    /// The entry address of a finalized function.
    pub fn function_address(&self, id: FuncId) -> Option<*const u8> {
        self.funcs.get(id.index())?.address.map(|a| a as *const u8)
    }

    /// The function defined with this name.
    pub fn lookup(&self, name: &ExternalName) -> Option<FuncId> {
        self.by_name.get(name).copied()
    }

    /// The signature a function was defined with.
    pub fn signature(&self, id: FuncId) -> Option<&Signature> {
        self.funcs.get(id.index()).map(|f| &f.signature)
    }

    /// Calls a finalized function with typed arguments (marshalled for its signature's
    /// convention by an entry trampoline the backend compiles: on x86-64 System V, which
    /// `fast` and `tail` use too, or Windows x64 for
    /// `windows_fastcall`), returning its results or the trap it hit. After a trap the
    /// module and the thread are ready for the next call.
    ///
    /// Integer (`i8`-`i128`) and float (`f32`, `f64`) parameters and results are
    /// supported, and 128-bit vectors where the backend passes them, any number of results
    /// (through a return area); other vectors give [`JitError::Unsupported`].
    pub fn call(&self, id: FuncId, args: &[DataValue]) -> Result<CallOutcome, JitError> {
        self.call_with_site(id, args).map(|(outcome, _)| outcome)
    }

    /// Like [`call`](Self::call), and for a trap also where it happened: the function of
    /// this module and the code offset in it (`None` when the trapping instruction is in
    /// another module's code).
    pub fn call_with_site(
        &self,
        id: FuncId,
        args: &[DataValue],
    ) -> Result<(CallOutcome, Option<(FuncId, u32)>), JitError> {
        let (outcome, trace) = self.call_traced(id, args)?;
        let site = trace.first().and_then(|&pc| self.locate(pc));
        Ok((outcome, site))
    }

    /// Like [`call`](Self::call), and for a trap also its backtrace: the address of the
    /// trapping instruction, then the return address of each JIT frame that called it,
    /// innermost first (at most 33 entries; frames of any module, see
    /// [`locate`](Self::locate) for this one's). Empty when the call returned.
    pub fn call_traced(&self, id: FuncId, args: &[DataValue]) -> Result<(CallOutcome, Vec<usize>), JitError> {
        let f = self.funcs.get(id.index()).ok_or_else(|| JitError::NotFinalized(format!("#{}", id.index())))?;
        let address = f.address.ok_or_else(|| JitError::NotFinalized(f.name.to_string()))?;
        // SAFETY: a finalized function of this module, compiled for its signature; the
        // borrow of `self` keeps its region mapped for the call.
        unsafe { self.call_at_traced(address as *const u8, &f.signature, args) }
    }

    /// Like [`call_traced`](Self::call_traced), for the code at `address`, which may
    /// belong to another module (the trampoline is this module's).
    ///
    /// # Safety
    /// `address` must be the entry of a function compiled for `signature`, placed by a
    /// [`JitModule`] that stays alive (and keeps it) until the call returns.
    pub unsafe fn call_at_traced(
        &self,
        address: *const u8,
        signature: &Signature,
        args: &[DataValue],
    ) -> Result<(CallOutcome, Vec<usize>), JitError> {
        let target = self.entry_for(signature)?;
        let mut buf = entry::buffer(signature);
        entry::write_args(signature, args, &mut buf, entry::HOST_ENDIANNESS)?;
        let mut block = CallBlock::new(target, address as usize, buf.as_mut_ptr());
        let stub = stub()?;
        // SAFETY: `block` and `buf` live on this frame for the whole call. The target is
        // the entry trampoline compiled for `signature`, which reads and writes the
        // slots `buf` was sized for; it calls `address`, which the caller promises is
        // live code compiled for that same signature, so the compiler's ABI layer made
        // both sides of the call.
        unsafe { traps::call_in_context(stub, &mut block)? };
        if block.trapped != 0 {
            let mut trace = vec![block.trap_pc as usize];
            trace.extend(block.trace[..block.trace_len as usize].iter().map(|&r| r as usize));
            return Ok((CallOutcome::Trap(traps::decode_trap(block.trap_word)), trace));
        }
        Ok((CallOutcome::Return(entry::read_results(signature, &buf, entry::HOST_ENDIANNESS)), vec![]))
    }

    /// The function of this module whose code holds `pc`, and the offset in it.
    pub fn locate(&self, pc: usize) -> Option<(FuncId, u32)> {
        self.funcs.iter().enumerate().find_map(|(i, f)| {
            let start = f.address?;
            (pc >= start && pc < start + f.code.code.len()).then(|| (FuncId(i as u32), (pc - start) as u32))
        })
    }

    /// The source location recorded for code offset `offset` of function `id` (see
    /// `CompiledCode::srclocs`).
    pub fn source_location(&self, id: FuncId, offset: u32) -> Option<lathe_codegen::ir::SourceLoc> {
        let f = self.funcs.get(id.index())?;
        f.code.srclocs.iter().find(|r| r.start <= offset && offset < r.end).map(|r| r.loc)
    }
}

/// Lays out and links `list` in a new region, seals it, registers its trap sites, its
/// unwind table and (with `debugger`) its debug image, and reports each function to
/// `profiler`, all under `display(index in list)`; returns the region, its base address
/// and each function's offset. On error the region is gone again.
fn place(
    list: &[PendingFunc<'_>],
    debugger: Option<&DebugOptions>,
    profiler: &Profiler,
    display: impl Fn(usize) -> String,
) -> Result<(PlacedRegion, usize, Vec<usize>), JitError> {
    let layout = link::layout(list)?;
    let mut region = CodeRegion::new(layout.size)?;
    let base = region.base();
    link::link(region.bytes_mut(), base, list, &layout)?;
    region.seal()?;
    let mut funcs = Vec::with_capacity(list.len());
    let mut sites = Vec::new();
    let mut handlers = Vec::new();
    for (f, &off) in list.iter().zip(&layout.offsets) {
        let start = base + off;
        funcs.push((start, start + f.code.code.len()));
        sites.extend(f.code.traps.iter().map(|t| (start + t.offset as usize, t.code)));
        handlers.extend(f.code.exception_sites.iter().map(|s| {
            let pads = s.handlers.iter().map(|&(tag, pad)| (tag, start + pad as usize)).collect();
            (start + s.ret_offset as usize, pads)
        }));
    }
    debug_assert!(funcs.iter().all(|&(_, end)| end <= base + region.len()));
    let names: Vec<String> = (0..list.len()).map(display).collect();
    let described: Vec<ImageFunction<'_>> = list
        .iter()
        .zip(&layout.offsets)
        .zip(&names)
        .map(|((f, &off), name)| ImageFunction { name, address: (base + off) as u64, code: f.code })
        .collect();
    let frames = FrameRegistration::register(&described)?;
    let gdb = debugger.map(|options| GdbRegistration::register(&described, Some(options))).transpose()?;
    let registry_id = registry::register(registry::RegionTraps { funcs, sites, handlers });
    let placed = PlacedRegion { registry_id, _gdb: gdb, _frames: frames, region };
    if profiler.is_enabled() {
        let bytes = placed.region.bytes();
        let records: Vec<CodeRecord<'_>> = list
            .iter()
            .zip(&layout.offsets)
            .zip(&names)
            .map(|((f, &off), name)| CodeRecord::new(base + off, &bytes[off..off + f.code.code.len()], name))
            .collect();
        profiler.report(&records)?;
    }
    Ok((placed, base, layout.offsets))
}

/// The name a debugger or profiler shows for a function by default: `%name` without the
/// sigil.
fn symbol_name(name: &ExternalName) -> String {
    match name {
        ExternalName::TestCase(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Checks that relocations are of kinds the JIT applies, that they and the trap sites lie
/// inside the code, and that the alignment is sane.
fn check_code(name: &ExternalName, code: &CompiledCode) -> Result<(), JitError> {
    let bad = |reason: String| JitError::BadCode { name: name.to_string(), reason };
    if code.code.is_empty() {
        return Err(bad("no code".into()));
    }
    let align = code.alignment.max(1) as usize;
    if !align.is_power_of_two() || align > crate::memory::page_size() {
        return Err(bad(format!("alignment {} is not a power of two up to a page", code.alignment)));
    }
    let len = code.code.len();
    for r in &code.relocs {
        if !link::applies(r.kind) {
            return Err(JitError::UnsupportedRelocation { name: name.to_string(), kind: r.kind });
        }
        if (r.offset as usize).checked_add(r.kind.patch_size() as usize).is_none_or(|end| end > len) {
            return Err(bad(format!("relocation at {} outside {len} bytes of code", r.offset)));
        }
    }
    if let Some(t) = code.traps.iter().find(|t| t.offset as usize >= len) {
        return Err(bad(format!("trap site at {} outside {len} bytes of code", t.offset)));
    }
    Ok(())
}
