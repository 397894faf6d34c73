//! The one llvm-mc call the encoding oracles of the aarch64, riscv64 and s390x backends
//! share (test builds only): bytes in, one normalized line of disassembly out per
//! instruction.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

/// Where llvm-mc-14 is: `$LLVM_MC` if set, else `llvm-mc-14` on the path.
pub(crate) fn llvm_mc() -> String {
    std::env::var("LLVM_MC").unwrap_or_else(|_| "llvm-mc-14".into())
}

/// Disassembles each instruction's bytes with one `llvm-mc --disassemble` call with
/// `args` (the triple and features): one line per instruction with the comment after
/// `comment` removed and whitespace collapsed, `None` where llvm finds no valid
/// instruction. `isa` names the oracle in the message when llvm-mc is missing.
pub(crate) fn disassemble(isa: &str, args: &[&str], comment: &str, insts: &[&[u8]]) -> Vec<Option<String>> {
    let mut input = String::new();
    for bytes in insts {
        let hex: Vec<String> = bytes.iter().map(|b| format!("0x{b:02x}")).collect();
        input.push_str(&hex.join(" "));
        input.push('\n');
    }
    let child = Command::new(llvm_mc())
        .arg("--disassemble")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!(
            "cannot run `{}` ({e}): the {isa} encoding oracle needs llvm-mc-14; install Debian's `llvm-14` package \
             (`apt-get install llvm-14`; .ci/run does this) or point LLVM_MC at an llvm-mc of version 14",
            llvm_mc()
        ),
    };
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("llvm-mc runs to the end");
    writer.join().expect("the writer thread").expect("llvm-mc reads its input");
    assert!(output.status.success(), "llvm-mc failed: {}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let invalid: BTreeSet<usize> = stderr
        .lines()
        .filter(|l| l.contains("invalid instruction encoding"))
        .filter_map(|l| l.strip_prefix("<stdin>:")?.split(':').next()?.parse::<usize>().ok())
        .map(|line| line - 1)
        .collect();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout
        .lines()
        .map(|l| l.split(comment).next().unwrap_or(""))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && !l.starts_with('.'));
    let out: Vec<Option<String>> =
        (0..insts.len()).map(|i| if invalid.contains(&i) { None } else { lines.next() }).collect();
    assert!(lines.next().is_none(), "llvm-mc printed more lines than instructions given");
    out
}
