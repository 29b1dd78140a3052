"""
analysis.load — open one smsim run (an HDF5 file) as xarray Datasets, and
the few derived quantities every plot and report needs (national totals,
cumulative installs, smart share over time, the date a share is reached).

Not for plotting (analysis.plots) or writing reports (analysis.report).

Each group is opened with xarray's h5netcdf engine, which turns the file's
HDF5 dimension scales and CF attributes into labelled coordinates and
decoded dates.  If a group does not open that way (a dataset written without
dimension scales, an older h5netcdf), it is rebuilt from h5py with the same
names, then CF-decoded, so a reader always gets the same kind of object.
Groups are read into memory and the file is closed: runs are small enough
(a 14-year GB run's /rollout is tens of MB) and an open handle would keep
the file locked for the writer of the next run.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

import math

import numpy as np
import xarray as xr

__all__ = [
    "RunError", "Run", "SMART_METER_STATES", "open_run", "open_group", "list_groups", "time_dim", "pick",
    "national", "total", "sla_targets", "dcc_daily_totals", "meters_installed", "cumulative_installs", "smart_households",
    "smart_share", "supplier_smart", "date_reaching", "key_totals", "causes_total",
]


class RunError(Exception):
    """The file is missing, unreadable, or not a complete smsim run."""


# --------------------------------------------------------------------------
# Opening
# --------------------------------------------------------------------------

def _decode(v):
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


def list_groups(path) -> list[str]:
    """Every group in the file, as paths without the leading slash."""
    import h5py
    out = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Group) else None)
    return sorted(out)


def _dims_of(ds_h5, group) -> list[str]:
    """Names of the dimension scales attached to an h5py dataset; a
    dimension without one gets a phony name (NAME_dimI)."""
    import h5py
    names = []
    for i, dim in enumerate(ds_h5.dims):
        name = None
        if len(dim):
            scale = dim[0]
            name = scale.name.rsplit("/", 1)[-1]
        if not name:
            name = f"{ds_h5.name.rsplit('/', 1)[-1]}_dim{i}"
        names.append(name)
    if h5py.h5ds.is_scale(ds_h5.id) and ds_h5.ndim == 1:
        names = [ds_h5.name.rsplit("/", 1)[-1]]
    return names


def _dataset_from_h5py(path, group) -> xr.Dataset:
    """Build an (undecoded) Dataset of a group's datasets with h5py, then
    CF-decode it: the fallback when the netCDF engine refuses the group."""
    import h5py
    variables, coords = {}, {}
    with h5py.File(path, "r") as f:
        g = f[group] if group else f
        for name, obj in g.items():
            if not isinstance(obj, h5py.Dataset):
                continue
            data = obj[()]
            if obj.dtype.kind == "O" or h5py.check_string_dtype(obj.dtype):
                data = np.array([_decode(x) for x in np.ravel(data)], dtype=object).reshape(data.shape)
            attrs = {k: _decode(v) for k, v in obj.attrs.items()
                     if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid",
                                  "_Netcdf4Coordinates")}
            var = xr.Variable(_dims_of(obj, group), data, attrs)
            if h5py.h5ds.is_scale(obj.id) and obj.ndim == 1:
                coords[name] = var
            else:
                variables[name] = var
        gattrs = {k: _decode(v) for k, v in g.attrs.items()}
    ds = xr.Dataset(variables, coords=coords, attrs=gattrs)
    try:
        return xr.decode_cf(ds, decode_timedelta=False)
    except Exception:
        return _decode_each(ds)


def _decode_each(ds: xr.Dataset) -> xr.Dataset:
    """CF-decode an undecoded Dataset variable by variable, keeping as
    numbers (with their units) those whose time units do not decode, e.g.
    a time-of-day axis in "minutes since 00:00" (no date)."""
    import warnings
    from xarray import conventions
    out = ds.copy()
    for name in list(ds.variables):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # "ambiguous reference date" for such units
                var = conventions.decode_cf_variable(name, ds.variables[name], decode_timedelta=False)
                var.values  # decoding is lazy: fail here, not in a plot
        except Exception:
            continue
        out[name] = var
    return out


def open_group(path, group) -> xr.Dataset:
    """One group as a decoded, in-memory Dataset (see the module comment)."""
    import warnings
    with warnings.catch_warnings():
        # xarray warns before failing on a time of day unit ("minutes since 00:00").
        warnings.simplefilter("ignore", xr.SerializationWarning)
        return _open_group(path, group)


def _open_group(path, group) -> xr.Dataset:
    errors = []
    for kw in ({}, {"phony_dims": "sort"}):
        try:
            with xr.open_dataset(path, group=group, engine="h5netcdf", decode_timedelta=False,
                                 **kw) as ds:
                return ds.load()
        except Exception as e:  # the engine's errors are of many types
            errors.append(f"h5netcdf{kw or ''}: {e}")
            if "decode" in str(e):   # a time unit xarray cannot decode: decode the rest
                try:
                    with xr.open_dataset(path, group=group, engine="h5netcdf", decode_times=False,
                                         decode_timedelta=False, **kw) as ds:
                        return _decode_each(ds.load())
                except Exception as e2:
                    errors.append(f"h5netcdf, times one by one: {e2}")
    try:
        return _dataset_from_h5py(path, group)
    except Exception as e:
        errors.append(f"h5py: {e}")
    raise RunError(f"{path}: cannot read group /{group}: " + "; ".join(errors))


@dataclass
class Run:
    """One smsim run: root attributes and one Dataset per group (None when
    the file lacks the group)."""
    path: str
    attrs: dict
    rollout: Optional[xr.Dataset] = None
    dcc: Optional[xr.Dataset] = None
    dcc_detail: Optional[xr.Dataset] = None
    groups: dict = field(default_factory=dict)   # every group by path ("rollout", "dcc/detail")

    @property
    def name(self) -> str:
        return os.path.splitext(os.path.basename(self.path))[0]

    @property
    def households(self) -> Optional[int]:
        h = self.attrs.get("households")
        return int(h) if h is not None else None

    @property
    def start_date(self) -> Optional[np.datetime64]:
        s = self.attrs.get("start_date")
        return np.datetime64(s, "D") if s else None

    def __repr__(self):
        g = ", ".join(self.groups)
        return (f"<smsim Run {self.path}: seed {self.attrs.get('seed')}, "
                f"{self.attrs.get('households')} households, "
                f"{self.attrs.get('start_date')}..{self.attrs.get('end_date')}, groups: {g}>")


def open_run(path, require_complete=True) -> Run:
    """Open a run.  Raises RunError (a clear message) when the file is
    missing, is not HDF5, or (require_complete) is not marked complete."""
    import h5py
    path = os.fspath(path)
    if not os.path.exists(path):
        raise RunError(f"{path}: no such file")
    if not os.path.isfile(path):
        raise RunError(f"{path}: not a file")
    try:
        with h5py.File(path, "r") as f:
            attrs = {k: _decode(v) for k, v in f.attrs.items()}
    except OSError as e:
        raise RunError(f"{path}: not a readable HDF5 file ({e})") from None
    status = attrs.get("status")
    if require_complete and status != "complete":
        raise RunError(f"{path}: the run is not complete (status: {status or 'missing'}); "
                       f"it was interrupted or failed, or this is not an smsim output file")
    run = Run(path=path, attrs=attrs)
    for g in list_groups(path):
        run.groups[g] = open_group(path, g)
    run.rollout = run.groups.get("rollout")
    run.dcc = run.groups.get("dcc")
    run.dcc_detail = run.groups.get("dcc/detail")
    if require_complete and run.rollout is None:
        raise RunError(f"{path}: no /rollout group: not an smsim output file")
    return run


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def pick(ds: Optional[xr.Dataset], *names) -> Optional[str]:
    """The first of names that is a variable of ds (None if ds is None or none is)."""
    if ds is None:
        return None
    for n in names:
        if n in ds.variables:
            return n
    return None


def time_dim(obj) -> Optional[str]:
    """The time dimension of a Dataset or DataArray: the first dimension
    whose coordinate holds dates (or is named day/time/minute)."""
    for d in obj.dims:
        if d in obj.coords and np.issubdtype(obj.coords[d].dtype, np.datetime64):
            return d
    for d in ("day", "time", "minute", "date"):
        if d in obj.dims:
            return d
    return None


def national(ds: xr.Dataset, var: str, keep=()) -> xr.DataArray:
    """var summed over every dimension but time (and those in keep)."""
    da = ds[var]
    t = time_dim(da)
    drop = [d for d in da.dims if d != t and d not in keep]
    out = da.sum(drop) if drop else da
    out.attrs = dict(da.attrs)
    return out


def total(ds: xr.Dataset, var: str) -> float:
    """var summed over everything."""
    return float(ds[var].sum())


def meters_installed(ro: xr.Dataset) -> Optional[xr.DataArray]:
    """Meters installed per day (electricity + gas), with the series' own dims."""
    parts = [v for v in ("installs_elec", "installs_gas") if v in ro]
    if parts:
        out = sum(ro[v] for v in parts)
    else:
        v = pick(ro, "installs", "meters_installed")
        if v is None:
            return None
        out = ro[v]
    out = out.rename("meters_installed")
    out.attrs = {"units": "meters", "long_name": "meters installed (electricity + gas)"}
    return out


