r"""First and second moments of Adam-like per-coordinate update maps under Gaussian noise.

Per coordinate, with :math:`a = g\sqrt{B}/\sigma`, :math:`b = \epsilon\sqrt{B}/\sigma`,
:math:`x = a + z`, :math:`z \sim N(0, 1)` and an odd update map :math:`\varphi(x; b)`,

.. math::

    m_1(a, b) = E[\varphi(a + z; b)], \qquad m_2(a, b) = E[\varphi(a + z; b)^2].

Notation: :math:`\phi(u) = e^{-u^2/2}/\sqrt{2\pi}`, :math:`\Phi` its CDF,
:math:`Q = 1 - \Phi`, :math:`\Psi(u) = E[(z + u)^+] = u\Phi(u) + \phi(u)` (so
:math:`\Psi' = \Phi`, :math:`\Psi(u) - \Psi(-u) = u`), :math:`He_n` the probabilists'
Hermite polynomials (:math:`\phi^{(n)} = (-1)^n He_n \phi`).  Because every
:math:`\varphi` is odd, :math:`m_1` is odd and :math:`m_2` even in :math:`a`; all
numerical work is done at :math:`|a|` and the sign restored afterwards.

Kinds (``KINDS``, from :mod:`adameps.update_maps`)
--------------------------------------------------
``"sign"``  :math:`\varphi = \operatorname{sign}(x)`:  :math:`m_1 = \operatorname{erf}(a/\sqrt2)`,
:math:`m_2 = 1`.  Every other kind tends to this as :math:`b \to 0`.

``"softsign"``  :math:`\varphi = x/\sqrt{x^2 + b^2}`.

* :math:`m_1`.  From :math:`s^{-1/2} = (2/\sqrt\pi)\int_0^\infty e^{-t^2 s}\,dt` with
  :math:`s = x^2 + b^2` and the Gaussian integral
  :math:`E[x e^{-t^2x^2}] = a (1+2t^2)^{-3/2} \exp(-a^2t^2/(1+2t^2))`,

  .. math::

      m_1 = \frac{2a}{\sqrt\pi}\int_0^\infty e^{-b^2t^2}(1+2t^2)^{-3/2}
            e^{-a^2t^2/(1+2t^2)}\,dt .

  The substitution :math:`v = \sqrt2\,t/\sqrt{1+2t^2} = \tanh\theta` maps it to a
  finite interval (:math:`dv = (1+2t^2)^{-3/2}\sqrt2\,dt`, :math:`2t^2 = v^2/(1-v^2) = \sinh^2\theta`):

  .. math::

      m_1 = \sqrt{2/\pi}\; a \int_0^1 \exp\Big(-\frac{v^2}{2}\Big(a^2 + \frac{b^2}{1-v^2}\Big)\Big) dv
          = \sqrt{2/\pi}\; a \int_0^\infty \operatorname{sech}^2\theta\,
            e^{-(a^2\tanh^2\theta + b^2\sinh^2\theta)/2}\,d\theta .

  At :math:`b = 0` the first form is :math:`\operatorname{erf}(a/\sqrt2)` exactly.
  With :math:`A = \sqrt{a^2+b^2}`:

  - :math:`A \ge 8.6`: the integrand is a near-Gaussian of width :math:`1/A` at
    :math:`v = 0`; with :math:`v = y/A`,
    :math:`m_1 = \sqrt{2/\pi}\,(a/A)\int_0^{Y} \exp(-y^2/2 - (b^2/2A^2)\,y^4/(A^2-y^2))\,dy`,
    truncated at :math:`Y = 8.5` (tail :math:`< e^{-Y^2/2}/Y \approx 2\cdot10^{-17}`), 24-point
    Gauss--Legendre.
  - :math:`A < 8.6`: the :math:`\theta` form on :math:`[0, 19.5]` (tail :math:`< 2e^{-39}`)
    with a fixed composite Gauss--Legendre rule (11 panels graded towards
    :math:`\theta = 0`, 16 nodes each).  Because the nodes do not depend on
    :math:`(a, b)`, the exponent is the bilinear form
    :math:`(a^2/2)\tanh^2\theta_k + (b^2/2)\sinh^2\theta_k`, evaluated as a matrix product.
    The panels resolve both the :math:`1/a` core and the cut-off at
    :math:`\theta \approx \log(2/b)` for small :math:`b`.

* :math:`m_2 = 1 - b^2 E[1/(x^2+b^2)]`, and :math:`E[1/(x^2+b^2)]` is a Voigt profile:

  .. math::

      m_2 = 1 - b\sqrt{\pi/2}\;\operatorname{Re} w\big((a + ib)/\sqrt2\big),
      \qquad w(z) = e^{-z^2}\operatorname{erfc}(-iz).

  For :math:`b^2 \ge 100(a^2 + 12)` this cancels badly (:math:`m_2 \approx (a^2+1)/b^2`), so
  there we use :math:`x^2/(x^2+b^2) = \sum_{k\ge1} (-1)^{k+1} (x/b)^{2k}`, i.e.
  :math:`m_2 = \sum_{k=1}^{10} (-1)^{k+1}\nu_{2k}`, :math:`\nu_n = E[x^n]/b^n`,
  from the Gaussian moment recurrence :math:`\nu_{n+1} = (a/b)\nu_n + n b^{-2}\nu_{n-1}`
  (:math:`\nu_0=1, \nu_1=a/b`).  The neglected part (the series diverges only for
  :math:`|x| > b`) is :math:`O(e^{-(b-|a|)^2/2})`.

``"clip"``  :math:`\varphi = \operatorname{clip}(x/b, -1, 1)`.

* Closed forms (:math:`x\sim N(a,1)`):

  .. math::

      m_1 &= \Phi(a-b) - \Phi(-a-b) + \frac{a}{b}[\Phi(a+b) - \Phi(a-b)]
             + \frac1b[\phi(a+b) - \phi(a-b)]
           = \frac{\Psi(b+a) - \Psi(b-a) - a}{b}, \\
      m_2 &= 1 - \Delta + \frac{1}{b^2}\Big[(1+a^2)\Delta - (a+b)\phi(b-a) + (a-b)\phi(a+b)\Big],
             \quad \Delta = \Phi(b-a) - \Phi(-b-a),

  (the bracket is :math:`\int_{-b}^{b}x^2\phi(x-a)\,dx`), equivalently
  :math:`m_2 = [a^2 + 1 - T_+ - T_-]/b^2` with the tail terms
  :math:`T_+ = E[(x^2-b^2)1\{x>b\}] = (1+a^2-b^2)Q(b-a) + (a+b)\phi(b-a)` and
  :math:`T_- = (1+a^2-b^2)Q(b+a) + (b-a)\phi(b+a)`.

* Stable evaluation (:math:`a \ge 0`).  Write :math:`\operatorname{clip}(x/b) =
  \frac1{2b}\int_{-b}^{b}\operatorname{sign}(x-s)\,ds` and
  :math:`\min(x^2/b^2, 1) = \frac{2}{b^2}\int_0^b s\,1\{|x|>s\}\,ds`, so :math:`m_1` is the
  average of :math:`\operatorname{erf}((a-s)/\sqrt2)` over :math:`s\in[-b,b]`.  Taylor
  expansion about the centre gives, for :math:`b \le 1/2`,

  .. math::

      m_1 &= \operatorname{erf}(a/\sqrt2) - 2\phi(a)\sum_{j\ge1} He_{2j-1}(a)\,\frac{b^{2j}}{(2j+1)!},\\
      m_2 &= 1 - 4\phi(a)\sum_{j\ge0} He_{2j}(a)\,\frac{b^{2j+1}}{(2j+1)!\,(2j+3)} ,

  (entire series; 16 and 17 terms).  For :math:`b > 1/2, a \le 1/2`, expanding
  :math:`\Psi(-b+a) - \Psi(-b-a)` in :math:`a` instead,

  .. math::

      m_1 = \frac1b\Big[a\operatorname{erf}(b/\sqrt2) - 2\phi(b)\sum_{j\ge1} He_{2j-1}(b)
            \frac{a^{2j+1}}{(2j+1)!}\Big].

  For :math:`b > 1/2, a > 1/2` the closed form is used as
  :math:`m_1 = a/b - [\Psi(a-b) - \Psi(-a-b)]/b` (:math:`a \le b`) or
  :math:`m_1 = 1 - [\Psi(b-a) - \Psi(-a-b)]/b` (:math:`a > b`), with
  :math:`\Psi(-u) = \phi(u) - uQ(u)`; and :math:`m_2` as the tail form for
  :math:`a < b` and the :math:`\Delta` form for :math:`a \ge b`, every term divided
  through by :math:`b^2` first (:math:`r = a/b`, :math:`1/b`) so nothing overflows.
  All remaining cancellations are bounded by a factor of about 6 in this region.

``"adam"``  :math:`\varphi = x/(|x| + b)` (Adam's update with :math:`\beta_1=\beta_2=0`).

* Folding :math:`x<0` onto :math:`x>0`,

  .. math::

      m_1 = \int_0^\infty \frac{y}{y+b}\,[\phi(y-a) - \phi(y+a)]\,dy, \qquad
      m_2 = \int_0^\infty \frac{y^2}{(y+b)^2}\,[\phi(y-a) + \phi(y+a)]\,dy,

  with :math:`\phi(y-a) \mp \phi(y+a) = 2\phi(y)e^{-a^2/2}\{\sinh, \cosh\}(ay)` (no
  cancellation at small :math:`a`).  (Equivalently :math:`1/(|x|+b)=\int_0^\infty e^{-t(|x|+b)}dt`
  and :math:`E[x e^{-t|x|}] = e^{t^2/2}[e^{-at}\Psi(a-t) - e^{at}\Psi(-a-t)]`, but the
  :math:`t` integral decays only algebraically for small :math:`b`.)

  - :math:`|a| < 12`: substitute :math:`y = \log(1+e^s)` (softplus: logarithmic for
    :math:`y \ll 1`, linear for :math:`y \gg 1`).  The factor :math:`y/(y+b)` becomes a
    logistic-like function of :math:`s` whose singularities lie at distance :math:`\pi`
    from the real axis for every :math:`b`, and the Gaussian keeps unit width in
    :math:`s` where it matters, so the trapezoidal rule on
    :math:`s\in[-28, 22]` (step 0.5) converges geometrically for all :math:`b`.  The part
    :math:`y < e^{-28}` is omitted (:math:`< 10^{-12}` absolute in :math:`m_2`).
  - :math:`|a| \ge 12`: :math:`m_k = E[\varphi(a+z)^k]` by 40-point Gauss--Hermite;
    :math:`\varphi(a+z)` is analytic for :math:`z > -a` and the kink at :math:`z=-a`
    carries weight :math:`< \phi(12)`.

Special values: :math:`b = 0` gives the sign moments for every kind;
:math:`b = \infty` gives :math:`m_1 = m_2 = 0` (:math:`\varphi \to 0` pointwise);
:math:`a = \pm\infty` with finite :math:`b` gives :math:`m_1 = \pm1, m_2 = 1`;
:math:`a = \pm\infty` together with :math:`b = \infty` has no limit and raises ``ValueError``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss
from scipy.special import erf, erfc, wofz

from adameps.update_maps import KINDS, adam

__all__ = [
    "METHODS",
    "AUTO_MIN_POINTS",
    "moments",
    "sign_moments",
    "softsign_moments",
    "softsign_m1",
    "softsign_m2",
    "clip_moments",
    "adam_moments",
]


_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi / 2.0)

# Work on blocks of points so the (points x nodes) temporaries stay in cache.
_BLOCK_ELEMS = 1 << 18


# --------------------------------------------------------------------------- helpers


def _npdf(u):
    # cap |u| so u*u cannot overflow; phi is 0 in double precision far earlier
    u = np.minimum(np.abs(u), 1e10)
    return np.exp(-0.5 * u * u) / _SQRT2PI


def _Q(u):
    """Upper tail 1 - Phi(u), accurate for large positive u."""
    return 0.5 * erfc(u / _SQRT2)


def _psi_neg(u):
    """Psi(-u) = E[(z - u)^+] = phi(u) - u Q(u) for u >= 0."""
    return _npdf(u) - u * _Q(u)


def _blocks(n, nodes):
    step = max(1, _BLOCK_ELEMS // max(1, nodes))
    for i in range(0, n, step):
        yield slice(i, min(n, i + step))


# --------------------------------------------------------------------------- quadrature rules

# softsign m1, large A: Gauss-Legendre on y in [0, Y].
_SS_Y = 8.5
_SS_A0 = 8.6
_x, _w = leggauss(24)
_SS_LY2 = ((_x + 1.0) * (_SS_Y / 2.0)) ** 2
_SS_LW = _w * (_SS_Y / 2.0)

# softsign m1, small A: composite Gauss-Legendre in theta with A-independent nodes.
_SS_PANELS = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 3.5, 5.5, 8.0, 11.0, 14.5, 19.5)


def _composite_gl(panels, n):
    x, w = leggauss(n)
    t = np.concatenate([lo + (x + 1.0) * (hi - lo) / 2 for lo, hi in zip(panels[:-1], panels[1:])])
    wt = np.concatenate([w * (hi - lo) / 2 for lo, hi in zip(panels[:-1], panels[1:])])
    return t, wt


_t, _wt = _composite_gl(_SS_PANELS, 16)
# exponent = (a^2/2) tanh^2 + (b^2/2) sinh^2 as one (2 x N) matrix product
_SS_SMAT = np.vstack([0.5 * np.tanh(_t) ** 2, 0.5 * np.sinh(_t) ** 2])
_SS_SW = _wt / np.cosh(_t) ** 2
del _x, _w, _t, _wt

# adam, |a| < 12: trapezoid in s with y = softplus(s).
_AD_A0 = 12.0
_s = np.arange(-28.0, 22.0 + 1e-9, 0.5)
_AD_Y = np.log1p(np.exp(_s))
_AD_W = 0.5 / (1.0 + np.exp(-_s)) / _SQRT2PI * 2.0  # step * dy/ds * 2/sqrt(2 pi)
# adam, |a| >= 12: Gauss-Hermite for E[f(z)].
_z, _wz = hermegauss(40)
_AD_GZ = _z
_AD_GW = _wz / _SQRT2PI
del _s, _z, _wz


# --------------------------------------------------------------------------- cores
# Cores take 1-D float64 arrays with a >= 0 finite and 0 < b < inf.


def _softsign_m1_core(a, b):
    out = np.empty_like(a)
    A = np.hypot(a, b)
    big = A >= _SS_A0
    if big.any():
        ab, bb, Ab = a[big], b[big], A[big]
        res = np.empty_like(ab)
        n = _SS_LY2.size
        for sl in _blocks(ab.size, n):
            # y^4/(A^2-y^2) written with u = 1/A^2 so huge A cannot overflow
            u = (1.0 / Ab[sl, None]) ** 2
            c = 0.5 * (bb[sl, None] / Ab[sl, None]) ** 2
            e = -0.5 * _SS_LY2 - c * u * (_SS_LY2 * _SS_LY2) / (1.0 - u * _SS_LY2)
            np.exp(e, out=e)
            res[sl] = e @ _SS_LW
        out[big] = _SQRT_2_OVER_PI * (ab / Ab) * res
    sm = ~big
    if sm.any():
        asm, bsm = a[sm], b[sm]
        res = np.empty_like(asm)
        n = _SS_SW.size
        for sl in _blocks(asm.size, n):
            coef = np.stack([asm[sl] ** 2, bsm[sl] ** 2], axis=1)
            e = coef @ _SS_SMAT
            np.negative(e, out=e)
            np.exp(e, out=e)
            res[sl] = e @ _SS_SW
        out[sm] = _SQRT_2_OVER_PI * asm * res
    return out


def _softsign_m2_core(a, b):
    out = np.empty_like(a)
    ser = b >= 10.0 * np.hypot(a, math.sqrt(12.0))  # b^2 >= 100 (a^2 + 12), overflow-free
    if ser.any():
        q = a[ser] / b[ser]
        r = (1.0 / b[ser]) ** 2
        nu_prev, nu = np.ones_like(q), q
        acc = np.zeros_like(q)
        sgn = 1.0
        for n in range(1, 20):
            nu_prev, nu = nu, q * nu + n * r * nu_prev  # nu_{n+1}
            if (n + 1) % 2 == 0:
                acc += sgn * nu
                sgn = -sgn
        out[ser] = acc
    vo = ~ser
    if vo.any():
        av, bv = a[vo], b[vo]
        w = wofz((av + 1j * bv) / _SQRT2).real
        out[vo] = 1.0 - bv * _SQRT_PI_OVER_2 * w
    return np.clip(out, 0.0, 1.0)


def _hermite_odd_series(x, h, nterms=16):
    """sum_{j>=1} He_{2j-1}(x) h^{2j} / (2j+1)!  (x, h arrays)."""
    he_prev, he = np.ones_like(x), x.copy()  # He_0, He_1
    hp = h * h
    fact = 6.0  # (2j+1)! for j = 1
    acc = he * hp / fact
    for j in range(2, nterms + 1):
        n = 2 * j - 3  # he = He_n, advance to He_{n+2}
        he_prev, he = he, x * he - n * he_prev  # He_{n+1}
        he_prev, he = he, x * he - (n + 1) * he_prev  # He_{n+2}
        hp = hp * h * h
        fact *= (2 * j) * (2 * j + 1)
        acc += he * hp / fact
    return acc


def _hermite_even_series(x, h, nterms=17):
    """sum_{j>=0} He_{2j}(x) h^{2j+1} / ((2j+1)! (2j+3))."""
    he_prev, he = np.zeros_like(x), np.ones_like(x)  # He_{-1} (unused), He_0
    hp = h.copy()
    fact = 1.0
    acc = he * hp / (fact * 3.0)
    for j in range(1, nterms):
        n = 2 * j - 2
        he_prev, he = he, x * he - n * he_prev  # He_{n+1}
        he_prev, he = he, x * he - (n + 1) * he_prev  # He_{n+2}
        hp = hp * h * h
        fact *= (2 * j) * (2 * j + 1)
        acc += he * hp / (fact * (2 * j + 3))
    return acc


def _clip_core(a, b):
    m1 = np.empty_like(a)
    m2 = np.empty_like(a)

    # (i) b <= 1/2: Taylor series in b about the sign moments.
    r1 = b <= 0.5
    if r1.any():
        ai, bi = a[r1], b[r1]
        x1 = erf(ai / _SQRT2)
        x2 = np.ones_like(ai)
        s = ai <= 40.0  # beyond, phi(a) underflows and He_n(a) h^n could overflow
        if s.any():
            aa, bb = ai[s], bi[s]
            p = _npdf(aa)
            x1[s] -= 2.0 * p * _hermite_odd_series(aa, bb)
            x2[s] -= 4.0 * p * _hermite_even_series(aa, bb)
        m1[r1], m2[r1] = x1, x2

    # (ii) b > 1/2, a <= 1/2: series in a for m1; tail form for m2.
    r2 = (~r1) & (a <= 0.5)
    if r2.any():
        ai, bi = a[r2], b[r2]
        num = ai * erf(bi / _SQRT2)
        s = bi <= 40.0
        if s.any():
            num[s] -= 2.0 * _npdf(bi[s]) * _hermite_odd_series(bi[s], ai[s]) * ai[s]
        m1[r2] = num / bi

    # (iii) b > 1/2, a > 1/2: closed form arranged per side.
    r3 = (~r1) & (a > 0.5)
    if r3.any():
        ai, bi = a[r3], b[r3]
        x1 = np.empty_like(ai)
        lo = ai <= bi
        al, bl = ai[lo], bi[lo]
        x1[lo] = al / bl - (_psi_neg(bl - al) - _psi_neg(al + bl)) / bl
        ah, bh = ai[~lo], bi[~lo]
        x1[~lo] = 1.0 - (_psi_neg(ah - bh) - _psi_neg(ah + bh)) / bh
        m1[r3] = x1

    # m2 for b > 1/2 (regions ii and iii).
    rb = ~r1
    if rb.any():
        ai, bi = a[rb], b[rb]
        x2 = np.empty_like(ai)
        r = ai / bi
        ib = 1.0 / bi
        lo = ai < bi
        if lo.any():
            rl, il, al, bl = r[lo], ib[lo], ai[lo], bi[lo]
            c, cp = bl - al, bl + al
            tp = (il * il - c * (rl + 1.0) * il) * _Q(c) + (rl + 1.0) * il * _npdf(c)
            tm = (il * il - cp * (1.0 - rl) * il) * _Q(cp) + (1.0 - rl) * il * _npdf(cp)
            # T_+ and T_- vanish below underflow; skip so 0*inf cannot appear.
            x2[lo] = rl * rl + il * il - np.where(c < 40.0, tp, 0.0) - np.where(cp < 40.0, tm, 0.0)
        hi = ~lo
        if hi.any():
            rh, ih, ah, bh = r[hi], ib[hi], ai[hi], bi[hi]
            v = np.ones_like(ah)
            s = (ah - bh) < 40.0
            if s.any():
                rs, is_, as_, bs = rh[s], ih[s], ah[s], bh[s]
                d = _Q(as_ - bs) - _Q(as_ + bs)
                v[s] = (
                    1.0
                    + ((rs - 1.0) * (rs + 1.0) + is_ * is_) * d
                    - (rs + 1.0) * is_ * _npdf(as_ - bs)
                    + (rs - 1.0) * is_ * _npdf(as_ + bs)
                )
            x2[hi] = v
        m2[rb] = x2
    return m1, np.clip(m2, 0.0, 1.0)


def _adam_core(a, b):
    m1 = np.empty_like(a)
    m2 = np.empty_like(a)
    sm = a < _AD_A0
    if sm.any():
        asm, bsm = a[sm], b[sm]
        r1 = np.empty_like(asm)
        r2 = np.empty_like(asm)
        y = _AD_Y
        for sl in _blocks(asm.size, y.size):
            ac = asm[sl, None]
            g = np.exp(-0.5 * (y * y + ac * ac))  # 2 phi(y) e^{-a^2/2} * sqrt(2 pi)/2
            ay = ac * y
            psi = y / (y + bsm[sl, None])
            gp = g * psi
            r1[sl] = (gp * np.sinh(ay)) @ _AD_W
            r2[sl] = (gp * psi * np.cosh(ay)) @ _AD_W
        m1[sm], m2[sm] = r1, r2
    big = ~sm
    if big.any():
        ab, bb = a[big], b[big]
        r1 = np.empty_like(ab)
        r2 = np.empty_like(ab)
        for sl in _blocks(ab.size, _AD_GZ.size):
            x = ab[sl, None] + _AD_GZ
            f = adam(x, bb[sl, None])
            r1[sl] = f @ _AD_GW
            r2[sl] = (f * f) @ _AD_GW
        m1[big], m2[big] = r1, r2
    return m1, np.clip(m2, 0.0, 1.0)


# --------------------------------------------------------------------------- validation / driver


def _real_array(name, x):
    """``x`` as a float64 array; ValueError naming ``name`` for None, text, objects or complex numbers
    (``np.asarray(None, float)`` is NaN and a complex array would lose its imaginary part)."""
    if np.iscomplexobj(x):
        raise ValueError(f"{name} must be real, got a complex value ({name}={x!r:.80})")
    raw = np.asarray(x)
    if raw.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers, got {name}={x!r:.80}")
    return np.asarray(raw, dtype=np.float64)


def _prepare(a, b):
    scalar = np.ndim(a) == 0 and np.ndim(b) == 0
    a_arr = _real_array("a", a)
    b_arr = _real_array("b", b)
    if np.isnan(a_arr).any():
        bad = a_arr[np.isnan(a_arr)].flat[0] if a_arr.ndim else a_arr
        raise ValueError(f"a must not be NaN, got a={float(bad)!r}")
    if np.isnan(b_arr).any():
        raise ValueError(f"b must not be NaN, got b={float(np.nan)!r}")
    if (b_arr < 0).any():
        bad = b_arr[b_arr < 0].flat[0] if b_arr.ndim else b_arr
        raise ValueError(f"b must be >= 0, got b={float(bad)!r}")
    a_arr, b_arr = np.broadcast_arrays(a_arr, b_arr)
    both_inf = np.isinf(a_arr) & np.isinf(b_arr)
    if both_inf.any():
        i = np.flatnonzero(both_inf.ravel())[0]
        raise ValueError(
            f"a and b are both infinite (a={float(a_arr.flat[i])!r}, b=inf): the limit depends on a/b"
        )
    return a_arr, b_arr, scalar


def _finish(m1, m2, shape, scalar):
    m1 = m1.reshape(shape)
    m2 = m2.reshape(shape)
    if scalar:
        return m1[()], m2[()]
    return m1, m2


# Points per block of :func:`_drive`: the cores' working arrays (masks, gathered copies, quadrature
# nodes x points) are allocated per block, so memory beyond the inputs and the two outputs does
# not grow with the input (measured: at most 39 MiB, about 160 bytes per point of a block;
# benchmarks/bench_moments_memory.py).  Every grid of the default pipeline is smaller than one block,
# so its moments are computed exactly as without blocks (the cores' matrix products can differ in
# the last bit with the block layout).
CHUNK = 1 << 18


def _drive(core, a, b):
    """Apply oddness, special values and the kind's core to validated, broadcast arrays, in blocks
    of ``CHUNK`` points; returns flat ``m1, m2``."""
    af = a.reshape(-1)  # a view for contiguous inputs; broadcast inputs are copied (8 bytes/point)
    bf = b.reshape(-1)
    m1 = np.empty(af.shape)
    m2 = np.empty(af.shape)
    for lo in range(0, af.size, CHUNK):
        block = slice(lo, lo + CHUNK)
        m1[block], m2[block] = _drive_block(core, af[block], bf[block])
    return m1, m2


def _drive_block(core, af, bf):
    s = np.sign(af)
    aa = np.abs(af)
    m1 = np.empty(af.shape)
    m2 = np.empty(af.shape)
    binf = np.isinf(bf)
    ainf = np.isinf(aa)
    b0 = (bf == 0.0) & ~ainf
    m1[binf], m2[binf] = 0.0, 0.0
    m1[ainf], m2[ainf] = 1.0, 1.0
    m1[b0], m2[b0] = erf(aa[b0] / _SQRT2), 1.0
    reg = ~(binf | ainf | b0)
    if reg.any():
        m1[reg], m2[reg] = core(aa[reg], bf[reg])
    # Where phi is almost surely +-1 (|a| >> 1 or b -> 0), m2 - m1^2 = Var(phi) falls
    # below the 1e-15 rounding of m1 and m2; project onto the exact constraint
    # |m1| <= sqrt(m2) <= 1 so callers never see a negative variance.  The change is no
    # larger than the rounding error it removes.
    np.minimum(m1, np.sqrt(m2), out=m1)
    # sqrt(m2)**2 can round one ulp above m2; step such m1 one ulp towards 0 so that
    # m1*m1 <= m2 holds exactly in floating point (one step always suffices: it lowers
    # m1*m1 by about 2 ulp of m2).
    over = m1 * m1 > m2
    if over.any():
        m1[over] = np.nextafter(m1[over], 0.0)
    return m1 * s, m2


#: ``method`` values of :func:`moments` and of the eta_star functions of :mod:`adameps.optimal_lr`.
METHODS = ("exact", "fast", "auto")
#: ``method="auto"`` is ``"fast"`` from this many points per call (model scale), else ``"exact"``.
AUTO_MIN_POINTS = 1 << 16


def check_method(method, size):
    """``"exact"`` or ``"fast"`` for ``method`` in :data:`METHODS` and a call of ``size`` points."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got method={method!r}")
    if method == "auto":
        return "fast" if size >= AUTO_MIN_POINTS else "exact"
    return method


