//! The lexer: splits CLIF text into tokens with their line and column, and collects the
//! `;` comments (with their line) on the side.
//!
//! Input is a `&str` (the whole file or the part after the header); output is a
//! [`Lexed`] whose token list always ends with [`Tok::Eof`]. The lexer knows nothing of
//! entities or opcodes: words like `v3`, `block2` or `iadd` are all [`Tok::Word`], and the
//! parser interprets them. Numbers keep their text (`-0x1.8p3`, `+NaN:0x1`, `0xffff_0000`)
//! so that each context parses them with its own rules. Only ASCII is allowed outside
//! comments, so byte columns are character columns.

use super::error::{PResult, ParseError, Pos};

/// One token.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Tok<'a> {
    /// A word: `[A-Za-z_][A-Za-z0-9_]*` (opcodes, types, entities, flags, keywords).
    Word(&'a str),
    /// A number or float literal, with its sign if any: `-5`, `0x1.8p3`, `+NaN:0x1`, `Inf`.
    Number(&'a str),
    /// `%name`, without the `%`.
    Name(&'a str),
    /// `@hex`, the hex digits without the `@`.
    SrcLoc(&'a str),
    /// `"text"`, without the quotes and with its escapes still written out (see
    /// `literals::unescape`).
    Str(&'a str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Dot,
    Equal,
    EqEq,
    NotEq,
    Arrow,
    /// End of input.
    Eof,
}

impl Tok<'_> {
    /// How the token is shown in error messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Number(n) => format!("`{n}`"),
            Tok::Name(n) => format!("`%{n}`"),
            Tok::SrcLoc(s) => format!("`@{s}`"),
            Tok::Str(s) => format!("the string `\"{s}\"`"),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::LBrace => "`{`".into(),
            Tok::RBrace => "`}`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Colon => "`:`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Equal => "`=`".into(),
            Tok::EqEq => "`==`".into(),
            Tok::NotEq => "`!=`".into(),
            Tok::Arrow => "`->`".into(),
            Tok::Eof => "the end of the input".into(),
        }
    }
}

/// A token and where it starts.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub pos: Pos,
}

/// A comment: the text from `;` to the end of the line.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct RawComment<'a> {
    pub line: usize,
    pub text: &'a str,
}

/// The tokens and comments of a text.
#[derive(Debug)]
pub(crate) struct Lexed<'a> {
    pub tokens: Vec<Token<'a>>,
    pub comments: Vec<RawComment<'a>>,
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Where a number token that starts at `start` ends. Numbers take letters, digits, `_`
/// and `.`; a `:` right after `NaN` (payloads); a sign right after the `p` of a hex float
/// exponent, and right after the `e` of a decimal one (`1.5e-3`).
fn number_end(b: &[u8], start: usize) -> usize {
    let mut i = start;
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    while let Some(&c) = b.get(i) {
        let tok = &b[start..i];
        let ok = is_word_char(c)
            || c == b'.'
            || (c == b':' && tok.ends_with(b"NaN"))
            || (matches!(c, b'+' | b'-')
                && matches!(tok.last(), Some(b'p' | b'P'))
                && tok.windows(2).any(|w| w.eq_ignore_ascii_case(b"0x"))
                && !tok.contains(&b':'))
            || (matches!(c, b'+' | b'-') && matches!(tok.last(), Some(b'e' | b'E')) && is_decimal_mantissa(tok));
        if !ok {
            break;
        }
        i += 1;
    }
    i
}

/// Whether `tok` (a sign, then digits and `.`, then the `e` just read) is the start of a
/// decimal float with an exponent, so a sign may follow.
fn is_decimal_mantissa(tok: &[u8]) -> bool {
    let body = tok.strip_prefix(b"-").or_else(|| tok.strip_prefix(b"+")).unwrap_or(tok);
    let mant = &body[..body.len() - 1];
    mant.iter().any(u8::is_ascii_digit) && mant.iter().all(|c| c.is_ascii_digit() || *c == b'.' || *c == b'_')
}

