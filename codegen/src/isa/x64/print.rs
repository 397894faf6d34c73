//! The x86-64 printer: Intel syntax, lowercase, destination first, one instruction per
//! line (`add eax, ecx`, `mov qword ptr [rsp+0x10], rax`, `lea rax, [rdi+rsi*4+0x8]`,
//! `jnz label3`, `call %foo`).
//!
//! Conventions, chosen so the text states exactly what the encoder produces:
//! - Registers by their name at the operand size (`al`, `ax`, `eax`, `rax`, `r8b`, ...);
//!   virtual registers as `%vN` at every size.
//! - Memory operands carry their size (`dword ptr`) except in `lea`. Displacements and
//!   immediates are hex with `0x`, signed (`-0x1`, `[rbp-0x8]`); an immediate is shown as
//!   the instruction sees it (8- and 16-bit operations truncate, see
//!   [`OperandSize::imm_value`]; `mov r32, imm32` shows the 32-bit value signed).
//! - Condition codes use the names of [`CC`] (`jz`, `jnb`, `setnle`).
//! - Labels print as `labelN`, symbols as in CLIF (`%foo`, `u0:1`); stack slots as
//!   `[slot+0xN]` and incoming arguments as `[arg+0xN]` (their final rsp/rbp form
//!   depends on the frame, unknown here).
//! - A trap code follows its instruction as a comment (`ud2 ; trap: heap_oob`); the `Args`
//!   pseudo-instruction prints as a comment only, since it emits nothing.
//! - Multi-instruction forms print one line per machine instruction: `JmpCond` as the
//!   `jcc` and `jmp` pair (emission drops the one that falls through), `TrapIf` as
//!   `j!cc $+0x4` and `ud2`, `JmpTable` as its sequence with the table as `[rip+jt]` and
//!   a final `.jt target, ...` line.

use super::emit::{MovForm, MovImmForm, mov_form, mov_imm_form};
use super::inst::Inst;
use super::inst::args::*;
use super::regs::reg_name;
use crate::ir::{LibCall, TrapCode};
use crate::machinst::{Reg, RegClass};
use std::fmt::Write;

/// A signed hex number: `0x10`, `-0x8`.
pub fn hex(v: i64) -> String {
    if v < 0 { format!("-0x{:x}", v.unsigned_abs()) } else { format!("0x{v:x}") }
}

/// A displacement suffix: empty for 0, else `+0x8` or `-0x8`.
fn disp(d: i64) -> String {
    match d {
        0 => String::new(),
        d if d < 0 => format!("-0x{:x}", d.unsigned_abs()),
        d => format!("+0x{d:x}"),
    }
}

/// `[...]` for an address, without size.
pub fn amode(a: &Amode) -> String {
    let q = OperandSize::S64;
    match *a {
        Amode::ImmReg { base, disp: d } => format!("[{}{}]", reg_name(base, q), disp(d as i64)),
        Amode::ImmRegRegShift { base, index, shift, disp: d } => {
            let scale = if shift == 0 { String::new() } else { format!("*{}", 1u32 << shift) };
            format!("[{}+{}{}{}]", reg_name(base, q), reg_name(index, q), scale, disp(d as i64))
        }
        Amode::RipRelative(l) => format!("[rip+{l:?}]"),
        Amode::StackSlot { offset } => format!("[slot+0x{offset:x}]"),
        Amode::IncomingArg { offset } => format!("[arg+0x{offset:x}]"),
    }
}

fn mem(a: &Amode, size: OperandSize) -> String {
    format!("{} ptr {}", size.ptr_name(), amode(a))
}

fn rm(x: &RegMem, size: OperandSize) -> String {
    match x {
        RegMem::Reg(r) => reg_name(*r, size),
        RegMem::Mem(a) => mem(a, size),
    }
}

fn rmi(x: &RegMemImm, size: OperandSize) -> String {
    match x {
        RegMemImm::Reg(r) => reg_name(*r, size),
        RegMemImm::Mem(a) => mem(a, size),
        RegMemImm::Imm(i) => hex(size.imm_value(*i)),
    }
}

fn trap_comment(code: Option<TrapCode>) -> String {
    code.map(|c| format!(" ; trap: {c}")).unwrap_or_default()
}

