//! A cursor over the token list, with the small helpers every parser module uses: peek,
//! bump, expect, and entity words (`v3`, `block2`, `gv0`) turned into numbers.
//!
//! The token list always ends with `Eof`, and the cursor never moves past it, so peeking
//! is total.

use super::error::{PResult, ParseError, Pos};
use super::lexer::{Tok, Token};

/// A position in a token list.
pub(crate) struct Cursor<'a> {
    toks: Vec<Token<'a>>,
    pos: usize,
    /// Line of the last token consumed (0 before any).
    last_line: usize,
}

const EOF: Token<'static> = Token { tok: Tok::Eof, pos: Pos { line: 0, col: 0 } };

impl<'a> Cursor<'a> {
    /// A cursor at the first token.
    pub fn new(toks: Vec<Token<'a>>) -> Self {
        Cursor { toks, pos: 0, last_line: 0 }
    }

    /// The current token.
    pub fn peek(&self) -> Token<'a> {
        self.peek_nth(0)
    }

    /// The token `n` places ahead (the final `Eof` past the end).
    pub fn peek_nth(&self, n: usize) -> Token<'a> {
        self.toks.get(self.pos + n).or(self.toks.last()).copied().unwrap_or(EOF)
    }

    /// Consumes and returns the current token (stays at `Eof`).
    pub fn bump(&mut self) -> Token<'a> {
        let t = self.peek();
        if t.tok != Tok::Eof {
            self.pos += 1;
            self.last_line = t.pos.line;
        }
        t
    }

    /// Whether the current token is on the line of the last consumed one.
    pub fn on_same_line(&self) -> bool {
        let t = self.peek();
        t.tok != Tok::Eof && t.pos.line == self.last_line
    }

    /// An error at the current token.
    pub fn error<T>(&self, msg: impl Into<String>) -> PResult<T> {
        Err(ParseError::at(self.peek().pos, msg))
    }

    /// An error "expected X, found Y" at the current token.
    pub fn expected<T>(&self, what: &str) -> PResult<T> {
        self.error(format!("expected {what}, found {}", self.peek().tok.describe()))
    }

    /// Consumes `tok` if it is next.
    pub fn eat(&mut self, tok: Tok<'_>) -> bool {
        if self.peek().tok == tok {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Consumes `tok` or fails with "expected `what`".
    pub fn expect(&mut self, tok: Tok<'_>, what: &str) -> PResult<Pos> {
        let t = self.peek();
        if t.tok == tok {
            self.bump();
            Ok(t.pos)
        } else {
            self.expected(what)
        }
    }

    /// Consumes a word.
    pub fn word(&mut self, what: &str) -> PResult<(&'a str, Pos)> {
        match self.peek().tok {
            Tok::Word(w) => {
                let p = self.bump().pos;
                Ok((w, p))
            }
            _ => self.expected(what),
        }
    }

    /// Consumes a number token.
    pub fn number(&mut self, what: &str) -> PResult<(&'a str, Pos)> {
        match self.peek().tok {
            Tok::Number(n) => {
                let p = self.bump().pos;
                Ok((n, p))
            }
            _ => self.expected(what),
        }
    }

    /// Whether the current token is the entity word `<prefix><digits>`.
    pub fn at_entity(&self, prefix: &str) -> bool {
        matches!(self.peek().tok, Tok::Word(w) if entity_digits(w, prefix).is_some())
    }

    /// Consumes an entity word `<prefix><n>` and returns `n`, checked against `limit`.
    pub fn entity(&mut self, prefix: &str, what: &str, limit: u32) -> PResult<(u32, Pos)> {
        let t = self.peek();
        let Tok::Word(w) = t.tok else { return self.expected(what) };
        let Some(digits) = entity_digits(w, prefix) else { return self.expected(what) };
        let n = digits.parse::<u32>().ok().filter(|&n| n <= limit);
        match n {
            Some(n) => {
                self.bump();
                Ok((n, t.pos))
            }
            None => Err(ParseError::at(t.pos, format!("entity number in `{w}` is too large (the limit is {limit})"))),
        }
    }
}

/// The digits of an entity word `<prefix><digits>`, if `w` is one.
pub(crate) fn entity_digits<'w>(w: &'w str, prefix: &str) -> Option<&'w str> {
    let d = w.strip_prefix(prefix)?;
    (!d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())).then_some(d)
}
