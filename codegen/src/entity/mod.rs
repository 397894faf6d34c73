//! Dense entity references and the containers indexed by them.
//!
//! Every IR object (value, instruction, block, stack slot, ...) is named by a `u32` index
//! wrapped in its own newtype, so that a `Value` can never be used where a `Block` is meant.
//! Objects live in arenas ([`PrimaryMap`]) owned by the function; side tables keyed by the
//! same index live in [`SecondaryMap`]s. Variable-length lists of entities share one
//! [`ListPool`] and are named by a small, `Copy` [`EntityList`].
//!
//! Invariant: an entity index is only meaningful together with the container that created
//! it; nothing here checks that an index belongs to a given map (the verifier does that for
//! IR references).

mod list;
mod map;
mod packed;

pub use list::{EntityList, ListPool};
pub use map::{Keys, PrimaryMap, SecondaryMap};
pub use packed::{PackedOption, ReservedValue};

/// A type that is a dense index into an entity container.
pub trait EntityRef: Copy + Eq + Ord + std::hash::Hash + std::fmt::Debug {
    /// Makes the reference from a `usize` index. Panics if it does not fit in `u32`,
    /// which would mean more than four billion entities in one function.
    fn new(index: usize) -> Self;
    /// The index this reference stands for.
    fn index(self) -> usize;
}

/// Defines the boilerplate of an entity reference newtype over `u32`: construction,
/// [`EntityRef`], [`ReservedValue`] (`u32::MAX` is "none"), and `Display` as `<prefix><n>`.
#[macro_export]
macro_rules! entity_impl {
    ($entity:ident, $prefix:expr) => {
        impl $crate::entity::EntityRef for $entity {
            #[inline]
            fn new(index: usize) -> Self {
                assert!(index < u32::MAX as usize, "entity index overflows u32");
                $entity(index as u32)
            }
            #[inline]
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl $crate::entity::ReservedValue for $entity {
            #[inline]
            fn reserved_value() -> Self {
                $entity(u32::MAX)
            }
            #[inline]
            fn is_reserved_value(&self) -> bool {
                self.0 == u32::MAX
            }
        }

        impl $entity {
            /// Makes a reference from its number, as written in text (`v7` is 7).
            #[inline]
            pub const fn from_u32(n: u32) -> Self {
                $entity(n)
            }
            /// The number of this reference, as written in text.
            #[inline]
            pub const fn as_u32(self) -> u32 {
                self.0
            }
        }

        impl ::core::fmt::Display for $entity {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl ::core::fmt::Debug for $entity {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(self, f)
            }
        }
    };
}
