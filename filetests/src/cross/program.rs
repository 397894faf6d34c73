//! One cross-run program: compiled functions and the calls to make, turned into an ELF
//! object, a generated C table file and a linked executable, then run (natively or under
//! qemu-user) and its output read back into one [`CallOutcome`] per call.
//!
//! The object (written by `lathe-object`) holds the functions as local symbols under
//! their `%names` (so calls between them resolve, and no name can clash with the C
//! library's), one entry trampoline per distinct callee signature (`lathe_jit::entry`,
//! compiled for the same target with the C convention, so the driver calls every function
//! as `void tramp(void *callee, void *buf)`), and the exported table `__lathe_code` of
//! their addresses. The generated C file (`lathe_driver.h`'s tables) holds each
//! function's size, the trap sites with their codes' names, and each call's argument
//! bytes, laid out by `entry::write_args` in the target's byte order. The driver prints
//! one line per call (see `lathe_driver.c`), read here with `entry::read_results`.

use super::tools::Toolchain;
use super::workdir::{WorkDir, run_tool};
use lathe_codegen::data_value::{CallOutcome, STANDALONE_THREAD_LOCAL_BYTES};
use lathe_codegen::ir::{CallConv, ExternalName, Signature, TrapCode};
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::machinst::{CompiledCode, RelocKind};
use lathe_jit::entry;
use lathe_object::{DataDescription, DataReloc, Linkage, ObjectModule};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::Command;

/// A function compiled for the program's target.
pub struct ProgramFunction<'a> {
    /// The symbol: the function's `%name` without the sigil.
    pub name: &'a str,
    /// Its signature.
    pub signature: &'a Signature,
    /// Its code.
    pub code: CompiledCode,
}

/// One call: the callee (an index into the functions) and its argument slots, already
/// filled by `entry::write_args` in the target's byte order.
pub struct ProgramCall {
    /// The function called.
    pub callee: usize,
    /// The argument buffer (`entry::buffer` of the callee's signature).
    pub slots: Vec<u128>,
}

/// What one call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallResult {
    /// It returned or trapped in Lathe code.
    Outcome(CallOutcome),
    /// Something else happened (a signal outside Lathe's code, the program ending early).
    Fault(String),
}

