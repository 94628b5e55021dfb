# The host side of a QEMU test tier (sourced by the tiers' run-tier.sh,
# bash): prerequisites, the Debian packages, the boot with its deadline, and
# the result markers read from the serial log. The L1 system prints lines
# "$TIER_PREFIX: PASS|FAIL|SKIP|INFO|TIME ..." on its serial console and
# "$TIER_PREFIX: DONE" when it has finished.
#
#   TIER_PREFIX=KVMTIER
#   tier_skip MESSAGE                      # prints the skip and exits 77
#   tier_require_tools TOOL...             # skip unless every TOOL is on PATH
#   tier_require_memory MIB                # skip unless the host has MIB available
#   tier_fetch_debs CACHE PACKAGE...       # fetch-debs.sh; skip when apt cannot download
#   tier_boot SERIAL DEADLINE [NAME=PATTERN...] -- QEMU ARGS...
#       runs QEMU with its serial port in SERIAL until DONE shows or DEADLINE
#       seconds passed (then QEMU is killed); prints "  T s: NAME" the first
#       time PATTERN shows; sets TIER_TIMED_OUT, TIER_PEAK_RSS (MiB),
#       TIER_ELAPSED (s), and TIER_TEXT: SERIAL without CRs (SERIAL's name
#       with .txt), QEMU's own output is in TIER_QEMU_OUT (.qemu.out).
#       With TIER_STALL=S, a serial log that stops growing for S seconds
#       (the guest prints a heartbeat) ends the boot too: TIER_STALLED=S.
#   tier_boot_again_if_stalled SKIP_PARAM BOOT_FUNCTION
#       after a boot that stalled (TIER_STALLED): prints an INFO line naming
#       the last result, calls BOOT_FUNCTION "SKIP_PARAM=a+b+..." (every test
#       that already reported; the function adds it to the guest's command
#       line and runs tier_boot again), and leaves TIER_TEXT as both boots'
#       text with the INFO line between them. A second stall counts as a
#       timeout. Does nothing after a boot that did not stall.
#   tier_tally                             # counts TIER_TEXT into TIER_PASSED/FAILED/SKIPPED,
#                                          # a missing DONE counts as a failure
#   tier_finish                            # "N passed, N failed[, N skipped]", exit status

TIER_PREFIX=${TIER_PREFIX:-TIER}
TIER_PASSED=0 TIER_FAILED=0 TIER_SKIPPED=0

tier_skip() {
  echo "$TIER_PREFIX: SKIP $*"
  echo "0 passed, 0 failed, 1 skipped"
  exit 77
}

tier_require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || tier_skip "$tool not found (run tests/tier/install-deps.sh)"
  done
}

tier_require_memory() { # MIB
  local avail
  avail=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
  ((avail >= $1)) || tier_skip "${avail} MiB host memory available, the boot needs $1"
}

tier_fetch_debs() { # CACHE PACKAGE...
  local rc=0
  TIER_PREFIX=$TIER_PREFIX bash "$(dirname "${BASH_SOURCE[0]}")/fetch-debs.sh" "$@" || rc=$?
  ((rc == 77)) && tier_skip "the Debian packages could not be downloaded"
  if ((rc != 0)); then
    echo "$TIER_PREFIX: FAIL fetch-debs.sh exit $rc"
    echo "0 passed, 1 failed"
    exit 1
  fi
}

tier_now() { date +%s.%N; }
tier_since() { awk -v a="$1" -v b="$(tier_now)" 'BEGIN {printf "%.1f", b - a}'; }

