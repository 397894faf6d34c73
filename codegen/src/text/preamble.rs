//! The preamble: declarations between the function's `{` and its first block.
//!
//! ```text
//! ss0 = explicit_slot 16, align = 16
//! region0 = 8 "vmctx+8"                    ; an alias region: a key and a description
//! gv0 = vmctx
//! gv1 = load.i64 notrap aligned region0 gv0+8
//! gv2 = iadd_imm.i64 gv1, 16
//! gv3 = symbol colocated tls %foo+8
//! sig0 = (i64) -> i64 tail
//! fn0 = colocated %helper(i32) -> i32      ; an inline signature makes a new sigN
//! fn1 = %other sig0
//! jt0 = jump_table [block1, block2]        ; the older form, used by `br_table v0, block9, jt0`
//! ```
//!
//! Declarations are read first and resolved after, so they may refer to each other in any
//! order. The numbers in the text may be sparse; each kind is numbered densely in
//! declaration order (explicit signatures before the ones inline `fn` declarations make),
//! which is the order the writer prints them in, so printing is stable.

use super::error::{PResult, ParseError, Pos};
use super::lexer::Tok;
use super::literals::{parse_imm64, parse_signed, parse_unsigned, unescape};
use super::parser::Parser;
use crate::ir::{
    AliasRegionData, Block, ExtFuncData, GlobalValue, GlobalValueData, Imm64, MemFlags, Offset32, Signature,
    StackSlotData, StackSlotKind, TrapCode, Type,
};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

enum RawGv {
    VMContext,
    Load { base: (u32, Pos), offset: Offset32, ty: Type, flags: RawFlags },
    IAddImm { base: (u32, Pos), offset: Imm64, ty: Type },
    Symbol { name: crate::ir::ExternalName, offset: Imm64, colocated: bool, tls: bool },
}

enum RawSig {
    Ref(u32, Pos),
    Inline(Signature),
}

/// Memory flags as read, before the alias region they name (`regionN`, with where it was
/// written) is looked up.
pub(crate) struct RawFlags {
    flags: MemFlags,
    region: Option<(u32, Pos)>,
}

enum RawDecl {
    Slot(StackSlotData),
    Region(AliasRegionData),
    Gv(RawGv),
    Sig(Signature),
    Func { name: crate::ir::ExternalName, colocated: bool, sig: RawSig },
    Jt(Vec<Block>),
}

const KINDS: [(&str, &str); 6] = [
    ("ss", "stack slot"),
    ("region", "alias region"),
    ("gv", "global value"),
    ("sig", "signature"),
    ("fn", "function reference"),
    ("jt", "jump table"),
];

fn declare<K: Copy>(map: &mut HashMap<u32, K>, n: u32, pos: Pos, key: K, prefix: &str) -> PResult<()> {
    match map.entry(n) {
        Entry::Occupied(_) => Err(ParseError::at(pos, format!("{prefix}{n} is declared more than once"))),
        Entry::Vacant(e) => {
            e.insert(key);
            Ok(())
        }
    }
}

fn lookup<K: Copy>(map: &HashMap<u32, K>, n: u32, pos: Pos, prefix: &str) -> PResult<K> {
    map.get(&n).copied().ok_or_else(|| ParseError::at(pos, format!("{prefix}{n} is not declared")))
}

