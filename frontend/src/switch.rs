//! [`Switch`]: a multi-way branch on an integer value, lowered to `br_table` for dense
//! runs of cases and to a balanced tree of compares for sparse ones.
//!
//! Input: a set of (case value, target block) entries and, at `emit`, the value to switch
//! on and a default block. Output: IR in the builder's current block plus new blocks it
//! creates, seals and fills; the current block ends filled. Target blocks receive no
//! branch arguments (pass data through variables) and are sealed by the caller, as any
//! other block.
//!
//! Lowering:
//! 1. The sorted cases are split greedily into clusters. A run of at least
//!    [`MIN_TABLE_CASES`] cases whose span is at most twice its case count (and at most
//!    [`MAX_TABLE_LEN`] entries) becomes a jump-table cluster; other cases stay single.
//! 2. Clusters are searched by a balanced binary tree of unsigned `value < pivot` compares;
//!    up to [`LINEAR_LIMIT`] clusters at a leaf are tested one after the other.
//! 3. A single case is an `icmp_imm eq` and a `brif`. A jump table subtracts its first
//!    case, and because `br_table` takes an `i32` index, narrower types are zero-extended
//!    (the table's default catches every value outside it) while wider types (`i64`,
//!    `i128`) are first range-checked, then reduced.
//!
//! Case values are unsigned bit patterns of the switched type (a case for `-1` on `i8` is
//! 255). Every integer type works, `i128` included; constants that do not fit a sign-
//! extended 64-bit immediate are built with `iconcat`.

use crate::FunctionBuilder;
use lathe_codegen::ir::{Block, BlockCall, InstBuilder, IntCC, JumpTableData, Type, Value, types};
use std::collections::BTreeMap;

/// Fewest cases in a run for it to become a jump table.
pub const MIN_TABLE_CASES: usize = 4;
/// Most entries in one jump table.
pub const MAX_TABLE_LEN: u128 = 1 << 16;
/// Most clusters tested in a row at a leaf of the compare tree.
pub const LINEAR_LIMIT: usize = 3;

/// A multi-way branch under construction: `set_entry` the cases, then `emit`.
///
/// ```
/// use lathe_codegen::ir::{AbiParam, Function, InstBuilder, Signature, types::I32};
/// use lathe_frontend::{FunctionBuilder, FunctionBuilderContext, Switch};
///
/// let mut sig = Signature::default();
/// sig.params.push(AbiParam::new(I32));
/// sig.returns.push(AbiParam::new(I32));
/// let mut func = Function::new_test("classify", sig);
/// let mut ctx = FunctionBuilderContext::new();
/// let mut b = FunctionBuilder::new(&mut func, &mut ctx);
/// let entry = b.create_block();
/// let (small, big, other) = (b.create_block(), b.create_block(), b.create_block());
/// b.append_block_params_for_function_params(entry);
/// b.switch_to_block(entry);
/// b.seal_block(entry);
/// let x = b.block_params(entry)[0];
/// let mut switch = Switch::new();
/// for i in 0..8 {
///     switch.set_entry(i, small); // dense: a jump table
/// }
/// switch.set_entry(1000, big); // sparse: a compare
/// switch.emit(&mut b, x, other);
/// for (block, result) in [(small, 1), (big, 2), (other, 0)] {
///     b.switch_to_block(block);
///     b.seal_block(block);
///     let r = b.ins().iconst(I32, result);
///     b.ins().return_(&[r]);
/// }
/// b.finish().unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct Switch {
    cases: BTreeMap<u128, Block>,
}

/// A group of cases handled together.
#[derive(Clone, Debug)]
enum Cluster {
    Single(u128, Block),
    /// Cases `first .. first + table.len()`; `None` entries go to the default.
    Table {
        first: u128,
        table: Vec<Option<Block>>,
    },
}

impl Cluster {
    fn low(&self) -> u128 {
        match *self {
            Cluster::Single(k, _) | Cluster::Table { first: k, .. } => k,
        }
    }
}

impl Switch {
    /// A switch without cases.
    pub fn new() -> Self {
        Self::default()
    }

    /// Branch to `block` when the value is `index`.
    ///
    /// # Panics
    ///
    /// If `index` already has an entry (two targets for one case is a front-end bug).
    pub fn set_entry(&mut self, index: u128, block: Block) {
        let old = self.cases.insert(index, block);
        assert!(old.is_none(), "switch case {index} was set twice");
    }

    /// The cases, in increasing order.
    pub fn entries(&self) -> &BTreeMap<u128, Block> {
        &self.cases
    }

