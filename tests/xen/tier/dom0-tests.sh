#!/bin/sh
# The real-Xen tier's tests. Run inside a Xen dom0 (the tier's initramfs, or a
# real Xen host as root) with xl, xenstore-* and xenconsoled logging guest
# consoles. Prints one line per result, read by run-tier.sh from the serial log:
#   XENTIER: PASS|FAIL|SKIP <test> <details>      XENTIER: TIME|INFO <text>
#
# Environment (defaults in brackets):
#   XENTIER_HVMTOOL     hvmtool binary [hvmtool on PATH]; plugins from
#                       HVMTOOL_PLUGIN_PATH, hvmloader from HVMTOOL_FIRMWARE_DIR
#   XENTIER_KERNEL      PV guest kernel [/boot/vmlinuz-$(uname -r)]
#   XENTIER_RAMDISK     guest initramfs whose /init prints HVMTOOL-INIT-MARKER
#                       and powers off (build-guest-initramfs.sh) [required]
#   XENTIER_HVM_KERNEL  payload hvmloader boots (build/tests/guests/testkernel.bzImage)
#   XENTIER_BZIMAGE     Debian's bzImage, booted by hvmloader as a Linux HVM guest
#   XENTIER_HVMLOADER   hvmloader for xl's HVM guest [$HVMTOOL_FIRMWARE_DIR/hvmloader]
#   XENTIER_CONSOLE_DIR xenconsoled's guest logs [/var/log/xen/console]
#   XENTIER_WORK        scratch folder [/tmp/xentier]
#   XENTIER_ONLY        space-separated test names to run [all]
#   XENTIER_SKIP        space-separated test names not to run (a second boot's)
#   XENTIER_SHOW_CONSOLE  set: every guest's whole console log goes to the output
#   XENTIER_HVM_LINUX_RUNS  boots of the Linux HVM guest [1]
#   XENTIER_RUNS        boots of each PV and PVH guest, for the figures [3]
# Exit status: 0 if nothing failed, 1 otherwise.
set -u

HVMTOOL=${XENTIER_HVMTOOL:-$(command -v hvmtool || echo hvmtool)}
KERNEL=${XENTIER_KERNEL:-/boot/vmlinuz-$(uname -r)}
RAMDISK=${XENTIER_RAMDISK:-}
HVM_KERNEL=${XENTIER_HVM_KERNEL:-}
BZIMAGE=${XENTIER_BZIMAGE:-}
HVMLOADER=${XENTIER_HVMLOADER:-${HVMTOOL_FIRMWARE_DIR:-/usr/share/hvmtool/firmware}/hvmloader}
CONSOLE_DIR=${XENTIER_CONSOLE_DIR:-/var/log/xen/console}
W=${XENTIER_WORK:-/tmp/xentier}
ONLY=${XENTIER_ONLY:-}
SKIP=${XENTIER_SKIP:-}
MARKER=HVMTOOL-INIT-MARKER
failed=0
mkdir -p "$W"

now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
pass() { echo "XENTIER: PASS $*"; }
fail() { echo "XENTIER: FAIL $*"; failed=1; }
skip() { echo "XENTIER: SKIP $*"; }
info() { echo "XENTIER: INFO $*"; }
wanted() {
  case " $SKIP " in *" $1 "*) return 1 ;; esac
  [ -z "$ONLY" ] || case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# wait_until SECONDS COMMAND...: poll every 0.2 s; 0 when COMMAND succeeded.
