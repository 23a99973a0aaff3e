r"""Compiled point kernels of :mod:`adameps.moments_fast` (numba; compiled on first use, cached).

The formulas are those of :mod:`adameps.moments_fast` (its docstring derives them); this module
only evaluates them one point at a time in compiled code, so that :math:`\eta^*(B)` for a
diagonal :math:`H` is one pass over coordinates and batch sizes with no temporary arrays
(:func:`diagonal_terms`).  The numpy side (the tables, their construction, the exact fallback)
stays in :mod:`adameps.moments_fast`; every table arrives here as an argument, never as a global,
so numba can cache the compiled code on disk (``cache=True``).

Kind codes: ``0`` sign, ``1`` softsign, ``2`` clip, ``3`` adam (:data:`KIND_CODES`).
A point is *in range* of the compiled path when its formula applies (the series below their
switch, the 2-D tables up to ``T2_B_MAX``, :math:`|a| \le 12` for softsign and adam,
:math:`b > 0`); the callers send every other point to the exact algorithms.

Also here: :func:`bicubic_pair`, the evaluation of the multi-step closure's two spline tables of
the moments (:mod:`adameps.multistep`) in one pass, compiled without fused multiply-adds.
"""

from __future__ import annotations

import math

import numba
import numpy as np

KIND_CODES = {"sign": 0, "softsign": 1, "clip": 2, "adam": 3}

# Compile-time constants (frozen into the compiled code; they mirror moments_fast's switches,
# which moments_fast checks against these at import).
FAST_B_MAX = 0.02
FAST_B_MAX_ADAM = 0.004
CLIP_TAYLOR_B_MAX = 0.5
FAST_A_MAX = 12.0
SS_T2_B_MAX = 128.0
ADAM_T2_B_MAX = 1000.0
CELL = 0.5
NCELL = 24
T2_CELL_A = 0.25
T2_CELL_U = 0.25
T2_NA = 48

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_L2 = math.log(2.0)
_K1 = (2.0 * _L2 - 1.0) / 4.0
_C2 = -3.0 / 16.0
_K2 = _C2 * (2.0 * _L2 - 7.0 / 6.0)

# The 1-D tables (moments_fast.TABLE_NAMES) in one array, a row per cell: their indices, degrees
# (moments_fast._SPECS, which checks them) and first columns.
PHI0, PHI1, G0, G1, E0, E1, H1, H3 = range(8)
DEGREES = (7, 4, 8, 5, 8, 5, 8, 6)
OFFSETS = (0, 8, 13, 22, 28, 37, 43, 52)  # running sums of DEGREES + 1: columns of each table
# Total degrees of the 2-D tables' m1/a and m2 (moments_fast.T2_DEGREE).
T2_D1, T2_D2 = 7, 8
# Sub-blocks of coordinates summed on their own before joining the totals, so the rounding error
# of the sums grows like (block + N / block) roundings instead of N.
_SUB = 4096

# error_model="numpy": no zero-division checks in the loops; fastmath "contract" only: fused
# multiply-adds, no reassociation (results are reproducible on one machine, and may differ in the
# last bits between CPUs with and without FMA).
_jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
# Inlined in numba's IR: the dispatch on the kind and the loops, so that in each kind's entry point
# below the kind is a constant and the other kinds' code folds away, and the table lookups.
_jit_inline = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")


@_jit_inline
def _poly(row, j, t):
    """Horner at ``t`` on table ``j``'s monomial coefficients in ``row`` (one cell's row of the
    1-D tables; offset and degree are constants at every call, so the loop unrolls)."""
    off = OFFSETS[j]
    deg = DEGREES[j]
    r = row[off + deg]
    for q in range(deg - 1, -1, -1):
        r = r * t + row[off + q]
    return r


@_jit_inline
def _cell1(a):
    x = a * (1.0 / CELL)
    c = min(int(x), NCELL - 1)
    return c, (x - c) * 2.0 - 1.0


