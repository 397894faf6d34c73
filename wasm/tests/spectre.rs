//! Spectre v1 guards of the Wasm translation (docs/security.md): a module exercising
//! loads and stores of every width (scalar, vector, lane, an offset past 2^31), and
//! `call_indirect`, `table.get`, `table.set` and `br_table`, checked two ways.
//!
//! - The IR after translation: every explicitly bounds-checked memory access and every
//!   table element access takes its address from a `select_spectre_guard` of null on the
//!   condition of a `trapnz` with the right trap code; with the guards turned off there is
//!   no `select_spectre_guard` at all, and the accesses and their checks are all still
//!   there.
//! - Running it: out-of-bounds accesses trap with their Wasm trap code, and in-bounds
//!   ones read and write the right bytes, with and without the guards.

mod common;
use common::{call, trap_of as trap, wat};

use lathe_codegen::ir::{Function, InstructionData, Opcode, TrapCode, Value, ValueDef};
use lathe_frontend::FunctionBuilderContext;
use lathe_wasm::translate::{BoundsChecks, TranslateOptions, translate_function};
use lathe_wasm::{Config, Engine, Module, Store, Val, WasmTrap};
use std::collections::HashMap;

const MODULE: &str = r#"
(module
  (type $unary (func (param i32) (result i32)))
  (memory 1)
  (table $funcs 4 funcref)
  (table $refs 2 externref)
  (elem (table $funcs) (i32.const 0) func $id $inc)
  (func $id (param i32) (result i32) (local.get 0))
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))

  (func (export "i32.load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "i64.load8_s") (param i32) (result i64) (i64.load8_s offset=7 (local.get 0)))
  (func (export "i32.load16_u") (param i32) (result i32) (i32.load16_u offset=65534 (local.get 0)))
  (func (export "f64.load") (param i32) (result f64) (f64.load offset=8 (local.get 0)))
  (func (export "f32.store") (param i32 f32) (f32.store (local.get 0) (local.get 1)))
  (func (export "i64.store32") (param i32 i64) (i64.store32 offset=4 (local.get 0) (local.get 1)))
  (func (export "i32.store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "v128.load") (param i32) (result i64)
    (i64x2.extract_lane 1 (v128.load offset=16 (local.get 0))))
  (func (export "v128.store") (param i32 i64)
    (v128.store (local.get 0) (i64x2.splat (local.get 1))))
  (func (export "v128.load32_lane") (param i32) (result i32)
    (i32x4.extract_lane 2 (v128.load32_lane 2 (local.get 0) (v128.const i64x2 0 0))))
  (func (export "big_offset") (param i32) (result i32) (i32.load offset=0x80000000 (local.get 0)))

  (func (export "call_indirect") (param i32 i32) (result i32)
    (call_indirect $funcs (type $unary) (local.get 1) (local.get 0)))
  (func (export "table.get") (param i32) (result i32) (ref.is_null (table.get $refs (local.get 0))))
  (func (export "table.set") (param i32) (table.set $refs (local.get 0) (ref.null extern)))
  (func (export "br_table") (param i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $b $d (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))
)
"#;

/// Memory accesses in `MODULE`, and table element accesses.
const HEAP_ACCESSES: usize = 11;
const TABLE_ACCESSES: usize = 3;

/// Every defined function of `MODULE`, translated with `options`.
fn translate(options: TranslateOptions) -> Vec<Function> {
    let info = lathe_wasm::module::parse(&wat(MODULE)).expect("valid module");
    let mut ctx = FunctionBuilderContext::new();
    let first = info.num_imported_funcs;
    (first..first + info.bodies.len() as u32)
        .map(|i| translate_function(&info, i, options, &mut ctx).expect("translates"))
        .collect()
}

/// What the walk found over all functions.
#[derive(Debug, Default, PartialEq)]
struct Census {
    /// Memory accesses (loads and stores with the `heap_oob` trap code), and how many of
    /// them take a guarded address.
    heap: usize,
    heap_guarded: usize,
    /// Loads and stores of a guarded address that are not memory accesses: table
    /// elements.
    table_guarded: usize,
    /// `trapnz` bounds checks of memory and of tables.
    heap_checks: usize,
    table_checks: usize,
    /// `select_spectre_guard` instructions.
    guards: usize,
}

/// The condition of `v` if it is `select_spectre_guard cond, 0, addr`.
fn guard_condition(f: &Function, v: Value) -> Option<Value> {
    let ValueDef::Result(inst, _) = f.dfg.value_def(f.dfg.resolve_aliases(v)) else { return None };
    let InstructionData::Ternary { opcode: Opcode::SelectSpectreGuard, args: [cond, null, _] } = f.dfg.insts[inst]
    else {
        return None;
    };
    let ValueDef::Result(k, _) = f.dfg.value_def(null) else { return None };
    matches!(f.dfg.insts[k], InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } if imm.bits() == 0)
        .then_some(cond)
}

/// Walks every instruction of `funcs`, asserting that each guarded access is guarded by
/// the condition of a bounds check with the trap code its kind of access needs.
fn census(funcs: &[Function]) -> Census {
    let heap_oob = WasmTrap::MemoryOutOfBounds.code();
    let table_traps = [WasmTrap::TableOutOfBounds.code(), WasmTrap::UndefinedElement.code()];
    let mut c = Census::default();
    for f in funcs {
        let insts: Vec<_> = f.layout.blocks().flat_map(|b| f.layout.block_insts(b)).collect();
        // The trap code of each `trapnz` condition.
        let mut checks: HashMap<Value, TrapCode> = HashMap::new();
        for &i in &insts {
            if let InstructionData::CondTrap { opcode: Opcode::Trapnz, arg, code } = f.dfg.insts[i] {
                checks.insert(f.dfg.resolve_aliases(arg), code);
                if code == heap_oob {
                    c.heap_checks += 1;
                } else if table_traps.contains(&code) {
                    c.table_checks += 1;
                }
            }
        }
        for &i in &insts {
            let data = &f.dfg.insts[i];
            if data.opcode() == Opcode::SelectSpectreGuard {
                c.guards += 1;
            }
            let (addr, offset) = match *data {
                InstructionData::Load { arg, offset, .. } => (arg, offset),
                InstructionData::Store { args: [_, addr], offset, .. } => (addr, offset),
                _ => continue,
            };
            let heap = data.memflags().and_then(|m| m.trap_code()) == Some(heap_oob);
            c.heap += heap as usize;
            let Some(cond) = guard_condition(f, addr) else { continue };
            let code = checks.get(&f.dfg.resolve_aliases(cond));
            let what = lathe_codegen::text::display_inst(f, i);
            if heap {
                assert_eq!(code, Some(&heap_oob), "`{what}` is guarded by the condition of a heap_oob check");
                assert_eq!(offset.0, 0, "`{what}`: the offset is inside the guarded address");
                c.heap_guarded += 1;
            } else {
                assert!(code.is_some_and(|c| table_traps.contains(c)), "`{what}` is guarded by a table check");
                c.table_guarded += 1;
            }
        }
    }
    c
}

fn options(bounds_checks: BoundsChecks, spectre: bool) -> TranslateOptions {
    TranslateOptions { bounds_checks, spectre_heap: spectre, spectre_table: spectre, ..TranslateOptions::default() }
}

#[test]
fn explicit_checks_guard_every_memory_and_table_access() {
    let c = census(&translate(options(BoundsChecks::Explicit, true)));
    assert_eq!(
        c,
        Census {
            heap: HEAP_ACCESSES,
            heap_guarded: HEAP_ACCESSES,
            table_guarded: TABLE_ACCESSES,
            heap_checks: HEAP_ACCESSES,
            table_checks: TABLE_ACCESSES,
            guards: HEAP_ACCESSES + TABLE_ACCESSES,
        }
    );
}

#[test]
fn turning_the_settings_off_removes_every_guard_and_keeps_every_check() {
    let c = census(&translate(options(BoundsChecks::Explicit, false)));
    assert_eq!(
        c,
        Census { heap: HEAP_ACCESSES, heap_checks: HEAP_ACCESSES, table_checks: TABLE_ACCESSES, ..Census::default() }
    );
}

#[test]
fn with_guard_pages_only_tables_are_checked_and_guarded() {
    let c = census(&translate(options(BoundsChecks::GuardPages, true)));
    assert_eq!(
        c,
        Census {
            heap: HEAP_ACCESSES,
            table_guarded: TABLE_ACCESSES,
            table_checks: TABLE_ACCESSES,
            guards: TABLE_ACCESSES,
            ..Census::default()
        }
    );
}

#[test]
fn the_engine_setting_reaches_the_translation() {
    // `Config::spectre_mitigation` sets the two codegen flags the translation reads; the
    // code differs, so the module's IR size does too.
    let bytes = wat(MODULE);
    let size = |spectre_mitigation| {
        let config = Config { bounds_checks: BoundsChecks::Explicit, spectre_mitigation, ..Config::default() };
        Module::new(&Engine::new(config).expect("engine"), &bytes).expect("compiles").ir_instructions()
    };
    // Each guard is an `iconst 0` and a `select_spectre_guard`; a guarded access also adds
    // its offset to the address (`iadd_imm`) where an unguarded one puts an offset below
    // 2^31 in the access itself: offset=7, 65534, 8, 4 and 16 (0x80000000 is added either
    // way).
    let offsets_added = 5;
    assert_eq!(size(true), size(false) + 2 * (HEAP_ACCESSES + TABLE_ACCESSES) + offsets_added);
}

type Run = fn(&mut Store, lathe_wasm::runtime::InstanceHandle);

fn run_each_way(check: Run) {
    let bytes = wat(MODULE);
    for (bounds_checks, spectre_mitigation) in
        [(BoundsChecks::Explicit, true), (BoundsChecks::Explicit, false), (BoundsChecks::GuardPages, true)]
    {
        let config = Config { bounds_checks, spectre_mitigation, ..Config::default() };
        let engine = Engine::new(config).expect("engine");
        let module = Module::new(&engine, &bytes).expect("compiles");
        let mut store = Store::new(&engine);
        let inst = store.instantiate(&module, &[]).expect("instantiates");
        check(&mut store, inst);
    }
}

const PAGE: i32 = 65536;

#[test]
fn memory_accesses_in_bounds_work_and_out_of_bounds_trap_heap_oob() {
    run_each_way(|s, i| {
        let oob = WasmTrap::MemoryOutOfBounds;
        call(s, i, "i64.store32", &[Val::I32(0), Val::I64(0x1_8765_4321)]).unwrap();
        assert_eq!(call(s, i, "i32.load", &[Val::I32(4)]).unwrap(), [Val::I32(0x8765_4321u32 as i32)]);
        assert_eq!(call(s, i, "i64.load8_s", &[Val::I32(0)]).unwrap(), [Val::I64(-121)]);
        assert_eq!(trap(call(s, i, "i32.load", &[Val::I32(PAGE - 3)])), oob);
        assert_eq!(trap(call(s, i, "i32.load", &[Val::I32(-1)])), oob);
        assert_eq!(trap(call(s, i, "i64.load8_s", &[Val::I32(PAGE - 7)])), oob);
        assert_eq!(call(s, i, "i32.load16_u", &[Val::I32(0)]).unwrap(), [Val::I32(0)]);
        assert_eq!(trap(call(s, i, "i32.load16_u", &[Val::I32(1)])), oob);
        assert_eq!(trap(call(s, i, "f64.load", &[Val::I32(PAGE - 15)])), oob);
        call(s, i, "f32.store", &[Val::I32(PAGE - 4), Val::F32(1.5f32.to_bits())]).unwrap();
        assert_eq!(trap(call(s, i, "f32.store", &[Val::I32(PAGE - 3), Val::F32(0)])), oob);
        assert_eq!(trap(call(s, i, "i64.store32", &[Val::I32(PAGE - 7), Val::I64(0)])), oob);
        call(s, i, "i32.store8", &[Val::I32(PAGE - 1), Val::I32(0x7f)]).unwrap();
        assert_eq!(trap(call(s, i, "i32.store8", &[Val::I32(PAGE), Val::I32(0)])), oob);
        call(s, i, "v128.store", &[Val::I32(32), Val::I64(-2)]).unwrap();
        assert_eq!(call(s, i, "v128.load", &[Val::I32(16)]).unwrap(), [Val::I64(-2)]);
        assert_eq!(trap(call(s, i, "v128.load", &[Val::I32(PAGE - 31)])), oob);
        assert_eq!(trap(call(s, i, "v128.store", &[Val::I32(PAGE - 15), Val::I64(0)])), oob);
        assert_eq!(call(s, i, "v128.load32_lane", &[Val::I32(32)]).unwrap(), [Val::I32(-2)]);
        assert_eq!(trap(call(s, i, "v128.load32_lane", &[Val::I32(PAGE - 3)])), oob);
        assert_eq!(trap(call(s, i, "big_offset", &[Val::I32(0)])), oob);
    });
}

#[test]
fn table_accesses_out_of_bounds_trap_with_their_codes() {
    run_each_way(|s, i| {
        assert_eq!(call(s, i, "call_indirect", &[Val::I32(1), Val::I32(41)]).unwrap(), [Val::I32(42)]);
        assert_eq!(trap(call(s, i, "call_indirect", &[Val::I32(2), Val::I32(0)])), WasmTrap::UninitializedElement);
        assert_eq!(trap(call(s, i, "call_indirect", &[Val::I32(4), Val::I32(0)])), WasmTrap::UndefinedElement);
        assert_eq!(trap(call(s, i, "call_indirect", &[Val::I32(-1), Val::I32(0)])), WasmTrap::UndefinedElement);
        assert_eq!(call(s, i, "table.get", &[Val::I32(1)]).unwrap(), [Val::I32(1)]);
        assert_eq!(trap(call(s, i, "table.get", &[Val::I32(2)])), WasmTrap::TableOutOfBounds);
        call(s, i, "table.set", &[Val::I32(0)]).unwrap();
        assert_eq!(trap(call(s, i, "table.set", &[Val::I32(i32::MIN)])), WasmTrap::TableOutOfBounds);
    });
}

#[test]
fn br_table_reaches_its_targets_and_the_default() {
    run_each_way(|s, i| {
        for (index, want) in [(0, 10), (1, 20), (2, 30), (3, 20), (4, 40), (5, 40), (-1, 40), (i32::MIN, 40)] {
            assert_eq!(call(s, i, "br_table", &[Val::I32(index)]).unwrap(), [Val::I32(want)], "index {index}");
        }
    });
}

#[test]
fn jump_tables_clamp_their_index_without_a_branch_on_every_isa() {
    // The `br_table` of the module compiled for each ISA with jump tables: the
    // instructions before the table's address is taken must clamp the index (a
    // conditional move), and no branch may go to the default on the bounds (the stack
    // check's branch over its trap is to an offset, not a block).
    // riscv64 has no jump tables: its `br_table` is a tree of compares.
    let info = lathe_wasm::module::parse(&wat(MODULE)).expect("valid module");
    let index = info.exports.iter().find(|e| e.name == "br_table").expect("the export").index;
    let ir = translate_function(&info, index, TranslateOptions::default(), &mut FunctionBuilderContext::new())
        .expect("translates");
    for (arch, table_address, clamp, bounds_branch) in [
        ("x86_64", "[rip+jt]", "cmovnb ", "jnb block"),
        ("aarch64", "adr x16", "csel ", "b.hs block"),
        ("s390x", "larl %r0", "locgrl ", "jghe block"),
    ] {
        let isa = lathe_codegen::isa::lookup_by_name(arch).expect("a backend").finish().expect("settings");
        let code = isa.compile_function(&ir, true).expect("compiles");
        let listing = code.listing.expect("asked for");
        let lines: Vec<&str> = listing.lines().map(str::trim).collect();
        let at = lines.iter().position(|l| l.contains(table_address)).unwrap_or_else(|| panic!("{arch}:\n{listing}"));
        let before = &lines[at.saturating_sub(4)..at];
        assert!(before.iter().any(|l| l.starts_with(clamp)), "{arch}: the index is clamped: {before:?}");
        assert!(!lines.iter().any(|l| l.starts_with(bounds_branch)), "{arch}: no bounds branch:\n{listing}");
    }
}
