//! End-to-end: `tests/isle_examples/toy.isle` compiled to Rust (checked in under
//! `tests/generated/`, kept current by `tests/generated.rs`), then compiled by rustc as part
//! of this test and run against a hand-written `Context`.
//!
//! To refresh the checked-in code after a compiler change: `ISLE_BLESS=1 cargo test -p
//! lathe-isle --test generated` (that test does not include the generated code, so it
//! builds even when the checked-in code is stale).

/// Rust types the ISLE program names.
mod ir {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Value(pub usize);

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Op {
        Add,
        Sub,
        Mul,
    }

    pub const BIG: i64 = 1 << 40;
}

mod toy {
    use super::ir::*;
    include!("generated/toy.rs");
}

mod toy_cov {
    use super::ir::*;
    include!("generated/toy_coverage.rs");
}

use ir::{Op, Value};
use toy::{Inst, MInst};

/// A function body: `insts[i]` defines `Value(i)`; values past the end are arguments.
#[derive(Default)]
struct Body {
    insts: Vec<Inst>,
    /// How many times `inst_of` ran, to check extractors are not re-run.
    inst_of_calls: usize,
}

impl Body {
    fn push(&mut self, i: Inst) -> Value {
        self.insts.push(i);
        Value(self.insts.len() - 1)
    }
}

macro_rules! impl_context {
    ($trait:path, $inst:ty) => {
        impl $trait for Body2<$inst> {
            fn inst_of(&mut self, arg0: Value) -> Option<$inst> {
                self.calls += 1;
                self.insts.get(arg0.0).cloned()
            }
            fn small_imm(&mut self, arg0: i64) -> Option<i64> {
                (-2048..2048).contains(&arg0).then_some(arg0)
            }
            fn log2_of(&mut self, arg0: i64) -> Option<u64> {
                (arg0 > 0 && (arg0 & (arg0 - 1)) == 0).then(|| arg0.trailing_zeros() as u64)
            }
            fn value_index(&mut self, arg0: Value) -> u64 {
                arg0.0 as u64
            }
            fn rule_enter(&mut self, rule: u32) -> u32 {
                self.entered.push(rule);
                std::mem::replace(&mut self.current, rule)
            }
            fn rule_exit(&mut self, saved: u32) {
                self.current = saved;
            }
            fn add64(&mut self, arg0: i64, arg1: i64) -> i64 {
                self.add64_rules.push(self.current);
                arg0.wrapping_add(arg1)
            }
            fn mul64(&mut self, arg0: i64, arg1: i64) -> i64 {
                arg0.wrapping_mul(arg1)
            }
            fn neg64(&mut self, arg0: i64) -> i64 {
                arg0.wrapping_neg()
            }
            fn is_even(&mut self, arg0: i64) -> bool {
                arg0 % 2 == 0
            }
            fn to_i64(&mut self, arg0: u64) -> i64 {
                arg0 as i64
            }
            fn operands_of(&mut self, arg0: Value) -> Vec<Value> {
                self.operands.get(arg0.0).cloned().unwrap_or_default()
            }
            fn divisors(&mut self, arg0: i64) -> Vec<i64> {
                (2..=arg0).filter(|d| arg0 % d == 0).collect()
            }
        }
    };
}

/// The context, generic over which generated module's `Inst` it holds.
struct Body2<I> {
    insts: Vec<I>,
    /// `operands[i]`: the operands of `insts[i]`, for the multi extractor.
    operands: Vec<Vec<Value>>,
    calls: usize,
    /// Provenance: the rule whose right-hand side runs (`NO_RULE` outside any), every rule
    /// entered in order, and the current rule at each `add64` call.
    current: u32,
    entered: Vec<u32>,
    add64_rules: Vec<u32>,
}

const NO_RULE: u32 = u32::MAX;

impl_context!(toy::Context, toy::Inst);
impl_context!(toy_cov::Context, toy_cov::Inst);

impl Body {
    fn ctx(&self) -> Body2<Inst> {
        let operands = self
            .insts
            .iter()
            .map(|i| match i {
                Inst::Binary { a, b, .. } => vec![*a, *b],
                Inst::Neg { a } => vec![*a],
                Inst::Const { .. } => vec![],
            })
            .collect();
        Body2 { insts: self.insts.clone(), operands, calls: 0, current: NO_RULE, entered: vec![], add64_rules: vec![] }
    }

