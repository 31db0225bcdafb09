#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) in build-fuzz/ and
# runs them one after another, each for SECONDS (default 600) on one core:
#   fuzz/run.sh [SECONDS] [TARGET...]      targets: model nir tensor run_file idx cifar config
# Each starts from its corpus (fuzz/corpus/<target>; configs/ for config) and grows a
# working copy in out/fuzz/<target>/corpus. An input that fails lands in out/fuzz/<target>/
# as crash-*, leak-*, oom-* or timeout-*: fix the bug, then copy the input into
# fuzz/regressions/<target>/, where ctest replays it in every build (docs/fuzzing.md).
# The final statistics of every run are appended to out/fuzz/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(model nir tensor run_file idx cifar config)

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSPIKEBAR_FUZZ=ON -DSPIKEBAR_BUILD_TESTS=OFF -DSPIKEBAR_BUILD_BENCH=OFF -DSPIKEBAR_MPI=OFF \
  > out-fuzz-build.log 2>&1 || { cat out-fuzz-build.log >&2; exit 1; }
cmake --build build-fuzz -j"$(nproc)" >> out-fuzz-build.log 2>&1 ||
  { tail -40 out-fuzz-build.log >&2; exit 1; }
rm -f out-fuzz-build.log

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p out/fuzz
for t in "${targets[@]}"; do
  work=out/fuzz/$t
  mkdir -p "$work/corpus"
  seeds=(fuzz/corpus/"$t")
  [ "$t" = config ] && seeds=(configs configs/device)
  [ -d "fuzz/regressions/$t" ] && seeds+=("fuzz/regressions/$t")
  echo "[fuzz] $t: ${seconds} s" >&2
  rc=0
  # Fork mode: one child process at a time, and a failure is recorded without ending the
  # run, so every finding of the whole time budget is collected.
  build-fuzz/fuzz/"$t"_fuzz -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=3072 -print_final_stats=1 \
    -artifact_prefix="$work/" "$work/corpus" "${seeds[@]}" \
    > "$work/log.txt" 2>&1 || rc=$?
  {
    echo "== $t  $(date -u +%FT%TZ)  ${seconds} s  exit $rc  $(lscpu | sed -n 's/^Model name: *//p')"
    grep -E '^(#[0-9]+: cov|#[0-9]+ +DONE|INFO: fuzzed for|stat::|SUMMARY|==[0-9]+==ERROR)' "$work/log.txt" | tail -8 || true
  } >> out/fuzz/summary.txt
  echo "[fuzz] $t: exit $rc ($(ls "$work" | grep -cE '^(crash|leak|oom|timeout)-' || true) failing inputs)" >&2
done
