r"""The training sweeps: many learning rates x many seeds in one array op.

Every run of a sweep shares the initial point and, for a given seed, the noise /
minibatch sequence (common random numbers across learning rates), so that the
measured loss-vs-learning-rate curve of one seed is smooth and its argmin is
well defined.  Parameters of all runs live in one array of shape
``(n_lr, n_seed, D)``; the learning rate broadcasts as ``(n_lr, 1, 1)``.
The optimisers are those of :mod:`adameps.optimizers`, the NQM that of
:mod:`adameps.problems`, the digits data and models those of :mod:`adameps.digits`;
:func:`_sweep` is the one step / cap / record / progress loop of both trainers.

Randomness: run ``(lr, seed)`` draws from ``seeded_rng(seed, STREAM)``
(:func:`adameps.problems.seeded_rng`; ``STREAM`` is a per-problem constant), so the
result of one learning rate does not depend on which other learning rates are in the
grid, nor on the batch size's position in a sweep.

Divergence: a run whose parameters exceed ``theta_cap`` in max-norm (checked
every step) is flagged diverged and its parameters are reset to the initial
point, so nothing ever overflows (no RuntimeWarning); flagged runs, and runs whose
final loss is non-finite or above ``diverge_factor * L(theta0)``, report a final
loss of ``+inf``.

The same computation one run at a time, in plain Python loops, is the tests' reference
(``tests/training_reference.py``) and the baseline of ``benchmarks/bench_training.py``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from adameps.digits import load_digits_data, make_model
from adameps.optimizers import make_optimizer
from adameps.problems import nqm_spectrum, nqm_theta0, seeded_rng

__all__ = [
    "TrainResult",
    "ProgressLogger",
    "train_nqm",
    "train_digits",
    "log_lr_grid",
]

log = logging.getLogger(__name__)

NQM_STREAM = 0x4E514D  # "NQM": SeedSequence stream id of the NQM gradient noise
DIGITS_STREAM = 0x444947  # "DIG": SeedSequence stream id of the minibatch indices


def log_lr_grid(lo, hi, n):
    """``n`` learning rates log-uniform on ``[lo, hi]``: ``lo * (hi/lo)**(k/(n-1))``.

    Examples
    --------
    >>> log_lr_grid(1e-3, 1e-1, 3)
    array([0.001, 0.01 , 0.1  ])
    """
    return np.geomspace(float(lo), float(hi), int(n))


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
    loss0: float
    record_at: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    curves: np.ndarray | None = None
    seconds: float = 0.0
    meta: dict = field(default_factory=dict)


class ProgressLogger:
    """Progress callback ``cb(done, total)``: rate and ETA at most every ``every_s`` s (and at the end).

    Pass one to ``train_*(progress=...)`` (units: steps), or call it yourself
    around an outer sweep (units: configurations).  Each update goes to ``sink``
    (default ``logging.getLogger("adameps.training").info``, i.e. the job's log) and, if
    ``stream`` is given (e.g. ``sys.stderr``, the terminal Snakemake runs the job from), as a
    tqdm-style line ``label:  67%|#############       | 2/3 B [00:12<00:06]``.

    One line per update rather than tqdm's redrawn bar (``\\r``): the jobs Snakemake runs in
    parallel share one terminal, where redrawn bars would overwrite each other, and a SLURM log
    keeps every line.  (Hence no tqdm dependency.)

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> p = ProgressLogger("sweep", every_s=0.0, sink=lambda m: None, stream=out, unit=" B")
    >>> p(1, 4)
    >>> out.getvalue().startswith("sweep:  25%|#####               | 1/4 B [00:00<")
    True
    """

    def __init__(self, label="sweep", every_s=10.0, sink=None, stream=None, unit=""):
        self.label, self.every_s, self.unit = label, float(every_s), unit
        self.sink = sink or log.info
        self.stream = stream
        self.t0 = time.perf_counter()
        self._last = -math.inf
        self.messages = 0

    @staticmethod
    def _clock(seconds):
        if not math.isfinite(seconds):
            return "?"
        m, s = divmod(int(round(seconds)), 60)
        h, m = divmod(m, 60)
        return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"

    def __call__(self, done, total):
        now = time.perf_counter()
        if done < total and now - self._last < self.every_s:
            return
        self._last = now
        el = now - self.t0
        eta = el * (total - done) / done if done > 0 else math.inf
        frac = done / max(total, 1)
        self.sink(f"{self.label}: {done}/{total} ({100.0 * frac:.0f}%), "
                  f"elapsed {el:.1f}s, ETA {eta:.1f}s")
        if self.stream is not None:
            bar = "#" * int(20 * frac) + " " * (20 - int(20 * frac))
            self.stream.write(f"{self.label}: {100.0 * frac:3.0f}%|{bar}| {done}/{total}{self.unit} "
                              f"[{self._clock(el)}<{self._clock(eta)}]\n")
            self.stream.flush()
        self.messages += 1


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


def _finalise(loss, diverged, loss0, diverge_factor):
    # loss is finite here by construction (parameters are capped), but a huge
    # finite loss is a divergence too.
    bad = diverged | ~np.isfinite(loss) | (loss > diverge_factor * loss0)
    return np.where(bad, np.inf, loss), bad


def _sweep(lrs, seeds, opt, theta0, steps, minibatch_grad, loss, loss0, rec, progress, theta_cap,
           diverge_factor):
    """The step / cap / record / progress loop of every vectorised sweep (both trainers).

    ``minibatch_grad(t, theta)``: the minibatch gradient of every run at step ``t`` (0-based),
    ``theta`` of shape ``(n_lr, n_seed, D)``; ``loss(theta)``: the reported loss, ``(n_lr, n_seed)``.
    Returns ``(final_loss, diverged, curves)`` (``curves`` None without recording steps).
    """
    L, S = lrs.size, seeds.size
    theta = np.broadcast_to(theta0, (L, S, theta0.size)).copy()
    state = opt.init(theta)
    lr = lrs[:, None, None]
    diverged = np.zeros((L, S), bool)
    curves = np.empty((L, S, rec.size))
    k_rec = 0
    if rec.size and rec[0] == 0:
        curves[..., 0] = loss0
        k_rec = 1
    for t in range(steps):
        opt.step(theta, minibatch_grad(t, theta), state, lr)
        big = np.max(np.abs(theta), axis=-1) > theta_cap
        if big.any():
            diverged |= big
            theta[big] = theta0  # reset so that nothing overflows; run is flagged
        if k_rec < rec.size and rec[k_rec] == t + 1:
            curves[..., k_rec] = np.where(diverged, np.inf, loss(theta))
            k_rec += 1
        if progress is not None:
            progress(t + 1, steps)
    final, bad = _finalise(loss(theta), diverged, loss0, diverge_factor)
    return final, bad, (curves if rec.size else None)


# ============================================================== NQM
def _nqm_setup(n, noise_scale, init_seed):
    h = nqm_spectrum(n)
    sigma = np.sqrt(noise_scale * h)
    theta0 = nqm_theta0(n, init_seed)
    return h, sigma, theta0


def train_nqm(lrs, *, n=500, B=1, optimizer="adam", eps=1e-8, beta1=0.9, beta2=0.999,
              steps=1000, seeds=(0, 1, 2, 3), noise_scale=1.0, init_seed=0,
              record_at=(), progress=None, theta_cap=1e8, diverge_factor=1e6,
              chunk=64):
    r"""Train the noisy quadratic model for every ``(lr, seed)`` at once.

    Loss :math:`L(\theta) = \tfrac12 \sum_i h_i \theta_i^2`, :math:`h_i = 1/i`;
    minibatch gradient :math:`\tilde g = h\odot\theta + \sigma\odot z/\sqrt{B}`,
    :math:`z \sim N(0, I_n)` fresh each step, :math:`\sigma_i^2 =`
    ``noise_scale`` :math:`\cdot h_i` (noise covariance :math:`\propto H/B`).
    ``theta0 = nqm_theta0(n, init_seed)`` for every run.  ``B`` may be any
    positive real (it only scales the noise).  Seed ``s`` draws its noise from
    ``SeedSequence([s, NQM_STREAM])`` in blocks of ``chunk`` steps (the values
    equal per-step draws of shape ``(n,)``); all learning rates of a seed see
    the same noise.  Returns a :class:`TrainResult` with ``final_loss`` of shape
    ``(len(lrs), len(seeds))`` (the exact loss, not a minibatch estimate).
    """
    lrs, seeds = _as_grid(lrs, seeds)
    if not B > 0:
        raise ValueError(f"B must be > 0, got {B}")
    rec = _record_steps(record_at, steps)
    t0 = time.perf_counter()
    h, sigma, theta0 = _nqm_setup(n, noise_scale, init_seed)
    noise_sd = sigma / math.sqrt(B)
    rngs = [seeded_rng(s, NQM_STREAM) for s in seeds]
    z = None

    def minibatch_grad(t, theta):
        nonlocal z
        c = t % chunk
        if c == 0:
            m = min(chunk, steps - t)
            z = np.stack([r.standard_normal((m, n)) for r in rngs], axis=1)  # (m, S, n)
        return h * theta + noise_sd * z[c]

    def loss(theta):
        return 0.5 * np.sum(h * theta * theta, axis=-1)

    loss0 = 0.5 * float(np.sum(h * theta0 * theta0))
    final, bad, curves = _sweep(lrs, seeds, make_optimizer(optimizer, eps, beta1, beta2), theta0, steps,
                                minibatch_grad, loss, loss0, rec, progress, theta_cap, diverge_factor)
    return TrainResult(lrs, seeds, final, bad, loss0, rec, curves, time.perf_counter() - t0,
                       dict(problem="nqm", n=n, B=B, optimizer=optimizer, eps=eps,
                            beta1=beta1, beta2=beta2, steps=steps,
                            noise_scale=noise_scale, init_seed=init_seed))


def _digits_setup(data, model, hidden, activation, init_seed, eval_on, l2):
    if data is None:
        data = load_digits_data()
    net = make_model(model, data, hidden, activation, l2)
    theta0 = net.init(init_seed)
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
                 record_at=(), progress=None, theta_cap=1e6, diverge_factor=1e3):
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
    ``l2`` (1e-3) gives a finite minimiser.  Returns a :class:`TrainResult`
    with ``final_loss`` of shape ``(len(lrs), len(seeds))``.
    """
    lrs, seeds = _as_grid(lrs, seeds)
    B = int(B)
    if B < 1:
        raise ValueError(f"B must be a positive int, got {B}")
    rec = _record_steps(record_at, steps)
    t0 = time.perf_counter()
    data, net, theta0, Xe, Ye = _digits_setup(data, model, hidden, activation, init_seed, eval_on, l2)
    rngs = [seeded_rng(s, DIGITS_STREAM) for s in seeds]
    ntr = data.X_train.shape[0]

    def minibatch_grad(t, theta):
        idx = np.stack([r.integers(0, ntr, size=B) for r in rngs])  # (S, B)
        return net.loss_and_grad(theta, data.X_train[idx], data.Y_train[idx])[1]

    def loss(theta):
        return net.loss(theta, Xe, Ye)

    loss0 = float(net.loss(theta0, Xe, Ye))
    final, bad, curves = _sweep(lrs, seeds, make_optimizer(optimizer, eps, beta1, beta2), theta0, steps,
                                minibatch_grad, loss, loss0, rec, progress, theta_cap, diverge_factor)
    return TrainResult(lrs, seeds, final, bad, loss0, rec, curves, time.perf_counter() - t0,
                       dict(problem="digits", model=model, B=B, optimizer=optimizer, eps=eps, l2=l2,
                            beta1=beta1, beta2=beta2, steps=steps, hidden=hidden,
                            activation=activation, init_seed=init_seed, eval_on=eval_on))
