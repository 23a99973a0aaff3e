"""Measuring an approximation against exact values on a grid: worst and mean absolute error, and where."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ErrorSummary:
    """``max_abs`` = max |approx - exact| over the grid, attained at grid coordinates ``at``;
    ``mean_abs`` = mean |approx - exact| over the grid (each grid point weighted equally);
    ``signed_at_max`` = approx - exact at that point."""

    max_abs: float
    mean_abs: float
    signed_at_max: float
    at: tuple


def abs_error_summary(approx, exact, *axes) -> ErrorSummary:
    """Summarise ``approx - exact`` on the grid spanned by ``axes`` (``approx.shape == [len(x) for x in axes]``).

    ``at`` holds the coordinate of the worst point along each axis, in the order given.
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
