#!/usr/bin/python3
"""Statistics of the timestep experiment (issue 13; docs/results.md, "The timestep
experiment with 10 chips") from a sweep file.

For every point (a model on one chip variant) and every reported step count t, over the C
chips of the point: mean accuracy, sample standard deviation, the 95 % confidence interval
of the mean (Student's t, C - 1 degrees of freedom), and the drop from the ideal network's
accuracy on the same test images (an `eval` run on ideal hardware, --ideal RUN.h5, matched
to the point by its model path). The trend test is paired by chip: chip k of every point
is keyed (chip_seed, k), so for two step counts a < b it takes the per-chip difference
d_k = drop_k(b) - drop_k(a) and reports its mean, 95 % interval and the two-sided p-value
of the paired t-test (H0: mean d = 0). A positive mean d means the loss grows with T.

Accuracy at step t is argmax of the summed readout S_t == label (the run file's
/samples/prediction_by_timestep), so one T = 64 run of a converted net gives every t <= 64.

With --plot PNG it also draws, per chip variant, the drop (mean and 95 % interval over the
chips) against t and the last lif layer's membrane RMSE against the ideal shadow network:
every step of a single model (converted family), or each model at its own T (several
models, surrogate family).

With --seenn1 A1,A2,... it also replays SEENN-I (the confidence policy of
docs/earlyexit.md, exit at the first t with max softmax(S_t / tau) >= alpha, S_t the float32
running sum of the logged readouts /timesteps/logits) on every chip of every point: mean
exit step and accuracy, against fixed T at about the same mean step count.

usage: timestep_stats.py SWEEP.h5 --ideal RUN.h5 [--ideal RUN.h5 ...] [--t 1,2,4,...]
                         [--pairs a:b,...] [--plot PNG] [--seenn1 A,... [--tau TAU]]
"""
import argparse
import math
import sys

import h5py
import numpy as np


def t_cdf(x, df):
    """Student's t CDF by the regularized incomplete beta function (continued fraction)."""
    if x == 0:
        return 0.5
    z = df / (df + x * x)
    ib = betainc_reg(df / 2.0, 0.5, z)
    return 1 - 0.5 * ib if x > 0 else 0.5 * ib


def betainc_reg(a, b, x):
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(lbeta + a * math.log(x) + b * math.log(1 - x))
    if x > (a + 1) / (a + b + 2):
        return 1 - betainc_reg(b, a, 1 - x)
    # Lentz's continued fraction (Numerical Recipes form).
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    f = d
    for m in range(1, 400):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + num * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + num / c
            c = c if abs(c) > tiny else tiny
            f *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return front * f / a


def t_quantile(p, df):
    lo, hi = 0.0, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mean_ci(x):
    """Mean, sample std and the 95 % interval half-width of the mean."""
    n = len(x)
    m = float(np.mean(x))
    if n < 2:
        return m, 0.0, float("nan")
    s = float(np.std(x, ddof=1))
    return m, s, t_quantile(0.975, n - 1) * s / math.sqrt(n)


def paired(d):
    """Mean of paired differences, its 95 % half-width and the two-sided p-value."""
    m, s, h = mean_ci(d)
    if s == 0:
        return m, h, (1.0 if m == 0 else 0.0)
    tstat = m / (s / math.sqrt(len(d)))
    return m, h, 2 * (1 - t_cdf(abs(tstat), len(d) - 1))


def cell(v):
    return v.decode() if isinstance(v, bytes) else f"{v:g}"


def per_chip_accuracy(g):
    """[C, T] accuracy in % at every step from a run group's per-sample predictions."""
    pred = g["samples/prediction_by_timestep"][:]  # [C, N, T]
    label = g["samples/label"][:]  # [N]
    return 100.0 * (pred == label[None, :, None]).mean(axis=1)


def confidence_exits(logits, alpha, tau):
    """Exit step (1-based) and prediction of each row of logits [N, T, K] under SEENN-I."""
    S = np.cumsum(logits.astype(np.float32), axis=1, dtype=np.float32)  # in order, float32
    N, T, K = S.shape
    top = np.argmax(S, axis=2)  # lowest index on ties
    d = (S.astype(np.float64) - np.take_along_axis(S, top[..., None], 2).astype(np.float64)) / tau
    e = np.exp(d)
    np.put_along_axis(e, top[..., None], 0.0, 2)
    R = e.sum(axis=2)  # the sum of the j != top terms
    ok = R <= (1 - alpha) / alpha
    ok[:, -1] = True  # t_max: every sample has exited
    t = np.argmax(ok, axis=1)
    return t + 1, top[np.arange(N), t]


