#!/bin/sh
# spikebar train-policy end to end with the shipped T=4 SNN on a synthetic dataset it writes
# (SPIKEBAR_SYNTHETIC_IDX: 28 x 28, 10 classes, 2048 training and 512 test images).
# Checks against exact expected messages and against itself:
#  - bad input gives one line naming the file or key, and exit code 2;
#  - a run writes a policy net whose recorded test accuracy and mean T equal the printed ones;
#  - 1 and 2 threads give identical policy nets (h5diff of /layers).
# usage: SPIKEBAR_SYNTHETIC_IDX=TOOL train_policy_test.sh SPIKEBAR SOURCE_DIR
set -eu
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cfg="$src/configs/fmnist_snn.ini"
snn="$src/models/fmnist_t4.h5"

expect_error() {  # expect_error "message" args...
  want=$1
  shift
  if "$bin" train-policy "$@" > "$tmp/out" 2> "$tmp/err"; then echo "FAIL: $* succeeded"; exit 1; else rc=$?; fi
  got=$(cat "$tmp/err")
  [ "$rc" = 2 ] || { echo "FAIL: exit $rc for $*"; exit 1; }
  [ "$got" = "$want" ] || { echo "FAIL: got '$got', want '$want'"; exit 1; }
}
expect_error "spikebar: train-policy: --out is required (see spikebar train-policy --help)" \
  --config "$cfg" --model "$snn"
expect_error "spikebar: $tmp/none.h5: cannot open (missing or unreadable)" \
  --config "$cfg" --model "$tmp/none.h5" --out "$tmp/p.h5"
expect_error "spikebar: earlyexit.t_max = 8: the SNN $snn runs 4 timesteps" \
  --config "$cfg" --model "$snn" --out "$tmp/p.h5" --set earlyexit.t_max=8
expect_error "spikebar: data.validation = 0: train-policy scores the policy on a held-out tail of the training set (e.g. --set data.validation=5000)" \
  --config "$cfg" --model "$snn" --out "$tmp/p.h5"
expect_error "spikebar: --set: earlyexit.seenn2_epochs = 0: must be >= 1 [epochs]" \
  --config "$cfg" --model "$snn" --out "$tmp/p.h5" --set earlyexit.seenn2_epochs=0
echo "bad input: one line, exit 2"

# A synthetic stand-in for Fashion-MNIST (28 x 28, 10 classes; tests/tools/synthetic_idx.cpp),
# so that the test needs no downloaded dataset; the shipped models run on it.
"${SPIKEBAR_SYNTHETIC_IDX:?the synthetic dataset tool spikebar_synthetic_idx (ctest sets it)}" "$tmp/data"
set -- --config "$cfg" --model "$snn" --set data.dir="$tmp/data" --set data.train_limit=1024 --set data.validation=512 \
  --set data.test_limit=512 --set earlyexit.seenn2_epochs=2 --set earlyexit.seenn2_batch_size=64
expect_error "spikebar: earlyexit.seenn2_layers = \"conv:4:3, relu\": layer 'linear:4' needs flatten before it (with the head linear:4 appended)" \
  "$@" --out "$tmp/p.h5" --set "earlyexit.seenn2_layers=conv:4:3, relu"

"$bin" train-policy "$@" --out "$tmp/p1.h5" --set eval.threads=1 > "$tmp/p1.out" 2> "$tmp/p1.log"
"$bin" train-policy "$@" --out "$tmp/p2.h5" --set eval.threads=2 > "$tmp/p2.out" 2> "$tmp/p2.log"
h5diff "$tmp/p1.h5" "$tmp/p2.h5" /layers /layers || { echo "FAIL: policy nets differ over threads"; exit 1; }
cmp "$tmp/p1.out" "$tmp/p2.out" || { echo "FAIL: printed results differ over threads"; exit 1; }
echo "identical policy nets and results on 1 and 2 threads"

attr() { h5dump -a "/metadata/$1" "$tmp/p1.h5" | sed -n 's/.*(0): "\(.*\)".*/\1/p'; }
line=$(cat "$tmp/p1.out")
acc=$(echo "$line" | sed -n 's/^test  seenn2 beta=1  accuracy \([0-9.]*\)% at mean T \([0-9.]*\) .*/\1/p')
mean_t=$(echo "$line" | sed -n 's/^test  seenn2 beta=1  accuracy \([0-9.]*\)% at mean T \([0-9.]*\) .*/\2/p')
[ -n "$acc" ] || { echo "FAIL: no test line in '$line'"; exit 1; }
[ "$acc" = "$(attr test_accuracy_percent)" ] || { echo "FAIL: recorded accuracy differs from '$line'"; exit 1; }
rec_t=$(attr test_mean_timesteps)
# Printed with 4 decimals, recorded with 6: equal to within the printed rounding.
awk -v a="$rec_t" -v b="$mean_t" 'BEGIN { d = a - b; exit !(d <= 5e-5 && d >= -5e-5) }' ||
  { echo "FAIL: recorded mean T $rec_t, printed $mean_t"; exit 1; }
[ "$(h5dump -a /network/kind "$tmp/p1.h5" | sed -n 's/.*(0): "\(.*\)".*/\1/p')" = ann ] || { echo "FAIL: not an ann"; exit 1; }
[ "$(grep -c '^epoch [0-9] held-out' "$tmp/p1.log")" = 2 ] || { echo "FAIL: no held-out line per epoch"; cat "$tmp/p1.log"; exit 1; }
echo "recorded test point equals printed: $acc % at mean T $mean_t"
