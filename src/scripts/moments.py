"""Rule `moments`: exact m1, m2 of every update kind, and the post's approximations, on an (a, b) grid.

Writes results/moments.json (worst/mean errors of each approximation and where the worst is)
and results/moments.npz (the grids and curves for the figures).
"""

import _common

import numpy as np

from adameps import approx
from adameps.measure import abs_error_summary, grid_argmax
from adameps.moments import moments
from adameps.update_maps import KINDS

log = _common.setup(snakemake)
p = snakemake.params

# m1 is odd and m2 even in a, so a >= 0 covers everything; b on a log grid.
a = np.linspace(0.0, p.a_max, p.n_a)
b = np.logspace(p.log10_b_min, p.log10_b_max, p.n_b)
A, Bm = np.meshgrid(a, b)  # (n_b, n_a): rows are b, columns are a
exact = {kind: moments(kind, A, Bm) for kind in KINDS}

# Each approximation of the post, and the exact quantity it stands in for.
APPROXIMATIONS = {
    "m1_clip": ("clip m1 as a stand-in for softsign m1", exact["clip"][0], exact["softsign"][0]),
    "m1_erf_slope": ("a/sqrt(a^2 + b^2/erf(b/sqrt2)^2) vs softsign m1",
                     approx.m1_approx_erf_slope(A, Bm), exact["softsign"][0]),
    "m1_erf_slope_vs_clip": ("a/sqrt(a^2 + b^2/erf(b/sqrt2)^2) vs clip m1 (its S-curve target)",
                             approx.m1_approx_erf_slope(A, Bm), exact["clip"][0]),
    "m1_post": ("a/sqrt(a^2 + b^2 + pi/2) vs softsign m1", approx.m1_approx_post(A, Bm), exact["softsign"][0]),
    "m2_clip": ("clip m2 as a stand-in for softsign m2", exact["clip"][1], exact["softsign"][1]),
    "m2_post": ("1 - b^2/(a^2 + b^2 + pi/2) vs softsign m2", approx.m2_approx_post(A, Bm), exact["softsign"][1]),
}

values, arrays = {}, {"a": a, "b": b}
for kind in KINDS:
    arrays[f"{kind}_m1"], arrays[f"{kind}_m2"] = exact[kind]
for name, (what, approximation, target) in APPROXIMATIONS.items():
    s = abs_error_summary(approximation, target, b, a)
    b_at, a_at = s.at
    log.info("%s: max %.3g at a=%.3g b=%.3g, mean %.3g", name, s.max_abs, a_at, b_at, s.mean_abs)
    arrays[f"err_{name}"] = approximation - target
    values[f"{name}_max_abs_error"] = _common.value(s.max_abs, f"max |error| over the grid: {what}")
    values[f"{name}_mean_abs_error"] = _common.value(s.mean_abs, f"mean |error| over the grid: {what}")
    values[f"{name}_signed_error"] = _common.value(s.signed_at_max, f"approx - exact at the worst point: {what}")
    values[f"{name}_a_at_max"] = _common.value(a_at, f"a of the worst point: {what}")
    values[f"{name}_b_at_max"] = _common.value(b_at, f"b of the worst point: {what}")
    # a = 0 is a symmetry axis (m1 odd, m2 even in a), not an edge; a = a_max and both b ends are.
    _, on_edge = grid_argmax(np.abs(approximation - target), closed=(True, "upper"))
    values[f"{name}_max_abs_error_on_edge"] = _common.value(
        int(on_edge), f"1 if the worst point of {what} lies on the edge of the grid", "int")
    if on_edge:
        values[f"{name}_max_abs_error"]["description"] += " (on the edge of its grid: a grid value, not a supremum)"

# Along a = b -> infinity the noise no longer matters: softsign -> 1/sqrt(2) and 1/2, clip -> 1
# and 1, so the clip stand-in's errors tend to these limits (the sup over the whole plane).
values["m1_clip_limit_diagonal"] = _common.value(1 - 1 / np.sqrt(2), "limit of clip m1 - softsign m1 as a = b -> inf")
values["m2_clip_limit_diagonal"] = _common.value(0.5, "limit of clip m2 - softsign m2 as a = b -> inf")
# The same suprema found numerically (approx.clip_softsign_gap_sup: max over t of the noiseless gap),
# a second way to the closed forms above.
for power in (1, 2):
    sup, t_star = approx.clip_softsign_gap_sup(power)
    values[f"m{power}_clip_sup"] = _common.value(sup, f"sup over the (a, b) plane of |clip m{power} - softsign m{power}|,"
                                                 " maximised numerically over the noiseless gap")
    values[f"m{power}_clip_sup_t"] = _common.value(t_star, f"x/b where the noiseless m{power} gap is largest", digits=4)
    closed = 1 - 1 / np.sqrt(2) if power == 1 else 0.5
    values[f"m{power}_clip_sup_check"] = _common.value(abs(sup - closed), f"|numerical sup - closed form| for m{power}",
                                                       "sci", 1)

# The stated grid, so the paper can say where the numbers were measured.
values["grid_a_max"] = _common.value(p.a_max, "largest a of the error grid (a >= 0 by symmetry)", digits=2)
values["grid_b_min"] = _common.value(b[0], "smallest b of the error grid", "sci", 1)
values["grid_b_max"] = _common.value(b[-1], "largest b of the error grid", "sci", 1)
values["grid_n_a"] = _common.value(p.n_a, "number of a values in the error grid", "int")
values["grid_n_b"] = _common.value(p.n_b, "number of b values in the error grid", "int")

# Curves against a (both signs) at a few b, for the m1 / m2 figures.
a_curve = np.linspace(-p.a_curve_max, p.a_curve_max, p.n_curve)
Ac, Bc = np.meshgrid(a_curve, np.asarray(p.b_curves, dtype=float))
arrays["a_curve"], arrays["b_curves"] = a_curve, np.asarray(p.b_curves, dtype=float)
for kind in KINDS:
    arrays[f"curve_{kind}_m1"], arrays[f"curve_{kind}_m2"] = moments(kind, Ac, Bc)
arrays["curve_m1_erf_slope"] = approx.m1_approx_erf_slope(Ac, Bc)
arrays["curve_m1_post"] = approx.m1_approx_post(Ac, Bc)
arrays["curve_m2_post"] = approx.m2_approx_post(Ac, Bc)

_common.write_results(snakemake.output.json, namespace="moments", snakemake=snakemake,
                      script=__file__, values=values)
_common.write_npz(snakemake.output.npz, **arrays)
