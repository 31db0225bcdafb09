#!/usr/bin/env bash
# The demo behind `./setup.sh demo`: evaluates the shipped Fashion-MNIST T=4 model on
# the test set at every timestep and writes the run file out/demo.h5.
set -euo pipefail
cd "$(dirname "$0")/.."
./build/spikebar eval --config configs/fmnist_snn.ini --model models/fmnist_t4.h5 --out out/demo.h5
