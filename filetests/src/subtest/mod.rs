//! Test kinds. Each `test <kind>` header line selects one [`SubTest`], which checks every
//! function of the file and reports a [`Failure`] for the first thing that does not hold
//! (with its line), or `Unsupported` for what Lathe lacks.
//!
//! To add a kind: write a module with a type implementing [`SubTest`] and add it to
//! [`lookup`].

pub mod cat;
pub mod compile;
pub mod interpret;
pub mod optimize;
pub mod parse_error;
pub mod run;
mod targets;
pub mod verifier;

use crate::RunOptions;
use crate::bless::Replacement;
use lathe_codegen::text::TestFile;
use std::path::Path;

/// The kind name of reader error tests.
pub const PARSE_ERROR: &str = "parse-error";

/// Why a test kind did not pass.
#[derive(Debug)]
pub enum Failure {
    /// A check failed.
    Failed(String),
    /// Lathe lacks what the test needs.
    Unsupported(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Failed(s)
    }
}

/// What a test kind sees of the file, and where it leaves its output.
pub struct FileContext<'a> {
    /// The file's path.
    pub path: &'a Path,
    /// The file's text.
    pub source: &'a str,
    /// The parsed file.
    pub file: &'a TestFile,
    /// Whether to rewrite expected output instead of comparing.
    pub bless: bool,
    /// Expected-output blocks to rewrite when blessing.
    pub replacements: Vec<Replacement>,
    /// Output worth showing (what `; print:` lines printed).
    pub log: String,
    /// The runner's options (the ISA filter and the way `test run` executes code).
    pub options: &'a RunOptions,
    /// Outcomes per ISA family, for the kinds that run on targets (`test run`).
    pub isa_results: Vec<(String, Result<(), Failure>)>,
    /// Functions compiled at `opt_level=baseline` by the tier itself or by its fallback
    /// (`test run` on x86_64).
    pub baseline: run::BaselineByIsa,
}

impl<'a> FileContext<'a> {
    /// A context for one file.
    pub fn new(path: &'a Path, source: &'a str, file: &'a TestFile, options: &'a RunOptions) -> Self {
        Self {
            path,
            source,
            file,
            bless: options.bless,
            replacements: Vec::new(),
            log: String::new(),
            options,
            isa_results: Vec::new(),
            baseline: run::BaselineByIsa::default(),
        }
    }
}

/// One test kind.
pub trait SubTest: Sync {
    /// Runs the kind on every function of the file.
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure>;
}

/// The result of looking a kind up by name.
pub enum Lookup {
    /// The kind exists.
    Found(&'static dyn SubTest),
    /// It does not exist (yet); the reason says which and why.
    Unsupported(String),
}

/// The test kind called `name`.
pub fn lookup(name: &str) -> Lookup {
    match name {
        "cat" => Lookup::Found(&cat::Cat),
        "verifier" => Lookup::Found(&verifier::Verifier),
        "interpret" => Lookup::Found(&interpret::Interpret),
        PARSE_ERROR => Lookup::Found(&parse_error::ParseError),
        "compile" => Lookup::Found(&compile::Compile),
        "run" => Lookup::Found(&run::Run),
        "optimize" => Lookup::Found(&optimize::Optimize),
        other => Lookup::Unsupported(format!("unknown test kind `{other}`")),
    }
}
