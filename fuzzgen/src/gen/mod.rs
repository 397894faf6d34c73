//! The program generator: bytes, read through [`arbitrary::Unstructured`], become a
//! [`Program`] of an entry function `%main` and, when calls are on, a leaf `%callee` that
//! `%main` calls.
//!
//! A function is built as nested regions (`region`), each a list of statements: a plain
//! instruction (see `ops`), an if/else diamond, a `br_table` switch, a counted loop, or an
//! early exit (a branch to a block that returns or traps). Every region falls through to
//! the code after it, so the control-flow graph is structured and reducible.
//!
//! Invariants the checkers rely on:
//! - Every program passes the verifier. Values in `vars` always dominate the insertion
//!   point: a region pushes what it defines and the statement that opened it truncates
//!   `vars` back when the region ends; values leave a region only through block parameters.
//! - Every program terminates: branches go forward except the back edge of a counted loop,
//!   whose counter is a block parameter that starts in `1..=max_trip_count` and is
//!   decremented on every iteration; `%callee` calls nothing.
//! - Memory accesses stay inside stack slots, and every slot is fully written in the entry
//!   block before anything can read it (the interpreter and native code would otherwise
//!   read different garbage).

mod ops;
mod values;

pub use values::generate_inputs;

use crate::config::Config;
use crate::program::Program;
use arbitrary::{Result, Unstructured};
use lathe_codegen::ir::types::{F32, F64, I8, I16, I32, I64, I128};
use lathe_codegen::ir::{
    AbiParam, AliasClass, AliasRegionData, Block, BlockCall, CallConv, ExtFuncData, ExternalName, FuncRef, Function,
    Inst, InstructionData, IntCC, JumpTableData, Opcode, Signature, StackSlot, StackSlotData, StackSlotKind, Type,
    Value,
};
use ops::OpTable;

/// Generates a program for `cfg`. Fails only if `u` reports an error other than running out
/// of data (running out makes every later choice the smallest one, which still gives a valid
/// program).
pub fn generate_program(u: &mut Unstructured<'_>, cfg: &Config) -> Result<Program> {
    let mut functions = Vec::with_capacity(2);
    let callee = if cfg.calls && u.ratio(2u8, 3)? {
        let sig = gen_signature(u, cfg, false)?;
        let f = FuncGen::new(u, cfg, ExternalName::TestCase("callee".into()), sig, None)?.build()?;
        Some(f)
    } else {
        None
    };
    let main_sig = gen_signature(u, cfg, true)?;
    let main = FuncGen::new(u, cfg, ExternalName::TestCase("main".into()), main_sig, callee.as_ref())?.build()?;
    functions.push(main);
    functions.extend(callee);
    Ok(Program { functions })
}

/// The types values of a function generated under `cfg` may have.
fn value_types(cfg: &Config) -> Vec<Type> {
    let mut tys = vec![I8, I16, I32, I64];
    if cfg.i128 {
        tys.push(I128);
    }
    if cfg.floats {
        tys.extend([F32, F64]);
    }
    tys
}

/// A signature of `system_v` convention with types from `cfg`; an entry function returns at
/// least one value (so that a run line has something to compare).
fn gen_signature(u: &mut Unstructured<'_>, cfg: &Config, entry: bool) -> Result<Signature> {
    let tys = value_types(cfg);
    let mut sig = Signature::new(CallConv::SystemV);
    let nparams = u.int_in_range(0..=cfg.max_params)?;
    for _ in 0..nparams {
        sig.params.push(AbiParam::new(*u.choose(&tys)?));
    }
    let min_returns = usize::from(entry).min(cfg.max_returns);
    let nreturns = u.int_in_range(min_returns..=cfg.max_returns.max(min_returns))?;
    for _ in 0..nreturns {
        sig.returns.push(AbiParam::new(*u.choose(&tys)?));
    }
    Ok(sig)
}

/// The callee as the caller sees it.
struct Callee {
    func_ref: FuncRef,
    params: Vec<Type>,
}

