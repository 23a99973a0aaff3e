r"""Fast moments in the sign-like regime (small :math:`b`): ``moments(..., method="fast")``.

The exact algorithms of :mod:`adameps.moments` spend about 176 exponentials (softsign
:math:`m_1`) or a Faddeeva evaluation (softsign :math:`m_2`) per point.  At model scale
(:math:`10^6` coordinates times 40 batch sizes) most points have a tiny
:math:`b = \epsilon\sqrt B/\sigma` (:math:`\epsilon = 10^{-8}`: :math:`b \lesssim 10^{-3}`),
where the moments are the sign moments plus a short asymptotic series in :math:`b`.  This
module evaluates those series; every other point goes to the exact algorithm, so
``method="fast"`` agrees with ``method="exact"`` to the bound below everywhere.

Notation as in :mod:`adameps.moments`: :math:`x = a + z`, :math:`\phi` the normal density,
:math:`He_n` the probabilists' Hermite polynomials, :math:`F` Dawson's integral, and
:math:`f(y) = \phi(y-a) - \phi(y+a) = \sum_{n\ge0} f_n y^{2n+1}`,
:math:`f_n = 2 He_{2n+1}(a)\phi(a)/(2n+1)!`.

Softsign (:math:`b \le 0.02`, :math:`|a| \le 12`)
---------------------------------------------------
* :math:`m_1`.  With :math:`k(t) = 1 - t/\sqrt{1+t^2}`,
  :math:`m_1 = \operatorname{erf}(a/\sqrt2) - \int_0^\infty k(y/b) f(y)\,dy`.  The Mellin
  transform of :math:`k` is :math:`\tilde k(s) = \Gamma(\tfrac{s+1}{2})\Gamma(1-\tfrac s2)/(s\sqrt\pi)`,
  with poles at :math:`s = 2m` that coincide with those of the transform of :math:`f`; the
  double poles give (Mellin-convolution asymptotics)

  .. math::

      m_1 = \operatorname{erf}(a/\sqrt2) + \sum_{m\ge1} b^{2m}\big[2C_m f_{m-1}\log b
            - 2C_m\Phi_{m-1}(a) - \kappa_m f_{m-1}\big],

  :math:`C_m = (-1)^{m-1}\Gamma(m+\tfrac12)/((m-1)!\,2m\sqrt\pi)`,
  :math:`\kappa_m = C_m(\psi(m) - \psi(m+\tfrac12) + 1/m)`
  (:math:`C_1 = 1/4`, :math:`\kappa_1 = (2\log 2 - 1)/4`, :math:`C_2 = -3/16`,
  :math:`\kappa_2 = -\tfrac3{16}(2\log2 - \tfrac76)`), and the finite parts
  :math:`\Phi_{m-1}(a) = \operatorname{FP}\int_0^\infty f(y)\,y^{-2m}\,dy`
  (:math:`\int_0^1` of :math:`f` less its first :math:`m` Taylor terms, plus
  :math:`\sum_{n<m-1} f_n/(2n+2-2m)`, plus :math:`\int_1^\infty`).  Two terms
  (:math:`m = 1, 2`) are used; the remainder is :math:`O(b^6\log b)`.
  :math:`\Phi_0(a)/a` and :math:`\Phi_1(a)/a` (even, entire) are tabulated once, on first
  use, as piecewise Chebyshev interpolants on :math:`[0, 12]` (cells of width 1/2, degrees 7 and 4)
  from their Taylor series on :math:`[0, 1]` and Gauss--Legendre quadrature on
  :math:`[1, 24.5]`.
* :math:`m_2`.  :math:`1 - m_2 = E[b^2/(x^2+b^2)] = b\sqrt{\pi/2}\operatorname{Re}w((a+ib)/\sqrt2)`
  is entire in :math:`b`; its Taylor series (the same Mellin argument with
  :math:`\tilde q(s) = \pi/(2\sin(\pi s/2))`, simple poles only) is

  .. math::

      1 - m_2 = \sum_{n\ge0} (-1)^n \frac{\pi He_{2n}(a)\phi(a)}{(2n)!} b^{2n+1}
              + \sum_{k\ge1} (-1)^k \frac{H^{(2k-1)}(a)}{(2k-1)!} b^{2k},
      \qquad H(a) = \sqrt2 F(a/\sqrt2),

  (:math:`H` is the Hilbert transform of :math:`\phi`, so
  :math:`\operatorname{FP}\int \phi(x-a)x^{-2k}dx = -H^{(2k-1)}(a)/(2k-1)!`).  With
  :math:`u = a/\sqrt2`: :math:`H' = 1 - 2uF(u)`, :math:`H''' = 2u^2 - 2 + (6u - 4u^3)F(u)`.
  Terms through :math:`b^5` are used (remainder :math:`O(b^6)`).

Clip (:math:`b \le 0.02`)
-------------------------
The exact module's Taylor series in :math:`b` (entire), truncated after 4 odd and 5 even terms
instead of 16 and 17.

Sign
----
:math:`(\operatorname{erf}(a/\sqrt2), 1)` for every point, without the exact driver's masks.

Adam
----
No fast series yet: ``method="fast"`` evaluates adam exactly (see the benchmark report).

Accuracy (measured, ``tests/test_moments_fast.py``): on dense grids straddling both switches
(:math:`b = 0.02`, :math:`|a| = 12`) and on :math:`|a| \le 12`, :math:`10^{-12} \le b \le 0.02`,
the fast moments agree with the exact ones to a relative error below ``FAST_RTOL`` = 1e-10
(largest measured: about 1e-11 at :math:`b = 0.02`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import chebyshev as _cheb
from numpy.polynomial.legendre import leggauss
from scipy.special import dawsn, erf

__all__ = ["FAST_RTOL", "FAST_B_MAX", "FAST_A_MAX", "fast_core", "softsign_small_b", "clip_small_b"]

#: Stated bound on the relative error of every fast moment against the exact one.
FAST_RTOL = 1e-10
#: Largest b at which the small-b series are used (softsign and clip); above: exact.
FAST_B_MAX = 0.02
#: Largest |a| of the softsign series' table; above: exact.
FAST_A_MAX = 12.0

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_L2 = math.log(2.0)
_C1, _K1 = 0.25, (2.0 * _L2 - 1.0) / 4.0
_C2 = -3.0 / 16.0
_K2 = _C2 * (2.0 * _L2 - 7.0 / 6.0)

# --------------------------------------------------------------------------- Phi table
_CELL = 0.5
_NCELL = int(FAST_A_MAX / _CELL)
# Phi_0 enters m1 times b^2 <= 4e-4 and Phi_1 times b^4 <= 1.6e-7, and m1/a >= 1/12 on [0, 12],
# so table errors 1.3e-10 (degree 7) and 3e-6 (degree 4) change m1 by less than 1e-12 relatively
# (interpolation errors measured against _phi_finite_parts on 4001 points: tests/test_moments_fast.py).
_DEGS = (7, 4)
_TABLE = None  # per Phi_m/a: (deg+1, ncell) monomial coefficients in t in [-1, 1], one row per power


def _phi_finite_parts(a):
    r"""``(Phi_0(a), Phi_1(a))`` for an array ``a > 0``: :math:`\operatorname{FP}\int_0^\infty f(y) y^{-2m} dy`, m = 1, 2."""
    a = np.asarray(a, float)
    nser = 90
    # Taylor coefficients c_n of exp(-y^2/2) sinh(a y) at y^(2n+1) (Cauchy product); f_n = pre c_n
    s = np.empty((nser, a.size))
    s[0] = a
    for i in range(1, nser):
        s[i] = s[i - 1] * a * a / ((2 * i) * (2 * i + 1))
    e = np.array([(-0.5) ** j / math.factorial(j) for j in range(nser)])
    c = np.array([e[: n + 1][::-1] @ s[: n + 1] for n in range(nser)])
    pre = math.sqrt(2.0 / math.pi) * np.exp(-0.5 * a * a)
    n = np.arange(nser)[:, None]
    head0 = pre * np.sum(c[1:] / (2 * n[1:]), axis=0)  # m = 1: sum_{n>=1} f_n/(2n)
    head1 = pre * (np.sum(c[2:] / (2 * n[2:] - 2), axis=0) - c[0] / 2.0)  # m = 2
    x, w = leggauss(20)
    edges = np.arange(1.0, 24.5 + 1e-9, 0.5)
    y = np.concatenate([lo + (x + 1.0) * (hi - lo) / 2 for lo, hi in zip(edges[:-1], edges[1:])])
    wy = np.concatenate([w * (hi - lo) / 2 for lo, hi in zip(edges[:-1], edges[1:])])
    f = (np.exp(-0.5 * (y[:, None] - a) ** 2) - np.exp(-0.5 * (y[:, None] + a) ** 2)) / _SQRT2PI
    tail0 = (wy / y**2) @ f
    tail1 = (wy / y**4) @ f
    return head0 + tail0, head1 + tail1


def _table():
    global _TABLE
    if _TABLE is None:
        lo = np.arange(_NCELL) * _CELL
        tabs = []
        for k, deg in enumerate(_DEGS):
            t = np.cos(np.pi * (np.arange(deg + 1) + 0.5) / (deg + 1))  # Chebyshev points, first kind
            a = (lo[:, None] + (t + 1.0) * (_CELL / 2)).ravel()
            vals = (_phi_finite_parts(a)[k] / a).reshape(_NCELL, deg + 1)
            tab = np.array([_cheb.cheb2poly(_cheb.chebfit(t, vals[i], deg)) for i in range(_NCELL)])
            tabs.append(np.ascontiguousarray(tab.T))
        _TABLE = tuple(tabs)
    return _TABLE


def _phi_over_a(a):
    """``Phi_0(a)/a, Phi_1(a)/a`` from the tables, ``0 <= a <= FAST_A_MAX``."""
    x = a * (1.0 / _CELL)
    cell = np.minimum(x.astype(np.intp), _NCELL - 1)
    t = x - cell
    t *= 2.0
    t -= 1.0
    c = np.empty_like(a)
    out = []
    for tab in _table():
        deg = tab.shape[0] - 1
        r = np.take(tab[deg], cell)
        for j in range(deg - 1, -1, -1):
            r *= t
            r += np.take(tab[j], cell, out=c)
        out.append(r)
    return out[0], out[1]


# --------------------------------------------------------------------------- series


def softsign_small_b(a, b):
    r"""Softsign :math:`(m_1, m_2)` from the small-:math:`b` series (module docstring).

    For :math:`0 \le a \le 12`, :math:`0 < b \le 0.02` (arrays); relative error below
    ``FAST_RTOL`` there.

    Examples
    --------
    >>> from adameps.moments import softsign_moments
    >>> m1, m2 = softsign_small_b(np.array([1.0]), np.array([1e-3]))
    >>> e1, e2 = softsign_moments(1.0, 1e-3)
    >>> bool(abs(m1[0] / e1 - 1) < 1e-12 and abs(m2[0] / e2 - 1) < 1e-12)
    True
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    p = np.exp(-0.5 * a * a) * (1.0 / _SQRT2PI)
    a2 = a * a
    f0 = 2.0 * a * p
    f1 = (a2 - 3.0) * a * p * (1.0 / 3.0)
    t0, t1 = _phi_over_a(a)
    lb = np.log(b)
    b2 = b * b
    m1 = f0 * (0.5 * lb - _K1) - 0.5 * a * t0
    m1 += b2 * (f1 * (2.0 * _C2 * lb - _K2) - 2.0 * _C2 * a * t1)
    m1 *= b2
    m1 += erf(a * (1.0 / _SQRT2))
    u = a * (1.0 / _SQRT2)
    F = dawsn(u)
    h1 = 1.0 - 2.0 * u * F
    h3 = 2.0 * u * u - 2.0 + (6.0 * u - 4.0 * u * u * u) * F
    he2 = a2 - 1.0
    he4 = (a2 - 6.0) * a2 + 3.0
    # 1 - m2 = pi p b - H' b^2 - (pi/2) He2 p b^3 + H''' b^4/6 + (pi/24) He4 p b^5
    q = (math.pi / 24.0) * he4 * p
    q *= b
    q += h3 * (1.0 / 6.0)
    q *= b
    q -= (math.pi / 2.0) * he2 * p
    q *= b
    q -= h1
    q *= b
    q += math.pi * p
    q *= b
    m2 = 1.0 - q
    return m1, m2


