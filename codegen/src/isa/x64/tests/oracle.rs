//! The encoding oracle: every instruction form the x86-64 emitter produces is encoded
//! alone into a [`MachBuffer`], decoded by `iced-x86` (64-bit mode), and checked:
//!
//! 1. the decoded instructions' lengths add up to exactly the bytes emitted (for
//!    `JmpTable`, up to its table, whose 4-byte entries are checked as data);
//! 2. each decoded instruction, printed by iced's Intel formatter, equals the matching
//!    line of our printer after normalization;
//! 3. trap sites, call sites and relocations are recorded where they belong.
//!
//! iced's formatter is configured to our printer's conventions: lowercase hex with `0x`,
//! no decimal small numbers, signed immediates, memory sizes always shown, a space after
//! commas, branch targets without leading zeros, and the condition-code names of [`CC`]
//! (`nb` not `ae`, `z` not `e`, `nle` not `g`, ...).
//!
//! Normalization of our text (each rule stands for something only the harness knows):
//! - a `; ...` comment is removed (trap codes, the `Args` comment); empty lines are skipped;
//! - `labelN` becomes the label's address and `[rip+labelN]` becomes `[0xADDR]` (iced
//!   shows RIP-relative operands as absolute addresses); `[rip+jt]` becomes the address of
//!   the jump table, which starts right after the indirect `jmp`;
//! - `$+0xN` (the `TrapIf` jump) becomes the instruction's address plus N;
//! - `[slot+0xN]` and `[arg+0xN]` become their rsp/rbp form in the test frame;
//! - `movabs` becomes `mov` (iced names `B8+r io` `mov`);
//! - `data16` prefixes go (the TLS sequence's padding, which REX.W overrides; iced omits
//!   them);
//! - `imul r, r, imm` with both registers equal becomes `imul r, imm` (iced's short form of
//!   the same encoding);
//! - a symbol is replaced by what iced shows for the relocation's zero placeholder: the
//!   end of the call for `call rel32`, `0x0` for `movabs`;
//! - `cmpps a, b, 0xN` (and the `pd`, VEX forms) becomes iced's pseudo-op `cmpNAMEps a, b`;
//! - `JmpCond` prints both jumps; when the next block is one of its targets the expected
//!   text is the single jump emission keeps.
//!
//! `ORACLE_SHOW=1 cargo test -p lathe-codegen oracle -- --nocapture` prints every
//! comparison (iced's text, then ours normalized).

use crate::ir::{CallConv, ExternalName, TrapCode};
use crate::isa::x64::inst::args::*;
use crate::isa::x64::inst::{FRAME, Inst};
use crate::isa::x64::regs::{self, gpr, xmm};
use crate::machinst::abi::frame::layout;
use crate::machinst::{
    EmitState, FinishedBuffer, FrameInfo, FrameItem, MachBuffer, MachInst, MachLabel, PRegSet, Reg, RegClass, RelocKind,
};
use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter, MemorySizeOptions};
use std::collections::BTreeSet;

/// Declares the list of `Inst` variants and an exhaustive match naming them, so adding a
/// variant to `Inst` fails to compile here until it is listed (and then fails the coverage
/// assertion until the oracle produces it).
macro_rules! variants {
    ($($v:ident),* $(,)?) => {
        const ALL_VARIANTS: &[&str] = &[$(stringify!($v)),*];
        fn variant_name(inst: &Inst) -> &'static str {
            match inst { $(Inst::$v { .. } => stringify!($v),)* }
        }
    };
}

variants! {
    AluRmiR, Imul, ImulImm, Unary, Shift, Div, SignExtendAxDx, MulHi, MovRR, MovImm, Lea, MovzxRmR, MovsxRmR,
    Load, Store, StoreImm, Cmp, Test, Setcc, Cmov, Jmp, JmpCond, JmpTable, Ret, Ud2, TrapIf, Args, CallKnown, CallUnknown,
    LoadExtName, ElfTlsGetAddr, Push64, Pop64, AddRspImm, SubRspImm, MovToSp, MovFromSp, XmmSaveToSp, XmmRestoreFromSp, XmmMovRR, XmmRmR, XmmUnary, XmmRound,
    HalfConvert, XmmCmp, GprToXmm, XmmToGpr, CvtIntToFloat, CvtFloatToInt, XmmLoad, XmmStore, XmmConst, Fma, BitCount, Bmi, Rorx, Bswap,
    Mfence, AtomicXadd, LockCmpxchg, AtomicRmwLoop, ReturnCallKnown, ReturnCallUnknown, TryCall, LandingPad, VecBin, VecUnary,
    VecShiftImm, VecLoad, VecStore, VecConst, VecFill, Pinsr, Pextr, Movmsk, Blendv,
}

/// Labels 0..NUM_LABELS exist in every test buffer.
const NUM_LABELS: u32 = 4;
/// Bytes of `nop` before the instruction (label 0 is bound at offset 0, before them).
const PAD_BEFORE: usize = 40;

fn frame() -> FrameInfo {
    layout(&FRAME, 16, 20, 3, vec![regs::rbx(), regs::r12()], Some(4096))
}

fn formatter() -> IntelFormatter {
    let mut f = IntelFormatter::new();
    let o = f.options_mut();
    o.set_hex_prefix("0x");
    o.set_hex_suffix("");
    o.set_uppercase_hex(false);
    o.set_space_after_operand_separator(true);
    o.set_small_hex_numbers_in_decimal(false);
    o.set_memory_size_options(MemorySizeOptions::Always);
    o.set_branch_leading_zeros(false);
    o.set_signed_immediate_operands(true);
    o.set_show_branch_size(false);
    o.set_add_leading_zero_to_hex_numbers(false);
    o.set_cc_b(iced_x86::CC_b::b);
    o.set_cc_ae(iced_x86::CC_ae::nb);
    o.set_cc_e(iced_x86::CC_e::z);
    o.set_cc_ne(iced_x86::CC_ne::nz);
    o.set_cc_be(iced_x86::CC_be::be);
    o.set_cc_a(iced_x86::CC_a::nbe);
    o.set_cc_p(iced_x86::CC_p::p);
    o.set_cc_np(iced_x86::CC_np::np);
    o.set_cc_l(iced_x86::CC_l::l);
    o.set_cc_ge(iced_x86::CC_ge::nl);
    o.set_cc_le(iced_x86::CC_le::le);
    o.set_cc_g(iced_x86::CC_g::nle);
    f
}

