//! Rule checking: resolves and types every rule against the [`Env`].
//!
//! Input: the parsed rules and the environment from `sema`. Output: typed [`Rule`]s whose
//! patterns and expressions refer to types, terms and rule-local variables by id, with
//! internal extractors already expanded, or diagnostics (at most one per rule, so a single
//! mistake does not cascade).
//!
//! Invariants of the output: every variable is bound before it is used (pattern variables
//! left to right, then guards in order, then `let`s); a pattern's type always equals the type
//! expected at its position; partial terms are called only inside guards.

use crate::ast::{self, ExprKind, Guard, Ident, PatternKind, TermKind};
use crate::error::{Diagnostic, Span};
use crate::sema::{Env, Extractor, Prim, TermId, TypeId, TypeKind};

/// How deep internal extractors may expand into each other (stops recursive templates).
pub const MAX_EXPANSION_DEPTH: usize = 16;
/// How many pattern and expression nodes one rule may have after expansion.
pub const MAX_RULE_NODES: usize = 5_000;

/// Index of a variable in [`Rule::vars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VarId(pub u32);

/// A typed pattern.
#[derive(Clone, Debug)]
pub enum Pat {
    /// Matches anything.
    Wild,
    /// Binds the value to a new variable, then matches the inner pattern.
    Bind(VarId, Box<Pat>),
    /// Matches a value equal to an already bound variable.
    EqVar(VarId),
    /// Matches an integer constant.
    Int(i128),
    /// Matches a boolean constant.
    Bool(bool),
    /// Matches an extern constant `$Name`.
    Const(String),
    /// Matches an enum variant and its fields.
    Variant(TypeId, u32, Vec<Pat>),
    /// Runs an extern extractor and matches its outputs.
    Extract(TermId, Vec<Pat>),
    /// Matches all sub-patterns.
    And(Vec<Pat>),
}

/// A typed expression.
#[derive(Clone, Debug)]
pub struct TExpr {
    /// What it is.
    pub kind: TExprKind,
    /// Its type.
    pub ty: TypeId,
}

/// Typed expression forms.
#[derive(Clone, Debug)]
pub enum TExprKind {
    /// Integer constant.
    Int(i128),
    /// Boolean constant.
    Bool(bool),
    /// Extern constant `$Name`.
    Const(String),
    /// A variable.
    Var(VarId),
    /// A constructor call (internal or extern).
    Call(TermId, Vec<TExpr>),
    /// Enum variant construction.
    Variant(TypeId, u32, Vec<TExpr>),
    /// `let` bindings then a body.
    Let(Vec<(VarId, TExpr)>, Box<TExpr>),
}

/// A typed guard.
#[derive(Clone, Debug)]
pub enum TGuard {
    /// `(if-let pat expr)`
    IfLet(Pat, TExpr),
    /// `(if expr)`: passes when `expr` succeeds and, if it is a `bool`, is true.
    If(TExpr),
}

/// A fully typed rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Index in source order across all files; the coverage id.
    pub index: usize,
    /// The term it defines.
    pub term: TermId,
    /// Its optional name.
    pub name: Option<String>,
    /// Priority (higher first).
    pub prio: i64,
    /// The rule's whole span.
    pub span: Span,
    /// One pattern per term argument.
    pub args: Vec<Pat>,
    /// Guards in order.
    pub guards: Vec<TGuard>,
    /// The result.
    pub rhs: TExpr,
    /// Variables: name and type.
    pub vars: Vec<(String, TypeId)>,
}

/// Checks every rule; rules with errors are dropped and their diagnostics returned.
pub fn check_rules(env: &Env, rules: &[&ast::Rule], errs: &mut Vec<Diagnostic>) -> Vec<Rule> {
    let mut out = Vec::new();
    let mut names: std::collections::BTreeMap<&str, Span> = Default::default();
    for (index, r) in rules.iter().enumerate() {
        if let Some(n) = &r.name
            && let Some(prev) = names.insert(&n.name, n.span)
        {
            errs.push(
                Diagnostic::new(n.span, format!("rule name `{}` is used twice", n.name))
                    .with_note(prev, "first used here"),
            );
        }
        let mut cx = RuleCx { env, vars: Vec::new(), visible: Vec::new(), nodes: 0 };
        match cx.rule(index, r) {
            Ok(rule) => out.push(rule),
            Err(e) => errs.push(e),
        }
    }
    out
}

