"""
analysis.plots — one function per figure; each takes a Run (analysis.load)
and returns a matplotlib Figure.  Not for file output (analysis.report).

A function whose data the file lacks raises MissingData with the reason, so
a report can list what it skipped instead of crashing: runs of a scenario
without DCC detail days, or files from an older smsim, are still reported.

The Agg backend is selected unless the caller chose one before importing
this module (a notebook's inline backend stays).
"""
from __future__ import annotations

import matplotlib

if "matplotlib.pyplot" not in __import__("sys").modules:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from .load import (SMART_METER_STATES, Run, causes_total, cumulative_installs, date_reaching, key_totals,  # noqa: E402
                   pick, sla_targets, smart_share, supplier_smart, time_dim)

__all__ = ["MissingData", "FIGURES", "COMPARE_FIGURES", "s_curve_region", "s_curve_supplier",
           "outcomes_by_cause", "fleet_by_state", "installers", "dcc_load_by_day",
           "dcc_load_by_hour", "latency_vs_sla", "latency_distribution", "read_failures", "compare_s_curves",
           "compare_totals"]


class MissingData(Exception):
    """The run lacks what a figure needs (the message says what)."""


def _fig(nrows=1, ncols=1, **kw):
    kw.setdefault("figsize", (9, 4.5 * nrows))
    fig, ax = plt.subplots(nrows, ncols, constrained_layout=True, **kw)
    return fig, ax


def _rotate(fig):
    """Slanted date labels (fig.autofmt_xdate clashes with constrained layout)."""
    for ax in fig.axes:
        for lab in ax.get_xticklabels():
            lab.set_rotation(25)
            lab.set_horizontalalignment("right")


def _need(ds, what, *names):
    if ds is None:
        raise MissingData(f"no {what} group in the file")
    v = pick(ds, *names)
    if v is None:
        raise MissingData(f"no {'/'.join(names)} in {what}")
    return v


def _sum_but(da, keep):
    drop = [d for d in da.dims if d not in keep]
    return da.sum(drop) if drop else da


def _label(da, fallback=""):
    u = da.attrs.get("units", "")
    n = da.attrs.get("long_name", fallback or da.name or "")
    return f"{n} [{u}]" if u and u != "1" else n


def _targets(run: Run, dim):
    """A target series of the rollout (cumulative), per `dim`, if the file has one."""
    ro = run.rollout
    v = pick(ro, "target_smart_share", "target_share", "target_installs", "target")
    if v is None:
        return None, None
    da = ro[v]
    t = time_dim(da)
    if t is None:
        return None, None
    keep = [t] + ([dim] if dim and dim in da.dims else [])
    out = _sum_but(da, keep)
    if "share" not in v:
        out = out.cumsum(t)
    return v, out


# --------------------------------------------------------------------------
# Rollout
# --------------------------------------------------------------------------

