//! The function parser: the `function` line and signature, the body's blocks and lines
//! (block headers, aliases, instructions with results and source locations), and the
//! driver that turns a token list into [`Function`]s.
//!
//! A function is read in two phases. Phase one (here, `preamble.rs` and
//! `instructions.rs`) reads every line, keeps the value and block numbers written in the
//! text, creates each instruction with its operands (values are referred to by number, so
//! uses before definitions need nothing special), and records uses and definitions.
//! Phase two (`infer.rs`) checks that every used value and block is defined and gives each
//! instruction its typed results, in passes, because a value may be used above its
//! definition. Preamble entity numbers (`ss`, `gv`, `sig`, `fn`, `jt`) may be sparse in the
//! text; they are mapped to dense entities in declaration order.

use super::cursor::Cursor;
use super::error::{PResult, ParseError, Pos};
use super::lexer::Tok;
use super::testfile::CommentEntity;
use crate::ir::{
    AbiParam, AliasRegion, ArgumentExtension, ArgumentPurpose, Block, CallConv, CtrlSource, ExternalName, FuncRef,
    Function, GlobalValue, Inst, Opcode, SigRef, Signature, SourceLoc, StackSlot, Type, Value,
};
use smallvec::SmallVec;
use std::collections::{HashMap, HashSet};

/// The largest value or block number accepted, whatever the text size.
const MAX_ENTITY: u32 = 1 << 20;

/// An instruction whose results are not created yet (phase two does that).
pub(crate) struct PendingInst {
    pub inst: Inst,
    pub opcode: Opcode,
    /// The result values named in the text, with their positions.
    pub results: SmallVec<[(Value, Pos); 2]>,
    /// The `.type` suffix, if written.
    pub suffix: Option<(Type, Pos)>,
    /// Position of the opcode.
    pub pos: Pos,
    pub done: bool,
}

/// An alias line `dest -> src`.
pub(crate) struct PendingAlias {
    pub dest: Value,
    pub src: Value,
    pub pos: Pos,
    pub done: bool,
}

/// Everything phase one records about the function being read.
pub(crate) struct FuncState {
    pub func: Function,
    pub stack_slots: HashMap<u32, StackSlot>,
    pub global_values: HashMap<u32, GlobalValue>,
    pub alias_regions: HashMap<u32, AliasRegion>,
    pub sigs: HashMap<u32, SigRef>,
    pub funcs: HashMap<u32, FuncRef>,
    /// Old-style `jtN = jump_table [...]` declarations: the blocks of each.
    pub jump_tables: HashMap<u32, Vec<Block>>,
    pub defined_values: HashSet<u32>,
    pub defined_blocks: HashSet<u32>,
    pub value_uses: Vec<(Value, Pos)>,
    pub block_uses: Vec<(Block, Pos)>,
    pub pending: Vec<PendingInst>,
    pub aliases: Vec<PendingAlias>,
    pub line_entities: HashMap<usize, CommentEntity>,
}

impl FuncState {
    fn new(func: Function) -> Self {
        FuncState {
            func,
            stack_slots: HashMap::new(),
            global_values: HashMap::new(),
            alias_regions: HashMap::new(),
            sigs: HashMap::new(),
            funcs: HashMap::new(),
            jump_tables: HashMap::new(),
            defined_values: HashSet::new(),
            defined_blocks: HashSet::new(),
            value_uses: Vec::new(),
            block_uses: Vec::new(),
            pending: Vec::new(),
            aliases: Vec::new(),
            line_entities: HashMap::new(),
        }
    }
}

/// A function read from text, with the lines it spans and what each line defines.
pub(crate) struct ParsedFunction {
    pub function: Function,
    pub start_line: usize,
    pub end_line: usize,
    pub line_entities: HashMap<usize, CommentEntity>,
}

/// The parser: a token cursor and the state of the function being read.
pub(crate) struct Parser<'a> {
    pub cur: Cursor<'a>,
    pub st: FuncState,
    /// The largest value or block number accepted (bounded by the text size).
    pub limit: u32,
}

