"""
test_analysis.py — the output of `smsim run scenarios/small.cfg`, read the
way researchers read it (xarray, h5py, pandas, the analysis package):
dimensions and coordinates, units, decoded dates, labels, and values that
agree with the C side's own counters (the summary `smsim run` prints).
Exact equalities: both sides count the same integer events, so any
difference is a bug, not noise.
"""
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from analysis import load, schema
from analysis.load import open_run

REPO = Path(__file__).resolve().parents[2]
SMALL_CFG = REPO / "scenarios" / "small.cfg"

ROOT_ATTRS = ["title", "smsim_version", "scenario_path", "scenario_text", "scenario_effective",
              "command_line", "seed", "threads", "ranks", "households", "shards", "start_date",
              "end_date", "started_at", "finished_at", "wall_time_s", "events", "status"]
REGIONS = ["north", "central", "south"]
CAUSES = ["no_access", "refusal", "safety", "wrong_variant", "wan_failure", "han_failure", "other"]


@pytest.fixture(scope="module")
def run(run_small):
    return open_run(run_small.path)


# ---- the file as HDF5 --------------------------------------------------------

def test_root_attributes_record_the_run(run, run_small):
    missing = [a for a in ROOT_ATTRS if a not in run.attrs]
    assert not missing, f"root attributes missing: {missing}"
    assert run.attrs["status"] == "complete"
    assert run.attrs["scenario_path"].endswith("small.cfg")
    assert run.attrs["scenario_text"] == SMALL_CFG.read_text()
    assert run.attrs["command_line"].split() == [str(a) for a in run_small.argv]
    assert int(run.attrs["households"]) == int(run_small.summary["households"])
    assert float(run.attrs["wall_time_s"]) >= 0


def test_every_variable_has_units_and_long_name(run_small):
    bad = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            for a in ("units", "long_name"):
                if a not in obj.attrs and not (a == "units" and h5py.check_string_dtype(obj.dtype)):
                    bad.append(f"/{name}: no {a}")

    with h5py.File(run_small.path, "r") as f:
        f.visititems(visit)
    assert not bad, "\n".join(bad)


def test_every_variable_has_dimension_scales(run_small):
    """Each dimension of each dataset has a scale attached (what lets
    xarray label it): checked with h5py, independently of xarray."""
    bad = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and not h5py.h5ds.is_scale(obj.id):
            for i, d in enumerate(obj.dims):
                if len(d) == 0:
                    bad.append(f"/{name} axis {i}")

    with h5py.File(run_small.path, "r") as f:
        f.visititems(visit)
    assert not bad, "no dimension scale on: " + ", ".join(bad)


def test_time_coordinates_are_cf_dates(run_small):
    with h5py.File(run_small.path, "r") as f:
        start = f.attrs["start_date"]
        start = start.decode() if isinstance(start, bytes) else str(start)
        units = f["rollout/day"].attrs["units"]
        units = units.decode() if isinstance(units, bytes) else str(units)
    assert units == f"days since {start}"


# ---- xarray ------------------------------------------------------------------

def test_rollout_dims_and_coordinates(run):
    ro = run.rollout
    for d in ("day", "region", "supplier", "cause", "state"):
        assert d in ro.dims, f"/rollout lacks dimension {d}: {dict(ro.sizes)}"
        assert d in ro.coords
    assert [str(r) for r in ro["region"].values] == REGIONS
    assert set(CAUSES) <= {str(c) for c in ro["cause"].values}
    assert ro.sizes["supplier"] >= 1
    assert all(isinstance(s, str) and s for s in ro["supplier"].values)
    for v in ("contacts", "visits", "installs_elec", "smart_commissioned"):
        assert v in ro, f"/rollout/{v} missing"
        assert ro[v].dims[:3] == ("day", "region", "supplier")
    assert ro["outcomes"].dims == ("day", "region", "supplier", "cause")
    assert ro["households_by_state"].dims == ("day", "region", "state")


