"""Rule `fig_moments` (m1, m2): m1 / m2 against a at a few b, every kind and approximation."""

import _common

import matplotlib.pyplot as plt
import numpy as np

from adameps import plotting

_common.setup(snakemake)
plotting.use_style()
moment = snakemake.params.moment
# The post approximates m1 two ways and m2 one way.
APPROXIMATIONS = {"m1": ("erf_slope", "post"), "m2": ("post",)}
d = _common.read_npz(snakemake.input.npz)
a, b_values = d["a_curve"], d["b_curves"]
curves = {kind: d[f"curve_{kind}_{moment}"] for kind in ("sign", "adam", "clip", "softsign")}
curves |= {name: d[f"curve_{moment}_{name}"] for name in APPROXIMATIONS[moment]}

fig, axes = plt.subplots(1, len(b_values), figsize=plotting.figsize(1.0, 0.30), sharey=True, layout="constrained")
plotting.plot_moment_curves(np.atleast_1d(axes), a, b_values, curves, moment)
_common.save_figure(fig, snakemake.output.pdf, snakemake.output.png)
