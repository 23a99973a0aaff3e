"""Rule `fig_moment_errors`: error maps of each of the post's approximations over the (a, log b) plane."""

import _common

import matplotlib.pyplot as plt

from adameps import plotting

_common.setup(snakemake)
plotting.use_style()
TITLES = {
    "m1_clip": r"$m_1$, clip",
    "m1_erf_slope": r"$m_1$, erf slope",
    "m1_post": r"$m_1$, post",
    "m2_clip": r"$m_2$, clip",
    "m2_post": r"$m_2$, post",
}
d = _common.read_npz(snakemake.input.npz)
a, b = d["a"], d["b"]
errors = {name: d[f"err_{name}"] for name in TITLES}

fig, axes = plt.subplots(1, len(errors), figsize=plotting.figsize(1.0, 0.30), sharey=True, layout="constrained")
plotting.plot_error_maps(fig, axes, a, b, errors, TITLES)
_common.save_figure(fig, snakemake.output.pdf, snakemake.output.png)
