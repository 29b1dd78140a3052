"""
analysis.experiment — an smsim experiment (replications and variants) as
one dataset, and its statistics.

    from analysis.experiment import open_experiment, interval, paired_difference, summary
    exp = open_experiment("results/small.h5")       # the manifest `smsim run` wrote
    exp.rollout                  # xarray.Dataset, dims (variant, replicate, day, ...)
    exp.design                   # pandas DataFrame: one row per variant, one column per key
    interval(exp.dcc["peak_minute_load_total"])    # mean and 95 % Student-t interval
    paired_difference(exp.rollout["visits"])       # each variant minus variant 0, paired by replicate
    summary(exp)                 # key results per variant with intervals

The manifest (OUT.h5) holds the design table (/design), the seeds, each run's
status and an HDF5 external link per complete run (/runs/vVVV_rRRR); the runs
are ordinary smsim output files in OUT-runs/.  Every group of every run is
read with analysis.load and stacked along `variant` and `replicate`; the
swept keys become coordinates on `variant` (numbers where every value is one).

Intervals: over R replications of a quantity X (one value per replicate),
mean ± t(1 - (1-level)/2, R-1) · s / √R, s the sample standard deviation.
Paired: the same on D_r = X(v, r) - X(0, r), replicate by replicate: under
common random numbers both runs of a pair share their random streams, so D
varies far less than either X, and the interval is correspondingly tighter.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd
import xarray as xr

from . import load

__all__ = ["Experiment", "open_experiment", "is_experiment", "interval", "paired_difference",
           "run_metrics", "summary", "summary_differences", "ExperimentError"]


class ExperimentError(load.RunError):
    """Not an experiment manifest, or one whose runs cannot be read."""


def _pick(ds, *names):
    """The first of names that is a variable of ds (None if ds is None or none is)."""
    if ds is None:
        return None
    return next((n for n in names if n in ds.variables), None)


def _time_dim(obj):
    """The time dimension of a series: day, detail_day or minute."""
    return next((d for d in ("day", "detail_day", "time", "minute") if d in obj.dims), None)


@dataclass
class Experiment:
    """One experiment: root attributes, the design table and, per group, a
    Dataset with `variant` and `replicate` dimensions."""
    path: str
    attrs: dict
    design: pd.DataFrame
    seeds: xr.DataArray
    status: xr.DataArray
    run_files: list                      # [variant][replicate] -> path or None
    groups: dict = field(default_factory=dict)

    @property
    def rollout(self) -> Optional[xr.Dataset]:
        return self.groups.get("rollout")

    @property
    def dcc(self) -> Optional[xr.Dataset]:
        return self.groups.get("dcc")

    @property
    def dcc_detail(self) -> Optional[xr.Dataset]:
        return self.groups.get("dcc/detail")

    @property
    def variants(self) -> int:
        return len(self.design)

    @property
    def replications(self) -> int:
        return int(self.attrs.get("replications", 1))

    def variant_label(self, v: int) -> str:
        row = self.design.iloc[v]
        if not len(row):
            return f"variant {v}"
        return ", ".join(f"{k}={row[k]}" for k in self.design.columns)

    def run(self, v: int, r: int) -> load.Run:
        """One run of the experiment, opened as analysis.load does."""
        return load.open_run(self.run_files[v][r])

    def __repr__(self):
        return (f"<smsim Experiment {self.path}: {self.variants} variants x {self.replications} "
                f"replications, keys {list(self.design.columns)}, groups {list(self.groups)}>")


def is_experiment(path) -> bool:
    """True when path is an experiment manifest (root title 'smsim experiment')."""
    import h5py
    try:
        with h5py.File(path, "r") as f:
            return load._decode(f.attrs.get("title", "")) == "smsim experiment"
    except OSError:
        return False


def _column(values):
    """Design values (text as written) -> numbers when every one is a number."""
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        return np.array([str(v).strip('"') for v in values], dtype=object)


def _read_manifest(path):
    import h5py
    with h5py.File(path, "r") as f:
        if load._decode(f.attrs.get("title", "")) != "smsim experiment":
            raise ExperimentError(f"{path}: not an smsim experiment manifest (no title "
                                  f"'smsim experiment'); open a single run with analysis.open_run")
        attrs = {k: load._decode(v) for k, v in f.attrs.items()}
        g = f["design"]
        keys = [k for k in str(attrs.get("keys", "")).split("\n") if k]
        design = pd.DataFrame({k: _column([load._decode(x) for x in g[k][()]]) for k in keys},
                              index=pd.Index(g["variant"][()], name="variant"))
        seeds = np.asarray(g["seed"][()], dtype=np.int64)
        status = np.array([[load._decode(x) for x in row] for row in g["status"][()]], dtype=object)
        names = [[load._decode(x) for x in row] for row in g["run_file"][()]]
        base = os.path.dirname(os.path.abspath(path))
        folder = os.path.join(base, str(attrs.get("runs_folder", "")))
        links = f["runs"] if "runs" in f else {}
        files = []
        for v, row in enumerate(names):
            out = []
            for r, name in enumerate(row):
                link = links.get(f"v{v:03d}_r{r:03d}", getlink=True) if len(links) else None
                target = link.filename if isinstance(link, h5py.ExternalLink) else None
                p = os.path.join(base, target) if target else os.path.join(folder, name)
                out.append(p if status[v][r] == "complete" else None)
            files.append(out)
    return attrs, design, seeds, status, files


def open_experiment(path, groups=None, require_complete=True) -> Experiment:
    """Open an experiment manifest.  groups: the run groups to load (default
    every group of the first run: "rollout", "dcc", "dcc/detail").  With
    require_complete, a manifest whose runs are not all complete raises
    ExperimentError; otherwise missing runs are NaN."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ExperimentError(f"{path}: no such file")
    try:
        attrs, design, seeds, status, files = _read_manifest(path)
    except OSError as e:
        raise ExperimentError(f"{path}: not a readable HDF5 file ({e})") from None
    missing = [(v, r) for v, row in enumerate(files) for r, p in enumerate(row) if p is None]
    if require_complete and missing:
        v, r = missing[0]
        raise ExperimentError(f"{path}: {len(missing)} runs are not complete (first: variant {v}, "
                              f"replicate {r}, status {status[v][r]}); rerun the experiment's command "
                              f"to finish them, or pass require_complete=False")
    nv, nr = seeds.shape
    exp = Experiment(path=path, attrs=attrs, design=design,
                     seeds=xr.DataArray(seeds, dims=("variant", "replicate")),
                     status=xr.DataArray(status, dims=("variant", "replicate")), run_files=files)
    present = [p for row in files for p in row if p]
    if not present:
        return exp
    if groups is None:
        groups = load.list_groups(present[0])
    for g in groups:
        exp.groups[g] = _stack(files, g, design, seeds)
    return exp


