//! The reader against real DWARF: a C program built with `clang --target=wasm32-wasi -g`.
//!
//! Needs Debian's `clang lld wasi-libc libclang-rt-14-dev-wasm32` (`.ci/run` installs
//! them); without them the test fails and says so.

use super::WasmDebugInfo;
use std::path::{Path, PathBuf};
use std::process::Command;

const SOURCE: &str = r#"#include <stdio.h>

static int __attribute__((noinline)) square(int x) {
    int y = x * x; /* MARK_SQUARE */
    return y;
}

int __attribute__((noinline)) sum_squares(int n) {
    int total = 0;
    for (int i = 0; i < n; i++) {
        total += square(i); /* MARK_LOOP */
    }
    return total;
}

int main(void) {
    printf("%d\n", sum_squares(4));
    return 0;
}
"#;

/// The 1-based line of `marker` in [`SOURCE`].
fn line_of(marker: &str) -> u32 {
    let index = SOURCE.lines().position(|l| l.contains(marker)).expect("marker in the C source");
    index as u32 + 1
}

/// A fresh directory for this test's files.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lathe-wasm-debug-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("creating a temp dir");
    dir
}

/// Compiles [`SOURCE`] in `dir` with the DWARF version flag `dwarf`, returning the C
/// file's path and the module bytes.
fn build(dir: &Path, dwarf: &str) -> (PathBuf, Vec<u8>) {
    let c = dir.join("prog.c");
    let wasm = dir.join("prog.wasm");
    std::fs::write(&c, SOURCE).expect("writing the C source");
    const INSTALL: &str = "apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32";
    let out = Command::new("clang")
        .args(["--target=wasm32-wasi", "-g", dwarf, "-O0", "-o"])
        .arg(&wasm)
        .arg(&c)
        .output()
        .unwrap_or_else(|e| panic!("running clang: {e}; this test needs `{INSTALL}`"));
    assert!(
        out.status.success(),
        "clang --target=wasm32-wasi failed (this test needs `{INSTALL}`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (c, std::fs::read(&wasm).expect("reading the module"))
}

/// The module offset of every instruction of every defined function, as translation
/// stamps them (`SourceLoc` from `original_position`), and the functions' body ranges.
fn instruction_offsets(bytes: &[u8]) -> (Vec<u32>, Vec<std::ops::Range<u32>>) {
    let module = crate::module::parse(bytes).expect("a valid module");
    let bodies = module.bodies.iter().map(|r| r.start as u32..r.end as u32).collect();
    let mut out = Vec::new();
    for range in &module.bodies {
        let body =
            wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(&bytes[range.clone()], range.start as u64));
        let mut ops = body.get_operators_reader().expect("operators");
        while !ops.eof() {
            out.push(ops.original_position() as u32);
            ops.read().expect("an operator");
        }
    }
    (out, bodies)
}

#[test]
fn debug_clang_dwarf4_module_maps_to_c_lines_and_functions() {
    check_clang_module("-gdwarf-4");
}

/// DWARF 5 names strings and files differently (`.debug_line_str`, `.debug_str_offsets`,
/// directory 0 spelled out); the mapping is the same.
#[test]
fn debug_clang_dwarf5_module_maps_to_c_lines_and_functions() {
    check_clang_module("-gdwarf-5");
}

fn check_clang_module(dwarf: &str) {
    let dir = temp_dir(dwarf.trim_start_matches('-'));
    let (c_path, bytes) = build(&dir, dwarf);
    let info = WasmDebugInfo::parse(&bytes).expect("readable DWARF").expect("clang -g gives DWARF");
    assert!(info.skipped().is_empty(), "skipped units: {:?}", info.skipped());
    let module = crate::module::parse(&bytes).expect("a valid module");
    assert_eq!(module.code_section_start, info.code_section_start() as usize);
    let c_name = c_path.to_str().unwrap();
    assert!(info.files().iter().any(|f| f == c_name), "{c_name} not among {:?}", info.files());

    // The functions are found by name, at the C file and line that declares them.
    let (offsets, bodies) = instruction_offsets(&bytes);
    for (name, marker) in [("square", "square(int x)"), ("sum_squares", "sum_squares(int n)"), ("main", "main(void)")] {
        let f = info.functions().iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no function {name}"));
        // The address convention: a subprogram's range is exactly its body's bytes.
        assert!(bodies.contains(&f.range), "{name}'s range {:?} is no function body", f.range);
        // And each line row of it starts on an instruction (or at the body's start, where
        // the locals are declared, for the function's opening line).
        for span in info.lines().iter().filter(|s| f.range.contains(&s.start)) {
            assert!(
                span.start == f.range.start || offsets.contains(&span.start),
                "{name}: a line row at {:#x} is inside an instruction",
                span.start
            );
        }
        assert_eq!(f.decl_file.map(|id| info.file_name(id)), Some(c_name), "{name}'s file");
        assert_eq!(f.decl_line, line_of(marker), "{name}'s line");
        // Every instruction inside it is attributed to it.
        let inside: Vec<u32> = offsets.iter().copied().filter(|o| f.range.contains(o)).collect();
        assert!(!inside.is_empty(), "no instruction lies in {name}'s range {:?}", f.range);
        for o in inside {
            assert_eq!(info.function_at(o).map(|g| g.name.as_str()), Some(name), "function at {o:#x}");
        }
    }

    // Each marker line is where some instruction maps to, in the C file, inside the
    // function it is written in.
    for (marker, func) in [("MARK_SQUARE", "square"), ("MARK_LOOP", "sum_squares")] {
        let line = line_of(marker);
        let hits: Vec<u32> = offsets
            .iter()
            .copied()
            .filter(|&o| info.lookup(o).is_some_and(|l| l.line == line && info.file_name(l.file) == c_name))
            .collect();
        assert!(!hits.is_empty(), "no instruction maps to {c_name}:{line} ({marker})");
        for o in hits {
            assert_eq!(info.function_at(o).map(|f| f.name.as_str()), Some(func), "{marker} at {o:#x}");
        }
    }

    // The lines of a function's instructions stay within the C function's text.
    let square = info.functions().iter().find(|f| f.name == "square").unwrap();
    for o in offsets.iter().copied().filter(|o| square.range.contains(o)) {
        let l = info.lookup(o).expect("square's instructions all have lines");
        assert!(
            (line_of("square(int x)")..=line_of("square(int x)") + 3).contains(&l.line),
            "line {} at {o:#x}",
            l.line
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
