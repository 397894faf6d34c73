//! Malformed uses of the object writer are typed errors, never panics; and the file
//! written for each target has the right header.

use crate::{DataDescription, DataReloc, Linkage, ObjectError, ObjectModule};
use lathe_codegen::ir::{ExternalName, LibCall};
use lathe_codegen::isa::{self, TargetIsa};
use lathe_codegen::machinst::{CompiledCode, Reloc, RelocKind};
use lathe_codegen::settings::Flags;

fn x64() -> Box<dyn TargetIsa> {
    isa::lookup_by_name("x86_64").unwrap().with_flags(Flags::default()).finish().unwrap()
}

/// `ret`, with the given relocations over 8 bytes of padding.
fn code(relocs: Vec<Reloc>) -> CompiledCode {
    CompiledCode { code: vec![0xc3; 16], alignment: 16, relocs, ..CompiledCode::default() }
}

fn call_to(target: ExternalName) -> Reloc {
    Reloc { offset: 1, kind: RelocKind::X86CallPlt4, target, addend: -4 }
}

#[test]
fn undefined_export_is_an_error() {
    let mut m = ObjectModule::new(&*x64()).unwrap();
    m.declare_function("f", Linkage::Export).unwrap();
    assert!(matches!(m.finish(), Err(ObjectError::Undefined(name)) if name == "f"));
}

#[test]
fn duplicate_definition_is_an_error() {
    let mut m = ObjectModule::new(&*x64()).unwrap();
    let f = m.declare_function("f", Linkage::Export).unwrap();
    m.define_function(f, &code(vec![])).unwrap();
    assert!(matches!(m.define_function(f, &code(vec![])), Err(ObjectError::DuplicateDefinition(_))));
    let d = m.declare_data("d", Linkage::Local, true).unwrap();
    m.define_data(d, DataDescription { bytes: vec![1], align: 1, relocs: vec![] }).unwrap();
    assert!(matches!(m.define_data(d, DataDescription::default()), Err(ObjectError::DuplicateDefinition(_))));
}

#[test]
fn relocation_to_an_unknown_name_is_an_error() {
    for target in [
        ExternalName::TestCase("nowhere".into()),
        ExternalName::User { namespace: 0, index: 99 },
        // A function's index in the data namespace.
        ExternalName::User { namespace: 1, index: 0 },
    ] {
        let mut m = ObjectModule::new(&*x64()).unwrap();
        let f = m.declare_function("f", Linkage::Export).unwrap();
        m.define_function(f, &code(vec![call_to(target.clone())])).unwrap();
        match m.finish() {
            Err(ObjectError::UnknownSymbol { from, target: t }) => {
                assert_eq!((from.as_str(), t), ("f", target.to_string()));
            }
            other => panic!("{target}: {other:?}"),
        }
    }
    let mut m = ObjectModule::new(&*x64()).unwrap();
    let d = m.declare_data("table", Linkage::Export, false).unwrap();
    let relocs = vec![DataReloc { offset: 0, target: ExternalName::TestCase("gone".into()), addend: 0 }];
    m.define_data(d, DataDescription { bytes: vec![0; 8], align: 8, relocs }).unwrap();
    assert!(matches!(m.finish(), Err(ObjectError::UnknownSymbol { .. })));
}

