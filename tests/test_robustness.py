"""Numerical robustness of the public functions over extreme inputs (issue #7).

Range swept: |a| up to 1e8, b from 1e-12 to 1e12 (and 0, inf), B from 1 to 1e9, eps from 0 to
1e6, on the problem families of `adameps.problems` and on copies whose g and sigma are scaled by
1e-8 and 1e8 (so eps is tiny or huge relative to the gradient).  Every call must return finite
values or raise a ValueError naming the argument; RuntimeWarnings are errors (pyproject.toml).
Besides finiteness, each test checks a property that holds exactly or to a known order at the
extremes: bounds of the moments, limits (b -> 0, b -> inf, eps -> inf, B -> inf), positivity of
eta_star, and scale covariance (g, sigma, eps -> c g, c sigma, c eps leaves a and b unchanged, so
eta_star -> c eta_star and every batch size stays put).
"""

import math

import mpmath as mp
import numpy as np
import pytest
from scipy.special import erf

from adameps import approx, problems, scurves
from adameps.moments import moments
from adameps.montecarlo import moments_mc
from adameps.one_step_mc import one_step_mc, sample_updates
from adameps.optimal_lr import (
    VARIANTS,
    eta_star,
    eta_star_limit_large_B,
    eta_star_limit_large_eps,
    eta_star_limit_large_eps_post,
    eta_star_mean_field,
    eta_star_sgd,
    kappa2_best_fit,
    kappa2_choices,
    mean_field_beta,
    mean_field_peak,
    post_surge_condition,
    surge_condition_exact_mean_field,
    surge_peak,
)
from adameps.update_maps import KINDS, update_map

# The grids of the issue, boundaries included exactly.
A_POS = np.concatenate([[0.0, 1e-300, 1e-12], np.logspace(-8, 8, 97)])
A_ALL = np.concatenate([-A_POS[::-1], A_POS])
B_ALL = np.concatenate([[0.0], np.logspace(-12, 12, 145)])
EPS = (0.0, 1e-12, 1e-8, 1e-3, 1.0, 1e3, 1e6)
BATCH = np.array([1.0, 10.0, 1e3, 1e6, 1e9])
SCALES = (1e-8, 1.0, 1e8)

PROBLEMS = {
    "nqm": problems.nqm(12, seed=1),
    "dense_powerlaw": problems.dense_powerlaw(12, seed=1),
    "low_rank_dominated": problems.low_rank_dominated(12, seed=1),
    "two_coordinate": problems.two_coordinate_no_surge(),
}


def _scaled(name, c):
    """(g, H, sigma) with g and sigma multiplied by c: a = g sqrt(B)/sigma unchanged, b = eps/c."""
    g, H, s = PROBLEMS[name].arrays()
    return g * c, H, s * c


# ----------------------------------------------------------------- moments


@pytest.mark.parametrize("kind", KINDS)
def test_moments_whole_range(kind):
    a, b = np.meshgrid(A_ALL, B_ALL)
    m1, m2 = moments(kind, a, b)
    assert np.isfinite(m1).all() and np.isfinite(m2).all()
    assert ((m2 >= 0) & (m2 <= 1)).all()
    # Var(phi) = m2 - m1^2 >= 0 exactly in floating point, not just to rounding.
    assert (m2 - m1 * m1 >= 0).all()
    # Odd / even: the work is done at |a|, but a and -a sit at different places of the
    # (points x nodes) matrix products, and BLAS may sum in a different order there (1 ulp);
    # scalar calls are exactly odd (tests/test_moments.py::test_symmetry_and_bounds).
    np.testing.assert_allclose(m1, -m1[:, ::-1], rtol=1e-15, atol=0)
    np.testing.assert_allclose(m2, m2[:, ::-1], rtol=1e-15, atol=0)
    # phi is increasing in x and |phi| decreasing in b, so m1 is increasing in a and, for a > 0,
    # decreasing in b, and m2 is decreasing in b; the internal quadrature / series switches
    # (A = 8.6, a = 12, b = 0.5, b^2 = 100(a^2 + 12)) leave no step larger than a few ulp.
    tol = 4e-16
    assert (np.diff(m1, axis=1) >= -tol).all()
    pos = A_ALL > 0
    assert (np.diff(m1[:, pos], axis=0) <= tol).all()
    assert (np.diff(m2, axis=0) <= tol).all()


