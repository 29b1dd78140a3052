"""
conftest.py — shared fixtures for the Python tests of the analysis package.

The tests run on the real output of `smsim run scenarios/small.cfg` (binary
from env SMSIM, default build/smsim), produced once per test session; files
the analysis must refuse are made from it (tests/python/test_report_inputs.py).
A missing binary is a failure with a clear message, never a skip: a green
run without the simulator would prove nothing.

Run from the repository root (`/usr/bin/python3 -m pytest tests/python`, as
`make test-python` does), so that `import analysis` finds the package, or
after `pip install -e .`.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
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


@pytest.fixture(scope="session")
def run_small_no_detail(tmp_path_factory, run_small):
    """small.cfg without its detail days: the file has no /dcc/detail."""
    tmp = tmp_path_factory.mktemp("smsim3")
    return run_smsim(_checked_binary(), SMALL_CFG, tmp / "small-no-detail.h5", "--set",
                     "dcc.detail.dates=[]")
