r"""A small byte-level language model trained with Adam, many runs at once.

The corpus is the King James Bible of Debian's ``bible-kjv-text`` (read with the ``bible``
program of ``bible-kjv``; :data:`CORPUS_INSTALL` is the install command). Text is tokenised at
byte level: the vocabulary is the sorted set of bytes that occur in the corpus (unused byte values
would be embedding rows that never receive a gradient), and the split is fixed: the first
``1 - val_fraction`` of the bytes train, the rest validate.

The model is a decoder-only pre-norm transformer (learned positions, causal
``torch.nn.functional.scaled_dot_product_attention``, GELU MLP, LayerNorm, output layer tied to
the token embedding, no biases in the linear maps). :class:`StackedGPT` holds ``R``
independent copies ("runs") with a leading run axis on every parameter, so one forward/backward
pass trains a whole learning-rate x seed grid: runs share no parameter, and the loss is the sum of
the runs' losses, so each run's gradient is exactly its own. Run ``r`` is initialised from
``init_seed[r]`` alone and reads minibatches drawn from ``data_seed[r]`` alone, so its trajectory
does not depend on which other runs are in the grid (common random numbers across learning rates).

Adam is :class:`StackedAdam`, torch.optim.Adam's single-tensor arithmetic with a per-run
learning rate and ``eps`` (``eps`` outside the square root, bias-corrected; tested step for step
against ``torch.optim.Adam``). The learning rate follows :func:`lr_schedule` (linear warm-up, then
cosine decay to zero); a run with token budget ``N`` and batch size ``B`` sequences of ``ctx``
tokens takes ``N // (B ctx)`` steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CORPUS_PACKAGES",
    "CORPUS_INSTALL",
    "corpus_command",
    "tokenize_bytes",
    "split_tokens",
    "ModelConfig",
    "PARAM_TYPES",
    "param_type",
    "StackedGPT",
    "StackedAdam",
    "eps_switch_lr_factor",
    "type_shares",
    "run_module",
    "window_loss",
    "window_batches",
    "run_stats",
    "lr_schedule",
    "n_steps",
    "batch_offsets",
    "make_batch",
    "val_offsets",
    "train_runs",
]

CORPUS_PACKAGES = ("bible-kjv", "bible-kjv-text")
CORPUS_INSTALL = "apt-get install -y --no-install-recommends bible-kjv bible-kjv-text"
DATA_STREAM = 0x4C4D44  # "LMD": SeedSequence stream of the minibatch offsets
INIT_STREAM = 0x4C4D49  # "LMI": SeedSequence stream of the initial parameters
PARAM_TYPES = ("embeddings", "attention", "mlp", "norms")


def corpus_command(program="bible", data_dir="/usr/lib"):
    """The command that prints the whole King James Bible as plain text.

    ``bible -p DATA_DIR -l1000 Gen1:1-Rev22:21``: ``-l1000`` keeps each verse on one line whatever
    the terminal width (the output does not depend on ``COLUMNS``).

    >>> corpus_command()
    ['bible', '-p', '/usr/lib', '-l1000', 'Gen1:1-Rev22:21']
    """
    if not program or not isinstance(program, str):
        raise ValueError(f"program must be the name of the bible-kjv reader, got {program!r}")
    return [program, "-p", str(data_dir), "-l1000", "Gen1:1-Rev22:21"]


def tokenize_bytes(data):
    """Byte-level tokens: ``tokens[i] = vocab.index(data[i])``, ``vocab`` the sorted distinct bytes.

    >>> t, v = tokenize_bytes(b"abca")
    >>> t.tolist(), bytes(v.tolist())
    ([0, 1, 2, 0], b'abc')
    """
    arr = np.frombuffer(bytes(data), dtype=np.uint8)
    if arr.size == 0:
        raise ValueError("data must be a non-empty byte string (the corpus is empty)")
    vocab, tokens = np.unique(arr, return_inverse=True)
    return tokens.astype(np.int64), vocab


def split_tokens(tokens, val_fraction):
    """Fixed split: the first ``1 - val_fraction`` of the tokens train, the rest validate.

    >>> tr, va = split_tokens(np.arange(10), 0.2)
    >>> tr.tolist(), va.tolist()
    ([0, 1, 2, 3, 4, 5, 6, 7], [8, 9])
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    n_val = int(round(len(tokens) * val_fraction))
    if n_val < 1 or n_val >= len(tokens):
        raise ValueError(f"val_fraction={val_fraction} leaves an empty split of {len(tokens)} tokens")
    return tokens[: len(tokens) - n_val], tokens[len(tokens) - n_val :]


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the transformer: vocabulary, context length, width, layers, heads, MLP ratio."""

    vocab: int
    ctx: int = 64
    d_model: int = 64
    n_layer: int = 2
    n_head: int = 4
    mlp_ratio: int = 4

    def __post_init__(self):
        for k in ("vocab", "ctx", "d_model", "n_layer", "n_head", "mlp_ratio"):
            v = getattr(self, k)
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"model {k} must be a positive integer, got {v!r}")
        if self.d_model % self.n_head:
            raise ValueError(f"model d_model ({self.d_model}) must be a multiple of n_head ({self.n_head})")

    def n_params(self):
        """Parameters of one run: ``V d + T d + L (12 d^2 + 4 d) + 2 d`` for MLP ratio 4.

        >>> ModelConfig(vocab=73, ctx=64, d_model=64, n_layer=2).n_params()
        107712
        """
        d, f = self.d_model, self.mlp_ratio * self.d_model
        per_layer = 4 * d + 3 * d * d + d * d + 2 * d * f
        return self.vocab * d + self.ctx * d + self.n_layer * per_layer + 2 * d


def param_type(name):
    """Parameter type of a :class:`StackedGPT` parameter name (one of :data:`PARAM_TYPES`).

    >>> [param_type(n) for n in ("tok_emb", "pos_emb", "h0_qkv", "h1_fc2", "h0_ln1_w", "lnf_b")]
    ['embeddings', 'embeddings', 'attention', 'mlp', 'norms', 'norms']
    """
    if name in ("tok_emb", "pos_emb"):
        return "embeddings"
    if "_ln" in name or name.startswith("lnf"):
        return "norms"
    if name.endswith(("_qkv", "_proj")):
        return "attention"
    if name.endswith(("_fc1", "_fc2")):
        return "mlp"
    raise ValueError(f"unknown parameter name {name!r}")


def _torch():
    import torch  # imported lazily: the rest of the library does not need torch

    return torch


def _seed_int(*entropy):
    return int(np.random.SeedSequence(list(entropy)).generate_state(1, dtype=np.uint64)[0] >> 1)


class StackedGPT:
    """``R`` independent pre-norm transformers with a leading run axis on every parameter.

    ``params`` is a dict ``name -> tensor (R, ...)`` of leaf tensors with ``requires_grad``; run
    ``r`` is initialised (GPT-2 style: N(0, 0.02^2) weights, residual outputs scaled by
    ``1/sqrt(2 n_layer)``, LayerNorm weight 1 and bias 0) from a generator seeded by
    ``(init_seed[r], INIT_STREAM)``, so it does not depend on the other runs.

    >>> import torch
    >>> m = StackedGPT(ModelConfig(vocab=5, ctx=4, d_model=8, n_layer=1, n_head=2), [0, 0, 1])
    >>> loss = m.loss(torch.zeros(3, 2, 4, dtype=torch.long), torch.ones(3, 2, 4, dtype=torch.long))
    >>> loss.shape, bool(torch.equal(m.params["h0_qkv"][0], m.params["h0_qkv"][1]))
    (torch.Size([3]), True)
    """

    def __init__(self, cfg, init_seeds, device="cpu", dtype=None):
        torch = _torch()
        self.cfg = cfg
        self.R = len(init_seeds)
        self.device = torch.device(device)
        dtype = dtype or torch.float32
        d, f, L = cfg.d_model, cfg.mlp_ratio * cfg.d_model, cfg.n_layer
        shapes = {"tok_emb": (cfg.vocab, d), "pos_emb": (cfg.ctx, d)}
        for i in range(L):
            shapes.update({f"h{i}_ln1_w": (d,), f"h{i}_ln1_b": (d,), f"h{i}_qkv": (d, 3 * d),
                           f"h{i}_proj": (d, d), f"h{i}_ln2_w": (d,), f"h{i}_ln2_b": (d,),
                           f"h{i}_fc1": (d, f), f"h{i}_fc2": (f, d)})
        shapes.update({"lnf_w": (d,), "lnf_b": (d,)})
        std_res = 0.02 / math.sqrt(2 * L)
        per_run = []
        for s in init_seeds:
            gen = torch.Generator().manual_seed(_seed_int(int(s), INIT_STREAM))
            one = {}
            for name, shp in shapes.items():
                if name.endswith("_w"):
                    one[name] = torch.ones(shp, dtype=dtype)
                elif name.endswith("_b"):
                    one[name] = torch.zeros(shp, dtype=dtype)
                else:
                    std = std_res if name.endswith(("_proj", "_fc2")) else 0.02
                    one[name] = torch.randn(shp, generator=gen, dtype=dtype) * std
            per_run.append(one)
        self.params = {n: torch.stack([p[n] for p in per_run]).to(self.device).requires_grad_(True)
                       for n in shapes}

    @classmethod
    def from_params(cls, cfg, params, device="cpu"):
        """A stacked model holding copies of ``params`` (name -> (R, ...) tensors) as new leaves."""
        self = cls.__new__(cls)
        self.cfg, self.device = cfg, _torch().device(device)
        self.params = {n: p.detach().clone().to(self.device).requires_grad_(True) for n, p in params.items()}
        self.R = next(iter(self.params.values())).shape[0]
        return self

    def names(self):
        return list(self.params)

    def logits(self, x, params=None):
        """Logits ``(R, B, T, V)`` of token ids ``x`` ``(R, B, T)``."""
        torch = _torch()
        F = torch.nn.functional
        p = self.params if params is None else params
        cfg = self.cfg
        R, B, T = x.shape
        d, H = cfg.d_model, cfg.n_head
        ridx = torch.arange(R, device=x.device)[:, None, None]
        h = p["tok_emb"][ridx, x] + p["pos_emb"][:, None, :T, :]
        for i in range(cfg.n_layer):
            a = F.layer_norm(h, (d,)) * p[f"h{i}_ln1_w"][:, None, None, :] + p[f"h{i}_ln1_b"][:, None, None, :]
            qkv = torch.bmm(a.reshape(R, B * T, d), p[f"h{i}_qkv"]).view(R * B, T, 3, H, d // H)
            q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (R B, H, T, d/H)
            o = o.transpose(1, 2).reshape(R, B * T, d)
            h = h + torch.bmm(o, p[f"h{i}_proj"]).view(R, B, T, d)
            a = F.layer_norm(h, (d,)) * p[f"h{i}_ln2_w"][:, None, None, :] + p[f"h{i}_ln2_b"][:, None, None, :]
            u = F.gelu(torch.bmm(a.reshape(R, B * T, d), p[f"h{i}_fc1"]))
            h = h + torch.bmm(u, p[f"h{i}_fc2"]).view(R, B, T, d)
        h = F.layer_norm(h, (d,)) * p["lnf_w"][:, None, None, :] + p["lnf_b"][:, None, None, :]
        return torch.bmm(h.reshape(R, B * T, d), p["tok_emb"].transpose(1, 2)).view(R, B, T, -1)

    def loss(self, x, y, params=None):
        """Mean cross-entropy (nats per token) of each run, shape ``(R,)``."""
        torch = _torch()
        lg = self.logits(x, params)
        R = lg.shape[0]
        ce = torch.nn.functional.cross_entropy(lg.reshape(-1, lg.shape[-1]), y.reshape(-1), reduction="none")
        return ce.view(R, -1).mean(dim=1)


class StackedAdam:
    r"""torch.optim.Adam (``amsgrad=False``, no weight decay) on stacked runs, per-run ``lr`` and ``eps``.

    Per run and coordinate, step :math:`t`:
    :math:`m \leftarrow m + (1-\beta_1)(g - m)` (torch's ``lerp``),
    :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
    :math:`\theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\, m / (\sqrt{v}/\sqrt{1-\beta_2^t} + \varepsilon)`
    (``eps`` outside the square root). ``sqrt_vhat()`` is :math:`\sqrt{v/(1-\beta_2^t)}`, the
    quantity that is compared with ``eps``.
    """

    def __init__(self, params, beta1=0.9, beta2=0.999):
        torch = _torch()
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"need 0 <= beta1, beta2 < 1; got beta1={beta1}, beta2={beta2}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.t = 0
        self.m = {n: torch.zeros_like(p) for n, p in params.items()}
        self.v = {n: torch.zeros_like(p) for n, p in params.items()}

    def step(self, params, lr, eps):
        """One in-place step; ``lr`` and ``eps`` are ``(R,)`` tensors (run axis first)."""
        torch = _torch()
        self.t += 1
        bc1 = 1.0 - self.beta1**self.t
        bc2_sqrt = math.sqrt(1.0 - self.beta2**self.t)
        with torch.no_grad():
            for n, p in params.items():
                g = p.grad
                shape = (-1,) + (1,) * (p.dim() - 1)
                m, v = self.m[n], self.v[n]
                m.lerp_(g, 1.0 - self.beta1)
                v.mul_(self.beta2).addcmul_(g, g, value=1.0 - self.beta2)
                denom = (v.sqrt() / bc2_sqrt).add_(eps.view(shape))
                p.sub_((lr / bc1).view(shape) * (m / denom))

    def sqrt_vhat(self, name):
        """``sqrt(v / (1 - beta2^t))`` of parameter ``name`` (R, ...)."""
        return self.v[name].sqrt() / math.sqrt(1.0 - self.beta2**self.t)

    def update(self, name, eps):
        """The next update direction without the learning rate, ``m_hat / (sqrt(v_hat) + eps)``."""
        shape = (-1,) + (1,) * (self.m[name].dim() - 1)
        bc1 = 1.0 - self.beta1**self.t
        return (self.m[name] / bc1) / (self.sqrt_vhat(name) + eps.view(shape))


def eps_switch_lr_factor(opt, eps_old, eps_new):
    r"""Learning-rate factor that keeps the size of Adam's next update when ``eps`` changes.

    Per run, :math:`f = \lVert \hat m/(\sqrt{\hat v}+\varepsilon_{old}) \rVert_2 /
    \lVert \hat m/(\sqrt{\hat v}+\varepsilon_{new}) \rVert_2` over all coordinates, from the
    optimiser's state at the switch (the preconditioned-SGD picture: with :math:`\beta_2 \to 1`
    the denominator is a fixed preconditioner, and this factor keeps the step's length).
    ``eps_old``, ``eps_new``: (R,) tensors. Returns a numpy (R,) array, 1 if nothing changes.
    """
    torch = _torch()
    num = 0.0
    den = 0.0
    with torch.no_grad():
        for n in opt.m:
            R = opt.m[n].shape[0]
            num = num + (opt.update(n, eps_old) ** 2).reshape(R, -1).sum(1).double()
            den = den + (opt.update(n, eps_new) ** 2).reshape(R, -1).sum(1).double()
    return torch.sqrt(num / den).cpu().numpy()


def type_shares(values_by_name, thresholds):
    """Share of coordinates with ``value < threshold`` per parameter type, ``{type: (n_thr,) array}``.

    ``values_by_name``: name -> tensor/array of one run's per-coordinate values (e.g. ``sqrt(v_hat)``).

    >>> s = type_shares({"tok_emb": np.array([1e-9, 1e-3]), "h0_fc1": np.array([1.0])}, [1e-8, 1e-2])
    >>> s["embeddings"].tolist(), s["mlp"].tolist()
    ([0.5, 1.0], [0.0, 0.0])
    """
    thr = np.asarray(thresholds, dtype=float)
    below = {t: np.zeros(thr.size) for t in PARAM_TYPES}
    count = {t: 0 for t in PARAM_TYPES}
    for n, v in values_by_name.items():
        v = np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, dtype=float).ravel()
        t = param_type(n)
        below[t] += (v[:, None] < thr[None, :]).sum(0)
        count[t] += v.size
    return {t: below[t] / count[t] for t in PARAM_TYPES if count[t]}


def run_module(model, run):
    """Run ``run`` of a :class:`StackedGPT` as a ``torch.nn.Module``, the form :mod:`adameps.torch_stats` takes.

    The module holds a copy of the run's parameters (same names, shapes ``(1, ...)``, in
    ``model.params`` order, so the flat coordinate vector of the statistics is the run's
    parameters concatenated); ``module(x, y)`` is the mean cross-entropy of windows ``x``, ``y``
    ``(n, ctx)``; :func:`window_loss` is the matching ``loss_fn(module, batch)``.

    >>> import torch
    >>> m = StackedGPT(ModelConfig(vocab=5, ctx=4, d_model=8, n_layer=1, n_head=2), [0, 1])
    >>> mod = run_module(m, 1)
    >>> x = torch.zeros(2, 4, dtype=torch.long)
    >>> bool(torch.isclose(window_loss(mod, (x, x)), m.loss(x.expand(2, -1, -1), x.expand(2, -1, -1))[1]))
    True
    """
    torch = _torch()
    names = list(model.params)

    class _Run(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for n in names:
                self.register_parameter(n, torch.nn.Parameter(model.params[n][run : run + 1].detach().clone()))
            object.__setattr__(self, "_stack", model)  # not a submodule: no parameters of its own here

        def forward(self, x, y):
            p = {n: getattr(self, n) for n in names}
            return self._stack.loss(x[None], y[None], params=p)[0]

    return _Run().to(model.device)


def window_loss(module, batch):
    """``loss_fn(module, batch)`` of :func:`run_module`: the mean loss of the windows ``batch = (x, y)``."""
    return module(*batch)


def window_batches(tokens, offsets, ctx, size=64, device="cpu"):
    """The windows starting at ``offsets`` as a list of ``(x, y)`` batches of at most ``size`` windows."""
    offsets = np.asarray(offsets).ravel()
    if offsets.size == 0:
        raise ValueError("offsets must name at least one window")
    out = []
    for s in range(0, offsets.size, int(size)):
        x, y = make_batch(tokens, offsets[s : s + int(size)], ctx)
        out.append((x.to(device), y.to(device)))
    return out


def run_stats(model, run, tokens, offsets, n_probes, seed=0):
    r"""The theory's inputs at run ``run`` for the objective "mean loss over the windows at ``offsets``".

    The practitioners' collector on :func:`run_module`: :func:`adameps.torch_stats.collect_stats`
    (per-window gradients by ``vmap``: ``g`` their mean, ``sigma`` their population standard
    deviation, so a minibatch of B windows drawn with replacement has per-coordinate variance
    ``sigma^2/B``; ``hdiag`` by Hutchinson with ``n_probes`` probes over all the windows) and
    :func:`adameps.torch_stats.hvp_operator` on the same windows.  Returns ``(stats, hvp)``;
    ``adameps.practical.prepare_inputs(stats["g"], stats["sigma"], stats["hdiag"], hvp=hvp)`` gives
    the one-step theory's ``(g, H, sigma)``.
    """
    from adameps import torch_stats as ts

    mod = run_module(model, run)
    batches = window_batches(tokens, offsets, model.cfg.ctx, device=model.device)
    st = ts.collect_stats(mod, window_loss, batches, per_example="vmap", hessian="hutchinson", n_probes=int(n_probes),
                          hessian_batches=len(batches), seed=int(seed))
    return st, ts.hvp_operator(mod, window_loss, batches)


def lr_schedule(step, total, warmup):
    r"""Learning-rate multiplier of step ``step`` (1-based): linear warm-up, then cosine to zero.

    :math:`s_t = t/W` for :math:`t \le W`, else :math:`\tfrac12(1 + \cos(\pi (t-W)/(T-W+1)))`
    (the last step keeps a small positive rate).

    >>> [round(lr_schedule(t, 4, 2), 3) for t in (1, 2, 3, 4)]
    [0.5, 1.0, 0.75, 0.25]
    """
    if step <= warmup:
        return step / max(warmup, 1)
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / (total - warmup + 1)))


def n_steps(token_budget, batch_size, ctx):
    """Steps of a run with a fixed token budget: ``token_budget // (batch_size * ctx)`` (at least 1).

    >>> n_steps(65536, 16, 64), n_steps(65536, 64, 64)
    (64, 16)
    """
    if batch_size < 1 or ctx < 1:
        raise ValueError(f"batch_size and ctx must be >= 1, got {batch_size}, {ctx}")
    s = int(token_budget) // (int(batch_size) * int(ctx))
    if s < 1:
        raise ValueError(f"token_budget {token_budget} is less than one batch of {batch_size} x {ctx} tokens")
    return s


def batch_offsets(data_seed, n_train, batch_size, ctx, steps):
    """Start offsets ``(steps, batch_size)`` of the training windows of one data seed (with replacement).

    >>> batch_offsets(0, 100, 2, 8, 3).shape
    (3, 2)
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(data_seed), DATA_STREAM, int(batch_size)]))
    return rng.integers(0, n_train - ctx - 1, size=(steps, batch_size))


