//! The riscv64 printer: each [`Inst`] in the assembler syntax llvm-mc prints when it
//! disassembles (ABI register names, `8(sp)` addresses, decimal immediates, `lui`/`auipc`
//! fields unsigned), including its choice of aliases (`li`, `mv`, `not`, `neg`, `sext.w`,
//! `seqz`, `snez`, `j`, `jr`, `ret`, `beqz`, `fmv.d`, ...), so that the encoding oracle can
//! compare text directly. A compressed encoding prints as the instruction it stands for,
//! as llvm prints it.
//!
//! Branch targets print as `labelN`, symbols as the IR prints them inside `%pcrel_hi(...)`,
//! `%pcrel_lo(...)` and `%call(...)`, literal-pool constants as `=0x...`, pseudo-addresses
//! that need the frame as `slot+0xN(sp)` and `arg+0xN(s0)` (resolved when the frame is
//! known, in [`print_emitted`]). A pseudo-instruction prints one line per machine
//! instruction.

use super::emit::EmitInfo;
use super::inst::Inst;
use super::inst::args::*;
use super::inst::imms::fli_text;
use super::regs::{fpr_name, gpr_name, is_zero};
use crate::ir::ExternalName;
use crate::machinst::{EmitState, Reg};

fn g(r: Reg) -> String {
    gpr_name(r)
}
fn fr(r: Reg) -> String {
    fpr_name(r)
}

fn mem_text(mem: &AMode) -> String {
    match *mem {
        AMode::RegOffset { base, offset } => format!("{offset}({})", g(base)),
        AMode::BaseOffset { base, offset } => format!("{offset:#x}({})", g(base)),
        AMode::SpOffset { offset } => format!("{offset:#x}(sp)"),
        AMode::StackSlot { offset } => format!("slot+{offset:#x}(sp)"),
        AMode::IncomingArg { offset } => format!("arg+{offset:#x}(s0)"),
    }
}

fn name_with_offset(name: &ExternalName, offset: i64) -> String {
    match offset {
        0 => format!("{name}"),
        o if o < 0 => format!("{name}-{:#x}", o.unsigned_abs()),
        o => format!("{name}+{o:#x}"),
    }
}

fn branch_text(kind: CondBrKind, target: &str) -> String {
    let (a, b) = (kind.rs1, kind.rs2);
    let alias = match kind.op {
        BranchOp::Beq if is_zero(b) => Some(("beqz", a)),
        BranchOp::Bne if is_zero(b) => Some(("bnez", a)),
        BranchOp::Blt if is_zero(b) => Some(("bltz", a)),
        BranchOp::Bge if is_zero(b) => Some(("bgez", a)),
        BranchOp::Blt if is_zero(a) => Some(("bgtz", b)),
        BranchOp::Bge if is_zero(a) => Some(("blez", b)),
        _ => None,
    };
    match alias {
        Some((name, r)) => format!("{name} {}, {target}", g(r)),
        None => format!("{} {}, {}, {target}", kind.op.name(), g(a), g(b)),
    }
}

fn alu_rrr_text(op: AluOp, rd: Reg, rs1: Reg, rs2: Reg) -> String {
    let (d, s1, s2) = (g(rd), g(rs1), g(rs2));
    match op {
        AluOp::Sub if is_zero(rs1) => format!("neg {d}, {s2}"),
        AluOp::Subw if is_zero(rs1) => format!("negw {d}, {s2}"),
        AluOp::Sltu if is_zero(rs1) => format!("snez {d}, {s2}"),
        AluOp::Slt if is_zero(rs2) => format!("sltz {d}, {s1}"),
        AluOp::Slt if is_zero(rs1) => format!("sgtz {d}, {s2}"),
        AluOp::AddUw if is_zero(rs2) => format!("zext.w {d}, {s1}"),
        AluOp::Packw if is_zero(rs2) => format!("zext.h {d}, {s1}"),
        _ => format!("{} {d}, {s1}, {s2}", op.name()),
    }
}

