"""
test_notebook.py — analysis/notebooks/explore.ipynb runs top to bottom
without an error on the real output of scenarios/small.cfg, under a kernel
that is the Debian interpreter (/usr/bin/python3), started the way its
first cell tells a user to: in the notebook's folder (as Jupyter does),
with PYTHONPATH naming the repository root.
"""
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "analysis" / "notebooks" / "explore.ipynb"


def test_notebook_runs(run_small, debian_kernel, monkeypatch):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    monkeypatch.setenv("SMSIM_RUN", str(run_small.path))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    client = NotebookClient(nb, kernel_name=debian_kernel, timeout=300,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()   # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3, "the notebook drew fewer than 3 figures"
    text = "".join(o.get("text", "") for o in outputs)
    assert "% smart:" in text
    assert not any(o.get("output_type") == "error" for o in outputs)
    assert os.environ.get("SMSIM_RUN") == str(run_small.path)
