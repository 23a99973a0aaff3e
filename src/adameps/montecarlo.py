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


_FORMS = {
    "softsign": lambda x, b: x / np.hypot(x, b),
    "clip": lambda x, b: np.clip(x / b, -1.0, 1.0),
    "adam": lambda x, b: x / (np.abs(x) + b),
}


def update_map(kind, x, b):
    r"""The update map :math:`\varphi(x; b)` of ``kind`` (vectorised over ``x`` and ``b``; ``b >= 0``).

    sign: :math:`\operatorname{sign}(x)`; softsign: :math:`x/\sqrt{x^2+b^2}`;
    clip: :math:`\operatorname{clip}(x/b,-1,1)`; adam: :math:`x/(|x|+b)`.
    Where ``b = 0`` every kind gives sign (their common limit), and :math:`x = \pm\infty`
    with finite ``b`` gives :math:`\pm1`.  ``ValueError`` for an unknown ``kind``, NaN ``x``
    or ``b``, negative ``b``, or ``x`` and ``b`` both infinite.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got kind={kind!r}")
    x = np.asarray(x, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if np.isnan(x).any():
        raise ValueError("x must not be NaN, got x=nan")
    bad = np.isnan(b) | (b < 0)
    if bad.any():
        raise ValueError(f"b must be >= 0 and not NaN, got b={float(b[bad].flat[0])!r}")
    if kind == "sign":
        return np.sign(x)
    form = _FORMS[kind]
    if b.ndim == 0 and 0 < b and np.isfinite(x).all():
        return form(x, b)  # the common case: no special values
    x, b = np.broadcast_arrays(x, b)
    if (np.isinf(x) & np.isinf(b)).any():
        raise ValueError("x and b are both infinite: the update map has no limit there")
    # The formulas would form 0/0 at x = b = 0 (softsign, adam), x/0 (clip) and inf/inf at
    # x = +-inf; those points take the limits above instead.
    out = np.array(np.sign(x), dtype=np.float64)
    regular = (b > 0) & np.isfinite(x)
    out[regular] = form(x[regular], b[regular])
    return out[()] if out.ndim == 0 else out


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
