"""Bad configuration stops the run before any job, with a message naming the key, leaving nothing behind."""

import math
import re

import pytest
import yaml

from adameps.pipeline.config import ConfigError, check_finite, check_less, iter_leaves, load_yaml, validate_config
from conftest import ROOT, snakemake


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


# Each bad configuration (an overlay on config/config.yaml) and what the message must say. Every one
# stops before any job: in-process here (validate_config, fast), and through `snakemake -n` /
# `snakemake --cores 1` in the slow tests below.
BAD_CONFIGS = {
    "negative grid size": ("scurves:\n  x_max: 3.0\n  n_grid: -5\n", ["'scurves.n_grid'", ">= 3"]),
    "wrong type": ("scurves:\n  x_max: 3.0\n  n_grid: many\n", ["'scurves.n_grid'", "'many' must be an integer; write a whole number"]),
    "float for an integer": ("scurves:\n  x_max: 3.0\n  n_grid: 10.5\n", ["'scurves.n_grid'", "integer"]),
    "integral float for an integer": ("scurves:\n  n_grid: 1201.0\n", ["'scurves.n_grid' = 1201.0 must be an integer; write 1201"]),
    "exponent for an integer": ("scurves:\n  n_grid: 1.2e+3\n", ["'scurves.n_grid' = 1200.0 must be an integer; write 1200"]),
    "bool for an integer": ("scurves:\n  n_grid: true\n", ["'scurves.n_grid' = True must be an integer"]),
    "NaN": ("scurves:\n  x_max: .nan\n  n_grid: 11\n", ["'scurves.x_max'", "finite"]),
    "infinity": ("scurves:\n  x_max: .inf\n  n_grid: 11\n", ["'scurves.x_max' must be a finite number, got inf"]),
    "zero width": ("scurves:\n  x_max: 0\n  n_grid: 11\n", ["'scurves.x_max' = 0 must be > 0"]),
    "unknown key": ("scurves:\n  x_max: 3.0\n  n_grid: 11\n  n_grdi: 5\n",
                    ["'n_grdi' was unexpected", "'scurves' takes: n_grid, x_max"]),
    "unknown section": ("scurve:\n  x_max: 3.0\n", ["unknown top-level config key 'scurve' ('scurve' was unexpected)", "the top level of the config takes"]),
    "empty list": ("moments:\n  b_curves: []\n", ["'moments.b_curves'", "should be non-empty"]),
    "reversed range": ("moments:\n  log10_b_min: 2.0\n  log10_b_max: -1.0\n", ["'moments.log10_b_min'", "less than"]),
    "bad url": ('repository_url: "not a url"\n', ["'repository_url'", "does not match"]),
    "bad false_claims": ("false_claims: warn\n", ["config key 'false_claims' = 'warn' must be one of: fail, mark"]),
    "budget on an arm without eps": ("train:\n  step_budget: {problem: nqm_sgd}\n",
                                     ["'train.step_budget.problem' = 'nqm_sgd' must name an adam or softsign arm"]),
    "budget on a missing arm": ("train:\n  step_budget: {problem: cnn}\n", ["'train.step_budget.problem' = 'cnn'"]),
    "lr curves of a missing eps": ("train:\n  lr_curves: {problem: nqm, eps_index: 99}\n",
                                   ["train.lr_curves", "'eps_index': 99", "eps indices"]),
    "eps on an optimizer without eps": ("train:\n  problems:\n    nqm_sgd: {log10_eps: [-8]}\n",
                                        ["'train.problems.nqm_sgd' must not set log10_eps (optimizer 'sgd' has no eps)"]),
    "arm of an unknown problem": ("train:\n  problems:\n    cnn_adam: {optimizer: adam, steps: 3, B: [1, 2, 3]}\n",
                                  ["'cnn_adam' is not a valid name here", "^nqm(_[A-Za-z0-9]+)?$"]),
    "arm named like a step budget": ("train:\n  problems:\n    nqm_steps10: {optimizer: sgd, steps: 3, n: 4, B: [1, 2, 3]}\n",
                                     ["'train.problems.nqm_steps10'", "step-budget arm"]),
    "rank as large as n": ("eta:\n  families:\n    low_rank_dominated: {n: 300, rank: 300, seed: 0}\n",
                           ["'eta.families.low_rank_dominated.rank' = 300 must be less than", "at most 299"]),
    # Oversize: each passes the schema's per-key maxima; the product is what eats the machine.
    "moments grid of 1e10 points": ("moments:\n  n_a: 100000\n  n_b: 100000\n",
                                    ["moments.n_a × moments.n_b", "exceeds limits.moments_grid_points"]),
    "moments grid of 2e4 x 2e4": ("moments:\n  n_a: 20000\n  n_b: 20000\n",
                                  ["= 4.00e+08 exceeds limits.moments_grid_points = 4.00e+06"]),
    "nqm n = 100000": ("eta:\n  families:\n    nqm: {n: 100000}\n",
                       ["eta.families.nqm.n = 100000: n²", "limits.eta_matrix_entries"]),
    "eps x B sweep 1e4 x 1e4": ("eta:\n  eps: {log10_min: -4, log10_max: 3, n: 10000}\n  B: {log10_min: 0, log10_max: 8, n: 10000}\n",
                                ["eta.eps.n × eta.B.n × eta.families.", "limits.eta_sweep_points"]),
    "sqrt rule of 1e5 batch sizes": ("eta:\n  sqrt_rule: {n_B: 100000}\n", ["eta.sqrt_rule.n_B", "limits.eta_sweep_points"]),
    "a million steps of the mlp": ("train:\n  problems:\n    mlp: {steps: 1000000}\n",
                                   ["train.problems.mlp: the work of one sweep job", "limits.train_work_per_job"]),
    "a huge step budget": ("train:\n  step_budget: {problem: mlp, steps: [1, 10, 1000000]}\n",
                           ["train.step_budget.steps = 1000000", "limits.train_work_per_job"]),
    "a thousand eps values": ("train:\n  problems:\n    nqm: {log10_eps: [" + ", ".join(["-3"] * 1000) + "]}\n",
                              ["number of train_sweep jobs", "limits.train_jobs"]),
}


