# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Measuring Adam's optimal learning rate by training, against the one-step theory
#
# `adameps.training.train_nqm` trains the noisy quadratic model for a whole grid of learning rates
# and seeds in one array operation; `adameps.lr_fit.fit_optimal_lr` finds the minimum of the
# seed-averaged final loss (refined by a parabola in log eta, bootstrap error bar); and
# `adameps.theory_inputs.predict` gives the one-step theory's eta*(B) for the same problem. The
# problem is the pipeline's NQM arm (`train.problems.nqm` of config/config.yaml: dimension, batch
# sizes, seeds, steps), with a simpler learning-rate search (seconds); the pipeline's rules
# `train_sweep` / `train_summary` do the full sweeps, and their results are shown where built.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import yaml

from adameps import plotting
from adameps import theory_inputs as ti
from adameps import training as T
from adameps.lr_fit import fit_optimal_lr

# The pipeline's configuration (and, below, its results where a build has made them), not copies.
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "config/config.yaml").is_file())
config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
arm = config["train"]["problems"]["nqm"]
n, seeds, B = arm["n"], np.arange(config["train"]["seeds"]), np.array(arm["B"], dtype=float)
print(f"NQM arm: n = {n}, {seeds.size} seeds, B = {B}, {arm['steps']} steps")

plotting.use_style()
inputs = ti.nqm_inputs(n)

# %% [markdown]
# ## One step: Adam's first step is g/(|g| + eps), and the theory of that map is exact
#
# With bias correction, m_hat = g and sqrt(v_hat) = |g| at step 1, whatever beta1 and beta2 are.
# So after one step the measured optimum should match `eta_star(kind="adam")`; softsign's optimum
# differs once eps is comparable to the gradient.

# %%
eps = 0.3
pred = ti.predict(inputs, "adam", eps, B)
for steps in (1, 10):
    meas = []
    for j, b in enumerate(B):
        lrs = pred["adam"][j] * np.geomspace(0.05, 20.0, 31)
        r = T.train_nqm(lrs, n=n, B=b, eps=eps, steps=steps, seeds=seeds)
        meas.append(fit_optimal_lr(lrs, r.final_loss, n_boot=50).eta)
    print(f"{steps:3d} steps: measured / adam-map theory =", np.round(np.array(meas) / pred["adam"], 3),
          " measured / softsign theory =", np.round(np.array(meas) / pred["exact"], 3))

# %% [markdown]
# ## Loss against learning rate after the arm's steps at its smallest eps (sign-like): the minimum is real

# %%
eps, steps = 10.0 ** arm["log10_eps"][0], arm["steps"]
pred = ti.predict(inputs, "adam", eps, B)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=plotting.figsize(1.0, 0.4), layout="constrained")
meas, se, ok = [], [], []
for j, b in enumerate(B):
    lrs = pred["exact"][j] * np.geomspace(1e-3, 10.0, 41)
    r = T.train_nqm(lrs, n=n, B=b, eps=eps, steps=steps, seeds=seeds)
    fit = fit_optimal_lr(lrs, r.final_loss, n_boot=50)
    meas.append(fit.eta)
    se.append(fit.log_eta_se)
    ok.append(fit.flag == "ok")
    keep = np.all(np.isfinite(r.final_loss), axis=1)
    ax1.plot(lrs[keep], r.final_loss[keep].mean(1), label=f"$B = {b:g}$")
    ax1.fill_between(lrs[keep], r.final_loss[keep].min(1), r.final_loss[keep].max(1), alpha=0.2)
    ax1.axvline(fit.eta, color="0.5", lw=0.5)
ax1.set_xscale("log")
ax1.set_yscale("log")
ax1.set_xlabel(r"learning rate $\eta$")
ax1.set_ylabel("final loss")
ax1.legend(fontsize=6)
plotting.plot_train_eta(ax2, B, [eps], [np.array(meas)], [np.array(se)], [pred["exact"]],
                        f"NQM, Adam, {steps} steps", ok=[np.array(ok)])
ax2.legend(fontsize=6)
print("Spearman(measured, predicted) over B:", round(ti.spearman(meas, pred["exact"]), 2))

# %% [markdown]
# ## The pipeline's measurement of the same arm and eps, where it has been built

# %%
def same_run(d):
    """The pipeline's result is of this configuration: arm, eps, steps, batch sizes and dimension."""
    n_built = d.get("params", {}).get("problem", {}).get("n", n)
    return (d["problem"] == "nqm" and d["eps"] == eps and d["steps"] == steps
            and [r["B"] for r in d["rows"]] == B.tolist() and n_built == n)


found = [json.loads(f.read_text()) for f in sorted((ROOT / "results/train").glob("nqm_eps*.json"))]
built = [d for d in found if same_run(d)]
if built:
    rows = built[0]["rows"]
    print("B:                    ", [r["B"] for r in rows])
    print("pipeline eta*:        ", np.round([r["eta"] for r in rows], 4))
    print("this notebook's eta*: ", np.round(meas, 4))
elif found:
    print("results/train/ holds another configuration's sweeps (e.g. config/test.yaml); rebuild with the default one")
else:
    print("no results/train/nqm_eps*.json yet (run the pipeline: snakemake --cores 4)")
