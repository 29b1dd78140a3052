"""
analysis.plots — one function per figure; each takes a Run (analysis.load)
and returns a matplotlib Figure.  Not for file output (analysis.report).

The Run has passed analysis.load's schema check, so /rollout and /dcc hold
every dataset the figures read.  A figure whose data the run lacks (the
detail-day figures of a scenario without DCC detail days) raises MissingData
with the reason, so a report lists what it skipped.

The Agg backend is selected unless the caller chose one before importing
this module (a notebook's inline backend stays).
"""
from __future__ import annotations

from typing import Callable

import matplotlib

if "matplotlib.pyplot" not in __import__("sys").modules:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .load import (SMART_METER_STATES, Run, causes_total, cumulative_installs, date_reaching,  # noqa: E402
                   key_totals, sla_targets, smart_commissionings, smart_share, sum_but_time, time_dim)

__all__ = ["MissingData", "FIGURES", "COMPARE_FIGURES", "s_curve_region", "s_curve_supplier",
           "outcomes_by_cause", "fleet_by_state", "installers", "dcc_load_by_day",
           "dcc_load_by_hour", "sla_by_day", "busiest_services", "latency_vs_sla", "latency_distribution", "read_failures", "compare_s_curves",
           "compare_totals", "traditional_by_cause", "fleet_events", "dcc_traffic_by_process", "prn_benefit",
           "compare_prn"]


class MissingData(Exception):
    """The run lacks what a figure needs (the message says what)."""


def _fig(nrows: int = 1, ncols: int = 1, **kw):
    kw.setdefault("figsize", (9, 4.5 * nrows))
    fig, ax = plt.subplots(nrows, ncols, constrained_layout=True, **kw)
    return fig, ax


def _rotate(fig: Figure) -> None:
    """Slanted date labels (fig.autofmt_xdate clashes with constrained layout)."""
    for ax in fig.axes:
        for lab in ax.get_xticklabels():
            lab.set_rotation(25)
            lab.set_horizontalalignment("right")


def _label(da: xr.DataArray, fallback: str = "") -> str:
    u = da.attrs.get("units", "")
    n = da.attrs.get("long_name", fallback or da.name or "")
    return f"{n} [{u}]" if u and u != "1" else n


# --------------------------------------------------------------------------
# Rollout
# --------------------------------------------------------------------------

