#!/bin/sh
# A run with eval.record_energy = false (issue 14, counter-free mode) through the commands
# that read run files (docs/output-format.md, docs/replay.md, docs/sweep.md):
#  - eval writes energy_recorded = 0, no energy or counter dataset, and the same
#    /samples/* (h5diff) as the run with record_energy = true;
#  - export-energy and replay (any policy, with or without --sweep) refuse the file with
#    one line naming it, exit 2, and leave no output;
#  - a sweep over eval.record_energy leaves the counter-free point's mean_energy_pj NaN;
#  - spikebar plot draws what the file holds (no energy figure) and exits 0, where
#    /usr/bin/python3 has matplotlib and h5py.
# Runs the shipped T=4 model on a synthetic dataset it writes (SPIKEBAR_SYNTHETIC_IDX).
# usage: SPIKEBAR_SYNTHETIC_IDX=TOOL counter_free_test.sh SPIKEBAR SOURCE_DIR
set -eu
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

"${SPIKEBAR_SYNTHETIC_IDX:?the synthetic dataset tool spikebar_synthetic_idx (ctest sets it)}" "$tmp/data"
cfg="$src/configs/fmnist_snn.ini"
model="$src/models/fmnist_t4.h5"
set -- --set data.dir="$tmp/data" --set data.test_limit=48 --set earlyexit.policy=confidence --set earlyexit.alpha=0.9

"$bin" eval --config "$cfg" --model "$model" "$@" --out "$tmp/on.h5" > /dev/null
"$bin" eval --config "$cfg" --model "$model" "$@" --set eval.record_energy=false --out "$tmp/off.h5" > "$tmp/eval.txt"
grep -q 'energy not recorded (eval.record_energy = false)$' "$tmp/eval.txt" || fail "eval output: $(cat "$tmp/eval.txt")"
for d in exit_t prediction correct prediction_by_timestep; do
    h5diff "$tmp/on.h5" "$tmp/off.h5" "/samples/$d" "/samples/$d" || fail "/samples/$d differs with record_energy = false"
done
h5diff "$tmp/on.h5" "$tmp/off.h5" /timesteps/logits /timesteps/logits || fail "/timesteps/logits differs"
h5dump -a /energy_recorded "$tmp/off.h5" | grep -q '(0): 0' || fail "off.h5: energy_recorded is not 0"
h5dump -a /energy_recorded "$tmp/on.h5" | grep -q '(0): 1' || fail "on.h5: energy_recorded is not 1"
h5ls -r "$tmp/off.h5" > "$tmp/ls.txt"
! grep -Eq 'energy|/ops|/crossbar' "$tmp/ls.txt" || fail "off.h5 holds energy or counters: $(grep -E 'energy|/ops|/crossbar' "$tmp/ls.txt")"
echo "eval with record_energy = false: same outputs, no energy datasets"

# expect_refusal COMMAND...: exit 2, one line on stderr, nothing on stdout.
expect_refusal() {
    what=$1
    rc=0
    "$bin" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
    want="spikebar: $tmp/off.h5: written with eval.record_energy = false, so it holds no energy; $what needs a run written with eval.record_energy = true"
    [ "$rc" = 2 ] && [ "$(cat "$tmp/err")" = "$want" ] && [ ! -s "$tmp/out" ] ||
        fail "$*: exit $rc, stderr '$(cat "$tmp/err")', stdout '$(cat "$tmp/out")'"
}
expect_refusal export-energy --run "$tmp/off.h5" --csv "$tmp/e.csv"
[ ! -e "$tmp/e.csv" ] && [ ! -e "$tmp/e.csv.tmp" ] || fail "export-energy left a CSV"
expect_refusal replay --run "$tmp/off.h5" --out "$tmp/r.h5" --csv "$tmp/r.csv"
expect_refusal replay --run "$tmp/off.h5" --policy entropy --sweep entropy_threshold=0.1:0.1:0.5
expect_refusal replay --run "$tmp/off.h5" --policy oracle
expect_refusal replay --run "$tmp/off.h5" --policy fixed --lane 0
[ ! -e "$tmp/r.h5" ] && [ ! -e "$tmp/r.csv" ] || fail "replay left an output"
echo "export-energy and replay refuse the file: one line, exit 2"

# A sweep whose one point runs without energy: NaN in its table, a number in the other's.
cat > "$tmp/sweep.ini" <<EOF
[data]
dir = $tmp/data
test_limit = 16
[eval]
threads = 1
[sweep]
eval.record_energy = true, false
EOF
"$bin" sweep --config "$tmp/sweep.ini" --model "$model" --out "$tmp/sweep.h5" > "$tmp/sweep.txt"
energy=$(h5dump -d /table/mean_energy_pj -y -w 1 "$tmp/sweep.h5" | sed -n 's/^ *\([-0-9.e+naNA]*\),\{0,1\} *$/\1/p' | grep . | paste -sd' ' -)
case "$energy" in
    nan*|NaN*|-nan*) fail "the point with energy has mean_energy_pj $energy" ;;
    *" nan"|*" NaN"|*" -nan") ;;
    *) fail "sweep table mean_energy_pj: '$energy', expected a number then NaN" ;;
esac
echo "sweep: the counter-free point claims no energy"

if /usr/bin/python3 -c 'import matplotlib, h5py, numpy' 2>/dev/null; then
    "$bin" plot "$tmp/off.h5" --out "$tmp/fig" > "$tmp/list.txt" 2> "$tmp/err" || fail "plot: $(cat "$tmp/err")"
    grep -qx "$tmp/fig/off_exits.png" "$tmp/list.txt" || fail "plot did not draw off_exits.png"
    [ ! -e "$tmp/fig/off_energy.png" ] || fail "plot drew an energy figure without energy"
    [ "$(cat "$tmp/err")" = "spikebar plot: $tmp/off.h5: no energy figure, the run recorded no energy (eval.record_energy = false)" ] ||
        fail "plot note: '$(cat "$tmp/err")'"
    echo "plot draws the counter-free run without its energy figure"
else
    echo "(plot not checked: /usr/bin/python3 lacks matplotlib/h5py/numpy)"
fi
echo "all counter-free checks passed"