    /// Emits the branch on `val` (any integer type) in the builder's current block; values
    /// without an entry go to `default`. The current block ends filled.
    ///
    /// # Panics
    ///
    /// If `val` is not a scalar integer, if a case does not fit in its type, or if the
    /// builder has no current block.
    pub fn emit(self, fb: &mut FunctionBuilder<'_>, val: Value, default: Block) {
        let ty = fb.func.dfg.value_type(val);
        assert!(ty.is_int_scalar(), "a switch needs a scalar integer value, not {ty}");
        let max = if ty.bits() == 128 { u128::MAX } else { (1u128 << ty.bits()) - 1 };
        if let Some((&k, _)) = self.cases.iter().next_back() {
            assert!(k <= max, "switch case {k} does not fit in {ty}");
        }
        let clusters = self.clusters();
        if clusters.is_empty() {
            fb.ins().jump(default, &[]);
            return;
        }
        let start = fb.current_block().expect("no current block: switch_to_block before emitting a switch");
        // Each job: emit the search over clusters[lo..hi] into a block that is current.
        let mut jobs = vec![(start, 0, clusters.len())];
        while let Some((block, lo, hi)) = jobs.pop() {
            fb.switch_to_block(block);
            if hi - lo <= LINEAR_LIMIT {
                let n = hi - lo;
                for (i, cluster) in clusters[lo..hi].iter().enumerate() {
                    let last = i + 1 == n;
                    let next = if last { default } else { fb.create_block() };
                    emit_cluster(fb, val, ty, cluster, next);
                    if !last {
                        fb.switch_to_block(next);
                        fb.seal_block(next);
                    }
                }
            } else {
                let mid = lo + (hi - lo) / 2;
                let (left, right) = (fb.create_block(), fb.create_block());
                let below = icmp_const(fb, IntCC::UnsignedLessThan, val, ty, clusters[mid].low());
                fb.ins().brif(below, left, &[], right, &[]);
                fb.seal_block(left);
                fb.seal_block(right);
                jobs.push((right, mid, hi));
                jobs.push((left, lo, mid));
            }
        }
    }

    /// Splits the sorted cases into clusters (see the module docs).
    fn clusters(&self) -> Vec<Cluster> {
        let mut out = Vec::new();
        let mut run: Vec<(u128, Block)> = Vec::new();
        for (&k, &b) in &self.cases {
            if let Some(&(first, _)) = run.first() {
                let span_minus_one = k - first;
                let count = run.len() as u128 + 1;
                if span_minus_one < MAX_TABLE_LEN && span_minus_one < 2 * count {
                    run.push((k, b));
                    continue;
                }
                flush_run(&mut run, &mut out);
            }
            run.push((k, b));
        }
        flush_run(&mut run, &mut out);
        out
    }
}

/// Turns a run of cases into one table cluster or into single clusters.
fn flush_run(run: &mut Vec<(u128, Block)>, out: &mut Vec<Cluster>) {
    if run.len() >= MIN_TABLE_CASES {
        let first = run[0].0;
        let len = (run[run.len() - 1].0 - first + 1) as usize;
        let mut table = vec![None; len];
        for &(k, b) in run.iter() {
            table[(k - first) as usize] = Some(b);
        }
        out.push(Cluster::Table { first, table });
    } else {
        out.extend(run.iter().map(|&(k, b)| Cluster::Single(k, b)));
    }
    run.clear();
}

/// Emits the test of one cluster in the current block: to its targets on a match, to
/// `otherwise` if not. Leaves the current block filled.
fn emit_cluster(fb: &mut FunctionBuilder<'_>, val: Value, ty: Type, cluster: &Cluster, otherwise: Block) {
    match cluster {
        Cluster::Single(k, target) => {
            let eq = icmp_const(fb, IntCC::Equal, val, ty, *k);
            fb.ins().brif(eq, *target, &[], otherwise, &[]);
        }
        Cluster::Table { first, table } => {
            let idx = if *first == 0 {
                val
            } else if ty == types::I128 {
                let base = const_value(fb, ty, *first);
                fb.ins().isub(val, base)
            } else {
                // The low bits of the negated base are what `iadd_imm` adds: val - first,
                // wrapping in the type.
                fb.ins().iadd_imm(val, (*first as u64).wrapping_neg() as i64)
            };
            let idx32 = if ty.bits() < 32 {
                fb.ins().uextend(types::I32, idx)
            } else if ty.bits() == 32 {
                idx
            } else {
                // `br_table` takes an i32 index: reject what does not fit before narrowing.
                let in_range = fb.create_block();
                let out = icmp_const(fb, IntCC::UnsignedGreaterThanOrEqual, idx, ty, table.len() as u128);
                fb.ins().brif(out, otherwise, &[], in_range, &[]);
                fb.switch_to_block(in_range);
                fb.seal_block(in_range);
                fb.ins().ireduce(types::I32, idx)
            };
            let pool = &mut fb.func.dfg.value_lists;
            let default_call = BlockCall::new(otherwise, &[], pool);
            let calls: Vec<BlockCall> =
                table.iter().map(|t| BlockCall::new(t.unwrap_or(otherwise), &[], pool)).collect();
            let jt = fb.create_jump_table(JumpTableData::new(default_call, &calls));
            fb.ins().br_table(idx32, jt);
        }
    }
}

