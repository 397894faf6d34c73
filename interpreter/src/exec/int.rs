//! Integer arithmetic, bit operations, shifts, comparisons and selection (docs/ir.md,
//! "Integer arithmetic" to "Comparisons and selection").
//!
//! Values are bit patterns in a `u128` with the width `n` of the controlling type; every
//! result is masked to `n` bits by `Ctx::result`. Signed readings use `sext`.

use super::{Ctx, Flow, bad_shape, imm_bits};
use crate::error::{Ex, Halt, invalid};
use crate::value::{mask, sext};
use lathe_codegen::ir::{Inst, InstructionData as D, IntCC, Opcode, TrapCode, Type};

fn smin_of(n: u32) -> i128 {
    sext(1u128 << (n - 1), n)
}

fn smax_of(n: u32) -> i128 {
    (mask(n) >> 1) as i128
}

fn sign(x: u128, n: u32) -> bool {
    (x >> (n - 1)) & 1 != 0
}

/// High 128 bits of the 256-bit product of two `u128`.
pub(crate) fn mulhi_u128(a: u128, b: u128) -> u128 {
    const M: u128 = u64::MAX as u128;
    let (a0, a1) = (a & M, a >> 64);
    let (b0, b1) = (b & M, b >> 64);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & M) + (p10 & M);
    p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64)
}

fn umulhi(n: u32, x: u128, y: u128) -> u128 {
    if n == 128 { mulhi_u128(x, y) } else { (x * y) >> n }
}

fn smulhi(n: u32, x: u128, y: u128) -> u128 {
    if n == 128 {
        // The signed high half is the unsigned one minus the corrections for negative
        // operands (each negative operand read unsigned is too big by 2^128).
        let mut hi = mulhi_u128(x, y);
        if (x as i128) < 0 {
            hi = hi.wrapping_sub(y);
        }
        if (y as i128) < 0 {
            hi = hi.wrapping_sub(x);
        }
        hi
    } else {
        ((sext(x, n) * sext(y, n)) >> n) as u128
    }
}

/// `x + y + c` at width `n`, and whether the exact unsigned sum is `>= 2^n`.
fn add_carry(n: u32, x: u128, y: u128, c: bool) -> (u128, bool) {
    let (t, c1) = x.overflowing_add(y);
    let (r, c2) = t.overflowing_add(c as u128);
    if n == 128 { (r, c1 || c2) } else { (r & mask(n), r >> n != 0) }
}

/// `x - y - b` at width `n`, and whether the exact unsigned difference is negative.
fn sub_borrow(n: u32, x: u128, y: u128, b: bool) -> (u128, bool) {
    let r = x.wrapping_sub(y).wrapping_sub(b as u128) & mask(n);
    (r, if b { x <= y } else { x < y })
}

/// The two results of the overflow-reporting opcodes.
fn overflow(op: Opcode, n: u32, x: u128, y: u128, c: bool) -> (u128, bool) {
    use Opcode::*;
    match op {
        UaddOverflow | UaddOverflowCin => add_carry(n, x, y, c),
        SaddOverflow | SaddOverflowCin => {
            let (r, _) = add_carry(n, x, y, c);
            (r, sign(x, n) == sign(y, n) && sign(r, n) != sign(x, n))
        }
        UsubOverflow | UsubOverflowBin => sub_borrow(n, x, y, c),
        SsubOverflow | SsubOverflowBin => {
            let (r, _) = sub_borrow(n, x, y, c);
            (r, sign(x, n) != sign(y, n) && sign(r, n) != sign(x, n))
        }
        UmulOverflow => {
            let r = x.wrapping_mul(y) & mask(n);
            let of = if n == 128 { x.checked_mul(y).is_none() } else { (x * y) >> n != 0 };
            (r, of)
        }
        // SmulOverflow
        _ => {
            let r = x.wrapping_mul(y) & mask(n);
            let (sx, sy) = (sext(x, n), sext(y, n));
            let of = match sx.checked_mul(sy) {
                Some(p) => p < smin_of(n) || p > smax_of(n),
                None => true,
            };
            (r, of)
        }
    }
}

