//! `lathe bench programs`: the C benchmark suite under Lathe and natively.
//!
//! Input: `bench/wasm/<name>.wasm` (committed; built from `bench/programs/<name>.c` by
//! `bench/build.sh`, and `<name>-simd.wasm` from the same C with `-msimd128`) and the C sources, which are compiled here with `clang -O2` for the
//! native runs. Each program prints one checksum line and takes an optional work size.
//!
//! Each repetition runs the native binary and then `lathe run --stats` on the `.wasm` in a
//! child process, so that every Lathe run starts cold and its peak memory is its own. The
//! child reports compile time (`Module::new`: parse, validate, translate, compile), run
//! time (instantiation and `_start`), sizes and peak memory on its stderr. The report gives
//! per program the median and min-max of each time, the ratio of Lathe's run time to
//! native, compile throughput in Wasm bytes and IR instructions per second, and peak
//! memory; the same goes to a JSON file for tracking over time. Outputs must be identical
//! to the native run's, or the command fails after printing the table. Times are measured
//! here and never asserted in tests.

use crate::wasm_cmd::RunStats;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The options of `lathe bench programs`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Only these programs (by name, e.g. `nbody sieve`); all by default.
    pub programs: Vec<String>,
    /// Repetitions per program (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    /// Run each program at its small size (`bench/wasm/<name>.small_n`): a quick check
    /// that everything builds and agrees, not a measurement.
    #[arg(long)]
    pub small: bool,
    /// How Lathe compiles: `speed` (the mid-end and the backtracking allocator), `none`, or
    /// `baseline` (the single-pass tier).
    #[arg(long, value_parser = ["none", "speed", "baseline"], default_value = "speed")]
    pub opt_level: String,
    /// Run Lathe with `lathe run --tier` this (`baseline`, `speed` or `auto`, tiered
    /// execution) instead of an `--opt-level`.
    #[arg(long, value_parser = ["baseline", "speed", "auto"], conflicts_with = "opt_level")]
    pub tier: Option<String>,
    /// The benchmark folder (with `programs/` and `wasm/`).
    #[arg(long, default_value = "bench")]
    pub dir: PathBuf,
    /// Where to write the results as JSON (default: `<target dir>/bench-programs.json`).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

impl Options {
    /// The `lathe run` flags choosing how Lathe compiles.
    fn level_args(&self) -> [&str; 2] {
        match &self.tier {
            Some(tier) => ["--tier", tier],
            None => ["--opt-level", &self.opt_level],
        }
    }

    /// How Lathe compiles, as the report names it (`opt_level=speed`, `tier=auto`).
    fn level_name(&self) -> String {
        match &self.tier {
            Some(tier) => format!("tier={tier}"),
            None => format!("opt_level={}", self.opt_level),
        }
    }
}

/// One program's measurements over all repetitions.
struct Measured {
    name: String,
    checksum: String,
    native: Vec<Duration>,
    lathe: Vec<RunStats>,
    /// Set when an output differed from the native one.
    mismatch: Option<String>,
}

/// Median, minimum and maximum of some durations, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(times: impl IntoIterator<Item = Duration>) -> Spread {
        let mut ms: Vec<f64> = times.into_iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        if ms.is_empty() {
            return Spread { median: 0.0, min: 0.0, max: 0.0 };
        }
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        let median = if n % 2 == 1 { ms[n / 2] } else { (ms[n / 2 - 1] + ms[n / 2]) / 2.0 };
        Spread { median, min: ms[0], max: ms[n - 1] }
    }

    fn json(&self) -> String {
        format!(r#"{{"median_ms": {:.3}, "min_ms": {:.3}, "max_ms": {:.3}}}"#, self.median, self.min, self.max)
    }

    fn cell(&self) -> String {
        format!("{:.1} [{:.1}-{:.1}]", self.median, self.min, self.max)
    }
}

/// The figures derived from one [`Measured`].
struct Summary {
    native: Spread,
    run: Spread,
    compile: Spread,
    ratio: f64,
    wasm_bytes_per_s: f64,
    ir_insts_per_s: f64,
    peak_compile_kib: u64,
    peak_kib: u64,
    wasm_bytes: usize,
    ir_insts: usize,
    code_bytes: usize,
}

