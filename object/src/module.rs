//! [`ObjectModule`]: declare functions and data with linkage, define them from compiled
//! code and bytes, and finish into an ELF relocatable object.
//!
//! Names: a relocation in compiled code or data names its target with an
//! [`ExternalName`]. `u0:N` is the function declared with [`FuncId`] `N` and `u1:N` the
//! data object with [`DataId`] `N` ([`ObjectModule::func_ref`], [`ObjectModule::data_ref`]
//! give them); `%name` is the symbol declared with that name; a library call is its
//! routine's symbol ([`crate::libcall_symbol`]), imported on first use. Anything else is an
//! [`ObjectError::UnknownSymbol`].
//!
//! Lifecycle: declarations and definitions in any order, then [`ObjectModule::finish`],
//! which checks that every local or exported symbol was defined and writes the file.

use crate::ObjectError;
use crate::debug::{DebugFunction, DebugOptions, write_dwarf};
use crate::elf::{ElfTarget, libcall_symbol};
use crate::sections::{RelocSection, add_relocations, gimli_endian};
use crate::unwind::EhFrame;
use gimli::write::Address;
use lathe_codegen::ir::ExternalName;
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::machinst::{CieDesc, CompiledCode, RelocKind};
use object::write::{Object, StandardSection, Symbol, SymbolId, SymbolSection};
use object::{SectionKind, SymbolFlags, SymbolKind, SymbolScope};
use std::collections::HashMap;

/// How a symbol is bound.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Linkage {
    /// Defined here and visible only inside this object (`STB_LOCAL`).
    Local,
    /// Defined here and visible to other objects (`STB_GLOBAL`, default visibility).
    Export,
    /// Defined elsewhere; the linker finds it (an undefined `STB_GLOBAL`).
    Import,
    /// Defined here, but a definition elsewhere takes precedence (`STB_WEAK`).
    Preemptible,
}

impl DeclKind {
    fn describe(self) -> &'static str {
        match self {
            DeclKind::Func => "function",
            DeclKind::Data { .. } => "data",
            DeclKind::ThreadLocal => "thread-local data",
        }
    }
}

impl Linkage {
    fn is_definable(self) -> bool {
        self != Linkage::Import
    }
}

/// A function declared in an [`ObjectModule`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct FuncId(u32);

/// A data object declared in an [`ObjectModule`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct DataId(u32);

/// An 8-byte absolute address stored in a data object (`Abs8`): the address of `target`
/// plus `addend`, at `offset`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DataReloc {
    /// Where in the data object.
    pub offset: u32,
    /// The symbol, named as in compiled code.
    pub target: ExternalName,
    /// Added to its address.
    pub addend: i64,
}

/// The contents of a data object.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct DataDescription {
    /// The initial bytes (relocated fields hold zeros).
    pub bytes: Vec<u8>,
    /// The required alignment, a power of two (1 when 0).
    pub align: u32,
    /// Addresses to store in it.
    pub relocs: Vec<DataReloc>,
}

/// Alias kept short for callers: the symbol a relocation names.
pub type SymbolRef = ExternalName;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum DeclKind {
    Func,
    Data {
        writable: bool,
    },
    /// A thread-local variable (`STT_TLS`, in `.tdata`), reached by `tls_value`.
    ThreadLocal,
}

enum Definition {
    Func(CompiledCode),
    Data(DataDescription),
}

struct Decl {
    name: String,
    linkage: Linkage,
    kind: DeclKind,
    definition: Option<Definition>,
}

/// A relocatable object being built for one target.
pub struct ObjectModule {
    target: ElfTarget,
    target_name: String,
    cie: CieDesc,
    decls: Vec<Decl>,
    by_name: HashMap<String, usize>,
    debug: Option<DebugOptions>,
}

impl std::fmt::Debug for ObjectModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectModule").field("target", &self.target_name).field("symbols", &self.decls.len()).finish()
    }
}

