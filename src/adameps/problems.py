"""Quadratic test problems ``(g, H, sigma)`` for the one-step optimal learning rate.

A problem is the local quadratic model of a loss at the current point:
true gradient ``g`` (N,), Hessian ``H`` (N, N, symmetric positive definite) and
per-coordinate gradient-noise scale ``sigma`` (N,), so that a minibatch
gradient of batch size B is ``g + sigma * z / sqrt(B)`` with ``z ~ N(0, I)``.

Builders are deterministic functions of their parameters and ``seed`` (an int or
a ``numpy.random.Generator``; passing a Generator advances it).  An int ``seed`` means
``default_rng(seed)``, except for :func:`nqm`, whose int seed is the trainer's
(``seeded_rng(seed, NQM_INIT_STREAM)``, :func:`nqm_theta0`): one NQM for the eta* families and
the training experiments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Problem",
    "validate_problem_arrays",
    "validate_g_sigma",
    "seeded_rng",
    "nqm_spectrum",
    "nqm_theta0",
    "nqm",
    "dense_powerlaw",
    "low_rank_dominated",
    "two_coordinate_no_surge",
    "eps_creates_surge",
    "FAMILY_LABELS",
    "family_label",
]

#: How figures and tables name the instance families below.
FAMILY_LABELS = {"nqm": "noisy quadratic", "dense_powerlaw": "dense power law", "low_rank_dominated": "low-rank dominated"}


def family_label(family: str) -> str:
    """The reader's name of an instance family (its builder's name, spaced, if it has none).

    Examples
    --------
    >>> family_label("dense_powerlaw"), family_label("my_family")
    ('dense power law', 'my family')
    """
    return FAMILY_LABELS.get(family, family.replace("_", " "))

# Relative tolerance on |H - H^T| (scaled by max |H|) accepted as "symmetric".
SYMMETRY_RTOL = 1e-10


def _float_array(name, value):
    # Complex input would be cast with only a ComplexWarning, dropping the imaginary part;
    # strings and ragged lists fail in numpy with messages that do not name the argument.
    if np.iscomplexobj(value):
        raise ValueError(f"{name} must be real, got a complex array")
    try:
        return np.array(value, dtype=float, copy=True)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers, got {value!r:.80}") from None


def validate_g_sigma(g, sigma):
    """Check and normalise the gradient ``g`` and noise scale ``sigma``; return float copies.

    ``g`` and ``sigma`` must be finite 1-D arrays of the same length N, ``sigma > 0``.
    Raises ``ValueError`` naming the offending array.

    Examples
    --------
    >>> validate_g_sigma([1, 2], [1, 1])
    (array([1., 2.]), array([1., 1.]))
    >>> validate_g_sigma([1, 2], [1, 0])
    Traceback (most recent call last):
    ...
    ValueError: sigma must be > 0 everywhere, min(sigma) = np.float64(0.0)
    """
    g = _float_array("g", g)
    sigma = _float_array("sigma", sigma)
    if g.ndim != 1 or g.size == 0:
        raise ValueError(f"g must be a non-empty 1-D array, got shape {g.shape}")
    n = g.size
    if sigma.ndim != 1 or sigma.shape != (n,):
        raise ValueError(
            f"sigma must have shape {(n,)} to match g, got shape {sigma.shape}"
        )
    if not np.all(np.isfinite(g)):
        raise ValueError("g must be finite (found NaN or inf)")
    if not np.all(np.isfinite(sigma)):
        raise ValueError("sigma must be finite (found NaN or inf)")
    if np.any(sigma <= 0):
        raise ValueError(f"sigma must be > 0 everywhere, min(sigma) = {sigma.min()!r}")
    return g, sigma


def validate_problem_arrays(g, H, sigma):
    """Check and normalise ``(g, H, sigma)``; return float copies ``(g, H, sigma)``.

    ``g`` and ``sigma`` as in :func:`validate_g_sigma`;
    ``H`` must be a finite, real (N, N) array, symmetric to ``SYMMETRY_RTOL * max|H|``
    and positive definite (Cholesky succeeds).  The returned ``H`` is exactly
    symmetrised, ``(H + H^T) / 2``.  Raises ``ValueError`` naming the offending array.

    Examples
    --------
    >>> g, H, sigma = validate_problem_arrays([1.0, 1.0], [[2.0, 1.0], [1.0, 2.0]], [1.0, 1.0])
    >>> validate_problem_arrays([1.0, 1.0], [[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0])
    Traceback (most recent call last):
    ...
    ValueError: H must be positive definite (Cholesky failed; min eigenvalue -1)
    """
    g, sigma = validate_g_sigma(g, sigma)
    H = _float_array("H", H)
    n = g.size
    if H.shape != (n, n):
        raise ValueError(f"H must have shape {(n, n)} to match g, got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise ValueError("H must be finite (found NaN or inf)")
    scale = np.max(np.abs(H))
    asym = np.max(np.abs(H - H.T))
    if asym > SYMMETRY_RTOL * scale:
        raise ValueError(
            f"H must be symmetric: max|H - H^T| = {asym:.3g} > "
            f"{SYMMETRY_RTOL:g} * max|H| = {SYMMETRY_RTOL * scale:.3g}"
        )
    H = 0.5 * (H + H.T)
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        eigmin = np.linalg.eigvalsh(H)[0]
        raise ValueError(
            f"H must be positive definite (Cholesky failed; min eigenvalue {eigmin:.3g})"
        ) from None
    return g, H, sigma


@dataclass(frozen=True, eq=False)
class Problem:
    """Local quadratic model: gradient ``g``, Hessian ``H``, noise scale ``sigma``.

    Arrays are validated by :func:`validate_problem_arrays` and stored read-only.
    ``n`` is the number of coordinates N.

    Examples
    --------
    >>> p = Problem(g=[1.0, -1.0], H=[[2.0, 0.0], [0.0, 1.0]], sigma=[1.0, 1.0])
    >>> p.n, p.g.flags.writeable
    (2, False)
    """

    g: np.ndarray
    H: np.ndarray
    sigma: np.ndarray
    name: str = "problem"

    def __post_init__(self):
        g, H, sigma = validate_problem_arrays(self.g, self.H, self.sigma)
        for arr in (g, H, sigma):
            arr.setflags(write=False)
        object.__setattr__(self, "g", g)
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "sigma", sigma)
        if not isinstance(self.name, str):
            raise ValueError(f"name must be a str, got {self.name!r}")

    @property
    def n(self) -> int:
        return self.g.size

    def arrays(self):
        """Return ``(g, H, sigma)``."""
        return self.g, self.H, self.sigma


def _check_n(n, minimum=1):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _check_positive(name, value):
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return value


def _check_nonnegative(name, value):
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return value


def _haar_orthogonal(n, rng):
    # QR of a Gaussian matrix, with the signs of R's diagonal folded into Q, is
    # Haar distributed (Mezzadri 2007); without the sign fix it is not.
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


NQM_INIT_STREAM = 0x494E49  # "INI": SeedSequence stream id of the NQM initial point


def seeded_rng(seed, stream):
    """The generator of one use of a seed: ``default_rng(SeedSequence([seed, stream]))``.

    Each use of a seed (the NQM's initial point, its gradient noise, the network's initial
    weights, the minibatch indices) has its own constant ``stream``, so the draws of one use
    never depend on how many draws another made.

    Examples
    --------
    >>> float(seeded_rng(0, NQM_INIT_STREAM).standard_normal()) == float(nqm_theta0(1)[0])
    True
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(stream)]))