def s_curve_region(run: Run) -> Figure:
    """Share of households smart over time: national and per region, with
    the 50 % and 80 % marks, and (dashed) every household with smart meters
    in any mode."""
    nat = smart_share(run)
    reg = smart_share(run, "region")
    fig, ax = _fig()
    days = nat["day"].values
    for r in reg["region"].values:
        ax.plot(days, 100 * reg.sel(region=r).values, lw=1.2, label=str(r))
    ax.plot(days, 100 * nat.values, color="black", lw=2.2, label="national")
    anym = smart_share(run, states=SMART_METER_STATES)
    if not np.allclose(anym.values, nat.values):
        ax.plot(days, 100 * anym.values, color="black", lw=1, ls="--",
                label="national, smart meters in any mode (incl. SMETS1, traditional)")
    for frac in (0.5, 0.8):
        d = date_reaching(nat, frac)
        ax.axhline(100 * frac, color="grey", ls=":", lw=0.8)
        if d is not None:
            ax.axvline(d, color="grey", ls=":", lw=0.8)
            ax.annotate(f"{int(frac * 100)} %: {np.datetime_as_string(d, 'D')}", (d, 100 * frac),
                        xytext=(4, 4), textcoords="offset points", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("households smart (DCC-commissioned) [%]")
    ax.set_title("Rollout S-curve by region")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def s_curve_supplier(run: Run) -> Figure:
    """Per supplier: cumulative smart commissionings and cumulative meters
    installed (the file counts households per region, not per supplier, so
    a per-supplier share is not available)."""
    comm = smart_commissionings(run, "supplier")
    inst = cumulative_installs(run, "supplier")
    fig, axes = _fig(1, 2, figsize=(13, 4.5))
    for s in comm["supplier"].values:
        axes[0].plot(comm["day"].values, comm.sel(supplier=s).values, label=str(s))
    axes[0].set_ylabel("smart commissionings (cumulative)")
    axes[0].set_title("Smart commissionings by supplier")
    for s in inst["supplier"].values:
        axes[1].plot(inst["day"].values, inst.sel(supplier=s).values, label=str(s))
    axes[1].set_ylabel("meters installed (cumulative)")
    axes[1].set_title("Installs by supplier")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    _rotate(fig)
    return fig


def outcomes_by_cause(run: Run) -> Figure:
    """Visits that did not end in an install: totals by cause, and per month."""
    tot = causes_total(run.rollout)
    fig, axes = _fig(1, 2, figsize=(13, 4.5))
    causes = [str(c) for c in tot["cause"].values]
    axes[0].barh(causes, tot.values, color="tab:red")
    axes[0].invert_yaxis()
    axes[0].set_xlabel("visits (whole run)")
    axes[0].set_title("Visits not ending in an install, by cause")
    monthly = sum_but_time(run.rollout["outcomes"], "cause").resample(day="MS").sum()
    axes[1].stackplot(monthly["day"].values, *[monthly.sel(cause=c).values for c in monthly["cause"].values],
                      labels=causes, step="post")
    axes[1].set_ylabel("visits per month")
    axes[1].set_title("By month")
    axes[1].legend(loc="upper left", fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def fleet_by_state(run: Run) -> Figure:
    """Households by state over time (stacked; sums to the population)."""
    da = sum_but_time(run.rollout["households_by_state"], "state")
    fig, ax = _fig()
    ax.stackplot(da["day"].values, *[da.sel(state=s).values for s in da["state"].values],
                 labels=[str(s) for s in da["state"].values])
    ax.set_ylabel("households")
    ax.set_title("Fleet by state")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def installers(run: Run) -> Figure:
    """Installer utilisation per region (mean over suppliers) and the
    work backlog (national, per supplier)."""
    ro = run.rollout
    fig, axes = _fig(2, 1, figsize=(9, 7), sharex=True)
    # A plain mean over suppliers: an installer-weighted mean needs the
    # workforce sizes, which the file does not carry per day.
    da = ro["installer_utilisation"].mean("supplier")
    # Days without installers at work (weekends, small populations) are
    # NaN: a weekly or monthly mean of the working days draws a readable line.
    freq = "W" if da.sizes["day"] <= 3 * 365 else "MS"
    da = da.resample(day=freq).mean()
    for r in da["region"].values:
        y = 100 * da.sel(region=r).values
        ok = np.isfinite(y)   # join the periods that had installers at work
        axes[0].plot(da["day"].values[ok], y[ok], lw=1, marker=".", ms=3, label=str(r))
    axes[0].set_ylabel("installer utilisation [%]")
    axes[0].set_title(f"Installer utilisation (mean over suppliers and {'weeks' if freq == 'W' else 'months'})")
    axes[0].legend(loc="upper left", fontsize=8)
    b = sum_but_time(ro["backlog"], "supplier")
    axes[1].stackplot(b["day"].values, *[b.sel(supplier=s).values for s in b["supplier"].values],
                      labels=[str(s) for s in b["supplier"].values])
    axes[1].legend(loc="upper left", fontsize=8)
    axes[1].set_ylabel(_label(ro["backlog"], "backlog"))
    axes[1].set_title("Work backlog")
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


# --------------------------------------------------------------------------
# DCC
# --------------------------------------------------------------------------

def dcc_load_by_day(run: Run) -> Figure:
    """Requests per day by service; the peak-minute load per region against
    the fleet; and the mean utilisation of the DSP and CSPs per day."""
    dcc = run.dcc
    da = sum_but_time(dcc["requests"], "service")
    fig, axes = _fig(3, 1, figsize=(9, 9.6), sharex=True)
    if da.sizes["day"] > 3 * 365:
        da = da.resample(day="W").mean()   # weekly means: readable lines over years
        axes[0].set_title("DCC load by day (weekly means)")
    else:
        axes[0].set_title("DCC load by day")
    axes[0].set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))
    for s in da["service"].values:
        y = da.sel(service=s).values
        if np.nansum(y) > 0:
            axes[0].plot(da["day"].values, y, lw=1, label=str(s))
    axes[0].legend(loc="upper left", fontsize=6, ncol=3)
    axes[0].set_yscale("symlog")
    axes[0].set_ylabel("requests per day")
    pk = dcc["peak_minute_load"]
    for r in pk["region"].values:
        axes[1].plot(pk["day"].values, pk.sel(region=r).values, lw=1, label=f"peak minute, {r}")
    axes[1].set_ylabel("requests in the busiest minute")
    axes[1].legend(loc="upper left", fontsize=7)
    fl = sum_but_time(dcc["fleet_hubs"])
    ax2 = axes[1].twinx()
    ax2.plot(fl["day"].values, fl.values, color="black", lw=1.2, ls="--")
    ax2.set_ylabel("fleet (hubs), dashed")
    axes[1].set_title("Peak-minute load and the scheduled-read fleet")
    ut = dcc["utilisation"]
    for n in ut["stage"].values:
        axes[2].plot(ut["day"].values, 100 * ut.sel(stage=n).values, lw=1, label=str(n))
    axes[2].set_ylabel("mean utilisation [%]")
    axes[2].set_title("DSP and CSP utilisation (daily mean)")
    axes[2].legend(loc="upper left", fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def _detail(run: Run) -> xr.Dataset:
    if run.dcc_detail is None:
        raise MissingData("no /dcc/detail group (the scenario has no DCC detail days)")
    return run.dcc_detail


def _detail_rows(da: xr.DataArray) -> tuple[xr.DataArray, np.ndarray, np.ndarray, int]:
    """A (detail_day, minute, ...) variable -> (DataArray with one row per
    time bin first, hours since the first detail day's midnight per row,
    hour of day per row, number of detail days).  `minute` is the bin's
    start in minutes after midnight."""
    days = np.asarray(da["detail_day"].values)
    mins = np.asarray(da["minute"].values, dtype=float)
    rows = da.transpose("detail_day", "minute", ...).stack(_row=("detail_day", "minute"))
    rows = rows.transpose("_row", ...)
    day_idx = np.repeat(np.arange(len(days)), len(mins))
    min_of_day = np.tile(mins, len(days))
    x = day_idx * 24 + min_of_day / 60
    return rows, x, (min_of_day // 60).astype(int) % 24, len(days)


def dcc_load_by_hour(run: Run) -> Figure:
    """Detail days: requests per hour of day by service (mean over detail
    days), and utilisation of the DSP and CSPs by hour."""
    det = _detail(run)
    rows, _, hours, n_days = _detail_rows(det["arrivals"])
    fig, axes = _fig(2, 1, figsize=(9, 7), sharex=True)
    hrs = np.arange(24)
    axes[0].set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))
    for s in rows["service"].values:
        y = rows.sel(service=s).values.astype(float)
        if np.nansum(y) <= 0:
            continue
        y = np.bincount(hours, weights=np.nan_to_num(y), minlength=24)[:24] / n_days
        axes[0].plot(hrs, y, marker="o", ms=3, lw=1, label=str(s))
    axes[0].legend(loc="upper left", fontsize=6, ncol=3)
    axes[0].set_yscale("symlog")
    axes[0].set_ylabel("requests per hour")
    axes[0].set_title(f"DCC load by hour of day (mean of {n_days} detail day{'s' if n_days > 1 else ''})")
    ur, _, uh, _ = _detail_rows(det["utilisation"])
    for n in ur["stage"].values:
        y = ur.sel(stage=n).values.astype(float)
        ok = np.isfinite(y)
        sums = np.bincount(uh[ok], weights=y[ok], minlength=24)[:24]
        cnt = np.maximum(np.bincount(uh[ok], minlength=24)[:24], 1)
        axes[1].plot(hrs, 100 * sums / cnt, lw=1, marker=".", label=str(n))
    axes[1].legend(loc="upper left", fontsize=7)
    axes[1].set_ylabel("utilisation [%]")
    axes[1].set_title("DSP and CSP utilisation by hour")
    axes[1].set_xlabel("hour of day (UTC)")
    axes[1].set_xticks(range(0, 24, 2))
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def _services_with_data(da: xr.DataArray) -> list[str]:
    """Service labels of da with at least one positive, finite value."""
    vals = np.asarray(da.values, dtype=float)
    axis = da.dims.index("service")
    seen = (np.isfinite(vals) & (vals > 0)).any(axis=tuple(i for i in range(da.ndim) if i != axis))
    labels = [str(s) for s in da["service"].values]
    return [s for s, k in zip(labels, seen) if k] or labels[:1]


