//! Tests of the text format as a whole: round trips of a large sample, error positions,
//! robustness against random and mutated input, and run lines. Unit tests of single
//! modules live next to them.

mod errors;
mod robustness;
mod roundtrip;
mod run_commands;

/// The large handwritten sample covering every opcode and format.
pub(super) const SAMPLE: &str = include_str!("sample.clif");

/// print(parse(text)) for every function of `text`.
pub(super) fn print_all(text: &str) -> Result<String, super::ParseError> {
    let funcs = super::parse_functions(text)?;
    Ok(funcs.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"))
}