impl Measured {
    fn summary(&self) -> Summary {
        let native = Spread::of(self.native.iter().copied());
        let run = Spread::of(self.lathe.iter().map(|s| s.run));
        let compile = Spread::of(self.lathe.iter().map(|s| s.compile));
        let first = self.lathe.first().cloned().unwrap_or_default();
        let compile_s = (compile.median / 1000.0).max(1e-9);
        Summary {
            native,
            run,
            compile,
            ratio: if native.median > 0.0 { run.median / native.median } else { f64::NAN },
            wasm_bytes_per_s: first.wasm_bytes as f64 / compile_s,
            ir_insts_per_s: first.ir_insts as f64 / compile_s,
            peak_compile_kib: self.lathe.iter().map(|s| s.peak_compile_kib).max().unwrap_or(0),
            peak_kib: self.lathe.iter().map(|s| s.peak_kib).max().unwrap_or(0),
            wasm_bytes: first.wasm_bytes,
            ir_insts: first.ir_insts,
            code_bytes: first.code_bytes,
        }
    }
}

/// Where cargo puts build output, for the native binaries and the default JSON path.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"))
}

/// The programs of `dir/wasm`, sorted, limited to `only` when it is not empty.
fn list_programs(dir: &Path, only: &[String]) -> Result<Vec<String>, String> {
    let wasm_dir = dir.join("wasm");
    let entries = std::fs::read_dir(&wasm_dir).map_err(|e| format!("{}: {e}", wasm_dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".wasm").map(str::to_string))
        .collect();
    names.sort();
    for want in only {
        if !names.contains(want) {
            return Err(format!("no program `{want}` in {} (there are: {})", wasm_dir.display(), names.join(", ")));
        }
    }
    if !only.is_empty() {
        names.retain(|n| only.contains(n));
    }
    if names.is_empty() {
        return Err(format!("no .wasm programs in {}", wasm_dir.display()));
    }
    Ok(names)
}

/// The C program a benchmark is built from: `<name>-simd` is `<name>.c` built with
/// `-msimd128` (bench/build.sh); its native counterpart is the same C at `-O2`, which
/// the native compiler vectorises for the host.
fn source_name(name: &str) -> &str {
    name.strip_suffix("-simd").unwrap_or(name)
}

/// Compiles `src` natively with `clang -O2` into `out`.
fn build_native(src: &Path, out: &Path) -> Result<(), String> {
    let status = Command::new("clang")
        .args(["-O2", "-ffp-contract=off", "-o"])
        .arg(out)
        .arg(src)
        .arg("-lm")
        .status()
        .map_err(|e| format!("running clang: {e} (bench/run.sh installs it)"))?;
    if !status.success() {
        return Err(format!("clang failed on {}", src.display()));
    }
    Ok(())
}

/// Runs `cmd`, returning its stdout, its stderr and the wall time; fails on a non-zero
/// exit.
fn run_timed(cmd: &mut Command, what: &str) -> Result<(String, String, Duration), String> {
    let start = Instant::now();
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(format!("{what} failed ({}): {}", out.status, stderr.trim()));
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), stderr, elapsed))
}