/// Checks the templates of internal extractors on their own, so mistakes are reported at
/// the definition rather than at each use.
pub fn check_templates(env: &Env, errs: &mut Vec<Diagnostic>) {
    for term in &env.terms {
        let Some(Extractor::Internal { params, template }) = &term.extractor else {
            continue;
        };
        let mut cx = RuleCx { env, vars: Vec::new(), visible: Vec::new(), nodes: 0 };
        for (p, &ty) in params.iter().zip(&term.args) {
            let v = VarId(cx.vars.len() as u32);
            cx.vars.push((p.name.clone(), ty));
            cx.visible.push((p.name.clone(), v));
        }
        let mode = Mode::TemplateDef;
        if let Err(e) = cx.pattern(template, term.ret, mode, None, 0) {
            errs.push(e);
        }
    }
}

/// How pattern symbols are interpreted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// In a rule: unknown symbols bind new variables.
    Rule,
    /// Checking a template definition: only parameters may appear.
    TemplateDef,
}

/// Parameter substitution while expanding an internal extractor.
struct Subst<'a> {
    params: &'a [Ident],
    args: &'a [ast::Pattern],
    tys: &'a [TypeId],
    /// The substitution the arguments themselves live under (for nested templates).
    outer: Option<&'a Subst<'a>>,
    outer_mode: Mode,
}

struct RuleCx<'e> {
    env: &'e Env,
    vars: Vec<(String, TypeId)>,
    /// Names in scope, innermost last.
    visible: Vec<(String, VarId)>,
    nodes: usize,
}

impl<'e> RuleCx<'e> {
    fn rule(&mut self, index: usize, r: &ast::Rule) -> Result<Rule, Diagnostic> {
        let PatternKind::Apply(head, args) = &r.lhs.kind else {
            return Err(Diagnostic::new(r.lhs.span, "the left-hand side must be `(Term pat ...)`"));
        };
        let Some(&term) = self.env.term_by_name.get(&head.name) else {
            return Err(Diagnostic::new(head.span, format!("unknown term `{}`", head.name)));
        };
        let info = self.env.term(term);
        if args.len() != info.args.len() {
            return Err(arity(head, info.args.len(), args.len()));
        }
        let mut pats = Vec::new();
        for (a, &ty) in args.iter().zip(&info.args) {
            pats.push(self.pattern(a, ty, Mode::Rule, None, 0)?);
        }
        let mut guards = Vec::new();
        for g in &r.guards {
            guards.push(match g {
                Guard::IfLet(p, e, _) => {
                    let e = self.expr(e, None, true)?;
                    let p = self.pattern(p, e.ty, Mode::Rule, None, 0)?;
                    TGuard::IfLet(p, e)
                }
                Guard::If(e, _) => TGuard::If(self.expr(e, None, true)?),
            });
        }
        let rhs = self.expr(&r.rhs, Some(info.ret), false)?;
        Ok(Rule {
            index,
            term,
            name: r.name.as_ref().map(|n| n.name.clone()),
            prio: r.prio,
            span: r.span,
            args: pats,
            guards,
            rhs,
            vars: std::mem::take(&mut self.vars),
        })
    }

