//! [`Store`]: the owner of everything instances use, instantiation, and calls.
//!
//! Everything compiled code can reach (vmctx, `VmFuncRef`s, memories, tables, global cells)
//! is boxed inside `StoreData`, so its address is stable while the store lives; handles are
//! indices into its vectors. JIT code gets `*mut StoreData` through the vmctx and the
//! runtime calls (`libcalls`) reach the store only through that pointer while a call runs;
//! the Rust side makes no reference into `StoreData` live across a call into JIT code.
//! `JitModule`s live outside `StoreData` (in [`Store::code`]) and are dropped first.

use super::exceptions::{ExnData, TagData};
use super::limits::{ResourceLimiter, StoreLimits};
use super::memory::{LinearMemory, PAGE};
use super::pool::{InstanceSlot, StateBox, TableElems};
use super::tier::TierRuntime;
use super::{Engine, Extern, ExternType, Module, Val};
use crate::module::{ConstOp, ElemMode, ImportKind, ModuleInfo};
use crate::translate::{self, RuntimeCall, stub};
use crate::vmctx::{VmCtx, VmFuncRef, VmMemory, VmTable, VmTag};
use crate::{WasmError, WasmTrap};
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::{Ieee32, Ieee64, types};
use lathe_frontend::FunctionBuilderContext;
use lathe_jit::{CallOutcome, FuncId, JitModule};
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wasmparser::{ExternalKind, FuncType, GlobalType, RefType, TableType, ValType};

/// Gives each store its own identity (see `Store::id`).
static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(0);

/// A host function: gets the caller (memory and host state) and the arguments.
pub type HostFn = Box<dyn FnMut(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, WasmError>>;

/// The handle of an instance in its store.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct InstanceHandle(pub u32);

pub(crate) struct Table {
    pub vm: VmTable,
    pub elems: TableElems,
    pub ty: TableType,
}

impl Table {
    fn sync(&mut self) {
        self.vm.base = self.elems.as_mut_ptr();
        self.vm.len = self.elems.len() as u64;
    }

    /// Grows by `delta` elements of `init`; the old size, or `None` past the maximum or
    /// when the store's limiter refuses.
    pub fn grow(&mut self, delta: u32, init: u64, limiter: Option<&mut dyn ResourceLimiter>) -> Option<u32> {
        let old = self.elems.len() as u64;
        let new = old + delta as u64;
        if let Some(limiter) = limiter
            && !limiter.table_growing(old, new, self.ty.maximum)
        {
            return None;
        }
        // A cap keeps a runaway `table.grow` from exhausting host memory.
        let max = self.ty.maximum.unwrap_or(u32::MAX as u64).min(10_000_000);
        if new > max || !self.elems.resize(new as usize, init) {
            return None;
        }
        self.sync();
        Some(old as u32)
    }
}

pub(crate) struct GlobalCell {
    pub bits: [u64; 2],
    pub ty: GlobalType,
}

pub(crate) enum FuncKind {
    /// A function (defined or host stub) of an instance, by function index.
    Wasm { instance: u32, index: u32 },
    /// A host function not yet imported by any instance.
    Host { host: u32 },
}

pub(crate) struct FuncData {
    pub kind: FuncKind,
    pub ty: FuncType,
    pub vm: *const VmFuncRef,
}

pub(crate) struct HostEntry {
    pub ty: FuncType,
    pub f: Option<HostFn>,
}

pub(crate) struct InstanceData {
    pub module: Arc<ModuleInfo>,
    pub vmctx: StateBox<VmCtx>,
    /// Read by compiled code through `func_ptrs`; `Store::call` and tiering read and
    /// replace the code entries of defined functions.
    pub funcrefs: StateBox<[VmFuncRef]>,
    pub func_ptrs: StateBox<[*const VmFuncRef]>,
    pub global_ptrs: StateBox<[*mut u64]>,
    /// Read by compiled code only (through the vmctx).
    #[allow(dead_code)]
    pub table_ptrs: StateBox<[*mut VmTable]>,
    /// Read by compiled code only (through the vmctx).
    #[allow(dead_code)]
    pub memory_ptrs: StateBox<[*mut VmMemory]>,
    /// Read by compiled code only (through the vmctx).
    #[allow(dead_code)]
    pub tag_ptrs: StateBox<[*const VmTag]>,
    /// Under tiering, one count per defined function (`VmCtx::tier_counters`).
    pub tier_counters: Option<StateBox<[i32]>>,
    /// The store handles of the instance's tags, by tag index.
    pub tags: Vec<u32>,
    /// The store handles of the instance's memories, by memory index.
    pub memories: Vec<u32>,
    pub tables: Vec<u32>,
    /// The store handles of the instance's globals, by global index.
    #[allow(dead_code)]
    pub globals: Vec<u32>,
    pub funcs: Vec<u32>,
    pub data: Vec<Option<Arc<[u8]>>>,
    pub elems: Vec<Option<Vec<u64>>>,
    pub exports: HashMap<String, Extern>,
    /// The instance's slot in the engine's pool, if it pools, holding the `StateBox`es
    /// above; declared last so that it drops after them (and is then given back).
    #[allow(dead_code)]
    pub slot: Option<InstanceSlot>,
}

// The boxes are deliberate: compiled code holds pointers into them, which must not move
// when the vectors grow.
#[allow(clippy::vec_box)]
pub(crate) struct StoreData {
    pub instances: Vec<InstanceData>,
    pub memories: Vec<Box<LinearMemory>>,
    pub tables: Vec<Box<Table>>,
    pub globals: Vec<Box<GlobalCell>>,
    pub funcs: Vec<FuncData>,
    pub func_by_ptr: HashMap<usize, u32>,
    /// Exception tags, each boxed: its `VmTag`'s address is its identity.
    pub tags: Vec<Box<TagData>>,
    /// Exceptions thrown so far (`exnref`s point into them; see `runtime::exceptions`).
    pub exns: ExnData,
    pub hosts: Vec<HostEntry>,
    /// Why a host function stopped the current call.
    pub pending: Option<WasmError>,
    /// The stack limit compiled code checks (see `VmCtx::stack_limit`): set on each entry
    /// from Rust to this thread's stack bottom plus [`STACK_MARGIN`]; 0 (no check) when
    /// the system cannot tell where the stack ends.
    pub stack_limit: u64,
    /// The host data (`()` until the host sets one).
    pub state: Box<dyn Any>,
    /// The name of the host data's type, for error messages.
    pub state_type: &'static str,
    /// Set by an [`InterruptHandle`]; read by code compiled with `Config::interruptible`.
    pub interrupt: Arc<AtomicU64>,
    /// Fuel left (see `VmCtx::fuel`).
    pub fuel: i64,
    /// Asked before memories and tables are created or grow (`Store::set_limiter`).
    pub limiter: Option<Box<dyn ResourceLimiter>>,
    /// Tiered execution's state, with the engine's `Config::tiering` (`tier.rs`).
    pub tier: Option<Box<TierRuntime>>,
}

/// Stops code running in a store from another thread: the code traps `interrupt` at its
/// next function entry or loop iteration (when compiled with `Config::interruptible`), and
/// the store stays usable. Cheap to clone; `Send`.
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    flag: Arc<AtomicU64>,
}

