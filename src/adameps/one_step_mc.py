r"""Monte Carlo check of the one-step optimal learning rate.

Samples K minibatch gradients ``g_B = g + sigma * z / sqrt(B)``, forms the
updates ``u~ = phi(g_B; eps)`` and, because the loss is quadratic, estimates the
expected one-step loss change exactly per sample:

    Delta(eta) = L(theta - eta u~) - L(theta) = -eta u~^T g + eta^2/2 u~^T H u~.

Averaging over samples gives ``E Delta(eta) = -eta X + eta^2/2 Y`` with
``X = mean(u~^T g)``, ``Y = mean(u~^T H u~)``, minimised at ``eta_hat = X/Y``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adameps.optimal_lr import _check_B, _check_eps
from adameps.problems import validate_g_sigma, validate_problem_arrays
from adameps.update_maps import check_kind, update_map

__all__ = ["OneStepMC", "sample_updates", "one_step_mc"]


def sample_updates(g, sigma, eps, B, K, rng, kind="softsign"):
    """K sampled updates ``phi(g + sigma z / sqrt(B); eps)``, shape (K, N).

    ``rng`` is an int seed or a ``numpy.random.Generator``; ``B`` a positive scalar.
    Invalid ``g``, ``sigma`` (as in :func:`adameps.problems.validate_g_sigma`), ``eps``,
    ``B``, ``K`` or ``kind`` raise ``ValueError`` naming the argument.
    """
    g, sigma = validate_g_sigma(g, sigma)
    eps = _check_eps(eps)
    Bv, _ = _check_B(B)
    if Bv.size != 1:
        raise ValueError(f"B must be a scalar for sample_updates, got {Bv.size} values")
    kind = check_kind(kind)
    if int(K) < 1:
        raise ValueError(f"K must be >= 1, got K={K!r}")
    rng = np.random.default_rng(rng)
    z = rng.standard_normal((int(K), g.size))
    return update_map(kind, g + sigma * z / np.sqrt(Bv[0]), eps)


@dataclass(frozen=True)
class OneStepMC:
    """Result of :func:`one_step_mc`.

    ``eta_hat = X/Y`` (argmin of the sample-mean quadratic), ``eta_se`` its
    delta-method standard error; ``eta_grid`` / ``delta_grid`` the mean loss
    change on the grid and ``eta_grid_argmin`` its grid minimiser;
    ``m1_hat`` (N,) the sample mean of u~ and ``m1_se`` its standard error;
    ``X``, ``Y`` the sample means of ``u~^T g`` and ``u~^T H u~``; ``K`` samples.
    """

    eta_hat: float
    eta_se: float
    eta_grid: np.ndarray
    delta_grid: np.ndarray
    eta_grid_argmin: float
    m1_hat: np.ndarray
    m1_se: np.ndarray
    X: float
    Y: float
    Y_se: float
    K: int


def one_step_mc(g, H, sigma, eps, B, kind="softsign", K=100_000, seed=0,
                eta_grid=None, chunk=20_000):
    """Monte Carlo estimate of the one-step optimal learning rate at one B.

    ``eta_hat = mean(u~^T g) / mean(u~^T H u~)``; standard error by the delta
    method on the ratio of means,
    ``se^2 = (Var X_k / Y^2 - 2 X Cov(X_k, Y_k) / Y^3 + X^2 Var Y_k / Y^4) / K``.
    The loss change ``-eta X + eta^2 Y / 2`` is also tabulated on ``eta_grid``
    (default: 201 points on [0, 3 eta_hat]).  Samples are drawn in chunks
    from ``numpy.random.default_rng(seed)``; results are deterministic given seed.
    """
    g, H, sigma = validate_problem_arrays(g, H, sigma)
    eps = _check_eps(eps)
    Bv, _ = _check_B(B)
    if Bv.size != 1:
        raise ValueError(f"B must be a scalar for one_step_mc, got {Bv.size} values")
    kind = check_kind(kind)
    K = int(K)
    if K < 2:
        raise ValueError(f"K must be >= 2, got {K!r}")
    rng = np.random.default_rng(seed)
    n = g.size
    sx = sy = sxx = syy = sxy = 0.0
    su = np.zeros(n)
    suu = np.zeros(n)
    done = 0
    while done < K:
        k = min(chunk, K - done)
        u = sample_updates(g, sigma, eps, Bv[0], k, rng, kind)
        x = u @ g
        y = np.einsum("ki,ki->k", u @ H, u)
        sx += x.sum()
        sy += y.sum()
        sxx += x @ x
        syy += y @ y
        sxy += x @ y
        su += u.sum(0)
        suu += (u * u).sum(0)
        done += k
    X, Y = sx / K, sy / K
    vx = (sxx - K * X * X) / (K - 1)
    vy = (syy - K * Y * Y) / (K - 1)
    cxy = (sxy - K * X * Y) / (K - 1)
    eta_hat = X / Y
    var = (vx / Y**2 - 2 * X * cxy / Y**3 + X**2 * vy / Y**4) / K
    m1 = su / K
    m1_var = np.maximum(suu / K - m1 * m1, 0.0) * K / (K - 1)
    if eta_grid is None:
        eta_grid = np.linspace(0.0, 3.0 * abs(eta_hat), 201)
    eta_grid = np.asarray(eta_grid, float)
    delta = -eta_grid * X + 0.5 * eta_grid**2 * Y
    return OneStepMC(
        eta_hat=float(eta_hat),
        eta_se=float(np.sqrt(max(var, 0.0))),
        eta_grid=eta_grid,
        delta_grid=delta,
        eta_grid_argmin=float(eta_grid[np.argmin(delta)]),
        m1_hat=m1,
        m1_se=np.sqrt(m1_var / K),
        X=float(X),
        Y=float(Y),
        Y_se=float(np.sqrt(max(vy, 0.0) / K)),
        K=K,
    )