def val_offsets(n_val, ctx, n_seq):
    """``n_seq`` evenly spaced window starts in the validation split (the fixed objective)."""
    if n_val < ctx + 2:
        raise ValueError(f"validation split ({n_val} tokens) is shorter than a window of ctx={ctx}")
    return np.linspace(0, n_val - ctx - 1, int(n_seq)).astype(np.int64)


def make_batch(tokens, offsets, ctx):
    """Inputs and targets ``(..., ctx)`` of windows starting at ``offsets`` (torch tensors)."""
    torch = _torch()
    idx = offsets[..., None] + np.arange(ctx + 1)
    w = tokens[idx]
    return torch.from_numpy(w[..., :-1]), torch.from_numpy(w[..., 1:])


def _val_loss(model, val_tokens, offsets, chunk=64):
    torch = _torch()
    xs, ys = make_batch(val_tokens, offsets, model.cfg.ctx)
    tot = torch.zeros(model.R, dtype=torch.float64)
    with torch.no_grad():
        for s in range(0, len(offsets), chunk):
            x = xs[s : s + chunk].to(model.device).expand(model.R, -1, -1)
            y = ys[s : s + chunk].to(model.device).expand(model.R, -1, -1)
            tot += model.loss(x, y).double().cpu() * x.shape[1]
    return (tot / len(offsets)).numpy()


