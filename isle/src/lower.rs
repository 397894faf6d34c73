//! Lowering: typed rules to flat match programs over shared, hash-consed bindings.
//!
//! Input: the typed rules of one term. Output: a [`TermProgram`]: one table of
//! [`Binding`]s (values the matcher computes: arguments, extractor results, enum fields,
//! guard calls) shared by all the term's rules, and per rule an ordered list of [`Step`]s
//! (tests and calls) plus the map from its variables to bindings.
//!
//! Sharing is what makes the decision tree work: two rules that run the same extractor on
//! the same argument get the same `BindingId`, so the tree can run it once for both.
//!
//! Invariants: each rule's steps are in dependency order (a step only uses bindings
//! introduced by earlier steps of the same rule, or arguments and constants); steps are not
//! repeated within a rule.

use std::collections::BTreeMap;

use crate::sema::{Env, Extractor, TermId, TypeId};
use crate::typecheck::{Pat, Rule, TExpr, TExprKind, TGuard, VarId};

/// Index of a binding in [`TermProgram::bindings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BindingId(pub u32);

/// A value computed while matching.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Binding {
    /// The n-th argument of the term.
    Arg(u32),
    /// An integer constant of a type.
    Int(i128, TypeId),
    /// A boolean constant.
    Bool(bool),
    /// An extern constant.
    Const(String),
    /// The outputs (a tuple) of an extern extractor run on `input`.
    Extract(TermId, BindingId),
    /// Output `index` of an extractor binding.
    Output(BindingId, u32),
    /// Field `field` of `input` once it is known to be `variant`.
    Field(BindingId, TypeId, u32, u32),
    /// A constructor call in a guard.
    Call(TermId, Vec<BindingId>),
    /// A variant built in a guard.
    Make(TypeId, u32, Vec<BindingId>),
}

/// A test or computation on the way to a rule's right-hand side.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Run an extractor or call (binding `Extract` or `Call`); fails if it is fallible and
    /// does not match.
    Run(BindingId),
    /// The binding is this enum variant (introduces its `Field`s).
    Variant(BindingId, TypeId, u32),
    /// The binding equals an integer constant.
    EqInt(BindingId, i128),
    /// The binding equals a boolean.
    EqBool(BindingId, bool),
    /// The binding equals an extern constant.
    EqConst(BindingId, String),
    /// Two bindings are equal (the smaller id first).
    EqBinding(BindingId, BindingId),
    /// A `bool` guard is true.
    IsTrue(BindingId),
    /// Run a fallible extractor and keep its `Option` result without testing it; only the
    /// decision tree creates this, to share one call among rules it cannot group.
    Eval(BindingId),
    /// The result kept by `Eval` is `Some` (introduces the outputs).
    IsSome(BindingId),
}

/// One rule, lowered.
#[derive(Clone, Debug)]
pub struct LoweredRule {
    /// Index into the compilation's rule list.
    pub rule: usize,
    /// Steps in dependency order.
    pub steps: Vec<Step>,
    /// Binding of each variable bound by patterns or guard `let`s; `None` for right-hand
    /// side `let`s, which are plain Rust locals.
    pub var_bindings: Vec<Option<BindingId>>,
}

/// The match program of one term.
#[derive(Clone, Debug, Default)]
pub struct TermProgram {
    /// All bindings; the first `arity` are the arguments.
    pub bindings: Vec<Binding>,
    /// The type of each binding.
    pub binding_tys: Vec<TypeId>,
    intern: BTreeMap<Binding, BindingId>,
    /// Rules in priority order (highest first), then source order.
    pub rules: Vec<LoweredRule>,
}

impl TermProgram {
    /// The id of `b` if some rule uses it.
    pub fn find(&self, b: &Binding) -> Option<BindingId> {
        self.intern.get(b).copied()
    }

    fn intern(&mut self, b: Binding, ty: TypeId) -> BindingId {
        if let Some(&id) = self.intern.get(&b) {
            return id;
        }
        let id = BindingId(self.bindings.len() as u32);
        self.bindings.push(b.clone());
        self.binding_tys.push(ty);
        self.intern.insert(b, id);
        id
    }

    /// True when the step can fail (as opposed to a call that always succeeds).
    pub fn is_test(&self, env: &Env, step: &Step) -> bool {
        match step {
            Step::Run(b) => self.is_fallible(env, *b),
            Step::Eval(_) => false,
            _ => true,
        }
    }

    /// True when running binding `b` can fail.
    pub fn is_fallible(&self, env: &Env, b: BindingId) -> bool {
        match &self.bindings[b.0 as usize] {
            Binding::Extract(t, _) => {
                !matches!(env.term(*t).extractor, Some(Extractor::Extern { infallible: true, .. }))
            }
            Binding::Call(t, _) => env.term(*t).kind != crate::ast::TermKind::Total,
            _ => false,
        }
    }

    /// True when running binding `b` yields any number of results (a `multi` term), which
    /// the generated code loops over.
    pub fn is_multi(&self, env: &Env, b: BindingId) -> bool {
        match &self.bindings[b.0 as usize] {
            Binding::Extract(t, _) | Binding::Call(t, _) => env.term(*t).kind == crate::ast::TermKind::Multi,
            _ => false,
        }
    }
}

