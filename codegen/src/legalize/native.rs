//! Legalization of what an ISA lacks, shared by every ISA: before lowering, rewrites the instructions an ISA's
//! rules have no machine form for into IR they do lower. What an ISA can do natively is
//! given as [`Native`]; everything else here is independent of the machine.
//!
//! - Library calls ([`LibCall`]): `ceil floor trunc nearest` without native rounding,
//!   `fma` without a fused multiply-add, 128-bit `udiv sdiv urem srem umulhi smulhi`, the overflow flag of 128-bit
//!   `umul_overflow`/`smul_overflow`, and conversions between floats and `i128`. The trap
//!   checks (division by zero, `MIN / -1`, NaN and out-of-range conversions) are emitted as
//!   IR before the call, so every routine is total.
//! - Expansions on 64-bit halves for `i128`: the `*_imm` forms (the immediate becomes an
//!   `iconcat` constant), `iabs`, `avg_round`, `bswap`, `bitrev`, `popcnt`, `clz`, `ctz`,
//!   `cls`, `bmask`, and `load`/`store` in the byte order that is not the ISA's (an access in
//!   the ISA's order and a byte swap).
//!
//! Input: the function after the mid-end. Output: `None` when nothing needs rewriting (no
//! copy is made), else a rewritten copy; the original is never changed. An expansion may
//! produce instructions that need expanding in turn (`cls` uses an `i128` shift and `clz`,
//! `udiv_imm` becomes `udiv`), so the pass repeats until nothing changes (at most a few
//! rounds). New instructions keep the source location of the one they replace, so traps
//! they raise are reported at the same place.

use super::LibCalls;
use crate::ir::types::{F32, F64, I64, I128};
use crate::ir::{
    Endianness, FloatCC, FuncCursor, Function, Ieee32, Ieee64, Inst, InstBuilder, InstructionData, IntCC, LibCall,
    Opcode, TrapCode, Type, Value,
};
use smallvec::SmallVec;

/// What an ISA can do natively, as far as legalization cares. Every 64-bit ISA lowers
/// the other `i128` operations on register pairs itself; none divides 128-bit integers.
#[derive(Copy, Clone, Debug)]
pub struct Native {
    /// `ceil`, `floor`, `trunc`, `nearest` on `f32`/`f64` (x86-64: SSE4.1).
    pub round: bool,
    /// `fma` on `f32`/`f64` (x86-64: FMA3).
    pub fma: bool,
    /// The ISA's byte order: `i128` loads and stores in the other one are expanded.
    pub byte_order: Endianness,
    /// `br_table` as a jump table; without, the driver expands it into compares (as it
    /// does for every ISA under `enable_jump_tables=false`).
    pub jump_tables: bool,
    /// `tls_value` (x86-64: the ELF general-dynamic sequence). Without, the driver
    /// refuses it as unsupported before lowering.
    pub tls_value: bool,
    /// `try_call`, `try_call_indirect` and calls of the throw helper
    /// ([`THROW_FUNCTION`](crate::ir::THROW_FUNCTION)): landing pads and the per-call-site
    /// handler tables the JIT's unwinder reads. Without, the driver refuses them as
    /// unsupported before lowering.
    pub exceptions: bool,
    /// `f16` and `f128` scalars in registers: constants as bit patterns, loads and stores
    /// (of `f128` in the ISA's byte order), `bitcast`s to and from same-size integers
    /// (and, for `f128`, 128-bit vectors), `select`s and calls. Everything else about
    /// them is [`soften_floats`](super::soften_floats)'s. Without, the driver refuses both
    /// types as unsupported before lowering.
    pub soft_float: bool,
    /// With `soft_float`, `fpromote` from `f16` to `f32` and `fdemote` from `f32` to
    /// `f16` as instructions (x86-64: F16C) rather than library calls.
    pub half_conversions: bool,
}

