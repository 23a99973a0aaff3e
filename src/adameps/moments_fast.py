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
algorithms.
Clip has no table: the same construction (degrees 8, 8, up to :math:`b = 1.5`; it has
Gaussian-width structure at :math:`a \approx b`, narrow in :math:`u` for large :math:`b`) measured
slower than clip's exact algorithms in numpy (360 vs 243 ns per point on :math:`0.02 < b \le 0.5`),
so clip uses the exact module's Taylor series, with 10 and 11 terms instead of
16 and 17, for :math:`0.02 < b \le 1/2` (``CLIP_TAYLOR_B_MAX``) and the exact algorithms above.

Evaluation
----------
The series, the tables and their dispatch are evaluated one point at a time in compiled code
(numba, :mod:`adameps._fast_kernels`; compiled on first use, about 3 s per kind, and cached on
disk), the tables built here in numpy and passed in.  For a diagonal :math:`H`,
:func:`diagonal_terms` sums the one-step terms over coordinates and batch sizes in the same pass,
with no temporary arrays; points outside the compiled range go to the exact algorithms
afterwards.  The derivatives :math:`H'` and :math:`H^{(3)}` are tabulated like the finite parts
(from scipy's Dawson integral), so the compiled code calls only ``erf``, ``exp`` and ``log``.
Measured (``benchmarks/bench_eta_scale.py``, one core): :math:`\eta^*(B)` at 40 batch sizes for
:math:`10^6` coordinates in 0.5 s (sign) to 3.3 s.

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
           "CLIP_TAYLOR_B_MAX", "diagonal_terms", "TABLE_NAMES"]

#: Stated bound on the relative error of every fast moment against the exact one.
FAST_RTOL = 1e-10
# The switches (FAST_B_MAX: softsign and clip series; CLIP_TAYLOR_B_MAX: clip's 10- and 11-term
# series, above it exact; FAST_B_MAX_ADAM: adam's series, remainder O(b^5 log b); FAST_A_MAX: the
# |a| range of the softsign and adam tables) are compile-time constants of the kernels.
from adameps._fast_kernels import (CLIP_TAYLOR_B_MAX, FAST_A_MAX, FAST_B_MAX,  # noqa: E402
                                   FAST_B_MAX_ADAM, KIND_CODES)
from adameps import _fast_kernels as _k  # noqa: E402

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)

# --------------------------------------------------------------------------- 1-D tables in a
_CELL = _k.CELL
_NCELL = _k.NCELL
assert _NCELL * _CELL == FAST_A_MAX
# Tabulated functions of a: name -> (p, even, degree, divided by a); p = None for the Hilbert
# transform's derivatives H1 = H'(a) = 1 - 2uF(u) and H3 = H'''(a) = 2u^2 - 2 + (6u - 4u^3)F(u),
# u = a/sqrt2 (from scipy's Dawson integral F; ``even`` picks H3).  Degrees from the error budget
# (relative change of m1 or m2 below 1e-12 with |a| <= 12, m1/a >= 1/12 there): e.g. Phi_0 enters
# softsign m1 times b^2 <= 4e-4, so its table error may be 4e-10 (degree 7 gives 1.3e-10), and
# Phi_1 enters times b^4 <= 1.6e-7 (degree 4: 1.1e-5 -> 2e-12); H1 enters 1 - m2 times
# b^2 <= 4e-4 (degree 8: 3.6e-11) and H3 times b^4/6 <= 2.7e-8 (degree 6: 1.7e-7).
# Interpolation errors are measured in tests/test_moments_fast.py.
_SPECS = {
    "Phi0": (2, False, 7, True),  # softsign, adam
    "Phi1": (4, False, 4, True),
    "G0": (1, False, 8, True),  # adam m1: b^1 and b^3
    "G1": (3, False, 5, True),
    "E0": (1, True, 8, False),  # adam m2: b^1 and b^3
    "E1": (3, True, 5, False),
    "H1": (None, False, 8, False),  # softsign and adam m2
    "H3": (None, True, 6, False),
}
#: The 1-D tables in the order the kernels take them (adameps._fast_kernels.PHI0, ...).
TABLE_NAMES = ("Phi0", "Phi1", "G0", "G1", "E0", "E1", "H1", "H3")
assert tuple(_SPECS[n][2] for n in TABLE_NAMES) == _k.DEGREES
assert _k.OFFSETS == tuple(np.cumsum((0,) + _k.DEGREES[:-1]) + np.arange(len(TABLE_NAMES)))
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


