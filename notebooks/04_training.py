# %% [markdown]
# # Measuring Adam's optimal learning rate by training, against the one-step theory
#
# `adameps.training.train_nqm` trains the noisy quadratic model for a whole grid of learning rates
# and seeds in one array operation; `adameps.lr_fit.fit_optimal_lr` finds the minimum of the
# seed-averaged final loss (refined by a parabola in log eta, bootstrap error bar); and
# `adameps.theory_inputs.predict` gives the one-step theory's eta*(B) for the same problem. A small
# problem here (seconds); the pipeline's rules `train_sweep` / `train_summary` do the full sweeps.

# %%
import matplotlib.pyplot as plt
import numpy as np

from adameps import plotting
from adameps import theory_inputs as ti
from adameps import training as T
from adameps.lr_fit import fit_optimal_lr

plotting.use_style()
n, seeds = 100, np.arange(8)
B = np.array([1.0, 8.0, 64.0, 512.0])
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
        lrs = pred["exact"][j] * np.geomspace(0.05, 20.0, 31)
        r = T.train_nqm(lrs, n=n, B=b, eps=eps, steps=steps, seeds=seeds)
        meas.append(fit_optimal_lr(lrs, r.final_loss, n_boot=50).eta)
    print(f"{steps:3d} steps: measured / adam-map theory =", np.round(np.array(meas) / pred["exact"], 3),
          " measured / softsign theory =", np.round(np.array(meas) / pred["softsign"], 3))

# %% [markdown]
# ## Loss against learning rate after 50 steps at a tiny eps (sign-like): the minimum is real

# %%
eps, steps = 1e-8, 50
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
