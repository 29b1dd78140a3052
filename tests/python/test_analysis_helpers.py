"""
test_analysis_helpers.py — the derived quantities of analysis.load checked
against the file read by hand with h5py (exact: both sides read the same
integers), the detail-day layout the plots rely on, and a run without
detail days reported with notes for the figures it cannot draw.
"""
import h5py
import numpy as np
import pytest
import xarray as xr

from analysis import event_plots, load, plots, report


@pytest.fixture(scope="module")
def run(run_small):
    return load.open_run(run_small.path)


@pytest.fixture(scope="module")
def raw(run_small):
    """The datasets the checks below need, read with h5py alone."""
    with h5py.File(run_small.path, "r") as f:
        return {"hbs": f["rollout/households_by_state"][()],
                "states": list(f["rollout/state"].asstr()[()]),
                "installs": f["rollout/installs_elec"][()] + f["rollout/installs_gas"][()],
                "services": list(f["dcc/service"].asstr()[()]),
                "targets": f["dcc/sla_target_s"][()],
                "minute": f["dcc/detail/minute"][()],
                "n_detail": f["dcc/detail/detail_day"].shape[0]}


def test_sum_but_time_keeps_time_and_the_named_dims(run, raw):
    hbs = run.rollout["households_by_state"]
    nat = load.sum_but_time(hbs)
    assert nat.dims == ("day",)
    np.testing.assert_array_equal(nat.values, raw["hbs"].sum(axis=(1, 2)))
    by = load.sum_but_time(hbs, "state")
    assert by.dims == ("day", "state")
    np.testing.assert_array_equal(by.values, raw["hbs"].sum(axis=1))
    assert by.attrs["units"] == hbs.attrs["units"]
    det = run.dcc_detail["arrivals"]
    assert load.sum_but_time(det, "minute").dims == ("detail_day", "minute")


def test_smart_share_per_region_by_hand(run, raw):
    smart = raw["states"].index("smart")
    want = raw["hbs"][:, :, smart] / raw["hbs"].sum(axis=2)
    got = load.smart_share(run, "region")
    assert got.dims == ("day", "region")
    np.testing.assert_allclose(got.values, want, rtol=0, atol=1e-15)
    anym = [raw["states"].index(s) for s in load.SMART_METER_STATES]
    want = raw["hbs"][:, :, anym].sum(axis=(1, 2)) / raw["hbs"].sum(axis=(1, 2))
    np.testing.assert_allclose(load.smart_share(run, states=load.SMART_METER_STATES).values, want,
                               rtol=0, atol=1e-15)


def test_state_labels_are_exact(run):
    """States are the file's labels, never guessed: an unknown one is an error,
    and so is a dimension households_by_state does not have."""
    with pytest.raises(KeyError):
        load.smart_households(run, states=("smart_dcc",))
    with pytest.raises(ValueError, match="supplier"):
        load.smart_share(run, "supplier")


def test_cumulative_installs_by_hand(run, raw):
    got = load.cumulative_installs(run, "supplier")
    np.testing.assert_array_equal(got.values, np.cumsum(raw["installs"].sum(axis=1), axis=0))


def test_sla_targets_are_the_stored_dataset(run, raw):
    assert load.sla_targets(run) == dict(zip(raw["services"], map(float, raw["targets"])))


def test_detail_rows_layout(run, raw):
    """(detail_day, minute, ...) series: one row per bin of every detail day,
    hours since the first detail day's midnight, hour of day."""
    rows, x, hours, n_days = plots._detail_rows(run.dcc_detail["arrivals"])
    nbins = raw["minute"].size
    assert n_days == raw["n_detail"] and rows.sizes["_row"] == n_days * nbins
    assert hours.min() == 0 and hours.max() == 23
    assert x[-1] == pytest.approx(24 * (n_days - 1) + raw["minute"][-1] / 60)


