"""
analysis.validate — a run (or replications of it) against the published record.

    /usr/bin/python3 -m analysis.validate RUN.h5 [RUN2.h5 ...] --targets FILE -o DIR
        [--last-observed 2019-12-31] [--fit-until YYYY-MM-DD]

Writes to DIR: `errors.csv` (every computable target: published, simulated
mean, min and max over the runs, error), one PNG per figure and
`index.html` showing them with the table.  Several runs are replications
(same scenario, different seeds): curves are the median with the min-max
band over them.  Everything after `--last-observed` is drawn as a forecast
(shaded, "forecast" label).  `--fit-until` marks the targets after that date
as held out (the pseudo-hold-out of scenarios/README.md).

Exit status: 0 written, 2 a missing or unreadable input, 1 anything else.
"""
from __future__ import annotations

import argparse
import csv
import html
import os
import sys

import numpy as np

from . import targets as T

__all__ = ["score", "FIGURES", "main"]

TOLERANCE = 0.10      # acceptance: within 10 % of every stock and quarterly-install figure of 2016-2019
MPM_FACTOR = 1.25     # and within a factor 1.25 of the messages per meter per month


def score(outputs, rows, fit_until=None):
    """One dict per computable row: published, simulated mean/min/max over the runs, error, verdict."""
    out = []
    for t in rows:
        if not T.computable(t):
            continue
        v = np.array([T.simulate_row(o, t) for o in outputs])
        mean = float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
        err = mean / t.value - 1 if t.value else float("nan")
        accepted = None
        if t.year >= 2016 and t.year <= 2019 and t.quantity in ("installs_quarter", "stock"):
            accepted = abs(err) <= TOLERANCE
        elif t.quantity == "dcc_messages_per_meter":
            accepted = 1 / MPM_FACTOR <= mean / t.value <= MPM_FACTOR
        out.append({"id": t.id, "quantity": t.quantity, "start": str(t.start), "end": str(t.end),
                    "premises": t.premises, "suppliers": t.suppliers, "measure": t.measure, "use": t.use,
                    "held_out": bool(fit_until and t.end > np.datetime64(fit_until)),
                    "published": t.value, "simulated": mean, "min": float(np.nanmin(v)), "max": float(np.nanmax(v)),
                    "error": err, "acceptance": accepted, "note": t.note})
    return out


# ---- series for the figures ---------------------------------------------------------------------

