"""Tests for adameps.moments: accuracy against mpmath, scipy quad and Monte Carlo,
symmetry, bounds, limits, broadcasting and validation."""

import json
import math
import pathlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import erf

import adameps.moments as M
from adameps.moments import moments, softsign_m1, softsign_m2
from adameps.montecarlo import moments_mc
from adameps.update_maps import KINDS, update_map

REF = json.loads((pathlib.Path(__file__).parents[1] / "data" / "moments_mpmath.json").read_text())["rows"]
NUMERIC_KINDS = ("softsign", "clip", "adam")
RTOL, ATOL = 1e-9, 1e-13


def _err(x, ref):
    """Relative error, or absolute error where the reference is below ATOL."""
    x = np.asarray(x, dtype=float)
    ref = np.asarray(ref, dtype=float)
    return np.abs(x - ref) / np.where(np.abs(ref) < ATOL, ATOL / RTOL, np.abs(ref))


def _within(x, ref):
    return np.abs(np.asarray(x) - ref) <= np.maximum(RTOL * np.abs(ref), ATOL)


# ----------------------------------------------------------------- accuracy


@pytest.mark.parametrize("kind", NUMERIC_KINDS)
def test_against_mpmath_table(kind):
    rows = [r for r in REF if r["kind"] == kind]
    assert len(rows) >= 60
    a = np.array([r["a"] for r in rows])
    b = np.array([r["b"] for r in rows])
    r1 = np.array([float(r["m1"]) for r in rows])
    r2 = np.array([float(r["m2"]) for r in rows])
    m1, m2 = moments(kind, a, b)
    bad1 = ~_within(m1, r1)
    bad2 = ~_within(m2, r2)
    assert not bad1.any(), list(zip(a[bad1], b[bad1], m1[bad1], r1[bad1]))
    assert not bad2.any(), list(zip(a[bad2], b[bad2], m2[bad2], r2[bad2]))


@pytest.mark.parametrize(
    "kind,a,b",
    [("softsign", 2.2, 3e-4), ("clip", 0.7, 0.6), ("adam", -4.0, 0.02), ("clip", 20.0, 19.0), ("adam", 13.0, 2.0)],
)
def test_against_mpmath_live(kind, a, b):
    """The stored table is reproducible: recompute a few points (not in the table) live."""
    from mpmath_reference import reference

    r1, r2 = (float(v) for v in reference(kind, a, b, dps=20))
    m1, m2 = moments(kind, a, b)
    assert _within(m1, r1) and _within(m2, r2)


def test_sign_kind_exact():
    a = np.array([-3.0, -0.2, 0.0, 1e-8, 0.5, 40.0])
    m1, m2 = moments("sign", a, 0.7)
    np.testing.assert_allclose(m1, erf(a / math.sqrt(2)), rtol=1e-15, atol=0)
    np.testing.assert_array_equal(m2, 1.0)


def _quad_moments(kind, a, b):
    pts = sorted({-a - b, -a, -a + b} | {-a + s * b * 10.0**k for k in range(-6, 2) for s in (-1, 1)})
    grid = [-12.0] + [p for p in pts if -12.0 < p < 12.0] + [12.0]
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    out = []
    for p in (1, 2):
        f = lambda z: float(update_map(kind, a + z, b)) ** p * pdf(z)  # noqa: E731
        out.append(sum(quad(f, lo, hi, epsabs=1e-16, epsrel=1e-12, limit=200)[0] for lo, hi in zip(grid, grid[1:])))
    return out


QUAD_POINTS = [(0.4, 1e-4), (-2.5, 0.3), (1.0, 1.0), (6.0, 5.5), (0.02, 20.0), (15.0, 2.0), (3.0, 300.0)]


@pytest.mark.parametrize("kind", NUMERIC_KINDS)
def test_against_scipy_quad(kind):
    for a, b in QUAD_POINTS:
        q1, q2 = _quad_moments(kind, a, b)
        m1, m2 = moments(kind, a, b)
        assert abs(m1 - q1) <= 1e-9 * abs(q1) + 1e-13, (a, b, m1, q1)
        assert abs(m2 - q2) <= 1e-9 * abs(q2) + 1e-13, (a, b, m2, q2)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("a,b", [(0.3, 0.05), (-1.5, 1.0), (2.0, 3.0), (0.0, 0.7)])
