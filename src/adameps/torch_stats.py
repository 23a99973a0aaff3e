r"""Gradient statistics of a PyTorch model: the inputs ``g``, ``sigma``, ``diag H`` of the theory.

The only module of :mod:`adameps` that imports torch; the rest of the library works without it.
Everything here returns numpy arrays and dicts (no file I/O: ``adameps stats`` writes the .npz).

A model is any :class:`torch.nn.Module`; ``loss_fn(model, batch)`` returns the *mean* loss of a
batch (a scalar tensor); ``batches`` is any iterable of batches (a ``DataLoader``, a list), a
batch being a tensor, a tuple/list or a dict of tensors whose first dimension is the example
index.  Over the examples ``n = 1..N_ex`` seen, with per-example gradients ``g_n``,

.. math::

    g = \frac{1}{N_{ex}} \sum_n g_n, \qquad
    \sigma_i^2 = \frac{1}{N_{ex}} \sum_n (g_{n,i} - g_i)^2 ,

so that a minibatch of B examples drawn with replacement has gradient covariance
``diag(sigma^2)/B`` (the theory's noise model, its off-diagonal part dropped).

* ``per_example="vmap"``: ``g_n`` exactly, by ``torch.func.vmap(torch.func.grad(...))`` over the
  examples of each batch (:func:`torch.func.functional_call` swaps in the parameters).
* ``per_example="microbatch"``: for models ``vmap`` cannot handle (batch norm in training mode,
  data-dependent control flow, in-place ops on inputs): each batch is split into micro-batches
  of ``micro_batch`` examples, their mean gradients ``\bar g_k`` are taken by ordinary autograd,
  and :math:`\sigma_i^2 \approx m\,\widehat{\mathrm{Var}}_k(\bar g_{k,i})` (unbiased, ``ddof=1``).
  Its relative sampling error is about :math:`\sqrt{2/(K-1)}` for K micro-batches.
* ``per_example="auto"``: vmap, falling back to micro-batches on the first failure (the reason
  is in ``info["fallback_reason"]``).

Hessian information (exact second derivatives by ``torch.func``, forward over reverse):
:func:`hvp_operator` (``H v`` of the mean loss over the given batches, usable as
:meth:`adameps.hessian.Hessian.operator`), :func:`hessian_diag` (Hutchinson:
:math:`\mathrm{diag}\,H \approx \frac1K\sum_k z_k \odot H z_k`, Rademacher ``z_k``, unbiased,
variance :math:`\sum_{j\ne i} H_{ij}^2 / K`; or ``method="exact"``: N HVPs with unit vectors,
for small models and tests).  Adam's own view of eps: :func:`adam_eps_share`.

Attention: ``torch.nn.functional.scaled_dot_product_attention`` picks a fused kernel on CPU that
has neither forward-mode derivatives (so no ``jvp`` of its gradient, no HVP) nor a ``vmap``
batching rule.  Per-example gradients and HVPs are therefore taken with the math kernel
(``sdpa_kernel(SDPBackend.MATH)``, the same attention written as matmul and softmax, equal to
rounding), so transformers work unchanged; models without attention are not affected.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.func import functional_call, grad, jvp, vmap
from torch.nn.attention import SDPBackend, sdpa_kernel

__all__ = [
    "parameter_layout",
    "per_example_gradients",
    "gradient_stats",
    "hvp_operator",
    "hessian_diag",
    "collect_stats",
    "adam_eps_share",
]


class _LossModule(torch.nn.Module):
    """``loss_fn(model, batch)`` as a module, so functional_call can swap the model's parameters."""

    def __init__(self, model, loss_fn):
        super().__init__()
        self.model = model
        self._loss_fn = loss_fn

    def forward(self, batch):
        return self._loss_fn(self.model, batch)


def _check_model(model, loss_fn):
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise ValueError(f"loss_fn must be a callable loss_fn(model, batch) -> scalar, got {loss_fn!r:.60}")


def _params(model):
    """The trainable parameters (name -> tensor), in ``named_parameters`` order."""
    params = {k: p for k, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError("model has no trainable parameters (requires_grad=True)")
    return params


def parameter_layout(model):
    """Where each trainable parameter tensor sits in the flat coordinate vector.

    Returns a list of dicts ``name, shape, start, stop`` (``named_parameters`` order); the flat
    vector of the statistics is the concatenation of the flattened tensors.

    Examples
    --------
    >>> import torch
    >>> [(d["name"], d["start"], d["stop"]) for d in parameter_layout(torch.nn.Linear(3, 2))]
    [('weight', 0, 6), ('bias', 6, 8)]
    """
    out, start = [], 0
    for name, p in _params(model).items():
        out.append(dict(name=name, shape=tuple(p.shape), start=start, stop=start + p.numel()))
        start += p.numel()
    return out


def _map(batch, f):
    if isinstance(batch, torch.Tensor):
        return f(batch)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_map(b, f) for b in batch)
    if isinstance(batch, dict):
        return {k: _map(v, f) for k, v in batch.items()}
    return batch


