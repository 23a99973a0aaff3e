"""Theory against no-information baselines: the exact capped-linear fit, shape errors, the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from adameps import lr_compare as LC


def test_linear_cap_fit_is_the_least_squares_optimum():
    rng = np.random.default_rng(1)
    x = np.log([1.0, 4, 16, 64, 256, 1024])
    for _ in range(30):
        y = rng.normal(size=x.size) + rng.uniform(0, 1) * np.minimum(x, rng.uniform(0, 7))
        fit, cap = LC.linear_cap_fit(x, y)
        rss = np.sum((y - fit) ** 2)
        # brute force over a fine grid of caps (each with its best constant)
        grid = np.linspace(x[0] - 1, x[-1] + 1, 20001)
        f = np.minimum(x[None, :], grid[:, None])
        c = np.mean(y - f, axis=1, keepdims=True)
        brute = np.min(np.sum((y - c - f) ** 2, axis=1))
        assert rss <= brute + 1e-12
        # near the returned cap no cap does better, on a much finer local grid
        local = cap + np.linspace(-1e-3, 1e-3, 2001)
        f = np.minimum(x[None, :], local[:, None])
        c = np.mean(y - f, axis=1, keepdims=True)
        assert rss <= np.min(np.sum((y - c - f) ** 2, axis=1)) + 1e-12
        assert np.allclose(fit, np.mean(y - np.minimum(x, cap)) + np.minimum(x, cap))


def test_shape_errors_and_baselines():
    x = np.log(np.geomspace(1, 1024, 6))
    y = np.log(3.0 / (1 + 30.0 / np.exp(x)))  # McCandlish-like rise then saturation
    fits = LC.model_fits(x, y, {"right": y - 5.0, "flat": 0 * x})
    assert fits["right"]["shape"] < 1e-12 and fits["right"]["offset"] == pytest.approx(5.0)
    assert fits["flat"]["shape"] == pytest.approx(fits["constant"]["shape"])  # same model
    assert fits["linear_cap"]["n_params"] == 2 and fits["sqrt"]["n_params"] == 1
    # the dof-corrected residual sd: sum of squares over n - p
    r = y - fits["sqrt"]["y_fit"]
    assert fits["sqrt"]["shape"] == pytest.approx(np.sqrt(np.sum(r**2) / 5))
    d = LC.compare_theories(x, y, {"right": y - 5.0})
    assert d["right_delta"] < 0 and d["right_delta"] == pytest.approx(
        -min(d[f"{b}_shape"] for b in LC.BASELINES))
    with pytest.raises(ValueError, match="log_preds"):
        LC.model_fits(x, y, {"bad": np.full(6, np.nan)})
    with pytest.raises(ValueError, match="n_params"):
        LC.shape_error(y, y, 6)


def test_bootstrap_metrics_vector_paired_and_degenerate():
    rng = np.random.default_rng(2)
    data = rng.normal(size=(12, 2)) + [0.0, 1.0]

    def stat(idx):
        m = data[idx].mean(0)
        return np.array([m[0], m[1], m[1] - m[0]])

    est, lo, hi = LC.bootstrap_metrics(stat, 12, 2000, seed=0)
    assert est.shape == lo.shape == hi.shape == (3,)
    assert np.all(lo <= est) and np.all(est <= hi)
    # a paired difference of a statistic with itself has a zero-width interval
    est, lo, hi = LC.bootstrap_metrics(lambda i: np.array([data[i, 0].mean() - data[i, 0].mean()]), 12, 100)
    assert lo[0] == hi[0] == 0.0
    e1 = LC.bootstrap_metrics(stat, 12, 200, seed=4)
    e2 = LC.bootstrap_metrics(stat, 12, 200, seed=4)
    np.testing.assert_array_equal(e1[1], e2[1])  # deterministic
    est, lo, hi = LC.bootstrap_metrics(lambda i: [float(len(i))], 1)
    assert lo[0] == hi[0] == est[0] == 1.0


def test_measured_log_eta_resamples_seeds():
    x = np.log(np.geomspace(0.01, 1.0, 15))
    # two seeds whose curves have minima at different places: the seed mean's minimum lies between
    L = np.stack([np.exp((x + 3.0) ** 2), np.exp((x + 1.5) ** 2)], axis=1)
    lrs = [np.exp(x)]
    one = LC.measured_log_eta(lrs, [L], [0, 0])[0]
    two = LC.measured_log_eta(lrs, [L], [1, 1])[0]
    both = LC.measured_log_eta(lrs, [L])[0]
    assert one == pytest.approx(-3.0, abs=1e-9) and two == pytest.approx(-1.5, abs=1e-9)
    assert one < both < two
