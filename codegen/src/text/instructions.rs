//! Instruction operands: after `results = opcode[.type]`, the operands are read according
//! to the opcode's [`InstructionFormat`] and become its [`InstructionData`].
//!
//! Values and blocks are referred to by their text numbers and recorded as uses; phase two
//! (`infer.rs`) checks they are defined. Constants (`vconst` data, `shuffle` masks) go to
//! `dfg.constants`; `br_table` entries to `dfg.jump_tables`.

use super::error::{PResult, ParseError, Pos};
use super::lexer::Tok;
use super::literals::{int_bits, parse_float, parse_imm64, parse_scalar_bits, parse_unsigned};
use super::parser::Parser;
use crate::ir::types::{self, Type};
use crate::ir::{
    AtomicRmwOp, BlockArg, BlockCall, ExceptionTableData, FloatCC, Ieee16, Ieee32, Ieee64, Imm64, InstructionData as D,
    InstructionFormat as F, IntCC, JumpTableData, Opcode, TrapCode, Value,
};
use smallvec::SmallVec;

/// The most lanes or list entries one bracketed literal may have (bounds allocation).
const MAX_LIST: usize = 4096;

impl Parser<'_> {
    /// Reads the operands of `opcode`; `ctrl` is its `.type` suffix if written.
    pub(crate) fn parse_operands(&mut self, opcode: Opcode, ctrl: Option<Type>, pos: Pos) -> PResult<D> {
        Ok(match opcode.format() {
            F::Nullary => D::Nullary { opcode },
            F::Unary => D::Unary { opcode, arg: self.parse_value_use()? },
            F::UnaryImm => D::UnaryImm { opcode, imm: self.parse_imm()? },
            F::UnaryIeee32 => D::UnaryIeee32 { opcode, imm: Ieee32(self.parse_float_imm(types::F32)? as u32) },
            F::UnaryIeee64 => D::UnaryIeee64 { opcode, imm: Ieee64(self.parse_float_imm(types::F64)? as u64) },
            F::UnaryIeee16 => D::UnaryIeee16 { opcode, imm: Ieee16(self.parse_float_imm(types::F16)? as u16) },
            F::UnaryConst if opcode == Opcode::F128const => {
                let bits = self.parse_float_imm(types::F128)?;
                D::UnaryConst { opcode, constant: self.st.func.dfg.make_constant(bits.to_le_bytes().to_vec()) }
            }
            F::UnaryConst => {
                let ty = ctrl.ok_or_else(|| ParseError::at(pos, "`vconst` needs a type suffix"))?;
                let bytes = self.parse_vector_literal(ty)?;
                D::UnaryConst { opcode, constant: self.st.func.dfg.make_constant(bytes) }
            }
            F::UnaryGlobalValue => {
                let (n, p) = self.cur.entity("gv", "a global value (like `gv0`)", u32::MAX)?;
                let global_value = self.lookup_entity(&self.st.global_values, n, p, "gv")?;
                D::UnaryGlobalValue { opcode, global_value }
            }
            F::Binary => D::Binary { opcode, args: self.values2()? },
            F::BinaryImm64 => {
                let arg = self.parse_value_use()?;
                self.comma()?;
                D::BinaryImm64 { opcode, arg, imm: self.parse_imm()? }
            }
            F::BinaryImm8 => {
                let arg = self.parse_value_use()?;
                self.comma()?;
                D::BinaryImm8 { opcode, arg, imm: self.parse_u8()? }
            }
            F::Ternary => {
                let [a, b] = self.values2()?;
                self.comma()?;
                D::Ternary { opcode, args: [a, b, self.parse_value_use()?] }
            }
            F::TernaryImm8 => {
                let args = self.values2()?;
                self.comma()?;
                D::TernaryImm8 { opcode, args, imm: self.parse_u8()? }
            }
            F::Shuffle => {
                let args = self.values2()?;
                self.comma()?;
                let mask = self.parse_vector_literal(types::I8X16)?;
                D::Shuffle { opcode, args, mask: self.st.func.dfg.make_constant(mask) }
            }
            F::IntCompare => {
                let cond = self.parse_intcc()?;
                D::IntCompare { opcode, cond, args: self.values2()? }
            }
            F::IntCompareImm => {
                let cond = self.parse_intcc()?;
                let arg = self.parse_value_use()?;
                self.comma()?;
                D::IntCompareImm { opcode, cond, arg, imm: self.parse_imm()? }
            }
            F::FloatCompare => {
                let (w, p) = self.cur.word("a float condition (like `eq`, `ult`)")?;
                let cond =
                    w.parse::<FloatCC>().map_err(|()| ParseError::at(p, format!("unknown float condition `{w}`")))?;
                D::FloatCompare { opcode, cond, args: self.values2()? }
            }
            F::Load => {
                let flags = self.parse_memflags()?;
                let arg = self.parse_value_use()?;
                D::Load { opcode, flags, arg, offset: self.parse_offset()? }
            }
            F::Store => {
                let flags = self.parse_memflags()?;
                let args = self.values2()?;
                D::Store { opcode, flags, args, offset: self.parse_offset()? }
            }
            F::LoadNoOffset => {
                let flags = self.parse_memflags()?;
                D::LoadNoOffset { opcode, flags, arg: self.parse_value_use()? }
            }
            F::StoreNoOffset => {
                let flags = self.parse_memflags()?;
                D::StoreNoOffset { opcode, flags, args: self.values2()? }
            }
            F::StackLoad => {
                let stack_slot = self.parse_stack_slot_ref()?;
                D::StackLoad { opcode, stack_slot, offset: self.parse_offset()? }
            }
            F::StackStore => {
                let arg = self.parse_value_use()?;
                self.comma()?;
                let stack_slot = self.parse_stack_slot_ref()?;
                D::StackStore { opcode, arg, stack_slot, offset: self.parse_offset()? }
            }
            F::FuncAddr => D::FuncAddr { opcode, func_ref: self.parse_func_ref()? },
            F::AtomicRmw => {
                let flags = self.parse_memflags()?;
                let (w, p) = self.cur.word("an atomic operation (like `add`, `xchg`)")?;
                let rmw = w
                    .parse::<AtomicRmwOp>()
                    .map_err(|()| ParseError::at(p, format!("unknown atomic operation `{w}`")))?;
                D::AtomicRmw { opcode, flags, op: rmw, args: self.values2()? }
            }
            F::AtomicCas => {
                let flags = self.parse_memflags()?;
                let [a, b] = self.values2()?;
                self.comma()?;
                D::AtomicCas { opcode, flags, args: [a, b, self.parse_value_use()?] }
            }
            F::Jump => D::Jump { opcode, destination: self.parse_block_call()? },
            F::Brif => {
                let arg = self.parse_value_use()?;
                self.comma()?;
                let then = self.parse_block_call()?;
                self.comma()?;
                D::Brif { opcode, arg, blocks: [then, self.parse_block_call()?] }
            }
            F::BranchTable => {
                let arg = self.parse_value_use()?;
                self.comma()?;
                let default = self.parse_block_call()?;
                self.comma()?;
                let entries = self.parse_table_entries()?;
                let table = self.st.func.dfg.make_jump_table(JumpTableData::new(default, &entries));
                D::BranchTable { opcode, arg, table }
            }
            F::MultiAry => {
                let mut vals: SmallVec<[Value; 4]> = SmallVec::new();
                if self.cur.on_same_line() && self.cur.at_entity("v") {
                    loop {
                        vals.push(self.parse_value_use()?);
                        if !self.cur.eat(Tok::Comma) {
                            break;
                        }
                    }
                }
                D::MultiAry { opcode, args: self.st.func.dfg.value_list(&vals) }
            }
            F::Trap => D::Trap { opcode, code: self.parse_trap_code()? },
            F::CondTrap => {
                let arg = self.parse_value_use()?;
                self.comma()?;
                D::CondTrap { opcode, arg, code: self.parse_trap_code()? }
            }
            F::IntAddTrap => {
                let args = self.values2()?;
                self.comma()?;
                D::IntAddTrap { opcode, args, code: self.parse_trap_code()? }
            }
            F::Call => {
                let func_ref = self.parse_func_ref()?;
                let vals = self.parse_call_args()?;
                D::Call { opcode, func_ref, args: self.st.func.dfg.value_list(&vals) }
            }
            F::CallIndirect => {
                let (n, p) = self.cur.entity("sig", "a signature (like `sig0`)", u32::MAX)?;
                let sig_ref = self.lookup_entity(&self.st.sigs, n, p, "sig")?;
                self.comma()?;
                let callee = self.parse_value_use()?;
                let mut vals = self.parse_call_args()?;
                vals.insert(0, callee);
                D::CallIndirect { opcode, sig_ref, args: self.st.func.dfg.value_list(&vals) }
            }
            F::TryCall => {
                let func_ref = self.parse_func_ref()?;
                let vals = self.parse_call_args()?;
                let sig = self.st.func.dfg.ext_funcs[func_ref].signature;
                let exception = self.parse_exception_table(sig)?;
                D::TryCall { opcode, func_ref, args: self.st.func.dfg.value_list(&vals), exception }
            }
            F::TryCallIndirect => {
                let callee = self.parse_value_use()?;
                let mut vals = self.parse_call_args()?;
                vals.insert(0, callee);
                self.comma()?;
                let (n, p) = self.cur.entity("sig", "a signature (like `sig0`)", u32::MAX)?;
                let sig = self.lookup_entity(&self.st.sigs, n, p, "sig")?;
                let exception = self.parse_exception_table(sig)?;
                D::TryCallIndirect { opcode, args: self.st.func.dfg.value_list(&vals), exception }
            }
        })
    }

    fn lookup_entity<K: Copy>(
        &self,
        map: &std::collections::HashMap<u32, K>,
        n: u32,
        p: Pos,
        prefix: &str,
    ) -> PResult<K> {
        map.get(&n).copied().ok_or_else(|| ParseError::at(p, format!("{prefix}{n} is not declared in the preamble")))
    }

    fn comma(&mut self) -> PResult<()> {
        self.cur.expect(Tok::Comma, "`,`").map(|_| ())
    }

    fn values2(&mut self) -> PResult<[Value; 2]> {
        let a = self.parse_value_use()?;
        self.comma()?;
        Ok([a, self.parse_value_use()?])
    }

    fn parse_imm(&mut self) -> PResult<Imm64> {
        let (s, p) = self.cur.number("an integer immediate")?;
        parse_imm64(s).map(Imm64).map_err(|m| ParseError::at(p, m))
    }

    fn parse_u8(&mut self) -> PResult<u8> {
        let (s, p) = self.cur.number("a lane index (0 to 255)")?;
        parse_unsigned(s, 255).map(|v| v as u8).map_err(|m| ParseError::at(p, m))
    }

    fn parse_float_imm(&mut self, ty: Type) -> PResult<u128> {
        let (s, p) = self.cur.number("a float literal (like `0x1.8p3`)")?;
        parse_float(s, ty).map_err(|m| ParseError::at(p, m))
    }

    fn parse_intcc(&mut self) -> PResult<IntCC> {
        let (w, p) = self.cur.word("an integer condition (like `eq`, `slt`)")?;
        w.parse::<IntCC>().map_err(|()| ParseError::at(p, format!("unknown integer condition `{w}`")))
    }

    fn parse_trap_code(&mut self) -> PResult<TrapCode> {
        let (w, p) = self.cur.word("a trap code (like `user1`, `int_divz`)")?;
        w.parse::<TrapCode>().map_err(|()| ParseError::at(p, format!("unknown trap code `{w}`")))
    }

    fn parse_stack_slot_ref(&mut self) -> PResult<crate::ir::StackSlot> {
        let (n, p) = self.cur.entity("ss", "a stack slot (like `ss0`)", u32::MAX)?;
        self.lookup_entity(&self.st.stack_slots, n, p, "ss")
    }

    fn parse_func_ref(&mut self) -> PResult<crate::ir::FuncRef> {
        let (n, p) = self.cur.entity("fn", "a function reference (like `fn0`)", u32::MAX)?;
        self.lookup_entity(&self.st.funcs, n, p, "fn")
    }

    /// `(v1, v2, ...)`
    fn parse_call_args(&mut self) -> PResult<SmallVec<[Value; 8]>> {
        self.cur.expect(Tok::LParen, "`(` and the call arguments")?;
        let mut vals = SmallVec::new();
        if !self.cur.eat(Tok::RParen) {
            loop {
                vals.push(self.parse_value_use()?);
                if self.cur.eat(Tok::RParen) {
                    break;
                }
                self.cur.expect(Tok::Comma, "`,` or `)` in the arguments")?;
            }
        }
        Ok(vals)
    }

    /// `blockN` or `blockN(v1, v2)`.
    fn parse_block_call(&mut self) -> PResult<BlockCall> {
        let block = self.parse_block_use()?;
        let mut vals: SmallVec<[Value; 8]> = SmallVec::new();
        if self.cur.eat(Tok::LParen) && !self.cur.eat(Tok::RParen) {
            loop {
                vals.push(self.parse_value_use()?);
                if self.cur.eat(Tok::RParen) {
                    break;
                }
                self.cur.expect(Tok::Comma, "`,` or `)` in the block arguments")?;
            }
        }
        Ok(self.st.func.dfg.block_call(block, &vals))
    }

    /// `, blockN(args), [ context vN, tagN: blockM(args), default: blockK(args) ]` after the
    /// callee of a `try_call*`: the normal destination, then the handlers. Arguments may
    /// be `retN` on the normal destination and `exnN` on handlers (the verifier checks
    /// which goes where).
    fn parse_exception_table(&mut self, sig: crate::ir::SigRef) -> PResult<crate::ir::ExceptionTable> {
        self.comma()?;
        let normal = self.parse_try_block_call()?;
        self.comma()?;
        self.cur.expect(Tok::LBracket, "`[` and the exception handlers")?;
        let mut context = None;
        let mut handlers = Vec::new();
        if !self.cur.eat(Tok::RBracket) {
            loop {
                let t = self.cur.peek();
                match t.tok {
                    Tok::Word("context") if handlers.is_empty() && context.is_none() => {
                        self.cur.bump();
                        context = Some(self.parse_value_use()?);
                    }
                    Tok::Word("default") => {
                        self.cur.bump();
                        self.cur.expect(Tok::Colon, "`:` after `default`")?;
                        handlers.push((None, self.parse_try_block_call()?));
                    }
                    _ if self.cur.at_entity("tag") => {
                        let (n, _) = self.cur.entity("tag", "a tag (like `tag1`)", u32::MAX)?;
                        self.cur.expect(Tok::Colon, "`:` after the tag")?;
                        handlers.push((Some(n), self.parse_try_block_call()?));
                    }
                    _ => return self.cur.expected("a handler (`tagN: blockM(...)` or `default: blockM(...)`)"),
                }
                if self.cur.eat(Tok::RBracket) {
                    break;
                }
                self.cur.expect(Tok::Comma, "`,` or `]` in the exception table")?;
            }
        }
        let data = ExceptionTableData::new(sig, context, normal, &handlers);
        Ok(self.st.func.dfg.make_exception_table(data))
    }

    /// `blockN` or `blockN(a1, a2)` where each argument is a value, `retN` or `exnN`.
    fn parse_try_block_call(&mut self) -> PResult<BlockCall> {
        let block = self.parse_block_use()?;
        let mut vals: SmallVec<[Value; 8]> = SmallVec::new();
        if self.cur.eat(Tok::LParen) && !self.cur.eat(Tok::RParen) {
            loop {
                let arg = if self.cur.at_entity("ret") {
                    let (n, _) = self.cur.entity("ret", "a return value (like `ret0`)", self.limit)?;
                    BlockArg::TryCallRet(n)
                } else if self.cur.at_entity("exn") {
                    let (n, _) = self.cur.entity("exn", "an exception payload (like `exn0`)", self.limit)?;
                    BlockArg::TryCallExn(n)
                } else {
                    BlockArg::Value(self.parse_value_use()?)
                };
                vals.push(arg.encode());
                if self.cur.eat(Tok::RParen) {
                    break;
                }
                self.cur.expect(Tok::Comma, "`,` or `)` in the block arguments")?;
            }
        }
        Ok(self.st.func.dfg.block_call(block, &vals))
    }

    /// `[blockA, blockB(v1), ...]`, or a `jtN` declared in the preamble.
    fn parse_table_entries(&mut self) -> PResult<Vec<BlockCall>> {
        if self.cur.at_entity("jt") {
            let (n, p) = self.cur.entity("jt", "a jump table", u32::MAX)?;
            let blocks = self.lookup_entity_vec(n, p)?;
            return Ok(blocks.into_iter().map(|b| self.st.func.dfg.block_call(b, &[])).collect());
        }
        self.cur.expect(Tok::LBracket, "`[` and the jump table entries")?;
        let mut entries = Vec::new();
        if !self.cur.eat(Tok::RBracket) {
            loop {
                entries.push(self.parse_block_call()?);
                if self.cur.eat(Tok::RBracket) {
                    break;
                }
                self.cur.expect(Tok::Comma, "`,` or `]` in the jump table")?;
            }
        }
        Ok(entries)
    }

    fn lookup_entity_vec(&self, n: u32, p: Pos) -> PResult<Vec<crate::ir::Block>> {
        self.st
            .jump_tables
            .get(&n)
            .cloned()
            .ok_or_else(|| ParseError::at(p, format!("jt{n} is not declared in the preamble")))
    }

    /// A vector literal of type `ty`: `[l0 l1 ...]` with one literal per lane, or a single
    /// integer giving all the bits. Returns the little-endian bytes.
    fn parse_vector_literal(&mut self, ty: Type) -> PResult<Vec<u8>> {
        let lane = ty.lane_type();
        let lane_bytes = (lane.bits() / 8) as usize;
        let lanes = ty.lane_count() as usize;
        let t = self.cur.peek();
        if let Tok::Number(s) = t.tok {
            self.cur.bump();
            if ty.bits() > 128 {
                return Err(ParseError::at(t.pos, format!("write a {ty} constant lane by lane, in `[...]`")));
            }
            let bits = int_bits(s, ty.bits()).map_err(|m| ParseError::at(t.pos, m))?;
            return Ok(bits.to_le_bytes()[..ty.bytes() as usize].to_vec());
        }
        self.cur.expect(Tok::LBracket, "`[` and the lanes of the constant")?;
        let mut bytes = Vec::with_capacity(lanes.min(MAX_LIST) * lane_bytes);
        let mut count = 0usize;
        loop {
            let t = self.cur.peek();
            let text = match t.tok {
                Tok::RBracket => break,
                Tok::Number(s) | Tok::Word(s) => s,
                _ => return self.cur.expected("a lane literal or `]`"),
            };
            self.cur.bump();
            count += 1;
            if count > lanes {
                return Err(ParseError::at(t.pos, format!("too many lanes for {ty} ({lanes} expected)")));
            }
            let bits = parse_scalar_bits(text, lane).map_err(|m| ParseError::at(t.pos, m))?;
            bytes.extend_from_slice(&bits.to_le_bytes()[..lane_bytes]);
        }
        if count != lanes {
            return self.cur.error(format!("{ty} needs {lanes} lanes, found {count}"));
        }
        self.cur.bump();
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::{AtomicRmwOp, Function, Inst, InstructionData as D, IntCC, Offset32, Opcode, TrapCode, Value};
    use crate::text::parse_functions;

    fn insts(body: &str) -> (Function, Vec<Inst>) {
        let text = format!(
            "function %f(i64, i32) {{\n    ss0 = explicit_slot 8\nblock0(v0: i64, v1: i32):\n{body}\n    return\n}}"
        );
        let f = parse_functions(&text).unwrap_or_else(|e| panic!("{e}\n{text}")).remove(0);
        let b = f.layout.entry_block().unwrap();
        let list = f.layout.block_insts(b).collect();
        (f, list)
    }

    #[test]
    fn operands_per_format() {
        let (f, i) = insts(
            "    v2 = icmp_imm ult v1, -3\n    v3 = load.i32 aligned big v0-12\n    \
             v4 = atomic_rmw.i64 smax v0, v0\n    stack_store v1, ss0+4\n    trapnz v2, int_ovf\n    \
             v5 = extractlane v6, 3\n    v6 = vconst.i16x8 [1 2 3 4 5 6 7 -1]",
        );
        let v = Value::from_u32;
        assert_eq!(
            f.dfg.insts[i[0]],
            D::IntCompareImm { opcode: Opcode::IcmpImm, cond: IntCC::UnsignedLessThan, arg: v(1), imm: (-3).into() }
        );
        let D::Load { flags, arg, offset, .. } = f.dfg.insts[i[1]] else { panic!() };
        assert!(flags.aligned() && flags.explicit_endianness().is_some());
        assert_eq!((arg, offset), (v(0), Offset32(-12)));
        assert!(matches!(f.dfg.insts[i[2]], D::AtomicRmw { op: AtomicRmwOp::Smax, .. }));
        assert!(matches!(f.dfg.insts[i[3]], D::StackStore { offset: Offset32(4), .. }));
        assert!(matches!(f.dfg.insts[i[4]], D::CondTrap { code: TrapCode::IntegerOverflow, .. }));
        assert!(matches!(f.dfg.insts[i[5]], D::BinaryImm8 { imm: 3, .. }));
        let D::UnaryConst { constant, .. } = f.dfg.insts[i[6]] else { panic!() };
        assert_eq!(f.dfg.constants[constant], vec![1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0xff, 0xff]);
        assert_eq!(f.dfg.value_type(v(5)).to_string(), "i16");
    }

    #[test]
    fn return_values_stay_on_their_line() {
        let text = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    brif v0, block1, block2\nblock1:\n    \
                    return v0\nblock2:\n    v1 = iadd v0, v0\n    return v1\n}";
        assert!(parse_functions(text).is_ok());
        let text = "function %f() {\nblock0:\n    return\n    v1 = iconst.i32 1\n}";
        assert!(parse_functions(text).is_ok(), "an argument-less return does not take the next line");
    }
}