def test_dates_are_decoded_from_the_start_date(run):
    day = run.rollout["day"]
    assert np.issubdtype(day.dtype, np.datetime64)
    start = np.datetime64(run.attrs["start_date"], "D")
    end = np.datetime64(run.attrs["end_date"], "D")
    assert day.values[0].astype("datetime64[D]") == start
    assert day.values[-1].astype("datetime64[D]") == end
    assert np.all(np.diff(day.values) == np.timedelta64(1, "D"))
    np.testing.assert_array_equal(run.dcc["day"].values, day.values)


def test_units_survive_in_xarray(run):
    ro = run.rollout
    for v in ro.data_vars:
        assert ro[v].attrs.get("units"), f"/rollout/{v}: no units after decoding"
    assert ro["day"].encoding.get("units", "").startswith("days since ")


def test_netcdf4_engine_opens_rollout(run_small):
    """Both xarray engines the issue names read the file."""
    with xr.open_dataset(run_small.path, group="rollout", engine="netcdf4") as ds:
        assert np.issubdtype(ds["day"].dtype, np.datetime64)
        assert [str(r) for r in ds["region"].values] == REGIONS


def test_pandas_view(run):
    df = run.rollout["installs_elec"].to_dataframe()
    assert list(df.index.names) == ["day", "region", "supplier"]
    assert len(df) == run.rollout.sizes["day"] * 3 * run.rollout.sizes["supplier"]


# ---- values against the C side's counters -----------------------------------

def test_installs_equal_the_summary(run, run_small):
    m = load.meters_installed(run.rollout)
    assert int(m.sum()) == int(run_small.summary["meters_installed"])
    assert int(run_small.summary["meters_installed"]) > 0, "small.cfg installs nothing"


def test_contacts_and_visits_equal_the_summary(run, run_small):
    s = run_small.summary
    if "contacts" in s:
        assert int(run.rollout["contacts"].sum()) == int(s["contacts"])
    if "visits" in s:
        assert int(run.rollout["visits"].sum()) == int(s["visits"])


def test_outcomes_and_revisits_equal_the_summary(run, run_small):
    s = run_small.summary
    assert int(run.rollout["outcomes"].sum()) == int(s["visits:did_not_end_in_an_install"])
    assert int(run.rollout["revisits"].sum()) == int(s["visits:revisits"])


def test_final_states_equal_the_summary(run, run_small):
    """The summary's smart (DCC) and traditional-mode households are the last
    day's households_by_state (traditional counts partial sites too: smart
    meters of which one is not working smart)."""
    last = run.rollout["households_by_state"].isel(day=-1).sum("region")
    assert int(last.sel(state="smart")) == int(run_small.summary["smart_dcc"])
    assert int(last.sel(state=["traditional", "partial"]).sum()) == \
        int(run_small.summary["traditional_mode"])


def test_households_by_state_sum_to_the_population(run):
    hbs = run.rollout["households_by_state"].sum(["region", "state"])
    assert np.all(hbs.values == run.households), \
        f"population {run.households}, by-state sums {np.unique(hbs.values)[:5]}"


def test_smart_share_is_a_share(run):
    share = load.smart_share(run)
    assert share is not None
    assert np.all((share.values >= 0) & (share.values <= 1))
    assert share.values[-1] > 0, "no household ends smart in small.cfg"


def test_dcc_totals_equal_the_summary(run, run_small):
    """The C side totals each day's requests (expected, fractional counts on
    fluid days) rounded to an integer: so does dcc_daily_totals."""
    s = run_small.summary
    assert "dcc_requests" in s, "no DCC line in the summary"
    t = load.dcc_daily_totals(run.dcc)
    # Both sides sum the same float64 values in a different order and round
    # once: they may differ by the summation error, far below one request.
    assert abs(t["requests"] - int(s["dcc_requests"])) <= 1
    assert t["requests"] > 0, "small.cfg sends no DCC traffic"
    if "dcc_requests:failed" in s:
        assert abs(t["failures"] - int(s["dcc_requests:failed"])) <= 1
    if "dcc_requests:per_minute" in s:   # printed with %.0f
        assert round(t["peak_minute_load"]) == int(s["dcc_requests:per_minute"])


