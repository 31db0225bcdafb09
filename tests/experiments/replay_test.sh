#!/bin/sh
# End-to-end: `spikebar eval` writes a run file, `spikebar replay` and `spikebar export-energy`
# read it. Checks against the run itself (docs/output-format.md promises these equalities):
#  - replaying the run's own policy gives its /samples/{exit_t, prediction, correct,
#    energy_pj} bit for bit (h5diff, no tolerance);
#  - the same policy run online (eval.online_exit = true) gives the same per-sample results,
#    and replay refuses that online file with one line, exit 2;
#  - export-energy's cumulative energy at each sample's exit step is its energy_pj;
#  - bad input to the binary (a --sweep range in the former LO:HI:STEP order among it) is one
#    line on stderr and exit 2.
# Runs the shipped T=4 model on a synthetic dataset it writes (SPIKEBAR_SYNTHETIC_IDX).
# usage: SPIKEBAR_SYNTHETIC_IDX=TOOL replay_test.sh SPIKEBAR SOURCE_DIR
set -eu
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$bin" replay --run "$tmp/none.h5" 2>&1 >/dev/null) && { echo "FAIL: replay of a missing file succeeded"; exit 1; } || rc=$?
[ "$rc" = 2 ] && [ "$out" = "spikebar: $tmp/none.h5: cannot open (missing or unreadable)" ] ||
    { echo "FAIL: missing file: exit $rc, '$out'"; exit 1; }
out=$("$bin" replay --run "$tmp/none.h5" --sweep alpha 2>&1 >/dev/null) || rc=$?
[ "$rc" = 2 ] && [ "$out" = "spikebar: replay: --sweep 'alpha': expected KEY=START:STEP:STOP or KEY=v1,v2,..." ] ||
    { echo "FAIL: bad sweep: exit $rc, '$out'"; exit 1; }
# The former range order LO:HI:STEP: one line naming the start:step:stop spelling, exit 2.
rc=0
out=$("$bin" replay --run "$tmp/none.h5" --sweep alpha=0.5:0.99:0.01 2>&1 >/dev/null) || rc=$?
[ "$rc" = 2 ] && [ "$out" = "spikebar: replay: --sweep 'alpha=0.5:0.99:0.01': ranges are start:step:stop; did you mean 0.5:0.01:0.99?" ] ||
    { echo "FAIL: old range order: exit $rc, '$out'"; exit 1; }
"$bin" replay --help | grep -q '^usage: spikebar replay' || { echo "FAIL: replay --help"; exit 1; }
"$bin" export-energy --help | grep -q '^usage: spikebar export-energy' || { echo "FAIL: export-energy --help"; exit 1; }
echo "bad input: one line, exit 2"

# A synthetic stand-in for Fashion-MNIST (28 x 28, 10 classes; tests/tools/synthetic_idx.cpp),
# so that the test needs no downloaded dataset; the shipped models run on it.
"${SPIKEBAR_SYNTHETIC_IDX:?the synthetic dataset tool spikebar_synthetic_idx (ctest sets it)}" "$tmp/data"
cfg="$src/configs/fmnist_snn.ini"
model="$src/models/fmnist_t4.h5"
set -- --set data.dir="$tmp/data" --set data.test_limit=96 --set earlyexit.policy=confidence --set earlyexit.alpha=0.9

"$bin" eval --config "$cfg" --model "$model" "$@" --out "$tmp/run.h5" > /dev/null
# Samples must exit at different steps, or the equalities below would hold trivially.
exits=$(h5dump -d /samples/exit_t -y -w 1 "$tmp/run.h5" | sed -n 's/^ *\([0-9]\),\{0,1\} *$/\1/p' | sort -u | wc -l)
[ "$exits" -ge 2 ] || { echo "FAIL: every sample exits at the same step"; exit 1; }
"$bin" replay --run "$tmp/run.h5" --out "$tmp/replay.h5" --csv "$tmp/replay.csv" > "$tmp/replay.txt"
for d in exit_t prediction correct energy_pj; do
    h5diff "$tmp/run.h5" "$tmp/replay.h5" "/samples/$d" "/samples/$d" ||
        { echo "FAIL: replayed /samples/$d differs from the run's"; exit 1; }
done
echo "replay of the run's own policy equals the run bit for bit"

"$bin" eval --config "$cfg" --model "$model" "$@" --set eval.online_exit=true --out "$tmp/online.h5" > /dev/null
for d in exit_t prediction correct energy_pj; do
    h5diff "$tmp/online.h5" "$tmp/replay.h5" "/samples/$d" "/samples/$d" ||
        { echo "FAIL: online /samples/$d differs from the replay"; exit 1; }
done
echo "online early exit equals the replay bit for bit"
out=$("$bin" replay --run "$tmp/online.h5" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 2 ] && [ "$out" = "spikebar: $tmp/online.h5: logged with eval.online_exit = true (no outputs after each exit); replay needs a run logged with eval.online_exit = false" ] ||
    { echo "FAIL: online file: exit $rc, '$out'"; exit 1; }

# A sweep and the other policies run on the real file.
"$bin" replay --run "$tmp/run.h5" --policy entropy --sweep entropy_threshold=0.05:0.05:0.5 --csv "$tmp/e.csv" > /dev/null
[ "$(grep -c '^policy,' "$tmp/e.csv")" = 10 ] || { echo "FAIL: entropy sweep rows"; exit 1; }
"$bin" replay --run "$tmp/run.h5" --policy oracle > /dev/null
"$bin" replay --run "$tmp/run.h5" --policy patience --sweep patience_k=1,2,3 > /dev/null

# export-energy: at t = exit_t the cumulative column is the sample's energy_pj; print both
# with 17 digits and compare the text.
"$bin" export-energy --run "$tmp/run.h5" --csv "$tmp/energy.csv" > /dev/null
awk -F, 'NR > 1 && $6 == $5 { printf "%.17g\n", $9 }' "$tmp/energy.csv" > "$tmp/cum.txt"
h5dump -d /samples/energy_pj -m %.17g -y -w 1 "$tmp/run.h5" | sed -n 's/^ *\([-0-9.e+]*\),\{0,1\} *$/\1/p' |
    grep . | awk '{ printf "%.17g\n", $1 }' > "$tmp/run_e.txt"
[ -s "$tmp/cum.txt" ] && cmp -s "$tmp/cum.txt" "$tmp/run_e.txt" ||
    { echo "FAIL: export-energy cumulative energy at the exit step differs from /samples/energy_pj"; exit 1; }
echo "export-energy's energy at the exit step equals the run's energy_pj"
echo "all replay checks passed"
