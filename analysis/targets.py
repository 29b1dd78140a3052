"""
analysis.targets — the published record as calibration targets, and each
published quantity computed from one smsim run the way it was published.

    from analysis import targets
    obs = targets.read_targets("scenarios/data/gb-observed.csv")
    out = targets.load_output("results/gb.h5")
    sim = targets.simulate(out, obs)        # one simulated value per row (NaN: not computable)

**Scale.** smsim simulates a reduced population of homes; every simulated
count is a share of the population, and is multiplied by the published
number of GB homes, `DOMESTIC_HOMES` (28.9 M: BEIS/DESNZ, domestic
electricity meters at end 2021, one per home).  Aggregate shares do not
depend on the simulated population (scenarios/README.md, "Calibration":
0.3 M vs 3 M households).

**Definitions** (GB-OBSERVED: "Read the definitions"):

* *domestic*: homes — what smsim simulates.
* *all premises*: homes and businesses.  Non-domestic sites are not
  simulated; an all-premises figure is the domestic figure times
  `1 + NONDOM_RATIO` (0.0885 = 1.12 M non-domestic / 12.65 M domestic
  operating meters, end 2018, the published pair nearest the 2016-2019
  targets); those targets carry a larger stated uncertainty.
* *large suppliers*: those with more than 250,000 customers, about 96-97 %
  of domestic installs; the scenario's suppliers are not split by size
  (its "others" mixes mid-size suppliers that were "large" with small
  ones), so a large-supplier figure is the all-supplier figure times
  `LARGE_SHARE` = 0.965.
* *installed*: every smart meter put in = cumulative `installs_elec +
  installs_gas`.
* *operating*: smart meters in smart mode, from the households' states at
  the end of the day: homes `smart` (every meter commissioned through the
  DCC: SMETS2 and migrated SMETS1) and `smets1` (SMETS1 working smart) x
  meters per home (1 + `dual_fuel_share`), + one meter for each `partial`
  home (hub on the DCC, the gas meter not joined).  Meters in traditional
  mode (no WAN yet, a failed step, lost on a change of supplier, a device
  fault) are not operating.  (Counted from states, not from
  `/dcc/fleet_meters`: the DCC's read fleet holds only hubs on the DCC, not
  SMETS1 meters working smart on a supplier's own system, and without
  `rollout.fleet` a hub that has joined it stays through a fault.)
* *traditional*: smart meters in traditional mode = homes `traditional` x
  meters per home + one meter for each `partial` home.  (Not installed -
  operating: installed counts every meter ever put in, and a replaced
  meter is counted twice.)
* *SMETS1 lost on switching*: `/fleet/traditional_by_cause[lost_on_switching]`
  homes x meters per home (runs with `rollout.fleet` on; NaN otherwise).
* *on the DCC, SMETS2*: `fleet_meters` - migrated SMETS1 meters
  (cumulative `migrations` x meters per home).
* *DCC messages*: service messages (requests + retries of every service
  except device alerts, which the DCC reports separately) per month;
  per connected meter: divided by the month's mean `fleet_meters`.

A quantity the output cannot give (a mechanism the model lacks) maps to
None and is reported as not computable.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

__all__ = ["DOMESTIC_HOMES", "NONDOM_RATIO", "LARGE_SHARE", "Target", "Output", "read_targets", "load_output",
           "simulate_row", "simulate", "QUANTITIES"]

DOMESTIC_HOMES = 28.9e6     # BEIS/DESNZ: 28.9 M domestic electricity meters, end 2021 (one per home)
NONDOM_RATIO = 1.12 / 12.65  # non-domestic : domestic operating meters, end 2018 (Utility Week)
LARGE_SHARE = 0.965          # large suppliers' share of domestic installs (96-97 %)
ALERT_LABEL = "device alert"
READ_PREFIXES = ("09.", "15/", "1.65", "1.74")   # meter-reading services (not 1.75 notices, install, alerts)


@dataclass(frozen=True)
class Target:
    id: str
    quantity: str
    start: np.datetime64
    end: np.datetime64
    premises: str
    suppliers: str
    measure: str
    value: float
    unit: str
    sigma_rel: float
    use: str
    source: str
    note: str

    @property
    def year(self) -> int:
        return int(str(self.end)[:4])


def read_targets(path) -> list[Target]:
    """The CSV of published figures (comment lines start with #)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    out = []
    for r in rows:
        try:
            value = float(r["value"])
        except ValueError:
            value = float("nan")          # a range (inputs such as "84-111")
        out.append(Target(r["id"], r["quantity"], np.datetime64(r["start"]), np.datetime64(r["end"]),
                          r["premises"], r["suppliers"], r["measure"], value, r["unit"],
                          float(r["sigma_rel"]) if r["sigma_rel"] else float("nan"), r["use"], r["source"],
                          r["note"]))
    return out


@dataclass
class Output:
    """The national daily series of one run that the targets need (h5py, no xarray: fast)."""
    days: np.ndarray            # datetime64[D] of /rollout/day
    households: int
    meters_per_home: float      # 1 + dual_fuel_share
    elec: np.ndarray            # daily national installs_elec
    gas: np.ndarray
    smets2: np.ndarray          # daily national installs_smets2 (zeros if the file predates it)
    migrations: np.ndarray      # daily SMETS1 sites migrated
    smets1_homes: np.ndarray    # households_by_state[smets1] at day end
    smart_homes: np.ndarray     # households_by_state[smart]
    partial_homes: np.ndarray   # households_by_state[partial]
    trad_homes: np.ndarray      # households_by_state[traditional]
    lost_homes: np.ndarray      # /fleet/traditional_by_cause[lost_on_switching] (NaN without /fleet)
    dcc_days: np.ndarray
    fleet_meters: np.ndarray    # /dcc/fleet_meters national
    messages: np.ndarray        # service messages (requests + retries, alerts excluded)
    reads: np.ndarray           # of which meter readings

    @property
    def scale(self) -> float:
        return DOMESTIC_HOMES / self.households


def _attr(f, name):
    v = f.attrs[name]
    return v.decode() if isinstance(v, bytes) else v


def _days(ds):
    units = ds.attrs["units"]
    units = units.decode() if isinstance(units, bytes) else units
    origin = np.datetime64(units.split("since")[1].strip()[:10])
    return origin + ds[()].astype("timedelta64[D]")


def load_output(path) -> Output:
    import h5py
    from . import cfgtext
    with h5py.File(path, "r") as f:
        ro, dcc = f["rollout"], f["dcc"]
        nat = lambda name: ro[name][()].astype(np.int64).sum(axis=(1, 2))   # noqa: E731
        states = [s.decode() if isinstance(s, bytes) else s for s in ro["state"][()]]
        eff = cfgtext.parse(_attr(f, "scenario_effective"))
        services = [s.decode() if isinstance(s, bytes) else s for s in dcc["service"][()]]
        att = dcc["requests"][()] + dcc["retries"][()]         # (day, service, region)
        by_service = att.sum(axis=2)
        keep = np.array([s != ALERT_LABEL for s in services])
        read = np.array([s.startswith(READ_PREFIXES) for s in services])
        by_state = ro["households_by_state"][()].sum(axis=1)
        st = lambda name: by_state[:, states.index(name)]   # noqa: E731
        if "fleet" in f and "traditional_by_cause" in f["fleet"]:
            causes = [c.decode() if isinstance(c, bytes) else c for c in f["fleet"]["cause"][()]]
            lost = f["fleet"]["traditional_by_cause"][:, :, causes.index("lost_on_switching")].sum(axis=1)
            lost = lost.astype(float)
        else:
            lost = np.full(len(ro["day"]), np.nan)
        return Output(
            days=_days(ro["day"]), households=int(f.attrs["households"]),
            meters_per_home=1.0 + float(eff["rollout"]["population"]["dual_fuel_share"]),
            elec=nat("installs_elec"), gas=nat("installs_gas"),
            smets2=nat("installs_smets2") if "installs_smets2" in ro else np.zeros(len(ro["day"]), np.int64),
            migrations=nat("migrations"),
            smets1_homes=st("smets1"), smart_homes=st("smart"), partial_homes=st("partial"),
            trad_homes=st("traditional"), lost_homes=lost,
            dcc_days=_days(dcc["day"]), fleet_meters=dcc["fleet_meters"][()].sum(axis=1).astype(float),
            messages=by_service[:, keep].sum(axis=1), reads=by_service[:, read].sum(axis=1))


# ---- the simulated quantities (in simulated units; scaling is applied by simulate_row) -------------

def _flow(days, x, t):
    m = (days >= t.start) & (days <= t.end)
    if not m.any() or days[0] > t.start or days[-1] < t.end:
        return float("nan")
    return float(x[m].sum())


def _at(days, x, day):
    i = np.searchsorted(days, day, side="right") - 1
    if i < 0 or days[i] != day:
        return float("nan")
    return float(x[i])


def installed(o: Output, day) -> float:
    return _at(o.days, np.cumsum(o.elec + o.gas), day)


def operating_series(o: Output) -> np.ndarray:
    """Smart meters in smart mode at the end of each day of o.days."""
    return (o.smart_homes + o.smets1_homes) * o.meters_per_home + o.partial_homes


def traditional_series(o: Output) -> np.ndarray:
    """Smart meters in traditional mode at the end of each day of o.days."""
    return o.trad_homes * o.meters_per_home + o.partial_homes


def operating(o: Output, day) -> float:
    return _at(o.days, operating_series(o), day)


def on_dcc_smets2(o: Output, day) -> float:
    return _at(o.dcc_days, o.fleet_meters, day) - _at(o.days, np.cumsum(o.migrations), day) * o.meters_per_home


def _q_installs(o, t):
    return _flow(o.days, o.elec + o.gas, t)


def _q_share_smets2(o, t):
    return _flow(o.days, o.smets2, t) / _flow(o.days, o.elec + o.gas, t)


def _q_stock(o, t):
    return {"installed": installed, "operating": operating}[t.measure](o, t.end)


def _q_operating_share(o, t):
    return operating(o, t.end) / (o.households * o.meters_per_home)


def _q_traditional(o, t):
    return _at(o.days, traditional_series(o), t.end)


def _q_smets1_lost(o, t):
    return _at(o.days, o.lost_homes, t.end) * o.meters_per_home


def _q_smets1_installed(o, t):
    return _at(o.days, np.cumsum(o.elec + o.gas - o.smets2), t.end)


def _q_migrated(o, t):
    return _at(o.days, np.cumsum(o.migrations), t.end) * o.meters_per_home


def _q_messages_per_meter(o, t):
    m = (o.dcc_days >= t.start) & (o.dcc_days <= t.end)
    days = int((t.end - t.start).astype(int)) + 1
    if m.sum() != days:
        return float("nan")
    return float(o.messages[m].sum() / o.fleet_meters[m].mean())


def _q_read_share(o, t):
    return _flow(o.dcc_days, o.reads, t) / _flow(o.dcc_days, o.messages, t)


# quantity -> (function, scaled: a count to multiply by the scale and the definition's factors)
QUANTITIES = {
    "installs_quarter": (_q_installs, True),
    "installs_quarter_elec": (lambda o, t: _flow(o.days, o.elec, t), True),
    "installs_quarter_gas": (lambda o, t: _flow(o.days, o.gas, t), True),
    "installs_year": (_q_installs, True),
    "smets2_share_installs": (_q_share_smets2, False),
    "stock": (_q_stock, True),
    "operating_share": (_q_operating_share, False),
    "traditional": (_q_traditional, True),
    "smets1_installed": (_q_smets1_installed, True),
    "smets1_lost": (_q_smets1_lost, True),
    "on_dcc_smets2": (lambda o, t: on_dcc_smets2(o, t.end), True),
    "migrated_smets1": (_q_migrated, True),
    "dcc_messages": (lambda o, t: _flow(o.dcc_days, o.messages, t), True),
    "dcc_messages_per_meter": (_q_messages_per_meter, False),
    "dcc_read_share": (_q_read_share, False),
}


def definition_factor(t: Target) -> float:
    """Simulated homes -> the published definition (premises, suppliers)."""
    f = 1.0
    if t.premises == "all":
        f *= 1.0 + NONDOM_RATIO
    if t.suppliers == "large" and t.measure in ("installed", "operating"):
        f *= LARGE_SHARE
    return f


def computable(t: Target) -> bool:
    return t.use in ("target", "check") and t.quantity in QUANTITIES and t.premises != "non_domestic"


def simulate_row(o: Output, t: Target) -> float:
    """The published quantity of row t computed from one run (NaN if not computable or out of the run)."""
    if not computable(t):
        return float("nan")
    fn, scaled = QUANTITIES[t.quantity]
    with np.errstate(invalid="ignore", divide="ignore"):
        v = fn(o, t)
    return v * o.scale * definition_factor(t) if scaled else v


def simulate(o: Output, rows) -> np.ndarray:
    return np.array([simulate_row(o, t) for t in rows])
