"""
analysis.sizing — the curve `smsim size` writes (OUT.h5, group /size): for
each DCC stage, the share of responses within target and the p99 latency
against the stage's servers, the other stages at their minimum.

    /usr/bin/python3 -m analysis.report results/NAME-size.h5 -o DIR   # index.html + size.png
    from analysis.sizing import open_size, plot_curve
"""
from __future__ import annotations

import html
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import load  # noqa: E402


def is_size(path) -> bool:
    import h5py
    try:
        with h5py.File(path, "r") as f:
            return load._decode(f.attrs.get("title", "")) == "smsim size"
    except OSError:
        return False


def open_size(path) -> dict:
    """The evaluations as a DataFrame (one row per run: servers per stage,
    share within target and p99 per service, meets) plus the minimum."""
    import h5py
    with h5py.File(path, "r") as f:
        g = f["size"]
        stages = [load._decode(x) for x in g["stage"][()]]
        services = [load._decode(x) for x in g["service"][()]]
        attrs = {k: load._decode(v) for k, v in f.attrs.items()}
        cols = {f"servers {s}": g["servers"][:, i] for i, s in enumerate(stages)}
        for j, s in enumerate(services):
            cols[f"share {s}"] = g["share_within_target"][:, j]
            cols[f"p99 {s}"] = g["latency_p99"][:, j]
        cols["meets"] = g["meets"][()].astype(bool)
        minimum = dict(zip(stages, g["minimum_servers"][()].tolist()))
    chosen = str(attrs.get("services", "")).split()
    return {"evals": pd.DataFrame(cols), "stages": stages, "services": chosen or services,
            "minimum": minimum, "attrs": attrs}


def plot_curve(path):
    s = open_size(path)
    ev, target = s["evals"], float(s["attrs"].get("target_share", np.nan))
    fig, axes = plt.subplots(2, len(s["stages"]), figsize=(4 * len(s["stages"]), 6.5), squeeze=False)
    for i, st in enumerate(s["stages"]):
        others = [o for o in s["stages"] if o != st]
        sel = ev
        for o in others:
            sel = sel[sel[f"servers {o}"] == s["minimum"][o]]
        sel = sel.sort_values(f"servers {st}")
        for svc in s["services"]:   # every evaluation in grey; the line: the others at their minimum
            axes[0, i].plot(ev[f"servers {st}"], ev[f"share {svc}"], ".", color="0.7", ms=4)
            axes[1, i].plot(ev[f"servers {st}"], ev[f"p99 {svc}"], ".", color="0.7", ms=4)
            axes[0, i].plot(sel[f"servers {st}"], sel[f"share {svc}"], "o-", ms=3, label=svc)
            axes[1, i].plot(sel[f"servers {st}"], sel[f"p99 {svc}"], "o-", ms=3, label=svc)
        axes[0, i].axhline(target, color="k", lw=0.7, ls="--")
        axes[0, i].axvline(s["minimum"][st], color="r", lw=0.7)
        axes[0, i].set_title(f"{st}: minimum {s['minimum'][st]}", fontsize=10)
        axes[0, i].set_ylim(max(0.0, target - 0.1), 1.0005)
        axes[1, i].set_yscale("log")
        axes[1, i].set_xlabel("servers")
    axes[0, 0].set_ylabel("share within target")
    axes[1, 0].set_ylabel("p99 latency (s)")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def write_report(path, outdir) -> dict:
    os.makedirs(outdir, exist_ok=True)
    fig = plot_curve(path)
    fig.savefig(os.path.join(outdir, "size.png"), dpi=110)
    plt.close(fig)
    s = open_size(path)
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in s["minimum"].items())
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>smsim size</title></head><body>"
            f"<h1>smsim size: {html.escape(str(s['attrs'].get('scenario_path', path)))}</h1>"
            f"<p>target share {s['attrs'].get('target_share')} for {html.escape(' '.join(s['services']))}; "
            f"{html.escape(str(s['attrs'].get('measure', '')))}</p>"
            f"<table><tr><th>stage</th><th>minimum servers</th></tr>{rows}</table>"
            f"<img src='size.png' style='max-width:100%'></body></html>")
    index = os.path.join(outdir, "index.html")
    with open(index, "w", encoding="utf-8") as f:
        f.write(page)
    return {"index": index, "figures": [os.path.join(outdir, "size.png")], "skipped": []}
