//! `test interpret`: every `; run:` and `; print:` line is executed by the reference
//! interpreter over all functions of the file.
//!
//! `; run: %f(args) == expected` (or `!=`) compares under the rule of
//! `DataValue::matches_expected` (exact bits; a payload-less NaN expectation matches any
//! NaN). `; run: %f(args) == trap <code>` expects that trap. A bare `; run` calls a
//! function without arguments that must return a non-zero `i8`. `; print:` records the
//! results in the log.

use super::{Failure, FileContext, SubTest};
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::{Function, TrapCode};
use lathe_codegen::text::{self, Comparison, RunCommand, TestFile};
use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter, InterpreterError};

/// The `interpret` kind.
pub struct Interpret;

/// A store holding every function of a file, for the interpreter.
pub fn function_store<'a>(funcs: &[&'a Function]) -> FunctionStore<'a> {
    let mut store = FunctionStore::new();
    for f in funcs {
        store.add(f);
    }
    store
}

/// Every run line of `file`, in order, with the line it sits on. `funcs` are the
/// functions run lines may call. Lines that do not parse are reported in `failures`
/// and left out.
pub fn run_lines(file: &TestFile, funcs: &[&Function], failures: &mut Vec<String>) -> Vec<(usize, RunLine)> {
    let mut out = Vec::new();
    for tf in &file.functions {
        for c in &tf.comments {
            match parse_run_line(&c.text, funcs, &tf.function, c.line) {
                Ok(Some(run)) => out.push((c.line, run)),
                Ok(None) => {}
                Err(msg) => failures.push(msg),
            }
        }
    }
    out
}

/// What a run line expects.
pub enum Expectation {
    /// Results compared with `==` or `!=`.
    Values(Comparison, Vec<DataValue>),
    /// A trap with this code.
    Trap(TrapCode),
    /// Nothing: print the results.
    Print,
    /// A non-zero `i8` from a function without arguments.
    NonZero,
}

/// A run line resolved against the functions of a file.
pub struct RunLine {
    /// The function to call (name without `%`).
    pub function: String,
    /// The arguments.
    pub args: Vec<DataValue>,
    /// What must come out.
    pub expect: Expectation,
}

/// The name of the function a run or print comment invokes, if it is one.
fn invoked_name(comment: &str) -> Option<&str> {
    let body = comment.trim_start_matches(';').trim_start();
    let rest = body.strip_prefix("run:").or_else(|| body.strip_prefix("print:"))?;
    let rest = rest.trim_start().strip_prefix('%')?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '$')).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Parses the run or print command in `comment`, looking up the invoked function's
/// signature among `funcs`; a bare `; run` invokes `current`, the function the comment
/// follows. `Ok(None)` if the comment is not a command.
pub fn parse_run_line(
    comment: &str,
    funcs: &[&Function],
    current: &Function,
    line: usize,
) -> Result<Option<RunLine>, String> {
    let body = comment.trim_start_matches(';').trim();
    if !(body == "run" || body.starts_with("run:") || body.starts_with("print:")) {
        return Ok(None);
    }
    let sig_of = |name: &str| {
        funcs
            .iter()
            .find(|f| function_name(f) == name)
            .map(|f| &f.signature)
            .ok_or_else(|| format!("line {line}: no function `%{name}` in this file"))
    };
    // `== trap <code>`: the arguments are parsed as a print command of the same call.
    if let Some((call, code)) = split_trap_expectation(body) {
        let name = invoked_name(comment).ok_or_else(|| format!("line {line}: cannot read the invoked function"))?;
        let code: TrapCode = code.parse().map_err(|_| format!("line {line}: unknown trap code `{code}`"))?;
        let cmd = text::parse_run_command(&format!("; print: {call}"), sig_of(name)?)
            .map_err(|e| format!("line {line}: {}", e.message))?;
        return match cmd {
            Some(RunCommand::Print { invocation }) => Ok(Some(RunLine {
                function: invocation.function,
                args: invocation.args,
                expect: Expectation::Trap(code),
            })),
            _ => Err(format!("line {line}: malformed trap expectation")),
        };
    }
    let sig = match invoked_name(comment) {
        Some(name) => sig_of(name)?.clone(),
        None => Default::default(),
    };
    let cmd = text::parse_run_command(comment, &sig).map_err(|e| format!("line {line}: {}", e.message))?;
    Ok(cmd.map(|cmd| match cmd {
        RunCommand::Run { invocation, comparison, expected } => RunLine {
            function: invocation.function,
            args: invocation.args,
            expect: Expectation::Values(comparison, expected),
        },
        RunCommand::Print { invocation } => {
            RunLine { function: invocation.function, args: invocation.args, expect: Expectation::Print }
        }
        RunCommand::BareRun { function } => {
            let function = if function.is_empty() { function_name(current) } else { function };
            RunLine { function, args: Vec::new(), expect: Expectation::NonZero }
        }
    }))
}