def test_against_monte_carlo(kind, a, b):
    rng = np.random.default_rng(12345)
    e1, e2, s1, s2 = moments_mc(kind, a, b, 200_000, rng)
    m1, m2 = moments(kind, a, b)
    assert abs(m1 - e1) <= 5 * s1 + 1e-15
    assert abs(m2 - e2) <= 5 * s2 + 1e-15


# ----------------------------------------------------------------- structure (hypothesis)

a_st = st.floats(-60.0, 60.0, allow_nan=False)
logb_st = st.floats(-12.0, 12.0)


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(KINDS), a=a_st, logb=logb_st)
def test_symmetry_and_bounds(kind, a, logb):
    b = 10.0**logb
    m1, m2 = moments(kind, a, b)
    n1, n2 = moments(kind, -a, b)
    assert n1 == -m1
    assert n2 == m2
    assert 0.0 <= m2 <= 1.0
    assert m1 * m1 <= m2 + 1e-15
    assert abs(m1) <= 1.0
    if a > 0:
        assert m1 >= 0.0


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(NUMERIC_KINDS), a=st.floats(-30.0, 30.0))
def test_small_b_limit_is_sign(kind, a):
    m1, m2 = moments(kind, a, 1e-12)
    assert abs(m1 - erf(a / math.sqrt(2))) <= 1e-10
    assert abs(m2 - 1.0) <= 1e-10
    z1, z2 = moments(kind, a, 0.0)
    assert z1 == pytest.approx(erf(a / math.sqrt(2)), rel=1e-15, abs=0) and z2 == 1.0


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(NUMERIC_KINDS), a=st.floats(-30.0, 30.0))
def test_large_b_limit(kind, a):
    b = 1e10
    m1, m2 = moments(kind, a, b)
    # b m1 -> a and b^2 m2 -> a^2 + 1 with relative corrections O(1/b) (adam) or O(1/b^2)
    assert b * m1 == pytest.approx(a, rel=1e-8, abs=1e-8)
    assert b * b * m2 == pytest.approx(a * a + 1.0, rel=1e-8)


# ----------------------------------------------------------------- API


@pytest.mark.parametrize("kind", KINDS)
def test_broadcasting_and_scalars(kind):
    a = np.linspace(-3, 3, 5)[:, None]
    b = np.array([0.0, 0.1, 1.0, 10.0])
    m1, m2 = moments(kind, a, b)
    assert m1.shape == m2.shape == (5, 4)
    for i in range(5):
        for j in range(4):
            s1, s2 = moments(kind, float(a[i, 0]), float(b[j]))
            assert isinstance(s1, (float, np.floating)) and np.ndim(s1) == 0
            # equal up to summation order inside BLAS
            assert s1 == pytest.approx(m1[i, j], rel=1e-14, abs=1e-300)
            assert s2 == pytest.approx(m2[i, j], rel=1e-14, abs=1e-300)
    m1, m2 = moments(kind, [0.5, 1.0], 2.0)
    assert m1.shape == (2,)
    m1, m2 = moments(kind, np.float64(0.5), np.array(2.0))
    assert np.ndim(m1) == 0


def test_per_kind_functions_agree():
    a, b = np.array([0.1, 2.0, 30.0]), np.array([1e-3, 2.0, 100.0])
    m1, m2 = moments("softsign", a, b)
    np.testing.assert_array_equal(softsign_m1(a, b), m1)
    np.testing.assert_array_equal(softsign_m2(a, b), m2)


def test_invalid_kind():
    with pytest.raises(ValueError, match="kind"):
        moments("sgd", 1.0, 1.0)


@pytest.mark.parametrize("kind", KINDS)
def test_invalid_values(kind):
    with pytest.raises(ValueError, match=r"b.*-0\.5"):
        moments(kind, 1.0, -0.5)
    with pytest.raises(ValueError, match=r"b must be >= 0"):
        moments(kind, [1.0, 2.0], [1.0, -1e-300])
    with pytest.raises(ValueError, match=r"a must not be NaN"):
        moments(kind, [1.0, np.nan], 1.0)
    with pytest.raises(ValueError, match=r"b must not be NaN"):
        moments(kind, 1.0, np.nan)
    with pytest.raises(ValueError, match=r"both infinite"):
        moments(kind, np.inf, np.inf)


