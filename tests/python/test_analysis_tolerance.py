"""
test_analysis_tolerance.py — the analysis code itself on files shaped to
stress it (written by conftest.write_synthetic_run, not by smsim): a run
without DCC detail days or without /dcc is still reported, with notes for
the figures it cannot draw; a dataset without dimension scales still loads
through the h5py fallback; the date helpers give exact answers on series
built by hand.
"""
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr

from conftest import REPO, write_synthetic_run

from analysis import load, plots, report


def test_synthetic_loads_with_decoded_dates(synthetic_run):
    run = load.open_run(synthetic_run)
    assert np.issubdtype(run.rollout["day"].dtype, np.datetime64)
    assert run.rollout["day"].values[0] == np.datetime64("2013-01-01")
    det = run.dcc_detail
    assert det is not None and "detail_day" in det.dims
    # "minutes since 00:00" (a time of day, no date) cannot be CF-decoded:
    # the loader keeps it as numbers and decodes everything else.
    assert np.issubdtype(det["detail_day"].dtype, np.datetime64)
    assert det["minute"].values[1] == 5.0
    assert load.sla_targets(run) == {"read_daily": 79200.0, "on_demand": 25.0}


def test_report_without_dcc_skips_with_notes(tmp_path):
    path = tmp_path / "nodcc.h5"
    write_synthetic_run(path, days=60, detail=False)
    with h5py.File(path, "r+") as f:
        del f["dcc"]
    res = report.write_report(path, tmp_path / "r")
    skipped = dict(res["skipped"])
    assert {"dcc_load_by_day", "dcc_load_by_hour", "latency_vs_sla", "read_failures"} <= set(skipped)
    assert all(n.startswith("skipped:") for n in skipped.values()), skipped
    html = (tmp_path / "r" / "index.html").read_text()
    assert "s_curve_region.png" in html and "skipped: no /dcc group" in html


def test_detail_figures_on_the_detail_layout(synthetic_run):
    """(detail_day, minute, ...) series: hour-of-day profiles aggregate
    the bins of every detail day."""
    run = load.open_run(synthetic_run)
    rows, x, hours, n_days = plots._detail_rows(run.dcc_detail["arrivals"])
    assert n_days == 2 and rows.sizes["_row"] == 2 * 288
    assert hours.min() == 0 and hours.max() == 23 and abs(x[-1] - (24 + 23 + 55 / 60)) < 1e-9
    for fn in (plots.dcc_load_by_hour, plots.latency_vs_sla, plots.latency_distribution):
        fig = fn(run)
        assert fig.axes


def test_h5py_fallback_for_datasets_without_scales(tmp_path):
    path = tmp_path / "noscale.h5"
    write_synthetic_run(path, days=30, detail=False)
    with h5py.File(path, "r+") as f:
        f["dcc"].create_dataset("orphan", data=np.arange(5.0))   # no dimension scale
    ds = load.open_group(path, "dcc")
    assert "orphan" in ds and ds["orphan"].size == 5
    assert np.issubdtype(ds["day"].dtype, np.datetime64)
    assert [str(r) for r in ds["region"].values] == ["north", "central", "south"]


def test_h5py_builder_matches_xarray(synthetic_run):
    a = load.open_group(synthetic_run, "rollout")
    b = load._dataset_from_h5py(synthetic_run, "rollout")
    assert set(a.data_vars) == set(b.data_vars)
    for v in a.data_vars:
        assert a[v].dims == b[v].dims
        np.testing.assert_array_equal(a[v].values, b[v].values)
    np.testing.assert_array_equal(a["day"].values, b["day"].values)


def test_date_reaching_exact():
    days = np.arange("2020-01-01", "2020-01-06", dtype="datetime64[D]").astype("datetime64[ns]")
    s = xr.DataArray([0.0, 0.2, 0.5, 0.79, 0.81], coords={"day": days}, dims="day")
    assert load.date_reaching(s, 0.5) == np.datetime64("2020-01-03")
    assert load.date_reaching(s, 0.8) == np.datetime64("2020-01-05")
    assert load.date_reaching(s, 0.9) is None


def test_incomplete_run_is_refused(tmp_path):
    path = tmp_path / "partial.h5"
    write_synthetic_run(path, days=10, status="running")
    try:
        load.open_run(path)
    except load.RunError as e:
        assert "not complete" in str(e)
    else:
        raise AssertionError("an incomplete run was accepted")
    assert load.open_run(path, require_complete=False).rollout is not None


def test_report_usage_error_exits_2(tmp_path):
    p = subprocess.run([sys.executable, "-m", "analysis.report"], cwd=REPO, capture_output=True,
                       text=True)
    assert p.returncode == 2 and "usage" in p.stderr
