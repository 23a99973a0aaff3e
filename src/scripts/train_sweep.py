"""Rule `train_sweep`: measure an optimiser's optimal learning rate eta*(B) at one eps on one problem
(an "arm" of config `train.problems`, or a step-budget arm), by real multi-step training, and the
one-step theory's predictions for the same (B, eps).

With `train.vary_init` every seed s starts from its own initial point (init seed s) and draws its own
noise / minibatches; the theory is then the optimum of the one-step loss averaged over those initial
points (sum of numerators over sum of denominators, `theory_inputs.pool_terms`), and the per-seed terms
are kept so that train_summary can bootstrap over seeds and initial points together.

Writes results/train/<arm>_eps<log10 eps>.csv (tidy: one row per B, lr, seed with the final loss, the
config, the seed and its init seed; eps is `nan` for SignSGD and SGD, which have none; their files end
in `_epsnone`) and results/train/<arm>_eps<log10 eps>.json (per B: fit, flags, theory curves, the learning-rate grid and the final
losses; per theory the per-seed terms N, D; the theory inputs' summary).
"""

import _common

import io
import json
import math
import sys

import numpy as np

from adameps import digits, training
from adameps import theory_inputs as ti
from adameps.lr_fit import two_stage_search

log = _common.setup(snakemake)
p = snakemake.params
arm, model, cfg = snakemake.wildcards.problem, p.model, p.problem
optimizer = cfg["optimizer"]
has_eps = optimizer in ("adam", "softsign")
eps = 10.0 ** cfg["log10_eps"] if has_eps else None
B_values = [float(B) for B in cfg["B"]]
seeds = list(range(p.seeds))
# Seed s starts from initial point s mod n_init (n_init: the arm's key, default one point per seed), or
# from point 0 for every seed without train.vary_init.
n_init = int(cfg.get("n_init", len(seeds))) if p.vary_init else 1
init_seeds = [s % n_init for s in seeds]
common = dict(optimizer=optimizer, eps=eps if has_eps else 0.0, beta1=p.beta1, beta2=p.beta2,
              steps=cfg["steps"], seeds=seeds, init_seeds=init_seeds)
points = sorted(set(init_seeds))  # distinct initial points: the theory is evaluated once at each

if model == "nqm":
    inputs = {s: ti.nqm_inputs(cfg["n"], init_seed=s) for s in points}
    train = lambda lrs, B: training.train_nqm(lrs, n=cfg["n"], B=B, **common).final_loss  # noqa: E731
else:
    data = digits.load_digits_data()
    extra = {"hidden": cfg["hidden"]} if model == "mlp" else {"init_scale": cfg.get("init_scale", 0.0)}
    inputs = {s: ti.arm_inputs(data, model, s, l2=cfg["l2"], **extra) for s in points}
    train = lambda lrs, B: training.train_digits(  # noqa: E731
        lrs, model=model, B=int(B), data=data, l2=cfg["l2"], **extra, **common).final_loss
for s in points:
    log.info("%s: theory inputs at init seed %d: %s", arm, s, inputs[s].info)

# Per seed (its initial point) the terms N, D of every theory; the prediction pools them.
per_point = {s: ti.predict_terms(inputs[s], optimizer, eps, B_values) for s in points}
terms = {name: (np.array([per_point[s][name][0] for s in init_seeds]),
                np.array([per_point[s][name][1] for s in init_seeds])) for name in per_point[points[0]]}
theory = {name: ti.pool_terms(N, D) for name, (N, D) in terms.items()}
label = f"{arm} eps={eps:.0e}" if has_eps else arm
# Progress and an estimate of the time left: in the job's log, and on the terminal (stderr).
progress = training.ProgressLogger(f"train_sweep {label}", every_s=5.0, sink=log.info, stream=sys.stderr,
                                   unit=" batch sizes")
progress(0, len(B_values))
rows, csv = [], io.StringIO()
csv.write("problem,model,optimizer,eps,beta1,beta2,steps,B,lr,seed,init_seed,final_loss\n")
eps_txt = repr(eps) if has_eps else "nan"
for i, B in enumerate(B_values):
    fit, lrs, losses = two_stage_search(lambda lrs: train(lrs, B), centre=float(theory["exact"][i]),
                                        seed=i, **p.lr_search)
    for lr, row in zip(lrs, losses):
        for seed, init, loss in zip(seeds, init_seeds, row):
            csv.write(f"{arm},{model},{optimizer},{eps_txt},{p.beta1!r},{p.beta2!r},{cfg['steps']},"
                      f"{B!r},{float(lr)!r},{seed},{init},{float(loss)!r}\n")
    rows.append({"B": B, "eta": fit.eta, "log_eta_se": fit.log_eta_se if np.isfinite(fit.log_eta_se) else None,
                 "flag": fit.flag, "n_lr": len(lrs), "lrs": [float(x) for x in lrs],
                 "losses": [[float(x) if np.isfinite(x) else None for x in row] for row in losses],
                 **{f"theory_{k}": float(v[i]) for k, v in theory.items()}})
    progress(i + 1, len(B_values))
    log.info("B=%g: eta*=%.4g (%s), theory %.4g", B, fit.eta, fit.flag, theory["exact"][i])

info = {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in inputs[points[0]].info.items()}
csv_bytes = csv.getvalue().encode()
_common.write_bytes(snakemake.output.csv, csv_bytes)
# The CSV's row count and sha256, for its readers to check it against (_common.read_csv).
doc = {"problem": arm, "model": model, "optimizer": optimizer, "eps": eps, "steps": cfg["steps"],
       "csv": _common.csv_record(csv_bytes),
       "inputs": info, "params": {k: v for k, v in snakemake.params.items()}, "rows": rows,
       "seeds": seeds, "init_seeds": init_seeds,
       "terms": {name: {"N": N.tolist(), "D": D.tolist()} for name, (N, D) in terms.items()}}
_common.write_bytes(snakemake.output.json, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())