def seenn1_table(f, table, varied, alphas, tau):
    print()
    print("| chip variant | policy | mean steps (mean over chips) | accuracy % (mean ± std) | "
          "fixed T nearest in steps: accuracy % |")
    print("|---|---|---|---|---|")
    for i, p in enumerate(table["point"][:]):
        g = f[f"points/point_{int(p):05d}"]
        if "timesteps/logits" not in g:
            sys.exit(f"timestep_stats: point {int(p)} has no /timesteps/logits to replay")
        variant = ", ".join(f"{k} = {cell(table[k][i])}" for k in varied)
        label = g["samples/label"][:]
        fixed = per_chip_accuracy(g)  # [C, T]
        lg = g["timesteps/logits"]
        for a in alphas:
            steps, accs = [], []
            for c in range(lg.shape[0]):
                t, pred = confidence_exits(lg[c], a, tau)
                steps.append(t.mean())
                accs.append(100.0 * (pred == label).mean())
            ms = float(np.mean(steps))
            tn = min(max(int(round(ms)), 1), fixed.shape[1])
            m, s, _ = mean_ci(np.array(accs))
            fm, fs, _ = mean_ci(fixed[:, tn - 1])
            print(f"| {short_label(variant)} | SEENN-I α = {a:g} | {ms:.2f} | {m:.2f} ± {s:.2f} | "
                  f"T = {tn}: {fm:.2f} ± {fs:.2f} |")


def short_label(variant):
    """'device.read_noise_sigma = 0.05, crossbar.tile_rows = 64, ...' without the
    section names, rows x cols as one item."""
    items = [kv.split(" = ") for kv in variant.split(", ")]
    d = {k.split(".")[-1]: v for k, v in items}
    if "tile_rows" in d and "tile_cols" in d:
        d["tiles"] = d.pop("tile_rows") + "x" + d.pop("tile_cols")
    return ", ".join(f"{k} {v}" for k, v in d.items())


