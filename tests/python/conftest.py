"""
conftest.py — shared fixtures for the Python tests of the analysis package.

The tests run on the real output of `smsim run scenarios/small.cfg` (binary
from env SMSIM, default build/smsim), produced once per test session.  A
missing binary is a failure with a clear message, never a skip: a green run
without the simulator would prove nothing.

`write_synthetic_run()` builds a small file of the same shape with h5py,
the way the C writer does (HDF5 dimension scales, CF attributes,
variable-length UTF-8 labels).  It is a development aid and a fallback for
the analysis code's tolerance tests (a file lacking some variables), NOT a
substitute for the real run: the `run_small` fixture uses it only when
SMSIM_SYNTHETIC=1 is set explicitly.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SMALL_CFG = REPO / "scenarios" / "small.cfg"


# --------------------------------------------------------------------------
# The real run
# --------------------------------------------------------------------------

class SmallRun:
    """One finished run: the file, what `smsim run` printed, the parsed summary."""

    def __init__(self, path, stdout, argv):
        self.path = Path(path)
        self.stdout = stdout
        self.argv = argv
        self.summary = parse_summary(stdout)


def parse_summary(text):
    """Parse the summary `smsim run` prints on stdout into {name: number}.

    Lines look like `  meters installed   1234` or
    `  visits  900  (12 did not end in an install, 3 revisits)`; the first
    number after the label is the value, the parenthesised ones are stored
    under the words that follow them."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\s+([A-Za-z][A-Za-z ()]*?)\s{2,}(-?[0-9][0-9.]*)(.*)$", line)
        if not m:
            continue
        label = m.group(1).strip().lower().replace(" ", "_").replace("(", "").replace(")", "")
        out[label] = float(m.group(2))
        rest = m.group(3)
        for num, words in re.findall(r"(-?[0-9][0-9.]*)%?\s+([a-z][a-z ]*?)(?=[,;)]|$)", rest):
            key = label + ":" + words.strip().replace(" ", "_")
            out[key] = float(num)
    return out


def _smsim_binary():
    return Path(os.environ.get("SMSIM", str(REPO / "build" / "smsim")))


def run_smsim(exe, cfg, out, *extra):
    # Not --quiet: the summary on stdout is parsed (stderr is no terminal,
    # so no progress line is printed).
    argv = [str(exe), "run", str(cfg), "-o", str(out), *extra]
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr}\n{proc.stdout}",
                    pytrace=False)
    return SmallRun(out, proc.stdout, argv)


@pytest.fixture(scope="session")
def run_small(tmp_path_factory):
    """The real output of scenarios/small.cfg, made once per session."""
    tmp = tmp_path_factory.mktemp("smsim")
    if os.environ.get("SMSIM_SYNTHETIC") == "1":
        path = tmp / "small.h5"
        write_synthetic_run(path)
        return SmallRun(path, synthetic_summary(path), ["synthetic"])
    exe = _checked_binary()
    if not SMALL_CFG.is_file():
        pytest.fail(f"{SMALL_CFG} is missing", pytrace=False)
    # small.cfg has two request-level (detail) days, so /dcc/detail and its
    # figures are tested too.
    return run_smsim(exe, SMALL_CFG, tmp / "small.h5")


@pytest.fixture(scope="session")
def run_small_seed2(tmp_path_factory, run_small):
    """A second run of small.cfg with another seed, for --compare."""
    tmp = tmp_path_factory.mktemp("smsim2")
    if os.environ.get("SMSIM_SYNTHETIC") == "1":
        path = tmp / "small-seed2.h5"
        write_synthetic_run(path, seed=2, install_rate=0.8)
        return SmallRun(path, synthetic_summary(path), ["synthetic"])
    return run_smsim(_checked_binary(), SMALL_CFG, tmp / "small-seed2.h5", "--seed", "2")


def _checked_binary():
    exe = _smsim_binary()
    if not exe.is_absolute():
        exe = REPO / exe
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        pytest.fail(f"smsim binary not found at {exe}: build it with `make` "
                    f"(or point env SMSIM at it); the Python tests need real output",
                    pytrace=False)
    return exe


