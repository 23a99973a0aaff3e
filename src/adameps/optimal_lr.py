r"""One-step optimal learning rate of sign-like optimisers on a quadratic model.

Model: loss L with gradient ``g`` (N,), Hessian ``H`` (N, N, SPD) and minibatch
gradient ``g_B = g + sigma * z / sqrt(B)``, ``z ~ N(0, I)``.  The update is
``theta <- theta - eta * u~`` with ``u~ = phi(g_B; eps)`` applied elementwise
(``kind`` selects phi: ``"softsign"`` ``x/sqrt(x^2+eps^2)``, ``"sign"``,
``"clip"`` ``clip(x/eps, -1, 1)``, ``"adam"`` ``x/(|x|+eps)``).  For a quadratic
loss, exactly

    E[L(theta - eta u~)] = L - eta E[u~]^T g + eta^2/2 Tr(E[u~ u~^T] H),

and since the coordinates of z are independent, with per-coordinate moments
``m1_i, m2_i = moments(kind, a_i, b_i)``, ``a_i = g_i sqrt(B)/sigma_i``,
``b_i = eps sqrt(B)/sigma_i``:

    eta_star = m1^T g / (m1^T H m1 + sum_i (m2_i - m1_i^2) H_ii).

The update moments are dimensionless (|u~| <= 1), so eta_star has units of theta.

Every function taking ``B`` broadcasts over a scalar or an array of batch sizes
and returns an array of B's shape (a 0-d array for scalar B).  Invalid inputs
raise ``ValueError`` naming the argument.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from adameps.hessian import as_hessian
from adameps.moments import check_method, moments
from adameps.update_maps import check_kind, update_map
from adameps.problems import validate_g_sigma

__all__ = [
    "VARIANTS",
    "DEFAULT_KAPPA2",
    "SURGE_MIN_STRENGTH",
    "validate_problem",
    "eta_star",
    "one_step_terms",
    "eta_star_sgd",
    "eta_star_terms",
    "eta_star_mean_field_terms",
    "eta_star_mean_field",
    "mean_field_beta",
    "kappa2_choices",
    "kappa2_best_fit",
    "surge_peak",
    "mean_field_peak",
    "mean_field_terms",
    "post_surge_condition",
    "surge_condition_exact_mean_field",
    "eta_star_limit_large_eps",
    "eta_star_limit_large_eps_post",
    "large_eps_noise_averages",
    "eta_star_limit_large_eps_parts",
    "eta_star_limit_large_B",
    "b_noise",
    "sign_peak_small_batch",
    "surge_strength",
    "surge_vanishing_eps",
    "eps_fractions",
    "sqrt_rule_log_deviation",
]

VARIANTS = ("2024", "2025")
# Default kappa^2 average for the 2024 mean field.  "small_B_exact" makes the
# B -> 0 asymptote exact.  The pipeline measures every kappa2_choices entry
# (rule eta_sweep, paper table table_eta_kappa2): no average is best on every
# family and statistic; with the default config this one has the lowest median
# |log(eta_mf/eta_star)| on nqm and dense_powerlaw and the lowest max on nqm,
# and the arithmetic mean has the largest or second-largest max everywhere.
DEFAULT_KAPPA2 = "small_B_exact"
#: Smallest relative rise of eta_star above its large-B plateau that :func:`surge_peak` reports
#: as a peak (the pipeline's ``surge_min_strength`` in config/config.yaml is the same 1e-3).
SURGE_MIN_STRENGTH = 1e-3


# ---------------------------------------------------------------- validation
def validate_problem(g, H, sigma):
    """Check ``(g, H, sigma)``; return ``(g, H, sigma)`` with ``H`` a :class:`adameps.hessian.Hessian`.

    ``g``, ``sigma`` as in :func:`adameps.problems.validate_g_sigma`; ``H`` a
    :class:`~adameps.hessian.Hessian`, an (N, N) array (dense: symmetric positive definite,
    one Cholesky) or a 1-D array (the diagonal of a diagonal H, > 0), see
    :func:`adameps.hessian.as_hessian`.

    Examples
    --------
    >>> g, H, sigma = validate_problem([1.0, 0.5], [2.0, 1.0], [1.0, 2.0])
    >>> g, H.trace, sigma
    (array([1. , 0.5]), 3.0, array([1., 2.]))
    """
    g, sigma = validate_g_sigma(g, sigma)
    return g, as_hessian(H, g.size), sigma


def _check_eps(eps):
    try:
        e = float(eps)
    except (TypeError, ValueError):
        raise ValueError(f"eps must be a real scalar, got {eps!r}") from None
    if np.isnan(e) or e < 0 or not np.isfinite(e):
        raise ValueError(f"eps must be finite and >= 0, got {eps!r}")
    return e


def _check_B(B):
    if np.iscomplexobj(B):
        raise ValueError("B must be real, got a complex value")
    try:
        arr = np.asarray(B, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"B must be real numbers, got B = {B!r:.80}") from None
    if arr.size == 0:
        raise ValueError("B must be non-empty")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        bad = arr[~(np.isfinite(arr) & (arr > 0))].ravel()[0]
        raise ValueError(f"B must be finite and > 0, got B = {bad!r}")
    return arr.ravel(), arr.shape


def _check_variant(variant):
    variant = str(variant)
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    return variant


def _check_real(name, value, minimum=0.0, inclusive=True):
    """A real scalar ``> minimum`` (``>= minimum`` if ``inclusive``) and finite, or ValueError naming it."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {name}={value!r}") from None
    if not np.isfinite(v) or (v < minimum if inclusive else v <= minimum) or np.iscomplexobj(value):
        raise ValueError(f"{name} must be finite and {'>=' if inclusive else '>'} {minimum:g}, got {name}={value!r}")
    return v


def _check_kappa2(kappa2):
    try:
        k = float(kappa2)
    except (TypeError, ValueError):
        raise ValueError(f"kappa2 must be a positive real scalar, got {kappa2!r}") from None
    if not np.isfinite(k) or k <= 0:
        raise ValueError(f"kappa2 must be finite and > 0, got {kappa2!r}")
    return k


