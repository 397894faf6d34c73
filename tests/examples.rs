//! End-to-end tests of the command-line tool: the committed example programs
//! (examples/*.wasm, built from their WAT and C sources by examples/build.sh) run through
//! `lathe` and print what they should, bad input gives an error, not a crash, and
//! `lathe coverage` fails on unfired rules.

use std::process::Command;

fn lathe(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the lathe binary runs");
    assert!(out.status.success(), "lathe {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn c_programs_compiled_with_wasi_libc_run() {
    // A sieve: integer code, `calloc`, `atoi` on the WASI arguments, `printf`.
    assert_eq!(lathe(&["run", "examples/primes.wasm", "100000"]), "9592 primes up to 100000\n");
    // Floating-point loops: the picture must be exactly what the same C program prints
    // when compiled natively by gcc (examples/mandelbrot.expected, made by build.sh).
    let expected = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/mandelbrot.expected"))
        .expect("the expected output is committed");
    assert_eq!(lathe(&["run", "examples/mandelbrot.wasm"]), expected);
}

#[test]
fn wat_example_runs_and_exports_can_be_invoked() {
    assert!(lathe(&["run", "examples/hello.wasm"]).starts_with("Hello from Lathe!"));
    assert!(lathe(&["run", "--opt-level", "none", "examples/hello.wasm"]).starts_with("Hello from Lathe!"));
    // Wasm programs are optimised unless asked otherwise, as with `wasmtime run`.
    assert!(lathe(&["run", "--help"]).contains("[default: speed]"));
    assert_eq!(lathe(&["run", "--invoke", "fib", "examples/hello.wasm", "30"]).trim(), "832040");
}

#[test]
fn wasm_exceptions_example_runs() {
    // Thrown through 100 frames and caught by tag with its values, rethrown whole with
    // catch_all_ref/throw_ref, passed on by a handler for another tag, thrown and caught
    // a thousand times in a loop; at both optimisation levels.
    let expected = "frames thrown through, payload: 100 42\nrethrown, caught by tag: 7\n\
                    passed on, caught outside: 3\ncaught in a loop: 1000\n";
    assert_eq!(lathe(&["run", "examples/exceptions.wat"]), expected);
    assert_eq!(lathe(&["run", "--opt-level", "none", "examples/exceptions.wat"]), expected);
}

#[test]
fn bad_input_is_an_error_with_a_location() {
    let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(["cat", "/dev/null/none.clif"])
        .output()
        .expect("the lathe binary runs");
    assert!(!out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(["run", "README.md"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the lathe binary runs");
    assert!(!out.status.success(), "a file that is not CLIF or Wasm is refused");
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
}

#[test]
fn compile_prints_the_ir_and_machine_code_of_a_wasm_module() {
    let out = lathe(&["compile", "--set", "opt_level=speed", "--print-ir", "examples/hello.wasm"]);
    // Each defined function: its IR as the front end made it, then its listing.
    assert!(out.contains("function u0:") && out.contains("block0("), "{out}");
    assert!(out.contains("bytes):") && out.contains("  ret"), "{out}");
    let listing_only = lathe(&["compile", "examples/hello.wat"]);
    assert!(listing_only.contains("bytes):") && !listing_only.contains("block0("), "{listing_only}");
}

/// `lathe coverage` on one file: built with rule counting, it lists the x86-64 lowering
/// rules per rule file and fails because most never fire there; built without, it refuses
/// and says how to turn counting on.
#[test]
fn coverage_reports_unfired_lowering_rules_and_fails() {
    let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(["coverage", "filetests/cases/compile/x64/int_alu.clif"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the lathe binary runs");
    assert!(!out.status.success(), "unfired rules (or no counting) must fail");
    if cfg!(feature = "isle-coverage") {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("filetests: 1 passed, 0 failed"), "{stdout}");
        assert!(stdout.contains("x86_64 lowering rules: "), "{stdout}");
        assert!(stdout.contains("  src/isa/x64/lower/lower.isle: "), "{stdout}");
        assert!(stdout.contains("never fired:\n      src/isa/x64/lower/lower_i128.isle:"), "{stdout}");
    } else {
        assert!(String::from_utf8_lossy(&out.stderr).contains("--features isle-coverage"));
    }
}
