"""Defining properties of the post's approximations (adameps.approx)."""

import math

import numpy as np
import pytest
from scipy.special import erf

from adameps.approx import (
    erf_approx_clip,
    erf_approx_softsign,
    m1_approx_erf_slope,
    m1_approx_post,
    m2_approx_post,
    scurve_clip,
    scurve_softsign,
)
from adameps.moments import moments

X = np.linspace(-20, 20, 401)
SLOPE_ERF = 2 / math.sqrt(math.pi)


def _slope0(f, h=1e-7):
    return (f(h) - f(-h)) / (2 * h)


@pytest.mark.parametrize("k", [0.1, 1.0, 3.0, 1e3])
def test_scurves_odd_range_slope(k):
    for f in (lambda x: scurve_softsign(x, k), lambda x: scurve_clip(x, k)):
        y = f(X)
        np.testing.assert_array_equal(f(-X), -y)
        assert (np.abs(y) <= 1).all()
        assert np.all(np.diff(y) >= 0)
        assert _slope0(f) == pytest.approx(k, rel=1e-6)
    assert scurve_softsign(1.0 / k, k) == pytest.approx(1 / math.sqrt(2))
    assert scurve_clip(2.0 / k, k) == 1.0
    assert scurve_softsign(1e300, k) == pytest.approx(1.0)


def test_erf_approximations():
    for f in (erf_approx_softsign, erf_approx_clip):
        np.testing.assert_array_equal(f(-X), -f(X))
        assert _slope0(f) == pytest.approx(SLOPE_ERF, rel=1e-6)
        assert abs(f(10.0)) == pytest.approx(1.0, abs=5e-3)
    assert erf_approx_softsign(math.sqrt(math.pi) / 2) == pytest.approx(1 / math.sqrt(2))
    assert erf_approx_clip(math.sqrt(math.pi) / 2) == pytest.approx(1.0, abs=1e-15)
    assert erf_approx_clip(1.0) == 1.0
    # both are rough approximations of erf (max |error| about 0.108 and 0.210)
    assert np.max(np.abs(erf_approx_softsign(X) - erf(X))) < 0.12
    assert np.max(np.abs(erf_approx_clip(X) - erf(X))) < 0.22


@pytest.mark.parametrize("b", [0.0, 1e-12, 1e-5, 0.3, 1.0, 5.0, 100.0])
def test_m1_approx_erf_slope(b):
    f = lambda a: m1_approx_erf_slope(a, b)  # noqa: E731
    np.testing.assert_array_equal(f(-X), -f(X))
    assert (np.abs(f(X)) < 1).all()
    # slope at a = 0 is the exact clip slope erf(b/sqrt2)/b (sqrt(2/pi) at b = 0)
    slope = math.sqrt(2 / math.pi) if b == 0 else erf(b / math.sqrt(2)) / b
    assert _slope0(f) == pytest.approx(slope, rel=1e-6)
    exact_slope = (moments("clip", 1e-6, b)[0] - moments("clip", -1e-6, b)[0]) / 2e-6
    assert _slope0(f) == pytest.approx(exact_slope, rel=1e-6)


def test_m1_approx_erf_slope_b_to_0_continuous():
    a = np.array([0.0, 0.3, 2.0, -4.0])
    lim = a / np.sqrt(a * a + math.pi / 2)
    np.testing.assert_allclose(m1_approx_erf_slope(a, 0.0), lim, rtol=1e-15)
    np.testing.assert_allclose(m1_approx_erf_slope(a, 1e-9), lim, rtol=1e-15)
    np.testing.assert_allclose(m1_approx_erf_slope(a, 1e-3), lim, rtol=1e-6)
    # the two branches of the internal slope agree at the switch point
    assert m1_approx_erf_slope(1.0, 0.99999e-4) == pytest.approx(m1_approx_erf_slope(1.0, 1.00001e-4), rel=1e-9)


def test_post_approximations():
    a, b = np.meshgrid(np.linspace(-10, 10, 41), np.geomspace(1e-3, 1e3, 13))
    m1 = m1_approx_post(a, b)
    m2 = m2_approx_post(a, b)
    np.testing.assert_array_equal(m1_approx_post(-a, b), -m1)
    np.testing.assert_array_equal(m2_approx_post(-a, b), m2)
    assert (m1 * m1 <= m2 + 1e-15).all() and (m2 <= 1).all() and (m2 > 0).all()
    # known values
    assert m1_approx_post(0.0, 1.0) == 0.0
    assert m1_approx_post(1.0, 0.0) == pytest.approx(1 / math.sqrt(1 + math.pi / 2))
    assert m2_approx_post(0.0, 0.0) == 1.0
    assert m2_approx_post(0.0, 1.0) == pytest.approx(1 - 1 / (1 + math.pi / 2))
    # limits: b -> infinity gives b m1 -> a
    assert 1e8 * m1_approx_post(2.0, 1e8) == pytest.approx(2.0, rel=1e-12)
    # the post's m1 is the erf-slope form with b^2/erf(b/sqrt2)^2 replaced by b^2 + pi/2
    assert m1_approx_post(2.0, 0.0) == pytest.approx(m1_approx_erf_slope(2.0, 0.0), rel=1e-15)


def test_scalar_in_scalar_out():
    for v in (scurve_softsign(0.5, 2.0), scurve_clip(0.5, 2.0), erf_approx_softsign(0.1),
              m1_approx_erf_slope(0.3, 0.2), m1_approx_post(0.3, 0.2), m2_approx_post(0.3, 0.2)):
        assert np.ndim(v) == 0
