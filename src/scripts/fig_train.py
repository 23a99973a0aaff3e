"""Rule `fig_train`: the training figures, from results/train.npz.

- train: measured eta*(B) per eps with the exact one-step theory of the optimiser's own first step
  overlaid (solid; for Adam the adam map x/(|x|+eps)), for Adam the softsign theory (dashed), and the
  multi-step theory at the arm's step budget (dash-dotted; digits: on the diagonal of the measured
  statistics), one panel per problem / optimiser (SignSGD, SGD and Adam-atan2, which have no eps, share one panel);
- train_scatter: measured against predicted eta* for every (arm, B, eps): the theory of the optimiser's
  own first step, the softsign theory (Adam and SoftSignSGD arms), the 2024 mean field and the
  multi-step theory;
- train_budget: eta*(B) after 1, 10, 100 ... steps at a small and a large eps, with the exact theory of
  Adam's first step and of softsign, and the multi-step theory at each budget (dash-dotted).
The multi-step predictions come from results/multistep.npz (rule multistep_summary), which reads only
the sweeps, never these figures.
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
ms_data = _common.read_npz(snakemake.input.multistep)  # results/multistep.npz (rule multistep_summary)


def multistep(arm):
    """The multi-step prediction for ``arm``'s rows (its eps in results/train.npz's order), NaN where none."""
    if f"{arm}_multistep" not in ms_data:
        return np.full(np.shape(data[f"{arm}_eta"]), np.nan)
    if not np.array_equal(ms_data[f"{arm}_B"], data[f"{arm}_B"]):
        raise ValueError(f"{arm}: results/multistep.npz and results/train.npz have different batch sizes")
    src_eps, pred = ms_data[f"{arm}_eps"], ms_data[f"{arm}_multistep"]
    rows = []
    for e in data[f"{arm}_eps"]:
        k = [i for i, x in enumerate(src_eps) if (np.isnan(e) and np.isnan(x)) or np.isclose(x, e, rtol=1e-9)]
        if len(k) != 1:
            raise ValueError(f"{arm}: eps {e!r} of results/train.npz not once in results/multistep.npz")
        rows.append(pred[k[0]])
    return np.array(rows)


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
markers = plotting.eps_markers(np.log10(all_eps[np.isfinite(all_eps)]))
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
                                colours, cat("ok"), labels=[OPT[optimizer(a)] for a in arms], markers=markers,
                                multistep=np.concatenate([multistep(a) for a in arms]))
        no_eps_handles = ax.get_legend_handles_labels()  # shown in the legend panel, off the data
    else:
        a = panel["arms"][0]
        plotting.plot_train_eta(ax, data[f"{a}_B"], data[f"{a}_eps"], data[f"{a}_eta"], data[f"{a}_log_se"],
                                data[f"{a}_theory_exact"], label(a), colours, data[f"{a}_ok"],
                                theory2=data.get(f"{a}_theory_softsign"), markers=markers,
                                multistep=multistep(a))
for ax in axes[::ncol]:
    ax.set_ylabel(r"$\eta^*(B)$")
legend_ax = axes[len(panels)]
legend_ax.axis("off")
handles = [plt.Line2D([], [], marker=markers[x], ms=3, ls="-", lw=0.9, color=c) for x, c in colours.items()]
names = [rf"$\epsilon = 10^{{{x:.0f}}}$" for x in colours]
if any(p["no_eps"] for p in panels):
    handles += list(no_eps_handles[0])
    names += [f"{n} (no $\\epsilon$)" for n in no_eps_handles[1]]
handles += [plt.Line2D([], [], marker="o", ms=3, ls="none", color="#555555"),
            plt.Line2D([], [], marker="o", ms=5, mfc="white", ls="none", color="#555555"),
            plt.Line2D([], [], ls="-", color="#555555"),
            plt.Line2D([], [], ls="--", color="#555555"),
            plt.Line2D([], [], ls="-.", lw=1.1, color="#555555")]
names += ["measured (bars: bootstrap s.e.)", "minimum not bracketed", "theory of the first step",
          "softsign theory (Adam)", "multi-step theory (digits: diagonal)"]
legend_ax.legend(handles, names, loc="center", fontsize=7, ncol=2)
for ax in axes[len(panels) + 1:]:
    ax.axis("off")
_common.save_figure(fig, out.pdf, out.png)
plt.close(fig)

# ---- measured vs predicted, all settings
fig, axes = plt.subplots(1, 4, figsize=plotting.figsize(1.0, 0.34), layout="constrained")
styles = plotting.scatter_styles([label(a) for a in P.arms])  # one style per arm in every panel
SOFTSIGN = {"softsign": "softsign", "adam": "softsign"}  # curve holding the softsign theory per optimiser
for ax, (theory, title) in zip(axes, (("exact", "theory of the first step"), ("softsign", "softsign theory"),
                                      ("mean_field", "2024 mean field"))):
    groups = {}
    for a in P.arms:
        curve = theory
        if theory == "softsign":  # Adam's softsign curve, and SoftSignSGD's own (exact) theory
            if optimizer(a) not in SOFTSIGN:
                continue
            curve = "softsign" if optimizer(a) == "adam" else "exact"
        if f"{a}_theory_{curve}" in data:
            groups[label(a)] = (data[f"{a}_theory_{curve}"], data[f"{a}_eta"], data[f"{a}_ok"])
    plotting.plot_train_scatter(ax, groups, title, styles)
# the multi-step theory at each arm's step budget (digits: on the diagonal of the measured statistics)
plotting.plot_train_scatter(axes[3], {label(a): (multistep(a), data[f"{a}_eta"], data[f"{a}_ok"]) for a in P.arms
                                       if np.isfinite(multistep(a)).any()},
                            "multi-step theory", styles)
axes[0].set_ylabel(r"measured $\eta^*$")
handles = [plt.Line2D([], [], marker=m, ls="none", ms=3, color=c) for m, c in styles.values()]
fig.legend(handles, list(styles), loc="outside lower center", ncol=4, fontsize=7)
_common.save_figure(fig, out.scatter_pdf, out.scatter_png)
plt.close(fig)

# ---- step budget
bp, steps = P.budget["problem"], list(P.budget["steps"])
arms = [f"{bp}_steps{s}" for s in steps]
eps = data[f"{arms[0]}_eps"]
fig, axes = plt.subplots(1, len(eps), figsize=plotting.figsize(1.0, 0.4), layout="constrained", squeeze=False)
for i, ax in enumerate(axes[0]):
    plotting.plot_train_budget(ax, data[f"{arms[0]}_B"], steps, [data[f"{a}_eta"][i] for a in arms],
                               [data[f"{a}_log_se"][i] for a in arms], data[f"{arms[0]}_theory_exact"][i],
                               data.get(f"{arms[0]}_theory_softsign", data[f"{arms[0]}_theory_exact"])[i],
                               rf"{label(bp)}, $\epsilon = 10^{{{np.log10(eps[i]):.0f}}}$",
                               multistep=[multistep(a)[i] for a in arms])
axes[0][0].set_ylabel(r"$\eta^*(B)$")
axes[0][-1].legend(fontsize=6)
_common.save_figure(fig, out.budget_pdf, out.budget_png)