# Points per block of :func:`_drive_fast`: the series' dozens of temporaries then stay in cache
# (measured on the benchmark machine: 8192 points per block is about twice as fast as 2**18).
FAST_CHUNK = 1 << 13


def _drive_fast(kind, a, b):
    """:func:`_drive` for ``method="fast"``: blocks without non-finite values or ``b = 0`` skip the
    special-value masks and use :func:`adameps.moments_fast.fast_core`; other blocks go to
    :func:`_drive_block` with that core."""
    from adameps.moments_fast import fast_core

    core = fast_core(kind)
    af = a.reshape(-1)
    bf = b.reshape(-1)
    m1 = np.empty(af.shape)
    m2 = np.empty(af.shape)
    for lo in range(0, af.size, FAST_CHUNK):
        block = slice(lo, lo + FAST_CHUNK)
        ab, bb = af[block], bf[block]
        aa = np.abs(ab)
        if not (aa.max() < np.inf and bb.max() < np.inf and bb.min() > 0.0):
            m1[block], m2[block] = _drive_block(core, ab, bb)
            continue
        x1, x2 = core(aa, bb)
        np.minimum(x1, np.sqrt(x2), out=x1)  # the projection of _drive_block
        over = x1 * x1 > x2
        if over.any():
            x1[over] = np.nextafter(x1[over], 0.0)
        m1[block] = np.copysign(x1, ab)
        m2[block] = x2
    return m1, m2


