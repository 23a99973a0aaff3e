"""Rule `fig_train`: measured eta*(B) of Adam per eps, with the one-step theory overlaid, per problem."""

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
problems = snakemake.params.problems  # noqa: F821
TITLES = {"nqm": "noisy quadratic model", "softmax": "digits, softmax regression", "mlp": "digits, MLP"}
with np.load(snakemake.input.npz) as d:  # noqa: F821
    data = {k: d[k] for k in d.files}
fig, axes = plt.subplots(1, len(problems), figsize=plotting.figsize(1.0, 0.36), layout="constrained")
for ax, pr in zip(np.atleast_1d(axes), problems):
    plotting.plot_train_eta(ax, data[f"{pr}_B"], data[f"{pr}_eps"], data[f"{pr}_eta"], data[f"{pr}_log_se"],
                            data[f"{pr}_theory_softsign"], TITLES[pr])
    ax.legend(fontsize=6)
np.atleast_1d(axes)[0].set_ylabel(r"$\eta^*(B)$")
_common.save_figure(fig, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
