//! Byte-permutation idioms: recognising a byte swap written as shifts, masks and ors.
//!
//! Wasm has no byte-swap instruction, so a C `__builtin_bswap32` (or a hand-written
//! big-endian load) reaches Lathe as a tree of `ishl`/`ushr`/`band`/`bor` over one value.
//! [`bswap_source`] walks such a tree from its root `bor` and works out, for each byte of
//! the result, which byte of a single source value it holds (or that it is zero); if the
//! bytes are exactly the source's in reverse order, the tree is `bswap source`, and the
//! `bor_bswap` rule of simplify.isle replaces it. The walk visits at most [`BUDGET`]
//! instructions, so trying it on every `bor` of a large function stays linear.

use crate::ir::{DataFlowGraph, InstructionData, Opcode, Value, ValueDef};

/// The most instructions one walk looks at.
const BUDGET: u32 = 48;

/// A byte of the result that is known to be zero.
const ZERO: u8 = u8::MAX;

/// Where each byte of a value comes from: `ZERO` or the index of a byte of the source.
type Bytes = [u8; 8];

struct Walk<'a> {
    dfg: &'a DataFlowGraph,
    /// The value's width in bytes (2, 4 or 8).
    width: usize,
    /// The one value every leaf must be.
    source: Option<Value>,
    budget: u32,
}

/// If `root` (a `bor` of an `i16`, `i32` or `i64`) computes `bswap x` for some value `x`,
/// returns `x`.
pub fn bswap_source(dfg: &DataFlowGraph, root: Value) -> Option<Value> {
    let width = match dfg.value_type(root).bits() {
        16 => 2,
        32 => 4,
        64 => 8,
        _ => return None,
    };
    let mut walk = Walk { dfg, width, source: None, budget: BUDGET };
    let bytes = walk.bytes_of(root, true)?;
    (0..width).all(|i| usize::from(bytes[i]) == width - 1 - i).then_some(walk.source?)
}

impl Walk<'_> {
    /// Where the bytes of `v` come from; `None` if `v` mixes sources or bytes.
    /// `root` forces the first value to be looked into rather than taken as the source.
    fn bytes_of(&mut self, v: Value, root: bool) -> Option<Bytes> {
        let v = self.dfg.resolve_aliases(v);
        if self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        let interior = match self.dfg.value_def(v) {
            ValueDef::Result(inst, 0) => self.interior(&self.dfg.insts[inst]),
            _ => None,
        };
        match interior {
            Some(step) => self.step(step),
            None if root => None,
            None => self.leaf(v),
        }
    }

    /// The source itself: byte `i` is byte `i`.
    fn leaf(&mut self, v: Value) -> Option<Bytes> {
        if *self.source.get_or_insert(v) != v {
            return None;
        }
        let mut b = [ZERO; 8];
        for (i, byte) in b.iter_mut().enumerate().take(self.width) {
            *byte = i as u8;
        }
        Some(b)
    }

    /// Recognises the operations that move or clear whole bytes.
    fn interior(&self, data: &InstructionData) -> Option<Step> {
        let bits = self.width as i64 * 8;
        let amount = |k: i64| {
            let k = k.rem_euclid(bits);
            (k % 8 == 0).then_some((k / 8) as usize)
        };
        match *data {
            InstructionData::Binary { opcode: Opcode::Bor, args } => Some(Step::Or(args[0], args[1])),
            InstructionData::Binary { opcode, args } => {
                let (mut x, mut k) = (args[0], self.constant(args[1]));
                if opcode == Opcode::Band && k.is_none() {
                    (x, k) = (args[1], self.constant(args[0]));
                }
                Self::shaped(opcode, x, k?, amount)
            }
            InstructionData::BinaryImm64 { opcode, arg, imm } => {
                let opcode = match opcode {
                    Opcode::BandImm => Opcode::Band,
                    Opcode::IshlImm => Opcode::Ishl,
                    Opcode::UshrImm => Opcode::Ushr,
                    Opcode::RotlImm => Opcode::Rotl,
                    Opcode::RotrImm => Opcode::Rotr,
                    _ => return None,
                };
                Self::shaped(opcode, arg, imm.bits(), amount)
            }
            _ => None,
        }
    }

    fn shaped(opcode: Opcode, x: Value, k: i64, amount: impl Fn(i64) -> Option<usize>) -> Option<Step> {
        Some(match opcode {
            Opcode::Band => Step::Mask(x, k as u64),
            Opcode::Ishl => Step::Shl(x, amount(k)?),
            Opcode::Ushr => Step::Shr(x, amount(k)?),
            Opcode::Rotl => Step::Rotl(x, amount(k)?),
            Opcode::Rotr => Step::Rotr(x, amount(k)?),
            _ => return None,
        })
    }

    fn constant(&self, v: Value) -> Option<i64> {
        let ValueDef::Result(inst, 0) = self.dfg.value_def(self.dfg.resolve_aliases(v)) else { return None };
        match self.dfg.insts[inst] {
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => Some(imm.bits()),
            _ => None,
        }
    }

    fn step(&mut self, step: Step) -> Option<Bytes> {
        let n = self.width;
        let mut out = [ZERO; 8];
        match step {
            Step::Or(a, b) => {
                let (a, b) = (self.bytes_of(a, false)?, self.bytes_of(b, false)?);
                for i in 0..n {
                    out[i] = match (a[i], b[i]) {
                        (ZERO, y) => y,
                        (x, ZERO) => x,
                        _ => return None,
                    };
                }
            }
            Step::Mask(x, mask) => {
                let a = self.bytes_of(x, false)?;
                for i in 0..n {
                    out[i] = match (mask >> (8 * i)) & 0xff {
                        0 => ZERO,
                        0xff => a[i],
                        _ => return None,
                    };
                }
            }
            Step::Shl(x, s) => {
                let a = self.bytes_of(x, false)?;
                out[s..n].copy_from_slice(&a[..n - s]);
            }
            Step::Shr(x, s) => {
                let a = self.bytes_of(x, false)?;
                out[..n - s].copy_from_slice(&a[s..n]);
            }
            Step::Rotl(x, s) | Step::Rotr(x, s) => {
                let a = self.bytes_of(x, false)?;
                let s = if matches!(step, Step::Rotl(..)) { s } else { n - s };
                for i in 0..n {
                    out[(i + s) % n] = a[i];
                }
            }
        }
        Some(out)
    }
}

/// One byte-moving operation and its operand; shift and rotate amounts are in bytes.
#[derive(Clone, Copy)]
enum Step {
    Or(Value, Value),
    Mask(Value, u64),
    Shl(Value, usize),
    Shr(Value, usize),
    Rotl(Value, usize),
    Rotr(Value, usize),
}