@pytest.mark.parametrize("kind", ("softsign", "clip", "adam"))
def test_moments_limits_at_the_ends_of_b(kind):
    a = A_ALL
    # b = 1e-12: the sign moments.  phi differs from sign(x) by at most 1 and noticeably only
    # for |x| <~ b: E|phi - sign| and 1 - m2 are <= 2 phi(0) b * (integral of the defect), which
    # is b for softsign and clip, and b (log(1/b) + 1) for adam's slower x/(|x| + b) -> sign.
    b = 1e-12
    bound = 2 * b * (0.8 * math.log(1 / b) + 1) if kind == "adam" else 2 * b
    m1, m2 = moments(kind, a, b)
    assert (np.abs(m1 - erf(a / math.sqrt(2))) <= bound).all()
    assert (np.abs(m2 - 1) <= bound).all()
    # b = 1e12 >> |a|: b m1 -> a and b^2 m2 -> a^2 + 1, relative corrections O((a^2+1)/b^2)
    # (softsign, clip: x/b - x^3/2b^3) or O((|a|+1)/b) (adam: x/b - x|x|/b^2), plus the
    # quadrature's own relative error (1e-13 allowed here, beyond the documented 1e-9 domain).
    b = 1e12
    # (a >= 1e-12 keeps m1 ~ a/b a normal float; a = 1e-300 gives a subnormal with ~11 digits)
    a = a[(np.abs(a) <= 1e4) & (np.abs(a) >= 1e-12)]
    m1, m2 = moments(kind, a, b)
    corr = (np.abs(a) + 2.0) / b if kind == "adam" else (a**2 + 3.0) / b**2
    assert (np.abs(b * m1 / a - 1) <= 2 * corr + 1e-13).all()
    assert (np.abs(b * b * m2 / (a**2 + 1) - 1) <= 2 * corr + 1e-13).all()
    assert moments(kind, 0.0, b)[0] == 0.0


# ----------------------------------------------------------------- approximations and S-curves


def _mp_post(a, b):
    a, b = mp.mpf(a), mp.mpf(b)
    d = a * a + b * b + mp.pi / 2
    slope = mp.sqrt(2 / mp.pi) if b == 0 else mp.erf(b / mp.sqrt(2)) / b
    return a / mp.sqrt(d), 1 - b * b / d, a / mp.sqrt(a * a + 1 / slope**2)


def test_approximations_against_mpmath_over_the_range():
    """The three moment approximations to 1e-13 relative over |a| <= 1e8, b in {0} + [1e-12, 1e12].

    The literal 1 - b^2/(a^2 + b^2 + pi/2) returned 0 for b >= 1e8 (all digits cancel) where the
    value is (a^2 + pi/2)/b^2 > 0."""
    a_pts = np.array([0.0, 1e-12, 0.3, -2.0, 40.0, 1e4, -1e8])
    b_pts = np.array([0.0, 1e-12, 1e-4, 0.7, 30.0, 1e6, 1e8, 1e12])
    mp.mp.dps = 40
    for a in a_pts:
        for b in b_pts:
            r1, r2, r3 = (float(v) for v in _mp_post(a, b))
            got = (approx.m1_approx_post(a, b), approx.m2_approx_post(a, b), approx.m1_approx_erf_slope(a, b))
            for x, ref in zip(got, (r1, r2, r3)):
                assert np.isfinite(x)
                assert abs(x - ref) <= 1e-13 * abs(ref) + 1e-300, (a, b, x, ref)


