r"""Inputs of the one-step theory at the initial point, and measured-vs-predicted metrics.

The theory (``adameps.optimal_lr``) needs the full-batch gradient ``g`` (D,),
the Hessian ``H`` (D, D, SPD) and the per-coordinate per-example gradient
standard deviation ``sigma`` (D,) such that a minibatch gradient of size B has
coordinate variance ``sigma_i^2 / B``.  For the digits trainer
(:func:`adameps.training.train_digits`, minibatches drawn uniformly *with
replacement*) this is exactly the population variance over the training set,

.. math::

    g = \frac1N \sum_n g_n, \qquad \sigma_i^2 = \frac1N \sum_n (g_{n,i} - g_i)^2 .

Hessians:

* NQM: exact, ``H = diag(h)``, ``g = h * theta0``, ``sigma = sqrt(c h)``.
* softmax regression: exact closed form,
  :math:`H = \frac1N \sum_n x_n x_n^\top \otimes (\mathrm{diag}(p_n) - p_n p_n^\top)`
  (index ``d*K + k`` as in ``W.ravel()``).  It is singular (adding the same
  vector to every class column leaves the softmax unchanged: a d_in-dimensional
  null space), so a ridge ``ridge_rel * max diag(H)`` is added to make it SPD as
  the theory's validation requires; at ``1e-8`` it changes eta* by far less
  than any measurement error (the theory only uses ``m1^T H m1`` and
  ``diag H``, both dominated by the non-null directions).
* MLP: ``hessian="fd_full"`` (default, see below), ``"fd_diag"``, or ``"hutchinson"``: diagonal estimate
  :math:`\mathrm{diag}(H) \approx \frac1K \sum_k z_k \odot H z_k` with Rademacher
  ``z_k`` and Hessian-vector products by central finite differences of the
  (hand-written, exact) gradient, :math:`Hz \approx (\nabla L(\theta+hz) -
  \nabla L(\theta-hz))/2h`; off-diagonal entries are dropped (the theory then
  sees ``H = diag``).  ``hessian="fd_full"``: the full Hessian from D
  finite-difference HVPs with unit vectors (columns), symmetrised.  Chosen over
  forward-mode AD because it reuses the trainer's own vectorised gradient and
  needs no new dependency; the FD error (~1e-9 relative at ``h = 1e-5``) is far
  below the Hutchinson sampling error.  The MLP Hessian at init is indefinite:
  negative diagonal entries / eigenvalues are floored at ``floor_rel * max``
  (counted in the result) so that ``H`` is SPD.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import spearmanr

from adameps import optimal_lr as ol
from adameps import problems
from adameps.digits import MLP, SoftmaxRegression, _log_softmax

__all__ = [
    "TheoryInputs",
    "nqm_inputs",
    "gradient_stats",
    "softmax_hessian",
    "softmax_inputs",
    "hvp_fd",
    "hessian_fd",
    "hutchinson_diag",
    "mlp_inputs",
    "digits_inputs",
    "arm_inputs",
    "normalised_log_ratio",
    "spearman",
    "find_surge",
    "compare_curves",
    "predict",
    "predict_terms",
    "pool_terms",
]


@dataclass
class TheoryInputs:
    """``g`` (D,), ``H`` (D, D) SPD, ``sigma`` (D,) > 0 for :func:`adameps.optimal_lr.eta_star`.

    ``live`` (D_full,) bool: which parameters of the flat model vector the
    inputs refer to (dead coordinates with identically zero gradient are
    dropped; all True for the NQM).  ``info``: how they were obtained.

    Examples
    --------
    >>> inp = TheoryInputs(np.array([1.0, -0.5]), np.eye(2), np.array([1.0, 2.0]), np.ones(2, bool))
    >>> float(ol.eta_star(inp.g, inp.H, inp.sigma, 0.1, 4.0)) > 0, inp.info
    (True, {})
    """

    g: np.ndarray
    H: np.ndarray
    sigma: np.ndarray
    live: np.ndarray
    info: dict = field(default_factory=dict)


def nqm_inputs(n=500, noise_scale=1.0, init_seed=0):
    """Exact NQM inputs at ``theta0``: ``g = h*theta0``, ``H = diag(h)``, ``sigma = sqrt(c*h)``.

    The problem :func:`adameps.problems.nqm` (``grad_scale = 1``, ``seed = init_seed``), whose
    ``theta0`` is the initial point of :func:`adameps.training.train_nqm` with the same arguments.

    Examples
    --------
    >>> inp = nqm_inputs(3, noise_scale=2.0)
    >>> np.diag(inp.H), inp.sigma ** 2, inp.info["method"]
    (array([1.        , 0.5       , 0.33333333]), array([2.        , 1.        , 0.66666667]), 'exact')
    >>> bool(np.array_equal(inp.g, np.diag(inp.H) * problems.nqm_theta0(3, 0)))  # the trainer's theta0
    True
    """
    g, H, sigma = problems.nqm(n, noise_scale, 1.0, init_seed).arrays()
    return TheoryInputs(g.copy(), H.copy(), sigma.copy(), np.ones(n, bool), dict(problem="nqm", method="exact"))


def gradient_stats(model, theta, X, Y, sigma_floor_rel=1e-12):
    """Full-batch gradient and per-example std: ``g = mean_n g_n``, ``sigma^2 = mean_n (g_n - g)^2``.

    Returns ``(g, sigma, live, n_floored)`` over all D coordinates.  ``live``
    marks coordinates whose per-example gradient differs between examples;
    the others are the weights of always-blank pixels (input 0 for every
    example): their cross-entropy gradient is identically 0, so without L2
    they never move, and with L2 they only decay deterministically
    (gradient ``l2*theta``, no noise) -- the noise model does not apply
    (``a = g sqrt(B)/sigma`` would be infinite) and their loss contribution is
    O(l2), so the ``*_inputs`` functions drop them.  Live coordinates with a
    tiny variance get ``sigma >= sigma_floor_rel * max(sigma)``.

    Examples
    --------
    >>> from adameps.digits import load_digits_data
    >>> d = load_digits_data(n_train=100)
    >>> model = SoftmaxRegression(d.d_in, d.n_classes)
    >>> g, sigma, live, n_floored = gradient_stats(model, model.init(), d.X_train, d.Y_train)
    >>> g.shape, int(live.sum()) < g.size, n_floored  # blank pixels' weights are dead coordinates
    ((650,), True, 0)
    """
    G = model.per_example_grads(theta, X, Y)
    live = np.any(G != G[:1], axis=0)  # exact test: any example differs from the first
    g = G.mean(axis=0)
    var = np.mean((G - g) ** 2, axis=0)
    sigma = np.sqrt(var)
    floor = sigma_floor_rel * sigma.max()
    low = live & (sigma < floor)
    sigma[low] = floor
    return g, sigma, live, int(low.sum())


def softmax_hessian(model, theta, X):
    r"""Exact softmax-regression Hessian ``(1/N) sum_n x_n x_n^T kron (diag p_n - p_n p_n^T)``.

    Shape (d*K, d*K), index ``d*K + k`` (``W.ravel()``).  Computed as
    ``T1 - J^T J / N`` with ``T1[(d,k),(e,k)] = mean_n x_nd x_ne p_nk`` and
    ``J_n = x_n kron p_n``.

    Examples
    --------
    >>> from adameps.digits import load_digits_data
    >>> X = load_digits_data(n_train=100).X_train[:, :3]  # three inputs, ten classes
    >>> model = SoftmaxRegression(3, 10)
    >>> H = softmax_hessian(model, model.init(), X)
    >>> H.shape, bool(np.allclose(H, H.T)), bool(np.linalg.eigvalsh(H).min() > -1e-12)
    ((30, 30), True, True)
    """
    N, d = X.shape
    K = model.K
    p = np.exp(_log_softmax(model.logits(theta, X)))
    T1 = np.einsum("nd,ne,nk->dek", X, X, p, optimize=True) / N  # (d, d, K)
    H = np.zeros((d, K, d, K))
    k = np.arange(K)
    H[:, k, :, k] = np.moveaxis(T1, 2, 0)  # block-diagonal in the class index
    J = (X[:, :, None] * p[:, None, :]).reshape(N, d * K)
    H = H.reshape(d * K, d * K) - J.T @ J / N
    return 0.5 * (H + H.T)


def softmax_inputs(data, theta=None, ridge_rel=1e-8, l2=0.0):
    """Exact softmax-regression inputs on the training set at ``theta`` (default: the trainer's init).

    With ``l2`` the objective is ``CE + l2/2 |theta|^2``: ``g += l2 theta``,
    ``H += l2 I`` (per-example gradients shift equally, ``sigma`` unchanged).

    Examples
    --------
    >>> from adameps.digits import load_digits_data
    >>> inp = softmax_inputs(load_digits_data(n_train=100))
    >>> inp.g.shape == inp.sigma.shape == (inp.H.shape[0],), inp.info["method"]
    (True, 'exact')
    """
    model = SoftmaxRegression(data.d_in, data.n_classes, l2)
    theta = model.init() if theta is None else np.asarray(theta, float)
    g, sigma, live, nfl = gradient_stats(model, theta, data.X_train, data.Y_train)
    H = softmax_hessian(model, theta, data.X_train)[np.ix_(live, live)]
    H[np.diag_indices_from(H)] += l2
    ridge = ridge_rel * float(np.max(np.diag(H)))
    H[np.diag_indices_from(H)] += ridge
    return TheoryInputs(g[live], H, sigma[live], live,
                        dict(problem="digits", model="softmax", method="exact", l2=l2,
                             ridge=ridge, sigma_floored=nfl, n_dead=int((~live).sum())))


def hvp_fd(model, theta, X, Y, V, h=1e-5, batch=64):
    r"""Hessian-vector products ``H v`` for the rows of ``V`` (k, D) by central differences.

    :math:`Hv \approx (\nabla L(\theta + h v) - \nabla L(\theta - h v)) / (2h)`,
    the gradients evaluated for ``batch`` vectors at once (the model broadcasts
    over a leading parameter axis).  Error :math:`O(h^2) + O(\epsilon_{mach}/h)`.

    Examples
    --------
    >>> from adameps.digits import load_digits_data
    >>> d = load_digits_data(n_train=50)
    >>> model = SoftmaxRegression(d.d_in, d.n_classes)
    >>> theta, v = model.init(), np.random.default_rng(0).standard_normal(d.d_in * d.n_classes)
    >>> exact = softmax_hessian(model, theta, d.X_train) @ v
    >>> bool(np.allclose(hvp_fd(model, theta, d.X_train, d.Y_train, v)[0], exact, atol=1e-7))
    True
    """
    V = np.atleast_2d(np.asarray(V, float))
    out = np.empty_like(V)
    for s in range(0, V.shape[0], batch):
        v = V[s:s + batch]
        _, gp = model.loss_and_grad(theta + h * v, X, Y)
        _, gm = model.loss_and_grad(theta - h * v, X, Y)
        out[s:s + batch] = (gp - gm) / (2.0 * h)
    return out


def hessian_fd(model, theta, X, Y, h=1e-5, batch=64):
    """Full Hessian from D finite-difference HVPs with unit vectors, symmetrised.

    Examples
    --------
    >>> from adameps.digits import load_digits_data
    >>> d = load_digits_data(n_train=50)
    >>> model = SoftmaxRegression(d.d_in, d.n_classes)
    >>> H = hessian_fd(model, model.init(), d.X_train, d.Y_train)
    >>> bool(np.allclose(H, softmax_hessian(model, model.init(), d.X_train), atol=1e-7))
    True
    """
    D = theta.size
    H = np.empty((D, D))
    for s in range(0, D, batch):
        E = np.zeros((min(batch, D - s), D))
        E[np.arange(E.shape[0]), np.arange(s, s + E.shape[0])] = 1.0
        H[s:s + E.shape[0]] = hvp_fd(model, theta, X, Y, E, h, batch)
    return 0.5 * (H + H.T)


def hutchinson_diag(model, theta, X, Y, n_probes=200, seed=0, h=1e-5, batch=64):
    r"""Hutchinson estimate ``diag(H) ~ mean_k z_k * (H z_k)``, Rademacher ``z_k`` (seeded).

    Unbiased; the variance of coordinate i is ``sum_{j != i} H_ij^2 / n_probes``.

    Examples
    --------
    >>> from adameps.digits import load_digits_data
    >>> d = load_digits_data(n_train=50)
    >>> model = SoftmaxRegression(d.d_in, d.n_classes)
    >>> est = hutchinson_diag(model, model.init(), d.X_train, d.Y_train, n_probes=400)
    >>> exact = np.diag(softmax_hessian(model, model.init(), d.X_train))
    >>> bool(abs(est.sum() / exact.sum() - 1) < 0.05)  # the trace, to a few per cent
    True
    """
    rng = np.random.default_rng(seed)
    Z = rng.choice(np.array([-1.0, 1.0]), size=(int(n_probes), theta.size))
    return np.mean(Z * hvp_fd(model, theta, X, Y, Z, h, batch), axis=0)


def mlp_inputs(data, hidden=32, activation="tanh", init_seed=0, theta=None,
               hessian="fd_full", n_probes=200, probe_seed=0, floor_rel=1e-6, l2=0.0):
    """MLP inputs on the training set at ``theta`` (default ``MLP.init(init_seed)``).

    ``hessian``: ``"fd_full"`` (default; full FD Hessian, eigenvalues floored
    at ``floor_rel * max eigenvalue``; costs D HVPs, ~10 s for hidden = 32),
    ``"fd_diag"`` (its diagonal, floored at ``floor_rel * max``) or
    ``"hutchinson"`` (diagonal estimate from ``n_probes`` HVPs, floored likewise;
    for networks too large for D HVPs).  At the default init of the hidden = 32
    tanh net the exact Hessian is clearly indefinite (min eigenvalue -0.74 vs
    max ~ O(1); 1101 of 2314 eigenvalues floored) and even its exact diagonal
    is below the floor on 750 coordinates (Hutchinson, 200 probes: 811), so
    the MLP comparison with the SPD-only theory is approximate by construction.
    See module docstring.

    Examples
    --------
    >>> from adameps.digits import load_digits_data
    >>> inp = mlp_inputs(load_digits_data(n_train=50), hidden=2)
    >>> inp.info["method"], inp.H.shape == (inp.g.size, inp.g.size), bool(np.linalg.eigvalsh(inp.H).min() > 0)
    ('fd_full', True, True)
    """
    model = MLP(data.d_in, data.n_classes, hidden, activation, l2)
    theta = model.init(init_seed) if theta is None else np.asarray(theta, float)
    X, Y = data.X_train, data.Y_train
    g, sigma, live, nfl = gradient_stats(model, theta, X, Y)
    info = dict(problem="digits", model="mlp", hidden=hidden, activation=activation, l2=l2,
                method=hessian, sigma_floored=nfl, n_dead=int((~live).sum()))
    if hessian in ("hutchinson", "fd_diag"):
        if hessian == "hutchinson":
            d = hutchinson_diag(model, theta, X, Y, n_probes, probe_seed)[live]
            info.update(n_probes=n_probes)
        else:
            d = np.diag(hessian_fd(model, theta, X, Y))[live]
        floor = floor_rel * d.max()
        info.update(floored=int(np.sum(d < floor)), min_diag=float(d.min()))
        H = np.diag(np.maximum(d, floor))
    elif hessian == "fd_full":
        Hf = hessian_fd(model, theta, X, Y)[np.ix_(live, live)]
        w, U = np.linalg.eigh(Hf)
        floor = floor_rel * w.max()
        neg = w < 0
        info.update(floored=int(np.sum(w < floor)), min_eig=float(w.min()), max_eig=float(w.max()),
                    n_negative=int(neg.sum()), n_live=int(w.size),
                    negative_mass=float(np.sum(-w[neg]) / np.sum(np.abs(w))))
        H = (U * np.maximum(w, floor)) @ U.T
        H = 0.5 * (H + H.T)
    else:
        raise ValueError(f"hessian must be fd_full, fd_diag or hutchinson, got {hessian!r}")
    return TheoryInputs(g[live], H, sigma[live], live, info)


def predict_terms(inputs, optimizer, eps, B):
    r"""Numerator and denominator :math:`(N, D)` of every one-step prediction, per named curve.

    The one-step expected loss of each curve's update is :math:`L - \eta N + \tfrac12\eta^2 D`
    (:func:`adameps.optimal_lr.eta_star_terms`), so its optimum is :math:`N/D` and the optimum of
    the loss *averaged over several initial points* is :math:`\sum_k N_k / \sum_k D_k`
    (:func:`pool_terms`).  Curves:

    * ``"exact"``: the exact one-step theory of the optimiser's own first step -- the adam map
      :math:`x/(|x|+\epsilon)` for Adam (with bias correction Adam's first step is exactly
      :math:`g/(|g|+\epsilon)`, whatever :math:`\beta_1, \beta_2`), softsign for SoftSignSGD,
      sign for SignSGD, :math:`(\pi/4)\,\mathrm{sign}` for Adam-atan2 (terms
      :math:`(cN, c^2 D)`, :math:`c = \pi/4`: the sign optimum times :math:`4/\pi`), and
      McCandlish's :math:`g^\top g / (g^\top H g + \sum_i \sigma_i^2 H_{ii}/B)` for SGD;
    * ``"softsign"`` (Adam only): the softsign theory, the post's model of Adam;
    * ``"mean_field"``: the post's 2024 mean field :math:`\beta S / (\beta^2 P + (1-\beta^2) T)`
      (``eps = 0`` for sign and Adam-atan2, scaled like ``"exact"`` for the latter; absent for SGD).

    ``eps`` is ignored (use ``None``) for sign, atan2 and SGD.  Returns ``{name: (N, D)}``.

    Examples
    --------
    >>> N, D = predict_terms(nqm_inputs(20), "adam", 1e-3, [1.0, 16.0])["exact"]
    >>> bool(np.allclose(N / D, predict(nqm_inputs(20), "adam", 1e-3, [1.0, 16.0])["exact"]))
    True
    >>> sorted(predict_terms(nqm_inputs(20), "sgd", None, [1.0]))
    ['exact']
    """
    g, H, sigma = inputs.g, inputs.H, inputs.sigma
    if optimizer == "sgd":
        return {"exact": ol.eta_star_terms(g, H, sigma, None, B, kind="sgd")}
    if optimizer in ("sign", "atan2"):
        c = np.pi / 4.0 if optimizer == "atan2" else 1.0  # Adam-atan2's first step: (pi/4) sign(g)
        out = {"exact": ol.eta_star_terms(g, H, sigma, 0.0, B, kind="sign"),
               "mean_field": ol.eta_star_mean_field_terms(g, H, sigma, 0.0, B)}
        return {k: (c * N, c * c * D) for k, (N, D) in out.items()}
    if optimizer not in ("adam", "softsign"):
        raise ValueError(f"optimizer must be adam, atan2, softsign, sign or sgd; got {optimizer!r}")
    soft = ol.eta_star_terms(g, H, sigma, eps, B, kind="softsign")
    mf = ol.eta_star_mean_field_terms(g, H, sigma, eps, B)
    if optimizer == "softsign":
        return {"exact": soft, "mean_field": mf}
    return {"exact": ol.eta_star_terms(g, H, sigma, eps, B, kind="adam"), "softsign": soft, "mean_field": mf}


def pool_terms(N, D, idx=None):
    r"""Optimum of the one-step loss averaged over initial points: :math:`\sum_k N_k / \sum_k D_k`.

    ``N``, ``D``: (K, n_B) terms of :func:`predict_terms` at K initial points; ``idx`` selects
    (with repetition: a bootstrap resample) the points to average, default all.

    >>> N, D = np.array([[1.0, 2.0], [3.0, 2.0]]), np.array([[1.0, 1.0], [1.0, 3.0]])
    >>> pool_terms(N, D).tolist(), pool_terms(N, D, [1, 1]).tolist()
    ([2.0, 1.0], [3.0, 0.6666666666666666])
    """
    N, D = np.atleast_2d(np.asarray(N, float)), np.atleast_2d(np.asarray(D, float))
    if N.shape != D.shape:
        raise ValueError(f"N and D must have one shape, got {N.shape} and {D.shape}")
    idx = np.arange(N.shape[0]) if idx is None else np.asarray(idx, dtype=int)
    return N[idx].sum(axis=0) / D[idx].sum(axis=0)


def predict(inputs, optimizer, eps, B):
    r"""The one-step theory's :math:`\eta^*(B)` for ``optimizer`` at ``eps``, as a dict of named curves
    (:math:`N/D` of each curve of :func:`predict_terms`, which describes them).

    >>> inp = nqm_inputs(20)
    >>> sorted(predict(inp, "adam", 1e-3, [1.0, 16.0]))
    ['exact', 'mean_field', 'softsign']
    """
    return {k: N / D for k, (N, D) in predict_terms(inputs, optimizer, eps, B).items()}


def digits_inputs(data, model="softmax", **kw):
    """Dispatch to :func:`softmax_inputs` or :func:`mlp_inputs`.

    Examples
    --------
    >>> from adameps.digits import load_digits_data
    >>> digits_inputs(load_digits_data(n_train=50), "mlp", hidden=2).info["model"]
    'mlp'
    """
    if model == "softmax":
        return softmax_inputs(data, **kw)
    if model == "mlp":
        return mlp_inputs(data, **kw)
    raise ValueError(f"model must be softmax or mlp, got {model!r}")


def arm_inputs(data, model, init_seed, l2=0.0, hidden=32, init_scale=0.0):
    """The theory inputs of a digits training arm at its initial point ``init_seed``.

    The point :func:`adameps.training.train_digits` starts from with the same arguments
    (``net.init(init_seed)`` of :func:`adameps.digits.make_model`): the softmax model at its
    ``init_scale``, the MLP at its LeCun init; one home for the training sweeps and the multi-step
    predictions.

    >>> from adameps.digits import load_digits_data
    >>> arm_inputs(load_digits_data(), "softmax", 0, l2=1e-3).g.shape
    (620,)
    """
    if model == "softmax":
        net = SoftmaxRegression(data.d_in, data.n_classes, l2, init_scale)
        return softmax_inputs(data, theta=net.init(init_seed), l2=l2)
    if model == "mlp":
        return mlp_inputs(data, hidden=hidden, init_seed=init_seed, l2=l2)
    raise ValueError(f"model must be softmax or mlp, got {model!r}")


# ============================================================== comparisons
def normalised_log_ratio(eta_meas, eta_pred):
    r"""Shape error of eta*(B) curves after removing the overall scale.

    :math:`r_j = \log\eta^{meas}_j - \log\eta^{pred}_j`; ``offset`` =
    mean(r) (log of the constant factor by which the prediction is off),
    ``rms`` / ``max_abs`` of ``r - offset`` (shape error: 0 when the curves are
    proportional).  Returns a dict of floats.

    Examples
    --------
    >>> r = normalised_log_ratio([2.0, 4.0, 8.0], [1.0, 2.0, 4.0])  # off by a constant factor 2
    >>> round(r["offset"], 6), round(r["rms"], 12), round(r["max_abs"], 12)
    (0.693147, 0.0, 0.0)
    """
    r = np.log(np.asarray(eta_meas, float)) - np.log(np.asarray(eta_pred, float))
    off = float(np.mean(r))
    res = r - off
    return {"offset": off, "rms": float(np.sqrt(np.mean(res**2))),
            "max_abs": float(np.max(np.abs(res)))}


def spearman(x, y):
    """Spearman rank correlation (average ranks for ties); ``nan`` if either input is constant.

    ``scipy.stats.spearmanr``, except that a constant input gives ``nan`` without its
    ``ConstantInputWarning`` (a flat measured curve is a result here, not a data error).

    Examples
    --------
    >>> spearman([1, 2, 3, 4], [1, 4, 9, 16]), spearman([1, 2, 3], [3, 1, 2])
    (1.0, -0.5)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def find_surge(B, eta, log_se=None, nsig=2.0, rtol=0.0):
    r"""Is there a surge (an interior maximum of eta*(B) above the large-B end)?

    ``j = argmax eta``; a surge needs ``0 < j < n-1`` and the maximum to stand
    out on *both* sides: ``log eta_j - log eta_e > max(nsig * sqrt(se_j^2 +
    se_e^2), log(1+rtol))`` for both ends ``e = 0`` (a rise) and ``e = n-1``
    (a fall) (``se`` = ``log_se``, zero if not given; a flat-then-falling
    curve is not a surge).  Returns ``dict(has_surge, index, B_peak,
    log_rise, log_drop)`` with ``log_rise = log(eta_j/eta_0)``, ``log_drop =
    log(eta_j / eta_{n-1})``; ``B_peak`` is ``B[j]`` (``None`` without a surge).

    Examples
    --------
    >>> find_surge([1.0, 10.0, 100.0], [1.0, 2.0, 1.5])["B_peak"]
    10.0
    >>> find_surge([1.0, 10.0, 100.0], [1.0, 2.0, 3.0])["has_surge"]  # monotone: no surge
    False
    """
    B = np.asarray(B, float)
    le = np.log(np.asarray(eta, float))
    se = np.zeros_like(le) if log_se is None else np.asarray(log_se, float)
    j = int(np.argmax(le))
    rise, drop = float(le[j] - le[0]), float(le[j] - le[-1])

    def thr(e):
        return max(nsig * float(np.sqrt(se[j] ** 2 + se[e] ** 2)), float(np.log1p(rtol)))

    has = bool(0 < j < le.size - 1 and rise > thr(0) and drop > thr(-1))
    return {"has_surge": has, "index": j, "B_peak": float(B[j]) if has else None,
            "log_rise": rise, "log_drop": drop}


def compare_curves(B, eta_meas, eta_pred, log_se_meas=None, nsig=2.0):
    """All comparison metrics of a measured and a predicted eta*(B) curve in one dict.

    Examples
    --------
    >>> c = compare_curves([1.0, 10.0, 100.0], [1.0, 2.0, 1.5], [0.5, 1.0, 0.75])
    >>> round(c["rms"], 12), c["spearman"], c["surge_meas"]["has_surge"], c["surge_pred"]["has_surge"]
    (0.0, 1.0, True, True)
    """
    out = normalised_log_ratio(eta_meas, eta_pred)
    out["spearman"] = spearman(eta_meas, eta_pred)
    out["surge_meas"] = find_surge(B, eta_meas, log_se_meas, nsig)
    out["surge_pred"] = find_surge(B, eta_pred, None, nsig, rtol=1e-6)
    return out
