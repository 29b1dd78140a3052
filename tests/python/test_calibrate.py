"""
Tests of the calibration: target functions on a hand-built output, the
parameter file and overrides, identifiability and reproducibility of the fit
on a tiny population, the calibrated GB scenario, the validation report.
"""
import csv
import os
import subprocess

import h5py
import numpy as np
import pytest

from conftest import REPO, _checked_binary, run_smsim

from analysis import calibrate as C
from analysis import cfgtext
from analysis import targets as T
from analysis import validate as V

# ---- a hand-built output ---------------------------------------------------------------------------
# 120 days from 2019-01-01, 3 regions x 2 suppliers, 1,000 households, dual_fuel_share 0.5
# (1.5 meters per home), scale 28.9e6 / 1000 = 28,900.
START = np.datetime64("2019-01-01")
N_DAYS, HH = 120, 1000
STATES = ["legacy", "engaged", "declined", "smets1", "traditional", "partial", "smart"]
SERVICES = ["09.04 scheduled read (daily data)", "09.01 read on demand", "1.75 failure notification",
            "1.5 install pre-notification", "device alert"]


def write_hand_built(path):
    d = np.arange(N_DAYS)
    elec = np.zeros((N_DAYS, 3, 2), np.int32)
    gas = np.zeros((N_DAYS, 3, 2), np.int32)
    s2 = np.zeros((N_DAYS, 3, 2), np.int32)
    mig = np.zeros((N_DAYS, 3, 2), np.int32)
    elec[:, 0, 0] = 1          # 1 electricity meter a day (region north, supplier 0)
    gas[:, 1, 1] = 2           # 2 gas meters a day (central, supplier 1)
    s2[:, 2, 0] = 1            # 1 of the 3 meters a day is SMETS2
    mig[100, 0, 0] = 4         # 4 SMETS1 homes migrated on day 100
    states = np.zeros((N_DAYS, 3, 7), np.int64)
    states[:, 0, 0] = HH - 10 - d // 10          # the rest legacy
    states[:, 0, 3] = 10                         # 10 SMETS1 homes working smart
    states[:, 1, 6] = d // 10                    # smart homes grow
    states[:, 2, 4] = 20 + d // 20               # homes in traditional mode
    states[:, 2, 5] = 3                          # partial: hub on the DCC, gas meter not joined
    states[:, 0, 0] -= 23 + d // 20
    lost = np.zeros((N_DAYS, 3, 5), np.int64)
    lost[:, 2, 1] = 4 + d // 30                  # of which lost on switching (cause index 1)
    lost[:, 2, 0] = states[:, 2, 4] - lost[:, 2, 1]   # never commissioned
    fleet = np.zeros((N_DAYS, 3), np.int64)
    fleet[:, 2] = 2 * d                          # meters on the DCC: 2 per day
    req = np.zeros((N_DAYS, len(SERVICES), 3))
    ret = np.zeros((N_DAYS, len(SERVICES), 3))
    req[:, 0, 0] = 6.0       # reads
    req[:, 1, 1] = 1.0       # reads (on demand)
    ret[:, 0, 0] = 1.0       # read retries
    req[:, 2, 2] = 2.0       # notices (not reads)
    req[:, 3, 0] = 1.0       # install messages (not reads)
    req[:, 4, 0] = 100.0     # alerts: excluded
    eff = ('run = { start = "2019-01-01"; end = "2019-04-30"; households = 1000; shards = 1; };\n'
           'rollout = { population = { dual_fuel_share = 0.5; }; };\n')
    with h5py.File(path, "w") as f:
        f.attrs["households"] = HH
        f.attrs["scenario_effective"] = eff
        f.attrs["status"] = "complete"
        ro, dcc = f.create_group("rollout"), f.create_group("dcc")
        for g in (ro, dcc):
            g["day"] = d.astype(np.int32)
            g["day"].attrs["units"] = "days since 2019-01-01"
        ro["state"] = np.array(STATES, dtype=h5py.string_dtype())
        ro["installs_elec"], ro["installs_gas"], ro["installs_smets2"], ro["migrations"] = elec, gas, s2, mig
        ro["households_by_state"] = states
        fl = f.create_group("fleet")
        fl["cause"] = np.array(["never_commissioned", "lost_on_switching", "device_fault", "han_fault",
                                "awaiting_migration"], dtype=h5py.string_dtype())
        fl["traditional_by_cause"] = lost
        dcc["service"] = np.array(SERVICES, dtype=h5py.string_dtype())
        dcc["fleet_meters"], dcc["requests"], dcc["retries"] = fleet, req, ret


