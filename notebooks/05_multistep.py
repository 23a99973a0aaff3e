# %% [markdown]
# # Many steps: the tuned learning rate of a T-step run on the noisy quadratic model
#
# `adameps.multistep.expected_loss` computes E[L(theta_T)] after T steps exactly on a diagonal
# quadratic with Gaussian gradient noise: every coordinate is an independent Markov chain (SGD: a
# linear moment recursion; SignSGD: a lattice chain; SoftSignSGD and the adam map: density
# evolution; Adam: the v-hat model). `eta_star_multistep` minimises it over the learning rate, and
# `eta_travel_floor` is the travel-and-floor law of Section "Many steps". A small problem here
# (seconds); the pipeline's rules in `rules/multistep.smk` do the full one.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import yaml

from adameps import multistep as ms
from adameps import optimal_lr as ol
from adameps import plotting
from adameps import theory_inputs as ti
from adameps import training as T

# The pipeline's configuration (for the digits part below), not a copy.
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "config/config.yaml").is_file())
config = yaml.safe_load((ROOT / "config/config.yaml").read_text())

plotting.use_style()
n = 100
h = T.nqm_spectrum(n)
sigma, theta0 = np.sqrt(h), T.nqm_theta0(n)
B = np.geomspace(1.0, 1024.0, 6)

# %% [markdown]
# ## The chain against Monte Carlo of the real trainer
#
# SignSGD after 20 steps: the exact lattice chain against 1000 seeds of `train_nqm`.

# %%
lrs = np.array([0.01, 0.05])
r = T.train_nqm(lrs, n=n, B=16.0, optimizer="sign", steps=20, seeds=range(1000))
mc, se = r.final_loss.mean(1), r.final_loss.std(1, ddof=1) / np.sqrt(1000)
exact = ms.expected_loss(h, sigma, theta0, "sign", lrs, 16.0, 20)
print("Monte Carlo:", np.round(mc, 5), "+-", np.round(se, 5))
print("exact chain:", np.round(exact, 5))

# %% [markdown]
# ## eta*_T(B) of SignSGD for several step budgets, with the one-step optimum and the law
#
# After one step eta* rises with B (the one-step theory, exactly); after many steps it falls: the
# step is travel-limited, eta ~ distance / (T E[u]), and E[u] = erf(a / sqrt 2) rises with B.

# %%
fig, ax = plt.subplots(figsize=plotting.figsize(0.7, 0.6), layout="constrained")
for T_, c in zip((1, 10, 30), ("C0", "C1", "C2")):
    eta, _ = ms.eta_star_multistep(h, sigma, theta0, "sign", B, T_)
    ax.plot(B, eta, "-o", ms=3, color=c, label=f"exact chain, T = {T_}")
    ax.plot(B, ms.eta_travel_floor(h, sigma, theta0, B, T_), "--", color=c, lw=0.8)
ax.plot(B, ol.eta_star(h * theta0, np.diag(h), sigma, 0.0, B, kind="sign"), ":k", label="one-step theory")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("batch size B")
ax.set_ylabel("eta*_T (dashed: travel-and-floor law)")
ax.legend(fontsize=6)

# %% [markdown]
# ## The handover batch size
#
# The one-step optimum survives while T steps of it do not overshoot: T beta^2(B) < 1, with beta^2 the
# signal fraction of the update. The handover B_x falls like 1/T.

# %%
for T_ in (3, 10, 30, 100):
    print(f"T = {T_:4d}: B_x = {ms.handover_batch(h, sigma, theta0, T_):.3g}")

# %% [markdown]
# ## Digits: the theory on the diagonal of the measured statistics
#
# A network has no exact chain: its loss is not a diagonal quadratic and its gradient noise is not
# diagonal. Keeping only the diagonal of the measured Hessian, `diagonal_model_from_stats` turns the
# training section's statistics at an initial point (full-batch gradient g, per-example standard
# deviation sigma, diag H) into the diagonal quadratic model the chains need: h = diag H (curvatures
# at or below 1e-6 of the largest floored there: linear descent, no invented braking) and
# theta0 = g / h, so that the model's gradient at theta0 is g. After one step the model is the
# one-step theory with H replaced by diag(H); the pipeline's `multistep_predict_digits` rule runs it
# over every initial point of the sweeps. Here: the softmax arm of `config/config.yaml` at its first
# initial point, at its smallest and largest eps.

# %%
from adameps import digits

sm = config["train"]["problems"]["softmax"]
Bd = np.array(sm["B"], dtype=float)
inp = ti.arm_inputs(digits.load_digits_data(), "softmax", 0, l2=sm["l2"], init_scale=sm.get("init_scale", 0.0))
dm = ms.diagonal_model_from_stats(inp.g, inp.sigma, np.diag(inp.H))
print(f"softmax: {dm.h.size} live coordinates, {int(dm.h_floored.sum())} curvatures floored, T = {sm['steps']}")
for eps_d in (10.0 ** min(sm["log10_eps"]), 10.0 ** max(sm["log10_eps"])):
    full_one = ti.predict(inp, "adam", eps_d, Bd)["exact"]  # the training section's one-step theory (full H)
    diag_one = ol.eta_star(inp.g, dm.h, dm.sigma, eps_d, Bd, kind="adam")  # T = 1 on the diagonal model
    multi, _ = ms.eta_star_multistep(dm.h, dm.sigma, dm.theta0, "adam", Bd, sm["steps"], eps=eps_d,
                                     beta1=config["train"]["beta1"], beta2=config["train"]["beta2"])
    print(f"eps = {eps_d:.0e}")
    print("  one-step theory, full H:   ", np.round(full_one, 4))
    print("  one-step theory, diag H:   ", np.round(diag_one, 4))
    print(f"  diagonal model, T = {sm['steps']:3d}:   ", np.round(multi, 4))
    print("  hybrid (full H x T-factor):", np.round(full_one * multi / diag_one, 4))

# %% [markdown]
# Dropping the off-diagonal Hessian alone raises the one-step optimum several-fold at large B (the
# pixels are correlated, so the curvature along Adam's step is larger than its diagonal says), and
# the many-step factor eta*_T / eta*_1 of the diagonal model falls below one. The pipeline holds both
# against the measured optima (Section "Many steps"); where it has been built, its numbers:

# %%
ms_json = ROOT / "results/multistep.json"
if ms_json.is_file():
    vals = json.loads(ms_json.read_text())["values"]
    for k in sorted(vals):
        if k.startswith(("softmax_", "mlp_", "all_")) and k.endswith(("within_two", "median_abs_log", "trend_right",
                                                                      "n_settings")):
            print(k, vals[k]["value"] if isinstance(vals[k], dict) else vals[k])
else:
    print("no results/multistep.json yet (run the pipeline: snakemake --cores 4)")