def cumulative_installs(run: Run, by: Optional[str] = None) -> Optional[xr.DataArray]:
    """Cumulative meters installed over time, national or per region/supplier."""
    m = meters_installed(run.rollout)
    if m is None:
        return None
    t = time_dim(m)
    drop = [d for d in m.dims if d != t and d != by]
    out = (m.sum(drop) if drop else m).cumsum(t)
    out.attrs = {"units": "meters", "long_name": "cumulative meters installed"}
    return out


# Household states with smart meters installed, in any mode (the labels of
# /rollout/state that are not old meters).
SMART_METER_STATES = ("smets1", "traditional", "partial", "smart")


def _smart_states(states) -> list:
    """Labels of households_by_state that count as smart (DCC-commissioned,
    not in traditional mode)."""
    labels = [str(s) for s in states]
    exact = [s for s in labels if s in ("smart", "smart_dcc", "commissioned", "smart_commissioned")]
    if exact:
        return exact
    return [s for s in labels if "smart" in s and not any(w in s for w in ("trad", "not", "pend"))]


def smart_households(run: Run, by: Optional[str] = None, states=None) -> Optional[xr.DataArray]:
    """Households smart (commissioned, DCC mode) at the end of each day,
    national or per `by` (a dimension of households_by_state, e.g. region).
    `states` overrides which household states count (e.g. SMART_METER_STATES
    for every household with smart meters, in any mode)."""
    ro = run.rollout
    if ro is not None and "households_by_state" in ro and "state" in ro.dims:
        hbs = ro["households_by_state"]
        labels = [str(x) for x in hbs["state"].values]
        smart = [x for x in states if x in labels] if states is not None else _smart_states(labels)
        if smart and (by is None or by in hbs.dims):
            da = hbs.sel(state=smart).sum("state")
            t = time_dim(da)
            drop = [d for d in da.dims if d != t and d != by]
            return da.sum(drop) if drop else da
    if states is not None:
        return None
    # No state table: count net commissioning events (only when `by` is one of the series' dims).
    v = pick(ro, "smart_commissioned")
    if v is None or (by is not None and by not in ro[v].dims):
        return None
    da = ro[v]
    for extra in ("remote_commissions", "migrations"):
        if extra in ro and ro[extra].dims == da.dims:
            da = da + ro[extra]
    t = time_dim(da)
    drop = [d for d in da.dims if d != t and d != by]
    return (da.sum(drop) if drop else da).cumsum(t)