/// The two-operand integer and bit opcodes (and their `_imm` forms, with the immediate
/// as `y`).
fn binary(op: Opcode, n: u32, x: u128, y: u128) -> Ex<u128> {
    use Opcode::*;
    let m = mask(n);
    let (sx, sy) = (sext(x, n), sext(y, n));
    let amount = (y & u128::from(n - 1)) as u32;
    Ok(match op {
        Iadd | IaddImm => x.wrapping_add(y),
        Isub => x.wrapping_sub(y),
        IrsubImm => y.wrapping_sub(x),
        Imul | ImulImm => x.wrapping_mul(y),
        Umulhi => umulhi(n, x, y),
        Smulhi => smulhi(n, x, y),
        Udiv | UdivImm | Urem | UremImm if y == 0 => return Err(Halt::Trap(TrapCode::IntegerDivisionByZero)),
        Sdiv | SdivImm | Srem | SremImm if y == 0 => return Err(Halt::Trap(TrapCode::IntegerDivisionByZero)),
        Udiv | UdivImm => x / y,
        Urem | UremImm => x % y,
        Sdiv | SdivImm if sx == smin_of(n) && sy == -1 => return Err(Halt::Trap(TrapCode::IntegerOverflow)),
        Sdiv | SdivImm => sx.wrapping_div(sy) as u128,
        Srem | SremImm => sx.wrapping_rem(sy) as u128,
        Smin => sx.min(sy) as u128,
        Smax => sx.max(sy) as u128,
        Umin => x.min(y),
        Umax => x.max(y),
        UaddSat => match add_carry(n, x, y, false) {
            (_, true) => m,
            (r, false) => r,
        },
        UsubSat => x.saturating_sub(y),
        SaddSat => sx.saturating_add(sy).clamp(smin_of(n), smax_of(n)) as u128,
        SsubSat => sx.saturating_sub(sy).clamp(smin_of(n), smax_of(n)) as u128,
        AvgRound => (x >> 1) + (y >> 1) + ((x | y) & 1),
        Band | BandImm => x & y,
        Bor | BorImm => x | y,
        Bxor | BxorImm => x ^ y,
        BandNot => x & !y,
        BorNot => x | !y,
        BxorNot => x ^ !y,
        Ishl | IshlImm => x << amount,
        Ushr | UshrImm => x >> amount,
        Sshr | SshrImm => (sx >> amount) as u128,
        Rotl | RotlImm if amount == 0 => x,
        Rotr | RotrImm if amount == 0 => x,
        Rotl | RotlImm => (x << amount) | (x >> (n - amount)),
        Rotr | RotrImm => (x >> amount) | (x << (n - amount)),
        _ => return bad_shape(op),
    } & m)
}

fn unary(op: Opcode, n: u32, x: u128) -> Ex<u128> {
    use Opcode::*;
    let clz = |v: u128| u128::from(v.leading_zeros() - (128 - n));
    Ok(match op {
        Ineg => x.wrapping_neg(),
        Iabs => sext(x, n).unsigned_abs(),
        Bnot => !x,
        Bitrev => x.reverse_bits() >> (128 - n),
        Clz => clz(x),
        Cls => {
            let s = sext(x, n);
            let v = (if s < 0 { !s } else { s }) as u128 & mask(n);
            clz(v) - 1
        }
        Ctz => {
            if x == 0 {
                u128::from(n)
            } else {
                u128::from(x.trailing_zeros())
            }
        }
        Bswap => {
            if n == 8 {
                x
            } else {
                x.swap_bytes() >> (128 - n)
            }
        }
        Popcnt => u128::from(x.count_ones()),
        Bmask => {
            if x != 0 {
                u128::MAX
            } else {
                0
            }
        }
        _ => return bad_shape(op),
    } & mask(n))
}

