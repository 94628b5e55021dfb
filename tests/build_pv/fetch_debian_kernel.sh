#!/usr/bin/env bash
# CTest fixture for the Linux smoke test: fetch Debian's kernel and build the
# test initramfs into CACHE (scripts/guest/*). Without apt or the network it
# reports SKIP (exit 77); the smoke test then finds no kernel and skips too.
# Usage: fetch_debian_kernel.sh SOURCE_DIR CACHE
set -uo pipefail
src=$1 cache=$2
if ! "$src/scripts/guest/fetch-debian-kernel.sh" "$cache"; then
  echo "SKIP: could not fetch Debian's kernel into $cache (apt or network unavailable); the Linux smoke test will skip"
  exit 77
fi
if [[ ! -s $cache/initramfs.cpio.gz || $src/scripts/guest/build-initramfs.sh -nt $cache/initramfs.cpio.gz ]]; then
  if ! "$src/scripts/guest/build-initramfs.sh" "$cache/initramfs.cpio.gz"; then
    echo "SKIP: could not build the busybox initramfs (busybox-static unavailable); the boot-to-init part will skip"
    exit 77
  fi
fi
ls -l "$cache"
