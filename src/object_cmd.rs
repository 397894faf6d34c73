//! `lathe compile -o OUT.o [-g] FILE.clif`: the functions of a CLIF file compiled into an
//! ELF relocatable object with `lathe-object`.
//!
//! Symbols: each function of the file is exported under its `%name`; every `%name` its
//! calls, `func_addr` or `symbol_value` use that the file does not define is imported (as
//! a function or as data, by how it is used). Library calls import their routines. With
//! `-g`, DWARF names the input file and reads each source location `@NNNN` as a line.

use lathe_codegen::ir::{ExternalName, Function, GlobalValueData};
use lathe_codegen::isa::TargetIsa;
use lathe_object::{DebugOptions, Linkage, ObjectModule};
use std::path::{Path, PathBuf};

/// Where and how `lathe compile` writes an object.
pub struct ObjectOutput {
    /// The object file to write.
    pub path: PathBuf,
    /// Whether to add DWARF.
    pub debug_info: bool,
}

/// The symbol of a CLIF name, or an error for names that have none (`u0:1`).
fn symbol(name: &ExternalName, file: &Path) -> Result<Option<String>, String> {
    match name {
        ExternalName::TestCase(s) => Ok(Some(s.clone())),
        ExternalName::LibCall(_) => Ok(None),
        ExternalName::User { .. } => Err(format!(
            "{}: `{name}` has no symbol name; name functions and symbols `%name` to write an object",
            file.display()
        )),
    }
}

/// Compiles `funcs` for `isa` and writes the object.
pub fn write_object(file: &Path, funcs: &[Function], isa: &dyn TargetIsa, out: &ObjectOutput) -> Result<(), String> {
    let mut module = ObjectModule::new(isa).map_err(|e| e.to_string())?;
    if out.debug_info {
        module.set_debug_info(DebugOptions::new(file.display().to_string()));
    }
    let mut ids = Vec::with_capacity(funcs.len());
    for f in funcs {
        let name = symbol(&f.name, file)?.ok_or_else(|| format!("{}: a function named {}", file.display(), f.name))?;
        let id = module.declare_function(&name, Linkage::Export).map_err(|e| format!("{}: {e}", file.display()))?;
        ids.push(id);
    }
    // What the functions refer to and the file does not define is imported.
    let at = |e: lathe_object::ObjectError| format!("{}: {e}", file.display());
    for f in funcs {
        for ext in f.dfg.ext_funcs.values() {
            if let Some(name) = symbol(&ext.name, file)?
                && module.lookup_function(&name).is_none()
            {
                module.declare_function(&name, Linkage::Import).map_err(at)?;
            }
        }
        for gv in f.global_values.values() {
            if let GlobalValueData::Symbol { name, .. } = gv
                && let Some(name) = symbol(name, file)?
                && module.lookup_function(&name).is_none()
            {
                module.declare_data(&name, Linkage::Import, true).map_err(at)?;
            }
        }
    }
    for (f, id) in funcs.iter().zip(ids) {
        let code =
            isa.compile_function(f, false).map_err(|e| format!("{}: function {}: {e}", file.display(), f.name))?;
        module.define_function(id, &code).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    let bytes = module.finish().map_err(|e| format!("{}: {e}", file.display()))?;
    std::fs::write(&out.path, bytes).map_err(|e| format!("writing {}: {e}", out.path.display()))
}
