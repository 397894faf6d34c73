//! Trap codes: why an instruction stopped the program.

use std::fmt;
use std::str::FromStr;

/// The reason for a trap. `User(n)` codes (1..=250) are free for the embedder to use.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum TrapCode {
    /// The stack overflowed (`stk_ovf`).
    StackOverflow,
    /// An integer arithmetic operation overflowed (`int_ovf`).
    IntegerOverflow,
    /// An access outside a heap's bounds (`heap_oob`).
    HeapOutOfBounds,
    /// Integer division by zero (`int_divz`).
    IntegerDivisionByZero,
    /// A float-to-int conversion of NaN or an out-of-range value (`bad_toint`).
    BadConversionToInteger,
    /// An embedder-defined code `userN`, N in 1..=250.
    User(u8),
}

impl TrapCode {
    /// The largest user code.
    pub const MAX_USER: u8 = 250;
}

/// The name of the function whose calls throw an exception: `%__lathe_throw(i32 tag, i64
/// payload)`. The interpreter and the JIT both recognise it (see `docs/ir.md`,
/// "Exceptions"); no function of that name is ever compiled or looked up.
pub const THROW_FUNCTION: &str = "__lathe_throw";

/// The trap that ends a call when an exception thrown by [`THROW_FUNCTION`] reaches no
/// `try_call` that catches it.
pub const UNCAUGHT_EXCEPTION: TrapCode = TrapCode::User(249);

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapCode::StackOverflow => f.write_str("stk_ovf"),
            TrapCode::IntegerOverflow => f.write_str("int_ovf"),
            TrapCode::HeapOutOfBounds => f.write_str("heap_oob"),
            TrapCode::IntegerDivisionByZero => f.write_str("int_divz"),
            TrapCode::BadConversionToInteger => f.write_str("bad_toint"),
            TrapCode::User(n) => write!(f, "user{n}"),
        }
    }
}

impl FromStr for TrapCode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "stk_ovf" => TrapCode::StackOverflow,
            "int_ovf" => TrapCode::IntegerOverflow,
            "heap_oob" => TrapCode::HeapOutOfBounds,
            "int_divz" => TrapCode::IntegerDivisionByZero,
            "bad_toint" => TrapCode::BadConversionToInteger,
            _ => {
                let n = s.strip_prefix("user").ok_or(())?;
                if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(());
                }
                let n: u8 = n.parse().map_err(|_| ())?;
                if n == 0 || n > TrapCode::MAX_USER {
                    return Err(());
                }
                TrapCode::User(n)
            }
        })
    }
}
