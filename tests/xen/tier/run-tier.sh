#!/usr/bin/env bash
# The real-Xen tier, host side: boots Debian's Xen 4.17 with a Debian dom0
# under qemu-system-x86_64 -accel tcg, runs dom0-tests.sh inside dom0 (xl
# create and hvmtool side by side), reads the XENTIER: markers from the
# serial log and prints "N passed, N failed[, N skipped]".
#
#   tests/xen/tier/run-tier.sh BUILD_DIR
#
# Exit 0 when nothing failed, 1 when something failed, 77 when a prerequisite
# is missing (QEMU, the Debian packages, host memory) or everything skipped.
#
# Environment: HVMTOOL_XEN_CACHE (downloads and unpacked packages,
# default BUILD_DIR/xen-cache), HVMTOOL_XEN_TIMEOUT (seconds for the whole
# boot, default 900), HVMTOOL_XEN_MEM (QEMU RAM in MiB, default 1792),
# HVMTOOL_XEN_SMP (QEMU CPUs, default 1), XENTIER_ONLY (test names to run).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run-tier.sh BUILD_DIR}
build=$(cd "$build" && pwd)
cache=${HVMTOOL_XEN_CACHE:-$build/xen-cache}
deadline=${HVMTOOL_XEN_TIMEOUT:-900}
mem=${HVMTOOL_XEN_MEM:-1792}
smp=${HVMTOOL_XEN_SMP:-1}
out="$build/xen-tier"
mkdir -p "$cache" "$out"

trap 'echo "XENTIER: FAIL run-tier.sh: command failed at line $LINENO"; echo "0 passed, 1 failed"; exit 1' ERR

skip() {
  echo "XENTIER: SKIP $*"
  echo "0 passed, 0 failed, 1 skipped"
  exit 77
}

# --- prerequisites ------------------------------------------------------------
for tool in qemu-system-x86_64 cpio gzip apt-get apt-cache dpkg-deb ldd; do
  command -v "$tool" >/dev/null || skip "real-Xen tier: $tool not found (run tests/xen/tier/install-deps.sh)"
done
avail_mb=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
need_mb=$((mem + 768))
((avail_mb >= need_mb)) || skip "real-Xen tier: ${avail_mb} MiB host memory available, the boot needs ${need_mb}"

rc=0
bash "$here/fetch-debs.sh" "$cache" || rc=$?
if ((rc == 77)); then
  skip "real-Xen tier: Debian packages could not be downloaded"
elif ((rc != 0)); then
  echo "XENTIER: FAIL fetch-debs.sh exit $rc"
  echo "0 passed, 1 failed"
  exit 1
