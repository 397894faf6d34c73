//! The encoding oracle: every instruction form the s390x emitter produces is encoded
//! alone into a [`MachBuffer`]; all of them are then disassembled by one `llvm-mc-14
//! --disassemble -triple=s390x -mcpu=z15` call, and each disassembled line must equal the
//! matching line of our printer (`print_emitted`) after normalization. The test also
//! checks that trap sites, call sites and relocations are recorded on the right
//! instructions, and that every `Inst` variant has at least one case.
//!
//! Normalization (each rule stands for something only the harness knows):
//! - ours: a `; ...` comment is removed (trap codes, `Args`, the serialization note);
//!   empty lines are skipped; `labelN`, `.+N` (`.-N`) and a literal-pool constant `=0x...`
//!   become the distance in bytes from the instruction to the label, to itself plus N and
//!   to where the buffer placed the constant; the symbol operand of an instruction that
//!   carries a relocation becomes `0`, the field the relocation will fill;
//! - theirs: llvm prints a PC-relative target as an address in its input stream (the
//!   only operands it prints in hexadecimal); it becomes the distance from the
//!   instruction's place in the stream.
//!
//! llvm-mc-14 comes from Debian's `llvm-14` package (the CI script must install it);
//! without it the test fails and says so, never passes silently. `ORACLE_SHOW=1 cargo test
//! -p lathe-codegen s390x -- --nocapture` prints every comparison.

use super::super::emit::emit;
use super::super::inst::{FRAME, Inst, JUMP_TABLE_CODE};
use super::super::print::print_emitted;
use super::super::regs;
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
    AluRRR, AluRR, AluImm, Unary, LoadImm, Cmp, CmpImm, Load, Store, Cas, AtomicRmw, LoadMultiple,
    StoreMultiple, Shift, Shift32, RxSbg, CMov, CMovImm, Select, DivMod, MulWide, Flogr, FpuRR, FpuUnary,
    FpuFma, FpuCmp, FpuConv, MovToFpr, MovFromFpr, FpuZero, LoadSymbolAddr, LoadGotAddr, LoadLabelAddr, LoadConst, Jump,
    CondBr, TrapIf, Udf, Call, CallInd, Ret, ReturnCall, ReturnCallInd, Args, Nop, Fence, AdjustSp, AtomicLoop, JumpTable,
}

/// Labels 0..NUM_LABELS exist in every test buffer.
const NUM_LABELS: u32 = 4;
/// `bcr 0, %r0` halfwords between label 0 and the instruction.
const PAD: usize = 3;
const NOPR: u16 = 0x0700;

/// The frame the cases are emitted in (stack slots, spill slots, saved registers).
pub(super) fn frame() -> FrameInfo {
    layout(&FRAME, 160, 20, 3, vec![regs::gpr(6), regs::gpr(7), regs::fpr(8), regs::fpr(9)], Some(4096))
}

/// One emitted case.
struct Emitted {
    out: FinishedBuffer,
    start: usize,
    /// Offsets of the instructions emitted for the case, of the end of its code (a jump
    /// table's entries follow it) and of its end.
    insts: Vec<usize>,
    code_end: usize,
    end: usize,
    labels: Vec<u32>,
}

/// The length of the instruction starting with byte `b`: the top two bits of the opcode
/// give it (00: 2 bytes, 01 and 10: 4, 11: 6).
pub(super) fn inst_len(b: u8) -> usize {
    match b >> 6 {
        0 => 2,
        3 => 6,
        _ => 4,
    }
}

fn emit_alone(inst: &Inst, next_block: Option<MachLabel>, frame: &FrameInfo) -> Emitted {
    let mut buf = MachBuffer::new(NUM_LABELS, Inst::ENDIANNESS);
    buf.bind_label(MachLabel(0));
    for _ in 0..PAD {
        buf.put2(NOPR);
    }
    let start = buf.cur_offset() as usize;
    emit(inst, &mut buf, &EmitState { frame, next_block });
    let end = buf.cur_offset() as usize;
    // Label 1 is the next block; 2 and 3 lie further on.
    let mut labels = vec![0];
    for (l, halfwords) in [(1, 0usize), (2, 6), (3, 300)] {
        for _ in 0..halfwords {
            buf.put2(NOPR);
        }
        labels.push(buf.cur_offset());
        buf.bind_label(MachLabel(l));
    }
    buf.put2(0x07fe);
    let out = buf.finish().expect("every test label is bound and in range");
    // A jump table's entries are data after its code.
    let code_end = match inst {
        Inst::JumpTable { .. } => start + JUMP_TABLE_CODE as usize,
        _ => end,
    };
    let mut insts = Vec::new();
    let mut at = start;
    while at < code_end {
        insts.push(at);
        at += inst_len(out.data[at]);
    }
    Emitted { out, start, insts, code_end, end, labels }
}

