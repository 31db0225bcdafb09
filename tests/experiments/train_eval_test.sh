#!/bin/sh
# End-to-end: `spikebar train` then `spikebar eval` on a small slice of Fashion-MNIST.
# Checks against the trainer's own record and an uninterrupted run:
#  - eval reproduces the accuracy the trainer recorded in the model file, exactly;
#  - a training run killed with SIGKILL after its first checkpoint and continued with
#    --resume gives bit-identical weights to an uninterrupted run, and refuses a checkpoint
#    whose [network], [lif], [train] or [data] differ, but not one whose other sections do;
#  - eval on 1 and 2 threads and with batch sizes 7 and 256 writes identical readouts.
# usage: train_eval_test.sh SPIKEBAR SOURCE_DIR
set -eu
bin=$1
src=$2
[ -d /usr/share/datasets/fashion-mnist ] || { echo "SKIP: Fashion-MNIST not installed"; exit 77; }
. "$src/tests/experiments/accuracy.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cfg="$src/configs/fmnist_snn.ini"
set -- --set data.train_limit=2560 --set data.test_limit=300 --set train.epochs=3 --set train.batch_size=64

"$bin" train --config "$cfg" --out "$tmp/a.h5" "$@" 2> "$tmp/a.log"

# The same run, killed once its first checkpoint exists, then resumed.
"$bin" train --config "$cfg" --out "$tmp/b.h5" "$@" 2> "$tmp/b.log" &
pid=$!
while [ ! -f "$tmp/b.h5.ckpt.h5" ] && kill -0 $pid 2>/dev/null; do sleep 0.02; done
if kill -9 $pid 2>/dev/null; then echo "killed training after its first checkpoint"; fi
wait $pid 2>/dev/null || true
[ ! -f "$tmp/b.h5" ] || { echo "FAIL: the killed run left a model file"; exit 1; }
# A change to a section training reads is refused; one to any other section is not.
if "$bin" train --config "$cfg" --out "$tmp/b.h5" --resume "$@" --set train.lr=0.001 2> "$tmp/c.err"; then
    echo "FAIL: resume with another train.lr accepted"; exit 1
fi
want="spikebar: train --resume: $tmp/b.h5.ckpt.h5 was written with a different [network], [lif], [train] or [data]; start afresh without --resume"
[ "$(cat "$tmp/c.err")" = "$want" ] || { echo "FAIL: message '$(cat "$tmp/c.err")'"; exit 1; }
"$bin" train --config "$cfg" --out "$tmp/b.h5" --resume "$@" --set eval.online_exit=true --set energy.adc_pj=2 2>> "$tmp/b.log"
h5diff "$tmp/a.h5" "$tmp/b.h5" /layers /layers || { echo "FAIL: resumed weights differ"; exit 1; }
echo "resumed run equals uninterrupted run"

recorded=$(recorded_accuracies "$tmp/a.h5")
measured=$("$bin" eval --config "$cfg" --model "$tmp/a.h5" "$@" --set eval.threads=1 --out "$tmp/r1.h5" |
  printed_accuracies)
[ "$recorded" = "$measured" ] || { echo "FAIL: recorded '$recorded', eval '$measured'"; exit 1; }
echo "eval reproduces recorded accuracy: $measured"

"$bin" eval --config "$cfg" --model "$tmp/a.h5" "$@" --set eval.threads=2 --set eval.batch_size=7 --out "$tmp/r2.h5" > /dev/null
h5diff "$tmp/r1.h5" "$tmp/r2.h5" /timesteps /timesteps || { echo "FAIL: readouts depend on threads or batch size"; exit 1; }
echo "readouts identical for 1/2 threads and batch 256/7"
