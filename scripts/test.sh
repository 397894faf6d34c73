#!/usr/bin/env bash
# Every test: installs what the tests need from Debian when missing
# (scripts/test-deps.sh), then runs the whole workspace's tests. Extra arguments go to
# `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
cargo test --workspace "$@"