def _config(overlay_text: str) -> dict:
    """config/config.yaml with ``overlay_text`` read on top, as `--configfile` does."""
    from snakemake.utils import update_config

    cfg = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    update_config(cfg, yaml.safe_load(overlay_text))
    return cfg


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_message(case, monkeypatch):
    monkeypatch.chdir(ROOT)
    text, expected = BAD_CONFIGS[case]
    with pytest.raises(ConfigError) as info:
        validate_config(_config(text))
    msg = str(info.value)
    for needle in expected:
        assert needle in msg, f"{needle!r} not in:\n{msg}"
    assert len(msg.splitlines()) <= 4 and len(msg) < 600, f"not short:\n{msg}"
    assert "$schema" not in msg and "'properties'" not in msg  # no schema dump


def test_validation_leaves_out_the_iri_grammars():
    """validate_config loads jsonschema without its optional "iri" checker (rfc3987_syntax, seconds of
    grammar compilation on every Snakemake start), and leaves that module importable afterwards."""
    import subprocess
    import sys

    code = ("import importlib.util, sys\n"
            "from adameps.pipeline.config import load_yaml, validate_config\n"
            "validate_config(load_yaml('config/config.yaml'))\n"
            "assert 'jsonschema' in sys.modules and 'rfc3987_syntax' not in sys.modules, sorted(sys.modules)\n"
            "if importlib.util.find_spec('rfc3987_syntax'):\n"
            "    import rfc3987_syntax\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("path", ["config/config.yaml", "config/test.yaml", "config/full.yaml"])
def test_shipped_configs_pass(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    validate_config(_config((ROOT / path).read_text()) if path != "config/config.yaml" else _config("{}"))


def test_numbers_written_as_text_are_numbers(monkeypatch):
    """YAML 1.1 reads 1e-4 as a string; --config reads nested values as strings: both become numbers."""
    monkeypatch.chdir(ROOT)
    cfg = _config("eta:\n  table_eps: [1e-4, 1e-2]\nscurves: {n_grid: '101', x_max: '3'}\n")
    assert cfg["eta"]["table_eps"] == ["1e-4", "1e-2"]  # what PyYAML reads
    validate_config(cfg)
    assert cfg["eta"]["table_eps"] == [1e-4, 1e-2]
    assert cfg["scurves"] == {"n_grid": 101, "x_max": 3}
    assert isinstance(cfg["scurves"]["n_grid"], int)
    cfg = _config("repository_url: '123'\n")  # a string where the schema wants one stays one
    with pytest.raises(ConfigError, match="repository_url"):
        validate_config(cfg)


def test_free_arm_names(monkeypatch):
    """An arm's name is its problem and any suffix (the config says so; the schema used to list seven)."""
    monkeypatch.chdir(ROOT)
    cfg = _config("train:\n  problems:\n    mlp_wide2: {optimizer: adam, steps: 3, l2: 0.001, hidden: 8, "
                  "B: [4, 64, 512], log10_eps: [-8]}\n    nqm_x: {optimizer: sign, steps: 3, n: 8, B: [1, 2, 4]}\n")
    validate_config(cfg)


def test_yaml_syntax_error_names_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scurves:\n  x_max: 3.0\n  n_grid: [1, 2\nmoments: {}\n")
    with pytest.raises(ConfigError, match=rf"^{bad}:4:\d+: YAML syntax error"):
        load_yaml(bad)


def test_check_cli_names_the_line(tmp_path):
    """`python -m adameps.pipeline.config FILE` checks an overlay the way the Snakefile does, with line numbers
    for YAML errors (Snakemake's own message for a bad --configfile names neither file nor line)."""
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text("scurves:\n  x_max: 3.0\n  n_grid: [1, 2\nmoments: {}\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "adameps.pipeline.config", str(bad)], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    assert proc.returncode != 0 and f"{bad}:4:" in proc.stderr, proc.stderr
    good = tmp_path / "good.yaml"
    good.write_text("scurves: {n_grid: 11}\n")
    proc = subprocess.run([sys.executable, "-m", "adameps.pipeline.config", str(good)], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0, proc.stderr


SCHEMA_KEYWORDS = {
    "$schema", "description", "type", "additionalProperties", "required", "properties", "patternProperties",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "uniqueItems",
    "minLength", "maxLength", "items", "enum", "pattern", "minProperties", "if", "then", "else", "not",
    "allOf", "anyOf", "oneOf", "contains", "const",
}


def _schema_nodes(node, path="schema"):
    yield path, node
    for key in ("properties", "patternProperties"):
        for name, sub in node.get(key, {}).items():
            yield from _schema_nodes(sub, f"{path}.{key}.{name}")
    for key in ("items", "if", "then", "else", "not", "additionalProperties", "contains"):
        if isinstance(node.get(key), dict):
            yield from _schema_nodes(node[key], f"{path}.{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(node.get(key, [])):
            yield from _schema_nodes(sub, f"{path}.{key}[{i}]")


def test_schema_has_no_junk_keys():
    """A description with a comma in a YAML flow mapping ({..., description: Seeds per (B, eps, lr).})
    splits into junk keys that JSON Schema ignores: every key of every schema node is a keyword."""
    schema = yaml.safe_load((ROOT / "config/schema/config.schema.yaml").read_text())
    for path, node in _schema_nodes(schema):
        junk = set(node) - SCHEMA_KEYWORDS
        assert not junk, f"{path}: not JSON Schema keywords: {sorted(junk)}"
        if "description" in node:
            assert isinstance(node["description"], str) and node["description"].strip(), path


# Through Snakemake, one case per stage of validate_config (every message is checked in-process
# above; the Snakefile calls validate_config before any job, the same call for every case): the
# finite check, the schema (a wrong type, an unknown key), a key ordering, the training
# cross-references, the problem families and the work limits.
END_TO_END = ["NaN", "wrong type", "unknown key", "reversed range", "budget on a missing arm",
              "rank as large as n", "moments grid of 1e10 points"]


def test_end_to_end_cases_cover_every_stage(monkeypatch):
    """Together the end-to-end cases fail in every stage of validate_config."""
    import adameps.pipeline.config as config_module

    stages = ["check_finite", "validate_schema", "check_less", "check_training", "check_families", "check_limits"]
    raised = []

    def recording(name, check):
        def wrapped(*args, **kwargs):
            try:
                return check(*args, **kwargs)
            except ValueError:
                raised.append(name)
                raise
        return wrapped

    for name in stages:
        monkeypatch.setattr(config_module, name, recording(name, getattr(config_module, name)))
    monkeypatch.chdir(ROOT)
    failed_at = {}
    for case in END_TO_END:
        raised.clear()
        with pytest.raises(ConfigError):
            config_module.validate_config(_config(BAD_CONFIGS[case][0]))
        failed_at[case] = raised[0]
    assert sorted(set(failed_at.values())) == sorted(stages), failed_at


@pytest.mark.slow
@pytest.mark.parametrize("case", END_TO_END)
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


# A grid and a job count: the two kinds of limit `snakemake -n` must refuse before planning.
OVERSIZE = ["moments grid of 1e10 points", "a thousand eps values"]


@pytest.mark.slow
@pytest.mark.parametrize("case", OVERSIZE)
def test_oversize_config_rejected_by_dry_run(repo_copy, case):
    """`snakemake -n` (which plans without running) already refuses a configuration that would eat
    the machine, naming the keys and the limit."""
    text, expected = BAD_CONFIGS[case]
    (repo_copy / "big.yaml").write_text(text)
    proc = snakemake(repo_copy, "-n", "--configfile", "big.yaml", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    for needle in expected:
        assert needle in out, f"{needle!r} not in output:\n{out}"
    assert "train_sweep" not in out.split("ConfigError")[0], out  # refused before planning any job


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


# ---------------------------------------------------------------- recovery after a hard kill
def _fake_lock(root):
    locks = root / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("results/x.json\n")
    (locks / "0.output.lock").write_text("results/y.json\n")
    return locks


def test_stale_lock_removed_when_no_snakemake_runs_here(tmp_path):
    from adameps.pipeline.config import recover_stale_lock

    locks = _fake_lock(tmp_path)
    said = []
    assert recover_stale_lock(tmp_path, log=said.append)
    assert not list(locks.glob("*.lock")) and "stale" in said[0]
    assert not recover_stale_lock(tmp_path, log=said.append)  # nothing left to do


def test_live_lock_kept(tmp_path):
    """A Snakemake process running in the directory (here a stand-in whose command line names
    snakemake) keeps its lock: two concurrent runs still exclude each other."""
    import subprocess
    import sys

    from adameps.pipeline.config import recover_stale_lock

    locks = _fake_lock(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "snakemake", "--cores", "1"],
                            cwd=tmp_path)
    try:
        said = []
        assert not recover_stale_lock(tmp_path, log=said.append)
        assert len(list(locks.glob("*.lock"))) == 2 and f"pid {proc.pid}" in said[0]
    finally:
        proc.kill()
        proc.wait()
    assert recover_stale_lock(tmp_path, log=said.append)  # its owner gone, the lock is stale


def test_partial_files_removed(tmp_path):
    from adameps.pipeline.config import remove_partial_files

    (tmp_path / "results/train").mkdir(parents=True)
    (tmp_path / "paper/generated").mkdir(parents=True)
    part = [tmp_path / "results/train/.nqm_eps0.csv.abc.part", tmp_path / "paper/generated/.numbers.tex.x.part"]
    for p in part:
        p.write_text("half")
    keep = tmp_path / "results/moments.json"
    keep.write_text("{}")
    removed = remove_partial_files(tmp_path, log=lambda _: None)
    assert removed == ["paper/generated/.numbers.tex.x.part", "results/train/.nqm_eps0.csv.abc.part"]
    assert keep.exists() and not any(p.exists() for p in part)


@pytest.mark.slow
def test_nested_config_numbers_from_the_command_line(repo_copy):
    """`--config 'scurves={x_max: 2.5, n_grid: 51}'`: Snakemake reads nested values as strings; they
    are read as the numbers they are, and the plan uses them."""
    proc = snakemake(repo_copy, "-n", "--config", "scurves={x_max: 2.5, n_grid: 51}", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "rule scurves:" in out or re.search(r"^scurves\s+1$", out, re.M), out


@pytest.mark.slow
@pytest.mark.parametrize("budget,needle", [
    ("{token_budgets: [2048], log10_eps: -8, B: [1, 2, 4]}", "config key 'lm.budget.token_budgets' = [2048] must not contain lm.token_budget (2048)"),
    ("{token_budgets: [1024], log10_eps: -8, B: [1, 2, 3]}", "config key 'lm.budget.B' = [1, 2, 3] must be among [1, 2, 4]"),
    ("{token_budgets: [1024], log10_eps: -4, B: [1, 2, 4]}", "config key 'lm.budget.log10_eps' = [-4] must be among"),
])
def test_lm_budget_checked_before_any_job(repo_copy, budget, needle):
    """lm.budget: the token budgets must differ from the main one, B and eps must be the sweeps'."""
    (repo_copy / "bad.yaml").write_text((ROOT / "config/test.yaml").read_text().replace(
        "  budget: {token_budgets: [1024, 3072], log10_eps: -8, B: [1, 2, 4]}", f"  budget: {budget}"))
    proc = snakemake(repo_copy, "-n", "--configfile", "bad.yaml", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and needle in out, out
    assert not (repo_copy / "results").exists() or not any(p.is_file() for p in (repo_copy / "results").rglob("*.json"))
