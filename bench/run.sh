#!/usr/bin/env bash
# Benchmarks behind `./setup.sh bench`: ours next to the PyTorch peer in one run, then
# the crossbar benchmarks. JSON lands in out/bench/; the ratio table goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/fmnist_t4.h5}
mkdir -p out/bench
echo "[bench] semantics cross-check against PyTorch" >&2
/usr/bin/python3 bench/peers/check_semantics.py build/spikebar "$model" configs/fmnist_snn.ini 256
echo "[bench] spikebar ideal inference and training" >&2
build/bench/snn_bench "$model" out/bench/snn.json --threads 2 > /dev/null
echo "[bench] PyTorch peer (2 threads)" >&2
/usr/bin/python3 bench/peers/bench_torch.py "$model" out/bench/torch.json --threads 2 > /dev/null
/usr/bin/python3 - <<'PY'
import json
ours = json.load(open("out/bench/snn.json"))
peer = json.load(open("out/bench/torch.json"))
print(f"{'metric':32s} {'spikebar':>10s} {'pytorch':>10s} {'ratio':>7s}")
for k in ("inference_images_per_s_T4", "inference_images_per_s_T8", "train_samples_per_s_T4"):
    print(f"{k:32s} {ours[k]:10.0f} {peer[k]:10.0f} {ours[k] / peer[k]:6.2f}x")
PY
echo "[bench] online early exit against full-T inference" >&2
build/bench/earlyexit_bench out/bench/earlyexit.json --model "$model"
echo "[bench] sweep throughput (1, 2 threads, 2 MPI ranks) and memory" >&2
bench/sweep_bench.sh out/bench/sweep.json > /dev/null
for b in build/bench/crossbar_*_bench; do
  [ -x "$b" ] || continue
  name=$(basename "$b")
  echo "[bench] $name" >&2
  "$b" "out/bench/$name.json" > /dev/null
done
echo "[bench] JSON in out/bench/" >&2
