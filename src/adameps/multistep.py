r"""Multi-step theory: the expected loss after T steps on the diagonal noisy quadratic model.

Loss :math:`L(\theta) = \tfrac12\sum_i h_i\theta_i^2`, minibatch gradient
:math:`\tilde g_i = h_i\theta_i + s_i z_i`, :math:`s_i = \sigma_i/\sqrt B`, :math:`z_i \sim N(0,1)`
fresh each step and independent across coordinates.  A stateless update
:math:`\theta \leftarrow \theta - \eta\,\varphi(\tilde g; \epsilon)` therefore makes every coordinate
an independent, time-homogeneous Markov chain

.. math::

    \theta_{t+1} = \theta_t - \eta\,\varphi(h\theta_t + s z_t;\ \epsilon),

and :math:`E[L(\theta_T)] = \tfrac12\sum_i h_i E[\theta_{i,T}^2]` is a finite computation per
coordinate.  This module computes it for

* ``"sgd"``: :math:`\varphi(x) = x`, optionally with heavy-ball momentum ``momentum`` (torch's
  ``v <- mu v + g``, ``theta <- theta - lr v``).  Linear, so the first two moments obey an exact
  linear recursion.  Without momentum, with :math:`r = 1-\eta h`:
  :math:`E[\theta_T^2] = r^{2T}\theta_0^2 + \eta^2 s^2 (1-r^{2T})/(1-r^2)`.
* ``"sign"``: :math:`\theta` moves by :math:`\pm\eta`, so it stays on the lattice
  :math:`\theta_0 + \eta k`, :math:`|k|\le T`; it steps down with probability
  :math:`p(\theta) = \Phi(h\theta/s)`.  Exact lattice chain (rounding only).
* ``"softsign"`` (:math:`x/\sqrt{x^2+\epsilon^2}`) and ``"adam"`` with ``beta1 = beta2 = 0``
  (Adam's bias-corrected step is then exactly the *adam map* :math:`x/(|x|+\epsilon)`):
  density evolution on a uniform grid :math:`\theta_0 + d k`, :math:`d = \eta u_{\max}/m`
  (``grid = m`` cells per largest step :math:`\eta u_{\max}`), see :func:`_density_evolution`.
* ``"adam"`` with :math:`\beta_1, \beta_2 > 0` and bias correction, and ``"atan2"``: a model
  (:func:`_adam_model`): momentum is the linear filter it is, and :math:`\hat v_t` is replaced by
  its expectation given the moments of :math:`\theta`, so that the dynamics become linear with a
  deterministic, time-dependent per-coordinate step; the model's error is measured against Monte
  Carlo of the real optimiser in the tests and the pipeline.

Method ``"gaussian"`` (any stateless map): moment closure assuming :math:`\theta_t` Gaussian,
:math:`E[\theta\varphi] = \mu m_1 + h v\,\partial_a m_1/s_Y` (Stein's lemma); exact for SGD,
fast, approximate otherwise (its error against the exact chain is measured).

Discretisation of the density evolution (stated and tested).  From a grid point
:math:`x` the step :math:`V = m\,\varphi/u_{\max} \in [-m, m]` is spread onto the integer offsets
with *tent* (linear-interpolation) weights
:math:`w_j = E[\max(0, 1-|V-j|)] = R(j-1) - 2R(j) + R(j+1)`, where
:math:`R(c) = E[(V-c)^+] = \int_c^m P(V>t)\,dt` and
:math:`P(V>t) = Q((\varphi^{-1}(t u_{\max}/m) - h x)/s)` is computed exactly and integrated with
``gl_nodes``-point Gauss-Legendre per unit cell.  The weights sum to 1 exactly (probability mass is
conserved to rounding), reproduce the mean step exactly (up to the quadrature) and inflate the
step variance by :math:`E[f(1-f)]\,d^2 \le d^2/4`, :math:`f` the fractional part of :math:`V`: the
error is :math:`O(d^2) = O((\eta/m)^2)` per step.  For sign (:math:`\epsilon = 0`)
:math:`P(V>t)` is constant inside :math:`(-m, m)`, the scheme is exact and reproduces the lattice
chain; for :math:`\epsilon\to\infty` with :math:`\eta/\epsilon` fixed the grid follows the shrinking
step (:math:`u_{\max}\to 0`) and the chain tends to SGD with learning rate :math:`\eta/\epsilon`.
:math:`u_{\max} = \varphi(h\,x_{\max} + 8 s)` with :math:`x_{\max} = 2|\theta_0| + 8 s/h`
caps the step at 8 noise standard deviations (clipped mass below :math:`10^{-15}` per step).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.special import erf, erfc

from adameps.moments import moments
from adameps.update_maps import update_map
from adameps.optimal_lr import eta_star

__all__ = [
    "OPTIMIZERS",
    "METHODS",
    "expected_loss",
    "eta_star_multistep",
    "eta_travel",
    "eta_regimes",
    "travel_floor_loss",
    "eta_travel_floor",
    "handover_batch",
    "DiagonalModel",
    "diagonal_model_from_stats",
]

OPTIMIZERS = ("sgd", "sign", "softsign", "adam", "atan2")
METHODS = ("exact", "gaussian")
_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_CHUNK_ELEMS = 1 << 20  # floats per working array of the chains (about 8 MB: cache-sized, measured fastest)


# ---------------------------------------------------------------- validation
def _real_array(name, x):
    """``x`` as a new float array, or a ValueError naming ``name`` (complex values, text, None)."""
    if np.iscomplexobj(x):
        raise ValueError(f"{name} must be real, got a complex value")
    try:
        return np.array(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be real numbers, got {name} = {x!r:.80}") from None


def _vec(name, x, positive=False, nonneg=False):
    a = _real_array(name, x)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    if positive and np.any(a <= 0):
        raise ValueError(f"{name} must be > 0 everywhere, min({name}) = {a.min()!r}")
    if nonneg and np.any(a < 0):
        raise ValueError(f"{name} must be >= 0 everywhere, min({name}) = {a.min()!r}")
    return a


def _check_problem(h, sigma, theta0):
    h = _vec("h", h, nonneg=True)
    sigma = _vec("sigma", sigma, positive=True)
    theta0 = _vec("theta0", theta0)
    if sigma.shape != h.shape:
        raise ValueError(f"sigma must have shape {h.shape} to match h, got shape {sigma.shape}")
    if theta0.shape != h.shape:
        raise ValueError(f"theta0 must have shape {h.shape} to match h, got shape {theta0.shape}")
    return h, sigma, theta0


def _positive_array(name, x):
    a = _real_array(name, x)
    if a.size == 0:
        raise ValueError(f"{name} must be non-empty")
    ok = np.isfinite(a) & (a > 0)
    if not ok.all():
        raise ValueError(f"{name} must be finite and > 0, got {name} = {a[~ok].ravel()[0]!r}")
    return a


def _check_steps(steps):
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got steps = {steps!r}")
    return int(steps)


def _check_optimizer(optimizer, eps, beta1, beta2, momentum, method):
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got optimizer = {optimizer!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got method = {method!r}")
    if optimizer in ("softsign", "adam"):
        if eps is None:
            raise ValueError(f"eps is required for optimizer = {optimizer!r} (write eps=1e-8, say)")
        try:
            eps = float(eps)
        except (TypeError, ValueError):
            raise ValueError(f"eps must be a real scalar, got eps = {eps!r}") from None
        if not (np.isfinite(eps) and eps >= 0):
            raise ValueError(f"eps must be finite and >= 0, got eps = {eps!r}")
    for name, v in (("beta1", beta1), ("beta2", beta2), ("momentum", momentum)):
        if not (isinstance(v, (int, float, np.floating, np.integer)) and 0 <= float(v) < 1):
            raise ValueError(f"{name} must be a real number in [0, 1), got {name} = {v!r}")
    if momentum and optimizer != "sgd":
        raise ValueError(f"momentum applies to optimizer = 'sgd' only, got optimizer = {optimizer!r}")
    return eps


# ---------------------------------------------------------------- update maps
def _kind(optimizer, eps):
    """The library's update-map kind of a stateless optimiser (``None`` for SGD)."""
    if optimizer == "sign" or (optimizer in ("softsign", "adam") and eps == 0.0):
        return "sign"
    return {"softsign": "softsign", "adam": "adam"}.get(optimizer)


