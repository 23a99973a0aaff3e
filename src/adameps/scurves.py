r"""S-curves and the post's two approximations of them, applied to ``erf``.

An *S-curve* here is a smooth, odd, increasing function :math:`S` with range
:math:`(-1, 1)` and slope :math:`k = S'(0) > 0`.  The post approximates any such
curve by one of two functions that keep the slope at the origin and the range:

.. math::

    S(x) \approx \frac{x}{\sqrt{x^2 + 1/k^2}}  \qquad\text{(softsign form)}

    S(x) \approx \operatorname{clip}(kx, -1, 1) \qquad\text{(clip form)}

For ``erf`` the slope is :math:`k = 2/\sqrt{\pi}`, which gives
:math:`\operatorname{erf}(x) \approx x/\sqrt{x^2 + \pi/4}` and
:math:`\operatorname{erf}(x) \approx \operatorname{clip}(2x/\sqrt{\pi}, -1, 1)`.

This module also locates the maximum absolute error of each approximation over
the whole real line, exactly (by the stationarity condition, not a grid):

* clip form: :math:`kx - \operatorname{erf}(x)` increases on
  :math:`[0, 1/k]` (its derivative is :math:`k(1 - e^{-x^2}) \ge 0`) and
  :math:`1 - \operatorname{erf}(x)` decreases beyond, so the maximum sits at the
  kink :math:`x^* = 1/k = \sqrt{\pi}/2` with value
  :math:`1 - \operatorname{erf}(\sqrt{\pi}/2)`.
* softsign form: the error :math:`e(x) = \operatorname{erf}(x) - x/\sqrt{x^2+\pi/4}`
  is positive on :math:`(0, \infty)` and vanishes at both ends; its maximum is the
  root of :math:`e'(x) = \tfrac{2}{\sqrt\pi} e^{-x^2} - \tfrac{\pi}{4}(x^2+\pi/4)^{-3/2}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

__all__ = [
    "ERF_SLOPE",
    "ERF_APPROXIMATIONS",
    "scurve_softsign",
    "scurve_clip",
    "erf_approx_softsign",
    "erf_approx_clip",
    "erf_approx",
    "erf_approx_error",
    "MaxError",
    "erf_approx_max_error",
]

#: Slope of erf at the origin, :math:`k = 2/\sqrt{\pi}`.
ERF_SLOPE = 2.0 / np.sqrt(np.pi)

#: The erf approximations of the post, by name (used for results keys and figure labels).
ERF_APPROXIMATIONS = ("softsign", "clip")


def _check_x_k(x, k):
    """Float arrays ``(x, k)``; ``ValueError`` naming the argument for NaN ``x`` or ``k`` not in (0, inf)."""
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"x must be real numbers, got x={x!r}") from None
    try:
        k = np.asarray(k, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"k must be real numbers, got k={k!r}") from None
    if np.isnan(x).any():
        raise ValueError("x must not be NaN, got x=nan")
    bad = ~(np.isfinite(k) & (k > 0))
    if bad.any():
        raise ValueError(f"k (the slope at 0) must be finite and > 0, got k={float(k[bad].flat[0])!r}")
    return x, k


def _kx(x, k):
    # k*x overflows to +-inf only for |x| near the float limit, where both S-curves are
    # +-1; an infinite kx gives exactly that below, so the overflow is harmless.
    with np.errstate(over="ignore"):
        return np.multiply(k, x)


def _softsign_form(x, k):
    """``kx/sqrt(1 + (kx)^2)`` for validated ``x``, ``k >= 0``; ``+-1`` where ``kx = +-inf``."""
    kx = _kx(x, k)
    out = np.array(np.sign(kx), dtype=np.float64)
    # hypot(1, kx) cannot overflow for finite kx; inf/inf is avoided by the where.
    np.divide(kx, np.hypot(1.0, kx), out=out, where=np.isfinite(kx))
    return out[()] if out.ndim == 0 else out


def scurve_softsign(x, k):
    r"""Softsign-form S-curve with slope ``k`` at 0: :math:`x / \sqrt{x^2 + 1/k^2}`.

    Written as :math:`kx / \sqrt{1 + (kx)^2}` so that ``|x|`` up to ``1e308`` does not
    overflow the square; :math:`x = \pm\infty` gives :math:`\pm1`.  ``ValueError`` for
    NaN ``x`` or ``k`` outside :math:`(0, \infty)`.

    Examples
    --------
    >>> float(scurve_softsign(1.0, 1.0)), float(scurve_softsign(np.inf, 2.0))
    (0.7071067811865475, 1.0)
    """
    x, k = _check_x_k(x, k)
    return _softsign_form(x, k)


def scurve_clip(x, k):
    r"""Clip-form S-curve with slope ``k`` at 0: :math:`\operatorname{clip}(kx, -1, 1)`.

    ``ValueError`` for NaN ``x`` or ``k`` outside :math:`(0, \infty)`.

    Examples
    --------
    >>> scurve_clip([0.5, 2.0], 1.0)
    array([0.5, 1. ])
    """
    x, k = _check_x_k(x, k)
    out = np.clip(_kx(x, k), -1.0, 1.0)
    return out[()] if out.ndim == 0 else out


def erf_approx_softsign(x):
    r"""The post's smooth erf approximation :math:`x/\sqrt{x^2 + \pi/4}`.

    Examples
    --------
    >>> round(float(erf_approx_softsign(0.5)), 10)   # erf(0.5) = 0.5205
    0.4913786798
    """
    return scurve_softsign(x, ERF_SLOPE)


def erf_approx_clip(x):
    r"""The post's piecewise-linear erf approximation :math:`\operatorname{clip}(2x/\sqrt\pi, -1, 1)`.

    Examples
    --------
    >>> round(float(erf_approx_clip(0.5)), 10), float(erf_approx_clip(1.0))
    (0.5641895835, 1.0)
    """
    return scurve_clip(x, ERF_SLOPE)


def erf_approx(kind, x):
    """Dispatch to :func:`erf_approx_softsign` or :func:`erf_approx_clip` by ``kind``.

    Examples
    --------
    >>> float(erf_approx("clip", 0.5)) == float(erf_approx_clip(0.5))
    True
    """
    if kind == "softsign":
        return erf_approx_softsign(x)
    if kind == "clip":
        return erf_approx_clip(x)
    raise ValueError(f"kind must be one of {ERF_APPROXIMATIONS}, got {kind!r}")


def erf_approx_error(kind, x):
    r"""Signed error :math:`\text{approx}(x) - \operatorname{erf}(x)` of an erf approximation.

    Examples
    --------
    >>> round(float(erf_approx_error("softsign", 1.0)), 10)
    -0.0943030688
    """
    return erf_approx(kind, x) - special.erf(x)


@dataclass(frozen=True)
class MaxError:
    """Location and size of the largest absolute error over the real line.

    The error is odd in ``x``, so the maximum is attained at ``±x``; ``x`` is the
    positive one and ``signed_error = approx(x) - erf(x)`` there.

    Examples
    --------
    >>> MaxError(x=1.0, abs_error=0.1, signed_error=-0.1).abs_error
    0.1
    """

    x: float
    abs_error: float
    signed_error: float


def _softsign_error_slope(x):
    # d/dx [erf(x) - x/sqrt(x^2 + pi/4)]; its positive root is the maximiser.
    c = np.pi / 4.0
    return ERF_SLOPE * np.exp(-x * x) - c / (x * x + c) ** 1.5


def erf_approx_max_error(kind) -> MaxError:
    """Maximum absolute error of an erf approximation over the whole real line.

    ``"clip"``: at the kink :math:`x^* = \\sqrt\\pi/2`, exactly (see module docstring).
    ``"softsign"``: at the root of the error's derivative on :math:`(0, 3)`, bracketed
    (the derivative is positive at ``0.5`` and negative at ``3``) and solved by
    Brent's method to machine precision.

    Examples
    --------
    >>> w = erf_approx_max_error("clip")      # at the kink sqrt(pi)/2
    >>> round(w.x, 10), round(w.abs_error, 6)
    (0.8862269255, 0.210091)
    >>> w = erf_approx_max_error("softsign")
    >>> round(w.x, 6), round(w.signed_error, 6)
    (1.330103, -0.107838)
    """
    if kind == "clip":
        x_star = 1.0 / ERF_SLOPE
    elif kind == "softsign":
        x_star = optimize.brentq(_softsign_error_slope, 0.5, 3.0, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    else:
        raise ValueError(f"kind must be one of {ERF_APPROXIMATIONS}, got {kind!r}")
    err = float(erf_approx_error(kind, x_star))
    return MaxError(x=float(x_star), abs_error=abs(err), signed_error=err)
