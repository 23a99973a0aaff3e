"""A build of the whole DAG interrupted mid-way (SIGINT, as Ctrl-C sends it, and SIGTERM, as a
scheduler or `kill` sends it, both to the whole process group) and then rerun gives exactly the
outputs of an uninterrupted build, and leaves no partial file or incomplete marker behind.

"Mid-way" is read from Snakemake's own progress lines ("k of n steps") and from files appearing,
never from a sleep: the signal goes out either as soon as at least one job has finished
(`after-first-job`: it hits the next analysis job while it runs) or once LaTeX has started
writing paper/build/ (`during-latex`: it hits latexmk/pdflatex); the test checks that at least
one job but not all had finished. The interrupted build runs with one core, so the remaining
jobs (several seconds even on an idle machine) leave a wide window; on a slow machine the window
only gets wider.

Each case starts from a copy of the session's one clean build (conftest.built_tree) with the outputs
of the jobs it replays removed (the first section's analysis and everything downstream of it, or the
PDF alone), not from an empty tree: the interruption is the same, and four whole builds of the
74-job DAG would cost CI about half an hour.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TEST_CONFIG, copy_built, output_hashes, snakemake

pytestmark = pytest.mark.slow

PROGRESS = re.compile(r"^(\d+) of (\d+) steps", re.M)


@pytest.fixture(scope="module")
def reference(built_tree):
    """The session's uninterrupted clean build of the whole DAG (test config): (root, output hashes)."""
    return built_tree


def _progress(log: Path) -> tuple[int, int] | None:
    steps = PROGRESS.findall(log.read_text(errors="replace")) if log.exists() else []
    return (int(steps[-1][0]), int(steps[-1][1])) if steps else None


def leftovers(root: Path) -> list[str]:
    """Partial files (``*.part``, ``.*.part``) anywhere in the tree, and Snakemake's incomplete markers."""
    found = [p for p in root.rglob("*.part")]  # pathlib's * also matches names starting with "."
    found += [p for p in (root / ".snakemake/incomplete").rglob("*") if p.is_file()]
    return sorted(p.relative_to(root).as_posix() for p in found)


def after_first_job(root: Path, log: str) -> bool:
    done = PROGRESS.findall(log)
    return bool(done) and int(done[-1][0]) >= 1


def during_latex(root: Path, log: str) -> bool:
    return re.search(r"^(local)?rule paper:", log, re.M) is not None and any((root / "paper/build").glob("paper.*"))


MOMENTS = {"after-first-job": after_first_job, "during-latex": during_latex}
PAPER = ["paper/generated/numbers.tex", "paper/generated/claims.tex", "paper/generated/numbers_table.tex", "paper/paper.pdf", "paper/build", "dist"]
# What each case removes from the built copy before the interrupted build replays it.
REMOVE = {"after-first-job": ["results/scurves.*", "figures/scurves.*", "logs/scurves.log", *PAPER],
          "during-latex": ["paper/paper.pdf", "paper/build", "dist"]}


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# A hang guard, not a measurement: the whole test-config DAG (74 jobs, LaTeX last) takes about 6 CPU-minutes
# on one core, so the LaTeX moment comes after 6-10 min on a 2-core machine; 300 s was set for 41 jobs.
READY_TIMEOUT = 1800


def interrupted_build(root: Path, sig: signal.Signals, ready, timeout: float = READY_TIMEOUT, min_done: int = 1) -> str:
    """Start the whole build, send ``sig`` to its process group once ``ready(root, log)``; return its log.
    At least ``min_done`` jobs but not all must have finished when the signal arrived."""
    log = root / "interrupted.log"
    cmd = [sys.executable, "-m", "snakemake", "--configfile", TEST_CONFIG, "--cores", "1"]
    with open(log, "w") as out:
        # A build started from a background job of a non-interactive shell (as CI harnesses may
        # do) inherits SIGINT as ignored; restore the default so Ctrl-C reaches Snakemake as it
        # would in a terminal.
        proc = subprocess.Popen(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "MPLBACKEND": "Agg"}, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if ready(root, log.read_text(errors="replace")):
                break
            if proc.poll() is not None:
                pytest.fail(f"build exited ({proc.returncode}) before {ready.__name__}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"not {ready.__name__} within {timeout} s:\n{log.read_text()}")
            time.sleep(0.05)
        os.killpg(proc.pid, sig)  # the process group: snakemake and the job it is running
        try:
            rc = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            # Snakemake 9's SIGTERM handler (JobScheduler.exit_gracefully) takes the scheduler's
            # non-reentrant lock; if the signal lands while the main thread holds that lock, the
            # handler waits on it forever. Only SIGTERM has this race, and only a SIGKILL ends it,
            # as it would for a user or a batch system: kill it so, and hold the rerun to the same
            # standard (identical outputs, nothing partial left behind).
            text = log.read_text(errors="replace")
            if sig != signal.SIGTERM or "Will exit after finishing" in text:
                raise
            print(f"snakemake hung in its SIGTERM handler (upstream lock race); sent SIGKILL:\n{text[-2000:]}")
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:  # never leave a build running behind a failed test
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = log.read_text(errors="replace")
    k, n = _progress(log) or (0, 1)
    assert min_done <= k < n, f"{k} of {n} jobs had finished when {sig.name} arrived:\n{text}"
    assert rc != 0, f"snakemake exited 0 after {sig.name}:\n{text}"
    assert not (root / "paper/paper.pdf").exists(), text
    return text


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_build_reruns_to_identical_outputs(reference, tmp_path, sig, moment):
    root = copy_built(reference, tmp_path / "repo")
    for pattern in REMOVE[moment]:
        found = list(root.glob(pattern))
        assert found, pattern
        for p in found:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    # From the PDF-less copy LaTeX is the first job, so no job has finished when the signal arrives.
    first = interrupted_build(root, sig, MOMENTS[moment], min_done=1 if moment == "after-first-job" else 0)

    rerun = snakemake(root, "--cores", "2")
    rerun_log = rerun.stdout + rerun.stderr
    assert "Nothing to be done" not in rerun_log, first
    dry = snakemake(root, "-n")
    assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout + dry.stderr

    assert leftovers(root) == [], f"left behind after {sig.name} and a rerun: {leftovers(root)}"
    hashes = output_hashes(root)
    assert hashes.keys() == reference[1].keys(), (sorted(hashes), sorted(reference[1]))
    differ = [k for k in hashes if hashes[k] != reference[1][k]]
    assert not differ, f"outputs after {sig.name} + rerun differ from an uninterrupted build: {differ}"
