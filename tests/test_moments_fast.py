"""``method="fast"`` of the moments and of eta_star against the exact algorithms and mpmath.

The fast path (adameps.moments_fast) switches at b = FAST_B_MAX = 0.02 (series / exact) for
softsign and clip, at b = FAST_B_MAX_ADAM = 0.004 for adam and at |a| = FAST_A_MAX = 12 for
softsign and adam; the grids below straddle these switches densely on both sides, go down to
b = 1e-300 and include the special values.  Measured worst relative differences (fast vs
exact): softsign m1 8.1e-12 (at b = 0.0187, just below the switch), softsign m2 2.9e-12, adam m1
4.3e-13, adam m2 3.6e-12, clip 0 (the dropped Taylor terms are below rounding); the stated bound
is FAST_RTOL = 1e-10.  The 2-D tables for moderate b (between the series' switch and
T2_B_MAX[kind], |a| <= 12) are tested on their own dense grids, which straddle both of their b
switches and |a| = 12 (measured worst m1, m2: softsign 1.6e-11, 6.4e-12; adam 1.1e-12, 4.0e-12);
clip's switch from 4/5 to 16/17 Taylor terms (b = 0.02) and to the exact algorithms (b = 1/2) likewise.
"""

import math

import numpy as np
import pytest

from adameps import moments_fast as MF
from adameps import optimal_lr as ol
from adameps.moments import AUTO_MIN_POINTS, moments

FAST_KINDS = ("sign", "softsign", "clip", "adam")