#[test]
fn malformed_definitions_are_errors() {
    let mut m = ObjectModule::new(&*x64()).unwrap();
    let imp = m.declare_function("imp", Linkage::Import).unwrap();
    let f = m.declare_function("f", Linkage::Export).unwrap();
    let d = m.declare_data("d", Linkage::Export, false).unwrap();
    // An import has its definition elsewhere.
    assert!(matches!(m.define_function(imp, &code(vec![])), Err(ObjectError::DefinedImport(_))));
    // Another ISA's relocation, a relocation past the end, a bad alignment, no code.
    let foreign =
        Reloc { offset: 0, kind: RelocKind::Aarch64Call26, target: ExternalName::TestCase("f".into()), addend: 0 };
    assert!(matches!(m.define_function(f, &code(vec![foreign])), Err(ObjectError::ForeignRelocation { .. })));
    let past = Reloc { offset: 14, ..call_to(ExternalName::TestCase("f".into())) };
    assert!(matches!(m.define_function(f, &code(vec![past])), Err(ObjectError::BadDefinition { .. })));
    let odd = CompiledCode { alignment: 3, ..code(vec![]) };
    assert!(matches!(m.define_function(f, &odd), Err(ObjectError::BadDefinition { .. })));
    assert!(matches!(m.define_function(f, &CompiledCode::default()), Err(ObjectError::BadDefinition { .. })));
    let short = DataDescription {
        bytes: vec![0; 4],
        align: 8,
        relocs: vec![DataReloc { offset: 0, target: ExternalName::TestCase("f".into()), addend: 0 }],
    };
    assert!(matches!(m.define_data(d, short), Err(ObjectError::BadDefinition { .. })));
    // Kinds and names that do not match.
    assert!(matches!(m.declare_data("f", Linkage::Export, true), Err(ObjectError::IncompatibleDeclaration { .. })));
    assert!(matches!(m.declare_function("f", Linkage::Local), Err(ObjectError::IncompatibleDeclaration { .. })));
    assert!(m.declare_function("", Linkage::Export).is_err());
    assert!(m.declare_function("a\0b", Linkage::Export).is_err());
}

#[test]
fn library_calls_become_imports_of_their_routines() {
    let mut m = ObjectModule::new(&*x64()).unwrap();
    let f = m.declare_function("f", Linkage::Export).unwrap();
    m.define_function(f, &code(vec![call_to(ExternalName::LibCall(LibCall::CeilF64))])).unwrap();
    let bytes = m.finish().unwrap();
    assert!(bytes.windows(5).any(|w| w == b"ceil\0"));
}

#[test]
fn headers_name_each_target() {
    use object::read::elf::FileHeader;
    for (name, machine, big, flags) in [
        ("x86_64", object::elf::EM_X86_64, false, 0),
        ("aarch64", object::elf::EM_AARCH64, false, 0),
        ("riscv64", object::elf::EM_RISCV, false, 0x5),
        ("s390x", object::elf::EM_S390, true, 0),
    ] {
        let triple: isa::Triple = format!("{name}-unknown-linux-gnu").parse().unwrap();
        let target = crate::elf::ElfTarget::of(&triple).unwrap();
        let mut obj = object::write::Object::new(object::BinaryFormat::Elf, target.arch, target.endian);
        obj.flags = object::FileFlags::Elf { os_abi: object::elf::OsAbi(0), abi_version: 0, e_flags: target.e_flags };
        let bytes = obj.write().unwrap();
        let header = object::elf::FileHeader64::<object::Endianness>::parse(&*bytes).unwrap();
        let endian = header.endian().unwrap();
        assert_eq!(header.e_machine(endian), machine, "{name}");
        assert_eq!(endian == object::Endianness::Big, big, "{name}");
        assert_eq!(header.e_flags(endian), object::elf::FileFlags(flags), "{name}");
        // Each target has its own relocation types, and refuses the others'.
        let own = match name {
            "x86_64" => RelocKind::X86CallPlt4,
            "aarch64" => RelocKind::Aarch64Call26,
            "riscv64" => RelocKind::Riscv64CallPlt,
            _ => RelocKind::S390xPlt32Dbl,
        };
        assert!(target.reloc_type(own).is_some(), "{name}");
        let others =
            [RelocKind::X86CallPlt4, RelocKind::Aarch64Call26, RelocKind::Riscv64CallPlt, RelocKind::S390xPlt32Dbl];
        assert_eq!(others.iter().filter(|&&k| target.reloc_type(k).is_some()).count(), 1, "{name}");
    }
    let wasm: isa::Triple = "wasm32-unknown-unknown".parse().unwrap();
    assert!(matches!(crate::elf::ElfTarget::of(&wasm), Err(ObjectError::UnsupportedTarget(_))));
}
