//! [`Linker`]: imports resolved by module and name.
//!
//! A linker holds definitions under `(module, name)`: host functions made from Rust
//! closures (`func_wrap`, typed through [`IntoFunc`]; `func_new`, untyped), and items of a
//! store (`define`, or every export of an instance with `instance`). `instantiate` looks
//! each import of a module up by name and hands the store the list in import order; the
//! store checks the types (one check, shared with `Store::instantiate`), so a mistyped
//! import is a `WasmError::Link` naming the module, the name, and the expected and given
//! types, as is a missing one.
//!
//! Host data. `Store` is not generic (the CLI, the wast runner and the WASI layer use one
//! store type); its host data is a `Box<dyn Any>`. A `Linker<T>` therefore checks, when it
//! instantiates a module importing any of its host functions, that the store's data is a
//! `T` (a link error otherwise), and its host functions see the data as `&mut T` through
//! a [`TypedCaller`]. Should the host replace the data with another type later, calls of
//! those functions fail with a host error; no path panics.
//!
//! Host functions are not tied to a store: each store that instantiates through the
//! linker gets its own host function per definition (made on first use and kept, so every
//! instance of that store imports the same function); the closure itself is shared.
//! Items of a store (`define`, `instance`) belong to that store: using them with another
//! is a link error when the linker can tell (always for `instance`, which records the
//! store; `define` takes a bare handle, which must name an item of the store instantiated
//! into).

use super::store::{Caller, HostFn, InstanceHandle, Store, import_type};
use super::typed::{IntoFunc, SharedHostFn, TypedCaller};
use super::{Extern, Module, Val};
use crate::WasmError;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;
use wasmparser::FuncType;

/// A definition.
enum Definition {
    /// An item of a store (of the given store, when known).
    Extern { ext: Extern, store: Option<u64> },
    /// A host function, made into a store's function on first use in each store.
    Host { ty: FuncType, func: SharedHostFn },
}

/// Definitions by module and name, for instantiating modules whose host data is a `T`.
pub struct Linker<T> {
    /// The current definition of each name, an index into `definitions`.
    names: HashMap<(String, String), usize>,
    definitions: Vec<Definition>,
    allow_shadowing: bool,
    /// The function each store made of a host definition: (store id, definition).
    made: HashMap<(u64, usize), Extern>,
    _data: PhantomData<fn(&mut T)>,
}

