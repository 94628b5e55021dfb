#!/usr/bin/env bash
# Builds the tier's dom0 initramfs: busybox, the Xen modules, xl, xenstored,
# xenconsoled, xen-init-dom0, xenstore-*, hvmtool with its plugins and
# hvmloader, every shared library ldd lists for them (and libgcc_s.so.1, which
# glibc loads at run time), the guest kernel and initramfs, and the tests.
#
#   build-dom0-initramfs.sh BUILD_DIR DEB_ROOT KERNEL_VERSION GUEST_KERNEL GUEST_INITRD OUT.cpio.gz
set -euo pipefail

build=$1 root=$2 kver=$3 guest_kernel=$4 guest_initrd=$5 out=$6
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
libdir="$dir/lib/x86_64-linux-gnu"
mkdir -p "$dir"/{bin,usr/bin,usr/lib/xen-4.17/bin,lib64,opt/hvmtool/{bin,plugins,firmware,guests},opt/xentier/guest,etc/xen} "$libdir"

install -m 755 "$root/bin/busybox" "$dir/bin/busybox"
# dom0_mem is fixed on Xen's command line: no ballooning.
echo 'autoballoon="off"' >"$dir/etc/xen/xl.conf"
install -m 755 "$here/dom0-init.sh" "$dir/init"
install -m 755 "$here/dom0-tests.sh" "$dir/opt/xentier/dom0-tests.sh"

# Xen modules (no modules.dep in the package: they have no dependencies
# among themselves and are loaded one by one with insmod).
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc; do
  ko=$(find "$root/lib/modules/$kver" -name "$m.ko" | head -n 1)
  [[ -n $ko ]] || { echo "error: $m.ko not in $root/lib/modules/$kver" >&2; exit 1; }
  mkdir -p "$dir/lib/modules/$kver"
  cp "$ko" "$dir/lib/modules/$kver/"
done

bins=()
for b in xl xenstored xenconsoled xen-init-dom0 xenconsole libxl-save-helper; do
  install -m 755 "$root/usr/lib/xen-4.17/bin/$b" "$dir/usr/lib/xen-4.17/bin/$b"
  bins+=("$root/usr/lib/xen-4.17/bin/$b")
done
for b in "$root"/usr/bin/xenstore*; do
  [[ -L $b ]] && continue # xen-utils wrappers
  install -m 755 "$b" "$dir/usr/bin/"
  bins+=("$b")
done

# hvmtool, its plugins and firmware from the build tree.
hvmtool_present=
if [[ -x $build/hvmtool ]]; then
  hvmtool_present=1
  install -m 755 "$build/hvmtool" "$dir/opt/hvmtool/bin/hvmtool"
  bins+=("$build/hvmtool")
  for so in "$build"/plugins/hvmtool-*.so; do
    [[ -e $so ]] || continue
    install -m 644 "$so" "$dir/opt/hvmtool/plugins/"
    bins+=("$so")
  done
  [[ -f $build/hvmloader/hvmloader ]] && install -m 644 "$build/hvmloader/hvmloader" "$dir/opt/hvmtool/firmware/"
  [[ -f $build/tests/guests/testkernel.bzImage ]] &&
    install -m 644 "$build/tests/guests/testkernel.bzImage" "$dir/opt/hvmtool/guests/"
  # Where the firmware plugin looks for `bios: ovmf` (package ovmf).
  for fw in /usr/share/ovmf/OVMF.fd; do
    [[ -f $fw ]] || continue
    mkdir -p "$dir$(dirname "$fw")"
    install -m 644 "$fw" "$dir$fw"
  done
fi
[[ -n $hvmtool_present ]] || echo "note: $build/hvmtool not built: dom0 has xl only" >&2

# Libraries: the unpacked Debian packages' first, then the host's.
export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
declare -A seen=()
missing=()
for b in "${bins[@]}"; do
  while read -r name arrow path _; do
    if [[ $arrow == "=>" && $path == "not" ]]; then
      missing+=("$(basename "$b"): $name")
    elif [[ $arrow == "=>" && $path == /* ]]; then
      seen[$path]=1
    elif [[ $name == /* ]]; then
      seen[$name]=1 # the dynamic loader
    fi
  done < <(ldd "$b" 2>/dev/null || true)
done
if ((${#missing[@]})); then
  printf 'error: library not found: %s\n' "${missing[@]}" >&2
  exit 1
fi
gcc_s=$(ldconfig -p 2>/dev/null | awk '/libgcc_s.so.1 .*x86-64/ && !p {p = $NF} END {print p}')
seen[${gcc_s:-/lib/x86_64-linux-gnu/libgcc_s.so.1}]=1
for lib in "${!seen[@]}"; do
  if [[ $lib == */ld-linux-x86-64.so.2 ]]; then
    cp -L "$lib" "$dir/lib64/ld-linux-x86-64.so.2"
  else
    cp -L "$lib" "$libdir/"
  fi
done

# The guest: Debian's kernel (bzImage or its vmlinux) and the marker initramfs.
cp "$guest_kernel" "$dir/opt/xentier/guest/kernel"
cp "$guest_initrd" "$dir/opt/xentier/guest/initrd.cpio.gz"

(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out"
