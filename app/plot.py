#!/usr/bin/python3
"""Figures from spikebar output files (docs/output-format.md), as PNGs.

usage: spikebar plot FILE... [--out DIR] [--overlay NAME]   (spikebar runs this script)

A run file (spikebar eval --out) gives
  <stem>_error_growth.png   membrane RMSE and spike mismatch against the ideal shadow
                            network, layer x timestep heat maps (crossbar runs)
  <stem>_energy.png         energy per sample by layer, stacked by component, for all T
                            steps and up to each sample's early exit (not for a run with
                            eval.record_energy = false: a note on stderr instead)
  <stem>_exits.png          accuracy at every fixed T and the early-exit histogram
A replay file (spikebar replay --out) gives
  <stem>_pareto.png         accuracy against mean timesteps and mean energy, with the
                            fixed-T points and the oracle bound
A sweep file (spikebar sweep --out) gives
  <stem>_sweep.png          accuracy against each swept key, one line per model/T
With --overlay NAME, the files instead go into one figure, NAME.png (in --out, or beside
the first file), labelled by file name, to compare hardware levels or models:
  replay files              every file's Pareto curve, fixed-T points and oracle (means
                            over lanes)
  run files with a shadow   membrane RMSE against the ideal network over timesteps, one
                            panel per lif layer (mean and std over chips): error growth
Run with Debian's python3 (numpy, h5py, matplotlib from apt). Every error is one line on
stderr, "spikebar plot: ...", like the binary's own, and exit code 2.
"""
import argparse
import os
import sys

PREFIX = "spikebar plot: "

try:
    import h5py
    import numpy as np

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: E402
except ImportError as e:
    print(f"{PREFIX}{sys.executable} lacks {e.name} (apt install python3-h5py python3-matplotlib)",
          file=sys.stderr)
    sys.exit(2)


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def names(attr):
    return [text(x) for x in attr]


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(path)


def plot_run(f, stem):
    T = int(f.attrs["timesteps"])
    hw = text(f.attrs["hardware"])
    title = f"{os.path.basename(text(f.attrs['model']))}, {hw}, policy {text(f.attrs['policy'])}"
    out = []
    if "shadow" in f:
        rmse = f["/shadow/membrane_rmse"][...].mean(axis=0)  # [T, S]
        mism = f["/shadow/spike_mismatch"][...].mean(axis=0)
        fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
        for a, data, label in ((ax[0], rmse, "membrane RMSE"), (ax[1], 100 * mism, "spike mismatch [%]")):
            im = a.imshow(data.T, aspect="auto", origin="lower", cmap="viridis",
                          extent=(0.5, T + 0.5, 0.5, data.shape[1] + 0.5))
            a.set_xlabel("timestep t")
            a.set_ylabel("lif layer")
            a.set_xticks(range(1, T + 1))
            a.set_yticks(range(1, data.shape[1] + 1))
            a.set_title(label)
            fig.colorbar(im, ax=a)
        fig.suptitle(f"error against the ideal network ({title})", fontsize=9)
        out.append(save(fig, stem + "_error_growth.png"))
    if "/timesteps/energy_pj" in f:
        e = f["/timesteps/energy_pj"]
        rows, comps = names(e.attrs["rows"]), names(e.attrs["components"])
        exit_t = f["/samples/exit_t"][0]  # lane 0
        full = np.zeros((len(rows), len(comps)))
        early = np.zeros_like(full)
        n = e.shape[1]
        for first in range(0, n, 1024):
            block = e[0, first:first + 1024]  # [b, T, R, P]
            full += block.sum(axis=(0, 1))
            ran = np.arange(T)[None, :] < exit_t[first:first + 1024, None]  # [b, T]
            early += (block * ran[:, :, None, None]).sum(axis=(0, 1))
        full /= n
        early /= n
        fig, ax = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
        for a, data, label in ((ax[0], full, f"all T = {T} steps"),
                               (ax[1], early, f"early exit ({text(f.attrs['policy'])})")):
            bottom = np.zeros(len(rows))
            for p, comp in enumerate(comps):
                if not data[:, p].any():
                    continue
                a.bar(rows, data[:, p] / 1000, bottom=bottom / 1000, label=comp)
                bottom += data[:, p]
            a.set_title(f"{label}: {data.sum() / 1000:.1f} nJ per sample")
            a.set_ylabel("energy per sample [nJ]")
        ax[1].legend(fontsize=8)
        fig.suptitle(title, fontsize=9)
        out.append(save(fig, stem + "_energy.png"))
    elif not int(f.attrs.get("energy_recorded", 1)):
        print(f"{PREFIX}{f.filename}: no energy figure, the run recorded no energy "
              "(eval.record_energy = false)", file=sys.stderr)
    acc = f["/summary/accuracy_by_timestep"][...]  # [C, T]
    hist = f["/summary/exit_histogram"][...].sum(axis=0)
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    t = np.arange(1, T + 1)
    if np.isfinite(acc).all():
        ax[0].errorbar(t, 100 * acc.mean(axis=0), yerr=100 * acc.std(axis=0, ddof=1) if acc.shape[0] > 1 else None,
                       marker="o", label="fixed T")
    ax[0].axhline(100 * float(f.attrs["accuracy"]), color="C1", ls="--",
                  label=f"early exit: {float(f.attrs['mean_timesteps']):.2f} mean steps")
    ax[0].set_xlabel("timesteps T")
    ax[0].set_ylabel("accuracy [%]")
    ax[0].set_xticks(t)
    ax[0].legend(fontsize=8)
    ax[1].bar(t, hist / hist.sum())
    ax[1].set_xlabel("exit timestep")
    ax[1].set_ylabel("fraction of samples")
    ax[1].set_xticks(t)
    fig.suptitle(title, fontsize=9)
    out.append(save(fig, stem + "_exits.png"))
    return out


