"""Runs/second of the vectorised trainers vs a plain per-run Python loop (same runs, same results).

    PYTHONPATH=src python benchmarks/bench_training.py --out bench.json [--quick]

For each problem the same (lr x seed) grid is trained twice: once by the
vectorised ``train_*`` (all runs in one array op) and once by ``train_*_loop`` of ``tests/training_reference.py``
(one run at a time); the table reports runs/s, run-steps/s, the speed-up and
the max relative difference of the final losses (must be ~0).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import sys
from pathlib import Path

import numpy as np

from adameps import training as T
from adameps.digits import load_digits_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import training_reference as R  # noqa: E402  (the plain per-run loops live with the tests)


def _case(name, fn_vec, fn_loop, kw, n_runs):
    t = time.perf_counter()
    a = fn_vec(**kw)
    tv = time.perf_counter() - t
    t = time.perf_counter()
    b = fn_loop(**kw)
    tl = time.perf_counter() - t
    fin = np.isfinite(b.final_loss)
    diff = float(np.max(np.abs(a.final_loss[fin] - b.final_loss[fin]) / b.final_loss[fin]))
    steps = kw["steps"]
    return dict(case=name, runs=n_runs, steps=steps, vec_s=tv, loop_s=tl,
                vec_runs_per_s=n_runs / tv, loop_runs_per_s=n_runs / tl,
                vec_run_steps_per_s=n_runs * steps / tv, loop_run_steps_per_s=n_runs * steps / tl,
                speedup=tl / tv, max_rel_diff=diff)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--quick", action="store_true", help="smaller grids (CI smoke run)")
    args = ap.parse_args(argv)
    n_lr, n_seed = (8, 2) if args.quick else (16, 4)
    lrs = T.log_lr_grid(1e-3, 1.0, n_lr)
    seeds = list(range(n_seed))
    runs = n_lr * n_seed
    data = load_digits_data()
    cases = [
        ("nqm n=500 adam B=16", T.train_nqm, R.train_nqm_loop,
         dict(lrs=lrs, seeds=seeds, n=500, B=16, eps=1e-3, steps=100 if args.quick else 300)),
        ("digits softmax adam B=32", T.train_digits, R.train_digits_loop,
         dict(lrs=lrs, seeds=seeds, model="softmax", B=32, eps=1e-3, data=data,
              steps=30 if args.quick else 100)),
        ("digits mlp(32,tanh) adam B=32", T.train_digits, R.train_digits_loop,
         dict(lrs=lrs, seeds=seeds, model="mlp", hidden=32, B=32, eps=1e-3, data=data,
              steps=30 if args.quick else 100)),
    ]
    rows = [_case(name, fv, fl, kw, runs) for name, fv, fl, kw in cases]
    hdr = f"{'case':32s} {'runs':>5s} {'steps':>5s} {'vec runs/s':>11s} {'loop runs/s':>11s} {'speed-up':>8s} {'max rel diff':>12s}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f"{r['case']:32s} {r['runs']:5d} {r['steps']:5d} {r['vec_runs_per_s']:11.2f} "
              f"{r['loop_runs_per_s']:11.2f} {r['speedup']:8.1f} {r['max_rel_diff']:12.2e}")
    meta = dict(python=platform.python_version(), numpy=np.__version__, machine=platform.machine(),
                cpu_count=os.cpu_count(), omp_num_threads=os.environ.get("OMP_NUM_THREADS"),
                n_lr=n_lr, n_seed=n_seed, quick=args.quick)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "results": rows}, fh, indent=2)
    return rows


if __name__ == "__main__":
    main()
