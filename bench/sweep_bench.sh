#!/usr/bin/env bash
# Sweep throughput (issue 6): chip-images per second of `spikebar sweep` on one grid with
# 1 thread, 2 threads and 2 MPI ranks of 1 thread each, and peak RSS for 2, 8 and 32
# points (memory must stay flat as points grow). JSON to OUT (default out/bench/sweep.json).
#
# The grid: the shipped T = 4 model on 3 chips of the demo chip (64x64, 2.5 ohm, 5 %
# variation, 5 % read noise, 6-bit ADC), read noise swept over the points, the first
# 200 test images. Throughput = points * chips * images / wall seconds.
# usage: bench/sweep_bench.sh [OUT.json]   (from the repository root, after a build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/bench/sweep.json}
bin=build/spikebar
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$out")"

grid() {  # grid POINTS: a config whose [sweep] has POINTS read-noise values
    local n=$1 values="" i
    for i in $(seq 0 $((n - 1))); do values="$values${values:+, }$(printf "0.%03d" "$i")"; done  # distinct
    cat > "$tmp/g$n.ini" <<EOF
[data]
test_limit = 200
[crossbar]
enabled = true
tile_rows = 64
tile_cols = 64
chips = 3
dac_bits = 8
[device]
d2d_sigma = 0.05
[adc]
bits = 6
[earlyexit]
policy = fixed
[eval]
calibration_samples = 64
[sweep]
device.read_noise_sigma = $values
EOF
}

run() {  # run NAME POINTS PREFIX...: wall seconds and peak RSS [KiB] of one sweep
    local name=$1 n=$2
    shift 2
    rm -rf "$tmp/$name.h5" "$tmp/$name.h5.work"
    /usr/bin/time -f "%e %M" -o "$tmp/$name.time" "$@" "$bin" sweep --config "$tmp/g$n.ini" \
        --model models/fmnist_t4.h5 --out "$tmp/$name.h5" > "$tmp/$name.log" 2>&1
    read -r wall rss < "$tmp/$name.time"
    echo "$wall $rss"
}

grid 8
read -r t1 r1 < <(run t1 8 env OMP_NUM_THREADS=1)
read -r t2 r2 < <(run t2 8 env OMP_NUM_THREADS=2)
mpi=null
if ldd "$bin" | grep -q libmpi; then
    read -r tm rm_ < <(run mpi 8 env OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 \
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none \
        OMPI_MCA_rmaps_base_oversubscribe=1 mpirun -np 2)
    mpi=$(awk -v t="$tm" 'BEGIN { printf "%.1f", 8 * 3 * 200 / t }')
fi
rss=""
for n in 2 8 32; do
    grid $n
    read -r _ r < <(run rss$n $n env OMP_NUM_THREADS=2)
    rss="$rss${rss:+, }\"$n\": $r"
done
rate() { awk -v t="$1" 'BEGIN { printf "%.1f", 8 * 3 * 200 / t }'; }
cat > "$out" <<EOF
{
  "grid": "8 points x 3 chips x 200 images, T = 4, demo chip",
  "chip_images_per_s_1_thread": $(rate "$t1"),
  "chip_images_per_s_2_threads": $(rate "$t2"),
  "chip_images_per_s_2_mpi_ranks": $mpi,
  "speedup_2_threads": $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", a / b }'),
  "peak_rss_kib_by_points": { $rss }
}
EOF
cat "$out"