def row(quantity, start, end, premises="domestic", suppliers="all", measure="installed", value=1.0):
    return T.Target("x", quantity, np.datetime64(start), np.datetime64(end), premises, suppliers, measure,
                    value, "1", 0.05, "target", "test", "")


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    p = tmp_path_factory.mktemp("hand") / "hand.h5"
    write_hand_built(p)
    return T.load_output(p)


S = 28.9e6 / 1000


@pytest.mark.parametrize("t, expected", [
    # Q1 2019 = 90 days x 3 meters, domestic all suppliers
    (row("installs_quarter", "2019-01-01", "2019-03-31"), 270 * S),
    # the same for large suppliers only: x 0.965
    (row("installs_quarter", "2019-01-01", "2019-03-31", suppliers="large"), 270 * S * 0.965),
    # all premises: x (1 + 1.12/12.65)
    (row("installs_quarter", "2019-01-01", "2019-03-31", premises="all"), 270 * S * (1 + 1.12 / 12.65)),
    (row("installs_quarter_gas", "2019-01-01", "2019-03-31"), 180 * S),
    (row("installs_quarter_elec", "2019-01-01", "2019-03-31"), 90 * S),
    (row("smets2_share_installs", "2019-01-01", "2019-03-31", measure="share"), 1 / 3),
    # day 59 = 2019-03-01: installed = 60 days x 3 meters
    (row("stock", "2019-03-01", "2019-03-01"), 180 * S),
    # operating on day 59: (5 smart + 10 SMETS1 homes) x 1.5 meters + 3 partial homes x 1 = 25.5
    (row("stock", "2019-03-01", "2019-03-01", measure="operating"), 25.5 * S),
    (row("operating_share", "2019-03-01", "2019-03-01", measure="share"), 25.5 / 1500),
    # traditional on day 59: (20 + 2) homes x 1.5 + 3 partial homes' gas meters = 36
    (row("traditional", "2019-03-01", "2019-03-01", measure="traditional"), 36 * S),
    # SMETS1 lost on switching, day 59: (4 + 1) homes x 1.5
    (row("smets1_lost", "2019-03-01", "2019-03-01", measure="traditional"), 7.5 * S),
    # SMETS1 meters installed to day 59: 60 days x 2
    (row("smets1_installed", "2019-03-01", "2019-03-01"), 120 * S),
    # on the DCC, SMETS2 on day 110 (2019-04-21): 220 - 4 homes x 1.5 migrated
    (row("on_dcc_smets2", "2019-04-21", "2019-04-21", measure="on_dcc"), 214 * S),
    (row("migrated_smets1", "2019-04-21", "2019-04-21", measure="migrated"), 6 * S),
    # March: 31 days x (6 + 1 + 1 + 2 + 1) = 341 messages (alerts excluded)
    (row("dcc_messages", "2019-03-01", "2019-03-31", measure="messages"), 341 * S),
    # per meter: 341 / mean fleet over March (days 59..89: 2 x 74 = 148)
    (row("dcc_messages_per_meter", "2019-03-01", "2019-03-31", measure="messages"), 341 / 148),
    # reads: 6 + 1 + 1 retry of 11 a day
    (row("dcc_read_share", "2019-03-01", "2019-03-31", measure="share"), 8 / 11),
])
def test_target_functions_on_hand_built_output(hand, t, expected):
    assert T.simulate_row(hand, t) == pytest.approx(expected, rel=1e-12)


def test_target_outside_the_run_is_nan(hand):
    assert np.isnan(T.simulate_row(hand, row("installs_quarter", "2018-10-01", "2018-12-31")))
    assert np.isnan(T.simulate_row(hand, row("stock", "2019-06-30", "2019-06-30")))


