r"""Monte Carlo estimates of the update-map moments (an independent check of :mod:`adameps.moments`).

For :math:`z_i \sim N(0,1)`, :math:`i = 1..n`, with antithetic pairs :math:`(z_i, -z_i)`
(which keeps the estimators unbiased; the pair average is the sampling unit, so the
standard error is computed from the :math:`n/2` pair means),

.. math::

    \hat m_k = \frac{1}{n}\sum_i \varphi(a + z_i; b)^k, \qquad
    \mathrm{se}(\hat m_k) = \mathrm{sd}\{\tfrac12[\varphi(a+z_i)^k + \varphi(a-z_i)^k]\}/\sqrt{n/2}.
"""

from __future__ import annotations

import numpy as np

from .moments import KINDS

__all__ = ["update_map", "moments_mc"]


def update_map(kind, x, b):
    r"""The update map :math:`\varphi(x; b)` of ``kind`` (vectorised over ``x``; ``b >= 0``).

    sign: :math:`\operatorname{sign}(x)`; softsign: :math:`x/\sqrt{x^2+b^2}`;
    clip: :math:`\operatorname{clip}(x/b,-1,1)`; adam: :math:`x/(|x|+b)`.
    A scalar ``b = 0`` gives sign for every kind (their common limit).
    """
    x = np.asarray(x, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if kind == "sign" or (kind in KINDS and b.ndim == 0 and b == 0):
        return np.sign(x)
    if kind == "softsign":
        return x / np.hypot(x, b)
    if kind == "clip":
        return np.clip(x / b, -1.0, 1.0)
    if kind == "adam":
        return x / (np.abs(x) + b)
    raise ValueError(f"kind must be one of {KINDS}, got kind={kind!r}")


def moments_mc(kind, a, b, n, rng):
    """Monte Carlo ``(m1, m2, se_m1, se_m2)`` of ``kind`` at scalar ``a`` and ``b > 0``.

    Parameters
    ----------
    kind : str
        One of ``KINDS``.
    a, b : float
        Scalars (``b > 0`` for every kind but sign).
    n : int
        Number of draws (rounded up to even: ``n/2`` antithetic pairs).
    rng : numpy.random.Generator
        Source of the draws, so results are reproducible.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got kind={kind!r}")
    a = float(a)
    b = float(b)
    if np.isnan(a):
        raise ValueError(f"a must not be NaN, got a={a!r}")
    if not b > 0 and kind != "sign":
        raise ValueError(f"b must be > 0 for Monte Carlo, got b={b!r}")
    half = max(1, (int(n) + 1) // 2)
    z = rng.standard_normal(half)
    fp = update_map(kind, a + z, b)
    fm = update_map(kind, a - z, b)
    p1 = 0.5 * (fp + fm)
    p2 = 0.5 * (fp * fp + fm * fm)
    m1 = float(p1.mean())
    m2 = float(p2.mean())
    se1 = float(p1.std(ddof=1) / np.sqrt(half)) if half > 1 else float("inf")
    se2 = float(p2.std(ddof=1) / np.sqrt(half)) if half > 1 else float("inf")
    return m1, m2, se1, se2
