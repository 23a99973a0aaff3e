"""eta_star(B) at model scale: N coordinates, diagonal H, n_B batch sizes, one core.

Target (issue 14): N = 10^6, 40 batch sizes, diagonal H, under 5 s on one core, memory O(N).
Single thread (BLAS/OpenMP threads pinned to 1 before numpy is imported).  Synthetic
statistics shaped like a network's at initialisation: sigma_i log-normal around 1e-2 (one
decade of spread), g_i = 0.05 sigma_i z_i (noise-dominated at B = 1), H_ii log-normal around 1;
B geometric from 32 to 4096 (the CLI's default range).  Peak memory is tracemalloc's peak of
numpy allocations during the call, reported in bytes per coordinate (O(N) means it does not
grow with n_B).  Times: wall and CPU (``time.process_time``, one thread: the core-seconds the call
used, less sensitive than wall time to other jobs on a shared machine).

    PYTHONPATH=src python benchmarks/bench_eta_scale.py [--n 1000000] [--nb 40] \
        [--kinds sign softsign clip adam] [--method fast] [--check-exact 20000] \
        [--out benchmarks/eta_scale.json]

``--method``: the ``method`` of :func:`adameps.optimal_lr.eta_star` ("exact", "fast", "auto").
``--check-exact M``: also compare (untimed), on the first M coordinates, the method's
eta_star with the exact one (largest relative difference over the batch sizes), so each row says
how far the timed method is from the paper's.

With a diagonal H, ``method="fast"`` is one compiled pass (numba, :mod:`adameps._fast_kernels`).
Its code is compiled once per machine and kind and cached on disk; each row's
``first_call_seconds`` is the untimed warm-up call on 100 coordinates before the timed one:
the compilation (about 10 s per kind on an empty cache) or the load from the cache (under 2 s).
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from adameps import optimal_lr as ol  # noqa: E402
from adameps.hessian import Hessian  # noqa: E402


def problem(n, seed=0):
    rng = np.random.default_rng(seed)
    sigma = 1e-2 * np.exp(rng.normal(0.0, np.log(10.0) / 2, n))
    g = 0.05 * sigma * rng.standard_normal(n)
    h = np.exp(rng.normal(0.0, 1.0, n))
    return g, h, sigma


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--nb", type=int, default=40)
    p.add_argument("--eps", type=float, nargs="+", default=[1e-8, 1e-5])
    p.add_argument("--kinds", nargs="+", default=["sign", "softsign", "clip", "adam"])
    p.add_argument("--method", default="fast", choices=["exact", "fast", "auto"])
    p.add_argument("--check-exact", type=int, default=20000)
    p.add_argument("--out", default="benchmarks/eta_scale.json")
    args = p.parse_args()

    load_start = os.getloadavg()[0]
    g, h, sigma = problem(args.n)
    B = np.geomspace(32, 4096, args.nb)
    t0 = time.perf_counter()
    H = Hessian.diagonal(h)
    t_validate = time.perf_counter() - t0
    ol.eta_star(g[:1000], h[:1000], sigma[:1000], 1e-8, B[:2])  # warm-up
    rows = []
    for kind in args.kinds:
        for eps in ([0.0] if kind == "sign" else args.eps):
            t0 = time.perf_counter()
            ol.eta_star(g[:100], Hessian.diagonal(h[:100]), sigma[:100], eps, B, kind=kind, method=args.method)
            first = time.perf_counter() - t0
            tracemalloc.start()
            t0, c0 = time.perf_counter(), time.process_time()
            eta = ol.eta_star(g, H, sigma, eps, B, kind=kind, method=args.method)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            m = min(args.check_exact, args.n)
            rel = None
            if m > 0:
                sub = (g[:m], h[:m], sigma[:m], eps, B)
                ex = ol.eta_star(*sub, kind=kind, method="exact")
                fa = ol.eta_star(*sub, kind=kind, method=args.method)
                rel = float(np.max(np.abs(fa / ex - 1.0)))
            rows.append(dict(kind=kind, eps=eps, method=args.method, first_call_seconds=first, max_rel_diff_vs_exact=rel,
                             check_coords=m, seconds=dt, cpu_seconds=cpu, coord_evals_per_s=args.n * args.nb / cpu,
                             peak_bytes=peak, peak_bytes_per_coord=peak / args.n,
                             eta_first=float(eta[0]), eta_last=float(eta[-1]), finite=bool(np.all(np.isfinite(eta)))))
            print(f"{kind:9s} eps={eps:<8.3g} {dt:8.2f} s wall {cpu:8.2f} s CPU  "
                  f"{args.n * args.nb / cpu:10.3g} coord*B/s  "
                  f"peak {peak / 2**20:7.1f} MiB ({peak / args.n:.0f} B/coord)  "
                  f"rel diff vs exact {rel}  (first call {first:.2f} s)", flush=True)
    out = dict(n=args.n, n_B=args.nb, B_range=[32, 4096], target_seconds=5.0,
               validate_diagonal_seconds=t_validate, results=rows, python=platform.python_version(),
               numpy=np.__version__, machine=platform.machine(), threads=1,
               load_average_at_start=load_start, load_average_at_end=os.getloadavg()[0],
               cpu_count=os.cpu_count(), method=args.method)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
