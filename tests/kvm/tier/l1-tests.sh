#!/bin/sh
# The kvm tier's tests, run inside the L1 system (the tier's initramfs, or any
# Linux with a working /dev/kvm, as root). Prints one line per result, read by
# run-tier.sh from the serial log:
#   KVMTIER: PASS|FAIL|SKIP <test> <details>      KVMTIER: TIME|INFO <text>
#
# 1. suites     the kvm (and emu) ctest suites, their own binaries, as ctest
#               would run them (suites.sh, written by ctest-suites.py)
# 2. pipelines  the shipped kvm pipelines in config/: hvmtool run -F
# 3. linux      Debian's kernel to its initramfs's /init marker: config/hvm-linux.yaml
#               (hvmloader), config/pvh-linux.yaml (PVH entry), a direct 64-bit
#               bzImage boot (build_pv entry linux64), and qemu-system-x86_64
#               -accel kvm with the same kernel and initramfs; times to the marker
#               and their ratios
#
# Environment (defaults in brackets):
#   KVMTIER_BUILD   the build tree [/opt/kvmtier/env]   KVMTIER_SOURCE  the source tree
#   KVMTIER_GUEST_CACHE  Debian's vmlinuz, vmlinux and the marker initramfs [SOURCE/guests/cache]
#   KVMTIER_SUITES  the suite calls [/opt/kvmtier/suites.sh]
#   KVMTIER_FAILED_FIXTURES  fixtures that failed on the host (their suites skip)
#   KVMTIER_ONLY    names to run (tests, or the groups suites, pipelines, linux) [all]
#   KVMTIER_SKIP    names not to run (what a previous boot already reported) [none]
#   KVMTIER_REPEAT  boots of each Linux path [1]
#   KVMTIER_WORK    scratch folder [/tmp/kvmtier]
#   KVMTIER_BUDGET  seconds of uptime by which everything must have ended; each
#                   test's timeout is cut to what is left [none]
# Exit status: 0 if nothing failed, 1 otherwise.
set -u

[ -f /opt/kvmtier/env ] && . /opt/kvmtier/env
BUILD=${KVMTIER_BUILD:?KVMTIER_BUILD: the build tree}
SOURCE=${KVMTIER_SOURCE:?KVMTIER_SOURCE: the source tree}
CACHE=${KVMTIER_GUEST_CACHE:-$SOURCE/guests/cache}
SUITES=${KVMTIER_SUITES:-/opt/kvmtier/suites.sh}
FAILED_FIXTURES=${KVMTIER_FAILED_FIXTURES:-}
ONLY=${KVMTIER_ONLY:-}
SKIP=${KVMTIER_SKIP:-}
REPEAT=${KVMTIER_REPEAT:-1}
[ -n "$REPEAT" ] || REPEAT=1
W=${KVMTIER_WORK:-/tmp/kvmtier}
BUDGET=${KVMTIER_BUDGET:-}
HVMTOOL=$BUILD/hvmtool
MARKER=HVMTOOL-INIT-MARKER
failed=0
mkdir -p "$W/logs"
export HVMTOOL_LOG_DIR=$W/logs

now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
pass() { echo "KVMTIER: PASS $*"; }
fail() { echo "KVMTIER: FAIL $*"; failed=1; }
skip() { echo "KVMTIER: SKIP $*"; }
info() { echo "KVMTIER: INFO $*"; }
wanted() { # NAME GROUP
  case " $SKIP " in *" $1 "*) return 1 ;; esac
  [ -z "$ONLY" ] || case " $ONLY " in *" $1 "* | *" $2 "*) return 0 ;; *) return 1 ;; esac
}
# within SECONDS: prints SECONDS, or less when the budget has less left, or
# nothing when less than 15 s is left (then: spent NAME).
within() {
  [ -n "$BUDGET" ] || { echo "$1"; return 0; }
  _left=$(awk -v b="$BUDGET" -v n="$(now)" 'BEGIN { printf "%d", b - n }')
  [ "$_left" -lt 15 ] && return 0
  [ "$_left" -lt "$1" ] && echo "$_left" || echo "$1"
}
spent() { fail "$1 not run: the tier's time budget (${BUDGET}s of uptime) is spent"; }
ESC=$(printf '\033')
plain() { tr -d '\r' | sed "s/$ESC\[[0-9;]*m//g"; } # without Boost.Test's colours
show_tail() { # FILE [LINES]: its last lines, into the serial log
  [ -s "$1" ] && tail -n "${2:-15}" "$1" | plain | sed "s|^|  $(basename "$1"): |"
}

