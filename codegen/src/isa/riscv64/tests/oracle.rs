//! The encoding oracle: every instruction form the riscv64 emitter produces is encoded
//! alone into a [`MachBuffer`], once without and once with the compressed (C) forms; all
//! of them are then disassembled by one `llvm-mc-14 --disassemble -triple=riscv64
//! -mattr=+m,+a,+f,+d,+c,+zba,+zbb,+zbs,+zbkb` call, and each disassembled line must equal
//! the matching line of our printer (`print_emitted`) after normalization. The test also
//! checks that trap sites, call sites and relocations are recorded on the right
//! instructions, and that every `Inst` variant has at least one case.
//!
//! llvm-mc-14 knows neither Zicond nor Zfa: instructions of those two extensions are
//! decoded instead by [`spec_decode`], a field decoder written from the ratified specs'
//! encoding tables (separately from the encoder's tables).
//!
//! Normalization of our text (each rule stands for something only the harness knows):
//! - a `; ...` comment is removed (trap codes, `Args`); empty lines are skipped;
//! - `labelN` becomes the label's distance from the instruction, as llvm prints
//!   PC-relative targets;
//! - `%pcrel_hi(...)`/`%pcrel_lo(...)` of a label or a literal-pool constant (`=0x...`)
//!   become the two halves of the distance from the `auipc` to where the buffer placed it;
//!   of a symbol, `%got_pcrel_hi(...)` and `%call(...)` become `0`, the field a relocation will fill; an `addi
//!   rd, rs, 0` that results is llvm's `mv rd, rs`.
//!
//! llvm-mc-14 comes from Debian's `llvm-14` package (the CI script must install it);
//! without it the test fails and says so, never passes silently. `ORACLE_SHOW=1 cargo test
//! -p lathe-codegen riscv64 -- --nocapture` prints every comparison.

use super::super::emit::{EmitInfo, emit_with};
use super::super::inst::args::*;
use super::super::inst::imms::{fli_text, split_hi_lo};
use super::super::inst::{FRAME, Inst};
use super::super::print::print_emitted;
use super::super::regs::{self, FPR_NAMES, GPR_NAMES};
use crate::machinst::abi::frame::layout;
use crate::machinst::{EmitState, FinishedBuffer, FrameInfo, MachBuffer, MachInst, MachLabel, RelocKind};
use std::collections::BTreeSet;

mod cases;

/// Declares the list of `Inst` variants and an exhaustive match naming them, so adding a
/// variant to `Inst` fails to compile here until it is listed (and then fails the coverage
/// assertion until a case produces it).
macro_rules! variants {
    ($($v:ident),* $(,)?) => {
        const ALL_VARIANTS: &[&str] = &[$(stringify!($v)),*];
        fn variant_name(inst: &Inst) -> &'static str {
            match inst { $(Inst::$v { .. } => stringify!($v),)* }
        }
    };
}

variants! {
    AluRRR, AluRRImm12, ShiftImm, AluRR, Lui, Auipc, Load, Store, LoadAddr, LoadGotAddr, LoadLabelAddr, LoadConst, Jump,
    CondBr, TrapIf, Jalr, Ret, Call, CallInd, ReturnCall, ReturnCallInd, Args, Udf, Ebreak, Nop, Fence,
    LoadReserved, StoreConditional, Amo, FpuRRR, FpuRR, FpuRRRR, FpuCmp, FpuClass, FpuCvt, FpuToInt, IntToFpu,
    FmvToInt, FmvFromInt, Fli, FcvtModWD, AdjustSp, Extend, Lea, AtomicLoop,
}

/// Labels 0..NUM_LABELS exist in every test buffer.
const NUM_LABELS: u32 = 4;
/// Words of `nop` between label 0 and the instruction.
const PAD_WORDS: usize = 3;
const NOP: u32 = 0x13;

/// The frame the cases are emitted in (stack slots, spill slots, saved registers).
pub(super) fn frame() -> FrameInfo {
    layout(&FRAME, 16, 20, 3, vec![regs::xreg(9), regs::xreg(18), regs::freg(8)], Some(4096))
}

/// One emitted case.
struct Emitted {
    out: FinishedBuffer,
    start: usize,
    /// Offsets of the instructions emitted for the case, and of its end.
    insts: Vec<usize>,
    end: usize,
    labels: Vec<u32>,
}

