//! Rust types as Wasm values: typed host functions and typed calls.
//!
//! One conversion idea serves both directions. [`WasmTy`] maps a Rust type to one Wasm
//! value type and back ([`Val`]); [`WasmParams`] does it for a list (a single `WasmTy`, or
//! a tuple of 0 to 8 of them). A host closure's parameters are a `WasmParams` decoded from
//! the stub's values, its return value a [`WasmResults`] (a list, or a `Result` of one
//! whose error becomes the call's error); a [`TypedFunc`]'s parameters and results are
//! `WasmParams` too, checked once against the function's type when the `TypedFunc` is made.
//!
//! [`IntoFunc`] turns a closure `Fn(TypedCaller<T>, A1, .., An) -> R` into the store's
//! untyped, shared host function ([`SharedHostFn`]) and its Wasm type; a macro writes it for 0 to 8
//! parameters. The [`TypedCaller`] gives the closure the store's host data as a `&mut T`
//! and the calling instance's memory; when the store's data is not a `T` (the host
//! replaced it after linking), the call fails with a host error rather than panicking.

use super::store::{Caller, InstanceHandle, Store};
use super::{Extern, Val};
use crate::WasmError;
use std::marker::PhantomData;
use std::sync::Arc;
use wasmparser::{FuncType, ValType};

/// A Rust type that is one Wasm value.
pub trait WasmTy: Sized + 'static {
    /// Its Wasm type.
    fn valtype() -> ValType;
    /// As a value.
    fn into_val(self) -> Val;
    /// From a value, if the value has this type.
    fn from_val(val: Val) -> Option<Self>;
}

/// A `v128`, by bits (lane 0 in the low bits).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct V128(pub u128);

/// A `funcref`: a function handle of the store, or null.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct FuncRef(pub Option<u32>);

/// An `externref`: a host value, or null.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct ExternRef(pub Option<u32>);

macro_rules! wasm_ty {
    ($($ty:ty => $valtype:expr, |$x:ident| $into:expr, $pat:pat => $from:expr;)*) => {$(
        impl WasmTy for $ty {
            fn valtype() -> ValType {
                $valtype
            }
            fn into_val(self) -> Val {
                let $x = self;
                $into
            }
            fn from_val(val: Val) -> Option<Self> {
                match val {
                    $pat => Some($from),
                    _ => None,
                }
            }
        }
    )*};
}

wasm_ty! {
    i32 => ValType::I32, |x| Val::I32(x), Val::I32(x) => x;
    u32 => ValType::I32, |x| Val::I32(x as i32), Val::I32(x) => x as u32;
    i64 => ValType::I64, |x| Val::I64(x), Val::I64(x) => x;
    u64 => ValType::I64, |x| Val::I64(x as i64), Val::I64(x) => x as u64;
    f32 => ValType::F32, |x| Val::F32(x.to_bits()), Val::F32(x) => f32::from_bits(x);
    f64 => ValType::F64, |x| Val::F64(x.to_bits()), Val::F64(x) => f64::from_bits(x);
    V128 => ValType::V128, |x| Val::V128(x.0), Val::V128(x) => V128(x);
    FuncRef => ValType::FUNCREF, |x| Val::FuncRef(x.0), Val::FuncRef(x) => FuncRef(x);
    ExternRef => ValType::EXTERNREF, |x| Val::ExternRef(x.0), Val::ExternRef(x) => ExternRef(x);
}

/// A list of Wasm values as Rust types: one [`WasmTy`], or a tuple of 0 to 8 of them.
/// The parameters of host functions, and the parameters and results of [`TypedFunc`]s.
pub trait WasmParams: Sized + 'static {
    /// The Wasm types, in order.
    fn valtypes() -> Vec<ValType>;
    /// As values.
    fn into_vals(self) -> Vec<Val>;
    /// From values, if there are as many as types and each has its type.
    fn from_vals(vals: &[Val]) -> Option<Self>;
}