def test_published_targets_file_reads_and_every_target_row_is_computable():
    rows = T.read_targets(REPO / "scenarios" / "data" / "gb-observed.csv")
    assert len({t.id for t in rows}) == len(rows)
    for t in rows:
        assert t.source, t.id
        if t.use in ("target", "check"):
            assert T.computable(t), t.id
            assert t.sigma_rel > 0 and np.isfinite(t.value), t.id
    assert sum(t.use == "target" for t in rows) >= 25


# ---- parameters and overrides ------------------------------------------------------------------------

def test_params_file_and_overrides(tmp_path):
    p = tmp_path / "p.cfg"
    p.write_text("# comment\n"
                 "a set 0.1 0.9 0.5 rollout.suppliers.[*].acceptance_prob | meaning\n"
                 "b mul+log 0.5 2 1 rollout.suppliers.[*].installers_per_10k | x\n"
                 "c set 0 1 0.2 rollout.suppliers.[*].ramp_levels.[0] | first element\n"
                 "d set 1 20 5 rollout.suppliers.[*].max_refusals | an integer key\n")
    ps = C.read_params(p)
    assert [x.name for x in ps] == ["a", "b", "c", "d"] and ps[1].log
    assert ps[1].from_unit(ps[1].to_unit(1.3)) == pytest.approx(1.3)
    eff = cfgtext.parse('rollout = { suppliers = ( { name = "x"; installers_per_10k = [2.0, 2.2]; '
                        'ramp_levels = [0.3, 0.4]; acceptance_prob = 0.35; max_refusals = 4; },'
                        '{ name = "y"; installers_per_10k = [1.0, 1.0]; ramp_levels = [0.5, 1.0]; '
                        'acceptance_prob = 0.35; max_refusals = 4; } ); };')
    sets = C.overrides(ps, [0.25, 1.5, 0.1, 6.6], eff)
    assert "rollout.suppliers.[0].acceptance_prob=0.25" in sets
    assert "rollout.suppliers.[1].installers_per_10k=[1.5, 1.5]" in sets
    assert "rollout.suppliers.[0].installers_per_10k=[3.0, 3.3000000000000003]" in sets
    assert "rollout.suppliers.[1].ramp_levels=[0.1, 1.0]" in sets
    assert "rollout.suppliers.[0].max_refusals=7" in sets          # integer keys stay integers
    started = C.with_starts(ps, ["b=0.75", "a=0.3"])
    assert [x.start for x in started] == [0.3, 0.75, 0.2, 5] and [x.name for x in started] == ["a", "b", "c", "d"]
    for wrong in ("b=3", "z=0.5", "a", "a=x"):
        with pytest.raises(ValueError, match="--start"):
            C.with_starts(ps, [wrong])
    bad = tmp_path / "bad.cfg"
    bad.write_text("a set 0.9 0.1 0.5 rollout.x | lower above upper\n")
    with pytest.raises(ValueError, match="bad.cfg:1"):
        C.read_params(bad)


def test_effective_scenario_of_the_gb_calibration_base(tmp_path):
    """The GB base has request-level days and fleet life: its one-day effective-scenario run must
    still be valid (a detail date outside the run is an error), and every fitted key must exist."""
    exe = _checked_binary()
    base = REPO / "scenarios" / "data" / "gb-calibration-base.cfg"
    eff = cfgtext.parse(C.effective_scenario(str(exe), str(base), str(tmp_path)))
    assert eff["rollout"]["fleet"]["enabled"] is True
    ps = C.read_params(REPO / "scenarios" / "data" / "gb-params.cfg")
    sets = C.overrides(ps, [p.start for p in ps], eff)
    assert any(s.startswith("rollout.fleet.migration.capacity_share=[") for s in sets)
    assert any(s.startswith("rollout.fleet.switching.annual_rate=[") for s in sets)


# ---- identifiability and reproducibility on a tiny population ----------------------------------------

