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

use crate::error::{Diagnostic, Files};
use crate::lower::{BindingId, Step, TermProgram};
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
pub struct RuleFacts {
    facts: Vec<Vec<(BindingId, Fact)>>,
    tests: Vec<Vec<Step>>,
}

impl RuleFacts {
    /// Summarises every rule of `prog`.
    pub fn new(env: &Env, prog: &TermProgram) -> RuleFacts {
        let mut facts = Vec::new();
        let mut tests = Vec::new();
        for r in &prog.rules {
            let mut f: Vec<(BindingId, Fact)> = r
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::Variant(b, t, i) => Some((*b, Fact::Variant(*t, *i))),
                    Step::EqInt(b, n) => Some((*b, Fact::Int(*n))),
                    Step::EqBool(b, x) => Some((*b, Fact::Bool(*x))),
                    _ => None,
                })
                .collect();
            f.sort();
            f.dedup();
            facts.push(f);
            let mut t: Vec<Step> = r.steps.iter().filter(|s| prog.is_test(env, s)).cloned().collect();
            t.sort();
            t.dedup();
            tests.push(t);
        }
        RuleFacts { facts, tests }
    }

    /// True when no input can match both rules `a` and `b`.
    pub fn disjoint(&self, a: usize, b: usize) -> bool {
        let (fa, fb) = (&self.facts[a], &self.facts[b]);
        let (mut i, mut j) = (0, 0);
        while i < fa.len() && j < fb.len() {
            let ba = &fa[i].0;
            let bb = &fb[j].0;
            if ba < bb {
                i += 1;
            } else if bb < ba {
                j += 1;
            } else {
                // Sorted by (binding, fact): several facts on one binding are compared all
                // against all, which is rare and short.
                let ea = fa[i..].iter().take_while(|f| f.0 == *ba).count();
                let eb = fb[j..].iter().take_while(|f| f.0 == *bb).count();
                for (_, x) in &fa[i..i + ea] {
                    for (_, y) in &fb[j..j + eb] {
                        if x != y {
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
        let tb = &self.tests[b];
        self.tests[a].iter().all(|s| tb.binary_search(s).is_ok())
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
