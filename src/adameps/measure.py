"""Measuring an approximation against exact values on a grid: worst and mean absolute error, and where."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ErrorSummary", "abs_error_summary"]


@dataclass(frozen=True)
class ErrorSummary:
    """``max_abs`` = max |approx - exact| over the grid, attained at grid coordinates ``at``;
    ``mean_abs`` = mean |approx - exact| over the grid (each grid point weighted equally);
    ``signed_at_max`` = approx - exact at that point.

    Examples
    --------
    >>> ErrorSummary(max_abs=0.5, mean_abs=0.1, signed_at_max=-0.5, at=(1.0,)).at
    (1.0,)
    """

    max_abs: float
    mean_abs: float
    signed_at_max: float
    at: tuple


def abs_error_summary(approx, exact, *axes) -> ErrorSummary:
    """Summarise ``approx - exact`` on the grid spanned by ``axes`` (``approx.shape == [len(x) for x in axes]``).

    ``at`` holds the coordinate of the worst point along each axis, in the order given.

    Examples
    --------
    >>> x, y = np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0])
    >>> exact = np.zeros((2, 3))
    >>> approx = np.array([[0.0, 0.1, 0.0], [0.0, 0.0, -0.3]])
    >>> s = abs_error_summary(approx, exact, y, x)
    >>> s.max_abs, s.signed_at_max, s.at
    (0.3, -0.3, (20.0, 2.0))
    """
    approx, exact = np.asarray(approx, dtype=float), np.asarray(exact, dtype=float)
    shape = tuple(len(x) for x in axes)
    if approx.shape != exact.shape or approx.shape != shape:
        raise ValueError(f"approx {approx.shape}, exact {exact.shape} and axes {shape} must agree")
    if not (np.all(np.isfinite(approx)) and np.all(np.isfinite(exact))):
        raise ValueError("approx and exact must be finite everywhere on the grid")
    err = approx - exact
    i = np.unravel_index(np.argmax(np.abs(err)), err.shape)
    return ErrorSummary(
        max_abs=float(np.abs(err[i])),
        mean_abs=float(np.mean(np.abs(err))),
        signed_at_max=float(err[i]),
        at=tuple(float(x[k]) for x, k in zip(axes, i)),
    )


def grid_argmax(values, closed=None):
    """Index of the largest entry of ``values`` and whether it lies on the edge of its grid.

    ``closed`` (one bool per axis, default all True) says which axes end at a real boundary of
    the grid; an axis whose first point is a symmetry axis (e.g. ``a = 0`` for the even/odd
    moments) is not an edge there, so pass ``closed=(True, "upper")`` to count only its upper end.
    Each entry is True (both ends are edges), False (neither), ``"lower"`` or ``"upper"``.
    A maximum on an edge is a grid value, not a supremum: say so where it is reported.

    >>> grid_argmax([[0, 1, 0], [0, 3, 0]])
    ((1, 1), True)
    >>> grid_argmax([[0, 5, 0], [0, 3, 0]], closed=(False, True))
    ((0, 1), False)
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("values must be a non-empty finite array")
    closed = (True,) * values.ndim if closed is None else tuple(closed)
    if len(closed) != values.ndim:
        raise ValueError(f"closed must have one entry per axis ({values.ndim}), got {len(closed)}")
    i = np.unravel_index(int(np.argmax(values)), values.shape)
    edge = False
    for k, n, c in zip(i, values.shape, closed):
        lower = c is True or c == "lower"
        upper = c is True or c == "upper"
        edge |= (lower and k == 0) or (upper and k == n - 1)
    return tuple(int(k) for k in i), bool(edge)