def _population(run: Run, by: Optional[str]):
    ro = run.rollout
    if ro is not None and "households_by_state" in ro:
        hbs = ro["households_by_state"]
        if by is None or by in hbs.dims:
            t = time_dim(hbs)
            drop = [d for d in hbs.dims if d != t and d != by]
            return hbs.sum(drop)
    if by is None and run.households:
        return run.households
    return None


def smart_share(run: Run, by: Optional[str] = None, states=None) -> Optional[xr.DataArray]:
    """Fraction of households smart, per day (national or per `by`); see
    smart_households for `states`."""
    smart = smart_households(run, by, states)
    pop = _population(run, by)
    if smart is None or pop is None:
        return None
    share = smart / xr.where(pop > 0, pop, np.nan) if isinstance(pop, xr.DataArray) else smart / pop
    share = share.rename("smart_share")
    share.attrs = {"units": "1", "long_name": "share of households smart (DCC-commissioned)"}
    return share


def supplier_smart(run: Run):
    """(DataArray, is_share): per supplier, the share of its households that
    are smart if the file gives the supplier's population, else the
    cumulative count of smart commissionings."""
    share = smart_share(run, "supplier")
    if share is not None:
        return share, True
    da = smart_households(run, "supplier")
    return da, False


def date_reaching(series: Optional[xr.DataArray], fraction: float):
    """First date at which a 1-D time series reaches `fraction` (NaT-free:
    None if never).  For a series with another dimension, a dict label ->
    date."""
    if series is None:
        return None
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


def causes_total(ro: xr.Dataset) -> Optional[xr.DataArray]:
    """Visit outcomes that did not end in an install, summed over the run, by cause."""
    v = pick(ro, "outcomes", "aborts", "failed_visits")
    if v is None or "cause" not in ro[v].dims:
        return None
    da = ro[v]
    return da.sum([d for d in da.dims if d != "cause"])