/// One emitted test instruction.
struct Emitted {
    out: FinishedBuffer,
    start: usize,
    end: usize,
    labels: Vec<u32>,
}

fn emit_alone(inst: &Inst, next_block: Option<MachLabel>, frame: &FrameInfo) -> Emitted {
    let mut buf = MachBuffer::new(NUM_LABELS, Inst::ENDIANNESS);
    buf.bind_label(MachLabel(0));
    buf.put_data(&[0x90; PAD_BEFORE]);
    let start = buf.cur_offset() as usize;
    inst.emit(&mut buf, &EmitState { frame, next_block });
    let end = buf.cur_offset() as usize;
    // Label 1 is the next block; 2 and 3 lie further on.
    let mut labels = vec![0];
    for (l, pad) in [(1, 0usize), (2, 24), (3, 300)] {
        buf.put_data(&vec![0x90; pad]);
        labels.push(buf.cur_offset());
        buf.bind_label(MachLabel(l));
    }
    buf.put1(0xc3);
    let out = buf.finish().expect("every test label is bound and in range");
    Emitted { out, start, end, labels }
}

/// Replaces `[prefix0xN]` (N hex) by `f(N)` throughout `s`.
fn replace_hex_operand(s: &str, prefix: &str, f: impl Fn(u32) -> String) -> String {
    let mut out = s.to_string();
    while let Some(at) = out.find(prefix) {
        let digits_at = at + prefix.len();
        let len = out[digits_at..].find(']').expect("a bracketed operand");
        let n = u32::from_str_radix(&out[digits_at..digits_at + len], 16).expect("hex digits");
        out.replace_range(at..digits_at + len + 1, &f(n));
    }
    out
}

fn disp_text(d: i64) -> String {
    match d {
        0 => String::new(),
        d if d < 0 => format!("-0x{:x}", d.unsigned_abs()),
        d => format!("+0x{d:x}"),
    }
}

struct Ctx<'a> {
    labels: &'a [u32],
    table: Option<u32>,
    frame: &'a FrameInfo,
    /// Symbol text and what iced shows for it.
    symbols: Vec<(String, String)>,
    /// The address of the constant of an `XmmConst`.
    constant: Option<u32>,
    /// The address of the loop head of an `AtomicRmwLoop` (its second instruction).
    loop_start: Option<u64>,
}

fn normalize(line: &str, insn_ip: u64, ctx: &Ctx<'_>) -> String {
    let mut s = match line.find(';') {
        Some(i) => line[..i].trim().to_string(),
        None => line.trim().to_string(),
    };
    for n in (0..ctx.labels.len()).rev() {
        let addr = ctx.labels[n];
        s = s.replace(&format!("[rip+label{n}]"), &format!("[0x{addr:x}]"));
        s = s.replace(&format!("label{n}"), &format!("0x{addr:x}"));
    }
    if let Some(t) = ctx.table {
        s = s.replace("[rip+jt]", &format!("[0x{t:x}]"));
    }
    if let Some(c) = ctx.constant {
        s = s.replace("[rip+const]", &format!("[0x{c:x}]"));
    }
    if let Some(l) = ctx.loop_start {
        s = s.replace("$loop", &format!("0x{l:x}"));
    }
    if let Some(i) = s.find("$+0x") {
        let n = u64::from_str_radix(&s[i + 4..], 16).expect("hex distance");
        s = format!("{}0x{:x}", &s[..i], insn_ip + n);
    }
    s = replace_hex_operand(&s, "[slot+0x", |n| format!("[rsp{}]", disp_text(ctx.frame.stack_slot_offset(n) as i64)));
    s = replace_hex_operand(&s, "[arg+0x", |n| format!("[rbp{}]", disp_text(16 + n as i64)));
    // The TLS sequence's `data16` prefixes are padding for linkers: REX.W overrides them,
    // and iced does not show them.
    while let Some(rest) = s.strip_prefix("data16 ") {
        s = rest.to_string();
    }
    if let Some(rest) = s.strip_prefix("movabs ") {
        s = format!("mov {rest}");
    }
    if let Some(rest) = s.strip_prefix("imul ") {
        let ops: Vec<&str> = rest.split(", ").collect();
        if ops.len() == 3 && ops[0] == ops[1] {
            s = format!("imul {}, {}", ops[0], ops[2]);
        }
    }
    for (name, shown) in &ctx.symbols {
        s = s.replace(name.as_str(), shown);
    }
    cmp_pseudo_op(&s).unwrap_or(s)
}

/// `cmpps a, b, 0xN` (and `cmppd`, `vcmpps`, `vcmppd`) with a predicate below 8 in the
/// pseudo-op form iced prints: `cmpltps a, b`.
fn cmp_pseudo_op(s: &str) -> Option<String> {
    const NAMES: [&str; 8] = ["eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"];
    let (mnemonic, rest) = s.split_once(' ')?;
    let (v, suffix) = match mnemonic {
        "cmpps" => ("", "ps"),
        "cmppd" => ("", "pd"),
        "vcmpps" => ("v", "ps"),
        "vcmppd" => ("v", "pd"),
        _ => return None,
    };
    let (ops, imm) = rest.rsplit_once(", 0x")?;
    let name = NAMES.get(usize::from_str_radix(imm, 16).ok()?)?;
    Some(format!("{v}cmp{name}{suffix} {ops}"))
}

/// The lines our printer's text should match, before normalization.
fn expected_lines(inst: &Inst, next_block: Option<MachLabel>) -> Vec<String> {
    if let Inst::JmpCond { cc, taken, not_taken } = inst {
        if next_block == Some(*not_taken) {
            return vec![format!("j{} {taken:?}", cc.name())];
        }
        if next_block == Some(*taken) {
            return vec![format!("j{} {not_taken:?}", cc.invert().name())];
        }
    }
    if let Inst::TryCall { targets, .. } = inst
        && next_block == targets.first().copied()
    {
        return inst.print().lines().take(1).map(str::to_string).collect();
    }
    inst.print().lines().map(str::to_string).collect()
}

