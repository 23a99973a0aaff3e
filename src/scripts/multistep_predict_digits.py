"""Rule `multistep_predict_digits`: the multi-step theory's eta*_T(B) for one digits training sweep (one arm,
one eps) at the sweep's step budget T, from the diagonal of the measured statistics.

No exact chain exists for a network: the loss is not a diagonal quadratic and the noise is not diagonal.
Keeping only the diagonal of the measured Hessian, each initial point's statistics (g, sigma, diag H of
results/multistep/<arm>_stats.npz) become a diagonal quadratic model (adameps.multistep.
diagonal_model_from_stats: theta0 = g/h, curvatures <= 1e-6 of the largest floored); the sweep's seeds
average the final loss over their initial points, so the points' models are joined into one (each point
weighted by its number of seeds) and Adam's v-hat model (adameps.multistep.eta_star_multistep) gives
eta*_T. Per B the JSON also stores
- eta_diag_one: the one-step theory on the diagonal model (T = 1: what dropping the off-diagonal Hessian
  alone does to the one-step theory of the sweep), pooled over the points;
- eta_hybrid: the sweep's one-step theory (full H) times the diagonal model's step-budget factor
  eta*_T / eta*_1, which keeps the full-H one-step optimum and takes only the change with T from the model.
Writes results/multistep/<arm>_eps<log10 eps>.json (rows as rule multistep_predict's).
"""

import _common

import json
import math
from functools import reduce

import numpy as np

from adameps import multistep as ms
from adameps import optimal_lr as ol

log = _common.setup(snakemake)
P = snakemake.params
sweep = _common.read_json(snakemake.input.sweep)
st = _common.read_npz(snakemake.input.stats, keys=("g", "sigma", "h_diag", "point", "init_points", "n_seeds"))
optimizer, eps, steps = sweep["optimizer"], sweep["eps"], int(sweep["steps"])
if optimizer != "adam":
    raise ValueError(f"{sweep['problem']}: the digits multi-step prediction is for Adam, got optimizer = {optimizer!r}")
beta1, beta2 = float(sweep["params"]["beta1"]), float(sweep["params"]["beta2"])
B = np.array([r["B"] for r in sweep["rows"]], float)
weight = st["n_seeds"] // reduce(math.gcd, st["n_seeds"].tolist())  # a point's seeds: its copies in the joint model
models, N, D, floored = [], 0.0, 0.0, 0
for i, w in enumerate(weight):
    sel = st["point"] == i
    m = ms.diagonal_model_from_stats(st["g"][sel], st["sigma"][sel], st["h_diag"][sel])
    models += [m] * int(w)
    floored += int(m.h_floored.sum())
    n1, d1 = ol.eta_star_terms(m.h * m.theta0, m.h, m.sigma, eps, B, kind="adam")
    N, D = N + w * n1, D + w * d1
h, sigma, theta0 = (np.concatenate([getattr(m, k) for m in models]) for k in ("h", "sigma", "theta0"))
log.info("%s eps=%g T=%d: %d coordinates over %d points, %d curvatures floored", sweep["problem"], eps, steps,
         h.size, weight.size, floored)
eta, loss = ms.eta_star_multistep(h, sigma, theta0, "adam", B, steps, eps=eps, beta1=beta1, beta2=beta2,
                                  n_grid=P.search["n_grid"], xtol=P.search["xtol"])
diag_one = N / D  # T = 1 on the diagonal model: the one-step theory with H -> diag(H) (tested identity)
one = np.array([r.get("theory_adam", r["theory_exact"]) for r in sweep["rows"]])
hybrid = one * eta / diag_one
log.info("eta*_T = %s, diagonal one-step %s, hybrid %s", np.array2string(eta, precision=4),
         np.array2string(diag_one, precision=4), np.array2string(hybrid, precision=4))


def num(x):
    return float(x) if np.isfinite(x) else None


rows = [{"B": float(b), "eta_multistep": num(eta[i]), "loss_multistep": num(loss[i]), "eta_law": None,
         "eta_diag_one": num(diag_one[i]), "eta_hybrid": num(hybrid[i])} for i, b in enumerate(B)]
doc = {"problem": sweep["problem"], "optimizer": optimizer, "eps": eps, "steps": steps,
       "method": "v-hat model on the diagonal of the measured statistics", "closure_check": None,
       "n_coordinates": int(h.size), "n_points": int(weight.size), "n_floored": floored,
       "params": {k: v for k, v in P.items()}, "rows": rows}
_common.write_bytes(snakemake.output[0], (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())
