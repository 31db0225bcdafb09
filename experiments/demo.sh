#!/usr/bin/env bash
# The demo behind `./setup.sh demo`: the shipped Fashion-MNIST T=4 model on the test set,
# first on ideal hardware, then on 5 Monte-Carlo crossbar chips at the demo operating
# point (configs/device/demo.ini: 64x64 tiles, 2.5 ohm wires, 5 % device variation,
# 5 % read noise, 6-bit ADC), with an ideal shadow network for the error accumulation.
set -euo pipefail
cd "$(dirname "$0")/.."
./build/spikebar eval --config configs/fmnist_snn.ini --model models/fmnist_t4.h5 --out out/demo.h5
./build/spikebar eval --config configs/device/demo.ini --model models/fmnist_t4.h5 --out out/demo_chip.h5
