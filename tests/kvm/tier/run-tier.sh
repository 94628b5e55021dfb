#!/usr/bin/env bash
# The kvm tier, host side: boots Debian's kernel with kvm-amd under
# qemu-system-x86_64 -accel tcg (AMD SVM with nested paging, emulated), runs
# l1-tests.sh inside that L1 system (the kvm ctest suites, the shipped kvm
# pipelines, Linux to userspace through hvmtool and through QEMU -accel kvm),
# reads the KVMTIER: markers from the serial log and prints
# "N passed, N failed[, N skipped]".
#
#   tests/kvm/tier/run-tier.sh BUILD_DIR
#
# Exit 0 when nothing failed, 1 when something failed, 77 when the host has
# /dev/kvm (the suites run natively there), or a prerequisite is missing
# (QEMU, python3, the Debian packages, host memory), or everything skipped.
#
# Environment: HVMTOOL_TIER_CACHE (downloads, shared with the Xen tier,
# default BUILD_DIR/tier-cache), HVMTOOL_KVM_TIMEOUT (seconds for the whole
# boot, default 900 plus 240 per extra repeat), HVMTOOL_KVM_MEM (QEMU RAM in
# MiB, default 2048), KVMTIER_ONLY (names: suites, pipelines, linux, or single
# tests), KVMTIER_REPEAT (boots of each Linux path, default 1),
# HVMTOOL_KVM_TIER_FORCE=1 (run even where the host has /dev/kvm),
# HVMTOOL_KVM_STALL (seconds without serial output after which L1 counts as
# stopped and is booted once more, default 120; L1 prints a heartbeat every 20 s).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../../.." && pwd)
build=${1:?usage: run-tier.sh BUILD_DIR}
build=$(cd "$build" && pwd)
cache=${HVMTOOL_TIER_CACHE:-$build/tier-cache}
repeat=${KVMTIER_REPEAT:-1}
deadline=${HVMTOOL_KVM_TIMEOUT:-$((900 + 240 * (repeat - 1)))}
mem=${HVMTOOL_KVM_MEM:-2048}
out="$build/kvm-tier"
tier_start=$(date +%s.%N)

TIER_PREFIX=KVMTIER
# shellcheck source=../../tier/lib/qemu.sh
source "$here/../../tier/lib/qemu.sh"
trap 'echo "KVMTIER: FAIL run-tier.sh: command failed at line $LINENO"; echo "0 passed, 1 failed"; exit 1' ERR

# --- prerequisites ------------------------------------------------------------
if [[ -e /dev/kvm && -z ${HVMTOOL_KVM_TIER_FORCE:-} ]]; then
  tier_skip "kvm tier not run: this host has /dev/kvm, where the kvm suites run natively (HVMTOOL_KVM_TIER_FORCE=1 runs it anyway)"
fi
tier_require_tools qemu-system-x86_64 cpio gzip apt-get apt-cache dpkg-deb ldd readelf python3 ctest
tier_require_memory $((mem + 768))
mkdir -p "$cache" "$out"

