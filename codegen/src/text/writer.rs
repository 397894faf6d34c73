//! The writer: prints a [`Function`] in CLIF text, in exactly the form the reader accepts.
//!
//! Layout of the output: the `function` line (the calling convention is always written),
//! the preamble indented by four spaces (stack slots, global values, signatures, external
//! functions, each in entity order), a blank line, then each block: its header at column
//! 0, its instructions indented by four spaces with an `@xxxx ` source location prefix
//! where one is set, and a blank line between blocks. An alias `vX -> vY` is printed once,
//! right before the first instruction that uses `vX` (with the aliases it depends on);
//! unused aliases are not printed. The `.type` suffix is written for opcodes whose
//! controlling type is explicit, and also for an opcode that takes it from an operand when
//! that operand is the result of an instruction not printed yet (itself or a later one):
//! the reader could not infer the type of a cycle of such instructions (`v1 = iadd v1, v0`,
//! which the verifier rejects but the reader accepts with a suffix), so without it the
//! printed text would not parse back. Values and blocks keep their numbers.

use crate::entity::EntityRef;
use crate::ir::types::{self, Type};
use crate::ir::{
    Function, GlobalValueData, Ieee32, Ieee64, Inst, InstructionData as D, Value, ValueDef, ValueList, ValueListPool,
};
use std::fmt::{self, Write};

impl fmt::Display for Function {
    /// The whole function in CLIF text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_function(f, self)
    }
}

/// Writes `func` in CLIF text.
pub fn write_function(w: &mut dyn Write, func: &Function) -> fmt::Result {
    writeln!(w, "function {}{} {{", func.name, func.signature)?;
    let mut any = false;
    for (ss, data) in func.stack_slots.iter() {
        writeln!(w, "    {ss} = {data}")?;
        any = true;
    }
    for (r, data) in func.alias_regions.iter() {
        writeln!(w, "    {r} = {data}")?;
        any = true;
    }
    for (gv, data) in func.global_values.iter() {
        write!(w, "    {gv} = ")?;
        write_global_value(w, data)?;
        writeln!(w)?;
        any = true;
    }
    if let Some(gv) = func.stack_limit {
        writeln!(w, "    stack_limit = {gv}")?;
        any = true;
    }
    for (sig, data) in func.dfg.signatures.iter() {
        writeln!(w, "    {sig} = {data}")?;
        any = true;
    }
    for (fr, data) in func.dfg.ext_funcs.iter() {
        let colocated = if data.colocated { "colocated " } else { "" };
        writeln!(w, "    {fr} = {colocated}{} {}", data.name, data.signature)?;
        any = true;
    }
    let mut aliases = AliasPrinter { printed: vec![false; func.dfg.num_values()], stack: Vec::new() };
    let mut used = Vec::new();
    let mut printed = vec![false; func.dfg.insts.len()];
    for (i, block) in func.layout.blocks().enumerate() {
        if i > 0 || any {
            writeln!(w)?;
        }
        write!(w, "{block}")?;
        let params = func.dfg.block_params(block);
        if !params.is_empty() {
            w.write_str("(")?;
            for (j, &p) in params.iter().enumerate() {
                if j > 0 {
                    w.write_str(", ")?;
                }
                write!(w, "{p}: {}", func.dfg.value_type(p))?;
            }
            w.write_str(")")?;
        }
        if func.layout.is_cold(block) {
            w.write_str(" cold")?;
        }
        writeln!(w, ":")?;
        for inst in func.layout.block_insts(block) {
            used.clear();
            func.dfg.inst_values_into(inst, &mut used);
            for &v in &used {
                aliases.print_alias_chain(w, func, v)?;
            }
            w.write_str("    ")?;
            let loc = func.srclocs[inst];
            if !loc.is_default() {
                write!(w, "{loc} ")?;
            }
            let suffix = ctrl_operand_printed_later(func, inst, &printed);
            write_inst(w, func, inst, suffix)?;
            if let Some(p) = printed.get_mut(inst.index()) {
                *p = true;
            }
            writeln!(w)?;
        }
    }
    writeln!(w, "}}")
}

