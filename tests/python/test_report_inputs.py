"""
test_report_inputs.py — `python3 -m analysis.report` on files it must
refuse: each kind of damaged or foreign input exits 2 with one line on
stderr naming the file and the fault (no traceback), and writes nothing.
The output directory appears complete or not at all: a refused input, an
output target that is not a report directory, or a signal during the
drawing leave no directory and no temporary sibling behind, and an earlier
report is replaced whole.

Every damaged file is made from the real output of scenarios/small.cfg.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from analysis import load

REPO = Path(__file__).resolve().parents[2]


def _report(*args, **kw):
    return subprocess.run([sys.executable, "-m", "analysis.report", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=600, **kw)


def _copy(run_small, tmp_path, name):
    path = tmp_path / name
    shutil.copyfile(run_small.path, path)
    return path


def _delete_dataset(f, name):
    """Remove a dataset the way a writer that never wrote it would leave the
    file: detached from its dimension scales first (else the scales keep
    references to a deleted object)."""
    d = f[name]
    for i, dim in enumerate(d.dims):
        for scale in list(dim.values()):
            d.dims[i].detach_scale(scale)
    del f[name]


def _corrupt_chunk(path, dataset, index):
    """Overwrite one compressed chunk of `dataset` with 0xFF bytes."""
    with h5py.File(path, "r") as f:
        info = f[dataset].id.get_chunk_info(index)
    with open(path, "r+b") as g:
        g.seek(info.byte_offset)
        g.write(b"\xff" * info.size)


def make_text(run_small, tmp):
    p = tmp / "text.h5"
    p.write_text("run = { households = 10; };\n")
    return p


def make_empty(run_small, tmp):
    p = tmp / "empty.h5"
    p.write_bytes(b"")
    return p


def make_foreign(run_small, tmp):
    p = tmp / "foreign.h5"
    with h5py.File(p, "w") as f:
        f.attrs["title"] = "sea surface temperature"
        f.create_group("rollout")["day"] = np.arange(10)
    return p


def make_truncated(run_small, tmp):
    p = tmp / "truncated.h5"
    data = run_small.path.read_bytes()
    p.write_bytes(data[: len(data) * 2 // 3])
    return p


def make_interrupted(run_small, tmp):
    """What an interrupted smsim leaves: everything but the final `status`."""
    p = _copy(run_small, tmp, "interrupted.h5")
    with h5py.File(p, "r+") as f:
        del f.attrs["status"]
    return p


def make_missing_dataset(run_small, tmp):
    p = _copy(run_small, tmp, "missing-dataset.h5")
    with h5py.File(p, "r+") as f:
        _delete_dataset(f, "dcc/requests")
    return p


def make_missing_group(run_small, tmp):
    p = _copy(run_small, tmp, "missing-group.h5")
    with h5py.File(p, "r+") as f:
        del f["dcc"]
    return p


def make_unreadable_chunk(run_small, tmp):
    p = _copy(run_small, tmp, "bad-chunk.h5")
    _corrupt_chunk(p, "rollout/installs_elec", 5)
    return p


def make_unreadable_header(run_small, tmp):
    p = _copy(run_small, tmp, "bad-header.h5")
    with h5py.File(p, "r") as f:
        addr = h5py.h5o.get_info(f["dcc/failures"].id).addr
    with open(p, "r+b") as g:
        g.seek(addr)
        g.write(b"\xab" * 64)
    return p


def make_dates_mismatch(run_small, tmp):
    p = _copy(run_small, tmp, "dates.h5")
    with h5py.File(p, "r+") as f:
        f.attrs["start_date"] = "1999-01-01"
    return p


# kind, how to make it, what the one line must say
CASES = [
    ("text", make_text, "not an HDF5 file"),
    ("empty", make_empty, "empty file"),
    ("foreign", make_foreign, "not an smsim output file"),
    ("truncated", make_truncated, "truncated file"),
    ("interrupted", make_interrupted, "did not finish (no status attribute)"),
    ("missing-dataset", make_missing_dataset, "dataset /dcc/requests is missing"),
    ("missing-group", make_missing_group, "group /dcc is missing"),
    ("unreadable-chunk", make_unreadable_chunk, "cannot read /rollout/installs_elec"),
    ("unreadable-header", make_unreadable_header, "cannot read"),
    ("dates-mismatch", make_dates_mismatch, "not 1999-01-01 to"),
]


def _assert_refused(p, path, what, out):
    lines = p.stderr.splitlines()
    assert p.returncode == 2, p.stderr
    assert len(lines) == 1, f"more than one line on stderr:\n{p.stderr}"
    assert "Traceback" not in p.stderr
    assert lines[0].startswith(f"analysis.report: {path}: "), lines[0]
    assert what in lines[0], lines[0]
    assert p.stdout == ""
    assert not out.exists(), "an output directory was written for a refused input"
    assert not [x for x in out.parent.iterdir() if x.name.startswith(f".{out.name}.")], \
        "a temporary directory was left behind"


@pytest.mark.parametrize("kind,make,what", CASES, ids=[c[0] for c in CASES])
def test_damaged_input_exits_2_with_one_line(run_small, tmp_path, kind, make, what):
    path = make(run_small, tmp_path)
    out = tmp_path / "report"
    _assert_refused(_report(path, "-o", out), path, what, out)


@pytest.mark.parametrize("kind,make,what", CASES[:4], ids=[c[0] for c in CASES[:4]])
def test_damaged_comparison_exits_2(run_small, tmp_path, kind, make, what):
    path = make(run_small, tmp_path)
    out = tmp_path / "report"
    _assert_refused(_report(run_small.path, "--compare", path, "-o", out), path, what, out)


def test_missing_file_and_directory_input(run_small, tmp_path):
    out = tmp_path / "report"
    _assert_refused(_report(tmp_path / "nope.h5", "-o", out), tmp_path / "nope.h5", "no such file", out)
    _assert_refused(_report(tmp_path, "-o", out), tmp_path, "not a regular file", out)


def test_open_run_without_the_completeness_check(run_small, tmp_path):
    path = make_interrupted(run_small, tmp_path)
    with pytest.raises(load.RunError, match="did not finish"):
        load.open_run(path)
    assert load.open_run(path, require_complete=False).rollout.sizes["day"] > 0


# ---- the output directory ----------------------------------------------------

def test_output_target_that_is_not_a_report_is_refused(run_small, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me\n")
    p = _report(run_small.path, "-o", afile)
    assert p.returncode == 2 and "not a directory" in p.stderr, p.stderr
    assert afile.read_text() == "keep me\n"
    other = tmp_path / "results"
    other.mkdir()
    (other / "run.h5").write_text("data\n")
    p = _report(run_small.path, "-o", other)
    assert p.returncode == 2 and "'run.h5'" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr
    assert sorted(x.name for x in other.iterdir()) == ["run.h5"]
    link = tmp_path / "link"
    link.symlink_to(other)
    p = _report(run_small.path, "-o", link)
    assert p.returncode == 2 and "symbolic link" in p.stderr, p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["afile", "link", "results"]


def test_earlier_report_is_replaced_whole(run_small, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("old")
    (out / "stale_figure.png").write_bytes(b"old")
    p = _report(run_small.path, "-o", out)
    assert p.returncode == 0, p.stderr
    names = {x.name for x in out.iterdir()}
    assert "stale_figure.png" not in names and "index.html" in names
    assert "smsim analysis.report" in (out / "index.html").read_text()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["report"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def test_refused_input_keeps_the_earlier_report(run_small, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("earlier report")
    p = _report(make_truncated(run_small, tmp_path), "-o", out)
    assert p.returncode == 2
    assert (out / "index.html").read_text() == "earlier report"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_while_drawing_leaves_nothing(run_small, tmp_path, sig):
    """A signal once the temporary directory exists: exit 1, no report, no
    temporary directory (the figures take seconds to draw)."""
    out = tmp_path / "report"
    proc = subprocess.Popen([sys.executable, "-m", "analysis.report", str(run_small.path), "-o",
                             str(out)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 300
    while not any(x.name.startswith(".report.tmp.") for x in tmp_path.iterdir()):
        assert proc.poll() is None, f"the report ended before drawing: {proc.communicate()}"
        assert time.monotonic() < deadline, "no temporary directory appeared"
        time.sleep(0.01)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == [], "a report or temporary directory was left behind"


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


def test_usage_error_exits_2(tmp_path):
    p = _report()
    assert p.returncode == 2 and "usage" in p.stderr and "Traceback" not in p.stderr
    p = _report(tmp_path / "x.h5", "-o", tmp_path / "r", "--bogus")
    assert p.returncode == 2 and "unrecognized arguments: --bogus" in p.stderr
    assert list(tmp_path.iterdir()) == []