/// The length of the instruction starting with halfword `h`: 4 when its low two bits are
/// `11`, else 2 (compressed).
fn inst_len(h: u16) -> usize {
    if h & 3 == 3 { 4 } else { 2 }
}

fn emit_alone(inst: &Inst, next_block: Option<MachLabel>, frame: &FrameInfo, info: &EmitInfo) -> Emitted {
    let mut buf = MachBuffer::new(NUM_LABELS, Inst::ENDIANNESS);
    buf.bind_label(MachLabel(0));
    for _ in 0..PAD_WORDS {
        buf.put4(NOP);
    }
    let start = buf.cur_offset() as usize;
    emit_with(inst, &mut buf, &EmitState { frame, next_block }, info);
    let end = buf.cur_offset() as usize;
    // Label 1 is the next block; 2 and 3 lie further on.
    let mut labels = vec![0];
    for (l, words) in [(1, 0usize), (2, 6), (3, 75)] {
        for _ in 0..words {
            buf.put4(NOP);
        }
        labels.push(buf.cur_offset());
        buf.bind_label(MachLabel(l));
    }
    buf.put4(0x8067);
    let out = buf.finish().expect("every test label is bound and in range");
    let mut insts = Vec::new();
    let mut at = start;
    while at < end {
        insts.push(at);
        at += inst_len(u16::from_le_bytes([out.data[at], out.data[at + 1]]));
    }
    Emitted { out, start, insts, end, labels }
}

/// The offset of the constant `bytes` placed after the code (aligned to its size).
fn constant_offset(e: &Emitted, bytes: &[u8]) -> Option<usize> {
    (e.end..e.out.data.len()).filter(|o| o % bytes.len() == 0).find(|&o| e.out.data[o..].starts_with(bytes))
}

/// Replaces `%<what>(<arg>)` in `s` by `f(arg)`.
fn replace_call(s: &str, what: &str, f: &dyn Fn(&str) -> Result<String, String>) -> Result<String, String> {
    let pat = format!("%{what}(");
    let Some(i) = s.find(&pat) else { return Ok(s.to_string()) };
    let rest = &s[i + pat.len()..];
    let close = rest.find(')').ok_or_else(|| format!("no `)` in `{s}`"))?;
    Ok(format!("{}{}{}", &s[..i], f(&rest[..close])?, &rest[close + 1..]))
}

/// Our text for `inst`, one normalized line per instruction emitted.
fn expected_lines(
    inst: &Inst,
    next: Option<MachLabel>,
    e: &Emitted,
    frame: &FrameInfo,
    info: &EmitInfo,
) -> Result<Vec<String>, String> {
    let text = print_emitted(inst, &EmitState { frame, next_block: next }, info);
    // The size of each literal-pool constant: that of the load naming it.
    let constant_len = |arg: &str| -> usize {
        let load = text.lines().find(|l| l.contains(&format!("%pcrel_lo({arg})")));
        match load.and_then(|l| l.split_whitespace().next()) {
            Some("lw" | "flw") => 4,
            _ => 8,
        }
    };
    let mut out = Vec::new();
    let mut auipc_at = 0i64;
    for line in text.lines() {
        let line = line.split(';').next().unwrap_or("");
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            continue;
        }
        let at = *e.insts.get(out.len()).ok_or("more lines than instructions")? as i64;
        let mut s = line;
        for n in (0..e.labels.len()).rev() {
            s = s.replace(&format!("label{n}"), &format!("{}", e.labels[n] as i64 - at));
        }
        // The target of a `%pcrel_*`: a label's distance (already a number), a constant's
        // place, or a symbol (a relocation, 0).
        let distance = |arg: &str| -> Result<Option<i64>, String> {
            if let Some(hex) = arg.strip_prefix("=0x") {
                let bits = u64::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                let len = constant_len(arg);
                let place = constant_offset(e, &bits.to_le_bytes()[..len]).ok_or("the constant is not placed")?;
                return Ok(Some(place as i64));
            }
            Ok(arg.parse::<i64>().ok().map(|d| d + at))
        };
        if s.starts_with("auipc") {
            auipc_at = at;
        }
        s = replace_call(&s, "pcrel_hi", &|arg| {
            Ok(match distance(arg)? {
                Some(target) => split_hi_lo(target - at).ok_or("out of reach")?.0.to_string(),
                None => "0".into(),
            })
        })?;
        s = replace_call(&s, "pcrel_lo", &|arg| {
            // A label's distance was made relative to this line; the pair counts from the
            // auipc.
            let target = match arg.strip_prefix("=0x") {
                Some(_) => distance(arg)?,
                None => arg.parse::<i64>().ok().map(|d| d + at),
            };
            Ok(match target {
                Some(t) => split_hi_lo(t - auipc_at).ok_or("out of reach")?.1.to_string(),
                None => "0".into(),
            })
        })?;
        s = replace_call(&s, "call", &|_| Ok("0".into()))?;
        s = replace_call(&s, "got_pcrel_hi", &|_| Ok("0".into()))?;
        if let Some(rest) = s.strip_prefix("addi ")
            && let Some(regs) = rest.strip_suffix(", 0")
        {
            s = format!("mv {regs}");
        }
        out.push(s);
    }
    Ok(out)
}

