//! The parser: tokens to [`ast::Def`](crate::ast::Def)s.
//!
//! Two stages: tokens are first grouped into s-expressions (with a nesting limit so hostile
//! input cannot overflow the stack), then each top-level s-expression is turned into a
//! definition. Errors point at the offending s-expression. Parsing continues after an
//! erroneous top-level form so one run reports as many problems as possible.

use crate::ast::*;
use crate::error::{Diagnostic, Span};
use crate::lexer::{Token, TokenKind};

/// The deepest list nesting accepted; deeper input is rejected, not recursed into.
pub const MAX_DEPTH: usize = 128;

/// Words with a fixed meaning that cannot name terms or variables.
pub const KEYWORDS: &[&str] = &["and", "let", "if", "if-let", "_"];

/// A raw s-expression.
#[derive(Clone, Debug)]
enum SExpr {
    List(Vec<SExpr>, Span),
    Atom(Token),
}

impl SExpr {
    fn span(&self) -> Span {
        match self {
            SExpr::List(_, s) => *s,
            SExpr::Atom(t) => t.span,
        }
    }

    fn symbol(&self) -> Option<Ident> {
        match self {
            SExpr::Atom(Token { kind: TokenKind::Symbol(s), span }) => Some(Ident { name: s.clone(), span: *span }),
            _ => None,
        }
    }
}

/// Parses a token stream into definitions, collecting every error found.
pub fn parse(tokens: &[Token]) -> Result<Vec<Def>, Vec<Diagnostic>> {
    let sexprs = read_all(tokens).map_err(|d| vec![d])?;
    let mut defs = Vec::new();
    let mut errors = Vec::new();
    for s in &sexprs {
        match parse_def(s) {
            Ok(d) => defs.push(d),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(defs) } else { Err(errors) }
}

/// Groups tokens into s-expressions with an explicit stack (no recursion).
fn read_all(tokens: &[Token]) -> Result<Vec<SExpr>, Diagnostic> {
    let mut stack: Vec<(Vec<SExpr>, Span)> = Vec::new();
    let mut top = Vec::new();
    for tok in tokens {
        match tok.kind {
            TokenKind::LParen => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Diagnostic::new(tok.span, format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                stack.push((Vec::new(), tok.span));
            }
            TokenKind::RParen => {
                let Some((items, open)) = stack.pop() else {
                    return Err(Diagnostic::new(tok.span, "unmatched `)`"));
                };
                let list = SExpr::List(items, open.to(tok.span));
                match stack.last_mut() {
                    Some((parent, _)) => parent.push(list),
                    None => top.push(list),
                }
            }
            _ => {
                let atom = SExpr::Atom(tok.clone());
                match stack.last_mut() {
                    Some((parent, _)) => parent.push(atom),
                    None => top.push(atom),
                }
            }
        }
    }
    if let Some((_, open)) = stack.last() {
        return Err(Diagnostic::new(*open, "unclosed `(`: missing `)`"));
    }
    Ok(top)
}

fn err<T>(span: Span, msg: impl Into<String>) -> Result<T, Diagnostic> {
    Err(Diagnostic::new(span, msg))
}

fn expect_ident(s: &SExpr, what: &str) -> Result<Ident, Diagnostic> {
    s.symbol().ok_or_else(|| Diagnostic::new(s.span(), format!("expected {what}")))
}

fn expect_list<'a>(s: &'a SExpr, what: &str) -> Result<&'a [SExpr], Diagnostic> {
    match s {
        SExpr::List(items, _) => Ok(items),
        _ => err(s.span(), format!("expected {what}")),
    }
}

