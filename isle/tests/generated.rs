//! The checked-in generated code under `tests/generated/` (used by `tests/e2e.rs`) must be
//! exactly what the compiler produces now from `tests/isle_examples/toy.isle`; this also
//! checks that compilation is deterministic. Refresh with `ISLE_BLESS=1`.

use std::path::PathBuf;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate(coverage: bool) -> String {
    let path = manifest_dir().join("tests/isle_examples/toy.isle");
    let text = std::fs::read_to_string(&path).expect("example readable");
    lathe_isle::compile_sources(&[("toy.isle".to_string(), text)], &lathe_isle::Options { coverage })
        .unwrap_or_else(|e| panic!("toy.isle must compile:\n{e}"))
}

#[test]
fn generated_code_is_up_to_date() {
    for (coverage, name) in [(false, "toy.rs"), (true, "toy_coverage.rs")] {
        let code = generate(coverage);
        let path = manifest_dir().join("tests/generated").join(name);
        if std::env::var_os("ISLE_BLESS").is_some() {
            std::fs::write(&path, &code).expect("write generated code");
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(on_disk == code, "tests/generated/{name} is stale; rerun with ISLE_BLESS=1");
    }
}