def _phi_inverse(kind, u, eps):
    """Inverse of the update map on (-1, 1): ``x`` with ``phi(x; eps) = u``."""
    if kind == "softsign":
        return eps * u / np.sqrt((1.0 - u) * (1.0 + u))
    if kind == "adam":
        return eps * u / (1.0 - np.abs(u))
    return np.zeros_like(u)  # sign: every u in (-1, 1) is reached from x = 0


def _Q(x):
    """Upper Gaussian tail ``P(z > x)``."""
    return 0.5 * erfc(x / _SQRT2)


# ---------------------------------------------------------------- SGD (exact)
def _sgd_closed_form(h, s, theta0, lr, steps):
    r = 1.0 - lr * h
    r2 = r * r
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        r2T = r2**steps
        near = np.abs(1.0 - r2) < 1e-12  # r^2 = 1: the sum of T ones
        geo = np.where(near, float(steps), (1.0 - r2T) / np.where(near, 1.0, 1.0 - r2))
        return r2T * theta0**2 + lr**2 * s**2 * geo


def _linear2(h, s, theta0, steps, coef):
    """Exact first/second moments of a 2-state linear system x_t = A_t x_{t-1} + b_t z_t.

    ``coef(t, mom)`` returns ``(A11, A12, A21, A22, b1, b2)`` for step t = 1..T, given the
    moments ``mom = (E theta, E m, Var theta, Cov, Var m)`` before the step; state (theta, m) with
    m_0 = 0, theta_0 fixed.  Returns E[theta_T^2].
    """
    mu1 = np.broadcast_to(theta0, np.broadcast(h, s, theta0).shape).astype(float)
    mu2 = np.zeros_like(mu1)
    c11 = np.zeros_like(mu1)
    c12 = np.zeros_like(mu1)
    c22 = np.zeros_like(mu1)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            a11, a12, a21, a22, b1, b2 = coef(t, (mu1, mu2, c11, c12, c22))
            mu1, mu2 = a11 * mu1 + a12 * mu2, a21 * mu1 + a22 * mu2
            n11 = a11 * a11 * c11 + 2 * a11 * a12 * c12 + a12 * a12 * c22 + b1 * b1
            n12 = a11 * a21 * c11 + (a11 * a22 + a12 * a21) * c12 + a12 * a22 * c22 + b1 * b2
            n22 = a21 * a21 * c11 + 2 * a21 * a22 * c12 + a22 * a22 * c22 + b2 * b2
            c11, c12, c22 = n11, n12, n22
    return mu1 * mu1 + c11


def _sgd_momentum(h, s, theta0, lr, steps, mu):
    # v_t = mu v_{t-1} + g_t, g_t = h theta_{t-1} + s z;  theta_t = theta_{t-1} - lr v_t
    one = np.ones(np.broadcast(h, s, theta0, lr).shape)
    A = (one - lr * h, -lr * mu * one, h * one, mu * one, -lr * s * one, s * one)
    return _linear2(h, s, theta0, steps, lambda t, mom: A)


# ---------------------------------------------------------------- Adam model
def _adam_model(h, s, theta0, lr, steps, eps, beta1, beta2, atan2=False):
    r"""E[theta_T^2] of Adam with v-hat replaced by its expectation (see the module docstring).

    With :math:`c_t = \eta/((1-\beta_1^t)(\sqrt{\bar v_t}+\epsilon))`,
    :math:`\bar v_t = \sum_{\tau\le t}(1-\beta_2)\beta_2^{t-\tau}(h^2E[\theta_{\tau-1}^2]+s^2)/(1-\beta_2^t)`:
    :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1)(h\theta_{t-1}+s z_t)`,
    :math:`\theta_t = \theta_{t-1} - c_t m_t`.  ``atan2``: :math:`\epsilon = 0` and the step
    scaled by :math:`\operatorname{atan}(\rho_t)/\rho_t`, :math:`\rho_t = \sqrt{E[\hat m_t^2]/\bar v_t}`
    (the bounded map evaluated at the rms ratio).
    """
    shape = np.broadcast(h, s, theta0, lr).shape
    v = np.zeros(shape)
    k = 1.0 - beta1

    def coef(t, mom):
        nonlocal v
        mu1, mu2, c11, c12, c22 = mom
        e_th2 = mu1 * mu1 + c11
        eg2 = h * h * e_th2 + s * s
        v = beta2 * v + (1.0 - beta2) * eg2
        vbar = v / (1.0 - beta2**t)
        bc1 = 1.0 - beta1**t
        c = lr / (bc1 * (np.sqrt(vbar) + eps))
        if atan2:
            # E[m_t^2] from the moments before the step; the bounded map's gain at the rms ratio
            e_m2 = (beta1 * beta1 * (mu2 * mu2 + c22) + 2 * beta1 * k * h * (mu1 * mu2 + c12)
                    + k * k * eg2)
            rho = np.sqrt(e_m2 / vbar) / bc1
            c = c * np.where(rho > 1e-8, np.arctan(rho) / np.maximum(rho, 1e-300), 1.0)
        zero = 0.0 * c
        return (1.0 - c * k * h, -c * beta1, k * h + zero, beta1 + zero, -c * k * s, k * s + zero)

    return _linear2(h, s, theta0, steps, coef)


