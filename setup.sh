#!/usr/bin/env bash
# spikebar set-up on Debian 12: installs the packages, configures and builds, then
# runs what was asked for. Idempotent: a second run installs nothing and rebuilds
# only what changed.
#
#   ./setup.sh          install + build
#   ./setup.sh demo     install + build + the demo on the default config
#   ./setup.sh test     install + build + every test (ctest)
#   ./setup.sh bench    install (+ PyTorch and OpenBLAS for the peer) + build + benchmarks
#   ./setup.sh sanitize [CTEST ARGS]  install + an ASan + UBSan build (build-sanitize/) +
#                       every test in it (or those CTEST ARGS select, e.g. -LE long); any
#                       sanitizer report fails its test (docs/fuzzing.md)
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-build}
case "$mode" in build|demo|test|bench|sanitize) ;; *)
  echo "usage: ./setup.sh [build|demo|test|bench|sanitize]" >&2; exit 2 ;;
esac

packages=(build-essential cmake libeigen3-dev libhdf5-dev libboost-program-options-dev
          doctest-dev hdf5-tools zlib1g-dev dataset-fashion-mnist)
# OpenMPI for `mpirun -np P spikebar sweep` (about 13 MB to download); the build works
# without it (cmake -DSPIKEBAR_MPI=OFF, or simply absent: sweeps then run in one process).
packages+=(libopenmpi-dev openmpi-bin)
if [ "$mode" = test ] || [ "$mode" = sanitize ]; then
  # numpy and h5py for the Python tests of the analysis scripts (experiments/*.py),
  # matplotlib for the plot test, and the PyTorch peer check with OpenBLAS as in bench:
  # without them ctest skips those tests.
  packages+=(python3-numpy python3-h5py python3-matplotlib python3-torch libopenblas0-pthread)
fi
if [ "$mode" = bench ]; then
  # The PyTorch peer: Debian's torch with OpenBLAS (without it torch falls back to the
  # reference BLAS and the comparison would flatter us).
  packages+=(python3-torch python3-numpy python3-h5py libopenblas0-pthread)
fi

start=$(date +%s)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "[deps] installing: ${missing[*]}" >&2
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
fi
echo "[deps] ok" >&2

jobs=$(nproc)
build=build
flags=(-DCMAKE_BUILD_TYPE=Release)
if [ "$mode" = sanitize ]; then
  # Optimized with debug info: sanitizer reports name source lines, the suite stays fast.
  build=build-sanitize
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPIKEBAR_SANITIZE=ON -DSPIKEBAR_BUILD_BENCH=OFF)
fi
cmake -S . -B "$build" "${flags[@]}" ${SPIKEBAR_CMAKE_ARGS:-} > build.log 2>&1 ||
  { cat build.log >&2; echo "[build] cmake configure failed" >&2; exit 1; }
cmake --build "$build" -j"$jobs" >> build.log 2>&1 ||
  { tail -50 build.log >&2; echo "[build] failed (full log: build.log)" >&2; exit 1; }
echo "[build] ok  ($(( $(date +%s) - start )) s)" >&2

case "$mode" in
  demo)  exec bash experiments/demo.sh ;;
  test)  exec ctest --test-dir build --output-on-failure -j"$jobs" ;;
  bench) exec bash bench/run.sh ;;
  sanitize)
    # Every report is fatal and names its stack; leaks are reported too. libhdf5's own
    # overlap on corrupt files is suppressed, and a SIGSEGV stays a signal (handle_segv=0):
    # import-nir's child process must die of libhdf5's crash as it does unsanitized.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86:handle_segv=0:suppressions=$PWD/tests/asan.supp
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86
    exec ctest --test-dir "$build" --output-on-failure -j"$jobs" "${@:2}" ;;
esac
