//! The baseline tier's scalar `f32`/`f64` instructions on x86-64 (SSE2).
//!
//! Float values are write-through (stored to their home when computed) and cached in
//! xmm2-xmm15 (`Emitter::xcache`), less the top registers that hold floats pinned in
//! regions without calls (their home while the region runs; read in place, and an
//! operation computing a pinned value computes straight into its register): an operand the instruction only reads comes from its
//! cache register or is loaded into one; an operand it overwrites in place is taken from
//! the cache (its home is current) or loaded into a new cache register; the result is
//! stored and recorded in the register it was computed in. A value is defined once, so an
//! entry never goes stale; the cache is forgotten at block starts, calls, branches and
//! returns, and xmm0/xmm1 stay scratch. A home
//! holds the value's bits in its low 4 or 8 bytes, the same bits an integer register would
//! hold, so moves that only carry bits (loads, stores, `select`, block arguments,
//! `bitcast`, constants) go through the integer paths of `ops.rs` unchanged.

use super::{Emitter, XMM_POOL, cached, exact};
use crate::baseline::not_covered;
use crate::ir::{FloatCC, Inst as IrInst, InstructionData, Opcode, TrapCode, Value, types};
use crate::isa::x64::inst::args::{AluOp, CC, OperandSize, RegMemImm, SseOp};
use crate::isa::x64::{Inst, RegMem, regs};
use crate::result::CodegenError;

