"""
test_experiment.py — experiments end to end: `smsim run` with replications
and sweeps, opened with analysis.experiment.

- The interval of a replicated mean covers the true mean at about its
  nominal rate: the model has a known answer (each visit finds nobody home
  with probability p = rollout.visit.no_access_prob, an independent draw per
  visit, so X = no-access visits - p * visits has mean exactly 0: a sum of
  martingale differences, whatever the number of visits).
- Common random numbers make the paired difference of a small change far
  less variable than the sum of the two variances (measured on electricity
  installs with no_access_prob 0.10 vs 0.12, 12 replications: var(D) is
  1.7 % of var(X0) + var(X1) with CRN, 65 % without).
- open_experiment gives variant and replicate dimensions with the design as
  coordinates, from any working directory.
"""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from analysis.experiment import (interval, is_experiment, open_experiment, paired_difference,
                                 run_metrics, summary, summary_differences)

REPO = Path(__file__).resolve().parents[2]
SMSIM = os.environ.get("SMSIM", str(REPO / "build" / "smsim"))
CFG = REPO / "tests" / "scenarios" / "experiment.cfg"


def smsim_run(*args):
    p = subprocess.run([SMSIM, "run", str(CFG), "-q", "--threads", "2", *args], cwd=REPO,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def coverage_exp(tmp_path_factory):
    """30 identical variants (queue_capacity only sizes a memory pool: no
    effect on results) x 4 replications, common random numbers off: 30
    independent intervals of 4 runs each."""
    out = tmp_path_factory.mktemp("cov") / "cov.h5"
    caps = ",".join(str(4096 + i) for i in range(30))
    smsim_run("--replications", "4", "--sweep", f"run.queue_capacity={caps}",
              "--set", "experiment.common_random_numbers=false", "-o", str(out))
    return open_experiment(out, groups=["rollout"])


def _x(exp, p):
    ro = exp.rollout
    na = ro["outcomes"].sel(cause="no_access").sum(["day", "region", "supplier"])
    visits = ro["visits"].sum(["day", "region", "supplier"])
    return na - p * visits


def test_interval_covers_the_true_mean(coverage_exp):
    p = 0.10   # the default rollout.visit.no_access_prob
    x = _x(coverage_exp, p)
    assert x.sizes == {"variant": 30, "replicate": 4}
    seeds = coverage_exp.seeds.values.ravel()
    assert len(set(seeds.tolist())) == seeds.size, "CRN off: every run its own seed"
    ci = interval(x, "replicate", 0.95)
    lo, hi = ci.sel(stat="lower").values, ci.sel(stat="upper").values
    covered = int(((lo <= 0) & (0 <= hi)).sum())
    # Exact t intervals cover with probability 0.95, so covered ~ Bin(30, 0.95);
    # fewer than 24 has probability stats.binom.cdf(23, 30, 0.95) = 0.0033.
    assert stats.binom.cdf(23, 30, 0.95) < 0.005
    assert covered >= 24, f"only {covered} of 30 intervals cover the true mean 0"
    # The pooled mean of all 120 runs is within 4 standard errors of 0.
    allx = x.values.ravel()
    assert abs(allx.mean()) < 4 * allx.std(ddof=1) / np.sqrt(allx.size)
    # The interval is not trivially wide: its mean half-width is about
    # t(0.975, 3) * sigma / 2 (sigma ~ sd of X).
    half = float(ci.sel(stat="halfwidth").mean())
    assert half < 3.0 * allx.std(ddof=1)


@pytest.fixture(scope="module")
def crn_pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("crn")
    out = {}
    for crn in ("true", "false"):
        path = d / f"crn-{crn}.h5"
        smsim_run("--replications", "12", "--sweep", "rollout.visit.no_access_prob=0.10,0.12",
                  "--set", f"experiment.common_random_numbers={crn}", "-o", str(path))
        out[crn] = open_experiment(path, groups=["rollout"])
    return out


def test_common_random_numbers_reduce_the_paired_variance(crn_pair):
    ratios, inst = {}, {}
    for crn, exp in crn_pair.items():
        v = inst[crn] = exp.rollout["installs_elec"].sum(["day", "region", "supplier"])
        d = v.sel(variant=1) - v.sel(variant=0)
        ratios[crn] = float(d.var(ddof=1)) / float(v.sel(variant=0).var(ddof=1) + v.sel(variant=1).var(ddof=1))
    # Measured 0.017 with CRN.  Without, var(D)/(var0+var1) ~ chi2(11)/11
    # (independent runs): below 0.3 with probability 0.2 %.
    assert ratios["true"] < 0.1, ratios
    assert ratios["false"] > 0.3, ratios
    # The paired interval of the difference is correspondingly narrower.
    w = {crn: float(paired_difference(x).sel(stat="halfwidth", variant=1)) for crn, x in inst.items()}
    assert w["true"] < 0.4 * w["false"], w
    # More no-access visits leave fewer installs (the workforce, not the
    # demand, sets the visits in this year): seen with confidence under CRN.
    ci = paired_difference(inst["true"]).sel(variant=1)
    assert float(ci.sel(stat="upper")) < 0


def test_open_experiment_layout(crn_pair, tmp_path):
    exp = crn_pair["true"]
    assert is_experiment(exp.path)
    ro = exp.rollout
    assert ro["visits"].dims[:2] == ("variant", "replicate")
    assert list(ro["rollout.visit.no_access_prob"].values) == [0.10, 0.12]
    assert ro["seed"].dims == ("variant", "replicate")
    assert (ro["seed"].sel(variant=0).values == ro["seed"].sel(variant=1).values).all()
    assert exp.attrs["replications"] == 12 and exp.attrs["common_random_numbers"] == 1
    # The same from another working directory (links are relative to the manifest).
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        again = open_experiment(exp.path, groups=["rollout"])
        assert float(again.rollout["visits"].sum()) == float(ro["visits"].sum())
    finally:
        os.chdir(cwd)
    # A run read on its own equals its slice of the stacked dataset.
    one = exp.run(1, 3)
    assert np.array_equal(one.rollout["visits"].values, ro["visits"].sel(variant=1, replicate=3).values)


def test_summary_tables(crn_pair):
    s = summary(crn_pair["true"])
    assert set(s["variant"]) == {0, 1}
    row = s[(s["variant"] == 0) & (s["result"] == "total visits")].iloc[0]
    assert row["lower"] < row["value"] < row["upper"]
    d = summary_differences(crn_pair["true"])
    row0 = d[(d["variant"] == 0) & (d["result"] == "total visits")].iloc[0]
    assert row0["value"] == 0 and row0["halfwidth"] == 0   # variant 0 minus itself


def test_open_experiment_refuses_a_single_run(tmp_path):
    out = tmp_path / "one.h5"
    subprocess.run([SMSIM, "run", str(CFG), "-q", "-o", str(out)], check=True, cwd=REPO)
    assert not is_experiment(out)
    with pytest.raises(Exception, match="not an smsim experiment"):
        open_experiment(out)


def test_report_of_an_experiment(crn_pair, tmp_path):
    from analysis.report import main
    out = tmp_path / "rep"
    assert main([str(crn_pair["true"].path), "--compare", "-o", str(out)]) == 0
    page = (out / "index.html").read_text()
    assert "Key results" in page and "paired by replicate" in page
    for name in ("smart_share.png", "smart_share-paired.png", "peak_minute.png"):
        assert (out / name).stat().st_size > 10000, name
    # --compare without a value is for experiments only
    single = tmp_path / "one.h5"
    subprocess.run([SMSIM, "run", str(CFG), "-q", "-o", str(single)], check=True, cwd=REPO)
    assert main([str(single), "--compare", "-o", str(tmp_path / "rep1")]) == 2
