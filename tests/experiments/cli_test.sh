#!/bin/sh
# The spikebar binary's contract for bad input: one line on stderr naming the problem, exit 2;
# and for good input: exit 0. Usage: cli_test.sh <path to spikebar> <source dir>
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect <exit code> <exact stderr> <exact stdout or '*' for any> -- command...
expect() {
    want_rc=$1 want_err=$2 want_out=$3
    shift 4
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    err=$(cat "$tmp/err")
    out=$(cat "$tmp/out")
    if [ "$rc" != "$want_rc" ] || [ "$err" != "$want_err" ] ||
        { [ "$want_out" != "*" ] && [ "$out" != "$want_out" ]; }; then
        echo "FAIL: $*"
        echo "  exit $rc (want $want_rc)"
        echo "  stderr: $err"
        echo "  want:   $want_err"
        [ "$want_out" != "*" ] && echo "  stdout: $out" && echo "  want:   $want_out"
        fails=$((fails + 1))
    fi
}

printf '[lif]\ndecay = 0.5\ndecya = 0.5\n' >"$tmp/typo.ini"
expect 2 "spikebar: config $tmp/typo.ini: unknown key 'lif.decya'" "" -- \
    "$bin" config --check "$tmp/typo.ini"

printf '[train]\nepochs = abc\n' >"$tmp/bad.ini"
expect 2 "spikebar: config $tmp/bad.ini: train.epochs = abc: expected an integer" "" -- \
    "$bin" config --check "$tmp/bad.ini"

expect 2 "spikebar: --set: lif.reset = medium: expected one of hard, soft" "" -- \
    "$bin" config --check "$src/configs/fmnist_snn.ini" --set lif.reset=medium

expect 2 "spikebar: config $tmp/none.ini: cannot open file" "" -- \
    "$bin" config --check "$tmp/none.ini"

expect 0 "" "config $src/configs/fmnist_snn.ini: ok" -- \
    "$bin" config --check "$src/configs/fmnist_snn.ini"

# Issue 15, defect 2: a directory read as an empty config (all defaults, "ok"); a FIFO blocked.
mkdir "$tmp/confdir"
expect 2 "spikebar: config $tmp/confdir: is a directory, expected an INI file" "" -- \
    "$bin" config --check "$tmp/confdir"
expect 2 "spikebar: config $tmp/confdir: is a directory, expected an INI file" "" -- \
    "$bin" eval --config "$tmp/confdir" --model "$src/models/fmnist_t4.h5" --out "$tmp/never.h5"
[ ! -e "$tmp/never.h5" ] && [ ! -e "$tmp/never.h5.tmp" ] || { echo "FAIL: eval left an output"; fails=$((fails + 1)); }
# Issue 15, defects 3 and 4: every output path is checked before any work starts.
mkdir "$tmp/outdir"
expect 2 "spikebar: eval --out $tmp/outdir: is a directory, expected the path of a file to write" "" -- \
    "$bin" eval --config "$src/configs/fmnist_snn.ini" --model "$src/models/fmnist_t4.h5" --out "$tmp/outdir"
[ -z "$(ls -A "$tmp/outdir")" ] && [ ! -e "$tmp/outdir.tmp" ] || { echo "FAIL: eval --out DIR left files"; fails=$((fails + 1)); }
echo keep > "$tmp/old.h5"
expect 2 "spikebar: eval --out $tmp/old.h5: exists; pass --force to replace it" "" -- \
    "$bin" eval --config "$src/configs/fmnist_snn.ini" --model "$src/models/fmnist_t4.h5" --out "$tmp/old.h5"
[ "$(cat "$tmp/old.h5")" = keep ] || { echo "FAIL: eval replaced an existing file"; fails=$((fails + 1)); }
expect 2 "spikebar: export-nir --out $tmp/old.h5: exists; pass --force to replace it" "" -- \
    "$bin" export-nir --model "$src/models/fmnist_t4.h5" --out "$tmp/old.h5"
expect 2 "spikebar: convert --out $tmp/old.h5/x/y.h5: $tmp/old.h5 is not a directory" "" -- \
    "$bin" convert --model "$src/models/fmnist_ann_qcfs.h5" --timesteps 4 --out "$tmp/old.h5/x/y.h5"
expect 0 "" "*" -- "$bin" export-nir --model "$src/models/fmnist_t4.h5" --out "$tmp/old.h5" --force
[ "$(cat "$tmp/old.h5")" != keep ] || { echo "FAIL: --force did not replace the file"; fails=$((fails + 1)); }
mkfifo "$tmp/fifo.ini"
expect 2 "spikebar: config $tmp/fifo.ini: not a regular file (a FIFO, socket or device), expected an INI file" "" -- \
    "$bin" config --check "$tmp/fifo.ini"

# A sweep config: --check plans every point, so a bad [sweep] value fails here, not in the sweep.
printf '[crossbar]\nenabled = true\n[sweep]\nwires.r_row_ohm = 0, -1\n' >"$tmp/sweep_bad.ini"
expect 2 "spikebar: config $tmp/sweep_bad.ini: [sweep] wires.r_row_ohm = -1: must be >= 0 [ohm]" "" -- \
    "$bin" config --check "$tmp/sweep_bad.ini"
printf '[crossbar]\nenabled = true\n[sweep]\nwires.r_row_ohm = 0, 1\ndevice.d2d_sigma = 0:0.05:0.1\n' >"$tmp/sweep_ok.ini"
expect 0 "" "config $tmp/sweep_ok.ini: ok ([sweep]: 6 points)" -- \
    "$bin" config --check "$tmp/sweep_ok.ini"

"$bin" config --dump >"$tmp/dump.ini"
expect 0 "" "config $tmp/dump.ini: ok" -- "$bin" config --check "$tmp/dump.ini"

# The commands, in the order `spikebar --help` lists them (the list grows with the project).
commands=$("$bin" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | paste -sd, - | sed 's/,/, /g')
case "$commands" in "train, eval, config, crossbar"*) ;; *)
    echo "FAIL: spikebar --help lists the commands '$commands'"; fails=$((fails + 1)) ;;
esac
expect 2 "spikebar: unknown command 'frobnicate': expected a command ($commands), --help or --version" "" -- \
    "$bin" frobnicate
expect 2 "spikebar: unknown option '--frobnicate': expected a command ($commands), --help or --version" "" -- \
    "$bin" --frobnicate
# --version: one line, the version and git revision, exit 0.
expect 0 "" "*" -- "$bin" --version
if ! grep -Eqx 'spikebar [0-9]+\.[0-9]+\.[0-9]+ \(git ([0-9a-f]+(-dirty)?|unknown)\)' "$tmp/out"; then
    echo "FAIL: spikebar --version printed: $(cat "$tmp/out")"
    fails=$((fails + 1))
fi
expect 0 "" "*" -- "$bin" --help
grep -q '^usage: spikebar <command>' "$tmp/out" || { echo "FAIL: spikebar --help"; fails=$((fails + 1)); }
expect 0 "" "*" -- "$bin" config --help
grep -q '^usage: spikebar config --dump' "$tmp/out" || { echo "FAIL: spikebar config --help"; fails=$((fails + 1)); }
# No command at all: usage on stderr, exit 2.
"$bin" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: spikebar without a command should exit 2"; fails=$((fails + 1)); }

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all CLI checks passed"
