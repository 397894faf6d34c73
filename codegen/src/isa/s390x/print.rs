//! The s390x printer: each [`Inst`] in the assembler syntax `llvm-mc-14 --disassemble
//! -triple=s390x` prints (`%r2`/`%f0` registers, `d(x,b)` addresses with an absent base or
//! index left out, decimal immediates), including its choice of extended mnemonics (`j`,
//! `jne`, `jgl`, `crje`, `locrh`, `selgrnle`, `br`, ...) and of the short or long form of
//! a storage operation (`l` or `ly`, as the encoder picks them), so that the encoding
//! oracle can compare text directly.
//!
//! Branch targets print as `labelN`, the trap's self-relative branch as `j .+2`, symbols
//! as the IR prints them (with `@PLT` on calls), literal-pool constants as `=0x...`,
//! pseudo-addresses that need the frame as `slot+0xN(%r15)` and `arg+0xN(%r15)` (resolved
//! when the frame is known, in [`print_emitted`]). A pseudo-instruction prints one line
//! per machine instruction; a `; ...` comment (trap codes) is not part of the syntax.

use super::emit::{TRAP, uses_short_form};
use super::inst::Inst;
use super::inst::args::*;
use super::inst::atomic::{self, Step};
use super::regs::{fpr_name, gpr_name, is_zero, scratch};
use crate::ir::ExternalName;
use crate::machinst::{EmitState, Reg};

fn g(r: Reg) -> String {
    gpr_name(r)
}
fn f(r: Reg) -> String {
    fpr_name(r)
}

/// A storage operand as llvm prints it.
pub fn mem_text(mem: &MemArg) -> String {
    match *mem {
        MemArg::BXD { base, index, disp } => match (is_zero(index), is_zero(base)) {
            (true, true) => format!("{disp}"),
            (true, false) => format!("{disp}({})", g(base)),
            (false, true) => format!("{disp}({})", g(index)),
            (false, false) => format!("{disp}({},{})", g(index), g(base)),
        },
        MemArg::RegOffset { base, offset } => format!("{offset:#x}({})", g(base)),
        MemArg::SpOffset { offset } => format!("{offset:#x}(%r15)"),
        MemArg::StackSlot { offset } => format!("slot+{offset:#x}(%r15)"),
        MemArg::IncomingArg { offset } => format!("arg+{offset:#x}(%r15)"),
    }
}

/// The mnemonic of a storage operation in the form the encoder picks for `mem`.
fn mem_name(enc: MemEnc, mem: &MemArg) -> &'static str {
    match (uses_short_form(enc, mem), enc.short, enc.long) {
        (true, Some((_, name)), _) | (false, _, Some((_, name))) => name,
        (_, Some((_, name)), None) => name,
        _ => "<no form>",
    }
}

fn name_with_offset(name: &ExternalName, offset: i64) -> String {
    match offset {
        0 => format!("{name}"),
        o if o < 0 => format!("{name}-{:#x}", o.unsigned_abs()),
        o => format!("{name}+{o:#x}"),
    }
}

/// Whether a compare-and-branch mask has an extended mnemonic (llvm defines them for the
/// comparison results only: masks 2 to 12, even).
fn cmp_suffix(cond: Cond) -> Option<&'static str> {
    [2, 4, 6, 8, 10, 12].contains(&cond.0).then(|| cond.suffix()).flatten()
}

/// A conditional branch on `kind` to `target` (`brc` for the condition code; `long` for
/// `brcl`).
fn branch_text(kind: CondBrKind, target: &str, long: bool) -> String {
    match kind {
        CondBrKind::Cc(cond) => {
            let (base, raw) = if long { ("jg", "brcl") } else { ("j", "brc") };
            match cond.0 {
                15 => format!("{base} {target}"),
                0 => format!("{raw} 0, {target}"),
                _ => format!("{base}{} {target}", cond.suffix().unwrap_or("?")),
            }
        }
        CondBrKind::CmpRR { op, cond, rn, rm } => match cmp_suffix(cond) {
            Some(s) => format!("{}{s} {}, {}, {target}", op.name(), g(rn), g(rm)),
            None => format!("{} {}, {}, {}, {target}", op.name(), g(rn), g(rm), cond.0),
        },
        CondBrKind::CmpRI { op, cond, rn, imm } => {
            let value = if op.enc().1 { imm as i8 as i64 } else { imm as i64 };
            match cmp_suffix(cond) {
                Some(s) => format!("{}{s} {}, {value}, {target}", op.name(), g(rn)),
                None => format!("{} {}, {value}, {}, {target}", op.name(), g(rn), cond.0),
            }
        }
    }
}