impl<'a> Parser<'a> {
    /// A parser over `cur`; `text_len` bounds the entity numbers accepted.
    pub fn new(cur: Cursor<'a>, text_len: usize) -> Self {
        let by_size = text_len.saturating_mul(16).saturating_add(4096);
        let limit = (MAX_ENTITY as usize).min(by_size) as u32;
        Parser { cur, st: FuncState::new(Function::default()), limit }
    }

    /// Reads every function up to the end of the input.
    pub fn parse_all(&mut self) -> PResult<Vec<ParsedFunction>> {
        let mut out = Vec::new();
        while self.cur.peek().tok != Tok::Eof {
            out.push(self.parse_function()?);
        }
        Ok(out)
    }

    /// Reads one `function ... { ... }`.
    pub fn parse_function(&mut self) -> PResult<ParsedFunction> {
        let kw = self.cur.peek();
        if kw.tok != Tok::Word("function") {
            return self.cur.expected("`function`");
        }
        self.cur.bump();
        let name = self.parse_external_name()?;
        let sig = self.parse_signature()?;
        self.cur.expect(Tok::LBrace, "`{` to start the function body")?;
        self.st = FuncState::new(Function::with_name_signature(name, sig));
        self.st.line_entities.insert(kw.pos.line, CommentEntity::Function);
        self.parse_preamble()?;
        self.parse_body()?;
        let end = self.cur.expect(Tok::RBrace, "`}` to end the function")?;
        self.finish_function()?;
        let st = std::mem::replace(&mut self.st, FuncState::new(Function::default()));
        Ok(ParsedFunction {
            function: st.func,
            start_line: kw.pos.line,
            end_line: end.line,
            line_entities: st.line_entities,
        })
    }

    /// `%name` or `u<namespace>:<index>`.
    pub fn parse_external_name(&mut self) -> PResult<ExternalName> {
        let t = self.cur.peek();
        match t.tok {
            Tok::Name(n) => {
                self.cur.bump();
                Ok(ExternalName::TestCase(n.to_string()))
            }
            Tok::Word(w) if w.starts_with('u') && self.cur.peek_nth(1).tok == Tok::Colon => {
                let ns = w[1..].parse::<u32>().ok().filter(|_| w[1..].bytes().all(|c| c.is_ascii_digit()));
                let Some(namespace) = ns else {
                    return Err(ParseError::at(t.pos, format!("bad namespace in name `{w}`")));
                };
                self.cur.bump();
                self.cur.bump();
                let (idx, p) = self.cur.number("the index of a `u<namespace>:<index>` name")?;
                let index = super::literals::parse_unsigned(idx, u32::MAX as u128)
                    .map_err(|m| ParseError::at(p, format!("bad name index: {m}")))?;
                Ok(ExternalName::User { namespace, index: index as u32 })
            }
            _ => self.cur.expected("a function name (`%name` or `u0:1`)"),
        }
    }

    /// `(params) [-> returns] [callconv]`; the calling convention must be on the same line.
    pub fn parse_signature(&mut self) -> PResult<Signature> {
        let mut sig = Signature::new(CallConv::Fast);
        self.cur.expect(Tok::LParen, "`(` to start the parameter list")?;
        if !self.cur.eat(Tok::RParen) {
            loop {
                sig.params.push(self.parse_abi_param()?);
                if self.cur.eat(Tok::RParen) {
                    break;
                }
                self.cur.expect(Tok::Comma, "`,` or `)` in the parameter list")?;
            }
        }
        if self.cur.eat(Tok::Arrow) {
            loop {
                sig.returns.push(self.parse_abi_param()?);
                if !self.cur.eat(Tok::Comma) {
                    break;
                }
            }
        }
        if self.cur.on_same_line()
            && let Tok::Word(w) = self.cur.peek().tok
        {
            match w.parse::<CallConv>() {
                Ok(cc) => {
                    self.cur.bump();
                    sig.call_conv = cc;
                }
                Err(()) => return self.cur.error(format!("unknown calling convention `{w}`")),
            }
        }
        Ok(sig)
    }

