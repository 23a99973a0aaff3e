"""The `adameps` command end to end (subprocess): good and bad inputs, exit codes, --help, --json."""

import json
import subprocess
import sys
import textwrap
import tomllib

import numpy as np
import pytest

from conftest import ROOT, require_torch

from adameps import practical
from adameps.cli import save_stats


def run(*args, cwd=None):
    env_path = str(ROOT / "src")
    import os

    env = {**os.environ, "PYTHONPATH": env_path + os.pathsep + os.environ.get("PYTHONPATH", ""), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "adameps", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


@pytest.fixture(scope="module")
def stats_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 200
    sigma = np.exp(rng.normal(0, 1, n)) * 1e-2
    g = 0.1 * sigma * rng.standard_normal(n)
    hdiag = np.exp(rng.normal(0, 1, n))
    hdiag[:3] = -0.1  # a noisy Hutchinson estimate: floored
    sigma[-2:], g[-2:] = 0.0, 0.0  # dead coordinates: dropped
    path = tmp_path_factory.mktemp("stats") / "stats.npz"
    save_stats(str(path), dict(g=g, sigma=sigma, hdiag=hdiag, layout=[dict(name="w", start=0, stop=n)],
                               n_examples=1000))
    return path, (g, sigma, hdiag)


def test_console_script_is_declared():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"adameps": "adameps.cli:main"}


@pytest.mark.parametrize("cmd", [[], ["predict"], ["eps-switch"], ["stats"]])
def test_help(cmd):
    r = run(*cmd, "--help")
    assert r.returncode == 0 and "usage: adameps" in r.stdout


def test_predict_json_and_text(stats_file, tmp_path):
    path, (g, sigma, hdiag) = stats_file
    r = run("predict", str(path), "--eps", "1e-8", "1e-3", "--batch", "32:4096", "--json",
            "--plot", str(tmp_path / "p.png"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["B"] == pytest.approx([32 * 2**k for k in range(8)])
    assert out["inputs"]["n_dead"] == 2 and out["inputs"]["n_floored"] == 3
    assert out["stats_meta"]["n_examples"] == 1000
    gg, H, ss, _ = practical.prepare_inputs(g, sigma, hdiag)
    ref = practical.predict(gg, H, ss, [1e-8, 1e-3], out["B"])
    for c, cr in zip(out["curves"], ref["curves"]):
        assert c["eta_rel"][0] == 1.0
        np.testing.assert_allclose(c["eta"], cr["eta"], rtol=1e-12)
    assert (tmp_path / "p.png").stat().st_size > 1000
    t = run("predict", str(path), "--eps", "1e-8", "1e-3", "--batch", "32:4096")
    assert t.returncode == 0 and "B_noise" in t.stdout and "eps = 0.001" in t.stdout


def test_eps_switch(stats_file):
    path, (g, sigma, hdiag) = stats_file
    r = run("eps-switch", str(path), "--from", "1e-8", "--to", "1e-3", "--batch", "512", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    gg, H, ss, _ = practical.prepare_inputs(g, sigma, hdiag)
    ref = practical.eps_switch(gg, H, ss, 1e-8, 1e-3, 512)
    assert out["factor_progress"] == pytest.approx(ref["factor_progress"], rel=1e-12)
    t = run("eps-switch", str(path), "--from", "1e-8", "--to", "1e-3", "--batch", "512")
    assert t.returncode == 0 and "multiply the learning rate by" in t.stdout
    # lowering eps from 1e-2 (SGD-like here) to 1e-8 (sign-like): at the same learning rate the
    # expected one-step progress turns negative, and no learning rate recovers the old progress
    low = run("eps-switch", str(path), "--from", "1e-2", "--to", "1e-8", "--batch", "512")
    assert low.returncode == 0 and "no learning rate keeps" in low.stdout and "(the loss rises)" in low.stdout


@pytest.mark.parametrize("args, code, match", [
    (["predict", "MISSING.npz", "--eps", "1e-8", "--batch", "32"], 1, "does not exist"),
    (["predict", "{stats}", "--eps", "-1", "--batch", "32"], 2, "argument --eps"),
    (["predict", "{stats}", "--eps", "1e-8", "--batch", "abc"], 2, "--batch must be"),
    (["predict", "{stats}", "--eps", "1e-8", "--batch", "64:32"], 2, "--batch must be"),
    (["predict", "{stats}", "--batch", "32"], 2, "--eps"),
    (["predict", "{bad}", "--eps", "1e-8", "--batch", "32"], 1, "not a readable .npz"),
    (["predict", "{empty}", "--eps", "1e-8", "--batch", "32"], 1, "lacks the arrays"),
    (["eps-switch", "{stats}", "--from", "1e-5", "--to", "1e-8", "--batch", "0"], 2, "argument --batch"),
    (["eps-switch", "{stats}", "--from", "1e-5", "--to", "1e-8", "--batch", "8", "--lr-ratio", "3"], 2, "--lr-ratio"),
    (["stats", "nocolon", "--out", "x.npz"], 2, "module:function"),
    (["stats", "no_such_module_xyz:make", "--out", "x.npz"], 1, "cannot import module"),
    (["frobnicate"], 2, "invalid choice"),
])
def test_bad_inputs(stats_file, tmp_path, args, code, match):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    empty = tmp_path / "empty.npz"
    np.savez(empty, x=np.ones(3))
    args = [a.format(stats=stats_file[0], bad=bad, empty=empty) for a in args]
    r = run(*args, cwd=tmp_path)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert match in r.stderr
    assert not (tmp_path / "x.npz").exists()


FACTORY = textwrap.dedent('''
    import torch

    def make():
        torch.manual_seed(0)
        X = torch.randn(256, 3, dtype=torch.float64)
        y = X @ torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64) + 0.3 * torch.randn(256, dtype=torch.float64)
        model = torch.nn.Linear(3, 1, dtype=torch.float64)
        loss_fn = lambda m, b: 0.5 * ((m(b[0]).squeeze(-1) - b[1]) ** 2).mean()
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64)
        return model, loss_fn, loader

    def broken():
        raise RuntimeError("no data here")
''')


def test_stats_end_to_end(tmp_path):
    require_torch()
    (tmp_path / "factory_mod.py").write_text(FACTORY)
    r = run("stats", "factory_mod:make", "--out", "s.npz", "--probes", "8", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["n_examples"] == 256 and summary["method"] == "vmap" and summary["n_probes"] == 8
    assert "hessian" in r.stderr  # the progress bar
    z = np.load(tmp_path / "s.npz")
    assert z["g"].shape == (4,) and list(z["layout_name"]) == ["weight", "bias"]
    meta = json.loads(str(z["meta"]))
    assert meta["model_spec"] == "factory_mod:make" and meta["format"] == "adameps-stats-1"
    p = run("predict", "s.npz", "--eps", "1e-8", "--batch", "8:256", "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    b = run("stats", "factory_mod:broken", "--out", "t.npz", cwd=tmp_path)
    assert b.returncode == 1 and "no data here" in b.stderr and not (tmp_path / "t.npz").exists()