impl InterruptHandle {
    /// Asks the store's running call to stop; when no call is running, the next call
    /// that reaches a check stops. The request stays until compiled code serves it (by
    /// trapping `interrupt`); then it is cleared, so the store runs its following calls
    /// normally.
    pub fn interrupt(&self) {
        self.flag.store(1, Ordering::SeqCst);
    }
}

/// What a host function sees of its caller.
pub struct Caller<'a> {
    pub(crate) data: &'a mut StoreData,
    pub(crate) instance: Option<u32>,
}

impl Caller<'_> {
    /// The calling instance's memory, if it has one.
    pub fn memory(&mut self) -> Option<&mut [u8]> {
        let inst = self.instance?;
        let m = *self.data.instances[inst as usize].memories.first()?;
        Some(self.data.memories[m as usize].bytes_mut())
    }

    /// The store's host state, if it is a `T`.
    pub fn state<T: 'static>(&mut self) -> Option<&mut T> {
        self.data.state.downcast_mut()
    }

    /// The host state (if it is a `T`) and the calling instance's memory (if it has one)
    /// at once.
    pub fn state_and_memory<T: 'static>(&mut self) -> (Option<&mut T>, Option<&mut [u8]>) {
        let StoreData { state, instances, memories, .. } = &mut *self.data;
        let memory = self
            .instance
            .and_then(|i| instances[i as usize].memories.first().copied())
            .map(|m| memories[m as usize].bytes_mut());
        (state.downcast_mut(), memory)
    }
}

/// Owns instances and everything they use.
pub struct Store {
    /// Per instance: its JIT code and the `FuncId` of each function index it compiled.
    code: Vec<(JitModule, Vec<Option<FuncId>>)>,
    pub(super) data: Box<StoreData>,
    engine: Engine,
    ctx: FunctionBuilderContext,
    /// Unique among the process's stores: lets a `Linker` or `TypedFunc` tell whether
    /// handles it holds belong to this store.
    id: u64,
}

/// Stack kept free below the limit compiled code checks: room for the frame of the
/// function that checks, for host functions it calls, and for the signal handler, so that
/// deep recursion traps `stk_ovf` long before the guard page.
pub const STACK_MARGIN: u64 = 256 * 1024;

fn trap(t: WasmTrap, func: &str) -> WasmError {
    WasmError::Trap { trap: t, func: func.to_string(), offset: None, backtrace: vec![] }
}

impl Store {
    /// An empty store.
    pub fn new(engine: &Engine) -> Store {
        Store {
            code: Vec::new(),
            data: Box::new(StoreData {
                instances: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                funcs: Vec::new(),
                func_by_ptr: HashMap::new(),
                tags: Vec::new(),
                exns: ExnData::default(),
                hosts: Vec::new(),
                pending: None,
                stack_limit: 0,
                state: Box::new(()),
                state_type: std::any::type_name::<()>(),
                interrupt: Arc::new(AtomicU64::new(0)),
                fuel: i64::MAX,
                limiter: None,
                tier: engine.tier_runtime(),
            }),
            engine: engine.clone(),
            ctx: FunctionBuilderContext::new(),
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// What tiered execution has done in this store so far (`None` when the engine
    /// does not tier; see [`Config::tiering`](super::Config::tiering)).
    pub fn tier_stats(&self) -> Option<super::TierStats> {
        self.data.tier.as_ref().map(|t| t.stats)
    }

    /// The store's identity, unique in the process.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// A handle another thread can use to stop code running in this store.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle { flag: self.data.interrupt.clone() }
    }

    /// Sets the fuel code compiled with `Config::consume_fuel` may use: one unit per
    /// function entry and per loop iteration.
    pub fn set_fuel(&mut self, fuel: u64) {
        self.data.fuel = fuel.min(i64::MAX as u64) as i64;
    }

    /// The fuel left.
    pub fn fuel(&self) -> u64 {
        self.data.fuel.max(0) as u64
    }

    /// Installs the limiter asked before this store's memories and tables are created or
    /// grow, and at instantiation for the counts of instances, memories and tables (see
    /// [`ResourceLimiter`]). It replaces any limiter installed before. What the store
    /// already holds is not re-checked, but later growth of it asks the new limiter.
    pub fn set_limiter(&mut self, limiter: Box<dyn ResourceLimiter>) {
        self.data.limiter = Some(limiter);
    }

    /// Limits every memory of this store to `bytes`: `memory.grow` past it fails (returns
    /// -1), and instantiating a module whose memory starts larger is an error. Installs a
    /// [`StoreLimits`] with only that cap (replacing any limiter).
    pub fn set_max_memory(&mut self, bytes: u64) {
        self.set_limiter(Box::new(StoreLimits { memory_size: Some(bytes), ..StoreLimits::default() }));
    }

    /// Sets the host data host functions reach through [`Caller::state`] (and
    /// `TypedCaller::data` for a `Linker<T>`); it replaces the data set before. A store
    /// starts with `()`.
    pub fn set_state<T: 'static>(&mut self, state: T) {
        self.data.state = Box::new(state);
        self.data.state_type = std::any::type_name::<T>();
    }

