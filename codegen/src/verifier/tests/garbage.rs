//! The verifier on random garbage: it must never panic, must terminate, and must report
//! something for functions that are broken on purpose.

use super::*;
use crate::ir::{
    AtomicRmwOp, BlockArg, BlockCall, Constant, ExceptionTable, ExceptionTableData, FloatCC, Ieee16, Ieee32, Ieee64,
    InstructionFormat, ValueList,
};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const TYPES: [Type; 14] = [INVALID, I8, I16, I32, I64, I128, F32, F64, I8X16, I16X8, I32X4, I64X2, F32X4, F64X2];

const FORMATS: [InstructionFormat; 37] = {
    use InstructionFormat::*;
    [
        Nullary,
        Unary,
        UnaryImm,
        UnaryIeee32,
        UnaryIeee64,
        UnaryIeee16,
        UnaryConst,
        UnaryGlobalValue,
        Binary,
        BinaryImm64,
        BinaryImm8,
        Ternary,
        TernaryImm8,
        Shuffle,
        IntCompare,
        IntCompareImm,
        FloatCompare,
        Load,
        Store,
        LoadNoOffset,
        StoreNoOffset,
        StackLoad,
        StackStore,
        FuncAddr,
        AtomicRmw,
        AtomicCas,
        Jump,
        Brif,
        BranchTable,
        MultiAry,
        Trap,
        CondTrap,
        IntAddTrap,
        Call,
        CallIndirect,
        TryCall,
        TryCallIndirect,
    ]
};

struct Gen<'r> {
    rng: &'r mut Rng,
    values: usize,
    blocks: usize,
}

