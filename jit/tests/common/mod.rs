//! Helpers shared by the JIT tests: compiled code from hand-written x86-64 bytes, and
//! signatures from type lists.

#![allow(dead_code)]

use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::{AbiParam, CallConv, ExternalName, Signature, TrapCode, Type};
use lathe_codegen::machinst::{CompiledCode, Reloc, RelocKind, TrapSite};
use lathe_jit::{CallOutcome, FuncId, JitModule};

/// `%name`.
pub fn name(s: &str) -> ExternalName {
    ExternalName::TestCase(s.to_string())
}

/// Code with no relocations or trap sites.
pub fn code(bytes: &[u8]) -> CompiledCode {
    CompiledCode { code: bytes.to_vec(), alignment: 16, ..Default::default() }
}

/// Code with trap sites.
pub fn code_with_traps(bytes: &[u8], traps: &[(u32, TrapCode)]) -> CompiledCode {
    let mut c = code(bytes);
    c.traps = traps.iter().map(|&(offset, code)| TrapSite { offset, code }).collect();
    c
}

/// Code with one relocation.
pub fn code_with_reloc(bytes: &[u8], offset: u32, kind: RelocKind, target: &str, addend: i64) -> CompiledCode {
    let mut c = code(bytes);
    c.relocs.push(Reloc { offset, kind, target: name(target), addend });
    c
}

/// A System V signature.
pub fn sig(params: &[Type], returns: &[Type]) -> Signature {
    Signature {
        params: params.iter().map(|&t| AbiParam::new(t)).collect(),
        returns: returns.iter().map(|&t| AbiParam::new(t)).collect(),
        call_conv: CallConv::SystemV,
    }
}

/// A module with one finalized function.
pub fn single(bytes: CompiledCode, signature: Signature) -> (JitModule, FuncId) {
    let mut m = JitModule::new();
    let id = m.define_function(name("f"), &bytes, &signature).unwrap();
    m.finalize().unwrap();
    (m, id)
}

/// Calls and expects a return.
pub fn returns(m: &JitModule, id: FuncId, args: &[DataValue]) -> Vec<DataValue> {
    match m.call(id, args).unwrap() {
        CallOutcome::Return(v) => v,
        CallOutcome::Trap(t) => panic!("unexpected trap {t}"),
    }
}

/// Calls and expects a trap.
pub fn traps(m: &JitModule, id: FuncId, args: &[DataValue]) -> TrapCode {
    match m.call(id, args).unwrap() {
        CallOutcome::Trap(t) => t,
        CallOutcome::Return(v) => panic!("expected a trap, got {v:?}"),
    }
}
