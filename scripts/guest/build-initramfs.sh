#!/usr/bin/env bash
# Builds a tiny initramfs (gzip'ed newc cpio) around Debian's busybox-static.
# Its /init prints the marker line
#     HVMTOOL-INIT-MARKER
# on the console, then ends the guest as the kernel command line asks:
#     hvmtool.action=poweroff   (default) ACPI PM1a_CNT SLP_EN: port 0x605 <- 0x20
#     hvmtool.action=reboot     port 0xCF9 <- 0x06, then reboot -f
#     hvmtool.action=crash      pvpanic: port 0x505 <- 0x01, then a sysrq crash
# (the ports are the kvm platform's guest ABI, platforms/kvm/README.md; they
# are written through /dev/port, so no ACPI is needed in the guest).
#
# Usage: scripts/guest/build-initramfs.sh [DEST]
#   DEST defaults to guests/cache/initramfs.cpio.gz in the repository.
# Installs busybox-static with apt-get when it is missing (needs root).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$repo/guests/cache/initramfs.cpio.gz}
die() { echo "build-initramfs: $*" >&2; exit 1; }

if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
  [[ $(id -u) == 0 ]] || die "busybox-static is not installed (apt-get install busybox-static, as root)"
  echo "build-initramfs: installing busybox-static" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >&2 ||
    { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >&2; } ||
    die "apt-get install busybox-static failed"
fi
busybox=$(dpkg -L busybox-static | grep -E '/s?bin/busybox$' | head -n 1)
[[ -n $busybox && -x $busybox ]] || die "busybox-static installed but its busybox binary not found"
for tool in cpio gzip; do command -v "$tool" >/dev/null || die "'$tool' not found"; done

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{bin,dev,proc,sys}
cp "$busybox" "$tree/bin/busybox"
for applet in sh mount echo cat printf dd sleep poweroff reboot sync; do
  ln -s busybox "$tree/bin/$applet"
done
# The kernel opens /dev/console for init before anything is mounted; a node
# needs root to create. Without it, /init reopens the console from devtmpfs.
if [[ $(id -u) == 0 ]]; then mknod -m 600 "$tree/dev/console" c 5 1; fi

cat >"$tree/init" <<'INIT'
#!/bin/sh
# hvmtool test initramfs (scripts/guest/build-initramfs.sh)
export PATH=/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys 2>/dev/null
exec </dev/console >/dev/console 2>&1
echo "HVMTOOL-INIT-MARKER"
action=poweroff
for word in $(cat /proc/cmdline); do
  case "$word" in
    hvmtool.action=*) action=${word#hvmtool.action=} ;;
  esac
done
echo "hvmtool-init: action=$action"
sync
# /dev/port offsets are port numbers; each byte is one outb.
case "$action" in
  reboot)
    printf '\006' | dd of=/dev/port bs=1 seek=3321 2>/dev/null   # 0xCF9: RST_CPU|SYS_RST
    reboot -f ;;
  crash)
    printf '\001' | dd of=/dev/port bs=1 seek=1285 2>/dev/null   # 0x505: pvpanic PANICKED
    echo c >/proc/sysrq-trigger ;;
  *)
    printf '\040' | dd of=/dev/port bs=1 seek=1541 2>/dev/null   # 0x605: PM1a_CNT high byte, SLP_EN
    poweroff -f ;;
esac
sleep 5
echo "hvmtool-init: still running after action=$action"
poweroff -f
INIT
chmod 755 "$tree/init"

mkdir -p "$(dirname "$dest")"
(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$dest.tmp"
mv "$dest.tmp" "$dest"
echo "build-initramfs: $dest ($(stat -c %s "$dest") bytes, busybox from $(dpkg-query -W -f='${Package} ${Version}' busybox-static))"
