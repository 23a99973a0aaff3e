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

Adam (:math:`b \le 0.004`, :math:`|a| \le 12`)
-----------------------------------------------
:math:`\varphi = \operatorname{sign}(x)(1 - k(|x|/b))` with :math:`k(t) = 1/(1+t)`,
:math:`\tilde k(s) = \pi/\sin(\pi s)` (simple poles at every integer; double poles with the
transform of :math:`f` at even :math:`s`), and for :math:`m_2`
:math:`q(t) = 1 - t^2/(1+t)^2`, :math:`\tilde q(s) = (1+s)\pi/\sin(\pi s)` against
:math:`e(y) = \phi(y-a) + \phi(y+a) = \sum_n e_n y^{2n}` (double poles at odd :math:`s`):

.. math::

    m_1 &= \operatorname{erf}(a/\sqrt2) - G_0 b + (\Phi_0 - f_0\log b) b^2 - G_1 b^3
           + (\Phi_1 - f_1\log b) b^4 + O(b^5), \\
    1 - m_2 &= (2E_0 - e_0 - 2e_0\log b)\,b + 3H'(a)\,b^2 + (4E_1 - e_1 - 4e_1\log b)\,b^3
           + \tfrac56 H^{(3)}(a)\,b^4 + O(b^5\log b),

with :math:`G_j = \operatorname{FP}\int_0^\infty f\,y^{-2j-1}dy`,
:math:`E_j = \operatorname{FP}\int_0^\infty e\,y^{-2j-1}dy` (tabulated like :math:`\Phi_j`, by
:func:`_finite_part`), :math:`e_0 = 2\phi(a)`, :math:`e_1 = He_2(a)\phi(a)`.

Moderate :math:`b`: 2-D tables (softsign, adam)
-----------------------------------------------
Above the series' switch and up to ``T2_B_MAX`` (softsign 128, adam 1000), for
:math:`|a| \le 12`: :math:`m_1/a` and :math:`m_2` as piecewise polynomials in
:math:`(a, u = \log b)` on cells of :math:`0.25 \times 0.25`, built once on first use (about
0.5 s softsign, 1.7 s adam; deterministic) from the exact algorithms at a
:math:`10\times10` Chebyshev grid per cell, truncated to total degree ``T2_DEGREE``
(7 for :math:`m_1/a`, 8 for :math:`m_2`).  The moments are
analytic in :math:`u` in the strip :math:`|\operatorname{Im} u| < \pi/2` (softsign's branch points
:math:`b = \pm ix`; adam :math:`\pi`) and entire in :math:`a`, so the coefficients decay
geometrically.  Above ``T2_B_MAX`` and for :math:`|a| > 12`: the exact
algorithms.  Cost: one ``np.take`` per coefficient (81) per point, about 4.5 ns each.
Clip has no table: the same construction (degrees 8, 8, up to :math:`b = 1.5`; it has
Gaussian-width structure at :math:`a \approx b`, narrow in :math:`u` for large :math:`b`) measured
slower than clip's exact algorithms (360 vs 243 ns per point on :math:`0.02 < b \le 0.5`), so clip
uses the exact module's Taylor series directly (without its masks), with 10 and 11 terms instead of
16 and 17, for :math:`0.02 < b \le 1/2` (``CLIP_TAYLOR_B_MAX``) and the exact algorithms above.

Accuracy (measured, ``tests/test_moments_fast.py``): on dense grids straddling every switch
(:math:`b = 0.02`, adam :math:`b = 0.004`, :math:`b =` ``T2_B_MAX``, :math:`|a| = 12`) and on
:math:`|a| \le 12.5`, :math:`10^{-300} \le b \le 2\,` ``T2_B_MAX``,
the fast moments agree with the exact ones to a relative error below ``FAST_RTOL`` = 1e-10
everywhere (one bound for every region; largest measured: series about 1e-11 at :math:`b = 0.02`;
tables: softsign 1.6e-11 (:math:`m_1`) and 6.4e-12 (:math:`m_2`), adam 1.1e-12 and 4.0e-12).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import chebyshev as _cheb
from numpy.polynomial.legendre import leggauss
from scipy.special import dawsn, erf

__all__ = ["FAST_RTOL", "FAST_B_MAX", "FAST_B_MAX_ADAM", "FAST_A_MAX", "fast_core", "softsign_small_b",
           "adam_small_b", "clip_small_b", "table_moderate_b", "T2_B_MAX", "T2_DEGREE",
           "CLIP_TAYLOR_B_MAX"]