def plot_replay(f, stem):
    """Pareto curves of a replay file (lane 0): accuracy against mean timesteps and energy."""
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    policy = text(f.attrs["policy"])
    series = (("pareto", dict(marker=".", ls="-", ms=3, label=f"{policy} ({text(f.attrs['threshold_key'])} sweep)")),
              ("fixed_t", dict(marker="s", ls="none", label="fixed T")),
              ("oracle", dict(marker="*", ls="none", ms=12, label="oracle (per sample)")))
    for g, style in series:
        if g not in f:
            continue
        grp = f[g]
        acc = 100 * np.atleast_1d(grp["accuracy"][...])
        mt = np.atleast_1d(grp["mean_timesteps"][...])
        me = np.atleast_1d(grp["mean_energy_pj"][...]) / 1000
        if acc.ndim == 2:  # [L, R]: lane 0
            acc, mt, me = acc[0], mt[0], me[0]
        else:  # oracle: [L]
            acc, mt, me = acc[:1], mt[:1], me[:1]
        order = np.argsort(mt) if g == "pareto" else slice(None)
        ax[0].plot(mt[order], acc[order], **style)
        order = np.argsort(me) if g == "pareto" else slice(None)
        ax[1].plot(me[order], acc[order], **style)
    if "oracle/frontier_total_t" in f:
        n = float(f.attrs["samples"])
        tot_t = f["oracle/frontier_total_t"][0]
        tot_e = f["oracle/frontier_total_energy_pj"][0]
        m = np.arange(len(tot_t))
        ok = tot_t >= 0
        ax[0].plot(tot_t[ok] / n, 100 * m[ok] / n, "k:", lw=1, label="oracle bound")
        ax[1].plot(tot_e[ok] / n / 1000, 100 * m[ok] / n, "k:", lw=1, label="oracle bound")
    lo = 100 * min(np.nanmin(f["fixed_t/accuracy"][...]), np.nanmin(f["pareto/accuracy"][...])) - 1
    ax[0].set_xlabel("mean timesteps")
    ax[1].set_xlabel("mean energy per sample [nJ]")
    for a in ax:
        a.set_ylabel("accuracy [%]")
        a.set_ylim(bottom=lo)
        a.legend(fontsize=8)
        a.grid(alpha=0.3)
    fig.suptitle(f"{text(f.attrs['run'])} ({text(f.attrs['hardware'])})", fontsize=9)
    return [save(fig, stem + "_pareto.png")]


def lane_mean(x):
    """A [L, R] table as its mean over lanes (a row per threshold value)."""
    x = np.atleast_1d(x)
    return x.mean(axis=0) if x.ndim == 2 else x


