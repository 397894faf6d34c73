//! Typed instruction builders generated from the opcode table, and a cursor that places
//! the instructions it builds.
//!
//! [`InstBuilder`] has one method per opcode (`iadd`, `load`, `brif`, ...; `return_` for
//! `return`), each documented from the table. A method makes the [`InstructionData`],
//! works out the controlling type (the `ty` argument for opcodes with an explicit one,
//! else the type of the operand the table names), and hands both to
//! [`InstBuilderBase::build`], which creates the instruction and its results and places it.
//! Single-result methods return the result; two-result ones return both; the rest return
//! the instruction.

use super::entities::{
    Block, Constant, ExceptionTable, FuncRef, GlobalValue, Inst, JumpTable, SigRef, StackSlot, Value,
};
use super::immediates::{Ieee16, Ieee32, Ieee64, Imm64, Offset32};
use super::instructions::{CtrlSource, InstructionData, Opcode};
use super::types::{self, Type};
use super::{AtomicRmwOp, DataFlowGraph, FloatCC, Function, IntCC, MemFlags, SourceLoc, TrapCode};

/// What an [`InstBuilder`] needs: access to the DFG and a way to create and place an
/// instruction.
pub trait InstBuilderBase<'f>: Sized {
    /// The DFG the instruction will be created in.
    fn data_flow_graph(&self) -> &DataFlowGraph;
    /// The DFG, mutably (to make value lists before building).
    fn data_flow_graph_mut(&mut self) -> &mut DataFlowGraph;
    /// Creates the instruction with results for `ctrl`, places it, and returns it.
    fn build(self, data: InstructionData, ctrl: Type) -> (Inst, &'f mut DataFlowGraph);
}

/// The controlling type of `data` when the opcode infers it from an operand.
pub fn inferred_ctrl_type(dfg: &DataFlowGraph, data: &InstructionData) -> Type {
    match data.opcode().info().ctrl {
        CtrlSource::Arg(i) => {
            data.arguments(&dfg.value_lists).get(i as usize).map_or(types::INVALID, |&v| dfg.value_type(v))
        }
        _ => types::INVALID,
    }
}

macro_rules! builder_ret {
    ([]) => {
        Inst
    };
    ([$a:ident]) => {
        Value
    };
    ([$a:ident, $b:ident]) => {
        (Value, Value)
    };
}

macro_rules! builder_results {
    ($inst:ident, $dfg:ident, []) => {
        $inst
    };
    ($inst:ident, $dfg:ident, [$a:ident]) => {
        $dfg.first_result($inst)
    };
    ($inst:ident, $dfg:ident, [$a:ident, $b:ident]) => {{
        let r = $dfg.inst_results($inst);
        (r[0], r[1])
    }};
}

macro_rules! builder_ctrl {
    ($this:ident, $data:ident, [$ty:ident]) => {
        $ty
    };
    ($this:ident, $data:ident, []) => {
        inferred_ctrl_type($this.data_flow_graph(), &$data)
    };
}