# ---------------------------------------------------------------- sign lattice chain (exact)
def _sign_chain(h, s, theta0, lr, steps):
    """E[theta_T^2] of the sign chain for 1-D arrays of chains (same length).

    After t steps with d down-moves the chain sits at theta0 + lr (t - 2d), d = 0..t; it moves
    down with probability Phi(h x / s).  State: the (C, t+1) probabilities of d.
    """
    T = steps
    r = np.arange(2 * T + 1, dtype=float)  # r = T - k, position theta0 + lr (T - r)
    x = theta0[:, None] + lr[:, None] * (T - r)
    pd = 0.5 * erfc(-(h[:, None] * x) / (s[:, None] * _SQRT2))  # P(step down) = Phi(h x / s)
    P = np.ones((h.size, 1))
    for t in range(T):
        a = P * pd[:, T - t:T + t + 1:2]  # mass that steps down: d -> d + 1
        new = np.empty((h.size, t + 2))
        np.subtract(P, a, out=new[:, :t + 1])
        new[:, t + 1] = 0.0
        new[:, 1:] += a
        P = new
    xT = x[:, 0:2 * T + 1:2]  # r = 2d, d = 0..T
    return np.einsum("cd,cd->c", P, xT * xT)


# ---------------------------------------------------------------- density evolution
_GL_CACHE = {}


def _gl(n):
    if n not in _GL_CACHE:
        x, w = leggauss(n)
        _GL_CACHE[n] = (0.5 * (x + 1.0), 0.5 * w)
    return _GL_CACHE[n]


_GRADED_LEVELS = 24  # the end cells are split geometrically down to 2^-24 of a cell


def _cell_nodes(m, nq):
    """Quadrature nodes t (N,) on [-m, m] and the matrix (N, 2m) of their weights per unit cell.

    Interior cells: ``nq``-point Gauss-Legendre; the two end cells, where P(V > t) can drop within a
    tiny distance of +-m (the map's inverse blows up there), are split geometrically towards the
    end (``_GRADED_LEVELS`` pieces, ``nq`` nodes each).
    """
    key = (m, nq)
    if key in _GL_CACHE:
        return _GL_CACHE[key]
    xi, wq = _gl(nq)
    ts, ws, cells = [], [], []
    ends = np.concatenate([[0.0], 1.0 - 0.5 ** np.arange(1, _GRADED_LEVELS + 1), [1.0]])
    for i in range(2 * m):
        c = -m + i
        if i == 2 * m - 1 or (i == 0 and m > 0):
            lo, hi = ends[:-1], ends[1:]
            if i == 0:  # mirror: grade towards -m
                lo, hi = 1.0 - ends[1:], 1.0 - ends[:-1]
            t = (c + lo[:, None] + (hi - lo)[:, None] * xi[None, :]).ravel()
            w = ((hi - lo)[:, None] * wq[None, :]).ravel()
        else:
            t, w = c + xi, wq
        ts.append(t)
        ws.append(w)
        cells.append(np.full(t.size, i))
    t, w, cell = np.concatenate(ts), np.concatenate(ws), np.concatenate(cells)
    M = np.zeros((t.size, 2 * m))
    M[np.arange(t.size), cell] = w
    _GL_CACHE[key] = (t, M)
    return t, M


def _tent_weights(kind, eps, h, s, x, umax, m, nq):
    """Tent weights w (C, G, 2m+1) of the step V = m phi/umax onto offsets -m..m at points x (C, G)."""
    t, M = _cell_nodes(m, nq)
    hx = (h[:, None] * x)[..., None]  # (C, G, 1)
    y = _phi_inverse(kind, (t / m)[None, None, :] * umax[:, None, None], eps)  # (C, 1, N)
    S = _Q((y - hx) / s[:, None, None])  # P(V > t) at the nodes, (C, G, N)
    I = S @ M  # (C, G, 2m): integral of P(V > t) over each unit cell [-m + i, -m + i + 1]
    # R(j) = int_j^m P(V > t) dt for j = -m..m (R(m) = 0); R(-m-1) = R(-m) + 1, R(m+1) = 0
    R = np.zeros(I.shape[:2] + (2 * m + 3,))
    R[..., 1:2 * m + 1] = np.cumsum(I[..., ::-1], axis=-1)[..., ::-1]
    R[..., 0] = R[..., 1] + 1.0
    # w_j = R(j-1) - 2R(j) + R(j+1), j = -m..m
    w = R[..., :-2] - 2.0 * R[..., 1:-1] + R[..., 2:]
    return np.maximum(w, 0.0)


def _density_evolution(kind, eps, h, s, theta0, lr, steps, m, nq):
    """E[theta_T^2] and the total mass (C,) of the density evolution on the grid theta0 + d k."""
    C, T = h.size, steps
    with np.errstate(divide="ignore"):
        xmax = 2.0 * np.abs(theta0) + 8.0 * s / np.maximum(h, 1e-300)
    umax = np.minimum(update_map(kind, h * xmax + 8.0 * s, eps), 1.0)
    umax = np.where(umax > 0, umax, 1.0)
    d = lr * umax / m
    G = 2 * T * m + 1
    k = np.arange(-T * m, T * m + 1, dtype=float)
    x = theta0[:, None] + d[:, None] * k  # (C, G)
    W = _tent_weights(kind, eps, h, s, x[:, m:-m], umax, m, nq)
    W = np.pad(W, ((0, 0), (m, m), (0, 0)))  # (C, G, 2m+1), offset j: k -> k - j; ends never sources
    P = np.zeros((C, G))
    c0 = T * m
    P[:, c0] = 1.0
    for t in range(1, T):
        lo_src, hi_src = c0 - (t - 1) * m, c0 + (t - 1) * m + 1
        new = np.zeros_like(P)
        Ps = P[:, lo_src:hi_src]
        for jj in range(2 * m + 1):
            j = jj - m
            new[:, lo_src - j:hi_src - j] += W[:, lo_src:hi_src, jj] * Ps
        P = new
    # the last step exactly: E[theta_T^2 | theta_{T-1} = x] = x^2 - 2 lr x m1 + lr^2 m2
    sl = slice(c0 - (T - 1) * m, c0 + (T - 1) * m + 1)
    xs = x[:, sl]
    m1, m2 = moments(kind, h[:, None] * xs / s[:, None], np.broadcast_to((eps / s)[:, None], xs.shape))
    e_last = xs * xs - 2.0 * lr[:, None] * xs * m1 + (lr * lr)[:, None] * m2
    return np.einsum("ck,ck->c", P[:, sl], e_last), P.sum(axis=1)