impl<T: 'static> Default for Linker<T> {
    fn default() -> Self {
        Linker::new()
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker; redefining a name is an error.
    pub fn new() -> Linker<T> {
        Linker {
            names: HashMap::new(),
            definitions: Vec::new(),
            allow_shadowing: false,
            made: HashMap::new(),
            _data: PhantomData,
        }
    }

    /// Whether a definition may replace an earlier one of the same module and name (by
    /// default it may not: that is a `WasmError::Link`).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition) -> Result<&mut Self, WasmError> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.names.contains_key(&key) {
            return Err(WasmError::Link(format!(
                "{module}::{name} is already defined (allow_shadowing(true) to replace it)"
            )));
        }
        self.names.insert(key, self.definitions.len());
        self.definitions.push(def);
        Ok(self)
    }

    /// Defines `module::name` as an item of a store (the store modules will be
    /// instantiated into).
    pub fn define(&mut self, module: &str, name: &str, ext: Extern) -> Result<&mut Self, WasmError> {
        self.insert(module, name, Definition::Extern { ext, store: None })
    }

    /// Defines `module::name` as a host function from a closure taking a
    /// [`TypedCaller<T>`] and 0 to 8 typed parameters (`i32`, `u32`, `i64`, `u64`, `f32`,
    /// `f64`, [`V128`](super::V128), [`FuncRef`](super::FuncRef),
    /// [`ExternRef`](super::ExternRef)), returning `()`, one value, a tuple, or a `Result`
    /// of those whose error becomes the error of the guest's call.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self, WasmError> {
        fn ty_of<T, P, R, F: IntoFunc<T, P, R>>(_: &F) -> FuncType {
            F::func_type()
        }
        let ty = ty_of(&func);
        self.insert(module, name, Definition::Host { ty, func: func.into_host_fn() })
    }

    /// Defines `module::name` as a host function of type `ty` from an untyped closure: it
    /// gets the arguments as values and returns the results, which must match `ty`'s
    /// results (count and types) or the call fails with a host error.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(TypedCaller<'_, T>, &[Val]) -> Result<Vec<Val>, WasmError> + Send + Sync + 'static,
    ) -> Result<&mut Self, WasmError> {
        let host: SharedHostFn =
            Arc::new(move |caller: &mut Caller<'_>, args: &[Val]| func(TypedCaller::new(caller)?, args));
        self.insert(module, name, Definition::Host { ty, func: host })
    }

    /// Defines every export of `instance` (of `store`) under `module`, so that modules
    /// instantiated later in `store` can import them.
    pub fn instance(&mut self, store: &Store, module: &str, instance: InstanceHandle) -> Result<&mut Self, WasmError> {
        if !store.has_instance(instance) {
            return Err(WasmError::Link(format!("{instance:?} is no instance of this store")));
        }
        let mut exports: Vec<(String, Extern)> = store.exports(instance).map(|(n, e)| (n.to_string(), e)).collect();
        // A fixed order, so that a shadowing error names the same export every run.
        exports.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, ext) in exports {
            self.insert(module, &name, Definition::Extern { ext, store: Some(store.id()) })?;
        }
        Ok(self)
    }

    /// What `module::name` is in `store`: `None` when nothing is defined under it (a host
    /// function becomes a function of the store here, on first use).
    pub fn get(&mut self, store: &mut Store, module: &str, name: &str) -> Option<Result<Extern, WasmError>> {
        let &def = self.names.get(&(module.to_string(), name.to_string()))?;
        Some(self.resolve(store, def))
    }

    /// Definition `def` as an item of `store`.
    fn resolve(&mut self, store: &mut Store, def: usize) -> Result<Extern, WasmError> {
        match &self.definitions[def] {
            Definition::Extern { ext, store: Some(owner) } if *owner != store.id() => {
                Err(WasmError::Link(format!("{ext:?} was defined from another store")))
            }
            Definition::Extern { ext, .. } => Ok(*ext),
            Definition::Host { ty, func } => {
                if let Some(&ext) = self.made.get(&(store.id(), def)) {
                    return Ok(ext);
                }
                let func = func.clone();
                let host: HostFn = Box::new(move |caller: &mut Caller<'_>, args: &[Val]| func(caller, args));
                let ext = store.host_func(ty.clone(), host);
                self.made.insert((store.id(), def), ext);
                Ok(ext)
            }
        }
    }

    /// Instantiates `module` in `store`, each import being the definition of its module
    /// and name. Errors: an import is not defined or has another type (`WasmError::Link`
    /// naming it, with the expected and given types); a host function of this linker is
    /// imported and the store's host data is not a `T`; and whatever instantiation itself
    /// can fail with (limits, traps of the start function).
    pub fn instantiate(&mut self, store: &mut Store, module: &Module) -> Result<InstanceHandle, WasmError> {
        let info = module.info.clone();
        let mut defs = Vec::with_capacity(info.imports.len());
        for imp in &info.imports {
            let Some(&def) = self.names.get(&(imp.module.clone(), imp.name.clone())) else {
                return Err(WasmError::Link(format!(
                    "unknown import {}::{}: expected {}, nothing is defined under that name",
                    imp.module,
                    imp.name,
                    import_type(&info, &imp.kind)
                )));
            };
            defs.push(def);
        }
        // Only host functions see the data, so only they need it to be a `T` (a linker of
        // instances alone works with any store).
        let needs_data = defs.iter().any(|&d| matches!(self.definitions[d], Definition::Host { .. }));
        if needs_data && store.state::<T>().is_none() {
            return Err(WasmError::Link(format!(
                "the store's host data is a {}, the linker's host functions need a {} (Store::set_state)",
                store.state_type_name(),
                std::any::type_name::<T>()
            )));
        }
        let imports = defs.into_iter().map(|d| self.resolve(store, d)).collect::<Result<Vec<_>, _>>()?;
        store.instantiate(module, &imports)
    }

    /// Instantiates `module` in `store` and defines its exports under `name` (`instance`).
    pub fn module(&mut self, store: &mut Store, name: &str, module: &Module) -> Result<InstanceHandle, WasmError> {
        let instance = self.instantiate(store, module)?;
        self.instance(store, name, instance)?;
        Ok(instance)
    }
}
