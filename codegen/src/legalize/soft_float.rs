//! `f16` and `f128` for an ISA that only keeps them in registers (its [`Native`] says
//! `soft_float`): every other instruction on them becomes IR the ISA lowers.
//!
//! - `f16` arithmetic (`fadd` ... `sqrt`, `fmin`/`fmax`, rounding) is done in `f32` and
//!   rounded back once: `f32` has more than twice `f16`'s precision plus two bits, so the
//!   second rounding never changes the result of these operations. `fma` is done in
//!   `f128`, where the product and the sum of `f16`s are exact, so only the final rounding
//!   to `f16` rounds. Comparisons and conversions to integers widen to `f32` (exactly).
//!   Conversions from integers go through `f64` (exactly, after clamping wide integers to
//!   a range that still overflows `f16` the same way) and one rounding to `f16`.
//! - `f128` arithmetic, rounding, comparisons and conversions are library calls (libgcc's
//!   and glibc's names for object files, the JIT's own routines in memory); `fmin`/`fmax`
//!   are built from comparisons and `select`s, and conversions to integers check the range
//!   first (trapping or saturating) so the routine only sees values that fit.
//! - `fneg`, `fabs` and `fcopysign` of either are integer operations on the bits.
//! - Constants become integer or vector constants and a `bitcast`; `f16` loads and stores
//!   become `i16` ones; `f128` loads and stores in the byte order that is not the ISA's
//!   become `i128` ones (which `native.rs` byte-swaps).
//!
//! What is left for the ISA is what `Native::soft_float` promises: `f16`/`f128` values in
//! registers, `bitcast`s, `select`s, calls, `f128` loads and stores, and (with
//! `half_conversions`) the `f16`/`f32` conversions.
//!
//! Input: a function after the mid-end; runs before [`legalize`](super::legalize), which
//! expands what this pass produces in turn (`i128` compares, `f32` rounding without
//! SSE4.1). Output: `None` when nothing needs rewriting, else a rewritten copy; new
//! instructions keep the source location of the one they replace.

use super::{LibCalls, Native};
use crate::ir::types::{F16, F32, F64, F128, I8X16, I16, I32, I64, I128};
use crate::ir::{
    FloatCC, FuncCursor, Function, Inst, InstBuilder, InstBuilderBase, InstructionData, IntCC, LibCall, MemFlags,
    Opcode, TrapCode, Type, Value,
};
use crate::softfloat;

/// How one instruction is rewritten.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Soft {
    /// `f16const`/`f128const`: an integer or vector constant, bitcast.
    Const,
    /// A load, store, stack load or stack store of an `f16` (or of an `f128` in the
    /// foreign byte order): the same access of the integer of the same size.
    Access,
    /// An `f16` operation done in `f32` (its operands widened, its result narrowed).
    Widen,
    /// `fma` of `f16`s, in `f128`.
    Fma16,
    /// `fneg`, `fabs`, `fcopysign` on the bits.
    Sign,
    /// A comparison or conversion to integer of an `f16`: the same on its `f32` value.
    WidenOperand,
    /// One library call with the instruction's operands and result.
    Call(LibCall),
    /// `fcmp` of `f128`s.
    Compare128,
    /// `fmin`/`fmax` of `f128`s.
    MinMax128,
    /// `fpromote`/`fdemote` to or from `f16`/`f128`.
    Convert,
    /// An integer to `f16`.
    FromIntToF16,
    /// An integer to `f128`.
    FromIntToF128,
    /// An `f128` to an integer.
    F128ToInt,
}

fn is_soft(t: Type) -> bool {
    t == F16 || t == F128
}

