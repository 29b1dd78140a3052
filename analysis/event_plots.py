"""
analysis.event_plots — the DCC's worst days: one figure per dated event
type (alert storm, price change, firmware campaign, settlement change), one
for the background power interruptions (dcc.outages), and
the capacity engineer's table per service and request-level day (share
within target, p50 / p95 / p99, the worst minute).

Each figure function takes a Run and returns a Figure, or raises
plots.MissingData when the run has no such event (the report then notes
it).  Service labels are those of /dcc (the `service` coordinate).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .load import Run, time_dim
from .plots import MissingData, _fig, _rotate

OUTAGE = "power outage alert (last gasp)"
RESTORE = "power restored alert"
TARIFF = "tariff update (price change)"
FIRMWARE = "firmware image distribution"
HH_COLLECT = "half-hourly data collection (settlement)"
DAILY = "09.04 scheduled read (daily data)"

__all__ = ["EVENT_FIGURES", "storm", "price_change", "firmware_campaign", "settlement", "capacity_rows",
           "campaign_progress", "storm_summary", "background_outages", "background_summary"]


def _events(run: Run, kind: str) -> list:
    """(label, index of its first day in /dcc's day axis, devices) of the
    run's events of a type ('outage' ...)."""
    d = run.dcc
    if d is None or "event" not in d.coords:
        return []
    days = d[time_dim(d["requests"])].values
    out = []
    for i, lab in enumerate(d["event"].values):
        if str(lab).split(" ")[0] == kind:
            dev = float(d["event_devices"].values[i]) if "event_devices" in d else float("nan")
            first = d["event_day"].values[i] if "event_day" in d else days[0]
            idx = int(np.searchsorted(days, first)) if np.issubdtype(np.asarray(days).dtype, np.datetime64) \
                else int(first)
            out.append((str(lab), idx, dev))
    return out


def _svc(da: xr.DataArray, label: str) -> xr.DataArray:
    if "service" not in da.dims or label not in list(da["service"].values):
        raise MissingData(f"no service '{label}' in the file (an older smsim?)")
    return da.sel(service=label)


def _need_events(run: Run, kind: str) -> list:
    ev = _events(run, kind)
    if not ev:
        raise MissingData(f"the run has no {kind} event (dcc.events)")
    return ev


def storm_summary(run: Run) -> dict:
    """Per storm day: alerts raised, suppressed by each rule, delivered
    (requests), and the minutes the DSP and each CSP were saturated."""
    d = run.dcc
    _need_events(run, "outage")
    t = time_dim(d["requests"])
    dlv = (_svc(d["requests"], OUTAGE) + _svc(d["requests"], RESTORE)).sum("region")
    raised = d["alerts_raised"].sum("region")
    out = {}
    for i, day in enumerate(d[t].values):
        if float(raised.values[i]) <= 0:
            continue
        row = {"raised": float(raised.values[i]), "delivered": float(dlv.values[i])}
        for r in d["rule"].values:
            row[f"{r}"] = float(d["suppressed"].sel(rule=r).isel({t: i}).sum())
        for s in d["stage"].values:
            row[f"saturated min, {s}"] = float(d["saturated_minutes"].sel(stage=s).isel({t: i}))
        out[str(day)[:10]] = row
    return out


def storm(run: Run):
    """Alert storm: power alerts per minute against the DSP's and CSPs'
    queues (request-level days), and per day raised / suppressed / delivered."""
    summ = storm_summary(run)
    det = run.dcc_detail
    fig, axes = _fig(2, 1, figsize=(10, 7.5))
    if det is not None and "arrivals" in det:
        a = det["arrivals"]
        alerts = (_svc(a, OUTAGE) + _svc(a, RESTORE)).isel(detail_day=0)
        x = np.asarray(det["minute"].values, dtype=float) / 60
        axes[0].plot(x, alerts.values, color="tab:red", lw=1, label="power alerts arriving per bin")
        axes[0].set_yscale("symlog")
        ax2 = axes[0].twinx()
        q = det["queue_length"].isel(detail_day=0)
        for s in q["stage"].values:
            ax2.plot(x, q.sel(stage=s).values, lw=1, ls="--", label=f"waiting at {s}")
        ax2.set_ylabel("requests waiting (dashed)")
        ax2.legend(loc="upper right", fontsize=7)
        axes[0].set_xlabel("hour of the first request-level day")
        axes[0].set_ylabel("alerts per bin")
        axes[0].legend(loc="upper left", fontsize=7)
        axes[0].set_title("The storm minute by minute")
    else:
        axes[0].text(0.5, 0.5, "no request-level day: per-minute view needs dcc.detail", ha="center",
                     transform=axes[0].transAxes)
    days = list(summ)
    keys = ["raised", "consolidated", "throttled", "delivered"]
    w = 0.8 / len(keys)
    for k, key in enumerate(keys):
        axes[1].bar(np.arange(len(days)) + k * w, [summ[dd].get(key, 0) for dd in days], w, label=key)
    axes[1].set_xticks(np.arange(len(days)) + 0.4 - w / 2, days)
    sat = ", ".join(f"{k.split(', ')[1]} {v:.0f}" for k, v in summ[days[0]].items() if k.startswith("saturated"))
    axes[1].set_title(f"Power alerts per day (saturated minutes on {days[0]}: {sat})")
    axes[1].legend(fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def price_change(run: Run):
    """Price change: tariff updates per day and region, and the share of them
    within target on request-level days."""
    _need_events(run, "price_change")
    d = run.dcc
    rq = _svc(d["requests"], TARIFF)
    t = time_dim(rq)
    fig, axes = _fig(2, 1, figsize=(9, 6.5), sharex=True)
    for r in rq["region"].values:
        axes[0].plot(rq[t].values, rq.sel(region=r).values, marker="o", lw=1, label=str(r))
    axes[0].set_ylabel("tariff updates per day")
    axes[0].legend(fontsize=7)
    axes[0].set_title("Tariff updates pushed")
    sh = _svc(d["sla_share_within_target"], TARIFF)
    axes[1].plot(sh[t].values, 100 * sh.values, marker="o", color="tab:green")
    axes[1].set_ylabel("within target [%]")
    axes[1].set_title("Tariff updates completed within their target (request-level days)")
    if "quarantined" in list(d["rule"].values):
        qn = d["suppressed"].sel(rule="quarantined").sum("region")
        if float(qn.sum()) > 0:
            ax2 = axes[1].twinx()
            ax2.bar(qn[t].values, qn.values, alpha=0.3, color="tab:red")
            ax2.set_ylabel("quarantined (bars)")
    for ax in axes:
        ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def campaign_progress(run: Run) -> dict:
    """Per firmware campaign: devices, and the days (from its first day,
    fractional on request-level days' bins otherwise whole days) until 50 %
    and 95 % of the devices had the image."""
    ev = _need_events(run, "firmware")
    d = run.dcc
    comp = _svc(d["completed"], FIRMWARE).sum("region")
    cum = np.cumsum(comp.values)
    out = {}
    for lab, day0, dev in ev:
        row = {"devices": dev}
        for q in (0.5, 0.95):
            idx = np.nonzero(cum >= q * dev)[0] if dev > 0 else []
            row[f"days to {int(q * 100)} %"] = float(idx[0] + 1 - day0) if len(idx) else float("nan")
        out[lab] = row
    return out


def firmware_campaign(run: Run):
    """Firmware campaign: share of the devices with the image by day, and
    each region's WAN utilisation."""
    prog = campaign_progress(run)
    d = run.dcc
    comp = _svc(d["completed"], FIRMWARE).sum("region")
    t = time_dim(comp)
    devices = sum(v["devices"] for v in prog.values())
    fig, axes = _fig(2, 1, figsize=(9, 6.5), sharex=True)
    axes[0].plot(comp[t].values, 100 * np.cumsum(comp.values) / max(devices, 1), color="tab:purple")
    for q in (50, 95):
        axes[0].axhline(q, ls=":", color="grey")
    txt = "; ".join(f"{k}: 50 % in {v['days to 50 %']:.0f} d, 95 % in {v['days to 95 %']:.0f} d"
                    for k, v in prog.items())
    axes[0].set_title(f"Devices with the image ({txt})", fontsize=9)
    axes[0].set_ylabel("% of the campaign's devices")
    u = d["wan_utilisation"]
    for r in u["region"].values:
        axes[1].plot(u[t].values, 100 * u.sel(region=r).values, lw=1, label=str(r))
    axes[1].set_ylabel("WAN link busy [% of the day]")
    axes[1].set_title("WAN utilisation by region (the image competes with reads)")
    axes[1].legend(fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def settlement(run: Run):
    """Settlement change: daily-data reads against half-hourly collections
    per day, and the bytes each region's WAN carried."""
    _need_events(run, "settlement")
    d = run.dcc
    hh = _svc(d["requests"], HH_COLLECT).sum("region")
    dl = _svc(d["requests"], DAILY).sum("region")
    t = time_dim(hh)
    fig, axes = _fig(2, 1, figsize=(9, 6.5), sharex=True)
    axes[0].plot(hh[t].values, hh.values, marker="o", label="half-hourly collections")
    axes[0].plot(dl[t].values, dl.values, marker="o", label="daily-data reads")
    axes[0].set_ylabel("requests per day")
    axes[0].legend(fontsize=7)
    axes[0].set_title("Reads moving to half-hourly collection")
    wb = d["wan_bytes"]
    for r in wb["region"].values:
        axes[1].plot(wb[t].values, wb.sel(region=r).values / 1e9, marker="o", lw=1, label=str(r))
    axes[1].set_ylabel("GB over the WAN per day")
    axes[1].legend(fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    _rotate(fig)
    return fig


def _hist_quantile(counts, lower, upper, q):
    tot = counts.sum()
    if tot <= 0:
        return float("nan")
    c = np.cumsum(counts)
    i = int(np.searchsorted(c, q * tot))
    hi = upper[i] if np.isfinite(upper[i]) else lower[i]
    prev = c[i - 1] if i else 0
    f = (q * tot - prev) / max(counts[i], 1)
    return float(lower[i] + f * (hi - lower[i]))


def capacity_rows(run: Run) -> list:
    """[(day, service, share within target, p50, p95, p99, worst minute)] for
    each request-level day and service with completions: p-values from the
    day's latency histogram (interpolated within its bin), the worst minute
    the bin with the highest p99 latency."""
    det = run.dcc_detail
    d = run.dcc
    if det is None or "latency_histogram" not in det or d is None or "sla_share_within_target" not in d:
        return []
    lo = np.asarray(det["latency_bin"].values, dtype=float)
    hi = np.asarray(det["latency_bin_upper"].values, dtype=float)
    td = time_dim(d["sla_share_within_target"])
    rows = []
    for i, day in enumerate(det["detail_day"].values):
        for s in det["service"].values:
            h = np.asarray(det["latency_histogram"].isel(detail_day=i).sel(service=s).values, dtype=float)
            if h.sum() <= 0:
                continue
            share = float(d["sla_share_within_target"].sel({td: day, "service": s}))
            p99 = det["latency_p99"].isel(detail_day=i).sel(service=s).values
            worst = det["minute"].values[int(np.nanargmax(p99))] if np.isfinite(p99).any() else float("nan")
            rows.append((str(day)[:10], str(s), share, *(_hist_quantile(h, lo, hi, q) for q in (0.5, 0.95, 0.99)),
                         float(worst)))
    return rows


def background_summary(run: Run) -> dict:
    """Background power interruptions (dcc.outages) over the run, all
    regions: interruptions, hubs cut, hubs cut per hub-year on the DCC, and
    the power alerts raised (dated outages' included)."""
    d = run.dcc
    if d is None or "outage_interruptions" not in d:
        raise MissingData("the run has no background interruptions (dcc.outages)")
    hub_years = float(d["fleet_hubs"].sum()) / 365.25
    cut = float(d["outage_premises"].sum())
    return {"interruptions": float(d["outage_interruptions"].sum()), "hubs cut": cut,
            "hubs cut per hub-year": cut / hub_years if hub_years > 0 else float("nan"),
            "alerts raised": float(d["alerts_raised"].sum())}


def background_outages(run: Run):
    """Background power interruptions: interruptions and hubs cut per month
    and region (the daily series /dcc/outage_interruptions, outage_premises)."""
    summ = background_summary(run)
    d = run.dcc
    t = time_dim(d["outage_interruptions"])
    fig, axes = _fig(2, 1, figsize=(10, 7), sharex=True)
    for ax, name, what in ((axes[0], "outage_interruptions", "interruptions"),
                           (axes[1], "outage_premises", "hubs cut off supply")):
        da = d[name]
        m = da.resample({t: "MS"}).sum() if np.issubdtype(da[t].dtype, np.datetime64) else da
        for r in da["region"].values:
            ax.plot(m[t].values, m.sel(region=r).values, lw=1, label=str(r))
        ax.set_ylabel(f"{what} per month" if m is not da else f"{what} per day")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_title(f"Background power interruptions: {summ['interruptions']:.0f} cutting "
                      f"{summ['hubs cut']:.0f} hubs ({summ['hubs cut per hub-year']:.2f} per hub-year on the DCC)")
    _rotate(fig)
    return fig


# name, title, function (one Run)
EVENT_FIGURES = [
    ("event_storm", "Alert storm: alerts raised, suppressed, delivered; saturation", storm),
    ("event_price_change", "Price change: tariff updates and their response times", price_change),
    ("event_firmware", "Firmware campaign: devices reached and WAN utilisation", firmware_campaign),
    ("event_settlement", "Settlement change: half-hourly collection and WAN bytes", settlement),
    ("event_background_outages", "Background power interruptions: interruptions and hubs cut per month",
     background_outages),
]
