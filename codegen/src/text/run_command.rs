//! Run lines: `; run: %f(1, 2) == 3`, `; run: %f(0x1.0p0) != -0x0.0p0`, `; print: %f(5)` and
//! the legacy bare `; run`, plus the typed values they contain ([`DataValue`]).
//!
//! Input is one comment line (from `;`) and the signature of the function it tests, which
//! gives each argument's and expected result's type. Integers are decimal or hex with `_`
//! separators and a sign, in the signed or unsigned range of the type (`i128` up to 128
//! bits); floats only in the exact hex forms (`0x1.8p3`, `-0x0.0p0`, `+Inf`, `+NaN:0x1`,
//! `-sNaN:0x1`); vectors as `[1 2 3 4]`; several results as `[1, 0]`. `true`/`false` are
//! accepted as 1/0 for `i8`. Errors are on line 1 with the column in the comment text; the
//! caller adds the comment's line.

use super::cursor::Cursor;
use super::error::{PResult, ParseError, Pos};
use super::lexer::{Tok, lex};
use super::literals::parse_scalar_bits;
use crate::data_value::DataValue;
use crate::ir::{Signature, Type};

/// A run-line command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunCommand {
    /// `; run: %f(args) == expected` (or `!=`).
    Run {
        /// The call.
        invocation: Invocation,
        /// How the result is compared.
        comparison: Comparison,
        /// The expected results, one per return value.
        expected: Vec<DataValue>,
    },
    /// `; print: %f(args)`: run and print the results.
    Print {
        /// The call.
        invocation: Invocation,
    },
    /// The legacy `; run` (or `; run: %f()` without a comparison): call the function
    /// without arguments and expect a nonzero `i8`. `function` is empty for a bare `; run`,
    /// meaning the function the comment belongs to.
    BareRun {
        /// The function name without `%`, or empty.
        function: String,
    },
}

/// A call written in a run line: `%name(args)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The function name, without `%`.
    pub function: String,
    /// The arguments, typed by the signature's parameters.
    pub args: Vec<DataValue>,
}

/// How a run line compares the actual results with the expected ones.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
}

/// Reads a run or print command from one comment line (starting at `;`). `Ok(None)` if the
/// comment is not one (including every `;;` comment).
pub fn parse_run_command(comment: &str, sig: &Signature) -> Result<Option<RunCommand>, ParseError> {
    let Some(body) = comment.strip_prefix(';') else { return Ok(None) };
    if body.starts_with(';') {
        return Ok(None);
    }
    let trimmed = body.trim_start();
    let (is_print, rest) = if let Some(r) = trimmed.strip_prefix("run:") {
        (false, r)
    } else if let Some(r) = trimmed.strip_prefix("print:") {
        (true, r)
    } else if trimmed.trim_end() == "run" {
        return Ok(Some(RunCommand::BareRun { function: String::new() }));
    } else {
        return Ok(None);
    };
    let offset = comment.len() - rest.len();
    let mut lexed = lex(rest, 1)?;
    for t in &mut lexed.tokens {
        t.pos.col += offset;
    }
    if let Some(c) = lexed.comments.first() {
        let col = offset + rest.find(';').unwrap_or(0) + 1;
        return Err(ParseError::at(Pos { line: c.line, col }, "unexpected `;` in a run command"));
    }
    let mut cur = Cursor::new(lexed.tokens);
    let invocation = parse_invocation(&mut cur, sig)?;
    let cmd = if is_print {
        RunCommand::Print { invocation }
    } else {
        let comparison = match cur.peek().tok {
            Tok::EqEq => Comparison::Equal,
            Tok::NotEq => Comparison::NotEqual,
            Tok::Eof if invocation.args.is_empty() => {
                return Ok(Some(RunCommand::BareRun { function: invocation.function }));
            }
            _ => return cur.expected("`==` or `!=`"),
        };
        cur.bump();
        let expected = match sig.returns.len() {
            0 => return cur.error("the function returns nothing, so there is nothing to compare"),
            1 => vec![parse_value(&mut cur, sig.returns[0].value_type)?],
            n => {
                cur.expect(Tok::LBracket, &format!("`[` and the {n} expected results"))?;
                let mut vals = Vec::with_capacity(n);
                for (i, r) in sig.returns.iter().enumerate() {
                    if i > 0 {
                        cur.expect(Tok::Comma, "`,` between the expected results")?;
                    }
                    vals.push(parse_value(&mut cur, r.value_type)?);
                }
                cur.expect(Tok::RBracket, &format!("`]` after the {n} expected results"))?;
                vals
            }
        };
        RunCommand::Run { invocation, comparison, expected }
    };
    if cur.peek().tok != Tok::Eof {
        return cur.expected("the end of the run command");
    }
    Ok(Some(cmd))
}

