//! ISLE: a typed term-rewriting language for instruction selection and simplification, and
//! its compiler to Rust.
//!
//! The pipeline, one module per stage:
//! `lexer` (text to tokens) -> `parser` (tokens to `ast`) -> `sema` (declarations to an
//! `Env`) -> `typecheck` (rules to typed rules, internal extractors expanded) -> `lower`
//! (typed rules to steps over shared bindings, per term) -> `overlap` (overlap and
//! shadowing errors) -> `decision` (decision tree per term) -> `codegen` (Rust source).
//! `coverage` turns generated hit counters into reports; `error` renders diagnostics.
//!
//! Build scripts call [`compile_files_to`] (or [`compile_files_to_out_dir`]) and
//! [`print_rerun_if_changed`]; tools call [`compile_sources`]. See `docs/isle.md`.

#![warn(missing_docs)]

pub mod ast;
pub mod codegen;
pub mod coverage;
pub mod decision;
pub mod error;
pub mod lexer;
pub mod lower;
pub mod overlap;
pub mod parser;
pub mod sema;
pub mod typecheck;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::{Diagnostic, Errors, Files, Span};

/// Compiler options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Emit rule-hit counters (`RULE_HITS`, `rule_hits()`); off costs nothing.
    pub coverage: bool,
}

/// The stack given to the compiler thread: deep (but limited) input never overflows it.
const COMPILER_STACK: usize = 256 << 20;

/// Compiles in-memory sources `(name, text)` to Rust source. Names appear in diagnostics
/// and in the generated comments.
pub fn compile_sources(sources: &[(String, String)], opts: &Options) -> Result<String, Errors> {
    let files = Arc::new(Files { files: sources.to_vec() });
    let f2 = Arc::clone(&files);
    let result = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("lathe-isle".into())
            .stack_size(COMPILER_STACK)
            .spawn_scoped(s, move || compile_inner(&f2, opts))
            .map(|h| h.join())
    });
    match result {
        Ok(Ok(r)) => r.map_err(|d| Errors::new(d, files)),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        // No thread available: compile on this one.
        Err(_) => compile_inner(&files, opts).map_err(|d| Errors::new(d, files)),
    }
}

/// Checks sources without keeping the generated code.
pub fn check_sources(sources: &[(String, String)]) -> Result<(), Errors> {
    compile_sources(sources, &Options::default()).map(|_| ())
}

/// Reads and compiles files; each file's name in messages is its path as given.
pub fn compile_files(inputs: &[PathBuf], opts: &Options) -> Result<String, Errors> {
    let mut sources = Vec::new();
    for p in inputs {
        let text = std::fs::read_to_string(p).map_err(|e| Errors::io(format!("cannot read `{}`: {e}", p.display())))?;
        sources.push((p.display().to_string(), text));
    }
    compile_sources(&sources, opts)
}

/// Compiles files and writes the Rust to `out_file`, leaving the file untouched when its
/// content would not change (so dependent crates are not rebuilt needlessly).
pub fn compile_files_to(inputs: &[PathBuf], out_file: &Path, opts: &Options) -> Result<(), Errors> {
    let code = compile_files(inputs, opts)?;
    if std::fs::read_to_string(out_file).ok().as_deref() == Some(code.as_str()) {
        return Ok(());
    }
    std::fs::write(out_file, code).map_err(|e| Errors::io(format!("cannot write `{}`: {e}", out_file.display())))
}

/// Compiles files into `<out_dir>/<name>` and returns that path; for build scripts, where
/// `out_dir` is `OUT_DIR`.
pub fn compile_files_to_out_dir(
    inputs: &[PathBuf],
    out_dir: &Path,
    name: &str,
    opts: &Options,
) -> Result<PathBuf, Errors> {
    let out = out_dir.join(name);
    compile_files_to(inputs, &out, opts)?;
    Ok(out)
}

