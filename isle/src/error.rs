//! Source positions and diagnostics.
//!
//! Every error the compiler reports is a [`Diagnostic`] with a primary [`Span`] (file, line,
//! column, byte range) and optional notes pointing at other places. [`Errors`] owns a copy of
//! the source texts so it can render rustc-style caret excerpts on its own, long after the
//! compiler's intermediate data is gone.
//!
//! Invariant: spans always lie inside the text of their file (the lexer only creates spans
//! from real byte ranges); rendering clamps anyway, so a bad span cannot panic.

use std::fmt;
use std::sync::Arc;

/// A range of source text: the file index into [`Files`], a byte range, and the 1-based line
/// and column of its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// Index of the file in [`Files`].
    pub file: u32,
    /// Byte offset of the first character.
    pub start: u32,
    /// Byte offset one past the last character.
    pub end: u32,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column (in characters) of `start`.
    pub col: u32,
}

impl Span {
    /// A span covering `self` through the end of `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span { end: other.end.max(self.end), ..self }
    }
}

/// The source files of one compilation: names (as the user gave them) and contents.
#[derive(Clone, Debug, Default)]
pub struct Files {
    /// `(name, text)` in the order the files were given.
    pub files: Vec<(String, String)>,
}

impl Files {
    /// The display name of file `idx`, or `<unknown>`.
    pub fn name(&self, idx: u32) -> &str {
        self.files.get(idx as usize).map(|f| f.0.as_str()).unwrap_or("<unknown>")
    }

    /// `file:line:col` for a span, the form used in messages and generated comments.
    pub fn location(&self, span: Span) -> String {
        format!("{}:{}:{}", self.name(span.file), span.line, span.col)
    }

    /// `file:line` for a span (used in generated code comments).
    pub fn short_location(&self, span: Span) -> String {
        format!("{}:{}", self.name(span.file), span.line)
    }
}

/// A secondary message, usually pointing at a related place in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where the note points, if anywhere.
    pub span: Option<Span>,
    /// The note's text.
    pub message: String,
}

/// One error: a message, its primary location and notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What went wrong, in one line.
    pub message: String,
    /// The primary location; `None` only for errors outside any file (I/O).
    pub span: Option<Span>,
    /// Related places and hints.
    pub notes: Vec<Note>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { message: message.into(), span: Some(span), notes: Vec::new() }
    }

    /// Adds a note pointing at `span`.
    pub fn with_note(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.notes.push(Note { span: Some(span), message: message.into() });
        self
    }

    /// Adds a note without a location (a hint).
    pub fn with_help(mut self, message: impl Into<String>) -> Diagnostic {
        self.notes.push(Note { span: None, message: message.into() });
        self
    }
}

/// The errors of a failed compilation, with the sources needed to render them.
#[derive(Clone)]
pub struct Errors {
    /// The diagnostics, in the order they were found (deterministic).
    pub diagnostics: Vec<Diagnostic>,
    files: Arc<Files>,
}

impl Errors {
    /// Bundles diagnostics with the files they point into.
    pub fn new(diagnostics: Vec<Diagnostic>, files: Arc<Files>) -> Errors {
        Errors { diagnostics, files }
    }

    /// An error not tied to any source text (for example an unreadable file).
    pub fn io(message: String) -> Errors {
        Errors {
            diagnostics: vec![Diagnostic { message, span: None, notes: Vec::new() }],
            files: Arc::new(Files::default()),
        }
    }

    /// The files the diagnostics point into.
    pub fn files(&self) -> &Files {
        &self.files
    }

    /// Renders every diagnostic, rustc style, separated by blank lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            render_one(&self.files, d, &mut out);
            out.push('\n');
        }
        out
    }
}

impl fmt::Debug for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Errors {}

fn render_one(files: &Files, d: &Diagnostic, out: &mut String) {
    out.push_str("error: ");
    out.push_str(&d.message);
    out.push('\n');
    if let Some(span) = d.span {
        excerpt(files, span, out);
    }
    for note in &d.notes {
        match note.span {
            Some(span) => {
                out.push_str("note: ");
                out.push_str(&note.message);
                out.push('\n');
                excerpt(files, span, out);
            }
            None => {
                out.push_str("  = help: ");
                out.push_str(&note.message);
                out.push('\n');
            }
        }
    }
}

/// Writes ` --> file:line:col`, the source line and a caret line under the span.
fn excerpt(files: &Files, span: Span, out: &mut String) {
    let line_no = span.line.to_string();
    let pad = " ".repeat(line_no.len());
    out.push_str(&format!("{pad}--> {}\n", files.location(span)));
    let Some((_, text)) = files.files.get(span.file as usize) else {
        return;
    };
    let Some(line) = text.lines().nth(span.line.saturating_sub(1) as usize) else {
        return;
    };
    let line = line.trim_end_matches('\r');
    // Columns count characters; the caret run covers the span's characters on this line.
    let col0 = span.col.saturating_sub(1) as usize;
    let line_chars = line.chars().count();
    let start = col0.min(line_chars);
    let span_chars = text
        .get(span.start as usize..(span.end as usize).min(text.len()))
        .map(|s| s.chars().take_while(|&c| c != '\n').count())
        .unwrap_or(1);
    let width = span_chars.clamp(1, line_chars.saturating_sub(start).max(1));
    out.push_str(&format!("{pad} |\n"));
    out.push_str(&format!("{line_no} | {line}\n"));
    // Tabs are kept so the caret lines up under tab-indented source.
    let lead: String = line.chars().take(start).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    out.push_str(&format!("{pad} | {lead}{}\n", "^".repeat(width)));
}
