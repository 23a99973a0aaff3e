# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The optimal learning rate eta*(B) and the surge
#
# `adameps.optimal_lr.eta_star(g, H, sigma, eps, B)` is the exact one-step optimum for a quadratic
# loss with Gaussian gradient noise, using the exact moments. Here we build the three problem
# families of the paper, compare the exact optimum with the post's mean field, check the surge
# condition u^T H u > 2 tr H, and watch eta*/eps converge to SGD's optimum as eps grows.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import yaml

from adameps import optimal_lr as ol
from adameps import plotting, problems

# The pipeline's configuration (and, below, its results where a build has made them), not copies.
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "config/config.yaml").is_file())
cfg = yaml.safe_load((ROOT / "config/config.yaml").read_text())["eta"]

plotting.use_style()
B = np.logspace(cfg["B"]["log10_min"], cfg["B"]["log10_max"], cfg["B"]["n"])
eps = np.logspace(cfg["eps"]["log10_min"], cfg["eps"]["log10_max"], cfg["eps"]["n"])
family = {name: getattr(problems, name)(**kw) for name, kw in cfg["families"].items()}

# %% [markdown]
# ## eta*(B) at a few eps: exact (solid) vs mean field (dashed)

# %%
fig, axes = plt.subplots(1, 3, figsize=plotting.figsize(1.0, 0.34), layout="constrained")
for ax, (name, prob) in zip(axes, family.items()):
    exact = np.array([ol.eta_star(prob.g, prob.H, prob.sigma, e, B) for e in eps])
    mf = np.array([ol.eta_star_mean_field(prob.g, prob.H, prob.sigma, e, B) for e in eps])
    sign = ol.eta_star(prob.g, prob.H, prob.sigma, 0.0, B, kind="sign")
    which = np.unique(np.linspace(0, eps.size - 1, 4).round().astype(int))  # as fig_eta.py
    plotting.plot_eta_curves(ax, B, eps, exact, mf, sign, which, problems.family_label(name),
                             b_noise=ol.b_noise(prob.g, prob.H, prob.sigma))

# %% [markdown]
# ## The surge condition: post's P > T vs the exact mean-field P > 2T, and the exact peak

# %%
for name, prob in family.items():
    for e in cfg["table_eps"]:
        post = ol.post_surge_condition(prob.g, prob.H, prob.sigma, e)
        mf = ol.surge_condition_exact_mean_field(prob.g, prob.H, prob.sigma, e)
        peak = ol.surge_peak(prob.g, prob.H, prob.sigma, e)
        print(f"{name:20s} eps={e:7.0e}  P>T: {post!s:5}  P>2T: {mf!s:5}  exact peak: {peak}")

# %% [markdown]
# ## eps -> infinity: eta*/eps approaches SGD's optimum with the true noise

# %%
prob = family["dense_powerlaw"]
sgd = ol.eta_star_sgd(prob.g, prob.H, prob.sigma, B)
for e in (1.0, 10.0, 100.0, 1e3, 1e4, 1e5):
    gap = np.max(np.abs(ol.eta_star(prob.g, prob.H, prob.sigma, e, B) / e / sgd - 1))
    print(f"eps = {e:7.0e}: max_B |eta*/eps / eta_sgd - 1| = {gap:.2e}")

# %% [markdown]
# ## Which kappa^2? Error of the 2024 mean field for each named average and the best fit
#
# max and median over eps x B of |log(eta_mf / eta_star)|, per family (the paper's kappa2 table).

# %%
for name, prob in family.items():
    g, H, s = prob.arrays()
    errs = {}
    for e in eps:
        exact = ol.eta_star(g, H, s, e, B)
        choices = ol.kappa2_choices(g, s, e)
        choices["best_fit"] = ol.kappa2_best_fit(g, H, s, e, B)
        for k, k2 in choices.items():
            errs.setdefault(k, []).append(np.abs(np.log(ol.eta_star_mean_field(g, H, s, e, B, kappa2=k2) / exact)))
    built = ROOT / f"results/eta_{name}.json"
    d = json.loads(built.read_text()) if built.is_file() else {}
    same = d.get("params", {}).get("problem") == cfg["families"][name] and d["params"]["eps"] == cfg["eps"]
    pipeline = d["values"] if same and d["params"]["B"] == cfg["B"] else {}  # only if built with this config
    print(name)
    for k, err in errs.items():
        ours = pipeline.get(f"kappa2_{k.lower()}_max")
        print(f"   {k:15s} max {np.max(err):.3f}  median {np.median(err):.4f}"
              + (f"  (pipeline, results/eta_{name}.json: max {ours['value']:.3f})" if ours else ""))

# %% [markdown]
# ## Surge peaks: exact vs closed-form mean field, the surge strength, and where it vanishes

# %%
for name in ("dense_powerlaw", "low_rank_dominated"):
    g, H, s = family[name].arrays()
    for e in cfg["table_eps"]:
        print(f"{name:20s} eps={e:7.0e}  exact B_peak {ol.surge_peak(g, H, s, e)}  "
              f"mean field {ol.mean_field_peak(g, H, s, e)}  strength {ol.surge_strength(g, H, s, e):.4f}")
    grid_strength = np.array([ol.surge_strength(g, H, s, e) for e in eps])
    last = int(np.flatnonzero(grid_strength > cfg["surge_min_strength"])[-1])
    print("   surge vanishes at eps =",
          ol.surge_vanishing_eps(g, H, s, eps[last], eps[last + 1], cfg["surge_min_strength"]))