/// Measures one program.
fn measure(name: &str, opts: &Options, native_dir: &Path) -> Result<Measured, String> {
    let wasm = opts.dir.join("wasm").join(format!("{name}.wasm"));
    let src = opts.dir.join("programs").join(format!("{}.c", source_name(name)));
    let native = native_dir.join(name);
    build_native(&src, &native)?;
    let size_file = opts.dir.join("wasm").join(format!("{name}.small_n"));
    let size = if opts.small {
        let text = std::fs::read_to_string(&size_file).map_err(|e| format!("{}: {e}", size_file.display()))?;
        vec![text.trim().to_string()]
    } else {
        vec![]
    };
    let lathe = std::env::current_exe().map_err(|e| format!("finding the lathe binary: {e}"))?;
    let mut m =
        Measured { name: name.to_string(), checksum: String::new(), native: vec![], lathe: vec![], mismatch: None };
    for _ in 0..opts.reps.max(1) {
        let (expected, _, time) = run_timed(Command::new(&native).args(&size), &format!("native {name}"))?;
        m.native.push(time);
        let (actual, stderr, _) = run_timed(
            Command::new(&lathe).args(["run", "--stats"]).args(opts.level_args()).arg(&wasm).args(&size),
            &format!("lathe run {}", wasm.display()),
        )?;
        let stats = stderr
            .lines()
            .rev()
            .find_map(RunStats::from_line)
            .ok_or_else(|| format!("lathe run {}: no statistics line on stderr", wasm.display()))?;
        m.lathe.push(stats);
        if actual != expected && m.mismatch.is_none() {
            m.mismatch = Some(format!("native printed {:?}, Lathe printed {:?}", expected.trim(), actual.trim()));
        }
        m.checksum = expected.trim().to_string();
    }
    Ok(m)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a time since the epoch (the proleptic Gregorian calendar,
/// counted in 400-year eras of 146,097 days).
fn utc_timestamp(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of a year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// The CPU model and logical CPU count, as far as the system tells.
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{model}, {cpus} logical CPUs, {}", std::env::consts::OS)
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The geometric mean of positive numbers (NaN when there are none).
fn geomean(xs: &[f64]) -> f64 {
    let xs: Vec<f64> = xs.iter().copied().filter(|x| *x > 0.0 && x.is_finite()).collect();
    if xs.is_empty() {
        return f64::NAN;
    }
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp()
}

fn to_json(results: &[Measured], summaries: &[Summary], geomean_ratio: f64, opts: &Options, date: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{{");
    let _ = writeln!(out, "  \"date\": {},", json_str(date));
    let _ = writeln!(out, "  \"machine\": {},", json_str(&machine()));
    let _ = writeln!(out, "  \"opt_level\": {},", json_str(&opts.opt_level));
    let _ = writeln!(out, "  \"tier\": {},", json_str(opts.tier.as_deref().unwrap_or("none")));
    let _ = writeln!(out, "  \"size\": {},", json_str(if opts.small { "small" } else { "default" }));
    let _ = writeln!(out, "  \"repetitions\": {},", opts.reps.max(1));
    let _ = writeln!(out, "  \"geomean_ratio_to_native\": {geomean_ratio:.4},");
    let _ = writeln!(out, "  \"programs\": [");
    for (i, (m, s)) in results.iter().zip(summaries).enumerate() {
        let _ = write!(
            out,
            "    {{\"name\": {}, \"checksum\": {}, \"checksum_matches\": {}, \"native\": {}, \"lathe_run\": {}, \
             \"lathe_compile\": {}, \"ratio_to_native\": {:.4}, \"wasm_bytes\": {}, \"ir_insts\": {}, \
             \"code_bytes\": {}, \"wasm_bytes_per_s\": {:.0}, \"ir_insts_per_s\": {:.0}, \
             \"peak_compile_kib\": {}, \"peak_kib\": {}}}",
            json_str(&m.name),
            json_str(&m.checksum),
            m.mismatch.is_none(),
            s.native.json(),
            s.run.json(),
            s.compile.json(),
            s.ratio,
            s.wasm_bytes,
            s.ir_insts,
            s.code_bytes,
            s.wasm_bytes_per_s,
            s.ir_insts_per_s,
            s.peak_compile_kib,
            s.peak_kib
        );
        let _ = writeln!(out, "{}", if i + 1 < results.len() { "," } else { "" });
    }
    let _ = writeln!(out, "  ]");
    let _ = writeln!(out, "}}");
    out
}

fn print_table(results: &[Measured], summaries: &[Summary], geomean_ratio: f64) {
    println!(
        "{:<12} {:>24} {:>24} {:>8} {:>12} {:>10} {:>11} {:>9} {:>9}  checksum",
        "program",
        "native ms",
        "lathe run ms",
        "x native",
        "compile ms",
        "wasm MB/s",
        "IR Minst/s",
        "peak MiB",
        "code KiB"
    );
    for (m, s) in results.iter().zip(summaries) {
        println!(
            "{:<12} {:>24} {:>24} {:>8.2} {:>12.2} {:>10.2} {:>11.2} {:>9.1} {:>9.1}  {}",
            m.name,
            s.native.cell(),
            s.run.cell(),
            s.ratio,
            s.compile.median,
            s.wasm_bytes_per_s / 1e6,
            s.ir_insts_per_s / 1e6,
            s.peak_kib as f64 / 1024.0,
            s.code_bytes as f64 / 1024.0,
            if m.mismatch.is_none() { "matches native" } else { "DIFFERS" }
        );
    }
    println!("geometric mean of run time / native: {geomean_ratio:.2}");
}

/// Runs the suite, prints the table and writes the JSON.
pub fn run(opts: &Options) -> Result<(), String> {
    let names = list_programs(&opts.dir, &opts.programs)?;
    let native_dir = target_dir().join("bench-native");
    std::fs::create_dir_all(&native_dir).map_err(|e| format!("{}: {e}", native_dir.display()))?;
    let date = utc_timestamp(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default());
    println!(
        "lathe bench programs: {} programs, {} repetitions, {}, {} size; {date}; {}",
        names.len(),
        opts.reps.max(1),
        opts.level_name(),
        if opts.small { "small" } else { "default" },
        machine()
    );
    let mut results = Vec::with_capacity(names.len());
    for name in &names {
        eprintln!("  {name}...");
        results.push(measure(name, opts, &native_dir)?);
    }
    let summaries: Vec<Summary> = results.iter().map(Measured::summary).collect();
    let geomean_ratio = geomean(&summaries.iter().map(|s| s.ratio).collect::<Vec<_>>());
    print_table(&results, &summaries, geomean_ratio);
    let json_path = opts.json.clone().unwrap_or_else(|| target_dir().join("bench-programs.json"));
    std::fs::write(&json_path, to_json(&results, &summaries, geomean_ratio, opts, &date))
        .map_err(|e| format!("{}: {e}", json_path.display()))?;
    println!("results written to {}", json_path.display());
    let bad: Vec<String> =
        results.iter().filter_map(|m| m.mismatch.as_ref().map(|why| format!("{}: {why}", m.name))).collect();
    if bad.is_empty() { Ok(()) } else { Err(format!("outputs differ from native:\n{}", bad.join("\n"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_the_median_of_odd_and_even_counts() {
        let ms = |v: &[u64]| v.iter().map(|&x| Duration::from_millis(x)).collect::<Vec<_>>();
        assert_eq!(Spread::of(ms(&[30, 10, 20])), Spread { median: 20.0, min: 10.0, max: 30.0 });
        assert_eq!(Spread::of(ms(&[40, 10, 20, 30])), Spread { median: 25.0, min: 10.0, max: 40.0 });
        assert_eq!(Spread::of(ms(&[])), Spread { median: 0.0, min: 0.0, max: 0.0 });
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(utc_timestamp(Duration::ZERO), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day of a century year divisible by 400), 12:34:56.
        assert_eq!(utc_timestamp(Duration::from_secs(951_827_696)), "2000-02-29T12:34:56Z");
        // 2026-11-24T08:54:08Z.
        assert_eq!(utc_timestamp(Duration::from_secs(1_795_510_448)), "2026-11-24T08:54:08Z");
    }

    #[test]
    fn geomean_ignores_non_positive_values() {
        assert!((geomean(&[2.0, 8.0]) - 4.0).abs() < 1e-12);
        assert!((geomean(&[3.0, f64::NAN, 0.0]) - 3.0).abs() < 1e-12);
        assert!(geomean(&[]).is_nan());
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_str("a\"b\\c\n"), r#""a\"b\\c\u000a""#);
    }

    #[test]
    fn stats_lines_round_trip() {
        let stats = RunStats {
            wasm_bytes: 10,
            ir_insts: 20,
            code_bytes: 30,
            compile: Duration::from_nanos(40),
            run: Duration::from_nanos(50),
            peak_compile_kib: 60,
            peak_kib: 70,
            tier_functions: 80,
            tier_osr: 90,
            tier_nested: 100,
        };
        let back = RunStats::from_line(&stats.to_line()).expect("parses");
        assert_eq!(back.to_line(), stats.to_line());
        assert!(RunStats::from_line("lathe-stats: bogus=1").is_none());
        assert!(RunStats::from_line("hello").is_none());
    }
}