def _batch_size(batch):
    if isinstance(batch, torch.Tensor):
        return int(batch.shape[0])
    if isinstance(batch, (tuple, list)):
        for b in batch:
            n = _batch_size(b)
            if n is not None:
                return n
    if isinstance(batch, dict):
        for b in batch.values():
            n = _batch_size(b)
            if n is not None:
                return n
    return None


def _flat(tensors):
    """Concatenate per-parameter tensors (k, *shape) into one float64 numpy array (k, N)."""
    return torch.cat([t.detach().reshape(t.shape[0], -1) for t in tensors], dim=1).to(torch.float64).cpu().numpy()


class _Welford:
    """Streaming mean and sum of squared deviations per coordinate (Chan et al.'s merge), float64."""

    def __init__(self):
        self.n, self.mean, self.m2 = 0, None, None

    def add(self, X):
        k = X.shape[0]
        mu = X.mean(axis=0)
        m2 = ((X - mu) ** 2).sum(axis=0)
        if self.n == 0:
            self.n, self.mean, self.m2 = k, mu, m2
            return
        n = self.n + k
        d = mu - self.mean
        self.mean = self.mean + d * (k / n)
        self.m2 = self.m2 + m2 + d * d * (self.n * k / n)
        self.n = n


def _per_example_grads(wrapper, params, batch):
    names = list(params)

    def loss_one(p, example):
        return functional_call(wrapper, {"model." + k: v for k, v in p.items()},
                               (_map(example, lambda t: t.unsqueeze(0)),))

    with sdpa_kernel(SDPBackend.MATH):  # the fused attention kernel has no vmap batching rule
        G = vmap(grad(loss_one), in_dims=(None, 0))({k: params[k].detach() for k in names}, batch)
    return _flat(G[k] for k in names)


def per_example_gradients(model, loss_fn, batch):
    r"""The gradients :math:`g_n` of every example of one batch, as rows of a float64 array (n, N).

    ``torch.func.vmap(torch.func.grad(...))`` over the examples (the ``"vmap"`` method of
    :func:`gradient_stats`, whose mean and standard deviation they are); columns in the order of
    :func:`parameter_layout`.  For a minibatch estimate from examples already seen: the mean of
    some of these rows is the gradient of the mean loss over those examples.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Linear(1, 1, bias=False, dtype=torch.float64)
    >>> _ = model.weight.data.fill_(2.0)
    >>> x = torch.tensor([[1.0], [3.0]], dtype=torch.float64)
    >>> per_example_gradients(model, lambda m, b: (m(b) ** 2).mean() / 2, x)  # g_n = w x_n^2
    array([[ 2.],
           [18.]])
    """
    _check_model(model, loss_fn)
    if _batch_size(batch) is None:
        raise ValueError("batch must contain a tensor whose first dimension indexes the examples")
    return _per_example_grads(_LossModule(model, loss_fn), _params(model), batch)


def _grad_of(wrapper, params, batch):
    names = list(params)
    p = {k: params[k].detach().requires_grad_(True) for k in names}
    loss = functional_call(wrapper, {"model." + k: v for k, v in p.items()}, (batch,))
    gs = torch.autograd.grad(loss, [p[k] for k in names], allow_unused=True)
    gs = [torch.zeros_like(p[k]) if gk is None else gk for k, gk in zip(names, gs)]
    return _flat(gk.unsqueeze(0) for gk in gs)[0]


def _take(batches, n_batches):
    if n_batches is not None and (int(n_batches) != n_batches or n_batches < 1):
        raise ValueError(f"n_batches must be a positive integer or None, got {n_batches!r}")
    for i, b in enumerate(batches):
        if n_batches is not None and i >= n_batches:
            return
        yield b


