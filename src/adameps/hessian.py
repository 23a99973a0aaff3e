r"""The Hessian ``H`` of the one-step theory in three forms: dense, diagonal, or a linear operator.

The formulas of :mod:`adameps.optimal_lr` use ``H`` only through

* its diagonal ``diag H`` (the variance term ``sum_i (m2_i - m1_i^2) H_ii``) and ``tr H``;
* quadratic forms ``v^T H v`` of a few vectors per call (``m1^T H m1`` for every batch size,
  ``u^T H u``, ``g^T H g``).

So a model with N = 10^6 parameters does not need its N x N Hessian: a diagonal (e.g. a
Hutchinson estimate) or a Hessian-vector product is enough.  :class:`Hessian` holds one of

``"dense"``
    an (N, N) array, validated once at construction: finite, real, symmetric to
    :data:`adameps.problems.SYMMETRY_RTOL`, positive definite (one Cholesky), then exactly
    symmetrised -- the checks of :func:`adameps.problems.validate_problem_arrays`;
``"diagonal"``
    a 1-D array ``h`` (``H = diag(h)``), finite and ``> 0`` (that is positive definiteness),
    O(N) to check and to use;
``"operator"``
    a callable ``hvp(V)`` returning ``H v`` for the rows of ``V`` (k, N), the diagonal
    ``diag H`` (finite, ``> 0``: necessary for positive definiteness) and optionally a callable
    ``quad(V)`` returning the quadratic forms ``v^T H v`` of the rows directly.  Positive
    definiteness cannot be checked in O(N); every quadratic form the formulas compute is
    checked to be ``> 0`` instead, and a ValueError names ``H`` otherwise.

Every function of :mod:`adameps.optimal_lr` that takes ``H`` accepts a :class:`Hessian`, a 2-D
array (dense) or a 1-D array (diagonal); :func:`as_hessian` does the conversion.  Build the
:class:`Hessian` once and pass it to many calls: a dense one is then factorised once, not on
every call.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Hessian", "as_hessian"]

_FORMS = ("dense", "diagonal", "operator")


def _finite_real_1d(name, value, n=None):
    if np.iscomplexobj(value):
        raise ValueError(f"{name} must be real, got a complex array")
    try:
        arr = np.array(value, dtype=float, copy=True)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers, got {value!r:.80}") from None
    if arr.ndim != 1 or arr.size == 0 or (n is not None and arr.size != n):
        want = f"({n},)" if n is not None else "(N,) with N >= 1"
        raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    return arr


class Hessian:
    r"""``H`` as a dense matrix, a diagonal or a Hessian-vector product, validated once.

    Build with :meth:`dense`, :meth:`diagonal` or :meth:`operator` (or :func:`as_hessian`).
    Attributes: ``form`` (one of ``"dense"``, ``"diagonal"``, ``"operator"``), ``n`` (N),
    ``diag`` (N,) read-only, ``trace`` (``sum_i H_ii``).

    Examples
    --------
    >>> import numpy as np
    >>> Hd = Hessian.dense([[2.0, 0.5], [0.5, 1.0]])
    >>> Hop = Hessian.operator(lambda V: V @ np.array([[2.0, 0.5], [0.5, 1.0]]), diag=[2.0, 1.0])
    >>> v = np.array([[1.0, -1.0]])
    >>> float(Hd.quad(v)[0]), float(Hop.quad(v)[0]), Hd.trace
    (2.0, 2.0, 3.0)
    >>> Hessian.diagonal([1.0, 0.0])
    Traceback (most recent call last):
    ...
    ValueError: H as a diagonal must be > 0 everywhere (positive definite), min = 0.0 at index 1
    """

    __slots__ = ("form", "n", "diag", "trace", "_H", "_hvp", "_quad")

    def __init__(self, form, n, diag, H=None, hvp=None, quad=None):
        if form not in _FORMS:
            raise ValueError(f"form must be one of {_FORMS}, got {form!r}")
        self.form = form
        self.n = int(n)
        diag = np.asarray(diag, float)
        diag.setflags(write=False)
        self.diag = diag
        self.trace = float(np.sum(diag))
        self._H, self._hvp, self._quad = H, hvp, quad

    def __repr__(self):
        return f"Hessian(form={self.form!r}, n={self.n})"

    # ------------------------------------------------------------ constructors
    @classmethod
    def dense(cls, H, n=None):
        """From an (N, N) array: the checks of :func:`adameps.problems.validate_problem_arrays`, once."""
        from adameps.problems import validate_problem_arrays

        arr = np.asarray(H) if not np.iscomplexobj(H) else H
        if n is None:
            n = np.shape(arr)[0] if np.ndim(arr) == 2 else 1
        _, Hs, _ = validate_problem_arrays(np.zeros(n), H, np.ones(n))
        Hs.setflags(write=False)
        return cls("dense", n, np.diag(Hs).copy(), H=Hs)

    @classmethod
    def diagonal(cls, h, n=None):
        """From the 1-D diagonal ``h`` of ``H = diag(h)``: finite and > 0 (O(N))."""
        h = _finite_real_1d("H as a diagonal", h, n)
        if np.any(h <= 0):
            i = int(np.argmin(h))
            raise ValueError(
                f"H as a diagonal must be > 0 everywhere (positive definite), min = {float(h[i])!r} at index {i}"
            )
        return cls("diagonal", h.size, h)

    @classmethod
    def operator(cls, hvp, diag, quad=None, n=None):
        """From a Hessian-vector product ``hvp(V) -> V @ H`` (rows of V (k, N)) and ``diag H``.

        ``quad(V)``, if given, returns the quadratic forms ``v^T H v`` of the rows of V (k,);
        otherwise they are computed as ``sum(V * hvp(V), axis=1)``.  ``diag`` must be finite
        and > 0 (a necessary condition for positive definiteness; the full condition is
        checked on every quadratic form the formulas use).
        """
        if not callable(hvp):
            raise ValueError(f"hvp must be a callable V (k, N) -> H V (k, N), got {hvp!r:.60}")
        if quad is not None and not callable(quad):
            raise ValueError(f"quad must be a callable V (k, N) -> v^T H v (k,), got {quad!r:.60}")
        d = cls.diagonal(diag, n).diag.copy()
        return cls("operator", d.size, d, hvp=hvp, quad=quad)

    # ------------------------------------------------------------ use
    def quad(self, V):
        """Quadratic forms ``v^T H v`` of the rows of ``V`` (k, N) (or of one vector (N,))."""
        V = np.asarray(V, float)
        one = V.ndim == 1
        if one and self.form == "dense":
            return float(V @ self._H @ V)  # the expression the dense-only code used
        V2 = np.atleast_2d(V)
        if self.form == "diagonal":
            q = (V2 * V2) @ self.diag
        elif self.form == "dense":
            q = np.einsum("bi,bi->b", V2 @ self._H, V2)
        elif self._quad is not None:
            q = np.asarray(self._quad(V2), float).reshape(V2.shape[0])
        else:
            q = np.sum(V2 * self.matvec(V2), axis=1)
        if self.form == "operator":
            nz = np.any(V2 != 0, axis=1)
            bad = nz & ~(q > 0)
            if np.any(bad):
                raise ValueError(
                    f"H is not positive definite: the operator gave v^T H v = {q[bad][0]!r} for a vector v != 0"
                )
        return q[0] if one else q

    def matvec(self, V):
        """``H v`` for the rows of ``V`` (k, N) (or one vector (N,))."""
        V = np.asarray(V, float)
        if self.form == "diagonal":
            return V * self.diag
        if self.form == "dense":
            return V @ self._H
        out = np.asarray(self._hvp(np.atleast_2d(V)), float)
        if out.size != np.atleast_2d(V).size:
            raise ValueError(f"hvp must return an array of shape {np.atleast_2d(V).shape}, got {out.shape}")
        return out.reshape(V.shape)

    def to_dense(self):
        """The (N, N) matrix (for dense and diagonal forms; an operator needs N HVPs)."""
        if self.form == "dense":
            return self._H
        if self.form == "diagonal":
            return np.diag(self.diag)
        M = self.matvec(np.eye(self.n))
        return 0.5 * (M + M.T)


def as_hessian(H, n=None):
    """``H`` as a :class:`Hessian`: passed through, a 2-D array as ``dense``, a 1-D array as ``diagonal``.

    ``n`` (the length of ``g``), if given, is checked against the size of ``H``.

    Examples
    --------
    >>> as_hessian([1.0, 2.0]).form, as_hessian([[1.0, 0.0], [0.0, 2.0]]).form
    ('diagonal', 'dense')
    >>> as_hessian([1.0, 2.0], n=3)
    Traceback (most recent call last):
    ...
    ValueError: H must have shape (3, 3) (dense) or (3,) (diagonal), got shape (2,)
    """
    if isinstance(H, Hessian):
        if n is not None and H.n != n:
            raise ValueError(f"H must have size {n} to match g, got a {H.form} Hessian of size {H.n}")
        return H
    if callable(H):
        raise ValueError("H is a callable: wrap it as Hessian.operator(hvp, diag) (the diagonal is needed too)")
    nd = np.ndim(H)
    if nd == 1:
        if n is not None and np.size(H) != n:
            raise ValueError(f"H must have shape {(n, n)} (dense) or {(n,)} (diagonal), got shape {np.shape(H)}")
        return Hessian.diagonal(H, n)
    return Hessian.dense(H, n)