fn parse_def(s: &SExpr) -> Result<Def, Diagnostic> {
    let SExpr::List(items, span) = s else {
        return err(s.span(), "expected a top-level form such as `(type ...)`, `(decl ...)` or `(rule ...)`");
    };
    let span = *span;
    let Some(head) = items.first().and_then(SExpr::symbol) else {
        return err(span, "expected a top-level form keyword");
    };
    let rest = &items[1..];
    match head.name.as_str() {
        "type" => parse_type(rest, span).map(Def::Type),
        "decl" => parse_decl(rest, span).map(Def::Decl),
        "rule" => parse_rule(rest, span).map(Def::Rule),
        "extractor" => parse_extractor(rest, span).map(Def::Extractor),
        "extern" => parse_extern(rest, span),
        "convert" => {
            if rest.len() != 3 {
                return err(span, "expected `(convert FromType ToType term)`");
            }
            Ok(Def::Convert {
                from: expect_ident(&rest[0], "a type name")?,
                to: expect_ident(&rest[1], "a type name")?,
                term: expect_ident(&rest[2], "a term name")?,
                span,
            })
        }
        other => err(head.span, format!("unknown top-level form `{other}`")),
    }
}

fn parse_type(rest: &[SExpr], span: Span) -> Result<TypeDef, Diagnostic> {
    let usage = "expected `(type Name [extern] (primitive RustType))` or `(type Name [extern] (enum ...))`";
    let Some(name_s) = rest.first() else {
        return err(span, usage);
    };
    let name = expect_ident(name_s, "a type name")?;
    let mut i = 1;
    let is_extern = rest.get(1).and_then(SExpr::symbol).is_some_and(|s| s.name == "extern");
    if is_extern {
        i += 1;
    }
    if rest.len() != i + 1 {
        return err(span, usage);
    }
    let body = expect_list(&rest[i], "a `(primitive ...)` or `(enum ...)` body")?;
    let kw = body.first().and_then(SExpr::symbol).ok_or_else(|| Diagnostic::new(rest[i].span(), usage))?;
    let body = match kw.name.as_str() {
        "primitive" => {
            if body.len() != 2 {
                return err(rest[i].span(), "expected `(primitive RustType)`");
            }
            TypeBody::Primitive(expect_ident(&body[1], "a Rust type name")?)
        }
        "enum" => {
            let mut variants = Vec::new();
            for v in &body[1..] {
                variants.push(parse_variant(v)?);
            }
            TypeBody::Enum(variants)
        }
        other => return err(kw.span, format!("unknown type body `{other}`; {usage}")),
    };
    Ok(TypeDef { name, is_extern, body, span })
}

fn parse_variant(v: &SExpr) -> Result<VariantDef, Diagnostic> {
    // A bare symbol is a variant without fields.
    if let Some(name) = v.symbol() {
        return Ok(VariantDef { name, fields: Vec::new() });
    }
    let items = expect_list(v, "a variant `(Name (field Type) ...)`")?;
    let Some(first) = items.first() else {
        return err(v.span(), "empty variant");
    };
    let name = expect_ident(first, "a variant name")?;
    let mut fields = Vec::new();
    for f in &items[1..] {
        let pair = expect_list(f, "a field `(name Type)`")?;
        if pair.len() != 2 {
            return err(f.span(), "expected a field `(name Type)`");
        }
        fields.push((expect_ident(&pair[0], "a field name")?, expect_ident(&pair[1], "a field type")?));
    }
    Ok(VariantDef { name, fields })
}

fn parse_decl(rest: &[SExpr], span: Span) -> Result<Decl, Diagnostic> {
    let usage = "expected `(decl [partial|multi] Name (ArgType ...) RetType)`";
    let mut i = 0;
    let mut kind = TermKind::Total;
    if let Some(s) = rest.first().and_then(SExpr::symbol) {
        match s.name.as_str() {
            "partial" => {
                kind = TermKind::Partial;
                i = 1;
            }
            "multi" => {
                kind = TermKind::Multi;
                i = 1;
            }
            _ => {}
        }
    }
    if rest.len() != i + 3 {
        return err(span, usage);
    }
    let name = expect_ident(&rest[i], "a term name")?;
    let args = expect_list(&rest[i + 1], "a list of argument types")?
        .iter()
        .map(|a| expect_ident(a, "a type name"))
        .collect::<Result<Vec<_>, _>>()?;
    let ret = expect_ident(&rest[i + 2], "a return type")?;
    Ok(Decl { name, kind, args, ret, span })
}