def gradient_stats(model, loss_fn, batches, *, per_example="auto", micro_batch=8, n_batches=None,
                   progress=None):
    r"""Per-coordinate mean gradient ``g`` and per-example noise ``sigma`` over the batches.

    ``g = mean_n g_n``, ``sigma^2 = mean_n (g_n - g)^2`` over every example of the first
    ``n_batches`` batches (all if None); see the module docstring for ``per_example``
    (``"auto"``, ``"vmap"``, ``"microbatch"``).  ``progress(done, total)`` is called after
    each batch (``total`` is ``n_batches`` or ``len(batches)``, None if unknown).

    Returns a dict: ``g`` (N,), ``sigma`` (N,) float64 numpy, ``n_examples`` (examples seen),
    ``n_batches``, ``method`` (``"vmap"`` or ``"microbatch"``), ``micro_batch`` (its size,
    for the micro-batch method), ``n_microbatches``, ``fallback_reason`` (or None).

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> X, y = torch.randn(64, 3, dtype=torch.float64), torch.randn(64, dtype=torch.float64)
    >>> model = torch.nn.Linear(3, 1, dtype=torch.float64)
    >>> mse = lambda m, b: ((m(b[0]).squeeze(-1) - b[1]) ** 2).mean() / 2
    >>> st = gradient_stats(model, mse, [(X[:32], y[:32]), (X[32:], y[32:])])
    >>> st["method"], st["n_examples"], st["g"].shape
    ('vmap', 64, (4,))
    """
    _check_model(model, loss_fn)
    if per_example not in ("auto", "vmap", "microbatch"):
        raise ValueError(f"per_example must be auto, vmap or microbatch, got {per_example!r}")
    if int(micro_batch) != micro_batch or micro_batch < 1:
        raise ValueError(f"micro_batch must be a positive integer, got {micro_batch!r}")
    micro_batch = int(micro_batch)
    wrapper = _LossModule(model, loss_fn)
    params = _params(model)
    total = n_batches if n_batches is not None else (len(batches) if hasattr(batches, "__len__") else None)
    method = "microbatch" if per_example == "microbatch" else "vmap"
    reason = None
    ex, mb = _Welford(), _Welford()
    n_ex, done = 0, 0
    for batch in _take(batches, n_batches):
        n = _batch_size(batch)
        if n is None:
            raise ValueError("a batch must contain a tensor whose first dimension indexes the examples")
        if method == "vmap":
            try:
                ex.add(_per_example_grads(wrapper, params, batch))
            except Exception as exc:  # noqa: BLE001 -- any failure of vmap on this model
                if per_example == "vmap" or done > 0:
                    raise
                method, reason = "microbatch", f"{type(exc).__name__}: {str(exc)[:200]}"
        if method == "microbatch":
            for s in range(0, n - micro_batch + 1, micro_batch):  # full micro-batches only
                mb.add(_grad_of(wrapper, params, _map(batch, lambda t, s=s: t[s:s + micro_batch]))[None])
        n_ex += n
        done += 1
        if progress is not None:
            progress(done, total)
    if done == 0:
        raise ValueError("batches is empty: no batch to take statistics from")
    if method == "vmap":
        g, var = ex.mean, ex.m2 / ex.n
        n_micro = None
    else:
        if mb.n < 2:
            raise ValueError(f"the micro-batch estimate needs at least 2 micro-batches of {micro_batch} examples, "
                             f"got {mb.n}: pass more batches or a smaller micro_batch")
        g, var = mb.mean, micro_batch * mb.m2 / (mb.n - 1)
        n_micro = mb.n
        n_ex = mb.n * micro_batch  # examples in full micro-batches (a short remainder is dropped)
    return dict(g=g, sigma=np.sqrt(var), n_examples=n_ex, n_batches=done, method=method,
                micro_batch=micro_batch if method == "microbatch" else None,
                n_microbatches=n_micro, fallback_reason=reason)


