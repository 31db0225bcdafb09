#!/usr/bin/env bash
# The demo behind `./setup.sh demo`, on the shipped Fashion-MNIST models:
#  1. the T=4 model on the 10 000 test images on ideal hardware, with SEENN-I early exit;
#  2. the same on 5 Monte-Carlo crossbar chips at the demo operating point
#     (configs/device/demo.ini: 64x64 tiles, 2.5 ohm wires, 5 % device variation,
#     5 % read noise, 6-bit ADC), with an ideal shadow network for the error accumulation;
#  3. SEENN-I's Pareto curve on chip 0, replayed from that run's log;
#  4. a small robustness sweep (configs/sweep_demo.ini: T = 1, 2, 4 x ideal and three
#     non-ideality levels x SEENN-I on and off, 3 chips, 500 test images);
#  5. the figures (out/figures/*.png).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./build/spikebar
mkdir -p out
# --force: a rerun of the demo replaces its earlier outputs.
"$bin" eval --config configs/fmnist_snn.ini --model models/fmnist_t4.h5 --out out/demo.h5 --force
"$bin" eval --config configs/device/demo.ini --model models/fmnist_t4.h5 --out out/demo_chip.h5 --force
"$bin" replay --run out/demo_chip.h5 --policy confidence --sweep alpha=0.5:0.001:0.999 --lane 0 \
  --out out/demo_pareto.h5 --csv out/demo_pareto.csv --force
# A finished sweep is redone; an interrupted one (its work directory left) is resumed.
rm -f out/demo_sweep.h5
resume=""
[ -d out/demo_sweep.h5.work ] && resume=--resume
"$bin" sweep --config configs/sweep_demo.ini --out out/demo_sweep.h5 $resume
"$bin" plot out/demo.h5 out/demo_chip.h5 out/demo_pareto.h5 out/demo_sweep.h5 --out out/figures