def sla_targets(run: Run) -> dict:
    """SLA target response time per service, in seconds: from a variable of
    /dcc or /dcc/detail if the file has one (sla_target*, dimension
    service), else from the `target_s` keys of the effective scenario text
    (dcc.services.NAME.target_s)."""
    for ds in (run.dcc_detail, run.dcc):
        v = pick(ds, "sla_target", "sla_target_s", "target_s", "target_response_s")
        if v is not None and "service" in ds[v].dims:
            da = ds[v]
            return {str(k): float(x) for k, x in zip(da["service"].values, np.ravel(da.values))}
    text = str(run.attrs.get("scenario_effective") or "")
    i = text.find("services = {")
    if i < 0:
        return {}
    out = _targets_from_text(text[i:])
    # The file labels services by description ("09.04 scheduled read (daily
    # data)"), the scenario by key (read_daily); both list them in the
    # simulator's order, so when the counts agree the position maps them.
    labels = []
    for ds in (run.dcc, run.dcc_detail):
        if ds is not None and "service" in ds.coords:
            labels = [str(x) for x in ds["service"].values]
            break
    if labels and not set(labels) & set(out) and len(labels) == len(out):
        out = dict(zip(labels, out.values()))
    return out


def _targets_from_text(text):
    out, name, depth = {}, None, 0
    for line in text.splitlines()[1:]:
        line = line.split("#", 1)[0].strip()
        if line.endswith("= {"):
            depth += 1
            name = line.split("=", 1)[0].strip() if depth == 1 else name
        elif line.startswith("}"):
            if depth == 0:
                break   # the end of the services block
            depth -= 1
        elif depth == 1 and name and line.startswith("target_s"):
            try:
                out[name] = float(line.split("=", 1)[1].strip().rstrip(";"))
            except ValueError:
                pass
    return out


def dcc_daily_totals(dcc: xr.Dataset) -> dict:
    """Requests and failures over the run the way the C side totals them
    (ordinary days carry expected, fractional counts: the whole run is
    summed in double precision and rounded once), and the largest
    one-minute load of any day."""
    out = {}
    for label, names in (("requests", ("requests",)), ("failures", ("failures",))):
        v = pick(dcc, *names)
        if v is not None:
            da = dcc[v]
            out[label] = int(np.rint(math.fsum(np.asarray(da.values, dtype=np.float64).ravel())))
    v = pick(dcc, "peak_minute_load_total", "peak_minute_load")
    if v is not None:
        da = dcc[v]
        if v == "peak_minute_load" and "region" in da.dims:
            da = da.sum("region")   # an upper bound: regions may peak in different minutes
        out["peak_minute_load"] = float(da.max())
    return out


def _fmt_date(d):
    if d is None:
        return "not reached"
    return str(np.datetime_as_string(np.datetime64(d, "D")))


def key_totals(run: Run) -> dict:
    """The headline numbers of a run, label -> value (numbers or strings),
    in the order a report shows them."""
    ro, out = run.rollout, {}
    if run.households is not None:
        out["households"] = run.households
    share = smart_share(run)
    if share is not None:
        for frac in (0.5, 0.8):
            out[f"date {int(frac * 100)} % smart"] = _fmt_date(date_reaching(share, frac))
        out["smart share at end"] = round(float(share.values[-1]), 4) if share.size else None
    anym = smart_share(run, states=SMART_METER_STATES)
    if anym is not None and anym.size:
        out["share with smart meters (any mode) at end"] = round(float(anym.values[-1]), 4)
    for label, names in (("contacts", ("contacts",)), ("visits", ("visits",)),
                         ("installs (electricity)", ("installs_elec",)),
                         ("installs (gas)", ("installs_gas",)),
                         ("commissioned smart", ("smart_commissioned",)),
                         ("left in traditional mode", ("traditional_mode",)),
                         ("revisits", ("revisits",)),
                         ("remote commissions", ("remote_commissions",)),
                         ("migrations", ("migrations",))):
        v = pick(ro, *names)
        if v is not None:
            out[label] = int(total(ro, v))
    m = meters_installed(ro) if ro is not None else None
    if m is not None:
        out["meters installed"] = int(m.sum())
    c = causes_total(ro) if ro is not None else None
    if c is not None:
        out["visits not ending in an install"] = int(c.sum())
        for k, v in zip(c["cause"].values, c.values):
            out[f"  aborted: {k}"] = int(v)
    dcc = run.dcc
    if dcc is not None:
        t = dcc_daily_totals(dcc)
        for k, label in (("requests", "DCC requests"), ("failures", "DCC failures (1.75 notices)"),
                         ("peak_minute_load", "DCC peak minute load")):
            if k in t:
                out[label] = t[k]
        v = pick(dcc, "fleet_hubs", "fleet")
        if v is not None:
            da = dcc[v]
            out["DCC fleet (hubs) at end"] = int(da.isel({time_dim(da): -1}).sum())
        v = pick(dcc, "sla_breaches")
        if v is not None:
            out["SLA breaches (detail days)"] = int(np.nansum(dcc[v].values))
    return out