def _rel(x, ref):
    x, ref = np.asarray(x), np.asarray(ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.abs(x - ref) / np.abs(ref)
    return np.where(ref == 0, np.abs(x - ref), r)


def _grid():
    bs = MF.FAST_B_MAX
    a = np.concatenate([
        np.linspace(0.0, 13.0, 521),
        MF.FAST_A_MAX + np.linspace(-1e-3, 1e-3, 21),  # both sides of |a| = 12
        [1e-300, 1e-12, 1e-6, 40.0, 45.0],
    ])
    b = np.concatenate([
        np.geomspace(1e-300, 1e-13, 5),
        np.geomspace(1e-12, 0.05, 141),
        bs + np.linspace(-2e-4, 2e-4, 21),  # both sides of b = 0.02
        MF.FAST_B_MAX_ADAM + np.linspace(-4e-5, 4e-5, 21),  # both sides of adam's b = 0.004
    ])
    A, Bm = np.meshgrid(np.concatenate([-a[::7], a]), b)
    return A, Bm


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_fast_matches_exact_on_grids_straddling_the_switches(kind):
    A, Bm = _grid()
    e1, e2 = moments(kind, A, Bm)
    f1, f2 = moments(kind, A, Bm, method="fast")
    assert _rel(f1, e1).max() <= MF.FAST_RTOL
    assert _rel(f2, e2).max() <= MF.FAST_RTOL
    assert np.all(f1 * f1 <= f2) and np.all(np.abs(f1) <= 1) and np.all((f2 >= 0) & (f2 <= 1))
    # the series are really used below the switch and not above (else the test proves nothing)
    below = (np.abs(A) <= MF.FAST_A_MAX) & (Bm <= MF.FAST_B_MAX_ADAM) & (Bm > 1e-4)
    if kind in ("softsign", "adam"):
        assert np.any(f1[below] != e1[below])


def test_fast_clip_across_its_switches():
    """Clip: 4/5 Taylor terms up to b = 0.02, 10/11 up to b = 1/2, exact above; dense on both sides."""
    a = np.concatenate([np.linspace(0.0, 13.0, 1301), [1e-300, 40.0, 45.0]])
    b = np.concatenate([np.geomspace(1e-3, 5.0, 401), MF.FAST_B_MAX * (1 + np.linspace(-1e-2, 1e-2, 21)),
                        MF.CLIP_TAYLOR_B_MAX * (1 + np.linspace(-1e-2, 1e-2, 21))])
    A, Bm = np.meshgrid(a, b)
    e1, e2 = moments("clip", A, Bm)
    f1, f2 = moments("clip", A, Bm, method="fast")
    r1, r2 = _rel(f1, e1).max(), _rel(f2, e2).max()
    print("clip: worst relative difference m1", r1, "m2", r2)
    assert r1 <= MF.FAST_RTOL and r2 <= MF.FAST_RTOL
    assert np.all(f1 * f1 <= f2)


@pytest.mark.parametrize("kind", ("softsign", "adam"))
def test_fast_table_region_matches_exact(kind):
    """The 2-D tables (moderate b): dense in a (straddling |a| = 12) and in b from below the
    series' switch to above T2_B_MAX[kind] (both switches straddled densely)."""
    lo, hi = MF._t2_b_min(kind), MF.T2_B_MAX[kind]
    a = np.concatenate([np.linspace(0.0, 12.5, 1001), MF.FAST_A_MAX + np.linspace(-1e-3, 1e-3, 11), [1e-300, 1e-9]])
    b = np.concatenate([np.geomspace(lo / 2, 2 * hi, 601), lo * (1 + np.linspace(-1e-2, 1e-2, 21)),
                        hi * (1 + np.linspace(-1e-2, 1e-2, 21))])
    A, Bm = np.meshgrid(a, b)
    e1, e2 = moments(kind, A, Bm)
    f1, f2 = moments(kind, A, Bm, method="fast")
    r1, r2 = _rel(f1, e1).max(), _rel(f2, e2).max()
    print(kind, "table region: worst relative difference m1", r1, "m2", r2)
    assert r1 <= MF.FAST_RTOL and r2 <= MF.FAST_RTOL
    assert np.all(f1 * f1 <= f2)
    # the table is really used between the switches (and nowhere else)
    inside = (A <= MF.FAST_A_MAX) & (Bm > lo) & (Bm <= hi)
    assert _rel(f2[inside], e2[inside]).max() > 1e-14
    # outside (|a| > 12 or b > T2_B_MAX) the exact algorithms (up to the last bits of their block layout)
    outside = (A > MF.FAST_A_MAX) | (Bm > hi)
    assert _rel(f1[outside], e1[outside]).max() <= 1e-14 and _rel(f2[outside], e2[outside]).max() <= 1e-14


def test_table_build_is_deterministic():
    first = {k: MF._table2d(k)[0].copy() for k in ("softsign", "adam")}
    for k in first:
        del MF._T2[k]
    for k, rows in first.items():
        assert np.array_equal(MF._table2d(k)[0], rows)


def test_fast_softsign_worst_case_is_near_the_b_switch():
    """The series' errors grow like b^6 log b (softsign) and b^5 log b (adam): largest just below
    the switch, and small there."""
    a = np.linspace(0.0, 12.0, 1201)
    cases = ((MF.softsign_small_b, "softsign", (1e-3, 1e-2, MF.FAST_B_MAX), (1e-14, 5e-13, 2e-11)),
             (MF.adam_small_b, "adam", (1e-4, 1e-3, MF.FAST_B_MAX_ADAM), (5e-14, 5e-14, 1e-11)))
    for series, kind, bs, bounds in cases:
        errs = []
        for b in bs:
            e1, e2 = moments(kind, a, b)
            s1, s2 = series(a, np.full_like(a, b))
            errs.append(max(_rel(s1, e1).max(), _rel(s2, e2).max()))
        assert all(e <= bound for e, bound in zip(errs, bounds)), (kind, errs)


@pytest.mark.parametrize("kind, a, b", [("softsign", 0.3, 1e-3), ("softsign", 1.7, 0.015), ("softsign", 5.0, 0.0199),
                                        ("softsign", -11.5, 0.01), ("softsign", 1e-6, 1e-7), ("clip", 2.5, 0.019),
                                        ("adam", 0.3, 1e-3), ("adam", 2.2, 0.0039), ("adam", -7.0, 1e-5)])
def test_fast_against_mpmath(kind, a, b):
    from mpmath_reference import reference

    r1, r2 = (float(v) for v in reference(kind, a, b, dps=20))
    m1, m2 = moments(kind, np.array([a]), np.array([b]), method="fast")
    assert abs(m1[0] - r1) <= 1e-10 * abs(r1) and abs(m2[0] - r2) <= 1e-10 * abs(r2)


def test_finite_part_table_against_its_definition_and_mpmath():
    import mpmath as mp

    a = np.linspace(1e-3, 12.0, 2001)
    # the interpolation errors the error budget of adameps.moments_fast relies on (measured
    # 1.3e-10, 5.7e-7, 3.6e-12, 2.3e-7, 1.2e-11, 6.8e-8; H1 and H3: 3.6e-11, 1.7e-7)
    budget = dict(Phi0=4e-10, Phi1=2e-5, G0=2e-11, G1=1e-6, E0=2e-10, E1=1e-5, H1=1e-10, H3=1e-6)
    assert set(budget) == set(MF._SPECS) == set(MF.TABLE_NAMES)
    for name, (p, even, _, over_a) in MF._SPECS.items():
        ref = MF._hilbert_derivative(a, even) if p is None else MF._finite_part(a, p, even)
        (tab,) = MF._tabulated((name,), a)
        assert np.abs(tab - (ref / a if over_a else ref)).max() <= budget[name], name
    # H1 and H3 against their definition, the first and third derivatives of
    # H(a) = sqrt2 F(a/sqrt2) = sqrt(pi/2) exp(-a^2/2) erfi(a/sqrt2), by mpmath
    with mp.workdps(30):
        def H(x):
            return mp.sqrt(mp.pi / 2) * mp.exp(-x * x / 2) * mp.erfi(x / mp.sqrt(2))

        for av in (0.4, 3.0, 9.0):
            for third in (False, True):
                ref = float(mp.diff(H, av, 3 if third else 1))
                got = MF._hilbert_derivative(np.array([av]), third)[0]
                assert abs(got - ref) <= 1e-13 * max(1.0, abs(ref)), (av, third)
    # an independent evaluation of Phi_0 = FP int_0^inf f(y)/y^2 dy by mpmath quadrature on
    # [d, inf), d = 1e-3, and the Taylor terms f_1 d^2/2 + f_2 d^4/4 on [0, d] (where f - f0 y
    # cancels to f_1 y^3; the next term is below 1e-19)
    for av in (0.4, 2.0, 7.0):
        with mp.workdps(30):
            A, d = mp.mpf(av), mp.mpf("1e-3")
            pdf = lambda y: mp.exp(-y * y / 2) / mp.sqrt(2 * mp.pi)  # noqa: E731
            f = lambda y: pdf(y - A) - pdf(y + A)  # noqa: E731
            f0 = 2 * A * pdf(A)
            f1 = (A**3 - 3 * A) * pdf(A) / 3
            f2 = 2 * (A**5 - 10 * A**3 + 15 * A) * pdf(A) / 120
            ref = (f1 * d**2 / 2 + f2 * d**4 / 4 + mp.quad(lambda y: (f(y) - f0 * y) / y**2, [d, 1])
                   + mp.quad(lambda y: f(y) / y**2, sorted({1, max(1, A - 4), max(1, A), A + 4, A + 15})))
        assert abs(MF._phi_finite_parts(np.array([av]))[0][0] - float(ref)) <= 1e-13 * abs(float(ref))


def test_special_values_and_auto():
    a = np.array([-np.inf, -2.0, 0.0, 3.0, np.inf, 1.0, 1.0])
    b = np.array([0.01, 0.0, 0.005, np.inf, 0.3, 1e-320, 0.02])
    for kind in FAST_KINDS:
        e1, e2 = moments(kind, a, b)
        f1, f2 = moments(kind, a, b, method="fast")
        assert np.all(_rel(f1, e1) <= MF.FAST_RTOL) and np.all(_rel(f2, e2) <= MF.FAST_RTOL)
        # auto below AUTO_MIN_POINTS is the exact path, bit for bit
        u1, u2 = moments(kind, a, b, method="auto")
        assert np.array_equal(u1, e1) and np.array_equal(u2, e2)
    m1, m2 = moments("softsign", 1.0, 1e-3, method="fast")
    assert np.ndim(m1) == 0 and np.ndim(m2) == 0
    with pytest.raises(ValueError, match="method"):
        moments("softsign", 1.0, 1e-3, method="quick")
    with pytest.raises(ValueError, match="method"):
        ol.eta_star([1.0], [1.0], [1.0], 1e-3, 4.0, method="quick")


def _problem(n, seed=0):
    """The benchmark's statistics (benchmarks/bench_eta_scale.py), smaller."""
    rng = np.random.default_rng(seed)
    sigma = 1e-2 * np.exp(rng.normal(0.0, np.log(10.0) / 2, n))
    g = 0.05 * sigma * rng.standard_normal(n)
    h = np.exp(rng.normal(0.0, 1.0, n))
    return g, h, sigma


@pytest.mark.parametrize("kind", FAST_KINDS)
@pytest.mark.parametrize("eps", [1e-8, 1e-5, 1e-3])
def test_eta_star_fast_vs_exact_diagonal(kind, eps):
    """Diagonal H: S = sum m1 g (one sign) and D = sum m2 H_ii, so eta's error <= 2 FAST_RTOL."""
    g, h, sigma = _problem(1500)
    B = np.geomspace(32, 4096, 8)
    ex = ol.eta_star(g, h, sigma, eps, B, kind=kind)
    fa = ol.eta_star(g, h, sigma, eps, B, kind=kind, method="fast")
    assert np.max(np.abs(fa / ex - 1)) <= 2 * MF.FAST_RTOL
    S, D = ol.one_step_terms(g, h, sigma, eps, B, kind=kind, method="fast")
    assert np.allclose(S / D, fa, rtol=1e-15, atol=0)
    # default and auto (3000 x 12 points < AUTO_MIN_POINTS) are the exact path, bit for bit
    assert 1500 * 8 < AUTO_MIN_POINTS
    assert np.array_equal(ol.eta_star(g, h, sigma, eps, B, kind=kind, method="auto"), ex)


def test_eta_star_fast_vs_exact_dense():
    """A dense SPD H (the var term can cancel there): measured 1e-13, bound 1e-9."""
    rng = np.random.default_rng(1)
    n = 60
    g, h, sigma = _problem(n, seed=2)
    Q = rng.standard_normal((n, n)) / math.sqrt(n)
    H = Q @ Q.T + np.diag(h)
    B = np.geomspace(1, 1e6, 15)
    for eps in (1e-8, 1e-4):
        ex = ol.eta_star(g, H, sigma, eps, B)
        fa = ol.eta_star(g, H, sigma, eps, B, method="fast")
        assert np.max(np.abs(fa / ex - 1)) <= 1e-9


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_diagonal_terms_blocks_rest_points_and_per_b_eps(kind, monkeypatch):
    """The compiled diagonal pass (adameps.moments_fast.diagonal_terms) against the moments path
    (one_step_terms with a dense diag H, which does not use it): across coordinate blocks, with
    points beyond the compiled range (b > T2_B_MAX, b = 0, |a| > 12) left to the exact
    algorithms, with one eps per batch size and read-only inputs."""
    from adameps.hessian import Hessian

    g, h, sigma = _problem(700, seed=3)
    g[:5] = 0.0  # a = 0
    g[5:10] = 50.0 * sigma[5:10]  # |a| > 12 at every B
    B = np.geomspace(1.0, 4096.0, 9)
    eps = np.array([0.0, 1e-8, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1.0, 10.0])  # b = 0 up to b >> T2_B_MAX
    monkeypatch.setattr(MF, "_DIAG_BLOCK", 256)  # three blocks, the last partial
    S, D = MF.diagonal_terms(kind, g, Hessian.diagonal(h).diag, sigma, eps, B)
    S0, D0 = _terms_per_eps(g, h, sigma, eps, B, kind)
    assert np.max(np.abs(S / S0 - 1)) <= 2 * MF.FAST_RTOL and np.max(np.abs(D / D0 - 1)) <= 2 * MF.FAST_RTOL
    a = np.abs(g)[:, None] * np.sqrt(B) / sigma[:, None]
    b = eps * np.sqrt(B) / sigma[:, None]
    code = MF.KIND_CODES[kind]
    from adameps import _fast_kernels as K

    ok = np.vectorize(lambda x, y: K.in_range(code, x, y))(a, b)
    if kind != "sign":  # the exact algorithms really take part
        assert 0 < (~ok).sum() < ok.size


def _terms_per_eps(g, h, sigma, eps, B, kind):
    S0, D0 = np.empty(B.size), np.empty(B.size)
    for j in range(B.size):
        S0[j], D0[j] = ol.one_step_terms(g, np.diag(h), sigma, eps[j], B[j], kind=kind)
    return S0, D0
