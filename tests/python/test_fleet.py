"""
test_fleet.py — the /fleet group of a run with life after the install on
(scenarios/small.cfg turns every fleet process on, property references from
2018): the traditional-mode stock by cause sums to the traditional state
every day, and a two-run comparison of property references on and off shows
fewer attributable visits and aborts, in the report's totals and figure.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import _checked_binary, run_smsim

from analysis.load import fleet_totals, open_run

REPO = Path(__file__).resolve().parents[2]
SMALL_CFG = REPO / "scenarios" / "small.cfg"


@pytest.fixture(scope="module")
def run_no_refs(tmp_path_factory):
    """small.cfg with property references never used."""
    tmp = tmp_path_factory.mktemp("fleet")
    return run_smsim(_checked_binary(), SMALL_CFG, tmp / "no-refs.h5",
                     "--set", "rollout.fleet.prn.from=\"2099-12-31\"")


def test_traditional_by_cause_sums_to_state(run_small):
    r = open_run(run_small.path)
    fl = r.groups["fleet"]
    by_cause = fl["traditional_by_cause"].sum("cause").values
    trad = r.rollout["households_by_state"].sel(state="traditional").values
    assert by_cause.shape == trad.shape
    assert np.array_equal(by_cause, trad)
    assert list(fl["cause"].values) == ["never_commissioned", "lost_on_switching", "device_fault", "han_fault",
                                        "awaiting_migration"]
    assert int(fl["traditional_by_cause"].sel(cause="lost_on_switching").max()) > 0


def test_property_references_compared(run_small, run_no_refs, tmp_path):
    with_refs = fleet_totals(open_run(run_small.path))
    without = fleet_totals(open_run(run_no_refs.path))
    for k in ("fleet: prn_one_fuel_visits", "fleet: prn_second_visits", "fleet: prn_aborts"):
        assert with_refs[k] < without[k], (k, with_refs[k], without[k])
    out = tmp_path / "cmp"
    p = subprocess.run([sys.executable, "-m", "analysis.report", str(run_no_refs.path), "--compare",
                        str(run_small.path), "-o", str(out)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    html = (out / "index.html").read_text()
    assert (out / "compare_prn.png").stat().st_size > 1000
    assert "fleet: prn_aborts" in html and "fleet: prn_second_visits" in html
