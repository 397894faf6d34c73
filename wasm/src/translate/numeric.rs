//! Numeric operators: constants, integer and float arithmetic, comparisons, conversions
//! and reinterpretations.
//!
//! Wasm's semantics map onto IR opcodes directly: shifts and rotates take the amount modulo
//! the width, `sdiv`/`udiv`/`srem`/`urem` trap on zero and `sdiv` on `MIN / -1` with the
//! codes Wasm wants (`srem` of `MIN, -1` is 0), `fcvt_to_*int` trap `bad_toint` on NaN and
//! `int_ovf` out of range, the `_sat` forms saturate, and `fmin`/`fmax`/`nearest` follow
//! IEEE 754-2019 as Wasm does. Comparisons give an `i8` that is zero-extended to `i32`.

use super::FuncTranslator;
use crate::WasmError;
use lathe_codegen::ir::{FloatCC, InstBuilder, IntCC, MemFlags, Value, types};
use wasmparser::Operator;

impl FuncTranslator<'_> {
    fn icmp(&mut self, cc: IntCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().icmp(cc, a, b);
        let r = self.bool_to_i32(c);
        self.push(r);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().fcmp(cc, a, b);
        let r = self.bool_to_i32(c);
        self.push(r);
    }

    fn eqz(&mut self) {
        let a = self.pop();
        let c = self.b.ins().icmp_imm(IntCC::Equal, a, 0);
        let r = self.bool_to_i32(c);
        self.push(r);
    }

    fn binary(&mut self, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop2();
        let r = f(self, a, b);
        self.push(r);
    }

    fn unary(&mut self, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop();
        let r = f(self, a);
        self.push(r);
    }

    /// Handles numeric operators; false if `op` is not one.
    pub(crate) fn numeric(&mut self, op: &Operator<'_>) -> Result<bool, WasmError> {
        use types::{F32, F64, I8, I16, I32, I64};
        macro_rules! bin {
            ($m:ident) => {
                self.binary(|t, a, b| t.b.ins().$m(a, b))
            };
        }
        macro_rules! un {
            ($m:ident) => {
                self.unary(|t, a| t.b.ins().$m(a))
            };
            ($m:ident, $ty:expr) => {
                self.unary(|t, a| t.b.ins().$m($ty, a))
            };
        }
        match *op {
            Operator::I32Const { value } => {
                let v = self.b.ins().iconst(I32, value as i64);
                self.push(v);
            }
            Operator::I64Const { value } => {
                let v = self.b.ins().iconst(I64, value);
                self.push(v);
            }
            Operator::F32Const { value } => {
                let v = self.b.ins().f32const(lathe_codegen::ir::Ieee32(value.bits()));
                self.push(v);
            }
            Operator::F64Const { value } => {
                let v = self.b.ins().f64const(lathe_codegen::ir::Ieee64(value.bits()));
                self.push(v);
            }
            Operator::I32Eqz | Operator::I64Eqz => self.eqz(),
            Operator::I32Eq | Operator::I64Eq => self.icmp(IntCC::Equal),
            Operator::I32Ne | Operator::I64Ne => self.icmp(IntCC::NotEqual),
            Operator::I32LtS | Operator::I64LtS => self.icmp(IntCC::SignedLessThan),
            Operator::I32LtU | Operator::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            Operator::I32GtS | Operator::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            Operator::I32GtU | Operator::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            Operator::I32LeS | Operator::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            Operator::I32LeU | Operator::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            Operator::I32GeS | Operator::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            Operator::I32GeU | Operator::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            Operator::F32Eq | Operator::F64Eq => self.fcmp(FloatCC::Equal),
            Operator::F32Ne | Operator::F64Ne => self.fcmp(FloatCC::NotEqual),
            Operator::F32Lt | Operator::F64Lt => self.fcmp(FloatCC::LessThan),
            Operator::F32Gt | Operator::F64Gt => self.fcmp(FloatCC::GreaterThan),
            Operator::F32Le | Operator::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            Operator::F32Ge | Operator::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),
            Operator::I32Clz | Operator::I64Clz => un!(clz),
            Operator::I32Ctz | Operator::I64Ctz => un!(ctz),
            Operator::I32Popcnt | Operator::I64Popcnt => un!(popcnt),
            Operator::I32Add | Operator::I64Add => bin!(iadd),
            Operator::I32Sub | Operator::I64Sub => bin!(isub),
            Operator::I32Mul | Operator::I64Mul => bin!(imul),
            Operator::I32DivS | Operator::I64DivS => bin!(sdiv),
            Operator::I32DivU | Operator::I64DivU => bin!(udiv),
            Operator::I32RemS | Operator::I64RemS => bin!(srem),
            Operator::I32RemU | Operator::I64RemU => bin!(urem),
            Operator::I32And | Operator::I64And => bin!(band),
            Operator::I32Or | Operator::I64Or => bin!(bor),
            Operator::I32Xor | Operator::I64Xor => bin!(bxor),
            Operator::I32Shl | Operator::I64Shl => bin!(ishl),
            Operator::I32ShrS | Operator::I64ShrS => bin!(sshr),
            Operator::I32ShrU | Operator::I64ShrU => bin!(ushr),
            Operator::I32Rotl | Operator::I64Rotl => bin!(rotl),
            Operator::I32Rotr | Operator::I64Rotr => bin!(rotr),
            Operator::F32Abs | Operator::F64Abs => un!(fabs),
            Operator::F32Neg | Operator::F64Neg => un!(fneg),
            Operator::F32Ceil | Operator::F64Ceil => un!(ceil),
            Operator::F32Floor | Operator::F64Floor => un!(floor),
            Operator::F32Trunc | Operator::F64Trunc => un!(trunc),
            Operator::F32Nearest | Operator::F64Nearest => un!(nearest),
            Operator::F32Sqrt | Operator::F64Sqrt => un!(sqrt),
            Operator::F32Add | Operator::F64Add => bin!(fadd),
            Operator::F32Sub | Operator::F64Sub => bin!(fsub),
            Operator::F32Mul | Operator::F64Mul => bin!(fmul),
            Operator::F32Div | Operator::F64Div => bin!(fdiv),
            Operator::F32Min | Operator::F64Min => bin!(fmin),
            Operator::F32Max | Operator::F64Max => bin!(fmax),
            Operator::F32Copysign | Operator::F64Copysign => bin!(fcopysign),
            Operator::I32WrapI64 => un!(ireduce, I32),
            Operator::I64ExtendI32S => un!(sextend, I64),
            Operator::I64ExtendI32U => un!(uextend, I64),
            Operator::I32Extend8S => self.unary(|t, a| {
                let n = t.b.ins().ireduce(I8, a);
                t.b.ins().sextend(I32, n)
            }),
            Operator::I32Extend16S => self.unary(|t, a| {
                let n = t.b.ins().ireduce(I16, a);
                t.b.ins().sextend(I32, n)
            }),
            Operator::I64Extend8S => self.unary(|t, a| {
                let n = t.b.ins().ireduce(I8, a);
                t.b.ins().sextend(I64, n)
            }),
            Operator::I64Extend16S => self.unary(|t, a| {
                let n = t.b.ins().ireduce(I16, a);
                t.b.ins().sextend(I64, n)
            }),
            Operator::I64Extend32S => self.unary(|t, a| {
                let n = t.b.ins().ireduce(I32, a);
                t.b.ins().sextend(I64, n)
            }),
            Operator::I32TruncF32S | Operator::I32TruncF64S => un!(fcvt_to_sint, I32),
            Operator::I32TruncF32U | Operator::I32TruncF64U => un!(fcvt_to_uint, I32),
            Operator::I64TruncF32S | Operator::I64TruncF64S => un!(fcvt_to_sint, I64),
            Operator::I64TruncF32U | Operator::I64TruncF64U => un!(fcvt_to_uint, I64),
            Operator::I32TruncSatF32S | Operator::I32TruncSatF64S => un!(fcvt_to_sint_sat, I32),
            Operator::I32TruncSatF32U | Operator::I32TruncSatF64U => un!(fcvt_to_uint_sat, I32),
            Operator::I64TruncSatF32S | Operator::I64TruncSatF64S => un!(fcvt_to_sint_sat, I64),
            Operator::I64TruncSatF32U | Operator::I64TruncSatF64U => un!(fcvt_to_uint_sat, I64),
            Operator::F32ConvertI32S | Operator::F32ConvertI64S => un!(fcvt_from_sint, F32),
            Operator::F32ConvertI32U | Operator::F32ConvertI64U => un!(fcvt_from_uint, F32),
            Operator::F64ConvertI32S | Operator::F64ConvertI64S => un!(fcvt_from_sint, F64),
            Operator::F64ConvertI32U | Operator::F64ConvertI64U => un!(fcvt_from_uint, F64),
            Operator::F32DemoteF64 => un!(fdemote, F32),
            Operator::F64PromoteF32 => un!(fpromote, F64),
            Operator::I32ReinterpretF32 => self.unary(|t, a| t.b.ins().bitcast(I32, MemFlags::new(), a)),
            Operator::I64ReinterpretF64 => self.unary(|t, a| t.b.ins().bitcast(I64, MemFlags::new(), a)),
            Operator::F32ReinterpretI32 => self.unary(|t, a| t.b.ins().bitcast(F32, MemFlags::new(), a)),
            Operator::F64ReinterpretI64 => self.unary(|t, a| t.b.ins().bitcast(F64, MemFlags::new(), a)),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