def _grid(n: int, w: float = 4.5, h: float = 3.4):
    ncols = min(3, n)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(w * ncols, h * nrows), squeeze=False,
                             constrained_layout=True)
    for j in range(n, nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    return fig, [axes[i // ncols][i % ncols] for i in range(n)]


LATENCY_QUANTILES = ("latency_p50", "latency_p95", "latency_p99", "latency_max")


def _busy_services(ref: xr.DataArray) -> tuple[list[str], int]:
    """A percentile per bin means something only for services busy enough to
    have requests in most bins (the rare ones are in latency_distribution):
    at most 9, busiest first, and how many were left out."""
    vals = np.asarray(ref.transpose("service", ...).values, dtype=float)
    cover = (np.isfinite(vals) & (vals > 0)).reshape(vals.shape[0], -1).mean(axis=1)
    order = [i for i in np.argsort(-cover, kind="stable") if cover[i] > 0]
    busy = [i for i in order if cover[i] >= 0.2] or order[:3]
    services = [str(ref["service"].values[i]) for i in busy[:9]]
    return services, len(order) - len(services)


def latency_vs_sla(run: Run) -> Figure:
    """Latency percentiles (p50, p95, p99, max) per service over the detail
    days, against the service's SLA target response time."""
    det = _detail(run)
    services, left_out = _busy_services(det["latency_p50"])
    if not services:
        raise MissingData("no completed requests on the detail days")
    targets = sla_targets(run)
    fig, axes = _grid(len(services))
    units = det["latency_p50"].attrs.get("units", "s")
    for ax, s in zip(axes, services):
        for q in LATENCY_QUANTILES:
            rows, x, _, n_days = _detail_rows(det[q].sel(service=s))
            ax.plot(x, rows.values, lw=0.8, label=q.replace("latency_", ""))
        if s in targets:
            ax.axhline(targets[s], color="red", ls="--", lw=1, label="SLA target")
        ax.set_yscale("log")
        ax.set_title(s, fontsize=9)
        ax.set_xlabel("hour (detail days back to back)" if n_days > 1 else "hour of day")
        ax.set_ylabel(f"latency [{units}]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left")
    note = f"; {left_out} services with few requests per bin left out" if left_out else ""
    fig.suptitle(f"Latency percentiles per time bin on detail days (dashed red: SLA target{note})")
    return fig


def latency_distribution(run: Run) -> Figure:
    """Per service, the share of requests answered within each latency
    (from the mergeable latency histogram of the detail days), against the
    SLA target; the legend gives the share within target."""
    det = _detail(run)
    da = det["latency_histogram"].sum("detail_day")
    # The share below a bin's upper edge is exact from the histogram.
    edge = np.asarray(det["latency_bin_upper"].values, dtype=float)
    finite = np.isfinite(edge)
    targets = sla_targets(run)
    fig, ax = _fig(figsize=(10, 5))
    ax.set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))
    for s in _services_with_data(da):
        y = da.sel(service=s).values.astype(float)
        if y.sum() <= 0:
            continue
        cdf = np.cumsum(y) / y.sum()
        label = s
        if s in targets:
            within = y[edge <= targets[s]].sum() / y.sum()
            label += f" ({100 * within:.2f} % within {targets[s]:g} s)"
        line, = ax.step(edge[finite], 100 * cdf[finite], where="post", lw=1, label=label)
        if s in targets:
            ax.axvline(targets[s], ls="--", lw=0.7, color=line.get_color())
    ax.set_xscale("log")
    ax.set_xlabel(f"latency [{det['latency_bin'].attrs.get('units', 's')}]")
    ax.set_ylabel("requests answered within [%]")
    ax.set_title("Latency distribution on detail days (dashed: SLA targets)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, loc="lower right")
    return fig


def busiest_services(dcc: xr.Dataset, n: int = 8) -> list[str]:
    """The n services with the most completed requests over the run that
    have a response-time measure on some day, busiest first."""
    done = sum_but_time(dcc["completed"], "service").sum(time_dim(dcc["completed"]))
    share = dcc["sla_share_within_target"]
    has = np.isfinite(np.asarray(share.transpose("service", ...).values, dtype=float)).any(axis=1)
    order = np.argsort(-np.asarray(done.values, dtype=float), kind="stable")
    return [str(done["service"].values[i]) for i in order if has[i] and done.values[i] > 0][:n]


def sla_by_day(run: Run) -> Figure:
    """The DCC's measure on every day: per busy service, the share of
    responses within its target, and the p95 response time over the
    target.  Ordinary (fluid) days give the fluid latency model's
    expectation; request-level days (dots) the counted values."""
    dcc = run.dcc
    if "latency_p95" not in dcc:
        raise MissingData("no /dcc/latency_p95 (a file written before fluid days had response times)")
    services = busiest_services(dcc)
    if not services:
        raise MissingData("no completed requests")
    targets = sla_targets(run)
    t = time_dim(dcc["sla_share_within_target"])
    days = dcc[t].values
    detail = np.asarray(dcc["resolution"].values) == 1
    fig, axes = _fig(2, 1, figsize=(9, 8), sharex=True)
    for s in services:
        share = 100 * np.asarray(dcc["sla_share_within_target"].sel(service=s).values, dtype=float)
        ratio = np.asarray(dcc["latency_p95"].sel(service=s).values, dtype=float) / targets.get(s, np.nan)
        (line,) = axes[0].plot(days, share, lw=0.8, label=s)
        axes[1].plot(days, ratio, lw=0.8, color=line.get_color())
        if detail.any():
            axes[0].plot(days[detail], share[detail], "o", ms=3, color=line.get_color())
            axes[1].plot(days[detail], ratio[detail], "o", ms=3, color=line.get_color())
    axes[0].set_ylabel("within target [%]")
    axes[0].set_title("Share of responses within the target, every day (dots: request-level days)")
    axes[0].legend(loc="lower left", fontsize=6, ncol=2)
    axes[1].axhline(1.0, color="red", ls="--", lw=1)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("p95 response time / target")
    axes[1].set_title("p95 response time against the target (red: the target)")
    for ax in axes:
        ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def read_failures(run: Run) -> Figure:
    """Failures to obtain a reading (each a 1.75 notification) per day, by
    failure class, and the failure rate."""
    dcc = run.dcc
    da = sum_but_time(dcc["failures"], "failure_class")
    days = da["day"].values
    fig, axes = _fig(2, 1, figsize=(9, 7), sharex=True)
    classes = da["failure_class"].values
    axes[0].stackplot(days, *[da.sel(failure_class=c).values for c in classes],
                      labels=[str(c) for c in classes])
    axes[0].legend(loc="upper left", fontsize=8)
    axes[0].set_ylabel("failed requests per day")
    axes[0].set_title("Failures to obtain a reading, by class")
    req = sum_but_time(dcc["requests"])
    rate = 100 * da.sum("failure_class") / xr.where(req > 0, req, np.nan)
    axes[1].plot(days, rate.values, lw=1)
    axes[1].set_ylabel("failed / requests [%]")
    axes[1].set_title("Failure rate")
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


# --------------------------------------------------------------------------
# Two runs
# --------------------------------------------------------------------------

def compare_s_curves(a: Run, b: Run) -> Figure:
    """National smart share of two runs on one axis, and per region side by side."""
    fig, axes = _fig(1, 2, figsize=(13, 4.5))
    for run, ls in ((a, "-"), (b, "--")):
        nat = smart_share(run)
        axes[0].plot(nat["day"].values, 100 * nat.values, ls=ls, lw=2, label=run.name)
        reg = smart_share(run, "region")
        for i, r in enumerate(reg["region"].values):
            axes[1].plot(reg["day"].values, 100 * reg.sel(region=r).values, ls=ls, color=f"C{i}",
                         lw=1, label=f"{run.name}: {r}")
    axes[0].set_title("National S-curve")
    axes[1].set_title("By region (solid: first run, dashed: second)")
    for ax in axes:
        ax.set_ylim(0, 100)
        ax.set_ylabel("households smart [%]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    _rotate(fig)
    return fig


def compare_totals(a: Run, b: Run) -> Figure:
    """Key totals of two runs side by side (second run relative to the first)."""
    ta, tb = key_totals(a), key_totals(b)
    keys = [k for k in ta if k in tb and isinstance(ta[k], (int, float)) and isinstance(tb[k], (int, float))
            and not k.startswith("smart share") and k != "households"]
    if not keys:
        raise MissingData("no numeric totals common to both runs")
    fig, ax = _fig(figsize=(9, 0.35 * len(keys) + 1.5))
    y = np.arange(len(keys))
    va = np.array([float(ta[k]) for k in keys])
    vb = np.array([float(tb[k]) for k in keys])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(va > 0, 100 * (vb - va) / va, 0.0)
    ax.barh(y, rel, color=np.where(rel >= 0, "tab:blue", "tab:orange"))
    ax.set_yticks(y, [f"{k.strip()}  ({x0:,.0f} -> {x1:,.0f})" for k, x0, x1 in zip(keys, va, vb)])
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"{b.name} relative to {a.name} [%]")
    ax.set_title("Key totals compared")
    ax.grid(alpha=0.3, axis="x")
    return fig


# --------------------------------------------------------------------------
# Life after the install (/fleet, when the scenario has rollout.fleet on)
# --------------------------------------------------------------------------

# /fleet/events grouped by the process document's business process.
FLEET_PROCESSES = {
    "02 faults": ("fault_hub", "fault_elec", "fault_gas", "fault_han"),
    "02 remote fixes": ("remote_fixes",),
    "02 repair visits": ("repair_visits",),
    "02 hub replacement visits": ("hub_swap_visits",),
    "03 tariff pushes": ("tariff_pushes",),
    "05 switches": ("switches",),
    "05 SMETS1 lost on switching": ("lost_on_switching",),
    "05 replacement visits": ("replacement_visits",),
    "06 moves": ("moves",),
    "07 payment-mode switches": ("payment_mode_switches",),
    "SMETS1 migrations": ("migrations",),
}
# DCC services by process (their labels start with the process number).
DCC_PROCESS_PREFIX = (("04 reads", ("09.", "15", "1.6", "1.7")), ("01 install", ("1.5", "3.", "8.14")),
                      ("02", ("02",)), ("03", ("03",)), ("05", ("05",)), ("06", ("06",)), ("07", ("07",)),
                      ("09 in-home", ("09 ",)), ("alerts", ("device alert",)))
PRN_EVENTS = ("prn_one_fuel_visits", "prn_second_visits", "prn_aborts", "prn_missed_gas")


def _fleet(run: Run) -> xr.Dataset:
    fl = run.groups.get("fleet")
    if fl is None:
        raise MissingData("no /fleet group (rollout.fleet is off in this run)")
    return fl


def _events(fl: xr.Dataset, names) -> xr.DataArray:
    """The national daily count of the events `names` (summed)."""
    return fl["events"].sel(event=list(names)).sum(["region", "supplier", "event"])


def traditional_by_cause(run: Run) -> Figure:
    """Households in traditional mode by cause (stacked, national)."""
    da = sum_but_time(_fleet(run)["traditional_by_cause"], "cause")
    fig, ax = _fig()
    ax.stackplot(da["day"].values, *[da.sel(cause=c).values for c in da["cause"].values],
                 labels=[str(c) for c in da["cause"].values])
    ax.set_ylabel("households in traditional mode")
    ax.set_title("Traditional mode by cause")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def fleet_events(run: Run) -> Figure:
    """Fleet-life events per month, by business process."""
    fl = _fleet(run)
    fig, ax = _fig(figsize=(10, 5))
    ax.set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))
    for label, names in FLEET_PROCESSES.items():
        m = _events(fl, names).resample(day="MS").sum()
        if float(m.sum()) > 0:
            ax.plot(m["day"].values, m.values, lw=1.2, label=label)
    ax.set_yscale("symlog")
    ax.set_ylabel("events per month")
    ax.set_title("Fleet-life events by process")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def dcc_traffic_by_process(run: Run) -> Figure:
    """DCC requests per month grouped by business process (service label prefixes)."""
    da = sum_but_time(run.dcc["requests"], "service")
    labels = [str(x) for x in da["service"].values]
    fig, ax = _fig(figsize=(10, 5))
    for name, prefixes in DCC_PROCESS_PREFIX:
        sel = [lab for lab in labels if lab.startswith(prefixes)]
        if not sel:
            continue
        m = da.sel(service=sel).sum("service").resample(day="MS").sum()
        if float(m.sum()) > 0:
            ax.plot(m["day"].values, m.values, lw=1.2, label=name)
    ax.set_yscale("log")
    ax.set_ylim(bottom=1)
    ax.set_ylabel("requests per month")
    ax.set_title("DCC traffic by business process")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def prn_benefit(run: Run) -> Figure:
    """Visits and aborts attributable to untied supply points (agenda item 5), cumulative."""
    fl = _fleet(run)
    if float(_events(fl, PRN_EVENTS).sum()) == 0:
        raise MissingData("no property-reference events (rollout.fleet.prn.unlinked_share is 0)")
    fig, ax = _fig()
    for n in PRN_EVENTS:
        c = _events(fl, (n,)).cumsum("day")
        ax.plot(c["day"].values, c.values, lw=1.5, label=n.replace("prn_", "").replace("_", " "))
    ax.set_ylabel("cumulative count")
    ax.set_title("Property reference numbers: attributable visits, aborts and missed gas meters")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def compare_prn(a: Run, b: Run) -> Figure:
    """Property-reference benefit: attributable visits and aborts of two runs, and the difference."""
    fig, axes = _fig(1, 2, figsize=(13, 4.5))
    tot = {}
    for run, ls in ((a, "-"), (b, "--")):
        fl = run.groups.get("fleet")
        if fl is None:
            continue
        for i, n in enumerate(PRN_EVENTS):
            da = _events(fl, (n,))
            tot[(run.name, n)] = float(da.sum())
            c = da.cumsum("day")
            axes[0].plot(c["day"].values, c.values, ls=ls, color=f"C{i}", label=f"{run.name}: {n.replace('prn_', '')}")
    if not any(tot.values()):
        raise MissingData("neither run has property-reference events")
    axes[0].set_title("Cumulative (solid: first run, dashed: second)")
    axes[0].set_ylabel("count")
    axes[0].legend(fontsize=7, loc="upper left")
    y = np.arange(len(PRN_EVENTS))
    diff = [tot.get((b.name, n), 0.0) - tot.get((a.name, n), 0.0) for n in PRN_EVENTS]
    axes[1].barh(y, diff, color=["tab:blue" if d < 0 else "tab:orange" for d in diff])
    axes[1].set_yticks(y, [f"{n.replace('prn_', '')} ({tot.get((a.name, n), 0):,.0f} -> {tot.get((b.name, n), 0):,.0f})"
                           for n in PRN_EVENTS])
    axes[1].axvline(0, color="black", lw=0.8)
    axes[1].set_xlabel(f"{b.name} minus {a.name}")
    axes[1].set_title("Difference over the run")
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


