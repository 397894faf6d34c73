//! Decision trees: the matching order of one term's rules.
//!
//! Input: a [`TermProgram`] (rules in priority order, each a list of steps over shared
//! bindings) and [`RuleFacts`]. Output: a [`Node`] list in which each step appears once per
//! path, so a test or extractor shared by several rules runs once for all of them.
//!
//! Construction: take the first remaining step of the first rule; gather every later rule
//! that contains the same step and may be tried before the rules it jumps over (it is
//! disjoint from them); those form the step's subtree, the others continue after it. Rules
//! keep their relative order inside each group, so the first rule (by priority, then source
//! order) that matches is the one that fires.
//!
//! Invariants: the first remaining step of the first rule is always ready, because each
//! rule's steps are in dependency order and every step removed from it lies on the current
//! path. Extractor calls are pure: an infallible one wraps the whole remaining block, and a
//! fallible one that grouping cannot share is split into `Eval` (call once, keep the
//! `Option`) and per-rule `IsSome` tests. A guard's constructor call is only hoisted out of a rule when it is that rule's next
//! step, so calls never run before the tests written ahead of them.

use crate::lower::{Binding, Step, TermProgram};
use crate::overlap::RuleFacts;
use crate::sema::Env;

/// A node of the decision tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Perform the step; on success run the children in order; on failure (or if the
    /// children all fail) continue with the next sibling.
    Step(Step, Vec<Node>),
    /// The rule (index into `TermProgram::rules`) fires.
    Leaf(usize),
}

/// A term's decision tree.
#[derive(Clone, Debug)]
pub struct Tree {
    /// Top-level nodes, tried in order.
    pub nodes: Vec<Node>,
    /// Rules that ended up behind an unconditional leaf: `(rule, winner)`, both indices into
    /// `TermProgram::rules`.
    pub unreachable: Vec<(usize, usize)>,
}

struct Cand {
    idx: usize,
    remaining: Vec<Step>,
}

/// Builds the decision tree of `prog`.
pub fn build(env: &Env, prog: &TermProgram, facts: &RuleFacts, multi: bool) -> Tree {
    let cands = prog.rules.iter().enumerate().map(|(idx, r)| Cand { idx, remaining: r.steps.clone() }).collect();
    let mut b = Builder { env, multi, prog, facts, unreachable: Vec::new() };
    let nodes = b.block(cands);
    Tree { nodes, unreachable: b.unreachable }
}

/// Removes `step` from a candidate's remaining steps.
fn without(mut r: Cand, step: &Step) -> Cand {
    r.remaining.retain(|s| s != step);
    r
}

struct Builder<'a> {
    env: &'a Env,
    /// The term is `multi`: leaves do not end their block.
    multi: bool,
    prog: &'a TermProgram,
    facts: &'a RuleFacts,
    unreachable: Vec<(usize, usize)>,
}

