//! A generated program: an entry function and the functions it calls, in the form every
//! checker takes, and its printing as a CLIF filetest (the reproducer a finding reports).

use lathe_codegen::data_value::{CallOutcome, DataValue};
use lathe_codegen::ir::{ExternalName, Function};
use std::fmt::Write;

/// Functions that call only each other; `functions[0]` is the entry the checkers call.
/// Callees come later in the list and never call back, so every call chain is finite.
#[derive(Clone, Debug)]
pub struct Program {
    /// The entry function first, then its callees.
    pub functions: Vec<Function>,
}

impl Program {
    /// The entry function.
    pub fn entry(&self) -> &Function {
        &self.functions[0]
    }

    /// The entry's name without the `%` (as `call_by_name` takes it).
    pub fn entry_name(&self) -> String {
        name_key(&self.entry().name)
    }

    /// The program as CLIF text: callees first, then the entry, each followed by a blank
    /// line.
    pub fn to_clif(&self) -> String {
        let mut s = String::new();
        for f in self.functions.iter().rev() {
            let _ = writeln!(s, "{f}");
        }
        s
    }

    /// A filetest for this program: `test interpret` and `test run` on x86_64, aarch64 and riscv64, the
    /// functions, and one run line per argument set with the expected outcome (where one is
    /// known). Paste it under `filetests/cases/regress/` as the regression test.
    pub fn to_filetest(&self, runs: &[(Vec<DataValue>, Option<CallOutcome>)]) -> String {
        let mut s = String::from("test interpret\ntest run\ntarget x86_64\ntarget aarch64\ntarget riscv64\n\n");
        s.push_str(&self.to_clif());
        for (args, outcome) in runs {
            let call = format!("%{}({})", self.entry_name(), join(args));
            match outcome {
                Some(CallOutcome::Return(v)) if v.len() == 1 => {
                    let _ = writeln!(s, "; run: {call} == {}", v[0]);
                }
                Some(CallOutcome::Return(v)) => {
                    let _ = writeln!(s, "; run: {call} == [{}]", join(v));
                }
                Some(CallOutcome::Trap(code)) => {
                    let _ = writeln!(s, "; run: {call} == trap {code}");
                }
                None => {
                    let _ = writeln!(s, "; print: {call}");
                }
            }
        }
        s
    }
}

/// A function name as the interpreter's store keys it (`f` for `%f`).
pub fn name_key(name: &ExternalName) -> String {
    match name {
        ExternalName::TestCase(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Values separated by `, `.
pub fn join(values: &[DataValue]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}