@pytest.mark.parametrize("kind", KINDS)
def test_extreme_inputs_no_nan_no_warning(kind):
    A = np.array([0.0, 1e-300, 1e-8, 0.5, 9.0, 12.0, 50.0, 1e3, 1e8, 1e12, 1e150, np.inf])
    A = np.concatenate([A, -A])
    B = np.array([0.0, 5e-324, 1e-12, 1e-6, 0.5, 8.6, 1e6, 1e12, 1e150, 1e300, np.inf])
    a, b = np.meshgrid(A, B)
    ok = ~(np.isinf(a) & np.isinf(b))
    a, b = a[ok], b[ok]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m1, m2 = moments(kind, a, b)
    assert np.isfinite(m1).all() and np.isfinite(m2).all()
    assert (np.abs(m1) <= 1).all() and ((m2 >= 0) & (m2 <= 1)).all()
    assert (m1 * m1 <= m2 + 1e-15).all()
    # documented special values
    assert moments(kind, 3.0, np.inf) == (0.0, 0.0)
    assert moments(kind, -np.inf, 2.0) == (-1.0, 1.0)
    if kind != "sign":
        # far-out limits: sign moments for b << 1, (a/b, (a^2+1)/b^2) for b >> |a|
        m1, m2 = moments(kind, 1e8, 1e-12)
        assert m1 == 1.0 and m2 == pytest.approx(1.0, abs=1e-15)
        m1, m2 = moments(kind, 3.0, 1e12)
        assert m1 == pytest.approx(3e-12, rel=1e-9) and m2 == pytest.approx(10e-24, rel=1e-9)


# Each algorithm switch of adameps.moments with a point just below and just above it:
# (kind, switching quantity as a function of (a, b), threshold, [(a, b) below, (a, b) above], ...).
SWITCHES = [
    ("softsign", "m1: A = hypot(a, b) vs 8.6 (near-Gaussian rule / theta form)",
     lambda a, b: math.hypot(a, b) - M._SS_A0, [((6.0, 6.15), (6.0, 6.17)), ((8.59, 0.3), (8.61, 0.3))]),
    ("softsign", "m2: b vs 10 hypot(a, sqrt 12) (Voigt / power series)",
     lambda a, b: b - 10.0 * math.hypot(a, math.sqrt(12.0)), [((2.0, 39.9), (2.0, 40.1)), ((0.5, 34.9), (0.5, 35.1))]),
    ("clip", "b vs 1/2 (Taylor series in b / closed forms)", lambda a, b: b - 0.5, [((1.0, 0.499), (1.0, 0.501))]),
    ("clip", "a vs 1/2 at b > 1/2 (series in a / closed form)", lambda a, b: a - 0.5, [((0.499, 2.0), (0.501, 2.0))]),
    ("clip", "a vs b at a, b > 1/2 (the two closed forms)", lambda a, b: a - b, [((3.0, 3.001), (3.0, 2.999))]),
    ("clip", "a vs 40 at b <= 1/2 (series term underflows)", lambda a, b: a - 40.0, [((39.9, 0.3), (40.1, 0.3))]),
    ("clip", "b vs 40 at a <= 1/2", lambda a, b: b - 40.0, [((0.3, 39.9), (0.3, 40.1))]),
    ("adam", "|a| vs 12 (softplus trapezoid / Gauss-Hermite)", lambda a, b: abs(a) - M._AD_A0,
     [((11.99, 1.0), (12.01, 1.0)), ((11.99, 1e-3), (12.01, 1e-3))]),
]


@pytest.mark.slow
@pytest.mark.parametrize("kind, what, side, pairs", SWITCHES, ids=[f"{s[0]}: {s[1]}" for s in SWITCHES])
def test_both_sides_of_every_algorithm_switch_against_mpmath(kind, what, side, pairs):
    """20-digit mpmath quadrature (tests/mpmath_reference.py) just below and above each switch.

    Measured worst relative error 3.9e-13 (softsign m2 at a = 0.5, b = 34.9, where the Voigt form's
    cancellation is largest before the series takes over); every other point <= 1.4e-14."""
    from mpmath_reference import reference

    for below, above in pairs:
        assert side(*below) < 0 < side(*above), f"{below}, {above} do not straddle the switch {what}"
        for a, b in (below, above):
            r1, r2 = (float(r) for r in reference(kind, a, b, dps=20))
            m1, m2 = moments(kind, a, b)
            assert abs(m1 - r1) <= 1e-12 * abs(r1), (kind, a, b, "m1", m1, r1)
            assert abs(m2 - r2) <= 1e-12 * abs(r2), (kind, a, b, "m2", m2, r2)