def _hilbert_derivative(a, third=False):
    r"""The derivative :math:`H'(a)` (or the third, for ``third``) of :math:`H(a) = \sqrt2 F(a/\sqrt2)` (module docstring)."""
    u = np.asarray(a, float) * (1.0 / _SQRT2)
    F = dawsn(u)
    if third:
        return 2.0 * u * u - 2.0 + (6.0 * u - 4.0 * u * u * u) * F
    return 1.0 - 2.0 * u * F


def _table_values(name, a):
    """The exact values of table ``name`` at ``a > 0`` (divided by a where the spec says)."""
    p, even, _, over_a = _SPECS[name]
    vals = _hilbert_derivative(a, even) if p is None else _finite_part(a, p, even)
    return vals / a if over_a else vals


def _phi_finite_parts(a):
    r"""``(Phi_0(a), Phi_1(a))``: :math:`\operatorname{FP}\int_0^\infty f(y) y^{-2m} dy`, m = 1, 2."""
    return _finite_part(a, 2), _finite_part(a, 4)


def _table(name):
    if name not in _TABLES:
        deg = _SPECS[name][2]
        lo = np.arange(_NCELL) * _CELL
        t = np.cos(np.pi * (np.arange(deg + 1) + 0.5) / (deg + 1))  # Chebyshev points, first kind
        a = (lo[:, None] + (t + 1.0) * (_CELL / 2)).ravel()
        vals = _table_values(name, a).reshape(_NCELL, deg + 1)
        tab = np.array([_cheb.cheb2poly(_cheb.chebfit(t, vals[i], deg)) for i in range(_NCELL)])
        _TABLES[name] = np.ascontiguousarray(tab.T)
    return _TABLES[name]


_ALL_TABLES = []


def _tables():
    """The 1-D tables as the kernels take them: one row per cell, the monomial coefficients of
    each table of :data:`TABLE_NAMES` in turn (columns ``_fast_kernels.OFFSETS``)."""
    if not _ALL_TABLES:
        _ALL_TABLES.append(np.ascontiguousarray(np.concatenate([_table(n).T for n in TABLE_NAMES], axis=1)))
    return _ALL_TABLES[0]


def _tabulated(names, a):
    """The tabulated functions ``names`` at ``0 <= a <= FAST_A_MAX`` (divided by a where the spec says)."""
    a = np.ascontiguousarray(a, float)
    return [_k.tabulated_points(a.ravel(), _tables(), TABLE_NAMES.index(n)).reshape(a.shape) for n in names]


# --------------------------------------------------------------------------- series


def _series(op, a, b, nterms=(0, 0)):
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    m1, m2 = _k.series_points(op, np.ascontiguousarray(a).ravel(), np.ascontiguousarray(b).ravel(),
                              _tables(), nterms[0], nterms[1])
    return m1.reshape(a.shape), m2.reshape(a.shape)


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
    return _series(0, a, b)


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
    return _series(1, a, b)


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
    return _series(2, a, b, nterms)


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
T2_CELL_A = _k.T2_CELL_A
T2_CELL_U = _k.T2_CELL_U
T2_NODES = 10
#: Total degree of the 2-D table polynomials (per kind): (m1/a, m2).
T2_DEGREE = {"softsign": (7, 8), "adam": (7, 8)}
#: Upper end of each kind's 2-D table in b (above: the exact algorithms).
T2_B_MAX = {"softsign": _k.SS_T2_B_MAX, "adam": _k.ADAM_T2_B_MAX}
assert _k.T2_NA * T2_CELL_A == FAST_A_MAX
# kind -> (coefficients (ncell, ncoef): per cell those of m1/a then of m2, by power of t_a then
# of t_u; u0; nu), the arguments the kernels take after ``tabs``
_T2 = {"sign": (np.zeros((1, 1)), 0.0, 1), "clip": (np.zeros((1, 1)), 0.0, 1)}
assert T2_DEGREE["softsign"] == T2_DEGREE["adam"] == (_k.T2_D1, _k.T2_D2)