fn parse_extern(rest: &[SExpr], span: Span) -> Result<Def, Diagnostic> {
    let usage = "expected `(extern constructor Term func)`, `(extern extractor [infallible] Term func)` or `(extern const $Name Type)`";
    let Some(kind) = rest.first().and_then(SExpr::symbol) else {
        return err(span, usage);
    };
    match kind.name.as_str() {
        "constructor" => {
            if rest.len() != 3 {
                return err(span, usage);
            }
            Ok(Def::ExternConstructor {
                term: expect_ident(&rest[1], "a term name")?,
                func: expect_ident(&rest[2], "a Rust method name")?,
                span,
            })
        }
        "extractor" => {
            let infallible = rest.get(1).and_then(SExpr::symbol).is_some_and(|s| s.name == "infallible");
            let i = if infallible { 2 } else { 1 };
            if rest.len() != i + 2 {
                return err(span, usage);
            }
            Ok(Def::ExternExtractor {
                term: expect_ident(&rest[i], "a term name")?,
                func: expect_ident(&rest[i + 1], "a Rust method name")?,
                infallible,
                span,
            })
        }
        "const" => {
            if rest.len() != 3 {
                return err(span, usage);
            }
            let name = expect_ident(&rest[1], "a `$Name`")?;
            let Some(stripped) = name.name.strip_prefix('$') else {
                return err(name.span, "extern constant names start with `$`");
            };
            Ok(Def::ExternConst {
                name: Ident { name: stripped.to_string(), span: name.span },
                ty: expect_ident(&rest[2], "a type name")?,
                span,
            })
        }
        other => err(kind.span, format!("unknown extern form `{other}`; {usage}")),
    }
}

fn parse_extractor(rest: &[SExpr], span: Span) -> Result<ExtractorDef, Diagnostic> {
    let usage = "expected `(extractor (Term param ...) pattern)`";
    if rest.len() != 2 {
        return err(span, usage);
    }
    let head = expect_list(&rest[0], "`(Term param ...)`")?;
    let Some(term) = head.first().and_then(SExpr::symbol) else {
        return err(rest[0].span(), usage);
    };
    let params = head[1..].iter().map(|p| expect_ident(p, "a parameter name")).collect::<Result<Vec<_>, _>>()?;
    let template = parse_pattern(&rest[1])?;
    Ok(ExtractorDef { term, params, template, span })
}

fn parse_rule(rest: &[SExpr], span: Span) -> Result<Rule, Diagnostic> {
    let mut i = 0;
    let mut name = None;
    let mut prio = 0i64;
    if let Some(n) = rest.first().and_then(SExpr::symbol) {
        name = Some(n);
        i += 1;
    }
    if let Some(SExpr::Atom(Token { kind: TokenKind::Int(p), span: pspan })) = rest.get(i) {
        prio = i64::try_from(*p).map_err(|_| Diagnostic::new(*pspan, "priority does not fit in 64 bits"))?;
        i += 1;
    }
    if rest.len() < i + 2 {
        return err(span, "expected `(rule [name] [priority] (Term pat ...) guard ... rhs)`");
    }
    let lhs = parse_pattern(&rest[i])?;
    if !matches!(lhs.kind, PatternKind::Apply(..)) {
        return err(lhs.span, "the left-hand side of a rule must be a term application `(Term pat ...)`");
    }
    let last = rest.len() - 1;
    let mut guards = Vec::new();
    for g in &rest[i + 1..last] {
        guards.push(parse_guard(g)?);
    }
    let rhs = parse_expr(&rest[last])?;
    Ok(Rule { name, prio, lhs, guards, rhs, span })
}