def plot_overlay(files, path):
    """Pareto curves of several replay files in one figure, mean over lanes."""
    fig, ax = plt.subplots(1, 2, figsize=(14, 4.5))
    lo = 100.0
    for i, (name, f) in enumerate(files):
        color = f"C{i}"
        for g, style in (("pareto", dict(ls="-", lw=1.2, label=f"{name}: {text(f.attrs['policy'])}")),
                         ("fixed_t", dict(marker="s", ls="none", ms=5, label=f"{name}: fixed T")),
                         ("oracle", dict(marker="*", ls="none", ms=11, label=f"{name}: oracle"))):
            if g not in f:
                continue
            # pareto and fixed_t are [L, R]; the oracle is [L]: one point, the lanes' mean.
            avg = (lambda x: np.atleast_1d(np.mean(x))) if g == "oracle" else lane_mean
            acc = 100 * avg(f[g]["accuracy"][...])
            mt = avg(f[g]["mean_timesteps"][...])
            me = avg(f[g]["mean_energy_pj"][...]) / 1000
            if g != "oracle":
                lo = min(lo, float(np.nanmin(acc)))
            order = np.argsort(mt) if g == "pareto" else slice(None)
            ax[0].plot(mt[order], acc[order], color=color, **style)
            order = np.argsort(me) if g == "pareto" else slice(None)
            ax[1].plot(me[order], acc[order], color=color, **style)
    ax[0].set_xlabel("mean timesteps")
    ax[1].set_xlabel("mean energy per sample [nJ]")
    for a in ax:
        a.set_ylabel("accuracy [%] (mean over chips)")
        a.set_ylim(bottom=lo - 1)
        a.grid(alpha=0.3)
    ax[1].set_xscale("log")
    ax[1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))  # outside: no point hidden
    return [save(fig, path)]


def plot_error_overlay(files, path):
    """Membrane RMSE against t of several crossbar run files, one panel per lif layer."""
    layers = max(f["/shadow/membrane_rmse"].shape[2] for _, f in files)
    fig, ax = plt.subplots(1, layers, figsize=(3.8 * layers, 3.6), squeeze=False)
    for i, (name, f) in enumerate(files):
        rmse = f["/shadow/membrane_rmse"][...]  # [C, T, S]
        t = np.arange(1, rmse.shape[1] + 1)
        mean = rmse.mean(axis=0)
        std = rmse.std(axis=0, ddof=1) if rmse.shape[0] > 1 else None
        for j in range(rmse.shape[2]):
            ax[0, j].errorbar(t, mean[:, j], yerr=None if std is None else std[:, j], marker="o",
                              capsize=3, color=f"C{i}", label=name)
    T = max(f["/shadow/membrane_rmse"].shape[1] for _, f in files)
    for j in range(layers):
        ax[0, j].set_xticks(range(1, T + 1))
        ax[0, j].set_title(f"lif layer {j + 1}")
        ax[0, j].set_xlabel("timestep t")
        ax[0, j].set_ylabel("membrane RMSE against ideal")
        ax[0, j].set_ylim(bottom=0)
        ax[0, j].grid(alpha=0.3)
    ax[0, 0].legend(fontsize=7)
    return [save(fig, path)]


def determines(a, b):
    """True when every value of column a goes with a single value of column b."""
    seen = {}
    for x, y in zip(a, b):
        if seen.setdefault(text(x), text(y)) != text(y):
            return False
    return True


