//! The text form of `lathe explain`: for each function, its stages one after another.
//!
//! Input: the explained functions. Output: plain text, deterministic. Every VCode
//! instruction is numbered (`[N]`) once and keeps that number in the allocation and in
//! the machine code, and each is followed by where it came from: the IR instruction (with
//! its source location when it has one, a Wasm offset) and the ISLE rule that emitted it.

use super::{Explained, hex, rule_label};
use lathe_codegen::ir::{Function, Inst};
use lathe_codegen::machinst::explain::{EmitOrigin, MachineLine, RegallocKind, VInst};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Column where the notes after an instruction start.
const TEXT_WIDTH: usize = 36;

/// All functions, for target `arch`.
pub fn render(arch: &str, explained: &[Explained]) -> String {
    let mut out = String::new();
    for (k, e) in explained.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        render_one(&mut out, arch, e);
    }
    out
}

/// Where a VCode instruction came from, in words: `inst3 v2 = iadd v0, v1 @0012 | rule
/// name (file:line)`.
pub fn origin_note(
    func: Option<&Function>,
    inst: &VInst,
    rules: &[lathe_codegen::machinst::explain::RuleEntry],
) -> String {
    let mut s = String::new();
    match (inst.ir_inst, func) {
        (Some(i), Some(f)) => {
            let _ = write!(s, "{i} {}", ir_text(f, i));
        }
        _ => s.push_str("(lowering driver)"),
    }
    if !inst.srcloc.is_default() {
        let _ = write!(s, " {}", inst.srcloc);
    }
    match inst.rule.and_then(|r| rules.get(r as usize)) {
        Some(rule) => {
            let _ = write!(s, " | rule {}", rule_label(rule));
        }
        None => s.push_str(" | no rule"),
    }
    s
}

/// The IR instruction as CLIF, without its source location.
pub fn ir_text(f: &Function, inst: Inst) -> String {
    lathe_codegen::text::display_inst(f, inst).to_string()
}

fn pad(s: &str, width: usize) -> String {
    format!("{s:<width$}")
}

/// An instruction `[index] text` with `note` after its first line; further lines of a
/// multi-line text are indented under the first.
fn inst_line(out: &mut String, index: u32, text: &str, note: &str) {
    let head = format!("[{index}] ");
    let mut lines = text.lines();
    let first = format!("{head}{}", lines.next().unwrap_or(""));
    if note.is_empty() {
        let _ = writeln!(out, "  {first}");
    } else {
        let _ = writeln!(out, "  {} ; {note}", pad(&first, TEXT_WIDTH));
    }
    for more in lines {
        let _ = writeln!(out, "  {}{more}", pad("", head.len()));
    }
}

fn render_one(out: &mut String, arch: &str, e: &Explained) {
    let ex = &e.stages;
    let _ = writeln!(out, "==== {} ({arch}) ====", e.title);
    for stage in &ex.ir {
        let _ = writeln!(out, "== {} ==", stage.pass);
        let _ = write!(out, "{}", stage.func);
    }
    // The IR that was lowered: the last IR stage.
    let lowered = ex.ir.last().map(|s| &s.func);
    let mut vinsts: HashMap<u32, &VInst> = HashMap::new();
    if let Some(vcode) = &ex.vcode {
        let _ = writeln!(out, "== lower: VCode over virtual registers ==");
        for b in &vcode.blocks {
            let params: Vec<String> = b.params.iter().map(|r| format!("{r:?}")).collect();
            if params.is_empty() {
                let _ = writeln!(out, "{}:", b.name);
            } else {
                let _ = writeln!(out, "{}({}):", b.name, params.join(", "));
            }
            for i in &b.insts {
                vinsts.insert(i.index, i);
                inst_line(out, i.index, &i.text, &origin_note(lowered, i, ex.rules));
            }
        }
        let values: Vec<String> = vcode
            .value_regs
            .iter()
            .map(|(v, regs)| {
                let regs: Vec<String> = regs.iter().map(|r| format!("{r:?}")).collect();
                format!("{v}={}", regs.join("+"))
            })
            .collect();
        let _ = writeln!(out, "values: {}", values.join(" "));
    }
    if let Some(ra) = &ex.regalloc {
        let _ = writeln!(out, "== regalloc: allocation ({} spill slots) ==", ra.spill_slots);
        for b in &ra.blocks {
            let _ = writeln!(out, "{}:", b.name);
            for line in &b.lines {
                match line.kind {
                    RegallocKind::Inst(index) => {
                        let allocs: Vec<String> = line.allocs.iter().map(|(r, loc)| format!("{r:?}={loc}")).collect();
                        inst_line(out, index, &line.text, &allocs.join(" "));
                    }
                    kind => {
                        let what = match kind {
                            RegallocKind::Spill => "spill",
                            RegallocKind::Reload => "reload",
                            _ => "move",
                        };
                        let _ = writeln!(out, "  {what}: {}", line.text);
                    }
                }
            }
        }
        let _ = writeln!(out, "locations:");
        for (r, locs) in &ra.locations {
            let _ = writeln!(out, "  {r:?}: {}", locs.join(", "));
        }
    }
    if let Some(m) = &ex.machine {
        let _ = writeln!(out, "== emit: machine code ({} bytes) ==", m.size);
        for line in &m.lines {
            match line {
                MachineLine::Label(name) => {
                    let _ = writeln!(out, "{name}:");
                }
                MachineLine::Inst { offset, bytes, text, origin } => {
                    let note = match origin {
                        EmitOrigin::VInst(i) => match vinsts.get(i) {
                            Some(v) => format!("[{i}] {}", origin_note(lowered, v, ex.rules)),
                            None => format!("[{i}]"),
                        },
                        EmitOrigin::Edit => "regalloc edit".to_string(),
                        EmitOrigin::Frame => "prologue/epilogue".to_string(),
                        EmitOrigin::Island => "island".to_string(),
                    };
                    let mut lines = text.lines();
                    let first = lines.next().unwrap_or(if bytes.is_empty() { "(no code)" } else { "" });
                    let _ = writeln!(out, "  {offset:04x}  {}  {} ; {note}", pad(&hex(bytes), 20), pad(first, 28));
                    for more in lines {
                        let _ = writeln!(out, "  {}  {}", pad("", 24), more);
                    }
                }
            }
        }
    }
    if let Some(err) = &e.error {
        let _ = writeln!(out, "== failed: {err} ==");
    }
}
