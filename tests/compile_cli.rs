//! `lathe compile` end to end: `--print-after` shows the function after each pass of the
//! pipeline; the file's `set` and `target` lines, `--target` and `--set` make the target
//! through one path; a bad pass name, target or setting is an error that says why.

use std::path::PathBuf;
use std::process::{Command, Output};

const CLIF: &str = "function %f(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = iconst.i64 0
    v3 = iadd v0, v2
    v4 = popcnt v3
    v5 = imul v4, v1
    return v5
}
";

/// The test function in a file of its own (one per test, so tests can run in parallel).
fn clif_file(name: &str) -> PathBuf {
    clif_file_with(name, "")
}

/// The test function after header lines.
fn clif_file_with(name: &str, header: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("compile_cli_{name}.clif"));
    std::fs::write(&path, format!("{header}{CLIF}")).expect("the temporary directory is writable");
    path
}

fn lathe(args: &[&str], file: &PathBuf) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lathe")).args(args).arg(file).output().expect("the lathe binary runs")
}

fn stdout_of(args: &[&str], file: &PathBuf) -> String {
    let out = lathe(args, file);
    assert!(out.status.success(), "lathe {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr_of_failure(args: &[&str], file: &PathBuf) -> String {
    let out = lathe(args, file);
    assert!(!out.status.success(), "lathe {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn print_after_each_pass() {
    let file = clif_file("passes");
    let after = |pass: &str| stdout_of(&["compile", "--set", "opt_level=speed", "--print-after", pass], &file);

    // The IR passes print CLIF: after the mid-end, `x + 0` is gone.
    let mid_end = after("mid-end");
    assert!(mid_end.starts_with("; function %f after mid-end:\nfunction %f(i64, i64) -> i64"), "{mid_end}");
    assert!(mid_end.contains("popcnt") && !mid_end.contains("iadd"), "{mid_end}");
    // Without `has_popcnt`, legalization keeps `popcnt` (it is expanded in lowering);
    // the text is CLIF again.
    let legalize = after("legalize");
    assert!(legalize.starts_with("; function %f after legalize:\nfunction %f"), "{legalize}");
    assert!(legalize.contains("block0(v0: i64, v1: i64):"), "{legalize}");

    // Lowering: machine instructions over virtual registers.
    let lower = after("lower");
    assert!(lower.starts_with("; function %f after lower:\nblock0:"), "{lower}");
    assert!(lower.contains("imul %v"), "{lower}");
    // Register allocation: the same instructions on machine registers, no prologue yet.
    let regalloc = after("regalloc");
    assert!(regalloc.contains("imul r") && !regalloc.contains("%v"), "{regalloc}");
    assert!(!regalloc.contains("push rbp"), "{regalloc}");
    // Emission: the final listing, with the frame.
    let emit = after("emit");
    assert!(emit.contains("push rbp") && emit.contains("imul r") && emit.contains("ret"), "{emit}");

    // At opt_level=none the mid-end does not run: its output is the input.
    let unoptimized = stdout_of(&["compile", "--print-after", "mid-end"], &file);
    assert!(unoptimized.contains("iadd v0, v2"), "{unoptimized}");
}

#[test]
fn an_unknown_pass_lists_the_valid_ones() {
    let file = clif_file("unknown_pass");
    let err = stderr_of_failure(&["compile", "--print-after", "isel"], &file);
    assert!(err.contains("unknown pass `isel`"), "{err}");
    assert!(err.contains("mid-end, legalize, lower, regalloc, emit"), "{err}");
}

#[test]
fn target_and_settings_from_the_command_line() {
    let file = clif_file("target");
    let baseline = stdout_of(&["compile", "--target", "x86_64-unknown-linux-gnu"], &file);
    assert!(!baseline.contains("popcnt"), "{baseline}");
    let with_flag = stdout_of(&["compile", "--target", "x86_64-unknown-linux-gnu has_popcnt"], &file);
    assert!(with_flag.contains("popcnt"), "{with_flag}");
    let by_set = stdout_of(&["compile", "--target", "x86_64", "--set", "has_popcnt"], &file);
    assert!(by_set.contains("popcnt"), "{by_set}");

    let err = stderr_of_failure(&["compile", "--target", "i686-unknown-linux-gnu"], &file);
    assert!(err.contains("--target i686-unknown-linux-gnu: Lathe does not target `i686`"), "{err}");
    let z = stdout_of(&["compile", "--target", "s390x-unknown-linux-gnu"], &file);
    assert!(z.contains("popcnt %r"), "{z}");
    let rv = stdout_of(&["compile", "--target", "riscv64gc-unknown-linux-gnu"], &file);
    assert!(rv.contains("sd ra, 8(sp)"), "{rv}");
    let a64 = stdout_of(&["compile", "--target", "aarch64-unknown-linux-gnu"], &file);
    assert!(a64.contains("stp x29, x30, [sp, #-16]!"), "{a64}");
    let err = stderr_of_failure(&["compile", "--set", "preserve_frame_pointers=false"], &file);
    assert!(
        err.contains("`preserve_frame_pointers=false` is not supported: Lathe always keeps frame pointers"),
        "{err}"
    );
    let err = stderr_of_failure(&["compile", "--set", "has_neon"], &file);
    assert!(err.contains("unknown setting `has_neon`"), "{err}");
}

#[test]
fn the_files_own_set_and_target_lines_apply() {
    let file = clif_file_with("headers", "test compile\nset opt_level=speed\ntarget x86_64 has_popcnt\n\n");
    let listing = stdout_of(&["compile"], &file);
    assert!(listing.contains("popcnt"), "the target line's ISA flag: {listing}");
    let mid_end = stdout_of(&["compile", "--print-after", "mid-end"], &file);
    assert!(!mid_end.contains("iadd"), "the set line's opt_level: {mid_end}");
    // --target replaces the file's target; --set comes after the file's set lines.
    let baseline = stdout_of(&["compile", "--target", "x86_64"], &file);
    assert!(!baseline.contains("popcnt"), "{baseline}");
    let unoptimized = stdout_of(&["compile", "--set", "opt_level=none", "--print-after", "mid-end"], &file);
    assert!(unoptimized.contains("iadd"), "{unoptimized}");

    let refused = clif_file_with("refused", "set use_egraphs=true\n");
    let err = stderr_of_failure(&["compile"], &refused);
    assert!(err.contains("compile_cli_refused.clif:1: setting `use_egraphs=true` is not supported"), "{err}");
    let two = clif_file_with("two_targets", "target x86_64\ntarget x86_64 has_popcnt\n");
    let err = stderr_of_failure(&["compile"], &two);
    assert!(err.contains("the file names 2 targets; choose one with --target"), "{err}");
    stdout_of(&["compile", "--target", "x86_64"], &two);
}

/// `-o` writes an object that `cc` links with a C `main`; `-g` adds DWARF that
/// `llvm-dwarfdump-14 --verify` accepts, naming the input file; Wasm input and `u0:N`
/// names are refused with a reason.
#[test]
fn output_writes_a_linkable_object() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compile_cli_object");
    std::fs::create_dir_all(&dir).unwrap();
    let clif = dir.join("calls.clif");
    std::fs::write(
        &clif,
        "function %twice_plus(i64) -> i64 {
    fn0 = %plus_one(i64) -> i64
block0(v0: i64):
@0002 v1 = ishl_imm v0, 1
@0003 v2 = call fn0(v1)
@0004 return v2
}
",
    )
    .unwrap();
    let object = dir.join("calls.o");
    let o = object.to_str().unwrap();
    assert_eq!(stdout_of(&["compile", "--target", "x86_64", "-g", "-o", o], &clif), "");
    let main_c = dir.join("main.c");
    std::fs::write(
        &main_c,
        "#include <stdio.h>\nlong twice_plus(long);\nlong plus_one(long x) { return x + 1; }\n\
         int main(void) { printf(\"%ld\\n\", twice_plus(20)); return 0; }\n",
    )
    .unwrap();
    let exe = dir.join("calls");
    let cc = Command::new("cc").arg(&main_c).arg(&object).arg("-o").arg(&exe).output().expect("cc runs");
    assert!(cc.status.success(), "{}", String::from_utf8_lossy(&cc.stderr));
    let run = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "41\n");
    let verify =
        Command::new("llvm-dwarfdump-14").arg("--verify").arg(&object).output().expect("llvm-dwarfdump-14 runs");
    assert!(String::from_utf8_lossy(&verify.stdout).contains("No errors."));
    let info = Command::new("llvm-dwarfdump-14").arg("--debug-info").arg(&object).output().unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("calls.clif"));

    let wat = dir.join("m.wat");
    std::fs::write(&wat, "(module)").unwrap();
    assert!(stderr_of_failure(&["compile", "-o", o], &wat).contains("objects from CLIF files"));
    let user = dir.join("user.clif");
    std::fs::write(&user, "function u0:1() {\nblock0:\n    return\n}\n").unwrap();
    assert!(stderr_of_failure(&["compile", "--target", "x86_64", "-o", o], &user).contains("has no symbol name"));
}