impl Emitter<'_> {
    /// The float instructions, or `None` when `data` is not one of them.
    pub(super) fn float_inst(&mut self, inst: IrInst, data: InstructionData) -> Option<Result<(), CodegenError>> {
        let dfg = &self.func.dfg;
        let res = dfg.inst_results(inst).first().copied();
        Some(match data {
            InstructionData::UnaryIeee32 { opcode: Opcode::F32const, imm } => self.float_const(u64::from(imm.0), res?),
            InstructionData::UnaryIeee64 { opcode: Opcode::F64const, imm } => self.float_const(imm.0, res?),
            InstructionData::Binary { opcode, args: [a, b] } if dfg.value_type(a).is_float() => {
                let double = dfg.value_type(a) == types::F64;
                let op = SseOp::scalar_arith(opcode, double)?;
                let x = match self.xmm_dest(a, res?) {
                    Ok(x) => x,
                    Err(e) => return Some(Err(e)),
                };
                let y = match self.xmm_read(b) {
                    Ok(y) => y,
                    Err(e) => return Some(Err(e)),
                };
                self.put(Inst::XmmRmR { op, src1: xmm(x), src2: RegMem::Reg(xmm(y)), dst: xmm(x) });
                self.xmm_result(res?, x);
                Ok(())
            }
            InstructionData::Unary { opcode, arg } if dfg.value_type(arg).is_float() => {
                let double = dfg.value_type(arg) == types::F64;
                let op = match (opcode, double) {
                    (Opcode::Sqrt, false) => SseOp::Sqrtss,
                    (Opcode::Sqrt, true) => SseOp::Sqrtsd,
                    (Opcode::Fpromote, false) => SseOp::Cvtss2sd,
                    (Opcode::Fdemote, true) => SseOp::Cvtsd2ss,
                    (Opcode::Fneg | Opcode::Fabs, _) => return Some(self.sign_bit(opcode, double, arg, res?)),
                    (Opcode::FcvtToSint | Opcode::FcvtToUint, _) => {
                        return self.float_to_int(opcode == Opcode::FcvtToSint, double, arg, res?);
                    }
                    _ => return None,
                };
                let x = match self.xmm_dest(arg, res?) {
                    Ok(x) => x,
                    Err(e) => return Some(Err(e)),
                };
                self.put(Inst::XmmUnary { op, src: RegMem::Reg(xmm(x)), dst: xmm(x) });
                self.xmm_result(res?, x);
                Ok(())
            }
            InstructionData::Unary { opcode: opcode @ (Opcode::FcvtFromSint | Opcode::FcvtFromUint), arg } => {
                let from = dfg.value_type(arg);
                let unsigned = opcode == Opcode::FcvtFromUint;
                // Signed 32 and 64 bits convert directly; unsigned 32 bits converts
                // exactly as the zero-extended signed 64-bit value. Narrower sources and
                // unsigned 64 bits are not covered yet.
                if from.bits() < 32 || (unsigned && from.bits() == 64) {
                    return None;
                }
                let double = dfg.value_type(res?) == types::F64;
                let r = match self.use_value(arg) {
                    Ok(r) => r,
                    Err(e) => return Some(Err(e)),
                };
                let d = match self.xmm_fresh_for(res?) {
                    Ok(d) => d,
                    Err(e) => return Some(Err(e)),
                };
                let (mut src, dst, mut size) = (cached(r), xmm(d), exact(from));
                if unsigned {
                    let scratch = regs::gpr(super::SCRATCH);
                    self.put(Inst::MovRR { size: OperandSize::S32, src, dst: scratch });
                    (src, size) = (scratch, OperandSize::S64);
                }
                self.put(Inst::CvtIntToFloat { double, size, src, dst });
                self.xmm_result(res?, d);
                Ok(())
            }
            InstructionData::FloatCompare { cond, args: [a, b], .. } => self.float_compare(cond, a, b, res?),
            _ => return None,
        })
    }

    /// `fcvt_to_sint` and `fcvt_to_uint` to `i32` and `i64` (`None` for other widths and
    /// for unsigned `i64`): NaN traps with `bad_toint`, a value whose truncation does not
    /// fit traps with `int_ovf`.
    ///
    /// Signed: `cvttss2si`/`cvttsd2si` gives MIN for NaN and for every value out of range,
    /// so only a MIN result (`cmp r, 1` overflows exactly then) is checked further: NaN,
    /// then a value at or above 0 (out of range upwards), then one below the smallest
    /// value that truncates to MIN (-2^N, or for `f64` to `i32` anything above
    /// -2^31 - 1). Unsigned 32 bits: NaN, then the range (-1, 2^32) checked first, and the
    /// 64-bit signed conversion is then exact.
    fn float_to_int(&mut self, signed: bool, double: bool, arg: Value, res: Value) -> Option<Result<(), CodegenError>> {
        let bits = self.func.dfg.value_type(res).bits();
        if !(bits == 32 || bits == 64) || (!signed && bits == 64) {
            return None;
        }
        let fconst = |x: f64| if double { x.to_bits() } else { u64::from((x as f32).to_bits()) };
        let r = match self.fresh_for(res) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let x = match self.xmm_read(arg) {
            Ok(x) => xmm(x),
            Err(e) => return Some(Err(e)),
        };
        let (k, dst) = (regs::xmm(1), cached(r));
        let same = RegMem::Reg(x);
        if signed {
            let size = exact(self.func.dfg.value_type(res));
            self.put(Inst::CvtFloatToInt { double, size, src: x, dst });
            let (done, check) = (self.buf.get_label(), self.buf.get_label());
            self.put(Inst::Cmp { size, src1: dst, src2: RegMemImm::Imm(1) });
            self.put_before(Inst::JmpCond { cc: CC::NO, taken: done, not_taken: check }, Some(check));
            self.buf.bind_label(check);
            self.put(Inst::XmmCmp { double, src1: x, src2: same });
            self.put(Inst::TrapIf { cc: CC::P, code: TrapCode::BadConversionToInteger });
            self.put(Inst::XmmConst { double, bits: fconst(0.0), dst: k });
            self.put(Inst::XmmCmp { double, src1: x, src2: RegMem::Reg(k) });
            self.put(Inst::TrapIf { cc: CC::NB, code: TrapCode::IntegerOverflow });
            let (limit, cc) = match (double, bits) {
                (true, 32) => (-2147483649.0, CC::BE),
                _ => (-(2f64.powi(bits as i32 - 1)), CC::B),
            };
            self.put(Inst::XmmConst { double, bits: fconst(limit), dst: k });
            self.put(Inst::XmmCmp { double, src1: x, src2: RegMem::Reg(k) });
            self.put(Inst::TrapIf { cc, code: TrapCode::IntegerOverflow });
            self.buf.bind_label(done);
        } else {
            self.put(Inst::XmmCmp { double, src1: x, src2: same });
            self.put(Inst::TrapIf { cc: CC::P, code: TrapCode::BadConversionToInteger });
            self.put(Inst::XmmConst { double, bits: fconst(-1.0), dst: k });
            self.put(Inst::XmmCmp { double, src1: x, src2: RegMem::Reg(k) });
            self.put(Inst::TrapIf { cc: CC::BE, code: TrapCode::IntegerOverflow });
            self.put(Inst::XmmConst { double, bits: fconst(4294967296.0), dst: k });
            self.put(Inst::XmmCmp { double, src1: x, src2: RegMem::Reg(k) });
            self.put(Inst::TrapIf { cc: CC::NB, code: TrapCode::IntegerOverflow });
            self.put(Inst::CvtFloatToInt { double, size: OperandSize::S64, src: x, dst });
        }
        self.define(res, r);
        Some(Ok(()))
    }

    /// A float load straight into an xmm register.
    pub(super) fn float_load(
        &mut self,
        double: bool,
        addr: crate::isa::x64::inst::args::Amode,
        trap: Option<TrapCode>,
        res: Value,
    ) -> Result<(), CodegenError> {
        let d = self.xmm_fresh_for(res)?;
        self.put(Inst::XmmLoad { double, addr, dst: xmm(d), trap });
        self.xmm_result(res, d);
        Ok(())
    }

    /// A float store from an xmm register.
    pub(super) fn float_store(
        &mut self,
        double: bool,
        value: Value,
        address: Value,
        disp: i32,
        trap: Option<TrapCode>,
    ) -> Result<(), CodegenError> {
        let x = self.xmm_read(value)?;
        let addr = self.address(address, disp)?;
        self.put(Inst::XmmStore { double, src: xmm(x), addr, trap });
        Ok(())
    }

    /// A float constant: its bits, through an integer register.
    fn float_const(&mut self, bits: u64, res: Value) -> Result<(), CodegenError> {
        let r = self.fresh()?;
        self.put(Inst::MovImm { size: OperandSize::S64, imm: bits, dst: cached(r) });
        self.define(res, r);
        Ok(())
    }

    /// A pinned xmm cache register to compute into.
    fn xmm_fresh(&mut self) -> Result<usize, CodegenError> {
        // Entries are clean: an evicted value is still in its home.
        let (r, _) = self.xcache.pick().ok_or_else(|| not_covered("an instruction needing more xmm registers"))?;
        Ok(r)
    }

    /// The index of the xmm register float `v` is pinned to (past the cache's registers).
    fn xmm_pin(&self, v: Value) -> Option<usize> {
        let k = self.pins.float(crate::entity::EntityRef::index(v) as u32)?;
        Some(XMM_POOL.len() - 1 - k)
    }

    /// A register to compute float `res` into: its pinned register, or a cache register.
    fn xmm_fresh_for(&mut self, res: Value) -> Result<usize, CodegenError> {
        match self.xmm_pin(res) {
            Some(p) => Ok(p),
            None => self.xmm_fresh(),
        }
    }

    /// The xmm register holding float `v`, for reading: its pinned register, or a cache
    /// register (loaded from its home if needed), pinned.
    fn xmm_read(&mut self, v: Value) -> Result<usize, CodegenError> {
        let v = self.resolve(v);
        if let Some(p) = self.xmm_pin(v) {
            return Ok(p);
        }
        let n = crate::entity::EntityRef::index(v) as u32;
        if let Some(r) = self.xcache.lookup(n) {
            self.xcache.pin(r);
            return Ok(r);
        }
        let r = self.xmm_fresh()?;
        self.load_home(v, xmm(r));
        self.xcache.assign(r, n);
        Ok(r)
    }

    /// The xmm register an instruction computing `res` in place overwrites, holding float
    /// `v` first: `res`'s pinned register (`v` copied there), a copy of a pinned `v`, or
    /// `v`'s cache register (forgotten: its home is current) or a new one loaded from its
    /// home. Pinned.
    fn xmm_dest(&mut self, v: Value, res: Value) -> Result<usize, CodegenError> {
        let r = self.xmm_read(v)?;
        let dst = match self.xmm_pin(res) {
            Some(p) => p,
            None if r >= self.xcache.num_regs() => self.xmm_fresh()?,
            None => {
                let _ = self.xcache.forget_reg(r);
                return Ok(r);
            }
        };
        if dst != r {
            self.put(Inst::XmmMovRR { src: xmm(r), dst: xmm(dst) });
        }
        Ok(dst)
    }

    /// Float `res` was computed into xmm register `r`: stored to its home and recorded in
    /// the cache, or (pinned) moved to its own register unless computed there.
    fn xmm_result(&mut self, res: Value, r: usize) {
        if self.xmm_pin(res).is_some() || r >= self.xcache.num_regs() {
            self.store_home(res, xmm(r));
            return;
        }
        self.store_home(res, xmm(r));
        self.xcache.assign(r, crate::entity::EntityRef::index(res) as u32);
    }

    /// `fneg` (flip the sign bit) and `fabs` (clear it), on the bits in an integer
    /// register.
    fn sign_bit(&mut self, opcode: Opcode, double: bool, arg: Value, res: Value) -> Result<(), CodegenError> {
        let x = self.use_value(arg)?;
        let mask = self.fresh()?;
        let sign = if double { 1u64 << 63 } else { 1u64 << 31 };
        let (op, bits) = if opcode == Opcode::Fneg { (AluOp::Xor, sign) } else { (AluOp::And, !sign) };
        let size = if double { OperandSize::S64 } else { OperandSize::S32 };
        self.put(Inst::MovImm { size: OperandSize::S64, imm: bits, dst: cached(mask) });
        let src2 = RegMemImm::Reg(cached(x));
        self.put(Inst::AluRmiR { size, op, src1: cached(mask), src2, dst: cached(mask), trap: None });
        self.define(res, mask);
        Ok(())
    }

    /// `fcmp`: `ucomiss`/`ucomisd` sets ZF, PF, CF to 1,1,1 when unordered, 0,0,1 for
    /// less, 1,0,0 for equal, 0,0,0 for greater. "Greater" conditions read CF and ZF
    /// directly; "less" ones compare the operands swapped; `eq` and `ne` also need PF.
    fn float_compare(&mut self, cond: FloatCC, a: Value, b: Value, res: Value) -> Result<(), CodegenError> {
        use FloatCC::*;
        let double = self.func.dfg.value_type(a) == types::F64;
        let swap = matches!(cond, LessThan | LessThanOrEqual | UnorderedOrGreaterThan | UnorderedOrGreaterThanOrEqual);
        let (x, y) = if swap { (b, a) } else { (a, b) };
        let (x, y) = (xmm(self.xmm_read(x)?), xmm(self.xmm_read(y)?));
        self.put(Inst::XmmCmp { double, src1: x, src2: RegMem::Reg(y) });
        let cc = match cond {
            Ordered => CC::NP,
            Unordered => CC::P,
            OrderedNotEqual => CC::NZ,
            UnorderedOrEqual => CC::Z,
            GreaterThan | LessThan => CC::NBE,
            GreaterThanOrEqual | LessThanOrEqual => CC::NB,
            UnorderedOrLessThan | UnorderedOrGreaterThan => CC::B,
            UnorderedOrLessThanOrEqual | UnorderedOrGreaterThanOrEqual => CC::BE,
            Equal | NotEqual => {
                // eq: ZF and not PF; ne: not ZF or PF.
                let (first, second, op) =
                    if cond == Equal { (CC::Z, CC::NP, AluOp::And) } else { (CC::NZ, CC::P, AluOp::Or) };
                let r = self.fresh()?;
                let t = self.fresh()?;
                self.put(Inst::Setcc { cc: first, dst: cached(r) });
                self.put(Inst::Setcc { cc: second, dst: cached(t) });
                let src2 = RegMemImm::Reg(cached(t));
                self.put(Inst::AluRmiR {
                    size: OperandSize::S8,
                    op,
                    src1: cached(r),
                    src2,
                    dst: cached(r),
                    trap: None,
                });
                self.define(res, r);
                return Ok(());
            }
        };
        let r = self.fresh()?;
        self.put(Inst::Setcc { cc, dst: cached(r) });
        self.define(res, r);
        Ok(())
    }
}

/// The xmm register of index `r` in `XMM_POOL` (a cache register, or past the cache's
/// registers a pinned one).
pub(super) fn xmm(r: usize) -> crate::machinst::Reg {
    regs::xmm(XMM_POOL[r])
}
