//! Robustness: thousands of seeded random mutations of real ISLE files (the examples, the
//! diagnostic cases and every example in `docs/isle.md`) go through the compiler. A panic
//! or stack overflow fails the test; every error must carry a location and render.

use std::path::PathBuf;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "(",
    ")",
    "@",
    "_",
    "rule",
    "decl",
    "partial",
    "multi",
    "type",
    "extern",
    "extractor",
    "constructor",
    "infallible",
    "const",
    "convert",
    "enum",
    "primitive",
    "if-let",
    "if",
    "and",
    "let",
    "x",
    "y",
    "0",
    "-1",
    "0xff",
    "true",
    "#f",
    "$BIG",
    "Op.Add",
    "u32",
    "i64",
    "bool",
    "Value",
    "lower",
    "fold",
    "def",
    "iconst",
    "1000000000000000000000000",
    ";",
    "\n",
    " ",
    "((((",
    "))))",
];

fn sources() -> Vec<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["tests/isle_examples", "tests/diagnostics"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("test directory exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "isle"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).expect("readable");
            out.push((p.display().to_string(), text));
        }
    }
    let doc = std::fs::read_to_string(root.join("../docs/isle.md")).expect("docs/isle.md exists");
    let mut in_block = false;
    let mut block = String::new();
    for line in doc.lines() {
        if line.starts_with("```isle") {
            in_block = true;
            block.clear();
        } else if in_block && line.starts_with("```") {
            in_block = false;
            out.push(("doc.isle".to_string(), block.clone()));
        } else if in_block {
            block.push_str(line);
            block.push('\n');
        }
    }
    out
}

fn tokens_of(text: &str) -> Vec<String> {
    let mut toks = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if !cur.is_empty() {
                toks.push(std::mem::take(&mut cur));
            }
            toks.push(c.to_string());
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        toks.push(cur);
    }
    toks
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut toks = tokens_of(text);
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let n = toks.len();
        match rng.below(8) {
            0 if n > 0 => {
                toks.remove(rng.below(n));
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].to_string();
                toks.insert(rng.below(n + 1), t);
            }
            2 if n > 1 => {
                let (a, b) = (rng.below(n), rng.below(n));
                toks.swap(a, b);
            }
            3 if n > 0 => toks.truncate(rng.below(n)),
            4 if n > 2 => {
                // Duplicate a run of tokens: repeated forms and deeper nesting.
                let a = rng.below(n);
                let len = 1 + rng.below((n - a).min(40));
                let run: Vec<String> = toks[a..a + len].to_vec();
                let at = rng.below(n + 1);
                toks.splice(at..at, run);
            }
            5 if n > 0 => {
                // Replace a symbol by another symbol of the file: mixes up names and types.
                let (a, b) = (rng.below(n), rng.below(n));
                let t = toks[b].clone();
                toks[a] = t;
            }
            _ => {
                // Byte-level damage.
                let mut bytes = toks.concat().into_bytes();
                if !bytes.is_empty() {
                    let i = rng.below(bytes.len());
                    match rng.below(3) {
                        0 => {
                            bytes.remove(i);
                        }
                        1 => {
                            let pool = b"()@;$_.-#x\"\\\x00\xff";
                            bytes.insert(i, pool[rng.below(pool.len())]);
                        }
                        _ => bytes[i] = (rng.next() & 0xff) as u8,
                    }
                }
                toks = tokens_of(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    toks.concat()
}

fn check(text: String) -> bool {
    match lathe_isle::compile_sources(&[("m.isle".to_string(), text)], &Default::default()) {
        Ok(code) => {
            assert!(code.contains("pub trait Context"));
            false
        }
        Err(errors) => {
            assert!(!errors.diagnostics.is_empty());
            for d in &errors.diagnostics {
                let span = d.span.expect("every source error has a location");
                assert!(span.line >= 1 && span.col >= 1);
            }
            assert!(errors.render().contains(" --> m.isle:"));
            true
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let sources = sources();
    assert!(sources.len() > 10);
    // `ISLE_MUTATIONS=N ISLE_SEED=S` runs a longer or different campaign by hand.
    let env_num = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let mut rng = Rng(env_num("ISLE_SEED").unwrap_or(0x9e37_79b9_7f4a_7c15) | 1);
    let mut errors = 0;
    let iterations = env_num("ISLE_MUTATIONS").unwrap_or(4000) as usize;
    for i in 0..iterations {
        let (_, text) = &sources[i % sources.len()];
        if check(mutate(&mut rng, text)) {
            errors += 1;
        }
    }
    // Most mutations break something; if none did, the mutator is not doing its job.
    assert!(errors > iterations / 4, "only {errors} of {iterations} mutants were rejected");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(12345);
    for _ in 0..500 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() & 0xff) as u8).collect();
        check(String::from_utf8_lossy(&bytes).into_owned());
    }
}

#[test]
fn pathological_nesting_is_an_error_not_a_crash() {
    let deep = format!("(rule (f {}x{}) x)", "(g ".repeat(10_000), ")".repeat(10_000));
    assert!(check(deep));
    let chain = format!("(rule (f {}_) 1)", "a @ ".repeat(50_000));
    assert!(check(chain));
}
