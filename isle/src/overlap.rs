//! Overlap and shadowing checks over lowered rules.
//!
//! Input: one term's [`TermProgram`] and the typed rules. Output: diagnostics for
//! (1) two rules of the same priority that can both match some input (the language requires
//! distinct priorities to say which one wins), and (2) rules that can never fire because a
//! higher-priority rule matches everything they match.
//!
//! The analysis is syntactic over the shared bindings: two rules are *disjoint* only when
//! they test one binding against different enum variants or different integer/boolean
//! constants. Extractors and guards are opaque, so rules told apart only by them count as
//! overlapping. A rule is *shadowed* when an earlier rule's tests are a subset of its tests.

use std::collections::BTreeMap;

use crate::error::{Diagnostic, Files};
use crate::lower::{Step, TermProgram};
use crate::sema::{Env, TypeId};
use crate::typecheck::Rule;

/// A fact a rule requires of a binding, used to prove two rules disjoint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    Variant(TypeId, u32),
    Int(i128),
    Bool(bool),
}

/// Per-rule summaries for fast pairwise questions, indexed like `TermProgram::rules`.
///
/// Steps and facts are interned to small integers, and each rule carries 64-bit signatures
/// (one bit per interned id, modulo 64) so most pairs are decided without walking lists:
/// the checks are quadratic in the number of rules of a term, which reach the thousands.
pub struct RuleFacts {
    /// Sorted `(binding, fact id)`.
    facts: Vec<Vec<(u32, u32)>>,
    /// Bit `binding % 64` for each binding with a fact.
    fact_sigs: Vec<u64>,
    /// Sorted ids of the steps that can fail.
    tests: Vec<Vec<u32>>,
    /// Bit `id % 64` for each test.
    test_sigs: Vec<u64>,
}

impl RuleFacts {
    /// Summarises every rule of `prog`.
    pub fn new(env: &Env, prog: &TermProgram) -> RuleFacts {
        let mut step_ids: BTreeMap<&Step, u32> = BTreeMap::new();
        let mut fact_ids: BTreeMap<Fact, u32> = BTreeMap::new();
        let mut out = RuleFacts { facts: Vec::new(), fact_sigs: Vec::new(), tests: Vec::new(), test_sigs: Vec::new() };
        for r in &prog.rules {
            let mut f: Vec<(u32, u32)> = Vec::new();
            for s in &r.steps {
                let (b, fact) = match s {
                    Step::Variant(b, t, i) => (b, Fact::Variant(*t, *i)),
                    Step::EqInt(b, n) => (b, Fact::Int(*n)),
                    Step::EqBool(b, x) => (b, Fact::Bool(*x)),
                    _ => continue,
                };
                let next = fact_ids.len() as u32;
                let id = *fact_ids.entry(fact).or_insert(next);
                f.push((b.0, id));
            }
            f.sort_unstable();
            f.dedup();
            out.fact_sigs.push(f.iter().fold(0, |acc, (b, _)| acc | 1u64 << (b % 64)));
            out.facts.push(f);
            let mut t: Vec<u32> = Vec::new();
            for s in r.steps.iter().filter(|s| prog.is_test(env, s)) {
                let next = step_ids.len() as u32;
                t.push(*step_ids.entry(s).or_insert(next));
            }
            t.sort_unstable();
            t.dedup();
            out.test_sigs.push(t.iter().fold(0, |acc, id| acc | 1u64 << (id % 64)));
            out.tests.push(t);
        }
        out
    }

    /// True when no input can match both rules `a` and `b`.
    pub fn disjoint(&self, a: usize, b: usize) -> bool {
        if self.fact_sigs[a] & self.fact_sigs[b] == 0 {
            return false;
        }
        let (fa, fb) = (&self.facts[a], &self.facts[b]);
        let (mut i, mut j) = (0, 0);
        while i < fa.len() && j < fb.len() {
            let (ba, bb) = (fa[i].0, fb[j].0);
            if ba < bb {
                i += 1;
            } else if bb < ba {
                j += 1;
            } else {
                // Several facts on one binding are compared all against all; that is rare
                // and short.
                let ea = fa[i..].iter().take_while(|f| f.0 == ba).count();
                let eb = fb[j..].iter().take_while(|f| f.0 == bb).count();
                for x in &fa[i..i + ea] {
                    for y in &fb[j..j + eb] {
                        if x.1 != y.1 {
                            return true;
                        }
                    }
                }
                i += ea;
                j += eb;
            }
        }
        false
    }

