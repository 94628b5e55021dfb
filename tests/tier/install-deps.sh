#!/usr/bin/env bash
# Installs the Debian 12 packages the QEMU test tiers (tests/xen/tier,
# tests/kvm/tier) need on the host. Xen, the Debian kernel and the Xen tools
# are not installed: the tiers fetch them with apt-get download and unpack
# them into their cache (tests/tier/lib/fetch-debs.sh).
set -euo pipefail

packages=(
  qemu-system-x86   # qemu-system-x86_64 -accel tcg boots the L1 system; the kvm tier
                    # also copies it into L1 for its -accel kvm comparison
  seabios           # QEMU's BIOS, for that comparison
  cpio gzip         # the L1 and guest initramfs
  xz-utils          # unpacking .deb payloads (dpkg-deb)
  busybox-static    # the guest initramfs (scripts/guest/build-initramfs.sh uses the host's)
  libc-bin          # ldd, ldconfig: the libraries copied into L1
  procps            # free
  apt dpkg          # apt-get download, dpkg-deb -x
  python3           # the kvm tier reads ctest --show-only=json-v1
  coreutils bash e2fsprogs fdisk   # copied into the kvm tier's L1 for scripts/make-test-disk.sh
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

# The tiers download Xen, its tools and the kernel with apt-get download,
# which needs the package lists.
if [[ -z $updated ]] && ! apt-cache show xen-hypervisor-4.17-amd64 linux-image-amd64 >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get update -qq
fi