impl ObjectModule {
    /// An empty module for the target `isa` compiles for.
    pub fn new(isa: &dyn TargetIsa) -> Result<ObjectModule, ObjectError> {
        Ok(ObjectModule {
            target: ElfTarget::of(isa.triple())?,
            target_name: isa.triple().to_string(),
            cie: isa.unwind_cie(),
            decls: Vec::new(),
            by_name: HashMap::new(),
            debug: None,
        })
    }

    /// Asks for DWARF debug information (`.debug_info`, `.debug_line`, ...) in the object.
    pub fn set_debug_info(&mut self, options: DebugOptions) {
        self.debug = Some(options);
    }

    fn declare(&mut self, name: &str, linkage: Linkage, kind: DeclKind) -> Result<usize, ObjectError> {
        if let Some(&i) = self.by_name.get(name) {
            let d = &mut self.decls[i];
            let same_kind = matches!(
                (d.kind, kind),
                (DeclKind::Func, DeclKind::Func)
                    | (DeclKind::Data { .. }, DeclKind::Data { .. })
                    | (DeclKind::ThreadLocal, DeclKind::ThreadLocal)
            );
            // Re-declaring is fine while it agrees; an import may become a definition.
            if same_kind && (d.linkage == linkage || d.linkage == Linkage::Import && d.definition.is_none()) {
                d.linkage = linkage;
                d.kind = kind;
                return Ok(i);
            }
            return Err(ObjectError::IncompatibleDeclaration {
                name: name.to_string(),
                previous: format!("{:?} {}", d.linkage, d.kind.describe()),
            });
        }
        if name.is_empty() || name.contains('\0') {
            return Err(ObjectError::BadDefinition { name: name.to_string(), reason: "not a symbol name".into() });
        }
        let i = self.decls.len();
        self.decls.push(Decl { name: name.to_string(), linkage, kind, definition: None });
        self.by_name.insert(name.to_string(), i);
        Ok(i)
    }

    /// Declares a function. Declaring the same name again with the same linkage returns
    /// the same id; an import may be redeclared with a defining linkage.
    pub fn declare_function(&mut self, name: &str, linkage: Linkage) -> Result<FuncId, ObjectError> {
        self.declare(name, linkage, DeclKind::Func).map(|i| FuncId(i as u32))
    }

    /// Declares a data object, writable (`.data`) or not (`.rodata`).
    pub fn declare_data(&mut self, name: &str, linkage: Linkage, writable: bool) -> Result<DataId, ObjectError> {
        self.declare(name, linkage, DeclKind::Data { writable }).map(|i| DataId(i as u32))
    }

    /// Declares a thread-local variable (`.tdata`, `STT_TLS`): compiled code reaches it
    /// with `tls_value` of [`data_ref`](Self::data_ref), and each thread has its own copy,
    /// starting as the bytes [`define_data`](Self::define_data) gives (or imported, with
    /// [`Linkage::Import`], from a C `__thread`/`_Thread_local` definition elsewhere).
    pub fn declare_thread_local(&mut self, name: &str, linkage: Linkage) -> Result<DataId, ObjectError> {
        self.declare(name, linkage, DeclKind::ThreadLocal).map(|i| DataId(i as u32))
    }

    /// The name compiled code uses for a declared function (`u0:N`).
    pub fn func_ref(&self, id: FuncId) -> ExternalName {
        ExternalName::User { namespace: 0, index: id.0 }
    }

    /// The name compiled code and data use for a declared data object (`u1:N`).
    pub fn data_ref(&self, id: DataId) -> ExternalName {
        ExternalName::User { namespace: 1, index: id.0 }
    }

    /// The function declared with `name`.
    pub fn lookup_function(&self, name: &str) -> Option<FuncId> {
        let &i = self.by_name.get(name)?;
        (self.decls[i].kind == DeclKind::Func).then_some(FuncId(i as u32))
    }