def test_approximations_whole_range_and_infinite_ends():
    a, b = np.meshgrid(A_ALL, B_ALL)
    for f in (approx.m1_approx_erf_slope, approx.m1_approx_post):
        m1 = f(a, b)
        assert np.isfinite(m1).all() and (np.abs(m1) <= 1).all()
        np.testing.assert_array_equal(m1, -m1[:, ::-1])
        assert f(np.inf, 3.0) == 1.0 and f(-np.inf, 0.0) == -1.0 and f(2.0, np.inf) == 0.0
    m2 = approx.m2_approx_post(a, b)
    assert np.isfinite(m2).all() and ((m2 > 0) & (m2 <= 1)).all()
    assert (approx.m1_approx_post(a, b) ** 2 <= m2).all()
    assert approx.m2_approx_post(np.inf, 3.0) == 1.0 and approx.m2_approx_post(2.0, np.inf) == 0.0
    # far beyond the range nothing overflows either
    assert approx.m1_approx_post(1e300, 1e-300) == 1.0
    assert approx.m2_approx_post(1.0, 1e150) == pytest.approx((1 + math.pi / 2) / 1e300, rel=1e-14)


@pytest.mark.parametrize("f", (approx.m1_approx_erf_slope, approx.m1_approx_post, approx.m2_approx_post))
@pytest.mark.parametrize("a, b, match", [
    (np.nan, 1.0, "a must not be NaN"),
    (1.0, np.nan, "b must not be NaN"),
    (1.0, -0.5, r"b must be >= 0, got b=-0\.5"),
    (np.inf, np.inf, "both infinite"),
    ("x", 1.0, "a must be real"),
])
def test_approximations_invalid(f, a, b, match):
    with pytest.raises(ValueError, match=match):
        f(a, b)


def test_scurves_extremes():
    x = np.array([0.0, 1e-300, 1e-8, 1.0, 1e8, 1e300, np.inf])
    x = np.concatenate([-x[::-1], x])
    for f in (scurves.erf_approx_softsign, scurves.erf_approx_clip):
        y = f(x)
        assert np.isfinite(y).all() and (np.abs(y) <= 1).all()
        assert f(np.inf) == 1.0 and f(-np.inf) == -1.0
        assert f(1e-300) == pytest.approx(scurves.ERF_SLOPE * 1e-300, rel=1e-15)
        np.testing.assert_array_equal(scurves.erf_approx_error("softsign", [np.inf, -np.inf]), 0.0)
    # huge slopes and arguments: the product overflows to inf, the S-curve is +-1 there
    assert scurves.scurve_softsign(1e300, 1e300) == 1.0 and scurves.scurve_clip(-1e300, 1e300) == -1.0
    assert scurves.scurve_softsign(1e-300, 1e-300) == 0.0


@pytest.mark.parametrize("f", (scurves.scurve_softsign, scurves.scurve_clip))
@pytest.mark.parametrize("x, k, match", [
    (np.nan, 1.0, "x must not be NaN"),
    (1.0, 0.0, r"k \(the slope at 0\) must be finite and > 0, got k=0\.0"),
    (1.0, -2.0, "k .* got k=-2"),
    (1.0, np.inf, "k .* got k=inf"),
    (1.0, [1.0, np.nan], "k .* got k=nan"),
])
def test_scurves_invalid(f, x, k, match):
    with pytest.raises(ValueError, match=match):
        f(x, k)


# ----------------------------------------------------------------- update map and Monte Carlo