    fn parse_abi_param(&mut self) -> PResult<AbiParam> {
        let ty = self.parse_type()?;
        let mut p = AbiParam::new(ty);
        while let Tok::Word(w) = self.cur.peek().tok {
            match w {
                "uext" => p.extension = ArgumentExtension::Uext,
                "sext" => p.extension = ArgumentExtension::Sext,
                "sret" => p.purpose = ArgumentPurpose::StructReturn,
                "vmctx" => p.purpose = ArgumentPurpose::VMContext,
                _ => break,
            }
            self.cur.bump();
        }
        Ok(p)
    }

    /// A type name.
    pub fn parse_type(&mut self) -> PResult<Type> {
        let t = self.cur.peek();
        let Tok::Word(w) = t.tok else { return self.cur.expected("a type") };
        match w.parse::<Type>() {
            Ok(ty) => {
                self.cur.bump();
                Ok(ty)
            }
            Err(()) => Err(ParseError::at(t.pos, format!("unknown type `{w}`"))),
        }
    }

    /// A value number `vN`, recorded as a use.
    pub fn parse_value_use(&mut self) -> PResult<Value> {
        let (n, pos) = self.cur.entity("v", "a value (like `v3`)", self.limit)?;
        let v = Value::from_u32(n);
        self.st.value_uses.push((v, pos));
        Ok(v)
    }

    /// A value number `vN` being defined here; an error if it was defined before.
    fn parse_value_def(&mut self) -> PResult<(Value, Pos)> {
        let (n, pos) = self.cur.entity("v", "a value (like `v3`)", self.limit)?;
        if !self.st.defined_values.insert(n) {
            return Err(ParseError::at(pos, format!("value v{n} is defined more than once")));
        }
        self.st.func.dfg.ensure_values(n as usize + 1);
        Ok((Value::from_u32(n), pos))
    }

    /// A block number `blockN`, recorded as a use.
    pub fn parse_block_use(&mut self) -> PResult<Block> {
        let (n, pos) = self.cur.entity("block", "a block (like `block1`)", self.limit)?;
        let b = Block::from_u32(n);
        self.st.block_uses.push((b, pos));
        Ok(b)
    }

    fn parse_body(&mut self) -> PResult<()> {
        let mut block = None;
        loop {
            let t = self.cur.peek();
            match t.tok {
                Tok::RBrace | Tok::Eof => return Ok(()),
                _ if self.cur.at_entity("block") => block = Some(self.parse_block_header()?),
                _ => {
                    let Some(b) = block else {
                        return self.cur.expected("a block header (like `block0:`) or a preamble declaration");
                    };
                    self.parse_line(b)?;
                }
            }
        }
    }

    /// `blockN[(vA: type, ...)] [cold]:`
    fn parse_block_header(&mut self) -> PResult<Block> {
        let (n, pos) = self.cur.entity("block", "a block", self.limit)?;
        if !self.st.defined_blocks.insert(n) {
            return Err(ParseError::at(pos, format!("block{n} is defined more than once")));
        }
        let block = Block::from_u32(n);
        let dfg = &mut self.st.func.dfg;
        dfg.ensure_blocks(n as usize + 1);
        self.st.func.layout.append_block(block);
        self.st.line_entities.entry(pos.line).or_insert(CommentEntity::Block(block));
        if self.cur.eat(Tok::LParen) && !self.cur.eat(Tok::RParen) {
            loop {
                let (v, _) = self.parse_value_def()?;
                self.cur.expect(Tok::Colon, "`:` and the type of the block parameter")?;
                let ty = self.parse_type()?;
                self.st.func.dfg.attach_block_param(block, v, ty);
                if self.cur.eat(Tok::RParen) {
                    break;
                }
                self.cur.expect(Tok::Comma, "`,` or `)` in the block parameters")?;
            }
        }
        if self.cur.peek().tok == Tok::Word("cold") {
            self.cur.bump();
            self.st.func.layout.set_cold(block, true);
        }
        self.cur.expect(Tok::Colon, "`:` after the block header")?;
        Ok(block)
    }

