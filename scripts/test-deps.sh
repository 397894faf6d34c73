#!/usr/bin/env bash
# Installs the Debian packages the tests use from outside Rust, when they are missing:
#   gcc, gdb                         link objects, debug them (object/, jit/, tests/)
#   llvm-14                          llvm-mc-14 (encoding oracles), llvm-dwarfdump-14
#   clang lld wasi-libc libclang-rt-14-dev-wasm32
#                                    C programs built for Wasm (debug-info tests, benchmarks)
#   qemu-user, gcc-<arch>-linux-gnu, libc6-dev-<arch>-cross
#                                    run other ISAs' code: aarch64, riscv64, s390x
#   chromium                         opens `lathe explain --html` pages headless
#                                    (tests/explain_html.rs)
# Needs root (apt-get); without it, it names what is missing and fails.
set -euo pipefail
packages=(
    gcc gdb llvm-14
    clang lld wasi-libc libclang-rt-14-dev-wasm32
    qemu-user
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross
    gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
    gcc-s390x-linux-gnu libc6-dev-s390x-cross
    chromium
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "error: the tests need these Debian packages: ${missing[*]}" >&2
    echo "       install them with: apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
