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
# e.g. the lib folders of unpacked Debian packages. ELF files from under
# TIER_STRIP_DEBUG_UNDER (a folder, e.g. a RelWithDebInfo build tree) are
# copied without their debug sections (objcopy --strip-debug: the same code,
# a tenth of the bytes to pack and unpack).

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

# tier_copy SRC DEST_PATH: cp -L, or objcopy --strip-debug for an ELF file
# from under TIER_STRIP_DEBUG_UNDER.
tier_copy() {
  if [[ -n ${TIER_STRIP_DEBUG_UNDER:-} && $1 == "$TIER_STRIP_DEBUG_UNDER"/* ]] && tier_is_elf "$1"; then
    objcopy --strip-debug "$1" "$2"
  else
    cp -L "$1" "$2"
  fi
}

# No fork: thousands of files go through this.
tier_is_elf() {
  local magic=
  LC_ALL=C IFS= read -r -d '' -n 4 magic <"$1" 2>/dev/null || true
  [[ $magic == $'\x7fELF' ]]
}

tier_install() { # SRC DEST [MODE]
  local src=$1 dest=$2 mode=${3:-} elf=
  [[ -n $mode ]] || { [[ -x $src ]] && mode=755 || mode=644; }
  tier_is_elf "$src" && elf=1 && TIER_ELF+=("$src")
  if [[ -n $elf && -n ${TIER_STRIP_DEBUG_UNDER:-} && $src == "$TIER_STRIP_DEBUG_UNDER"/* ]]; then
    mkdir -p "$TIER_ROOT$(dirname "$dest")"
    objcopy --strip-debug "$src" "$TIER_ROOT$dest"
    chmod "$mode" "$TIER_ROOT$dest"
  else
    install -D -m "$mode" "$src" "$TIER_ROOT$dest"
  fi
}

tier_install_hvmtool() { # BUILD BIN_DIR PLUGIN_DIR
  local build=$1 bin_dir=$2 plugin_dir=$3 so
  tier_install "$build/hvmtool" "$bin_dir/hvmtool" 755
  for so in "$build"/plugins/hvmtool-*.so; do
    [[ -e $so ]] && tier_install "$so" "$plugin_dir/$(basename "$so")" 644
  done
  # xl.cfg support, dlopen()ed from libhvmtool's folder (so ldd does not list
  # it): beside libhvmtool, which tier_install_libs puts in the flat lib folder.
  so=$build/framework/libhvmtool-xlu.so
  [[ -e $so ]] && tier_install "$so" /lib/x86_64-linux-gnu/libhvmtool-xlu.so 644
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
  # One ldd for all the files: it prints "FILE:" (with "not a dynamic
  # executable" for a static file) and then FILE's libraries.
  while read -r name arrow path _; do
    if [[ $name == *: ]]; then
      b=${name%:}
    elif [[ $arrow == "=>" && $path == "not" ]]; then
      missing+=("$(basename "$b"): $name")
    elif [[ $arrow == "=>" && $path == /* ]]; then
      seen[$path]=1
    elif [[ $name == /* ]]; then
      seen[$name]=1 # the dynamic loader
    fi
  done < <(((${#TIER_ELF[@]})) && ldd "${TIER_ELF[@]}" 2>/dev/null || true)
  if ((${#missing[@]})); then
    printf 'error: library not found: %s\n' "${missing[@]}" >&2
    return 1
  fi
  gcc_s=$(ldconfig -p 2>/dev/null | awk '/libgcc_s.so.1 .*x86-64/ && !p {p = $NF} END {print p}')
  seen[${gcc_s:-/lib/x86_64-linux-gnu/libgcc_s.so.1}]=1
  for lib in "${!seen[@]}"; do
    if [[ $lib == */ld-linux-x86-64.so.2 ]]; then
      tier_copy "$lib" "$TIER_ROOT/lib64/ld-linux-x86-64.so.2"
    else
      tier_copy "$lib" "$TIER_ROOT/lib/x86_64-linux-gnu/$(basename "$lib")"
    fi
  done
}

tier_initramfs_pack() { # OUT.cpio.gz
  (cd "$TIER_ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$1"
}
