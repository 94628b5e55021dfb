#!/usr/bin/env bash
# The README's main command: install dependencies, build, and boot a real
# HVM domain on /dev/kvm: hvmtool's make/build stages create it, the project's
# hvmloader firmware runs in it and boots the project's test kernel, which
# reports what it was given and powers off.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
build_dir=$(bash scripts/build.sh | tail -n 1)

if [[ ! -c /dev/kvm ]]; then
  echo "demo: /dev/kvm is not present: hvmtool's kvm platform needs a KVM host" >&2
  exit 1
fi

pipeline=config/hvm-hvmloader.yaml
[[ -f $pipeline ]] || pipeline=config/kvm-hello.yaml
echo "demo: $build_dir/hvmtool run -F -c --timings $pipeline" >&2
exec "$build_dir/hvmtool" run -F -c --timings "$pipeline"
