#!/bin/sh
# Builds Lathe (release) and runs the benchmark suite: every program of bench/ under Lathe
# and natively (clang -O2), with several repetitions; prints the table and writes the JSON
# (docs/performance.md says how to read both). Arguments go to `lathe bench programs`:
#     sh bench/run.sh                     # all programs, default sizes, 3 repetitions
#     sh bench/run.sh --reps 5 nbody sieve
#     sh bench/run.sh --small --reps 1    # a quick check that everything agrees
#     sh bench/run.sh --opt-level none
# The .wasm files are committed (bench/build.sh rebuilds them); the native binaries are
# built here each run, so clang is installed with apt-get when missing.
set -e
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq clang
fi
cargo build --release --quiet
exec target/release/lathe bench programs "$@"
