"""Worst error of adameps.moments over the stored 30-digit mpmath grid (tests/data/moments_mpmath.json).

    PYTHONPATH=src python benchmarks/accuracy_moments.py

Relative error, or absolute error where |reference| < 1e-13.
"""

import json
import pathlib

import numpy as np

from adameps.moments import moments

rows = json.loads((pathlib.Path(__file__).parents[1] / "tests" / "data" / "moments_mpmath.json").read_text())["rows"]
for kind in ("softsign", "clip", "adam"):
    sel = [r for r in rows if r["kind"] == kind]
    a = np.array([r["a"] for r in sel])
    b = np.array([r["b"] for r in sel])
    m1, m2 = moments(kind, a, b)
    for name, m, key in (("m1", m1, "m1"), ("m2", m2, "m2")):
        ref = np.array([float(r[key]) for r in sel])
        e = np.abs(m - ref) / np.where(np.abs(ref) < 1e-13, 1.0, np.abs(ref))
        i = int(np.argmax(e))
        print(f"{kind:9s} {name}: worst {e[i]:.2e} at a={a[i]:g}, b={b[i]:g}  ({len(sel)} points)")
