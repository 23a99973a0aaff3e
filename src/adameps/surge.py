r"""What is true about the surge of the one-step optimum, and where in eps it happens.

The exact optimum :func:`adameps.optimal_lr.eta_star` *surges* when it rises above its
large-batch plateau :math:`\eta_\infty = u^\top g / u^\top H u` (:func:`adameps.optimal_lr.surge_strength`
measures by how much).  Three statements are proved in the paper and checked here:

1. **Diagonal H: SignSGD never surges** (:func:`eta_star_sign_diagonal`).  With ``m2 = 1`` the
   denominator :math:`m_1^\top H m_1 + \sum_i (1 - m_{1,i}^2) H_{ii}` is :math:`\operatorname{tr} H`
   for every B, so :math:`\eta^*_{\rm sign}(B) = \sum_i |g_i|\operatorname{erf}(|a_i|/\sqrt2)/\operatorname{tr}H`,
   strictly increasing in B.
2. **When eps removes the mean-field surge** (:func:`sign_aligned_nonnegative`,
   :func:`dP_deps`).  With :math:`u_i = g_i/\sqrt{g_i^2+\epsilon^2}` and :math:`P(\epsilon) = u^\top H u`,
   :math:`dP/d\epsilon = -2\epsilon\sum_{ij} u_i H_{ij} u_j/(g_i^2+\epsilon^2)`.  If
   :math:`D H D \ge 0` entrywise, :math:`D = \operatorname{diag}(\operatorname{sign} g)`, every term is
   :math:`\ge 0` and P falls with eps: the eps with a mean-field surge (:math:`P > 2\operatorname{tr}H`)
   form one interval :math:`[0, \epsilon_c)`.  Whatever H, there is no mean-field surge once
   :math:`\epsilon \ge |g|\sqrt{\lambda_{\max}(H)/(2\operatorname{tr}H)}` (:func:`mean_field_surge_eps_bound`).
3. **When eps creates one.**  If :math:`DHD` has negative entries, P can grow with eps and eps can
   create a surge that SignSGD does not have; :func:`adameps.problems.eps_creates_surge` is an
   explicit instance.

:func:`surge_windows` locates the eps where the exact surge exceeds a threshold by root
finding on eps (a scan brackets each crossing, Brent's method solves it) and refines the
strongest surge by bounded Brent maximisation, instead of reading them off a grid.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

from adameps import optimal_lr as ol
from adameps.problems import validate_problem_arrays

__all__ = [
    "eta_star_sign_diagonal",
    "post_P",
    "dP_deps",
    "sign_aligned_nonnegative",
    "mean_field_surge_eps_bound",
    "mean_field_surge_windows",
    "surge_windows",
]


def _check_diagonal(H):
    H = np.asarray(H, float)
    if np.any(H - np.diag(np.diag(H))):
        raise ValueError("H must be diagonal for eta_star_sign_diagonal (got off-diagonal entries)")
    return H


def eta_star_sign_diagonal(g, H, sigma, B):
    r"""Closed-form SignSGD optimum for a diagonal H: increasing in B, so no sign surge.

    .. math:: \eta^*_{\rm sign}(B) = \frac{\sum_i |g_i|\,\operatorname{erf}\big(|g_i|\sqrt{B}/(\sqrt2\,\sigma_i)\big)}
              {\operatorname{tr} H},

    because with :math:`m_2 = 1` and diagonal H the denominator
    :math:`\sum_i h_i m_{1,i}^2 + \sum_i h_i(1 - m_{1,i}^2)` is :math:`\operatorname{tr}H`.
    Equals :func:`adameps.optimal_lr.eta_star` with ``kind="sign"``.

    >>> import numpy as np
    >>> g, H, s = np.array([1.0, -0.5]), np.diag([1.0, 2.0]), np.ones(2)
    >>> e = eta_star_sign_diagonal(g, H, s, [1.0, 4.0, 16.0])
    >>> bool(np.all(np.diff(e) > 0)), np.allclose(e, ol.eta_star(g, H, s, 0.0, [1.0, 4.0, 16.0], kind="sign"))
    (True, True)
    """
    g, H, sigma = validate_problem_arrays(g, H, sigma)
    _check_diagonal(H)
    Bv, shape = ol._check_B(B)
    a = np.abs(g) * np.sqrt(Bv)[:, None] / sigma
    return (erf(a / np.sqrt(2.0)) @ np.abs(g) / np.trace(H)).reshape(shape)


def _u(g, eps):
    d = g * g + eps * eps
    if np.any(d == 0):
        raise ValueError("u = g/sqrt(g^2+eps^2) needs g_i != 0 where eps = 0")
    return g / np.sqrt(d), d


def post_P(g, H, eps):
    r""":math:`P(\epsilon) = u^\top H u`, :math:`u_i = g_i/\sqrt{g_i^2+\epsilon^2}` (the mean field's P).

    >>> post_P([1.0, 1.0], [[1.0, 0.5], [0.5, 1.0]], 0.0)
    3.0
    """
    g, H, _ = validate_problem_arrays(g, H, np.ones(np.size(g)))
    u, _ = _u(g, ol._check_eps(eps))
    return float(u @ H @ u)


def dP_deps(g, H, eps):
    r""":math:`dP/d\epsilon = -2\epsilon \sum_{ij} u_i H_{ij} u_j / (g_i^2 + \epsilon^2)`.

    From :math:`du_i/d\epsilon = -\epsilon\,u_i/(g_i^2+\epsilon^2)` and the symmetry of H.

    >>> g, H = np.array([1.0, 0.1]), np.array([[1.0, 0.2], [0.2, 1.0]])
    >>> h = 1e-6
    >>> bool(abs(dP_deps(g, H, 0.3) - (post_P(g, H, 0.3 + h) - post_P(g, H, 0.3 - h)) / (2 * h)) < 1e-6)
    True
    """
    g, H, _ = validate_problem_arrays(g, H, np.ones(np.size(g)))
    eps = ol._check_eps(eps)
    u, d = _u(g, eps)
    return float(-2.0 * eps * (u / d) @ H @ u)


def sign_aligned_nonnegative(g, H):
    r"""True if :math:`D H D \ge 0` entrywise, :math:`D = \operatorname{diag}(\operatorname{sign} g)`.

    Then every term of :func:`dP_deps` is :math:`\le 0` (``u_i`` has the sign of ``g_i``), so
    :math:`P(\epsilon)` decreases and eps can only remove a mean-field surge, never create one.
    Holds for every diagonal H and for the low-rank-dominated family (its spike is
    :math:`\operatorname{sign}(g)/\sqrt n`).  Coordinates with ``g_i = 0`` have ``u_i = 0`` and are ignored.

    >>> sign_aligned_nonnegative([1.0, -1.0], [[1.0, -0.5], [-0.5, 1.0]])
    True
    >>> sign_aligned_nonnegative([1.0, 1.0], [[1.0, -0.5], [-0.5, 1.0]])
    False
    """
    g, H, _ = validate_problem_arrays(g, H, np.ones(np.size(g)))
    s = np.sign(g)
    return bool(np.all(s[:, None] * H * s[None, :] >= 0))


def mean_field_surge_eps_bound(g, H):
    r"""An eps beyond which no mean-field surge exists, for any H:
    :math:`|g|\sqrt{\lambda_{\max}(H)/(2\operatorname{tr}H)}`.

    Since :math:`|u_i| \le |g_i|/\epsilon`, :math:`P \le \lambda_{\max}|g|^2/\epsilon^2`, which is
    at most :math:`2\operatorname{tr}H` from this eps on.

    >>> g, H = np.ones(3), np.eye(3)
    >>> e = mean_field_surge_eps_bound(g, H)
    >>> bool(post_P(g, H, e) <= 2 * np.trace(H))
    True
    """
    g, H, _ = validate_problem_arrays(g, H, np.ones(np.size(g)))
    lam = float(np.linalg.eigvalsh(H)[-1])
    return float(np.linalg.norm(g) * np.sqrt(lam / (2.0 * np.trace(H))))


def _windows(f, lo, hi, points_per_decade, xtol):
    """Sub-intervals of [lo, hi] (log eps) where f > 0: a scan brackets sign changes, brentq solves."""
    n = max(int(np.ceil((hi - lo) / np.log(10.0) * points_per_decade)) + 1, 2)
    x = np.linspace(lo, hi, n)
    fx = np.array([f(t) for t in x])
    out, start = [], (x[0] if fx[0] > 0 else None)
    start_open = fx[0] > 0
    for k in range(n - 1):
        if (fx[k] > 0) == (fx[k + 1] > 0):
            continue
        r = brentq(f, x[k], x[k + 1], xtol=xtol)
        if fx[k] <= 0:
            start, start_open = r, False
        else:
            out.append((start, r, start_open, False))
            start = None
    if start is not None:
        out.append((start, x[-1], start_open, True))
    return x, fx, out


def mean_field_surge_windows(g, H, eps_lo, eps_hi, points_per_decade=20, xtol=1e-10):
    r"""Intervals of eps in ``[eps_lo, eps_hi]`` where :math:`P(\epsilon) > 2\operatorname{tr}H`.

    Returns a list of ``(start, end, starts_at_lo, ends_at_hi)``; the ends are roots of
    :math:`P(\epsilon) = 2\operatorname{tr}H` (Brent on ln eps) unless flagged as the ends of the range.

    >>> from adameps.problems import eps_creates_surge
    >>> p = eps_creates_surge()
    >>> [(round(s, 4), round(e, 3)) for s, e, _, _ in mean_field_surge_windows(p.g, p.H, 1e-6, 1e3)]
    [(0.0027, 1.136)]
    """
    g, H, _ = validate_problem_arrays(g, H, np.ones(np.size(g)))
    lo, hi = _check_range(eps_lo, eps_hi)
    T = np.trace(H)

    def f(x):
        u, _ = _u(g, np.exp(x))
        return float(u @ H @ u / (2.0 * T) - 1.0)

    _, _, out = _windows(f, np.log(lo), np.log(hi), points_per_decade, xtol)
    return [(float(np.exp(s)), float(np.exp(e)), a, b) for s, e, a, b in out]


def _check_range(eps_lo, eps_hi):
    lo, hi = ol._check_eps(eps_lo), ol._check_eps(eps_hi)
    if not 0 < lo < hi:
        raise ValueError(f"need 0 < eps_lo < eps_hi, got eps_lo={eps_lo!r}, eps_hi={eps_hi!r}")
    return lo, hi


def surge_windows(g, H, sigma, eps_lo, eps_hi, min_strength, kind="softsign", points_per_decade=4,
                  xtol=1e-6):
    r"""Where in eps the exact surge exceeds ``min_strength``, by root finding, and its strongest point.

    ``s(eps) = surge_strength(g, H, sigma, eps, kind)`` (relative rise of the exact
    :math:`\eta^*(B)` above its plateau).  A scan of ln eps at ``points_per_decade`` brackets
    every sign change of ``s - min_strength``; each is solved by Brent's method (``xtol`` in ln eps).
    The strongest surge is refined by bounded Brent maximisation of ``s`` between the scan
    neighbours of the best scan point.  Windows narrower than the scan step can be missed; the
    scan density is the caller's resolution.

    Returns a dict: ``windows`` (list of ``(start, end, starts_at_lo, ends_at_hi)``, the flags
    saying that an end is the range's end, not a root), ``eps_max`` and ``strength_max`` (the
    refined strongest surge; ``eps_max`` None if ``s = 0`` on the whole scan), ``eps_scan``,
    ``strength_scan``.

    >>> from adameps.problems import eps_creates_surge
    >>> p = eps_creates_surge()
    >>> w = surge_windows(p.g, p.H, p.sigma, 1e-3, 1e2, 1e-3, points_per_decade=2)
    >>> len(w["windows"]), bool(w["strength_max"] > 0.2)
    (1, True)
    """
    g, H, sigma = validate_problem_arrays(g, H, sigma)
    lo, hi = _check_range(eps_lo, eps_hi)
    m = float(min_strength)
    if not np.isfinite(m) or m < 0:
        raise ValueError(f"min_strength must be finite and >= 0, got {min_strength!r}")

    def s(x):
        return ol.surge_strength(g, H, sigma, float(np.exp(x)), kind)

    cache = {}

    def f(x):
        if x not in cache:
            cache[x] = s(x)
        return cache[x] - m

    x, fx, out = _windows(f, np.log(lo), np.log(hi), points_per_decade, xtol)
    strength = fx + m
    i = int(np.argmax(strength))
    if strength[i] <= 0:
        eps_max, s_max = None, 0.0
    else:
        a, b = x[max(i - 1, 0)], x[min(i + 1, x.size - 1)]
        res = minimize_scalar(lambda t: -s(t), bounds=(a, b), method="bounded", options={"xatol": xtol})
        if -res.fun >= strength[i]:
            eps_max, s_max = float(np.exp(res.x)), float(-res.fun)
        else:
            eps_max, s_max = float(np.exp(x[i])), float(strength[i])
    return {
        "windows": [(float(np.exp(a)), float(np.exp(b)), sa, sb) for a, b, sa, sb in out],
        "eps_max": eps_max,
        "strength_max": s_max,
        "eps_scan": np.exp(x),
        "strength_scan": strength,
    }
