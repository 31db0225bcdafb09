#!/usr/bin/python3
"""PyTorch CPU peer: inference and BPTT-training throughput of the default Fashion-MNIST
SNN with spikebar's semantics (torch_snn.py), a plain time loop like snnTorch's.

usage: bench_torch.py MODEL.h5 OUT.json [--threads 2]
Inference: batch 256, T = 4 and 8, images/s. Training: batch 128, T = 4, samples/s.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_snn  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x_test = torch_snn.load_idx_images(os.path.join(a.data, "t10k-images-idx3-ubyte.gz"), 2560)
    x_train = torch_snn.load_idx_images(os.path.join(a.data, "train-images-idx3-ubyte.gz"), 128 * 24)
    y_train = torch_snn.load_idx_labels(os.path.join(a.data, "train-labels-idx1-ubyte.gz"), 128 * 24)
    net = torch_snn.SpikingNet(a.model)
    result = {"peer": "pytorch", "torch_version": torch.__version__, "threads": a.threads,
              "libblas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")}
    with torch.no_grad():
        for T in (4, 8):
            net.run(x_test[:256], T)  # warm-up
            t0 = time.perf_counter()
            for i in range(0, len(x_test), 256):
                net.run(x_test[i:i + 256], T)
            result[f"inference_images_per_s_T{T}"] = len(x_test) / (time.perf_counter() - t0)
    model = torch_snn.TrainNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = len(x_train) // 128

    def step(i):
        xb, yb = x_train[i * 128:(i + 1) * 128], y_train[i * 128:(i + 1) * 128]
        loss = torch_snn.tet_loss(model(xb, 4), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step(0)  # warm-up
    t0 = time.perf_counter()
    for i in range(1, steps):
        step(i)
    result["train_samples_per_s_T4"] = (steps - 1) * 128 / (time.perf_counter() - t0)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