/// `name` with the condition's suffix, or the mask as a trailing operand when it has none
/// (masks 0 and 15): `(mnemonic, trailing operand text)`.
fn cond_form(name: &str, cond: Cond) -> (String, String) {
    match cond.suffix() {
        Some(s) => (format!("{name}{s}"), String::new()),
        None => (name.to_string(), format!(", {}", cond.0)),
    }
}

fn conv_text(op: ConvOp, rd: Reg, rn: Reg, m3: u8, m4: u8) -> String {
    let d = if op.int_dest() { g(rd) } else { f(rd) };
    let s = if op.int_src() { g(rn) } else { f(rn) };
    let name = op.name();
    match op.enc().1 {
        ConvKind::FpShort | ConvKind::IntToFp if m3 == 0 && m4 == 0 => format!("{name} {d}, {s}"),
        ConvKind::FpShort | ConvKind::IntToFp => format!("{name}a {d}, {m3}, {s}, {m4}"),
        ConvKind::FpRound | ConvKind::FpToInt if m4 == 0 => format!("{name} {d}, {m3}, {s}"),
        ConvKind::FpRound | ConvKind::FpToInt => format!("{name}a {d}, {m3}, {s}, {m4}"),
        ConvKind::UIntToFp | ConvKind::FpToUInt => format!("{name} {d}, {m3}, {s}, {m4}"),
    }
}

fn imm_text(kind: ImmKind, imm: u32) -> i64 {
    kind.value(imm)
}

/// `inst` in assembler syntax, registers as allocated (or virtual).
pub fn print(inst: &Inst) -> String {
    print_with(inst, None)
}

/// `inst` as it is emitted in `state`: a branch to the next block left out,
/// pseudo-addresses resolved in the frame.
pub fn print_emitted(inst: &Inst, state: &EmitState<'_>) -> String {
    print_with(inst, Some(state))
}

fn trap_comment(trap: &Option<crate::ir::TrapCode>) -> String {
    trap.map(|c| format!(" ; trap: {c}")).unwrap_or_default()
}

