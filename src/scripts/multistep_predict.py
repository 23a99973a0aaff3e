"""Rule `multistep_predict`: the multi-step theory's eta*_T(B) for one NQM training sweep (one arm, one eps)
at the sweep's own step budget T, beside the one-step theory stored in the sweep.

Per B: the minimiser of the expected loss after T steps (adameps.multistep.eta_star_multistep; exact for
SGD and SignSGD, the Gaussian closure for SoftSignSGD, the v-hat model for Adam and Adam-atan2), the
travel-and-floor law (eta_travel_floor; none for SGD) and, for SoftSignSGD, the closure's expected loss
against the exact density evolution at the predicted optimum of the largest B, on the sweep's first
initial point (at the eps of config `multistep.check`).
Writes results/multistep/<arm>_eps<log10 eps>.json.
"""

import _common

import json
import math

import numpy as np

from adameps import multistep as ms
from adameps import training

log = _common.setup(snakemake)
P = snakemake.params
sweep = _common.read_json(snakemake.input.sweep)
cfg = sweep["params"]["problem"]
optimizer, eps, steps = sweep["optimizer"], sweep["eps"], int(sweep["steps"])
beta1, beta2 = float(sweep["params"]["beta1"]), float(sweep["params"]["beta2"])
n = int(cfg["n"])
# The measured optimum minimises the loss averaged over the sweep's seeds, each started at its own
# initial point; the expected loss is a sum over independent coordinates, so the average over the K
# points is the loss of the K copies stacked side by side (divided by K): one chain of K*n coordinates.
points = [int(s) for s in sweep["init_seeds"]]
K = len(points)
h = np.tile(training.nqm_spectrum(n), K)
sigma, theta0 = np.sqrt(h), np.concatenate([training.nqm_theta0(n, s) for s in points])
B = np.array([r["B"] for r in sweep["rows"]], float)
method = "gaussian" if optimizer == "softsign" else "exact"
kw = dict(beta1=beta1, beta2=beta2) if optimizer in ("adam", "atan2") else dict(method=method)
eta, loss = ms.eta_star_multistep(h, sigma, theta0, optimizer, B, steps, eps=eps, n_grid=P.search["n_grid"],
                                  xtol=P.search["xtol"], **kw)
loss = loss / K  # the mean over the initial points
log.info("%s eps=%s T=%d: eta*_T = %s", sweep["problem"], eps, steps, np.array2string(eta, precision=4))
law_kind = {"sign": "sign", "atan2": "sign", "softsign": "softsign", "adam": "adam"}.get(optimizer)
law = None
if law_kind is not None:
    law = ms.eta_travel_floor(h, sigma, theta0, B, steps, eps=eps if optimizer in ("adam", "softsign") else None,
                              kind=law_kind if eps else "sign")
    if optimizer == "atan2":
        law = law * 4.0 / math.pi  # its travelling step is atan(1) = pi/4 per unit of sign
check = None
checked = any(math.isclose(eps or 0.0, 10.0**x, rel_tol=1e-9) for x in P.check["log10_eps"])
if optimizer == "softsign" and checked and np.isfinite(eta[-1]):
    # On the first initial point alone: the density evolution costs minutes per point, and the
    # closure's error is a property of the chain, not of the average over points.
    one = slice(0, n)
    closure = float(ms.expected_loss(h[one], sigma[one], theta0[one], "softsign", eta[-1], B[-1], steps,
                                     eps=eps, method="gaussian")[()])
    exact = float(ms.expected_loss(h[one], sigma[one], theta0[one], "softsign", eta[-1], B[-1], steps, eps=eps,
                                   grid=P.check["grid"])[()])
    check = {"B": float(B[-1]), "lr": float(eta[-1]), "init_seed": points[0], "closure": closure,
             "density_evolution": exact, "rel_diff": abs(closure - exact) / exact}
    log.info("closure check at B=%g: %s", B[-1], check)
rows = [{"B": float(b), "eta_multistep": float(e) if np.isfinite(e) else None,
         "loss_multistep": float(lv) if np.isfinite(lv) else None,
         "eta_law": None if law is None else float(law[i])} for i, (b, e, lv) in enumerate(zip(B, eta, loss))]
doc = {"problem": sweep["problem"], "optimizer": optimizer, "eps": eps, "steps": steps, "init_seeds": points,
       "method": "v-hat model" if optimizer in ("adam", "atan2") else method, "closure_check": check,
       "params": {k: v for k, v in P.items()}, "rows": rows}
_common.write_bytes(snakemake.output[0], (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())