def _exact_core(kind):
    from adameps import moments as _m

    if kind == "softsign":
        def exact(a, b):
            return _m._softsign_m1_core(a, b), _m._softsign_m2_core(a, b)

        return exact
    return {"adam": _m._adam_core, "clip": _m._clip_core}[kind]


def _t2_b_min(kind):
    return FAST_B_MAX_ADAM if kind == "adam" else FAST_B_MAX


def _table2d(kind):
    """The 2-D table of ``kind`` (built on first use; deterministic: fixed nodes, exact cores)."""
    if kind in _T2:
        return _T2[kind]
    P = T2_NODES
    u0 = math.log(_t2_b_min(kind))
    nu = int(math.ceil((math.log(T2_B_MAX[kind]) - u0) / T2_CELL_U))
    na = _k.T2_NA
    t = np.cos(np.pi * (np.arange(P) + 0.5) / P)  # Chebyshev points, first kind
    av = np.arange(na)[:, None] * T2_CELL_A + (t + 1.0) * (T2_CELL_A / 2)  # (na, P)
    uv = u0 + np.arange(nu)[:, None] * T2_CELL_U + (t + 1.0) * (T2_CELL_U / 2)  # (nu, P)
    A = np.broadcast_to(av[:, None, :, None], (na, nu, P, P)).ravel()
    U = np.broadcast_to(uv[None, :, None, :], (na, nu, P, P)).ravel()
    m1, m2 = _exact_core(kind)(A, np.exp(U))
    inv = np.linalg.inv(_cheb.chebvander(t, P - 1))  # values at the points -> Chebyshev coefficients
    mono = np.zeros((P, P))  # mono[k] = monomial coefficients of T_k
    for k in range(P):
        c = _cheb.cheb2poly(np.eye(P)[k])
        mono[k, : c.size] = c
    i, j = np.meshgrid(np.arange(P), np.arange(P), indexing="ij")
    rows = []
    for vals, deg in zip((m1 / A, m2), T2_DEGREE[kind]):
        V = vals.reshape(na, nu, P, P)
        C = np.einsum("ik,abkl,jl->abij", inv, V, inv)
        C[..., i + j > deg] = 0.0
        C = np.einsum("ip,abij,jq->abpq", mono, C, mono)  # monomials in (t_a, t_u)
        for p in range(deg + 1):
            rows.extend(C[:, :, p, q].ravel() for q in range(deg + 1 - p))
    _T2[kind] = (np.ascontiguousarray(np.array(rows).T), u0, nu)
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
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    m1, m2 = _k.table_points(np.ascontiguousarray(a).ravel(), np.ascontiguousarray(b).ravel(), *_table2d(kind))
    return m1.reshape(a.shape), m2.reshape(a.shape)


# --------------------------------------------------------------------------- dispatch


def _kernel_args(kind):
    """Kind code, 1-D tables and 2-D table: the kernels' arguments after the points'."""
    from adameps.moments import KINDS

    if kind not in KIND_CODES:
        raise ValueError(f"kind must be one of {KINDS}, got kind={kind!r}")
    return (KIND_CODES[kind], _tables()) + _table2d(kind)


def fast_core(kind):
    """The fast core for ``kind``: ``core(a, b) -> (m1, m2)`` for ``a >= 0`` finite, ``0 < b < inf``.

    Points outside the series' and tables' range go to the exact core of :mod:`adameps.moments`.

    Examples
    --------
    >>> m1, m2 = fast_core("softsign")(np.array([0.5, 3.0]), np.array([1e-4, 5.0]))
    >>> np.round(m1, 6), np.round(m2, 6)
    (array([0.382925, 0.498532]), array([0.999889, 0.265188]))
    """
    if kind == "sign":
        return lambda a, b: (erf(a / _SQRT2), np.ones_like(a))
    code, *args = _kernel_args(kind)
    exact = _exact_core(kind)

    def core(a, b):
        m1, m2, ok = _k.points(code, _writable(a), _writable(b), *args)
        if not ok.all():
            rest = ~ok
            x1, x2 = exact(a[rest], b[rest])
            m1[rest], m2[rest] = x1, np.clip(x2, 0.0, 1.0)
        return m1, m2

    return core


