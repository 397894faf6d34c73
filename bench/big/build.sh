#!/bin/sh
# Rebuilds bench/big/big.wasm (a large module of realistic shape; bench/big/README.md)
# and bench/big/big.check, the expected output of `big.wasm check`:
# - bench/big/gen.py writes the C (copies of bench/programs/*.c and generated
#   interpreter-style programs) into a temporary folder, with each unit's flags;
# - each unit is compiled with `clang --target=wasm32-wasi <flags> -ffp-contract=off`,
#   and all are linked with wasi-libc (debug sections stripped, as bench/build.sh does);
# - the same units are compiled natively (`clang <flags> -ffp-contract=off`) and the native
#   program's `check` output is written to big.check: the Wasm module must print the same.
# Needs python3, and Debian's clang, lld, wasi-libc and libclang-rt-14-dev-wasm32
# (installed with apt-get when missing). Uses every core (JOBS to change).
set -e
cd "$(dirname "$0")"

if ! command -v clang >/dev/null 2>&1 || [ ! -d /usr/lib/wasm32-wasi ]; then
    apt-get update -qq
    apt-get install -y -qq clang lld wasi-libc libclang-rt-14-dev-wasm32
fi
JOBS=${JOBS:-$(nproc)}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lathe-big.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 gen.py "$tmp/src"
mkdir -p "$tmp/wasm" "$tmp/native"

# One line of units.txt is `<file> <flags...>`: compile it both ways.
export tmp
xargs -P "$JOBS" -L 1 sh -c '
    f=$0; base=${f%.c}
    clang --target=wasm32-wasi "$@" -ffp-contract=off -c -o "$tmp/wasm/$base.o" "$tmp/src/$f"
    clang "$@" -ffp-contract=off -c -o "$tmp/native/$base.o" "$tmp/src/$f"
' < "$tmp/src/units.txt"

objs=$(sed 's/ .*//; s/\.c$/.o/' "$tmp/src/units.txt")
(cd "$tmp/wasm" && clang --target=wasm32-wasi -Wl,--strip-debug -o "$tmp/big.wasm" $objs)
(cd "$tmp/native" && clang -o "$tmp/big" $objs -lm)
"$tmp/big" check > big.check
cp "$tmp/big.wasm" big.wasm
echo "bench/big/big.wasm: $(wc -c < big.wasm) bytes, $(wc -l < big.check) programs"
