//! Temporary files of cross runs, and the driver's fixed part compiled once per
//! architecture.
//!
//! Every program gets its own folder ([`WorkDir`]) inside one per-process folder under
//! the system's temporary directory (`lathe-cross-<pid>-<n>`). The per-process folder also
//! holds `lathe_driver.c`/`.h` and their object per architecture, compiled on first use,
//! so each program compiles only its small generated tables. It lives while some
//! [`WorkDir`] does: the last one to go removes it (a later program makes a fresh one), so
//! nothing is left behind when the runs are over.

use super::tools::Toolchain;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The driver's fixed part and its interface (see `lathe_driver.c`).
pub(super) const DRIVER_C: &str = include_str!("lathe_driver.c");
/// The tables each program defines.
pub(super) const DRIVER_H: &str = include_str!("lathe_driver.h");

/// The per-process folder and what it caches.
struct Shared {
    dir: PathBuf,
    /// Live [`WorkDir`]s inside it.
    users: usize,
    /// The driver object per ISA family.
    drivers: HashMap<&'static str, PathBuf>,
}

static SHARED: Mutex<Option<Shared>> = Mutex::new(None);
/// Numbers folders, so a folder removed by one run is never reused by the next.
static SERIAL: AtomicUsize = AtomicUsize::new(0);

fn lock() -> std::sync::MutexGuard<'static, Option<Shared>> {
    SHARED.lock().unwrap_or_else(|p| p.into_inner())
}

/// One program's folder, removed (with the per-process folder, when it is the last) on
/// drop.
pub struct WorkDir {
    path: PathBuf,
}

