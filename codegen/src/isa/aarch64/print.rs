//! The aarch64 printer: each [`Inst`] in the assembler syntax llvm-mc prints when it
//! disassembles (lower case, `x0`/`w0`, `[x1, #8]`, decimal arithmetic immediates,
//! hexadecimal bitmask immediates), including its choice of aliases (`mov`, `cmp`, `tst`,
//! `lsl`, `ubfx`, `cset`, `mul`, ...), so that the encoding oracle can compare text
//! directly.
//!
//! Branch targets print as `labelN`, symbols as the IR prints them, pseudo-addresses that
//! need the frame as `[slot+0xN]` and `[arg+0xN]` (resolved when the frame is known, in
//! [`print_emitted`]). A pseudo-instruction prints one line per machine instruction.

use super::inst::args::*;
use super::inst::imms::*;
use super::inst::{Inst, LoopStep, trap_imm};
use super::regs::{fpr_name, gpr_name, is_sp, is_zr};
use crate::machinst::{EmitState, Reg};

fn x(r: Reg) -> String {
    gpr_name(r, true)
}
fn sized(r: Reg, size: OperandSize) -> String {
    gpr_name(r, size.is64())
}
fn fp(r: Reg, size: FpSize) -> String {
    fpr_name(r, size.prefix())
}

fn shift_suffix(shift: ShiftOpAndAmt) -> String {
    if shift.op == ShiftOp::Lsl && shift.amt == 0 {
        String::new()
    } else {
        format!(", {} #{}", shift.op.name(), shift.amt)
    }
}

fn imm12_text(imm: Imm12) -> String {
    if imm.shift12 { format!("#{}, lsl #12", imm.bits) } else { format!("#{}", imm.bits) }
}

/// A signed decimal of `v` at `size` (how llvm prints `mov` immediates).
fn signed_at(v: u64, size: OperandSize) -> i64 {
    if size.is64() { v as i64 } else { v as u32 as i32 as i64 }
}

/// Whether the value of a bitmask-immediate `orr` from the zero register is one a single
/// `movz` or `movn` makes; llvm then prints the `orr` as such, and `mov` otherwise.
fn move_wide_preferred(size: OperandSize, value: u64) -> bool {
    let mask = if size.is64() { u64::MAX } else { 0xffff_ffff };
    let one_chunk = |v: u64| (0..size.bits() / 16).any(|s| v & !(0xffffu64 << (16 * s)) == 0);
    one_chunk(value & mask) || one_chunk(!value & mask)
}

fn mem_text(mem: &AMode, log2: u32) -> String {
    match *mem {
        AMode::UnsignedOffset { rn, offset: 0 } | AMode::Unscaled { rn, offset: 0 } => format!("[{}]", x(rn)),
        AMode::UnsignedOffset { rn, offset } => format!("[{}, #{offset}]", x(rn)),
        AMode::Unscaled { rn, offset } => format!("[{}, #{offset}]", x(rn)),
        AMode::PreIndex { rn, offset } => format!("[{}, #{offset}]!", x(rn)),
        AMode::PostIndex { rn, offset } => format!("[{}], #{offset}", x(rn)),
        AMode::RegOffset { rn, rm, extend, scaled } => {
            let index = gpr_name(rm, extend.index_is64());
            match (extend, scaled) {
                (IndexExtend::Lsl, false) => format!("[{}, {index}]", x(rn)),
                (_, false) => format!("[{}, {index}, {}]", x(rn), extend.name()),
                (_, true) => format!("[{}, {index}, {} #{log2}]", x(rn), extend.name()),
            }
        }
        AMode::BaseOffset { rn, offset } => format!("[{}+{offset:#x}]", x(rn)),
        AMode::SpOffset { offset } => format!("[sp+{offset:#x}]"),
        AMode::StackSlot { offset } => format!("[slot+{offset:#x}]"),
        AMode::IncomingArg { offset } => format!("[arg+{offset:#x}]"),
    }
}

