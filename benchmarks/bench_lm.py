"""Training throughput of the language model against the machine's measured matmul throughput.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_lm.py --out benchmarks/lm.json [--quick]

Measures, with one torch thread and CPU time (the machine may be shared, so wall time is reported
too but CPU time is the number): (1) the fp32 matmul rate of torch.mm on square matrices
(GFLOP/s = 2 n^3 / t), the best of a few sizes; (2) the tokens/s of adameps.lm.train_runs for the
default model (config/config.yaml's lm.model) stacking R runs at batch size B, on random tokens,
and the model FLOP rate 6 N + 12 L T d FLOPs per token (N parameters; the attention term counts
QK^T and AV forward and backward without the causal saving); (3) R stacked runs against the same
R runs one at a time (the gain from batching the lr x seed grid). The ratio model-FLOP/s over
matmul-FLOP/s is the efficiency.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch
import yaml

from adameps import lm


def cpu():
    return time.process_time()


def matmul_gflops(sizes=(128, 256, 512), reps=5):
    best = 0.0
    for n in sizes:
        a, b = torch.randn(n, n), torch.randn(n, n)
        torch.mm(a, b)
        c0 = cpu()
        for _ in range(reps):
            torch.mm(a, b)
        best = max(best, 2 * n**3 * reps / (cpu() - c0) / 1e9)
    return best


def train_rate(cfg, tokens, R, B, steps):
    tr, va = lm.split_tokens(tokens, 0.05)
    c0, w0 = cpu(), time.perf_counter()
    lm.train_runs(cfg, tr, va, lr=[1e-3] * R, eps=[1e-8] * R, init_seed=list(range(R)), data_seed=[0] * R,
                  batch_size=B, token_budget=B * cfg.ctx * steps, n_val_seq=1)
    c, w = cpu() - c0, time.perf_counter() - w0
    return R * B * cfg.ctx * steps / c, c, w


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    m = yaml.safe_load(open("config/config.yaml"))["lm"]["model"]
    cfg = lm.ModelConfig(vocab=73, **m)
    flop_per_token = 6 * cfg.n_params() + 12 * cfg.n_layer * cfg.ctx * cfg.d_model
    tokens = np.random.default_rng(0).integers(0, cfg.vocab, 200_000)
    steps = 5 if args.quick else 20
    peak = matmul_gflops()
    rows = []
    for R, B in ((1, 4), (8, 4), (32, 4), (8, 16)):
        rate, c, w = train_rate(cfg, tokens, R, B, steps)
        rows.append(dict(R=R, B=B, steps=steps, tokens_per_cpu_s=rate, cpu_s=c, wall_s=w,
                         model_gflops=rate * flop_per_token / 1e9, efficiency=rate * flop_per_token / 1e9 / peak))
        print(rows[-1], flush=True)
    # R = 8 runs one at a time vs stacked
    R, B = 8, 4
    loop_c = sum(train_rate(cfg, tokens, 1, B, steps)[1] for _ in range(R))
    stacked_c = train_rate(cfg, tokens, R, B, steps)[1]
    out = dict(machine=platform.processor() or platform.machine(), torch=torch.__version__, threads=1,
               n_params=cfg.n_params(), flop_per_token=flop_per_token, matmul_gflops=peak, rows=rows,
               stacked_vs_loop=dict(R=R, B=B, loop_cpu_s=loop_c, stacked_cpu_s=stacked_c, speedup=loop_c / stacked_c))
    print(json.dumps(out, indent=1))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(out, fh, indent=1)
            fh.write("\n")


if __name__ == "__main__":
    main()
