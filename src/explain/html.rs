//! The HTML form of `lathe explain`: one self-contained page (inline style and script, no
//! network), one section per function, and in it one column per stage, side by side.
//!
//! Entities carry keys: `vN` an IR value, `iN` an IR instruction, `rN` a virtual register
//! (`%vN`), `mN` a VCode instruction (the same number in the VCode, allocation and
//! machine-code columns). A token (a value, a virtual register) has its key in `data-k`; a
//! line has in `data-keys` the keys of everything it is about. The page embeds, per
//! function, what is derived from what (a value gives its virtual registers and the block
//! parameters it is passed to, an IR instruction its results and the VCode instructions
//! lowered from it); clicking a token or
//! a line selects its key, and everything reachable from it is highlighted in every column.
//!
//! For tests, a fragment `#click=KEY` clicks the first token (or line) with that key when
//! the page loads and writes, into `<pre id="explain-result">`, one line per column: how many
//! tokens and lines are highlighted (see `tests/explain_html.rs`).

use super::text::ir_text;
use super::{Explained, hex};
use lathe_codegen::ir::Function;
use lathe_codegen::machinst::explain::{EmitOrigin, Explanation, MachineLine, RegallocKind, RuleEntry, VInst};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

/// The folder of `lathe-codegen`, against which rule locations are written.
const CODEGEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/codegen");

/// The page for `explained` functions of `file`, compiled for `arch`.
pub fn render(file: &str, arch: &str, explained: &[Explained]) -> String {
    let mut out = String::new();
    let title = format!("lathe explain {file} ({arch})");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{STYLE}</style></head>\n<body>\n<h1>{}</h1>\n<p class=\"help\">Click a value (<code>v3</code>), a virtual register (<code>%v7</code>) or a line to highlight it and everything derived from it in every column. Rule names link to their source below.</p>\n",
        esc(&title),
        esc(&title)
    );
    for (n, e) in explained.iter().enumerate() {
        render_function(&mut out, n, e);
    }
    let _ = write!(out, "<pre id=\"explain-result\"></pre>\n<script>{SCRIPT}</script>\n</body></html>\n");
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `text` escaped, with each IR value (`v12`) or virtual register (`%v12`) as a token.
fn tokens(text: &str) -> String {
    let mut out = String::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let (prefix, key) = if b[i] == b'%' && b.get(i + 1) == Some(&b'v') {
            (2, 'r')
        } else if b[i] == b'v' && boundary {
            (1, 'v')
        } else {
            (0, ' ')
        };
        let digits = b[i + prefix.min(b.len() - i)..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = i + prefix + digits;
        let ends_word = b.get(end).is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'));
        if prefix > 0 && digits > 0 && ends_word {
            let word = &text[i..end];
            let _ = write!(out, "<span class=\"tok\" data-k=\"{key}{}\">{}</span>", &text[i + prefix..end], esc(word));
            i = end;
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push_str(&esc(&ch.to_string()));
            i += ch.len_utf8();
        }
    }
    out
}

/// A line of a column: `keys` (space-separated) and its inner HTML.
fn line(out: &mut String, keys: &str, html: &str) {
    let _ = writeln!(out, "<div class=\"ln\" data-keys=\"{keys}\">{html}</div>");
}

/// Keys of a virtual register list.
fn reg_keys(regs: &[lathe_codegen::machinst::Reg]) -> String {
    regs.iter().filter_map(|r| format!("{r:?}").strip_prefix("%v").map(|n| format!(" r{n}"))).collect()
}

/// The rule of a VCode instruction as a link to the page's rule list.
fn rule_link(inst: &VInst, rules: &[RuleEntry], used: &mut BTreeSet<u32>) -> String {
    match inst.rule.and_then(|r| Some((r, rules.get(r as usize)?))) {
        Some((r, rule)) => {
            used.insert(r);
            format!(" <a class=\"rule\" href=\"#rule-{r}\">{}</a>", esc(&super::rule_label(rule)))
        }
        None => " <span class=\"note\">no rule</span>".to_string(),
    }
}

