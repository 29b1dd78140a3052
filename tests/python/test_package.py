"""
test_package.py — `analysis` is an installable package: an editable install
with Debian's setuptools and pip (no network: --no-deps
--no-build-isolation) into a virtual environment that sees Debian's
packages, imported from elsewhere; and nothing in the tests or the notebook
patches sys.path to find it.
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_editable_install_with_debian_setuptools(tmp_path):
    # A copy, so the build leaves nothing in the working tree.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "VERSION"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "analysis", src / "analysis",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, timeout=120)
    py = venv / "bin" / "python"
    p = subprocess.run([str(py), "-m", "pip", "install", "--no-index", "-e", str(src), "--no-deps",
                        "--no-build-isolation"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    code = ("import analysis, analysis.report, analysis.plots, analysis.schema, importlib.metadata as m;"
            "print(analysis.__file__); print(m.version('smsim-analysis'))")
    p = subprocess.run([str(py), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    where, version = p.stdout.split()
    assert Path(where) == src / "analysis" / "__init__.py"
    assert version == (REPO / "VERSION").read_text().strip()
    p = subprocess.run([str(venv / "bin" / "smsim-report"), "--help"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "usage" in p.stdout, p.stderr


def test_nothing_patches_sys_path():
    sources = {p: p.read_text() for p in (REPO / "tests" / "python").glob("*.py")}
    nb = json.loads((REPO / "analysis" / "notebooks" / "explore.ipynb").read_text())
    sources["explore.ipynb"] = "\n".join("".join(c["source"]) for c in nb["cells"])
    patch = re.compile(r"sys\.path\s*(\.(insert|append|extend)\b|\[|\+?=[^=])|site\.addsitedir")
    offenders = [f"{p}: {m.group(0)}" for p, text in sources.items() for m in [patch.search(text)] if m]
    assert not offenders, f"the module search path is patched: {offenders}"
