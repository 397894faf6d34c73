//! Tiered execution (`Config::tiering`): results never depend on when functions move
//! to the optimizing tier. Each program runs untiered (at `opt_level=none` and
//! `speed`) and tiered with a tiny threshold, compiling synchronously so that the
//! switches happen at known points: on entry after a few calls, in the middle of a deep
//! recursion, and inside running loops (OSR) with values on the operand stack, loop
//! parameters, floats and vectors live across the loop header. OSR code entered at an
//! inner loop leaves for its enclosing loops' entries at branches to their headers
//! (`br`, `br_if`, `br_table`, a catch clause), with the state those headers see.

mod common;

use common::{setup, wat};
use lathe_wasm::runtime::{TierStats, Tiering};
use lathe_wasm::{Config, Store, Val, WasmError};

/// A tiering configuration that switches early and waits for each compile.
fn eager(threshold: u32) -> Config {
    Config { tiering: Some(Tiering { threshold, synchronous: true }), ..Config::default() }
}

/// Calls `name(args)` on a fresh instance of `src` under `config`; the results and the
/// store's tiering figures.
fn run(src: &str, config: Config, name: &str, args: &[Val]) -> (Result<Vec<Val>, WasmError>, Option<TierStats>) {
    let (mut store, inst) = setup(src, config);
    let Some(lathe_wasm::Extern::Func(f)) = store.export(inst, name) else { panic!("no export {name}") };
    let r = store.call(f, args);
    (r, store.tier_stats())
}

/// Runs `name(args)` untiered at both levels and tiered at several thresholds; all must
/// agree. Returns the tiered runs' figures (for the smallest threshold first).
fn agree(src: &str, name: &str, args: &[Val]) -> (Vec<Val>, Vec<TierStats>) {
    let (want, none) = run(src, Config::default(), name, args);
    assert!(none.is_none(), "an untiered store has no tiering figures");
    let want = want.expect("runs untiered");
    let (speed, _) = run(src, Config { optimize: true, ..Config::default() }, name, args);
    assert_eq!(speed.expect("runs at speed"), want, "{name}: speed");
    let mut stats = Vec::new();
    for threshold in [1, 3, 50, 1000] {
        let (got, s) = run(src, eager(threshold), name, args);
        assert_eq!(got.expect("runs tiered"), want, "{name}: tiered, threshold {threshold}");
        let s = s.expect("a tiering store has figures");
        assert_eq!(s.failed, 0, "{name}: every optimized compile succeeds ({s:?})");
        stats.push(s);
    }
    (want, stats)
}

