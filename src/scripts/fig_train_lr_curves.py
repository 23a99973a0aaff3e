"""Rule `fig_train_lr_curves`: the final loss against the learning rate for one sweep (config
`train.lr_curves`), seed mean and range per batch size, with the fitted minimum marked."""


import _common

import matplotlib.pyplot as plt
import numpy as np

from adameps import plotting

_common.setup(snakemake)
plotting.use_style()
inp, out = snakemake.input, snakemake.output
doc = _common.read_json(inp.json, keys=("rows", "csv", "eps", "model", "optimizer", "steps"))
rows = _common.read_csv(inp.csv, doc["csv"], recorded_in=inp.json)
Bs = sorted({float(r["B"]) for r in rows})
if Bs != sorted(float(fit["B"]) for fit in doc["rows"]):
    raise _common.CorruptInput(inp.csv, f"has batch sizes {Bs}; {inp.json} has {[fit['B'] for fit in doc['rows']]}")
lrs, mean, lo, hi, eta, f_eta = {}, {}, {}, {}, {}, {}
for B, fit in zip(Bs, sorted(doc["rows"], key=lambda fit: float(fit["B"])), strict=True):
    sel = [r for r in rows if float(r["B"]) == B]
    grid = np.array(sorted({float(r["lr"]) for r in sel}))
    L = np.full((grid.size, max(int(r["seed"]) for r in sel) + 1), np.nan)
    for r in sel:
        L[np.searchsorted(grid, float(r["lr"])), int(r["seed"])] = float(r["final_loss"])
    keep = np.all(np.isfinite(L), axis=1)  # a diverged seed makes the seed mean infinite: not drawn
    lrs[B], mean[B], lo[B], hi[B] = grid[keep], L[keep].mean(1), L[keep].min(1), L[keep].max(1)
    eta[B] = fit["eta"]
    f_eta[B] = float(np.exp(np.interp(np.log(fit["eta"]), np.log(lrs[B]), np.log(mean[B]))))
fig, ax = plt.subplots(figsize=plotting.figsize(0.6, 0.75), layout="constrained")
plotting.plot_lr_curves(ax, lrs, mean, lo, hi, eta, f_eta)
eps = doc["eps"]
MODEL = {"nqm": "NQM", "softmax": "digits, softmax", "mlp": "digits, MLP"}
OPT = {"adam": "Adam", "softsign": "SoftSignSGD", "sign": "SignSGD", "sgd": "SGD", "atan2": "Adam-atan2"}
ax.set_title(f"{MODEL[doc['model']]}, {OPT[doc['optimizer']]}, {doc['steps']} steps"
             + (rf", $\epsilon = 10^{{{np.log10(eps):.0f}}}$" if eps else ""))
ax.legend(fontsize=6, ncol=2)
_common.save_figure(fig, out.pdf, out.png)