@pytest.mark.parametrize("kind", KINDS)
def test_update_map_special_values(kind):
    x = np.array([0.0, 1e-300, 2.0, -1e8, np.inf, -np.inf])
    # b = 0 elementwise (not only as a scalar) is sign; x = +-inf is +-1 for finite b
    np.testing.assert_array_equal(update_map(kind, x, np.zeros_like(x)), np.sign(x))
    y = update_map(kind, x, np.full_like(x, 1e6))
    assert np.isfinite(y).all() and y[-2] == 1.0 and y[-1] == -1.0
    assert update_map(kind, 3.0, 2.0) == update_map(kind, np.array([3.0]), np.array([2.0]))[0]
    if kind != "sign":
        np.testing.assert_array_equal(update_map(kind, np.array([1.0, -1e8]), np.inf), 0.0)
        with pytest.raises(ValueError, match="both infinite"):
            update_map(kind, np.inf, np.inf)
    with pytest.raises(ValueError, match="x must not be NaN"):
        update_map(kind, np.nan, 1.0)
    with pytest.raises(ValueError, match=r"b must be >= 0 .* got b=-1\.0"):
        update_map(kind, 1.0, [1.0, -1.0])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("a, b", [(0.0, 1e-12), (1e8, 1e-12), (-1e8, 1e12), (0.0, 1e12), (3.0, 1e6)])
def test_moments_mc_extremes(kind, a, b):
    rng = np.random.default_rng(0)
    m1, m2, s1, s2 = moments_mc(kind, a, b, 4000, rng)
    e1, e2 = moments(kind, a, b)
    assert all(np.isfinite(v) for v in (m1, m2, s1, s2))
    # 4000 draws cannot see the part of the moments carried by |x| <~ b (probability ~ b):
    # at b = 1e-12 the samples are all sign(x), so allow the distance from the sign moments.
    blind1, blind2 = (abs(e1 - erf(a / math.sqrt(2))), 1 - e2) if b < 1e-6 else (0.0, 0.0)
    assert abs(m1 - e1) <= 5 * s1 + blind1 + 1e-12 * abs(e1) + 1e-300
    assert abs(m2 - e2) <= 5 * s2 + blind2 + 1e-12 * abs(e2) + 1e-300