/// The rewrite `inst` needs, if any.
fn classify(f: &Function, inst: Inst, native: Native) -> Option<Soft> {
    use Opcode::*;
    let data = &f.dfg.insts[inst];
    let op = data.opcode();
    let res = f.dfg.inst_results(inst).first().map(|&v| f.dfg.value_type(v));
    let arg = f.dfg.inst_args(inst).first().map(|&v| f.dfg.value_type(v));
    let (res16, res128) = (res == Some(F16), res == Some(F128));
    let (arg16, arg128) = (arg == Some(F16), arg == Some(F128));
    let foreign = |flags: MemFlags| flags.explicit_endianness().is_some_and(|e| e != native.byte_order);
    let call128 = |call| if res128 { Some(Soft::Call(call)) } else { None };
    match *data {
        InstructionData::Load { flags, .. } if op == Load && (res16 || (res128 && foreign(flags))) => {
            return Some(Soft::Access);
        }
        InstructionData::Store { flags, .. } if op == Store && (arg16 || (arg128 && foreign(flags))) => {
            return Some(Soft::Access);
        }
        _ => {}
    }
    match op {
        F16const | F128const => Some(Soft::Const),
        StackLoad if res16 => Some(Soft::Access),
        StackStore if arg16 => Some(Soft::Access),
        Fadd | Fsub | Fmul | Fdiv | Sqrt | Fmin | Fmax | Ceil | Floor | Trunc | Nearest if res16 => Some(Soft::Widen),
        Fma if res16 => Some(Soft::Fma16),
        Fneg | Fabs | Fcopysign if res16 || res128 => Some(Soft::Sign),
        Fcmp if arg16 => Some(Soft::WidenOperand),
        FcvtToSint | FcvtToUint | FcvtToSintSat | FcvtToUintSat if arg16 => Some(Soft::WidenOperand),
        Fadd => call128(LibCall::AddF128),
        Fsub => call128(LibCall::SubF128),
        Fmul => call128(LibCall::MulF128),
        Fdiv => call128(LibCall::DivF128),
        Fma => call128(LibCall::FmaF128),
        Sqrt => call128(LibCall::SqrtF128),
        Ceil => call128(LibCall::CeilF128),
        Floor => call128(LibCall::FloorF128),
        Trunc => call128(LibCall::TruncF128),
        Nearest => call128(LibCall::NearestF128),
        Fcmp if arg128 => Some(Soft::Compare128),
        Fmin | Fmax if res128 => Some(Soft::MinMax128),
        Fpromote | Fdemote if res.is_some_and(is_soft) || arg.is_some_and(is_soft) => {
            let halves = matches!((arg, res), (Some(F16), Some(F32)) | (Some(F32), Some(F16)));
            (!(native.half_conversions && halves)).then_some(Soft::Convert)
        }
        FcvtFromSint | FcvtFromUint if res16 => Some(Soft::FromIntToF16),
        FcvtFromSint | FcvtFromUint if res128 => Some(Soft::FromIntToF128),
        FcvtToSint | FcvtToUint | FcvtToSintSat | FcvtToUintSat if arg128 => Some(Soft::F128ToInt),
        _ => None,
    }
}

/// Rewrites `func`'s `f16`/`f128` operations (see the module docs); `None` when there
/// are none.
pub fn soften_floats(func: &Function, native: Native) -> Option<Function> {
    // The deepest chain is an `f16` `fma`: promotions to `f32` then `f128`, `f128`
    // arithmetic, a demotion, then calls.
    super::rewrite_to_fixpoint(
        func,
        8,
        |f, i| classify(f, i, native),
        |pos, libcalls, inst, how| Softener { pos, libcalls }.expand(inst, how).into_iter().collect(),
    )
}

/// Builds the replacement of one instruction before it.
struct Softener<'a, 'f> {
    pos: &'a mut FuncCursor<'f>,
    libcalls: &'a mut LibCalls,
}

/// The bits of `2^k` as an `f128`.
fn pow2_f128(k: u32) -> u128 {
    u128::from(16383 + k) << 112
}

const SIGN_F128: u128 = 1 << 127;

impl Softener<'_, '_> {
    fn call1(&mut self, call: LibCall, args: &[Value]) -> Value {
        self.libcalls.call(self.pos, call, args)[0]
    }

