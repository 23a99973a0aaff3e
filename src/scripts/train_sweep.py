"""Rule `train_sweep`: measure an optimiser's optimal learning rate eta*(B) at one eps on one problem
(an "arm" of config `train.problems`, or a step-budget arm), by real multi-step training, and the
one-step theory's predictions for the same (B, eps).

Writes results/train/<arm>_eps<log10 eps>.csv (tidy: one row per B, lr, seed with the final loss,
the config and the seed; eps is `nan` for SignSGD and SGD, which have none; their files end in
`_epsnone`) and results/train/<arm>_eps<log10 eps>.json
(per B: fit, flags, theory curves; the theory inputs' summary).
"""

import _common

import io
import json
import math

import numpy as np

from adameps import theory_inputs as ti
from adameps import digits, training
from adameps.lr_fit import two_stage_search

log = _common.setup(snakemake)
p = snakemake.params
arm, model, cfg = snakemake.wildcards.problem, p.model, p.problem
optimizer = cfg["optimizer"]
has_eps = optimizer in ("adam", "softsign")
eps = 10.0 ** cfg["log10_eps"] if has_eps else None
B_values = [float(B) for B in cfg["B"]]
seeds = list(range(p.seeds))
common = dict(optimizer=optimizer, eps=eps if has_eps else 0.0, beta1=p.beta1, beta2=p.beta2,
              steps=cfg["steps"], seeds=seeds)

if model == "nqm":
    inputs = ti.nqm_inputs(cfg["n"])
    train = lambda lrs, B: training.train_nqm(lrs, n=cfg["n"], B=B, **common).final_loss  # noqa: E731
else:
    data = digits.load_digits_data()
    extra = {"hidden": cfg["hidden"]} if model == "mlp" else {}
    inputs = ti.digits_inputs(data, model, l2=cfg["l2"], **extra)
    train = lambda lrs, B: training.train_digits(  # noqa: E731
        lrs, model=model, B=int(B), data=data, l2=cfg["l2"], **extra, **common).final_loss
log.info("%s: theory inputs %s", arm, inputs.info)

theory = ti.predict(inputs, optimizer, eps, B_values)
label = f"{arm} eps={eps:.0e}" if has_eps else arm
# Progress and an estimate of the time left: in the job's log, and on the terminal (stderr).
progress = training.ProgressLogger(f"train_sweep {label}", every_s=5.0, sink=log.info, stream=sys.stderr,
                                   unit=" batch sizes")
progress(0, len(B_values))
rows, csv = [], io.StringIO()
csv.write("problem,model,optimizer,eps,beta1,beta2,steps,B,lr,seed,final_loss\n")
eps_txt = repr(eps) if has_eps else "nan"
for i, B in enumerate(B_values):
    fit, lrs, losses = two_stage_search(lambda lrs: train(lrs, B), centre=float(theory["exact"][i]),
                                        seed=i, **p.lr_search)
    for lr, row in zip(lrs, losses):
        for seed, loss in zip(seeds, row):
            csv.write(f"{arm},{model},{optimizer},{eps_txt},{p.beta1!r},{p.beta2!r},{cfg['steps']},"
                      f"{B!r},{float(lr)!r},{seed},{float(loss)!r}\n")
    rows.append({"B": B, "eta": fit.eta, "log_eta_se": fit.log_eta_se if np.isfinite(fit.log_eta_se) else None,
                 "flag": fit.flag, "n_lr": len(lrs),
                 **{f"theory_{k}": float(v[i]) for k, v in theory.items()}})
    progress(i + 1, len(B_values))
    log.info("B=%g: eta*=%.4g (%s), theory %.4g", B, fit.eta, fit.flag, theory["exact"][i])

info = {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in inputs.info.items()}
csv_bytes = csv.getvalue().encode()
_common.write_bytes(snakemake.output.csv, csv_bytes)
# The CSV's row count and sha256, for its readers to check it against (_common.read_csv).
doc = {"problem": arm, "model": model, "optimizer": optimizer, "eps": eps, "steps": cfg["steps"],
       "csv": _common.csv_record(csv_bytes),
       "inputs": info, "params": {k: v for k, v in snakemake.params.items()}, "rows": rows}
_common.write_bytes(snakemake.output.json, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())
