//! The abstract syntax tree: what the parser produces and the type checker consumes.
//!
//! The AST is purely syntactic: names are unresolved strings with spans, and a bare symbol
//! in a pattern may turn out to be a variable or an enum variant. Sema resolves them.

use crate::error::Span;

/// A name and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Its span.
    pub span: Span,
}

/// One top-level definition.
#[derive(Clone, Debug)]
pub enum Def {
    /// `(type ...)`
    Type(TypeDef),
    /// `(decl ...)`
    Decl(Decl),
    /// `(rule ...)`
    Rule(Rule),
    /// `(extractor (Term params...) template)`
    Extractor(ExtractorDef),
    /// `(extern constructor Term func)`
    ExternConstructor {
        /// The term.
        term: Ident,
        /// The `Context` method.
        func: Ident,
        /// The whole form.
        span: Span,
    },
    /// `(extern extractor [infallible] Term func)`
    ExternExtractor {
        /// The term.
        term: Ident,
        /// The `Context` method.
        func: Ident,
        /// True when the extractor always matches.
        infallible: bool,
        /// The whole form.
        span: Span,
    },
    /// `(extern const $Name Type)`
    ExternConst {
        /// The constant's name without `$`.
        name: Ident,
        /// Its type.
        ty: Ident,
        /// The whole form.
        span: Span,
    },
    /// `(convert From To term)`
    Convert {
        /// Source type.
        from: Ident,
        /// Target type.
        to: Ident,
        /// The constructor term performing the conversion.
        term: Ident,
        /// The whole form.
        span: Span,
    },
}

/// `(type Name [extern] body)`
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// The ISLE (and Rust, for enums) type name.
    pub name: Ident,
    /// Extern enums are defined in Rust elsewhere; ISLE only knows their shape.
    pub is_extern: bool,
    /// The body.
    pub body: TypeBody,
    /// The whole form.
    pub span: Span,
}

/// The body of a type definition.
#[derive(Clone, Debug)]
pub enum TypeBody {
    /// `(primitive RustName)`
    Primitive(Ident),
    /// `(enum (Variant (field Type) ...) ...)`
    Enum(Vec<VariantDef>),
}

/// One enum variant.
#[derive(Clone, Debug)]
pub struct VariantDef {
    /// Variant name.
    pub name: Ident,
    /// `(field Type)` pairs in order.
    pub fields: Vec<(Ident, Ident)>,
}

/// Whether a term can fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TermKind {
    /// Always produces a value.
    Total,
    /// May fail; the generated constructor returns `Option`.
    Partial,
    /// Produces any number of values; the generated constructor returns a `Vec`.
    Multi,
}

/// `(decl [partial|multi] Name (Args...) Ret)`
#[derive(Clone, Debug)]
pub struct Decl {
    /// Term name.
    pub name: Ident,
    /// Total, partial or multi.
    pub kind: TermKind,
    /// Argument type names.
    pub args: Vec<Ident>,
    /// Return type name.
    pub ret: Ident,
    /// The whole form.
    pub span: Span,
}

/// `(extractor (Term params...) template)`
#[derive(Clone, Debug)]
pub struct ExtractorDef {
    /// The term being defined as an extractor.
    pub term: Ident,
    /// Parameter names, one per term argument.
    pub params: Vec<Ident>,
    /// The pattern the use expands to.
    pub template: Pattern,
    /// The whole form.
    pub span: Span,
}

/// `(rule [name] [prio] lhs guards... rhs)`
#[derive(Clone, Debug)]
pub struct Rule {
    /// Optional name, used in coverage reports.
    pub name: Option<Ident>,
    /// Priority: higher is tried first; default 0.
    pub prio: i64,
    /// The left-hand side; always a `Pattern::Term`.
    pub lhs: Pattern,
    /// `if-let` and `if` clauses, in order.
    pub guards: Vec<Guard>,
    /// The right-hand side.
    pub rhs: Expr,
    /// The whole form.
    pub span: Span,
}

/// A guard clause.
#[derive(Clone, Debug)]
pub enum Guard {
    /// `(if-let pat expr)`
    IfLet(Pattern, Expr, Span),
    /// `(if expr)`
    If(Expr, Span),
}

/// A pattern with its span.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// What kind of pattern.
    pub kind: PatternKind,
    /// Where.
    pub span: Span,
}

/// Pattern forms.
#[derive(Clone, Debug)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// A bare symbol: a variable, or a unit enum variant `Type.Variant`.
    Symbol(Ident),
    /// `x @ pat`
    Bind(Ident, Box<Pattern>),
    /// An integer constant.
    Int(i128),
    /// A boolean constant.
    Bool(bool),
    /// `$Name`
    Const(Ident),
    /// `(head args...)`: an extractor or `Type.Variant`.
    Apply(Ident, Vec<Pattern>),
    /// `(and pats...)`
    And(Vec<Pattern>),
}

/// An expression with its span.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// Expression forms.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A bare symbol: a variable or a unit enum variant.
    Symbol(Ident),
    /// An integer constant.
    Int(i128),
    /// A boolean constant.
    Bool(bool),
    /// `$Name`
    Const(Ident),
    /// `(head args...)`: a constructor call or variant construction.
    Apply(Ident, Vec<Expr>),
    /// `(let ((name Type expr) ...) body)`
    Let(Vec<(Ident, Ident, Expr)>, Box<Expr>),
}