fn imm_text(op: ImmOp, rd: Reg, rs1: Reg, imm: i16) -> String {
    let (d, s) = (g(rd), g(rs1));
    match op {
        ImmOp::Addi if is_zero(rd) && is_zero(rs1) && imm == 0 => "nop".into(),
        ImmOp::Addi if is_zero(rs1) => format!("li {d}, {imm}"),
        ImmOp::Addi if imm == 0 => format!("mv {d}, {s}"),
        ImmOp::Addiw if imm == 0 => format!("sext.w {d}, {s}"),
        ImmOp::Sltiu if imm == 1 => format!("seqz {d}, {s}"),
        ImmOp::Xori if imm == -1 => format!("not {d}, {s}"),
        _ => format!("{} {d}, {s}, {imm}", op.name()),
    }
}

fn jalr_text(rd: Reg, base: Reg, offset: i16) -> String {
    let b = g(base);
    match (is_zero(rd), rd == super::regs::ra(), offset) {
        (true, _, 0) if base == super::regs::ra() => "ret".into(),
        (true, _, 0) => format!("jr {b}"),
        (false, true, 0) => format!("jalr {b}"),
        (true, _, o) => format!("jr {o}({b})"),
        (false, true, o) => format!("jalr {o}({b})"),
        (false, false, 0) => format!("jalr {}, {b}", g(rd)),
        _ => format!("jalr {}, {offset}({b})", g(rd)),
    }
}

fn fence_set(s: u8) -> String {
    "iorw".chars().enumerate().filter(|(k, _)| s & (8 >> k) != 0).map(|(_, c)| c).collect()
}

fn fp_rrr_text(op: FpuOp2, size: FpSize, frm: Frm, rd: Reg, rs1: Reg, rs2: Reg) -> String {
    let l = size.letter();
    if rs1 == rs2 {
        let alias = match op {
            FpuOp2::Sgnj => Some("fmv"),
            FpuOp2::Sgnjn => Some("fneg"),
            FpuOp2::Sgnjx => Some("fabs"),
            _ => None,
        };
        if let Some(a) = alias {
            return format!("{a}.{l} {}, {}", fr(rd), fr(rs1));
        }
    }
    let rm = if op.enc().1 == Funct3::Rm { frm.suffix() } else { "" };
    format!("{}.{l} {}, {}, {}{rm}", op.name(), fr(rd), fr(rs1), fr(rs2))
}

/// Whether an integer-to-float conversion is exact (its encoding fixes `rm` to 0 and
/// llvm prints no rounding mode).
pub fn int_to_fp_is_exact(size: FpSize, int: IntWidth) -> bool {
    size == FpSize::D && matches!(int, IntWidth::W | IntWidth::Wu)
}

/// `inst` in assembler syntax, registers as allocated (or virtual).
pub fn print(inst: &Inst) -> String {
    print_with(inst, None, &EmitInfo::default())
}

/// `inst` as it is emitted in `state` with `info`: a branch to the next block left out, a
/// trap's skip distance as compressed or not, pseudo-addresses resolved in the frame.
pub fn print_emitted(inst: &Inst, state: &EmitState<'_>, info: &EmitInfo) -> String {
    print_with(inst, Some(state), info)
}