def hvp_operator(model, loss_fn, batches):
    r"""``hvp(V)``: rows of ``V`` (k, N) times the Hessian of the mean loss over ``batches``.

    The loss is :math:`L = \sum_j n_j L_j / \sum_j n_j` over the (materialised) batches,
    ``L_j`` the mean loss of batch j; each product is exact (``torch.func.jvp`` of
    ``torch.func.grad``).  The returned callable takes and returns float64 numpy arrays, so it
    plugs into :meth:`adameps.hessian.Hessian.operator`.

    Examples
    --------
    >>> import numpy as np, torch
    >>> X = torch.eye(2, dtype=torch.float64) * 2
    >>> model = torch.nn.Linear(2, 1, bias=False, dtype=torch.float64)
    >>> hvp = hvp_operator(model, lambda m, x: (m(x) ** 2).mean() / 2, [X])
    >>> hvp(np.eye(2))  # H = X^T X / 2 = 2 I
    array([[2., 0.],
           [0., 2.]])
    """
    _check_model(model, loss_fn)
    wrapper = _LossModule(model, loss_fn)
    params = _params(model)
    names = list(params)
    layout = parameter_layout(model)
    bl = list(batches)
    if not bl:
        raise ValueError("batches is empty: the Hessian needs at least one batch")
    sizes = [_batch_size(b) for b in bl]
    total = float(sum(sizes))
    p0 = {k: params[k].detach() for k in names}
    ref = p0[names[0]]
    N = layout[-1]["stop"]

    def grad_on(batch):
        return grad(lambda p: functional_call(wrapper, {"model." + k: v for k, v in p.items()}, (batch,)))

    def rows(V):
        """H v for the rows of V (k, N): vmap over the rows (one jvp per batch), else a loop."""
        Vt = torch.as_tensor(V, dtype=ref.dtype, device=ref.device)
        vt = {d["name"]: Vt[:, d["start"]:d["stop"]].reshape((V.shape[0],) + d["shape"]) for d in layout}
        acc = None
        for batch, n in zip(bl, sizes):
            def hv1(v, batch=batch):
                return jvp(grad_on(batch), (p0,), (v,))[1]

            with sdpa_kernel(SDPBackend.MATH):  # forward-mode AD needs the math attention kernel
                if state["vmap"]:
                    try:
                        hv = vmap(hv1)(vt)
                    except Exception:  # noqa: BLE001 -- models vmap cannot handle: one jvp per vector
                        state["vmap"] = False
                if not state["vmap"]:
                    outs = [hv1({k: t[j] for k, t in vt.items()}) for j in range(V.shape[0])]
                    hv = {k: torch.stack([o[k] for o in outs]) for k in names}
            f = torch.cat([hv[k].reshape(V.shape[0], -1) for k in names], dim=1).to(torch.float64) * (n / total)
            acc = f if acc is None else acc + f
        return acc.cpu().numpy()

    state = {"vmap": True}

    def hvp(V, chunk=64):
        V = np.asarray(V, float)
        V2 = np.atleast_2d(V)
        if V2.ndim != 2 or V2.shape[1] != N:
            raise ValueError(f"V must have shape (k, {N}) or ({N},), got {V.shape}")
        out = np.concatenate([rows(V2[s:s + chunk]) for s in range(0, V2.shape[0], chunk)])
        return out[0] if V.ndim == 1 else out

    return hvp


def hessian_diag(model, loss_fn, batches, *, method="hutchinson", n_probes=20, seed=0, progress=None):
    r"""Diagonal of the Hessian of the mean loss over ``batches``.

    ``method="hutchinson"``: :math:`\frac1K \sum_k z_k \odot H z_k` with Rademacher ``z_k`` from
    ``numpy.random.default_rng(seed)`` (K = ``n_probes``), unbiased with per-coordinate variance
    :math:`\sum_{j\ne i} H_{ij}^2/K`; ``method="exact"``: ``e_i^T H e_i`` from N HVPs (small
    models).  Returns ``(diag, info)`` with ``info = dict(method, n_probes, n_hvp)``.
    ``progress(done, total)`` after each HVP.
    """
    if method not in ("hutchinson", "exact"):
        raise ValueError(f"method must be hutchinson or exact, got {method!r}")
    hvp = hvp_operator(model, loss_fn, batches)
    N = parameter_layout(model)[-1]["stop"]
    if method == "exact":
        d = np.empty(N)
        step = 64
        for s in range(0, N, step):
            k = min(step, N - s)
            E = np.zeros((k, N))
            E[np.arange(k), s + np.arange(k)] = 1.0
            d[s:s + k] = hvp(E)[np.arange(k), s + np.arange(k)]
            if progress is not None:
                progress(s + k, N)
        return d, dict(method="exact", n_probes=None, n_hvp=N)
    if int(n_probes) != n_probes or n_probes < 1:
        raise ValueError(f"n_probes must be a positive integer, got {n_probes!r}")
    rng = np.random.default_rng(seed)
    acc = np.zeros(N)
    K, step = int(n_probes), 8  # probes per vmapped call: memory ~ step copies of the gradient
    for s in range(0, K, step):
        Z = rng.choice(np.array([-1.0, 1.0]), size=(min(step, K - s), N))
        acc += np.sum(Z * hvp(Z), axis=0)
        if progress is not None:
            progress(s + Z.shape[0], K)
    return acc / n_probes, dict(method="hutchinson", n_probes=int(n_probes), n_hvp=int(n_probes))