fn compare(cond: IntCC, n: u32, x: u128, y: u128) -> bool {
    let (sx, sy) = (sext(x, n), sext(y, n));
    match cond {
        IntCC::Equal => x == y,
        IntCC::NotEqual => x != y,
        IntCC::SignedLessThan => sx < sy,
        IntCC::SignedGreaterThanOrEqual => sx >= sy,
        IntCC::SignedGreaterThan => sx > sy,
        IntCC::SignedLessThanOrEqual => sx <= sy,
        IntCC::UnsignedLessThan => x < y,
        IntCC::UnsignedGreaterThanOrEqual => x >= y,
        IntCC::UnsignedGreaterThan => x > y,
        IntCC::UnsignedLessThanOrEqual => x <= y,
    }
}

fn is_overflow_op(op: Opcode) -> bool {
    use Opcode::*;
    matches!(
        op,
        UaddOverflow
            | SaddOverflow
            | UsubOverflow
            | SsubOverflow
            | UmulOverflow
            | SmulOverflow
            | UaddOverflowCin
            | SaddOverflowCin
            | UsubOverflowBin
            | SsubOverflowBin
    )
}

/// Executes an integer, bit, shift, comparison or selection instruction.
pub(super) fn exec(ctx: &mut Ctx<'_, '_>, inst: Inst, data: &D, op: Opcode, ctrl: Type) -> Ex<Flow> {
    let n = ctrl.bits();
    if n == 0 {
        return invalid(format!("`{op}` without a controlling type"));
    }
    match *data {
        D::UnaryImm { imm, .. } => ctx.result1(inst, imm_bits(imm.bits(), n)),
        D::Unary { arg, .. } => {
            let x = ctx.arg(arg)?;
            // `bmask` reads an operand of any width; its result width is `n`.
            let r = unary(op, n, x.bits)?;
            ctx.result1(inst, r)
        }
        D::Binary { args: [a, b], .. } => {
            let (x, y) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits);
            if is_overflow_op(op) {
                let (r, f) = overflow(op, n, x, y, false);
                ctx.result(inst, 0, r)?;
                ctx.result(inst, 1, f as u128)?;
                Ok(Flow::Next)
            } else {
                ctx.result1(inst, binary(op, n, x, y)?)
            }
        }
        D::BinaryImm64 { arg, imm, .. } => {
            let x = ctx.arg(arg)?.bits;
            ctx.result1(inst, binary(op, n, x, imm_bits(imm.bits(), n))?)
        }
        D::Ternary { args: [a, b, c], .. } => match op {
            Opcode::Select | Opcode::SelectSpectreGuard => {
                let chosen = if ctx.arg(a)?.bits != 0 { b } else { c };
                let v = ctx.arg(chosen)?;
                ctx.result1(inst, v.bits)
            }
            Opcode::Bitselect => {
                let (c, x, y) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits, ctx.arg(c)?.bits);
                ctx.result1(inst, (c & x) | (!c & y))
            }
            _ if is_overflow_op(op) => {
                let (x, y, cin) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits, ctx.arg(c)?.bits != 0);
                let (r, f) = overflow(op, n, x, y, cin);
                ctx.result(inst, 0, r)?;
                ctx.result(inst, 1, f as u128)?;
                Ok(Flow::Next)
            }
            _ => bad_shape(op),
        },
        D::IntCompare { cond, args: [a, b], .. } => {
            let (x, y) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits);
            ctx.result1(inst, compare(cond, n, x, y) as u128)
        }
        D::IntCompareImm { cond, arg, imm, .. } => {
            let x = ctx.arg(arg)?.bits;
            ctx.result1(inst, compare(cond, n, x, imm_bits(imm.bits(), n)) as u128)
        }
        D::IntAddTrap { args: [a, b], code, .. } => {
            let (x, y) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits);
            match add_carry(n, x, y, false) {
                (_, true) => Err(Halt::Trap(code)),
                (r, false) => ctx.result1(inst, r),
            }
        }
        _ => bad_shape(op),
    }
}