impl WorkDir {
    /// A fresh folder for one program.
    pub fn new() -> std::io::Result<WorkDir> {
        let mut shared = lock();
        if shared.is_none() {
            let name = format!("lathe-cross-{}-{}", std::process::id(), SERIAL.fetch_add(1, Ordering::Relaxed));
            let dir = std::env::temp_dir().join(name);
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join("lathe_driver.c"), DRIVER_C)?;
            std::fs::write(dir.join("lathe_driver.h"), DRIVER_H)?;
            *shared = Some(Shared { dir, users: 0, drivers: HashMap::new() });
        }
        let Some(s) = shared.as_mut() else { unreachable!("made above") };
        let path = s.dir.join(format!("p{}", SERIAL.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir(&path)?;
        s.users += 1;
        Ok(WorkDir { path })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The driver's fixed part compiled by `tools`, compiled on first use.
    pub fn driver_object(&self, tools: &Toolchain) -> Result<PathBuf, String> {
        let mut shared = lock();
        let s = shared.as_mut().ok_or("the cross-run folder is gone")?;
        if let Some(o) = s.drivers.get(tools.family) {
            return Ok(o.clone());
        }
        let object = s.dir.join(format!("lathe_driver-{}.o", tools.family));
        let mut cmd = Command::new(&tools.cc);
        cmd.args(["-O0", "-c", "-o"]).arg(&object).arg(s.dir.join("lathe_driver.c"));
        run_tool(&mut cmd)?;
        s.drivers.insert(tools.family, object.clone());
        Ok(object)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        let mut shared = lock();
        if let Some(s) = shared.as_mut() {
            s.users -= 1;
            if s.users == 0 {
                let _ = std::fs::remove_dir_all(&s.dir);
                *shared = None;
            }
        }
    }
}

/// Runs a build tool; a failure is its command line and what it printed.
pub(super) fn run_tool(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        return Ok(());
    }
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    Err(format!(
        "`{} {}` failed ({}):\n{}{}",
        cmd.get_program().to_string_lossy(),
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cross::tools::{target_families, toolchain};

    /// Hand-written "Lathe code" per architecture: `lathe_t_trap` is an illegal
    /// instruction at offset 0 (a trap site), `lathe_t_segv` loads from address 0 at no
    /// trap site.
    fn code_asm(family: &str) -> &'static str {
        match family {
            "x86_64" => "lathe_t_trap: ud2\nlathe_t_segv: xor %eax, %eax\n mov (%rax), %rax\n ret\n",
            "aarch64" => "lathe_t_trap: .inst 0\nlathe_t_segv: mov x0, #0\n ldr x0, [x0]\n ret\n",
            "riscv64" => "lathe_t_trap: .4byte 0\nlathe_t_segv: li a0, 0\n ld a0, 0(a0)\n ret\n",
            "s390x" => "lathe_t_trap: .2byte 0\nlathe_t_segv: lghi %r2, 0\n lg %r2, 0(%r2)\n br %r14\n",
            other => panic!("no test code for {other}"),
        }
    }

    const TABLES: &str = r#"
extern char lathe_t_trap[], lathe_t_segv[];
static void lathe_t_ok(void *callee, void *buf) { (void)callee; *(unsigned char *)buf = 42; }
void *const __lathe_code[] = {lathe_t_trap, lathe_t_segv, (void *)lathe_t_ok};
const uint32_t lathe_sizes[] = {16, 16, 0};
const uint32_t lathe_nfuncs = 3;
const struct lathe_site lathe_sites[] = {{0, 0, "user7"}};
const uint32_t lathe_nsites = 1;
static const unsigned char lathe_args[16] = {0};
const struct lathe_call lathe_calls[] = {{0, 0, 1, 0, lathe_args}, {1, 1, 1, 0, lathe_args}, {2, 2, 1, 1, lathe_args}};
const uint32_t lathe_ncalls = 3;
const char lathe_code_stack_overflow[] = "stk_ovf", lathe_code_bad_access[] = "heap_oob",
           lathe_code_divide[] = "int_divz", lathe_code_illegal[] = "user250";
"#;

    /// The driver's per-architecture parts (the pc from the signal context, the
    /// instruction address on architectures that report the next one) on every target
    /// architecture under qemu-user: a trap site gives its code, a bad access elsewhere in
    /// Lathe code `heap_oob`, and a return its result bytes.
    #[test]
    fn the_driver_reports_traps_on_every_architecture() {
        for family in target_families() {
            let arch = family.parse().unwrap();
            let tools = toolchain(arch, false).unwrap_or_else(|e| panic!("{e}"));
            let dir = WorkDir::new().unwrap();
            let driver = dir.driver_object(&tools).unwrap();
            let shared = driver.parent().unwrap();
            let code = format!(".text\n.globl lathe_t_trap\n.globl lathe_t_segv\n{}", code_asm(family));
            std::fs::write(dir.path().join("code.s"), code).unwrap();
            let tables = format!("#include \"lathe_driver.h\"\n{TABLES}");
            std::fs::write(dir.path().join("tables.c"), tables).unwrap();
            let program = dir.path().join("program");
            let mut cc = Command::new(&tools.cc);
            cc.args(["-static", "-w", "-o"]).arg(&program).arg("-I").arg(shared);
            cc.arg(dir.path().join("tables.c")).arg(dir.path().join("code.s")).arg(&driver).arg("-pthread");
            run_tool(&mut cc).unwrap_or_else(|e| panic!("{family}: {e}"));
            let out = Command::new(tools.emulator.as_ref().unwrap()).arg(&program).output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let ok = format!("ok 2a{}", "0".repeat(30));
            assert_eq!(stdout.lines().collect::<Vec<_>>(), ["trap user7", "trap heap_oob", ok.as_str()], "{family}");
            assert!(out.status.success(), "{family}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }

    #[test]
    fn folders_are_removed_when_the_last_program_is_done() {
        let a = WorkDir::new().unwrap();
        let b = WorkDir::new().unwrap();
        let shared = a.path().parent().unwrap().to_path_buf();
        assert_eq!(b.path().parent().unwrap(), shared);
        assert!(shared.join("lathe_driver.c").is_file());
        drop(a);
        assert!(shared.is_dir());
        let b_path = b.path().to_path_buf();
        drop(b);
        assert!(!b_path.exists());
        // Other tests of this process may hold a folder of their own in the same place.
        if lock().is_none() {
            assert!(!shared.exists());
        }
    }
}