/// A move of `form` from `src` (a register or memory operand) into `dst`.
fn mov_form_text(form: MovForm, dst: Reg, src: &RegMem) -> String {
    use OperandSize::*;
    match form {
        MovForm::Mov(size) => format!("mov {}, {}", reg_name(dst, size), rm(src, size)),
        MovForm::Movzx(from) => format!("movzx {}, {}", reg_name(dst, S32), rm(src, from)),
        MovForm::Movsx(from, to) => format!("movsx {}, {}", reg_name(dst, to), rm(src, from)),
        MovForm::Movsxd => format!("movsxd {}, {}", reg_name(dst, S64), rm(src, S32)),
    }
}

fn fixed_list(list: &[(Reg, crate::machinst::PReg)]) -> String {
    let items: Vec<String> = list.iter().map(|(r, p)| format!("{r:?}={p}")).collect();
    items.join(", ")
}

/// The instruction in Intel syntax (see the module doc), one line per machine instruction.
pub fn print(inst: &Inst) -> String {
    use OperandSize::*;
    match inst {
        Inst::AluRmiR { size, op, src2, dst, trap, .. } => {
            format!("{} {}, {}{}", op.name(), reg_name(*dst, *size), rmi(src2, *size), trap_comment(*trap))
        }
        Inst::Imul { size, src2, dst, .. } => format!("imul {}, {}", reg_name(*dst, *size), rm(src2, *size)),
        Inst::ImulImm { size, src, imm, dst } => {
            format!("imul {}, {}, {}", reg_name(*dst, *size), rm(src, *size), hex(size.imm_value(*imm)))
        }
        Inst::Unary { size, op, dst, .. } => {
            let name = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Not => "not",
            };
            format!("{name} {}", reg_name(*dst, *size))
        }
        Inst::Shift { size, kind, amount, dst, .. } => {
            let amt = match amount {
                ShiftAmount::Imm(n) => hex(*n as i64),
                ShiftAmount::Cl(_) => "cl".to_string(),
            };
            format!("{} {}, {amt}", kind.name(), reg_name(*dst, *size))
        }
        Inst::Div { size, signed, divisor, trap, .. } => {
            let name = if *signed { "idiv" } else { "div" };
            format!("{name} {}{}", reg_name(*divisor, *size), trap_comment(Some(*trap)))
        }
        Inst::SignExtendAxDx { size, .. } => match size {
            S8 => "cbw",
            S16 => "cwd",
            S32 => "cdq",
            S64 => "cqo",
        }
        .to_string(),
        Inst::MulHi { size, signed, src2, .. } => {
            format!("{} {}", if *signed { "imul" } else { "mul" }, reg_name(*src2, *size))
        }
        Inst::MovRR { size, src, dst } => format!("mov {}, {}", reg_name(*dst, *size), reg_name(*src, *size)),
        Inst::MovImm { size, imm, dst } => match mov_imm_form(*size, *imm) {
            MovImmForm::Mov32(v) => format!("mov {}, {}", reg_name(*dst, S32), hex(v as i32 as i64)),
            MovImmForm::MovSx32(v) => format!("mov {}, {}", reg_name(*dst, S64), hex(v as i64)),
            MovImmForm::Movabs(v) => format!("movabs {}, {}", reg_name(*dst, S64), hex(v as i64)),
        },
        Inst::Lea { size, addr, dst } => format!("lea {}, {}", reg_name(*dst, *size), amode(addr)),
        Inst::MovzxRmR { from, to, src, dst } => mov_form_text(mov_form(*from, *to, ExtMode::Zero), *dst, src),
        Inst::MovsxRmR { from, to, src, dst } => mov_form_text(mov_form(*from, *to, ExtMode::Sign), *dst, src),
        Inst::Load { size, ext, addr, dst, trap } => {
            let text = mov_form_text(mov_form(*size, S64, *ext), *dst, &RegMem::Mem(*addr));
            format!("{text}{}", trap_comment(*trap))
        }
        Inst::StoreImm { size, imm, addr, trap } => {
            let shown = match size {
                OperandSize::S8 => i64::from(*imm as i8),
                OperandSize::S16 => i64::from(*imm as i16),
                _ => i64::from(*imm),
            };
            format!("mov {}, {}{}", mem(addr, *size), hex(shown), trap_comment(*trap))
        }
        Inst::Store { size, src, addr, trap } => {
            format!("mov {}, {}{}", mem(addr, *size), reg_name(*src, *size), trap_comment(*trap))
        }
        Inst::Cmp { size, src1, src2 } => format!("cmp {}, {}", reg_name(*src1, *size), rmi(src2, *size)),
        Inst::Test { size, src1, src2 } => match src2 {
            RegMemImm::Mem(a) => format!("test {}, {}", mem(a, *size), reg_name(*src1, *size)),
            _ => format!("test {}, {}", reg_name(*src1, *size), rmi(src2, *size)),
        },
        Inst::Setcc { cc, dst } => format!("set{} {}", cc.name(), reg_name(*dst, S8)),
        Inst::Cmov { size, cc, consequent, dst, .. } => {
            format!("cmov{} {}, {}", cc.name(), reg_name(*dst, *size), rm(consequent, *size))
        }
        Inst::Jmp { target } => format!("jmp {target:?}"),
        Inst::JmpCond { cc, taken, not_taken } => format!("j{} {taken:?}\njmp {not_taken:?}", cc.name()),
        Inst::JmpTable { index, tmp1, tmp2, default, targets } => {
            let (i32_, t1, t2) = (reg_name(*index, S32), reg_name(*tmp1, S64), reg_name(*tmp2, S64));
            let (t1_32, t2_32) = (reg_name(*tmp1, S32), reg_name(*tmp2, S32));
            let mut s = String::new();
            if index != tmp2 {
                let _ = writeln!(s, "mov {t2_32}, {i32_}");
            }
            let _ = writeln!(s, "mov {t1_32}, {}", hex(targets.len() as i64));
            let _ = writeln!(s, "cmp {t2_32}, {t1_32}");
            let _ = writeln!(s, "cmovnb {t2_32}, {t1_32}");
            let _ = writeln!(s, "lea {t1}, [rip+jt]");
            let _ = writeln!(s, "movsxd {t2}, dword ptr [{t1}+{t2}*4]");
            let _ = writeln!(s, "add {t1}, {t2}");
            let _ = writeln!(s, "jmp {t1}");
            let names: Vec<String> = targets.iter().chain([default]).map(|t| format!("{t:?}")).collect();
            let _ = write!(s, ".jt {}", names.join(", "));
            s
        }
        Inst::Ret { .. } => "ret".to_string(),
        Inst::Ud2 { code } => format!("ud2{}", trap_comment(Some(*code))),
        Inst::TrapIf { cc, code } => format!("j{} $+0x4\nud2{}", cc.invert().name(), trap_comment(Some(*code))),
        Inst::Args { args, .. } => format!("; args: {}", fixed_list(args)),
        Inst::CallKnown { callee, .. } => format!("call {callee}"),
        Inst::TryCall { callee, target, targets, tags, .. } => {
            let call = match (callee, target) {
                (Some(callee), _) => format!("call {callee}"),
                (_, Some(target)) => format!("call {}", rm(target, S64)),
                _ => "call ?".to_string(),
            };
            let handlers: Vec<String> = tags
                .iter()
                .zip(&targets[1..])
                .map(|(tag, t)| match tag {
                    Some(n) => format!("tag{n}: {t:?}"),
                    None => format!("default: {t:?}"),
                })
                .collect();
            format!("{call} ; try: normal {:?}, [{}]\njmp {:?}", targets[0], handlers.join(", "), targets[0])
        }
        Inst::LandingPad { defs } => format!("; landing pad: {}", fixed_list(defs)),
        Inst::ReturnCallKnown { callee, .. } => format!("jmp {callee}"),
        Inst::ReturnCallUnknown { target, .. } => format!("jmp {}", reg_name(*target, OperandSize::S64)),
        Inst::CallUnknown { target, .. } => format!("call {}", rm(target, S64)),
        Inst::LoadExtName { dst, name, mode } => match mode {
            SymbolAddress::Absolute => format!("movabs {}, {name}", reg_name(*dst, S64)),
            SymbolAddress::PcRel => format!("lea {}, [rip + {name}]", reg_name(*dst, S64)),
            SymbolAddress::Got => format!("mov {}, qword ptr [rip + {name}@GOTPCREL]", reg_name(*dst, S64)),
        },
        Inst::ElfTlsGetAddr { symbol, .. } => {
            format!("data16 lea rdi, [rip + {symbol}@TLSGD]\ndata16 data16 call {}", LibCall::ElfTlsGetAddr)
        }
        Inst::Push64 { src } => format!("push {}", reg_name(*src, S64)),
        Inst::Pop64 { dst } => format!("pop {}", reg_name(*dst, S64)),
        Inst::AddRspImm(n) => format!("add rsp, {}", hex(*n as i64)),
        Inst::SubRspImm(n) => format!("sub rsp, {}", hex(*n as i64)),
        Inst::MovToSp { offset, src, class } => {
            let m = format!("qword ptr [rsp{}]", disp(*offset as i64));
            match class {
                RegClass::Int => format!("mov {m}, {}", reg_name(*src, S64)),
                _ => format!("movsd {m}, {}", reg_name(*src, S64)),
            }
        }
        Inst::XmmSaveToSp { offset, src } => {
            format!("movups xmmword ptr [rsp{}], {}", disp(*offset as i64), x(*src))
        }
        Inst::XmmRestoreFromSp { offset, dst } => {
            format!("movups {}, xmmword ptr [rsp{}]", x(*dst), disp(*offset as i64))
        }
        Inst::MovFromSp { offset, dst, class } => {
            let m = format!("qword ptr [rsp{}]", disp(*offset as i64));
            match class {
                RegClass::Int => format!("mov {}, {m}", reg_name(*dst, S64)),
                _ => format!("movsd {}, {m}", reg_name(*dst, S64)),
            }
        }
        Inst::XmmMovRR { src, dst } => format!("movaps {}, {}", reg_name(*dst, S64), reg_name(*src, S64)),
        Inst::XmmRmR { op, src2, dst, .. } => format!("{} {}, {}", op.name(), x(*dst), sse_rm(src2, op.mem_name())),
        Inst::XmmUnary { op, src, dst } => format!("{} {}, {}", op.name(), x(*dst), sse_rm(src, op.mem_name())),
        Inst::XmmRound { double, imm, src, dst } => {
            format!("rounds{} {}, {}, {}", sd(*double), x(*dst), x(*src), hex(*imm as i64))
        }
        Inst::HalfConvert { to_half: false, src, dst } => format!("vcvtph2ps {}, {}", x(*dst), x(*src)),
        Inst::HalfConvert { to_half: true, src, dst } => format!("vcvtps2ph {}, {}, 0x0", x(*dst), x(*src)),
        Inst::XmmCmp { double, src1, src2 } => {
            format!("ucomis{} {}, {}", sd(*double), x(*src1), sse_rm(src2, fmem(*double)))
        }
        Inst::GprToXmm { size, src, dst } => format!("{} {}, {}", movdq(*size), x(*dst), reg_name(*src, *size)),
        Inst::XmmToGpr { size, src, dst } => format!("{} {}, {}", movdq(*size), reg_name(*dst, *size), x(*src)),
        Inst::CvtIntToFloat { double, size, src, dst } => {
            format!("cvtsi2s{} {}, {}", sd(*double), x(*dst), reg_name(*src, *size))
        }
        Inst::CvtFloatToInt { double, size, src, dst } => {
            format!("cvtts{}2si {}, {}", sd(*double), reg_name(*dst, *size), x(*src))
        }
        Inst::XmmLoad { double, addr, dst, trap } => {
            format!("movs{} {}, {} ptr {}{}", sd(*double), x(*dst), fmem(*double), amode(addr), trap_comment(*trap))
        }
        Inst::XmmStore { double, src, addr, trap } => {
            format!("movs{} {} ptr {}, {}{}", sd(*double), fmem(*double), amode(addr), x(*src), trap_comment(*trap))
        }
        Inst::XmmConst { double, bits, dst } => {
            format!("movs{} {}, {} ptr [rip+const] ; {}", sd(*double), x(*dst), fmem(*double), hex(*bits as i64))
        }
        Inst::VecBin { op, vex, src1, src2, imm, dst, trap } => {
            let src2 = sse_rm(src2, op.mem_name());
            let imm = imm.map(|i| format!(", {}", hex(i as i64))).unwrap_or_default();
            let trap = trap_comment(*trap);
            if *vex {
                format!("v{} {}, {}, {src2}{imm}{trap}", op.name(), x(*dst), x(*src1))
            } else {
                format!("{} {}, {src2}{imm}{trap}", op.name(), x(*dst))
            }
        }
        Inst::VecUnary { op, vex, src, imm, dst, trap } => {
            let imm = imm.map(|i| format!(", {}", hex(i as i64))).unwrap_or_default();
            format!("{}{} {}, {}{imm}{}", v(*vex), op.name(), x(*dst), sse_rm(src, op.mem_name()), trap_comment(*trap))
        }
        Inst::Blendv { op, vex, src1, src2, mask, dst } => {
            if *vex {
                format!("v{} {}, {}, {}, {}", op.name(), x(*dst), x(*src1), x(*src2), x(*mask))
            } else {
                // The mask operand is implicit in the encoding (assemblers accept it
                // written out; disassemblers omit it): a comment here.
                format!("{} {}, {} ; mask {}", op.name(), x(*dst), x(*src2), x(*mask))
            }
        }
        Inst::VecShiftImm { op, vex, src, imm, dst } => {
            let imm = hex(*imm as i64);
            if *vex {
                format!("v{} {}, {}, {imm}", op.name(), x(*dst), x(*src))
            } else {
                format!("{} {}, {imm}", op.name(), x(*dst))
            }
        }
        Inst::VecLoad { aligned, addr, dst, trap } => {
            format!("{} {}, xmmword ptr {}{}", movdqa(*aligned), x(*dst), amode(addr), trap_comment(*trap))
        }
        Inst::VecStore { aligned, src, addr, trap } => {
            format!("{} xmmword ptr {}, {}{}", movdqa(*aligned), amode(addr), x(*src), trap_comment(*trap))
        }
        Inst::VecConst { bits, dst } => format!("movdqu {}, xmmword ptr [rip+const] ; 0x{bits:032x}", x(*dst)),
        Inst::VecFill { ones, dst } => format!("{} {}, {}", if *ones { "pcmpeqd" } else { "pxor" }, x(*dst), x(*dst)),
        Inst::Pinsr { size, vex, src1, src2, lane, dst } => {
            let (_, _, name) = super::inst::vector::pinsr_enc(*size);
            let gpr = reg_name(*src2, if *size == S64 { S64 } else { S32 });
            let lane = hex(*lane as i64);
            if *vex {
                format!("v{name} {}, {}, {gpr}, {lane}", x(*dst), x(*src1))
            } else {
                format!("{name} {}, {gpr}, {lane}", x(*dst))
            }
        }
        Inst::Pextr { size, vex, src, lane, dst } => {
            let (_, _, _, name) = super::inst::vector::pextr_enc(*size);
            let gpr = reg_name(*dst, if *size == S64 { S64 } else { S32 });
            format!("{}{name} {gpr}, {}, {}", v(*vex), x(*src), hex(*lane as i64))
        }
        Inst::Movmsk { op, vex, src, dst } => {
            format!("{}{} {}, {}", v(*vex), op.name(), reg_name(*dst, S32), x(*src))
        }
        Inst::Fma { double, packed, src2, src3, dst, .. } => {
            let form = if *packed { 'p' } else { 's' };
            format!("vfmadd213{form}{} {}, {}, {}", sd(*double), x(*dst), x(*src2), x(*src3))
        }
        Inst::BitCount { op, size, src, dst } => {
            format!("{} {}, {}", op.name(), reg_name(*dst, *size), reg_name(*src, *size))
        }
        Inst::Bswap { size, dst, .. } => format!("bswap {}", reg_name(*dst, *size)),
        Inst::Bmi { op, size, rm, vvvv, dst } => {
            let (d, r, v) = (reg_name(*dst, *size), reg_name(*rm, *size), reg_name(*vvvv, *size));
            match op {
                BmiOp::Andn => format!("andn {d}, {v}, {r}"),
                _ => format!("{} {d}, {r}, {v}", op.name()),
            }
        }
        Inst::Rorx { size, src, imm, dst } => {
            format!("rorx {}, {}, {:#x}", reg_name(*dst, *size), reg_name(*src, *size), imm)
        }
        Inst::Mfence => "mfence".to_string(),
        Inst::AtomicXadd { xchg, size, addr, src, .. } => {
            let name = if *xchg { "xchg" } else { "lock xadd" };
            format!("{name} {}, {}", mem(addr, *size), reg_name(*src, *size))
        }
        Inst::LockCmpxchg { size, addr, replacement, .. } => {
            format!("lock cmpxchg {}, {}", mem(addr, *size), reg_name(*replacement, *size))
        }
        Inst::AtomicRmwLoop { op, size, big, addr, operand, tmp, .. } => {
            let m = mem(&Amode::ImmReg { base: *addr, disp: 0 }, *size);
            let (t, o) = (reg_name(*tmp, *size), reg_name(*operand, *size));
            let mut s = String::new();
            let _ = writeln!(s, "mov {}, {m}", reg_name(super::regs::rax(), *size));
            let _ = writeln!(s, "mov {}, rax", reg_name(*tmp, S64));
            if *big {
                s.push_str(&swap_text(*size, *tmp));
            }
            match op {
                RmwLoopOp::Add => _ = writeln!(s, "add {t}, {o}"),
                RmwLoopOp::Sub => _ = writeln!(s, "sub {t}, {o}"),
                RmwLoopOp::And => _ = writeln!(s, "and {t}, {o}"),
                RmwLoopOp::Nand => _ = writeln!(s, "and {t}, {o}\nnot {t}"),
                RmwLoopOp::Or => _ = writeln!(s, "or {t}, {o}"),
                RmwLoopOp::Xor => _ = writeln!(s, "xor {t}, {o}"),
                _ => {
                    let cc = op.select_cc().unwrap_or(CC::Z);
                    let csize = if *size == S8 { S32 } else { *size };
                    let _ = writeln!(s, "cmp {t}, {o}");
                    let _ = writeln!(s, "cmov{} {}, {}", cc.name(), reg_name(*tmp, csize), reg_name(*operand, csize));
                }
            }
            if *big {
                s.push_str(&swap_text(*size, *tmp));
            }
            let _ = writeln!(s, "lock cmpxchg {m}, {t}");
            let _ = write!(s, "jnz $loop");
            if *big && *size != S8 {
                let _ = write!(s, "\n{}", swap_text(*size, super::regs::rax()).trim_end());
            }
            s
        }
    }
}

