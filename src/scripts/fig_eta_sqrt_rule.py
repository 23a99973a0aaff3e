"""Rule `fig_eta_sqrt_rule`: deviation of eta_star(B) from the square-root rule eta ∝ sqrt(B), with eps
scaled as B^(-1/2) (Malladi et al. 2022) and with eps fixed, per problem family."""

import _common

import matplotlib.pyplot as plt
import numpy as np

from adameps import plotting, problems

_common.setup(snakemake)
plotting.use_style()
families = snakemake.params.families
data = _common.read_npz(snakemake.input.npz)

fig, axes = plt.subplots(1, len(families), figsize=plotting.figsize(1.0, 0.34), layout="constrained",
                         sharey=True)
for ax, family in zip(np.atleast_1d(axes), families):
    plotting.plot_sqrt_rule(ax, data["x"], data["b"], data[f"{family}_sqrt"], data[f"{family}_fixed"],
                            problems.family_label(family))
np.atleast_1d(axes)[0].set_ylabel(r"$\log[\eta^*(B)\,/\,\sqrt{B/B_{\mathrm{ref}}}\,\eta^*(B_{\mathrm{ref}})]$")
fig.legend(*np.atleast_1d(axes)[0].get_legend_handles_labels(), loc="outside right center", fontsize=7)
_common.save_figure(fig, snakemake.output.pdf, snakemake.output.png)