wait_until() {
  _limit=$1
  shift
  _t0=$(now)
  while ! "$@"; do
    [ "$(awk -v a="$_t0" -v b="$(now)" -v l="$_limit" 'BEGIN { print (b - a > l) }')" = 1 ] && return 1
    sleep 0.2
  done
  return 0
}
domain_gone() { ! xl domid "$1" >/dev/null 2>&1; }
# Domain ids with guest lines ((dN) ...) in Xen's console ring, and the guest
# lines of domains not in that list: the ring is read, never cleared.
dmesg_ids() { xl dmesg 2>/dev/null | sed -n 's/^(d\([0-9][0-9]*\)) .*/\1/p' | sort -u | tr '\n' ' '; }
new_guest_lines() {
  xl dmesg 2>/dev/null | awk -v old=" $1 " 'match($0, /^\(d[0-9]+\) /) {
    if (index(old, " " substr($0, 3, RLENGTH - 4) " ") == 0) print }'
}
has_marker() { grep -aqs "$MARKER" "$@"; }
# Store paths a domain can own; the snapshot must be the same before and after.
store_snapshot() {
  for p in /local/domain /vm /libxl; do
    xenstore-list "$p" 2>/dev/null | sed "s|^|$p/|"
  done | sort
}
domain_count() { xl list 2>/dev/null | tail -n +2 | wc -l; }
cleanup_domain() { domain_gone "$1" || xl destroy "$1" >/dev/null 2>&1; }
# Seconds spent in the stages before 'wait' (make..unpause), from --timings.
create_seconds() {
  awk '$1 ~ /^(make|bootloader|build_pre|build|build_post|unpause)$/ && $4 == "ms" { s += $3 }
       END { printf "%.1f", s / 1000 }' "$1"
}
have_plugin() {
  _IFS=$IFS
  IFS=:
  for d in ${HVMTOOL_PLUGIN_PATH:-$(dirname "$HVMTOOL")/plugins}; do
    [ -e "$d/hvmtool-$1.so" ] && { IFS=$_IFS; return 0; }
  done
  IFS=$_IFS
  return 1
}
xen_plugin_ready() { # TEST [PLUGIN]: SKIP unless hvmtool-xen.so (and PLUGIN) exist
  have_plugin xen || { skip "$1 xen plugin not built (no hvmtool-xen.so)"; return 1; }
  [ -z "${2:-}" ] || have_plugin "$2" || { skip "$1 $2 plugin not built (no hvmtool-$2.so)"; return 1; }
  return 0
}
validate_or_fail() { # NAME FILE
  if ! "$HVMTOOL" validate "$2" >"$W/$1.validate" 2>&1; then
    fail "$1 hvmtool validate: $(tail -n 1 "$W/$1.validate")"
    return 1
  fi
}
show_tail() { # FILE: its last lines, into the serial log
  [ -s "$1" ] && tail -n 15 "$1" | sed "s|^|  $(basename "$1"): |"
}

if ! xl list >/dev/null 2>&1; then
  fail "toolstack xl list does not work: not a Xen dom0?"
  exit 1
fi
info "xen $(xl info 2>/dev/null | awk -F': ' '/^xen_version/ {print $2}'), dom0 $(uname -r)," \
  "free_memory $(xl info 2>/dev/null | awk -F': ' '/^free_memory/ {print $2}') MiB"
[ -f "$KERNEL" ] || info "PV guest kernel $KERNEL missing: PV tests fail"
[ -n "$RAMDISK" ] && [ -f "$RAMDISK" ] || info "guest ramdisk ${RAMDISK:-(unset)} missing: PV tests fail"

# The guests, written once: the failure tests start from the same files.
cat >"$W/pv.cfg" <<CFG
name = "xt-pv-xl"
type = "pv"
kernel = "$KERNEL"
ramdisk = "$RAMDISK"
extra = "console=hvc0 quiet"
memory = 128
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
CFG
cat >"$W/pv.yaml" <<YAML
platform: xen
stages: {build: build_xen_pv}
domain:
  name: xt-pv-hvmtool
  type: pv
  memory: 128M
  vcpus: 1
  kernel: $KERNEL
  ramdisk: $RAMDISK
  cmdline: "console=hvc0 quiet"
  logfile: $W/hvmtool-xt-pv-hvmtool.log
  on_poweroff: destroy
  on_reboot: destroy
  on_crash: destroy
  timeouts: {build: 120s, wait: 180s}
YAML
cat >"$W/hvm.yaml" <<YAML
platform: xen
stages: {build: build_hvm}
params:
  build_hvm: {entry: direct}
domain:
  name: xt-hvm-hvmtool
  type: hvm
  memory: 128M
  vcpus: 1
  firmware: hvmloader
  kernel: $HVM_KERNEL
  cmdline: "console=ttyS0 hvmtool=xt-hvm-hvmtool"
  logfile: $W/hvmtool-xt-hvm-hvmtool.log
  on_poweroff: destroy
  on_reboot: destroy
  on_crash: destroy
  timeouts: {build: 120s, wait: 120s}
YAML

# --- 1. PV and PVH guests: xl create and hvmtool, side by side ---------------
# Each boots Debian's kernel with the marker initramfs RUNS times in this
# boot, to the marker and the guest's own poweroff; the figures are the
# medians and their ratio (hvmtool / xl).
RUNS=${XENTIER_RUNS:-3}
HVM_LINUX_RUNS=${XENTIER_HVM_LINUX_RUNS:-1}
cat >"$W/pvh.cfg" <<CFG
name = "xt-pvh-xl"
type = "pvh"
kernel = "$KERNEL"
ramdisk = "$RAMDISK"
extra = "console=hvc0 quiet"
memory = 256
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
CFG
cat >"$W/pvh.yaml" <<YAML
platform: xen
domain:
  name: xt-pvh-hvmtool
  type: pvh
  memory: 256M
  vcpus: 1
  kernel: $KERNEL
  ramdisk: $RAMDISK
  cmdline: "console=hvc0 quiet"
  logfile: $W/hvmtool-xt-pvh-hvmtool.log
  on_poweroff: destroy
  on_reboot: destroy
  on_crash: destroy
  timeouts: {build: 120s, wait: 180s}
