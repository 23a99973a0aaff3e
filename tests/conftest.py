"""Shared fixtures: the repository root, a disposable copy of the working tree, and a Snakemake runner."""

from __future__ import annotations

import functools
import hashlib
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (reproducible CI), with no per-example
# deadline (the machines are shared and noisy).
settings.register_profile("reproducible", derandomize=True, deadline=None)
settings.load_profile("reproducible")

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = "config/test.yaml"


def tracked_files(root: Path = ROOT) -> list[Path]:
    """Files git tracks plus untracked ones it does not ignore: the tree a fresh clone would have."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root, check=True, capture_output=True,
    ).stdout.decode()
    return [Path(p) for p in out.split("\0") if p and (root / p).is_file()]


def copy_tree(dest: Path) -> Path:
    for rel in tracked_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    return dest


@pytest.fixture
def repo_copy(tmp_path):
    """A fresh copy of the working tree (as a clean clone would have it) in a temporary directory."""
    return copy_tree(tmp_path / "repo")


def require_tex():
    missing = [c for c in ("latexmk", "pdflatex", "bibtex") if shutil.which(c) is None]
    if missing:
        msg = f"TeX tools missing: {missing}; run tools/ensure-tex.sh (make test does)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


def require_torch():
    """Import torch; skip without it, but fail under CI (make setup installs the CPU build) unless
    the set-up left torch out on purpose (`make TORCH=0`, which sets ADAMEPS_TORCH=0)."""
    try:
        import torch
    except ImportError as exc:
        msg = f"torch missing ({exc}); `make setup` installs it from requirements-torch.lock"
        if os.environ.get("CI") and os.environ.get("ADAMEPS_TORCH") != "0":
            pytest.fail(msg)
        pytest.skip(msg, allow_module_level=True)
    return torch


def require_corpus():
    """The language model's corpus (Debian's bible-kjv-text, read by bible-kjv's `bible`)."""
    if shutil.which("bible") is None:
        msg = "corpus missing: run tools/ensure-corpus.sh (make test does)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


def snakemake(cwd: Path, *args: str, check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run ``python -m snakemake *args`` in ``cwd`` with the test config; return the completed process."""
    cmd = [sys.executable, "-m", "snakemake", "--configfile", TEST_CONFIG, *args]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def output_hashes(root: Path) -> dict[str, str]:
    """sha256 of every pipeline output: results, figures, generated LaTeX, the PDF and the arXiv bundle."""
    files = []
    for pattern in ("results/**/*", "figures/*.pdf", "figures/*.png", "paper/generated/*", "paper/paper.pdf",
                    "dist/*"):
        files += [p for p in root.glob(pattern) if p.is_file()]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


BUILD_TIMEOUT = 3600  # hang guard of a whole test-config build (74 jobs: ~6 CPU-minutes on one core)


def _clean_build(tmp_path_factory, name: str) -> tuple[Path, dict[str, str]]:
    """A clean build of the whole DAG (test config) in a fresh copy of the tree: ``(root, output_hashes(root))``."""
    require_tex()
    root = copy_tree(tmp_path_factory.mktemp(name) / "repo")
    snakemake(root, "--cores", "2", timeout=BUILD_TIMEOUT)
    hashes = output_hashes(root)
    assert "paper/paper.pdf" in hashes
    return root, hashes


@pytest.fixture(scope="session")
def built_tree(tmp_path_factory):
    """One clean build of the whole DAG (test config), shared by every module that needs a built
    tree: ``(root, output_hashes(root))``. Never modify ``root``: copy it with :func:`copy_built`
    (times kept, so Snakemake sees it as built)."""
    return _clean_build(tmp_path_factory, "built")


@pytest.fixture(scope="session")
def second_build(tmp_path_factory):
    """A second clean build of the whole DAG in another fresh copy, ``(root, output_hashes(root))``:
    what the byte-identity checks (test_pipeline, test_lm_pipeline) compare with ``built_tree``."""
    return _clean_build(tmp_path_factory, "second")


def copy_built(built_tree, dest: Path) -> Path:
    """A copy of the shared built tree at ``dest`` (file times kept: nothing to do in it)."""
    shutil.copytree(built_tree[0], dest, symlinks=True)
    return dest


@functools.lru_cache(maxsize=8)
def dag_jobs(root: Path = ROOT, configfile: str = TEST_CONFIG) -> list[dict[str, str]]:
    """Every job of the whole DAG as Snakemake plans it (``snakemake -n --forceall``), one dict per
    job with the fields the dry run prints (cached per tree: call it after the tree is final): ``rule``, ``input``, ``output``, ``log``, ``benchmark``,
    ``wildcards``, ``resources``, ``threads`` (absent fields are missing from the dict). Tests ask
    the DAG, not the text of the workflow files, what the workflow builds."""
    cmd = [sys.executable, "-m", "snakemake", "-n", "--forceall", "--configfile", configfile]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300, check=True)
    jobs = []
    for block in re.split(r"^(?:local)?rule ", proc.stdout + proc.stderr, flags=re.M)[1:]:
        name, rest = block.split(":", 1)
        job = {"rule": name}
        for key, value in re.findall(r"^    (\w+): (.*)$", rest, re.M):
            job.setdefault(key, value)
        jobs.append(job)
    return jobs


def dag_outputs(jobs: list[dict[str, str]], pattern: str) -> list[str]:
    """Output paths of ``jobs`` that match the regular expression ``pattern`` (whole path)."""
    return sorted({p for job in jobs for p in job.get("output", "").split(", ") if re.fullmatch(pattern, p)})
