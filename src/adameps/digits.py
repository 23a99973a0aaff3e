r"""The digits classification problem of the training experiments: data and models.

:func:`load_digits_data` splits and standardises scikit-learn's bundled digits (no download);
:class:`SoftmaxRegression` and :class:`MLP` give loss, gradient and per-example gradients with
every method broadcasting over leading axes (a whole grid of learning rates and seeds at once).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from adameps.problems import seeded_rng

__all__ = ["DigitsData", "load_digits_data", "SoftmaxRegression", "MLP", "make_model"]

MODEL_INIT_STREAM = 0x4D4F44  # "MOD": SeedSequence stream id of the network initial point


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

    def __init__(self, d_in, n_classes, l2=0.0):
        self.d_in, self.K, self.l2 = int(d_in), int(n_classes), float(l2)
        self.n_params = self.d_in * self.K

    def init(self, seed=0):
        """Zero initial point (uniform predictions); ``seed`` is unused."""
        return np.zeros(self.n_params)

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
        rng = seeded_rng(seed, MODEL_INIT_STREAM)
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


def make_model(model, data, hidden=32, activation="tanh", l2=0.0):
    """``"softmax"`` -> :class:`SoftmaxRegression`, ``"mlp"`` -> :class:`MLP` for ``data``."""
    if model == "softmax":
        return SoftmaxRegression(data.d_in, data.n_classes, l2)
    if model == "mlp":
        return MLP(data.d_in, data.n_classes, hidden, activation, l2)
    raise ValueError(f"model must be softmax or mlp, got {model!r}")
