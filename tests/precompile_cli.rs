//! `lathe compile prog.wasm -o prog.lwasm` then `lathe run prog.lwasm`: the same output
//! as running the `.wasm` (a benchmark program at its small size, with its native
//! checksum), the same for a program that throws and catches Wasm exceptions, and a
//! clear error for a damaged file.

use std::path::Path;
use std::process::Command;

#[test]
fn a_precompiled_program_prints_what_the_wasm_prints() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/wasm");
    let out_dir = std::env::temp_dir().join(format!("lathe-precompile-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let lwasm = out_dir.join("sha256.lwasm");
    let lathe = env!("CARGO_BIN_EXE_lathe");
    let status =
        Command::new(lathe).arg("compile").arg(dir.join("sha256.wasm")).arg("-o").arg(&lwasm).status().unwrap();
    assert!(status.success());
    let n = std::fs::read_to_string(dir.join("sha256.small_n")).unwrap();
    let expected = std::fs::read_to_string(dir.join("sha256.small")).unwrap();
    let out = Command::new(lathe).arg("run").arg(&lwasm).arg(n.trim()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);

    let mut bytes = std::fs::read(&lwasm).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&lwasm, &bytes).unwrap();
    let out = Command::new(lathe).arg("run").arg(&lwasm).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("corrupt precompiled module"));
    std::fs::remove_dir_all(&out_dir).ok();
}

#[test]
fn a_precompiled_program_keeps_its_exception_handlers() {
    // The landing pads of every `try_call` travel in the file: without them the first
    // throw would end the program as uncaught.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = std::env::temp_dir().join(format!("lathe-precompile-exn-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let lwasm = out_dir.join("exceptions.lwasm");
    let lathe = env!("CARGO_BIN_EXE_lathe");
    let wat = manifest.join("examples/exceptions.wat");
    let status = Command::new(lathe).arg("compile").arg(&wat).arg("-o").arg(&lwasm).status().unwrap();
    assert!(status.success());
    let direct = Command::new(lathe).arg("run").arg(&wat).output().unwrap();
    let out = Command::new(lathe).arg("run").arg(&lwasm).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, direct.stdout);
    assert!(String::from_utf8_lossy(&out.stdout).contains("caught in a loop: 1000"));
    std::fs::remove_dir_all(&out_dir).ok();
}

#[test]
fn the_opt_level_setting_chooses_how_a_module_is_precompiled() {
    // Each level's file runs and prints the native checksum, and each holds different
    // code.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/wasm");
    let out_dir = std::env::temp_dir().join(format!("lathe-precompile-levels-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let lathe = env!("CARGO_BIN_EXE_lathe");
    let n = std::fs::read_to_string(dir.join("sieve.small_n")).unwrap();
    let expected = std::fs::read_to_string(dir.join("sieve.small")).unwrap();
    let mut sizes = Vec::new();
    for level in ["speed", "none", "baseline"] {
        let lwasm = out_dir.join(format!("sieve-{level}.lwasm"));
        let status = Command::new(lathe)
            .args(["compile", "--set", &format!("opt_level={level}")])
            .arg(dir.join("sieve.wasm"))
            .arg("-o")
            .arg(&lwasm)
            .status()
            .unwrap();
        assert!(status.success(), "{level}");
        let out = Command::new(lathe).arg("run").arg(&lwasm).arg(n.trim()).output().unwrap();
        assert!(out.status.success(), "{level}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{level}");
        sizes.push(std::fs::metadata(&lwasm).unwrap().len());
    }
    // Each level made its own code (speed's the smallest): the setting was not ignored.
    assert!(sizes[0] < sizes[1] && sizes[0] < sizes[2] && sizes[1] != sizes[2], "speed, none, baseline: {sizes:?}");
    let status = Command::new(lathe)
        .args(["compile", "--set", "opt_level=fastest"])
        .arg(dir.join("sieve.wasm"))
        .arg("-o")
        .arg(out_dir.join("x.lwasm"))
        .output()
        .unwrap();
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stderr).contains("opt_level=fastest"));
    std::fs::remove_dir_all(&out_dir).ok();
}
