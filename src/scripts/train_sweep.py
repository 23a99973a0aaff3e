"""Rule `train_sweep`: measure Adam's optimal learning rate eta*(B) at one eps on one problem,
by real multi-step training, and the one-step theory's predictions for the same (B, eps).

Writes results/train/<problem>_eps<k>.csv (tidy: one row per B, lr, seed with the final loss,
the config and the seed) and results/train/<problem>_eps<k>.json (per B: fit, flags, theory).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: E402

import io  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402

from adameps import optimal_lr as ol  # noqa: E402
from adameps import theory_inputs as ti  # noqa: E402
from adameps import training  # noqa: E402
from adameps.lr_fit import two_stage_search  # noqa: E402

log = _common.setup(snakemake)  # noqa: F821
p = snakemake.params  # noqa: F821
problem, cfg = snakemake.wildcards.problem, p.problem  # noqa: F821
eps = 10.0 ** cfg["log10_eps"][int(snakemake.wildcards.k)]  # noqa: F821
B_values = [float(B) for B in cfg["B"]]
seeds = list(range(p.seeds))
common = dict(optimizer=cfg["optimizer"], eps=eps, beta1=p.beta1, beta2=p.beta2, steps=cfg["steps"], seeds=seeds)

if problem == "nqm":
    inputs = ti.nqm_inputs(cfg["n"])
    train = lambda lrs, B: training.train_nqm(lrs, n=cfg["n"], B=B, **common).final_loss  # noqa: E731
else:
    data = training.load_digits_data()
    inputs = ti.digits_inputs(data, problem, l2=cfg["l2"])
    train = lambda lrs, B: training.train_digits(  # noqa: E731
        lrs, model=problem, B=int(B), data=data, l2=cfg["l2"], **common).final_loss

theory = {
    "softsign": ol.eta_star(inputs.g, inputs.H, inputs.sigma, eps, B_values),
    "adam": ol.eta_star(inputs.g, inputs.H, inputs.sigma, eps, B_values, kind="adam"),
    "mean_field": ol.eta_star_mean_field(inputs.g, inputs.H, inputs.sigma, eps, B_values),
}
progress = training.ProgressLogger(f"{problem} eps={eps:.0e}", every_s=5.0, sink=log.info)
rows, csv = [], io.StringIO()
csv.write("problem,optimizer,eps,beta1,beta2,steps,B,lr,seed,final_loss\n")
for i, B in enumerate(B_values):
    fit, lrs, losses = two_stage_search(lambda lrs: train(lrs, B), centre=float(theory["softsign"][i]),
                                        seed=i, **p.lr_search)
    for lr, row in zip(lrs, losses):
        for seed, loss in zip(seeds, row):
            csv.write(f"{problem},{cfg['optimizer']},{eps!r},{p.beta1!r},{p.beta2!r},{cfg['steps']},"
                      f"{B!r},{float(lr)!r},{seed},{float(loss)!r}\n")
    rows.append({"B": B, "eta": fit.eta, "log_eta_se": fit.log_eta_se if np.isfinite(fit.log_eta_se) else None,
                 "flag": fit.flag, "n_lr": len(lrs),
                 **{f"theory_{k}": float(v[i]) for k, v in theory.items()}})
    progress(i + 1, len(B_values))
    log.info("B=%g: eta*=%.4g (%s), theory softsign %.4g", B, fit.eta, fit.flag, theory["softsign"][i])

_common.write_bytes(snakemake.output.csv, csv.getvalue().encode())  # noqa: F821
doc = {"problem": problem, "eps": eps, "params": {k: v for k, v in snakemake.params.items()}, "rows": rows}  # noqa: F821
_common.write_bytes(snakemake.output.json, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())  # noqa: F821