/// Checks the trap sites, call sites and relocations of one case.
fn check_records(inst: &Inst, e: &Emitted) -> Result<(), String> {
    let (start, end) = (e.start as u32, e.end as u32);
    let last = e.insts.last().copied().unwrap_or(e.start) as u32;
    let traps: Vec<u32> = e.out.traps.iter().map(|t| t.offset).collect();
    let want_traps = match inst {
        Inst::Load { trap: Some(_), .. } | Inst::Store { trap: Some(_), .. } => vec![last],
        Inst::Udf { .. } | Inst::TrapIf { .. } => vec![last],
        _ => vec![],
    };
    if traps != want_traps {
        return Err(format!("trap sites {traps:?}, expected {want_traps:?}"));
    }
    let calls: Vec<u32> = e.out.call_sites.iter().map(|c| c.ret_offset).collect();
    let want_calls = if matches!(inst, Inst::Call { .. } | Inst::CallInd { .. }) { vec![end] } else { vec![] };
    if calls != want_calls {
        return Err(format!("call sites {calls:?}, expected {want_calls:?}"));
    }
    let relocs: Vec<(u32, RelocKind)> = e.out.relocs.iter().map(|r| (r.offset, r.kind)).collect();
    let want_relocs = match inst {
        Inst::Call { .. } | Inst::ReturnCall { .. } => vec![(start, RelocKind::Riscv64CallPlt)],
        Inst::LoadAddr { .. } => vec![(start, RelocKind::Riscv64PcrelHi20), (start + 4, RelocKind::Riscv64PcrelLo12I)],
        Inst::LoadGotAddr { .. } => vec![(start, RelocKind::Riscv64GotHi20), (start + 4, RelocKind::Riscv64PcrelLo12I)],
        _ => vec![],
    };
    if relocs != want_relocs {
        return Err(format!("relocations {relocs:?}, expected {want_relocs:?}"));
    }
    if let Inst::LoadAddr { name, offset, .. } = inst
        && !e.out.relocs.iter().all(|r| &r.target == name && r.addend == *offset)
    {
        return Err("both relocations of a pair name the same symbol and addend".into());
    }
    Ok(())
}

/// Whether llvm-mc-14 decodes the instruction's extension (it predates Zicond and Zfa).
fn llvm14_decodes(inst: &Inst) -> bool {
    let ext = match inst {
        Inst::AluRRR { op, .. } => op.ext(),
        Inst::FpuRRR { op, .. } => op.ext(),
        Inst::FpuRR { op, .. } => op.ext(),
        Inst::FpuCmp { op, .. } => op.ext(),
        Inst::Fli { .. } | Inst::FcvtModWD { .. } => Ext::Zfa,
        _ => Ext::I,
    };
    !matches!(ext, Ext::Zicond | Ext::Zfa)
}