impl<A: WasmTy> WasmParams for A {
    fn valtypes() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn into_vals(self) -> Vec<Val> {
        vec![self.into_val()]
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        match vals {
            [v] => A::from_val(*v),
            _ => None,
        }
    }
}

/// What a host closure returns: a [`WasmParams`] list (`()` for no result), or a
/// `Result` of one whose error (anything that converts into a [`WasmError`]; a `String`
/// becomes `WasmError::Host`) stops the guest and is what its caller gets.
pub trait WasmResults: 'static {
    /// The values on success.
    type Values: WasmParams;
    /// The values, or the error.
    fn into_results(self) -> Result<Self::Values, WasmError>;
}

impl<R: WasmParams> WasmResults for R {
    type Values = R;
    fn into_results(self) -> Result<R, WasmError> {
        Ok(self)
    }
}

impl<R: WasmParams, E: Into<WasmError> + 'static> WasmResults for Result<R, E> {
    type Values = R;
    fn into_results(self) -> Result<R, WasmError> {
        self.map_err(Into::into)
    }
}

/// What a typed host function sees of its caller: the store's host data and the calling
/// instance's memory.
pub struct TypedCaller<'a, T> {
    data: &'a mut T,
    memory: Option<&'a mut [u8]>,
}

impl<'a, T: 'static> TypedCaller<'a, T> {
    /// The typed view of `caller`; an error when the store's data is not a `T`.
    pub(crate) fn new(caller: &'a mut Caller<'_>) -> Result<TypedCaller<'a, T>, WasmError> {
        let have = caller.data.state_type;
        match caller.state_and_memory::<T>() {
            (Some(data), memory) => Ok(TypedCaller { data, memory }),
            (None, _) => Err(WasmError::Host(format!(
                "the store's host data is a {have}, not the {} its host functions were defined for",
                std::any::type_name::<T>()
            ))),
        }
    }

    /// The store's host data.
    pub fn data(&mut self) -> &mut T {
        self.data
    }

    /// The calling instance's memory, if it has one (none when the host calls the
    /// function directly).
    pub fn memory(&mut self) -> Option<&mut [u8]> {
        self.memory.as_deref_mut()
    }

    /// The host data and the memory at once.
    pub fn data_and_memory(&mut self) -> (&mut T, Option<&mut [u8]>) {
        (self.data, self.memory.as_deref_mut())
    }
}

/// A host function shared by every store a [`Linker`](super::Linker) instantiates into:
/// it keeps no state of its own (state belongs in the store's host data `T`), so it is a
/// `Fn`, and `Send + Sync` so that a linker can be built once and used from any thread.
pub type SharedHostFn = Arc<dyn Fn(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, WasmError> + Send + Sync>;

/// A Rust closure that can be a host function with host data `T`: a
/// `Fn(TypedCaller<T>, A1, .., An) -> R + Send + Sync` with each `Ai` a [`WasmTy`] (0 to 8
/// of them) and `R` a [`WasmResults`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    /// The Wasm type of the function.
    fn func_type() -> FuncType;
    /// The untyped host function the store calls.
    fn into_host_fn(self) -> SharedHostFn;
}

/// The error of values that do not fit a host function's parameters (the store checks
/// them against the declared type, so this means a direct `Store::call` with bad values).
fn bad_args(vals: &[Val], want: Vec<ValType>) -> WasmError {
    WasmError::TypeMismatch {
        what: "host function arguments".into(),
        expected: format!("{want:?}"),
        given: format!("{:?}", vals.iter().map(Val::ty).collect::<Vec<_>>()),
    }
}

