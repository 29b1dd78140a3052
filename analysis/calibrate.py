"""
analysis.calibrate — fit a scenario's uncertain inputs to the published record.

    /usr/bin/python3 -m analysis.calibrate SCENARIO.cfg --targets FILE --params PARAMS.cfg -o DIR
        [--households N] [--replications R] [--seed S] [--max-evals N] [--jobs J]
        [--fit-until YYYY-MM-DD] [--smsim build/smsim]

It runs smsim (as a program, one thread per process, `--jobs` processes at a
time) at a reduced population, each parameter set with R replications whose
seeds are the same for every parameter set (common random numbers: the
loss is then a deterministic function of the parameters, and differences
between parameter sets are not swamped by run-to-run noise), and minimises

    loss(theta) = sum_i w_i ((mean_r sim_i(theta, r) - obs_i) / (sigma_i obs_i))^2

over the rows of the targets file with use = target (and, with --fit-until,
period ending on or before that date); sigma_i is the row's stated relative
uncertainty; w_i = 1.  The optimiser is SciPy's bounded Nelder-Mead
(scipy.optimize.minimize, method="Nelder-Mead", bounds) in a unit cube (log
scale for "+log" parameters): derivative-free, so it tolerates the small
steps that integer event counts leave in the loss even under common random
numbers; it needs far fewer evaluations than differential evolution (a
population of 15 x d per generation), which would not fit the time budget
at 1 M households; the initial simplex and the Jacobian points are
independent, so they run in parallel.

Uncertainty of each fitted parameter: the Gauss-Newton (Laplace)
approximation of the profile likelihood at the optimum.  The loss is
-2 log L for Gaussian target errors, so with J the Jacobian of the
normalised residuals (one-sided finite differences, d more evaluations)
Cov = (J'J)^-1 (published uncertainty) + (J'J)^-1 J' S J (J'J)^-1, S the
covariance of the replication-mean residuals estimated from the spread
of the R replications (simulation noise).  A full profile would cost about
10 x d more evaluations; the linear approximation is adequate when the
loss is locally quadratic, which the report checks by listing the loss
at the Jacobian points.  A parameter at a bound is reported as such.

Reproducible: same scenario, targets, parameters, options and seed give the
same runs, so the same fitted values.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from . import cfgtext, targets as T

__all__ = ["Param", "read_params", "overrides", "effective_scenario", "Calibration", "main", "XATOL"]

XATOL = 0.01     # Nelder-Mead stops when the simplex is this small in the unit cube (1 % of each range)


@dataclass
class Param:
    name: str
    how: str            # set | mul
    log: bool
    lower: float
    upper: float
    start: float
    keys: list
    meaning: str

    def to_unit(self, v):
        if self.log:
            return (math.log(v) - math.log(self.lower)) / (math.log(self.upper) - math.log(self.lower))
        return (v - self.lower) / (self.upper - self.lower)

    def from_unit(self, u):
        u = min(1.0, max(0.0, float(u)))
        if self.log:
            return math.exp(math.log(self.lower) + u * (math.log(self.upper) - math.log(self.lower)))
        return self.lower + u * (self.upper - self.lower)


def read_params(path) -> list[Param]:
    """The parameters file: `name how lower upper start key[,key] | meaning`, # comments."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            body = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
            body, _, meaning = body.partition("|")
            fields = body.split()
            if not fields:
                continue
            if len(fields) != 6:
                raise ValueError(f"{path}:{n}: expected `name how lower upper start keys | meaning`, got {line.strip()!r}")
            name, how, lo, hi, start, keys = fields
            base, _, mod = how.partition("+")
            if base not in ("set", "mul") or mod not in ("", "log"):
                raise ValueError(f"{path}:{n}: {name}: how {how!r}; allowed: set, mul, set+log, mul+log")
            p = Param(name, base, mod == "log", float(lo), float(hi), float(start), keys.split(","), meaning.strip())
            if not p.lower < p.upper or not p.lower <= p.start <= p.upper or (p.log and p.lower <= 0):
                raise ValueError(f"{path}:{n}: {name}: need lower < upper, lower <= start <= upper (> 0 for +log)")
            out.append(p)
    if not out:
        raise ValueError(f"{path}: no parameters")
    return out


