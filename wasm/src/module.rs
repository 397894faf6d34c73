//! Parsing and validating a Wasm module into [`ModuleInfo`]: everything the translator and
//! the runtime need, owned, with function bodies kept as byte ranges of the module.
//!
//! Input: module bytes and the features to allow. Validation is wasmparser's, with the
//! Wasm 2.0 feature set (the MVP plus sign extension, non-trapping float-to-int,
//! multi-value, bulk memory, reference types, mutable globals and SIMD), with extended
//! constant expressions, relaxed SIMD, tail calls, multi-memory, memory64 and typed
//! function references on top ([`features`]; `Config::wasm_features` may turn some off).
//! Every type the runtime compares across modules (function, global and table types) is
//! kept canonical: a concrete heap type `(ref $t)` names the process-wide id of `$t`
//! ([`type_id`]), not the module's type index, so equal types compare equal with `==`.
//! Output: [`ModuleInfo`], read by `translate` (types, function signatures) and by
//! `runtime` (imports, exports, segments, initialisers).

use crate::WasmError;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;
use wasmparser::{
    DataKind, ElementItems, ElementKind, ExternalKind, FuncType, GlobalType, HeapType, MemoryType, Operator,
    PackedIndex, Parser, Payload, RefType, TableType, TypeRef, UnpackedIndex, ValType, Validator, WasmFeatures,
};

/// One operation of a constant expression (initialisers and segment offsets).
#[derive(Clone, Debug, PartialEq)]
pub enum ConstOp {
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `f32.const`, by bits.
    F32(u32),
    /// `f64.const`, by bits.
    F64(u64),
    /// `v128.const`.
    V128(u128),
    /// `ref.null`.
    RefNull,
    /// `ref.func`.
    RefFunc(u32),
    /// `global.get` of an (imported, immutable) global.
    GlobalGet(u32),
    /// Extended constant arithmetic: `i32.add` and friends.
    I32Add,
    /// `i32.sub`.
    I32Sub,
    /// `i32.mul`.
    I32Mul,
    /// `i64.add`.
    I64Add,
    /// `i64.sub`.
    I64Sub,
    /// `i64.mul`.
    I64Mul,
}

/// A constant expression.
pub type ConstExpr = Vec<ConstOp>;

/// What an import provides.
#[derive(Clone, Debug)]
pub enum ImportKind {
    /// A function of this type index.
    Func(u32),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag whose parameters are those of this function type index.
    Tag(u32),
}

/// An import.
#[derive(Clone, Debug)]
pub struct Import {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// What it is.
    pub kind: ImportKind,
}

/// A defined global.
#[derive(Clone, Debug)]
pub struct GlobalInfo {
    /// Its type.
    pub ty: GlobalType,
    /// Its initialiser.
    pub init: ConstExpr,
}

/// Where an element segment goes.
#[derive(Clone, Debug)]
pub enum ElemMode {
    /// Used by `table.init` only.
    Passive,
    /// Copied into a table at instantiation.
    Active {
        /// The table.
        table: u32,
        /// The offset expression.
        offset: ConstExpr,
    },
    /// Only declares functions for `ref.func`.
    Declared,
}

/// An element segment.
#[derive(Clone, Debug)]
pub struct ElemSegment {
    /// Where it goes.
    pub mode: ElemMode,
    /// Its items, each a constant expression.
    pub items: Vec<ConstExpr>,
}

