"""Damaged intermediates in a built tree (issue #17): a file truncated as a full disk or a killed copy
would leave it (a CSV at a line boundary and mid-line, a JSON, an npz) makes the rerun fail with a
message naming the file, and nothing downstream (figures, generated LaTeX, the PDF, the arXiv bundle)
is rewritten from it. Before, a CSV cut at a line boundary rebuilt the figure, the PDF and the bundle
without the largest batch sizes, exit code 0.

Each case works on its own copy of one built tree (test config), with the files' times kept, so
Snakemake sees exactly the one damaged file as changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import copy_tree, output_hashes, require_tex, snakemake

pytestmark = pytest.mark.slow

LR_CSV = "results/train/nqm_eps-8.csv"  # config/test.yaml: train.lr_curves = nqm, eps index 0, log10 eps -8


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    require_tex()
    root = copy_tree(tmp_path_factory.mktemp("built") / "repo")
    snakemake(root, "--cores", "2")
    return root


def _cut_csv_at_line(data: bytes) -> bytes:
    """Drop the rows of the last batch size, at a line boundary (what used to go unnoticed)."""
    lines = data.splitlines(keepends=True)
    last_B = lines[-1].split(b",")[7]
    return b"".join(line for line in lines if line.split(b",")[7] != last_B)


CASES = {
    "csv cut at a line boundary": (LR_CSV, _cut_csv_at_line),
    "csv cut mid-line": (LR_CSV, lambda d: d[: len(d) // 2 + 7]),
    "sweep json cut": ("results/train/nqm_eps-8.json", lambda d: d[: len(d) // 2]),
    "results json cut": ("results/scurves.json", lambda d: d[: len(d) - 40]),
    "npz cut": ("results/moments.npz", lambda d: d[: len(d) // 2]),
    "npz emptied": ("results/eta_nqm.npz", lambda d: b""),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_damaged_intermediate_fails_naming_it(built, tmp_path, case):
    path, damage = CASES[case]
    root = tmp_path / "repo"
    shutil.copytree(built, root, symlinks=True)  # copy2: times kept, so only the damaged file is new
    before = output_hashes(root)
    target = root / path
    data = target.read_bytes()
    damaged = damage(data)
    assert damaged != data and len(damaged) < len(data)
    target.write_bytes(damaged)

    proc = snakemake(root, "--cores", "1", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"the rerun succeeded on a damaged {path}:\n{out}"
    assert f"{path}: " in out and "damaged or incomplete" in out, out

    after = output_hashes(root)
    rewritten = sorted(k for k in after if k != path and after[k] != before.get(k))
    assert not rewritten, f"rewritten from a damaged {path}: {rewritten}"
    for kept in ("paper/paper.pdf", "dist/arxiv-source.tar.gz", "paper/generated/numbers.tex"):
        assert after.get(kept) == before[kept], kept
    # What is gone is only the outputs of the job that refused the file (Snakemake removes them).
    gone = sorted(set(before) - set(after))
    assert all(g.startswith(("figures/", "results/train.", "paper/generated/")) for g in gone), gone