macro_rules! builder_method {
    (explicit $fmt:ident $v:ident $m:ident $r:tt [$($doc:literal),*]) => {
        builder_method!(@f [ty] $fmt $v $m $r [$($doc),*]);
    };
    ($other:ident $fmt:ident $v:ident $m:ident $r:tt [$($doc:literal),*]) => {
        builder_method!(@f [] $fmt $v $m $r [$($doc),*]);
    };
    (@make [$($ty:ident)?] $v:ident $m:ident $r:tt [$($doc:literal),*] ($($p:ident : $pt:ty),*) |$this:ident| $data:expr) => {
        $(#[doc = $doc])*
        fn $m(self, $($ty: Type,)? $($p: $pt),*) -> builder_ret!($r) {
            #[allow(unused_mut)]
            let mut $this = self;
            let data = $data;
            let ctrl = builder_ctrl!($this, data, [$($ty)?]);
            let (inst, dfg) = $this.build(data, ctrl);
            let _ = &dfg;
            builder_results!(inst, dfg, $r)
        }
    };
    (@f $ty:tt Nullary $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc () |this| InstructionData::Nullary { opcode: Opcode::$v });
    };
    (@f $ty:tt Unary $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value) |this| InstructionData::Unary { opcode: Opcode::$v, arg: x });
    };
    (@f $ty:tt UnaryImm $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (imm: impl Into<Imm64>) |this| InstructionData::UnaryImm { opcode: Opcode::$v, imm: imm.into() });
    };
    (@f $ty:tt UnaryIeee32 $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (imm: impl Into<Ieee32>) |this| InstructionData::UnaryIeee32 { opcode: Opcode::$v, imm: imm.into() });
    };
    (@f $ty:tt UnaryIeee64 $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (imm: impl Into<Ieee64>) |this| InstructionData::UnaryIeee64 { opcode: Opcode::$v, imm: imm.into() });
    };
    (@f $ty:tt UnaryIeee16 $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (imm: Ieee16) |this| InstructionData::UnaryIeee16 { opcode: Opcode::$v, imm });
    };
    (@f $ty:tt UnaryConst $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (constant: Constant) |this| InstructionData::UnaryConst { opcode: Opcode::$v, constant });
    };
    (@f $ty:tt UnaryGlobalValue $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (global_value: GlobalValue) |this| InstructionData::UnaryGlobalValue { opcode: Opcode::$v, global_value });
    };
    (@f $ty:tt Binary $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, y: Value) |this| InstructionData::Binary { opcode: Opcode::$v, args: [x, y] });
    };
    (@f $ty:tt BinaryImm64 $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, imm: impl Into<Imm64>) |this| InstructionData::BinaryImm64 { opcode: Opcode::$v, arg: x, imm: imm.into() });
    };
    (@f $ty:tt BinaryImm8 $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, lane: u8) |this| InstructionData::BinaryImm8 { opcode: Opcode::$v, arg: x, imm: lane });
    };
    (@f $ty:tt Ternary $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, y: Value, z: Value) |this| InstructionData::Ternary { opcode: Opcode::$v, args: [x, y, z] });
    };
    (@f $ty:tt TernaryImm8 $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, y: Value, lane: u8) |this| InstructionData::TernaryImm8 { opcode: Opcode::$v, args: [x, y], imm: lane });
    };
    (@f $ty:tt Shuffle $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, y: Value, mask: Constant) |this| InstructionData::Shuffle { opcode: Opcode::$v, args: [x, y], mask });
    };
    (@f $ty:tt IntCompare $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (cond: IntCC, x: Value, y: Value) |this| InstructionData::IntCompare { opcode: Opcode::$v, cond, args: [x, y] });
    };
    (@f $ty:tt IntCompareImm $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (cond: IntCC, x: Value, imm: impl Into<Imm64>) |this| InstructionData::IntCompareImm { opcode: Opcode::$v, cond, arg: x, imm: imm.into() });
    };
    (@f $ty:tt FloatCompare $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (cond: FloatCC, x: Value, y: Value) |this| InstructionData::FloatCompare { opcode: Opcode::$v, cond, args: [x, y] });
    };
    (@f $ty:tt Load $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (flags: MemFlags, p: Value, offset: impl Into<Offset32>) |this| InstructionData::Load { opcode: Opcode::$v, flags, arg: p, offset: offset.into() });
    };
    (@f $ty:tt Store $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (flags: MemFlags, x: Value, p: Value, offset: impl Into<Offset32>) |this| InstructionData::Store { opcode: Opcode::$v, flags, args: [x, p], offset: offset.into() });
    };
    (@f $ty:tt LoadNoOffset $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (flags: MemFlags, x: Value) |this| InstructionData::LoadNoOffset { opcode: Opcode::$v, flags, arg: x });
    };
    (@f $ty:tt StoreNoOffset $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (flags: MemFlags, x: Value, p: Value) |this| InstructionData::StoreNoOffset { opcode: Opcode::$v, flags, args: [x, p] });
    };
    (@f $ty:tt StackLoad $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (slot: StackSlot, offset: impl Into<Offset32>) |this| InstructionData::StackLoad { opcode: Opcode::$v, stack_slot: slot, offset: offset.into() });
    };
    (@f $ty:tt StackStore $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, slot: StackSlot, offset: impl Into<Offset32>) |this| InstructionData::StackStore { opcode: Opcode::$v, arg: x, stack_slot: slot, offset: offset.into() });
    };
    (@f $ty:tt FuncAddr $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (func_ref: FuncRef) |this| InstructionData::FuncAddr { opcode: Opcode::$v, func_ref });
    };
    (@f $ty:tt AtomicRmw $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (flags: MemFlags, op: AtomicRmwOp, p: Value, x: Value) |this| InstructionData::AtomicRmw { opcode: Opcode::$v, flags, op, args: [p, x] });
    };
    (@f $ty:tt AtomicCas $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (flags: MemFlags, p: Value, expected: Value, replacement: Value) |this| InstructionData::AtomicCas { opcode: Opcode::$v, flags, args: [p, expected, replacement] });
    };
    (@f $ty:tt Jump $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (block: Block, args: &[Value]) |this| InstructionData::Jump {
            opcode: Opcode::$v,
            destination: this.data_flow_graph_mut().block_call(block, args),
        });
    };
    (@f $ty:tt Brif $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (c: Value, then_block: Block, then_args: &[Value], else_block: Block, else_args: &[Value]) |this| {
            let dfg = this.data_flow_graph_mut();
            let blocks = [dfg.block_call(then_block, then_args), dfg.block_call(else_block, else_args)];
            InstructionData::Brif { opcode: Opcode::$v, arg: c, blocks }
        });
    };
    (@f $ty:tt BranchTable $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, table: JumpTable) |this| InstructionData::BranchTable { opcode: Opcode::$v, arg: x, table });
    };
    (@f $ty:tt MultiAry $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (args: &[Value]) |this| InstructionData::MultiAry {
            opcode: Opcode::$v,
            args: this.data_flow_graph_mut().value_list(args),
        });
    };
    (@f $ty:tt Trap $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (code: TrapCode) |this| InstructionData::Trap { opcode: Opcode::$v, code });
    };
    (@f $ty:tt CondTrap $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (c: Value, code: TrapCode) |this| InstructionData::CondTrap { opcode: Opcode::$v, arg: c, code });
    };
    (@f $ty:tt IntAddTrap $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (x: Value, y: Value, code: TrapCode) |this| InstructionData::IntAddTrap { opcode: Opcode::$v, args: [x, y], code });
    };
    (@f $ty:tt Call $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (func_ref: FuncRef, args: &[Value]) |this| InstructionData::Call {
            opcode: Opcode::$v,
            func_ref,
            args: this.data_flow_graph_mut().value_list(args),
        });
    };
    (@f $ty:tt CallIndirect $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (sig_ref: SigRef, callee: Value, args: &[Value]) |this| {
            let dfg = this.data_flow_graph_mut();
            let mut list = dfg.value_list(&[callee]);
            list.extend(args.iter().copied(), &mut dfg.value_lists);
            InstructionData::CallIndirect { opcode: Opcode::$v, sig_ref, args: list }
        });
    };
    (@f $ty:tt TryCall $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (func_ref: FuncRef, args: &[Value], exception: ExceptionTable) |this| InstructionData::TryCall {
            opcode: Opcode::$v,
            func_ref,
            args: this.data_flow_graph_mut().value_list(args),
            exception,
        });
    };
    (@f $ty:tt TryCallIndirect $v:ident $m:ident $r:tt $doc:tt) => {
        builder_method!(@make $ty $v $m $r $doc (callee: Value, args: &[Value], exception: ExceptionTable) |this| {
            let dfg = this.data_flow_graph_mut();
            let mut list = dfg.value_list(&[callee]);
            list.extend(args.iter().copied(), &mut dfg.value_lists);
            InstructionData::TryCallIndirect { opcode: Opcode::$v, args: list, exception }
        });
    };
}