def _by_period(days, x, freq):
    """Sum of a daily series over calendar quarters ('Q') or months ('M'): (period starts, sums)."""
    months = days.astype("datetime64[M]")
    if freq == "Q":
        months = (months.astype(int) // 3 * 3).astype("datetime64[M]")
    keys, inv = np.unique(months, return_inverse=True)
    sums = np.zeros(len(keys))
    np.add.at(sums, inv, x)
    n = np.zeros(len(keys))
    np.add.at(n, inv, 1)
    full = n >= (85 if freq == "Q" else 28)
    return keys[full].astype("datetime64[D]"), sums[full]


def _band(outputs, fn):
    """(dates, median, lo, hi) of fn(o) -> (dates, values) over runs, on the dates all runs share."""
    series = [fn(o) for o in outputs]
    common = series[0][0]
    for d, _ in series[1:]:
        common = np.intersect1d(common, d)
    vals = np.array([v[np.isin(d, common)] for d, v in series])
    return common, np.median(vals, axis=0), vals.min(axis=0), vals.max(axis=0)


def _plot_band(ax, outputs, fn, label, color, last_obs):
    d, med, lo, hi = _band(outputs, fn)
    x = d.astype("datetime64[D]").astype(object)
    ax.plot(x, med, color=color, label=label + (f" (median of {len(outputs)} runs)" if len(outputs) > 1 else ""))
    ax.fill_between(x, lo, hi, color=color, alpha=0.25, linewidth=0)
    fc = d > np.datetime64(last_obs)
    if fc.any():
        ax.fill_between(x, lo, hi, where=fc, color=color, alpha=0.15, hatch="//", linewidth=0)


def _shade_forecast(ax, outputs, last_obs):
    end = max(o.days[-1] for o in outputs)
    if end > np.datetime64(last_obs):
        ax.axvspan(np.datetime64(last_obs).astype(object), end.astype(object), color="0.9", zorder=0)
        ax.text(np.datetime64(last_obs).astype(object), ax.get_ylim()[1] * 0.97, "  forecast", va="top", fontsize=9)


def _points(ax, rows, quantities, marker="o", color="k", label="published", filt=None):
    pts = [t for t in rows if t.quantity in quantities and t.use in ("target", "check") and
           np.isfinite(t.value) and (filt is None or filt(t))]
    if pts:
        mid = [(t.start + (t.end - t.start) // 2).astype(object) for t in pts]
        ax.errorbar(mid, [t.value for t in pts], yerr=[t.sigma_rel * t.value for t in pts], fmt=marker,
                    color=color, label=label, capsize=2, zorder=5)


def fig_quarterly_installs(outputs, rows, last_obs, plt):
    fig, ax = plt.subplots(figsize=(9, 4.5))
    f = T.LARGE_SHARE

    def q(o):
        d, v = _by_period(o.days, (o.elec + o.gas).astype(float), "Q")
        return d, v * o.scale * f
    _plot_band(ax, outputs, q, "simulated, domestic, large suppliers", "C0", last_obs)
    _points(ax, rows, ("installs_quarter",), filt=lambda t: t.premises == "domestic", label="published (domestic, large)")
    _points(ax, rows, ("installs_quarter",), marker="s", color="C3", filt=lambda t: t.premises == "all",
            label="published (all sites)")
    ax.set_ylabel("meters installed per quarter")
    ax.set_title("Installations per quarter")
    _shade_forecast(ax, outputs, last_obs)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def fig_stocks(outputs, rows, last_obs, plt):
    fig, ax = plt.subplots(figsize=(9, 4.5))

    def inst(o):
        return o.days, np.cumsum(o.elec + o.gas) * o.scale

    def oper(o):
        return o.days, T.operating_series(o) * o.scale

    def trad(o):
        return o.days, T.traditional_series(o) * o.scale
    _plot_band(ax, outputs, inst, "simulated installed, domestic", "C0", last_obs)
    _plot_band(ax, outputs, oper, "simulated operating (smart mode), domestic", "C2", last_obs)
    _plot_band(ax, outputs, trad, "simulated in traditional mode, domestic", "C3", last_obs)
    _points(ax, rows, ("stock",), filt=lambda t: t.measure == "installed", label="published installed")
    _points(ax, rows, ("stock",), marker="^", color="C2", filt=lambda t: t.measure == "operating",
            label="published operating")
    _points(ax, rows, ("traditional", "smets1_lost"), marker="v", color="C3", label="published traditional mode")
    ax.set_ylabel("smart meters")
    ax.set_title("Stock of smart meters (published points at their own definition: domestic or all premises)")
    _shade_forecast(ax, outputs, last_obs)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def fig_dcc(outputs, rows, last_obs, plt):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))

    def s2(o):
        mig = np.interp(o.dcc_days.astype(int), o.days.astype(int), np.cumsum(o.migrations)) * o.meters_per_home
        return o.dcc_days, (o.fleet_meters - mig) * o.scale

    def mig(o):
        return o.days, np.cumsum(o.migrations) * o.meters_per_home * o.scale
    _plot_band(a1, outputs, s2, "SMETS2 meters on the DCC", "C0", last_obs)
    _plot_band(a1, outputs, mig, "SMETS1 meters migrated", "C1", last_obs)
    _points(a1, rows, ("on_dcc_smets2", "migrated_smets1"))
    a1.set_title("Meters on the DCC")
    a1.legend(fontsize=8)
    _shade_forecast(a1, outputs, last_obs)

    def mpm(o):
        d, msg = _by_period(o.dcc_days, o.messages, "M")
        d2, fm = _by_period(o.dcc_days, o.fleet_meters, "M")
        days_in = np.array([(np.datetime64(x, "M") + 1 - np.datetime64(x, "M")).astype("timedelta64[D]").astype(int)
                            for x in d])
        with np.errstate(invalid="ignore", divide="ignore"):
            v = msg / (fm / days_in)
        ok = np.isfinite(v) & (fm > 0) & (d >= np.datetime64("2017-01-01"))
        return d[ok], v[ok]
    _plot_band(a2, outputs, mpm, "service messages per meter per month", "C0", last_obs)
    _points(a2, rows, ("dcc_messages_per_meter",))
    a2.set_title("DCC messages per connected meter per month")
    a2.legend(fontsize=8)
    _shade_forecast(a2, outputs, last_obs)
    return fig


def fig_errors(scored, plt):
    fig, ax = plt.subplots(figsize=(9, max(4, 0.18 * len(scored))))
    y = np.arange(len(scored))
    ratio = np.array([s["simulated"] / s["published"] for s in scored])
    lo = np.array([s["min"] / s["published"] for s in scored])
    hi = np.array([s["max"] / s["published"] for s in scored])
    colors = ["C3" if s["held_out"] else ("C0" if s["use"] == "target" else "0.5") for s in scored]
    ax.scatter(np.clip(ratio, 0.1, 10), y, c=colors, zorder=3)
    ax.hlines(y, np.clip(lo, 0.1, 10), np.clip(hi, 0.1, 10), colors=colors)
    ax.axvspan(1 - TOLERANCE, 1 + TOLERANCE, color="C2", alpha=0.15)
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(y, [s["id"] for s in scored], fontsize=7)
    ax.set_xlabel("simulated / published (blue: fitted target, grey: check, red: held out); green: +-10 %")
    ax.set_title("Every target")
    ax.invert_yaxis()
    return fig


FIGURES = {
    "quarterly_installs": fig_quarterly_installs,
    "stocks": fig_stocks,
    "dcc": fig_dcc,
}


def _write_table(scored, path):
    cols = ["id", "quantity", "start", "end", "premises", "suppliers", "measure", "use", "held_out", "published",
            "simulated", "min", "max", "error", "acceptance", "note"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for s in scored:
            w.writerow(s)


def _html(scored, figs, runs, outdir, last_obs):
    def row(s):
        acc = {True: "yes", False: "<b>no</b>", None: ""}[s["acceptance"]]
        return ("<tr>" + "".join(f"<td>{x}</td>" for x in (
            html.escape(s["id"]), html.escape(s["quantity"]), s["end"], s["use"] + (" (held out)" if s["held_out"] else ""),
            f"{s['published']:,.4g}", f"{s['simulated']:,.4g}", f"{s['min']:,.4g} - {s['max']:,.4g}",
            f"{100 * s['error']:+.1f} %", acc, html.escape(s["note"]))) + "</tr>")
    imgs = "".join(f'<h2>{n}</h2><img src="{n}.png" alt="{n}">' for n in figs)
    table = ("<table border=1 cellspacing=0 cellpadding=3><tr><th>id</th><th>quantity</th><th>date</th><th>use</th>"
             "<th>published</th><th>simulated</th><th>runs min - max</th><th>error</th><th>within acceptance</th>"
             "<th>note</th></tr>" + "".join(row(s) for s in scored) + "</table>")
    runs_html = "".join(f"<li>{html.escape(r)}</li>" for r in runs)
    with open(os.path.join(outdir, "index.html"), "w") as f:
        f.write(f"<!doctype html><html><head><meta charset='utf-8'><title>smsim validation</title></head><body>"
                f"<h1>smsim against the published record</h1><p>Runs (replications):</p><ul>{runs_html}</ul>"
                f"<p>Everything after {last_obs} is a forecast (shaded). Acceptance: within 10 % of every stock and "
                f"quarterly-install figure of 2016-2019, within a factor 1.25 of the messages per meter per month.</p>"
                f"{imgs}<h2>errors</h2>{table}</body></html>")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m analysis.validate", description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--targets", required=True)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--last-observed", default="2019-12-31")
    ap.add_argument("--fit-until", default=None)
    args = ap.parse_args(argv)
    try:
        rows = T.read_targets(args.targets)
        outputs = [T.load_output(p) for p in args.runs]
    except (OSError, KeyError, ValueError) as e:
        print(f"validate: {e}", file=sys.stderr)
        return 2
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(args.out, exist_ok=True)
    scored = score(outputs, rows, args.fit_until)
    _write_table(scored, os.path.join(args.out, "errors.csv"))
    names = []
    for name, fn in list(FIGURES.items()) + [("errors", None)]:
        fig = fn(outputs, rows, args.last_observed, plt) if fn else fig_errors(scored, plt)
        fig.tight_layout()
        fig.savefig(os.path.join(args.out, f"{name}.png"), dpi=90)
        plt.close(fig)
        names.append(name)
    _html(scored, names, args.runs, args.out, args.last_observed)
    bad = [s["id"] for s in scored if s["acceptance"] is False]
    print(f"validate: {len(scored)} targets, {len(names)} figures -> {args.out}; "
          f"outside acceptance: {', '.join(bad) if bad else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
