"""Bad configuration stops the run before any job, with a message naming the key, leaving nothing behind."""

import math
import re

import pytest

from adameps.pipeline.config import check_finite, check_less, iter_leaves
from conftest import snakemake


def test_iter_leaves_paths():
    cfg = {"a": {"b": [1.0, {"c": 2}]}, "d": "x"}
    assert list(iter_leaves(cfg)) == [("a.b[0]", 1.0), ("a.b[1].c", 2), ("d", "x")]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_check_finite_names_the_key(bad):
    with pytest.raises(ValueError, match=r"'scurves\.x_max'"):
        check_finite({"scurves": {"x_max": bad, "n_grid": 3}})
    check_finite({"scurves": {"x_max": 1.0, "n_grid": 3}, "repository_url": ""})


def test_check_less_names_both_keys():
    with pytest.raises(ValueError, match=r"'m\.lo' \(3\) must be less than 'm\.hi' \(1\)"):
        check_less({"m": {"lo": 3, "hi": 1}}, "m.lo", "m.hi")
    check_less({"m": {"lo": 0, "hi": 1}}, "m.lo", "m.hi")


BAD_CONFIGS = {
    "negative grid size": ("scurves:\n  x_max: 3.0\n  n_grid: -5\n", ["n_grid", "minimum"]),
    "wrong type": ("scurves:\n  x_max: 3.0\n  n_grid: many\n", ["n_grid", "'many' is not of type 'integer'"]),
    "float for an integer": ("scurves:\n  x_max: 3.0\n  n_grid: 10.5\n", ["n_grid", "integer"]),
    "NaN": ("scurves:\n  x_max: .nan\n  n_grid: 11\n", ["'scurves.x_max'", "finite"]),
    "infinity": ("scurves:\n  x_max: .inf\n  n_grid: 11\n", ["x_max"]),
    "zero width": ("scurves:\n  x_max: 0\n  n_grid: 11\n", ["x_max", "minimum"]),
    "unknown key": ("scurves:\n  x_max: 3.0\n  n_grid: 11\n  n_grdi: 5\n", ["'n_grdi' was unexpected"]),
    "unknown section": ("scurve:\n  x_max: 3.0\n", ["'scurve' was unexpected"]),
    "empty list": ("moments:\n  b_curves: []\n", ["b_curves", "should be non-empty"]),
    "reversed range": ("moments:\n  log10_b_min: 2.0\n  log10_b_max: -1.0\n", ["'moments.log10_b_min'", "less than"]),
    "bad url": ('repository_url: "not a url"\n', ["repository_url", "does not match"]),
    "budget on an arm without eps": ("train:\n  step_budget: {problem: nqm_sgd}\n",
                                     ["['train']['step_budget']['problem']", "'nqm_sgd' is not one of"]),
    "lr curves of a missing eps": ("train:\n  lr_curves: {problem: nqm, eps_index: 99}\n",
                                   ["train.lr_curves", "'eps_index': 99", "eps indices"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_fails_before_any_job(repo_copy, case):
    text, expected = BAD_CONFIGS[case]
    (repo_copy / "bad.yaml").write_text(text)
    proc = snakemake(repo_copy, "--cores", "1", "--configfile", "bad.yaml", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    for needle in expected:
        assert needle in out, f"{needle!r} not in output:\n{out}"
    # Nothing ran, so nothing was written.
    for d in ("results", "figures", "logs", "paper/generated"):
        assert not any(p.is_file() and p.name != "README.md" for p in (repo_copy / d).rglob("*")), d
    assert not (repo_copy / "paper/paper.pdf").exists()


def test_full_config_validates_and_plans(repo_copy):
    """config/full.yaml (the cluster-sized training sweeps) passes the schema and the Snakefile's
    checks, and plans one train_sweep job per (arm, eps) and step budget (a dry run)."""
    import subprocess
    import sys

    import yaml

    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--configfile", "config/full.yaml"],
                          cwd=repo_copy, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    train = yaml.safe_load((repo_copy / "config/full.yaml").read_text())["train"]
    n = sum(len(c.get("log10_eps", [None])) for c in train["problems"].values())
    n += len(train["step_budget"]["steps"]) * len(train["step_budget"]["log10_eps"])
    assert re.search(rf"^train_sweep\s+{n}$", out, re.M), out