    /// `inst`'s data with `args` as its operands, built here with controlling type
    /// `ctrl`; its first result.
    fn rebuild(&mut self, data: InstructionData, args: &[Value], ctrl: Type) -> Value {
        let mut data = data;
        let slots = data.arguments_mut(&mut self.pos.func.dfg.value_lists);
        slots.copy_from_slice(args);
        let (inst, dfg) = self.pos.ins().build(data, ctrl);
        dfg.first_result(inst)
    }

    fn bitcast(&mut self, ty: Type, x: Value) -> Value {
        self.pos.ins().bitcast(ty, MemFlags::new(), x)
    }

    /// The integer constant `v` of type `ty` (an `i128` from its sign-extended halves).
    fn int_const(&mut self, ty: Type, v: i64) -> Value {
        if ty == I128 {
            let lo = self.pos.ins().iconst(I64, v);
            let hi = self.pos.ins().iconst(I64, v >> 63);
            self.pos.ins().iconcat(lo, hi)
        } else {
            self.pos.ins().iconst(ty, v)
        }
    }

    /// The 128-bit integer with these bits.
    fn i128_const(&mut self, bits: u128) -> Value {
        let lo = self.pos.ins().iconst(I64, bits as u64 as i64);
        let hi = self.pos.ins().iconst(I64, (bits >> 64) as u64 as i64);
        self.pos.ins().iconcat(lo, hi)
    }

    /// The `f128` with these bits (an `f128const`, rewritten in a later round).
    fn f128_const(&mut self, bits: u128) -> Value {
        let c = self.pos.func.dfg.make_constant(bits.to_le_bytes().to_vec());
        self.pos.ins().f128const(c)
    }

    /// `cond` of two `f128`s, as an `i8` of 0 or 1, from the routines' sign contracts.
    fn compare128(&mut self, cond: FloatCC, a: Value, b: Value) -> Value {
        use FloatCC::*;
        let test = |s: &mut Self, call: LibCall, cc: IntCC| {
            let r = s.call1(call, &[a, b]);
            s.pos.ins().icmp_imm(cc, r, 0)
        };
        match cond {
            Equal => test(self, LibCall::EqF128, IntCC::Equal),
            NotEqual => test(self, LibCall::NeF128, IntCC::NotEqual),
            LessThan => test(self, LibCall::LtF128, IntCC::SignedLessThan),
            LessThanOrEqual => test(self, LibCall::LeF128, IntCC::SignedLessThanOrEqual),
            GreaterThan => test(self, LibCall::GtF128, IntCC::SignedGreaterThan),
            GreaterThanOrEqual => test(self, LibCall::GeF128, IntCC::SignedGreaterThanOrEqual),
            Unordered => test(self, LibCall::UnordF128, IntCC::NotEqual),
            Ordered => test(self, LibCall::UnordF128, IntCC::Equal),
            // The unordered forms are the negations of the ordered ones.
            UnorderedOrGreaterThanOrEqual => test(self, LibCall::LtF128, IntCC::SignedGreaterThanOrEqual),
            UnorderedOrGreaterThan => test(self, LibCall::LeF128, IntCC::SignedGreaterThan),
            UnorderedOrLessThanOrEqual => test(self, LibCall::GtF128, IntCC::SignedLessThanOrEqual),
            UnorderedOrLessThan => test(self, LibCall::GeF128, IntCC::SignedLessThan),
            OrderedNotEqual => {
                let lt = test(self, LibCall::LtF128, IntCC::SignedLessThan);
                let gt = test(self, LibCall::GtF128, IntCC::SignedGreaterThan);
                self.pos.ins().bor(lt, gt)
            }
            UnorderedOrEqual => {
                let not_lt = test(self, LibCall::LtF128, IntCC::SignedGreaterThanOrEqual);
                let not_gt = test(self, LibCall::GtF128, IntCC::SignedLessThanOrEqual);
                self.pos.ins().band(not_lt, not_gt)
            }
        }
    }