/// The state of building one function.
struct FuncGen<'c, 'u> {
    u: &'c mut Unstructured<'u>,
    cfg: &'c Config,
    func: Function,
    /// The block instructions are appended to.
    cur: Block,
    /// Values that dominate the insertion point (see the module docs).
    vars: Vec<Value>,
    /// Statements left to generate.
    budget: usize,
    /// The stack slots with their size in bytes and log2 alignment.
    slots: Vec<(StackSlot, u32, u8)>,
    /// The alias class of each slot's memory: accesses to the slot name it or none, so
    /// accesses of different classes never overlap, as the flags promise.
    slot_classes: Vec<Option<AliasClass>>,
    callee: Option<Callee>,
    ops: OpTable,
    types: Vec<Type>,
}

impl<'c, 'u> FuncGen<'c, 'u> {
    fn new(
        u: &'c mut Unstructured<'u>,
        cfg: &'c Config,
        name: ExternalName,
        sig: Signature,
        callee: Option<&Function>,
    ) -> Result<Self> {
        let any_opcode = !cfg.backend_subset || u.int_in_range(0u8..=255)? < cfg.any_opcode_per_256;
        let mut func = Function::with_name_signature(name, sig);
        let callee = match callee {
            Some(c) => {
                let sig_ref = func.import_signature(c.signature.clone());
                let func_ref =
                    func.import_function(ExtFuncData { name: c.name.clone(), signature: sig_ref, colocated: true });
                Some(Callee { func_ref, params: c.signature.params.iter().map(|p| p.value_type).collect() })
            }
            None => None,
        };
        let entry = func.dfg.make_block();
        func.layout.append_block(entry);
        Ok(FuncGen {
            u,
            cfg,
            func,
            cur: entry,
            vars: Vec::new(),
            budget: cfg.max_insts,
            slots: Vec::new(),
            slot_classes: Vec::new(),
            ops: OpTable::new(cfg, any_opcode, callee.is_some()),
            callee,
            types: value_types(cfg),
        })
    }

    /// Builds the whole function: entry parameters, stack slots (initialised), the body
    /// region and the final return.
    fn build(mut self) -> Result<Function> {
        let entry = self.cur;
        let params: Vec<Type> = self.func.signature.params.iter().map(|p| p.value_type).collect();
        for ty in params {
            let v = self.func.dfg.append_block_param(entry, ty);
            self.vars.push(v);
        }
        self.stack_slots()?;
        self.region(0)?;
        self.ret()?;
        Ok(self.func)
    }

