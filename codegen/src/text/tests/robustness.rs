//! Robustness: random bytes and mutations of the sample never make the reader panic, and
//! every mutation that still parses prints stably (print → parse → print).

use super::{SAMPLE, print_all};
use crate::text::{parse_functions, parse_test_file};

use crate::test_rng::Rng;

/// Pieces that steer random input towards the reader's deeper paths.
const PIECES: &[&str] = &[
    "function",
    "%f",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "block0",
    "block1",
    ":",
    ",",
    "=",
    "->",
    "v0",
    "v1",
    "v2",
    "iconst.i32",
    "iadd",
    "return",
    "jump",
    "brif",
    "br_table",
    "i32",
    "i64",
    "f32x4",
    "0x1.8p3",
    "-1",
    "+NaN:0x1",
    "ss0",
    "gv0",
    "fn0",
    "sig0",
    "explicit_slot",
    "load.i64",
    "notrap",
    "@0012",
    ";",
    "\n",
    " ",
    "u0:1",
    "cold",
    "vconst.i8x16",
    "call",
    "call_indirect",
    "0xffff_ffff",
    ".",
    "+8",
    "-8",
    "vmctx",
    "symbol",
    "colocated",
];

/// How many inputs each test tries: 3000, or `LATHE_TEXT_FUZZ_ITERS` for a longer local run.
fn iterations() -> usize {
    std::env::var("LATHE_TEXT_FUZZ_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(3000)
}

fn check(text: &str, stable: &mut usize) {
    let parsed = parse_test_file(text);
    if parsed.is_ok() {
        let once = print_all(text).expect("a parsed text parses again through parse_functions");
        let twice = match print_all(&once) {
            Ok(t) => t,
            Err(e) => panic!("printed text does not parse: {e}\ninput:\n{text}\nprinted:\n{once}"),
        };
        assert_eq!(once, twice, "printing is not stable for input:\n{text}");
        *stable += 1;
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut stable = 0;
    for i in 0..iterations() {
        let len = rng.index(200);
        let text: String = if i % 2 == 0 {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            (0..len / 4).map(|_| PIECES[rng.index(PIECES.len())]).collect::<Vec<_>>().join(" ")
        };
        check(&text, &mut stable);
        let _ = parse_functions(&text);
    }
}

#[test]
fn mutations_of_the_sample_never_panic_and_print_stably() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let src = SAMPLE.as_bytes();
    let tokens: Vec<&str> = SAMPLE.split_inclusive([' ', '\n']).collect();
    let mut stable = 0;
    for i in 0..iterations() {
        let text = match i % 6 {
            // Truncate.
            0 => String::from_utf8_lossy(&src[..rng.index(src.len())]).into_owned(),
            // Delete a byte range.
            1 => {
                let a = rng.index(src.len());
                let b = (a + 1 + rng.index(8)).min(src.len());
                let mut v = src[..a].to_vec();
                v.extend_from_slice(&src[b..]);
                String::from_utf8_lossy(&v).into_owned()
            }
            // Duplicate a byte range.
            2 => {
                let a = rng.index(src.len());
                let b = (a + 1 + rng.index(16)).min(src.len());
                let mut v = src[..b].to_vec();
                v.extend_from_slice(&src[a..]);
                String::from_utf8_lossy(&v).into_owned()
            }
            // Replace a byte by a random one.
            3 => {
                let mut v = src.to_vec();
                let a = rng.index(v.len());
                v[a] = rng.next() as u8;
                String::from_utf8_lossy(&v).into_owned()
            }
            // Swap two tokens.
            4 => {
                let mut t = tokens.clone();
                let (a, b) = (rng.index(t.len()), rng.index(t.len()));
                t.swap(a, b);
                t.concat()
            }
            // Replace a token by a piece.
            _ => {
                let mut t = tokens.clone();
                let a = rng.index(t.len());
                t[a] = PIECES[rng.index(PIECES.len())];
                t.concat()
            }
        };
        check(&text, &mut stable);
    }
    // Many mutations hit comments or harmless spots; the stability check must have run.
    assert!(stable > 100, "only {stable} mutations parsed");
}