_TABLES = {}
_TAB_A = np.sinh(np.linspace(0.0, np.arcsinh(200.0), 241))  # |a| nodes, dense near 0
_TAB_LOGB = np.linspace(-9.0, 5.0, 169)  # log10 b nodes


def _approx_moments(a, b):
    """Normalisers with the exact limits b -> 0 (up to O(1) factors) and b -> inf of every kind."""
    m1 = a / np.sqrt(a * a + b * b + np.pi / 2)
    m2 = (a * a + 1.0) / (a * a + 1.0 + b * b)
    return m1, m2


def _moment_table(kind):
    """Bicubic interpolating splines of m1/m1~ and m2/m2~ over (asinh |a|, log10 b) for the
    Gaussian closure (scipy's RectBivariateSpline), as ``(s1, s2, (tx, ty, c1, c2))``: the splines
    and their common knots and coefficient grids, which ``_tabulated_moments`` evaluates."""
    if kind not in _TABLES:
        from scipy.interpolate import RectBivariateSpline

        A = np.maximum(_TAB_A, 1e-6)[:, None]
        Bt = 10.0 ** _TAB_LOGB[None, :]
        m1, m2 = moments(kind, np.broadcast_to(A, (A.size, Bt.size)), np.broadcast_to(Bt, (A.size, Bt.size)))
        r1, r2 = _approx_moments(A, Bt)
        x = np.arcsinh(_TAB_A)
        s1 = RectBivariateSpline(x, _TAB_LOGB, m1 / r1, kx=3, ky=3)
        s2 = RectBivariateSpline(x, _TAB_LOGB, m2 / r2, kx=3, ky=3)
        tx, ty = s1.get_knots()
        shape = (tx.size - 4, ty.size - 4)
        _TABLES[kind] = (s1, s2, (tx, ty, s1.get_coeffs().reshape(shape), s2.get_coeffs().reshape(shape)))
    return _TABLES[kind]


def _tabulated_moments(kind, a, b):
    """(m1, m2, dm1/da) of ``kind`` at arrays a, b > 0 from the spline table (see ``_moment_table``).

    Out of the table (|a| > 200) the exact :func:`adameps.moments.moments` is used; b is clamped to
    [1e-9, 1e5], where the normalised moments have reached their limits to the table's accuracy.
    """
    # Imported here, like the table's scipy: only softsign/adam closures need numba, and most jobs
    # that import this module (sign, SGD, exact chains) would pay its import for nothing.
    from adameps._fast_kernels import bicubic_pair

    tx, ty, c1, c2 = _moment_table(kind)[2]
    sa = np.sign(a)
    aa = np.abs(a)
    x = np.arcsinh(np.minimum(aa, 200.0))
    lb = np.log10(np.clip(b, 1e-9, 1e5))
    # One compiled pass for both splines and the derivative (they share their knots): 4.5x faster
    # than FITPACK's three evaluations, which were 85% of a multi-step prediction's time; equal to
    # them to 1e-15 (values) and 3e-14 (derivative), tests/test_multistep.py.
    g1, g1x, g2 = bicubic_pair(tx, ty, c1, c2, x.ravel(), lb.ravel())
    g1, g1x, g2 = g1.reshape(x.shape), g1x.reshape(x.shape), g2.reshape(x.shape)
    r1, r2 = _approx_moments(aa, b)
    q = aa * aa + b * b + np.pi / 2
    dr1 = (b * b + np.pi / 2) / q**1.5
    m1 = g1 * r1
    dm1 = g1 * dr1 + r1 * g1x / np.sqrt(1.0 + aa * aa)
    m2 = g2 * r2
    out = aa > 200.0
    if out.any():
        e1, e2 = moments(kind, aa[out], b[out])
        m1[out], m2[out], dm1[out] = e1, e2, 0.0
    return sa * m1, m2, dm1


def _gaussian_closure(kind, eps, h, s, theta0, lr, steps):
    """E[theta_T^2] under the Gaussian moment closure (see the module docstring)."""
    mu = np.array(np.broadcast_to(theta0, np.broadcast(h, s, lr).shape), dtype=float)
    var = np.zeros_like(mu)
    for _ in range(steps):
        sY = np.sqrt(h * h * var + s * s)
        a = h * mu / sY
        if kind == "sign":
            m1, m2, dm1 = erf(a / _SQRT2), 1.0, _SQRT_2_OVER_PI * np.exp(-0.5 * a * a)
        else:
            m1, m2, dm1 = _tabulated_moments(kind, a, eps / sY)
        e_thu = mu * m1 + h * var * dm1 / sY
        e2 = mu * mu + var - 2.0 * lr * e_thu + lr * lr * m2
        mu = mu - lr * m1
        var = np.maximum(e2 - mu * mu, 0.0)
    return mu * mu + var