def sign_moments(a, b=0.0):
    r"""Moments of :math:`\operatorname{sign}(a+z)`: :math:`(\operatorname{erf}(a/\sqrt2),\ 1)`.

    ``b`` is accepted (and validated) for a uniform signature but ignored, except
    that ``b = inf`` gives ``(0, 0)`` like the other kinds.

    Examples
    --------
    >>> m1, m2 = sign_moments(1.0)      # erf(1/sqrt 2): P(|z| < 1)
    >>> round(float(m1), 10), float(m2)
    (0.6826894921, 1.0)
    """
    a, b, scalar = _prepare(a, b)
    return _finish(*_drive(lambda x, y: (erf(x / _SQRT2), np.ones_like(x)), a, b), a.shape, scalar)


def softsign_moments(a, b):
    r"""Moments of :math:`x/\sqrt{x^2+b^2}`, :math:`x = a + z`.

    :math:`m_1 = \sqrt{2/\pi}\,a\int_0^1 \exp(-\tfrac{v^2}{2}(a^2 + \tfrac{b^2}{1-v^2}))\,dv`,
    :math:`m_2 = 1 - b\sqrt{\pi/2}\,\operatorname{Re} w((a+ib)/\sqrt2)`.
    See the module docstring for the quadrature and the large-:math:`b` series.

    Examples
    --------
    >>> m1, m2 = softsign_moments(1.0, 2.0)
    >>> round(float(m1), 10), round(float(m2), 10)
    (0.3711513149, 0.2548897245)
    >>> m1, m2 = softsign_moments(3.0, 1e6)   # b -> inf: b m1 -> a, b^2 m2 -> a^2 + 1
    >>> round(float(1e6 * m1), 6), round(float(1e12 * m2), 6)
    (3.0, 10.0)
    """
    a, b, scalar = _prepare(a, b)
    return _finish(
        *_drive(lambda x, y: (_softsign_m1_core(x, y), _softsign_m2_core(x, y)), a, b),
        a.shape,
        scalar,
    )