@_jit
def softsign_series(a, b, lb, tabs):
    """Softsign small-b series (moments_fast docstring), ``lb = log b``."""
    p = math.exp(-0.5 * a * a) * (1.0 / _SQRT2PI)
    a2 = a * a
    f0 = 2.0 * a * p
    f1 = (a2 - 3.0) * a * p * (1.0 / 3.0)
    c, t = _cell1(a)
    row = tabs[c]
    t0 = _poly(row, PHI0, t)
    t1 = _poly(row, PHI1, t)
    h1 = _poly(row, H1, t)
    h3 = _poly(row, H3, t)
    b2 = b * b
    m1 = f0 * (0.5 * lb - _K1) - 0.5 * a * t0
    m1 += b2 * (f1 * (2.0 * _C2 * lb - _K2) - 2.0 * _C2 * a * t1)
    m1 *= b2
    m1 += math.erf(a * (1.0 / _SQRT2))
    he2 = a2 - 1.0
    he4 = (a2 - 6.0) * a2 + 3.0
    # 1 - m2 = pi p b - H' b^2 - (pi/2) He2 p b^3 + H''' b^4/6 + (pi/24) He4 p b^5
    q = (math.pi / 24.0) * he4 * p
    q = q * b + h3 * (1.0 / 6.0)
    q = q * b - (math.pi / 2.0) * he2 * p
    q = q * b - h1
    q = q * b + math.pi * p
    q *= b
    return m1, 1.0 - q


@_jit
def adam_series(a, b, lb, tabs):
    """Adam small-b series (moments_fast docstring), ``lb = log b``."""
    p = math.exp(-0.5 * a * a) * (1.0 / _SQRT2PI)
    a2 = a * a
    c, t = _cell1(a)
    row = tabs[c]
    g0 = _poly(row, G0, t)
    p0 = _poly(row, PHI0, t)
    g1 = _poly(row, G1, t)
    p1 = _poly(row, PHI1, t)
    e0t = _poly(row, E0, t)
    e1t = _poly(row, E1, t)
    h1 = _poly(row, H1, t)
    h3 = _poly(row, H3, t)
    # m1 = erf - G0 b + (Phi0 - f0 log b) b^2 - G1 b^3 + (Phi1 - f1 log b) b^4; G, Phi, f over a
    f0 = 2.0 * p
    f1 = (a2 - 3.0) * p * (1.0 / 3.0)
    m1 = (p1 - f1 * lb) * b - g1
    m1 = m1 * b + (p0 - f0 * lb)
    m1 = m1 * b - g0
    m1 *= a * b
    m1 += math.erf(a * (1.0 / _SQRT2))
    # 1 - m2 = (2 E0 - e0 - 2 e0 log b) b + 3 H1 b^2 + (4 E1 - e1 - 4 e1 log b) b^3 + (5/6) H3 b^4
    e0 = 2.0 * p
    e1 = (a2 - 1.0) * p
    q = (5.0 / 6.0) * h3 * b + (4.0 * e1t - e1 - 4.0 * e1 * lb)
    q = q * b + 3.0 * h1
    q = q * b + (2.0 * e0t - e0 - 2.0 * e0 * lb)
    q *= b
    return m1, 1.0 - q


@_jit
def hermite_odd_series(x, h, nterms):
    """sum_{j=1}^{nterms} He_{2j-1}(x) h^{2j} / (2j+1)!  (adameps.moments._hermite_odd_series)."""
    he_prev, he = 1.0, x
    hp = h * h
    fact = 6.0
    acc = he * hp / fact
    for j in range(2, nterms + 1):
        n = 2 * j - 3
        he_prev, he = he, x * he - n * he_prev
        he_prev, he = he, x * he - (n + 1) * he_prev
        hp = hp * h * h
        fact *= (2 * j) * (2 * j + 1)
        acc += he * hp / fact
    return acc


@_jit
def hermite_even_series(x, h, nterms):
    """sum_{j=0}^{nterms-1} He_{2j}(x) h^{2j+1} / ((2j+1)! (2j+3))  (adameps.moments._hermite_even_series)."""
    he_prev, he = 0.0, 1.0
    hp = h
    fact = 1.0
    acc = he * hp / (fact * 3.0)
    for j in range(1, nterms):
        n = 2 * j - 2
        he_prev, he = he, x * he - n * he_prev
        he_prev, he = he, x * he - (n + 1) * he_prev
        hp = hp * h * h
        fact *= (2 * j) * (2 * j + 1)
        acc += he * hp / (fact * (2 * j + 3))
    return acc


@_jit
def clip_series(a, b, nodd, neven):
    """Clip's Taylor series in b with ``nodd`` and ``neven`` terms (moments_fast.clip_small_b)."""
    m1 = math.erf(a / _SQRT2)
    m2 = 1.0
    if a <= 40.0:  # beyond, phi(a) underflows
        p = math.exp(-0.5 * a * a) / _SQRT2PI
        m1 -= 2.0 * p * hermite_odd_series(a, b, nodd)
        m2 -= 4.0 * p * hermite_even_series(a, b, neven)
    return m1, m2


