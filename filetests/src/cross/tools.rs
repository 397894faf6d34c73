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
    /// How qemu's `-cpu` follows the target's ISA flags.
    cpu: QemuCpu,
}

/// Every architecture Lathe targets. `qemu-<family>` comes from Debian's `qemu-user`.
const ARCHES: [ArchTools; 4] = [
    ArchTools {
        family: "x86_64",
        gnu: "x86_64-linux-gnu",
        packages: "gcc libc6-dev",
        trap_fault_offset: 0,
        cpu: QemuCpu::Default,
    },
    ArchTools {
        family: "aarch64",
        gnu: "aarch64-linux-gnu",
        packages: "gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
        trap_fault_offset: 0,
        // qemu's default aarch64 CPU (`max`) has LSE and pointer authentication.
        cpu: QemuCpu::Default,
    },
    ArchTools {
        family: "riscv64",
        gnu: "riscv64-linux-gnu",
        packages: "gcc-riscv64-linux-gnu libc6-dev-riscv64-cross",
        trap_fault_offset: 0,
        cpu: QemuCpu::Properties {
            model: "rv64",
            props: &[
                ("has_zba", "zba"),
                ("has_zbb", "zbb"),
                ("has_zbs", "zbs"),
                ("has_zbkb", "zbkb"),
                ("has_zicond", "zicond"),
                ("has_zfa", "zfa"),
                ("has_c", "c"),
            ],
            // `c`: the C library linked with the code is compressed itself; `zicond` and
            // `zfa`: qemu 7.2 (Debian 12) lacks them, so naming them only when on keeps
            // every other program running (asking for one fails with "Property ... not
            // found", which the runner reports as unsupported).
            only_when_on: &["c", "zicond", "zfa"],
        },
    },
    ArchTools {
        family: "s390x",
        gnu: "s390x-linux-gnu",
        packages: "gcc-s390x-linux-gnu libc6-dev-s390x-cross",
        trap_fault_offset: 2,
        // qemu 7.2's default s390x CPU already has these facilities; `max` asks for
        // every one qemu implements, so a later default cannot drop them. (The named
        // models, `-cpu z15`, fail on crypto features qemu lacks.)
        cpu: QemuCpu::ModelWhenAny { flags: &["has_mie2", "has_mie3", "has_vxrs_ext2"], model: "max" },
    },
];

/// The Debian package of the emulators.
const QEMU_PACKAGE: &str = "qemu-user";

/// How qemu-user's `-cpu` is chosen from an ISA's flags.
#[derive(Copy, Clone, Debug)]
enum QemuCpu {
    /// qemu's default CPU has every feature the ISA's flags can ask for.
    Default,
    /// A base model with one property per flag (`-cpu rv64,zba=true,zbb=false`): a flag
    /// that is on turns its property on, one that is off turns it off, so code that uses
    /// an extension its flags do not name faults under the emulator instead of passing by
    /// chance; properties in `only_when_on` are named only when their flag is on.
    Properties {
        /// The base model.
        model: &'static str,
        /// `(flag, property)` pairs.
        props: &'static [(&'static str, &'static str)],
        /// Properties left to qemu's default when their flag is off.
        only_when_on: &'static [&'static str],
    },
    /// `model` when any of `flags` is on, qemu's default otherwise.
    ModelWhenAny {
        /// The flags that need the model.
        flags: &'static [&'static str],
        /// The model.
        model: &'static str,
    },
}

/// The emulator's options for a target of `family` with the ISA flags `flags` (`-cpu
/// ...`), empty when qemu's default CPU will do.
pub fn emulator_args(family: &str, flags: &lathe_codegen::isa::IsaFlagValues) -> Vec<String> {
    let on = |flag: &str| flags.get(flag).unwrap_or(false);
    let spec = match ARCHES.iter().find(|a| a.family == family).map(|a| a.cpu) {
        None | Some(QemuCpu::Default) => return Vec::new(),
        Some(QemuCpu::Properties { model, props, only_when_on }) => {
            let mut spec = model.to_string();
            for (flag, prop) in props {
                if on(flag) || !only_when_on.contains(prop) {
                    spec.push_str(&format!(",{prop}={}", on(flag)));
                }
            }
            spec
        }
        Some(QemuCpu::ModelWhenAny { flags: needs, model }) => {
            if !needs.iter().any(|f| on(f)) {
                return Vec::new();
            }
            model.to_string()
        }
    };
    vec!["-cpu".into(), spec]
}

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
        Some(cc) if missing.is_empty() => {
            Ok(Toolchain { family: tools.family, cc, emulator, trap_fault_offset: tools.trap_fault_offset })
        }
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
    fn riscv64_flags_select_qemu_cpu_properties() {
        let mut b = lathe_codegen::isa::lookup_by_name("riscv64").unwrap();
        b.enable("has_zba").unwrap();
        b.enable("has_zicond").unwrap();
        let args = emulator_args("riscv64", b.isa_flags());
        assert_eq!(args, ["-cpu", "rv64,zba=true,zbb=false,zbs=false,zbkb=false,zicond=true"]);
        let a64 = lathe_codegen::isa::lookup_by_name("aarch64").unwrap();
        assert!(emulator_args("aarch64", a64.isa_flags()).is_empty());
    }

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
        assert_eq!(emulator_args("s390x", &z15.finish().unwrap().isa_flags()), ["-cpu", "max"]);
        let base = lathe_codegen::isa::lookup_by_name("s390x").unwrap().finish().unwrap();
        assert!(emulator_args("s390x", &base.isa_flags()).is_empty());
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