    fn lower(&mut self, v: Value) -> MInst {
        let mut c = self.ctx();
        let r = toy::constructor_lower(&mut c, v);
        self.inst_of_calls = c.calls;
        r
    }

    fn fold(&self, v: Value) -> Option<i64> {
        toy::constructor_fold(&mut self.ctx(), v)
    }
}

fn binary(op: Op, a: Value, b: Value) -> Inst {
    Inst::Binary { op, a, b }
}

const ARG: Value = Value(1000);
const ARG2: Value = Value(1001);

#[test]
fn priorities_pick_the_most_specific_add() {
    let mut f = Body::default();
    let zero = f.push(Inst::Const { v: 0 });
    let five = f.push(Inst::Const { v: 5 });
    let huge = f.push(Inst::Const { v: 1 << 20 });
    let add0 = f.push(binary(Op::Add, ARG, zero));
    let add5 = f.push(binary(Op::Add, ARG, five));
    let addh = f.push(binary(Op::Add, ARG, huge));
    let same = f.push(binary(Op::Add, ARG, ARG));
    let plain = f.push(binary(Op::Add, ARG, ARG2));
    assert_eq!(f.lower(add0), MInst::Nop { a: ARG });
    assert_eq!(f.lower(add5), MInst::AddRI { a: ARG, imm: 5 });
    // The small-immediate extractor fails, so the rule falls through to the register form.
    assert_eq!(f.lower(addh), MInst::AddRR { a: ARG, b: huge });
    // Equality constraint: both operands are the same value.
    assert_eq!(f.lower(same), MInst::Double { a: ARG });
    assert_eq!(f.lower(plain), MInst::AddRR { a: ARG, b: ARG2 });
    assert_eq!(f.lower(five), MInst::Imm { v: 5 });
}

#[test]
fn extractors_run_once_per_input_even_when_rules_fall_through() {
    let mut f = Body::default();
    let huge = f.push(Inst::Const { v: 1 << 20 });
    let addh = f.push(binary(Op::Add, ARG, huge));
    assert_eq!(f.lower(addh), MInst::AddRR { a: ARG, b: huge });
    // One call for the instruction, one for its second operand, although three rules
    // (add_zero, add_imm, add) look at them.
    assert_eq!(f.inst_of_calls, 2);
}

#[test]
fn converters_and_fallthrough_to_the_catch_all() {
    let mut f = Body::default();
    let eight = f.push(Inst::Const { v: 8 });
    let seven = f.push(Inst::Const { v: 7 });
    let mul8 = f.push(binary(Op::Mul, ARG, eight));
    let mul7 = f.push(binary(Op::Mul, ARG, seven));
    let sub = f.push(binary(Op::Sub, ARG, ARG2));
    let neg = f.push(Inst::Neg { a: ARG });
    assert_eq!(f.lower(mul8), MInst::Lsl { a: ARG, sh: 3 });
    assert_eq!(f.lower(mul7), MInst::Other);
    assert_eq!(f.lower(sub), MInst::Other);
    assert_eq!(f.lower(neg), MInst::Neg { a: ARG });
    assert_eq!(f.lower(ARG), MInst::Other);
}

#[test]
fn partial_terms_and_if_let_guards() {
    let mut f = Body::default();
    let two = f.push(Inst::Const { v: 2 });
    let three = f.push(Inst::Const { v: 3 });
    let sum = f.push(binary(Op::Add, two, three));
    let neg = f.push(Inst::Neg { a: sum });
    let with_arg = f.push(binary(Op::Add, two, ARG));
    assert_eq!(f.fold(sum), Some(5));
    assert_eq!(f.fold(neg), Some(-5));
    assert_eq!(f.fold(with_arg), None);
    assert_eq!(f.fold(ARG), None);
    let mut c = f.ctx();
    assert_eq!(toy::constructor_even_const(&mut c, two), Some(2));
    assert_eq!(toy::constructor_even_const(&mut c, three), None);
    assert_eq!(toy::constructor_even_const(&mut c, sum), None);
    assert_eq!(toy::constructor_foldable(&mut c, neg), Some(true));
    assert_eq!(toy::constructor_foldable(&mut c, with_arg), None);
}

