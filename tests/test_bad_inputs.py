"""Issue #17 point 4: the library's bad inputs get a ValueError naming the argument, or a finite
correct answer (each case failed before: an invented peak, a silently changed answer, a numpy error
naming nothing, NaN, a wrong message, a dropped imaginary part); and point 5: moments() works in
blocks, so its memory does not grow with the input beyond the outputs."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from adameps import moments as moments_module
from adameps import optimal_lr as olr
from adameps import problems
from adameps.moments import KINDS, moments


@pytest.fixture(scope="module")
def nqm():
    return problems.nqm(20).arrays()


# ---------------------------------------------------------------- surge_peak's numerical options
@pytest.mark.parametrize(("option", "value", "message"), [
    ("rtol", np.nan, r"rtol must be finite and >= 0, got rtol=nan"),
    ("rtol", -1.0, r"rtol must be finite and >= 0, got rtol=-1"),
    ("rtol", np.inf, r"rtol must be finite"),
    ("rtol", None, r"rtol must be a real number, got rtol=None"),
    ("xatol", np.nan, r"xatol must be finite and > 0, got xatol=nan"),
    ("xatol", 0.0, r"xatol must be finite and > 0"),
    ("points_per_decade", 0, r"points_per_decade must be finite and > 0, got points_per_decade=0"),
    ("points_per_decade", np.nan, r"points_per_decade must be finite and > 0"),
    ("points_per_decade", -3, r"points_per_decade must be finite and > 0"),
])
def test_surge_peak_options_name_the_argument(nqm, option, value, message):
    g, H, sigma = nqm
    with pytest.raises(ValueError, match=message):
        olr.surge_peak(g, H, sigma, 0.1, **{option: value})


def test_surge_peak_valid_options_unchanged():
    """The checks reject only bad options: the default answer is the one of a finer scan.  On an
    instance with a strong surge (strength 1.05; whether the diagonal NQM surges depends on its draw)."""
    g, H, sigma = problems.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    peak = olr.surge_peak(g, H, sigma, 1e-3)
    assert peak is not None
    assert olr.surge_peak(g, H, sigma, 1e-3, points_per_decade=24, xatol=1e-12) == pytest.approx(peak, rel=1e-4)


# ---------------------------------------------------------------- eta_star at huge eps
@pytest.mark.parametrize("kind", ["softsign", "clip", "adam"])
@pytest.mark.parametrize("eps", [1e20, 1e100, 1e160, 1e200, 1e300])
def test_eta_star_huge_eps_is_eps_times_sgd(nqm, kind, eps):
    """eta_star / eps -> eta_star_sgd as eps -> inf (exact limit, eta_star_limit_large_eps); at
    eps = 1e200 the moments underflow (m2 ~ 1e-400) and the old code returned NaN."""
    g, H, sigma = nqm
    B = np.array([1e-2, 1.0, 100.0, 1e4])
    eta = olr.eta_star(g, H, sigma, eps, B, kind=kind)
    assert np.all(np.isfinite(eta))
    np.testing.assert_allclose(eta / eps, olr.eta_star_limit_large_eps(g, H, sigma, B), rtol=1e-12)


@pytest.mark.parametrize("kind", ["softsign", "clip", "adam"])
def test_eta_star_continuous_across_the_large_eps_switch(nqm, kind):
    """Below the switch (b ~ 1e17) the moments give the same answer as the limit above it."""
    g, H, sigma = nqm
    B = np.array([1.0, 100.0])
    below = olr.eta_star(g, H, sigma, 1e14, B, kind=kind) / 1e14
    above = olr.eta_star(g, H, sigma, 1e22, B, kind=kind) / 1e22
    np.testing.assert_allclose(below, above, rtol=1e-10)


# ---------------------------------------------------------------- the mean field's default kappa2
def test_default_kappa2_defined_for_tiny_nonzero_g(nqm):
    """For g = 1e-200 g0 every u_i g_i underflows; the old code said "undefined when g = 0". kappa2
    depends on g only through u_i g_i ratios and g^2 + eps^2, so at eps = 1 it equals that of g0 * 1e-100."""
    g, H, sigma = nqm
    tiny = olr.kappa2_choices(g * 1e-200, sigma, 1.0)
    ref = olr.kappa2_choices(g * 1e-100, sigma, 1.0)
    assert set(tiny) == set(ref)
    for name in ref:
        assert tiny[name] == pytest.approx(ref[name], rel=1e-12), name
    eta = olr.eta_star_mean_field(g * 1e-200, H, sigma, 1.0, [1.0, 10.0])
    assert np.all(np.isfinite(eta))


def test_default_kappa2_message_only_for_zero_g(nqm):
    _, H, sigma = nqm
    with pytest.raises(ValueError, match=r"undefined when g = 0 \(every g_i = 0\); pass kappa2"):
        olr.eta_star_mean_field(np.zeros_like(sigma), H, sigma, 1.0, [1.0])


# ---------------------------------------------------------------- moments: None, text, complex
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("arg", "value", "message"), [
    ("a", None, r"a must be real numbers, got a=None"),
    ("b", None, r"b must be real numbers, got b=None"),
    ("a", "x", r"a must be real numbers"),
    ("a", 1.0 + 2.0j, r"a must be real, got a complex value"),
    ("a", np.array([1.0 + 0.0j, 2.0]), r"a must be real, got a complex value"),
    ("b", np.array([1.0 + 1e-3j]), r"b must be real, got a complex value"),
    ("a", [1.0, None], r"a must be real numbers"),
])
def test_moments_bad_types_name_the_argument(kind, arg, value, message):
    args = {"a": 1.0, "b": 1.0, arg: value}
    with pytest.raises(ValueError, match=message):
        moments(kind, args["a"], args["b"])


def test_moments_still_take_ints_and_bools_and_lists():
    assert moments("softsign", 1, 2) == moments("softsign", 1.0, 2.0)
    np.testing.assert_array_equal(moments("adam", [1, 2], 1)[0], moments("adam", np.array([1.0, 2.0]), 1.0)[0])


# ---------------------------------------------------------------- moments in blocks (memory)
@pytest.mark.parametrize("kind", KINDS)
def test_moments_blocks_match_one_block(kind, monkeypatch):
    """Blocks change nothing but the order of work: the same values (to the last bits the cores'
    matrix products may round differently in another block layout) as one block."""
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 5.0, 5000)
    b = 10.0 ** rng.uniform(-4.0, 4.0, 5000)
    whole = moments(kind, a, b)
    monkeypatch.setattr(moments_module, "CHUNK", 777)
    blocks = moments(kind, a, b)
    for x, y in zip(whole, blocks, strict=True):
        np.testing.assert_allclose(y, x, rtol=4e-15, atol=1e-300)
    m1, m2 = moments(kind, a.reshape(50, 100), b.reshape(50, 100))  # shape kept
    assert m1.shape == m2.shape == (50, 100)


@pytest.mark.parametrize("kind", ["softsign", "clip"])
def test_moments_memory_does_not_grow_with_the_input(kind, monkeypatch):
    """Working memory is O(CHUNK): with small blocks, the peak over the two outputs stays bounded
    while the input grows fourfold (before: 116 / 156 bytes per point for softsign / clip)."""
    monkeypatch.setattr(moments_module, "CHUNK", 4096)
    rng = np.random.default_rng(1)
    extra = {}
    for n in (50_000, 200_000):
        a = rng.normal(0.0, 5.0, n)
        b = 10.0 ** rng.uniform(-3.0, 3.0, n)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        moments(kind, a, b)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        extra[n] = peak - 16 * n  # beyond the two float64 outputs
    # 4096-point blocks plus the cores' own quadrature blocks (_BLOCK_ELEMS nodes x points): a few MiB
    assert extra[200_000] < 8 * 1024**2, extra
    assert extra[200_000] < 1.5 * extra[50_000] + 256 * 1024, extra
