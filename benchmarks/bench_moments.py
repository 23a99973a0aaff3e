"""Throughput of moments("softsign", a, b) versus per-point scipy.integrate.quad.

Single thread (BLAS/OpenMP threads pinned to 1 before numpy is imported).  The vectorised
path is timed on an n-point (a, log10 b) grid; quad (the same expectation integrated
directly over z, split at z = -a and -a +- b 10^k (k = -2..2), tolerances set so it meets 1e-9
relative -- checked against moments() on the subsample) on a random subsample,
extrapolated to points/s.  Both are measured in the same run.

    PYTHONPATH=src python benchmarks/bench_moments.py [--n 1000000] [--nquad 2000] [--out benchmarks/moments.json]
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import quad  # noqa: E402

from adameps.moments import moments  # noqa: E402


def quad_softsign(a, b, epsrel):
    """(m1, m2) of softsign by adaptive quadrature over z in [-12, 12], split at z = -a and -a +- b*10^k, k=-2..2."""
    pdf = lambda z: math.exp(-0.5 * z * z) * 0.3989422804014327  # noqa: E731
    # the transition of width b at z = -a needs extra breakpoints for quad to reach 1e-9
    cuts = sorted({-a, *(-a + s * b * 10.0**k for k in range(-2, 3) for s in (-1, 1))})
    grid = [-12.0] + [c for c in cuts if -12.0 < c < 12.0] + [12.0]
    f1 = lambda z: (a + z) / math.hypot(a + z, b) * pdf(z)  # noqa: E731
    f2 = lambda z: (a + z) ** 2 / ((a + z) ** 2 + b * b) * pdf(z)  # noqa: E731
    m1 = sum(quad(f1, lo, hi, epsabs=0.0, epsrel=epsrel, limit=200)[0] for lo, hi in zip(grid, grid[1:]))
    m2 = sum(quad(f2, lo, hi, epsabs=0.0, epsrel=epsrel, limit=200)[0] for lo, hi in zip(grid, grid[1:]))
    return m1, m2


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="grid points for the vectorised path")
    p.add_argument("--nquad", type=int, default=2000, help="subsample size for per-point quad")
    p.add_argument("--amax", type=float, default=50.0)
    p.add_argument("--logb", type=float, nargs=2, default=(-6.0, 6.0))
    p.add_argument("--epsrel", type=float, default=1e-13, help="quad epsrel (1e-11 misses 1e-9 at some small-b points)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--out", default="benchmarks/moments.json")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    side = int(round(math.sqrt(args.n)))
    a, lb = np.meshgrid(np.linspace(0.0, args.amax, side), np.linspace(*args.logb, side))
    a, b = a.ravel(), 10.0 ** lb.ravel()
    n = a.size
    moments("softsign", a[:1000], b[:1000])  # warm-up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        m1, m2 = moments("softsign", a, b)
        times.append(time.perf_counter() - t0)
    t_vec = min(times)
    rate_vec = n / t_vec

    rng = np.random.default_rng(args.seed)
    idx = rng.choice(n, size=min(args.nquad, n), replace=False)
    qa, qb = a[idx], b[idx]
    t0 = time.perf_counter()
    q = np.array([quad_softsign(x, y, args.epsrel) for x, y in zip(qa, qb)])
    t_quad = time.perf_counter() - t0
    rate_quad = idx.size / t_quad

    def rel(x, r):
        # relative error; absolute error where |r| < 1e-13 (e.g. a = 0, where m1 = 0)
        return np.abs(x - r) / np.where(np.abs(r) < 1e-13, 1.0, np.abs(r))

    err1 = rel(m1[idx], q[:, 0])
    err2 = rel(m2[idx], q[:, 1])
    res = {
        "kind": "softsign",
        "n_points": n,
        "grid": {"a": [0.0, args.amax], "log10_b": list(args.logb)},
        "vectorised_seconds": t_vec,
        "vectorised_points_per_s": rate_vec,
        "quad_points": int(idx.size),
        "quad_epsrel": args.epsrel,
        "quad_seconds": t_quad,
        "quad_points_per_s": rate_quad,
        "speedup": rate_vec / rate_quad,
        "max_rel_diff_m1_vs_quad": float(err1.max()),
        "max_rel_diff_m2_vs_quad": float(err2.max()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "threads": 1,
    }
    print(f"{'method':<22}{'points':>10}{'seconds':>12}{'points/s':>14}")
    print(f"{'moments (vectorised)':<22}{n:>10}{t_vec:>12.3f}{rate_vec:>14.3e}")
    print(f"{'scipy quad per point':<22}{idx.size:>10}{t_quad:>12.3f}{rate_quad:>14.3e}")
    print(f"speed-up: {rate_vec / rate_quad:.0f}x   max rel diff vs quad: m1 {err1.max():.1e}, m2 {err2.max():.1e}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(res, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