def _fmt_number(v, like):
    if isinstance(like, int):
        return int(round(v))
    return float(v)


def overrides(params, values, eff) -> list[str]:
    """`--set` arguments for one parameter set (eff: the parsed effective base scenario).

    A key naming one element of an array (`ramp_levels.[0]`) rewrites the whole array (what --set takes),
    with every parameter's edits to that array applied together."""
    out, arrays = {}, {}
    for p, v in zip(params, values):
        for key in p.keys:
            for k in cfgtext.expand_key(eff, key):
                head, _, last = k.rpartition(".")
                if last.startswith("["):
                    arr = arrays.setdefault(head, list(cfgtext.get(eff, head)))
                    i = int(last[1:-1])
                    arr[i] = _fmt_number(arr[i] * v if p.how == "mul" else v, arr[i])
                    out[head] = arr
                    continue
                base = cfgtext.get(eff, k)
                if p.how == "mul":
                    new = [_fmt_number(b * v, b) for b in base] if isinstance(base, list) else _fmt_number(base * v, base)
                else:
                    new = _fmt_number(v, base)
                out[k] = new
    return [f"{k}={cfgtext.format_value(v)}" for k, v in out.items()]


def run_smsim(smsim, scenario, sets, out):
    """One smsim run on one thread; RuntimeError with its message if it fails."""
    cmd = [smsim, "run", scenario, "-o", out, "--threads", "1", "--quiet"]
    for s in sets:
        cmd += ["--set", s]
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="passive")
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"smsim failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr.strip()}")


def effective_scenario(smsim, scenario, tmpdir, extra_sets=()) -> str:
    """The scenario with every default filled in (smsim's `scenario_effective` of a one-day, tiny run).

    The one-day run has no request-level days (dates outside a run are an error); the calibration's
    runs set `dcc.detail.dates=[]` too."""
    import h5py
    start = cfgtext.parse(open(scenario, encoding="utf-8").read())["run"]["start"]
    out = os.path.join(tmpdir, f"effective-{os.getpid()}.h5")
    run_smsim(smsim, scenario, ["run.households=16", f'run.end="{start}"', "dcc.detail.dates=[]", *extra_sets], out)
    with h5py.File(out, "r") as f:
        text = f.attrs["scenario_effective"]
    os.unlink(out)
    return text.decode() if isinstance(text, bytes) else text


