"""Every notebook is a jupytext pair (.py percent + .ipynb) in sync, and it executes."""

import os

import jupytext
import nbclient
import pytest

from conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
PAIRS = sorted(NOTEBOOKS.glob("*.py"))


def test_there_are_notebooks_and_every_py_has_its_ipynb():
    assert PAIRS
    for py in PAIRS:
        assert py.with_suffix(".ipynb").is_file(), f"{py.name} has no paired .ipynb (run: jupytext --sync {py})"
    for ipynb in NOTEBOOKS.glob("*.ipynb"):
        assert ipynb.with_suffix(".py").is_file(), f"{ipynb.name} has no paired .py"


def test_pairing_is_configured():
    cfg = (NOTEBOOKS / "jupytext.toml").read_text()
    assert 'formats = "ipynb,py:percent"' in cfg


@pytest.mark.parametrize("py", PAIRS, ids=lambda p: p.name)
def test_pair_in_sync(py):
    a = jupytext.read(py)
    b = jupytext.read(py.with_suffix(".ipynb"))
    cells = lambda nb: [(c.cell_type, c.source.strip()) for c in nb.cells]  # noqa: E731
    assert cells(a) == cells(b), f"{py.name} and its .ipynb differ: run `jupytext --sync notebooks/{py.name}`"


@pytest.mark.slow
@pytest.mark.parametrize("py", PAIRS, ids=lambda p: p.name)
def test_notebook_executes(py, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = jupytext.read(py)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert os.environ["MPLBACKEND"] == "Agg"
