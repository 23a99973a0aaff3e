"""Theory inputs: exact softmax Hessian, per-example variance, MLP HVP/Hutchinson, comparison metrics."""

from __future__ import annotations

import numpy as np
import pytest

from adameps import theory_inputs as TI
from adameps import digits as D
from adameps import problems as P


@pytest.fixture(scope="module")
def digits():
    pytest.importorskip("sklearn")
    return D.load_digits_data()


@pytest.fixture(scope="module")
def small(digits):
    return digits.X_train[:120], digits.Y_train[:120]


def test_softmax_hessian_matches_fd_of_gradient(digits, small):
    X, Y = small
    m = D.SoftmaxRegression(digits.d_in, digits.n_classes)
    theta = 0.1 * np.random.default_rng(0).standard_normal(m.n_params)
    H = TI.softmax_hessian(m, theta, X)
    Hfd = TI.hessian_fd(m, theta, X, Y)
    assert np.max(np.abs(H - Hfd)) < 1e-7 * np.max(np.abs(H))
    # the softmax null space: shifting all classes' weights of one input equally
    v = np.zeros((digits.d_in, digits.n_classes))
    v[5] = 1.0
    assert np.linalg.norm(H @ v.ravel()) < 1e-12


def test_per_example_stats_match_brute_force(digits, small):
    X, Y = small
    for net in (D.SoftmaxRegression(digits.d_in, 10), D.MLP(digits.d_in, 10, hidden=4)):
        theta = net.init(0) + 0.05 * np.random.default_rng(1).standard_normal(net.n_params)
        G = np.array([net.loss_and_grad(theta, X[i:i + 1], Y[i:i + 1])[1] for i in range(len(X))])
        g, sigma, live, _ = TI.gradient_stats(net, theta, X, Y)
        np.testing.assert_allclose(g, G.mean(0), atol=1e-15)
        np.testing.assert_allclose(sigma[live], G.std(0)[live], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(g, net.loss_and_grad(theta, X, Y)[1], atol=1e-15)
        assert np.all(G[:, ~live] == 0)  # dead coordinates = always-blank pixels


def test_mlp_hvp_and_hutchinson_against_exact(digits, small):
    torch = pytest.importorskip("torch")
    X, Y = small
    X, Y = X[:60], Y[:60]
    y = np.argmax(Y, axis=1)
    net = D.MLP(digits.d_in, 10, hidden=3)
    theta = net.init(2)

    def f(p):  # the same network in torch, for the exact Hessian
        W1 = p[: net.n1].reshape(net.d_in, net.H)
        W2 = p[net.n1:].reshape(net.H + 1, net.K)
        a = torch.tanh(torch.tensor(X) @ W1)
        a1 = torch.cat([a, torch.ones(len(X), 1, dtype=a.dtype)], 1)
        return torch.nn.functional.cross_entropy(a1 @ W2, torch.tensor(y))

    H = torch.autograd.functional.hessian(f, torch.tensor(theta)).numpy()
    Hfd = TI.hessian_fd(net, theta, X, Y)
    assert np.max(np.abs(Hfd - H)) < 1e-6 * np.max(np.abs(H))
    K = 4000
    est = TI.hutchinson_diag(net, theta, X, Y, n_probes=K, seed=0)
    sd = np.sqrt((np.sum(H**2, 1) - np.diag(H) ** 2) / K)  # Rademacher variance / K
    err = np.abs(est - np.diag(H))
    live = sd > 0
    assert np.all(err[~live] < 1e-9)
    assert np.max(err[live] / sd[live]) < 5.0
    assert np.sqrt(np.mean((err[live] / sd[live]) ** 2)) < 1.5


def test_inputs_are_valid_theory_inputs(digits):
    inp = TI.softmax_inputs(digits)
    n_live = inp.live.sum()
    assert inp.g.shape == inp.sigma.shape == (n_live,) and inp.H.shape == (n_live, n_live)
    assert inp.info["n_dead"] == 10 * (digits.d_in - n_live // 10)
    np.linalg.cholesky(inp.H)  # SPD after the ridge
    assert np.all(inp.sigma > 0)
    nq = TI.nqm_inputs(50, noise_scale=2.0, init_seed=3)
    h = P.nqm_spectrum(50)
    np.testing.assert_array_equal(nq.g, h * P.nqm_theta0(50, 3))
    np.testing.assert_allclose(nq.sigma**2, 2.0 * h)
    small = D.DigitsData(digits.X_train[:100], digits.Y_train[:100], digits.y_train[:100],
                         digits.X_test, digits.Y_test, digits.y_test)
    for method in ("hutchinson", "fd_diag", "fd_full"):
        m = TI.mlp_inputs(small, hidden=3, hessian=method, n_probes=20)
        np.linalg.cholesky(m.H)
        assert m.g.shape == (m.live.sum(),)


def test_comparison_metrics():
    B = np.geomspace(1, 1000, 7)
    pred = np.sqrt(B) / (1 + B / 30)  # surge at B = 30
    r = TI.normalised_log_ratio(3.0 * pred, pred)
    assert r["offset"] == pytest.approx(np.log(3.0)) and r["rms"] < 1e-12
    assert TI.spearman(pred, pred**3) == pytest.approx(1.0)
    assert TI.spearman(B, -B) == pytest.approx(-1.0)
    assert np.isnan(TI.spearman(B, np.ones_like(B)))
    s = TI.find_surge(B, pred)
    assert s["has_surge"] and s["B_peak"] == B[np.argmax(pred)]
    assert not TI.find_surge(B, np.sqrt(B))["has_surge"]
    flat_then_fall = np.minimum(1.0, 30.0 / B)
    flat_then_fall[1] = 1.001  # a maximum that does not rise above the small-B end
    assert not TI.find_surge(B, flat_then_fall, rtol=0.01)["has_surge"]
    # a bump smaller than its error bars is not a surge
    bump = np.sqrt(B) * 0 + 1.0
    bump[3] = 1.05
    assert TI.find_surge(B, bump, rtol=0.01)["has_surge"]
    assert not TI.find_surge(B, bump, log_se=np.full(7, 0.1))["has_surge"]
    c = TI.compare_curves(B, pred * 1.1, pred)
    assert c["surge_meas"]["has_surge"] and c["surge_pred"]["has_surge"]


def test_l2_inputs_match_fd_and_log_softmax_stays_positive(digits):
    small = D.DigitsData(digits.X_train[:80], digits.Y_train[:80], digits.y_train[:80],
                         digits.X_test, digits.Y_test, digits.y_test)
    l2 = 1e-2
    m = D.SoftmaxRegression(small.d_in, 10, l2)
    theta = 0.1 * np.random.default_rng(3).standard_normal(m.n_params)
    inp = TI.softmax_inputs(small, theta=theta, l2=l2)
    Hfd = TI.hessian_fd(m, theta, small.X_train, small.Y_train)[np.ix_(inp.live, inp.live)]
    H = inp.H - inp.info["ridge"] * np.eye(inp.live.sum())
    assert np.max(np.abs(H - Hfd)) < 1e-7 * np.max(np.abs(H))
    np.testing.assert_allclose(inp.g, m.loss_and_grad(theta, small.X_train, small.Y_train)[1][inp.live],
                               atol=1e-15)
    # a 60-logit margin: loss ~ 9 exp(-60) > 0, not rounded to 0
    z = np.array([[60.0] + [0.0] * 9])
    lp = D._log_softmax(z)
    assert -lp[0, 0] == pytest.approx(9 * np.exp(-60.0), rel=1e-12)
    assert D._log_softmax(np.array([[1.0, 1.0]]))[0, 0] == pytest.approx(-np.log(2.0))


def test_predict_matches_optimal_lr_and_reports_negative_curvature(digits):
    from adameps import optimal_lr as ol

    inp = TI.nqm_inputs(40)
    B = [1.0, 10.0, 100.0]
    p = TI.predict(inp, "adam", 1e-3, B)
    assert set(p) == {"exact", "mean_field", "adam"}
    np.testing.assert_array_equal(p["exact"], ol.eta_star(inp.g, inp.H, inp.sigma, 1e-3, B))
    assert set(TI.predict(inp, "softsign", 1e-3, B)) == {"exact", "mean_field"}
    np.testing.assert_array_equal(TI.predict(inp, "sgd", None, B)["exact"], ol.eta_star_sgd(inp.g, inp.H, inp.sigma, B))
    np.testing.assert_array_equal(TI.predict(inp, "sign", None, B)["exact"],
                                  ol.eta_star(inp.g, inp.H, inp.sigma, 0.0, B, kind="sign"))
    with pytest.raises(ValueError):
        TI.predict(inp, "lion", 1e-3, B)
    small = D.DigitsData(digits.X_train[:100], digits.Y_train[:100], digits.y_train[:100],
                         digits.X_test, digits.Y_test, digits.y_test)
    info = TI.mlp_inputs(small, hidden=3).info
    assert 0 < info["n_negative"] <= info["floored"] <= info["n_live"]
    assert info["min_eig"] < 0 < info["max_eig"] and 0 < info["negative_mass"] < 1