/// Splits `run: CALL == trap CODE` into `CALL` and `CODE`.
fn split_trap_expectation(body: &str) -> Option<(&str, &str)> {
    let rest = body.strip_prefix("run:")?;
    let (call, expect) = rest.rsplit_once("==")?;
    let code = expect.trim().strip_prefix("trap")?;
    if !code.starts_with(char::is_whitespace) {
        return None;
    }
    Some((call.trim(), code.trim()))
}

/// The name run lines use for a function: `%name` without the `%`, or `u0:1`.
pub fn function_name(func: &Function) -> String {
    let s = func.name.to_string();
    s.strip_prefix('%').map(str::to_string).unwrap_or(s)
}

fn show(values: &[DataValue]) -> String {
    match values {
        [v] => v.to_string(),
        _ => format!("[{}]", values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

/// Checks one outcome against its expectation; `Err` describes the mismatch.
pub fn check_outcome(run: &RunLine, outcome: &CallOutcome) -> Result<Option<String>, String> {
    let call = format!("%{}({})", run.function, run.args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "));
    match (&run.expect, outcome) {
        (Expectation::Trap(want), CallOutcome::Trap(got)) if want == got => Ok(None),
        (Expectation::Trap(want), CallOutcome::Trap(got)) => {
            Err(format!("{call}: expected trap {want}, trapped {got}"))
        }
        (Expectation::Trap(want), CallOutcome::Return(vals)) => {
            Err(format!("{call}: expected trap {want}, returned {}", show(vals)))
        }
        (_, CallOutcome::Trap(code)) => Err(format!("{call}: trapped with {code}")),
        (Expectation::Print, CallOutcome::Return(vals)) => Ok(Some(format!("{call} == {}", show(vals)))),
        (Expectation::NonZero, CallOutcome::Return(vals)) => match vals.as_slice() {
            [DataValue::I8(x)] if *x != 0 => Ok(None),
            _ => Err(format!("{call}: expected a non-zero i8, got {}", show(vals))),
        },
        (Expectation::Values(cmp, expected), CallOutcome::Return(vals)) => {
            let equal = vals.len() == expected.len() && vals.iter().zip(expected).all(|(a, e)| a.matches_expected(e));
            let ok = match cmp {
                Comparison::Equal => equal,
                Comparison::NotEqual => !equal,
            };
            if ok {
                Ok(None)
            } else {
                let op = if matches!(cmp, Comparison::Equal) { "==" } else { "!=" };
                Err(format!("{call} {op} {}: got {}", show(expected), show(vals)))
            }
        }
    }
}

impl SubTest for Interpret {
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure> {
        let funcs: Vec<&Function> = ctx.file.functions.iter().map(|tf| &tf.function).collect();
        let mut interp = Interpreter::new(function_store(&funcs));
        let mut failures = Vec::new();
        for (line, run) in run_lines(ctx.file, &funcs, &mut failures) {
            match interp.call_by_name(&run.function, &run.args) {
                Ok(outcome) => match check_outcome(&run, &outcome) {
                    Ok(Some(printed)) => {
                        ctx.log.push_str(&printed);
                        ctx.log.push('\n');
                    }
                    Ok(None) => {}
                    Err(msg) => failures.push(format!("line {line}: {msg}")),
                },
                Err(InterpreterError::Unsupported { opcode, reason }) => {
                    return Err(Failure::Unsupported(format!(
                        "line {line}: the interpreter does not execute `{opcode}` yet: {reason}"
                    )));
                }
                Err(e) => failures.push(format!("line {line}: {e}")),
            }
        }
        if failures.is_empty() { Ok(()) } else { Err(Failure::Failed(failures.join("\n"))) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_expectations_split() {
        assert_eq!(split_trap_expectation("run: %f(1, 0) == trap int_divz"), Some(("%f(1, 0)", "int_divz")));
        assert_eq!(split_trap_expectation("run: %f(1) == 3"), None);
        assert_eq!(split_trap_expectation("run: %f(1) == trapped"), None);
        assert_eq!(invoked_name("; run: %add_i8(1, 2) == 3"), Some("add_i8"));
        assert_eq!(invoked_name("; print: %f()"), Some("f"));
        assert_eq!(invoked_name("; check: foo"), None);
    }
}
