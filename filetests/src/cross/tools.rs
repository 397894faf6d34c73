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
}

/// Every architecture Lathe targets. `qemu-<family>` comes from Debian's `qemu-user`.
const ARCHES: [ArchTools; 4] = [
    ArchTools { family: "x86_64", gnu: "x86_64-linux-gnu", packages: "gcc libc6-dev" },
    ArchTools { family: "aarch64", gnu: "aarch64-linux-gnu", packages: "gcc-aarch64-linux-gnu libc6-dev-arm64-cross" },
    ArchTools {
        family: "riscv64",
        gnu: "riscv64-linux-gnu",
        packages: "gcc-riscv64-linux-gnu libc6-dev-riscv64-cross",
    },
    ArchTools { family: "s390x", gnu: "s390x-linux-gnu", packages: "gcc-s390x-linux-gnu libc6-dev-s390x-cross" },
];

/// The Debian package of the emulators.
const QEMU_PACKAGE: &str = "qemu-user";

/// A family, its base CPU model and each ISA flag's `-cpu` property.
type QemuCpu = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

/// How qemu-user selects the CPU features an ISA's flags name: per family, the base CPU
/// model and, per flag, its `-cpu` property. A flag that is on turns its property on; one
/// that is off turns it off, so code that uses an extension its flags do not name faults
/// under the emulator instead of passing by chance. Flags not listed (aarch64's, which
/// qemu's default CPU has) select nothing.
const QEMU_CPU: &[QemuCpu] = &[(
    "riscv64",
    "rv64",
    &[
        ("has_zba", "zba"),
        ("has_zbb", "zbb"),
        ("has_zbs", "zbs"),
        ("has_zbkb", "zbkb"),
        ("has_zicond", "zicond"),
        ("has_zfa", "zfa"),
        ("has_c", "c"),
    ],
)];

/// The emulator's options for a target of `family` with the ISA flags `flags` (`-cpu
/// rv64,zba=true,zbb=false,...`), empty when the family needs none. Some properties are
/// named only when their flag is on: `c`, because the C library linked with the code is
/// compressed itself, and those qemu 7.2 (Debian 12) does not have, so it still runs code
/// that needs no newer extension; asking it for one it lacks fails with qemu's "Property
/// ... not found", which the runner reports as unsupported.
pub fn emulator_args(family: &str, flags: &lathe_codegen::isa::IsaFlagValues) -> Vec<String> {
    const ONLY_WHEN_ON: [&str; 3] = ["c", "zicond", "zfa"];
    let Some((_, cpu, props)) = QEMU_CPU.iter().find(|(f, _, _)| *f == family) else { return Vec::new() };
    let mut spec = cpu.to_string();
    for (flag, prop) in props.iter() {
        let on = flags.get(flag).unwrap_or(false);
        if on || !ONLY_WHEN_ON.contains(prop) {
            spec.push_str(&format!(",{prop}={on}"));
        }
    }
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
        Some(cc) if missing.is_empty() => Ok(Toolchain { family: tools.family, cc, emulator }),
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