def nqm_spectrum(n):
    """NQM Hessian diagonal ``h_i = 1/i``, ``i = 1..n``.

    Examples
    --------
    >>> nqm_spectrum(4)
    array([1.        , 0.5       , 0.33333333, 0.25      ])
    """
    return 1.0 / np.arange(1, int(n) + 1, dtype=float)


def nqm_theta0(n, init_seed=0):
    """NQM initial point ``theta0 ~ N(0, I_n)`` from ``seeded_rng(init_seed, NQM_INIT_STREAM)``.

    Examples
    --------
    >>> nqm_theta0(3).shape
    (3,)
    """
    return seeded_rng(init_seed, NQM_INIT_STREAM).standard_normal(int(n))


def nqm(n, noise_scale=1.0, grad_scale=1.0, seed=0):
    """Diagonal noisy quadratic model (Zhang et al. 2019, NeurIPS): the one NQM of the project.

    ``H = diag(h)``, ``h_i = 1/i`` (:func:`nqm_spectrum`); gradient-noise covariance
    proportional to H: ``sigma_i^2 = noise_scale * h_i``; gradient ``g = H theta0`` at
    ``theta0 = grad_scale * nqm_theta0(n, seed)``.  With ``grad_scale = 1`` this is the
    point every run of :func:`adameps.training.train_nqm` starts from (``init_seed = seed``),
    so the eta* family ``nqm`` and the trained NQM are one problem with one seeding scheme.

    Examples
    --------
    >>> p = nqm(3, seed=0)
    >>> bool(np.array_equal(p.g, nqm_spectrum(3) * nqm_theta0(3, 0))), p.sigma.round(3)
    (True, array([1.   , 0.707, 0.577]))
    """
    n = _check_n(n)
    noise_scale = _check_positive("noise_scale", noise_scale)
    grad_scale = _check_positive("grad_scale", grad_scale)
    h = nqm_spectrum(n)
    draw = seed.standard_normal(n) if isinstance(seed, np.random.Generator) else nqm_theta0(n, seed)
    theta0 = grad_scale * draw
    return Problem(
        g=h * theta0,
        H=np.diag(h),
        sigma=np.sqrt(noise_scale * h),
        name=f"nqm(n={n})",
    )


