"""The torch collector against exact statistics: linear regression, softmax regression (exact Hessian)."""

import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, require_torch

torch = require_torch()

from adameps import theory_inputs as ti  # noqa: E402
from adameps import torch_stats as ts  # noqa: E402
from adameps.hessian import Hessian  # noqa: E402
from adameps.digits import SoftmaxRegression, load_digits_data  # noqa: E402

T64 = torch.float64


def _mse(m, b):
    return 0.5 * ((m(b[0]).squeeze(-1) - b[1]) ** 2).mean()


@pytest.fixture(scope="module")
def linreg():
    rng = np.random.default_rng(0)
    n, d = 4096, 4
    X = rng.standard_normal((n, d)) * np.array([1.0, 0.5, 2.0, 1.0]) + np.array([0.3, 0.0, -0.2, 1.0])
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.7 * rng.standard_normal(n)
    torch.manual_seed(0)
    model = torch.nn.Linear(d, 1, dtype=T64)
    w, b = model.weight.detach().numpy()[0], float(model.bias.detach())
    r = X @ w + b - y  # residual; per-example gradient r_n [x_n, 1]
    Xb = np.hstack([X, np.ones((n, 1))])
    G = r[:, None] * Xb
    exact = dict(g=G.mean(0), sigma=G.std(0), H=Xb.T @ Xb / n)
    batches = [(torch.tensor(X[s:s + 256]), torch.tensor(y[s:s + 256])) for s in range(0, n, 256)]
    return model, batches, exact