YAML

# xl_boot TEST NAME CFG: `xl create` of CFG, then the marker on xenconsoled's
# log and the domain gone by itself. Sets b_create (xl create's seconds),
# b_marker (seconds to the marker), b_why (what went wrong); 0 when all held.
xl_boot() {
  _test=$1 _name=$2 _cfg=$3
  rm -f "$CONSOLE_DIR/guest-$_name.log"
  b_create= b_marker= b_why=
  _bt0=$(now)
  if ! timeout 180 xl create -q "$_cfg" >"$W/$_test.out" 2>&1; then
    b_why="xl create failed after $(since "$_bt0")s: $(grep -a -v '^$' "$W/$_test.out" | tail -n 1)"
  else
    b_create=$(since "$_bt0")
    if ! wait_until 180 has_marker "$CONSOLE_DIR/guest-$_name.log"; then
      b_why="no $MARKER on the console after $(since "$_bt0")s"
    else
      b_marker=$(since "$_bt0")
      wait_until 60 domain_gone "$_name" || b_why="domain still listed $(since "$_bt0")s after create (no poweroff)"
    fi
  fi
  [ -n "$b_why" ] && show_tail "$CONSOLE_DIR/guest-$_name.log"
  show_console "$_test" "$CONSOLE_DIR/guest-$_name.log"
  cleanup_domain "$_name"
  [ -z "$b_why" ]
}

# show_console TEST LOG...: with XENTIER_SHOW_CONSOLE set, the whole of each
# console log that exists, for comparing guests line by line.
show_console() {
  [ -n "${XENTIER_SHOW_CONSOLE:-}" ] || return 0
  _sc_test=$1
  shift
  for _sc_log in "$@"; do
    [ -s "$_sc_log" ] && tr -d '\r' <"$_sc_log" | sed "s|^|  $_sc_test console: |"
  done
  return 0
}

# hvmtool_boot TEST NAME FILE LOG: `hvmtool run -F` of FILE (a pipeline or an
# xl.cfg) to the guest's poweroff, with what every run must show: exit 0, a
# poweroff outcome, the marker in LOG (hvmtool's console log) or
# xenconsoled's, the domain gone and the store paths as before. Sets b_create
# (make..unpause from --timings), b_marker (seconds from the start), b_total,
# b_why; 0 when all held.
# A guest still running 20 s after its marker has its vCPU 0 shown once
# (xenctx): the run will fail at its wait timeout, and that says where the
# guest waited (how the PVH and Linux HVM poweroff faults were found).
hvmtool_boot() {
  _test=$1 _name=$2 _file=$3 _log=$4
  rm -f "$CONSOLE_DIR/guest-$_name.log" "$_log"
  _before=$(store_snapshot)
  b_create= b_marker= b_why=
  _shown=
  _bt0=$(now)
  HVMTOOL_LOG_DIR=$W timeout 300 "$HVMTOOL" run -F -v --timings "$_file" >"$W/$_test.out" 2>&1 &
  _pid=$!
  while kill -0 $_pid 2>/dev/null; do
    [ -z "$b_marker" ] && has_marker "$_log" "$CONSOLE_DIR/guest-$_name.log" && b_marker=$(since "$_bt0")
    if [ -n "$b_marker" ] && [ -z "$_shown" ] &&
      [ "$(awk -v m="$b_marker" -v n="$(since "$_bt0")" 'BEGIN { print (n - m > 20) }')" = 1 ]; then
      _shown=1
      guest_stack "$_name"
    fi
    sleep 0.1
  done
  wait $_pid
  _rc=$?
  b_total=$(since "$_bt0")
  b_create=$(create_seconds "$W/$_test.out")
  [ -z "$b_marker" ] && has_marker "$_log" "$CONSOLE_DIR/guest-$_name.log" && b_marker=$b_total
  sleep 0.5
  _after=$(store_snapshot)
  if [ $_rc -ne 0 ]; then
    b_why="hvmtool run exit $_rc after ${b_total}s"
  elif ! grep -aq "^domain $_name: poweroff" "$W/$_test.out"; then
    b_why="exit 0 but no poweroff outcome: $(grep -a "^domain $_name" "$W/$_test.out")"
  fi
  if [ -n "$b_why" ]; then
    :
  elif [ -z "$b_marker" ]; then
    b_why="exit $_rc but no $MARKER in its console logs"
  elif ! domain_gone "$_name"; then
    b_why="domain $_name still listed after hvmtool exited"
  elif [ "$_before" != "$_after" ]; then
    b_why="store paths left: $(echo "$_after" | grep -vxF "$_before" | tr '\n' ' ')"
  fi
  if [ -n "$b_why" ]; then
    show_tail "$W/$_test.out"
    show_tail "$_log"
  fi
  show_console "$_test" "$_log" "$CONSOLE_DIR/guest-$_name.log"
  cleanup_domain "$_name"
  [ -z "$b_why" ]
}

