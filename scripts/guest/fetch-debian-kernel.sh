#!/usr/bin/env bash
# Fetches Debian's current amd64 kernel without installing it:
#   apt-get download <the package linux-image-amd64 depends on>
#   dpkg-deb -x into DEST/debian-kernel/root (nothing goes to the host's /boot;
#   only its boot/ is kept)
# and leaves in DEST:
#   vmlinuz         the bzImage as shipped
#   vmlinux         the ELF kernel, decompressed from the bzImage's XZ payload
#                   (it has the PVH entry note, XEN_ELFNOTE_PHYS32_ENTRY)
#   kernel-package  the package name and version the two came from
# DEST defaults to guests/cache/ in the repository (git-ignored). A second
# run with the same package does nothing. Exit status: 0 done, 1 failed
# (message on stderr: no network, apt, or an unexpected image).
#
# Usage: scripts/guest/fetch-debian-kernel.sh [DEST]
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$repo/guests/cache}
die() { echo "fetch-debian-kernel: $*" >&2; exit 1; }

for tool in apt-cache apt-get dpkg-deb xz od; do
  command -v "$tool" >/dev/null || die "'$tool' not found (a Debian host is needed)"
done
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
work=$dest/debian-kernel

# The versioned image package behind the metapackage, e.g. linux-image-6.1.0-56-amd64.
resolve() { apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 ~ /^\|?Depends:$/ && $2 ~ /^linux-image-/ { print $2; exit }'; }
pkg=$(resolve)
if [[ -z $pkg ]] && [[ $(id -u) == 0 ]]; then
  echo "fetch-debian-kernel: linux-image-amd64 unknown to apt; running apt-get update" >&2
  apt-get update -qq >&2 || die "apt-get update failed (no network?)"
  pkg=$(resolve)
fi
[[ -n $pkg ]] || die "cannot resolve linux-image-amd64 with apt-cache depends (run apt-get update?)"
version=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2; exit }')
stamp="$pkg $version"

if [[ -s $dest/vmlinux && -s $dest/vmlinuz && -f $dest/kernel-package ]] &&
   [[ $(cat "$dest/kernel-package") == "$stamp" ]]; then
  echo "fetch-debian-kernel: $stamp already in $dest"
  exit 0
fi

rm -rf "$work"
mkdir -p "$work"
echo "fetch-debian-kernel: downloading $stamp"
if ! (cd "$work" && apt-get download -q "$pkg" >&2); then
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq >&2 || die "apt-get update failed (no network?)"
    (cd "$work" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
  else
    die "apt-get download $pkg failed (no network, or run apt-get update)"
  fi
fi
deb=$(ls "$work"/*.deb 2>/dev/null | head -n 1)
[[ -n $deb ]] || die "apt-get download left no .deb in $work"
dpkg-deb -x "$deb" "$work/root"
rm -f "$deb"
vmlinuz=$(ls "$work"/root/boot/vmlinuz-* 2>/dev/null | head -n 1)
[[ -n $vmlinuz ]] || die "$deb has no boot/vmlinuz-*"

# vmlinux: the bzImage's payload is an XZ stream starting at some offset
# (scripts/extract-vmlinux tries each place the magic appears). Look for
# FD 37 7A 58 5A 00 in the file and decompress from each hit until one gives
# an ELF file.
tmp=$work/vmlinux.tmp
found=
while read -r off; do
  [[ -n $off ]] || continue
  if tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$tmp" 2>/dev/null ||
     [[ -s $tmp ]]; then
    if [[ $(head -c 4 "$tmp" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; then
      found=$off
      break
    fi
  fi
done < <(od -An -v -tx1 -w1 "$vmlinuz" | awk '
  { b[NR % 6] = $1; if (NR >= 6) {
      s = b[(NR - 5) % 6] b[(NR - 4) % 6] b[(NR - 3) % 6] b[(NR - 2) % 6] b[(NR - 1) % 6] b[NR % 6]
      if (s == "fd377a585a00") print NR - 6 } }')
[[ -n $found ]] || die "no XZ-compressed ELF payload found in $vmlinuz"
if command -v readelf >/dev/null && ! readelf -nW "$tmp" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
  echo "fetch-debian-kernel: warning: $tmp has no Xen note type 0x12 (PVH entry)" >&2
fi

cp "$vmlinuz" "$dest/vmlinuz"
mv "$tmp" "$dest/vmlinux"
# The modules are not needed (the test initramfs has none): keep boot/ only.
rm -rf "$work/root/lib" "$work/root/usr"
echo "$stamp" >"$dest/kernel-package"
echo "fetch-debian-kernel: $dest/vmlinuz and $dest/vmlinux (XZ payload at offset $found) from $stamp"