/// Where the call of a `TryCall` ends (its return address): before the jump to the normal
/// edge, when that jump is emitted.
fn try_call_end(inst: &Inst, e: &Emitted, next_block: Option<MachLabel>) -> usize {
    match inst {
        Inst::TryCall { targets, .. } if next_block != targets.first().copied() => e.end - 5,
        _ => e.end,
    }
}

/// Checks one instruction; returns a description of the first mismatch.
fn check(inst: &Inst, next_block: Option<MachLabel>, fmt: &mut IntelFormatter) -> Result<(), String> {
    let frame = frame();
    let e = emit_alone(inst, next_block, &frame);
    let code = &e.out.data[e.start..e.end];
    let mut lines = expected_lines(inst, next_block);
    let mut table_targets = None;
    if let Some(last) = lines.last()
        && let Some(list) = last.strip_prefix(".jt")
    {
        table_targets = Some(list.trim().to_string());
        lines.pop();
    }
    let table_len = match inst {
        Inst::JmpTable { targets, .. } => 4 * (targets.len() + 1),
        _ => 0,
    };
    let insn_bytes = code.len() - table_len;
    let table = (table_len > 0 || table_targets.is_some()).then_some((e.start + insn_bytes) as u32);
    let symbols = match inst {
        Inst::CallKnown { callee, .. } | Inst::ReturnCallKnown { callee, .. } => {
            vec![(callee.to_string(), format!("0x{:x}", e.end))]
        }
        Inst::TryCall { callee: Some(callee), .. } => {
            vec![(callee.to_string(), format!("0x{:x}", try_call_end(inst, &e, next_block)))]
        }
        Inst::LoadExtName { name, mode: SymbolAddress::Absolute, .. } => vec![(name.to_string(), "0x0".to_string())],
        // A zero displacement from the end of the instruction: iced shows that address.
        Inst::LoadExtName { name, mode: SymbolAddress::PcRel, .. } => {
            vec![(format!("rip + {name}"), format!("0x{:x}", e.end))]
        }
        Inst::LoadExtName { name, .. } => vec![(format!("rip + {name}@GOTPCREL"), format!("0x{:x}", e.end))],
        // Two 8-byte instructions, each ending in its zero rel32.
        Inst::ElfTlsGetAddr { symbol, .. } => vec![
            (format!("rip + {symbol}@TLSGD"), format!("0x{:x}", e.start + 8)),
            (crate::ir::LibCall::ElfTlsGetAddr.to_string(), format!("0x{:x}", e.end)),
        ],
        _ => vec![],
    };
    let mut decoder = Decoder::with_ip(64, &code[..insn_bytes], e.start as u64, DecoderOptions::NONE);
    let mut decoded = Vec::new();
    while decoder.can_decode() {
        let i = decoder.decode();
        if i.is_invalid() {
            return Err(format!("invalid encoding {:02x?}", code));
        }
        decoded.push(i);
    }
    // The constant of an `XmmConst` or `VecConst` is the only entry of the pool, at the end.
    let constant = match inst {
        Inst::VecConst { bits, .. } => {
            let at = e.out.data.len() - 16;
            if !at.is_multiple_of(16) || e.out.data[at..] != bits.to_le_bytes() {
                return Err(format!("constant bytes {:02x?} at {at}", &e.out.data[at..]));
            }
            Some(at as u32)
        }
        Inst::XmmConst { double, bits, .. } => {
            let len = if *double { 8 } else { 4 };
            let at = e.out.data.len() - len;
            let want = &bits.to_le_bytes()[..len];
            if &e.out.data[at..] != want {
                return Err(format!("constant bytes {:02x?}, want {want:02x?}", &e.out.data[at..]));
            }
            Some(at as u32)
        }
        _ => None,
    };
    let loop_start = match inst {
        Inst::AtomicRmwLoop { .. } => decoded.get(1).map(|i| i.ip()),
        _ => None,
    };
    let ctx = Ctx { labels: &e.labels, table, frame: &frame, symbols, constant, loop_start };
    let total: usize = decoded.iter().map(|i| i.len()).sum();
    if total != insn_bytes {
        return Err(format!("decoded {total} bytes of {insn_bytes}"));
    }
    let want: Vec<(String, String)> = lines
        .iter()
        .filter_map(|l| {
            let raw = l.clone();
            let stripped = l.split(';').next().unwrap_or("").trim().to_string();
            (!stripped.is_empty()).then_some((raw, stripped))
        })
        .collect();
    if want.len() != decoded.len() {
        return Err(format!("printed {} instructions, decoded {} from {:02x?}", want.len(), decoded.len(), code));
    }
    let mut ud2_at = None;
    for ((raw, _), insn) in want.iter().zip(&decoded) {
        let mut got = String::new();
        fmt.format(insn, &mut got);
        let ours = normalize(raw, insn.ip(), &ctx);
        if std::env::var("ORACLE_SHOW").is_ok() {
            eprintln!("{got:<50} | {ours}");
        }
        if got != ours {
            return Err(format!("iced `{got}` vs ours `{ours}` (printed `{raw}`) bytes {:02x?}", code));
        }
        if got == "ud2" {
            ud2_at = Some(insn.ip() as u32);
        }
    }

    // Jump table entries: each is its target's address minus the table start.
    // The default is the last entry (the clamped index of every out-of-range one).
    if let (Inst::JmpTable { targets, default, .. }, Some(t)) = (inst, table) {
        let entries: Vec<MachLabel> = targets.iter().chain([default]).copied().collect();
        let names: Vec<String> = entries.iter().map(|l| format!("{l:?}")).collect();
        if table_targets.as_deref() != Some(names.join(", ").as_str()) {
            return Err(format!("printed table {table_targets:?}"));
        }
        for (i, l) in entries.iter().enumerate() {
            let at = t as usize + 4 * i;
            let v = i32::from_le_bytes(e.out.data[at..at + 4].try_into().unwrap());
            let want = e.labels[l.0 as usize] as i64 - t as i64;
            if v as i64 != want {
                return Err(format!("table entry {i} is {v}, want {want}"));
            }
        }
    }

    // Trap sites: at the ud2 if there is one, else at the instruction.
    let trap = match inst {
        Inst::Div { trap, .. } => Some(*trap),
        Inst::Load { trap, .. }
        | Inst::Store { trap, .. }
        | Inst::XmmLoad { trap, .. }
        | Inst::XmmStore { trap, .. }
        | Inst::VecLoad { trap, .. }
        | Inst::VecStore { trap, .. }
        | Inst::VecUnary { trap, .. }
        | Inst::VecBin { trap, .. }
        | Inst::StoreImm { trap, .. }
        | Inst::AluRmiR { trap, .. } => *trap,
        Inst::Ud2 { code } | Inst::TrapIf { code, .. } => Some(*code),
        _ => None,
    };
    let want_traps: Vec<(u32, TrapCode)> = trap.map(|c| (ud2_at.unwrap_or(e.start as u32), c)).into_iter().collect();
    let got_traps: Vec<(u32, TrapCode)> = e.out.traps.iter().map(|t| (t.offset, t.code)).collect();
    if got_traps != want_traps {
        return Err(format!("traps {got_traps:?}, want {want_traps:?}"));
    }

    // Calls and relocations.
    let is_call = matches!(inst, Inst::CallKnown { .. } | Inst::CallUnknown { .. } | Inst::ElfTlsGetAddr { .. });
    let got_calls: Vec<u32> = e.out.call_sites.iter().map(|c| c.ret_offset).collect();
    let want_calls: Vec<u32> = match inst {
        Inst::TryCall { .. } => vec![try_call_end(inst, &e, next_block) as u32],
        _ if is_call => vec![e.end as u32],
        _ => vec![],
    };
    if got_calls != want_calls {
        return Err(format!("call sites {got_calls:?}, want {want_calls:?}"));
    }
    // A try_call's handlers, at the labels' offsets (label 0 at 0, the others unbound
    // until the test binds them after the instruction).
    let got_sites: Vec<(u32, Vec<Option<u32>>)> =
        e.out.exception_sites.iter().map(|s| (s.ret_offset, s.handlers.iter().map(|h| h.0).collect())).collect();
    let want_sites: Vec<(u32, Vec<Option<u32>>)> = match inst {
        Inst::TryCall { tags, .. } => vec![(try_call_end(inst, &e, next_block) as u32, tags.clone())],
        _ => vec![],
    };
    if got_sites != want_sites {
        return Err(format!("exception sites {got_sites:?}, want {want_sites:?}"));
    }
    let want_relocs: Vec<(u32, RelocKind, ExternalName, i64)> = match inst {
        Inst::CallKnown { callee, .. } | Inst::ReturnCallKnown { callee, .. } => {
            vec![(e.end as u32 - 4, RelocKind::X86CallPlt4, callee.clone(), -4)]
        }
        Inst::TryCall { callee: Some(callee), .. } => {
            vec![(try_call_end(inst, &e, next_block) as u32 - 4, RelocKind::X86CallPlt4, callee.clone(), -4)]
        }
        Inst::LoadExtName { name, mode: SymbolAddress::Absolute, .. } => {
            vec![(e.end as u32 - 8, RelocKind::Abs8, name.clone(), 0)]
        }
        Inst::LoadExtName { name, mode: SymbolAddress::PcRel, .. } => {
            vec![(e.end as u32 - 4, RelocKind::X86PcRel4, name.clone(), -4)]
        }
        Inst::LoadExtName { name, .. } => vec![(e.end as u32 - 4, RelocKind::X86GotPcRel4, name.clone(), -4)],
        Inst::ElfTlsGetAddr { symbol, .. } => vec![
            (e.start as u32 + 4, RelocKind::X86TlsGd4, symbol.clone(), -4),
            (e.end as u32 - 4, RelocKind::X86CallPlt4, ExternalName::LibCall(crate::ir::LibCall::ElfTlsGetAddr), -4),
        ],
        _ => vec![],
    };
    let got_relocs: Vec<_> = e.out.relocs.iter().map(|r| (r.offset, r.kind, r.target.clone(), r.addend)).collect();
    if got_relocs != want_relocs {
        return Err(format!("relocs {got_relocs:?}, want {want_relocs:?}"));
    }
    Ok(())
}

