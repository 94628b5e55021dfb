#!/usr/bin/env bash
# The README's main command on emu (hvmtool run of config/hvm-hvmloader.yaml
# with `platform: emu`: hvmloader -> the test kernel, poweroff) against
# `qemu-system-x86_64 -accel tcg` booting the project's PVH test kernel
# (SeaBIOS -> QEMU's PVH loader -> tests/guests/pvhkernel.elf, poweroff),
# alternating the two in one run. Wall time from command start to exit, and
# emu's vCPU CPU time (from its debug log).
#
#   platforms/emu/bench-vs-qemu.sh [RUNS]      (after scripts/build.sh; BUILD=dir for another tree)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
build=${BUILD:-build}
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not found (package qemu-system-x86)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo "platform: emu"
  sed -e '/^platform:/d' -e "s#\.\./build/#$PWD/$build/#g" config/hvm-hvmloader.yaml
} >"$tmp/emu.yaml"
export HVMTOOL_EMU_REGISTRY=$tmp/registry HVMTOOL_LOG_DIR=$tmp

ms() { echo "scale=1; ($2 - $1) / 1000000" | bc; }
emu_total=0 qemu_total=0
for ((i = 1; i <= runs; i++)); do
  t0=$(date +%s%N)
  "$build/hvmtool" run -F -v "$tmp/emu.yaml" >"$tmp/emu.out" 2>&1
  t1=$(date +%s%N)
  grep -q "testkernel: done" "$tmp"/guest-hvm-hvmloader.log
  cpu=$(sed -n 's/.*vCPU 0 used \([0-9.]*\) ms of CPU.*/\1/p' "$tmp/emu.out")
  rm -f "$tmp/qemu-e9.log"
  t2=$(date +%s%N)
  timeout 60 qemu-system-x86_64 -accel tcg -m 128 -display none -no-reboot \
    -kernel "$build/tests/guests/pvhkernel.elf" -append "console=ttyS0" \
    -chardev file,id=e9,path="$tmp/qemu-e9.log" -device isa-debugcon,iobase=0xe9,chardev=e9 >/dev/null 2>&1
  t3=$(date +%s%N)
  grep -q "pvhkernel: done" "$tmp/qemu-e9.log"
  echo "run $i: emu $(ms "$t0" "$t1") ms (vCPU CPU ${cpu} ms), qemu tcg $(ms "$t2" "$t3") ms"
  emu_total=$((emu_total + t1 - t0))
  qemu_total=$((qemu_total + t3 - t2))
done
echo "mean over $runs runs: emu $(ms 0 $((emu_total / runs))) ms, qemu tcg $(ms 0 $((qemu_total / runs))) ms," \
  "qemu/emu $(echo "scale=2; $qemu_total / $emu_total" | bc)"