impl Parser<'_> {
    /// Which preamble kind the current line declares, if it is a declaration.
    fn at_declaration(&self) -> Option<usize> {
        if self.cur.peek_nth(1).tok != Tok::Equal {
            return None;
        }
        KINDS.iter().position(|(prefix, _)| self.cur.at_entity(prefix))
    }

    /// Reads and resolves every declaration of the preamble.
    pub(crate) fn parse_preamble(&mut self) -> PResult<()> {
        let mut decls = Vec::new();
        let mut stack_limit = None;
        loop {
            if matches!(self.cur.peek().tok, Tok::Word("stack_limit")) && self.cur.peek_nth(1).tok == Tok::Equal {
                let pos = self.cur.bump().pos;
                self.cur.bump();
                if stack_limit.is_some() {
                    return Err(ParseError::at(pos, "a second `stack_limit`".to_string()));
                }
                stack_limit = Some(self.cur.entity("gv", "a global value", u32::MAX)?);
                let t = self.cur.peek();
                if self.cur.on_same_line() {
                    return Err(ParseError::at(t.pos, format!("unexpected {} after `stack_limit`", t.tok.describe())));
                }
                continue;
            }
            let Some(kind) = self.at_declaration() else { break };
            let (prefix, what) = KINDS[kind];
            let (n, pos) = self.cur.entity(prefix, what, u32::MAX)?;
            self.cur.expect(Tok::Equal, "`=`")?;
            let decl = match kind {
                0 => RawDecl::Slot(self.parse_stack_slot()?),
                1 => RawDecl::Region(self.parse_alias_region()?),
                2 => RawDecl::Gv(self.parse_global_value()?),
                3 => RawDecl::Sig(self.parse_signature()?),
                4 => self.parse_func_decl()?,
                _ => RawDecl::Jt(self.parse_jump_table_decl()?),
            };
            let t = self.cur.peek();
            if self.cur.on_same_line() {
                return Err(ParseError::at(t.pos, format!("unexpected {} after the declaration", t.tok.describe())));
            }
            decls.push((n, pos, decl));
        }
        self.resolve_preamble(decls)?;
        if let Some((n, pos)) = stack_limit {
            self.st.func.stack_limit = Some(lookup(&self.st.global_values, n, pos, "gv")?);
        }
        Ok(())
    }

    fn resolve_preamble(&mut self, decls: Vec<(u32, Pos, RawDecl)>) -> PResult<()> {
        // Explicit signatures, stack slots, alias regions and the numbering of global values
        // first, so that later declarations can refer to any of them.
        let mut next_gv = 0usize;
        for (n, pos, decl) in &decls {
            match decl {
                RawDecl::Region(data) => {
                    let r = self.st.func.create_alias_region(data.clone());
                    declare(&mut self.st.alias_regions, *n, *pos, r, "region")?;
                }
                RawDecl::Sig(sig) => {
                    let r = self.st.func.import_signature(sig.clone());
                    declare(&mut self.st.sigs, *n, *pos, r, "sig")?;
                }
                RawDecl::Slot(data) => {
                    let r = self.st.func.create_stack_slot(*data);
                    declare(&mut self.st.stack_slots, *n, *pos, r, "ss")?;
                }
                RawDecl::Gv(_) => {
                    declare(&mut self.st.global_values, *n, *pos, GlobalValue::from_u32(next_gv as u32), "gv")?;
                    next_gv += 1;
                }
                RawDecl::Func { .. } | RawDecl::Jt(_) => {}
            }
        }
        for (n, pos, decl) in decls {
            match decl {
                RawDecl::Gv(raw) => {
                    let gvs = &self.st.global_values;
                    let data = match raw {
                        RawGv::VMContext => GlobalValueData::VMContext,
                        RawGv::Load { base, offset, ty, flags } => GlobalValueData::Load {
                            base: lookup(gvs, base.0, base.1, "gv")?,
                            offset,
                            global_type: ty,
                            flags: self.resolve_flags(flags)?,
                        },
                        RawGv::IAddImm { base, offset, ty } => GlobalValueData::IAddImm {
                            base: lookup(gvs, base.0, base.1, "gv")?,
                            offset,
                            global_type: ty,
                        },
                        RawGv::Symbol { name, offset, colocated, tls } => {
                            GlobalValueData::Symbol { name, offset, colocated, tls }
                        }
                    };
                    self.st.func.create_global_value(data);
                }
                RawDecl::Func { name, colocated, sig } => {
                    let signature = match sig {
                        RawSig::Ref(s, p) => lookup(&self.st.sigs, s, p, "sig")?,
                        RawSig::Inline(sig) => self.st.func.import_signature(sig),
                    };
                    let r = self.st.func.import_function(ExtFuncData { name, signature, colocated });
                    declare(&mut self.st.funcs, n, pos, r, "fn")?;
                }
                RawDecl::Jt(blocks) => {
                    if self.st.jump_tables.insert(n, blocks).is_some() {
                        return Err(ParseError::at(pos, format!("jt{n} is declared more than once")));
                    }
                }
                RawDecl::Sig(_) | RawDecl::Slot(_) | RawDecl::Region(_) => {}
            }
        }
        Ok(())
    }

    /// `explicit_slot SIZE [, align = A]`
    fn parse_stack_slot(&mut self) -> PResult<StackSlotData> {
        let (kind, p) = self.cur.word("a stack slot kind (`explicit_slot`)")?;
        if kind != "explicit_slot" {
            return Err(ParseError::at(p, format!("unsupported stack slot kind `{kind}` (only `explicit_slot`)")));
        }
        let (size, p) = self.cur.number("the stack slot size")?;
        let size = parse_unsigned(size, u32::MAX as u128).map_err(|m| ParseError::at(p, m))? as u32;
        let mut align_shift = 0;
        if self.cur.eat(Tok::Comma) {
            let (w, p) = self.cur.word("`align`")?;
            if w != "align" {
                return Err(ParseError::at(p, format!("expected `align`, found `{w}`")));
            }
            self.cur.expect(Tok::Equal, "`=` after `align`")?;
            let (a, p) = self.cur.number("the alignment")?;
            let a = parse_unsigned(a, 1 << 31).map_err(|m| ParseError::at(p, m))?;
            if !a.is_power_of_two() {
                return Err(ParseError::at(p, format!("alignment {a} is not a power of two")));
            }
            align_shift = a.trailing_zeros() as u8;
        }
        Ok(StackSlotData::new(StackSlotKind::ExplicitSlot, size, align_shift))
    }

    /// The right-hand side of `regionN = KEY "NAME"`.
    fn parse_alias_region(&mut self) -> PResult<AliasRegionData> {
        let (key, p) = self.cur.number("the region's key (a 32-bit number)")?;
        let key = parse_unsigned(key, u32::MAX as u128).map_err(|m| ParseError::at(p, m))? as u32;
        let t = self.cur.peek();
        let Tok::Str(text) = t.tok else {
            return Err(ParseError::at(
                t.pos,
                format!("expected the region's name as a string, found {}", t.tok.describe()),
            ));
        };
        self.cur.bump();
        let name = unescape(text).map_err(|m| ParseError::at(t.pos, m))?;
        Ok(AliasRegionData { key, name })
    }

    /// The right-hand side of `gvN = ...`.
    fn parse_global_value(&mut self) -> PResult<RawGv> {
        let (kind, p) = self.cur.word("a global value kind (`vmctx`, `load`, `iadd_imm`, `symbol`)")?;
        match kind {
            "vmctx" => Ok(RawGv::VMContext),
            "load" => {
                self.cur.expect(Tok::Dot, "`.type` after `load`")?;
                let ty = self.parse_type()?;
                let flags = self.parse_raw_memflags()?;
                let base = self.cur.entity("gv", "a global value", u32::MAX)?;
                let offset = self.parse_offset()?;
                Ok(RawGv::Load { base, offset, ty, flags })
            }
            "iadd_imm" => {
                self.cur.expect(Tok::Dot, "`.type` after `iadd_imm`")?;
                let ty = self.parse_type()?;
                let base = self.cur.entity("gv", "a global value", u32::MAX)?;
                self.cur.expect(Tok::Comma, "`,`")?;
                let (imm, p) = self.cur.number("an immediate")?;
                let offset = Imm64(parse_imm64(imm).map_err(|m| ParseError::at(p, m))?);
                Ok(RawGv::IAddImm { base, offset, ty })
            }
            "symbol" => {
                let (mut colocated, mut tls) = (false, false);
                loop {
                    match self.cur.peek().tok {
                        Tok::Word("colocated") => colocated = true,
                        Tok::Word("tls") => tls = true,
                        _ => break,
                    }
                    self.cur.bump();
                }
                let name = self.parse_external_name()?;
                let offset = match self.cur.peek().tok {
                    Tok::Number(s) if s.starts_with(['+', '-']) => {
                        let p = self.cur.bump().pos;
                        Imm64(parse_signed(s, i64::MIN as i128, i64::MAX as i128).map_err(|m| ParseError::at(p, m))?
                            as i64)
                    }
                    _ => Imm64(0),
                };
                Ok(RawGv::Symbol { name, offset, colocated, tls })
            }
            _ => Err(ParseError::at(p, format!("unknown global value kind `{kind}`"))),
        }
    }

    /// `[colocated] NAME (sigN | signature)`
    fn parse_func_decl(&mut self) -> PResult<RawDecl> {
        let colocated = self.cur.eat(Tok::Word("colocated"));
        let name = self.parse_external_name()?;
        let sig = if self.cur.peek().tok == Tok::LParen {
            RawSig::Inline(self.parse_signature()?)
        } else {
            let (n, p) = self.cur.entity("sig", "a signature (`sig0`) or an inline signature", u32::MAX)?;
            RawSig::Ref(n, p)
        };
        Ok(RawDecl::Func { name, colocated, sig })
    }

    /// `jump_table [blockA, blockB, ...]`
    fn parse_jump_table_decl(&mut self) -> PResult<Vec<Block>> {
        let (w, p) = self.cur.word("`jump_table`")?;
        if w != "jump_table" {
            return Err(ParseError::at(p, format!("expected `jump_table`, found `{w}`")));
        }
        self.cur.expect(Tok::LBracket, "`[`")?;
        let mut blocks = Vec::new();
        if !self.cur.eat(Tok::RBracket) {
            loop {
                blocks.push(self.parse_block_use()?);
                if self.cur.eat(Tok::RBracket) {
                    break;
                }
                self.cur.expect(Tok::Comma, "`,` or `]`")?;
            }
        }
        Ok(blocks)
    }

    /// Memory flags, an optional alias region and an optional trap code: words after the
    /// opcode, in an instruction (where every region is declared already).
    pub(crate) fn parse_memflags(&mut self) -> PResult<MemFlags> {
        let raw = self.parse_raw_memflags()?;
        self.resolve_flags(raw)
    }

    /// The flags with their `regionN` looked up.
    fn resolve_flags(&self, raw: RawFlags) -> PResult<MemFlags> {
        Ok(match raw.region {
            Some((n, pos)) => raw.flags.with_alias_region(lookup(&self.st.alias_regions, n, pos, "region")?),
            None => raw.flags,
        })
    }

    /// Memory flags with the region they name not yet looked up.
    fn parse_raw_memflags(&mut self) -> PResult<RawFlags> {
        let mut flags = MemFlags::new();
        let mut region = None;
        while let Tok::Word(w) = self.cur.peek().tok {
            if flags.set_by_name(w) {
                self.cur.bump();
            } else if self.cur.at_entity("region") {
                let (n, pos) = self.cur.entity("region", "an alias region", u32::MAX)?;
                if region.is_some() {
                    return Err(ParseError::at(pos, format!("a second alias region `{w}` in the memory flags")));
                }
                region = Some((n, pos));
            } else if let Ok(code) = w.parse::<TrapCode>() {
                if flags.trap_code().is_some() {
                    return self.cur.error(format!("a second trap code `{w}` in the memory flags"));
                }
                flags = flags.with_trap_code(Some(code));
                self.cur.bump();
            } else {
                break;
            }
        }
        Ok(RawFlags { flags, region })
    }

    /// An optional `+N` / `-N` offset right after an address.
    pub(crate) fn parse_offset(&mut self) -> PResult<Offset32> {
        match self.cur.peek().tok {
            Tok::Number(s) if s.starts_with(['+', '-']) => {
                let p = self.cur.bump().pos;
                let v = parse_signed(s, i32::MIN as i128, i32::MAX as i128).map_err(|m| ParseError::at(p, m))?;
                Ok(Offset32(v as i32))
            }
            _ => Ok(Offset32(0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::{GlobalValue, GlobalValueData, Imm64, Offset32, StackSlot, TrapCode, types};
    use crate::text::parse_functions;

    #[test]
    fn alias_regions_resolve_in_any_order_and_print_back() {
        let text = r#"function %f(i64 vmctx) -> i64 {
    gv0 = vmctx
    gv1 = load.i64 notrap aligned region7 gv0+8
    region7 = 4026531840 "VMContext+0x8 \"q\" \\ \u{e9}\t"
    region2 = 3 "heap"
block0(v0: i64):
    v1 = global_value.i64 gv1
    v2 = load.i64 notrap region2 user3 v1
    return v2
}"#;
        let f = &parse_functions(text).unwrap()[0];
        assert_eq!(f.alias_regions.len(), 2);
        let r0 = crate::ir::AliasRegion::from_u32(0);
        assert_eq!(f.alias_regions[r0].key, 0xf000_0000);
        assert_eq!(f.alias_regions[r0].name, "VMContext+0x8 \"q\" \\ \u{e9}\t");
        let GlobalValueData::Load { flags, .. } = f.global_values[GlobalValue::from_u32(1)] else { panic!() };
        assert_eq!(flags.alias_region(), Some(r0));
        let printed = f.to_string();
        assert!(printed.contains(r#"    region0 = 4026531840 "VMContext+0x8 \"q\" \\ \u{e9}\t""#), "{printed}");
        assert!(printed.contains("region1 = 3 \"heap\""), "{printed}");
        assert!(printed.contains("load.i64 notrap aligned region0 gv0+8"), "{printed}");
        assert!(printed.contains("load.i64 notrap region1 user3 v1"), "{printed}");
        let again = parse_functions(&printed).unwrap()[0].to_string();
        assert_eq!(again, printed);
    }

    #[test]
    fn alias_region_errors() {
        let cases = [
            ("region0 = 1 \"a\"\n    region0 = 2 \"b\"", "region0 is declared more than once"),
            ("region0 = 1", "expected the region's name as a string"),
            ("region0 = 4294967296 \"a\"", "out of range"),
            ("region0 = 1 \"a\\q\"", "unknown escape `\\q`"),
            ("region0 = 1 \"a\\u{110000}\"", "is not a character"),
            ("region0 = 1 \"abc", "without its closing"),
            ("gv0 = vmctx\n    gv1 = load.i64 region4 gv0", "region4 is not declared"),
        ];
        for (decls, want) in cases {
            let text = format!("function %f() {{\n    {decls}\nblock0:\n    return\n}}");
            let e = parse_functions(&text).expect_err(&text);
            assert!(e.message.contains(want), "{text}: {}", e.message);
        }
        let text = "function %f(i64) {\n    region0 = 1 \"a\"\nblock0(v0: i64):\n    v1 = load.i64 region0 region0 v0\n    return\n}";
        let e = parse_functions(text).expect_err("two regions");
        assert!(e.message.contains("a second alias region"), "{}", e.message);
    }

    #[test]
    fn declarations_resolve_in_any_order() {
        let text = "function %f() {
    gv9 = load.i32 notrap user5 gv4-4
    fn1 = %g sig8
    gv4 = vmctx
    ss2 = explicit_slot 4
    sig8 = () -> i32 system_v
    gv5 = symbol tls colocated %s-3
block0:
    return
}";
        let f = &parse_functions(text).unwrap()[0];
        let GlobalValueData::Load { base, offset, global_type, flags } = f.global_values[GlobalValue::from_u32(0)]
        else {
            panic!("gv9 becomes gv0")
        };
        assert_eq!((base, offset, global_type), (GlobalValue::from_u32(1), Offset32(-4), types::I32));
        assert_eq!(flags.trap_code(), Some(TrapCode::User(5)));
        assert!(flags.notrap());
        assert_eq!(f.global_values[GlobalValue::from_u32(1)], GlobalValueData::VMContext);
        assert!(matches!(
            &f.global_values[GlobalValue::from_u32(2)],
            GlobalValueData::Symbol { offset: Imm64(-3), colocated: true, tls: true, .. }
        ));
        assert_eq!(f.stack_slots[StackSlot::from_u32(0)].size, 4);
        assert_eq!(f.dfg.signatures.len(), 1);
        assert_eq!(f.dfg.ext_funcs.len(), 1);
    }

    #[test]
    fn bad_declarations() {
        for (text, msg) in [
            ("ss0 = dynamic_slot 4", "unsupported stack slot kind"),
            ("gv0 = frob", "unknown global value kind"),
            ("gv0 = load.i64 gv0 gv0", "unexpected `gv0` after the declaration"),
            ("fn0 = %g sig3", "sig3 is not declared"),
            ("gv0 = vmctx\n    gv0 = vmctx", "gv0 is declared more than once"),
            ("jt0 = jump_table [block1 block2]", "expected `,` or `]`"),
            ("gv0 = load.i64 notrap heap_oob user1 gv0", "second trap code"),
        ] {
            let full = format!("function %f() {{\n    {text}\nblock0:\n    return\n}}");
            let e = parse_functions(&full).err().unwrap_or_else(|| panic!("{text} parsed"));
            assert!(e.message.contains(msg), "{text}: {e}");
            assert_eq!(e.line, if text.contains('\n') { 3 } else { 2 }, "{text}: {e}");
        }
    }
}