@_jit
def table2d(a, lb, t2, u0, nu):
    """``(m1, m2)`` from a 2-D table: rows ``t2[cell]`` hold the monomial coefficients in
    ``(t_a, t_u)`` of m1/a (total degree ``T2_D1``) then of m2 (``T2_D2``), ordered by power of t_a,
    then of t_u (moments_fast._table2d)."""
    x = a * (1.0 / T2_CELL_A)
    ia = min(int(x), T2_NA - 1)
    ta = (x - ia) * 2.0 - 1.0
    y = (lb - u0) * (1.0 / T2_CELL_U)
    iu = min(int(y), nu - 1)
    tu = (y - iu) * 2.0 - 1.0
    row = t2[ia * nu + iu]
    out0 = 0.0
    out1 = 0.0
    base = 0
    for w in range(2):
        deg = T2_D1 if w == 0 else T2_D2
        acc = 0.0
        for p in range(deg, -1, -1):
            start = base + p * (deg + 1) - p * (p - 1) // 2  # the t_u^0 coefficient of t_a^p
            r = row[start + deg - p]
            for q in range(deg - p - 1, -1, -1):
                r = r * tu + row[start + q]
            acc = acc * ta + r
        if w == 0:
            out0 = acc * a
        else:
            out1 = acc
        base += (deg + 1) * (deg + 2) // 2
    return out0, out1


@_jit_inline
def in_range(kind, a, b):
    """Whether the compiled path evaluates ``(a, b)`` (``a = |a| >= 0``), else the exact algorithms do."""
    if kind == 0:
        return True
    if not (b > 0.0) or not (a < np.inf):
        return False
    if kind == 1:
        return a <= FAST_A_MAX and b <= SS_T2_B_MAX
    if kind == 3:
        return a <= FAST_A_MAX and b <= ADAM_T2_B_MAX
    return b <= CLIP_TAYLOR_B_MAX


@_jit_inline
def point(kind, a, b, lb, tabs, t2, u0, nu):
    """``(m1, m2)`` at ``a >= 0`` of a point :func:`in_range`, ``lb = log b``; m2 clipped to [0, 1]."""
    if kind == 0:
        return math.erf(a * (1.0 / _SQRT2)), 1.0
    if kind == 1:
        if b <= FAST_B_MAX:
            m1, m2 = softsign_series(a, b, lb, tabs)
        else:
            m1, m2 = table2d(a, lb, t2, u0, nu)
    elif kind == 3:
        if b <= FAST_B_MAX_ADAM:
            m1, m2 = adam_series(a, b, lb, tabs)
        else:
            m1, m2 = table2d(a, lb, t2, u0, nu)
    else:
        if b <= FAST_B_MAX:
            m1, m2 = clip_series(a, b, 4, 5)
        else:
            m1, m2 = clip_series(a, b, 10, 11)
    return m1, min(max(m2, 0.0), 1.0)


@_jit_inline
def _points(kind, a, b, tabs, t2, u0, nu):
    """:func:`point` over arrays ``a >= 0``, ``b``: ``(m1, m2, ok)``; where ``ok`` is False
    (not :func:`in_range`) m1 and m2 are left at 0 for the caller to fill."""
    n = a.size
    m1 = np.zeros(n)
    m2 = np.zeros(n)
    ok = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if in_range(kind, a[i], b[i]):
            lb = math.log(b[i]) if kind != 0 else 0.0
            m1[i], m2[i] = point(kind, a[i], b[i], lb, tabs, t2, u0, nu)
            ok[i] = True
    return m1, m2, ok


@_jit
def series_points(op, a, b, tabs, nodd, neven):
    """One of the series over arrays (``op``: 0 softsign, 1 adam, 2 clip with ``nodd`` and
    ``neven`` terms)."""
    n = a.size
    m1 = np.empty(n)
    m2 = np.empty(n)
    for i in range(n):
        if op == 0:
            m1[i], m2[i] = softsign_series(a[i], b[i], math.log(b[i]), tabs)
        elif op == 1:
            m1[i], m2[i] = adam_series(a[i], b[i], math.log(b[i]), tabs)
        else:
            m1[i], m2[i] = clip_series(a[i], b[i], nodd, neven)
    return m1, m2


@_jit
def table_points(a, b, t2, u0, nu):
    """:func:`table2d` over arrays."""
    n = a.size
    m1 = np.empty(n)
    m2 = np.empty(n)
    for i in range(n):
        m1[i], m2[i] = table2d(a[i], math.log(b[i]), t2, u0, nu)
    return m1, m2