/// Decodes the Zicond and Zfa instructions from the fields the ratified specs give them,
/// into llvm's syntax.
fn spec_decode(bytes: &[u8]) -> Option<String> {
    let w = u32::from_le_bytes(bytes.try_into().ok()?);
    let (opcode, rd, f3, rs1, rs2, f7) =
        (w & 0x7f, (w >> 7) & 31, (w >> 12) & 7, (w >> 15) & 31, (w >> 20) & 31, w >> 25);
    let (x, f) = (|n: u32| GPR_NAMES[n as usize], |n: u32| FPR_NAMES[n as usize]);
    if opcode == 0x33 && f7 == 0b000_0111 {
        let name = match f3 {
            0b101 => "czero.eqz",
            0b111 => "czero.nez",
            _ => return None,
        };
        return Some(format!("{name} {}, {}, {}", x(rd), x(rs1), x(rs2)));
    }
    if opcode != 0x53 {
        return None;
    }
    let fmt = match f7 & 3 {
        0 => "s",
        1 => "d",
        _ => return None,
    };
    let rm = match f3 {
        0 => ", rne",
        1 => ", rtz",
        2 => ", rdn",
        3 => ", rup",
        4 => ", rmm",
        7 => "",
        _ => "<reserved rm>",
    };
    Some(match (f7 >> 2, f3, rs2) {
        (0b11110, 0, 1) => format!("fli.{fmt} {}, {}", f(rd), fli_text(rs1 as u8)),
        (0b00101, 2, _) => format!("fminm.{fmt} {}, {}, {}", f(rd), f(rs1), f(rs2)),
        (0b00101, 3, _) => format!("fmaxm.{fmt} {}, {}, {}", f(rd), f(rs1), f(rs2)),
        (0b01000, _, 4) => format!("fround.{fmt} {}, {}{rm}", f(rd), f(rs1)),
        (0b01000, _, 5) => format!("froundnx.{fmt} {}, {}{rm}", f(rd), f(rs1)),
        (0b11000, 1, 8) if fmt == "d" => format!("fcvtmod.w.d {}, {}, rtz", x(rd), f(rs1)),
        (0b10100, 4, _) => format!("fleq.{fmt} {}, {}, {}", x(rd), f(rs1), f(rs2)),
        (0b10100, 5, _) => format!("fltq.{fmt} {}, {}, {}", x(rd), f(rs1), f(rs2)),
        _ => return None,
    })
}

/// Disassembles each instruction (2 or 4 bytes) with one llvm-mc call: one line per
/// instruction, `None` where llvm finds no valid instruction.
fn disassemble(insts: &[&[u8]]) -> Vec<Option<String>> {
    let args = ["-triple=riscv64", "-mattr=+m,+a,+f,+d,+c,+zba,+zbb,+zbs,+zbkb"];
    crate::isa::llvm_mc::disassemble("riscv64", &args, "#", insts)
}

