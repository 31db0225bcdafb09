#!/bin/sh
# End-to-end `spikebar sweep` on a tiny grid of the shipped models (T = 1 and 2, 2 chips,
# 40 synthetic test images), checked against an uninterrupted serial run of the same sweep:
#   resume: a bad [sweep] value fails at once and leaves nothing behind; a sweep killed with
#           SIGKILL once its first point file exists, then continued with --resume, keeps that
#           point (not recomputed) and gives the same results; a work directory of another
#           sweep is refused; shards 0/2 and 1/2 merged give the same results; merge refuses
#           missing, doubled and foreign shards.
#   mpi:    `mpirun -np 2 spikebar sweep` gives the same results (skipped, exit 77, when
#           spikebar was built without MPI).
# "Same results": h5diff of the sweep files, every dataset, apart from the attributes that
# record times and command lines and the chip programming times (docs/output-format.md).
# usage: SPIKEBAR_SYNTHETIC_IDX=TOOL sweep_test.sh SPIKEBAR SOURCE_DIR resume|mpi [MPI_BUILT MPIEXEC]
set -eu
bin=$1
src=$2
mode=$3
if [ "$mode" = mpi ] && [ "${4:-OFF}" != ON ]; then
    echo "SKIP: spikebar was built without MPI (SPIKEBAR_MPI=OFF or no libopenmpi-dev)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A synthetic stand-in for Fashion-MNIST (28 x 28, 10 classes; tests/tools/synthetic_idx.cpp),
# so that the test needs no downloaded dataset; the shipped models run on it.
"${SPIKEBAR_SYNTHETIC_IDX:?the synthetic dataset tool spikebar_synthetic_idx (ctest sets it)}" "$tmp/data"

cat >"$tmp/sweep.ini" <<EOF
[data]
dir = $tmp/data
test_limit = 40
[eval]
threads = 1
calibration_samples = 32
[crossbar]
enabled = true
chips = 2
[device]
read_noise_sigma = 0.05
[earlyexit]
policy = confidence
[sweep]
model = $src/models/fmnist_t1.h5, $src/models/fmnist_t2.h5
earlyexit.t_max = 1, 2
zip = model, earlyexit.t_max
device.d2d_sigma = 0, 0.1
EOF

# same_results A B: exit 0 when the sweep files hold the same table and point runs.
same_results() {
    ex=""
    for p in $(h5ls "$1/points" | awk '{print $1}'); do
        ex="$ex --exclude-attribute /points/$p --exclude-path /points/$p/summary/chip_build_s"
    done
    # shellcheck disable=SC2086
    h5diff $ex --exclude-attribute / "$1" "$2"
}

fail() {
    echo "FAIL: $*"
    exit 1
}

"$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/a.h5" >"$tmp/a.log" 2>&1 || { cat "$tmp/a.log"; fail "sweep"; }
[ ! -e "$tmp/a.h5.work" ] || fail "the work directory is left after a complete sweep"
[ "$(h5ls "$tmp/a.h5/points" | wc -l)" = 4 ] || fail "a.h5 does not hold 4 points"
echo "uninterrupted sweep: $(tail -1 "$tmp/a.log")"

if [ "$mode" = mpi ]; then
    mpiexec=$5
    # As root (CI), OpenMPI wants these; without ptrace rights its shared-memory transport
    # cannot use single-copy.
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1 \
        "$mpiexec" -np 2 "$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/m.h5" \
        >"$tmp/m.log" 2>&1 || { cat "$tmp/m.log"; fail "mpirun -np 2 spikebar sweep"; }
    grep -q "2 MPI ranks" "$tmp/m.log" || { cat "$tmp/m.log"; fail "the sweep did not run as 2 MPI ranks"; }
    same_results "$tmp/a.h5" "$tmp/m.h5" || fail "mpirun -np 2 differs from the serial run"
    echo "mpirun -np 2 equals the serial run"
    exit 0
fi

# A bad value fails at second 0, naming key and value, and creates nothing.
sed 's/^device.d2d_sigma = 0, 0.1$/wires.r_row_ohm = 0, -1/' "$tmp/sweep.ini" >"$tmp/bad.ini"
if "$bin" sweep --config "$tmp/bad.ini" --out "$tmp/bad.h5" 2>"$tmp/bad.err"; then fail "a bad value was accepted"; fi
want="spikebar: config $tmp/bad.ini: [sweep] wires.r_row_ohm = -1: must be >= 0 [ohm]"
[ "$(cat "$tmp/bad.err")" = "$want" ] || fail "stderr '$(cat "$tmp/bad.err")', want '$want'"
[ ! -e "$tmp/bad.h5.work" ] || fail "a rejected sweep created its work directory"
echo "a bad value fails before anything runs"

