#!/bin/sh
# Rebuilds the benchmark programs of bench/: for each bench/programs/<name>.c,
# - bench/wasm/<name>.wasm, with `clang --target=wasm32-wasi -O2 -ffp-contract=off`
#   (debug sections stripped: they would only inflate the compile throughput);
# - bench/wasm/<name>.small_n, the small work size of the program (from SMALL below);
# - bench/wasm/<name>-simd.wasm for the programs in SIMD below, the same with
#   -msimd128: clang vectorises loops into Wasm SIMD, and a program written with
#   wasm_simd128.h (blur) uses its intrinsics (with the same .small and .small_n);
# - bench/wasm/<name>.small, the exact stdout of the same C built natively
#   (`clang -O2 -ffp-contract=off`) and run with that small size: the expected
#   output of the Wasm program.
# Needs Debian's clang, lld, wasi-libc and libclang-rt-14-dev-wasm32, installed
# with apt-get when missing.
set -e
cd "$(dirname "$0")/.."

# name:small_n for every program; each small size runs in well under 10 ms natively.
SMALL="nbody:1000 spectralnorm:100 fannkuch:7 sieve:100000 matmul:60 sha256:10
quicksort:20000 interp:2000 crc32:3 mandelbrot:100 blur:3"

# The programs that also get a -simd build.
SIMD="matmul spectralnorm blur"

if ! command -v clang >/dev/null 2>&1 || [ ! -d /usr/lib/wasm32-wasi ]; then
    apt-get update -qq
    apt-get install -y -qq clang lld wasi-libc libclang-rt-14-dev-wasm32
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p bench/wasm
for src in bench/programs/*.c; do
    name=$(basename "$src" .c)
    small_n=
    for entry in $SMALL; do
        if [ "${entry%%:*}" = "$name" ]; then
            small_n=${entry#*:}
        fi
    done
    if [ -z "$small_n" ]; then
        echo "build.sh: no small size for $name in SMALL" >&2
        exit 1
    fi
    clang --target=wasm32-wasi -O2 -ffp-contract=off -Wl,--strip-debug -o "bench/wasm/$name.wasm" "$src"
    clang -O2 -ffp-contract=off -o "$tmp/$name" "$src" -lm
    "$tmp/$name" "$small_n" > "bench/wasm/$name.small"
    echo "$small_n" > "bench/wasm/$name.small_n"
    for simd in $SIMD; do
        if [ "$simd" = "$name" ]; then
            clang --target=wasm32-wasi -O2 -msimd128 -ffp-contract=off -Wl,--strip-debug \
                -o "bench/wasm/$name-simd.wasm" "$src"
            cp "bench/wasm/$name.small" "bench/wasm/$name-simd.small"
            cp "bench/wasm/$name.small_n" "bench/wasm/$name-simd.small_n"
        fi
    done
done