def train_runs(cfg, train_tokens, val_tokens, *, lr, eps, init_seed, data_seed, batch_size, token_budget,
               warmup_frac=0.1, beta1=0.9, beta2=0.999, n_val_seq=128, eval_steps=(), callback=None,
               diverge_loss=None, device="cpu", eps_after=None, lr_factor_after=None, switch_step=None):
    """Train ``R`` runs (one per entry of ``lr``, ``eps``, ``init_seed``, ``data_seed``) at one batch size.

    Returns a dict: ``steps``; ``val_loss`` (R,) at the end (``inf`` for diverged runs);
    ``eval_steps`` and ``val_curve`` (n_eval, R) at the requested steps (0 = initial point);
    ``train_loss`` (steps, R); ``diverged`` (R,) bool. A run diverges when its training loss is
    non-finite or above ``diverge_loss`` (default ``2 ln V``); its learning rate is then set to 0.
    ``callback(step, model, opt)`` is called after each step in ``eval_steps``. With
    ``switch_step``, from that step on the runs use ``eps_after`` (R,) and their learning rate is
    multiplied by ``lr_factor_after`` (R,) or by ``lr_factor_after(model, opt, eps, eps_after)``
    (a callable returning (R,)), evaluated once at the switch.
    """
    torch = _torch()
    R = len(lr)
    if not (len(eps) == len(init_seed) == len(data_seed) == R):
        raise ValueError("lr, eps, init_seed and data_seed must have one entry per run")
    lr = np.asarray(lr, dtype=float)
    if np.any(~np.isfinite(lr)) or np.any(lr <= 0):
        raise ValueError("lr must be positive and finite")
    steps = n_steps(token_budget, batch_size, cfg.ctx)
    warmup = max(1, int(round(warmup_frac * steps)))
    diverge_loss = 2.0 * math.log(cfg.vocab) if diverge_loss is None else float(diverge_loss)
    model = StackedGPT(cfg, init_seed, device=device)
    opt = StackedAdam(model.params, beta1, beta2)
    dev = model.device
    lr_t = torch.tensor(lr, dtype=torch.float32, device=dev)
    eps_t = torch.tensor(np.asarray(eps, dtype=float), dtype=torch.float32, device=dev)
    alive = torch.ones(R, dtype=torch.float32, device=dev)
    seeds = sorted(set(int(s) for s in data_seed))
    offs = {s: batch_offsets(s, len(train_tokens), batch_size, cfg.ctx, steps) for s in seeds}
    run_of_seed = np.array([seeds.index(int(s)) for s in data_seed])
    stacked = np.stack([offs[s] for s in seeds])  # (n_seed, steps, B)
    voff = val_offsets(len(val_tokens), cfg.ctx, n_val_seq)
    eval_steps = sorted(set(int(s) for s in eval_steps if 0 <= s <= steps) | {steps})
    curve, train_loss = [], np.zeros((steps, R))
    if 0 in eval_steps:
        curve.append(_val_loss(model, val_tokens, voff))
        if callback is not None:
            callback(0, model, opt)
    for t in range(1, steps + 1):
        if switch_step is not None and t == switch_step + 1:
            new_eps = torch.tensor(np.asarray(eps_after, dtype=float), dtype=torch.float32, device=dev)
            fac = lr_factor_after(model, opt, eps_t, new_eps) if callable(lr_factor_after) else (
                np.ones(R) if lr_factor_after is None else np.asarray(lr_factor_after, dtype=float))
            lr_t = lr_t * torch.as_tensor(np.asarray(fac, dtype=float), dtype=torch.float32, device=dev)
            eps_t = new_eps
        x, y = make_batch(train_tokens, stacked[run_of_seed, t - 1], cfg.ctx)
        losses = model.loss(x.to(dev), y.to(dev))
        for p in model.params.values():
            p.grad = None
        losses.sum().backward()
        with torch.no_grad():
            lv = losses.detach()
            bad = ~torch.isfinite(lv) | (lv > diverge_loss)
            alive = alive * (~bad).float()
            for p in model.params.values():
                p.grad = torch.nan_to_num(p.grad, nan=0.0, posinf=0.0, neginf=0.0)
        train_loss[t - 1] = lv.double().cpu().numpy()
        opt.step(model.params, lr_t * lr_schedule(t, steps, warmup) * alive, eps_t)
        if t in eval_steps:
            curve.append(_val_loss(model, val_tokens, voff))
            if callback is not None:
                callback(t, model, opt)
    diverged = (alive.cpu().numpy() == 0)
    final = curve[-1].copy()
    final[diverged | ~np.isfinite(final)] = np.inf
    curve = np.asarray(curve)
    curve[:, diverged] = np.inf
    return {"steps": steps, "warmup": warmup, "val_loss": final, "eval_steps": np.asarray(eval_steps),
            "val_curve": curve, "train_loss": train_loss, "diverged": diverged}
