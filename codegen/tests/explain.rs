//! `CompileOptions::explain` on every ISA: recording the stages does not change the code,
//! and the record is consistent: every VCode instruction lowered from an IR instruction
//! names a lowering rule of that ISA, the allocation and the machine code refer to the same
//! VCode instructions, and the emitted instructions cover the code exactly.

use lathe_codegen::isa;
use lathe_codegen::machinst::CompileOptions;
use lathe_codegen::machinst::explain::{EmitOrigin, MachineLine, RegallocKind};

const CLIF: &str = "function %f(i64, i64) -> i64 {
    fn0 = %g(i64) -> i64
block0(v0: i64, v1: i64):
    v2 = iconst.i64 0
    v3 = iadd v0, v2
    v4 = imul v3, v1
    v5 = call fn0(v4)
    v6 = icmp slt v5, v1
    brif v6, block1, block2(v4)
block1:
    v7 = isub v5, v0
    jump block2(v7)
block2(v8: i64):
    v9 = iadd v8, v1
    return v9
}
";

#[test]
fn explaining_changes_nothing_and_is_consistent_on_every_isa() {
    let func = lathe_codegen::text::parse_functions(CLIF).unwrap().remove(0);
    for arch in ["x86_64", "aarch64", "riscv64", "s390x"] {
        let mut builder = isa::lookup_by_name(arch).unwrap();
        builder.set("opt_level", "speed").unwrap();
        let target = builder.finish().unwrap();
        let plain = target.compile_function(&func, false).unwrap();
        let mut options = CompileOptions { explain: true, ..Default::default() };
        let explained = target.compile_function_with(&func, &mut options).unwrap();
        assert_eq!(plain.code, explained.code, "{arch}: explaining changed the code");
        let ex = options.explanation.expect("an explanation");

        assert_eq!(ex.ir[0].pass, "input", "{arch}");
        assert!(ex.ir.iter().any(|s| s.pass.starts_with("mid-end: ")), "{arch}: the iadd of 0 goes");
        let vcode = ex.vcode.as_ref().unwrap();
        let mut indices = Vec::new();
        for i in vcode.blocks.iter().flat_map(|b| &b.insts) {
            indices.push(i.index);
            if i.ir_inst.is_some() {
                let rule = i.rule.unwrap_or_else(|| panic!("{arch}: no rule for [{}] {}", i.index, i.text));
                let location = ex.rules[rule as usize].2;
                assert!(location.starts_with("src/isa/") && location.contains("/lower/"), "{arch}: {location}");
            }
        }
        assert!(indices.windows(2).all(|w| w[1] == w[0] + 1), "{arch}: VCode numbered in order");
        // Every value lowered has its registers.
        assert!(vcode.value_regs.iter().all(|(_, regs)| !regs.is_empty()), "{arch}");

        let ra = ex.regalloc.as_ref().unwrap();
        let allocated: Vec<u32> = ra
            .blocks
            .iter()
            .flat_map(|b| &b.lines)
            .filter_map(|l| match l.kind {
                RegallocKind::Inst(i) => Some(i),
                _ => None,
            })
            .collect();
        assert_eq!(allocated, indices, "{arch}: the allocation shows each VCode instruction once, in order");

        let m = ex.machine.as_ref().unwrap();
        assert_eq!(m.size as usize, plain.code.len(), "{arch}");
        let mut end = 0;
        for line in &m.lines {
            if let MachineLine::Inst { offset, bytes, origin, .. } = line {
                assert_eq!(*offset, end, "{arch}: instructions are contiguous");
                assert_eq!(bytes[..], plain.code[*offset as usize..*offset as usize + bytes.len()], "{arch}");
                end = offset + bytes.len() as u32;
                if let EmitOrigin::VInst(i) = origin {
                    assert!(indices.contains(i), "{arch}: [{i}] is a VCode instruction");
                }
            }
        }
        // Constants (s390x, aarch64 literal pools) may follow the last instruction.
        assert!(end <= m.size, "{arch}");
    }
}
