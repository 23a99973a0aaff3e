r"""The per-coordinate update maps :math:`\varphi(x; b)` of sign-like optimisers: their one home.

==========  ==========================================  ======================================
kind        :math:`\varphi(x; b)`                        optimiser
==========  ==========================================  ======================================
sign        :math:`\operatorname{sign}(x)`               SignSGD
softsign    :math:`x/\sqrt{x^2+b^2}`                     SoftSignSGD (Adam with
                                                         :math:`\beta_1=\beta_2=0`, eps inside
                                                         the root)
clip        :math:`\operatorname{clip}(x/b, -1, 1)`      clipped SGD, rescaled
adam        :math:`x/(|x|+b)`                            Adam's first step (eps outside the root)
==========  ==========================================  ======================================

Every map is odd in :math:`x`, bounded by 1 and tends to sign as :math:`b \to 0`.
:mod:`adameps.moments` integrates them against a Gaussian, :mod:`adameps.montecarlo` samples
them, :mod:`adameps.optimal_lr` uses the noiseless update :math:`u = \varphi(g; \epsilon)`, and
:mod:`adameps.optimizers` steps with them.

The bare forms (:func:`softsign`, :func:`clip`, :func:`adam`) are the formulas, for ``b > 0``
and finite ``x``, fast enough for a training loop; :func:`update_map` validates its inputs
and takes the limits at ``b = 0`` and ``x = \pm\infty``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KINDS", "check_kind", "sign", "softsign", "clip", "adam", "update_map"]

#: The update maps, in the order the paper's tables list them.
KINDS = ("sign", "softsign", "clip", "adam")

_TINY = np.finfo(np.float64).tiny


def check_kind(kind):
    """Return ``kind`` if it is one of :data:`KINDS`, else raise ``ValueError`` naming it.

    Examples
    --------
    >>> check_kind("adam")
    'adam'
    >>> check_kind("lion")
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of ('sign', 'softsign', 'clip', 'adam'), got kind='lion'
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got kind={kind!r}")
    return kind


def sign(x, b=None):
    r"""SignSGD's map :math:`\operatorname{sign}(x)` (``sign(0) = 0``); ``b`` is ignored.

    Examples
    --------
    >>> sign([-2.0, 0.0, 3.0])
    array([-1.,  0.,  1.])
    """
    return np.sign(x)


def softsign(x, b):
    r"""SoftSign's map :math:`x/\sqrt{x^2+b^2}` for ``b > 0``.

    Evaluated as ``x / sqrt(x*x + b*b)``; where that sum of squares overflows or underflows
    (:math:`x^2 + b^2` outside the normal floating-point range) as ``x / hypot(x, b)``, which
    cannot.  (Not ``hypot`` everywhere: it is slower, and the plain form is the one every
    stored result was computed with; both agree to within 2 ulp in the normal range.)

    Parameters
    ----------
    x : array_like
        Gradient (or noisy gradient) entries, finite.
    b : float or array_like
        :math:`\epsilon` (or :math:`b = \epsilon\sqrt B/\sigma`), ``> 0``; broadcasts with ``x``.

    Examples
    --------
    >>> float(softsign(3.0, 4.0))
    0.6
    >>> softsign([1e200, -1e-200], [1.0, 1e-200])   # no overflow, no 0/0
    array([ 1.        , -0.70710678])
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        d = x * x + np.multiply(b, b, dtype=np.float64)
        out = x / np.sqrt(d)
    if d.size and not (np.min(d) >= _TINY and np.max(d) < np.inf):
        bad = ~((d >= _TINY) & (d < np.inf))
        xb, bb = np.broadcast_arrays(x, np.asarray(b, dtype=np.float64))
        out = np.array(out, dtype=np.float64)
        out[bad] = xb[bad] / np.hypot(xb[bad], bb[bad])
    return out[()] if np.ndim(out) == 0 else out


def clip(x, b):
    r"""The clipped map :math:`\operatorname{clip}(x/b, -1, 1)` for ``b > 0``.

    Examples
    --------
    >>> clip([-3.0, 0.5, 3.0], 1.0)
    array([-1. ,  0.5,  1. ])
    """
    return np.clip(np.divide(x, b), -1.0, 1.0)


def adam(x, b):
    r"""Adam's first-step map :math:`x/(|x|+b)` for ``b >= 0``, not both zero.

    Examples
    --------
    >>> adam([-1.0, 3.0], 1.0)
    array([-0.5 ,  0.75])
    """
    return np.divide(x, np.abs(x) + b)


_FORMS = {"softsign": softsign, "clip": clip, "adam": adam}


def update_map(kind, x, b):
    r"""The update map :math:`\varphi(x; b)` of ``kind`` (vectorised over ``x`` and ``b``; ``b >= 0``).

    sign: :math:`\operatorname{sign}(x)`; softsign: :math:`x/\sqrt{x^2+b^2}`;
    clip: :math:`\operatorname{clip}(x/b,-1,1)`; adam: :math:`x/(|x|+b)`.
    Where ``b = 0`` every kind gives sign (their common limit), and :math:`x = \pm\infty`
    with finite ``b`` gives :math:`\pm1`.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    x : array_like
        Points, not NaN (may be infinite).
    b : float or array_like
        Scale, ``>= 0``, not NaN; broadcasts with ``x``.

    Returns
    -------
    numpy.ndarray or float
        :math:`\varphi(x; b)`, of the broadcast shape (a float for scalar inputs).

    Raises
    ------
    ValueError
        For an unknown ``kind``, NaN ``x`` or ``b``, negative ``b``, or ``x`` and ``b`` both
        infinite.

    Examples
    --------
    >>> update_map("softsign", [3.0, -3.0], 4.0)
    array([ 0.6, -0.6])
    >>> float(update_map("adam", np.inf, 1.0)), float(update_map("clip", 2.0, 0.0))
    (1.0, 1.0)
    """
    check_kind(kind)
    x = np.asarray(x, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if np.isnan(x).any():
        raise ValueError("x must not be NaN, got x=nan")
    bad = np.isnan(b) | (b < 0)
    if bad.any():
        raise ValueError(f"b must be >= 0 and not NaN, got b={float(b[bad].flat[0])!r}")
    if kind == "sign":
        return np.sign(x)
    form = _FORMS[kind]
    if b.ndim == 0 and 0 < b and np.isfinite(x).all():
        return form(x, b)  # the common case: no special values
    x, b = np.broadcast_arrays(x, b)
    if (np.isinf(x) & np.isinf(b)).any():
        raise ValueError("x and b are both infinite: the update map has no limit there")
    # The formulas would form 0/0 at x = b = 0 (softsign, adam), x/0 (clip) and inf/inf at
    # x = +-inf; those points take the limits above instead.
    out = np.array(np.sign(x), dtype=np.float64)
    regular = (b > 0) & np.isfinite(x)
    out[regular] = form(x[regular], b[regular])
    return out[()] if out.ndim == 0 else out
