"""H as a dense matrix, a diagonal or an operator: every eta* function gives the same numbers."""

import numpy as np
import pytest

from adameps import optimal_lr as ol
from adameps import problems as P
from adameps.hessian import Hessian, as_hessian

B = np.geomspace(0.1, 1e4, 9)


def _forms(H, diagonal=False):
    """The same H as the forms a caller can pass; the dense array itself first."""
    out = {"dense": H, "dense_obj": Hessian.dense(H),
           "operator": Hessian.operator(lambda V: V @ H, np.diag(H)),
           "operator_quad": Hessian.operator(lambda V: V @ H, np.diag(H),
                                             quad=lambda V: np.einsum("bi,ij,bj->b", V, H, V))}
    if diagonal:
        out["diagonal"] = np.diag(H).copy()
        out["diagonal_obj"] = Hessian.diagonal(np.diag(H))
    return out


_CALLS = {
    "eta_star_softsign": lambda g, H, s: ol.eta_star(g, H, s, 0.05, B),
    "eta_star_sign": lambda g, H, s: ol.eta_star(g, H, s, 0.0, B, kind="sign"),
    "eta_star_clip": lambda g, H, s: ol.eta_star(g, H, s, 0.05, B, kind="clip"),
    "eta_star_adam": lambda g, H, s: ol.eta_star(g, H, s, 0.05, B, kind="adam"),
    "eta_star_sgd": lambda g, H, s: ol.eta_star_sgd(g, H, s, B),
    "mean_field_2024": lambda g, H, s: ol.eta_star_mean_field(g, H, s, 0.05, B),
    "mean_field_2025": lambda g, H, s: ol.eta_star_mean_field(g, H, s, 0.05, B, variant="2025"),
    "large_eps_post": lambda g, H, s: ol.eta_star_limit_large_eps_post(g, H, s, B),
    "large_B": lambda g, H, s: ol.eta_star_limit_large_B(g, H, 0.05),
    "b_noise": lambda g, H, s: ol.b_noise(g, H, s),
    "sign_peak_small_batch": lambda g, H, s: ol.sign_peak_small_batch(g, H, s),
    "kappa2_best_fit": lambda g, H, s: ol.kappa2_best_fit(g, H, s, 0.05, B),
    "mean_field_peak": lambda g, H, s: ol.mean_field_peak(g, H, s, 1e-3) or 0.0,
    "surge_peak": lambda g, H, s: ol.surge_peak(g, H, s, 1e-3, min_strength=0.0) or 0.0,
    "surge_strength": lambda g, H, s: ol.surge_strength(g, H, s, 1e-3),
    "sqrt_rule": lambda g, H, s: ol.sqrt_rule_log_deviation(g, H, s, 0.05, 10.0, B),
    "post_condition": lambda g, H, s: float(ol.post_surge_condition(g, H, s, 0.05)),
}


@pytest.mark.parametrize("family", ["low_rank_dominated", "nqm"])
@pytest.mark.parametrize("name", list(_CALLS))
def test_every_form_matches_dense(family, name):
    """Operator (and, for a diagonal H, diagonal) forms agree with the dense array to 1e-12 relative."""
    if family == "nqm":
        g, H, s = P.nqm(30, seed=1).arrays()
    else:
        g, H, s = P.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    ref = np.asarray(_CALLS[name](g, H, s), float)
    for form, Hf in _forms(H, diagonal=family == "nqm").items():
        got = np.asarray(_CALLS[name](g, Hf, s), float)
        # surge_peak and kappa2_best_fit are optima of flat functions (their inputs, the eta
        # curves, agree to 1e-12 above): rounding of order 1e-16 in the objective moves the
        # optimum by ~sqrt(1e-16) = 1e-8 relative, so they agree to that resolution.
        rtol = 1e-6 if name in ("surge_peak", "kappa2_best_fit") else 1e-12
        np.testing.assert_allclose(got, ref, rtol=rtol, atol=0, err_msg=f"{name} with H as {form}")


