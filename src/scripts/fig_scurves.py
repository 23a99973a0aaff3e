"""Rule `fig_scurves`: draw erf, its two approximations and their errors (the post's first figure)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from adameps import plotting, scurves  # noqa: E402

_common.setup(snakemake)  # noqa: F821
plotting.use_style()
d = _common.read_npz(snakemake.input.npz)  # noqa: F821
x, erf = d["x"], d["erf"]
approx = {kind: d[kind] for kind in scurves.ERF_APPROXIMATIONS}

fig, (ax_curves, ax_errors) = plt.subplots(1, 2, figsize=plotting.figsize(1.0, 0.38), layout="constrained")
plotting.plot_erf_approximations(ax_curves, ax_errors, x, erf, approx)
_common.save_figure(fig, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