#: Stated bound on the relative error of every fast moment against the exact one.
FAST_RTOL = 1e-10
#: Largest b at which the small-b series are used (softsign and clip); above: exact.
FAST_B_MAX = 0.02
#: Largest b of clip's 10- and 11-term Taylor series (the exact module's switch); above: exact.
CLIP_TAYLOR_B_MAX = 0.5
#: Largest b of adam's series (its remainder is O(b^5 log b)); above: exact.
FAST_B_MAX_ADAM = 0.004
#: Largest |a| of the softsign and adam series' tables; above: exact.
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
# Tabulated finite parts: name -> (p, even, degree, divided by a).  Degrees from the error budget
# (relative change of m1 or m2 below 1e-12 with |a| <= 12, m1/a >= 1/12 there): e.g. Phi_0 enters
# softsign m1 times b^2 <= 4e-4, so its table error may be 4e-10 (degree 7 gives 1.3e-10), and
# Phi_1 enters times b^4 <= 1.6e-7 (degree 4: 1.1e-5 -> 2e-12).  Interpolation errors are measured
# against _finite_part in tests/test_moments_fast.py.
_SPECS = {
    "Phi0": (2, False, 7, True),  # softsign, adam
    "Phi1": (4, False, 4, True),
    "G0": (1, False, 8, True),  # adam m1: b^1 and b^3
    "G1": (3, False, 5, True),
    "E0": (1, True, 8, False),  # adam m2: b^1 and b^3
    "E1": (3, True, 5, False),
}
_TABLES = {}  # name -> (deg+1, ncell) monomial coefficients in t in [-1, 1], one row per power


def _finite_part(a, p, even=False):
    r"""Mellin finite part :math:`\operatorname{FP}\int_0^\infty h(y)\,y^{-p}\,dy` for an array ``a > 0``.

    :math:`h = f = \phi(y-a) - \phi(y+a)` (odd, ``even=False``) or
    :math:`h = e = \phi(y-a) + \phi(y+a)` (even).  With the Taylor coefficients
    :math:`h = \sum_k h_k y^k`, the finite part is
    :math:`\sum_{k \ne p-1} h_k/(k+1-p) + \int_1^\infty h(y)y^{-p}dy` (the first sum is
    :math:`\int_0^1` of :math:`h` less its terms :math:`k < p`, plus the continued values
    :math:`\int_0^1 h_k y^{k-p}dy = h_k/(k+1-p)`; the term :math:`k = p-1` is the pole and is
    left out).  The :math:`h_k` come from the Cauchy product of :math:`e^{-y^2/2}` and
    :math:`\sinh(ay)` or :math:`\cosh(ay)` (90 terms); the tail by Gauss--Legendre on
    :math:`[1, 24.5]` (47 panels of 20 nodes).
    """
    a = np.asarray(a, float)
    nser = 90
    k0 = 0 if even else 1
    s = np.empty((nser, a.size))  # a^(2i+k0)/(2i+k0)!
    s[0] = 1.0 if even else a
    for i in range(1, nser):
        s[i] = s[i - 1] * a * a / ((2 * i + k0 - 1) * (2 * i + k0))
    ej = np.array([(-0.5) ** j / math.factorial(j) for j in range(nser)])
    c = np.array([ej[: n + 1][::-1] @ s[: n + 1] for n in range(nser)])  # at y^(2n+k0)
    k = 2 * np.arange(nser) + k0
    keep = k != p - 1
    pre = math.sqrt(2.0 / math.pi) * np.exp(-0.5 * a * a)
    head = pre * ((1.0 / (k[keep] + 1 - p)) @ c[keep])
    x, w = leggauss(20)
    edges = np.arange(1.0, 24.5 + 1e-9, 0.5)
    y = np.concatenate([lo + (x + 1.0) * (hi - lo) / 2 for lo, hi in zip(edges[:-1], edges[1:])])
    wy = np.concatenate([w * (hi - lo) / 2 for lo, hi in zip(edges[:-1], edges[1:])])
    sgn = 1.0 if even else -1.0
    h = (np.exp(-0.5 * (y[:, None] - a) ** 2) + sgn * np.exp(-0.5 * (y[:, None] + a) ** 2)) / _SQRT2PI
    return head + (wy / y**p) @ h