const KERNELS: &str = r#"
(module
  (memory 1)
  ;; Recursion with a loop at each level: sum over levels of (level * k for k < 8).
  (func $deep (export "deep") (param $n i32) (result i64)
    (local $k i32) (local $acc i64)
    (if (i32.eqz (local.get $n)) (then (return (i64.const 0))))
    (loop $l
      (local.set $acc (i64.add (local.get $acc)
        (i64.extend_i32_u (i32.mul (local.get $n) (local.get $k)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 8))))
    (i64.add (local.get $acc) (call $deep (i32.sub (local.get $n) (i32.const 1)))))

  ;; A loop inside an expression: the outer addend stays on the stack across it, and
  ;; the loop has a parameter.
  (func (export "stacked") (param $n i32) (result i32)
    (local $i i32)
    (i32.add
      (i32.mul (local.get $n) (i32.const 1000))
      (block (result i32)
        (i32.const 7)
        (loop $l (param i32) (result i32)
          (i32.add (i32.const 3))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))))

  ;; Floats and a vector live across a hot loop, which is inside an if arm and after a
  ;; branch out of an enclosing block.
  (func (export "mixed") (param $n i32) (param $x f64) (result f64)
    (local $i i32) (local $v v128) (local $f f32)
    (local.set $v (v128.const i32x4 1 2 3 4))
    (local.set $f (f32.const 0.5))
    (block $out
      (br_if $out (i32.eqz (local.get $n)))
      (if (i32.gt_s (local.get $n) (i32.const 0))
        (then
          (loop $l
            (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.999)) (f64.const 1)))
            (local.set $v (i32x4.add (local.get $v) (v128.const i32x4 1 1 1 1)))
            (local.set $f (f32.add (local.get $f) (f32.const 0.25)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_s (local.get $i) (local.get $n)))))
        (else (local.set $x (f64.const -1)))))
    (f64.add (f64.add (local.get $x) (f64.promote_f32 (local.get $f)))
      (f64.convert_i32_s (i32x4.extract_lane 3 (local.get $v)))))

  ;; Nested loops over memory; the OSR entry can be at either.
  (func (export "nested") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $h i32)
    (local.set $h (i32.const 17))
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (i32.store (i32.and (i32.mul (local.get $j) (i32.const 4)) (i32.const 1023))
          (i32.add (local.get $h) (local.get $i)))
        (local.set $h (i32.xor (i32.mul (local.get $h) (i32.const 31))
          (i32.load (i32.and (i32.mul (local.get $i) (i32.const 4)) (i32.const 1023)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.const 100))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $h))

  ;; Calls through a table from a hot loop, to a function that tiers up meanwhile.
  (type $un (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $sq $inc)
  (func $sq (type $un) (i32.mul (local.get 0) (local.get 0)))
  (func $inc (type $un) (i32.add (local.get 0) (i32.const 1)))
  (func (export "indirect") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (call_indirect (type $un) (local.get $i) (i32.and (local.get $i) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))

  ;; Two results, returned through an OSR entry.
  (func (export "pair") (param $n i32) (result i32 i64)
    (local $i i32) (local $p i64)
    (loop $l
      (local.set $p (i64.add (local.get $p) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i) (local.get $p))

  ;; A trap in code that has moved to the optimizing tier.
  (func (export "trap_after") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.div_u (local.get $n) (i32.sub (local.get $i) (local.get $n))))
)
"#;

#[test]
fn deep_recursion_switches_tiers_mid_way() {
    let (want, stats) = agree(KERNELS, "deep", &[Val::I32(3000)]);
    let n: i64 = 3000;
    assert_eq!(want, vec![Val::I64((1..=n).map(|l| 28 * l).sum())]);
    // Threshold 1: the first call asks; the recursion goes on into optimized code while
    // the baseline frames below it finish their loops and return into each other.
    assert!(stats[0].functions >= 1, "{:?}", stats[0]);
}

#[test]
fn loops_enter_optimized_code_with_live_values() {
    let (want, stats) = agree(KERNELS, "stacked", &[Val::I32(5000)]);
    assert_eq!(want, vec![Val::I32(5000 * 1000 + 7 + 3 * 5000)]);
    assert!(stats.iter().all(|s| s.osr_transfers == 1), "{stats:?}");
    let (want, stats) = agree(KERNELS, "mixed", &[Val::I32(10_000), Val::F64(2.5f64.to_bits())]);
    let Val::F64(bits) = want[0] else { panic!("an f64") };
    let mut x = 2.5f64;
    for _ in 0..10_000 {
        x = x * 0.999 + 1.0;
    }
    assert_eq!(f64::from_bits(bits), x + (0.5 + 0.25 * 10_000.0) + 10_004.0);
    assert!(stats.iter().all(|s| s.osr_transfers == 1), "{stats:?}");
    agree(KERNELS, "mixed", &[Val::I32(0), Val::F64(1.0f64.to_bits())]);
    agree(KERNELS, "mixed", &[Val::I32(-4), Val::F64(1.0f64.to_bits())]);
    let (_, stats) = agree(KERNELS, "nested", &[Val::I32(300)]);
    assert!(stats.iter().all(|s| s.osr_transfers == 1), "{stats:?}");
    let (want, _) = agree(KERNELS, "pair", &[Val::I32(100_000)]);
    assert_eq!(want, vec![Val::I32(100_000), Val::I64(99_999 * 100_000 / 2)]);
}

#[test]
fn calls_through_tables_reach_the_new_code() {
    let (want, stats) = agree(KERNELS, "indirect", &[Val::I32(2000)]);
    let s: i32 = (0..2000).map(|i: i32| if i & 1 == 0 { i * i } else { i + 1 }).fold(0, i32::wrapping_add);
    assert_eq!(want, vec![Val::I32(s)]);
    // The loop's function and both callees moved.
    assert!(stats[0].functions >= 3, "{:?}", stats[0]);
}

#[test]
fn traps_in_optimized_code_name_their_function() {
    for config in [Config::default(), eager(1)] {
        let (r, _) = run(KERNELS, config, "trap_after", &[Val::I32(1000)]);
        match r {
            Err(WasmError::Trap { trap, .. }) => assert_eq!(trap, lathe_wasm::WasmTrap::IntegerDivideByZero),
            other => panic!("expected a trap, got {other:?}"),
        }
    }
}

#[test]
fn background_compiles_give_the_same_results() {
    // Not synchronous: when the switches happen depends on the thread; the results not.
    let config = Config { tiering: Some(Tiering { threshold: 20, synchronous: false }), ..Config::default() };
    let (want, _) = run(KERNELS, Config::default(), "nested", &[Val::I32(3000)]);
    for _ in 0..3 {
        let (got, _) = run(KERNELS, config.clone(), "nested", &[Val::I32(3000)]);
        assert_eq!(got.expect("runs"), *want.as_ref().expect("runs"));
    }
}

#[test]
fn exceptions_cross_tiers() {
    let src = r#"
    (module
      (tag $t (param i32))
      (func $thrower (param $i i32)
        (if (i32.eq (i32.and (local.get $i) (i32.const 7)) (i32.const 7))
          (then (throw $t (local.get $i)))))
      (func (export "catching") (param $n i32) (result i32)
        (local $i i32) (local $caught i32)
        (loop $l
          (block $h (result i32)
            (try_table (catch $t $h)
              (call $thrower (local.get $i)))
            (i32.const 0))
          (local.set $caught (i32.add (local.get $caught)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $caught)))
    "#;
    let (want, _) = agree(src, "catching", &[Val::I32(1000)]);
    let s: i32 = (0..1000).filter(|i| i & 7 == 7).sum();
    assert_eq!(want, vec![Val::I32(s)]);
}

#[test]
fn a_store_without_tiering_has_no_figures() {
    let engine = lathe_wasm::Engine::new(Config::default()).expect("engine");
    let module = lathe_wasm::Module::new(&engine, &wat("(module)")).expect("compiles");
    let mut store = Store::new(&engine);
    store.instantiate(&module, &[]).expect("instantiates");
    assert_eq!(store.tier_stats(), None);
}

/// The fuel left after `name(n)` of `src` from 10 M, with `tiering`; and the figures.
fn fuel_left(src: &str, name: &str, n: i32, tiering: Option<Tiering>) -> (u64, Option<TierStats>) {
    let config = Config { consume_fuel: true, tiering, ..Config::default() };
    let (mut store, inst) = setup(src, config);
    store.set_fuel(10_000_000);
    let Some(lathe_wasm::Extern::Func(f)) = store.export(inst, name) else { panic!("no export {name}") };
    assert!(store.call(f, &[Val::I32(n)]).is_ok());
    (store.fuel(), store.tier_stats())
}

#[test]
fn fuel_is_charged_the_same_across_an_osr_transfer() {
    let (untiered, _) = fuel_left(KERNELS, "nested", 50, None);
    let (tiered, stats) = fuel_left(KERNELS, "nested", 50, Some(Tiering { threshold: 10, synchronous: true }));
    assert_eq!(stats.map(|s| s.osr_transfers), Some(1));
    assert_eq!(tiered, untiered, "one unit per entry and per loop iteration in both");
}

#[test]
fn tiering_works_with_pooled_instances() {
    use lathe_wasm::{InstanceAllocator, PoolingConfig};
    let pool = PoolingConfig {
        instances: 2,
        instance_state_bytes: 4096,
        memories: 2,
        max_memory_pages: 1,
        tables: 2,
        max_table_elements: 8,
    };
    let config = Config { allocator: InstanceAllocator::Pooling(pool), ..eager(5) };
    let (want, _) = run(KERNELS, Config::default(), "indirect", &[Val::I32(500)]);
    // Twice: the second instance reuses the first one's slot, counters included.
    for _ in 0..2 {
        let (got, stats) = run(KERNELS, config.clone(), "indirect", &[Val::I32(500)]);
        assert_eq!(got.expect("runs"), *want.as_ref().expect("runs"));
        assert!(stats.is_some_and(|s| s.functions >= 3 && s.failed == 0), "{stats:?}");
    }
}

const NESTS: &str = r#"
(module
  (memory 1)
  ;; Three loops deep; the outer one runs many times around the two inner ones.
  (func (export "nest3") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $k i32) (local $acc i64)
    (loop $a
      (local.set $j (i32.const 0))
      (loop $b
        (local.set $k (i32.const 0))
        (loop $c
          (i32.store8 (i32.and (i32.add (local.get $i) (local.get $k)) (i32.const 4095))
            (i32.add (local.get $j) (local.get $k)))
          (local.set $acc (i64.add (local.get $acc)
            (i64.extend_i32_u (i32.load8_u (i32.and (i32.mul (local.get $k) (local.get $j)) (i32.const 4095))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $c (i32.lt_u (local.get $k) (i32.const 20))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $b (i32.lt_u (local.get $j) (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $a (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; Loops with parameters and results, and values below each loop on the operand
  ;; stack: the transfer to the outer loop's entry carries its two parameters and the
  ;; constant under it.
  (type $pp (func (param i32 i64) (result i32 i64)))
  (func (export "multi") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $t i64)
    (i64.const 1000000)
    (i32.const 1) (i64.const 0)
    (loop $outer (type $pp)
      (local.set $t)
      (i32.const 7)
      (local.get $t)
      (local.set $j (i32.const 0))
      (loop $inner (param i64) (result i64)
        (i64.add (i64.extend_i32_u (i32.add (local.get $i) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.const 50))))
      (local.set $t)
      (i32.add)
      (local.get $t)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $t)
    (i64.extend_i32_u)
    (i64.add (local.get $t))
    (i64.add))

  ;; A br_table in the inner loop whose targets are the inner loop, the outer loop
  ;; and the block after both.
  (func (export "table") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $s i32)
    (block $done
      (loop $outer
        (local.set $j (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (loop $inner
          (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3))
            (i32.xor (local.get $i) (local.get $j))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_table $inner $outer $done
            (select (i32.const 0)
              (select (i32.const 1) (i32.const 2) (i32.lt_u (local.get $i) (local.get $n)))
              (i32.lt_u (local.get $j) (i32.const 40)))))))
    (local.get $s))

  ;; A catch clause whose label is the enclosing loop: a thrown exception starts the
  ;; outer loop's next iteration.
  (tag $t)
  (func $maybe_throw (param $i i32)
    (if (i32.eqz (i32.and (local.get $i) (i32.const 3))) (then (throw $t))))
  (func (export "catch_loop") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $s i32)
    (loop $outer
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.le_u (local.get $i) (local.get $n))
        (then
          (try_table (catch_all $outer)
            (local.set $j (i32.const 0))
            (loop $inner
              (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $j))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $inner (i32.lt_u (local.get $j) (i32.const 30))))
            (call $maybe_throw (local.get $i))
            (local.set $s (i32.add (local.get $s) (i32.const 1000))))
          (br $outer))))
    (local.get $s))
)
"#;

/// Runs `name(args)` tiered with `threshold`: its results and figures.
fn tiered(src: &str, threshold: u32, name: &str, args: &[Val]) -> (Vec<Val>, TierStats) {
    let (r, stats) = run(src, eager(threshold), name, args);
    (r.expect("runs tiered"), stats.expect("a tiering store has figures"))
}

/// The results at the baseline tier, which [`agree`] does not run.
fn baseline(src: &str, name: &str, args: &[Val]) -> Vec<Val> {
    run(src, Config { baseline: true, ..Config::default() }, name, args).0.expect("runs at the baseline tier")
}

#[test]
fn osr_at_an_inner_loop_leaves_for_the_enclosing_loops() {
    let args = [Val::I32(200)];
    let (want, _) = agree(NESTS, "nest3", &args);
    assert_eq!(baseline(NESTS, "nest3", &args), want);
    // Threshold 30: the entry and the two outer headers count 3, so the count runs out
    // in the first pass of the innermost loop (ordinal 2). Its entry leaves for loop 1's
    // at the end of that pass, and loop 1's for loop 0's at the end of the first outer
    // iteration; loop 0's entry runs the other 199.
    let (got, s) = tiered(NESTS, 30, "nest3", &args);
    assert_eq!(got, want);
    assert_eq!((s.osr_transfers, s.nested_transfers, s.osr_entries, s.failed), (1, 2, 3, 0), "{s:?}");
}

#[test]
fn transfers_carry_loop_parameters_and_the_stack_below() {
    let args = [Val::I32(300)];
    let (want, _) = agree(NESTS, "multi", &args);
    assert_eq!(baseline(NESTS, "multi", &args), want);
    // The outer loop's i32 parameter goes 1, 8, 15, ...; its i64 sums i + j.
    let n: i64 = 300;
    let sum: i64 = (0..n).map(|i| (0..50).map(|j| i + j).sum::<i64>()).sum();
    assert_eq!(want, vec![Val::I64(1_000_000 + (1 + 7 * n) + sum)]);
    let (got, s) = tiered(NESTS, 20, "multi", &args);
    assert_eq!(got, want);
    assert_eq!((s.osr_transfers, s.nested_transfers), (1, 1), "{s:?}");
}

#[test]
fn br_table_and_catch_clauses_reach_enclosing_loops() {
    for (name, n) in [("table", 100), ("catch_loop", 100)] {
        let args = [Val::I32(n)];
        let (want, _) = agree(NESTS, name, &args);
        assert_eq!(baseline(NESTS, name, &args), want, "{name}");
        let (got, s) = tiered(NESTS, 20, name, &args);
        assert_eq!(got, want, "{name}");
        assert_eq!((s.osr_transfers, s.nested_transfers), (1, 1), "{name}: {s:?}");
    }
}

#[test]
fn fuel_is_charged_the_same_across_nested_transfers() {
    let (untiered, _) = fuel_left(NESTS, "nest3", 40, None);
    let (tiered, stats) = fuel_left(NESTS, "nest3", 40, Some(Tiering { threshold: 30, synchronous: true }));
    assert_eq!(stats.map(|s| (s.osr_transfers, s.nested_transfers)), Some((1, 2)));
    assert_eq!(tiered, untiered, "one unit per entry and per loop iteration in both");
}