def _stack(files, group, design, seeds) -> xr.Dataset:
    """Every run's `group` stacked along variant and replicate.  The first
    run is opened with analysis.load (coordinates, decoded dates, labels);
    the others' data variables are read straight from HDF5 into one array
    per variable when their shapes match the first run's (the usual case:
    one scenario calendar), else each run is opened fully and aligned
    (outer join, NaN where a run has no value)."""
    import h5py
    nv, nr = seeds.shape
    first = next(p for row in files for p in row if p)
    like = load.open_group(first, group)
    names = [v for v in like.data_vars if like[v].dtype.kind in "iufb"]
    complete = all(p for row in files for p in row)
    arrays = {v: (np.empty((nv, nr) + like[v].shape, like[v].dtype) if complete else
                  np.full((nv, nr) + like[v].shape, np.nan)) for v in names}
    for vi, row in enumerate(files):
        for ri, p in enumerate(row):
            if not p:
                continue
            with h5py.File(p, "r") as f:
                g = f[group]
                for v in names:
                    if v not in g or g[v].shape != like[v].shape:
                        return _stack_aligned(files, group, design, seeds)
                    arrays[v][vi, ri] = g[v][()]
    ds = xr.Dataset({v: (("variant", "replicate") + like[v].dims, arrays[v], like[v].attrs) for v in names},
                    coords=like.coords, attrs=like.attrs)
    return _label(ds, design, seeds)


def _label(ds, design, seeds):
    nv, nr = seeds.shape
    ds = ds.assign_coords(variant=np.arange(nv), replicate=np.arange(nr),
                          seed=(("variant", "replicate"), seeds))
    for k in design.columns:
        ds = ds.assign_coords({k: ("variant", design[k].values)})
    return ds


def _stack_aligned(files, group, design, seeds) -> xr.Dataset:
    rows = [[load.open_group(p, group) if p else None for p in row] for row in files]
    like = next(d for row in rows for d in row if d is not None)
    rows = [[d if d is not None else xr.full_like(like, np.nan) for d in row] for row in rows]
    per_variant = [xr.concat(row, dim="replicate", join="outer", coords="minimal", compat="override")
                   for row in rows]
    ds = xr.concat(per_variant, dim="variant", join="outer", coords="minimal", compat="override")
    return _label(ds, design, seeds)


# --------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------

def _t(level, n):
    from scipy import stats
    return float(stats.t.ppf(0.5 + level / 2.0, n - 1)) if n > 1 else np.nan