fn render_function(out: &mut String, n: usize, e: &Explained) {
    let ex = &e.stages;
    let _ = writeln!(out, "<section class=\"func\" id=\"f{n}\"><h2>{}</h2>", esc(&e.title));
    if let Some(err) = &e.error {
        let _ = writeln!(out, "<p class=\"error\">failed: {}</p>", esc(err));
    }
    let _ = writeln!(out, "<div class=\"cols\">");
    for stage in &ex.ir {
        column(out, &stage.pass, |out| ir_column(out, &stage.func));
    }
    let lowered = ex.ir.last().map(|s| &s.func);
    let mut used_rules = BTreeSet::new();
    let vinsts: HashMap<u32, &VInst> =
        ex.vcode.iter().flat_map(|v| &v.blocks).flat_map(|b| &b.insts).map(|i| (i.index, i)).collect();
    if let Some(vcode) = &ex.vcode {
        column(out, "lower: VCode (virtual registers)", |out| {
            for b in &vcode.blocks {
                let params: Vec<String> = b.params.iter().map(|r| format!("{r:?}")).collect();
                let head =
                    if params.is_empty() { b.name.clone() } else { format!("{}({})", b.name, params.join(", ")) };
                line(out, "", &format!("<span class=\"blk\">{}:</span>", tokens(&head)));
                for i in &b.insts {
                    let ir = i.ir_inst.map(|x| format!(" {x}").replace("inst", "i")).unwrap_or_default();
                    let keys = format!("m{}{ir}{}", i.index, reg_keys(&i.regs));
                    let src = match (i.ir_inst, lowered) {
                        (Some(x), Some(f)) => format!("{x}: {}", ir_text(f, x)),
                        _ => "lowering driver".to_string(),
                    };
                    let html = format!(
                        "<span class=\"idx\">[{}]</span> {} <span class=\"note\" title=\"{}\">{}{}</span>",
                        i.index,
                        tokens(&indent_more(&i.text, 4)),
                        esc(&src),
                        srcloc_note(i),
                        rule_link(i, ex.rules, &mut used_rules)
                    );
                    line(out, &keys, &html);
                }
            }
        });
    }
    if let Some(ra) = &ex.regalloc {
        column(out, &format!("regalloc ({} spill slots)", ra.spill_slots), |out| {
            for b in &ra.blocks {
                line(out, "", &format!("<span class=\"blk\">{}:</span>", esc(&b.name)));
                for l in &b.lines {
                    match l.kind {
                        RegallocKind::Inst(index) => {
                            let regs: Vec<_> = l.allocs.iter().map(|(r, _)| *r).collect();
                            let allocs: Vec<String> = l
                                .allocs
                                .iter()
                                .map(|(r, loc)| format!("{}={}", tokens(&format!("{r:?}")), esc(loc)))
                                .collect();
                            let html = format!(
                                "<span class=\"idx\">[{index}]</span> {} <span class=\"note\">{}</span>",
                                esc(&indent_more(&l.text, 4)),
                                allocs.join(" ")
                            );
                            line(out, &format!("m{index}{}", reg_keys(&regs)), &html);
                        }
                        kind => {
                            let what = match kind {
                                RegallocKind::Spill => "spill",
                                RegallocKind::Reload => "reload",
                                _ => "move",
                            };
                            line(out, "", &format!("<span class=\"edit\">{what}: {}</span>", esc(&l.text)));
                        }
                    }
                }
            }
            line(out, "", "<span class=\"blk\">locations:</span>");
            for (r, locs) in &ra.locations {
                line(out, &reg_keys(&[*r]), &format!("{} {}", tokens(&format!("{r:?}")), esc(&locs.join(", "))));
            }
        });
    }
    if let Some(m) = &ex.machine {
        column(out, &format!("machine code ({} bytes)", m.size), |out| {
            for l in &m.lines {
                match l {
                    MachineLine::Label(name) => line(out, "", &format!("<span class=\"blk\">{}:</span>", esc(name))),
                    MachineLine::Inst { offset, bytes, text, origin } => {
                        let (keys, note) = match origin {
                            EmitOrigin::VInst(i) => match vinsts.get(i) {
                                Some(v) => {
                                    let ir =
                                        v.ir_inst.map(|x| format!(" {x}").replace("inst", "i")).unwrap_or_default();
                                    let keys = format!("m{i}{ir}{}", reg_keys(&v.regs));
                                    let note =
                                        format!("[{i}] {}{}", srcloc_note(v), rule_link(v, ex.rules, &mut used_rules));
                                    (keys, note)
                                }
                                None => (format!("m{i}"), format!("[{i}]")),
                            },
                            EmitOrigin::Edit => (String::new(), "regalloc edit".into()),
                            EmitOrigin::Frame => (String::new(), "prologue/epilogue".into()),
                            EmitOrigin::Island => (String::new(), "island".into()),
                        };
                        let text = if bytes.is_empty() && text.is_empty() { "(no code)" } else { text };
                        let html = format!(
                            "<span class=\"off\">{offset:04x}</span> <span class=\"bytes\">{}</span> {} <span class=\"note\">{note}</span>",
                            esc(&hex(bytes)),
                            esc(&indent_more(text, 16))
                        );
                        line(out, &keys, &html);
                    }
                }
            }
        });
    }
    let _ = writeln!(out, "</div>");
    rules_section(out, ex, &used_rules);
    let _ = writeln!(out, "<script type=\"application/json\" class=\"derive\">{}</script>", derive_json(ex));
    let _ = writeln!(out, "</section>");
}

