r"""Exact expected loss of ``T`` steps of plain SGD on a diagonal quadratic with Gaussian noise.

Model (the noisy quadratic model of :func:`adameps.training.train_nqm`): loss
:math:`L(\theta) = \tfrac12 \sum_i h_i \theta_i^2`, minibatch gradient
:math:`\tilde g_i = h_i\theta_i + \sigma_i z_i/\sqrt B`, :math:`z \sim N(0, I)` fresh every step,
update :math:`\theta \leftarrow \theta - \eta \tilde g`.  Each coordinate is an independent linear
recursion :math:`\theta_{t+1} = q\,\theta_t - \eta\sigma z_t/\sqrt B` with :math:`q = 1 - \eta h`,
so its second moment :math:`s_t = E[\theta_t^2]` obeys

.. math::

    s_{t+1} = r\, s_t + \eta^2\sigma^2/B, \qquad r = q^2 = (1-\eta h)^2,

whose solution is :math:`s_T = r^T s_0 + (\eta^2\sigma^2/B)\,(1-r^T)/(1-r)` (:math:`T` for
:math:`r = 1`).  Hence, exactly,

.. math::

    E[L(\theta_T)] = \tfrac12 \sum_i h_i \Big( r_i^T s_{0,i}
        + \frac{\eta^2\sigma_i^2}{B}\, \frac{1-r_i^T}{1-r_i} \Big).

``s0`` is :math:`\theta_{0,i}^2` for a fixed initial point, or :math:`E[\theta_{0,i}^2]` for a
random one (1 for :func:`adameps.problems.nqm_theta0`'s :math:`N(0, I)` draw); the expectation
is then over the initial point too.  This is the SGD case of the many-step theory; the module
holding the exact T-step losses of the other update maps can absorb it.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

__all__ = ["sgd_expected_loss", "sgd_expected_loss_steps", "sgd_optimal_lr"]


def _check(h, sigma, s0):
    h = np.asarray(h, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    s0 = np.broadcast_to(np.asarray(s0, dtype=float), h.shape)
    if h.ndim != 1 or h.size == 0 or sigma.shape != h.shape:
        raise ValueError(f"h and sigma must be 1-d arrays of one length, got shapes {h.shape}, {sigma.shape}")
    if not (np.all(np.isfinite(h)) and np.all(h > 0)):
        raise ValueError("h must be finite and > 0 (a positive definite diagonal Hessian)")
    if not (np.all(np.isfinite(sigma)) and np.all(sigma >= 0)):
        raise ValueError("sigma must be finite and >= 0")
    if not (np.all(np.isfinite(s0)) and np.all(s0 >= 0)):
        raise ValueError("s0 (second moment of the initial point) must be finite and >= 0")
    return h, sigma, s0


def _check_BT(B, T):
    if not (np.isfinite(B) and B > 0):
        raise ValueError(f"B must be finite and > 0, got {B!r}")
    if int(T) != T or T < 0:
        raise ValueError(f"T must be a non-negative integer number of steps, got {T!r}")
    return float(B), int(T)


def sgd_expected_loss(h, sigma, s0, eta, B, T):
    r"""Exact :math:`E[L(\theta_T)]` after ``T`` SGD steps of size ``eta`` (see the module docstring).

    ``h``, ``sigma`` (n,); ``s0`` (n,) or scalar: second moment of the initial point per coordinate;
    ``eta`` scalar or array (the result has its shape); ``B`` > 0; ``T`` >= 0 steps.  The
    geometric sum is :math:`(1-r^T)/(1-r)` with :math:`1-r = \eta h (2-\eta h)` (no cancellation
    for small :math:`\eta h`) and :math:`-\mathrm{expm1}(T\log r)` for :math:`1-r^T`.

    >>> h, s = np.array([1.0, 0.1]), np.array([1.0, 0.3])
    >>> float(sgd_expected_loss(h, s, 1.0, 0.0, 4.0, 10))  # eta = 0: the initial loss
    0.55
    >>> e1 = sgd_expected_loss(h, s, 1.0, 0.5, 4.0, 1)    # one step: L - eta g.g + eta^2/2 (g.Hg + tr(H S)/B)
    >>> bool(np.isclose(e1, 0.55 - 0.5 * 1.01 + 0.125 * (1.001 + 1.009 / 4)))
    True
    """
    h, sigma, s0 = _check(h, sigma, s0)
    B, T = _check_BT(B, T)
    eta = np.asarray(eta, dtype=float)
    if not (np.all(np.isfinite(eta)) and np.all(eta >= 0)):
        raise ValueError("eta must be finite and >= 0")
    x = eta[..., None] * h  # eta h, shape eta.shape + (n,)
    one_minus_r = x * (2.0 - x)
    r = (1.0 - x) ** 2
    with np.errstate(divide="ignore"):
        logr = np.log(r)
    rT = np.exp(T * logr) if T > 0 else np.ones_like(r)
    one_minus_rT = np.where(r > 0, -np.expm1(T * logr), 1.0) if T > 0 else np.zeros_like(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        geom = np.where(one_minus_r != 0, one_minus_rT / np.where(one_minus_r != 0, one_minus_r, 1.0), float(T))
    sT = rT * s0 + (eta[..., None] ** 2) * sigma**2 / B * geom
    return 0.5 * np.sum(h * sT, axis=-1)


def sgd_expected_loss_steps(h, sigma, s0, eta, B, T):
    r"""The same expectation by iterating :math:`s_{t+1} = (1-\eta h)^2 s_t + \eta^2\sigma^2/B`
    ``T`` times (the reference for :func:`sgd_expected_loss`); returns the loss after each step,
    shape ``(T + 1,)`` (index 0: the initial loss).  ``eta`` scalar.

    >>> h, s = np.array([1.0, 0.1]), np.array([1.0, 0.3])
    >>> L = sgd_expected_loss_steps(h, s, 1.0, 0.5, 4.0, 5)
    >>> bool(np.isclose(L[-1], sgd_expected_loss(h, s, 1.0, 0.5, 4.0, 5)))
    True
    """
    h, sigma, s0 = _check(h, sigma, s0)
    B, T = _check_BT(B, T)
    eta = float(eta)
    s = s0.copy()
    out = [0.5 * float(np.sum(h * s))]
    for _ in range(T):
        s = (1.0 - eta * h) ** 2 * s + eta**2 * sigma**2 / B
        out.append(0.5 * float(np.sum(h * s)))
    return np.array(out)


def sgd_optimal_lr(h, sigma, s0, B, T, lo=None, hi=None, n_scan=200):
    r"""The learning rate minimising the exact :math:`E[L(\theta_T)]` (:func:`sgd_expected_loss`).

    Scans ``n_scan`` log-spaced values of :math:`\eta` in ``[lo, hi]`` (default
    ``[1e-4, 2]/max h``; above ``2/max h`` the stiffest coordinate diverges) and refines the
    scan's minimum by bounded Brent minimisation of :math:`\log E[L_T]` in :math:`\log\eta`
    between its neighbours (xatol 1e-10).  Returns ``(eta_opt, loss_opt)``; raises ValueError if
    the minimum sits on the scan's edge (widen ``[lo, hi]``).

    >>> h, s = np.array([1.0]), np.array([0.0])          # no noise, one coordinate, one step:
    >>> eta, L = sgd_optimal_lr(h, s, 1.0, 1.0, 1)       # one step of 1/h lands on the minimum
    >>> round(eta, 8)
    1.0
    """
    h, sigma, s0 = _check(h, sigma, s0)
    B, T = _check_BT(B, T)
    if T < 1:
        raise ValueError("T must be >= 1 for an optimal learning rate")
    lo = 1e-4 / h.max() if lo is None else float(lo)
    hi = 2.0 / h.max() if hi is None else float(hi)
    if not (0 < lo < hi and np.isfinite(hi)):
        raise ValueError(f"need 0 < lo < hi < inf, got lo={lo!r}, hi={hi!r}")
    x = np.linspace(np.log(lo), np.log(hi), int(n_scan))
    with np.errstate(divide="ignore"):
        F = np.log(sgd_expected_loss(h, sigma, s0, np.exp(x), B, T))
    i = int(np.argmin(F))
    if i == 0 or i == x.size - 1:
        raise ValueError(f"the minimum of E[L_T] lies at the edge of [lo, hi] = [{lo:g}, {hi:g}]; widen it")

    def f(t):
        return float(np.log(sgd_expected_loss(h, sigma, s0, np.exp(t), B, T)))

    res = minimize_scalar(f, bounds=(x[i - 1], x[i + 1]), method="bounded", options={"xatol": 1e-10})
    t = res.x if res.fun <= F[i] else x[i]
    return float(np.exp(t)), float(np.exp(f(t)))
