#!/bin/sh
# Rebuilds the .wasm files of examples/ from their sources (WAT through the `wast` crate,
# via `lathe`'s own encoder: `cargo run -p lathe-wasm --example wat2wasm`).
set -e
cd "$(dirname "$0")/.."
cargo run -q -p lathe-wasm --example wat2wasm -- examples/hello.wat examples/hello.wasm