@pytest.fixture(scope="session")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture(scope="session")
def debian_kernel(tmp_path_factory):
    """A Jupyter kernelspec named smsim-python3 that runs /usr/bin/python3,
    found through JUPYTER_PATH (a user's own python3 kernel may point at
    another interpreter without h5py/xarray)."""
    root = tmp_path_factory.mktemp("jupyter")
    kdir = root / "kernels" / "smsim-python3"
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(
        '{"argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],'
        ' "display_name": "Python 3 (Debian)", "language": "python"}')
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(root) + (os.pathsep + old if old else "")
    yield "smsim-python3"
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


# --------------------------------------------------------------------------
# Synthetic file (development aid; see the module comment)
# --------------------------------------------------------------------------

REGIONS = ["north", "central", "south"]
SUPPLIERS = ["big_a", "big_b", "small_c"]
CAUSES = ["no_access", "refusal", "safety", "wrong_variant", "wan_failure", "han_failure", "other"]
STATES = ["legacy", "engaged", "declined", "smets1", "traditional", "partial", "smart"]
SERVICES = ["read_daily", "on_demand", "failure_notice"]
FAIL_CLASSES = ["E20", "E21", "E30"]
STAGES = ["DSP", "CSP north", "CSP central", "CSP south"]


def _dim_labels(g, name, labels, long_name):
    import h5py
    d = g.create_dataset(name, data=np.array(labels, dtype=object),
                         dtype=h5py.string_dtype("utf-8"))
    d.attrs["long_name"] = long_name
    d.make_scale(name)
    return d


def _dim_values(g, name, values, units, long_name, unlimited=False, dtype="i4"):
    values = np.asarray(values, dtype=dtype)
    kw = dict(maxshape=(None,), chunks=(max(1, min(len(values), 64)),)) if unlimited else {}
    d = g.create_dataset(name, data=values, **kw)
    d.attrs["units"] = units
    d.attrs["long_name"] = long_name
    d.make_scale(name)
    return d


def _var(g, name, data, dims, units, long_name):
    data = np.asarray(data)
    d = g.create_dataset(name, data=data, maxshape=(None,) + data.shape[1:],
                         chunks=(max(1, min(data.shape[0], 32)),) + data.shape[1:])
    d.attrs["units"] = units
    d.attrs["long_name"] = long_name
    for i, dim in enumerate(dims):
        d.dims[i].attach_scale(g[dim])
    return d