macro_rules! define_inst_builder {
    ($( $(#[doc = $doc:literal])* $v:ident $m:ident $s:literal $fmt:ident $ctrl:ident $ts:ident
        [$($a:ident),*] [$($r:ident),*] [$($f:ident)*]; )*) => {
        /// One method per opcode, generated from the opcode table. Methods of opcodes with
        /// an explicit controlling type take it as their first argument (`iconst(I32, 7)`,
        /// `load(I64, flags, p, 8)`).
        pub trait InstBuilder<'f>: InstBuilderBase<'f> {
            $( builder_method!($ctrl $fmt $v $m [$($r),*] [$($doc),*]); )*
        }
    };
}

crate::for_each_opcode!(define_inst_builder);

impl<'f, T: InstBuilderBase<'f>> InstBuilder<'f> for T {}

/// Where a [`FuncCursor`] inserts.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum CursorPosition {
    /// Nowhere: building is an error.
    Nowhere,
    /// Before this instruction.
    At(Inst),
    /// At the start of this block.
    Before(Block),
    /// At the end of this block.
    After(Block),
}

/// A position in a function, and a builder that inserts there.
pub struct FuncCursor<'f> {
    /// The function being edited.
    pub func: &'f mut Function,
    pos: CursorPosition,
    srcloc: SourceLoc,
}