impl Gen<'_> {
    fn ty(&mut self) -> Type {
        TYPES[self.rng.below(TYPES.len())]
    }
    fn value(&mut self) -> Value {
        Value::from_u32(self.rng.below(self.values + 3) as u32)
    }
    fn values(&mut self, func: &mut Function) -> ValueList {
        let n = self.rng.below(4);
        let vs: Vec<Value> = (0..n).map(|_| self.value()).collect();
        func.dfg.value_list(&vs)
    }
    fn block_call(&mut self, func: &mut Function) -> BlockCall {
        let b = Block::from_u32(self.rng.below(self.blocks + 2) as u32);
        let n = self.rng.below(3);
        let vs: Vec<Value> = (0..n).map(|_| self.value()).collect();
        func.dfg.block_call(b, &vs)
    }
    /// A destination whose arguments may also be `retN`/`exnN`, in or out of range.
    fn try_block_call(&mut self, func: &mut Function) -> BlockCall {
        let b = Block::from_u32(self.rng.below(self.blocks + 2) as u32);
        let n = self.rng.below(3);
        let vs: Vec<Value> = (0..n)
            .map(|_| match self.rng.below(3) {
                0 => BlockArg::TryCallRet(self.rng.below(3) as u32).encode(),
                1 => BlockArg::TryCallExn(self.rng.below(3) as u32).encode(),
                _ => self.value(),
            })
            .collect();
        func.dfg.block_call(b, &vs)
    }
    /// A new exception table (sometimes a reference to one that does not exist).
    fn exception_table(&mut self, func: &mut Function) -> ExceptionTable {
        if self.rng.chance(10) {
            return self.small::<ExceptionTable>(func.dfg.exception_tables.len());
        }
        let sig = self.small::<SigRef>(func.dfg.signatures.len());
        let context = self.rng.chance(30).then(|| self.value());
        let normal = self.try_block_call(func);
        let handlers: Vec<_> = (0..self.rng.below(4))
            .map(|_| {
                let tag = self.rng.chance(70).then(|| self.rng.below(3) as u32);
                (tag, self.try_block_call(func))
            })
            .collect();
        func.dfg.make_exception_table(ExceptionTableData::new(sig, context, normal, &handlers))
    }
    fn small<T: crate::entity::EntityRef>(&mut self, n: usize) -> T {
        T::new(self.rng.below(n + 2))
    }
    fn flags(&mut self) -> MemFlags {
        let mut f = MemFlags::new();
        for name in ["notrap", "aligned", "readonly", "little", "big", "can_move"] {
            if self.rng.chance(25) {
                f.set_by_name(name);
            }
        }
        if self.rng.chance(20) {
            f = f.with_trap_code(Some(self.trap_code()));
        }
        f
    }
    fn trap_code(&mut self) -> TrapCode {
        if self.rng.chance(50) { TrapCode::User(self.rng.next() as u8) } else { TrapCode::HeapOutOfBounds }
    }

    fn data(&mut self, func: &mut Function, opcode: Opcode, format: InstructionFormat) -> InstructionData {
        use InstructionData as D;
        use InstructionFormat as F;
        let v = |g: &mut Self| g.value();
        match format {
            F::Nullary => D::Nullary { opcode },
            F::Unary => D::Unary { opcode, arg: v(self) },
            F::UnaryImm => D::UnaryImm { opcode, imm: Imm64(self.rng.next() as i64 >> self.rng.below(64)) },
            F::UnaryIeee32 => D::UnaryIeee32 { opcode, imm: Ieee32(self.rng.next() as u32) },
            F::UnaryIeee64 => D::UnaryIeee64 { opcode, imm: Ieee64(self.rng.next()) },
            F::UnaryIeee16 => D::UnaryIeee16 { opcode, imm: Ieee16(self.rng.next() as u16) },
            F::UnaryConst => D::UnaryConst { opcode, constant: self.small::<Constant>(func.dfg.constants.len()) },
            F::UnaryGlobalValue => {
                D::UnaryGlobalValue { opcode, global_value: self.small::<GlobalValue>(func.global_values.len()) }
            }
            F::Binary => D::Binary { opcode, args: [v(self), v(self)] },
            F::BinaryImm64 => D::BinaryImm64 { opcode, arg: v(self), imm: Imm64(self.rng.next() as i64) },
            F::BinaryImm8 => D::BinaryImm8 { opcode, arg: v(self), imm: self.rng.next() as u8 },
            F::Ternary => D::Ternary { opcode, args: [v(self), v(self), v(self)] },
            F::TernaryImm8 => D::TernaryImm8 { opcode, args: [v(self), v(self)], imm: self.rng.next() as u8 },
            F::Shuffle => {
                D::Shuffle { opcode, args: [v(self), v(self)], mask: self.small::<Constant>(func.dfg.constants.len()) }
            }
            F::IntCompare => {
                D::IntCompare { opcode, cond: IntCC::ALL[self.rng.below(IntCC::ALL.len())], args: [v(self), v(self)] }
            }
            F::IntCompareImm => D::IntCompareImm {
                opcode,
                cond: IntCC::ALL[self.rng.below(IntCC::ALL.len())],
                arg: v(self),
                imm: Imm64(self.rng.next() as i64),
            },
            F::FloatCompare => D::FloatCompare {
                opcode,
                cond: FloatCC::ALL[self.rng.below(FloatCC::ALL.len())],
                args: [v(self), v(self)],
            },
            F::Load => D::Load { opcode, flags: self.flags(), arg: v(self), offset: Offset32(self.rng.next() as i32) },
            F::Store => D::Store {
                opcode,
                flags: self.flags(),
                args: [v(self), v(self)],
                offset: Offset32(self.rng.next() as i32),
            },
            F::LoadNoOffset => D::LoadNoOffset { opcode, flags: self.flags(), arg: v(self) },
            F::StoreNoOffset => D::StoreNoOffset { opcode, flags: self.flags(), args: [v(self), v(self)] },
            F::StackLoad => D::StackLoad {
                opcode,
                stack_slot: self.small::<StackSlot>(func.stack_slots.len()),
                offset: Offset32(self.rng.below(40) as i32 - 8),
            },
            F::StackStore => D::StackStore {
                opcode,
                arg: v(self),
                stack_slot: self.small::<StackSlot>(func.stack_slots.len()),
                offset: Offset32(self.rng.below(40) as i32 - 8),
            },
            F::FuncAddr => D::FuncAddr { opcode, func_ref: self.small::<FuncRef>(func.dfg.ext_funcs.len()) },
            F::AtomicRmw => D::AtomicRmw {
                opcode,
                flags: self.flags(),
                op: AtomicRmwOp::ALL[self.rng.below(AtomicRmwOp::ALL.len())],
                args: [v(self), v(self)],
            },
            F::AtomicCas => D::AtomicCas { opcode, flags: self.flags(), args: [v(self), v(self), v(self)] },
            F::Jump => D::Jump { opcode, destination: self.block_call(func) },
            F::Brif => D::Brif { opcode, arg: v(self), blocks: [self.block_call(func), self.block_call(func)] },
            F::BranchTable => {
                D::BranchTable { opcode, arg: v(self), table: self.small::<JumpTable>(func.dfg.jump_tables.len()) }
            }
            F::MultiAry => D::MultiAry { opcode, args: self.values(func) },
            F::Trap => D::Trap { opcode, code: self.trap_code() },
            F::CondTrap => D::CondTrap { opcode, arg: v(self), code: self.trap_code() },
            F::IntAddTrap => D::IntAddTrap { opcode, args: [v(self), v(self)], code: self.trap_code() },
            F::Call => {
                D::Call { opcode, func_ref: self.small::<FuncRef>(func.dfg.ext_funcs.len()), args: self.values(func) }
            }
            F::CallIndirect => D::CallIndirect {
                opcode,
                sig_ref: self.small::<SigRef>(func.dfg.signatures.len()),
                args: self.values(func),
            },
            F::TryCall => D::TryCall {
                opcode,
                func_ref: self.small::<FuncRef>(func.dfg.ext_funcs.len()),
                args: self.values(func),
                exception: self.exception_table(func),
            },
            F::TryCallIndirect => {
                D::TryCallIndirect { opcode, args: self.values(func), exception: self.exception_table(func) }
            }
        }
    }
}