# The report's figures, in its order: file name (without .png), title,
# function of one Run.  A new figure is one more entry.
FIGURES: list[tuple[str, str, Callable[[Run], Figure]]] = [
    ("s_curve_region", "Rollout S-curve by region", s_curve_region),
    ("s_curve_supplier", "Rollout by supplier", s_curve_supplier),
    ("outcomes_by_cause", "Visit outcomes by cause", outcomes_by_cause),
    ("fleet_by_state", "Fleet by state", fleet_by_state),
    ("installers", "Installer utilisation and backlog", installers),
    ("dcc_load_by_day", "DCC load by day", dcc_load_by_day),
    ("dcc_load_by_hour", "DCC load by hour (detail days)", dcc_load_by_hour),
    ("sla_by_day", "Responses within target, every day", sla_by_day),
    ("latency_vs_sla", "Latency percentiles against SLA targets", latency_vs_sla),
    ("latency_distribution", "Latency distribution against SLA targets", latency_distribution),
    ("read_failures", "Failures to obtain readings", read_failures),
    ("traditional_by_cause", "Traditional mode by cause", traditional_by_cause),
    ("fleet_events", "Fleet-life events by process", fleet_events),
    ("dcc_traffic_by_process", "DCC traffic by business process", dcc_traffic_by_process),
    ("prn_benefit", "Property reference numbers: attributable visits and aborts", prn_benefit),
]

# The same for two runs (report --compare).
COMPARE_FIGURES: list[tuple[str, str, Callable[[Run, Run], Figure]]] = [
    ("compare_s_curves", "S-curves of both runs", compare_s_curves),
    ("compare_totals", "Key totals of both runs", compare_totals),
    ("compare_prn", "Property-reference benefit of the two runs", compare_prn),
]