@dataclass
class Calibration:
    scenario: str
    rows: list                  # every target row (read_targets)
    params: list
    households: int = 1_000_000
    replications: int = 3
    seed: int = 1
    jobs: int = 0
    smsim: str = "build/smsim"
    fit_until: str | None = None
    workdir: str | None = None
    extra_sets: list = field(default_factory=list)
    verbose: bool = False
    runs: int = 0
    history: list = field(default_factory=list)

    def __post_init__(self):
        self.jobs = self.jobs or os.cpu_count() or 1
        self.fit = [t for t in self.rows if t.use == "target" and T.computable(t) and
                    (self.fit_until is None or t.end <= np.datetime64(self.fit_until))]
        if not self.fit:
            raise ValueError("no target rows to fit")
        scored = [t for t in self.rows if T.computable(t)]
        self.end = str(max(t.end for t in scored))
        self.start = str(min(t.start for t in scored))
        self._tmp = tempfile.TemporaryDirectory(prefix="smsim-cal-", dir=self.workdir)
        # one copy of the scenario for the whole calibration: editing (or checking out) the file while
        # it runs cannot change or break it
        text = open(self.scenario, encoding="utf-8").read()
        self._run_group = cfgtext.parse(text)["run"]
        self.scenario_copy = os.path.join(self._tmp.name, os.path.basename(self.scenario))
        with open(self.scenario_copy, "w", encoding="utf-8") as f:
            f.write(text)
        import shutil                 # and of the simulator: a rebuild during the calibration cannot mix binaries
        self.smsim = shutil.copy2(self.smsim, os.path.join(self._tmp.name, "smsim"))
        self.eff = cfgtext.parse(effective_scenario(self.smsim, self.scenario_copy, self._tmp.name, self.extra_sets))
        self._cache = {}

    # ---- running smsim ---------------------------------------------------------------------------
    @property
    def shards(self) -> int:
        """Shards at the reduced population: as many households per shard as the full scenario has.

        A shard is a mini-GB with its own installer plan per (supplier, region); keeping its size keeps
        the installer granularity, and with it the shares (scenarios/README.md, "Calibration")."""
        run = self._run_group
        return max(1, round(self.households * run.get("shards", 64) / run["households"]))

    def _base_sets(self):
        return [f"run.households={self.households}", f"run.shards={self.shards}", f'run.end="{self.end}"',
                "dcc.detail.dates=[]", *self.extra_sets]

    def _smsim(self, sets, out):
        run_smsim(self.smsim, self.scenario_copy, sets, out)

    def sets_for(self, values):
        return overrides(self.params, values, self.eff)

    def _one(self, values, rep):
        out = os.path.join(self._tmp.name, f"r{os.getpid()}-{abs(hash((tuple(values), rep)))}.h5")
        self._smsim(self._base_sets() + [f"run.seed={self.seed + rep}"] + self.sets_for(values), out)
        try:
            o = T.load_output(out)
        finally:
            os.unlink(out)
        return T.simulate(o, self.rows)

    def evaluate_many(self, thetas):
        """Simulated rows (R x rows) for each parameter set in thetas (natural units), cached."""
        keys = [tuple(round(float(v), 12) for v in th) for th in thetas]
        todo = sorted({k for k in keys if k not in self._cache})
        jobs = [(k, r) for k in todo for r in range(self.replications)]
        if jobs:
            with ThreadPoolExecutor(self.jobs) as ex:
                res = list(ex.map(lambda kr: self._one(kr[0], kr[1]), jobs))
            self.runs += len(jobs)
            for i, k in enumerate(todo):
                self._cache[k] = np.array(res[i * self.replications:(i + 1) * self.replications])
        return [self._cache[k] for k in keys]

    # ---- the loss ---------------------------------------------------------------------------------
    def _fit_index(self):
        return [self.rows.index(t) for t in self.fit]

    def residuals(self, sims):
        """Normalised residuals of the fitted rows from replication-mean simulations (rows,)."""
        idx = self._fit_index()
        obs = np.array([t.value for t in self.fit])
        sig = np.array([t.sigma_rel for t in self.fit]) * np.abs(obs)
        return (sims.mean(axis=0)[idx] - obs) / sig

    def loss_of(self, sims):
        r = self.residuals(sims)
        return float(np.sum(np.where(np.isfinite(r), r, 1e3) ** 2))

    def theta(self, u):
        return [p.from_unit(x) for p, x in zip(self.params, u)]

    def _objective(self, u):
        th = self.theta(u)
        loss = self.loss_of(self.evaluate_many([th])[0])
        self.history.append({"theta": th, "loss": loss})
        if self.verbose:
            print(f"calibrate: evaluation {len(self.history)}, {self.runs} runs, loss {loss:.2f}, "
                  + ", ".join(f"{p.name}={v:.4g}" for p, v in zip(self.params, th)), file=sys.stderr, flush=True)
        return loss

    # ---- fitting ----------------------------------------------------------------------------------
    def run(self, max_evals=120, step=0.15):
        from scipy.optimize import minimize
        d = len(self.params)
        u0 = np.array([p.to_unit(p.start) for p in self.params])
        simplex = [u0] + [u0 + step * (1 if u0[i] + step <= 1 else -1) * np.eye(d)[i] for i in range(d)]
        self.evaluate_many([self.theta(u) for u in simplex])          # in parallel, then cached
        res = minimize(self._objective, u0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * d,
                       options={"initial_simplex": np.array(simplex), "maxfev": max_evals,
                                "xatol": XATOL, "fatol": 0.05})
        u = np.clip(res.x, 0, 1)
        best = self.theta(u)
        sims = self.evaluate_many([best])[0]
        cov, jac_losses = self.uncertainty(u, sims)
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        return {
            "values": dict(zip([p.name for p in self.params], best)),
            "sd": {p.name: _natural_sd(p, u[i], sd[i]) for i, p in enumerate(self.params)},
            "at_bound": {p.name: bool(u[i] < 1e-3 or u[i] > 1 - 1e-3) for i, p in enumerate(self.params)},
            "loss": self.loss_of(sims), "optimizer": {"message": str(res.message), "nfev": int(res.nfev)},
            "jacobian_losses": jac_losses, "sims": sims, "sets": self.sets_for(best),
        }

    def uncertainty(self, u, sims, h=0.04):
        """Gauss-Newton covariance in unit space (published + simulation noise); see the module doc."""
        d = len(u)
        pts = []
        for i in range(d):
            v = u.copy()
            v[i] += h if u[i] + h <= 1 else -h
            pts.append(v)
        sim_pts = self.evaluate_many([self.theta(v) for v in pts])
        r0 = self.residuals(sims)
        ok = np.isfinite(r0)
        J = np.empty((ok.sum(), d))
        for i, (v, s) in enumerate(zip(pts, sim_pts)):
            J[:, i] = (self.residuals(s)[ok] - r0[ok]) / (v[i] - u[i])
        JtJ_inv = np.linalg.pinv(J.T @ J)
        flat = np.linalg.norm(J, axis=0) < 1e-9        # the targets do not move with this parameter
        JtJ_inv[flat, :] = JtJ_inv[:, flat] = 0.0
        idx = np.array(self._fit_index())[ok]
        obs = np.array([t.value for t in self.fit])[ok]
        sig = np.array([t.sigma_rel for t in self.fit])[ok] * np.abs(obs)
        per_rep = (sims[:, idx] - obs) / sig
        R = sims.shape[0]
        S = np.cov(per_rep, rowvar=False) / R if R > 1 else np.zeros((len(idx), len(idx)))
        cov = JtJ_inv + JtJ_inv @ J.T @ np.atleast_2d(S) @ J @ JtJ_inv
        cov[flat, flat] = np.inf                        # not identified: reported as an infinite sd
        return cov, [self.loss_of(s) for s in sim_pts]


