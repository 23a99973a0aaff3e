"""The surge propositions (adameps.surge) checked numerically on random instances, the eps window
located by root finding, the instance where eps creates a surge, and the split eps -> inf limit."""

import numpy as np
import pytest

from adameps import approx, moments, optimal_lr as ol, problems, surge


def _random_diagonal(rng, n):
    g = rng.standard_normal(n) * np.exp(rng.uniform(-3, 1, n))
    return g, np.diag(np.exp(rng.uniform(-2, 2, n))), np.exp(rng.uniform(-1, 1, n))


@pytest.mark.parametrize("seed", range(5))
def test_diagonal_sign_optimum_increases_with_B(seed):
    """Proposition: diagonal H, SignSGD: eta* = sum |g_i| erf(|a_i|/sqrt2) / tr H, strictly increasing."""
    rng = np.random.default_rng(seed)
    g, H, sigma = _random_diagonal(rng, 30)
    B = np.logspace(-3, 6, 200)
    closed = surge.eta_star_sign_diagonal(g, H, sigma, B)
    np.testing.assert_allclose(closed, ol.eta_star(g, H, sigma, 0.0, B, kind="sign"), rtol=1e-12)
    # Strictly increasing until it saturates (in floating point) at sum |g_i| / tr H.
    limit = np.sum(np.abs(g)) / np.trace(H)
    assert np.all(np.diff(closed) >= 0) and np.all(closed <= limit * (1 + 1e-15))
    unsaturated = closed[1:] < limit * (1 - 1e-9)
    assert unsaturated.sum() > 100 and np.all(np.diff(closed)[unsaturated] > 0)
    assert ol.surge_peak(g, H, sigma, 0.0, kind="sign") is None


def test_sign_diagonal_rejects_dense_H():
    with pytest.raises(ValueError, match="diagonal"):
        surge.eta_star_sign_diagonal([1.0, 1.0], [[1.0, 0.1], [0.1, 1.0]], [1.0, 1.0], 1.0)


def _random_sign_aligned(rng, n):
    """H = D M D with M SPD and entrywise positive, D = diag(sign g)."""
    g = rng.standard_normal(n) * np.exp(rng.uniform(-3, 1, n))
    w = rng.uniform(0.1, 1.0, n)
    M = np.diag(rng.uniform(0.5, 2.0, n)) + rng.uniform(1, 20) * np.outer(w, w) / n
    s = np.sign(g)
    return g, s[:, None] * M * s[None, :]


@pytest.mark.parametrize("seed", range(5))
def test_sign_aligned_H_P_decreases_with_eps(seed):
    """Proposition: D H D >= 0 => P(eps) = u^T H u decreases, so the mean-field surge eps form [0, eps_c)."""
    rng = np.random.default_rng(100 + seed)
    g, H = _random_sign_aligned(rng, 25)
    assert surge.sign_aligned_nonnegative(g, H)
    eps = np.logspace(-4, 3, 300)
    P = np.array([surge.post_P(g, H, e) for e in eps])
    assert np.all(np.diff(P) < 0)
    assert all(surge.dP_deps(g, H, e) < 0 for e in eps[::30])
    for start, end, at_lo, at_hi in surge.mean_field_surge_windows(g, H, 1e-6, 1e4):
        assert at_lo and not at_hi  # one interval starting at the range's lower end


