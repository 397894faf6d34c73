//! `lathe-isle`: checks ISLE files and optionally emits the generated Rust.
//!
//! Usage: `lathe-isle [--emit] [-o FILE] [--coverage] FILE.isle...`
//! Without `--emit`/`-o` it only checks. Diagnostics go to stderr; exit status 1 on errors,
//! 2 on bad usage.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: lathe-isle [--emit] [-o OUT.rs] [--coverage] FILE.isle...
  --emit       print the generated Rust to stdout
  -o OUT.rs    write the generated Rust to OUT.rs
  --coverage   generate rule-hit counters";

fn main() -> ExitCode {
    let mut emit = false;
    let mut out: Option<PathBuf> = None;
    let mut opts = lathe_isle::Options::default();
    let mut inputs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--emit" => emit = true,
            "--coverage" => opts.coverage = true,
            "-o" => match args.next() {
                Some(p) => out = Some(PathBuf::from(p)),
                None => {
                    eprintln!("-o needs a file name\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if a.starts_with('-') => {
                eprintln!("unknown option `{a}`\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => inputs.push(PathBuf::from(a)),
        }
    }
    if inputs.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let code = match lathe_isle::compile_files(&inputs, &opts) {
        Ok(code) => code,
        Err(errors) => {
            eprint!("{errors}");
            eprintln!("{} error(s)", errors.diagnostics.len());
            return ExitCode::FAILURE;
        }
    };
    if emit {
        print!("{code}");
    }
    if let Some(path) = out
        && let Err(e) = std::fs::write(&path, &code)
    {
        eprintln!("cannot write `{}`: {e}", path.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
