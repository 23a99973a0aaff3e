"""adameps.predict / eps_switch / prepare_inputs against independent computations."""

import numpy as np
import pytest

from adameps import optimal_lr as ol
from adameps import practical
from adameps import problems as P


@pytest.fixture(scope="module")
def surging():
    return P.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()


def test_predict_surge_matches_surge_peak(surging):
    """The range's refined maximum and its strength agree with the library's global scan."""
    g, H, s = surging
    out = practical.predict(g, H, s, [1e-3], np.geomspace(0.01, 10.0, 16))
    c = out["curves"][0]
    assert c["surge"] is not None
    assert c["surge"]["B_peak"] == pytest.approx(ol.surge_peak(g, H, s, 1e-3), rel=1e-3)
    assert c["surge"]["strength"] == pytest.approx(ol.surge_strength(g, H, s, 1e-3), rel=1e-6)
    # a range that ends before the peak has no interior maximum: no surge reported
    assert practical.predict(g, H, s, [1e-3], np.geomspace(0.01, 0.2, 8))["curves"][0]["surge"] is None
    # a threshold above the strength hides it
    high = practical.predict(g, H, s, [1e-3], np.geomspace(0.01, 10.0, 16), min_strength=2.0)
    assert high["curves"][0]["surge"] is None


def test_eps_matters_is_where_the_deviation_crosses_the_tolerance():
    g, H, s = P.nqm(40, seed=0).arrays()
    B = np.geomspace(1.0, 1e5, 21)
    out = practical.predict(g, H, s, [1e-2], B, matter_rtol=0.05)
    Bm = out["curves"][0]["eps_matters_B"]
    assert B[0] < Bm < B[-1]
    dev = lambda b: abs(np.log(ol.eta_star(g, H, s, 1e-2, b) / ol.eta_star(g, H, s, 0.0, b, kind="sign")))  # noqa: E731
    assert dev(Bm) == pytest.approx(np.log(1.05), rel=1e-4)
    assert dev(Bm * 0.99) < np.log(1.05) < dev(Bm * 1.01)
    assert out["curves"][0]["eta_rel"][0] == 1.0
    assert out["b_noise"] == pytest.approx(ol.b_noise(g, H, s), rel=1e-14)


@pytest.mark.parametrize("eps_from, eps_to, lr_ratio", [(1e-8, 1e-2, 1.0), (1e-8, 1e-2, 0.5), (1e-2, 1e-1, 1.5)])
def test_eps_switch_keeps_the_expected_progress(surging, eps_from, eps_to, lr_ratio):
    g, H, s = surging
    B = 3.0
    r = practical.eps_switch(g, H, s, eps_from, eps_to, B, lr_ratio=lr_ratio)
    Sf, Df = ol.one_step_terms(g, H, s, eps_from, B)
    St, Dt = ol.one_step_terms(g, H, s, eps_to, B)
    eta = lr_ratio * Sf / Df
    new = r["factor_progress"] * eta
    assert new * St - 0.5 * new**2 * Dt == pytest.approx(eta * Sf - 0.5 * eta**2 * Df, rel=1e-12)
    assert new <= St / Dt * (1 + 1e-12)  # the smaller root: at most the new optimum
    ratio = float(ol.eta_star(g, H, s, eps_to, B) / ol.eta_star(g, H, s, eps_from, B))
    assert r["factor_optimum"] == pytest.approx(ratio, rel=1e-12)


def test_eps_switch_without_a_solution_says_so(surging):
    g, H, s = surging
    r = practical.eps_switch(g, H, s, 1e-2, 1e-8, 3.0)
    Sf, Df = ol.one_step_terms(g, H, s, 1e-2, 3.0)
    St, Dt = ol.one_step_terms(g, H, s, 1e-8, 3.0)
    assert (r["factor_progress"] is None) == bool(Sf**2 / Df > St**2 / Dt)


@pytest.mark.parametrize("kw, match", [
    (dict(lr_ratio=2.0), "lr_ratio must be in"),
    (dict(B=0.0), "B must be"),
    (dict(eps_to=-1.0), "eps must be"),
])
def test_eps_switch_bad_inputs(surging, kw, match):
    g, H, s = surging
    args = dict(eps_from=1e-3, eps_to=1e-8, B=4.0) | kw
    with pytest.raises(ValueError, match=match):
        practical.eps_switch(g, H, s, **args)


def test_prepare_inputs_bad():
    with pytest.raises(ValueError, match="sigma must be a 1-D array"):
        practical.prepare_inputs([1.0, 2.0], [1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="hdiag must be finite"):
        practical.prepare_inputs([1.0], [1.0], [np.nan])
    with pytest.raises(ValueError, match="sigma is 0 on every coordinate"):
        practical.prepare_inputs([1.0], [0.0], [1.0])