#[test]
fn constants_lets_bools_and_infallible_extractors() {
    let f = Body::default();
    let mut c = f.ctx();
    assert_eq!(toy::constructor_scale(&mut c, ir::BIG, 0), ir::BIG);
    assert_eq!(toy::constructor_scale(&mut c, 9, 0), 0);
    assert_eq!(toy::constructor_scale(&mut c, 9, 1), 9);
    assert_eq!(toy::constructor_scale(&mut c, 9, 3), 27);
    assert_eq!(toy::constructor_pick(&mut c, true, 1, 2), 1);
    assert_eq!(toy::constructor_pick(&mut c, false, 1, 2), 2);
    assert_eq!(toy::constructor_muladd(&mut c, 3, 4, 5), 17, "nested constructor calls");
    assert_eq!(toy::constructor_index_of(&mut c, Value(42)), 42);
    assert_eq!(toy::constructor_consts(&mut c, 7), 70);
    assert_eq!(toy::constructor_consts(&mut c, 3), 3);
}

#[test]
fn multi_terms_collect_every_match_in_priority_order() {
    let mut f = Body::default();
    let five = f.push(Inst::Const { v: 5 });
    let add = f.push(binary(Op::Add, ARG, ARG2));
    let mut c = f.ctx();
    assert_eq!(
        toy::constructor_candidates(&mut c, add),
        vec![MInst::Other, MInst::Nop { a: ARG }, MInst::Nop { a: ARG2 }]
    );
    assert_eq!(toy::constructor_candidates(&mut c, five), vec![MInst::Other, MInst::Imm { v: 5 }]);
    // The guard loops over 2, 4, 3, ... until a rule succeeds.
    assert_eq!(toy::constructor_first_odd_divisor(&mut c, 12), Some(3));
    assert_eq!(toy::constructor_first_odd_divisor(&mut c, 16), None);
}

#[test]
fn coverage_counts_rule_firings() {
    let mut c = Body2::<toy_cov::Inst> {
        insts: vec![toy_cov::Inst::Const { v: 4 }, toy_cov::Inst::Binary { op: Op::Add, a: ARG, b: Value(0) }],
        operands: vec![],
        calls: 0,
        current: NO_RULE,
        entered: vec![],
        add64_rules: vec![],
    };
    toy_cov::constructor_lower(&mut c, Value(1));
    toy_cov::constructor_lower(&mut c, Value(1));
    toy_cov::constructor_lower(&mut c, Value(0));
    let hits = toy_cov::rule_hits();
    let report = lathe_isle::coverage::report(toy_cov::RULES, &hits);
    let count = |label: &str| report.rules.iter().find(|r| r.label == label).map(|r| r.hits);
    assert_eq!(count("add_imm"), Some(2));
    assert_eq!(count("imm"), Some(1));
    assert_eq!(count("add"), Some(0));
    assert_eq!(report.fired_count(), 2);
    assert!(report.never_fired().iter().any(|r| r.label == "neg"));
    assert_eq!(toy_cov::RULES.len(), report.rules.len());
}

#[test]
fn provenance_names_the_running_rule_and_restores_the_caller() {
    let rule = |label: &str| toy::RULES.iter().position(|r| r.0 == label).expect("the rule") as u32;
    let mut c = Body::default().ctx();
    assert_eq!(toy::constructor_scaled_sum(&mut c, 5), 25);
    // `scaled_sum` is entered first, then the two `scale` rules its right-hand side calls;
    // `add64` runs under `scaled_sum` again, and afterwards no rule is current.
    assert_eq!(c.entered.first(), Some(&rule("scaled_sum")));
    assert_eq!(c.entered.len(), 3, "{:?}", c.entered);
    assert!(c.entered[1..].iter().all(|&r| toy::RULES[r as usize].1 == "scale"), "{:?}", c.entered);
    assert_eq!(c.add64_rules.last(), Some(&rule("scaled_sum")));
    assert_eq!(c.current, NO_RULE);
    // Rules that fire in guards (fold's recursion) also leave the caller's rule current.
    let mut b = Body::default();
    let two = b.push(Inst::Const { v: 2 });
    let three = b.push(Inst::Const { v: 3 });
    let sum = b.push(binary(Op::Add, two, three));
    let mut c = b.ctx();
    assert_eq!(toy::constructor_fold(&mut c, sum), Some(5));
    assert_eq!(c.entered.len(), 3, "{:?}", c.entered);
    assert_eq!(c.add64_rules.len(), 1);
    assert_eq!(toy::RULES[c.add64_rules[0] as usize].1, "fold");
    assert_eq!(c.current, NO_RULE);
}