# ---------------------------------------------------------------- public API
def _chains(fn, h, s2d, theta0, lr2d, elems_per_chain):
    """Apply fn(h, s, theta0, lr) over all (setting, coordinate) chains in chunks; (K, n) out."""
    K, n = s2d.shape
    H = np.broadcast_to(h, (K, n)).ravel()
    S = s2d.ravel()
    X0 = np.broadcast_to(theta0, (K, n)).ravel()
    LR = np.broadcast_to(lr2d, (K, n)).ravel()
    out = np.empty(K * n)
    step = max(1, _CHUNK_ELEMS // max(1, elems_per_chain))
    for i in range(0, K * n, step):
        sl = slice(i, i + step)
        out[sl] = fn(H[sl], S[sl], X0[sl], LR[sl])
    return out.reshape(K, n)


def expected_loss(h, sigma, theta0, optimizer, lr, B, steps, eps=None, *, beta1=0.9, beta2=0.999,
                  momentum=0.0, method="exact", grid=4, gl_nodes=4, richardson=True, return_mass=False):
    r"""Expected loss :math:`E[L(\theta_T)]` after ``steps`` steps on the diagonal quadratic.

    :math:`L(\theta) = \tfrac12\sum_i h_i\theta_i^2`, minibatch gradient
    :math:`h_i\theta_i + \sigma_i z_i/\sqrt B`, start :math:`\theta_0`, constant learning rate
    ``lr``; :math:`E[L(\theta_T)] = \tfrac12\sum_i h_i E[\theta_{i,T}^2]` with the per-coordinate
    chains of the module docstring.

    Parameters
    ----------
    h, sigma, theta0 : array_like, shape (n,)
        Curvatures (>= 0), noise scales (> 0) and the initial point.
    optimizer : {"sgd", "sign", "softsign", "adam", "atan2"}
        ``"adam"`` is :class:`adameps.training.Adam` (bias-corrected, eps outside the root);
        with ``beta1 = beta2 = 0``, or for ``steps = 1`` whatever the betas are, it is exactly the
        adam map :math:`x/(|x|+\epsilon)` and is computed by density evolution, otherwise by the
        v-hat-expectation model (Adam-atan2 at ``steps = 1``: sign descent with step
        :math:`\pi\eta/4`).  ``"atan2"`` is
        the same model with the bounded atan2 map.
    lr, B : array_like
        Learning rates and batch sizes (> 0), broadcast together; the result has their shape.
    steps : int
        Number of steps T >= 1.
    eps : float, optional
        Required for softsign and adam.
    beta1, beta2 : float
        Adam's decay rates (``optimizer="adam"``/``"atan2"`` only).
    momentum : float
        Heavy-ball momentum of SGD.
    method : {"exact", "gaussian"}
        ``"gaussian"``: the Gaussian moment closure for the stateless maps (fast, approximate).
    grid, gl_nodes : int
        Density evolution: cells per largest step, Gauss-Legendre nodes per cell.
    richardson : bool
        Density evolution with an even ``grid``: return :math:`(4E_m - E_{m/2})/3`, which cancels
        the :math:`O(d^2)` discretisation error (tested against the SGD limit).
    return_mass : bool
        Also return the total probability mass of the density evolution (min over chains).

    Returns
    -------
    ndarray
        :math:`E[L(\theta_T)]`, shape ``broadcast(lr, B).shape``.

    Examples
    --------
    >>> import numpy as np
    >>> h, sigma, th = np.array([1.0]), np.array([1.0]), np.array([1.0])
    >>> float(expected_loss(h, sigma, th, "sgd", 0.5, 1.0, 1))  # (1-0.5)^2/2 + 0.5^2/2
    0.25
    >>> float(expected_loss(h, sigma, th, "sign", 0.5, 1.0, 1))  # 0.5**2/2 Phi(1) + 1.5**2/2 (1 - Phi(1))
    0.2836...
    """
    h, sigma, theta0 = _check_problem(h, sigma, theta0)
    steps = _check_steps(steps)
    eps = _check_optimizer(optimizer, eps, beta1, beta2, momentum, method)
    lr = _positive_array("lr", lr)
    B = _positive_array("B", B)
    try:
        shape = np.broadcast_shapes(lr.shape, B.shape)
    except ValueError:
        raise ValueError(f"lr (shape {lr.shape}) and B (shape {B.shape}) must broadcast together") from None
    for name, v in (("grid", grid), ("gl_nodes", gl_nodes)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {name} = {v!r}")
    lrK = np.broadcast_to(lr, shape).ravel()[:, None]
    BK = np.broadcast_to(B, shape).ravel()[:, None]
    s2d = sigma[None, :] / np.sqrt(BK)  # (K, n)
    if steps == 1 and optimizer in ("adam", "atan2"):
        # with bias correction the first step is exact whatever beta1, beta2 are: m-hat = g and
        # sqrt(v-hat) = |g|, so Adam steps by the adam map g/(|g| + eps) and Adam-atan2 by (pi/4) sign(g)
        if optimizer == "atan2":
            optimizer, lr, lrK = "sign", lr * (np.pi / 4), lrK * (np.pi / 4)
        else:
            beta1 = beta2 = 0.0
    kind = _kind(optimizer, eps)
    mass = np.ones(1)
    if optimizer == "sgd":
        if momentum:
            e2 = _sgd_momentum(h, s2d, theta0, lrK, steps, float(momentum))
        else:
            e2 = _sgd_closed_form(h, s2d, theta0, lrK, steps)
    elif optimizer in ("adam", "atan2") and not (optimizer == "adam" and beta1 == 0 and beta2 == 0):
        e2 = _adam_model(h, s2d, theta0, lrK, steps, 0.0 if optimizer == "atan2" else eps,
                         float(beta1), float(beta2), atan2=optimizer == "atan2")
    elif method == "gaussian":
        e2 = _gaussian_closure(kind, eps, h, s2d, theta0, lrK, steps)
    elif kind == "sign":
        e2 = _chains(lambda a, b, c, d: _sign_chain(a, b, c, d, steps), h, s2d, theta0, lrK,
                     4 * (2 * steps + 1))
    else:
        masses = []

        def fn(a, b, c, d):
            e, ms = _density_evolution(kind, eps, a, b, c, d, steps, grid, gl_nodes)
            masses.append(ms)
            return e

        e2 = _chains(fn, h, s2d, theta0, lrK, (2 * steps * grid + 1) * (2 * grid + 1 + 2 * gl_nodes + 3))
        mass = np.concatenate(masses)
        if richardson and kind != "sign" and grid % 2 == 0:
            # the scheme's error is c d^2 + o(d^2): combine grid m and m/2 to cancel the d^2 term
            half = grid // 2
            e2h = _chains(lambda a, b, c, d: _density_evolution(kind, eps, a, b, c, d, steps, half, gl_nodes)[0],
                          h, s2d, theta0, lrK, (2 * steps * half + 1) * (2 * half + 1 + 2 * gl_nodes + 3))
            e2 = (4.0 * e2 - e2h) / 3.0
    with np.errstate(over="ignore", invalid="ignore"):
        loss = 0.5 * (e2 * h).sum(axis=1)
    loss = np.where(np.isnan(loss), np.inf, loss).reshape(shape)
    if return_mass:
        return loss, float(mass.min()), float(mass.max())
    return loss


def eta_star_multistep(h, sigma, theta0, optimizer, B, steps, eps=None, *, lr_lo=None, lr_hi=None,
                       n_grid=13, xtol=1e-3, max_expand=6, **kw):
    r"""Learning rate minimising :func:`expected_loss` after ``steps`` steps, for every ``B``.

    A log grid of ``n_grid`` learning rates on ``[lr_lo, lr_hi]`` (default: four decades around
    the one-step optimum of the matching map, SGD: around :math:`1/\max h`) locates the minimum
    for each B; if it sits at an end the grid is extended by its width (``max_expand`` times at
    most, then ``nan`` is returned: never a grid edge); then a golden-section search in
    :math:`\log\eta` on the two cells around it refines it to ``xtol`` (relative), vectorised
    over B.  Returns ``(eta, loss)`` arrays of B's shape.

    Examples
    --------
    >>> import numpy as np
    >>> h, sigma, th = np.array([1.0]), np.array([1e-3]), np.array([1.0])
    >>> eta, _ = eta_star_multistep(h, sigma, th, "sgd", [1.0], 1)
    >>> round(float(eta[0]), 3)  # one noiseless SGD step: 1/h
    1.0
    """
    h, sigma, theta0 = _check_problem(h, sigma, theta0)
    steps = _check_steps(steps)
    Bv = _positive_array("B", B)
    shape = Bv.shape
    Bv = Bv.ravel()
    if lr_lo is None or lr_hi is None:
        centre = _default_centre(h, sigma, theta0, optimizer, Bv, eps)
        lr_lo = centre / 100.0 if lr_lo is None else lr_lo
        lr_hi = centre * 100.0 if lr_hi is None else lr_hi
    lo, hi = math.log(float(_positive_array("lr_lo", lr_lo))), math.log(float(_positive_array("lr_hi", lr_hi)))
    if not lo < hi:
        raise ValueError(f"lr_lo must be < lr_hi, got {lr_lo!r}, {lr_hi!r}")

    def f(loglr, Bsel):
        return np.log(expected_loss(h, sigma, theta0, optimizer, np.exp(loglr), Bsel, steps, eps, **kw))

    nB = Bv.size
    grid = np.linspace(lo, hi, int(n_grid))
    width = hi - lo
    vals = f(grid[None, :], Bv[:, None])  # (nB, n_grid)
    left = np.full(nB, np.nan)
    right = np.full(nB, np.nan)
    todo = np.arange(nB)
    gl = {b: (grid.copy(), vals[b].copy()) for b in range(nB)}
    for _ in range(max_expand + 1):
        still = []
        for b in todo:
            g, v = gl[b]
            j = int(np.nanargmin(np.where(np.isfinite(v), v, np.inf))) if np.isfinite(v).any() else 0
            if 0 < j < g.size - 1:
                left[b], right[b] = g[j - 1], g[j + 1]
            else:
                still.append((b, j == 0))
        if not still:
            break
        for b, at_lo in still:
            g, v = gl[b]
            step = g[1] - g[0]
            ext = (g[0] - width + step * np.arange(int(n_grid) - 1)) if at_lo else \
                (g[-1] + step * np.arange(1, int(n_grid)))
            ve = f(ext, Bv[b])
            gl[b] = (np.concatenate([ext, g]), np.concatenate([ve, v])) if at_lo else \
                (np.concatenate([g, ext]), np.concatenate([v, ve]))
        todo = [b for b, _ in still]
    ok = np.isfinite(left)
    eta = np.full(nB, np.nan)
    loss = np.full(nB, np.nan)
    if ok.any():
        idx = np.flatnonzero(ok)
        a, c = left[idx], right[idx]
        gr = (math.sqrt(5.0) - 1.0) / 2.0
        x1, x2 = c - gr * (c - a), a + gr * (c - a)
        f1, f2 = f(x1, Bv[idx]), f(x2, Bv[idx])
        while np.max(c - a) > xtol:
            sm = f1 < f2  # minimum in [a, x2]
            c = np.where(sm, x2, c)
            a = np.where(sm, a, x1)
            nx1 = np.where(sm, c - gr * (c - a), x2)
            nx2 = np.where(sm, x1, a + gr * (c - a))
            new = np.where(sm, nx1, nx2)
            fn = f(new, Bv[idx])
            f1, f2 = np.where(sm, fn, f2), np.where(sm, f1, fn)
            x1, x2 = nx1, nx2
        xm = np.where(f1 < f2, x1, x2)
        eta[idx] = np.exp(xm)
        loss[idx] = np.exp(np.minimum(f1, f2))
    return eta.reshape(shape), loss.reshape(shape)


class DiagonalModel(NamedTuple):
    """The diagonal quadratic model of :func:`diagonal_model_from_stats`.

    >>> DiagonalModel(*diagonal_model_from_stats([1.0], [1.0], [2.0])).theta0
    array([0.5])
    """

    h: np.ndarray  #: curvatures, > 0 (floored)
    sigma: np.ndarray  #: per-example gradient standard deviations, > 0 (floored)
    theta0: np.ndarray  #: initial point g / h
    h_floored: np.ndarray  #: bool, where h was raised to the floor (h <= 0 or tiny)
    sigma_floored: np.ndarray  #: bool, where sigma was raised to its floor


def diagonal_model_from_stats(g, sigma, h_diag, *, floor_rel=1e-6, sigma_floor_rel=1e-12):
    r"""The diagonal quadratic model the chains need, from measured per-coordinate statistics.

    A network's loss near its initial point is, per coordinate and keeping only the diagonal of
    the Hessian, :math:`L \approx L_0 + \sum_i g_i\delta_i + \tfrac12 h_i\delta_i^2`
    (:math:`\delta = \theta - \theta_{\text{init}}`), with minibatch gradient noise of standard
    deviation :math:`\sigma_i/\sqrt B`.  Up to a constant this is the noisy quadratic model of this
    module, :math:`\tfrac12\sum_i h_i\theta_i^2` in the shifted coordinate
    :math:`\theta_i = \delta_i + g_i/h_i`, started at

    .. math:: \theta_{0,i} = g_i / h_i, \qquad\text{so that}\qquad h_i\theta_{0,i} = g_i .

    Only differences of the loss (and so the minimiser over the learning rate) carry over: the
    model's loss is measured from its own minimum, not from the network's.

    Coordinates with :math:`h_i \le h_{\text{floor}} = ` ``floor_rel`` :math:`\cdot\max_j h_j`
    (non-positive curvature, as an MLP's Hessian has at initialisation, or curvature too small to
    matter) get :math:`h_i = h_{\text{floor}}`.  Such a coordinate has no minimum within reach: its
    loss falls along :math:`-\operatorname{sign}(g_i)` at the rate :math:`|g_i|` per unit step, and
    with the floor it does just that (:math:`\theta_{0,i} = g_i/h_{\text{floor}}` is so far out that
    a run of T steps of size :math:`\eta` never nears the minimum unless
    :math:`\eta T \gtrsim |g_i|/h_{\text{floor}}`) while its curvature barely brakes the step.
    Dropping it would lose its first-order descent :math:`-g_i\delta_i`, which the one-step theory
    counts; :math:`|h_i|` would invent braking that the loss does not have.  It is the rule of
    :func:`adameps.theory_inputs.mlp_inputs`, which floors the Hessian's eigenvalues at the same
    ``1e-6`` of the largest.  Coordinates with :math:`\sigma_i` below
    ``sigma_floor_rel`` :math:`\cdot\max_j\sigma_j` (noiseless: the chains need
    :math:`\sigma > 0`) get that floor, as in :func:`adameps.theory_inputs.gradient_stats`.

    After one step the model's expected loss is exactly the one-step theory of Section 5 with the
    Hessian replaced by :math:`\operatorname{diag}(h)` (tested), so the digits' multi-step
    prediction separates the error of dropping the off-diagonal Hessian (T = 1) from that of the
    chain.

    Parameters
    ----------
    g, sigma, h_diag : array_like, shape (n,)
        Full-batch gradient, per-example gradient standard deviation (>= 0) and the Hessian's
        diagonal at the initial point (any sign; its maximum must be > 0).
    floor_rel, sigma_floor_rel : float
        Floors relative to the largest h and sigma, in (0, 1).

    Returns
    -------
    DiagonalModel
        ``(h, sigma, theta0, h_floored, sigma_floored)``; pass the first three to
        :func:`expected_loss` and :func:`eta_star_multistep`.

    Examples
    --------
    >>> import numpy as np
    >>> m = diagonal_model_from_stats([0.5, -0.2, 0.1], [1.0, 1.0, 0.5], [2.0, -1.0, 1.0], floor_rel=1e-3)
    >>> m.h, m.theta0, m.h_floored  # the negative curvature raised to 1e-3 * 2: theta0 = -0.2/0.002
    (array([2.   , 0.002, 1.   ]), array([   0.25, -100.  ,    0.1 ]), array([False,  True, False]))
    """
    g = _vec("g", g)
    sigma = _vec("sigma", sigma, nonneg=True)
    h = _vec("h_diag", h_diag)
    for name, a in (("sigma", sigma), ("h_diag", h)):
        if a.shape != g.shape:
            raise ValueError(f"{name} must have shape {g.shape} to match g, got shape {a.shape}")
    for name, v in (("floor_rel", floor_rel), ("sigma_floor_rel", sigma_floor_rel)):
        if not (isinstance(v, (int, float, np.floating, np.integer)) and 0 < float(v) < 1):
            raise ValueError(f"{name} must be a real number in (0, 1), got {name} = {v!r}")
    if not h.max() > 0:
        raise ValueError(f"h_diag must have a positive entry (a curvature to floor against), max(h_diag) = {h.max()!r}")
    if not sigma.max() > 0:
        raise ValueError("sigma must have a positive entry (all-zero noise: use the deterministic theory)")
    h_floor = float(floor_rel) * float(h.max())
    low_h = h < h_floor
    h = np.where(low_h, h_floor, h)
    s_floor = float(sigma_floor_rel) * float(sigma.max())
    low_s = sigma < s_floor
    sigma = np.where(low_s, s_floor, sigma)
    return DiagonalModel(h, sigma, g / h, low_h, low_s)


def _default_centre(h, sigma, theta0, optimizer, Bv, eps):
    g = h * theta0
    H = h  # diagonal H as a 1-D array: eta_star's O(n) path (a dense diag(h) costs n^2 memory)
    Bm = float(np.exp(np.mean(np.log(Bv))))
    if optimizer == "sgd":
        return 1.0 / float(h.max())
    kind = "softsign" if optimizer == "softsign" and eps else ("adam" if optimizer == "adam" and eps else "sign")
    return float(eta_star(g, H, sigma, eps if kind != "sign" else 0.0, Bm, kind=kind))


# ---------------------------------------------------------------- regimes law
def _speed(h, sigma, theta0, B, eps, kind):
    sqB = np.sqrt(np.asarray(B, float))[..., None]
    a = np.abs(h * theta0) * sqB / sigma
    b = (eps or 0.0) * sqB / sigma
    return moments(kind, a, np.broadcast_to(b, a.shape))


def eta_travel(h, sigma, theta0, B, steps, eps=None, kind="sign"):
    r"""Travel-limited learning rate of a sign-like update after T steps.

    If every coordinate moves towards 0 at the mean speed :math:`\eta u_i` with
    :math:`u_i = m_1(|a_i|, b_i)` (the one-step moment at :math:`\theta_0`) and has not yet reached
    its noise floor, :math:`L_T \approx \tfrac12\sum_i h_i(|\theta_{0,i}| - \eta T u_i)^2`, minimised
    at

    .. math:: \eta_{travel} = \frac{\sum_i h_i|\theta_{0,i}|u_i}{T\sum_i h_i u_i^2}
              = \eta^*_1\,\frac{\sum_i h_i m_{2,i}}{T \sum_i h_i m_{1,i}^2},

    (:math:`\eta^*_1` the one-step optimum on a diagonal H).  It falls with B because
    :math:`u_i` grows towards 1.  Shape of B.

    Examples
    --------
    >>> import numpy as np
    >>> float(eta_travel([1.0], [1e-9], [2.0], 1.0, 10)[()])  # noiseless: distance / T
    0.2
    """
    h, sigma, theta0 = _check_problem(h, sigma, theta0)
    steps = _check_steps(steps)
    Bv = _positive_array("B", B)
    m1, _ = _speed(h, sigma, theta0, Bv, eps, kind)
    return (m1 * h * np.abs(theta0)).sum(-1) / (steps * (h * m1 * m1).sum(-1))


def eta_regimes(h, sigma, theta0, B, steps, eps=None, kind="sign"):
    r"""The two-regime law :math:`\eta^*_T(B) \approx \eta^*_1(B)\min\{1,\ 1/(T\beta^2(B))\}`.

    :math:`\beta^2 = \sum_i h_i m_{1,i}^2/\sum_i h_i m_{2,i}` is the signal fraction of the update
    (moments at :math:`\theta_0`); :math:`\eta^*_1` the exact one-step optimum
    (:func:`adameps.optimal_lr.eta_star`).  The local regime (:math:`T\beta^2 < 1`) keeps the
    one-step optimum; the travel-limited regime (:math:`T\beta^2 > 1`) is :func:`eta_travel`.
    Returns ``(eta_law, eta_one_step, eta_travel, beta2)``, each of B's shape.

    Examples
    --------
    >>> import numpy as np
    >>> law, one, trav, b2 = eta_regimes([1.0], [1e-9], [2.0], 1.0, 10)
    >>> float(law[()]), float(one[()])  # noiseless: one step would jump 2, ten steps travel 0.2 each
    (0.2, 2.0)
    """
    h, sigma, theta0 = _check_problem(h, sigma, theta0)
    steps = _check_steps(steps)
    Bv = _positive_array("B", B)
    m1, m2 = _speed(h, sigma, theta0, Bv, eps, kind)
    num = (m1 * h * np.abs(theta0)).sum(-1)
    beta2 = (h * m1 * m1).sum(-1) / (h * m2).sum(-1)
    one = num / (h * m2).sum(-1)  # = eta_star for diagonal H (m1^T H m1 + sum (m2 - m1^2) h)
    trav = num / (steps * (h * m1 * m1).sum(-1))
    return one * np.minimum(1.0, 1.0 / (steps * beta2)), one, trav, beta2


def handover_batch(h, sigma, theta0, steps, eps=None, kind="sign", B_lo=1e-6, B_hi=1e12):
    r"""Batch size :math:`B_\times` where :math:`T\beta^2(B_\times) = 1`: local below, travel-limited above.

    :math:`\beta^2(B)` rises from 0 to 1 with B, so the root is unique when it exists; for a single
    coordinate with sign and :math:`a \ll 1`, :math:`\beta^2 = \operatorname{erf}^2(a/\sqrt2)
    \approx 2a^2/\pi` gives :math:`B_\times \approx \pi\sigma^2/(2 g^2 T)`.  Returns ``nan`` if
    :math:`T\beta^2 - 1` does not change sign on ``[B_lo, B_hi]``.

    Examples
    --------
    >>> import numpy as np
    >>> Bx = handover_batch([1.0], [1.0], [1e-2], 100)  # ~ pi sigma^2 / (2 g^2 T) = 157.08
    >>> round(float(Bx), 1)
    157.9
    """
    from scipy.optimize import brentq

    h, sigma, theta0 = _check_problem(h, sigma, theta0)
    steps = _check_steps(steps)

    def F(logB):
        return math.log(steps * float(eta_regimes(h, sigma, theta0, math.exp(logB), steps, eps, kind)[3]))

    lo, hi = math.log(B_lo), math.log(B_hi)
    if not (F(lo) < 0.0 and F(hi) > 1e-9):  # T beta^2 <= 1 for every B at T = 1
        return float("nan")
    return float(math.exp(brentq(F, lo, hi, xtol=1e-10)))


def _floor_coefficients(h, s, eps, kind):
    """Slope c of the stationary floor E[theta^2] = c * eta near 0 (OU approximation), and m2(0)."""
    b = np.broadcast_to((eps or 0.0) / s, s.shape)
    if kind == "sign":
        dm1, m20 = np.full(s.shape, _SQRT_2_OVER_PI), np.ones(s.shape)
    else:
        d = 1e-4
        dm1 = (moments(kind, np.full(s.shape, d), b)[0] - moments(kind, np.full(s.shape, -d), b)[0]) / (2 * d)
        m20 = moments(kind, np.zeros(s.shape), b)[1]
    # drift -eta h m1'(0) x / s, step variance eta^2 m2(0): var = eta m2(0) s / (2 h m1'(0))
    with np.errstate(divide="ignore"):
        return m20 * s / (2.0 * h * dm1), m20


def travel_floor_loss(h, sigma, theta0, lr, B, steps, eps=None, kind="sign"):
    r"""The travel-and-floor model of the T-step loss of a sign-like update.

    Each coordinate travels towards 0 at the mean speed :math:`\eta u_i`,
    :math:`u_i = m_1(|a_i|, b_i)` at :math:`	heta_0`, and, once there, sits in its noise floor, the
    stationary variance of the chain linearised at 0, :math:`\eta c_i`,
    :math:`c_i = m_2(0,b_i)\,s_i/(2h_i\,\partial_a m_1(0,b_i))` (sign: :math:`s_i\sqrt{\pi/2}/(2h_i)`),
    or the diffusion :math:`\eta^2 T m_2(0, b_i)` it can reach in T steps, whichever is smaller:

    .. math:: L_T(\eta) pprox \sum_i 	frac12 h_i\Big[(|	heta_{0,i}| - \eta T u_i)_+^2
              + \min(\eta c_i,\ \eta^2 T m_2(0,b_i))\Big].

    ``lr`` and ``B`` broadcast; returns their broadcast shape.
    """
    h, sigma, theta0 = _check_problem(h, sigma, theta0)
    steps = _check_steps(steps)
    lr = _positive_array("lr", lr)
    Bv = _positive_array("B", B)
    shape = np.broadcast_shapes(lr.shape, Bv.shape)
    lrK = np.broadcast_to(lr, shape).ravel()
    BK = np.broadcast_to(Bv, shape).ravel()
    out = np.empty(lrK.size)
    for b in np.unique(BK):  # the moments depend on B only: once per batch size
        sel = BK == b
        u, c, m20 = _travel_floor_terms(h, sigma, theta0, b, eps, kind)
        out[sel] = _travel_floor_eval(h, theta0, u, c, m20, lrK[sel], steps)
    return out.reshape(shape)


def _travel_floor_terms(h, sigma, theta0, B, eps, kind):
    s = sigma / math.sqrt(B)
    b = np.broadcast_to((eps or 0.0) / s, s.shape)
    u = moments(kind, np.abs(h * theta0) / s, b)[0]
    c, m20 = _floor_coefficients(h, s, eps, kind)
    return u, c, m20


def _travel_floor_eval(h, theta0, u, c, m20, lr, steps):
    lr = np.asarray(lr, float)[:, None]
    trav = np.maximum(np.abs(theta0) - lr * steps * u, 0.0) ** 2
    floor = np.minimum(lr * c, lr * lr * steps * m20)
    return (0.5 * h * (trav + floor)).sum(-1)


def eta_travel_floor(h, sigma, theta0, B, steps, eps=None, kind="sign"):
    r"""Minimiser over :math:`\eta` of :func:`travel_floor_loss`, for every B (shape of B).

    At large B the floors vanish and the minimiser tends to the smallest step that carries the
    coordinates to 0 in T steps, :math:`\eta 	o \max_i |	heta_{0,i}|/(T u_i)` over the coordinates
    that matter, which falls with B because :math:`u_i(B)` rises towards 1.  A 400-point log grid
    over 8 decades locates the minimum, a bounded scalar search in :math:`\log\eta` refines it.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(eta_travel_floor([1.0], [1e-6], [2.0], 1.0, 10)), 4)  # distance / T
    0.2
    """
    from scipy.optimize import minimize_scalar

    Bv = _positive_array("B", B)
    shape = Bv.shape
    Bv = Bv.ravel()
    h, sigma, theta0 = _check_problem(h, sigma, theta0)
    steps = _check_steps(steps)
    scale = float(np.max(np.abs(theta0)))
    grid = scale * np.geomspace(1e-6, 1e2, 400) / steps
    out = np.empty(Bv.size)
    for i, b in enumerate(Bv):
        u, c, m20 = _travel_floor_terms(h, sigma, theta0, float(b), eps, kind)
        F = _travel_floor_eval(h, theta0, u, c, m20, grid, steps)
        j = int(np.argmin(F))
        lo, hi = math.log(grid[max(j - 1, 0)]), math.log(grid[min(j + 1, grid.size - 1)])
        r = minimize_scalar(lambda x: float(_travel_floor_eval(h, theta0, u, c, m20, [math.exp(x)], steps)[0]),
                            bounds=(lo, hi), method="bounded", options={"xatol": 1e-8})
        out[i] = math.exp(r.x)
    return out.reshape(shape)