    /// An alias line or an instruction line.
    fn parse_line(&mut self, block: Block) -> PResult<()> {
        let start = self.cur.peek();
        let mut srcloc = None;
        if let Tok::SrcLoc(hex) = start.tok {
            let bits = u32::from_str_radix(hex, 16).ok().filter(|&b| b != u32::MAX);
            let Some(bits) = bits else {
                return Err(ParseError::at(start.pos, format!("source location `@{hex}` is too large")));
            };
            srcloc = Some(SourceLoc::new(bits));
            self.cur.bump();
        }
        if srcloc.is_none() && self.cur.at_entity("v") && self.cur.peek_nth(1).tok == Tok::Arrow {
            return self.parse_alias();
        }
        let mut results: SmallVec<[(Value, Pos); 2]> = SmallVec::new();
        if self.cur.at_entity("v") && matches!(self.cur.peek_nth(1).tok, Tok::Comma | Tok::Equal) {
            loop {
                results.push(self.parse_value_def()?);
                if !self.cur.eat(Tok::Comma) {
                    break;
                }
            }
            self.cur.expect(Tok::Equal, "`=` after the result values")?;
        }
        let (name, pos) = self.cur.word("an opcode")?;
        let Some(opcode) = Opcode::from_name(name) else {
            if let Some(why) = unimplemented_opcode(name) {
                return Err(ParseError::unsupported(pos, format!("`{name}` is not supported yet ({why})")));
            }
            return Err(ParseError::at(pos, format!("unknown opcode `{name}`")));
        };
        let mut suffix = if self.cur.peek().tok == Tok::Dot {
            self.cur.bump();
            let p = self.cur.peek().pos;
            Some((self.parse_type()?, p))
        } else {
            None
        };
        // Older CLIF wrote the callee's type after `call_indirect` (`call_indirect.i64`);
        // the callee operand has that type anyway, so the suffix is read and dropped.
        if matches!(opcode, Opcode::CallIndirect | Opcode::ReturnCallIndirect)
            && let Some((ty, p)) = suffix
        {
            if !ty.is_int_scalar() || ty.bits() > 64 {
                return Err(ParseError::at(
                    p,
                    format!("`{name}.{ty}`: a callee address is an integer of at most 64 bits"),
                ));
            }
            suffix = None;
        }
        match (opcode.info().ctrl, suffix) {
            (CtrlSource::Explicit, None) => {
                return Err(ParseError::at(
                    pos,
                    format!("`{name}` needs a controlling type suffix, like `{name}.i32`"),
                ));
            }
            (CtrlSource::None, Some((_, p))) => {
                return Err(ParseError::at(p, format!("`{name}` takes no type suffix")));
            }
            _ => {}
        }
        let data = self.parse_operands(opcode, suffix.map(|s| s.0), pos)?;
        let func = &mut self.st.func;
        let inst = func.dfg.make_inst(data);
        func.layout.append_inst(inst, block);
        if let Some(loc) = srcloc {
            func.set_srcloc(inst, loc);
        }
        self.st.line_entities.entry(start.pos.line).or_insert(CommentEntity::Inst(inst));
        self.st.pending.push(PendingInst { inst, opcode, results, suffix, pos, done: false });
        self.end_of_line("the instruction")
    }

    /// `vA -> vB`
    fn parse_alias(&mut self) -> PResult<()> {
        let (dest, pos) = self.parse_value_def()?;
        self.cur.expect(Tok::Arrow, "`->`")?;
        let src = self.parse_value_use()?;
        self.st.aliases.push(PendingAlias { dest, src, pos, done: false });
        self.end_of_line("the alias")
    }

