#!/bin/sh
# Rebuilds the .wasm files of examples/ from their sources:
# - WAT through the `wast` crate, with `cargo run -p lathe-wasm --example wat2wasm`;
# - C with Debian's clang, lld, wasi-libc and libclang-rt-14-dev-wasm32
#   (`clang --target=wasm32-wasi -O2`), installed with apt-get when missing.
set -e
cd "$(dirname "$0")/.."
cargo run -q -p lathe-wasm --example wat2wasm -- examples/hello.wat examples/hello.wasm
if ! command -v clang >/dev/null 2>&1 || [ ! -d /usr/lib/wasm32-wasi ]; then
    apt-get update -qq
    apt-get install -y -qq clang lld wasi-libc libclang-rt-14-dev-wasm32
fi
for src in examples/*.c; do
    clang --target=wasm32-wasi -O2 -o "${src%.c}.wasm" "$src"
done
# The expected output of the float example, from the same C compiled natively.
gcc -O2 -o /tmp/lathe-mandelbrot examples/mandelbrot.c && /tmp/lathe-mandelbrot > examples/mandelbrot.expected
