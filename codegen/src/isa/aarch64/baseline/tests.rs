//! Tests of the aarch64 part of the baseline tier: the records it leaves in
//! `CompiledCode`, the fallback, which values reach their homes, and the machine code
//! itself decoded by `llvm-mc-14` (every word a valid instruction, in the order of the
//! listing). Running the code is the filetests' job (`filetests/cases/run/baseline/`,
//! under qemu).

use crate::isa::{TargetIsa, lookup_by_name};
use crate::machinst::{CompileOptions, CompiledCode};
use crate::result::CodegenError;
use crate::settings::{Flags, OptLevel};

fn isa(level: OptLevel) -> Box<dyn TargetIsa> {
    lookup_by_name("aarch64").unwrap().with_flags(Flags { opt_level: level, ..Flags::default() }).finish().unwrap()
}

fn compile(text: &str, level: OptLevel) -> (Result<CompiledCode, CodegenError>, CompileOptions) {
    let f = crate::text::parse_functions(text).unwrap().remove(0);
    let mut options = CompileOptions { want_listing: true, ..CompileOptions::default() };
    (isa(level).compile_function_with(&f, &mut options), options)
}

/// The instruction lines of a listing (block labels left out), without comments.
fn listed(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(|l| l.split(';').next().unwrap_or("").trim().to_string())
        .collect()
}

const CALLS_AND_TRAPS: &str = "function %f(i64, i64) -> i64 {
    fn0 = %g(i64) -> i64
block0(v0: i64, v1: i64):
    v2 = udiv v0, v1
    v3 = call fn0(v2)
    v4 = load.i64 v3+8
    return v4
}
";

#[test]
fn the_tier_records_what_the_pipeline_records() {
    let (code, options) = compile(CALLS_AND_TRAPS, OptLevel::Baseline);
    let code = code.unwrap();
    assert_eq!(options.baseline_fallback, None);
    assert_eq!((code.call_sites.len(), code.relocs.len()), (1, 1));
    let codes: Vec<String> = code.traps.iter().map(|t| t.code.to_string()).collect();
    assert_eq!(codes, ["int_divz", "heap_oob"]);
    assert!(!code.unwind.is_empty());
    let lines = listed(code.listing.as_deref().unwrap());
    assert_eq!(lines[..2], ["stp x29, x30, [sp, #-16]!", "mov x29, sp"], "{lines:?}");
    assert_eq!(lines[lines.len() - 2..], ["ldp x29, x30, [sp], #16", "ret"], "{lines:?}");
    let (none, _) = compile(CALLS_AND_TRAPS, OptLevel::None);
    let none = none.unwrap();
    assert_eq!(none.relocs[0].kind, code.relocs[0].kind);
    assert_eq!(none.call_sites.len(), 1);
}

#[test]
fn what_the_tier_does_not_cover_falls_back_to_none_and_says_why() {
    let text = "function %f(i128) -> i128 {\nblock0(v0: i128):\n    v1 = iadd v0, v0\n    return v1\n}\n";
    let (code, options) = compile(text, OptLevel::Baseline);
    assert_eq!(options.baseline_fallback.as_deref(), Some("baseline tier: `i128` values"));
    let (none, _) = compile(text, OptLevel::None);
    assert_eq!(code.unwrap().code, none.unwrap().code, "the fallback is the opt_level=none pipeline");
    let text = "function %f(i64) -> i64 apple_aarch64 {\nblock0(v0: i64):\n    return v0\n}\n";
    let (code, options) = compile(text, OptLevel::Baseline);
    assert!(code.is_ok());
    assert_eq!(options.baseline_fallback.as_deref(), Some("baseline tier: the `apple_aarch64` calling convention"));
}

#[test]
fn block_local_values_stay_in_registers_and_shared_ones_are_written_through() {
    // v2 and v3 are read only in their block: never stored. v4 is a branch argument and
    // v5 is read in another block: each stored once, when computed. The parameters are
    // stored on entry, the result before the return reads it.
    let text = "function %f(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = iadd v0, v1
    v3 = imul v2, v0
    v4 = isub v3, v2
    v5 = iadd_imm v1, 1
    jump block1(v4)
block1(v6: i64):
    v7 = iadd v6, v5
    return v7
}
";
    let (code, options) = compile(text, OptLevel::Baseline);
    let code = code.unwrap();
    assert_eq!(options.baseline_fallback, None);
    let lines = listed(code.listing.as_deref().unwrap());
    let stores = lines.iter().filter(|l| l.starts_with("str ")).count();
    // v0, v1 on entry; v4, v5 when computed; v6 by the jump's copy; v7 before the return.
    assert_eq!(stores, 6, "{lines:#?}");
}