# %% [markdown]
# ## SignSGD's peak against McCandlish's B_noise (Li et al. 2024)
#
# The small-batch closed form is (pi/2) tr H / (v^T H v), v = g/sigma: (pi/2) B_noise for uniform sigma.

# %%
for name in ("dense_powerlaw", "low_rank_dominated"):
    g, H, s = family[name].arrays()
    bp = ol.surge_peak(g, H, s, 0.0, kind="sign")
    print(f"{name:20s} B_peak(sign) / B_noise = {bp / ol.b_noise(g, H, s):.3f}, "
          f"/ small-batch form = {bp / ol.sign_peak_small_batch(g, H, s):.3f}")

# %% [markdown]
# ## Realistic eps (1e-8, 1e-5 as in LLaMA 2, 1e-3) against the gradient scale

# %%
for name, prob in family.items():
    g, H, s = prob.arrays()
    eta0 = ol.eta_star(g, H, s, 0.0, B, kind="sign")
    for e in cfg["realistic"]["eps"]:
        frac_grad, frac_noise = ol.eps_fractions(g, s, e, cfg["realistic"]["B"])
        change = np.max(np.abs(ol.eta_star(g, H, s, e, B) / eta0 - 1))
        print(f"{name:20s} eps={e:5.0e}: eps>|g| {frac_grad:.3f}, eps>sigma/sqrt(B) {frac_noise}, "
              f"max |eta*(eps)/eta*(0)-1| {change:.1e}")

# %% [markdown]
# ## Malladi et al.'s square-root rule: eps ∝ B^(-1/2) (solid) against fixed eps (dashed)
#
# log(eta*(B) / (sqrt(B/B_ref) eta*(B_ref))), B in units of B_noise: zero is a perfect collapse.

# %%
sq = cfg["sqrt_rule"]
x = np.logspace(sq["log10_B_ref"], sq["log10_B_max"], sq["n_B"])
b_ref = np.array(sq["b"])
fig, axes = plt.subplots(1, 3, figsize=plotting.figsize(1.0, 0.34), layout="constrained", sharey=True)
for ax, (name, prob) in zip(axes, family.items()):
    g, H, s = prob.arrays()
    bn = ol.b_noise(g, H, s)
    eps_ref = b_ref * np.median(s) / np.sqrt(x[0] * bn)
    dev = {rule: [ol.sqrt_rule_log_deviation(g, H, s, e, x[0] * bn, x * bn, rule=rule) for e in eps_ref]
           for rule in ("sqrt", "fixed")}
    plotting.plot_sqrt_rule(ax, x, b_ref, dev["sqrt"], dev["fixed"], name.replace("_", " "))

# %% [markdown]
# ## The post's condition without a surge: two coordinates, H = [[1, c], [c, 1]]

# %%
ns = cfg["no_surge"]
g, H, s = problems.two_coordinate_no_surge(ns["coupling"]).arrays()
_, P, T = ol.mean_field_terms(g, H, s, ns["eps"])
Bd = np.logspace(ns["log10_B_min"], ns["log10_B_max"], ns["n_B"])
eta = ol.eta_star(g, H, s, ns["eps"], Bd)
print("u^T H u / tr H =", P / T, " mean-field peak:", ol.mean_field_peak(g, H, s, ns["eps"]))
rise = eta.max() / ol.eta_star_limit_large_B(g, H, ns["eps"]) - 1
print("exact: max rise above the plateau", rise)
built = ROOT / "results/eta_no_surge.json"
if built.is_file() and json.loads(built.read_text())["params"]["no_surge"] == ns:  # built with this config
    print("pipeline (results/eta_no_surge.json):", json.loads(built.read_text())["values"]["max_rise"]["value"])

# %% [markdown]
# ## What eps does to the surge (adameps.surge)
#
# Diagonal H: SignSGD's optimum sum |g_i| erf(|a_i|/sqrt2) / tr H increases with B (no sign surge).
# D H D >= 0 (D = diag(sign g)): P(eps) = u^T H u falls with eps, so eps only removes a mean-field surge.
# Otherwise eps can create one: `problems.eps_creates_surge`.

# %%
from adameps import surge

g, H, s = family["nqm"].arrays()
e_sign = surge.eta_star_sign_diagonal(g, H, s, B)
print("NQM SignSGD optimum increasing in B:", bool(np.all(np.diff(e_sign) >= 0)))
for name, prob in family.items():
    print(f"{name:20s} D H D >= 0: {surge.sign_aligned_nonnegative(prob.g, prob.H)!s:5}  "
          f"no mean-field surge beyond eps = {surge.mean_field_surge_eps_bound(prob.g, prob.H):.3g}")
cs = problems.eps_creates_surge()
print("eps creates a surge: mean-field windows", surge.mean_field_surge_windows(cs.g, cs.H, 1e-4, 1e2))
print("SignSGD peak:", ol.surge_peak(cs.g, cs.H, cs.sigma, 0.0, kind="sign"))
for e in (1e-4, 1e-2, 0.4, 10.0):
    print(f"   eps = {e:7.0e}: exact surge strength {ol.surge_strength(cs.g, cs.H, cs.sigma, e):.4f}")