def dense_powerlaw(n, alpha=1.0, seed=0, noise_scale=1.0, grad_scale=1.0, noise_spread=0.5):
    """Dense power-law Hessian with a Haar-random eigenbasis.

    ``H = Q diag(lambda) Q^T`` with ``lambda_i = i^(-alpha)`` and Q Haar-random;
    ``g = H theta0`` with ``theta0 ~ N(0, grad_scale^2 I)``;
    ``sigma_i^2 = noise_scale * H_ii * exp(noise_spread * xi_i)``, ``xi_i ~ N(0, 1)``
    (noise covariance roughly proportional to diag H, as in the NQM, with
    log-normal jitter so the per-coordinate ratios sigma_i^2/(g_i^2+eps^2) vary).

    Examples
    --------
    >>> p = dense_powerlaw(3, alpha=1.0, seed=0)
    >>> np.linalg.eigvalsh(p.H).round(6)      # lambda_i = 1/i in a random basis
    array([0.333333, 0.5     , 1.      ])
    """
    n = _check_n(n)
    alpha = _check_nonnegative("alpha", alpha)
    noise_scale = _check_positive("noise_scale", noise_scale)
    grad_scale = _check_positive("grad_scale", grad_scale)
    noise_spread = _check_nonnegative("noise_spread", noise_spread)
    rng = np.random.default_rng(seed)
    lam = np.arange(1, n + 1, dtype=float) ** (-alpha)
    q = _haar_orthogonal(n, rng)
    H = (q * lam) @ q.T
    theta0 = grad_scale * rng.standard_normal(n)
    xi = rng.standard_normal(n)
    return Problem(
        g=H @ theta0,
        H=H,
        sigma=np.sqrt(noise_scale * np.diag(H) * np.exp(noise_spread * xi)),
        name=f"dense_powerlaw(n={n}, alpha={alpha:g})",
    )


def low_rank_dominated(
    n, rank=1, spike=None, seed=0, floor=1.0, noise_scale=1.0, grad_scale=1.0,
    noise_spread=0.5,
):
    """Isotropic floor plus a low-rank spike aligned with the sign pattern of g.

    ``g ~ N(0, grad_scale^2 I)``; ``H = floor * I + spike * V V^T`` where V (n, rank)
    has orthonormal columns, the first being ``sign(g)/sqrt(n)`` and the others
    random directions orthogonalised against it; ``spike`` defaults to ``n * floor``;
    ``sigma_i = sqrt(noise_scale) * exp(noise_spread * xi_i / 2)``, ``xi_i ~ N(0, 1)``.

    Why this family surges: for small eps, ``u = softsign(g, eps) ~ sign(g)``, so
    ``u^T H u ~ n*floor + spike*n`` while ``tr H = n*floor + rank*spike``; the
    exact mean-field surge condition ``u^T H u > 2 tr H`` then holds whenever
    ``spike*(n - 2*rank) > n*floor`` (approximately).  For large eps, u shrinks
    to ``g/eps`` and the condition fails.

    Examples
    --------
    >>> p = low_rank_dominated(4, seed=0)
    >>> np.linalg.eigvalsh(p.H).round(6)      # floor 1, one spike of n * floor on top
    array([1., 1., 1., 5.])
    """
    n = _check_n(n, minimum=2)
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 1 <= rank < n:
        raise ValueError(f"rank must be an integer in [1, n-1] = [1, {n - 1}], got {rank!r}")
    floor = _check_positive("floor", floor)
    spike = n * floor if spike is None else _check_positive("spike", spike)
    noise_scale = _check_positive("noise_scale", noise_scale)
    grad_scale = _check_positive("grad_scale", grad_scale)
    noise_spread = _check_nonnegative("noise_spread", noise_spread)
    rng = np.random.default_rng(seed)
    g = grad_scale * rng.standard_normal(n)
    s = np.where(g >= 0, 1.0, -1.0)
    basis = np.column_stack([s, rng.standard_normal((n, rank - 1))])
    v, r = np.linalg.qr(basis)
    # QR may flip the first column's sign; keep it aligned with sign(g).
    v = v * np.sign(np.diag(r))
    H = floor * np.eye(n) + spike * (v @ v.T)
    xi = rng.standard_normal(n)
    return Problem(
        g=g,
        H=H,
        sigma=np.sqrt(noise_scale) * np.exp(0.5 * noise_spread * xi),
        name=f"low_rank_dominated(n={n}, rank={rank}, spike={spike:g})",
    )


