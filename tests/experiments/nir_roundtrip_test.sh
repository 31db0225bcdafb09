#!/bin/sh
# NIR round trip of every shipped model: `spikebar export-nir`, then `spikebar import-nir`
# with no flags (the choices come back from the file's metadata), gives a model whose
# `spikebar eval` run file equals the original's dataset for dataset, bit for bit (h5diff
# of every dataset but the chip programming wall time), on ideal hardware and on two chips
# of the demo device. Only the root attributes (command, model path, times, effective
# config) may differ. Each exported file
# also passes bench/peers/nir_check.py's check that nir.read (the reference reader) finds
# every dataset it reads, where /usr/bin/python3 has h5py.
# Reference: the original model's own run file.
# usage: nir_roundtrip_test.sh SPIKEBAR SOURCE_DIR
set -eu
bin=$1
src=$2
[ -d /usr/share/datasets/fashion-mnist ] || { echo "SKIP: Fashion-MNIST not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check_nir=0
/usr/bin/python3 -c "import h5py, numpy" 2>/dev/null && check_nir=1

same_datasets() {  # A.h5 B.h5: every dataset of A equal in B
    n=0
    # chip_build_s is a wall time, the one non-reproducible dataset (docs/output-format.md).
    for d in $(h5ls -r "$1" | awk '$2 == "Dataset" && $1 != "/summary/chip_build_s" {print $1}'); do
        h5diff -q "$1" "$2" "$d" "$d" || { echo "FAIL: $3: $d differs after the round trip"; exit 1; }
        n=$((n + 1))
    done
    [ "$n" -gt 5 ] || { echo "FAIL: $3: only $n datasets compared"; exit 1; }
    echo "$3: $n datasets bit-identical"
}

for pair in t1:fmnist_snn_t1 t2:fmnist_snn_t2 t4:fmnist_snn t8:fmnist_snn_t8 t4_if:fmnist_snn_if; do
    name=fmnist_${pair%%:*}
    model="$src/models/$name.h5"
    cfg="$src/configs/${pair#*:}.ini"
    "$bin" export-nir --model "$model" --out "$tmp/$name.nir" > /dev/null
    if [ "$check_nir" = 1 ] && [ -f "$src/bench/peers/nir_check.py" ]; then
        /usr/bin/python3 "$src/bench/peers/nir_check.py" check "$tmp/$name.nir" ||
            { echo "FAIL: $name.nir: nir_check"; exit 1; }
    fi
    "$bin" import-nir --in "$tmp/$name.nir" --out "$tmp/$name.back.h5" > /dev/null
    # The imported model carries its neuron parameters per layer; [lif] does not apply.
    sed '/^\[lif\]/,/^\[/{/^\[lif\]/d;/^\[/!d}' "$cfg" > "$tmp/nolif.ini"
    for hw in ideal chip; do
        a_cfg=$cfg b_cfg=$tmp/nolif.ini extra="--set data.test_limit=100"
        if [ "$hw" = chip ]; then
            a_cfg=$src/configs/device/demo.ini b_cfg=$a_cfg
            extra="--set crossbar.chips=2 --set data.test_limit=16"
        fi
        "$bin" eval --config "$a_cfg" $extra --model "$model" --out "$tmp/a.h5" > /dev/null
        "$bin" eval --config "$b_cfg" $extra --model "$tmp/$name.back.h5" --out "$tmp/b.h5" > /dev/null
        same_datasets "$tmp/a.h5" "$tmp/b.h5" "$name $hw"
        rm -f "$tmp/a.h5" "$tmp/b.h5"
    done
done
