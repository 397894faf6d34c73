//! Malformed inputs: each gives a `ParseError` at the expected line and column with a
//! message that names the problem.

use crate::text::parse_test_file;

/// (input, line, column, message substring)
const CASES: &[(&str, usize, usize, &str)] = &[
    ("function %f() {\nblock0:\n    v1 = frobnicate v0\n}", 3, 10, "unknown opcode `frobnicate`"),
    ("function %f() {\nblock0:\n    v1 = iadd v2, v2\n    return\n}", 3, 15, "undefined value v2"),
    ("function %f() {\nblock0:\n    jump block3\n}", 3, 10, "undefined block block3"),
    (
        "function %f(i32) {\nblock0(v0: i32):\n    v0 = iconst.i32 1\n    return\n}",
        3,
        5,
        "v0 is defined more than once",
    ),
    ("function %f() {\nblock0:\n    return\nblock0:\n    return\n}", 4, 1, "block0 is defined more than once"),
    ("function %f() {\nblock0:\n    v1 = iconst 1\n    return\n}", 3, 10, "needs a controlling type suffix"),
    ("function %f(i32) {\nblock0(v0: i32):\n    v1 = iadd v0\n    return\n}", 4, 5, "expected `,`"),
    ("function %f() {\nblock0:\n    v1, v2 = iconst.i32 1\n    return\n}", 3, 14, "has 1 result(s), but 2 are named"),
    ("function %f() weird {\nblock0:\n    return\n}", 1, 15, "unknown calling convention `weird`"),
    ("function %f(i33) {\n}", 1, 13, "unknown type `i33`"),
    ("function %f() {\nblock0:\n    v1 = f32const 1.5e+\n    return\n}", 3, 19, "exponent"),
    ("function %f() {\nblock0:\n    v1 = iconst.i64 0x1_0000_0000_0000_0000\n    return\n}", 3, 21, "does not fit"),
    ("function %f() {\nblock0:\n    v1 = func_addr.i64 fn3\n    return\n}", 3, 24, "fn3 is not declared"),
    ("function %f() {\n    gv1 = load.i64 gv7\nblock0:\n    return\n}", 2, 20, "gv7 is not declared"),
    (
        "function %f() {\n    ss0 = explicit_slot 8\n    ss0 = explicit_slot 8\nblock0:\n    return\n}",
        3,
        5,
        "declared more than once",
    ),
    ("function %f() {\nblock0:\n    trap user0\n}", 3, 10, "unknown trap code `user0`"),
    (
        "function %f(i32) {\nblock0(v0: i32):\n    v1 = icmp foo v0, v0\n    return\n}",
        3,
        15,
        "unknown integer condition",
    ),
    (
        "function %f() {\nblock0:\n    v1 = iconst.i32 1 v2\n    return\n}",
        3,
        23,
        "unexpected `v2` after the instruction",
    ),
    ("function %f() {\nblock0:\n    v9999999999 = iconst.i32 1\n}", 3, 5, "too large"),
    ("function %f() {\nblock0:\n    return\n", 4, 1, "expected `}`"),
    ("function %f() {\n    v1 = iconst.i32 1\n}", 2, 5, "expected a block header"),
    ("test run\nfrob\n", 2, 1, "expected `function`"),
    (
        "function %f() {\nblock0:\n    v1 = iadd v2, v2\n    v2 = iadd v1, v1\n    return\n}",
        3,
        10,
        "cannot infer the controlling type",
    ),
    ("function %f() {\nblock0:\n    v1 -> v2\n    v2 -> v1\n    return v1\n}", 3, 5, "alias cycle"),
    ("function %f(i64) {\nblock0(v0: i64):\n    v1 = iadd.i32 v0, v0\n    return\n}", 3, 15, "does not match"),
    ("function %f() {\nblock0:\n    v1 = vconst.i32x4 [1 2 3]\n    return\n}", 3, 29, "needs 4 lanes"),
    ("function %f() {\nblock0:\n    @ffffffff nop\n}", 3, 5, "too large"),
    ("function %f() {\nblock0:\n    return # \n}", 3, 12, "unexpected character `#`"),
    ("function %f() {\nblock0:\n    v1 = fence\n}", 3, 10, "has 0 result(s), but 1 are named"),
    ("function %f() {\nblock0:\n    v1 = load.i32 frob v0\n}", 3, 19, "expected a value"),
    ("function %f() {\nblock0:\n    fence.i32\n}", 3, 11, "takes no type suffix"),
    ("function %f() {\n    ss0 = explicit_slot 8, align = 3\nblock0:\n    return\n}", 2, 36, "not a power of two"),
];

#[test]
fn malformed_inputs_give_positioned_errors() {
    let mut wrong = Vec::new();
    for &(input, line, column, msg) in CASES {
        match parse_test_file(input) {
            Ok(_) => wrong.push(format!("input should not parse:\n{input}")),
            Err(err) if err.line == line && err.column == column && err.message.contains(msg) => {}
            Err(err) => wrong.push(format!("input:\n{input}\nexpected {line}:{column} containing {msg:?}, got {err}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    assert!(CASES.len() >= 20);
}

#[test]
fn error_display() {
    let e = parse_test_file("function %f() {\nblock0:\n    bogus\n}").unwrap_err();
    assert_eq!(e.to_string(), "line 3, column 5: unknown opcode `bogus`");
    let _: &dyn std::error::Error = &e;
}

#[test]
fn valid_but_unimplemented_constructs_are_marked_unsupported() {
    let tls = "function %f() {\nblock0:\n    v0 = tls_value.i64 gv0\n    return\n}";
    let e = parse_test_file(tls).unwrap_err();
    assert!(e.unsupported && e.message.contains("thread-local storage"), "{e}");
    let e = parse_test_file("function %f(f17) {\nblock0(v0: f17):\n    return\n}").unwrap_err();
    assert!(!e.unsupported, "{e}");
}