def test_low_rank_surges_and_operator_sees_it():
    g, H, s = P.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    peaks = [ol.surge_peak(g, Hf, s, 1e-3) for Hf in _forms(H).values()]
    assert peaks[0] is not None
    np.testing.assert_allclose(peaks, peaks[0], rtol=1e-6)


def test_blocks_of_batch_sizes_agree(monkeypatch):
    """Evaluating in blocks of batch sizes gives the numbers of one block (to BLAS rounding)."""
    g, H, s = P.nqm(50, seed=2).arrays()
    h = np.diag(H).copy()
    one = ol.eta_star(g, h, s, 1e-2, B)
    monkeypatch.setattr(ol, "_BLOCK_ELEMS", 60)  # one batch size per block
    np.testing.assert_allclose(ol.eta_star(g, h, s, 1e-2, B), one, rtol=1e-14, atol=0)


def test_weak_ripple_is_not_a_peak():
    """The diagonal NQM at eps = 1e-3 rises 1e-4 above its plateau: a maximiser, not a surge."""
    g, H, s = P.nqm(200, seed=0).arrays()
    strength = ol.surge_strength(g, H, s, 1e-3)
    assert 0 < strength < ol.SURGE_MIN_STRENGTH
    assert ol.surge_peak(g, H, s, 1e-3, min_strength=0.0) is not None
    assert ol.surge_peak(g, H, s, 1e-3) is None
    assert ol.surge_peak(g, H, s, 1e-3, min_strength=strength / 2) is not None


def test_strong_surge_is_reported_at_default_threshold():
    g, H, s = P.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    assert ol.surge_strength(g, H, s, 1e-3) > 0.01
    assert ol.surge_peak(g, H, s, 1e-3) is not None


@pytest.mark.parametrize("bad, match", [
    (dict(h=[1.0, 0.0, 1.0]), r"H as a diagonal must be > 0"),
    (dict(h=[1.0, np.nan, 1.0]), r"H as a diagonal must be finite"),
    (dict(h=[1.0, 2.0]), r"H must have shape \(3, 3\) \(dense\) or \(3,\) \(diagonal\)"),
    (dict(h=[1.0 + 1j, 1.0, 1.0]), r"must be real"),
    (dict(h=np.eye(2)), r"H must have shape \(3, 3\)"),
])
def test_bad_diagonal_names_H(bad, match):
    with pytest.raises(ValueError, match=match):
        ol.eta_star(np.ones(3), bad["h"], np.ones(3), 0.1, 1.0)


def test_operator_that_is_not_positive_definite_is_caught():
    Hbad = np.array([[1.0, 2.0], [2.0, 1.0]])  # diagonal > 0, indefinite
    op = Hessian.operator(lambda V: V @ Hbad, np.diag(Hbad))
    with pytest.raises(ValueError, match="H is not positive definite"):
        ol.eta_star_limit_large_B(np.array([1.0, -1.0]), op, 0.0, kind="sign")
    with pytest.raises(ValueError, match="hvp must be a callable"):
        Hessian.operator(np.eye(2), [1.0, 1.0])
    with pytest.raises(ValueError, match="Hessian.operator"):
        as_hessian(lambda V: V)
    with pytest.raises(ValueError, match="H must have size 3"):
        ol.eta_star(np.ones(3), op, np.ones(3), 0.1, 1.0)


def test_dense_hessian_is_factorised_once(monkeypatch):
    """A Hessian built once is not re-validated (no Cholesky) by the eta* calls."""
    g, H, s = P.low_rank_dominated(16, rank=2, spike=12.0, seed=3).arrays()
    Hd = Hessian.dense(H)
    calls = []
    real = np.linalg.cholesky
    monkeypatch.setattr(np.linalg, "cholesky", lambda *a, **k: calls.append(1) or real(*a, **k))
    ol.eta_star(g, Hd, s, 0.05, B)
    ol.surge_strength(g, Hd, s, 1e-3)
    assert calls == []
    ol.eta_star(g, H, s, 0.05, B)
    assert calls == [1]
