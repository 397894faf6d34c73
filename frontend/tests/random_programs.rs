//! Differential test: random structured programs (nested loops, branches, switches, early
//! returns, reassigned and never-assigned variables) are evaluated directly in Rust and
//! compiled through the `FunctionBuilder`; the function must be well formed and give the
//! same results in the interpreter.
//!
//! Loops are bounded by construction: each `Loop` owns a counter variable that only the
//! loop itself assigns, and runs a fixed small number of times.

use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::{AbiParam, Block, Function, InstBuilder, IntCC, Signature, Value, types::I64};
use lathe_frontend::{FunctionBuilder, FunctionBuilderContext, Switch, Variable};
use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter};

/// Variables statements may assign; loop counters come after them.
const NUM_VARS: usize = 5;

/// A small seeded generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Clone, Copy, Debug)]
enum BinOp {
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
    Shl,
    Sshr,
    Lt,
    Eq,
}

#[derive(Clone, Debug)]
enum Expr {
    Const(i64),
    Var(usize),
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Debug)]
enum Stmt {
    Assign(usize, Expr),
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    /// Runs the body `count` times; `counter` is a variable only the loop assigns.
    Loop {
        counter: usize,
        count: i64,
        body: Vec<Stmt>,
    },
    /// Branches on `expr & 7`.
    Switch(Expr, Vec<(u8, Vec<Stmt>)>, Vec<Stmt>),
    Return(Expr),
}

struct Program {
    body: Vec<Stmt>,
    num_counters: usize,
    result: Expr,
}

struct Gen {
    rng: Rng,
    counters: usize,
}

impl Gen {
    fn expr(&mut self, depth: u32) -> Expr {
        match self.rng.below(if depth == 0 { 2 } else { 5 }) {
            0 => Expr::Const(self.rng.below(21) as i64 - 10),
            1 => Expr::Var(self.rng.below(NUM_VARS as u64) as usize),
            _ => {
                let ops = [
                    BinOp::Add,
                    BinOp::Sub,
                    BinOp::Mul,
                    BinOp::And,
                    BinOp::Or,
                    BinOp::Xor,
                    BinOp::Shl,
                    BinOp::Sshr,
                    BinOp::Lt,
                    BinOp::Eq,
                ];
                let op = ops[self.rng.below(ops.len() as u64) as usize];
                Expr::Bin(op, Box::new(self.expr(depth - 1)), Box::new(self.expr(depth - 1)))
            }
        }
    }

    fn block(&mut self, depth: u32) -> Vec<Stmt> {
        let n = 1 + self.rng.below(3);
        (0..n).map(|_| self.stmt(depth)).collect()
    }

    fn stmt(&mut self, depth: u32) -> Stmt {
        let choice = if depth == 0 { 0 } else { self.rng.below(10) };
        match choice {
            0..=3 => Stmt::Assign(self.rng.below(NUM_VARS as u64) as usize, self.expr(2)),
            4 | 5 => Stmt::If(self.expr(2), self.block(depth - 1), self.block(depth - 1)),
            6 | 7 => {
                let counter = NUM_VARS + self.counters;
                self.counters += 1;
                Stmt::Loop { counter, count: self.rng.below(4) as i64, body: self.block(depth - 1) }
            }
            8 => {
                let mut cases = Vec::new();
                for k in 0..8u8 {
                    if self.rng.below(2) == 0 {
                        cases.push((k, self.block(depth - 1)));
                    }
                }
                Stmt::Switch(self.expr(2), cases, self.block(depth - 1))
            }
            _ => Stmt::Return(self.expr(1)),
        }
    }

    fn program(seed: u64) -> Program {
        let mut g = Gen { rng: Rng(seed), counters: 0 };
        let body = g.block(3);
        let result = g.expr(2);
        Program { body, num_counters: g.counters, result }
    }
}

// ---- The reference: evaluate in Rust ----