fn parse_guard(g: &SExpr) -> Result<Guard, Diagnostic> {
    let usage =
        "expected a guard `(if-let pattern expr)` or `(if expr)` (only the last form of a rule is its right-hand side)";
    let items = expect_list(g, usage)?;
    let Some(head) = items.first().and_then(SExpr::symbol) else {
        return err(g.span(), usage);
    };
    match head.name.as_str() {
        "if-let" => {
            if items.len() != 3 {
                return err(g.span(), "expected `(if-let pattern expr)`");
            }
            Ok(Guard::IfLet(parse_pattern(&items[1])?, parse_expr(&items[2])?, g.span()))
        }
        "if" => {
            if items.len() != 2 {
                return err(g.span(), "expected `(if expr)`");
            }
            Ok(Guard::If(parse_expr(&items[1])?, g.span()))
        }
        _ => err(g.span(), usage),
    }
}

fn atom_pattern(s: &SExpr) -> Result<Pattern, Diagnostic> {
    let span = s.span();
    let SExpr::Atom(tok) = s else {
        return err(span, "expected an atom");
    };
    let kind = match &tok.kind {
        TokenKind::Int(v) => PatternKind::Int(*v),
        TokenKind::Bool(b) => PatternKind::Bool(*b),
        TokenKind::At => return err(span, "`@` must follow a variable name: `x @ pattern`"),
        TokenKind::Symbol(s) if s == "_" => PatternKind::Wildcard,
        TokenKind::Symbol(s) => match s.strip_prefix('$') {
            Some(c) => PatternKind::Const(Ident { name: c.to_string(), span }),
            None => PatternKind::Symbol(Ident { name: s.clone(), span }),
        },
        TokenKind::LParen | TokenKind::RParen => return err(span, "unexpected parenthesis"),
    };
    Ok(Pattern { kind, span })
}

/// Parses one pattern from a single s-expression.
fn parse_pattern(s: &SExpr) -> Result<Pattern, Diagnostic> {
    match s {
        SExpr::Atom(_) => atom_pattern(s),
        SExpr::List(items, span) => {
            let Some(head) = items.first().and_then(SExpr::symbol) else {
                return err(*span, "expected `(Term pattern ...)` with a term name first");
            };
            let args = parse_pattern_seq(&items[1..])?;
            let kind = if head.name == "and" { PatternKind::And(args) } else { PatternKind::Apply(head, args) };
            Ok(Pattern { kind, span: *span })
        }
    }
}

/// Parses a sequence of patterns, where `x @ pat` occupies three s-expressions.
fn parse_pattern_seq(items: &[SExpr]) -> Result<Vec<Pattern>, Diagnostic> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        // Collect `a @ b @ ... @ pat` iteratively so long chains cannot recurse deeply.
        let mut binders = Vec::new();
        while let (Some(name), Some(SExpr::Atom(Token { kind: TokenKind::At, .. }))) =
            (items[i].symbol(), items.get(i + 1))
        {
            binders.push(name);
            i += 2;
            if i >= items.len() {
                return err(items[i - 1].span(), "expected a pattern after `@`");
            }
        }
        let mut pat = parse_pattern(&items[i])?;
        for name in binders.into_iter().rev() {
            let span = name.span.to(pat.span);
            pat = Pattern { kind: PatternKind::Bind(name, Box::new(pat)), span };
        }
        out.push(pat);
        i += 1;
    }
    Ok(out)
}