fi
root="$cache/root"
kver=$(cat "$cache/kernel-package")
kver=${kver#linux-image-}

# --- images ------------------------------------------------------------------
xen="$cache/xen-4.17-amd64"
[[ -s $xen ]] || gzip -dc "$root/boot/xen-4.17-amd64.gz" >"$xen"
bash "$here/build-guest-initramfs.sh" "$root/bin/busybox" "$out/guest-initrd.cpio.gz"
# The guest kernel: Debian's (the same as dom0's), uncompressed by the
# project's scripts/guest/fetch-debian-kernel.sh when it is there (creation
# is about twice as fast as from the XZ bzImage under TCG), else the bzImage.
guest_kernel="$root/boot/vmlinuz-$kver"
shared_fetch="$here/../../../scripts/guest/fetch-debian-kernel.sh"
if [[ -f $shared_fetch ]]; then
  if bash "$shared_fetch" "$cache/guest-kernel" >"$out/fetch-kernel.log" 2>&1 &&
    [[ -s $cache/guest-kernel/vmlinux ]] && grep -q "$kver" "$cache/guest-kernel/kernel-package"; then
    guest_kernel="$cache/guest-kernel/vmlinux"
  else
    echo "note: scripts/guest/fetch-debian-kernel.sh failed ($(tail -n 1 "$out/fetch-kernel.log")); the guest boots the bzImage"
  fi
fi
echo "guest kernel: $guest_kernel"
t0=$(date +%s.%N)
bash "$here/build-dom0-initramfs.sh" "$build" "$root" "$kver" "$guest_kernel" "$out/guest-initrd.cpio.gz" "$out/dom0-initrd.cpio.gz"
echo "dom0 initramfs: $(du -h "$out/dom0-initrd.cpio.gz" | cut -f1) ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s to build)"

# --- boot --------------------------------------------------------------------
serial="$out/serial.log"
: >"$serial"
xen_cmdline="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all noreboot"
dom0_cmdline="console=hvc0 earlyprintk=xen rdinit=/init ${XENTIER_ONLY:+xentier_only=${XENTIER_ONLY// /+}}"
qemu=(qemu-system-x86_64 -accel tcg,tb-size=256 -cpu qemu64,+svm,+npt -m "$mem" -smp "$smp"
  -display none -vga none -monitor none -serial "file:$serial" -no-reboot
  -kernel "$xen" -append "$xen_cmdline"
  -initrd "$root/boot/vmlinuz-$kver $dom0_cmdline,$out/dom0-initrd.cpio.gz")
echo "free memory before boot: $(free -m | awk '/^Mem:/ {print $7}') MiB available"
echo "boot: ${qemu[*]}"
start=$(date +%s.%N)
"${qemu[@]}" </dev/null >"$out/qemu.out" 2>&1 &
qpid=$!
cleanup() { kill "$qpid" 2>/dev/null || true; }
trap cleanup EXIT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 130' INT

elapsed() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
first_seen() { # PATTERN NAME: note when a boot milestone first shows in the log
  local var="seen_$2"
  [[ -n ${!var:-} ]] && return
  grep -aq -- "$1" "$serial" && { printf -v "$var" '%s' "$(elapsed)"; echo "  ${!var} s: $2"; }
  return 0
}
timed_out= peak_rss=
while kill -0 "$qpid" 2>/dev/null; do
  hwm=$(awk '/^VmHWM:/ {print int($2 / 1024)}' /proc/"$qpid"/status 2>/dev/null || true)
  [[ -n $hwm ]] && peak_rss=$hwm
  first_seen '(XEN) Xen version' xen_banner
  first_seen 'Linux version' dom0_linux
  first_seen 'XENTIER: INFO toolstack up' toolstack
  grep -aq 'XENTIER: DONE' "$serial" && break
  if (($(awk -v e="$(elapsed)" -v d="$deadline" 'BEGIN {print (e > d)}'))); then
    timed_out=1
    break
  fi
  sleep 0.5
done
sleep 1 # let QEMU flush the last lines
kill "$qpid" 2>/dev/null || true
wait "$qpid" 2>/dev/null || true
trap - EXIT TERM INT
echo "boot ended after $(elapsed) s; serial log: $serial; QEMU peak RSS ${peak_rss:-?} MiB"

# --- results -----------------------------------------------------------------
tr -d '\r' <"$serial" >"$out/serial.txt"
grep -a 'XENTIER: \|^  [a-z0-9-]\+[.: ]' "$out/serial.txt" | grep -av 'XENTIER: DONE' || true
grep -a '^(d[0-9]*) .*\(HVM Loader\|E820 table\)' "$out/serial.txt" | head -n 4 | sed 's/^/serial: /' || true

passed=$(grep -ac '^XENTIER: PASS ' "$out/serial.txt" || true)
failed=$(grep -ac '^XENTIER: FAIL ' "$out/serial.txt" || true)
skipped=$(grep -ac '^XENTIER: SKIP ' "$out/serial.txt" || true)
if [[ -n $timed_out ]]; then
  echo "XENTIER: FAIL boot did not reach XENTIER: DONE within ${deadline}s (QEMU killed)"
  tail -n 30 "$out/serial.txt" | sed 's/^/  serial: /'
  failed=$((failed + 1))
elif ! grep -aq 'XENTIER: DONE' "$out/serial.txt"; then
  echo "XENTIER: FAIL QEMU exited before XENTIER: DONE: $(tail -n 3 "$out/qemu.out" | tr '\n' ' ')"
  tail -n 30 "$out/serial.txt" | sed 's/^/  serial: /'
  failed=$((failed + 1))
fi
# The host's own check of the HVM result: Xen printed hvmloader's port 0xE9
# lines as (dN) on its console, which is this serial log.
if grep -aq '^XENTIER: PASS hvm-hvmtool' "$out/serial.txt"; then
  d=$(sed -n 's/^XENTIER: INFO hvm-hvmtool domid \([0-9]*\).*/\1/p' "$out/serial.txt" | head -n 1)
  if [[ -n $d ]] && grep -aq "^(d$d) HVM Loader" "$out/serial.txt" && grep -aq "^(d$d) .*E820 table" "$out/serial.txt"; then
    echo "XENTIER: PASS serial-hvmloader (d$d) HVM Loader and E820 table in the serial log"
    passed=$((passed + 1))
  else
    echo "XENTIER: FAIL serial-hvmloader hvmloader's banner/E820 for domain ${d:-?} missing from the serial log"
    failed=$((failed + 1))
  fi
fi

if ((skipped)); then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
((failed == 0)) || exit 1
((passed > 0)) || exit 77
exit 0
