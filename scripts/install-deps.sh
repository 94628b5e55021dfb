#!/usr/bin/env bash
# Installs the Debian 12 packages hvmtool builds, tests and runs with.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-program-options-dev libboost-test-dev libboost-filesystem-dev
  libyaml-cpp-dev libxen-dev libext2fs-dev
  libunicorn-dev                     # the emu platform's software CPU
  gcc-multilib                       # hvmloader and the test guests are 32-bit
  seabios ovmf                       # firmware images the firmware plugin offers
  e2fsprogs fdisk cpio xz-utils      # guest disk and initramfs builders
  clang-format
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Extra host packages of the QEMU test tiers (QEMU and friends), if present.
tier_deps="$(dirname "$0")/../tests/tier/install-deps.sh"
[[ -f $tier_deps ]] && bash "$tier_deps"
exit 0
