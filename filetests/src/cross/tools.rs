//! The external tools a program for an architecture needs: a C compiler that targets it
//! (the host's `cc` for the host's architecture, Debian's cross gcc otherwise) and, unless
//! the program runs natively, the `qemu-user` emulator. One table names them and the
//! Debian packages that provide them, so a missing tool is reported with what to install.
//!
//! Tools are looked up on `PATH` once per process and architecture.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use target_lexicon::Architecture;

/// What one architecture needs.
struct ArchTools {
    /// The ISA family name (`aarch64`), as `lathe test --target` and the summary say it.
    family: &'static str,
    /// The GNU triple prefix of the cross gcc.
    gnu: &'static str,
    /// The Debian packages providing the cross gcc and its static C library.
    packages: &'static str,
    /// Bytes from a trap instruction's site (where the backend records it) to the address
    /// the driver's signal handler reports for its fault: 0 where the trap instruction
    /// itself faults; 2 on s390x, whose trap `j .+2` jumps into its own second halfword,
    /// the invalid instruction that faults. (A faulting memory access is reported at its
    /// own address everywhere.)
    trap_fault_offset: u32,
    /// The qemu `-cpu` model for a target with ISA flags on: the first `(flag, model)`
    /// whose flag is on picks the model; with none on, qemu's default CPU runs the
    /// program (it has every feature Lathe's baseline for the ISA assumes).
    flag_cpus: &'static [(&'static str, &'static str)],
}

/// Every architecture Lathe targets. `qemu-<family>` comes from Debian's `qemu-user`.
const ARCHES: [ArchTools; 4] = [
    ArchTools {
        family: "x86_64",
        gnu: "x86_64-linux-gnu",
        packages: "gcc libc6-dev",
        trap_fault_offset: 0,
        flag_cpus: &[],
    },
    ArchTools {
        family: "aarch64",
        gnu: "aarch64-linux-gnu",
        packages: "gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
        trap_fault_offset: 0,
        flag_cpus: &[],
    },
    ArchTools {
        family: "riscv64",
        gnu: "riscv64-linux-gnu",
        packages: "gcc-riscv64-linux-gnu libc6-dev-riscv64-cross",
        trap_fault_offset: 0,
        flag_cpus: &[],
    },
    ArchTools {
        family: "s390x",
        gnu: "s390x-linux-gnu",
        packages: "gcc-s390x-linux-gnu libc6-dev-s390x-cross",
        trap_fault_offset: 2,
        // qemu 7.2's default s390x CPU already has these facilities; `max` asks for
        // every one qemu implements, so a later default cannot drop them.
        flag_cpus: &[("has_mie2", "max"), ("has_mie3", "max"), ("has_vxrs_ext2", "max")],
    },
];

/// The Debian package of the emulators.
const QEMU_PACKAGE: &str = "qemu-user";

/// The ISA family of an architecture (`aarch64` for every aarch64 variant): the name
/// per-ISA counts and `lathe test --target` use.
pub fn isa_family(arch: Architecture) -> String {
    match arch {
        Architecture::X86_64 | Architecture::X86_64h => "x86_64".into(),
        Architecture::Aarch64(_) => "aarch64".into(),
        Architecture::Riscv64(_) => "riscv64".into(),
        Architecture::S390x => "s390x".into(),
        other => other.to_string(),
    }
}

/// The ISA family a triple or an architecture name (`aarch64-unknown-linux-gnu`,
/// `riscv64gc`) belongs to, if it parses as either.
pub fn family_of_name(name: &str) -> Option<String> {
    let arch = name.parse::<target_lexicon::Triple>().map(|t| t.architecture).or_else(|_| name.parse());
    arch.ok().map(isa_family)
}

/// The ISA families Lathe targets (with or without a backend yet), as `lathe test
/// --target` takes them.
pub fn target_families() -> impl Iterator<Item = &'static str> {
    ARCHES.iter().map(|a| a.family)
}

/// How to build and start programs for one architecture.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// The ISA family.
    pub family: &'static str,
    /// The C compiler (and linker driver).
    pub cc: PathBuf,
    /// The emulator, or `None` to run programs directly.
    pub emulator: Option<PathBuf>,
    /// Bytes from a trap site to the address its fault is reported at (see `ArchTools`).
    pub trap_fault_offset: u32,
    /// The qemu `-cpu` models by ISA flag (see `ArchTools`).
    flag_cpus: &'static [(&'static str, &'static str)],
}

impl Toolchain {
    /// The qemu `-cpu` model for a target whose ISA flags are `flags`, if it needs one
    /// other than qemu's default.
    pub fn qemu_cpu(&self, flags: &lathe_codegen::isa::IsaFlagValues) -> Option<&'static str> {
        self.flag_cpus.iter().find(|(flag, _)| flags.get(flag) == Some(true)).map(|&(_, cpu)| cpu)
    }
}

