"""Rule `fig_train`: the training figures, from results/train.npz.

- train: measured eta*(B) per eps with the exact one-step theory overlaid, one panel per problem /
  optimiser (SignSGD, SGD and Adam-atan2, which have no eps, share one panel);
- train_scatter: measured against predicted eta* for every (arm, B, eps), exact theory and mean field;
- train_budget: eta*(B) after 1, 10, 100 ... steps at a small and a large eps, with the exact theory of
  Adam's first step and of softsign.
"""

import _common

import matplotlib.pyplot as plt
import numpy as np

from adameps import plotting

_common.setup(snakemake)
plotting.use_style()
P, out = snakemake.params, snakemake.output
MODEL = {"nqm": "NQM", "softmax": "digits, softmax", "mlp": "digits, MLP"}
OPT = {"adam": "Adam", "softsign": "SoftSignSGD", "sign": "SignSGD", "sgd": "SGD", "atan2": "Adam-atan2"}
data = _common.read_npz(snakemake.input.npz)


def optimizer(arm):
    return P.optimizers[arm]  # from the config: an arm's name need not say its optimizer


def label(arm):
    return f"{MODEL[arm.split('_')[0]]}, {OPT[optimizer(arm)]}"


# ---- eta*(B) per arm: panels, with the no-eps arms of one problem sharing a panel
panels = []
for arm in P.arms:
    if optimizer(arm) in ("sign", "sgd", "atan2"):
        model = arm.split("_")[0]
        shared = next((p for p in panels if p["no_eps"] and p["model"] == model), None)
        if shared:
            shared["arms"].append(arm)
            continue
        panels.append({"arms": [arm], "no_eps": True, "model": model})
    else:
        panels.append({"arms": [arm], "no_eps": False, "model": arm.split("_")[0]})
all_eps = np.concatenate([data[f"{a}_eps"] for a in P.arms])
colours = plotting.eps_colours(np.log10(all_eps[np.isfinite(all_eps)]))
ncol = 3
nrow = -(-(len(panels) + 1) // ncol)
fig, axes = plt.subplots(nrow, ncol, figsize=plotting.figsize(1.0, 0.34 * nrow), layout="constrained")
axes = np.atleast_1d(axes).ravel()
for ax, panel in zip(axes, panels):
    if panel["no_eps"]:
        arms = panel["arms"]
        cat = lambda k: np.concatenate([data[f"{a}_{k}"] for a in arms])  # noqa: E731
        plotting.plot_train_eta(ax, data[f"{arms[0]}_B"], cat("eps"), cat("eta"), cat("log_se"),
                                cat("theory_exact"), rf"{MODEL[panel['model']]}, no $\epsilon$",
                                colours, cat("ok"), labels=[OPT[optimizer(a)] for a in arms])
        ax.legend(fontsize=6)
    else:
        a = panel["arms"][0]
        plotting.plot_train_eta(ax, data[f"{a}_B"], data[f"{a}_eps"], data[f"{a}_eta"], data[f"{a}_log_se"],
                                data[f"{a}_theory_exact"], label(a), colours, data[f"{a}_ok"])
for ax in axes[::ncol]:
    ax.set_ylabel(r"$\eta^*(B)$")
legend_ax = axes[len(panels)]
legend_ax.axis("off")
handles = [plt.Line2D([], [], marker="o", ms=3, ls="-", lw=0.9, color=c) for c in colours.values()]
names = [rf"$\epsilon = 10^{{{x:.0f}}}$" for x in colours]
handles += [plt.Line2D([], [], marker="o", ms=3, ls="none", color="#555555"),
            plt.Line2D([], [], marker="o", ms=5, mfc="white", ls="none", color="#555555"),
            plt.Line2D([], [], ls="-", color="#555555")]
names += ["measured (bars: bootstrap s.e.)", "minimum not bracketed", "exact one-step theory"]
legend_ax.legend(handles, names, loc="center", fontsize=7)
for ax in axes[len(panels) + 1:]:
    ax.axis("off")
_common.save_figure(fig, out.pdf, out.png)
plt.close(fig)

# ---- measured vs predicted, all settings
fig, axes = plt.subplots(1, 2, figsize=plotting.figsize(1.0, 0.5), layout="constrained")
for ax, (theory, title) in zip(axes, (("exact", "exact one-step theory"), ("mean_field", "2024 mean field"))):
    groups = {label(a): (data[f"{a}_theory_{theory}"], data[f"{a}_eta"], data[f"{a}_ok"])
              for a in P.arms if f"{a}_theory_{theory}" in data}
    plotting.plot_train_scatter(ax, groups, title)
axes[0].set_ylabel(r"measured $\eta^*$")
axes[0].legend(fontsize=6, loc="lower right")
_common.save_figure(fig, out.scatter_pdf, out.scatter_png)
plt.close(fig)

# ---- step budget
bp, steps = P.budget["problem"], list(P.budget["steps"])
arms = [f"{bp}_steps{s}" for s in steps]
eps = data[f"{arms[0]}_eps"]
fig, axes = plt.subplots(1, len(eps), figsize=plotting.figsize(1.0, 0.4), layout="constrained", squeeze=False)
for i, ax in enumerate(axes[0]):
    plotting.plot_train_budget(ax, data[f"{arms[0]}_B"], steps, [data[f"{a}_eta"][i] for a in arms],
                               [data[f"{a}_log_se"][i] for a in arms], data[f"{arms[0]}_theory_adam"][i],
                               data[f"{arms[0]}_theory_exact"][i],
                               rf"{label(bp)}, $\epsilon = 10^{{{np.log10(eps[i]):.0f}}}$")
axes[0][0].set_ylabel(r"$\eta^*(B)$")
axes[0][-1].legend(fontsize=6)
_common.save_figure(fig, out.budget_pdf, out.budget_png)
