"""Rule `lm_sweep`: the tuned learning rate eta*(B) of whole language-model runs at one eps.

For each batch size (increasing), the learning-rate grid is grown until the seed-mean minimum of
the final validation loss is bracketed and then refined (adameps.lr_fit.bracket_and_refine); each
learning rate is trained with `replicates` (data seed, init seed) pairs in one stacked pass. The
first grid is centred on this eps's entry of config lm.sweep.lr_centre; each next batch size starts from the previous
optimum times sqrt(B ratio). Writes results/lm/sweep_eps<log10 eps>.json, or
results/lm/sweep_eps<log10 eps>_tokens<n>.json (the same sweep at token budget n and
lm.budget.B); per B: fit, grid, losses; CPU times go to the log.
"""


import _common
import _lm

import json
import math

import numpy as np

from adameps import lm
from adameps.lr_fit import bracket_and_refine

L = _lm.load(snakemake)
log, c, cfg, train_tok, val_tok, inits, datas, n_rep = L.log, L.c, L.cfg, L.train, L.val, L.inits, L.datas, L.R
sw = snakemake.params.sweep
eps = 10.0 ** sw["log10_eps"]
cpu0 = _lm.cpu_seconds()
rows = []
centre = float(sw["lr_centre"])
prev_B = None
for i, B in enumerate(sorted(sw["B"])):
    if prev_B is not None:
        centre = rows[-1]["eta"] * math.sqrt(B / prev_B)
    cpu_B = _lm.cpu_seconds()
    tokens_trained = [0]

    def train(lrs, B=B):
        lrs = np.asarray(lrs, dtype=float)
        out = lm.train_runs(cfg, train_tok, val_tok, lr=np.repeat(lrs, n_rep), eps=[eps] * (lrs.size * n_rep),
                            init_seed=inits * lrs.size, data_seed=datas * lrs.size, batch_size=B, **L.train_kw)
        tokens_trained[0] += out["steps"] * B * cfg.ctx * lrs.size * n_rep
        log.info("eps=%g B=%d lrs=%s -> mean val loss %s", eps, B, np.array2string(lrs, precision=3),
                 np.array2string(out["val_loss"].reshape(lrs.size, n_rep).mean(1), precision=4))
        return out["val_loss"].reshape(lrs.size, n_rep)

    fit, lrs, losses = bracket_and_refine(train, centre, n_initial=sw["n_initial"], ratio=sw["ratio"],
                                          max_extend=sw["max_extend"], refine_ratio=sw["refine_ratio"],
                                          n_boot=sw["n_boot"], seed=i)
    cpu = _lm.cpu_seconds() - cpu_B
    log.info("eps=%g B=%d: eta*=%.4g (%s, se %.3g) from %d lrs, %.1f cpu-s, %.3g tokens/cpu-s", eps, B, fit.eta,
             fit.flag, fit.log_eta_se, lrs.size, cpu, tokens_trained[0] / cpu)
    best = np.mean(losses[fit.index])
    rows.append({"B": B, "steps": lm.n_steps(c["token_budget"], B, cfg.ctx), "eta": fit.eta, "log_eta": fit.log_eta,
                 "log_eta_se": fit.log_eta_se if math.isfinite(fit.log_eta_se) else None,
                 "flag": fit.flag, "bracketed": fit.bracketed, "boot_bracketed_frac": fit.boot_bracketed_frac,
                 "lrs": lrs.tolist(), "losses": [[x if math.isfinite(x) else None for x in r] for r in losses.tolist()],
                 "best_loss": float(best), "tokens": tokens_trained[0]})
    prev_B = B
doc = {"eps": eps, "log10_eps": sw["log10_eps"], "n_params": cfg.n_params(), "replicates": n_rep,
       "token_budget": c["token_budget"],
       "rows": rows}
log.info("eps=%g: %.1f cpu-s in all", eps, _lm.cpu_seconds() - cpu0)
_common.write_bytes(snakemake.output.json, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())