fn eval_expr(e: &Expr, vars: &[i64]) -> i64 {
    match e {
        Expr::Const(c) => *c,
        Expr::Var(v) => vars[*v],
        Expr::Bin(op, a, b) => {
            let (x, y) = (eval_expr(a, vars), eval_expr(b, vars));
            match op {
                BinOp::Add => x.wrapping_add(y),
                BinOp::Sub => x.wrapping_sub(y),
                BinOp::Mul => x.wrapping_mul(y),
                BinOp::And => x & y,
                BinOp::Or => x | y,
                BinOp::Xor => x ^ y,
                // The IR takes shift amounts modulo the width, as wrapping_shl does.
                BinOp::Shl => x.wrapping_shl(y as u32),
                BinOp::Sshr => x.wrapping_shr(y as u32),
                BinOp::Lt => (x < y) as i64,
                BinOp::Eq => (x == y) as i64,
            }
        }
    }
}

/// Runs statements; `Some(v)` when a `return` ran.
fn eval_stmts(stmts: &[Stmt], vars: &mut [i64]) -> Option<i64> {
    for s in stmts {
        match s {
            Stmt::Assign(v, e) => vars[*v] = eval_expr(e, vars),
            Stmt::If(c, t, e) => {
                let r = if eval_expr(c, vars) != 0 { eval_stmts(t, vars) } else { eval_stmts(e, vars) };
                if r.is_some() {
                    return r;
                }
            }
            Stmt::Loop { counter, count, body } => {
                vars[*counter] = 0;
                while vars[*counter] < *count {
                    if let Some(r) = eval_stmts(body, vars) {
                        return Some(r);
                    }
                    vars[*counter] += 1;
                }
            }
            Stmt::Switch(e, cases, default) => {
                let k = (eval_expr(e, vars) & 7) as u8;
                let body = cases.iter().find(|(c, _)| *c == k).map_or(&default[..], |(_, b)| &b[..]);
                if let Some(r) = eval_stmts(body, vars) {
                    return Some(r);
                }
            }
            Stmt::Return(e) => return Some(eval_expr(e, vars)),
        }
    }
    None
}

fn eval_program(p: &Program, a: i64, b: i64) -> i64 {
    // Variables never assigned read as zero, matching the builder's documented rule.
    let mut vars = vec![0i64; NUM_VARS + p.num_counters];
    vars[0] = a;
    vars[1] = b;
    eval_stmts(&p.body, &mut vars).unwrap_or_else(|| eval_expr(&p.result, &vars))
}

// ---- Compile through the builder ----

struct Compiler<'b, 'f> {
    b: &'b mut FunctionBuilder<'f>,
    vars: Vec<Variable>,
    /// Seal each block as soon as its predecessors are known, or only at the end.
    seal_eagerly: bool,
}

impl Compiler<'_, '_> {
    fn seal(&mut self, block: Block) {
        if self.seal_eagerly {
            self.b.seal_block(block);
        }
    }

    fn expr(&mut self, e: &Expr) -> Value {
        match e {
            Expr::Const(c) => self.b.ins().iconst(I64, *c),
            Expr::Var(v) => self.b.use_var(self.vars[*v]),
            Expr::Bin(op, x, y) => {
                let (x, y) = (self.expr(x), self.expr(y));
                let ins = self.b.ins();
                match op {
                    BinOp::Add => ins.iadd(x, y),
                    BinOp::Sub => ins.isub(x, y),
                    BinOp::Mul => ins.imul(x, y),
                    BinOp::And => ins.band(x, y),
                    BinOp::Or => ins.bor(x, y),
                    BinOp::Xor => ins.bxor(x, y),
                    BinOp::Shl => ins.ishl(x, y),
                    BinOp::Sshr => ins.sshr(x, y),
                    BinOp::Lt | BinOp::Eq => {
                        let cc = if matches!(op, BinOp::Lt) { IntCC::SignedLessThan } else { IntCC::Equal };
                        let c = ins.icmp(cc, x, y);
                        self.b.ins().uextend(I64, c)
                    }
                }
            }
        }
    }