# ----------------------------------------------------------------- eta_star and its limits


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_eta_star_whole_range(name, c, kind):
    g, H, s = _scaled(name, c)
    g1, H1, s1 = _scaled(name, 1.0)
    sign = eta_star(g, H, s, 0.0, BATCH, kind="sign")
    for eps in EPS:
        eta = eta_star(g, H, s, eps, BATCH, kind=kind)
        assert np.isfinite(eta).all() and (eta > 0).all(), (eps, eta)
        # scale covariance: a and b depend on g/sigma and eps/sigma only
        ref = eta_star(g1, H1, s1, eps / c, BATCH, kind=kind)
        np.testing.assert_allclose(eta, c * ref, rtol=1e-9)
        # B -> inf: converges to u^T g / u^T H u, at least like B^(-1/3) from 1e7 to 1e9
        # (1/B for smooth maps; 1/sqrt(B) for clip where some g_i sits on the kink eps).
        lim = eta_star_limit_large_B(g, H, eps, kind)
        e7, e9 = np.abs(eta_star(g, H, s, eps, [1e7, 1e9], kind=kind) / lim - 1)
        assert e9 <= max(0.22 * e7, 1e-12), (eps, e7, e9)
    # eps = 0 is SignSGD for every kind
    np.testing.assert_allclose(eta_star(g, H, s, 0.0, BATCH, kind=kind), sign, rtol=1e-13)


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("c", (1e-8, 1.0))
@pytest.mark.parametrize("kind", ("softsign", "clip", "adam"))
def test_large_eps_limit_is_sgd_at_the_ends(name, c, kind):
    """eta*/eps -> eta_sgd (eta_star_limit_large_eps) with the leading correction of the moments:
    delta = max_i (g_i^2 + sigma_i^2/B)/eps^2 for softsign and clip (x/b - x^3/2b^3 ...), and
    delta = max_i (|g_i| + sigma_i/sqrt(B))/eps for adam (x/b - x|x|/b^2 ...)."""
    g, H, s = _scaled(name, c)
    eps = 1e6
    target = eta_star_limit_large_eps(g, H, s, BATCH)
    np.testing.assert_array_equal(target, eta_star_sgd(g, H, s, BATCH))
    err = np.abs(eta_star(g, H, s, eps, BATCH, kind=kind) / eps / target - 1)
    if kind == "adam":
        delta = np.max(np.abs(g) + s / np.sqrt(BATCH)[:, None], axis=1) / eps
    else:
        delta = np.max(g**2 + s**2 / BATCH[:, None], axis=1) / eps**2
    assert (err <= 2 * delta + 1e-13).all(), (err, delta)
    # the post's version agrees once the noise term is negligible (B = 1e9 on unit problems)
    post = eta_star_limit_large_eps_post(g, H, s, BATCH)
    assert np.isfinite(post).all() and (post > 0).all()


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("c", SCALES)
def test_sgd_and_large_B_limits(name, c):
    g, H, s = _scaled(name, c)
    sgd = eta_star_sgd(g, H, s, BATCH)
    assert np.isfinite(sgd).all() and (sgd > 0).all()
    # SGD: eta_max/(1 + B_noise/B), so the deficit at B = 1e9 is B_noise/1e9 to first order
    eta_max = g @ g / (g @ H @ g)
    b_noise = np.sum(s**2 * np.diag(H)) / (g @ H @ g)
    assert 1 - sgd[-1] / eta_max == pytest.approx(b_noise / 1e9, rel=1e-6)
    for eps in EPS:
        for kind in KINDS:
            lim = eta_star_limit_large_B(g, H, eps, kind)
            assert np.isfinite(lim) and lim > 0


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_mean_field_whole_range(name, c, variant):
    g, H, s = _scaled(name, c)
    g1, H1, s1 = _scaled(name, 1.0)
    T = np.trace(H)
    for eps in EPS:
        choices = kappa2_choices(g, s, eps)
        assert choices == pytest.approx(kappa2_choices(g1, s1, eps / c), rel=1e-9)
        u = g / np.hypot(g, eps)
        S, P = u @ g, u @ H @ u
        for k2 in [None, *choices.values()]:
            eta = eta_star_mean_field(g, H, s, eps, BATCH, kappa2=k2, variant=variant)
            assert np.isfinite(eta).all() and (eta > 0).all(), (eps, k2, eta)
            np.testing.assert_allclose(
                eta, c * eta_star_mean_field(g1, H1, s1, eps / c, BATCH, kappa2=k2, variant=variant), rtol=1e-9)
            if k2 is None:
                continue
            # B -> inf (beta -> 1): eta -> S/P with relative deviation
            # (1 - beta^2)(1/2 + T/P) + O((1 - beta^2)^2), 1 - beta^2 = c k2/(B + c k2).
            one_minus_b2 = 1 - mean_field_beta(1e9, k2, variant) ** 2
            dev = abs(eta[-1] / (S / P) - 1)
            assert dev <= 1.01 * one_minus_b2 * (0.5 + T / P) + 1e-13, (eps, k2, dev)
        peak = mean_field_peak(g, H, s, eps, variant=variant)
        assert (peak is None) == (not surge_condition_exact_mean_field(g, H, s, eps))
        assert isinstance(post_surge_condition(g, H, s, eps), bool)
        if peak is not None:
            assert np.isfinite(peak) and peak > 0
            assert peak == pytest.approx(mean_field_peak(g1, H1, s1, eps / c, variant=variant), rel=1e-9)
            around = eta_star_mean_field(g, H, s, eps, peak * np.array([0.98, 1.0, 1.02]), variant=variant)
            assert around[1] >= around[0] and around[1] >= around[2]