impl<'f> FuncCursor<'f> {
    /// A cursor pointing nowhere.
    pub fn new(func: &'f mut Function) -> Self {
        Self { func, pos: CursorPosition::Nowhere, srcloc: SourceLoc::default() }
    }
    /// The current position.
    pub fn position(&self) -> CursorPosition {
        self.pos
    }
    /// Moves to `pos`.
    pub fn goto(&mut self, pos: CursorPosition) {
        self.pos = pos;
    }
    /// Moves to the end of `block`.
    pub fn goto_bottom(&mut self, block: Block) {
        self.pos = CursorPosition::After(block);
    }
    /// Moves to before `inst`.
    pub fn goto_inst(&mut self, inst: Inst) {
        self.pos = CursorPosition::At(inst);
    }
    /// Moves to the start of `block`.
    pub fn goto_top(&mut self, block: Block) {
        self.pos = CursorPosition::Before(block);
    }
    /// The source location given to new instructions.
    pub fn set_srcloc(&mut self, loc: SourceLoc) {
        self.srcloc = loc;
    }
    /// Places `inst` at the cursor.
    pub fn insert_inst(&mut self, inst: Inst) {
        match self.pos {
            CursorPosition::Nowhere => panic!("the cursor points nowhere"),
            CursorPosition::At(before) => self.func.layout.insert_inst_before(inst, before),
            CursorPosition::Before(block) => match self.func.layout.first_inst(block) {
                Some(first) => self.func.layout.insert_inst_before(inst, first),
                None => self.func.layout.append_inst(inst, block),
            },
            CursorPosition::After(block) => self.func.layout.append_inst(inst, block),
        }
        if !self.srcloc.is_default() {
            self.func.srclocs[inst] = self.srcloc;
        }
    }
    /// A builder that inserts one instruction at the cursor.
    pub fn ins(&mut self) -> CursorInserter<'_, 'f> {
        CursorInserter { cursor: self }
    }
}

/// The builder returned by [`FuncCursor::ins`].
pub struct CursorInserter<'c, 'f> {
    cursor: &'c mut FuncCursor<'f>,
}

impl<'c, 'f> InstBuilderBase<'c> for CursorInserter<'c, 'f> {
    fn data_flow_graph(&self) -> &DataFlowGraph {
        &self.cursor.func.dfg
    }
    fn data_flow_graph_mut(&mut self) -> &mut DataFlowGraph {
        &mut self.cursor.func.dfg
    }
    fn build(self, data: InstructionData, ctrl: Type) -> (Inst, &'c mut DataFlowGraph) {
        let inst = self.cursor.func.dfg.make_inst(data);
        self.cursor.func.dfg.make_inst_results(inst, ctrl);
        self.cursor.insert_inst(inst);
        (inst, &mut self.cursor.func.dfg)
    }
}

/// A builder that rewrites an existing instruction in place, keeping its result values
/// (for passes). The new instruction must have results of the same number and types.
pub struct ReplaceBuilder<'f> {
    dfg: &'f mut DataFlowGraph,
    inst: Inst,
}

impl<'f> ReplaceBuilder<'f> {
    /// A builder replacing `inst`.
    pub fn new(dfg: &'f mut DataFlowGraph, inst: Inst) -> Self {
        Self { dfg, inst }
    }
}

impl<'f> InstBuilderBase<'f> for ReplaceBuilder<'f> {
    fn data_flow_graph(&self) -> &DataFlowGraph {
        self.dfg
    }
    fn data_flow_graph_mut(&mut self) -> &mut DataFlowGraph {
        self.dfg
    }
    fn build(self, data: InstructionData, _ctrl: Type) -> (Inst, &'f mut DataFlowGraph) {
        self.dfg.replace_inst_data(self.inst, data);
        (self.inst, self.dfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AbiParam, Signature, types::*};

    #[test]
    fn build_a_small_function() {
        let mut sig = Signature::default();
        sig.params.push(AbiParam::new(I32));
        sig.returns.push(AbiParam::new(I32));
        let mut func = Function::new_test("f", sig);
        let b0 = func.dfg.make_block();
        func.layout.append_block(b0);
        let x = func.dfg.append_block_param(b0, I32);
        let mut cur = FuncCursor::new(&mut func);
        cur.goto_bottom(b0);
        let one = cur.ins().iconst(I32, 1);
        let sum = cur.ins().iadd(x, one);
        let (s, carry) = cur.ins().uadd_overflow(sum, one);
        let wide = cur.ins().uextend(I64, carry);
        let f = cur.ins().f64const(1.5);
        let c = cur.ins().icmp(IntCC::Equal, s, x);
        cur.ins().return_(&[s]);
        let dfg = &func.dfg;
        assert_eq!(dfg.value_type(wide), I64);
        assert_eq!(dfg.value_type(f), F64);
        assert_eq!(dfg.value_type(c), I8);
        assert_eq!(func.layout.block_insts(b0).count(), 7);
    }
}
