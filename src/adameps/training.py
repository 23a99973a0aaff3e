r"""Vectorised multi-step training: many learning rates x many seeds in one array op.

Every run of a sweep shares the initial point and, for a given seed, the noise /
minibatch sequence (common random numbers across learning rates), so that the
measured loss-vs-learning-rate curve of one seed is smooth and its argmin is
well defined.  Parameters of all runs live in one array of shape
``(n_lr, n_seed, D)``; the learning rate broadcasts as ``(n_lr, 1, 1)``.

Randomness: run ``(lr, seed)`` draws from
``np.random.default_rng(np.random.SeedSequence([seed, STREAM]))`` (``STREAM`` is a
per-problem constant), so the result of one learning rate does not depend on
which other learning rates are in the grid, nor on the batch size's position in
a sweep.

Divergence: a run whose parameters exceed ``theta_cap`` in max-norm (checked
every step) is flagged diverged and its parameters are reset to the initial
point, so nothing ever overflows (no RuntimeWarning); flagged runs, and runs whose
final loss is non-finite or above ``diverge_factor * L(theta0)``, report a final
loss of ``+inf``.

The module also contains plain per-run Python loops (``*_loop``) computing the
same thing one run at a time; they are the reference for the tests and the
baseline of ``benchmarks/bench_training.py``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = [
    "Adam",
    "AdamAtan2",
    "SoftSignSGD",
    "SignSGD",
    "SGD",
    "make_optimizer",
    "TrainResult",
    "ProgressLogger",
    "nqm_spectrum",
    "nqm_theta0",
    "train_nqm",
    "train_nqm_loop",
    "DigitsData",
    "load_digits_data",
    "SoftmaxRegression",
    "MLP",
    "make_model",
    "train_digits",
    "train_digits_loop",
    "log_lr_grid",
]

log = logging.getLogger(__name__)

NQM_STREAM = 0x4E514D  # "NQM": SeedSequence stream id of the NQM gradient noise
DIGITS_STREAM = 0x444947  # "DIG": SeedSequence stream id of the minibatch indices
NQM_INIT_STREAM = 0x494E49  # "INI": stream id of the NQM initial point
MODEL_INIT_STREAM = 0x4D4F44  # "MOD": stream id of the network initial point


def log_lr_grid(lo, hi, n):
    """``n`` learning rates log-uniform on ``[lo, hi]``: ``lo * (hi/lo)**(k/(n-1))``."""
    return np.geomspace(float(lo), float(hi), int(n))


# ============================================================== optimisers
class Adam:
    r"""Adam exactly as ``torch.optim.Adam`` (no weight decay, ``amsgrad=False``).

    With gradient :math:`g_t`, step :math:`t = 1, 2, \dots`, :math:`m_0 = v_0 = 0`:

    .. math::

        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t  = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        \hat m_t &= m_t / (1-\beta_1^t), \qquad \hat v_t = v_t / (1-\beta_2^t), \\
        \theta_t &= \theta_{t-1} - \eta\, \hat m_t / (\sqrt{\hat v_t} + \varepsilon).

    :math:`\varepsilon` is *outside* the square root (torch, optax's ``eps``);
    optax's ``eps_root`` would instead be :math:`\sqrt{\hat v_t + \varepsilon_{root}}`.
    The arithmetic follows torch's order,
    ``denom = sqrt(v)/sqrt(1-beta2^t) + eps``, ``theta -= (lr/(1-beta1^t)) m/denom``.
    With :math:`\beta_1 = \beta_2 = 0` this is SoftSign-like
    :math:`g/(|g|+\varepsilon)`, not :class:`SoftSignSGD`'s
    :math:`g/\sqrt{g^2+\varepsilon^2}`.
    """

    name = "adam"

    def __init__(self, eps=1e-8, beta1=0.9, beta2=0.999):
        self.eps, self.beta1, self.beta2 = float(eps), float(beta1), float(beta2)
        if not (self.eps >= 0 and 0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(f"need eps >= 0, 0 <= beta1, beta2 < 1; got {eps}, {beta1}, {beta2}")

    def init(self, theta):
        return {"t": 0, "m": np.zeros_like(theta), "v": np.zeros_like(theta)}

    def _update_moments(self, grad, state):
        """In place: t <- t + 1, m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g^2; returns t, m, v."""
        state["t"] += 1
        m, v = state["m"], state["v"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * (grad * grad)
        return state["t"], m, v

    def step(self, theta, grad, state, lr):
        """In-place update of ``theta`` (and ``state``); ``lr`` broadcasts against ``theta``."""
        t, m, v = self._update_moments(grad, state)
        bc1 = 1.0 - self.beta1**t
        bc2_sqrt = math.sqrt(1.0 - self.beta2**t)
        denom = np.sqrt(v) / bc2_sqrt + self.eps
        theta -= (lr / bc1) * m / denom
        return theta


class AdamAtan2(Adam):
    r"""Adam-atan2 (Everett et al. 2024): Adam with the division replaced by ``atan2``, no epsilon.

    Moments and bias correction as :class:`Adam`; the update is
    :math:`\theta_t = \theta_{t-1} - \eta\, \operatorname{atan2}(\hat m_t, \sqrt{\hat v_t})`
    (their scale constants set to 1).  It is invariant to rescaling the gradient and is bounded by
    :math:`\pi/2` per coordinate; the first step is :math:`(\pi/4)\,\mathrm{sign}(g)`.  The
    scale-invariant "no epsilon" control arm.
    """

    name = "atan2"

    def __init__(self, eps=None, beta1=0.9, beta2=0.999):  # eps accepted (and unused) like _Stateless
        super().__init__(0.0, beta1, beta2)

    def step(self, theta, grad, state, lr):
        t, m, v = self._update_moments(grad, state)
        theta -= lr * np.arctan2(m / (1.0 - self.beta1**t), np.sqrt(v / (1.0 - self.beta2**t)))
        return theta


class _Stateless:
    """An update ``theta <- theta - lr * direction(grad)`` with no optimiser state."""

    def __init__(self, eps=None):  # eps accepted (and unused) so make_optimizer treats all alike
        pass

    def init(self, theta):
        return {}

    def step(self, theta, grad, state, lr):
        theta -= lr * self.direction(grad)
        return theta


class SoftSignSGD(_Stateless):
    r"""SoftSignSGD: :math:`\theta \leftarrow \theta - \eta\, g/\sqrt{g^2+\varepsilon^2}`.

    Stateless; :math:`\varepsilon = 0` gives :class:`SignSGD` (``sign(0) = 0``).
    This is the model of Adam used by the one-step theory (Adam with
    :math:`\beta_1=\beta_2=0` and :math:`\varepsilon` inside the root).
    """

    name = "softsign"

    def __init__(self, eps=1e-8):
        self.eps = float(eps)
        if not self.eps >= 0:
            raise ValueError(f"eps must be >= 0, got {eps}")

    def direction(self, grad):
        if self.eps == 0.0:
            return np.sign(grad)  # avoids 0/0 at g = 0 and g*g underflow
        return grad / np.sqrt(grad * grad + self.eps * self.eps)


class SignSGD(_Stateless):
    r"""SignSGD: :math:`\theta \leftarrow \theta - \eta\, \mathrm{sign}(g)` (``sign(0) = 0``)."""

    name = "sign"

    def direction(self, grad):
        return np.sign(grad)


class SGD(_Stateless):
    r"""Plain SGD: :math:`\theta \leftarrow \theta - \eta\, g`."""

    name = "sgd"

    def direction(self, grad):
        return grad


def make_optimizer(name, eps=1e-8, beta1=0.9, beta2=0.999):
    """Optimiser by name: ``"adam"``, ``"atan2"`` (Adam-atan2), ``"softsign"``, ``"sign"`` or ``"sgd"``."""
    if name == "adam":
        return Adam(eps, beta1, beta2)
    if name == "atan2":
        return AdamAtan2(None, beta1, beta2)
    if name == "softsign":
        return SoftSignSGD(eps)
    if name == "sign":
        return SignSGD()
    if name == "sgd":
        return SGD()
    raise ValueError(f"optimizer must be adam, atan2, softsign, sign or sgd; got {name!r}")


# ============================================================== results, progress
@dataclass
class TrainResult:
    """Outcome of a sweep.

    ``final_loss[i, j]``: full-batch loss after ``steps`` steps of lr ``lrs[i]``,
    seed ``seeds[j]`` (``+inf`` if diverged).  ``curves[i, j, k]``: loss after
    ``record_at[k]`` steps (``+inf`` once diverged).  ``loss0``: loss at the
    initial point.  ``seconds``: wall time.
    """

    lrs: np.ndarray
    seeds: np.ndarray
    final_loss: np.ndarray
    diverged: np.ndarray
    loss0: float | np.ndarray
    record_at: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    curves: np.ndarray | None = None
    seconds: float = 0.0
    meta: dict = field(default_factory=dict)


class ProgressLogger:
    """Progress callback ``cb(done, total)`` that logs rate and ETA at most every ``every_s`` s.

    Pass one to ``train_*(progress=...)`` (units: steps), or call it yourself
    around an outer sweep (units: configurations).  ``sink`` defaults to
    ``logging.getLogger("adameps.training").info``.
    """

    def __init__(self, label="sweep", every_s=10.0, sink=None):
        self.label, self.every_s = label, float(every_s)
        self.sink = sink or log.info
        self.t0 = time.perf_counter()
        self._last = -math.inf
        self.messages = 0

    def __call__(self, done, total):
        now = time.perf_counter()
        if done < total and now - self._last < self.every_s:
            return
        self._last = now
        el = now - self.t0
        eta = el * (total - done) / done if done > 0 else math.inf
        self.sink(f"{self.label}: {done}/{total} ({100.0 * done / max(total, 1):.0f}%), "
                  f"elapsed {el:.1f}s, ETA {eta:.1f}s")
        self.messages += 1


def _seed_rng(seed, stream):
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(stream)]))


def _as_grid(lrs, seeds):
    lrs = np.asarray(lrs, dtype=float).ravel()
    seeds = np.asarray(seeds, dtype=np.int64).ravel()
    if lrs.size == 0 or not np.all(np.isfinite(lrs)) or np.any(lrs <= 0):
        raise ValueError("lrs must be a non-empty array of finite positive numbers")
    if seeds.size == 0 or np.any(seeds < 0):
        raise ValueError("seeds must be a non-empty array of non-negative ints")
    return lrs, seeds


def _record_steps(record_at, steps):
    r = np.unique(np.asarray(record_at, dtype=int).ravel())
    if r.size and (r[0] < 0 or r[-1] > steps):
        raise ValueError(f"record_at must lie in [0, steps={steps}]")
    return r


def _loss0(per_seed):
    """The initial loss: a float when every run shares the initial point, else one per seed (S,)."""
    per_seed = np.asarray(per_seed, dtype=float)
    return float(per_seed) if per_seed.ndim == 0 else per_seed


def _finalise(loss, diverged, loss0, diverge_factor):
    # loss is finite here by construction (parameters are capped), but a huge
    # finite loss is a divergence too.
    bad = diverged | ~np.isfinite(loss) | (loss > diverge_factor * loss0)
    return np.where(bad, np.inf, loss), bad


# ============================================================== NQM
def nqm_spectrum(n):
    """NQM Hessian diagonal ``h_i = 1/i``, ``i = 1..n``."""
    return 1.0 / np.arange(1, int(n) + 1, dtype=float)


def nqm_theta0(n, init_seed=0):
    """Initial point ``theta0 ~ N(0, I_n)`` from ``SeedSequence([init_seed, NQM_INIT_STREAM])``."""
    return _seed_rng(init_seed, NQM_INIT_STREAM).standard_normal(int(n))


def _init_seeds(init_seeds, seeds):
    """``None`` (every run starts at ``init_seed``) or one initial-point seed per seed, as ints."""
    if init_seeds is None:
        return None
    init_seeds = np.asarray(init_seeds, dtype=np.int64).ravel()
    if init_seeds.size != seeds.size or np.any(init_seeds < 0):
        raise ValueError(f"init_seeds must hold one non-negative int per seed ({seeds.size}), "
                         f"got {init_seeds.tolist()}")
    return init_seeds


def _nqm_setup(n, noise_scale, init_seed, init_seeds=None):
    h = nqm_spectrum(n)
    sigma = np.sqrt(noise_scale * h)
    if init_seeds is None:
        theta0 = nqm_theta0(n, init_seed)
    else:  # (S, n): seed j starts at nqm_theta0(n, init_seeds[j])
        theta0 = np.stack([nqm_theta0(n, s) for s in init_seeds])
    return h, sigma, theta0


def train_nqm(lrs, *, n=500, B=1, optimizer="adam", eps=1e-8, beta1=0.9, beta2=0.999,
              steps=1000, seeds=(0, 1, 2, 3), noise_scale=1.0, init_seed=0,
              record_at=(), progress=None, theta_cap=1e8, diverge_factor=1e6,
              chunk=64, init_seeds=None):
    r"""Train the noisy quadratic model for every ``(lr, seed)`` at once.

    Loss :math:`L(\theta) = \tfrac12 \sum_i h_i \theta_i^2`, :math:`h_i = 1/i`;
    minibatch gradient :math:`\tilde g = h\odot\theta + \sigma\odot z/\sqrt{B}`,
    :math:`z \sim N(0, I_n)` fresh each step, :math:`\sigma_i^2 =`
    ``noise_scale`` :math:`\cdot h_i` (noise covariance :math:`\propto H/B`).
    ``theta0 = nqm_theta0(n, init_seed)`` for every run.  ``B`` may be any
    positive real (it only scales the noise).  Seed ``s`` draws its noise from
    ``SeedSequence([s, NQM_STREAM])`` in blocks of ``chunk`` steps (the values
    equal per-step draws of shape ``(n,)``); all learning rates of a seed see
    the same noise.  ``init_seeds`` (one int per seed) instead starts seed ``j`` at
    ``nqm_theta0(n, init_seeds[j])``, so that seeds differ in the initial point as well as in
    the noise; ``loss0`` is then an array, one initial loss per seed.  Returns a
    :class:`TrainResult` with ``final_loss`` of shape ``(len(lrs), len(seeds))`` (the exact
    loss, not a minibatch estimate).
    """
    lrs, seeds = _as_grid(lrs, seeds)
    init_seeds = _init_seeds(init_seeds, seeds)
    if not B > 0:
        raise ValueError(f"B must be > 0, got {B}")
    rec = _record_steps(record_at, steps)
    t0 = time.perf_counter()
    h, sigma, theta0 = _nqm_setup(n, noise_scale, init_seed, init_seeds)
    L, S = lrs.size, seeds.size
    opt = make_optimizer(optimizer, eps, beta1, beta2)
    theta = np.broadcast_to(theta0, (L, S, n)).copy()
    start = np.broadcast_to(theta0, (L, S, n))
    state = opt.init(theta)
    lr = lrs[:, None, None]
    noise_sd = sigma / math.sqrt(B)
    rngs = [_seed_rng(s, NQM_STREAM) for s in seeds]
    diverged = np.zeros((L, S), bool)
    loss0 = _loss0(0.5 * np.sum(h * theta0 * theta0, axis=-1))
    curves = np.empty((L, S, rec.size))

    def loss_now():
        return 0.5 * np.sum(h * theta * theta, axis=-1)

    k_rec = 0
    if rec.size and rec[0] == 0:
        curves[..., 0] = loss0
        k_rec = 1
    z = None
    for t in range(steps):
        c = t % chunk
        if c == 0:
            m = min(chunk, steps - t)
            z = np.stack([r.standard_normal((m, n)) for r in rngs], axis=1)  # (m, S, n)
        grad = h * theta + noise_sd * z[c]
        opt.step(theta, grad, state, lr)
        big = np.max(np.abs(theta), axis=-1) > theta_cap
        if big.any():
            diverged |= big
            theta[big] = start[big]  # reset so that nothing overflows; run is flagged
        if k_rec < rec.size and rec[k_rec] == t + 1:
            curves[..., k_rec] = np.where(diverged, np.inf, loss_now())
            k_rec += 1
        if progress is not None:
            progress(t + 1, steps)
    final, bad = _finalise(loss_now(), diverged, loss0, diverge_factor)
    return TrainResult(lrs, seeds, final, bad, loss0, rec, curves if rec.size else None,
                       time.perf_counter() - t0,
                       dict(problem="nqm", n=n, B=B, optimizer=optimizer, eps=eps,
                            beta1=beta1, beta2=beta2, steps=steps,
                            noise_scale=noise_scale, init_seed=init_seed,
                            init_seeds=None if init_seeds is None else init_seeds.tolist()))


def train_nqm_loop(lrs, *, n=500, B=1, optimizer="adam", eps=1e-8, beta1=0.9, beta2=0.999,
                   steps=1000, seeds=(0, 1, 2, 3), noise_scale=1.0, init_seed=0,
                   theta_cap=1e8, diverge_factor=1e6, init_seeds=None):
    """Reference: :func:`train_nqm` one run at a time, noise drawn per step (final losses only)."""
    lrs, seeds = _as_grid(lrs, seeds)
    init_seeds = _init_seeds(init_seeds, seeds)
    t0 = time.perf_counter()
    h, sigma, theta0 = _nqm_setup(n, noise_scale, init_seed, init_seeds)
    noise_sd = sigma / math.sqrt(B)
    loss0 = _loss0(0.5 * np.sum(h * theta0 * theta0, axis=-1))
    starts = np.broadcast_to(theta0, (seeds.size, n))
    out = np.empty((lrs.size, seeds.size))
    div = np.zeros((lrs.size, seeds.size), bool)
    for i, lr in enumerate(lrs):
        for j, s in enumerate(seeds):
            rng = _seed_rng(s, NQM_STREAM)
            opt = make_optimizer(optimizer, eps, beta1, beta2)
            theta0 = starts[j]
            theta = theta0.copy()
            state = opt.init(theta)
            for _ in range(steps):
                grad = h * theta + noise_sd * rng.standard_normal(n)
                opt.step(theta, grad, state, lr)
                if np.max(np.abs(theta)) > theta_cap:
                    div[i, j] = True
                    theta[:] = theta0
            out[i, j] = 0.5 * np.sum(h * theta * theta)
    final, bad = _finalise(out, div, loss0, diverge_factor)
    return TrainResult(lrs, seeds, final, bad, loss0, seconds=time.perf_counter() - t0)


# ============================================================== digits data
@dataclass(frozen=True)
class DigitsData:
    """Standardised ``load_digits`` with a bias column and a fixed split.

    ``X_*``: (n, 65) = 64 standardised pixels (train mean / std; constant pixels
    get std 1) plus a trailing constant 1 (the bias).  ``Y_*``: one-hot (n, 10);
    ``y_*``: integer labels.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    y_test: np.ndarray

    @property
    def d_in(self):
        return self.X_train.shape[1]

    @property
    def n_classes(self):
        return self.Y_train.shape[1]


def load_digits_data(n_train=1437, split_seed=0):
    """Digits (1797 x 64, 10 classes) split by a permutation from ``default_rng(split_seed)``.

    The first ``n_train`` permuted examples (default 80 %) are the training set,
    the rest the held-out set; features are standardised with training statistics.
    """
    from sklearn.datasets import load_digits  # bundled with scikit-learn, no download

    X, y = load_digits(return_X_y=True)
    perm = np.random.default_rng(split_seed).permutation(len(y))
    X, y = X[perm].astype(float), y[perm].astype(int)
    tr, te = slice(0, n_train), slice(n_train, None)
    mu = X[tr].mean(0)
    sd = X[tr].std(0)
    sd[sd == 0] = 1.0  # constant (always-blank) pixels: avoid 0/0, they stay 0
    Xs = (X - mu) / sd
    Xs = np.concatenate([Xs, np.ones((len(y), 1))], axis=1)
    Y = np.eye(10)[y]
    return DigitsData(Xs[tr], Y[tr], y[tr], Xs[te], Y[te], y[te])


# ============================================================== models
def _log_softmax(z):
    """``z - logsumexp(z)`` along the last axis, accurate when one class dominates.

    With ``s = z - max z`` the log-normaliser is ``log1p(r)``, ``r`` = the sum of
    ``exp(s)`` over all but one maximal entry, computed without forming
    ``1 + r``: otherwise a well-separated example (margin > ~37) would get a
    loss of exactly 0 instead of ~exp(-margin), and the log-loss objective of
    :mod:`adameps.lr_fit` needs positive losses.
    """
    zmax = np.max(z, axis=-1, keepdims=True)
    s = z - zmax
    e = np.exp(s)
    top = s == 0.0
    r = np.sum(np.where(top, 0.0, e), axis=-1, keepdims=True) + (
        np.sum(top, axis=-1, keepdims=True) - 1.0)
    return s - np.log1p(r)


def _xw(X, W):
    """``X @ W`` for X (S, B, d) shared by all learning rates and W (L, S, d, k) -> (L, S, B, k).

    One (B, d) @ (d, L*k) matmul per seed instead of L*S small ones: the
    vectorised trainer's hot spot (results equal ``X @ W`` up to rounding)."""
    L, S, d, k = W.shape
    Wt = np.ascontiguousarray(W.transpose(1, 2, 0, 3)).reshape(S, d, L * k)
    return (X @ Wt).reshape(S, X.shape[1], L, k).transpose(2, 0, 1, 3)


def _xtd(X, Dm):
    """``X^T @ Dm`` for X (S, B, d) and Dm (L, S, B, k) -> (L, S, d, k), batched like :func:`_xw`."""
    L, S, B, k = Dm.shape
    Dt = np.ascontiguousarray(Dm.transpose(1, 2, 0, 3)).reshape(S, B, L * k)
    return (np.swapaxes(X, -1, -2) @ Dt).reshape(S, X.shape[2], L, k).transpose(2, 0, 1, 3)


def _shared(theta, X):
    # theta (L, S, D) with X (S, B, d): the inputs are shared across the lr axis
    return theta.ndim == 3 and X.ndim == 3 and theta.shape[1] == X.shape[0]


def _add_l2_loss(loss, theta, l2):
    # optional L2 term l2/2 |theta|^2 (makes the separable digits problem have a
    # finite minimiser and an SPD Hessian); skipped entirely at l2 = 0 so the
    # unregularised path is bit-for-bit plain cross-entropy
    return loss if l2 == 0.0 else loss + 0.5 * l2 * np.sum(theta * theta, axis=-1)


def _add_l2_grad(g, theta, l2):
    return g if l2 == 0.0 else g + l2 * theta


class SoftmaxRegression:
    r"""Softmax regression, flat parameters ``theta = W.ravel()``, ``W`` (d_in, K) row-major.

    Loss on examples :math:`(x_n, y_n)`, :math:`n = 1..m`:
    :math:`L = -\frac1m \sum_n \log \mathrm{softmax}(W^\top x_n)_{y_n}
    + \frac{\lambda}2 \|\theta\|^2` (``l2`` = :math:`\lambda`, default 0);
    gradient :math:`\frac1m \sum_n x_n (p_n - y_n)^\top + \lambda W`.  The bias is the last
    input feature (constant 1).  All methods broadcast over leading axes:
    ``theta`` (..., D) with ``X`` (..., m, d_in), ``Y`` (..., m, K).
    """

    def __init__(self, d_in, n_classes, l2=0.0, init_scale=0.0):
        self.d_in, self.K, self.l2 = int(d_in), int(n_classes), float(l2)
        self.init_scale = float(init_scale)
        if not (np.isfinite(self.init_scale) and self.init_scale >= 0):
            raise ValueError(f"init_scale must be finite and >= 0, got {init_scale!r}")
        self.n_params = self.d_in * self.K

    def init(self, seed=0):
        """Initial point ``W ~ N(0, init_scale^2 / d_in)`` from ``SeedSequence([seed, MODEL_INIT_STREAM])``;
        ``init_scale = 0`` (default): the zero point (uniform predictions) whatever ``seed``."""
        if self.init_scale == 0.0:
            return np.zeros(self.n_params)
        rng = _seed_rng(seed, MODEL_INIT_STREAM)
        return self.init_scale * rng.standard_normal(self.n_params) / math.sqrt(self.d_in)

    def _W(self, theta):
        return theta.reshape(theta.shape[:-1] + (self.d_in, self.K))

    def logits(self, theta, X):
        if _shared(theta, X):
            return _xw(X, self._W(theta))
        return X @ self._W(theta)

    def loss(self, theta, X, Y):
        """Mean cross-entropy, shape ``theta.shape[:-1]`` (broadcast with X's batch axes)."""
        ce = -np.mean(np.sum(Y * _log_softmax(self.logits(theta, X)), axis=-1), axis=-1)
        return _add_l2_loss(ce, theta, self.l2)

    def loss_and_grad(self, theta, X, Y):
        z = self.logits(theta, X)
        lp = _log_softmax(z)
        loss = -np.mean(np.sum(Y * lp, axis=-1), axis=-1)
        d = (np.exp(lp) - Y) / X.shape[-2]
        gW = _xtd(X, d) if _shared(theta, X) else np.swapaxes(X, -1, -2) @ d
        g = gW.reshape(gW.shape[:-2] + (self.n_params,))
        return _add_l2_loss(loss, theta, self.l2), _add_l2_grad(g, theta, self.l2)

    def per_example_grads(self, theta, X, Y):
        """(m, D): gradient of each example's loss, ``x_n (p_n - y_n)^T`` flattened."""
        p = np.exp(_log_softmax(self.logits(theta, X)))
        G = (X[:, :, None] * (p - Y)[:, None, :]).reshape(X.shape[0], -1)
        return _add_l2_grad(G, theta, self.l2)


class MLP:
    r"""One-hidden-layer MLP, flat ``theta = [W1.ravel(), W2.ravel()]``.

    ``W1`` (d_in, H) (the bias is the constant input feature), hidden
    :math:`a = \phi(W_1^\top x)` with :math:`\phi` = ``tanh`` or ``relu``,
    ``W2`` (H+1, K) acting on ``[a, 1]``; loss = mean cross-entropy of
    :math:`W_2^\top [a, 1]` plus ``l2/2 |theta|^2``.  Backprop is written by hand; every method
    broadcasts over leading axes like :class:`SoftmaxRegression`.
    """

    def __init__(self, d_in, n_classes, hidden=32, activation="tanh", l2=0.0):
        if activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be tanh or relu, got {activation!r}")
        self.d_in, self.K, self.H, self.activation = int(d_in), int(n_classes), int(hidden), activation
        self.l2 = float(l2)
        self.n1 = self.d_in * self.H
        self.n_params = self.n1 + (self.H + 1) * self.K

    def init(self, seed=0):
        """LeCun-normal init: ``W1 ~ N(0, 1/d_in)``, ``W2 ~ N(0, 1/(H+1))``, from
        ``SeedSequence([seed, MODEL_INIT_STREAM])``."""
        rng = _seed_rng(seed, MODEL_INIT_STREAM)
        w1 = rng.standard_normal(self.n1) / math.sqrt(self.d_in)
        w2 = rng.standard_normal(self.n_params - self.n1) / math.sqrt(self.H + 1)
        return np.concatenate([w1, w2])

    def _split(self, theta):
        lead = theta.shape[:-1]
        W1 = theta[..., : self.n1].reshape(lead + (self.d_in, self.H))
        W2 = theta[..., self.n1:].reshape(lead + (self.H + 1, self.K))
        return W1, W2

    def _forward(self, theta, X):
        W1, W2 = self._split(theta)
        pre = _xw(X, W1) if _shared(theta, X) else X @ W1
        a = np.tanh(pre) if self.activation == "tanh" else np.maximum(pre, 0.0)
        a1 = np.concatenate([a, np.ones(a.shape[:-1] + (1,))], axis=-1)
        return W1, W2, pre, a, a1, a1 @ W2

    def loss(self, theta, X, Y):
        z = self._forward(theta, X)[-1]
        ce = -np.mean(np.sum(Y * _log_softmax(z), axis=-1), axis=-1)
        return _add_l2_loss(ce, theta, self.l2)

    def _backward(self, W2, pre, a, lp, Y, scale):
        d = (np.exp(lp) - Y) * scale  # dL/dlogits
        da = d @ np.swapaxes(W2[..., : self.H, :], -1, -2)
        if self.activation == "tanh":
            dpre = da * (1.0 - a * a)
        else:
            dpre = da * (pre > 0)
        return d, dpre

    def loss_and_grad(self, theta, X, Y):
        W1, W2, pre, a, a1, z = self._forward(theta, X)
        lp = _log_softmax(z)
        loss = -np.mean(np.sum(Y * lp, axis=-1), axis=-1)
        d, dpre = self._backward(W2, pre, a, lp, Y, 1.0 / X.shape[-2])
        g2 = np.swapaxes(a1, -1, -2) @ d
        g1 = _xtd(X, dpre) if _shared(theta, X) else np.swapaxes(X, -1, -2) @ dpre
        lead = g1.shape[:-2]
        g = np.concatenate([g1.reshape(lead + (self.n1,)),
                            g2.reshape(lead + (self.n_params - self.n1,))], axis=-1)
        return _add_l2_loss(loss, theta, self.l2), _add_l2_grad(g, theta, self.l2)

    def per_example_grads(self, theta, X, Y):
        """(m, D): per-example gradients (outer products of backprop signals)."""
        W1, W2, pre, a, a1, z = self._forward(theta, X)
        d, dpre = self._backward(W2, pre, a, _log_softmax(z), Y, 1.0)
        m = X.shape[0]
        g1 = (X[:, :, None] * dpre[:, None, :]).reshape(m, -1)
        g2 = (a1[:, :, None] * d[:, None, :]).reshape(m, -1)
        return _add_l2_grad(np.concatenate([g1, g2], axis=1), theta, self.l2)


def make_model(model, data, hidden=32, activation="tanh", l2=0.0, init_scale=0.0):
    """``"softmax"`` -> :class:`SoftmaxRegression`, ``"mlp"`` -> :class:`MLP` for ``data``
    (``init_scale``: the softmax model's initial scale; the MLP has its own LeCun init)."""
    if model == "softmax":
        return SoftmaxRegression(data.d_in, data.n_classes, l2, init_scale)
    if model == "mlp":
        return MLP(data.d_in, data.n_classes, hidden, activation, l2)
    raise ValueError(f"model must be softmax or mlp, got {model!r}")


def _digits_setup(data, model, hidden, activation, init_seed, eval_on, l2, init_seeds=None,
                  init_scale=0.0):
    if data is None:
        data = load_digits_data()
    net = make_model(model, data, hidden, activation, l2, init_scale)
    if init_seeds is None:
        theta0 = net.init(init_seed)
    else:  # (S, D): seed j starts at net.init(init_seeds[j])
        theta0 = np.stack([net.init(s) for s in init_seeds])
    if eval_on == "train":
        Xe, Ye = data.X_train, data.Y_train
    elif eval_on == "test":
        Xe, Ye = data.X_test, data.Y_test
    else:
        raise ValueError(f"eval_on must be train or test, got {eval_on!r}")
    return data, net, theta0, Xe, Ye


def train_digits(lrs, *, model="softmax", B=32, eps=1e-8, beta1=0.9, beta2=0.999,
                 optimizer="adam", steps=300, seeds=(0, 1, 2, 3), hidden=32,
                 activation="tanh", init_seed=0, data=None, eval_on="train", l2=0.0,
                 record_at=(), progress=None, theta_cap=1e6, diverge_factor=1e3,
                 init_seeds=None, init_scale=0.0):
    r"""Train softmax regression or the MLP on digits for every ``(lr, seed)`` at once.

    Each step, seed ``s`` samples ``B`` training indices uniformly *with
    replacement* (so the minibatch-gradient covariance is exactly
    :math:`\Sigma/B`, :math:`\Sigma` the per-example gradient covariance, as the
    theory assumes) from ``SeedSequence([s, DIGITS_STREAM])``; every learning
    rate of the seed uses the same index sequence.  All runs start at
    ``net.init(init_seed)``.  The reported loss is the mean cross-entropy on the
    full training set (``eval_on="train"``, the objective being optimised and
    the one whose gradient/Hessian :mod:`adameps.theory_inputs` estimates) or on
    the fixed held-out set (``eval_on="test"``); ``l2 > 0`` adds
    ``l2/2 |theta|^2`` to the training objective (and to the reported loss).
    The training set is linearly separable: without ``l2`` the train loss
    keeps falling as the weights grow, so at large B and many steps the
    measured eta* runs to the stability edge (pilot: edge-flagged); a small
    ``l2`` (1e-3) gives a finite minimiser.  ``init_seeds`` (one int per seed) starts seed ``j``
    at ``net.init(init_seeds[j])`` instead (``loss0`` is then one initial loss per seed);
    ``init_scale`` sets the softmax model's random initial scale (0: the zero point).
    Returns a :class:`TrainResult` with ``final_loss`` of shape ``(len(lrs), len(seeds))``.
    """
    lrs, seeds = _as_grid(lrs, seeds)
    init_seeds = _init_seeds(init_seeds, seeds)
    B = int(B)
    if B < 1:
        raise ValueError(f"B must be a positive int, got {B}")
    rec = _record_steps(record_at, steps)
    t0 = time.perf_counter()
    data, net, theta0, Xe, Ye = _digits_setup(data, model, hidden, activation, init_seed, eval_on, l2,
                                              init_seeds, init_scale)
    L, S = lrs.size, seeds.size
    opt = make_optimizer(optimizer, eps, beta1, beta2)
    theta = np.broadcast_to(theta0, (L, S, net.n_params)).copy()
    start = np.broadcast_to(theta0, (L, S, net.n_params))
    state = opt.init(theta)
    lr = lrs[:, None, None]
    rngs = [_seed_rng(s, DIGITS_STREAM) for s in seeds]
    ntr = data.X_train.shape[0]
    diverged = np.zeros((L, S), bool)
    loss0 = _loss0(net.loss(theta0, Xe, Ye))
    curves = np.empty((L, S, rec.size))
    k_rec = 0
    if rec.size and rec[0] == 0:
        curves[..., 0] = loss0
        k_rec = 1
    for t in range(steps):
        idx = np.stack([r.integers(0, ntr, size=B) for r in rngs])  # (S, B)
        _, grad = net.loss_and_grad(theta, data.X_train[idx], data.Y_train[idx])
        opt.step(theta, grad, state, lr)
        big = np.max(np.abs(theta), axis=-1) > theta_cap
        if big.any():
            diverged |= big
            theta[big] = start[big]  # reset so that nothing overflows; run is flagged
        if k_rec < rec.size and rec[k_rec] == t + 1:
            curves[..., k_rec] = np.where(diverged, np.inf, net.loss(theta, Xe, Ye))
            k_rec += 1
        if progress is not None:
            progress(t + 1, steps)
    final, bad = _finalise(net.loss(theta, Xe, Ye), diverged, loss0, diverge_factor)
    return TrainResult(lrs, seeds, final, bad, loss0, rec, curves if rec.size else None,
                       time.perf_counter() - t0,
                       dict(problem="digits", model=model, B=B, optimizer=optimizer, eps=eps, l2=l2,
                            beta1=beta1, beta2=beta2, steps=steps, hidden=hidden,
                            activation=activation, init_seed=init_seed, eval_on=eval_on,
                            init_seeds=None if init_seeds is None else init_seeds.tolist(),
                            init_scale=init_scale))


def train_digits_loop(lrs, *, model="softmax", B=32, eps=1e-8, beta1=0.9, beta2=0.999,
                      optimizer="adam", steps=300, seeds=(0, 1, 2, 3), hidden=32,
                      activation="tanh", init_seed=0, data=None, eval_on="train", l2=0.0,
                      theta_cap=1e6, diverge_factor=1e3, init_seeds=None, init_scale=0.0):
    """Reference: :func:`train_digits` one run at a time (final losses only)."""
    lrs, seeds = _as_grid(lrs, seeds)
    init_seeds = _init_seeds(init_seeds, seeds)
    B = int(B)
    t0 = time.perf_counter()
    data, net, theta0, Xe, Ye = _digits_setup(data, model, hidden, activation, init_seed, eval_on, l2,
                                              init_seeds, init_scale)
    ntr = data.X_train.shape[0]
    loss0 = _loss0(net.loss(theta0, Xe, Ye))
    starts = np.broadcast_to(theta0, (seeds.size, net.n_params))
    out = np.empty((lrs.size, seeds.size))
    div = np.zeros((lrs.size, seeds.size), bool)
    for i, lr in enumerate(lrs):
        for j, s in enumerate(seeds):
            rng = _seed_rng(s, DIGITS_STREAM)
            opt = make_optimizer(optimizer, eps, beta1, beta2)
            theta0 = starts[j]
            theta = theta0.copy()
            state = opt.init(theta)
            for _ in range(steps):
                idx = rng.integers(0, ntr, size=B)
                _, grad = net.loss_and_grad(theta, data.X_train[idx], data.Y_train[idx])
                opt.step(theta, grad, state, lr)
                if np.max(np.abs(theta)) > theta_cap:
                    div[i, j] = True
                    theta[:] = theta0
            out[i, j] = net.loss(theta, Xe, Ye)
    final, bad = _finalise(out, div, loss0, diverge_factor)
    return TrainResult(lrs, seeds, final, bad, loss0, seconds=time.perf_counter() - t0)
