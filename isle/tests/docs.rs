//! Every ```isle example in docs/isle.md compiles; every ```isle,error example fails with
//! the message in its `;; error:` comment.

use std::path::PathBuf;

#[test]
fn doc_examples_behave_as_documented() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/isle.md");
    let doc = std::fs::read_to_string(&path).expect("docs/isle.md exists");
    let mut blocks: Vec<(usize, bool, String)> = Vec::new();
    let mut current: Option<(usize, bool, String)> = None;
    for (i, line) in doc.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```isle") => current = Some((i + 1, false, String::new())),
            (None, "```isle,error") => current = Some((i + 1, true, String::new())),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some((_, _, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(blocks.len() >= 12, "found only {} isle examples", blocks.len());
    let mut failures = Vec::new();
    for (line, is_error, text) in &blocks {
        let name = format!("isle.md:{line}");
        let result = lathe_isle::compile_sources(&[(name.clone(), text.clone())], &Default::default());
        match (is_error, result) {
            (false, Ok(_)) => {}
            (false, Err(e)) => failures.push(format!("{name}: expected to compile:\n{e}")),
            (true, Ok(_)) => failures.push(format!("{name}: expected an error")),
            (true, Err(e)) => {
                let Some(want) = text.lines().find_map(|l| l.trim().strip_prefix(";; error:")) else {
                    failures.push(format!("{name}: error example without `;; error:` line"));
                    continue;
                };
                let want = format!("error: {}", want.trim());
                if !e.render().contains(&want) {
                    failures.push(format!("{name}: expected `{want}`, got:\n{e}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
