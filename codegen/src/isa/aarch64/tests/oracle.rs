//! The encoding oracle: every instruction form the aarch64 emitter produces is encoded
//! alone into a [`MachBuffer`]; all of them are then disassembled by one
//! `llvm-mc-14 --disassemble -triple=aarch64` call, and each disassembled line must equal
//! the matching line of our printer (`print_emitted`) after normalization. The test also
//! checks that trap sites, call sites and relocations are recorded on the right words,
//! and that every `Inst` variant has at least one case.
//!
//! Normalization of our text (each rule stands for something only the harness knows):
//! - a `; ...` comment is removed (trap codes, `Args`); empty lines are skipped;
//! - `labelN` becomes the label's distance from the instruction (`#-12`), as llvm prints
//!   PC-relative targets;
//! - a symbol (after `:lo12:` or alone) becomes `#0`, what llvm shows for the zero field a
//!   relocation will fill;
//! - `=0x...` (a literal-pool constant) becomes the distance to where the buffer placed
//!   the constant, found by searching the bytes after the code.
//!
//! llvm-mc-14 comes from Debian's `llvm-14` package (the CI script must install it);
//! without it the test fails and says so, never passes silently. `ORACLE_SHOW=1 cargo test -p lathe-codegen aarch64 --
//! --nocapture` prints every comparison.

use super::super::inst::{FRAME, Inst};
use super::super::regs;
use crate::ir::ExternalName;
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
    AluRRR, AluRRRShift, AluRRRExtend, AluRRImm12, AluRRImmLogic, AluRRRR, BitRR, MovWide, MovK, Mov,
    Bitfield, Bfm, Extr, CSel, CCmp, Adr, LoadAddr, LoadGotAddr, Load, Store, LoadPair, StorePair, LoadLiteral, LoadConst,
    Jump, CondBr, TrapIf, Br, Ret, Call, CallInd, ReturnCall, ReturnCallInd, Args, Udf, Brk, Nop, Dmb, Csdb, Pac,
    FpuMove, FpuMove128, FpuRR, FpuCvt, FpuRRR, FpuRRRR, FpuCmp, FpuCSel, FpuMoveImm, IntToFpu, FpuToInt,
    MovToFpu, MovFromFpu, VecCnt, VecAddv, LoadExclusive, StoreExclusive, LoadAcquire, StoreRelease, AtomicRmw,
    Cas, AdjustSp, StackAddr, AtomicRmwLoop, AtomicCasLoop, JmpTable,
}

/// Labels 0..NUM_LABELS exist in every test buffer.
const NUM_LABELS: u32 = 4;
/// Words of `nop` between label 0 and the instruction.
const PAD_WORDS: usize = 3;
const NOP: u32 = 0xd503_201f;

/// The frame the cases are emitted in (stack slots, spill slots, saved registers).
pub(super) fn frame() -> FrameInfo {
    layout(&FRAME, 16, 20, 3, vec![regs::xreg(19), regs::xreg(20), regs::vreg(8)], Some(4096))
}

/// One emitted case.
struct Emitted {
    out: FinishedBuffer,
    start: usize,
    end: usize,
    labels: Vec<u32>,
}

fn emit_alone(inst: &Inst, next_block: Option<MachLabel>, frame: &FrameInfo) -> Emitted {
    let mut buf = MachBuffer::new(NUM_LABELS, Inst::ENDIANNESS);
    buf.bind_label(MachLabel(0));
    for _ in 0..PAD_WORDS {
        buf.put4(NOP);
    }
    let start = buf.cur_offset() as usize;
    inst.emit(&mut buf, &EmitState { frame, next_block });
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
    buf.put4(0xd65f_03c0);
    let out = buf.finish().expect("every test label is bound and in range");
    Emitted { out, start, end, labels }
}