fn is_unscaled(mem: &AMode) -> bool {
    matches!(mem, AMode::Unscaled { .. })
}

fn unscaled_name(name: &str, mem: &AMode) -> String {
    if is_unscaled(mem) { name.replacen("ldr", "ldur", 1).replacen("str", "stur", 1) } else { name.to_string() }
}

fn pair_mem_text(mem: &PairAMode) -> String {
    match *mem {
        PairAMode::SignedOffset { rn, offset: 0 } => format!("[{}]", x(rn)),
        PairAMode::SignedOffset { rn, offset } => format!("[{}, #{offset}]", x(rn)),
        PairAMode::PreIndex { rn, offset } => format!("[{}, #{offset}]!", x(rn)),
        PairAMode::PostIndex { rn, offset } => format!("[{}], #{offset}", x(rn)),
    }
}

fn cond_branch_text(kind: CondBrKind, target: &str) -> String {
    match kind {
        CondBrKind::Cond(c) => format!("b.{} {target}", c.name()),
        CondBrKind::Zero(r, size) => format!("cbz {}, {target}", sized(r, size)),
        CondBrKind::NotZero(r, size) => format!("cbnz {}, {target}", sized(r, size)),
        CondBrKind::BitZero(r, bit) => format!("tbz {}, #{bit}, {target}", gpr_name(r, bit >= 32)),
        CondBrKind::BitNotZero(r, bit) => format!("tbnz {}, #{bit}, {target}", gpr_name(r, bit >= 32)),
    }
}

fn name_with_offset(name: &crate::ir::ExternalName, offset: i64) -> String {
    match offset {
        0 => format!("{name}"),
        o if o < 0 => format!("{name}-{:#x}", o.unsigned_abs()),
        o => format!("{name}+{o:#x}"),
    }
}

fn alu_rrr_text(op: AluOp, size: OperandSize, rd: Reg, rn: Reg, rm: Reg, shift: ShiftOpAndAmt) -> String {
    let (d, n, m) = (sized(rd, size), sized(rn, size), sized(rm, size));
    let sh = shift_suffix(shift);
    match op {
        AluOp::Subs | AluOp::Adds if is_zr(rd) => {
            let alias = if op == AluOp::Subs { "cmp" } else { "cmn" };
            format!("{alias} {n}, {m}{sh}")
        }
        AluOp::Sub | AluOp::Subs if is_zr(rn) => {
            let alias = if op == AluOp::Sub { "neg" } else { "negs" };
            format!("{alias} {d}, {m}{sh}")
        }
        AluOp::Orr if is_zr(rn) && sh.is_empty() => format!("mov {d}, {m}"),
        AluOp::Orn if is_zr(rn) => format!("mvn {d}, {m}{sh}"),
        AluOp::Ands if is_zr(rd) => format!("tst {n}, {m}{sh}"),
        AluOp::Sbc if is_zr(rn) => format!("ngc {d}, {m}"),
        AluOp::Sbcs if is_zr(rn) => format!("ngcs {d}, {m}"),
        _ => format!("{} {d}, {n}, {m}{sh}", op.name()),
    }
}