def clip_small_b(a, b):
    r"""Clip :math:`(m_1, m_2)` from the Taylor series in :math:`b`, 4 and 5 terms (module docstring).

    For :math:`a \ge 0`, :math:`0 < b \le 0.02` (arrays).

    Examples
    --------
    >>> from adameps.moments import clip_moments
    >>> m1, m2 = clip_small_b(np.array([1.0]), np.array([0.01]))
    >>> e1, e2 = clip_moments(1.0, 0.01)
    >>> bool(abs(m1[0] / e1 - 1) < 1e-13 and abs(m2[0] / e2 - 1) < 1e-13)
    True
    """
    from adameps.moments import _hermite_even_series, _hermite_odd_series, _npdf

    a = np.asarray(a, float)
    b = np.asarray(b, float)
    m1 = erf(a / _SQRT2)
    m2 = np.ones_like(a)
    s = a <= 40.0  # beyond, phi(a) underflows
    if not s.all():
        aa, bb = a[s], b[s]
    else:
        aa, bb = a, b
    p = _npdf(aa)
    d1 = 2.0 * p * _hermite_odd_series(aa, bb, nterms=4)
    d2 = 4.0 * p * _hermite_even_series(aa, bb, nterms=5)
    if s.all():
        m1 -= d1
        m2 -= d2
    else:
        m1[s] -= d1
        m2[s] -= d2
    return m1, m2