/// Whether `inst` takes its controlling type from an operand that is the result of an
/// instruction not yet `printed` (so a reader going through the text in order may meet a
/// cycle it cannot type without a suffix).
fn ctrl_operand_printed_later(func: &Function, inst: Inst, printed: &[bool]) -> bool {
    let data = &func.dfg.insts[inst];
    let crate::ir::CtrlSource::Arg(i) = data.opcode().info().ctrl else { return false };
    let Some(&v) = data.arguments(&func.dfg.value_lists).get(i as usize) else { return false };
    match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
        ValueDef::Result(def, _) => !printed.get(def.index()).copied().unwrap_or(false),
        _ => false,
    }
}

/// Prints each alias once, the aliases it refers to first.
struct AliasPrinter {
    printed: Vec<bool>,
    stack: Vec<Value>,
}

impl AliasPrinter {
    fn print_alias_chain(&mut self, w: &mut dyn Write, func: &Function, v: Value) -> fmt::Result {
        // Collect the unprinted aliases along the chain from `v`, then print them from the
        // far end so that each line refers only to values already defined or printed.
        self.stack.clear();
        let mut cur = v;
        while let ValueDef::Alias(orig) = func.dfg.value_def(cur) {
            match self.printed.get(cur.index()) {
                Some(false) => {}
                _ => break,
            }
            if self.stack.contains(&cur) {
                break; // a (malformed) cycle: print each member once
            }
            self.stack.push(cur);
            cur = orig;
        }
        while let Some(a) = self.stack.pop() {
            if let ValueDef::Alias(orig) = func.dfg.value_def(a) {
                writeln!(w, "    {a} -> {orig}")?;
            }
            if let Some(p) = self.printed.get_mut(a.index()) {
                *p = true;
            }
        }
        Ok(())
    }
}

fn write_global_value(w: &mut dyn Write, data: &GlobalValueData) -> fmt::Result {
    match data {
        GlobalValueData::VMContext => w.write_str("vmctx"),
        GlobalValueData::Load { base, offset, global_type, flags } => {
            write!(w, "load.{global_type}{flags} {base}{offset}")
        }
        GlobalValueData::IAddImm { base, offset, global_type } => write!(w, "iadd_imm.{global_type} {base}, {offset}"),
        GlobalValueData::Symbol { name, offset, colocated, tls } => {
            w.write_str("symbol ")?;
            if *colocated {
                w.write_str("colocated ")?;
            }
            if *tls {
                w.write_str("tls ")?;
            }
            write!(w, "{name}")?;
            match offset.bits() {
                0 => Ok(()),
                x if x > 0 => write!(w, "+{x}"),
                x => write!(w, "-{}", x.unsigned_abs()),
            }
        }
    }
}

/// One instruction line without indentation or source location, e.g. `v3 = iadd v1, v2`.
pub fn display_inst(func: &Function, inst: Inst) -> impl fmt::Display + '_ {
    struct DisplayInst<'a>(&'a Function, Inst);
    impl fmt::Display for DisplayInst<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_inst(f, self.0, self.1, false)
        }
    }
    DisplayInst(func, inst)
}

fn write_values(w: &mut dyn Write, vals: &[Value]) -> fmt::Result {
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            w.write_str(", ")?;
        }
        write!(w, "{v}")?;
    }
    Ok(())
}

fn write_block_call(w: &mut dyn Write, pool: &ValueListPool, block: crate::ir::Block, args: ValueList) -> fmt::Result {
    write!(w, "{block}")?;
    let args = args.as_slice(pool);
    if !args.is_empty() {
        w.write_str("(")?;
        for (i, &v) in args.iter().enumerate() {
            if i > 0 {
                w.write_str(", ")?;
            }
            write!(w, "{}", crate::ir::BlockArg::decode(v))?;
        }
        w.write_str(")")?;
    }
    Ok(())
}