# guest_stack NAME: where vCPU 0 of a guest that did not end by itself is
# (xenctx with the kernel's System.map), into the serial log.
guest_stack() {
  _ctx=/usr/lib/xen-4.17/bin/xenctx _map=/opt/xentier/guest/System.map
  [ -x "$_ctx" ] && [ -f "$_map" ] || return 0
  _id=$(xl domid "$1" 2>/dev/null) || return 0
  "$_ctx" -s "$_map" -S "$_id" 0 2>&1 | grep -a -v '^$' | head -n 30 | sed "s|^|  $1 xenctx: |"
}

median() { echo "$1" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# series KIND RETRY TEST NAME FILE [LOG]: RUNS boots (KIND xl or hvmtool).
# With RETRY=1 a failed boot is shown and tried once more, and the retry is
# counted in the result: PVH creates under QEMU's TCG die about 1 in 11 with
# a triple fault inside Xen itself, for xl as for hvmtool. Sets s_create and
# s_marker (medians, empty when no boot got there).
series() {
  _kind=$1 _retry=$2 _stest=$3
  shift 3
  _creates= _markers= _ok=0 _retries=0 _failed=
  _i=1
  while [ $_i -le "$RUNS" ]; do
    if ! "${_kind}_boot" "$_stest" "$@" && [ "$_retry" = 1 ]; then
      _retries=$((_retries + 1))
      info "$_stest run $_i failed ($b_why); trying once more"
      xl dmesg 2>/dev/null | grep -a -i "triple fault\|domain_crash\|d[0-9]*v0 .*fault" | tail -n 3 | sed "s/^/  xl dmesg: /"
      "${_kind}_boot" "$_stest" "$@"
    fi
    echo "XENTIER: TIME $_stest run $_i: create ${b_create:-n/a}s, marker ${b_marker:-never}s"
    if [ -z "$b_why" ]; then
      _ok=$((_ok + 1))
      _creates="$_creates $b_create"
      _markers="$_markers $b_marker"
    else
      _failed="$_failed; run $_i: $b_why"
    fi
    _i=$((_i + 1))
  done
  s_create=$(median "$_creates") s_marker=$(median "$_markers")
  _retried=
  [ $_retries -gt 0 ] && _retried=", $_retries failed boot(s) retried"
  if [ $_ok -eq "$RUNS" ]; then
    pass "$_stest $_ok of $RUNS boots to the marker and an end$_retried; create$_creates s, marker$_markers s"
  else
    fail "$_stest $_ok of $RUNS boots to the marker and an end$_retried$_failed"
  fi
}

# figures KIND: the medians of the xl and hvmtool series, and their ratios.
figures() {
  eval "_xc=\${xl_create_$1:-} _xm=\${xl_marker_$1:-} _hc=\${hvmtool_create_$1:-} _hm=\${hvmtool_marker_$1:-}"
  [ -n "$_xc$_hc" ] || return 0
  echo "XENTIER: TIME $1 (median of $RUNS): create xl ${_xc:-n/a}s hvmtool ${_hc:-n/a}s ratio $(ratio "$_hc" "$_xc");" \
    "to the marker xl ${_xm:-n/a}s hvmtool ${_hm:-n/a}s ratio $(ratio "$_hm" "$_xm")"
}

if wanted pv-xl; then
  series xl 0 pv-xl xt-pv-xl "$W/pv.cfg"
  xl_create_pv=$s_create xl_marker_pv=$s_marker
fi
if wanted pv-hvmtool && xen_plugin_ready pv-hvmtool build_xen_pv && validate_or_fail pv-hvmtool "$W/pv.yaml"; then
  series hvmtool 0 pv-hvmtool xt-pv-hvmtool "$W/pv.yaml" "$W/hvmtool-xt-pv-hvmtool.log"
  hvmtool_create_pv=$s_create hvmtool_marker_pv=$s_marker
  sed -n '/^domain /,$p' "$W/pv-hvmtool.out" | sed 's/^/  timings: /'
fi
# The xl.cfg xl ran, run by hvmtool: read with libxlutil, the platform chosen
# automatically (xen here), type pv built by libxenguest (build_xen_pv).
if wanted pv-xlcfg && xen_plugin_ready pv-xlcfg build_xen_pv; then
  if hvmtool_boot pv-xlcfg xt-pv-xl "$W/pv.cfg" "$W/guest-xt-pv-xl.log"; then
    pass "pv-xlcfg ${b_create}s (the xl.cfg xl ran; stages make..unpause ${b_create}s, marker ${b_marker}s, to poweroff ${b_total}s)"
  else
    fail "pv-xlcfg $b_why"
  fi
fi
figures pv

# PVH: xl's libxenguest PVH build next to hvmtool's build_pv (the PVH entry
# of the same vmlinux; Xen's special pages for the console and xenstore).
# Both must power off by themselves ("reboot: System halted", then Xen ends a
# domain whose vCPUs all halted with interrupts off). hvmtool's did not until
# build_pv gave Xen PVH guests ACPI tables with a MADT: without one Linux
# never armed Xen's timer, and busybox's poweroff slept for ever.
if wanted pvh-xl; then
  series xl 1 pvh-xl xt-pvh-xl "$W/pvh.cfg"
  xl_create_pvh=$s_create xl_marker_pvh=$s_marker
fi
if wanted pvh-hvmtool && xen_plugin_ready pvh-hvmtool build_pv && validate_or_fail pvh-hvmtool "$W/pvh.yaml"; then
  series hvmtool 1 pvh-hvmtool xt-pvh-hvmtool "$W/pvh.yaml" "$W/hvmtool-xt-pvh-hvmtool.log"
  hvmtool_create_pvh=$s_create hvmtool_marker_pvh=$s_marker
  grep -a 'build_pv: ' "$W/pvh-hvmtool.out" | tail -n 1 | sed 's/^/  /'
  sed -n '/^domain /,$p' "$W/pvh-hvmtool.out" | sed 's/^/  timings: /'
fi
if wanted pvh-xlcfg && xen_plugin_ready pvh-xlcfg build_pv; then
  if hvmtool_boot pvh-xlcfg xt-pvh-xl "$W/pvh.cfg" "$W/guest-xt-pvh-xl.log"; then
    pass "pvh-xlcfg ${b_create}s (the PVH xl.cfg xl ran; stages make..unpause ${b_create}s, marker ${b_marker}s, to poweroff ${b_total}s)"
  else
    fail "pvh-xlcfg $b_why"
  fi
fi
figures pvh

# --- 2. HVM domain through the project's hvmloader, no device model --------
if wanted hvm-hvmtool && xen_plugin_ready hvm-hvmtool; then
  name=xt-hvm-hvmtool
  if [ ! -f "$HVM_KERNEL" ] || [ ! -f "$HVMLOADER" ]; then
    skip "hvm-hvmtool needs hvmloader and the test kernel (not built: ${HVMLOADER}, ${HVM_KERNEL:-XENTIER_HVM_KERNEL unset})"
  elif validate_or_fail hvm-hvmtool "$W/hvm.yaml"; then
    old_ids=$(dmesg_ids)
    before=$(store_snapshot)
    t0=$(now)
    timeout 300 "$HVMTOOL" run -F --timings "$W/hvm.yaml" >"$W/hvm-hvmtool.out" 2>&1
    rc=$?
    total=$(since "$t0")
    created=$(create_seconds "$W/hvm-hvmtool.out")
    sleep 0.5
    after=$(store_snapshot)
    new_guest_lines "$old_ids" >"$W/hvm-dmesg"
    banner=$(grep -a '(d[0-9]*) .*HVM Loader' "$W/hvm-dmesg" | head -n 1)
    e820=$(grep -a '(d[0-9]*) .*E820 table' "$W/hvm-dmesg" | head -n 1)
    if [ -z "$banner" ] || [ -z "$e820" ]; then
      fail "hvm-hvmtool exit $rc after ${total}s; hvmloader banner ${banner:+seen}${banner:-missing}, E820 ${e820:+seen}${e820:-missing} in xl dmesg"
      show_tail "$W/hvm-hvmtool.out"
      xl dmesg >"$W/xl-dmesg" 2>&1
      show_tail "$W/xl-dmesg"
    elif [ $rc -ne 0 ]; then
      fail "hvm-hvmtool hvmloader ran ($banner) but hvmtool exit $rc after ${total}s"
      show_tail "$W/hvm-hvmtool.out"
    elif ! domain_gone "$name"; then
      fail "hvm-hvmtool domain $name still listed after hvmtool exited"
    elif [ "$before" != "$after" ]; then
      fail "hvm-hvmtool store paths left: $(echo "$after" | grep -vxF "$before" | tr '\n' ' ')"
    else
      info "hvm-hvmtool domid $(echo "$banner" | sed -n 's/^(d\([0-9]*\)).*/\1/p')"
      info "hvm-hvmtool xl dmesg: $banner"
      info "hvm-hvmtool xl dmesg: $e820"
      hvm_hvmtool_create=$created
      pass "hvm-hvmtool ${created}s (stages make..unpause ${created}s, hvmloader to poweroff ${total}s)"
    fi
    sed -n '/^domain /,$p' "$W/hvm-hvmtool.out" | sed 's/^/  timings: /'
    cleanup_domain "$name"
  fi
fi

# --- 2b. Linux as an HVM guest through the project's hvmloader ---------------
# No device model: hvmloader loads Debian's bzImage with the Linux boot
# protocol; the console is the HVM PV console (hvc0: the ring and event
# channel in Xen's special pages, which build_hvm places and build_post
# publishes), the timer Xen's (hvmloader's MADT lists the CPU). It powers
# off by halting: on Xen hvmloader's DSDT has no \_S5, since nothing acts on
# a PM1a control write without a device model (Xen emulates the PM timer and
# PM1 status/enable, not PM1 control; with \_S5 the guest said "reboot:
# Power down" and waited for ever).
if wanted hvm-linux-hvmtool && xen_plugin_ready hvm-linux-hvmtool build_hvm; then
  if [ ! -f "$HVMLOADER" ] || [ ! -f "$BZIMAGE" ]; then
    skip "hvm-linux-hvmtool needs hvmloader and Debian's bzImage (${BZIMAGE:-XENTIER_BZIMAGE unset})"
  else
    cat >"$W/hvm-linux.yaml" <<YAML
platform: xen
domain:
  name: xt-hvm-linux
  type: hvm
  memory: 256M
  vcpus: 1
  firmware: hvmloader
  kernel: $BZIMAGE
  ramdisk: $RAMDISK
  cmdline: "console=hvc0 quiet"
  logfile: $W/hvmtool-xt-hvm-linux.log
  on_poweroff: destroy
  on_reboot: destroy
  on_crash: destroy
  timeouts: {build: 120s, wait: 180s}
YAML
    if validate_or_fail hvm-linux-hvmtool "$W/hvm-linux.yaml"; then
      # Booted HVM_LINUX_RUNS times, not RUNS: it has no xl peer to compare
      # with, and it is the guest whose start has stopped the whole machine
      # under QEMU's emulated SVM (see run-tier.sh), each boot a new chance.
      _runs=$RUNS
      RUNS=$HVM_LINUX_RUNS
      series hvmtool 0 hvm-linux-hvmtool xt-hvm-linux "$W/hvm-linux.yaml" "$W/hvmtool-xt-hvm-linux.log"
      RUNS=$_runs
      sed -n '/^domain /,$p' "$W/hvm-linux-hvmtool.out" | sed 's/^/  timings: /'
      # xl cannot boot Linux as an HVM guest without a device model; its
      # create of the same hvmloader without one is hvm-xl's below.
      echo "XENTIER: TIME hvm-linux (median of $HVM_LINUX_RUNS): create hvmtool ${s_create:-n/a}s, to the marker ${s_marker:-n/a}s"
    fi
  fi
fi

# hvmloader into a BIOS: Debian's OVMF (the builder backs the flash window
# below 4 GiB: populate_physmap in the MMIO hole; hvmloader copies OVMF there
# and enters its reset vector). With no device model it cannot get far:
# Xen's vRTC keeps only the clock registers, so the CMOS memory size
# hvmloader writes reads back as 0xFF, and OVMF's PEI sizes low RAM as
# ~4 GiB and triple-faults writing above 4 GiB (a reboot, exit 4). The
# expected lines must appear in xl dmesg in order; how the domain ends is
# reported; a clean end is required: no domain and no store paths left.
bios_case() { # TEST NAME BIOS FILE PATTERN...
  _test=$1 _name=$2 _bios=$3 _file=$4
  shift 4
  wanted "$_test" && xen_plugin_ready "$_test" || return 0
  if [ ! -f "$_file" ] || [ ! -f "$HVMLOADER" ]; then
    skip "$_test needs hvmloader and $_file"
    return 0
  fi
  cat >"$W/$_test.yaml" <<YAML
platform: xen
stages: {build: build_hvm}
domain:
  name: $_name
  type: hvm
  memory: 128M
  vcpus: 1
  firmware: hvmloader
  bios: $_bios
  logfile: $W/hvmtool-$_name.log
  on_poweroff: destroy
  on_reboot: destroy
  on_crash: destroy
  timeouts: {build: 120s, wait: 30s}
YAML
  validate_or_fail "$_test" "$W/$_test.yaml" || return 0
  _old=$(dmesg_ids)
  _before=$(store_snapshot)
  _t0=$(now)
  timeout 300 "$HVMTOOL" run -F --timings "$W/$_test.yaml" >"$W/$_test.out" 2>&1
  _rc=$?
  _total=$(since "$_t0")
  sleep 0.5
  _after=$(store_snapshot)
  new_guest_lines "$_old" >"$W/$_test.dmesg"
  _missing= _from=1
  for _p in "$@"; do
    _last=$_p
    _at=$(tail -n +"$_from" "$W/$_test.dmesg" | grep -anF "$_p" | head -n 1 | cut -d: -f1)
    if [ -z "$_at" ]; then
      _missing="$_p"
      break
    fi
    _from=$((_from + _at))
  done
  if [ -n "$_missing" ]; then
    fail "$_test exit $_rc after ${_total}s; no '$_missing' (in order) in xl dmesg"
    show_tail "$W/$_test.out"
    show_tail "$W/$_test.dmesg"
  elif [ $_rc -ne 0 ] && [ $_rc -ne 2 ] && [ $_rc -ne 3 ] && [ $_rc -ne 4 ]; then
    fail "$_test firmware invoked but hvmtool exit $_rc after ${_total}s"
    show_tail "$W/$_test.out"
  elif ! domain_gone "$_name"; then
    fail "$_test domain $_name still listed after hvmtool exited"
  elif [ "$_before" != "$_after" ]; then
    fail "$_test store paths left: $(echo "$_after" | grep -vxF "$_before" | tr '\n' ' ')"
  else
    info "$_test xl dmesg: $(grep -aF "$1" "$W/$_test.dmesg" | head -n 1)"
    info "$_test xl dmesg: $(grep -aF "$_last" "$W/$_test.dmesg" | head -n 1)"
    info "$_test outcome (exit $_rc): $(grep -a "^domain $_name" "$W/$_test.out" | head -n 1)"
    xl dmesg 2>/dev/null | grep -a -i "d[0-9]*v0 .*fault\|domain_crash" | tail -n 2 | sed "s/^/XENTIER: INFO $_test xen: /"
    pass "$_test firmware invoked, run ended in ${_total}s (exit $_rc), nothing left"
  fi
  sed -n '/^domain /,$p' "$W/$_test.out" | sed 's/^/  timings: /'
  cleanup_domain "$_name"
}
bios_case hvm-ovmf-hvmtool xt-hvm-ovmf ovmf /usr/share/ovmf/OVMF.fd \
  'Loaded OVMF image at 0xffe00000-0x100000000' 'Invoking OVMF'
# Not SeaBIOS: Debian's build logs on port 0x402, which only a device model
# would carry under Xen, so nothing after hvmloader's "Invoking SeaBIOS"
# could be checked.

# xl's run of the same hvmloader, also without a device model: libxl insists
# on spawning one, so a stand-in reports "running" in the store (the
# handshake of qemu-xen-traditional) and does nothing else. xl cannot give
# hvmloader a payload by the module names the project's hvmloader looks for
# (libxl hands HVM kernels to the device model, and its BIOS module is
# called "BIOS", for qemu-xen only), so this run ends at hvmloader's
# "nothing to boot, powering off": the comparison is domain creation and
# hvmloader's start with the same firmware file.
if wanted hvm-xl; then
  name=xt-hvm-xl
  cat >"$W/fake-dm" <<'DM'
#!/bin/sh
domid=
while [ $# -gt 0 ]; do
  case $1 in -d | -xen-domid) domid=$2; shift ;; esac
  shift
done
xenstore-write "/local/domain/0/device-model/$domid/state" running
echo $$ >"${0%/*}/fake-dm.pid"
exec sleep 100000
DM
  chmod 755 "$W/fake-dm"
  cat >"$W/hvm.cfg" <<CFG
name = "$name"
type = "hvm"
memory = 128
vcpus = 1
firmware_override = "$HVMLOADER"
device_model_version = "qemu-xen-traditional"
device_model_override = "$W/fake-dm"
vnc = 0
sdl = 0
nographic = 1
vga = "none"
xen_platform_pci = 0
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
CFG
  if [ ! -f "$HVMLOADER" ]; then
    skip "hvm-xl no hvmloader at $HVMLOADER"
  else
    t0=$(now)
    if ! timeout 180 xl create -q "$W/hvm.cfg" >"$W/hvm-xl.out" 2>&1; then
      skip "hvm-xl xl create of an HVM guest without a device model failed after $(since "$t0")s: $(grep -a -v '^$' "$W/hvm-xl.out" | tail -n 1)"
      show_tail "$W/hvm-xl.out"
    else
      created=$(since "$t0")
      domid=$(xl domid "$name" 2>/dev/null)
      banner_seen() { xl dmesg 2>/dev/null | grep -aq "(d$domid) HVM Loader"; }
      if wait_until 120 banner_seen; then
        t_banner=$(since "$t0")
        info "hvm-xl xl dmesg: $(xl dmesg | grep -a "(d$domid) HVM Loader" | head -n 1)"
        if wait_until 60 domain_gone "$name"; then
          pass "hvm-xl ${created}s (xl create ${created}s, hvmloader banner at ${t_banner}s, powered off at $(since "$t0")s)"
        else
          fail "hvm-xl hvmloader ran (banner at ${t_banner}s) but the domain did not power off"
          xl dmesg >"$W/hvm-xl-dmesg" 2>&1
          show_tail "$W/hvm-xl-dmesg"
        fi
      else
        fail "hvm-xl no (d$domid) HVM Loader banner $(since "$t0")s after xl create"
        xl dmesg >"$W/hvm-xl-dmesg" 2>&1
        show_tail "$W/hvm-xl-dmesg"
      fi
      echo "XENTIER: TIME hvm create: xl ${created}s, hvmtool ${hvm_hvmtool_create:-n/a}s"
    fi
    cleanup_domain "$name"
    [ -f "$W/fake-dm.pid" ] && kill "$(cat "$W/fake-dm.pid")" 2>/dev/null
    rm -f "$W/fake-dm.pid"
  fi
fi

# --- 3. A failing stage leaves no domain and no store paths ------------------
# check_clean TEST BEFORE_SNAPSHOT BEFORE_COUNT DETAILS
check_clean() {
  after=$(store_snapshot)
  count=$(domain_count)
  if [ "$count" != "$3" ]; then
    fail "$1 $count domains listed after the failure (was $3): $(xl list | tail -n +2 | awk '{print $1}' | tr '\n' ' ')"
  elif [ "$2" != "$after" ]; then
    fail "$1 store paths left: $(echo "$after" | grep -vxF "$2" | tr '\n' ' ')"
  else
    pass "$1 $4; xl list and xenstore-ls /local/domain: only $(xl list | tail -n +2 | awk '{printf "%s ", $1}')"
  fi
  xenstore-ls /local/domain 2>/dev/null | grep -a '^[0-9]' | sed "s/^/  $1 xenstore-ls \/local\/domain: /"
}

if wanted fail-xl; then
  sed -e 's/^name = .*/name = "xt-fail-xl"/' -e 's/^memory = .*/memory = 65536/' "$W/pv.cfg" >"$W/fail.cfg" 2>/dev/null
  before=$(store_snapshot)
  n=$(domain_count)
  t0=$(now)
  if timeout 180 xl create -q "$W/fail.cfg" >"$W/fail-xl.out" 2>&1; then
    fail "fail-xl xl create of a 64 GiB guest succeeded"
    cleanup_domain xt-fail-xl
  else
    check_clean fail-xl "$before" "$n" "xl create (64 GiB) failed in $(since "$t0")s"
    show_tail "$W/fail-xl.out"
  fi
fi

# fail_hvmtool TEST YAML: hvmtool run must exit 2 (stage failed, rolled back).
fail_hvmtool() {
  validate_or_fail "$1" "$2" || return
  before=$(store_snapshot)
  n=$(domain_count)
  t0=$(now)
  timeout 300 "$HVMTOOL" run -F --timings "$2" >"$W/$1.out" 2>&1
  rc=$?
  took=$(since "$t0")
  sleep 0.5
  if [ $rc -ne 2 ]; then
    fail "$1 hvmtool run exit $rc after ${took}s (expected 2: stage failed, rolled back)"
    show_tail "$W/$1.out"
  else
    check_clean "$1" "$before" "$n" "exit 2 in ${took}s: $(grep -a -E '^hvmtool: |error' "$W/$1.out" | head -n 1)"
  fi
}

if wanted fail-hvm-memory && xen_plugin_ready fail-hvm-memory; then
  sed -e "s/^  name: .*/  name: xt-fail-hvm-memory/" -e 's/^  memory: .*/  memory: 64G/' \
    "$W/hvm.yaml" >"$W/fail-hvm-memory.yaml" 2>/dev/null || true
  if [ ! -f "$HVMLOADER" ]; then
    skip "fail-hvm-memory needs hvmloader (not built: $HVMLOADER)"
  elif [ -s "$W/fail-hvm-memory.yaml" ]; then
    fail_hvmtool fail-hvm-memory "$W/fail-hvm-memory.yaml"
  else
    skip "fail-hvm-memory needs the hvm-hvmtool pipeline"
  fi
fi

if wanted fail-pv-kernel && xen_plugin_ready fail-pv-kernel build_xen_pv; then
  # A kernel file that exists (so validation passes) but is no kernel: the
  # build stage fails after make created the domain.
  head -c 65536 /dev/urandom >"$W/not-a-kernel"
  sed -e "s/^  name: .*/  name: xt-fail-pv-kernel/" -e "s|^  kernel: .*|  kernel: $W/not-a-kernel|" \
    "$W/pv.yaml" >"$W/fail-pv-kernel.yaml" 2>/dev/null || true
  if [ -s "$W/fail-pv-kernel.yaml" ]; then
    fail_hvmtool fail-pv-kernel "$W/fail-pv-kernel.yaml"
  else
    skip "fail-pv-kernel needs the pv-hvmtool pipeline"
  fi
fi

xl list
exit $failed