def interval(obj, dim="replicate", level=0.95):
    """Mean and Student-t interval over `dim` of a DataArray or of every
    numeric variable of a Dataset: the result gains a leading dimension
    `stat` = (mean, lower, upper, halfwidth) and loses `dim`."""
    if isinstance(obj, xr.Dataset):
        keep = [v for v in obj.data_vars if dim in obj[v].dims and obj[v].dtype.kind in "iufb"]
        return xr.Dataset({v: interval(obj[v], dim, level) for v in keep})
    import warnings
    x = obj.astype(float)
    n = x.count(dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # one replicate: no spread (NaN)
        mean = x.mean(dim)
        sd = x.std(dim, ddof=1)
    t = xr.apply_ufunc(np.vectorize(lambda k: _t(level, int(k))), n) if n.ndim else _t(level, int(n))
    half = t * sd / np.sqrt(n)
    out = xr.concat([mean, mean - half, mean + half, half], dim="stat", coords="minimal",
                    compat="override")
    out = out.assign_coords(stat=["mean", "lower", "upper", "halfwidth"])
    out.attrs = dict(obj.attrs, level=level, replications=int(np.max(np.asarray(n))) if n.size else 0)
    return out.rename(obj.name)


def paired_difference(obj, base=0, dim="replicate", level=0.95):
    """Each variant minus variant `base`, replicate by replicate, then
    `interval` over the replicates: the paired interval of the difference."""
    d = obj - obj.sel(variant=base)
    return interval(d, dim, level)


# --------------------------------------------------------------------------
# Key results per run
# --------------------------------------------------------------------------

def _first_date(share, frac, t):
    """Days since 1970 at which share first reaches frac (NaN if never), per run."""
    hit = share >= frac
    idx = hit.argmax(t)
    days = share[t].values.astype("datetime64[D]").astype(np.int64) if np.issubdtype(
        share[t].dtype, np.datetime64) else np.asarray(share[t].values, dtype=np.int64)
    out = xr.DataArray(days[idx.values].astype(float), dims=idx.dims, coords=idx.coords)
    return out.where(hit.any(t))


def run_metrics(exp: Experiment) -> xr.Dataset:
    """One value per (variant, replicate) of each key result: the dates
    (days since 1970-01-01) of 50 % and 80 % smart, total visits, the peak
    DCC minute and the share of the detail days' responses within their
    target response time."""
    out = {}
    ro, dcc = exp.rollout, exp.dcc
    if ro is not None and "households_by_state" in ro:
        hbs = ro["households_by_state"]
        t = _time_dim(hbs)
        smart = [load.SMART_STATE]
        other = [d for d in hbs.dims if d not in (t, "variant", "replicate", "state")]
        num = hbs.sel(state=smart).sum(["state"] + other)
        den = hbs.sum(["state"] + other)
        share = num / den.where(den > 0)
        for frac in (0.5, 0.8):
            out[f"date_{int(frac * 100)}pct_smart"] = _first_date(share, frac, t)
    if ro is not None and "visits" in ro:
        v = ro["visits"]
        out["visits"] = v.sum([d for d in v.dims if d not in ("variant", "replicate")])
    if dcc is not None:
        v = _pick(dcc, "peak_minute_load_total", "peak_minute_load")
        if v is not None:
            da = dcc[v]
            out["peak_minute_load"] = da.max([d for d in da.dims if d not in ("variant", "replicate")])
        if "sla_breaches" in dcc and "completed" in dcc:
            br = dcc["sla_breaches"]
            t = _time_dim(br)
            det = np.isfinite(br).all([d for d in br.dims if d not in (t, "variant", "replicate")])
            comp = dcc["completed"].where(det)
            nb = br.where(det).sum([d for d in br.dims if d not in ("variant", "replicate")])
            nc = comp.sum([d for d in comp.dims if d not in ("variant", "replicate")])
            out["share_within_target"] = (1.0 - nb / nc.where(nc > 0))
    return xr.Dataset(out)


_LABELS = {"date_50pct_smart": "date 50 % smart", "date_80pct_smart": "date 80 % smart",
           "visits": "total visits", "peak_minute_load": "peak DCC minute (requests)",
           "share_within_target": "share of responses within target (detail days)"}


def _fmt(name, v):
    if not np.isfinite(v):
        return "n/a"
    if name.startswith("date_"):
        return str(np.datetime64(int(round(v)), "D"))
    if name == "share_within_target":
        return f"{v:.5f}"
    return f"{v:,.1f}"


def _table(ci: xr.Dataset, exp: Experiment, what: str) -> pd.DataFrame:
    rows = []
    for v in range(exp.variants):
        for name in ci.data_vars:
            m, lo, hi, h = (float(ci[name].sel(stat=s, variant=v)) for s in
                            ("mean", "lower", "upper", "halfwidth"))
            rows.append({"variant": v, "design": exp.variant_label(v), "result": _LABELS.get(name, name),
                         what: _fmt(name, m) if what == "mean" else (f"{m:+,.2f}" if np.isfinite(m) else "n/a"),
                         "95 % interval": (f"{_fmt(name, lo)} .. {_fmt(name, hi)}" if what == "mean"
                                           else (f"{lo:+,.2f} .. {hi:+,.2f}" if np.isfinite(lo) else "n/a")),
                         "halfwidth": h, "value": m, "lower": lo, "upper": hi})
    return pd.DataFrame(rows)


def summary(exp: Experiment, level=0.95) -> pd.DataFrame:
    """Key results per variant: mean and Student-t interval over replications
    (dates as dates; an interval needs at least two replications)."""
    return _table(interval(run_metrics(exp), "replicate", level), exp, "mean")


def summary_differences(exp: Experiment, base=0, level=0.95) -> pd.DataFrame:
    """Key results of each variant minus those of variant `base`, paired by
    replicate (dates in days)."""
    return _table(paired_difference(run_metrics(exp), base, "replicate", level), exp, "difference")