/// `, blockN(...), [ context vN, tagN: blockM(...), default: blockK(...) ]`
fn write_exception_table(w: &mut dyn Write, func: &Function, table: crate::ir::ExceptionTable) -> fmt::Result {
    let pool = &func.dfg.value_lists;
    let Some(t) = func.dfg.exception_tables.get(table) else { return write!(w, ", {table}") };
    let normal = t.normal_return();
    w.write_str(", ")?;
    write_block_call(w, pool, normal.block, normal.args)?;
    w.write_str(", [")?;
    let mut first = true;
    if let Some(ctx) = t.context() {
        write!(w, " context {ctx}")?;
        first = false;
    }
    for (tag, bc) in t.handlers() {
        w.write_str(if first { " " } else { ", " })?;
        first = false;
        match tag {
            Some(n) => write!(w, "tag{n}: ")?,
            None => w.write_str("default: ")?,
        }
        write_block_call(w, pool, bc.block, bc.args)?;
    }
    w.write_str(if first { "]" } else { " ]" })
}

/// Writes the lanes of a constant of type `ty` as `[l0 l1 ...]`, or as a hex integer when
/// the data does not have the size of the type.
fn write_constant(w: &mut dyn Write, bytes: &[u8], ty: Type) -> fmt::Result {
    let lane = ty.lane_type();
    let lane_bytes = (lane.bits() / 8) as usize;
    if lane_bytes == 0 || lane_bytes > 16 || bytes.len() != ty.bytes() as usize {
        w.write_str("0x")?;
        if bytes.is_empty() {
            w.write_str("0")?;
        }
        for b in bytes.iter().rev() {
            write!(w, "{b:02x}")?;
        }
        return Ok(());
    }
    w.write_str("[")?;
    for (i, chunk) in bytes.chunks(lane_bytes).enumerate() {
        if i > 0 {
            w.write_str(" ")?;
        }
        let mut b = [0u8; 16];
        b[..chunk.len()].copy_from_slice(chunk);
        let bits = u128::from_le_bytes(b);
        match lane {
            types::F32 => write!(w, "{}", Ieee32(bits as u32))?,
            types::F64 => write!(w, "{}", Ieee64(bits as u64))?,
            _ => {
                // Signed decimal: sign-extend from the lane width.
                let shift = 128 - lane.bits();
                write!(w, "{}", ((bits << shift) as i128) >> shift)?;
            }
        }
    }
    w.write_str("]")
}