[ -c /dev/kvm ] || { fail "setup no /dev/kvm"; exit 1; }
info "hvmtool $("$HVMTOOL" --version 2>&1 | head -n 1), build $BUILD, source $SOURCE"

# --- 1. the ctest suites ----------------------------------------------------
# suite TEST WORKDIR TIMEOUT SKIP_CODE 'FIXTURES' -- env VAR=... COMMAND...
suite() {
  _name=$1 _wd=$2 _timeout=$3 _skipcode=$4 _fixtures=$5
  shift 6
  wanted "$_name" suites || return 0
  for _f in $_fixtures; do
    if grep -qx "$_f" "$FAILED_FIXTURES" 2>/dev/null; then
      skip "$_name fixture $_f failed on the host"
      return 0
    fi
  done
  _limit=$_timeout _retried=
  while :; do
    _timeout=$(within "$_limit")
    [ -n "$_timeout" ] || { spent "$_name"; return 0; }
    _t0=$(now)
    (cd "$_wd" && timeout -k 5 "$_timeout" "$@") >"$W/$_name.log" 2>&1
    _rc=$?
    _took=$(since "$_t0")
    # A run that hung is shown and run once more: a hang seen once in many
    # CI runs (test_pvh_linux) must be visible, and must not hide the rest.
    [ $_rc -eq 124 ] && [ -z "$_retried" ] || break
    _retried=" (second run: the first timed out after ${_took}s)"
    info "$_name timed out after ${_took}s; the end of its output, then one more run:"
    show_tail "$W/$_name.log" 25
  done
  if [ $_rc -eq 0 ]; then
    pass "$_name ${_took}s: $(grep -a -m 1 'No errors detected' "$W/$_name.log" | plain | sed 's/^[* ]*//')$_retried"
  elif [ $_rc -eq "$_skipcode" ]; then
    skip "$_name ${_took}s: exit $_rc: $(grep -a -v '^$' "$W/$_name.log" | tail -n 1)"
  else
    [ $_rc -eq 124 ] && _why="timed out after ${_timeout}s" || _why="exit $_rc"
    fail "$_name ${_took}s: $_why$_retried"
    # Boost.Test's failed checks, else the end of the output.
    if grep -aq 'error: in \|: error:' "$W/$_name.log"; then
      grep -a 'error: in \|: error:' "$W/$_name.log" | head -n 12 | plain | sed "s|^|  $_name: |"
    else
      show_tail "$W/$_name.log" 15
    fi
  fi
}
missing() { wanted "$1" suites && fail "$1 not built (ctest knows no command for it)"; }

if [ -f "$SUITES" ]; then
  . "$SUITES"
else
  fail "suites no $SUITES"
fi

# --- 2. the shipped kvm pipelines -------------------------------------------
# pipeline NAME EXPECTED: config/NAME.yaml exits 0 and its guest printed EXPECTED.
pipeline() {
  wanted "$1" pipelines || return 0
  _yaml=$SOURCE/config/$1.yaml
  rm -f "$W/logs/guest-$1.log"*
  _limit=$(within 120)
  [ -n "$_limit" ] || { spent "$1"; return 0; }
  _t0=$(now)
  timeout -k 5 "$_limit" "$HVMTOOL" run -F --timings "$_yaml" >"$W/$1.out" 2>&1
  _rc=$?
  _took=$(since "$_t0")
  if [ $_rc -ne 0 ]; then
    fail "$1 hvmtool run exit $_rc after ${_took}s"
    show_tail "$W/$1.out"
    show_tail "$W/logs/guest-$1.log"
  elif ! grep -aq "$2" "$W/logs/guest-$1.log"; then
    fail "$1 exit 0 in ${_took}s but no '$2' on the guest console"
    show_tail "$W/logs/guest-$1.log"
  else
    pass "$1 ${_took}s: $(grep -a -m 1 "$2" "$W/logs/guest-$1.log" | tr -d '\r')"
    echo "KVMTIER: TIME guest $1 ${_took}s"
  fi
}
pipeline kvm-hello "hello from flat32"
pipeline hvm-hvmloader "testkernel: done"
pipeline direct-testkernel "testkernel: done"
pipeline pvh-testkernel "pvhkernel: done"
pipeline hvm-bootsector "bootsector: hello from 0x"