def test_date_reaching_exact():
    days = np.arange("2020-01-01", "2020-01-06", dtype="datetime64[D]").astype("datetime64[ns]")
    s = xr.DataArray([0.0, 0.2, 0.5, 0.79, 0.81], coords={"day": days}, dims="day")
    assert load.date_reaching(s, 0.5) == np.datetime64("2020-01-03")
    assert load.date_reaching(s, 0.8) == np.datetime64("2020-01-05")
    assert load.date_reaching(s, 0.9) is None


def test_report_without_detail_days_skips_with_notes(run_small_no_detail, tmp_path):
    run = load.open_run(run_small_no_detail.path)
    assert run.dcc_detail is None and "dcc/detail" not in run.groups
    res = report.write_report(run_small_no_detail.path, tmp_path / "r")
    skipped = dict(res["skipped"])
    events = {k: v for k, v in skipped.items() if k.startswith("event_")}   # the worst-day page: no dcc.events
    assert set(events) == {n for n, _, _ in event_plots.EVENT_FIGURES}
    assert all("event (dcc.events)" in v or "interruptions (dcc.outages)" in v for v in events.values()), events
    skipped = {k: v for k, v in skipped.items() if k not in events}
    assert set(skipped) == {"dcc_load_by_hour", "latency_vs_sla", "latency_distribution"}   # sla_by_day reads /dcc
    assert all(n.startswith("skipped: no /dcc/detail") for n in skipped.values()), skipped
    assert len(res["figures"]) == len(plots.FIGURES) - 3
    html = (tmp_path / "r" / "index.html").read_text()
    assert "s_curve_region.png" in html and "skipped: no /dcc/detail group" in html


# ---- response times on every day (fluid days too) ---------------------------------

def test_every_day_has_response_times(run_small):
    """Each day's services with completions have a share within target in
    [0, 1] that equals 1 - breaches / completed, ordered quantiles and a
    worst minute of the day, on fluid days as on request-level days."""
    with h5py.File(run_small.path, "r") as f:
        done = f["dcc/completed"][()].sum(axis=2)            # (day, service)
        share = f["dcc/sla_share_within_target"][()]
        breaches = f["dcc/sla_breaches"][()]
        q = np.stack([f[f"dcc/latency_p{p}"][()] for p in (50, 95, 99)])
        worst = f["dcc/worst_minute"][()]
        worst_s = f["dcc/worst_minute_latency"][()]
        resolution = f["dcc/resolution"][()]
    some = done > 0.5   # at least half an expected completion
    fluid = some & (resolution == 0)[:, None]
    assert fluid.sum() > 1000, "the run has fluid days with traffic"
    assert np.isfinite(share[some]).all() and np.isfinite(q[:, some]).all()
    assert ((share[some] >= 0) & (share[some] <= 1)).all()
    np.testing.assert_allclose(share[some], 1 - breaches[some] / done[some], rtol=0, atol=1e-9)
    assert (q[0][some] <= q[1][some] + 1e-9).all() and (q[1][some] <= q[2][some] + 1e-9).all()
    assert ((worst[some] >= 0) & (worst[some] <= 1439)).all()
    assert (worst_s[some] > 0).all()
    assert np.isnan(share[done == 0]).all() and np.isnan(q[1][done == 0]).all()
    # No daily read answers faster than the WAN's minimum latency and the
    # device's response (small.cfg: at least 1 s + 0.5 s): nor does its median.
    reads = some[:, 0] & (resolution == 0)
    assert reads.sum() > 1000 and (q[0][reads, 0] > 1.5).all()


def test_sla_by_day_draws_the_datasets(run):
    fig = plots.sla_by_day(run)
    services = plots.busiest_services(run.dcc)
    assert services and len(fig.axes[0].lines) >= len(services)
    first = fig.axes[0].lines[0]
    want = 100 * run.dcc["sla_share_within_target"].sel(service=services[0]).values
    np.testing.assert_array_equal(np.asarray(first.get_ydata(), dtype=float), want)
    ratio = fig.axes[1].lines[1 if len(fig.axes[1].lines) > len(services) else 0]
    assert np.nanmax(np.asarray(ratio.get_ydata(), dtype=float)) > 0