def _natural_sd(p: Param, u: float, sd_u: float) -> float:
    """sd in the parameter's own units (delta method through the unit/log map)."""
    if not np.isfinite(sd_u):
        return float("inf")
    lo, hi = p.from_unit(max(0.0, u - sd_u)), p.from_unit(min(1.0, u + sd_u))
    return (hi - lo) / 2 if sd_u > 0 else 0.0


# ---- the command ----------------------------------------------------------------------------------

def write_outputs(cal: Calibration, fit: dict, outdir: str, wall: float, argv) -> None:
    os.makedirs(outdir, exist_ok=True)
    mean = fit["sims"].mean(axis=0)
    spread = fit["sims"].std(axis=0, ddof=1) if fit["sims"].shape[0] > 1 else np.zeros_like(mean)
    table = []
    for t, m, s in zip(cal.rows, mean, spread):
        if T.computable(t):
            table.append({"id": t.id, "quantity": t.quantity, "end": str(t.end), "use": t.use,
                          "fitted": t in cal.fit, "published": t.value, "simulated": float(m),
                          "spread": float(s), "error": float(m / t.value - 1)})
    summary = {
        "command": " ".join(argv), "scenario": cal.scenario, "households": cal.households,
        "replications": cal.replications, "seed": cal.seed, "fit_until": cal.fit_until,
        "simulator_runs": cal.runs, "wall_time_s": round(wall, 1), "jobs": cal.jobs,
        "values": fit["values"], "sd": fit["sd"], "at_bound": fit["at_bound"], "loss": fit["loss"],
        "optimizer": fit["optimizer"], "jacobian_losses": fit["jacobian_losses"],
        "sets": fit["sets"], "targets": table,
        "params": [{"name": p.name, "how": p.how + ("+log" if p.log else ""), "lower": p.lower, "upper": p.upper,
                    "start": p.start, "keys": p.keys, "meaning": p.meaning} for p in cal.params],
        "history": cal.history,
    }
    with open(os.path.join(outdir, "calibration.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(outdir, "sets.txt"), "w") as f:
        f.write("".join(f"--set {s}\n" for s in fit["sets"]))
    with open(os.path.join(outdir, "summary.txt"), "w") as f:
        f.write(summary_text(summary))


def summary_text(s: dict) -> str:
    lines = [f"calibration of {s['scenario']}: {s['households']} households, {s['replications']} replications, "
             f"seed {s['seed']}, fit until {s['fit_until'] or 'all targets'}",
             f"{s['simulator_runs']} simulator runs, {s['wall_time_s']} s wall on {s['jobs']} processes; "
             f"loss {s['loss']:.2f}; optimiser: {s['optimizer']['message']} ({s['optimizer']['nfev']} evaluations)",
             "", f"{'parameter':24s} {'value':>12s} {'sd':>12s}"]
    for p in s["params"]:
        n = p["name"]
        flag = "  (at a bound)" if s["at_bound"][n] else ""
        flag += "  (not identified by the fitted targets)" if not math.isfinite(s["sd"][n]) else ""
        lines.append(f"{n:24s} {s['values'][n]:12.5g} {s['sd'][n]:12.3g}{flag}")
    lines += ["", f"{'target':14s} {'use':6s} {'published':>12s} {'simulated':>12s} {'error':>8s}"]
    for t in s["targets"]:
        lines.append(f"{t['id']:14s} {('fit' if t['fitted'] else t['use'])[:6]:6s} {t['published']:12.4g} "
                     f"{t['simulated']:12.4g} {100 * t['error']:+7.1f}%")
    return "\n".join(lines) + "\n"


def with_starts(params, starts) -> list:
    """params with the start values of `starts` ("NAME=VALUE" each) replaced; ValueError on a bad one."""
    by_name = {p.name: p for p in params}
    for item in starts:
        name, eq, text = item.partition("=")
        if not eq or name not in by_name:
            raise ValueError(f"--start {item}: expected NAME=VALUE with NAME one of {', '.join(by_name)}")
        p = by_name[name]
        try:
            v = float(text)
        except ValueError:
            raise ValueError(f"--start {item}: {text!r} is not a number") from None
        if not p.lower <= v <= p.upper:
            raise ValueError(f"--start {item}: outside the bounds [{p.lower:g}, {p.upper:g}]")
        by_name[name] = dataclasses.replace(p, start=v)
    return [by_name[p.name] for p in params]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m analysis.calibrate", description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--targets", required=True)
    ap.add_argument("--params", required=True)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-evals", type=int, default=120)
    ap.add_argument("--step", type=float, default=0.15, help="initial simplex size, share of each range")
    ap.add_argument("--jobs", type=int, default=0, help="parallel smsim processes (default: all cores)")
    ap.add_argument("--fit-until", default=None, help="fit only targets ending on or before this date")
    ap.add_argument("--start", action="append", default=[], metavar="NAME=VALUE",
                    help="start the fit from VALUE for parameter NAME instead of the params file's start "
                         "(repeatable; a hold-out fit starts from values that saw none of the held-out targets)")
    ap.add_argument("--smsim", default=os.environ.get("SMSIM", "build/smsim"))
    args = ap.parse_args(argv)
    try:
        rows = T.read_targets(args.targets)
        params = with_starts(read_params(args.params), args.start)
        if not os.access(args.smsim, os.X_OK):
            raise ValueError(f"{args.smsim}: not an executable (build it with make, or pass --smsim)")
    except (OSError, ValueError) as e:
        print(f"calibrate: {e}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    cal = Calibration(args.scenario, rows, params, households=args.households, replications=args.replications,
                      seed=args.seed, jobs=args.jobs, smsim=args.smsim, fit_until=args.fit_until,
                      verbose=True)
    fit = cal.run(max_evals=args.max_evals, step=args.step)
    write_outputs(cal, fit, args.out, time.monotonic() - t0, [sys.argv[0]] + (argv or sys.argv[1:]))
    print(open(os.path.join(args.out, "summary.txt")).read(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