def _phi_finite_parts(a):
    r"""``(Phi_0(a), Phi_1(a))``: :math:`\operatorname{FP}\int_0^\infty f(y) y^{-2m} dy`, m = 1, 2."""
    return _finite_part(a, 2), _finite_part(a, 4)


def _table(name):
    if name not in _TABLES:
        p, even, deg, over_a = _SPECS[name]
        lo = np.arange(_NCELL) * _CELL
        t = np.cos(np.pi * (np.arange(deg + 1) + 0.5) / (deg + 1))  # Chebyshev points, first kind
        a = (lo[:, None] + (t + 1.0) * (_CELL / 2)).ravel()
        vals = _finite_part(a, p, even)
        vals = (vals / a if over_a else vals).reshape(_NCELL, deg + 1)
        tab = np.array([_cheb.cheb2poly(_cheb.chebfit(t, vals[i], deg)) for i in range(_NCELL)])
        _TABLES[name] = np.ascontiguousarray(tab.T)
    return _TABLES[name]


def _tabulated(names, a):
    """The tabulated finite parts ``names`` at ``0 <= a <= FAST_A_MAX`` (divided by a where the spec says)."""
    x = a * (1.0 / _CELL)
    cell = np.minimum(x.astype(np.intp), _NCELL - 1)
    t = x - cell
    t *= 2.0
    t -= 1.0
    c = np.empty_like(a)
    out = []
    for name in names:
        tab = _table(name)
        deg = tab.shape[0] - 1
        r = np.take(tab[deg], cell)
        for j in range(deg - 1, -1, -1):
            r *= t
            r += np.take(tab[j], cell, out=c)
        out.append(r)
    return out


def _phi_over_a(a):
    """``Phi_0(a)/a, Phi_1(a)/a`` from the tables, ``0 <= a <= FAST_A_MAX``."""
    return tuple(_tabulated(("Phi0", "Phi1"), a))


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


def adam_small_b(a, b):
    r"""Adam :math:`(m_1, m_2)` from the small-:math:`b` series (module docstring).

    For :math:`0 \le a \le 12`, :math:`0 < b \le 0.004` (arrays); relative error below
    ``FAST_RTOL`` there.

    Examples
    --------
    >>> from adameps.moments import adam_moments
    >>> m1, m2 = adam_small_b(np.array([1.0]), np.array([1e-3]))
    >>> e1, e2 = adam_moments(1.0, 1e-3)
    >>> bool(abs(m1[0] / e1 - 1) < 1e-12 and abs(m2[0] / e2 - 1) < 1e-12)
    True
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    p = np.exp(-0.5 * a * a) * (1.0 / _SQRT2PI)
    a2 = a * a
    g0, p0, g1, p1, e0t, e1t = _tabulated(("G0", "Phi0", "G1", "Phi1", "E0", "E1"), a)
    lb = np.log(b)
    # m1 = erf - G0 b + (Phi0 - f0 log b) b^2 - G1 b^3 + (Phi1 - f1 log b) b^4; G, Phi, f tabulated / a
    f0 = 2.0 * p
    f1 = (a2 - 3.0) * p * (1.0 / 3.0)
    m1 = p1 - f1 * lb
    m1 *= b
    m1 -= g1
    m1 *= b
    m1 += p0 - f0 * lb
    m1 *= b
    m1 -= g0
    m1 *= a * b
    m1 += erf(a * (1.0 / _SQRT2))
    # 1 - m2 = (2 E0 - e0 - 2 e0 log b) b + 3 H1 b^2 + (4 E1 - e1 - 4 e1 log b) b^3 + (5/6) H3 b^4
    u = a * (1.0 / _SQRT2)
    F = dawsn(u)
    h1 = 1.0 - 2.0 * u * F
    h3 = 2.0 * u * u - 2.0 + (6.0 * u - 4.0 * u * u * u) * F
    e0 = 2.0 * p
    e1 = (a2 - 1.0) * p
    q = (5.0 / 6.0) * h3 * b
    q += 4.0 * e1t - e1 - 4.0 * e1 * lb
    q *= b
    q += 3.0 * h1
    q *= b
    q += 2.0 * e0t - e0 - 2.0 * e0 * lb
    q *= b
    return m1, 1.0 - q


def clip_small_b(a, b, nterms=(4, 5)):
    r"""Clip :math:`(m_1, m_2)` from the Taylor series in :math:`b`, ``nterms`` odd and even terms
    (module docstring).

    For :math:`a \ge 0`, :math:`0 < b \le 0.02` (arrays) with the default 4 and 5 terms;
    for :math:`b \le 1/2` with 10 and 11 (the exact module's series for :math:`b \le 1/2` has 16
    and 17; by Cramer's inequality :math:`|He_n(a)|e^{-a^2/4} \le 1.09\sqrt{n!}` the first dropped
    term at :math:`b = 1/2` is below :math:`10^{-17}` relative).

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
    d1 = 2.0 * p * _hermite_odd_series(aa, bb, nterms=nterms[0])
    d2 = 4.0 * p * _hermite_even_series(aa, bb, nterms=nterms[1])
    if s.all():
        m1 -= d1
        m2 -= d2
    else:
        m1[s] -= d1
        m2[s] -= d2
    return m1, m2