# Killed with SIGKILL while a point's run file is being written, the first one done.
"$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/b.h5" >"$tmp/b.log" 2>&1 &
pid=$!
w="$tmp/b.h5.work"
while kill -0 $pid 2>/dev/null; do
    [ -f "$w/point_00000.h5" ] && ls "$w"/point_*.h5.tmp >/dev/null 2>&1 && break
    sleep 0.02
done
kill -9 $pid 2>/dev/null || fail "the sweep ended before it could be killed"
wait $pid 2>/dev/null || true
[ ! -e "$tmp/b.h5" ] || fail "the killed sweep left a sweep file"
t0=$(h5dump -a /start_time "$tmp/b.h5.work/point_00000.h5" | sed -n 's/.*(0): "\(.*\)".*/\1/p')
echo "killed the sweep after its first point; work directory: $(ls "$tmp/b.h5.work" | tr '\n' ' ')"

# The same command without --resume, or another sweep with it, is refused.
if "$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/b.h5" 2>"$tmp/b.err"; then fail "restart without --resume accepted"; fi
want="spikebar: sweep: $tmp/b.h5.work exists (an interrupted sweep?): continue it with --resume, or remove it"
[ "$(cat "$tmp/b.err")" = "$want" ] || fail "stderr '$(cat "$tmp/b.err")', want '$want'"
if "$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/b.h5" --resume --set eval.chip_seed=2 2>"$tmp/b.err"; then
    fail "resume of a different sweep accepted"
fi
want="spikebar: sweep --resume: $tmp/b.h5.work belongs to a different sweep or shard (its sweep.txt differs from this config's); remove it, or use another --out"
[ "$(cat "$tmp/b.err")" = "$want" ] || fail "stderr '$(cat "$tmp/b.err")', want '$want'"

"$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/b.h5" --resume >"$tmp/b2.log" 2>&1 || { cat "$tmp/b2.log"; fail "resume"; }
grep -q "resumed: [1-3] done earlier" "$tmp/b2.log" || { cat "$tmp/b2.log"; fail "resume did not keep the finished points"; }
t1=$(h5dump -a /points/point_00000/start_time "$tmp/b.h5" | sed -n 's/.*(0): "\(.*\)".*/\1/p')
[ -n "$t0" ] && [ "$t0" = "$t1" ] || fail "point 0 was recomputed (start_time '$t0' then '$t1')"
same_results "$tmp/a.h5" "$tmp/b.h5" || fail "the resumed sweep differs from the uninterrupted one"
echo "resumed sweep equals the uninterrupted one: $(grep '^sweep .*resumed' "$tmp/b2.log")"
"$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/b.h5" --resume >"$tmp/b3.log" 2>&1
grep -q "is complete already" "$tmp/b3.log" || fail "resume of a complete sweep ran again"

# Shards and merge.
"$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/s0.h5" --shard 0/2 >"$tmp/s0.log" 2>&1 || { cat "$tmp/s0.log"; fail "shard 0/2"; }
"$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/s1.h5" --shard 1/2 >"$tmp/s1.log" 2>&1 || { cat "$tmp/s1.log"; fail "shard 1/2"; }
"$bin" merge --out "$tmp/m.h5" "$tmp/s1.h5" "$tmp/s0.h5" >/dev/null
same_results "$tmp/a.h5" "$tmp/m.h5" || fail "merged shards differ from the unsharded sweep"
echo "shards 0/2 + 1/2 merged equal the unsharded sweep"

if "$bin" merge --out "$tmp/x.h5" "$tmp/s0.h5" 2>"$tmp/x.err"; then fail "merge with a missing shard accepted"; fi
want="spikebar: merge: points 1, 3 of 4 in none of the files"
[ "$(cat "$tmp/x.err")" = "$want" ] || fail "stderr '$(cat "$tmp/x.err")', want '$want'"
if "$bin" merge --out "$tmp/x.h5" "$tmp/s0.h5" "$tmp/s1.h5" "$tmp/s0.h5" 2>"$tmp/x.err"; then fail "merge of a doubled shard accepted"; fi
want="spikebar: merge: point 0 is in both $tmp/s0.h5 and $tmp/s0.h5"
[ "$(cat "$tmp/x.err")" = "$want" ] || fail "stderr '$(cat "$tmp/x.err")', want '$want'"
"$bin" sweep --config "$tmp/sweep.ini" --out "$tmp/t1.h5" --shard 1/2 --set crossbar.enabled=false >/dev/null 2>&1
if "$bin" merge --out "$tmp/x.h5" "$tmp/s0.h5" "$tmp/t1.h5" 2>"$tmp/x.err"; then fail "merge of shards of different sweeps accepted"; fi
grep -q "^spikebar: merge: $tmp/t1.h5 is from a different sweep than $tmp/s0.h5 (fingerprint" "$tmp/x.err" ||
    fail "stderr '$(cat "$tmp/x.err")'"
[ ! -e "$tmp/x.h5" ] || fail "a refused merge wrote a file"
echo "merge refuses missing, doubled and foreign shards"
