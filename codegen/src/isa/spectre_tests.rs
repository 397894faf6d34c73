//! `select_spectre_guard` is never a branch, on any ISA (docs/security.md).
//!
//! Every lowering rule of `select_spectre_guard` is reached: functions selecting between
//! two values of every scalar type (and vectors on x86-64, the one ISA that passes them
//! in signatures), on conditions of every form the rules fold (a plain integer of each
//! width, `icmp`, `icmp_imm`, each `fcmp` condition), for each ISA with and without the
//! flags that change the rules (riscv64 `has_zicond`, s390x `has_mie3`). Each compiled
//! function is decoded by a decoder that is not ours (iced-x86, llvm-mc-14) and must
//! contain no branch, jump or call except its one return. A control function with a
//! `brif` checks that the decoding does see branches on each ISA, so the assertion can
//! fail.

use super::TargetIsa;
use crate::text::parse_functions;

/// The ISAs with the flags to compile for (each one's lowering of the guard differs).
const TARGETS: &[(&str, &[&str])] = &[
    ("x86_64", &[]),
    ("aarch64", &[]),
    ("riscv64", &[]),
    ("riscv64", &["has_zicond"]),
    ("s390x", &[]),
    ("s390x", &["has_mie3"]),
];

fn isa(arch: &str, flags: &[&str]) -> Box<dyn TargetIsa> {
    let mut b = super::lookup_by_name(arch).expect("a backend");
    for f in flags {
        b.enable(f).expect("a flag of the ISA");
    }
    b.finish().expect("valid settings")
}

/// The CLIF of each guard function: `select_spectre_guard` of `ty` on each condition form.
fn guard_functions(vectors: bool) -> String {
    let mut types = vec!["i8", "i16", "i32", "i64", "i128", "f32", "f64"];
    if vectors {
        types.extend(["i8x16", "f32x4", "f64x2"]);
    }
    let mut out = String::new();
    for (k, ty) in types.iter().enumerate() {
        for c in ["i8", "i32", "i64", "i128"] {
            out += &format!(
                "function %plain_{k}_{c}({c}, {ty}, {ty}) -> {ty} {{\nblock0(v0: {c}, v1: {ty}, v2: {ty}):\n    \
                 v3 = select_spectre_guard v0, v1, v2\n    return v3\n}}\n"
            );
        }
        out += &format!(
            "function %icmp_{k}(i64, i64, {ty}, {ty}) -> {ty} {{\nblock0(v0: i64, v1: i64, v2: {ty}, v3: {ty}):\n    \
             v4 = icmp ugt v0, v1\n    v5 = select_spectre_guard v4, v2, v3\n    return v5\n}}\n"
        );
        out += &format!(
            "function %icmp_imm_{k}(i32, {ty}, {ty}) -> {ty} {{\nblock0(v0: i32, v1: {ty}, v2: {ty}):\n    \
             v3 = icmp_imm slt v0, 100\n    v4 = select_spectre_guard v3, v1, v2\n    return v4\n}}\n"
        );
        for cc in ["eq", "ne", "lt", "ge", "uno", "ord", "ueq", "one", "ugt"] {
            out += &format!(
                "function %fcmp_{k}_{cc}(f64, f64, {ty}, {ty}) -> {ty} {{\nblock0(v0: f64, v1: f64, v2: {ty}, v3: {ty}):\n    \
                 v4 = fcmp {cc} v0, v1\n    v5 = select_spectre_guard v4, v2, v3\n    return v5\n}}\n"
            );
        }
    }
    out
}

/// What one decoded instruction does to control flow.
#[derive(Debug, PartialEq)]
enum Flow {
    Next,
    Return,
    /// A branch, jump or call, with its text.
    Branch(String),
}

/// Decodes `code` for `arch` and classifies each instruction.
fn decode(arch: &str, code: &[u8]) -> Vec<Flow> {
    if arch == "x86_64" {
        use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};
        let mut decoder = Decoder::new(64, code, DecoderOptions::NONE);
        let mut fmt = IntelFormatter::new();
        let mut out = Vec::new();
        while decoder.can_decode() {
            let mut text = String::new();
            fmt.format(&decoder.decode(), &mut text);
            out.push(classify(arch, &text));
        }
        return out;
    }
    // Fixed 4-byte words (riscv64 is compiled without `has_c`); s390x lengths from the
    // first byte's top two bits.
    let mut insts: Vec<&[u8]> = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let len = if arch == "s390x" { [2, 4, 4, 6][(code[at] >> 6) as usize] } else { 4 };
        insts.push(&code[at..at + len]);
        at += len;
    }
    let (args, comment): (&[&str], &str) = match arch {
        "aarch64" => (&["-triple=aarch64", "-mattr=+lse,+pauth,+fp-armv8,+neon"], "//"),
        "riscv64" => (&["-triple=riscv64", "-mattr=+m,+a,+f,+d,+zba,+zbb,+zbs"], "#"),
        _ => (&["-triple=s390x", "-mcpu=z15"], "#"),
    };
    let lines = super::llvm_mc::disassemble(arch, args, comment, &insts);
    lines
        .into_iter()
        .zip(&insts)
        .map(|(line, bytes)| match line {
            Some(line) => classify(arch, &line),
            None if arch == "riscv64" && is_czero(bytes) => Flow::Next,
            None => panic!("{arch}: llvm-mc cannot decode {bytes:02x?}"),
        })
        .collect()
}