/// Parses one expression.
fn parse_expr(s: &SExpr) -> Result<Expr, Diagnostic> {
    let span = s.span();
    match s {
        SExpr::Atom(tok) => {
            let kind = match &tok.kind {
                TokenKind::Int(v) => ExprKind::Int(*v),
                TokenKind::Bool(b) => ExprKind::Bool(*b),
                TokenKind::Symbol(s) if s == "_" => {
                    return err(span, "`_` is a pattern, not an expression");
                }
                TokenKind::Symbol(s) => match s.strip_prefix('$') {
                    Some(c) => ExprKind::Const(Ident { name: c.to_string(), span }),
                    None => ExprKind::Symbol(Ident { name: s.clone(), span }),
                },
                _ => return err(span, "expected an expression"),
            };
            Ok(Expr { kind, span })
        }
        SExpr::List(items, _) => {
            let Some(head) = items.first().and_then(SExpr::symbol) else {
                return err(span, "expected `(term expr ...)` with a term name first");
            };
            if head.name == "let" {
                return parse_let(&items[1..], span);
            }
            let args = items[1..].iter().map(parse_expr).collect::<Result<Vec<_>, _>>()?;
            Ok(Expr { kind: ExprKind::Apply(head, args), span })
        }
    }
}

fn parse_let(rest: &[SExpr], span: Span) -> Result<Expr, Diagnostic> {
    let usage = "expected `(let ((name Type expr) ...) body)`";
    if rest.len() != 2 {
        return err(span, usage);
    }
    let mut binds = Vec::new();
    for b in expect_list(&rest[0], usage)? {
        let parts = expect_list(b, "a binding `(name Type expr)`")?;
        if parts.len() != 3 {
            return err(b.span(), "expected a binding `(name Type expr)`");
        }
        binds.push((
            expect_ident(&parts[0], "a variable name")?,
            expect_ident(&parts[1], "a type name")?,
            parse_expr(&parts[2])?,
        ));
    }
    let body = parse_expr(&rest[1])?;
    Ok(Expr { kind: ExprKind::Let(binds, Box::new(body)), span })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    fn parse_str(s: &str) -> Result<Vec<Def>, Vec<Diagnostic>> {
        parse(&lex(s, 0).map_err(|d| vec![d])?)
    }

    #[test]
    fn parses_each_form() {
        let defs = parse_str(
            "(type u32 (primitive u32))
             (type Op extern (enum Add (Imm (v u32))))
             (decl partial f (u32 Op) u32)
             (extern constructor f f_impl)
             (extern extractor infallible g g_impl)
             (extern const $Zero u32)
             (extractor (h x) (Op.Imm x))
             (convert u32 Op imm)
             (rule named 3 (f x @ (g y) _) (if-let z (k x)) (if (p z)) (let ((w u32 1)) w))",
        )
        .unwrap();
        assert_eq!(defs.len(), 9);
        let Def::Rule(r) = &defs[8] else { panic!("expected a rule") };
        assert_eq!(r.prio, 3);
        assert_eq!(r.name.as_ref().map(|n| n.name.as_str()), Some("named"));
        assert_eq!(r.guards.len(), 2);
        let PatternKind::Apply(_, args) = &r.lhs.kind else { panic!("lhs is an application") };
        assert!(matches!(args[0].kind, PatternKind::Bind(..)));
        assert!(matches!(r.rhs.kind, ExprKind::Let(..)));
    }

    #[test]
    fn reports_unbalanced_parens() {
        let e = parse_str("(rule (f x) x").unwrap_err();
        assert!(e[0].message.contains("unclosed"));
        let e = parse_str("(rule (f x) x))").unwrap_err();
        assert!(e[0].message.contains("unmatched"));
    }

    #[test]
    fn nesting_is_limited() {
        let deep = "(".repeat(MAX_DEPTH + 5) + &")".repeat(MAX_DEPTH + 5);
        let e = parse_str(&deep).unwrap_err();
        assert!(e[0].message.contains("nesting"));
    }

    #[test]
    fn errors_continue_after_a_bad_form() {
        let e = parse_str("(bogus) (decl) (rule (f) 1)").unwrap_err();
        assert_eq!(e.len(), 2);
    }
}
