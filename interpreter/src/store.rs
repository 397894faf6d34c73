//! `FunctionStore`: the functions an interpreter can call, by name.
//!
//! A function's name is its `ExternalName` as written in text without the leading `%`
//! (`%fib` is `fib`; user names stay `u0:1`). Calls through `fn0 = %callee ...` resolve the
//! declared name the same way. The index of a function in the store also gives its
//! address for `func_addr` and `call_indirect`.

use lathe_codegen::ir::{ExternalName, Function};
use std::collections::HashMap;

/// The lookup key of a name: `%name` without the `%`, `u1:2` as is.
pub(crate) fn name_key(name: &ExternalName) -> String {
    match name {
        ExternalName::TestCase(s) => s.clone(),
        user => user.to_string(),
    }
}

/// Functions by name, borrowed for the interpreter's lifetime.
#[derive(Default)]
pub struct FunctionStore<'a> {
    funcs: Vec<&'a Function>,
    by_name: HashMap<String, usize>,
}

impl<'a> FunctionStore<'a> {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a function; a later function with the same name replaces an earlier one for
    /// lookups by name.
    pub fn add(&mut self, func: &'a Function) {
        let index = self.funcs.len();
        self.funcs.push(func);
        self.by_name.insert(name_key(&func.name), index);
    }

    /// The function called `name` (`fib` for `%fib`, `u0:1` for a user name).
    pub fn get_by_name(&self, name: &str) -> Option<&'a Function> {
        self.index_of(name).and_then(|i| self.get_by_index(i))
    }

    /// The index of the function called `name`.
    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The function with this index.
    pub(crate) fn get_by_index(&self, index: usize) -> Option<&'a Function> {
        self.funcs.get(index).copied()
    }
}
