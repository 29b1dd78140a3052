"""
analysis.load — open one smsim run (an HDF5 file) as xarray Datasets, check
it against the schema this package reads (SCHEMA, documented in
analysis/README.md), and the few derived quantities every plot and report
needs (sums over everything but time, cumulative installs, smart share
over time, the date a share is reached, the headline totals).

Not for plotting (analysis.plots) or writing reports (analysis.report).

Each group is opened with xarray's h5netcdf engine, which turns the file's
HDF5 dimension scales and CF attributes into labelled coordinates and
decoded dates; smsim writes every dataset that way (analysis/README.md,
"Conventions").  Groups are read into memory and the file is closed: runs
are small enough (a 14-year GB run's /rollout is tens of MB) and an open
handle would keep the file locked for the writer of the next run.

Anything wrong with the file (missing, empty, not HDF5, not from smsim, an
interrupted run, a missing or unreadable dataset) is a RunError whose
message is one line naming the file and the fault.
"""
from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Union

import numpy as np
import xarray as xr

__all__ = [
    "RunError", "Run", "SCHEMA", "OPTIONAL_GROUPS", "TIME_DIMS", "SMART_STATE", "SMART_METER_STATES",
    "open_run", "open_group", "list_groups", "time_dim", "sum_but_time", "sla_targets",
    "dcc_daily_totals", "meters_installed", "cumulative_installs", "smart_households", "smart_share",
    "smart_commissionings", "date_reaching", "key_totals", "causes_total", "fleet_totals",
]

PathLike = Union[str, "os.PathLike[str]"]


class RunError(Exception):
    """The file is missing, unreadable, or not a complete smsim run (the
    message is one line: the file and what is wrong with it)."""


# --------------------------------------------------------------------------
# What this package reads: group -> dataset -> dimensions.  Every name is
# one smsim writes (analysis/README.md); a file lacking one is refused.
# Datasets the simulator writes beyond these are loaded too, unchecked.
# --------------------------------------------------------------------------

_RS = ("day", "region", "supplier")
SCHEMA: dict[str, dict[str, tuple[str, ...]]] = {
    "rollout": {
        "day": ("day",), "region": ("region",), "supplier": ("supplier",), "cause": ("cause",),
        "state": ("state",),
        "contacts": _RS, "visits": _RS, "installs_elec": _RS, "installs_gas": _RS,
        "smart_commissioned": _RS, "traditional_mode": _RS, "revisits": _RS,
        "remote_commissions": _RS, "migrations": _RS, "installer_utilisation": _RS, "backlog": _RS,
        "outcomes": ("day", "region", "supplier", "cause"),
        "households_by_state": ("day", "region", "state"),
    },
    "dcc": {
        "day": ("day",), "service": ("service",), "region": ("region",),
        "failure_class": ("failure_class",), "stage": ("stage",),
        "requests": ("day", "service", "region"),
        "failures": ("day", "service", "region", "failure_class"),
        "fleet_hubs": ("day", "region"), "peak_minute_load": ("day", "region"),
        "peak_minute_load_total": ("day",), "utilisation": ("day", "stage"),
        "sla_breaches": ("day", "service"), "sla_target_s": ("service",),
    },
    "dcc/detail": {
        "detail_day": ("detail_day",), "minute": ("minute",), "service": ("service",),
        "stage": ("stage",), "latency_bin": ("latency_bin",),
        "latency_bin_upper": ("latency_bin",),
        "arrivals": ("detail_day", "minute", "service"),
        "utilisation": ("detail_day", "minute", "stage"),
        "latency_p50": ("detail_day", "minute", "service"),
        "latency_p95": ("detail_day", "minute", "service"),
        "latency_p99": ("detail_day", "minute", "service"),
        "latency_max": ("detail_day", "minute", "service"),
        "latency_histogram": ("detail_day", "service", "latency_bin"),
    },
    "fleet": {
        "day": ("day",), "region": ("region",), "supplier": ("supplier",), "event": ("event",),
        "cause": ("cause",),
        "events": ("day", "region", "supplier", "event"),
        "traditional_by_cause": ("day", "region", "cause"),
    },
}
# Groups a complete run may lack: /dcc/detail exists only when the scenario
# has detail days (dcc.detail), /fleet only when it has rollout.fleet on.
OPTIONAL_GROUPS = ("dcc/detail", "fleet")
# Root attributes this package reads.
ROOT_ATTRS = ("title", "smsim_version", "status", "households", "seed", "start_date", "end_date")

