"""Exact expected loss of T SGD steps on the NQM: closed form against the step recursion, Monte Carlo
training, and the one-step theory; its optimum."""

from __future__ import annotations

import numpy as np
import pytest

from adameps import optimal_lr as ol
from adameps import problems as P
from adameps import sgd_exact as SE
from adameps import theory_inputs as TI
from adameps import training as T


def test_closed_form_equals_the_step_recursion():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(1, 30))
        h = rng.uniform(0.01, 2.0, n)
        sigma = rng.uniform(0.0, 2.0, n)
        s0 = rng.uniform(0.0, 3.0, n)
        eta = float(rng.uniform(0.0, 1.5 / h.max()))
        B, Tn = float(rng.uniform(0.5, 100.0)), int(rng.integers(0, 60))
        steps = SE.sgd_expected_loss_steps(h, sigma, s0, eta, B, Tn)
        closed = SE.sgd_expected_loss(h, sigma, s0, np.array([eta]), B, Tn)[0]
        assert closed == pytest.approx(steps[-1], rel=1e-11, abs=1e-300)
    # eta h = 1 (r = 0) and eta h = 2 (r = 1) exactly
    h, s = np.array([1.0, 0.5]), np.array([0.3, 0.2])
    for eta in (1.0, 2.0, 4.0):
        assert SE.sgd_expected_loss(h, s, 1.0, eta, 3.0, 7) == pytest.approx(
            SE.sgd_expected_loss_steps(h, s, 1.0, eta, 3.0, 7)[-1], rel=1e-12)


def test_closed_form_matches_monte_carlo_training():
    """The trainer (random initial point per seed, fresh noise) averaged over 3000 seeds."""
    n, B, Tn, lrs = 12, 4.0, 25, np.array([0.2, 1.0, 1.6])
    seeds = np.arange(3000)
    r = T.train_nqm(lrs, n=n, B=B, optimizer="sgd", steps=Tn, seeds=seeds, init_seeds=seeds)
    h = P.nqm_spectrum(n)
    exact = SE.sgd_expected_loss(h, np.sqrt(h), 1.0, lrs, B, Tn)  # E over theta0 ~ N(0, I) too
    mc, se = r.final_loss.mean(1), r.final_loss.std(1, ddof=1) / np.sqrt(seeds.size)
    assert np.all(np.abs(mc - exact) < 4 * se), (mc, exact, se)
    # one shared initial point: s0 = theta0^2
    r = T.train_nqm(lrs, n=n, B=B, optimizer="sgd", steps=Tn, seeds=seeds, init_seed=3)
    exact = SE.sgd_expected_loss(h, np.sqrt(h), P.nqm_theta0(n, 3) ** 2, lrs, B, Tn)
    mc, se = r.final_loss.mean(1), r.final_loss.std(1, ddof=1) / np.sqrt(seeds.size)
    assert np.all(np.abs(mc - exact) < 4 * se), (mc, exact, se)


def test_one_step_optimum_is_the_pooled_one_step_theory():
    """T = 1: the optimum of the loss averaged over K initial points is sum N / sum D of the one-step
    theory (theory_inputs.pool_terms) -- two independent routes."""
    n, K = 25, 5
    h = P.nqm_spectrum(n)
    B = [1.0, 16.0, 256.0]
    terms = [TI.predict_terms(TI.nqm_inputs(n, init_seed=s), "sgd", None, B)["exact"] for s in range(K)]
    pooled = TI.pool_terms(np.array([t[0] for t in terms]), np.array([t[1] for t in terms]))
    s0 = np.mean([P.nqm_theta0(n, s) ** 2 for s in range(K)], axis=0)
    exact = [SE.sgd_optimal_lr(h, np.sqrt(h), s0, b, 1)[0] for b in B]
    np.testing.assert_allclose(exact, pooled, rtol=1e-7)
    # and for one point, the plain one-step SGD optimum
    inp = TI.nqm_inputs(n, init_seed=2)
    one = ol.eta_star_sgd(inp.g, inp.H, inp.sigma, B)
    exact = [SE.sgd_optimal_lr(h, np.sqrt(h), P.nqm_theta0(n, 2) ** 2, b, 1)[0] for b in B]
    np.testing.assert_allclose(exact, one, rtol=1e-7)


def test_optimum_is_a_minimum_and_bad_input_is_named():
    h = P.nqm_spectrum(40)
    eta, L = SE.sgd_optimal_lr(h, np.sqrt(h), 1.0, 8.0, 50)
    near = SE.sgd_expected_loss(h, np.sqrt(h), 1.0, eta * np.array([0.99, 1.01]), 8.0, 50)
    assert np.all(near > L)
    with pytest.raises(ValueError, match="h"):
        SE.sgd_expected_loss([-1.0], [1.0], 1.0, 0.1, 1.0, 3)
    with pytest.raises(ValueError, match="B"):
        SE.sgd_expected_loss([1.0], [1.0], 1.0, 0.1, 0.0, 3)
    with pytest.raises(ValueError, match="T"):
        SE.sgd_expected_loss([1.0], [1.0], 1.0, 0.1, 1.0, 2.5)
    with pytest.raises(ValueError, match="edge"):
        SE.sgd_optimal_lr(h, np.sqrt(h), 1.0, 8.0, 50, lo=1e-6, hi=1e-5)