# --------------------------------------------------------------------------- moderate b: 2-D tables
# Moderate b (above the series' switch, up to T2_B_MAX[kind]) and |a| <= FAST_A_MAX: m1/a and m2
# as piecewise polynomials in (a, u = log b) on cells of T2_CELL_A x T2_CELL_U, built once on first
# use from the exact cores at a 10 x 10 tensor grid of Chebyshev points per cell, truncated to total
# degree T2_DEGREE (the Chebyshev coefficients with i + j > T2_DEGREE dropped) and stored as monomials
# in the cell's local coordinates (t_a, t_u) in [-1, 1]^2.  Why these coordinates: every kind's
# moments are analytic in u = log b in the strip |Im u| < pi/2 (softsign: the branch points of
# x/sqrt(x^2 + b^2) at b = +-ix; adam: |Im u| < pi; clip: entire in b away from 0), and entire in a,
# so the Chebyshev coefficients decay geometrically in both directions.  Clip has Gaussian-width
# structure at a ~ b, narrow in u for large b, hence its smaller range (b <= 1.5).
T2_CELL_A = 0.25
T2_CELL_U = 0.25
T2_NODES = 10
#: Total degree of the 2-D table polynomials (per kind): (m1/a, m2).
T2_DEGREE = {"softsign": (7, 8), "adam": (7, 8)}
#: Upper end of each kind's 2-D table in b (above: the exact algorithms).
T2_B_MAX = {"softsign": 128.0, "adam": 1000.0}
_T2 = {}  # kind -> (u0, nu, coefficient rows (ncoef, ncell), triangle index lists for m1, m2)


def _t2_exact(kind):
    from adameps import moments as _m

    if kind == "softsign":
        return lambda a, b: (_m._softsign_m1_core(a, b), _m._softsign_m2_core(a, b))
    return {"adam": _m._adam_core, "clip": _m._clip_core}[kind]


def _clip_series(a, b):
    """Clip's series: 4 and 5 terms for ``b <= FAST_B_MAX``, 10 and 11 up to ``CLIP_TAYLOR_B_MAX``."""
    small = b <= FAST_B_MAX
    if small.all():
        return clip_small_b(a, b)
    m1 = np.empty_like(a)
    m2 = np.empty_like(a)
    m1[small], m2[small] = clip_small_b(a[small], b[small])
    mid = ~small
    m1[mid], m2[mid] = clip_small_b(a[mid], b[mid], nterms=(10, 11))
    return m1, m2


def _t2_b_min(kind):
    return FAST_B_MAX_ADAM if kind == "adam" else FAST_B_MAX


