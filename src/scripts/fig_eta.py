"""Rule `fig_eta`: eta_star(B) per eps for every family (exact vs mean field), and B_peak(eps)."""

import _common

import matplotlib.pyplot as plt
import numpy as np

from adameps import plotting, problems

_common.setup(snakemake)
plotting.use_style()
families = snakemake.params.families
data = {}
for family, path in zip(families, snakemake.input.npz):
    data[family] = _common.read_npz(path)

fig, axes = plt.subplots(1, len(families), figsize=plotting.figsize(1.0, 0.34), layout="constrained")
for ax, family in zip(np.atleast_1d(axes), families):
    d = data[family]
    # Four eps that give four distinct curves: the smallest (SignSGD-like), eps = 1 and 100 (where eps
    # competes with the noise), the largest (SGD-like); the nearest grid values.
    log_eps = np.log10(d["eps"])
    which = np.unique([int(np.argmin(np.abs(log_eps - t))) for t in (log_eps[0], 0.0, 2.0, log_eps[-1])])
    plotting.plot_eta_curves(ax, d["B"], d["eps"], d["exact"], d["mf_2024"], d["sign"], which,
                             problems.family_label(family), sgd=d["sgd"], b_noise=float(np.ravel(d["b_noise"])[0]))
np.atleast_1d(axes)[0].set_ylabel(r"$\eta^*(B)$")
fig.legend(*np.atleast_1d(axes)[0].get_legend_handles_labels(), loc="outside right center", fontsize=7)
_common.save_figure(fig, snakemake.output.curves_pdf, snakemake.output.curves_png)

fig, ax = plt.subplots(figsize=plotting.figsize(0.85, 0.45), layout="constrained")
eps = data[families[0]]["eps"]
# Ripples below the surge threshold (see rule eta_sweep) are not drawn as peaks.
peaks = {problems.family_label(f): np.where(data[f]["surging"], data[f]["peaks"], np.nan) for f in families}
mf_peaks = {problems.family_label(f): data[f]["mf_peaks"] for f in families}
plotting.plot_eta_peaks(ax, eps, peaks, mf_peaks)
_common.save_figure(fig, snakemake.output.peaks_pdf, snakemake.output.peaks_png)

# eps -> inf: eta*/eps against SGD's optimum, and the mean field's error over the (B, eps) plane.
fig, axes = plt.subplots(1, 1 + len(families), figsize=plotting.figsize(1.0, 0.36), layout="constrained",
                         gridspec_kw={"width_ratios": [1.5] + [1] * len(families)})
gaps = {problems.family_label(f): np.max(np.abs(data[f]["exact"] / data[f]["eps"][:, None] / data[f]["sgd"] - 1), axis=1)
        for f in families}
post_gaps = {problems.family_label(f): np.max(np.abs(data[f]["sgd_post"] / data[f]["sgd"] - 1)) for f in families}
plotting.plot_large_eps_convergence(axes[0], eps, gaps, post_gaps)
# The narrow panel has no free corner: its legend goes below the figure, where it covers no data.
axes[0].get_legend().remove()
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=len(families), fontsize=7)
vmax = max(np.max(np.abs(np.log(data[f]["mf_2024"] / data[f]["exact"]))) for f in families)
for ax, f in zip(axes[1:], families):
    mesh = plotting.plot_log_ratio_map(ax, data[f]["B"], data[f]["eps"], data[f]["mf_2024"] / data[f]["exact"],
                                       problems.family_label(f), vmax)
axes[1].set_ylabel(r"$\epsilon$")
for ax in axes[1:]:
    ax.set_xlabel(r"batch size $B$")
fig.colorbar(mesh, ax=list(axes[1:]), label=r"$|\log(\eta^*_{\mathrm{mf}}/\eta^*)|$", shrink=0.9, extend="min")
_common.save_figure(fig, snakemake.output.limits_pdf, snakemake.output.limits_png)
