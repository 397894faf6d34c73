//! One activation of a function: its values (a dense vector indexed by value number), the
//! next instruction to run, the call it is waiting on, and its part of the stack region.
//!
//! Frames live on the interpreter's explicit frame stack (`Interpreter::frames`), never on
//! the Rust stack, so IR recursion depth is bounded by the interpreter's limits, not the
//! host's.

use crate::error::{Ex, invalid};
use crate::memory::FrameMem;
use crate::value::Val;
use lathe_codegen::entity::EntityRef;
use lathe_codegen::ir::{Function, Inst, Value};

/// An activation record.
pub(crate) struct Frame<'a> {
    /// The function running.
    pub func: &'a Function,
    /// Value number -> value; unset entries have type `INVALID`.
    pub values: Vec<Val>,
    /// The next instruction to execute.
    pub next: Option<Inst>,
    /// The call instruction whose results this frame waits for while a callee runs.
    pub pending_call: Option<Inst>,
    /// This frame's memory.
    pub mem: FrameMem,
    /// The address of each stack slot, by slot number.
    pub slot_addrs: Vec<u64>,
}

impl<'a> Frame<'a> {
    /// A frame for `func` with no values set.
    pub fn new(func: &'a Function) -> Self {
        Frame {
            func,
            values: vec![Val::default(); func.dfg.num_values()],
            next: None,
            pending_call: None,
            mem: FrameMem::default(),
            slot_addrs: Vec::new(),
        }
    }

    /// The value of `v` (aliases followed); an error if it has not been defined.
    #[inline]
    pub fn get(&self, v: Value) -> Ex<Val> {
        let r = self.func.dfg.resolve_aliases(v);
        match self.values.get(r.index()) {
            Some(val) if val.is_set() => Ok(*val),
            _ => invalid(format!("{v} is used but has no value at this point")),
        }
    }

    /// Sets `v` to `val`, checking that `val` has the type `v` was declared with.
    #[inline]
    pub fn set(&mut self, v: Value, val: Val) -> Ex<()> {
        let declared = self.func.dfg.value_type(v);
        if declared != val.ty {
            return invalid(format!("{v} is declared {declared} but receives a value of type {}", val.ty));
        }
        match self.values.get_mut(v.index()) {
            Some(slot) => {
                *slot = val;
                Ok(())
            }
            None => invalid(format!("{v} is not a value of this function")),
        }
    }
}