/// Splits `src` into tokens. Line numbers start at `first_line`.
pub(crate) fn lex(src: &str, first_line: usize) -> PResult<Lexed<'_>> {
    let b = src.as_bytes();
    let mut tokens = Vec::new();
    let mut comments = Vec::new();
    let mut i = 0;
    let mut line = first_line;
    let mut line_start = 0;
    while i < b.len() {
        let c = b[i];
        let pos = Pos { line, col: i - line_start + 1 };
        let simple = |t| Some((t, i + 1));
        let single = match c {
            b'(' => simple(Tok::LParen),
            b')' => simple(Tok::RParen),
            b'[' => simple(Tok::LBracket),
            b']' => simple(Tok::RBracket),
            b'{' => simple(Tok::LBrace),
            b'}' => simple(Tok::RBrace),
            b',' => simple(Tok::Comma),
            b':' => simple(Tok::Colon),
            b'.' => simple(Tok::Dot),
            _ => None,
        };
        if let Some((tok, end)) = single {
            tokens.push(Token { tok, pos });
            i = end;
            continue;
        }
        match c {
            b'\n' => {
                i += 1;
                line += 1;
                line_start = i;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b';' => {
                let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
                let text = src[i..end].trim_end_matches('\r');
                comments.push(RawComment { line, text });
                i = end;
            }
            b'=' => {
                if b.get(i + 1) == Some(&b'=') {
                    tokens.push(Token { tok: Tok::EqEq, pos });
                    i += 2;
                } else {
                    tokens.push(Token { tok: Tok::Equal, pos });
                    i += 1;
                }
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                tokens.push(Token { tok: Tok::NotEq, pos });
                i += 2;
            }
            b'-' if b.get(i + 1) == Some(&b'>') => {
                tokens.push(Token { tok: Tok::Arrow, pos });
                i += 2;
            }
            b'%' => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && is_word_char(b[end]) {
                    end += 1;
                }
                if end == start {
                    return Err(ParseError::at(pos, "expected a name after `%`"));
                }
                tokens.push(Token { tok: Tok::Name(&src[start..end]), pos });
                i = end;
            }
            b'"' => {
                let start = i + 1;
                let mut end = start;
                loop {
                    match b.get(end) {
                        None | Some(b'\n') => return Err(ParseError::at(pos, "a string without its closing `\"`")),
                        Some(b'"') => break,
                        // An escape takes the next character along, unless that ends the line
                        // or is not ASCII (reported on the next turn).
                        Some(b'\\') => {
                            end += if b.get(end + 1).is_some_and(|&c| c.is_ascii() && c != b'\n') { 2 } else { 1 }
                        }
                        Some(c) if !c.is_ascii() => {
                            let col = end - line_start + 1;
                            return Err(ParseError::at(
                                Pos { line, col },
                                "a non-ASCII character in a string (write it as `\\u{...}`)",
                            ));
                        }
                        Some(_) => end += 1,
                    }
                }
                tokens.push(Token { tok: Tok::Str(&src[start..end]), pos });
                i = end + 1;
            }
            b'@' => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_hexdigit() {
                    end += 1;
                }
                if end == start {
                    return Err(ParseError::at(pos, "expected hex digits after `@` (a source location)"));
                }
                tokens.push(Token { tok: Tok::SrcLoc(&src[start..end]), pos });
                i = end;
            }
            c if c.is_ascii_digit()
                || (matches!(c, b'+' | b'-') && b.get(i + 1).is_some_and(|d| d.is_ascii_alphanumeric())) =>
            {
                let end = number_end(b, i);
                tokens.push(Token { tok: Tok::Number(&src[i..end]), pos });
                i = end;
            }
            c if is_word_start(c) => {
                let mut end = i;
                while end < b.len() && is_word_char(b[end]) {
                    end += 1;
                }
                let word = &src[i..end];
                if matches!(word, "NaN" | "sNaN" | "Inf") {
                    let end = number_end(b, i);
                    tokens.push(Token { tok: Tok::Number(&src[i..end]), pos });
                    i = end;
                } else {
                    tokens.push(Token { tok: Tok::Word(word), pos });
                    i = end;
                }
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(ParseError::at(pos, format!("unexpected character `{}`", ch.escape_debug())));
            }
        }
    }
    tokens.push(Token { tok: Tok::Eof, pos: Pos { line, col: b.len() - line_start + 1 } });
    Ok(Lexed { tokens, comments })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok<'_>> {
        lex(s, 1).unwrap().tokens.into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_numbers_and_punctuation() {
        assert_eq!(
            toks("v3 = iconst.i64 -1"),
            vec![
                Tok::Word("v3"),
                Tok::Equal,
                Tok::Word("iconst"),
                Tok::Dot,
                Tok::Word("i64"),
                Tok::Number("-1"),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("load.i32 v1+16, v2-8 gv0+0x10"),
            vec![
                Tok::Word("load"),
                Tok::Dot,
                Tok::Word("i32"),
                Tok::Word("v1"),
                Tok::Number("+16"),
                Tok::Comma,
                Tok::Word("v2"),
                Tok::Number("-8"),
                Tok::Word("gv0"),
                Tok::Number("+0x10"),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("(i32) -> i64"),
            vec![Tok::LParen, Tok::Word("i32"), Tok::RParen, Tok::Arrow, Tok::Word("i64"), Tok::Eof]
        );
        assert_eq!(
            toks("== != { } [ ] :"),
            vec![Tok::EqEq, Tok::NotEq, Tok::LBrace, Tok::RBrace, Tok::LBracket, Tok::RBracket, Tok::Colon, Tok::Eof]
        );
    }

    #[test]
    fn floats_and_names() {
        assert_eq!(
            toks("-0x1.8p-3 +NaN:0x1 -sNaN:0x80001 NaN Inf +Inf 0x5.0"),
            vec![
                Tok::Number("-0x1.8p-3"),
                Tok::Number("+NaN:0x1"),
                Tok::Number("-sNaN:0x80001"),
                Tok::Number("NaN"),
                Tok::Number("Inf"),
                Tok::Number("+Inf"),
                Tok::Number("0x5.0"),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("1.5 -0.25e-3 6.02E+23 1e10, e-1"),
            vec![
                Tok::Number("1.5"),
                Tok::Number("-0.25e-3"),
                Tok::Number("6.02E+23"),
                Tok::Number("1e10"),
                Tok::Comma,
                Tok::Word("e"),
                Tok::Number("-1"),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("%foo+8 u0:12 @001a"),
            vec![
                Tok::Name("foo"),
                Tok::Number("+8"),
                Tok::Word("u0"),
                Tok::Colon,
                Tok::Number("12"),
                Tok::SrcLoc("001a"),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn comments_and_positions() {
        let l = lex("a ; one\n  b ;; two\n", 3).unwrap();
        assert_eq!(l.comments, vec![RawComment { line: 3, text: "; one" }, RawComment { line: 4, text: ";; two" }]);
        assert_eq!(l.tokens[1].pos, Pos { line: 4, col: 3 });
        assert_eq!(l.tokens[2].tok, Tok::Eof);
    }

    #[test]
    fn bad_characters_are_errors() {
        let e = lex("v1 = iadd v0, v0\n  v2 # x", 1).unwrap_err();
        assert_eq!((e.line, e.column), (2, 6));
        assert!(e.message.contains("unexpected character"));
        let e = lex("é", 1).unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        assert!(lex("@ 12", 1).is_err());
        assert!(lex("% x", 1).is_err());
        // Non-ASCII inside a comment is fine.
        assert!(lex("; é ü\nv1", 1).is_ok());
    }
}
