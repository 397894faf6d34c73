//! Whole functions whose branches must reach far: a conditional branch (±4 KiB) and a jump
//! (±1 MiB) across more than 1 MiB of code, compiled through the whole pipeline. The
//! buffer's islands give the short branches veneers; the test checks the code got that
//! large, that islands were placed, and that every label use was resolved (emission fails
//! otherwise).

use crate::isa::{compile, lookup_by_name};
use crate::text::parse_functions;
use std::fmt::Write as _;

/// A function whose `brif` skips `n` additions of a 32-bit constant (`lui`, `addiw`, `add`:
/// 12 bytes each: the low 12 bits are never zero).
fn far_branch(n: usize) -> String {
    let mut s =
        String::from("function %far(i64, i64) -> i64 {\nblock0(v0: i64, v1: i64):\n    brif v0, block1, block2(v1)\n");
    s.push_str("block1:\n");
    let mut prev = "v1".to_string();
    for i in 0..n {
        let _ = writeln!(s, "    v{} = iadd_imm {prev}, {}", 10 + i, 0x1234_5678 + i * 0x1003);
        prev = format!("v{}", 10 + i);
    }
    let _ = writeln!(s, "    jump block2({prev})\nblock2(v2: i64):\n    return v2\n}}");
    s
}

#[test]
fn branches_across_more_than_a_mebibyte_resolve_through_veneers() {
    let func = parse_functions(&far_branch(100_000)).expect("parses").remove(0);
    let isa = lookup_by_name("riscv64").unwrap().finish().unwrap();
    let code = compile(&func, &*isa).expect("compiles");
    assert!(code.code.len() > 1 << 20, "{} bytes: not past the jal reach", code.code.len());
    let mut listing_isa = lookup_by_name("riscv64").unwrap();
    listing_isa.set("opt_level", "none").unwrap();
    let listed = listing_isa.finish().unwrap().compile_function(&func, true).expect("compiles with a listing");
    let listing = listed.listing.unwrap_or_default();
    assert!(listing.contains("; island:"), "islands hold the veneers");
}