    fn expand(&mut self, inst: Inst, how: Soft) -> Option<Value> {
        let data = self.pos.func.dfg.insts[inst];
        let op = data.opcode();
        let args: smallvec::SmallVec<[Value; 3]> = self.pos.func.dfg.inst_args(inst).iter().copied().collect();
        let res_ty = self.pos.func.dfg.inst_results(inst).first().map(|&v| self.pos.func.dfg.value_type(v));
        let arg_ty = args.first().map(|&v| self.pos.func.dfg.value_type(v));
        match how {
            Soft::Const => Some(match data {
                InstructionData::UnaryIeee16 { imm, .. } => {
                    let i = self.pos.ins().iconst(I16, i64::from(imm.0 as i16));
                    self.bitcast(F16, i)
                }
                InstructionData::UnaryConst { constant, .. } => {
                    let v = self.pos.ins().vconst(I8X16, constant);
                    self.bitcast(F128, v)
                }
                _ => unreachable!("float constants are these formats"),
            }),
            Soft::Access => match data {
                InstructionData::Load { flags, arg, offset, .. } => {
                    let ity = if res_ty == Some(F16) { I16 } else { I128 };
                    let v = self.pos.ins().load(ity, flags, arg, offset);
                    Some(self.bitcast(res_ty.expect("a load has a result"), v))
                }
                InstructionData::Store { flags, args: [x, p], offset, .. } => {
                    let ity = if arg_ty == Some(F16) { I16 } else { I128 };
                    let i = self.bitcast(ity, x);
                    self.pos.ins().store(flags, i, p, offset);
                    None
                }
                InstructionData::StackLoad { stack_slot, offset, .. } => {
                    let v = self.pos.ins().stack_load(I16, stack_slot, offset);
                    Some(self.bitcast(F16, v))
                }
                InstructionData::StackStore { arg, stack_slot, offset, .. } => {
                    let i = self.bitcast(I16, arg);
                    self.pos.ins().stack_store(i, stack_slot, offset);
                    None
                }
                _ => unreachable!("classify picks memory accesses"),
            },
            Soft::Widen => {
                let wide: smallvec::SmallVec<[Value; 3]> =
                    args.iter().map(|&a| self.pos.ins().fpromote(F32, a)).collect();
                let r = self.rebuild(data, &wide, F32);
                Some(self.pos.ins().fdemote(F16, r))
            }
            Soft::Fma16 => {
                let mut wide = [args[0]; 3];
                for (w, &a) in wide.iter_mut().zip(&args) {
                    let s = self.pos.ins().fpromote(F32, a);
                    *w = self.pos.ins().fpromote(F128, s);
                }
                let product = self.pos.ins().fmul(wide[0], wide[1]);
                let sum = self.pos.ins().fadd(product, wide[2]);
                Some(self.pos.ins().fdemote(F16, sum))
            }
            Soft::Sign => {
                let ty = res_ty.expect("a sign operation has a result");
                let (ity, sign) = if ty == F16 { (I16, 0x8000u128) } else { (I128, SIGN_F128) };
                let konst = |s: &mut Self, bits: u128| {
                    if ity == I128 {
                        s.i128_const(bits)
                    } else {
                        s.pos.ins().iconst(I16, i64::from(bits as u16 as i16))
                    }
                };
                let x = self.bitcast(ity, args[0]);
                let r = match op {
                    Opcode::Fneg => {
                        let m = konst(self, sign);
                        self.pos.ins().bxor(x, m)
                    }
                    Opcode::Fabs => {
                        let m = konst(self, !sign);
                        self.pos.ins().band(x, m)
                    }
                    _ => {
                        let y = self.bitcast(ity, args[1]);
                        let (m, n) = (konst(self, !sign), konst(self, sign));
                        let magnitude = self.pos.ins().band(x, m);
                        let sign_of_y = self.pos.ins().band(y, n);
                        self.pos.ins().bor(magnitude, sign_of_y)
                    }
                };
                Some(self.bitcast(ty, r))
            }
            Soft::WidenOperand => {
                let wide: smallvec::SmallVec<[Value; 2]> =
                    args.iter().map(|&a| self.pos.ins().fpromote(F32, a)).collect();
                let ctrl = if op == Opcode::Fcmp { F32 } else { res_ty.expect("a conversion has a result") };
                Some(self.rebuild(data, &wide, ctrl))
            }
            Soft::Call(call) => Some(self.call1(call, &args)),
            Soft::Compare128 => {
                let InstructionData::FloatCompare { cond, .. } = data else { unreachable!("fcmp") };
                Some(self.compare128(cond, args[0], args[1]))
            }
            Soft::MinMax128 => {
                // The smaller (larger) when ordered and different; of equal values (which
                // differ at most in the sign of zero) the OR (AND) of the bits, so -0.0
                // is the smaller; the canonical NaN when either is NaN.
                let (x, y) = (args[0], args[1]);
                let min = op == Opcode::Fmin;
                let first = self.compare128(if min { FloatCC::LessThan } else { FloatCC::GreaterThan }, x, y);
                let pick = self.pos.ins().select(first, x, y);
                let equal = self.compare128(FloatCC::Equal, x, y);
                let (xi, yi) = (self.bitcast(I128, x), self.bitcast(I128, y));
                let merged = if min { self.pos.ins().bor(xi, yi) } else { self.pos.ins().band(xi, yi) };
                let merged = self.bitcast(F128, merged);
                let ordered = self.pos.ins().select(equal, merged, pick);
                let unordered = self.compare128(FloatCC::Unordered, x, y);
                let nan = self.f128_const(softfloat::canonical_nan(128));
                Some(self.pos.ins().select(unordered, nan, ordered))
            }
            Soft::Convert => {
                let (from, to) = (arg_ty.expect("an operand"), res_ty.expect("a result"));
                let x = args[0];
                Some(match (from, to) {
                    (F16, F32) => self.call1(LibCall::F16ToF32, &[x]),
                    (F16, _) => {
                        let s = self.pos.ins().fpromote(F32, x);
                        self.pos.ins().fpromote(to, s)
                    }
                    (F32, F128) => self.call1(LibCall::F32ToF128, &[x]),
                    (F64, F128) => self.call1(LibCall::F64ToF128, &[x]),
                    (F32, F16) => self.call1(LibCall::F32ToF16, &[x]),
                    (F64, F16) => self.call1(LibCall::F64ToF16, &[x]),
                    (F128, F16) => self.call1(LibCall::F128ToF16, &[x]),
                    (F128, F32) => self.call1(LibCall::F128ToF32, &[x]),
                    (F128, F64) => self.call1(LibCall::F128ToF64, &[x]),
                    _ => unreachable!("the verifier admits only these conversions"),
                })
            }
            Soft::FromIntToF16 => {
                let x = args[0];
                let ity = arg_ty.expect("an operand");
                let signed = op == Opcode::FcvtFromSint;
                // |x| >= 2^17 overflows f16 (max 65504) as 2^17 does, so clamp wide
                // integers there; the rest is exact in f64, which rounds once to f16.
                let x32 = if ity.bits() <= 32 {
                    match (ity.bits() < 32, signed) {
                        (false, _) => x,
                        (true, true) => self.pos.ins().sextend(I32, x),
                        (true, false) => self.pos.ins().uextend(I32, x),
                    }
                } else {
                    const LIMIT: i64 = 1 << 17;
                    let hi = self.int_const(ity, LIMIT);
                    let over_cc = if signed { IntCC::SignedGreaterThan } else { IntCC::UnsignedGreaterThan };
                    let over = self.pos.ins().icmp_imm(over_cc, x, LIMIT);
                    let mut c = self.pos.ins().select(over, hi, x);
                    if signed {
                        let lo = self.int_const(ity, -LIMIT);
                        let under = self.pos.ins().icmp_imm(IntCC::SignedLessThan, x, -LIMIT);
                        c = self.pos.ins().select(under, lo, c);
                    }
                    self.pos.ins().ireduce(I32, c)
                };
                let wide = if signed {
                    self.pos.ins().fcvt_from_sint(F64, x32)
                } else {
                    self.pos.ins().fcvt_from_uint(F64, x32)
                };
                Some(self.pos.ins().fdemote(F16, wide))
            }
            Soft::FromIntToF128 => {
                let x = args[0];
                let ity = arg_ty.expect("an operand");
                let signed = op == Opcode::FcvtFromSint;
                Some(match ity.bits() {
                    8 | 16 => {
                        let x32 = if signed { self.pos.ins().sextend(I32, x) } else { self.pos.ins().uextend(I32, x) };
                        self.call1(LibCall::I32ToF128, &[x32])
                    }
                    32 => self.call1(if signed { LibCall::I32ToF128 } else { LibCall::U32ToF128 }, &[x]),
                    64 => self.call1(if signed { LibCall::I64ToF128 } else { LibCall::U64ToF128 }, &[x]),
                    _ => {
                        let (lo, hi) = self.pos.ins().isplit(x);
                        self.call1(if signed { LibCall::I128ToF128 } else { LibCall::U128ToF128 }, &[lo, hi])
                    }
                })
            }
            Soft::F128ToInt => Some(self.f128_to_int(op, args[0], res_ty.expect("a conversion has a result"))),
        }
    }