#[cfg(test)]
impl Native {
    /// An ISA that does everything natively (little-endian, no F16C), for tests.
    pub(crate) const EVERYTHING: Native = Native {
        round: true,
        fma: true,
        byte_order: Endianness::Little,
        jump_tables: true,
        tls_value: true,
        exceptions: true,
        soft_float: true,
        half_conversions: false,
    };
}

/// How one instruction is rewritten.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Expansion {
    /// Call the routine with the instruction's arguments; its one result replaces the
    /// instruction's.
    Call(LibCall),
    /// An `i128` `*_imm` or `icmp_imm`: the immediate becomes a 128-bit constant.
    ImmToReg,
    Iabs,
    AvgRound,
    /// `bswap` or `bitrev` of an `i128`: the operation on each half, halves exchanged.
    SwapHalves,
    Popcnt,
    Clz,
    Ctz,
    Cls,
    Bmask,
    /// 128-bit division or remainder through this routine, after the trap checks.
    DivRem(LibCall),
    /// 128-bit `umulhi`/`smulhi` through this routine.
    MulHi(LibCall),
    /// 128-bit `*mul_overflow`: the product inline, the flag from this routine.
    MulOverflow(LibCall),
    /// `i128` to a float through this routine.
    FromI128(LibCall),
    /// A float to `i128` through this saturating routine, with the trap checks first when
    /// `trapping`.
    ToI128 {
        call: LibCall,
        trapping: bool,
        signed: bool,
    },
    /// An `i128` load in the byte order that is not the ISA's.
    ForeignLoad,
    /// An `i128` store in the byte order that is not the ISA's.
    ForeignStore,
}

fn arg_type(f: &Function, inst: Inst) -> Option<Type> {
    f.dfg.inst_args(inst).first().map(|&v| f.dfg.value_type(v))
}

fn result_type(f: &Function, inst: Inst) -> Option<Type> {
    f.dfg.inst_results(inst).first().map(|&v| f.dfg.value_type(v))
}

/// The rewrite `inst` needs, if any.
fn classify(f: &Function, inst: Inst, native: Native) -> Option<Expansion> {
    use Opcode::*;
    let op = f.dfg.insts[inst].opcode();
    let arg = arg_type(f, inst);
    let res = result_type(f, inst);
    let arg128 = arg == Some(I128);
    let by_float = |narrow: LibCall, wide: LibCall| match res {
        Some(F32) => Some(Expansion::Call(narrow)),
        Some(F64) => Some(Expansion::Call(wide)),
        _ => None,
    };
    match op {
        Ceil if !native.round => by_float(LibCall::CeilF32, LibCall::CeilF64),
        Floor if !native.round => by_float(LibCall::FloorF32, LibCall::FloorF64),
        Trunc if !native.round => by_float(LibCall::TruncF32, LibCall::TruncF64),
        Nearest if !native.round => by_float(LibCall::NearestF32, LibCall::NearestF64),
        Fma if !native.fma => by_float(LibCall::FmaF32, LibCall::FmaF64),
        IaddImm | ImulImm | IrsubImm | BandImm | BorImm | BxorImm | IcmpImm | SdivImm | SremImm | UdivImm | UremImm
            if arg128 =>
        {
            Some(Expansion::ImmToReg)
        }
        Iabs if arg128 => Some(Expansion::Iabs),
        AvgRound if arg128 => Some(Expansion::AvgRound),
        Bswap | Bitrev if arg128 => Some(Expansion::SwapHalves),
        Popcnt if arg128 => Some(Expansion::Popcnt),
        Clz if arg128 => Some(Expansion::Clz),
        Ctz if arg128 => Some(Expansion::Ctz),
        Cls if arg128 => Some(Expansion::Cls),
        Bmask if arg128 || res == Some(I128) => Some(Expansion::Bmask),
        Udiv if arg128 => Some(Expansion::DivRem(LibCall::UdivI128)),
        Sdiv if arg128 => Some(Expansion::DivRem(LibCall::SdivI128)),
        Urem if arg128 => Some(Expansion::DivRem(LibCall::UremI128)),
        Srem if arg128 => Some(Expansion::DivRem(LibCall::SremI128)),
        Umulhi if arg128 => Some(Expansion::MulHi(LibCall::UmulhiI128)),
        Smulhi if arg128 => Some(Expansion::MulHi(LibCall::SmulhiI128)),
        UmulOverflow if arg128 => Some(Expansion::MulOverflow(LibCall::UmulOverflowI128)),
        SmulOverflow if arg128 => Some(Expansion::MulOverflow(LibCall::SmulOverflowI128)),
        FcvtFromSint | FcvtFromUint if arg128 => {
            let signed = op == FcvtFromSint;
            let call = match (signed, res?) {
                (true, F32) => LibCall::I128ToF32,
                (true, F64) => LibCall::I128ToF64,
                (false, F32) => LibCall::U128ToF32,
                (false, F64) => LibCall::U128ToF64,
                _ => return None,
            };
            Some(Expansion::FromI128(call))
        }
        FcvtToSint | FcvtToUint | FcvtToSintSat | FcvtToUintSat if res == Some(I128) => {
            let signed = matches!(op, FcvtToSint | FcvtToSintSat);
            let trapping = matches!(op, FcvtToSint | FcvtToUint);
            let call = match (signed, arg?) {
                (true, F32) => LibCall::F32ToI128Sat,
                (true, F64) => LibCall::F64ToI128Sat,
                (false, F32) => LibCall::F32ToU128Sat,
                (false, F64) => LibCall::F64ToU128Sat,
                _ => return None,
            };
            Some(Expansion::ToI128 { call, trapping, signed })
        }
        Load if res == Some(I128) && is_foreign(f, inst, native) => Some(Expansion::ForeignLoad),
        Store if arg128 && is_foreign(f, inst, native) => Some(Expansion::ForeignStore),
        _ => None,
    }
}