/// `k` as the 64-bit immediate whose low `ty.bits()` bits are `k`, sign-extended (the
/// canonical form of an immediate for a narrow type).
fn imm_for(ty: Type, k: u128) -> i64 {
    let shift = 64 - ty.bits().min(64);
    (((k as u64) << shift) as i64) >> shift
}

/// Whether the i128 `k` is a sign-extended 64-bit immediate.
fn fits_imm128(k: u128) -> bool {
    (k as i128) >= i64::MIN as i128 && (k as i128) <= i64::MAX as i128
}

/// `val cond k` as an `i8` flag.
fn icmp_const(fb: &mut FunctionBuilder<'_>, cond: IntCC, val: Value, ty: Type, k: u128) -> Value {
    if ty != types::I128 || fits_imm128(k) {
        let imm = if ty == types::I128 { k as i64 } else { imm_for(ty, k) };
        fb.ins().icmp_imm(cond, val, imm)
    } else {
        let c = const_value(fb, ty, k);
        fb.ins().icmp(cond, val, c)
    }
}

/// The constant `k` of integer type `ty`.
fn const_value(fb: &mut FunctionBuilder<'_>, ty: Type, k: u128) -> Value {
    if ty == types::I128 {
        let lo = fb.ins().iconst(types::I64, k as u64 as i64);
        let hi = fb.ins().iconst(types::I64, (k >> 64) as u64 as i64);
        fb.ins().iconcat(lo, hi)
    } else {
        fb.ins().iconst(ty, imm_for(ty, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(n: u32) -> Vec<Block> {
        (0..n).map(Block::from_u32).collect()
    }

    #[test]
    fn dense_runs_become_tables_and_sparse_cases_stay_single() {
        let b = blocks(3);
        let mut s = Switch::new();
        for i in 10..20 {
            s.set_entry(i, b[0]);
        }
        s.set_entry(22, b[1]); // within twice the density of the run: joins it
        s.set_entry(1000, b[2]);
        s.set_entry(5000, b[2]);
        let c = s.clusters();
        assert_eq!(c.len(), 3);
        match &c[0] {
            Cluster::Table { first, table } => {
                assert_eq!(*first, 10);
                assert_eq!(table.len(), 13);
                assert_eq!(table[11], None);
                assert_eq!(table[12], Some(b[1]));
            }
            other => panic!("expected a table, got {other:?}"),
        }
        assert!(matches!(c[1], Cluster::Single(1000, _)));
        assert!(matches!(c[2], Cluster::Single(5000, _)));
    }

    #[test]
    fn short_runs_are_not_tables() {
        let b = blocks(1);
        let mut s = Switch::new();
        for i in 0..MIN_TABLE_CASES as u128 - 1 {
            s.set_entry(i, b[0]);
        }
        assert!(s.clusters().iter().all(|c| matches!(c, Cluster::Single(..))));
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let b = blocks(1);
        let mut s = Switch::new();
        s.set_entry(0, b[0]);
        s.set_entry(u128::MAX, b[0]);
        s.set_entry(u128::MAX - 1, b[0]);
        assert_eq!(s.clusters().len(), 3);
    }

    #[test]
    fn immediates_are_sign_extended_from_the_type() {
        assert_eq!(imm_for(types::I8, 255), -1);
        assert_eq!(imm_for(types::I8, 127), 127);
        assert_eq!(imm_for(types::I64, u64::MAX as u128), -1);
        assert_eq!(imm_for(types::I32, 0x8000_0000), i32::MIN as i64);
        assert!(fits_imm128(u128::MAX));
        assert!(!fits_imm128(1 << 64));
    }

    #[test]
    #[should_panic(expected = "set twice")]
    fn duplicate_cases_panic() {
        let b = blocks(1);
        let mut s = Switch::new();
        s.set_entry(3, b[0]);
        s.set_entry(3, b[0]);
    }
}
