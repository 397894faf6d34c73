//! Condition codes of `icmp` and `fcmp`.

use std::fmt;
use std::str::FromStr;

macro_rules! cond_enum {
    ($(#[$m:meta])* $name:ident { $($(#[doc = $d:literal])* $v:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub enum $name { $($(#[doc = $d])* $v,)* }
        impl $name {
            /// Every condition, in a fixed order.
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            /// The text name.
            pub fn name(self) -> &'static str {
                match self { $($name::$v => $s,)* }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.name()) }
        }
        impl FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($s => Ok($name::$v),)* _ => Err(()) }
            }
        }
    };
}

cond_enum! {
    /// An integer comparison.
    IntCC {
        /// Equal.
        Equal = "eq",
        /// Not equal.
        NotEqual = "ne",
        /// Signed less than.
        SignedLessThan = "slt",
        /// Signed greater than or equal.
        SignedGreaterThanOrEqual = "sge",
        /// Signed greater than.
        SignedGreaterThan = "sgt",
        /// Signed less than or equal.
        SignedLessThanOrEqual = "sle",
        /// Unsigned less than.
        UnsignedLessThan = "ult",
        /// Unsigned greater than or equal.
        UnsignedGreaterThanOrEqual = "uge",
        /// Unsigned greater than.
        UnsignedGreaterThan = "ugt",
        /// Unsigned less than or equal.
        UnsignedLessThanOrEqual = "ule",
    }
}

impl IntCC {
    /// The condition that holds exactly when `self` does not.
    pub fn complement(self) -> Self {
        use IntCC::*;
        match self {
            Equal => NotEqual,
            NotEqual => Equal,
            SignedLessThan => SignedGreaterThanOrEqual,
            SignedGreaterThanOrEqual => SignedLessThan,
            SignedGreaterThan => SignedLessThanOrEqual,
            SignedLessThanOrEqual => SignedGreaterThan,
            UnsignedLessThan => UnsignedGreaterThanOrEqual,
            UnsignedGreaterThanOrEqual => UnsignedLessThan,
            UnsignedGreaterThan => UnsignedLessThanOrEqual,
            UnsignedLessThanOrEqual => UnsignedGreaterThan,
        }
    }
    /// The condition with the operands swapped: `a < b` is `b > a`.
    pub fn swap_args(self) -> Self {
        use IntCC::*;
        match self {
            Equal | NotEqual => self,
            SignedLessThan => SignedGreaterThan,
            SignedGreaterThan => SignedLessThan,
            SignedLessThanOrEqual => SignedGreaterThanOrEqual,
            SignedGreaterThanOrEqual => SignedLessThanOrEqual,
            UnsignedLessThan => UnsignedGreaterThan,
            UnsignedGreaterThan => UnsignedLessThan,
            UnsignedLessThanOrEqual => UnsignedGreaterThanOrEqual,
            UnsignedGreaterThanOrEqual => UnsignedLessThanOrEqual,
        }
    }
    /// Whether the comparison is signed.
    pub fn is_signed(self) -> bool {
        use IntCC::*;
        matches!(self, SignedLessThan | SignedGreaterThanOrEqual | SignedGreaterThan | SignedLessThanOrEqual)
    }
}

cond_enum! {
    /// A floating-point comparison. "Ordered" conditions are false when either operand is
    /// NaN; "unordered" ones (`u...`) are true then.
    FloatCC {
        /// Neither operand is NaN.
        Ordered = "ord",
        /// Either operand is NaN.
        Unordered = "uno",
        /// Ordered and equal.
        Equal = "eq",
        /// Unordered or not equal.
        NotEqual = "ne",
        /// Ordered and not equal.
        OrderedNotEqual = "one",
        /// Unordered or equal.
        UnorderedOrEqual = "ueq",
        /// Ordered and less than.
        LessThan = "lt",
        /// Ordered and less than or equal.
        LessThanOrEqual = "le",
        /// Ordered and greater than.
        GreaterThan = "gt",
        /// Ordered and greater than or equal.
        GreaterThanOrEqual = "ge",
        /// Unordered or less than.
        UnorderedOrLessThan = "ult",
        /// Unordered or less than or equal.
        UnorderedOrLessThanOrEqual = "ule",
        /// Unordered or greater than.
        UnorderedOrGreaterThan = "ugt",
        /// Unordered or greater than or equal.
        UnorderedOrGreaterThanOrEqual = "uge",
    }
}

impl FloatCC {
    /// The condition that holds exactly when `self` does not (NaN included).
    pub fn complement(self) -> Self {
        use FloatCC::*;
        match self {
            Ordered => Unordered,
            Unordered => Ordered,
            Equal => NotEqual,
            NotEqual => Equal,
            OrderedNotEqual => UnorderedOrEqual,
            UnorderedOrEqual => OrderedNotEqual,
            LessThan => UnorderedOrGreaterThanOrEqual,
            LessThanOrEqual => UnorderedOrGreaterThan,
            GreaterThan => UnorderedOrLessThanOrEqual,
            GreaterThanOrEqual => UnorderedOrLessThan,
            UnorderedOrLessThan => GreaterThanOrEqual,
            UnorderedOrLessThanOrEqual => GreaterThan,
            UnorderedOrGreaterThan => LessThanOrEqual,
            UnorderedOrGreaterThanOrEqual => LessThan,
        }
    }
    /// The condition with the operands swapped.
    pub fn swap_args(self) -> Self {
        use FloatCC::*;
        match self {
            LessThan => GreaterThan,
            GreaterThan => LessThan,
            LessThanOrEqual => GreaterThanOrEqual,
            GreaterThanOrEqual => LessThanOrEqual,
            UnorderedOrLessThan => UnorderedOrGreaterThan,
            UnorderedOrGreaterThan => UnorderedOrLessThan,
            UnorderedOrLessThanOrEqual => UnorderedOrGreaterThanOrEqual,
            UnorderedOrGreaterThanOrEqual => UnorderedOrLessThanOrEqual,
            other => other,
        }
    }
}