    /// True when every test of rule `a` is also a test of rule `b` (so `a` matches whenever
    /// `b` does).
    pub fn subsumes(&self, a: usize, b: usize) -> bool {
        if self.test_sigs[a] & !self.test_sigs[b] != 0 {
            return false;
        }
        let (ta, tb) = (&self.tests[a], &self.tests[b]);
        let mut j = 0;
        for x in ta {
            while j < tb.len() && tb[j] < *x {
                j += 1;
            }
            if j == tb.len() || tb[j] != *x {
                return false;
            }
        }
        true
    }
}

/// Reports overlapping same-priority rules and shadowed rules of one term.
pub fn check(
    env: &Env,
    files: &Files,
    prog: &TermProgram,
    facts: &RuleFacts,
    rules: &[Rule],
    errs: &mut Vec<Diagnostic>,
) {
    let n = prog.rules.len();
    for j in 0..n {
        let rj = &rules[prog.rules[j].rule];
        for i in 0..j {
            let ri = &rules[prog.rules[i].rule];
            if ri.prio == rj.prio {
                if !facts.disjoint(i, j) {
                    errs.push(
                        Diagnostic::new(
                            rj.span,
                            format!(
                                "rules overlap: this rule and the rule at {} (both priority {}) can match the same input of `{}`",
                                files.location(ri.span),
                                ri.prio,
                                env.term(rj.term).name
                            ),
                        )
                        .with_note(ri.span, "the other rule")
                        .with_help("give the rule that should win a higher priority, e.g. `(rule 1 ...)`"),
                    );
                }
            } else if facts.subsumes(i, j) {
                errs.push(
                    Diagnostic::new(
                        rj.span,
                        format!(
                            "rule can never fire: the higher-priority rule at {} matches every input it matches",
                            files.location(ri.span)
                        ),
                    )
                    .with_note(ri.span, "the rule that always wins"),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_util::{compile, errors};

    const PRELUDE: &str = "
        (type u32 (primitive u32))
        (type E (enum (A (x u32)) (B (x u32))))
        (decl ext (u32) E)
        (extern extractor ext ext)
        (decl other (u32) E)
        (extern extractor other other)
        (decl partial mk (u32) E)
        (extern constructor mk mk)
        (decl f (E) u32)
    ";

    fn check(rules: &str) -> Result<String, String> {
        compile(&format!("{PRELUDE}{rules}"))
    }

    #[test]
    fn different_variants_or_constants_are_disjoint() {
        assert!(check("(rule (f (E.A x)) x) (rule (f (E.B x)) x)").is_ok());
        assert!(check("(rule (f (E.A 1)) 1) (rule (f (E.A 2)) 2)").is_ok());
    }

    #[test]
    fn same_priority_overlap_is_an_error_naming_both_rules() {
        let e = errors(&format!("{PRELUDE}(rule (f (E.A 1)) 1) (rule (f (E.A x)) x)"));
        assert!(e.contains("rules overlap"), "{e}");
        assert!(e.contains("the rule at t.isle:11:5") && e.contains("the other rule"), "{e}");
        // Extractors are opaque: these may both match.
        assert!(check("(rule (f (ext 1)) 1) (rule (f (other 1)) 2)").is_err());
    }

    #[test]
    fn distinct_priorities_allow_overlap() {
        assert!(check("(rule 1 (f (E.A 1)) 1) (rule (f (E.A x)) x)").is_ok());
    }

    #[test]
    fn shadowed_rules_are_reported() {
        let e = errors(&format!("{PRELUDE}(rule 1 (f (E.A x)) x) (rule (f (E.A 3)) 3)"));
        assert!(e.contains("rule can never fire"), "{e}");
        // An equality constraint is a test, so a rule with it shadows nothing.
        assert!(check("(decl g (u32 u32) u32) (rule 1 (g x x) x) (rule (g x y) y)").is_ok());
        // A guard makes the higher-priority rule fallible, so the lower one can still fire.
        assert!(check("(rule 1 (f (E.A x)) (if-let (E.A _) (mk x)) x) (rule (f (E.A 3)) 3)").is_ok());
    }
}
