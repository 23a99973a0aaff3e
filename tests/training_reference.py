"""Reference trainers: :func:`adameps.training.train_nqm` and :func:`~adameps.training.train_digits`
one run at a time, in plain Python loops (final losses only).

The tests compare the vectorised sweep against these; ``benchmarks/bench_training.py`` times them
as its baseline.  They share the problem set-up with the library (initial point, noise scale,
seeding) but not its step / cap / record loop.
"""

from __future__ import annotations

import math
import time

import numpy as np

from adameps.optimizers import make_optimizer
from adameps.problems import seeded_rng
from adameps.training import (
    DIGITS_STREAM,
    NQM_STREAM,
    TrainResult,
    _as_grid,
    _digits_setup,
    _finalise,
    _nqm_setup,
)


def train_nqm_loop(lrs, *, n=500, B=1, optimizer="adam", eps=1e-8, beta1=0.9, beta2=0.999,
                   steps=1000, seeds=(0, 1, 2, 3), noise_scale=1.0, init_seed=0,
                   theta_cap=1e8, diverge_factor=1e6):
    """Reference: :func:`adameps.training.train_nqm` one run at a time, noise drawn per step (final losses only)."""
    lrs, seeds = _as_grid(lrs, seeds)
    t0 = time.perf_counter()
    h, sigma, theta0 = _nqm_setup(n, noise_scale, init_seed)
    noise_sd = sigma / math.sqrt(B)
    loss0 = 0.5 * float(np.sum(h * theta0 * theta0))
    out = np.empty((lrs.size, seeds.size))
    div = np.zeros((lrs.size, seeds.size), bool)
    for i, lr in enumerate(lrs):
        for j, s in enumerate(seeds):
            rng = seeded_rng(s, NQM_STREAM)
            opt = make_optimizer(optimizer, eps, beta1, beta2)
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


def train_digits_loop(lrs, *, model="softmax", B=32, eps=1e-8, beta1=0.9, beta2=0.999,
                      optimizer="adam", steps=300, seeds=(0, 1, 2, 3), hidden=32,
                      activation="tanh", init_seed=0, data=None, eval_on="train", l2=0.0,
                      theta_cap=1e6, diverge_factor=1e3):
    """Reference: :func:`adameps.training.train_digits` one run at a time (final losses only)."""
    lrs, seeds = _as_grid(lrs, seeds)
    B = int(B)
    t0 = time.perf_counter()
    data, net, theta0, Xe, Ye = _digits_setup(data, model, hidden, activation, init_seed, eval_on, l2)
    ntr = data.X_train.shape[0]
    loss0 = float(net.loss(theta0, Xe, Ye))
    out = np.empty((lrs.size, seeds.size))
    div = np.zeros((lrs.size, seeds.size), bool)
    for i, lr in enumerate(lrs):
        for j, s in enumerate(seeds):
            rng = seeded_rng(s, DIGITS_STREAM)
            opt = make_optimizer(optimizer, eps, beta1, beta2)
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
