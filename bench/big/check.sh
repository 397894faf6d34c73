#!/bin/sh
# Runs bench/big/big.wasm's `check` (every program at a tiny size) under `lathe run` at
# each opt level and compares the output with big.check (the native build's output,
# written by build.sh). Bench-only: it compiles 5 MB of Wasm code three times, several
# seconds, too long for `cargo test`. Uses target/release/lathe (LATHE to change).
set -e
cd "$(dirname "$0")"
LATHE=${LATHE:-../../target/release/lathe}
out=$(mktemp "${TMPDIR:-/tmp}/lathe-big-check.XXXXXX")
trap 'rm -f "$out"' EXIT
status=0
for opt in baseline none speed; do
    if "$LATHE" run --opt-level "$opt" big.wasm check > "$out" && cmp -s "$out" big.check; then
        echo "big.wasm check at $opt: $(wc -l < big.check) programs agree with the native build"
    else
        echo "big.wasm check at $opt: output differs from big.check" >&2
        diff "$out" big.check | head -5 >&2 || true
        status=1
    fi
done
exit $status
