//! The reader against hand-built DWARF: a one-function module with a compile unit, a
//! subprogram and a line program written byte by byte here, so every expected offset and
//! line is known; then the same sections truncated, mutated and replaced by noise.

use super::{DebugError, WasmDebugInfo};

/// A one-function module; the function's instructions are at known offsets.
const WAT: &str = r#"(module (func (export "f") (result i32) i32.const 1 i32.const 2 i32.add))"#;

fn plain_module() -> Vec<u8> {
    let buf = wast::parser::ParseBuffer::new(WAT).unwrap();
    let mut wat: wast::Wat = wast::parser::parse(&buf).unwrap();
    wat.encode().unwrap()
}

/// The module's Code section content start, its function body range and the offsets of
/// the body's instructions (the last is the closing `end`).
struct Layout {
    code_start: u32,
    body: std::ops::Range<u32>,
    ops: Vec<u32>,
}

fn layout(bytes: &[u8]) -> Layout {
    let mut code_start = 0;
    let mut body = 0..0;
    let mut ops = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            wasmparser::Payload::CodeSectionStart { unchecked_range, .. } => code_start = unchecked_range.start as u32,
            wasmparser::Payload::CodeSectionEntry(b) => {
                body = b.range().start as u32..b.range().end as u32;
                let mut r = b.get_operators_reader().unwrap();
                while !r.eof() {
                    ops.push(r.original_position() as u32);
                    r.read().unwrap();
                }
            }
            _ => {}
        }
    }
    Layout { code_start, body, ops }
}

fn uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        out.push(if done { byte } else { byte | 0x80 });
        if done {
            return;
        }
    }
}

/// Appends a custom section.
fn custom(module: &mut Vec<u8>, name: &str, data: &[u8]) {
    let mut payload = Vec::new();
    uleb(&mut payload, name.len() as u64);
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(data);
    module.push(0);
    uleb(module, payload.len() as u64);
    module.extend_from_slice(&payload);
}

/// `.debug_abbrev`: a compile unit (name, comp_dir, stmt_list) with children, and a
/// subprogram (name, low_pc, high_pc as a size, decl_file, decl_line).
fn abbrev() -> Vec<u8> {
    vec![
        1, 0x11, 1, 0x03, 0x08, 0x1b, 0x08, 0x10, 0x17, 0, 0, //
        2, 0x2e, 0, 0x03, 0x08, 0x11, 0x01, 0x12, 0x06, 0x3a, 0x0b, 0x3b, 0x0b, 0, 0, //
        0,
    ]
}

/// `.debug_info`: one DWARF 4 unit in `/work` holding `subprograms` (name, DWARF low_pc,
/// size, decl_line), all declared in file 1.
fn info(subprograms: &[(&str, u32, u32, u8)]) -> Vec<u8> {
    let mut dies = vec![1];
    dies.extend_from_slice(b"a.c\0/work\0");
    dies.extend_from_slice(&0u32.to_le_bytes());
    for &(name, low, size, line) in subprograms {
        dies.push(2);
        dies.extend_from_slice(name.as_bytes());
        dies.push(0);
        dies.extend_from_slice(&low.to_le_bytes());
        dies.extend_from_slice(&size.to_le_bytes());
        dies.extend_from_slice(&[1, line]);
    }
    dies.push(0);
    let mut unit = Vec::new();
    unit.extend_from_slice(&4u16.to_le_bytes());
    unit.extend_from_slice(&0u32.to_le_bytes());
    unit.push(4);
    unit.extend_from_slice(&dies);
    let mut out = (unit.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&unit);
    out
}

/// A line sequence: rows of (DWARF address, line, column), and its end address.
type Sequence = (Vec<(u32, u32, u32)>, u32);