    /// Declares up to three stack slots and fills each with stored values, 8 bytes at a
    /// time, so no later load reads uninitialised memory.
    fn stack_slots(&mut self) -> Result<()> {
        let n = self.u.int_in_range(0..=3)?;
        for _ in 0..n {
            let size = 8 * self.u.int_in_range(1u32..=8)?;
            let align_shift = self.u.int_in_range(0u8..=4)?;
            let slot = self.func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, align_shift));
            self.slots.push((slot, size, align_shift));
            let class = match self.u.int_in_range(0u8..=5)? {
                0 => Some(AliasClass::Heap),
                1 => Some(AliasClass::Table),
                2 => Some(AliasClass::Vmctx),
                3 | 4 => {
                    // Keys unique per slot; the name says which.
                    let key = self.func.alias_regions.len() as u32 + 100;
                    let name = format!("slot {}", slot);
                    Some(AliasClass::Region(self.func.create_alias_region(AliasRegionData { key, name })))
                }
                _ => None,
            };
            self.slot_classes.push(class);
            for off in (0..size).step_by(8) {
                let v = self.operand(I64)?;
                self.ins(
                    InstructionData::StackStore {
                        opcode: Opcode::StackStore,
                        arg: v,
                        stack_slot: slot,
                        offset: (off as i32).into(),
                    },
                    I64,
                );
            }
        }
        Ok(())
    }

    // ---- Building blocks ----

    /// Appends an instruction with controlling type `ctrl` to the current block.
    fn ins(&mut self, data: InstructionData, ctrl: Type) -> Inst {
        let inst = self.func.dfg.make_inst(data);
        self.func.dfg.make_inst_results(inst, ctrl);
        self.func.layout.append_inst(inst, self.cur);
        inst
    }

    /// Appends a single-result instruction and makes its result available.
    fn ins1(&mut self, data: InstructionData, ctrl: Type) -> Value {
        let inst = self.ins(data, ctrl);
        let v = self.func.dfg.first_result(inst);
        self.vars.push(v);
        v
    }

    /// Makes all results of `inst` available.
    fn push_results(&mut self, inst: Inst) {
        let results = self.func.dfg.inst_results(inst).to_vec();
        self.vars.extend(results);
    }

    /// A new block, placed at the end of the layout, with parameters of `tys`.
    fn new_block(&mut self, tys: &[Type]) -> (Block, Vec<Value>) {
        let b = self.func.dfg.make_block();
        self.func.layout.append_block(b);
        let params = tys.iter().map(|&t| self.func.dfg.append_block_param(b, t)).collect();
        (b, params)
    }

    fn block_call(&mut self, b: Block, args: &[Value]) -> BlockCall {
        self.func.dfg.block_call(b, args)
    }

    fn jump(&mut self, b: Block, args: &[Value]) {
        let destination = self.block_call(b, args);
        self.ins(InstructionData::Jump { opcode: Opcode::Jump, destination }, lathe_codegen::ir::types::INVALID);
    }

    fn brif(&mut self, c: Value, then: (Block, &[Value]), els: (Block, &[Value])) {
        let blocks = [self.block_call(then.0, then.1), self.block_call(els.0, els.1)];
        self.ins(InstructionData::Brif { opcode: Opcode::Brif, arg: c, blocks }, lathe_codegen::ir::types::INVALID);
    }

    /// Operands for each of `tys`.
    fn operands(&mut self, tys: &[Type]) -> Result<Vec<Value>> {
        tys.iter().map(|&t| self.operand(t)).collect()
    }

    /// Up to `max` types, mostly of values already available (so block parameters carry
    /// real data through the CFG).
    fn some_types(&mut self, max: usize) -> Result<Vec<Type>> {
        let n = self.u.int_in_range(0..=max)?;
        let mut tys = Vec::with_capacity(n);
        for _ in 0..n {
            let t = if !self.vars.is_empty() && self.u.ratio(3u8, 4)? {
                let v = *self.u.choose(&self.vars)?;
                self.func.dfg.value_type(v)
            } else {
                *self.u.choose(&self.types)?
            };
            tys.push(t);
        }
        Ok(tys)
    }

    /// Returns values of the signature's return types from the current block.
    fn ret(&mut self) -> Result<()> {
        let tys: Vec<Type> = self.func.signature.returns.iter().map(|p| p.value_type).collect();
        let args = self.operands(&tys)?;
        let args = self.func.dfg.value_list(&args);
        self.ins(InstructionData::MultiAry { opcode: Opcode::Return, args }, lathe_codegen::ir::types::INVALID);
        Ok(())
    }

    // ---- Statements ----

    /// A list of statements; the current block at the end is where code after the region
    /// goes.
    fn region(&mut self, depth: usize) -> Result<()> {
        let n = self.u.int_in_range(1..=10)?;
        let nest = depth < self.cfg.max_depth;
        for _ in 0..n {
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            match self.u.int_in_range(0u8..=99)? {
                70..=77 if nest => self.if_else(depth)?,
                78..=83 if nest => self.counted_loop(depth)?,
                84..=86 if nest => self.switch(depth)?,
                87..=90 => self.early_exit()?,
                _ => self.ops_statement()?,
            }
        }
        Ok(())
    }

    /// One instruction from the op table (it may add helper instructions).
    fn ops_statement(&mut self) -> Result<()> {
        let op = self.ops.pick(self.u)?;
        self.gen_op(op)
    }

    /// A condition for a branch: a fresh comparison (which the backend may fuse into the
    /// branch) or an existing integer value.
    fn condition(&mut self) -> Result<Value> {
        match self.u.int_in_range(0u8..=3)? {
            0 | 1 => {
                let ty = self.int_type()?;
                let x = self.operand(ty)?;
                let y = self.operand(ty)?;
                let cond = *self.u.choose(IntCC::ALL)?;
                Ok(self.ins1(InstructionData::IntCompare { opcode: Opcode::Icmp, cond, args: [x, y] }, ty))
            }
            2 => {
                let ty = self.int_type()?;
                let x = self.operand(ty)?;
                let cond = *self.u.choose(IntCC::ALL)?;
                let imm = values::interesting_int(self.u, ty.bits().min(64))?;
                Ok(self.ins1(
                    InstructionData::IntCompareImm { opcode: Opcode::IcmpImm, cond, arg: x, imm: imm.into() },
                    ty,
                ))
            }
            _ => {
                let ty = self.int_type()?;
                self.operand(ty)
            }
        }
    }

    /// `brif c, then(..), else(..)`, each arm a region, both joining in a merge block whose
    /// parameters carry values out; or, a quarter of the time, both edges going straight to
    /// the merge block with different arguments (two edges to one block).
    fn if_else(&mut self, depth: usize) -> Result<()> {
        let c = self.condition()?;
        let merge_tys = self.some_types(3)?;
        let (merge, merge_params) = self.new_block(&merge_tys);
        if self.u.ratio(1u8, 4)? {
            let a = self.operands(&merge_tys)?;
            let b = self.operands(&merge_tys)?;
            self.brif(c, (merge, &a), (merge, &b));
        } else {
            let then_tys = self.some_types(2)?;
            let else_tys = self.some_types(2)?;
            let then_args = self.operands(&then_tys)?;
            let else_args = self.operands(&else_tys)?;
            let (then_b, then_params) = self.new_block(&then_tys);
            let (else_b, else_params) = self.new_block(&else_tys);
            self.brif(c, (then_b, &then_args), (else_b, &else_args));
            for (b, params) in [(then_b, then_params), (else_b, else_params)] {
                self.arm(b, params, depth, merge, &merge_tys)?;
            }
        }
        self.cur = merge;
        self.vars.extend(merge_params);
        Ok(())
    }

    /// Fills `b` (with `params`) with a region that then jumps to `merge`.
    fn arm(&mut self, b: Block, params: Vec<Value>, depth: usize, merge: Block, merge_tys: &[Type]) -> Result<()> {
        let saved = self.vars.len();
        self.cur = b;
        self.vars.extend(params);
        self.region(depth + 1)?;
        let out = self.operands(merge_tys)?;
        self.jump(merge, &out);
        self.vars.truncate(saved);
        Ok(())
    }

    /// `br_table` over an `i32` index to up to four case blocks (possibly repeated, and the
    /// default possibly one of them), each a region that jumps to a merge block.
    fn switch(&mut self, depth: usize) -> Result<()> {
        let mut idx = self.operand(I32)?;
        if self.u.ratio(1u8, 2)? {
            let mask = self.u.int_in_range(0i64..=7)?;
            idx = self.ins1(InstructionData::BinaryImm64 { opcode: Opcode::BandImm, arg: idx, imm: mask.into() }, I32);
        }
        let merge_tys = self.some_types(2)?;
        let (merge, merge_params) = self.new_block(&merge_tys);
        let ncases = self.u.int_in_range(1..=4)?;
        let mut targets: Vec<Block> = Vec::with_capacity(ncases);
        for _ in 0..ncases {
            targets.push(self.new_block(&[]).0);
        }
        let mut entries = Vec::new();
        for _ in 0..self.u.int_in_range(0..=6)? {
            let t = *self.u.choose(&targets)?;
            entries.push(self.block_call(t, &[]));
        }
        let default = *self.u.choose(&targets)?;
        let default = self.block_call(default, &[]);
        let table = self.func.dfg.make_jump_table(JumpTableData::new(default, &entries));
        self.ins(
            InstructionData::BranchTable { opcode: Opcode::BrTable, arg: idx, table },
            lathe_codegen::ir::types::INVALID,
        );
        for t in targets {
            self.arm(t, Vec::new(), depth, merge, &merge_tys)?;
        }
        self.cur = merge;
        self.vars.extend(merge_params);
        Ok(())
    }

    /// A counted loop: `header(count, carried..)`, the body region, and a latch that
    /// decrements the count and branches back while it is non-zero, else to an exit block.
    /// The count starts in `1..=max_trip_count`, so the loop runs at most that many times.
    fn counted_loop(&mut self, depth: usize) -> Result<()> {
        let cty = *self.u.choose(&[I8, I16, I32, I64])?;
        let max = self.cfg.max_trip_count.max(1);
        let start = if self.u.ratio(1u8, 2)? {
            let k = self.u.int_in_range(1..=max)?;
            self.ins1(InstructionData::UnaryImm { opcode: Opcode::Iconst, imm: i64::from(k).into() }, cty)
        } else {
            // A count from the data: (x & mask) + 1 with mask + 1 <= max (a power of two).
            let mask = (1u32 << (31 - max.leading_zeros())) - 1;
            let x = self.operand(cty)?;
            let m = self.ins1(
                InstructionData::BinaryImm64 { opcode: Opcode::BandImm, arg: x, imm: i64::from(mask).into() },
                cty,
            );
            self.ins1(InstructionData::BinaryImm64 { opcode: Opcode::IaddImm, arg: m, imm: 1.into() }, cty)
        };
        let carried_tys = self.some_types(3)?;
        let mut init = vec![start];
        init.extend(self.operands(&carried_tys)?);
        let mut header_tys = vec![cty];
        header_tys.extend(&carried_tys);
        let (header, header_params) = self.new_block(&header_tys);
        self.jump(header, &init);

        let saved = self.vars.len();
        self.cur = header;
        self.vars.extend(&header_params);
        self.region(depth + 1)?;
        let next = self.ins1(
            InstructionData::BinaryImm64 { opcode: Opcode::IaddImm, arg: header_params[0], imm: (-1).into() },
            cty,
        );
        let mut back = vec![next];
        back.extend(self.operands(&carried_tys)?);
        let exit_tys = self.some_types(2)?;
        let out = self.operands(&exit_tys)?;
        let (exit, exit_params) = self.new_block(&exit_tys);
        if self.u.ratio(1u8, 2)? {
            self.brif(next, (header, &back), (exit, &out));
        } else {
            let done = self.ins1(
                InstructionData::IntCompareImm {
                    opcode: Opcode::IcmpImm,
                    cond: IntCC::Equal,
                    arg: next,
                    imm: 0.into(),
                },
                cty,
            );
            self.brif(done, (exit, &out), (header, &back));
        }
        self.vars.truncate(saved);
        self.cur = exit;
        self.vars.extend(exit_params);
        Ok(())
    }

    /// `brif c, exit, cont`: the exit block returns or traps (sometimes marked cold); code
    /// goes on in `cont`.
    fn early_exit(&mut self) -> Result<()> {
        let c = self.condition()?;
        let (exit, _) = self.new_block(&[]);
        let (cont, _) = self.new_block(&[]);
        if self.u.ratio(1u8, 2)? {
            self.brif(c, (exit, &[]), (cont, &[]));
        } else {
            self.brif(c, (cont, &[]), (exit, &[]));
        }
        if self.u.ratio(1u8, 3)? {
            self.func.layout.set_cold(exit, true);
        }
        let saved = self.vars.len();
        self.cur = exit;
        if self.u.ratio(1u8, 2)? {
            self.ret()?;
        } else {
            let code = values::trap_code(self.u)?;
            self.ins(InstructionData::Trap { opcode: Opcode::Trap, code }, lathe_codegen::ir::types::INVALID);
        }
        // Constants made for the return live in the exit block only.
        self.vars.truncate(saved);
        self.cur = cont;
        Ok(())
    }

    // ---- Types and operands ----

    /// An integer type of this function (no `i128` unless the config allows it).
    fn int_type(&mut self) -> Result<Type> {
        let n = if self.cfg.i128 { 5 } else { 4 };
        Ok([I8, I16, I32, I64, I128][self.u.choose_index(n)?])
    }

    /// An available value of type `ty`, or (an eighth of the time, or when there is none) a
    /// new constant. Half the time the value is one of the four most recent of its type, so
    /// results feed later instructions in chains rather than dying at once.
    fn operand(&mut self, ty: Type) -> Result<Value> {
        let n = self.vars.iter().filter(|&&v| self.func.dfg.value_type(v) == ty).count();
        if n > 0 && !self.u.ratio(1u8, 8)? {
            let k =
                if self.u.ratio(1u8, 2)? { n - 1 - self.u.choose_index(n.min(4))? } else { self.u.choose_index(n)? };
            let v = self.vars.iter().copied().filter(|&v| self.func.dfg.value_type(v) == ty).nth(k);
            if let Some(v) = v {
                return Ok(v);
            }
        }
        self.constant(ty)
    }

    /// A constant of `ty` drawn from values that tend to find bugs (zero, one, all ones,
    /// the extremes, powers of two, NaNs, infinities, ...).
    fn constant(&mut self, ty: Type) -> Result<Value> {
        match ty {
            F32 => {
                let bits = values::interesting_f32(self.u)?;
                Ok(self.ins1(
                    InstructionData::UnaryIeee32 { opcode: Opcode::F32const, imm: lathe_codegen::ir::Ieee32(bits) },
                    F32,
                ))
            }
            F64 => {
                let bits = values::interesting_f64(self.u)?;
                Ok(self.ins1(
                    InstructionData::UnaryIeee64 { opcode: Opcode::F64const, imm: lathe_codegen::ir::Ieee64(bits) },
                    F64,
                ))
            }
            I128 => {
                let lo = values::interesting_int(self.u, 64)?;
                let lo = self.ins1(InstructionData::UnaryImm { opcode: Opcode::Iconst, imm: lo.into() }, I64);
                let op = if self.u.ratio(1u8, 2)? { Opcode::Sextend } else { Opcode::Uextend };
                Ok(self.ins1(InstructionData::Unary { opcode: op, arg: lo }, I128))
            }
            _ => {
                let k = values::interesting_int(self.u, ty.bits())?;
                Ok(self.ins1(InstructionData::UnaryImm { opcode: Opcode::Iconst, imm: k.into() }, ty))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ops::{BACKEND_OPS, FLOAT_OPS, I128_OPS, OTHER_INT_OPS, Op};
    use super::*;
    use crate::seed::seed_bytes;
    use std::collections::HashSet;

    /// The opcodes of the programs of seeds `0..n` under `cfg`, each program verified.
    fn opcodes_of(cfg: &Config, n: u64) -> HashSet<Opcode> {
        let mut seen = HashSet::new();
        for seed in 0..n {
            let bytes = seed_bytes(seed, 4096);
            let p = generate_program(&mut Unstructured::new(&bytes), cfg).expect("generation");
            for f in &p.functions {
                if let Err(e) = lathe_codegen::verifier::verify_function(f) {
                    panic!("seed {seed}: {e}\n{f}");
                }
                for b in f.layout.blocks() {
                    for i in f.layout.block_insts(b) {
                        seen.insert(f.dfg.insts[i].opcode());
                    }
                }
            }
        }
        seen
    }

    fn opcode_of(op: Op) -> Option<Opcode> {
        use Op::*;
        Some(match op {
            IntBinary(o) | IntDiv(o) | Shift(o) | IntUnary(o) | IntImm(o) | Select(o) | Extend(o) | Overflow(o)
            | OverflowCarry(o) | FloatBinary(o) | FloatUnary(o) | FloatToInt(o) | IntToFloat(o) | CondTrap(o) => o,
            Icmp => Opcode::Icmp,
            IcmpImm => Opcode::IcmpImm,
            Bitselect => Opcode::Bitselect,
            Ireduce => Opcode::Ireduce,
            Bmask => Opcode::Bmask,
            AddTrap => Opcode::UaddOverflowTrap,
            Iconst => Opcode::Iconst,
            Fma => Opcode::Fma,
            Fcmp => Opcode::Fcmp,
            Bitcast => Opcode::Bitcast,
            Isplit => Opcode::Isplit,
            Iconcat => Opcode::Iconcat,
            StackStore => Opcode::StackStore,
            StackLoad => Opcode::StackLoad,
            Store => Opcode::Store,
            Load => Opcode::Load,
            Call => Opcode::Call,
            FloatConvert => return None,
        })
    }

    #[test]
    fn jit_programs_use_every_backend_opcode_and_control_form() {
        let seen = opcodes_of(&Config::jit(), 400);
        for &(op, _) in BACKEND_OPS {
            let o = opcode_of(op).expect("backend ops have one opcode");
            assert!(seen.contains(&o), "no program used `{o}`");
        }
        for o in [Opcode::BrTable, Opcode::Brif, Opcode::Jump, Opcode::Trap, Opcode::Return, Opcode::StackAddr] {
            assert!(seen.contains(&o), "no program used `{o}`");
        }
        for o in [Opcode::Uload8, Opcode::Sload16, Opcode::Istore8, Opcode::Istore32] {
            assert!(seen.contains(&o), "no program used `{o}`");
        }
        assert!(seen.contains(&Opcode::Fadd), "floats are on for the JIT");
        assert!(seen.contains(&Opcode::Iconcat), "i128 is on for the JIT");
    }

    #[test]
    fn interpreter_programs_use_every_scalar_opcode_of_the_tables() {
        let seen = opcodes_of(&Config::interpreter(), 400);
        for &(op, _) in BACKEND_OPS.iter().chain(OTHER_INT_OPS).chain(FLOAT_OPS).chain(I128_OPS) {
            if let Some(o) = opcode_of(op) {
                assert!(seen.contains(&o), "no program used `{o}`");
            }
        }
        assert!(seen.contains(&Opcode::Fpromote) && seen.contains(&Opcode::Fdemote));
    }

    #[test]
    fn generation_is_deterministic_and_total() {
        let bytes = seed_bytes(42, 4096);
        let a = generate_program(&mut Unstructured::new(&bytes), &Config::jit()).expect("generation");
        let b = generate_program(&mut Unstructured::new(&bytes), &Config::jit()).expect("generation");
        assert_eq!(a.to_clif(), b.to_clif());
        // Running out of bytes early still gives valid programs.
        for len in [0, 1, 7, 50] {
            let p =
                generate_program(&mut Unstructured::new(&bytes[..len]), &Config::interpreter()).expect("generation");
            for f in &p.functions {
                lathe_codegen::verifier::verify_function(f).expect("valid");
            }
        }
    }

    #[test]
    fn programs_terminate_quickly() {
        // Loops are counted and nest at most `max_depth` deep, so even a generous program
        // runs a few thousand instructions; a generator bug making an unbounded loop would
        // hit this limit.
        let cfg = Config::interpreter();
        for seed in 0..300 {
            let bytes = seed_bytes(seed, 4096);
            let mut u = Unstructured::new(&bytes);
            let p = generate_program(&mut u, &cfg).expect("generation");
            let inputs = generate_inputs(&mut u, &p.entry().signature, 2).expect("inputs");
            let mut store = lathe_interpreter::FunctionStore::new();
            for f in &p.functions {
                store.add(f);
            }
            let mut interp = lathe_interpreter::Interpreter::new(store).with_step_limit(100_000);
            for args in &inputs {
                if let Err(e) = interp.call_by_name("main", args) {
                    panic!("seed {seed}: {e}\n{}", p.to_clif());
                }
            }
        }
    }
}
