#!/usr/bin/python3
"""The spikebar network semantics in plain PyTorch: the peer for benchmarks and the
semantics cross-check. A plain time loop like snnTorch's; the same LIF update as
snn/kernels.hpp:

    u = decay * v + I;   s = (u >= threshold);   v = s ? (hard: v_reset, soft: u - threshold) : u

Layers are read from a spikebar model file (docs/model-format.md), whose weights are
already in PyTorch's layouts.
"""
import h5py
import numpy as np
import torch
import torch.nn.functional as F


def _attr(obj, name):
    v = obj.attrs[name]
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        return v.item()
    return v


class SpikingNet:
    """Inference network built from a model file."""

    def __init__(self, path, dtype=torch.float32):
        with h5py.File(path, "r") as f:
            net, neuron = f["network"], f["neuron"]
            self.input_shape = tuple(int(x) for x in net.attrs["input_shape"])
            self.timesteps = int(_attr(net, "timesteps"))
            self.encoding = _attr(net, "encoding")
            self.kind = _attr(net, "kind")
            self.decay = float(_attr(neuron, "decay"))
            self.threshold = float(_attr(neuron, "threshold"))
            self.soft_reset = _attr(neuron, "reset") == "soft"
            self.v_reset = float(_attr(neuron, "v_reset"))
            self.layers = []
            i = 0
            while f"layers/{i:02d}" in f:
                g = f[f"layers/{i:02d}"]
                kind = _attr(g, "type")
                layer = {"type": kind}
                if kind in ("conv", "linear"):
                    layer["weight"] = torch.tensor(np.array(g["weight"]), dtype=dtype)
                    layer["bias"] = torch.tensor(np.array(g["bias"]), dtype=dtype)
                if kind == "conv":
                    layer["stride"] = int(_attr(g, "stride"))
                    layer["padding"] = int(_attr(g, "padding"))
                if kind in ("maxpool", "avgpool"):
                    layer["kernel"] = int(_attr(g, "kernel_size"))
                if kind == "bn":
                    raise ValueError(f"{path}: holds BatchNorm layers; use the deployed model")
                self.layers.append(layer)
                i += 1

    def run(self, x, timesteps=None, record=False):
        """x: [N, C, H, W] in [0, 1] (direct encoding). Returns O [T, N, K] and, with
        record=True, spike counts [T, N, L] and the membranes u of every lif layer."""
        T = timesteps or self.timesteps
        v = {}
        outs, counts, membranes = [], [], []
        for _ in range(T):
            h = x
            c_t, u_t = [], []
            for j, layer in enumerate(self.layers):
                kind = layer["type"]
                if kind == "conv":
                    h = F.conv2d(h, layer["weight"], layer["bias"], stride=layer["stride"],
                                 padding=layer["padding"])
                elif kind == "linear":
                    h = F.linear(h, layer["weight"], layer["bias"])
                elif kind == "lif":
                    if self.kind == "ann":
                        h = torch.relu(h)
                        continue
                    u = self.decay * v.get(j, torch.zeros_like(h)) + h
                    s = (u >= self.threshold).to(h.dtype)
                    if self.soft_reset:
                        v[j] = u - self.threshold * s
                    else:
                        v[j] = torch.where(s > 0, torch.full_like(u, self.v_reset), u)
                    if record:
                        c_t.append(s.flatten(1).sum(1))
                        u_t.append(u.flatten(1))
                    h = s
                elif kind == "relu":
                    h = torch.relu(h)
                elif kind == "maxpool":
                    h = F.max_pool2d(h, layer["kernel"])
                elif kind == "avgpool":
                    h = F.avg_pool2d(h, layer["kernel"])
                elif kind == "flatten":
                    h = h.flatten(1)
            outs.append(h)
            if record:
                counts.append(torch.stack(c_t, 1))
                membranes.append(u_t)
        O = torch.stack(outs)
        if record:
            return O, torch.stack(counts), membranes
        return O


class FastSigmoidSpike(torch.autograd.Function):
    """Heaviside forward; backward (alpha/2) / (1 + alpha |x|)^2 (snn/surrogate.hpp)."""
    alpha = 4.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a = FastSigmoidSpike.alpha
        return g * (0.5 * a) / (1 + a * x.abs()) ** 2


class TrainNet(torch.nn.Module):
    """The default Fashion-MNIST network with BatchNorm, trained by BPTT with the TET
    loss: the training peer (same layers, neuron and loss as spikebar train)."""

    def __init__(self, decay=0.5, threshold=1.0):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 32, 3, padding=1)
        self.b1 = torch.nn.BatchNorm2d(32)
        self.c2 = torch.nn.Conv2d(32, 64, 3, padding=1)
        self.b2 = torch.nn.BatchNorm2d(64)
        self.f1 = torch.nn.Linear(64 * 7 * 7, 128)
        self.f2 = torch.nn.Linear(128, 10)
        self.decay, self.threshold = decay, threshold

    def lif(self, v, i):
        u = self.decay * v + i
        s = FastSigmoidSpike.apply(u - self.threshold)
        return u * (1 - s.detach()), s

    def forward(self, x, T):
        v1 = v2 = v3 = 0.0
        outs = []
        for _ in range(T):
            v1, s = self.lif(v1, self.b1(self.c1(x)))
            v2, s = self.lif(v2, self.b2(self.c2(F.max_pool2d(s, 2))))
            v3, s = self.lif(v3, self.f1(F.max_pool2d(s, 2).flatten(1)))
            outs.append(self.f2(s))
        return torch.stack(outs)


def tet_loss(O, y, lam=0.05, phi=1.0):
    ce = sum(F.cross_entropy(o, y) for o in O) / len(O)
    mse = sum(F.mse_loss(o, torch.full_like(o, phi)) for o in O) / len(O)
    return (1 - lam) * ce + lam * mse


def load_idx_images(path, limit=None):
    import gzip
    with gzip.open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[4:8], "big")
    h, w = int.from_bytes(data[8:12], "big"), int.from_bytes(data[12:16], "big")
    x = np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, h, w)
    if limit:
        x = x[:limit]
    return torch.tensor(x.astype(np.float32) / 255.0)


def load_idx_labels(path, limit=None):
    import gzip
    with gzip.open(path, "rb") as f:
        data = f.read()
    y = np.frombuffer(data, np.uint8, offset=8)
    if limit:
        y = y[:limit]
    return torch.tensor(y.astype(np.int64))