def test_mean_field_beta_extremes():
    for variant in VARIANTS:
        beta = mean_field_beta(BATCH, 1e-300, variant)
        np.testing.assert_array_equal(beta, 1.0)
        beta = mean_field_beta(BATCH, 1e300, variant)
        assert np.isfinite(beta).all() and (beta > 0).all() and (np.diff(beta) > 0).all()


@pytest.mark.parametrize("name", ("nqm", "low_rank_dominated"))
@pytest.mark.parametrize("c", (1e-8, 1e8))
def test_surge_peak_and_best_fit_scale_invariant(name, c):
    """Batch sizes depend on a and b only: surge_peak and kappa2_best_fit are unchanged by
    (g, sigma, eps) -> c (g, sigma, eps).  B_peak is located to about sqrt(moment precision)
    (eta is flat at its maximum), hence rtol 1e-5 there."""
    g, H, s = _scaled(name, c)
    g1, H1, s1 = _scaled(name, 1.0)
    for eps in (0.0, 1e-3, 1.0, 1e6):
        bp = surge_peak(g, H, s, eps * c)
        ref = surge_peak(g1, H1, s1, eps)
        assert (bp is None) == (ref is None)
        if bp is not None:
            assert np.isfinite(bp) and bp == pytest.approx(ref, rel=1e-5)
            eta = eta_star(g, H, s, eps * c, bp * np.array([0.9, 1.0, 1.1]))
            assert eta[1] >= max(eta[0], eta[2]) and eta[1] > eta_star_limit_large_B(g, H, eps * c)
        k2 = kappa2_best_fit(g, H, s, eps * c, BATCH)
        assert np.isfinite(k2) and k2 > 0
        assert k2 == pytest.approx(kappa2_best_fit(g1, H1, s1, eps, BATCH), rel=1e-5)


@pytest.mark.parametrize("B", (1.0, 1e9))
@pytest.mark.parametrize("eps", (0.0, 1e6))
@pytest.mark.parametrize("c", SCALES)
def test_one_step_mc_extremes(B, eps, c):
    g, H, s = _scaled("low_rank_dominated", c)
    r = one_step_mc(g, H, s, eps, B, K=2000, seed=3)
    exact = float(eta_star(g, H, s, eps, B))
    assert all(np.isfinite(v) for v in (r.eta_hat, r.eta_se, r.X, r.Y)) and r.eta_hat > 0
    # eta_se is 0 when every sampled update is the same (sign with |a_i| >> 1)
    assert abs(r.eta_hat - exact) <= 5 * r.eta_se + 1e-9 * exact
    u = sample_updates(g, s, eps, B, 3, 0)
    assert u.shape == (3, g.size) and np.isfinite(u).all()


def test_zero_gradient_is_handled():
    """g = 0: eta_star is exactly 0 (no descent direction) and the fits that need g != 0 say so."""
    _, H, s = _scaled("nqm", 1.0)
    g = np.zeros(s.size)
    for eps in (0.0, 1.0):
        np.testing.assert_array_equal(eta_star(g, H, s, eps, BATCH), 0.0)
        assert eta_star_limit_large_B(g, H, eps) == 0.0
        assert surge_peak(g, H, s, eps) is None
    with pytest.raises(ValueError, match="g != 0"):
        kappa2_best_fit(g, H, s, 1.0, BATCH)
    with pytest.raises(ValueError, match="g_i\\^2 \\+ eps\\^2 > 0"):
        kappa2_choices(g, s, 0.0)
    with pytest.raises(ValueError, match="kappa2"):
        eta_star_mean_field(g, H, s, 1.0, BATCH)


# ----------------------------------------------------------------- invalid inputs, every function