/// A data segment.
#[derive(Clone, Debug)]
pub struct DataSegment {
    /// `Some((memory, offset))` for an active segment.
    pub active: Option<(u32, ConstExpr)>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// An export.
#[derive(Clone, Debug)]
pub struct Export {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: ExternalKind,
    /// The index in that kind's index space.
    pub index: u32,
}

/// A parsed, validated module.
#[derive(Debug, Default)]
pub struct ModuleInfo {
    /// The module bytes (function bodies are ranges of it).
    pub bytes: Vec<u8>,
    /// Function types by type index.
    pub types: Vec<FuncType>,
    /// The process-wide id of each type (see [`type_id`]).
    pub type_ids: Vec<u64>,
    /// The type index of each function, imported ones first.
    pub funcs: Vec<u32>,
    /// Imports, in order.
    pub imports: Vec<Import>,
    /// How many functions are imported.
    pub num_imported_funcs: u32,
    /// Table types, imported ones first.
    pub tables: Vec<TableType>,
    /// How many tables are imported.
    pub num_imported_tables: u32,
    /// Memory types, imported ones first.
    pub memories: Vec<MemoryType>,
    /// How many memories are imported.
    pub num_imported_memories: u32,
    /// Global types, imported ones first.
    pub globals: Vec<GlobalType>,
    /// How many globals are imported.
    pub num_imported_globals: u32,
    /// Initialisers of defined globals.
    pub global_inits: Vec<ConstExpr>,
    /// Exception tags, imported ones first: the function type index giving each tag's
    /// parameters (its results are empty).
    pub tags: Vec<u32>,
    /// How many tags are imported.
    pub num_imported_tags: u32,
    /// Initialisers of defined tables: `None` fills the table with null references,
    /// `Some` with the value of the expression (typed function references).
    pub table_inits: Vec<Option<ConstExpr>>,
    /// Exports.
    pub exports: Vec<Export>,
    /// The start function.
    pub start: Option<u32>,
    /// Element segments.
    pub elements: Vec<ElemSegment>,
    /// Data segments.
    pub data: Vec<DataSegment>,
    /// Byte ranges of the defined functions' bodies.
    pub bodies: Vec<Range<usize>>,
    /// Where the Code section's contents start in the module (0 without a Code section):
    /// DWARF code addresses count from here, instruction `SourceLoc`s from the module's
    /// first byte (see [`crate::debug`]).
    pub code_section_start: usize,
    /// Function names from the name section, by function index.
    pub names: HashMap<u32, String>,
}

impl ModuleInfo {
    /// The type of function `func`.
    pub fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize] as usize]
    }

    /// A readable name for function `func`: its name-section name, an export name, or
    /// its index.
    pub fn func_name(&self, func: u32) -> String {
        if let Some(n) = self.names.get(&func) {
            return n.clone();
        }
        match self.exports.iter().find(|e| e.kind == ExternalKind::Func && e.index == func) {
            Some(e) => e.name.clone(),
            None => format!("func[{func}]"),
        }
    }
}

/// The feature set Lathe validates against: Wasm 2.0, plus extended constant expressions
/// (`i32`/`i64` `add`, `sub` and `mul` in initialisers and offsets), relaxed SIMD, tail
/// calls (with `return_call_ref`), multi-memory, memory64, typed function references
/// (`call_ref`, `ref.as_non_null`, `br_on_null`, `br_on_non_null`, non-nullable and
/// concrete reference types) and exception handling (the `exnref` form: tags, `throw`,
/// `throw_ref`, `try_table`). Not GC, the legacy exception instructions (`try`,
/// `catch`, `rethrow`, `delegate`), threads or the others.
pub fn features() -> WasmFeatures {
    WasmFeatures::WASM2
        | WasmFeatures::EXTENDED_CONST
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::MEMORY64
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::FUNCTION_REFERENCES
}

/// The process-wide id of a canonical function type (see [`canonical_func_type`]): equal
/// types get equal ids, so `call_indirect` can compare ids across modules. Without GC a
/// type refers only to types defined before it (wasmparser rejects self and forward
/// references, and explicit `rec` groups, unless GC is on), so structural equality of
/// canonical types, whose references are already ids, is type equality.
pub fn type_id(ty: &FuncType) -> u64 {
    type Key = (Vec<ValType>, Vec<ValType>);
    static IDS: Mutex<Option<HashMap<Key, u64>>> = Mutex::new(None);
    let mut ids = IDS.lock().unwrap_or_else(|e| e.into_inner());
    let map = ids.get_or_insert_with(HashMap::new);
    let key = (ty.params().to_vec(), ty.results().to_vec());
    let next = map.len() as u64 + 1;
    *map.entry(key).or_insert(next)
}

/// `ty` with a concrete heap type's module type index replaced by that type's id
/// (`ids`, by type index), so the type means the same in every module.
pub fn canonical_ref_type(ty: RefType, ids: &[u64]) -> Result<RefType, WasmError> {
    let HeapType::Concrete(UnpackedIndex::Module(index)) = ty.heap_type() else {
        return Ok(ty);
    };
    let id = *ids.get(index as usize).ok_or_else(|| WasmError::Invalid(format!("unknown type {index}")))?;
    // wasmparser's own ids number the types of one validator; these number the types
    // of the process, which is what cross-module comparison needs. They share the
    // representation so that `RefType`s stay comparable with `==`.
    let packed = u32::try_from(id)
        .ok()
        .and_then(|id| {
            PackedIndex::from_id(<wasmparser::types::CoreTypeId as wasmparser::types::TypeIdentifier>::from_index(id))
        })
        .ok_or_else(|| WasmError::Unsupported(format!("function type id {id}: too many distinct types")))?;
    Ok(RefType::concrete(ty.is_nullable(), packed))
}

