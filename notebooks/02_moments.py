# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Moments of the SoftSign update
#
# Per coordinate, $a = g\sqrt{B}/\sigma$ and $b = \epsilon\sqrt{B}/\sigma$; the update's moments are
# $m_1(a,b) = E[\varphi(a+z;b)]$ and $m_2(a,b) = E[\varphi(a+z;b)^2]$ with $z\sim N(0,1)$.
# `adameps.moments.moments(kind, a, b)` computes them exactly (to about 1e-14) for
# `kind` in sign, softsign, clip, adam. This notebook redraws the paper's moment figures and lets
# you probe the post's approximations.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import yaml

from adameps import approx, plotting
from adameps.measure import abs_error_summary
from adameps.montecarlo import moments_mc
from adameps.moments import moments
from adameps.update_maps import KINDS

# The pipeline's configuration (and, below, its results where a build has made them), not copies.
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "config/config.yaml").is_file())
config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
cfg = config["moments"]
plotting.use_style()

# %% [markdown]
# ## Exact against Monte Carlo at one point

# %%
rng = np.random.default_rng(0)
for kind in KINDS:
    m1, m2 = moments(kind, 0.8, 1.5)
    mc1, mc2, se1, se2 = moments_mc(kind, 0.8, 1.5, 200_000, rng)
    print(f"{kind:9s} m1 = {m1:.6f} (MC {mc1:.6f} ± {se1:.1e})   m2 = {m2:.6f} (MC {mc2:.6f} ± {se2:.1e})")

# %% [markdown]
# ## m1 and m2 against a, for a few b (the paper's Figures 2 and 3)

# %%
a = np.linspace(-cfg["a_curve_max"], cfg["a_curve_max"], cfg["n_curve"])
b_values = np.array(cfg["b_curves"])
A, Bm = np.meshgrid(a, b_values)
for moment, extra in (("m1", ("erf_slope", "post")), ("m2", ("post",))):
    i = 0 if moment == "m1" else 1
    curves = {kind: moments(kind, A, Bm)[i] for kind in ("sign", "adam", "clip", "softsign")}
    approximations = {
        ("m1", "erf_slope"): approx.m1_approx_erf_slope, ("m1", "post"): approx.m1_approx_post,
        ("m2", "post"): approx.m2_approx_post,
    }
    curves |= {name: approximations[moment, name](A, Bm) for name in extra}
    fig, axes = plt.subplots(1, len(b_values), figsize=plotting.figsize(1.0, 0.30), sharey=True,
                             layout="constrained")
    plotting.plot_moment_curves(axes, a, b_values, curves, moment)

# %% [markdown]
# ## Where is the post's m2 approximation worst?

# %%
a_grid = np.linspace(0, cfg["a_max"], cfg["n_a"])
b_grid = np.logspace(cfg["log10_b_min"], cfg["log10_b_max"], cfg["n_b"])
A, Bm = np.meshgrid(a_grid, b_grid)
s = abs_error_summary(approx.m2_approx_post(A, Bm), moments("softsign", A, Bm)[1], b_grid, a_grid)
print(f"max |error| {s.max_abs:.3f} at b = {s.at[0]:.3g}, a = {s.at[1]:.3g}; mean {s.mean_abs:.4f}")
built = ROOT / "results/moments.json"
if built.is_file() and json.loads(built.read_text())["params"] == cfg:  # built with this configuration
    print("pipeline (results/moments.json):", json.loads(built.read_text())["values"]["m2_post_max_abs_error"]["value"])
