#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) with libFuzzer, one after the
# other, each for SECONDS (default 60) or RUNS executions, whichever comes
# first, and prints a table of executions.
#
#   fuzz/run-fuzzers.sh [-t SECONDS] [-n RUNS] [-j JOBS] [TARGET...]
#
# Builds build-fuzz/ with clang (-fsanitize=fuzzer-no-link,address,undefined
# on everything, libFuzzer's main in the targets), makes the seed corpora
# (fuzz/make-seeds.sh, with build/'s test kernels when that tree exists),
# and keeps each target's growing corpus in build-fuzz/corpus/TARGET and
# what it finds in build-fuzz/artifacts/TARGET/. Runs under `nice -n 10`.
# Packages (Debian 12): clang, libclang-rt-14-dev (fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
runs=-1
jobs=$(nproc)
while getopts "t:n:j:h" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    n) runs=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
all=(pipeline_yaml elf_loader pvh_notes bzimage partition_table grub_cfg extlinux_conf menu_lst ext_path_walk)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

out=build-fuzz
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
flags+=" -Wno-unknown-warning-option"
CC=clang CXX=clang++ cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHVMTOOL_FUZZ=ON \
  -DHVMTOOL_BUILD_FIRMWARE=OFF -DHVMTOOL_BUILD_XEN=OFF -DBUILD_TESTING=OFF \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
nice -n 10 cmake --build "$out" --target fuzz_all -j "$jobs"
bash fuzz/make-seeds.sh "$out/fuzz-seeds" "$PWD/build" >/dev/null

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
results=()
status=0
for t in "${targets[@]}"; do
  corpus="$out/corpus/$t"
  artifacts="$out/artifacts/$t/"
  mkdir -p "$corpus" "$artifacts"
  log="$out/fuzz-$t.log"
  echo "fuzz_$t: ${seconds}s ..."
  if nice -n 10 "$out/fuzz/fuzz_$t" -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 -rss_limit_mb=2048 \
    -timeout=10 -artifact_prefix="$artifacts" "$corpus" "$out/fuzz-seeds/$t" >"$log" 2>&1; then
    verdict=ok
  else
    verdict="FOUND (see $log, $artifacts)"
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  results+=("$(printf '%-16s %12s %10s %8s  %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$verdict")")
done
printf '%-16s %12s %10s %8s  %s\n' target executions "exec/s" coverage result
printf '%s\n' "${results[@]}"
exit $status
