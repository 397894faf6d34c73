//! A tiny language compiled through the `FunctionBuilder`: the example to copy when you
//! start a front end.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lathe-frontend --example toy            # the built-in program
//! cargo run -p lathe-frontend --example toy -- FILE    # your own program
//! ```
//!
//! It prints the CLIF of every function and the result of calling `main()` in the
//! interpreter.
//!
//! The language ("toy"): every value is a 64-bit integer.
//!
//! ```text
//! program  := function*
//! function := "fn" NAME "(" [NAME ("," NAME)*] ")" block
//! block    := "{" stmt* "}"
//! stmt     := NAME "=" expr ";" | "if" expr block ["else" (block | if-stmt)]
//!           | "while" expr block | "return" expr ";" | expr ";"
//! expr     := comparison of sums of products of unary terms, with
//!             == != < <= > >=   + -   * / %   unary -   NUMBER NAME call "(" expr ")"
//! call     := NAME "(" [expr ("," expr)*] ")"
//! ```
//!
//! A variable is created by its first assignment; reading one that was never assigned on
//! some path gives 0 there (the builder's rule for uses before definition). A function
//! that ends without `return` returns 0. Division by zero traps.
//!
//! How it maps onto the builder: each toy variable is a `Variable`; `if` and `while`
//! become blocks joined by `jump`/`brif`, each sealed as soon as all branches into it
//! exist; the builder adds block parameters where assignments meet. Calls go through
//! `import_function` with the callee's name and an all-`i64` signature.

use lathe_codegen::ir::{
    AbiParam, Block, CallConv, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder, IntCC, Signature, Value,
    types::I64,
};
use lathe_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter};
use std::collections::HashMap;

const DEFAULT_PROGRAM: &str = "
// Iterative Fibonacci: a, b and i change in the loop, n does not.
fn fib(n) {
    a = 0;
    b = 1;
    i = 0;
    while i < n {
        t = a + b;
        a = b;
        b = t;
        i = i + 1;
    }
    return a;
}

fn max(x, y) {
    if x > y { return x; }
    return y;
}

// Sum of the odd numbers below n, with if/else inside a loop.
fn odd_sum(n) {
    s = 0;
    k = 0;
    while k < n {
        if k % 2 == 1 { s = s + k; } else { s = s - 0; }
        k = k + 1;
    }
    return s;
}

fn main() {
    return fib(10) * 1000 + max(3, 7) * 100 + odd_sum(6);
}
";

// ---- Lexer ----

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(i64),
    Name(String),
    Sym(&'static str),
}

/// Every symbol, longest first where one is a prefix of another.
const SYMS: [&str; 18] = ["==", "!=", "<=", ">=", "<", ">", "=", "+", "-", "*", "/", "%", "(", ")", "{", "}", ",", ";"];

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if src[i..].starts_with("//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Tok::Num(src[start..i].parse().map_err(|e| format!("bad number: {e}"))?));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Name(src[start..i].to_string()));
        } else if let Some(s) = SYMS.iter().find(|s| src[i..].starts_with(**s)) {
            out.push(Tok::Sym(s));
            i += s.len();
        } else {
            return Err(format!("unexpected character {c:?}"));
        }
    }
    Ok(out)
}

// ---- Syntax tree and parser ----