/// `.debug_line`: a DWARF 4 program whose file 1 is `a.c` in include directory `inc`
/// (relative, so under the comp dir), with one sequence per entry of `sequences`.
fn line_program(sequences: &[Sequence]) -> Vec<u8> {
    let mut header = vec![1, 1, 1, (-5i8) as u8, 14, 13, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];
    header.extend_from_slice(b"inc\0\0a.c\0\x01\0\0\0");
    let mut program = Vec::new();
    let set_address = |program: &mut Vec<u8>, addr: u32| {
        program.extend_from_slice(&[0, 5, 2]);
        program.extend_from_slice(&addr.to_le_bytes());
    };
    for (rows, end) in sequences {
        let mut line = 1i64;
        for &(addr, new_line, column) in rows {
            set_address(&mut program, addr);
            program.push(3);
            sleb(&mut program, i64::from(new_line) - line);
            line = i64::from(new_line);
            program.push(5);
            uleb(&mut program, u64::from(column));
            program.push(1);
        }
        set_address(&mut program, *end);
        program.extend_from_slice(&[0, 1, 1]);
    }
    let mut body = 4u16.to_le_bytes().to_vec();
    body.extend_from_slice(&(header.len() as u32).to_le_bytes());
    body.extend_from_slice(&header);
    body.extend_from_slice(&program);
    let mut out = (body.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

/// The test module and its DWARF sections: function `f` (declared on line 3) with a row per
/// instruction, plus a subprogram and a sequence that `wasm-ld` left at tombstone addresses.
struct Fixture {
    layout: Layout,
    info: Vec<u8>,
    abbrev: Vec<u8>,
    line: Vec<u8>,
}

impl Fixture {
    fn new() -> Fixture {
        let layout = layout(&plain_module());
        let dwarf = |o: u32| o - layout.code_start;
        let ops = &layout.ops;
        let body = &layout.body;
        let rows = vec![
            (dwarf(body.start), 3, 0),
            (dwarf(ops[0]), 4, 3),
            (dwarf(ops[1]), 4, 7),
            (dwarf(ops[2]), 5, 3),
            (dwarf(ops[3]), 6, 1),
        ];
        let dead = vec![(0, 20, 1), (1, 21, 1)];
        let line = line_program(&[(rows, dwarf(body.end)), (dead, 2)]);
        let info = info(&[("f", dwarf(body.start), body.len() as u32, 3), ("gone", 0xffff_ffff, 4, 9)]);
        Fixture { layout, info, abbrev: abbrev(), line }
    }

    fn module(&self, info: &[u8], abbrev: &[u8], line: &[u8]) -> Vec<u8> {
        let mut module = plain_module();
        custom(&mut module, ".debug_info", info);
        custom(&mut module, ".debug_abbrev", abbrev);
        custom(&mut module, ".debug_line", line);
        module
    }

    fn whole(&self) -> Vec<u8> {
        self.module(&self.info, &self.abbrev, &self.line)
    }
}

#[test]
fn debug_hand_built_tables_map_module_offsets() {
    let fx = Fixture::new();
    let info = WasmDebugInfo::parse(&fx.whole()).unwrap().expect("the module has DWARF");
    assert!(info.skipped().is_empty(), "{:?}", info.skipped());
    assert_eq!(info.code_section_start(), fx.layout.code_start);
    assert_eq!(info.files(), ["/work/inc/a.c"]);

    let ops = &fx.layout.ops;
    let at = |o: u32| info.lookup(o).map(|l| (info.file_name(l.file), l.line, l.column));
    assert_eq!(at(fx.layout.body.start), Some(("/work/inc/a.c", 3, 0)));
    assert_eq!(at(ops[0]), Some(("/work/inc/a.c", 4, 3)));
    assert_eq!(at(ops[1]), Some(("/work/inc/a.c", 4, 7)));
    assert_eq!(at(ops[1] + 1), Some(("/work/inc/a.c", 4, 7)), "inside an instruction");
    assert_eq!(at(ops[2]), Some(("/work/inc/a.c", 5, 3)));
    assert_eq!(at(ops[3]), Some(("/work/inc/a.c", 6, 1)));
    // The end_sequence row ends the last range; nothing before the body has a line, and
    // the tombstoned sequence at DWARF addresses 0..2 is gone.
    assert_eq!(at(fx.layout.body.end), None);
    assert_eq!(at(fx.layout.code_start), None);
    assert_eq!(at(fx.layout.code_start + 1), None);
    assert_eq!(info.lines().len(), 5);

    let f = info.function_at(ops[1]).expect("f holds its instructions");
    assert_eq!(f.name, "f");
    assert_eq!(f.range, fx.layout.body);
    assert_eq!(f.decl_file.map(|id| info.file_name(id)), Some("/work/inc/a.c"));
    assert_eq!(f.decl_line, 3);
    assert_eq!(info.function_at(fx.layout.body.end), None);
    assert_eq!(info.functions().len(), 1, "the tombstoned subprogram is dropped");
}

#[test]
fn debug_module_without_dwarf_is_none() {
    assert_eq!(WasmDebugInfo::parse(&plain_module()).unwrap().map(|i| i.lines().len()), None);
    // Other custom sections, or line tables without a unit to reach them, are not DWARF.
    let fx = Fixture::new();
    let mut module = plain_module();
    custom(&mut module, "producers", b"\0");
    custom(&mut module, ".debug_line", &fx.line);
    assert!(WasmDebugInfo::parse(&module).unwrap().is_none());
    // DWARF without a Code section describes nothing.
    let mut empty = b"\0asm\x01\0\0\0".to_vec();
    custom(&mut empty, ".debug_info", &fx.info);
    assert!(WasmDebugInfo::parse(&empty).unwrap().is_none());
}

#[test]
fn debug_broken_module_or_units_are_errors() {
    let fx = Fixture::new();
    let whole = fx.whole();
    assert!(matches!(WasmDebugInfo::parse(&whole[..whole.len() - 3]), Err(DebugError::Module(_))));
    assert!(matches!(WasmDebugInfo::parse(b"\0asm\x01\0"), Err(DebugError::Module(_))));
    // A unit header that lies about its length: nothing readable, so the error comes back.
    let mut bad = fx.info.clone();
    bad[0] = 0xf0;
    assert!(matches!(WasmDebugInfo::parse(&fx.module(&bad, &fx.abbrev, &fx.line)), Err(DebugError::Dwarf { .. })));
}

/// The invariants of any result, whatever the input: disjoint sorted spans and functions
/// inside the Code section, files that resolve.
fn check_invariants(info: &WasmDebugInfo, module_len: usize) {
    let code = info.code_section_start()..module_len as u32;
    for pair in info.lines().windows(2) {
        assert!(pair[0].end <= pair[1].start, "overlapping spans {pair:?}");
    }
    for s in info.lines() {
        assert!(code.start < s.start && s.start < s.end && s.end <= code.end, "span {s:?} outside the code");
        assert!((s.loc.file.0 as usize) < info.files().len());
    }
    for f in info.functions() {
        assert!(code.start < f.range.start && f.range.start < f.range.end && f.range.end <= code.end);
    }
}

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn debug_truncated_sections_never_panic() {
    let fx = Fixture::new();
    let mut errors = 0;
    for section in 0..3 {
        let full = [&fx.info, &fx.abbrev, &fx.line][section];
        for len in 0..full.len() {
            let mut parts = [fx.info.clone(), fx.abbrev.clone(), fx.line.clone()];
            parts[section].truncate(len);
            let module = fx.module(&parts[0], &parts[1], &parts[2]);
            match WasmDebugInfo::parse(&module) {
                Ok(Some(info)) => {
                    check_invariants(&info, module.len());
                    errors += info.skipped().len();
                }
                Ok(None) => {}
                Err(_) => errors += 1,
            }
        }
    }
    assert!(errors > 0, "no truncation was noticed");
}

#[test]
fn debug_random_line_sections_never_panic() {
    let fx = Fixture::new();
    let mut rng = XorShift(0x5eed_1234_abcd_0001);
    let (mut read_some, mut rejected) = (0, 0);
    for round in 0..3000 {
        let line: Vec<u8> = if round % 2 == 0 {
            // Noise, sometimes behind a plausible length and version.
            let len = rng.below(160);
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if round % 4 == 0 && len >= 6 {
                bytes[..4].copy_from_slice(&(len as u32 - 4).to_le_bytes());
                bytes[4..6].copy_from_slice(&[2 + (rng.below(4) as u8), 0]);
            }
            bytes
        } else {
            // The valid program with a few bytes changed.
            let mut bytes = fx.line.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
            bytes
        };
        let module = fx.module(&fx.info, &fx.abbrev, &line);
        // gimli reads a unit's line program header with the unit, so a broken header
        // costs the whole unit (an error); a broken program body costs only the rows.
        match WasmDebugInfo::parse(&module) {
            Ok(Some(info)) => {
                check_invariants(&info, module.len());
                assert_eq!(info.functions().len(), 1, "the sound unit's subprogram is read");
                read_some += usize::from(!info.lines().is_empty());
            }
            Ok(None) => panic!("the module has a unit and code"),
            Err(_) => rejected += 1,
        }
    }
    assert!(rejected > 0, "no random program was rejected");
    assert!(read_some > 0, "no mutated program kept any rows");
}