#[test]
fn more_live_values_than_cache_registers_are_evicted_to_their_homes() {
    // Twenty values computed before any is read: the last four need registers that
    // hold values still read, which are stored first (and reloaded when read).
    let mut text = String::from("function %f(i64) -> i64 {\nblock0(v0: i64):\n");
    for i in 1..=20 {
        text.push_str(&format!("    v{i} = iadd_imm v0, {i}\n"));
    }
    let mut acc = 1;
    for i in 2..=20 {
        text.push_str(&format!("    v{} = iadd v{acc}, v{i}\n", 100 + i));
        acc = 100 + i;
    }
    text.push_str(&format!("    return v{acc}\n}}\n"));
    let (code, options) = compile(&text, OptLevel::Baseline);
    let code = code.unwrap();
    assert_eq!(options.baseline_fallback, None);
    let lines = listed(code.listing.as_deref().unwrap());
    // The homes both stored and loaded: the result's (before the return reads it) and
    // those of evicted values, which went to their homes and came back.
    let slots = |op: &str| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| l.strip_prefix(op))
            .filter_map(|l| l.split_once(", "))
            .map(|(_, m)| m.to_string())
            .collect()
    };
    let (stored, loaded) = (slots("str "), slots("ldr "));
    let reloaded = stored.iter().filter(|m| loaded.contains(m)).count();
    assert!(reloaded > 1, "{lines:#?}");
}

/// Functions covering the tier's instruction kinds (no `br_table`: its table is data).
const KINDS: &str = "function %f(i64, i8, f64, i32) -> f64 {
    fn0 = %g(i64, i64, i64, i64, i64, i64, i64, i64, i64, f64) -> f32
    ss0 = explicit_slot 16
block0(v0: i64, v1: i8, v2: f64, v3: i32):
    v4 = sdiv v3, v3
    v5 = urem_imm v1, 3
    v6 = rotl v1, v5
    v7 = icmp sge v1, v6
    v8 = select v7, v2, v2
    v9 = fcvt_to_sint.i32 v8
    v10 = popcnt v0
    v11 = clz v1
    stack_store v10, ss0+8
    v12 = stack_addr.i64 ss0
    v13 = load.i64 notrap v12+8
    v14 = call fn0(v0, v13, v0, v0, v0, v0, v0, v0, v13, v2)
    v15 = fpromote.f64 v14
    v16 = fcmp one v15, v2
    trapz v16, user7
    v17 = fma v15, v2, v8
    v18 = fcopysign v17, v2
    v19 = fcvt_from_uint.f64 v11
    v20 = fmax v18, v19
    brif v9, block1, block2(v20)
block1:
    v21 = f64const 0x1.8p1
    jump block2(v21)
block2(v22: f64):
    v23 = sqrt v22
    return v23
}
";

#[test]
fn the_code_decodes_instruction_by_instruction_as_listed() {
    let (code, options) = compile(KINDS, OptLevel::Baseline);
    let code = code.unwrap();
    assert_eq!(options.baseline_fallback, None);
    let words: Vec<&[u8]> = code.code.chunks(4).collect();
    let decoded = crate::isa::llvm_mc::disassemble(
        "aarch64",
        &["-triple=aarch64", "-mattr=+lse,+pauth,+fp-armv8,+neon"],
        "//",
        &words,
    );
    let lines = listed(code.listing.as_deref().unwrap());
    assert_eq!(decoded.len(), lines.len(), "one listed line per word: {lines:#?}");
    for (k, (d, l)) in decoded.iter().zip(&lines).enumerate() {
        let d = d.as_deref().unwrap_or_else(|| panic!("word {k} ({l}) is not a valid instruction"));
        let mnemonic = |s: &str| s.split_whitespace().next().unwrap_or("").to_string();
        assert_eq!(mnemonic(d), mnemonic(l), "word {k}: llvm-mc `{d}`, listed `{l}`");
    }
}
