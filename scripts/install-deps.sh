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
  time python3                       # the bench (bench/run_all.py, scale.py): GNU time's peak RSS
)

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
if ((${#missing[@]})); then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Optional: valgrind gives the bench its instruction counts (bench/scale.py,
# bench/run_all.py); without it they print wall time only.
if ! installed valgrind; then
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends valgrind ||
    echo "install-deps: valgrind not installed: the bench will skip instruction counts" >&2
fi

# Extra host packages of the QEMU test tiers (QEMU and friends), if present.
tier_deps="$(dirname "$0")/../tests/tier/install-deps.sh"
[[ -f $tier_deps ]] && bash "$tier_deps"
exit 0