/// The byte swap of the low `size` bytes of `r` as one line (with its newline): `rol
/// r16, 0x8` at 16 bits, `bswap` at 32 and 64, nothing at 8 (as `emit::byte_swap_reg`
/// encodes it).
fn swap_text(size: OperandSize, r: Reg) -> String {
    match size {
        OperandSize::S8 => String::new(),
        OperandSize::S16 => format!("rol {}, 0x8\n", reg_name(r, size)),
        _ => format!("bswap {}\n", reg_name(r, size)),
    }
}

/// An xmm register name.
fn x(r: Reg) -> String {
    reg_name(r, OperandSize::S64)
}

/// `s` or `d`: the suffix of single- and double-precision scalar forms.
fn sd(double: bool) -> &'static str {
    if double { "d" } else { "s" }
}

/// The memory-size keyword of a scalar float.
fn fmem(double: bool) -> &'static str {
    if double { "qword" } else { "dword" }
}

/// The `v` of an AVX mnemonic.
fn v(vex: bool) -> &'static str {
    if vex { "v" } else { "" }
}

/// `movdqa` or `movdqu`.
fn movdqa(aligned: bool) -> &'static str {
    if aligned { "movdqa" } else { "movdqu" }
}

/// `movd` or `movq`.
fn movdq(size: OperandSize) -> &'static str {
    if size == OperandSize::S64 { "movq" } else { "movd" }
}

/// An xmm register or a memory operand of `size_name`.
fn sse_rm(r: &RegMem, size_name: &str) -> String {
    match r {
        RegMem::Reg(r) => x(*r),
        RegMem::Mem(a) => format!("{size_name} ptr {}", amode(a)),
    }
}
