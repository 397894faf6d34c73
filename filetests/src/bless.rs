//! Expected-output blocks: the comment lines right after a function's closing `}`, and
//! rewriting them in place when blessing (`LATHE_BLESS=1`).
//!
//! The block is the run of lines directly after the `}` line that start with `;` and are
//! not run commands (`; run`, `; print:`). Each expected line is written `; ` + text, an
//! empty expected line as `;`.

/// The expected lines of the block that starts at 1-based line `after_line + 1`, and the
/// number of source lines the block spans.
pub fn expected_block(source: &str, end_line: usize) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    for line in source.lines().skip(end_line) {
        let t = line.trim_start();
        if !t.starts_with(';') || is_run_command(t) {
            break;
        }
        let body = &t[1..];
        out.push(body.strip_prefix(' ').unwrap_or(body).to_string());
    }
    let n = out.len();
    (out, n)
}

/// Whether a comment line is a run command rather than expected output.
pub fn is_run_command(comment: &str) -> bool {
    let body = comment.trim_start_matches(';').trim_start();
    body == "run" || body.starts_with("run:") || body.starts_with("print:")
}

/// One replacement: the block after 1-based line `end_line`, `old_len` lines long, becomes
/// `new_lines`.
pub struct Replacement {
    /// The line of the function's closing brace.
    pub end_line: usize,
    /// Lines the old block spans.
    pub old_len: usize,
    /// The new expected lines (without the `; ` prefix).
    pub new_lines: Vec<String>,
}

/// Applies replacements (in any order) to `source` and returns the new text.
pub fn apply(source: &str, mut reps: Vec<Replacement>) -> String {
    reps.sort_by_key(|r| r.end_line);
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    for r in reps {
        while i < r.end_line.min(lines.len()) {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
        }
        for l in &r.new_lines {
            if l.is_empty() {
                out.push_str(";\n");
            } else {
                out.push_str("; ");
                out.push_str(l);
                out.push('\n');
            }
        }
        i += r.old_len;
    }
    while i < lines.len() {
        out.push_str(lines[i]);
        out.push('\n');
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_is_found_and_replaced() {
        let src = "function %f() {\nblock0:\n    return\n}\n; old\n;\n; run: %f()\n";
        let (lines, n) = expected_block(src, 4);
        assert_eq!(lines, vec!["old".to_string(), String::new()]);
        assert_eq!(n, 2);
        let out = apply(src, vec![Replacement { end_line: 4, old_len: n, new_lines: vec!["new".into()] }]);
        assert_eq!(out, "function %f() {\nblock0:\n    return\n}\n; new\n; run: %f()\n");
    }
}