/// Prints `cargo:rerun-if-changed=<path>` for each input (call it from build scripts).
pub fn print_rerun_if_changed(inputs: &[PathBuf]) {
    for p in inputs {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}

/// The checked program: everything code generation needs.
pub(crate) struct Analysis {
    pub(crate) env: sema::Env,
    pub(crate) rules: Vec<typecheck::Rule>,
    /// Per term with rules: its match program and decision tree.
    pub(crate) terms: Vec<(sema::TermId, lower::TermProgram, decision::Tree)>,
}

fn compile_inner(files: &Files, opts: &Options) -> Result<String, Vec<Diagnostic>> {
    let a = analyze(files)?;
    let terms: Vec<codegen::TermCode<'_>> =
        a.terms.iter().map(|(term, prog, tree)| codegen::TermCode { term: *term, prog, tree }).collect();
    codegen::generate(&a.env, files, &a.rules, &terms, codegen::CodegenOptions { coverage: opts.coverage })
}

/// Runs every stage up to (not including) code generation.
pub(crate) fn analyze(files: &Files) -> Result<Analysis, Vec<Diagnostic>> {
    let mut errs = Vec::new();
    let mut defs = Vec::new();
    for (i, (_, text)) in files.files.iter().enumerate() {
        match lexer::lex(text, i as u32) {
            Err(d) => errs.push(d),
            Ok(toks) => match parser::parse(&toks) {
                Ok(d) => defs.extend(d),
                Err(d) => errs.extend(d),
            },
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let env = sema::build_env(&defs)?;
    typecheck::check_templates(&env, &mut errs);
    let ast_rules: Vec<&ast::Rule> = defs
        .iter()
        .filter_map(|d| match d {
            ast::Def::Rule(r) => Some(r),
            _ => None,
        })
        .collect();
    let rules = typecheck::check_rules(&env, &ast_rules, &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }

    // Rules per term, highest priority first, then source order.
    let mut by_term: Vec<Vec<usize>> = vec![Vec::new(); env.terms.len()];
    for (i, r) in rules.iter().enumerate() {
        by_term[r.term.0 as usize].push(i);
    }
    let mut progs = Vec::new();
    for (t, mut order) in by_term.into_iter().enumerate() {
        if order.is_empty() {
            continue;
        }
        order.sort_by_key(|&i| (std::cmp::Reverse(rules[i].prio), rules[i].index));
        let term = sema::TermId(t as u32);
        let prog = lower::lower_term(&env, term, &rules, &order);
        let facts = overlap::RuleFacts::new(&env, &prog);
        let before = errs.len();
        // All rules of a multi term fire, so overlapping is their purpose.
        let multi = env.term(term).kind == ast::TermKind::Multi;
        if !multi {
            overlap::check(&env, files, &prog, &facts, &rules, &mut errs);
        }
        let tree = decision::build(&env, &prog, &facts, multi);
        let reported: BTreeSet<Span> = errs[before..].iter().filter_map(|d| d.span).collect();
        for &(lost, winner) in &tree.unreachable {
            let lost = &rules[prog.rules[lost].rule];
            let winner = &rules[prog.rules[winner].rule];
            if !reported.contains(&lost.span) {
                errs.push(
                    Diagnostic::new(lost.span, "rule can never fire: an earlier rule always matches first")
                        .with_note(winner.span, "the rule that always wins"),
                );
            }
        }
        progs.push((term, prog, tree));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Analysis { env, rules, terms: progs })
}

/// Helpers for the unit tests of the stages.
#[cfg(test)]
pub(crate) mod test_util {
    use super::*;

    /// Compiles one in-memory file named `t.isle`.
    pub fn compile(src: &str) -> Result<String, String> {
        compile_sources(&[("t.isle".to_string(), src.to_string())], &Options::default()).map_err(|e| e.render())
    }

    /// Runs the stages up to code generation on one file named `t.isle`.
    pub fn analyze(src: &str) -> Analysis {
        let files = Files { files: vec![("t.isle".to_string(), src.to_string())] };
        match super::analyze(&files) {
            Ok(a) => a,
            Err(d) => panic!("{}", Errors::new(d, Arc::new(files))),
        }
    }

    /// The rendered errors of a program that must not compile.
    pub fn errors(src: &str) -> String {
        match compile(src) {
            Ok(_) => panic!("expected errors from:\n{src}"),
            Err(e) => e,
        }
    }
}