/// `ty` with its concrete heap type, if any, made canonical ([`canonical_ref_type`]).
pub fn canonical_val_type(ty: ValType, ids: &[u64]) -> Result<ValType, WasmError> {
    Ok(match ty {
        ValType::Ref(r) => ValType::Ref(canonical_ref_type(r, ids)?),
        other => other,
    })
}

/// `ty` with every concrete heap type made canonical ([`canonical_ref_type`]).
pub fn canonical_func_type(ty: &FuncType, ids: &[u64]) -> Result<FuncType, WasmError> {
    let map = |ts: &[ValType]| ts.iter().map(|&t| canonical_val_type(t, ids)).collect::<Result<Vec<_>, _>>();
    Ok(FuncType::new(map(ty.params())?, map(ty.results())?))
}

/// The id of a canonical concrete heap type, `None` for an abstract one.
pub fn concrete_type_id(ty: RefType) -> Option<u64> {
    match ty.heap_type() {
        HeapType::Concrete(UnpackedIndex::Id(id)) => {
            Some(<wasmparser::types::CoreTypeId as wasmparser::types::TypeIdentifier>::index(&id) as u64)
        }
        _ => None,
    }
}

/// Whether a value of canonical type `sub` may stand where canonical type `sup` is
/// expected: equal types, or references where `sub` is non-nullable or `sup` nullable,
/// and `sub`'s heap type is `sup`'s or, for a function type, `sup` is `func`. Function
/// types have no subtypes but themselves without GC.
pub fn is_subtype(sub: ValType, sup: ValType) -> bool {
    match (sub, sup) {
        (ValType::Ref(a), ValType::Ref(b)) => {
            (!a.is_nullable() || b.is_nullable()) && is_heap_subtype(a.heap_type(), b.heap_type())
        }
        _ => sub == sup,
    }
}

fn is_heap_subtype(sub: HeapType, sup: HeapType) -> bool {
    use wasmparser::AbstractHeapType::{Func, NoExn, NoExtern, NoFunc};
    match (sub, sup) {
        _ if sub == sup => true,
        (HeapType::Concrete(_), HeapType::Abstract { shared: false, ty: Func }) => true,
        (HeapType::Abstract { shared: false, ty: NoFunc }, HeapType::Concrete(_)) => true,
        (HeapType::Abstract { shared: false, ty: NoFunc }, HeapType::Abstract { shared: false, ty: Func }) => true,
        (HeapType::Abstract { shared: false, ty: NoExtern }, HeapType::Abstract { shared: false, ty }) => {
            ty == wasmparser::AbstractHeapType::Extern
        }
        (HeapType::Abstract { shared: false, ty: NoExn }, HeapType::Abstract { shared: false, ty }) => {
            ty == wasmparser::AbstractHeapType::Exn
        }
        _ => false,
    }
}

fn invalid(e: impl std::fmt::Display) -> WasmError {
    WasmError::Invalid(e.to_string())
}

fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, WasmError> {
    let mut out = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        out.push(match reader.read().map_err(invalid)? {
            Operator::I32Const { value } => ConstOp::I32(value),
            Operator::I64Const { value } => ConstOp::I64(value),
            Operator::F32Const { value } => ConstOp::F32(value.bits()),
            Operator::F64Const { value } => ConstOp::F64(value.bits()),
            Operator::V128Const { value } => ConstOp::V128(value.i128() as u128),
            Operator::RefNull { .. } => ConstOp::RefNull,
            Operator::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Operator::I32Add => ConstOp::I32Add,
            Operator::I32Sub => ConstOp::I32Sub,
            Operator::I32Mul => ConstOp::I32Mul,
            Operator::I64Add => ConstOp::I64Add,
            Operator::I64Sub => ConstOp::I64Sub,
            Operator::I64Mul => ConstOp::I64Mul,
            Operator::End => continue,
            op => return Err(WasmError::Unsupported(format!("constant expression operator {op:?}"))),
        });
    }
    Ok(out)
}

/// Parses and validates `bytes` with every feature Lathe supports ([`features`]).
pub fn parse(bytes: &[u8]) -> Result<ModuleInfo, WasmError> {
    parse_with(bytes, features())
}