@pytest.mark.parametrize("seed", range(5))
def test_dP_deps_matches_finite_differences_on_dense_H(seed):
    rng = np.random.default_rng(200 + seed)
    p = problems.dense_powerlaw(15, seed=seed)
    for e in np.exp(rng.uniform(np.log(1e-3), np.log(10.0), 5)):
        h = 1e-6 * e
        fd = (surge.post_P(p.g, p.H, e + h) - surge.post_P(p.g, p.H, e - h)) / (2 * h)
        assert surge.dP_deps(p.g, p.H, e) == pytest.approx(fd, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_no_mean_field_surge_beyond_the_eps_bound(seed):
    """Proposition: for any H, P <= 2 tr H once eps >= |g| sqrt(lambda_max/(2 tr H))."""
    p = problems.dense_powerlaw(20, seed=seed)
    g = p.g * 30.0  # large gradients so that the bound is not trivially small
    e0 = surge.mean_field_surge_eps_bound(g, p.H)
    for e in e0 * np.array([1.0, 1.5, 10.0]):
        assert surge.post_P(g, p.H, e) <= 2 * np.trace(p.H) * (1 + 1e-12)


def test_eps_creates_a_surge_that_sign_does_not_have():
    """The explicit instance: D H D has negative entries, SignSGD does not surge, softsign at an
    intermediate eps does (exactly and in the mean field), at a physical batch size B >= 1."""
    p = problems.eps_creates_surge()
    g, H, sigma = p.arrays()
    assert not surge.sign_aligned_nonnegative(g, H)
    assert ol.surge_peak(g, H, sigma, 0.0, kind="sign") is None
    assert ol.surge_strength(g, H, sigma, 1e-6) < 1e-3
    windows = surge.mean_field_surge_windows(g, H, 1e-8, 1e4)
    assert len(windows) == 1 and not windows[0][2] and not windows[0][3]  # interior: created, then removed
    s = ol.surge_strength(g, H, sigma, 0.3)
    assert s > 0.1
    assert ol.surge_peak(g, H, sigma, 0.3) >= 1.0
    # Two independent checks of the surge at eps = 0.3: the exact curve on a grid exceeds the
    # plateau, and a dense scan agrees with surge_peak's refined maximum.
    B = np.logspace(0, 6, 400)
    eta = ol.eta_star(g, H, sigma, 0.3, B)
    plateau = ol.eta_star_limit_large_B(g, H, 0.3)
    assert eta.max() / plateau - 1 == pytest.approx(s, rel=1e-3)


def test_eps_creates_surge_rejects_bad_arguments():
    with pytest.raises(ValueError, match="delta"):
        problems.eps_creates_surge(delta=-1.0)
    with pytest.raises(ValueError, match="n must"):
        problems.eps_creates_surge(k=0)


def test_surge_window_is_root_found():
    """Window ends solve strength = threshold; inside above, outside below; the maximum is refined."""
    p = problems.eps_creates_surge()
    g, H, sigma = p.arrays()
    thr = 1e-2
    w = surge.surge_windows(g, H, sigma, 1e-3, 1e2, thr, points_per_decade=3)
    assert len(w["windows"]) == 1
    lo, hi, at_lo, at_hi = w["windows"][0]
    assert not at_lo and not at_hi
    for end in (lo, hi):
        assert ol.surge_strength(g, H, sigma, end) == pytest.approx(thr, abs=2e-4)
    assert ol.surge_strength(g, H, sigma, lo * 0.9) < thr < ol.surge_strength(g, H, sigma, lo * 1.1)
    assert ol.surge_strength(g, H, sigma, hi * 1.1) < thr < ol.surge_strength(g, H, sigma, hi * 0.9)
    assert w["strength_max"] >= w["strength_scan"].max()
    e = w["eps_max"]
    for f in (0.97, 1.03):
        assert ol.surge_strength(g, H, sigma, e * f) <= w["strength_max"] + 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_strongest_nqm_surge_agrees_with_a_dense_scan(seed):
    """The eta section counts the diagonal NQM's surge per draw by surge_windows' refined maximum at
    4 scan points per decade: a dense scan (12 per decade) of surge_strength finds the same maximum
    (never above it, within 1% below it), so the coarse scan does not miss the strongest surge."""
    g, H, sigma = problems.nqm(30, noise_scale=1e3, seed=seed).arrays()
    w = surge.surge_windows(g, H, sigma, 1e-4, 1e5, ol.SURGE_MIN_STRENGTH, points_per_decade=4)
    dense = max(ol.surge_strength(g, H, sigma, e) for e in np.logspace(-4, 5, 9 * 12 + 1))
    assert w["strength_max"] > ol.SURGE_MIN_STRENGTH
    assert dense <= w["strength_max"] + 1e-12
    assert dense >= 0.99 * w["strength_max"]


def test_surge_window_validates():
    p = problems.eps_creates_surge()
    with pytest.raises(ValueError, match="eps_lo"):
        surge.surge_windows(p.g, p.H, p.sigma, 1.0, 0.1, 1e-3)
    with pytest.raises(ValueError, match="min_strength"):
        surge.surge_windows(p.g, p.H, p.sigma, 0.1, 1.0, -1.0)


@pytest.mark.parametrize("family", ["nqm", "dense_powerlaw", "low_rank_dominated"])
def test_large_eps_limit_parts(family):
    """pi/2 part: ratio in (2/pi, 1] and -> 2/pi as B -> 0; the H-weighted average makes the
    averaging part exact; the exact part is the limit of eta_star/eps."""
    g, H, sigma = getattr(problems, family)(40, seed=1).arrays()
    B = np.logspace(-6, 6, 50)
    d = ol.eta_star_limit_large_eps_parts(g, H, sigma, B)
    r = d["pi_half"] / d["exact"]
    assert np.all(r > 2 / np.pi) and np.all(r <= 1)
    assert r[0] == pytest.approx(2 / np.pi, rel=1e-4)
    np.testing.assert_allclose(d["post"], ol.eta_star_limit_large_eps_post(g, H, sigma, B), rtol=1e-14)
    hw = ol.large_eps_noise_averages(g, H, sigma)["h_weighted"]
    dh = ol.eta_star_limit_large_eps_parts(g, H, sigma, B, sigma2=hw)
    np.testing.assert_allclose(dh["average"], d["exact"], rtol=1e-12)
    np.testing.assert_allclose(dh["post"], d["pi_half"], rtol=1e-12)
    eps = 1e6
    np.testing.assert_allclose(ol.eta_star(g, H, sigma, eps, B[::10]) / eps, d["exact"][::10], rtol=1e-5)


def test_large_eps_noise_averages_are_limits_of_kappa2():
    """eps^2 * kappa2_choices(eps) -> large_eps_noise_averages as eps -> inf."""
    g, H, sigma = problems.dense_powerlaw(30, seed=3).arrays()
    eps = 1e5
    k = ol.kappa2_choices(g, sigma, eps)
    lim = ol.large_eps_noise_averages(g, H, sigma)
    for name, value in k.items():
        assert eps**2 * value == pytest.approx(lim[name], rel=1e-6), name


def test_clip_softsign_gap_suprema_bound_the_plane():
    """The suprema 1 - 1/sqrt2 and 1/2 bound the clip stand-in's errors everywhere and are approached
    along a = b -> inf (checked with the exact moments)."""
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 200, 4000)
    b = np.exp(rng.uniform(np.log(1e-3), np.log(1e3), 4000))
    c1, c2 = moments.moments("clip", a, b)
    s1, s2 = moments.moments("softsign", a, b)
    sup1, _ = approx.clip_softsign_gap_sup(1)
    sup2, _ = approx.clip_softsign_gap_sup(2)
    assert sup1 == pytest.approx(1 - 2**-0.5, abs=1e-7) and sup2 == pytest.approx(0.5, abs=1e-7)
    assert np.max(np.abs(c1 - s1)) < sup1 and np.max(np.abs(c2 - s2)) < sup2
    d = np.array([1e1, 1e2, 1e3, 1e4])
    e1 = np.abs(np.subtract(moments.moments("clip", d, d)[0], moments.moments("softsign", d, d)[0]))
    assert np.all(np.diff(e1) > 0) and sup1 - e1[-1] < 1e-3


def test_docstring_examples_run():
    import doctest

    from adameps import measure

    for module in (surge, measure):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