fn print_with(inst: &Inst, state: Option<&EmitState<'_>>) -> String {
    if let Some(expansion) = inst.expand(state.map(|s| s.frame)) {
        return expansion.iter().map(|i| print_with(i, state)).collect::<Vec<_>>().join("\n");
    }
    if let Some(steps) = inst.atomic_steps() {
        return loop_text(&steps, state);
    }
    if let Inst::JumpTable { index, default, targets } = inst {
        let (check, dispatch) = Inst::jump_table_parts(*index, targets.len() as u32);
        let mut lines: Vec<String> = check.iter().map(print).collect();
        lines.push(print(&dispatch[0]));
        lines.push(format!("larl %r0, .+{}", super::inst::JUMP_TABLE_LARL_TO_TABLE));
        lines.extend(dispatch[1..].iter().map(print));
        lines.push("br %r1".into());
        lines.extend(targets.iter().chain([default]).map(|t| format!(".long {t:?}-.")));
        return lines.join("\n");
    }
    let next = state.and_then(|s| s.next_block);
    match inst {
        &Inst::AluRRR { op, rd, rn, rm } => format!("{} {}, {}, {}", op.name(), g(rd), g(rn), g(rm)),
        &Inst::AluRR { op, rd, rm, .. } => format!("{} {}, {}", op.name(), g(rd), g(rm)),
        &Inst::AluImm { op, rd, imm, .. } => format!("{} {}, {}", op.name(), g(rd), imm_text(op.enc().1, imm)),
        &Inst::Unary { op, rd, rn } => match op.enc().1 {
            0 => format!("{} {}, {}", op.name(), g(rd), g(rn)),
            m3 => format!("{} {}, {}, {m3}", op.name(), g(rd), g(rn)),
        },
        &Inst::LoadImm { op, rd, imm } => format!("{} {}, {}", op.name(), g(rd), imm_text(op.enc().1, imm)),
        &Inst::Cmp { op, rn, rm } => format!("{} {}, {}", op.name(), g(rn), g(rm)),
        &Inst::CmpImm { op, rn, imm } => format!("{} {}, {}", op.name(), g(rn), imm_text(op.enc().1, imm)),
        Inst::Load { op, rd, mem, trap } => {
            let rd = if op.is_fp() { f(*rd) } else { g(*rd) };
            format!("{} {rd}, {}{}", mem_name(op.enc(), mem), mem_text(mem), trap_comment(trap))
        }
        Inst::Store { op, rs, mem, trap } => {
            let rs = if op.is_fp() { f(*rs) } else { g(*rs) };
            format!("{} {rs}, {}{}", mem_name(op.enc(), mem), mem_text(mem), trap_comment(trap))
        }
        Inst::Cas { op, rd, rn, mem, trap, .. } => {
            format!("{} {}, {}, {}{}", mem_name(op.enc(), mem), g(*rd), g(*rn), mem_text(mem), trap_comment(trap))
        }
        Inst::AtomicRmw { op, rd, rn, mem, trap } => {
            format!("{} {}, {}, {}{}", op.name(), g(*rd), g(*rn), mem_text(mem), trap_comment(trap))
        }
        Inst::LoadMultiple { first, last, mem } => format!("lmg {}, {}, {}", g(*first), g(*last), mem_text(mem)),
        Inst::StoreMultiple { first, last, mem } => format!("stmg {}, {}, {}", g(*first), g(*last), mem_text(mem)),
        &Inst::Shift { op, rd, rn, amt, amt_reg } => {
            format!("{} {}, {}, {}", op.name(), g(rd), g(rn), mem_text(&MemArg::bd(amt_reg, amt)))
        }
        &Inst::Shift32 { op, rd, amt, amt_reg, .. } => {
            format!("{} {}, {}", op.name(), g(rd), mem_text(&MemArg::bd(amt_reg, amt as i32)))
        }
        &Inst::RxSbg { op, rd, rn, start, end, rotate, .. } => {
            format!("{} {}, {}, {start}, {end}, {rotate}", op.name(), g(rd), g(rn))
        }
        &Inst::CMov { op, cond, rd, rm, .. } => {
            let (name, mask) = cond_form(op.name(), cond);
            format!("{name} {}, {}{mask}", g(rd), g(rm))
        }
        &Inst::CMovImm { op, cond, rd, imm, .. } => {
            let (name, mask) = cond_form(op.name(), cond);
            format!("{name} {}, {imm}{mask}", g(rd))
        }
        &Inst::Select { op, cond, rd, rn, rm } => {
            let (name, mask) = cond_form(op.name(), cond);
            format!("{name} {}, {}, {}{mask}", g(rd), g(rn), g(rm))
        }
        &Inst::DivMod { op, rem, rn, .. } => format!("{} {}, {}", op.name(), g(rem), g(rn)),
        &Inst::MulWide { op, hi, rn, rm, .. } => {
            if op.enc().1 {
                format!("{} {}, {}, {}", op.name(), g(hi), g(rn), g(rm))
            } else {
                format!("{} {}, {}", op.name(), g(hi), g(rm))
            }
        }
        &Inst::Flogr { rd, rn, .. } => format!("flogr {}, {}", g(rd), g(rn)),
        &Inst::FpuRR { op, rd, rm, .. } => format!("{} {}, {}", op.name(), f(rd), f(rm)),
        &Inst::FpuUnary { op, rd, rn } => format!("{} {}, {}", op.name(), f(rd), f(rn)),
        &Inst::FpuFma { op, rd, rn, rm, .. } => format!("{} {}, {}, {}", op.name(), f(rd), f(rn), f(rm)),
        &Inst::FpuCmp { op, rn, rm } => format!("{} {}, {}", op.name(), f(rn), f(rm)),
        &Inst::FpuConv { op, rd, rn, m3, m4 } => conv_text(op, rd, rn, m3, m4),
        &Inst::MovToFpr { rd, rn } => format!("ldgr {}, {}", f(rd), g(rn)),
        &Inst::MovFromFpr { rd, rn } => format!("lgdr {}, {}", g(rd), f(rn)),
        &Inst::FpuZero { double, rd } => format!("{} {}", if double { "lzdr" } else { "lzer" }, f(rd)),
        Inst::LoadSymbolAddr { rd, name, offset } => {
            let d = g(*rd);
            let larl = format!("larl {d}, {}", name_with_offset(name, offset & !1));
            if offset & 1 != 0 { format!("{larl}\nla {d}, 1({d})") } else { larl }
        }
        Inst::LoadGotAddr { rd, name } => format!("lgrl {}, {name}@GOTENT", g(*rd)),
        Inst::LoadLabelAddr { rd, label } => format!("larl {}, {label:?}", g(*rd)),
        &Inst::LoadConst { op, rd, bits } => {
            let short = matches!(op, LoadOp::L | LoadOp::Le);
            let bits = if short { bits & 0xffff_ffff } else { bits };
            match op {
                LoadOp::L => format!("lrl {}, ={bits:#x}", g(rd)),
                LoadOp::Lg => format!("lgrl {}, ={bits:#x}", g(rd)),
                _ => {
                    let tmp = g(scratch());
                    let load = mem_name(op.enc(), &MemArg::bd(scratch(), 0));
                    format!("larl {tmp}, ={bits:#x}\n{load} {}, 0({tmp})", f(rd))
                }
            }
        }
        &Inst::Jump { target } => {
            if next == Some(target) {
                String::new()
            } else {
                format!("j {target:?}")
            }
        }
        &Inst::CondBr { kind, taken, not_taken } => {
            if next == Some(taken) {
                branch_text(kind.invert(), &format!("{not_taken:?}"), false)
            } else if next == Some(not_taken) {
                branch_text(kind, &format!("{taken:?}"), false)
            } else {
                format!("{}\nj {not_taken:?}", branch_text(kind, &format!("{taken:?}"), false))
            }
        }
        &Inst::TrapIf { kind, code } => {
            let own = if matches!(kind, CondBrKind::Cc(_)) { 4 } else { 6 };
            let skip = format!(".+{}", own + TRAP.len());
            format!("{}\nj .+2 ; trap: {code}", branch_text(kind.invert(), &skip, false))
        }
        Inst::Udf { code } => format!("j .+2 ; trap: {code}"),
        Inst::Call { callee, .. } => format!("brasl %r14, {callee}@PLT"),
        Inst::CallInd { rn, .. } => format!("basr %r14, {}", g(*rn)),
        Inst::Ret { .. } => "br %r14".into(),
        Inst::ReturnCall { callee, .. } => format!("jg {callee}@PLT"),
        Inst::ReturnCallInd { rn, .. } => format!("br {}", g(*rn)),
        Inst::Args { args, call_conv } => {
            let list: Vec<String> = args.iter().map(|(r, p)| format!("{r:?}={p}")).collect();
            format!("; args {call_conv}: {}", list.join(", "))
        }
        Inst::Nop => "bcr 0, %r0".into(),
        &Inst::Fence { fast: false } => "br %r0 ; bcr 15, %r0: serialize".into(),
        &Inst::Fence { fast: true } => "bnor %r0 ; bcr 14, %r0: fast serialize".into(),
        Inst::AdjustSp { amount } => format!("adjust_sp {amount}"),
        Inst::AtomicLoop { .. } | Inst::JumpTable { .. } => unreachable!("printed above"),
    }
}

/// An atomic loop, one line per step; a branch's target is written `.+N` or `.-N`, its
/// distance in bytes.
fn loop_text(steps: &[Step], state: Option<&EmitState<'_>>) -> String {
    let at = atomic::offsets(steps);
    let lines: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(k, step)| match *step {
            Step::Inst(ref i) => print_with(i, state),
            Step::Branch(cond, to) => {
                let d = at[to] as i64 - at[k] as i64;
                let target = if d < 0 { format!(".-{}", -d) } else { format!(".+{d}") };
                branch_text(CondBrKind::Cc(cond), &target, false)
            }
        })
        .collect();
    lines.join("\n")
}
