"""
analysis.experiment_report — the report of an experiment manifest:
bands (mean and 95 % Student-t interval over replications) per variant, the
key-result table with intervals and, with --compare, each variant against
the first with paired intervals.

    /usr/bin/python3 -m analysis.report EXP.h5 [--compare] -o DIR

(analysis.report hands an experiment manifest to write_report here.)
"""
from __future__ import annotations

import html
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import load  # noqa: E402
from .experiment import (_pick, _time_dim, interval, open_experiment, paired_difference,  # noqa: E402
                         summary, summary_differences)


def _smart_share(exp):
    ro = exp.rollout
    if ro is None or "households_by_state" not in ro:
        return None
    hbs = ro["households_by_state"]
    t = _time_dim(hbs)
    other = [d for d in hbs.dims if d not in (t, "variant", "replicate", "state")]
    num = hbs.sel(state=[load.SMART_STATE]).sum(["state"] + other)
    den = hbs.sum(["state"] + other)
    return (num / den.where(den > 0)).rename("smart share")


def _peak_minute(exp):
    dcc = exp.dcc
    v = _pick(dcc, "peak_minute_load_total")
    return dcc[v].rename("peak minute load") if v else None


SERIES = [("smart_share", "Share of households smart (DCC), mean and 95 % interval", _smart_share),
          ("peak_minute", "DCC peak one-minute load per day, mean and 95 % interval", _peak_minute)]


def _band_figure(exp, da, title, paired=False):
    fig, ax = plt.subplots(figsize=(10, 4.5))
    t = _time_dim(da)
    ci = paired_difference(da) if paired else interval(da)
    for v in range(exp.variants):
        if paired and v == 0:
            continue
        c = ci.sel(variant=v)
        x = c[t].values
        line, = ax.plot(x, c.sel(stat="mean"), lw=1.2, label=exp.variant_label(v))
        ax.fill_between(x, c.sel(stat="lower"), c.sel(stat="upper"), color=line.get_color(), alpha=0.25, lw=0)
    if paired:
        ax.axhline(0, color="k", lw=0.6)
    ax.set_title(title + (f" — minus variant 0 ({exp.variant_label(0)}), paired" if paired else ""), fontsize=10)
    ax.set_ylabel(da.name)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _table_html(df, cols):
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in cols) + "</tr>"
                   for _, r in df.iterrows())
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(path, outdir, compare=False) -> dict:
    exp = open_experiment(path, groups=["rollout", "dcc"])
    os.makedirs(outdir, exist_ok=True)
    figs, skipped = [], []
    for name, title, fn in SERIES:
        da = fn(exp)
        if da is None:
            skipped.append((name, "the runs lack this series"))
            continue
        for paired in ((False, True) if compare and exp.variants > 1 else (False,)):
            fname = f"{name}{'-paired' if paired else ''}.png"
            fig = _band_figure(exp, da, title, paired)
            fig.savefig(os.path.join(outdir, fname), dpi=110)
            plt.close(fig)
            figs.append((fname, title + (" (paired differences)" if paired else "")))
    cols = ["variant", "design", "result", "mean", "95 % interval"]
    page = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>smsim experiment</title>",
            "<style>body{font-family:sans-serif;max-width:1400px;margin:1em auto}table{border-collapse:"
            "collapse}td,th{border:1px solid #ccc;padding:2px 8px}img{max-width:100%}</style></head><body>",
            f"<h1>smsim experiment: {html.escape(str(exp.attrs.get('scenario_path', path)))}</h1>",
            f"<p>{exp.variants} variants x {exp.replications} replications; common random numbers "
            f"{'on' if exp.attrs.get('common_random_numbers') else 'off'}; intervals: 95 % Student t over "
            f"replications.</p>",
            f"<details><summary>design</summary><pre>{html.escape(str(exp.attrs.get('design', '')))}</pre></details>",
            "<h2>Key results</h2>", _table_html(summary(exp), cols)]
    if compare and exp.variants > 1:
        page += ["<h2>Each variant minus variant 0 (paired by replicate)</h2>",
                 _table_html(summary_differences(exp), ["variant", "design", "result", "difference",
                                                       "95 % interval"])]
    page += ["<h2>Figures</h2>"] + [f"<figure><h3>{html.escape(t)}</h3><img src='{f}'></figure>" for f, t in figs]
    page.append("</body></html>")
    index = os.path.join(outdir, "index.html")
    with open(index, "w", encoding="utf-8") as f:
        f.write("\n".join(page))
    return {"index": index, "figures": [os.path.join(outdir, f) for f, _ in figs], "skipped": skipped}