fn words_of(e: &Emitted) -> Vec<u32> {
    e.out.data[e.start..e.end].chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// The offset of the constant `bytes` placed after the code (aligned to its size).
fn constant_offset(e: &Emitted, bytes: &[u8]) -> Option<usize> {
    let align = bytes.len().max(4);
    (e.end..e.out.data.len()).step_by(4).filter(|o| o % align == 0).find(|&o| e.out.data[o..].starts_with(bytes))
}

fn symbol_texts(inst: &Inst) -> Vec<String> {
    match inst {
        Inst::Call { callee, .. } | Inst::ReturnCall { callee, .. } => vec![callee.to_string()],
        Inst::LoadGotAddr { name, .. } => vec![name.to_string()],
        Inst::LoadAddr { name, offset, .. } => {
            let base = name.to_string();
            let full = match *offset {
                0 => base.clone(),
                o if o < 0 => format!("{base}-{:#x}", o.unsigned_abs()),
                o => format!("{base}+{o:#x}"),
            };
            vec![full]
        }
        _ => vec![],
    }
}

/// Our text for `inst`, one normalized line per word emitted.
fn expected_lines(inst: &Inst, next: Option<MachLabel>, e: &Emitted, frame: &FrameInfo) -> Result<Vec<String>, String> {
    let text = inst.print_emitted(&EmitState { frame, next_block: next });
    let mut out = Vec::new();
    for line in text.lines() {
        let line = match line.find(';') {
            Some(i) => &line[..i],
            None => line,
        };
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            continue;
        }
        let at = (e.start + 4 * out.len()) as i64;
        // A jump-table entry holds its label's distance from the table (the first entry),
        // which llvm shows as the `udf` of that number.
        if let Some(label) = line.strip_prefix(".word label") {
            let first = text.lines().position(|l| l.starts_with(".word")).unwrap_or(0);
            let lines_before: usize = text.lines().take(first).filter(|l| !l.trim().is_empty()).count();
            let table = (e.start + 4 * lines_before) as i64;
            let n: usize = label.trim().parse().map_err(|_| format!("a label in `{line}`"))?;
            out.push(format!("udf #{}", e.labels[n] as i64 - table));
            continue;
        }
        let mut s = line;
        for n in (0..e.labels.len()).rev() {
            s = s.replace(&format!("label{n}"), &format!("#{}", e.labels[n] as i64 - at));
        }
        for sym in symbol_texts(inst) {
            // The GOT slot's offset is 0 until linked, which llvm prints as `[xN]`.
            s = s.replace(&format!(", :got_lo12:{sym}]"), "]");
            for prefix in [":got:", ":lo12:", ""] {
                s = s.replace(&format!("{prefix}{sym}"), "#0");
            }
        }
        if let Some(i) = s.find("=0x") {
            let Inst::LoadConst { op, bits, .. } = inst else { return Err(format!("a constant in `{s}`")) };
            let len = 1usize << op.size_log2();
            let place = constant_offset(e, &bits.to_le_bytes()[..len]).ok_or("the constant is not after the code")?;
            s = format!("{}#{}", &s[..i], place as i64 - at);
        }
        out.push(s);
    }
    Ok(out)
}

/// Checks the trap sites, call sites and relocations of one case.
fn check_records(inst: &Inst, e: &Emitted) -> Result<(), String> {
    let (start, end) = (e.start as u32, e.end as u32);
    let last = end.saturating_sub(4);
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
        Inst::Call { .. } => vec![(start, RelocKind::Aarch64Call26)],
        Inst::ReturnCall { .. } => vec![(start, RelocKind::Aarch64Jump26)],
        Inst::LoadAddr { .. } => {
            vec![(start, RelocKind::Aarch64AdrPrelPgHi21), (start + 4, RelocKind::Aarch64AddAbsLo12Nc)]
        }
        Inst::LoadGotAddr { .. } => {
            vec![(start, RelocKind::Aarch64AdrGotPage), (start + 4, RelocKind::Aarch64Ld64GotLo12Nc)]
        }
        _ => vec![],
    };
    if relocs != want_relocs {
        return Err(format!("relocations {relocs:?}, expected {want_relocs:?}"));
    }
    Ok(())
}

/// Disassembles `words` with one llvm-mc call: one line per word, `None` where llvm
/// finds no valid instruction.
fn disassemble(words: &[u32]) -> Vec<Option<String>> {
    let bytes: Vec<[u8; 4]> = words.iter().map(|w| w.to_le_bytes()).collect();
    let insts: Vec<&[u8]> = bytes.iter().map(|b| &b[..]).collect();
    crate::isa::llvm_mc::disassemble(
        "aarch64",
        &["-triple=aarch64", "-mattr=+lse,+pauth,+fp-armv8,+neon"],
        "//",
        &insts,
    )
}

#[test]
fn every_form_matches_llvm_mc() {
    let frame = frame();
    let cases = cases::cases();
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    let mut words = Vec::new();
    // Per case: its index, first word in `words`, and the expected lines.
    let mut spans = Vec::new();
    for (k, (inst, next)) in cases.iter().enumerate() {
        covered.insert(variant_name(inst));
        let e = emit_alone(inst, *next, &frame);
        if let Err(msg) = check_records(inst, &e) {
            failures.push(format!("{inst:?}: {msg}"));
        }
        let w = words_of(&e);
        match expected_lines(inst, *next, &e, &frame) {
            Ok(lines) if lines.len() == w.len() => spans.push((k, words.len(), lines)),
            Ok(lines) => {
                failures.push(format!("{inst:?}: {} words emitted, {} lines printed: {lines:?}", w.len(), lines.len()))
            }
            Err(msg) => failures.push(format!("{inst:?}: {msg}")),
        }
        words.extend(w);
    }
    let disasm = disassemble(&words);
    let show = std::env::var_os("ORACLE_SHOW").is_some();
    for (k, first, lines) in spans {
        for (i, ours) in lines.iter().enumerate() {
            let theirs = disasm[first + i].as_deref().unwrap_or("<invalid encoding>");
            if show {
                println!("{:08x}  llvm: {theirs:<40} ours: {ours}", words[first + i]);
            }
            if theirs != ours {
                failures.push(format!(
                    "{:?} (next {:?}) word {i} {:08x}: llvm `{theirs}`, ours `{ours}`",
                    cases[k].0,
                    cases[k].1,
                    words[first + i]
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
    let name = ExternalName::TestCase("f".into());
    let inst = Inst::LoadAddr { rd: regs::xreg(3), name, offset: 8 };
    assert_eq!(inst.print(), "adrp x3, %f+0x8\nadd x3, x3, :lo12:%f+0x8");
}