    /// The host data, if it is a `T`.
    pub fn state<T: 'static>(&mut self) -> Option<&mut T> {
        self.data.state.downcast_mut()
    }

    /// The name of the host data's type.
    pub fn state_type_name(&self) -> &'static str {
        self.data.state_type
    }

    /// Defines a host function of type `ty`.
    pub fn host_func(&mut self, ty: FuncType, f: HostFn) -> Extern {
        let host = self.data.hosts.len() as u32;
        self.data.hosts.push(HostEntry { ty: ty.clone(), f: Some(f) });
        let id = self.data.funcs.len() as u32;
        self.data.funcs.push(FuncData { kind: FuncKind::Host { host }, ty, vm: std::ptr::null() });
        Extern::Func(id)
    }

    /// Defines a global.
    pub fn global(&mut self, ty: GlobalType, value: Val) -> Extern {
        let id = self.data.globals.len() as u32;
        let mut cell = Box::new(GlobalCell { bits: [0; 2], ty });
        let bits = self.val_bits(value);
        cell.bits = [bits as u64, (bits >> 64) as u64];
        self.data.globals.push(cell);
        Extern::Global(id)
    }

    /// Defines a memory of `initial` pages, if the store's limiter allows.
    pub fn memory(&mut self, initial: u64, maximum: Option<u64>) -> Result<Extern, WasmError> {
        self.check_counts(0, 1, 0)?;
        self.allow_new_memory(initial, maximum)?;
        let memory = self.new_memory(initial, maximum, false)?;
        Ok(Extern::Memory(self.add_memory(memory)))
    }

    /// Creates a memory (in a pool slot when the engine pools), without asking the limiter.
    fn new_memory(&self, initial: u64, maximum: Option<u64>, memory64: bool) -> Result<Box<LinearMemory>, WasmError> {
        let mut memory = LinearMemory::new(initial, maximum, self.engine.pool.as_ref())?;
        memory.memory64 = memory64;
        Ok(Box::new(memory))
    }

    /// Adds a memory to the store.
    fn add_memory(&mut self, memory: Box<LinearMemory>) -> u32 {
        let id = self.data.memories.len() as u32;
        self.data.memories.push(memory);
        id
    }

    /// Defines a table of null references, if the store's limiter allows (so not of a
    /// non-nullable element type).
    pub fn table(&mut self, ty: TableType) -> Result<Extern, WasmError> {
        if !ty.element_type.is_nullable() {
            return Err(WasmError::Unsupported(format!(
                "a host table of non-nullable {} (it would start with null elements)",
                ty.element_type
            )));
        }
        self.check_counts(0, 0, 1)?;
        self.allow_new_table(&ty)?;
        let table = self.new_table(ty)?;
        Ok(Extern::Table(self.add_table(table)))
    }

    /// Creates a table of null references (in a pool slot when the engine pools), without
    /// asking the limiter.
    fn new_table(&self, ty: TableType) -> Result<Box<Table>, WasmError> {
        let slot = self.engine.pool.as_ref().map(|p| p.table()).transpose()?;
        let initial =
            usize::try_from(ty.initial).map_err(|_| WasmError::Limit(format!("a table of {} elements", ty.initial)))?;
        let mut t = Box::new(Table {
            vm: VmTable { base: std::ptr::null_mut(), len: 0 },
            elems: TableElems::new(initial, slot)?,
            ty,
        });
        t.sync();
        Ok(t)
    }

    /// Adds a table to the store.
    fn add_table(&mut self, table: Box<Table>) -> u32 {
        let id = self.data.tables.len() as u32;
        self.data.tables.push(table);
        id
    }

    /// Whether the limiter (if any) lets a memory of `initial` pages be made.
    fn allow_new_memory(&mut self, initial: u64, maximum: Option<u64>) -> Result<(), WasmError> {
        let bytes = initial.saturating_mul(PAGE);
        let allowed = self
            .data
            .limiter
            .as_mut()
            .is_none_or(|l| l.memory_growing(0, bytes, Some(max_memory_pages(maximum) * PAGE)));
        if !allowed {
            return Err(WasmError::Limit(format!(
                "the store's resource limiter refuses a memory of {initial} pages ({bytes} bytes)"
            )));
        }
        Ok(())
    }

    /// Whether the limiter (if any) lets a table of type `ty` be made.
    fn allow_new_table(&mut self, ty: &TableType) -> Result<(), WasmError> {
        if !self.data.limiter.as_mut().is_none_or(|l| l.table_growing(0, ty.initial, ty.maximum)) {
            return Err(WasmError::Limit(format!(
                "the store's resource limiter refuses a table of {} elements",
                ty.initial
            )));
        }
        Ok(())
    }

    /// Whether the store may hold `instances`, `memories` and `tables` more than it does
    /// (the limiter's counts); a `WasmError::Limit` naming the first count passed if not.
    fn check_counts(&self, instances: usize, memories: usize, tables: usize) -> Result<(), WasmError> {
        let Some(limiter) = &self.data.limiter else { return Ok(()) };
        let counts = [
            ("instances", self.data.instances.len(), instances, limiter.instances()),
            ("memories", self.data.memories.len(), memories, limiter.memories()),
            ("tables", self.data.tables.len(), tables, limiter.tables()),
        ];
        for (what, have, more, max) in counts {
            if more > 0 && have.saturating_add(more) > max {
                return Err(WasmError::Limit(format!(
                    "the store holds {have} {what} and may hold at most {max}; {more} more asked for"
                )));
            }
        }
        Ok(())
    }

    /// The export `name` of an instance.
    pub fn export(&self, instance: InstanceHandle, name: &str) -> Option<Extern> {
        self.data.instances.get(instance.0 as usize)?.exports.get(name).copied()
    }

    /// Whether `instance` is an instance of this store.
    pub fn has_instance(&self, instance: InstanceHandle) -> bool {
        (instance.0 as usize) < self.data.instances.len()
    }

    /// Every export of an instance, by name (in no particular order); none for a handle
    /// of no instance.
    pub fn exports(&self, instance: InstanceHandle) -> impl Iterator<Item = (&str, Extern)> {
        self.data
            .instances
            .get(instance.0 as usize)
            .into_iter()
            .flat_map(|i| i.exports.iter().map(|(n, e)| (n.as_str(), *e)))
    }

    /// The type of `ext`, or `None` when it names nothing in this store.
    pub fn extern_type(&self, ext: Extern) -> Option<ExternType> {
        Some(match ext {
            Extern::Func(f) => ExternType::Func(self.data.funcs.get(f as usize)?.ty.clone()),
            Extern::Memory(m) => {
                let m = self.data.memories.get(m as usize)?;
                ExternType::Memory { initial: m.pages(), maximum: Some(m.max_pages), memory64: m.memory64 }
            }
            Extern::Table(t) => {
                let t = self.data.tables.get(t as usize)?;
                ExternType::Table(TableType { initial: t.elems.len() as u64, ..t.ty })
            }
            Extern::Global(g) => ExternType::Global(self.data.globals.get(g as usize)?.ty),
            Extern::Tag(t) => ExternType::Tag(self.data.tags.get(t as usize)?.ty.clone()),
        })
    }

    /// The bytes of a memory.
    pub fn memory_bytes(&self, memory: u32) -> &[u8] {
        self.data.memories[memory as usize].bytes()
    }

    /// The value of a global.
    pub fn global_get(&self, global: u32) -> Val {
        let g = &self.data.globals[global as usize];
        self.bits_val(g.ty.content_type, u128::from(g.bits[0]) | u128::from(g.bits[1]) << 64)
    }

    /// The type of a function.
    pub fn func_type(&self, func: u32) -> &FuncType {
        &self.data.funcs[func as usize].ty
    }

    /// The type of a global.
    pub fn global_type(&self, global: u32) -> GlobalType {
        self.data.globals[global as usize].ty
    }

    /// The type of a table.
    pub fn table_type(&self, table: u32) -> TableType {
        let t = &self.data.tables[table as usize];
        TableType { initial: t.elems.len() as u64, ..t.ty }
    }

    /// The size (pages) and maximum of a memory.
    pub fn memory_limits(&self, memory: u32) -> (u64, u64) {
        let m = &self.data.memories[memory as usize];
        (m.pages(), m.max_pages)
    }

    fn val_bits(&self, v: Val) -> u128 {
        val_bits(&self.data, v)
    }

    fn bits_val(&self, ty: ValType, bits: u128) -> Val {
        bits_val(&self.data, ty, bits)
    }

    /// Instantiates `module` with `imports` (in the module's import order).
    pub fn instantiate(&mut self, module: &Module, imports: &[Extern]) -> Result<InstanceHandle, WasmError> {
        let info = module.info.clone();
        if imports.len() != info.imports.len() {
            return Err(WasmError::Link(format!("{} imports given, {} needed", imports.len(), info.imports.len())));
        }
        for (imp, ext) in info.imports.iter().zip(imports) {
            let wanted = import_type(&info, &imp.kind);
            let given = self.extern_type(*ext).ok_or_else(|| {
                WasmError::Link(format!("import {}::{}: {ext:?} is not a handle of this store", imp.module, imp.name))
            })?;
            if !given.satisfies(&wanted) {
                return Err(WasmError::Link(format!(
                    "import {}::{} has the wrong type: expected {wanted}, given {given}",
                    imp.module, imp.name
                )));
            }
            // A host-made global of a concrete reference type holds what the host put in
            // it; code trusts the type (`call_ref` checks no signature), so check it.
            if let (Extern::Global(g), ExternType::Global(gt)) = (*ext, &wanted)
                && !val_fits(&self.data, self.global_get(g), gt.content_type)
            {
                return Err(WasmError::Link(format!(
                    "import {}::{}: the global's value {:?} is not a {}",
                    imp.module,
                    imp.name,
                    self.global_get(g),
                    gt.content_type
                )));
            }
        }
        let defined_memories = info.memories.len() - info.num_imported_memories as usize;
        let defined_tables = info.tables.len() - info.num_imported_tables as usize;
        self.check_counts(1, defined_memories, defined_tables)?;
        // Sizes are asked up front too, so that a refusal leaves the store as it was.
        for mt in &info.memories[info.num_imported_memories as usize..] {
            self.allow_new_memory(mt.initial, mt.maximum)?;
        }
        for tt in &info.tables[info.num_imported_tables as usize..] {
            self.allow_new_table(tt)?;
        }
        // Everything that can run out (pool slots, address space) is taken before the
        // store changes, so that a failure leaves it as it was.
        let word = std::mem::size_of::<u64>();
        let state_bytes = std::mem::size_of::<VmCtx>()
            + info.funcs.len() * (std::mem::size_of::<VmFuncRef>() + word)
            + (info.globals.len() + info.tables.len() + info.memories.len() + info.tags.len()) * word
            + info.bodies.len() * 4 // tiering's counters
            + 7 * word; // alignment between the eight parts
        let mut slot = self.engine.pool.as_ref().map(|p| p.instance(state_bytes)).transpose()?;
        let mut new_memories = Vec::new();
        for mt in &info.memories[info.num_imported_memories as usize..] {
            new_memories.push(self.new_memory(mt.initial, mt.maximum, mt.memory64)?);
        }
        let mut new_tables = Vec::new();
        for tt in &info.tables[info.num_imported_tables as usize..] {
            new_tables.push(self.new_table(*tt)?);
        }
        let inst_index = self.data.instances.len() as u32;
        let nfuncs = info.funcs.len();
        let mut vmctx = StateBox::new(
            slot.as_mut(),
            VmCtx {
                memory: std::ptr::null_mut(),
                memories: std::ptr::null(),
                globals: std::ptr::null(),
                tables: std::ptr::null(),
                funcs: std::ptr::null(),
                store: (&mut *self.data as *mut StoreData).cast(),
                instance: inst_index as u64,
                stack_limit: &self.data.stack_limit as *const u64,
                interrupt: Arc::as_ptr(&self.data.interrupt),
                fuel: &mut self.data.fuel as *mut i64,
                tags: std::ptr::null(),
                tier_counters: std::ptr::null_mut(),
            },
        )?;
        let vmctx_ptr: *mut VmCtx = &mut *vmctx;

        // Link imports.
        let mut funcs = Vec::with_capacity(nfuncs);
        let mut memories = Vec::new();
        let mut tables = Vec::new();
        let mut globals = Vec::new();
        let mut tags = Vec::new();
        let mut host_imports = Vec::new(); // (function index, host index)
        // Types were checked above, so each import is of the kind the module asks for.
        for ext in imports {
            match *ext {
                Extern::Func(f) => {
                    if let FuncKind::Host { host } = self.data.funcs[f as usize].kind {
                        host_imports.push((funcs.len() as u32, host));
                    }
                    funcs.push(f);
                }
                Extern::Memory(m) => memories.push(m),
                Extern::Table(t) => tables.push(t),
                Extern::Global(g) => globals.push(g),
                Extern::Tag(t) => tags.push(t),
            }
        }

        // Code: defined functions and host stubs, in one JIT module.
        let mut jit = JitModule::new();
        jit.set_profiler(self.engine.config.profiler.clone());
        if self.engine.config.debug_info {
            jit.enable_debugger(module.debug_options());
        }
        for call in RuntimeCall::ALL {
            jit.define_host_symbol(call.name(), super::libcalls::address(call));
        }
        let mut ids = vec![None; nfuncs];
        for (i, code) in module.code.iter().enumerate() {
            let index = info.num_imported_funcs + i as u32;
            let sig = translate::wasm_signature(info.func_type(index))?;
            ids[index as usize] = Some(
                jit.define_function_named(translate::func_name(index), &info.func_name(index), code, &sig)
                    .map_err(|e| WasmError::Jit(e.to_string()))?,
            );
        }
        for &(index, host) in &host_imports {
            let ty = info.func_type(index);
            let ir = stub::host_stub(index, ty, host, &mut self.ctx)?;
            let code = self.engine.compile(index, &ir)?;
            let sig = translate::wasm_signature(ty)?;
            ids[index as usize] = Some(
                jit.define_function_named(translate::func_name(index), &info.func_name(index), &code, &sig)
                    .map_err(|e| WasmError::Jit(e.to_string()))?,
            );
        }
        jit.finalize().map_err(|e| WasmError::Jit(e.to_string()))?;

        // Function references: own entries for compiled functions, the exporter's otherwise.
        let funcrefs: Vec<VmFuncRef> = (0..nfuncs)
            .map(|i| {
                let code = ids[i].and_then(|id| jit.function_address(id)).unwrap_or(std::ptr::null());
                VmFuncRef { code, type_id: info.type_ids[info.funcs[i] as usize], vmctx: vmctx_ptr }
            })
            .collect();
        let mut funcrefs = StateBox::slice(slot.as_mut(), funcrefs)?;
        let mut func_ptrs = StateBox::slice(slot.as_mut(), vec![std::ptr::null::<VmFuncRef>(); nfuncs])?;
        for i in 0..nfuncs {
            if ids[i].is_some() {
                func_ptrs[i] = &funcrefs[i] as *const VmFuncRef;
                let id = if i < funcs.len() {
                    // A host import: its stub lives here; the store's host entry keeps its handle.
                    funcs[i]
                } else {
                    let id = self.data.funcs.len() as u32;
                    self.data.funcs.push(FuncData {
                        kind: FuncKind::Wasm { instance: inst_index, index: i as u32 },
                        ty: info.func_type(i as u32).clone(),
                        vm: func_ptrs[i],
                    });
                    funcs.push(id);
                    id
                };
                self.data.func_by_ptr.insert(func_ptrs[i] as usize, id);
                if let FuncKind::Host { .. } = self.data.funcs[id as usize].kind {
                    // The first instance to import a host function gives it a callable stub.
                    let fd = &mut self.data.funcs[id as usize];
                    if fd.vm.is_null() {
                        fd.vm = func_ptrs[i];
                    }
                }
            } else {
                func_ptrs[i] = self.data.funcs[funcs[i] as usize].vm;
            }
        }
        let _ = &mut funcrefs;

        // Memories, tables, globals defined here.
        for m in new_memories {
            memories.push(self.add_memory(m));
        }
        for t in new_tables {
            tables.push(self.add_table(t));
        }
        let mut global_ptrs: Vec<*mut u64> =
            globals.iter().map(|&g| self.data.globals[g as usize].bits.as_mut_ptr()).collect();
        for (gt, init) in info.globals[info.num_imported_globals as usize..].iter().zip(&info.global_inits) {
            let bits = self.eval_const(init, &global_ptrs, &func_ptrs);
            let id = self.data.globals.len() as u32;
            let mut cell = Box::new(GlobalCell { bits: [bits as u64, (bits >> 64) as u64], ty: *gt });
            global_ptrs.push(cell.bits.as_mut_ptr());
            self.data.globals.push(cell);
            globals.push(id);
        }
        // Tables with an initialiser (typed function references) start filled with its
        // value; it may read the globals, so it runs after them.
        let defined_tables = &tables[info.num_imported_tables as usize..];
        for (&t, init) in defined_tables.iter().zip(&info.table_inits) {
            if let Some(init) = init {
                let v = self.eval_const(init, &global_ptrs, &func_ptrs) as u64;
                self.data.tables[t as usize].elems.fill(v);
            }
        }
        let global_ptrs = StateBox::slice(slot.as_mut(), global_ptrs)?;
        let table_ptrs: Vec<*mut VmTable> =
            tables.iter().map(|&t| &mut self.data.tables[t as usize].vm as *mut VmTable).collect();
        let table_ptrs = StateBox::slice(slot.as_mut(), table_ptrs)?;
        let memory_ptrs: Vec<*mut VmMemory> =
            memories.iter().map(|&m| &mut self.data.memories[m as usize].vm as *mut VmMemory).collect();
        let memory_ptrs = StateBox::slice(slot.as_mut(), memory_ptrs)?;
        vmctx.memory = memory_ptrs.first().copied().unwrap_or(std::ptr::null_mut());
        vmctx.memories = memory_ptrs.as_ptr();
        vmctx.globals = global_ptrs.as_ptr();
        vmctx.tables = table_ptrs.as_ptr();
        vmctx.funcs = func_ptrs.as_ptr();
        for &ty in &info.tags[info.num_imported_tags as usize..] {
            let ty = info.types[ty as usize].clone();
            tags.push(self.add_tag(ty));
        }
        let tag_ptrs: Vec<*const VmTag> =
            tags.iter().map(|&t| &self.data.tags[t as usize].vm as *const VmTag).collect();
        let tag_ptrs = StateBox::slice(slot.as_mut(), tag_ptrs)?;
        vmctx.tags = tag_ptrs.as_ptr();
        let mut tier_counters = match &self.data.tier {
            Some(tier) => Some(StateBox::slice(slot.as_mut(), vec![tier.threshold(); info.bodies.len()])?),
            None => None,
        };
        if let Some(counters) = tier_counters.as_mut() {
            vmctx.tier_counters = counters.as_mut_ptr();
        }

        let elems: Vec<Option<Vec<u64>>> = info
            .elements
            .iter()
            .map(|e| Some(e.items.iter().map(|x| self.eval_const(x, &global_ptrs, &func_ptrs) as u64).collect()))
            .collect();
        let mut exports = HashMap::new();
        for e in &info.exports {
            let ext = match e.kind {
                ExternalKind::Func => Extern::Func(funcs[e.index as usize]),
                ExternalKind::Table => Extern::Table(tables[e.index as usize]),
                ExternalKind::Memory => Extern::Memory(memories[e.index as usize]),
                ExternalKind::Global => Extern::Global(globals[e.index as usize]),
                ExternalKind::Tag => Extern::Tag(tags[e.index as usize]),
                _ => return Err(WasmError::Unsupported(format!("export of a {:?}", e.kind))),
            };
            exports.insert(e.name.clone(), ext);
        }
        let data = info.data.iter().map(|d| Some(Arc::from(d.bytes.as_slice()))).collect();
        self.data.instances.push(InstanceData {
            module: info.clone(),
            vmctx,
            funcrefs,
            func_ptrs,
            global_ptrs,
            table_ptrs,
            memory_ptrs,
            tag_ptrs,
            tier_counters,
            tags,
            memories,
            tables,
            globals,
            funcs,
            data,
            elems,
            exports,
            slot,
        });
        self.code.push((jit, ids));
        let handle = InstanceHandle(inst_index);
        self.initialize(handle)?;
        Ok(handle)
    }

    /// Evaluates a constant expression to its bits.
    fn eval_const(&self, expr: &[ConstOp], globals: &[*mut u64], funcs: &[*const VmFuncRef]) -> u128 {
        let mut stack: Vec<u128> = Vec::new();
        for op in expr {
            let v = match *op {
                ConstOp::I32(x) => x as u32 as u128,
                ConstOp::I64(x) => x as u64 as u128,
                ConstOp::F32(x) => x as u128,
                ConstOp::F64(x) => x as u128,
                ConstOp::V128(x) => x,
                ConstOp::RefNull => 0,
                ConstOp::RefFunc(f) => funcs[f as usize] as u128,
                // SAFETY: global cells are boxed in the store and live as long as it; each
                // is two u64 words (the second used by v128 only).
                ConstOp::GlobalGet(g) => unsafe {
                    let p = globals[g as usize];
                    u128::from(*p) | u128::from(*p.add(1)) << 64
                },
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let b = stack.pop().unwrap_or(0) as u32;
                    let a = stack.pop().unwrap_or(0) as u32;
                    (match op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }) as u128
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let b = stack.pop().unwrap_or(0) as u64;
                    let a = stack.pop().unwrap_or(0) as u64;
                    (match op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }) as u128
                }
            };
            stack.push(v);
        }
        stack.pop().unwrap_or(0)
    }

    /// Active segments, then the start function.
    fn initialize(&mut self, handle: InstanceHandle) -> Result<(), WasmError> {
        let i = handle.0 as usize;
        let info = self.data.instances[i].module.clone();
        for (s, seg) in info.elements.iter().enumerate() {
            match &seg.mode {
                ElemMode::Active { table, offset } => {
                    let inst = &self.data.instances[i];
                    // An `i32` or, for a 64-bit table, an `i64` offset: unsigned either way.
                    let off = self.eval_const(offset, &inst.global_ptrs, &inst.func_ptrs) as u64;
                    let t = inst.tables[*table as usize];
                    let items = inst.elems[s].clone().unwrap_or_default();
                    let tab = &mut self.data.tables[t as usize];
                    let end = off.saturating_add(items.len() as u64);
                    if end > tab.elems.len() as u64 {
                        return Err(trap(WasmTrap::TableOutOfBounds, "instantiation"));
                    }
                    tab.elems[off as usize..end as usize].copy_from_slice(&items);
                    self.data.instances[i].elems[s] = None;
                }
                ElemMode::Declared => self.data.instances[i].elems[s] = None,
                ElemMode::Passive => {}
            }
        }
        for (s, seg) in info.data.iter().enumerate() {
            if let Some((memory, offset)) = &seg.active {
                let inst = &self.data.instances[i];
                // The offset is an `i32` or, for a 64-bit memory, an `i64`: unsigned either
                // way (the constant's bits above its type are zero).
                let off = self.eval_const(offset, &inst.global_ptrs, &inst.func_ptrs) as u64;
                let m = inst.memories[*memory as usize];
                let mem = self.data.memories[m as usize].bytes_mut();
                let end = off.checked_add(seg.bytes.len() as u64);
                let Some(end) = end.filter(|&e| e <= mem.len() as u64) else {
                    return Err(trap(WasmTrap::MemoryOutOfBounds, "instantiation"));
                };
                mem[off as usize..end as usize].copy_from_slice(&seg.bytes);
                self.data.instances[i].data[s] = None;
            }
        }
        if let Some(start) = info.start {
            let f = self.data.instances[i].funcs[start as usize];
            self.call(f, &[])?;
        }
        Ok(())
    }

    /// Calls function `func` with `args`.
    pub fn call(&mut self, func: u32, args: &[Val]) -> Result<Vec<Val>, WasmError> {
        let fd =
            self.data.funcs.get(func as usize).ok_or_else(|| WasmError::Arguments(format!("no function {func}")))?;
        let ty = fd.ty.clone();
        if args.len() != ty.params().len() {
            return Err(WasmError::Arguments(format!("{} arguments for {} parameters", args.len(), ty.params().len())));
        }
        if let Some((a, t)) = args.iter().zip(ty.params()).find(|(a, t)| !val_fits(&self.data, **a, **t)) {
            return Err(WasmError::Arguments(format!("argument {a:?} does not fit {t:?}")));
        }
        let (instance, index) = match fd.kind {
            FuncKind::Wasm { instance, index } => (instance, index),
            FuncKind::Host { host } => {
                let mut f = self.data.hosts[host as usize].f.take().expect("host functions do not re-enter");
                let r = f(&mut Caller { data: &mut self.data, instance: None }, args);
                self.data.hosts[host as usize].f = Some(f);
                return r;
            }
        };
        let inst = &self.data.instances[instance as usize];
        let name = inst.module.func_name(index);
        let vmctx = &*inst.vmctx as *const VmCtx as i64;
        let mut dv = vec![DataValue::I64(vmctx)];
        for (&a, &t) in args.iter().zip(ty.params()) {
            dv.push(match (a, t) {
                (Val::I32(x), ValType::I32) => DataValue::I32(x),
                (Val::I64(x), ValType::I64) => DataValue::I64(x),
                (Val::F32(x), ValType::F32) => DataValue::F32(Ieee32(x)),
                (Val::F64(x), ValType::F64) => DataValue::F64(Ieee64(x)),
                (v @ (Val::FuncRef(_) | Val::ExternRef(_) | Val::ExnRef(_)), ValType::Ref(_)) => {
                    DataValue::I64(self.val_bits(v) as i64)
                }
                (Val::V128(x), ValType::V128) => DataValue::V128(types::I8X16, x.to_le_bytes()),
                _ => return Err(WasmError::Arguments(format!("argument {a:?} does not fit {t:?}"))),
            });
        }
        // The function's current code: tiering may have replaced what the instance
        // started with (`tier.rs`).
        let address = inst.funcrefs[index as usize].code;
        // Its signature as the instance's JIT recorded it (the same at every tier), so a
        // call builds no signature.
        let (jit, ids) = &self.code[instance as usize];
        let id = ids[index as usize].expect("every Wasm function handle names compiled code");
        let sig = jit.signature(id).expect("a defined function has a signature");
        self.data.pending = None;
        self.data.stack_limit =
            lathe_jit::thread_stack_low().map_or(0, |low| (low as u64).saturating_add(STACK_MARGIN));
        // SAFETY: `address` is the entry of function `index` of the instance, compiled
        // for its Wasm signature, in a module the store keeps until it is dropped.
        let called = unsafe { jit.call_at_traced(address, sig, &dv) };
        let (outcome, trace) = called.map_err(|e| match e {
            lathe_jit::JitError::Unsupported(m) => WasmError::Unsupported(m),
            e => WasmError::Jit(e.to_string()),
        })?;
        match outcome {
            CallOutcome::Return(vals) => ty
                .results()
                .iter()
                .zip(vals)
                .map(|(&t, v)| {
                    let bits = match v {
                        DataValue::I32(x) => x as u32 as u128,
                        DataValue::I64(x) => x as u64 as u128,
                        DataValue::F32(x) => x.0 as u128,
                        DataValue::F64(x) => x.0 as u128,
                        DataValue::V128(_, bytes) => u128::from_le_bytes(bytes),
                        other => return Err(WasmError::Jit(format!("unexpected result {other:?}"))),
                    };
                    Ok(self.bits_val(t, bits))
                })
                .collect(),
            CallOutcome::Trap(code) if code == lathe_codegen::ir::UNCAUGHT_EXCEPTION => {
                let thrown = lathe_jit::take_uncaught_exception();
                match thrown.and_then(|(_, payload)| self.data.exception_at(payload as usize)) {
                    Some(e) => Err(WasmError::Exception(e)),
                    None => Err(WasmError::Jit(format!("an exception the store does not know left {name}"))),
                }
            }
            CallOutcome::Trap(code) => match WasmTrap::from_code(code) {
                Some(WasmTrap::HostExit) => {
                    Err(self.data.pending.take().unwrap_or_else(|| WasmError::Host("host function failed".into())))
                }
                Some(t) => {
                    if t == WasmTrap::Interrupted {
                        // The request is served: the store runs again on the next call.
                        self.data.interrupt.store(0, Ordering::SeqCst);
                    }
                    let backtrace = self.backtrace(&trace);
                    let (func, offset) = match backtrace.first() {
                        Some(f) => (f.func.clone(), f.offset),
                        None => (name.clone(), None),
                    };
                    Err(WasmError::Trap { trap: t, func, offset, backtrace })
                }
                None => Err(WasmError::Jit(format!("unknown trap code {code} in {name}"))),
            },
        }
    }
}

