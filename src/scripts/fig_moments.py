"""Rules `fig_moments_m1`, `fig_moments_m2`: m1 / m2 against a at a few b, every kind and approximation."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from adameps import plotting  # noqa: E402

_common.setup(snakemake)  # noqa: F821
plotting.use_style()
moment = snakemake.params.moment  # noqa: F821
# The post approximates m1 two ways and m2 one way.
APPROXIMATIONS = {"m1": ("erf_slope", "post"), "m2": ("post",)}
d = _common.read_npz(snakemake.input.npz)  # noqa: F821
a, b_values = d["a_curve"], d["b_curves"]
curves = {kind: d[f"curve_{kind}_{moment}"] for kind in ("sign", "adam", "clip", "softsign")}
curves |= {name: d[f"curve_{moment}_{name}"] for name in APPROXIMATIONS[moment]}

fig, axes = plt.subplots(1, len(b_values), figsize=plotting.figsize(1.0, 0.30), sharey=True, layout="constrained")
plotting.plot_moment_curves(np.atleast_1d(axes), a, b_values, curves, moment)
_common.save_figure(fig, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
