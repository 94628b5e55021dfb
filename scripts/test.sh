#!/usr/bin/env bash
# The README's test command: install dependencies, build, run every test.
# --sanitize runs the same tests on an ASan+UBSan build (without the real-Xen
# and kvm tiers, which run hvmtool inside QEMU-emulated hosts and gain nothing
# from a second pass).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
build_dir=$(bash scripts/build.sh "$@" | tail -n 1)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Unicorn's own leak (see the file) in any process that runs an emu domain:
# with `platform: auto`, that is any test that boots a guest on this machine.
export LSAN_OPTIONS=suppressions=$PWD/platforms/emu/lsan-unicorn.supp
ctest_args=(--test-dir "$build_dir" --output-on-failure -j 2)
[[ ${1:-} == --sanitize ]] && ctest_args+=(-LE "xen-tier|kvm-tier")
ctest "${ctest_args[@]}"