TINY = """
run = { start = "2016-01-01"; end = "2018-06-30"; households = 6000; shards = 1; seed = 1; };
rollout = {
  timetable = { phases = ( { name = "mass"; start = "2016-01-01"; effort = 1.0; } );
                migration_start = "2030-01-01"; };
  suppliers = ( { name = "only"; share = 1.0; max_refusals = 1; ramp_dates = ["2016-01-01"]; ramp_levels = [1.0]; } );
};
dcc = { detail = { dates = []; }; };
"""
PARAMS = ("acceptance set 0.10 0.70 0.40 rollout.suppliers.[*].acceptance_prob | share of reached customers who accept\n"
          "availability mul 0.20 1.50 1.00 rollout.suppliers.[*].installers_per_10k | installer availability\n")
TRUE = {"acceptance": 0.25, "availability": 0.50}


def _synthetic_targets(tmp_path, exe):
    """Targets generated by smsim itself at TRUE, 3 replications (seeds 101-103, not the fit's):
    quarterly installs and end-of-year installed stocks; sigma = their replication spread."""
    scen = tmp_path / "tiny.cfg"
    scen.write_text(TINY)
    (tmp_path / "p.cfg").write_text(PARAMS)
    eff = cfgtext.parse(C.effective_scenario(str(exe), str(scen), str(tmp_path)))
    sets = C.overrides(C.read_params(tmp_path / "p.cfg"), [TRUE["acceptance"], TRUE["availability"]], eff)
    outs = []
    for seed in (101, 102, 103):
        path = tmp_path / f"gen{seed}.h5"
        cmd = [str(exe), "run", str(scen), "-o", str(path), "--quiet", "--threads", "1", "--seed", str(seed)]
        for s in sets:
            cmd += ["--set", s]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        outs.append(T.load_output(path))
    rows = []
    periods = [(f"{y}-{m:02d}-01", f"{y}-{m + 2:02d}-{30 if m + 2 in (6, 9) else 31}", "installs_quarter")
               for y in (2016, 2017, 2018) for m in (1, 4, 7, 10) if (y, m) <= (2018, 4)]
    periods += [(d, d, "stock") for d in ("2016-12-31", "2017-12-31", "2018-06-30")]
    for i, (a, b, q) in enumerate(periods):
        t = row(q, a, b)
        v = np.array([T.simulate_row(o, t) for o in outs])
        rows.append(T.Target(f"t{i}", q, t.start, t.end, "domestic", "all", "installed", float(v.mean()), "meters",
                             max(0.02, float(v.std(ddof=1) / v.mean())), "target", "smsim itself", ""))
    return str(scen), rows


def test_identifiability_recovers_known_parameters(tmp_path):
    exe = _checked_binary()
    scen, rows = _synthetic_targets(tmp_path, exe)
    cal = C.Calibration(scen, rows, C.read_params(tmp_path / "p.cfg"), households=6000, replications=2,
                        seed=1, smsim=str(exe))
    fit = cal.run(max_evals=24, step=0.25)
    for name, true in TRUE.items():
        sd = fit["sd"][name]
        p = next(x for x in cal.params if x.name == name)
        # the reported sd (target sigma = replication spread of the generating runs, plus the fit's own
        # replication noise) must be informative; the truth must lie within 3 sd plus the optimiser's
        # resolution (its simplex tolerance, XATOL of the unit interval)
        assert 0 < sd < 0.15 * (p.upper - p.lower), (name, sd)
        tol = 3 * sd + C.XATOL * (p.upper - p.lower)
        assert abs(fit["values"][name] - true) <= tol, (name, fit["values"][name], true, sd, tol)


def test_calibration_is_reproducible(tmp_path):
    exe = _checked_binary()
    scen = tmp_path / "tiny.cfg"
    scen.write_text(TINY)
    (tmp_path / "p.cfg").write_text(PARAMS.splitlines()[0] + "\n")
    rows = [T.Target("a", "stock", np.datetime64("2018-12-31"), np.datetime64("2018-12-31"), "domestic", "all",
                     "installed", 3.0e6, "meters", 0.05, "target", "test", "")]
    fits = []
    for _ in range(2):
        cal = C.Calibration(str(scen), rows, C.read_params(tmp_path / "p.cfg"), households=3000, replications=1,
                            seed=7, smsim=str(exe))
        fits.append(cal.run(max_evals=6)["values"])
    assert fits[0] == fits[1]