/// `%name(args)` with arguments typed by `sig.params`.
fn parse_invocation(cur: &mut Cursor<'_>, sig: &Signature) -> PResult<Invocation> {
    let Tok::Name(name) = cur.peek().tok else { return cur.expected("a function name like `%f`") };
    cur.bump();
    cur.expect(Tok::LParen, "`(` and the arguments")?;
    let mut args = Vec::with_capacity(sig.params.len());
    if !cur.eat(Tok::RParen) {
        loop {
            let Some(param) = sig.params.get(args.len()) else {
                return cur.error(format!("`%{name}` takes {} argument(s)", sig.params.len()));
            };
            args.push(parse_value(cur, param.value_type)?);
            if cur.eat(Tok::RParen) {
                break;
            }
            cur.expect(Tok::Comma, "`,` or `)` in the arguments")?;
        }
    }
    if args.len() != sig.params.len() {
        return Err(ParseError::at(
            cur.peek().pos,
            format!("`%{name}` takes {} argument(s), found {}", sig.params.len(), args.len()),
        ));
    }
    Ok(Invocation { function: name.to_string(), args })
}

/// One value of type `ty`: a scalar literal, or `[l0 l1 ...]` for a vector.
fn parse_value(cur: &mut Cursor<'_>, ty: Type) -> PResult<DataValue> {
    if ty.is_vector() {
        let start = cur.expect(Tok::LBracket, &format!("`[` and the lanes of a {ty} value"))?;
        if ty.bits() != 128 {
            return Err(ParseError::at(start, format!("{ty} values are not supported (only 128-bit vectors)")));
        }
        let lane = ty.lane_type();
        let lane_bytes = (lane.bits() / 8) as usize;
        let mut bytes = [0u8; 16];
        for i in 0..ty.lane_count() as usize {
            let bits = scalar(cur, lane)?;
            bytes[i * lane_bytes..(i + 1) * lane_bytes].copy_from_slice(&bits.to_le_bytes()[..lane_bytes]);
        }
        cur.expect(Tok::RBracket, &format!("`]` after the {} lanes", ty.lane_count()))?;
        return Ok(DataValue::V128(ty, bytes));
    }
    let pos = cur.peek().pos;
    let bits = scalar(cur, ty)?;
    DataValue::from_bits(bits, ty).ok_or_else(|| ParseError::at(pos, format!("cannot write a value of type {ty}")))
}

fn scalar(cur: &mut Cursor<'_>, ty: Type) -> PResult<u128> {
    let t = cur.peek();
    let text = match t.tok {
        Tok::Number(s) | Tok::Word(s) => s,
        _ => return cur.expected(&format!("a {ty} value")),
    };
    cur.bump();
    parse_scalar_bits(text, ty).map_err(|m| ParseError::at(t.pos, m))
}

/// Reads one value of type `ty` from `text` (the whole text), in run-line syntax.
pub fn parse_data_value(text: &str, ty: Type) -> Result<DataValue, ParseError> {
    let lexed = lex(text, 1)?;
    let mut cur = Cursor::new(lexed.tokens);
    let v = parse_value(&mut cur, ty)?;
    if cur.peek().tok != Tok::Eof || !lexed.comments.is_empty() {
        return cur.expected("the end of the value");
    }
    Ok(v)
}
