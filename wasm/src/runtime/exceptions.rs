//! Exception tags and exceptions in a store (the exception-handling proposal).
//!
//! A tag is a boxed [`TagData`]; the address of its [`VmTag`] is its identity, which
//! translated code compares to match `catch` clauses (`translate/exceptions.rs`). An
//! exception is a boxed array of 16-byte slots laid out as `vmctx::EXN_SLOT` says (its
//! tag's `VmTag` pointer, then its values); an `exnref` is the array's address, and the
//! host names it by its index ([`Val::ExnRef`]). Exceptions are made by `throw` (through
//! the `lathe_wasm_exn_new` runtime call) and by host functions that return
//! [`WasmError::Exception`]; they live until the store is dropped (Lathe has no garbage
//! collector, so a program that throws without end grows its store by about 48 bytes per
//! throw).
//!
//! Invariant: every exception's tag is a tag of the same store, and its values are as
//! many, and of the types, as the tag's parameters.

use super::store::{Store, StoreData, bits_val, val_bits};
use super::{Exception, Extern, Val};
use crate::WasmError;
use crate::vmctx::VmTag;
use std::collections::HashMap;
use wasmparser::FuncType;

/// A tag of a store.
pub(crate) struct TagData {
    /// The parameters (the results are empty).
    pub ty: FuncType,
    /// What compiled code points to.
    pub vm: VmTag,
}

/// The exceptions of a store.
#[derive(Default)]
pub(crate) struct ExnData {
    /// The slots of each exception, boxed so that `exnref`s stay valid.
    list: Vec<Box<[u128]>>,
    /// Handle by address.
    by_ptr: HashMap<usize, u32>,
}

impl ExnData {
    /// A new exception of `tag` with `values` (bits); its address.
    fn alloc(&mut self, tag: *const VmTag, values: impl ExactSizeIterator<Item = u128>) -> usize {
        let mut slots = Vec::with_capacity(values.len() + 1);
        slots.push(tag as usize as u128);
        slots.extend(values);
        let slots = slots.into_boxed_slice();
        let ptr = slots.as_ptr() as usize;
        self.by_ptr.insert(ptr, self.list.len() as u32);
        self.list.push(slots);
        ptr
    }

    /// The handle of the exception at `ptr`.
    pub fn handle(&self, ptr: usize) -> Option<u32> {
        self.by_ptr.get(&ptr).copied()
    }

    /// The address of exception `handle`.
    pub fn ptr(&self, handle: u32) -> Option<usize> {
        self.list.get(handle as usize).map(|s| s.as_ptr() as usize)
    }
}

impl StoreData {
    /// A new exception of tag `tag` (a store handle) with `values` as bits; its address.
    pub(crate) fn new_exception(&mut self, tag: u32, values: impl ExactSizeIterator<Item = u128>) -> usize {
        let vm = &self.tags[tag as usize].vm as *const VmTag;
        self.exns.alloc(vm, values)
    }

    /// The exception at address `ptr` as the host sees it.
    pub(crate) fn exception_at(&self, ptr: usize) -> Option<Exception> {
        let handle = self.exns.handle(ptr)?;
        let slots = &self.exns.list[handle as usize];
        let tag = self.tags.iter().position(|t| &t.vm as *const VmTag as usize as u128 == slots[0])? as u32;
        let params = self.tags[tag as usize].ty.params();
        let values = params.iter().zip(&slots[1..]).map(|(&t, &bits)| bits_val(self, t, bits)).collect();
        Some(Exception { tag, values })
    }

    /// Makes the host's exception `e` throwable: checks it against its tag and allocates
    /// it; its address.
    pub(crate) fn throwable(&mut self, e: &Exception) -> Result<usize, WasmError> {
        let tag = self
            .tags
            .get(e.tag as usize)
            .ok_or_else(|| WasmError::Host(format!("exception of tag {}, which is not a tag of this store", e.tag)))?;
        let params = tag.ty.params();
        if params.len() != e.values.len() || e.values.iter().zip(params).any(|(v, &t)| !v.has_type(t)) {
            return Err(WasmError::Host(format!("exception values {:?} do not fit tag {}", e.values, tag.ty)));
        }
        let bits: Vec<u128> = e.values.iter().map(|&v| val_bits(self, v)).collect();
        Ok(self.new_exception(e.tag, bits.into_iter()))
    }
}

impl Store {
    /// Defines an exception tag whose exceptions carry values of `ty`'s parameters (its
    /// results must be empty). Host functions throw with it by returning
    /// [`WasmError::Exception`]; Wasm code that imports it catches those and throws its own.
    pub fn tag(&mut self, ty: FuncType) -> Result<Extern, WasmError> {
        if !ty.results().is_empty() {
            return Err(WasmError::TypeMismatch {
                what: "tag".into(),
                expected: "a function type without results".into(),
                given: ty.to_string(),
            });
        }
        Ok(Extern::Tag(self.add_tag(ty)))
    }

    /// Adds a tag to the store; its handle.
    pub(crate) fn add_tag(&mut self, ty: FuncType) -> u32 {
        let type_id = crate::module::type_id(&ty);
        let data = &mut self.data;
        data.tags.push(Box::new(TagData { ty, vm: VmTag { type_id } }));
        data.tags.len() as u32 - 1
    }

    /// The exception an [`Val::ExnRef`] names.
    pub fn exception(&self, exn: u32) -> Option<Exception> {
        let data = &self.data;
        data.exception_at(data.exns.ptr(exn)?)
    }

    /// A new exception, for the host to pass to Wasm as an [`Val::ExnRef`].
    pub fn new_exception(&mut self, e: &Exception) -> Result<Val, WasmError> {
        let data = &mut self.data;
        let ptr = data.throwable(e)?;
        Ok(Val::ExnRef(data.exns.handle(ptr)))
    }
}