tier_boot() { # SERIAL DEADLINE [NAME=PATTERN...] -- QEMU ARGS...
  local serial=$1 deadline=$2
  shift 2
  local -a names=() patterns=() seen=()
  while (($#)) && [[ $1 != -- ]]; do
    names+=("${1%%=*}")
    patterns+=("${1#*=}")
    seen+=("")
    shift
  done
  shift # --
  TIER_TEXT="${serial%.*}.txt" TIER_QEMU_OUT="${serial%.*}.qemu.out"
  : >"$serial"
  local start qpid hwm i
  start=$(tier_now)
  "$@" </dev/null >"$TIER_QEMU_OUT" 2>&1 &
  qpid=$!
  # shellcheck disable=SC2064 # the pid is fixed now
  trap "kill $qpid 2>/dev/null || true" EXIT
  trap "kill $qpid 2>/dev/null || true; exit 143" TERM
  trap "kill $qpid 2>/dev/null || true; exit 130" INT
  TIER_TIMED_OUT= TIER_PEAK_RSS= TIER_STALLED=
  local size=0 grew_at now_size
  grew_at=$(tier_now)
  while kill -0 "$qpid" 2>/dev/null; do
    now_size=$(stat -c %s "$serial" 2>/dev/null || echo 0)
    if ((now_size != size)); then
      size=$now_size
      grew_at=$(tier_now)
    elif [[ -n ${TIER_STALL:-} ]] && (($(awk -v e="$(tier_since "$grew_at")" -v s="$TIER_STALL" 'BEGIN {print (e > s)}'))); then
      TIER_STALLED=$TIER_STALL # seconds of silence
      break
    fi
    hwm=$(awk '/^VmHWM:/ {print int($2 / 1024)}' /proc/"$qpid"/status 2>/dev/null || true)
    [[ -n $hwm ]] && TIER_PEAK_RSS=$hwm
    for i in "${!names[@]}"; do
      if [[ -z ${seen[i]} ]] && grep -aq -- "${patterns[i]}" "$serial"; then
        seen[i]=$(tier_since "$start")
        echo "  ${seen[i]} s: ${names[i]}"
      fi
    done
    grep -aq "$TIER_PREFIX: DONE" "$serial" && break
    if (($(awk -v e="$(tier_since "$start")" -v d="$deadline" 'BEGIN {print (e > d)}'))); then
      TIER_TIMED_OUT=1
      break
    fi
    sleep 0.5
  done
  sleep 1 # let QEMU flush the last lines
  kill "$qpid" 2>/dev/null || true
  wait "$qpid" 2>/dev/null || true
  trap - EXIT TERM INT
  TIER_ELAPSED=$(tier_since "$start")
  TIER_DEADLINE=$deadline
  tr -d '\r' <"$serial" >"$TIER_TEXT"
  echo "boot ended after $TIER_ELAPSED s; serial log: $serial; QEMU peak RSS ${TIER_PEAK_RSS:-?} MiB"
}

tier_boot_again_if_stalled() { # SKIP_PARAM BOOT_FUNCTION
  [[ -n $TIER_STALLED ]] || return 0
  local skip_param=$1 boot=$2 p=$TIER_PREFIX
  local first_text="${TIER_TEXT%.txt}-first-boot.txt" reported last stop
  cp "$TIER_TEXT" "$first_text"
  reported=$(sed -n "s/^$p: \(PASS\|FAIL\|SKIP\) \([^ ]*\).*/\2/p" "$first_text" | sort -u | tr '\n' '+')
  last=$(grep -a "^$p: \(PASS\|FAIL\|SKIP\|TIME\)" "$first_text" | tail -n 1 || true)
  stop="$p: INFO the guest stopped (no serial output for ${TIER_STALLED} s, ${TIER_ELAPSED} s into the boot) after: ${last:-nothing}; booting it once more without the $(echo "$reported" | tr -cd + | wc -c) tests already reported"
  echo "$stop"
  tail -n 5 "$first_text" | sed 's/^/  serial: /'
  "$boot" "$skip_param=${reported%+}"
  { cat "$first_text"; echo "$stop"; cat "$TIER_TEXT"; } >"$first_text.both"
  TIER_TEXT="$first_text.both"
  [[ -n $TIER_STALLED ]] && TIER_TIMED_OUT=1
  return 0
}

tier_tally() {
  local txt=$TIER_TEXT p=$TIER_PREFIX
  TIER_PASSED=$(grep -ac "^$p: PASS " "$txt" || true)
  TIER_FAILED=$(grep -ac "^$p: FAIL " "$txt" || true)
  TIER_SKIPPED=$(grep -ac "^$p: SKIP " "$txt" || true)
  if [[ -n $TIER_TIMED_OUT ]]; then
    echo "$p: FAIL boot did not reach $p: DONE within ${TIER_DEADLINE}s (QEMU killed)"
  elif ! grep -aq "$p: DONE" "$txt"; then
    echo "$p: FAIL QEMU exited before $p: DONE: $(tail -n 3 "$TIER_QEMU_OUT" | tr '\n' ' ')"
  else
    return 0
  fi
  tail -n 30 "$txt" | sed 's/^/  serial: /'
  TIER_FAILED=$((TIER_FAILED + 1))
}

tier_finish() {
  if ((TIER_SKIPPED)); then
    echo "$TIER_PASSED passed, $TIER_FAILED failed, $TIER_SKIPPED skipped"
  else
    echo "$TIER_PASSED passed, $TIER_FAILED failed"
  fi
  ((TIER_FAILED == 0)) || exit 1
  ((TIER_PASSED > 0)) || exit 77
  exit 0
}