# ---------------------------------------------------------------- exact
# Where every b_i / (1 + |a_i|) exceeds this, eta_star / eps equals its eps -> inf limit, eta_star_sgd,
# to double precision (the relative corrections are O((1 + |a|)/b) for adam, O(((1 + |a|)/b)^2) for
# softsign and clip), while the moments, of order 1/b and 1/b^2, lose precision and underflow
# (m2 ~ 1e-400 at eps = 1e200): there eta_star is eps * eta_star_sgd.
_LARGE_EPS_B = 1e17


# Elements of one (batch sizes x N) block of moments: keeps memory O(N) for large N.
_BLOCK_ELEMS = 1 << 19


def _terms_core(g, H, sigma, eps, Bv, kind, method="exact"):
    """``(S, D)`` at the batch sizes ``Bv`` (nB,): ``S = m1^T g``, ``D = m1^T H m1 + var^T diag H``.

    ``H`` a Hessian; ``eps`` a scalar or (nB, 1).  Evaluated in blocks of batch sizes of at
    most ``_BLOCK_ELEMS`` moments, so the working memory is O(N) whatever len(Bv) is.
    ``method`` as in :func:`adameps.moments.moments`; ``"auto"`` is decided once for the
    whole call (``len(Bv) * N`` points).
    """
    method = check_method(method, Bv.size * g.size)
    if method == "fast" and H.form == "diagonal":
        # one compiled pass over coordinates and batch sizes, no (nB, N) temporaries
        from adameps.moments_fast import diagonal_terms

        e = np.broadcast_to(np.asarray(eps, float).reshape(-1), (Bv.size,))
        return diagonal_terms(kind, g, H.diag, sigma, e, Bv)
    eps = np.broadcast_to(np.asarray(eps, float).reshape(-1, 1), (Bv.size, 1))
    rows = max(1, _BLOCK_ELEMS // g.size)
    S, D = np.empty(Bv.size), np.empty(Bv.size)
    for s in range(0, Bv.size, rows):
        sl = slice(s, s + rows)
        sqB = np.sqrt(Bv[sl])[:, None]
        a = g * sqB / sigma
        b = eps[sl] * sqB / sigma
        m1, m2 = moments(kind, a, b, method=method)
        S[sl] = m1 @ g
        # Variance cannot be negative; clip rounding when m2 ~ m1^2 (B -> inf).
        var = np.maximum(m2 - m1 * m1, 0.0)
        D[sl] = H.quad(m1) + var @ H.diag
    return S, D


def _eta_star_core(g, H, sigma, eps, Bv, kind, method="exact"):
    """eta_star = S / D at the batch sizes ``Bv`` (see :func:`_terms_core`); eps * eta_star_sgd at huge eps."""
    S, D = _terms_core(g, H, sigma, eps, Bv, kind, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = S / D
    if kind != "sign":
        # every b_i >= _LARGE_EPS_B (1 + |a_i|)  <=>  eps >= _LARGE_EPS_B max_i (sigma_i/sqrt(B) + |g_i|)
        e = np.broadcast_to(np.asarray(eps, float).reshape(-1), (Bv.size,))
        scale = np.array([np.max(sigma / np.sqrt(bj) + np.abs(g)) for bj in Bv])  # O(N) memory per B
        huge = e >= _LARGE_EPS_B * scale
        if huge.any():
            noise = np.sum(sigma**2 * H.diag)
            eta[huge] = e[huge] * ((g @ g) / (H.quad(g) + noise / Bv[huge]))
    return eta


def one_step_terms(g, H, sigma, eps, B, kind="softsign", method="exact"):
    r"""The two terms of the expected one-step progress: ``(S, D)``, arrays of B's shape.

    ``E[L(theta) - L(theta - eta u~)] = eta S - eta^2 D / 2`` with
    ``S = m1^T g`` and ``D = m1^T H m1 + sum_i (m2_i - m1_i^2) H_ii`` (the module docstring's
    moments), so :func:`eta_star` is ``S / D`` and the best progress is ``S^2 / (2 D)``.
    ``method`` as in :func:`eta_star`.

    Examples
    --------
    >>> S, D = one_step_terms([1.0, 0.5], [2.0, 1.0], [1.0, 1.0], 0.0, 4.0, kind="sign")
    >>> bool(np.isclose(S / D, eta_star([1.0, 0.5], [2.0, 1.0], [1.0, 1.0], 0.0, 4.0, kind="sign")))
    True
    """
    g, H, sigma = validate_problem(g, H, sigma)
    eps = _check_eps(eps)
    Bv, shape = _check_B(B)
    S, D = _terms_core(g, H, sigma, eps, Bv, check_kind(kind), method)
    return S.reshape(shape), D.reshape(shape)


def eta_star(g, H, sigma, eps, B, kind="softsign", method="exact"):
    """Exact one-step optimal learning rate for the quadratic model.

    ``eta_star(B) = m1^T g / (m1^T H m1 + sum_i (m2_i - m1_i^2) H_ii)`` with
    ``m1_i, m2_i = moments(kind, g_i sqrt(B)/sigma_i, eps sqrt(B)/sigma_i, method)``.
    Vectorised: ``moments`` calls on blocks of shape (batch sizes, N).

    ``method``: ``"exact"`` (default; what the paper's pipeline uses), ``"fast"`` (the
    small-b series and moderate-b tables of :mod:`adameps.moments_fast` where they apply: relative error of every
    moment below 1e-10, so for a diagonal H, where ``S = sum_i m1_i g_i`` (terms of one sign) and
    ``D = sum_i m2_i H_ii`` (positive terms), the relative error of eta_star is below 2e-10;
    measured in tests/test_moments_fast.py) or ``"auto"`` (``"fast"`` from
    :data:`adameps.moments.AUTO_MIN_POINTS` points, len(B) * N, else ``"exact"``).

    Examples
    --------
    >>> g, H, sigma = [1.0, 0.5], [[2.0, 0.3], [0.3, 1.0]], [1.0, 2.0]
    >>> eta_star(g, H, sigma, 0.1, [1.0, 16.0]).round(4)
    array([0.2694, 0.4104])
    >>> eta_star(g, [2.0, 1.0], sigma, 0.1, [1.0, 16.0]).round(4)  # diagonal H as a 1-D array
    array([0.2771, 0.4676])
    >>> eta_star(g, [2.0, 1.0], sigma, 1e-3, [1.0, 16.0], method="fast").round(4)
    array([0.2606, 0.4473])
    """
    g, H, sigma = validate_problem(g, H, sigma)
    eps = _check_eps(eps)
    Bv, shape = _check_B(B)
    kind = check_kind(kind)
    return _eta_star_core(g, H, sigma, eps, Bv, kind, method).reshape(shape)


def eta_star_terms(g, H, sigma, eps, B, kind="softsign", method="exact"):
    r"""Numerator and denominator of :func:`eta_star`: the one-step expected loss is
    :math:`L - \eta N + \tfrac12 \eta^2 D` with

    .. math::

        N = m_1^\top g, \qquad D = m_1^\top H m_1 + \sum_i (m_{2,i} - m_{1,i}^2) H_{ii},

    so ``eta_star = N / D``.  For ``kind="sgd"`` (the update is the minibatch gradient itself)
    :math:`N = g^\top g`, :math:`D = g^\top H g + \sum_i \sigma_i^2 H_{ii}/B`
    (:func:`eta_star_sgd`).  The terms add over independent problems: the optimum of the
    *average* one-step loss over several starting points ``k`` is
    :math:`\sum_k N_k / \sum_k D_k`.  Returns ``(N, D)``, each of B's shape.
    ``method`` as in :func:`eta_star` (ignored for ``kind="sgd"``).

    >>> g, H, s = np.array([1.0, -0.5]), np.diag([1.0, 0.5]), np.array([1.0, 2.0])
    >>> N, D = eta_star_terms(g, H, s, 0.1, [1.0, 10.0])
    >>> bool(np.allclose(N / D, eta_star(g, H, s, 0.1, [1.0, 10.0])))
    True
    >>> N, D = eta_star_terms(g, H, s, None, 4.0, kind="sgd")
    >>> bool(np.isclose(N / D, eta_star_sgd(g, H, s, 4.0)))
    True
    """
    if kind != "sgd":
        return one_step_terms(g, H, sigma, eps, B, kind, method)
    g, H, sigma = validate_problem(g, H, sigma)
    Bv, shape = _check_B(B)
    noise = np.sum(sigma**2 * H.diag)
    return np.full(Bv.shape, g @ g).reshape(shape), (H.quad(g) + noise / Bv).reshape(shape)


def eta_star_sgd(g, H, sigma, B):
    """SGD one-step optimum (McCandlish et al. 2018).

    ``eta_sgd(B) = g^T g / (g^T H g + sum_i sigma_i^2 H_ii / B)``
    ``= eta_max / (1 + B_noise/B)`` with ``eta_max = g^T g / g^T H g`` and
    ``B_noise = tr(H Sigma) / g^T H g``, ``Sigma = diag(sigma^2)``.

    Examples
    --------
    >>> eta_star_sgd([1.0, 0.5], [[2.0, 0.3], [0.3, 1.0]], [1.0, 2.0], [1.0, 16.0]).round(4)
    array([0.1462, 0.4274])
    """
    g, H, sigma = validate_problem(g, H, sigma)
    Bv, shape = _check_B(B)
    noise = np.sum(sigma**2 * H.diag)
    return (g @ g / (H.quad(g) + noise / Bv)).reshape(shape)


def eta_star_limit_large_eps(g, H, sigma, B):
    """Exact limit ``lim_{eps->inf} eta_star(softsign)/eps`` = :func:`eta_star_sgd`.

    As eps -> inf, ``b m1 -> a`` and ``b^2 m2 -> a^2 + 1``, i.e.
    ``m1 ~ g/eps`` and ``m2 ~ (g^2 + sigma^2/B)/eps^2``: softsign becomes SGD with
    learning rate eta/eps and the true noise (no pi/2 factor).

    Examples
    --------
    >>> g, H, sigma = [1.0, 0.5], [[2.0, 0.3], [0.3, 1.0]], [1.0, 2.0]
    >>> eta_star_limit_large_eps(g, H, sigma, [1.0, 10.0]).round(4)
    array([0.1462, 0.3968])
    >>> (eta_star(g, H, sigma, 1e4, [1.0, 10.0]) / 1e4).round(4)  # eta_star / eps at a large eps
    array([0.1462, 0.3968])
    """
    return eta_star_sgd(g, H, sigma, B)


def eta_star_limit_large_eps_post(g, H, sigma, B, sigma2=None):
    """The post's (2024, clip-based mean field) large-eps limit of eta_star/eps.

    ``g^T g / (g^T H g + pi * sigma2 * tr H / (2 B))`` with a single noise level
    ``sigma2`` (default ``mean(sigma_i^2)``, the eps -> inf limit of
    ``eps^2 * kappa2`` for the arithmetic-mean kappa2).  Compared with the exact
    limit it inflates the noise term by pi/2 (and uses tr H * mean sigma^2 in
    place of sum_i sigma_i^2 H_ii).

    Examples
    --------
    >>> g, H, sigma = [1.0, 0.5], [[2.0, 0.3], [0.3, 1.0]], [1.0, 2.0]
    >>> eta_star_limit_large_eps_post(g, H, sigma, [1.0, 10.0]).round(4)
    array([0.0872, 0.3353])
    """
    g, H, sigma = validate_problem(g, H, sigma)
    Bv, shape = _check_B(B)
    s2 = float(np.mean(sigma**2)) if sigma2 is None else _check_kappa2(sigma2)
    return (g @ g / (H.quad(g) + np.pi * s2 * H.trace / (2 * Bv))).reshape(shape)


def large_eps_noise_averages(g, H, sigma):
    r"""The single noise level ``sigma2`` each kappa2 average gives the post's eps -> inf limit.

    As eps -> inf, ``kappa_i^2 = sigma_i^2/(g_i^2+eps^2) ~ sigma_i^2/eps^2`` and
    ``u_i ~ g_i/eps``, so ``eps^2 * kappa2`` tends to an average of ``sigma_i^2``:

    - ``"arithmetic"``, ``"ratio_of_sums"``: ``mean(sigma_i^2)`` (the post's literal reading);
    - ``"harmonic"``, ``"geometric"``: those means of ``sigma_i^2``;
    - ``"ug_weighted"``: ``sum g_i^2 sigma_i^2 / sum g_i^2``;
    - ``"small_B_exact"``: ``(sum g_i^2 / sum (g_i^2/sigma_i))^2``;
    - ``"h_weighted"``: ``sum sigma_i^2 H_ii / tr H``, the average for which
      ``sigma2 * tr H = sum_i sigma_i^2 H_ii``, the exact limit's noise term.

    ``"ug_weighted"`` and ``"small_B_exact"`` are left out when g = 0.

    >>> d = large_eps_noise_averages([1.0, 2.0], np.diag([1.0, 3.0]), [1.0, 3.0])
    >>> d["arithmetic"], d["h_weighted"]
    (5.0, 7.0)
    """
    g, H, sigma = validate_problem(g, H, sigma)
    s2 = sigma**2
    out = {
        "arithmetic": float(np.mean(s2)),
        "harmonic": float(1.0 / np.mean(1.0 / s2)),
        "geometric": float(np.exp(np.mean(np.log(s2)))),
        "ratio_of_sums": float(np.mean(s2)),
        "h_weighted": float(np.sum(s2 * H.diag) / H.trace),
    }
    if np.any(g):
        out["ug_weighted"] = float(np.sum(g * g * s2) / np.sum(g * g))
        out["small_B_exact"] = float((np.sum(g * g) / np.sum(g * g / sigma)) ** 2)
    return out


def eta_star_limit_large_eps_parts(g, H, sigma, B, sigma2=None):
    r"""The post's eps -> inf limit split into its two departures from the exact one.

    With ``N = sum_i sigma_i^2 H_ii`` (exact noise term) and ``s2 = sigma2`` (default
    ``mean(sigma_i^2)``), returns a dict of arrays of B's shape:

    - ``"exact"``: ``g^T g / (g^T H g + N / B)`` (:func:`eta_star_limit_large_eps`);
    - ``"pi_half"``: ``g^T g / (g^T H g + (pi/2) N / B)``, only the simplification
      ``b^2/erf(b/sqrt2)^2 -> b^2 + pi/2`` carried into m2 (``b^2 m2 -> a^2 + pi/2``
      instead of ``a^2 + 1``); its ratio to the exact limit lies in ``(2/pi, 1]``, so its
      relative error is below ``1 - 2/pi`` for every B;
    - ``"average"``: ``g^T g / (g^T H g + s2 tr H / B)``, only the replacement of
      ``sum sigma_i^2 H_ii`` by ``s2 tr H``;
    - ``"post"``: ``g^T g / (g^T H g + (pi/2) s2 tr H / B)``, both
      (:func:`eta_star_limit_large_eps_post`).

    >>> g, H, s = np.array([1.0, 0.5]), np.diag([1.0, 0.1]), np.array([1.0, 3.0])
    >>> d = eta_star_limit_large_eps_parts(g, H, s, 1e-9)
    >>> bool(abs(d["pi_half"] / d["exact"] - 2 / np.pi) < 1e-6)
    True
    """
    g, H, sigma = validate_problem(g, H, sigma)
    Bv, shape = _check_B(B)
    s2 = float(np.mean(sigma**2)) if sigma2 is None else _check_kappa2(sigma2)
    gg, ghg = g @ g, H.quad(g)
    N = float(np.sum(sigma**2 * H.diag))
    sT = s2 * H.trace
    half_pi = np.pi / 2
    return {
        "exact": (gg / (ghg + N / Bv)).reshape(shape),
        "pi_half": (gg / (ghg + half_pi * N / Bv)).reshape(shape),
        "average": (gg / (ghg + sT / Bv)).reshape(shape),
        "post": (gg / (ghg + half_pi * sT / Bv)).reshape(shape),
    }


def eta_star_limit_large_B(g, H, eps, kind="softsign"):
    """``lim_{B->inf} eta_star = u^T g / u^T H u`` with ``u = phi(g; eps)`` noiseless.

    Returns 0.0 when g = 0.

    Examples
    --------
    >>> eta_star_limit_large_B([1.0, -1.0], [2.0, 1.0], 0.0, kind="sign")  # (1 + 1) / (2 + 1)
    0.6666666666666666
    """
    g, H, _ = validate_problem(g, H, np.ones(np.size(g)))
    eps = _check_eps(eps)
    kind = check_kind(kind)
    # phi(g; eps) without noise: the B -> inf limit of m1 (and m2 = m1^2).
    u = update_map(kind, g, eps)
    num = u @ g
    return 0.0 if num == 0 else float(num / H.quad(u))


# ---------------------------------------------------------------- mean field
def _u_kappa2(g, sigma, eps):
    d = g * g + eps * eps
    if np.any(d == 0):
        # g_i^2 + eps^2 underflows below |g_i|, eps ~ 1e-162: take sqrt(g^2 + eps^2) without squaring.
        r = np.hypot(g, eps)
        if np.any(r == 0):
            raise ValueError(
                "mean field needs g_i^2 + eps^2 > 0 for every coordinate "
                "(eps = 0 with some g_i = 0 makes kappa_i^2 infinite)"
            )
        return g / r, (sigma / r) ** 2
    return g / np.sqrt(d), sigma**2 / d


def kappa2_choices(g, sigma, eps):
    """Named averages of ``kappa_i^2 = sigma_i^2/(g_i^2 + eps^2)``.

    Returns a dict:

    - ``"arithmetic"``: ``mean(kappa_i^2)``;
    - ``"harmonic"``: ``1/mean(1/kappa_i^2)``;
    - ``"geometric"``: ``exp(mean(log kappa_i^2))``;
    - ``"ratio_of_sums"``: ``sum sigma_i^2 / sum (g_i^2 + eps^2)`` (= Su's 2025
      ``B_simple = tr Sigma / (g^T g + N eps^2)``);
    - ``"ug_weighted"``: ``sum w_i kappa_i^2 / sum w_i`` with ``w_i = u_i g_i``;
    - ``"small_B_exact"``: ``(S / sum_i g_i^2/sigma_i)^2``, ``S = sum u_i g_i``,
      i.e. ``1/kappa`` is the ``u_i g_i``-weighted mean of ``1/kappa_i``.  This
      makes the B -> 0 asymptote of the 2024 mean field,
      ``eta ~ sqrt(2B/pi) S / (kappa tr H)``, coincide with the exact one,
      ``sqrt(2B/pi) sum_i (g_i^2/sigma_i) / tr H`` (softsign -> sign, m1_i ~
      sqrt(2/pi) a_i, m2_i -> 1).  Undefined if g = 0.

    ``"ug_weighted"`` and ``"small_B_exact"`` are left out when g = 0 (0/0); the
    mean-field functions then raise ValueError if asked for that default.
    ``g`` and ``sigma`` are checked as in :func:`adameps.problems.validate_g_sigma`.

    Examples
    --------
    >>> k2 = kappa2_choices([1.0, 0.5], [1.0, 2.0], 0.1)
    >>> {k: round(v, 4) for k, v in k2.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'arithmetic': 8.1874, 'harmonic': 1.8605, 'geometric': 3.9029, 'ratio_of_sums': 3.937,
     'ug_weighted': 5.7416, 'small_B_exact': 1.7432}
    """
    g, sigma = validate_g_sigma(g, sigma)
    eps = _check_eps(eps)
    u, k2 = _u_kappa2(g, sigma, eps)
    w = u * g
    out = {
        "arithmetic": float(np.mean(k2)),
        "harmonic": float(1.0 / np.mean(1.0 / k2)),
        "geometric": float(np.exp(np.mean(np.log(k2)))),
        "ratio_of_sums": float(np.sum(sigma**2) / np.sum(g * g + eps * eps)),
    }
    if np.sum(w) > 0:
        out["ug_weighted"] = float(np.sum(w * k2) / np.sum(w))
        out["small_B_exact"] = float((np.sum(w) / np.sum(g * g / sigma)) ** 2)
    elif np.any(g):
        # g != 0, but every u_i g_i underflowed (|g| below about 1e-154): divide g by its largest
        # |g_i| first; the ratios do not change (small_B_exact scales back by c).
        c = np.max(np.abs(g))
        gs = g / c
        ws = u * gs
        out["ug_weighted"] = float(np.sum(ws * k2) / np.sum(ws))
        out["small_B_exact"] = float((np.sum(ws) / (c * np.sum(gs * gs / sigma))) ** 2)
    return out


def _default_kappa2(g, sigma, eps, variant):
    choices = kappa2_choices(g, sigma, eps)
    name = "ratio_of_sums" if variant == "2025" else DEFAULT_KAPPA2
    if name not in choices:
        raise ValueError("default kappa2 is undefined when g = 0 (every g_i = 0); pass kappa2")
    return choices[name]


def mean_field_beta(B, kappa2, variant="2024"):
    """Mean-field signal factor beta(B).

    2024 (the post): ``beta = (1 + pi kappa2 / (2B))^(-1/2)``;
    2025 (Su, kexue.fm/archives/11280): ``beta = (1 + kappa2 / B)^(-1/2)``.

    Examples
    --------
    >>> mean_field_beta([1.0, 100.0], 1.0).round(4)
    array([0.6237, 0.9922])
    >>> mean_field_beta([1.0, 100.0], 1.0, variant="2025").round(4)
    array([0.7071, 0.995 ])
    """
    Bv, shape = _check_B(B)
    k = _check_kappa2(kappa2)
    c = np.pi / 2 if _check_variant(variant) == "2024" else 1.0
    return (1.0 / np.sqrt(1.0 + c * k / Bv)).reshape(shape)


def _mf_SPT(g, H, sigma, eps):
    u, _ = _u_kappa2(g, sigma, eps)
    return u @ g, H.quad(u), H.trace


def eta_star_mean_field(g, H, sigma, eps, B, kappa2=None, variant="2024"):
    """Mean-field approximation of eta_star for softsign.

    Every ``kappa_i^2 = sigma_i^2/(g_i^2+eps^2)`` is replaced by one ``kappa2``;
    with ``u_i = g_i/sqrt(g_i^2+eps^2)``, ``S = u^T g``, ``P = u^T H u``,
    ``T = tr H`` and ``beta = mean_field_beta(B, kappa2, variant)``:

        eta_mf(B) = beta S / (beta^2 P + (1 - beta^2) T).

    ``variant="2024"`` (the post): ``beta = (1 + pi kappa2/(2B))^(-1/2)``;
    default ``kappa2`` is ``kappa2_choices(...)[DEFAULT_KAPPA2]``.
    ``variant="2025"`` (Su 2025, E[softsign] ~ g/sqrt(g^2 + sigma^2/B + eps^2)
    without the pi/2): ``beta = (1 + kappa2/B)^(-1/2)``; default ``kappa2`` is
    ``B_simple = tr Sigma / (g^T g + N eps^2)``; same eta formula.

    Examples
    --------
    >>> eta_star_mean_field([1.0, 0.5], [[2.0, 0.3], [0.3, 1.0]], [1.0, 2.0], 0.1, [1.0, 16.0]).round(4)
    array([0.2446, 0.3978])
    """
    num, den = eta_star_mean_field_terms(g, H, sigma, eps, B, kappa2, variant)
    return num / den


def _mf_terms(g, H, sigma, eps, Bv, k, variant):
    S, P, T = _mf_SPT(g, H, sigma, eps)
    beta = mean_field_beta(Bv, k, variant)
    b2 = beta * beta
    return beta * S, b2 * P + (1.0 - b2) * T


def eta_star_mean_field_terms(g, H, sigma, eps, B, kappa2=None, variant="2024"):
    r"""Numerator and denominator of :func:`eta_star_mean_field`:
    :math:`N = \beta S`, :math:`D = \beta^2 P + (1-\beta^2) T`, so ``eta_mf = N / D``
    (the mean field's one-step loss model :math:`L - \eta N + \tfrac12\eta^2 D`; terms of
    several starting points add as in :func:`eta_star_terms`).  Returns ``(N, D)`` of B's shape.

    >>> g, H, s = np.array([1.0, -0.5]), np.diag([1.0, 0.5]), np.array([1.0, 2.0])
    >>> N, D = eta_star_mean_field_terms(g, H, s, 0.1, [1.0, 10.0])
    >>> bool(np.allclose(N / D, eta_star_mean_field(g, H, s, 0.1, [1.0, 10.0])))
    True
    """
    g, H, sigma = validate_problem(g, H, sigma)
    eps = _check_eps(eps)
    Bv, shape = _check_B(B)
    variant = _check_variant(variant)
    k = _default_kappa2(g, sigma, eps, variant) if kappa2 is None else _check_kappa2(kappa2)
    num, den = _mf_terms(g, H, sigma, eps, Bv, k, variant)
    return num.reshape(shape), den.reshape(shape)


def kappa2_best_fit(g, H, sigma, eps, B):
    """kappa2 minimising ``sum_B (log eta_mf(B; kappa2) - log eta_star(B))^2``.

    2024 variant, softsign, over the given grid ``B``.  Coarse scan of log kappa2
    over the range of the kappa_i^2 (widened by e^5 each side), then a bounded
    Brent refinement around the best scan point.

    Examples
    --------
    >>> g, H, sigma = [1.0, 0.5], [[2.0, 0.3], [0.3, 1.0]], [1.0, 2.0]
    >>> round(kappa2_best_fit(g, H, sigma, 0.1, np.logspace(-1, 3, 9)), 4)
    1.4685
    """
    g, H, sigma = validate_problem(g, H, sigma)
    eps = _check_eps(eps)
    Bv, _ = _check_B(B)
    if not np.any(g):
        # eta_star = 0 for every B: no log-error to fit, and the mean field's S is 0 too.
        raise ValueError("kappa2_best_fit needs g != 0 (with g = 0, eta_star = 0 for every B)")
    target = np.log(_eta_star_core(g, H, sigma, eps, Bv, "softsign"))
    S, P, T = _mf_SPT(g, H, sigma, eps)
    _, k2 = _u_kappa2(g, sigma, eps)

    def loss(logk):
        b2 = 1.0 / (1.0 + np.pi * np.exp(logk) / (2.0 * Bv))
        eta = np.sqrt(b2) * S / (b2 * P + (1.0 - b2) * T)
        return float(np.sum((np.log(eta) - target) ** 2))

    grid = np.linspace(np.log(k2.min()) - 5.0, np.log(k2.max()) + 5.0, 121)
    vals = np.array([loss(x) for x in grid])
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(loss, bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-10})
    return float(np.exp(res.x if res.fun <= vals[i] else grid[i]))


def mean_field_terms(g, H, sigma, eps):
    r"""The mean field's ``(S, P, T)``: :math:`S = u^\top g`, :math:`P = u^\top H u`, :math:`T = \operatorname{tr} H`.

    Here :math:`u_i = g_i/\sqrt{g_i^2+\epsilon^2}` (:func:`adameps.update_maps.softsign` of the
    noiseless gradient).  The post's surge condition is :math:`P > T`, the exact mean-field
    one :math:`P > 2T`.

    Examples
    --------
    >>> S, P, T = mean_field_terms([1.0, 1.0], [[1.0, 0.8], [0.8, 1.0]], [1.0, 1.0], 0.0)
    >>> round(P / T, 6)
    1.8
    """
    g, H, sigma = validate_problem(g, H, sigma)
    S, P, T = _mf_SPT(g, H, sigma, _check_eps(eps))
    return float(S), float(P), float(T)


def post_surge_condition(g, H, sigma, eps):
    """The post's surge condition ``u^T H u > tr H`` (necessary, not sufficient).

    Examples
    --------
    >>> g, H, sigma = [1.0, 1.0], [[1.0, 0.8], [0.8, 1.0]], [1.0, 1.0]  # P/T = 1.8: between T and 2T
    >>> post_surge_condition(g, H, sigma, 1e-3), surge_condition_exact_mean_field(g, H, sigma, 1e-3)
    (True, False)
    """
    g, H, sigma = validate_problem(g, H, sigma)
    S, P, T = _mf_SPT(g, H, sigma, _check_eps(eps))
    return bool(P > T)


def surge_condition_exact_mean_field(g, H, sigma, eps):
    """Exact mean-field surge condition ``u^T H u > 2 tr H``.

    ``eta(beta) = beta S / (beta^2 (P - T) + T)`` has
    ``d eta/d beta ∝ T - beta^2 (P - T)``, which vanishes inside beta in (0, 1)
    iff ``P > 2T`` (then at ``beta^2 = T/(P - T)``); beta increases with B.

    Examples
    --------
    >>> surge_condition_exact_mean_field(np.ones(4), 0.5 * np.eye(4) + 0.5, np.ones(4), 1e-3)  # P/T = 2.5
    True
    """
    g, H, sigma = validate_problem(g, H, sigma)
    S, P, T = _mf_SPT(g, H, sigma, _check_eps(eps))
    return bool(P > 2 * T)


def mean_field_peak(g, H, sigma, eps, kappa2=None, variant="2024"):
    """Closed-form batch size of the mean-field surge, or None if monotone.

    With ``P = u^T H u``, ``T = tr H``: if ``P > 2T`` the maximum of
    :func:`eta_star_mean_field` is at ``beta^2 = T/(P-T)``, i.e.
    ``B_peak = (pi/2) kappa2 T / (P - 2T)`` (2024) or
    ``B_peak = kappa2 T / (P - 2T)`` (2025); otherwise None.

    Examples
    --------
    >>> H = 0.5 * np.eye(4) + 0.5  # u = sign g = (1, 1, 1, 1): P = 10 > 2T = 8, a mean-field surge
    >>> round(mean_field_peak(np.ones(4), H, np.ones(4), 0.0, kappa2=1.0), 4)  # (pi/2) T / (P - 2T)
    3.1416
    >>> mean_field_peak([1.0, 1.0], [1.0, 1.0], [1.0, 1.0], 0.0) is None  # diagonal H: P <= T
    True
    """
    g, H, sigma = validate_problem(g, H, sigma)
    eps = _check_eps(eps)
    variant = _check_variant(variant)
    k = _default_kappa2(g, sigma, eps, variant) if kappa2 is None else _check_kappa2(kappa2)
    S, P, T = _mf_SPT(g, H, sigma, eps)
    if not P > 2 * T:
        return None
    c = np.pi / 2 if variant == "2024" else 1.0
    return float(c * k * T / (P - 2 * T))


# ---------------------------------------------------------------- surge
def surge_peak(g, H, sigma, eps, kind="softsign", rtol=1e-7, points_per_decade=6,
               xatol=1e-10, min_strength=SURGE_MIN_STRENGTH):
    """Batch size maximising the exact :func:`eta_star`, or None if there is none.

    A finite maximiser exists iff ``sup_B eta_star(B)`` exceeds the B -> inf
    limit ``eta_inf = u^T g / u^T H u`` (:func:`eta_star_limit_large_B`); here
    "exceeds" means by more than ``rtol * eta_inf``, so plateaus and
    moment-rounding noise do not count as surges.  A peak whose strength
    ``eta_star(B_peak)/eta_inf - 1`` (:func:`surge_strength`) is not above
    ``min_strength`` (default :data:`SURGE_MIN_STRENGTH` = 1e-3, a 0.1 % rise) is
    not reported either (None): a curve that rises by 2e-7 has no peak anyone
    could measure; ``min_strength=0`` returns every maximiser above ``rtol``.
    Procedure: scan log B at
    ``points_per_decade`` from ``1e-4 min_i kappa_i^2`` to ``1e5 max_i kappa_i^2``
    (``kappa_i^2 = sigma_i^2/(g_i^2+eps^2)``; coordinates with g_i = eps = 0
    carry no scale and are skipped), widen the range by 1e4 while the grid
    maximum sits on an end point, then refine between the neighbours of the grid
    maximum with bounded Brent on ``-eta_star(exp(x))``, ``xatol`` in ln B.
    The attainable relative precision of B is about sqrt(relative precision of
    the moments), since eta is flat at its maximum.  If the function has several
    local maxima the global one (on the scan) is returned.

    Examples
    --------
    >>> from adameps import problems
    >>> g, H, sigma = problems.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    >>> round(surge_peak(g, H, sigma, 1e-3), 3)  # a strong surge (strength 1.05)
    0.379
    >>> g, H, sigma = problems.nqm(200, seed=0).arrays()
    >>> surge_peak(g, H, sigma, 1e-3) is None  # a 6e-4 rise: below the default strength, no peak
    True
    """
    g, H, sigma = validate_problem(g, H, sigma)
    eps = _check_eps(eps)
    kind = check_kind(kind)
    rtol = _check_real("rtol", rtol)
    points_per_decade = _check_real("points_per_decade", points_per_decade, inclusive=False)
    xatol = _check_real("xatol", xatol, inclusive=False)
    min_strength = _check_real("min_strength", min_strength)
    if not np.any(g):
        return None
    eta_inf = eta_star_limit_large_B(g, H, eps, kind)
    d = g * g + eps * eps
    k2 = sigma[d > 0] ** 2 / d[d > 0]
    lo = np.log(k2.min() * 1e-4)
    hi = np.log(k2.max() * 1e5)

    def eta_of(logB):
        return _eta_star_core(g, H, sigma, eps, np.exp(np.atleast_1d(logB)), kind)

    step = np.log(10.0) / points_per_decade
    for _ in range(6):
        x = np.arange(lo, hi + step, step)
        eta = eta_of(x)
        i = int(np.argmax(eta))
        if eta[i] <= eta_inf * (1.0 + rtol):
            return None
        if i == 0:
            lo -= np.log(1e4)
        elif i == x.size - 1:
            hi += np.log(1e4)
        else:
            break
    else:
        return None
    res = minimize_scalar(lambda t: -float(eta_of(t)[0]), bounds=(x[i - 1], x[i + 1]),
                          method="bounded", options={"xatol": xatol})
    best = res.x if -res.fun >= eta[i] else x[i]
    if min_strength > 0 and not max(-res.fun, eta[i]) > eta_inf * (1.0 + min_strength):
        return None
    return float(np.exp(best))


def surge_strength(g, H, sigma, eps, kind="softsign"):
    """Relative rise of the exact surge peak above the large-B plateau.

    ``eta_star(B_peak) / eta_inf - 1`` with ``B_peak = surge_peak(...)`` and
    ``eta_inf = u^T g / u^T H u`` (:func:`eta_star_limit_large_B`); 0.0 when
    :func:`surge_peak` finds no peak (eta_star monotone in B).

    Examples
    --------
    >>> from adameps import problems
    >>> g, H, sigma = problems.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    >>> round(surge_strength(g, H, sigma, 1e-3), 3)
    1.049
    """
    g, H, sigma = validate_problem(g, H, sigma)
    peak = surge_peak(g, H, sigma, eps, kind, min_strength=0.0)
    if peak is None:
        return 0.0
    eta_inf = eta_star_limit_large_B(g, H, eps, kind)
    return float(eta_star(g, H, sigma, eps, peak, kind) / eta_inf - 1.0)


def surge_vanishing_eps(g, H, sigma, eps_lo, eps_hi, min_strength, kind="softsign", xtol=1e-8):
    """The eps in ``(eps_lo, eps_hi)`` where :func:`surge_strength` falls to ``min_strength``.

    Solves ``surge_strength(eps) = min_strength`` for ``log eps`` with Brent's method;
    needs ``surge_strength(eps_lo) > min_strength >= surge_strength(eps_hi)``
    (a bracket, e.g. the last surging and the first non-surging eps of a grid),
    else ValueError.  ``xtol`` is the absolute tolerance in ln eps.

    Examples
    --------
    >>> from adameps import problems
    >>> g, H, sigma = problems.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    >>> e = surge_vanishing_eps(g, H, sigma, 1e-3, 10.0, 1e-3)
    >>> round(e, 4), round(surge_strength(g, H, sigma, e), 6)
    (1.911, 0.001)
    """
    lo, hi = _check_eps(eps_lo), _check_eps(eps_hi)
    if not 0 < lo < hi:
        raise ValueError(f"need 0 < eps_lo < eps_hi, got eps_lo={eps_lo!r}, eps_hi={eps_hi!r}")
    m = float(min_strength)
    if not np.isfinite(m) or m < 0:
        raise ValueError(f"min_strength must be finite and >= 0, got {min_strength!r}")

    g, H, sigma = validate_problem(g, H, sigma)

    def f(x):
        return surge_strength(g, H, sigma, np.exp(x), kind) - m

    f_lo, f_hi = f(np.log(lo)), f(np.log(hi))
    if not (f_lo > 0 >= f_hi):
        raise ValueError(
            "surge_strength must exceed min_strength at eps_lo and not at eps_hi "
            f"(got {f_lo + m:.3g} and {f_hi + m:.3g} against {m:.3g})"
        )
    if f_hi == 0:
        return hi
    return float(np.exp(brentq(f, np.log(lo), np.log(hi), xtol=xtol)))


def b_noise(g, H, sigma):
    """McCandlish et al.'s (2018) noise scale ``B_noise = tr(H Sigma) / g^T H g``.

    ``Sigma = diag(sigma^2)``, so ``tr(H Sigma) = sum_i sigma_i^2 H_ii``; SGD's
    optimum :func:`eta_star_sgd` is ``eta_max / (1 + B_noise/B)``, half of
    ``eta_max`` at ``B = B_noise``.

    Examples
    --------
    >>> round(b_noise([1.0, 0.5], [[2.0, 0.3], [0.3, 1.0]], [1.0, 2.0]), 4)
    2.3529
    """
    g, H, sigma = validate_problem(g, H, sigma)
    if not np.any(g):
        raise ValueError("B_noise is undefined for g = 0")
    return float(np.sum(sigma**2 * H.diag) / H.quad(g))


def sign_peak_small_batch(g, H, sigma):
    """Closed-form SignSGD surge peak in the small-batch approximation (Li et al. 2024).

    For sign, ``m1_i = erf(a_i/sqrt2) ~ sqrt(2/pi) a_i`` when ``a_i = g_i sqrt(B)/sigma_i``
    is small; keeping ``m2_i - m1_i^2 ~ 1`` gives, with ``v = g/sigma``,
    ``eta_star ~ sqrt(2B/pi) v^T g / ((2B/pi) v^T H v + tr H)``, maximal at

        B_peak = (pi/2) tr H / (v^T H v).

    For uniform sigma this is ``(pi/2) B_noise`` (:func:`b_noise`), not ``B_noise``.

    Examples
    --------
    >>> from adameps import problems
    >>> g, H, sigma = problems.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    >>> round(sign_peak_small_batch(g, H, sigma), 4)
    0.3198
    """
    g, H, sigma = validate_problem(g, H, sigma)
    v = g / sigma
    if not np.any(v):
        raise ValueError("the small-batch sign peak is undefined for g = 0")
    return float(np.pi / 2 * H.trace / H.quad(v))


def eps_fractions(g, sigma, eps, B):
    """Where eps sits against the gradient scale: ``(frac_grad, frac_noise)``.

    ``frac_grad = mean_i [eps > |g_i|]`` (eps dominates the signal) and
    ``frac_noise(B) = mean_i [eps > sigma_i/sqrt(B)]``, i.e. ``b_i > 1`` (eps
    dominates the minibatch noise), an array of B's shape.

    Examples
    --------
    >>> eps_fractions([1.0, 0.01], [1.0, 1.0], 0.1, [1.0, 1e4])  # eps > |g_i| on half; > sigma/sqrt(B) at B = 1e4
    (0.5, array([0., 1.]))
    """
    g = np.asarray(g, float)
    sigma = np.asarray(sigma, float)
    if g.ndim != 1 or sigma.shape != g.shape:
        raise ValueError(f"g and sigma must be 1-D arrays of one shape, got {g.shape} and {sigma.shape}")
    eps = _check_eps(eps)
    Bv, shape = _check_B(B)
    frac_grad = float(np.mean(eps > np.abs(g)))
    frac_noise = np.mean(eps * np.sqrt(Bv)[:, None] > sigma, axis=1)
    return frac_grad, frac_noise.reshape(shape)


def sqrt_rule_log_deviation(g, H, sigma, eps_ref, B_ref, B, rule="sqrt"):
    """Log deviation of eta_star from the SDE square-root rule ``eta ∝ sqrt(B)``.

    ``D(B) = log( eta_star(B, eps(B)) / (sqrt(B/B_ref) eta_star(B_ref, eps_ref)) )``
    with ``eps(B) = eps_ref sqrt(B_ref/B)`` for ``rule="sqrt"`` (Malladi et al.
    2022: eps scales as B^(-1/2), which keeps every ``b_i = eps sqrt(B)/sigma_i``
    fixed) or ``eps(B) = eps_ref`` for ``rule="fixed"``.  ``D = 0`` means the
    square-root rule predicts eta_star exactly.  In the noise-dominated regime
    (all ``a_i = g_i sqrt(B)/sigma_i -> 0`` at fixed b), ``m1 ∝ sqrt(B)`` and
    ``m2`` is constant, so ``D -> 0`` for ``rule="sqrt"``.

    Examples
    --------
    >>> g, H, sigma = [1.0, 0.5], [[2.0, 0.3], [0.3, 1.0]], [1.0, 2.0]
    >>> sqrt_rule_log_deviation(g, H, sigma, 0.1, 1e-3, [1e-3, 1e-2, 1e-1]).round(4)
    array([ 0.    , -0.0016, -0.0179])
    """
    g, H, sigma = validate_problem(g, H, sigma)
    eps_ref = _check_eps(eps_ref)
    (B_ref,), _ = _check_B(B_ref)
    Bv, shape = _check_B(B)
    if rule not in ("sqrt", "fixed"):
        raise ValueError(f"rule must be 'sqrt' or 'fixed', got {rule!r}")
    eps_B = eps_ref * np.sqrt(B_ref / Bv) if rule == "sqrt" else np.full_like(Bv, eps_ref)
    eta = _eta_star_core(g, H, sigma, eps_B[:, None], Bv, "softsign")
    eta_ref = _eta_star_core(g, H, sigma, eps_ref, np.array([B_ref]), "softsign")[0]
    return np.log(eta / (np.sqrt(Bv / B_ref) * eta_ref)).reshape(shape)