def s_curve_region(run: Run):
    """Share of households smart over time: national and per region,
    with the 50 % and 80 % marks (and targets if the file has them)."""
    if run.rollout is None:
        raise MissingData("no /rollout group in the file")
    nat = smart_share(run)
    if nat is None:
        raise MissingData("neither households_by_state nor smart_commissioned in /rollout")
    fig, ax = _fig()
    t = time_dim(nat)
    reg = smart_share(run, "region")
    if reg is not None and "region" in reg.dims:
        for r in reg["region"].values:
            ax.plot(reg[t].values, 100 * reg.sel(region=r).values, lw=1.2, label=str(r))
    ax.plot(nat[t].values, 100 * nat.values, color="black", lw=2.2, label="national")
    anym = smart_share(run, states=SMART_METER_STATES)
    if anym is not None and not np.allclose(anym.values, nat.values):
        ax.plot(anym[t].values, 100 * anym.values, color="black", lw=1, ls="--",
                label="national, smart meters in any mode (incl. SMETS1, traditional)")
    for frac in (0.5, 0.8):
        d = date_reaching(nat, frac)
        ax.axhline(100 * frac, color="grey", ls=":", lw=0.8)
        if d is not None:
            ax.axvline(d, color="grey", ls=":", lw=0.8)
            ax.annotate(f"{int(frac * 100)} %: {np.datetime_as_string(d, 'D')}", (d, 100 * frac),
                        xytext=(4, 4), textcoords="offset points", fontsize=8)
    v, tgt = _targets(run, None)
    if tgt is not None and "share" in v:
        ax.plot(tgt[time_dim(tgt)].values, 100 * tgt.values, "k--", lw=1, label="target")
    ax.set_ylim(0, 100)
    ax.set_ylabel("households smart (DCC-commissioned) [%]")
    ax.set_title("Rollout S-curve by region")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def s_curve_supplier(run: Run):
    """Per supplier: smart share (or cumulative smart commissionings when the
    file does not give suppliers' populations), and cumulative meters
    installed against the supplier's target if the file has one."""
    if run.rollout is None or "supplier" not in run.rollout.dims:
        raise MissingData("no supplier dimension in /rollout")
    da, is_share = supplier_smart(run)
    inst = cumulative_installs(run, "supplier")
    if da is None and inst is None:
        raise MissingData("no per-supplier smart or install series in /rollout")
    fig, axes = _fig(1, 2, figsize=(13, 4.5))
    if da is not None:
        t = time_dim(da)
        for s in da["supplier"].values:
            y = da.sel(supplier=s).values
            axes[0].plot(da[t].values, 100 * y if is_share else y, label=str(s))
        axes[0].set_ylabel("households smart [%]" if is_share else "smart commissionings (cumulative)")
        if is_share:
            axes[0].set_ylim(0, 100)
    axes[0].set_title("Smart by supplier")
    if inst is not None:
        t = time_dim(inst)
        v, tgt = _targets(run, "supplier")
        for i, s in enumerate(inst["supplier"].values):
            line, = axes[1].plot(inst[t].values, inst.sel(supplier=s).values, label=str(s))
            if tgt is not None and "share" not in v and "supplier" in tgt.dims:
                axes[1].plot(tgt[time_dim(tgt)].values, tgt.sel(supplier=s).values, ls="--",
                             color=line.get_color(), lw=1)
        axes[1].set_ylabel("meters installed (cumulative)")
        axes[1].set_title("Installs by supplier" + (" (dashed: target)" if tgt is not None else ""))
    for ax in axes:
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(loc="upper left", fontsize=8)
    _rotate(fig)
    return fig