/// The offset of the constant `bytes` placed after the code (aligned to its size).
fn constant_offset(e: &Emitted, bytes: &[u8]) -> Option<usize> {
    (e.end..e.out.data.len()).filter(|o| o % bytes.len() == 0).find(|&o| e.out.data[o..].starts_with(bytes))
}

/// Replaces the last operand of `line` by `with`.
fn replace_last_operand(line: &str, with: &str) -> String {
    match line.rfind(", ").or_else(|| line.find(' ')) {
        Some(i) => {
            let sep = if line[i..].starts_with(", ") { 2 } else { 1 };
            format!("{}{with}", &line[..i + sep])
        }
        None => line.to_string(),
    }
}

/// Our text for `inst`, one normalized line per instruction emitted.
fn expected_lines(inst: &Inst, next: Option<MachLabel>, e: &Emitted, frame: &FrameInfo) -> Result<Vec<String>, String> {
    let text = print_emitted(inst, &EmitState { frame, next_block: next });
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split(';').next().unwrap_or("");
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() || line.starts_with(".long") {
            // Jump-table entries are data, checked by `check_records`.
            continue;
        }
        let k = out.len();
        let at = *e.insts.get(k).ok_or("more lines than instructions")?;
        let next_at = e.insts.get(k + 1).copied().unwrap_or(e.code_end);
        let mut s = line;
        for n in (0..e.labels.len()).rev() {
            s = s.replace(&format!("label{n}"), &format!("{}", e.labels[n] as i64 - at as i64));
        }
        if let Some(i) = s.find(".+") {
            s = format!("{}{}", &s[..i], &s[i + 2..]);
        } else if let Some(i) = s.find(".-") {
            s = format!("{}-{}", &s[..i], &s[i + 2..]);
        }
        if let Some(i) = s.find("=0x") {
            let bits = u64::from_str_radix(&s[i + 3..], 16).map_err(|e| e.to_string())?;
            let len = if s.starts_with("lgrl") || s.contains("larl") && text.contains("\nld ") { 8 } else { 4 };
            let place = constant_offset(e, &bits.to_be_bytes()[8 - len..]).ok_or("the constant is not placed")?;
            s = format!("{}{}", &s[..i], place as i64 - at as i64);
        }
        if e.out.relocs.iter().any(|r| (at..next_at).contains(&(r.offset as usize))) {
            s = replace_last_operand(&s, "0");
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
        Inst::Load { trap: Some(_), .. }
        | Inst::Store { trap: Some(_), .. }
        | Inst::Cas { trap: Some(_), .. }
        | Inst::AtomicRmw { trap: Some(_), .. } => vec![last],
        Inst::Udf { .. } | Inst::TrapIf { .. } => vec![last],
        Inst::AtomicLoop { trap: Some(_), .. } => {
            // The load (first) and the `cs` (before the closing branch).
            let n = e.insts.len();
            vec![e.insts[0] as u32, e.insts[n - 2] as u32]
        }
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
    let relocs: Vec<(u32, RelocKind, i64)> = e.out.relocs.iter().map(|r| (r.offset, r.kind, r.addend)).collect();
    let want_relocs = match inst {
        Inst::Call { .. } | Inst::ReturnCall { .. } => vec![(start + 2, RelocKind::S390xPlt32Dbl, 2)],
        Inst::LoadSymbolAddr { offset, .. } => vec![(start + 2, RelocKind::S390xPc32Dbl, (offset & !1) + 2)],
        Inst::LoadGotAddr { .. } => vec![(start + 2, RelocKind::S390xGotEnt, 2)],
        _ => vec![],
    };
    if relocs != want_relocs {
        return Err(format!("relocations {relocs:?}, expected {want_relocs:?}"));
    }
    if let Inst::JumpTable { targets, default, .. } = inst {
        // Entry k: its target's distance from the entry; the default is the last.
        let targets: Vec<MachLabel> = targets.iter().chain([default]).copied().collect();
        for (k, t) in targets.iter().enumerate() {
            let at = e.code_end + 4 * k;
            let entry = i32::from_be_bytes(e.out.data[at..at + 4].try_into().expect("4 bytes"));
            let want = e.labels[t.0 as usize] as i64 - at as i64;
            if entry as i64 != want {
                return Err(format!("jump-table entry {k} is {entry}, expected {want}"));
            }
        }
        if e.end != e.code_end + 4 * targets.len() {
            return Err(format!("{} bytes of table, expected {}", e.end - e.code_end, 4 * targets.len()));
        }
    }
    Ok(())
}

/// Disassembles the instructions as one stream with one llvm-mc call: one line per
/// instruction, `None` where llvm finds no valid instruction, PC-relative targets turned
/// into distances from the instruction.
fn disassemble(insts: &[&[u8]]) -> Vec<Option<String>> {
    let lines = crate::isa::llvm_mc::disassemble("s390x", &["-triple=s390x", "-mcpu=z15"], "#", insts);
    let mut at = 0i64;
    let mut out = Vec::new();
    for (line, bytes) in lines.into_iter().zip(insts) {
        out.push(line.map(|l| {
            let words: Vec<String> = l
                .split(' ')
                .map(|w| {
                    let (body, comma) = w.strip_suffix(',').map_or((w, ""), |b| (b, ","));
                    match body.strip_prefix("0x").and_then(|h| i64::from_str_radix(h, 16).ok()) {
                        Some(addr) => format!("{}{comma}", addr - at),
                        None => w.to_string(),
                    }
                })
                .collect();
            words.join(" ")
        }));
        at += bytes.len() as i64;
    }
    out
}

#[test]
fn every_form_matches_llvm_mc() {
    let frame = frame();
    let cases = cases::cases();
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    let mut emitted = Vec::new();
    // Per case: the case, its instructions' bytes and expected lines.
    let mut spans = Vec::new();
    for (k, (inst, next)) in cases.iter().enumerate() {
        covered.insert(variant_name(inst));
        let e = emit_alone(inst, *next, &frame);
        if let Err(msg) = check_records(inst, &e) {
            failures.push(format!("{inst:?}: {msg}"));
        }
        let bounds: Vec<(usize, usize)> =
            e.insts.iter().zip(e.insts.iter().skip(1).chain([&e.code_end])).map(|(&a, &b)| (a, b)).collect();
        match expected_lines(inst, *next, &e, &frame) {
            Ok(lines) if lines.len() == bounds.len() => spans.push((k, e, bounds, lines)),
            Ok(lines) => failures.push(format!(
                "{inst:?}: {} instructions emitted, {} lines printed: {lines:?}",
                bounds.len(),
                lines.len()
            )),
            Err(msg) => failures.push(format!("{inst:?}: {msg}")),
        }
    }
    for (_, e, bounds, _) in &spans {
        emitted.extend(bounds.iter().map(|&(a, b)| e.out.data[a..b].to_vec()));
    }
    let slices: Vec<&[u8]> = emitted.iter().map(|v| v.as_slice()).collect();
    let mut disasm = disassemble(&slices).into_iter();
    let show = std::env::var_os("ORACLE_SHOW").is_some();
    for (k, e, bounds, lines) in &spans {
        for (i, ours) in lines.iter().enumerate() {
            let bytes = &e.out.data[bounds[i].0..bounds[i].1];
            let theirs = disasm.next().flatten();
            let theirs = theirs.as_deref().unwrap_or("<invalid encoding>");
            if show {
                println!("{bytes:02x?}  theirs: {theirs:<40} ours: {ours}");
            }
            if theirs != ours {
                failures.push(format!(
                    "{:?} (next {:?}) instruction {i} {bytes:02x?}: decoded `{theirs}`, ours `{ours}`",
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
}

#[test]
fn symbols_print_as_the_ir_names_them() {
    let name = crate::ir::ExternalName::TestCase("f".into());
    let inst = Inst::LoadSymbolAddr { rd: regs::gpr(2), name: name.clone(), offset: 9 };
    assert_eq!(inst.print(), "larl %r2, %f+0x8\nla %r2, 1(%r2)");
    let call = Inst::Call { callee: name, uses: vec![], defs: vec![], clobbers: regs::caller_saved_set() };
    assert_eq!(call.print(), "brasl %r14, %f@PLT");
}