/// Whether a load or store names the byte order that is not the ISA's.
fn is_foreign(f: &Function, inst: Inst, native: Native) -> bool {
    match f.dfg.insts[inst] {
        InstructionData::Load { flags, .. } | InstructionData::Store { flags, .. } => {
            flags.explicit_endianness().is_some_and(|e| e != native.byte_order)
        }
        _ => false,
    }
}

/// Rewrites what `func` needs (see the module docs); `None` when nothing does.
pub fn legalize(func: &Function, native: Native) -> Option<Function> {
    // The deepest chain (`cls` to `clz` on halves, `*_imm` to division to a call) takes
    // three rounds.
    super::rewrite_to_fixpoint(
        func,
        6,
        |f, i| classify(f, i, native),
        |pos, libcalls, inst, how| Expander { pos, libcalls, byte_order: native.byte_order }.expand(inst, how),
    )
}

/// Builds the replacement of one instruction before it.
struct Expander<'a, 'f> {
    pos: &'a mut FuncCursor<'f>,
    libcalls: &'a mut LibCalls,
    byte_order: Endianness,
}

type Results = SmallVec<[Value; 2]>;

impl Expander<'_, '_> {
    fn args(&self, inst: Inst) -> SmallVec<[Value; 3]> {
        self.pos.func.dfg.inst_args(inst).iter().copied().collect()
    }

    fn split(&mut self, x: Value) -> (Value, Value) {
        self.pos.ins().isplit(x)
    }

    /// The halves of two `i128`s, as a routine takes them: `a.lo, a.hi, b.lo, b.hi`.
    fn split_pair(&mut self, a: Value, b: Value) -> [Value; 4] {
        let (al, ah) = self.split(a);
        let (bl, bh) = self.split(b);
        [al, ah, bl, bh]
    }

    /// The 128-bit constant `imm` sign-extended.
    fn const128(&mut self, imm: i64) -> Value {
        let lo = self.pos.ins().iconst(I64, imm);
        let hi = self.pos.ins().iconst(I64, imm >> 63);
        self.pos.ins().iconcat(lo, hi)
    }