def outcomes_by_cause(run: Run):
    """Visits that did not end in an install: totals by cause, and per month."""
    ro = run.rollout
    v = _need(ro, "/rollout", "outcomes", "aborts")
    tot = causes_total(ro)
    if tot is None:
        raise MissingData(f"/rollout/{v} has no cause dimension")
    fig, axes = _fig(1, 2, figsize=(13, 4.5))
    causes = [str(c) for c in tot["cause"].values]
    axes[0].barh(causes, tot.values, color="tab:red")
    axes[0].invert_yaxis()
    axes[0].set_xlabel("visits (whole run)")
    axes[0].set_title("Visits not ending in an install, by cause")
    da = _sum_but(ro[v], [time_dim(ro[v]), "cause"])
    t = time_dim(da)
    monthly = da.resample({t: "MS"}).sum() if np.issubdtype(da[t].dtype, np.datetime64) else da
    x = monthly[time_dim(monthly)].values
    axes[1].stackplot(x, *[monthly.sel(cause=c).values for c in monthly["cause"].values],
                      labels=causes, step="post")
    axes[1].set_ylabel("visits per month")
    axes[1].set_title("By month")
    axes[1].legend(loc="upper left", fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def fleet_by_state(run: Run):
    """Households by state over time (stacked; sums to the population)."""
    ro = run.rollout
    _need(ro, "/rollout", "households_by_state")
    da = _sum_but(ro["households_by_state"], [time_dim(ro["households_by_state"]), "state"])
    t = time_dim(da)
    fig, ax = _fig()
    ax.stackplot(da[t].values, *[da.sel(state=s).values for s in da["state"].values],
                 labels=[str(s) for s in da["state"].values])
    ax.set_ylabel("households")
    ax.set_title("Fleet by state")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def installers(run: Run):
    """Installer utilisation per region (mean over suppliers) and the
    work backlog (national, per supplier)."""
    ro = run.rollout
    u = pick(ro, "installer_utilisation", "utilisation") if ro is not None else None
    b = pick(ro, "backlog", "work_backlog") if ro is not None else None
    if u is None and b is None:
        raise MissingData("no installer_utilisation or backlog in /rollout")
    fig, axes = _fig(2, 1, figsize=(9, 7), sharex=True)
    if u is not None:
        da = ro[u]
        t = time_dim(da)
        # A plain mean over suppliers: an installer-weighted mean needs the
        # workforce sizes, which the file does not carry per day.
        da = da.mean([d for d in da.dims if d not in (t, "region")])
        # Days without installers at work (weekends, small populations) are
        # NaN: a weekly or monthly mean of the working days draws a readable line.
        freq = "W" if da.sizes[t] <= 3 * 365 else "MS"
        if np.issubdtype(da[t].dtype, np.datetime64):
            da = da.resample({t: freq}).mean()
        for r in (da["region"].values if "region" in da.dims else [None]):
            y = 100 * (da if r is None else da.sel(region=r)).values
            ok = np.isfinite(y)   # join the periods that had installers at work
            axes[0].plot(da[t].values[ok], y[ok], lw=1, marker=".", ms=3,
                         label=str(r) if r is not None else None)
        axes[0].set_ylabel("installer utilisation [%]")
        axes[0].set_title(f"Installer utilisation (mean over suppliers and {'weeks' if freq == 'W' else 'months'})")
        axes[0].legend(loc="upper left", fontsize=8)
    if b is not None:
        da = ro[b]
        t = time_dim(da)
        da = _sum_but(da, [t, "supplier"])
        if "supplier" in da.dims:
            axes[1].stackplot(da[t].values, *[da.sel(supplier=s).values for s in da["supplier"].values],
                              labels=[str(s) for s in da["supplier"].values])
            axes[1].legend(loc="upper left", fontsize=8)
        else:
            axes[1].plot(da[t].values, da.values)
        axes[1].set_ylabel(_label(ro[b], "backlog"))
        axes[1].set_title("Work backlog")
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


# --------------------------------------------------------------------------
# DCC
# --------------------------------------------------------------------------

def dcc_load_by_day(run: Run):
    """Requests per day by service; the peak-minute load against the fleet;
    and the mean utilisation of the DSP and CSPs per day."""
    dcc = run.dcc
    v = _need(dcc, "/dcc", "requests", "arrivals")
    da = dcc[v]
    t = time_dim(da)
    svc = "service" if "service" in da.dims else None
    da = _sum_but(da, [t] + ([svc] if svc else []))
    u = pick(dcc, "utilisation", "utilization")
    nrows = 3 if u is not None else 2
    fig, axes = _fig(nrows, 1, figsize=(9, 3.2 * nrows), sharex=True)
    if np.issubdtype(da[t].dtype, np.datetime64) and da.sizes[t] > 3 * 365:
        da = da.resample({t: "W"}).mean()   # weekly means: readable lines over years
        axes[0].set_title("DCC load by day (weekly means)")
    else:
        axes[0].set_title("DCC load by day")
    if svc:
        axes[0].set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))
        for s in da[svc].values:
            y = da.sel({svc: s}).values
            if np.nansum(y) > 0:
                axes[0].plot(da[t].values, y, lw=1, label=str(s))
        axes[0].legend(loc="upper left", fontsize=6, ncol=3)
    else:
        axes[0].plot(da[t].values, da.values)
    axes[0].set_yscale("symlog")
    axes[0].set_ylabel("requests per day")
    p = pick(dcc, "peak_minute_load_total", "peak_minute_load", "peak_minute")
    f = pick(dcc, "fleet_hubs", "fleet", "fleet_size")
    if p is not None:
        pk = dcc[p]
        tp = time_dim(pk)
        if "region" in pk.dims:
            for r in pk["region"].values:
                axes[1].plot(pk[tp].values, pk.sel(region=r).values, lw=1, label=f"peak minute, {r}")
        else:
            axes[1].plot(pk[tp].values, _sum_but(pk, [tp]).values, lw=1, color="tab:red",
                         label="peak minute, all regions")
        axes[1].set_ylabel("requests in the busiest minute")
        axes[1].legend(loc="upper left", fontsize=7)
    if f is not None:
        fl = _sum_but(dcc[f], [time_dim(dcc[f])])
        ax2 = axes[1].twinx()
        ax2.plot(fl[time_dim(fl)].values, fl.values, color="black", lw=1.2, ls="--")
        ax2.set_ylabel("fleet (hubs), dashed")
    if p is None and f is None:
        axes[1].text(0.5, 0.5, "no peak-minute load or fleet size in /dcc", ha="center",
                     transform=axes[1].transAxes)
    axes[1].set_title("Peak-minute load and the scheduled-read fleet")
    if u is not None:
        ut = dcc[u]
        tu = time_dim(ut)
        node = next((d for d in ut.dims if d != tu), None)
        for n in (ut[node].values if node else [None]):
            y = (ut if n is None else ut.sel({node: n})).values
            axes[2].plot(ut[tu].values, 100 * y, lw=1, label=str(n) if n is not None else None)
        axes[2].set_ylabel("mean utilisation [%]")
        axes[2].set_title("DSP and CSP utilisation (daily mean)")
        if node:
            axes[2].legend(loc="upper left", fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def _detail_rows(da: xr.DataArray):
    """A detail-day variable -> (DataArray with one row per time bin first,
    hours since the first detail day's midnight per row, hour of day per
    row, number of detail days), for either layout: (detail_day, minute,
    ...) with minute the bin's start within the day, or one datetime axis."""
    t = time_dim(da)
    m = next((d for d in da.dims if d != t and "minute" in d), None)
    if t is not None and m is not None:
        days = np.asarray(da[t].values)
        mins = np.asarray(da[m].values) if m in da.coords else np.arange(da.sizes[m], dtype=float)
        if np.issubdtype(mins.dtype, np.timedelta64):
            mins = mins / np.timedelta64(1, "m")
        mins = mins.astype(float)
        rows = da.transpose(t, m, ...).stack(_row=(t, m)).transpose("_row", ...)
        day_idx = np.repeat(np.arange(len(days)), len(mins))
        min_of_day = np.tile(mins, len(days))
        x = day_idx * 24 + min_of_day / 60
        return rows, x, (min_of_day // 60).astype(int) % 24, len(days)
    if t is not None and np.issubdtype(da[t].dtype, np.datetime64):
        times = da[t].values
        day0 = times.astype("datetime64[D]")
        hours = (times - day0) / np.timedelta64(1, "h")
        n_days = len(np.unique(day0))
        x = (times - day0[0]) / np.timedelta64(1, "h")
        return da.transpose(t, ...), x, hours.astype(int) % 24, n_days
    d0 = m or da.dims[0]
    mins = np.asarray(da[d0].values, dtype=float) if d0 in da.coords else np.arange(da.sizes[d0], dtype=float)
    return da.transpose(d0, ...), mins / 60, (mins // 60).astype(int) % 24, 1


def dcc_load_by_hour(run: Run):
    """Detail days: requests per hour of day by service (mean over detail
    days), and utilisation of the DSP and CSPs by hour."""
    det = run.dcc_detail
    v = _need(det, "/dcc/detail", "arrivals", "requests")
    rows, _, hours, n_days = _detail_rows(det[v])
    keep = ["service"] if "service" in rows.dims else []
    per_bin = rows.sum([d for d in rows.dims if d != "_row" and d != rows.dims[0] and d not in keep])
    fig, axes = _fig(2, 1, figsize=(9, 7), sharex=True)
    hrs = np.arange(24)
    axes[0].set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))
    for s in (per_bin["service"].values if keep else [None]):
        y = (per_bin if s is None else per_bin.sel(service=s)).values.astype(float)
        if np.nansum(y) <= 0:
            continue
        y = np.bincount(hours, weights=np.nan_to_num(y), minlength=24)[:24] / n_days
        axes[0].plot(hrs, y, marker="o", ms=3, lw=1, label=str(s) if s is not None else None)
    if keep:
        axes[0].legend(loc="upper left", fontsize=6, ncol=3)
    axes[0].set_yscale("symlog")
    axes[0].set_ylabel("requests per hour")
    axes[0].set_title(f"DCC load by hour of day (mean of {n_days} detail day{'s' if n_days > 1 else ''})")
    u = pick(det, "utilisation", "utilization")
    if u is not None:
        ur, _, uh, _ = _detail_rows(det[u])
        node = next((d for d in ur.dims[1:]), None)
        for n in (ur[node].values if node else [None]):
            y = (ur if n is None else ur.sel({node: n})).values.astype(float)
            ok = np.isfinite(y)
            sums = np.bincount(uh[ok], weights=y[ok], minlength=24)[:24]
            cnt = np.maximum(np.bincount(uh[ok], minlength=24)[:24], 1)
            axes[1].plot(hrs, 100 * sums / cnt, lw=1, marker=".", label=str(n) if n is not None else None)
        if node:
            axes[1].legend(loc="upper left", fontsize=7)
        axes[1].set_ylabel("utilisation [%]")
        axes[1].set_title("DSP and CSP utilisation by hour")
    else:
        axes[1].text(0.5, 0.5, "no utilisation in /dcc/detail", ha="center", transform=axes[1].transAxes)
    axes[1].set_xlabel("hour of day (UTC)")
    axes[1].set_xticks(range(0, 24, 2))
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def _services_with_data(da):
    """Service labels of da with at least one positive, finite value."""
    if "service" not in da.dims:
        return [None]
    vals = np.asarray(da.values, dtype=float)
    axis = da.dims.index("service")
    seen = (np.isfinite(vals) & (vals > 0)).any(axis=tuple(i for i in range(da.ndim) if i != axis))
    labels = [str(s) for s in da["service"].values]
    return [s for s, k in zip(labels, seen) if k] or labels[:1]


def _grid(n, w=4.5, h=3.4):
    ncols = min(3, n)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(w * ncols, h * nrows), squeeze=False,
                             constrained_layout=True)
    for j in range(n, nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    return fig, [axes[i // ncols][i % ncols] for i in range(n)]


def latency_vs_sla(run: Run):
    """Latency percentiles (p50, p95, p99, max) per service over the detail
    days, against the service's SLA target response time."""
    det = run.dcc_detail
    qs = [q for q in ("latency_p50", "latency_p95", "latency_p99", "latency_max")
          if det is not None and q in det]
    if not qs:
        raise MissingData("no latency percentiles in /dcc/detail (no detail days in the scenario)")
    targets = sla_targets(run)
    ref = det[qs[0]]
    services, left_out = [None], 0
    if "service" in ref.dims:
        # A percentile per bin means something only for services busy enough
        # to have requests in most bins; the rare ones are in
        # latency_distribution.  At most 9 panels, busiest first.
        vals = np.asarray(ref.transpose("service", ...).values, dtype=float)
        cover = (np.isfinite(vals) & (vals > 0)).reshape(vals.shape[0], -1).mean(axis=1)
        order = [i for i in np.argsort(-cover, kind="stable") if cover[i] > 0]
        busy = [i for i in order if cover[i] >= 0.2] or order[:3]
        services = [str(ref["service"].values[i]) for i in busy[:9]]
        left_out = len(order) - len(services)
        if not services:
            raise MissingData("no completed requests on the detail days")
    fig, axes = _grid(len(services))
    units = det[qs[0]].attrs.get("units", "s")
    for ax, s in zip(axes, services):
        for q in qs:
            da = det[q] if s is None else det[q].sel(service=s)
            rows, x, _, n_days = _detail_rows(da)
            if rows.ndim > 1:
                rows = rows.max([d for d in rows.dims[1:]])
            ax.plot(x, rows.values, lw=0.8, label=q.replace("latency_", ""))
        if s in targets:
            ax.axhline(targets[s], color="red", ls="--", lw=1, label="SLA target")
        ax.set_yscale("log")
        ax.set_title(f"{s}" if s else "all services", fontsize=9)
        ax.set_xlabel("hour (detail days back to back)" if n_days > 1 else "hour of day")
        ax.set_ylabel(f"latency [{units}]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left")
    note = f"; {left_out} services with few requests per bin left out" if left_out else ""
    fig.suptitle(f"Latency percentiles per time bin on detail days (dashed red: SLA target{note})")
    return fig


def latency_distribution(run: Run):
    """Per service, the share of requests answered within each latency
    (from the mergeable latency histogram of the detail days), against the
    SLA target; the legend gives the share within target."""
    det = run.dcc_detail
    h = pick(det, "latency_histogram", "latency_hist") if det is not None else None
    ds = det
    if h is None:
        h, ds = pick(run.dcc, "latency_histogram", "latency_hist"), run.dcc
    if h is None:
        raise MissingData("no latency histogram in /dcc/detail or /dcc")
    da = ds[h]
    bdim = next((d for d in da.dims if "bin" in d), None)
    if bdim is None:
        raise MissingData(f"{h} has no latency bin dimension")
    da = _sum_but(da, [bdim] + (["service"] if "service" in da.dims else []))
    lower = np.asarray(da[bdim].values, dtype=float) if bdim in da.coords else np.arange(da.sizes[bdim], dtype=float)
    upper = None
    for name in (f"{bdim}_upper", "latency_bin_upper", "latency_edge"):
        if name in ds and ds[name].size == lower.size:
            upper = np.asarray(ds[name].values, dtype=float)
            break
    # The share below a bin's upper edge is exact from the histogram; without
    # upper edges the next bin's lower edge stands in.
    edge = upper if upper is not None else np.append(lower[1:], np.inf)
    finite = np.isfinite(edge)
    targets = sla_targets(run)
    fig, ax = _fig(figsize=(10, 5))
    ax.set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))
    for s in _services_with_data(da):
        y = (da if s is None else da.sel(service=s)).values.astype(float)
        if y.sum() <= 0:
            continue
        cdf = np.cumsum(y) / y.sum()
        label = str(s) if s is not None else "all"
        if s in targets:
            within = y[edge <= targets[s]].sum() / y.sum()
            label += f" ({100 * within:.2f} % within {targets[s]:g} s)"
        line, = ax.step(edge[finite], 100 * cdf[finite], where="post", lw=1, label=label)
        if s in targets:
            ax.axvline(targets[s], ls="--", lw=0.7, color=line.get_color())
    ax.set_xscale("log")
    ax.set_xlabel(f"latency [{da[bdim].attrs.get('units', 's') if bdim in da.coords else 's'}]")
    ax.set_ylabel("requests answered within [%]")
    ax.set_title("Latency distribution on detail days (dashed: SLA targets)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, loc="lower right")
    return fig


def read_failures(run: Run):
    """Failures to obtain a reading (each a 1.75 notification) per day, by
    failure class, and the failure rate."""
    dcc = run.dcc
    v = _need(dcc, "/dcc", "failures", "read_failures", "failures_by_class")
    da = dcc[v]
    t = time_dim(da)
    cls = next((d for d in da.dims if "class" in d), None)
    da = _sum_but(da, [t] + ([cls] if cls else []))
    fig, axes = _fig(2, 1, figsize=(9, 7), sharex=True)
    if cls:
        axes[0].stackplot(da[t].values, *[da.sel({cls: c}).values for c in da[cls].values],
                          labels=[str(c) for c in da[cls].values])
        axes[0].legend(loc="upper left", fontsize=8)
    else:
        axes[0].plot(da[t].values, da.values)
    axes[0].set_ylabel("failed requests per day")
    axes[0].set_title("Failures to obtain a reading, by class")
    r = pick(dcc, "requests")
    if r is not None:
        req = _sum_but(dcc[r], [time_dim(dcc[r])])
        fail = da.sum(cls) if cls else da
        rate = 100 * fail / xr.where(req > 0, req, np.nan)
        axes[1].plot(rate[t].values, rate.values, lw=1)
        axes[1].set_ylabel("failed / requests [%]")
        axes[1].set_title("Failure rate")
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


# --------------------------------------------------------------------------
# Two runs
# --------------------------------------------------------------------------

def compare_s_curves(a: Run, b: Run):
    """National smart share of two runs on one axis, and per region side by side."""
    fig, axes = _fig(1, 2, figsize=(13, 4.5))
    found = False
    for run, ls in ((a, "-"), (b, "--")):
        nat = smart_share(run)
        if nat is None:
            continue
        found = True
        t = time_dim(nat)
        axes[0].plot(nat[t].values, 100 * nat.values, ls=ls, lw=2, label=run.name)
        reg = smart_share(run, "region")
        if reg is not None and "region" in reg.dims:
            for i, r in enumerate(reg["region"].values):
                axes[1].plot(reg[t].values, 100 * reg.sel(region=r).values, ls=ls, color=f"C{i}",
                             lw=1, label=f"{run.name}: {r}")
    if not found:
        raise MissingData("neither run has a smart share series")
    axes[0].set_title("National S-curve")
    axes[1].set_title("By region (solid: first run, dashed: second)")
    for ax in axes:
        ax.set_ylim(0, 100)
        ax.set_ylabel("households smart [%]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    _rotate(fig)
    return fig


def compare_totals(a: Run, b: Run):
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


# name, title, function (one Run)
FIGURES = [
    ("s_curve_region", "Rollout S-curve by region", s_curve_region),
    ("s_curve_supplier", "Rollout by supplier", s_curve_supplier),
    ("outcomes_by_cause", "Visit outcomes by cause", outcomes_by_cause),
    ("fleet_by_state", "Fleet by state", fleet_by_state),
    ("installers", "Installer utilisation and backlog", installers),
    ("dcc_load_by_day", "DCC load by day", dcc_load_by_day),
    ("dcc_load_by_hour", "DCC load by hour (detail days)", dcc_load_by_hour),
    ("latency_vs_sla", "Latency percentiles against SLA targets", latency_vs_sla),
    ("latency_distribution", "Latency distribution against SLA targets", latency_distribution),
    ("read_failures", "Failures to obtain readings", read_failures),
]

# name, title, function (two Runs)
COMPARE_FIGURES = [
    ("compare_s_curves", "S-curves of both runs", compare_s_curves),
    ("compare_totals", "Key totals of both runs", compare_totals),
]
