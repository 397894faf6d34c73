//! Library calls: operations a backend implements by calling a runtime routine rather than
//! with instructions (rounding without SSE4.1, `fma` without FMA, 128-bit division and
//! conversions on x86-64, `f16`/`f128` arithmetic and conversions, the address of a
//! thread-local variable).
//!
//! A backend's legalization (before lowering) replaces such an instruction with a `call` to
//! an [`ExternalName::LibCall`](super::ExternalName::LibCall) whose signature is
//! [`LibCall::signature`]; the code that loads the machine code (the JIT) supplies each
//! routine's address. The signatures use only scalar registers: an `i128` operand is
//! passed as two `i64` arguments (low half first) and an `i128` result comes back as two
//! `i64` results, and an `f16` or `f128` is one float register, so every routine is an
//! ordinary C function of the platform convention (`f128` ones are those of libgcc and
//! compiler-rt).
//! Every routine is total (no traps): the legalization emits the trap checks (division by
//! zero, overflow, NaN) as IR before the call.

use super::types::{F16, F32, F64, F128, I8, I32, I64, Type};
use super::{AbiParam, CallConv, Signature};
use std::fmt;

macro_rules! libcalls {
    ($($(#[$doc:meta])* $name:ident ($($p:ident),*) -> ($($r:ident),*);)*) => {
        /// A runtime routine (see the module docs).
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub enum LibCall {
            $($(#[$doc])* $name,)*
        }

        impl LibCall {
            /// Every routine.
            pub const ALL: &'static [LibCall] = &[$(LibCall::$name),*];

            /// The name, as written after `%` in text (`%CeilF32`).
            pub fn name(self) -> &'static str {
                match self {
                    $(LibCall::$name => stringify!($name),)*
                }
            }

            /// Parameter and result types.
            fn types(self) -> (&'static [Type], &'static [Type]) {
                match self {
                    $(LibCall::$name => (&[$($p),*], &[$($r),*]),)*
                }
            }
        }
    };
}

libcalls! {
    /// `ceil` of an `f32`.
    CeilF32(F32) -> (F32);
    /// `ceil` of an `f64`.
    CeilF64(F64) -> (F64);
    /// `floor` of an `f32`.
    FloorF32(F32) -> (F32);
    /// `floor` of an `f64`.
    FloorF64(F64) -> (F64);
    /// `trunc` of an `f32`.
    TruncF32(F32) -> (F32);
    /// `trunc` of an `f64`.
    TruncF64(F64) -> (F64);
    /// `nearest` (round half to even) of an `f32`.
    NearestF32(F32) -> (F32);
    /// `nearest` (round half to even) of an `f64`.
    NearestF64(F64) -> (F64);
    /// `fma` of `f32`s, rounded once.
    FmaF32(F32, F32, F32) -> (F32);
    /// `fma` of `f64`s, rounded once.
    FmaF64(F64, F64, F64) -> (F64);
    /// Unsigned 128-bit division; the divisor is not zero.
    UdivI128(I64, I64, I64, I64) -> (I64, I64);
    /// Signed 128-bit division; the divisor is not zero and the quotient fits.
    SdivI128(I64, I64, I64, I64) -> (I64, I64);
    /// Unsigned 128-bit remainder; the divisor is not zero.
    UremI128(I64, I64, I64, I64) -> (I64, I64);
    /// Signed 128-bit remainder (`MIN % -1` is 0); the divisor is not zero.
    SremI128(I64, I64, I64, I64) -> (I64, I64);
    /// High 128 bits of the unsigned 256-bit product.
    UmulhiI128(I64, I64, I64, I64) -> (I64, I64);
    /// High 128 bits of the signed 256-bit product.
    SmulhiI128(I64, I64, I64, I64) -> (I64, I64);
    /// Whether the unsigned 128-bit product overflows (1 or 0).
    UmulOverflowI128(I64, I64, I64, I64) -> (I8);
    /// Whether the signed 128-bit product overflows (1 or 0).
    SmulOverflowI128(I64, I64, I64, I64) -> (I8);
    /// Signed `i128` to the nearest `f32`.
    I128ToF32(I64, I64) -> (F32);
    /// Signed `i128` to the nearest `f64`.
    I128ToF64(I64, I64) -> (F64);
    /// Unsigned `i128` to the nearest `f32`.
    U128ToF32(I64, I64) -> (F32);
    /// Unsigned `i128` to the nearest `f64`.
    U128ToF64(I64, I64) -> (F64);
    /// `f32` to `i128`, saturating (NaN gives 0).
    F32ToI128Sat(F32) -> (I64, I64);
    /// `f64` to `i128`, saturating (NaN gives 0).
    F64ToI128Sat(F64) -> (I64, I64);
    /// `f32` to unsigned `i128`, saturating (NaN gives 0).
    F32ToU128Sat(F32) -> (I64, I64);
    /// `f64` to unsigned `i128`, saturating (NaN gives 0).
    F64ToU128Sat(F64) -> (I64, I64);
    /// `f16` to `f32` (exact).
    F16ToF32(F16) -> (F32);
    /// `f32` to the nearest `f16`.
    F32ToF16(F32) -> (F16);
    /// `f64` to the nearest `f16` (rounded once: through `f32` would round twice).
    F64ToF16(F64) -> (F16);
    /// `f128` to the nearest `f16`.
    F128ToF16(F128) -> (F16);
    /// `f32` to `f128` (exact).
    F32ToF128(F32) -> (F128);
    /// `f64` to `f128` (exact).
    F64ToF128(F64) -> (F128);
    /// `f128` to the nearest `f32`.
    F128ToF32(F128) -> (F32);
    /// `f128` to the nearest `f64`.
    F128ToF64(F128) -> (F64);
    /// `f128` sum.
    AddF128(F128, F128) -> (F128);
    /// `f128` difference.
    SubF128(F128, F128) -> (F128);
    /// `f128` product.
    MulF128(F128, F128) -> (F128);
    /// `f128` quotient.
    DivF128(F128, F128) -> (F128);
    /// `fma` of `f128`s, rounded once.
    FmaF128(F128, F128, F128) -> (F128);
    /// `f128` square root.
    SqrtF128(F128) -> (F128);
    /// `ceil` of an `f128`.
    CeilF128(F128) -> (F128);
    /// `floor` of an `f128`.
    FloorF128(F128) -> (F128);
    /// `trunc` of an `f128`.
    TruncF128(F128) -> (F128);
    /// `nearest` (round half to even) of an `f128`.
    NearestF128(F128) -> (F128);
    /// Zero exactly when neither operand is NaN and they are equal.
    EqF128(F128, F128) -> (I32);
    /// Not zero exactly when either operand is NaN or they differ.
    NeF128(F128, F128) -> (I32);
    /// Below zero exactly when neither operand is NaN and the first is less.
    LtF128(F128, F128) -> (I32);
    /// Zero or below exactly when neither operand is NaN and the first is less or equal.
    LeF128(F128, F128) -> (I32);
    /// Above zero exactly when neither operand is NaN and the first is greater.
    GtF128(F128, F128) -> (I32);
    /// Zero or above exactly when neither operand is NaN and the first is greater or equal.
    GeF128(F128, F128) -> (I32);
    /// Not zero exactly when either operand is NaN.
    UnordF128(F128, F128) -> (I32);
    /// Signed `i32` to `f128` (exact).
    I32ToF128(I32) -> (F128);
    /// Unsigned `i32` to `f128` (exact).
    U32ToF128(I32) -> (F128);
    /// Signed `i64` to `f128` (exact).
    I64ToF128(I64) -> (F128);
    /// Unsigned `i64` to `f128` (exact).
    U64ToF128(I64) -> (F128);
    /// Signed `i128` to the nearest `f128`.
    I128ToF128(I64, I64) -> (F128);
    /// Unsigned `i128` to the nearest `f128`.
    U128ToF128(I64, I64) -> (F128);
    /// `f128` to `i32`, toward zero; the value is in range (checked before the call).
    F128ToI32(F128) -> (I32);
    /// `f128` to unsigned `i32`, toward zero; the value is in range.
    F128ToU32(F128) -> (I32);
    /// `f128` to `i64`, toward zero; the value is in range.
    F128ToI64(F128) -> (I64);
    /// `f128` to unsigned `i64`, toward zero; the value is in range.
    F128ToU64(F128) -> (I64);
    /// `f128` to `i128`, toward zero; the value is in range.
    F128ToI128(F128) -> (I64, I64);
    /// `f128` to unsigned `i128`, toward zero; the value is in range.
    F128ToU128(F128) -> (I64, I64);
    /// The ELF general-dynamic TLS resolver (`__tls_get_addr`): the address, in the
    /// calling thread, of the thread-local variable whose descriptor the argument points
    /// at. Called only by a backend's `tls_value` sequence, never by legalization.
    ElfTlsGetAddr(I64) -> (I64);
}

impl LibCall {
    /// The routine named `name` (without the `%`).
    pub fn by_name(name: &str) -> Option<LibCall> {
        LibCall::ALL.iter().copied().find(|l| l.name() == name)
    }

    /// Its signature in the calling convention `call_conv`.
    pub fn signature(self, call_conv: CallConv) -> Signature {
        let (params, returns) = self.types();
        let mut sig = Signature::new(call_conv);
        sig.params = params.iter().map(|&t| AbiParam::new(t)).collect();
        sig.returns = returns.iter().map(|&t| AbiParam::new(t)).collect();
        sig
    }
}

impl fmt::Display for LibCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_again() {
        for &l in LibCall::ALL {
            assert_eq!(LibCall::by_name(l.name()), Some(l));
        }
        assert_eq!(LibCall::by_name("NoSuchCall"), None);
    }

    #[test]
    fn signatures_use_scalar_registers_only() {
        // An `f128` is one (vector) register; integers wider than 64 bits travel as halves.
        for &l in LibCall::ALL {
            let sig = l.signature(CallConv::SystemV);
            let one_register = |t: Type| t.bits() <= 64 || t == crate::ir::types::F128;
            assert!(sig.params.iter().chain(&sig.returns).all(|p| one_register(p.value_type)), "{l}");
            assert!(sig.returns.len() <= 2, "{l} returns in registers");
        }
    }
}
