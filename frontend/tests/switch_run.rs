//! `Switch` run in the interpreter: for every integer type, dense, sparse and extreme case
//! sets must send every probed value to the right block.

use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::{AbiParam, Function, InstBuilder, Opcode, Signature, Type, types::*};
use lathe_frontend::{FunctionBuilder, FunctionBuilderContext, Switch};
use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn mask(ty: Type) -> u128 {
    if ty.bits() == 128 { u128::MAX } else { (1u128 << ty.bits()) - 1 }
}

fn data(ty: Type, x: u128) -> DataValue {
    match ty.bits() {
        8 => DataValue::I8(x as u8 as i8),
        16 => DataValue::I16(x as u16 as i16),
        32 => DataValue::I32(x as u32 as i32),
        64 => DataValue::I64(x as u64 as i64),
        _ => DataValue::I128(x as i128),
    }
}

/// `f(x)`: the number of the case `x` matches (cases are numbered from 1 and several keys
/// may share a target), or 0 for the default.
fn build(ty: Type, cases: &[(u128, usize)], targets: usize) -> Function {
    let mut sig = Signature::default();
    sig.params.push(AbiParam::new(ty));
    sig.returns.push(AbiParam::new(I32));
    let mut func = Function::new_test("f", sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    b.set_verify_on_finish(true);
    let entry = b.create_block();
    let blocks: Vec<_> = (0..=targets).map(|_| b.create_block()).collect();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let x = b.block_params(entry)[0];
    let mut sw = Switch::new();
    for &(k, t) in cases {
        sw.set_entry(k, blocks[t]);
    }
    sw.emit(&mut b, x, blocks[0]);
    for (i, &blk) in blocks.iter().enumerate() {
        b.switch_to_block(blk);
        b.seal_block(blk);
        let r = b.ins().iconst(I32, i as i64);
        b.ins().return_(&[r]);
    }
    b.finish().unwrap_or_else(|e| panic!("{ty} {cases:?}: {e}"));
    func
}

fn check(ty: Type, cases: &[(u128, usize)], probes: &[u128]) -> Function {
    let targets = cases.iter().map(|c| c.1).max().unwrap_or(0);
    let func = build(ty, cases, targets);
    let mut store = FunctionStore::new();
    store.add(&func);
    let mut interp = Interpreter::new(store);
    for &p in probes {
        let p = p & mask(ty);
        let expected = cases.iter().find(|c| c.0 == p).map_or(0, |c| c.1) as i32;
        let got = interp.call_by_name("f", &[data(ty, p)]);
        assert_eq!(got, Ok(CallOutcome::Return(vec![DataValue::I32(expected)])), "{ty} x={p:#x}\n{func}");
    }
    func
}

fn uses(func: &Function, op: Opcode) -> bool {
    func.layout.blocks().any(|b| func.layout.block_insts(b).any(|i| func.dfg.insts[i].opcode() == op))
}

#[test]
fn every_integer_type_dense_and_sparse() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for ty in [I8, I16, I32, I64, I128] {
        for round in 0..40 {
            let m = mask(ty);
            // A dense run somewhere (possibly wrapping near the top), sparse keys, extremes.
            let base = if round % 4 == 0 { m - 5 } else { u128::from(rng.next()) & m };
            let mut keys: Vec<u128> = (0..(round % 12) as u128).map(|i| base.wrapping_add(i) & m).collect();
            for _ in 0..round % 7 {
                keys.push((u128::from(rng.next()) | (u128::from(rng.next()) << 64)) & m);
            }
            if round % 3 == 0 {
                keys.extend([0, m, m >> 1, (m >> 1) + 1]);
            }
            keys.sort_unstable();
            keys.dedup();
            let cases: Vec<(u128, usize)> = keys.iter().enumerate().map(|(i, &k)| (k, 1 + i % 5)).collect();
            let mut probes = vec![0, m, m >> 1, (m >> 1) + 1, 1];
            for &k in &keys {
                probes.extend([k, k.wrapping_add(1), k.wrapping_sub(1)]);
            }
            for _ in 0..8 {
                probes.push(u128::from(rng.next()) | (u128::from(rng.next()) << 64));
            }
            check(ty, &cases, &probes);
        }
    }
}

#[test]
fn dense_cases_use_a_jump_table_and_sparse_ones_do_not() {
    for ty in [I8, I32, I64, I128] {
        let dense: Vec<(u128, usize)> = (10..30).map(|k| (k, 1 + (k as usize % 3))).collect();
        let probes: Vec<u128> = (0..40).chain([mask(ty), 1 << 7]).collect();
        let f = check(ty, &dense, &probes);
        assert!(uses(&f, Opcode::BrTable), "{ty}");
        let sparse: Vec<(u128, usize)> = [1u128, 100, 10_000, 100_000].iter().map(|&k| (k & mask(ty), 1)).collect();
        let f = check(ty, &sparse, &[0, 1, 2, 100, 10_000, 100_000, 99_999]);
        assert!(!uses(&f, Opcode::BrTable), "{ty}");
    }
}

#[test]
fn an_empty_switch_jumps_to_the_default() {
    let f = check(I32, &[], &[0, 5, u32::MAX as u128]);
    assert!(uses(&f, Opcode::Jump));
}