/// Why there is no toolchain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    /// Lathe does not know how to build programs for the architecture.
    #[error("no cross-run toolchain is known for `{0}`")]
    UnknownArch(String),
    /// Tools are missing from `PATH`.
    #[error("running {family} code needs {missing} on PATH (Debian packages: {packages})")]
    Missing {
        /// The ISA family.
        family: &'static str,
        /// The missing programs.
        missing: String,
        /// What to install.
        packages: String,
    },
}

/// The toolchain for `arch`, emulated unless `native` (only allowed for the host's
/// architecture, which the caller decides). Cached per process.
pub fn toolchain(arch: Architecture, native: bool) -> Result<Toolchain, ToolError> {
    type Found = HashMap<(String, bool), Result<Toolchain, ToolError>>;
    static CACHE: Mutex<Option<Found>> = Mutex::new(None);
    let family = isa_family(arch);
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .get_or_insert_with(HashMap::new)
        .entry((family.clone(), native))
        .or_insert_with(|| find(&family, native, &search_path))
        .clone()
}

/// The toolchain of `family`, looking programs up with `lookup`.
fn find(family: &str, native: bool, lookup: &dyn Fn(&str) -> Option<PathBuf>) -> Result<Toolchain, ToolError> {
    let tools = ARCHES.iter().find(|t| t.family == family).ok_or_else(|| ToolError::UnknownArch(family.into()))?;
    let host = isa_family(target_lexicon::HOST.architecture) == family;
    let mut missing = Vec::new();
    let mut packages = Vec::new();
    // The host's own compiler builds host programs; a cross gcc the others.
    let cc_name = if host { "cc".to_string() } else { format!("{}-gcc", tools.gnu) };
    let cc = lookup(&cc_name);
    if cc.is_none() {
        missing.push(format!("`{cc_name}`"));
        packages.push(tools.packages);
    }
    let emulator = if native && host {
        None
    } else {
        let name = format!("qemu-{family}");
        let found = lookup(&name);
        if found.is_none() {
            missing.push(format!("`{name}`"));
            packages.push(QEMU_PACKAGE);
        }
        found
    };
    match cc {
        Some(cc) if missing.is_empty() => Ok(Toolchain {
            family: tools.family,
            cc,
            emulator,
            trap_fault_offset: tools.trap_fault_offset,
            flag_cpus: tools.flag_cpus,
        }),
        _ => Err(ToolError::Missing {
            family: tools.family,
            missing: missing.join(" and "),
            packages: packages.join(" "),
        }),
    }
}

/// The first executable file called `name` in the directories of `PATH`.
fn search_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_family_has_tools_and_packages() {
        for name in ["x86_64", "aarch64", "riscv64gc", "s390x"] {
            let arch: Architecture = name.parse().unwrap();
            let family = isa_family(arch);
            let tools = ARCHES.iter().find(|t| t.family == family).unwrap_or_else(|| panic!("{family}"));
            assert!(!tools.packages.is_empty());
        }
        assert_eq!(isa_family("riscv64gc".parse().unwrap()), "riscv64");
        assert_eq!(family_of_name("aarch64-unknown-linux-gnu").as_deref(), Some("aarch64"));
        assert_eq!(family_of_name("riscv64gc").as_deref(), Some("riscv64"));
        assert_eq!(family_of_name("nonsense"), None);
        assert_eq!(target_families().collect::<Vec<_>>(), ["x86_64", "aarch64", "riscv64", "s390x"]);
    }

    #[test]
    fn missing_tools_name_their_packages() {
        let none = |_: &str| None;
        let err = find("aarch64", false, &none).unwrap_err().to_string();
        assert!(err.contains("`aarch64-linux-gnu-gcc` and `qemu-aarch64`"), "{err}");
        assert!(err.contains("gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"), "{err}");
        let all = |name: &str| Some(PathBuf::from(name));
        let s390x = find("s390x", false, &all).unwrap();
        assert_eq!(s390x.cc, PathBuf::from("s390x-linux-gnu-gcc"));
        assert_eq!(s390x.emulator, Some(PathBuf::from("qemu-s390x")));
        // Facility flags pick qemu's `max` CPU; none keep the default.
        let z15 = lathe_codegen::isa::lookup_target(["s390x", "arch_z15"], Default::default()).unwrap();
        assert_eq!(s390x.qemu_cpu(&z15.finish().unwrap().isa_flags()), Some("max"));
        let base = lathe_codegen::isa::lookup_by_name("s390x").unwrap().finish().unwrap();
        assert_eq!(s390x.qemu_cpu(&base.isa_flags()), None);
        assert_eq!(s390x.trap_fault_offset, 2);
        assert!(matches!(find("mips", false, &all), Err(ToolError::UnknownArch(_))));
    }

    #[test]
    fn the_host_runs_natively_with_its_own_compiler() {
        let all = |name: &str| Some(PathBuf::from(name));
        let host = isa_family(target_lexicon::HOST.architecture);
        let native = find(&host, true, &all).unwrap();
        assert_eq!((native.cc, native.emulator), (PathBuf::from("cc"), None));
        let emulated = find(&host, false, &all).unwrap();
        assert_eq!(emulated.emulator, Some(PathBuf::from(format!("qemu-{host}"))));
    }
}
