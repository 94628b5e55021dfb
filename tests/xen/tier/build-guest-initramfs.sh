#!/usr/bin/env bash
# Builds the guest's initramfs: a static busybox and an /init that prints
# HVMTOOL-INIT-MARKER on the console and powers the guest off.
#
#   build-guest-initramfs.sh BUSYBOX OUT.cpio.gz
#
# If scripts/guest/build-initramfs.sh exists (the project's shared guest
# builder), it is used instead (with OUT as its one argument) as long as its
# output carries the marker.
set -euo pipefail

busybox=${1:?usage: build-guest-initramfs.sh BUSYBOX OUT.cpio.gz}
out=${2:?usage: build-guest-initramfs.sh BUSYBOX OUT.cpio.gz}
here=$(cd "$(dirname "$0")" && pwd)
shared="$here/../../../scripts/guest/build-initramfs.sh"

if [[ -x $shared || -f $shared ]]; then
  if bash "$shared" "$out" >/dev/null 2>&1 && [[ -s $out ]] &&
    { zcat -f "$out" 2>/dev/null || cat "$out"; } | grep -aq HVMTOOL-INIT-MARKER; then
    exit 0
  fi
  echo "note: $shared did not produce a usable initramfs; building the tier's own" >&2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,dev,proc,sys}
cp "$busybox" "$dir/bin/busybox"
cat >"$dir/init" <<'INIT'
#!/bin/busybox sh
# Guest /init: say we got here, then power off (SCHEDOP_shutdown on Xen PV).
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
for c in /dev/hvc0 /dev/console; do
  [ -c "$c" ] && { echo "HVMTOOL-INIT-MARKER $(/bin/busybox uname -r)" >"$c"; break; }
done
/bin/busybox sync
/bin/busybox poweroff -f
INIT
chmod 755 "$dir/init" "$dir/bin/busybox"
(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$out"
