# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # S-curve approximations of erf
#
# The post approximates any smooth odd S-curve $S$ with range $(-1,1)$ and slope $k$ at 0 by
# $x/\sqrt{x^2+1/k^2}$ or by $\mathrm{clip}(kx,-1,1)$. For $\mathrm{erf}$, $k = 2/\sqrt\pi$.
# This notebook redraws the paper's Figure 1 with the library (`adameps.scurves`,
# `adameps.plotting`) and lets you try other slopes and S-curves.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import yaml
from scipy import special

from adameps import plotting, scurves

# The pipeline's configuration (and, below, its results where a build has made them), not copies.
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "config/config.yaml").is_file())
config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
plotting.use_style()

# %% [markdown]
# ## The figure

# %%
cfg = config["scurves"]
x = np.linspace(-cfg["x_max"], cfg["x_max"], cfg["n_grid"])
approx = {kind: scurves.erf_approx(kind, x) for kind in scurves.ERF_APPROXIMATIONS}
fig, (ax_curves, ax_errors) = plt.subplots(1, 2, figsize=plotting.figsize(1.0, 0.38), layout="constrained")
plotting.plot_erf_approximations(ax_curves, ax_errors, x, special.erf(x), approx)

# %% [markdown]
# ## The worst errors, found exactly
# The clip form is worst at its kink $x = \sqrt\pi/2$; the softsign form where the derivative of
# its error vanishes.

# %%
for kind in scurves.ERF_APPROXIMATIONS:
    worst = scurves.erf_approx_max_error(kind)
    print(f"{kind:9s} max |error| = {worst.abs_error:.6f} at x = ±{worst.x:.6f}")

# %% [markdown]
# ## Try another S-curve
# `tanh` has slope 1 at the origin; how do the two approximations fare for it?

# %%
worst_softsign = np.max(np.abs(scurves.scurve_softsign(x, 1.0) - np.tanh(x)))
worst_clip = np.max(np.abs(scurves.scurve_clip(x, 1.0) - np.tanh(x)))
print(f"tanh: softsign form {worst_softsign:.4f}, clip form {worst_clip:.4f} (on the grid)")