def collect_stats(model, loss_fn, batches, *, n_batches=None, per_example="auto", micro_batch=8,
                  hessian="hutchinson", n_probes=20, hessian_batches=4, seed=0, progress=None):
    r"""Everything ``adameps predict`` needs from a model: ``g``, ``sigma``, ``hdiag`` and metadata.

    Gradient statistics over the first ``n_batches`` batches (:func:`gradient_stats`); the
    Hessian diagonal (:func:`hessian_diag`, ``hessian`` = ``"hutchinson"`` or ``"exact"``) of the
    mean loss over the first ``hessian_batches`` of them.  ``batches`` is iterated twice if it
    is re-iterable (a DataLoader, a list); a one-shot iterator is materialised first.
    ``progress(stage, done, total)`` with ``stage`` in ``("gradients", "hessian")``.

    Returns a dict with arrays ``g``, ``sigma``, ``hdiag`` (N,) and ``layout``
    (:func:`parameter_layout`) and the sample counts (``n_examples``, ``n_batches``,
    ``n_probes``, ``hessian_batches``, ``method``, ...).
    """
    _check_model(model, loss_fn)
    if not hasattr(batches, "__len__") and iter(batches) is batches:
        batches = list(_take(batches, n_batches))
    prog = (lambda stage: (lambda d, t: progress(stage, d, t))) if progress is not None else (lambda stage: None)
    st = gradient_stats(model, loss_fn, batches, per_example=per_example, micro_batch=micro_batch,
                        n_batches=n_batches, progress=prog("gradients"))
    hb = list(_take(batches, hessian_batches))
    d, hinfo = hessian_diag(model, loss_fn, hb, method=hessian, n_probes=n_probes, seed=seed,
                            progress=prog("hessian"))
    out = dict(st)
    out.update(hdiag=d, layout=parameter_layout(model), hessian_method=hinfo["method"],
               n_probes=hinfo["n_probes"], hessian_batches=len(hb),
               hessian_examples=int(sum(_batch_size(b) for b in hb)), seed=int(seed),
               n_params=int(d.size), torch_version=torch.__version__)
    return out


def adam_eps_share(optimizer, eps=None, model=None):
    r"""Adam's own view of eps: per parameter tensor, the share of coordinates with √v̂ < eps.

    From a ``torch.optim.Adam`` / ``AdamW`` state: :math:`\hat v = v / (1 - \beta_2^t)`
    (``exp_avg_sq`` and ``step`` of each parameter), compared with ``eps`` (default: each
    parameter group's own ``eps``).  Where :math:`\sqrt{\hat v_i} < \epsilon` the update
    :math:`\hat m_i/(\sqrt{\hat v_i} + \epsilon)` is dominated by eps (SGD-like), where it is
    above, sign-like.  ``model`` (optional) names the tensors.  Parameters without state (not
    stepped yet) are skipped.  Returns a list of dicts ``name, n, share, step, eps,
    median_sqrt_vhat``.

    Examples
    --------
    >>> import torch
    >>> p = torch.nn.Parameter(torch.tensor([1e-3, 1e-9, 1.0]))
    >>> opt = torch.optim.Adam([p], eps=1e-8)
    >>> p.grad = torch.tensor([1e-3, 1e-9, 1.0]); opt.step()
    >>> [round(r["share"], 3) for r in adam_eps_share(opt)]
    [0.333]
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ValueError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    names = {id(p): k for k, p in model.named_parameters()} if model is not None else {}
    rows = []
    for gi, group in enumerate(optimizer.param_groups):
        e = float(group.get("eps", float("nan")) if eps is None else eps)
        if not (math.isfinite(e) and e >= 0):
            raise ValueError(f"eps must be finite and >= 0 (parameter group {gi} has eps = {e!r}); pass eps")
        beta2 = group.get("betas", (0.9, 0.999))[1]
        for pi, p in enumerate(group["params"]):
            st = optimizer.state.get(p, {})
            if "exp_avg_sq" not in st:
                continue
            step = float(st["step"]) if "step" in st else 0.0
            bc = 1.0 - beta2 ** step if step > 0 else 1.0
            root = torch.sqrt(st["exp_avg_sq"].detach().to(torch.float64) / bc).reshape(-1)
            rows.append(dict(name=names.get(id(p), f"group{gi}.param{pi}"), n=int(root.numel()),
                             share=float((root < e).double().mean()), step=int(step), eps=e,
                             median_sqrt_vhat=float(root.median())))
    return rows
