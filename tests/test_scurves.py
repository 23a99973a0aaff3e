"""The erf S-curve approximations: values, defining properties, and the exact worst errors
checked against an independent dense evaluation in 30-digit mpmath."""

import math

import mpmath as mp
import numpy as np
import pytest
from scipy import special

from adameps import scurves


@pytest.mark.parametrize("kind", scurves.ERF_APPROXIMATIONS)
def test_odd_bounded_and_matching_slope(kind):
    x = np.linspace(-20, 20, 4001)
    y = scurves.erf_approx(kind, x)
    np.testing.assert_array_equal(y, -scurves.erf_approx(kind, -x))
    assert np.all(np.abs(y) <= 1.0)
    assert np.all(np.diff(y) >= 0)
    h = 1e-7
    slope = (scurves.erf_approx(kind, h) - scurves.erf_approx(kind, -h)) / (2 * h)
    assert slope == pytest.approx(2 / math.sqrt(math.pi), rel=1e-8)


def test_known_values():
    # x/sqrt(x^2 + pi/4) at x = sqrt(pi)/2 is 1/sqrt(2); clip saturates there.
    x = math.sqrt(math.pi) / 2
    assert scurves.erf_approx_softsign(x) == pytest.approx(1 / math.sqrt(2), rel=1e-15)
    assert scurves.erf_approx_clip(x) == pytest.approx(1.0, rel=1e-15)
    assert scurves.erf_approx_clip(0.5 * x) == pytest.approx(0.5, rel=1e-15)
    # Softsign form is overflow-safe: no inf/inf at huge arguments.
    assert scurves.erf_approx_softsign(1e300) == 1.0
    assert scurves.erf_approx_softsign(-1e300) == -1.0


def test_limits_at_infinity():
    x = np.array([10.0, 100.0, 1e4])
    # 1 - x/sqrt(x^2 + pi/4) ~ pi/(8 x^2): the algebraic tail the paper mentions.
    np.testing.assert_allclose(1 - scurves.erf_approx_softsign(x), math.pi / (8 * x**2), rtol=1e-2)


def test_generic_scurves_reduce_to_erf_forms():
    x = np.linspace(-4, 4, 81)
    k = scurves.ERF_SLOPE
    np.testing.assert_allclose(scurves.scurve_softsign(x, k), x / np.sqrt(x**2 + 1 / k**2), rtol=1e-15)
    np.testing.assert_array_equal(scurves.scurve_clip(x, k), np.clip(k * x, -1, 1))


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="'tanh'"):
        scurves.erf_approx("tanh", 1.0)
    with pytest.raises(ValueError, match="'tanh'"):
        scurves.erf_approx_max_error("tanh")


def _mp_error(kind, x):
    x = mp.mpf(x)
    k = 2 / mp.sqrt(mp.pi)
    approx = x / mp.sqrt(x**2 + mp.pi / 4) if kind == "softsign" else max(-1, min(1, k * x))
    return approx - mp.erf(x)


@pytest.mark.parametrize("kind", scurves.ERF_APPROXIMATIONS)
def test_max_error_against_dense_mpmath(kind):
    """Independent check: a dense 30-digit grid, refined by mpmath's own optimiser, never beats
    the library's maximiser, and agrees with it on location and size."""
    mp.mp.dps = 30
    worst = scurves.erf_approx_max_error(kind)
    grid = [i / 400 for i in range(1, 400 * 8)]  # (0, 8], step 0.0025
    errs = [abs(_mp_error(kind, x)) for x in grid]
    i = max(range(len(errs)), key=errs.__getitem__)
    assert float(errs[i]) <= worst.abs_error * (1 + 1e-14)
    assert abs(grid[i] - worst.x) <= 0.0025
    if kind == "softsign":
        # Refine the grid maximum with mpmath's root finder on the derivative (independent of scipy).
        d = lambda x: mp.diff(lambda t: _mp_error(kind, t), x)  # noqa: E731
        x_mp = mp.findroot(d, grid[i])
        assert float(x_mp) == pytest.approx(worst.x, rel=1e-12)
        assert float(abs(_mp_error(kind, x_mp))) == pytest.approx(worst.abs_error, rel=1e-13)
    else:
        # Closed form: the kink sqrt(pi)/2, where the error is 1 - erf(sqrt(pi)/2).
        assert worst.x == pytest.approx(float(mp.sqrt(mp.pi) / 2), rel=1e-15)
        assert worst.abs_error == pytest.approx(float(1 - mp.erf(mp.sqrt(mp.pi) / 2)), rel=1e-14)
    assert worst.signed_error == pytest.approx(float(_mp_error(kind, worst.x)), rel=1e-13)


@pytest.mark.parametrize("kind", scurves.ERF_APPROXIMATIONS)
def test_max_error_dominates_numpy_grid(kind):
    x = np.linspace(0, 50, 2_000_001)
    err = np.abs(scurves.erf_approx(kind, x) - special.erf(x))
    worst = scurves.erf_approx_max_error(kind)
    assert err.max() <= worst.abs_error * (1 + 1e-12)
    # A grid of step h comes within L*h/2 of the true maximum, L = 2k bounding |error'|.
    h = x[1] - x[0]
    assert err.max() >= worst.abs_error - scurves.ERF_SLOPE * h
