//! x86-64 specifics: the call trampoline and argument marshalling (System V and Windows
//! x64).

pub(crate) mod args;
pub(crate) mod trampoline;
