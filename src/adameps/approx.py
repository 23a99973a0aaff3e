r"""The post's closed-form approximations (S-curves and moment approximations).

S-curves (odd, increasing, range :math:`(-1, 1)`, slope :math:`k` at 0):

* :func:`scurve_softsign` :math:`x/\sqrt{x^2 + 1/k^2}`;
* :func:`scurve_clip` :math:`\operatorname{clip}(kx, -1, 1)`.

Approximations to :math:`\operatorname{erf}(x)` (slope :math:`2/\sqrt\pi` at 0):
:func:`erf_approx_softsign` :math:`x/\sqrt{x^2+\pi/4}` and
:func:`erf_approx_clip` :math:`\operatorname{clip}(2x/\sqrt\pi,-1,1)`.

Moment approximations.  The clip closed form has slope
:math:`\partial_a m_1(0, b) = \operatorname{erf}(b/\sqrt2)/b` (average of
:math:`2\phi(a-s)` over :math:`s\in[-b,b]` at :math:`a=0`); an S-curve in :math:`a`
with that slope is :func:`m1_approx_erf_slope`
:math:`a/\sqrt{a^2 + b^2/\operatorname{erf}(b/\sqrt2)^2}`.  Replacing
:math:`b^2/\operatorname{erf}(b/\sqrt2)^2` by :math:`b^2 + \pi/2` (exact at :math:`b\to0`
since :math:`\operatorname{erf}(b/\sqrt2)/b\to\sqrt{2/\pi}`, and :math:`b^2 + O(1)` for
large :math:`b`) gives the post's :func:`m1_approx_post`
:math:`a/\sqrt{a^2+b^2+\pi/2}` and :func:`m2_approx_post`
:math:`1 - b^2/(a^2+b^2+\pi/2)`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import erf

# Same input validation (NaN, b < 0, a and b both infinite) and messages as the exact moments.
from adameps.moments import _prepare

# The S-curve forms live with the erf figure's code; re-exported here with the moment approximations.
from adameps.scurves import _softsign_form, erf_approx_clip, erf_approx_softsign, scurve_clip, scurve_softsign

__all__ = [
    "scurve_softsign",
    "scurve_clip",
    "erf_approx_softsign",
    "erf_approx_clip",
    "m1_approx_erf_slope",
    "m1_approx_post",
    "m2_approx_post",
    "clip_softsign_gap_sup",
]

_HALF_PI = math.pi / 2.0
_SQRT_HALF_PI = math.sqrt(_HALF_PI)
_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _out(x):
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _erf_slope(b):
    """erf(b/sqrt2)/b for b >= 0, continued to sqrt(2/pi) at b = 0 without 0/0 (0 at b = inf)."""
    b = np.asarray(b, dtype=np.float64)
    small = b < 1e-4
    bs = np.where(small, 1.0, b)  # placeholder keeps the division finite
    bt = np.where(small, b, 0.0)  # and the series from overflowing where it is not used
    # Taylor: erf(b/sqrt2)/b = sqrt(2/pi) (1 - b^2/6 + b^4/40 - ...); error < 1e-25 here.
    series = _SQRT_2_OVER_PI * (1.0 - bt * bt / 6.0 + bt**4 / 40.0)
    return np.where(small, series, erf(bs / _SQRT2) / bs)


def _ratio(x, c):
    r""":math:`x/\sqrt{x^2 + c^2}` for ``x, c >= 0``, not both infinite, not both 0.

    ``hypot`` cannot overflow, and the infinite ends are the limits: 1 for
    :math:`x = \infty`, 0 for :math:`c = \infty` (``inf/inf`` is never formed).
    """
    xinf, cinf = np.isinf(x), np.isinf(c)
    xf = np.where(xinf, 1.0, x)
    cf = np.where(cinf, 1.0, c)
    r = xf / np.hypot(xf, cf)
    return np.where(xinf, 1.0, np.where(cinf, 0.0, r))


def m1_approx_erf_slope(a, b):
    r""":math:`a/\sqrt{a^2 + b^2/\operatorname{erf}(b/\sqrt2)^2}`.

    S-curve in :math:`a` with the exact clip slope :math:`\operatorname{erf}(b/\sqrt2)/b`
    at :math:`a = 0`; at :math:`b=0` the slope is :math:`\sqrt{2/\pi}`, giving
    :math:`a/\sqrt{a^2+\pi/2}`.  Limits: :math:`\pm1` at :math:`a=\pm\infty`, 0 at
    :math:`b=\infty`.  ``ValueError`` (as :func:`adameps.moments.moments`) for NaN, negative
    ``b`` or both infinite.

    Examples
    --------
    >>> round(float(m1_approx_erf_slope(1.0, 2.0)), 10)   # exact softsign m1: 0.3712
    0.4307127834
    """
    a, b, _ = _prepare(a, b)
    # slope 0 at b = inf: the S-curve is 0 there (a is finite, both-infinite was rejected)
    return _out(_softsign_form(a, _erf_slope(b)))


def m1_approx_post(a, b):
    r""":math:`a/\sqrt{a^2 + b^2 + \pi/2}`.

    Evaluated as :math:`\operatorname{sign}(a)\,|a|/\operatorname{hypot}(|a|, c)`,
    :math:`c = \operatorname{hypot}(b, \sqrt{\pi/2})`, so no square overflows; limits
    :math:`\pm1` at :math:`a = \pm\infty`, 0 at :math:`b = \infty`.  ``ValueError`` for NaN,
    negative ``b`` or both infinite.

    Examples
    --------
    >>> round(float(m1_approx_post(1.0, 2.0)), 10)   # exact softsign m1: 0.3712
    0.3901135159
    """
    a, b, _ = _prepare(a, b)
    return _out(np.sign(a) * _ratio(np.abs(a), np.hypot(b, _SQRT_HALF_PI)))


def m2_approx_post(a, b):
    r""":math:`1 - b^2/(a^2 + b^2 + \pi/2) = (a^2 + \pi/2)/(a^2 + b^2 + \pi/2)`.

    Evaluated as :math:`(A/\operatorname{hypot}(A, b))^2` with
    :math:`A = \operatorname{hypot}(a, \sqrt{\pi/2})`: the literal :math:`1 - b^2/(\dots)`
    cancels for :math:`b \gg |a|` (all digits lost at :math:`b \approx 10^8`, 0 instead of
    :math:`(a^2+\pi/2)/b^2`).  Limits: 1 at :math:`a = \pm\infty`, 0 at :math:`b = \infty`.
    ``ValueError`` for NaN, negative ``b`` or both infinite.

    Examples
    --------
    >>> round(float(m2_approx_post(1.0, 2.0)), 10)   # exact softsign m2: 0.2549
    0.3912457789
    >>> round(float(m2_approx_post(1.0, 1e9) * 1e18), 12)   # (a^2 + pi/2)/b^2, no cancellation
    2.570796326795
    """
    a, b, _ = _prepare(a, b)
    return _out(_ratio(np.hypot(a, _SQRT_HALF_PI), b) ** 2)


def clip_softsign_gap_sup(power=1):
    r"""Supremum over the whole (a, b) plane of the clip stand-in's error in :math:`m_p`, and where.

    With :math:`t = x/b`, clip and softsign are :math:`\operatorname{clip}(t,-1,1)` and
    :math:`t/\sqrt{1+t^2}`, so the error of the clip moment is the Gaussian average
    :math:`\mathbb E[e_p((a+z)/b)]` of the noiseless gap
    :math:`e_p(t) = \operatorname{clip}(t)^p - (t/\sqrt{1+t^2})^p`.  Hence
    :math:`|m_p^{\rm clip} - m_p^{\rm softsign}| \le \sup_t |e_p(t)|`, with equality approached
    as :math:`a = tb`, :math:`b\to\infty` (the noise's share vanishes): the bound is the supremum.
    :math:`e_p \ge 0` on :math:`t \ge 0` and even or odd, so the sup is a maximum over
    :math:`t\ge0`, found by bounded Brent on :math:`[0, 4]` (the kink limits the accuracy to about 1e-8); it sits at the kink :math:`t = 1`:
    :math:`1 - 1/\sqrt2` for ``power=1`` and :math:`1/2` for ``power=2``.
    Returns ``(sup, t_star)``.

    >>> s, t = clip_softsign_gap_sup(1)
    >>> bool(abs(s - (1 - 2 ** -0.5)) < 1e-7), bool(abs(t - 1) < 1e-4)
    (True, True)
    >>> bool(abs(clip_softsign_gap_sup(2)[0] - 0.5) < 1e-7)
    True
    """
    if power not in (1, 2):
        raise ValueError(f"power must be 1 (m1) or 2 (m2), got {power!r}")

    def gap(t):
        return float(np.clip(t, -1.0, 1.0) ** power - (t / math.sqrt(1.0 + t * t)) ** power)

    res = minimize_scalar(lambda t: -gap(t), bounds=(0.0, 4.0), method="bounded",
                          options={"xatol": 1e-12})
    return -float(res.fun), float(res.x)
