//! Running a program in the interpreter, and comparing outcomes.

use crate::program::Program;
use lathe_codegen::data_value::DataValue;
use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter, InterpreterError};

/// Generated programs run a few thousand instructions at most (bounded loops); the limit
/// only guards against a generator bug turning into a hang.
const STEP_LIMIT: u64 = 2_000_000;

/// Calls the entry of `program` with `args` in a fresh interpreter.
pub fn interpret(program: &Program, args: &[DataValue]) -> Result<CallOutcome, InterpreterError> {
    let mut store = FunctionStore::new();
    for f in &program.functions {
        store.add(f);
    }
    let mut interp = Interpreter::new(store).with_step_limit(STEP_LIMIT);
    interp.call_by_name(&program.entry_name(), args)
}

/// An outcome as a run line would write it.
pub fn show(o: &CallOutcome) -> String {
    match o {
        CallOutcome::Return(v) => format!("[{}]", crate::program::join(v)),
        CallOutcome::Trap(c) => format!("trap {c}"),
    }
}