def two_coordinate_no_surge(coupling=0.8, g=(1.0, 1.0), sigma=(1.0, 1.0)):
    """Two coordinates with ``H = [[1, c], [c, 1]]``, ``0 < c < 1``.

    With ``u ~ (1, 1)`` (small eps, g > 0): ``u^T H u ~ 2 + 2c`` and ``tr H = 2``,
    so ``tr H < u^T H u < 2 tr H``: the post's condition ``u^T H u > tr H``
    holds, yet positive definiteness (c < 1) forbids the exact mean-field
    surge condition ``u^T H u > 2 tr H``.  (For any 2-coordinate problem
    ``u^T H u <= lambda_max |u|^2 < 2 tr H`` since |u_i| < 1.)

    Examples
    --------
    >>> two_coordinate_no_surge(0.8).H
    array([[1. , 0.8],
           [0.8, 1. ]])
    """
    c = float(coupling)
    if not 0 < c < 1:
        raise ValueError(f"coupling must be in (0, 1), got {coupling!r}")
    return Problem(
        g=np.asarray(g, float), H=np.array([[1.0, c], [c, 1.0]]),
        sigma=np.asarray(sigma, float), name=f"two_coordinate(c={c:g})",
    )


def eps_creates_surge(k=10, delta=1e-3, spike=None, floor=1.0, noise_scale=1e3):
    r"""An instance where eps creates a surge that SignSGD does not have.

    ``n = 2k`` coordinates, ``g = (1, ..., 1, delta, ..., delta)`` (k large, k small entries),
    ``sigma_i = sqrt(noise_scale)``, ``H = floor * I + spike * v v^T`` with
    ``v = (1, ..., 1, -1, ..., -1)/sqrt(n)``; ``spike`` defaults to ``10 n floor``.  The entries
    of H between the two groups are negative while ``sign(g)`` is positive, so
    ``D H D >= 0`` fails (:func:`adameps.surge.sign_aligned_nonnegative`).  For small eps,
    ``u = softsign(g, eps) ~ (1, ..., 1)`` is orthogonal to v and ``P = u^T H u ~ n floor``,
    far below ``2 tr H = 2 (n floor + spike)``; for ``delta << eps << 1`` the small group is
    switched off, ``u ~ (1, ..., 1, 0, ..., 0)`` and ``P ~ k floor + spike k / 2``, above
    ``2 tr H`` once ``k > 4`` and the spike is large: the mean-field surge condition holds only
    for intermediate eps.  Deterministic (no random draws).

    >>> p = eps_creates_surge()
    >>> p.n, float(p.g[0]), float(p.g[-1])
    (20, 1.0, 0.001)
    """
    k = _check_n(k, minimum=1)
    delta = _check_positive("delta", delta)
    floor = _check_positive("floor", floor)
    n = 2 * k
    spike = 10.0 * n * floor if spike is None else _check_positive("spike", spike)
    noise_scale = _check_positive("noise_scale", noise_scale)
    g = np.r_[np.ones(k), np.full(k, delta)]
    v = np.r_[np.ones(k), -np.ones(k)] / np.sqrt(n)
    return Problem(
        g=g,
        H=floor * np.eye(n) + spike * np.outer(v, v),
        sigma=np.full(n, np.sqrt(noise_scale)),
        name=f"eps_creates_surge(k={k}, delta={delta:g}, spike={spike:g})",
    )