#[test]
fn every_form_matches_llvm_mc() {
    let frame = frame();
    let cases = cases::cases();
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    let mut emitted = Vec::new();
    // Per case and pass: the case, the pass, its instructions' bytes and expected lines.
    let mut spans = Vec::new();
    let mut compressed = 0;
    for (k, (inst, next)) in cases.iter().enumerate() {
        covered.insert(variant_name(inst));
        for info in [EmitInfo { has_c: false }, EmitInfo { has_c: true }] {
            let e = emit_alone(inst, *next, &frame, &info);
            if let Err(msg) = check_records(inst, &e) {
                failures.push(format!("{inst:?} ({info:?}): {msg}"));
            }
            let bounds: Vec<(usize, usize)> =
                e.insts.iter().zip(e.insts.iter().skip(1).chain([&e.end])).map(|(&a, &b)| (a, b)).collect();
            compressed += bounds.iter().filter(|(a, b)| b - a == 2).count();
            if !info.has_c && bounds.iter().any(|(a, b)| b - a != 4) {
                failures.push(format!("{inst:?}: a compressed instruction without has_c"));
            }
            match expected_lines(inst, *next, &e, &frame, &info) {
                Ok(lines) if lines.len() == bounds.len() => spans.push((k, info, e, bounds, lines)),
                Ok(lines) => failures.push(format!(
                    "{inst:?} ({info:?}): {} instructions emitted, {} lines printed: {lines:?}",
                    bounds.len(),
                    lines.len()
                )),
                Err(msg) => failures.push(format!("{inst:?} ({info:?}): {msg}")),
            }
        }
    }
    for (k, _, e, bounds, _) in &spans {
        if llvm14_decodes(&cases[*k].0) {
            emitted.extend(bounds.iter().map(|&(a, b)| e.out.data[a..b].to_vec()));
        }
    }
    let slices: Vec<&[u8]> = emitted.iter().map(|v| v.as_slice()).collect();
    let mut disasm = disassemble(&slices).into_iter();
    let show = std::env::var_os("ORACLE_SHOW").is_some();
    for (k, info, e, bounds, lines) in &spans {
        let by_llvm = llvm14_decodes(&cases[*k].0);
        for (i, ours) in lines.iter().enumerate() {
            let bytes = &e.out.data[bounds[i].0..bounds[i].1];
            let theirs = if by_llvm { disasm.next().flatten() } else { spec_decode(bytes) };
            let theirs = theirs.as_deref().unwrap_or("<invalid encoding>");
            if show {
                println!("{bytes:02x?}  theirs: {theirs:<40} ours: {ours}");
            }
            if theirs != ours {
                failures.push(format!(
                    "{:?} (next {:?}, {info:?}) instruction {i} {bytes:02x?}: decoded `{theirs}`, ours `{ours}`",
                    cases[*k].0, cases[*k].1,
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements over {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
    let missing: Vec<&str> = ALL_VARIANTS.iter().copied().filter(|v| !covered.contains(v)).collect();
    assert!(missing.is_empty(), "the oracle has no case for {missing:?}");
    assert!(compressed > 200, "the C pass compresses the forms that have a compressed encoding ({compressed})");
}

#[test]
fn symbols_print_as_the_ir_names_them() {
    let name = crate::ir::ExternalName::TestCase("f".into());
    let inst = Inst::LoadAddr { rd: regs::xreg(10), name, offset: 8 };
    assert_eq!(inst.print(), "auipc a0, %pcrel_hi(%f+0x8)\naddi a0, a0, %pcrel_lo(%f+0x8)");
}

#[test]
fn compressed_forms_are_chosen_only_where_they_exist() {
    use super::super::emit::compress;
    let (a0, s0, s1, sp) = (regs::xreg(10), regs::xreg(8), regs::xreg(9), regs::sp());
    let add = |rd, rs1, rs2| Inst::AluRRR { op: AluOp::Add, rd, rs1, rs2 };
    assert!(compress(&add(a0, a0, s1)).is_some(), "c.add");
    assert!(compress(&add(a0, s1, a0)).is_none(), "c.add's destination is its first operand");
    let sub = |rd, rs1, rs2| Inst::AluRRR { op: AluOp::Sub, rd, rs1, rs2 };
    assert!(compress(&sub(s0, s0, s1)).is_some(), "c.sub on x8..x15");
    assert!(compress(&sub(a0, a0, regs::xreg(5))).is_none(), "c.sub takes x8..x15 only");
    let ld = |rd, base, offset| Inst::Load { op: LoadOp::Ld, rd, mem: AMode::RegOffset { base, offset }, trap: None };
    assert!(compress(&ld(a0, sp, 504)).is_some(), "c.ldsp reaches 504");
    assert!(compress(&ld(a0, sp, 512)).is_none());
    assert!(compress(&ld(a0, sp, 4)).is_none(), "c.ldsp offsets are multiples of 8");
    assert!(compress(&ld(regs::zero(), sp, 8)).is_none(), "c.ldsp cannot load into zero");
    assert!(compress(&ld(a0, s1, 248)).is_some());
    assert!(compress(&ld(a0, regs::xreg(5), 8)).is_none());
    assert!(compress(&Inst::li(a0, 31)).is_some() && compress(&Inst::li(a0, 32)).is_none());
    assert!(compress(&Inst::Lui { rd: sp, imm: 1 }).is_none(), "c.lui cannot write sp");
    let addi16sp = Inst::AluRRImm12 { op: ImmOp::Addi, rd: sp, rs1: sp, imm: -512 };
    assert!(compress(&addi16sp).is_some());
    let odd = Inst::AluRRImm12 { op: ImmOp::Addi, rd: sp, rs1: sp, imm: -40 };
    assert!(compress(&odd).is_none(), "c.addi16sp moves by multiples of 16 only");
}

#[test]
fn got_loads_print_as_the_assembler_writes_them() {
    let name = crate::ir::ExternalName::TestCase("f".into());
    let inst = Inst::LoadGotAddr { rd: regs::xreg(10), name };
    assert_eq!(inst.print(), "auipc a0, %got_pcrel_hi(%f)\nld a0, %pcrel_lo(%f)(a0)");
}