    /// `fcvt_to_{s,u}int{,_sat}` from an `f128` to `ty`: the range checks (traps, or the
    /// saturated results), then the routine on a value in range.
    fn f128_to_int(&mut self, op: Opcode, x: Value, ty: Type) -> Value {
        let signed = matches!(op, Opcode::FcvtToSint | Opcode::FcvtToSintSat);
        let saturate = matches!(op, Opcode::FcvtToSintSat | Opcode::FcvtToUintSat);
        let n = ty.bits();
        // Out of range below: trunc(x) < MIN. For n <= 64, MIN - 1 is an f128, so that
        // is x <= MIN - 1; for i128, f128s just below -2^127 are whole numbers, so it is
        // x < -2^127. Unsigned: x <= -1. Above: x >= 2^(n-1) (signed) or 2^n.
        let (below_cc, below_bits) = match (signed, n) {
            (true, 128) => (FloatCC::LessThan, pow2_f128(127) | SIGN_F128),
            (true, _) => {
                let min_minus_one = -(1i128 << (n - 1)) - 1;
                (FloatCC::LessThanOrEqual, softfloat::from_int(128, min_minus_one as u128, 128, true))
            }
            (false, _) => (FloatCC::LessThanOrEqual, pow2_f128(0) | SIGN_F128),
        };
        let above_bits = pow2_f128(if signed { n - 1 } else { n });
        let low = self.f128_const(below_bits);
        let high = self.f128_const(above_bits);
        let unordered = self.compare128(FloatCC::Unordered, x, x);
        let below = self.compare128(below_cc, x, low);
        let above = self.compare128(FloatCC::GreaterThanOrEqual, x, high);
        let arg = if saturate {
            let out = self.pos.ins().bor(below, above);
            let bad = self.pos.ins().bor(out, unordered);
            let zero = self.f128_const(0);
            self.pos.ins().select(bad, zero, x)
        } else {
            self.pos.ins().trapnz(unordered, TrapCode::BadConversionToInteger);
            let out = self.pos.ins().bor(below, above);
            self.pos.ins().trapnz(out, TrapCode::IntegerOverflow);
            x
        };
        let r = match (signed, n) {
            (_, 8 | 16) | (true, 32) => {
                let r = self.call1(LibCall::F128ToI32, &[arg]);
                if n < 32 { self.pos.ins().ireduce(ty, r) } else { r }
            }
            (false, 32) => self.call1(LibCall::F128ToU32, &[arg]),
            (true, 64) => self.call1(LibCall::F128ToI64, &[arg]),
            (false, 64) => self.call1(LibCall::F128ToU64, &[arg]),
            _ => {
                let call = if signed { LibCall::F128ToI128 } else { LibCall::F128ToU128 };
                let halves = self.libcalls.call(self.pos, call, &[arg]);
                self.pos.ins().iconcat(halves[0], halves[1])
            }
        };
        if !saturate {
            return r;
        }
        let (min, max) = if signed {
            (1u128 << (n - 1), (1u128 << (n - 1)) - 1)
        } else {
            (0, if n == 128 { u128::MAX } else { (1u128 << n) - 1 })
        };
        let konst = |s: &mut Self, bits: u128| {
            if ty == I128 { s.i128_const(bits) } else { s.pos.ins().iconst(ty, bits as u64 as i64) }
        };
        let (min, max, zero) = (konst(self, min), konst(self, max), konst(self, 0));
        let r = self.pos.ins().select(below, min, r);
        let r = self.pos.ins().select(above, max, r);
        self.pos.ins().select(unordered, zero, r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_functions;

    const X64: Native = Native::EVERYTHING;

    fn softened(src: &str, native: Native) -> String {
        let f = parse_functions(src).expect("parses").remove(0);
        let out = soften_floats(&f, native).expect("rewritten");
        crate::verifier::verify_function(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        out.to_string()
    }

    #[test]
    fn f16_arithmetic_goes_through_f32() {
        let out = softened(
            "function %f(f16, f16) -> f16 {\nblock0(v0: f16, v1: f16):\n    v2 = fadd v0, v1\n    return v2\n}\n",
            X64,
        );
        assert!(out.contains("fadd.f32") || out.contains("fadd v"), "{out}");
        assert!(out.contains("%F16ToF32") && out.contains("%F32ToF16"), "{out}");
        let native = softened(
            "function %f(f16, f16) -> f16 {\nblock0(v0: f16, v1: f16):\n    v2 = fadd v0, v1\n    return v2\n}\n",
            Native { half_conversions: true, ..X64 },
        );
        assert!(!native.contains("%F16ToF32") && native.contains("fpromote.f32"), "{native}");
    }

    #[test]
    fn f128_conversion_to_integer_checks_the_range_first() {
        let out = softened(
            "function %f(f128) -> i64 {\nblock0(v0: f128):\n    v1 = fcvt_to_sint.i64 v0\n    return v1\n}\n",
            X64,
        );
        assert!(out.contains("bad_toint") && out.contains("int_ovf") && out.contains("%F128ToI64"), "{out}");
        assert!(!out.contains("fcvt_to_sint") && !out.contains("f128const"), "{out}");
    }

    #[test]
    fn every_f16_and_f128_operation_is_rewritten_to_a_fixed_point() {
        let src = "function %f(f16, f128, i64, i128) -> f16, f128, i8 {\nblock0(v0: f16, v1: f128, v2: i64, v3: i128):\n    v4 = fma v0, v0, v0\n    v5 = fmin v1, v1\n    v6 = fcmp one v1, v1\n    v7 = fcvt_from_sint.f16 v3\n    v8 = fcvt_to_uint_sat.i128 v1\n    v9 = fcvt_from_uint.f128 v8\n    v10 = fpromote.f128 v7\n    v11 = fcopysign v0, v0\n    v12 = fneg v10\n    v13 = fadd v12, v5\n    v14 = fadd v4, v11\n    v15 = fadd v13, v9\n    return v14, v15, v6\n}\n";
        let f = parse_functions(src).expect("parses").remove(0);
        let out = soften_floats(&f, X64).expect("rewritten");
        crate::verifier::verify_function(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        let left: Vec<_> = out
            .layout
            .blocks()
            .flat_map(|b| out.layout.block_insts(b))
            .filter(|&i| classify(&out, i, X64).is_some())
            .collect();
        assert!(left.is_empty(), "{out}");
    }
}