/// Why a program could not be built or run.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// The object writer refused the code.
    #[error("writing the object: {0}")]
    Object(#[from] lathe_object::ObjectError),
    /// An entry trampoline did not compile.
    #[error("compiling the entry trampoline for {sig}: {error}")]
    Trampoline {
        /// The callee signature.
        sig: String,
        /// The backend's error.
        error: String,
    },
    /// Writing a file failed.
    #[error("cross-run files: {0}")]
    Io(#[from] std::io::Error),
    /// Compiling or linking the driver failed.
    #[error("building the driver: {0}")]
    Build(String),
    /// The emulator does not have a CPU feature the target's flags ask for.
    #[error("the emulator cannot model this CPU: {0}")]
    Emulator(String),
    /// The program printed something that is not the protocol.
    #[error("the driver printed `{0}`")]
    Protocol(String),
}

/// Builds the program for `funcs` and `calls` with `tools`, runs it, and returns one
/// result per call.
pub fn run(
    isa: &dyn TargetIsa,
    tools: &Toolchain,
    funcs: &[ProgramFunction<'_>],
    calls: &[ProgramCall],
) -> Result<Vec<CallResult>, ProgramError> {
    let dir = WorkDir::new()?;
    let (object, layout) = write_object(isa, funcs, calls)?;
    let object_path = dir.path().join("lathe.o");
    std::fs::write(&object_path, object)?;
    let tables_path = dir.path().join("tables.c");
    std::fs::write(&tables_path, tables(funcs, &layout, calls, tools.trap_fault_offset))?;
    let driver = dir.driver_object(tools).map_err(ProgramError::Build)?;
    let program = dir.path().join("program");
    let mut cc = Command::new(&tools.cc);
    cc.args(["-O0", "-w", "-static", "-o"])
        .arg(&program)
        .arg("-I")
        .arg(driver.parent().unwrap_or(dir.path()))
        .arg(&tables_path)
        .arg(&driver)
        .arg(&object_path)
        .args(["-lm", "-pthread"]);
    run_tool(&mut cc).map_err(ProgramError::Build)?;
    let mut cmd = match &tools.emulator {
        Some(qemu) => {
            let mut c = Command::new(qemu);
            c.args(super::tools::emulator_args(tools.family, &isa.isa_flags()));
            c.arg(&program);
            c
        }
        None => Command::new(&program),
    };
    let out = cmd.output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if tools.emulator.is_some() && stderr.contains("can't apply global") {
        return Err(ProgramError::Emulator(stderr.trim().to_string()));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    let mut results = Vec::with_capacity(calls.len());
    let mut ended = false;
    for call in calls {
        let result = match lines.next() {
            Some(line) => read_line(line, funcs[call.callee].signature, isa)?,
            None if ended => CallResult::Fault("not run: the program ended earlier".into()),
            None => {
                ended = true;
                CallResult::Fault(format!(
                    "the program ended before this call ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
        };
        results.push(result);
    }
    if let Some(extra) = lines.next() {
        return Err(ProgramError::Protocol(extra.to_string()));
    }
    if !out.status.success() && !ended {
        return Err(ProgramError::Build(format!(
            "the program failed after its last call ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(results)
}

/// The object's contents besides its bytes.
struct Layout {
    /// The index in `__lathe_code` of each signature's trampoline.
    trampolines: HashMap<Signature, usize>,
    /// The code size of each entry of `__lathe_code`.
    sizes: Vec<usize>,
}

/// The object with the functions, one trampoline per callee signature, and the address
/// table.
fn write_object(
    isa: &dyn TargetIsa,
    funcs: &[ProgramFunction<'_>],
    calls: &[ProgramCall],
) -> Result<(Vec<u8>, Layout), ProgramError> {
    let mut module = ObjectModule::new(isa)?;
    let mut table = Vec::new();
    let mut sizes: Vec<usize> = funcs.iter().map(|f| f.code.code.len()).collect();
    for f in funcs {
        let id = module.declare_function(f.name, Linkage::Local)?;
        module.define_function(id, &f.code)?;
        table.push(module.func_ref(id));
    }
    // Each thread-local symbol the code reaches (`tls_value`) is a zero-filled block of the
    // standalone size, as in the interpreter and the JIT.
    let mut thread_locals: Vec<&str> = Vec::new();
    for r in funcs.iter().flat_map(|f| &f.code.relocs) {
        if let (RelocKind::X86TlsGd4, ExternalName::TestCase(name)) = (r.kind, &r.target)
            && !thread_locals.contains(&name.as_str())
        {
            thread_locals.push(name);
            let id = module.declare_thread_local(name, Linkage::Local)?;
            let bytes = vec![0; STANDALONE_THREAD_LOCAL_BYTES as usize];
            module.define_data(id, DataDescription { bytes, align: 16, relocs: Vec::new() })?;
        }
    }
    let mut trampolines = HashMap::new();
    for call in calls {
        let sig = funcs[call.callee].signature;
        if trampolines.contains_key(sig) {
            continue;
        }
        // The driver is a Linux C program: it calls trampolines with the platform's
        // C convention, whatever the callee's own convention is.
        let func = entry::build(sig, CallConv::SystemV);
        let code = isa
            .compile_function(&func, false)
            .map_err(|e| ProgramError::Trampoline { sig: sig.to_string(), error: e.to_string() })?;
        let id = module.declare_function(&format!("__lathe_trampoline_{}", trampolines.len()), Linkage::Local)?;
        module.define_function(id, &code)?;
        sizes.push(code.code.len());
        trampolines.insert(sig.clone(), table.len());
        table.push(module.func_ref(id));
    }
    let data = module.declare_data("__lathe_code", Linkage::Export, true)?;
    let relocs: Vec<DataReloc> = table
        .into_iter()
        .enumerate()
        .map(|(i, target)| DataReloc { offset: (i * 8) as u32, target, addend: 0 })
        .collect();
    let bytes = vec![0; relocs.len() * 8];
    module.define_data(data, DataDescription { bytes, align: 8, relocs })?;
    Ok((module.finish()?, Layout { trampolines, sizes }))
}

/// The generated C part: the tables `lathe_driver.h` declares. Each trap site is listed at
/// its own offset (where a faulting memory access is reported) and, when `fault_offset`
/// is not 0, also that many bytes after it (where a trap instruction that faults in its
/// own second halfword, s390x's `j .+2`, is reported). Trap instructions are longer than
/// `fault_offset`, so the two entries of one site never name another site's address.
fn tables(funcs: &[ProgramFunction<'_>], layout: &Layout, calls: &[ProgramCall], fault_offset: u32) -> String {
    let mut c = String::from("#include \"lathe_driver.h\"\n\n");
    let sizes: Vec<String> = layout.sizes.iter().map(|s| s.to_string()).collect();
    let _ = writeln!(c, "const uint32_t lathe_sizes[] = {{{}}};", sizes.join(", "));
    let _ = writeln!(c, "const uint32_t lathe_nfuncs = {};", sizes.len());
    let mut sites = Vec::new();
    for (i, f) in funcs.iter().enumerate() {
        for t in &f.code.traps {
            sites.push(format!("{{{i}, {}, \"{}\"}}", t.offset, t.code));
            if fault_offset > 0 {
                sites.push(format!("{{{i}, {}, \"{}\"}}", t.offset + fault_offset, t.code));
            }
        }
    }
    let nsites = sites.len();
    if sites.is_empty() {
        sites.push("{0, 0, 0}".into());
    }
    let _ = writeln!(c, "const struct lathe_site lathe_sites[] = {{\n    {}\n}};", sites.join(",\n    "));
    let _ = writeln!(c, "const uint32_t lathe_nsites = {nsites};");
    for (k, call) in calls.iter().enumerate() {
        let bytes: Vec<String> = call.slots.iter().flat_map(|s| s.to_ne_bytes()).map(|b| b.to_string()).collect();
        let _ = writeln!(c, "static const unsigned char lathe_args_{k}[] = {{{}}};", bytes.join(","));
    }
    let mut rows: Vec<String> = calls
        .iter()
        .enumerate()
        .map(|(k, call)| {
            let sig = funcs[call.callee].signature;
            format!(
                "{{{}, {}, {}, {}, lathe_args_{k}}}",
                layout.trampolines[sig],
                call.callee,
                call.slots.len(),
                sig.returns.len()
            )
        })
        .collect();
    let ncalls = rows.len();
    if rows.is_empty() {
        rows.push("{0, 0, 0, 0, 0}".into());
    }
    let _ = writeln!(c, "const struct lathe_call lathe_calls[] = {{\n    {}\n}};", rows.join(",\n    "));
    let _ = writeln!(c, "const uint32_t lathe_ncalls = {ncalls};");
    for (name, code) in [
        ("stack_overflow", TrapCode::StackOverflow),
        ("bad_access", TrapCode::HeapOutOfBounds),
        ("divide", TrapCode::IntegerDivisionByZero),
        ("illegal", lathe_jit::DEFAULT_ILLEGAL_INSTRUCTION_TRAP),
    ] {
        let _ = writeln!(c, "const char lathe_code_{name}[] = \"{code}\";");
    }
    c
}

/// One line of the driver's output for a call of `sig`.
fn read_line(line: &str, sig: &Signature, isa: &dyn TargetIsa) -> Result<CallResult, ProgramError> {
    let bad = || ProgramError::Protocol(line.to_string());
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    match word {
        "ok" => {
            let bytes = decode_hex(rest).ok_or_else(bad)?;
            if bytes.len() != 16 * sig.returns.len() {
                return Err(bad());
            }
            let slots: Vec<u128> =
                bytes.chunks_exact(16).map(|c| u128::from_ne_bytes(c.try_into().expect("chunks of 16"))).collect();
            Ok(CallResult::Outcome(CallOutcome::Return(entry::read_results(sig, &slots, isa.endianness()))))
        }
        "trap" => {
            let code: TrapCode = rest.parse().map_err(|()| bad())?;
            Ok(CallResult::Outcome(CallOutcome::Trap(code)))
        }
        "fault" => {
            let (sig_no, pc) = rest.split_once(' ').ok_or_else(bad)?;
            Ok(CallResult::Fault(format!("signal {sig_no} at pc {pc}, outside Lathe's code")))
        }
        _ => Err(bad()),
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// The symbol of a function in the object: its `%name` without the sigil; other names
/// (`u0:1`) are numbered references to the object writer's declarations, which these
/// functions are not.
pub fn symbol_name(name: &ExternalName) -> Option<&str> {
    match name {
        ExternalName::TestCase(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_codegen::data_value::DataValue;
    use lathe_codegen::ir::{AbiParam, types};
    use lathe_codegen::settings::Flags;

    fn sig(returns: &[lathe_codegen::ir::Type]) -> Signature {
        let mut s = Signature::new(CallConv::SystemV);
        s.returns = returns.iter().map(|&t| AbiParam::new(t)).collect();
        s
    }

    #[test]
    fn driver_lines_become_outcomes() {
        let isa = lathe_codegen::isa::host_isa(Flags::default()).unwrap();
        let two = sig(&[types::I32, types::I8]);
        let ok = format!("ok 2a000000{}ff{}", "0".repeat(24), "0".repeat(30));
        let want = CallOutcome::Return(vec![DataValue::I32(42), DataValue::I8(-1)]);
        assert_eq!(read_line(&ok, &two, &*isa).unwrap(), CallResult::Outcome(want));
        let trap = CallResult::Outcome(CallOutcome::Trap(TrapCode::User(3)));
        assert_eq!(read_line("trap user3", &two, &*isa).unwrap(), trap);
        let fault = read_line("fault 11 0x1234", &two, &*isa).unwrap();
        assert_eq!(fault, CallResult::Fault("signal 11 at pc 0x1234, outside Lathe's code".into()));
        for bad in ["ok 2a", "trap user0", "fault", "hello", "ok zz"] {
            assert!(matches!(read_line(bad, &two, &*isa), Err(ProgramError::Protocol(_))), "{bad}");
        }
        assert_eq!(decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0"), None);
    }

    #[test]
    fn tables_list_sizes_sites_calls_and_fallback_codes() {
        let s = sig(&[types::I64]);
        let site = lathe_codegen::machinst::TrapSite { offset: 4, code: TrapCode::IntegerDivisionByZero };
        let code = CompiledCode { code: vec![0x90; 12], traps: vec![site], ..CompiledCode::default() };
        let funcs = [ProgramFunction { name: "f", signature: &s, code }];
        let layout = Layout { trampolines: HashMap::from([(s.clone(), 1)]), sizes: vec![12, 30] };
        let calls = [ProgramCall { callee: 0, slots: vec![u128::from_ne_bytes([7; 16])] }];
        let c = tables(&funcs, &layout, &calls, 0);
        assert!(c.contains("lathe_sizes[] = {12, 30};"), "{c}");
        assert!(c.contains("{0, 4, \"int_divz\"}"), "{c}");
        assert!(c.contains("lathe_nsites = 1;"), "{c}");
        assert!(c.contains(&format!("lathe_args_0[] = {{{}}};", ["7"; 16].join(","))), "{c}");
        assert!(c.contains("{1, 0, 1, 1, lathe_args_0}"), "{c}");
        assert!(c.contains("lathe_code_illegal[] = \"user250\";"), "{c}");
    }
}