// ---- The cases ----

fn all_gprs() -> Vec<Reg> {
    (0..16).map(gpr).collect()
}

/// A partner register for `r` that differs from it and walks all encodings.
fn other(r: Reg, k: u8) -> Reg {
    gpr((r.hw_enc().unwrap() + k) % 16)
}

const IMMS: [i32; 16] = [0, 1, -1, 2, 127, 128, -128, -129, 255, 256, 32767, -32768, 32768, 65535, i32::MIN, i32::MAX];
const DISPS: [i32; 9] = [0, 1, -1, 127, 128, -128, -129, i32::MIN, i32::MAX];
const SIZES: [OperandSize; 4] = [OperandSize::S8, OperandSize::S16, OperandSize::S32, OperandSize::S64];
const WIDE: [OperandSize; 3] = [OperandSize::S16, OperandSize::S32, OperandSize::S64];

/// Addresses over every base (rsp, rbp, r12, r13 included), every index but rsp, every
/// scale, a spread of displacements, RIP-relative labels, stack slots and arguments.
fn amodes() -> Vec<Amode> {
    let mut out = Vec::new();
    for b in 0..16u8 {
        for (k, &d) in DISPS.iter().enumerate() {
            if k % 3 == b as usize % 3 || d == 0 {
                out.push(Amode::imm_reg(d, gpr(b)));
            }
        }
        for i in 0..16u8 {
            if i == 4 {
                continue;
            }
            let shift = (b + i) % 4;
            let d = DISPS[(b as usize * 7 + i as usize) % DISPS.len()];
            out.push(Amode::imm_reg_reg_shift(d, gpr(b), gpr(i), shift));
        }
    }
    for l in 0..NUM_LABELS {
        out.push(Amode::RipRelative(MachLabel(l)));
    }
    for offset in [0, 4, 100, 5000] {
        out.push(Amode::StackSlot { offset });
        out.push(Amode::IncomingArg { offset });
    }
    out
}

