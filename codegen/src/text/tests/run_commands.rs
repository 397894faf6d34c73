//! Run-line parsing.

use crate::data_value::DataValue;
use crate::ir::types::{self, Type};
use crate::ir::{AbiParam, CallConv, Ieee32, Ieee64, Signature};
use crate::text::{Comparison, Invocation, RunCommand, parse_data_value, parse_run_command};

fn sig(params: &[Type], returns: &[Type]) -> Signature {
    Signature {
        params: params.iter().map(|&t| AbiParam::new(t)).collect(),
        returns: returns.iter().map(|&t| AbiParam::new(t)).collect(),
        call_conv: CallConv::Fast,
    }
}

fn run(f: &str, args: Vec<DataValue>, cmp: Comparison, expected: Vec<DataValue>) -> Option<RunCommand> {
    Some(RunCommand::Run { invocation: Invocation { function: f.into(), args }, comparison: cmp, expected })
}

#[test]
fn integer_run_lines() {
    let s = sig(&[types::I32, types::I32], &[types::I32]);
    assert_eq!(
        parse_run_command("; run: %f(1, 2) == 3", &s).unwrap(),
        run("f", vec![DataValue::I32(1), DataValue::I32(2)], Comparison::Equal, vec![DataValue::I32(3)])
    );
    assert_eq!(
        parse_run_command(";run: %f(0x7fff_ffff, -1) != 0xffffffff", &s).unwrap(),
        run("f", vec![DataValue::I32(i32::MAX), DataValue::I32(-1)], Comparison::NotEqual, vec![DataValue::I32(-1)])
    );
    let s = sig(&[types::I128], &[types::I128]);
    assert_eq!(
        parse_run_command("; run: %g(0x00000000_00000001_00000000_00000000) == -1", &s).unwrap(),
        run("g", vec![DataValue::I128(1 << 64)], Comparison::Equal, vec![DataValue::I128(-1)])
    );
    let s = sig(&[types::I8], &[types::I8]);
    assert_eq!(
        parse_run_command("; run: %b(true) == false", &s).unwrap(),
        run("b", vec![DataValue::I8(1)], Comparison::Equal, vec![DataValue::I8(0)])
    );
}

#[test]
fn float_run_lines_with_nans() {
    let s = sig(&[types::F32, types::F64], &[types::F64]);
    let cmd = parse_run_command("; run: %f(+NaN:0x1, -0x0.0p0) == -sNaN:0x80001", &s).unwrap();
    assert_eq!(
        cmd,
        run(
            "f",
            vec![DataValue::F32(Ieee32(0x7fc0_0001)), DataValue::F64(Ieee64(0x8000_0000_0000_0000))],
            Comparison::Equal,
            vec![DataValue::F64(Ieee64(0xfff0_0000_0008_0001))]
        )
    );
    let cmd = parse_run_command("; run: %f(NaN, 0x1.8p3) == +Inf", &s).unwrap();
    let Some(RunCommand::Run { invocation, expected, .. }) = cmd else { panic!() };
    assert!(invocation.args[0].is_nan());
    assert_eq!(invocation.args[1], DataValue::F64(Ieee64(12.0f64.to_bits())));
    assert_eq!(expected, vec![DataValue::F64(Ieee64(f64::INFINITY.to_bits()))]);
    let cmd = parse_run_command("; run: %f(1.5, -2e3) == 0.1", &s).unwrap();
    let Some(RunCommand::Run { invocation, expected, .. }) = cmd else { panic!() };
    assert_eq!(invocation.args[0], DataValue::F32(Ieee32(1.5f32.to_bits())));
    assert_eq!(invocation.args[1], DataValue::F64(Ieee64((-2000.0f64).to_bits())));
    assert_eq!(expected, vec![DataValue::F64(Ieee64(0.1f64.to_bits()))]);
    assert!(parse_run_command("; run: %f(1.5x, 0x0p0) == 0x0p0", &s).is_err());
}

#[test]
fn vectors_multiple_results_print_and_bare_run() {
    let s = sig(&[types::I32X4], &[types::I32X4, types::I8]);
    let cmd = parse_run_command("; run: %v([1 2 3 -1]) == [[4 5 6 7], 1]", &s).unwrap();
    let mut a = [0u8; 16];
    for (i, x) in [1i32, 2, 3, -1].iter().enumerate() {
        a[i * 4..i * 4 + 4].copy_from_slice(&x.to_le_bytes());
    }
    let mut e = [0u8; 16];
    for (i, x) in [4i32, 5, 6, 7].iter().enumerate() {
        e[i * 4..i * 4 + 4].copy_from_slice(&x.to_le_bytes());
    }
    assert_eq!(
        cmd,
        run(
            "v",
            vec![DataValue::V128(types::I32X4, a)],
            Comparison::Equal,
            vec![DataValue::V128(types::I32X4, e), DataValue::I8(1)]
        )
    );
    let s2 = sig(&[types::I64], &[types::I64, types::I64]);
    assert_eq!(
        parse_run_command("; run: %m(5) == [1, 0]", &s2).unwrap(),
        run("m", vec![DataValue::I64(5)], Comparison::Equal, vec![DataValue::I64(1), DataValue::I64(0)])
    );
    assert_eq!(
        parse_run_command("; print: %m(5)", &s2).unwrap(),
        Some(RunCommand::Print { invocation: Invocation { function: "m".into(), args: vec![DataValue::I64(5)] } })
    );
    let none = sig(&[], &[types::I8]);
    assert_eq!(parse_run_command("; run", &none).unwrap(), Some(RunCommand::BareRun { function: String::new() }));
    assert_eq!(parse_run_command("; run: %t()", &none).unwrap(), Some(RunCommand::BareRun { function: "t".into() }));
    assert_eq!(parse_run_command(";; run: %t() == 1", &none).unwrap(), None);
    assert_eq!(parse_run_command("; check: foo", &none).unwrap(), None);
    assert_eq!(parse_run_command("; running", &none).unwrap(), None);
    assert_eq!(
        parse_data_value("[0x1.0p0 -0x1.0p0]", types::F64X2).unwrap(),
        DataValue::V128(types::F64X2, {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&1.0f64.to_bits().to_le_bytes());
            b[8..].copy_from_slice(&(-1.0f64).to_bits().to_le_bytes());
            b
        })
    );
}

#[test]
fn run_line_errors() {
    let s = sig(&[types::I8, types::I8], &[types::I8]);
    let cases: &[(&str, usize, &str)] = &[
        ("; run: %f(1) == 2", 14, "takes 2 argument(s), found 1"),
        ("; run: %f(1, 2, 3) == 2", 17, "takes 2 argument(s)"),
        ("; run: %f(1, 256) == 2", 14, "does not fit in 8 bits"),
        ("; run: %f(1, 2) = 2", 17, "expected `==` or `!=`"),
        ("; run: %f(1, 2) == 2 3", 22, "expected the end of the run command"),
        ("; run: f(1, 2) == 2", 8, "expected a function name"),
        ("; run: %f(1, 2) == [1, 2]", 20, "expected a i8 value"),
    ];
    let mut wrong = Vec::new();
    for &(text, col, msg) in cases {
        match parse_run_command(text, &s) {
            Err(e) if e.line == 1 && e.column == col && e.message.contains(msg) => {}
            other => wrong.push(format!("{text}: expected column {col} {msg:?}, got {other:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let none = sig(&[], &[]);
    assert!(parse_run_command("; run: %f() == 1", &none).unwrap_err().message.contains("returns nothing"));
}