/// Writes one instruction; `force_suffix` writes the `.type` suffix even where the
/// controlling type comes from an operand.
fn write_inst(w: &mut dyn Write, func: &Function, inst: Inst, force_suffix: bool) -> fmt::Result {
    let dfg = &func.dfg;
    let results = dfg.inst_results(inst);
    if !results.is_empty() {
        write_values(w, results)?;
        w.write_str(" = ")?;
    }
    let data = &dfg.insts[inst];
    let opcode = data.opcode();
    w.write_str(opcode.name())?;
    if force_suffix || opcode.info().ctrl == crate::ir::CtrlSource::Explicit {
        write!(w, ".{}", dfg.ctrl_typevar(inst))?;
    }
    let pool = &dfg.value_lists;
    match *data {
        D::Nullary { .. } => Ok(()),
        D::Unary { arg, .. } => write!(w, " {arg}"),
        D::UnaryImm { imm, .. } => write!(w, " {imm}"),
        D::UnaryIeee32 { imm, .. } => write!(w, " {imm}"),
        D::UnaryIeee64 { imm, .. } => write!(w, " {imm}"),
        D::UnaryIeee16 { imm, .. } => write!(w, " {imm}"),
        D::UnaryConst { opcode: crate::ir::Opcode::F128const, constant } => {
            let bytes = dfg.constants.get(constant).map_or(&[][..], |b| b.as_slice());
            match <[u8; 16]>::try_from(bytes) {
                Ok(b) => write!(w, " {}", crate::ir::immediates::Ieee128(u128::from_le_bytes(b))),
                Err(_) => write!(w, " {constant}"),
            }
        }
        D::UnaryConst { constant, .. } => {
            w.write_str(" ")?;
            let bytes = dfg.constants.get(constant).map_or(&[][..], |b| b.as_slice());
            write_constant(w, bytes, dfg.ctrl_typevar(inst))
        }
        D::UnaryGlobalValue { global_value, .. } => write!(w, " {global_value}"),
        D::Binary { args, .. } => write!(w, " {}, {}", args[0], args[1]),
        D::BinaryImm64 { arg, imm, .. } => write!(w, " {arg}, {imm}"),
        D::BinaryImm8 { arg, imm, .. } => write!(w, " {arg}, {imm}"),
        D::Ternary { args, .. } => write!(w, " {}, {}, {}", args[0], args[1], args[2]),
        D::TernaryImm8 { args, imm, .. } => write!(w, " {}, {}, {imm}", args[0], args[1]),
        D::Shuffle { args, mask, .. } => {
            write!(w, " {}, {}, ", args[0], args[1])?;
            let bytes = dfg.constants.get(mask).map_or(&[][..], |b| b.as_slice());
            if bytes.len() == 16 {
                w.write_str("[")?;
                for (i, b) in bytes.iter().enumerate() {
                    if i > 0 {
                        w.write_str(" ")?;
                    }
                    write!(w, "{b}")?;
                }
                w.write_str("]")
            } else {
                write_constant(w, bytes, types::INVALID)
            }
        }
        D::IntCompare { cond, args, .. } => write!(w, " {cond} {}, {}", args[0], args[1]),
        D::IntCompareImm { cond, arg, imm, .. } => write!(w, " {cond} {arg}, {imm}"),
        D::FloatCompare { cond, args, .. } => write!(w, " {cond} {}, {}", args[0], args[1]),
        D::Load { flags, arg, offset, .. } => write!(w, "{flags} {arg}{offset}"),
        D::Store { flags, args, offset, .. } => write!(w, "{flags} {}, {}{offset}", args[0], args[1]),
        D::LoadNoOffset { flags, arg, .. } => write!(w, "{flags} {arg}"),
        D::StoreNoOffset { flags, args, .. } => write!(w, "{flags} {}, {}", args[0], args[1]),
        D::StackLoad { stack_slot, offset, .. } => write!(w, " {stack_slot}{offset}"),
        D::StackStore { arg, stack_slot, offset, .. } => write!(w, " {arg}, {stack_slot}{offset}"),
        D::FuncAddr { func_ref, .. } => write!(w, " {func_ref}"),
        D::AtomicRmw { flags, op, args, .. } => write!(w, "{flags} {op} {}, {}", args[0], args[1]),
        D::AtomicCas { flags, args, .. } => write!(w, "{flags} {}, {}, {}", args[0], args[1], args[2]),
        D::Jump { destination, .. } => {
            w.write_str(" ")?;
            write_block_call(w, pool, destination.block, destination.args)
        }
        D::Brif { arg, blocks, .. } => {
            write!(w, " {arg}, ")?;
            write_block_call(w, pool, blocks[0].block, blocks[0].args)?;
            w.write_str(", ")?;
            write_block_call(w, pool, blocks[1].block, blocks[1].args)
        }
        D::BranchTable { arg, table, .. } => {
            write!(w, " {arg}, ")?;
            let Some(jt) = dfg.jump_tables.get(table) else { return write!(w, "{table}") };
            let d = jt.default_block();
            write_block_call(w, pool, d.block, d.args)?;
            w.write_str(", [")?;
            for (i, bc) in jt.as_slice().iter().enumerate() {
                if i > 0 {
                    w.write_str(", ")?;
                }
                write_block_call(w, pool, bc.block, bc.args)?;
            }
            w.write_str("]")
        }
        D::MultiAry { args, .. } => {
            let args = args.as_slice(pool);
            if !args.is_empty() {
                w.write_str(" ")?;
                write_values(w, args)?;
            }
            Ok(())
        }
        D::Trap { code, .. } => write!(w, " {code}"),
        D::CondTrap { arg, code, .. } => write!(w, " {arg}, {code}"),
        D::IntAddTrap { args, code, .. } => write!(w, " {}, {}, {code}", args[0], args[1]),
        D::Call { func_ref, args, .. } => {
            write!(w, " {func_ref}(")?;
            write_values(w, args.as_slice(pool))?;
            w.write_str(")")
        }
        D::CallIndirect { sig_ref, args, .. } => {
            let args = args.as_slice(pool);
            write!(w, " {sig_ref}, ")?;
            match args.split_first() {
                Some((callee, rest)) => {
                    write!(w, "{callee}(")?;
                    write_values(w, rest)?;
                    w.write_str(")")
                }
                None => w.write_str("?()"),
            }
        }
        D::TryCall { func_ref, args, exception, .. } => {
            write!(w, " {func_ref}(")?;
            write_values(w, args.as_slice(pool))?;
            w.write_str(")")?;
            write_exception_table(w, func, exception)
        }
        D::TryCallIndirect { args, exception, .. } => {
            let args = args.as_slice(pool);
            match args.split_first() {
                Some((callee, rest)) => {
                    write!(w, " {callee}(")?;
                    write_values(w, rest)?;
                    w.write_str(")")?;
                }
                None => w.write_str(" ?()")?,
            }
            match func.dfg.exception_tables.get(exception) {
                Some(t) => write!(w, ", {}", t.signature())?,
                None => w.write_str(", ?")?,
            }
            write_exception_table(w, func, exception)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_functions;

    #[test]
    fn operand_typed_instruction_in_a_cycle_keeps_its_suffix() {
        // Found by the `clif_reader` fuzzer: the reader accepts an operand-typed opcode with
        // a suffix whose controlling operand is its own result (or a later one); printed
        // without the suffix, the text did not parse back.
        let text = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = iadd.i32 v1, v0\n    \
                    v2 = isub.i64 v3, v3\n    v3 = iadd v2, v2\n    v4 = iadd v0, v1\n    return v4\n}";
        let f = parse_functions(text).unwrap().remove(0);
        let printed = f.to_string();
        assert!(printed.contains("v1 = iadd.i32 v1, v0\n"), "{printed}");
        assert!(printed.contains("v2 = isub.i64 v3, v3\n"), "{printed}");
        // Operands printed earlier still need no suffix.
        assert!(printed.contains("v3 = iadd v2, v2\n") && printed.contains("v4 = iadd v0, v1\n"), "{printed}");
        let again = parse_functions(&printed).unwrap().remove(0).to_string();
        assert_eq!(again, printed);
    }

    #[test]
    fn display_inst_prints_one_line() {
        let text = "function %f(i32, i32) -> i32 {\nblock0(v1: i32, v2: i32):\n    @0004 v3 = iadd v1, v2\n    \
                    v4 = uextend.i64 v3\n    return v3\n}";
        let f = parse_functions(text).unwrap().remove(0);
        let b = f.layout.entry_block().unwrap();
        let lines: Vec<String> = f.layout.block_insts(b).map(|i| display_inst(&f, i).to_string()).collect();
        assert_eq!(lines, vec!["v3 = iadd v1, v2", "v4 = uextend.i64 v3", "return v3"]);
        let mut s = String::new();
        write_function(&mut s, &f).unwrap();
        assert_eq!(s, f.to_string());
        assert!(s.contains("    @0004 v3 = iadd v1, v2\n"));
    }

    #[test]
    fn builder_made_function_prints_and_parses() {
        use crate::ir::{AbiParam, CallConv, FuncCursor, InstBuilder, Signature, types};
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        let mut f = Function::new_test("built", sig);
        let b = f.dfg.make_block();
        let p = f.dfg.append_block_param(b, types::I64);
        f.layout.append_block(b);
        let mut pos = FuncCursor::new(&mut f);
        pos.goto_bottom(b);
        let c = pos.ins().iconst(types::I64, 40);
        let s = pos.ins().iadd(p, c);
        pos.ins().return_(&[s]);
        let text = f.to_string();
        assert_eq!(
            text,
            "function %built(i64) -> i64 system_v {\nblock0(v0: i64):\n    v1 = iconst.i64 40\n    \
             v2 = iadd v0, v1\n    return v2\n}\n"
        );
        assert_eq!(parse_functions(&text).unwrap()[0].to_string(), text);
    }
}
