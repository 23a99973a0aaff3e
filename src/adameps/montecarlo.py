r"""Monte Carlo estimates of the update-map moments (an independent check of :mod:`adameps.moments`).

The maps :math:`\varphi` are those of :mod:`adameps.update_maps`.

For :math:`z_i \sim N(0,1)`, :math:`i = 1..n`, with antithetic pairs :math:`(z_i, -z_i)`
(which keeps the estimators unbiased; the pair average is the sampling unit, so the
standard error is computed from the :math:`n/2` pair means),

.. math::

    \hat m_k = \frac{1}{n}\sum_i \varphi(a + z_i; b)^k, \qquad
    \mathrm{se}(\hat m_k) = \mathrm{sd}\{\tfrac12[\varphi(a+z_i)^k + \varphi(a-z_i)^k]\}/\sqrt{n/2}.
"""

from __future__ import annotations

import numpy as np

from adameps.update_maps import check_kind, update_map

__all__ = ["moments_mc"]


def moments_mc(kind, a, b, n, rng):
    """Monte Carlo ``(m1, m2, se_m1, se_m2)`` of ``kind`` at scalar ``a`` and ``b > 0``.

    Parameters
    ----------
    kind : str
        One of :data:`adameps.update_maps.KINDS`.
    a, b : float
        Scalars (``b > 0`` for every kind but sign).
    n : int
        Number of draws (rounded up to even: ``n/2`` antithetic pairs).
    rng : numpy.random.Generator
        Source of the draws, so results are reproducible.
    """
    check_kind(kind)
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