def test_dcc_dims_and_detail_days(run, run_small):
    dcc = run.dcc
    for d in ("day", "service", "region", "failure_class"):
        assert d in dcc.dims, f"/dcc lacks dimension {d}"
    assert [str(r) for r in dcc["region"].values] == REGIONS
    assert [str(c) for c in dcc["failure_class"].values] == ["E20", "E21", "E30"]
    assert dcc["requests"].dims == ("day", "service", "region")
    n_detail = int(run_small.summary.get("dcc_requests:detail_days", 0))
    if n_detail:
        det = run.dcc_detail
        assert det is not None and det.sizes["detail_day"] == n_detail
        assert np.issubdtype(det["detail_day"].dtype, np.datetime64)
        assert set(det["detail_day"].values) <= set(dcc["day"].values)


def test_key_totals(run, run_small):
    t = load.key_totals(run)
    assert t["meters installed"] == int(run_small.summary["meters_installed"])
    assert "date 50 % smart" in t and "date 80 % smart" in t


# ---- the report command -------------------------------------------------------

def _report(*args):
    return subprocess.run([sys.executable, "-m", "analysis.report", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_report_writes_every_figure_and_the_html(run_small, tmp_path):
    from analysis import plots
    out = tmp_path / "report"
    p = _report(run_small.path, "-o", out)
    assert p.returncode == 0, p.stderr
    html = (out / "index.html").read_text()
    for name, _, _ in plots.FIGURES:
        png = out / f"{name}.png"
        assert png.is_file() and png.stat().st_size > 1000, f"{name}.png not written: {p.stderr}"
        assert f'src="{name}.png"' in html
    assert "small.cfg" in html
    assert f"{int(run_small.summary['households']):,}" in html
    assert "date 50 % smart" in html


def test_report_compare(run_small, run_small_seed2, tmp_path):
    from analysis import plots
    out = tmp_path / "cmp"
    p = _report(run_small.path, "--compare", run_small_seed2.path, "-o", out)
    assert p.returncode == 0, p.stderr
    html = (out / "index.html").read_text()
    for name, _, _ in plots.COMPARE_FIGURES:
        assert (out / f"{name}.png").is_file(), p.stderr
        assert f'src="{name}.png"' in html
    assert run_small_seed2.path.stem in html


# ---- the schema document -------------------------------------------------------

def test_readme_schema_matches_the_file(run_small):
    """analysis/README.md documents exactly the datasets the simulator writes
    (regenerate with `python3 -m analysis.schema RUN.h5 --update analysis/README.md`)."""
    doc = set(schema.parse_markdown((REPO / "analysis" / "README.md").read_text()))
    real = {(g, n, d, u) for g, n, d, _, u, _ in schema.rows(run_small.path)}
    assert real - doc == set(), "in the file, not documented in analysis/README.md"
    assert doc - real == set(), "documented in analysis/README.md, not in the file"


def test_readme_documents_what_the_package_reads():
    """Every dataset analysis.load.SCHEMA requires is in analysis/README.md's
    tables with the same dimensions: the package reads the documented schema."""
    doc = {(g, n): d for g, n, d, _ in schema.parse_markdown((REPO / "analysis" / "README.md").read_text())}
    for group, datasets in load.SCHEMA.items():
        for name, dims in datasets.items():
            key = (f"/{group}", name)
            assert key in doc, f"/{group}/{name} is read by analysis.load but not documented"
            assert doc[key] == "(" + ", ".join(dims) + ")", f"/{group}/{name}: {doc[key]} vs {dims}"