/// Lowers the rules of `term` (indices into `rules`, already in priority order).
pub fn lower_term(env: &Env, term: TermId, rules: &[Rule], order: &[usize]) -> TermProgram {
    let mut prog = TermProgram::default();
    for (i, &ty) in env.term(term).args.iter().enumerate() {
        prog.intern(Binding::Arg(i as u32), ty);
    }
    for &ri in order {
        let rule = &rules[ri];
        let mut l =
            Lowerer { env, prog: &mut prog, steps: Vec::new(), vars: vec![None; rule.vars.len()], var_tys: &rule.vars };
        for (i, p) in rule.args.iter().enumerate() {
            l.pattern(p, BindingId(i as u32));
        }
        for g in &rule.guards {
            match g {
                TGuard::IfLet(p, e) => {
                    let b = l.expr(e);
                    l.pattern(p, b);
                }
                TGuard::If(e) => {
                    let b = l.expr(e);
                    if matches!(
                        env.ty(e.ty).kind,
                        crate::sema::TypeKind::Primitive { prim: crate::sema::Prim::Bool, .. }
                    ) {
                        l.push(Step::IsTrue(b));
                    }
                }
            }
        }
        let Lowerer { steps, vars, .. } = l;
        prog.rules.push(LoweredRule { rule: ri, steps, var_bindings: vars });
    }
    prog
}

struct Lowerer<'a> {
    env: &'a Env,
    prog: &'a mut TermProgram,
    steps: Vec<Step>,
    vars: Vec<Option<BindingId>>,
    var_tys: &'a [(String, TypeId)],
}

impl Lowerer<'_> {
    fn push(&mut self, s: Step) {
        if !self.steps.contains(&s) {
            self.steps.push(s);
        }
    }

    fn var_ty(&self, v: VarId) -> TypeId {
        self.var_tys[v.0 as usize].1
    }

    fn pattern(&mut self, p: &Pat, b: BindingId) {
        match p {
            Pat::Wild => {}
            Pat::Bind(v, inner) => {
                self.vars[v.0 as usize] = Some(b);
                self.pattern(inner, b);
            }
            Pat::EqVar(v) => {
                // Typecheck guarantees the variable was bound earlier in this rule.
                if let Some(a) = self.vars[v.0 as usize]
                    && a != b
                {
                    self.push(Step::EqBinding(a.min(b), a.max(b)));
                }
            }
            Pat::Int(n) => self.push(Step::EqInt(b, *n)),
            Pat::Bool(x) => self.push(Step::EqBool(b, *x)),
            Pat::Const(c) => self.push(Step::EqConst(b, c.clone())),
            Pat::Variant(ty, idx, args) => {
                self.push(Step::Variant(b, *ty, *idx));
                let fields = self.env.variant(*ty, *idx).map(|v| v.fields.clone()).unwrap_or_default();
                for (i, (a, (_, fty))) in args.iter().zip(fields).enumerate() {
                    let fb = self.prog.intern(Binding::Field(b, *ty, *idx, i as u32), fty);
                    self.pattern(a, fb);
                }
            }
            Pat::Extract(term, args) => {
                let info = self.env.term(*term);
                let eb = self.prog.intern(Binding::Extract(*term, b), info.ret);
                self.push(Step::Run(eb));
                for (i, (a, &aty)) in args.iter().zip(&info.args).enumerate() {
                    let ob = self.prog.intern(Binding::Output(eb, i as u32), aty);
                    self.pattern(a, ob);
                }
            }
            Pat::And(ps) => {
                for q in ps {
                    self.pattern(q, b);
                }
            }
        }
    }

    fn expr(&mut self, e: &TExpr) -> BindingId {
        match &e.kind {
            TExprKind::Int(n) => self.prog.intern(Binding::Int(*n, e.ty), e.ty),
            TExprKind::Bool(x) => self.prog.intern(Binding::Bool(*x), e.ty),
            TExprKind::Const(c) => self.prog.intern(Binding::Const(c.clone()), e.ty),
            TExprKind::Var(v) => match self.vars[v.0 as usize] {
                Some(b) => b,
                // Unreachable by the typecheck invariant; a fresh constant keeps us total.
                None => self.prog.intern(Binding::Const(format!("__unbound_{}", v.0)), self.var_ty(*v)),
            },
            TExprKind::Call(term, args) => {
                let args = args.iter().map(|a| self.expr(a)).collect();
                let b = self.prog.intern(Binding::Call(*term, args), e.ty);
                self.push(Step::Run(b));
                b
            }
            TExprKind::Variant(ty, idx, args) => {
                let args = args.iter().map(|a| self.expr(a)).collect();
                self.prog.intern(Binding::Make(*ty, *idx, args), e.ty)
            }
            TExprKind::Let(binds, body) => {
                for (v, value) in binds {
                    let b = self.expr(value);
                    self.vars[v.0 as usize] = Some(b);
                }
                self.expr(body)
            }
        }
    }
}
