"""Rule `fig_scurves`: draw erf, its two approximations and their errors (the post's first figure)."""

import _common

import matplotlib.pyplot as plt

from adameps import plotting, scurves

_common.setup(snakemake)
plotting.use_style()
d = _common.read_npz(snakemake.input.npz)
x, erf = d["x"], d["erf"]
approx = {kind: d[kind] for kind in scurves.ERF_APPROXIMATIONS}

fig, (ax_curves, ax_errors) = plt.subplots(1, 2, figsize=plotting.figsize(1.0, 0.38), layout="constrained")
plotting.plot_erf_approximations(ax_curves, ax_errors, x, erf, approx)
_common.save_figure(fig, snakemake.output.pdf, snakemake.output.png)
