//! The configurations a file's header asks for: each `target` line with the `set` lines
//! before it. A file without `target` lines means the host, with the ISA features the host
//! has.

use super::Failure;
use lathe_codegen::isa::{self, TargetIsa};
use lathe_codegen::settings::Flags;
use lathe_codegen::text::{HeaderLine, TestFile};

/// One configuration: an architecture with ISA flags, and the shared settings.
pub struct TargetSpec {
    /// The architecture name.
    pub arch: String,
    /// The ISA flags as written.
    pub isa_flags: Vec<String>,
    /// The shared settings in force for it.
    pub flags: Flags,
    /// Whether the file set `opt_level` itself.
    pub opt_level_set: bool,
}

/// The configurations of `file`; a `set` line Lathe does not know makes the file
/// unsupported.
pub fn target_specs(file: &TestFile) -> Result<Vec<TargetSpec>, Failure> {
    let mut flags = Flags::default();
    let mut opt_level_set = false;
    let mut specs = Vec::new();
    for h in &file.headers {
        match h {
            HeaderLine::Set { name, value, line } => {
                flags.set(name, value.as_deref()).map_err(|e| Failure::Unsupported(format!("line {line}: {e}")))?;
                opt_level_set |= name == "opt_level";
            }
            HeaderLine::Target { arch, flags: isa_flags, .. } => specs.push(TargetSpec {
                arch: arch.clone(),
                isa_flags: isa_flags.clone(),
                flags: flags.clone(),
                opt_level_set,
            }),
        }
    }
    if specs.is_empty() {
        // No `target` line: the host, with the ISA features it has.
        let isa_flags = if isa::host_arch() == "x86_64" { isa::x64::host_isa_flags() } else { Vec::new() };
        specs.push(TargetSpec { arch: isa::host_arch().to_string(), isa_flags, flags, opt_level_set });
    }
    Ok(specs)
}

/// The ISA for a configuration, or why it is unsupported.
pub fn make_isa(spec: &TargetSpec, flags: Flags) -> Result<Box<dyn TargetIsa>, Failure> {
    isa::lookup(&spec.arch, &spec.isa_flags, flags).map_err(|e| Failure::Unsupported(e.to_string()))
}
