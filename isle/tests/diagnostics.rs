//! Golden diagnostics: each `tests/diagnostics/NAME.isle` must fail to compile with exactly
//! the rendered text in `NAME.stderr` (message, location and caret excerpt).
//!
//! Refresh the expectations after an intended change with
//! `ISLE_BLESS=1 cargo test -p lathe-isle --test diagnostics`, then review the diff.

use std::path::PathBuf;

#[test]
fn diagnostics_match_their_golden_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/diagnostics exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "isle"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 10, "expected the diagnostic cases to be present");
    let bless = std::env::var_os("ISLE_BLESS").is_some();
    let mut failures = Vec::new();
    for input in &inputs {
        let name = input.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        let text = std::fs::read_to_string(input).expect("readable");
        let rendered = match lathe_isle::compile_sources(&[(name.clone(), text)], &Default::default()) {
            Ok(_) => "<compiled without errors>\n".to_string(),
            Err(e) => e.render(),
        };
        let expected_path = input.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &rendered).expect("write golden file");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != rendered {
            failures.push(format!("--- {name}: expected\n{expected}--- got\n{rendered}"));
        }
    }
    assert!(failures.is_empty(), "golden mismatches (ISLE_BLESS=1 to update):\n{}", failures.join("\n"));
}