# The time dimensions: simulated days (/rollout, /dcc) and request-level
# days (/dcc/detail).  `minute` is a time of day, not a time axis.
TIME_DIMS = ("day", "detail_day")

# The household state of /rollout/state that is smart (every meter smart and
# commissioned through the DCC), and every state with smart meters in any mode.
SMART_STATE = "smart"
SMART_METER_STATES = ("smets1", "traditional", "partial", "smart")


# --------------------------------------------------------------------------
# Opening
# --------------------------------------------------------------------------

def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text or type(e).__name__


def _decode(v: Any) -> Any:
    """HDF5 attribute -> plain Python (str, int, float, list)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        if v.shape == () or v.size == 1:
            return _decode(v.reshape(-1)[0])
        return [_decode(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def list_groups(path: PathLike) -> list[str]:
    """Every group in the file, as paths without the leading slash."""
    import h5py
    out: list[str] = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Group) else None)
    return sorted(out)


def open_group(path: PathLike, group: str) -> xr.Dataset:
    """One group as a decoded, in-memory Dataset.  Raises RunError naming
    the group (or the dataset) that cannot be read."""
    path = os.fspath(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", xr.SerializationWarning)
            ds = xr.open_dataset(path, group=group, engine="h5netcdf", decode_timedelta=False)
    except Exception as e:  # the engine's errors are of many types
        raise RunError(f"{path}: cannot read /{group}: {_one_line(e)}") from None
    with ds:
        for name in list(ds.variables):  # one by one, so the message names the dataset
            try:
                ds.variables[name].load()   # in place
            except Exception as e:
                raise RunError(f"{path}: cannot read /{group}/{name}: {_one_line(e)}") from None
        return ds.load()


@dataclass
class Run:
    """One smsim run: root attributes and one Dataset per group.  /rollout
    and /dcc are always there; /dcc/detail only when the scenario has detail
    days (None otherwise)."""
    path: str
    attrs: dict
    rollout: xr.Dataset
    dcc: xr.Dataset
    dcc_detail: Optional[xr.Dataset] = None
    groups: dict = field(default_factory=dict)   # every group by path ("rollout", "dcc/detail")

    @property
    def name(self) -> str:
        return os.path.splitext(os.path.basename(self.path))[0]

    @property
    def households(self) -> int:
        return int(self.attrs["households"])

    @property
    def start_date(self) -> np.datetime64:
        return np.datetime64(self.attrs["start_date"], "D")

    def __repr__(self) -> str:
        g = ", ".join(self.groups)
        return (f"<smsim Run {self.path}: seed {self.attrs.get('seed')}, "
                f"{self.attrs.get('households')} households, "
                f"{self.attrs.get('start_date')}..{self.attrs.get('end_date')}, groups: {g}>")


def _read_header(path: str) -> tuple[dict, list[str]]:
    """Root attributes and group names, or RunError for a file that is not
    an HDF5 file smsim wrote."""
    import h5py
    if not os.path.exists(path):
        raise RunError(f"{path}: no such file")
    if not os.path.isfile(path):
        raise RunError(f"{path}: not a regular file")
    if not os.access(path, os.R_OK):
        raise RunError(f"{path}: cannot read the file (permission denied)")
    if os.path.getsize(path) == 0:
        raise RunError(f"{path}: empty file, not an smsim output file")
    try:
        if not h5py.is_hdf5(path):
            raise RunError(f"{path}: not an HDF5 file, so not an smsim output file")
        with h5py.File(path, "r") as f:
            attrs = {k: _decode(v) for k, v in f.attrs.items()}
    except RunError:
        raise
    except Exception as e:  # h5py raises OSError, KeyError, RuntimeError...
        raise RunError(f"{path}: not a readable HDF5 file ({_one_line(e)})") from None
    try:
        groups = list_groups(path)
    except Exception as e:
        raise RunError(f"{path}: cannot read the group structure ({_one_line(e)})") from None
    return attrs, groups


def _check_attrs(path: str, attrs: dict, require_complete: bool) -> None:
    if attrs.get("title") != "smsim run" or "smsim_version" not in attrs:
        raise RunError(f"{path}: an HDF5 file, but not an smsim output file "
                       f"(no title 'smsim run' and smsim_version root attributes)")
    status = attrs.get("status")
    if require_complete and status != "complete":
        what = "no status attribute" if status is None else f"status {status!r}"
        raise RunError(f"{path}: an smsim run that did not finish ({what}): it was interrupted "
                       f"or failed, or is still running")
    missing = [a for a in ROOT_ATTRS if a not in attrs and (require_complete or a != "status")]
    if missing:
        raise RunError(f"{path}: root attribute {missing[0]} is missing")
    try:
        int(attrs["households"])
        np.datetime64(attrs["start_date"], "D")
        np.datetime64(attrs["end_date"], "D")
    except (TypeError, ValueError) as e:
        raise RunError(f"{path}: bad root attribute ({_one_line(e)})") from None


def _check_group(path: str, group: str, ds: xr.Dataset) -> None:
    """The datasets SCHEMA lists for the group are there with their dimensions."""
    for name, dims in SCHEMA.get(group, {}).items():
        if name not in ds.variables:
            raise RunError(f"{path}: dataset /{group}/{name} is missing")
        if tuple(ds[name].dims) != dims:
            raise RunError(f"{path}: /{group}/{name} has dimensions ({', '.join(ds[name].dims)}), "
                           f"expected ({', '.join(dims)})")
    for t in TIME_DIMS:
        if t in ds.coords and not np.issubdtype(ds[t].dtype, np.datetime64):
            raise RunError(f"{path}: /{group}/{t} is not a date coordinate "
                           f"(units {ds[t].attrs.get('units', 'missing')!r})")


def _check_dates(path: str, attrs: dict, ro: xr.Dataset) -> None:
    days = ro["day"].values.astype("datetime64[D]")
    start, end = np.datetime64(attrs["start_date"], "D"), np.datetime64(attrs["end_date"], "D")
    if days.size == 0 or days[0] != start or days[-1] != end:
        first = days[0] if days.size else "none"
        raise RunError(f"{path}: /rollout/day runs from {first} to "
                       f"{days[-1] if days.size else 'none'}, not {start} to {end} "
                       f"(root attributes start_date, end_date)")


def open_run(path: PathLike, require_complete: bool = True) -> Run:
    """Open a run and check it against SCHEMA.  Raises RunError (one line)
    when the file is missing, is not HDF5, is not from smsim, lacks a
    dataset this package reads, cannot be read, or (require_complete) is
    not marked complete."""
    path = os.fspath(path)
    attrs, groups = _read_header(path)
    _check_attrs(path, attrs, require_complete)
    for g in SCHEMA:
        if g not in groups and g not in OPTIONAL_GROUPS:
            raise RunError(f"{path}: group /{g} is missing")
    run_groups = {}
    for g in groups:
        ds = open_group(path, g)
        _check_group(path, g, ds)
        run_groups[g] = ds
    _check_dates(path, attrs, run_groups["rollout"])
    return Run(path=path, attrs=attrs, rollout=run_groups["rollout"], dcc=run_groups["dcc"],
               dcc_detail=run_groups.get("dcc/detail"), groups=run_groups)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def time_dim(obj: Union[xr.Dataset, xr.DataArray]) -> Optional[str]:
    """The time dimension (one of TIME_DIMS) of a Dataset or DataArray, or None."""
    return next((d for d in obj.dims if d in TIME_DIMS), None)


def sum_but_time(da: xr.DataArray, *keep: Optional[str]) -> xr.DataArray:
    """da summed over every dimension but its time dimension and those in
    `keep` (None entries are ignored); attributes are kept."""
    t = time_dim(da)
    drop = [d for d in da.dims if d != t and d not in keep]
    out = da.sum(drop) if drop else da
    out.attrs = dict(da.attrs)
    return out


def meters_installed(ro: xr.Dataset) -> xr.DataArray:
    """Meters installed per day (electricity + gas), with the series' own dims."""
    out = (ro["installs_elec"] + ro["installs_gas"]).rename("meters_installed")
    out.attrs = {"units": "1", "long_name": "meters installed (electricity + gas)"}
    return out


