"""Tests for adameps.optimal_lr and adameps.one_step_mc."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from adameps import problems as P
from adameps.one_step_mc import one_step_mc
from adameps.optimal_lr import (
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


@pytest.fixture(scope="module")
def small():
    return P.low_rank_dominated(12, rank=2, spike=12.0, seed=3).arrays()


# ------------------------------------------------------------ exact vs Monte Carlo
@pytest.mark.parametrize("kind", ["softsign", "sign", "clip", "adam"])
@pytest.mark.parametrize("eps, B", [(0.3, 0.05), (0.3, 3.0), (3.0, 20.0)])
def test_eta_star_matches_monte_carlo(small, kind, eps, B):
    g, H, s = small
    r = one_step_mc(g, H, s, eps, B, kind=kind, K=60_000, seed=11)
    exact = float(eta_star(g, H, s, eps, B, kind=kind))
    assert abs(r.eta_hat - exact) < 4.5 * r.eta_se
    # Per-coordinate mean update from the same samples; 3/K covers coordinates
    # whose samples all share one sign (zero sample variance for sign).
    err = np.abs(r.m1_hat - _m1(kind, g, s, eps, B))
    assert np.all(err < 5.0 * r.m1_se + 3.0 / r.K)


def _m1(kind, g, s, eps, B):
    from adameps.moments import moments

    return moments(kind, g * np.sqrt(B) / s, eps * np.sqrt(B) / s)[0]


def test_one_step_mc_deterministic_and_grid(small):
    g, H, s = small
    a = one_step_mc(g, H, s, 0.5, 2.0, K=5000, seed=5)
    b = one_step_mc(g, H, s, 0.5, 2.0, K=5000, seed=5, chunk=777)
    assert a.eta_hat == pytest.approx(b.eta_hat, rel=1e-12)
    assert abs(a.eta_grid_argmin - a.eta_hat) <= a.eta_grid[1] - a.eta_grid[0]


# ------------------------------------------------------------ limits
def test_large_eps_limit_is_sgd(small):
    g, H, s = small
    B = np.array([0.01, 1.0, 100.0])
    target = eta_star_limit_large_eps(g, H, s, B)
    np.testing.assert_allclose(target, eta_star_sgd(g, H, s, B))
    errs = [np.max(np.abs(eta_star(g, H, s, e, B) / e / target - 1)) for e in (1e2, 1e3, 1e4)]
    assert errs[2] < 1e-5
    assert errs[0] > errs[1] > errs[2]
    # The post's pi/2 version differs where noise matters (small B) ...
    post = eta_star_limit_large_eps_post(g, H, s, B)
    assert abs(post[0] / target[0] - 1) > 0.05
    # ... and agrees where it does not (noise term negligible).
    big = 1e9
    assert eta_star_limit_large_eps_post(g, H, s, big) == pytest.approx(
        float(eta_star_sgd(g, H, s, big)), rel=1e-6)


def test_small_eps_limit_is_sign(small):
    g, H, s = small
    B = np.logspace(-2, 3, 7)
    sign = eta_star(g, H, s, 0.0, B, kind="sign")
    np.testing.assert_allclose(eta_star(g, H, s, 0.0, B), sign, rtol=1e-12)
    np.testing.assert_allclose(eta_star(g, H, s, 1e-9, B), sign, rtol=1e-5)
    e3 = np.max(np.abs(eta_star(g, H, s, 1e-3, B) / sign - 1))
    e5 = np.max(np.abs(eta_star(g, H, s, 1e-5, B) / sign - 1))
    assert e5 < e3


def test_large_B_limit(small):
    g, H, s = small
    for kind in ("softsign", "sign", "clip", "adam"):
        lim = eta_star_limit_large_B(g, H, 0.7, kind)
        assert float(eta_star(g, H, s, 0.7, 1e10, kind=kind)) == pytest.approx(lim, rel=1e-6)


def test_mean_field_beta_limits(small):
    g, H, s = small
    eps = 0.2
    u = g / np.sqrt(g**2 + eps**2)
    S, Pq, T = u @ g, u @ H @ u, np.trace(H)
    k2 = 0.37
    for variant, c in (("2024", np.pi / 2), ("2025", 1.0)):
        np.testing.assert_allclose(mean_field_beta([1.0, 4.0], k2, variant),
                                   (1 + c * k2 / np.array([1.0, 4.0])) ** -0.5)
        # beta -> 1: the noiseless softsign optimum S/P (= exact B -> inf limit).
        big = float(eta_star_mean_field(g, H, s, eps, 1e14, kappa2=k2, variant=variant))
        assert big == pytest.approx(S / Pq, rel=1e-10)
        assert big == pytest.approx(eta_star_limit_large_B(g, H, eps), rel=1e-10)
        # beta -> 0: eta ~ beta S / T ~ sqrt(B/(c kappa2)) S / T.
        Bs = 1e-12
        tiny = float(eta_star_mean_field(g, H, s, eps, Bs, kappa2=k2, variant=variant))
        assert tiny == pytest.approx(np.sqrt(Bs / (c * k2)) * S / T, rel=1e-9)


def test_default_kappa2_makes_small_B_exact(small):
    g, H, s = small
    for eps in (0.0 + 1e-12, 0.1, 2.0):
        B = 1e-6 * np.min(s**2 / (g**2 + eps**2))
        mf = float(eta_star_mean_field(g, H, s, eps, B))
        ex = float(eta_star(g, H, s, eps, B))
        assert mf == pytest.approx(ex, rel=2e-3)


def test_2025_default_is_B_simple(small):
    g, H, s = small
    eps, B = 0.3, np.array([0.5, 5.0])
    b_simple = np.sum(s**2) / (g @ g + g.size * eps**2)
    np.testing.assert_allclose(
        eta_star_mean_field(g, H, s, eps, B, variant="2025"),
        eta_star_mean_field(g, H, s, eps, B, kappa2=b_simple, variant="2025"))
    assert kappa2_choices(g, s, eps)["ratio_of_sums"] == pytest.approx(b_simple)


def test_kappa2_best_fit_beats_named_choices(small):
    g, H, s = small
    eps = 0.3
    B = np.logspace(-3, 4, 25)
    ex = np.log(eta_star(g, H, s, eps, B))

    def loss(k2):
        return np.sum((np.log(eta_star_mean_field(g, H, s, eps, B, kappa2=k2)) - ex) ** 2)

    best = loss(kappa2_best_fit(g, H, s, eps, B))
    for name, k2 in kappa2_choices(g, s, eps).items():
        assert best <= loss(k2) * (1 + 1e-9), name


# ------------------------------------------------------------ surges
@pytest.mark.parametrize("seed, eps", [(0, 1e-3), (1, 0.1), (2, 0.5)])
def test_surge_peak_matches_dense_grid(seed, eps):
    g, H, s = P.low_rank_dominated(40, rank=1, seed=seed).arrays()
    bp = surge_peak(g, H, s, eps)
    assert bp is not None
    grid = np.exp(np.linspace(np.log(bp) - 3, np.log(bp) + 3, 601))
    eta = eta_star(g, H, s, eps, grid)
    i = int(np.argmax(eta))
    assert 0 < i < grid.size - 1
    step = np.log(grid[1] / grid[0])
    assert abs(np.log(bp / grid[i])) <= step
    assert float(eta_star(g, H, s, eps, bp)) >= eta[i] * (1 - 1e-12)
    # And the peak really exceeds the large-B limit.
    assert eta[i] > eta_star_limit_large_B(g, H, eps)


def test_surge_peak_none_when_monotone():
    # Diagonal H with eps = 0: eta = sum_i erf(a_i/sqrt2) g_i / tr H, increasing in B.
    g, H, s = P.nqm(30, seed=0).arrays()
    assert surge_peak(g, H, s, 0.0) is None
    g, H, s = P.low_rank_dominated(30, seed=0).arrays()
    assert surge_peak(g, H, s, 1e3) is None


@pytest.mark.parametrize("variant", ["2024", "2025"])
def test_mean_field_peak_closed_form(variant):
    rng = np.random.default_rng(123)
    found = 0
    for seed in range(6):
        n = int(rng.integers(5, 40))
        pr = P.low_rank_dominated(n, rank=1, spike=float(rng.uniform(1, 3) * n), seed=seed)
        g, H, s = pr.arrays()
        eps = float(10 ** rng.uniform(-3, 0.5))
        k2 = float(10 ** rng.uniform(-2, 2))
        bp = mean_field_peak(g, H, s, eps, kappa2=k2, variant=variant)
        assert (bp is not None) == surge_condition_exact_mean_field(g, H, s, eps)
        if bp is None:
            continue
        found += 1
        res = minimize_scalar(
            lambda x: -float(eta_star_mean_field(g, H, s, eps, np.exp(x), kappa2=k2,
                                                 variant=variant)),
            bracket=(np.log(bp) - 2, np.log(bp) + 2), tol=1e-12)
        assert np.exp(res.x) == pytest.approx(bp, rel=1e-5)
    assert found >= 3


def test_post_condition_without_mean_field_surge():
    g, H, s = P.two_coordinate_no_surge(0.8).arrays()
    eps = 1e-3
    u = g / np.sqrt(g**2 + eps**2)
    assert np.trace(H) < u @ H @ u < 2 * np.trace(H)
    assert post_surge_condition(g, H, s, eps)
    assert not surge_condition_exact_mean_field(g, H, s, eps)
    assert mean_field_peak(g, H, s, eps) is None
    eta = eta_star_mean_field(g, H, s, eps, np.logspace(-6, 8, 300))
    assert np.all(np.diff(eta) > 0)


# ------------------------------------------------------------ API behaviour
def test_broadcast_shapes(small):
    g, H, s = small
    B = np.array([[0.1, 1.0, 10.0], [2.0, 3.0, 4.0]])
    for f in (lambda b: eta_star(g, H, s, 0.3, b),
              lambda b: eta_star_mean_field(g, H, s, 0.3, b),
              lambda b: eta_star_sgd(g, H, s, b)):
        out = f(B)
        assert out.shape == B.shape
        np.testing.assert_allclose(out.ravel(), [float(f(b)) for b in B.ravel()], rtol=1e-12)
        assert np.shape(f(2.0)) == ()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(B=0.0), "B must be finite and > 0"),
        (dict(B=[1.0, -1.0]), "B must be finite and > 0"),
        (dict(B=np.nan), "B must be finite and > 0"),
        (dict(B=np.inf), "B must be finite and > 0"),
        (dict(eps=-0.1), "eps must be finite and >= 0"),
        (dict(eps=np.nan), "eps must be finite and >= 0"),
        (dict(eps="x"), "eps must be a real scalar"),
        (dict(H=np.array([[1.0, 0.2], [0.0, 1.0]])), "H must be symmetric"),
        (dict(H=np.array([[1.0, 0.0], [0.0, -1.0]])), "H must be positive definite"),
        (dict(sigma=np.ones(3)), "sigma must have shape"),
        (dict(kind="lion"), "kind must be one of"),
    ],
)
def test_eta_star_invalid(kwargs, match):
    args = dict(g=np.array([1.0, -0.5]), H=np.eye(2), sigma=np.ones(2), eps=0.1, B=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        eta_star(**args)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda g, H, s: eta_star_mean_field(g, H, s, 0.1, 1.0, kappa2=0.0), "kappa2"),
        (lambda g, H, s: eta_star_mean_field(g, H, s, 0.1, 1.0, variant="2023"), "variant"),
        (lambda g, H, s: eta_star_mean_field(np.array([0.0, 1.0]), H, s, 0.0, 1.0),
         "g_i\\^2 \\+ eps\\^2 > 0"),
        (lambda g, H, s: mean_field_peak(g, H, s, -1.0), "eps"),
        (lambda g, H, s: eta_star_sgd(g, H, s, -2.0), "B"),
        (lambda g, H, s: surge_peak(g, H, s, 0.1, kind="nope"), "kind"),
        (lambda g, H, s: one_step_mc(g, H, s, 0.1, [1.0, 2.0]), "scalar"),
        (lambda g, H, s: one_step_mc(g, H, s, 0.1, 1.0, K=1), "K must be"),
    ],
)
def test_other_invalid(call, match):
    with pytest.raises(ValueError, match=match):
        call(np.array([1.0, -0.5]), np.eye(2), np.ones(2))


def test_exact_surge_beyond_mean_field_on_diagonal_nqm():
    # Diagonal H gives u^T H u < tr H, so no mean-field surge for any kappa2; the exact eta_star can
    # still overshoot its B -> inf limit (per-coordinate noise lowers E[phi^2] below phi(g)^2 where
    # phi^2 is concave).  A documented instance: theta0 drawn from default_rng(0) (the NQM draw of the
    # eta section before one seeding scheme; the int seeds of problems.nqm are the trainer's), where
    # the exact peak rises ~1% above the plateau.
    g, H, s = P.nqm(30, seed=np.random.default_rng(0)).arrays()
    eps = 0.03
    assert not post_surge_condition(g, H, s, eps)
    assert mean_field_peak(g, H, s, eps) is None
    bp = surge_peak(g, H, s, eps)
    assert bp is not None
    assert float(eta_star(g, H, s, eps, bp)) > 1.005 * eta_star_limit_large_B(g, H, eps)


def test_whether_the_diagonal_nqm_surges_depends_on_the_draw():
    # Over draws of theta0 (seeds 0..9, fixed H and sigma) the post's condition and the mean-field
    # surge fail on every draw (diagonal H), yet the exact surge at eps = 0.03 exceeds
    # SURGE_MIN_STRENGTH on some draws and is absent (eta_star monotone) on others.
    strengths = []
    for seed in range(10):
        g, H, s = P.nqm(30, seed=seed).arrays()
        assert not post_surge_condition(g, H, s, 0.03) and mean_field_peak(g, H, s, 0.03) is None
        strengths.append(surge_strength(g, H, s, 0.03))
    strengths = np.array(strengths)
    assert np.any(strengths > SURGE_MIN_STRENGTH), strengths
    assert np.any(strengths == 0.0), strengths


# ------------------------------------------------------------ surge strength, B_noise, sign peak
from adameps.optimal_lr import (  # noqa: E402
    SURGE_MIN_STRENGTH,
    b_noise,
    eps_fractions,
    sign_peak_small_batch,
    sqrt_rule_log_deviation,
    surge_strength,
    surge_vanishing_eps,
)


def test_b_noise_halves_sgd_optimum(small):
    g, H, s = small
    bn = b_noise(g, H, s)
    assert bn == pytest.approx(np.sum(s**2 * np.diag(H)) / (g @ H @ g), rel=1e-14)
    eta_max = g @ g / (g @ H @ g)
    assert float(eta_star_sgd(g, H, s, bn)) == pytest.approx(eta_max / 2, rel=1e-12)


def test_sign_eta_star_is_erf_formula(small):
    # Li et al. (2024), Theorem 2: the sign optimum with m1 = erf(a/sqrt2), m2 = 1.
    from scipy.special import erf

    g, H, s = small
    for B in (0.01, 1.0, 50.0):
        m1 = erf(g * np.sqrt(B) / s / np.sqrt(2))
        want = m1 @ g / (m1 @ H @ m1 + (1 - m1**2) @ np.diag(H))
        assert float(eta_star(g, H, s, 0.0, B, kind="sign")) == pytest.approx(want, rel=1e-12)


def test_sign_peak_small_batch_limit():
    # Uniform sigma: the closed form is (pi/2) B_noise, and the exact sign peak approaches it as the
    # spike grows with n (the a_i at the peak shrink like n^(-1/2)).
    gaps = []
    for n in (80, 320):
        g, H, s = P.low_rank_dominated(n, spike=10.0 * n, seed=1, noise_spread=0.0).arrays()
        sb = sign_peak_small_batch(g, H, s)
        assert sb == pytest.approx(np.pi / 2 * b_noise(g, H, s), rel=1e-12)
        gaps.append(abs(surge_peak(g, H, s, 0.0, kind="sign") / sb - 1))
    assert gaps[1] < gaps[0] / 2 and gaps[1] < 0.01
    with pytest.raises(ValueError, match="g = 0"):
        sign_peak_small_batch(np.zeros(2), np.eye(2), np.ones(2))


def test_surge_strength(small):
    g, H, s = P.low_rank_dominated(40, rank=1, seed=0).arrays()
    st = surge_strength(g, H, s, 1e-3)
    bp = surge_peak(g, H, s, 1e-3)
    assert st == pytest.approx(float(eta_star(g, H, s, 1e-3, bp)) / eta_star_limit_large_B(g, H, 1e-3) - 1)
    assert st > 0.5
    g, H, s = P.nqm(30, seed=0).arrays()
    assert surge_strength(g, H, s, 0.0, kind="sign") == 0.0


def test_surge_vanishing_eps():
    g, H, s = P.low_rank_dominated(40, rank=1, seed=0).arrays()
    lo, hi = 1e-2, 1e3
    assert surge_strength(g, H, s, lo) > 1e-3 >= surge_strength(g, H, s, hi)
    e = surge_vanishing_eps(g, H, s, lo, hi, 1e-3)
    assert lo < e < hi
    assert surge_strength(g, H, s, e) == pytest.approx(1e-3, abs=1e-6)
    assert surge_strength(g, H, s, e * 0.99) > 1e-3 > surge_strength(g, H, s, e * 1.01)
    with pytest.raises(ValueError, match="must exceed min_strength"):
        surge_vanishing_eps(g, H, s, hi, 2 * hi, 1e-3)
    with pytest.raises(ValueError, match="eps_lo < eps_hi"):
        surge_vanishing_eps(g, H, s, hi, lo, 1e-3)


def test_eps_fractions():
    g = np.array([1e-3, -1e-1, 2.0, 0.5])
    sigma = np.array([1.0, 4.0, 0.01, 1.0])
    frac_grad, frac_noise = eps_fractions(g, sigma, 0.2, [1.0, 100.0])
    assert frac_grad == 0.5
    # eps sqrt(B) > sigma_i: B = 1 -> 0.2 > sigma only for 0.01; B = 100 -> 2 > sigma for three.
    np.testing.assert_array_equal(frac_noise, [0.25, 0.75])
    assert np.shape(eps_fractions(g, sigma, 0.2, 3.0)[1]) == ()
    with pytest.raises(ValueError, match="one shape"):
        eps_fractions(g, sigma[:3], 0.2, 1.0)


def test_sqrt_rule_log_deviation(small):
    g, H, s = small
    bn = b_noise(g, H, s)
    B_ref = 1e-7 * bn
    B = B_ref * np.logspace(0, 3, 7)
    eps_ref = np.median(s) / np.sqrt(B_ref)  # b ~ 1
    d_sqrt = sqrt_rule_log_deviation(g, H, s, eps_ref, B_ref, B)
    d_fixed = sqrt_rule_log_deviation(g, H, s, eps_ref, B_ref, B, rule="fixed")
    assert d_sqrt[0] == 0.0 and d_fixed[0] == 0.0
    # Deep in the noise-dominated regime, eps ∝ B^(-1/2) gives eta ∝ sqrt(B) ...
    assert np.max(np.abs(d_sqrt)) < 1e-3
    # ... while fixed eps does not (b grows, softsign drifts towards SGD's eta ∝ B).
    assert d_fixed[-1] > 0.3
    # Fixed eps with b >> 1 is SGD with eta/eps: eta ∝ B, i.e. D = log(B/B_ref)/2.
    d_sgd = sqrt_rule_log_deviation(g, H, s, 1e4 * eps_ref, B_ref, B, rule="fixed")
    np.testing.assert_allclose(d_sgd, 0.5 * np.log(B / B_ref), atol=1e-3)
    with pytest.raises(ValueError, match="rule must be"):
        sqrt_rule_log_deviation(g, H, s, eps_ref, B_ref, B, rule="linear")