tier_fetch_debs "$cache" linux-image busybox-static
root="$cache/root"
kver=$(cat "$cache/kernel-package")
kver=${kver#linux-image-}

# --- the suites, from ctest's own list ---------------------------------------
# Every test labelled kvm or emu runs inside L1 as ctest would run it; the
# fixtures they need (Debian's kernel in the guest cache) run here first.
ctest --test-dir "$build" --show-only=json-v1 >"$out/ctest.json"
python3 "$here/ctest-suites.py" suites "$out/ctest.json" kvm emu >"$out/suites.sh"
python3 "$here/ctest-suites.py" fixtures "$out/ctest.json" kvm emu >"$out/fixtures.sh"
: >"$out/failed-fixtures"
fixture() { # FIXTURE TEST WORKDIR TIMEOUT SKIP_CODE -- COMMAND...
  local name=$1 test=$2 wd=$3 timeout=$4 rc=0
  shift 6
  (cd "$wd" && timeout "$timeout" "$@") >"$out/fixture-$test.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    echo "note: fixture $test ($name) exit $rc: $(tail -n 1 "$out/fixture-$test.log")"
    echo "$name" >>"$out/failed-fixtures"
  fi
}
missing() { :; }
# shellcheck disable=SC1091 # written above
source "$out/fixtures.sh"
echo "suites: $(grep -c '^suite ' "$out/suites.sh" || true) ($(awk '$1 == "suite" {printf "%s ", $2}' "$out/suites.sh"))"

# Debian's kernel (bzImage and vmlinux) and the marker initramfs, where the
# shipped Linux pipelines expect them.
guest_cache=$(sed -n 's/^HVMTOOL_GUEST_CACHE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
guest_cache=${guest_cache:-$source_dir/guests/cache}
if [[ ! -s $guest_cache/vmlinux || ! -s $guest_cache/initramfs.cpio.gz ]]; then
  bash "$source_dir/scripts/guest/fetch-debian-kernel.sh" "$guest_cache" >"$out/fetch-kernel.log" 2>&1 &&
    bash "$source_dir/scripts/guest/build-initramfs.sh" "$guest_cache/initramfs.cpio.gz" >>"$out/fetch-kernel.log" 2>&1 ||
    echo "note: the guest kernel or initramfs could not be made: $(tail -n 1 "$out/fetch-kernel.log")"
fi

# --- image -------------------------------------------------------------------
t0=$(tier_now)
bash "$here/build-l1-initramfs.sh" "$build" "$source_dir" "$guest_cache" "$root" "$kver" \
  "$out/suites.sh" "$out/failed-fixtures" "$out/l1-initrd.cpio.gz"
echo "L1 initramfs: $(du -h "$out/l1-initrd.cpio.gz" | cut -f1) ($(tier_since "$t0") s to build)"

# --- boot --------------------------------------------------------------------
serial="$out/serial.log"
# L1 gets the deadline less a margin (its clock starts after QEMU's, and the
# results must be printed before QEMU is killed), and caps each test's own
# timeout by what is left of it: a hung test is then reported, with its output,
# as a failure, rather than ending the boot with nothing said.
budget=$((deadline - 45))
cmdline="console=ttyS0 rdinit=/init panic=-1 ${KVMTIER_ONLY:+kvmtier_only=${KVMTIER_ONLY// /+}} kvmtier_repeat=$repeat kvmtier_budget=$budget"
# boot_l1 [EXTRA]: one boot of L1, EXTRA added to its kernel command line.
boot_l1() {
  qemu=(qemu-system-x86_64 -accel tcg,tb-size=256 -cpu qemu64,+svm,+npt -m "$mem" -smp 1
    -nodefaults -display none -vga none -monitor none -serial "file:$serial" -no-reboot
    -kernel "$root/boot/vmlinuz-$kver" -initrd "$out/l1-initrd.cpio.gz" -append "$cmdline${1:+ $1}")
  echo "boot: ${qemu[*]}"
  TIER_STALL=${HVMTOOL_KVM_STALL:-120} tier_boot "$serial" "$deadline" l1_linux='Linux version' \
    l1_init='KVMTIER: INFO L1 init' kvm_up='KVMTIER: INFO /dev/kvm up' -- "${qemu[@]}"
}
echo "free memory before boot: $(free -m | awk '/^Mem:/ {print $7}') MiB available"
# L1 prints a heartbeat every 20 s: two minutes without serial output means
# L1 itself stopped. Seen twice in CI, each time as L1 started a Linux guest
# through the PVH entry (test_pvh_linux, pvh-linux): the nested guest's
# VMRUN under QEMU's emulated SVM never returns, and nothing in L1 runs any
# more. The boot is then repeated once, skipping what already reported; the
# test that was running runs again, and the stop is reported as an INFO line.
boot_l1
serial="$out/serial-second-boot.log" deadline=$((deadline - ${TIER_ELAPSED%.*} + 300))
tier_boot_again_if_stalled kvmtier_skip boot_l1

# --- results -----------------------------------------------------------------
grep -a '^KVMTIER: \|^  [a-zA-Z0-9_.-]\+: ' "$TIER_TEXT" | grep -av 'KVMTIER: DONE\|KVMTIER: BEAT' || true
tier_tally
echo "kvm tier: $(tier_since "$tier_start") s in all (L1 boot and tests ${TIER_ELAPSED} s)"
tier_finish