def cumulative_installs(run: Run, by: Optional[str] = None) -> xr.DataArray:
    """Cumulative meters installed over time, national or per `by` (region or supplier)."""
    out = sum_but_time(meters_installed(run.rollout), by).cumsum("day")
    out.attrs = {"units": "1", "long_name": "cumulative meters installed"}
    return out


def _by_state(run: Run, by: Optional[str]) -> xr.DataArray:
    hbs = run.rollout["households_by_state"]
    if by is not None and by not in hbs.dims:
        raise ValueError(f"households_by_state has no dimension {by!r} (it has {', '.join(hbs.dims)})")
    return hbs


def smart_households(run: Run, by: Optional[str] = None,
                     states: Iterable[str] = (SMART_STATE,)) -> xr.DataArray:
    """Households in `states` (default: smart, commissioned through the DCC)
    at the end of each day, national or per `by` (region).  `states` are
    labels of /rollout/state, e.g. SMART_METER_STATES for every household
    with smart meters in any mode; an unknown label is a KeyError."""
    hbs = _by_state(run, by)
    return sum_but_time(hbs.sel(state=list(states)).sum("state"), by)


def smart_share(run: Run, by: Optional[str] = None,
                states: Iterable[str] = (SMART_STATE,)) -> xr.DataArray:
    """Fraction of households in `states` per day, national or per `by`
    (region); see smart_households."""
    pop = sum_but_time(_by_state(run, by).sum("state"), by)
    share = smart_households(run, by, states) / xr.where(pop > 0, pop, np.nan)
    share = share.rename("smart_share")
    share.attrs = {"units": "1", "long_name": "share of households smart (DCC-commissioned)"}
    return share


