//! `lathe explain --html` in a real browser: the page is opened in headless Chromium
//! (Debian's `chromium`, installed by `scripts/test-deps.sh`), a script in the page clicks a
//! value (the `#click=KEY` fragment, see `src/explain/html.rs`) and reports what each column
//! highlights into the DOM, which Chromium dumps for this test to check. Without Chromium
//! the test fails and says how to install it: it never passes without running.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A Wasm function whose second `i32.mul` the mid-end removes (global value numbering),
/// so the page has more than one IR column.
const WAT: &str = "(module
  (func $square_sum (param $a i32) (param $b i32) (result i32)
    (i32.add (i32.mul (local.get $a) (local.get $b)) (i32.mul (local.get $a) (local.get $b)))))";

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        if let Ok(out) = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!(
        "NO CHROMIUM: this test opens the explain page in headless Chromium, which is not installed; \
         run scripts/test-deps.sh (apt-get install chromium)"
    );
}

/// The page's DOM after loading it with `fragment`.
fn dump_dom(page: &Path, fragment: &str) -> String {
    let url = format!("file://{}#{fragment}", page.display());
    let out = Command::new(chromium())
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--dump-dom", &url])
        .output()
        .expect("chromium starts");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One column's report: (stage, highlighted tokens, highlighted lines, clicked-key tokens
/// highlighted, clicked-key tokens in the column).
fn parse_report(dom: &str) -> Vec<(String, usize, usize, usize, usize)> {
    let start = dom.find("<pre id=\"explain-result\">").expect("the result element") + 25;
    let end = start + dom[start..].find("</pre>").expect("its end");
    let num = |s: &str| s.parse::<usize>().unwrap_or_else(|_| panic!("a number: {s:?}"));
    dom[start..end]
        .lines()
        .map(|l| {
            let (stage, rest) = l.rsplit_once(": tokens=").unwrap_or_else(|| panic!("a column report: {l:?}"));
            let (tokens, rest) = rest.split_once(" lines=").expect("lines=");
            let (lines, clicked) = rest.split_once(" clicked=").expect("clicked=");
            let (hl, total) = clicked.split_once('/').expect("n/m");
            (stage.to_string(), num(tokens), num(lines), num(hl), num(total))
        })
        .collect()
}

#[test]
fn clicking_a_value_highlights_it_in_every_column() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let wat = dir.join("explain_html.wat");
    let page = dir.join("explain_html.html");
    std::fs::write(&wat, WAT).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(["explain", "--target", "x86_64", "--set", "opt_level=speed", "--function", "square_sum", "--html"])
        .arg(&page)
        .arg(&wat)
        .output()
        .expect("lathe runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing is fetched.
    for external in ["http://", "https://", " src=", "<link"] {
        assert!(!html.contains(external), "the page refers to something outside it: {external}");
    }
    // Rule names link to the rule list, whose entries link to the rule's file and line.
    let rule = html.split("href=\"#rule-").nth(1).and_then(|s| s.split('"').next()).expect("a rule link");
    let entry = html.split(&format!("id=\"rule-{rule}\"><a href=\"file://")).nth(1).expect("the rule's entry");
    assert!(entry.split('"').next().unwrap().contains("/codegen/src/isa/x64/lower/"), "{entry:.200}");
    assert!(entry.split('"').next().unwrap().contains(".isle#L"), "{entry:.200}");

    // `v2` is the Wasm function's second parameter ($b; v0 is the vmctx, v1 is $a).
    let report = parse_report(&dump_dom(&page, "click=v2"));
    let stages: Vec<&str> = report.iter().map(|r| r.0.as_str()).collect();
    assert!(stages.len() >= 5, "input, a mid-end pass, VCode, regalloc, machine code: {stages:?}");
    assert_eq!(stages[0], "input");
    assert!(stages.iter().any(|s| s.starts_with("mid-end: ")), "{stages:?}");
    for (stage, tokens, lines, hl, total) in &report {
        assert!(*lines > 0, "{stage}: no line highlighted: {report:?}");
        let ir = !stage.starts_with("lower:") && !stage.starts_with("regalloc") && !stage.starts_with("machine code");
        if ir {
            // Its definition (a block parameter) and its uses (the multiplies).
            assert!(*total >= 2, "{stage}: v2 appears {total} times: {report:?}");
            assert_eq!(hl, total, "{stage}: every v2 is highlighted: {report:?}");
        } else if !stage.starts_with("machine code") {
            // Its virtual register, in the VCode and in the allocation's notes.
            assert!(*tokens > 0, "{stage}: its virtual register is not highlighted: {report:?}");
        }
    }
    // The input has both multiplies using v2; after the mid-end only one is left.
    let input_lines = report[0].2;
    let last_ir = report.iter().rfind(|r| r.0.starts_with("mid-end: ")).unwrap();
    assert!(last_ir.2 < input_lines, "fewer uses after GVN: {report:?}");
}