# Coordinates per call of the compiled sums: bounds the memory of the points left to the exact
# algorithms (at most this many times len(B)) whatever N is.
_DIAG_BLOCK = 1 << 16


def _writable(x):
    """``x`` as a writable C-contiguous float array (numba compiles read-only arrays apart: one
    signature, one compilation and one cache entry per kernel)."""
    x = np.ascontiguousarray(x, float)
    return x if x.flags.writeable else x.copy()


def diagonal_terms(kind, g, h, sigma, eps, B):
    r"""``(S, D)`` of the one-step progress for a diagonal Hessian, fused over coordinates and B.

    :math:`S_k = \sum_i g_i m_1(a_{ik}, b_{ik})`, :math:`D_k = \sum_i h_i \max(m_2, m_1^2)`
    (:math:`= m_1^T H m_1 + \sum_i (m_2 - m_1^2) h_i` for :math:`H = \operatorname{diag}(h)`),
    :math:`a_{ik} = g_i\sqrt{B_k}/\sigma_i`, :math:`b_{ik} = \epsilon_k\sqrt{B_k}/\sigma_i`, with the
    moments of :func:`fast_core` (compiled series and tables; the other points by the exact
    algorithms).  One pass per block of ``_DIAG_BLOCK`` coordinates; memory besides the inputs'
    writable copies: O(len(B)), plus the exact fallback's points of one block.  The sums are taken
    over sub-blocks of 4096 coordinates and then joined, so their rounding error grows like
    :math:`(4096 + N/4096)u`.

    ``g``, ``h > 0``, ``sigma > 0`` finite 1-D arrays of one length; ``eps >= 0`` finite and ``B > 0``
    of one length (validated by :func:`adameps.optimal_lr.eta_star`, which calls this for
    ``method="fast"`` and a diagonal H).

    Examples
    --------
    >>> from adameps.optimal_lr import one_step_terms
    >>> g, h, s = np.array([0.1, -0.2, 0.05]), np.array([1.0, 2.0, 0.5]), np.array([1.0, 0.5, 2.0])
    >>> S, D = diagonal_terms("softsign", g, h, s, np.full(2, 1e-3), np.array([4.0, 64.0]))
    >>> S0, D0 = one_step_terms(g, h, s, 1e-3, [4.0, 64.0])
    >>> bool(np.allclose(S, S0, rtol=1e-10) and np.allclose(D, D0, rtol=1e-10))
    True
    """
    from adameps.moments import moments

    code, *args = _kernel_args(kind)
    g, h, sigma = (_writable(x) for x in (g, h, sigma))
    eps = np.array(np.broadcast_to(np.asarray(eps, float), np.shape(B)))
    sqB = np.sqrt(np.asarray(B, float))
    S = np.zeros(sqB.size)
    D = np.zeros(sqB.size)
    for lo in range(0, g.size, _DIAG_BLOCK):
        blk = slice(lo, lo + _DIAG_BLOCK)
        gb, hb, sb = g[blk], h[blk], sigma[blk]
        s, d, nrest = _k.diagonal_terms(code, gb, hb, sb, eps, sqB, *args)
        if nrest:
            i, k = _k.rest_indices(code, gb, sb, eps, sqB, nrest)
            m1, m2 = moments(kind, gb[i] * sqB[k] / sb[i], eps[k] * sqB[k] / sb[i])
            s += np.bincount(k, gb[i] * m1, minlength=sqB.size)
            d += np.bincount(k, hb[i] * np.maximum(m2, m1 * m1), minlength=sqB.size)
        S += s
        D += d
    return S, D
