r"""From a model's measured statistics to answers: how eta* moves with B and eps, and eps switches.

Input: per coordinate the mean gradient ``g``, the per-example noise ``sigma`` and the Hessian
(usually its diagonal ``hdiag``, e.g. :func:`adameps.torch_stats.collect_stats`).  Pure
functions returning dicts of numbers; ``adameps predict`` / ``adameps eps-switch`` print them.

* :func:`prepare_inputs` -- drop dead coordinates (``sigma = 0``), floor a noisy Hessian diagonal;
* :func:`predict` -- ``eta*(B)`` per eps relative to a reference batch size, McCandlish's
  ``B_noise``, the surge peak with its strength (none below ``min_strength``) and the batch size
  from which eps changes ``eta*`` by more than ``matter_rtol`` against SignSGD (eps = 0);
* :func:`eps_switch` -- the learning-rate factor that keeps the expected one-step progress
  unchanged when eps is changed mid-training.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from adameps import optimal_lr as ol
from adameps.hessian import Hessian
from adameps.moments import check_method, moments
from adameps.update_maps import check_kind

__all__ = ["prepare_inputs", "predict", "eps_switch"]


def prepare_inputs(g, sigma, hdiag, floor_rel=1e-6, hvp=None):
    r"""Measured ``(g, sigma, hdiag)`` -> ``(g, H, sigma, info)`` for the formulas.

    Coordinates with ``sigma_i = 0`` (a gradient identically the same for every example, e.g.
    weights of always-zero inputs) are outside the noise model (``a_i`` infinite) and dropped.
    A Hessian diagonal estimated at a non-convex point (Hutchinson) can be ``<= 0``; it is floored
    at ``floor_rel * max(hdiag)`` so that ``H = diag(hdiag)`` is positive definite.  ``info``
    counts both (``n_dead``, ``n_floored``) and gives ``n`` (coordinates kept).

    With ``hvp`` (a Hessian-vector product on all N coordinates, ``V (k, N) -> V H``, e.g.
    :func:`adameps.torch_stats.hvp_operator`), ``H`` is the operator form
    (:meth:`adameps.hessian.Hessian.operator`): the full Hessian restricted to the kept
    coordinates, with the floored diagonal for the variance term, so the quadratic forms
    ``m1^T H m1`` keep the off-diagonal curvature.  Its quadratic forms must be ``> 0`` (a
    ValueError names ``H`` where they are not: the point is not locally convex along them).

    Examples
    --------
    >>> g, H, s, info = prepare_inputs([1.0, 0.0, 2.0], [1.0, 0.0, 1.0], [1.0, 5.0, -1.0])
    >>> g.tolist(), H.diag.tolist(), info["n_dead"], info["n_floored"]
    ([1.0, 2.0], [1.0, 1e-06], 1, 1)
    >>> M = np.array([[1.0, 0.0, 0.5], [0.0, 5.0, 0.0], [0.5, 0.0, 2.0]])  # the full Hessian
    >>> g, H, s, info = prepare_inputs([1.0, 0.0, 2.0], [1.0, 0.0, 1.0], np.diag(M), hvp=lambda V: V @ M)
    >>> H.form, float(H.quad(np.array([1.0, 1.0])))  # off-diagonal kept: 1 + 2 * 0.5 + 2
    ('operator', 4.0)
    """
    g = np.asarray(g, float)
    sigma = np.asarray(sigma, float)
    hdiag = np.asarray(hdiag, float)
    for name, arr in (("g", g), ("sigma", sigma), ("hdiag", hdiag)):
        if arr.ndim != 1 or arr.shape != g.shape:
            raise ValueError(f"{name} must be a 1-D array of the length of g ({g.size}), got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite (found NaN or inf)")
    if np.any(sigma < 0):
        raise ValueError("sigma must be >= 0")
    if not float(floor_rel) > 0:
        raise ValueError(f"floor_rel must be > 0, got {floor_rel!r}")
    live = sigma > 0
    if not live.any():
        raise ValueError("sigma is 0 on every coordinate: no gradient noise to build the theory on")
    h = hdiag[live]
    if not h.max() > 0:
        raise ValueError("hdiag has no positive entry: the Hessian estimate is not usable")
    floor = float(floor_rel) * h.max()
    info = dict(n=int(live.sum()), n_dead=int((~live).sum()), n_floored=int(np.sum(h < floor)),
                floor=floor, floor_rel=float(floor_rel))
    hd = np.maximum(h, floor)
    if hvp is None:
        return g[live], Hessian.diagonal(hd), sigma[live], info
    if not callable(hvp):
        raise ValueError(f"hvp must be a callable V (k, N) -> H V (k, N) or None, got {hvp!r:.60}")
    idx = np.flatnonzero(live)

    def hvp_live(V):
        V = np.atleast_2d(V)
        full = np.zeros((V.shape[0], g.size))
        full[:, idx] = V
        return np.asarray(hvp(full), float)[:, idx]

    return g[live], Hessian.operator(hvp_live, hd), sigma[live], info


def _refine_peak(f, logB, eta, i):
    res = minimize_scalar(lambda t: -float(f(np.exp(t))), bounds=(logB[i - 1], logB[i + 1]),
                          method="bounded", options={"xatol": 1e-6})
    return (float(np.exp(res.x)), -float(res.fun)) if -res.fun >= eta[i] else (float(np.exp(logB[i])), float(eta[i]))


def predict(g, H, sigma, eps, B, B_ref=None, kind="softsign", min_strength=ol.SURGE_MIN_STRENGTH,
            matter_rtol=0.01, method="auto"):
    r"""eta*(B) per eps, relative to a reference batch size, with what a practitioner asks of it.

    For each ``eps`` in the list and the batch sizes ``B`` (sorted, > 0): ``eta`` = the exact
    one-step optimum :func:`adameps.optimal_lr.eta_star` (``kind``, default softsign = the
    post's model of Adam) and ``eta_rel = eta(B)/eta(B_ref)`` (default ``B_ref = B[0]``), the
    factor by which to multiply a learning rate tuned at ``B_ref``.  Per eps also

    * ``surge``: the interior maximum of ``eta`` on the range, refined by bounded Brent in
      ``log B``, with ``strength = eta(B_peak)/eta_inf - 1``, ``eta_inf = u^T g/u^T H u`` the
      B -> inf plateau; ``None`` unless ``strength > min_strength`` (default 1e-3);
    * ``eps_matters_B``: the smallest B in the range where
      ``|log(eta(B, eps)/eta(B, 0))| > log(1 + matter_rtol)`` (eps changes the optimum by more than
      ``matter_rtol`` against SignSGD), root-found between grid points; ``None`` if nowhere in
      the range, ``B[0]`` if already there;
    * ``frac_eps_above_noise``: the share of coordinates with ``eps > sigma_i/sqrt(B)``.

    Also ``b_noise`` (McCandlish et al. 2018, ``tr(H Sigma)/g^T H g``: SGD's eta* is half its
    maximum there) and ``eta_sign`` (eps = 0).  Returns a dict of plain floats and lists.

    ``method`` (default ``"auto"``) is that of :func:`adameps.optimal_lr.eta_star`: at model
    scale (``len(B) * N >= adameps.moments.AUTO_MIN_POINTS``) the fast small-b series, relative
    error of eta below 2e-10 (diagonal H), else the exact moments.

    Examples
    --------
    >>> g, s, h = np.array([0.1, -0.2, 0.05]), np.array([1.0, 2.0, 0.5]), np.array([1.0, 2.0, 3.0])
    >>> out = predict(g, h, s, [1e-8, 1.0], [16, 64, 256])
    >>> [round(x, 3) for x in out["curves"][0]["eta_rel"]]
    [1.0, 1.854, 2.864]
    >>> out["curves"][1]["eps_matters_B"]
    16.0
    """
    g, H, sigma = ol.validate_problem(g, H, sigma)
    eps_list = [ol._check_eps(e) for e in np.atleast_1d(eps)]
    Bv, _ = ol._check_B(B)
    Bv = np.sort(Bv)
    kind = check_kind(kind)
    B_ref = float(Bv[0]) if B_ref is None else float(ol._check_B(B_ref)[0][0])
    if not float(matter_rtol) > 0:
        raise ValueError(f"matter_rtol must be > 0, got {matter_rtol!r}")
    tol = float(np.log1p(matter_rtol))
    logB = np.log(Bv)

    check_method(method, 0)

    def eta_at(e, b, k=kind):
        return ol._eta_star_core(g, H, sigma, e, np.atleast_1d(np.asarray(b, float)), k, method)

    eta_sign = eta_at(0.0, Bv, "sign")
    curves = []
    for e in eps_list:
        eta = eta_at(e, Bv)
        on_grid = np.flatnonzero(Bv == B_ref)
        eta_ref = float(eta[on_grid[0]] if on_grid.size else eta_at(e, B_ref)[0])
        surge = None
        i = int(np.argmax(eta))
        if 0 < i < Bv.size - 1 and np.any(g):
            B_peak, eta_peak = _refine_peak(lambda b: eta_at(e, b)[0], logB, eta, i)
            eta_inf = ol.eta_star_limit_large_B(g, H, e, kind)
            strength = eta_peak / eta_inf - 1.0
            if strength > min_strength:
                surge = dict(B_peak=B_peak, strength=float(strength), eta_peak_rel=eta_peak / eta_ref)
        dev = np.abs(np.log(eta / eta_sign))
        matters = None
        over = np.flatnonzero(dev > tol)
        if over.size:
            j = int(over[0])
            if j == 0:
                matters = float(Bv[0])
            else:
                def f(t, e=e):
                    return abs(np.log(eta_at(e, np.exp(t))[0] / eta_at(0.0, np.exp(t), "sign")[0])) - tol

                matters = float(np.exp(brentq(f, logB[j - 1], logB[j], xtol=1e-6)))
        frac = np.mean(e * np.sqrt(Bv)[:, None] > sigma, axis=1)
        curves.append(dict(eps=e, eta=eta.tolist(), eta_rel=(eta / eta_ref).tolist(), eta_ref=eta_ref,
                           surge=surge, eps_matters_B=matters, frac_eps_above_noise=frac.tolist(),
                           frac_eps_above_grad=float(np.mean(e > np.abs(g)))))
    out = dict(B=Bv.tolist(), B_ref=B_ref, kind=kind, min_strength=float(min_strength),
               matter_rtol=float(matter_rtol), eta_sign=eta_sign.tolist(), n=int(g.size), curves=curves)
    out["b_noise"] = ol.b_noise(g, H, sigma) if np.any(g) else None
    return out


def eps_switch(g, H, sigma, eps_from, eps_to, B, lr_ratio=1.0, kind="softsign", method="auto"):
    r"""The learning-rate factor that keeps the expected one-step progress when eps changes.

    In the one-step picture the expected progress of a step of size ``eta`` is
    ``P(eta; eps) = eta S(eps) - eta^2 D(eps)/2`` (:func:`adameps.optimal_lr.one_step_terms`,
    at batch size ``B``).  Running at ``eta = lr_ratio * eta*(eps_from)`` (``lr_ratio = 1``: at the
    one-step optimum), switching to ``eps_to`` and multiplying the learning rate by

    .. math::  f = \frac{S_t - \sqrt{S_t^2 - 2 D_t P_f}}{D_t\,\eta}

    keeps the progress ``P_f = P(eta; eps_from)`` (the smaller root: the same progress with the
    smaller step).  If ``P_f`` exceeds the best progress at ``eps_to``, ``S_t^2/(2D_t)``, no
    learning rate keeps it: ``factor_progress`` is None and ``factor_optimum`` is the best one can do.
    ``method`` as in :func:`predict`.

    Returns a dict: ``factor_progress``; ``factor_optimum = eta*(eps_to)/eta*(eps_from)``;
    ``factor_rms_step = sqrt(sum m2(eps_from) / sum m2(eps_to))`` (keeps the mean squared update);
    ``progress_ratio_unchanged_lr = P(eta; eps_to)/P_f`` (what switching without changing the
    learning rate does: below 1 is slower progress, below 0 the loss rises); and the terms.

    Examples
    --------
    >>> g, s, h = np.array([0.1, -0.2, 0.05]), np.array([1.0, 2.0, 0.5]), np.array([1.0, 2.0, 3.0])
    >>> r = eps_switch(g, h, s, 1e-8, 1.0, 64)  # raising eps: a larger learning rate keeps the progress
    >>> round(r["factor_progress"], 4), round(r["progress_ratio_unchanged_lr"], 4)
    (2.5376, 0.4472)
    >>> r = eps_switch(g, h, s, 1.0, 1e-8, 64)  # lowering it: the same lr makes the loss rise
    >>> r["factor_progress"] is None, round(r["progress_ratio_unchanged_lr"], 2)
    (True, -20.65)
    """
    g, H, sigma = ol.validate_problem(g, H, sigma)
    ef, et = ol._check_eps(eps_from), ol._check_eps(eps_to)
    (Bf,), _ = ol._check_B(B)
    kind = check_kind(kind)
    lr_ratio = float(lr_ratio)
    if not (np.isfinite(lr_ratio) and 0 < lr_ratio < 2):
        raise ValueError(f"lr_ratio must be in (0, 2) (at 2 x eta* the expected progress is 0), got {lr_ratio!r}")
    if not np.any(g):
        raise ValueError("g = 0: no progress to keep")
    check_method(method, 0)
    (Sf,), (Df,) = ol._terms_core(g, H, sigma, ef, np.array([Bf]), kind, method)
    (St,), (Dt,) = ol._terms_core(g, H, sigma, et, np.array([Bf]), kind, method)
    eta = lr_ratio * Sf / Df
    Pf = eta * Sf - 0.5 * eta * eta * Df
    disc = St * St - 2.0 * Dt * Pf
    factor = float((St - np.sqrt(disc)) / (Dt * eta)) if disc >= 0 else None
    sqB = np.sqrt(Bf)
    m2f = moments(kind, g * sqB / sigma, ef * sqB / sigma, method=method)[1]
    m2t = moments(kind, g * sqB / sigma, et * sqB / sigma, method=method)[1]
    return dict(eps_from=ef, eps_to=et, B=float(Bf), lr_ratio=lr_ratio, kind=kind,
                factor_progress=factor, factor_optimum=float((St / Dt) / (Sf / Df)),
                factor_rms_step=float(np.sqrt(np.sum(m2f) / np.sum(m2t))),
                progress_ratio_unchanged_lr=float((eta * St - 0.5 * eta * eta * Dt) / Pf),
                S_from=float(Sf), D_from=float(Df), S_to=float(St), D_to=float(Dt),
                eta_star_from=float(Sf / Df), eta_star_to=float(St / Dt))

