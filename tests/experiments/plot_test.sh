#!/bin/sh
# `spikebar plot` (app/plot.py) on real output files: a run file, a replay file, an
# overlay of two replay files and one of two crossbar run files each give their PNGs
# (checked by the PNG signature); a file that is not a spikebar file, a run file without
# /shadow given to --overlay, files of two kinds overlaid, or an unknown flag, is one line
# "spikebar plot: ..." (never the script's own name) and exit 2.
# The runs are of the shipped T=4 model on a synthetic dataset the test writes
# (SPIKEBAR_SYNTHETIC_IDX). Skipped (77) where /usr/bin/python3 lacks matplotlib or h5py.
# usage: SPIKEBAR_SYNTHETIC_IDX=TOOL plot_test.sh SPIKEBAR SOURCE_DIR
set -eu
bin=$1
src=$2
/usr/bin/python3 -c 'import matplotlib, h5py, numpy' 2>/dev/null ||
    { echo "SKIP: /usr/bin/python3 without matplotlib/h5py/numpy"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A synthetic stand-in for Fashion-MNIST (28 x 28, 10 classes; tests/tools/synthetic_idx.cpp),
# so that the test needs no downloaded dataset; the shipped models run on it.
"${SPIKEBAR_SYNTHETIC_IDX:?the synthetic dataset tool spikebar_synthetic_idx (ctest sets it)}" "$tmp/data"
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "FAIL: $1 is not a PNG"; exit 1; }; }

set -- --set data.dir="$tmp/data" --set data.test_limit=64 --set earlyexit.policy=confidence
"$bin" eval --config "$src/configs/fmnist_snn.ini" --model "$src/models/fmnist_t4.h5" "$@" --out "$tmp/run.h5" > /dev/null
"$bin" replay --run "$tmp/run.h5" --sweep alpha=0.5:0.1:0.9 --out "$tmp/a.h5" > /dev/null
"$bin" replay --run "$tmp/run.h5" --policy entropy --sweep entropy_threshold=0.1:0.1:0.5 --out "$tmp/b.h5" > /dev/null
"$bin" plot "$tmp/run.h5" "$tmp/a.h5" --out "$tmp/fig" > "$tmp/list.txt"
for f in run_energy run_exits a_pareto; do
    grep -qx "$tmp/fig/$f.png" "$tmp/list.txt" || { echo "FAIL: $f.png not listed"; cat "$tmp/list.txt"; exit 1; }
    is_png "$tmp/fig/$f.png"
done
"$bin" plot "$tmp/a.h5" "$tmp/b.h5" --overlay both --out "$tmp/fig" > /dev/null
is_png "$tmp/fig/both.png"
# Two small crossbar runs: their membrane error growth in one figure.
for n in 0 0.1; do
    "$bin" eval --config "$src/configs/device/demo.ini" --model "$src/models/fmnist_t4.h5" --set data.dir="$tmp/data" --set data.test_limit=16 \
        --set crossbar.chips=2 --set eval.calibration_samples=16 --set device.read_noise_sigma=$n --out "$tmp/chip_$n.h5" > /dev/null
done
"$bin" plot "$tmp/chip_0.h5" "$tmp/chip_0.1.h5" --overlay growth --out "$tmp/fig" > /dev/null
is_png "$tmp/fig/growth.png"
out=$("$bin" plot "$tmp/a.h5" "$tmp/chip_0.h5" --overlay x 2>&1 >/dev/null) && { echo "FAIL: mixed overlay accepted"; exit 1; } || rc=$?
[ "$rc" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [ "$out" = "spikebar plot: $tmp/chip_0.h5: --overlay takes files of one kind ($tmp/chip_0.h5 is a spikebar-run file, $tmp/a.h5 is not)" ] ||
    { echo "FAIL: mixed overlay: exit $rc, '$out'"; exit 1; }
echo "run, replay and overlay figures written"

echo "not hdf5" > "$tmp/bad.h5"
out=$("$bin" plot "$tmp/bad.h5" 2>&1 >/dev/null) && { echo "FAIL: a text file was plotted"; exit 1; } || rc=$?
[ "$rc" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -q "^spikebar plot: $tmp/bad.h5: cannot open as HDF5 (" ||
    { echo "FAIL: bad file: exit $rc, '$out'"; exit 1; }
out=$("$bin" plot "$tmp/run.h5" --overlay x 2>&1 >/dev/null) && { echo "FAIL: a run file was overlaid"; exit 1; } || rc=$?
[ "$rc" = 2 ] && [ "$out" = "spikebar plot: $tmp/run.h5: --overlay takes replay files, or run files of crossbar runs (with /shadow)" ] ||
    { echo "FAIL: overlay of a run file: exit $rc, '$out'"; exit 1; }
out=$("$bin" plot "$tmp/run.h5" --bogus 2>&1 >/dev/null) && { echo "FAIL: an unknown flag was accepted"; exit 1; } || rc=$?
[ "$rc" = 2 ] && [ "$out" = "spikebar plot: unrecognized arguments: --bogus (see spikebar plot --help)" ] ||
    { echo "FAIL: unknown flag: exit $rc, '$out'"; exit 1; }
out=$("$bin" plot 2>&1 >/dev/null) && { echo "FAIL: plot without files ran"; exit 1; } || rc=$?
[ "$rc" = 2 ] && [ "$out" = "spikebar plot: expected at least one FILE (see spikebar plot --help)" ] ||
    { echo "FAIL: no FILE: exit $rc, '$out'"; exit 1; }
echo "bad input: one line 'spikebar plot: ...', exit 2"