macro_rules! arities {
    ($(($($a:ident),*);)*) => {$(
        #[allow(non_snake_case)]
        impl<$($a: WasmTy),*> WasmParams for ($($a,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($a::valtype()),*]
            }
            fn into_vals(self) -> Vec<Val> {
                let ($($a,)*) = self;
                vec![$($a.into_val()),*]
            }
            fn from_vals(vals: &[Val]) -> Option<Self> {
                match vals {
                    [$($a),*] => Some(($($a::from_val(*$a)?,)*)),
                    _ => None,
                }
            }
        }

        #[allow(non_snake_case)]
        impl<T: 'static, F, R: WasmResults, $($a: WasmTy),*> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn(TypedCaller<'_, T>, $($a),*) -> R + Send + Sync + 'static,
        {
            fn func_type() -> FuncType {
                FuncType::new(<($($a,)*)>::valtypes(), R::Values::valtypes())
            }
            fn into_host_fn(self) -> SharedHostFn {
                Arc::new(move |caller: &mut Caller<'_>, vals: &[Val]| {
                    let ($($a,)*) = <($($a,)*)>::from_vals(vals)
                        .ok_or_else(|| bad_args(vals, <($($a,)*)>::valtypes()))?;
                    let caller = TypedCaller::<T>::new(caller)?;
                    Ok(self(caller, $($a),*).into_results()?.into_vals())
                })
            }
        }
    )*};
}

arities! {
    ();
    (A1);
    (A1, A2);
    (A1, A2, A3);
    (A1, A2, A3, A4);
    (A1, A2, A3, A4, A5);
    (A1, A2, A3, A4, A5, A6);
    (A1, A2, A3, A4, A5, A6, A7);
    (A1, A2, A3, A4, A5, A6, A7, A8);
}

/// An exported function with its type checked once against `Params` and `Results`:
/// calls take and give Rust values. It belongs to the store it was made from.
pub struct TypedFunc<Params, Results> {
    func: u32,
    store: u64,
    _types: PhantomData<fn(Params) -> Results>,
}

impl<Params, Results> Clone for TypedFunc<Params, Results> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Params, Results> Copy for TypedFunc<Params, Results> {}

impl<Params: WasmParams, Results: WasmParams> TypedFunc<Params, Results> {
    /// Function `func` of `store`, if its type is `Params -> Results` (a
    /// `WasmError::TypeMismatch` naming both types if not).
    pub fn new(store: &Store, func: u32) -> Result<Self, WasmError> {
        let Some(super::ExternType::Func(given)) = store.extern_type(Extern::Func(func)) else {
            return Err(WasmError::Arguments(format!("no function {func} in this store")));
        };
        let expected = FuncType::new(Params::valtypes(), Results::valtypes());
        if given.params() != expected.params() || given.results() != expected.results() {
            return Err(WasmError::TypeMismatch {
                what: format!("function {func}"),
                expected: expected.to_string(),
                given: given.to_string(),
            });
        }
        Ok(TypedFunc { func, store: store.id(), _types: PhantomData })
    }

    /// Calls the function in `store` (the store it was made from).
    pub fn call(&self, store: &mut Store, params: Params) -> Result<Results, WasmError> {
        if store.id() != self.store {
            return Err(WasmError::Arguments("a TypedFunc called with another store than its own".into()));
        }
        let vals = store.call(self.func, &params.into_vals())?;
        // The store returns values of the function's type, which was checked to be `Results`.
        Results::from_vals(&vals).ok_or_else(|| bad_args(&vals, Results::valtypes()))
    }

    /// The function's handle in its store.
    pub fn func(&self) -> u32 {
        self.func
    }
}

impl Store {
    /// The export `name` of `instance` as a [`TypedFunc`]: an error if there is no such
    /// exported function, or if its type is not `Params -> Results` (naming both).
    pub fn typed_func<Params: WasmParams, Results: WasmParams>(
        &self,
        instance: InstanceHandle,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>, WasmError> {
        let Some(Extern::Func(f)) = self.export(instance, name) else {
            return Err(WasmError::NoExport { kind: "function", name: name.to_string() });
        };
        TypedFunc::new(self, f).map_err(|e| match e {
            WasmError::TypeMismatch { expected, given, .. } => {
                WasmError::TypeMismatch { what: format!("export {name:?}"), expected, given }
            }
            e => e,
        })
    }
}