# --- 3. Linux to userspace ------------------------------------------------------
# The direct 64-bit bzImage boot: Debian's vmlinuz through build_pv's linux64
# entry, with the command line the QEMU run below uses.
LINUX_CMDLINE="console=ttyS0 hvmtool.action=poweroff"
cat >"$W/direct-linux.yaml" <<YAML
platform: kvm
stages: {build: build_pv}
params:
  build_pv: {entry: linux64}
domain:
  name: direct-linux
  type: pvh
  memory: 512M
  vcpus: 1
  kernel: $CACHE/vmlinuz
  ramdisk: $CACHE/initramfs.cpio.gz
  cmdline: "$LINUX_CMDLINE"
  on_poweroff: destroy
  on_reboot: destroy
  on_crash: destroy
  timeouts: {build: 60s, wait: 120s}
YAML

# boot_to_init NAME LOG COMMAND...: runs COMMAND, notes when MARKER shows in
# LOG; sets t_init (seconds to the marker, empty if never), t_total, rc.
boot_to_init() {
  _log=$2
  shift 2
  rm -f "$_log"*
  _t0=$(now)
  "$@" >"$W/boot.out" 2>&1 &
  _pid=$!
  t_init=
  while kill -0 $_pid 2>/dev/null; do
    if [ -z "$t_init" ] && grep -aqs "$MARKER" "$_log"; then
      t_init=$(since "$_t0")
    fi
    sleep 0.1
  done
  wait $_pid
  rc=$?
  t_total=$(since "$_t0")
  [ -z "$t_init" ] && grep -aqs "$MARKER" "$_log" && t_init=$t_total
  return 0
}

# What the kernel said about its platform: the hypervisor it detected, where
# its interrupt controllers came from, how its timer is wired, its clock.
linux_facts() { # NAME LOG
  grep -a 'Hypervisor detected\|Booting paravirtualized kernel\|MADT or MP tables\|MP-table\|ACPI: MADT\|IOAPIC\[0\]\|TIMER: vector\|MP-BIOS bug\|timer doesn.t work\|Switched to clocksource' "$2" |
    tr -d '\r' | sed 's/^\[ *[0-9.]*\] //' | head -n 10 | sed "s|^|KVMTIER: INFO $1 kernel: |"
}

# linux_platform NAME LOG: the kernel drove its timer through the IOAPIC (an
# MP table or MADT named it and the tick arrived on that pin) and knew it ran
# on KVM (CPUID.1:ECX[31], KVM's leaves, kvm-clock), as under QEMU.
linux_platform() {
  _why=
  grep -aq 'MADT or MP tables are not detected' "$2" && _why="$_why no MP table or MADT;"
  grep -aq 'MP-BIOS bug\|timer doesn.t work' "$2" && _why="$_why the timer is not on the IOAPIC pin the tables name;"
  grep -aq 'TIMER: vector=.*pin1=[0-9]' "$2" || _why="$_why no IOAPIC timer setup;"
  grep -aq 'Booting paravirtualized kernel on KVM' "$2" || _why="$_why KVM not detected;"
  grep -aq 'Switched to clocksource kvm-clock' "$2" || _why="$_why no kvm-clock;"
  if [ -z "$_why" ]; then
    pass "$1-platform timer on the IOAPIC ($(grep -a -o 'TIMER: vector=[^ ]* apic1=[0-9]* pin1=[0-9]*' "$2" | head -n 1)), KVM detected, kvm-clock"
  else
    fail "$1-platform$_why"
  fi
}