def test_linear_regression_exact(linreg):
    model, batches, ex = linreg
    st = ts.gradient_stats(model, _mse, batches, per_example="vmap")
    assert st["method"] == "vmap" and st["n_examples"] == 4096 and st["n_batches"] == 16
    np.testing.assert_allclose(st["g"], ex["g"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(st["sigma"], ex["sigma"], rtol=1e-12)
    hvp = ts.hvp_operator(model, _mse, batches)
    V = np.random.default_rng(1).standard_normal((3, 5))
    np.testing.assert_allclose(hvp(V), V @ ex["H"], rtol=1e-12, atol=1e-12)
    d, info = ts.hessian_diag(model, _mse, batches, method="exact")
    np.testing.assert_allclose(d, np.diag(ex["H"]), rtol=1e-12)
    assert info == dict(method="exact", n_probes=None, n_hvp=5)


def test_hutchinson_within_its_standard_error(linreg):
    model, batches, ex = linreg
    K = 400
    d, info = ts.hessian_diag(model, _mse, batches[:4], method="hutchinson", n_probes=K, seed=3)
    H = ts.hvp_operator(model, _mse, batches[:4])(np.eye(5))
    off = H - np.diag(np.diag(H))
    se = np.sqrt(np.sum(off**2, axis=1) / K)  # sd of the Rademacher estimate of H_ii
    assert info["n_probes"] == K
    assert np.all(np.abs(d - np.diag(H)) < 4.0 * se)


def test_micro_batch_agrees_with_per_example(linreg):
    """Same examples: g identical; sigma^2 within the micro-batch estimate's sampling error."""
    model, batches, ex = linreg
    m = 8
    st = ts.gradient_stats(model, _mse, batches, per_example="microbatch", micro_batch=m)
    K = st["n_microbatches"]
    assert st["method"] == "microbatch" and K == 4096 // m and st["n_examples"] == 4096
    np.testing.assert_allclose(st["g"], ex["g"], rtol=1e-12, atol=1e-14)
    rel_sd = np.sqrt(2.0 / (K - 1))  # relative sd of a variance estimate from K samples
    ratio = st["sigma"] ** 2 / ex["sigma"] ** 2
    assert np.all(np.abs(ratio - 1.0) < 4.0 * rel_sd), (ratio, rel_sd)


def test_softmax_regression_against_closed_form():
    """A bias-free softmax regression on digits: g, sigma and the exact Hessian of theory_inputs."""
    data = load_digits_data()
    X, Y, y = data.X_train[:300], data.Y_train[:300], data.y_train[:300]
    sm = SoftmaxRegression(data.d_in, data.n_classes)
    theta = sm.init(0) + 0.1 * np.random.default_rng(0).standard_normal(sm.init(0).size)

    class Soft(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.W = torch.nn.Parameter(torch.tensor(theta.reshape(data.d_in, data.n_classes)))

        def forward(self, x):
            return x @ self.W

    model = Soft()
    ce = lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1])  # noqa: E731
    batches = [(torch.tensor(X[s:s + 100]), torch.tensor(y[s:s + 100])) for s in range(0, 300, 100)]
    st = ts.collect_stats(model, ce, batches, hessian="exact")
    Gn = sm.per_example_grads(theta, X, Y)
    np.testing.assert_allclose(st["g"], Gn.mean(0), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(st["sigma"], Gn.std(0), rtol=1e-10, atol=1e-15)
    H = ti.softmax_hessian(sm, theta, X)
    np.testing.assert_allclose(st["hdiag"], np.diag(H), rtol=1e-10, atol=1e-15)
    hvp = ts.hvp_operator(model, ce, batches)
    V = np.random.default_rng(2).standard_normal((2, H.shape[0]))
    np.testing.assert_allclose(hvp(V), V @ H, rtol=1e-9, atol=1e-12)
    # the operator form of eta* equals the dense closed form (ridge: H is singular)
    Hr = H + 1e-6 * np.eye(H.shape[0])
    live = st["sigma"] > 0
    op = Hessian.operator(lambda W: hvp(W) + 1e-6 * W, np.diag(Hr))
    from adameps import optimal_lr as ol
    g, s = st["g"], np.where(live, st["sigma"], 1.0)
    np.testing.assert_allclose(ol.eta_star(g, op, s, 1e-3, [8.0, 64.0]), ol.eta_star(g, Hr, s, 1e-3, [8.0, 64.0]),
                               rtol=1e-9)
    assert st["n_examples"] == 300 and st["hessian_examples"] == 300
    assert [d["name"] for d in st["layout"]] == ["W"]


def test_vmap_failure_falls_back_to_micro_batches():
    """BatchNorm in training mode cannot be vmapped over examples: auto falls back, vmap raises."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 1)).double()
    X, yv = torch.randn(64, 3, dtype=T64), torch.randn(64, dtype=T64)
    st = ts.gradient_stats(model, _mse, [(X, yv)], per_example="auto", micro_batch=8)
    assert st["method"] == "microbatch" and st["fallback_reason"] and st["n_microbatches"] == 8
    with pytest.raises(Exception):
        ts.gradient_stats(model, _mse, [(X, yv)], per_example="vmap")


def test_adam_share_exact_for_constant_gradients():
    """With a constant gradient, Adam's bias-corrected v_hat is g^2 at every step: sqrt(v_hat) = |g|."""
    g = torch.tensor([1e-10, 3e-9, 2e-8, 1e-3, 1.0], dtype=T64)
    p = torch.nn.Parameter(torch.zeros(5, dtype=T64))
    q = torch.nn.Parameter(torch.zeros(3, dtype=T64))
    opt = torch.optim.Adam([p, q], eps=1e-8)
    for _ in range(7):
        p.grad, q.grad = g.clone(), torch.full((3,), 1e-9, dtype=T64)
        opt.step()
    rows = ts.adam_eps_share(opt)
    assert [r["share"] for r in rows] == [2 / 5, 1.0]
    assert rows[0]["step"] == 7
    assert ts.adam_eps_share(opt, eps=1e-2)[0]["share"] == 4 / 5
    with pytest.raises(ValueError, match="optimizer must be"):
        ts.adam_eps_share(object())


def test_bad_inputs_name_the_argument(linreg):
    model, batches, _ = linreg
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        ts.gradient_stats(object(), _mse, batches)
    with pytest.raises(ValueError, match="loss_fn must be a callable"):
        ts.gradient_stats(model, 3, batches)
    with pytest.raises(ValueError, match="per_example must be"):
        ts.gradient_stats(model, _mse, batches, per_example="nope")
    with pytest.raises(ValueError, match="batches is empty"):
        ts.gradient_stats(model, _mse, [])
    with pytest.raises(ValueError, match="n_probes must be"):
        ts.hessian_diag(model, _mse, batches[:1], n_probes=0)


def test_library_imports_without_torch():
    """Only adameps.torch_stats imports torch: `import adameps` and the CLI's predict path do not."""
    code = ("import sys, adameps, adameps.optimal_lr, adameps.practical, adameps.cli; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
