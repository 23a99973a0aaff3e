r"""Optimisers of the training experiments, on parameter arrays of any shape.

Each optimiser has ``init(theta) -> state`` and ``step(theta, grad, state, lr)``, which updates
``theta`` (and ``state``) in place; ``lr`` broadcasts against ``theta``, so one call steps a whole
grid of learning rates (shape ``(n_lr, 1, 1)`` against ``theta`` of shape ``(n_lr, n_seed, D)``).
The stateless ones apply an update map of :mod:`adameps.update_maps` to the gradient.
"""

from __future__ import annotations

import math

import numpy as np

from adameps.update_maps import sign, softsign

__all__ = ["Adam", "AdamAtan2", "SoftSignSGD", "SignSGD", "SGD", "make_optimizer"]


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
            return sign(grad)  # avoids 0/0 at g = 0
        return softsign(grad, self.eps)


class SignSGD(_Stateless):
    r"""SignSGD: :math:`\theta \leftarrow \theta - \eta\, \mathrm{sign}(g)` (``sign(0) = 0``)."""

    name = "sign"

    def direction(self, grad):
        return sign(grad)


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
