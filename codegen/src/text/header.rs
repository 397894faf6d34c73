//! The header of a test file: `test`, `set` and `target` lines before the first
//! `function`. They are read line by line (not through the lexer), since option words such
//! as `precise-output` follow no token rules.
//!
//! Output: the commands and header lines, and where the function part of the text starts
//! (byte offset and 1-based line), which the function parser reads from.

use super::error::{PResult, ParseError, Pos};
use super::testfile::{HeaderLine, TestCommand};

/// The header of a file and where the rest begins.
pub(crate) struct Header {
    pub commands: Vec<TestCommand>,
    pub headers: Vec<HeaderLine>,
    /// Byte offset of the first line that is not a header, comment or blank line.
    pub body_offset: usize,
    /// Its 1-based line number.
    pub body_line: usize,
}

/// Reads the header lines of `text`.
pub(crate) fn parse_header(text: &str) -> PResult<Header> {
    let mut commands = Vec::new();
    let mut headers = Vec::new();
    let mut offset = 0;
    let mut line_no = 0;
    for raw in text.split_inclusive('\n') {
        line_no += 1;
        let code = raw.split(';').next().unwrap_or("");
        let mut words = code.split_whitespace();
        let Some(first) = words.next() else {
            offset += raw.len();
            continue;
        };
        let col = code.len() - code.trim_start().len() + 1;
        let pos = Pos { line: line_no, col };
        match first {
            "test" => {
                let Some(name) = words.next() else {
                    return Err(ParseError::at(pos, "expected a test kind after `test`"));
                };
                commands.push(TestCommand {
                    name: name.to_string(),
                    options: words.map(str::to_string).collect(),
                    line: line_no,
                });
            }
            "set" => {
                // `set a=1 b`, also with spaces around `=`.
                let rest: Vec<&str> = words.collect();
                let joined = rest.join(" ").replace(" = ", "=").replace(" =", "=").replace("= ", "=");
                if joined.is_empty() {
                    return Err(ParseError::at(pos, "expected a setting after `set`"));
                }
                for item in joined.split(' ') {
                    let (name, value) = match item.split_once('=') {
                        Some((n, v)) => (n, Some(v.to_string())),
                        None => (item, None),
                    };
                    if name.is_empty() || value.as_deref() == Some("") {
                        return Err(ParseError::at(pos, format!("malformed setting `{item}`")));
                    }
                    headers.push(HeaderLine::Set { name: name.to_string(), value, line: line_no });
                }
            }
            "target" => {
                let Some(arch) = words.next() else {
                    return Err(ParseError::at(pos, "expected an architecture after `target`"));
                };
                headers.push(HeaderLine::Target {
                    arch: arch.to_string(),
                    flags: words.map(str::to_string).collect(),
                    line: line_no,
                });
            }
            _ => return Ok(Header { commands, headers, body_offset: offset, body_line: line_no }),
        }
        offset += raw.len();
    }
    Ok(Header { commands, headers, body_offset: text.len(), body_line: line_no + 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        let text = "test interpret\ntest compile precise-output ; c\n\nset opt_level=speed\nset a = 1 b\n\
                    target x86_64 has_avx\n; note\nfunction %f() {";
        let h = parse_header(text).unwrap();
        assert_eq!(h.commands.len(), 2);
        assert_eq!(h.commands[1].options, vec!["precise-output".to_string()]);
        assert_eq!(h.commands[1].line, 2);
        assert_eq!(
            h.headers,
            vec![
                HeaderLine::Set { name: "opt_level".into(), value: Some("speed".into()), line: 4 },
                HeaderLine::Set { name: "a".into(), value: Some("1".into()), line: 5 },
                HeaderLine::Set { name: "b".into(), value: None, line: 5 },
                HeaderLine::Target { arch: "x86_64".into(), flags: vec!["has_avx".into()], line: 6 },
            ]
        );
        assert_eq!(h.body_line, 8);
        assert!(text[h.body_offset..].starts_with("function"));
    }

    #[test]
    fn header_errors() {
        let e = parse_header("test\n").err().unwrap();
        assert_eq!((e.line, e.column), (1, 1));
        let e = parse_header("\n  target\n").err().unwrap();
        assert_eq!((e.line, e.column), (2, 3));
        assert!(parse_header("set =3\n").is_err());
        let h = parse_header("").unwrap();
        assert_eq!(h.body_offset, 0);
    }
}
