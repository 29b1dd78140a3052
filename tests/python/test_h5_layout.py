"""test_h5_layout.py — the file sim_h5 writes opens in xarray as labelled data.

The C test program (build/tests/test_h5) writes its sample file when
SMSIM_H5_SAMPLE=path is set; here that file is opened with both xarray
engines (h5netcdf and netCDF4), with netCDF4 directly and with h5py, and
checked: dimension names, label coordinates as str, "days since" decoded to
datetime64, values, units/long_name, root attributes.  Not for: what the
simulator writes (that schema belongs to analysis/ and models/).

The binary is found from $SMSIM_TEST_H5, else next to $SMSIM
(build/smsim -> build/tests/test_h5), else build/tests/test_h5.  When
none exists the tests skip and say how to build it.
"""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
N_DAYS, REGIONS, HOURS = 14, ["North Scotland", "Ynys Môn", "London"], [0.5, 6.25, 12.0, 18.75]


def _test_binary():
    if os.environ.get("SMSIM_TEST_H5"):
        return Path(os.environ["SMSIM_TEST_H5"])
    if os.environ.get("SMSIM"):
        cand = Path(os.environ["SMSIM"]).resolve().parent / "tests" / "test_h5"
        if cand.exists():
            return cand
    return REPO / "build" / "tests" / "test_h5"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    exe = _test_binary()
    if not exe.exists():
        pytest.skip(f"{exe} not built: run `make build/tests/test_h5` (or set SMSIM_TEST_H5)")
    path = tmp_path_factory.mktemp("h5") / "sample.h5"
    env = dict(os.environ, SMSIM_H5_SAMPLE=str(path))
    subprocess.run([str(exe)], env=env, check=True, timeout=60)
    assert path.exists()
    assert not list(path.parent.glob("*.tmp.*")), "temporary file left behind"
    return path


def installs_at(d, r, h):
    return 1000003 * d + 101 * r + 7 * h + 13


ENGINES = ["h5netcdf", "netcdf4"]


def _open(path, engine, **kw):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf" if engine == "h5netcdf" else "netCDF4")
    return xr.open_dataset(path, engine=engine, **kw)


@pytest.mark.parametrize("engine", ENGINES)
def test_rollout_group_is_labelled(sample, engine):
    with _open(sample, engine, group="rollout") as ds:
        assert dict(ds.sizes) == {"region": 3, "hour": 4, "day": N_DAYS}
        assert ds["installs"].dims == ("day", "region", "hour")
        assert ds["share"].dims == ("day", "region")
        assert ds["edges"].dims == ("hour",)
        assert set(ds.coords) == {"day", "region", "hour"}

        # Label coordinate: str values, UTF-8 intact.
        assert [str(v) for v in ds["region"].values] == REGIONS
        assert all(isinstance(v, str) for v in ds["region"].values)

        # "days since 2012-01-01" decodes to datetime64; day d is 2*d+3.
        day = ds["day"].values
        assert np.issubdtype(day.dtype, np.datetime64)
        want = np.datetime64("2012-01-01") + (2 * np.arange(N_DAYS) + 3).astype("timedelta64[D]")
        np.testing.assert_array_equal(day, want.astype(day.dtype))

        # CF time units on a non-time coordinate ("hours") become timedelta64:
        # xarray's rule, worth knowing when choosing units.
        assert np.issubdtype(ds["hour"].dtype, np.timedelta64)
        np.testing.assert_array_equal(ds["hour"].values / np.timedelta64(1, "h"), HOURS)

        inst = ds["installs"].values
        assert inst.dtype == np.int64
        d, r, h = np.meshgrid(range(N_DAYS), range(3), range(4), indexing="ij")
        np.testing.assert_array_equal(inst, installs_at(d, r, h))
        # Selecting by label works end to end.
        one = ds["installs"].sel(region="Ynys Môn", day="2012-01-08").values
        np.testing.assert_array_equal(one, [installs_at(2, 1, h) for h in range(4)])

        share = ds["share"].values
        np.testing.assert_allclose(share, 0.125 + 0.37 * d[:, :, 0] - 1.5 * r[:, :, 0], rtol=0, atol=0)

        assert ds["installs"].attrs["units"] == "1"
        assert ds["installs"].attrs["long_name"] == "installations completed"
        assert ds["share"].attrs["description"] == "share of meters that are smart"
        assert ds["edges"].attrs["units"] == "s"   # "s" is not a CF time unit: stays float
        assert ds["edges"].dtype == np.float64
        assert ds["region"].attrs["long_name"] == "DCC region"
        assert ds.attrs["title"] == "daily series"
        # No fill value invented by the reader: zeros and defaults stay data.
        assert "_FillValue" not in ds["installs"].encoding or ds["installs"].encoding["_FillValue"] is None


@pytest.mark.parametrize("engine", ENGINES)
def test_root_attributes(sample, engine):
    with _open(sample, engine) as ds:
        assert ds.attrs["status"] == "complete"
        assert ds.attrs["scenario"] == 'rollout.start = "2012-01-01";\n'
        assert int(ds.attrs["seed"]) == -9007199254740993
        assert float(ds.attrs["wall_seconds"]) == 12.375


def test_netcdf4_sees_unlimited_day(sample):
    netCDF4 = pytest.importorskip("netCDF4")
    with netCDF4.Dataset(sample) as nc:
        g = nc["rollout"]
        assert g.dimensions["day"].isunlimited()
        assert not g.dimensions["region"].isunlimited()
        assert len(g.dimensions["day"]) == N_DAYS
        assert list(g.variables) == ["region", "hour", "day", "installs", "share", "edges"]
        assert "detail" in nc["dcc"].groups


def test_h5py_plain(sample):
    h5py = pytest.importorskip("h5py")
    with h5py.File(sample, "r") as f:
        assert list(f["rollout/region"].asstr()[:]) == REGIONS
        assert f["rollout/day"].maxshape == (None,)
        assert f["rollout/installs"].chunks is not None
        scales = [d[0].name for d in f["rollout/installs"].dims]
        assert scales == ["/rollout/day", "/rollout/region", "/rollout/hour"]
        assert f.attrs["status"] == "complete"
