//! The lexer: source text to a flat list of [`Token`]s with spans.
//!
//! Input: one file's text and its index. Output: tokens, or the first lexical error.
//! Comments (`;` to end of line) and whitespace are dropped. A symbol is any run of ASCII
//! graphic characters other than `(`, `)`, `;` and `@`; a symbol that looks like a number
//! (optional `-`, then a digit) must parse as one. `#t`/`#f` and `true`/`false` are booleans.
//!
//! Invariant: every token's span lies inside the text and starts on a character boundary.

use crate::error::{Diagnostic, Span};

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `@`, the bind-and-match operator in `x @ pat`.
    At,
    /// An identifier or keyword.
    Symbol(String),
    /// An integer literal.
    Int(i128),
    /// `true`/`false`/`#t`/`#f`.
    Bool(bool),
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The token.
    pub kind: TokenKind,
    /// Its source range.
    pub span: Span,
}

/// Splits `text` (file number `file`) into tokens.
pub fn lex(text: &str, file: u32) -> Result<Vec<Token>, Diagnostic> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0usize;
    let mut line = 1u32;
    let mut col = 1u32;
    while pos < bytes.len() {
        let b = bytes[pos];
        let start = pos;
        let span_at = |end: usize, line: u32, col: u32| Span { file, start: start as u32, end: end as u32, line, col };
        match b {
            b'\n' => {
                pos += 1;
                line += 1;
                col = 1;
            }
            b' ' | b'\t' | b'\r' => {
                pos += 1;
                col += 1;
            }
            b';' => {
                while pos < bytes.len() && bytes[pos] != b'\n' {
                    pos += 1;
                }
            }
            b'(' | b')' | b'@' => {
                let kind = match b {
                    b'(' => TokenKind::LParen,
                    b')' => TokenKind::RParen,
                    _ => TokenKind::At,
                };
                tokens.push(Token { kind, span: span_at(pos + 1, line, col) });
                pos += 1;
                col += 1;
            }
            _ if is_symbol_byte(b) => {
                while pos < bytes.len() && is_symbol_byte(bytes[pos]) {
                    pos += 1;
                }
                let word = &text[start..pos];
                let span = span_at(pos, line, col);
                col += (pos - start) as u32;
                let kind = classify(word).map_err(|msg| Diagnostic::new(span, msg))?;
                tokens.push(Token { kind, span });
            }
            _ => {
                let ch = text[pos..].chars().next().unwrap_or('?');
                let span = Span { end: (pos + ch.len_utf8()) as u32, ..span_at(pos, line, col) };
                return Err(Diagnostic::new(span, format!("unexpected character {ch:?}")));
            }
        }
    }
    Ok(tokens)
}

fn is_symbol_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b';' | b'@')
}

fn classify(word: &str) -> Result<TokenKind, String> {
    match word {
        "true" | "#t" => return Ok(TokenKind::Bool(true)),
        "false" | "#f" => return Ok(TokenKind::Bool(false)),
        _ => {}
    }
    let digits = word.strip_prefix('-').unwrap_or(word);
    if digits.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return parse_int(word).map(TokenKind::Int);
    }
    Ok(TokenKind::Symbol(word.to_string()))
}

/// Parses `-?(0x|0b|0o)?digits` with `_` separators into an `i128`.
pub fn parse_int(word: &str) -> Result<i128, String> {
    let (neg, rest) = match word.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, word),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x").or(rest.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0b").or(rest.strip_prefix("0B")) {
        (2, d)
    } else if let Some(d) = rest.strip_prefix("0o").or(rest.strip_prefix("0O")) {
        (8, d)
    } else {
        (10, rest)
    };
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty() {
        return Err(format!("invalid integer literal `{word}`: no digits"));
    }
    let magnitude = u128::from_str_radix(&cleaned, radix).map_err(|_| format!("invalid integer literal `{word}`"))?;
    if neg {
        if magnitude == 1u128 << 127 {
            Ok(i128::MIN)
        } else {
            i128::try_from(magnitude)
                .map(|m| -m)
                .map_err(|_| format!("integer literal `{word}` does not fit in 128 bits"))
        }
    } else {
        // Values above i128::MAX keep their bit pattern, so u128 constants still work.
        Ok(magnitude as i128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<TokenKind> {
        lex(s, 0).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn symbols_numbers_and_parens() {
        use TokenKind::*;
        assert_eq!(
            kinds("(rule (a.b x) -0x1_0) ; comment\n @ #t false <=>"),
            vec![
                LParen,
                Symbol("rule".into()),
                LParen,
                Symbol("a.b".into()),
                Symbol("x".into()),
                RParen,
                Int(-16),
                RParen,
                At,
                Bool(true),
                Bool(false),
                Symbol("<=>".into()),
            ]
        );
    }

    #[test]
    fn radixes() {
        assert_eq!(parse_int("0b1010"), Ok(10));
        assert_eq!(parse_int("0o17"), Ok(15));
        assert_eq!(parse_int("1_000"), Ok(1000));
        assert_eq!(parse_int("-170141183460469231731687303715884105728"), Ok(i128::MIN));
        assert!(parse_int("0x").is_err());
        assert!(parse_int("12ab").is_err());
    }

    #[test]
    fn spans_track_lines_and_columns() {
        let toks = lex("(a\n  bc)", 3).unwrap();
        let bc = &toks[2];
        assert_eq!((bc.span.file, bc.span.line, bc.span.col), (3, 2, 3));
        assert_eq!((bc.span.start, bc.span.end), (5, 7));
    }

    #[test]
    fn bad_character_is_an_error() {
        let err = lex("(a é)", 0).unwrap_err();
        assert!(err.message.contains("unexpected character"));
        assert_eq!(err.span.map(|s| s.col), Some(4));
    }
}
