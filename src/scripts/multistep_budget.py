"""Rule `multistep_budget`: how Adam's tuned learning rate eta*_T(B) moves with the step budget T.

For the NQM arm named by config `multistep.budget.problem` (its dimension and batch-size range), at each eps
of `multistep.budget.log10_eps` and each T of `multistep.budget.steps`: the minimiser of Adam's expected
loss after T steps (the v-hat model, adameps.multistep; at T = 1 the exact one-step optimum of Adam's first
step x/(|x|+eps), which the bias correction makes exact) and the travel-and-floor law of the adam map; the handover batch size of the sign regimes law per T.
Writes results/multistep_budget.npz.
"""

import _common

import numpy as np

from adameps import multistep as ms
from adameps import optimal_lr as ol
from adameps import training

log = _common.setup(snakemake)
P = snakemake.params
cfg, bud = P.problem, P.budget
n = int(cfg["n"])
h = training.nqm_spectrum(n)
sigma, theta0 = np.sqrt(h), training.nqm_theta0(n)
B = np.geomspace(min(cfg["B"]), max(cfg["B"]), int(bud["n_B"]))
eps_values = [10.0 ** x for x in bud["log10_eps"]]
steps = [int(s) for s in bud["steps"]]
eta = np.full((len(eps_values), len(steps), B.size), np.nan)
law = np.full_like(eta, np.nan)
for i, eps in enumerate(eps_values):
    for j, T in enumerate(steps):
        if T == 1:
            eta[i, j] = ol.eta_star(h * theta0, np.diag(h), sigma, eps, B, kind="adam")
        else:
            eta[i, j] = ms.eta_star_multistep(h, sigma, theta0, "adam", B, T, eps=eps, beta1=P.beta1, beta2=P.beta2,
                                              n_grid=P.search["n_grid"], xtol=P.search["xtol"])[0]
        law[i, j] = ms.eta_travel_floor(h, sigma, theta0, B, T, eps=eps, kind="adam")
        log.info("eps=%g T=%d: eta*_T = %s", eps, T, np.array2string(eta[i, j], precision=4))
handover = np.array([ms.handover_batch(h, sigma, theta0, T) for T in steps])
log.info("handover batch sizes (sign): %s", handover)
_common.write_npz(snakemake.output.npz, B=B, eps=np.array(eps_values), steps=np.array(steps), eta=eta, law=law,
                  handover=handover)