def plot(path, rows, ideal):
    """Drop and membrane RMSE against t, one line per chip variant."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax_d, ax_r) = plt.subplots(1, 2, figsize=(11, 4.8))
    variants = []
    for variant, _, _, _ in rows:
        if variant not in variants:
            variants.append(variant)
    several = len(set(r[1] for r in rows)) > 1
    for v in variants:
        pts = [r for r in rows if r[0] == v]
        ts, dm, dh, rm = [], [], [], []
        for _, model, acc, rmse in sorted(pts, key=lambda r: r[2].shape[1]):
            T = acc.shape[1]
            steps = [T] if several else list(range(1, T + 1))
            for t in steps:
                ts.append(t)
                if model in ideal:
                    m, _, h = mean_ci(ideal[model][t - 1] - acc[:, t - 1])
                    dm.append(m)
                    dh.append(h)
                rm.append(rmse[:, t - 1, -1].mean() if rmse is not None else float("nan"))
        label = short_label(v)
        if dm and several:
            ax_d.errorbar(ts, dm, yerr=dh, marker="o", ms=3, capsize=2, label=label)
        elif dm:  # every step: the interval as a band
            line, = ax_d.plot(ts, dm, lw=1.2, label=label)
            ax_d.fill_between(ts, np.subtract(dm, dh), np.add(dm, dh), color=line.get_color(),
                              alpha=0.15, lw=0)
        ax_r.plot(ts, rm, marker="o" if several else None, ms=3, label=label)
    for ax in (ax_d, ax_r):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("T (each model at its own T)" if several else "step t")
        ax.grid(alpha=0.3)
    ax_d.set_ylabel("accuracy drop from ideal [points]\nmean and 95 % interval over chips")
    ax_r.set_ylabel("membrane RMSE, last lif layer\n[weight units], mean over chips")
    handles, labels = ax_d.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sweep")
    ap.add_argument("--ideal", action="append", default=[], help="ideal-hardware run file")
    ap.add_argument("--t", default="1,2,4,8,16,32,64", help="step counts to report")
    ap.add_argument("--pairs", default="", help="a:b step pairs for the paired test "
                    "(default: each model's T against the next model's, or 4:64 ... for one model)")
    ap.add_argument("--plot", default="", help="write the drop and membrane-error figure here")
    ap.add_argument("--seenn1", default="", help="alphas of the SEENN-I replay")
    ap.add_argument("--tau", type=float, default=1.0, help="SEENN-I temperature")
    args = ap.parse_args()
    try:
        f = h5py.File(args.sweep, "r")
    except OSError as e:
        sys.exit(f"timestep_stats: {args.sweep}: cannot open ({e})")
    ideal = {}
    for path in args.ideal:
        with h5py.File(path, "r") as r:
            if r.attrs.get("format") not in (b"spikebar-run", "spikebar-run"):
                sys.exit(f"timestep_stats: {path}: not a spikebar run file")
            model = r.attrs["model"]
            model = model.decode() if isinstance(model, bytes) else model
            ideal[model] = per_chip_accuracy(r)[0]
    keys = [k.decode() if isinstance(k, bytes) else k for k in f.attrs["keys"]]
    table = f["table"]
    varied = [k for k in keys if k != "model"]
    want_t = [int(x) for x in args.t.split(",")]
    rows = []
    for i, p in enumerate(table["point"][:]):
        g = f[f"points/point_{int(p):05d}"]
        model = g.attrs["model"]
        model = model.decode() if isinstance(model, bytes) else model
        acc = per_chip_accuracy(g)  # [C, T]
        rmse = g["shadow/membrane_rmse"][:] if "shadow/membrane_rmse" in g else None
        variant = ", ".join(f"{k} = {cell(table[k][i])}" for k in varied)
        rows.append((variant, model, acc, rmse))
    print(f"# {args.sweep}: {len(rows)} points, chips per point "
          f"{sorted(set(int(r[2].shape[0]) for r in rows))}")
    print("| chip variant | model | t | chips | accuracy % (mean ± std) | 95 % interval | "
          "ideal % | drop (mean ± 95 % half-width) | membrane RMSE last lif at t |")
    print("|---|---|---|---|---|---|---|---|---|")
    drops = {}
    for variant, model, acc, rmse in rows:
        T = acc.shape[1]
        ts = [t for t in want_t if t <= T] if T > 1 and T >= max(want_t) // 2 else [T]
        base = ideal.get(model)
        for t in ts:
            m, s, h = mean_ci(acc[:, t - 1])
            line = (f"| {variant} | {model.split('/')[-1]} | {t} | {acc.shape[0]} | {m:.2f} ± {s:.2f} | "
                    f"{m - h:.2f} .. {m + h:.2f} | ")
            if base is not None:
                d = base[t - 1] - acc[:, t - 1]
                dm, ds, dh = mean_ci(d)
                drops[(variant, model, t)] = d
                line += f"{base[t - 1]:.2f} | {dm:.2f} ± {dh:.2f} | "
            else:
                line += "n/a | n/a | "
            line += f"{rmse[:, t - 1, -1].mean():.3f} |" if rmse is not None else "n/a |"
            print(line)
    if args.plot:
        plot(args.plot, rows, ideal)
    if args.seenn1:
        seenn1_table(f, table, varied, [float(a) for a in args.seenn1.split(",")], args.tau)
    if not drops:
        return
    print()
    print("| chip variant | comparison | mean change of the drop b - a (points) | 95 % interval | "
          "p (paired t, two-sided) |")
    print("|---|---|---|---|---|")
    variants = sorted(set(v for v, _, _ in drops), key=[r[0] for r in rows].index)
    for v in variants:
        entries = [(m, t) for (vv, m, t) in drops if vv == v]
        if len(set(m for m, _ in entries)) > 1:  # several models: each at its own T
            chain = [(m, t) for m, t in entries if t == max(tt for mm, tt in entries if mm == m)]
            chain.sort(key=lambda e: e[1])
            comps = [(chain[k], chain[k + 1]) for k in range(len(chain) - 1)] + [(chain[0], chain[-1])]
        else:
            m = entries[0][0]
            ts = sorted(t for _, t in entries)
            pairs = [tuple(int(x) for x in s.split(":")) for s in args.pairs.split(",") if s] or \
                [(ts[k], ts[k + 1]) for k in range(len(ts) - 1)] + [(ts[2] if len(ts) > 2 else ts[0], ts[-1])]
            comps = [((m, a), (m, b)) for a, b in pairs]
        for (ma, ta), (mb, tb) in dict.fromkeys(comps):  # a 2-entry chain lists its pair once
            d = drops[(v, mb, tb)] - drops[(v, ma, ta)]
            dm, dh, pv = paired(d)
            name = (f"T={ta} → T={tb}" if ma == mb else
                    f"{ma.split('/')[-1]} (T={ta}) → {mb.split('/')[-1]} (T={tb})")
            print(f"| {v} | {name} | {dm:+.2f} | {dm - dh:+.2f} .. {dm + dh:+.2f} | {pv:.3g} |")


if __name__ == "__main__":
    main()
