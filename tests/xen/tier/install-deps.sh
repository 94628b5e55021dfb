#!/usr/bin/env bash
# Installs the Debian 12 packages the real-Xen tier needs on the host. Xen,
# the dom0 kernel and the Xen tools are not installed: run-tier.sh fetches
# them with apt-get download and unpacks them into its cache.
set -euo pipefail

packages=(
  qemu-system-x86   # qemu-system-x86_64 -accel tcg boots Xen and dom0
  cpio gzip         # the dom0 and guest initramfs
  xz-utils          # unpacking .deb payloads (dpkg-deb)
  busybox-static    # the guest initramfs (scripts/guest/build-initramfs.sh uses the host's)
  libc-bin          # ldd, ldconfig: the libraries copied into dom0
  procps            # free
  apt dpkg          # apt-get download, dpkg-deb -x
)

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
updated=
if ((${#missing[@]})); then
  "${sudo_cmd[@]}" apt-get update -qq
  updated=1
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# run-tier.sh downloads Xen, its tools and the kernel with apt-get download,
# which needs the package lists.
if [[ -z $updated ]] && ! apt-cache show xen-hypervisor-4.17-amd64 linux-image-amd64 >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get update -qq
fi
