#!/bin/sh
# The shipped models (models/fmnist_t{1,2,4,8}.h5, the IF variant fmnist_t4_if.h5 and the
# QCFS ANN fmnist_ann_qcfs.h5 and the hardware-aware fine-tune fmnist_t4_hwa.h5, evaluated with a config that leaves the network to the model):
# `spikebar eval` on the whole Fashion-MNIST test set reproduces, to the printed 0.01 %,
# the accuracy at every timestep that the trainer recorded in each model file
# (/metadata/test_accuracy_percent_by_timestep) and that docs/results.md quotes.
# Reference: the trainer's own record, written when it was trained.
# usage: shipped_models_test.sh SPIKEBAR SOURCE_DIR
set -eu
bin=$1
src=$2
[ -d /usr/share/datasets/fashion-mnist ] || { echo "SKIP: Fashion-MNIST not installed"; exit 77; }
. "$src/tests/experiments/accuracy.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pair in t1:fmnist_snn_t1 t2:fmnist_snn_t2 t4:fmnist_snn t8:fmnist_snn_t8 t4_if:fmnist_snn_if \
    ann_qcfs:eval_ideal t4_hwa:eval_ideal; do
    model="$src/models/fmnist_${pair%%:*}.h5"
    cfg="$src/configs/${pair#*:}.ini"
    recorded=$(recorded_accuracies "$model")
    measured=$("$bin" eval --config "$cfg" --model "$model" --out "$tmp/run.h5" | printed_accuracies)
    [ -n "$recorded" ] && [ "$recorded" = "$measured" ] ||
        { echo "FAIL: $model: recorded '$recorded', eval '$measured'"; exit 1; }
    rm -f "$tmp/run.h5"
    echo "$model: eval reproduces the recorded $measured"
done