def _table2d(kind):
    """The 2-D table of ``kind`` (built on first use; deterministic: fixed nodes, exact cores)."""
    if kind in _T2:
        return _T2[kind]
    P = T2_NODES
    u0 = math.log(_t2_b_min(kind))
    nu = int(math.ceil((math.log(T2_B_MAX[kind]) - u0) / T2_CELL_U))
    na = int(round(FAST_A_MAX / T2_CELL_A))
    t = np.cos(np.pi * (np.arange(P) + 0.5) / P)  # Chebyshev points, first kind
    av = np.arange(na)[:, None] * T2_CELL_A + (t + 1.0) * (T2_CELL_A / 2)  # (na, P)
    uv = u0 + np.arange(nu)[:, None] * T2_CELL_U + (t + 1.0) * (T2_CELL_U / 2)  # (nu, P)
    A = np.broadcast_to(av[:, None, :, None], (na, nu, P, P)).ravel()
    U = np.broadcast_to(uv[None, :, None, :], (na, nu, P, P)).ravel()
    m1, m2 = _t2_exact(kind)(A, np.exp(U))
    inv = np.linalg.inv(_cheb.chebvander(t, P - 1))  # values at the points -> Chebyshev coefficients
    mono = np.zeros((P, P))  # mono[k] = monomial coefficients of T_k
    for k in range(P):
        c = _cheb.cheb2poly(np.eye(P)[k])
        mono[k, : c.size] = c
    i, j = np.meshgrid(np.arange(P), np.arange(P), indexing="ij")
    rows, tris = [], []
    for vals, deg in zip((m1 / A, m2), T2_DEGREE[kind]):
        V = vals.reshape(na, nu, P, P)
        C = np.einsum("ik,abkl,jl->abij", inv, V, inv)
        C[..., i + j > deg] = 0.0
        C = np.einsum("ip,abij,jq->abpq", mono, C, mono)  # monomials in (t_a, t_u)
        tri = []
        for p in range(deg + 1):
            tri.append(list(range(len(rows), len(rows) + deg + 1 - p)))
            rows.extend(C[:, :, p, q].ravel() for q in range(deg + 1 - p))
        tris.append(tri)
    _T2[kind] = (u0, nu, np.ascontiguousarray(np.array(rows)), tris)
    return _T2[kind]


def table_moderate_b(kind, a, b):
    r"""``kind``'s :math:`(m_1, m_2)` from its 2-D table (module docstring; ``T2_*`` constants).

    For :math:`0 \le a \le 12` and the series' switch :math:`< b \le` ``T2_B_MAX[kind]`` (arrays);
    relative error below ``FAST_RTOL`` there (measured in tests/test_moments_fast.py).

    Examples
    --------
    >>> from adameps.moments import softsign_moments
    >>> m1, m2 = table_moderate_b("softsign", np.array([1.0]), np.array([2.0]))
    >>> e1, e2 = softsign_moments(1.0, 2.0)
    >>> bool(abs(m1[0] / e1 - 1) < 1e-10 and abs(m2[0] / e2 - 1) < 1e-10)
    True
    """
    u0, nu, rows, tris = _table2d(kind)
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    x = a * (1.0 / T2_CELL_A)
    ia = np.minimum(x.astype(np.intp), int(round(FAST_A_MAX / T2_CELL_A)) - 1)
    ta = x - ia
    ta *= 2.0
    ta -= 1.0
    y = np.log(b)
    y -= u0
    y *= 1.0 / T2_CELL_U
    iu = np.minimum(y.astype(np.intp), nu - 1)
    tu = y - iu
    tu *= 2.0
    tu -= 1.0
    cell = ia * nu
    cell += iu
    c = np.empty_like(a)
    out = []
    for tri in tris:
        acc = None
        for cols in tri[::-1]:
            r = np.take(rows[cols[-1]], cell)
            for q in cols[-2::-1]:
                r *= tu
                r += np.take(rows[q], cell, out=c)
            if acc is None:
                acc = r
            else:
                acc *= ta
                acc += r
        out.append(acc)
    out[0] *= a
    return out[0], out[1]


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
    bmax = FAST_B_MAX
    if kind == "adam":
        series, exact, amax, bmax = adam_small_b, _m._adam_core, FAST_A_MAX, FAST_B_MAX_ADAM
    elif kind == "softsign":
        def exact(a, b):
            return _m._softsign_m1_core(a, b), _m._softsign_m2_core(a, b)

        series, amax = softsign_small_b, FAST_A_MAX
    elif kind == "clip":
        series, exact, amax, bmax = _clip_series, _m._clip_core, np.inf, CLIP_TAYLOR_B_MAX
    else:
        raise ValueError(f"kind must be one of {_m.KINDS}, got kind={kind!r}")

    tmax = T2_B_MAX.get(kind, 0.0)

    def core(a, b):
        use = (b <= bmax) & (a <= amax)
        if use.all():
            m1, m2 = series(a, b)
            return m1, np.clip(m2, 0.0, 1.0)
        m1 = np.empty_like(a)
        m2 = np.empty_like(a)
        if use.any():
            m1[use], m2[use] = series(a[use], b[use])
        rest = ~use
        tab = rest & (b <= tmax) & (a <= FAST_A_MAX)
        if tab.any():
            m1[tab], m2[tab] = table_moderate_b(kind, a[tab], b[tab])
            rest &= ~tab
        if rest.any():
            m1[rest], m2[rest] = exact(a[rest], b[rest])
        return m1, np.clip(m2, 0.0, 1.0)

    return core