impl Store {
    /// The Wasm frames of a JIT backtrace (the trapping pc, then return addresses): each
    /// address mapped to the instance function whose code holds it and the Wasm offset of
    /// its instruction (for a return address, of the call before it). Addresses in no
    /// instance's code (host functions' callers) are left out.
    fn backtrace(&self, trace: &[usize]) -> Vec<crate::WasmFrame> {
        let mut frames = Vec::new();
        for (k, &pc) in trace.iter().enumerate() {
            let pc = if k == 0 { pc } else { pc - 1 };
            let first_tier = self.code.iter().enumerate().find_map(|(inst, (jit, ids))| {
                let (id, off) = jit.locate(pc)?;
                let index = ids.iter().position(|&f| f == Some(id))?;
                Some((inst as u32, index as u32, jit, id, off))
            });
            let tier_up = || {
                let (inst, index, jit, id) = self.data.tier.as_ref()?.locate(pc)?;
                let (_, off) = jit.locate(pc)?;
                Some((inst, index, jit, id, off))
            };
            if let Some((inst, index, jit, id, off)) = first_tier.or_else(tier_up) {
                let module = &self.data.instances[inst as usize].module;
                let offset = jit.source_location(id, off).map(|loc| loc.bits());
                frames.push(crate::WasmFrame { func: module.func_name(index), offset });
            }
        }
        frames
    }
}

