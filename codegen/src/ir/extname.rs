//! External names: how functions and symbols outside a function are named, and the
//! declaration of an external function.

use super::entities::SigRef;
use std::fmt;

/// The name of a function or symbol.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExternalName {
    /// A user-defined name `u<namespace>:<index>`, for embedders that number their symbols.
    User {
        /// The namespace.
        namespace: u32,
        /// The index in the namespace.
        index: u32,
    },
    /// A name written `%name` in text, as in tests.
    TestCase(String),
    /// A runtime routine a backend calls for an operation it has no instructions for
    /// (written `%CeilF32` and so on; made by legalization, never read from text).
    LibCall(super::LibCall),
}

impl Default for ExternalName {
    fn default() -> Self {
        ExternalName::User { namespace: 0, index: 0 }
    }
}

impl fmt::Display for ExternalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternalName::User { namespace, index } => write!(f, "u{namespace}:{index}"),
            ExternalName::TestCase(name) => write!(f, "%{name}"),
            ExternalName::LibCall(l) => write!(f, "%{l}"),
        }
    }
}

/// A declared external function (`fn0 = colocated %f sig0`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ExtFuncData {
    /// Its name.
    pub name: ExternalName,
    /// Its signature.
    pub signature: SigRef,
    /// Whether it is in the same compilation unit (so a near call reaches it).
    pub colocated: bool,
}
