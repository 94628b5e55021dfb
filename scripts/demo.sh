#!/usr/bin/env bash
# The README's main command: install dependencies, build, and boot a real
# HVM domain: hvmtool's make/build stages create it, the project's hvmloader
# firmware runs in it and boots the project's test kernel, which reports what
# it was given and powers off. The pipeline's `platform: auto` takes kvm
# where /dev/kvm is usable, a Xen dom0's hypervisor, else the emu platform
# (a software CPU), and says on stderr which one it fell back to.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
build_dir=$(bash scripts/build.sh | tail -n 1)

pipeline=config/hvm-hvmloader.yaml
echo "demo: $build_dir/hvmtool run -F -c --timings $pipeline" >&2
exec "$build_dir/hvmtool" run -F -c --timings "$pipeline"