    /// Calls `call` with `args` and returns its results.
    fn call(&mut self, call: LibCall, args: &[Value]) -> Results {
        self.libcalls.call(self.pos, call, args)
    }

    /// `clz` of the 128-bit value with halves `lo`, `hi`, as an `i64`.
    fn clz_halves(&mut self, lo: Value, hi: Value) -> Value {
        let (zh, zl) = (self.pos.ins().clz(hi), self.pos.ins().clz(lo));
        let zl = self.pos.ins().iadd_imm(zl, 64);
        let hi_zero = self.pos.ins().icmp_imm(IntCC::Equal, hi, 0);
        self.pos.ins().select(hi_zero, zl, zh)
    }

    /// `bswap` (or `bitrev`, for `Opcode::Bitrev`) of an `i128`: the operation on each
    /// half, halves exchanged.
    fn swap128(&mut self, x: Value, op: Opcode) -> Value {
        let (lo, hi) = self.split(x);
        let mut swap = |v: Value| if op == Opcode::Bitrev { self.pos.ins().bitrev(v) } else { self.pos.ins().bswap(v) };
        let (new_lo, new_hi) = (swap(hi), swap(lo));
        self.pos.ins().iconcat(new_lo, new_hi)
    }

    fn expand(&mut self, inst: Inst, how: Expansion) -> Results {
        let data = self.pos.func.dfg.insts[inst];
        let args = self.args(inst);
        let one = |v: Value| -> Results { smallvec::smallvec![v] };
        match how {
            Expansion::Call(call) => self.call(call, &args),
            Expansion::ImmToReg => {
                let (op, x, imm, cond) = match data {
                    InstructionData::BinaryImm64 { opcode, arg, imm } => (opcode, arg, imm.bits(), None),
                    InstructionData::IntCompareImm { opcode, cond, arg, imm } => (opcode, arg, imm.bits(), Some(cond)),
                    _ => unreachable!("classify only picks immediate forms"),
                };
                let c = self.const128(imm);
                let ins = self.pos.ins();
                one(match op {
                    Opcode::IaddImm => ins.iadd(x, c),
                    Opcode::ImulImm => ins.imul(x, c),
                    Opcode::IrsubImm => ins.isub(c, x),
                    Opcode::BandImm => ins.band(x, c),
                    Opcode::BorImm => ins.bor(x, c),
                    Opcode::BxorImm => ins.bxor(x, c),
                    Opcode::SdivImm => ins.sdiv(x, c),
                    Opcode::SremImm => ins.srem(x, c),
                    Opcode::UdivImm => ins.udiv(x, c),
                    Opcode::UremImm => ins.urem(x, c),
                    _ => ins.icmp(cond.expect("icmp_imm has a condition"), x, c),
                })
            }
            Expansion::Iabs => {
                let x = args[0];
                let zero = self.const128(0);
                let neg = self.pos.ins().ineg(x);
                let below = self.pos.ins().icmp(IntCC::SignedLessThan, x, zero);
                one(self.pos.ins().select(below, neg, x))
            }
            Expansion::AvgRound => {
                // (a + b + 1) >> 1 without overflow: (a | b) - ((a ^ b) >> 1).
                let (a, b) = (args[0], args[1]);
                let or = self.pos.ins().bor(a, b);
                let xor = self.pos.ins().bxor(a, b);
                let half = self.pos.ins().ushr_imm(xor, 1);
                one(self.pos.ins().isub(or, half))
            }
            Expansion::SwapHalves => one(self.swap128(args[0], data.opcode())),
            Expansion::Popcnt => {
                let (lo, hi) = self.split(args[0]);
                let (a, b) = (self.pos.ins().popcnt(lo), self.pos.ins().popcnt(hi));
                let sum = self.pos.ins().iadd(a, b);
                one(self.pos.ins().uextend(I128, sum))
            }
            Expansion::Clz => {
                let (lo, hi) = self.split(args[0]);
                let n = self.clz_halves(lo, hi);
                one(self.pos.ins().uextend(I128, n))
            }
            Expansion::Ctz => {
                let (lo, hi) = self.split(args[0]);
                let (tl, th) = (self.pos.ins().ctz(lo), self.pos.ins().ctz(hi));
                let th = self.pos.ins().iadd_imm(th, 64);
                let lo_zero = self.pos.ins().icmp_imm(IntCC::Equal, lo, 0);
                let n = self.pos.ins().select(lo_zero, th, tl);
                one(self.pos.ins().uextend(I128, n))
            }
            Expansion::Cls => {
                // Bits after the sign bit equal to it: clz(x ^ (x >> 127)) - 1.
                let x = args[0];
                let sign = self.pos.ins().sshr_imm(x, 127);
                let t = self.pos.ins().bxor(x, sign);
                let (lo, hi) = self.split(t);
                let n = self.clz_halves(lo, hi);
                let n = self.pos.ins().iadd_imm(n, -1);
                one(self.pos.ins().uextend(I128, n))
            }
            Expansion::Bmask => {
                let x = args[0];
                let ty = result_type(self.pos.func, inst).expect("bmask has a result");
                let x = if self.pos.func.dfg.value_type(x) == I128 {
                    let (lo, hi) = self.split(x);
                    self.pos.ins().bor(lo, hi)
                } else {
                    x
                };
                let mask = self.pos.ins().bmask(I64, x);
                one(match ty {
                    I128 => self.pos.ins().sextend(I128, mask),
                    I64 => mask,
                    narrow => self.pos.ins().ireduce(narrow, mask),
                })
            }
            Expansion::DivRem(call) => {
                let halves = self.split_pair(args[0], args[1]);
                let [al, ah, bl, bh] = halves;
                let any = self.pos.ins().bor(bl, bh);
                self.pos.ins().trapz(any, TrapCode::IntegerDivisionByZero);
                if call == LibCall::SdivI128 {
                    // MIN / -1 overflows: a's halves are (0, i64::MIN), b's are both -1.
                    let min_hi = self.pos.ins().iconst(I64, i64::MIN);
                    let d = self.pos.ins().bxor(ah, min_hi);
                    let d = self.pos.ins().bor(d, al);
                    let a_is_min = self.pos.ins().icmp_imm(IntCC::Equal, d, 0);
                    let both = self.pos.ins().band(bl, bh);
                    let b_is_minus_one = self.pos.ins().icmp_imm(IntCC::Equal, both, -1);
                    let overflow = self.pos.ins().band(a_is_min, b_is_minus_one);
                    self.pos.ins().trapnz(overflow, TrapCode::IntegerOverflow);
                }
                let r = self.call(call, &halves);
                one(self.pos.ins().iconcat(r[0], r[1]))
            }
            Expansion::MulHi(call) => {
                let halves = self.split_pair(args[0], args[1]);
                let r = self.call(call, &halves);
                one(self.pos.ins().iconcat(r[0], r[1]))
            }
            Expansion::MulOverflow(call) => {
                let (a, b) = (args[0], args[1]);
                let product = self.pos.ins().imul(a, b);
                let halves = self.split_pair(a, b);
                let flag = self.call(call, &halves)[0];
                smallvec::smallvec![product, flag]
            }
            Expansion::FromI128(call) => {
                let (lo, hi) = self.split(args[0]);
                self.call(call, &[lo, hi])
            }
            Expansion::ToI128 { call, trapping, signed } => {
                let x = args[0];
                if trapping {
                    let nan = self.pos.ins().fcmp(FloatCC::Unordered, x, x);
                    self.pos.ins().trapnz(nan, TrapCode::BadConversionToInteger);
                    // In range when trunc(x) fits: [-2^127, 2^127) signed, (-1, 2^128)
                    // unsigned (2^128 is +inf as an f32).
                    let wide = self.pos.func.dfg.value_type(x) == F64;
                    let (low, high): (u64, u64) = match (signed, wide) {
                        (true, false) => (0xff00_0000, 0x7f00_0000),
                        (false, false) => (0xbf80_0000, 0x7f80_0000),
                        (true, true) => (0xc7e0_0000_0000_0000, 0x47e0_0000_0000_0000),
                        (false, true) => (0xbff0_0000_0000_0000, 0x47f0_0000_0000_0000),
                    };
                    let (low, high) = if wide {
                        (self.pos.ins().f64const(Ieee64(low)), self.pos.ins().f64const(Ieee64(high)))
                    } else {
                        (self.pos.ins().f32const(Ieee32(low as u32)), self.pos.ins().f32const(Ieee32(high as u32)))
                    };
                    let below_cc = if signed { FloatCC::LessThan } else { FloatCC::LessThanOrEqual };
                    let below = self.pos.ins().fcmp(below_cc, x, low);
                    let above = self.pos.ins().fcmp(FloatCC::GreaterThanOrEqual, x, high);
                    let out = self.pos.ins().bor(below, above);
                    self.pos.ins().trapnz(out, TrapCode::IntegerOverflow);
                }
                let r = self.call(call, &[x]);
                one(self.pos.ins().iconcat(r[0], r[1]))
            }
            Expansion::ForeignLoad => {
                let InstructionData::Load { flags, arg, offset, .. } = data else { unreachable!("a load") };
                let v = self.pos.ins().load(I128, flags.with_endianness(self.byte_order), arg, offset);
                one(self.swap128(v, Opcode::Bswap))
            }
            Expansion::ForeignStore => {
                let InstructionData::Store { flags, args: [x, p], offset, .. } = data else { unreachable!("a store") };
                let swapped = self.swap128(x, Opcode::Bswap);
                self.pos.ins().store(flags.with_endianness(self.byte_order), swapped, p, offset);
                SmallVec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_functions;

    fn legalized(src: &str, native: Native) -> Option<String> {
        let f = parse_functions(src).expect("parses").remove(0);
        legalize(&f, native).map(|f| f.to_string())
    }

    const ALL: Native = Native::EVERYTHING;

    #[test]
    fn nothing_to_do_makes_no_copy() {
        let src = "function %f(i64, i64) -> i64 {\nblock0(v0: i64, v1: i64):\n    v2 = udiv v0, v1\n    return v2\n}\n";
        assert!(legalized(src, ALL).is_none());
    }

    #[test]
    fn i128_division_checks_then_calls() {
        let src =
            "function %f(i128, i128) -> i128 {\nblock0(v0: i128, v1: i128):\n    v2 = sdiv v0, v1\n    return v2\n}\n";
        let out = legalized(src, ALL).expect("rewritten");
        assert!(out.contains("trapz") && out.contains("int_divz"), "{out}");
        assert!(out.contains("trapnz") && out.contains("int_ovf"), "{out}");
        assert!(out.contains("%SdivI128"), "{out}");
        assert!(!out.contains("sdiv"), "{out}");
    }

    #[test]
    fn expansions_reach_a_fixed_point() {
        // `cls` needs a shift, a `clz` on halves, then nothing; `udiv_imm` becomes `udiv`
        // and then a call.
        let src = "function %f(i128) -> i128, i128 {\nblock0(v0: i128):\n    v1 = cls v0\n    v2 = udiv_imm v0, 7\n    return v1, v2\n}\n";
        let out = legalized(src, ALL).expect("rewritten");
        assert!(!out.contains("cls") && !out.contains("udiv"), "{out}");
        assert!(out.contains("%UdivI128"), "{out}");
    }

    #[test]
    fn rounding_is_a_call_only_without_sse41() {
        let src = "function %f(f64) -> f64 {\nblock0(v0: f64):\n    v1 = ceil v0\n    return v1\n}\n";
        assert!(legalized(src, ALL).is_none());
        let out = legalized(src, Native { round: false, ..ALL }).expect("rewritten");
        assert!(out.contains("%CeilF64"), "{out}");
    }
}
