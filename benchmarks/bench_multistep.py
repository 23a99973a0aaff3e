"""Speed of the multi-step theory (adameps.multistep) on the training sweeps' noisy quadratic model.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_multistep.py --out benchmarks/multistep.json [--quick]

Target (issue 13): the exact sign lattice chain for 500 coordinates x 100 steps x 50 learning rates x 6
batch sizes in under 30 s on one core.  Also timed, at the same problem: the SGD closed form, Adam's
v-hat model, the Gaussian closure of softsign, and the softsign density evolution (grid 4 + Richardson)
at fewer learning rates (it costs about (2 grid + 1) grid times the lattice chain per chain).  The
machine's load average is recorded with the times: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from adameps import multistep as ms
from adameps import training as T


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--quick", action="store_true", help="10 learning rates instead of 50 (smoke run)")
    args = ap.parse_args(argv)
    n, steps = 500, 100
    n_lr = 10 if args.quick else 50
    h = T.nqm_spectrum(n)
    sigma, theta0 = np.sqrt(h), T.nqm_theta0(n)
    B = np.array([1.0, 4.0, 16.0, 64.0, 256.0, 1024.0])
    lr = np.geomspace(1e-3, 1.0, n_lr)[:, None]
    cases = [
        ("sign lattice chain (exact)", "sign", None, lr, {}),
        ("sgd closed form (exact)", "sgd", None, np.geomspace(1e-3, 1.9, n_lr)[:, None], {}),
        ("adam v-hat model eps=1e-8", "adam", 1e-8, lr, {}),
        ("softsign gaussian closure eps=1e-3", "softsign", 1e-3, lr, dict(method="gaussian")),
        ("softsign density evolution eps=1e-3 (2 lr)", "softsign", 1e-3, lr[[n_lr // 4, n_lr // 2]], {}),
    ]
    rows = []
    for name, opt, eps, lrs, kw in cases:
        t = time.perf_counter()
        loss = ms.expected_loss(h, sigma, theta0, opt, lrs, B, steps, eps=eps, **kw)
        dt = time.perf_counter() - t
        chains = n * lrs.size * B.size
        rows.append(dict(case=name, coordinates=n, steps=steps, n_lr=int(lrs.size), n_B=int(B.size),
                         seconds=dt, chains_per_s=chains / dt, finite=bool(np.isfinite(loss).all())))
        print(f"{name:45s} {lrs.size:3d} lr x {B.size} B: {dt:7.2f} s  ({chains / dt:9.0f} chains/s)")
    meta = dict(python=platform.python_version(), numpy=np.__version__, machine=platform.machine(),
                cpu_count=os.cpu_count(), omp_num_threads=os.environ.get("OMP_NUM_THREADS"),
                load_average_1min=os.getloadavg()[0], quick=args.quick, target_s=30.0,
                target="sign lattice chain, 500 coordinates x 100 steps x 50 lr x 6 B, one core")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "results": rows}, fh, indent=2)
            fh.write("\n")
    return rows


if __name__ == "__main__":
    main()