# ---- the calibrated scenario and the report ------------------------------------------------------------

def test_calibrated_scenario_passes_check():
    exe = _checked_binary()
    r = subprocess.run([str(exe), "check", str(REPO / "scenarios" / "gb-calibrated.cfg")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = (REPO / "scenarios" / "gb-calibrated.cfg").read_text()
    assert text.count("# calibrated (analysis.calibrate, targets to 2019)") >= 6


def test_validation_report_writes_every_figure(tmp_path, run_small):
    out = tmp_path / "val"
    rc = V.main([str(run_small.path), str(run_small.path), "--targets",
                 str(REPO / "scenarios" / "data" / "gb-observed.csv"), "-o", str(out)])
    assert rc == 0
    for name in list(V.FIGURES) + ["errors"]:
        assert (out / f"{name}.png").stat().st_size > 5000, name
        assert f'src="{name}.png"' in (out / "index.html").read_text()
    with open(out / "errors.csv") as f:
        table = list(csv.DictReader(f))
    rows = T.read_targets(REPO / "scenarios" / "data" / "gb-observed.csv")
    assert {r["id"] for r in table} == {t.id for t in rows if T.computable(t)}


def test_validate_missing_file_exits_2(tmp_path):
    assert V.main([str(tmp_path / "nope.h5"), "--targets", str(REPO / "scenarios" / "data" / "gb-observed.csv"),
                   "-o", str(tmp_path / "v")]) == 2


def test_installs_smets2_follows_the_generation_timetable(run_small):
    """/rollout/installs_smets2: none before timetable.smets2_start, every install from the cut-over
    (plus the lead time of bookings made before it), a part in between (small.cfg: the defaults)."""
    o = T.load_output(run_small.path)
    total = o.elec + o.gas
    before = o.days < np.datetime64("2017-07-01")
    after = o.days >= np.datetime64("2018-12-05") + np.timedelta64(120, "D")   # booking horizon + rebooks
    between = ~before & (o.days < np.datetime64("2018-12-05"))
    assert (o.smets2 <= total).all()
    assert o.smets2[before].sum() == 0 and total[before].sum() > 0
    # From the cut-over every rollout install is SMETS2; fleet life may still fit a gas meter to an
    # existing SMETS1 hub (a property-reference second visit): 1 of 17,505 on small.cfg.
    assert o.smets2[after].sum() >= 0.999 * total[after].sum() and total[after].sum() > 0
    share = o.smets2[between].sum() / total[between].sum()
    assert 0.2 < share < 0.8, share


def test_dated_smets2_share_of_installs(tmp_path):
    """timetable.smets2_share_dates / smets2_share: the SMETS2 share of new installs follows the dated
    shares (0.1 to the end of 2017, 0.6 from 2 Jan 2018) instead of the linear ramp.  Installs in a
    window well inside each flat part (booking lead < 60 days) are checked against the share with a
    4-sigma binomial bound; a home's meters share one generation, so n counts homes (meters / 2 at
    least).  Revisits that complete a SMETS1 home (a gas meter after a HAN failure) can only lower
    the share, by at most what the default run shows for the same window before SMETS2 (0 there):
    allowed 0.03 below."""
    exe = _checked_binary()
    run = run_smsim(exe, REPO / "scenarios" / "small.cfg", tmp_path / "s2.h5", "--quiet",
                    "--set", 'rollout.timetable.smets2_share_dates=["2017-07-01", "2018-01-01", "2018-01-02"]',
                    "--set", "rollout.timetable.smets2_share=[0.1, 0.1, 0.6]")
    o = T.load_output(run.path)
    total = o.elec + o.gas
    for lo, hi, p in (("2017-09-01", "2017-12-31", 0.1), ("2018-03-01", "2018-11-30", 0.6)):
        m = (o.days >= np.datetime64(lo)) & (o.days <= np.datetime64(hi))
        n_meters = total[m].sum()
        share = o.smets2[m].sum() / n_meters
        sigma = np.sqrt(p * (1 - p) / (n_meters / 2))
        assert p - 0.03 - 4 * sigma < share < p + 4 * sigma, (lo, hi, share, p, sigma, n_meters)