QEMU=$(command -v qemu-system-x86_64 || true)
# linux NAME: one path, REPEAT boots; "TIME linux NAME run i: init Xs total Ys"
# per boot, then one PASS/FAIL line with the count that reached /init.
linux() {
  _name=$1
  wanted "$_name" linux || return 0
  case $_name in
    hvm-linux | pvh-linux) _log=$W/logs/guest-$_name.log ;;
    direct-linux) _log=$W/logs/guest-direct-linux.log ;;
    qemu-linux) _log=$W/qemu-linux.serial ;;
  esac
  for _f in "$CACHE/vmlinuz" "$CACHE/vmlinux" "$CACHE/initramfs.cpio.gz"; do
    [ -s "$_f" ] || { fail "$_name no $_f (scripts/guest/fetch-debian-kernel.sh, build-initramfs.sh)"; return 0; }
  done
  if [ "$_name" = qemu-linux ] && [ -z "$QEMU" ]; then
    skip "$_name qemu-system-x86_64 not in L1"
    return 0
  fi
  _ok=0 _times=
  _i=1
  while [ $_i -le "$REPEAT" ]; do
    _limit=$(within 180)
    [ -n "$_limit" ] || { spent "$_name"; return 0; }
    case $_name in
      hvm-linux | pvh-linux) boot_to_init "$_name" "$_log" timeout -k 5 "$_limit" "$HVMTOOL" run -F --timings "$SOURCE/config/$_name.yaml" ;;
      direct-linux) boot_to_init "$_name" "$_log" timeout -k 5 "$_limit" "$HVMTOOL" run -F --timings "$W/direct-linux.yaml" ;;
      qemu-linux)
        boot_to_init "$_name" "$_log" timeout -k 5 "$_limit" "$QEMU" -accel kvm -cpu host -M pc -m 512M -smp 1 \
          -nodefaults -no-user-config -display none -vga none -no-reboot -serial "file:$_log" \
          -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initramfs.cpio.gz" -append "$LINUX_CMDLINE"
        ;;
    esac
    echo "KVMTIER: TIME linux $_name run $_i: init ${t_init:-never}s, total ${t_total}s, exit $rc"
    if [ $_i -eq 1 ]; then
      linux_facts "$_name" "$_log"
      cp "$_log" "$W/$_name.first.log" 2>/dev/null
    fi
    if [ -n "$t_init" ] && [ $rc -eq 0 ]; then
      _ok=$((_ok + 1))
      _times="$_times $t_init"
    else
      info "$_name run $_i: $(grep -a -c . "$_log" 2>/dev/null || echo 0) console lines, exit $rc"
      show_tail "$W/boot.out" 5
      show_tail "$_log" 12
    fi
    _i=$((_i + 1))
  done
  _median=$(echo "$_times" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
  eval "median_$(echo "$_name" | tr - _)=\$_median"
  if [ "$_ok" -eq "$REPEAT" ]; then
    pass "$_name $_ok of $REPEAT boots reached /init and powered off; time to /init:$_times s"
  else
    fail "$_name $_ok of $REPEAT boots reached /init and powered off"
  fi
  linux_platform "$_name" "$W/$_name.first.log"
}
median_hvm_linux= median_pvh_linux= median_direct_linux= median_qemu_linux=
linux qemu-linux
linux direct-linux
linux pvh-linux
linux hvm-linux

# Linux's time to /init through hvmtool next to QEMU (the same kernel and
# initramfs, -accel kvm, in this same L1 system).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
if [ -n "$median_qemu_linux" ]; then
  for p in direct_linux pvh_linux hvm_linux; do
    eval "t=\$median_$p"
    [ -n "$t" ] && echo "KVMTIER: TIME linux-to-init $(echo $p | tr _ -) hvmtool ${t}s qemu-kvm ${median_qemu_linux}s ratio $(ratio "$t" "$median_qemu_linux")"
  done
fi

exit $failed
