//! ISA feature flags: how an ISA declares its boolean flags ([`isa_flags!`]: a struct with
//! one documented `bool` field per flag, which lowering reads directly) and the by-name
//! view of them ([`IsaFlagValues`]) that the builder sets from text and that generic code
//! (the filetest runner, host checks, printing) reads without knowing the ISA.

use std::fmt;

/// The values of one ISA's flags, by name, in the order the ISA declared them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsaFlagValues {
    names: &'static [&'static str],
    values: Vec<bool>,
}

impl IsaFlagValues {
    /// Flags `names` with the given values (`values[i]` is `names[i]`; missing ones off).
    pub fn new(names: &'static [&'static str], mut values: Vec<bool>) -> Self {
        values.resize(names.len(), false);
        Self { names, values }
    }

    /// Every flag name of the ISA.
    pub fn names(&self) -> &'static [&'static str] {
        self.names
    }

    /// The values, in the order of [`names`](Self::names).
    pub fn values(&self) -> &[bool] {
        &self.values
    }

    /// The value of flag `name`, or `None` if the ISA has no such flag.
    pub fn get(&self, name: &str) -> Option<bool> {
        self.index(name).map(|i| self.values[i])
    }

    /// Sets flag `name`; false if the ISA has no such flag.
    pub fn set(&mut self, name: &str, value: bool) -> bool {
        match self.index(name) {
            Some(i) => {
                self.values[i] = value;
                true
            }
            None => false,
        }
    }

    /// The names of the flags that are on.
    pub fn enabled(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names.iter().zip(&self.values).filter(|(_, on)| **on).map(|(n, _)| *n)
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }
}

impl fmt::Display for IsaFlagValues {
    /// The flags that are on, separated by spaces (as a `target` line writes them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.enabled().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

/// Declares an ISA's feature flags: a `Copy` struct with one public `bool` field per flag
/// (all off by default; doc comments on the fields are the flags' documentation), its
/// list of names and conversions from and to [`IsaFlagValues`] ([`IsaFlagSet`](super::IsaFlagSet)).
macro_rules! isa_flags {
    ($(#[$attr:meta])* $vis:vis struct $name:ident { $($(#[$fattr:meta])* $flag:ident,)* }) => {
        $(#[$attr])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        $vis struct $name {
            $($(#[$fattr])* pub $flag: bool,)*
        }

        impl $crate::isa::IsaFlagSet for $name {
            const NAMES: &'static [&'static str] = &[$(stringify!($flag)),*];

            fn from_values(values: &$crate::isa::IsaFlagValues) -> Self {
                Self { $($flag: values.get(stringify!($flag)).unwrap_or(false),)* }
            }

            fn to_values(self) -> $crate::isa::IsaFlagValues {
                $crate::isa::IsaFlagValues::new(<Self as $crate::isa::IsaFlagSet>::NAMES, vec![$(self.$flag),*])
            }
        }
    };
}

pub(crate) use isa_flags;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::IsaFlagSet;

    isa_flags! {
        /// Flags of a test ISA.
        struct TestFlags {
            /// One.
            has_a,
            /// Two.
            has_b,
        }
    }

    #[test]
    fn struct_and_names_agree() {
        let mut v = IsaFlagValues::new(TestFlags::NAMES, Vec::new());
        assert_eq!(v.to_string(), "");
        assert!(v.set("has_b", true));
        assert!(!v.set("has_c", true), "no such flag");
        let typed = TestFlags::from_values(&v);
        assert_eq!(typed, TestFlags { has_a: false, has_b: true });
        assert_eq!(typed.to_values(), v);
        assert_eq!(v.get("has_a"), Some(false));
        assert_eq!(v.get("has_c"), None);
        assert_eq!(v.enabled().collect::<Vec<_>>(), ["has_b"]);
        assert_eq!(v.to_string(), "has_b");
    }
}
