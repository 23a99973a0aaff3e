r"""Measuring the optimal learning rate eta* from a learning-rate sweep.

Input: a strictly increasing grid ``lrs`` (n_lr,) and final losses
``losses`` (n_lr, n_seed) (``+inf`` = diverged).  The objective is

.. math::

    F(\eta) = \log \Big( \frac1S \sum_s L_s(\eta) \Big),

the log of the seed-averaged final loss.  Why: the one-step theory optimises the
*expected* loss, so the argmin is that of the seed mean (not of the mean log
loss, i.e. the geometric mean, which weights lucky seeds more); the log is a
monotone transform (same argmin) that makes the curve much closer to a parabola
in :math:`\log\eta` -- final losses span decades across the grid, and a
parabola fitted to the raw loss would be dominated by the high side.  A
learning rate at which any seed diverged has :math:`F = +\infty`.

Estimate: grid argmin :math:`i`, then a least-squares parabola in
:math:`x = \log\eta` through the finite points of a window of ``window``
grid points centred on :math:`i`; its vertex is accepted if the curvature is
positive and the vertex lies in :math:`[x_{i-1}, x_{i+1}]`, otherwise (for
``window > 3``) the 3-point parabola is tried, otherwise the grid argmin is
returned with flag ``"not_refined"``.  Default ``window=3`` (the interpolating
parabola): loss-vs-log-lr curves are skewed (steep on the divergence side), and
on the exact one-step SGD curve :math:`\log(1 - 2d\eta + d\eta^2)`
(``d`` in 0.5..0.99) the vertex bias in :math:`\log\eta` was <= 0.03 (3 points)
vs <= 0.10 (5 points) at grid spacing 0.25, and <= 0.09 vs <= 0.31 at spacing
0.46; seed noise is handled by the bootstrap, bias is not.  Use a grid spacing
<= 0.25 in :math:`\ln\eta` (>= 9 points per decade) near the optimum.  A minimum on the
first / last grid point is *not bracketed* (flags ``"edge_low"`` /
``"edge_high"``): the returned eta is then the grid end, a bound, not an
estimate.  Error bar: bootstrap over seeds (resample seeds with replacement,
refit), standard deviation of :math:`\log\eta^*` over bracketed replicates.
Results never contain NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LrFit", "FLAGS", "fit_optimal_lr", "objective", "refine_minimum", "fits_to_arrays"]

FLAGS = ("ok", "not_refined", "edge_low", "edge_high", "all_diverged")


@dataclass(frozen=True)
class LrFit:
    """Measured optimal learning rate.

    ``eta``: estimate (parabola vertex; grid value if not refined or not bracketed);
    ``log_eta = log(eta)``; ``eta_grid``/``index``: grid argmin; ``bracketed``:
    the minimum is at an interior grid point; ``flag``: one of :data:`FLAGS`;
    ``log_eta_se``: bootstrap std of ``log eta`` (``inf`` if no replicate was
    bracketed; 0 with one seed); ``log_eta_ci``: 2.5/97.5 % bootstrap
    percentiles (``(-inf, inf)`` if unavailable); ``boot_bracketed_frac``:
    fraction of bracketed replicates; ``grid_step``: grid spacing in log eta
    around the argmin (resolution of an unrefined estimate); ``objective``:
    ``F`` on the grid.
    """

    eta: float
    log_eta: float
    eta_grid: float
    index: int
    bracketed: bool
    flag: str
    log_eta_se: float
    log_eta_ci: tuple
    boot_bracketed_frac: float
    grid_step: float
    n_fit: int
    objective: np.ndarray


def _check(lrs, losses):
    lrs = np.asarray(lrs, dtype=float).ravel()
    losses = np.asarray(losses, dtype=float)
    if losses.ndim == 1:
        losses = losses[:, None]
    if losses.ndim != 2 or losses.shape[0] != lrs.size:
        raise ValueError(f"losses must have shape (n_lr={lrs.size}, n_seed), got {losses.shape}")
    if lrs.size < 3:
        raise ValueError("need at least 3 learning rates")
    if not np.all(np.isfinite(lrs)) or np.any(lrs <= 0) or np.any(np.diff(lrs) <= 0):
        raise ValueError("lrs must be finite, positive and strictly increasing")
    if np.any(np.isnan(losses)):
        raise ValueError("losses must not contain NaN (use +inf for diverged runs)")
    if np.any(losses <= 0):
        raise ValueError("losses must be > 0 (the objective is the log of the seed mean)")
    return lrs, losses


def objective(losses):
    """``F = log(mean over seeds of losses)`` per learning rate; ``+inf`` if any seed diverged."""
    losses = np.asarray(losses, dtype=float)
    finite = np.all(np.isfinite(losses), axis=1)
    out = np.full(losses.shape[0], np.inf)
    out[finite] = np.log(np.mean(losses[finite], axis=1))
    return out


def _parabola_vertex(x, y):
    # least-squares y = a x^2 + b x + c; centred x for conditioning
    xc = x.mean()
    a, b, _ = np.polyfit(x - xc, y, 2)
    if not a > 0:
        return None
    return xc - b / (2.0 * a)


def refine_minimum(x, F, window=3):
    """Refine the argmin of ``F`` on grid ``x`` (log eta). Returns ``(x_hat, i, flag, n_fit)``.

    ``flag`` in :data:`FLAGS`; see the module docstring for the procedure.
    """
    n = x.size
    if not np.any(np.isfinite(F)):
        return float(x[0]), 0, "all_diverged", 0
    i = int(np.argmin(F))
    if i == 0:
        return float(x[0]), i, "edge_low", 1
    if i == n - 1:
        return float(x[-1]), i, "edge_high", 1
    lo_ok, hi_ok = x[i - 1], x[i + 1]
    for w in ((window, 3) if window > 3 else (3,)):
        h = w // 2
        sl = slice(max(i - h, 0), min(i + h + 1, n))
        xs, ys = x[sl], F[sl]
        keep = np.isfinite(ys)
        xs, ys = xs[keep], ys[keep]
        if xs.size < 3 or not (xs.min() < x[i] < xs.max()):
            continue
        v = _parabola_vertex(xs, ys)
        if v is not None and lo_ok <= v <= hi_ok:
            return float(v), i, "ok", int(xs.size)
    return float(x[i]), i, "not_refined", 1


def fit_optimal_lr(lrs, losses, window=3, n_boot=200, seed=0):
    """Measured eta* of a sweep, with bootstrap-over-seeds error bar (see module docstring).

    ``lrs`` (n_lr,) strictly increasing; ``losses`` (n_lr, n_seed) > 0, ``+inf``
    for diverged runs.  ``seed`` seeds the bootstrap Generator.
    """
    lrs, losses = _check(lrs, losses)
    x = np.log(lrs)
    F = objective(losses)
    xh, i, flag, n_fit = refine_minimum(x, F, window)
    bracketed = flag in ("ok", "not_refined")
    steps = np.diff(x)
    grid_step = float(steps[min(max(i - 1, 0), steps.size - 1)])
    S = losses.shape[1]
    se, ci, frac = np.inf, (-np.inf, np.inf), 0.0
    if S == 1:
        se, ci, frac = 0.0, (xh, xh), float(bracketed)
    elif n_boot > 0:
        # Hand-written rather than scipy.stats.bootstrap: a replicate whose minimum is not
        # bracketed has no estimate and is dropped (its share is reported as boot_bracketed_frac),
        # while scipy.stats.bootstrap needs a finite statistic for every resample (one NaN makes
        # its standard error and interval NaN); and switching would redraw every resample, moving
        # every error bar of the paper for no gain in what is computed.
        rng = np.random.default_rng(seed)
        reps = []
        for _ in range(n_boot):
            idx = rng.integers(0, S, size=S)
            xb, _, fb, _ = refine_minimum(x, objective(losses[:, idx]), window)
            if fb in ("ok", "not_refined"):
                reps.append(xb)
        frac = len(reps) / n_boot
        if len(reps) >= 2:
            reps = np.asarray(reps)
            se = float(np.std(reps, ddof=1))
            ci = (float(np.percentile(reps, 2.5)), float(np.percentile(reps, 97.5)))
    eta = float(np.exp(xh)) if flag == "ok" else float(lrs[i])  # grid value exactly
    return LrFit(eta=eta, log_eta=float(xh), eta_grid=float(lrs[i]), index=i,
                 bracketed=bracketed, flag=flag, log_eta_se=float(se), log_eta_ci=ci,
                 boot_bracketed_frac=float(frac), grid_step=grid_step, n_fit=n_fit,
                 objective=F)


def fits_to_arrays(fits):
    """Stack a list of :class:`LrFit` into a dict of arrays (``eta``, ``log_eta``,
    ``log_eta_se``, ``bracketed``, ``flag``) for tables and JSON."""
    return {
        "eta": np.array([f.eta for f in fits]),
        "log_eta": np.array([f.log_eta for f in fits]),
        "log_eta_se": np.array([f.log_eta_se for f in fits]),
        "bracketed": np.array([f.bracketed for f in fits]),
        "flag": np.array([f.flag for f in fits]),
    }


def two_stage_search(train, centre, coarse=13, span_decades=6.0, fine=16, fine_halfspan_decades=0.6,
                     n_boot=200, seed=0):
    r"""Measure :math:`\eta^*` of ``train`` with a coarse-then-fine log grid of learning rates.

    ``train(lrs) -> losses`` of shape ``(len(lrs), n_seed)``. Stage 1: ``coarse`` points over
    ``span_decades`` decades centred on ``centre`` (e.g. the theory's prediction). Stage 2: ``fine``
    points over :math:`\pm` ``fine_halfspan_decades`` around the stage-1 grid minimum. The fit
    (:func:`fit_optimal_lr`) uses the union of both grids. Returns ``(fit, lrs, losses)``.
    """
    if not (np.isfinite(centre) and centre > 0):
        raise ValueError(f"centre must be a positive finite learning rate, got {centre!r}")
    lrs1 = centre * np.logspace(-span_decades / 2, span_decades / 2, coarse)
    L1 = np.asarray(train(lrs1))
    first = fit_optimal_lr(lrs1, L1, window=3, n_boot=0)
    lrs2 = first.eta_grid * np.logspace(-fine_halfspan_decades, fine_halfspan_decades, fine)
    lrs = np.concatenate([lrs1, lrs2])
    losses = np.concatenate([L1, np.asarray(train(lrs2))])
    order = np.argsort(lrs, kind="stable")
    lrs, losses = lrs[order], losses[order]
    keep = np.concatenate([[True], np.diff(lrs) > 0])  # the fine grid may repeat a coarse point
    lrs, losses = lrs[keep], losses[keep]
    return fit_optimal_lr(lrs, losses, window=3, n_boot=n_boot, seed=seed), lrs, losses
