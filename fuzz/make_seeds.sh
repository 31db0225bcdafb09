#!/usr/bin/env bash
# Writes the seed files of the fuzz targets that have no real files in the tree, and the
# starting corpora (docs/fuzzing.md); the committed fuzz/seeds/ and fuzz/corpus/ came from
# this script:
#   fuzz/make_seeds.sh BUILD_DIR     (BUILD_DIR holds a built spikebar)
# - run/: run files of spikebar eval on 6 Fashion-MNIST test images: ideal with energy, two
#   demo chips, counter-free (eval.record_energy = false), SEENN-II;
# - tensor/: HDF5 tensor datasets, static uint8 and event frames in train/test groups;
# - corpus/{model,nir,tensor,run_file}/: one edit script per seed file, empty but for the
#   seed-choosing byte(s) (so the unedited seed is the first input);
# - corpus/idx/: the first records of the real Fashion-MNIST test files (MIT license), in the idx
#   target's input layout: 4-byte little-endian label-file length, labels file, images file;
# - corpus/cifar/: records in the CIFAR-10 binary layout (label byte + 3072 pixel bytes); Debian
#   ships no CIFAR-10, so the pixels are a deterministic pattern.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: fuzz/make_seeds.sh BUILD_DIR}/spikebar
out=fuzz/seeds
corpus=fuzz/corpus
rm -rf "$out" "$corpus"
mkdir -p "$out/run" "$out/tensor" "$corpus"/{model,nir,tensor,run_file,idx,cifar}
few="--set data.test_limit=6"
"$bin" eval --config configs/fmnist_snn.ini --model models/fmnist_t4.h5 $few \
  --out "$out/run/ideal.h5" > /dev/null
"$bin" eval --config configs/device/demo.ini --model models/fmnist_t4.h5 $few \
  --set crossbar.chips=2 --out "$out/run/chips.h5" > /dev/null
"$bin" eval --config configs/fmnist_snn.ini --model models/fmnist_t4.h5 $few \
  --set eval.record_energy=false --out "$out/run/counter_free.h5" > /dev/null
"$bin" eval --config configs/fmnist_snn.ini --model models/fmnist_t4.h5 $few \
  --set earlyexit.policy=seenn2 --set earlyexit.seenn2_model=models/fmnist_t4_seenn2.h5 \
  --out "$out/run/seenn2.h5" > /dev/null
/usr/bin/python3 - "$out" "$corpus" <<'PY'
import gzip, struct, sys
import h5py, numpy as np
out, corpus = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
with h5py.File(f"{out}/tensor/static.h5", "w") as f:
    f["inputs"] = rng.integers(0, 256, (5, 1, 6, 6), dtype=np.uint8)
    f["labels"] = np.array([0, 1, 2, 1, 0], dtype=np.uint8)
    f.attrs["num_classes"] = 3
with h5py.File(f"{out}/tensor/frames.h5", "w") as f:
    for split, n in (("train", 4), ("test", 3)):
        f[f"{split}/inputs"] = rng.integers(0, 3, (n, 3, 2, 5, 5)).astype(np.float32)
        f[f"{split}/labels"] = (np.arange(n) % 2).astype(np.int64)
src = "/usr/share/datasets/fashion-mnist"
for n in (1, 4):
    labels = gzip.open(f"{src}/t10k-labels-idx1-ubyte.gz").read()[: 8 + n]
    images = gzip.open(f"{src}/t10k-images-idx3-ubyte.gz").read()[: 16 + n * 784]
    labels = labels[:4] + struct.pack(">I", n) + labels[8:]
    images = images[:4] + struct.pack(">I", n) + images[8:]
    with open(f"{corpus}/idx/fmnist_{n}", "wb") as f:
        f.write(struct.pack("<I", len(labels)) + labels + images)
for n in (1, 3):
    recs = b"".join(bytes([i % 10]) + bytes((np.arange(3072) * (i + 1) % 256).astype(np.uint8))
                    for i in range(n))
    with open(f"{corpus}/cifar/records_{n}", "wb") as f:
        f.write(recs)
# Edit scripts: byte 0 picks the seed (nir: byte 1 the import options, 0x10 = T 2).
for target, seeds, extra in (("model", 3, b""), ("nir", 6, b"\x10"), ("tensor", 4, b""),
                             ("run_file", 4, b"")):
    for i in range(seeds):
        with open(f"{corpus}/{target}/seed_{i}", "wb") as f:
            f.write(bytes([i]) + extra)
PY
ls -la "$out"/* "$corpus"/*