#[derive(Debug)]
enum Expr {
    Num(i64),
    Var(String),
    Neg(Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

#[derive(Debug)]
enum Stmt {
    Assign(String, Expr),
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    While(Expr, Vec<Stmt>),
    Return(Expr),
    Expr(Expr),
}

#[derive(Debug)]
struct FuncDef {
    name: String,
    params: Vec<String>,
    body: Vec<Stmt>,
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Result<Tok, String> {
        let t = self.toks.get(self.pos).cloned().ok_or("unexpected end of input")?;
        self.pos += 1;
        Ok(t)
    }
    fn eat(&mut self, sym: &str) -> bool {
        if self.peek() == Some(&Tok::Sym(sym_static(sym))) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, sym: &str) -> Result<(), String> {
        if self.eat(sym) { Ok(()) } else { Err(format!("expected `{sym}`, found {:?}", self.peek())) }
    }
    fn name(&mut self) -> Result<String, String> {
        match self.next()? {
            Tok::Name(n) => Ok(n),
            t => Err(format!("expected a name, found {t:?}")),
        }
    }
    fn keyword(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Name(n)) if n == kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn program(&mut self) -> Result<Vec<FuncDef>, String> {
        let mut funcs = Vec::new();
        while self.peek().is_some() {
            if !self.keyword("fn") {
                return Err(format!("expected `fn`, found {:?}", self.peek()));
            }
            let name = self.name()?;
            self.expect("(")?;
            let mut params = Vec::new();
            if !self.eat(")") {
                loop {
                    params.push(self.name()?);
                    if self.eat(")") {
                        break;
                    }
                    self.expect(",")?;
                }
            }
            let body = self.block()?;
            funcs.push(FuncDef { name, params, body });
        }
        Ok(funcs)
    }

    fn block(&mut self) -> Result<Vec<Stmt>, String> {
        self.expect("{")?;
        let mut stmts = Vec::new();
        while !self.eat("}") {
            stmts.push(self.stmt()?);
        }
        Ok(stmts)
    }

    fn stmt(&mut self) -> Result<Stmt, String> {
        if self.keyword("if") {
            let cond = self.expr()?;
            let then = self.block()?;
            let els = if self.keyword("else") {
                if matches!(self.peek(), Some(Tok::Name(n)) if n == "if") { vec![self.stmt()?] } else { self.block()? }
            } else {
                Vec::new()
            };
            return Ok(Stmt::If(cond, then, els));
        }
        if self.keyword("while") {
            let cond = self.expr()?;
            return Ok(Stmt::While(cond, self.block()?));
        }
        if self.keyword("return") {
            let e = self.expr()?;
            self.expect(";")?;
            return Ok(Stmt::Return(e));
        }
        if let (Some(Tok::Name(n)), Some(Tok::Sym("="))) = (self.toks.get(self.pos), self.toks.get(self.pos + 1)) {
            let n = n.clone();
            self.pos += 2;
            let e = self.expr()?;
            self.expect(";")?;
            return Ok(Stmt::Assign(n, e));
        }
        let e = self.expr()?;
        self.expect(";")?;
        Ok(Stmt::Expr(e))
    }

    fn binary(&mut self, ops: &[&'static str], next: fn(&mut Self) -> Result<Expr, String>) -> Result<Expr, String> {
        let mut lhs = next(self)?;
        'outer: loop {
            for &op in ops {
                if self.eat(op) {
                    let rhs = next(self)?;
                    lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
                    continue 'outer;
                }
            }
            return Ok(lhs);
        }
    }
    fn expr(&mut self) -> Result<Expr, String> {
        self.binary(&["==", "!=", "<=", ">=", "<", ">"], Self::sum)
    }
    fn sum(&mut self) -> Result<Expr, String> {
        self.binary(&["+", "-"], Self::product)
    }
    fn product(&mut self) -> Result<Expr, String> {
        self.binary(&["*", "/", "%"], Self::unary)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        match self.next()? {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Sym("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Name(n) => {
                if !self.eat("(") {
                    return Ok(Expr::Var(n));
                }
                let mut args = Vec::new();
                if !self.eat(")") {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(")") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Ok(Expr::Call(n, args))
            }
            t => Err(format!("expected an expression, found {t:?}")),
        }
    }
}

/// The `'static` symbol equal to `s` (tokens hold static strings).
fn sym_static(s: &str) -> &'static str {
    SYMS.iter().find(|x| **x == s).copied().unwrap_or("")
}

// ---- Compiling one function with the FunctionBuilder ----

fn signature(arity: usize) -> Signature {
    let mut sig = Signature::new(CallConv::Fast);
    sig.params.extend((0..arity).map(|_| AbiParam::new(I64)));
    sig.returns.push(AbiParam::new(I64));
    sig
}

struct FnCompiler<'b, 'f> {
    b: &'b mut FunctionBuilder<'f>,
    vars: HashMap<String, Variable>,
    callees: HashMap<String, FuncRef>,
    arities: &'b HashMap<String, usize>,
    /// The current block ended with a `return`: code that follows needs a new block.
    returned: bool,
}

impl FnCompiler<'_, '_> {
    fn var(&mut self, name: &str) -> Variable {
        if let Some(&v) = self.vars.get(name) {
            return v;
        }
        let v = self.b.declare_var(I64);
        self.vars.insert(name.to_string(), v);
        v
    }

    fn expr(&mut self, e: &Expr) -> Result<Value, String> {
        Ok(match e {
            Expr::Num(n) => self.b.ins().iconst(I64, *n),
            Expr::Var(name) => {
                let v = self.var(name);
                self.b.use_var(v)
            }
            Expr::Neg(x) => {
                let x = self.expr(x)?;
                self.b.ins().ineg(x)
            }
            Expr::Bin(op, x, y) => {
                let (x, y) = (self.expr(x)?, self.expr(y)?);
                let cc = match *op {
                    "==" => Some(IntCC::Equal),
                    "!=" => Some(IntCC::NotEqual),
                    "<" => Some(IntCC::SignedLessThan),
                    "<=" => Some(IntCC::SignedLessThanOrEqual),
                    ">" => Some(IntCC::SignedGreaterThan),
                    ">=" => Some(IntCC::SignedGreaterThanOrEqual),
                    _ => None,
                };
                if let Some(cc) = cc {
                    let flag = self.b.ins().icmp(cc, x, y);
                    self.b.ins().uextend(I64, flag)
                } else {
                    match *op {
                        "+" => self.b.ins().iadd(x, y),
                        "-" => self.b.ins().isub(x, y),
                        "*" => self.b.ins().imul(x, y),
                        "/" => self.b.ins().sdiv(x, y),
                        _ => self.b.ins().srem(x, y),
                    }
                }
            }
            Expr::Call(name, args) => {
                let arity = *self.arities.get(name).ok_or(format!("call of unknown function `{name}`"))?;
                if arity != args.len() {
                    return Err(format!("`{name}` takes {arity} arguments, not {}", args.len()));
                }
                let f = match self.callees.get(name) {
                    Some(&f) => f,
                    None => {
                        let sig = self.b.import_signature(signature(arity));
                        let f = self.b.import_function(ExtFuncData {
                            name: ExternalName::TestCase(name.clone()),
                            signature: sig,
                            colocated: true,
                        });
                        self.callees.insert(name.clone(), f);
                        f
                    }
                };
                let vals = args.iter().map(|a| self.expr(a)).collect::<Result<Vec<_>, _>>()?;
                let call = self.b.ins().call(f, &vals);
                self.b.inst_results(call)[0]
            }
        })
    }

    /// Compiles statements into the current block. After a `return`, any further code goes
    /// into a fresh block nobody branches to (unreachable, sealed at once).
    fn stmts(&mut self, stmts: &[Stmt]) -> Result<(), String> {
        for s in stmts {
            if self.returned {
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
                self.b.seal_block(dead);
                self.returned = false;
            }
            match s {
                Stmt::Assign(name, e) => {
                    let x = self.expr(e)?;
                    let v = self.var(name);
                    self.b.def_var(v, x);
                }
                Stmt::Expr(e) => {
                    self.expr(e)?;
                }
                Stmt::Return(e) => {
                    let x = self.expr(e)?;
                    self.b.ins().return_(&[x]);
                    self.returned = true;
                }
                Stmt::If(cond, then, els) => {
                    let c = self.expr(cond)?;
                    let (then_b, else_b, merge) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
                    self.b.ins().brif(c, then_b, &[], else_b, &[]);
                    for (block, body) in [(then_b, then), (else_b, els)] {
                        self.b.switch_to_block(block);
                        self.b.seal_block(block); // its only predecessor is the brif
                        self.stmts(body)?;
                        self.jump_unless_returned(merge);
                    }
                    self.b.switch_to_block(merge);
                    self.b.seal_block(merge); // both branches are built
                }
                Stmt::While(cond, body) => {
                    let (header, body_b, exit) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
                    self.b.ins().jump(header, &[]);
                    // The header is not sealed yet: the back edge does not exist.
                    self.b.switch_to_block(header);
                    let c = self.expr(cond)?;
                    self.b.ins().brif(c, body_b, &[], exit, &[]);
                    self.b.switch_to_block(body_b);
                    self.b.seal_block(body_b);
                    self.stmts(body)?;
                    self.jump_unless_returned(header);
                    self.b.seal_block(header); // now it is
                    self.b.switch_to_block(exit);
                    self.b.seal_block(exit);
                }
            }
        }
        Ok(())
    }
}

impl FnCompiler<'_, '_> {
    /// Ends the current block with a jump to `target`, unless it already returned.
    fn jump_unless_returned(&mut self, target: Block) {
        if self.returned {
            self.returned = false;
        } else {
            self.b.ins().jump(target, &[]);
        }
    }
}

fn compile_function(def: &FuncDef, arities: &HashMap<String, usize>) -> Result<Function, String> {
    let mut func = Function::new_test(&def.name, signature(def.params.len()));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    b.set_verify_on_finish(true);
    let entry: Block = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let mut c = FnCompiler { b: &mut b, vars: HashMap::new(), callees: HashMap::new(), arities, returned: false };
    for (i, p) in def.params.iter().enumerate() {
        let v = c.var(p);
        let arg = c.b.block_params(entry)[i];
        c.b.def_var(v, arg);
    }
    c.stmts(&def.body)?;
    if !c.returned {
        // Falling off the end returns 0.
        let zero = c.b.ins().iconst(I64, 0);
        c.b.ins().return_(&[zero]);
    }
    b.finish().map_err(|e| format!("in `{}`: {e}", def.name))?;
    Ok(func)
}

/// Compiles every function of `src` and calls `main()` in the interpreter.
fn compile_and_run(src: &str) -> Result<(Vec<Function>, CallOutcome), String> {
    let defs = Parser { toks: lex(src)?, pos: 0 }.program()?;
    let arities: HashMap<String, usize> = defs.iter().map(|d| (d.name.clone(), d.params.len())).collect();
    if arities.get("main") != Some(&0) {
        return Err("the program needs a `fn main()` without parameters".into());
    }
    let funcs = defs.iter().map(|def| compile_function(def, &arities)).collect::<Result<Vec<_>, _>>()?;
    let mut store = FunctionStore::new();
    for func in &funcs {
        store.add(func);
    }
    let outcome = Interpreter::new(store).call_by_name("main", &[]).map_err(|e| e.to_string())?;
    Ok((funcs, outcome))
}

fn main() {
    let src = match std::env::args().nth(1) {
        Some(path) => std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1)
        }),
        None => DEFAULT_PROGRAM.to_string(),
    };
    match compile_and_run(&src) {
        Ok((funcs, outcome)) => {
            for func in &funcs {
                println!("{func}");
            }
            match outcome {
                CallOutcome::Return(vals) => {
                    println!("main() = {}", vals.first().map_or("nothing".into(), |v| v.to_string()))
                }
                CallOutcome::Trap(code) => println!("main() trapped: {code}"),
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_codegen::data_value::DataValue;
    use lathe_codegen::ir::TrapCode;

    fn result(src: &str) -> CallOutcome {
        compile_and_run(src).unwrap_or_else(|e| panic!("{e}")).1
    }

    #[test]
    fn the_built_in_program() {
        // fib(10) = 55, max(3, 7) = 7, 1 + 3 + 5 = 9.
        assert_eq!(result(DEFAULT_PROGRAM), CallOutcome::Return(vec![DataValue::I64(55_709)]));
    }

    #[test]
    fn recursion_nested_loops_and_else_if() {
        let src = "
            fn fact(n) { if n <= 1 { return 1; } return n * fact(n - 1); }
            fn grid(n) {
                total = 0; i = 0;
                while i < n { j = 0; while j < i { total = total + j; j = j + 1; } i = i + 1; }
                return total;
            }
            fn sign(x) { if x < 0 { s = -1; } else if x == 0 { s = 0; } else { s = 1; } return s; }
            fn main() { return fact(5) * 10000 + grid(5) * 10 + sign(-4) + sign(0) * 7; }
        ";
        // 120 * 10000 + (0 + 0+1 + 0+1+2 + 0+1+2+3) * 10 - 1 = 1_200_099
        assert_eq!(result(src), CallOutcome::Return(vec![DataValue::I64(1_200_099)]));
    }

    #[test]
    fn unassigned_variables_read_zero_and_division_by_zero_traps() {
        assert_eq!(result("fn main() { return y + 2; }"), CallOutcome::Return(vec![DataValue::I64(2)]));
        assert_eq!(result("fn main() { x = 0; return 5 / x; }"), CallOutcome::Trap(TrapCode::IntegerDivisionByZero));
    }

    #[test]
    fn errors_are_reported() {
        assert!(compile_and_run("fn main() { return f(1); }").unwrap_err().contains("unknown function"));
        assert!(compile_and_run("fn f() { return 1; }").unwrap_err().contains("main"));
        assert!(compile_and_run("fn main() { return 1 }").unwrap_err().contains("expected `;`"));
    }
}
