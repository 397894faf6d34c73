//! Helpers shared by the interpreter's tests: build a one-block function around a body,
//! run it, and short names for values.
#![allow(dead_code)]

use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::immediates::{Ieee32, Ieee64};
use lathe_codegen::ir::{AbiParam, CallConv, FuncCursor, Function, InstBuilder, Signature, Value};
use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter, InterpreterError};

/// A function `%name` whose entry block takes parameters of the types of `args`, runs
/// `body`, and returns what `body` returns (the signature's returns follow from their types).
pub fn build(
    name: &str,
    params: &[lathe_codegen::ir::Type],
    body: impl FnOnce(&mut FuncCursor<'_>, &[Value]) -> Vec<Value>,
) -> Function {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    let mut func = Function::new_test(name, sig);
    let b0 = func.dfg.make_block();
    func.layout.append_block(b0);
    let vals: Vec<Value> = params.iter().map(|&t| func.dfg.append_block_param(b0, t)).collect();
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b0);
    let rets = body(&mut cur, &vals);
    cur.ins().return_(&rets);
    let ret_types: Vec<_> = rets.iter().map(|&v| AbiParam::new(func.dfg.value_type(v))).collect();
    func.signature.returns = ret_types;
    func
}

/// Runs `%name` of `funcs`.
pub fn run_in(funcs: &[&Function], name: &str, args: &[DataValue]) -> Result<CallOutcome, InterpreterError> {
    let mut store = FunctionStore::new();
    for f in funcs {
        store.add(f);
    }
    Interpreter::new(store).call_by_name(name, args)
}

/// Builds `%f` with parameters typed like `args`, runs it on `args`.
pub fn eval(
    args: &[DataValue],
    body: impl FnOnce(&mut FuncCursor<'_>, &[Value]) -> Vec<Value>,
) -> Result<CallOutcome, InterpreterError> {
    let types: Vec<_> = args.iter().map(|a| a.ty()).collect();
    let f = build("f", &types, body);
    run_in(&[&f], "f", args)
}

/// Like `eval` for a body with one result; the returned value, or a description of the trap or error.
pub fn eval1(args: &[DataValue], body: impl FnOnce(&mut FuncCursor<'_>, &[Value]) -> Value) -> Outcome {
    Outcome::from(eval(args, |c, v| vec![body(c, v)]))
}

/// A call's outcome, flattened for short assertions.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Returned one value.
    Val(DataValue),
    /// Returned several values.
    Vals(Vec<DataValue>),
    /// Trapped.
    Trap(lathe_codegen::ir::TrapCode),
    /// Failed.
    Err(InterpreterError),
}

impl From<Result<CallOutcome, InterpreterError>> for Outcome {
    fn from(r: Result<CallOutcome, InterpreterError>) -> Self {
        match r {
            Ok(CallOutcome::Return(mut v)) if v.len() == 1 => Outcome::Val(v.remove(0)),
            Ok(CallOutcome::Return(v)) => Outcome::Vals(v),
            Ok(CallOutcome::Trap(c)) => Outcome::Trap(c),
            Err(e) => Outcome::Err(e),
        }
    }
}

pub fn i8v(x: i8) -> DataValue {
    DataValue::I8(x)
}
pub fn i16v(x: i16) -> DataValue {
    DataValue::I16(x)
}
pub fn i32v(x: i32) -> DataValue {
    DataValue::I32(x)
}
pub fn i64v(x: i64) -> DataValue {
    DataValue::I64(x)
}
pub fn i128v(x: i128) -> DataValue {
    DataValue::I128(x)
}
pub fn f32v(x: f32) -> DataValue {
    DataValue::F32(Ieee32::with_float(x))
}
pub fn f64v(x: f64) -> DataValue {
    DataValue::F64(Ieee64::with_float(x))
}
pub fn f32b(bits: u32) -> DataValue {
    DataValue::F32(Ieee32(bits))
}
pub fn f64b(bits: u64) -> DataValue {
    DataValue::F64(Ieee64(bits))
}
pub fn val(v: DataValue) -> Outcome {
    Outcome::Val(v)
}
pub fn vals(v: &[DataValue]) -> Outcome {
    Outcome::Vals(v.to_vec())
}
