//! Tiered execution (`Config::tiering`): results never depend on when functions move
//! to the optimizing tier. Each program runs untiered (at `opt_level=none` and
//! `speed`) and tiered with a tiny threshold, compiling synchronously so that the
//! switches happen at known points: on entry after a few calls, in the middle of a deep
//! recursion, and inside running loops (OSR) with values on the operand stack, loop
//! parameters, floats and vectors live across the loop header.

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

#[test]
fn fuel_is_charged_the_same_across_an_osr_transfer() {
    let fuel_left = |tiering: Option<Tiering>| {
        let config = Config { consume_fuel: true, tiering, ..Config::default() };
        let (mut store, inst) = setup(KERNELS, config);
        store.set_fuel(1_000_000);
        let Some(lathe_wasm::Extern::Func(f)) = store.export(inst, "nested") else { panic!("no export") };
        assert!(store.call(f, &[Val::I32(50)]).is_ok());
        (store.fuel(), store.tier_stats())
    };
    let (untiered, _) = fuel_left(None);
    let (tiered, stats) = fuel_left(Some(Tiering { threshold: 10, synchronous: true }));
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