@_jit
def tabulated_points(a, tabs, j):
    """1-D table ``j`` over arrays ``0 <= a <= FAST_A_MAX``."""
    out = np.empty(a.size)
    for i in range(a.size):
        c, t = _cell1(a[i])
        out[i] = _poly(tabs[c], j, t)
    return out


@_jit_inline
def _diagonal_terms(kind, g, h, sigma, eps, sqB, tabs, t2, u0, nu):
    r"""One-step terms for a diagonal H: ``S_k = sum_i |g_i| m1_ik``,
    ``D_k = sum_i h_i max(m2_ik, m1_ik^2)`` over the points :func:`in_range`
    (:math:`a_{ik} = |g_i|\sqrt{B_k}/\sigma_i`, :math:`b_{ik} = \epsilon_k\sqrt{B_k}/\sigma_i`),
    with m1 projected to :math:`\le \sqrt{m_2}`; and the number of points left out."""
    nB = sqB.size
    S = np.zeros(nB)
    D = np.zeros(nB)
    s = np.zeros(nB)
    d = np.zeros(nB)
    lk = np.empty(nB)
    for k in range(nB):
        lk[k] = math.log(eps[k] * sqB[k]) if eps[k] > 0.0 else -np.inf
    nrest = 0
    for i in range(g.size):
        ga = abs(g[i])
        r = ga / sigma[i]
        e = 1.0 / sigma[i]
        ls = math.log(sigma[i])
        hi = h[i]
        for k in range(nB):
            a = r * sqB[k]
            b = eps[k] * e * sqB[k]
            if not in_range(kind, a, b):
                nrest += 1
                continue
            m1, m2 = point(kind, a, b, lk[k] - ls, tabs, t2, u0, nu)
            m1 = min(m1, math.sqrt(m2))
            s[k] += ga * m1
            d[k] += hi * max(m2, m1 * m1)
        if (i + 1) % _SUB == 0:
            for k in range(nB):
                S[k] += s[k]
                D[k] += d[k]
                s[k] = 0.0
                d[k] = 0.0
    for k in range(nB):
        S[k] += s[k]
        D[k] += d[k]
    return S, D, nrest


# One compiled entry per kind: ``kind`` is then a constant in each, so the dispatch on it in the
# inlined per-point code folds away (a runtime kind measured 6x slower for sign, 1.5x softsign).
@_jit
def _points_sign(a, b, tabs, t2, u0, nu):
    return _points(0, a, b, tabs, t2, u0, nu)


@_jit
def _points_softsign(a, b, tabs, t2, u0, nu):
    return _points(1, a, b, tabs, t2, u0, nu)


@_jit
def _points_clip(a, b, tabs, t2, u0, nu):
    return _points(2, a, b, tabs, t2, u0, nu)


@_jit
def _points_adam(a, b, tabs, t2, u0, nu):
    return _points(3, a, b, tabs, t2, u0, nu)


@_jit
def _diagonal_sign(g, h, sigma, eps, sqB, tabs, t2, u0, nu):
    return _diagonal_terms(0, g, h, sigma, eps, sqB, tabs, t2, u0, nu)


@_jit
def _diagonal_softsign(g, h, sigma, eps, sqB, tabs, t2, u0, nu):
    return _diagonal_terms(1, g, h, sigma, eps, sqB, tabs, t2, u0, nu)


@_jit
def _diagonal_clip(g, h, sigma, eps, sqB, tabs, t2, u0, nu):
    return _diagonal_terms(2, g, h, sigma, eps, sqB, tabs, t2, u0, nu)


@_jit
def _diagonal_adam(g, h, sigma, eps, sqB, tabs, t2, u0, nu):
    return _diagonal_terms(3, g, h, sigma, eps, sqB, tabs, t2, u0, nu)


_POINTS = (_points_sign, _points_softsign, _points_clip, _points_adam)
_DIAGONAL = (_diagonal_sign, _diagonal_softsign, _diagonal_clip, _diagonal_adam)


def points(kind, a, b, tabs, t2, u0, nu):
    """:func:`point` over arrays ``a >= 0``, ``b``: ``(m1, m2, ok)``; where ``ok`` is False
    (not :func:`in_range`) m1 and m2 are left at 0 for the caller to fill."""
    return _POINTS[kind](a, b, tabs, t2, u0, nu)


def diagonal_terms(kind, g, h, sigma, eps, sqB, tabs, t2, u0, nu):
    r"""One-step terms for a diagonal H: ``S_k = sum_i |g_i| m1_ik``,
    ``D_k = sum_i h_i max(m2_ik, m1_ik^2)`` over the points :func:`in_range`
    (:math:`a_{ik} = |g_i|\sqrt{B_k}/\sigma_i`, :math:`b_{ik} = \epsilon_k\sqrt{B_k}/\sigma_i`),
    with m1 projected to :math:`\le \sqrt{m_2}`; and the number of points left out."""
    return _DIAGONAL[kind](g, h, sigma, eps, sqB, tabs, t2, u0, nu)