def smart_commissionings(run: Run, by: Optional[str] = "supplier") -> xr.DataArray:
    """Cumulative commissioning events (visits leaving the household smart,
    remote commissionings, SMETS1 migrations) per `by`: the per-supplier
    view, since households are not counted per supplier in the file."""
    ro = run.rollout
    da = ro["smart_commissioned"] + ro["remote_commissions"] + ro["migrations"]
    out = sum_but_time(da, by).cumsum("day")
    out.attrs = {"units": "1", "long_name": "smart commissionings (cumulative)"}
    return out


def date_reaching(series: xr.DataArray, fraction: float) -> Any:
    """First date at which a 1-D time series reaches `fraction`
    (numpy.datetime64; None if never).  For a series with another
    dimension, a dict label -> date."""
    t = time_dim(series)
    others = [d for d in series.dims if d != t]
    if others:
        o = others[0]
        return {str(k): date_reaching(series.sel({o: k}), fraction) for k in series[o].values}
    vals = np.asarray(series.values, dtype=float)
    hit = np.nonzero(vals >= fraction)[0]
    if hit.size == 0:
        return None
    return series[t].values[hit[0]]


def causes_total(ro: xr.Dataset) -> xr.DataArray:
    """Visit outcomes that did not end in an install, summed over the run, by cause."""
    da = ro["outcomes"]
    return da.sum([d for d in da.dims if d != "cause"])


