//! x86-64 specifics: the call trampoline and System V argument marshalling.

pub(crate) mod args;
pub(crate) mod trampoline;
