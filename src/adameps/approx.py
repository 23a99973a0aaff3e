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
from scipy.special import erf

# The S-curve forms live with the erf figure's code; re-exported here with the moment approximations.
from adameps.scurves import erf_approx_clip, erf_approx_softsign, scurve_clip, scurve_softsign

__all__ = [
    "scurve_softsign",
    "scurve_clip",
    "erf_approx_softsign",
    "erf_approx_clip",
    "m1_approx_erf_slope",
    "m1_approx_post",
    "m2_approx_post",
]

_HALF_PI = math.pi / 2.0
_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _out(x):
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _erf_slope(b):
    """erf(b/sqrt2)/b, continued to sqrt(2/pi) at b = 0 without 0/0."""
    b = np.asarray(b, dtype=np.float64)
    small = b < 1e-4
    bs = np.where(small, 1.0, b)  # placeholder keeps the division finite
    # Taylor: erf(b/sqrt2)/b = sqrt(2/pi) (1 - b^2/6 + b^4/40 - ...); error < 1e-25 here.
    series = _SQRT_2_OVER_PI * (1.0 - b * b / 6.0 + b**4 / 40.0)
    return np.where(small, series, erf(bs / _SQRT2) / bs)


def m1_approx_erf_slope(a, b):
    r""":math:`a/\sqrt{a^2 + b^2/\operatorname{erf}(b/\sqrt2)^2}`.

    S-curve in :math:`a` with the exact clip slope :math:`\operatorname{erf}(b/\sqrt2)/b`
    at :math:`a = 0`; at :math:`b=0` the slope is :math:`\sqrt{2/\pi}`, giving
    :math:`a/\sqrt{a^2+\pi/2}`.
    """
    a = np.asarray(a, dtype=np.float64)
    k = _erf_slope(b)
    return _out(scurve_softsign(a, k))


def m1_approx_post(a, b):
    r""":math:`a/\sqrt{a^2 + b^2 + \pi/2}`."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return _out(a / np.sqrt(a * a + b * b + _HALF_PI))


def m2_approx_post(a, b):
    r""":math:`1 - b^2/(a^2 + b^2 + \pi/2)`."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return _out(1.0 - b * b / (a * a + b * b + _HALF_PI))