/// The value of `bits` as a `ty` (the low bits, for types narrower than 128).
pub(crate) fn bits_val(data: &StoreData, ty: ValType, bits: u128) -> Val {
    let low = bits as u64;
    match ty {
        ValType::I32 => Val::I32(low as u32 as i32),
        ValType::I64 => Val::I64(low as i64),
        ValType::F32 => Val::F32(low as u32),
        ValType::F64 => Val::F64(low),
        ValType::V128 => Val::V128(bits),
        ValType::Ref(r) if is_func(r) => {
            Val::FuncRef(if low == 0 { None } else { data.func_by_ptr.get(&(low as usize)).copied() })
        }
        ValType::Ref(r) if super::is_exn_ref(r) => {
            Val::ExnRef(if low == 0 { None } else { data.exns.handle(low as usize) })
        }
        ValType::Ref(_) => Val::ExternRef(if low == 0 { None } else { Some((low - 1) as u32) }),
    }
}

/// The bits of a value, as translated code holds it (a reference as its pointer or handle).
pub(crate) fn val_bits(data: &StoreData, v: Val) -> u128 {
    match v {
        Val::I32(x) => x as u32 as u128,
        Val::I64(x) => x as u64 as u128,
        Val::F32(x) => x as u128,
        Val::F64(x) => x as u128,
        Val::V128(x) => x,
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) => 0,
        Val::ExnRef(Some(x)) => data.exns.ptr(x).unwrap_or(0) as u128,
        Val::FuncRef(Some(f)) => data.funcs[f as usize].vm as u128,
        Val::ExternRef(Some(x)) => x as u128 + 1,
    }
}