impl Builder<'_> {
    /// True when every rule containing `step` may join the first rule's group, i.e. grouping
    /// alone already runs the step once for this block.
    fn groups_whole(&self, rules: &[Cand], step: &Step) -> bool {
        let mut skipped: Vec<usize> = Vec::new();
        for (k, r) in rules.iter().enumerate() {
            if r.remaining.contains(step) {
                if k > 0 && !skipped.iter().all(|&q| self.facts.disjoint(q, r.idx)) {
                    return false;
                }
            } else {
                skipped.push(r.idx);
            }
        }
        true
    }

    fn block(&mut self, mut rules: Vec<Cand>) -> Vec<Node> {
        let mut out = Vec::new();
        while let Some(first) = rules.first() {
            let Some(step) = first.remaining.first().cloned() else {
                let winner = first.idx;
                out.push(Node::Leaf(winner));
                if self.multi {
                    // Every matching rule of a multi term contributes; keep going.
                    rules.remove(0);
                    continue;
                }
                self.unreachable.extend(rules[1..].iter().map(|r| (r.idx, winner)));
                break;
            };
            let run_of = |b: &crate::lower::BindingId| self.prog.bindings.get(b.0 as usize);
            // Calls keep their place in their rule; loops over multi results cannot be
            // evaluated once and re-tested, so they are grouped like calls.
            let is_call = matches!(&step, Step::Run(b)
                if matches!(run_of(b), Some(Binding::Call(..))) || self.prog.is_multi(self.env, *b));
            if let Step::Run(b) = &step
                && matches!(run_of(b), Some(Binding::Extract(..)))
                && !self.prog.is_multi(self.env, *b)
            {
                // Extractors are pure, so running one early for the whole block is
                // safe, and it keeps every rule that needs it from running it again.
                let b = *b;
                if !self.prog.is_fallible(self.env, b) {
                    let all = rules.into_iter().map(|r| without(r, &step)).collect();
                    out.push(Node::Step(step, self.block(all)));
                    break;
                }
                if !self.groups_whole(&rules, &step) {
                    let test = Step::IsSome(b);
                    let all = rules
                        .into_iter()
                        .map(|mut r| {
                            for s in &mut r.remaining {
                                if *s == step {
                                    *s = test.clone();
                                }
                            }
                            r
                        })
                        .collect();
                    out.push(Node::Step(Step::Eval(b), self.block(all)));
                    break;
                }
            }
            let mut group: Vec<Cand> = Vec::new();
            let mut rest: Vec<Cand> = Vec::new();
            for (k, mut r) in rules.into_iter().enumerate() {
                let pos = r.remaining.iter().position(|s| *s == step);
                let movable = match pos {
                    None => None,
                    Some(p) if k == 0 => Some(p),
                    Some(p) => {
                        let order_ok = !is_call || p == 0;
                        (order_ok && rest.iter().all(|q| self.facts.disjoint(q.idx, r.idx))).then_some(p)
                    }
                };
                match movable {
                    Some(p) => {
                        r.remaining.remove(p);
                        group.push(r);
                    }
                    None => rest.push(r),
                }
            }
            let children = self.block(group);
            out.push(Node::Step(step, children));
            rules = rest;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::analyze;

    const PRELUDE: &str = "
        (type u32 (primitive u32))
        (type E (enum (A (x u32)) (B (x u32))))
        (decl ext (E) u32)
        (extern extractor ext ext)
        (decl small (u32) u32)
        (extern extractor small small)
    ";

    fn tree_of(src: &str) -> Vec<Node> {
        let a = analyze(&format!("{PRELUDE}{src}"));
        a.terms.into_iter().next().expect("one term with rules").2.nodes
    }

    #[test]
    fn shared_extractor_runs_once_at_the_root() {
        let nodes = tree_of(
            "(decl f (u32) u32)
             (rule 2 (f (ext (E.A 0))) 0)
             (rule 1 (f (ext (E.A (small y)))) y)
             (rule (f (ext (E.B y))) y)",
        );
        assert_eq!(nodes.len(), 1, "{nodes:?}");
        assert!(matches!(&nodes[0], Node::Step(Step::Run(_), kids) if kids.len() == 2), "{nodes:?}");
    }

    #[test]
    fn rules_that_cannot_be_grouped_share_one_extractor_call() {
        // Rule order forces the equality test between the two extractor rules, so the
        // extractor is evaluated once (`Eval`) and re-tested (`IsSome`).
        let nodes = tree_of(
            "(decl g (u32 u32) u32)
             (rule 3 (g (small a) 1) a)
             (rule 2 (g x x) x)
             (rule 1 (g (small a) _) a)
             (rule (g _ _) 0)",
        );
        let Node::Step(Step::Eval(_), kids) = &nodes[0] else {
            panic!("expected Eval at the root: {nodes:?}");
        };
        let is_some = kids.iter().filter(|k| matches!(k, Node::Step(Step::IsSome(_), _))).count();
        assert_eq!(is_some, 2, "{kids:?}");
        assert!(matches!(kids.last(), Some(Node::Leaf(_))));
    }

    #[test]
    fn priority_order_is_kept_across_groups() {
        let nodes = tree_of(
            "(decl h (E) u32)
             (rule 2 (h (E.A 1)) 1)
             (rule 1 (h (E.B 2)) 2)
             (rule 0 (h (E.A x)) x)
             (rule -1 (h _) 9)",
        );
        // (E.A 1) and (E.A x) group under one variant test; (E.B 2) is disjoint from them, so
        // the grouping is allowed; the catch-all comes last.
        assert_eq!(nodes.len(), 3, "{nodes:?}");
        assert!(matches!(nodes[2], Node::Leaf(_)));
    }
}