    fn definable(&mut self, index: usize, what: &str) -> Result<&mut Decl, ObjectError> {
        let d = self.decls.get_mut(index).ok_or_else(|| ObjectError::UnknownId(format!("{what} #{index}")))?;
        if !d.linkage.is_definable() {
            return Err(ObjectError::DefinedImport(d.name.clone()));
        }
        if d.definition.is_some() {
            return Err(ObjectError::DuplicateDefinition(d.name.clone()));
        }
        Ok(d)
    }

    /// Defines a declared function from its compiled code. The code is checked here
    /// (relocations of this target's kinds inside the code, a power-of-two alignment);
    /// symbol names are checked by [`finish`](Self::finish).
    pub fn define_function(&mut self, id: FuncId, code: &CompiledCode) -> Result<(), ObjectError> {
        let target = self.target;
        let target_name = self.target_name.clone();
        let d = self.definable(id.0 as usize, "function")?;
        if d.kind != DeclKind::Func {
            return Err(ObjectError::UnknownId(format!("function #{}: {} is data", id.0, d.name)));
        }
        let bad = |reason: String| ObjectError::BadDefinition { name: d.name.clone(), reason };
        if code.code.is_empty() {
            return Err(bad("no code".into()));
        }
        if !code.alignment.max(1).is_power_of_two() {
            return Err(bad(format!("alignment {} is not a power of two", code.alignment)));
        }
        for r in &code.relocs {
            if target.reloc_type(r.kind).is_none() {
                return Err(ObjectError::ForeignRelocation { from: d.name.clone(), kind: r.kind, target: target_name });
            }
            if (r.offset as usize).checked_add(r.kind.patch_size() as usize).is_none_or(|end| end > code.code.len()) {
                return Err(bad(format!("relocation at {} outside {} bytes of code", r.offset, code.code.len())));
            }
        }
        d.definition = Some(Definition::Func(code.clone()));
        Ok(())
    }

    /// Defines a declared data object.
    pub fn define_data(&mut self, id: DataId, data: DataDescription) -> Result<(), ObjectError> {
        let d = self.definable(id.0 as usize, "data object")?;
        if d.kind == DeclKind::Func {
            return Err(ObjectError::UnknownId(format!("data object #{}: {} is a function", id.0, d.name)));
        }
        let bad = |reason: String| ObjectError::BadDefinition { name: d.name.clone(), reason };
        if !data.align.max(1).is_power_of_two() {
            return Err(bad(format!("alignment {} is not a power of two", data.align)));
        }
        if let Some(r) = data.relocs.iter().find(|r| r.offset as usize + 8 > data.bytes.len()) {
            return Err(bad(format!("relocation at {} outside {} bytes", r.offset, data.bytes.len())));
        }
        d.definition = Some(Definition::Data(data));
        Ok(())
    }

    /// The declaration a relocation's name refers to, importing library routines on first
    /// use.
    fn resolve(&mut self, from: &str, name: &ExternalName) -> Result<usize, ObjectError> {
        let unknown = || ObjectError::UnknownSymbol { from: from.to_string(), target: name.to_string() };
        match name {
            ExternalName::User { namespace, index } => {
                let d = self.decls.get(*index as usize).ok_or_else(unknown)?;
                let is_func = d.kind == DeclKind::Func;
                match (namespace, is_func) {
                    (0, true) | (1, false) => Ok(*index as usize),
                    _ => Err(unknown()),
                }
            }
            ExternalName::TestCase(s) => self.by_name.get(s.as_str()).copied().ok_or_else(unknown),
            ExternalName::LibCall(call) => self.declare(libcall_symbol(*call), Linkage::Import, DeclKind::Func),
        }
    }

