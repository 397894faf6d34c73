#!/bin/sh
# Rebuilds the WASI test programs of this folder: for each <name>.c, <name>.wasm (clang for
# wasm32-wasi, -O2) and, for programs whose output is the same natively, <name>.expected:
# the stdout of the same C built natively and run on an empty scratch directory. The tests
# (tests/wasi_fs.rs) run the .wasm under `lathe run --dir` and compare with .expected.
# The programs that call WASI directly (rights, poll, sock_echo) have no native
# counterpart: their .expected is written and checked by hand, and left alone here.
# Needs Debian's clang, lld, wasi-libc and libclang-rt-14-dev-wasm32 (apt-get installs
# them when missing).
set -e
cd "$(dirname "$0")"
if ! command -v clang >/dev/null 2>&1 || [ ! -d /usr/lib/wasm32-wasi ]; then
    apt-get update -qq
    apt-get install -y -qq clang lld wasi-libc libclang-rt-14-dev-wasm32
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lathe-wasi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for src in *.c; do
    name=$(basename "$src" .c)
    clang --target=wasm32-wasi -O2 -Wl,--strip-debug -o "$name.wasm" "$src"
    case "$name" in
    fs_walk | fs_more | misc)
        clang -O2 -o "$tmp/$name" "$src"
        mkdir "$tmp/dir"
        "$tmp/$name" "$tmp/dir" > "$name.expected"
        rmdir "$tmp/dir"
        ;;
    esac
done