/// `text` with its second and later lines indented by `n` spaces, so a multi-line
/// instruction (a pseudo instruction printed as a sequence) lines up under its first line.
fn indent_more(text: &str, n: usize) -> String {
    text.replace('\n', &format!("\n{:n$}", ""))
}

/// The source location of a VCode instruction, when it has one (a Wasm offset).
fn srcloc_note(i: &VInst) -> String {
    if i.srcloc.is_default() { String::new() } else { format!("{} ", i.srcloc) }
}

fn column(out: &mut String, name: &str, body: impl FnOnce(&mut String)) {
    let _ = writeln!(out, "<div class=\"col\" data-stage=\"{}\"><h3>{}</h3><div class=\"code\">", esc(name), esc(name));
    body(out);
    let _ = writeln!(out, "</div></div>");
}

/// An IR stage: the preamble as printed, then each block and instruction as a line whose
/// keys are the instruction and the values it defines and uses.
fn ir_column(out: &mut String, f: &Function) {
    let printed = f.to_string();
    for l in printed.lines().take_while(|l| !l.trim_start().starts_with("block")) {
        line(out, "", &tokens(l));
    }
    for block in f.layout.blocks() {
        let params: Vec<String> =
            f.dfg.block_params(block).iter().map(|&p| format!("{p}: {}", f.dfg.value_type(p))).collect();
        let head = if params.is_empty() { format!("{block}:") } else { format!("{block}({}):", params.join(", ")) };
        let keys: String = f.dfg.block_params(block).iter().map(|p| format!(" {p}")).collect();
        line(out, keys.trim(), &format!("<span class=\"blk\">{}</span>", tokens(&head)));
        for inst in f.layout.block_insts(block) {
            let mut keys = format!("{inst}").replace("inst", "i");
            let mut vals = Vec::new();
            f.dfg.inst_values_into(inst, &mut vals);
            vals.extend(f.dfg.inst_results(inst).iter().copied());
            for v in vals {
                let _ = write!(keys, " {}", f.dfg.resolve_aliases(v));
            }
            let loc = f.srclocs[inst];
            let loc = if loc.is_default() { String::new() } else { format!("<span class=\"note\">{loc}</span> ") };
            line(out, &keys, &format!("    {loc}{}", tokens(&ir_text(f, inst))));
        }
    }
    line(out, "", "}");
}