def softsign_m1(a, b):
    r""":math:`m_1 = E[x/\sqrt{x^2+b^2}] = \sqrt{2/\pi}\,a\int_0^1
    \exp(-\tfrac{v^2}{2}(a^2 + \tfrac{b^2}{1-v^2}))\,dv` (same values as ``moments``).

    Examples
    --------
    >>> round(float(softsign_m1(1.0, 2.0)), 10)
    0.3711513149
    """
    return softsign_moments(a, b)[0]


def softsign_m2(a, b):
    r""":math:`m_2 = E[x^2/(x^2+b^2)] = 1 - b\sqrt{\pi/2}\,\operatorname{Re} w((a+ib)/\sqrt2)`.

    Examples
    --------
    >>> round(float(softsign_m2(1.0, 2.0)), 10)
    0.2548897245
    """
    a, b, scalar = _prepare(a, b)
    m1, m2 = _drive(lambda x, y: (np.zeros_like(x), _softsign_m2_core(x, y)), a, b)
    return _finish(m1, m2, a.shape, scalar)[1]


def clip_moments(a, b):
    r"""Moments of :math:`\operatorname{clip}((a+z)/b, -1, 1)`.

    :math:`m_1 = [\Psi(b+a) - \Psi(b-a) - a]/b`,
    :math:`m_2 = 1 - \Delta + [(1+a^2)\Delta - (a+b)\phi(b-a) + (a-b)\phi(a+b)]/b^2`,
    :math:`\Delta = \Phi(b-a) - \Phi(-b-a)`; evaluated in the cancellation-free forms of
    the module docstring.

    Examples
    --------
    >>> m1, m2 = clip_moments(1.0, 2.0)
    >>> round(float(m1), 10), round(float(m2), 10)
    (0.4585333419, 0.3974165705)
    """
    a, b, scalar = _prepare(a, b)
    return _finish(*_drive(_clip_core, a, b), a.shape, scalar)