def plot_sweep(f, stem):
    """Accuracy (mean over chips, 95 % interval) against each numeric swept axis, one line
    per combination of the other axes. Keys that vary together with an axis (a zip group)
    label it instead of getting their own figure."""
    t = f["table"]
    keys = names(f.attrs["keys"])
    cols = {k: t[k][...] for k in keys}
    acc = t["accuracy_mean"][...]
    lo, hi = t["accuracy_ci95_low"][...], t["accuracy_ci95_high"][...]
    lo = np.where(np.isfinite(lo), np.maximum(lo, 0), acc)
    hi = np.where(np.isfinite(hi), np.minimum(hi, 1), acc)
    out, plotted = [], []
    for key in keys:
        x = cols[key]
        if x.dtype.kind in "SOU" or any(determines(cols[p], x) and determines(x, cols[p]) for p in plotted):
            continue  # categorical, or the same axis as one already drawn
        plotted.append(key)
        along = [k for k in keys if k != key and determines(x, cols[k])]
        others = [k for k in keys if k != key and k not in along]
        groups = {}
        for i in range(len(x)):
            label = ", ".join(f"{k.split('.')[-1]}={os.path.basename(text(cols[k][i]))}" for k in others)
            groups.setdefault(label, []).append(i)
        fig, ax = plt.subplots(figsize=(7.5, 4.5))
        for label, idx in groups.items():
            idx = sorted(idx, key=lambda i: x[i])
            ax.errorbar(x[idx], 100 * acc[idx], yerr=[100 * (acc[idx] - lo[idx]), 100 * (hi[idx] - acc[idx])],
                        marker="o", capsize=3, label=label or None)
        ax.set_xlabel(key + (f"  (with {', '.join(along)})" if along else ""), fontsize=8)
        ax.set_ylabel("accuracy at exit [%] (mean, 95 % CI over chips)")
        if len(groups) > 1:
            ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        out.append(save(fig, f"{stem}_sweep_{key.replace('.', '_')}.png"))
    return out


class BadInput(Exception):
    """Input spikebar plot cannot draw: one line for stderr after PREFIX, exit code 2."""


def open_spikebar(path):
    """The HDF5 file at path and its root `format` attribute."""
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise BadInput(f"{path}: cannot open as HDF5 ({e})")
    return f, text(f.attrs.get("format", ""))


def overlay(paths, out, name):
    """One figure of several replay files, or of several crossbar run files."""
    opened = []
    try:
        for path in paths:
            f, kind = open_spikebar(path)
            opened.append((os.path.splitext(os.path.basename(path))[0], f))
            if kind != "spikebar-replay" and not (kind == "spikebar-run" and "shadow" in f):
                raise BadInput(f"{path}: --overlay takes replay files, or run files of "
                               "crossbar runs (with /shadow)")
            if kind != text(opened[0][1].attrs["format"]):
                raise BadInput(f"{path}: --overlay takes files of one kind ({path} is a "
                               f"{kind} file, {paths[0]} is not)")
        out_dir = out or os.path.dirname(os.path.abspath(paths[0]))
        os.makedirs(out_dir, exist_ok=True)
        replay = text(opened[0][1].attrs["format"]) == "spikebar-replay"
        (plot_overlay if replay else plot_error_overlay)(opened, os.path.join(out_dir, name + ".png"))
    finally:
        for _, f in opened:
            f.close()


def plot_file(path, out):
    """The figures of one run, replay or sweep file."""
    f, kind = open_spikebar(path)
    with f:
        draw = {"spikebar-run": plot_run, "spikebar-replay": plot_replay, "spikebar-sweep": plot_sweep}.get(kind)
        if draw is None:
            raise BadInput(f"{path}: not a spikebar run, replay or sweep file "
                           f"(root attribute format = '{kind}')")
        out_dir = out or os.path.dirname(os.path.abspath(path))
        os.makedirs(out_dir, exist_ok=True)
        draw(f, os.path.join(out_dir, os.path.splitext(os.path.basename(path))[0]))


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line is one BadInput line, not usage text and "prog: error"."""

    def error(self, message):
        raise BadInput(f"{message} (see spikebar plot --help)")


def main(argv):
    ap = OneLineParser(prog="spikebar plot", description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", default=None, help="directory for the PNGs (default: beside each file)")
    ap.add_argument("--overlay", default=None, metavar="NAME",
                    help="the files (replay files, or crossbar run files) in one figure, NAME.png")
    try:
        a = ap.parse_args(argv)
        if a.overlay:
            overlay(a.files, a.out, a.overlay)
        else:
            for path in a.files:
                plot_file(path, a.out)
    except BadInput as e:
        print(f"{PREFIX}{e}", file=sys.stderr)
        return 2
    except OSError as e:  # an output directory or PNG that cannot be written, as io_error
        print(f"{PREFIX}{e.filename}: {e.strerror}" if e.filename else f"{PREFIX}{e}",
              file=sys.stderr)
        return 2
    except Exception as e:  # a bug or a malformed file: one line still, as the binary's
        print(f"{PREFIX}internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