/// The rules used by this function, each with its location (a link to the file) and its
/// source text when the file is there to read.
fn rules_section(out: &mut String, ex: &Explanation, used: &BTreeSet<u32>) {
    if used.is_empty() {
        return;
    }
    let _ = writeln!(out, "<details class=\"rules\" open><summary>ISLE rules used</summary>");
    for &r in used {
        let Some(&(label, term, location)) = ex.rules.get(r as usize) else { continue };
        let (file, line_no) = location.rsplit_once(':').unwrap_or((location, "1"));
        let path = format!("{CODEGEN_DIR}/{file}");
        let source = rule_source(&path, line_no.parse().unwrap_or(1));
        let _ = writeln!(
            out,
            "<div class=\"rulesrc\" id=\"rule-{r}\"><a href=\"file://{}#L{line_no}\">{}</a> <span class=\"note\">term {}{}</span><pre>{}</pre></div>",
            esc(&path),
            esc(location),
            esc(term),
            if label == location { String::new() } else { format!(", rule {}", esc(label)) },
            esc(&source)
        );
    }
    let _ = writeln!(out, "</details>");
}

/// The text of the rule starting at `line` (1-based) of `path`: up to its closing
/// parenthesis. Empty when the file cannot be read (the page names the location anyway).
fn rule_source(path: &str, line: usize) -> String {
    let Ok(text) = std::fs::read_to_string(path) else { return String::new() };
    let mut depth = 0i32;
    let mut out = String::new();
    for l in text.lines().skip(line.saturating_sub(1)).take(60) {
        out.push_str(l);
        out.push('\n');
        // Parentheses outside comments.
        for c in l.split(";;").next().unwrap_or("").chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 {
            break;
        }
    }
    out
}

/// What is derived from what, as JSON: `{"v3": ["r7"], "i5": ["v3", "m2"], ...}`.
fn derive_json(ex: &Explanation) -> String {
    let mut derive: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(vcode) = &ex.vcode {
        for (v, regs) in &vcode.value_regs {
            for key in reg_keys(regs).split_whitespace() {
                derive.entry(v.to_string()).or_default().insert(key.to_string());
            }
        }
        for b in &vcode.blocks {
            for i in &b.insts {
                if let Some(x) = i.ir_inst {
                    derive.entry(format!("{x}").replace("inst", "i")).or_default().insert(format!("m{}", i.index));
                }
            }
        }
    }
    for stage in &ex.ir {
        let f = &stage.func;
        for block in f.layout.blocks() {
            for inst in f.layout.block_insts(block) {
                for &r in f.dfg.inst_results(inst) {
                    derive.entry(format!("{inst}").replace("inst", "i")).or_default().insert(r.to_string());
                }
                // A block parameter takes the values branches pass to it.
                for bc in f.dfg.insts[inst].branch_destinations(&f.dfg.jump_tables, &f.dfg.exception_tables) {
                    let args = bc.args_slice(&f.dfg.value_lists);
                    for (&arg, &param) in args.iter().zip(f.dfg.block_params(bc.block)) {
                        // A try_call's `retN`/`exnN` is no value to trace back.
                        if !lathe_codegen::ir::BlockArg::is_value(arg) {
                            continue;
                        }
                        let arg = f.dfg.resolve_aliases(arg);
                        derive.entry(arg.to_string()).or_default().insert(param.to_string());
                    }
                }
            }
        }
    }
    let entries: Vec<String> = derive
        .iter()
        .map(|(k, vs)| {
            let vs: Vec<String> = vs.iter().map(|v| format!("\"{v}\"")).collect();
            format!("\"{k}\":[{}]", vs.join(","))
        })
        .collect();
    format!("{{{}}}", entries.join(","))
}