fn random_function(seed: u64) -> Function {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut func = Function::new_test("garbage", Signature::default());
    let nblocks = 1 + rng.below(5);
    let mut g = Gen { rng: &mut rng, values: 0, blocks: nblocks };
    for _ in 0..g.rng.below(3) {
        let t = g.ty();
        func.signature.params.push(AbiParam::new(t));
    }
    for _ in 0..g.rng.below(3) {
        let t = g.ty();
        func.signature.returns.push(AbiParam::new(t));
    }
    for _ in 0..nblocks {
        let b = func.dfg.make_block();
        if g.rng.chance(85) {
            func.layout.append_block(b);
        }
        for _ in 0..g.rng.below(3) {
            let t = g.ty();
            func.dfg.append_block_param(b, t);
        }
    }
    if g.rng.chance(10) {
        func.layout.append_block(Block::from_u32(nblocks as u32 + 5));
    }
    for _ in 0..g.rng.below(3) {
        func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, g.rng.below(32) as u32, 0));
        let mut s = Signature::default();
        for _ in 0..g.rng.below(3) {
            let t = g.ty();
            s.params.push(AbiParam::new(t));
        }
        for _ in 0..g.rng.below(2) {
            let t = g.ty();
            s.returns.push(AbiParam::new(t));
        }
        func.import_signature(s);
        let sig_ref: SigRef = g.small(1);
        func.import_function(ExtFuncData {
            name: ExternalName::TestCase("f".into()),
            signature: sig_ref,
            colocated: false,
        });
        let len = [0, 8, 15, 16, 32][g.rng.below(5)];
        let bytes: Vec<u8> = (0..len).map(|_| g.rng.next() as u8 % 40).collect();
        func.dfg.make_constant(bytes);
    }
    for _ in 0..g.rng.below(4) {
        let base: GlobalValue = g.small(3);
        let t = g.ty();
        let data = match g.rng.below(4) {
            0 => GlobalValueData::VMContext,
            1 => GlobalValueData::Load { base, offset: Offset32(0), global_type: t, flags: MemFlags::new() },
            2 => GlobalValueData::IAddImm { base, offset: Imm64(8), global_type: t },
            _ => GlobalValueData::Symbol {
                name: ExternalName::TestCase("s".into()),
                offset: Imm64(0),
                colocated: false,
                tls: false,
            },
        };
        func.create_global_value(data);
    }
    g.values = func.dfg.num_values();
    for _ in 0..g.rng.below(3) {
        let d = g.block_call(&mut func);
        let entries: Vec<BlockCall> = (0..g.rng.below(3)).map(|_| g.block_call(&mut func)).collect();
        func.dfg.make_jump_table(JumpTableData::new(d, &entries));
    }
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for _ in 0..(2 + g.rng.below(12)) {
        let opcode = Opcode::ALL[g.rng.below(Opcode::ALL.len())];
        let format = if g.rng.chance(80) { opcode.format() } else { FORMATS[g.rng.below(FORMATS.len())] };
        let data = g.data(&mut func, opcode, format);
        let inst = func.dfg.make_inst(data);
        if g.rng.chance(70) {
            let t = g.ty();
            func.dfg.make_inst_results(inst, t);
        } else {
            for _ in 0..g.rng.below(3) {
                let t = g.ty();
                func.dfg.append_result(inst, t);
            }
        }
        g.values = func.dfg.num_values();
        if g.rng.chance(90) && !blocks.is_empty() {
            let b = blocks[g.rng.below(blocks.len())];
            if func.layout.is_block_inserted(b) {
                func.layout.append_inst(inst, b);
            }
        }
    }
    // Placeholders, and aliases among arbitrary values (possibly cycles).
    func.dfg.ensure_values(g.values + g.rng.below(3));
    g.values = func.dfg.num_values();
    for _ in 0..g.rng.below(3) {
        let (a, b) = (g.value(), g.value());
        if func.dfg.value_is_valid(a) {
            func.dfg.make_alias(a, b);
        }
    }
    func
}

#[test]
fn random_garbage_never_panics() {
    let mut failures = 0;
    for seed in 0..2000 {
        let func = random_function(seed);
        if let Err(errs) = verify_function(&func) {
            failures += 1;
            for e in &errs.0 {
                assert!(!e.message.is_empty());
                assert!(!e.to_string().is_empty());
            }
        }
    }
    // Random instructions are essentially never valid.
    assert!(failures > 1900, "only {failures} of 2000 garbage functions were rejected");
}