@_jit
def rest_indices(kind, g, sigma, eps, sqB, nrest):
    """Coordinate and batch-size indices of the ``nrest`` points of :func:`diagonal_terms` not in range."""
    ii = np.empty(nrest, dtype=np.int64)
    kk = np.empty(nrest, dtype=np.int64)
    j = 0
    for i in range(g.size):
        r = abs(g[i]) / sigma[i]
        e = 1.0 / sigma[i]
        for k in range(sqB.size):
            if not in_range(kind, r * sqB[k], eps[k] * e * sqB[k]):
                ii[j] = i
                kk[j] = k
                j += 1
    return ii, kk


# ------------------------------------------------- the multistep closure's spline tables
# Without fused multiply-adds: these values feed the multi-step theory's long chains, which were
# computed with FITPACK before and should not depend on whether the CPU has FMA.
_jit_exact = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit_exact
def _cubic_basis(t, x, nb, dnb, work):
    r"""Index ``l`` with :math:`t_l \le x < t_{l+1}` (``3 <= l <= len(t) - 5``; x clamped to the
    knot span) and the four nonzero cubic B-splines :math:`B_{l-3..l}(x)` in ``nb``, their
    derivatives in ``dnb`` (Cox-de Boor; derivative from the quadratic ones,
    :math:`B'_{i,3} = 3[B_{i,2}/(t_{i+3}-t_i) - B_{i+1,2}/(t_{i+4}-t_{i+1})]`); ``work``: scratch
    of shape (3, 4)."""
    n = t.size
    x = min(max(x, t[3]), t[n - 4])
    lo, hi = 3, n - 5
    while lo < hi:  # the last l in [3, n-5] with t[l] <= x
        mid = (lo + hi + 1) // 2
        if t[mid] <= x:
            lo = mid
        else:
            hi = mid - 1
    l = lo
    left, right, n2 = work[0], work[1], work[2]
    nb[0] = 1.0
    for j in range(1, 4):
        left[j] = x - t[l + 1 - j]
        right[j] = t[l + j] - x
        saved = 0.0
        for r in range(j):
            temp = nb[r] / (right[r + 1] + left[j - r])
            nb[r] = saved + right[r + 1] * temp
            saved = left[j - r] * temp
        nb[j] = saved
        if j == 2:
            n2[0], n2[1], n2[2] = nb[0], nb[1], nb[2]
    for r in range(4):
        d = 0.0
        if r >= 1:
            d += n2[r - 1] / (t[l + r] - t[l - 3 + r])
        if r <= 2:
            d -= n2[r] / (t[l + 1 + r] - t[l - 2 + r])
        dnb[r] = 3.0 * d
    return l


@_jit_exact
def bicubic_pair(tx, ty, c1, c2, x, y):
    r"""Two bicubic tensor-product splines on the same knots ``tx``, ``ty`` (coefficients ``c1``,
    ``c2`` of shape ``(len(tx) - 4, len(ty) - 4)``, as FITPACK's ``tck`` after reshaping) at the
    points ``(x, y)``: ``(s1, ds1/dx, s2)``, each
    :math:`s(x, y) = \sum_{i,j} c_{ij} B_i(x) B_j(y)`; points outside the knot span are clamped to
    it, as FITPACK's ``bispeu`` does."""
    n = x.size
    s1 = np.empty(n)
    d1 = np.empty(n)
    s2 = np.empty(n)
    bx = np.empty(4)
    dbx = np.empty(4)
    by = np.empty(4)
    dby = np.empty(4)
    work = np.empty((3, 4))
    for p in range(n):
        lx = _cubic_basis(tx, x[p], bx, dbx, work) - 3
        ly = _cubic_basis(ty, y[p], by, dby, work) - 3
        v1 = 0.0
        v1x = 0.0
        v2 = 0.0
        for i in range(4):
            r1 = 0.0
            r2 = 0.0
            for j in range(4):
                r1 += c1[lx + i, ly + j] * by[j]
                r2 += c2[lx + i, ly + j] * by[j]
            v1 += bx[i] * r1
            v1x += dbx[i] * r1
            v2 += bx[i] * r2
        s1[p] = v1
        d1[p] = v1x
        s2[p] = v2
    return s1, d1, s2