/// A smaller set of addresses for the forms where the address is not the point.
fn some_amodes() -> Vec<Amode> {
    vec![
        Amode::imm_reg(0, regs::rsp()),
        Amode::imm_reg(0, regs::rbp()),
        Amode::imm_reg(8, regs::r12()),
        Amode::imm_reg(-8, regs::r13()),
        Amode::imm_reg(0x1000, regs::rdi()),
        Amode::imm_reg_reg_shift(0, regs::rbp(), regs::r12(), 3),
        Amode::imm_reg_reg_shift(-4, regs::r13(), regs::rsi(), 2),
        Amode::imm_reg_reg_shift(i32::MAX, regs::r15(), regs::r8(), 0),
        Amode::RipRelative(MachLabel(2)),
        Amode::RipRelative(MachLabel(0)),
        Amode::StackSlot { offset: 8 },
        Amode::IncomingArg { offset: 0 },
    ]
}

fn cases() -> Vec<(Inst, Option<MachLabel>)> {
    use OperandSize::*;
    let mut v: Vec<Inst> = Vec::new();
    let gprs = all_gprs();
    // Two-address ALU ops, every size, register / memory / immediate sources.
    for op in AluOp::ALL {
        for size in SIZES {
            for &d in &gprs {
                let s = other(d, 3 + op as u8);
                v.push(Inst::AluRmiR { size, op, src1: d, src2: RegMemImm::Reg(s), dst: d, trap: None });
            }
            for (k, &imm) in IMMS.iter().enumerate() {
                let d = gprs[k % 16];
                v.push(Inst::AluRmiR { size, op, src1: d, src2: RegMemImm::Imm(imm), dst: d, trap: None });
            }
            for (k, a) in some_amodes().into_iter().enumerate() {
                let d = gprs[(k * 5) % 16];
                let trap = (k % 2 == 0).then_some(TrapCode::HeapOutOfBounds);
                v.push(Inst::AluRmiR { size, op, src1: d, src2: RegMemImm::Mem(a), dst: d, trap });
            }
        }
    }
    // Every addressing form, through a 64-bit add.
    for (k, a) in amodes().into_iter().enumerate() {
        let d = gprs[k % 16];
        v.push(Inst::AluRmiR { size: S64, op: AluOp::Add, src1: d, src2: RegMemImm::Mem(a), dst: d, trap: None });
    }
    // Compare and test.
    for size in SIZES {
        for &r in &gprs {
            v.push(Inst::Cmp { size, src1: r, src2: RegMemImm::Reg(other(r, 9)) });
            v.push(Inst::Test { size, src1: r, src2: RegMemImm::Reg(other(r, 6)) });
        }
        for (k, &imm) in IMMS.iter().enumerate() {
            v.push(Inst::Cmp { size, src1: gprs[(k + 3) % 16], src2: RegMemImm::Imm(imm) });
            v.push(Inst::Test { size, src1: gprs[(k + 7) % 16], src2: RegMemImm::Imm(imm) });
        }
        for (k, a) in some_amodes().into_iter().enumerate() {
            v.push(Inst::Cmp { size, src1: gprs[(k * 3) % 16], src2: RegMemImm::Mem(a) });
            v.push(Inst::Test { size, src1: gprs[(k * 7 + 1) % 16], src2: RegMemImm::Mem(a) });
        }
    }
    // Multiplies.
    for size in WIDE {
        for &d in &gprs {
            v.push(Inst::Imul { size, src1: d, src2: RegMem::Reg(other(d, 11)), dst: d });
            v.push(Inst::MulHi {
                size,
                signed: d.hw_enc().unwrap() % 2 == 0,
                src1: regs::rax(),
                src2: d,
                lo: regs::rax(),
                hi: regs::rdx(),
            });
        }
        for a in some_amodes() {
            v.push(Inst::Imul { size, src1: regs::r9(), src2: RegMem::Mem(a), dst: regs::r9() });
            v.push(Inst::ImulImm { size, src: RegMem::Mem(a), imm: -3, dst: regs::r14() });
        }
        for (k, &imm) in IMMS.iter().enumerate() {
            let d = gprs[k % 16];
            v.push(Inst::ImulImm { size, src: RegMem::Reg(d), imm, dst: d });
            v.push(Inst::ImulImm { size, src: RegMem::Reg(other(d, 1)), imm, dst: d });
        }
        v.push(Inst::SignExtendAxDx { size, src: regs::rax(), dst: regs::rdx() });
    }
    // Unary, shifts.
    for size in SIZES {
        for &d in &gprs {
            for op in [UnaryOp::Neg, UnaryOp::Not] {
                v.push(Inst::Unary { size, op, src: d, dst: d });
            }
            for kind in ShiftKind::ALL {
                v.push(Inst::Shift { size, kind, src: d, amount: ShiftAmount::Cl(regs::rcx()), dst: d });
                let n = [0u8, 1, 7, 31, 63][d.hw_enc().unwrap() as usize % 5];
                v.push(Inst::Shift { size, kind, src: d, amount: ShiftAmount::Imm(n), dst: d });
            }
        }
    }
    // Division.
    for size in WIDE {
        for &d in &gprs {
            if d == regs::rax() || d == regs::rdx() {
                continue;
            }
            v.push(Inst::Div {
                size,
                signed: d.hw_enc().unwrap() % 2 == 1,
                dividend_lo: regs::rax(),
                dividend_hi: regs::rdx(),
                divisor: d,
                quotient: regs::rax(),
                remainder: regs::rdx(),
                trap: TrapCode::IntegerDivisionByZero,
            });
        }
    }
    // Moves and constants.
    for size in SIZES {
        for &d in &gprs {
            v.push(Inst::MovRR { size, src: other(d, 13), dst: d });
        }
    }
    let consts: [u64; 14] = [
        0,
        1,
        0x7f,
        0xffff_ffff,
        0x8000_0000,
        0x1_0000_0000,
        u64::MAX,
        (-2i64) as u64,
        i32::MIN as i64 as u64,
        (i32::MIN as i64 - 1) as u64,
        i64::MIN as u64,
        i64::MAX as u64,
        0x1234_5678_9abc_def0,
        0xffff_ffff_0000_0000,
    ];
    for (k, &imm) in consts.iter().enumerate() {
        for size in [S32, S64] {
            v.push(Inst::MovImm { size, imm, dst: gprs[(k * 3) % 16] });
            v.push(Inst::MovImm { size, imm, dst: gprs[8 + k % 8] });
        }
    }
    for (k, a) in amodes().into_iter().enumerate() {
        for size in [S32, S64] {
            v.push(Inst::Lea { size, addr: a, dst: gprs[(k * 7) % 16] });
        }
    }
    // Extensions from registers and memory, loads and stores of every width.
    for from in SIZES {
        for to in [S32, S64] {
            for &d in &gprs {
                let s = other(d, 4);
                v.push(Inst::MovzxRmR { from, to, src: RegMem::Reg(s), dst: d });
                v.push(Inst::MovsxRmR { from, to, src: RegMem::Reg(s), dst: d });
            }
            for a in some_amodes() {
                v.push(Inst::MovzxRmR { from, to, src: RegMem::Mem(a), dst: regs::r10() });
                v.push(Inst::MovsxRmR { from, to, src: RegMem::Mem(a), dst: regs::rsi() });
            }
        }
        for ext in [ExtMode::None, ExtMode::Zero, ExtMode::Sign] {
            for (k, a) in some_amodes().into_iter().enumerate() {
                let trap = (k % 2 == 0).then_some(TrapCode::HeapOutOfBounds);
                v.push(Inst::Load { size: from, ext, addr: a, dst: gprs[(k * 5 + 2) % 16], trap });
            }
            for &d in &gprs {
                v.push(Inst::Load { size: from, ext, addr: Amode::imm_reg(16, other(d, 2)), dst: d, trap: None });
            }
        }
        for &s in &gprs {
            let trap = (s.hw_enc().unwrap() % 3 == 0).then_some(TrapCode::User(3));
            v.push(Inst::Store { size: from, src: s, addr: Amode::imm_reg(-16, other(s, 5)), trap });
        }
        for (k, a) in some_amodes().into_iter().enumerate() {
            v.push(Inst::Store { size: from, src: gprs[(k * 3 + 4) % 16], addr: a, trap: None });
            let imm = [0, -1, 0x7f, -0x80, 0x1234, i32::MIN, i32::MAX][k % 7];
            let trap = (k % 2 == 1).then_some(TrapCode::HeapOutOfBounds);
            v.push(Inst::StoreImm { size: from, imm, addr: a, trap });
        }
    }
    // Flags consumers.
    for cc in CC::ALL {
        for &d in &gprs {
            v.push(Inst::Setcc { cc, dst: d });
        }
        for size in WIDE {
            let d = gprs[cc.enc() as usize];
            v.push(Inst::Cmov { size, cc, consequent: RegMem::Reg(other(d, 7)), alternative: d, dst: d });
            v.push(Inst::Cmov {
                size,
                cc,
                consequent: RegMem::Mem(some_amodes()[cc.enc() as usize % 12]),
                alternative: d,
                dst: d,
            });
        }
        v.push(Inst::TrapIf { cc, code: TrapCode::IntegerOverflow });
    }
    // Control flow (JmpCond is added below with each next-block choice).
    for l in 0..NUM_LABELS {
        v.push(Inst::Jmp { target: MachLabel(l) });
    }
    for (k, &index) in gprs.iter().enumerate() {
        if index == regs::rsp() {
            continue;
        }
        let tmp1 = other(index, 1);
        let tmp2 = if other(index, 2) == regs::rsp() { other(index, 3) } else { other(index, 2) };
        let targets: Vec<MachLabel> = (0..k % 5).map(|i| MachLabel((i as u32 + k as u32) % NUM_LABELS)).collect();
        v.push(Inst::JmpTable { index, tmp1, tmp2, default: MachLabel(k as u32 % NUM_LABELS), targets });
    }
    v.push(Inst::Ret { rets: vec![] });
    v.push(Inst::Ret { rets: vec![(regs::rax(), regs::preg_rax()), (regs::rdx(), regs::preg_rdx())] });
    v.push(Inst::Ud2 { code: TrapCode::User(7) });
    v.push(Inst::Args { args: vec![(Reg::virt(0, RegClass::Int), regs::preg_rdi())], call_conv: CallConv::SystemV });
    // Calls.
    let clobbers = regs::caller_saved_set();
    for callee in [ExternalName::TestCase("foo".into()), ExternalName::User { namespace: 0, index: 3 }] {
        v.push(Inst::CallKnown {
            callee: callee.clone(),
            uses: vec![(regs::rdi(), regs::preg_rdi())],
            defs: vec![(regs::rax(), regs::preg_rax())],
            clobbers,
        });
        for d in [regs::rax(), regs::r11(), regs::r15()] {
            for mode in [SymbolAddress::Absolute, SymbolAddress::PcRel, SymbolAddress::Got] {
                v.push(Inst::LoadExtName { dst: d, name: callee.clone(), mode });
            }
        }
        v.push(Inst::ReturnCallKnown { callee: callee.clone(), uses: vec![(regs::rdi(), regs::preg_rdi())] });
        v.push(Inst::ElfTlsGetAddr { symbol: callee.clone(), dst: regs::rax() });
    }
    for &r in &gprs {
        v.push(Inst::CallUnknown { target: RegMem::Reg(r), uses: vec![], defs: vec![], clobbers: PRegSet::empty() });
        v.push(Inst::Push64 { src: r });
        v.push(Inst::Pop64 { dst: r });
    }
    for a in some_amodes() {
        v.push(Inst::CallUnknown { target: RegMem::Mem(a), uses: vec![], defs: vec![], clobbers });
    }
    v.push(Inst::ReturnCallUnknown { target: regs::r11(), uses: vec![] });
    // Frame and allocator instructions.
    for n in [0u32, 8, 16, 120, 127, 128, 4096, 0x7fff_ffff] {
        v.push(Inst::AddRspImm(n));
        v.push(Inst::SubRspImm(n));
    }
    for (k, &r) in gprs.iter().enumerate() {
        let offset = [0u32, 8, 120, 128, 4096][k % 5];
        v.push(Inst::gen_spill(offset, r, RegClass::Int));
        v.push(Inst::gen_reload(r, offset, RegClass::Int));
        v.push(Inst::gen_spill(offset, xmm(k as u8), RegClass::Float));
        v.push(Inst::gen_reload(xmm(k as u8), offset, RegClass::Float));
        v.push(Inst::gen_move(xmm(k as u8), xmm(15 - k as u8), RegClass::Float));
        v.push(Inst::gen_move(r, other(r, 1), RegClass::Int));
        v.push(Inst::XmmSaveToSp { offset: 16 * offset, src: xmm(k as u8) });
        v.push(Inst::XmmRestoreFromSp { offset: 16 * offset, dst: xmm(15 - k as u8) });
    }
    let f = frame();
    float_cases(&mut v);
    vector_cases(&mut v);
    v.extend(Inst::gen_prologue(&f).into_iter().filter_map(FrameItem::into_inst));
    v.extend(Inst::gen_epilogue(&f).into_iter().filter_map(FrameItem::into_inst));
    // A Windows x64 frame also saves rdi, rsi and xmm registers.
    let win = layout(&FRAME, 16, 20, 3, vec![regs::rbx(), regs::rdi(), regs::rsi(), xmm(6), xmm(15)], Some(4096));
    v.extend(Inst::gen_prologue(&win).into_iter().filter_map(FrameItem::into_inst));
    v.extend(Inst::gen_epilogue(&win).into_iter().filter_map(FrameItem::into_inst));

    let mut out: Vec<(Inst, Option<MachLabel>)> = v.into_iter().map(|i| (i, None)).collect();
    // try_call: direct and indirect, with and without the jump to the normal edge.
    let try_targets = vec![MachLabel(1), MachLabel(2), MachLabel(3)];
    let try_callees = [
        (Some(ExternalName::TestCase("thrower".into())), None),
        (None, Some(RegMem::Reg(regs::r11()))),
        (None, Some(RegMem::Reg(regs::rax()))),
    ];
    for (callee, target) in try_callees {
        let inst = Inst::TryCall {
            callee,
            target,
            uses: vec![],
            defs: vec![(regs::rax(), regs::preg_rax())],
            clobbers: regs::caller_saved_set(),
            targets: try_targets.clone(),
            tags: vec![Some(7), None],
        };
        for next in [None, Some(MachLabel(1))] {
            out.push((inst.clone(), next));
        }
    }
    out.push((Inst::LandingPad { defs: vec![(regs::rax(), regs::preg_rax()), (regs::rdx(), regs::preg_rdx())] }, None));
    for cc in CC::ALL {
        for (taken, not_taken) in [(1, 2), (2, 1), (0, 3), (3, 0)] {
            let inst = Inst::JmpCond { cc, taken: MachLabel(taken), not_taken: MachLabel(not_taken) };
            for next in [None, Some(MachLabel(1))] {
                out.push((inst.clone(), next));
            }
        }
    }
    out
}

