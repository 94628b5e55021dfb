#!/usr/bin/env bash
# Downloads Debian packages for the QEMU test tiers and unpacks them under
# CACHE/root (apt-get download + dpkg-deb -x: nothing is installed into the
# host). Idempotent: a package already unpacked is not fetched again, so the
# tiers share one cache. The name `linux-image` stands for the kernel package
# linux-image-amd64 depends on (e.g. linux-image-6.1.0-41-amd64); its name is
# left in CACHE/kernel-package.
#
#   fetch-debs.sh CACHE PACKAGE...
#
# Exit 0 when everything is unpacked, 77 (skip) when apt cannot resolve or
# download a package (the message, on stderr, starts with $TIER_PREFIX).
set -euo pipefail

cache=${1:?usage: fetch-debs.sh CACHE PACKAGE...}
shift
prefix=${TIER_PREFIX:-TIER}
mkdir -p "$cache/debs" "$cache/root"
cache=$(cd "$cache" && pwd)

packages=()
for p in "$@"; do
  if [[ $p == linux-image ]]; then
    p=$(apt-cache depends linux-image-amd64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/ && !k {k = $2} END {print k}' || true)
    if [[ -z $p ]]; then
      echo "$prefix: SKIP apt-cache knows no linux-image-amd64 (run apt-get update)" >&2
      exit 77
    fi
    echo "$p" >"$cache/kernel-package"
  fi
  packages+=("$p")
done

for p in "${packages[@]}"; do
  stamp="$cache/root/.unpacked-$p"
  [[ -e $stamp ]] && continue
  (cd "$cache/debs" && rm -f "${p}"_*.deb &&
    apt-get download -q "$p" >/dev/null 2>"$cache/debs/$p.err") || {
    echo "$prefix: SKIP cannot download Debian package $p: $(tail -n 1 "$cache/debs/$p.err")" >&2
    exit 77
  }
  dpkg-deb -x "$cache/debs/${p}"_*.deb "$cache/root"
  touch "$stamp"
done
