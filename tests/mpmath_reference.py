"""30-digit mpmath reference for the moments (independent of adameps.moments).

m_k(a, b) = int phi(a + z; b)^k exp(-z^2/2)/sqrt(2 pi) dz over |z| <= 12 (the rest is
< 1e-32), split at the kinks z = -a, -a +- b and at log-spaced points around z = -a
so tanh-sinh quadrature sees only smooth pieces.

Run as a script to regenerate data/moments_mpmath.json (about a minute).
"""

import json
import pathlib

import mpmath as mp

DPS = 30
KINDS = ("softsign", "clip", "adam")
A_VALUES = (0.0, 1e-8, 0.3, 1.7, 3.0, 50.0)
B_VALUES = (1e-6, 1e-3, 0.5, 1.0, 7.0, 1e3, 1e6)
# extra scattered points, including negative a
EXTRA = (
    (-0.3, 1e-3), (-3.0, 7.0), (-50.0, 1e3), (10.0, 10.0), (12.5, 0.02), (0.05, 40.0),
    (25.0, 30.0), (-8.0, 0.7), (5.0, 4.9), (0.6, 0.55), (2.0, 1e-5), (40.0, 39.0),
    (-1e-8, 1e-6), (0.45, 2.0), (9.0, 1e5), (33.0, 0.3), (7.5, 7.5), (0.9, 200.0),
)
PATH = pathlib.Path(__file__).parents[1] / "data" / "moments_mpmath.json"


def _phi(kind, b):
    if kind == "softsign":
        return lambda x: x / mp.sqrt(x * x + b * b)
    if kind == "clip":
        return lambda x: max(mp.mpf(-1), min(mp.mpf(1), x / b))
    if kind == "adam":
        return lambda x: x / (abs(x) + b)
    raise ValueError(kind)


def reference(kind, a, b, dps=DPS):
    """(m1, m2) as mpf at `dps` digits."""
    with mp.workdps(dps):
        a = mp.mpf(a)
        b = mp.mpf(b)
        f = _phi(kind, b)
        lo, hi = mp.mpf(-12), mp.mpf(12)
        cuts = {lo, hi}
        for p in (-a - b, -a, -a + b):
            cuts.add(p)
        for k in range(-14, 3):
            for s in (-1, 1):
                cuts.add(-a + s * b * mp.mpf(10) ** k)
        pts = sorted(z for z in cuts if lo <= z <= hi)
        w = lambda z: mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)  # noqa: E731
        m1 = mp.quad(lambda z: f(a + z) * w(z), pts)
        m2 = mp.quad(lambda z: f(a + z) ** 2 * w(z), pts)
        return m1, m2


def grid():
    pts = [(a, b) for a in A_VALUES for b in B_VALUES]
    pts += list(EXTRA)
    return pts


def main():
    rows = []
    for kind in KINDS:
        for a, b in grid():
            m1, m2 = reference(kind, a, b)
            rows.append({"kind": kind, "a": a, "b": b, "m1": mp.nstr(m1, 25), "m2": mp.nstr(m2, 25)})
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.write_text(json.dumps({"dps": DPS, "rows": rows}, indent=1) + "\n")
    print(f"wrote {len(rows)} rows to {PATH}")


if __name__ == "__main__":
    main()
