//! The Wasm trap kinds and their IR trap codes.
//!
//! Translated code traps with the [`TrapCode`] that [`WasmTrap::code`] gives; the runtime
//! maps the code the JIT reports back with [`WasmTrap::from_code`]. Kinds the IR has a
//! built-in code for use it (division by zero, overflow, bad conversion, out-of-bounds
//! memory, stack overflow); the rest use `user` codes chosen here, in one place.

use lathe_codegen::ir::TrapCode;
use std::fmt;

/// Why Wasm code stopped.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum WasmTrap {
    /// The `unreachable` instruction ran.
    Unreachable,
    /// `INT_MIN / -1`, or a float-to-int truncation out of range.
    IntegerOverflow,
    /// Integer division or remainder by zero.
    IntegerDivideByZero,
    /// A float-to-int truncation of NaN.
    InvalidConversionToInteger,
    /// A memory access (or bulk memory operation, or data segment) outside the memory.
    MemoryOutOfBounds,
    /// `call_indirect` with an index outside the table.
    UndefinedElement,
    /// `call_indirect` through a null table entry.
    UninitializedElement,
    /// `call_indirect` whose callee has another signature.
    IndirectCallTypeMismatch,
    /// A table access (or bulk table operation, or element segment) outside the table.
    TableOutOfBounds,
    /// The call stack overflowed.
    CallStackExhausted,
    /// A null reference was dereferenced.
    NullReference,
    /// A host function asked to stop (an error, or WASI `proc_exit`); the runtime keeps
    /// the reason aside.
    HostExit,
    /// Another thread interrupted the store (`InterruptHandle::interrupt`, `--timeout`).
    Interrupted,
    /// The store's fuel ran out (`Store::set_fuel`, `--fuel`).
    OutOfFuel,
    /// `call_ref` or `return_call_ref` of a null function reference.
    NullFunctionReference,
}

impl WasmTrap {
    /// Every kind.
    pub const ALL: [WasmTrap; 15] = [
        WasmTrap::Unreachable,
        WasmTrap::IntegerOverflow,
        WasmTrap::IntegerDivideByZero,
        WasmTrap::InvalidConversionToInteger,
        WasmTrap::MemoryOutOfBounds,
        WasmTrap::UndefinedElement,
        WasmTrap::UninitializedElement,
        WasmTrap::IndirectCallTypeMismatch,
        WasmTrap::TableOutOfBounds,
        WasmTrap::CallStackExhausted,
        WasmTrap::NullReference,
        WasmTrap::HostExit,
        WasmTrap::Interrupted,
        WasmTrap::OutOfFuel,
        WasmTrap::NullFunctionReference,
    ];

    /// The IR trap code translated code uses for this kind.
    pub fn code(self) -> TrapCode {
        match self {
            WasmTrap::Unreachable => TrapCode::User(1),
            WasmTrap::IntegerOverflow => TrapCode::IntegerOverflow,
            WasmTrap::IntegerDivideByZero => TrapCode::IntegerDivisionByZero,
            WasmTrap::InvalidConversionToInteger => TrapCode::BadConversionToInteger,
            WasmTrap::MemoryOutOfBounds => TrapCode::HeapOutOfBounds,
            WasmTrap::UndefinedElement => TrapCode::User(2),
            WasmTrap::UninitializedElement => TrapCode::User(3),
            WasmTrap::IndirectCallTypeMismatch => TrapCode::User(4),
            WasmTrap::TableOutOfBounds => TrapCode::User(5),
            WasmTrap::CallStackExhausted => TrapCode::StackOverflow,
            WasmTrap::NullReference => TrapCode::User(6),
            WasmTrap::HostExit => TrapCode::User(7),
            WasmTrap::Interrupted => TrapCode::User(8),
            WasmTrap::OutOfFuel => TrapCode::User(9),
            WasmTrap::NullFunctionReference => TrapCode::User(20),
        }
    }

    /// The kind for a code reported by the JIT; `None` for a code translated code never
    /// uses (a backend bug).
    pub fn from_code(code: TrapCode) -> Option<WasmTrap> {
        WasmTrap::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The message the spec test suite uses for this kind.
    pub fn message(self) -> &'static str {
        match self {
            WasmTrap::Unreachable => "unreachable",
            WasmTrap::IntegerOverflow => "integer overflow",
            WasmTrap::IntegerDivideByZero => "integer divide by zero",
            WasmTrap::InvalidConversionToInteger => "invalid conversion to integer",
            WasmTrap::MemoryOutOfBounds => "out of bounds memory access",
            WasmTrap::UndefinedElement => "undefined element",
            WasmTrap::UninitializedElement => "uninitialized element",
            WasmTrap::IndirectCallTypeMismatch => "indirect call type mismatch",
            WasmTrap::TableOutOfBounds => "out of bounds table access",
            WasmTrap::CallStackExhausted => "call stack exhausted",
            WasmTrap::NullReference => "null reference",
            WasmTrap::HostExit => "host exit",
            WasmTrap::Interrupted => "interrupt",
            WasmTrap::OutOfFuel => "all fuel consumed by WebAssembly",
            WasmTrap::NullFunctionReference => "null function reference",
        }
    }
}

impl fmt::Display for WasmTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_round_trip() {
        for k in WasmTrap::ALL {
            assert_eq!(WasmTrap::from_code(k.code()), Some(k), "{k}");
        }
        assert_eq!(WasmTrap::from_code(TrapCode::User(200)), None);
    }
}
