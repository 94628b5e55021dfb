#!/usr/bin/env bash
# Downloads the Debian packages the real-Xen tier boots from and unpacks them
# under CACHE/root (apt-get download + dpkg-deb -x: nothing is installed into
# the host). Idempotent: a package already unpacked is not fetched again.
#
#   fetch-debs.sh CACHE
#
# Exit 0 when everything is unpacked, 77 (skip) when apt-get cannot download.
set -euo pipefail

cache=${1:?usage: fetch-debs.sh CACHE}
mkdir -p "$cache/debs" "$cache/root"
cache=$(cd "$cache" && pwd)

# The dom0 (and guest) kernel: the package linux-image-amd64 depends on.
kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
  awk '/Depends: linux-image-[0-9]/ && !k {k = $2} END {print k}' || true)
if [[ -z $kernel_pkg ]]; then
  echo "XENTIER: SKIP apt-cache knows no linux-image-amd64 (run apt-get update)" >&2
  exit 77
fi

packages=(
  xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils
  libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1
  libxengnttab1 libxenhypfs1 libxenmisc4.17 libxenstore4 libxentoolcore1
  libxentoollog1 libyajl2
  busybox-static
  "$kernel_pkg"
)

for p in "${packages[@]}"; do
  stamp="$cache/root/.unpacked-$p"
  [[ -e $stamp ]] && continue
  (cd "$cache/debs" && rm -f "${p}"_*.deb &&
    apt-get download -q "$p" >/dev/null 2>"$cache/debs/$p.err") || {
    echo "XENTIER: SKIP cannot download Debian package $p: $(tail -n 1 "$cache/debs/$p.err")" >&2
    exit 77
  }
  dpkg-deb -x "$cache/debs/${p}"_*.deb "$cache/root"
  touch "$stamp"
done
echo "$kernel_pkg" >"$cache/kernel-package"
