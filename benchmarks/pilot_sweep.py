"""Pilot: measured eta*(B, eps) of multi-step training vs the one-step theory.

    PYTHONPATH=src python benchmarks/pilot_sweep.py --problem nqm --eta-src /work/wt-eta/src/adameps \
        --out pilot_nqm.json

Two-stage lr grid per (B, eps): a coarse log grid (``--coarse`` points over
``--span`` decades centred on the theory's eta_star, or on 1e-2 without it),
then ``--fine`` points over +-``--fine-halfspan`` decades around the coarse
minimum.  The measured eta* is fitted on the union of both grids.  Prints one
line per configuration and a per-eps summary (Spearman, shape rms, surges).
Not part of the pipeline; results are not committed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from adameps import theory_inputs as TI
from adameps import digits as D
from adameps import training as T
from adameps.lr_fit import fit_optimal_lr


def _theory(path):
    if not path:
        return None
    import adameps
    adameps.__path__.append(path)  # the eta branch's optimal_lr/moments/problems
    from adameps import optimal_lr
    return optimal_lr


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--problem", choices=["nqm", "softmax", "mlp"], default="nqm")
    ap.add_argument("--optimizer", default="adam")
    ap.add_argument("--B", type=float, nargs="+", default=[1, 4, 16, 64, 256, 1024])
    ap.add_argument("--eps", type=float, nargs="+", default=[1e-8, 1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--coarse", type=int, default=13)
    ap.add_argument("--span", type=float, default=6.0)
    ap.add_argument("--fine", type=int, default=16)
    ap.add_argument("--fine-halfspan", type=float, default=0.6)
    ap.add_argument("--l2", type=float, default=0.0, help="digits: L2 term l2/2 |theta|^2")
    ap.add_argument("--eval-on", choices=["train", "test"], default="train")
    ap.add_argument("--eta-src", default=None)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    ol = _theory(a.eta_src)
    seeds = list(range(a.seeds))
    if a.problem == "nqm":
        inp = TI.nqm_inputs(a.n)
        def train(lrs, B, eps):
            return T.train_nqm(lrs, n=a.n, B=B, eps=eps, steps=a.steps, seeds=seeds,
                               optimizer=a.optimizer)
    else:
        data = D.load_digits_data()
        inp = TI.digits_inputs(data, a.problem, l2=a.l2,
                               **({"hidden": a.hidden} if a.problem == "mlp" else {}))
        def train(lrs, B, eps):
            return T.train_digits(lrs, model=a.problem, B=int(B), eps=eps, steps=a.steps,
                                  seeds=seeds, data=data, hidden=a.hidden, optimizer=a.optimizer,
                                  l2=a.l2, eval_on=a.eval_on)
    print(f"# {a.problem}: |g|={np.linalg.norm(inp.g):.3g} rms g={np.sqrt(np.mean(inp.g**2)):.3g} "
          f"rms sigma={np.sqrt(np.mean(inp.sigma**2)):.3g} D={inp.g.size} info={inp.info}", flush=True)
    rows = []
    t_all = time.perf_counter()
    for eps in a.eps:
        pred = {}
        if ol is not None:
            for kind in ("softsign", "adam"):
                pred[kind] = np.asarray(ol.eta_star(inp.g, inp.H, inp.sigma, eps, a.B, kind=kind))
            pred["mf2024"] = np.asarray(ol.eta_star_mean_field(inp.g, inp.H, inp.sigma, eps, a.B))
        for k, B in enumerate(a.B):
            t0 = time.perf_counter()
            centre = pred["softsign"][k] if pred else 1e-2
            coarse = centre * np.logspace(-a.span / 2, a.span / 2, a.coarse)
            r1 = train(coarse, B, eps)
            f1 = fit_optimal_lr(coarse, r1.final_loss, n_boot=0)
            fine = f1.eta_grid * np.logspace(-a.fine_halfspan, a.fine_halfspan, a.fine)
            r2 = train(fine, B, eps)
            lrs = np.concatenate([coarse, fine])
            L = np.concatenate([r1.final_loss, r2.final_loss])
            o = np.argsort(lrs)
            lrs, L = lrs[o], L[o]
            keep = np.concatenate([[True], np.diff(lrs) > 0])
            fit = fit_optimal_lr(lrs[keep], L[keep], n_boot=200)
            dt = time.perf_counter() - t0
            row = dict(eps=eps, B=B, eta=fit.eta, log_se=fit.log_eta_se, flag=fit.flag,
                       coarse_flag=f1.flag, seconds=dt, n_lr=int(keep.sum()),
                       diverged_frac=float(np.mean(~np.isfinite(L))),
                       best_loss=float(np.exp(fit.objective.min())), loss0=r1.loss0)
            for kk, v in pred.items():
                row["pred_" + kk] = float(v[k])
            rows.append(row)
            ps = " ".join(f"{kk}={v[k]:.3g}" for kk, v in pred.items())
            print(f"eps={eps:8.1e} B={B:6g} eta*={fit.eta:.4g} +-{fit.log_eta_se:.3f} [{fit.flag}/"
                  f"coarse {f1.flag}] Lbest={row['best_loss']:.3g} {ps} ({dt:.1f}s)", flush=True)
        if pred:
            sel = [r for r in rows if r["eps"] == eps]
            em = np.array([r["eta"] for r in sel])
            se = np.array([r["log_se"] for r in sel])
            for kind in pred:
                c = TI.compare_curves(a.B, em, pred[kind], se)
                print(f"   eps={eps:.1e} vs {kind:8s}: offset={c['offset']:+.2f} shape rms={c['rms']:.2f} "
                      f"spearman={c['spearman']:+.2f} surge meas={c['surge_meas']['B_peak']} "
                      f"pred={c['surge_pred']['B_peak']}", flush=True)
    total = time.perf_counter() - t_all
    print(f"# total {total:.1f}s for {len(rows)} configurations", flush=True)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump({"args": vars(a), "rows": rows, "total_s": total}, fh, indent=1)


if __name__ == "__main__":
    sys.exit(main())
