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
import matplotlib.pyplot as plt
import numpy as np

from adameps import multistep as ms
from adameps import optimal_lr as ol
from adameps import plotting
from adameps import training as T

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
