"""Rule `fig_multistep`: the multi-step theory's figures.

- multistep_train: measured eta*(B) of every NQM arm (markers, one colour per eps) with the multi-step
  prediction at the trained step budget (solid) and the one-step theory (dotted);
- multistep_budget: eta*_T(B) of Adam on the NQM for each step budget T at a small and a large eps (the
  v-hat model; T = 1 exact), with the travel-and-floor law (dashed) and the measured step-budget optima
  (markers) where the training sweeps have them.
"""

import _common

import matplotlib.pyplot as plt
import numpy as np

from adameps import plotting

_common.setup(snakemake)
plotting.use_style()
P, out = snakemake.params, snakemake.output
OPT = {"adam": "Adam", "softsign": "SoftSignSGD", "sign": "SignSGD", "sgd": "SGD", "atan2": "Adam-atan2"}
data = _common.read_npz(snakemake.input.summary)
bud = _common.read_npz(snakemake.input.budget)


def optimizer(arm):
    return arm.split("_", 1)[1] if "_" in arm else "adam"


arms = [a for a in P.arms if f"{a}_B" in data]
all_eps = np.concatenate([data[f"{a}_eps"] for a in arms])
colours = plotting.eps_colours(np.log10(all_eps[np.isfinite(all_eps)]))
ncol = 3
nrow = -(-len(arms) // ncol)
fig, axes = plt.subplots(nrow, ncol, figsize=plotting.figsize(1.0, 0.34 * nrow), layout="constrained")
axes = np.atleast_1d(axes).ravel()
for ax, arm in zip(axes, arms):
    g = lambda k: data[f"{arm}_{k}"]  # noqa: E731
    plotting.plot_train_eta(ax, g("B"), g("eps"), g("eta"), g("log_se"), g("multistep"),
                            f"NQM, {OPT[optimizer(arm)]}, {int(np.ravel(g('steps'))[0])} steps", colours, g("ok"),
                            labels=None if np.isfinite(g("eps")).all() else [OPT[optimizer(arm)]])
    for e, one in zip(g("eps"), g("one_step")):
        c = colours[float(np.log10(e))] if np.isfinite(e) else plotting.PALETTE["black"]
        ax.plot(g("B"), one, ":", color=c, lw=0.8)
    if np.isfinite(g("eps")).all() and len(g("eps")) > 1:
        ax.legend(fontsize=5, ncol=2)
axes[0].set_ylabel(r"$\eta^*$")
for ax in axes[len(arms):]:
    ax.axis("off")
_common.save_figure(fig, out.train_pdf, out.train_png)
plt.close(fig)

fig, axes = plt.subplots(1, len(bud["eps"]), figsize=plotting.figsize(1.0, 0.4), layout="constrained", sharey=True)
axes = np.atleast_1d(axes)
cycle = [plotting.PALETTE[c] for c in ("vermillion", "blue", "green", "purple", "orange", "skyblue")]
for i, (ax, eps) in enumerate(zip(axes, bud["eps"])):
    for j, T in enumerate(bud["steps"]):
        c = cycle[j % len(cycle)]
        ax.plot(bud["B"], bud["eta"][i, j], "-", color=c, lw=1.0, label=f"T = {int(T)}")
        ax.plot(bud["B"], bud["law"][i, j], "--", color=c, lw=0.7)
        arm = f"{P.budget_problem}_steps{int(T)}"
        if f"{arm}_eps" in data:
            k = np.flatnonzero(np.isclose(data[f"{arm}_eps"], eps))
            if k.size:
                plotting._log_errorbar(ax, data[f"{arm}_B"], data[f"{arm}_eta"][k[0]], data[f"{arm}_log_se"][k[0]],
                                       fmt="o", ms=3, color=c)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"batch size $B$")
    ax.set_title(rf"Adam, NQM, $\epsilon = 10^{{{np.log10(eps):.0f}}}$")
axes[0].set_ylabel(r"$\eta^*_T$")
axes[0].legend(fontsize=6)
_common.save_figure(fig, out.budget_pdf, out.budget_png)
plt.close(fig)
