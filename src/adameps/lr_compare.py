r"""Does a theory of :math:`\eta^*(B)` beat baselines that know nothing about the problem?

A measured curve :math:`y_j = \log\eta^*_{meas}(B_j)`, :math:`j = 1..n`, is compared with a
model curve :math:`\log\eta_{pred}(B_j)` after fitting the model's free parameters by least
squares in :math:`\log\eta`.  The *shape error* of a model with :math:`p` fitted parameters is

.. math::

    s = \Big(\frac{1}{n-p} \sum_j \big(y_j - \hat y_j\big)^2\Big)^{1/2},

the residual standard deviation with :math:`n - p` degrees of freedom, so that a model with a
second free parameter is not favoured by it.  Models (:func:`model_fits`):

* a theory :math:`\eta_{pred}(B)` times a fitted constant (:math:`p = 1`: the offset);
* ``"constant"``: :math:`\eta = c` (:math:`p = 1`);
* ``"sqrt"``: :math:`\eta = c\sqrt B` (:math:`p = 1`);
* ``"linear_cap"``: :math:`\eta = c\,\min(B, B_{cap})` (:math:`p = 2`: ``c`` and the cap),
  fitted exactly (:func:`linear_cap_fit`).

None of the baselines uses the gradient, the Hessian or the noise; a theory earns its keep on the
*shape* of the curve only if its :math:`s` is smaller than every baseline's.  Uncertainty:
:func:`bootstrap_metrics` resamples whole seeds (each seed = one initial point and one data
order) with :func:`scipy.stats.bootstrap` and recomputes everything, the measured optima and the
theory's prediction at the resampled initial points included.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import bootstrap

__all__ = ["BASELINES", "shape_error", "linear_cap_fit", "model_fits", "bootstrap_metrics"]

BASELINES = ("constant", "sqrt", "linear_cap")


def _xy(log_B, y):
    log_B = np.asarray(log_B, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if log_B.shape != y.shape or log_B.size < 3:
        raise ValueError(f"log_B and y must be 1-d of one length >= 3, got {log_B.shape}, {y.shape}")
    if not (np.all(np.isfinite(log_B)) and np.all(np.isfinite(y))):
        raise ValueError("log_B and y must be finite")
    return log_B, y


def shape_error(y, y_fit, n_params):
    r"""Residual standard deviation :math:`\sqrt{\sum (y - \hat y)^2 / (n - p)}`.

    >>> shape_error([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], 1)
    0.0
    >>> round(shape_error([1.0, -1.0, 1.0, -1.0], [0.0, 0.0, 0.0, 0.0], 2), 6)
    1.414214
    """
    y, y_fit = np.asarray(y, float).ravel(), np.asarray(y_fit, float).ravel()
    n, p = y.size, int(n_params)
    if y_fit.shape != y.shape or not 0 < p < n:
        raise ValueError(f"need matching y, y_fit and 0 < n_params < n = {n}, got n_params={n_params!r}")
    return float(np.sqrt(np.sum((y - y_fit) ** 2) / (n - p)))


def linear_cap_fit(log_B, y):
    r"""Exact least-squares fit of :math:`y = c + \min(x, x_c)`, :math:`x = \log B`.

    For fixed :math:`x_c` the best :math:`c` is the mean of :math:`y - \min(x, x_c)`; between
    consecutive sorted :math:`x_j` the residual sum of squares is a quadratic in :math:`x_c`, so
    its minimiser on each interval (and on :math:`x_c \le x_1`: a constant; :math:`x_c \ge x_n`:
    :math:`\eta \propto B`) is found in closed form and the best of them is returned.
    Returns ``(y_fit, log_B_cap)``.

    >>> x = np.log([1.0, 4, 16, 64, 256, 1024])
    >>> y = 2.0 + np.minimum(x, np.log(30.0))
    >>> fit, cap = linear_cap_fit(x, y)
    >>> bool(np.allclose(fit, y)), round(float(np.exp(cap)), 6)
    (True, 30.0)
    """
    x, y = _xy(log_B, y)
    xs = np.sort(x)

    def rss(xc):
        f = np.minimum(x, xc)
        c = np.mean(y - f)
        return float(np.sum((y - c - f) ** 2)), c + f

    cands = [xs[0], xs[-1]]
    for k in range(xs.size - 1):
        lo, hi = xs[k], xs[k + 1]
        if hi <= lo:
            continue
        # on [lo, hi]: f_j = x_j for x_j <= lo, f_j = xc otherwise; residual e_j(xc) = y_j - c - f_j
        # with c = mean(y - f): the RSS is a quadratic a xc^2 + b xc + const in xc.
        up = x > lo
        m = up.mean()
        # e(xc) = u - xc * v with u = (y - x*~up) - mean(y - x*~up), v = up - m
        u0 = y - np.where(up, 0.0, x)
        u = u0 - u0.mean()
        v = up - m
        vv = float(v @ v)
        if vv > 0:
            cands.append(float(np.clip((u @ v) / vv, lo, hi)))
    best = min(cands, key=lambda xc: rss(xc)[0])
    return rss(best)[1], float(best)


def model_fits(log_B, y, log_preds=None):
    r"""Fitted curves and shape errors of every baseline and of the theories in ``log_preds``.

    ``log_preds`` maps a theory's name to :math:`\log\eta_{pred}(B_j)`; each is fitted with one
    constant.  Returns ``{name: {"y_fit", "n_params", "shape", "offset"}}`` (``offset``: the
    fitted log constant for a theory, ``nan`` for the baselines) for the theories and the
    :data:`BASELINES`.

    >>> x = np.log([1.0, 4, 16, 64, 256, 1024])
    >>> out = model_fits(x, 0.5 * x + 1.0, {"theory": 0.5 * x})
    >>> round(out["theory"]["shape"], 12), round(out["sqrt"]["shape"], 12), round(out["theory"]["offset"], 12)
    (0.0, 0.0, 1.0)
    """
    x, y = _xy(log_B, y)
    out = {}
    for name, lp in (log_preds or {}).items():
        lp = np.asarray(lp, dtype=float).ravel()
        if lp.shape != y.shape or not np.all(np.isfinite(lp)):
            raise ValueError(f"log_preds[{name!r}] must be finite with {y.size} values")
        off = float(np.mean(y - lp))
        out[name] = {"y_fit": lp + off, "n_params": 1, "offset": off}
    out["constant"] = {"y_fit": np.full_like(y, y.mean()), "n_params": 1, "offset": np.nan}
    out["sqrt"] = {"y_fit": 0.5 * x + np.mean(y - 0.5 * x), "n_params": 1, "offset": np.nan}
    fit, cap = linear_cap_fit(x, y)
    out["linear_cap"] = {"y_fit": fit, "n_params": 2, "offset": np.nan, "log_B_cap": cap}
    for d in out.values():
        d["shape"] = shape_error(y, d["y_fit"], d["n_params"])
    return out


def bootstrap_metrics(statistic, n_seeds, n_resamples=1000, seed=0, confidence_level=0.95):
    r"""Percentile bootstrap over seeds of a vector-valued ``statistic(idx)``.

    ``statistic`` maps an integer array of seed indices (a resample with replacement of
    ``range(n_seeds)``) to a 1-d array of metrics; every metric of one resample is computed from
    the same seeds, so differences of metrics are paired.  Runs
    :func:`scipy.stats.bootstrap` (``method="percentile"``, ``vectorized=False``,
    ``rng=np.random.default_rng(seed)``).  Returns ``(estimate, low, high)``: the statistic on all
    seeds and the confidence interval's ends, each an array.  With one seed the interval is
    ``(estimate, estimate)``.

    >>> data = np.array([1.0, 2.0, 3.0, 4.0])
    >>> est, lo, hi = bootstrap_metrics(lambda i: np.array([data[i].mean()]), 4, 200)
    >>> bool(lo[0] <= est[0] <= hi[0]), float(est[0])
    (True, 2.5)
    """
    n = int(n_seeds)
    if n < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds!r}")
    idx = np.arange(n)
    est = np.atleast_1d(np.asarray(statistic(idx), dtype=float))
    if n == 1:
        return est, est.copy(), est.copy()

    def stat(sample):
        return np.atleast_1d(np.asarray(statistic(np.asarray(sample, dtype=int)), dtype=float))

    res = bootstrap((idx,), stat, n_resamples=int(n_resamples), method="percentile", vectorized=False,
                    confidence_level=confidence_level, rng=np.random.default_rng(seed))
    lo = np.atleast_1d(res.confidence_interval.low)
    hi = np.atleast_1d(res.confidence_interval.high)
    return est, lo, hi


def measured_log_eta(lrs, losses, idx=None, window=3):
    r"""Measured :math:`\log\eta^*` per batch size from the sweeps' final losses, on the seeds ``idx``.

    ``lrs``: one increasing learning-rate grid per batch size; ``losses``: matching
    ``(n_lr, n_seed)`` arrays (``+inf`` = diverged); ``idx`` (default all seeds) selects seeds,
    with repetition for a bootstrap resample.  Each is the refined minimum of
    :func:`adameps.lr_fit.objective` (:func:`adameps.lr_fit.refine_minimum`, the estimator of
    :func:`adameps.lr_fit.fit_optimal_lr`; an unbracketed minimum gives the grid end).

    >>> lrs = [np.geomspace(0.1, 10.0, 9)]
    >>> L = [np.exp((np.log(lrs[0])[:, None] - 0.3) ** 2) + np.zeros((9, 2))]  # objective: a parabola
    >>> round(float(measured_log_eta(lrs, L)[0]), 6)
    0.3
    """
    from adameps.lr_fit import objective, refine_minimum

    out = []
    for grid, L in zip(lrs, losses):
        L = np.asarray(L, dtype=float)
        sel = L if idx is None else L[:, np.asarray(idx, dtype=int)]
        out.append(refine_minimum(np.log(np.asarray(grid, dtype=float)), objective(sel), window)[0])
    return np.array(out)


def compare_theories(log_B, log_meas, log_preds):
    r"""Shape errors of theories and baselines as one flat dict (the statistic a bootstrap resamples).

    Keys: ``"<theory>_shape"``, ``"<theory>_offset"`` and ``"<theory>_delta"`` (the theory's shape
    error minus the smallest baseline shape error: negative where the theory beats every
    no-information baseline) for each theory of ``log_preds``, and ``"<baseline>_shape"`` for the
    :data:`BASELINES`.

    >>> x = np.log([1.0, 4, 16, 64, 256, 1024])
    >>> d = compare_theories(x, np.log(np.minimum(np.exp(x), 30.0)), {"t": 0.0 * x})
    >>> d["t_delta"] > 0, round(d["linear_cap_shape"], 9)
    (True, 0.0)
    """
    fits = model_fits(log_B, log_meas, log_preds)
    best = min(fits[b]["shape"] for b in BASELINES)
    out = {f"{b}_shape": fits[b]["shape"] for b in BASELINES}
    for t in log_preds:
        out[f"{t}_shape"] = fits[t]["shape"]
        out[f"{t}_offset"] = fits[t]["offset"]
        out[f"{t}_delta"] = fits[t]["shape"] - best
    return out