fn print_with(inst: &Inst, state: Option<&EmitState<'_>>, info: &EmitInfo) -> String {
    if let Some(expansion) = inst.expand(state.map(|s| s.frame)) {
        return expansion.iter().map(|i| print_with(i, state, info)).collect::<Vec<_>>().join("\n");
    }
    let next = state.and_then(|s| s.next_block);
    match inst {
        &Inst::AluRRR { op, rd, rs1, rs2 } => alu_rrr_text(op, rd, rs1, rs2),
        &Inst::AluRRImm12 { op, rd, rs1, imm } => imm_text(op, rd, rs1, imm),
        &Inst::ShiftImm { op, rd, rs1, shamt } => format!("{} {}, {}, {shamt}", op.name(), g(rd), g(rs1)),
        &Inst::AluRR { op, rd, rs1 } => format!("{} {}, {}", op.name(), g(rd), g(rs1)),
        &Inst::Lui { rd, imm } => format!("lui {}, {imm}", g(rd)),
        &Inst::Auipc { rd, imm } => format!("auipc {}, {imm}", g(rd)),
        Inst::Load { op, rd, mem, trap } => {
            let rd = if op.is_fp() { fr(*rd) } else { g(*rd) };
            let t = trap.map(|c| format!(" ; trap: {c}")).unwrap_or_default();
            format!("{} {rd}, {}{t}", op.name(), mem_text(mem))
        }
        Inst::Store { op, src, mem, trap } => {
            let src = if op.is_fp() { fr(*src) } else { g(*src) };
            let t = trap.map(|c| format!(" ; trap: {c}")).unwrap_or_default();
            format!("{} {src}, {}{t}", op.name(), mem_text(mem))
        }
        Inst::LoadAddr { rd, name, offset } => {
            let (d, sym) = (g(*rd), name_with_offset(name, *offset));
            format!("auipc {d}, %pcrel_hi({sym})\naddi {d}, {d}, %pcrel_lo({sym})")
        }
        Inst::LoadGotAddr { rd, name } => {
            let (d, sym) = (g(*rd), name_with_offset(name, 0));
            format!("auipc {d}, %got_pcrel_hi({sym})\nld {d}, %pcrel_lo({sym})({d})")
        }
        Inst::LoadLabelAddr { rd, label } => {
            let d = g(*rd);
            format!("auipc {d}, %pcrel_hi({label:?})\naddi {d}, {d}, %pcrel_lo({label:?})")
        }
        &Inst::LoadConst { op, rd, bits } => {
            let (addr, rd) = if op.is_fp() { (g(super::regs::spilltmp()), fr(rd)) } else { (g(rd), g(rd)) };
            format!("auipc {addr}, %pcrel_hi(={bits:#x})\n{} {rd}, %pcrel_lo(={bits:#x})({addr})", op.name())
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
                branch_text(kind.invert(), &format!("{not_taken:?}"))
            } else if next == Some(not_taken) {
                branch_text(kind, &format!("{taken:?}"))
            } else {
                format!("{}\nj {not_taken:?}", branch_text(kind, &format!("{taken:?}")))
            }
        }
        &Inst::TrapIf { kind, code } => {
            // The branch's own size: compressed when `c.beqz`/`c.bnez` can take it.
            let trap_len = if info.has_c { 2 } else { 4 };
            let short = info.has_c
                && matches!(kind.op, BranchOp::Beq | BranchOp::Bne)
                && is_zero(kind.rs2)
                && kind.rs1.to_preg().is_some_and(|p| (8..16).contains(&p.hw_enc()));
            let skip = trap_len + if short { 2 } else { 4 };
            format!("{}\nunimp ; trap: {code}", branch_text(kind.invert(), &skip.to_string()))
        }
        &Inst::Jalr { rd, base, offset } => jalr_text(rd, base, offset),
        Inst::Ret { .. } => "ret".into(),
        Inst::Call { callee, .. } => format!("auipc ra, %call({callee})\njalr ra"),
        Inst::CallInd { rs, .. } => format!("jalr {}", g(*rs)),
        Inst::ReturnCall { callee, .. } => format!("auipc t6, %call({callee})\njr t6"),
        Inst::ReturnCallInd { rs, .. } => format!("jr {}", g(*rs)),
        Inst::Args { args, call_conv } => {
            let list: Vec<String> = args.iter().map(|(r, p)| format!("{r:?}={p}")).collect();
            format!("; args {call_conv}: {}", list.join(", "))
        }
        Inst::Udf { code } => format!("unimp ; trap: {code}"),
        Inst::Ebreak => "ebreak".into(),
        Inst::Nop => "nop".into(),
        &Inst::Fence { pred, succ } => {
            if pred == 0xf && succ == 0xf {
                "fence".into()
            } else {
                format!("fence {}, {}", fence_set(pred), fence_set(succ))
            }
        }
        &Inst::LoadReserved { width, order, rd, addr } => {
            format!("lr{}{} {}, ({})", width.suffix(), order.suffix(), g(rd), g(addr))
        }
        &Inst::StoreConditional { width, order, rd, addr, src } => {
            format!("sc{}{} {}, {}, ({})", width.suffix(), order.suffix(), g(rd), g(src), g(addr))
        }
        &Inst::Amo { op, width, order, rd, addr, src } => {
            format!("{}{}{} {}, {}, ({})", op.name(), width.suffix(), order.suffix(), g(rd), g(src), g(addr))
        }
        &Inst::FpuRRR { op, size, frm, rd, rs1, rs2 } => fp_rrr_text(op, size, frm, rd, rs1, rs2),
        &Inst::FpuRR { op, size, frm, rd, rs1 } => {
            format!("{}.{} {}, {}{}", op.name(), size.letter(), fr(rd), fr(rs1), frm.suffix())
        }
        &Inst::FpuRRRR { op, size, frm, rd, rs1, rs2, rs3 } => {
            format!("{}.{} {}, {}, {}, {}{}", op.name(), size.letter(), fr(rd), fr(rs1), fr(rs2), fr(rs3), frm.suffix())
        }
        &Inst::FpuCmp { op, size, rd, rs1, rs2 } => {
            format!("{}.{} {}, {}, {}", op.name(), size.letter(), g(rd), fr(rs1), fr(rs2))
        }
        &Inst::FpuClass { size, rd, rs1 } => format!("fclass.{} {}, {}", size.letter(), g(rd), fr(rs1)),
        &Inst::FpuCvt { from: FpSize::D, frm, rd, rs1 } => format!("fcvt.s.d {}, {}{}", fr(rd), fr(rs1), frm.suffix()),
        &Inst::FpuCvt { from: FpSize::S, rd, rs1, .. } => format!("fcvt.d.s {}, {}", fr(rd), fr(rs1)),
        &Inst::FpuToInt { size, int, frm, rd, rs1 } => {
            format!("fcvt.{}.{} {}, {}{}", int.name(), size.letter(), g(rd), fr(rs1), frm.suffix())
        }
        &Inst::IntToFpu { size, int, frm, rd, rs1 } => {
            let rm = if int_to_fp_is_exact(size, int) { "" } else { frm.suffix() };
            format!("fcvt.{}.{} {}, {}{rm}", size.letter(), int.name(), fr(rd), g(rs1))
        }
        &Inst::FmvToInt { size, rd, rs1 } => format!("fmv.x.{} {}, {}", size.fmv_letter(), g(rd), fr(rs1)),
        &Inst::FmvFromInt { size, rd, rs1 } => format!("fmv.{}.x {}, {}", size.fmv_letter(), fr(rd), g(rs1)),
        &Inst::Fli { size, rd, index } => format!("fli.{} {}, {}", size.letter(), fr(rd), fli_text(index)),
        &Inst::FcvtModWD { rd, rs1 } => format!("fcvtmod.w.d {}, {}, rtz", g(rd), fr(rs1)),
        Inst::AdjustSp { amount } => format!("adjust_sp {amount}"),
        &Inst::Extend { rd, rs, bits, signed } => {
            format!("{}ext{bits} {}, {}", if signed { "s" } else { "z" }, g(rd), g(rs))
        }
        Inst::Lea { rd, mem } => format!("lea {}, {}", g(*rd), mem_text(mem)),
        Inst::AtomicLoop { .. } => {
            let steps = inst.atomic_steps().unwrap_or_default();
            let lines: Vec<String> = steps
                .iter()
                .enumerate()
                .map(|(i, step)| match step {
                    super::inst::atomic::Step::Inst(i) => print(i),
                    &super::inst::atomic::Step::Branch(kind, to) => {
                        branch_text(kind, &super::inst::atomic::branch_delta(i, to).to_string())
                    }
                })
                .collect();
            lines.join("\n")
        }
    }
}
