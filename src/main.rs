//! `lathe`: the command-line tool.
//!
//! - `lathe test <paths...>` runs filetests and ends with `N passed, N failed, N unsupported`.
//! - `lathe cat <file>` prints the functions of a CLIF file as Lathe reads them.
//! - `lathe verify <file>` runs the verifier on each function.
//! - `lathe compile [--target T] [--set S] [--print-after PASS] <file>` prints machine code
//!   listings, or the function after one pass of the pipeline.
//! - `lathe explain [--target T] [--set S] [--function F] [--html OUT] <file>` shows each
//!   function through every stage (IR passes, VCode, allocation, machine code with the
//!   ISLE rule of each instruction), as text or one HTML page (docs/explain.md).
//! - `lathe run <file.clif>` runs its `; run:` lines natively and in the interpreter.
//! - `lathe run [--invoke <export>] [--profile perfmap|jitdump] <prog.wasm> [args...]` runs a
//!   Wasm program (WASI `_start`, or one export whose results are printed), optionally
//!   telling `perf` about its code; `lathe wast <file>` runs a spec-test file.
//! - `lathe bench compile` measures compile speed; `lathe bench programs` runs the C
//!   benchmark suite under Lathe and natively (see docs/performance.md);
//!   `lathe bench instantiate` measures Wasm instance churn and calls per second.
//! - `lathe coverage <paths...>` (built with `--features isle-coverage`) lists the ISLE
//!   rules (mid-end and each ISA's lowering) that the filetests never fired.
//!
//! Errors are printed with the file and location, and the exit code is non-zero.

mod bench;
mod bench_instantiate;
mod bench_programs;
mod explain;
mod object_cmd;
mod wasm_cmd;

