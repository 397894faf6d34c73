//! What the generator may produce. Two presets cover today's needs: [`Config::jit`] keeps
//! mostly to what the x86-64 backend lowers (so most programs are compiled and compared),
//! [`Config::interpreter`] uses every scalar type and opcode the interpreter executes (for
//! the optimizer check, where no backend is involved).

/// Limits and switches of the generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Generate `f32`/`f64` values and the float opcodes.
    pub floats: bool,
    /// Generate `i128` values and the opcodes that make or split them.
    pub i128: bool,
    /// Keep mostly to the opcodes the x86-64 backend lowers today. Each function then has a
    /// chance of [`Config::any_opcode_per_256`] in 256 to draw from every opcode instead, so
    /// that newly lowered opcodes get exercised without changing the generator (a program
    /// the backend cannot compile yet is skipped as "unsupported", not a finding).
    pub backend_subset: bool,
    /// See [`Config::backend_subset`].
    pub any_opcode_per_256: u8,
    /// Upper bound on the instructions of one function (the generator stops adding
    /// statements when it is reached; block terminators come on top).
    pub max_insts: usize,
    /// How deeply ifs, switches and loops nest.
    pub max_depth: usize,
    /// The most iterations a counted loop runs (at least 1).
    pub max_trip_count: u32,
    /// The most parameters of a generated function.
    pub max_params: usize,
    /// The most results of a generated function (the entry function has at least one).
    pub max_returns: usize,
    /// Generate a second function and calls to it.
    pub calls: bool,
    /// The most argument sets generated per program.
    pub max_input_sets: usize,
}

impl Config {
    /// For the interpreter-versus-JIT check: every scalar type (`i8`..`i128`, `f32`,
    /// `f64`), every opcode the generator knows (a program the backend cannot compile is
    /// skipped and counted), calls, stack memory, traps and counted loops.
    pub fn jit() -> Self {
        Config {
            floats: true,
            i128: true,
            backend_subset: false,
            any_opcode_per_256: 12,
            max_insts: 80,
            max_depth: 3,
            max_trip_count: 4,
            max_params: 8,
            max_returns: 2,
            calls: true,
            max_input_sets: 4,
        }
    }

    /// For checks that only interpret (the optimizer check): every scalar type (`i8` to
    /// `i128`, `f32`, `f64`) and every scalar opcode the generator knows.
    pub fn interpreter() -> Self {
        Config { i128: true, max_returns: 3, ..Config::jit() }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::jit()
    }
}