def adam_moments(a, b):
    r"""Moments of :math:`x/(|x|+b)`, :math:`x = a + z`.

    :math:`m_1 = \int_0^\infty \frac{y}{y+b}[\phi(y-a) - \phi(y+a)]\,dy`,
    :math:`m_2 = \int_0^\infty \frac{y^2}{(y+b)^2}[\phi(y-a) + \phi(y+a)]\,dy`,
    by fixed quadrature (module docstring).

    Examples
    --------
    >>> m1, m2 = adam_moments(1.0, 2.0)
    >>> round(float(m1), 10), round(float(m2), 10)
    (0.2701786049, 0.1342466567)
    """
    a, b, scalar = _prepare(a, b)
    return _finish(*_drive(_adam_core, a, b), a.shape, scalar)


_KIND_FUNCS = {
    "sign": sign_moments,
    "softsign": softsign_moments,
    "clip": clip_moments,
    "adam": adam_moments,
}


def moments(kind, a, b, method="exact"):
    r"""First and second moments :math:`(m_1, m_2)` of the update map ``kind``.

    :math:`m_1(a,b) = E[\varphi(a+z; b)]`, :math:`m_2(a,b) = E[\varphi(a+z; b)^2]`,
    :math:`z\sim N(0,1)`, for ``kind`` in ``KINDS``:
    ``"sign"`` :math:`\operatorname{sign}(x)`, ``"softsign"`` :math:`x/\sqrt{x^2+b^2}`,
    ``"clip"`` :math:`\operatorname{clip}(x/b,-1,1)`, ``"adam"`` :math:`x/(|x|+b)`.

    Parameters
    ----------
    kind : str
    a : array_like
        Signal-to-noise ratio :math:`g\sqrt{B}/\sigma`; any real, including :math:`\pm\infty`.
    b : array_like
        :math:`\epsilon\sqrt{B}/\sigma \ge 0`, including 0 (sign moments) and
        :math:`\infty` (:math:`m_1 = m_2 = 0`).
    method : {"exact", "fast", "auto"}
        ``"exact"`` (default): the algorithms above.  ``"fast"``: the small-:math:`b` series of
        :mod:`adameps.moments_fast` where :math:`b \le 0.02` (adam :math:`b \le 0.004`; softsign
        and adam also :math:`|a| \le 12`; sign: no driver masks), its 2-D tables in
        :math:`(a, \log b)` above, up to ``moments_fast.T2_B_MAX`` (softsign 128, adam 1000;
        :math:`|a| \le 12`; clip: its exact Taylor series up to :math:`b = 1/2`), the exact
        algorithms elsewhere; relative
        difference from ``"exact"`` below ``adameps.moments_fast.FAST_RTOL`` (1e-10, measured).
        ``"auto"``: ``"fast"`` for calls of at least :data:`AUTO_MIN_POINTS` points, else ``"exact"``.

    Returns
    -------
    m1, m2 : ndarray or numpy float64 scalar
        Broadcast shape of ``a`` and ``b``; scalars when both inputs are scalars.
        Relative error below 1e-9 (absolute 1e-13 for tiny values) for
        :math:`|a|\le 50`, :math:`10^{-6}\le b\le10^6`.

    Raises
    ------
    ValueError
        Unknown ``kind``; ``a`` or ``b`` complex, None or not numbers; NaN in ``a`` or ``b``;
        negative ``b``; or :math:`a=\pm\infty` together with :math:`b=\infty`.

    Notes
    -----
    Memory: the points are processed in blocks of ``CHUNK`` (2**18), so besides the two
    outputs (16 bytes per point) and a float64 copy of inputs that are not contiguous float64
    arrays of the broadcast shape (8 bytes per point each), the call needs O(CHUNK) working
    memory: at most about 40 MiB, whatever the number of points (39 MiB measured with tracemalloc on
    10**7 points: ``benchmarks/bench_moments_memory.py``; tested in tests/test_bad_inputs.py).

    Examples
    --------
    >>> m1, m2 = moments("softsign", [0.0, 1.0, 1.0], [1.0, 2.0, 0.0])
    >>> np.round(m1, 10), np.round(m2, 10)
    (array([0.        , 0.37115131, 0.68268949]), array([0.34432046, 0.25488972, 1.        ]))
    >>> bool(np.all(m1 * m1 <= m2))
    True
    >>> f1, f2 = moments("softsign", [0.0, 1.0, 1.0], [1.0, 2.0, 0.0], method="fast")
    >>> bool(np.allclose(f1, m1, rtol=1e-10, atol=0) and np.allclose(f2, m2, rtol=1e-10, atol=0))
    True
    """
    try:
        func = _KIND_FUNCS[kind]
    except (KeyError, TypeError):
        raise ValueError(f"kind must be one of {KINDS}, got kind={kind!r}") from None
    if method == "exact":
        return func(a, b)
    a, b, scalar = _prepare(a, b)
    if check_method(method, a.size) == "exact":
        return func(a, b)
    return _finish(*_drive_fast(kind, a, b), a.shape, scalar)