    fn count(&mut self, span: Span) -> Result<(), Diagnostic> {
        self.nodes += 1;
        if self.nodes > MAX_RULE_NODES {
            return Err(Diagnostic::new(
                span,
                format!("rule is too large (more than {MAX_RULE_NODES} nodes after extractor expansion)"),
            ));
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Option<VarId> {
        self.visible.iter().rev().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    fn new_var(&mut self, name: &Ident, ty: TypeId) -> Result<VarId, Diagnostic> {
        if name.name.contains('.') || crate::parser::KEYWORDS.contains(&name.name.as_str()) {
            return Err(Diagnostic::new(name.span, format!("`{}` cannot name a variable", name.name)));
        }
        if self.env.term_by_name.contains_key(&name.name) {
            return Err(Diagnostic::new(
                name.span,
                format!("`{}` is a term; write `({})` to use it, or pick another variable name", name.name, name.name),
            ));
        }
        let v = VarId(self.vars.len() as u32);
        self.vars.push((name.name.clone(), ty));
        self.visible.push((name.name.clone(), v));
        Ok(v)
    }

    fn mismatch(&self, span: Span, expected: TypeId, found: TypeId) -> Diagnostic {
        Diagnostic::new(
            span,
            format!("type mismatch: expected `{}`, found `{}`", self.env.ty_name(expected), self.env.ty_name(found)),
        )
    }

    fn pattern(
        &mut self,
        p: &ast::Pattern,
        ty: TypeId,
        mode: Mode,
        subst: Option<&Subst<'_>>,
        depth: usize,
    ) -> Result<Pat, Diagnostic> {
        self.count(p.span)?;
        let env = self.env;
        match &p.kind {
            PatternKind::Wildcard => Ok(Pat::Wild),
            PatternKind::Int(v) => {
                self.check_int(p.span, *v, ty)?;
                Ok(Pat::Int(*v))
            }
            PatternKind::Bool(b) => {
                if !matches!(env.ty(ty).kind, TypeKind::Primitive { prim: Prim::Bool, .. }) {
                    return Err(Diagnostic::new(p.span, format!("expected a `{}`, found a boolean", env.ty_name(ty))));
                }
                Ok(Pat::Bool(*b))
            }
            PatternKind::Const(name) => {
                let cty = self.const_ty(name)?;
                if cty != ty {
                    return Err(self.mismatch(p.span, ty, cty));
                }
                Ok(Pat::Const(name.name.clone()))
            }
            PatternKind::Symbol(name) => {
                if let Some(s) = subst
                    && let Some(i) = s.params.iter().position(|q| q.name == name.name)
                {
                    let (Some(arg), Some(&pty)) = (s.args.get(i), s.tys.get(i)) else {
                        return Err(Diagnostic::new(name.span, "extractor parameter out of range"));
                    };
                    if pty != ty {
                        return Err(self.mismatch(name.span, ty, pty));
                    }
                    return self.pattern(arg, ty, s.outer_mode, s.outer, depth);
                }
                if let Some((vty, idx)) = env.lookup_variant(&name.name, name.span)? {
                    return self.variant_pattern(p.span, name, vty, idx, &[], ty, mode, subst, depth);
                }
                if let Some(v) = self.lookup(&name.name) {
                    let vty = self.vars[v.0 as usize].1;
                    if vty != ty {
                        return Err(self.mismatch(name.span, ty, vty));
                    }
                    return Ok(Pat::EqVar(v));
                }
                if subst.is_some() || mode == Mode::TemplateDef {
                    return Err(Diagnostic::new(
                        name.span,
                        format!("unknown name `{}` in extractor template (only its parameters may appear)", name.name),
                    ));
                }
                let v = self.new_var(name, ty)?;
                Ok(Pat::Bind(v, Box::new(Pat::Wild)))
            }
            PatternKind::Bind(name, inner) => {
                if subst.is_some() || mode == Mode::TemplateDef {
                    return Err(Diagnostic::new(name.span, "`@` cannot be used in extractor templates"));
                }
                if self.lookup(&name.name).is_some() {
                    return Err(Diagnostic::new(
                        name.span,
                        format!("variable `{}` is already bound; `@` needs a fresh name", name.name),
                    ));
                }
                let v = self.new_var(name, ty)?;
                let inner = self.pattern(inner, ty, mode, subst, depth)?;
                Ok(Pat::Bind(v, Box::new(inner)))
            }
            PatternKind::And(ps) => {
                let mut out = Vec::new();
                for q in ps {
                    out.push(self.pattern(q, ty, mode, subst, depth)?);
                }
                Ok(Pat::And(out))
            }
            PatternKind::Apply(head, args) => {
                if let Some((vty, idx)) = env.lookup_variant(&head.name, head.span)? {
                    return self.variant_pattern(p.span, head, vty, idx, args, ty, mode, subst, depth);
                }
                let Some(&term) = env.term_by_name.get(&head.name) else {
                    return Err(Diagnostic::new(head.span, format!("unknown term `{}`", head.name)));
                };
                let info = env.term(term);
                if info.ret != ty {
                    return Err(self.mismatch(head.span, ty, info.ret));
                }
                if args.len() != info.args.len() {
                    return Err(arity(head, info.args.len(), args.len()));
                }
                match &info.extractor {
                    None => Err(Diagnostic::new(
                        head.span,
                        format!("term `{}` has no extractor, so it cannot be used in a pattern", head.name),
                    )),
                    Some(Extractor::Extern { .. }) => {
                        let mut out = Vec::new();
                        for (a, &aty) in args.iter().zip(&info.args) {
                            out.push(self.pattern(a, aty, mode, subst, depth)?);
                        }
                        Ok(Pat::Extract(term, out))
                    }
                    Some(Extractor::Internal { params, template }) => {
                        if depth >= MAX_EXPANSION_DEPTH {
                            return Err(Diagnostic::new(
                                head.span,
                                format!(
                                    "extractor `{}` expands more than {MAX_EXPANSION_DEPTH} levels deep (is it recursive?)",
                                    head.name
                                ),
                            ));
                        }
                        let s = Subst { params, args, tys: &info.args, outer: subst, outer_mode: mode };
                        self.pattern(template, ty, Mode::TemplateDef, Some(&s), depth + 1)
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn variant_pattern(
        &mut self,
        span: Span,
        name: &Ident,
        vty: TypeId,
        idx: u32,
        args: &[ast::Pattern],
        ty: TypeId,
        mode: Mode,
        subst: Option<&Subst<'_>>,
        depth: usize,
    ) -> Result<Pat, Diagnostic> {
        if vty != ty {
            return Err(self.mismatch(span, ty, vty));
        }
        let env = self.env;
        let fields = env.variant(vty, idx).map(|v| v.fields.as_slice()).unwrap_or(&[]);
        if fields.len() != args.len() {
            return Err(arity(name, fields.len(), args.len()));
        }
        let mut out = Vec::new();
        for (a, (_, fty)) in args.iter().zip(fields) {
            out.push(self.pattern(a, *fty, mode, subst, depth)?);
        }
        Ok(Pat::Variant(vty, idx, out))
    }

    fn const_ty(&self, name: &Ident) -> Result<TypeId, Diagnostic> {
        self.env
            .consts
            .get(&name.name)
            .copied()
            .ok_or_else(|| Diagnostic::new(name.span, format!("unknown constant `${}`", name.name)))
    }

    fn check_int(&self, span: Span, v: i128, ty: TypeId) -> Result<(), Diagnostic> {
        match self.env.ty(ty).kind {
            TypeKind::Primitive { prim: Prim::Int { min, max }, .. } => {
                if v < min || v > max {
                    return Err(Diagnostic::new(
                        span,
                        format!("integer {v} does not fit in `{}`", self.env.ty_name(ty)),
                    ));
                }
                Ok(())
            }
            _ => Err(Diagnostic::new(span, format!("expected a `{}`, found an integer", self.env.ty_name(ty)))),
        }
    }

    /// Types `e`; `expected` drives constants and converters. `guard` allows partial calls.
    fn expr(&mut self, e: &ast::Expr, expected: Option<TypeId>, guard: bool) -> Result<TExpr, Diagnostic> {
        self.count(e.span)?;
        let env = self.env;
        let t = match &e.kind {
            ExprKind::Int(v) => {
                let Some(ty) = expected else {
                    return Err(Diagnostic::new(
                        e.span,
                        "cannot infer the type of this integer; use it where a type is known (a term argument or a `let`)",
                    ));
                };
                self.check_int(e.span, *v, ty)?;
                TExpr { kind: TExprKind::Int(*v), ty }
            }
            ExprKind::Bool(b) => {
                let ty = match expected {
                    Some(t) if matches!(env.ty(t).kind, TypeKind::Primitive { prim: Prim::Bool, .. }) => t,
                    _ => env
                        .bool_type()
                        .ok_or_else(|| Diagnostic::new(e.span, "no type is defined as `(primitive bool)`"))?,
                };
                TExpr { kind: TExprKind::Bool(*b), ty }
            }
            ExprKind::Const(name) => TExpr { kind: TExprKind::Const(name.name.clone()), ty: self.const_ty(name)? },
            ExprKind::Symbol(name) => {
                if let Some((vty, idx)) = env.lookup_variant(&name.name, name.span)? {
                    self.variant_expr(name, vty, idx, &[], guard)?
                } else if let Some(v) = self.lookup(&name.name) {
                    TExpr { kind: TExprKind::Var(v), ty: self.vars[v.0 as usize].1 }
                } else {
                    let hint = if env.term_by_name.contains_key(&name.name) {
                        format!("; to call the term, write `({})`", name.name)
                    } else {
                        String::new()
                    };
                    return Err(Diagnostic::new(name.span, format!("unknown variable `{}`{hint}", name.name)));
                }
            }
            ExprKind::Apply(head, args) => {
                if let Some((vty, idx)) = env.lookup_variant(&head.name, head.span)? {
                    self.variant_expr(head, vty, idx, args, guard)?
                } else {
                    let Some(&term) = env.term_by_name.get(&head.name) else {
                        return Err(Diagnostic::new(head.span, format!("unknown term `{}`", head.name)));
                    };
                    let info = env.term(term);
                    if info.constructor.is_none() {
                        return Err(Diagnostic::new(
                            head.span,
                            format!("term `{}` has no constructor (no rules and no `extern constructor`)", head.name),
                        ));
                    }
                    if info.kind != TermKind::Total && !guard {
                        let (what, why) = match info.kind {
                            TermKind::Partial => ("partial", "may fail"),
                            _ => ("multi", "has many results"),
                        };
                        return Err(Diagnostic::new(
                            head.span,
                            format!(
                                "{what} term `{}` {why}, so it can only be called in an `if-let` or `if` guard",
                                head.name
                            ),
                        ));
                    }
                    if args.len() != info.args.len() {
                        return Err(arity(head, info.args.len(), args.len()));
                    }
                    let mut out = Vec::new();
                    for (a, &aty) in args.iter().zip(&info.args) {
                        out.push(self.expr(a, Some(aty), guard)?);
                    }
                    TExpr { kind: TExprKind::Call(term, out), ty: info.ret }
                }
            }
            ExprKind::Let(binds, body) => {
                let depth = self.visible.len();
                let mut out = Vec::new();
                for (name, tyname, value) in binds {
                    let Some(&ty) = env.type_by_name.get(&tyname.name) else {
                        return Err(Diagnostic::new(tyname.span, format!("unknown type `{}`", tyname.name)));
                    };
                    let value = self.expr(value, Some(ty), guard)?;
                    let v = self.new_var(name, ty)?;
                    out.push((v, value));
                }
                let body = self.expr(body, expected, guard)?;
                self.visible.truncate(depth);
                let ty = body.ty;
                TExpr { kind: TExprKind::Let(out, Box::new(body)), ty }
            }
        };
        match expected {
            Some(want) if want != t.ty => match env.converters.get(&(t.ty, want)) {
                Some(&conv) if env.term(conv).constructor.is_some() => {
                    Ok(TExpr { kind: TExprKind::Call(conv, vec![t]), ty: want })
                }
                _ => Err(self.mismatch(e.span, want, t.ty)),
            },
            _ => Ok(t),
        }
    }

    fn variant_expr(
        &mut self,
        name: &Ident,
        vty: TypeId,
        idx: u32,
        args: &[ast::Expr],
        guard: bool,
    ) -> Result<TExpr, Diagnostic> {
        let env = self.env;
        let fields = env.variant(vty, idx).map(|v| v.fields.as_slice()).unwrap_or(&[]);
        if fields.len() != args.len() {
            return Err(arity(name, fields.len(), args.len()));
        }
        let mut out = Vec::new();
        for (a, (_, fty)) in args.iter().zip(fields) {
            out.push(self.expr(a, Some(*fty), guard)?);
        }
        Ok(TExpr { kind: TExprKind::Variant(vty, idx, out), ty: vty })
    }
}

fn arity(name: &Ident, want: usize, got: usize) -> Diagnostic {
    Diagnostic::new(
        name.span,
        format!("`{}` takes {want} argument{}, found {got}", name.name, if want == 1 { "" } else { "s" }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{analyze, errors};

    const PRELUDE: &str = "
        (type u32 (primitive u32))
        (type u64 (primitive u64))
        (type bool (primitive bool))
        (type E (enum (A (x u32)) B))
        (decl ext (u32) E)
        (extern extractor ext ext)
        (decl wrap (u32) E)
        (extractor (wrap v) (E.A v))
        (decl partial p (u32) u32)
        (extern constructor p p)
        (decl mk_e (u32) E)
        (extern constructor mk_e mk_e)
        (decl widen (u32) u64)
        (extern constructor widen widen)
        (convert u32 u64 widen)
    ";

    fn with_prelude(s: &str) -> String {
        format!("{PRELUDE}{s}")
    }

    #[test]
    fn internal_extractors_expand_to_their_template() {
        let a = analyze(&with_prelude("(decl f (E) u32) (rule (f (wrap y)) y)"));
        let rule = &a.rules[0];
        let Pat::Variant(_, 0, fields) = &rule.args[0] else {
            panic!("expected the template's variant pattern, got {:?}", rule.args[0]);
        };
        assert!(matches!(fields[0], Pat::Bind(..)));
        assert_eq!(rule.vars[0].0, "y");
    }

    #[test]
    fn repeated_variables_become_equality_constraints() {
        let a = analyze(&with_prelude("(decl f (u32 u32) u32) (rule (f x x) x)"));
        assert!(matches!(a.rules[0].args[1], Pat::EqVar(VarId(0))));
    }

    #[test]
    fn converters_are_inserted_in_expressions() {
        let a = analyze(&with_prelude("(decl f (u32) u64) (rule (f x) x)"));
        assert!(matches!(a.rules[0].rhs.kind, TExprKind::Call(..)));
    }

    #[test]
    fn guards_bind_variables_and_may_call_partial_terms() {
        let a = analyze(&with_prelude("(decl f (u32) u32) (rule (f x) (if-let y (p x)) (if-let (E.A z) (mk_e y)) z)"));
        assert_eq!(a.rules[0].guards.len(), 2);
        assert_eq!(a.rules[0].vars.len(), 3);
    }

    #[test]
    fn reports_type_and_scope_errors() {
        let e = |s: &str| errors(&with_prelude(s));
        assert!(e("(decl f (u32) bool) (rule (f x) x)").contains("expected `bool`, found `u32`"));
        assert!(e("(decl f (u32) u32) (rule (f x) y)").contains("unknown variable `y`"));
        assert!(e("(decl f (u32) u32) (rule (f (E.A x)) x)").contains("expected `u32`, found `E`"));
        assert!(e("(decl f (u32) u32) (rule (f x) (p x))").contains("partial term `p`"));
        assert!(e("(decl f (u32) u32) (rule (f true) 1)").contains("found a boolean"));
        assert!(e("(decl f (E) u32) (rule (f (E.A x y)) x)").contains("takes 1 argument"));
        assert!(e("(decl f (u32) u32) (decl f2 (u32 u32) u32) (rule (f2 x x @ _) x)").contains("already bound"));
        assert!(e("(decl f (u32) u32) (rule (f x) (if 1) x)").contains("cannot infer"));
        assert!(
            e("(decl q (u32) E) (extractor (q a) (E.A b)) (decl f (E) u32) (rule (f (q 1)) 1)")
                .contains("only its parameters may appear")
        );
    }

    #[test]
    fn every_rule_is_checked_even_after_an_error() {
        let e = errors(&with_prelude("(decl f (u32) u32) (rule (f x) y) (rule 1 (f x) z)"));
        assert!(e.contains("unknown variable `y`") && e.contains("unknown variable `z`"));
    }
}