fn bitfield_text(op: BitfieldOp, size: OperandSize, rd: Reg, rn: Reg, immr: u8, imms: u8) -> String {
    let (d, n) = (sized(rd, size), sized(rn, size));
    let top = size.bits() as u8 - 1;
    let signed = op == BitfieldOp::Sbfm;
    let (ins, ext) = if signed { ("sbfiz", "sbfx") } else { ("ubfiz", "ubfx") };
    if imms == top {
        return format!("{} {d}, {n}, #{immr}", if signed { "asr" } else { "lsr" });
    }
    if !signed && imms + 1 == immr {
        return format!("lsl {d}, {n}, #{}", top - imms);
    }
    if imms < immr {
        return format!("{ins} {d}, {n}, #{}, #{}", (size.bits() as u8 - immr) % size.bits() as u8, imms + 1);
    }
    // The ARM ARM's BFXPreferred, for the cases not already taken.
    let ext_alias = immr == 0 && matches!((signed, size.is64(), imms), (_, false, 7 | 15) | (true, true, 7 | 15 | 31));
    if !ext_alias {
        return format!("{ext} {d}, {n}, #{immr}, #{}", imms - immr + 1);
    }
    let w = gpr_name(rn, false);
    let name = match (signed, imms) {
        (true, 7) => "sxtb",
        (true, 15) => "sxth",
        (true, _) => "sxtw",
        (false, 7) => "uxtb",
        (false, _) => "uxth",
    };
    format!("{name} {d}, {w}")
}

fn alu3_text(op: AluOp3, size: OperandSize, rd: Reg, rn: Reg, rm: Reg, ra: Reg) -> String {
    let d = sized(rd, size);
    let (n, m) =
        if op.is_widening() { (gpr_name(rn, false), gpr_name(rm, false)) } else { (sized(rn, size), sized(rm, size)) };
    let (name, alias) = match op {
        AluOp3::Madd => ("madd", "mul"),
        AluOp3::Msub => ("msub", "mneg"),
        AluOp3::Smaddl => ("smaddl", "smull"),
        AluOp3::Umaddl => ("umaddl", "umull"),
    };
    if is_zr(ra) { format!("{alias} {d}, {n}, {m}") } else { format!("{name} {d}, {n}, {m}, {}", sized(ra, size)) }
}

fn csel_text(op: CSelOp, size: OperandSize, rd: Reg, rn: Reg, rm: Reg, cond: Cond) -> String {
    let (d, n, m) = (sized(rd, size), sized(rn, size), sized(rm, size));
    let invertible = !matches!(cond, Cond::Al | Cond::Nv);
    let inv = cond.invert().name();
    match op {
        CSelOp::Csinc | CSelOp::Csinv if invertible && rn == rm && is_zr(rn) => {
            format!("{} {d}, {inv}", if op == CSelOp::Csinc { "cset" } else { "csetm" })
        }
        CSelOp::Csinc | CSelOp::Csinv | CSelOp::Csneg if invertible && rn == rm => {
            let alias = match op {
                CSelOp::Csinc => "cinc",
                CSelOp::Csinv => "cinv",
                _ => "cneg",
            };
            format!("{alias} {d}, {n}, {inv}")
        }
        _ => format!("{} {d}, {n}, {m}, {}", op.name(), cond.name()),
    }
}

fn atomic_rmw_text(op: LseOp, size: MemSize, order: Ordering, rs: Reg, rt: Reg, rn: Reg) -> String {
    let (s, t) = (gpr_name(rs, size.is64()), gpr_name(rt, size.is64()));
    if op != LseOp::Swp && is_zr(rt) && !order.acquire() {
        let l = if order.release() { "l" } else { "" };
        return format!("st{}{l}{} {s}, [{}]", op.name(), size.suffix(), x(rn));
    }
    let prefix = if op == LseOp::Swp { "" } else { "ld" };
    format!("{prefix}{}{}{} {s}, {t}, [{}]", op.name(), order.suffix(), size.suffix(), x(rn))
}

fn fp_imm_text(imm: FpImm8) -> String {
    format!("#{:.8}", imm.to_f64())
}