def write_synthetic_run(path, seed=1, households=3000, days=200, start="2013-01-01",
                        install_rate=1.0, detail=True, status="complete"):
    """Write a run-shaped HDF5 file (see the module comment)."""
    import h5py
    rng = np.random.default_rng(seed)
    nr, ns, nc = len(REGIONS), len(SUPPLIERS), len(CAUSES)
    pop = rng.multinomial(households, [0.3, 0.4, 0.3])
    legacy = pop.astype(float).copy()
    smart = np.zeros(nr)
    trad = np.zeros(nr)
    series = {k: np.zeros((days, nr, ns)) for k in
              ["contacts", "acceptances", "refusals", "appointments", "visits", "installs_elec",
               "installs_gas", "smart_commissioned", "traditional_mode", "revisits",
               "remote_commissions", "migrations", "installer_utilisation", "backlog",
               "lead_time_p50", "lead_time_p90"]}
    outcomes = np.zeros((days, nr, ns, nc))
    hbs = np.zeros((days, nr, len(STATES)))
    for t in range(days):
        ramp = install_rate * min(1.0, t / 60.0) * 0.02
        for r in range(nr):
            n = min(legacy[r], rng.poisson(ramp * pop[r]))
            per_sup = rng.multinomial(int(n), [0.5, 0.3, 0.2])
            for s in range(ns):
                k = per_sup[s]
                fails = rng.multinomial(rng.binomial(k, 0.1), np.ones(nc) / nc) if k else np.zeros(nc)
                ok = k - fails.sum()
                tr = rng.binomial(ok, 0.1) if ok else 0
                series["contacts"][t, r, s] = 2 * k
                series["acceptances"][t, r, s] = k
                series["appointments"][t, r, s] = k
                series["visits"][t, r, s] = k
                series["installs_elec"][t, r, s] = ok
                series["installs_gas"][t, r, s] = rng.binomial(ok, 0.7) if ok else 0
                series["smart_commissioned"][t, r, s] = ok - tr
                series["traditional_mode"][t, r, s] = tr
                series["installer_utilisation"][t, r, s] = min(1.0, 0.3 + ramp * 30)
                series["backlog"][t, r, s] = 50 + t
                series["lead_time_p50"][t, r, s] = 7
                series["lead_time_p90"][t, r, s] = 14
                outcomes[t, r, s] = fails
                legacy[r] -= ok
                smart[r] += ok - tr
                trad[r] += tr
            hbs[t, r] = [legacy[r], 0, 0, 0, trad[r], 0, smart[r]]
    total_installs = int(series["installs_elec"].sum() + series["installs_gas"].sum())

    with h5py.File(path, "w") as f:
        a = f.attrs
        a["title"] = "smsim run"
        a["smsim_version"] = "0.0.0-synthetic"
        a["scenario_path"] = "scenarios/small.cfg"
        a["scenario_text"] = "run = { households = %d; };\n" % households
        a["scenario_effective"] = (
            "run = {\n  households = %d;\n};\ndcc = {\n  services = {\n    read_daily = {\n"
            "      target_s = 79200.0;  # s\n    };\n    on_demand = {\n      target_s = 25.0;  # s\n"
            "    };\n  };\n};\n" % households)
        a["command_line"] = "synthetic"
        a["seed"] = np.int64(seed)
        a["threads"] = np.int64(1)
        a["ranks"] = np.int64(1)
        a["households"] = np.int64(households)
        a["shards"] = np.int64(4)
        a["start_date"] = start
        a["end_date"] = str(np.datetime64(start) + np.timedelta64(days - 1, "D"))
        a["started_at"] = "2024-01-01T00:00:00Z"
        a["finished_at"] = "2024-01-01T00:00:01Z"
        a["wall_time_s"] = 1.0
        a["events"] = np.int64(12345)
        a["status"] = status
        a["synthetic_total_installs"] = np.int64(total_installs)

        g = f.create_group("rollout")
        _dim_values(g, "day", np.arange(days), f"days since {start}", "simulated day", True)
        _dim_labels(g, "region", REGIONS, "DCC region")
        _dim_labels(g, "supplier", SUPPLIERS, "energy supplier")
        _dim_labels(g, "cause", CAUSES, "visit outcome cause")
        _dim_labels(g, "state", STATES, "household state")
        units = {"installer_utilisation": "1", "lead_time_p50": "days", "lead_time_p90": "days"}
        for k, v in series.items():
            dtype = "f4" if k in units else "i8"
            _var(g, k, v.astype(dtype), ["day", "region", "supplier"], units.get(k, "count"), k)
        _var(g, "outcomes", outcomes.astype("i8"), ["day", "region", "supplier", "cause"], "count",
             "visits that did not end in an install, by cause")
        _var(g, "households_by_state", hbs.astype("i8"), ["day", "region", "state"], "households",
             "households by state at the end of the day")

        # /dcc and /dcc/detail as models/mdl_dcc.c lays them out.
        d = f.create_group("dcc")
        _dim_labels(d, "service", SERVICES, "DCC service")
        _dim_labels(d, "region", REGIONS, "DCC region (CSP)")
        _dim_labels(d, "failure_class", FAIL_CLASSES, "failure class")
        _dim_labels(d, "stage", STAGES, "DCC queue stage")
        _dim_values(d, "day", np.arange(days), f"days since {start}", "simulated day", True)
        fleet = np.cumsum(series["smart_commissioned"].sum(axis=2), axis=0)
        req = np.stack([fleet * 1.0, fleet * 0.05 + 0.3, fleet * 0.01], axis=1)
        _var(d, "fleet_hubs", fleet.astype("i8"), ["day", "region"], "1", "hubs in the read fleet")
        _var(d, "requests", req, ["day", "service", "region"], "1", "requests created")
        fl = np.stack([req * 0.01, req * 0.005, req * 0.002], axis=-1)
        _var(d, "failures", fl, ["day", "service", "region", "failure_class"], "1", "requests failed")
        _var(d, "peak_minute_load", fleet / 100.0, ["day", "region"], "1/min", "peak-minute arrivals")
        _var(d, "peak_minute_load_total", fleet.sum(axis=1) / 90.0, ["day"], "1/min",
             "peak-minute arrivals, all regions")
        _var(d, "utilisation", rng.uniform(0, 0.5, (days, len(STAGES))), ["day", "stage"], "1",
             "mean utilisation")

        if detail:
            dd = d.create_group("detail")
            nbins, ndet, nb = 288, 2, 24
            # An earlier smsim wrote this axis as "minutes since 00:00", which xarray
            # cannot decode: kept here so the loader's tolerance of it stays tested.
            _dim_values(dd, "minute", np.arange(nbins) * 5.0, "minutes since 00:00",
                        "start of the time bin within the day", False, "f8")
            _dim_labels(dd, "service", SERVICES, "DCC service")
            _dim_labels(dd, "region", REGIONS, "DCC region (CSP)")
            _dim_labels(dd, "stage", STAGES, "DCC queue stage")
            lo = np.concatenate([[0.0], np.logspace(-2, 3, nb - 1)])
            _dim_values(dd, "latency_bin", lo, "s", "lower edge of the latency bin", False, "f8")
            up = dd.create_dataset("latency_bin_upper", data=np.append(lo[1:], np.inf))
            up.attrs["units"] = "s"
            up.attrs["long_name"] = "upper edge of the latency bin"
            up.dims[0].attach_scale(dd["latency_bin"])
            _dim_values(dd, "detail_day", [days - 30, days - 1], f"days since {start}",
                        "request-level day", True)
            prof = 1 + np.sin(np.arange(nbins) / nbins * 2 * np.pi) ** 2
            shape = (ndet, nbins, len(SERVICES))
            arr = rng.poisson(prof[None, :, None] * 5 * np.ones(shape))
            _var(dd, "arrivals", arr, ["detail_day", "minute", "service"], "1", "arrivals")
            _var(dd, "completions", arr, ["detail_day", "minute", "service"], "1", "completions")
            _var(dd, "queue_length", rng.poisson(3, (ndet, nbins, len(STAGES))),
                 ["detail_day", "minute", "stage"], "1", "queue length")
            _var(dd, "utilisation", rng.uniform(0.2, 0.9, (ndet, nbins, len(STAGES))),
                 ["detail_day", "minute", "stage"], "1", "busy fraction")
            for q, m in (("p50", 1.0), ("p95", 5.0), ("p99", 10.0), ("max", 40.0)):
                _var(dd, "latency_" + q, (m * prof[None, :, None] * np.ones(shape)).astype("f4"),
                     ["detail_day", "minute", "service"], "s", "latency " + q)
            _var(dd, "latency_histogram", rng.poisson(100, (ndet, len(SERVICES), nb)),
                 ["detail_day", "service", "latency_bin"], "1", "latency histogram")
    return total_installs


def synthetic_summary(path):
    import h5py
    with h5py.File(path, "r") as f:
        g = f["rollout"]
        inst = int(g["installs_elec"][()].sum() + g["installs_gas"][()].sum())
        hh = int(f.attrs["households"])
        req = int(np.rint(f["dcc/requests"][()].sum(axis=(1, 2))).sum()) if "dcc/requests" in f else 0
    return (f"smsim 0.0.0: scenarios/small.cfg\n"
            f"  households         {hh:12d}\n"
            f"  meters installed   {inst:12d}\n"
            f"  DCC requests       {req:12d}  (0 failed; 2 detail days, peak 3 per minute)\n")


@pytest.fixture
def synthetic_run(tmp_path):
    """A synthetic file for tolerance tests of the analysis code itself."""
    path = tmp_path / "synthetic.h5"
    write_synthetic_run(path, days=90)
    return path
