//! `lathe bench compile`: compile speed on large generated functions.
//!
//! Four shapes, each built with the `FunctionBuilder` at a chosen size: straight-line
//! arithmetic, nested loops, many calls, and a large switch. Each is compiled for the host
//! at `opt_level=none` and `opt_level=speed` (and on x86-64 hosts at `opt_level=baseline`,
//! the baseline tier, whose whole pass counts as `emit`; a function it leaves to `none` is
//! reported with the reason), several times; the report gives IR
//! instructions per second (median of the repetitions), the time of each stage, and the
//! peak memory of the process. Timings are measured here, never asserted in tests.

use lathe_codegen::ir::{
    AbiParam, Block, CallConv, ExtFuncData, ExternalName, Function, InstBuilder, IntCC, Signature, types::I64,
};
use lathe_codegen::isa;
use lathe_codegen::machinst::{CompileOptions, StageTimes};
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_frontend::{FunctionBuilder, FunctionBuilderContext, Switch};
use std::time::{Duration, Instant};

fn sig(params: usize) -> Signature {
    let mut s = Signature::new(CallConv::SystemV);
    s.params = vec![AbiParam::new(I64); params];
    s.returns = vec![AbiParam::new(I64)];
    s
}

/// Straight-line code: `n` rounds of mixed arithmetic over four running values.
fn straight_line(n: usize) -> Function {
    let mut func = Function::new_test("straight_line", sig(4));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let mut v: Vec<_> = b.block_params(entry).to_vec();
    for i in 0..n {
        let (x, y) = (v[i % 4], v[(i + 1) % 4]);
        let r = match i % 6 {
            0 => b.ins().iadd(x, y),
            1 => b.ins().imul(x, y),
            2 => b.ins().bxor(x, y),
            3 => b.ins().ishl_imm(x, (i % 63) as i64),
            4 => b.ins().isub(x, y),
            _ => b.ins().iadd_imm(x, i as i64),
        };
        v[i % 4] = r;
    }
    let a = b.ins().iadd(v[0], v[1]);
    let c = b.ins().iadd(v[2], v[3]);
    let r = b.ins().bxor(a, c);
    b.ins().return_(&[r]);
    b.finish().expect("the generated function is complete");
    func
}

/// Loops: `n` sequential loops, each with a two-way branch in its body.
fn loop_heavy(n: usize) -> Function {
    let mut func = Function::new_test("loop_heavy", sig(2));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let acc = b.declare_var(I64);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (p0, p1) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    b.def_var(acc, p0);
    for k in 0..n {
        let i = b.declare_var(I64);
        let ten = b.ins().iconst(I64, 10);
        b.def_var(i, ten);
        let (head, then_b, else_b, join, exit) =
            (b.create_block(), b.create_block(), b.create_block(), b.create_block(), b.create_block());
        b.ins().jump(head, &[]);
        b.switch_to_block(head);
        let iv = b.use_var(i);
        b.ins().brif(iv, then_b, &[], exit, &[]);
        b.switch_to_block(then_b);
        b.seal_block(then_b);
        let a = b.use_var(acc);
        let odd = b.ins().band_imm(iv, 1);
        b.ins().brif(odd, join, &[], else_b, &[]);
        b.switch_to_block(else_b);
        b.seal_block(else_b);
        let t = b.ins().imul(a, p1);
        let t = b.ins().iadd_imm(t, k as i64);
        b.def_var(acc, t);
        b.ins().jump(join, &[]);
        b.switch_to_block(join);
        b.seal_block(join);
        let a = b.use_var(acc);
        let a = b.ins().iadd(a, iv);
        b.def_var(acc, a);
        let next = b.ins().iadd_imm(iv, -1);
        b.def_var(i, next);
        b.ins().jump(head, &[]);
        b.seal_block(head);
        b.switch_to_block(exit);
        b.seal_block(exit);
    }
    let r = b.use_var(acc);
    b.ins().return_(&[r]);
    b.finish().expect("the generated function is complete");
    func
}