def sla_targets(run: Run) -> dict[str, float]:
    """SLA target response time per service label, in seconds (/dcc/sla_target_s)."""
    da = run.dcc["sla_target_s"]
    return {str(k): float(x) for k, x in zip(da["service"].values, da.values)}


def _fsum_int(da: xr.DataArray) -> int:
    return int(np.rint(math.fsum(np.asarray(da.values, dtype=np.float64).ravel())))


def dcc_daily_totals(dcc: xr.Dataset) -> dict[str, Union[int, float]]:
    """Requests and failures over the run the way the C side totals them
    (ordinary days carry expected, fractional counts: the whole run is
    summed in double precision and rounded once), and the largest
    one-minute load of any day."""
    return {"requests": _fsum_int(dcc["requests"]), "failures": _fsum_int(dcc["failures"]),
            "peak_minute_load": float(dcc["peak_minute_load_total"].max())}


def _fmt_date(d: Any) -> str:
    if d is None:
        return "not reached"
    return str(np.datetime_as_string(np.datetime64(d, "D")))


# Headline counts of /rollout: label, dataset (summed over everything).
ROLLOUT_TOTALS = (("contacts", "contacts"), ("visits", "visits"),
                  ("installs (electricity)", "installs_elec"), ("installs (gas)", "installs_gas"),
                  ("commissioned smart", "smart_commissioned"),
                  ("left in traditional mode", "traditional_mode"), ("revisits", "revisits"),
                  ("remote commissions", "remote_commissions"), ("migrations", "migrations"))


def key_totals(run: Run) -> dict[str, Any]:
    """The headline numbers of a run, label -> value (numbers or strings),
    in the order a report shows them."""
    ro = run.rollout
    out: dict[str, Any] = {"households": run.households}
    share = smart_share(run)
    for frac in (0.5, 0.8):
        out[f"date {int(frac * 100)} % smart"] = _fmt_date(date_reaching(share, frac))
    out["smart share at end"] = round(float(share.values[-1]), 4)
    anym = smart_share(run, states=SMART_METER_STATES)
    out["share with smart meters (any mode) at end"] = round(float(anym.values[-1]), 4)
    for label, v in ROLLOUT_TOTALS:
        out[label] = int(ro[v].sum())
    out["meters installed"] = int(meters_installed(ro).sum())
    c = causes_total(ro)
    out["visits not ending in an install"] = int(c.sum())
    for k, v in zip(c["cause"].values, c.values):
        out[f"  aborted: {k}"] = int(v)
    dcc = run.dcc
    t = dcc_daily_totals(dcc)
    out["DCC requests"] = t["requests"]
    out["DCC failures (1.75 notices)"] = t["failures"]
    out["DCC peak minute load"] = t["peak_minute_load"]
    out["DCC fleet (hubs) at end"] = int(dcc["fleet_hubs"].isel(day=-1).sum())
    out["SLA breaches (detail days)"] = int(np.nansum(dcc["sla_breaches"].values))
    out.update(fleet_totals(run))
    return out


def fleet_totals(run: Run) -> dict:
    """Life after the install (/fleet, only when the scenario has
    rollout.fleet on): events over the run by kind, and households in
    traditional mode at the end by cause.  Empty without /fleet."""
    fl, out = run.groups.get("fleet"), {}
    if fl is None:
        return out
    sums = fl["events"].sum(["day", "region", "supplier"])
    for e, v in zip(sums["event"].values, sums.values):
        out[f"fleet: {e}"] = int(v)
    end = fl["traditional_by_cause"].isel(day=-1).sum("region")
    for c, v in zip(end["cause"].values, end.values):
        out[f"traditional mode at end: {c}"] = int(v)
    return out