#[test]
fn every_form_matches_the_iced_decoder() {
    let mut fmt = formatter();
    let cases = cases();
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for (inst, next) in &cases {
        covered.insert(variant_name(inst));
        if let Err(e) = check(inst, *next, &mut fmt) {
            failures.push(format!("{inst:?} (next block {next:?}): {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} forms disagree with the decoder:\n{}",
        failures.len(),
        cases.len(),
        failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
    let missing: Vec<&str> = ALL_VARIANTS.iter().copied().filter(|v| !covered.contains(v)).collect();
    assert!(missing.is_empty(), "the oracle has no case for {missing:?}");
}

#[test]
fn mov_imm_uses_the_shortest_form() {
    // Byte counts of each MovImm choice, for rax: mov eax, imm32 (5), mov rax, simm32 (7),
    // movabs (10).
    let frame = frame();
    let len = |size, imm| {
        let e = emit_alone(&Inst::MovImm { size, imm, dst: regs::rax() }, None, &frame);
        e.end - e.start
    };
    assert_eq!(len(OperandSize::S64, 0xffff_ffff), 5);
    assert_eq!(len(OperandSize::S64, u64::MAX), 7);
    assert_eq!(len(OperandSize::S64, 0x1_0000_0000), 10);
    assert_eq!(len(OperandSize::S32, u64::MAX), 5);
}

/// The float, bit-counting and atomic forms.
fn float_cases(v: &mut Vec<Inst>) {
    use OperandSize::*;
    let mut w = Vec::new();
    let gprs = all_gprs();
    let ams = some_amodes();
    for (k, op) in SseOp::ALL.iter().enumerate() {
        for n in [0u8, 5, 9, 15] {
            let (d, s) = (xmm(n), xmm((n + k as u8 + 1) % 16));
            w.push(Inst::XmmRmR { op: *op, src1: d, src2: RegMem::Reg(s), dst: d });
            w.push(Inst::XmmUnary { op: *op, src: RegMem::Reg(s), dst: d });
        }
        let a = ams[k % ams.len()];
        w.push(Inst::XmmRmR { op: *op, src1: xmm(3), src2: RegMem::Mem(a), dst: xmm(3) });
        w.push(Inst::XmmUnary { op: *op, src: RegMem::Mem(a), dst: xmm(12) });
    }
    for double in [false, true] {
        for n in [0u8, 7, 8, 15] {
            let (a, b) = (xmm(n), xmm(15 - n));
            w.push(Inst::XmmRound { double, imm: 9, src: b, dst: a });
            w.push(Inst::HalfConvert { to_half: double, src: b, dst: a });
            w.push(Inst::XmmCmp { double, src1: a, src2: RegMem::Reg(b) });
            for packed in [false, true] {
                w.push(Inst::Fma { double, packed, src1: a, src2: b, src3: xmm((n + 3) % 16), dst: a });
                w.push(Inst::Fma { double, packed, src1: b, src2: xmm((n + 9) % 16), src3: a, dst: b });
            }
            w.push(Inst::XmmConst { double, bits: 0x4000_0000_3f80_0000 + n as u64, dst: a });
            for size in [S32, S64] {
                let g = gprs[(n as usize * 3 + 1) % 16];
                w.push(Inst::CvtIntToFloat { double, size, src: g, dst: a });
                w.push(Inst::CvtFloatToInt { double, size, src: a, dst: g });
            }
        }
        for (k, a) in amodes().into_iter().enumerate() {
            let trap = (k % 2 == 0).then_some(TrapCode::HeapOutOfBounds);
            w.push(Inst::XmmLoad { double, addr: a, dst: xmm(k as u8 % 16), trap });
            w.push(Inst::XmmStore { double, src: xmm(15 - k as u8 % 16), addr: a, trap });
        }
        let a = ams[1];
        w.push(Inst::XmmCmp { double, src1: xmm(10), src2: RegMem::Mem(a) });
    }
    for size in [S32, S64] {
        for (k, &g) in gprs.iter().enumerate() {
            let x = xmm((k as u8 * 5) % 16);
            w.push(Inst::GprToXmm { size, src: g, dst: x });
            w.push(Inst::XmmToGpr { size, src: x, dst: g });
            w.push(Inst::Bswap { size, src: g, dst: g });
            for op in BitOp::ALL {
                w.push(Inst::BitCount { op, size, src: other(g, 3), dst: g });
            }
            for op in BmiOp::ALL {
                w.push(Inst::Bmi { op, size, rm: other(g, 5), vvvv: other(g, 9), dst: g });
            }
            for imm in [1u8, 7, 31] {
                w.push(Inst::Rorx { size, src: other(g, 11), imm, dst: g });
            }
        }
    }
    w.push(Inst::Mfence);
    for size in [S8, S16, S32, S64] {
        for (k, a) in ams.iter().enumerate() {
            let r = gprs[(k * 5 + 6) % 16];
            for xchg in [false, true] {
                w.push(Inst::AtomicXadd { xchg, size, addr: *a, src: r, dst: r });
            }
            w.push(Inst::LockCmpxchg { size, addr: *a, expected: regs::rax(), replacement: r, dst: regs::rax() });
        }
        for (k, op) in RmwLoopOp::ALL.iter().enumerate() {
            let (addr, operand, tmp) = (gprs[(k + 1) % 16], gprs[(k * 3 + 6) % 16], gprs[8 + k % 8]);
            let addr = if addr == regs::rax() { regs::r13() } else { addr };
            for big in [false, true] {
                w.push(Inst::AtomicRmwLoop { op: *op, size, big, addr, operand, tmp, dst: regs::rax() });
            }
        }
    }
    v.extend(w);
}

/// The packed (vector) forms, legacy SSE and VEX, over low and high registers and memory
/// operands.
fn vector_cases(v: &mut Vec<Inst>) {
    use crate::isa::x64::inst::vector::{BlendvOp, MovmskOp, VecOp, VecShiftOp};
    let ams = some_amodes();
    let gprs = all_gprs();
    // Operations whose immediate is part of the form (below 0x80: iced shows immediates
    // signed, our printer unsigned; the byte is emitted as given either way).
    let with_imm = |op: VecOp| match op {
        VecOp::Cmpps | VecOp::Cmppd => Some(0x6),
        VecOp::Shufps => Some(0x1b),
        VecOp::Pshufd | VecOp::Pshuflw | VecOp::Pshufhw => Some(0x4e),
        VecOp::Roundps | VecOp::Roundpd => Some(0x9),
        _ => None,
    };
    for (k, &op) in VecOp::ALL.iter().enumerate() {
        let imm = with_imm(op);
        for vex in [false, true] {
            for n in [0u8, 3, 8, 15] {
                let (d, a, b) =
                    (xmm(n), xmm(((n as usize + k + 1) % 16) as u8), xmm(((n as usize + 7 * k + 5) % 16) as u8));
                let src1 = if vex { a } else { d };
                v.push(if op.is_unary() {
                    Inst::VecUnary { op, vex, src: RegMem::Reg(b), imm, dst: d, trap: None }
                } else {
                    Inst::VecBin { op, vex, src1, src2: RegMem::Reg(b), imm, dst: d, trap: None }
                });
            }
            let (a, b) = (RegMem::Mem(ams[k % ams.len()]), RegMem::Mem(ams[(k + 5) % ams.len()]));
            v.push(if op.is_unary() {
                Inst::VecUnary {
                    op,
                    vex,
                    src: b,
                    imm,
                    dst: xmm(12),
                    trap: (k % 2 == 0).then_some(TrapCode::HeapOutOfBounds),
                }
            } else {
                Inst::VecBin {
                    op,
                    vex,
                    src1: xmm(if vex { 2 } else { 9 }),
                    src2: a,
                    imm,
                    dst: xmm(9),
                    trap: (k % 3 == 0).then_some(TrapCode::HeapOutOfBounds),
                }
            });
        }
    }
    for op in VecShiftOp::ALL {
        for vex in [false, true] {
            for n in [0u8, 6, 9, 15] {
                let src = if vex { xmm(15 - n) } else { xmm(n) };
                v.push(Inst::VecShiftImm { op, vex, src, imm: n * 4 + 1, dst: xmm(n) });
            }
        }
    }
    for aligned in [false, true] {
        for (k, a) in amodes().into_iter().enumerate() {
            let trap = (k % 2 == 0).then_some(TrapCode::HeapOutOfBounds);
            v.push(Inst::VecLoad { aligned, addr: a, dst: xmm(k as u8 % 16), trap });
            v.push(Inst::VecStore { aligned, src: xmm(15 - k as u8 % 16), addr: a, trap });
        }
    }
    for n in [0u8, 7, 8, 15] {
        v.push(Inst::VecConst { bits: 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210 ^ n as u128, dst: xmm(n) });
        v.push(Inst::VecFill { ones: n % 2 == 0, dst: xmm(n) });
        v.push(Inst::VecFill { ones: n % 2 == 1, dst: xmm(15 - n) });
    }
    for size in SIZES {
        let lanes = 16 / size.bytes() as u8;
        for vex in [false, true] {
            for (k, &g) in gprs.iter().enumerate() {
                let d = xmm((k as u8 * 5) % 16);
                let src1 = if vex { xmm((k as u8 * 3 + 1) % 16) } else { d };
                let lane = k as u8 % lanes;
                v.push(Inst::Pinsr { size, vex, src1, src2: g, lane, dst: d });
                v.push(Inst::Pextr { size, vex, src: d, lane, dst: g });
            }
        }
    }
    for op in BlendvOp::ALL {
        for vex in [false, true] {
            for n in [1u8, 7, 8, 15] {
                let (d, a, b, m) = (xmm(n), xmm((n + 3) % 16), xmm((n + 9) % 16), xmm((n + 5) % 16));
                let (src1, mask) = if vex { (a, m) } else { (d, xmm(0)) };
                v.push(Inst::Blendv { op, vex, src1, src2: b, mask, dst: d });
            }
        }
    }
    for op in MovmskOp::ALL {
        for vex in [false, true] {
            for (k, &g) in gprs.iter().enumerate() {
                v.push(Inst::Movmsk { op, vex, src: xmm((k as u8 * 7) % 16), dst: g });
            }
        }
    }
}