    /// Compiles statements into the current block. Leaves the builder in an unfilled
    /// block, which is a fresh unreachable one after a `return`.
    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Assign(v, e) => {
                    let x = self.expr(e);
                    self.b.def_var(self.vars[*v], x);
                }
                Stmt::If(c, t, e) => {
                    let c = self.expr(c);
                    let (tb, eb, merge) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
                    self.b.ins().brif(c, tb, &[], eb, &[]);
                    for (blk, body) in [(tb, t), (eb, e)] {
                        self.b.switch_to_block(blk);
                        self.seal(blk);
                        self.stmts(body);
                        self.b.ins().jump(merge, &[]);
                    }
                    self.b.switch_to_block(merge);
                    self.seal(merge);
                }
                Stmt::Loop { counter, count, body } => {
                    let counter = self.vars[*counter];
                    let zero = self.b.ins().iconst(I64, 0);
                    self.b.def_var(counter, zero);
                    let (header, body_b, exit) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
                    self.b.ins().jump(header, &[]);
                    self.b.switch_to_block(header);
                    let i = self.b.use_var(counter);
                    let more = self.b.ins().icmp_imm(IntCC::SignedLessThan, i, *count);
                    self.b.ins().brif(more, body_b, &[], exit, &[]);
                    self.b.switch_to_block(body_b);
                    self.seal(body_b);
                    self.stmts(body);
                    let i = self.b.use_var(counter);
                    let next = self.b.ins().iadd_imm(i, 1);
                    self.b.def_var(counter, next);
                    self.b.ins().jump(header, &[]);
                    self.seal(header);
                    self.b.switch_to_block(exit);
                    self.seal(exit);
                }
                Stmt::Switch(e, cases, default) => {
                    let v = self.expr(e);
                    let k = self.b.ins().band_imm(v, 7);
                    let merge = self.b.create_block();
                    let default_b = self.b.create_block();
                    let mut sw = Switch::new();
                    let mut targets = Vec::new();
                    for (key, body) in cases {
                        let blk = self.b.create_block();
                        sw.set_entry(u128::from(*key), blk);
                        targets.push((blk, body));
                    }
                    targets.push((default_b, default));
                    sw.emit(self.b, k, default_b);
                    for (blk, body) in targets {
                        self.b.switch_to_block(blk);
                        self.seal(blk);
                        self.stmts(body);
                        self.b.ins().jump(merge, &[]);
                    }
                    self.b.switch_to_block(merge);
                    self.seal(merge);
                }
                Stmt::Return(e) => {
                    let v = self.expr(e);
                    self.b.ins().return_(&[v]);
                    // Code after a return is unreachable: give it a block with no
                    // predecessors, sealed at once.
                    let dead = self.b.create_block();
                    self.b.switch_to_block(dead);
                    self.b.seal_block(dead);
                }
            }
        }
    }
}

fn compile(p: &Program, name: &str, seal_eagerly: bool) -> Function {
    let mut sig = Signature::default();
    sig.params.extend([AbiParam::new(I64), AbiParam::new(I64)]);
    sig.returns.push(AbiParam::new(I64));
    let mut func = Function::new_test(name, sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    b.set_verify_on_finish(true);
    let vars: Vec<Variable> = (0..NUM_VARS + p.num_counters).map(|_| b.declare_var(I64)).collect();
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (a0, a1) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    b.def_var(vars[0], a0);
    b.def_var(vars[1], a1);
    let mut c = Compiler { b: &mut b, vars, seal_eagerly };
    c.stmts(&p.body);
    let r = c.expr(&p.result);
    c.b.ins().return_(&[r]);
    b.seal_all_blocks();
    b.finish().expect("the builder accepts every generated program");
    func
}

/// Inputs every program is run on.
const INPUTS: [(i64, i64); 4] = [(0, 0), (3, -7), (-1, 12), (i64::MAX, i64::MIN)];

fn run_one(seed: u64) {
    let p = Gen::program(seed);
    // Half the programs seal every block as early as possible, half only at the end, so
    // both the direct and the incomplete-parameter paths of SSA construction are exercised.
    let func = compile(&p, "f", seed.is_multiple_of(2));
    let mut store = FunctionStore::new();
    store.add(&func);
    let mut interp = Interpreter::new(store);
    for (a, b) in INPUTS {
        let expected = eval_program(&p, a, b);
        let got = interp.call_by_name("f", &[DataValue::I64(a), DataValue::I64(b)]);
        assert_eq!(
            got,
            Ok(CallOutcome::Return(vec![DataValue::I64(expected)])),
            "seed {seed}, f({a}, {b}); program {:#?}\n{func}",
            p.body
        );
    }
}

#[test]
fn random_programs_agree_with_the_rust_evaluator() {
    for seed in 0..4000u64 {
        run_one(seed);
    }
}