/// Parses and validates `bytes` with the features of `enabled` that Lathe supports (a
/// feature Lathe lacks stays off whatever `enabled` says).
pub fn parse_with(bytes: &[u8], enabled: WasmFeatures) -> Result<ModuleInfo, WasmError> {
    let mut validator = Validator::new_with_features(enabled & features());
    let mut info = ModuleInfo { bytes: bytes.to_vec(), ..Default::default() };
    let mut func_validators = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(invalid)?;
        if let wasmparser::ValidPayload::Func(v, body) = validator.payload(&payload).map_err(invalid)? {
            let r = body.range();
            func_validators.push((v, r.start as usize..r.end as usize));
        }
        match payload {
            Payload::TypeSection(r) => {
                for group in r.into_iter_err_on_gc_types() {
                    let ty = canonical_func_type(&group.map_err(invalid)?, &info.type_ids)?;
                    info.type_ids.push(type_id(&ty));
                    info.types.push(ty);
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.map_err(invalid)?;
                    let kind = match imp.ty {
                        TypeRef::Func(t) => {
                            info.funcs.push(t);
                            info.num_imported_funcs += 1;
                            ImportKind::Func(t)
                        }
                        TypeRef::Table(mut t) => {
                            t.element_type = canonical_ref_type(t.element_type, &info.type_ids)?;
                            info.tables.push(t);
                            info.num_imported_tables += 1;
                            ImportKind::Table(t)
                        }
                        TypeRef::Memory(m) => {
                            info.memories.push(m);
                            info.num_imported_memories += 1;
                            ImportKind::Memory(m)
                        }
                        TypeRef::Global(mut g) => {
                            g.content_type = canonical_val_type(g.content_type, &info.type_ids)?;
                            info.globals.push(g);
                            info.num_imported_globals += 1;
                            ImportKind::Global(g)
                        }
                        TypeRef::Tag(t) => {
                            info.tags.push(t.func_type_idx);
                            info.num_imported_tags += 1;
                            ImportKind::Tag(t.func_type_idx)
                        }
                        other => return Err(WasmError::Unsupported(format!("import of {other:?}"))),
                    };
                    info.imports.push(Import { module: imp.module.to_string(), name: imp.name.to_string(), kind });
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    info.funcs.push(t.map_err(invalid)?);
                }
            }
            Payload::TableSection(r) => {
                for t in r {
                    let mut t = t.map_err(invalid)?;
                    t.ty.element_type = canonical_ref_type(t.ty.element_type, &info.type_ids)?;
                    info.tables.push(t.ty);
                    info.table_inits.push(match &t.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(const_expr(e)?),
                    });
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    info.memories.push(m.map_err(invalid)?);
                }
            }
            Payload::GlobalSection(r) => {
                for g in r {
                    let mut g = g.map_err(invalid)?;
                    g.ty.content_type = canonical_val_type(g.ty.content_type, &info.type_ids)?;
                    info.globals.push(g.ty);
                    info.global_inits.push(const_expr(&g.init_expr)?);
                }
            }
            Payload::TagSection(r) => {
                for t in r {
                    info.tags.push(t.map_err(invalid)?.func_type_idx);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(invalid)?;
                    info.exports.push(Export { name: e.name.to_string(), kind: e.kind, index: e.index });
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(func),
            Payload::ElementSection(r) => {
                for e in r {
                    let e = e.map_err(invalid)?;
                    let mode = match e.kind {
                        ElementKind::Passive => ElemMode::Passive,
                        ElementKind::Declared => ElemMode::Declared,
                        ElementKind::Active { table_index, offset_expr } => {
                            ElemMode::Active { table: table_index.unwrap_or(0), offset: const_expr(&offset_expr)? }
                        }
                    };
                    let mut items = Vec::new();
                    match e.items {
                        ElementItems::Functions(r) => {
                            for f in r {
                                items.push(vec![ConstOp::RefFunc(f.map_err(invalid)?)]);
                            }
                        }
                        ElementItems::Expressions(_, r) => {
                            for x in r {
                                items.push(const_expr(&x.map_err(invalid)?)?);
                            }
                        }
                    }
                    info.elements.push(ElemSegment { mode, items });
                }
            }
            Payload::DataSection(r) => {
                for d in r {
                    let d = d.map_err(invalid)?;
                    let active = match d.kind {
                        DataKind::Passive => None,
                        DataKind::Active { memory_index, offset_expr } => {
                            Some((memory_index, const_expr(&offset_expr)?))
                        }
                    };
                    info.data.push(DataSegment { active, bytes: d.data.to_vec() });
                }
            }
            Payload::CodeSectionStart { unchecked_range, .. } => {
                // A position the parser has reached, so within the bytes.
                info.code_section_start = unchecked_range.start as usize;
            }
            Payload::CodeSectionEntry(body) => {
                let r = body.range();
                info.bodies.push(r.start as usize..r.end as usize);
            }
            Payload::CustomSection(c) => {
                if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                    for n in names.into_iter().flatten() {
                        if let wasmparser::Name::Function(map) = n {
                            for naming in map.into_iter().flatten() {
                                info.names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut allocs = wasmparser::FuncValidatorAllocations::default();
    for (v, range) in func_validators {
        let mut fv = v.into_validator(allocs);
        let body =
            wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(&bytes[range.clone()], range.start as u64));
        fv.validate(&body).map_err(invalid)?;
        allocs = fv.into_allocations();
    }
    Ok(info)
}

/// Whether a reference type is a function reference (else an extern reference): `func`,
/// `nofunc` or a concrete type (every concrete type is a function type without GC).
pub fn is_func_ref(ty: RefType) -> bool {
    match ty.heap_type() {
        HeapType::Concrete(_) | HeapType::Exact(_) => true,
        HeapType::Abstract { ty, .. } => {
            matches!(ty, wasmparser::AbstractHeapType::Func | wasmparser::AbstractHeapType::NoFunc)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(src: &str) -> Vec<u8> {
        let buf = wast::parser::ParseBuffer::new(src).expect("lexes");
        let mut w: wast::Wat = wast::parser::parse(&buf).expect("parses");
        w.encode().expect("encodes")
    }

    #[test]
    fn concrete_types_are_canonical_across_modules() {
        let a =
            parse(&wat("(module (type $f (func)) (type (func (param (ref $f)))) (type (func (param (ref null $f)))))"))
                .expect("valid");
        let b = parse(&wat("(module (type (func (param i32))) (type $f (func)) (type (func (param (ref $f)))))"))
            .expect("valid");
        // The same type at another index: the same canonical type and id.
        assert_eq!(a.types[1], b.types[2]);
        assert_eq!(a.type_ids[1], b.type_ids[2]);
        // Nullability is part of the type.
        assert_ne!(a.type_ids[1], a.type_ids[2]);
        let ValType::Ref(r) = a.types[1].params()[0] else { panic!("a reference parameter") };
        assert_eq!(concrete_type_id(r), Some(a.type_ids[0]));
    }

    #[test]
    fn type_recursion_and_explicit_rec_groups_need_gc() {
        // Lathe leaves GC off, and wasmparser admits neither without it, so a type can
        // only name types before it and canonical ids are well-founded.
        for src in [
            "(module (type $t (func (param (ref $t)))))",
            "(module (type $a (func (param (ref $b)))) (type $b (func)))",
            "(module (rec (type (func)) (type (func))))",
        ] {
            assert!(matches!(parse(&wat(src)), Err(WasmError::Invalid(_))), "{src}");
        }
    }

    #[test]
    fn subtyping_of_references() {
        let m =
            parse(&wat("(module (type $f (func)) (type $g (func (param (ref $f) (ref null $f)))))")).expect("valid");
        let p = m.types[1].params();
        let (non_null, nullable) = (p[0], p[1]);
        assert!(is_subtype(non_null, nullable));
        assert!(!is_subtype(nullable, non_null));
        assert!(is_subtype(non_null, ValType::FUNCREF));
        assert!(is_subtype(nullable, ValType::FUNCREF));
        assert!(!is_subtype(ValType::FUNCREF, nullable));
        assert!(!is_subtype(nullable, ValType::EXTERNREF));
        // The bottom types sit below their hierarchy's top only.
        assert!(is_subtype(ValType::Ref(RefType::NULLEXNREF), ValType::EXNREF));
        assert!(!is_subtype(ValType::EXNREF, ValType::Ref(RefType::NULLEXNREF)));
        assert!(!is_subtype(ValType::Ref(RefType::NULLEXNREF), ValType::EXTERNREF));
        assert!(is_subtype(ValType::Ref(RefType::NULLEXTERNREF), ValType::EXTERNREF));
    }
}
