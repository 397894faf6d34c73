//! `lathe explain`: every stage of the pipeline for each function of a CLIF file or a Wasm
//! module, as text (`text.rs`) or as one self-contained HTML page (`html.rs`).
//!
//! Input: a `.clif` file (its `set` and `target` lines apply, as for `lathe compile`) or a
//! `.wasm`/`.wat` module (each defined function as the Wasm front end translates it), a
//! target and settings, and optionally one function (a CLIF name, or a Wasm function index
//! or name-section name). Output: for each function, what
//! `lathe_codegen::machinst::Explanation` recorded, rendered. Bad input (a file that does
//! not read or parse, an unknown function, a bad target or setting) is a one-line error and
//! a non-zero exit; a function that fails to compile is shown up to the stage that failed,
//! then its error (one line), and the exit is non-zero.
//!
//! The text is deterministic (no addresses of the host, no times), so tests compare it.

mod html;
mod text;

use lathe_codegen::ir::Function;
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::machinst::{CompileOptions, Explanation};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One function explained.
pub struct Explained {
    /// How to name it: `%f` for CLIF, `function 3 (fib)` for Wasm.
    pub title: String,
    /// The stages, as far as compilation got.
    pub stages: Explanation,
    /// The compilation error, on one line, if it failed.
    pub error: Option<String>,
}

/// What `lathe explain` was asked.
pub struct Request<'a> {
    /// `--target`.
    pub target: Option<&'a str>,
    /// `--set`, each `name=value` or `name`.
    pub settings: &'a [String],
    /// `--function`.
    pub function: Option<&'a str>,
    /// `--html`: write the page here instead of printing text.
    pub html: Option<PathBuf>,
    /// The input file.
    pub file: &'a Path,
}

/// Runs `lathe explain`.
pub fn cmd_explain(req: &Request<'_>) -> ExitCode {
    match run(req) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// Explains every selected function and writes the result; `Ok(false)` when a function
/// failed to compile (its stages so far are still written).
fn run(req: &Request<'_>) -> Result<bool, String> {
    let file = req.file;
    let (isa, funcs) = read_input(req)?;
    let mut explained = Vec::new();
    for (title, func) in &funcs {
        explained.push(explain_function(title.clone(), func, &*isa));
    }
    let ok = explained.iter().all(|e| e.error.is_none());
    let arch = isa.name();
    match &req.html {
        Some(path) => {
            let page = html::render(&file.display().to_string(), arch, &explained);
            std::fs::write(path, page).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        None => {
            use std::io::Write as _;
            let text = text::render(arch, &explained);
            // The reader may have gone away (`lathe explain f | head`): stop quietly.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    for e in &explained {
        if let Some(err) = &e.error {
            eprintln!("error: {}: {}: {err}", file.display(), e.title);
        }
    }
    Ok(ok)
}

/// The selected functions, each with its title.
type Titled = Vec<(String, Function)>;

/// The target and the selected functions.
fn read_input(req: &Request<'_>) -> Result<(Box<dyn TargetIsa>, Titled), String> {
    let file = req.file;
    let (headers, funcs) = if crate::wasm_cmd::is_wasm(file) {
        let funcs = crate::wasm_cmd::wasm_functions_selected(file, req.function)?;
        (Vec::new(), funcs.into_iter().map(|(i, name, f)| (format!("function {i} ({name})"), f)).collect())
    } else {
        let test = crate::read_test_file(&file.to_path_buf())?;
        let mut funcs: Titled = test.functions.into_iter().map(|f| (f.function.name.to_string(), f.function)).collect();
        if let Some(want) = req.function {
            let bare = want.trim_start_matches('%');
            funcs.retain(|(name, _)| name.trim_start_matches('%') == bare);
            if funcs.is_empty() {
                return Err(format!("{}: no function named `{want}`", file.display()));
            }
        }
        (test.headers, funcs)
    };
    let isa = crate::compile_target(file, &headers, req.target, req.settings)?.finish().map_err(|e| e.to_string())?;
    Ok((isa, funcs))
}

/// Compiles `func` recording every stage.
pub fn explain_function(title: String, func: &Function, isa: &dyn TargetIsa) -> Explained {
    let mut options = CompileOptions { explain: true, ..Default::default() };
    let result = isa.compile_function_with(func, &mut options);
    Explained {
        title,
        stages: options.explanation.unwrap_or_default(),
        error: result.err().map(|e| one_line(&e.to_string())),
    }
}

/// A message on one line: its lines joined with `; `.
fn one_line(msg: &str) -> String {
    msg.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

/// The rule as shown: `name (file:line)` for a named rule, else `file:line`.
pub fn rule_label(rule: &(&str, &str, &str)) -> String {
    let (label, _term, location) = rule;
    if label == location { location.to_string() } else { format!("{label} ({location})") }
}

/// The bytes as hex pairs separated by spaces.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}
