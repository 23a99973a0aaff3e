# %% [markdown]
# # The optimal learning rate eta*(B) and the surge
#
# `adameps.optimal_lr.eta_star(g, H, sigma, eps, B)` is the exact one-step optimum for a quadratic
# loss with Gaussian gradient noise, using the exact moments. Here we build the three problem
# families of the paper, compare the exact optimum with the post's mean field, check the surge
# condition u^T H u > 2 tr H, and watch eta*/eps converge to SGD's optimum as eps grows.

# %%
import matplotlib.pyplot as plt
import numpy as np

from adameps import optimal_lr as ol
from adameps import plotting, problems

plotting.use_style()
B = np.logspace(-3, 5, 41)
eps = np.logspace(-4, 3, 15)
family = {name: getattr(problems, name)(n=300, seed=0) for name in ("nqm", "dense_powerlaw", "low_rank_dominated")}

# %% [markdown]
# ## eta*(B) at a few eps: exact (solid) vs mean field (dashed)

# %%
fig, axes = plt.subplots(1, 3, figsize=plotting.figsize(1.0, 0.34), layout="constrained")
for ax, (name, prob) in zip(axes, family.items()):
    exact = np.array([ol.eta_star(prob.g, prob.H, prob.sigma, e, B) for e in eps])
    mf = np.array([ol.eta_star_mean_field(prob.g, prob.H, prob.sigma, e, B) for e in eps])
    sign = ol.eta_star(prob.g, prob.H, prob.sigma, 0.0, B, kind="sign")
    plotting.plot_eta_curves(ax, B, eps, exact, mf, sign, [0, 4, 8, 14], name.replace("_", " "))

# %% [markdown]
# ## The surge condition: post's P > T vs the exact mean-field P > 2T, and the exact peak

# %%
for name, prob in family.items():
    for e in (1e-4, 1e-1, 1.0, 10.0):
        post = ol.post_surge_condition(prob.g, prob.H, prob.sigma, e)
        mf = ol.surge_condition_exact_mean_field(prob.g, prob.H, prob.sigma, e)
        peak = ol.surge_peak(prob.g, prob.H, prob.sigma, e)
        print(f"{name:20s} eps={e:7.0e}  P>T: {post!s:5}  P>2T: {mf!s:5}  exact peak: {peak}")

# %% [markdown]
# ## eps -> infinity: eta*/eps approaches SGD's optimum with the true noise

# %%
prob = family["dense_powerlaw"]
sgd = ol.eta_star_sgd(prob.g, prob.H, prob.sigma, B)
for e in (1.0, 10.0, 100.0, 1e3, 1e4):
    gap = np.max(np.abs(ol.eta_star(prob.g, prob.H, prob.sigma, e, B) / e / sgd - 1))
    print(f"eps = {e:7.0e}: max_B |eta*/eps / eta_sgd - 1| = {gap:.2e}")
