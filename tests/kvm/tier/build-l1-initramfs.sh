#!/usr/bin/env bash
# Builds the kvm tier's L1 initramfs: busybox, the KVM modules, the parts of
# the build and source trees the tests use, at their absolute paths (the
# tests' compiled-in paths stay valid), GNU coreutils, bash, mke2fs, sfdisk,
# qemu-system-x86_64 with its BIOS files, and the libraries of all of them
# (tests/tier/lib/initramfs.sh).
#
#   build-l1-initramfs.sh BUILD SOURCE GUEST_CACHE DEB_ROOT KVER SUITES FAILED_FIXTURES OUT.cpio.gz
#
# SUITES is the suite list ctest-suites.py wrote; every command in it is
# copied. FAILED_FIXTURES lists the fixtures that failed on the host. The
# build tree's programs and libraries lose their debug sections on the way
# (objcopy --strip-debug) unless KVMTIER_KEEP_DEBUG=1.
set -euo pipefail

build=$1 source=$2 guest_cache=$3 root=$4 kver=$5 suites=$6 failed_fixtures=$7 out=$8
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../tier/lib/initramfs.sh
source "$here/../../tier/lib/initramfs.sh"
tier_initramfs_begin
[[ -n ${KVMTIER_KEEP_DEBUG:-} ]] || TIER_STRIP_DEBUG_UNDER=$(cd "$build" && pwd -P)

tier_install "$root/bin/busybox" /bin/busybox 755
tier_install "$here/l1-init.sh" /init 755
tier_install "$here/l1-tests.sh" /opt/kvmtier/l1-tests.sh 755
tier_install "$suites" /opt/kvmtier/suites.sh 644
tier_install "$failed_fixtures" /opt/kvmtier/failed-fixtures 644
cat >"$TIER_ROOT/opt/kvmtier/env" <<ENV
KVMTIER_BUILD=$build
KVMTIER_SOURCE=$source
KVMTIER_GUEST_CACHE=$guest_cache
KVMTIER_FAILED_FIXTURES=/opt/kvmtier/failed-fixtures
ENV
tier_install_modules "$root" "$kver" irqbypass kvm ccp kvm-amd

# The build tree: hvmtool, its plugins, the firmware and test guests, every
# test plugin, and the suites' executables (each absolute word of a suite's
# command inside the build tree); no other test executables.
tier_install_hvmtool "$build" "$build" "$build/plugins"
while IFS= read -r -d '' f; do
  # A program with an interpreter is a test executable; guests and
  # firmware are static ELF files.
  tier_is_elf "$f" && readelf -l "$f" 2>/dev/null | grep -q 'program interpreter' && continue
  tier_install "$f" "$f"
done < <(find "$build/hvmloader" "$build/tests" -type f -print0 2>/dev/null |
  grep -zv '/CMakeFiles/\|\.o$\|\.d$\|\.a$\|\.cmake$\|/Makefile$\|\.txt$\|/tests/install/' || true)
while read -r exe; do
  tier_install "$exe" "$exe" 755
done < <(bash -c 'suite() { while [[ $1 != -- ]]; do shift; done; shift; for w in "$@"; do [[ $w == /* && -x $w ]] && echo "$w"; done; }
  missing() { :; }; . "$1"' _ "$suites" | grep "^$build/" | sort -u)

# The source tree: the shipped pipelines and the scripts the tests run.
for d in config scripts; do
  while IFS= read -r -d '' f; do
    tier_install "$f" "$f"
  done < <(find "$source/$d" -type f -print0)
done
# Debian's kernel and the marker initramfs (scripts/guest/); config/*.yaml
# reach them as ../guests/cache and the build tree as ../build.
for f in vmlinuz vmlinux initramfs.cpio.gz kernel-package; do
  [[ -f $guest_cache/$f ]] && tier_install "$guest_cache/$f" "$guest_cache/$f" 644
done
if [[ $guest_cache != "$source/guests/cache" && ! -e $TIER_ROOT$source/guests/cache ]]; then
  mkdir -p "$TIER_ROOT$source/guests"
  ln -s "$guest_cache" "$TIER_ROOT$source/guests/cache"
fi
[[ $build == "$source/build" || -e $TIER_ROOT$source/build ]] || ln -s "$build" "$TIER_ROOT$source/build"

# Host tools: GNU coreutils and bash (make-test-disk.sh), mke2fs and sfdisk
# (test disks), QEMU for the -accel kvm comparison, and the firmware files
# the firmware plugin and QEMU's pc machine load.
for f in $(dpkg -L coreutils | grep -E '/s?bin/[^/]+$'); do
  [[ -f $f && ! -L $f ]] && tier_install "$f" "/usr/bin/$(basename "$f")" 755
done
bash_bin=$(command -v bash)
tier_install "$bash_bin" /usr/bin/bash 755
for t in mke2fs debugfs sfdisk; do
  p=$(PATH=$PATH:/usr/sbin:/sbin command -v "$t") || { echo "error: $t not found (apt-get install e2fsprogs fdisk)" >&2; exit 1; }
  tier_install "$p" "/usr/sbin/$t" 755
done
for t in mkfs.ext4 mkfs.ext2 mkfs.ext3; do ln -s mke2fs "$TIER_ROOT/usr/sbin/$t"; done
[[ -f /etc/mke2fs.conf ]] && tier_install /etc/mke2fs.conf /etc/mke2fs.conf 644
if qemu=$(command -v qemu-system-x86_64); then
  tier_install "$qemu" /usr/bin/qemu-system-x86_64 755
  for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin; do
    [[ -e $f ]] && tier_install "$(readlink -f "$f")" "$f" 644
  done
fi
for f in /usr/share/seabios/bios.bin /usr/share/ovmf/OVMF.fd; do
  [[ -e $f ]] && tier_install "$(readlink -f "$f")" "$f" 644
done

tier_install_libs
tier_initramfs_pack "$out"