use clap::{Parser, Subcommand};
use lathe_codegen::isa::{self, IsaBuilder, TargetError};
use lathe_codegen::machinst::{CompileOptions, Pass};
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_codegen::text::{self, HeaderLine, TestFile};
use lathe_filetests::{RunOptions, TestOutcome, collect_files, run_paths};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "lathe", version, about = "Lathe: a retargetable optimizing code generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run filetests: `.clif` files or folders of them.
    Test {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Rewrite expected output in place (same as LATHE_BLESS=1).
        #[arg(long)]
        bless: bool,
        /// Also show passing files and what `; print:` lines printed.
        #[arg(short, long)]
        verbose: bool,
        /// Run `test run` files only on this ISA's targets (`aarch64`, `x86_64`, ...);
        /// the other kinds run as usual. ISA flags after the name (`"riscv64 has_c"`) are
        /// turned on in each of those targets, on top of its `target` line.
        #[arg(long, value_name = "ISA [FLAGS]")]
        target: Option<String>,
    },
    /// Print the functions of a CLIF file as Lathe reads them.
    Cat {
        /// The file.
        file: PathBuf,
    },
    /// Run the verifier on every function of a CLIF file.
    Verify {
        /// The file.
        file: PathBuf,
    },
    /// Compile the functions of a CLIF file, or of a Wasm module (each function as the
    /// Wasm front end translates it), and print their machine code listings. A CLIF file's
    /// own `set` lines and `target` line apply.
    Compile {
        /// The target: a triple or architecture name, then ISA flags or settings
        /// (`x86_64`, `"x86_64-pc-windows-msvc has_sse41"`); by default the file's `target`
        /// line, else the host's architecture with no optional CPU features.
        #[arg(long)]
        target: Option<String>,
        /// A setting as `name=value` or `name` (`opt_level=speed`, `has_popcnt`), applied
        /// after the file's `set` lines; repeatable.
        #[arg(long = "set")]
        settings: Vec<String>,
        /// With a Wasm module: also print each function's IR before compiling it.
        #[arg(long)]
        print_ir: bool,
        /// Print each function after this pass instead of the listing: `mid-end` or
        /// `legalize` (CLIF), `lower` (VCode, virtual registers), `regalloc` (VCode with
        /// the allocation), `emit` (the listing).
        #[arg(long, value_name = "PASS")]
        print_after: Option<Pass>,
        /// Write an ELF relocatable object to this file instead of printing listings (CLIF
        /// files: every function is an exported symbol named as in the file, and every
        /// `%name` it uses but does not define is an import).
        #[arg(short, long, value_name = "OUT.o")]
        output: Option<PathBuf>,
        /// With `-o`: add DWARF debug information whose line table reads each
        /// instruction's source location (`@NNNN`) as a line of the input file.
        #[arg(short = 'g', long = "debug-info")]
        debug_info: bool,
        /// The file: `.clif`, or `.wasm`/`.wat`.
        file: PathBuf,
    },
    /// Show each function of a CLIF file or Wasm module through every stage: the input IR,
    /// the IR after each pass that changed it, the VCode, the register allocation and the
    /// machine code, each machine instruction with its source and the ISLE rule that made
    /// it (docs/explain.md).
    Explain {
        /// The target, as for `compile`.
        #[arg(long)]
        target: Option<String>,
        /// A setting as `name=value` or `name`, as for `compile`; repeatable.
        #[arg(long = "set")]
        settings: Vec<String>,
        /// Only this function: a CLIF name (`%f` or `f`), or for a Wasm module a function
        /// index or a name from its name section.
        #[arg(long)]
        function: Option<String>,
        /// Write one self-contained HTML page here (one column per stage; click a value to
        /// follow it) instead of printing text.
        #[arg(long, value_name = "OUT.html")]
        html: Option<PathBuf>,
        /// The file: `.clif`, or `.wasm`/`.wat`.
        file: PathBuf,
    },
    /// Run the `; run:` lines of a CLIF file natively (compiled for the host and loaded with
    /// the JIT), checking each against the interpreter.
    Run {
        /// Call this export of a Wasm program and print its results (instead of `_start`).
        #[arg(long)]
        invoke: Option<String>,
        /// How a Wasm program is compiled: `speed` (the default, as `wasmtime run`: the
        /// mid-end and the backtracking allocator), `none` (faster compile, the single-pass
        /// register allocator) or `baseline` (the single-pass tier: fastest compile, slower
        /// code; x86-64; functions it does not cover yet are compiled at `none`).
        #[arg(long, value_parser = ["none", "speed", "baseline"], default_value = "speed")]
        opt_level: String,
        /// Which tier runs a Wasm program: `speed` or `baseline` (the same as
        /// `--opt-level`), or `auto`: start every function at the baseline tier and
        /// recompile the hot ones at `speed` in a background thread while the program
        /// runs, moving running loops over too (tiered execution; docs/wasm-embedding.md).
        #[arg(long, value_parser = ["baseline", "speed", "auto"], conflicts_with = "opt_level")]
        tier: Option<String>,
        /// With `--tier auto`: function entries plus loop iterations before a function is
        /// recompiled at `speed`.
        #[arg(long, value_name = "N", default_value_t = lathe_wasm::runtime::Tiering::default().threshold)]
        tier_threshold: u32,
        /// After a Wasm program ends, print compile and run times, sizes and peak memory
        /// on stderr (one `lathe-stats:` line; used by `lathe bench programs`).
        #[arg(long)]
        stats: bool,
        /// Report a Wasm program's JIT code to Linux `perf` (as `wasmtime run --profile`):
        /// `perfmap` writes /tmp/perf-<pid>.map (function names for `perf report`),
        /// `jitdump` writes jit-<pid>.dump in the current directory (for `perf record -k 1`,
        /// `perf inject --jit` and `perf annotate`); see docs/profiling.md.
        #[arg(long, value_parser = lathe_wasm::ProfilingStrategy::NAMES, default_value = "none")]
        profile: String,
        /// Describe a Wasm program's JIT code to gdb (as `wasmtime run -g`): function names,
        /// and, when the module carries DWARF (`clang -g`), its source files and lines, so
        /// `gdb --args lathe run -g prog.wasm` breaks on source functions and shows them in
        /// backtraces.
        #[arg(short = 'g', long = "debug-info")]
        debug_info: bool,
        /// Stop a Wasm program that runs longer than this (`1s`, `500ms`, `2m`, or seconds
        /// as a number): it traps with `interrupt` and the command fails, as
        /// `wasmtime run --wasm timeout=...`.
        #[arg(long, value_name = "DURATION", value_parser = wasm_cmd::parse_duration)]
        timeout: Option<std::time::Duration>,
        /// Give a Wasm program this much fuel: one unit per function call and loop
        /// iteration; it traps when the fuel runs out.
        #[arg(long, value_name = "N")]
        fuel: Option<u64>,
        /// Let a Wasm program's memory grow to at most this many bytes: `memory.grow`
        /// past it fails (returns -1), as the spec allows.
        #[arg(long, value_name = "BYTES")]
        max_memory: Option<u64>,
        /// Grant the Wasm program a host directory, seen by the guest as GUEST (default:
        /// the same path), as `wasmtime run --dir`; nothing outside it is reachable.
        /// Repeatable.
        #[arg(long = "dir", value_name = "HOST[::GUEST]")]
        dirs: Vec<String>,
        /// Like `--dir`, read-only: the guest cannot create, change or remove anything in
        /// it.
        #[arg(long = "dir-ro", value_name = "HOST[::GUEST]")]
        dirs_ro: Vec<String>,
        /// Set an environment variable for the Wasm program (`NAME=value`); repeatable.
        /// The program sees no host variables unless `--inherit-env` is given.
        #[arg(long = "env", value_name = "NAME=VALUE")]
        env: Vec<String>,
        /// Pass the host's environment variables to the Wasm program.
        #[arg(long)]
        inherit_env: bool,
        /// Listen on a TCP address (`127.0.0.1:8080`, `[::1]:0`) and give the listening
        /// socket to the Wasm program, as `wasmtime run --tcplisten`: descriptors 3, 4, ...
        /// in order, before the `--dir` directories. Repeatable.
        #[arg(long = "tcplisten", value_name = "ADDR")]
        tcplisten: Vec<String>,
        /// The file: `.clif`, or `.wasm`/`.wat`.
        file: PathBuf,
        /// Arguments of the Wasm program (or of the invoked export).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run a `.wast` spec-test file and print each failed assertion.
    Wast {
        /// The file.
        file: PathBuf,
    },
    /// Benchmarks (docs/performance.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Run filetests and list the ISLE rules (the mid-end's and each ISA's lowering rules)
    /// that none of them fired, per rule file. Needs a build with
    /// `--features isle-coverage`; fails if a rule never fired.
    Coverage {
        /// Files or folders of filetests.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Compile speed on large generated functions, stage by stage.
    Compile {
        /// Instructions in the straight-line function (the others scale from it).
        #[arg(long, default_value_t = 20_000)]
        size: usize,
        /// Repetitions (the median is reported).
        #[arg(long, default_value_t = 5)]
        reps: usize,
    },
    /// The C programs of bench/ under Lathe and natively: run time against native,
    /// compile time and throughput, peak memory; checksums must match.
    Programs(bench_programs::Options),
    /// Wasm instances made, called and dropped per second, on one thread and on all
    /// cores, with the on-demand and the pooling allocator; memory and mappings after
    /// the first 1,000 cycles and at the end.
    Instantiate(bench_instantiate::Options),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Test { paths, bless, verbose, target } => cmd_test(&paths, bless, verbose, target.as_deref()),
        Command::Cat { file } => cmd_cat(&file),
        Command::Verify { file } => cmd_verify(&file),
        Command::Coverage { paths } => cmd_coverage(&paths),
        Command::Compile { target, settings, print_ir, print_after, output, debug_info, file } => {
            let output = output.map(|path| object_cmd::ObjectOutput { path, debug_info });
            cmd_compile(target.as_deref(), &settings, print_ir, print_after, output, &file)
        }
        Command::Explain { target, settings, function, html, file } => {
            let req = explain::Request {
                target: target.as_deref(),
                settings: &settings,
                function: function.as_deref(),
                html,
                file: &file,
            };
            explain::cmd_explain(&req)
        }
        Command::Run {
            invoke,
            file,
            args,
            opt_level,
            tier,
            tier_threshold,
            stats,
            profile,
            debug_info,
            timeout,
            fuel,
            max_memory,
            dirs,
            dirs_ro,
            env,
            inherit_env,
            tcplisten,
        } if wasm_cmd::is_wasm(&file) => {
            let opt_level = match tier.as_deref().unwrap_or(opt_level.as_str()) {
                "none" => OptLevel::None,
                "baseline" => OptLevel::Baseline,
                _ => OptLevel::Speed,
            };
            let tiering = (tier.as_deref() == Some("auto"))
                .then_some(lathe_wasm::runtime::Tiering { threshold: tier_threshold, synchronous: false });
            let wasi = wasm_cmd::WasiOptions { dirs, dirs_ro, env, inherit_env, tcplisten };
            let options = wasm_cmd::RunOptions {
                opt_level,
                tiering,
                stats,
                profile,
                debug_info,
                timeout,
                fuel,
                max_memory,
                wasi,
            };
            wasm_cmd::cmd_run(&file, invoke, args, options)
        }
        Command::Run { file, .. } => cmd_run(&file),
        Command::Wast { file } => wasm_cmd::cmd_wast(&file),
        Command::Bench(what) => {
            let result = match what {
                BenchCommand::Compile { size, reps } => bench::run(size, reps),
                BenchCommand::Programs(options) => bench_programs::run(&options),
                BenchCommand::Instantiate(options) => bench_instantiate::run(&options),
            };
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn read_test_file(file: &PathBuf) -> Result<TestFile, String> {
    let source = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    text::parse_test_file(&source).map_err(|e| format!("{}:{}:{}: {}", file.display(), e.line, e.column, e.message))
}

fn read_functions(file: &PathBuf) -> Result<Vec<lathe_codegen::ir::Function>, String> {
    Ok(read_test_file(file)?.functions.into_iter().map(|f| f.function).collect())
}

fn cmd_test(paths: &[PathBuf], bless: bool, verbose: bool, target: Option<&str>) -> ExitCode {
    let mut words = target.map(str::split_whitespace).into_iter().flatten();
    let target = words.next();
    let target_flags: Vec<String> = words.map(str::to_string).collect();
    let target = match target.map(|t| (t, lathe_filetests::cross::family_of_name(t))) {
        None => None,
        Some((_, Some(family))) if lathe_filetests::cross::target_families().any(|f| f == family) => Some(family),
        Some((name, _)) => {
            let known: Vec<&str> = lathe_filetests::cross::target_families().collect();
            eprintln!("error: --target {name}: not an ISA Lathe targets ({})", known.join(", "));
            return ExitCode::FAILURE;
        }
    };
    if let Some(family) = &target {
        let words = std::iter::once(family.as_str()).chain(target_flags.iter().map(String::as_str));
        if let Err(e) = isa::lookup_target(words, Flags::default()) {
            eprintln!("error: --target {family}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let files = match collect_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut options = RunOptions::from_env();
    options.bless |= bless;
    options.verbose = verbose;
    options.target = target;
    options.target_flags = target_flags;
    let print_lock = std::sync::Mutex::new(());
    let summary = run_paths(&files, &options, &|report| {
        let _guard = print_lock.lock().unwrap_or_else(|p| p.into_inner());
        for (kind, outcome) in &report.results {
            match outcome {
                TestOutcome::Failed(msg) => println!("FAIL {} [{kind}]\n{msg}\n", report.path.display()),
                TestOutcome::Unsupported(reason) => {
                    println!("unsupported {} [{kind}]: {reason}", report.path.display())
                }
                TestOutcome::Passed(log) if verbose => {
                    println!("ok {} [{kind}]", report.path.display());
                    for line in log.lines() {
                        println!("    {line}");
                    }
                }
                TestOutcome::Passed(_) => {}
            }
        }
        // An ISA a file could not run on, when the file's own outcome does not say so.
        for (isa, outcome) in &report.isa_results {
            if let TestOutcome::Unsupported(reason) = outcome
                && !report.results.iter().any(|(_, o)| o == outcome)
            {
                println!("unsupported {} [run on {isa}]: {reason}", report.path.display());
            }
        }
    });
    // The baseline tier's count first: the per-ISA lines lead up to the total.
    for line in summary.baseline_lines() {
        println!("{line}");
    }
    for line in summary.isa_lines() {
        println!("{line}");
    }
    println!("{summary}");
    if summary.failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn cmd_cat(file: &PathBuf) -> ExitCode {
    match read_functions(file) {
        Ok(funcs) => {
            let mut out = std::io::stdout().lock();
            for (i, f) in funcs.iter().enumerate() {
                let sep = if i > 0 { "\n" } else { "" };
                if write!(out, "{sep}{f}").is_err() {
                    // The reader went away (`lathe cat f | head`): stop quietly.
                    break;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cmd_verify(file: &PathBuf) -> ExitCode {
    let funcs = match read_functions(file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    for f in &funcs {
        if let Err(errs) = lathe_codegen::verifier::verify_function(f) {
            ok = false;
            eprintln!("error: {}: function {}:\n{errs}", file.display(), f.name);
        }
    }
    if ok {
        println!("{} function(s) verified", funcs.len());
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs the filetests with rule counting on, then prints, per rule set (the mid-end's and
/// each ISA's lowering rules) and per rule file, how many rules fired and where the others
/// are. Fails when a filetest failed or a rule never fired.
fn cmd_coverage(paths: &[PathBuf]) -> ExitCode {
    if !lathe_codegen::rule_coverage::COUNTING {
        eprintln!("error: rule counting is off; run `cargo run --features isle-coverage -- coverage <paths>`");
        return ExitCode::FAILURE;
    }
    let files = match collect_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let summary = run_paths(&files, &RunOptions::default(), &|_| {});
    println!("filetests: {summary}");
    let mut unfired = 0;
    for set in lathe_codegen::rule_coverage::rule_sets() {
        let report = lathe_isle::coverage::report(set.rules, &set.hits);
        println!("{} rules: {} of {} fired", set.name, report.fired_count(), report.rules.len());
        for (file, per_file) in report.by_file() {
            let text = per_file.to_string();
            for (i, line) in text.lines().enumerate() {
                if i == 0 { println!("  {file}: {line}") } else { println!("    {line}") }
            }
        }
        unfired += report.never_fired().len();
    }
    if unfired > 0 {
        println!("{unfired} rule(s) never fired: add a filetest that fires each (docs/testing.md)");
    }
    if unfired == 0 && summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The target of `lathe compile`: the file's `set` lines, then `--target` (or else the
/// file's one `target` line, or else the host's architecture with no optional CPU features),
/// then each `--set`; all through `isa::lookup_target`, as the filetests read them.
fn compile_target(
    file: &Path,
    headers: &[HeaderLine],
    target: Option<&str>,
    settings: &[String],
) -> Result<IsaBuilder, String> {
    let at = |line: usize, e: &dyn std::fmt::Display| format!("{}:{line}: {e}", file.display());
    let mut flags = Flags::default();
    let mut file_targets = Vec::new();
    for h in headers {
        match h {
            HeaderLine::Set { name, value, line } => flags.set(name, value.as_deref()).map_err(|e| at(*line, &e))?,
            HeaderLine::Target { arch, flags: words, line } => file_targets.push((arch, words, *line, flags.clone())),
        }
    }
    let mut builder = match (target, file_targets.as_slice()) {
        (Some(t), _) => isa::lookup_target(t.split_whitespace(), flags).map_err(|e| format!("--target {t}: {e}"))?,
        (None, []) => isa::lookup(isa::Triple::host())
            .map_err(|e| format!("the host: {}", TargetError::from(e)))?
            .with_flags(flags),
        (None, [(arch, words, line, flags)]) => {
            let words = std::iter::once(arch.as_str()).chain(words.iter().map(String::as_str));
            isa::lookup_target(words, flags.clone()).map_err(|e| at(*line, &e))?
        }
        (None, many) => {
            return Err(format!("{}: the file names {} targets; choose one with --target", file.display(), many.len()));
        }
    };
    for s in settings {
        builder.set_word(s).map_err(|e| format!("--set {s}: {e}"))?;
    }
    Ok(builder)
}

fn cmd_compile(
    target: Option<&str>,
    settings: &[String],
    print_ir: bool,
    print_after: Option<Pass>,
    output: Option<object_cmd::ObjectOutput>,
    file: &PathBuf,
) -> ExitCode {
    if let Some(output) = &output
        && wasm_cmd::is_wasm(file)
    {
        if output.path.extension().and_then(|e| e.to_str()) != Some("lwasm") {
            eprintln!(
                "error: {}: -o with a Wasm module writes a precompiled module, named `*.lwasm` (-o writes objects from CLIF files)",
                file.display()
            );
            return ExitCode::FAILURE;
        }
        // The last `opt_level=` wins, as for CLIF; speed by default.
        let level = settings.iter().rev().find_map(|s| s.strip_prefix("opt_level=")).unwrap_or("speed");
        let level = match level {
            "none" => OptLevel::None,
            "baseline" => OptLevel::Baseline,
            "speed" | "speed_and_size" => OptLevel::Speed,
            other => {
                eprintln!("error: opt_level={other}: expected none, speed, speed_and_size or baseline");
                return ExitCode::FAILURE;
            }
        };
        return match wasm_cmd::precompile(file, &output.path, level) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let input = if wasm_cmd::is_wasm(file) {
        wasm_cmd::wasm_functions(file).map(|funcs| (Vec::new(), funcs))
    } else {
        read_test_file(file).map(|t| (t.headers, t.functions.into_iter().map(|f| f.function).collect()))
    };
    let isa = input.and_then(|(headers, funcs)| {
        let isa = compile_target(file, &headers, target, settings)?.finish().map_err(|e| e.to_string())?;
        Ok((funcs, isa))
    });
    let (funcs, isa) = match isa {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(output) = output {
        return match object_cmd::write_object(file, &funcs, &*isa, &output) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut ok = true;
    let mut out = std::io::stdout().lock();
    for f in &funcs {
        if print_ir && write!(out, "{f}").is_err() {
            break; // The reader went away (`lathe compile f | head`): stop quietly.
        }
        let mut options = CompileOptions { want_listing: print_after.is_none(), print_after, ..Default::default() };
        let result = isa.compile_function_with(f, &mut options);
        let mut text = match (&result, print_after, options.printed) {
            (_, Some(pass), Some(text)) => format!("; function {} after {pass}:\n{text}", f.name),
            (Ok(code), None, _) => {
                format!("function {} ({} bytes):\n{}", f.name, code.code.len(), code.listing.as_deref().unwrap_or(""))
            }
            _ => String::new(),
        };
        if let Some(reason) = &options.baseline_fallback {
            text.insert_str(0, &format!("; {}: compiled at opt_level=none ({reason})\n", f.name));
        }
        if write!(out, "{text}").is_err() {
            break;
        }
        if let Err(e) = result {
            ok = false;
            eprintln!("error: {}: function {}: {e}", file.display(), f.name);
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn cmd_run(file: &PathBuf) -> ExitCode {
    let source = match std::fs::read_to_string(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let options = RunOptions { verbose: true, ..RunOptions::default() };
    match lathe_filetests::run_source_kind(file, &source, "run", &options) {
        TestOutcome::Passed(log) => {
            print!("{log}");
            println!("{}: every run line passed natively and agrees with the interpreter", file.display());
            ExitCode::SUCCESS
        }
        TestOutcome::Unsupported(reason) => {
            eprintln!("unsupported: {reason}");
            ExitCode::FAILURE
        }
        TestOutcome::Failed(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}
