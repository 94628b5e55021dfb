# Builds the L1 initramfs of a QEMU test tier (sourced by the tiers' scripts,
# bash). Files go into a scratch tree; every ELF file installed is
# remembered, and tier_install_libs copies each shared library `ldd` lists
# for them (plus libgcc_s.so.1, which glibc loads at run time for
# pthread_cancel and unwinding, so ldd does not list it).
#
#   tier_initramfs_begin                    # scratch tree in $TIER_ROOT, removed at exit,
#                                           # with /lib/tier/l1-base.sh for /init to source
#   tier_install SRC DEST [MODE]            # one file, DEST absolute inside the tree
#   tier_install_hvmtool BUILD BIN_DIR PLUGIN_DIR   # hvmtool and build/plugins/hvmtool-*.so
#   tier_install_modules MODROOT KVER MODULE...     # kernel modules, flat in /lib/modules/KVER
#   tier_install_libs                       # the libraries of every ELF file installed
#   tier_initramfs_pack OUT.cpio.gz
#
# TIER_LIB_PATH (colon-separated) is searched before the host's libraries,
# e.g. the lib folders of unpacked Debian packages.

TIER_ROOT=
TIER_ELF=()

tier_initramfs_begin() {
  TIER_ROOT=$(mktemp -d)
  TIER_ELF=()
  # shellcheck disable=SC2064 # the folder is fixed now
  trap "rm -rf '$TIER_ROOT'" EXIT
  mkdir -p "$TIER_ROOT"/{bin,sbin,usr/bin,usr/sbin,lib64,lib/x86_64-linux-gnu,lib/tier,proc,sys,dev,tmp,run}
  install -m 644 "$(dirname "${BASH_SOURCE[0]}")/l1-base.sh" "$TIER_ROOT/lib/tier/l1-base.sh"
}

tier_is_elf() { [[ $(head -c 4 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; }

tier_install() { # SRC DEST [MODE]
  local src=$1 dest=$2 mode=${3:-}
  [[ -n $mode ]] || { [[ -x $src ]] && mode=755 || mode=644; }
  mkdir -p "$TIER_ROOT$(dirname "$dest")"
  install -m "$mode" "$src" "$TIER_ROOT$dest"
  tier_is_elf "$src" && TIER_ELF+=("$src")
  return 0
}

tier_install_hvmtool() { # BUILD BIN_DIR PLUGIN_DIR
  local build=$1 bin_dir=$2 plugin_dir=$3 so
  tier_install "$build/hvmtool" "$bin_dir/hvmtool" 755
  for so in "$build"/plugins/hvmtool-*.so; do
    [[ -e $so ]] && tier_install "$so" "$plugin_dir/$(basename "$so")" 644
  done
  return 0
}

tier_install_modules() { # MODROOT KVER MODULE...: MODROOT holds lib/modules/KVER
  local modroot=$1 kver=$2 m ko
  shift 2
  for m in "$@"; do
    ko=$(find "$modroot/lib/modules/$kver" -name "$m.ko" | head -n 1)
    [[ -n $ko ]] || { echo "error: $m.ko not in $modroot/lib/modules/$kver" >&2; return 1; }
    mkdir -p "$TIER_ROOT/lib/modules/$kver"
    cp "$ko" "$TIER_ROOT/lib/modules/$kver/"
  done
}

tier_install_libs() {
  local -A seen=()
  local missing=() b name arrow path _ lib gcc_s
  local LD_LIBRARY_PATH="${TIER_LIB_PATH:-}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
  for b in "${TIER_ELF[@]}"; do
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
    return 1
  fi
  gcc_s=$(ldconfig -p 2>/dev/null | awk '/libgcc_s.so.1 .*x86-64/ && !p {p = $NF} END {print p}')
  seen[${gcc_s:-/lib/x86_64-linux-gnu/libgcc_s.so.1}]=1
  for lib in "${!seen[@]}"; do
    if [[ $lib == */ld-linux-x86-64.so.2 ]]; then
      cp -L "$lib" "$TIER_ROOT/lib64/ld-linux-x86-64.so.2"
    else
      cp -L "$lib" "$TIER_ROOT/lib/x86_64-linux-gnu/"
    fi
  done
}

tier_initramfs_pack() { # OUT.cpio.gz
  (cd "$TIER_ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$1"
}
