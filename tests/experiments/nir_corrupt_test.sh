#!/bin/sh
# Corrupt NIR files found by mutating the fixtures (tests/data/nir/corrupt/): one makes
# libhdf5 1.10 loop forever and one makes it crash (SIGSEGV in H5HG_read) while reading a
# variable-length string; one has a dataset HDF5 cannot open. `spikebar import-nir` must
# answer each with one line on stderr, exit code 2 and no output file (docs/nir.md).
# Reference: the one-line-error rule of docs/errors and the messages of cmd_nir.cpp.
# usage: nir_corrupt_test.sh SPIKEBAR SOURCE_DIR
set -u
bin=$1
dir=$2/tests/data/nir/corrupt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {  # FILE EXPECTED-MESSAGE-PREFIX
    SPIKEBAR_READ_TIMEOUT_S=5 "$bin" import-nir --in "$dir/$1" --dt 1 --timesteps 4 \
        --out "$tmp/out.h5" > /dev/null 2> "$tmp/err"
    rc=$?
    [ "$rc" = 2 ] || { echo "FAIL: $1: exit code $rc, expected 2"; cat "$tmp/err"; exit 1; }
    [ "$(wc -l < "$tmp/err")" = 1 ] || { echo "FAIL: $1: not one line:"; cat "$tmp/err"; exit 1; }
    grep -q "^spikebar: $dir/$1: $2" "$tmp/err" || { echo "FAIL: $1: got"; cat "$tmp/err"; exit 1; }
    [ -z "$(ls "$tmp")" ] || [ "$(ls "$tmp")" = err ] || { echo "FAIL: $1: left $(ls "$tmp")"; exit 1; }
    echo "$1: $(cat "$tmp/err")"
}
check global_heap_loop.nir "reading it did not finish in 5 s"
check global_heap_segv.nir "the HDF5 library failed reading it (signal 11)"
check unreadable_dataset.nir 'node "lif1" (LIF): v_threshold cannot be opened'