/// Calls: `n` calls of an external function with four arguments.
fn call_heavy(n: usize) -> Function {
    let mut func = Function::new_test("call_heavy", sig(2));
    let callee_sig = func.import_signature(sig(4));
    let callee = func.import_function(ExtFuncData {
        name: ExternalName::TestCase("callee".into()),
        signature: callee_sig,
        colocated: true,
    });
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (mut x, y) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    for i in 0..n {
        let k = b.ins().iconst(I64, i as i64);
        let s = b.ins().iadd(x, k);
        let call = b.ins().call(callee, &[x, y, s, k]);
        x = b.inst_results(call)[0];
    }
    b.ins().return_(&[x]);
    b.finish().expect("the generated function is complete");
    func
}

/// A switch with `n` cases, each computing something different.
fn switch_heavy(n: usize) -> Function {
    let mut func = Function::new_test("switch_heavy", sig(2));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (x, y) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    let exit = b.create_block();
    let out = b.append_block_param(exit, I64);
    let default = b.create_block();
    let mut switch = Switch::new();
    let cases: Vec<Block> = (0..n)
        .map(|i| {
            let c = b.create_block();
            // Half dense (a jump table), half sparse (a compare tree).
            let key = if i < n / 2 { i as u128 } else { (i as u128) * 37 + 1000 };
            switch.set_entry(key, c);
            c
        })
        .collect();
    switch.emit(&mut b, x, default);
    for (i, &c) in cases.iter().enumerate() {
        b.switch_to_block(c);
        b.seal_block(c);
        let k = b.ins().iconst(I64, i as i64);
        let v = match i % 3 {
            0 => b.ins().iadd(y, k),
            1 => b.ins().imul(y, k),
            _ => {
                let c = b.ins().icmp(IntCC::SignedLessThan, y, k);
                b.ins().select(c, y, k)
            }
        };
        b.ins().jump(exit, &[v]);
    }
    b.switch_to_block(default);
    b.seal_block(default);
    b.ins().jump(exit, &[y]);
    b.switch_to_block(exit);
    b.seal_block(exit);
    b.ins().return_(&[out]);
    b.finish().expect("the generated function is complete");
    func
}

/// The peak resident memory of this process in KiB, where the system tells it.
pub(crate) fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Runs the benchmark and prints the table; returns an error message on failure.
pub fn run(size: usize, reps: usize) -> Result<(), String> {
    let reps = reps.max(1);
    let shapes: [(&str, Function); 4] = [
        ("straight-line", straight_line(size)),
        ("loop-heavy", loop_heavy(size / 10)),
        ("call-heavy", call_heavy(size / 5)),
        ("switch-heavy", switch_heavy(size / 10)),
    ];
    println!(
        "{:<14} {:<8} {:>8} {:>12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "function", "opt", "insts", "insts/s", "total ms", "verify", "mid-end", "lower", "regalloc", "emit"
    );
    for (name, func) in &shapes {
        let insts = func.num_placed_insts();
        let mut levels = vec![OptLevel::None, OptLevel::Speed];
        if cfg!(target_arch = "x86_64") {
            levels.push(OptLevel::Baseline);
        }
        for level in levels {
            let flags = Flags { opt_level: level, ..Flags::default() };
            let target = isa::host_isa(flags).map_err(|e| e.to_string())?;
            let mut runs: Vec<(Duration, StageTimes)> = Vec::with_capacity(reps);
            let mut fell_back = None;
            for _ in 0..reps {
                let mut options = CompileOptions::default();
                let start = Instant::now();
                target.compile_function_with(func, &mut options).map_err(|e| format!("{name}: {e}"))?;
                runs.push((start.elapsed(), options.times));
                fell_back = options.baseline_fallback;
            }
            runs.sort_by_key(|r| r.0);
            let (total, t) = runs[runs.len() / 2];
            let rate = insts as f64 / total.as_secs_f64().max(1e-9);
            println!(
                "{:<14} {:<8} {:>8} {:>12.0} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                name,
                level.to_string(),
                insts,
                rate,
                ms(total),
                ms(t.verify),
                ms(t.optimize),
                ms(t.lower),
                ms(t.regalloc),
                ms(t.emit)
            );
            if let Some(reason) = fell_back {
                println!("  (compiled at opt_level=none: {reason})");
            }
        }
    }
    match peak_memory_kib() {
        Some(kib) => println!("peak memory: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory: not available on this system"),
    }
    Ok(())
}