_G, _H, _S = np.array([1.0, -0.5]), np.eye(2), np.ones(2)
_BAD = {
    "NaN g": (dict(g=np.array([np.nan, 1.0])), "g must be finite"),
    "inf g": (dict(g=np.array([np.inf, 1.0])), "g must be finite"),
    "g 2-D": (dict(g=np.ones((2, 1))), "g must be a non-empty 1-D"),
    "g strings": (dict(g=["a", "b"]), "g must be an array of real numbers"),
    "negative sigma": (dict(sigma=np.array([1.0, -1.0])), "sigma must be > 0"),
    "zero sigma": (dict(sigma=np.array([1.0, 0.0])), "sigma must be > 0"),
    "sigma shape": (dict(sigma=np.ones(3)), r"sigma must have shape \(2,\)"),
    "H shape": (dict(H=np.eye(3)), r"H must have shape \(2, 2\)"),
    "H complex": (dict(H=np.eye(2) + 0j), "H must be real"),
    "H non-symmetric": (dict(H=np.array([[1.0, 0.2], [0.0, 1.0]])), "H must be symmetric"),
    "H indefinite": (dict(H=np.array([[1.0, 2.0], [2.0, 1.0]])), "H must be positive definite"),
    "H NaN": (dict(H=np.array([[np.nan, 0.0], [0.0, 1.0]])), "H must be finite"),
    "B zero": (dict(B=0.0), "B must be finite and > 0"),
    "B negative": (dict(B=[1.0, -1.0]), "B must be finite and > 0"),
    "B NaN": (dict(B=np.nan), "B must be finite and > 0"),
    "B string": (dict(B="abc"), "B must be real numbers"),
    "eps negative": (dict(eps=-1e-3), "eps must be finite and >= 0"),
    "eps NaN": (dict(eps=np.nan), "eps must be finite and >= 0"),
    "eps inf": (dict(eps=np.inf), "eps must be finite and >= 0"),
}
_FUNCS = {
    "eta_star": (eta_star, "g H sigma eps B"),
    "eta_star_sgd": (eta_star_sgd, "g H sigma B"),
    "eta_star_mean_field": (eta_star_mean_field, "g H sigma eps B"),
    "eta_star_mean_field_2025": (lambda **k: eta_star_mean_field(**k, variant="2025"), "g H sigma eps B"),
    "eta_star_limit_large_eps": (eta_star_limit_large_eps, "g H sigma B"),
    "eta_star_limit_large_eps_post": (eta_star_limit_large_eps_post, "g H sigma B"),
    "eta_star_limit_large_B": (eta_star_limit_large_B, "g H eps"),
    "kappa2_choices": (kappa2_choices, "g sigma eps"),
    "kappa2_best_fit": (kappa2_best_fit, "g H sigma eps B"),
    "mean_field_peak": (mean_field_peak, "g H sigma eps"),
    "post_surge_condition": (post_surge_condition, "g H sigma eps"),
    "surge_condition_exact_mean_field": (surge_condition_exact_mean_field, "g H sigma eps"),
    "surge_peak": (surge_peak, "g H sigma eps"),
    "one_step_mc": (lambda **k: one_step_mc(**k, K=10), "g H sigma eps B"),
    "sample_updates": (lambda **k: sample_updates(**k, K=3, rng=0), "g sigma eps B"),
}
# Already in tests/test_optimal_lr.py::test_eta_star_invalid (not repeated here).
_COVERED = {("eta_star", c) for c in ("B zero", "B negative", "B NaN", "eps negative", "eps NaN",
                                      "H non-symmetric", "H indefinite", "sigma shape")}
_CASES = [
    pytest.param(fname, case, id=f"{fname}-{case}")
    for fname, (_, params) in _FUNCS.items()
    for case, (change, _) in _BAD.items()
    if set(change) <= set(params.split()) and (fname, case) not in _COVERED
]


@pytest.mark.parametrize("fname, case", _CASES)
def test_invalid_inputs_name_the_argument(fname, case):
    func, params = _FUNCS[fname]
    args = dict(g=_G, H=_H, sigma=_S, eps=0.1, B=1.0)
    change, match = _BAD[case]
    args.update(change)
    with pytest.raises(ValueError, match=match):
        func(**{k: args[k] for k in params.split()})
