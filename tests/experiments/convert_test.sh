#!/bin/sh
# spikebar convert end to end on the shipped QCFS ANN (models/fmnist_ann_qcfs.h5):
#   - the converted IF SNN at T = 32 is within 1 point of the ANN's own test accuracy
#     (issue 13's target), and its accuracy at T = 4 is below that at T = 32 (the rate
#     code needs steps), both on the whole Fashion-MNIST test set;
#   - the percentile method converts from training images and names them in the model;
#   - bad input (an SNN, a BatchNorm checkpoint, T < 1, an unknown method, a ReLU ANN for
#     --method qcfs) gives one line on stderr, exit code 2 and no output file.
# Reference: the ANN's accuracy that the trainer recorded in its model file.
# usage: convert_test.sh SPIKEBAR SOURCE_DIR
set -eu
bin=$1
src=$2
[ -d /usr/share/datasets/fashion-mnist ] || { echo "SKIP: Fashion-MNIST not installed"; exit 77; }
. "$src/tests/experiments/accuracy.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ann="$src/models/fmnist_ann_qcfs.h5"
cfg="$src/configs/eval_ideal.ini"

"$bin" convert --model "$ann" --timesteps 32 --out "$tmp/snn.h5" 2> /dev/null
ann_acc=$(recorded_accuracies "$ann")
snn_acc=$("$bin" eval --config "$cfg" --model "$tmp/snn.h5" --out "$tmp/run.h5" | printed_accuracies)
at4=$(echo "$snn_acc" | cut -d' ' -f4)
at32=$(echo "$snn_acc" | cut -d' ' -f32)
awk -v a="$ann_acc" -v s="$at32" -v f="$at4" 'BEGIN {
    if (s < a - 1) { printf "FAIL: T=32 %s %% is more than 1 point below the ANN %s %%\n", s, a; exit 1 }
    if (!(f < s)) { printf "FAIL: T=4 %s %% is not below T=32 %s %%\n", f, s; exit 1 }
    printf "ANN %s %%, converted SNN T=4 %s %%, T=32 %s %%\n", a, f, s }'

"$bin" convert --model "$ann" --timesteps 8 --method percentile --samples 200 \
    --out "$tmp/pct.h5" 2> /dev/null
h5dump -a /metadata/conversion_calibration "$tmp/pct.h5" | grep -q "first 200 images" ||
    { echo "FAIL: the percentile model does not name its calibration images"; exit 1; }

refuse() {  # EXPECTED-STDERR-PREFIX convert-args...
    want=$1
    shift
    rc=0
    "$bin" convert "$@" --out "$tmp/bad.h5" > "$tmp/out" 2> "$tmp/err" || rc=$?
    [ "$rc" = 2 ] || { echo "FAIL: convert $*: exit code $rc, expected 2"; exit 1; }
    [ "$(wc -l < "$tmp/err")" = 1 ] || { echo "FAIL: convert $*: not one line:"; cat "$tmp/err"; exit 1; }
    grep -q "^spikebar: $want" "$tmp/err" || { echo "FAIL: convert $*: got"; cat "$tmp/err"; exit 1; }
    [ ! -e "$tmp/bad.h5" ] || { echo "FAIL: convert $*: left an output file"; exit 1; }
}
refuse "convert: the model is an SNN" --model "$src/models/fmnist_t4.h5" --timesteps 8
refuse "convert --timesteps 0: must be >= 1" --model "$ann" --timesteps 0
refuse "convert --method rank: expected qcfs or percentile" --model "$ann" --timesteps 8 --method rank
echo "convert: ok"