fn is_func(r: RefType) -> bool {
    crate::module::is_func_ref(r)
}

/// Whether `v` may be passed as a (canonical) `ty` into Wasm code: [`Val::has_type`],
/// and for a concrete function reference type, a function of exactly that type
/// (`call_ref` trusts the type of a typed reference and checks no signature).
pub(crate) fn val_fits(data: &StoreData, v: Val, ty: ValType) -> bool {
    if !v.has_type(ty) {
        return false;
    }
    match (v, ty) {
        (Val::FuncRef(Some(f)), ValType::Ref(r)) => match crate::module::concrete_type_id(r) {
            Some(want) => data.funcs.get(f as usize).is_some_and(|fd| crate::module::type_id(&fd.ty) == want),
            None => true,
        },
        _ => true,
    }
}

/// The most pages a memory declaring `maximum` can have (what `LinearMemory` enforces).
pub(crate) fn max_memory_pages(maximum: Option<u64>) -> u64 {
    maximum.unwrap_or(super::memory::MAX_PAGES).min(super::memory::MAX_PAGES)
}

/// What an import asks for.
pub(crate) fn import_type(info: &ModuleInfo, kind: &ImportKind) -> ExternType {
    match kind {
        ImportKind::Func(t) => ExternType::Func(info.types[*t as usize].clone()),
        ImportKind::Memory(mt) => {
            ExternType::Memory { initial: mt.initial, maximum: mt.maximum, memory64: mt.memory64 }
        }
        ImportKind::Table(tt) => ExternType::Table(*tt),
        ImportKind::Global(gt) => ExternType::Global(*gt),
        ImportKind::Tag(t) => ExternType::Tag(info.types[*t as usize].clone()),
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Code goes before the data it points into.
        self.code.clear();
        self.data.tier = None;
    }
}