    /// Writes the object file.
    pub fn finish(mut self) -> Result<Vec<u8>, ObjectError> {
        // Resolve every relocation first: this may add imports.
        let mut resolved: Vec<Vec<usize>> = Vec::with_capacity(self.decls.len());
        for i in 0..self.decls.len() {
            let targets: Vec<ExternalName> = match &self.decls[i].definition {
                Some(Definition::Func(code)) => code.relocs.iter().map(|r| r.target.clone()).collect(),
                Some(Definition::Data(data)) => data.relocs.iter().map(|r| r.target.clone()).collect(),
                None => Vec::new(),
            };
            let from = self.decls[i].name.clone();
            resolved.push(targets.iter().map(|t| self.resolve(&from, t)).collect::<Result<_, _>>()?);
        }
        resolved.resize(self.decls.len(), Vec::new());
        if let Some(d) = self.decls.iter().find(|d| d.linkage.is_definable() && d.definition.is_none()) {
            return Err(ObjectError::Undefined(d.name.clone()));
        }

        let t = self.target;
        let mut obj = Object::new(object::BinaryFormat::Elf, t.arch, t.endian);
        obj.flags = object::FileFlags::Elf { os_abi: object::elf::OsAbi(0), abi_version: 0, e_flags: t.e_flags };
        let text = obj.section_id(StandardSection::Text);

        // Place definitions and make their symbols; imports get undefined symbols.
        let mut symbols: Vec<SymbolId> = Vec::with_capacity(self.decls.len());
        let mut places: Vec<(object::write::SectionId, u64)> = Vec::with_capacity(self.decls.len());
        for d in &self.decls {
            let (scope, weak) = match d.linkage {
                Linkage::Local => (SymbolScope::Compilation, false),
                Linkage::Export | Linkage::Import => (SymbolScope::Dynamic, false),
                Linkage::Preemptible => (SymbolScope::Dynamic, true),
            };
            let kind = match d.kind {
                DeclKind::Func => SymbolKind::Text,
                DeclKind::Data { .. } => SymbolKind::Data,
                DeclKind::ThreadLocal => SymbolKind::Tls,
            };
            let symbol = Symbol {
                name: d.name.as_bytes().to_vec(),
                value: 0,
                size: 0,
                kind,
                scope,
                weak,
                section: SymbolSection::Undefined,
                flags: SymbolFlags::None,
            };
            let id = obj.add_symbol(symbol);
            let place = match &d.definition {
                Some(Definition::Func(code)) => {
                    let offset = obj.add_symbol_data(id, text, &code.code, u64::from(code.alignment.max(1)));
                    (text, offset)
                }
                Some(Definition::Data(data)) => {
                    let section = match d.kind {
                        DeclKind::ThreadLocal => StandardSection::Tls,
                        DeclKind::Data { writable: true } => StandardSection::Data,
                        _ if !data.relocs.is_empty() => StandardSection::ReadOnlyDataWithRel,
                        _ => StandardSection::ReadOnlyData,
                    };
                    let section = obj.section_id(section);
                    let offset = obj.add_symbol_data(id, section, &data.bytes, u64::from(data.align.max(1)));
                    (section, offset)
                }
                None => (text, 0),
            };
            symbols.push(id);
            places.push(place);
        }

        // Relocations of code and data.
        for (i, d) in self.decls.iter().enumerate() {
            let (section, base) = places[i];
            let relocs: Vec<(u32, RelocKind, i64)> = match &d.definition {
                Some(Definition::Func(code)) => code.relocs.iter().map(|r| (r.offset, r.kind, r.addend)).collect(),
                Some(Definition::Data(data)) => {
                    data.relocs.iter().map(|r| (r.offset, RelocKind::Abs8, r.addend)).collect()
                }
                None => continue,
            };
            for (n, ((offset, kind, addend), &target)) in relocs.into_iter().zip(&resolved[i]).enumerate() {
                let r_type = t.reloc_type(kind).expect("checked by define_function");
                // Thread-local variables are reached only by `tls_value`, which reaches
                // nothing else.
                if (kind == RelocKind::X86TlsGd4) != (self.decls[target].kind == DeclKind::ThreadLocal) {
                    let what = if kind == RelocKind::X86TlsGd4 {
                        "`tls_value` of a symbol that is not thread-local"
                    } else {
                        "the address of a thread-local variable other than by `tls_value`"
                    };
                    return Err(ObjectError::BadDefinition {
                        name: d.name.clone(),
                        reason: format!("{what}: {}", self.decls[target].name),
                    });
                }
                let place = base + u64::from(offset);
                let (symbol, addend) = if kind == RelocKind::Riscv64PcrelLo12I {
                    // The low half names the `auipc` that computed the high half.
                    let label = obj.add_symbol(Symbol {
                        name: format!(".Lpcrel_hi{i}_{n}").into_bytes(),
                        value: place - 4,
                        size: 0,
                        kind: SymbolKind::Label,
                        scope: SymbolScope::Compilation,
                        weak: false,
                        section: SymbolSection::Section(section),
                        flags: SymbolFlags::None,
                    });
                    (label, 0)
                } else {
                    (symbols[target], addend)
                };
                obj.add_relocation(
                    section,
                    object::write::Relocation {
                        offset: place,
                        symbol,
                        addend,
                        flags: object::RelocationFlags::Elf { r_type },
                    },
                )?;
            }
        }

        let funcs: Vec<(usize, &CompiledCode)> = self
            .decls
            .iter()
            .enumerate()
            .filter_map(|(i, d)| match &d.definition {
                Some(Definition::Func(code)) => Some((i, code)),
                _ => None,
            })
            .collect();
        let endian = gimli_endian(t.endian);
        let symbol_of = |i: usize| symbols.get(i).map(|&s| (s, 0));
        // `.eh_frame` is loaded and read-only, so its PC-relative function addresses must
        // not name a symbol another module may preempt (a shared object's link refuses
        // that): they name the section, at the function's offset.
        let text_symbol = obj.section_symbol(text);
        let in_text = |i: usize| places.get(i).map(|&(_, offset)| (text_symbol, offset as i64));

        // .eh_frame: a CIE and an FDE per function with unwind records.
        if funcs.iter().any(|(_, c)| !c.unwind.is_empty()) {
            let mut table = EhFrame::new(&self.cie, gimli::DW_EH_PE_pcrel | gimli::DW_EH_PE_sdata4);
            for &(i, code) in funcs.iter().filter(|(_, c)| !c.unwind.is_empty()) {
                let len = code.code.len() as u32;
                table.add_function(Address::Symbol { symbol: i, addend: 0 }, len, &code.unwind)?;
            }
            let section = table.write(RelocSection::new(endian))?;
            let id = obj.section_id(StandardSection::EhFrame);
            obj.append_section_data(id, section.writer.slice(), 8);
            add_relocations(&mut obj, &t, id, ".eh_frame", &section, &in_text, &mut |_, _| None)?;
        }

        // DWARF.
        if let Some(options) = &self.debug {
            let described: Vec<DebugFunction<'_>> = funcs
                .iter()
                .map(|&(i, code)| DebugFunction {
                    name: &self.decls[i].name,
                    address: Address::Symbol { symbol: i, addend: 0 },
                    len: code.code.len() as u32,
                    srclocs: &code.srclocs,
                    external: self.decls[i].linkage != Linkage::Local,
                })
                .collect();
            let dwarf = write_dwarf(options, &described, endian)?;
            let mut ids = HashMap::new();
            for (id, _) in &dwarf.sections {
                let section = obj.add_section(Vec::new(), id.name().as_bytes().to_vec(), SectionKind::Debug);
                ids.insert(*id, section);
            }
            for (id, section) in &dwarf.sections {
                let into = ids[id];
                obj.append_section_data(into, section.writer.slice(), 1);
                let mut section_of =
                    |obj: &mut Object<'_>, target: gimli::SectionId| ids.get(&target).map(|&s| obj.section_symbol(s));
                add_relocations(&mut obj, &t, into, id.name(), section, &symbol_of, &mut section_of)?;
            }
        }

        // The stack need not be executable.
        obj.add_section(Vec::new(), b".note.GNU-stack".to_vec(), SectionKind::Other);
        Ok(obj.write()?)
    }
}