/// `inst` as one line per machine instruction.
pub fn print(inst: &Inst) -> String {
    if let Some(expansion) = inst.expand(None) {
        return expansion.iter().map(print).collect::<Vec<_>>().join("\n");
    }
    if let Some((check, dispatch)) = inst.jump_table_parts() {
        let Inst::JmpTable { default, targets, .. } = inst else { unreachable!("only a jump table has parts") };
        let mut lines: Vec<String> = check.iter().map(print).collect();
        lines.push("adr x16, #16".into());
        lines.extend(dispatch.iter().map(print));
        lines.extend(targets.iter().chain([default]).map(|t| format!(".word {t:?} ; minus the table's address")));
        return lines.join("\n");
    }
    if let Some(steps) = inst.atomic_loop() {
        return steps
            .iter()
            .map(|step| match *step {
                LoopStep::I(ref i) => print(i),
                LoopStep::BranchNe(words) => format!("b.ne #{}", 4 * words),
                LoopStep::Cbnz(r, words) => format!("cbnz {}, #{}", gpr_name(r, false), 4 * words),
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    print_one(inst)
}

/// `inst` as emitted in `state`: pseudo-addresses resolved against the frame, a jump to
/// the next block left out, a two-way branch reduced to the branch emission keeps.
pub fn print_emitted(inst: &Inst, state: &EmitState<'_>) -> String {
    if let Some(expansion) = inst.expand(Some(state.frame)) {
        return expansion.iter().map(|i| print_emitted(i, state)).collect::<Vec<_>>().join("\n");
    }
    match *inst {
        Inst::Jump { target } if state.next_block == Some(target) => String::new(),
        Inst::CondBr { kind, taken, not_taken } if state.next_block == Some(taken) => {
            cond_branch_text(kind.invert(), &format!("{not_taken:?}"))
        }
        Inst::CondBr { kind, taken, not_taken } if state.next_block == Some(not_taken) => {
            cond_branch_text(kind, &format!("{taken:?}"))
        }
        _ => print_one(inst),
    }
}

fn print_one(inst: &Inst) -> String {
    match inst {
        &Inst::AluRRR { op, size, rd, rn, rm } => {
            alu_rrr_text(op, size, rd, rn, rm, ShiftOpAndAmt { op: ShiftOp::Lsl, amt: 0 })
        }
        &Inst::AluRRRShift { op, size, rd, rn, rm, shift } => alu_rrr_text(op, size, rd, rn, rm, shift),
        &Inst::AluRRRExtend { op, size, rd, rn, rm, extend, amount } => {
            let (d, n) = (sized(rd, size), sized(rn, size));
            let m = gpr_name(rm, size.is64() && extend.source_is64());
            // Next to sp, the extension that keeps the width is written `lsl`.
            let plain = if size.is64() { ExtendOp::Uxtx } else { ExtendOp::Uxtw };
            let uses_sp = is_sp(rn) || (dest_may_be_sp(op) && is_sp(rd));
            let ext = match (uses_sp && extend == plain, amount) {
                (true, 0) => String::new(),
                (true, a) => format!(", lsl #{a}"),
                (false, 0) => format!(", {}", extend.name()),
                (false, a) => format!(", {} #{a}", extend.name()),
            };
            match op {
                AluOp::Subs | AluOp::Adds if is_zr(rd) => {
                    format!("{} {n}, {m}{ext}", if op == AluOp::Subs { "cmp" } else { "cmn" })
                }
                _ => format!("{} {d}, {n}, {m}{ext}", op.name()),
            }
        }
        &Inst::AluRRImm12 { op, size, rd, rn, imm } => {
            let (d, n) = (sized(rd, size), sized(rn, size));
            match op {
                AluOp::Add if imm == Imm12::ZERO && (is_sp(rd) || is_sp(rn)) => format!("mov {d}, {n}"),
                AluOp::Subs | AluOp::Adds if is_zr(rd) => {
                    format!("{} {n}, {}", if op == AluOp::Subs { "cmp" } else { "cmn" }, imm12_text(imm))
                }
                _ => format!("{} {d}, {n}, {}", op.name(), imm12_text(imm)),
            }
        }
        &Inst::AluRRImmLogic { op, size, rd, rn, imm } => {
            let (d, n) = (sized(rd, size), sized(rn, size));
            match op {
                AluOp::Ands if is_zr(rd) => format!("tst {n}, #{:#x}", imm.value),
                AluOp::Orr if is_zr(rn) && !move_wide_preferred(size, imm.value) => {
                    format!("mov {d}, #{}", signed_at(imm.value, size))
                }
                _ => format!("{} {d}, {n}, #{:#x}", op.name(), imm.value),
            }
        }
        &Inst::AluRRRR { op, size, rd, rn, rm, ra } => alu3_text(op, size, rd, rn, rm, ra),
        &Inst::BitRR { op, size, rd, rn } => format!("{} {}, {}", op.name(), sized(rd, size), sized(rn, size)),
        &Inst::MovWide { op, size, rd, imm } => {
            let d = sized(rd, size);
            let ones16 = !size.is64() && imm.bits == 0xffff;
            // llvm's `mov` alias: not `#0, lsl #n`, and not a 32-bit `movn` of 0xffff.
            let alias = !((imm.bits == 0 && imm.shift != 0) || (op == MoveWideOp::MovN && ones16));
            if alias {
                let v = match op {
                    MoveWideOp::MovZ => imm.value(),
                    MoveWideOp::MovN => !imm.value(),
                };
                format!("mov {d}, #{}", signed_at(v, size))
            } else {
                let name = if op == MoveWideOp::MovZ { "movz" } else { "movn" };
                movw_text(name, &d, imm)
            }
        }
        &Inst::MovK { size, rd, imm, .. } => movw_text("movk", &sized(rd, size), imm),
        &Inst::Mov { size, rd, rm } => format!("mov {}, {}", sized(rd, size), sized(rm, size)),
        &Inst::Bitfield { op, size, rd, rn, immr, imms } => bitfield_text(op, size, rd, rn, immr, imms),
        &Inst::Bfm { size, rd, rn, immr, imms, .. } => {
            let (d, n) = (sized(rd, size), sized(rn, size));
            if imms < immr {
                let bits = size.bits() as u8;
                format!("bfi {d}, {n}, #{}, #{}", (bits - immr) % bits, imms + 1)
            } else {
                format!("bfxil {d}, {n}, #{immr}, #{}", imms - immr + 1)
            }
        }
        &Inst::Extr { size, rd, rn, rm, lsb } => {
            let (d, n, m) = (sized(rd, size), sized(rn, size), sized(rm, size));
            if rn == rm { format!("ror {d}, {n}, #{lsb}") } else { format!("extr {d}, {n}, {m}, #{lsb}") }
        }
        &Inst::CSel { op, size, rd, rn, rm, cond } => csel_text(op, size, rd, rn, rm, cond),
        &Inst::CCmp { op, size, rn, rhs, nzcv, cond } => {
            let name = if op == CCmpOp::Ccmp { "ccmp" } else { "ccmn" };
            let rhs = match rhs {
                CCmpRhs::Reg(rm) => sized(rm, size),
                CCmpRhs::Imm(i) => format!("#{i}"),
            };
            format!("{name} {}, {rhs}, #{nzcv}, {}", sized(rn, size), cond.name())
        }
        Inst::Adr { rd, label } => format!("adr {}, {label:?}", x(*rd)),
        Inst::LoadAddr { rd, name, offset } => {
            let sym = name_with_offset(name, *offset);
            format!("adrp {0}, {sym}\nadd {0}, {0}, :lo12:{sym}", x(*rd))
        }
        Inst::LoadGotAddr { rd, name } => {
            format!("adrp {0}, :got:{name}\nldr {0}, [{0}, :got_lo12:{name}]", x(*rd))
        }
        &Inst::Load { op, rt, ref mem, .. } => {
            format!("{} {}, {}", unscaled_name(op.name(), mem), op.reg_name(rt), mem_text(mem, op.size_log2()))
        }
        &Inst::Store { op, rt, ref mem, .. } => {
            format!("{} {}, {}", unscaled_name(op.name(), mem), op.reg_name(rt), mem_text(mem, op.size_log2()))
        }
        &Inst::LoadPair { size, rt, rt2, ref mem } => {
            format!("ldp {}, {}, {}", size.reg_name(rt), size.reg_name(rt2), pair_mem_text(mem))
        }
        &Inst::StorePair { size, rt, rt2, ref mem } => {
            format!("stp {}, {}, {}", size.reg_name(rt), size.reg_name(rt2), pair_mem_text(mem))
        }
        &Inst::LoadLiteral { op, rt, label } => format!("{} {}, {label:?}", op.name(), op.reg_name(rt)),
        &Inst::LoadConst { op, rt, bits } => {
            let len = 1u32 << op.size_log2();
            let bits = if len >= 16 { bits } else { bits & ((1u128 << (8 * len)) - 1) };
            format!("{} {}, ={bits:#x}", op.name(), op.reg_name(rt))
        }
        Inst::Jump { target } => format!("b {target:?}"),
        &Inst::CondBr { kind, taken, not_taken } => {
            format!("{}\nb {not_taken:?}", cond_branch_text(kind, &format!("{taken:?}")))
        }
        &Inst::TrapIf { kind, code } => {
            format!("{}\nudf #{} ; trap {code}", cond_branch_text(kind.invert(), "#8"), trap_imm(code))
        }
        Inst::Br { rn } => format!("br {}", x(*rn)),
        Inst::Ret { .. } => "ret".into(),
        Inst::Call { callee, .. } => format!("bl {callee}"),
        Inst::CallInd { rn, .. } => format!("blr {}", x(*rn)),
        Inst::ReturnCall { callee, .. } => format!("b {callee}"),
        Inst::ReturnCallInd { rn, .. } => format!("br {}", x(*rn)),
        Inst::Args { args, call_conv } => {
            let list: Vec<String> = args.iter().map(|(r, p)| format!("{r:?}={p}")).collect();
            format!("; args {call_conv} {}", list.join(", "))
        }
        &Inst::Udf { code } => format!("udf #{} ; trap {code}", trap_imm(code)),
        // llvm prints the comment field in hexadecimal, except zero.
        &Inst::Brk { imm: 0 } => "brk #0".into(),
        &Inst::Brk { imm } => format!("brk #{imm:#x}"),
        Inst::Nop => "nop".into(),
        Inst::Dmb => "dmb ish".into(),
        Inst::Csdb => "csdb".into(),
        Inst::Pac { op } => op.name().into(),
        &Inst::FpuMove { size, rd, rn } => format!("fmov {}, {}", fp(rd, size), fp(rn, size)),
        &Inst::FpuMove128 { rd, rn } => format!("mov {}.16b, {}.16b", fpr_name(rd, 'v'), fpr_name(rn, 'v')),
        &Inst::FpuRR { op, size, rd, rn } => format!("{} {}, {}", op.name(), fp(rd, size), fp(rn, size)),
        &Inst::FpuCvt { from, rd, rn } => {
            let to = if from == FpSize::S32 { FpSize::S64 } else { FpSize::S32 };
            format!("fcvt {}, {}", fp(rd, to), fp(rn, from))
        }
        &Inst::FpuRRR { op, size, rd, rn, rm } => {
            format!("{} {}, {}, {}", op.name(), fp(rd, size), fp(rn, size), fp(rm, size))
        }
        &Inst::FpuRRRR { op, size, rd, rn, rm, ra } => {
            format!("{} {}, {}, {}, {}", op.name(), fp(rd, size), fp(rn, size), fp(rm, size), fp(ra, size))
        }
        &Inst::FpuCmp { size, rn, rm } => match rm {
            Some(rm) => format!("fcmp {}, {}", fp(rn, size), fp(rm, size)),
            None => format!("fcmp {}, #0.0", fp(rn, size)),
        },
        &Inst::FpuCSel { size, rd, rn, rm, cond } => {
            format!("fcsel {}, {}, {}, {}", fp(rd, size), fp(rn, size), fp(rm, size), cond.name())
        }
        &Inst::FpuMoveImm { size, rd, imm } => format!("fmov {}, {}", fp(rd, size), fp_imm_text(imm)),
        &Inst::IntToFpu { op, int_size, fp_size, rd, rn } => {
            let name = if op == IntToFpOp::Scvtf { "scvtf" } else { "ucvtf" };
            format!("{name} {}, {}", fp(rd, fp_size), sized(rn, int_size))
        }
        &Inst::FpuToInt { op, int_size, fp_size, rd, rn } => {
            let name = if op == FpToIntOp::Fcvtzs { "fcvtzs" } else { "fcvtzu" };
            format!("{name} {}, {}", sized(rd, int_size), fp(rn, fp_size))
        }
        &Inst::MovToFpu { size, rd, rn } => {
            let f = if size.is64() { FpSize::S64 } else { FpSize::S32 };
            format!("fmov {}, {}", fp(rd, f), sized(rn, size))
        }
        &Inst::MovFromFpu { size, rd, rn } => {
            let f = if size.is64() { FpSize::S64 } else { FpSize::S32 };
            format!("fmov {}, {}", sized(rd, size), fp(rn, f))
        }
        &Inst::VecCnt { rd, rn } => format!("cnt {}.8b, {}.8b", fpr_name(rd, 'v'), fpr_name(rn, 'v')),
        &Inst::VecAddv { rd, rn } => format!("addv {}, {}.8b", fpr_name(rd, 'b'), fpr_name(rn, 'v')),
        &Inst::LoadExclusive { acquire, size, rt, rn } => {
            let a = if acquire { "a" } else { "" };
            format!("ld{a}xr{} {}, [{}]", size.suffix(), gpr_name(rt, size.is64()), x(rn))
        }
        &Inst::StoreExclusive { release, size, rs, rt, rn } => {
            let l = if release { "l" } else { "" };
            format!("st{l}xr{} {}, {}, [{}]", size.suffix(), gpr_name(rs, false), gpr_name(rt, size.is64()), x(rn))
        }
        &Inst::LoadAcquire { size, rt, rn } => {
            format!("ldar{} {}, [{}]", size.suffix(), gpr_name(rt, size.is64()), x(rn))
        }
        &Inst::StoreRelease { size, rt, rn } => {
            format!("stlr{} {}, [{}]", size.suffix(), gpr_name(rt, size.is64()), x(rn))
        }
        &Inst::AtomicRmw { op, size, order, rs, rt, rn } => atomic_rmw_text(op, size, order, rs, rt, rn),
        &Inst::Cas { size, order, rs, rt, rn, .. } => format!(
            "cas{}{} {}, {}, [{}]",
            order.suffix(),
            size.suffix(),
            gpr_name(rs, size.is64()),
            gpr_name(rt, size.is64()),
            x(rn)
        ),
        Inst::AdjustSp { amount } => format!("; adjust sp by {amount}"),
        Inst::AtomicRmwLoop { .. } | Inst::AtomicCasLoop { .. } | Inst::JmpTable { .. } => print(inst),
        &Inst::StackAddr { rd, offset } => format!("add {}, sp, <stack slot {offset}>", gpr_name(rd, true)),
    }
}

/// Whether the destination of an extended-register `op` is an sp field.
fn dest_may_be_sp(op: AluOp) -> bool {
    matches!(op, AluOp::Add | AluOp::Sub)
}

fn movw_text(name: &str, d: &str, imm: MoveWideConst) -> String {
    if imm.shift == 0 {
        format!("{name} {d}, #{}", imm.bits)
    } else {
        format!("{name} {d}, #{}, lsl #{}", imm.bits, 16 * imm.shift)
    }
}
