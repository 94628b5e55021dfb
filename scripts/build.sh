#!/usr/bin/env bash
# Configures and builds hvmtool into build/ (or build-sanitize/ with --sanitize).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [[ ${1:-} == --sanitize ]]; then
  build_dir=build-sanitize
  # -O0 compiles much faster, and the sanitizers find the same bugs.
  cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Debug -DHVMTOOL_SANITIZE=ON)
fi
cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "$build_dir"
