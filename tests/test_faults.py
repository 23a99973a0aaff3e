"""Faults in a built tree (issue #17), each on its own copy of one clean build (test config; the
files' times kept, so Snakemake sees exactly what the fault changed).

Damaged intermediates: a file truncated as a full disk or a killed copy would leave it (a CSV at a
line boundary and mid-line, a JSON, an npz) makes the rerun fail with a message naming the file, and
nothing downstream (figures, generated LaTeX, the PDF, the arXiv bundle) is rewritten from it.
Before, a CSV cut at a line boundary rebuilt the figure, the PDF and the bundle without the largest
batch sizes, exit code 0.

Hard kills: SIGKILL (as the OOM killer or a power cut ends a build: no handler runs, Snakemake's lock
stays behind) to the whole build while it runs the first analysis job, a training sweep, or LaTeX;
then the README's command (`snakemake --cores N`, the profile picked up) finishes the build with
outputs identical to the clean build, no lock, no partial file. To put the kill in a given job
without rebuilding everything, the copy loses that job's outputs (and its log, whose appearance says
the job is running) and the PDF, so the build redoes that job and what depends on it. The machinery (starting a
build, waiting for the moment, signalling its process group) is tests/test_interrupt.py's.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from conftest import BUILD_TIMEOUT, copy_built, output_hashes, snakemake
from test_interrupt import interrupted_build, leftovers

pytestmark = pytest.mark.slow

LR_SWEEP = "results/train/nqm_eps-8"  # config/test.yaml: train.lr_curves = nqm, eps index 0 (log10 eps -8)


@pytest.fixture(scope="module")
def built(built_tree):
    """The session's one clean build of the test config (conftest.built_tree): (root, hashes)."""
    return built_tree


def _copy(built, tmp_path) -> Path:
    return copy_built(built, tmp_path / "repo")


# ---------------------------------------------------------------- damaged intermediates
def _cut_csv_at_line(data: bytes) -> bytes:
    """Drop the rows of the last batch size, at a line boundary (what used to go unnoticed)."""
    lines = data.splitlines(keepends=True)
    last_B = lines[-1].split(b",")[7]
    return b"".join(line for line in lines if line.split(b",")[7] != last_B)


DAMAGE = {
    "csv cut at a line boundary": (f"{LR_SWEEP}.csv", _cut_csv_at_line),
    "csv cut mid-line": (f"{LR_SWEEP}.csv", lambda d: d[: len(d) // 2 + 7]),
    "sweep json cut": (f"{LR_SWEEP}.json", lambda d: d[: len(d) // 2]),
    "results json cut": ("results/scurves.json", lambda d: d[: len(d) - 40]),
    "npz cut": ("results/moments.npz", lambda d: d[: len(d) // 2]),
    "npz emptied": ("results/eta_nqm.npz", lambda d: b""),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_intermediate_fails_naming_it(built, tmp_path, case):
    path, damage = DAMAGE[case]
    root = _copy(built, tmp_path)
    before = built[1]
    target = root / path
    data = target.read_bytes()
    damaged = damage(data)
    assert damaged != data and len(damaged) < len(data)
    target.write_bytes(damaged)

    proc = snakemake(root, "--cores", "1", check=False, timeout=BUILD_TIMEOUT)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"the rerun succeeded on a damaged {path}:\n{out}"
    assert f"{path}: " in out and "damaged or incomplete" in out, out

    after = output_hashes(root)
    rewritten = sorted(k for k in after if k != path and after[k] != before.get(k))
    assert not rewritten, f"rewritten from a damaged {path}: {rewritten}"
    for kept in ("paper/paper.pdf", "dist/arxiv-source.tar.gz"):
        assert after.get(kept) == before[kept], kept
    # What is gone is only the outputs of the job that refused the file (Snakemake removes them).
    # A sweep's JSON has two readers, train_summary and multistep_predict; which one the scheduler
    # starts first changes with the DAG's other jobs, so either's outputs may be the ones removed.
    gone = sorted(set(before) - set(after))
    assert all(g.startswith(("figures/", "results/train.", "paper/generated/")) for g in gone) or all(
        g.startswith("results/multistep/") for g in gone), gone


# ---------------------------------------------------------------- hard kills
def _job_log_appeared(log_name):
    def ready(root: Path, log: str) -> bool:
        return (root / "logs" / log_name).exists()

    ready.__name__ = f"{log_name} written"
    return ready


def _latex_running(root: Path, log: str) -> bool:
    return any((root / "paper/build").glob("paper.*"))


# What each copy loses: the job's outputs, its log, and everything downstream of it (Snakemake
# does not rebuild a missing intermediate whose consumers' outputs are all there).
PAPER = ["paper/generated/numbers.tex", "paper/generated/claims.tex", "paper/generated/numbers_table.tex", "paper/paper.pdf", "paper/build", "dist"]
KILLS = {
    # The first job of the run: the analysis job the others wait for.
    "first analysis job": (["results/scurves.*", "figures/scurves.*", "logs/scurves.log", *PAPER],
                           _job_log_appeared("scurves.log")),
    "training": ([f"{LR_SWEEP}.*", "results/train.*", "figures/train*", "paper/generated/table_train_metrics.tex",
                  "logs/train_sweep_nqm_eps-8.log", *PAPER], _job_log_appeared("train_sweep_nqm_eps-8.log")),
    "latex": (["paper/paper.pdf", "paper/build", "dist"], _latex_running),
}


@pytest.mark.parametrize("moment", sorted(KILLS))
def test_sigkill_then_readme_command_recovers(built, tmp_path, moment):
    remove, ready = KILLS[moment]
    root = _copy(built, tmp_path)
    for pattern in remove:
        found = list(root.glob(pattern))
        assert found, pattern
        for p in found:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    first = interrupted_build(root, signal.SIGKILL, ready, timeout=BUILD_TIMEOUT, min_done=0)
    assert list((root / ".snakemake/locks").glob("*.lock")), f"SIGKILL left no lock; nothing to recover:\n{first}"
    # A kill in the middle of a write leaves the writer's temporary file (_common.atomic_path); the
    # window is too short to hit reliably, so plant one as it would be left.
    (root / "results/.moments.npz.k1ll3d.part").write_bytes(b"half a file")

    rerun = snakemake(root, "--cores", "2", timeout=BUILD_TIMEOUT)  # the README's command
    rerun_log = rerun.stdout + rerun.stderr
    assert "Removed a stale Snakemake lock" in rerun_log, rerun_log
    assert "partial file(s) left by an interrupted run" in rerun_log, rerun_log
    dry = snakemake(root, "-n")
    assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout + dry.stderr

    assert not list((root / ".snakemake/locks").glob("*.lock"))
    assert leftovers(root) == [], f"left behind after SIGKILL and a rerun: {leftovers(root)}"
    hashes = output_hashes(root)
    assert hashes.keys() == built[1].keys(), (sorted(hashes), sorted(built[1]))
    differ = [k for k in hashes if hashes[k] != built[1][k]]
    assert not differ, f"outputs after SIGKILL ({moment}) + rerun differ from a clean build: {differ}"
