"""Measuring eta*: recovery of a known minimiser, edge flags, bootstrap error bars."""

from __future__ import annotations

import numpy as np
import pytest

from adameps.lr_fit import FLAGS, fit_optimal_lr, fits_to_arrays, objective, refine_minimum


def _synthetic(lrs, x_star, n_seed, noise, seed=0, curv=1.0):
    # log-loss parabola in log eta, multiplicative per-(lr, seed) noise
    rng = np.random.default_rng(seed)
    base = np.exp(curv * (np.log(lrs) - x_star) ** 2)
    return base[:, None] * np.exp(noise * rng.standard_normal((lrs.size, n_seed)))


def test_exact_parabola_recovered_exactly():
    lrs = np.geomspace(1e-3, 1.0, 16)
    x_star = np.log(0.0271)
    fit = fit_optimal_lr(lrs, _synthetic(lrs, x_star, 1, 0.0))
    assert fit.flag == "ok" and fit.bracketed
    assert fit.log_eta == pytest.approx(x_star, abs=1e-10)
    assert fit.log_eta_se == 0.0  # one seed: no bootstrap spread


@pytest.mark.parametrize("window", [3, 5])
def test_noisy_parabola_recovered_within_error_bar(window):
    lrs = np.geomspace(1e-3, 1.0, 20)
    errs, ses = [], []
    for rep in range(20):
        x_star = np.log(0.02) + 0.3 * np.sin(rep)
        fit = fit_optimal_lr(lrs, _synthetic(lrs, x_star, 8, 0.1, seed=rep), window=window,
                             n_boot=100, seed=rep)
        assert fit.flag == "ok"
        errs.append(fit.log_eta - x_star)
        ses.append(fit.log_eta_se)
        lo, hi = fit.log_eta_ci
        assert lo <= fit.log_eta <= hi
    errs, ses = np.array(errs), np.array(ses)
    # accurate to a fraction of the grid step (0.36 in ln) ...
    assert np.max(np.abs(errs)) < 0.15
    # ... and the bootstrap se has the right size: z-scores neither huge nor all tiny
    z = errs / ses
    assert np.all(ses > 0)
    assert 0.3 < np.sqrt(np.mean(z**2)) < 3.0


def test_more_seeds_smaller_error_bar():
    lrs = np.geomspace(1e-3, 1.0, 20)
    a = fit_optimal_lr(lrs, _synthetic(lrs, np.log(0.03), 4, 0.2, seed=1), n_boot=200)
    b = fit_optimal_lr(lrs, _synthetic(lrs, np.log(0.03), 64, 0.2, seed=1), n_boot=200)
    assert b.log_eta_se < a.log_eta_se


def test_edges_are_flagged_not_silently_wrong():
    lrs = np.geomspace(1e-3, 1.0, 10)
    lo = fit_optimal_lr(lrs, _synthetic(lrs, np.log(1e-5), 4, 0.01))
    hi = fit_optimal_lr(lrs, _synthetic(lrs, np.log(10.0), 4, 0.01))
    assert (lo.flag, lo.bracketed, lo.eta) == ("edge_low", False, lrs[0])
    assert (hi.flag, hi.bracketed, hi.eta) == ("edge_high", False, lrs[-1])
    assert lo.boot_bracketed_frac == 0.0 and lo.log_eta_se == np.inf
    for f in (lo, hi):
        assert not np.isnan([f.eta, f.log_eta, f.log_eta_se, *f.log_eta_ci]).any()


def test_divergence_handling():
    lrs = np.geomspace(1e-3, 1.0, 12)
    L = _synthetic(lrs, np.log(0.05), 4, 0.01)
    L[-3:] = np.inf  # all seeds diverge at the 3 largest lrs
    L[-4, 2] = np.inf  # one seed diverges at the 4th largest: that lr counts as diverged
    F = objective(L)
    assert np.isposinf(F[-4:]).all() and np.isfinite(F[:-4]).all()
    fit = fit_optimal_lr(lrs, L)
    assert fit.flag == "ok"
    # minimum right next to divergence: bracketed (diverged side is +inf) but not refinable
    L2 = _synthetic(lrs, np.log(0.5), 4, 0.01)
    L2[-1] = np.inf
    f2 = fit_optimal_lr(lrs, L2)
    assert f2.bracketed and f2.flag == "not_refined" and f2.eta == lrs[-2]
    allinf = fit_optimal_lr(lrs, np.full((12, 3), np.inf))
    assert allinf.flag == "all_diverged" and not allinf.bracketed
    assert np.isfinite(allinf.eta)


def test_refine_and_validation():
    x = np.linspace(0, 1, 5)
    assert refine_minimum(x, (x - 0.4) ** 2)[2] == "ok"
    with pytest.raises(ValueError):
        fit_optimal_lr([1.0, 0.5, 2.0], np.ones((3, 2)))
    with pytest.raises(ValueError):
        fit_optimal_lr([0.1, 0.5, 2.0], np.array([[1.0], [np.nan], [1.0]]))
    with pytest.raises(ValueError):
        fit_optimal_lr([0.1, 0.5, 2.0], np.ones((4, 2)))
    lrs = np.geomspace(1e-3, 1.0, 10)
    arr = fits_to_arrays([fit_optimal_lr(lrs, _synthetic(lrs, np.log(0.03), 3, 0.05), n_boot=20)])
    assert arr["flag"][0] in FLAGS and arr["eta"].shape == (1,)


def test_two_stage_search_recovers_a_known_minimum():
    from adameps.lr_fit import two_stage_search

    true = 3e-3
    rng = np.random.default_rng(1)

    def train(lrs):
        base = 1.0 + (np.log(lrs) - np.log(true)) ** 2
        return base[:, None] * (1 + 0.001 * rng.standard_normal((len(lrs), 4)))

    fit, lrs, losses = two_stage_search(train, centre=1e-2, n_boot=50)
    assert fit.flag == "ok"
    assert abs(np.log(fit.eta / true)) < 0.05
    assert np.all(np.diff(lrs) > 0) and losses.shape == (len(lrs), 4)
    with pytest.raises(ValueError, match="centre"):
        two_stage_search(train, centre=float("nan"))