/// Whether a riscv64 word is Zicond's `czero.eqz` or `czero.nez`, which llvm-mc-14
/// predates: major opcode OP (0x33), funct7 0b0000111, funct3 0b101 or 0b111 (the
/// ratified Zicond specification).
fn is_czero(bytes: &[u8]) -> bool {
    let w = u32::from_le_bytes(bytes.try_into().expect("a 4-byte word"));
    w & 0x7f == 0x33 && w >> 25 == 0b000_0111 && matches!((w >> 12) & 7, 0b101 | 0b111)
}

/// A disassembled line of `arch` (iced-x86's Intel syntax, llvm-mc's for the others) as
/// control flow, by its mnemonic.
fn classify(arch: &str, line: &str) -> Flow {
    let mnemonic = line.split_whitespace().next().unwrap_or("");
    let branch = match arch {
        "x86_64" if mnemonic == "ret" => return Flow::Return,
        // Jumps are `jmp` and `j<cond>` (`jrcxz` too); then calls and `loop<cond>`.
        "x86_64" => mnemonic.starts_with('j') || mnemonic == "call" || mnemonic.starts_with("loop"),
        "aarch64" if mnemonic == "ret" => return Flow::Return,
        "aarch64" => {
            mnemonic.starts_with("b.")
                || ["b", "bl", "br", "blr", "cbz", "cbnz", "tbz", "tbnz", "braa", "blraa"].contains(&mnemonic)
        }
        "riscv64" if mnemonic == "ret" => return Flow::Return,
        // Branches are `b<cond>` (and their aliases) and jumps `j`, `jal`, `jr`, `jalr`;
        // the Zbb/Zbs instructions that also start with `b` are listed apart.
        "riscv64" => {
            (mnemonic.starts_with('b')
                && !["bclr", "bclri", "bext", "bexti", "binv", "binvi", "bset", "bseti", "brev8"].contains(&mnemonic))
                || mnemonic.starts_with('j')
        }
        "s390x" if line == "br %r14" => return Flow::Return,
        // Every s390x mnemonic starting with `b` or `j` branches; so do the relative
        // compare-and-branch forms (`cgrj`, `clij`, ... with a condition suffix).
        _ => {
            mnemonic.starts_with('b')
                || mnemonic.starts_with('j')
                || (mnemonic.starts_with('c') && mnemonic.contains('j'))
        }
    };
    if branch { Flow::Branch(line.to_string()) } else { Flow::Next }
}

/// The branches (other than the one return) in each function of `clif` compiled for
/// `isa`, with the function's name.
fn branches(arch: &str, isa: &dyn TargetIsa, clif: &str) -> Vec<(String, Vec<Flow>)> {
    let mut out = Vec::new();
    for f in parse_functions(clif).expect("valid CLIF") {
        let code = isa.compile_function(&f, false).unwrap_or_else(|e| panic!("{arch} compiles {}: {e}", f.name));
        let flow = decode(arch, &code.code);
        let returns = flow.iter().filter(|x| **x == Flow::Return).count();
        assert_eq!(returns, 1, "{arch}: {} has one return: {flow:?}", f.name);
        let bad: Vec<Flow> = flow.into_iter().filter(|x| matches!(x, Flow::Branch(_))).collect();
        out.push((f.name.to_string(), bad));
    }
    out
}

#[test]
fn select_spectre_guard_is_never_a_branch() {
    let mut failures = Vec::new();
    let mut compiled = 0;
    for &(arch, flags) in TARGETS {
        let isa = isa(arch, flags);
        for (name, bad) in branches(arch, &*isa, &guard_functions(arch == "x86_64")) {
            compiled += 1;
            if !bad.is_empty() {
                failures.push(format!("{arch} {flags:?} {name}: {bad:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "select_spectre_guard lowered with a branch:\n{}", failures.join("\n"));
    // 4 plain conditions, icmp, icmp_imm, 9 fcmps for 7 scalar types on 6 targets, and 3
    // vector types on x86-64.
    assert_eq!(compiled, 15 * 7 * TARGETS.len() + 15 * 3);
}

#[test]
fn the_decoders_do_see_branches() {
    let clif = "function %f(i32, i64, i64) -> i64 {\nblock0(v0: i32, v1: i64, v2: i64):\n    \
                brif v0, block1, block2\nblock1:\n    return v1\nblock2:\n    v3 = iadd v1, v2\n    return v3\n}\n";
    for &(arch, flags) in TARGETS {
        let isa = isa(arch, flags);
        let code = isa.compile_function(&parse_functions(clif).expect("valid CLIF")[0], false).expect("compiles");
        let flow = decode(arch, &code.code);
        assert!(flow.iter().any(|x| matches!(x, Flow::Branch(_))), "{arch}: the brif is seen: {flow:?}");
    }
}
