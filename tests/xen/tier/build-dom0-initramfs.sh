#!/usr/bin/env bash
# Builds the tier's dom0 initramfs: busybox, the Xen modules, xl, xenstored,
# xenconsoled, xen-init-dom0, xenstore-*, hvmtool with its plugins and
# hvmloader, their libraries (tests/tier/lib/initramfs.sh), the guest kernel
# and initramfs, and the tests.
#
#   build-dom0-initramfs.sh BUILD_DIR DEB_ROOT KERNEL_VERSION GUEST_KERNEL GUEST_INITRD OUT.cpio.gz
set -euo pipefail

build=$1 root=$2 kver=$3 guest_kernel=$4 guest_initrd=$5 out=$6
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../tier/lib/initramfs.sh
source "$here/../../tier/lib/initramfs.sh"
tier_initramfs_begin
dir=$TIER_ROOT
mkdir -p "$dir"/{usr/lib/xen-4.17/bin,opt/hvmtool/{bin,plugins,firmware,guests},opt/xentier/guest,etc/xen}

install -m 755 "$root/bin/busybox" "$dir/bin/busybox"
# dom0_mem is fixed on Xen's command line: no ballooning.
echo 'autoballoon="off"' >"$dir/etc/xen/xl.conf"
install -m 755 "$here/dom0-init.sh" "$dir/init"
install -m 755 "$here/dom0-tests.sh" "$dir/opt/xentier/dom0-tests.sh"

# Xen modules (no modules.dep in the package: they have no dependencies
# among themselves and are loaded one by one with insmod).
tier_install_modules "$root" "$kver" xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc

for b in xl xenstored xenconsoled xen-init-dom0 xenconsole libxl-save-helper xenctx; do
  tier_install "$root/usr/lib/xen-4.17/bin/$b" "/usr/lib/xen-4.17/bin/$b" 755
done
for b in "$root"/usr/bin/xenstore*; do
  [[ -L $b ]] && continue # xen-utils wrappers
  tier_install "$b" "/usr/bin/$(basename "$b")" 755
done

# hvmtool, its plugins and firmware from the build tree.
if [[ -x $build/hvmtool ]]; then
  tier_install_hvmtool "$build" /opt/hvmtool/bin /opt/hvmtool/plugins
  [[ -f $build/hvmloader/hvmloader ]] && tier_install "$build/hvmloader/hvmloader" /opt/hvmtool/firmware/hvmloader 644
  [[ -f $build/tests/guests/testkernel.bzImage ]] &&
    tier_install "$build/tests/guests/testkernel.bzImage" /opt/hvmtool/guests/testkernel.bzImage 644
  # Where the firmware plugin looks for `bios: ovmf` (package ovmf).
  for fw in /usr/share/ovmf/OVMF.fd; do
    [[ -f $fw ]] && tier_install "$fw" "$fw" 644
  done
else
  echo "note: $build/hvmtool not built: dom0 has xl only" >&2
fi

# Libraries: the unpacked Debian packages' first, then the host's.
TIER_LIB_PATH="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu"
tier_install_libs

# The guest: Debian's kernel (bzImage or its vmlinux) and the marker initramfs.
cp "$guest_kernel" "$dir/opt/xentier/guest/kernel"
cp "$guest_initrd" "$dir/opt/xentier/guest/initrd.cpio.gz"
# Its symbols, for xenctx's view of a guest that does not end by itself.
[[ -f $root/boot/System.map-$kver ]] && cp "$root/boot/System.map-$kver" "$dir/opt/xentier/guest/System.map"
# The bzImage too, for the HVM guest hvmloader boots (Linux's boot protocol).
[[ -f $root/boot/vmlinuz-$kver ]] && cp "$root/boot/vmlinuz-$kver" "$dir/opt/xentier/guest/bzImage"

tier_initramfs_pack "$out"