const STYLE: &str = r#"
body { font-family: sans-serif; margin: 8px; background: #fafafa; color: #222; }
h1 { font-size: 16px; margin: 4px 0; } h2 { font-size: 15px; margin: 10px 0 4px; }
.help { font-size: 12px; color: #555; margin: 2px 0 6px; }
.cols { display: flex; gap: 6px; overflow-x: auto; align-items: flex-start; }
.col { flex: 0 0 auto; max-width: 560px; border: 1px solid #ccc; background: #fff; }
.col h3 { font-size: 12px; margin: 0; padding: 3px 6px; background: #e8e8f0; border-bottom: 1px solid #ccc; }
.code { font-family: monospace; font-size: 11px; padding: 3px 6px; overflow-x: auto; }
.ln { cursor: pointer; white-space: pre; min-height: 1.2em; } .ln:hover { background: #f0f0f0; }
.ln.hl-line { background: #fff3b0; }
.tok { cursor: pointer; border-radius: 2px; }
.tok.hl { background: #ffb347; outline: 1px solid #d07000; }
.blk { color: #004080; font-weight: bold; } .idx { color: #888; } .off { color: #888; }
.bytes { color: #707070; } .note { color: #6a6a6a; font-size: 10px; } .edit { color: #a02020; }
a.rule { color: #2050c0; font-size: 10px; } .error { color: #b00000; }
.rules { font-size: 12px; margin: 6px 0; } .rulesrc pre { margin: 2px 0 6px 12px; font-size: 11px; }
#explain-result:empty { display: none; }
"#;

const SCRIPT: &str = r#"
(function () {
  function closure(section, key) {
    var derive = JSON.parse(section.querySelector('script.derive').textContent);
    var seen = {}; var todo = [key];
    while (todo.length) {
      var k = todo.pop();
      if (seen[k]) continue;
      seen[k] = true;
      (derive[k] || []).forEach(function (d) { todo.push(d); });
    }
    return seen;
  }
  function select(section, key) {
    var set = closure(section, key);
    section.querySelectorAll('.tok').forEach(function (t) {
      t.classList.toggle('hl', !!set[t.dataset.k]);
    });
    section.querySelectorAll('.ln').forEach(function (l) {
      var keys = (l.dataset.keys || '').split(' ');
      l.classList.toggle('hl-line', keys.some(function (k) { return k && set[k]; }));
    });
    section.dataset.selected = key;
  }
  document.querySelectorAll('section.func').forEach(function (section) {
    section.addEventListener('click', function (ev) {
      if (ev.target.closest('a')) return;
      var tok = ev.target.closest('.tok');
      var ln = ev.target.closest('.ln');
      var key = tok ? tok.dataset.k : (ln && ln.dataset.keys ? ln.dataset.keys.split(' ')[0] : null);
      if (key) select(section, key);
    });
  });
  // Tests: `#click=KEY` clicks the first token (else line) with that key, then reports what
  // each column highlights.
  var m = /^#click=(\w+)$/.exec(location.hash);
  if (m) {
    var key = m[1];
    var target = document.querySelector('.tok[data-k="' + key + '"]') ||
      Array.prototype.find.call(document.querySelectorAll('.ln'), function (l) {
        return (l.dataset.keys || '').split(' ')[0] === key;
      });
    var out = [];
    if (!target) {
      out.push('no element with key ' + key);
    } else {
      target.click();
      target.closest('section').querySelectorAll('.col').forEach(function (col) {
        var toks = col.querySelectorAll('.tok.hl').length;
        var lines = col.querySelectorAll('.ln.hl-line').length;
        var same = col.querySelectorAll('.tok[data-k="' + key + '"]').length;
        var sameHl = col.querySelectorAll('.tok.hl[data-k="' + key + '"]').length;
        out.push(col.dataset.stage + ': tokens=' + toks + ' lines=' + lines + ' clicked=' + sameHl + '/' + same);
      });
    }
    document.getElementById('explain-result').textContent = out.join('\n');
  }
})();
"#;
