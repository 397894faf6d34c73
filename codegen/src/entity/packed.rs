//! `PackedOption`: an `Option` of an entity reference in the space of the reference itself,
//! using a reserved value (`u32::MAX`) as "none".

/// A type with one value set aside to mean "no value".
pub trait ReservedValue {
    /// The reserved value.
    fn reserved_value() -> Self;
    /// Whether `self` is the reserved value.
    fn is_reserved_value(&self) -> bool;
}

/// An optional entity reference stored in four bytes.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct PackedOption<T: ReservedValue>(T);

impl<T: ReservedValue + Copy> PackedOption<T> {
    /// The empty option.
    pub fn none() -> Self {
        Self(T::reserved_value())
    }
    /// Whether the option is empty.
    pub fn is_none(&self) -> bool {
        self.0.is_reserved_value()
    }
    /// Whether the option holds a value.
    pub fn is_some(&self) -> bool {
        !self.is_none()
    }
    /// Unpacks into a normal `Option`.
    pub fn expand(self) -> Option<T> {
        if self.is_none() { None } else { Some(self.0) }
    }
}

impl<T: ReservedValue + Copy> Default for PackedOption<T> {
    fn default() -> Self {
        Self::none()
    }
}

impl<T: ReservedValue + Copy> From<T> for PackedOption<T> {
    fn from(t: T) -> Self {
        debug_assert!(!t.is_reserved_value(), "the reserved value cannot be packed");
        Self(t)
    }
}

impl<T: ReservedValue + Copy> From<Option<T>> for PackedOption<T> {
    fn from(t: Option<T>) -> Self {
        match t {
            Some(t) => t.into(),
            None => Self::none(),
        }
    }
}

impl<T: ReservedValue + Copy + std::fmt::Debug> std::fmt::Debug for PackedOption<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.expand().fmt(f)
    }
}