# --------------------------------------------------------------------------- dispatch


def fast_core(kind):
    """The fast core for ``kind``: ``core(a, b) -> (m1, m2)`` for ``a >= 0`` finite, ``0 < b < inf``.

    Points outside the series' range go to the exact core of :mod:`adameps.moments`.

    Examples
    --------
    >>> m1, m2 = fast_core("softsign")(np.array([0.5, 3.0]), np.array([1e-4, 5.0]))
    >>> np.round(m1, 6), np.round(m2, 6)
    (array([0.382925, 0.498532]), array([0.999889, 0.265188]))
    """
    from adameps import moments as _m

    if kind == "sign":
        return lambda a, b: (erf(a / _SQRT2), np.ones_like(a))
    if kind == "adam":
        return _m._adam_core
    if kind == "softsign":
        series, exact, amax = softsign_small_b, lambda a, b: (_m._softsign_m1_core(a, b), _m._softsign_m2_core(a, b)), FAST_A_MAX
    elif kind == "clip":
        series, exact, amax = clip_small_b, _m._clip_core, np.inf
    else:
        raise ValueError(f"kind must be one of {_m.KINDS}, got kind={kind!r}")

    def core(a, b):
        use = (b <= FAST_B_MAX) & (a <= amax)
        if use.all():
            m1, m2 = series(a, b)
            return m1, np.clip(m2, 0.0, 1.0)
        m1 = np.empty_like(a)
        m2 = np.empty_like(a)
        if use.any():
            m1[use], m2[use] = series(a[use], b[use])
        rest = ~use
        m1[rest], m2[rest] = exact(a[rest], b[rest])
        return m1, np.clip(m2, 0.0, 1.0)

    return core