    /// Requires the next token to be on a new line (or to close the function).
    fn end_of_line(&self, what: &str) -> PResult<()> {
        let t = self.cur.peek();
        if self.cur.on_same_line() && t.tok != Tok::RBrace {
            return self.cur.error(format!("unexpected {} after {what}", t.tok.describe()));
        }
        Ok(())
    }
}

/// CLIF opcodes Lathe does not read yet, with the reason: a file using one is reported
/// "unsupported" rather than wrong. None today; the table stays for opcodes CLIF adds.
const UNIMPLEMENTED_OPCODES: &[(&str, &str)] = &[];

/// Why a CLIF opcode Lathe does not have yet is missing, if `name` is one.
fn unimplemented_opcode(name: &str) -> Option<&'static str> {
    UNIMPLEMENTED_OPCODES.iter().find(|(n, _)| *n == name).map(|(_, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::types;
    use crate::text::lexer::lex;

    fn parser(text: &str) -> Parser<'_> {
        Parser::new(Cursor::new(lex(text, 1).unwrap().tokens), text.len())
    }

    #[test]
    fn names_and_signatures() {
        let mut p = parser("%foo u3:17 (i32 uext, i64 sret, i8 sext, i64 vmctx) -> f32, i8 uext tail");
        assert_eq!(p.parse_external_name().unwrap(), ExternalName::TestCase("foo".into()));
        assert_eq!(p.parse_external_name().unwrap(), ExternalName::User { namespace: 3, index: 17 });
        let sig = p.parse_signature().unwrap();
        assert_eq!(sig.to_string(), "(i32 uext, i64 sret, i8 sext, i64 vmctx) -> f32, i8 uext tail");
        assert_eq!(sig.params[1].purpose, ArgumentPurpose::StructReturn);
        // A calling convention on the next line is not part of the signature.
        let mut p = parser("()\nsystem_v");
        assert_eq!(p.parse_signature().unwrap().call_conv, CallConv::Fast);
        assert!(parser("(i32,)").parse_signature().is_err());
        assert!(parser("u3x:1").parse_external_name().is_err());
        assert!(parser("u1:0x1_0000_0000").parse_external_name().is_err());
    }

    #[test]
    fn block_headers_and_lines() {
        let text = "function %f(i32) {\nblock3(v7: i32, v9: f32) cold:\n    v10 -> v7\n    @00ff v11 = iadd v10, v7\n    \
                    return\n}";
        let mut p = parser(text);
        let pf = p.parse_function().unwrap();
        let f = &pf.function;
        let b = Block::from_u32(3);
        assert_eq!(f.layout.entry_block(), Some(b));
        assert!(f.layout.is_cold(b));
        assert_eq!(f.dfg.block_params(b), &[Value::from_u32(7), Value::from_u32(9)]);
        assert_eq!(f.dfg.value_type(Value::from_u32(9)), types::F32);
        assert_eq!(f.dfg.value_type(Value::from_u32(11)), types::I32);
        let first = f.layout.first_inst(b).unwrap();
        assert_eq!(f.srclocs[first], SourceLoc::new(0xff));
        assert_eq!((pf.start_line, pf.end_line), (1, 6));
        assert_eq!(pf.line_entities.get(&2), Some(&CommentEntity::Block(b)));
        assert_eq!(pf.line_entities.get(&4), Some(&CommentEntity::Inst(first)));
        assert_eq!(pf.line_entities.get(&3), None);
    }

    #[test]
    fn entity_limits_follow_text_size() {
        let e = parser("function %f() {\nblock0:\n    v5000000 = iconst.i32 0\n    return\n}").parse_function();
        assert!(e.err().unwrap().message.contains("too large"));
        let e = parser("function %f() {\nblock99999:\n    return\n}").parse_function();
        assert!(e.err().unwrap().message.contains("too large"));
    }
}
