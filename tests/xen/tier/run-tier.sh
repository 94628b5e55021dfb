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
# Environment: HVMTOOL_TIER_CACHE or HVMTOOL_XEN_CACHE (downloads and
# unpacked packages, shared with the kvm tier, default BUILD_DIR/tier-cache), HVMTOOL_XEN_TIMEOUT (seconds for the whole
# boot, default 1200), HVMTOOL_XEN_MEM (QEMU RAM in MiB, default 1792),
# HVMTOOL_XEN_SMP (QEMU CPUs, default 1), HVMTOOL_XEN_STALL (seconds without
# serial output after which the machine counts as stopped and is booted once
# more, default 120), XENTIER_ONLY (test names to run).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run-tier.sh BUILD_DIR}
build=$(cd "$build" && pwd)
cache=${HVMTOOL_TIER_CACHE:-${HVMTOOL_XEN_CACHE:-$build/tier-cache}}
deadline=${HVMTOOL_XEN_TIMEOUT:-1200}
mem=${HVMTOOL_XEN_MEM:-1792}
smp=${HVMTOOL_XEN_SMP:-1}
out="$build/xen-tier"
mkdir -p "$cache" "$out"

TIER_PREFIX=XENTIER
# shellcheck source=../../tier/lib/qemu.sh
source "$here/../../tier/lib/qemu.sh"
trap 'echo "XENTIER: FAIL run-tier.sh: command failed at line $LINENO"; echo "0 passed, 1 failed"; exit 1' ERR

# --- prerequisites ------------------------------------------------------------
tier_require_tools qemu-system-x86_64 cpio gzip apt-get apt-cache dpkg-deb ldd
tier_require_memory $((mem + 768))

tier_fetch_debs "$cache" \
  xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils \
  libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1 \
  libxengnttab1 libxenhypfs1 libxenmisc4.17 libxenstore4 libxentoolcore1 \
  libxentoollog1 libyajl2 busybox-static linux-image
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
xen_cmdline="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all noreboot"
dom0_cmdline="console=hvc0 earlyprintk=xen rdinit=/init ${XENTIER_ONLY:+xentier_only=${XENTIER_ONLY// /+}}${XENTIER_SHOW_CONSOLE:+ xentier_show_console=1}"
# boot_xen [EXTRA]: one boot of Xen and dom0, EXTRA added to dom0's command line.
boot_xen() {
  qemu=(qemu-system-x86_64 -accel tcg,tb-size=256 -cpu qemu64,+svm,+npt -m "$mem" -smp "$smp"
    -display none -vga none -monitor none -serial "file:$serial" -no-reboot
    -kernel "$xen" -append "$xen_cmdline"
    -initrd "$root/boot/vmlinuz-$kver $dom0_cmdline${1:+ $1},$out/dom0-initrd.cpio.gz")
  echo "boot: ${qemu[*]}"
  TIER_STALL=${HVMTOOL_XEN_STALL:-120} tier_boot "$serial" "$deadline" xen_banner='(XEN) Xen version' \
    dom0_linux='Linux version' toolstack='XENTIER: INFO toolstack up' -- "${qemu[@]}"
}
echo "free memory before boot: $(free -m | awk '/^Mem:/ {print $7}') MiB available"
# dom0 prints a heartbeat every 20 s: two minutes without serial output
# means the whole machine stopped. Seen in CI and here as a Linux HVM guest
# started (hvm-linux-hvmtool, right after its upcall vector was set): QEMU
# sat idle, Xen never woke again; the kvm tier's L1 stops the same way (QEMU
# 7.2's emulated SVM running a nested guest). The boot is then repeated
# once, skipping what already reported, and the stop is an INFO line.
boot_xen
serial="$out/serial-second-boot.log" deadline=$((deadline - ${TIER_ELAPSED%.*} + 300))
tier_boot_again_if_stalled xentier_skip boot_xen

# --- results -----------------------------------------------------------------
grep -a 'XENTIER: \|^  [a-z0-9-]\+[.: ]' "$TIER_TEXT" | grep -av 'XENTIER: DONE\|XENTIER: BEAT' || true
grep -a '^(d[0-9]*) .*\(HVM Loader\|E820 table\)' "$TIER_TEXT" | head -n 4 | sed 's/^/serial: /' || true
tier_tally
# The host's own check of the HVM result: Xen printed hvmloader's port 0xE9
# lines as (dN) on its console, which is this serial log.
if grep -aq '^XENTIER: PASS hvm-hvmtool' "$TIER_TEXT"; then
  d=$(sed -n 's/^XENTIER: INFO hvm-hvmtool domid \([0-9]*\).*/\1/p' "$TIER_TEXT" | head -n 1)
  if [[ -n $d ]] && grep -aq "^(d$d) HVM Loader" "$TIER_TEXT" && grep -aq "^(d$d) .*E820 table" "$TIER_TEXT"; then
    echo "XENTIER: PASS serial-hvmloader (d$d) HVM Loader and E820 table in the serial log"
    TIER_PASSED=$((TIER_PASSED + 1))
  else
    echo "XENTIER: FAIL serial-hvmloader hvmloader's banner/E820 for domain ${d:-?} missing from the serial log"
    TIER_FAILED=$((TIER_FAILED + 1))
  fi
fi

tier_finish
